/* test_multiproc.c - processes sharing one data directory: several flushers
   at once deliver every spilled event exactly once; a process SIGKILLed while it spills never
   leaves a half-written ready file, and its temp files are swept; a process killed while sending
   leaves a claim that a later flush recovers. Fork-based (not run under TSan). Every child is
   bounded in time and ended by the test itself, by pid. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

static gtbt_desc t_setup(void) { return fixture_desc(0); }
static void t_done(void) { fixture_done(); }

/* Plants spill file number seq holding n events with uuids planted_uuid(tag, first..first+n-1). */
static void plant_file(const char *dir, int seq, int tag, int first, int n) {
    char name[128];
    snprintf(name, sizeof name, "telemetry-spill-%020lld-%d-%d.ndjson", 1000LL + seq, 4242, seq);
    plant_events(dir, name, tag, first, n);
}

/* ---- uuid sets ---- */
typedef struct uset { char (*v)[37]; size_t n, cap; } uset;
static void uset_add(uset *s, const char *u) {
    if (s->n == s->cap) { s->cap = s->cap ? s->cap * 2 : 256; s->v = (char (*)[37])realloc(s->v, s->cap * 37); }
    snprintf(s->v[s->n++], 37, "%s", u);
}
static int cmp37(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }
static void uset_sort(uset *s) { if (s->n) qsort(s->v, s->n, 37, cmp37); }
static void uset_free(uset *s) { free(s->v); memset(s, 0, sizeof *s); }
/* Checks that got holds exactly the uuids of want, each once (both get sorted). */
static void check_exactly_once(uset *got, uset *want, const char *what) {
    size_t i, dups = 0, missing = 0, extra = 0, a = 0, b = 0;
    uset_sort(got);
    uset_sort(want);
    for (i = 1; i < got->n; i++) if (!strcmp(got->v[i], got->v[i - 1])) dups++;
    while (a < got->n || b < want->n) {
        int c = a >= got->n ? 1 : b >= want->n ? -1 : strcmp(got->v[a], want->v[b]);
        if (c == 0) { a++; b++; }
        else if (c < 0) { if (a == 0 || strcmp(got->v[a], got->v[a - 1])) extra++; a++; }
        else { missing++; b++; }
    }
    if (dups || missing || extra || got->n != want->n)
        gt_fail(__FILE__, __LINE__, "%s: %zu delivered for %zu expected: %zu duplicated, %zu missing, %zu unexpected",
                what, got->n, want->n, dups, missing, extra);
}

/* ---- a backend that appends every uuid it receives to a shared log file ---- */
static char LOG_path[600];
typedef struct append_backend { gtbt_backend base; int fail; int sleep_ms; } append_backend;
static int append_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    append_backend *ab = (append_backend *)b;
    size_t i;
    int fd;
    (void)deadline_ms;
    if (ab->sleep_ms) gtbt__sleep_ms(ab->sleep_ms);
    if (ab->fail) return GTBT_E_NETWORK;
    fd = open(LOG_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) return GTBT_E_IO;
    for (i = 0; i < n; i++) {
        char line[64];
        int k = snprintf(line, sizeof line, "%s %d\n", ev[i].uuid, (int)getpid());
        if (write(fd, line, (size_t)k) != k) { close(fd); return GTBT_E_IO; }
    }
    close(fd);
    return 0;
}
static void append_init(append_backend *ab, const char *info) {
    memset(ab, 0, sizeof *ab);
    ab->base.send = append_send;
    ab->base.info = info;
}
/* Reads the delivered uuids; returns how many distinct processes delivered them. */
static int read_log(uset *s) {
    char *text = gt_read(LOG_path), *p, *nl, *sp;
    int pids[16], npids = 0, i;
    if (!text) return 0;
    for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        int pid;
        *nl = 0;
        sp = strchr(p, ' ');
        if (sp) *sp = 0;
        uset_add(s, p);
        pid = sp ? atoi(sp + 1) : 0;
        for (i = 0; i < npids && pids[i] != pid; i++) {}
        if (i == npids && npids < 16) pids[npids++] = pid;
    }
    free(text);
    return npids;
}

/* Waits for one byte on fd for at most ms; 1 when it came. */
static int wait_byte(int fd, int ms) {
    struct pollfd pf;
    char ch;
    pf.fd = fd; pf.events = POLLIN; pf.revents = 0;
    if (poll(&pf, 1, ms) != 1) return 0;
    return read(fd, &ch, 1) == 1;
}

/* Waits for pid; when it is still running after ms, kills it (it is ours) and reports that. */
static int reap(pid_t pid, int ms, int *status) {
    int64_t end = gtbt_now_ms() + ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) return 1;
        if (r < 0) return 0;
        if (gtbt_now_ms() >= end) { kill(pid, SIGKILL); waitpid(pid, status, 0); return 0; }
        gtbt__sleep_ms(5);
    }
}

/* ==== several flushers sharing one data dir ====================================================== */
/* nproc children on the same dirs, released at the same moment by a pipe barrier, each flushing;
   failing[i] makes child i's backend fail (it must put its claims back). */
static void run_flushers(gtbt_desc *d, int nproc, const int *failing, int sleep_ms) {
    pid_t pids[8];
    int bar[2], ready[2], i, status;
    if (pipe(bar) != 0 || pipe(ready) != 0) { perror("pipe"); exit(2); }
    for (i = 0; i < nproc; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            append_backend ab;
            gtbt_collector *c;
            char ch;
            int rc, code = 0;
            close(bar[1]);
            close(ready[0]);
            append_init(&ab, failing && failing[i] ? "append (failing)" : "append");
            ab.fail = failing && failing[i];
            ab.sleep_ms = sleep_ms;
            d->backend = &ab.base;
            d->flush_timeout_ms = 20000;
            c = gtbt_new(d);
            if (write(ready[1], "r", 1) != 1) _exit(30);
            while (read(bar[0], &ch, 1) > 0) {}   /* EOF: everyone goes */
            rc = gtbt_flush(c);
            if (!(failing && failing[i]) && rc != 0) code = 10;
            gtbt__collector_free(c);   /* no second flush at close: the test counts each flush */
            exit(code);
        }
    }
    close(bar[0]);
    close(ready[1]);
    for (i = 0; i < nproc; i++) if (!wait_byte(ready[0], 10000)) gt_fail(__FILE__, __LINE__, "child %d not ready", i);
    close(bar[1]);   /* release */
    close(ready[0]);
    for (i = 0; i < nproc; i++) {
        status = 0;
        if (!reap(pids[i], 20000, &status)) { gt_fail(__FILE__, __LINE__, "flusher %d did not finish", i); continue; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            gt_fail(__FILE__, __LINE__, "flusher %d: %s %d", i, WIFEXITED(status) ? "exit" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
}

static void test_shared_dir_four_flushers(void) {
    int round, senders = 0;
    for (round = 0; round < 5; round++) {
        gtbt_desc d = t_setup();
        uset want, got;
        int f, k;
        memset(&want, 0, sizeof want);
        memset(&got, 0, sizeof got);
        mkdir(T_data, 0700);
        pjoin(LOG_path, sizeof LOG_path, T_dir, "delivered.log");
        for (f = 0; f < 40; f++) {
            plant_file(T_data, f, 100 + f, 0, 5);
            for (k = 0; k < 5; k++) { char u[37]; planted_uuid(u, 100 + f, k); uset_add(&want, u); }
        }
        CHECK_INT(n_ready(T_data), 40);
        run_flushers(&d, 4, NULL, round % 2);
        senders += read_log(&got);
        check_exactly_once(&got, &want, "four flushers");
        CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
        uset_free(&want);
        uset_free(&got);
        t_done();
    }
    printf("     (shared_dir_four_flushers: on average %.1f of 4 processes delivered per round)\n", senders / 5.0);
}

/* Two of four flushers fail and put their claims back; the healthy ones and a final flush still
   deliver every event exactly once. */
static void test_shared_dir_failing_and_healthy_flushers(void) {
    static const int failing[4] = {1, 0, 1, 0};
    int round;
    for (round = 0; round < 3; round++) {
        gtbt_desc d = t_setup();
        uset want, got;
        append_backend ab;
        gtbt_collector *c;
        int f, k;
        memset(&want, 0, sizeof want);
        memset(&got, 0, sizeof got);
        mkdir(T_data, 0700);
        pjoin(LOG_path, sizeof LOG_path, T_dir, "delivered.log");
        for (f = 0; f < 40; f++) {
            plant_file(T_data, f, 300 + f, 0, 5);
            for (k = 0; k < 5; k++) { char u[37]; planted_uuid(u, 300 + f, k); uset_add(&want, u); }
        }
        run_flushers(&d, 4, failing, 1);
        CHECK_INT(n_claims(T_data), 0);   /* the failing ones put their claims back */
        append_init(&ab, "append");
        d.backend = &ab.base;
        d.flush_timeout_ms = 20000;
        c = gtbt_new(&d);
        CHECK_INT(gtbt_flush(c), 0);
        gtbt__collector_free(c);
        read_log(&got);
        check_exactly_once(&got, &want, "failing and healthy flushers");
        CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
        uset_free(&want);
        uset_free(&got);
        t_done();
    }
}

/* ==== SIGKILL while spilling ====================================================================== */
/* Every ready spill file parses completely; adds its uuids to s. Returns the corrupt line count. */
static size_t parse_ready_files(const char *dir, uset *s, int *files, int *unterminated) {
    DIR *dd = opendir(dir);
    struct dirent *de;
    size_t corrupt = 0;
    *files = 0;
    *unterminated = 0;
    if (!dd) return 0;
    while ((de = readdir(dd)) != NULL) {
        char path[1024], *text;
        size_t len, i, n = strlen(de->d_name);
        gtbt__batch b;
        int nomem = 0;
        if (strncmp(de->d_name, "telemetry-spill-", 16) != 0 || n < 7 || strcmp(de->d_name + n - 7, ".ndjson") != 0) continue;
        pjoin(path, sizeof path, dir, de->d_name);
        if (gtbt__read_file(path, 64 * 1024 * 1024, 1, &text, &len) != GTBT_OK) { corrupt++; continue; }
        (*files)++;
        if (len == 0 || text[len - 1] != '\n') (*unterminated)++;
        memset(&b, 0, sizeof b);
        corrupt += gtbt__parse_ndjson(&b, text, len, &nomem);   /* takes text */
        for (i = 0; i < b.n; i++) uset_add(s, b.ev[i].uuid);
        gtbt__batch_free(&b);
    }
    closedir(dd);
    return corrupt;
}

typedef struct col_backend { gtbt_backend base; uset got; int sends; } col_backend;
static int col_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    col_backend *cb = (col_backend *)b;
    size_t i;
    (void)deadline_ms;
    cb->sends++;
    for (i = 0; i < n; i++) uset_add(&cb->got, ev[i].uuid);
    return 0;
}
static void col_init(col_backend *cb, const char *info) {
    memset(cb, 0, sizeof *cb);
    cb->base.send = col_send;
    cb->base.info = info;
}

/* 60 kills at different moments, alternating max_buffer 1 (a small spill file per event) and 50.
   A non-atomic spill (writing the ready name directly) shows up as an empty or cut file in
   roughly one kill in ten, so 60 kills catch it with high probability. */
#define KILL_ITERS 60
static void test_kill_during_spill(void) {
    int iter, total_files = 0, total_events = 0, saw_temp = 0, caught = 0;
    for (iter = 0; iter < KILL_ITERS; iter++) {
        gtbt_desc d = t_setup();
        int ready[2], status = 0, files = 0, unterminated = 0;
        pid_t pid;
        uset onfile, got;
        size_t corrupt;
        col_backend cb;
        gtbt_collector *c;
        memset(&onfile, 0, sizeof onfile);
        memset(&got, 0, sizeof got);
        if (pipe(ready) != 0) { perror("pipe"); exit(2); }
        pid = fork();
        if (pid == 0) {
            rec_backend r;
            gtbt_collector *cc;
            char name[64], blob[4096];
            gtbt_kv kv[1];
            int64_t end;
            long i;
            close(ready[0]);
            memset(blob, 0, sizeof blob);
            for (i = 0; i < (long)sizeof blob - 1; i++) blob[i] = "x y "[i % 4];
            kv[0].key = "blob"; kv[0].value = blob;
            rec_init(&r, "rec");
            d.backend = &r.base;
            d.max_buffer = iter % 2 ? 50 : 1;
            cc = gtbt_new(&d);
            if (write(ready[1], "r", 1) != 1) _exit(30);
            end = gtbt_now_ms() + 10000;   /* bounded even if nobody kills us */
            for (i = 0; gtbt_now_ms() < end; i++) {
                snprintf(name, sizeof name, "k%ld", i);
                gtbt_track(cc, GTBT_EVENT_FEATURE_USED, name, kv, 1);
            }
            _exit(0);
        }
        close(ready[1]);
        CHECK(wait_byte(ready[0], 10000));
        close(ready[0]);
        gtbt__sleep_ms(1 + (iter * 7) % 31);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        saw_temp += n_temps(T_data) > 0;
        corrupt = parse_ready_files(T_data, &onfile, &files, &unterminated);
        CHECK_INT(corrupt, 0);
        CHECK_INT(unterminated, 0);
        caught += corrupt || unterminated;
        total_files += files;
        total_events += (int)onfile.n;
        col_init(&cb, "collect");
        d.backend = &cb.base;
        d.flush_timeout_ms = 20000;
        c = gtbt_new(&d);
        CHECK_INT(gtbt_flush(c), 0);
        gtbt__collector_free(c);
        CHECK_INT(n_temps(T_data), 0);
        CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
        check_exactly_once(&cb.got, &onfile, "after SIGKILL during spill");
        uset_free(&cb.got);
        uset_free(&onfile);
        uset_free(&got);
        t_done();
    }
    /* the scenario must have happened: spill files existed when the children died */
    CHECK(total_files > 0);
    CHECK(total_events > 0);
    /* ... and at least one kill landed in the middle of a spill (a temp file was left behind),
       the moment a non-atomic write would have left a cut file */
    CHECK(saw_temp > 0);
    printf("     (kill_during_spill: %d ready files, %d events checked; temp file present in %d of %d kills; %d bad)\n",
           total_files, total_events, saw_temp, KILL_ITERS, caught);
}

/* ==== a sender killed mid-send ==================================================================== */
static int SEND_pipe = -1;
static int blocking_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    int64_t end = gtbt_now_ms() + 20000;   /* "forever", but bounded */
    (void)b; (void)ev; (void)n; (void)deadline_ms;
    if (write(SEND_pipe, "s", 1) != 1) return GTBT_E_IO;
    while (gtbt_now_ms() < end) gtbt__sleep_ms(10);
    return GTBT_E_TIMEOUT;
}

static void test_killed_sender_claim_recovered(void) {
    gtbt_desc d = t_setup();
    int inside[2], status = 0, f, k;
    pid_t pid;
    uset want;
    col_backend cb;
    gtbt_collector *c;
    char suffix[64];
    memset(&want, 0, sizeof want);
    mkdir(T_data, 0700);
    for (f = 0; f < 3; f++) {
        plant_file(T_data, f, 500 + f, 0, 5);
        for (k = 0; k < 5; k++) { char u[37]; planted_uuid(u, 500 + f, k); uset_add(&want, u); }
    }
    if (pipe(inside) != 0) { perror("pipe"); exit(2); }
    pid = fork();
    if (pid == 0) {
        gtbt_backend b;
        gtbt_collector *cc;
        close(inside[0]);
        SEND_pipe = inside[1];
        memset(&b, 0, sizeof b);
        b.send = blocking_send;
        b.info = "blocking";
        d.backend = &b;
        d.flush_timeout_ms = 30000;
        cc = gtbt_new(&d);
        gtbt_flush(cc);
        _exit(0);
    }
    close(inside[1]);
    CHECK(wait_byte(inside[0], 10000));
    close(inside[0]);
    /* the child is inside send(): its file is claimed under its pid, the others are untouched */
    snprintf(suffix, sizeof suffix, ".sending-%d", (int)pid);
    CHECK_INT(n_claims(T_data), 1);
    CHECK_INT(gt_count(T_data, "telemetry-spill-", suffix), 1);
    CHECK_INT(n_ready(T_data), 2);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    col_init(&cb, "collect");
    d.backend = &cb.base;
    d.flush_timeout_ms = 20000;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), 0);
    gtbt__collector_free(c);
    check_exactly_once(&cb.got, &want, "after the sender was killed");
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    uset_free(&cb.got);
    uset_free(&want);
    t_done();
}

/* While the killed sender's claim is still held by a LIVE process, a flush elsewhere leaves it. */
static void test_live_sender_claim_left_alone(void) {
    gtbt_desc d = t_setup();
    int inside[2], status = 0;
    pid_t pid;
    col_backend cb;
    gtbt_collector *c;
    mkdir(T_data, 0700);
    plant_file(T_data, 0, 600, 0, 5);
    if (pipe(inside) != 0) { perror("pipe"); exit(2); }
    pid = fork();
    if (pid == 0) {
        gtbt_backend b;
        gtbt_collector *cc;
        close(inside[0]);
        SEND_pipe = inside[1];
        memset(&b, 0, sizeof b);
        b.send = blocking_send;
        b.info = "blocking";
        d.backend = &b;
        d.flush_timeout_ms = 30000;
        cc = gtbt_new(&d);
        gtbt_flush(cc);
        _exit(0);
    }
    close(inside[1]);
    CHECK(wait_byte(inside[0], 10000));
    close(inside[0]);
    col_init(&cb, "collect");
    d.backend = &cb.base;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.sends, 0);
    CHECK_INT(n_claims(T_data), 1);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    CHECK_INT(gtbt_flush(c), 0);   /* now it is abandoned: recovered */
    CHECK_INT(cb.got.n, 5);
    CHECK_INT(n_claims(T_data) + n_ready(T_data), 0);
    gtbt__collector_free(c);
    uset_free(&cb.got);
    t_done();
}

static const gt_test tests[] = {
    {"shared_dir_four_flushers", test_shared_dir_four_flushers},
    {"shared_dir_failing_and_healthy_flushers", test_shared_dir_failing_and_healthy_flushers},
    {"kill_during_spill", test_kill_during_spill},
    {"killed_sender_claim_recovered", test_killed_sender_claim_recovered},
    {"live_sender_claim_left_alone", test_live_sender_claim_left_alone},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

/* test_detach.c - the tool never waits: detached delivery by a sender process, Happy Eyeballs,
   offline runs that keep events (not files), proxy credentials and CIDR ranges in NO_PROXY.
   Loopback only; every wait is bounded. "build/test_detach tool DIR URL MODE BUDGET N" runs one
   tool invocation (used through a shell and on a pseudo-terminal). */
#define _XOPEN_SOURCE 700                /* posix_openpt and friends */
#define GTBT__SPILL_CAP_EVENTS 100       /* small caps, so the bytes cap is quick to reach */
#define GTBT__SPILL_CAP_BYTES  (48 * 1024)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "harness.h"
#include "support.h"
#include "sink.h"
#include <pthread.h>
#if defined(__linux__)
#include <sys/prctl.h>
/* Orphaned senders are re-parented to this process, which reaps them (a zombie still counts as
   alive for the claim of a killed sender). */
static void become_subreaper(void) { prctl(PR_SET_CHILD_SUBREAPER, 1); }
#else
static void become_subreaper(void) {}   /* init reaps them */
#endif

static char self_exe[1024];
static const char *tool_ca_file;         /* net.ca_file of the tool runs (https tests) */

/* ------------------------------------------------------------------------------- helpers */

/* One tool run: events "<tag>-<i>", then gtbt_close. *ms: how long gtbt_close took. */
static int tool_run(const char *dir, const char *url, gtbt_detach mode, int budget, int n, const char *tag, int64_t *ms) {
    char cfg[512], data[512], name[64];
    gtbt_desc d = desc_in(dir, cfg, data, sizeof cfg);
    gtbt_collector *c;
    int64_t t0;
    int i, rc;
    d.endpoint = url;
    d.detach = mode;
    d.flush_timeout_ms = budget;
    d.net.ca_file = tool_ca_file;
    c = gtbt_new(&d);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s-%d", tag, i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    t0 = gt_mono_ms();
    rc = gtbt_close(c);
    if (ms) *ms = gt_mono_ms() - t0;
    return rc;
}

/* The same in a forked child that _exits (the test process keeps its own state). */
static pid_t tool_fork(const char *dir, const char *url, gtbt_detach mode, int budget, int n, const char *tag) {
    pid_t pid = fork();
    if (pid == 0) _exit(tool_run(dir, url, mode, budget, n, tag, NULL) == 0 ? 0 : 1);
    return pid;
}

static int wait_exit(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Senders are orphans: this process is their subreaper and reaps them here. */
static void reap_orphans(void) { while (waitpid(-1, NULL, WNOHANG) > 0) {} }

static void lock_path(char *out, size_t cap, const char *data) { snprintf(out, cap, "%s/telemetry-sender.lock", data); }

/* The sender of data: its pid, 0 none, -1 starting. */
static int sender_of(const char *data) {
    char p[1024];
    lock_path(p, sizeof p, data);
    return gtbt__sender_running(p);
}

/* Waits up to ms for the data dir to have no sender; 1 when none is left. */
static int wait_no_sender(const char *data, int ms) {
    int64_t end = gt_mono_ms() + ms;
    for (;;) {
        reap_orphans();
        if (sender_of(data) == 0) return 1;
        if (gt_mono_ms() >= end) return 0;
        gt_sleep_ms(10);
    }
}

/* Events the sink got, by name, and how many in all (every logged request). */
static int sink_count(const sink *s, const char *name, int *total) {
    sinklog l;
    int i, n = 0, all = 0;
    size_t k;
    sinklog_read(&l, s);
    for (i = 0; i < l.n; i++)
        for (k = 0; k < jlen(l.body[i]); k++) {
            const char *nm = jstr(jat(l.body[i], k), "name");
            all++;
            if (name && nm && !strcmp(nm, name)) n++;
        }
    sinklog_free(&l);
    if (total) *total = all;
    return n;
}

/* Waits up to ms for the sink to hold at least want events. */
static int wait_events(const sink *s, int want, int ms) {
    int64_t end = gt_mono_ms() + ms;
    int total = 0;
    for (;;) {
        sink_count(s, NULL, &total);
        if (total >= want || gt_mono_ms() >= end) return total;
        gt_sleep_ms(10);
    }
}

static void url_of(char *out, size_t cap, const char *host, int port) { snprintf(out, cap, "http://%s:%d/events", host, port); }

/* A listener on addr:port (0: ephemeral) whose accept queue is full: new SYNs are dropped, so a
   connect to it stays pending (a blackholed address). *filler is the connection that fills it. */
static int full_listener(const char *addr, int *port, int *filler) {
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)*port);
    inet_pton(AF_INET, addr, &a.sin_addr);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 0) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0) { if (l >= 0) close(l); return -1; }
    *port = ntohs(a.sin_port);
    *filler = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*filler, (struct sockaddr *)&a, sizeof a) != 0) { close(l); close(*filler); return -1; }
    gt_sleep_ms(20);
    return l;
}

/* ------------------------------------------------------------------------------- detach */

/* ALWAYS against a blackhole: gtbt_close returns within a small fraction of the budget, the
   events are on disk, a sender holds the lock and status says so; it ends within the budget. */
static void test_blackhole_close_is_quick(void) {
    gtbt_desc d = fixture_desc(0);
    const char *bh_args[] = {"--blackhole", NULL};
    sink bh;
    char url[128], out[4096];
    gtbt_collector *c;
    FILE *f;
    int64_t ms = -1, t0;
    int rc, pid;
    d.force_enabled = false;                             /* an inert collector for status: it sends nothing */
    if (sink_start(&bh, T_dir, bh_args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", bh.port);
    rc = tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 2000, 3, "bh", &ms);
    t0 = gt_mono_ms();
    CHECK_INT(rc, GTBT_OK);
    CHECK(ms >= 0 && ms < 200);                          /* < 10 % of the 2000 ms budget */
    printf("  detached close against a blackhole: %lld ms (budget 2000 ms)\n", (long long)ms);
    pid = sender_of(T_data);
    CHECK(pid != 0);
    CHECK_INT(n_spill_files(T_data), 1);                 /* the events on disk once: claimed by the sender, or not yet */
    /* status shows the sender in progress */
    c = gtbt_new(&d);
    f = fmemopen(out, sizeof out, "w");
    gtbt_cli(c, 1, (const char *const[]){"status"}, f);
    fclose(f);
    gtbt_close(c);
    CHECK_CONTAINS(out, "Background delivery: in progress (process");
    CHECK(wait_no_sender(T_data, 4000));
    CHECK(gt_mono_ms() - t0 < 2000 + 1500);              /* the sender keeps to its budget */
    CHECK_INT(n_ready(T_data), 1);                       /* nothing lost: back on disk for the next run */
    CHECK_INT(n_claims(T_data), 0);
    c = gtbt_new(&d);
    f = fmemopen(out, sizeof out, "w");
    gtbt_cli(c, 1, (const char *const[]){"status"}, f);
    fclose(f);
    gtbt_close(c);
    CHECK_CONTAINS(out, "Background delivery: none running");
    sink_stop(&bh);
    fixture_done();
}

/* Against a good receiver the events arrive after the tool has exited, each once. */
static void test_good_receiver_after_exit(void) {
    sink s;
    char url[128];
    pid_t tool;
    int total = 0, i;
    fixture_desc(0);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    tool = tool_fork(T_dir, url, GTBT_DETACH_ALWAYS, 3000, 3, "good");
    CHECK_INT(wait_exit(tool), 0);
    CHECK(wait_events(&s, 3, 5000) == 3);
    CHECK(wait_no_sender(T_data, 4000));
    for (i = 0; i < 3; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "good-%d", i);
        CHECK_INT(sink_count(&s, nm, &total), 1);
    }
    CHECK_INT(total, 3);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    sink_stop(&s);
    fixture_done();
}

/* out=$(tool) in a shell returns while the sender still works (nothing it inherited keeps the
   pipe open), and the tool's own output is captured. */
static void test_shell_capture_returns(void) {
    const char *bh_args[] = {"--blackhole", NULL};
    sink bh;
    char url[128], cmd[8192], outp[600], *out;
    int rc;
    fixture_desc(0);
    if (sink_start(&bh, T_dir, bh_args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", bh.port);
    snprintf(outp, sizeof outp, "%s/shell.out", T_dir);
    /* 9>&1: one more inherited descriptor on the pipe, which the sender must close too */
    snprintf(cmd, sizeof cmd, "out=$('%s' tool '%s' '%s' always 3000 2 9>&1); echo \"[$out]\" > '%s'",
             self_exe, T_dir, url, outp);
    rc = system(cmd);
    CHECK_INT(rc, 0);
    CHECK(sender_of(T_data) != 0);                       /* the shell returned; the sender still runs */
    out = gt_read(outp);
    CHECK_CONTAINS(out, "[tool: close returned 0]");
    free(out);
    CHECK(wait_no_sender(T_data, 5000));
    /* and at the head of a pipe */
    snprintf(cmd, sizeof cmd, "true | '%s' tool '%s' '%s' always 3000 1 | head -c 100 > '%s'", self_exe, T_dir, url, outp);
    rc = system(cmd);
    CHECK_INT(rc, 0);
    CHECK(sender_of(T_data) != 0);
    out = gt_read(outp);
    CHECK_CONTAINS(out, "tool: close returned 0");
    free(out);
    CHECK(wait_no_sender(T_data, 5000));
    sink_stop(&bh);
    fixture_done();
}

/* A sender killed with SIGKILL while it sends loses nothing: the next run delivers the same
   events with the same uuids, once. */
static void test_sigkill_mid_send(void) {
    const char *bh_args[] = {"--blackhole", NULL};
    sink bh, good;
    sinklog l;
    char url[128], uuids[3][37];
    int64_t end;
    int pid, i, n = 0, total = 0;
    size_t k;
    fixture_desc(0);
    if (sink_start(&bh, T_dir, bh_args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", bh.port);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 8000, 3, "kill", NULL), 0);
    /* mid-send: the blackhole has the request (its uuids), the sender holds its claim */
    end = gt_mono_ms() + 4000;
    while (gt_mono_ms() < end && (wait_events(&bh, 3, 0) < 3 || n_claims(T_data) < 1)) gt_sleep_ms(10);
    CHECK_INT(n_claims(T_data), 1);
    sinklog_read(&l, &bh);
    for (i = 0; i < l.n; i++)
        for (k = 0; k < jlen(l.body[i]) && n < 3; k++) snprintf(uuids[n++], 37, "%s", jstr(jat(l.body[i], k), "uuid"));
    sinklog_free(&l);
    CHECK_INT(n, 3);
    pid = sender_of(T_data);
    CHECK(pid > 0);
    if (pid > 0) kill(pid, SIGKILL);
    CHECK(wait_no_sender(T_data, 3000));
    sink_stop(&bh);
    CHECK_INT(n_claims(T_data), 1);                      /* the dead sender's claim is still there */
    if (sink_start(&good, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", good.port);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_NEVER, 3000, 0, "none", NULL), 0);
    wait_events(&good, 3, 0);
    sinklog_read(&l, &good);
    for (i = 0; i < n; i++) {
        int seen = 0, r;
        for (r = 0; r < l.n; r++)
            for (k = 0; k < jlen(l.body[r]); k++) {
                const char *u = jstr(jat(l.body[r], k), "uuid");
                seen += u && !strcmp(u, uuids[i]);
                total++;
            }
        CHECK_INT(seen, 1);
    }
    sinklog_free(&l);
    CHECK_INT(total, 3 * n);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    sink_stop(&good);
    fixture_done();
}

/* 8 tools started at once on one data dir: every event delivered exactly once. */
static void test_eight_tools_exactly_once(void) {
    sink s;
    char url[128], tag[16], nm[32];
    pid_t pids[8];
    int i, j, total = 0, bad = 0, gate[2];
    fixture_desc(0);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    if (pipe(gate) != 0) { CHECK(0); fixture_done(); return; }
    for (i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char b;
            close(gate[1]);
            if (read(gate[0], &b, 1) < 0) _exit(3);        /* all start together */
            snprintf(tag, sizeof tag, "k%d", i);
            _exit(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 4000, 5, tag, NULL) == 0 ? 0 : 1);
        }
    }
    close(gate[0]);
    close(gate[1]);
    for (i = 0; i < 8; i++) CHECK_INT(wait_exit(pids[i]), 0);
    wait_events(&s, 40, 8000);
    CHECK(wait_no_sender(T_data, 5000));
    for (i = 0; i < 8; i++)
        for (j = 0; j < 5; j++) {
            snprintf(nm, sizeof nm, "k%d-%d", i, j);
            if (sink_count(&s, nm, &total) != 1) bad++;
        }
    CHECK_INT(bad, 0);
    CHECK_INT(total, 40);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    sink_stop(&s);
    fixture_done();
}

/* Runs "self tool ..." in a child whose stdout and stderr are a pseudo-terminal (pty) or a file. */
static int run_tool_on(int pty, const char *url, const char *mode, int budget, int ci) {
    int master = -1, st;
    pid_t pid;
    char budget_s[16];
    snprintf(budget_s, sizeof budget_s, "%d", budget);
    if (pty) {
        master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return -1;
    }
    pid = fork();
    if (pid == 0) {
        char path[600];
        int fd;
        if (pty) fd = open(ptsname(master), O_RDWR | O_NOCTTY);
        else { snprintf(path, sizeof path, "%s/tool.out", T_dir); fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); }
        if (fd < 0) _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        if (ci) setenv("CI", "true", 1);
        else unsetenv("CI");
        execl(self_exe, self_exe, "tool", T_dir, url, mode, budget_s, "2", (char *)NULL);
        _exit(127);
    }
    st = wait_exit(pid);
    if (master >= 0) close(master);
    return st;
}

/* AUTO without a terminal delivers inline: the events are there when the tool has exited, and
   no sender was ever started. */
static void test_auto_no_terminal_inline(void) {
    sink s;
    char url[128], lock[1024];
    int total = 0;
    fixture_desc(0);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    CHECK_INT(run_tool_on(0, url, "auto", 3000, 0), 0);
    sink_count(&s, NULL, &total);
    CHECK_INT(total, 2);
    lock_path(lock, sizeof lock, T_data);
    CHECK(access(lock, F_OK) != 0);
    sink_stop(&s);
    fixture_done();
}

/* AUTO on a terminal, but CI=true: inline. */
static void test_auto_pty_ci_inline(void) {
    sink s;
    char url[128], lock[1024];
    int total = 0;
    fixture_desc(0);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    CHECK_INT(run_tool_on(1, url, "auto", 3000, 1), 0);
    sink_count(&s, NULL, &total);
    CHECK_INT(total, 2);
    lock_path(lock, sizeof lock, T_data);
    CHECK(access(lock, F_OK) != 0);
    sink_stop(&s);
    fixture_done();
}

/* AUTO on a terminal without CI: a sender delivers after the tool has exited (a blackhole keeps
   it busy, so it is seen running). */
static void test_auto_pty_detaches(void) {
    const char *bh_args[] = {"--blackhole", NULL};
    sink bh;
    char url[128];
    fixture_desc(0);
    if (sink_start(&bh, T_dir, bh_args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", bh.port);
    CHECK_INT(run_tool_on(1, url, "auto", 3000, 0), 0);
    CHECK(sender_of(T_data) != 0);
    CHECK(wait_no_sender(T_data, 5000));
    CHECK_INT(n_ready(T_data), 1);
    sink_stop(&bh);
    fixture_done();
}

/* <TOOL>_TELEMETRY_DETACH overrides the desc: false keeps ALWAYS inline, true detaches NEVER. */
static void test_env_override(void) {
    const char *bh_args[] = {"--blackhole", NULL};
    sink bh;
    char url[128];
    int64_t ms = 0;
    fixture_desc(0);
    if (sink_start(&bh, T_dir, bh_args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", bh.port);
    setenv("MYTOOL_TELEMETRY_DETACH", "0", 1);
    CHECK(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 400, 1, "env", &ms) != 0);   /* inline: timed out */
    CHECK(ms >= 350);
    CHECK_INT(sender_of(T_data), 0);
    unsetenv("MYTOOL_TELEMETRY_DETACH");
    setenv("TELEMETRY_DETACH", "yes", 1);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_NEVER, 400, 1, "env", &ms), 0);
    CHECK(ms < 200);
    CHECK(wait_no_sender(T_data, 3000));
    sink_stop(&bh);
    fixture_done();
}

/* Nothing to send (no events, no spill file) or a back-off in force: close returns at once and
   starts no process. */
static void test_nothing_to_send_no_child(void) {
    const char *args[] = {"--status", "503", "--retry-after", "60", NULL};
    sink s;
    char url[128], lock[1024];
    int64_t ms = 0;
    fixture_desc(0);
    lock_path(lock, sizeof lock, T_data);
    url_of(url, sizeof url, "127.0.0.1", closed_port());
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 2000, 0, "none", &ms), 0);
    CHECK(access(lock, F_OK) != 0);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    CHECK(tool_run(T_dir, url, GTBT_DETACH_NEVER, 2000, 1, "first", NULL) != 0);   /* Retry-After: 60 s */
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 2000, 1, "second", &ms), GTBT_E_HTTP_RETRY);
    CHECK(ms < 200);
    CHECK(access(lock, F_OK) != 0);                      /* no sender was started */
    CHECK_INT(n_ready(T_data), 2);                       /* both events wait on disk */
    sink_stop(&s);
    fixture_done();
}

/* A retryable failure ends the sender: the server is not asked again before the next run. */
static void test_failure_ends_sender(void) {
    const char *args[] = {"--status", "503", NULL};
    sink s;
    sinklog l;
    char url[128];
    fixture_desc(0);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 3000, 1, "fail", NULL), 0);
    CHECK(wait_no_sender(T_data, 5000));
    sinklog_read(&l, &s);
    CHECK_INT(l.n, 1);
    sinklog_free(&l);
    CHECK_INT(n_ready(T_data), 1);
    sink_stop(&s);
    fixture_done();
}

/* disable while a sender is connecting: it is stopped, and nothing arrives after disable. The
   receiver's accept queue is full, so the sender's connection stays pending; once disable has
   returned the queue is drained, and a sender still alive would connect and send. */
static void test_disable_stops_sender(void) {
    gtbt_desc d;
    gtbt_collector *c;
    char url[128], out[4096], buf[256];
    int port = 0, filler = -1, l, got = 0, pid, fd;
    int64_t end;
    FILE *f;
    d = fixture_desc(0);
    d.force_enabled = false;
    CHECK_INT(gtbt_consent_set(&d, true), 0);
    l = full_listener("127.0.0.1", &port, &filler);
    if (l < 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", port);
    {   /* the tool: consent from the file, not forced */
        gtbt_desc t = d;
        t.endpoint = url;
        t.detach = GTBT_DETACH_ALWAYS;
        t.flush_timeout_ms = 6000;
        c = gtbt_new(&t);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "before-disable", NULL, 0);
        CHECK_INT(gtbt_close(c), 0);
    }
    end = gt_mono_ms() + 3000;
    while (gt_mono_ms() < end && n_claims(T_data) < 1) gt_sleep_ms(5);
    CHECK_INT(n_claims(T_data), 1);                      /* mid-send */
    pid = sender_of(T_data);
    CHECK(pid > 0);
    c = gtbt_new(&d);
    f = fmemopen(out, sizeof out, "w");
    CHECK_INT(gtbt_cli(c, 1, (const char *const[]){"disable"}, f), 0);
    fclose(f);
    gtbt_close(c);
    CHECK_INT(sender_of(T_data), 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    /* drain the queue, then watch for 2.5 s: a pending SYN is retried after about 1 s */
    close(filler);
    fd = accept(l, NULL, NULL);
    if (fd >= 0) close(fd);
    end = gt_mono_ms() + 2500;
    while (gt_mono_ms() < end) {
        struct pollfd p;
        p.fd = l; p.events = POLLIN; p.revents = 0;
        if (poll(&p, 1, 50) > 0 && (fd = accept(l, NULL, NULL)) >= 0) {
            struct pollfd q;
            q.fd = fd; q.events = POLLIN; q.revents = 0;
            if (poll(&q, 1, 500) > 0 && recv(fd, buf, sizeof buf, 0) > 0) got++;
            close(fd);
        }
    }
    CHECK_INT(got, 0);
    close(l);
    reap_orphans();
    fixture_done();
}

/* Another thread holds the library's global lock (the trust-anchor cache) when gtbt_close
   forks: the sender must not inherit it locked, or its TLS handshake would wait forever. */
static int hold_pipe[2];
static void *hold_global_lock(void *arg) {
    (void)arg;
    gtbt__global_lock();
    if (write(hold_pipe[1], "x", 1) != 1) {}
    gt_sleep_ms(300);
    gtbt__global_unlock();
    return NULL;
}

static void test_fork_while_another_thread_holds_a_lock(void) {
    const char *args[] = {"--tls", "--cert", "tests/certs/localhost-rsa-chain.pem", "--key", "tests/certs/localhost-rsa.key", NULL};
    sink s;
    pthread_t th;
    char url[128], b;
    int total = 0;
    fixture_desc(0);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(0); fixture_done(); return; }
    snprintf(url, sizeof url, "https://127.0.0.1:%d/events", s.port);
    tool_ca_file = "tests/certs/ca-rsa.pem";
    if (pipe(hold_pipe) != 0 || pthread_create(&th, NULL, hold_global_lock, NULL) != 0) { CHECK(0); fixture_done(); return; }
    if (read(hold_pipe[0], &b, 1) != 1) CHECK(0);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_ALWAYS, 3000, 1, "tls", NULL), 0);
    pthread_join(th, NULL);
    close(hold_pipe[0]);
    close(hold_pipe[1]);
    CHECK_INT(wait_events(&s, 1, 6000), 1);
    CHECK_INT(sink_count(&s, "tls-0", &total), 1);
    CHECK(wait_no_sender(T_data, 5000));
    tool_ca_file = NULL;
    sink_stop(&s);
    fixture_done();
}

/* ------------------------------------------------------------------------------- Happy Eyeballs */

static int he_port;
static int he_resolve(const char *host, int port, gtbt__addrs *out) {
    struct sockaddr_in a;
    (void)host;
    out->n = 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);       /* blackholed: its accept queue is full */
    gtbt__addrs_add(out, &a, sizeof a);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);       /* the receiver */
    gtbt__addrs_add(out, &a, sizeof a);
    (void)he_port;
    return GTBT_OK;
}

static void test_happy_eyeballs_blackholed_first(void) {
    sink s;
    char url[128];
    int64_t ms = 0;
    int port, filler = -1, l, total = 0;
    fixture_desc(0);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    port = s.port;
    l = full_listener("127.0.0.2", &port, &filler);
    if (l < 0) { printf("  cannot listen on 127.0.0.2:%d\n", s.port); CHECK(0); sink_stop(&s); fixture_done(); return; }
    he_port = port;
    gtbt__test_resolve = he_resolve;
    snprintf(url, sizeof url, "http://he.invalid:%d/events", port);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_NEVER, 3000, 2, "he", &ms), 0);
    gtbt__test_resolve = NULL;
    printf("  blackholed first address, then a working one: delivered in %lld ms (budget 3000 ms)\n", (long long)ms);
    CHECK(ms < 1500);                                    /* well inside the budget */
    sink_count(&s, NULL, &total);
    CHECK_INT(total, 2);
    close(filler);
    close(l);
    sink_stop(&s);
    fixture_done();
}

static void test_interleave_families(void) {
    gtbt__addrs a;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    int i;
    const int want[5] = {AF_INET6, AF_INET, AF_INET6, AF_INET, AF_INET};
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    v4.sin_family = AF_INET;
    v6.sin6_family = AF_INET6;
    a.n = 0;
    gtbt__addrs_add(&a, &v6, sizeof v6);
    gtbt__addrs_add(&a, &v6, sizeof v6);
    gtbt__addrs_add(&a, &v4, sizeof v4);
    gtbt__addrs_add(&a, &v4, sizeof v4);
    gtbt__addrs_add(&a, &v4, sizeof v4);
    gtbt__addrs_interleave(&a);
    CHECK_INT(a.n, 5);
    for (i = 0; i < 5; i++) CHECK_INT(a.ss[i].ss_family, want[i]);
}

/* every address blackholed: the connect ends at the deadline, not later */
static void test_happy_eyeballs_all_blackholed(void) {
    gtbt__addrs a;
    struct sockaddr_in s4;
    int port = 0, filler = -1, l = full_listener("127.0.0.1", &port, &filler), fd = -1, err = 0, rc, i;
    int64_t t0, ms;
    if (l < 0) { CHECK(0); return; }
    memset(&s4, 0, sizeof s4);
    s4.sin_family = AF_INET;
    s4.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
    a.n = 0;
    for (i = 0; i < 3; i++) gtbt__addrs_add(&a, &s4, sizeof s4);
    t0 = gt_mono_ms();
    rc = gtbt__sock_connect_he(&a, t0 + 900, &fd, &err);
    ms = gt_mono_ms() - t0;
    CHECK_INT(rc, GTBT_E_TIMEOUT);
    CHECK(fd < 0);
    CHECK(ms >= 850 && ms < 900 + 250);
    close(filler);
    close(l);
}

/* ------------------------------------------------------------------------------- offline runs */

/* 15 offline runs of one event each, then one online run: all 15 events arrive. */
static void test_fifteen_offline_runs(void) {
    sink s;
    char url[128], tag[16], nm[32];
    int i, total = 0, bad = 0;
    fixture_desc(0);
    url_of(url, sizeof url, "127.0.0.1", closed_port());
    for (i = 0; i < 15; i++) {
        snprintf(tag, sizeof tag, "off%d", i);
        CHECK(tool_run(T_dir, url, GTBT_DETACH_NEVER, 1000, 1, tag, NULL) != 0);
    }
    CHECK_INT(n_ready(T_data), 15);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    CHECK_INT(tool_run(T_dir, url, GTBT_DETACH_NEVER, 3000, 0, "online", NULL), 0);
    for (i = 0; i < 15; i++) {
        snprintf(nm, sizeof nm, "off%d-0", i);
        if (sink_count(&s, nm, &total) != 1) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(total, 15);
    CHECK_INT(n_ready(T_data), 0);
    sink_stop(&s);
    fixture_done();
}

/* The bytes cap (48 KiB in this test binary): big events, the oldest go first, and the warning
   says how many. */
static void test_spill_cap_bytes(void) {
    gtbt_desc d = fixture_desc(1);
    gtbt_collector *c;
    gtbt_kv md[1];
    char *blob = (char *)malloc(2001), name[32];
    int i;
    memset(blob, 'x', 2000);
    blob[2000] = 0;
    for (i = 0; i < 2000; i += 7) blob[i] = ' ';          /* not one long opaque token (redacted) */
    md[0].key = "blob";
    md[0].value = blob;
    d.max_buffer = 5;
    d.endpoint = "http://127.0.0.1:9/events";
    c = gtbt_new(&d);
    for (i = 0; i < 40; i++) {                           /* 8 spill files of about 12 KiB */
        snprintf(name, sizeof name, "big%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, md, 1);
    }
    {
        DIR *dir = opendir(T_data);
        struct dirent *de;
        char path[1024], *text, all[200000];
        size_t used = 0;
        while (dir && (de = readdir(dir)) != NULL) {
            size_t k;
            if (strncmp(de->d_name, "telemetry-spill-", 16) || !gtbt__ends_with(de->d_name, ".ndjson")) continue;
            pjoin(path, sizeof path, T_data, de->d_name);
            text = gt_read(path);
            k = text ? strlen(text) : 0;
            if (used + k < sizeof all) { memcpy(all + used, text, k); used += k; }
            free(text);
        }
        if (dir) closedir(dir);
        all[used] = 0;
        CHECK(used <= 48 * 1024);
        CHECK(used > 30 * 1024);                          /* the cap, not more, was enforced */
        CHECK(gt_occurrences(all, "\"name\":\"big34\"") == 1);   /* 35..39 wait in memory */
        CHECK(gt_occurrences(all, "\"name\":\"big0\"") == 0);
    }
    CHECK_CONTAINS(L.text, "spill cap reached (100 events, 49152 bytes); discarded ");
    gtbt_drop(c);
    gtbt_close(c);
    free(blob);
    fixture_done();
}

/* ------------------------------------------------------------------------------- proxies */

static void test_no_proxy_cidr(void) {
    static const struct { const char *list, *host; int want; } t[] = {
        {"127.0.0.0/8", "127.1.2.3", 1}, {"127.0.0.0/8", "128.0.0.1", 0}, {"10.0.0.0/8,example.com", "10.200.0.1", 1},
        {"192.168.1.0/23", "192.168.0.5", 1}, {"192.168.1.0/24", "192.168.0.5", 0}, {"0.0.0.0/0", "8.8.8.8", 1},
        {"::1/128", "::1", 1}, {"fd00::/8", "fd12::1", 1}, {"fd00::/8", "fe80::1", 0}, {"10.0.0.0/8", "::1", 0},
        {"10.0.0.0/33", "10.0.0.1", 0}, {"10.0.0.0/", "10.0.0.1", 0}, {"/8", "10.0.0.1", 0}, {"10.0.0.0/8x", "10.0.0.1", 0},
        {"10.0.0.0/8", "ten.example", 0}, {" 10.0.0.0/8 ", "10.9.9.9", 1}, {"*", "anything.example", 1},
        {"x.example, *", "10.0.0.1", 1}, {"10.1.0.0/16", "10.1.255.255", 1}, {"10.1.0.0/16", "10.2.0.0", 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = gtbt__no_proxy_match(t[i].list, t[i].host, 443);
        if (got != t[i].want) gt_fail(__FILE__, __LINE__, "NO_PROXY \"%s\" for %s: expected %d, got %d", t[i].list, t[i].host, t[i].want, got);
    }
    {   /* through the environment */
        gtbt__url target, proxy;
        int use = 1;
        env_clear();
        setenv("HTTPS_PROXY", "http://proxy.example:3128", 1);
        setenv("NO_PROXY", "10.0.0.0/8", 1);
        gtbt__url_parse("https://10.1.2.3/x", &target);
        CHECK_INT(gtbt__proxy_select(&target, NULL, &proxy, &use, NULL), 0);
        CHECK_INT(use, 0);
        gtbt__url_parse("https://11.1.2.3/x", &target);
        CHECK_INT(gtbt__proxy_select(&target, NULL, &proxy, &use, NULL), 0);
        CHECK_INT(use, 1);
        setenv("NO_PROXY", "*", 1);
        CHECK_INT(gtbt__proxy_select(&target, NULL, &proxy, &use, NULL), 0);
        CHECK_INT(use, 0);
        env_clear();
    }
}

/* A CONNECT proxy that demands Basic credentials: the right ones tunnel, wrong or none are
   refused (events kept), and the password is never logged nor shown by status. */
static void test_proxy_basic_credentials(void) {
    const char *pargs[] = {"--connect-proxy", "--proxy-auth", "al@ice:S3cr3t:pw", NULL};
    sink s, p;
    sinklog l;
    gtbt_desc d;
    gtbt_collector *c;
    char url[128], purl[256], out[4096];
    FILE *f;
    int total = 0, rc;
    d = fixture_desc(1);
    if (sink_start(&s, T_dir, NULL) != 0 || sink_start(&p, T_dir, pargs) != 0) { CHECK(0); fixture_done(); return; }
    url_of(url, sizeof url, "127.0.0.1", s.port);
    /* right credentials, percent-encoded in the URL */
    snprintf(purl, sizeof purl, "http://al%%40ice:S3cr3t%%3Apw@127.0.0.1:%d", p.port);
    d.endpoint = url;
    d.net.proxy = purl;
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "via-proxy", NULL, 0);
    f = fmemopen(out, sizeof out, "w");
    gtbt_cli(c, 1, (const char *const[]){"status"}, f);
    fclose(f);
    CHECK_NOT_CONTAINS(out, "S3cr3t");
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(sink_count(&s, "via-proxy", &total), 1);
    sinklog_read(&l, &p);
    CHECK_INT(l.n, 1);
    CHECK_STR(req_str(&l, 0, "method"), "CONNECT");
    CHECK_STR(req_header(&l, 0, "proxy-authorization"), "Basic YWxAaWNlOlMzY3IzdDpwdw==");
    CHECK_INT(req_status(&l, 0), 200);
    sinklog_free(&l);
    /* wrong password: 407, the event stays on disk, the log says why without the password */
    snprintf(purl, sizeof purl, "http://al%%40ice:Wr0ngPassw0rd@127.0.0.1:%d", p.port);
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "refused", NULL, 0);
    rc = gtbt_close(c);
    CHECK(rc != 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_CONTAINS(L.text, "HTTP 407 (check the user and password in the proxy URL)");
    /* no credentials at all */
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p.port);
    c = gtbt_new(&d);
    CHECK(gtbt_close(c) != 0);
    CHECK_CONTAINS(L.text, "(put user:password@ in the proxy URL)");
    CHECK_NOT_CONTAINS(L.text, "S3cr3t");
    CHECK_NOT_CONTAINS(L.text, "Wr0ngPassw0rd");
    sink_count(&s, NULL, &total);
    CHECK_INT(total, 1);
    sink_stop(&p);
    sink_stop(&s);
    fixture_done();
}

/* ------------------------------------------------------------------------------- main */

static const gt_test tests[] = {
    {"blackhole_close_is_quick", test_blackhole_close_is_quick},
    {"good_receiver_after_exit", test_good_receiver_after_exit},
    {"shell_capture_returns", test_shell_capture_returns},
    {"sigkill_mid_send", test_sigkill_mid_send},
    {"eight_tools_exactly_once", test_eight_tools_exactly_once},
    {"auto_no_terminal_inline", test_auto_no_terminal_inline},
    {"auto_pty_ci_inline", test_auto_pty_ci_inline},
    {"auto_pty_detaches", test_auto_pty_detaches},
    {"env_override", test_env_override},
    {"nothing_to_send_no_child", test_nothing_to_send_no_child},
    {"failure_ends_sender", test_failure_ends_sender},
    {"disable_stops_sender", test_disable_stops_sender},
    {"fork_while_another_thread_holds_a_lock", test_fork_while_another_thread_holds_a_lock},
    {"happy_eyeballs_blackholed_first", test_happy_eyeballs_blackholed_first},
    {"happy_eyeballs_all_blackholed", test_happy_eyeballs_all_blackholed},
    {"interleave_families", test_interleave_families},
    {"fifteen_offline_runs", test_fifteen_offline_runs},
    {"spill_cap_bytes", test_spill_cap_bytes},
    {"no_proxy_cidr", test_no_proxy_cidr},
    {"proxy_basic_credentials", test_proxy_basic_credentials},
};

int main(int argc, char **argv) {
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe[n > 0 ? n : 0] = 0;
    if (n <= 0 && !realpath(argv[0], self_exe)) snprintf(self_exe, sizeof self_exe, "%s", argv[0]);
    if (argc == 7 && !strcmp(argv[1], "tool")) {   /* tool DIR URL auto|always|never BUDGET N */
        gtbt_detach m = !strcmp(argv[4], "always") ? GTBT_DETACH_ALWAYS : !strcmp(argv[4], "never") ? GTBT_DETACH_NEVER : GTBT_DETACH_AUTO;
        int rc = tool_run(argv[2], argv[3], m, atoi(argv[5]), atoi(argv[6]), "tool", NULL);
        printf("tool: close returned %d\n", rc);
        return rc == 0 ? 0 : 1;
    }
    env_clear();
    become_subreaper();
    return GT_RUN(tests, argc, argv);
}

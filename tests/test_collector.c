/* test_collector.c - the collector: the consent gate
   (a disabled collector is inert and touches no file), ownership of desc.backend/desc.deletion,
   backend selection and its info string, what gtbt_track records (stamping, copying, metadata merge,
   redaction, limits, extended collection), the buffer and its spill files, replay (order, split,
   cap, corrupt and stale files, claims), delivery guarantees, back-off, the flush deadline,
   gtbt_drop/gtbt_close, unusable data directories, a full disk, and concurrent use from threads.
   The tests named "thread_..." also run under ThreadSanitizer (build/tsan_collector thread) and
   therefore never fork. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include <sys/file.h>
#include "tests/support.h"
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* ---- per-test places ---------------------------------------------------------------------- */
static gtbt_desc t_setup(void) { return fixture_desc(0); }
static void t_done(void) {
    gtbt__test_fail_write_after = -1;
    fixture_done();
}

static int n_entries(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* Names in dir starting with prefix, sorted; returns how many (at most max). */
static int list_sorted(const char *dir, const char *prefix, const char *suffix, char names[][256], int max) {
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0, i, j;
    if (!d) return 0;
    while ((de = readdir(d)) != NULL && n < max) {
        size_t a = strlen(de->d_name), b = suffix ? strlen(suffix) : 0;
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0) continue;
        if (suffix && (a < b || strcmp(de->d_name + a - b, suffix) != 0)) continue;
        snprintf(names[n++], 256, "%s", de->d_name);
    }
    closedir(d);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[256];
            memcpy(t, names[j], 256); memcpy(names[j], names[j - 1], 256); memcpy(names[j - 1], t, 256);
        }
    return n;
}

static int file_mode(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}
static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void spill_name(char *out, size_t cap, long long ts, int pid, int seq) {
    snprintf(out, cap, "telemetry-spill-%020lld-%d-%d.ndjson", ts, pid, seq);
}

/* A process id that certainly belongs to no process: a child we forked and reaped. */
static int dead_pid(void) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return (int)p;
}

/* Runs fn in a child process (a sanitizer abort there fails one check, not the whole binary);
   returns its exit status (0 = clean and no CHECK failed, 1 = a CHECK failed, sanitizers exit
   with 1 too), or 128 + signal. */
static int in_child(void (*fn)(void)) {
    int status = 0;
    pid_t p = fork();
    if (p == 0) { gt_test_failed = 0; fn(); exit(gt_test_failed ? 1 : 0); }
    if (p < 0 || waitpid(p, &status, 0) != p) return -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- test doubles beyond support.h ------------------------------------------------------------ */
/* A deletion requestor that counts destroy() calls. */
typedef struct del_rec { gtbt_deletion base; int destroyed, requests; } del_rec;
static int del_request(gtbt_deletion *d, const char *id, int64_t deadline_ms) {
    (void)id; (void)deadline_ms;
    ((del_rec *)d)->requests++;
    return 0;
}
static void del_destroy(gtbt_deletion *d) { ((del_rec *)d)->destroyed++; }
static void del_init(del_rec *d) {
    memset(d, 0, sizeof *d);
    d->base.request = del_request;
    d->base.destroy = del_destroy;
    d->base.info = "test deletion";
}

/* A recording backend (support.h) that also keeps a deep copy of every event it acknowledged,
   and can run a hook at the start of each send. */
typedef struct cap_ev {
    char *uuid, *type, *name, *machine_id, *tool_name, *version, *os, *arch, *os_version, *runtime_version, *error;
    int64_t time_unix_ns, duration_ms;
    int exit_code;
    size_t n_args, n_md;
    char **args, **mk, **mv;
} cap_ev;
typedef struct cap_backend {
    rec_backend rec;                  /* first: rec_send works on it */
    cap_ev *ev; size_t n, cap;
    int64_t call_ms;                  /* gtbt_now_ms() at the start of the last send */
    void (*hook)(struct cap_backend *self, size_t n);
    int hook_rc, use_hook_rc;         /* when use_hook_rc: send returns hook_rc instead of the script */
    int sleep_ms;
} cap_backend;

static char *xdup(const char *s) { return strdup(s ? s : "(null)"); }

static int cap_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    cap_backend *cb = (cap_backend *)b;
    size_t i, k;
    int rc;
    cb->call_ms = gtbt_now_ms();
    if (cb->hook) cb->hook(cb, n);
    if (cb->sleep_ms) gtbt__sleep_ms(cb->sleep_ms);
    rc = rec_send(b, ev, n, deadline_ms);
    if (cb->use_hook_rc) rc = cb->hook_rc;
    if (rc != 0) return rc;
    for (i = 0; i < n; i++) {
        cap_ev *c;
        if (cb->n == cb->cap) {
            cb->cap = cb->cap ? cb->cap * 2 : 64;
            cb->ev = (cap_ev *)realloc(cb->ev, cb->cap * sizeof *cb->ev);
        }
        c = &cb->ev[cb->n++];
        memset(c, 0, sizeof *c);
        c->uuid = xdup(ev[i].uuid); c->type = xdup(ev[i].type); c->name = xdup(ev[i].name);
        c->machine_id = xdup(ev[i].machine_id); c->tool_name = xdup(ev[i].tool_name); c->version = xdup(ev[i].version);
        c->os = xdup(ev[i].os); c->arch = xdup(ev[i].arch); c->os_version = xdup(ev[i].os_version);
        c->runtime_version = xdup(ev[i].runtime_version); c->error = xdup(ev[i].error);
        c->time_unix_ns = ev[i].time_unix_ns; c->duration_ms = ev[i].duration_ms; c->exit_code = ev[i].exit_code;
        c->n_args = ev[i].n_args;
        c->args = (char **)calloc(c->n_args + 1, sizeof(char *));
        for (k = 0; k < c->n_args; k++) c->args[k] = xdup(ev[i].args[k]);
        c->n_md = ev[i].n_metadata;
        c->mk = (char **)calloc(c->n_md + 1, sizeof(char *));
        c->mv = (char **)calloc(c->n_md + 1, sizeof(char *));
        for (k = 0; k < c->n_md; k++) { c->mk[k] = xdup(ev[i].metadata[k].key); c->mv[k] = xdup(ev[i].metadata[k].value); }
    }
    return 0;
}

static void cap_init(cap_backend *cb, const char *info) {
    memset(cb, 0, sizeof *cb);
    rec_init(&cb->rec, info);
    cb->rec.base.send = cap_send;
}
static void cap_free(cap_backend *cb) {
    size_t i, k;
    for (i = 0; i < cb->n; i++) {
        cap_ev *c = &cb->ev[i];
        free(c->uuid); free(c->type); free(c->name); free(c->machine_id); free(c->tool_name); free(c->version);
        free(c->os); free(c->arch); free(c->os_version); free(c->runtime_version); free(c->error);
        for (k = 0; k < c->n_args; k++) free(c->args[k]);
        for (k = 0; k < c->n_md; k++) { free(c->mk[k]); free(c->mv[k]); }
        free(c->args); free(c->mk); free(c->mv);
    }
    free(cb->ev);
    cb->ev = NULL; cb->n = cb->cap = 0;
    rec_free_json(&cb->rec);
}
static const cap_ev *cap_find(const cap_backend *cb, const char *name) {
    size_t i;
    for (i = 0; i < cb->n; i++) if (!strcmp(cb->ev[i].name, name)) return &cb->ev[i];
    return NULL;
}
static int cap_count_name(const cap_backend *cb, const char *name) {
    size_t i;
    int n = 0;
    for (i = 0; i < cb->n; i++) n += !strcmp(cb->ev[i].name, name);
    return n;
}
static const char *cap_md(const cap_ev *e, const char *key) {
    size_t k;
    for (k = 0; e && k < e->n_md; k++) if (!strcmp(e->mk[k], key)) return e->mv[k];
    return NULL;
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
/* Number of distinct uuids among the captured events. */
static size_t cap_distinct_uuids(const cap_backend *cb) {
    char **v = (char **)malloc((cb->n + 1) * sizeof(char *));
    size_t i, d = 0;
    for (i = 0; i < cb->n; i++) v[i] = cb->ev[i].uuid;
    qsort(v, cb->n, sizeof(char *), cmp_str);
    for (i = 0; i < cb->n; i++) if (i == 0 || strcmp(v[i], v[i - 1]) != 0) d++;
    free(v);
    return d;
}
static int is_uuid4(const char *u) {
    int i;
    if (!u || strlen(u) != 36) return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) { if (u[i] != '-') return 0; continue; }
        if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'f'))) return 0;
    }
    return u[14] == '4' && strchr("89ab", u[19]) != NULL;
}

static gtbt_collector *new_cap(gtbt_desc *d, cap_backend *cb, const char *info) {
    cap_init(cb, info);
    d->backend = &cb->rec.base;
    return gtbt_new(d);
}

/* ==== consent gate and ownership ================================================================ */
static void test_disabled_inert(void) {
    gtbt_desc d = t_setup();
    rec_backend r;
    del_rec del;
    int destroyed = 0;
    gtbt_collector *c;
    gtbt_kv extra[1] = {{"k", "v"}};
    const char *argv[1] = {"--flag"};
    d.force_enabled = false;
    rec_init(&r, "rec");
    r.destroyed_out = &destroyed;
    d.backend = &r.base;
    del_init(&del);
    d.deletion = &del.base;
    c = gtbt_new(&d);
    CHECK(c != NULL);
    CHECK(!gtbt_enabled(c));
    CHECK_STR(gtbt_backend_info(c), "noop (disabled)");
    CHECK_STR(gtbt_collector_machine_id(c), "");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "f", extra, 1);
    gtbt_track_command(c, "cmd", 10, 1, extra, 1);
    gtbt_track_command_ext(c, "cmd", 1, argv, 10, 1, "err", extra, 1);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(destroyed, 0);   /* the collector still owns it */
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(r.sends, 0);
    CHECK_INT(destroyed, 1);
    CHECK_INT(r.destroyed, 1);
    CHECK_INT(del.destroyed, 1);
    CHECK_INT(del.requests, 0);
    CHECK(access(T_cfg, F_OK) != 0);
    CHECK(access(T_data, F_OK) != 0);
    CHECK_INT(n_entries(T_dir), 0);
    rec_free_json(&r);
    t_done();
}

/* gtbt_drop on a disabled collector: a no-op that touches no file (run in a child: it used to trip
   UBSan with memmove(NULL, NULL, 0)). */
static void child_drop_disabled(void) {
    gtbt_desc d = desc_in(T_dir, T_cfg, T_data, sizeof T_cfg);
    gtbt_collector *c;
    d.force_enabled = false;
    c = gtbt_new(&d);
    if (gtbt_drop(c) != 0) exit(3);
    if (gtbt_close(c) != 0) exit(4);
    exit(0);
}
static void test_disabled_drop(void) {
    t_setup();
    CHECK_INT(in_child(child_drop_disabled), 0);
    CHECK_INT(n_entries(T_dir), 0);
    t_done();
}

/* The default places ($HOME/.config, $HOME/.local/state) are not created either. */
static void test_disabled_default_dirs_untouched(void) {
    gtbt_desc d = t_setup();
    char home[600], *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *old_xc = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
    char *old_xs = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    gtbt_collector *c;
    snprintf(home, sizeof home, "%s/home", T_dir);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_STATE_HOME");
    d.force_enabled = false;
    d.config_dir = NULL;
    d.data_dir = NULL;
    c = gtbt_new(&d);
    CHECK(c != NULL);
    CHECK(!gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "f", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(n_entries(home), 0);
    if (old_home) setenv("HOME", old_home, 1); else unsetenv("HOME");
    if (old_xc) setenv("XDG_CONFIG_HOME", old_xc, 1);
    if (old_xs) setenv("XDG_STATE_HOME", old_xs, 1);
    free(old_home); free(old_xc); free(old_xs);
    t_done();
}

/* desc.backend and desc.deletion are destroyed exactly once whatever path gtbt_new takes. */
static void test_ownership_every_path(void) {
    static const char *const paths[] = {"enabled", "disabled", "local_only", "debug", "invalid_tool", "no_data_dir"};
    size_t i;
    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        gtbt_desc d = t_setup();
        rec_backend r;
        del_rec del;
        int destroyed = 0;
        gtbt_collector *c;
        rec_init(&r, "rec");
        r.destroyed_out = &destroyed;
        d.backend = &r.base;
        del_init(&del);
        d.deletion = &del.base;
        if (!strcmp(paths[i], "disabled")) d.force_enabled = false;
        if (!strcmp(paths[i], "local_only")) setenv("TELEMETRY_LOCAL", "1", 1);
        if (!strcmp(paths[i], "debug")) setenv("MYTOOL_TELEMETRY_DEBUG", "1", 1);
        if (!strcmp(paths[i], "invalid_tool")) d.tool_name = "bad tool/name";
        if (!strcmp(paths[i], "no_data_dir")) { write_mode(T_data, "x", 1, 0600); }
        c = gtbt_new(&d);
        CHECK(c != NULL);
        if (!strcmp(paths[i], "enabled")) {
            gtbt_track(c, GTBT_EVENT_FEATURE_USED, "f", NULL, 0);
            CHECK_INT(destroyed, 0);
        }
        gtbt_close(c);
        if (destroyed != 1 || del.destroyed != 1)
            gt_fail(__FILE__, __LINE__, "path %s: backend destroyed %d times, deletion %d times (want 1, 1)",
                    paths[i], destroyed, del.destroyed);
        rec_free_json(&r);
        t_done();
    }
}

/* ==== backend selection and info =============================================================== */
static void test_local_only_beats_custom(void) {
    gtbt_desc d = t_setup();
    rec_backend r;
    char expect[700], path[600], *text;
    gtbt_collector *c;
    int destroyed = 0;
    setenv("TELEMETRY_LOCAL", "1", 1);
    rec_init(&r, "acme (https://acme.example/t)");
    r.destroyed_out = &destroyed;
    d.backend = &r.base;
    c = gtbt_new(&d);
    snprintf(path, sizeof path, "%s/telemetry.log", T_data);
    snprintf(expect, sizeof expect, "file (%s)", path);
    CHECK(gtbt_enabled(c));
    CHECK_STR(gtbt_backend_info(c), expect);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "local-one", NULL, 0);
    gtbt_track_command(c, "local-two", 5, 0, NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(r.sends, 0);
    text = gt_read(path);
    CHECK(text != NULL);
    CHECK_INT(file_mode(path), 0600);
    if (text) {
        gtbt__batch b;
        int nomem = 0;
        size_t corrupt, lines = (size_t)gt_occurrences(text, "\n");
        CHECK_INT(lines, 2);
        CHECK(text[0] == '{');
        CHECK_CONTAINS(text, "\"name\":\"local-one\"");
        CHECK_CONTAINS(text, "\"name\":\"local-two\"");
        memset(&b, 0, sizeof b);
        corrupt = gtbt__parse_ndjson(&b, text, strlen(text), &nomem);   /* takes text */
        CHECK_INT(corrupt, 0);
        CHECK_INT(b.n, 2);
        gtbt__batch_free(&b);
    }
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(r.sends, 0);
    CHECK_INT(destroyed, 1);
    rec_free_json(&r);
    t_done();
}

static void test_info_custom_and_noop(void) {
    gtbt_desc d = t_setup();
    rec_backend r;
    gtbt_collector *c;
    rec_init(&r, "acme (https://acme.example/t)");
    d.backend = &r.base;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), "acme (https://acme.example/t)");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(r.sends, 1);
    CHECK_INT(r.events, 1);
    rec_free_json(&r);

    rec_init(&r, NULL);
    d.backend = &r.base;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), "custom");
    CHECK_INT(gtbt_close(c), 0);
    rec_free_json(&r);

    d.backend = NULL;
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    CHECK_STR(gtbt_backend_info(c), "noop (no endpoint configured)");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    t_done();
}

static void test_debug_goes_to_stderr(void) {
    gtbt_desc d = t_setup();
    rec_backend r;
    gtbt_collector *c;
    char path[600], *text;
    int saved, fd, rc;
    setenv("MYTOOL_TELEMETRY_DEBUG", "1", 1);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "dbg-event", NULL, 0);
    snprintf(path, sizeof path, "%s/stderr.txt", T_dir);
    fflush(stderr);
    saved = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    rc = gtbt_flush(c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK_INT(rc, 0);
    text = gt_read(path);
    CHECK(text != NULL);
    if (text) {
        size_t n = strlen(text);
        /* a custom backend's format is its own: the events are shown as the pretty JSON array */
        CHECK_CONTAINS(text, "telemetry debug: nothing was sent; 1 event(s) would go as:\nhanded to rec");
        CHECK_CONTAINS(text, "[\n  {\n    \"timestamp\": \"");
        CHECK_CONTAINS(text, "\n    \"name\": \"dbg-event\",\n");
        CHECK_CONTAINS(text, "\n    \"tool_name\": \"mytool\",\n");
        CHECK(n >= 2 && strcmp(text + n - 2, "]\n") == 0);
        free(text);
    }
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(r.sends, 0);
    CHECK_INT(r.destroyed, 1);
    rec_free_json(&r);
    t_done();
}

/* ==== track ======================================================================================= */
static void expected_os_version(char *out, size_t cap) {
    FILE *f = fopen("/proc/version", "r");
    char line[1024], a[128], b[128], v[128];
    snprintf(out, cap, "linux");
    if (f && fgets(line, sizeof line, f) && sscanf(line, "%127s %127s %127s", a, b, v) == 3) snprintf(out, cap, "%s", v);
    if (f) fclose(f);
}
/* Go's name for the architecture this test was compiled for (an i686 build on an x86_64 kernel
   reports 386, not the kernel's machine). */
#if defined(__x86_64__)
  #define T_ARCH "amd64"
#elif defined(__aarch64__)
  #define T_ARCH "arm64"
#elif defined(__i386__)
  #define T_ARCH "386"
#elif defined(__s390x__)
  #define T_ARCH "s390x"
#elif defined(__arm__)
  #define T_ARCH "arm"
#else
  #define T_ARCH NULL
#endif
static const char *expected_arch(void) { return T_ARCH; }

static void test_track_stamps(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c = new_cap(&d, &cb, "rec");
    char mid[17], osv[128];
    int64_t before, after;
    const cap_ev *e0, *e1;
    before = gtbt__realtime_ns();
    gtbt_track(c, GTBT_EVENT_UPDATE_CHECK, "build", NULL, 0);
    gtbt_track_command(c, "deploy", 142, 2, NULL, 0);
    after = gtbt__realtime_ns();
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 2);
    e0 = cap_find(&cb, "build");
    e1 = cap_find(&cb, "deploy");
    CHECK(e0 && e1);
    gtbt_machine_id("mytool", mid);
    expected_os_version(osv, sizeof osv);
    if (e0 && e1) {
        CHECK_STR(e0->type, "update.check");
        CHECK_STR(e1->type, "command.invocation");
        CHECK_STR(e0->tool_name, "mytool");
        CHECK_STR(e0->version, "1.2.3");
        CHECK_STR(e0->os, "linux");
        if (expected_arch()) CHECK_STR(e0->arch, expected_arch());
        CHECK(e0->arch[0] != 0);
        CHECK_STR(e0->os_version, osv);
        CHECK(!strncmp(e0->runtime_version, "gcc ", 4) || !strncmp(e0->runtime_version, "clang ", 6));
        CHECK_STR(e0->machine_id, mid);
        CHECK_STR(e0->machine_id, gtbt_collector_machine_id(c));
        CHECK_INT(strlen(e0->machine_id), 16);
        CHECK(is_uuid4(e0->uuid));
        CHECK(is_uuid4(e1->uuid));
        CHECK(strcmp(e0->uuid, e1->uuid) != 0);
        CHECK(e0->time_unix_ns >= before && e0->time_unix_ns <= after);
        CHECK(e1->time_unix_ns >= e0->time_unix_ns && e1->time_unix_ns <= after);
        CHECK_INT(e0->duration_ms, 0);
        CHECK_INT(e1->duration_ms, 142);
        CHECK_INT(e1->exit_code, 2);
        CHECK_STR(e1->error, "");
        CHECK_INT(e1->n_args, 0);
        CHECK_INT(e0->n_md, 0);
    }
    /* the wire JSON carries the same fields */
    CHECK_CONTAINS(cb.rec.json[0], "\"tool_name\":\"mytool\"");
    CHECK_CONTAINS(cb.rec.json[0], "\"duration_ms\":142,\"exit_code\":2");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "\"metadata\"");
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_track_copies_strings(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char *tool = strdup("mytool"), *ver = strdup("9.8.7"), *mk = strdup("team"), *mv = strdup("blue");
    char *name = strdup("copied-name"), *ek = strdup("extra-key"), *evv = strdup("extra-value");
    char *a0 = strdup("--alpha"), *a1 = strdup("beta"), *err = strdup("it broke");
    gtbt_kv meta[1], extra[1];
    const char *argv[2];
    const cap_ev *e;
    meta[0].key = mk; meta[0].value = mv;
    d.tool_name = tool; d.version = ver; d.metadata = meta; d.n_metadata = 1;
    d.extended_collection = true;
    c = new_cap(&d, &cb, "rec");
    memset(tool, 'X', strlen(tool)); memset(ver, 'X', strlen(ver)); memset(mk, 'X', strlen(mk)); memset(mv, 'X', strlen(mv));
    free(tool); free(ver); free(mk); free(mv);
    extra[0].key = ek; extra[0].value = evv;
    argv[0] = a0; argv[1] = a1;
    gtbt_track_command_ext(c, name, 2, argv, 7, 1, err, extra, 1);
    memset(name, 'X', strlen(name)); memset(ek, 'X', strlen(ek)); memset(evv, 'X', strlen(evv));
    memset(a0, 'X', strlen(a0)); memset(a1, 'X', strlen(a1)); memset(err, 'X', strlen(err));
    free(name); free(ek); free(evv); free(a0); free(a1); free(err);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 1);
    e = cap_find(&cb, "copied-name");
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->tool_name, "mytool");
        CHECK_STR(e->version, "9.8.7");
        CHECK_STR(cap_md(e, "team"), "blue");
        CHECK_STR(cap_md(e, "extra-key"), "extra-value");
        CHECK_INT(e->n_args, 2);
        if (e->n_args == 2) { CHECK_STR(e->args[0], "--alpha"); CHECK_STR(e->args[1], "beta"); }
        CHECK_STR(e->error, "it broke");
    }
    CHECK_NOT_CONTAINS(cb.rec.json[0], "XXX");
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_track_metadata_merge_sorted(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv meta[3] = {{"zeta", "1"}, {"env", "production"}, {"alpha", "a"}};
    gtbt_kv extra[2] = {{"mid", "m"}, {"env", "staging"}};
    const cap_ev *e;
    d.metadata = meta; d.n_metadata = 3;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "merged", extra, 2);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "plain", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    e = cap_find(&cb, "merged");
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(e->n_md, 4);
        if (e->n_md == 4) {
            CHECK_STR(e->mk[0], "alpha"); CHECK_STR(e->mk[1], "env"); CHECK_STR(e->mk[2], "mid"); CHECK_STR(e->mk[3], "zeta");
        }
        CHECK_STR(cap_md(e, "env"), "staging");
    }
    CHECK_STR(cap_md(cap_find(&cb, "plain"), "env"), "production");
    CHECK_CONTAINS(cb.rec.json[0], "\"metadata\":{\"alpha\":\"a\",\"env\":\"staging\",\"mid\":\"m\",\"zeta\":\"1\"}");
    CHECK_CONTAINS(cb.rec.json[0], "\"metadata\":{\"alpha\":\"a\",\"env\":\"production\",\"zeta\":\"1\"}");
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_track_redacts_values_not_keys(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv meta[1] = {{"repo", "https://user:hunter2@host/x"}};
    gtbt_kv extra[2] = {{"tok", "token=glpat-abcdefghijklmnopqrstu"}, {"secret=keyname", "plain"}};
    const cap_ev *e;
    char *all;
    d.metadata = meta; d.n_metadata = 1;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "redacted", extra, 2);
    CHECK_INT(gtbt_flush(c), 0);
    all = rec_all(&cb.rec);
    CHECK_NOT_CONTAINS(all, "hunter2");
    CHECK_NOT_CONTAINS(all, "glpat-abcdefghijklmnopqrstu");
    CHECK_CONTAINS(all, "\"repo\":\"https://\\u003credacted\\u003e@host/x\"");
    CHECK_CONTAINS(all, "\"tok\":\"token=***\"");
    CHECK_CONTAINS(all, "\"secret=keyname\":\"plain\"");   /* keys are not redacted */
    e = cap_find(&cb, "redacted");
    CHECK_STR(cap_md(e, "repo"), "https://<redacted>@host/x");
    CHECK_STR(cap_md(e, "tok"), "token=***");
    free(all);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* The same key given again and again with values that need redaction (each override redacts a
   new copy) must not overrun anything. Run in a child: an overrun aborts under ASan. */
static void child_repeated_key_in_extra(void) {
    gtbt_desc d = desc_in(T_dir, T_cfg, T_data, sizeof T_cfg);
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv extra[150];
    char vals[150][64];
    int i;
    for (i = 0; i < 150; i++) {
        snprintf(vals[i], sizeof vals[i], "token=glpat-abcdefghijklmnop%04d", i);
        extra[i].key = "same";
        extra[i].value = vals[i];
    }
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "repeat", extra, 150);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 1);
    if (cb.n == 1) {
        CHECK_INT(cb.ev[0].n_md, 1);
        CHECK_STR(cap_md(&cb.ev[0], "same"), "token=***");
    }
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
}
static void test_track_repeated_key_in_extra(void) {
    t_setup();
    CHECK_INT(in_child(child_repeated_key_in_extra), 0);
    t_done();
}

static void child_repeated_key_in_metadata(void) {
    gtbt_desc d = desc_in(T_dir, T_cfg, T_data, sizeof T_cfg);
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv meta[100];
    char vals[100][64];
    int i;
    for (i = 0; i < 100; i++) {
        snprintf(vals[i], sizeof vals[i], "https://user:pw%04d@host/x", i);
        meta[i].key = "dup";
        meta[i].value = vals[i];
    }
    d.metadata = meta; d.n_metadata = 100;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "repeat", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 1);
    if (cb.n == 1) {
        CHECK_INT(cb.ev[0].n_md, 1);
        CHECK_STR(cap_md(&cb.ev[0], "dup"), "https://<redacted>@host/x");
    }
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
}
static void test_new_repeated_key_in_metadata(void) {
    t_setup();
    CHECK_INT(in_child(child_repeated_key_in_metadata), 0);
    t_done();
}

static char *repeat_str(const char *unit, size_t total_len, const char *tail) {
    size_t u = strlen(unit), t = tail ? strlen(tail) : 0, i;
    char *s = (char *)malloc(total_len + t + 1);
    for (i = 0; i < total_len; i++) s[i] = unit[i % u];
    memcpy(s + total_len, tail ? tail : "", t);
    s[total_len + t] = 0;
    return s;
}

static void test_track_limits_utf8(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c = new_cap(&d, &cb, "rec");
    /* name: 256 bytes; a multibyte character across the cut is dropped whole */
    char *n2 = repeat_str("a ", 255, "\xC3\xA9"), *n3 = repeat_str("b ", 254, "\xE2\x82\xAC");
    char *n4 = repeat_str("c ", 253, "\xF0\x9F\x98\x80"), *nfit = repeat_str("d ", 254, "\xC3\xA9");
    char *nlong = repeat_str("e ", 1000, NULL);   /* words: a long run of one letter is redacted as a token */
    char *k2 = repeat_str("k", 127, "\xC3\xA9"), *klong = repeat_str("K", 300, NULL);
    char *v3 = repeat_str("x y ", 4094, "\xE2\x82\xAC"), *vlong = repeat_str("x y ", 10000, NULL);
    char *exp;
    gtbt_kv kv[3];
    size_t i;
    kv[0].key = k2; kv[0].value = "short";
    kv[1].key = klong; kv[1].value = "long-key";
    kv[2].key = "v"; kv[2].value = v3;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, n2, NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, n3, NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, n4, NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, nfit, NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, nlong, kv, 3);
    kv[0].key = "vl"; kv[0].value = vlong;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "vlong", kv, 1);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 6);
    if (cb.n == 6) {
        exp = repeat_str("a ", 255, NULL); CHECK_STR(cb.ev[0].name, exp); free(exp);
        exp = repeat_str("b ", 254, NULL); CHECK_STR(cb.ev[1].name, exp); free(exp);
        exp = repeat_str("c ", 253, NULL); CHECK_STR(cb.ev[2].name, exp); free(exp);
        CHECK_STR(cb.ev[3].name, nfit);
        exp = repeat_str("e ", 256, NULL); CHECK_STR(cb.ev[4].name, exp); free(exp);
        exp = repeat_str("k", 127, NULL); CHECK_STR(cap_md(&cb.ev[4], exp), "short"); free(exp);
        exp = repeat_str("K", 128, NULL); CHECK_STR(cap_md(&cb.ev[4], exp), "long-key"); free(exp);
        exp = repeat_str("x y ", 4094, NULL);
        CHECK_STR(cap_md(&cb.ev[4], "v"), exp);
        free(exp);
        exp = repeat_str("x y ", 4096, NULL);
        CHECK_STR(cap_md(&cb.ev[5], "vl"), exp);
        free(exp);
        for (i = 0; i < 6; i++) CHECK(strlen(cb.ev[i].name) <= 256);
    }
    free(n2); free(n3); free(n4); free(nfit); free(nlong); free(k2); free(klong); free(v3); free(vlong);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_track_limits_pairs_args(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv extra[70], meta[10];
    char keys[70][16], mkeys[10][16], args[70][16];
    const char *argv[70];
    int i;
    for (i = 0; i < 70; i++) {
        snprintf(keys[i], sizeof keys[i], "key%02d", i);
        extra[i].key = keys[i]; extra[i].value = "val";
        snprintf(args[i], sizeof args[i], "zz%02d", i);
        argv[i] = args[i];
    }
    for (i = 0; i < 10; i++) { snprintf(mkeys[i], sizeof mkeys[i], "meta%02d", i); meta[i].key = mkeys[i]; meta[i].value = "m"; }
    d.extended_collection = true;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "pairs70", extra, 70);
    gtbt_track_command_ext(c, "args70", 70, argv, 1, 0, NULL, NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 2);
    CHECK_INT(cap_find(&cb, "pairs70") ? cap_find(&cb, "pairs70")->n_md : 0, 64);
    CHECK_INT(cap_find(&cb, "args70") ? cap_find(&cb, "args70")->n_args : 0, 64);
    CHECK_INT(gt_occurrences(cb.rec.json[0], ":\"val\""), 64);
    CHECK_INT(gt_occurrences(cb.rec.json[0], "\"zz"), 64);
    cap_free(&cb);

    /* collector metadata and extra together: still at most 64 pairs */
    d.metadata = meta; d.n_metadata = 10;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "both", extra, 70);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 1);
    if (cb.n == 1) CHECK_INT(cb.ev[0].n_md, 64);
    cap_free(&cb);
    t_done();
}

static void test_track_null_safety(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    gtbt_kv extra[3] = {{NULL, "skipped"}, {"nullvalue", NULL}, {"ok", "yes"}};
    gtbt_kv meta[2] = {{NULL, "x"}, {"m", NULL}};
    const char *argv[3] = {"a", NULL, "c"};
    const cap_ev *e;
    d.extended_collection = true;
    d.metadata = meta; d.n_metadata = 2;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, NULL, NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "nulls", extra, 3);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "nullextra", NULL, 5);
    gtbt_track_command_ext(c, "nullargs", 3, argv, 1, 1, NULL, NULL, 0);
    gtbt_track_command_ext(c, "noargv", 4, NULL, 1, 1, NULL, NULL, 0);
    gtbt_track_command_ext(c, "negargc", -1, argv, 1, 1, NULL, NULL, 0);
    gtbt_track(NULL, GTBT_EVENT_FEATURE_USED, "x", extra, 3);
    gtbt_track_command(NULL, "x", 1, 1, NULL, 0);
    gtbt_track_command_ext(NULL, "x", 3, argv, 1, 1, "e", extra, 3);
    CHECK_INT(gtbt_flush(NULL), 0);
    CHECK_INT(gtbt_drop(NULL), 0);
    CHECK_INT(gtbt_close(NULL), 0);
    CHECK(!gtbt_enabled(NULL));
    CHECK(gtbt_backend_info(NULL) != NULL);
    CHECK(gtbt_collector_machine_id(NULL) != NULL);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 6);
    CHECK(cap_find(&cb, "") != NULL);
    e = cap_find(&cb, "nulls");
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(e->n_md, 3);   /* m, nullvalue, ok: the NULL keys are skipped */
        CHECK_STR(cap_md(e, "nullvalue"), "");
        CHECK_STR(cap_md(e, "ok"), "yes");
        CHECK_STR(cap_md(e, "m"), "");
        CHECK(cap_md(e, "skipped") == NULL);
    }
    CHECK_NOT_CONTAINS(cb.rec.json[0], "skipped");
    e = cap_find(&cb, "nullargs");
    CHECK(e && e->n_args <= 3);
    e = cap_find(&cb, "negargc");
    CHECK(e && e->n_args == 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_track_extended_off(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    const char *argv[2] = {"--api-token=sk-proj-abcdefghijklmnopqrstuvwx", "target"};
    const cap_ev *e;
    c = new_cap(&d, &cb, "rec");
    gtbt_track_command_ext(c, "deploy", 2, argv, 42, 3, "boom happened", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    e = cap_find(&cb, "deploy");
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(e->n_args, 0);
        CHECK_STR(e->error, "");
        CHECK_INT(e->duration_ms, 42);
        CHECK_INT(e->exit_code, 3);
    }
    CHECK_NOT_CONTAINS(cb.rec.json[0], "\"args\"");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "\"error\"");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "boom");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "target");
    CHECK_CONTAINS(cb.rec.json[0], "\"duration_ms\":42,\"exit_code\":3");
    cap_free(&cb);
    t_done();
}

static void test_track_extended_on(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    const char *argv[2] = {"--api-token=sk-proj-abcdefghijklmnopqrstuvwx", "target"};
    const cap_ev *e;
    d.extended_collection = true;
    c = new_cap(&d, &cb, "rec");
    gtbt_track_command_ext(c, "deploy", 2, argv, 42, 3, "failed: token=glpat-abcdefghijklmnopqrstu", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    e = cap_find(&cb, "deploy");
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(e->n_args, 2);
        if (e->n_args == 2) { CHECK_STR(e->args[0], "--api-token=***"); CHECK_STR(e->args[1], "target"); }
        CHECK_STR(e->error, "failed: token=***");
        CHECK_INT(e->duration_ms, 42);
        CHECK_INT(e->exit_code, 3);
    }
    CHECK_CONTAINS(cb.rec.json[0], "\"args\":[\"--api-token=***\",\"target\"]");
    CHECK_CONTAINS(cb.rec.json[0], "\"error\":\"failed: token=***\"");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "sk-proj");
    CHECK_NOT_CONTAINS(cb.rec.json[0], "glpat-");
    cap_free(&cb);
    t_done();
}

static void test_track_bad_type(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c = new_cap(&d, &cb, "rec");
    size_t i;
    gtbt_track(c, (gtbt_event_type)99, "t99", NULL, 0);
    gtbt_track(c, (gtbt_event_type)-1, "tneg", NULL, 0);
    gtbt_track(c, (gtbt_event_type)6, "t6", NULL, 0);
    gtbt_track(c, GTBT_EVENT_DELETION_REQUEST, "tdel", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK(cb.n <= 4);
    for (i = 0; i < cb.n; i++) CHECK(cb.ev[i].type[0] != 0);
    CHECK(cap_find(&cb, "tdel") != NULL);
    if (cap_find(&cb, "tdel")) CHECK_STR(cap_find(&cb, "tdel")->type, "data.deletion_request");
    CHECK_STR(gtbt_event_type_name((gtbt_event_type)99), "");
    cap_free(&cb);
    t_done();
}

/* ==== buffer and spill files ===================================================================== */
static void test_spill_at_max_buffer(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char names[16][256], path[1024], *text;
    d.max_buffer = 3;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "s0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "s1", NULL, 0);
    CHECK_INT(n_ready(T_data), 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "s2", NULL, 0);
    CHECK_INT(n_ready(T_data), 0);   /* a full buffer spills only when one more event comes */
    CHECK_INT(c->n, 3);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "s3", NULL, 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(n_temps(T_data), 0);
    CHECK_INT(c->n, 1);
    CHECK_INT(cb.rec.sends, 0);   /* a spill never sends */
    if (list_sorted(T_data, "telemetry-spill-", ".ndjson", names, 16) == 1) {
        gtbt__batch b;
        int nomem;
        pjoin(path, sizeof path, T_data, names[0]);
        CHECK_INT(file_mode(path), 0600);
        text = gt_read(path);
        CHECK(text != NULL);
        if (text) {
            CHECK_INT(gt_occurrences(text, "\n"), 3);
            CHECK_CONTAINS(text, "\"name\":\"s0\"");
            CHECK_CONTAINS(text, "\"name\":\"s2\"");
            memset(&b, 0, sizeof b);
            CHECK_INT(gtbt__parse_ndjson(&b, text, strlen(text), &nomem), 0);
            CHECK_INT(b.n, 3);
            gtbt__batch_free(&b);
        }
        CHECK(strncmp(names[0], "telemetry-spill-", 16) == 0);
    }
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 4);
    CHECK_INT(n_ready(T_data), 0);
    cap_free(&cb);
    t_done();
}

static void test_flush_spill_files_first_oldest_first(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[64];
    int i;
    d.max_buffer = 3;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "o%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    CHECK_INT(n_ready(T_data), 2);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 3);
    CHECK_INT(cb.rec.batch[0], 3);
    CHECK_INT(cb.rec.batch[1], 3);
    CHECK_INT(cb.rec.batch[2], 2);
    CHECK_CONTAINS(cb.rec.json[0], "\"name\":\"o0\"");
    CHECK_CONTAINS(cb.rec.json[0], "\"name\":\"o2\"");
    CHECK_CONTAINS(cb.rec.json[1], "\"name\":\"o3\"");
    CHECK_CONTAINS(cb.rec.json[1], "\"name\":\"o5\"");
    CHECK_CONTAINS(cb.rec.json[2], "\"name\":\"o7\"");
    CHECK_INT(cb.n, 8);
    CHECK_INT(cap_distinct_uuids(&cb), 8);
    for (i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "o%d", i);
        CHECK_INT(cap_count_name(&cb, name), 1);
    }
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(n_claims(T_data), 0);
    CHECK_INT(gtbt_flush(c), 0);   /* nothing left: no further send */
    CHECK_INT(cb.rec.sends, 3);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 3);
    cap_free(&cb);
    t_done();
}

/* Planted spill files go out oldest first (by name), one send per file. */
static void test_replay_planted_in_name_order(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128];
    int i;
    mkdir(T_data, 0700);
    for (i = 3; i >= 1; i--) {
        spill_name(name, sizeof name, 1000LL * i, 4242, 0);
        plant_events(T_data, name, i, 0, 2);
    }
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 3);
    CHECK_CONTAINS(cb.rec.json[0], "\"name\":\"p1-0\"");
    CHECK_CONTAINS(cb.rec.json[1], "\"name\":\"p2-0\"");
    CHECK_CONTAINS(cb.rec.json[2], "\"name\":\"p3-1\"");
    CHECK_INT(cb.n, 6);
    CHECK_INT(n_entries(T_data) - gt_count(T_data, "telemetry-backoff-", NULL) - gt_count(T_data, "telemetry-sent.ndjson", NULL), 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_spill_split_over_1mib(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char *big = repeat_str("x y ", 4000, NULL), name[64], names[32][256], path[1024];
    gtbt_kv kv[1];
    int i, n;
    kv[0].key = "blob"; kv[0].value = big;
    d.max_buffer = 400;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 401; i++) { /* the 401st finds the buffer full and spills the first 400 */
        snprintf(name, sizeof name, "big%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, kv, 1);
    }
    n = list_sorted(T_data, "telemetry-spill-", ".ndjson", names, 32);
    CHECK(n >= 2);
    for (i = 0; i < n; i++) {
        pjoin(path, sizeof path, T_data, names[i]);
        if (file_size(path) > 1048576) gt_fail(__FILE__, __LINE__, "%s is %lld bytes (> 1 MiB)", names[i], file_size(path));
    }
    CHECK_INT(c->n, 1);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, n + 1);
    CHECK_INT(cb.n, 401);
    CHECK_INT(cap_distinct_uuids(&cb), 401);
    for (i = 0; i < 401; i++) {
        snprintf(name, sizeof name, "big%d", i);
        if (cap_count_name(&cb, name) != 1) { gt_fail(__FILE__, __LINE__, "%s delivered %d times", name, cap_count_name(&cb, name)); break; }
    }
    CHECK_STR(cap_md(cap_find(&cb, "big399"), "blob"), big);
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    free(big);
    cap_free(&cb);
    t_done();
}

/* Offline runs keep events, not files: 10 files of 1000 events fill the cap of 10,000 events;
   a spill of 2 more cuts exactly the 2 oldest events out of the oldest file. */
static void test_spill_cap_prunes_oldest(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    char name[128], path[1024], oldest[128], second[128];
    int i;
    mkdir(T_data, 0700);
    for (i = 1; i <= 10; i++) {
        spill_name(name, sizeof name, 1000LL + i, 4242, 0);
        plant_events(T_data, name, i, 0, 1000);
        if (i == 1) snprintf(oldest, sizeof oldest, "%s", name);
        if (i == 2) snprintf(second, sizeof second, "%s", name);
    }
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 2;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "n0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "n1", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "n2", NULL, 0); /* finds the buffer full: spills n0, n1 */
    CHECK_INT(n_ready(T_data), 11);
    pjoin(path, sizeof path, T_data, oldest);
    CHECK(access(path, F_OK) == 0);                /* cut, not removed: 998 events left in it */
    pjoin(path, sizeof path, T_data, second);
    CHECK(access(path, F_OK) == 0);
    CHECK_INT(LOGGED(lg, SPILL_CAP), 1);
    CHECK_CONTAINS(lg.text, "spill cap reached (10000 events, 10485760 bytes); discarded 2 oldest");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 10001);   /* 9998 planted survivors + the 3 new events */
    CHECK_INT(cap_count_name(&cb, "p1-0"), 0);
    CHECK_INT(cap_count_name(&cb, "p1-1"), 0);
    CHECK_INT(cap_count_name(&cb, "p1-2"), 1);
    CHECK_INT(cap_count_name(&cb, "p2-0"), 1);
    CHECK_INT(cap_count_name(&cb, "n1"), 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_spill_corrupt_lines_skipped(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    char name[128], path[1024], u1[37], u2[37], *l1, *l2, text[4096];
    mkdir(T_data, 0700);
    planted_uuid(u1, 7, 1);
    planted_uuid(u2, 7, 2);
    l1 = ev_line(u1, "good-1");
    l2 = ev_line(u2, "good-2");
    snprintf(text, sizeof text, "%sgarbage {{{\n{\"uuid\":\"x\"}\n%.40s\n%s\xff\xfe\n", l1, l2, l2);
    spill_name(name, sizeof name, 1000, 4242, 0);
    pjoin(path, sizeof path, T_data, name);
    write_mode(path, text, strlen(text), 0600);
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 2);
    CHECK_INT(cap_count_name(&cb, "good-1"), 1);
    CHECK_INT(cap_count_name(&cb, "good-2"), 1);
    if (cap_find(&cb, "good-2")) CHECK_STR(cap_find(&cb, "good-2")->uuid, u2);
    CHECK_INT(LOGGED(lg, SPILL_CORRUPT_LINES), 1);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    gtbt_free(l1); gtbt_free(l2);
    cap_free(&cb);
    t_done();
}

static void test_spill_too_big_and_empty_removed(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    char name[128], big_path[1024], empty_path[1024], ok_name[128];
    size_t big_len = 4 * 1024 * 1024 + 1;
    char *big = (char *)malloc(big_len);
    memset(big, 'x', big_len);
    big[big_len - 1] = '\n';
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, 4242, 0);
    pjoin(big_path, sizeof big_path, T_data, name);
    write_mode(big_path, big, big_len, 0600);
    spill_name(name, sizeof name, 1001, 4242, 0);
    pjoin(empty_path, sizeof empty_path, T_data, name);
    write_mode(empty_path, "", 0, 0600);
    spill_name(ok_name, sizeof ok_name, 1002, 4242, 0);
    plant_events(T_data, ok_name, 9, 0, 1);
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK(access(big_path, F_OK) != 0);
    CHECK(access(empty_path, F_OK) != 0);
    CHECK_INT(cb.n, 1);
    CHECK_INT(cap_count_name(&cb, "p9-0"), 1);
    CHECK_INT(cb.rec.sends, 1);   /* nothing sent for the empty or the oversized file */
    CHECK_INT(LOGGED(lg, SPILL_TOO_LARGE), 1);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    free(big);
    cap_free(&cb);
    t_done();
}

static void test_leftover_temp_of_dead_process_removed(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char dead_tmp[1024], live_tmp[1024];
    int dead = dead_pid(), live = (int)getppid();
    mkdir(T_data, 0700);
    snprintf(dead_tmp, sizeof dead_tmp, "%s/.telemetry-spill-%020lld-%d-0.ndjson.tmp", T_data, 1000LL, dead);
    snprintf(live_tmp, sizeof live_tmp, "%s/.telemetry-spill-%020lld-%d-0.ndjson.tmp", T_data, 1001LL, live);
    write_mode(dead_tmp, "{\"half\":", 8, 0600);
    write_mode(live_tmp, "{\"half\":", 8, 0600);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK(access(dead_tmp, F_OK) != 0);
    CHECK_INT(access(live_tmp, F_OK), 0);   /* another live writer's file is left alone */
    CHECK_INT(cb.rec.sends, 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_claim_of_dead_process_recovered(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128], claim[256], path[1024], cpath[1024];
    int dead = dead_pid();
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, dead, 0);
    plant_events(T_data, name, 5, 0, 3);
    snprintf(claim, sizeof claim, "%s.sending-%d", name, dead);
    pjoin(path, sizeof path, T_data, name);
    pjoin(cpath, sizeof cpath, T_data, claim);
    CHECK_INT(rename(path, cpath), 0);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 3);
    CHECK_INT(cap_count_name(&cb, "p5-2"), 1);
    CHECK(access(cpath, F_OK) != 0);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 3);
    cap_free(&cb);
    t_done();
}

static void test_claim_of_live_process_untouched(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128], path[1024], cpath[1024];
    int live = (int)getppid(), lfd;
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, live, 0);
    plant_events(T_data, name, 6, 0, 2);
    pjoin(path, sizeof path, T_data, name);
    snprintf(cpath, sizeof cpath, "%s/%s.sending-%d", T_data, name, live);
    CHECK_INT(rename(path, cpath), 0);
    lfd = open(cpath, O_RDONLY);                   /* a live sender holds a lock on its claim */
    CHECK(lfd >= 0 && flock(lfd, LOCK_EX | LOCK_NB) == 0);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 0);
    CHECK_INT(access(cpath, F_OK), 0);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 0);
    CHECK_INT(access(cpath, F_OK), 0);
    if (lfd >= 0) close(lfd);
    cap_free(&cb);
    t_done();
}

static int spilled_lines(const char *dir) {
    char names[32][256], path[1024], *t;
    int n = list_sorted(dir, "telemetry-spill-", NULL, names, 32), i, lines = 0;
    for (i = 0; i < n; i++) {
        pjoin(path, sizeof path, dir, names[i]);
        t = gt_read(path);
        lines += gt_occurrences(t, "\n");
        free(t);
    }
    return lines;
}

/* ==== delivery guarantees ========================================================================= */
static int extract_uuids(const char *json, char out[][37], int max) {
    int n = 0;
    const char *p = json;
    while (p && n < max && (p = strstr(p, "\"uuid\":\"")) != NULL) {
        p += 8;
        snprintf(out[n++], 37, "%.36s", p);
    }
    return n;
}

/* The same collector retries a failed batch (close flushes again): same uuids, delivered once. */
static void test_at_least_once_redelivers_same_uuids(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char first[8][37], second[8][37];
    int i, n;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a1", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a2", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(spilled_lines(T_data), 3);
    CHECK_INT(c->n, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 2);
    CHECK_INT(cb.n, 3);
    n = extract_uuids(cb.rec.json[0], first, 8);
    CHECK_INT(n, 3);
    CHECK_INT(extract_uuids(cb.rec.json[1], second, 8), 3);
    for (i = 0; i < n; i++) CHECK_STR(second[i], first[i]);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    cap_free(&cb);
    t_done();
}

/* The retry happens in a later process (a new collector on the same dirs): same uuids, once. */
static void test_at_least_once_next_collector(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char first[8][37];
    int i, n;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a1", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a2", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(n_ready(T_data), 1);
    n = extract_uuids(cb.rec.json[0], first, 8);
    CHECK_INT(n, 3);
    CHECK_INT(cb.n, 0);
    gtbt__collector_free(c);   /* the process ends after its one flush */
    cap_free(&cb);

    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 3);
    for (i = 0; i < n && i < 8; i++) {
        size_t k;
        int found = 0;
        for (k = 0; k < cb.n; k++) found += !strcmp(cb.ev[k].uuid, first[i]);
        if (found != 1) gt_fail(__FILE__, __LINE__, "uuid %s delivered %d times (want 1)", first[i], found);
    }
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 3);
    cap_free(&cb);
    c = new_cap(&d, &cb, "rec");   /* and never again */
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 0);
    cap_free(&cb);
    t_done();
}

static void test_permanent_rejection_dropped(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_HTTP_REJECT;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "r0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "r1", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(LOGGED(lg, DELIVERY_REJECTED), 1);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    cap_free(&cb);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 0);
    cap_free(&cb);
    t_done();
}

/* A rejected spill file is removed too. */
static void test_permanent_rejection_of_spill_file(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128];
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, 4242, 0);
    plant_events(T_data, name, 3, 0, 2);
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_HTTP_REJECT;
    cb.rec.nscript = 1;
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    cap_free(&cb);
    t_done();
}

static void test_at_most_once_drops_on_failure(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    d.delivery = GTBT_AT_MOST_ONCE;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "m0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "m1", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    CHECK_INT(c->n, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 0);
    cap_free(&cb);
    t_done();
}

static int g_files_during_send = -1;
static void hook_count_files(cap_backend *cb, size_t n) {
    (void)cb; (void)n;
    g_files_during_send = n_ready(T_data) + n_claims(T_data);
}

static void test_at_most_once_spill_removed_before_send(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128];
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, 4242, 0);
    plant_events(T_data, name, 4, 0, 2);
    d.delivery = GTBT_AT_MOST_ONCE;
    c = new_cap(&d, &cb, "rec");
    cb.hook = hook_count_files;
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    g_files_during_send = -1;
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(g_files_during_send, 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    cap_free(&cb);
    t_done();
}

/* ==== back-off =============================================================================== */
static void test_backoff_retry_after_honoured_by_next_run(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_HTTP_RETRY;
    cb.rec.nscript = 1;
    cb.rec.retry_after_ms = 60000;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "b0", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_HTTP_RETRY);
    CHECK_INT(cb.rec.sends, 1);
    CHECK(gtbt_close(c) != 0);   /* close is inside the back-off too */
    CHECK_INT(cb.rec.sends, 1);
    cap_free(&cb);
    CHECK_INT(spilled_lines(T_data), 1);

    c = new_cap(&d, &cb, "rec");   /* a later invocation, healthy backend */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "b1", NULL, 0);
    CHECK(gtbt_flush(c) != 0);
    CHECK_INT(cb.rec.sends, 0);
    CHECK_INT(spilled_lines(T_data), 2);
    CHECK(gtbt_close(c) != 0);
    CHECK_INT(cb.rec.sends, 0);
    cap_free(&cb);
    t_done();
}

static void test_backoff_single_failure_sets_none(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_HTTP_RETRY;   /* no retry_after */
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "s0", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_HTTP_RETRY);
    gtbt__collector_free(c);   /* the process ends after its one flush */
    cap_free(&cb);
    CHECK_INT(spilled_lines(T_data), 1);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_backoff_two_failures_then_success_clears(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char names[4][256], path[1024];
    /* run 1: one failure */
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "f0", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    gtbt__collector_free(c);
    cap_free(&cb);
    /* run 2: the second consecutive failure sets a back-off */
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(cb.rec.sends, 1);
    gtbt__collector_free(c);
    cap_free(&cb);
    CHECK_INT(gt_count(T_data, "telemetry-backoff-", NULL), 1);
    /* run 3: healthy, but backing off: nothing sent, events kept */
    c = new_cap(&d, &cb, "rec");
    CHECK(gtbt_flush(c) != 0);
    CHECK_INT(cb.rec.sends, 0);
    CHECK_INT(spilled_lines(T_data), 1);
    gtbt__collector_free(c);
    cap_free(&cb);
    /* the back-off expires (rewrite its deadline into the past, keeping the failure count) */
    if (list_sorted(T_data, "telemetry-backoff-", NULL, names, 4) == 1) {
        pjoin(path, sizeof path, T_data, names[0]);
        write_mode(path, "until=1 failures=2\n", 19, 0600);
    }
    /* run 4: success clears it */
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    CHECK_INT(gt_count(T_data, "telemetry-backoff-", NULL), 0);
    /* run 5: a single failure after the success is a first failure again: no back-off */
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "f1", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    gtbt__collector_free(c);
    cap_free(&cb);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* A claim of a live process that has not been touched for over an hour is abandoned: recovered. */
static void test_claim_stale_of_live_process_recovered(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128], path[1024], cpath[1024];
    struct timeval tv[2];
    int live = (int)getppid();
    mkdir(T_data, 0700);
    spill_name(name, sizeof name, 1000, live, 0);
    plant_events(T_data, name, 8, 0, 2);
    pjoin(path, sizeof path, T_data, name);
    snprintf(cpath, sizeof cpath, "%s/%s.sending-%d", T_data, name, live);
    CHECK_INT(rename(path, cpath), 0);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 2 * 3600;
    tv[1] = tv[0];
    CHECK_INT(utimes(cpath, tv), 0);
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 2);
    CHECK(access(cpath, F_OK) != 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* A spill split into several files where a later file cannot be written: what reached the disk
   leaves the buffer, the rest stays; nothing is delivered twice. */
static void test_spill_split_partial_failure_no_duplicates(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char *big = repeat_str("x y ", 4000, NULL), name[64];
    gtbt_kv kv[1];
    int i;
    kv[0].key = "blob"; kv[0].value = big;
    d.max_buffer = 400;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 400; i++) {
        snprintf(name, sizeof name, "big%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, kv, 1);
    }
    gtbt__test_fail_write_after = 1;   /* the first file is written, the second is not */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "big400", kv, 1); /* finds the buffer full: spills */
    gtbt__test_fail_write_after = -1;
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(n_temps(T_data), 0);
    CHECK(c->n > 1 && c->n < 400);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 401);
    CHECK_INT(cap_distinct_uuids(&cb), 401);
    for (i = 0; i < 401; i++) {
        snprintf(name, sizeof name, "big%d", i);
        if (cap_count_name(&cb, name) != 1) { gt_fail(__FILE__, __LINE__, "%s delivered %d times", name, cap_count_name(&cb, name)); break; }
    }
    CHECK_INT(gtbt_close(c), 0);
    free(big);
    cap_free(&cb);
    t_done();
}

/* Whatever an event holds survives a trip through a spill file unchanged (same JSON, same uuid and
   timestamp to the nanosecond). */
static void test_spill_roundtrip_preserves_fields(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    const char *argv[3] = {"--x=\"y\"", "na\xC3\xAFve", "tab\there"};
    gtbt_kv extra[3] = {{"k\"ey", "v\nal<ue>&"}, {"emoji", "\xF0\x9F\x98\x80 \xE2\x80\xA8 \x01"}, {"bad", "a\xff" "b"}};
    d.extended_collection = true;
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track_command_ext(c, "q\"b\\n\nt\t<>&\xE2\x80\xA8 \xF0\x9F\x98\x80 \x01 \xff end", 3, argv,
                           123456789012LL, -2, "line1\nline2 \"quoted\"", extra, 3);
    gtbt_track(c, GTBT_EVENT_UPDATE_APPLIED, "second", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 2);
    CHECK(cb.rec.json[0] && cb.rec.json[1]);
    if (cb.rec.json[0] && cb.rec.json[1]) {
        CHECK_STR(cb.rec.json[1], cb.rec.json[0]);
        CHECK_CONTAINS(cb.rec.json[1], "\"duration_ms\":123456789012,\"exit_code\":-2");
    }
    CHECK_INT(cb.n, 2);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* A spilled line without a uuid (e.g. written by an older version) gets one derived from its
   text: the same on every retry. */
static void test_spill_line_without_uuid_stable(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128], path[1024], u[2][1][37], *l, *p;
    mkdir(T_data, 0700);
    l = ev_line("00000000-0000-4000-8000-000000000000", "missing-id");
    p = strstr(l, "\"uuid\":\"00000000-0000-4000-8000-000000000000\",");
    CHECK(p != NULL);
    if (p) memmove(p, p + 46, strlen(p + 46) + 1);
    CHECK_NOT_CONTAINS(l, "uuid");
    spill_name(name, sizeof name, 1000, 4242, 0);
    pjoin(path, sizeof path, T_data, name);
    write_mode(path, l, strlen(l), 0600);
    c = new_cap(&d, &cb, "rec");
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 2);
    CHECK_INT(extract_uuids(cb.rec.json[0], u[0], 1), 1);
    CHECK_INT(extract_uuids(cb.rec.json[1], u[1], 1), 1);
    CHECK(is_uuid4(u[0][0]));
    CHECK_STR(u[1][0], u[0][0]);
    CHECK_INT(cb.n, 1);
    CHECK_INT(gtbt_close(c), 0);
    gtbt_free(l);
    cap_free(&cb);
    t_done();
}

/* Events older than the backend accepts are dropped at replay. */
static void test_replay_drops_too_old(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128], path[1024], u1[37], u2[37], *l1, *l2, *text;
    mkdir(T_data, 0700);
    planted_uuid(u1, 11, 1);
    planted_uuid(u2, 11, 2);
    l1 = ev_line_t(u1, "too-old", gtbt__realtime_ns() - 2LL * 3600 * 1000000000LL);
    l2 = ev_line(u2, "fresh");
    text = (char *)malloc(strlen(l1) + strlen(l2) + 1);
    strcpy(text, l1);
    strcat(text, l2);
    spill_name(name, sizeof name, 1000, 4242, 0);
    pjoin(path, sizeof path, T_data, name);
    write_mode(path, text, strlen(text), 0600);
    cap_init(&cb, "rec");
    cb.rec.base.max_event_age_ms = 3600 * 1000;
    d.backend = &cb.rec.base;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 1);
    CHECK_INT(cap_count_name(&cb, "fresh"), 1);
    CHECK_INT(cap_count_name(&cb, "too-old"), 0);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(gtbt_close(c), 0);
    gtbt_free(l1); gtbt_free(l2); free(text);
    cap_free(&cb);
    t_done();
}

/* The back-off schedule: first failure nothing, then 30 s doubling up to 1 h; Retry-After
   capped at 24 h. (The back-off deadline is read from the collector; "expiry" is simulated by
   clearing it.) */
static void test_backoff_schedule(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    int64_t t0, t1;
    int i;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 10; i++) cb.rec.script[i] = GTBT_E_NETWORK;
    cb.rec.nscript = 10;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(c->bo_until_unix_ms, 0);
    t0 = gtbt__realtime_ns() / 1000000;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    t1 = gtbt__realtime_ns() / 1000000;
    CHECK_INT(cb.rec.sends, 2);
    CHECK(c->bo_until_unix_ms >= t0 + 30000 && c->bo_until_unix_ms <= t1 + 30000);
    c->bo_until_unix_ms = 0;
    t0 = gtbt__realtime_ns() / 1000000;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    t1 = gtbt__realtime_ns() / 1000000;
    CHECK(c->bo_until_unix_ms >= t0 + 60000 && c->bo_until_unix_ms <= t1 + 60000);
    c->bo_until_unix_ms = 0;
    c->bo_failures = 40;
    t0 = gtbt__realtime_ns() / 1000000;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    t1 = gtbt__realtime_ns() / 1000000;
    CHECK(c->bo_until_unix_ms >= t0 + 3600000 && c->bo_until_unix_ms <= t1 + 3600000);
    c->bo_until_unix_ms = 0;
    c->bo_failures = 0;
    cb.rec.script[cb.rec.sends] = GTBT_E_HTTP_RETRY;
    cb.rec.retry_after_ms = 48LL * 3600 * 1000;
    t0 = gtbt__realtime_ns() / 1000000;
    CHECK_INT(gtbt_flush(c), GTBT_E_HTTP_RETRY);
    t1 = gtbt__realtime_ns() / 1000000;
    CHECK(c->bo_until_unix_ms >= t0 + 24LL * 3600000 && c->bo_until_unix_ms <= t1 + 24LL * 3600000);
    CHECK_INT(cb.rec.sends, 5);
    gtbt__collector_free(c);
    cap_free(&cb);
    t_done();
}

/* Back-off is per backend: another backend (other info) on the same data dir is not held back. */
static void test_backoff_is_per_backend(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    c = new_cap(&d, &cb, "rec-a");
    cb.rec.script[0] = GTBT_E_HTTP_RETRY;
    cb.rec.nscript = 1;
    cb.rec.retry_after_ms = 60000;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "pb", NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_E_HTTP_RETRY);
    gtbt__collector_free(c);
    cap_free(&cb);
    c = new_cap(&d, &cb, "rec-b");
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cap_count_name(&cb, "pb"), 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* ==== the flush deadline ========================================================================== */
static void test_deadline_passed_to_send(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    int64_t t0;
    d.flush_timeout_ms = 3000;
    c = new_cap(&d, &cb, "rec");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "d0", NULL, 0);
    t0 = gtbt_now_ms();
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK(cb.rec.last_deadline >= t0 + 3000);
    CHECK(cb.rec.last_deadline <= cb.call_ms + 3000);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_deadline_stops_further_sends(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[128];
    int64_t t0;
    int i, rc;
    mkdir(T_data, 0700);
    for (i = 0; i < 3; i++) {
        spill_name(name, sizeof name, 1000 + i, 4242, 0);
        plant_events(T_data, name, 20 + i, 0, 1);
    }
    d.flush_timeout_ms = 50;
    c = new_cap(&d, &cb, "rec");
    cb.sleep_ms = 80;   /* ...and then acknowledges: a late success, so only the deadline can stop the replay */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "buffered", NULL, 0);
    t0 = gtbt_now_ms();
    rc = gtbt_flush(c);
    CHECK(rc != 0);
    CHECK_INT(cb.rec.sends, 1);
    CHECK_INT(cb.n, 1);
    CHECK_INT(cap_count_name(&cb, "p20-0"), 1);   /* the oldest file went first */
    CHECK(cb.rec.last_deadline >= t0 + 50);
    CHECK(cb.rec.last_deadline <= cb.call_ms + 50);
    CHECK_INT(n_ready(T_data), 3);   /* 2 planted files not sent + the buffered event, spilled */
    CHECK_INT(n_claims(T_data), 0);
    CHECK_INT(spilled_lines(T_data), 3);
    gtbt__collector_free(c);
    cap_free(&cb);
    t_done();
}

/* ==== drop and close ============================================================================== */
static void test_drop_discards_everything(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    int i;
    d.max_buffer = 3;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 5; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, "dropme", NULL, 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(gtbt_drop(c), 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    CHECK_INT(c->n, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.rec.sends, 0);
    cap_free(&cb);
    t_done();
}

static void test_close_returns_flush_result(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    int destroyed = 0;
    c = new_cap(&d, &cb, "rec");
    cb.rec.destroyed_out = &destroyed;
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "c0", NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_NETWORK);
    CHECK_INT(destroyed, 1);
    CHECK_INT(n_ready(T_data), 1);
    cap_free(&cb);
    c = new_cap(&d, &cb, "rec2");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "c1", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 2);
    cap_free(&cb);
    t_done();
}

/* ==== unusable data directories and a full disk ================================================== */
static void check_bounded_recent(cap_backend *cb, int total, int max_buffer) {
    char name[64];
    size_t i;
    int lowest = total;
    CHECK(cb->n >= 1);
    CHECK(cb->n <= (size_t)max_buffer);
    snprintf(name, sizeof name, "e%d", total - 1);
    CHECK_INT(cap_count_name(cb, name), 1);   /* the most recent event is kept */
    for (i = 0; i < cb->n; i++) {
        int k = atoi(cb->ev[i].name + 1);
        if (k < lowest) lowest = k;
    }
    CHECK_INT(lowest, total - (int)cb->n);   /* and the kept ones are the newest, contiguous */
    CHECK_INT(cap_distinct_uuids(cb), cb->n);
}

static void track_many(gtbt_collector *c, int n, int fail_each) {
    char name[64];
    int i;
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof name, "e%d", i);
        if (fail_each) gtbt__test_fail_write_after = 0;
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    gtbt__test_fail_write_after = -1;
}

static void test_data_dir_is_a_file(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    write_mode(T_data, "not a directory", 15, 0600);
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 10;
    c = new_cap(&d, &cb, "rec");
    CHECK(gtbt_enabled(c));
    CHECK_INT(LOGGED(lg, DATA_DIR_UNUSABLE), 1);
    track_many(c, 10000, 0);
    CHECK(c->n <= 10);
    CHECK_INT(t_tree_count(T_dir, "telemetry-spill"), 0);
    CHECK_INT(gtbt_flush(c), 0);
    check_bounded_recent(&cb, 10000, 10);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(t_tree_count(T_dir, "telemetry-spill"), 0);
    cap_free(&cb);
    t_done();
}

/* No fallback to a shared temp directory: nothing named telemetry-spill-* appears in /tmp or $TMPDIR. */
static void test_no_shared_tmp_fallback(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    int before = gt_count("/tmp", "telemetry-spill-", NULL) + gt_count("/tmp", ".telemetry-spill-", NULL);
    write_mode(T_data, "x", 1, 0600);
    d.max_buffer = 2;
    c = new_cap(&d, &cb, "rec");
    track_many(c, 20, 0);
    CHECK_INT(gt_count("/tmp", "telemetry-spill-", NULL) + gt_count("/tmp", ".telemetry-spill-", NULL), before);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

static void test_data_dir_world_writable(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    mkdir(T_data, 0700);
    chmod(T_data, 0777);
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 10;
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(LOGGED(lg, DATA_DIR_UNUSABLE), 1);
    track_many(c, 1000, 0);
    CHECK_INT(t_tree_count(T_dir, "telemetry-spill"), 0);
    CHECK(c->n <= 10);
    CHECK_INT(gtbt_flush(c), 0);
    check_bounded_recent(&cb, 1000, 10);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(t_tree_count(T_dir, "telemetry-spill"), 0);
    CHECK_INT(gt_count(T_data, "telemetry-", NULL), 0);   /* no back-off file either */
    CHECK_INT(file_mode(T_data), 0777);                    /* and the directory is not "fixed" behind our back */
    cap_free(&cb);
    t_done();
}

static void data_dir_in_read_only_dir(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    char ro[600], data[700];
    snprintf(ro, sizeof ro, "%s/ro", T_dir);
    snprintf(data, sizeof data, "%s/data", ro);
    mkdir(ro, 0500);
    d.data_dir = data;
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 10;
    c = new_cap(&d, &cb, "rec");
    CHECK_INT(LOGGED(lg, DATA_DIR_UNUSABLE), 1);
    track_many(c, 500, 0);
    CHECK(c->n <= 10);
    CHECK_INT(t_tree_count(T_dir, "telemetry-spill"), 0);
    CHECK_INT(gtbt_flush(c), 0);
    check_bounded_recent(&cb, 500, 10);
    CHECK_INT(gtbt_close(c), 0);
    chmod(ro, 0700);
    cap_free(&cb);
    t_done();
}

/* A data dir inside a directory we may not write to: as an unprivileged user (root ignores modes). */
static void test_data_dir_in_read_only_dir(void) { gt_unprivileged(data_dir_in_read_only_dir); }

/* Read-only data dir itself (it exists, is ours, but not writable). */
static void data_dir_read_only(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    mkdir(T_data, 0500);
    d.max_buffer = 10;
    c = new_cap(&d, &cb, "rec");
    track_many(c, 100, 0);
    CHECK(c->n <= 10);
    CHECK_INT(gtbt_flush(c), 0);
    check_bounded_recent(&cb, 100, 10);
    CHECK_INT(gtbt_close(c), 0);
    chmod(T_data, 0700);
    cap_free(&cb);
    t_done();
}

static void test_data_dir_read_only(void) { gt_unprivileged(data_dir_read_only); }

static void test_full_disk_injected(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    rec_log lg;
    gtbt_collector *c;
    memset(&lg, 0, sizeof lg);
    d.log_item = rec_log_item_fn; d.log_user = &lg; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 5;
    c = new_cap(&d, &cb, "rec");
    track_many(c, 50, 1);   /* every spill write fails */
    CHECK_INT(n_ready(T_data) + n_temps(T_data) + n_claims(T_data), 0);
    CHECK(c->n <= 5);
    CHECK(LOGGED(lg, SPILL_WRITE_FAILED) >= 1);
    CHECK_INT(gtbt_flush(c), 0);
    check_bounded_recent(&cb, 50, 5);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(n_ready(T_data) + n_temps(T_data), 0);
    cap_free(&cb);
    t_done();
}

/* One failed spill, then the disk has room again: later spills work and nothing is duplicated. */
static void test_full_disk_then_room(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    char name[64];
    int i;
    d.max_buffer = 5;
    c = new_cap(&d, &cb, "rec");
    gtbt__test_fail_write_after = 0;
    for (i = 0; i < 5; i++) { snprintf(name, sizeof name, "e%d", i); gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0); }
    CHECK_INT(n_ready(T_data) + n_temps(T_data), 0);
    CHECK(c->n <= 5);
    /* after a failed spill the disk is not tried again until the next flush (a full disk would
       otherwise cost every track a serialisation, a write and a log line): the buffer keeps the
       newest max_buffer - 1 */
    for (i = 5; i < 12; i++) { snprintf(name, sizeof name, "e%d", i); gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0); }
    CHECK_INT(n_ready(T_data) + n_temps(T_data), 0);
    /* the next flush tries the disk again: what it could not send is spilled */
    cb.rec.script[0] = GTBT_E_NETWORK;
    cb.rec.nscript = 1;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK(n_ready(T_data) >= 1);
    CHECK_INT(n_temps(T_data), 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cap_distinct_uuids(&cb), cb.n);
    CHECK(cb.n >= 4);
    for (i = 8; i < 12; i++) { snprintf(name, sizeof name, "e%d", i); CHECK_INT(cap_count_name(&cb, name), 1); }
    for (i = 0; i < 8; i++) { snprintf(name, sizeof name, "e%d", i); CHECK(cap_count_name(&cb, name) <= 1); }
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* A failed flush under a full disk: the undelivered events stay in memory (bounded), no file. */
static void test_full_disk_failed_flush_keeps_in_memory(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    d.max_buffer = 5;
    c = new_cap(&d, &cb, "rec");
    /* GTBT_E_IO: "try again later", but not a network failure, so no back-off file is written
       and the injected failure hits the spill write */
    cb.rec.script[0] = GTBT_E_IO;
    cb.rec.nscript = 1;
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "k0", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "k1", NULL, 0);
    gtbt__test_fail_write_after = 0;
    CHECK_INT(gtbt_flush(c), GTBT_E_IO);
    gtbt__test_fail_write_after = -1;
    CHECK_INT(n_ready(T_data) + n_temps(T_data), 0);
    CHECK_INT(c->n, 2);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cap_count_name(&cb, "k0"), 1);
    CHECK_INT(cap_count_name(&cb, "k1"), 1);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* RLIMIT_FSIZE: writes fail with EFBIG part-way through a spill file (SIGXFSZ ignored). */
static void test_full_disk_rlimit_fsize(void) {
    gtbt_desc d = t_setup();
    pid_t pid;
    int status = 0;
    mkdir(T_data, 0700);
    pid = fork();
    if (pid == 0) {
        cap_backend cb;
        gtbt_collector *c;
        struct rlimit rl;
        char name[64];
        int i, code = 0;
        signal(SIGXFSZ, SIG_IGN);
        rl.rlim_cur = rl.rlim_max = 2048;
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(20);
        d.max_buffer = 20;
        c = new_cap(&d, &cb, "rec");
        for (i = 0; i < 20; i++) {
            snprintf(name, sizeof name, "e%d", i);
            gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
        }
        if (n_ready(T_data) != 0) code = 11;
        else if (n_temps(T_data) != 0) code = 12;
        else if (c->n > 20) code = 13;
        cb.rec.script[0] = GTBT_E_NETWORK;   /* a failed flush: the batch cannot be spilled either */
        cb.rec.nscript = 1;
        if (!code && gtbt_flush(c) != GTBT_E_NETWORK) code = 14;
        if (!code && (n_ready(T_data) != 0 || n_temps(T_data) != 0)) code = 15;
        if (!code && (c->n < 1 || c->n > 20)) code = 16;
        if (!code && gtbt_flush(c) != 0) code = 17;
        if (!code && (cb.n < 1 || cap_count_name(&cb, "e19") != 1)) code = 18;
        gtbt_close(c);
        cap_free(&cb);
        exit(code);
    }
    CHECK(pid > 0);
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    if (WIFEXITED(status)) CHECK_INT(WEXITSTATUS(status), 0);
    else gt_fail(__FILE__, __LINE__, "child killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    CHECK_INT(n_ready(T_data) + n_temps(T_data) + n_claims(T_data), 0);
    t_done();
}

/* ==== threads (also under TSan: no fork here) ===================================================== */
typedef struct thr_arg { gtbt_collector *c; int id, count; } thr_arg;
static void *thr_track(void *p) {
    thr_arg *a = (thr_arg *)p;
    char name[64];
    int i;
    for (i = 0; i < a->count; i++) {
        snprintf(name, sizeof name, "t%d-%d", a->id, i);
        gtbt_track(a->c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    return NULL;
}

static int cap_all_names_once(const cap_backend *cb, int threads, int per) {
    char **v = (char **)malloc((cb->n + 1) * sizeof(char *));
    size_t i;
    int ok = cb->n == (size_t)(threads * per);
    for (i = 0; i < cb->n; i++) v[i] = cb->ev[i].name;
    qsort(v, cb->n, sizeof(char *), cmp_str);
    for (i = 1; ok && i < cb->n; i++) if (!strcmp(v[i], v[i - 1])) ok = 0;
    free(v);
    return ok;
}

/* 8 threads x 500 events with a data dir; max_buffer 500 keeps the 8 spill files under the cap of
   10 (with max_buffer 100 the cap would discard files by design; see the next test). */
static void test_thread_track_8x500(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    pthread_t th[8];
    thr_arg a[8];
    int i;
    d.max_buffer = 500;
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 8; i++) { a[i].c = c; a[i].id = i; a[i].count = 500; pthread_create(&th[i], NULL, thr_track, &a[i]); }
    for (i = 0; i < 8; i++) pthread_join(th[i], NULL);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(cb.n, 4000);
    CHECK_INT(cap_distinct_uuids(&cb), 4000);
    CHECK(cap_all_names_once(&cb, 8, 500));
    CHECK(cb.rec.sends <= 9);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    t_done();
}

/* 8 threads x 1500 events with max_buffer 500: 24 spills against a cap of 10,000 events. Every
   event is either delivered or discarded by the cap (and counted in its warning). */
typedef struct sum_log { pthread_mutex_t mu; long discarded; int warns; } sum_log;
static void sum_log_fn(void *user, gtbt_log_level level, gtbt_log_item item, const char *msg) {
    sum_log *s = (sum_log *)user;
    const char *p = strstr(msg, "discarded ");
    pthread_mutex_lock(&s->mu);
    if (level == GTBT_LOG_WARN) s->warns++;
    if (item == GTBT_LOGITEM_SPILL_CAP && p) s->discarded += strtol(p + 10, NULL, 10);
    pthread_mutex_unlock(&s->mu);
}

static void test_thread_track_spill_cap_accounting(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    pthread_t th[8];
    thr_arg a[8];
    sum_log sl;
    int i;
    memset(&sl, 0, sizeof sl);
    pthread_mutex_init(&sl.mu, NULL);
    d.log_item = sum_log_fn; d.log_user = &sl; d.log_level = GTBT_LOG_ALL;
    d.max_buffer = 500;
    d.flush_timeout_ms = 60000;   /* 10,000 events to replay, under TSan too */
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 8; i++) { a[i].c = c; a[i].id = i; a[i].count = 1500; pthread_create(&th[i], NULL, thr_track, &a[i]); }
    for (i = 0; i < 8; i++) pthread_join(th[i], NULL);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK(sl.discarded >= 1500 && sl.discarded <= 2000);   /* what was on disk beyond 10,000 (the last
                                                              buffer may still be in memory) */
    CHECK_INT((long)cb.n + sl.discarded, 12000);
    CHECK_INT(cap_distinct_uuids(&cb), cb.n);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    cap_free(&cb);
    pthread_mutex_destroy(&sl.mu);
    t_done();
}

typedef struct flush_arg { gtbt_collector *c; pthread_mutex_t *mu; int *stop; int flushes, errors; } flush_arg;
static void *thr_flush(void *p) {
    flush_arg *a = (flush_arg *)p;
    for (;;) {
        int stop;
        pthread_mutex_lock(a->mu);
        stop = *a->stop;
        pthread_mutex_unlock(a->mu);
        if (stop) break;
        if (gtbt_flush(a->c) != 0) a->errors++;
        a->flushes++;
        gtbt__sleep_ms(1);
    }
    return NULL;
}

static void test_thread_concurrent_flush_and_track(void) {
    gtbt_desc d = t_setup();
    cap_backend cb;
    gtbt_collector *c;
    pthread_t tt[4], tf[2];
    thr_arg a[4];
    flush_arg fa[2];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int stop = 0, i;
    d.max_buffer = 200;   /* 2000 events: at most 10 spill files even if no flush ran, so the cap never discards */
    c = new_cap(&d, &cb, "rec");
    for (i = 0; i < 2; i++) { fa[i].c = c; fa[i].mu = &mu; fa[i].stop = &stop; fa[i].flushes = fa[i].errors = 0; pthread_create(&tf[i], NULL, thr_flush, &fa[i]); }
    for (i = 0; i < 4; i++) { a[i].c = c; a[i].id = i; a[i].count = 500; pthread_create(&tt[i], NULL, thr_track, &a[i]); }
    for (i = 0; i < 4; i++) pthread_join(tt[i], NULL);
    pthread_mutex_lock(&mu);
    stop = 1;
    pthread_mutex_unlock(&mu);
    for (i = 0; i < 2; i++) pthread_join(tf[i], NULL);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(fa[0].errors + fa[1].errors, 0);
    CHECK_INT(cb.n, 2000);
    CHECK_INT(cap_distinct_uuids(&cb), 2000);
    CHECK(cap_all_names_once(&cb, 4, 500));
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(cb.n, 2000);
    cap_free(&cb);
    t_done();
}

static const gt_test tests[] = {
    {"disabled_inert", test_disabled_inert},
    {"disabled_drop", test_disabled_drop},
    {"disabled_default_dirs_untouched", test_disabled_default_dirs_untouched},
    {"ownership_every_path", test_ownership_every_path},
    {"local_only_beats_custom", test_local_only_beats_custom},
    {"info_custom_and_noop", test_info_custom_and_noop},
    {"debug_goes_to_stderr", test_debug_goes_to_stderr},
    {"track_stamps", test_track_stamps},
    {"track_copies_strings", test_track_copies_strings},
    {"track_metadata_merge_sorted", test_track_metadata_merge_sorted},
    {"track_redacts_values_not_keys", test_track_redacts_values_not_keys},
    {"track_repeated_key_in_extra", test_track_repeated_key_in_extra},
    {"new_repeated_key_in_metadata", test_new_repeated_key_in_metadata},
    {"track_limits_utf8", test_track_limits_utf8},
    {"track_limits_pairs_args", test_track_limits_pairs_args},
    {"track_null_safety", test_track_null_safety},
    {"track_extended_off", test_track_extended_off},
    {"track_extended_on", test_track_extended_on},
    {"track_bad_type", test_track_bad_type},
    {"spill_at_max_buffer", test_spill_at_max_buffer},
    {"flush_spill_files_first_oldest_first", test_flush_spill_files_first_oldest_first},
    {"replay_planted_in_name_order", test_replay_planted_in_name_order},
    {"spill_split_over_1mib", test_spill_split_over_1mib},
    {"spill_cap_prunes_oldest", test_spill_cap_prunes_oldest},
    {"spill_corrupt_lines_skipped", test_spill_corrupt_lines_skipped},
    {"spill_too_big_and_empty_removed", test_spill_too_big_and_empty_removed},
    {"leftover_temp_of_dead_process_removed", test_leftover_temp_of_dead_process_removed},
    {"claim_of_dead_process_recovered", test_claim_of_dead_process_recovered},
    {"claim_of_live_process_untouched", test_claim_of_live_process_untouched},
    {"at_least_once_redelivers_same_uuids", test_at_least_once_redelivers_same_uuids},
    {"at_least_once_next_collector", test_at_least_once_next_collector},
    {"permanent_rejection_dropped", test_permanent_rejection_dropped},
    {"permanent_rejection_of_spill_file", test_permanent_rejection_of_spill_file},
    {"at_most_once_drops_on_failure", test_at_most_once_drops_on_failure},
    {"at_most_once_spill_removed_before_send", test_at_most_once_spill_removed_before_send},
    {"backoff_retry_after_honoured_by_next_run", test_backoff_retry_after_honoured_by_next_run},
    {"backoff_single_failure_sets_none", test_backoff_single_failure_sets_none},
    {"backoff_two_failures_then_success_clears", test_backoff_two_failures_then_success_clears},
    {"claim_stale_of_live_process_recovered", test_claim_stale_of_live_process_recovered},
    {"spill_split_partial_failure_no_duplicates", test_spill_split_partial_failure_no_duplicates},
    {"spill_roundtrip_preserves_fields", test_spill_roundtrip_preserves_fields},
    {"spill_line_without_uuid_stable", test_spill_line_without_uuid_stable},
    {"replay_drops_too_old", test_replay_drops_too_old},
    {"backoff_schedule", test_backoff_schedule},
    {"backoff_is_per_backend", test_backoff_is_per_backend},
    {"deadline_passed_to_send", test_deadline_passed_to_send},
    {"deadline_stops_further_sends", test_deadline_stops_further_sends},
    {"drop_discards_everything", test_drop_discards_everything},
    {"close_returns_flush_result", test_close_returns_flush_result},
    {"data_dir_is_a_file", test_data_dir_is_a_file},
    {"no_shared_tmp_fallback", test_no_shared_tmp_fallback},
    {"data_dir_world_writable", test_data_dir_world_writable},
    {"data_dir_in_read_only_dir", test_data_dir_in_read_only_dir},
    {"data_dir_read_only", test_data_dir_read_only},
    {"full_disk_injected", test_full_disk_injected},
    {"full_disk_then_room", test_full_disk_then_room},
    {"full_disk_failed_flush_keeps_in_memory", test_full_disk_failed_flush_keeps_in_memory},
    {"full_disk_rlimit_fsize", test_full_disk_rlimit_fsize},
    {"thread_track_8x500", test_thread_track_8x500},
    {"thread_track_spill_cap_accounting", test_thread_track_spill_cap_accounting},
    {"thread_concurrent_flush_and_track", test_thread_concurrent_flush_and_track},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

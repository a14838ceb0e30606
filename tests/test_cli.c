/* test_cli.c - the end user's "telemetry" commands (gtbt_cli): help and usage errors, enable,
   disable (consent withdrawal: nothing sent afterwards), status (the resolved state, the rule that
   decided, machine id, backend, config file health, data dir, pending spilled events, back-off) and
   reset (local data cleared, the deletion request through the tool's requestor, the HTTP/event
   default, the email requestor with a fake opener, an honest report when nothing could be sent). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include <sys/wait.h>
#include <fcntl.h>

/* ---- fixture ---- */
typedef struct fx {
    char dir[256], cfg[512], data[512], conf[600];
    gtbt_desc d;
    rec_backend rb;
} fx;
static fx F;

static void fx_init(void) {
    env_clear();
    snprintf(F.dir, sizeof F.dir, "%s", gt_tmpdir());
    F.d = desc_in(F.dir, F.cfg, F.data, sizeof F.cfg);
    F.d.force_enabled = false;
    snprintf(F.conf, sizeof F.conf, "%s/telemetry.conf", F.cfg);
    rec_init(&F.rb, "rec (test)");
    F.d.backend = &F.rb.base;
}
static void rec_reset(void) {
    rec_free_json(&F.rb);
    rec_init(&F.rb, "rec (test)");
}
static void fx_done(void) {
    rec_free_json(&F.rb);
    gt_rmtree(F.dir);
    env_clear();
}
static int file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}
/* Runs gtbt_cli with one subcommand (NULL = no arguments); the output goes to *text (static). */
static int cli(gtbt_collector *c, const char *sub, char **text) {
    static char *buf = NULL;
    size_t len = 0;
    FILE *out;
    int rc;
    const char *argv[2];
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    argv[0] = sub;
    argv[1] = NULL;
    rc = gtbt_cli(c, sub ? 1 : 0, sub ? argv : NULL, out);
    fclose(out);
    *text = buf;
    return rc;
}
/* Like cli(), but returns what gtbt_cli wrote to stderr in *err (static) and checks that
   nothing went to out. */
static int cli_stderr(gtbt_collector *c, const char *sub, char **err) {
    static char *text = NULL;
    char path[600], *out;
    int save, fd, rc;
    snprintf(path, sizeof path, "%s/stderr.txt", F.dir);
    fflush(stderr);
    save = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    rc = cli(c, sub, &out);
    fflush(stderr);
    dup2(save, 2);
    close(save);
    CHECK_STR(out, "");
    free(text);
    text = gt_read(path);
    unlink(path);
    *err = text;
    return rc;
}
static void make_data_dir(void) { mkdir(F.data, 0700); }
/* Plants a spill file of n valid event lines; returns nothing. */
static int spill_seq = 0;
static void plant_spill(int n) {
    char path[900];
    gtbt__buf b;
    gtbt_event e;
    int i;
    make_data_dir();
    memset(&e, 0, sizeof e);
    memset(&b, 0, sizeof b);
    e.time_unix_ns = gtbt__realtime_ns();
    e.type = "command.invocation";
    e.machine_id = "0123456789abcdef";
    e.tool_name = "mytool";
    e.version = "1.2.3";
    e.os = "linux"; e.arch = "amd64"; e.os_version = "6.8.0"; e.runtime_version = "gcc 12.2.0";
    e.error = "";
    for (i = 0; i < n; i++) {
        char uuid[37], name[32];
        size_t len;
        char *j;
        snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", spill_seq * 1000 + i);
        snprintf(name, sizeof name, "planted-%d", i);
        e.uuid = uuid;
        e.name = name;
        e.duration_ms = i + 1;
        j = gtbt_events_json(&e, 1, &len);
        gtbt__buf_put(&b, j + 1, len - 2);   /* the object, without the array brackets */
        gtbt__buf_putc(&b, '\n');
        gtbt_free(j);
    }
    snprintf(path, sizeof path, "%s/telemetry-spill-%020lld-%d-%d.ndjson", F.data,
             (long long)gtbt__realtime_ns(), (int)getpid(), spill_seq++);
    gt_write(path, b.p);
    gtbt__buf_free(&b);
}
/* A spill file claimed by another process (being sent), of n lines. */
static void plant_claim(int n) {
    char path[1000], from[900], suffix[64];
    int before = spill_seq;
    DIR *d;
    struct dirent *de;
    plant_spill(n);
    snprintf(suffix, sizeof suffix, "-%d-%d.ndjson", (int)getpid(), before);
    d = opendir(F.data);
    while (d && (de = readdir(d)) != NULL) {
        size_t a = strlen(de->d_name), b = strlen(suffix);
        if (a > b && !strcmp(de->d_name + a - b, suffix)) {
            snprintf(from, sizeof from, "%s/%s", F.data, de->d_name);
            snprintf(path, sizeof path, "%s.sending-%d", from, (int)getpid());
            CHECK_INT(rename(from, path), 0);
            break;
        }
    }
    if (d) closedir(d);
}
static int spill_files(void) {
    int n = gt_count(F.data, "telemetry-spill-", NULL);
    return n < 0 ? 0 : n;
}
static int events_with_type(const char *type) {
    char *all = rec_all(&F.rb), pat[128];
    int n;
    snprintf(pat, sizeof pat, "\"type\":\"%s\"", type);
    n = gt_occurrences(all, pat);
    free(all);
    return n;
}
/* N of "Pending: N events waiting to be sent", or -1. */
static int pending_on_disk(const char *text) {
    const char *v = line_value(text, "Pending");
    if (!v || !strstr(v, " waiting to be sent") || v[0] < '0' || v[0] > '9') return -1;
    return atoi(v);
}
static int is_hex16(const char *s) {
    int i;
    if (!s || strlen(s) != 16) return 0;
    for (i = 0; i < 16; i++) if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Runs body in a child process, so that a crash (a sanitizer abort, a signal) fails the calling test
   instead of ending the whole binary. The fixture is set up before and removed after, here. */
static int g_enabled;   /* a parameter for the bodies below */
static void run_isolated(void (*body)(void), int line) {
    pid_t pid;
    int st = 0;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        gt_test_failed = 0;
        body();
        exit(gt_test_failed ? 3 : 0);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid) { gt_fail(__FILE__, line, "cannot run the child"); return; }
    if (WIFSIGNALED(st)) gt_fail(__FILE__, line, "child killed by signal %d", WTERMSIG(st));
    else if (WEXITSTATUS(st) == 3) gt_fail(__FILE__, line, "child reported failed checks (above)");
    else if (WEXITSTATUS(st) != 0) gt_fail(__FILE__, line, "child crashed: exit status %d (sanitizer report above)", WEXITSTATUS(st));
}

/* A deletion requestor that counts its calls. */
typedef struct count_del {
    gtbt_deletion base;
    int calls, destroyed, result;
    char last_id[64];
} count_del;
static int count_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    count_del *c = (count_del *)d;
    (void)deadline_ms;
    c->calls++;
    snprintf(c->last_id, sizeof c->last_id, "%s", machine_id ? machine_id : "(null)");
    return c->result;
}
static void count_destroy(gtbt_deletion *d) { ((count_del *)d)->destroyed++; }
static void count_init(count_del *c, int result) {
    memset(c, 0, sizeof *c);
    c->base.request = count_request;
    c->base.destroy = count_destroy;
    c->base.info = "count";
    c->result = result;
}

/* ---- help and usage errors ---- */
static void test_help(void) {
    gtbt_collector *c;
    char *out;
    static const char *const subs[] = {NULL, "help", "--help", "-h"};
    size_t i;
    fx_init();
    c = gtbt_new(&F.d);
    for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        CHECK_INT(cli(c, subs[i], &out), 0);
        CHECK_CONTAINS(out, "Manage opt-in pseudonymous usage analytics");
        CHECK_CONTAINS(out, "enable");
        CHECK_CONTAINS(out, "disable");
        CHECK_CONTAINS(out, "status");
        CHECK_CONTAINS(out, "reset");
        CHECK_CONTAINS(out, "Enable pseudonymous usage telemetry");
        CHECK_CONTAINS(out, "Clear local telemetry data and request remote deletion");
    }
    CHECK(!file_exists(F.conf));
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    fx_done();
}

static void test_unknown_subcommand(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    c = gtbt_new(&F.d);
    CHECK_INT(cli_stderr(c, "frobnicate", &out), 2);
    CHECK_CONTAINS(out, "frobnicate");
    CHECK_CONTAINS(out, "unknown");
    CHECK_INT(cli_stderr(c, "bad\x01name\x1b[2J\n", &out), 2);
    CHECK_CONTAINS(out, "bad?name?[2J?");
    CHECK_NOT_CONTAINS(out, "\x01");
    CHECK_NOT_CONTAINS(out, "\x1b");
    CHECK_INT(cli_stderr(c, "\xC3\xA9nable", &out), 2);
    CHECK_CONTAINS(out, "??nable");
    CHECK_INT(cli_stderr(c, "Enable", &out), 2);
    CHECK_INT(cli_stderr(c, "", &out), 2);
    CHECK(!file_exists(F.conf));
    gtbt_close(c);
    fx_done();
}

static void test_null_collector(void) {
    static const char *const subs[] = {NULL, "help", "enable", "disable", "status", "reset", "bogus"};
    size_t i;
    char *out;
    for (i = 0; i < sizeof subs / sizeof subs[0]; i++) CHECK_INT(cli(NULL, subs[i], &out), 1);
}

/* ---- enable ---- */
static void test_enable(void) {
    gtbt_collector *c;
    char *out, *conf;
    gtbt_consent k;
    fx_init();
    c = gtbt_new(&F.d);
    CHECK(!gtbt_enabled(c));
    CHECK_INT(cli(c, "enable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry enabled. Thank you for helping improve mytool!\n");
    CHECK_CONTAINS(out, "pseudonymous id");
    CHECK_NOT_CONTAINS(out, "No personally identifiable information");
    CHECK_NOT_CONTAINS(out, "stays off");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = true\n");
    free(conf);
    CHECK_INT(gtbt_consent_resolve(&F.d, &k), 0);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "config");
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    /* an env rule that keeps it off is mentioned */
    setenv("DO_NOT_TRACK", "1", 1);
    unlink(F.conf);
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "enable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry enabled. Thank you for helping improve mytool!\n");
    CHECK_CONTAINS(out, "stays off");
    CHECK_CONTAINS(out, "DO_NOT_TRACK");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = true\n");
    free(conf);
    gtbt_close(c);
    unsetenv("DO_NOT_TRACK");
    setenv("MYTOOL_TELEMETRY_ENABLED", "0", 1);
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "enable", &out), 0);
    CHECK_CONTAINS(out, "stays off");
    CHECK_CONTAINS(out, "MYTOOL_TELEMETRY_ENABLED");
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    fx_done();
}

/* ---- disable ---- */
static void test_disable(void) {
    gtbt_collector *c;
    char *out, *conf;
    fx_init();
    CHECK_INT(gtbt_consent_set(&F.d, true), 0);
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "before-1", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "before-2", NULL, 0);
    gtbt_track_command(c, "before-3", 10, 0, NULL, 0);
    plant_spill(3);
    plant_claim(2);
    CHECK_INT(spill_files(), 2);
    CHECK_INT(cli(c, "disable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry disabled.\n");
    CHECK_CONTAINS(out, "All pending events have been discarded.\n");
    CHECK_NOT_CONTAINS(out, "enforced");
    CHECK_INT(spill_files(), 0);
    CHECK(!gtbt_enabled(c));
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = false\n");
    free(conf);
    /* nothing is sent after a disable, not even the disable */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "after-1", NULL, 0);
    gtbt_track_command(c, "after-2", 5, 1, NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(F.rb.sends, 0);
    CHECK_INT(spill_files(), 0);
    /* status now tells the truth */
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "disabled");
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(F.rb.sends, 0);
    CHECK_INT(F.rb.events, 0);
    CHECK_INT(F.rb.destroyed, 1);
    CHECK_INT(spill_files(), 0);
    fx_done();
}

/* disable when telemetry was never on: still clears what an earlier run left on disk */
static void body_disable_when_disabled(void) {
    gtbt_collector *c;
    char *out, *conf;
    c = gtbt_new(&F.d);
    CHECK(!gtbt_enabled(c));
    plant_spill(2);
    CHECK_INT(cli(c, "disable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry disabled.\n");
    CHECK_CONTAINS(out, "All pending events have been discarded.\n");
    CHECK_INT(spill_files(), 0);
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = false\n");
    free(conf);
    CHECK_INT(gtbt_drop(c), 0);
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
}
static void test_disable_when_disabled(void) {
    fx_init();
    run_isolated(body_disable_when_disabled, __LINE__);
    fx_done();
}

/* enable/disable when the choice cannot be saved (the config dir is a file) */
static void test_enable_disable_unsaved(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    gt_write(F.cfg, "not a directory\n");
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "enable", &out), 1);
    CHECK_NOT_CONTAINS(out, "Telemetry enabled.");
    CHECK(!file_exists(F.conf));
    gtbt_close(c);
    setenv("TELEMETRY_ENABLED", "1", 1);
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(cli(c, "disable", &out), 1);
    CHECK_NOT_CONTAINS(out, "Telemetry disabled.");
    CHECK_CONTAINS(out, "All pending events have been discarded.");
    CHECK(!gtbt_enabled(c));                          /* off for this run all the same */
    CHECK(!file_exists(F.conf));
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    unlink(F.cfg);
    fx_done();
}

static void test_disable_env_still_on(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    setenv("TELEMETRY_ENABLED", "1", 1);
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(cli(c, "disable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry disabled.\n");
    CHECK_CONTAINS(out, "TELEMETRY_ENABLED");       /* the note: the variable still turns it on */
    CHECK(!gtbt_enabled(c));                        /* but this run stops now */
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    fx_done();
}

static void test_disable_forced(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    F.d.force_enabled = true;
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "kept-1", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "kept-2", NULL, 0);
    plant_spill(2);
    CHECK_INT(cli(c, "disable", &out), 0);
    CHECK_CONTAINS(out, "Telemetry is enforced by your organisation and cannot be disabled.\n");
    CHECK_NOT_CONTAINS(out, "Telemetry disabled.");
    CHECK_NOT_CONTAINS(out, "discarded");
    CHECK(gtbt_enabled(c));
    CHECK(!file_exists(F.conf));                    /* nothing written */
    CHECK_INT(spill_files(), 1);                    /* nothing discarded */
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(F.rb.events, 4);                      /* 2 spilled + 2 buffered, all delivered */
    CHECK_INT(spill_files(), 0);
    fx_done();
}

/* ---- status ---- */
static void test_status_default(void) {
    gtbt_collector *c;
    char *out, id[17], want[1024];
    fx_init();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "disabled");
    CHECK_CONTAINS(line_value(out, "Decided by"), "default");
    CHECK_INT(gtbt_machine_id("mytool", id), 0);
    CHECK_STR(line_value(out, "Machine ID"), id);
    CHECK(is_hex16(line_value(out, "Machine ID")));
    CHECK_CONTAINS(line_value(out, "Events go to"), "nowhere: telemetry is off");
    CHECK_CONTAINS(line_value(out, "Config file"), F.conf);
    CHECK_NOT_CONTAINS(out, "malformed");
    CHECK_CONTAINS(line_value(out, "Data dir"), F.data);
    CHECK_INT(pending_on_disk(out), 0);
    CHECK_STR(line_value(out, "Back-off"), "none");
    CHECK(!file_exists(F.conf));                    /* status writes nothing */
    CHECK(!file_exists(F.data));
    gtbt_close(c);
    /* DO_NOT_TRACK decided */
    setenv("DO_NOT_TRACK", "1", 1);
    gtbt_consent_set(&F.d, true);
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "disabled");
    CHECK_STR(line_value(out, "Decided by"), "the DO_NOT_TRACK environment variable");
    CHECK_CONTAINS(line_value(out, "Events go to"), "nowhere: telemetry is off");
    gtbt_close(c);
    /* the consent file decided */
    unsetenv("DO_NOT_TRACK");
    gtbt_consent_set(&F.d, false);
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "disabled");
    snprintf(want, sizeof want, "%s", F.conf);
    CHECK_CONTAINS(line_value(out, "Decided by"), want);
    CHECK_STR(line_value(out, "Config file"), F.conf);
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    fx_done();
}

static void test_status_enabled(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    setenv("MYTOOL_TELEMETRY_ENABLED", "1", 1);
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "enabled");
    CHECK_STR(line_value(out, "Decided by"), "the MYTOOL_TELEMETRY_ENABLED environment variable");
    CHECK_STR(line_value(out, "Machine ID"), gtbt_collector_machine_id(c));
    CHECK(is_hex16(line_value(out, "Machine ID")));
    CHECK_STR(line_value(out, "Events go to"), "the tool's own backend: rec (test)");
    CHECK_CONTAINS(line_value(out, "Data dir"), F.data);
    CHECK_STR(line_value(out, "Back-off"), "none");
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    setenv("TELEMETRY_ENABLED", "yes", 1);
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "enabled");
    CHECK_STR(line_value(out, "Decided by"), "the TELEMETRY_ENABLED environment variable");
    gtbt_close(c);
    unsetenv("TELEMETRY_ENABLED");
    /* forced */
    setenv("DO_NOT_TRACK", "1", 1);
    F.d.force_enabled = true;
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "enabled");
    CHECK_CONTAINS(line_value(out, "Decided by"), "organisation");
    gtbt_close(c);
    fx_done();
}

static void test_status_local_only(void) {
    gtbt_collector *c;
    char *out, want[1024];
    fx_init();
    gtbt_consent_set(&F.d, true);
    setenv("TELEMETRY_LOCAL", "1", 1);
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "enabled (local-only)");
    snprintf(want, sizeof want, "this machine only: %s/telemetry.log (local-only mode)", F.data);
    CHECK_STR(line_value(out, "Events go to"), want);
    CHECK_CONTAINS(line_value(out, "Decided by"), "telemetry.conf");
    /* local-only beats the custom backend: events go to the log, not to rec */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "local", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(F.rb.sends, 0);
    {
        char path[900], *log;
        snprintf(path, sizeof path, "%s/telemetry.log", F.data);
        log = gt_read(path);
        CHECK_CONTAINS(log, "\"name\":\"local\"");
        free(log);
    }
    fx_done();
}

static void test_status_malformed(void) {
    gtbt_collector *c;
    char *out, want[1024];
    fx_init();
    mkdir(F.cfg, 0700);
    gt_write(F.conf, "# fine\nenabled = true\nwhat is this\n");
    c = gtbt_new(&F.d);
    CHECK(!gtbt_enabled(c));                          /* a malformed file is "not set" */
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Telemetry"), "disabled");
    snprintf(want, sizeof want, "%s (malformed at line 3: treated as not set)", F.conf);
    CHECK_STR(line_value(out, "Config file"), want);
    gtbt_close(c);
    gt_write(F.conf, "enabled = perhaps\n");
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    snprintf(want, sizeof want, "%s (malformed at line 1: treated as not set)", F.conf);
    CHECK_STR(line_value(out, "Config file"), want);
    /* enable repairs it */
    CHECK_INT(cli(c, "enable", &out), 0);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_STR(line_value(out, "Config file"), F.conf);
    CHECK_NOT_CONTAINS(out, "malformed");
    gtbt_close(c);
    fx_done();
}

static void test_status_pending(void) {
    gtbt_collector *c;
    char *out;
    fx_init();
    plant_spill(3);
    plant_spill(2);
    plant_spill(1);
    /* files that are not ready spill files do not count */
    {
        char path[900];
        snprintf(path, sizeof path, "%s/unrelated.ndjson", F.data);
        gt_write(path, "{}\n{}\n");
        snprintf(path, sizeof path, "%s/.telemetry-spill-00000000000000000001-%d-0.ndjson.tmp", F.data, (int)getpid());
        gt_write(path, "{}\n{}\n{}\n{}\n");
    }
    c = gtbt_new(&F.d);                               /* disabled: status still reports the disk */
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_INT(pending_on_disk(out), 6);
    CHECK_STR(line_value(out, "Back-off"), "none");
    gtbt_close(c);
    CHECK_INT(spill_files(), 3);                      /* a disabled collector touches nothing */
    /* enabled, with events in memory too */
    setenv("TELEMETRY_ENABLED", "1", 1);
    c = gtbt_new(&F.d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "mem", NULL, 0);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_INT(pending_on_disk(out), 7);               /* 6 on disk, 1 in memory */
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(F.rb.events, 7);
    CHECK_INT(spill_files(), 0);
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "status", &out), 0);
    CHECK_INT(pending_on_disk(out), 0);
    gtbt_close(c);
    fx_done();
}

/* ---- reset ---- */
static void test_reset_custom_deletion(void) {
    gtbt_collector *c;
    count_del del;
    char *out, *conf, logpath[900], id[17], want[200];
    fx_init();
    count_init(&del, GTBT_OK);
    F.d.deletion = &del.base;
    gtbt_consent_set(&F.d, true);
    c = gtbt_new(&F.d);
    CHECK(gtbt_enabled(c));
    snprintf(id, sizeof id, "%s", gtbt_collector_machine_id(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "buffered-1", NULL, 0);
    gtbt_track_command(c, "buffered-2", 3, 0, NULL, 0);
    plant_spill(2);
    plant_claim(1);
    snprintf(logpath, sizeof logpath, "%s/telemetry.log", F.data);
    gt_write(logpath, "{\"old\":\"local log\"}\n");
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(del.calls, 1);
    CHECK_STR(del.last_id, id);
    snprintf(want, sizeof want, "Deletion request sent for machine ID: %s\n", id);
    CHECK_CONTAINS(out, want);
    CHECK_CONTAINS(out, "Local telemetry data cleared. Telemetry disabled.\n");
    CHECK_NOT_CONTAINS(out, "could not");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = false\n");
    free(conf);
    CHECK_INT(spill_files(), 0);
    CHECK(!file_exists(logpath));
    CHECK(!gtbt_enabled(c));
    /* no event reaches the backend after the reset: not the buffered ones, not new ones */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "after", NULL, 0);
    CHECK_INT(gtbt_flush(c), 0);
    CHECK_INT(F.rb.sends, 0);
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    CHECK_INT(del.calls, 1);
    CHECK_INT(del.destroyed, 1);
    CHECK_INT(spill_files(), 0);
    fx_done();
}

static void test_reset_failing_requestor(void) {
    gtbt_collector *c;
    count_del del;
    char *out, *conf;
    fx_init();
    count_init(&del, GTBT_E_NETWORK);
    F.d.deletion = &del.base;
    F.d.support_message = "write to privacy@example.com";
    gtbt_consent_set(&F.d, true);
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(del.calls, 1);
    CHECK_CONTAINS(out, "Deletion request could not be sent: ");
    CHECK_CONTAINS(out, "For manual deletion: write to privacy@example.com\n");
    CHECK_NOT_CONTAINS(out, "Deletion request sent");
    CHECK_CONTAINS(out, "Local telemetry data cleared. Telemetry disabled.\n");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = false\n");
    free(conf);
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 0);
    CHECK_INT(del.destroyed, 1);
    fx_done();
}

static void body_reset_no_requestor(void) {
    gtbt_collector *c;
    char *out;
    F.d.backend = NULL;                               /* no network backend, no endpoint */
    if (g_enabled) gtbt_consent_set(&F.d, true);
    c = gtbt_new(&F.d);
    CHECK_INT(gtbt_enabled(c), g_enabled);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_CONTAINS(out, "No deletion request was sent");
    CHECK_NOT_CONTAINS(out, "sent for machine ID");
    CHECK_CONTAINS(out, "Local telemetry data cleared. Telemetry disabled.\n");
    gtbt_close(c);
}
static void test_reset_no_requestor(void) {
    for (g_enabled = 0; g_enabled < 2; g_enabled++) {
        fx_init();
        run_isolated(body_reset_no_requestor, __LINE__);
        fx_done();
    }
}

static void body_reset_event_requestor(void) {
    gtbt_collector *c;
    char *out, id[17], want[200];
    if (g_enabled) gtbt_consent_set(&F.d, true);
    c = gtbt_new(&F.d);
    CHECK_INT(gtbt_enabled(c), g_enabled);
    CHECK_INT(gtbt_machine_id("mytool", id), 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "buffered", NULL, 0);
    plant_spill(2);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(F.rb.sends, 1);
    CHECK_INT(F.rb.batch[0], 1);
    CHECK_CONTAINS(F.rb.json[0], "\"type\":\"data.deletion_request\"");
    CHECK_CONTAINS(F.rb.json[0], "\"name\":\"deletion_request\"");
    snprintf(want, sizeof want, "\"machine_id\":\"%s\"", id);
    CHECK_CONTAINS(F.rb.json[0], want);
    snprintf(want, sizeof want, "A deletion-request event for machine ID %s was delivered to rec (test).\n", id);
    CHECK_CONTAINS(out, want);
    CHECK_CONTAINS(out, "the owner of that service must act on it");
    CHECK_CONTAINS(F.rb.json[0], "\"tool_name\":\"mytool\"");   /* who asks, from which build */
    CHECK_CONTAINS(F.rb.json[0], "\"version\":\"1.2.3\"");
    CHECK_NOT_CONTAINS(F.rb.json[0], "\"os\":\"\"");
    CHECK_NOT_CONTAINS(F.rb.json[0], "\"arch\":\"\"");
    CHECK_CONTAINS(out, "Local telemetry data cleared. Telemetry disabled.\n");
    CHECK_INT(spill_files(), 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "after", NULL, 0);
    gtbt_close(c);
    CHECK_INT(F.rb.sends, 1);                         /* only the deletion request */
    CHECK_INT(F.rb.events, 1);
    CHECK_INT(events_with_type("feature.used"), 0);
    CHECK_INT(F.rb.destroyed, 1);
    rec_free_json(&F.rb);
}
static void test_reset_event_requestor(void) {
    for (g_enabled = 0; g_enabled < 2; g_enabled++) {
        fx_init();
        run_isolated(body_reset_event_requestor, __LINE__);
        fx_done();
    }
}

static void body_reset_event_requestor_fails(void) {
    gtbt_collector *c;
    char *out;
    F.rb.script[0] = GTBT_E_HTTP_REJECT;
    F.rb.nscript = 1;
    F.d.support_message = "see https://example.com/privacy";
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(F.rb.sends, 1);
    CHECK_CONTAINS(out, "The deletion-request event could not be delivered to rec (test): server rejected the events permanently.\n");
    CHECK_CONTAINS(out, "For manual deletion: see https://example.com/privacy\n");
    CHECK_NOT_CONTAINS(out, "sent for machine ID");
    gtbt_close(c);
    rec_free_json(&F.rb);
}
static void test_reset_event_requestor_fails(void) {
    fx_init();
    run_isolated(body_reset_event_requestor_fails, __LINE__);
    fx_done();
}

static void test_reset_forced(void) {
    gtbt_collector *c;
    count_del del;
    char *out;
    fx_init();
    count_init(&del, GTBT_OK);
    F.d.deletion = &del.base;
    F.d.force_enabled = true;
    c = gtbt_new(&F.d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "buffered", NULL, 0);
    plant_spill(1);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(del.calls, 1);
    CHECK_CONTAINS(out, "Deletion request sent for machine ID: ");
    CHECK_CONTAINS(out, "Telemetry remains enabled per organisation policy.\n");
    CHECK_NOT_CONTAINS(out, "Telemetry disabled.");
    CHECK(gtbt_enabled(c));
    CHECK(!file_exists(F.conf));                      /* "disabled" is not saved */
    CHECK_INT(spill_files(), 0);                      /* local data cleared all the same */
    gtbt_close(c);
    CHECK_INT(events_with_type("feature.used"), 0);   /* the buffered event was discarded */
    CHECK_INT(del.destroyed, 1);
    fx_done();
}

/* ---- the email requestor with a fake opener first in PATH ---- */
static void write_opener(const char *bindir, const char *outfile, int exit_code) {
    char path[900], script[1200];
    mkdir(bindir, 0700);
    snprintf(path, sizeof path, "%s/xdg-open", bindir);
    snprintf(script, sizeof script, "#!/bin/sh\nprintf '%%s' \"$1\" > '%s'\nexit %d\n", outfile, exit_code);
    gt_write(path, script);
    chmod(path, 0755);
    snprintf(path, sizeof path, "%s/open", bindir);   /* the macOS opener, same script */
    gt_write(path, script);
    chmod(path, 0755);
}

static void body_reset_email(void) {
    gtbt_collector *c;
    char *out, *got, bindir[600], outfile[600], newpath[8192], id[17], url[1024], want[200];
    const char *oldpath = getenv("PATH");
    char *saved = oldpath ? strdup(oldpath) : NULL;
    snprintf(bindir, sizeof bindir, "%s/bin", F.dir);
    snprintf(outfile, sizeof outfile, "%s/opened-url", F.dir);
    write_opener(bindir, outfile, 0);
    snprintf(newpath, sizeof newpath, "%s:%s", bindir, saved ? saved : "/usr/bin:/bin");
    setenv("PATH", newpath, 1);
    F.d.deletion = gtbt_email_deletion("privacy@example.com", "mytool");
    CHECK(F.d.deletion != NULL);
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK_INT(gtbt_machine_id("mytool", id), 0);
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "mytool", id, url, sizeof url), 0);
    got = gt_read(outfile);
    CHECK_STR(got, url);
    free(got);
    snprintf(want, sizeof want, "An e-mail asking to delete machine ID %s was prepared in your mail program", id);
    CHECK_CONTAINS(out, want);
    CHECK_CONTAINS(out, "send it to complete the request");
    CHECK_INT(F.rb.sends, 0);                         /* the tool's requestor, not the event one */
    gtbt_close(c);
    /* an opener that fails */
    unlink(outfile);
    write_opener(bindir, outfile, 1);
    F.d.deletion = gtbt_email_deletion("privacy@example.com", "mytool");
    F.d.support_message = "mail privacy@example.com";
    rec_reset();
    c = gtbt_new(&F.d);
    CHECK_INT(cli(c, "reset", &out), 0);
    CHECK(file_exists(outfile));                      /* it was run */
    CHECK_CONTAINS(out, "The deletion e-mail could not be prepared");
    CHECK_CONTAINS(out, "For manual deletion: mail privacy@example.com\n");
    CHECK_NOT_CONTAINS(out, "sent for machine ID");
    gtbt_close(c);
    if (saved) setenv("PATH", saved, 1); else unsetenv("PATH");
    free(saved);
    rec_free_json(&F.rb);
}
static void test_reset_email(void) {
    fx_init();
    run_isolated(body_reset_email, __LINE__);
    fx_done();
}


static const gt_test tests[] = {
    {"help", test_help},
    {"unknown_subcommand", test_unknown_subcommand},
    {"null_collector", test_null_collector},
    {"enable", test_enable},
    {"disable", test_disable},
    {"disable_when_disabled", test_disable_when_disabled},
    {"enable_disable_unsaved", test_enable_disable_unsaved},
    {"disable_env_still_on", test_disable_env_still_on},
    {"disable_forced", test_disable_forced},
    {"status_default", test_status_default},
    {"status_enabled", test_status_enabled},
    {"status_local_only", test_status_local_only},
    {"status_malformed", test_status_malformed},
    {"status_pending", test_status_pending},
    {"reset_custom_deletion", test_reset_custom_deletion},
    {"reset_failing_requestor", test_reset_failing_requestor},
    {"reset_no_requestor", test_reset_no_requestor},
    {"reset_event_requestor", test_reset_event_requestor},
    {"reset_event_requestor_fails", test_reset_event_requestor_fails},
    {"reset_forced", test_reset_forced},
    {"reset_email", test_reset_email},
};
int main(int argc, char **argv) { env_clear(); return GT_RUN(tests, argc, argv); }

/* test_hardening.c - defects an adversarial audit found, each with a test that failed before its
   fix: every 5xx is retried (HTTP; OTLP keeps its specification's list); a full disk stops the
   spill attempts until the next flush; an over-long $XDG_STATE_HOME is refused, never cut; events
   that cannot be kept are never dropped at close without a word. Loopback only (tools/gtbt-sink,
   ephemeral ports); every wait is bounded. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"
#include <sys/time.h>
#include <sys/file.h>

static gtbt_desc t_setup(void) {
    env_clear();
    unsetenv("XDG_STATE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    return fixture_desc(1);
}
static void t_done(void) { fixture_done(); }

/* ---- every 5xx is retryable: the events stay on disk and the next run delivers them ---- */
static void five_xx(int status) {
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    gtbt_collector *c;
    char url[128], arg[16];
    const char *args[] = { "--fail-first", "1", "--status", arg, NULL };
    snprintf(arg, sizeof arg, "%d", status);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(!"sink started"); t_done(); return; }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/collect", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "kept", NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    CHECK_INT(n_ready(T_data), 1);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(n_ready(T_data), 0);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 2);
    CHECK_INT(req_status(&l, 0), status);
    CHECK_INT(req_status(&l, 1), 200);
    CHECK_INT(jlen(l.body[1]), 1);
    CHECK(!strstr(L.text, "dropped, not retried"));
    sinklog_free(&l);
    t_done();
}
static void test_5xx_retried(void) {
    static const int codes[] = { 501, 505, 507, 511, 520, 524, 599 };
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) five_xx(codes[i]);
    for (i = 500; i <= 599; i++) {
        CHECK_INT(gtbt__http_classify((int)i, 0), GTBT_E_HTTP_RETRY);
        CHECK_INT(gtbt__http_classify((int)i, 1), (i == 502 || i == 503 || i == 504) ? GTBT_E_HTTP_RETRY : GTBT_E_HTTP_REJECT);
    }
}

/* ---- a full disk: one failed spill attempt, then none until the next flush ---- */
static void test_full_disk_stops_spilling(void) {
    gtbt_desc d = t_setup();
    rec_backend rb;
    gtbt_collector *c;
    int i, warns;
    rec_init(&rb, "rec");
    d.backend = &rb.base;
    d.max_buffer = 10;
    c = gtbt_new(&d);
    gtbt__test_fail_writes = 1;
    for (i = 0; i < 300; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);
    warns = LOGGED(L, SPILL_WRITE_FAILED);
    CHECK_INT(warns, 1);                                  /* before the fix: 291, one per track once full */
    CHECK_INT(LOGGED(L, BUFFER_FULL), 1);
    CHECK_INT(n_ready(T_data), 0);
    /* the next flush tries the disk again */
    rb.nscript = 1;
    rb.script[0] = GTBT_E_NETWORK;
    CHECK_INT(gtbt_flush(c), GTBT_E_NETWORK);
    CHECK_INT(LOGGED(L, SPILL_WRITE_FAILED), 2);
    gtbt__test_fail_writes = 0;
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(rb.events, 9);                               /* the buffer kept max_buffer - 1 */
    gtbt_close(c);
    rec_free_json(&rb);
    t_done();
}

/* ---- over-long XDG_CONFIG_HOME and XDG_STATE_HOME: one warning each, saying which and what to set ---- */
static void test_long_dirs_texts(void) {
    gtbt_desc d = t_setup();
    char *x = (char *)malloc(GTBT__MAX_PATH + 600), want[400];
    size_t n;
    gtbt_collector *c;
    n = (size_t)snprintf(x, 600, "%s/x", T_dir);
    while (n < GTBT__MAX_PATH + 500) { memcpy(x + n, "/aaaaaaa", 8); n += 8; }
    x[n] = 0;
    setenv("XDG_STATE_HOME", x, 1);
    setenv("XDG_CONFIG_HOME", x, 1);
    d.data_dir = NULL;
    d.config_dir = NULL;
    c = gtbt_new(&d);
    snprintf(want, sizeof want, "telemetry: the config directory path is too long (XDG_CONFIG_HOME or HOME; at most %d bytes); "
             "not used (set gtbt_desc.config_dir)\n", GTBT__MAX_PATH - GTBT__DIR_NAME_ROOM - 1);
    CHECK_CONTAINS(L.text, want);
    snprintf(want, sizeof want, "telemetry: the data directory path is too long (XDG_STATE_HOME or HOME; at most %d bytes); "
             "not used, events will not be spilled to disk (set gtbt_desc.data_dir)\n", GTBT__MAX_PATH - GTBT__DIR_NAME_ROOM - 1);
    CHECK_CONTAINS(L.text, want);
    CHECK_INT(LOGGED(L, DIR_PATH_TOO_LONG), 2);
    gtbt_close(c);
    unsetenv("XDG_STATE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    free(x);
    t_done();
}

/* ---- an over-long XDG_STATE_HOME is refused with a warning, never cut and created ---- */
static void test_long_xdg_refused(void) {
    gtbt_desc d = t_setup();
    char *x = (char *)malloc(GTBT__MAX_PATH + 600), probe[600];
    size_t n;
    struct stat st;
    gtbt_collector *c;
    n = (size_t)snprintf(x, 600, "%s/x", T_dir);
    while (n < GTBT__MAX_PATH + 500) { memcpy(x + n, "/aaaaaaa", 8); n += 8; }
    x[n] = 0;
    setenv("XDG_STATE_HOME", x, 1);
    d.data_dir = NULL;
    c = gtbt_new(&d);
    snprintf(probe, sizeof probe, "%s/x", T_dir);
    CHECK(stat(probe, &st) != 0);                          /* nothing of the cut path was created */
    CHECK_CONTAINS(L.text, "data directory path is too long (XDG_STATE_HOME");
    CHECK_INT(LOGGED(L, DIR_PATH_TOO_LONG), 1);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);
    gtbt_close(c);
    CHECK(stat(probe, &st) != 0);
    /* a path that fits with room for the file names is used */
    unsetenv("XDG_STATE_HOME");
    x[strlen(T_dir) + 2 + 8 * 200] = 0;
    setenv("XDG_STATE_HOME", x, 1);
    memset(&L, 0, sizeof L);
    d.max_buffer = 2;
    c = gtbt_new(&d);
    CHECK(!strstr(L.text, "too long"));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);   /* a spill: the directory is made */
    gtbt_close(c);
    CHECK_INT(LOGGED(L, DATA_DIR_UNUSABLE), 0);
    CHECK(stat(probe, &st) == 0);
    unsetenv("XDG_STATE_HOME");
    free(x);
    t_done();
}

/* ---- no data dir and a failed send: close says what it drops ---- */
static void test_close_logs_dropped(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/collect", closed_port());
    d.endpoint = url;
    d.data_dir = "/dev/null/telemetry";                     /* unusable */
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "b", NULL, 0);
    CHECK(gtbt_close(c) != GTBT_OK);
    CHECK_CONTAINS(L.text, "WARN CLOSE_DROPPED telemetry: 2 undelivered event(s) dropped at close: no usable data directory");
    CHECK_INT(LOGGED(L, CLOSE_DROPPED), 1);
    t_done();
}

/* ---- secrets in endpoint URLs: status, debug and warn lines show scheme, host, port, path ---- */
static void test_url_secrets_never_printed(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    gtbt_http_desc hd;
    gtbt_otlp_desc od;
    gtbt_datadog_desc dd;
    gtbt_backend *b;
    char url[256], want[256], *status;
    const char *argv[] = { "status" };
    FILE *f;
    int port = closed_port();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x/y?api_key=SECRETQ1&b=2#FRAGQ2", port);
    snprintf(want, sizeof want, "http (http://127.0.0.1:%d/x/y)", port);
    d.endpoint = url;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), want);
    f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        long n;
        gtbt_cli(c, 1, argv, f);
        n = ftell(f);
        rewind(f);
        status = (char *)calloc(1, (size_t)n + 1);
        if (status && fread(status, 1, (size_t)n, f) == (size_t)n) {
            CHECK_CONTAINS(status, want + 6);                /* the URL, without the query */
            CHECK_NOT_CONTAINS(status, "SECRETQ1");
            CHECK_NOT_CONTAINS(status, "FRAGQ2");
        }
        free(status);
        fclose(f);
    }
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);
    CHECK(gtbt_close(c) != GTBT_OK);                         /* the send failed and was logged */
    CHECK(LOGGED(L, POST_FAILED) >= 1);
    /* refused URLs with credentials */
    memset(&hd, 0, sizeof hd);
    hd.endpoint = "http://admin:PASSWD9@127.0.0.1/x?token=TOKQ3";
    hd.net = net_logged();
    b = gtbt_http_backend(&hd);
    CHECK(b == NULL);
    CHECK_CONTAINS(L.text, "\"http://127.0.0.1/x\"");
    memset(&od, 0, sizeof od);
    od.endpoint = "http://u:PASSWD8@127.0.0.1:4318/v1/traces?k=TOKQ4";
    od.net = net_logged();
    b = gtbt_otlp_backend(&od);
    gtbt_backend_destroy(b);
    memset(&dd, 0, sizeof dd);
    dd.api_key = "k";
    dd.endpoint = "http://127.0.0.1:1/v1/input?dd-api-key=KEYQ7";
    dd.net = net_logged();
    b = gtbt_datadog_backend(&dd);
    CHECK(b != NULL);
    if (b) { CHECK_STR(b->info, "datadog (http://127.0.0.1:1/v1/input)"); gtbt_backend_destroy(b); }
    CHECK_NOT_CONTAINS(L.text, "SECRETQ1");
    CHECK_NOT_CONTAINS(L.text, "FRAGQ2");
    CHECK_NOT_CONTAINS(L.text, "PASSWD9");
    CHECK_NOT_CONTAINS(L.text, "PASSWD8");
    CHECK_NOT_CONTAINS(L.text, "TOKQ3");
    CHECK_NOT_CONTAINS(L.text, "TOKQ4");
    CHECK_NOT_CONTAINS(L.text, "KEYQ7");
    t_done();
}

/* ---- control characters in desc.version or an API key never make requests invalid, and an
   older run's spill file cannot poison a batch ---- */
static void test_control_characters(void) {
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    gtbt_collector *c;
    gtbt_datadog_desc dd;
    gtbt_backend *b;
    gtbt_event ev;
    char url[128], path[1024], *line, *v;
    const char *ua;
    int k;
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); t_done(); return; }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/collect", s.port);
    d.endpoint = url;
    /* an older run (before the fix) left an event whose version ends in a newline */
    line = ev_line("aaaaaaaa-0000-4000-8000-000000000001", "old");
    v = strstr(line, "\"version\":\"1.2.3\"");
    CHECK(v != NULL);
    if (v) {
        char *fixed = (char *)malloc(strlen(line) + 8);
        size_t at = (size_t)(v - line) + strlen("\"version\":\"1.2.3");
        memcpy(fixed, line, at);
        strcpy(fixed + at, "\\n\\r");
        strcat(fixed, line + at);
        gtbt__mkdir_private(T_data);
        pjoin(path, sizeof path, T_data, "telemetry-spill-00000000000000000001-1-0.ndjson");
        write_mode(path, fixed, strlen(fixed), 0600);
        free(fixed);
    }
    free(line);
    d.version = "1.2.3\n";                                  /* read from a file */
    c = gtbt_new(&d);
    CHECK_INT(LOGGED(L, VERSION_CLEANED), 1);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "new", NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(n_ready(T_data), 0);
    /* a Datadog key with a trailing newline is trimmed; one with a control character inside is refused */
    memset(&dd, 0, sizeof dd);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/input", s.port);
    dd.endpoint = url;
    dd.api_key = "dd0123456789\r\n";
    dd.net = net_logged();
    b = gtbt_datadog_backend(&dd);
    CHECK(b != NULL);
    memset(&ev, 0, sizeof ev);
    ev.uuid = "aaaaaaaa-0000-4000-8000-000000000002"; ev.type = "feature.used"; ev.name = "dd";
    ev.machine_id = "0123456789abcdef"; ev.tool_name = "mytool"; ev.version = "9\n"; ev.os = "linux"; ev.arch = "amd64";
    ev.os_version = ""; ev.runtime_version = ""; ev.error = ""; ev.time_unix_ns = gtbt__realtime_ns();
    if (b) { CHECK_INT(b->send(b, &ev, 1, gtbt_now_ms() + 5000), GTBT_OK); gtbt_backend_destroy(b); }
    dd.api_key = "dd01\n23456789";
    CHECK(gtbt_datadog_backend(&dd) == NULL);
    CHECK_INT(LOGGED(L, KEY_INVALID), 1);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 3);                                      /* the spill file, the buffer, Datadog */
    for (k = 0; k < 3; k++) { CHECK(req_valid(&l, k)); CHECK_INT(req_status(&l, k), 200); }
    CHECK_INT(jlen(l.body[0]), 1);                          /* the planted event */
    ua = req_header(&l, 0, "user-agent");
    CHECK(ua && strstr(ua, "(mytool/1.2.3") != NULL);
    ua = req_header(&l, 1, "user-agent");
    CHECK(ua && strstr(ua, "(mytool/1.2.3)") != NULL);
    CHECK_STR(req_header(&l, 2, "dd-api-key"), "dd0123456789");
    sinklog_free(&l);
    t_done();
}

/* ---- spill files beyond the first 1024 directory entries are sent; back-off leftovers go ---- */
static void test_spill_list_many_entries(void) {
    gtbt_desc d = t_setup();
    rec_backend rb;
    gtbt_collector *c;
    char path[1024], name[128];
    int i;
    struct stat st;
    struct timeval old[2];
    gtbt__mkdir_private(T_data);
    for (i = 0; i < 30; i++) {                             /* 30 spill files of one event each */
        snprintf(name, sizeof name, "telemetry-spill-%020d-1-%d.ndjson", 1000 + i, i);
        plant_events(T_data, name, 7, i, 1);
    }
    for (i = 0; i < 3000; i++) {                           /* and many other files */
        snprintf(name, sizeof name, "zz-other-file-%04d", i);
        pjoin(path, sizeof path, T_data, name);
        write_mode(path, "x", 1, 0600);
    }
    /* back-off leftovers: a temp file of a killed process, another endpoint's expired file */
    pjoin(path, sizeof path, T_data, "telemetry-backoff-0123456789abcdef.tmp-2147483646");
    write_mode(path, "until=1 failures=1\n", 19, 0600);
    pjoin(path, sizeof path, T_data, "telemetry-backoff-fedcba9876543210");
    write_mode(path, "until=1 failures=1\n", 19, 0600);
    old[0].tv_sec = old[1].tv_sec = time(NULL) - 3 * 24 * 3600;
    old[0].tv_usec = old[1].tv_usec = 0;
    utimes(path, old);
    pjoin(path, sizeof path, T_data, "telemetry-backoff-00112233445566ff");   /* recent: kept */
    write_mode(path, "until=1 failures=1\n", 19, 0600);
    rec_init(&rb, "rec");
    d.backend = &rb.base;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(rb.events, 30);                              /* before the fix: only those listed in the first 1024 entries */
    CHECK_INT(n_ready(T_data), 0);
    pjoin(path, sizeof path, T_data, "telemetry-backoff-0123456789abcdef.tmp-2147483646");
    CHECK(stat(path, &st) != 0);
    pjoin(path, sizeof path, T_data, "telemetry-backoff-fedcba9876543210");
    CHECK(stat(path, &st) != 0);
    pjoin(path, sizeof path, T_data, "telemetry-backoff-00112233445566ff");
    CHECK(stat(path, &st) == 0);
    rec_free_json(&rb);
    t_done();
}

/* ---- a claim is recognised by the lock its sender holds, not by its PID ---- */
static void test_claim_lock_not_pid(void) {
    gtbt_desc d = t_setup();
    rec_backend rb;
    gtbt_collector *c;
    char claim[1024], claim2[1024], ready2[1024];
    int pfd[2], qfd[2];
    pid_t child;
    gtbt__mkdir_private(T_data);
    /* PID 1 is alive in every PID namespace: a container's tool that ran as PID 1 left this */
    plant_events(T_data, "telemetry-spill-00000000000000001000-1-0.ndjson", 8, 0, 2);
    pjoin(claim, sizeof claim, T_data, "telemetry-spill-00000000000000001000-1-0.ndjson.sending-1");
    {
        char ready[1024];
        pjoin(ready, sizeof ready, T_data, "telemetry-spill-00000000000000001000-1-0.ndjson");
        CHECK_INT(rename(ready, claim), 0);
    }
    /* another claim, held by a live sender (a child process) */
    plant_events(T_data, "telemetry-spill-00000000000000002000-1-0.ndjson", 9, 0, 3);
    pjoin(ready2, sizeof ready2, T_data, "telemetry-spill-00000000000000002000-1-0.ndjson");
    pjoin(claim2, sizeof claim2, T_data, "telemetry-spill-00000000000000002000-1-0.ndjson.sending-1");
    CHECK_INT(rename(ready2, claim2), 0);
    CHECK_INT(pipe(pfd), 0);
    CHECK_INT(pipe(qfd), 0);
    child = fork();
    if (child == 0) {
        int fd = open(claim2, O_RDONLY);
        char x;
        if (fd < 0 || flock(fd, LOCK_EX) != 0) _exit(1);
        if (write(pfd[1], "l", 1) != 1) _exit(1);
        if (read(qfd[0], &x, 1) < 0) _exit(1);              /* until the parent says so */
        _exit(0);
    }
    {
        char x = 0;
        struct pollfd pf;
        pf.fd = pfd[0]; pf.events = POLLIN; pf.revents = 0;
        CHECK(poll(&pf, 1, 10000) == 1 && read(pfd[0], &x, 1) == 1 && x == 'l');
    }
    rec_init(&rb, "rec");
    d.backend = &rb.base;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(rb.events, 2);                                 /* before the fix: 0 for an hour */
    CHECK_INT(LOGGED(L, SPILL_RECOVERED), 1);
    CHECK(access(claim2, F_OK) == 0);                        /* held: untouched */
    CHECK(write(qfd[1], "x", 1) == 1);
    CHECK(sink_reap(child, 5000));
    CHECK_INT(gtbt_flush(c), GTBT_OK);                       /* its sender is gone: taken back */
    CHECK_INT(rb.events, 5);
    CHECK(access(claim2, F_OK) != 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    gtbt_close(c);
    close(pfd[0]); close(pfd[1]); close(qfd[0]); close(qfd[1]);
    rec_free_json(&rb);
    t_done();
}

/* ---- a symlinked tool directory in a shared XDG directory is refused ---- */
static void test_symlinked_tool_dir_refused(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    char shared[600], victim[700], vcfg[700], link[700], clink[700], planted[900], conf[900];
    struct stat st;
    int i;
    snprintf(shared, sizeof shared, "%s/shared", T_dir);
    CHECK_INT(mkdir(shared, 0700), 0);
    CHECK_INT(chmod(shared, 01777), 0);                    /* like /tmp */
    snprintf(victim, sizeof victim, "%s/victim-state", T_dir);
    snprintf(vcfg, sizeof vcfg, "%s/victim-config", T_dir);
    CHECK_INT(mkdir(victim, 0700), 0);
    CHECK_INT(mkdir(vcfg, 0700), 0);
    snprintf(planted, sizeof planted, "%s/telemetry-spill-00000000000000000001-1-0.ndjson", victim);
    write_mode(planted, "{}\n", 3, 0600);
    /* another user plants <shared>/mytool -> the victim's directories */
    snprintf(link, sizeof link, "%s/state", shared);
    CHECK_INT(mkdir(link, 0700), 0);
    snprintf(link, sizeof link, "%s/state/mytool", shared);
    CHECK_INT(symlink(victim, link), 0);
    snprintf(clink, sizeof clink, "%s/config", shared);
    CHECK_INT(mkdir(clink, 0700), 0);
    snprintf(clink, sizeof clink, "%s/config/mytool", shared);
    CHECK_INT(symlink(vcfg, clink), 0);
    snprintf(link, sizeof link, "%s/state", shared);
    setenv("XDG_STATE_HOME", link, 1);
    snprintf(clink, sizeof clink, "%s/config", shared);
    setenv("XDG_CONFIG_HOME", clink, 1);
    d.data_dir = NULL;
    d.config_dir = NULL;
    d.max_buffer = 3;
    c = gtbt_new(&d);
    CHECK_INT(LOGGED(L, DATA_DIR_UNUSABLE), 1);
    for (i = 0; i < 10; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e", NULL, 0);   /* would spill */
    CHECK_INT(gt_count(victim, "telemetry-", NULL), 1);     /* only the planted file */
    gtbt_drop(c);                                           /* deletes spill files (as disable does) */
    CHECK(stat(planted, &st) == 0);                         /* not the victim's */
    snprintf(conf, sizeof conf, "%s/telemetry.conf", vcfg);
    CHECK(stat(conf, &st) != 0);                            /* no consent file written there */
    CHECK(gtbt_consent_set(&d, true) != GTBT_OK);
    CHECK(stat(conf, &st) != 0);
    gtbt_close(c);
    /* a parent others may write to without the sticky bit is refused too */
    unsetenv("XDG_STATE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    snprintf(link, sizeof link, "%s/open", T_dir);
    CHECK_INT(mkdir(link, 0700), 0);
    CHECK_INT(chmod(link, 0777), 0);
    snprintf(link, sizeof link, "%s/open/data", T_dir);
    d.data_dir = link;
    d.config_dir = NULL;
    memset(&L, 0, sizeof L);
    c = gtbt_new(&d);
    CHECK_INT(LOGGED(L, DATA_DIR_UNUSABLE), 1);
    {
        char want[600];
        snprintf(want, sizeof want, "(%s/open is writable by others or belongs to another user; use a directory of your own)", T_dir);
        CHECK_CONTAINS(L.text, want);
    }
    gtbt_close(c);
    t_done();
}

int main(int argc, char **argv) {
    static const gt_test tests[] = {
        {"long_dirs_texts", test_long_dirs_texts},
        {"5xx_retried", test_5xx_retried},
        {"full_disk_stops_spilling", test_full_disk_stops_spilling},
        {"long_xdg_refused", test_long_xdg_refused},
        {"close_logs_dropped", test_close_logs_dropped},
        {"url_secrets_never_printed", test_url_secrets_never_printed},
        {"control_characters", test_control_characters},
        {"spill_list_many_entries", test_spill_list_many_entries},
        {"claim_lock_not_pid", test_claim_lock_not_pid},
        {"symlinked_tool_dir_refused", test_symlinked_tool_dir_refused},
    };
    return GT_RUN(tests, argc, argv);
}

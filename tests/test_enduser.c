/* test_enduser.c - what the end user of a tool sees, through gtbt_cli in a temporary home with a
   real receiver (tools/gtbt-sink) on loopback that counts requests: help and wrong arguments
   change nothing and send nothing; "show" before opt-in, with pending events and after a
   delivery, for every backend, with no key printed; the delivery record (bounded, 0600, removed
   by disable and reset); debug mode leaves earlier runs' spill files; status in plain words;
   event names redacted; the tool's own group-writable directory; the Go-compatible id. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

#define DD_KEY  "ddkey0123456789SECRETabcdef0123"
#define PH_KEY  "phc_SECRETprojectkey0123456789"
#define OT_AUTH "Bearer tok-SECRET-4242"

/* ---- running gtbt_cli ---- */
static char *g_out, *g_err;
/* Runs gtbt_cli with the NULL-terminated arguments; stdout text in g_out, stderr text in g_err. */
static int run_cli(gtbt_collector *c, ...) {
    const char *argv[8];
    int argc = 0, save, fd, rc;
    size_t len = 0;
    char path[600];
    FILE *out;
    va_list ap;
    va_start(ap, c);
    while (argc < 7 && (argv[argc] = va_arg(ap, const char *)) != NULL) argc++;
    va_end(ap);
    argv[argc] = NULL;
    free(g_out); free(g_err);
    g_out = NULL;
    out = open_memstream(&g_out, &len);
    snprintf(path, sizeof path, "%s/../gtbt-enduser-stderr-%d", T_dir, (int)getpid());
    fflush(stderr);
    save = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    rc = gtbt_cli(c, argc, argv, out);
    fflush(stderr);
    dup2(save, 2);
    close(save);
    fclose(out);
    g_err = gt_read(path);
    unlink(path);
    if (!g_err) g_err = strdup("");
    return rc;
}

static int requests(const sink *s) {
    sinklog l;
    int n;
    gt_sleep_ms(30);
    sinklog_read(&l, s);
    n = l.n;
    sinklog_free(&l);
    return n;
}

static int file_mode(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* The four network backends, all pointed at the sink. */
enum { BE_HTTP, BE_OTLP, BE_DATADOG, BE_POSTHOG, BE_N };
static const char *const be_names[BE_N] = {"http", "otlp", "datadog", "posthog"};
static gtbt_kv ot_headers[1] = {{"Authorization", OT_AUTH}};

static void desc_for(gtbt_desc *d, int be, int port, char *url, size_t cap) {
    d->endpoint = NULL; d->otel_endpoint = NULL; d->backend = NULL;
    d->otel_headers = NULL; d->n_otel_headers = 0;
    if (be == BE_HTTP) {
        snprintf(url, cap, "http://127.0.0.1:%d/events", port);
        d->endpoint = url;
    } else if (be == BE_OTLP) {
        snprintf(url, cap, "http://127.0.0.1:%d", port);
        d->otel_endpoint = url;
        d->otel_headers = ot_headers; d->n_otel_headers = 1;
    } else if (be == BE_DATADOG) {
        gtbt_datadog_desc dd;
        memset(&dd, 0, sizeof dd);
        snprintf(url, cap, "http://127.0.0.1:%d/v1/input", port);
        dd.api_key = DD_KEY; dd.endpoint = url;
        d->backend = gtbt_datadog_backend(&dd);
    } else {
        gtbt_posthog_desc ph;
        memset(&ph, 0, sizeof ph);
        snprintf(url, cap, "http://127.0.0.1:%d/capture/", port);
        ph.project_key = PH_KEY; ph.endpoint = url;
        d->backend = gtbt_posthog_backend(&ph);
    }
}

static void check_no_secret(const char *text, int line) {
    if (strstr(text, DD_KEY) || strstr(text, PH_KEY) || strstr(text, "tok-SECRET") || strstr(text, "SECRETprojectkey") || strstr(text, "QSECRETX"))
        gt_fail(__FILE__, line, "a key or credential was printed:\n%s", text);
}

/* ---- help and wrong arguments ---- */
static void test_help_changes_nothing(void) {
    static const char *const subs[] = {"enable", "disable", "status", "show", "reset"};
    static const char *const helps[] = {"--help", "-h", "help"};
    gtbt_desc d = fixture_desc(0);
    sink s;
    char url[128];
    size_t i, j;
    int before;
    gtbt_collector *c;
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    d.force_enabled = false;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", s.port);
    d.endpoint = url;                                 /* reset would POST a deletion request here */
    CHECK_INT(gtbt_consent_set(&d, true), 0);
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "pending", NULL, 0);
    before = t_tree_count(T_dir, NULL);
    for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        for (j = 0; j < sizeof helps / sizeof helps[0]; j++) {
            CHECK_INT(run_cli(c, subs[i], helps[j], (const char *)NULL), 0);
            CHECK_CONTAINS(g_out, "Usage:");
            {
                char want[64];
                snprintf(want, sizeof want, "mytool telemetry %s\n", subs[i]);
                CHECK_CONTAINS(g_out, want);
            }
            CHECK_STR(g_err, "");
        }
        CHECK_INT(run_cli(c, "help", subs[i], (const char *)NULL), 0);   /* "telemetry help enable" */
        CHECK_CONTAINS(g_out, subs[i]);
        /* an extra argument: a usage error on stderr, exit 2, nothing done */
        CHECK_INT(run_cli(c, subs[i], "extra-arg", (const char *)NULL), 2);
        CHECK_STR(g_out, "");
        CHECK_CONTAINS(g_err, "Error: unexpected argument \"extra-arg\"");
        CHECK_CONTAINS(g_err, "--help");
        CHECK_INT(run_cli(c, subs[i], "--help", "x", (const char *)NULL), 2);
        CHECK_INT(run_cli(c, subs[i], "--force", (const char *)NULL), 2);
    }
    CHECK_INT(run_cli(c, "help", "frobnicate", (const char *)NULL), 2);
    CHECK_CONTAINS(g_err, "unknown telemetry command");
    CHECK_INT(t_tree_count(T_dir, NULL), before);   /* no file written, none removed */
    CHECK(gtbt_enabled(c));                           /* nothing disabled */
    CHECK_INT(requests(&s), 0);                       /* nothing sent */
    {
        char *conf, path[700];
        snprintf(path, sizeof path, "%s/telemetry.conf", T_cfg);
        conf = gt_read(path);
        CHECK_CONTAINS(conf, "enabled = true");   /* "disable -h" did not disable */
        free(conf);
    }
    CHECK_INT(gtbt_close(c), 0);                      /* the pending event was still there */
    CHECK_INT(requests(&s), 1);
    sink_stop(&s);
    fixture_done();
}

/* ---- show ---- */
static void test_show_before_opt_in(void) {
    int be;
    for (be = 0; be < BE_N; be++) {
        gtbt_desc d = fixture_desc(0);
        gtbt_collector *c;
        char url[128];
        sink s;
        if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
        d.force_enabled = false;
        desc_for(&d, be, s.port, url, sizeof url);
        if (be == BE_HTTP) strcat(url, "?k=QSECRETX");   /* a key in the query string is masked too */
        c = gtbt_new(&d);
        CHECK(!gtbt_enabled(c));
        CHECK_INT(run_cli(c, "show", (const char *)NULL), 0);
        CHECK_CONTAINS(g_out, "Telemetry: disabled");
        CHECK_CONTAINS(g_out, "a sample event");
        CHECK_CONTAINS(g_out, "POST http://127.0.0.1:");
        CHECK_CONTAINS(g_out, "example-command");
        CHECK_CONTAINS(g_out, "Last deliveries: none recorded");
        if (be == BE_POSTHOG) { CHECK_CONTAINS(g_out, "\"api_key\":\"phc_****\""); CHECK_CONTAINS(g_out, "\"$geoip_disable\":true"); }
        if (be == BE_DATADOG) CHECK_CONTAINS(g_out, "DD-API-KEY: ****");
        if (be == BE_OTLP) { CHECK_CONTAINS(g_out, "Authorization: ****"); CHECK_CONTAINS(g_out, "/v1/logs"); CHECK_CONTAINS(g_out, "resourceLogs"); }
        if (be == BE_HTTP) CHECK_CONTAINS(g_out, "\"name\":\"example-command\"");
        check_no_secret(g_out, __LINE__);
        CHECK_INT(t_tree_count(T_dir, NULL) - (int)gt_count(T_dir, "sink-", NULL), 0);   /* nothing created */
        gtbt_close(c);
        CHECK_INT(requests(&s), 0);
        if (gt_test_failed) printf("    (backend %s)\n%s", be_names[be], g_out);
        sink_stop(&s);
        fixture_done();
    }
}

static void test_show_pending_and_delivered(void) {
    int be;
    for (be = 0; be < BE_N; be++) {
        gtbt_desc d = fixture_desc(0);
        gtbt_collector *c;
        char url[128], sent[700];
        sink s;
        int port = closed_port();
        /* a run whose delivery fails: the event waits on disk */
        d.force_enabled = true;
        desc_for(&d, be, port, url, sizeof url);
        c = gtbt_new(&d);
        gtbt_track_command(c, "build", 12, 0, NULL, 0);
        CHECK(gtbt_close(c) != 0);
        CHECK_INT(n_ready(T_data), 1);
        desc_for(&d, be, port, url, sizeof url);
        c = gtbt_new(&d);
        CHECK_INT(run_cli(c, "show", (const char *)NULL), 0);
        CHECK_CONTAINS(g_out, "The next delivery would send these 1 event(s)");
        CHECK_CONTAINS(g_out, "build");
        CHECK_CONTAINS(g_out, "POST http://127.0.0.1:");
        check_no_secret(g_out, __LINE__);
        CHECK_INT(n_ready(T_data), 1);                /* show consumed nothing */
        gtbt_close(c);
        /* now the receiver is there: the event is delivered and recorded */
        if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
        desc_for(&d, be, s.port, url, sizeof url);
        c = gtbt_new(&d);
        CHECK_INT(gtbt_close(c), 0);
        CHECK_INT(requests(&s), 1);
        CHECK_INT(n_ready(T_data), 0);
        snprintf(sent, sizeof sent, "%s/telemetry-sent.ndjson", T_data);
        CHECK_INT(file_mode(sent), 0600);
        desc_for(&d, be, s.port, url, sizeof url);
        c = gtbt_new(&d);
        CHECK_INT(run_cli(c, "show", (const char *)NULL), 0);
        CHECK_CONTAINS(g_out, "Last deliveries (");
        CHECK_CONTAINS(g_out, "\"events\":1");
        CHECK_CONTAINS(g_out, be_names[be]);
        CHECK_CONTAINS(g_out, "\"name\":\"build\"");
        CHECK_CONTAINS(g_out, "No events are waiting");
        check_no_secret(g_out, __LINE__);
        CHECK_INT(requests(&s), 1);                   /* show sends nothing */
        gtbt_close(c);
        if (gt_test_failed) printf("    (backend %s)\n%s", be_names[be], g_out);
        sink_stop(&s);
        fixture_done();
    }
}

/* The record: bounded (oldest dropped), written only while enabled, removed by disable/reset. */
static void test_sent_record_bounded_and_removed(void) {
    gtbt_desc d = fixture_desc(0);
    gtbt_collector *c;
    char url[128], sent[700], *text, line[1100];
    sink s;
    int i, fd;
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    d.force_enabled = false;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", s.port);
    d.endpoint = url;
    snprintf(sent, sizeof sent, "%s/telemetry-sent.ndjson", T_data);
    /* off: a delivery by nobody, and no record */
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "ignored", NULL, 0);
    gtbt_close(c);
    CHECK(file_mode(sent) < 0);
    /* an old record near the bound: the oldest lines go */
    mkdir(T_data, 0700);
    fd = open(sent, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    memset(line, 'x', sizeof line);
    memcpy(line, "{\"old\":\"", 8);
    memcpy(line + sizeof line - 3, "\"}\n", 3);
    for (i = 0; i < 250; i++) CHECK_INT(write(fd, line, sizeof line), (long long)sizeof line);
    close(fd);
    CHECK_INT(gtbt_consent_set(&d, true), 0);
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "newest", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    text = gt_read(sent);
    CHECK(text && strlen(text) <= 256 * 1024);
    CHECK(text && strlen(text) > 200 * 1024);         /* only the oldest were dropped */
    CHECK_CONTAINS(text, "\"name\":\"newest\"");
    CHECK(text && strncmp(text, "{\"old\"", 6) == 0); /* whole lines kept */
    free(text);
    CHECK_INT(file_mode(sent), 0600);
    /* disable removes it */
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "disable", (const char *)NULL), 0);
    gtbt_close(c);
    CHECK(file_mode(sent) < 0);
    /* reset too */
    CHECK_INT(gtbt_consent_set(&d, true), 0);
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "again", NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(file_mode(sent), 0600);
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "reset", (const char *)NULL), 0);
    CHECK_CONTAINS(g_out, "Deletion request accepted");   /* the HTTP deletion endpoint answered 2xx */
    gtbt_close(c);
    CHECK(file_mode(sent) < 0);
    sink_stop(&s);
    fixture_done();
}

/* ---- debug mode ---- */
static void test_debug_leaves_spill_files(void) {
    gtbt_desc d = fixture_desc(0);
    gtbt_collector *c;
    char url[128], path[700], *err;
    sink s;
    int save, fd;
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    mkdir(T_data, 0700);
    plant_events(T_data, "telemetry-spill-00000000000000001000-4242-0.ndjson", 1, 0, 3);
    d.force_enabled = true;
    desc_for(&d, BE_POSTHOG, s.port, url, sizeof url);
    setenv("MYTOOL_TELEMETRY_DEBUG", "1", 1);
    c = gtbt_new(&d);
    gtbt_track_command(c, "dbg", 5, 0, NULL, 0);
    snprintf(path, sizeof path, "%s/stderr.txt", T_dir);
    fflush(stderr);
    save = dup(2);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    CHECK_INT(gtbt_close(c), 0);
    fflush(stderr);
    dup2(save, 2);
    close(save);
    err = gt_read(path);
    CHECK_CONTAINS(err, "telemetry debug: nothing was sent; 1 event(s) would go as:");
    CHECK_CONTAINS(err, "/capture/");                 /* the exact PostHog request */
    CHECK_CONTAINS(err, "\"api_key\":\"phc_****\"");
    CHECK_CONTAINS(err, "\"sent_at\":");
    CHECK_CONTAINS(err, "\"event_name\":\"dbg\"");
    check_no_secret(err, __LINE__);
    free(err);
    CHECK_INT(n_ready(T_data), 1);                    /* the earlier run's events wait for the real backend */
    CHECK_INT(requests(&s), 0);
    /* local-only chosen by the user leaves them too */
    unsetenv("MYTOOL_TELEMETRY_DEBUG");
    setenv("MYTOOL_TELEMETRY_LOCAL", "1", 1);
    desc_for(&d, BE_POSTHOG, s.port, url, sizeof url);
    c = gtbt_new(&d);
    gtbt_track_command(c, "local", 5, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(n_ready(T_data), 1);
    unsetenv("MYTOOL_TELEMETRY_LOCAL");
    /* then the real backend gets them */
    desc_for(&d, BE_POSTHOG, s.port, url, sizeof url);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), 0);
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(requests(&s), 1);
    sink_stop(&s);
    fixture_done();
}

/* ---- status in plain words ---- */
static void test_status_words(void) {
    gtbt_desc d = fixture_desc(0);
    gtbt_collector *c;
    char url[128], want[900];
    d.force_enabled = false;
    /* off, fresh home: nothing created, and the words say so */
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_STR(line_value(g_out, "Events go to"), "nowhere: telemetry is off (\"telemetry enable\" turns it on)");
    CHECK_CONTAINS(g_out, "pseudonymous id");
    CHECK_STR(line_value(g_out, "Pending"), "0 events waiting to be sent");
    snprintf(want, sizeof want, "%s (not created yet)", T_data);
    CHECK_STR(line_value(g_out, "Data dir"), want);
    CHECK_NOT_CONTAINS(g_out, "noop");
    CHECK_NOT_CONTAINS(g_out, "spill");
    gtbt_close(c);
    CHECK_INT(t_tree_count(T_dir, NULL), 0);
    /* on, with a vendor key missing: nowhere, the reason and the fix */
    CHECK_INT(gtbt_consent_set(&d, true), 0);
    d.no_backend_reason = "PostHog project key missing: set POSTHOG_PROJECT_KEY when building or running";
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_STR(line_value(g_out, "Events go to"), "nowhere: PostHog project key missing: set POSTHOG_PROJECT_KEY when building or running");
    gtbt_close(c);
    CHECK(file_mode(T_data) < 0);                     /* an enabled status creates no data dir either */
    d.no_backend_reason = NULL;
    /* an endpoint: its host */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", closed_port());
    d.endpoint = url;
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_CONTAINS(line_value(g_out, "Events go to"), "127.0.0.1:");
    CHECK_STR(line_value(g_out, "Telemetry"), "enabled");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "a", NULL, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "b", NULL, 0);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_STR(line_value(g_out, "Pending"), "2 events waiting to be sent");
    CHECK(gtbt_close(c) != 0);
    /* a second failure in a row starts a back-off: local time and minutes */
    c = gtbt_new(&d);
    CHECK(gtbt_close(c) != 0);
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_CONTAINS(line_value(g_out, "Back-off"), "local time (in 1 minute), after 2 failures in a row");
    CHECK_STR(line_value(g_out, "Pending"), "2 events waiting to be sent");
    gtbt_close(c);
    /* local-only, the tool's default: shown as such (the desc copy keeps local_only) */
    d.local_only = true;
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_STR(line_value(g_out, "Telemetry"), "enabled (local-only)");
    snprintf(want, sizeof want, "this machine only: %s/telemetry.log (local-only mode)", T_data);
    CHECK_STR(line_value(g_out, "Events go to"), want);
    gtbt_close(c);
    fixture_done();
}

/* enable never creates a missing home; the message names it */
static void test_enable_missing_home(void) {
    gtbt_desc d;
    gtbt_collector *c;
    char home[600];
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    (void)fixture_desc(0);
    snprintf(home, sizeof home, "%s/no-such-home", T_dir);
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_STATE_HOME");
    memset(&d, 0, sizeof d);
    d.tool_name = "mytool";
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "enable", (const char *)NULL), 1);
    CHECK_CONTAINS(g_out, "the home directory");
    CHECK_CONTAINS(g_out, home);
    CHECK(file_mode(home) < 0);
    gtbt_close(c);
    if (saved_home) setenv("HOME", saved_home, 1); else unsetenv("HOME");
    free(saved_home);
    fixture_done();
}

/* ---- the tool's own directory made under umask 002 ---- */
static void test_group_writable_dir(void) {
    gtbt_desc d = fixture_desc(1);
    gtbt_collector *c;
    mode_t old = umask(002);
    char conf[700];
    d.force_enabled = false;
    CHECK_INT(mkdir(T_cfg, 0775), 0);                 /* as the tool's own code would make it */
    CHECK_INT(file_mode(T_cfg), 0775);
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "enable", (const char *)NULL), 0);
    CHECK_INT(file_mode(T_cfg), 0700);                /* tightened: ours, and only our files in it */
    snprintf(conf, sizeof conf, "%s/telemetry.conf", T_cfg);
    CHECK_INT(file_mode(conf), 0600);
    gtbt_close(c);
    CHECK_INT(mkdir(T_data, 0775), 0);
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    CHECK_INT(LOGGED(L, DATA_DIR_TIGHTENED), 1);
    CHECK_INT(file_mode(T_data), 0700);
    gtbt_close(c);
    /* world-writable: refused, and the message names the directory and the fix */
    chmod(T_cfg, 0777);
    c = gtbt_new(&d);
    CHECK_INT(run_cli(c, "disable", (const char *)NULL), 1);
    CHECK_CONTAINS(g_out, "chmod 700 ");
    CHECK_CONTAINS(g_out, T_cfg);
    CHECK_INT(file_mode(T_cfg), 0777);                /* not changed behind the user's back */
    gtbt_close(c);
    chmod(T_cfg, 0700);
    umask(old);
    fixture_done();
}

/* ---- event names ---- */
static void test_event_names_redacted(void) {
    gtbt_desc d = fixture_desc(0);
    rec_backend r;
    gtbt_collector *c;
    char *all, want[400];
    static const char *const names[] = {
        "deploy https://alice:hunter2@example.com/x",
        "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
        "run token=s3cr3t-value-here"};
    size_t i;
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, names[i], NULL, 0);
    CHECK_INT(gtbt_close(c), 0);
    all = rec_all(&r);
    CHECK_NOT_CONTAINS(all, "hunter2");
    CHECK_NOT_CONTAINS(all, "ghp_0123456789");
    CHECK_NOT_CONTAINS(all, "s3cr3t");
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {   /* exactly what gtbt_redact gives */
        char red[300];
        size_t k, o = 0;
        gtbt_redact(names[i], red, sizeof red);
        o = (size_t)snprintf(want, sizeof want, "\"name\":\"");
        for (k = 0; red[k] && o + 8 < sizeof want; k++)   /* as JSON writes it: < and > escaped */
            o += (size_t)(red[k] == '<' ? snprintf(want + o, sizeof want - o, "\\u003c")
                        : red[k] == '>' ? snprintf(want + o, sizeof want - o, "\\u003e")
                        : snprintf(want + o, sizeof want - o, "%c", red[k]));
        snprintf(want + o, sizeof want - o, "\"");
        CHECK_CONTAINS(all, want);
    }
    free(all);
    rec_free_json(&r);
    fixture_done();
}

/* ---- the Go-compatible id ---- */
static void test_id_scheme(void) {
    gtbt_desc d = fixture_desc(0);
    gtbt_collector *c;
    char go[17], salted[17];
    CHECK_INT(gtbt_machine_id(NULL, go), 0);
    CHECK_INT(gtbt_machine_id("mytool", salted), 0);
    c = gtbt_new(&d);
    CHECK_STR(gtbt_collector_machine_id(c), salted);
    gtbt_close(c);
    d.id_scheme = GTBT_ID_GO_COMPATIBLE;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_collector_machine_id(c), go);
    CHECK_INT(run_cli(c, "status", (const char *)NULL), 0);
    CHECK_STR(line_value(g_out, "Machine ID"), go);
    gtbt_close(c);
    fixture_done();
}

static const gt_test tests[] = {
    {"help_changes_nothing", test_help_changes_nothing},
    {"show_before_opt_in", test_show_before_opt_in},
    {"show_pending_and_delivered", test_show_pending_and_delivered},
    {"sent_record_bounded_and_removed", test_sent_record_bounded_and_removed},
    {"debug_leaves_spill_files", test_debug_leaves_spill_files},
    {"status_words", test_status_words},
    {"enable_missing_home", test_enable_missing_home},
    {"group_writable_dir", test_group_writable_dir},
    {"event_names_redacted", test_event_names_redacted},
    {"id_scheme", test_id_scheme},
};

int main(int argc, char **argv) {
    int rc;
    env_clear();
    rc = GT_RUN(tests, argc, argv);
    free(g_out);
    free(g_err);
    return rc;
}

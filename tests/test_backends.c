/* test_backends.c - the network backends end to end against tools/gtbt-sink, a real server on
   loopback: every backend (HTTP, OTLP, Datadog, PostHog)
   through a collector and through its send() directly, checked field by field in the sink's --log;
   Datadog regions, batch splitting and the 18 h age limit; PostHog instances; the HTTP and event
   deletion requestors and the CLI "reset"; TLS with RSA and ECDSA certificates by name and by IP,
   and every verification failure (wrong CA, expired, wrong host, self-signed) keeping the events
   spilled until a later run delivers them; and the fault modes: blackhole, refused, reset,
   garbage, slow drip, huge body, redirect, permanent 4xx, retryable 408/429/5xx (delivered exactly
   once later), OTLP's own retry rules, Retry-After (seconds and HTTP date) and the back-off kept
   on disk for the next run, replay order, at-most-once, IPv6 and a CONNECT proxy (plain and TLS).

   The sink is $GTBT_SINK (default build/gtbt-sink), started per test on an ephemeral port and
   stopped by its pid; certificates come from tests/certs ($GT_CERTS overrides). Run from the
   repository root. Every wait is bounded; no timing assertion except "returns within the budget
   plus a margin" for blackholes and the slow drip (measured times are printed; the margin grows
   tenfold when GTBT_VALGRIND is set, as tests/valgrind.sh does). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

#define UA "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING " (mytool/1.2.3)"
#define T_TIME_NS INT64_C(1774864800500000000)   /* 2026-03-30T10:00:00.5Z */
#define T_TIME_STR "2026-03-30T10:00:00.5Z"
#define T_UUID "0b9e2c4a-1f3d-4e5f-8a6b-7c8d9e0f1a2b"
#define T_MID "4a3f8c1d9e2b6f70"

/* ---- per-test places ---------------------------------------------------------------------- */
/* Under valgrind (GTBT_VALGRIND set, see tests/valgrind.sh) everything in this process runs ~20x
   slower: budgets of successful sends and the timing margins grow by this factor. */
static int T_SLOW = 1;
#define MARGIN_MS (500 * T_SLOW)

static gtbt_desc t_setup(void) {
    gtbt_desc d;
    env_clear();
    d = fixture_desc(1);
    if (T_SLOW > 1) d.flush_timeout_ms = 2000 * T_SLOW;
    return d;
}
static void t_done(void) { fixture_done(); }

/* tests/certs/<name> (or $GT_CERTS/<name>); four rotating buffers. */
static const char *cert(const char *name) {
    static char buf[4][512];
    static int k;
    const char *dir = getenv("GT_CERTS") ? getenv("GT_CERTS") : "tests/certs";
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}


static int uuid_ok(const char *s) {
    int i;
    if (!s || strlen(s) != 36) return 0;
    for (i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) { if (c != '-') return 0; }
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* RFC 3339 UTC with a trimmed fraction, and its time (ns) in [lo, hi] when lo is not 0. */
static int ts_ok(const char *s, int64_t lo, int64_t hi) {
    int64_t ns;
    const char *dot;
    size_t n;
    if (!s || (n = strlen(s)) < 20 || s[n - 1] != 'Z' || s[10] != 'T') return 0;
    if ((dot = strchr(s, '.')) != NULL && (s[n - 2] == '0' || s[n - 2] == '.')) return 0;
    if (gtbt__parse_rfc3339(s, &ns) != 0) return 0;
    return lo == 0 || (ns >= lo && ns <= hi);
}

static int decimal_ok(const char *s) {
    size_t i;
    if (!s || !*s) return 0;
    for (i = 0; s[i]; i++) if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* The ready spill files of the data dir: how many, and the uuids of their lines (up to max). */
static int spill_files(void) { return gt_count(T_data, "telemetry-spill-", ".ndjson"); }
static int spill_uuids(char out[][37], int max) {
    DIR *d = opendir(T_data);
    struct dirent *de;
    int n = 0;
    if (!d) return 0;
    while ((de = readdir(d)) != NULL) {
        char path[1024], *text, *line, *nl;
        size_t k = strlen(de->d_name);
        if (strncmp(de->d_name, "telemetry-spill-", 16) || k < 7 || strcmp(de->d_name + k - 7, ".ndjson")) continue;
        snprintf(path, sizeof path, "%s/%s", T_data, de->d_name);
        if (!(text = gt_read(path))) continue;
        for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
            jn *v;
            nl = strchr(line, '\n');
            v = jparse_n(line, nl ? (size_t)(nl - line) : strlen(line));
            if (v && jstr(v, "uuid") && n < max) snprintf(out[n++], 37, "%s", jstr(v, "uuid"));
            jfree(v);
        }
        free(text);
    }
    closedir(d);
    return n;
}

/* The generic-format uuids of every request of a sink log, in order. */
static int log_uuids(const sinklog *l, char out[][37], int max, const char *field) {
    int i, n = 0;
    size_t k;
    for (i = 0; i < l->n; i++)
        for (k = 0; k < jlen(l->body[i]); k++)
            if (n < max && jstr(jat(l->body[i], k), field)) snprintf(out[n++], 37, "%s", jstr(jat(l->body[i], k), field));
    return n;
}

/* Each of want[0..n) occurs exactly once in got[0..m), and m == n. */
static int same_set_once(char want[][37], int n, char got[][37], int m) {
    int i, j, c;
    if (n != m) return 0;
    for (i = 0; i < n; i++) {
        for (c = 0, j = 0; j < m; j++) c += !strcmp(want[i], got[j]);
        if (c != 1) return 0;
    }
    return 1;
}

/* What every request of the HTTP client must carry. */
static void check_post(const sinklog *l, int i, const char *path, const char *host, const char *ua) {
    char len[32];
    const char *body = req_str(l, i, "body");
    CHECK_STR(req_str(l, i, "method"), "POST");
    CHECK_STR(req_str(l, i, "path"), path);
    CHECK_STR(req_header(l, i, "content-type"), "application/json");
    CHECK_STR(req_header(l, i, "connection"), "close");
    CHECK_STR(req_header(l, i, "host"), host);
    if (ua) CHECK_STR(req_header(l, i, "user-agent"), ua);
    snprintf(len, sizeof len, "%lu", (unsigned long)(body ? strlen(body) : 0));
    CHECK_STR(req_header(l, i, "content-length"), len);
    CHECK(req_header(l, i, "transfer-encoding") == NULL);
    CHECK(req_header(l, i, "content-encoding") == NULL);
    if (!req_valid(l, i)) printf("    sink says invalid: %s\n", req_str(l, i, "error") ? req_str(l, i, "error") : "?");
    CHECK(req_valid(l, i));
}

static char *hostport(int port) {
    static char buf[4][64];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "127.0.0.1:%d", port);
    return buf[k];
}

/* A fixed event for the direct send() tests. */
static const char *const T_ARGS[] = {"generate", "--name", "demo"};
static const gtbt_kv T_META[] = {{"env", "production"}, {"flag", "verbose"}};
static gtbt_event fixed_event(void) {
    gtbt_event e;
    memset(&e, 0, sizeof e);
    e.time_unix_ns = T_TIME_NS;
    e.uuid = T_UUID;
    e.type = "command.invocation";
    e.name = "generate";
    e.machine_id = T_MID;
    e.tool_name = "mytool";
    e.version = "1.2.3";
    e.os = "linux";
    e.arch = "amd64";
    e.os_version = "6.8.0-106-generic";
    e.runtime_version = "gcc 12.2.0";
    e.duration_ms = 142;
    e.exit_code = 2;
    e.error = "";
    e.metadata = T_META;
    e.n_metadata = 2;
    return e;
}

#define SINK_OR_FAIL(s, args) do { if (sink_start(&(s), T_dir, (args)) != 0) { CHECK(!"sink started"); t_done(); return; } } while (0)

/* ================================================================================ HTTP */

static void test_http_collector(void) {
    gtbt_desc d = t_setup();
    static const char *const keys[] = {"timestamp", "uuid", "type", "name", "machine_id", "tool_name", "version", "os",
                                       "arch", "runtime_version", "os_version", "duration_ms", "exit_code", "args",
                                       "error", "metadata"};
    gtbt_kv meta[] = {{"env", "production"}};
    gtbt_kv extra[] = {{"flag", "verbose"}};
    sink s;
    sinklog l;
    gtbt_collector *c;
    char url[128], info[160], mid[17], osv[128];
    int64_t t0, t1;
    jn *e0, *e1, *a, *m;
    size_t i;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/collect?src=test", s.port);
    snprintf(info, sizeof info, "http (http://127.0.0.1:%d/collect)", s.port);   /* never the query */
    d.endpoint = url;
    d.metadata = meta;
    d.n_metadata = 1;
    d.extended_collection = true;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), info);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt__os_version(osv, sizeof osv);
    t0 = gtbt__realtime_ns();
    gtbt_track_command_ext(c, "generate", 3, T_ARGS, 142, 2, "exit status 2", extra, 1);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "export", NULL, 0);
    t1 = gtbt__realtime_ns();
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/collect", hostport(s.port), UA);
    CHECK_INT(jlen(l.body[0]), 2);
    e0 = jat(l.body[0], 0);
    e1 = jat(l.body[0], 1);
    /* the generic format's fixed field order */
    CHECK_INT(jlen(e0), 16);
    for (i = 0; i < jlen(e0) && i < 16; i++) CHECK_STR(e0->key[i], keys[i]);
    CHECK(ts_ok(jstr(e0, "timestamp"), t0, t1));
    CHECK(uuid_ok(jstr(e0, "uuid")));
    CHECK_STR(jstr(e0, "type"), "command.invocation");
    CHECK_STR(jstr(e0, "name"), "generate");
    CHECK_STR(jstr(e0, "machine_id"), mid);
    CHECK_INT(strlen(mid), 16);
    CHECK_STR(jstr(e0, "tool_name"), "mytool");
    CHECK_STR(jstr(e0, "version"), "1.2.3");
    CHECK_STR(jstr(e0, "os"), GTBT__OS);
    CHECK_STR(jstr(e0, "arch"), GTBT__ARCH);
    CHECK_STR(jstr(e0, "runtime_version"), GTBT__RUNTIME);
    CHECK_STR(jstr(e0, "os_version"), osv);
    CHECK_STR(jraw(e0, "duration_ms"), "142");
    CHECK_STR(jraw(e0, "exit_code"), "2");
    a = jget(e0, "args");
    CHECK_INT(jlen(a), 3);
    for (i = 0; i < 3; i++) CHECK_STR(jat(a, i) ? jat(a, i)->s : NULL, T_ARGS[i]);
    CHECK_STR(jstr(e0, "error"), "exit status 2");
    m = jget(e0, "metadata");
    CHECK_INT(jlen(m), 2);
    CHECK_STR(jstr(m, "env"), "production");
    CHECK_STR(jstr(m, "flag"), "verbose");
    /* the second event: optional members omitted */
    CHECK(ts_ok(jstr(e1, "timestamp"), t0, t1));
    CHECK(uuid_ok(jstr(e1, "uuid")));
    CHECK(jstr(e0, "uuid") && jstr(e1, "uuid") && strcmp(jstr(e0, "uuid"), jstr(e1, "uuid")) != 0);
    CHECK_STR(jstr(e1, "type"), "feature.used");
    CHECK_STR(jstr(e1, "name"), "export");
    CHECK_STR(jstr(e1, "machine_id"), mid);
    CHECK(!jget(e1, "duration_ms") && !jget(e1, "exit_code") && !jget(e1, "args") && !jget(e1, "error"));
    CHECK_INT(jlen(jget(e1, "metadata")), 1);
    CHECK_STR(jstr(jget(e1, "metadata"), "env"), "production");
    CHECK_INT(spill_files(), 0);
    sinklog_free(&l);
    t_done();
}

static void test_http_send_direct(void) {
    gtbt_desc d = t_setup();
    gtbt_http_desc hd;
    gtbt_kv hdr[] = {{"X-Api-Token", "tok-http-secret-42"}};
    gtbt_event ev[2];
    gtbt_backend *b;
    sink s;
    sinklog l;
    char url[128], info[160];
    jn *e;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ingest/events", s.port);
    snprintf(info, sizeof info, "http (%s)", url);
    memset(&hd, 0, sizeof hd);
    hd.endpoint = url;
    hd.net = net_logged();
    hd.net.headers = hdr;
    hd.net.n_headers = 1;
    b = gtbt_http_backend(&hd);
    CHECK(b != NULL);
    if (b) {
        CHECK_STR(b->info, info);
        ev[0] = fixed_event();
        ev[1] = fixed_event();
        ev[1].uuid = "11111111-2222-4333-8444-555555555555";
        ev[1].duration_ms = 0;
        ev[1].exit_code = 0;
        ev[1].metadata = NULL;
        ev[1].n_metadata = 0;
        ev[1].args = T_ARGS;
        ev[1].n_args = 3;
        ev[1].error = "boom";
        CHECK_INT(b->send(b, ev, 2, gtbt_now_ms() + 5000 * T_SLOW), GTBT_OK);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/ingest/events", hostport(s.port), UA);
    CHECK_STR(req_header(&l, 0, "x-api-token"), "tok-http-secret-42");
    CHECK(!strstr(L.text, "tok-http-secret-42"));
    CHECK_INT(jlen(l.body[0]), 2);
    e = jat(l.body[0], 0);
    CHECK_STR(jstr(e, "timestamp"), T_TIME_STR);
    CHECK_STR(jstr(e, "uuid"), T_UUID);
    CHECK_STR(jstr(e, "type"), "command.invocation");
    CHECK_STR(jstr(e, "name"), "generate");
    CHECK_STR(jstr(e, "machine_id"), T_MID);
    CHECK_STR(jstr(e, "tool_name"), "mytool");
    CHECK_STR(jstr(e, "version"), "1.2.3");
    CHECK_STR(jstr(e, "os"), "linux");
    CHECK_STR(jstr(e, "arch"), "amd64");
    CHECK_STR(jstr(e, "runtime_version"), "gcc 12.2.0");
    CHECK_STR(jstr(e, "os_version"), "6.8.0-106-generic");
    CHECK_STR(jraw(e, "duration_ms"), "142");
    CHECK_STR(jraw(e, "exit_code"), "2");
    CHECK(!jget(e, "args") && !jget(e, "error"));
    CHECK_STR(jstr(jget(e, "metadata"), "env"), "production");
    CHECK_STR(jstr(jget(e, "metadata"), "flag"), "verbose");
    e = jat(l.body[0], 1);
    CHECK_STR(jstr(e, "uuid"), "11111111-2222-4333-8444-555555555555");
    CHECK(!jget(e, "duration_ms") && !jget(e, "exit_code") && !jget(e, "metadata"));
    CHECK_INT(jlen(jget(e, "args")), 3);
    CHECK_STR(jstr(e, "error"), "boom");
    sinklog_free(&l);
    t_done();
}

/* ================================================================================ OTLP */

static void test_otlp_collector(void) {
    gtbt_desc d = t_setup();
    gtbt_kv hdr[] = {{"Authorization", "Bearer s3cr3t-otlp-token"}};
    gtbt_kv meta[] = {{"event.name", "evil"}, {"team", "core"}};
    sink s;
    sinklog l;
    gtbt_collector *c;
    char url[128], info[160], mid[17], osv[128];
    int64_t t0, t1, t2;
    jn *rl, *res, *sl, *lr, *at;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/otlp/", s.port);
    snprintf(info, sizeof info, "otlp (%s)", url);
    d.otel_endpoint = url;
    d.otel_headers = hdr;
    d.n_otel_headers = 1;
    d.metadata = meta;
    d.n_metadata = 2;
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), info);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt__os_version(osv, sizeof osv);
    t0 = gtbt__realtime_ns();
    gtbt_track_command(c, "generate", 0, 0, NULL, 0);
    t1 = gtbt__realtime_ns();
    CHECK_INT(gtbt_close(c), GTBT_OK);
    t2 = gtbt__realtime_ns();
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/otlp/v1/logs", hostport(s.port), UA);
    CHECK_STR(req_str(&l, 0, "format"), "otlp");
    CHECK_STR(req_header(&l, 0, "authorization"), "Bearer s3cr3t-otlp-token");
    CHECK(!strstr(L.text, "s3cr3t-otlp-token"));   /* header values are never logged */
    rl = jat(jget(l.body[0], "resourceLogs"), 0);
    res = jget(jget(rl, "resource"), "attributes");
    CHECK_STR(otlp_str(res, "service.name"), "mytool");
    CHECK_STR(otlp_str(res, "service.version"), "1.2.3");
    sl = jat(jget(rl, "scopeLogs"), 0);
    CHECK_STR(jstr(jget(sl, "scope"), "name"), "gtb-telemetry");
    CHECK_INT(jlen(jget(sl, "logRecords")), 1);
    lr = jat(jget(sl, "logRecords"), 0);
    CHECK(jtype(lr, "timeUnixNano") == JN_STR && decimal_ok(jstr(lr, "timeUnixNano")));
    CHECK(jstr(lr, "timeUnixNano") && strtoll(jstr(lr, "timeUnixNano"), NULL, 10) >= t0 &&
          strtoll(jstr(lr, "timeUnixNano"), NULL, 10) <= t1);
    CHECK(jtype(lr, "observedTimeUnixNano") == JN_STR && decimal_ok(jstr(lr, "observedTimeUnixNano")));
    CHECK(jstr(lr, "observedTimeUnixNano") && strtoll(jstr(lr, "observedTimeUnixNano"), NULL, 10) >= t1 &&
          strtoll(jstr(lr, "observedTimeUnixNano"), NULL, 10) <= t2);
    CHECK_STR(jraw(lr, "severityNumber"), "9");
    CHECK_STR(jstr(lr, "severityText"), "INFO");
    CHECK_STR(jstr(jget(lr, "body"), "stringValue"), "generate");
    at = jget(lr, "attributes");
    CHECK_STR(otlp_str(at, "event.name"), "generate");   /* metadata "event.name" does not override */
    CHECK_INT(otlp_attr_count(at, "event.name"), 1);
    CHECK_STR(otlp_str(at, "event.type"), "command.invocation");
    CHECK(uuid_ok(otlp_str(at, "event.id")));
    CHECK_STR(otlp_str(at, "tool.name"), "mytool");
    CHECK_STR(otlp_str(at, "tool.version"), "1.2.3");
    CHECK_STR(otlp_str(at, "host.arch"), GTBT__ARCH);
    CHECK_STR(otlp_str(at, "os.type"), GTBT__OS);
    CHECK_STR(otlp_str(at, "os.version"), osv);
    CHECK_STR(otlp_str(at, "runtime.version"), GTBT__RUNTIME);
    CHECK_STR(otlp_str(at, "machine.id"), mid);
    CHECK_STR(otlp_int(at, "command.duration_ms"), "0");   /* present even when 0 */
    CHECK_STR(otlp_int(at, "command.exit_code"), "0");
    CHECK(otlp_attr(at, "command.args") == NULL);          /* no extended collection */
    CHECK(otlp_attr(at, "command.error") == NULL);
    CHECK_STR(otlp_str(at, "team"), "core");
    sinklog_free(&l);
    t_done();
}

static void test_otlp_send_direct(void) {
    gtbt_desc d = t_setup();
    gtbt_otlp_desc od;
    gtbt_kv meta[] = {{"event.name", "evil"}, {"machine.id", "evil"}, {"team", "core"}};
    gtbt_event ev[2];
    gtbt_backend *b;
    sink s;
    sinklog l;
    char url[128];
    jn *rl, *res, *lr, *at;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    /* the base path is kept, trailing '/' trimmed */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/base//", s.port);
    memset(&od, 0, sizeof od);
    od.endpoint = url;
    od.service_name = "svc";
    od.service_version = "9.9";
    od.net = net_logged();
    b = gtbt_otlp_backend(&od);
    CHECK(b != NULL);
    if (b) {
        ev[0] = fixed_event();
        ev[0].args = T_ARGS;
        ev[0].n_args = 3;
        ev[0].error = "boom";
        ev[0].metadata = meta;
        ev[0].n_metadata = 3;
        ev[1] = fixed_event();
        ev[1].time_unix_ns = T_TIME_NS + 1;
        ev[1].uuid = "11111111-2222-4333-8444-555555555555";
        CHECK_INT(b->send(b, ev, 2, gtbt_now_ms() + 5000 * T_SLOW), GTBT_OK);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/base/v1/logs", hostport(s.port), UA);
    rl = jat(jget(l.body[0], "resourceLogs"), 0);
    res = jget(jget(rl, "resource"), "attributes");
    CHECK_STR(otlp_str(res, "service.name"), "svc");
    CHECK_STR(otlp_str(res, "service.version"), "9.9");
    CHECK_INT(jlen(jget(jat(jget(rl, "scopeLogs"), 0), "logRecords")), 2);
    lr = jat(jget(jat(jget(rl, "scopeLogs"), 0), "logRecords"), 0);
    CHECK_STR(jstr(lr, "timeUnixNano"), "1774864800500000000");
    at = jget(lr, "attributes");
    CHECK_STR(otlp_str(at, "event.id"), T_UUID);
    CHECK_STR(otlp_str(at, "event.name"), "generate");
    CHECK_INT(otlp_attr_count(at, "event.name"), 1);
    CHECK_STR(otlp_str(at, "machine.id"), T_MID);
    CHECK_INT(otlp_attr_count(at, "machine.id"), 1);
    CHECK_STR(otlp_str(at, "os.version"), "6.8.0-106-generic");
    CHECK_STR(otlp_str(at, "runtime.version"), "gcc 12.2.0");
    CHECK_STR(otlp_int(at, "command.duration_ms"), "142");
    CHECK_STR(otlp_int(at, "command.exit_code"), "2");
    CHECK_STR(otlp_str(at, "command.args"), "generate --name demo");
    CHECK_STR(otlp_str(at, "command.error"), "boom");
    CHECK_STR(otlp_str(at, "team"), "core");
    lr = jat(jget(jat(jget(rl, "scopeLogs"), 0), "logRecords"), 1);
    CHECK_STR(jstr(lr, "timeUnixNano"), "1774864800500000001");
    CHECK_STR(otlp_str(jget(lr, "attributes"), "event.id"), "11111111-2222-4333-8444-555555555555");
    CHECK(otlp_attr(jget(lr, "attributes"), "command.args") == NULL);
    CHECK(otlp_attr(jget(lr, "attributes"), "command.error") == NULL);
    sinklog_free(&l);
    t_done();
}

/* command.args / command.error: only under extended collection. */
static void test_otlp_extended(void) {
    int ext;
    for (ext = 0; ext < 2; ext++) {
        gtbt_desc d = t_setup();
        gtbt_collector *c;
        sink s;
        sinklog l;
        char url[128];
        jn *at;
        SINK_OR_FAIL(s, NULL);
        snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
        d.otel_endpoint = url;
        d.extended_collection = ext != 0;
        c = gtbt_new(&d);
        gtbt_track_command_ext(c, "generate", 3, T_ARGS, 5, 1, "exit status 1", NULL, 0);
        CHECK_INT(gtbt_close(c), GTBT_OK);
        sinklog_read(&l, &s);
        sink_stop(&s);
        CHECK_INT(l.n, 1);
        check_post(&l, 0, "/v1/logs", hostport(s.port), UA);
        at = jget(jat(jget(jat(jget(jat(jget(l.body[0], "resourceLogs"), 0), "scopeLogs"), 0), "logRecords"), 0), "attributes");
        CHECK_STR(otlp_int(at, "command.duration_ms"), "5");
        CHECK_STR(otlp_int(at, "command.exit_code"), "1");
        if (ext) {
            CHECK_STR(otlp_str(at, "command.args"), "generate --name demo");
            CHECK_STR(otlp_str(at, "command.error"), "exit status 1");
        } else {
            CHECK(otlp_attr(at, "command.args") == NULL);
            CHECK(otlp_attr(at, "command.error") == NULL);
        }
        sinklog_free(&l);
        t_done();
    }
}

/* ================================================================================ Datadog */

static gtbt_backend *dd_backend(int port, const char *source) {
    gtbt_datadog_desc dd;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/input", port);
    memset(&dd, 0, sizeof dd);
    dd.api_key = "dd_test_key_123";
    dd.endpoint = url;
    dd.source = source;
    dd.net = net_logged();
    return gtbt_datadog_backend(&dd);
}

static void test_datadog_collector(void) {
    gtbt_desc d = t_setup();
    gtbt_kv meta[] = {{"env", "production"}};
    sink s;
    sinklog l;
    gtbt_collector *c;
    char info[160], mid[17], osv[128], tags[256];
    int64_t t0, t1;
    jn *e;
    SINK_OR_FAIL(s, NULL);
    d.backend = dd_backend(s.port, NULL);
    CHECK(d.backend != NULL);
    d.metadata = meta;
    d.n_metadata = 1;
    snprintf(info, sizeof info, "datadog (http://127.0.0.1:%d/v1/input)", s.port);
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), info);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt__os_version(osv, sizeof osv);
    t0 = gtbt__realtime_ns();
    gtbt_track_command(c, "generate", 142, 2, NULL, 0);
    t1 = gtbt__realtime_ns();
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/v1/input", hostport(s.port), UA);
    CHECK_STR(req_str(&l, 0, "format"), "datadog");
    CHECK_STR(req_header(&l, 0, "dd-api-key"), "dd_test_key_123");
    CHECK(!strstr(L.text, "dd_test_key_123"));
    CHECK_INT(jlen(l.body[0]), 1);
    e = jat(l.body[0], 0);
    CHECK_STR(jstr(e, "message"), "command.invocation: generate");
    CHECK_STR(jstr(e, "ddsource"), "gtb");
    snprintf(tags, sizeof tags, "event_type:command.invocation,tool_version:1.2.3,os:%s,arch:%s", GTBT__OS, GTBT__ARCH);
    CHECK_STR(jstr(e, "ddtags"), tags);
    CHECK_STR(jstr(e, "hostname"), mid);
    CHECK_STR(jstr(e, "service"), "mytool");
    CHECK(ts_ok(jstr(e, "timestamp"), t0, t1));
    CHECK_STR(jstr(e, "level"), "info");
    CHECK_STR(jraw(e, "duration_ms"), "142");
    CHECK_STR(jraw(e, "exit_code"), "2");
    CHECK_STR(jstr(e, "os_version"), osv);
    CHECK_STR(jstr(e, "runtime_version"), GTBT__RUNTIME);
    CHECK(uuid_ok(jstr(e, "event_id")));
    CHECK_INT(jtype(e, "metadata"), JN_OBJ);
    CHECK_STR(jstr(jget(e, "metadata"), "env"), "production");
    sinklog_free(&l);
    t_done();
}

static void test_datadog_send_direct(void) {
    gtbt_desc d = t_setup();
    gtbt_event ev[2];
    gtbt_backend *b;
    sink s;
    sinklog l;
    jn *e;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    b = dd_backend(s.port, "mysource");
    CHECK(b != NULL);
    if (b) {
        ev[0] = fixed_event();
        ev[1] = fixed_event();
        ev[1].uuid = "11111111-2222-4333-8444-555555555555";
        ev[1].type = "feature.used";
        ev[1].name = "export,csv";
        ev[1].duration_ms = 0;
        ev[1].exit_code = 0;
        ev[1].metadata = NULL;
        ev[1].n_metadata = 0;
        CHECK_INT(b->send(b, ev, 2, gtbt_now_ms() + 5000 * T_SLOW), GTBT_OK);
        CHECK(b->max_event_age_ms == INT64_C(18) * 3600 * 1000);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/v1/input", hostport(s.port), UA);
    CHECK_STR(req_header(&l, 0, "dd-api-key"), "dd_test_key_123");
    CHECK_INT(jlen(l.body[0]), 2);
    e = jat(l.body[0], 0);
    CHECK_STR(jstr(e, "message"), "command.invocation: generate");
    CHECK_STR(jstr(e, "ddsource"), "mysource");
    CHECK_STR(jstr(e, "ddtags"), "event_type:command.invocation,tool_version:1.2.3,os:linux,arch:amd64");
    CHECK_STR(jstr(e, "hostname"), T_MID);
    CHECK_STR(jstr(e, "service"), "mytool");
    CHECK_STR(jstr(e, "timestamp"), T_TIME_STR);
    CHECK_STR(jstr(e, "level"), "info");
    CHECK_STR(jraw(e, "duration_ms"), "142");
    CHECK_STR(jraw(e, "exit_code"), "2");
    CHECK_STR(jstr(e, "os_version"), "6.8.0-106-generic");
    CHECK_STR(jstr(e, "runtime_version"), "gcc 12.2.0");
    CHECK_STR(jstr(e, "event_id"), T_UUID);
    CHECK_INT(jlen(jget(e, "metadata")), 2);
    CHECK_STR(jstr(jget(e, "metadata"), "env"), "production");
    CHECK_STR(jstr(jget(e, "metadata"), "flag"), "verbose");
    e = jat(l.body[0], 1);
    CHECK_STR(jstr(e, "message"), "feature.used: export,csv");
    CHECK_STR(jstr(e, "ddtags"), "event_type:feature.used,tool_version:1.2.3,os:linux,arch:amd64");
    CHECK_STR(jraw(e, "duration_ms"), "0");
    CHECK_STR(jraw(e, "exit_code"), "0");
    CHECK_STR(jstr(e, "event_id"), "11111111-2222-4333-8444-555555555555");
    CHECK(jget(e, "metadata") == NULL);
    sinklog_free(&l);
    t_done();
}

static void test_datadog_split(void) {
    gtbt_desc d = t_setup();
    enum { N = 2500 };
    static gtbt_event ev[N];
    static char ids[N][37], got[N][37];
    gtbt_backend *b;
    sink s;
    sinklog l;
    int i, n;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    for (i = 0; i < N; i++) {
        ev[i] = fixed_event();
        snprintf(ids[i], sizeof ids[i], "00000000-0000-4000-8000-%012d", i);
        ev[i].uuid = ids[i];
    }
    b = dd_backend(s.port, NULL);
    CHECK(b != NULL);
    if (b) {
        CHECK_INT(b->send(b, ev, N, gtbt_now_ms() + 10000 * T_SLOW), GTBT_OK);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 3);
    for (i = 0; i < l.n; i++) {
        check_post(&l, i, "/v1/input", hostport(s.port), UA);
        CHECK_STR(req_header(&l, i, "dd-api-key"), "dd_test_key_123");
        CHECK(jlen(l.body[i]) <= 1000);
    }
    CHECK_INT(jlen(l.body[0]), 1000);
    CHECK_INT(jlen(l.body[1]), 1000);
    CHECK_INT(jlen(l.body[2]), 500);
    n = log_uuids(&l, got, N, "event_id");
    CHECK(same_set_once(ids, N, got, n));
    /* in order */
    CHECK(n == N && !strcmp(got[0], ids[0]) && !strcmp(got[N - 1], ids[N - 1]) && !strcmp(got[1000], ids[1000]));
    sinklog_free(&l);
    t_done();
}

/* 5 MB per request: big events are split by size too. */
static void test_datadog_split_bytes(void) {
    gtbt_desc d = t_setup();
    enum { N = 40, PAIRS = 64 };
    static gtbt_event ev[N];
    static char ids[N][37], got[N][37], keys[PAIRS][16], value[4097];
    static gtbt_kv meta[PAIRS];
    gtbt_backend *b;
    sink s;
    sinklog l;
    int i, n;
    size_t total = 0;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    memset(value, 'v', 4096);
    value[4096] = 0;
    for (i = 0; i < PAIRS; i++) {
        snprintf(keys[i], sizeof keys[i], "k%02d", i);
        meta[i].key = keys[i];
        meta[i].value = value;
    }
    for (i = 0; i < N; i++) {
        ev[i] = fixed_event();
        snprintf(ids[i], sizeof ids[i], "00000000-0000-4000-8000-%012d", i);
        ev[i].uuid = ids[i];
        ev[i].metadata = meta;
        ev[i].n_metadata = PAIRS;
    }
    b = dd_backend(s.port, NULL);
    CHECK(b != NULL);
    if (b) {
        CHECK_INT(b->send(b, ev, N, gtbt_now_ms() + 20000 * T_SLOW), GTBT_OK);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK(l.n >= 2);
    for (i = 0; i < l.n; i++) {
        const char *body = req_str(&l, i, "body");
        CHECK(body && strlen(body) <= 5u * 1000 * 1000);
        CHECK(req_valid(&l, i));
        total += body ? strlen(body) : 0;
    }
    CHECK(total > 5u * 1000 * 1000);
    n = log_uuids(&l, got, N, "event_id");
    CHECK(same_set_once(ids, N, got, n));
    sinklog_free(&l);
    t_done();
}

static void test_datadog_regions(void) {
    static const struct { const char *name; gtbt_datadog_region r; } names[] = {
        {"us1", GTBT_DD_US1}, {"us3", GTBT_DD_US3}, {"us5", GTBT_DD_US5}, {"eu1", GTBT_DD_EU1}, {"EU1", GTBT_DD_EU1},
        {"Eu1", GTBT_DD_EU1}, {"ap1", GTBT_DD_AP1}, {"ap2", GTBT_DD_AP2}, {"gov", GTBT_DD_GOV}, {"GOV", GTBT_DD_GOV},
        {"mars", GTBT_DD_US1}, {"", GTBT_DD_US1}, {"eu", GTBT_DD_US1}, {"eu1 ", GTBT_DD_US1}, {NULL, GTBT_DD_US1}};
    static const char *const hosts[] = {
        "https://http-intake.logs.datadoghq.com/v1/input", "https://http-intake.logs.us3.datadoghq.com/v1/input",
        "https://http-intake.logs.us5.datadoghq.com/v1/input", "https://http-intake.logs.datadoghq.eu/v1/input",
        "https://http-intake.logs.ap1.datadoghq.com/v1/input", "https://http-intake.logs.ap2.datadoghq.com/v1/input",
        "https://http-intake.logs.ddog-gov.com/v1/input"};
    gtbt_desc d = t_setup();
    gtbt_datadog_desc dd;
    gtbt_collector *c;
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        gtbt_datadog_region r = gtbt_datadog_region_from_name(names[i].name);
        if (r != names[i].r) gt_fail(__FILE__, __LINE__, "region \"%s\": expected %d, got %d", names[i].name ? names[i].name : "(null)", (int)names[i].r, (int)r);
    }
    memset(&dd, 0, sizeof dd);
    dd.api_key = "k";
    for (i = 0; i < 7; i++) {
        gtbt_backend *b;
        dd.region = (gtbt_datadog_region)i;
        b = gtbt_datadog_backend(&dd);
        CHECK(b != NULL);
        if (b) CHECK_CONTAINS(b->info, hosts[i]);
        gtbt_backend_destroy(b);
    }
    dd.region = (gtbt_datadog_region)99;   /* out of range: US1 */
    {
        gtbt_backend *b = gtbt_datadog_backend(&dd);
        CHECK(b != NULL);
        if (b) CHECK_CONTAINS(b->info, hosts[0]);
        gtbt_backend_destroy(b);
    }
    /* through a collector: the info names the region's host; nothing is sent without events */
    dd.region = gtbt_datadog_region_from_name("eu1");
    d.backend = gtbt_datadog_backend(&dd);
    c = gtbt_new(&d);
    CHECK_CONTAINS(gtbt_backend_info(c), "datadog (https://http-intake.logs.datadoghq.eu/v1/input)");
    CHECK_INT(gtbt_close(c), GTBT_OK);
    /* an explicit endpoint overrides the region */
    dd.endpoint = "http://127.0.0.1:9/v1/input";
    {
        gtbt_backend *b = gtbt_datadog_backend(&dd);
        CHECK(b != NULL);
        if (b) { CHECK_STR(b->info, "datadog (http://127.0.0.1:9/v1/input)"); CHECK_NOT_CONTAINS(b->info, "datadoghq.eu"); }
        gtbt_backend_destroy(b);
    }
    t_done();
}

static void test_datadog_missing_key(void) {
    gtbt_desc d = t_setup();
    gtbt_datadog_desc dd;
    (void)d;
    memset(&dd, 0, sizeof dd);
    dd.net = net_logged();
    dd.endpoint = "http://127.0.0.1:9/v1/input";
    CHECK(gtbt_datadog_backend(&dd) == NULL);
    CHECK_INT(L.warns, 1);
    CHECK_INT(LOGGED(L, DATADOG_NO_KEY), 1);
    dd.api_key = "";
    CHECK(gtbt_datadog_backend(&dd) == NULL);
    CHECK_INT(LOGGED(L, DATADOG_NO_KEY), 2);
    CHECK(gtbt_datadog_backend(NULL) == NULL);
    /* an invalid endpoint is refused too, and said why */
    dd.api_key = "k";
    dd.endpoint = "ftp://127.0.0.1/x";
    CHECK(gtbt_datadog_backend(&dd) == NULL);
    CHECK_INT(LOGGED(L, URL_INVALID), 1);
    CHECK_INT(L.warns, 3);
    t_done();
}

/* Writes one generic-format spill line for an event at time ns into buf. */
static void spill_line(char *buf, size_t cap, int64_t ns, const char *uuid, const char *name) {
    char ts[40];
    gtbt__rfc3339(ns, ts);
    snprintf(buf, cap,
             "{\"timestamp\":\"%s\",\"uuid\":\"%s\",\"type\":\"command.invocation\",\"name\":\"%s\","
             "\"machine_id\":\"" T_MID "\",\"tool_name\":\"mytool\",\"version\":\"1.2.3\",\"os\":\"linux\","
             "\"arch\":\"amd64\",\"runtime_version\":\"gcc 12.2.0\",\"os_version\":\"6.1.0\"}\n", ts, uuid, name);
}

static void test_datadog_drops_old_spill(void) {
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    gtbt_collector *c;
    char path[1024], text[4096], line[1024];
    int64_t now = gtbt__realtime_ns(), h = INT64_C(3600) * 1000000000;
    SINK_OR_FAIL(s, NULL);
    mkdir(T_data, 0700);
    text[0] = 0;
    spill_line(line, sizeof line, now - 19 * h, "aaaaaaaa-0000-4000-8000-000000000001", "old19h");
    strcat(text, line);
    spill_line(line, sizeof line, now - 1 * h, "aaaaaaaa-0000-4000-8000-000000000002", "recent");
    strcat(text, line);
    spill_line(line, sizeof line, now - 30 * h, "aaaaaaaa-0000-4000-8000-000000000003", "old30h");
    strcat(text, line);
    snprintf(path, sizeof path, "%s/telemetry-spill-%020lld-%d-0.ndjson", T_data, (long long)(now - 2 * h), (int)getpid());
    CHECK_INT(gt_write(path, text), 0);
    chmod(path, 0600);
    d.backend = dd_backend(s.port, NULL);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_INT(jlen(l.body[0]), 1);
    CHECK_STR(jstr(jat(l.body[0], 0), "event_id"), "aaaaaaaa-0000-4000-8000-000000000002");
    CHECK_STR(jstr(jat(l.body[0], 0), "message"), "command.invocation: recent");
    CHECK_INT(LOGGED(L, SPILL_TOO_OLD), 1);
    CHECK_CONTAINS(L.text, "dropped 2 spilled event(s)");
    CHECK_INT(spill_files(), 0);
    CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 0);
    sinklog_free(&l);
    t_done();
}

/* ================================================================================ PostHog */

static gtbt_backend *ph_backend(int port) {
    gtbt_posthog_desc pd;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/capture/", port);
    memset(&pd, 0, sizeof pd);
    pd.project_key = "phc_test";
    pd.endpoint = url;
    pd.net = net_logged();
    return gtbt_posthog_backend(&pd);
}

static void test_posthog_collector(void) {
    gtbt_desc d = t_setup();
    gtbt_kv meta[] = {{"$os", "evil"}, {"tool_name", "evil"}, {"team", "core"}};
    sink s;
    sinklog l;
    gtbt_collector *c;
    char info[160], mid[17], osv[128];
    int64_t t0, t1, t2;
    jn *body, *e, *p;
    SINK_OR_FAIL(s, NULL);
    d.backend = ph_backend(s.port);
    CHECK(d.backend != NULL);
    d.metadata = meta;
    d.n_metadata = 3;
    snprintf(info, sizeof info, "posthog (http://127.0.0.1:%d/capture/)", s.port);
    c = gtbt_new(&d);
    CHECK_STR(gtbt_backend_info(c), info);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt__os_version(osv, sizeof osv);
    t0 = gtbt__realtime_ns();
    gtbt_track_command(c, "generate", 142, 2, NULL, 0);
    t1 = gtbt__realtime_ns();
    CHECK_INT(gtbt_close(c), GTBT_OK);
    t2 = gtbt__realtime_ns();
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/capture/", hostport(s.port), UA);
    CHECK_STR(req_str(&l, 0, "format"), "posthog");
    body = l.body[0];
    CHECK_INT(jtype(body, "batch"), JN_ARR);
    CHECK_INT(jlen(body), 3);
    if (jlen(body) == 3) {
        CHECK_STR(body->key[0], "api_key");
        CHECK_STR(body->key[1], "batch");
        CHECK_STR(body->key[2], "sent_at");
    }
    CHECK_STR(jstr(body, "api_key"), "phc_test");
    CHECK(ts_ok(jstr(body, "sent_at"), t1, t2));
    CHECK_INT(jlen(jget(body, "batch")), 1);
    e = jat(jget(body, "batch"), 0);
    CHECK_STR(jstr(e, "event"), "command.invocation");
    CHECK_STR(jstr(e, "distinct_id"), mid);
    CHECK(ts_ok(jstr(e, "timestamp"), t0, t1));
    CHECK(uuid_ok(jstr(e, "uuid")));
    p = jget(e, "properties");
    CHECK_INT(jtype(e, "properties"), JN_OBJ);
    CHECK_STR(jstr(p, "event_name"), "generate");
    CHECK_STR(jstr(p, "tool_name"), "mytool");   /* metadata does not override built-ins */
    CHECK_INT(jcount(p, "tool_name"), 1);
    CHECK_STR(jstr(p, "tool_version"), "1.2.3");
    CHECK_STR(jstr(p, "$os"), GTBT__OS);
    CHECK_INT(jcount(p, "$os"), 1);
    CHECK_STR(jstr(p, "arch"), GTBT__ARCH);
    CHECK_STR(jraw(p, "duration_ms"), "142");
    CHECK_STR(jraw(p, "exit_code"), "2");
    CHECK_STR(jstr(p, "os_version"), osv);
    CHECK_STR(jstr(p, "runtime_version"), GTBT__RUNTIME);
    CHECK_STR(jstr(p, "$lib"), "gtb_telemetry");
    CHECK_STR(jstr(p, "$lib_version"), GTB_TELEMETRY_VERSION_STRING);
    CHECK_STR(jraw(p, "$process_person_profile"), "false");
    CHECK_STR(jraw(p, "$geoip_disable"), "true");
    CHECK_STR(jstr(p, "team"), "core");
    sinklog_free(&l);
    t_done();
}

static void test_posthog_send_direct(void) {
    gtbt_desc d = t_setup();
    gtbt_kv meta[] = {{"$lib", "evil"}, {"arch", "evil"}, {"plan", "pro"}};
    gtbt_event ev[1];
    gtbt_backend *b;
    sink s;
    sinklog l;
    jn *e, *p;
    (void)d;
    SINK_OR_FAIL(s, NULL);
    b = ph_backend(s.port);
    CHECK(b != NULL);
    if (b) {
        ev[0] = fixed_event();
        ev[0].metadata = meta;
        ev[0].n_metadata = 3;
        CHECK_INT(b->send(b, ev, 1, gtbt_now_ms() + 5000 * T_SLOW), GTBT_OK);
        gtbt_backend_destroy(b);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/capture/", hostport(s.port), UA);
    CHECK(req_header(&l, 0, "dd-api-key") == NULL);
    e = jat(jget(l.body[0], "batch"), 0);
    CHECK_STR(jstr(e, "event"), "command.invocation");
    CHECK_STR(jstr(e, "distinct_id"), T_MID);
    CHECK_STR(jstr(e, "timestamp"), T_TIME_STR);
    CHECK_STR(jstr(e, "uuid"), T_UUID);
    p = jget(e, "properties");
    CHECK_STR(jstr(p, "event_name"), "generate");
    CHECK_STR(jstr(p, "$os"), "linux");
    CHECK_STR(jstr(p, "arch"), "amd64");
    CHECK_INT(jcount(p, "arch"), 1);
    CHECK_STR(jstr(p, "$lib"), "gtb_telemetry");
    CHECK_INT(jcount(p, "$lib"), 1);
    CHECK_STR(jstr(p, "os_version"), "6.8.0-106-generic");
    CHECK_STR(jstr(p, "runtime_version"), "gcc 12.2.0");
    CHECK_STR(jstr(p, "plan"), "pro");
    sinklog_free(&l);
    t_done();
}

static void test_posthog_instances(void) {
    gtbt_desc d = t_setup();
    gtbt_posthog_desc pd;
    gtbt_backend *b;
    (void)d;
    CHECK_INT(gtbt_posthog_instance_from_name("eu"), GTBT_POSTHOG_EU);
    CHECK_INT(gtbt_posthog_instance_from_name("EU"), GTBT_POSTHOG_EU);
    CHECK_INT(gtbt_posthog_instance_from_name("us"), GTBT_POSTHOG_US);
    CHECK_INT(gtbt_posthog_instance_from_name("mars"), GTBT_POSTHOG_US);
    CHECK_INT(gtbt_posthog_instance_from_name(""), GTBT_POSTHOG_US);
    CHECK_INT(gtbt_posthog_instance_from_name(NULL), GTBT_POSTHOG_US);
    memset(&pd, 0, sizeof pd);
    pd.net = net_logged();
    pd.project_key = "phc_x";
    b = gtbt_posthog_backend(&pd);
    CHECK(b != NULL);
    if (b) CHECK_STR(b->info, "posthog (https://us.i.posthog.com/capture/)");
    gtbt_backend_destroy(b);
    pd.instance = gtbt_posthog_instance_from_name("eu");
    b = gtbt_posthog_backend(&pd);
    CHECK(b != NULL);
    if (b) CHECK_STR(b->info, "posthog (https://eu.i.posthog.com/capture/)");
    gtbt_backend_destroy(b);
    /* self-hosted: the endpoint overrides the instance */
    pd.endpoint = "https://posthog.internal.example.com/capture/";
    b = gtbt_posthog_backend(&pd);
    CHECK(b != NULL);
    if (b) { CHECK_STR(b->info, "posthog (https://posthog.internal.example.com/capture/)"); CHECK_NOT_CONTAINS(b->info, "eu.i.posthog.com"); }
    gtbt_backend_destroy(b);
    /* a missing project key: NULL, and a WARN that names it */
    CHECK_INT(L.warns, 0);
    pd.project_key = NULL;
    CHECK(gtbt_posthog_backend(&pd) == NULL);
    CHECK_INT(L.warns, 1);
    CHECK_INT(LOGGED(L, POSTHOG_NO_KEY), 1);
    pd.project_key = "";
    CHECK(gtbt_posthog_backend(&pd) == NULL);
    CHECK(gtbt_posthog_backend(NULL) == NULL);
    t_done();
}

/* Vendor backends report failures, so their events stay spilled and arrive later. */
static void test_vendor_at_least_once(void) {
    int k;
    for (k = 0; k < 2; k++) {
        static const char *const fail[] = {"--status", "503", NULL};
        gtbt_desc d = t_setup();
        gtbt_collector *c;
        sink s;
        sinklog l;
        char ids[4][37], got[8][37];
        int n, m;
        SINK_OR_FAIL(s, fail);
        d.backend = k ? ph_backend(s.port) : dd_backend(s.port, NULL);
        c = gtbt_new(&d);
        gtbt_track_command(c, "one", 1, 0, NULL, 0);
        gtbt_track_command(c, "two", 2, 0, NULL, 0);
        CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
        sink_stop(&s);
        CHECK_INT(spill_files(), 1);
        n = spill_uuids(ids, 4);
        CHECK_INT(n, 2);
        SINK_OR_FAIL(s, NULL);
        d.backend = k ? ph_backend(s.port) : dd_backend(s.port, NULL);
        c = gtbt_new(&d);
        CHECK_INT(gtbt_close(c), GTBT_OK);
        sinklog_read(&l, &s);
        sink_stop(&s);
        CHECK_INT(l.n, 1);
        CHECK(req_valid(&l, 0));
        if (k) { jn *b = l.body[0]; l.body[0] = jget(b, "batch"); m = log_uuids(&l, got, 8, "uuid"); l.body[0] = b; }
        else m = log_uuids(&l, got, 8, "event_id");
        CHECK(same_set_once(ids, n, got, m));
        CHECK_INT(spill_files(), 0);
        sinklog_free(&l);
        t_done();
    }
}

/* ================================================================================ deletion */

static void test_http_deletion(void) {
    gtbt_desc d = t_setup();
    gtbt_net_desc net = net_logged();
    gtbt_deletion *del;
    sink s;
    sinklog l;
    char url[128];
    (void)d;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/delete-me", s.port);
    del = gtbt_http_deletion(url, &net);
    CHECK(del != NULL);
    if (del) {
        CHECK(del->info != NULL);
        CHECK_INT(del->request(del, "0123456789abcdef", gtbt_now_ms() + 5000 * T_SLOW), GTBT_OK);
        gtbt_deletion_destroy(del);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/delete-me", hostport(s.port), NULL);
    CHECK_STR(req_str(&l, 0, "body"), "{\"machine_id\":\"0123456789abcdef\"}");
    CHECK_STR(req_str(&l, 0, "format"), "deletion");
    CHECK(gtbt_http_deletion("not a url", &net) == NULL);
    sinklog_free(&l);
    t_done();
}

/* Runs "telemetry <sub>" and returns what it printed (malloc'd). */
static char *run_cli(gtbt_collector *c, const char *sub, int *code) {
    const char *argv[1];
    FILE *f = tmpfile();
    char *out;
    long n;
    argv[0] = sub;
    *code = gtbt_cli(c, 1, argv, f);
    fflush(f);
    n = ftell(f);
    out = (char *)calloc(1, (size_t)n + 1);
    rewind(f);
    if (out && fread(out, 1, (size_t)n, f) != (size_t)n) out[0] = 0;
    fclose(f);
    return out;
}

static void test_cli_reset_http(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    gtbt_consent k;
    sink s;
    sinklog l;
    char url[128], mid[17], want[128], body[64], *out;
    int code;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", s.port);
    d.endpoint = url;
    d.force_enabled = false;
    CHECK_INT(gtbt_consent_set(&d, true), GTBT_OK);   /* the user opted in earlier */
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt_track_command(c, "generate", 1, 0, NULL, 0);   /* discarded by the reset, never sent */
    out = run_cli(c, "reset", &code);
    CHECK_INT(code, 0);
    snprintf(want, sizeof want, "answered with success for machine ID %s", mid);
    CHECK_CONTAINS(out, want);
    CHECK_CONTAINS(out, "Telemetry disabled.");
    free(out);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);   /* the deletion request only */
    check_post(&l, 0, "/events", hostport(s.port), NULL);
    snprintf(body, sizeof body, "{\"machine_id\":\"%s\"}", mid);
    CHECK_STR(req_str(&l, 0, "body"), body);
    CHECK_INT(gtbt_consent_resolve(&d, &k), GTBT_OK);
    CHECK(!k.enabled);
    sinklog_free(&l);
    t_done();
}

static void test_cli_reset_otlp(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], mid[17], want[128], *out;
    int code;
    jn *lrs, *at;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    d.otel_endpoint = url;
    d.force_enabled = false;
    CHECK_INT(gtbt_consent_set(&d, true), GTBT_OK);
    c = gtbt_new(&d);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt_track_command(c, "generate", 1, 0, NULL, 0);
    out = run_cli(c, "reset", &code);
    CHECK_INT(code, 0);
    snprintf(want, sizeof want, "A deletion-request event for machine ID %s was delivered to otlp", mid);
    CHECK_CONTAINS(out, want);
    free(out);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/v1/logs", hostport(s.port), NULL);
    lrs = jget(jat(jget(jat(jget(l.body[0], "resourceLogs"), 0), "scopeLogs"), 0), "logRecords");
    CHECK_INT(jlen(lrs), 1);
    at = jget(jat(lrs, 0), "attributes");
    CHECK_STR(otlp_str(at, "event.type"), "data.deletion_request");
    CHECK_STR(otlp_str(at, "machine.id"), mid);
    sinklog_free(&l);
    t_done();
}

/* Only a vendor backend: reset sends a data.deletion_request event through it. */
static void test_cli_reset_datadog(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char mid[17], want[128], *out;
    int code;
    jn *e;
    SINK_OR_FAIL(s, NULL);
    d.backend = dd_backend(s.port, NULL);
    c = gtbt_new(&d);
    snprintf(mid, sizeof mid, "%s", gtbt_collector_machine_id(c));
    gtbt_track_command(c, "generate", 1, 0, NULL, 0);
    out = run_cli(c, "reset", &code);
    CHECK_INT(code, 0);
    snprintf(want, sizeof want, "A deletion-request event for machine ID %s was delivered to datadog", mid);
    CHECK_CONTAINS(out, want);
    CHECK_CONTAINS(out, "Telemetry remains enabled per organisation policy");
    free(out);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);   /* the event recorded before the reset was dropped */
    CHECK_STR(req_str(&l, 0, "path"), "/v1/input");
    CHECK_STR(req_header(&l, 0, "dd-api-key"), "dd_test_key_123");
    CHECK_INT(jlen(l.body[0]), 1);
    e = jat(l.body[0], 0);
    CHECK_STR(jstr(e, "message"), "data.deletion_request: deletion_request");
    CHECK_STR(jstr(e, "hostname"), mid);
    sinklog_free(&l);
    t_done();
}

/* The deletion endpoint fails: reset says so truthfully and prints the support message. */
static void test_cli_reset_failure(void) {
    static const char *const args[] = {"--status", "503", NULL};
    int k;
    for (k = 0; k < 2; k++) {
        gtbt_desc d = t_setup();
        gtbt_collector *c;
        sink s;
        char url[128], *out;
        int code;
        SINK_OR_FAIL(s, args);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/events", k ? closed_port() : s.port);
        d.endpoint = url;
        d.support_message = "write to privacy@example.com";
        c = gtbt_new(&d);
        out = run_cli(c, "reset", &code);
        CHECK_CONTAINS(out, "Deletion request failed: http (");
        CHECK_NOT_CONTAINS(out, "Deletion request accepted");
        CHECK_CONTAINS(out, "For manual deletion: write to privacy@example.com");
        free(out);
        gtbt_close(c);
        sink_stop(&s);
        t_done();
    }
}

/* ================================================================================ TLS */

/* One event to https://<host>:PORT/e of a --tls sink with leaf/key, trusting ca: delivered. */
static void tls_run(const char *leaf, const char *key, const char *ca, const char *env_ca, const char *host, int want) {
    const char *args[] = {"--tls", "--cert", NULL, "--key", NULL, NULL, NULL, NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[160], hp[80];
    args[2] = cert(leaf);
    args[4] = cert(key);
    if (host[0] == '[') { args[5] = "--host"; args[6] = "::1"; }
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "https://%s:%d/e", host, s.port);
    snprintf(hp, sizeof hp, "%s:%d", host, s.port);
    d.endpoint = url;
    d.net.ca_file = ca ? cert(ca) : NULL;
    if (env_ca) setenv("SSL_CERT_FILE", cert(env_ca), 1);
    c = gtbt_new(&d);
    gtbt_track_command(c, "secure", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), want);
    sinklog_read(&l, &s);
    sink_stop(&s);
    if (want == GTBT_OK) {
        CHECK_INT(l.n, 1);
        check_post(&l, 0, "/e", hp, UA);
        CHECK_INT(jlen(l.body[0]), 1);
        CHECK_STR(jstr(jat(l.body[0], 0), "name"), "secure");
        CHECK_INT(spill_files(), 0);
    } else {
        CHECK_INT(l.n, 0);
        CHECK_INT(spill_files(), 1);
    }
    if (gt_test_failed) printf("    (tls %s ca=%s SSL_CERT_FILE=%s %s)\n%s", leaf, ca ? ca : "-", env_ca ? env_ca : "-", host, L.text);
    sinklog_free(&l);
    t_done();
}

static void tls_ok(const char *leaf, const char *key, const char *ca, const char *host) { tls_run(leaf, key, ca, NULL, host, GTBT_OK); }

static void test_tls_rsa_name(void) { tls_ok("localhost-rsa.pem", "localhost-rsa.key", "ca-rsa.pem", "localhost"); }
static void test_tls_rsa_ip(void) { tls_ok("localhost-rsa.pem", "localhost-rsa.key", "ca-rsa.pem", "127.0.0.1"); }
static void test_tls_rsa_chain(void) { tls_ok("localhost-rsa-chain.pem", "localhost-rsa.key", "ca-rsa.pem", "localhost"); }
static void test_tls_ec_name(void) { tls_ok("localhost-ec.pem", "localhost-ec.key", "ca-ec.pem", "localhost"); }
static void test_tls_ec_ip(void) { tls_ok("localhost-ec.pem", "localhost-ec.key", "ca-ec.pem", "127.0.0.1"); }
static int have_ipv6(void) {
    struct sockaddr_in6 a;
    int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    if (!ok) gt_skip("no IPv6 loopback on this machine");
    return ok;
}
/* by IPv6 literal: the certificate's iPAddress SAN ::1 */
static void test_tls_ipv6(void) {
    if (!have_ipv6()) return;
    tls_ok("localhost-rsa.pem", "localhost-rsa.key", "ca-rsa.pem", "[::1]");
    tls_ok("localhost-ec.pem", "localhost-ec.key", "ca-ec.pem", "[::1]");
    tls_run("wrong-host.pem", "wrong-host.key", "ca-rsa.pem", NULL, "[::1]", GTBT_E_TLS);
}

/* https:// to a server that speaks plain HTTP (it waits for a request head that never comes): a
   clean, retryable failure within the budget; the event is kept. */
static void test_tls_to_plain_server(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    char url[128];
    int rc;
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/e", s.port);
    d.endpoint = url;
    d.net.ca_file = cert("ca-rsa.pem");
    d.flush_timeout_ms = 800;
    c = gtbt_new(&d);
    gtbt_track_command(c, "cmd", 1, 0, NULL, 0);
    rc = gtbt_close(c);
    if (rc != GTBT_E_TLS && rc != GTBT_E_NETWORK && rc != GTBT_E_TIMEOUT) printf("    rc %d (%s)\n%s", rc, gtbt_strerror(rc), L.text);
    CHECK(rc == GTBT_E_TLS || rc == GTBT_E_NETWORK || rc == GTBT_E_TIMEOUT);
    CHECK_INT(spill_files(), 1);
    sink_stop(&s);
    t_done();
}

/* A certificate the client must refuse: GTBT_E_TLS, nothing delivered, the event kept in a spill
   file; then a later run that trusts the right server delivers that very event. */
static void tls_bad(const char *leaf, const char *key, const char *ca, const char *host) {
    const char *args[] = {"--tls", "--cert", NULL, "--key", NULL, NULL};
    const char *good[] = {"--tls", "--cert", NULL, "--key", NULL, NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s, s2;
    sinklog l;
    char url[160], ids[4][37], got[4][37];
    int i, n, m;
    args[2] = cert(leaf);
    args[4] = cert(key);
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "https://%s:%d/e", host, s.port);
    d.endpoint = url;
    d.net.ca_file = cert(ca);
    c = gtbt_new(&d);
    gtbt_track_command(c, "refused", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_TLS);
    sinklog_read(&l, &s);
    for (i = 0; i < l.n; i++) CHECK(!req_str(&l, i, "body") || !*req_str(&l, i, "body"));
    sinklog_free(&l);
    CHECK_INT(spill_files(), 1);
    n = spill_uuids(ids, 4);
    CHECK_INT(n, 1);
    /* later: the right CA (wrong-CA case: same server), else a server with a good certificate */
    if (!strcmp(ca, "other-ca.pem")) {
        s2 = s;
    } else {
        sink_stop(&s);
        good[2] = cert("localhost-rsa.pem");
        good[4] = cert("localhost-rsa.key");
        SINK_OR_FAIL(s2, good);
        snprintf(url, sizeof url, "https://%s:%d/e", host, s2.port);
    }
    d.net.ca_file = cert("ca-rsa.pem");
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s2);
    sink_stop(&s2);
    CHECK_INT(l.n, 1);
    m = log_uuids(&l, got, 4, "uuid");
    CHECK(same_set_once(ids, n, got, m));
    CHECK_INT(spill_files(), 0);
    if (gt_test_failed) printf("    (tls_bad %s %s %s)\n%s", leaf, ca, host, L.text);
    sinklog_free(&l);
    t_done();
}

static void test_tls_wrong_ca(void) { tls_bad("localhost-rsa.pem", "localhost-rsa.key", "other-ca.pem", "localhost"); }
static void test_tls_expired(void) { tls_bad("expired.pem", "expired.key", "ca-rsa.pem", "localhost"); }
static void test_tls_wrong_host(void) { tls_bad("wrong-host.pem", "wrong-host.key", "ca-rsa.pem", "localhost"); }
static void test_tls_wrong_host_ip(void) { tls_bad("wrong-host.pem", "wrong-host.key", "ca-rsa.pem", "127.0.0.1"); }
static void test_tls_self_signed(void) { tls_bad("self-signed.pem", "self-signed.key", "ca-rsa.pem", "localhost"); }

/* SSL_CERT_FILE is used when net.ca_file is unset; net.ca_file wins over it. */
static void test_tls_ssl_cert_file(void) {
    tls_run("localhost-ec.pem", "localhost-ec.key", NULL, "ca-ec.pem", "localhost", GTBT_OK);
    tls_run("localhost-ec.pem", "localhost-ec.key", NULL, "other-ca.pem", "localhost", GTBT_E_TLS);
    tls_run("localhost-ec.pem", "localhost-ec.key", "ca-ec.pem", "other-ca.pem", "localhost", GTBT_OK);
    tls_run("localhost-ec.pem", "localhost-ec.key", "other-ca.pem", "ca-ec.pem", "localhost", GTBT_E_TLS);
}

/* ================================================================================ faults */

/* One collector: n events to http://127.0.0.1:PORT/e with flush_timeout_ms; returns gtbt_close's
   result and its duration in *ms. */
static int run_one(gtbt_desc d, int port, int n, int flush_timeout_ms, int64_t *ms) {
    gtbt_collector *c;
    char url[128];
    int i, rc;
    int64_t t;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", port);
    d.endpoint = url;
    if (flush_timeout_ms) d.flush_timeout_ms = flush_timeout_ms;
    c = gtbt_new(&d);
    for (i = 0; i < n; i++) gtbt_track_command(c, "cmd", i + 1, 0, NULL, 0);
    t = gt_mono_ms();
    rc = gtbt_close(c);
    if (ms) *ms = gt_mono_ms() - t;
    return rc;
}

static void test_fault_blackhole(void) {
    static const char *const args[] = {"--blackhole", NULL};
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    int64_t ms;
    char ids[4][37];
    SINK_OR_FAIL(s, args);
    d.net.timeout_ms = 5000;   /* the flush budget caps it */
    CHECK_INT(run_one(d, s.port, 2, 600, &ms), GTBT_E_TIMEOUT);
    printf("    blackhole: gtbt_close returned after %lld ms (budget 600 ms + %d ms margin)\n", (long long)ms, MARGIN_MS);
    CHECK(ms <= 600 + MARGIN_MS);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_INT(req_status(&l, 0), 0);
    CHECK_INT(spill_files(), 1);
    CHECK_INT(spill_uuids(ids, 4), 2);
    sinklog_free(&l);
    t_done();
}

/* net.timeout_ms caps one request below the flush budget. */
static void test_fault_blackhole_request_timeout(void) {
    static const char *const args[] = {"--blackhole", NULL};
    gtbt_desc d = t_setup();
    sink s;
    int64_t ms;
    SINK_OR_FAIL(s, args);
    d.net.timeout_ms = 300;
    CHECK_INT(run_one(d, s.port, 1, 5000, &ms), GTBT_E_TIMEOUT);
    printf("    blackhole, net.timeout_ms 300: gtbt_close returned after %lld ms (300 ms + %d ms margin)\n", (long long)ms, MARGIN_MS);
    CHECK(ms <= 300 + MARGIN_MS);
    CHECK_INT(spill_files(), 1);
    sink_stop(&s);
    t_done();
}

/* At-most-once: what the deadline cut off is dropped, not spilled; flush reports success. */
static void test_fault_blackhole_at_most_once(void) {
    static const char *const args[] = {"--blackhole", NULL};
    gtbt_desc d = t_setup();
    sink s;
    int64_t ms;
    SINK_OR_FAIL(s, args);
    d.delivery = GTBT_AT_MOST_ONCE;
    CHECK_INT(run_one(d, s.port, 2, 500, &ms), GTBT_OK);
    printf("    blackhole, at-most-once: gtbt_close returned after %lld ms (budget 500 ms + %d ms margin)\n", (long long)ms, MARGIN_MS);
    CHECK(ms <= 500 + MARGIN_MS);
    CHECK_INT(spill_files(), 0);
    CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 0);
    sink_stop(&s);
    t_done();
}

static void test_fault_refused(void) {
    gtbt_desc d = t_setup();
    int port = closed_port();
    char ids[4][37];
    CHECK(port > 0);
    CHECK_INT(run_one(d, port, 2, 2000 * T_SLOW, NULL), GTBT_E_NETWORK);
    CHECK_INT(spill_files(), 1);
    CHECK_INT(spill_uuids(ids, 4), 2);
    t_done();
}

/* A fault that ends in a retryable error: the events stay spilled. */
static void fault_spills(const char *const *args, int want, int timeout_ms, int64_t max_ms) {
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    int64_t ms;
    char ids[4][37];
    SINK_OR_FAIL(s, args);
    CHECK_INT(run_one(d, s.port, 2, timeout_ms, &ms), want);
    if (max_ms) {
        printf("    %s: gtbt_close returned after %lld ms (budget %d ms + %d ms margin)\n", args[0], (long long)ms, timeout_ms, MARGIN_MS);
        CHECK(ms <= timeout_ms + MARGIN_MS);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_INT(spill_files(), 1);
    CHECK_INT(spill_uuids(ids, 4), 2);
    if (gt_test_failed) printf("%s", L.text);
    sinklog_free(&l);
    t_done();
}

static void test_fault_reset(void) {
    static const char *const args[] = {"--reset", NULL};
    fault_spills(args, GTBT_E_NETWORK, 2000 * T_SLOW, 0);
}
static void test_fault_garbage(void) {
    static const char *const args[] = {"--garbage", NULL};
    fault_spills(args, GTBT_E_NETWORK, 2000 * T_SLOW, 0);
}
static void test_fault_slow(void) {
    static const char *const args[] = {"--slow", "100", NULL};   /* ~15 s for the answer */
    fault_spills(args, GTBT_E_TIMEOUT, 800, 1);
}

static void test_fault_huge(void) {
    static const char *const args[] = {"--huge", "3", NULL};
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    SINK_OR_FAIL(s, args);
    CHECK_INT(run_one(d, s.port, 2, 5000 * T_SLOW, NULL), GTBT_OK);   /* a 2xx counts, even cut at 1 MiB */
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_INT(req_status(&l, 0), 200);
    CHECK_INT(spill_files(), 0);
    sinklog_free(&l);
    t_done();
}

static void test_fault_2xx_variants(void) {
    static const char *const codes[] = {"201", "202", "204", "299"};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *args[] = {"--status", NULL, NULL};
        gtbt_desc d = t_setup();
        sink s;
        sinklog l;
        args[1] = codes[i];
        SINK_OR_FAIL(s, args);
        CHECK_INT(run_one(d, s.port, 2, 2000 * T_SLOW, NULL), GTBT_OK);
        CHECK_INT(spill_files(), 0);
        CHECK_INT(run_one(d, s.port, 0, 2000 * T_SLOW, NULL), GTBT_OK);
        sinklog_read(&l, &s);
        sink_stop(&s);
        CHECK_INT(l.n, 1);
        if (gt_test_failed) printf("    (--status %s)\n%s", codes[i], L.text);
        sinklog_free(&l);
        t_done();
    }
}

/* A permanent answer: rc OK (dropped by policy), nothing spilled, a second run sends nothing. */
static void fault_dropped(const char *const *args, gtbt_log_item warn) {
    gtbt_desc d = t_setup();
    sink s;
    sinklog l;
    SINK_OR_FAIL(s, args);
    CHECK_INT(run_one(d, s.port, 2, 2000 * T_SLOW, NULL), GTBT_OK);
    CHECK_INT(spill_files(), 0);
    CHECK_INT(L.items[warn], 1);
    CHECK_INT(run_one(d, s.port, 0, 2000 * T_SLOW, NULL), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 0);
    if (gt_test_failed) printf("    (%s %s)\n%s", args[0], args[1] ? args[1] : "", L.text);
    sinklog_free(&l);
    t_done();
}

static void test_fault_redirect(void) {
    static const char *const args[] = {"--redirect", "http://127.0.0.1:9/elsewhere", NULL};
    fault_dropped(args, GTBT_LOGITEM_HTTP_REDIRECT);
}

static void test_fault_reject_3xx(void) {
    static const char *const codes[] = {"302", "307", "308"};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *args[] = {"--status", NULL, NULL};
        args[1] = codes[i];
        fault_dropped(args, GTBT_LOGITEM_HTTP_REDIRECT);
    }
}

static void test_fault_reject_4xx(void) {
    static const char *const codes[] = {"400", "401", "403", "404", "413", "422"};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *args[] = {"--status", NULL, NULL};
        args[1] = codes[i];
        fault_dropped(args, GTBT_LOGITEM_DELIVERY_REJECTED);
    }
}

/* A retryable answer: the events stay spilled; the next run with a healthy sink delivers them
   exactly once, with the same uuids; a third run sends nothing. */
static void fault_retried(const char *const *args, int otlp) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], ids[4][37], first[4][37], got[8][37];
    int n, m, i;
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", s.port);
    if (otlp) d.otel_endpoint = url; else d.endpoint = url;
    c = gtbt_new(&d);
    for (i = 0; i < 3; i++) gtbt_track_command(c, "cmd", i + 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    if (otlp) {
        m = 0;
    } else {
        m = log_uuids(&l, first, 4, "uuid");
        CHECK_INT(m, 3);
    }
    sinklog_free(&l);
    CHECK_INT(spill_files(), 1);
    n = spill_uuids(ids, 4);
    CHECK_INT(n, 3);
    if (!otlp) CHECK(same_set_once(ids, n, first, m));
    /* the next run, a healthy server */
    SINK_OR_FAIL(s, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", s.port);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK(req_valid(&l, 0));
    if (otlp) {
        jn *lrs = jget(jat(jget(jat(jget(l.body[0], "resourceLogs"), 0), "scopeLogs"), 0), "logRecords");
        for (m = 0; m < (int)jlen(lrs) && m < 8; m++) {
            const char *id = otlp_str(jget(jat(lrs, (size_t)m), "attributes"), "event.id");
            snprintf(got[m], 37, "%s", id ? id : "");
        }
    } else {
        m = log_uuids(&l, got, 8, "uuid");
    }
    CHECK(same_set_once(ids, n, got, m));
    CHECK_INT(spill_files(), 0);
    if (gt_test_failed) printf("    (%s %s)\n%s", args[0], args[1] ? args[1] : "", L.text);
    sinklog_free(&l);
    t_done();
}

static void test_fault_retry_5xx(void) {
    static const char *const codes[] = {"408", "429", "500", "502", "503", "504"};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *args[] = {"--status", NULL, NULL};
        args[1] = codes[i];
        fault_retried(args, 0);
    }
}

static void otlp_dropped(const char *code) {
    const char *args[] = {"--status", NULL, NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128];
    args[1] = code;
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    d.otel_endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "cmd", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);   /* permanent for OTLP: dropped */
    CHECK_INT(spill_files(), 0);
    CHECK_INT(LOGGED(L, DELIVERY_REJECTED), 1);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK_STR(req_str(&l, 0, "path"), "/v1/logs");
    if (gt_test_failed) printf("    (OTLP, --status %s)\n%s", code, L.text);
    sinklog_free(&l);
    t_done();
}
static void test_otlp_500_dropped(void) { otlp_dropped("500"); otlp_dropped("408"); otlp_dropped("400"); }

static void test_otlp_503_retried(void) {
    static const char *const a503[] = {"--status", "503", NULL};
    static const char *const a429[] = {"--status", "429", NULL};
    fault_retried(a503, 1);
    fault_retried(a429, 1);
}

static void retry_after_case(const char *value) {
    const char *args[] = {"--status", "429", "--retry-after", NULL, NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], *out;
    int port, code, tries;
    args[3] = value;
    SINK_OR_FAIL(s, args);
    port = s.port;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "cmd", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    sink_stop(&s);
    CHECK_INT(spill_files(), 1);
    CHECK_INT(gt_count(T_data, "telemetry-backoff-", NULL), 1);
    /* a healthy server on the same address (so the back-off, kept per backend, applies) */
    for (tries = 0; tries < 20 && sink_start_port(&s, T_dir, port, NULL) != 0; tries++) gt_sleep_ms(50);
    CHECK(s.pid > 0);
    if (s.pid <= 0) { t_done(); return; }
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), GTBT_E_HTTP_RETRY);
    out = run_cli(c, "status", &code);
    CHECK_INT(code, 0);
    CHECK_CONTAINS(out, "Back-off: not contacting the backend until ");
    CHECK_CONTAINS(out, "Pending: 1 event waiting to be sent");
    CHECK_CONTAINS(out, " local time (in ");
    free(out);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    gt_sleep_ms(100);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 0);   /* not even a connection */
    CHECK_INT(spill_files(), 1);
    if (gt_test_failed) printf("    (Retry-After: %s)\n%s", value, L.text);
    sinklog_free(&l);
    t_done();
}

static void test_retry_after_next_run(void) {
    char date[64];
    time_t t = time(NULL) + 300;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);   /* C locale */
    retry_after_case("120");
    retry_after_case(date);
}

/* Two retryable failures in a row (no Retry-After): the third run backs off without connecting. */
static void test_backoff_after_two_failures(void) {
    static const char *const args[] = {"--status", "503", NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], *out;
    int code;
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "one", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    c = gtbt_new(&d);
    out = run_cli(c, "status", &code);
    CHECK_CONTAINS(out, "Back-off: none (1 recent failure)");
    free(out);
    gtbt_track_command(c, "two", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);   /* the spill file is tried, fails: 30 s back-off */
    c = gtbt_new(&d);
    out = run_cli(c, "status", &code);
    CHECK_CONTAINS(out, "Back-off: not contacting the backend until ");
    CHECK_CONTAINS(out, "after 2 failures in a row");
    free(out);
    CHECK_INT(gtbt_close(c), GTBT_E_HTTP_RETRY);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 2);
    CHECK(spill_files() >= 1);
    if (gt_test_failed) printf("%s", L.text);
    sinklog_free(&l);
    t_done();
}

/* Replay: spill files oldest first, one request each, then the buffer; all in one flush. */
static void test_replay_order(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], path[1024], line[1024], uuid[37];
    int64_t now = gtbt__realtime_ns();
    int i;
    SINK_OR_FAIL(s, NULL);
    mkdir(T_data, 0700);
    for (i = 2; i >= 0; i--) {   /* written newest first: the names decide the order */
        snprintf(uuid, sizeof uuid, "cccccccc-0000-4000-8000-00000000000%d", i);
        spill_line(line, sizeof line, now - (3 - i) * INT64_C(60000000000), uuid, i == 0 ? "first" : i == 1 ? "second" : "third");
        snprintf(path, sizeof path, "%s/telemetry-spill-%020lld-%d-%d.ndjson", T_data, (long long)(now - (3 - i) * INT64_C(60000000000)), (int)getpid(), i);
        CHECK_INT(gt_write(path, line), 0);
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "buffered", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 4);
    CHECK_STR(jstr(jat(l.body[0], 0), "name"), "first");
    CHECK_STR(jstr(jat(l.body[1], 0), "name"), "second");
    CHECK_STR(jstr(jat(l.body[2], 0), "name"), "third");
    CHECK_STR(jstr(jat(l.body[3], 0), "name"), "buffered");
    CHECK_STR(jstr(jat(l.body[0], 0), "uuid"), "cccccccc-0000-4000-8000-000000000000");
    for (i = 0; i < l.n; i++) CHECK(req_valid(&l, i));
    CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 0);
    sinklog_free(&l);
    t_done();
}

static void test_ipv6(void) {
    static const char *const args[] = {"--host", "::1", NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], hp[64];
    if (!have_ipv6()) { t_done(); return; }
    SINK_OR_FAIL(s, args);
    snprintf(url, sizeof url, "http://[::1]:%d/e", s.port);
    snprintf(hp, sizeof hp, "[::1]:%d", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "v6", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/e", hp, UA);
    CHECK_STR(jstr(jat(l.body[0], 0), "name"), "v6");
    sinklog_free(&l);
    t_done();
}

static void proxy_case(int tls) {
    static const char *const pargs[] = {"--connect-proxy", NULL};
    const char *targs[] = {"--tls", "--cert", NULL, "--key", NULL, NULL};
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink p, t;
    sinklog l;
    char url[128], proxy[64], target[64];
    targs[2] = cert("localhost-ec.pem");
    targs[4] = cert("localhost-ec.key");
    SINK_OR_FAIL(p, pargs);
    if (sink_start(&t, T_dir, tls ? targs : NULL) != 0) { CHECK(!"sink started"); sink_stop(&p); t_done(); return; }
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", p.port);
    snprintf(url, sizeof url, "%s://%s:%d/e", tls ? "https" : "http", tls ? "localhost" : "127.0.0.1", t.port);
    snprintf(target, sizeof target, "%s:%d", tls ? "localhost" : "127.0.0.1", t.port);
    d.endpoint = url;
    d.net.proxy = proxy;
    if (tls) d.net.ca_file = cert("ca-ec.pem");
    c = gtbt_new(&d);
    gtbt_track_command(c, "tunnelled", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &p);
    sink_stop(&p);
    CHECK_INT(l.n, 1);
    CHECK_STR(req_str(&l, 0, "method"), "CONNECT");
    CHECK_STR(req_str(&l, 0, "path"), target);
    CHECK_INT(req_status(&l, 0), 200);
    sinklog_free(&l);
    sinklog_read(&l, &t);
    sink_stop(&t);
    CHECK_INT(l.n, 1);
    check_post(&l, 0, "/e", target, UA);
    CHECK_STR(jstr(jat(l.body[0], 0), "name"), "tunnelled");
    CHECK_INT(spill_files(), 0);
    if (gt_test_failed) printf("%s", L.text);
    sinklog_free(&l);
    t_done();
}
static void test_connect_proxy(void) { proxy_case(0); }

/* A proxy that never answers the CONNECT: the flush budget still holds; the event is kept. */
static void test_connect_proxy_blackhole(void) {
    static const char *const pargs[] = {"--connect-proxy", "--blackhole", NULL};
    gtbt_desc d = t_setup();
    sink p;
    char proxy[64];
    int64_t ms;
    SINK_OR_FAIL(p, pargs);
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", p.port);
    d.net.proxy = proxy;
    CHECK_INT(run_one(d, closed_port(), 1, 600, &ms), GTBT_E_TIMEOUT);
    printf("    blackhole proxy: gtbt_close returned after %lld ms (budget 600 ms + %d ms margin)\n", (long long)ms, MARGIN_MS);
    CHECK(ms <= 600 + MARGIN_MS);
    CHECK_INT(spill_files(), 1);
    sink_stop(&p);
    t_done();
}
static void test_connect_proxy_tls(void) { proxy_case(1); }

static const gt_test tests[] = {
    {"http_collector", test_http_collector},
    {"http_send_direct", test_http_send_direct},
    {"otlp_collector", test_otlp_collector},
    {"otlp_send_direct", test_otlp_send_direct},
    {"otlp_extended", test_otlp_extended},
    {"datadog_collector", test_datadog_collector},
    {"datadog_send_direct", test_datadog_send_direct},
    {"datadog_split", test_datadog_split},
    {"datadog_split_bytes", test_datadog_split_bytes},
    {"datadog_regions", test_datadog_regions},
    {"datadog_missing_key", test_datadog_missing_key},
    {"datadog_drops_old_spill", test_datadog_drops_old_spill},
    {"posthog_collector", test_posthog_collector},
    {"posthog_send_direct", test_posthog_send_direct},
    {"posthog_instances", test_posthog_instances},
    {"vendor_at_least_once", test_vendor_at_least_once},
    {"http_deletion", test_http_deletion},
    {"cli_reset_http", test_cli_reset_http},
    {"cli_reset_otlp", test_cli_reset_otlp},
    {"cli_reset_datadog", test_cli_reset_datadog},
    {"cli_reset_failure", test_cli_reset_failure},
    {"tls_rsa_name", test_tls_rsa_name},
    {"tls_rsa_ip", test_tls_rsa_ip},
    {"tls_rsa_chain", test_tls_rsa_chain},
    {"tls_ec_name", test_tls_ec_name},
    {"tls_ec_ip", test_tls_ec_ip},
    {"tls_wrong_ca", test_tls_wrong_ca},
    {"tls_expired", test_tls_expired},
    {"tls_wrong_host", test_tls_wrong_host},
    {"tls_wrong_host_ip", test_tls_wrong_host_ip},
    {"tls_self_signed", test_tls_self_signed},
    {"tls_ipv6", test_tls_ipv6},
    {"tls_to_plain_server", test_tls_to_plain_server},
    {"tls_ssl_cert_file", test_tls_ssl_cert_file},
    {"fault_blackhole", test_fault_blackhole},
    {"fault_blackhole_request_timeout", test_fault_blackhole_request_timeout},
    {"fault_blackhole_at_most_once", test_fault_blackhole_at_most_once},
    {"fault_refused", test_fault_refused},
    {"fault_reset", test_fault_reset},
    {"fault_garbage", test_fault_garbage},
    {"fault_slow", test_fault_slow},
    {"fault_huge", test_fault_huge},
    {"fault_2xx_variants", test_fault_2xx_variants},
    {"fault_redirect", test_fault_redirect},
    {"fault_reject_3xx", test_fault_reject_3xx},
    {"fault_reject_4xx", test_fault_reject_4xx},
    {"fault_retry_5xx", test_fault_retry_5xx},
    {"otlp_500_dropped", test_otlp_500_dropped},
    {"otlp_503_retried", test_otlp_503_retried},
    {"retry_after_next_run", test_retry_after_next_run},
    {"backoff_after_two_failures", test_backoff_after_two_failures},
    {"replay_order", test_replay_order},
    {"ipv6", test_ipv6},
    {"connect_proxy", test_connect_proxy},
    {"connect_proxy_tls", test_connect_proxy_tls},
    {"connect_proxy_blackhole", test_connect_proxy_blackhole},
};

int main(int argc, char **argv) {
    if (getenv("GTBT_VALGRIND")) T_SLOW = 10;
    env_clear();
    return GT_RUN(tests, argc, argv);
}

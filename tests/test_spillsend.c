/* test_spillsend.c - spill files sent as they are. A flush sends a spill line without parsing it
   when the line is exactly what the library writes (checked by one bounded pass) and the backend's
   body is the lines with fixed framing (HTTP: a JSON array; file: NDJSON); OTLP, Datadog and
   PostHog need another shape and parse every line once. Checked against tools/gtbt-sink on
   loopback: per backend, events spilled and then flushed arrive byte for byte as an in-memory
   flush of the same events sends them (and the delivery record says the same); hostile, truncated
   and non-canonical lines are never sent raw (parsed and written again as before, or skipped and
   logged); the 18 h rule and at-least-once hold on the raw path; the collector's counters prove
   which path was taken. The line check itself is held against the parser on generated and mutated
   lines: whatever it accepts, parsing and writing again gives the same bytes, with or without the
   cache of the previous line's collector fields. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

enum { K_HTTP, K_OTLP, K_DATADOG, K_POSTHOG, K_FILE, K_COUNT };
static const char *const K_NAME[K_COUNT] = {"http", "otlp", "datadog", "posthog", "file"};

/* The backend of kind k posting to the sink at base (file: appending to path). */
static gtbt_backend *mk_backend(int k, const char *base, const char *path) {
    char url[256];
    if (k == K_HTTP) {
        gtbt_http_desc hd;
        memset(&hd, 0, sizeof hd);
        snprintf(url, sizeof url, "%s/events", base);
        hd.endpoint = url;
        hd.net = net_logged();
        return gtbt_http_backend(&hd);
    }
    if (k == K_OTLP) {
        gtbt_otlp_desc od;
        memset(&od, 0, sizeof od);
        od.endpoint = base;
        od.service_name = "mytool";
        od.service_version = "1.2.3";
        od.net = net_logged();
        return gtbt_otlp_backend(&od);
    }
    if (k == K_DATADOG) {
        gtbt_datadog_desc dd;
        memset(&dd, 0, sizeof dd);
        snprintf(url, sizeof url, "%s/v1/input", base);
        dd.endpoint = url;
        dd.api_key = "0123456789abcdef0123456789abcdef";
        dd.net = net_logged();
        return gtbt_datadog_backend(&dd);
    }
    if (k == K_POSTHOG) {
        gtbt_posthog_desc ph;
        memset(&ph, 0, sizeof ph);
        snprintf(url, sizeof url, "%s/capture/", base);
        ph.endpoint = url;
        ph.project_key = "phc_spillsendtestkey";
        ph.net = net_logged();
        return gtbt_posthog_backend(&ph);
    }
    return gtbt_file_backend(path);
}

/* The value of every "key":"..." in s emptied (the send time: OTLP's observedTimeUnixNano,
   PostHog's sent_at; its length varies too), in place. */
static void mask_value(char *s, const char *key) {
    char pat[64], *q;
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    while (s && (s = strstr(s, pat)) != NULL) {
        s += strlen(pat);
        for (q = s; *q && *q != '"'; q++) {}
        memmove(s, q, strlen(q) + 1);
    }
}

/* The part of the delivery record after its "time" (malloc'd), or NULL. */
static char *sent_record_rest(const char *dir) {
    char path[1024], *text, *rest, *out;
    pjoin(path, sizeof path, dir, "telemetry-sent.ndjson");
    text = gt_read(path);
    rest = text ? strstr(text, ",\"backend\":") : NULL;
    out = rest ? strdup(rest) : NULL;
    free(text);
    return out;
}

/* Moves every spill file of dir `from` into dir `to`; returns how many. */
static int move_spill_files(const char *from, const char *to) {
    DIR *d = opendir(from);
    struct dirent *de;
    char a[1024], b[1024];
    int n = 0;
    if (!d) return 0;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "telemetry-spill-", 16) != 0) continue;
        pjoin(a, sizeof a, from, de->d_name);
        pjoin(b, sizeof b, to, de->d_name);
        if (rename(a, b) == 0) n++;
    }
    closedir(d);
    return n;
}

#define N_SIMPLE 40

/* Events with every optional part, escapes (quotes, tabs, '<' '>' '&', U+2028, non-ASCII) and a
   run of plain ones. */
static size_t track_events(gtbt_collector *c) {
    static const char *const args[] = {"--out", "a<b>&c \"quoted\"", "x86_64-unknown-linux-gnu"};
    gtbt_kv extra[] = {{"flag", "na\xc3\xafve \xe2\x80\xa8 sep\ttab"}, {"zeta", "last"}};
    gtbt_kv many[] = {{"k1", "v1"}, {"k2", "<html>"}, {"k3", "\xe6\x97\xa5\xe6\x9c\xac"}, {"event_name", "shadow"}};
    char name[32];
    int i;
    gtbt_track_command_ext(c, "generate", 3, args, 142, 2, "exit \"status\" 2\tdone", extra, 2);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "export", NULL, 0);
    gtbt_track(c, GTBT_EVENT_UPDATE_CHECK, "\xc3\xbcn\xc3\xaf" "code", many, 4);
    gtbt_track_command(c, "fail", 0, -1, NULL, 0);
    for (i = 0; i < N_SIMPLE; i++) {
        snprintf(name, sizeof name, "e%d", i);
        gtbt_track_command(c, name, i * 7, 0, extra, 1);
    }
    return 4 + N_SIMPLE;
}

/* Per backend: the same events flushed from memory (collector A) and from a spill file (collector
   B, its data dir holding what A's buffer spilled) give the same request bodies, User-Agent and
   delivery record; B parsed no event where the lines go as they are, and each event exactly once
   where the backend needs another shape. */
static void identical_for(int k) {
    gtbt_desc d, d2;
    gtbt_collector *a, *b;
    sink s;
    sinklog l;
    char base[64], data2[600], fa[600], fb[600], *ra, *rb;
    size_t n, i;
    printf("  backend %s\n", K_NAME[k]);
    env_clear();
    d = fixture_desc(1);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(base, sizeof base, "http://127.0.0.1:%d", s.port);
    snprintf(data2, sizeof data2, "%s/data2", T_dir);
    snprintf(fa, sizeof fa, "%s/a.log", T_dir);
    snprintf(fb, sizeof fb, "%s/b.log", T_dir);
    CHECK(mkdir(data2, 0700) == 0);
    d.extended_collection = true;
    d.max_buffer = 100;
    d.backend = mk_backend(k, base, fa);
    a = gtbt_new(&d);
    n = track_events(a);
    CHECK_INT(a->n, n);
    /* the buffer written as a full buffer writes it, into the second collector's data dir */
    gtbt__mutex_lock(&a->mu);
    CHECK_INT(gtbt__spill_write(a, a->ev, a->n), n);
    gtbt__mutex_unlock(&a->mu);
    CHECK_INT(move_spill_files(T_data, data2), 1);
    CHECK_INT(gtbt_flush(a), GTBT_OK);                   /* from memory */
    CHECK_INT(a->spill_parsed + a->spill_raw, 0);
    d2 = d;
    d2.data_dir = data2;
    d2.backend = mk_backend(k, base, fb);
    b = gtbt_new(&d2);
    CHECK_INT(gtbt_flush(b), GTBT_OK);                   /* from the spill file */
    CHECK_INT(n_ready(data2) + n_claims(data2), 0);
    if (k == K_HTTP || k == K_FILE) {
        CHECK_INT(b->spill_parsed, 0);                   /* sent as they are */
        CHECK_INT(b->spill_raw, n);
    } else {
        CHECK_INT(b->spill_parsed, n);                   /* parsed once each */
        CHECK_INT(b->spill_raw, 0);
    }
    sinklog_read(&l, &s);
    sink_stop(&s);
    if (k == K_FILE) {
        char *ta = gt_read(fa), *tb = gt_read(fb);
        CHECK_INT(l.n, 0);
        CHECK(ta && tb && ta[0]);
        if (ta && tb) CHECK_STR(tb, ta);
        free(ta);
        free(tb);
    } else {
        CHECK_INT(l.n, 2);
        for (i = 0; i < 2 && l.n == 2; i++) CHECK(req_valid(&l, (int)i));
        if (l.n == 2) {
            char *x = strdup(req_str(&l, 0, "body") ? req_str(&l, 0, "body") : "");
            char *y = strdup(req_str(&l, 1, "body") ? req_str(&l, 1, "body") : "");
            mask_value(x, "observedTimeUnixNano"); mask_value(y, "observedTimeUnixNano");
            mask_value(x, "sent_at"); mask_value(y, "sent_at");
            CHECK(strlen(x) > 1000);
            CHECK_STR(y, x);
            CHECK_STR(req_str(&l, 1, "path"), req_str(&l, 0, "path"));
            CHECK_STR(req_header(&l, 1, "user-agent"), req_header(&l, 0, "user-agent"));
            CHECK_STR(req_header(&l, 0, "user-agent"), "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING " (mytool/1.2.3)");
            free(x);
            free(y);
        }
        ra = sent_record_rest(T_data);
        rb = sent_record_rest(data2);
        CHECK(ra && rb && strstr(ra, "\"sent\":[{"));
        if (ra && rb) CHECK_STR(rb, ra);
        free(ra);
        free(rb);
    }
    sinklog_free(&l);
    gtbt_close(a);
    gtbt_close(b);
    fixture_done();
}

static void test_spilled_equals_memory(void) {
    int k;
    for (k = 0; k < K_COUNT; k++) identical_for(k);
}

/* The text of a canonical line of an event (no newline), malloc'd. */
static char *canon_line(const gtbt_event *e) {
    gtbt__buf b;
    memset(&b, 0, sizeof b);
    gtbt__json_event_direct(&b, e, NULL);
    return b.p;
}

static gtbt_event base_event(const char *uuid, const char *name) {
    gtbt_event e;
    memset(&e, 0, sizeof e);
    e.time_unix_ns = gtbt__realtime_ns();
    e.uuid = uuid; e.type = "feature.used"; e.name = name;
    e.machine_id = "0123456789abcdef"; e.tool_name = "mytool"; e.version = "1.2.3";
    e.os = "linux"; e.arch = "amd64"; e.os_version = "6.1.0"; e.runtime_version = "gcc 12.2.0"; e.error = "";
    return e;
}

/* s with the first occurrence of from replaced by to (malloc'd). */
static char *replace1(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    size_t n = strlen(s) + strlen(to) + 1;
    char *out = (char *)malloc(n);
    if (!at) { snprintf(out, n, "%s", s); return out; }
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

/* A spill file of good, truncated, hostile and non-canonical lines, flushed to HTTP: the body is
   byte for byte what parsing the whole file and writing its events gives (the path before lines
   were sent as they are), so nothing a line adds beyond an event (an unknown field, a raw '<', a
   name over the limit, leading zeros) reaches the server; the corrupt lines are skipped with one
   bounded WARN; only the two canonical lines went unparsed. */
static void test_hostile_lines_not_sent_raw(void) {
    gtbt_desc d;
    gtbt_collector *c;
    gtbt_event e;
    gtbt__batch bt;
    sink s;
    sinklog l;
    char base[64], path[1024], *lines[12], *text, *copy, *expect, longname[301], *deep;
    size_t i, len = 0, corrupt;
    int nomem;
    env_clear();
    d = fixture_desc(1);
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(base, sizeof base, "http://127.0.0.1:%d", s.port);
    CHECK(mkdir(T_data, 0700) == 0);
    e = base_event("00000001-0000-4000-8000-000000000001", "good-1");
    lines[0] = canon_line(&e);
    e = base_event("00000002-0000-4000-8000-000000000002", "truncated");
    lines[1] = canon_line(&e);
    lines[1][strlen(lines[1]) / 2] = 0;                                   /* cut in the middle */
    e = base_event("00000003-0000-4000-8000-000000000003", "ctl\x01" "byte");
    copy = canon_line(&e);
    lines[2] = replace1(copy, "\\u0001", "\x01");                          /* a raw control byte */
    free(copy);
    e = base_event("00000004-0000-4000-8000-000000000004", "spaced");
    copy = canon_line(&e);
    lines[3] = replace1(copy, "{\"timestamp\":", "{ \"timestamp\" : ");  /* valid, not canonical */
    free(copy);
    e = base_event("00000005-0000-4000-8000-000000000005", "a<b");
    copy = canon_line(&e);
    lines[4] = replace1(copy, "\\u003c", "<");                             /* a raw '<' */
    free(copy);
    e = base_event("00000006-0000-4000-8000-000000000006", "zeros");
    e.duration_ms = 7;
    copy = canon_line(&e);
    lines[5] = replace1(copy, "\"duration_ms\":7", "\"duration_ms\":007");
    free(copy);
    memset(longname, 'n', 300);
    longname[300] = 0;
    e = base_event("00000007-0000-4000-8000-000000000007", longname);     /* over GTBT__MAX_NAME */
    lines[6] = canon_line(&e);
    e = base_event("00000008-0000-4000-8000-000000000008", "extra-field");
    copy = canon_line(&e);
    copy[strlen(copy) - 1] = 0;
    lines[7] = (char *)malloc(strlen(copy) + 64);
    sprintf(lines[7], "%s,\"injected\":{\"a\":[1,2]}}", copy);             /* a field we never write */
    free(copy);
    e = base_event("00000009-0000-4000-8000-000000000009", "nul");
    copy = canon_line(&e);
    lines[8] = replace1(copy, "\"nul\"", "\"n\\u0000ul\"");
    free(copy);
    deep = (char *)malloc(4000);
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    deep[2000] = 0;
    e = base_event("0000000a-0000-4000-8000-00000000000a", "deep");
    copy = canon_line(&e);
    copy[strlen(copy) - 1] = 0;
    lines[9] = (char *)malloc(strlen(copy) + 2100);
    sprintf(lines[9], "%s,\"x\":%s}", copy, deep);                         /* nesting past the parser's bound */
    free(copy);
    free(deep);
    e = base_event("0000000b-0000-4000-8000-00000000000b", "good-2");
    lines[10] = canon_line(&e);
    e = base_event("0000000c-0000-4000-8000-00000000000c", "truncated-last");
    lines[11] = canon_line(&e);
    lines[11][strlen(lines[11]) - 3] = 0;                                 /* the file ends mid-line */
    text = (char *)malloc(65536);
    for (i = 0; i < 12; i++) len += (size_t)sprintf(text + len, "%s%s", lines[i], i < 11 ? "\n" : "");
    pjoin(path, sizeof path, T_data, "telemetry-spill-00000000000000000001-1-0.ndjson");
    write_mode(path, text, len, 0600);
    /* what the parse-everything path sends */
    copy = (char *)malloc(len + 1);
    memcpy(copy, text, len + 1);
    memset(&bt, 0, sizeof bt);
    corrupt = gtbt__parse_ndjson(&bt, copy, len, &nomem);
    CHECK_INT(corrupt, 4);
    CHECK_INT(bt.n, 8);
    expect = gtbt_events_json(bt.ev, bt.n, NULL);
    gtbt__batch_free(&bt);
    d.backend = mk_backend(K_HTTP, base, NULL);
    c = gtbt_new(&d);
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(c->spill_raw, 2);
    CHECK_INT(c->spill_parsed, 6);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(LOGGED(L, SPILL_CORRUPT_LINES), 1);
    CHECK_CONTAINS(L.text, "skipped 4 corrupt line(s)");
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    if (l.n == 1) {
        const char *body = req_str(&l, 0, "body");
        CHECK(req_valid(&l, 0));
        CHECK(body && expect);
        if (body && expect) CHECK_STR(body, expect);
        CHECK_INT(jlen(l.body[0]), 8);
        CHECK_NOT_CONTAINS(body, "injected");
        CHECK_NOT_CONTAINS(body, "a<b");
        CHECK_NOT_CONTAINS(body, "\"duration_ms\":007");
        CHECK_NOT_CONTAINS(body, "{ \"timestamp\"");
        CHECK_NOT_CONTAINS(body, longname);
        CHECK_CONTAINS(body, "good-1");
        CHECK_CONTAINS(body, "good-2");
    }
    sinklog_free(&l);
    gtbt_free(expect);
    for (i = 0; i < 12; i++) free(lines[i]);
    free(text);
    gtbt_close(c);
    fixture_done();
}

/* The 18 h rule on both paths: events older than the backend accepts are left out, read from their
   timestamp alone on the raw path (HTTP with max_event_age_ms set) as on the parsed one (Datadog). */
static void test_too_old_left_out(void) {
    int k;
    for (k = K_HTTP; k <= K_DATADOG; k += K_DATADOG - K_HTTP) {
        gtbt_desc d;
        gtbt_collector *c;
        gtbt_backend *be;
        sink s;
        sinklog l;
        char base[64], path[1024], uuid[37], text[8192];
        int64_t now = gtbt__realtime_ns(), h = INT64_C(3600) * 1000000000;
        size_t len = 0;
        int i;
        env_clear();
        d = fixture_desc(1);
        if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
        snprintf(base, sizeof base, "http://127.0.0.1:%d", s.port);
        CHECK(mkdir(T_data, 0700) == 0);
        for (i = 0; i < 6; i++) {   /* 19 h, 1 h, 19 h, 1 h, ... old */
            char *line;
            planted_uuid(uuid, 7, i);
            line = ev_line_t(uuid, i % 2 ? "fresh" : "stale", now - (i % 2 ? 1 : 19) * h);
            len += (size_t)snprintf(text + len, sizeof text - len, "%s", line);
            gtbt_free(line);
        }
        pjoin(path, sizeof path, T_data, "telemetry-spill-00000000000000000001-1-0.ndjson");
        write_mode(path, text, len, 0600);
        be = mk_backend(k, base, NULL);
        if (k == K_HTTP) be->max_event_age_ms = INT64_C(18) * 3600 * 1000;
        d.backend = be;
        c = gtbt_new(&d);
        CHECK_INT(gtbt_flush(c), GTBT_OK);
        CHECK_INT(LOGGED(L, SPILL_TOO_OLD), 1);
        CHECK_CONTAINS(L.text, "dropped 3 spilled event(s) older than");
        CHECK_INT(k == K_HTTP ? c->spill_parsed : c->spill_raw, 0);
        sinklog_read(&l, &s);
        sink_stop(&s);
        CHECK_INT(l.n, 1);
        CHECK_INT(jlen(l.body[0]), 3);
        CHECK_NOT_CONTAINS(req_str(&l, 0, "body"), "stale");
        sinklog_free(&l);
        gtbt_close(c);
        fixture_done();
    }
}

/* At-least-once on the raw path: a 503 puts the file back under its name, byte for byte; the next
   flush delivers it with the same uuids, once. */
static void test_raw_at_least_once(void) {
    static const char *const args[] = {"--fail-first", "1", NULL};
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    sinklog l;
    char base[64], path[1024], *before, *after, *expect;
    env_clear();
    d = fixture_desc(1);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(base, sizeof base, "http://127.0.0.1:%d", s.port);
    CHECK(mkdir(T_data, 0700) == 0);
    plant_events(T_data, "telemetry-spill-00000000000000000001-1-0.ndjson", 9, 0, 25);
    pjoin(path, sizeof path, T_data, "telemetry-spill-00000000000000000001-1-0.ndjson");
    before = gt_read(path);
    d.backend = mk_backend(K_HTTP, base, NULL);
    c = gtbt_new(&d);
    CHECK(gtbt_flush(c) != GTBT_OK);
    after = gt_read(path);
    CHECK(before && after);
    if (before && after) CHECK_STR(after, before);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    CHECK_INT(c->spill_parsed, 0);
    CHECK_INT(c->spill_raw, 50);                           /* each line checked on both tries */
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 2);
    /* the body: the file's lines joined by ',' in brackets; both tries sent the same bytes */
    expect = (char *)malloc(strlen(before ? before : "") + 3);
    if (before && expect) {
        size_t n = strlen(before), i;
        expect[0] = '[';
        for (i = 0; i + 1 < n; i++) expect[i + 1] = before[i] == '\n' ? ',' : before[i];
        expect[n] = ']';
        expect[n + 1] = 0;
        if (l.n == 2) {
            CHECK_STR(req_str(&l, 1, "body"), expect);
            CHECK_STR(req_str(&l, 0, "body"), expect);
        }
    }
    free(expect);
    free(before);
    free(after);
    sinklog_free(&l);
    gtbt_close(c);
    fixture_done();
}

/* ---- the line check against the parser ---- */
/* 1 when line[0..end) (one line, without its newline) is a canonical spill line. */
static int canonical(const char *line, const char *end, gtbt__line_view *v) { return gtbt__spill_event_end(line, end, v, NULL) == end; }

static unsigned t_rand_state = 2026;
static unsigned t_rand(void) { t_rand_state = t_rand_state * 1103515245u + 12345u; return (t_rand_state >> 16) & 0x7fff; }

/* 1 when line (no newline) parses to one event that is written back to exactly line. */
static int roundtrips(const char *line, size_t n) {
    gtbt__batch b;
    char *copy = (char *)gtbt__malloc(n + 1);
    int nomem, ok;
    memcpy(copy, line, n);
    copy[n] = 0;
    memset(&b, 0, sizeof b);
    gtbt__parse_ndjson(&b, copy, n, &nomem);
    ok = 0;
    if (!nomem && b.n == 1) {
        gtbt__buf w;
        memset(&w, 0, sizeof w);
        gtbt__json_event_direct(&w, &b.ev[0], NULL);
        ok = w.len == n && !memcmp(w.p, line, n);
        gtbt__buf_free(&w);
    }
    gtbt__batch_free(&b);
    return ok;
}

/* Every line the writer makes for events within the limits is canonical and round-trips; of 60,000
   mutations of them (a byte replaced by one that matters to JSON, removed or doubled), every one
   the check accepts round-trips too (so a line it passes is what a parse and write would send),
   and the check never reads past the line. */
static void test_canonical_check_matches_parser(void) {
    static const char *strs[] = { "", "plain", "q\"uo\\te", "ctl\x01\x1f\n\r\t\x7f", "<html>&amp;", "na\xC3\xAFve \xF0\x9F\x98\x80",
                                  "\xE2\x80\xA8 sep \xE2\x80\xA9", "x86_64-unknown-linux-gnu", "0b9e2c4a-1f3d-4e5f-8a6b-7c8d9e0f1a2b" };
    static const int64_t nums[] = { 0, 1, -1, 42, INT64_MAX, -INT64_MAX, 2147483647, -2147483647 - 1 };
    static const int codes[] = { 0, 1, -1, 2, INT_MAX, INT_MIN, 255, -255 };
    static const int64_t times[] = { 1774864800500000000LL, 1774864800000000000LL, 1, -1, 0, 951782400123456789LL,
                                     INT64_C(9000000000000000000), -INT64_C(9000000000000000000) };
    static const char pick[] = "\"\\u0a,:}]{[ .Z-9\x01\xC3\xA8<e";
    const size_t ns = sizeof strs / sizeof strs[0];
    gtbt_kv kv[8];
    const char *args[6];
    size_t i, k, good = 0, bad = 0, mutated = 0, accepted = 0, wrong = 0;
    gtbt__canon_cache cc;   /* the collector-field cache, as a flush uses it, beside the plain check */
    memset(&cc, 0, sizeof cc);
    for (i = 0; i < 8; i++) { kv[i].key = strs[(i * 5 + 1) % ns]; kv[i].value = strs[(i * 7 + 3) % ns]; }
    for (i = 0; i < 6; i++) args[i] = strs[(i * 4 + 2) % ns];
    for (i = 0; i < 600; i++) {
        gtbt_event e;
        gtbt__line_view v;
        char *line, *m;
        size_t n;
        memset(&e, 0, sizeof e);
        e.time_unix_ns = times[i % 8];
        e.uuid = strs[1 + i % (ns - 1)];                   /* never empty */
        e.type = strs[(i + 1) % ns]; e.name = strs[(i + 2) % ns];
        e.machine_id = strs[(i + 3) % ns]; e.tool_name = strs[(i + 4) % ns]; e.version = strs[(i + 5) % ns];
        e.os = strs[(i + 6) % ns]; e.arch = strs[(i + 7) % ns]; e.runtime_version = strs[(i + 8) % ns];
        e.os_version = strs[i % ns];
        e.duration_ms = nums[i % 8];
        e.exit_code = codes[(i / 8) % 8];
        e.error = strs[(i + 3) % ns];
        e.n_args = i % 7;
        e.args = e.n_args ? args : NULL;
        e.n_metadata = i % 9;
        e.metadata = e.n_metadata ? kv : NULL;
        line = canon_line(&e);
        n = strlen(line);
        if (canonical(line, line + n, &v) && v.time_ns == e.time_unix_ns && roundtrips(line, n) &&
            gtbt__spill_event_end(line, line + n, &v, &cc) == line + n) good++;
        else if (bad++ < 3) printf("    not accepted: %s\n", line);
        for (k = 0; k < 100; k++) {
            size_t at = t_rand() % n, mn = n;
            int how = t_rand() % 3;
            m = (char *)malloc(n + 2);
            memcpy(m, line, n);
            if (how == 0) m[at] = pick[t_rand() % (sizeof pick - 1)];
            else if (how == 1) { memmove(m + at, m + at + 1, n - at - 1); mn = n - 1; }
            else { memmove(m + at + 1, m + at, n - at); mn = n + 1; }
            mutated++;
            /* the line is given in a buffer of exactly its length: ASan sees any read past it */
            {
                char *exact = (char *)malloc(mn ? mn : 1);
                memcpy(exact, m, mn);
                int alone = canonical(exact, exact + mn, &v), cached = gtbt__spill_event_end(exact, exact + mn, &v, &cc) == exact + mn;
                if (alone != cached && wrong++ < 3) printf("    the cache changed the verdict: %.*s\n", (int)mn, exact);
                if (alone) {
                    accepted++;
                    if (!roundtrips(exact, mn) && wrong++ < 3) printf("    accepted, does not round-trip: %.*s\n", (int)mn, exact);
                }
                free(exact);
            }
            free(m);
        }
        gtbt_free(line);
    }
    gtbt__buf_free(&cc.seg);
    printf("    600 written lines: %lu accepted; %lu mutations: %lu accepted, %lu of them wrong\n", (unsigned long)good,
           (unsigned long)mutated, (unsigned long)accepted, (unsigned long)wrong);
    CHECK_INT(good, 600);
    CHECK_INT(wrong, 0);
    CHECK(accepted > 1000);                                /* mutations inside strings stay canonical */
    CHECK(accepted < mutated / 2);
}

/* Lines the check must refuse although the parser takes them (each would be sent differently). */
static void test_canonical_check_refuses(void) {
    static const char *const bad[] = {
        "{\"timestamp\":\"2026-03-30T10:00:00.50Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-02-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00+00:00\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\\/\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\\u003C\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\\u0041\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\\b\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\xff\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"exit_code\":2147483648}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"error\":\"\"}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"args\":[]}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"exit_code\":1,\"duration_ms\":1}",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\"} ",
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"n\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"go_version\":\"x\"}",
    };
    static const char ok[] =
        "{\"timestamp\":\"2026-03-30T10:00:00.5Z\",\"uuid\":\"u\",\"type\":\"t\",\"name\":\"\\u003c\\u0001\\u2028\",\"machine_id\":\"\",\"tool_name\":\"\",\"version\":\"\",\"os\":\"\",\"arch\":\"\",\"runtime_version\":\"\",\"os_version\":\"\",\"exit_code\":-2147483648}";
    gtbt__line_view v;
    size_t i, sum = 0;
    for (i = 0; i < sizeof gtbt__canon_klen; i++) sum += gtbt__canon_klen[i];   /* the key table is whole */
    CHECK_INT(sum, sizeof gtbt__canon_keys - 1);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (canonical(bad[i], bad[i] + strlen(bad[i]), &v)) printf("    accepted: %s\n", bad[i]);
        CHECK(!canonical(bad[i], bad[i] + strlen(bad[i]), &v));
        CHECK(!roundtrips(bad[i], strlen(bad[i])));
    }
    CHECK(canonical(ok, ok + strlen(ok), &v));
    CHECK_INT(v.time_ns, INT64_C(1774864800500000000));
    CHECK(roundtrips(ok, strlen(ok)));
}

static const gt_test tests[] = {
    {"spilled_equals_memory", test_spilled_equals_memory},
    {"hostile_lines_not_sent_raw", test_hostile_lines_not_sent_raw},
    {"too_old_left_out", test_too_old_left_out},
    {"raw_at_least_once", test_raw_at_least_once},
    {"canonical_check_matches_parser", test_canonical_check_matches_parser},
    {"canonical_check_refuses", test_canonical_check_refuses},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

/* test_datapath.c - the path of an event from gtbt_track to the backend: a full buffer is spilled
   only by the event that finds it full (a run of exactly max_buffer events never writes to disk),
   and every event still arrives exactly once with its uuid. */
static long t_allocs, t_fail_at;   /* allocations made by the library; the one that fails (0: none) */
#define GTB_TELEMETRY_MALLOC(n) (++t_allocs == t_fail_at ? NULL : malloc(n))
#define GTB_TELEMETRY_REALLOC(p, n) (t_allocs++, realloc(p, n))
#define GTB_TELEMETRY_FREE(p) free(p)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"

static size_t count(const char *hay, const char *needle) {
    size_t n = 0, k = strlen(needle);
    while (hay && (hay = strstr(hay, needle)) != NULL) { n++; hay += k; }
    return n;
}

/* The default buffer (1000 events): the 1000th event alone writes nothing; the 1001st spills the
   first 1000; the close delivers all 1001, each uuid once. */
static void test_1000th_event_writes_nothing(void) {
    gtbt_desc d;
    rec_backend r;
    gtbt_collector *c;
    char name[32], *all;
    int i;
    env_clear();
    d = fixture_desc(1);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "e%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(n_temps(T_data), 0);
    CHECK_INT(r.sends, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e1000", NULL, 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(r.sends, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(r.events, 1001);
    CHECK_INT(n_ready(T_data), 0);
    all = rec_all(&r);
    CHECK_INT(count(all, "\"uuid\":"), 1001);
    CHECK_INT(count(all, "\"name\":\"e999\""), 1);
    CHECK_INT(count(all, "\"name\":\"e1000\""), 1);
    free(all);
    rec_free_json(&r);
    fixture_done();
}

/* The reference for the event writer: the field-by-field form over a small object writer of its
   own, compact or pretty (Go's two-space MarshalIndent), independent of the library's writers. */
typedef struct ref_w { gtbt__buf *b; int pretty, depth, first; } ref_w;

static void ref_newline(ref_w *w) {
    int i;
    if (!w->pretty) return;
    gtbt__buf_putc(w->b, '\n');
    for (i = 0; i < w->depth; i++) gtbt__buf_put(w->b, "  ", 2);
}
static void ref_open(ref_w *w, char c) { gtbt__buf_putc(w->b, c); w->depth++; w->first = 1; }
static void ref_close(ref_w *w, char c) {
    w->depth--;
    if (!w->first) ref_newline(w);
    gtbt__buf_putc(w->b, c);
    w->first = 0;
}
static void ref_item(ref_w *w) {
    if (!w->first) gtbt__buf_putc(w->b, ',');
    ref_newline(w);
    w->first = 0;
}
static void ref_key(ref_w *w, const char *k) {
    ref_item(w);
    gtbt__json_str(w->b, k);
    gtbt__buf_put(w->b, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
}
static void ref_str(ref_w *w, const char *k, const char *v) { ref_key(w, k); gtbt__json_str(w->b, v); }
static void ref_int(ref_w *w, const char *k, int64_t v) {
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)v);
    ref_key(w, k);
    gtbt__buf_puts(w->b, num);
}

static void ref_json_event(ref_w *w, const gtbt_event *e) {
    char ts[40];
    size_t i;
    gtbt__rfc3339(e->time_unix_ns, ts);
    ref_open(w, '{');
    ref_str(w, "timestamp", ts);
    ref_str(w, "uuid", e->uuid);
    ref_str(w, "type", e->type);
    ref_str(w, "name", e->name);
    ref_str(w, "machine_id", e->machine_id);
    ref_str(w, "tool_name", e->tool_name);
    ref_str(w, "version", e->version);
    ref_str(w, "os", e->os);
    ref_str(w, "arch", e->arch);
    ref_str(w, "runtime_version", e->runtime_version);
    ref_str(w, "os_version", e->os_version);
    if (e->duration_ms) ref_int(w, "duration_ms", e->duration_ms);
    if (e->exit_code) ref_int(w, "exit_code", e->exit_code);
    if (e->n_args) {
        ref_key(w, "args");
        ref_open(w, '[');
        for (i = 0; i < e->n_args; i++) { ref_item(w); gtbt__json_str(w->b, e->args[i]); }
        ref_close(w, ']');
    }
    if (e->error && e->error[0]) ref_str(w, "error", e->error);
    if (e->n_metadata) {
        ref_key(w, "metadata");
        ref_open(w, '{');
        for (i = 0; i < e->n_metadata; i++) ref_str(w, e->metadata[i].key, e->metadata[i].value);
        ref_close(w, '}');
    }
    ref_close(w, '}');
}

static char *ref_json_events(const gtbt_event *ev, size_t n, int pretty) {
    gtbt__buf a;
    ref_w w;
    size_t i;
    memset(&a, 0, sizeof a);
    w.b = &a; w.pretty = pretty; w.depth = 0; w.first = 1;
    ref_open(&w, '[');
    for (i = 0; i < n; i++) { ref_item(&w); ref_json_event(&w, &ev[i]); }
    ref_close(&w, ']');
    return a.p;
}

/* The direct JSON writer against the field-by-field one (ref_json_event, the reference): the same
   bytes for events with every optional part present or absent, NULL strings, escapes, invalid UTF-8,
   extreme numbers and timestamps, many arguments and pairs; and with the collector-field cache, for
   a batch whose events share those strings, whose events differ, and mixed. */
static void test_direct_writer_identical(void) {
    static const char *strs[] = { "", "plain", "q\"uo\\te", "ctl\x01\x1f\n\r\t", "<html>&amp;", "na\xC3\xAFve \xF0\x9F\x98\x80",
                                  "bad\xff\xfe utf8 \xC3", "\xE2\x80\xA8 sep \xE2\x80\xA9", "x86_64-unknown-linux-gnu" };
    static const int64_t nums[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN, 1000000007 };
    static const int64_t times[] = { 0, 1, 1774864800500000000LL, 1774864800000000000LL, -1, INT64_C(9000000000000000000) };
    const size_t ns = sizeof strs / sizeof strs[0];
    gtbt_event ev[64];
    gtbt_kv kv[40];
    const char *args[20];
    gtbt__buf a, b;
    size_t i, k, mismatches = 0, events = 0;
    int round;
    for (i = 0; i < 40; i++) { kv[i].key = strs[(i * 5 + 1) % ns]; kv[i].value = strs[(i * 7 + 3) % ns]; }
    kv[3].key = NULL; kv[4].value = NULL;
    for (i = 0; i < 20; i++) args[i] = strs[(i * 3) % ns];
    args[5] = NULL;
    for (round = 0; round < 3; round++) {
        gtbt__jcache jc;
        for (i = 0; i < 64; i++) {
            gtbt_event *e = &ev[i];
            memset(e, 0, sizeof *e);
            e->time_unix_ns = times[i % 6];
            e->uuid = i % 9 == 4 ? NULL : "0b9e2c4a-1f3d-4e5f-8a6b-7c8d9e0f1a2b";
            e->type = strs[i % ns];
            e->name = i % 11 == 5 ? NULL : strs[(i + 2) % ns];
            /* round 0: one collector's strings (the same pointers); round 1: each event differs; 2: mixed */
            k = round == 0 ? 1 : round == 1 ? i : i / 3;
            e->machine_id = strs[k % ns]; e->tool_name = strs[(k + 1) % ns]; e->version = strs[(k + 2) % ns];
            e->os = k % 4 == 3 ? NULL : "linux"; e->arch = strs[(k + 3) % ns];
            e->runtime_version = strs[(k + 4) % ns]; e->os_version = strs[(k + 5) % ns];
            e->duration_ms = nums[i % 7];
            e->exit_code = (int)nums[(i + 3) % 7];
            e->error = i % 3 ? strs[(i + 5) % ns] : NULL;
            e->n_args = i % 5 == 0 ? 0 : i % 20;
            e->args = e->n_args ? args : NULL;
            e->n_metadata = i % 4 == 1 ? 0 : i % 40;
            e->metadata = e->n_metadata ? kv : NULL;
        }
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        jc.ok = 0;
        for (i = 0; i < 64; i++) {
            ref_w w;
            size_t la = a.len, lb = b.len;
            w.b = &a; w.pretty = 0; w.depth = 0; w.first = 1;
            ref_json_event(&w, &ev[i]);
            gtbt__json_event_direct(&b, &ev[i], i % 10 == 9 ? NULL : &jc);
            gtbt__buf_putc(&a, '\n');
            gtbt__buf_putc(&b, '\n');
            events++;
            if (a.len - la != b.len - lb || memcmp(a.p + la, b.p + lb, a.len - la) != 0) {
                if (mismatches++ < 3) printf("    round %d event %lu:\n    want %.*s\n    got  %.*s\n", round, (unsigned long)i,
                                             (int)(a.len - la), a.p + la, (int)(b.len - lb), b.p + lb);
            }
        }
        CHECK(!a.oom && !b.oom);
        gtbt__buf_free(&a);
        gtbt__buf_free(&b);
    }
    printf("    %lu events, %lu written differently\n", (unsigned long)events, (unsigned long)mismatches);
    CHECK_INT(mismatches, 0);
    /* and the whole array, compact as gtbt_events_json gives it and pretty (the re-indented
       compact form) as the debug output and "telemetry show" give it, for 0, 1 and 64 events */
    {
        static const size_t counts[] = { 0, 1, 64 };
        for (k = 0; k < 3; k++) {
            char *all = gtbt_events_json(ev, counts[k], NULL), *want = ref_json_events(ev, counts[k], 0);
            CHECK(all && want && !strcmp(all, want));
            gtbt_free(all);
            gtbt_free(want);
            memset(&a, 0, sizeof a);
            gtbt__json_events(&a, ev, counts[k], 1);
            want = ref_json_events(ev, counts[k], 1);
            CHECK(a.p && want && !a.oom && !strcmp(a.p, want));
            if (a.p && want && strcmp(a.p, want)) printf("    pretty, %lu events:\n    want %.300s\n    got  %.300s\n", (unsigned long)counts[k], want, a.p);
            gtbt_free(want);
            gtbt__buf_free(&a);
        }
    }
}

/* Pairs of a track call merged with the collector's: sorted by key in byte order, and of equal keys
   the one given last wins; checked against a plain reference (last value per key, then strcmp
   order) on 3000 random sets: repeated keys, keys sharing 7- and 8-byte prefixes, keys that are
   prefixes of others, bytes above 0x7f, keys given sorted, reversed and shuffled. */
static unsigned t_rand_state = 12345;
static unsigned t_rand(void) { t_rand_state = t_rand_state * 1103515245u + 12345u; return (t_rand_state >> 16) & 0x7fff; }

static int kv_cmp(const void *a, const void *b) { return strcmp(((const gtbt_kv *)a)->key, ((const gtbt_kv *)b)->key); }

/* A collector that records into r, with collector metadata and a buffer of 10 events. */
static gtbt_collector *meta_collector(rec_backend *r, gtbt_kv *meta, size_t n_meta) {
    gtbt_desc d = fixture_desc(0);
    rec_init(r, "rec");
    d.backend = &r->base;
    d.metadata = meta;
    d.n_metadata = n_meta;
    d.max_buffer = 10;
    return gtbt_new(&d);
}

/* Whether the event's pairs differ from ref (sorted); the first few differences are printed. */
static int pairs_differ(const gtbt_event *e, const gtbt_kv *ref, size_t nref, size_t round) {
    static int printed;
    size_t j;
    if (e->n_metadata != nref) {
        if (printed++ < 3) printf("    round %lu: %lu pairs, want %lu\n", (unsigned long)round, (unsigned long)e->n_metadata, (unsigned long)nref);
        return 1;
    }
    for (j = 0; j < nref; j++)
        if (strcmp(e->metadata[j].key, ref[j].key) || strcmp(e->metadata[j].value, ref[j].value)) {
            if (printed++ < 3) printf("    round %lu pair %lu: %.40s=%.40s, want %.40s=%.40s\n", (unsigned long)round, (unsigned long)j,
                                      e->metadata[j].key, e->metadata[j].value, ref[j].key, ref[j].value);
            return 1;
        }
    return 0;
}

static void test_pairs_sorted_last_wins(void) {
    static const char *keys[] = { "a", "b", "ab", "abc", "prefix_0", "prefix_01", "prefix_012345", "prefix_012346",
                                  "prefix_01234567", "prefix_0123456", "z", "Z", "\xc3\xa9t\xc3\xa9", "k",
                                  "prefix_", "prefix", "abcdef\xc3\xa9", "abcdefg", "abcdef" };
    const size_t nk = sizeof keys / sizeof keys[0];
    gtbt_kv meta[3] = { {"ab", "from-collector"}, {"m", "collector-m"}, {"prefix_01", "collector-p"} };
    rec_backend r;
    gtbt_collector *c;
    char vals[40][48];
    size_t round, bad = 0;
    env_clear();
    c = meta_collector(&r, meta, 3);
    for (round = 0; round < 3000; round++) {
        gtbt_kv extra[40], ref[64];
        size_t n = t_rand() % 40, i, j, nref = 0;
        const gtbt_event *e;
        for (i = 0; i < n; i++) {
            snprintf(vals[i], sizeof vals[i], "v%lu-%lu", (unsigned long)round, (unsigned long)i);
            extra[i].key = keys[round % 3 == 0 ? i % nk : round % 3 == 1 ? (nk - 1 - i % nk) : t_rand() % nk];
            extra[i].value = vals[i];
        }
        for (i = 0; i < 3; i++) ref[nref++] = meta[i];
        for (i = 0; i < n; i++) {
            for (j = 0; j < nref && strcmp(ref[j].key, extra[i].key); j++) {}
            if (j < nref) ref[j].value = extra[i].value;
            else ref[nref++] = extra[i];
        }
        qsort(ref, nref, sizeof ref[0], kv_cmp);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "p", extra, n);
        e = &c->ev[c->n - 1];
        bad += (size_t)pairs_differ(e, ref, nref, round);
        if (c->n >= 9) gtbt_drop(c);
    }
    CHECK_INT(bad, 0);
    gtbt_drop(c);
    gtbt_close(c);
    rec_free_json(&r);
    fixture_done();
}

/* The pairs of a track call are scanned and copied in one pass (gtbt__pairs_append): keys cut to
   128 bytes on a UTF-8 boundary, short values copied unless they may hold a secret, others
   redacted and cut to 4096 bytes, and strings that no longer fit the draft's text borrowed. Each
   recorded pair must equal what the separate cleaners give (gtbt__key_cut, gtbt__clean), last
   value per cut key, in strcmp order, for keys and values around every bound. */
static void test_pairs_scan_matches_cleaners(void) {
    static char keys[12][160], vals[16][5000];
    rec_backend r;
    gtbt_collector *c;
    gtbt_kv meta[2] = { {"ab", "collector-value"}, {"token", "ghp_0123456789abcdefghij0123456789abcd"} };
    size_t round, bad = 0, outside_seen = 0;
    int i;
    env_clear();
    /* keys: short, 7 and 8 bytes, 127..132 bytes (a 2-byte character across the 128th byte) */
    strcpy(keys[0], "k");
    strcpy(keys[1], "abcdefg");
    strcpy(keys[2], "abcdefgh");
    for (i = 3; i < 12; i++) {
        size_t len = 124 + (size_t)i, j;
        for (j = 0; j < len; j++) keys[i][j] = (char)('a' + (j + (size_t)i) % 26);
        if (i % 2) { keys[i][126] = '\xc3'; keys[i][127] = '\xa9'; }   /* é at bytes 127-128 */
        keys[i][len] = 0;
    }
    /* values: empty, short, around the short scan's bound (19, 20, 21 bytes), with the pre-check's
       characters, secrets, long (300 bytes) and too long (5000 bytes, é across the cut) */
    strcpy(vals[0], "");
    strcpy(vals[1], "v");
    strcpy(vals[2], "0123456789abcdefghi");
    strcpy(vals[3], "0123456789abcdefghij");
    strcpy(vals[4], "0123456789abcdefghijk");
    strcpy(vals[5], "a=b");
    strcpy(vals[6], "x86_64-unknown-linux-gnu");
    strcpy(vals[7], "password=hunter2");
    strcpy(vals[8], "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop");
    strcpy(vals[9], "sk-abcdefghijklmnop1234");
    for (i = 0; i < 4999; i++) vals[11][i] = "lorem ipsum dolor "[i % 18];   /* text, not a token */
    memcpy(vals[10], vals[11], 300); vals[10][300] = 0;
    memcpy(vals[15], vals[11], 1500); vals[15][1500] = 0;
    vals[11][4095] = '\xc3'; vals[11][4096] = '\xa9'; vals[11][4999] = 0;
    strcpy(vals[12], "https://user:pass@example.com/path");
    strcpy(vals[13], "\xc3\xa9t\xc3\xa9");
    strcpy(vals[14], "tab\there");
    c = meta_collector(&r, meta, 2);
    CHECK(c != NULL);
    for (round = 0; c && round < 2000; round++) {
        gtbt_kv extra[70], ref[80];
        gtbt__buf tmp[80];
        size_t n = round % 10 == 9 ? 64 + t_rand() % 6 : t_rand() % 40, j, k, nref = 0, ntmp = 0, total = 0;
        const gtbt_event *e;
        for (j = 0; j < n; j++) {
            extra[j].key = keys[t_rand() % 12];
            extra[j].value = vals[t_rand() % 16];
            total += strlen(extra[j].value);
        }
        if (total > 2048) outside_seen++;
        for (j = 0; j < 2 + n; j++) {   /* the reference: the collector's pairs, then the call's */
            const gtbt_kv *in = j < 2 ? &meta[j] : &extra[j - 2];
            gtbt__str ks = gtbt__key_cut(in->key), vs;
            memset(&tmp[ntmp], 0, sizeof tmp[0]);
            vs = gtbt__clean(in->value, GTBT__MAX_VALUE, &tmp[ntmp]);
            if (tmp[ntmp].p) ntmp++;
            for (k = 0; k < nref && !(strlen(ref[k].key) == ks.n && !memcmp(ref[k].key, ks.p, ks.n)); k++) {}
            if (k == nref) {
                if (nref == GTBT__MAX_PAIRS) continue;   /* an event holds 64 pairs: later keys are dropped */
                ref[nref++].key = gtbt__strndup(ks.p, ks.n);
            } else {
                gtbt_free((void *)(uintptr_t)ref[k].value);
            }
            ref[k].value = gtbt__strndup(vs.p, vs.n);
        }
        qsort(ref, nref, sizeof ref[0], kv_cmp);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "p", extra, n);
        e = &c->ev[c->n - 1];
        bad += (size_t)pairs_differ(e, ref, nref, round);
        for (j = 0; j < nref; j++) { gtbt_free((void *)(uintptr_t)ref[j].key); gtbt_free((void *)(uintptr_t)ref[j].value); }
        for (j = 0; j < ntmp; j++) gtbt__buf_free(&tmp[j]);
        if (c->n >= 9) gtbt_drop(c);
    }
    printf("    %lu of 2000 calls had more value bytes than the draft's text holds\n", (unsigned long)outside_seen);
    CHECK(outside_seen >= 100);
    CHECK_INT(bad, 0);
    gtbt_drop(c);
    gtbt_close(c);
    rec_free_json(&r);
    fixture_done();
}

/* Event memory: blocks are carved from slabs, so 900 recorded events cost far fewer than 900
   allocations; an event larger than a slab gets its own, in between small ones, and every event
   arrives intact; nothing is left allocated at close (the sanitizer builds check leaks). */
static void test_event_blocks_from_slabs(void) {
    gtbt_desc d;
    rec_backend r;
    gtbt_collector *c;
    gtbt_kv extra[2] = {{"command", "build"}, {"target", "linux-amd64"}}, big[40];
    char *value = (char *)malloc(3001), name[32], *all;
    long before;
    int i, k;
    env_clear();
    d = fixture_desc(0);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    before = t_allocs;
    for (i = 0; i < 900; i++) gtbt_track_command(c, "build", 42, 0, extra, 2);
    printf("    %ld allocations for 900 events\n", t_allocs - before);
    CHECK(t_allocs - before <= 30);
    CHECK_INT(c->n, 900);
    gtbt_drop(c);
    for (k = 0; k < 3000; k++) value[k] = "lorem ipsum "[k % 12];   /* ordinary text: not redacted */
    value[3000] = 0;
    for (k = 0; k < 40; k++) { big[k].key = NULL; big[k].value = value; }
    for (k = 0; k < 40; k++) {
        static char keys[40][16];
        snprintf(keys[k], sizeof keys[k], "k%02d", k);
        big[k].key = keys[k];
    }
    for (i = 0; i < 30; i++) {   /* 40 x 3000 bytes: 120 KB, past a 16 KB slab */
        snprintf(name, sizeof name, "e%02d", i);
        if (i % 3 == 1) gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, big, 40);
        else gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, extra, 2);
    }
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(r.events, 30);
    all = rec_all(&r);
    CHECK_INT(count(all, value), 10 * 40);
    CHECK_INT(count(all, "\"target\":\"linux-amd64\""), 20);
    for (i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "\"name\":\"e%02d\"", i);
        CHECK_INT(count(all, name), 1);
    }
    free(all);
    free(value);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    rec_free_json(&r);
    fixture_done();
}

/* Spill files wait for a run with a backend: a run without one (no endpoint configured) neither
   sends nor removes what earlier runs left, and the next run with a backend delivers it all. */
static void test_no_backend_keeps_spill_files(void) {
    gtbt_desc d;
    rec_backend r;
    gtbt_collector *c;
    char *all;
    env_clear();
    d = fixture_desc(1);
    CHECK_INT(mkdir(T_data, 0700), 0);
    plant_events(T_data, "telemetry-spill-1000000000000000000-1-0.ndjson", 7, 0, 5);
    c = gtbt_new(&d);                               /* no backend and no endpoint */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "nowhere", NULL, 0);
    gtbt_close(c);
    CHECK_INT(n_ready(T_data), 1);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(r.events, 5);
    all = rec_all(&r);
    CHECK_INT(count(all, "\"name\":\"p7-"), 5);
    free(all);
    CHECK_INT(n_ready(T_data), 0);
    rec_free_json(&r);
    fixture_done();
}

/* An event whose block cannot be allocated is not recorded (logged by name), and nothing else is
   lost: the next event is recorded and delivered. */
static void test_track_out_of_memory(void) {
    gtbt_desc d;
    rec_backend r;
    gtbt_collector *c;
    char *all;
    env_clear();
    d = fixture_desc(1);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    t_fail_at = t_allocs + 1;                 /* the first slab */
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "lost", NULL, 0);
    t_fail_at = 0;
    CHECK_INT(c->n, 0);
    CHECK_INT(L.items[GTBT_LOGITEM_TRACK_NOMEM], 1);
    CHECK_CONTAINS(L.text, "event \"lost\" not recorded");
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "kept", NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(r.events, 1);
    all = rec_all(&r);
    CHECK_INT(count(all, "\"name\":\"kept\""), 1);
    free(all);
    rec_free_json(&r);
    fixture_done();
}

static const gt_test tests[] = {
    {"track_out_of_memory", test_track_out_of_memory},
    {"no_backend_keeps_spill_files", test_no_backend_keeps_spill_files},
    {"event_blocks_from_slabs", test_event_blocks_from_slabs},
    {"1000th_event_writes_nothing", test_1000th_event_writes_nothing},
    {"direct_writer_identical", test_direct_writer_identical},
    {"pairs_sorted_last_wins", test_pairs_sorted_last_wins},
    {"pairs_scan_matches_cleaners", test_pairs_scan_matches_cleaners},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

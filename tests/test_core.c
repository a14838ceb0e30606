/* test_core.c - the building blocks: result texts, event type names, SHA-256 and HMAC-SHA256
   known answers, the machine id, uuids, RFC 3339 time stamps, UTF-8 cutting, JSON string escaping,
   the event JSON (gtbt_events_json), the spill-line parser (gtbt__parse_ndjson) on good and hostile
   input, gtbt_redact's snprintf contract and the mailto: URL of the email deletion requestor. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"

/* ---- small helpers ---- */
static int is_lower_hex(const char *s, size_t n) {
    size_t i;
    if (strlen(s) != n) return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* 1 when s is a lowercase version 4 uuid (variant 10xx). */
static int is_uuid4(const char *s) {
    int i;
    if (!s || strlen(s) != 36) return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) { if (s[i] != '-') return 0; continue; }
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* 1 when s[0..n) is valid UTF-8 (as gtbt__utf8_len judges it). */
static int valid_utf8(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        int k = gtbt__utf8_len(p, end);
        if (k == 0) return 0;
        p += k;
    }
    return 1;
}

static char *json_of(const char *s, size_t n) {
    gtbt__buf b;
    memset(&b, 0, sizeof b);
    gtbt__json_strn(&b, s, n);
    return gtbt__buf_take(&b, NULL);
}

/* A fully populated event; the strings are static. */
static const char *const ev_args[] = {"build", "--fast"};
static const gtbt_kv ev_meta[] = {{"env", "production"}, {"region", "eu"}};
static gtbt_event full_event(void) {
    gtbt_event e;
    memset(&e, 0, sizeof e);
    e.time_unix_ns = INT64_C(1774864800500000000);   /* 2026-03-30T10:00:00.5Z */
    e.uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    e.type = "command.invocation";
    e.name = "generate";
    e.machine_id = "4a3f8c1d9e2b6f70";
    e.tool_name = "mytool";
    e.version = "1.2.3";
    e.os = "linux";
    e.arch = "amd64";
    e.os_version = "6.8.0-106-generic";
    e.runtime_version = "gcc 12.2.0";
    e.duration_ms = 142;
    e.exit_code = 2;
    e.args = ev_args; e.n_args = 2;
    e.error = "boom";
    e.metadata = ev_meta; e.n_metadata = 2;
    return e;
}
static gtbt_event bare_event(void) {
    gtbt_event e = full_event();
    e.duration_ms = 0; e.exit_code = 0;
    e.args = NULL; e.n_args = 0;
    e.error = "";
    e.metadata = NULL; e.n_metadata = 0;
    return e;
}

/* One NDJSON line (with '\n') for an event: the object of gtbt_events_json, appended to b. */
static void ndjson_line(gtbt__buf *b, const gtbt_event *e) {
    size_t len;
    char *j = gtbt_events_json(e, 1, &len);
    if (!j || len < 2) { gtbt_free(j); return; }
    gtbt__buf_put(b, j + 1, len - 2);
    gtbt__buf_putc(b, '\n');
    gtbt_free(j);
}

/* Parses text (copied into a malloc'd buffer that the batch takes over). */
static size_t parse_text(gtbt__batch *b, const char *text, size_t len) {
    char *copy = (char *)malloc(len + 1);
    int nomem = 0;
    size_t corrupt;
    memcpy(copy, text, len);
    copy[len] = 0;
    memset(b, 0, sizeof *b);
    corrupt = gtbt__parse_ndjson(b, copy, len, &nomem);
    CHECK_INT(nomem, 0);
    return corrupt;
}

#define GOOD_LINE_FMT \
    "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"%s\",\"type\":\"feature.used\",\"name\":\"%s\"}\n"

/* ---- results and event types ---- */
static void test_strerror(void) {
    static const int results[] = {GTBT_OK, GTBT_E_INVALID, GTBT_E_NOMEM, GTBT_E_IO, GTBT_E_NETWORK, GTBT_E_TIMEOUT,
                                  GTBT_E_TLS, GTBT_E_HTTP_RETRY, GTBT_E_HTTP_REJECT, GTBT_E_UNSUPPORTED, GTBT_E_DISABLED};
    size_t i, j, n = sizeof results / sizeof results[0];
    for (i = 0; i < n; i++) {
        const char *s = gtbt_strerror(results[i]);
        CHECK(s != NULL);
        if (!s) continue;
        CHECK(s[0] != 0);
        CHECK(strcmp(s, "unknown result") != 0);
        for (j = 0; j < i; j++) CHECK(strcmp(s, gtbt_strerror(results[j])) != 0);
    }
    CHECK_STR(gtbt_strerror(GTBT_OK), "ok");
    CHECK_STR(gtbt_strerror(1), "unknown result");
    CHECK_STR(gtbt_strerror(-11), "unknown result");
    CHECK_STR(gtbt_strerror(-1000), "unknown result");
    CHECK_STR(gtbt_strerror(INT_MIN), "unknown result");
    CHECK_STR(gtbt_strerror(INT_MAX), "unknown result");
    CHECK_INT(GTBT_OK, 0);
}

static void test_event_type_names(void) {
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_COMMAND_INVOCATION), "command.invocation");
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_COMMAND_ERROR), "command.error");
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_FEATURE_USED), "feature.used");
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_UPDATE_CHECK), "update.check");
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_UPDATE_APPLIED), "update.applied");
    CHECK_STR(gtbt_event_type_name(GTBT_EVENT_DELETION_REQUEST), "data.deletion_request");
    CHECK_STR(gtbt_event_type_name((gtbt_event_type)6), "");
    CHECK_STR(gtbt_event_type_name((gtbt_event_type)1000), "");
    CHECK_STR(gtbt_event_type_name((gtbt_event_type)-1), "");
}

/* ---- SHA-256 (FIPS 180-2 / NIST examples) ---- */
static void sha_hex_parts(const char *msg, size_t n, const size_t *cuts, size_t ncuts, char out[65]) {
    gtbt__sha256 s;
    unsigned char d[32];
    size_t i, at = 0;
    gtbt__sha256_init(&s);
    for (i = 0; i < ncuts; i++) { gtbt__sha256_update(&s, msg + at, cuts[i] - at); at = cuts[i]; }
    gtbt__sha256_update(&s, msg + at, n - at);
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 32, out);
}

static void test_sha256_vectors(void) {
    static const struct { const char *msg, *hex; } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"}};
    size_t i, k, a, bcut;
    char hex[65];
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].msg);
        gtbt__sha256 s;
        unsigned char d[32];
        /* whole */
        sha_hex_parts(v[i].msg, n, NULL, 0, hex);
        CHECK_STR(hex, v[i].hex);
        /* byte by byte */
        gtbt__sha256_init(&s);
        for (k = 0; k < n; k++) gtbt__sha256_update(&s, v[i].msg + k, 1);
        gtbt__sha256_final(&s, d);
        gtbt__hex(d, 32, hex);
        CHECK_STR(hex, v[i].hex);
        /* split at every offset (zero-length updates included) */
        for (k = 0; k <= n; k++) {
            sha_hex_parts(v[i].msg, n, &k, 1, hex);
            if (strcmp(hex, v[i].hex) != 0) { CHECK_STR(hex, v[i].hex); break; }
        }
        /* split in three at every pair of offsets */
        for (a = 0; a <= n; a++)
            for (bcut = a; bcut <= n; bcut++) {
                size_t cuts[2];
                cuts[0] = a; cuts[1] = bcut;
                sha_hex_parts(v[i].msg, n, cuts, 2, hex);
                if (strcmp(hex, v[i].hex) != 0) { CHECK_STR(hex, v[i].hex); a = n + 1; break; }
            }
    }
}

static void test_sha256_million_a(void) {
    static const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    static const size_t offsets[] = {0, 1, 2, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 4095, 4096, 65535,
                                     65536, 500000, 999935, 999936, 999943, 999944, 999999, 1000000};
    size_t n = 1000000, i, k;
    char *msg = (char *)malloc(n), hex[65];
    gtbt__sha256 s;
    unsigned char d[32];
    memset(msg, 'a', n);
    sha_hex_parts(msg, n, NULL, 0, hex);
    CHECK_STR(hex, want);
    gtbt__sha256_init(&s);
    for (k = 0; k < n; k++) gtbt__sha256_update(&s, msg + k, 1);
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 32, hex);
    CHECK_STR(hex, want);
    for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        sha_hex_parts(msg, n, &offsets[i], 1, hex);
        CHECK_STR(hex, want);
    }
    /* uneven chunks */
    gtbt__sha256_init(&s);
    for (k = 0; k < n;) {
        size_t c = 1 + (k * 7919) % 300;
        if (c > n - k) c = n - k;
        gtbt__sha256_update(&s, msg + k, c);
        k += c;
    }
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 32, hex);
    CHECK_STR(hex, want);
    free(msg);
}

/* ---- HMAC-SHA256 (RFC 4231 test cases 1-7) ---- */
static void test_hmac_rfc4231(void) {
    unsigned char key[131], data[160], mac[32];
    char hex[65];
    size_t i;
    /* 1 */
    memset(key, 0x0b, 20);
    gtbt__hmac_sha256(key, 20, "Hi There", 8, mac);
    gtbt__hex(mac, 32, hex);
    CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* 2 */
    gtbt__hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
    gtbt__hex(mac, 32, hex);
    CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* 3 */
    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    gtbt__hmac_sha256(key, 20, data, 50, mac);
    gtbt__hex(mac, 32, hex);
    CHECK_STR(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* 4 */
    for (i = 0; i < 25; i++) key[i] = (unsigned char)(i + 1);
    memset(data, 0xcd, 50);
    gtbt__hmac_sha256(key, 25, data, 50, mac);
    gtbt__hex(mac, 32, hex);
    CHECK_STR(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    /* 5 (truncated to 128 bits) */
    memset(key, 0x0c, 20);
    gtbt__hmac_sha256(key, 20, "Test With Truncation", 20, mac);
    gtbt__hex(mac, 16, hex);
    CHECK_STR(hex, "a3b6167473100ee06e0c796c2955552b");
    /* 6: key larger than a block */
    memset(key, 0xaa, 131);
    gtbt__hmac_sha256(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
    gtbt__hex(mac, 32, hex);
    CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* 7: key and data larger than a block */
    {
        const char *m = "This is a test using a larger than block-size key and a larger than block-size data. "
                        "The key needs to be hashed before being used by the HMAC algorithm.";
        gtbt__hmac_sha256(key, 131, m, strlen(m), mac);
        gtbt__hex(mac, 32, hex);
        CHECK_STR(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }
}

/* ---- machine id ---- */
static void test_machine_id(void) {
    char a[17], b[17], x[17], y[17], g1[17], g2[17];
    char osid[256], mac[256], host[256], user[256], want[17];
    gtbt__buf raw;
    gtbt__sha256 s;
    unsigned char d[32];
    CHECK_INT(gtbt_machine_id("mytool", a), GTBT_OK);
    CHECK_INT(gtbt_machine_id("mytool", b), GTBT_OK);
    CHECK(is_lower_hex(a, 16));
    CHECK_STR(b, a);
    CHECK_INT(gtbt_machine_id("othertool", x), GTBT_OK);
    CHECK_INT(gtbt_machine_id("mytool2", y), GTBT_OK);
    CHECK(is_lower_hex(x, 16) && is_lower_hex(y, 16));
    CHECK(strcmp(a, x) != 0);
    CHECK(strcmp(a, y) != 0);
    CHECK(strcmp(x, y) != 0);
    CHECK_INT(gtbt_machine_id(NULL, g1), GTBT_OK);
    CHECK_INT(gtbt_machine_id(NULL, g2), GTBT_OK);
    CHECK(is_lower_hex(g1, 16));
    CHECK_STR(g2, g1);
    CHECK(strcmp(g1, a) != 0);   /* salted differs from the Go-compatible id */
    CHECK_INT(gtbt_machine_id("mytool", NULL), GTBT_E_INVALID);

    /* the Go-compatible id, recomputed: sha256("osid:mac:host[:user]")[:8] */
    gtbt__os_machine_id(osid, sizeof osid);
    gtbt__first_mac(mac, sizeof mac);
    gtbt__hostname(host, sizeof host);
    gtbt__username(user, sizeof user);
    memset(&raw, 0, sizeof raw);
    gtbt__buf_printf(&raw, "%s:%s:%s", osid, mac, host);
    if (user[0]) gtbt__buf_printf(&raw, ":%s", user);
    gtbt__sha256_init(&s);
    gtbt__sha256_update(&s, raw.p, raw.len);
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 8, want);
    CHECK_STR(g1, want);
    /* the salted one is the HMAC keyed with the tool name over the same string */
    gtbt__hmac_sha256("mytool", 6, raw.p, raw.len, d);
    gtbt__hex(d, 8, want);
    CHECK_STR(a, want);
    gtbt__buf_free(&raw);
    /* the raw signals never appear in the id */
    if (strlen(host) >= 4) { CHECK_NOT_CONTAINS(a, host); CHECK_NOT_CONTAINS(g1, host); }
    if (strlen(user) >= 4) { CHECK_NOT_CONTAINS(a, user); CHECK_NOT_CONTAINS(g1, user); }
}

/* ---- uuids ---- */
static int cmp_uuid(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

static void test_uuid4(void) {
    enum { N = 10000 };
    char (*u)[37] = (char (*)[37])malloc(sizeof(char[37]) * N);
    gtbt__rng r;
    int i, bad = 0, dup = 0;
    gtbt__rng_seed(&r);
    for (i = 0; i < N; i++) {
        gtbt__uuid4(&r, u[i]);
        if (!is_uuid4(u[i])) { if (!bad) CHECK(is_uuid4(u[i])); bad++; }
    }
    CHECK_INT(bad, 0);
    qsort(u, N, sizeof u[0], cmp_uuid);
    for (i = 1; i < N; i++) if (!strcmp(u[i - 1], u[i])) dup++;
    CHECK_INT(dup, 0);
    /* a second generator does not repeat the first one's stream */
    {
        gtbt__rng r2;
        char v[37];
        gtbt__rng_seed(&r2);
        gtbt__uuid4(&r2, v);
        CHECK(is_uuid4(v));
        CHECK(bsearch(v, u, N, sizeof u[0], cmp_uuid) == NULL);
    }
    /* uuid_format forces version and variant whatever the bytes */
    {
        unsigned char ones[16], zeros[16];
        char o[37], z[37];
        memset(ones, 0xff, 16);
        memset(zeros, 0, 16);
        gtbt__uuid_format(ones, o);
        gtbt__uuid_format(zeros, z);
        CHECK_STR(o, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        CHECK_STR(z, "00000000-0000-4000-8000-000000000000");
        for (i = 0; i < 16; i++) ones[i] = (unsigned char)(i * 17 + 1);   /* every byte in its place */
        gtbt__uuid_format(ones, o);
        CHECK_STR(o, "01122334-4556-4778-899a-abbccddeef00");
    }
    free(u);
}

/* ---- RFC 3339 ---- */
static void test_rfc3339_format(void) {
    static const struct { int64_t ns; const char *s; } v[] = {
        {0, "1970-01-01T00:00:00Z"},
        {INT64_C(1500000000), "1970-01-01T00:00:01.5Z"},
        {INT64_C(1774864800000000000), "2026-03-30T10:00:00Z"},
        {INT64_C(1774864800500000000), "2026-03-30T10:00:00.5Z"},
        {INT64_C(1774864800123456789), "2026-03-30T10:00:00.123456789Z"},
        {INT64_C(1774864800120000000), "2026-03-30T10:00:00.12Z"},
        {INT64_C(1774864800000000001), "2026-03-30T10:00:00.000000001Z"},
        {INT64_C(1774864800000001000), "2026-03-30T10:00:00.000001Z"},
        {INT64_C(1709210096000000000), "2024-02-29T12:34:56Z"},
        {INT64_C(951782400000000000), "2000-02-29T00:00:00Z"},
        {INT64_C(946684799999000000), "1999-12-31T23:59:59.999Z"},
        {INT64_C(4102444800000000000), "2100-01-01T00:00:00Z"},
        {INT64_C(4107542399000000000), "2100-02-28T23:59:59Z"},
        {INT64_C(4107542400000000000), "2100-03-01T00:00:00Z"},   /* 2100 is not a leap year */
        {INT64_C(-1), "1969-12-31T23:59:59.999999999Z"},
        {INT64_C(-1000000000), "1969-12-31T23:59:59Z"},
    };
    size_t i;
    char out[40];
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        int n = gtbt__rfc3339(v[i].ns, out);
        CHECK_STR(out, v[i].s);
        CHECK_INT(n, (int)strlen(v[i].s));
    }
}

static void test_rfc3339_round_trip(void) {
    static const int64_t v[] = {0, 1, 999999999, INT64_C(1500000000), INT64_C(1774864800500000000),
                                INT64_C(1774864800123456789), INT64_C(1709210096000000000), INT64_C(4107542400000000000),
                                INT64_C(-1), INT64_C(-86400000000001), INT64_C(9000000000000000000)};
    size_t i;
    char out[40];
    int64_t back, t;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        gtbt__rfc3339(v[i], out);
        back = 12345;
        CHECK_INT(gtbt__parse_rfc3339(out, &back), 0);
        CHECK_INT(back, v[i]);
    }
    /* every day across four years (leap days included), at an odd time of day */
    for (t = INT64_C(946684800); t < INT64_C(946684800) + 4 * 366 * 86400; t += 86400) {
        int64_t ns = (t + 3723) * 1000000000 + 4567;
        gtbt__rfc3339(ns, out);
        if (gtbt__parse_rfc3339(out, &back) != 0 || back != ns) { CHECK_INT(back, ns); break; }
    }
    /* offsets and lower case */
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T12:00:00+02:00", &back), 0);
    CHECK_INT(back, INT64_C(1774864800000000000));
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T09:30:00.5-00:30", &back), 0);
    CHECK_INT(back, INT64_C(1774864800500000000));
    /* rejections */
    CHECK_INT(gtbt__parse_rfc3339("", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("garbage", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-13-01T00:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-00-01T00:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-01-00T00:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-01-32T00:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-01-01T24:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-01-01T00:60:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T10:00:00", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T10:00:00.Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T10:00:00ZZ", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30T10:00:00+0200", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-03-30", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("2026-3-30T10:00:00Z", &back), -1);
    CHECK_INT(gtbt__parse_rfc3339("20260330T100000Z", &back), -1);
}

/* ---- UTF-8 cutting ---- */
static void test_utf8_cut(void) {
    /* a, é (2), € (3), 😀 (4), repeated */
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9" "c";
    size_t n = strlen(s), max, k;
    int bad = 0;
    for (max = 0; max <= n + 2; max++) {
        k = gtbt__utf8_cut(s, n, max);
        if (k > max || k > n) bad++;
        else if (max >= n && k != n) bad++;
        else if (k < n && ((unsigned char)s[k] & 0xC0) == 0x80) bad++;   /* split a sequence */
        else if (max < n && k + 3 < max) bad++;                            /* cut more than needed */
        else if (!valid_utf8(s, k)) bad++;
        if (bad) { CHECK_INT((long long)k, (long long)max); break; }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(gtbt__utf8_cut("\xF0\x9F\x98\x80", 4, 3), 0);
    CHECK_INT(gtbt__utf8_cut("\xF0\x9F\x98\x80", 4, 1), 0);
    CHECK_INT(gtbt__utf8_cut("a\xC3\xA9", 3, 2), 1);
    CHECK_INT(gtbt__utf8_cut("ab\xE2\x82\xAC", 5, 4), 2);
    CHECK_INT(gtbt__utf8_cut("abc", 3, 3), 3);
    CHECK_INT(gtbt__utf8_cut("abc", 3, 0), 0);
}

/* ---- JSON strings ---- */
static void check_json(const char *in, size_t n, const char *want, int line) {
    char *got = json_of(in, n);
    if (!got || strcmp(got, want) != 0)
        gt_fail(__FILE__, line, "json of input:\n      expected %s\n      got      %s", want, got ? got : "(null)");
    else if (!valid_utf8(got, strlen(got)))
        gt_fail(__FILE__, line, "json output is not valid UTF-8: %s", got);
    free(got);
}
#define JSON_IS(lit, want) check_json(lit, sizeof(lit) - 1, want, __LINE__)
#define FFFD "\xEF\xBF\xBD"

static void test_json_strings(void) {
    JSON_IS("", "\"\"");
    JSON_IS("plain text", "\"plain text\"");
    /* invalid UTF-8 becomes U+FFFD */
    JSON_IS("\x80", "\"" FFFD "\"");
    JSON_IS("a\x80z", "\"a" FFFD "z\"");
    JSON_IS("\xBF\xBF", "\"" FFFD FFFD "\"");
    JSON_IS("\xC0\xAF", "\"" FFFD FFFD "\"");                  /* overlong '/' */
    JSON_IS("\xC1\xBF", "\"" FFFD FFFD "\"");
    JSON_IS("\xE0\x80\xAF", "\"" FFFD FFFD FFFD "\"");         /* overlong, 3 bytes */
    JSON_IS("\xF0\x80\x80\xAF", "\"" FFFD FFFD FFFD FFFD "\""); /* overlong, 4 bytes */
    JSON_IS("\xED\xA0\x80", "\"" FFFD FFFD FFFD "\"");         /* surrogate U+D800 */
    JSON_IS("\xED\xBF\xBF", "\"" FFFD FFFD FFFD "\"");         /* surrogate U+DFFF */
    JSON_IS("\xF4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
    JSON_IS("\xE2\x82", "\"" FFFD FFFD "\"");                  /* truncated at the end */
    JSON_IS("\xE2\x82" "x", "\"" FFFD FFFD "x\"");
    JSON_IS("\xF0\x9F\x98" "a", "\"" FFFD FFFD FFFD "a\"");
    JSON_IS("\xC3", "\"" FFFD "\"");
    JSON_IS("\xFF", "\"" FFFD "\"");
    JSON_IS("\xFE\xFF", "\"" FFFD FFFD "\"");
    JSON_IS("\xF8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
    /* valid multibyte kept as is */
    JSON_IS("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\"");
    JSON_IS("\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF", "\"\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF\"");
    /* control characters escaped */
    JSON_IS("\x01", "\"\\u0001\"");
    JSON_IS("a\nb", "\"a\\nb\"");
    JSON_IS("\r\t", "\"\\r\\t\"");
    JSON_IS("\x1f", "\"\\u001f\"");
    JSON_IS("a\0b", "\"a\\u0000b\"");
    /* quotes and backslashes */
    JSON_IS("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"");
    /* HTML-sensitive characters as Go escapes them */
    JSON_IS("<script>&", "\"\\u003cscript\\u003e\\u0026\"");
    JSON_IS("<redacted>", "\"\\u003credacted\\u003e\"");
    /* line and paragraph separators */
    JSON_IS("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", "\"a\\u2028b\\u2029c\"");
    JSON_IS("\xE2\x80\xA7", "\"\xE2\x80\xA7\"");
    /* every single byte value gives valid UTF-8 without raw controls */
    {
        int c, bad = 0;
        for (c = 0; c < 256; c++) {
            char in[3], *got;
            size_t i;
            in[0] = 'x'; in[1] = (char)c; in[2] = 'y';
            got = json_of(in, 3);
            if (!got || !valid_utf8(got, strlen(got))) bad++;
            else for (i = 0; got[i]; i++) if ((unsigned char)got[i] < 0x20) bad++;
            free(got);
        }
        CHECK_INT(bad, 0);
    }
}

/* ---- the event JSON ---- */
static void test_events_json_full(void) {
    gtbt_event e = full_event();
    size_t len = 0;
    char *j = gtbt_events_json(&e, 1, &len);
    CHECK_STR(j, "[{\"timestamp\":\"2026-03-30T10:00:00.5Z\",\"uuid\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
                 "\"type\":\"command.invocation\",\"name\":\"generate\",\"machine_id\":\"4a3f8c1d9e2b6f70\","
                 "\"tool_name\":\"mytool\",\"version\":\"1.2.3\",\"os\":\"linux\",\"arch\":\"amd64\","
                 "\"runtime_version\":\"gcc 12.2.0\",\"os_version\":\"6.8.0-106-generic\",\"duration_ms\":142,"
                 "\"exit_code\":2,\"args\":[\"build\",\"--fast\"],\"error\":\"boom\","
                 "\"metadata\":{\"env\":\"production\",\"region\":\"eu\"}}]");
    CHECK_INT(len, j ? strlen(j) : 0);
    gtbt_free(j);
}

static void test_events_json_omissions(void) {
    gtbt_event e[2];
    size_t len = 0;
    char *j;
    e[0] = bare_event();
    j = gtbt_events_json(e, 1, &len);
    CHECK_STR(j, "[{\"timestamp\":\"2026-03-30T10:00:00.5Z\",\"uuid\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
                 "\"type\":\"command.invocation\",\"name\":\"generate\",\"machine_id\":\"4a3f8c1d9e2b6f70\","
                 "\"tool_name\":\"mytool\",\"version\":\"1.2.3\",\"os\":\"linux\",\"arch\":\"amd64\","
                 "\"runtime_version\":\"gcc 12.2.0\",\"os_version\":\"6.8.0-106-generic\"}]");
    CHECK_INT(len, j ? strlen(j) : 0);
    gtbt_free(j);
    /* each optional field on its own */
    e[0] = bare_event(); e[0].duration_ms = 7;
    j = gtbt_events_json(e, 1, NULL);
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\",\"duration_ms\":7}]");
    gtbt_free(j);
    e[0] = bare_event(); e[0].exit_code = -1;
    j = gtbt_events_json(e, 1, NULL);
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\",\"exit_code\":-1}]");
    gtbt_free(j);
    e[0] = bare_event(); e[0].args = ev_args; e[0].n_args = 1;
    j = gtbt_events_json(e, 1, NULL);
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\",\"args\":[\"build\"]}]");
    gtbt_free(j);
    e[0] = bare_event(); e[0].error = "x";
    j = gtbt_events_json(e, 1, NULL);
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\",\"error\":\"x\"}]");
    gtbt_free(j);
    e[0] = bare_event(); e[0].metadata = ev_meta; e[0].n_metadata = 1;
    j = gtbt_events_json(e, 1, NULL);
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\",\"metadata\":{\"env\":\"production\"}}]");
    gtbt_free(j);
    /* NULL error is treated as empty */
    e[0] = bare_event(); e[0].error = NULL;
    j = gtbt_events_json(e, 1, NULL);
    CHECK_NOT_CONTAINS(j, "\"error\"");
    gtbt_free(j);
    /* several events, and none */
    e[0] = bare_event(); e[1] = full_event();
    j = gtbt_events_json(e, 2, &len);
    CHECK(j && j[0] == '[' && j[len - 1] == ']');
    CHECK_CONTAINS(j, "\"os_version\":\"6.8.0-106-generic\"},{\"timestamp\"");
    CHECK_INT(gt_occurrences(j, "\"timestamp\""), 2);
    gtbt_free(j);
    j = gtbt_events_json(e, 0, &len);
    CHECK_STR(j, "[]");
    CHECK_INT(len, 2);
    gtbt_free(j);
    /* hostile strings in every field still give valid UTF-8 JSON */
    e[0] = full_event();
    e[0].name = "bad\xFF<name>\n";
    e[0].version = "\xC0\x80";
    j = gtbt_events_json(e, 1, &len);
    CHECK_CONTAINS(j, "\"name\":\"bad" FFFD "\\u003cname\\u003e\\n\"");
    CHECK_CONTAINS(j, "\"version\":\"" FFFD FFFD "\"");
    CHECK(j && valid_utf8(j, len));
    gtbt_free(j);
}

/* ---- the spill-line parser ---- */
static void compare_events(const gtbt_event *a, const gtbt_event *b) {
    size_t i;
    CHECK_INT(a->time_unix_ns, b->time_unix_ns);
    CHECK_STR(a->uuid, b->uuid);
    CHECK_STR(a->type, b->type);
    CHECK_STR(a->name, b->name);
    CHECK_STR(a->machine_id, b->machine_id);
    CHECK_STR(a->tool_name, b->tool_name);
    CHECK_STR(a->version, b->version);
    CHECK_STR(a->os, b->os);
    CHECK_STR(a->arch, b->arch);
    CHECK_STR(a->os_version, b->os_version);
    CHECK_STR(a->runtime_version, b->runtime_version);
    CHECK_INT(a->duration_ms, b->duration_ms);
    CHECK_INT(a->exit_code, b->exit_code);
    CHECK_STR(a->error ? a->error : "", b->error ? b->error : "");
    CHECK_INT(a->n_args, b->n_args);
    for (i = 0; i < a->n_args && i < b->n_args; i++) CHECK_STR(a->args[i], b->args[i]);
    CHECK_INT(a->n_metadata, b->n_metadata);
    for (i = 0; i < a->n_metadata && i < b->n_metadata; i++) {
        CHECK_STR(a->metadata[i].key, b->metadata[i].key);
        CHECK_STR(a->metadata[i].value, b->metadata[i].value);
    }
}

static void test_ndjson_round_trip(void) {
    gtbt_event e[4];
    gtbt__buf text;
    gtbt__batch b;
    size_t i, corrupt;
    static const char *const args3[] = {"--name=\"x\"", "tab\there", "\xC3\xA9t\xC3\xA9"};
    static const gtbt_kv meta3[] = {{"a<b", "x&y"}, {"emoji", "\xF0\x9F\x98\x80"}, {"nl", "line1\nline2"}};
    e[0] = full_event();
    e[1] = bare_event();
    e[1].time_unix_ns = 0;
    e[1].uuid = "a3bb189e-8bf9-4888-9912-ace4e6543002";
    e[2] = full_event();
    e[2].uuid = "6fa459ea-ee8a-4ca4-894e-db77e160355e";
    e[2].time_unix_ns = INT64_C(1774864800123456789);
    e[2].duration_ms = INT64_C(9007199254740993);
    e[2].exit_code = -127;
    e[2].args = args3; e[2].n_args = 3;
    e[2].metadata = meta3; e[2].n_metadata = 3;
    e[2].error = "quote \" backslash \\ \x01";
    e[3] = bare_event();
    e[3].uuid = "16fd2706-8baf-433b-82eb-8c7fada847da";
    e[3].type = "data.deletion_request";
    e[3].name = "deletion_request";
    e[3].tool_name = e[3].version = e[3].os = e[3].arch = e[3].os_version = e[3].runtime_version = "";
    memset(&text, 0, sizeof text);
    for (i = 0; i < 4; i++) ndjson_line(&text, &e[i]);
    corrupt = parse_text(&b, text.p, text.len);
    CHECK_INT(corrupt, 0);
    CHECK_INT(b.n, 4);
    for (i = 0; i < 4 && i < b.n; i++) compare_events(&b.ev[i], &e[i]);
    gtbt__batch_free(&b);
    /* CRLF line ends and blank lines are fine; the last line may lack its newline */
    {
        char line[512];
        gtbt__buf t2;
        memset(&t2, 0, sizeof t2);
        snprintf(line, sizeof line, GOOD_LINE_FMT, "6fa459ea-ee8a-4ca4-894e-db77e160355e", "one");
        line[strlen(line) - 1] = 0;
        gtbt__buf_printf(&t2, "\n\n%s\r\n   \n%s", line, line);
        corrupt = parse_text(&b, t2.p, t2.len);
        CHECK_INT(corrupt, 0);
        CHECK_INT(b.n, 2);
        if (b.n == 2) { CHECK_STR(b.ev[1].name, "one"); CHECK_STR(b.ev[0].type, "feature.used"); }
        gtbt__batch_free(&b);
        gtbt__buf_free(&t2);
    }
    gtbt__buf_free(&text);
}

static void test_ndjson_hostile(void) {
    gtbt__buf t;
    gtbt__batch b;
    size_t corrupt, i, expect_corrupt = 0;
    char good[512];
    const char *ts = "\"timestamp\":\"2026-03-30T10:00:00Z\"";
    memset(&t, 0, sizeof t);
#define GOOD(nm) do { snprintf(good, sizeof good, GOOD_LINE_FMT, "6fa459ea-ee8a-4ca4-894e-db77e160355e", nm); gtbt__buf_puts(&t, good); } while (0)
#define BAD(s) do { gtbt__buf_puts(&t, s); gtbt__buf_putc(&t, '\n'); expect_corrupt++; } while (0)
    GOOD("g0");
    /* truncated lines */
    BAD("{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"na");
    BAD("{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"x\"");
    BAD("{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"x");
    BAD("{");
    BAD("}");
    BAD("[]");
    BAD("{}");
    BAD("null");
    BAD("\"just a string\"");
    GOOD("g1");
    /* deep nesting: as the whole line, and inside an unknown field */
    {
        gtbt__buf deep;
        memset(&deep, 0, sizeof deep);
        for (i = 0; i < 1000; i++) gtbt__buf_putc(&deep, '[');
        BAD(deep.p);
        gtbt__buf_free(&deep);
        memset(&deep, 0, sizeof deep);
        gtbt__buf_printf(&deep, "{%s,\"type\":\"feature.used\",\"name\":\"deep\",\"x\":", ts);
        for (i = 0; i < 1000; i++) gtbt__buf_putc(&deep, '[');
        for (i = 0; i < 1000; i++) gtbt__buf_putc(&deep, ']');
        gtbt__buf_putc(&deep, '}');
        BAD(deep.p);
        gtbt__buf_free(&deep);
        memset(&deep, 0, sizeof deep);
        gtbt__buf_printf(&deep, "{%s,\"type\":\"feature.used\",\"name\":\"deep\",\"x\":", ts);
        for (i = 0; i < 1000; i++) gtbt__buf_puts(&deep, "{\"a\":");
        gtbt__buf_puts(&deep, "1");
        for (i = 0; i < 1000; i++) gtbt__buf_putc(&deep, '}');
        gtbt__buf_putc(&deep, '}');
        BAD(deep.p);
        gtbt__buf_free(&deep);
    }
    GOOD("g2");
    /* huge numbers */
    {
        char l[512];
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"n\",\"duration_ms\":123456789012345678901234567890}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"n\",\"duration_ms\":9223372036854775808}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"n\",\"exit_code\":1.5}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"n\",\"duration_ms\":-}", ts);
        BAD(l);
        /* wrong types */
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":5}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":[\"feature.used\"],\"name\":\"x\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",\"metadata\":[\"a\"]}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",\"metadata\":{\"a\":1}}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",\"args\":{\"a\":\"b\"}}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",\"args\":[1,2]}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",\"duration_ms\":\"5\"}", ts);
        BAD(l);
        BAD("{\"timestamp\":1774864800,\"type\":\"feature.used\",\"name\":\"x\"}");
        BAD("{\"timestamp\":\"yesterday\",\"type\":\"feature.used\",\"name\":\"x\"}");
        BAD("{\"timestamp\":\"2026-13-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"x\"}");
        /* missing required fields */
        BAD("{\"type\":\"feature.used\",\"name\":\"x\"}");
        snprintf(l, sizeof l, "{%s,\"name\":\"x\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\"}", ts);
        BAD(l);
        /* garbage after the object, bad escapes, raw control characters */
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\"} trailing", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\\q\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\\u12\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"a\tb\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s \"type\":\"feature.used\",\"name\":\"x\"}", ts);
        BAD(l);
        snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"x\",}", ts);
        BAD(l);
    }
    GOOD("g3");
    /* NUL bytes: inside a string, and between fields */
    {
        char l[512];
        int n = snprintf(l, sizeof l, "{%s,\"type\":\"feature.used\",\"name\":\"nu#l\"}\n", ts);
        *strchr(l, '#') = 0;
        gtbt__buf_put(&t, l, (size_t)n);
        expect_corrupt++;
        n = snprintf(l, sizeof l, "{%s,#\"type\":\"feature.used\",\"name\":\"x\"}\n", ts);
        *strchr(l, '#') = 0;
        gtbt__buf_put(&t, l, (size_t)n);
        expect_corrupt++;
        gtbt__buf_put(&t, "\0\0\0\n", 4);
        expect_corrupt++;
    }
    /* invalid UTF-8 and binary junk */
    BAD("\xFF\xFE{\"timestamp\"");
    GOOD("g4");
    /* a line that ends the file without a newline, truncated */
    gtbt__buf_puts(&t, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"ty");
    expect_corrupt++;
#undef GOOD
#undef BAD
    corrupt = parse_text(&b, t.p, t.len);
    CHECK_INT(corrupt, expect_corrupt);
    CHECK_INT(b.n, 5);
    for (i = 0; i < b.n && i < 5; i++) {
        char nm[8];
        snprintf(nm, sizeof nm, "g%d", (int)i);
        CHECK_STR(b.ev[i].name, nm);
        CHECK_STR(b.ev[i].type, "feature.used");
        CHECK_INT(b.ev[i].time_unix_ns, INT64_C(1774864800000000000));
        CHECK_STR(b.ev[i].machine_id, "");
        CHECK_INT(b.ev[i].n_metadata, 0);
    }
    gtbt__batch_free(&b);
    gtbt__buf_free(&t);
}

static void test_ndjson_unknown_fields_and_go_version(void) {
    gtbt__batch b;
    size_t corrupt;
    const char *text =
        "{\"future\":{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"},\"timestamp\":\"2026-03-30T10:00:00Z\",\"flag\":true,"
        "\"off\":false,\"nothing\":null,\"num\":-1.5e3,\"type\":\"command.invocation\",\"name\":\"x\","
        "\"go_version\":\"go1.26.1\",\"list\":[],\"obj\":{}}\n"
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"command.invocation\",\"name\":\"y\","
        "\"runtime_version\":\"gcc 12.2.0\",\"go_version\":\"go1.26.1\"}\n"
        "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"command.invocation\",\"name\":\"\\u00e9\\ud83d\\ude00\\/\"}\n";
    corrupt = parse_text(&b, text, strlen(text));
    CHECK_INT(corrupt, 0);
    CHECK_INT(b.n, 3);
    if (b.n == 3) {
        CHECK_STR(b.ev[0].name, "x");
        CHECK_STR(b.ev[0].runtime_version, "go1.26.1");
        CHECK_STR(b.ev[0].os, "");
        CHECK_STR(b.ev[0].error, "");
        CHECK_INT(b.ev[0].duration_ms, 0);
        CHECK_STR(b.ev[1].runtime_version, "gcc 12.2.0");
        CHECK_STR(b.ev[2].name, "\xC3\xA9\xF0\x9F\x98\x80/");
    }
    gtbt__batch_free(&b);
}

static void test_ndjson_derived_uuid(void) {
    gtbt__batch b1, b2;
    char l1[512], l2[512], l3[512];
    gtbt__buf t;
    snprintf(l1, sizeof l1, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"a\"}\n");
    snprintf(l2, sizeof l2, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"b\"}\n");
    snprintf(l3, sizeof l3, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"uuid\":\"\",\"type\":\"feature.used\",\"name\":\"a\"}\n");
    memset(&t, 0, sizeof t);
    gtbt__buf_printf(&t, "%s%s%s%s", l1, l2, l1, l3);
    CHECK_INT(parse_text(&b1, t.p, t.len), 0);
    CHECK_INT(parse_text(&b2, l1, strlen(l1)), 0);
    CHECK_INT(b1.n, 4);
    CHECK_INT(b2.n, 1);
    if (b1.n == 4 && b2.n == 1) {
        CHECK(is_uuid4(b1.ev[0].uuid));
        CHECK(is_uuid4(b1.ev[1].uuid));
        CHECK(is_uuid4(b1.ev[3].uuid));
        CHECK_STR(b1.ev[2].uuid, b1.ev[0].uuid);   /* same text, same uuid */
        CHECK_STR(b2.ev[0].uuid, b1.ev[0].uuid);   /* and in another parse (another run) */
        CHECK(strcmp(b1.ev[0].uuid, b1.ev[1].uuid) != 0);
        CHECK(strcmp(b1.ev[0].uuid, b1.ev[3].uuid) != 0);
    }
    gtbt__batch_free(&b1);
    gtbt__batch_free(&b2);
    gtbt__buf_free(&t);
}

static void test_ndjson_limits(void) {
    gtbt__buf t;
    gtbt__batch b;
    size_t i;
    memset(&t, 0, sizeof t);
    gtbt__buf_puts(&t, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"");
    for (i = 0; i < 255; i++) gtbt__buf_putc(&t, 'n');
    gtbt__buf_puts(&t, "\xC3\xA9zzzz\",\"metadata\":{\"");          /* é straddles byte 256 */
    for (i = 0; i < 200; i++) gtbt__buf_putc(&t, 'k');
    gtbt__buf_puts(&t, "\":\"");
    for (i = 0; i < 5000; i++) gtbt__buf_putc(&t, 'v');
    gtbt__buf_putc(&t, '"');
    for (i = 0; i < 70; i++) gtbt__buf_printf(&t, ",\"m%02d\":\"x\"", (int)i);
    gtbt__buf_puts(&t, "},\"args\":[");
    for (i = 0; i < 70; i++) gtbt__buf_printf(&t, "%s\"a%02d\"", i ? "," : "", (int)i);
    gtbt__buf_puts(&t, ",\"");
    for (i = 0; i < 5000; i++) gtbt__buf_putc(&t, 'w');
    gtbt__buf_puts(&t, "\"]}\n");
    /* a second line after the big one still parses */
    gtbt__buf_puts(&t, "{\"timestamp\":\"2026-03-30T10:00:00Z\",\"type\":\"feature.used\",\"name\":\"after\",\"args\":[\"");
    for (i = 0; i < 5000; i++) gtbt__buf_putc(&t, 'w');
    gtbt__buf_puts(&t, "\"],\"metadata\":{\"k\":\"");
    for (i = 0; i < 4094; i++) gtbt__buf_putc(&t, 'v');
    gtbt__buf_puts(&t, "\xE2\x82\xAC\"}}\n");                              /* € straddles byte 4096 */
    CHECK_INT(parse_text(&b, t.p, t.len), 0);
    CHECK_INT(b.n, 2);
    if (b.n == 2) {
        CHECK_INT(strlen(b.ev[0].name), 255);
        CHECK_INT(b.ev[0].n_metadata, 64);
        CHECK_INT(b.ev[0].n_args, 64);
        if (b.ev[0].n_metadata == 64) {
            CHECK_INT(strlen(b.ev[0].metadata[0].key), 128);
            CHECK_INT(strlen(b.ev[0].metadata[0].value), 4096);
            CHECK_STR(b.ev[0].metadata[1].key, "m00");
            CHECK_STR(b.ev[0].metadata[63].key, "m62");
        }
        if (b.ev[0].n_args == 64) { CHECK_STR(b.ev[0].args[0], "a00"); CHECK_STR(b.ev[0].args[63], "a63"); }
        CHECK_STR(b.ev[1].name, "after");
        CHECK_INT(b.ev[1].n_args, 1);
        if (b.ev[1].n_args == 1) CHECK_INT(strlen(b.ev[1].args[0]), 4096);
        CHECK_INT(b.ev[1].n_metadata, 1);
        if (b.ev[1].n_metadata == 1) CHECK_INT(strlen(b.ev[1].metadata[0].value), 4094);
    }
    gtbt__batch_free(&b);
    gtbt__buf_free(&t);
}

/* ---- gtbt_redact's snprintf contract (input without anything to redact) ---- */
static void test_redact_snprintf(void) {
    const char *in = "deploy to staging now";
    char out[64];
    size_t n = strlen(in);
    CHECK_INT(gtbt_redact(in, NULL, 0), n);
    memset(out, 'X', sizeof out);
    CHECK_INT(gtbt_redact(in, out, 0), n);
    CHECK(out[0] == 'X');                         /* cap 0: nothing written */
    CHECK_INT(gtbt_redact(in, out, sizeof out), n);
    CHECK_STR(out, in);
    memset(out, 'X', sizeof out);
    CHECK_INT(gtbt_redact(in, out, 7), n);
    CHECK_STR(out, "deploy");
    CHECK(out[7] == 'X');                         /* never beyond cap */
    CHECK_INT(gtbt_redact(in, out, 1), n);
    CHECK_STR(out, "");
    CHECK_INT(gtbt_redact(in, out, n), n);
    CHECK_INT(strlen(out), n - 1);
    CHECK_INT(gtbt_redact(in, out, n + 1), n);
    CHECK_STR(out, in);
    memset(out, 'X', sizeof out);
    CHECK_INT(gtbt_redact(NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(gtbt_redact(NULL, NULL, 0), 0);
    CHECK_INT(gtbt_redact("", out, sizeof out), 0);
    CHECK_STR(out, "");
    /* with something to redact: every truncation is a prefix of the full result, same length */
    {
        const char *secret = "curl https://admin:hunter2secret@example.com/x?token=abcdef123456";
        char full[256], part[256];
        size_t total = gtbt_redact(secret, full, sizeof full), cap;
        CHECK(total < sizeof full);
        CHECK_INT(strlen(full), total);
        CHECK_INT(gtbt_redact(secret, NULL, 0), total);
        for (cap = 1; cap <= total + 1; cap++) {
            memset(part, 'X', sizeof part);
            if (gtbt_redact(secret, part, cap) != total || strlen(part) != cap - 1 || memcmp(part, full, cap - 1) != 0 ||
                part[cap] != 'X') {
                gt_fail(__FILE__, __LINE__, "cap %d: \"%s\" is not the prefix of \"%s\"", (int)cap, part, full);
                break;
            }
        }
    }
}

/* ---- mailto: URL ---- */
static void test_mailto_exact(void) {
    char out[1024];
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "mytool", "abc123", out, sizeof out), GTBT_OK);
    CHECK_STR(out, "mailto:privacy@example.com?subject=Data+Deletion+Request+%E2%80%94+mytool"
                   "&body=Please+delete+all+telemetry+data+associated+with+machine+ID%3A+abc123");
    CHECK_INT(gtbt_mailto_url("a.b+c@sub.example.org", "my tool_1.0~x", "4a3f8c1d9e2b6f70", out, sizeof out), GTBT_OK);
    CHECK_STR(out, "mailto:a.b+c@sub.example.org?subject=Data+Deletion+Request+%E2%80%94+my+tool_1.0~x"
                   "&body=Please+delete+all+telemetry+data+associated+with+machine+ID%3A+4a3f8c1d9e2b6f70");
}

static void test_mailto_injection(void) {
    char out[2048];
    const char *evil = "x&cc=attacker@evil.com&bcc=also\r\nX-Header: y";
    size_t i;
    CHECK_INT(gtbt_mailto_url("privacy@example.com", evil, "abc123", out, sizeof out), GTBT_OK);
    CHECK_INT(gt_occurrences(out, "?"), 1);
    CHECK_INT(gt_occurrences(out, "&"), 1);
    CHECK_CONTAINS(out, "&body=");
    CHECK_NOT_CONTAINS(out, "&cc=");
    CHECK_NOT_CONTAINS(out, "&bcc=");
    CHECK_NOT_CONTAINS(out, "\r");
    CHECK_NOT_CONTAINS(out, "\n");
    CHECK_NOT_CONTAINS(out, " ");
    for (i = 0; out[i]; i++) CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] < 0x7f);
    CHECK_CONTAINS(out, "x%26cc%3Dattacker%40evil.com%26bcc%3Dalso%0D%0AX-Header%3A+y");
    /* the machine id argument is escaped too */
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "t", "id&to=x?y#z\n", out, sizeof out), GTBT_OK);
    CHECK_INT(gt_occurrences(out, "?"), 1);
    CHECK_INT(gt_occurrences(out, "&"), 1);
    CHECK_NOT_CONTAINS(out, "#");
    CHECK_NOT_CONTAINS(out, "\n");
    /* non-ASCII in the tool name is percent-encoded */
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "t\xC3\xA9", "1", out, sizeof out), GTBT_OK);
    CHECK_CONTAINS(out, "t%C3%A9&body=");
}

static void test_mailto_invalid(void) {
    static const char *const bad[] = {"", "privacy", "@example.com", "privacy@", "a@b@example.com",
                                      "priv acy@example.com", "privacy@example.com?cc=x@y.z", "privacy@example.com&cc=x",
                                      "a?b@example.com", "a&b@example.com", "privacy@exa mple.com", "privacy@example.com\r\n",
                                      "<privacy@example.com>", "privacy@example.com#frag", "pri\x01vacy@example.com",
                                      "privacy@ex%61mple.com"};
    char out[1024];
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "junk");
        if (gtbt_mailto_url(bad[i], "mytool", "abc123", out, sizeof out) != GTBT_E_INVALID)
            gt_fail(__FILE__, __LINE__, "address \"%s\" accepted: %s", bad[i], out);
        CHECK_STR(out, "");
        CHECK(gtbt_email_deletion(bad[i], "mytool") == NULL);
    }
    CHECK_INT(gtbt_mailto_url(NULL, "mytool", "abc123", out, sizeof out), GTBT_E_INVALID);
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "mytool", "abc123", NULL, 0), GTBT_E_INVALID);
    {
        gtbt_deletion *d = gtbt_email_deletion("privacy@example.com", "mytool");
        CHECK(d != NULL);
        if (d) CHECK_CONTAINS(d->info, "privacy@example.com");
        gtbt_deletion_destroy(d);
    }
}

static void test_mailto_small_cap(void) {
    const char *want = "mailto:privacy@example.com?subject=Data+Deletion+Request+%E2%80%94+mytool"
                       "&body=Please+delete+all+telemetry+data+associated+with+machine+ID%3A+abc123";
    size_t n = strlen(want), cap;
    char out[512];
    for (cap = 1; cap <= n; cap += (cap < 20 || cap > n - 3) ? 1 : 17) {
        memset(out, 'X', sizeof out);
        CHECK_INT(gtbt_mailto_url("privacy@example.com", "mytool", "abc123", out, cap), GTBT_E_NOMEM);
        CHECK_STR(out, "");
    }
    CHECK_INT(gtbt_mailto_url("privacy@example.com", "mytool", "abc123", out, n + 1), GTBT_OK);
    CHECK_STR(out, want);
}

static const gt_test tests[] = {
    {"strerror", test_strerror},
    {"event_type_names", test_event_type_names},
    {"sha256_vectors", test_sha256_vectors},
    {"sha256_million_a", test_sha256_million_a},
    {"hmac_rfc4231", test_hmac_rfc4231},
    {"machine_id", test_machine_id},
    {"uuid4", test_uuid4},
    {"rfc3339_format", test_rfc3339_format},
    {"rfc3339_round_trip", test_rfc3339_round_trip},
    {"utf8_cut", test_utf8_cut},
    {"json_strings", test_json_strings},
    {"events_json_full", test_events_json_full},
    {"events_json_omissions", test_events_json_omissions},
    {"ndjson_round_trip", test_ndjson_round_trip},
    {"ndjson_hostile", test_ndjson_hostile},
    {"ndjson_unknown_fields_and_go_version", test_ndjson_unknown_fields_and_go_version},
    {"ndjson_derived_uuid", test_ndjson_derived_uuid},
    {"ndjson_limits", test_ndjson_limits},
    {"redact_snprintf", test_redact_snprintf},
    {"mailto_exact", test_mailto_exact},
    {"mailto_injection", test_mailto_injection},
    {"mailto_invalid", test_mailto_invalid},
    {"mailto_small_cap", test_mailto_small_cap},
};
int main(int argc, char **argv) { env_clear(); return GT_RUN(tests, argc, argv); }

/* test_net.c - the HTTP/1.1 client and TLS (URL parsing, resolver bounded by the deadline,
   sockets, BearSSL verification, response parsing, chunked decoding, Retry-After, proxies)
   against in-process loopback servers on 127.0.0.1 and ::1, port 0, with the committed test PKI
   of tests/certs (run from the repository root). Every server thread stops by itself within 5 s. */

#include <stddef.h>
struct addrinfo;
/* allocation with failure injection: the Nth call fails when t_alloc_fail_at == N */
static long t_alloc_count, t_alloc_fail_at;
static int t_alloc_fails(void) { return t_alloc_fail_at && ++t_alloc_count == t_alloc_fail_at; }
#define GTB_TELEMETRY_MALLOC(n) (t_alloc_fails() ? NULL : malloc(n))
#define GTB_TELEMETRY_REALLOC(p, n) (t_alloc_fails() ? NULL : realloc(p, n))
#define GTB_TELEMETRY_FREE(p) free(p)
/* A resolver stand-in: "slow.test" takes 600 ms (to test the deadline-bounded resolve), the rest is real. */
#define getaddrinfo t_getaddrinfo
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#undef getaddrinfo
#include <ctype.h>
extern int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);
static volatile int t_slow_resolves_done;
int t_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    if (node && strcmp(node, "slow.test") == 0) {
        struct timespec ts = { 0, 600 * 1000000L };
        nanosleep(&ts, NULL);
        __atomic_add_fetch(&t_slow_resolves_done, 1, __ATOMIC_SEQ_CST);
        return EAI_NONAME;
    }
    return getaddrinfo(node, service, hints, res);
}


/* ==================================================================== harness */
#include "tests/harness.h"

static const char *rc_name(int rc)
{
    switch (rc) {
    case GTBT_OK: return "OK"; case GTBT_E_INVALID: return "INVALID"; case GTBT_E_NOMEM: return "NOMEM";
    case GTBT_E_IO: return "IO"; case GTBT_E_NETWORK: return "NETWORK"; case GTBT_E_TIMEOUT: return "TIMEOUT";
    case GTBT_E_TLS: return "TLS"; case GTBT_E_HTTP_RETRY: return "HTTP_RETRY"; case GTBT_E_HTTP_REJECT: return "HTTP_REJECT";
    case GTBT_E_UNSUPPORTED: return "UNSUPPORTED"; default: return "?";
    }
}
#define CHECK_RC(got, want) CHECK_STR(rc_name(got), rc_name(want))

/* the test logger: everything ever logged (to prove secrets never are) and the lines since log_reset() */
static pthread_mutex_t t_log_mu = PTHREAD_MUTEX_INITIALIZER;
static gtbt__buf t_log_all, t_log_recent;
static int t_verbose;
static int t_items_recent[GTBT__LOGITEM_END];
static void t_log(void *user, gtbt_log_level lvl, gtbt_log_item item, const char *msg)
{
    (void)user;
    pthread_mutex_lock(&t_log_mu);
    gtbt__buf_puts(&t_log_all, msg);
    gtbt__buf_putc(&t_log_all, '\n');
    gtbt__buf_puts(&t_log_recent, msg);
    gtbt__buf_putc(&t_log_recent, '\n');
    if ((unsigned)item < (unsigned)GTBT__LOGITEM_END) t_items_recent[item]++;
    pthread_mutex_unlock(&t_log_mu);
    if (t_verbose) fprintf(stderr, "    log[%d] %s: %s\n", (int)lvl, gtbt_log_item_name(item), msg);
}
static gtbt__log t_lg = { NULL, t_log, NULL, GTBT_LOG_ALL };
static void log_reset(void) { pthread_mutex_lock(&t_log_mu); t_log_recent.len = 0; if (t_log_recent.p) t_log_recent.p[0] = 0; memset(t_items_recent, 0, sizeof t_items_recent); pthread_mutex_unlock(&t_log_mu); }
/* log item GTBT_LOGITEM_<id> was logged since log_reset() */
#define LOGGED(id) log_has_item(GTBT_LOGITEM_##id)
static int log_has_item(gtbt_log_item item) { int r; pthread_mutex_lock(&t_log_mu); r = t_items_recent[item]; pthread_mutex_unlock(&t_log_mu); return r; }

static const char *mem_find(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; k && i + k <= n; i++) if (memcmp(h + i, needle, k) == 0) return h + i;
    return NULL;
}
static void sleep_ms(int ms) { struct timespec ts; ts.tv_sec = ms / 1000; ts.tv_nsec = (long)(ms % 1000) * 1000000L; nanosleep(&ts, NULL); }

/* ==================================================================== unit tests */

static void test_url(void)
{
    static const struct { const char *in; int rc, tls, port, ip; const char *host, *hostport, *path; } t[] = {
        { "http://example.com", 0, 0, 80, 0, "example.com", "example.com", "/" },
        { "HTTPS://EXAMPLE.com/V1/Input?Q=1#frag", 0, 1, 443, 0, "example.com", "example.com", "/V1/Input?Q=1" },
        { "http://example.com:8080/a/b", 0, 0, 8080, 0, "example.com", "example.com:8080", "/a/b" },
        { "https://example.com:443/", 0, 1, 443, 0, "example.com", "example.com", "/" },
        { "http://example.com:443/", 0, 0, 443, 0, "example.com", "example.com:443", "/" },
        { "http://example.com:/x", 0, 0, 80, 0, "example.com", "example.com", "/x" },
        { "http://example.com?q=1", 0, 0, 80, 0, "example.com", "example.com", "/?q=1" },
        { "http://example.com#f", 0, 0, 80, 0, "example.com", "example.com", "/" },
        { "http://127.0.0.1:4318/v1/logs", 0, 0, 4318, 1, "127.0.0.1", "127.0.0.1:4318", "/v1/logs" },
        { "http://[::1]:8080/x", 0, 0, 8080, 1, "::1", "[::1]:8080", "/x" },
        { "https://[2001:DB8::1]/", 0, 1, 443, 1, "2001:db8::1", "[2001:db8::1]", "/" },
        { "http://[::ffff:1.2.3.4]:81", 0, 0, 81, 1, "::ffff:1.2.3.4", "[::ffff:1.2.3.4]:81", "/" },
        { "http://ex%61mple.com/%7Euser", 0, 0, 80, 0, "example.com", "example.com", "/%7Euser" },
        { "http://a_b-c.d/", 0, 0, 80, 0, "a_b-c.d", "a_b-c.d", "/" },
        { "http://h:65535", 0, 0, 65535, 0, "h", "h:65535", "/" },
        { "http://h:000000080", 0, 0, 80, 0, "h", "h", "/" },
        { "http://h:0000065536", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:99999999999999999999/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { NULL, GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "ftp://example.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "httpx://example.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http:/example.com", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "example.com", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://user:pw@example.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://user@example.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http:///path", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://:80/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:0/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:65536/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:8o/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:-1/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://h:1:2/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://::1/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[::1/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[::g]/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[]/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[fe80::1%25eth0]/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[::1]x/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://[1.2.3.4]/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://exa mple.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://example.com/a b", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://example.com/\r\nX: y", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://example.com/\t", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://example.com/\x7f", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://ex%zzmple.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://ex%2fmple.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://ex%00mple.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://ex%6/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://example.com/%", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
        { "http://ex\xc3\xa9.com/", GTBT_E_INVALID, 0, 0, 0, 0, 0, 0 },
    };
    size_t i;
    char big[GTBT__URL_MAX + 2];
    gtbt__url u;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc = gtbt__url_parse(t[i].in, &u);
        CHECK_MSG(rc == t[i].rc, "url %zu \"%s\": rc %s, want %s", i, t[i].in ? t[i].in : "(null)", rc_name(rc), rc_name(t[i].rc));
        if (rc != 0 || t[i].rc != 0) continue;
        CHECK_MSG(u.tls == t[i].tls && u.port == t[i].port && u.host_is_ip == t[i].ip && !strcmp(u.host, t[i].host) &&
                  !strcmp(u.hostport, t[i].hostport) && !strcmp(u.path, t[i].path),
                  "url \"%s\": tls %d port %d ip %d host \"%s\" hostport \"%s\" path \"%s\"", t[i].in, u.tls, u.port,
                  u.host_is_ip, u.host, u.hostport, u.path);
    }
    /* length limit: exactly 2048 bytes is fine, 2049 is not; a 256-byte host is too long */
    memset(big, 'a', sizeof big);
    memcpy(big, "http://h/", 9);
    big[GTBT__URL_MAX] = '\0';
    CHECK_RC(gtbt__url_parse(big, &u), GTBT_OK);
    CHECK_INT(strlen(u.path), GTBT__URL_MAX - 8);
    big[GTBT__URL_MAX] = 'a';
    big[GTBT__URL_MAX + 1] = '\0';
    CHECK_RC(gtbt__url_parse(big, &u), GTBT_E_INVALID);
    memset(big, 'a', sizeof big);
    memcpy(big, "http://", 7);
    big[7 + 255] = '\0';
    CHECK_RC(gtbt__url_parse(big, &u), GTBT_OK);
    big[7 + 255] = 'a';
    big[7 + 256] = '\0';
    CHECK_RC(gtbt__url_parse(big, &u), GTBT_E_INVALID);
    CHECK_RC(gtbt__url_parse("http://x/", NULL), GTBT_E_INVALID);
}

static void test_classify(void)
{
    static const struct { int status, otlp, want; } t[] = {
        { 200, 0, GTBT_OK }, { 202, 1, GTBT_OK }, { 204, 0, GTBT_OK }, { 299, 0, GTBT_OK },
        { 100, 0, GTBT_E_HTTP_REJECT }, { 301, 0, GTBT_E_HTTP_REJECT }, { 304, 1, GTBT_E_HTTP_REJECT },
        { 400, 0, GTBT_E_HTTP_REJECT }, { 401, 0, GTBT_E_HTTP_REJECT }, { 403, 1, GTBT_E_HTTP_REJECT },
        { 404, 0, GTBT_E_HTTP_REJECT }, { 413, 0, GTBT_E_HTTP_REJECT },
        { 408, 0, GTBT_E_HTTP_RETRY }, { 408, 1, GTBT_E_HTTP_REJECT }, { 429, 0, GTBT_E_HTTP_RETRY }, { 429, 1, GTBT_E_HTTP_RETRY },
        { 500, 0, GTBT_E_HTTP_RETRY }, { 500, 1, GTBT_E_HTTP_REJECT }, { 501, 0, GTBT_E_HTTP_RETRY }, { 501, 1, GTBT_E_HTTP_REJECT },
        { 502, 0, GTBT_E_HTTP_RETRY }, { 502, 1, GTBT_E_HTTP_RETRY }, { 503, 1, GTBT_E_HTTP_RETRY },
        { 504, 0, GTBT_E_HTTP_RETRY }, { 504, 1, GTBT_E_HTTP_RETRY }, { 505, 0, GTBT_E_HTTP_RETRY }, { 599, 0, GTBT_E_HTTP_RETRY }, { 599, 1, GTBT_E_HTTP_REJECT }, { 999, 0, GTBT_E_HTTP_REJECT },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc = gtbt__http_classify(t[i].status, t[i].otlp);
        CHECK_MSG(rc == t[i].want, "classify(%d, otlp=%d) = %s, want %s", t[i].status, t[i].otlp, rc_name(rc), rc_name(t[i].want));
    }
}

static void fmt_http_date(int64_t unix_s, int style, char *out, size_t cap)
{
    struct tm tm;
    time_t t = (time_t)unix_s;
    gmtime_r(&t, &tm);
    strftime(out, cap, style == 0 ? "%a, %d %b %Y %H:%M:%S GMT" : style == 1 ? "%A, %d-%b-%y %H:%M:%S GMT" : "%a %b %e %H:%M:%S %Y", &tm);
}

static void test_retry_after(void)
{
    static const struct { const char *v; int64_t want; } t[] = {
        { "120", 120000 }, { "0", 0 }, { "  5 ", 5000 }, { "\t7", 7000 }, { "86400", 86400000 }, { "86401", 86400000 },
        { "99999999999999999999999999", 86400000 }, { "-1", -1 }, { "1.5", -1 }, { "abc", -1 }, { "", -1 }, { "   ", -1 },
        { "12 34", -1 }, { "0x10", -1 },
        { "Sun, 06 Nov 1994 08:49:37 GMT", 0 }, /* in the past: retry now */
        { "Sun, 06 Nov 1994 08:49:37 UTC", -1 }, { "Sun, 32 Nov 1994 08:49:37 GMT", -1 }, { "Sun, 06 Foo 1994 08:49:37 GMT", -1 },
        { "Sun, 06 Nov 1994 24:49:37 GMT", -1 }, { "Sun, 06 Nov 1994 08:49 GMT", -1 }, { "Fri, 29 Feb 2019 00:00:00 GMT", -1 },
        { "Sun, 06 Nov 94 08:49:37 GMT", 0 }, { "Sun, 06 Nov 1994 08:4x:37 GMT", -1 },
        { "Sun, 06 Nov 1994 08:49:37 GMT extra", -1 }, { "Sunday, 06-Nov-94 08:49:37 GMT", 0 }, { "Sun Nov  6 08:49:37 1994", 0 },
    };
    int64_t now_ms = gtbt__realtime_ns() / 1000000, now_s = now_ms / 1000, r;
    char d[64];
    size_t i;
    int style;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        r = gtbt__parse_retry_after(t[i].v, now_ms);
        CHECK_MSG(r == t[i].want, "retry-after \"%s\" = %lld, want %lld", t[i].v, (long long)r, (long long)t[i].want);
    }
    CHECK_INT(gtbt__parse_retry_after(NULL, now_ms), -1);
    for (style = 0; style < 3; style++) { /* 90 s ahead in each HTTP-date form (second resolution) */
        fmt_http_date(now_s + 90, style, d, sizeof d);
        r = gtbt__parse_retry_after(d, now_s * 1000);
        CHECK_MSG(r == 90000, "retry-after date \"%s\" = %lld, want 90000", d, (long long)r);
    }
    fmt_http_date(now_s + 3 * 86400, 0, d, sizeof d);
    CHECK_INT(gtbt__parse_retry_after(d, now_s * 1000), 86400000);
    CHECK_INT(gtbt__parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", 0), 10000);
    CHECK_INT(gtbt__parse_retry_after("Tue, 29 Feb 2000 00:00:00 GMT", 951782400000LL - 1000), 1000);
}

#define NUL_NAME   "HTTP/1.1 200 OK\r\nA\0: b\r\n\r\n"
#define NUL_REASON "HTTP/1.1 200 O\0\r\n\r\n"
#define NUL_VALUE  "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n"

static void test_parse_head(void)
{
    static const struct { const char *h; int rc, status; int64_t clen; int chunked; int64_t ra; } t[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", 0, 200, 12, 0, -1 },
        { "HTTP/1.0 404 Not Found\r\n\r\n", 0, 404, -1, 0, -1 },
        { "HTTP/1.1 204\r\n\r\n", 0, 204, -1, 0, -1 },
        { "HTTP/1.1 200 OK\nCONTENT-LENGTH:5\n\n", 0, 200, 5, 0, -1 },
        { "HTTP/1.1 200 OK\r\ncontent-length:  7  \r\ncontent-length: 7\r\n\r\n", 0, 200, 7, 0, -1 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n", 0, 200, -1, 1, -1 },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", 0, 200, -1, 1, -1 },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 200, -1, 0, -1 },
        { "HTTP/1.1 503 Busy\r\nRetry-After: 30\r\n\r\n", 0, 503, -1, 0, 30000 },
        { "HTTP/1.1 503 Busy\r\nRetry-After: soon\r\n\r\n", 0, 503, -1, 0, -1 },
        { "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\n\tb\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nName : x\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\n: x\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 200 OK\r\nA: b\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 }, /* no blank line */
        { "HTTP/1.1 200 OK", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/2 200 OK\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 20 OK\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 2000 OK\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1 099 X\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "HTTP/1.1  200 OK\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "http/1.1 200 OK\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "garbage\r\n\r\n", GTBT_E_NETWORK, 0, 0, 0, 0 },
        { "", GTBT_E_NETWORK, 0, 0, 0, 0 },
    };
    size_t i;
    int status, chunked;
    int64_t clen, ra;
    gtbt__buf b;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int rc;
        status = chunked = -7;
        clen = ra = -7;
        rc = gtbt__http_parse_head(t[i].h, strlen(t[i].h), &status, &ra, &clen, &chunked);
        CHECK_MSG(rc == t[i].rc, "head %zu: rc %s, want %s", i, rc_name(rc), rc_name(t[i].rc));
        if (rc || t[i].rc) continue;
        CHECK_MSG(status == t[i].status && clen == t[i].clen && chunked == t[i].chunked && ra == t[i].ra,
                  "head %zu: status %d clen %lld chunked %d ra %lld", i, status, (long long)clen, chunked, (long long)ra);
    }
    CHECK_RC(gtbt__http_parse_head(NUL_NAME, sizeof NUL_NAME - 1, &status, &ra, &clen, &chunked), GTBT_E_NETWORK);
    CHECK_RC(gtbt__http_parse_head(NUL_REASON, sizeof NUL_REASON - 1, &status, &ra, &clen, &chunked), GTBT_E_NETWORK);
    /* limits: 128 headers fine, 129 not; more than 16 KiB never */
    memset(&b, 0, sizeof b);
    gtbt__buf_puts(&b, "HTTP/1.1 200 OK\r\n");
    for (i = 0; i < 128; i++) gtbt__buf_printf(&b, "X-H%zu: v\r\n", i);
    gtbt__buf_puts(&b, "\r\n");
    CHECK_RC(gtbt__http_parse_head(b.p, b.len, &status, &ra, &clen, &chunked), GTBT_OK);
    b.len -= 2;
    gtbt__buf_puts(&b, "X-One-More: v\r\n\r\n");
    CHECK_RC(gtbt__http_parse_head(b.p, b.len, &status, &ra, &clen, &chunked), GTBT_E_NETWORK);
    b.len = 0;
    gtbt__buf_puts(&b, "HTTP/1.1 200 OK\r\nX-Big: ");
    while (b.len < GTBT__HTTP_MAX_HEADERS) gtbt__buf_puts(&b, "aaaaaaaaaaaaaaaa");
    gtbt__buf_puts(&b, "\r\n\r\n");
    CHECK_RC(gtbt__http_parse_head(b.p, b.len, &status, &ra, &clen, &chunked), GTBT_E_NETWORK);
    gtbt__buf_free(&b);
}

/* decode all of in[0..n) fed in pieces of `step` bytes (0: split once at `split`) */
static int chunked_decode(const char *in, size_t n, size_t step, size_t split, gtbt__buf *out, size_t *consumed)
{
    gtbt__chunked c;
    char *copy = (char *)malloc(n + 1);
    size_t off = 0;
    int r = 0;
    memcpy(copy, in, n);
    memset(&c, 0, sizeof c);
    out->len = 0;
    *consumed = 0;
    while (off < n && r == 0) {
        size_t k = step ? step : (off == 0 ? split : n - off), o, used;
        if (k > n - off) k = n - off;
        r = gtbt__chunked_feed(&c, copy + off, k, &o, &used);
        gtbt__buf_put(out, copy + off, o);
        off += used;
        if (r == 0 && used != k) r = -2; /* must consume everything while not done */
    }
    *consumed = off;
    free(copy);
    return r;
}

static void test_chunked(void)
{
    static const char enc[] =
        "5;name=value\r\nhello\r\n"
        "1 ; a=\"b c\"\r\n,\r\n"
        "A\r\n world... \r\n"
        "0000000002\nok\n"
        "0\r\nX-Trailer: t\r\nX-Two: 2\r\n\r\nNEXT";
    static const char want[] = "hello, world... ok";
    static const char *bad[] = {
        "g\r\n", "\r\n", ";x\r\n", "5\r\nhelloX\r\n", "5\r\nhello\r\r\n", "1\r\nx\r\n1 1\r\n", "5 ;\x01\r\n",
        "10000000000000000\r\n", "0\r\nX: \0\r\n\r\n", "5\rx", "-1\r\n",
    };
    gtbt__buf out;
    size_t n = sizeof enc - 1, i, used;
    int r, ok = 1;
    char *line;
    memset(&out, 0, sizeof out);
    r = chunked_decode(enc, n, n, 0, &out, &used);
    CHECK_INT(r, 1);
    CHECK_STR(out.p, want);
    CHECK_INT(used, n - 4); /* "NEXT" is not part of the body */
    r = chunked_decode(enc, n, 1, 0, &out, &used);
    CHECK_MSG(r == 1 && out.len == strlen(want) && !memcmp(out.p, want, out.len), "chunked byte by byte");
    for (i = 1; i < n; i++) {
        r = chunked_decode(enc, n, 0, i, &out, &used);
        if (r != 1 || out.len != strlen(want) || memcmp(out.p, want, out.len) || used != n - 4) ok = 0;
    }
    CHECK_MSG(ok, "chunked split at every offset");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = strlen(bad[i]);
        if (i == 8) len = 11; /* holds a NUL */
        r = chunked_decode(bad[i], len, len, 0, &out, &used);
        CHECK_MSG(r == -1, "bad chunked %zu: %d", i, r);
    }
    /* an incomplete stream asks for more */
    r = chunked_decode("5\r\nhel", 6, 6, 0, &out, &used);
    CHECK_INT(r, 0);
    /* limits: a 1025-byte size line and 16 KiB of trailers are refused */
    line = (char *)malloc(GTBT__HTTP_MAX_HEADERS + 64);
    memset(line, 'x', GTBT__HTTP_MAX_HEADERS + 64);
    memcpy(line, "1;", 2);
    r = chunked_decode(line, GTBT__HTTP_MAX_CHUNK_LINE + 1, GTBT__HTTP_MAX_CHUNK_LINE + 1, 0, &out, &used);
    CHECK_INT(r, -1);
    memcpy(line, "0\r\nX-T: ", 8);
    r = chunked_decode(line, GTBT__HTTP_MAX_HEADERS + 64, 4096, 0, &out, &used);
    CHECK_INT(r, -1);
    free(line);
    gtbt__buf_free(&out);
}

static void test_no_proxy(void)
{
    static const struct { const char *list, *host; int port, want; } t[] = {
        { "*", "example.com", 443, 1 },
        { "example.com", "example.com", 443, 1 },
        { "example.com", "api.example.com", 443, 1 },
        { "example.com", "badexample.com", 443, 0 },
        { ".example.com", "api.example.com", 443, 1 },
        { ".example.com", "example.com", 443, 1 },
        { "*.example.com", "a.b.example.com", 80, 1 },
        { "EXAMPLE.COM", "api.example.com", 80, 1 },
        { "foo.com, example.com", "example.com", 80, 1 },
        { "foo.com,,bar.com", "example.com", 80, 0 },
        { " example.com ", "example.com", 80, 1 },
        { "example.com:8080", "example.com", 8080, 1 },
        { "example.com:8080", "example.com", 80, 0 },
        { "example.com:", "example.com", 80, 0 },
        { "10.0.0.1", "10.0.0.1", 80, 1 },
        { "10.0.0.1", "10.0.0.10", 80, 0 },
        { "10.0.0.1:99", "10.0.0.1", 99, 1 },
        { "0.0.0.1", "10.0.0.1", 80, 0 },
        { "::1", "::1", 80, 1 },
        { "0:0::1", "::1", 80, 1 },
        { "[2001:db8::1]", "2001:db8::1", 80, 1 },
        { "[2001:db8::1]:8443", "2001:db8::1", 8443, 1 },
        { "[2001:db8::1]:8443", "2001:db8::1", 443, 0 },
        { "2001:db8::1", "2001:db8::2", 80, 0 },
        { "example.com", "10.0.0.1", 80, 0 },
        { "1.2.3.4", "example.com", 80, 0 },
        { "", "example.com", 80, 0 },
        { ".", "example.com", 80, 0 },
        { "com", "example.com", 80, 1 },
        { "*x", "example.com", 80, 0 },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        int r = gtbt__no_proxy_match(t[i].list, t[i].host, t[i].port);
        CHECK_MSG(r == t[i].want, "NO_PROXY \"%s\" vs %s:%d = %d, want %d", t[i].list, t[i].host, t[i].port, r, t[i].want);
    }
}

static void clear_proxy_env(void)
{
    unsetenv("HTTP_PROXY"); unsetenv("http_proxy"); unsetenv("HTTPS_PROXY"); unsetenv("https_proxy");
    unsetenv("NO_PROXY"); unsetenv("no_proxy");
}

static int select_proxy(const char *url, const char *explicit_proxy, char *out, size_t cap)
{
    gtbt__url target, proxy;
    gtbt_net_desc net;
    int use = -1, rc;
    memset(&net, 0, sizeof net);
    net.proxy = explicit_proxy;
    gtbt__url_parse(url, &target);
    rc = gtbt__proxy_select(&target, &net, &proxy, &use, &t_lg);
    if (rc == GTBT_OK) snprintf(out, cap, "%s", use ? proxy.hostport : "direct");
    else snprintf(out, cap, "%s", rc_name(rc));
    return rc;
}

static void test_proxy_select(void)
{
    char got[300];
    clear_proxy_env();
    select_proxy("http://example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    setenv("HTTP_PROXY", "http://proxy.local:3128", 1);
    select_proxy("http://example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "proxy.local:3128");
    select_proxy("https://example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "direct"); /* https targets read HTTPS_PROXY only */
    setenv("https_proxy", "sproxy.local:8080", 1);
    select_proxy("https://example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "sproxy.local:8080"); /* lower-case fallback, no scheme means http:// */
    setenv("HTTPS_PROXY", "http://upper.local:1", 1);
    select_proxy("https://example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "upper.local:1");
    select_proxy("http://localhost:8080/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    select_proxy("http://127.0.0.5/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    select_proxy("http://[::1]:9/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    select_proxy("http://[::ffff:127.0.0.1]:9/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    select_proxy("http://128.0.0.1/", NULL, got, sizeof got);
    CHECK_STR(got, "proxy.local:3128");
    setenv("no_proxy", "internal.corp,.example.com", 1);
    select_proxy("http://api.example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    select_proxy("http://example.org/", NULL, got, sizeof got);
    CHECK_STR(got, "proxy.local:3128");
    setenv("NO_PROXY", "example.org", 1); /* NO_PROXY wins over no_proxy */
    select_proxy("http://api.example.com/", NULL, got, sizeof got);
    CHECK_STR(got, "proxy.local:3128");
    select_proxy("http://example.org/", NULL, got, sizeof got);
    CHECK_STR(got, "direct");
    /* explicit proxy: always used, even for loopback; "" = none; https:// proxy unsupported */
    select_proxy("http://localhost/", "http://10.1.2.3:8888", got, sizeof got);
    CHECK_STR(got, "10.1.2.3:8888");
    select_proxy("http://example.com/", "", got, sizeof got);
    CHECK_STR(got, "direct");
    CHECK_RC(select_proxy("http://example.com/", "https://secure.proxy:443", got, sizeof got), GTBT_E_UNSUPPORTED);
    /* credentials in the proxy URL are accepted (sent on CONNECT); malformed ones are refused */
    CHECK_RC(select_proxy("http://example.com/", "http://user:secret@proxy:3128", got, sizeof got), GTBT_OK);
    CHECK_STR(got, "proxy:3128");
    CHECK_RC(select_proxy("http://example.com/", "http://:secret@proxy:3128", got, sizeof got), GTBT_E_INVALID);
    CHECK_RC(select_proxy("http://example.com/", "http://user:se%zzcret@proxy:3128", got, sizeof got), GTBT_E_INVALID);
    CHECK_RC(select_proxy("http://example.com/", "ftp://proxy", got, sizeof got), GTBT_E_INVALID);
    setenv("HTTP_PROXY", "https://p.local:443", 1);
    CHECK_RC(select_proxy("http://other.net:81/", NULL, got, sizeof got), GTBT_E_UNSUPPORTED);
    CHECK(!strstr(t_log_all.p ? t_log_all.p : "", "secret"));
    clear_proxy_env();
}

/* ==================================================================== loopback servers */

static int t_have_v6;

static int listen_on(int family, int *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = socket(family, SOCK_STREAM, 0), one = 1;
    memset(&ss, 0, sizeof ss);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        sl = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) { close(fd); return -1; }
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

/* accept within 5 s; the accepted socket has 5 s send/receive timeouts so no server thread can hang */
static int accept_bounded(int lfd)
{
    struct pollfd p;
    struct timeval tv = { 5, 0 };
    int fd;
    p.fd = lfd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, 5000) <= 0) return -1;
    fd = accept(lfd, NULL, NULL);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

/* wakes a server still waiting in accept (its client never came): connect and close */
static void poke(int family, int port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd = socket(family, SOCK_STREAM, 0);
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET; a->sin_addr.s_addr = htonl(INADDR_LOOPBACK); a->sin_port = htons((uint16_t)port);
        sl = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6; a->sin6_addr = in6addr_loopback; a->sin6_port = htons((uint16_t)port);
        sl = sizeof *a;
    }
    if (fd >= 0) { (void)connect(fd, (struct sockaddr *)&ss, sl); close(fd); }
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *s = (const char *)p;
    while (n > 0) {
        ssize_t r = send(fd, s, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        s += r;
        n -= (size_t)r;
    }
    return 0;
}

/* a plain HTTP server for one connection */
enum { SRV_RESPOND, SRV_RESPOND_NOW, SRV_SILENT, SRV_DRIP, SRV_RESET, SRV_RESET_NOW, SRV_ENDLESS, SRV_HUGE };

typedef struct srv {
    int lfd, port, family, mode;
    pthread_t th;
    const char *resp;
    size_t resp_len;
    char *req;            /* everything the client sent (bounded) */
    size_t req_len, req_cap;
} srv;

static size_t req_complete_len(const char *p, size_t n) /* head + Content-Length, or 0 */
{
    const char *e = mem_find(p, n, "\r\n\r\n"), *cl;
    size_t head;
    if (!e) return 0;
    head = (size_t)(e - p) + 4;
    cl = mem_find(p, head, "Content-Length: ");
    return head + (cl ? (size_t)strtoul(cl + 16, NULL, 10) : 0);
}

static void srv_read(srv *s, int fd, int until_eof)
{
    size_t need = 0;
    for (;;) {
        ssize_t r;
        if (s->req_len == s->req_cap) return;
        r = recv(fd, s->req + s->req_len, s->req_cap - s->req_len, 0);
        if (r <= 0) return;
        s->req_len += (size_t)r;
        if (!need) need = req_complete_len(s->req, s->req_len);
        if (!until_eof && need && s->req_len >= need) return;
    }
}

static void srv_rst_close(int fd)
{
    struct linger lg;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void *srv_main(void *arg)
{
    srv *s = (srv *)arg;
    char filler[64], *big;
    size_t i, sent = 0;
    int fd = accept_bounded(s->lfd);
    if (fd < 0) return NULL;
    if (s->mode == SRV_RESET_NOW) { srv_rst_close(fd); return NULL; }
    if (s->mode == SRV_RESPOND_NOW) { /* answer without reading, then record all that arrives */
        send_all(fd, s->resp, s->resp_len);
        srv_read(s, fd, 1);
        close(fd);
        return NULL;
    }
    srv_read(s, fd, 0);
    switch (s->mode) {
    case SRV_RESPOND:
        send_all(fd, s->resp, s->resp_len);
        break;
    case SRV_SILENT: /* until the client gives up */
        while (recv(fd, filler, sizeof filler, 0) > 0) {}
        break;
    case SRV_DRIP:
        for (i = 0; i < s->resp_len && send_all(fd, s->resp + i, 1) == 0; i++) sleep_ms(50);
        break;
    case SRV_RESET:
        send_all(fd, s->resp, s->resp_len);
        sleep_ms(30);
        srv_rst_close(fd);
        return NULL;
    case SRV_ENDLESS:
        memset(filler, 'a', sizeof filler);
        memcpy(filler, "X-Filler: ", 10);
        memcpy(filler + 62, "\r\n", 2);
        if (send_all(fd, "HTTP/1.1 200 OK\r\n", 17) == 0)
            while (sent < 64 * 1024 * 1024 && send_all(fd, filler, sizeof filler) == 0) sent += sizeof filler;
        break;
    case SRV_HUGE:
        big = (char *)malloc(64 * 1024);
        memset(big, 'x', 64 * 1024);
        if (send_all(fd, s->resp, s->resp_len) == 0)
            while (sent < 64 * 1024 * 1024 && send_all(fd, big, 64 * 1024) == 0) sent += 64 * 1024;
        free(big);
        break;
    default:
        break;
    }
    close(fd);
    return NULL;
}

static int srv_start(srv *s, int family, int mode, const char *resp, size_t resp_len)
{
    memset(s, 0, sizeof *s);
    s->family = family;
    s->mode = mode;
    s->resp = resp;
    s->resp_len = resp && resp_len == (size_t)-1 ? strlen(resp) : resp_len;
    s->req_cap = 8 * 1024 * 1024;
    s->req = (char *)malloc(s->req_cap + 1);
    s->lfd = listen_on(family, &s->port);
    if (s->lfd < 0 || pthread_create(&s->th, NULL, srv_main, s) != 0) {
        if (s->lfd >= 0) close(s->lfd);
        free(s->req);
        return -1;
    }
    return 0;
}

static void srv_finish(srv *s) /* poke (in case nobody connected), join, close */
{
    poke(s->family, s->port);
    pthread_join(s->th, NULL);
    close(s->lfd);
    s->req[s->req_len] = '\0';
}

static void srv_free(srv *s) { free(s->req); s->req = NULL; }

/* a CONNECT proxy for one tunnel */
typedef struct proxy_srv {
    int lfd, port, refuse, used;
    pthread_t th;
    char line[512];
} proxy_srv;

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) { close(fd); fd = -1; }
    }
    freeaddrinfo(res);
    return fd;
}

static void relay(int a, int b)
{
    char buf[16384];
    for (;;) {
        struct pollfd p[2];
        int i;
        p[0].fd = a; p[0].events = POLLIN; p[0].revents = 0;
        p[1].fd = b; p[1].events = POLLIN; p[1].revents = 0;
        if (poll(p, 2, 5000) <= 0) return;
        for (i = 0; i < 2; i++) {
            ssize_t r;
            if (!p[i].revents) continue;
            r = recv(p[i].fd, buf, sizeof buf, 0);
            if (r <= 0 || send_all(p[1 - i].fd, buf, (size_t)r) != 0) return;
        }
    }
}

static void *proxy_main(void *arg)
{
    proxy_srv *p = (proxy_srv *)arg;
    char head[4096], host[300], *sp, *colon;
    size_t n = 0;
    int fd = accept_bounded(p->lfd), up;
    if (fd < 0) return NULL;
    while (n < sizeof head - 1 && recv(fd, head + n, 1, 0) == 1) { /* byte by byte: never read tunnel data */
        n++;
        if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0) break;
    }
    head[n] = '\0';
    if (n == 0) { close(fd); return NULL; }
    p->used = 1;
    snprintf(p->line, sizeof p->line, "%.*s", (int)strcspn(head, "\r\n"), head);
    if (p->refuse) {
        send_all(fd, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", 66);
        close(fd);
        return NULL;
    }
    /* "CONNECT host:port HTTP/1.1" with host possibly "[v6]" */
    snprintf(host, sizeof host, "%s", p->line + (strncmp(p->line, "CONNECT ", 8) == 0 ? 8 : 0));
    sp = strchr(host, ' ');
    if (sp) *sp = '\0';
    colon = strrchr(host, ':');
    if (colon) *colon = '\0';
    if (host[0] == '[') { memmove(host, host + 1, strlen(host)); host[strlen(host) - 1] = '\0'; }
    up = colon ? connect_to(host, colon + 1) : -1;
    if (up < 0) {
        send_all(fd, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28);
    } else {
        send_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n", 39);
        relay(fd, up);
        close(up);
    }
    close(fd);
    return NULL;
}

static int proxy_start(proxy_srv *p, int refuse)
{
    memset(p, 0, sizeof *p);
    p->refuse = refuse;
    p->lfd = listen_on(AF_INET, &p->port);
    return p->lfd >= 0 && pthread_create(&p->th, NULL, proxy_main, p) == 0 ? 0 : -1;
}

static void proxy_finish(proxy_srv *p)
{
    poke(AF_INET, p->port);
    pthread_join(p->th, NULL);
    close(p->lfd);
}

/* ==================================================================== HTTP against the loopback servers */

static const gtbt_kv t_extra[] = { { "DD-API-KEY", "SECRET-KEY-123" }, { "X-Backend", "datadog" } };
static const gtbt_kv t_net_headers[] = { { "X-Net", "n1" } };
static const char t_body[] = "{\"a\":1}";

/* POST t_body to url with the test headers; deadline_ms: absolute (0 = none) */
static int post(const char *url, gtbt_net_desc *net, int64_t deadline_ms, gtbt__http_response *rs)
{
    gtbt__http_request rq;
    memset(&rq, 0, sizeof rq);
    rq.url = url;
    rq.content_type = "application/json";
    rq.user_agent = "gtb_telemetry/0.1 (tool/1.0)";
    rq.headers = t_extra;
    rq.n_headers = 2;
    rq.body = t_body;
    rq.body_len = strlen(t_body);
    rq.net = net;
    rq.deadline_ms = deadline_ms;
    return gtbt__http_post(&rq, rs, &t_lg);
}

static void url_for(char *out, size_t cap, const char *scheme, const char *host, int port, const char *path)
{
    snprintf(out, cap, "%s://%s:%d%s", scheme, host, port, path);
}

static void test_http_exact_request(int family)
{
    srv s;
    gtbt__http_response rs;
    gtbt_net_desc net;
    char url[128], want[1024];
    const char *host = family == AF_INET ? "127.0.0.1" : "[::1]";
    int rc;
    if (family == AF_INET6 && !t_have_v6) { gt_skip("no IPv6 loopback"); return; }
    memset(&net, 0, sizeof net);
    net.headers = t_net_headers;
    net.n_headers = 1;
    net.proxy = "";
    if (srv_start(&s, family, SRV_RESPOND, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok", (size_t)-1)) { CHECK(!"server"); return; }
    url_for(url, sizeof url, "http", host, s.port, "/v1/input?x=1#frag");
    rc = post(url, &net, 0, &rs);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_OK);
    CHECK_INT(rs.status, 202);
    CHECK_STR(rs.body, "ok");
    CHECK_INT(rs.body_len, 2);
    CHECK_INT(rs.body_truncated, 0);
    CHECK_INT(rs.retry_after_ms, -1);
    snprintf(want, sizeof want,
             "POST /v1/input?x=1 HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: gtb_telemetry/0.1 (tool/1.0)\r\n"
             "Content-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n"
             "DD-API-KEY: SECRET-KEY-123\r\nX-Backend: datadog\r\nX-Net: n1\r\n\r\n{\"a\":1}", host, s.port);
    CHECK_STR(s.req, want);
    gtbt__http_response_free(&rs);
    srv_free(&s);
}

static void test_http_v4(void) { test_http_exact_request(AF_INET); }
static void test_http_v6(void) { test_http_exact_request(AF_INET6); }

typedef struct resp_case {
    const char *name, *resp;
    size_t len;           /* (size_t)-1: strlen */
    int rc, status;
    const char *body;
    int64_t retry_after;
} resp_case;

static void test_http_responses(void)
{
    static const char too_many_1xx[] =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    static const resp_case t[] = {
        { "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", (size_t)-1, 0, 200, "hello", -1 },
        { "bytes past content-length ignored", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", (size_t)-1, 0, 200, "he", -1 },
        { "chunked, extensions, trailers",
          "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n1 ; x=\"y\"\r\n,\r\n"
          "6\r\n world\r\n0\r\nX-Trailer: t\r\nX-T2: u\r\n\r\n", (size_t)-1, 0, 201, "hello, world", -1 },
        { "read until close", "HTTP/1.1 200 OK\r\nServer: t\r\n\r\nuntil close body", (size_t)-1, 0, 200, "until close body", -1 },
        { "HTTP/1.0 until close", "HTTP/1.0 200 OK\r\n\r\nold", (size_t)-1, 0, 200, "old", -1 },
        { "204 has no body", "HTTP/1.1 204 No Content\r\n\r\nIGNORED", (size_t)-1, 0, 204, "", -1 },
        { "1xx skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
          "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok", (size_t)-1, 0, 202, "ok", -1 },
        { "bare LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", (size_t)-1, 0, 200, "ok", -1 },
        { "429 with Retry-After", "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Length: 4\r\n\r\nslow",
          (size_t)-1, 0, 429, "slow", 120000 },
        { "503 with Retry-After date in the past", "HTTP/1.1 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Content-Length: 0\r\n\r\n", (size_t)-1, 0, 503, "", 0 },
        { "redirect not followed", "HTTP/1.1 301 Moved\r\nLocation: http://elsewhere/\r\nContent-Length: 0\r\n\r\n",
          (size_t)-1, 0, 301, "", -1 },
        { "chunked beats content-length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
          "2\r\nok\r\n0\r\n\r\n", (size_t)-1, 0, 200, "ok", -1 },
        { "equal duplicate content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
          (size_t)-1, 0, 200, "ok", -1 },
        { "disagreeing content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
          (size_t)-1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "folded header", "HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nContent-Length: 0\r\n\r\n", (size_t)-1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "garbage", "\x16\x03\x01\x02garbage\r\n\r\n", (size_t)-1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "not HTTP, then close", "SSH-2.0-OpenSSH_9.0\r\n", (size_t)-1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "bad status code", "HTTP/1.1 2x0 OK\r\n\r\n", (size_t)-1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "NUL in header", NUL_VALUE, sizeof NUL_VALUE - 1, GTBT_E_NETWORK, 0, NULL, -1 },
        { "empty answer", "", 0, GTBT_E_NETWORK, 0, NULL, -1 },
        { "body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", (size_t)-1, GTBT_E_NETWORK, 200, NULL, -1 },
        { "bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", (size_t)-1, GTBT_E_NETWORK, 200, NULL, -1 },
        { "chunked cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", (size_t)-1, GTBT_E_NETWORK, 200, NULL, -1 },
        { "101 switching", "HTTP/1.1 101 Switching Protocols\r\n\r\n", (size_t)-1, GTBT_E_NETWORK, 101, NULL, -1 },
        { "too many 1xx", too_many_1xx, (size_t)-1, GTBT_E_NETWORK, 100, NULL, -1 },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        srv s;
        gtbt__http_response rs;
        gtbt_net_desc net;
        char url[128];
        int rc, ok;
        memset(&net, 0, sizeof net);
        net.proxy = "";
        if (srv_start(&s, AF_INET, SRV_RESPOND, t[i].resp, t[i].len)) { CHECK(!"server"); return; }
        url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/");
        rc = post(url, &net, gtbt_now_ms() + 3000, &rs);
        srv_finish(&s);
        ok = rc == t[i].rc && rs.status == t[i].status;
        if (rc == GTBT_OK) ok = ok && rs.body && !strcmp(rs.body, t[i].body) && rs.body_len == strlen(t[i].body) &&
                                !rs.body_truncated && rs.retry_after_ms == t[i].retry_after;
        else ok = ok && rs.body == NULL;
        CHECK_MSG(ok, "%s: rc %s (want %s), status %d (want %d), body \"%s\", retry_after %lld", t[i].name, rc_name(rc),
                  rc_name(t[i].rc), rs.status, t[i].status, rs.body ? rs.body : "(null)", (long long)rs.retry_after_ms);
        gtbt__http_response_free(&rs);
        srv_free(&s);
    }
}

/* run one request against a server in `mode`; returns rc, elapsed ms in *ms */
static int run_mode(int mode, const char *resp, int64_t budget_ms, int64_t *ms, gtbt__http_response *rs, srv *s)
{
    gtbt_net_desc net;
    char url[128];
    int64_t t0;
    int rc;
    memset(&net, 0, sizeof net);
    net.proxy = "";
    if (srv_start(s, AF_INET, mode, resp, (size_t)-1)) return 99;
    url_for(url, sizeof url, "http", "127.0.0.1", s->port, "/");
    t0 = gtbt_now_ms();
    rc = post(url, &net, t0 + budget_ms, rs);
    *ms = gtbt_now_ms() - t0;
    srv_finish(s);
    return rc;
}

static void test_http_huge(void)
{
    static const char *heads[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4000000\r\n",
    };
    size_t i;
    for (i = 0; i < 3; i++) {
        srv s;
        gtbt__http_response rs;
        int64_t ms;
        int rc = run_mode(SRV_HUGE, heads[i], 10000, &ms, &rs, &s);
        CHECK_RC(rc, GTBT_OK);
        CHECK_INT(rs.status, 200);
        CHECK_INT(rs.body_len, GTBT__HTTP_MAX_BODY);
        CHECK_INT(rs.body_truncated, 1);
        CHECK(rs.body && rs.body[0] == 'x' && rs.body[GTBT__HTTP_MAX_BODY - 1] == 'x' && rs.body[GTBT__HTTP_MAX_BODY] == 0);
        printf("  huge body (%s): stopped at 1 MiB after %lld ms\n", i == 0 ? "Content-Length" : i == 1 ? "until close" : "chunked", (long long)ms);
        gtbt__http_response_free(&rs);
        srv_free(&s);
    }
}

static void test_http_endless_headers(void)
{
    srv s;
    gtbt__http_response rs;
    int64_t ms;
    int rc;
    log_reset();
    rc = run_mode(SRV_ENDLESS, NULL, 5000, &ms, &rs, &s);
    CHECK_RC(rc, GTBT_E_NETWORK);
    CHECK(ms < 1000);
    CHECK(LOGGED(HEAD_TOO_LARGE));
    printf("  endless headers: refused after %lld ms\n", (long long)ms);
    srv_free(&s);
}

static void test_http_blackhole(void)
{
    srv s;
    gtbt__http_response rs;
    gtbt__http_request rq;
    gtbt_net_desc net;
    char url[128];
    int64_t ms, t0;
    int rc = run_mode(SRV_SILENT, NULL, 400, &ms, &rs, &s);
    CHECK_RC(rc, GTBT_E_TIMEOUT);
    CHECK_MSG(ms >= 395 && ms <= 400 + 250, "blackhole: %lld ms for a 400 ms deadline", (long long)ms);
    printf("  blackhole: GTBT_E_TIMEOUT after %lld ms (deadline 400 ms)\n", (long long)ms);
    CHECK(mem_find(s.req, s.req_len, "POST / HTTP/1.1") != NULL);
    srv_free(&s);

    /* net->timeout_ms alone (no deadline) bounds the request too */
    memset(&net, 0, sizeof net);
    net.proxy = "";
    net.timeout_ms = 300;
    srv_start(&s, AF_INET, SRV_SILENT, NULL, 0);
    url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/");
    memset(&rq, 0, sizeof rq);
    rq.url = url;
    rq.net = &net;
    t0 = gtbt_now_ms();
    rc = gtbt__http_post(&rq, &rs, &t_lg);
    ms = gtbt_now_ms() - t0;
    srv_finish(&s);
    CHECK_RC(rc, GTBT_E_TIMEOUT);
    CHECK_MSG(ms >= 295 && ms <= 300 + 250, "timeout_ms 300: %lld ms", (long long)ms);
    printf("  blackhole with timeout_ms 300: %lld ms\n", (long long)ms);
    CHECK(mem_find(s.req, s.req_len, "Content-Length: 0\r\n") != NULL);
    CHECK(!mem_find(s.req, s.req_len, "User-Agent")); /* NULL user agent: no header */
    srv_free(&s);
}

static void test_http_drip(void)
{
    srv s;
    gtbt__http_response rs;
    int64_t ms;
    int rc = run_mode(SRV_DRIP, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Slow: yes\r\n\r\n0123456789", 300, &ms, &rs, &s);
    CHECK_RC(rc, GTBT_E_TIMEOUT);
    CHECK_MSG(ms >= 295 && ms <= 300 + 250, "drip: %lld ms for a 300 ms deadline", (long long)ms);
    printf("  slow drip: GTBT_E_TIMEOUT after %lld ms (deadline 300 ms)\n", (long long)ms);
    srv_free(&s);
}

static void test_http_reset(void)
{
    srv s;
    gtbt__http_response rs;
    gtbt__http_request rq;
    gtbt_net_desc net;
    char url[128], *big;
    int64_t ms;
    int rc = run_mode(SRV_RESET, "HTTP/1.1 200 OK\r\nContent-Le", 3000, &ms, &rs, &s);
    CHECK_RC(rc, GTBT_E_NETWORK);
    srv_free(&s);
    rc = run_mode(SRV_RESET, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial", 3000, &ms, &rs, &s);
    CHECK_RC(rc, GTBT_E_NETWORK);
    CHECK_INT(rs.status, 200); /* the head arrived, the body did not */
    CHECK(rs.body == NULL);
    srv_free(&s);
    /* reset while we are still sending 8 MiB: no SIGPIPE (it would kill this process), a clean error */
    memset(&net, 0, sizeof net);
    net.proxy = "";
    srv_start(&s, AF_INET, SRV_RESET_NOW, NULL, 0);
    url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/");
    big = (char *)malloc(8 << 20);
    memset(big, 'b', 8 << 20);
    memset(&rq, 0, sizeof rq);
    rq.url = url;
    rq.body = big;
    rq.body_len = 8 << 20;
    rq.net = &net;
    rq.deadline_ms = gtbt_now_ms() + 3000;
    rc = gtbt__http_post(&rq, &rs, &t_lg);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_E_NETWORK);
    free(big);
    srv_free(&s);
}

static void test_http_large_request(void)
{
    srv s;
    gtbt__http_response rs;
    gtbt__http_request rq;
    gtbt_net_desc net;
    char url[128], *big;
    size_t n = 3 << 20, i, head;
    int rc;
    memset(&net, 0, sizeof net);
    net.proxy = "";
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", (size_t)-1);
    url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/big");
    big = (char *)malloc(n);
    for (i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    memset(&rq, 0, sizeof rq);
    rq.url = url;
    rq.body = big;
    rq.body_len = n;
    rq.net = &net;
    rc = gtbt__http_post(&rq, &rs, &t_lg);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_OK);
    head = (size_t)(mem_find(s.req, s.req_len, "\r\n\r\n") - s.req) + 4;
    CHECK_INT(s.req_len, head + n);
    CHECK(s.req_len == head + n && memcmp(s.req + head, big, n) == 0);
    CHECK(rs.body && rs.body[0] == '\0' && rs.body_len == 0);
    gtbt__http_response_free(&rs);
    free(big);
    srv_free(&s);
}

static void test_http_refused(void)
{
    gtbt__http_response rs;
    gtbt_net_desc net;
    char url[128];
    int port, fd = listen_on(AF_INET, &port), rc;
    int64_t t0;
    close(fd); /* nothing listens there now */
    memset(&net, 0, sizeof net);
    net.proxy = "";
    log_reset();
    url_for(url, sizeof url, "http", "127.0.0.1", port, "/");
    t0 = gtbt_now_ms();
    rc = post(url, &net, 0, &rs);
    CHECK_RC(rc, GTBT_E_NETWORK);
    CHECK(gtbt_now_ms() - t0 < 1000);
    CHECK(LOGGED(CONNECT_FAILED));
    CHECK(strstr(t_log_recent.p, "Connection refused") != NULL);   /* the system's reason is passed on */
    url_for(url, sizeof url, "http", "localhost", port, "/"); /* through the resolver */
    CHECK_RC(post(url, &net, 0, &rs), GTBT_E_NETWORK);
}

/* a listener with a full backlog drops SYNs: the connect itself must honour the deadline */
static void test_http_connect_timeout(void)
{
    gtbt__http_response rs;
    gtbt_net_desc net;
    char url[128];
    int port, lfd = listen_on(AF_INET, &port), fill[8], i, rc;
    int64_t t0, ms;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    listen(lfd, 0);
    for (i = 0; i < 8; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fill[i], F_SETFL, O_NONBLOCK);
        (void)connect(fill[i], (struct sockaddr *)&a, sizeof a);
    }
    sleep_ms(50);
    memset(&net, 0, sizeof net);
    net.proxy = "";
    url_for(url, sizeof url, "http", "127.0.0.1", port, "/");
    t0 = gtbt_now_ms();
    rc = post(url, &net, t0 + 300, &rs);
    ms = gtbt_now_ms() - t0;
    CHECK_RC(rc, GTBT_E_TIMEOUT);
    CHECK_MSG(ms >= 295 && ms <= 300 + 250, "connect blackhole: %lld ms for a 300 ms deadline", (long long)ms);
    printf("  connect blackhole: %s after %lld ms (deadline 300 ms)\n", rc_name(rc), (long long)ms);
    for (i = 0; i < 8; i++) close(fill[i]);
    close(lfd);
}

static void test_http_resolve(void)
{
    gtbt__http_response rs;
    gtbt_net_desc net;
    srv s;
    char url[128];
    int64_t t0, ms;
    int rc;
    memset(&net, 0, sizeof net);
    net.proxy = "";
    /* "localhost" goes through the resolver */
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", (size_t)-1);
    url_for(url, sizeof url, "http", "localhost", s.port, "/");
    rc = post(url, &net, gtbt_now_ms() + 3000, &rs);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_OK);
    CHECK(mem_find(s.req, s.req_len, "\r\nHost: localhost:") != NULL);
    gtbt__http_response_free(&rs);
    srv_free(&s);
    /* a name that does not resolve */
    log_reset();
    rc = post("http://nonexistent.invalid/", &net, gtbt_now_ms() + 2000, &rs);
    CHECK_MSG(rc == GTBT_E_NETWORK || rc == GTBT_E_TIMEOUT, "unresolvable name: %s", rc_name(rc));
    CHECK(LOGGED(RESOLVE_FAILED) + LOGGED(RESOLVE_TIMEOUT) == 1);
    /* a resolver slower than the deadline: abandoned (the helper thread frees its state later) */
    t0 = gtbt_now_ms();
    rc = post("http://slow.test/", &net, t0 + 200, &rs);
    ms = gtbt_now_ms() - t0;
    if (GTBT__THREADS) {
        CHECK_RC(rc, GTBT_E_TIMEOUT);
        CHECK_MSG(ms >= 195 && ms <= 200 + 250, "slow resolver: %lld ms for a 200 ms deadline", (long long)ms);
        printf("  slow resolver: GTBT_E_TIMEOUT after %lld ms (resolver takes 600 ms)\n", (long long)ms);
    } else {
        CHECK_RC(rc, GTBT_E_NETWORK); /* without threads the resolver itself is the bound */
        printf("  slow resolver without threads: %lld ms (bounded by the resolver only)\n", (long long)ms);
    }
    /* no time left at all */
    CHECK_RC(post("http://slow.test/", &net, gtbt_now_ms() - 1, &rs), GTBT_E_TIMEOUT);
}

static void test_http_invalid(void)
{
    gtbt__http_request rq;
    gtbt__http_response rs;
    gtbt_net_desc net;
    static const gtbt_kv crlf[] = { { "X-Evil", "a\r\nInjected: yes" } };
    static const gtbt_kv lf[] = { { "X-Evil", "a\nb" } };
    static const gtbt_kv badname[] = { { "X Evil", "a" } };
    static const gtbt_kv emptyname[] = { { "", "a" } };
    static const gtbt_kv own[] = { { "content-length", "5" } };
    static const gtbt_kv nullval[] = { { "X-A", NULL } };
    const gtbt_kv *bad[] = { crlf, lf, badname, emptyname, own, nullval };
    size_t i;
    memset(&rq, 0, sizeof rq);
    memset(&net, 0, sizeof net);
    rq.url = "http://127.0.0.1:9/";
    CHECK_RC(gtbt__http_post(NULL, &rs, &t_lg), GTBT_E_INVALID);
    CHECK_RC(gtbt__http_post(&rq, NULL, &t_lg), GTBT_E_INVALID);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq.headers = bad[i];
        rq.n_headers = 1;
        CHECK_MSG(gtbt__http_post(&rq, &rs, &t_lg) == GTBT_E_INVALID, "bad header %zu accepted", i);
        rq.headers = NULL;
        rq.n_headers = 0;
        net.headers = bad[i];
        net.n_headers = 1;
        rq.net = &net;
        CHECK_MSG(gtbt__http_post(&rq, &rs, &t_lg) == GTBT_E_INVALID, "bad net header %zu accepted", i);
        rq.net = NULL;
    }
    rq.n_headers = 1; /* headers NULL */
    CHECK_RC(gtbt__http_post(&rq, &rs, &t_lg), GTBT_E_INVALID);
    rq.n_headers = 0;
    rq.user_agent = "ua\r\nX: y";
    CHECK_RC(gtbt__http_post(&rq, &rs, &t_lg), GTBT_E_INVALID);
    rq.user_agent = NULL;
    rq.content_type = "text/plain\n";
    CHECK_RC(gtbt__http_post(&rq, &rs, &t_lg), GTBT_E_INVALID);
    rq.content_type = NULL;
    rq.body_len = 3; /* body NULL */
    CHECK_RC(gtbt__http_post(&rq, &rs, &t_lg), GTBT_E_INVALID);
    rq.body_len = 0;
    rq.url = "gopher://x/";
    CHECK_RC(gtbt__http_post(&rq, &rs, &t_lg), GTBT_E_INVALID);
    CHECK(rs.status == 0 && rs.body == NULL && rs.retry_after_ms == -1);
}

static void test_http_proxy(void)
{
    srv s;
    proxy_srv p;
    gtbt__http_response rs;
    gtbt_net_desc net;
    char url[128], purl[128], want[128];
    int rc;
    memset(&net, 0, sizeof net);
    /* an http target through net->proxy: CONNECT, then the request through the tunnel */
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ntunneled", (size_t)-1);
    proxy_start(&p, 0);
    url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/via/proxy");
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p.port);
    net.proxy = purl;
    rc = post(url, &net, gtbt_now_ms() + 3000, &rs);
    proxy_finish(&p);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_OK);
    CHECK_STR(rs.body, "tunneled");
    snprintf(want, sizeof want, "CONNECT 127.0.0.1:%d HTTP/1.1", s.port);
    CHECK_STR(p.line, want);
    snprintf(want, sizeof want, "POST /via/proxy HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", s.port);
    CHECK(strncmp(s.req, want, strlen(want)) == 0);
    gtbt__http_response_free(&rs);
    srv_free(&s);

    /* the proxy refuses: GTBT_E_NETWORK, the target never sees anything */
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", (size_t)-1);
    proxy_start(&p, 1);
    url_for(url, sizeof url, "http", "127.0.0.1", s.port, "/");
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p.port);
    log_reset();
    rc = post(url, &net, gtbt_now_ms() + 3000, &rs);
    proxy_finish(&p);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_E_NETWORK);
    CHECK(LOGGED(PROXY_CONNECT_REFUSED));
    CHECK_INT(s.req_len, 0);
    srv_free(&s);

    /* an unreachable proxy */
    {
        int port, fd = listen_on(AF_INET, &port);
        close(fd);
        snprintf(purl, sizeof purl, "http://127.0.0.1:%d", port);
        CHECK_RC(post("http://127.0.0.1:9/", &net, gtbt_now_ms() + 3000, &rs), GTBT_E_NETWORK);
    }
    /* an https:// proxy is refused, not downgraded */
    net.proxy = "https://127.0.0.1:1";
    CHECK_RC(post("http://127.0.0.1:9/", &net, 0, &rs), GTBT_E_UNSUPPORTED);

    /* environment proxies are never used for loopback targets */
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ndirect", (size_t)-1);
    proxy_start(&p, 0);
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p.port);
    setenv("HTTP_PROXY", purl, 1);
    url_for(url, sizeof url, "http", "localhost", s.port, "/");
    rc = post(url, NULL, gtbt_now_ms() + 3000, &rs);
    clear_proxy_env();
    proxy_finish(&p);
    srv_finish(&s);
    CHECK_RC(rc, GTBT_OK);
    CHECK_STR(rs.body, "direct");
    CHECK_INT(p.used, 0);
    gtbt__http_response_free(&rs);
    srv_free(&s);
}

/* every allocation failure ends in GTBT_E_NOMEM (or success), never a crash or a leak */
static int nomem_run(const char *url, gtbt_net_desc *net, const char *resp, int tls);

/* ==================================================================== TLS */

#if GTBT__TLS

static char t_dir[64];
static int t_have_certs;

/* The committed test PKI (tests/certs) under the names the tests use, in a private directory:
   good = localhost-rsa (DNS localhost, IP 127.0.0.1 and ::1; CA ca-rsa), otherca = localhost-ec
   (CA ca-ec), dnsonly and wronghost = wrong-host (DNS wrong.example only), expired, self =
   self-signed; ca.pem = ca-rsa, bundle.pem = ca-rsa + ca-ec, junk.pem holds no certificate. */
static int copy_cert(const char *from, const char *to, int append)
{
    char src[256], dst[256], *data = NULL;
    size_t n = 0;
    FILE *f;
    int ok;
    snprintf(src, sizeof src, "tests/certs/%s", from);
    snprintf(dst, sizeof dst, "%s/%s", t_dir, to);
    if (gtbt__read_file(src, 1 << 20, 0, &data, &n) != GTBT_OK) { printf("  cannot read %s (run from the repository root)\n", src); return 0; }
    f = fopen(dst, append ? "ab" : "wb");
    ok = f && fwrite(data, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    free(data);
    return ok;
}

static void make_certs(void)
{
    static const char *const map[][2] = {
        { "localhost-rsa.pem", "good.pem" }, { "localhost-rsa.key", "good.key" },
        { "localhost-ec.pem", "otherca.pem" }, { "localhost-ec.key", "otherca.key" },
        { "wrong-host.pem", "dnsonly.pem" }, { "wrong-host.key", "dnsonly.key" },
        { "wrong-host.pem", "wronghost.pem" }, { "wrong-host.key", "wronghost.key" },
        { "expired.pem", "expired.pem" }, { "expired.key", "expired.key" },
        { "self-signed.pem", "self.pem" }, { "self-signed.key", "self.key" },
        { "ca-rsa.pem", "ca.pem" }, { "ca-rsa.pem", "bundle.pem" },
    };
    size_t i;
    int ok = 1;
    snprintf(t_dir, sizeof t_dir, "/tmp/gtbt-net-test-XXXXXX");
    if (!mkdtemp(t_dir)) { t_dir[0] = 0; return; }
    for (i = 0; i < sizeof map / sizeof map[0]; i++) ok &= copy_cert(map[i][0], map[i][1], 0);
    ok &= copy_cert("ca-ec.pem", "bundle.pem", 1);
    {
        char junk[128];
        snprintf(junk, sizeof junk, "%s/junk.pem", t_dir);
        ok &= gt_write(junk, "not a certificate\n") == 0;
    }
    t_have_certs = ok;
}

static void path_of(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", t_dir, name); }

/* the TLS test server: one connection, BearSSL server side, records raw and decrypted bytes */
typedef struct tls_srv {
    int lfd, port, family, fd, is_rsa, tls11_only, multi, stop;
    unsigned issuer_type;
    pthread_t th;
    br_x509_certificate chain[2];
    size_t chain_len;
    br_skey_decoder_context sk;
    br_ssl_server_context sc;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
    char raw[1 << 16], app[1 << 16];
    size_t raw_len, app_len;
    int server_err;
    const char *resp;
} tls_srv;

static int tsrv_on_pem(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    tls_srv *s = (tls_srv *)ctx;
    if (!strcmp(name, "CERTIFICATE") && s->chain_len < 2) {
        s->chain[s->chain_len].data = (unsigned char *)malloc(len);
        memcpy(s->chain[s->chain_len].data, der, len);
        s->chain[s->chain_len++].data_len = len;
    } else if (strstr(name, "PRIVATE KEY")) {
        br_skey_decoder_init(&s->sk);
        br_skey_decoder_push(&s->sk, der, len);
    }
    return 0;
}

static int tsrv_load(tls_srv *s, const char *leaf)
{
    char path[128], *data;
    size_t n;
    int i;
    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s.%s", t_dir, leaf, i ? "key" : "pem");
        if (gtbt__read_file(path, 1 << 20, 0, &data, &n) != GTBT_OK) return -1;
        gtbt__pem_walk((unsigned char *)data, n, tsrv_on_pem, s);
        free(data);
    }
    if (s->chain_len == 0 || br_skey_decoder_last_error(&s->sk) != 0) return -1;
    s->is_rsa = br_skey_decoder_key_type(&s->sk) == BR_KEYTYPE_RSA;
    return 0;
}

static int tsrv_read(void *ctx, unsigned char *buf, size_t len)
{
    tls_srv *s = (tls_srv *)ctx;
    struct pollfd p;
    ssize_t r;
    p.fd = s->fd; p.events = POLLIN; p.revents = 0;
    if (poll(&p, 1, 5000) <= 0) return -1;
    r = recv(s->fd, buf, len, 0);
    if (r <= 0) return -1;
    if ((size_t)r <= sizeof s->raw - s->raw_len) { memcpy(s->raw + s->raw_len, buf, (size_t)r); s->raw_len += (size_t)r; }
    return (int)r;
}

static int tsrv_write(void *ctx, const unsigned char *buf, size_t len)
{
    tls_srv *s = (tls_srv *)ctx;
    ssize_t r = send(s->fd, buf, len, MSG_NOSIGNAL);
    return r <= 0 ? -1 : (int)r;
}

static void tsrv_serve(tls_srv *s)
{
    br_sslio_context io;
    s->app_len = 0;
    if (s->is_rsa) br_ssl_server_init_full_rsa(&s->sc, s->chain, s->chain_len, br_skey_decoder_get_rsa(&s->sk));
    else br_ssl_server_init_full_ec(&s->sc, s->chain, s->chain_len, s->issuer_type, br_skey_decoder_get_ec(&s->sk));
    if (s->tls11_only) br_ssl_engine_set_versions(&s->sc.eng, BR_TLS10, BR_TLS11);
    br_ssl_engine_set_buffer(&s->sc.eng, s->iobuf, sizeof s->iobuf, 1);
    br_ssl_server_reset(&s->sc);
    br_sslio_init(&io, &s->sc.eng, tsrv_read, s, tsrv_write, s);
    for (;;) {
        size_t need;
        int r = br_sslio_read(&io, s->app + s->app_len, sizeof s->app - 1 - s->app_len);
        if (r <= 0) break;
        s->app_len += (size_t)r;
        need = req_complete_len(s->app, s->app_len);
        if (need && s->app_len >= need) {
            br_sslio_write_all(&io, s->resp, strlen(s->resp));
            br_sslio_close(&io);
            break;
        }
    }
    s->server_err = br_ssl_engine_last_error(&s->sc.eng);
    close(s->fd);
}

static void *tsrv_main(void *arg) /* one connection, or several until stopped (multi) */
{
    tls_srv *s = (tls_srv *)arg;
    do {
        s->fd = accept_bounded(s->lfd);
        if (s->fd >= 0 && __atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) close(s->fd);
        if (s->fd < 0 || __atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) break;
        tsrv_serve(s);
    } while (s->multi);
    return NULL;
}

static tls_srv *tsrv_start(const char *leaf, unsigned issuer_type, int family, int tls11_only, int multi)
{
    tls_srv *s = (tls_srv *)calloc(1, sizeof *s);
    s->multi = multi;
    s->issuer_type = issuer_type;
    s->family = family;
    s->tls11_only = tls11_only;
    s->resp = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure";
    if (tsrv_load(s, leaf) != 0 || (s->lfd = listen_on(family, &s->port)) < 0 ||
        pthread_create(&s->th, NULL, tsrv_main, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void tsrv_stop(tls_srv *s)
{
    __atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
    poke(s->family, s->port);
    pthread_join(s->th, NULL);
}

static void tsrv_free(tls_srv *s)
{
    size_t i;
    close(s->lfd);
    for (i = 0; i < s->chain_len; i++) free(s->chain[i].data);
    free(s);
}

/* one https POST; leaf/issuer select the server certificate, host is how the client names the server */
static int tls_post(const char *leaf, unsigned issuer, const char *host, gtbt_net_desc *net, int tls11_only, tls_srv **out)
{
    gtbt__http_response rs;
    char url[160];
    int rc, family = !strcmp(host, "[::1]") ? AF_INET6 : AF_INET;
    tls_srv *s = tsrv_start(leaf, issuer, family, tls11_only, 0);
    *out = s;
    if (!s) return 99;
    url_for(url, sizeof url, "https", host, s->port, "/secure");
    rc = post(url, net, gtbt_now_ms() + 5000, &rs);
    tsrv_stop(s);
    if (rc == GTBT_OK) CHECK_STR(rs.body, "secure");
    gtbt__http_response_free(&rs);
    return rc;
}

static void test_tls(void)
{
    static const struct { const char *name, *leaf; unsigned issuer; const char *host, *ca, *words; int tls11, rc; gtbt_log_item item; } t[] = {
        { "good cert, DNS name", "good", BR_KEYTYPE_RSA, "localhost", "ca.pem", NULL, 0, GTBT_OK, GTBT__LOGITEM_END },
        { "good cert, IPv4 SAN", "good", BR_KEYTYPE_RSA, "127.0.0.1", "ca.pem", NULL, 0, GTBT_OK, GTBT__LOGITEM_END },
        { "good cert, IPv6 SAN", "good", BR_KEYTYPE_RSA, "[::1]", "ca.pem", NULL, 0, GTBT_OK, GTBT__LOGITEM_END },
        { "EC anchor from a bundle", "otherca", BR_KEYTYPE_EC, "localhost", "bundle.pem", NULL, 0, GTBT_OK, GTBT__LOGITEM_END },
        { "EC anchor, IPv4 SAN", "otherca", BR_KEYTYPE_EC, "127.0.0.1", "bundle.pem", NULL, 0, GTBT_OK, GTBT__LOGITEM_END },
        { "IP not in SAN", "dnsonly", BR_KEYTYPE_RSA, "127.0.0.1", "ca.pem", "does not list that IP", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_IP_NOT_IN_CERT },
        { "IP not in SAN (another IP)", "wronghost", BR_KEYTYPE_RSA, "127.0.0.1", "ca.pem", "subjectAltName", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_IP_NOT_IN_CERT },
        { "wrong CA", "otherca", BR_KEYTYPE_EC, "localhost", "ca.pem", "unknown CA", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_FAILED },
        { "expired", "expired", BR_KEYTYPE_RSA, "localhost", "ca.pem", "expired", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_FAILED },
        { "wrong host", "wronghost", BR_KEYTYPE_RSA, "localhost", "ca.pem", "host name mismatch", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_FAILED },
        { "self-signed", "self", BR_KEYTYPE_RSA, "localhost", "ca.pem", "unknown CA", 0, GTBT_E_TLS, GTBT_LOGITEM_TLS_FAILED },
        { "TLS 1.1 server", "good", BR_KEYTYPE_RSA, "localhost", "ca.pem", "BearSSL error", 1, GTBT_E_TLS, GTBT_LOGITEM_TLS_FAILED },
        { "no such CA file", "good", BR_KEYTYPE_RSA, "localhost", "missing.pem", "cannot read CA bundle", 0, GTBT_E_TLS, GTBT_LOGITEM_CA_UNREADABLE },
        { "CA file without certificates", "good", BR_KEYTYPE_RSA, "localhost", "junk.pem", "no usable certificate", 0, GTBT_E_TLS, GTBT_LOGITEM_CA_EMPTY },
    };
    size_t i;
    if (!t_have_certs) { CHECK(!"the test certificates of tests/certs"); return; }
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        gtbt_net_desc net;
        char ca[128];
        tls_srv *s;
        int rc;
        if (!strcmp(t[i].host, "[::1]") && !t_have_v6) { gt_skip("TLS %s: no IPv6 loopback", t[i].name); continue; }
        memset(&net, 0, sizeof net);
        net.proxy = "";
        path_of(ca, sizeof ca, t[i].ca);
        net.ca_file = ca;
        log_reset();
        rc = tls_post(t[i].leaf, t[i].issuer, t[i].host, &net, t[i].tls11, &s);
        CHECK_MSG(rc == t[i].rc, "TLS %s: rc %s, want %s", t[i].name, rc_name(rc), rc_name(t[i].rc));
        if (!s) continue;
        if (rc == GTBT_OK) {
            CHECK_MSG(mem_find(s->app, s->app_len, "POST /secure HTTP/1.1\r\n") != NULL, "TLS %s: request arrived", t[i].name);
        } else {
            CHECK_MSG(s->app_len == 0 && !mem_find(s->raw, s->raw_len, "POST") && !mem_find(s->raw, s->raw_len, "SECRET"),
                      "TLS %s: the server received plaintext (%zu app bytes)", t[i].name, s->app_len);
            CHECK_MSG(log_has_item(t[i].item), "TLS %s: log lacks %s", t[i].name, gtbt_log_item_name(t[i].item));
            /* the reason is spelled out (which check failed) */
            CHECK_MSG(t[i].words && strstr(t_log_recent.p, t[i].words), "TLS %s: log lacks \"%s\"", t[i].name, t[i].words);
        }
        tsrv_free(s);
    }
}

static void test_tls_sources(void)
{
    gtbt_net_desc net;
    gtbt__ta_list l;
    tls_srv *s;
    char ca[128];
    int rc;
    if (!t_have_certs) { CHECK(!"the test certificates of tests/certs"); return; }
    memset(&net, 0, sizeof net);
    net.proxy = "";
    /* compiled-in anchors (net->trust_anchors) beat ca_file */
    path_of(ca, sizeof ca, "ca.pem");
    CHECK_RC(gtbt__ta_load(ca, &l, &t_lg), GTBT_OK);
    CHECK_INT(l.n, 1);
    CHECK(l.n == 1 && l.ta[0].flags == BR_X509_TA_CA && l.ta[0].pkey.key_type == BR_KEYTYPE_RSA);
    net.trust_anchors = l.ta;
    net.n_trust_anchors = l.n;
    net.ca_file = "/nonexistent.pem";
    CHECK_RC(tls_post("good", BR_KEYTYPE_RSA, "localhost", &net, 0, &s), GTBT_OK);
    if (s) tsrv_free(s);
    gtbt__ta_list_free(&l);
    /* SSL_CERT_FILE when no ca_file */
    memset(&net, 0, sizeof net);
    net.proxy = "";
    path_of(ca, sizeof ca, "bundle.pem");
    setenv("SSL_CERT_FILE", ca, 1);
    CHECK_RC(tls_post("otherca", BR_KEYTYPE_EC, "localhost", &net, 0, &s), GTBT_OK);
    if (s) tsrv_free(s);
    unsetenv("SSL_CERT_FILE");
    /* the bundle was parsed once and cached */
    gtbt__global_lock();
    CHECK(gtbt__ta_cache_find(ca) != NULL && gtbt__ta_cache_find(ca)->n == 2);
    gtbt__global_unlock();
    /* the system bundle (if any) does not trust the test CA */
    rc = tls_post("good", BR_KEYTYPE_RSA, "localhost", &net, 0, &s);
    CHECK_RC(rc, GTBT_E_TLS);
    if (s) tsrv_free(s);
}

static void test_tls_proxy_and_plain(void)
{
    gtbt_net_desc net;
    proxy_srv p;
    tls_srv *s;
    srv ps;
    gtbt__http_response rs;
    char ca[128], purl[64], url[128], want[64];
    if (!t_have_certs) { CHECK(!"the test certificates of tests/certs"); return; }
    memset(&net, 0, sizeof net);
    path_of(ca, sizeof ca, "ca.pem");
    net.ca_file = ca;
    /* https through the CONNECT proxy: TLS inside the tunnel, SNI and name check against the target */
    proxy_start(&p, 0);
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p.port);
    net.proxy = purl;
    CHECK_RC(tls_post("good", BR_KEYTYPE_RSA, "localhost", &net, 0, &s), GTBT_OK);
    proxy_finish(&p);
    if (s) {
        snprintf(want, sizeof want, "CONNECT localhost:%d HTTP/1.1", s->port);
        CHECK_STR(p.line, want);
        tsrv_free(s);
    }
    /* a plain HTTP server on an https URL: a TLS error, and no request in plain text */
    net.proxy = "";
    log_reset();
    srv_start(&ps, AF_INET, SRV_RESPOND_NOW, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", (size_t)-1);
    url_for(url, sizeof url, "https", "127.0.0.1", ps.port, "/");
    CHECK_RC(post(url, &net, gtbt_now_ms() + 3000, &rs), GTBT_E_TLS);
    srv_finish(&ps);
    CHECK(ps.req_len > 0 && !mem_find(ps.req, ps.req_len, "POST") && !mem_find(ps.req, ps.req_len, "SECRET"));
    CHECK(LOGGED(TLS_FAILED));
    srv_free(&ps);
    /* a TLS server that never answers the handshake: the deadline */
    srv_start(&ps, AF_INET, SRV_SILENT, NULL, 0);
    {
        int64_t t0 = gtbt_now_ms(), ms;
        url_for(url, sizeof url, "https", "localhost", ps.port, "/");
        CHECK_RC(post(url, &net, t0 + 300, &rs), GTBT_E_TIMEOUT);
        ms = gtbt_now_ms() - t0;
        CHECK_MSG(ms <= 300 + 250, "TLS handshake blackhole: %lld ms", (long long)ms);
    }
    srv_finish(&ps);
    srv_free(&ps);
}

static void test_x509_walker(void)
{
    static const unsigned char lo4[4] = { 127, 0, 0, 1 }, other4[4] = { 10, 0, 0, 1 };
    static const unsigned char lo6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    tls_srv *s;
    unsigned char *der, *mut;
    size_t n, i;
    int hits = 0;
    if (!t_have_certs) { CHECK(!"the test certificates of tests/certs"); return; }
    s = (tls_srv *)calloc(1, sizeof *s);
    if (tsrv_load(s, "good") != 0) { CHECK(!"load good"); free(s); return; }
    der = s->chain[0].data;
    n = s->chain[0].data_len;
    CHECK(gtbt__x509_has_ip(der, n, lo4, 4));
    CHECK(gtbt__x509_has_ip(der, n, lo6, 16));
    CHECK(!gtbt__x509_has_ip(der, n, other4, 4));
    CHECK(!gtbt__x509_has_ip(der, n, lo6, 4));
    for (i = 0; i < n; i++) hits += gtbt__x509_has_ip(der, i, lo4, 4); /* every truncation: no overread (ASan) */
    CHECK_INT(hits, 0);
    mut = (unsigned char *)malloc(n);
    for (i = 0; i < n * 8; i += 7) { /* bit flips: must not crash */
        memcpy(mut, der, n);
        mut[i / 8] ^= (unsigned char)(1u << (i % 8));
        (void)gtbt__x509_has_ip(mut, n, lo4, 4);
    }
    free(mut);
    free(der);
    free(s);
}

static void test_tls_nomem(void)
{
    gtbt_net_desc net;
    tls_srv *s;
    char ca[128], url[128];
    if (!t_have_certs) { CHECK(!"the test certificates of tests/certs"); return; }
    memset(&net, 0, sizeof net);
    net.proxy = "";
    path_of(ca, sizeof ca, "bundle.pem");
    net.ca_file = ca;
    s = tsrv_start("otherca", BR_KEYTYPE_EC, AF_INET, 0, 1);
    if (!s) return;
    url_for(url, sizeof url, "https", "127.0.0.1", s->port, "/");
    CHECK(nomem_run(url, &net, NULL, 1) > 0);
    tsrv_stop(s);
    tsrv_free(s);
}

#else /* !GTBT__TLS */

static void test_no_tls(void)
{
    srv s;
    gtbt__http_response rs;
    gtbt_net_desc net;
    char url[128];
    memset(&net, 0, sizeof net);
    net.proxy = "";
    srv_start(&s, AF_INET, SRV_RESPOND, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", (size_t)-1);
    url_for(url, sizeof url, "https", "127.0.0.1", s.port, "/");
    log_reset();
    CHECK_RC(post(url, &net, 0, &rs), GTBT_E_UNSUPPORTED);
    srv_finish(&s);
    CHECK_INT(s.req_len, 0); /* never downgraded: nothing was sent */
    CHECK(LOGGED(TLS_NOT_BUILT));
    srv_free(&s);
}

#endif /* GTBT__TLS */

/* fail the 1st, 2nd, ... allocation of a request until one succeeds; returns how many failures were injected */
static int nomem_run(const char *url, gtbt_net_desc *net, const char *resp, int tls)
{
    int k, injected = 0;
    for (k = 1; k < 200; k++) {
        gtbt__http_response rs;
        srv s;
        char u[128];
        int rc;
        if (!tls) {
            srv_start(&s, AF_INET, SRV_RESPOND, resp, (size_t)-1);
            url_for(u, sizeof u, "http", "127.0.0.1", s.port, "/");
            url = u;
        }
#if GTBT__TLS
        gtbt__ta_cache_clear();
#endif
        t_alloc_count = 0;
        t_alloc_fail_at = k;
        rc = post(url, net, gtbt_now_ms() + 3000, &rs);
        t_alloc_fail_at = 0;
        if (!tls) { srv_finish(&s); srv_free(&s); }
        if (t_alloc_count < k) { /* nothing failed: done */
            CHECK_RC(rc, GTBT_OK);
            gtbt__http_response_free(&rs);
            return injected;
        }
        injected++;
        /* TLS may degrade instead: a failed cache-key copy keeps the anchors for this request only */
        CHECK_MSG(rc == GTBT_E_NOMEM || (tls && rc == GTBT_OK), "allocation %d failed: rc %s", k, rc_name(rc));
        CHECK(rc == GTBT_OK || rs.body == NULL);
        gtbt__http_response_free(&rs);
    }
    return injected;
}

static void test_nomem(void)
{
    gtbt_net_desc net;
    int n;
    memset(&net, 0, sizeof net);
    net.proxy = "";
    n = nomem_run(NULL, &net, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0);
    CHECK(n > 0);
    printf("  allocation failures injected: %d\n", n);
}

/* ==================================================================== main */

/* header values (API keys) are never logged, by any test before this one */
static void test_no_secret_logged(void)
{
    CHECK(!t_log_all.p || !strstr(t_log_all.p, "SECRET-KEY-123"));
}

static const gt_test t_tests[] = {
    { "url", test_url },
    { "classify", test_classify },
    { "retry_after", test_retry_after },
    { "parse_head", test_parse_head },
    { "chunked", test_chunked },
    { "no_proxy", test_no_proxy },
    { "proxy_select", test_proxy_select },
    { "http_v4", test_http_v4 },
    { "http_v6", test_http_v6 },
    { "http_responses", test_http_responses },
    { "http_huge", test_http_huge },
    { "http_endless_headers", test_http_endless_headers },
    { "http_blackhole", test_http_blackhole },
    { "http_drip", test_http_drip },
    { "http_reset", test_http_reset },
    { "http_large_request", test_http_large_request },
    { "http_refused", test_http_refused },
    { "http_connect_timeout", test_http_connect_timeout },
    { "http_resolve", test_http_resolve },
    { "http_invalid", test_http_invalid },
    { "http_proxy", test_http_proxy },
    { "nomem", test_nomem },
#if GTBT__TLS
    { "tls", test_tls },
    { "tls_sources", test_tls_sources },
    { "tls_proxy_and_plain", test_tls_proxy_and_plain },
    { "x509_walker", test_x509_walker },
    { "tls_nomem", test_tls_nomem },
#else
    { "no_tls", test_no_tls },
#endif
    { "no_secret_logged", test_no_secret_logged },
};

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    size_t i;
    int port, fd, rc;
    t_verbose = getenv("NET_TEST_VERBOSE") != NULL;
    clear_proxy_env();
    fd = listen_on(AF_INET6, &port);
    t_have_v6 = fd >= 0;
    if (fd >= 0) close(fd);
#if GTBT__TLS
    make_certs();
#endif
    rc = GT_RUN(t_tests, argc, argv);
    /* let an abandoned resolver thread finish (it frees its own state) */
    for (i = 0; i < 40 && GTBT__THREADS && t_slow_resolves_done < 1 && (!filter || strstr("http_resolve", filter)); i++) sleep_ms(50);
#if GTBT__TLS
    gtbt__ta_cache_clear();
    if (t_dir[0]) gt_rmtree(t_dir);
#endif
    gtbt__buf_free(&t_log_all);
    gtbt__buf_free(&t_log_recent);
    return rc;
}

/*
 * gtbt-sink: a local HTTP/HTTPS receiver for gtb_telemetry.h
 *
 * Tool authors run it to see what their tool sends; the library's tests use it as their real
 * server. It reads each request, recognises the wire format, checks it, prints one line per event
 * and answers like the real service would, or misbehaves on purpose (fault modes).
 *
 * Build:  cc -std=c99 -O2 tools/gtbt-sink.c -o gtbt-sink -lbearssl -lpthread
 *         without BearSSL (plain HTTP only; --tls is then a usage error):
 *         cc -std=c99 -O2 -DGTBT_SINK_NO_TLS tools/gtbt-sink.c -o gtbt-sink -lpthread
 *
 * Usage:  gtbt-sink [options]
 *   --host ADDR            numeric address to listen on: 127.0.0.1 (default) or ::1
 *   --port N               port; 0 = ephemeral (default)
 *   --tls --cert F --key F serve HTTPS: PEM certificate chain (leaf first) and PEM private key
 *                          (RSA or EC; PKCS#8 or traditional)
 *   --suites KIND          with --tls, offer only some cipher suites: old ones, to test that a
 *                          client refuses them: 3des (3DES-EDE-CBC), cbc (AES-CBC) or rsa (static
 *                          RSA key exchange, AES-GCM); or chapol (ECDHE with ChaCha20-Poly1305) to
 *                          test that suite end to end; default: BearSSL's full server list
 *   --log FILE             append one JSON line per request (below), flushed after each line
 *   --max-requests N       exit once N requests have been handled
 *   --exit-after-ms N      exit after N milliseconds
 *   --quiet                print nothing but the "listening on" line
 *   --verbose              also print each request's headers and its JSON body, indented
 *   --help                 print this usage
 * Fault modes (the first that applies decides the answer, in this order):
 *   --blackhole            read the request, never answer; hold the connection until the client
 *                          or the sink goes away
 *   --reset                read the request, then close with SO_LINGER 0 (the client sees a RST)
 *   --garbage              answer with bytes that are not HTTP
 *   --fail-first N         answer the first N requests with --status (default 503), then normally
 *   --status CODE          (without --fail-first) answer every request with CODE (200..599)
 *   --redirect URL         answer 301 with Location: URL
 *   --huge MB              answer 200 with a body of MB MiB (with Content-Length)
 *   --retry-after S        add "Retry-After: S" to every answer (S: seconds or an HTTP date)
 *   --slow MS              send every answer one byte every MS milliseconds
 *   --connect-proxy        be an HTTP CONNECT proxy: tunnel to loopback host:port targets, refuse
 *                          any other with 403 (plain HTTP only; fault modes apply to CONNECT too)
 *   --proxy-auth USER:PASS with --connect-proxy: a CONNECT without "Proxy-Authorization: Basic"
 *                          of exactly these credentials is answered 407 with Proxy-Authenticate
 *
 * stdout: first exactly one line "listening on HOST:PORT" (flushed; e.g. "listening on ::1:4318"),
 * then per event a summary line, and for a payload that fails its check (answered 400) a reason:
 *   [posthog] command.invocation generate machine=4a3f8c1d9e2b6f70 uuid=0b9e…
 *   !! invalid otlp: resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano: want a decimal string
 *
 * Formats, recognised by path (query ignored), else by body shape (resourceLogs: otlp; api_key or
 * batch: posthog; an array of objects with ddsource: datadog):
 *   otlp     path ending /v1/logs; OTLP/HTTP JSON logs (resourceLogs/scopeLogs/logRecords)
 *   datadog  path ending /v1/input or /api/v2/logs; DD-API-KEY header; JSON array of log entries
 *   posthog  path ending /capture/, /batch/ or /i/v0/e/; {"api_key":…,"batch":[…]}
 *   deletion any path; exactly {"machine_id":"…"}
 *   http     any other path; the generic JSON array of gtb_telemetry events (RFC 3339 UTC
 *            timestamps with trailing zeros trimmed, lowercase uuids, the optional members
 *            omitted when zero or empty)
 *   none     a request without a body that is not a POST (e.g. GET /health): answered 200
 *   connect  a CONNECT request (see --connect-proxy);  bad: a malformed HTTP request
 * Every format needs one Content-Type application/json and no Content-Encoding. A valid payload
 * is answered 200 (202 for /api/v2/logs), an invalid one 400 with {"error":"<why>"}, a malformed
 * request 400, 408, 413, 431, 501 or 505 whatever the fault mode.
 *
 * --log line, one per request, in this field order:
 *   {"n":1,"method":"POST","path":"/v1/logs","format":"otlp","valid":true,
 *    "headers":{"content-type":"application/json",…},"body":"<raw body as a JSON string>",
 *    "status":200,"error":"<why, only when not valid>"}
 *   header names are lower-cased, repeated headers joined with ", "; "status" is what the sink
 *   answered (0: no answer: blackhole, reset, garbage); bytes that are not UTF-8 become U+FFFD.
 *   A CONNECT's "path" is its host:port; an absolute-form target adds "target":"<as sent>".
 *
 * Limits: header block 64 KiB, body 64 MiB (Content-Length or chunked), 10 s to read a request,
 * JSON depth 64. Exit status: 0 on SIGTERM/SIGINT, --max-requests or --exit-after-ms; 1 when it
 * cannot start (port, certificate, key, log file); 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* GTBT_SINK_NO_TLS: build without BearSSL; the TLS section below is then replaced by functions
 * that report the lack of TLS, and --tls is refused at startup */
#ifdef GTBT_SINK_NO_TLS
#define SINK_HAS_TLS 0
#else
#define SINK_HAS_TLS 1
#include <bearssl.h>
#endif

#define MAX_HEADER_BLOCK   (64u * 1024)        /* request line + headers (and chunked trailers) */
#define MAX_HEADERS        256
#define MAX_BODY           (64u * 1024 * 1024)
#define MAX_JSON_DEPTH     64
#define MAX_JSON_VALUES    (4u * 1024 * 1024)
#define MAX_CONNECTIONS    256                 /* at once; more wait in the listen queue */
#define MAX_PEM_FILE       (1024 * 1024)
#define REQUEST_TIMEOUT_MS 10000               /* to read one whole request */
#define WRITE_TIMEOUT_MS   10000               /* for each write to make progress */
#define CONNECT_TIMEOUT_MS 2000                /* proxy: to reach the target */
#define TUNNEL_IDLE_MS     30000               /* proxy: a silent tunnel is closed */
#define LINGER_MS          500                 /* after answering, wait this long for the client's close */
#define SLICE_MS           50                  /* every wait polls in slices, so it notices a stop */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ---------------------------------------------------------------------------------------------
 * Options and shared state
 */

static struct options {
    const char *host, *cert, *key, *log, *retry_after, *redirect, *suites, *proxy_auth;
    long port, max_requests, exit_after_ms, status, slow_ms, huge_mb, fail_first;
    int tls, quiet, verbose, blackhole, reset, garbage, connect_proxy;
} opt = { "127.0.0.1", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

static volatile sig_atomic_t g_stop;                  /* set by a signal or when main decides to exit */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;  /* guards everything below and stdout */
static long g_requests;                               /* requests counted so far (the log's "n") */
static long g_finished;                               /* requests completely handled */
static int g_active;                                  /* connection threads running */
static FILE *g_log;

static void on_signal(int sig) { (void)sig; g_stop = 1; }

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Sleeps ms milliseconds; -1 if the sink is stopping. */
static int nap(long ms)
{
    int64_t end = now_ms() + ms;
    while (!g_stop) {
        int64_t left = end - now_ms();
        if (left <= 0) return 0;
        sleep_ms((long)(left < SLICE_MS ? left : SLICE_MS));
    }
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Growable byte buffer: always NUL-terminated after a put; on out-of-memory it sets oom and
 * ignores later puts.
 */

typedef struct sbuf { char *p; size_t len, cap; int oom; } sbuf;

static void sb_put(sbuf *b, const void *s, size_t n)
{
    if (b->oom) return;
    if (b->cap - b->len <= n) {                 /* keep room for the NUL */
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 2) { b->oom = 1; return; }
            cap *= 2;
        }
        if (!(p = realloc(b->p, cap))) { b->oom = 1; return; }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }
static void sb_free(sbuf *b) { free(b->p); memset(b, 0, sizeof *b); }

static void PRINTF_LIKE(2, 3) sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512], *big;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { sb_put(b, tmp, (size_t)n); return; }
    if (!(big = malloc((size_t)n + 1))) { b->oom = 1; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    free(big);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned long cp, min;
    size_t len, i;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { len = 2; cp = s[0] & 0x1Fu; min = 0x80; }
    else if ((s[0] & 0xF0) == 0xE0) { len = 3; cp = s[0] & 0x0Fu; min = 0x800; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { len = 4; cp = s[0] & 0x07u; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Makes a message printable: control characters and bytes that are not UTF-8 become '?'. */
static void sanitize(char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 1;
        if (!len || c < 0x20 || c == 0x7F) { s[i++] = '?'; continue; }
        i += len;
    }
}

/* Appends s[0..n) as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void sb_json_str(sbuf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, start = 0;
    sb_putc(b, '"');
    while (i < n) {
        unsigned c = u[i];
        size_t len = 1;
        char esc[8];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') { i++; continue; }
        if (c >= 0x80 && (len = utf8_len(u + i, n - i)) != 0) { i += len; continue; }
        len = 1;
        if (c >= 0x80) strcpy(esc, "\\ufffd");
        else if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; esc[2] = '\0'; }
        else if (c == '\n') strcpy(esc, "\\n");
        else if (c == '\r') strcpy(esc, "\\r");
        else if (c == '\t') strcpy(esc, "\\t");
        else snprintf(esc, sizeof esc, "\\u%04x", c);
        sb_put(b, s + start, i - start);
        sb_puts(b, esc);
        i += len;
        start = i;
    }
    sb_put(b, s + start, n - start);
    sb_putc(b, '"');
}

/* Appends s for a summary line: at most ~96 bytes, control characters and bytes that are not
 * UTF-8 as '?', "-" for none. */
static void sb_clean(sbuf *b, const char *s)
{
    size_t n, i = 0;
    if (!s) { sb_putc(b, '-'); return; }
    if (!*s) { sb_puts(b, "\"\""); return; }
    n = strlen(s);
    while (i < n && i < 96) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c >= 0x80 ? utf8_len((const unsigned char *)s + i, n - i) : 1;
        if (!len || c < 0x20 || c == 0x7F) { sb_putc(b, '?'); i++; continue; }
        sb_put(b, s + i, len);
        i += len;
    }
    if (i < n) sb_puts(b, "...");
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * JSON: a small DOM parser (RFC 8259, UTF-8 validated, depth and size bounded) and a printer
 */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv jv;
struct jv {
    int type;
    const char *key;            /* member name when the parent is an object (decoded, NUL-terminated) */
    size_t klen;
    const char *s;              /* J_STR: decoded, NUL-terminated; J_NUM/J_BOOL/J_NULL: raw text */
    size_t len;
    size_t n;                   /* J_ARR/J_OBJ: number of children */
    jv *child, *last, *next;
};

#define JBLOCK 1024
typedef struct jblock { struct jblock *next; size_t used; jv v[JBLOCK]; } jblock;

typedef struct jdoc {
    jblock *blocks;             /* values live here, so pointers to them stay valid */
    size_t count;
    char *strings, *sp;         /* decoded strings: never longer than the input */
    const char *start, *p, *end;
    char err[160];
} jdoc;

static jv *j_err(jdoc *d, const char *what)
{
    if (!d->err[0])
        snprintf(d->err, sizeof d->err, "JSON: %s at byte %lu", what, (unsigned long)(d->p - d->start));
    return NULL;
}

static jv *j_new(jdoc *d, int type)
{
    jv *v;
    if (d->count >= MAX_JSON_VALUES) return j_err(d, "too many values to check");
    if (!d->blocks || d->blocks->used == JBLOCK) {
        jblock *b = calloc(1, sizeof *b);
        if (!b) return j_err(d, "out of memory");
        b->next = d->blocks;
        d->blocks = b;
    }
    v = &d->blocks->v[d->blocks->used++];
    memset(v, 0, sizeof *v);
    v->type = type;
    d->count++;
    return v;
}

static void j_ws(jdoc *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r')) d->p++;
}

static int j_hex4(jdoc *d, unsigned long *cp)
{
    int i;
    *cp = 0;
    if (d->end - d->p < 4) return 0;
    for (i = 0; i < 4; i++) {
        char c = *d->p++;
        int v = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (v < 0) return 0;
        *cp = *cp * 16 + (unsigned long)v;
    }
    return 1;
}

static char *utf8_put(char *o, unsigned long cp)
{
    if (cp < 0x80) { *o++ = (char)cp; }
    else if (cp < 0x800) { *o++ = (char)(0xC0 | (cp >> 6)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18)); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Parses the string whose opening quote is at d->p; the decoded text goes to d->sp. */
static int j_string(jdoc *d, const char **out, size_t *len)
{
    char *o = d->sp;
    *out = o;
    d->p++;
    while (d->p < d->end) {
        unsigned char c = (unsigned char)*d->p;
        if (c == '"') {
            d->p++;
            *len = (size_t)(o - *out);
            *o++ = '\0';
            d->sp = o;
            return 1;
        }
        if (c < 0x20) { j_err(d, "control character in a string"); return 0; }
        if (c >= 0x80) {
            size_t l = utf8_len((const unsigned char *)d->p, (size_t)(d->end - d->p));
            if (!l) { j_err(d, "invalid UTF-8 in a string"); return 0; }
            memcpy(o, d->p, l);
            o += l;
            d->p += l;
            continue;
        }
        if (c != '\\') { *o++ = (char)c; d->p++; continue; }
        if (d->end - d->p < 2) break;
        d->p += 2;
        switch (d->p[-1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned long cp, lo;
            if (!j_hex4(d, &cp)) { j_err(d, "bad \\u escape"); return 0; }
            if (cp >= 0xDC00 && cp <= 0xDFFF) { j_err(d, "lone low surrogate"); return 0; }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (d->end - d->p < 6 || d->p[0] != '\\' || d->p[1] != 'u') {
                    j_err(d, "lone high surrogate");
                    return 0;
                }
                d->p += 2;
                if (!j_hex4(d, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    j_err(d, "bad surrogate pair");
                    return 0;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            o = utf8_put(o, cp);
            break;
        }
        default: j_err(d, "bad escape"); return 0;
        }
    }
    j_err(d, "unterminated string");
    return 0;
}

static jv *j_literal(jdoc *d, const char *word, int type)
{
    size_t n = strlen(word);
    jv *v;
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) return j_err(d, "unexpected character");
    if (!(v = j_new(d, type))) return NULL;
    v->s = d->p;
    v->len = n;
    d->p += n;
    return v;
}

static jv *j_number(jdoc *d)
{
    const char *s = d->p;
    jv *v;
    if (d->p < d->end && *d->p == '-') d->p++;
    if (d->p >= d->end || !is_digit(*d->p)) return j_err(d, "unexpected character");
    if (*d->p == '0') d->p++;
    else while (d->p < d->end && is_digit(*d->p)) d->p++;
    if (d->p < d->end && *d->p == '.') {
        d->p++;
        if (d->p >= d->end || !is_digit(*d->p)) return j_err(d, "bad number");
        while (d->p < d->end && is_digit(*d->p)) d->p++;
    }
    if (d->p < d->end && (*d->p == 'e' || *d->p == 'E')) {
        d->p++;
        if (d->p < d->end && (*d->p == '+' || *d->p == '-')) d->p++;
        if (d->p >= d->end || !is_digit(*d->p)) return j_err(d, "bad number");
        while (d->p < d->end && is_digit(*d->p)) d->p++;
    }
    if (!(v = j_new(d, J_NUM))) return NULL;
    v->s = s;
    v->len = (size_t)(d->p - s);
    return v;
}

static jv *j_value(jdoc *d, int depth);

static jv *j_container(jdoc *d, int depth)
{
    int obj = *d->p == '{';
    char close = obj ? '}' : ']';
    jv *v;
    if (depth >= MAX_JSON_DEPTH) return j_err(d, "nested too deep");
    if (!(v = j_new(d, obj ? J_OBJ : J_ARR))) return NULL;
    d->p++;
    j_ws(d);
    if (d->p < d->end && *d->p == close) { d->p++; return v; }
    for (;;) {
        const char *key = NULL;
        size_t klen = 0;
        jv *c;
        if (obj) {
            j_ws(d);
            if (d->p >= d->end || *d->p != '"') return j_err(d, "expected a member name");
            if (!j_string(d, &key, &klen)) return NULL;
            j_ws(d);
            if (d->p >= d->end || *d->p != ':') return j_err(d, "expected ':'");
            d->p++;
        }
        if (!(c = j_value(d, depth + 1))) return NULL;
        c->key = key;
        c->klen = klen;
        if (v->last) v->last->next = c; else v->child = c;
        v->last = c;
        v->n++;
        j_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == close) { d->p++; return v; }
        return j_err(d, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static jv *j_value(jdoc *d, int depth)
{
    j_ws(d);
    if (d->p >= d->end) return j_err(d, "unexpected end");
    switch (*d->p) {
    case '{': case '[': return j_container(d, depth);
    case 't': return j_literal(d, "true", J_BOOL);
    case 'f': return j_literal(d, "false", J_BOOL);
    case 'n': return j_literal(d, "null", J_NULL);
    case '"': {
        jv *v = j_new(d, J_STR);
        return v && j_string(d, &v->s, &v->len) ? v : NULL;
    }
    default: return j_number(d);
    }
}

static jv *j_parse(jdoc *d, const char *text, size_t len)
{
    jv *root;
    memset(d, 0, sizeof *d);
    d->start = d->p = text;
    d->end = text + len;
    if (!(d->strings = d->sp = malloc(len + 1))) return j_err(d, "out of memory");
    if (!(root = j_value(d, 0))) return NULL;
    j_ws(d);
    return d->p == d->end ? root : j_err(d, "data after the value");
}

static void j_free(jdoc *d)
{
    while (d->blocks) {
        jblock *next = d->blocks->next;
        free(d->blocks);
        d->blocks = next;
    }
    free(d->strings);
    d->strings = NULL;
}

static void j_pretty(sbuf *b, const jv *v, int indent)
{
    const jv *c;
    int obj = v->type == J_OBJ;
    if (v->type == J_STR) { sb_json_str(b, v->s, v->len); return; }
    if (v->type != J_ARR && !obj) { sb_put(b, v->s, v->len); return; }
    if (!v->child) { sb_puts(b, obj ? "{}" : "[]"); return; }
    sb_puts(b, obj ? "{\n" : "[\n");
    for (c = v->child; c; c = c->next) {
        sb_printf(b, "%*s", 2 * (indent + 1), "");
        if (obj) { sb_json_str(b, c->key, c->klen); sb_puts(b, ": "); }
        j_pretty(b, c, indent + 1);
        sb_puts(b, c->next ? ",\n" : "\n");
    }
    sb_printf(b, "%*s%c", 2 * indent, "", obj ? '}' : ']');
}

static const jv *jget(const jv *o, const char *key)
{
    const jv *c;
    size_t k = strlen(key);
    if (!o || o->type != J_OBJ) return NULL;
    for (c = o->child; c; c = c->next)
        if (c->klen == k && memcmp(c->key, key, k) == 0) return c;
    return NULL;
}

static const char *jstr(const jv *o, const char *key)
{
    const jv *v = jget(o, key);
    return v && v->type == J_STR ? v->s : NULL;
}

static int j_is_int(const jv *v)
{
    return v && v->type == J_NUM && !memchr(v->s, '.', v->len) && !memchr(v->s, 'e', v->len)
        && !memchr(v->s, 'E', v->len);
}

static int j_is_zero(const jv *v) { return v->type == J_NUM && v->len == 1 && v->s[0] == '0'; }

/* The first member name that appears twice in an object, or NULL. */
static const char *j_dup_key(const jv *o)
{
    const jv *a, *b;
    if (!o || o->type != J_OBJ || o->n > 512) return NULL;
    for (a = o->child; a; a = a->next)
        for (b = a->next; b; b = b->next)
            if (a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0) return a->key;
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * HTTP requests: the parsed form, and the verdict on their payload
 */

typedef struct header { const char *name, *value; } header;

typedef struct request {
    sbuf head;                  /* request line and header lines, split in place */
    const char *method, *target, *version;
    char *path;                 /* target without scheme://authority and query (CONNECT: host:port) */
    header h[MAX_HEADERS];
    int nh;
    sbuf body;
    int bad_status;             /* when the request is malformed: the status to answer */
    char why[200];
} request;

static const char *header_get(const request *rq, const char *name)
{
    int i;
    for (i = 0; i < rq->nh; i++)
        if (strcmp(rq->h[i].name, name) == 0) return rq->h[i].value;
    return NULL;
}

static int header_count(const request *rq, const char *name)
{
    int i, n = 0;
    for (i = 0; i < rq->nh; i++) n += strcmp(rq->h[i].name, name) == 0;
    return n;
}

typedef struct verdict {
    const char *format;         /* http otlp datadog posthog deletion connect none bad */
    int valid;
    char why[256];
    char at[128];               /* where in the payload a check is, e.g. "event 3: " */
    int status;                 /* the normal answer: 200, 202, 400, …  */
    const char *reply;          /* the normal answer's body when valid */
    sbuf lines;                 /* one summary line per event */
    jdoc doc;                   /* the parsed body */
    const jv *root;
    int upstream;               /* CONNECT: the socket connected to the target, or -1 */
} verdict;

/* Sets where the check is, which invalid() names before its reason. */
static void PRINTF_LIKE(2, 3) at(verdict *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->at, sizeof v->at, fmt, ap);
    va_end(ap);
}

/* Marks the payload invalid with a reason; returns 0 so checks can "return invalid(…)". */
static int PRINTF_LIKE(2, 3) invalid(verdict *v, const char *fmt, ...)
{
    size_t n = strlen(v->at);
    va_list ap;
    memcpy(v->why, v->at, n);
    va_start(ap, fmt);
    vsnprintf(v->why + n, sizeof v->why - n, fmt, ap);
    va_end(ap);
    sanitize(v->why);
    v->valid = 0;
    if (v->status < 400) v->status = 400;
    return 0;
}

static void summary(verdict *v, const char *type, const char *name, const char *machine, const char *uuid)
{
    sb_printf(&v->lines, "[%s] ", v->format);
    sb_clean(&v->lines, type);
    sb_putc(&v->lines, ' ');
    sb_clean(&v->lines, name);
    sb_puts(&v->lines, " machine=");
    sb_clean(&v->lines, machine);
    sb_puts(&v->lines, " uuid=");
    sb_clean(&v->lines, uuid);
    sb_putc(&v->lines, '\n');
}

/* ---------------------------------------------------------------------------------------------
 * Payload checks, one per format
 */

static int is_uuid(const char *s)
{
    int i;
    if (strlen(s) != 36) return 0;
    for (i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) { if (c != '-') return 0; }
        else if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return 0;
    }
    return 1;
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z"; trimmed: a fraction must not end in 0. */
static int is_timestamp(const char *s, int trimmed)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i, k = 0;
    for (i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i]) return 0;
    if (two(s + 5) < 1 || two(s + 5) > 12 || two(s + 8) < 1 || two(s + 8) > 31 || two(s + 11) > 23
        || two(s + 14) > 59 || two(s + 17) > 60) return 0;
    s += i;
    if (*s == '.') {
        for (s++; is_digit(s[k]); k++) {}
        if (k == 0 || k > 9 || (trimmed && s[k - 1] == '0')) return 0;
        s += k;
    }
    return s[0] == 'Z' && s[1] == '\0';
}

static int is_decimal(const char *s)
{
    size_t n = 0;
    for (; is_digit(s[n]); n++) {}
    return n > 0 && n <= 20 && s[n] == '\0';
}

static const char *const k_event_keys[] = {
    "timestamp", "uuid", "type", "name", "machine_id", "tool_name", "version", "os", "arch",
    "runtime_version", "os_version"
};

/* (a) the generic HTTP format: a JSON array of gtb_telemetry events;
 * the optional members are omitted when zero or empty. */
static int check_http(verdict *v, const jv *root)
{
    const jv *e, *x;
    size_t i = 0, k;
    if (root->type != J_ARR) return invalid(v, "want a JSON array of events");
    if (!root->n) return invalid(v, "empty batch");
    for (e = root->child; e; e = e->next, i++) {
        const char *dup = j_dup_key(e), *ts, *id;
        at(v, "event %lu: ", (unsigned long)i);
        if (e->type != J_OBJ) return invalid(v, "not an object");
        if (dup) return invalid(v, "duplicate key \"%.40s\"", dup);
        for (k = 0; k < sizeof k_event_keys / sizeof *k_event_keys; k++)
            if (!jstr(e, k_event_keys[k]))
                return invalid(v, "\"%s\" missing or not a string", k_event_keys[k]);
        ts = jstr(e, "timestamp");
        id = jstr(e, "uuid");
        if (!is_timestamp(ts, 1))
            return invalid(v, "timestamp \"%.40s\" is not RFC 3339 UTC with trailing zeros trimmed", ts);
        if (!is_uuid(id)) return invalid(v, "uuid \"%.40s\" is not a lowercase UUID", id);
        if ((x = jget(e, "duration_ms")) && (!j_is_int(x) || j_is_zero(x)))
            return invalid(v, "duration_ms: want a non-zero integer (0 is omitted)");
        if ((x = jget(e, "exit_code")) && (!j_is_int(x) || j_is_zero(x)))
            return invalid(v, "exit_code: want a non-zero integer (0 is omitted)");
        if ((x = jget(e, "error")) && (x->type != J_STR || !x->len))
            return invalid(v, "error: want a non-empty string (\"\" is omitted)");
        if ((x = jget(e, "args"))) {
            if (x->type != J_ARR || !x->n)
                return invalid(v, "args: want a non-empty array (empty is omitted)");
            for (x = x->child; x; x = x->next)
                if (x->type != J_STR) return invalid(v, "args: want strings only");
        }
        if ((x = jget(e, "metadata"))) {
            if (x->type != J_OBJ || !x->n)
                return invalid(v, "metadata: want a non-empty object (empty is omitted)");
            if ((dup = j_dup_key(x))) return invalid(v, "metadata: duplicate key \"%.40s\"", dup);
            for (x = x->child; x; x = x->next)
                if (x->type != J_STR) return invalid(v, "metadata \"%.40s\": want a string value", x->key);
        }
        summary(v, jstr(e, "type"), jstr(e, "name"), jstr(e, "machine_id"), id);
    }
    return 1;
}

static int is_int_text(const char *s) { return is_decimal(s[0] == '-' ? s + 1 : s); }

/* OTLP attributes: [{"key":"…","value":{"stringValue"|"intValue"|…:…}}], keys unique. */
static int check_attrs(verdict *v, const jv *attrs)
{
    static const char *const kinds[] = {
        "stringValue", "intValue", "doubleValue", "boolValue", "arrayValue", "kvlistValue", "bytesValue"
    };
    const jv *a, *b;
    unsigned long i = 0;
    size_t k;
    if (!attrs || attrs->type != J_ARR) return invalid(v, "attributes: want an array");
    for (a = attrs->child; a; a = a->next, i++) {
        const char *key = jstr(a, "key");
        const jv *val = jget(a, "value"), *x;
        if (!key || !*key) return invalid(v, "attributes[%lu]: \"key\" missing", i);
        if (!val || val->type != J_OBJ || val->n != 1)
            return invalid(v, "attributes[%lu] (%.40s): want a value object with one member", i, key);
        x = val->child;
        for (k = 0; k < sizeof kinds / sizeof *kinds && strcmp(x->key, kinds[k]) != 0; k++) {}
        if (k == sizeof kinds / sizeof *kinds)
            return invalid(v, "attributes[%lu] (%.40s): unknown kind \"%.40s\"", i, key, x->key);
        if (k == 0 && x->type != J_STR)
            return invalid(v, "attributes[%lu] (%.40s): stringValue: want a string", i, key);
        if (k == 1 && !j_is_int(x) && !(x->type == J_STR && is_int_text(x->s)))
            return invalid(v, "attributes[%lu] (%.40s): intValue: want an integer", i, key);
        for (b = attrs->child; i < 512 && b != a; b = b->next)
            if (strcmp(jstr(b, "key"), key) == 0)
                return invalid(v, "attributes: duplicate key \"%.40s\"", key);
    }
    return 1;
}

static const char *attr_str(const jv *attrs, const char *key)
{
    const jv *a;
    for (a = attrs ? attrs->child : NULL; a; a = a->next) {
        const char *k = jstr(a, "key");
        if (k && strcmp(k, key) == 0) return jstr(jget(a, "value"), "stringValue");
    }
    return NULL;
}

/* (b) OTLP/HTTP JSON logs: resourceLogs[].resource, scopeLogs[].scope, logRecords[] */
static int check_otlp(verdict *v, const jv *root)
{
    const jv *rls = jget(root, "resourceLogs"), *rl, *sl, *lr;
    unsigned long i = 0, j, k, total = 0;
    if (!rls || rls->type != J_ARR || !rls->n) return invalid(v, "want {\"resourceLogs\":[…]}, not empty");
    for (rl = rls->child; rl; rl = rl->next, i++) {
        const jv *res = jget(rl, "resource"), *sls = jget(rl, "scopeLogs");
        at(v, "resourceLogs[%lu].", i);
        if (!res || res->type != J_OBJ) return invalid(v, "resource: missing");
        at(v, "resourceLogs[%lu].resource.", i);
        if (!check_attrs(v, jget(res, "attributes"))) return 0;
        if (!attr_str(jget(res, "attributes"), "service.name"))
            return invalid(v, "no service.name string attribute");
        at(v, "resourceLogs[%lu].", i);
        if (!sls || sls->type != J_ARR) return invalid(v, "scopeLogs: want an array");
        for (sl = sls->child, j = 0; sl; sl = sl->next, j++) {
            const jv *lrs = jget(sl, "logRecords");
            at(v, "resourceLogs[%lu].scopeLogs[%lu].", i, j);
            if (!jstr(jget(sl, "scope"), "name")) return invalid(v, "scope.name: missing");
            if (!lrs || lrs->type != J_ARR) return invalid(v, "logRecords: want an array");
            for (lr = lrs->child, k = 0; lr; lr = lr->next, k++, total++) {
                const char *t = jstr(lr, "timeUnixNano"), *name = jstr(jget(lr, "body"), "stringValue");
                const jv *attrs = jget(lr, "attributes"), *x;
                at(v, "resourceLogs[%lu].scopeLogs[%lu].logRecords[%lu].", i, j, k);
                if (!t || !is_decimal(t)) return invalid(v, "timeUnixNano: want a decimal string");
                if ((x = jget(lr, "observedTimeUnixNano")) && (x->type != J_STR || !is_decimal(x->s)))
                    return invalid(v, "observedTimeUnixNano: want a decimal string");
                if (!j_is_int(jget(lr, "severityNumber")))
                    return invalid(v, "severityNumber: want an integer");
                if (!name) return invalid(v, "body.stringValue: missing");
                if (!check_attrs(v, attrs)) return 0;
                summary(v, attr_str(attrs, "event.type"), name, attr_str(attrs, "machine.id"),
                        attr_str(attrs, "event.id"));
            }
        }
    }
    v->at[0] = '\0';
    return total ? 1 : invalid(v, "no logRecords");
}

/* (c) Datadog logs intake: a JSON array of entries, and a DD-API-KEY header */
static int check_datadog(verdict *v, const request *rq, const jv *root)
{
    static const char *const keys[] = { "message", "ddsource", "ddtags", "hostname", "service" };
    const char *api_key = header_get(rq, "dd-api-key");
    const jv *e;
    size_t i = 0, k;
    if (!api_key || !*api_key) return invalid(v, "missing DD-API-KEY header");
    if (root->type != J_ARR) return invalid(v, "want a JSON array of log entries");
    if (!root->n) return invalid(v, "empty batch");
    for (e = root->child; e; e = e->next, i++) {
        const char *dup = j_dup_key(e), *msg, *tag, *name;
        char type[128] = "";
        size_t tl;
        at(v, "entry %lu: ", (unsigned long)i);
        if (e->type != J_OBJ) return invalid(v, "not an object");
        if (dup) return invalid(v, "duplicate key \"%.40s\"", dup);
        for (k = 0; k < sizeof keys / sizeof *keys; k++)
            if (!jstr(e, keys[k])) return invalid(v, "\"%s\" missing or not a string", keys[k]);
        /* the event type is the ddtags "event_type:…" tag; the name follows "<type>: " in message */
        for (tag = jstr(e, "ddtags"); tag; tag = strchr(tag, ',') ? strchr(tag, ',') + 1 : NULL)
            if (strncmp(tag, "event_type:", 11) == 0) {
                tl = strcspn(tag + 11, ",");
                snprintf(type, sizeof type, "%.*s", (int)(tl < sizeof type ? tl : sizeof type - 1), tag + 11);
                break;
            }
        msg = name = jstr(e, "message");
        tl = strlen(type);
        if (tl && strncmp(msg, type, tl) == 0 && strncmp(msg + tl, ": ", 2) == 0) name = msg + tl + 2;
        summary(v, tl ? type : NULL, name, jstr(e, "hostname"), jstr(e, "event_id"));
    }
    return 1;
}

/* (d) PostHog batch capture: {"api_key":…,"batch":[{event,distinct_id,timestamp,uuid,properties}]} */
static int check_posthog(verdict *v, const jv *root)
{
    static const char *const keys[] = { "event", "distinct_id", "timestamp", "uuid" };
    const jv *batch = jget(root, "batch"), *e;
    const char *key = jstr(root, "api_key");
    size_t i = 0, k;
    if (root->type != J_OBJ) return invalid(v, "want {\"api_key\":…,\"batch\":[…]}");
    if (!key || !*key) return invalid(v, "api_key missing or empty");
    if (!batch || batch->type != J_ARR) return invalid(v, "batch: want an array");
    if (!batch->n) return invalid(v, "empty batch");
    for (e = batch->child; e; e = e->next, i++) {
        const char *dup = j_dup_key(e);
        const jv *props = jget(e, "properties");
        at(v, "batch[%lu]: ", (unsigned long)i);
        if (e->type != J_OBJ) return invalid(v, "not an object");
        if (dup) return invalid(v, "duplicate key \"%.40s\"", dup);
        for (k = 0; k < sizeof keys / sizeof *keys; k++)
            if (!jstr(e, keys[k])) return invalid(v, "\"%s\" missing or not a string", keys[k]);
        if (!is_timestamp(jstr(e, "timestamp"), 0))
            return invalid(v, "timestamp \"%.40s\" is not RFC 3339 UTC", jstr(e, "timestamp"));
        if (!is_uuid(jstr(e, "uuid")))
            return invalid(v, "uuid \"%.40s\" is not a lowercase UUID", jstr(e, "uuid"));
        if (!props || props->type != J_OBJ) return invalid(v, "properties: want an object");
        if ((dup = j_dup_key(props))) return invalid(v, "properties: duplicate key \"%.40s\"", dup);
        summary(v, jstr(e, "event"), jstr(props, "event_name"), jstr(e, "distinct_id"), jstr(e, "uuid"));
    }
    return 1;
}

static int is_deletion(const jv *root)
{
    return root->type == J_OBJ && root->n == 1 && jstr(root, "machine_id") && *jstr(root, "machine_id");
}

static const char *format_by_path(const char *path)
{
    if (ends_with(path, "/v1/logs")) return "otlp";
    if (ends_with(path, "/v1/input") || ends_with(path, "/api/v2/logs")) return "datadog";
    if (ends_with(path, "/capture/") || ends_with(path, "/batch/") || ends_with(path, "/i/v0/e/"))
        return "posthog";
    return NULL;
}

static const char *format_by_shape(const jv *root)
{
    if (jget(root, "resourceLogs")) return "otlp";
    if (jget(root, "api_key") || jget(root, "batch")) return "posthog";
    if (root->type == J_ARR && jget(root->child, "ddsource")) return "datadog";
    return "http";
}

static int is_json_type(const char *ct)
{
    while (*ct == ' ') ct++;
    return strncasecmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

/* Recognises the format of an ordinary (non-CONNECT) request and checks its payload. */
static void check_request(const request *rq, verdict *v)
{
    const char *fmt = format_by_path(rq->path);
    const char *ce = header_get(rq, "content-encoding"), *ct = header_get(rq, "content-type");
    v->valid = 1;
    v->status = 200;
    v->reply = "{}";
    if (!rq->body.len && !fmt && strcmp(rq->method, "POST") != 0) {
        v->format = "none";
        sb_printf(&v->lines, "[request] %s ", rq->method);
        sb_clean(&v->lines, rq->path);
        sb_putc(&v->lines, '\n');
        return;
    }
    v->format = fmt ? fmt : "http";
    if (ce && strcasecmp(ce, "identity") != 0) {
        invalid(v, "Content-Encoding \"%.40s\" is not supported: send plain JSON", ce);
        return;
    }
    if (header_count(rq, "content-type") > 1) { invalid(v, "Content-Type sent more than once"); return; }
    if (!ct || !is_json_type(ct)) {
        invalid(v, "Content-Type %.60s: want application/json", ct ? ct : "missing");
        return;
    }
    if (!rq->body.len) { invalid(v, "empty body"); return; }
    if (!(v->root = j_parse(&v->doc, rq->body.p, rq->body.len))) { invalid(v, "%s", v->doc.err); return; }
    if (is_deletion(v->root)) {
        v->format = "deletion";
        sb_puts(&v->lines, "[deletion] machine=");
        sb_clean(&v->lines, jstr(v->root, "machine_id"));
        sb_putc(&v->lines, '\n');
        return;
    }
    v->format = fmt ? fmt : format_by_shape(v->root);
    if (strcmp(v->format, "otlp") == 0) check_otlp(v, v->root);
    else if (strcmp(v->format, "datadog") == 0) {
        if (check_datadog(v, rq, v->root) && ends_with(rq->path, "/api/v2/logs")) v->status = 202;
    } else if (strcmp(v->format, "posthog") == 0) {
        if (check_posthog(v, v->root)) v->reply = "{\"status\":1}";
    } else check_http(v, v->root);
}

/* ---------------------------------------------------------------------------------------------
 * Sockets and connections (plain or TLS), every wait bounded by a deadline and by g_stop
 */

enum { IO_OK = 1, IO_EOF = 0, IO_ERR = -1, IO_TIMEOUT = -2, IO_TOOBIG = -3, IO_TLS = -4,
       IO_NOMEM = -5, IO_STOP = -6 };

typedef union sockaddr_any {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} sockaddr_any;

typedef struct conn {
    int fd;
    int64_t deadline;               /* of the current read or write */
    size_t raw_in, app_in;          /* bytes received from the socket / from the HTTP stream */
    int eof, timed_out, stopped;    /* what ended the last failed socket read */
    int rst;                        /* close with a RST */
    char peer[64];
    struct tls_conn *tls;           /* NULL for plain HTTP */
    unsigned char rb[16384];        /* read-ahead of the HTTP stream */
    size_t rpos, rlen;
} conn;

/* Waits for events on fd: 1 when ready, or IO_TIMEOUT, IO_STOP, IO_ERR. Once the sink is
 * stopping it no longer waits, but still reports what is ready (a request that has arrived is
 * still logged and answered). */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        struct pollfd p;
        int r;
        if (left <= 0) return IO_TIMEOUT;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, g_stop ? 0 : (int)(left < SLICE_MS ? left : SLICE_MS));
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return IO_ERR;
        if (g_stop) return IO_STOP;
    }
}

static int would_block(void) { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

/* Sends some of buf on a non-blocking socket: the count sent, or an IO_ code. */
static int fd_send(int fd, const void *buf, size_t n, int64_t deadline)
{
    if (n > 65536) n = 65536;
    for (;;) {
        int w = wait_fd(fd, POLLOUT, deadline);
        ssize_t r;
        if (w != 1) return w;
        r = send(fd, buf, n, MSG_NOSIGNAL);
        if (r > 0) return (int)r;
        if (r < 0 && !would_block()) return IO_ERR;
    }
}

static int fd_send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        int r = fd_send(fd, p, n, now_ms() + WRITE_TIMEOUT_MS);
        if (r <= 0) return r < 0 ? r : IO_ERR;
        p += r;
        n -= (size_t)r;
    }
    return IO_OK;
}

static int sock_recv(conn *c, void *buf, size_t n)
{
    for (;;) {
        int w = wait_fd(c->fd, POLLIN, c->deadline);
        ssize_t r;
        if (w != 1) {
            c->timed_out = w == IO_TIMEOUT;
            c->stopped = w == IO_STOP;
            return w;
        }
        r = recv(c->fd, buf, n > 65536 ? 65536 : n, 0);
        if (r > 0) { c->raw_in += (size_t)r; return (int)r; }
        if (r == 0) { c->eof = 1; return IO_EOF; }
        if (!would_block()) return IO_ERR;
    }
}

/* The TLS layer of a connection (section TLS below): the same results as sock_recv, as
 * conn_write, and the close_notify sent before closing */
static int tls_read(conn *c, void *buf, size_t n);
static int tls_write(conn *c, const void *data, size_t n);
static void tls_close_notify(conn *c, int64_t until);

/* Reads more of the HTTP stream into c->rb: the count read, IO_EOF, or an IO_ code. */
static int conn_fill(conn *c)
{
    int r;
    if (c->rpos == c->rlen) c->rpos = c->rlen = 0;
    if (c->tls) r = tls_read(c, c->rb + c->rlen, sizeof c->rb - c->rlen);
    else r = sock_recv(c, c->rb + c->rlen, sizeof c->rb - c->rlen);
    if (r > 0) {
        c->rlen += (size_t)r;
        c->app_in += (size_t)r;
    }
    return r;
}

/* Appends one line (through its '\n') to dst: IO_OK, IO_TOOBIG past max bytes, or an IO_ code. */
static int conn_getline(conn *c, sbuf *dst, size_t max)
{
    size_t got = 0;
    for (;;) {
        const unsigned char *nl;
        size_t take;
        if (c->rpos == c->rlen) {
            int r = conn_fill(c);
            if (r <= 0) return r == IO_EOF && got ? IO_ERR : r;
        }
        nl = memchr(c->rb + c->rpos, '\n', c->rlen - c->rpos);
        take = nl ? (size_t)(nl - (c->rb + c->rpos)) + 1 : c->rlen - c->rpos;
        if (got + take > max) return IO_TOOBIG;
        sb_put(dst, c->rb + c->rpos, take);
        if (dst->oom) return IO_NOMEM;
        c->rpos += take;
        got += take;
        if (nl) return IO_OK;
    }
}

/* Appends exactly n bytes of the stream to dst. */
static int conn_read_n(conn *c, sbuf *dst, size_t n)
{
    while (n) {
        size_t take;
        if (c->rpos == c->rlen) {
            int r = conn_fill(c);
            if (r <= 0) return r == IO_EOF ? IO_ERR : r;
        }
        take = c->rlen - c->rpos < n ? c->rlen - c->rpos : n;
        sb_put(dst, c->rb + c->rpos, take);
        if (dst->oom) return IO_NOMEM;
        c->rpos += take;
        n -= take;
    }
    return IO_OK;
}

static int conn_write(conn *c, const void *data, size_t n)
{
    const char *p = data;
    c->deadline = now_ms() + WRITE_TIMEOUT_MS;
    if (c->tls) return tls_write(c, data, n);
    while (n) {
        int r = fd_send(c->fd, p, n, c->deadline);
        if (r <= 0) return r < 0 ? r : IO_ERR;
        p += r;
        n -= (size_t)r;
    }
    return IO_OK;
}

/* Closes the connection: close_notify under TLS, then a lingering close (shut our side, wait
 * briefly for the client's), so the client reads the whole answer; or a RST when c->rst. */
static void conn_close(conn *c)
{
    if (c->rst) {
        struct linger l;
        l.l_onoff = 1;
        l.l_linger = 0;
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else {
        char scratch[4096];
        int64_t until = now_ms() + LINGER_MS;
        if (c->tls) tls_close_notify(c, until);
        shutdown(c->fd, SHUT_WR);
        while (wait_fd(c->fd, POLLIN, until) == 1) {
            ssize_t r = recv(c->fd, scratch, sizeof scratch, 0);
            if (r == 0 || (r < 0 && !would_block())) break;
        }
    }
    close(c->fd);
    free(c->tls);
}

/* ---------------------------------------------------------------------------------------------
 * TLS (BearSSL): the server's certificate chain and key, loaded once at start, and each
 * connection's TLS layer. Built with GTBT_SINK_NO_TLS, the functions after this section's #else
 * stand in: --tls is refused before any of them could be reached.
 */
#if SINK_HAS_TLS

struct tls_conn {
    br_ssl_server_context sc;
    br_sslio_context io;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* BearSSL's transport callbacks: -1 on any failure (conn records which) */
static int tls_low_read(void *ctx, unsigned char *buf, size_t len)
{
    int r = sock_recv(ctx, buf, len);
    return r > 0 ? r : -1;
}

static int tls_low_write(void *ctx, const unsigned char *buf, size_t len)
{
    conn *c = ctx;
    int r = fd_send(c->fd, buf, len, c->deadline);
    return r > 0 ? r : -1;
}

static int tls_read(conn *c, void *buf, size_t n)
{
    int r = br_sslio_read(&c->tls->io, buf, n), err;
    if (r >= 0) return r;
    err = br_ssl_engine_last_error(&c->tls->sc.eng);
    if (c->stopped) return IO_STOP;
    if (c->timed_out) return IO_TIMEOUT;
    if (err == BR_ERR_OK || (err == BR_ERR_IO && c->eof && (c->raw_in == 0 || c->app_in > 0)))
        return IO_EOF;                  /* close_notify, or a plain close outside a handshake */
    return IO_TLS;
}

static int tls_write(conn *c, const void *data, size_t n)
{
    return br_sslio_write_all(&c->tls->io, data, n) == 0 && br_sslio_flush(&c->tls->io) == 0 ? IO_OK : IO_ERR;
}

static void tls_close_notify(conn *c, int64_t until)
{
    br_ssl_engine_context *eng = &c->tls->sc.eng;
    br_ssl_engine_close(eng);
    c->deadline = until;
    while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
        size_t len;
        unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
        int w = fd_send(c->fd, buf, len, c->deadline);
        if (w <= 0) break;
        br_ssl_engine_sendrec_ack(eng, (size_t)w);
    }
}

static struct {
    br_x509_certificate *chain;
    size_t chain_len;
    br_skey_decoder_context key;    /* the decoded private key lives in here */
    int key_type;                   /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
    unsigned issuer_key_type;       /* the leaf's signer: matters for ECDH suites */
} g_tls;

static void pem_append(void *ctx, const void *data, size_t len) { sb_put(ctx, data, len); }

/* Calls fn for each PEM object in a file; -1 if the file cannot be read or is not valid PEM. */
typedef void (*pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len);

static int pem_each(const char *path, pem_fn fn, void *ctx)
{
    sbuf file = { 0 }, obj = { 0 };
    char buf[4096], name[128] = "";
    size_t n, left;
    const unsigned char *p;
    int inobj = 0, ret = 0;
    br_pem_decoder_context pc;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && file.len <= MAX_PEM_FILE) sb_put(&file, buf, n);
    fclose(f);
    sb_putc(&file, '\n');               /* the decoder needs the last line's end */
    if (file.oom || file.len > MAX_PEM_FILE) { sb_free(&file); return -1; }
    br_pem_decoder_init(&pc);
    for (p = (const unsigned char *)file.p, left = file.len; left > 0 && ret == 0;) {
        size_t k = br_pem_decoder_push(&pc, p, left);
        int ev = br_pem_decoder_event(&pc);
        p += k;
        left -= k;
        if (ev == BR_PEM_BEGIN_OBJ) {
            snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
            obj.len = 0;
            inobj = 1;
            br_pem_decoder_setdest(&pc, pem_append, &obj);
        } else if (ev == BR_PEM_END_OBJ) {
            if (inobj && !obj.oom) fn(ctx, name, (const unsigned char *)obj.p, obj.len);
            inobj = 0;
        } else if (ev == BR_PEM_ERROR || (k == 0 && ev == 0)) {
            ret = -1;
        }
    }
    if (inobj) ret = -1;
    sb_free(&file);
    sb_free(&obj);
    return ret;
}

static void on_cert(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    br_x509_certificate *chain;
    unsigned char *copy;
    (void)ctx;
    if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) return;
    if (!(chain = realloc(g_tls.chain, (g_tls.chain_len + 1) * sizeof *chain))) return;
    g_tls.chain = chain;
    if (!(copy = malloc(len ? len : 1))) return;
    memcpy(copy, der, len);
    chain[g_tls.chain_len].data = copy;
    chain[g_tls.chain_len].data_len = len;
    g_tls.chain_len++;
}

typedef struct key_search { int found, err, encrypted; } key_search;

static void on_key(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    key_search *ks = ctx;
    if (strstr(name, "ENCRYPTED")) ks->encrypted = 1;
    if (ks->found || (strcmp(name, "PRIVATE KEY") != 0 && strcmp(name, "RSA PRIVATE KEY") != 0
                      && strcmp(name, "EC PRIVATE KEY") != 0)) return;
    br_skey_decoder_init(&g_tls.key);
    br_skey_decoder_push(&g_tls.key, der, len);
    ks->err = br_skey_decoder_last_error(&g_tls.key);
    ks->found = 1;
}

static int same_bignum(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    while (alen && !*a) { a++; alen--; }
    while (blen && !*b) { b++; blen--; }
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Does the private key belong to the certificate's public key? */
static int key_matches(const br_x509_pkey *pk)
{
    if (g_tls.key_type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *sk = br_skey_decoder_get_rsa(&g_tls.key);
        unsigned char n[4096 / 8];          /* BearSSL handles RSA up to 4096 bits */
        size_t nlen = br_rsa_compute_modulus_get_default()(NULL, sk);
        if (!nlen || nlen > sizeof n || br_rsa_compute_modulus_get_default()(n, sk) != nlen) return 0;
        return same_bignum(n, nlen, pk->key.rsa.n, pk->key.rsa.nlen);
    } else {
        const br_ec_private_key *sk = br_skey_decoder_get_ec(&g_tls.key);
        unsigned char kbuf[BR_EC_KBUF_PUB_MAX_SIZE];
        br_ec_public_key pub;
        if (!br_ec_compute_pub(br_ec_get_default(), &pub, kbuf, sk)) return 0;
        return pub.curve == pk->key.ec.curve && same_bignum(pub.q, pub.qlen, pk->key.ec.q, pk->key.ec.qlen);
    }
}

static int load_tls(void)
{
    key_search ks = { 0, 0, 0 };
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    if (pem_each(opt.cert, on_cert, NULL) != 0 || !g_tls.chain_len) {
        fprintf(stderr, "gtbt-sink: --cert %s: cannot read a PEM certificate from it\n", opt.cert);
        return -1;
    }
    if (pem_each(opt.key, on_key, &ks) != 0 || !ks.found) {
        fprintf(stderr, "gtbt-sink: --key %s: no PEM private key in it (want PRIVATE KEY, RSA PRIVATE KEY "
                "or EC PRIVATE KEY%s)\n", opt.key, ks.encrypted ? "; encrypted keys are not supported" : "");
        return -1;
    }
    if (ks.err) {
        fprintf(stderr, "gtbt-sink: --key %s: cannot decode the private key (BearSSL error %d)\n",
                opt.key, ks.err);
        return -1;
    }
    g_tls.key_type = br_skey_decoder_key_type(&g_tls.key);
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, g_tls.chain[0].data, g_tls.chain[0].data_len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (br_x509_decoder_last_error(&dc) != 0 || !pk) {
        fprintf(stderr, "gtbt-sink: --cert %s: cannot decode the first certificate (BearSSL error %d)\n",
                opt.cert, br_x509_decoder_last_error(&dc));
        return -1;
    }
    if (pk->key_type != g_tls.key_type || !key_matches(pk)) {
        fprintf(stderr, "gtbt-sink: --key %s does not belong to the first certificate of --cert %s\n",
                opt.key, opt.cert);
        return -1;
    }
    g_tls.issuer_key_type = (unsigned)br_x509_decoder_get_signer_key_type(&dc);
    return 0;
}

static int tls_start(conn *c)
{
    br_ssl_server_context *sc;
    if (!(c->tls = malloc(sizeof *c->tls))) return -1;
    sc = &c->tls->sc;
    if (g_tls.key_type == BR_KEYTYPE_RSA)
        br_ssl_server_init_full_rsa(sc, g_tls.chain, g_tls.chain_len, br_skey_decoder_get_rsa(&g_tls.key));
    else
        br_ssl_server_init_full_ec(sc, g_tls.chain, g_tls.chain_len, g_tls.issuer_key_type,
                                   br_skey_decoder_get_ec(&g_tls.key));
    br_ssl_engine_set_versions(&sc->eng, BR_TLS12, BR_TLS12);
    if (opt.suites) {
        static const uint16_t des[] = { BR_TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, BR_TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA,
                                        BR_TLS_RSA_WITH_3DES_EDE_CBC_SHA };
        static const uint16_t cbc[] = { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                                        BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA };
        static const uint16_t rsa[] = { BR_TLS_RSA_WITH_AES_128_GCM_SHA256, BR_TLS_RSA_WITH_AES_256_GCM_SHA384 };
        static const uint16_t chapol[] = { BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                                           BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 };
        if (!strcmp(opt.suites, "chapol")) br_ssl_engine_set_suites(&sc->eng, chapol, sizeof chapol / sizeof chapol[0]);
        else if (!strcmp(opt.suites, "3des")) br_ssl_engine_set_suites(&sc->eng, des, sizeof des / sizeof des[0]);
        else if (!strcmp(opt.suites, "cbc")) br_ssl_engine_set_suites(&sc->eng, cbc, sizeof cbc / sizeof cbc[0]);
        else br_ssl_engine_set_suites(&sc->eng, rsa, sizeof rsa / sizeof rsa[0]);
    }
    br_ssl_engine_set_buffer(&sc->eng, c->tls->iobuf, sizeof c->tls->iobuf, 1);
    if (!br_ssl_server_reset(sc)) return -1;
    br_sslio_init(&c->tls->io, &sc->eng, tls_low_read, c, tls_low_write, c);
    return 0;
}

static const char *alert_name(int alert)
{
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 48: return "unknown_ca";
    case 70: return "protocol_version";
    case 80: return "internal_error";
    case 112: return "unrecognized_name";
    default: return "alert";
    }
}

/* Prints why a TLS connection ended before it carried a request. */
static void tls_report(const conn *c)
{
    int err = br_ssl_engine_last_error(&c->tls->sc.eng);
    char what[96];
    if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
        snprintf(what, sizeof what, "the client sent alert %d (%s)", err - BR_ERR_RECV_FATAL_ALERT,
                 alert_name(err - BR_ERR_RECV_FATAL_ALERT));
    else if (err >= BR_ERR_SEND_FATAL_ALERT)
        snprintf(what, sizeof what, "the sink sent alert %d (%s)", err - BR_ERR_SEND_FATAL_ALERT,
                 alert_name(err - BR_ERR_SEND_FATAL_ALERT));
    else if (err == BR_ERR_IO)
        snprintf(what, sizeof what, "the client closed the connection during the handshake");
    else
        snprintf(what, sizeof what, "BearSSL error %d%s", err,
                 err == BR_ERR_UNSUPPORTED_VERSION || err == BR_ERR_BAD_VERSION
                     ? " (not TLS 1.2; plain HTTP?)" : "");
    if (opt.quiet) return;
    pthread_mutex_lock(&g_lock);
    printf("!! tls: handshake with %s failed: %s\n", c->peer, what);
    fflush(stdout);
    pthread_mutex_unlock(&g_lock);
}

#else /* GTBT_SINK_NO_TLS: no connection ever has a TLS layer, these only report its lack */

static const char no_tls[] = "this gtbt-sink was built without TLS (GTBT_SINK_NO_TLS): it serves plain HTTP only";

static int load_tls(void) { fprintf(stderr, "gtbt-sink: %s\n", no_tls); return -1; }
static int tls_start(conn *c) { (void)c; return -1; }
static int tls_read(conn *c, void *buf, size_t n) { (void)c; (void)buf; (void)n; return IO_TLS; }
static int tls_write(conn *c, const void *data, size_t n) { (void)c; (void)data; (void)n; return IO_ERR; }
static void tls_close_notify(conn *c, int64_t until) { (void)c; (void)until; }
static void tls_report(const conn *c) { (void)c; }

#endif /* SINK_HAS_TLS */

/* ---------------------------------------------------------------------------------------------
 * Reading one HTTP/1.x request
 */

enum { RQ_OK, RQ_NONE, RQ_BAD };

static int PRINTF_LIKE(3, 4) bad(request *rq, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rq->why, sizeof rq->why, fmt, ap);
    va_end(ap);
    sanitize(rq->why);
    rq->bad_status = status;
    return RQ_BAD;
}

/* A read failed: nothing at all received means there was no request; else it is malformed. */
static int read_failed(conn *c, request *rq, int r)
{
    if (r == IO_STOP || c->app_in == 0) {
        if (r == IO_TLS && c->app_in == 0) tls_report(c);
        return RQ_NONE;
    }
    if (r == IO_TIMEOUT) return bad(rq, 408, "request not complete after %d ms", REQUEST_TIMEOUT_MS);
    if (r == IO_NOMEM) return bad(rq, 413, "out of memory reading the request");
    return bad(rq, 400, "connection closed in the middle of the request");
}

static int is_blank(const char *line, size_t n)
{
    return (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
}

static int is_tchar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)
        || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The path of a request target: no scheme://authority, no query or fragment; or, given whole,
 * a copy of that string (a CONNECT's host:port). */
static char *target_path(const char *t, const char *whole)
{
    size_t n;
    char *p;
    if (whole) {
        n = strlen(whole);
        if ((p = malloc(n + 1))) memcpy(p, whole, n + 1);
        return p;
    }
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        t = strstr(t, "//") + 2;
        t += strcspn(t, "/?#");
        if (*t != '/') t = "/";
    }
    n = strcspn(t, "?#");
    if ((p = malloc(n + 1))) {
        memcpy(p, t, n);
        p[n] = '\0';
    }
    return p;
}

/* Splits the header block in place into the request line and the headers. */
static int parse_head(request *rq)
{
    char *line = rq->head.p, *end = rq->head.p + rq->head.len, *sp, *next, *colon, *v, *e;
    if (memchr(rq->head.p, '\0', rq->head.len)) return bad(rq, 400, "NUL byte in the header block");
    for (; line < end; line = next) {
        next = memchr(line, '\n', (size_t)(end - line));
        next = next ? next + 1 : end;
        next[-1] = '\0';
        if (next - line >= 2 && next[-2] == '\r') next[-2] = '\0';
        if (!*line) break;
        if (!rq->method) {                  /* request line: METHOD SP TARGET SP VERSION */
            rq->method = line;
            if (!(sp = strchr(line, ' '))) return bad(rq, 400, "malformed request line");
            *sp = '\0';
            rq->target = sp + 1;
            if (!(sp = strchr(rq->target, ' '))) return bad(rq, 400, "malformed request line");
            *sp = '\0';
            rq->version = sp + 1;
            for (v = line; *v; v++)
                if (!is_tchar(*v)) return bad(rq, 400, "malformed method");
            if (!*rq->method || !*rq->target) return bad(rq, 400, "malformed request line");
            for (v = (char *)rq->target; *v; v++)
                if ((unsigned char)*v <= 0x20 || *v == 0x7F) return bad(rq, 400, "malformed request target");
            if (strcmp(rq->version, "HTTP/1.1") != 0 && strcmp(rq->version, "HTTP/1.0") != 0)
                return bad(rq, 505, "HTTP version \"%.20s\" not supported", rq->version);
            continue;
        }
        if (*line == ' ' || *line == '\t') return bad(rq, 400, "obsolete header line folding");
        if (!(colon = strchr(line, ':')) || colon == line) return bad(rq, 400, "header line without a name");
        *colon = '\0';
        for (v = line; *v; v++) {
            if (!is_tchar(*v)) return bad(rq, 400, "malformed header name");
            if (*v >= 'A' && *v <= 'Z') *v = (char)(*v - 'A' + 'a');
        }
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) {}
        for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) {}
        *e = '\0';
        if (rq->nh == MAX_HEADERS) return bad(rq, 431, "more than %d header lines", MAX_HEADERS);
        rq->h[rq->nh].name = line;
        rq->h[rq->nh].value = v;
        rq->nh++;
    }
    if (!rq->method) return bad(rq, 400, "no request line");
    if (strcmp(rq->method, "CONNECT") == 0) rq->path = target_path("", rq->target);
    else rq->path = target_path(rq->target, NULL);
    return rq->path ? RQ_OK : bad(rq, 413, "out of memory");
}

static int hexval(int c)
{
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int read_chunked(conn *c, request *rq)
{
    sbuf line = { 0 };
    size_t budget = MAX_HEADER_BLOCK;
    int r, ret = RQ_OK;
    for (;;) {                              /* chunk-size [;ext] CRLF data CRLF ... 0 CRLF */
        size_t size = 0;
        const char *p;
        line.len = 0;
        if ((r = conn_getline(c, &line, 4096)) != IO_OK) {
            ret = r == IO_TOOBIG ? bad(rq, 400, "chunk-size line too long") : read_failed(c, rq, r);
            break;
        }
        for (p = line.p; hexval(*p) >= 0 && size <= MAX_BODY; p++) size = size * 16 + (size_t)hexval(*p);
        if (p == line.p || (size <= MAX_BODY && !(*p && strchr("; \t\r\n", *p)))) {
            ret = bad(rq, 400, "bad chunk size");
            break;
        }
        if (size == 0) break;
        if (size > MAX_BODY - rq->body.len) {
            ret = bad(rq, 413, "chunked body over the %u MiB limit", MAX_BODY >> 20);
            break;
        }
        if ((r = conn_read_n(c, &rq->body, size)) != IO_OK) { ret = read_failed(c, rq, r); break; }
        line.len = 0;
        if ((r = conn_getline(c, &line, 2)) != IO_OK || !is_blank(line.p, line.len)) {
            ret = r == IO_OK || r == IO_TOOBIG ? bad(rq, 400, "chunk data not followed by CRLF")
                                               : read_failed(c, rq, r);
            break;
        }
    }
    while (ret == RQ_OK) {                  /* trailer lines up to a blank line */
        line.len = 0;
        if ((r = conn_getline(c, &line, budget)) != IO_OK) {
            ret = r == IO_TOOBIG ? bad(rq, 431, "trailers over 64 KiB") : read_failed(c, rq, r);
            break;
        }
        budget -= line.len;
        if (is_blank(line.p, line.len)) break;
    }
    sb_free(&line);
    return ret;
}

/* Reads a whole request within REQUEST_TIMEOUT_MS: RQ_OK, RQ_NONE (nothing came) or RQ_BAD. */
static int read_request(conn *c, request *rq)
{
    const char *te, *cl, *expect;
    unsigned long long len = 0;
    size_t start;
    int r, i, blanks = 0;
    c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
    do {                                    /* the request line; blank lines before it are ignored */
        rq->head.len = 0;
        if ((r = conn_getline(c, &rq->head, MAX_HEADER_BLOCK)) != IO_OK)
            return r == IO_TOOBIG ? bad(rq, 431, "request line over 64 KiB") : read_failed(c, rq, r);
    } while (is_blank(rq->head.p, rq->head.len) && ++blanks < 8);
    do {                                    /* header lines up to a blank line, 64 KiB in all */
        start = rq->head.len;
        if ((r = conn_getline(c, &rq->head, MAX_HEADER_BLOCK - rq->head.len)) != IO_OK)
            return r == IO_TOOBIG ? bad(rq, 431, "header block over 64 KiB") : read_failed(c, rq, r);
    } while (!is_blank(rq->head.p + start, rq->head.len - start));
    if (parse_head(rq) != RQ_OK) return RQ_BAD;

    te = header_get(rq, "transfer-encoding");
    cl = header_get(rq, "content-length");
    if (te && strcasecmp(te, "chunked") != 0)
        return bad(rq, 501, "Transfer-Encoding \"%.40s\" not supported", te);
    if (!te && cl) {
        char *end;
        if (!is_digit(*cl) || strlen(cl) > 19) return bad(rq, 400, "bad Content-Length");
        len = strtoull(cl, &end, 10);
        if (*end) return bad(rq, 400, "bad Content-Length");
        for (i = 0; i < rq->nh; i++)
            if (strcmp(rq->h[i].name, "content-length") == 0 && strcmp(rq->h[i].value, cl) != 0)
                return bad(rq, 400, "conflicting Content-Length headers");
        if (len > MAX_BODY)
            return bad(rq, 413, "body of %llu bytes is over the %u MiB limit", len, MAX_BODY >> 20);
    }
    expect = header_get(rq, "expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && strcmp(rq->version, "HTTP/1.1") == 0
        && !opt.blackhole) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        conn_write(c, cont, sizeof cont - 1);
        c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
    }
    if (te) return read_chunked(c, rq);
    if (len && (r = conn_read_n(c, &rq->body, (size_t)len)) != IO_OK) return read_failed(c, rq, r);
    return RQ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * CONNECT proxy (loopback targets only)
 */

static int loopback_addr(const char *host, int port, sockaddr_any *a, socklen_t *alen)
{
    memset(a, 0, sizeof *a);
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &a->in4.sin_addr) == 1) {
        a->in4.sin_family = AF_INET;
        a->in4.sin_port = htons((uint16_t)port);
        *alen = sizeof a->in4;
        return (ntohl(a->in4.sin_addr.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons((uint16_t)port);
        *alen = sizeof a->in6;
        return IN6_IS_ADDR_LOOPBACK(&a->in6.sin6_addr);
    }
    return 0;
}

/* A non-blocking socket connected to a within timeout_ms, or -1 (errno says why). */
static int connect_to(const sockaddr_any *a, socklen_t alen, int timeout_ms)
{
    int fd = socket(a->sa.sa_family, SOCK_STREAM, 0), err = 0;
    socklen_t elen = sizeof err;
    if (fd < 0) return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, &a->sa, alen) == 0) return fd;
    if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, now_ms() + timeout_ms) == 1
        && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
        return fd;
    if (err) errno = err;
    else if (errno == EINPROGRESS) errno = ETIMEDOUT;
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

/* "Basic <base64 of --proxy-auth>", the scheme in any case. */
static int proxy_auth_ok(const char *value)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)opt.proxy_auth;
    size_t n = strlen(opt.proxy_auth), i;
    char want[1024], *o = want;
    if (!value || strncasecmp(value, "Basic ", 6) != 0 || n > 600) return 0;
    for (i = 0; i + 2 < n; i += 3) {
        *o++ = tab[p[i] >> 2];
        *o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        *o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        *o++ = tab[p[i + 2] & 63];
    }
    if (i < n) {
        *o++ = tab[p[i] >> 2];
        *o++ = tab[((p[i] & 3) << 4) | (i + 1 < n ? p[i + 1] >> 4 : 0)];
        *o++ = i + 1 < n ? tab[(p[i + 1] & 15) << 2] : '=';
        *o++ = '=';
    }
    *o = 0;
    value += 6;
    while (*value == ' ') value++;
    return strcmp(value, want) == 0;
}

static void check_connect(const request *rq, verdict *v)
{
    char host[256];
    const char *t = rq->target, *colon;
    char *e = NULL;
    long port;
    size_t hl;
    sockaddr_any a;
    socklen_t alen;
    v->format = "connect";
    v->valid = 1;
    v->status = 200;
    if (!opt.connect_proxy) {
        v->status = 405;
        invalid(v, "not a proxy (start the sink with --connect-proxy)");
        return;
    }
    if (opt.proxy_auth && !proxy_auth_ok(header_get(rq, "proxy-authorization"))) {
        v->status = 407;
        invalid(v, "proxy credentials missing or wrong");
        return;
    }
    if (*t == '[') {                        /* [v6]:port or host:port */
        colon = strchr(t, ']');
        colon = colon && colon[1] == ':' ? colon + 1 : NULL;
        hl = colon ? (size_t)(colon - t) - 2 : 0;
        t++;
    } else {
        colon = strrchr(t, ':');
        hl = colon ? (size_t)(colon - t) : 0;
    }
    port = colon ? strtol(colon + 1, &e, 10) : 0;
    if (!colon || !hl || hl >= sizeof host || !is_digit(colon[1]) || *e || port < 1 || port > 65535) {
        invalid(v, "CONNECT target \"%.60s\": want host:port", rq->target);
        return;
    }
    memcpy(host, t, hl);
    host[hl] = '\0';
    if (!loopback_addr(host, (int)port, &a, &alen)) {
        v->status = 403;
        invalid(v, "%.60s is not a loopback address: refused", host);
        return;
    }
    if ((v->upstream = connect_to(&a, alen, CONNECT_TIMEOUT_MS)) < 0) {
        char msg[80] = "";
        int err = errno;
        if (strerror_r(err, msg, sizeof msg) != 0) snprintf(msg, sizeof msg, "error %d", err);
        v->status = 502;
        invalid(v, "cannot connect to %.60s: %s", rq->target, msg);
        return;
    }
    sb_puts(&v->lines, "[connect] tunnel to ");
    sb_clean(&v->lines, rq->target);
    sb_putc(&v->lines, '\n');
}

/* Relays bytes both ways until either side closes, the tunnel idles or the sink stops. */
static void tunnel(conn *c, int up)
{
    char buf[16384];
    int64_t idle_until = now_ms() + TUNNEL_IDLE_MS;
    if (c->rlen > c->rpos && fd_send_all(up, c->rb + c->rpos, c->rlen - c->rpos) != IO_OK) return;
    c->rpos = c->rlen = 0;
    while (!g_stop && now_ms() < idle_until) {
        struct pollfd p[2];
        int r, i;
        p[0].fd = c->fd;
        p[1].fd = up;
        p[0].events = p[1].events = POLLIN;
        p[0].revents = p[1].revents = 0;
        if ((r = poll(p, 2, SLICE_MS)) < 0 && errno != EINTR) return;
        for (i = 0; r > 0 && i < 2; i++) {
            ssize_t n;
            if (!p[i].revents) continue;
            n = recv(p[i].fd, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && !would_block())) return;
            if (n > 0 && fd_send_all(p[1 - i].fd, buf, (size_t)n) != IO_OK) return;
            idle_until = now_ms() + TUNNEL_IDLE_MS;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Answers and fault modes
 */

enum { DO_ANSWER, DO_BLACKHOLE, DO_RESET, DO_GARBAGE, DO_REDIRECT, DO_HUGE, DO_TUNNEL };

/* What to do with request n, and the status that will be answered (0: none). Under g_lock. */
static int decide(long n, const verdict *v, int malformed, int *status)
{
    *status = v->status;
    if (malformed) return DO_ANSWER;
    *status = 0;
    if (opt.blackhole) return DO_BLACKHOLE;
    if (opt.reset) return DO_RESET;
    if (opt.garbage) return DO_GARBAGE;
    *status = opt.status ? (int)opt.status : 503;
    if (opt.fail_first ? n <= opt.fail_first : opt.status != 0) return DO_ANSWER;
    *status = 301;
    if (opt.redirect) return DO_REDIRECT;
    *status = 200;
    if (opt.huge_mb) return DO_HUGE;
    if (v->upstream >= 0) return DO_TUNNEL;
    *status = v->status;
    return DO_ANSWER;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
    }
}

/* Sends bytes of an answer; under --slow one byte at a time. */
static int emit(conn *c, const void *data, size_t n)
{
    const char *p = data;
    size_t i;
    int r;
    if (opt.slow_ms <= 0) return conn_write(c, data, n);
    for (i = 0; i < n; i++) {
        if ((r = conn_write(c, p + i, 1)) != IO_OK) return r;
        if (nap(opt.slow_ms) != 0) return IO_STOP;
    }
    return IO_OK;
}

static int send_head(conn *c, int status, const char *ctype, unsigned long long len, const char *location)
{
    sbuf h = { 0 };
    int r;
    sb_printf(&h, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %llu\r\n",
              status, reason(status), ctype, len);
    if (opt.retry_after) sb_printf(&h, "Retry-After: %s\r\n", opt.retry_after);
    if (location) sb_printf(&h, "Location: %s\r\n", location);
    if (status == 407) sb_puts(&h, "Proxy-Authenticate: Basic realm=\"gtbt-sink\"\r\n");
    sb_puts(&h, "Server: gtbt-sink\r\nConnection: close\r\n\r\n");
    r = h.oom ? IO_NOMEM : emit(c, h.p, h.len);
    sb_free(&h);
    return r;
}

static void answer(conn *c, const request *rq, int status, const char *body, const char *location)
{
    size_t len = status == 204 || status == 304 ? 0 : strlen(body);
    if (send_head(c, status, "application/json", len, location) == IO_OK && len
        && !(rq->method && strcmp(rq->method, "HEAD") == 0))
        emit(c, body, len);
}

static void answer_huge(conn *c, const request *rq)
{
    unsigned long long left = (unsigned long long)opt.huge_mb << 20;
    char chunk[16384];
    memset(chunk, 'x', sizeof chunk);
    if (send_head(c, 200, "application/octet-stream", left, NULL) != IO_OK || strcmp(rq->method, "HEAD") == 0)
        return;
    while (left && !g_stop) {
        size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
        if (emit(c, chunk, n) != IO_OK) return;
        left -= n;
    }
}

/* Holds a blackholed connection: reads and drops whatever comes until the client or the sink goes. */
static void hold(conn *c)
{
    char scratch[4096];
    while (wait_fd(c->fd, POLLIN, INT64_MAX) == 1) {
        ssize_t r = recv(c->fd, scratch, sizeof scratch, 0);
        if (r == 0 || (r < 0 && !would_block())) return;
    }
}

static void act(conn *c, const request *rq, const verdict *v, int action, int status)
{
    static const char garbage[] =
        "SPDY/9.9 \xff\xfe\x00\x01 <<this is not HTTP>> \x1b[0m\r\n\x7f\x80garbage\r\n\r\n";
    static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    sbuf body = { 0 };
    switch (action) {
    case DO_BLACKHOLE: hold(c); break;
    case DO_RESET: c->rst = 1; break;
    case DO_GARBAGE: emit(c, garbage, sizeof garbage - 1); break;
    case DO_REDIRECT: answer(c, rq, status, "{}", opt.redirect); break;
    case DO_HUGE: answer_huge(c, rq); break;
    case DO_TUNNEL:
        if (emit(c, established, sizeof established - 1) == IO_OK) tunnel(c, v->upstream);
        break;
    default:
        if (status >= 400) {
            sb_puts(&body, "{\"error\":");
            if (!v->valid && v->why[0]) sb_json_str(&body, v->why, strlen(v->why));
            else sb_json_str(&body, reason(status), strlen(reason(status)));
            sb_putc(&body, '}');
        } else {
            sb_puts(&body, v->valid && v->reply ? v->reply : "{}");
        }
        if (!body.oom) answer(c, rq, status, body.p, NULL);
        sb_free(&body);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Reporting: the stdout lines and the --log line of one request
 */

static void log_line(sbuf *b, long n, const request *rq, const verdict *v, int status)
{
    sbuf joined = { 0 };
    int i, j;
    sb_printf(b, "{\"n\":%ld,\"method\":", n);
    sb_json_str(b, rq->method ? rq->method : "", rq->method ? strlen(rq->method) : 0);
    sb_puts(b, ",\"path\":");
    sb_json_str(b, rq->path ? rq->path : "", rq->path ? strlen(rq->path) : 0);
    sb_puts(b, ",\"format\":");
    sb_json_str(b, v->format, strlen(v->format));
    sb_printf(b, ",\"valid\":%s,\"headers\":{", v->valid ? "true" : "false");
    for (i = 0; i < rq->nh; i++) {
        for (j = 0; j < i && strcmp(rq->h[j].name, rq->h[i].name) != 0; j++) {}
        if (j < i) continue;                /* a repeated header was joined into the first */
        joined.len = 0;
        for (j = i; j < rq->nh; j++) {
            if (strcmp(rq->h[j].name, rq->h[i].name) != 0) continue;
            if (joined.len) sb_puts(&joined, ", ");
            sb_puts(&joined, rq->h[j].value);
        }
        if (b->p[b->len - 1] != '{') sb_putc(b, ',');
        sb_json_str(b, rq->h[i].name, strlen(rq->h[i].name));
        sb_putc(b, ':');
        sb_json_str(b, joined.p ? joined.p : "", joined.len);
    }
    sb_free(&joined);
    sb_puts(b, "},\"body\":");
    sb_json_str(b, rq->body.p ? rq->body.p : "", rq->body.len);
    sb_printf(b, ",\"status\":%d", status);
    if (rq->target && rq->path && strcmp(rq->method, "CONNECT") != 0 && rq->target[0] != '/') {
        sb_puts(b, ",\"target\":");
        sb_json_str(b, rq->target, strlen(rq->target));
    }
    if (!v->valid) {
        sb_puts(b, ",\"error\":");
        sb_json_str(b, v->why, strlen(v->why));
    }
    sb_puts(b, "}\n");
}

static void stdout_text(sbuf *b, long n, const request *rq, const verdict *v)
{
    int i;
    if (opt.verbose) {
        sb_printf(b, "-- #%ld %s ", n, rq->method ? rq->method : "?");
        sb_clean(b, rq->target);
        sb_printf(b, " (%s, %lu body bytes)\n", v->format, (unsigned long)rq->body.len);
        for (i = 0; i < rq->nh; i++) {
            sb_printf(b, "   %s: ", rq->h[i].name);
            sb_clean(b, rq->h[i].value);
            sb_putc(b, '\n');
        }
        if (v->root) { j_pretty(b, v->root, 0); sb_putc(b, '\n'); }
    }
    if (strcmp(v->format, "bad") == 0) sb_printf(b, "!! bad request: %s\n", v->why);
    else if (!v->valid) sb_printf(b, "!! invalid %s: %s\n", v->format, v->why);
    else sb_put(b, v->lines.p, v->lines.len);
}

/* Counts the request, decides its fate and reports it, all in one step so that the log's "n"
 * order is the order of the lines. Returns the action; *status is what will be answered. */
static int record(const request *rq, const verdict *v, int malformed, int *status)
{
    sbuf logl = { 0 }, text = { 0 };
    int action;
    long n;
    pthread_mutex_lock(&g_lock);
    n = ++g_requests;
    action = decide(n, v, malformed, status);
    if (g_log) {
        log_line(&logl, n, rq, v, *status);
        if (!logl.oom) fwrite(logl.p, 1, logl.len, g_log);
        else fprintf(g_log, "{\"n\":%ld,\"error\":\"out of memory logging this request\"}\n", n);
        fflush(g_log);
    }
    if (!opt.quiet) {
        stdout_text(&text, n, rq, v);
        if (text.len) fwrite(text.p, 1, text.len, stdout);
        fflush(stdout);
    }
    pthread_mutex_unlock(&g_lock);
    sb_free(&logl);
    sb_free(&text);
    return action;
}

/* ---------------------------------------------------------------------------------------------
 * One connection: one request, one answer (Connection: close)
 */

static void serve(conn *c)
{
    request rq;
    verdict v;
    int r, action, status;
    memset(&rq, 0, sizeof rq);
    memset(&v, 0, sizeof v);
    v.upstream = -1;
    if ((r = read_request(c, &rq)) != RQ_NONE) {
        if (r == RQ_BAD) {
            v.format = "bad";
            v.status = rq.bad_status;
            snprintf(v.why, sizeof v.why, "%s", rq.why);
        } else if (strcmp(rq.method, "CONNECT") == 0) {
            check_connect(&rq, &v);
        } else {
            check_request(&rq, &v);
        }
        action = record(&rq, &v, r == RQ_BAD, &status);
        act(c, &rq, &v, action, status);
        pthread_mutex_lock(&g_lock);
        g_finished++;
        pthread_mutex_unlock(&g_lock);
    }
    if (v.upstream >= 0) close(v.upstream);
    j_free(&v.doc);
    sb_free(&v.lines);
    sb_free(&rq.head);
    sb_free(&rq.body);
    free(rq.path);
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    if (!opt.tls || tls_start(c) == 0) serve(c);
    conn_close(c);
    free(c);
    pthread_mutex_lock(&g_lock);
    g_active--;
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

static void accept_one(int lfd)
{
    sockaddr_any peer;
    socklen_t plen = sizeof peer;
    char addr[INET6_ADDRSTRLEN] = "?";
    pthread_attr_t attr;
    pthread_t t;
    int one = 1, fd = accept(lfd, &peer.sa, &plen);
    conn *c;
    if (fd < 0) return;
    if (!(c = calloc(1, sizeof *c))) { close(fd); return; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    if (peer.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &peer.in6.sin6_addr, addr, sizeof addr);
        snprintf(c->peer, sizeof c->peer, "[%s]:%d", addr, ntohs(peer.in6.sin6_port));
    } else {
        inet_ntop(AF_INET, &peer.in4.sin_addr, addr, sizeof addr);
        snprintf(c->peer, sizeof c->peer, "%s:%d", addr, ntohs(peer.in4.sin_port));
    }
    pthread_mutex_lock(&g_lock);
    g_active++;
    pthread_mutex_unlock(&g_lock);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, conn_main, c) != 0) {
        pthread_mutex_lock(&g_lock);
        g_active--;
        pthread_mutex_unlock(&g_lock);
        close(fd);
        free(c);
    }
    pthread_attr_destroy(&attr);
}

/* ---------------------------------------------------------------------------------------------
 * Command line and main loop
 */

static const char usage_text[] =
    "usage: gtbt-sink [--host 127.0.0.1|::1] [--port N] [--tls --cert FILE --key FILE] [--log FILE]\n"
    "                 [--max-requests N] [--exit-after-ms N] [--quiet] [--verbose] [fault mode]\n"
    "A local receiver for gtb_telemetry.h: prints \"listening on HOST:PORT\", then one line per event\n"
    "received (http, otlp, datadog, posthog, deletion) and \"!! invalid FORMAT: WHY\" for a payload\n"
    "that fails its check (answered 400).\n"
    "  --host ADDR            numeric address to listen on (default 127.0.0.1)\n"
    "  --port N               port, 0 = ephemeral (default)\n"
    "  --tls --cert F --key F HTTPS with a PEM certificate chain and PEM key (RSA or EC)\n"
    "  --suites KIND          with --tls: offer only 3des, cbc, rsa (static RSA) or chapol (ECDHE\n"
    "                         with ChaCha20-Poly1305) cipher suites\n"
    "  --log FILE             append one JSON line per request:\n"
    "                         {\"n\",\"method\",\"path\",\"format\",\"valid\",\"headers\",\"body\",\"status\"\n"
    "                         [,\"error\"]}\n"
    "  --max-requests N       exit once N requests have been handled\n"
    "  --exit-after-ms N      exit after N milliseconds\n"
    "  --quiet                print only the \"listening on\" line\n"
    "  --verbose              also print each request's headers and JSON body\n"
    "fault modes (the first that applies, in this order):\n"
    "  --blackhole            read the request, never answer, hold the connection\n"
    "  --reset                read the request, then close with a TCP RST\n"
    "  --garbage              answer with bytes that are not HTTP\n"
    "  --fail-first N         answer the first N requests with --status (default 503), then normally\n"
    "  --status CODE          (without --fail-first) answer every request with CODE\n"
    "  --redirect URL         answer 301 with Location: URL\n"
    "  --huge MB              answer 200 with a body of MB MiB\n"
    "  --retry-after S        add \"Retry-After: S\" to every answer\n"
    "  --slow MS              send every answer one byte every MS ms\n"
    "  --connect-proxy        HTTP CONNECT proxy to loopback host:port targets (others: 403)\n"
    "  --proxy-auth USER:PASS with --connect-proxy: demand these Basic credentials (else 407)\n";

static const struct optdef {
    const char *name;
    char kind;                  /* f: flag (int), n: number (long), s: string */
    void *dst;
    long min, max;
} optdefs[] = {
    { "--host", 's', &opt.host, 0, 0 },
    { "--port", 'n', &opt.port, 0, 65535 },
    { "--tls", 'f', &opt.tls, 0, 0 },
    { "--cert", 's', &opt.cert, 0, 0 },
    { "--key", 's', &opt.key, 0, 0 },
    { "--suites", 's', &opt.suites, 0, 0 },
    { "--log", 's', &opt.log, 0, 0 },
    { "--max-requests", 'n', &opt.max_requests, 1, LONG_MAX },
    { "--exit-after-ms", 'n', &opt.exit_after_ms, 1, LONG_MAX / 2 },
    { "--quiet", 'f', &opt.quiet, 0, 0 },
    { "--verbose", 'f', &opt.verbose, 0, 0 },
    { "--status", 'n', &opt.status, 200, 599 },
    { "--retry-after", 's', &opt.retry_after, 0, 0 },
    { "--blackhole", 'f', &opt.blackhole, 0, 0 },
    { "--reset", 'f', &opt.reset, 0, 0 },
    { "--slow", 'n', &opt.slow_ms, 1, 60000 },
    { "--garbage", 'f', &opt.garbage, 0, 0 },
    { "--huge", 'n', &opt.huge_mb, 1, 65536 },
    { "--redirect", 's', &opt.redirect, 0, 0 },
    { "--fail-first", 'n', &opt.fail_first, 1, LONG_MAX },
    { "--connect-proxy", 'f', &opt.connect_proxy, 0, 0 },
    { "--proxy-auth", 's', &opt.proxy_auth, 0, 0 },
};

static void PRINTF_LIKE(1, 2) usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("gtbt-sink: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see --help)\n", stderr);
    exit(2);
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F) return 1;
    return 0;
}

static void parse_options(int argc, char **argv)
{
    int i;
    size_t k;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
        size_t nlen = eq && strncmp(arg, "--", 2) == 0 ? (size_t)(eq - arg) : strlen(arg);
        const struct optdef *d = NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            exit(0);
        }
        for (k = 0; k < sizeof optdefs / sizeof *optdefs; k++)
            if (strlen(optdefs[k].name) == nlen && strncmp(optdefs[k].name, arg, nlen) == 0) d = &optdefs[k];
        if (!d) usage_error("unknown option %s", arg);
        if (nlen < strlen(arg)) val = eq + 1;
        if (d->kind == 'f') {
            if (val) usage_error("%s takes no value", d->name);
            *(int *)d->dst = 1;
            continue;
        }
        if (!val && i + 1 >= argc) usage_error("%s needs a value", d->name);
        if (!val) val = argv[++i];
        if (d->kind == 's') {
            if (!*val || has_control(val))
                usage_error("%s: want a non-empty value without control characters", d->name);
            *(const char **)d->dst = val;
        } else {
            char *end;
            long n;
            errno = 0;
            n = strtol(val, &end, 10);
            if (errno || end == val || *end || n < d->min || n > d->max)
                usage_error("%s %s: want a whole number from %ld to %ld", d->name, val, d->min, d->max);
            *(long *)d->dst = n;
        }
    }
    if (opt.tls && !SINK_HAS_TLS) usage_error("this gtbt-sink was built without TLS (GTBT_SINK_NO_TLS): --tls is not available");
    if (opt.tls && (!opt.cert || !opt.key)) usage_error("--tls needs --cert FILE and --key FILE");
    if (!opt.tls && (opt.cert || opt.key)) usage_error("--cert and --key need --tls");
    if (opt.suites && (!opt.tls || (strcmp(opt.suites, "3des") && strcmp(opt.suites, "cbc") && strcmp(opt.suites, "rsa")
                                    && strcmp(opt.suites, "chapol"))))
        usage_error("--suites needs --tls and one of 3des, cbc, rsa, chapol");
    if (opt.tls && opt.connect_proxy) usage_error("--connect-proxy works over plain HTTP only");
    if (opt.proxy_auth && !opt.connect_proxy) usage_error("--proxy-auth needs --connect-proxy");
}

/* Listens on host:port; writes "host:port" (the real port) to name. */
static int listen_on(char *name, size_t cap)
{
    sockaddr_any a;
    socklen_t alen;
    char addr[INET6_ADDRSTRLEN];
    const char *host = strcmp(opt.host, "localhost") == 0 ? "127.0.0.1" : opt.host;
    int fd, one = 1;
    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, host, &a.in4.sin_addr) == 1) {
        a.in4.sin_family = AF_INET;
        a.in4.sin_port = htons((uint16_t)opt.port);
        alen = sizeof a.in4;
    } else if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1) {
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_port = htons((uint16_t)opt.port);
        alen = sizeof a.in6;
    } else {
        fprintf(stderr, "gtbt-sink: --host %s: want a numeric IPv4 or IPv6 address\n", opt.host);
        return -1;
    }
    if ((fd = socket(a.sa.sa_family, SOCK_STREAM, 0)) < 0) { perror("gtbt-sink: socket"); return -1; }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a.sa.sa_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, &a.sa, alen) != 0 || listen(fd, 128) != 0 || getsockname(fd, &a.sa, &alen) != 0) {
        fprintf(stderr, "gtbt-sink: cannot listen on %s port %ld: %s\n", opt.host, opt.port, strerror(errno));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (a.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a.in6.sin6_addr, addr, sizeof addr);
        snprintf(name, cap, "%s:%d", addr, ntohs(a.in6.sin6_port));
    } else {
        inet_ntop(AF_INET, &a.in4.sin_addr, addr, sizeof addr);
        snprintf(name, cap, "%s:%d", addr, ntohs(a.in4.sin_port));
    }
    return fd;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    char name[INET6_ADDRSTRLEN + 8];
    int64_t end, wait_until;
    int lfd, active;

    parse_options(argc, argv);
    if (opt.tls && load_tls() != 0) return 1;
    if (opt.log && !(g_log = fopen(opt.log, "a"))) {
        fprintf(stderr, "gtbt-sink: --log %s: %s\n", opt.log, strerror(errno));
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    if ((lfd = listen_on(name, sizeof name)) < 0) return 1;
    printf("listening on %s\n", name);
    fflush(stdout);

    end = opt.exit_after_ms ? now_ms() + opt.exit_after_ms : INT64_MAX;
    while (!g_stop && now_ms() < end) {
        struct pollfd p;
        int done, busy;
        pthread_mutex_lock(&g_lock);
        done = opt.max_requests && g_finished >= opt.max_requests;
        busy = g_active >= MAX_CONNECTIONS;
        pthread_mutex_unlock(&g_lock);
        if (done) break;
        if (busy) { nap(10); continue; }
        p.fd = lfd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, SLICE_MS) > 0) accept_one(lfd);
    }

    /* stop: every connection thread notices g_stop within SLICE_MS and closes its connection */
    g_stop = 1;
    close(lfd);
    wait_until = now_ms() + 5000;
    do {
        pthread_mutex_lock(&g_lock);
        active = g_active;
        pthread_mutex_unlock(&g_lock);
        if (active) sleep_ms(10);
    } while (active && now_ms() < wait_until);
    if (g_log && !active) fclose(g_log);
    return 0;
}

/* sink.h - tools/gtbt-sink as a child process of a test, and a small JSON reader for its --log
   lines and the payloads they carry. Include after gtb_telemetry.h and harness.h.

   sink_start() runs "$GTBT_SINK --port 0 --log <dir>/sink-N.log --quiet [args]" (GTBT_SINK defaults
   to build/gtbt-sink), reads its "listening on HOST:PORT" line (at most 5 s) and returns the port;
   sink_stop() ends it by its pid (SIGTERM, then SIGKILL after 7 s) and reaps it. The sink's stderr
   goes to <dir>/sink-N.err. Loopback only: the sink listens on 127.0.0.1 or ::1. */
#ifndef GT_SINK_H
#define GT_SINK_H
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>

/* ---------------------------------------------------------------------------------- the sink */

typedef struct sink {
    pid_t pid;
    int   port;
    char  log[512], err[512];
} sink;

static GT_UNUSED void gt_sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static GT_UNUSED int64_t gt_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static GT_UNUSED const char *sink_path(void) {
    const char *p = getenv("GTBT_SINK");
    return p && *p ? p : "build/gtbt-sink";
}

/* Reaps pid within ms milliseconds; 1 when it is gone. */
static int sink_reap(pid_t pid, int ms) {
    int64_t end = gt_mono_ms() + ms;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return 1;
        if (gt_mono_ms() >= end) return 0;
        gt_sleep_ms(5);
    }
}

static GT_UNUSED void sink_stop(sink *s) {
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    if (!sink_reap(s->pid, 7000)) {
        kill(s->pid, SIGKILL);
        sink_reap(s->pid, 5000);
    }
    s->pid = 0;
}

/* Starts the sink on port (0: ephemeral) with extra arguments (NULL-terminated, may be NULL).
   0 on success (s->port set), -1 when it did not start (the reason is printed). */
static GT_UNUSED int sink_start_port(sink *s, const char *dir, int port, const char *const *args) {
    static int seq;
    const char *argv[48];
    char portstr[16], line[256];
    int fds[2], n = 0, i, errfd;
    size_t got = 0;
    int64_t end;
    memset(s, 0, sizeof *s);
    seq++;
    snprintf(s->log, sizeof s->log, "%s/sink-%d.log", dir, seq);
    snprintf(s->err, sizeof s->err, "%s/sink-%d.err", dir, seq);
    snprintf(portstr, sizeof portstr, "%d", port);
    argv[n++] = sink_path();
    argv[n++] = "--port"; argv[n++] = portstr;
    argv[n++] = "--log"; argv[n++] = s->log;
    argv[n++] = "--quiet";
    argv[n++] = "--exit-after-ms"; argv[n++] = "120000";   /* a forgotten sink still goes away */
    for (i = 0; args && args[i] && n < 46; i++) argv[n++] = args[i];
    argv[n] = NULL;
    if (pipe(fds) != 0) { perror("pipe"); return -1; }
    errfd = open(s->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    s->pid = fork();
    if (s->pid < 0) { perror("fork"); close(fds[0]); close(fds[1]); if (errfd >= 0) close(errfd); s->pid = 0; return -1; }
    if (s->pid == 0) {
        dup2(fds[1], 1);
        if (errfd >= 0) dup2(errfd, 2);
        close(fds[0]);
        close(fds[1]);
        if (errfd >= 0) close(errfd);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (errfd >= 0) close(errfd);
    /* the first line, within 5 s */
    end = gt_mono_ms() + 5000;
    while (got + 1 < sizeof line) {
        struct pollfd p;
        ssize_t r;
        int64_t left = end - gt_mono_ms();
        if (left <= 0) break;
        p.fd = fds[0]; p.events = POLLIN; p.revents = 0;
        if (poll(&p, 1, (int)left) <= 0) continue;
        r = read(fds[0], line + got, 1);
        if (r <= 0) break;
        if (line[got] == '\n') break;
        got++;
    }
    line[got] = 0;
    close(fds[0]);   /* --quiet: the sink prints nothing more */
    if (strncmp(line, "listening on ", 13) != 0 || !strrchr(line, ':')) {
        char *err = gt_read(s->err);
        printf("    sink did not start (%s): \"%s\" %s\n", sink_path(), line, err ? err : "");
        free(err);
        sink_stop(s);
        return -1;
    }
    s->port = atoi(strrchr(line, ':') + 1);
    return s->port > 0 ? 0 : -1;
}

static GT_UNUSED int sink_start(sink *s, const char *dir, const char *const *args) {
    return sink_start_port(s, dir, 0, args);
}

/* A loopback port nothing listens on: bind an ephemeral port, then close it. */
static GT_UNUSED int closed_port(void) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* ---------------------------------------------------------------------------------- JSON */

enum { JN_NULL, JN_BOOL, JN_NUM, JN_STR, JN_ARR, JN_OBJ };

typedef struct jn {
    int t;
    char *s; size_t len;          /* JN_STR: decoded (NUL-terminated); JN_NUM/JN_BOOL: the raw text */
    struct jn **kid; char **key;  /* JN_ARR/JN_OBJ children (keys for objects), in document order */
    size_t n, cap;
} jn;

typedef struct jrd { const char *p, *end; int depth; } jrd;

static void jfree(jn *v) {
    size_t i;
    if (!v) return;
    for (i = 0; i < v->n; i++) { jfree(v->kid[i]); if (v->key) free(v->key[i]); }
    free(v->kid);
    free(v->key);
    free(v->s);
    free(v);
}

static void jrd_ws(jrd *r) { while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++; }

static int jrd_hex4(jrd *r, unsigned *cp) {
    int i;
    *cp = 0;
    if (r->end - r->p < 4) return 0;
    for (i = 0; i < 4; i++) {
        char c = *r->p++;
        int h = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (h < 0) return 0;
        *cp = *cp * 16 + (unsigned)h;
    }
    return 1;
}

/* Decodes the string at r->p (opening quote) into a malloc'd buffer sized by the raw string (the
   decoded form is never longer), not by the rest of the document. */
static char *jrd_str(jrd *r, size_t *len) {
    const char *q = r->p + 1;
    char *out, *o;
    while (q < r->end && *q != '"') q += (*q == '\\' && q + 1 < r->end) ? 2 : 1;
    out = (char *)malloc((size_t)(q - r->p) + 1);
    o = out;
    if (!out) return NULL;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"') { *o = 0; *len = (size_t)(o - out); return out; }
        if (c < 0x20) break;
        if (c != '\\') { *o++ = (char)c; continue; }
        if (r->p >= r->end) break;
        c = (unsigned char)*r->p++;
        if (c == 'u') {
            unsigned cp, lo;
            if (!jrd_hex4(r, &cp)) break;
            if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                r->p += 2;
                if (!jrd_hex4(r, &lo)) break;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) *o++ = (char)cp;
            else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 63)); }
            else if (cp < 0x10000) { *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 63)); *o++ = (char)(0x80 | (cp & 63)); }
            else { *o++ = (char)(0xF0 | cp >> 18); *o++ = (char)(0x80 | ((cp >> 12) & 63)); *o++ = (char)(0x80 | ((cp >> 6) & 63)); *o++ = (char)(0x80 | (cp & 63)); }
            continue;
        }
        switch (c) {
        case '"': case '\\': case '/': *o++ = (char)c; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        default: free(out); return NULL;
        }
    }
    free(out);
    return NULL;
}

static int jn_add(jn *v, jn *kid, char *key) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        jn **k = (jn **)realloc(v->kid, cap * sizeof *k);
        char **ks;
        if (!k) return 0;
        v->kid = k;
        if (v->t == JN_OBJ) {
            ks = (char **)realloc(v->key, cap * sizeof *ks);
            if (!ks) return 0;
            v->key = ks;
        }
        v->cap = cap;
    }
    v->kid[v->n] = kid;
    if (v->t == JN_OBJ) v->key[v->n] = key;
    v->n++;
    return 1;
}

static jn *jrd_value(jrd *r) {
    jn *v;
    jrd_ws(r);
    if (r->p >= r->end || r->depth > 64) return NULL;
    v = (jn *)calloc(1, sizeof *v);
    if (!v) return NULL;
    if (*r->p == '{' || *r->p == '[') {
        char close = *r->p == '{' ? '}' : ']';
        v->t = close == '}' ? JN_OBJ : JN_ARR;
        r->p++;
        r->depth++;
        jrd_ws(r);
        if (r->p < r->end && *r->p == close) { r->p++; r->depth--; return v; }
        for (;;) {
            char *key = NULL;
            size_t kl;
            jn *kid;
            jrd_ws(r);
            if (v->t == JN_OBJ) {
                if (r->p >= r->end || *r->p != '"' || !(key = jrd_str(r, &kl))) { jfree(v); return NULL; }
                jrd_ws(r);
                if (r->p >= r->end || *r->p != ':') { free(key); jfree(v); return NULL; }
                r->p++;
            }
            if (!(kid = jrd_value(r)) || !jn_add(v, kid, key)) { free(key); jfree(kid); jfree(v); return NULL; }
            jrd_ws(r);
            if (r->p < r->end && *r->p == ',') { r->p++; continue; }
            if (r->p < r->end && *r->p == close) { r->p++; r->depth--; return v; }
            jfree(v);
            return NULL;
        }
    }
    if (*r->p == '"') {
        v->t = JN_STR;
        if (!(v->s = jrd_str(r, &v->len))) { jfree(v); return NULL; }
        return v;
    }
    {
        const char *start = r->p;
        if (r->end - r->p >= 4 && !memcmp(r->p, "null", 4)) { v->t = JN_NULL; r->p += 4; }
        else if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4)) { v->t = JN_BOOL; r->p += 4; }
        else if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) { v->t = JN_BOOL; r->p += 5; }
        else {
            v->t = JN_NUM;
            while (r->p < r->end && strchr("+-.eE0123456789", *r->p)) r->p++;
            if (r->p == start) { jfree(v); return NULL; }
        }
        v->len = (size_t)(r->p - start);
        v->s = (char *)malloc(v->len + 1);
        if (!v->s) { jfree(v); return NULL; }
        memcpy(v->s, start, v->len);
        v->s[v->len] = 0;
    }
    return v;
}

/* The whole text as one JSON value (NULL when it is not exactly one value). */
static GT_UNUSED jn *jparse_n(const char *text, size_t n) {
    jrd r;
    jn *v;
    if (!text) return NULL;
    r.p = text; r.end = text + n; r.depth = 0;
    v = jrd_value(&r);
    jrd_ws(&r);
    if (v && r.p != r.end) { jfree(v); return NULL; }
    return v;
}
static GT_UNUSED jn *jparse(const char *text) { return text ? jparse_n(text, strlen(text)) : NULL; }

static GT_UNUSED jn *jget(const jn *o, const char *key) {
    size_t i;
    if (!o || o->t != JN_OBJ) return NULL;
    for (i = 0; i < o->n; i++) if (!strcmp(o->key[i], key)) return o->kid[i];
    return NULL;
}
/* How many members of o are named key. */
static GT_UNUSED int jcount(const jn *o, const char *key) {
    size_t i;
    int n = 0;
    if (!o || o->t != JN_OBJ) return 0;
    for (i = 0; i < o->n; i++) n += !strcmp(o->key[i], key);
    return n;
}
static GT_UNUSED jn *jat(const jn *a, size_t i) { return a && (a->t == JN_ARR || a->t == JN_OBJ) && i < a->n ? a->kid[i] : NULL; }
static GT_UNUSED size_t jlen(const jn *a) { return a && (a->t == JN_ARR || a->t == JN_OBJ) ? a->n : 0; }
/* A member's string value, or NULL when absent or not a string. */
static GT_UNUSED const char *jstr(const jn *o, const char *key) { jn *v = jget(o, key); return v && v->t == JN_STR ? v->s : NULL; }
/* A member's number or boolean as its raw text ("142", "true"), or NULL. */
static GT_UNUSED const char *jraw(const jn *o, const char *key) {
    jn *v = jget(o, key);
    return v && (v->t == JN_NUM || v->t == JN_BOOL || v->t == JN_NULL) ? v->s ? v->s : "null" : NULL;
}
static GT_UNUSED int jtype(const jn *o, const char *key) { jn *v = jget(o, key); return v ? v->t : -1; }

/* OTLP attributes [{"key":k,"value":{kind:v}}]: the value object of key k (the first), or NULL. */
static GT_UNUSED jn *otlp_attr(const jn *attrs, const char *k) {
    size_t i;
    for (i = 0; i < jlen(attrs); i++) {
        const char *key = jstr(jat(attrs, i), "key");
        if (key && !strcmp(key, k)) return jget(jat(attrs, i), "value");
    }
    return NULL;
}
static GT_UNUSED int otlp_attr_count(const jn *attrs, const char *k) {
    size_t i;
    int n = 0;
    for (i = 0; i < jlen(attrs); i++) {
        const char *key = jstr(jat(attrs, i), "key");
        n += key && !strcmp(key, k);
    }
    return n;
}
static GT_UNUSED const char *otlp_str(const jn *attrs, const char *k) { return jstr(otlp_attr(attrs, k), "stringValue"); }
/* intValue as text, whether sent as a JSON number or as a decimal string (both are OTLP JSON). */
static GT_UNUSED const char *otlp_int(const jn *attrs, const char *k) {
    jn *v = jget(otlp_attr(attrs, k), "intValue");
    return v && (v->t == JN_NUM || v->t == JN_STR) ? v->s : NULL;
}

/* ---------------------------------------------------------------------------------- the log */

#define SINKLOG_MAX 64
typedef struct sinklog {
    int  n;                           /* requests logged */
    jn  *req[SINKLOG_MAX];            /* each --log line */
    jn  *body[SINKLOG_MAX];           /* its body parsed as JSON (NULL when empty or not JSON) */
} sinklog;

static GT_UNUSED void sinklog_free(sinklog *l) {
    int i;
    for (i = 0; i < l->n; i++) { jfree(l->req[i]); jfree(l->body[i]); }
    memset(l, 0, sizeof *l);
}

/* Reads every line logged so far. */
static GT_UNUSED void sinklog_read(sinklog *l, const sink *s) {
    char *text = gt_read(s->log), *line, *nl;
    memset(l, 0, sizeof *l);
    if (!text) return;
    line = text;
    while (*line && l->n < SINKLOG_MAX) {
        size_t len;
        nl = strchr(line, '\n');
        len = nl ? (size_t)(nl - line) : strlen(line);
        if (len) {
            jn *rq = jparse_n(line, len);
            if (rq) {
                const char *b = jstr(rq, "body");
                l->req[l->n] = rq;
                l->body[l->n] = b && *b ? jparse(b) : NULL;
                l->n++;
            }
        }
        if (!nl) break;
        line = nl + 1;
    }
    free(text);
}

/* Request i's header (lower-case name), method, path, body text. */
static GT_UNUSED const char *req_header(const sinklog *l, int i, const char *name) { return i < l->n ? jstr(jget(l->req[i], "headers"), name) : NULL; }
static GT_UNUSED const char *req_str(const sinklog *l, int i, const char *field) { return i < l->n ? jstr(l->req[i], field) : NULL; }
static GT_UNUSED int req_valid(const sinklog *l, int i) { const char *v = i < l->n ? jraw(l->req[i], "valid") : NULL; return v && !strcmp(v, "true"); }
static GT_UNUSED int req_status(const sinklog *l, int i) { const char *v = i < l->n ? jraw(l->req[i], "status") : NULL; return v ? atoi(v) : -1; }
#endif

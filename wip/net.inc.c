/* net.inc.c: URL parsing, sockets, TLS (BearSSL) and a small HTTP/1.1 POST client.
   Four parts: >>url (parse and validate endpoint URLs), >>net (resolve, connect, read, write, all bounded by
   one absolute deadline), >>tls (BearSSL client, trust anchors, IP-literal certificate check), >>http
   (request, response parser, chunked decoder, proxy, Retry-After, classification).
   Rule for errors: the function that detects a failure logs it once (never a header value, never a URL
   path or query, never a proxy URL); callers only propagate the code. */

// >>url

#define GTBT__URL_MAX 2048

typedef struct gtbt__url {
    int  tls;                 /* 1 for https */
    char host[256];           /* without IPv6 brackets; lower-cased */
    int  host_is_ip;          /* IPv4 or IPv6 literal */
    int  port;                /* explicit or 80/443 */
    char hostport[264];       /* for the Host header: "host", "host:port" or "[v6]:port" (port only when not default) */
    char path[GTBT__URL_MAX]; /* path + query, "/" when empty; never contains the fragment */
} gtbt__url;

static int gtbt__url_isdigit(int c) { return c >= '0' && c <= '9'; }
static int gtbt__url_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int gtbt__url_lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

static int gtbt__url_hexval(int c)
{
    if (gtbt__url_isdigit(c)) return c - '0';
    c = gtbt__url_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Binary form of an IP literal into out[16]: 4 (IPv4), 16 (IPv6) or 0 (not an IP literal). */
static int gtbt__ip_parse(const char *s, unsigned char *out)
{
    if (inet_pton(AF_INET, s, out) == 1) return 4;
    if (inet_pton(AF_INET6, s, out) == 1) return 16;
    return 0;
}

/* Port digits [s, s+n): 1..65535 (leading zeros allowed); an empty port (as in "http://h:/") means the default. */
static int gtbt__url_port(const char *s, size_t n, int def, int *port)
{
    size_t i;
    long v = 0;
    if (n == 0) { *port = def; return GTBT_OK; }
    for (i = 0; i < n; i++) {
        if (!gtbt__url_isdigit((unsigned char)s[i])) return GTBT_E_INVALID;
        v = v * 10 + (s[i] - '0');
        if (v > 65535) return GTBT_E_INVALID;
    }
    if (v < 1 || v > 65535) return GTBT_E_INVALID;
    *port = (int)v;
    return GTBT_OK;
}

/* A name or IPv4 host [s, s+n): percent-decoded, lower-cased; only [a-z0-9._-] survive decoding. */
static int gtbt__url_host(const char *s, size_t n, gtbt__url *u)
{
    unsigned char ip[16];
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || gtbt__url_hexval(s[i + 1]) < 0 || gtbt__url_hexval(s[i + 2]) < 0) return GTBT_E_INVALID;
            c = gtbt__url_hexval(s[i + 1]) * 16 + gtbt__url_hexval(s[i + 2]);
            i += 2;
        }
        if (!(gtbt__url_isalpha(c) || gtbt__url_isdigit(c) || c == '-' || c == '.' || c == '_')) return GTBT_E_INVALID;
        if (o + 1 >= sizeof u->host) return GTBT_E_INVALID;
        u->host[o++] = (char)gtbt__url_lower(c);
    }
    if (o == 0) return GTBT_E_INVALID;
    u->host[o] = '\0';
    u->host_is_ip = gtbt__ip_parse(u->host, ip) == 4;
    return GTBT_OK;
}

/* The inside of "[...]": must be a valid IPv6 literal (no zone id). */
static int gtbt__url_host6(const char *s, size_t n, gtbt__url *u)
{
    unsigned char ip[16];
    size_t i;
    if (n == 0 || n >= 46) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) u->host[i] = (char)gtbt__url_lower((unsigned char)s[i]);
    u->host[n] = '\0';
    if (gtbt__ip_parse(u->host, ip) != 16) return GTBT_E_INVALID;
    u->host_is_ip = 1;
    return GTBT_OK;
}

/* "host:port" with the port always present and IPv6 in brackets (CONNECT target, log lines). */
static void gtbt__url_authority(const gtbt__url *u, char *out, size_t cap)
{
    if (strchr(u->host, ':')) snprintf(out, cap, "[%s]:%d", u->host, u->port);
    else snprintf(out, cap, "%s:%d", u->host, u->port);
}

static void gtbt__url_hostport(gtbt__url *u)
{
    int def = u->port == (u->tls ? 443 : 80), v6 = strchr(u->host, ':') != NULL;
    size_t n = strlen(u->host);
    char *o = u->hostport;
    if (v6) *o++ = '[';
    memcpy(o, u->host, n);
    o += n;
    if (v6) *o++ = ']';
    *o = '\0';
    if (!def) snprintf(o, sizeof u->hostport - (size_t)(o - u->hostport), ":%d", u->port);
}

/* Parse an http(s) URL. GTBT_E_INVALID for: NULL/empty, > 2048 bytes, control characters or spaces, invalid
   percent-escapes, a scheme other than http/https, userinfo, an empty or malformed host, a bad port. */
static GTBT__UNUSED int gtbt__url_parse(const char *s, gtbt__url *u)
{
    const char *auth, *end, *p, *hostend, *frag;
    size_t n, i;
    int rc;
    if (!s || !u) return GTBT_E_INVALID;
    memset(u, 0, sizeof *u);
    for (n = 0; n <= GTBT__URL_MAX && s[n]; n++) {}
    if (n == 0 || n > GTBT__URL_MAX) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F) return GTBT_E_INVALID;
        if (c == '%' && (i + 2 >= n || gtbt__url_hexval(s[i + 1]) < 0 || gtbt__url_hexval(s[i + 2]) < 0))
            return GTBT_E_INVALID;
    }
    if (gtbt__ascii_ncasecmp(s, "https://", 8) == 0) { u->tls = 1; auth = s + 8; }
    else if (gtbt__ascii_ncasecmp(s, "http://", 7) == 0) auth = s + 7;
    else return GTBT_E_INVALID;

    end = auth + strcspn(auth, "/?#");
    if (memchr(auth, '@', (size_t)(end - auth))) return GTBT_E_INVALID; /* userinfo */
    if (*auth == '[') {
        hostend = (const char *)memchr(auth, ']', (size_t)(end - auth));
        if (!hostend) return GTBT_E_INVALID;
        rc = gtbt__url_host6(auth + 1, (size_t)(hostend - auth - 1), u);
        p = hostend + 1;
        if (p < end && *p != ':') return GTBT_E_INVALID;
    } else {
        hostend = (const char *)memchr(auth, ':', (size_t)(end - auth));
        if (!hostend) hostend = end;
        rc = gtbt__url_host(auth, (size_t)(hostend - auth), u);
        p = hostend;
    }
    if (rc != GTBT_OK) return rc;
    rc = gtbt__url_port(p < end ? p + 1 : end, p < end ? (size_t)(end - p - 1) : 0, u->tls ? 443 : 80, &u->port);
    if (rc != GTBT_OK) return rc;

    frag = end + strcspn(end, "#");
    if (*end != '/') strcpy(u->path, "/"); /* empty path, or a query directly after the authority */
    strncat(u->path, end, (size_t)(frag - end)); /* at most 2048 - 8 bytes: fits */
    gtbt__url_hostport(u);
    return GTBT_OK;
}

// >>net

#define GTBT__NET_MAX_ADDRS      16    /* addresses tried per host */
#define GTBT__NET_MIN_ATTEMPT_MS 2000  /* each address gets at least this (or what is left) before the next */
#define GTBT__DNS_WAIT_SLICE_MS  100   /* condition-variable waits are re-checked against the monotonic clock */

#ifdef MSG_NOSIGNAL
#define GTBT__MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define GTBT__MSG_NOSIGNAL 0
#endif

typedef struct gtbt__tls gtbt__tls; /* defined in >>tls (only when GTBT__TLS) */

/* One connection: a socket, optionally TLS over it, and the absolute deadline every operation honours. */
typedef struct gtbt__conn {
    int fd;
    int64_t deadline;         /* gtbt_now_ms() clock */
    gtbt__tls *tls;           /* NULL for plain TCP */
    const gtbt__log *lg;
    char where[300];          /* "host:port" of the target, for log lines */
} gtbt__conn;

typedef struct gtbt__addrs {
    int n;
    struct sockaddr_storage ss[GTBT__NET_MAX_ADDRS];
    socklen_t len[GTBT__NET_MAX_ADDRS];
} gtbt__addrs;

static void gtbt__addrs_add(gtbt__addrs *a, const void *sa, size_t len)
{
    if (a->n >= GTBT__NET_MAX_ADDRS || len > sizeof a->ss[0]) return;
    memcpy(&a->ss[a->n], sa, len);
    a->len[a->n++] = (socklen_t)len;
}

/* An IP literal becomes one address without asking the resolver. */
static int gtbt__addrs_literal(const char *host, int port, gtbt__addrs *a)
{
    struct sockaddr_in s4;
    struct sockaddr_in6 s6;
    a->n = 0;
    memset(&s4, 0, sizeof s4);
    memset(&s6, 0, sizeof s6);
    if (inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
        s4.sin_family = AF_INET;
        s4.sin_port = htons((uint16_t)port);
        gtbt__addrs_add(a, &s4, sizeof s4);
    } else if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons((uint16_t)port);
        gtbt__addrs_add(a, &s6, sizeof s6);
    }
    return a->n ? GTBT_OK : GTBT_E_INVALID;
}

/* getaddrinfo into a bounded list; returns 0 or an EAI_* code. */
static int gtbt__getaddrinfo(const char *host, int port, gtbt__addrs *a)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ps[8];
    int r;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV; /* no AI_ADDRCONFIG: it hides "localhost" on loopback-only hosts */
    snprintf(ps, sizeof ps, "%d", port);
    a->n = 0;
    r = getaddrinfo(host, ps, &hints, &res);
    if (r != 0) return r;
    for (ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) gtbt__addrs_add(a, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(res);
    return a->n ? 0 : EAI_NONAME;
}

#if GTBT__THREADS
/* State shared by a resolve call and its helper thread; whoever drops the last reference frees it, so a
   caller that gave up at its deadline simply leaves and the late thread cleans up. */
typedef struct gtbt__dns_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs, done, err, port;
    char host[256];
    gtbt__addrs addrs;
} gtbt__dns_job;

static void gtbt__dns_job_unref(gtbt__dns_job *j)
{
    int last;
    pthread_mutex_lock(&j->mu);
    last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (!last) return;
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    gtbt__free(j);
}

static void *gtbt__dns_thread(void *arg)
{
    gtbt__dns_job *j = (gtbt__dns_job *)arg;
    gtbt__addrs a;
    int err = gtbt__getaddrinfo(j->host, j->port, &a);
    pthread_mutex_lock(&j->mu);
    j->addrs = a;
    j->err = err;
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    gtbt__dns_job_unref(j);
    return NULL;
}

/* One bounded wait on the job's condition variable (caller holds j->mu); 0 once the deadline has passed. */
static int gtbt__dns_wait(gtbt__dns_job *j, int64_t deadline)
{
    struct timespec ts;
    int64_t left = deadline - gtbt_now_ms();
    if (left <= 0) return 0;
    if (left > GTBT__DNS_WAIT_SLICE_MS) left = GTBT__DNS_WAIT_SLICE_MS; /* bounds the effect of wall-clock jumps */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)(left % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_cond_timedwait(&j->cv, &j->mu, &ts);
    return 1;
}

/* Starts the detached helper with every signal blocked (the host tool's handlers stay on its threads). */
static int gtbt__dns_start(gtbt__dns_job *j)
{
    pthread_attr_t at;
    pthread_t th;
    sigset_t all, old;
    int ok;
    if (pthread_attr_init(&at) != 0) return 0;
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ok = pthread_create(&th, &at, gtbt__dns_thread, j) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    return ok;
}

/* Resolve host in a helper thread, waiting at most until the deadline. */
static int gtbt__resolve(const char *host, int port, int64_t deadline, gtbt__addrs *out, const gtbt__log *lg)
{
    gtbt__dns_job *j;
    int done, err = 0;
    if (deadline - gtbt_now_ms() <= 0) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: no time left to resolve %s", host);
        return GTBT_E_TIMEOUT;
    }
    j = (gtbt__dns_job *)gtbt__malloc(sizeof *j);
    if (!j) return GTBT_E_NOMEM;
    memset(j, 0, sizeof *j);
    if (pthread_mutex_init(&j->mu, NULL) != 0) { gtbt__free(j); return GTBT_E_NOMEM; }
    if (pthread_cond_init(&j->cv, NULL) != 0) { pthread_mutex_destroy(&j->mu); gtbt__free(j); return GTBT_E_NOMEM; }
    j->refs = 2; /* this call and the helper thread */
    j->port = port;
    strncpy(j->host, host, sizeof j->host - 1);
    if (!gtbt__dns_start(j)) {
        j->refs = 1;
        gtbt__dns_job_unref(j);
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: cannot start a resolver thread for %s", host);
        return GTBT_E_NETWORK;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->done && gtbt__dns_wait(j, deadline)) {}
    done = j->done;
    if (done) { err = j->err; *out = j->addrs; }
    pthread_mutex_unlock(&j->mu);
    gtbt__dns_job_unref(j);
    if (!done) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: resolving %s timed out", host);
        return GTBT_E_TIMEOUT;
    }
    if (err) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: cannot resolve %s: %s", host, gai_strerror(err));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}
#else
/* Without threads getaddrinfo runs on the caller's thread: it is then bounded only by the system resolver
   (resolv.conf timeout and attempts), not by the deadline. IP literals never get here. */
static int gtbt__resolve(const char *host, int port, int64_t deadline, gtbt__addrs *out, const gtbt__log *lg)
{
    int err;
    if (deadline - gtbt_now_ms() <= 0) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: no time left to resolve %s", host);
        return GTBT_E_TIMEOUT;
    }
    err = gtbt__getaddrinfo(host, port, out);
    if (err) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: cannot resolve %s: %s", host, gai_strerror(err));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}
#endif

#ifdef SO_NOSIGPIPE
static void gtbt__sock_nosigpipe(int fd) { int one = 1; (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one); }
#else
static void gtbt__sock_nosigpipe(int fd) { (void)fd; }
#endif

/* Waits until fd is ready for events or the deadline passes: GTBT_OK, GTBT_E_TIMEOUT or GTBT_E_NETWORK. */
static int gtbt__poll_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p;
        int64_t left = deadline - gtbt_now_ms();
        int r;
        if (left <= 0) return GTBT_E_TIMEOUT;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (r > 0) return GTBT_OK; /* also on POLLERR/POLLHUP: the next recv/send reports it */
        if (r < 0 && errno != EINTR) return GTBT_E_NETWORK;
    }
}

/* A non-blocking, close-on-exec TCP socket without Nagle delay that never raises SIGPIPE; -1 (errno) on failure. */
static int gtbt__sock_open(int family)
{
    int fd = socket(family, SOCK_STREAM, 0), one = 1, fl;
    if (fd < 0) return -1;
    fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    gtbt__sock_nosigpipe(fd);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* One connect attempt bounded by deadline: the socket in *fd, or an error with *err = errno. */
static int gtbt__sock_connect_one(const gtbt__addrs *a, int i, int64_t deadline, int *fd, int *err)
{
    int s = gtbt__sock_open(a->ss[i].ss_family), rc, soerr = 0;
    socklen_t sl = sizeof soerr;
    if (s < 0) { *err = errno; return GTBT_E_NETWORK; }
    if (connect(s, (const struct sockaddr *)&a->ss[i], a->len[i]) == 0) { *fd = s; return GTBT_OK; }
    if (errno != EINPROGRESS && errno != EINTR) { *err = errno; close(s); return GTBT_E_NETWORK; }
    rc = gtbt__poll_fd(s, POLLOUT, deadline);
    if (rc == GTBT_OK && getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) soerr = errno;
    if (rc == GTBT_OK && soerr) rc = GTBT_E_NETWORK;
    if (rc != GTBT_OK) { *err = rc == GTBT_E_TIMEOUT ? ETIMEDOUT : soerr; close(s); return rc; }
    *fd = s;
    return GTBT_OK;
}

/* Resolve (IP literals directly) and connect to host:port, trying each address within c->deadline. */
static int gtbt__sock_connect(gtbt__conn *c, const char *what, const char *host, int host_is_ip, int port)
{
    gtbt__addrs a;
    int i, rc, err = ECONNREFUSED;
    rc = host_is_ip ? gtbt__addrs_literal(host, port, &a) : gtbt__resolve(host, port, c->deadline, &a, c->lg);
    if (rc != GTBT_OK) return rc;
    for (i = 0; i < a.n; i++) {
        int64_t now = gtbt_now_ms(), left = c->deadline - now, part;
        if (left <= 0) break;
        part = left / (a.n - i); /* share what is left with the addresses still to try */
        if (part < GTBT__NET_MIN_ATTEMPT_MS) part = left < GTBT__NET_MIN_ATTEMPT_MS ? left : GTBT__NET_MIN_ATTEMPT_MS;
        if (gtbt__sock_connect_one(&a, i, now + part, &c->fd, &err) == GTBT_OK) return GTBT_OK;
    }
    if (gtbt_now_ms() >= c->deadline) {
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: connecting to %s %s port %d timed out", what, host, port);
        return GTBT_E_TIMEOUT;
    }
    gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: cannot connect to %s %s port %d: %s", what, host, port, strerror(err));
    return GTBT_E_NETWORK;
}

/* Write all of p (short writes continued, EINTR retried, never SIGPIPE). */
static int gtbt__sock_write(gtbt__conn *c, const void *p, size_t n)
{
    const char *s = (const char *)p;
    while (n > 0) {
        ssize_t r = send(c->fd, s, n, GTBT__MSG_NOSIGNAL);
        int rc;
        if (r > 0) { s += r; n -= (size_t)r; continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            rc = gtbt__poll_fd(c->fd, POLLOUT, c->deadline);
            if (rc == GTBT_OK) continue;
            if (rc == GTBT_E_TIMEOUT) gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: sending to %s timed out", c->where);
            else gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: sending to %s failed: %s", c->where, strerror(errno));
            return rc;
        }
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: sending to %s failed: %s", c->where, strerror(errno));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}

/* Read up to cap bytes; *got = 0 means the peer closed the connection. */
static int gtbt__sock_read(gtbt__conn *c, void *p, size_t cap, size_t *got)
{
    *got = 0;
    for (;;) {
        ssize_t r;
        int rc = gtbt_now_ms() < c->deadline ? GTBT_OK : GTBT_E_TIMEOUT;
        if (rc == GTBT_OK) {
            r = recv(c->fd, p, cap, 0);
            if (r >= 0) { *got = (size_t)r; return GTBT_OK; }
            if (errno == EINTR) continue;
            rc = errno == EAGAIN || errno == EWOULDBLOCK ? gtbt__poll_fd(c->fd, POLLIN, c->deadline) : GTBT_E_NETWORK;
            if (rc == GTBT_OK) continue;
        }
        if (rc == GTBT_E_TIMEOUT) gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: waiting for %s timed out", c->where);
        else gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: reading from %s failed: %s", c->where, strerror(errno));
        return rc;
    }
}

// >>tls

#if GTBT__TLS

#define GTBT__TLS_MAX_BUNDLE  (4 * 1024 * 1024) /* PEM bundle file size */
#define GTBT__TLS_MAX_ANCHORS 2048              /* certificates kept from one bundle */
#define GTBT__TLS_MAX_EE_DER  (16 * 1024)       /* end-entity certificate kept for the IP check */
#define GTBT__TLS_CACHE_SLOTS 8                 /* distinct bundle paths cached per process */
#define GTBT__TLS_EOF         1                 /* internal: the peer closed (close_notify or TCP EOF) */

#ifdef O_CLOEXEC
#define GTBT__O_CLOEXEC O_CLOEXEC
#else
#define GTBT__O_CLOEXEC 0
#endif

/* --- trust anchors: PEM bundles parsed once per process per path --- */

typedef struct gtbt__ta_list {
    br_x509_trust_anchor *ta;
    size_t n, cap;
    int oom;
} gtbt__ta_list;

typedef struct gtbt__ta_slot {
    char *path;
    gtbt__ta_list list;
} gtbt__ta_slot;

static gtbt__ta_slot gtbt__ta_cache[GTBT__TLS_CACHE_SLOTS]; /* guarded by gtbt__global_lock(); never shrinks */

static const char *const gtbt__ca_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
    "/etc/pki/tls/cacert.pem", "/usr/local/etc/openssl/cert.pem"
};

/* Each anchor owns one block holding its DN then its key bytes, so dn.data is the only pointer to free. */
static void gtbt__ta_list_free(gtbt__ta_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) gtbt__free(l->ta[i].dn.data);
    gtbt__free(l->ta);
    memset(l, 0, sizeof *l);
}

static void gtbt__pem_sink(void *ctx, const void *p, size_t n) { gtbt__buf_put((gtbt__buf *)ctx, p, n); }

static br_x509_trust_anchor *gtbt__ta_slot_new(gtbt__ta_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        br_x509_trust_anchor *ta = (br_x509_trust_anchor *)gtbt__realloc(l->ta, cap * sizeof *ta);
        if (!ta) return NULL;
        l->ta = ta;
        l->cap = cap;
    }
    memset(&l->ta[l->n], 0, sizeof l->ta[0]);
    return &l->ta[l->n];
}

/* Decode one DER certificate into a trust anchor (subject DN, public key, CA flag); undecodable ones are skipped. */
static void gtbt__ta_add(gtbt__ta_list *l, const unsigned char *der, size_t len)
{
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    br_x509_trust_anchor *t;
    gtbt__buf dn;
    unsigned char *blk;
    size_t k1, k2;
    memset(&dn, 0, sizeof dn);
    br_x509_decoder_init(&dc, gtbt__pem_sink, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (dn.oom) l->oom = 1;
    if (!pk || dn.oom || l->n >= GTBT__TLS_MAX_ANCHORS || (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC)) {
        gtbt__buf_free(&dn);
        return;
    }
    k1 = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen : pk->key.ec.qlen;
    k2 = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.elen : 0;
    t = gtbt__ta_slot_new(l);
    blk = (unsigned char *)gtbt__malloc(dn.len + k1 + k2 + 1); /* sizes bounded by the 4 MiB file */
    if (!t || !blk) { gtbt__free(blk); gtbt__buf_free(&dn); l->oom = 1; return; }
    if (dn.len) memcpy(blk, dn.p, dn.len);
    t->dn.data = blk;
    t->dn.len = dn.len;
    t->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    t->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        t->pkey.key.rsa.n = blk + dn.len;
        t->pkey.key.rsa.nlen = k1;
        t->pkey.key.rsa.e = blk + dn.len + k1;
        t->pkey.key.rsa.elen = k2;
        memcpy(t->pkey.key.rsa.n, pk->key.rsa.n, k1);
        memcpy(t->pkey.key.rsa.e, pk->key.rsa.e, k2);
    } else {
        t->pkey.key.ec.curve = pk->key.ec.curve;
        t->pkey.key.ec.q = blk + dn.len;
        t->pkey.key.ec.qlen = k1;
        memcpy(t->pkey.key.ec.q, pk->key.ec.q, k1);
    }
    l->n++;
    gtbt__buf_free(&dn);
}

/* Called for every PEM object: name (upper case, e.g. "CERTIFICATE") and its decoded bytes; non-zero stops the walk. */
typedef int (*gtbt__pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len);

/* Walk the PEM objects of [pem, pem+n): GTBT_OK, GTBT_E_INVALID (malformed PEM; objects before it were delivered)
   or GTBT_E_NOMEM. */
static int gtbt__pem_walk(const unsigned char *pem, size_t n, gtbt__pem_fn fn, void *ctx)
{
    br_pem_decoder_context pc;
    gtbt__buf der;
    char name[128];
    int rc = GTBT_OK, in_obj = 0, tail = 0, stop = 0;
    memset(&der, 0, sizeof der);
    name[0] = '\0';
    br_pem_decoder_init(&pc);
    while (rc == GTBT_OK && !stop) {
        size_t k;
        if (n == 0) {
            if (tail) break;
            pem = (const unsigned char *)"\n"; /* the decoder needs a newline after the last END line */
            n = 1;
            tail = 1;
        }
        k = br_pem_decoder_push(&pc, pem, n);
        pem += k;
        n -= k;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            strncpy(name, br_pem_decoder_name(&pc), sizeof name - 1);
            name[sizeof name - 1] = '\0';
            der.len = 0;
            in_obj = 1;
            br_pem_decoder_setdest(&pc, gtbt__pem_sink, &der);
            break;
        case BR_PEM_END_OBJ:
            if (der.oom) rc = GTBT_E_NOMEM;
            else if (in_obj) stop = fn(ctx, name, (const unsigned char *)der.p, der.len);
            in_obj = 0;
            break;
        case BR_PEM_ERROR:
            rc = GTBT_E_INVALID;
            break;
        default:
            break;
        }
    }
    gtbt__buf_free(&der);
    return rc;
}

static int gtbt__ta_on_pem(void *ctx, const char *name, const unsigned char *der, size_t len)
{
    gtbt__ta_list *l = (gtbt__ta_list *)ctx;
    if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0) gtbt__ta_add(l, der, len);
    return l->oom;
}

/* Read a whole regular file of at most max bytes (NUL-terminated copy). GTBT_E_IO when unreadable,
   GTBT_E_INVALID when not a regular file or too large. */
static int gtbt__ta_read_file(const char *path, size_t max, unsigned char **data, size_t *len)
{
    struct stat st;
    unsigned char *p;
    size_t n = 0, size;
    int fd = open(path, O_RDONLY | GTBT__O_CLOEXEC);
    *data = NULL;
    *len = 0;
    if (fd < 0) return GTBT_E_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > (uint64_t)max) {
        close(fd);
        return GTBT_E_INVALID;
    }
    size = (size_t)st.st_size;
    p = (unsigned char *)gtbt__malloc(size + 1);
    if (!p) { close(fd); return GTBT_E_NOMEM; }
    while (n < size) {
        ssize_t r = read(fd, p + n, size - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    p[n] = '\0';
    *data = p;
    *len = n;
    return GTBT_OK;
}

/* Parse a PEM bundle into trust anchors (RSA and EC keys). */
static int gtbt__ta_load(const char *path, gtbt__ta_list *l, const gtbt__log *lg)
{
    unsigned char *data;
    size_t n;
    int rc;
    memset(l, 0, sizeof *l);
    rc = gtbt__ta_read_file(path, GTBT__TLS_MAX_BUNDLE, &data, &n);
    if (rc == GTBT_E_NOMEM) return rc;
    if (rc != GTBT_OK) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: cannot read CA bundle %s (%s)", path,
                   rc == GTBT_E_IO ? strerror(errno) : "not a regular file or larger than 4 MiB");
        return GTBT_E_TLS;
    }
    rc = gtbt__pem_walk(data, n, gtbt__ta_on_pem, l);
    gtbt__free(data);
    if (rc == GTBT_OK && l->oom) rc = GTBT_E_NOMEM;
    if (rc == GTBT_E_INVALID && l->n > 0) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: CA bundle %s has malformed PEM after %lu certificates; using those",
                   path, (unsigned long)l->n);
        rc = GTBT_OK;
    }
    if (rc == GTBT_OK && l->n == 0) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: no usable certificate in CA bundle %s", path);
        rc = GTBT_E_TLS;
    }
    if (rc != GTBT_OK) gtbt__ta_list_free(l);
    return rc;
}

/* Cache lookup; the caller holds the global lock. */
static gtbt__ta_list *gtbt__ta_cache_find(const char *path)
{
    int i;
    for (i = 0; i < GTBT__TLS_CACHE_SLOTS; i++)
        if (gtbt__ta_cache[i].path && strcmp(gtbt__ta_cache[i].path, path) == 0) return &gtbt__ta_cache[i].list;
    return NULL;
}

/* Anchors of the bundle at path, parsed once per process (outside the lock: the lock is never held for I/O).
   When the cache is full, the fresh list goes to *owned and the caller frees it. */
static int gtbt__ta_get(const char *path, gtbt__ta_list *view, gtbt__ta_list *owned, const gtbt__log *lg)
{
    gtbt__ta_list fresh, *hit;
    char *key;
    int i, stored = 0, rc;
    gtbt__global_lock();
    hit = gtbt__ta_cache_find(path);
    if (hit) *view = *hit;
    gtbt__global_unlock();
    if (hit) return GTBT_OK;

    rc = gtbt__ta_load(path, &fresh, lg);
    if (rc != GTBT_OK) return rc;
    key = gtbt__strdup(path);
    gtbt__global_lock();
    hit = gtbt__ta_cache_find(path); /* another thread may have won the race */
    if (hit) *view = *hit;
    for (i = 0; !hit && key && i < GTBT__TLS_CACHE_SLOTS && !stored; i++) {
        if (gtbt__ta_cache[i].path) continue;
        gtbt__ta_cache[i].path = key;
        gtbt__ta_cache[i].list = fresh;
        stored = 1;
    }
    gtbt__global_unlock();
    if (stored) { *view = fresh; return GTBT_OK; }
    gtbt__free(key);
    if (hit) gtbt__ta_list_free(&fresh);
    else *view = *owned = fresh;
    return GTBT_OK;
}

/* Frees the process-wide anchor cache (for tests and leak checkers; no request may be running). */
static GTBT__UNUSED void gtbt__ta_cache_clear(void)
{
    int i;
    gtbt__global_lock();
    for (i = 0; i < GTBT__TLS_CACHE_SLOTS; i++) {
        gtbt__free(gtbt__ta_cache[i].path);
        gtbt__ta_list_free(&gtbt__ta_cache[i].list);
        gtbt__ta_cache[i].path = NULL;
    }
    gtbt__global_unlock();
}

/* Trust anchors: net->trust_anchors, else net->ca_file, else $SSL_CERT_FILE, else the first readable system bundle. */
static int gtbt__ta_select(const gtbt_net_desc *net, gtbt__ta_list *view, gtbt__ta_list *owned, const gtbt__log *lg)
{
    const char *path = NULL, *env = gtbt__getenv("SSL_CERT_FILE");
    size_t i;
    memset(view, 0, sizeof *view);
    if (net && net->trust_anchors && net->n_trust_anchors) {
        view->ta = (br_x509_trust_anchor *)net->trust_anchors; /* only ever read */
        view->n = net->n_trust_anchors;
        return GTBT_OK;
    }
    if (net && net->ca_file && *net->ca_file) path = net->ca_file;
    else if (env && *env) path = env;
    for (i = 0; !path && i < sizeof gtbt__ca_bundles / sizeof gtbt__ca_bundles[0]; i++)
        if (access(gtbt__ca_bundles[i], R_OK) == 0) path = gtbt__ca_bundles[i];
    if (!path) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: no CA bundle found (set gtbt_net_desc.ca_file or SSL_CERT_FILE)");
        return GTBT_E_TLS;
    }
    return gtbt__ta_get(path, view, owned, lg);
}

/* --- IP-literal hosts: BearSSL checks DNS names only, so an X.509 engine wrapper checks iPAddress SANs --- */

/* One DER TLV at *p: tag (low-tag-number form), value and length; advances *p. 0 or -1 when malformed. */
static int gtbt__der_tlv(const unsigned char **p, const unsigned char *end, unsigned *tag,
                         const unsigned char **val, size_t *len)
{
    const unsigned char *q = *p;
    size_t l, k;
    if (end - q < 2) return -1;
    *tag = *q++;
    if ((*tag & 0x1F) == 0x1F) return -1;
    l = *q++;
    if (l & 0x80) {
        k = l & 0x7F;
        if (k == 0 || k > 3 || (size_t)(end - q) < k) return -1;
        for (l = 0; k > 0; k--) l = (l << 8) | *q++;
    }
    if ((size_t)(end - q) < l) return -1;
    *val = q;
    *len = l;
    *p = q + l;
    return 0;
}

/* Enter a SEQUENCE (or any constructed TLV with tag want) at *p: [*p, *end) becomes its contents. */
static int gtbt__der_enter(const unsigned char **p, const unsigned char **end, unsigned want)
{
    const unsigned char *v;
    size_t l;
    unsigned tag;
    if (gtbt__der_tlv(p, *end, &tag, &v, &l) || tag != want) return -1;
    *p = v;
    *end = v + l;
    return 0;
}

/* The subjectAltName extension value (an OCTET STRING's contents) of a DER certificate; 0 when absent. */
static int gtbt__x509_find_san(const unsigned char *der, size_t n, const unsigned char **san, size_t *san_len)
{
    const unsigned char *p = der, *end = der + n, *v, *e, *x, *xe;
    size_t l;
    unsigned tag;
    if (gtbt__der_enter(&p, &end, 0x30) || gtbt__der_enter(&p, &end, 0x30)) return 0; /* Certificate, tbsCertificate */
    while (p < end) {
        if (gtbt__der_tlv(&p, end, &tag, &v, &l)) return 0;
        if (tag != 0xA3) continue; /* [3] extensions */
        e = v + l;
        if (gtbt__der_enter(&v, &e, 0x30)) return 0;
        while (v < e) {
            x = v;
            if (gtbt__der_tlv(&v, e, &tag, &x, &l) || tag != 0x30) return 0;
            xe = x + l;
            if (gtbt__der_tlv(&x, xe, &tag, san, san_len) || tag != 0x06) return 0;
            if (*san_len != 3 || memcmp(*san, "\x55\x1d\x11", 3) != 0) continue; /* 2.5.29.17 */
            if (gtbt__der_tlv(&x, xe, &tag, san, san_len)) return 0;
            if (tag == 0x01 && gtbt__der_tlv(&x, xe, &tag, san, san_len)) return 0; /* critical flag */
            return tag == 0x04;
        }
        return 0;
    }
    return 0;
}

/* Does the certificate list ip (4 or 16 bytes) as an iPAddress ([7]) subjectAltName? */
static int gtbt__x509_has_ip(const unsigned char *der, size_t n, const unsigned char *ip, size_t ip_len)
{
    const unsigned char *p, *end, *v;
    size_t l;
    unsigned tag;
    if (!gtbt__x509_find_san(der, n, &p, &l)) return 0;
    end = p + l;
    if (gtbt__der_enter(&p, &end, 0x30)) return 0; /* GeneralNames */
    while (p < end) {
        if (gtbt__der_tlv(&p, end, &tag, &v, &l)) return 0;
        if (tag == 0x87 && l == ip_len && memcmp(v, ip, ip_len) == 0) return 1;
    }
    return 0;
}

/* br_x509_class wrapper: forwards to br_x509_minimal, keeps the end-entity DER (bounded) and, once the
   chain validated, requires the IP address in its iPAddress SANs. */
typedef struct gtbt__x509_ip {
    const br_x509_class *vtable; /* first: BearSSL calls through it */
    const br_x509_class **inner;
    unsigned char ip[16];
    size_t ip_len, ee_len;
    int ncert, ee_too_big, mismatch;
    unsigned char ee[GTBT__TLS_MAX_EE_DER];
} gtbt__x509_ip;

static gtbt__x509_ip *gtbt__xip(const br_x509_class **ctx) { return (gtbt__x509_ip *)(void *)ctx; }

static void gtbt__xip_start_chain(const br_x509_class **ctx, const char *server_name)
{
    gtbt__x509_ip *x = gtbt__xip(ctx);
    x->ncert = 0;
    x->ee_len = 0;
    x->ee_too_big = x->mismatch = 0;
    (*x->inner)->start_chain(x->inner, server_name);
}

static void gtbt__xip_start_cert(const br_x509_class **ctx, uint32_t length)
{
    gtbt__x509_ip *x = gtbt__xip(ctx);
    x->ncert++;
    (*x->inner)->start_cert(x->inner, length);
}

static void gtbt__xip_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    gtbt__x509_ip *x = gtbt__xip(ctx);
    if (x->ncert == 1 && len > sizeof x->ee - x->ee_len) x->ee_too_big = 1;
    else if (x->ncert == 1) { memcpy(x->ee + x->ee_len, buf, len); x->ee_len += len; }
    (*x->inner)->append(x->inner, buf, len);
}

static void gtbt__xip_end_cert(const br_x509_class **ctx)
{
    gtbt__x509_ip *x = gtbt__xip(ctx);
    (*x->inner)->end_cert(x->inner);
}

static unsigned gtbt__xip_end_chain(const br_x509_class **ctx)
{
    gtbt__x509_ip *x = gtbt__xip(ctx);
    unsigned err = (*x->inner)->end_chain(x->inner);
    if (err) return err;
    if (x->ee_too_big || !gtbt__x509_has_ip(x->ee, x->ee_len, x->ip, x->ip_len)) {
        x->mismatch = 1;
        return BR_ERR_X509_BAD_SERVER_NAME;
    }
    return 0;
}

static const br_x509_pkey *gtbt__xip_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    const gtbt__x509_ip *x = (const gtbt__x509_ip *)(const void *)ctx;
    return (*x->inner)->get_pkey(x->inner, usages);
}

static const br_x509_class gtbt__xip_vtable = {
    sizeof(gtbt__x509_ip), gtbt__xip_start_chain, gtbt__xip_start_cert, gtbt__xip_append,
    gtbt__xip_end_cert, gtbt__xip_end_chain, gtbt__xip_get_pkey
};

/* --- the TLS connection --- */

struct gtbt__tls {
    br_ssl_client_context cc;   /* fresh per request */
    br_x509_minimal_context xc;
    gtbt__x509_ip xip;          /* used for IP-literal hosts only */
    gtbt__conn *c;
    int io_rc;                  /* transport failure seen while driving the engine */
    gtbt__ta_list owned;        /* anchors not in the cache (cache full), freed with the connection */
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static const char *gtbt__tls_strerror(int err)
{
    switch (err) {
    case BR_ERR_X509_EXPIRED: return "certificate expired or not yet valid";
    case BR_ERR_X509_NOT_TRUSTED: return "unknown CA (certificate chain not trusted)";
    case BR_ERR_X509_BAD_SERVER_NAME: return "host name mismatch";
    case BR_ERR_X509_NOT_CA: return "an issuer in the chain is not a CA";
    case BR_ERR_X509_EMPTY_CHAIN: return "server sent no certificate";
    case BR_ERR_X509_BAD_SIGNATURE: return "bad certificate signature";
    case BR_ERR_X509_WEAK_PUBLIC_KEY: return "certificate key too weak";
    case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "certificate key usage forbids TLS server use";
    case BR_ERR_X509_CRITICAL_EXTENSION: return "unsupported critical certificate extension";
    case BR_ERR_X509_TIME_UNKNOWN: return "current time unknown";
    case BR_ERR_X509_UNSUPPORTED: return "unsupported certificate algorithm";
    case BR_ERR_X509_LIMIT_EXCEEDED: return "certificate too large";
    case BR_ERR_UNSUPPORTED_VERSION: case BR_ERR_BAD_VERSION: return "unsupported protocol version, or not a TLS server (TLS 1.2 is the minimum)";
    case BR_ERR_BAD_CIPHER_SUITE: return "no common cipher suite";
    case BR_ERR_BAD_SIGNATURE: return "bad handshake signature";
    case BR_ERR_WRONG_KEY_USAGE: return "server key usage does not allow the cipher suite";
    case BR_ERR_BAD_MAC: return "bad record MAC";
    case BR_ERR_NO_RANDOM: return "no random source";
    case BR_ERR_IO: return "I/O error";
    case BR_ERR_BAD_LENGTH: case BR_ERR_UNKNOWN_TYPE: case BR_ERR_UNEXPECTED: case BR_ERR_BAD_HANDSHAKE:
    case BR_ERR_TOO_LARGE: return "protocol error (is the server speaking TLS?)";
    default: break;
    }
    if (err >= BR_ERR_SEND_FATAL_ALERT) return "fatal alert sent";
    if (err >= BR_ERR_RECV_FATAL_ALERT) return "fatal alert received from the server";
    if (err >= BR_ERR_X509_OK) return "certificate rejected";
    return "TLS failure";
}

/* The engine is closed: GTBT__TLS_EOF on a clean close, the transport error, or GTBT_E_TLS (logged). */
static int gtbt__tls_closed(gtbt__tls *t)
{
    int err = br_ssl_engine_last_error(&t->cc.eng);
    if (err == BR_ERR_OK) return GTBT__TLS_EOF;
    if (t->io_rc != GTBT_OK && err == BR_ERR_IO) return t->io_rc;
    if (t->xip.mismatch)
        gtbt__logf(t->c->lg, GTBT_LOG_WARN, "telemetry: TLS with %s failed: the certificate does not list that IP "
                   "address in its subjectAltName (BearSSL error %d)", t->c->where, err);
    else
        gtbt__logf(t->c->lg, GTBT_LOG_WARN, "telemetry: TLS with %s failed: %s (BearSSL error %d)", t->c->where,
                   gtbt__tls_strerror(err), err);
    return GTBT_E_TLS;
}

/* Drive the engine until one of the `want` states: GTBT_OK, GTBT__TLS_EOF, or an error.
   Same logic as BearSSL's br_sslio run_until, with deadline-bounded socket I/O. */
static int gtbt__tls_run(gtbt__tls *t, unsigned want)
{
    br_ssl_engine_context *e = &t->cc.eng;
    for (;;) {
        unsigned st = br_ssl_engine_current_state(e);
        unsigned char *buf;
        size_t len, got;
        int rc;
        if (st & BR_SSL_CLOSED) return gtbt__tls_closed(t);
        if (t->io_rc != GTBT_OK) return t->io_rc;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(e, &len);
            rc = gtbt__sock_write(t->c, buf, len);
            if (rc != GTBT_OK) return t->io_rc = rc;
            br_ssl_engine_sendrec_ack(e, len);
            continue;
        }
        if (st & want) return GTBT_OK;
        if (st & BR_SSL_RECVAPP) { /* data we did not ask for yet (the server answered before the request ended) */
            gtbt__logf(t->c->lg, GTBT_LOG_WARN, "telemetry: %s sent data before the request was complete", t->c->where);
            return t->io_rc = GTBT_E_NETWORK;
        }
        if (st & BR_SSL_RECVREC) {
            buf = br_ssl_engine_recvrec_buf(e, &len);
            rc = gtbt__sock_read(t->c, buf, len, &got);
            if (rc != GTBT_OK) return t->io_rc = rc;
            if (got == 0) return GTBT__TLS_EOF; /* TCP close without close_notify */
            br_ssl_engine_recvrec_ack(e, got);
            continue;
        }
        if (gtbt_now_ms() >= t->c->deadline) return t->io_rc = GTBT_E_TIMEOUT; /* last-resort guard, never spins */
        br_ssl_engine_flush(e, 0);
    }
}

static void gtbt__tls_set_time(br_x509_minimal_context *xc)
{
    int64_t s = gtbt__realtime_ns() / 1000000000;
    if (s > 0) br_x509_minimal_set_time(xc, (uint32_t)(s / 86400 + 719528), (uint32_t)(s % 86400)); /* days since 0 AD */
}

/* TLS 1.2 handshake over c->fd with chain validation, SNI and host name (or IP SAN) check. c owns the TLS
   state from the start (gtbt__conn_close frees it). Every failure except the deadline is GTBT_E_TLS. */
static int gtbt__tls_open(gtbt__conn *c, const gtbt__url *u, const gtbt_net_desc *net)
{
    gtbt__ta_list view;
    gtbt__tls *t = (gtbt__tls *)gtbt__malloc(sizeof *t);
    int rc;
    if (!t) return GTBT_E_NOMEM;
    memset(t, 0, sizeof *t);
    t->c = c;
    c->tls = t;
    rc = gtbt__ta_select(net, &view, &t->owned, c->lg);
    if (rc != GTBT_OK) return rc;
    br_ssl_client_init_full(&t->cc, &t->xc, view.ta, view.n);
    br_ssl_engine_set_versions(&t->cc.eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof t->iobuf, 1);
    gtbt__tls_set_time(&t->xc);
    if (u->host_is_ip) {
        t->xip.vtable = &gtbt__xip_vtable;
        t->xip.inner = &t->xc.vtable;
        t->xip.ip_len = (size_t)gtbt__ip_parse(u->host, t->xip.ip);
        br_ssl_engine_set_x509(&t->cc.eng, &t->xip.vtable);
    }
    if (!br_ssl_client_reset(&t->cc, u->host_is_ip ? NULL : u->host, 0)) {
        gtbt__tls_closed(t); /* logs BearSSL's reason (e.g. no random source) */
        return GTBT_E_TLS;
    }
    rc = gtbt__tls_run(t, BR_SSL_SENDAPP); /* SENDAPP appears once the handshake is complete */
    if (rc == GTBT__TLS_EOF)
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: %s closed the connection during the TLS handshake", c->where);
    if (rc == GTBT_OK || rc == GTBT_E_TIMEOUT || rc == GTBT_E_NOMEM) return rc;
    return GTBT_E_TLS;
}

static int gtbt__tls_write(gtbt__tls *t, const void *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    while (n > 0) {
        unsigned char *buf;
        size_t len;
        int rc = gtbt__tls_run(t, BR_SSL_SENDAPP);
        if (rc == GTBT__TLS_EOF) {
            gtbt__logf(t->c->lg, GTBT_LOG_WARN, "telemetry: %s closed the connection while sending", t->c->where);
            return GTBT_E_NETWORK;
        }
        if (rc != GTBT_OK) return rc;
        buf = br_ssl_engine_sendapp_buf(&t->cc.eng, &len);
        if (len > n) len = n;
        memcpy(buf, s, len);
        br_ssl_engine_sendapp_ack(&t->cc.eng, len);
        s += len;
        n -= len;
    }
    return GTBT_OK;
}

static int gtbt__tls_flush(gtbt__tls *t)
{
    int rc;
    br_ssl_engine_flush(&t->cc.eng, 0);
    rc = gtbt__tls_run(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
    return rc == GTBT__TLS_EOF ? GTBT_OK : rc; /* a close is seen by the next read */
}

/* Read application data; *got = 0 at the end of the stream. */
static int gtbt__tls_read(gtbt__tls *t, void *p, size_t cap, size_t *got)
{
    unsigned char *buf;
    size_t len;
    int rc = gtbt__tls_run(t, BR_SSL_RECVAPP);
    *got = 0;
    if (rc == GTBT__TLS_EOF) return GTBT_OK;
    if (rc != GTBT_OK) return rc;
    buf = br_ssl_engine_recvapp_buf(&t->cc.eng, &len);
    if (len > cap) len = cap;
    memcpy(p, buf, len);
    br_ssl_engine_recvapp_ack(&t->cc.eng, len);
    *got = len;
    return GTBT_OK;
}

static void gtbt__tls_free(gtbt__tls *t)
{
    gtbt__ta_list_free(&t->owned);
    gtbt__free(t);
}

#else /* !GTBT__TLS: https is refused, never downgraded */

static int gtbt__tls_open(gtbt__conn *c, const gtbt__url *u, const gtbt_net_desc *net)
{
    (void)u; (void)net;
    gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: https needs TLS, which this build left out (GTB_TELEMETRY_NO_TLS)");
    return GTBT_E_UNSUPPORTED;
}
static int gtbt__tls_write(gtbt__tls *t, const void *p, size_t n) { (void)t; (void)p; (void)n; return GTBT_E_UNSUPPORTED; }
static int gtbt__tls_flush(gtbt__tls *t) { (void)t; return GTBT_E_UNSUPPORTED; }
static int gtbt__tls_read(gtbt__tls *t, void *p, size_t cap, size_t *got)
{
    (void)t; (void)p; (void)cap;
    *got = 0;
    return GTBT_E_UNSUPPORTED;
}
static void gtbt__tls_free(gtbt__tls *t) { (void)t; }

#endif /* GTBT__TLS */

// >>http

#define GTBT__HTTP_MAX_HEADERS      (16 * 1024)    /* response header block limit */
#define GTBT__HTTP_MAX_BODY         (1024 * 1024)  /* read at most this much body, then stop */
#define GTBT__HTTP_MAX_HEADER_COUNT 128            /* header lines in one response head */
#define GTBT__HTTP_MAX_INTERIM      8              /* 1xx responses skipped before the final one */
#define GTBT__HTTP_MAX_CHUNK_LINE   1024           /* chunk-size line, extensions included */
#define GTBT__HTTP_IO_CHUNK         (16 * 1024)    /* read size */
#define GTBT__HTTP_DEFAULT_TIMEOUT  5000           /* ms, when net->timeout_ms is 0 */
#ifndef GTBT__RETRY_AFTER_MAX_MS                   /* may already be defined by the collector (same value) */
#define GTBT__RETRY_AFTER_MAX_MS    (24 * 60 * 60 * 1000)
#endif
#define GTBT__NO_PROXY_MAX          (64 * 1024)    /* bytes of NO_PROXY considered */

typedef struct gtbt__http_request {
    const char *url;                 /* http:// or https:// */
    const char *content_type;        /* e.g. "application/json"; may be NULL */
    const char *user_agent;          /* may be NULL: no User-Agent header */
    const gtbt_kv *headers; size_t n_headers;    /* extra headers (backend specific, e.g. DD-API-KEY) */
    const void *body; size_t body_len;
    const gtbt_net_desc *net;        /* may be NULL: defaults; net->headers are sent too */
    int64_t deadline_ms;             /* absolute, gtbt_now_ms() clock; 0 = none; min(deadline, now+timeout_ms) applies */
} gtbt__http_request;

typedef struct gtbt__http_response {
    int      status;                 /* 100..999; also set when the body then failed */
    int64_t  retry_after_ms;         /* from Retry-After (delta seconds or HTTP-date), capped at 24 h; -1 when absent/invalid */
    char    *body; size_t body_len;  /* NUL-terminated (never NULL on GTBT_OK), at most GTBT__HTTP_MAX_BODY */
    int      body_truncated;         /* 1 when the body was cut at GTBT__HTTP_MAX_BODY */
} gtbt__http_response;

/* --- connection: plain TCP or TLS over it --- */

static int gtbt__conn_read(gtbt__conn *c, void *p, size_t cap, size_t *got)
{
    return c->tls ? gtbt__tls_read(c->tls, p, cap, got) : gtbt__sock_read(c, p, cap, got);
}

static int gtbt__conn_write(gtbt__conn *c, const void *p, size_t n)
{
    return c->tls ? gtbt__tls_write(c->tls, p, n) : gtbt__sock_write(c, p, n);
}

static int gtbt__conn_flush(gtbt__conn *c) { return c->tls ? gtbt__tls_flush(c->tls) : GTBT_OK; }

static void gtbt__conn_close(gtbt__conn *c)
{
    if (c->tls) gtbt__tls_free(c->tls);
    if (c->fd >= 0) close(c->fd);
    c->tls = NULL;
    c->fd = -1;
}

/* --- Retry-After and classification --- */

static int64_t gtbt__http_days_from_civil(int64_t y, int m, int d) /* days since 1970-01-01 (proleptic Gregorian) */
{
    int64_t era, yoe, doy;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Digits only, length in [lo, hi]: the value, else -1. */
static int gtbt__http_digits(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s), i;
    int v = 0;
    if (n < lo || n > hi) return -1;
    for (i = 0; i < n; i++) {
        if (!gtbt__url_isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* HTTP-date (RFC 9110 5.6.7) as Unix ms, or -1: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
   RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994". */
static int64_t gtbt__parse_http_date(const char *s, size_t n)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    char tok[6][12];
    const char *d, *m, *y, *tm, *hit;
    size_t nt = 0, i = 0, l;
    int day, mon, year, hh, mi, ss;
    while (i < n) { /* tokens separated by spaces, commas and dashes */
        if (s[i] == ' ' || s[i] == ',' || s[i] == '-') { i++; continue; }
        if (nt == 6) return -1;
        for (l = 0; i < n && s[i] != ' ' && s[i] != ',' && s[i] != '-'; i++, l++) {
            if (l >= sizeof tok[0] - 1) return -1;
            tok[nt][l] = s[i];
        }
        tok[nt++][l] = '\0';
    }
    if (nt == 6 && strcmp(tok[5], "GMT") == 0) { d = tok[1]; m = tok[2]; y = tok[3]; tm = tok[4]; }
    else if (nt == 5) { m = tok[1]; d = tok[2]; tm = tok[3]; y = tok[4]; }
    else return -1;
    for (i = 0; tok[0][i]; i++) if (!gtbt__url_isalpha((unsigned char)tok[0][i])) return -1; /* day name */
    hit = strlen(m) == 3 ? strstr(months, m) : NULL;
    if (!hit || (hit - months) % 3) return -1;
    mon = (int)((hit - months) / 3) + 1;
    day = gtbt__http_digits(d, 1, 2);
    year = strlen(y) == 2 ? gtbt__http_digits(y, 2, 2) : gtbt__http_digits(y, 4, 4);
    if (year >= 0 && strlen(y) == 2) year += year < 70 ? 2000 : 1900;
    if (strlen(tm) != 8 || tm[2] != ':' || tm[5] != ':') return -1;
    hh = (tm[0] - '0') * 10 + (tm[1] - '0');
    mi = (tm[3] - '0') * 10 + (tm[4] - '0');
    ss = (tm[6] - '0') * 10 + (tm[7] - '0');
    for (i = 0; i < 8; i++) if (i != 2 && i != 5 && !gtbt__url_isdigit((unsigned char)tm[i])) return -1;
    if (year < 0 || day < 1 || day > mdays[mon - 1] || hh > 23 || mi > 59 || ss > 60) return -1;
    if (mon == 2 && day == 29 && (year % 4 != 0 || (year % 100 == 0 && year % 400 != 0))) return -1;
    return (gtbt__http_days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 + ss) * 1000;
}

/* Retry-After value: delta seconds or an HTTP-date, as ms from now, clamped to [0, 24 h]; -1 when invalid. */
static GTBT__UNUSED int64_t gtbt__parse_retry_after(const char *v, int64_t now_unix_ms)
{
    const char *s, *e;
    int64_t t = 0;
    if (!v) return -1;
    for (s = v; *s == ' ' || *s == '\t'; s++) {}
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--) {}
    if (s == e) return -1;
    if (gtbt__url_isdigit((unsigned char)*s)) {
        for (; s < e; s++) {
            if (!gtbt__url_isdigit((unsigned char)*s)) return -1;
            if (t <= GTBT__RETRY_AFTER_MAX_MS / 1000) t = t * 10 + (*s - '0'); /* stops growing past the cap */
        }
        t *= 1000;
    } else {
        t = gtbt__parse_http_date(s, (size_t)(e - s));
        if (t < 0) return -1;
        t -= now_unix_ms;
        if (t < 0) t = 0;
    }
    return t > GTBT__RETRY_AFTER_MAX_MS ? GTBT__RETRY_AFTER_MAX_MS : t;
}

/* GTBT_OK for 2xx; GTBT_E_HTTP_RETRY for 408, 429, 500, 502, 503, 504 (OTLP: 429, 502, 503, 504 only);
   GTBT_E_HTTP_REJECT for everything else (1xx, 3xx, other 4xx and 5xx). */
static GTBT__UNUSED int gtbt__http_classify(int status, int otlp)
{
    if (status >= 200 && status <= 299) return GTBT_OK;
    switch (status) {
    case 408: case 500: return otlp ? GTBT_E_HTTP_REJECT : GTBT_E_HTTP_RETRY;
    case 429: case 502: case 503: case 504: return GTBT_E_HTTP_RETRY;
    default: return GTBT_E_HTTP_REJECT;
    }
}

/* --- response head --- */

static int gtbt__http_tchar(int c)
{
    return gtbt__url_isalpha(c) || gtbt__url_isdigit(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int gtbt__http_is_token(const char *s, size_t n)
{
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++) if (!gtbt__http_tchar((unsigned char)s[i])) return 0;
    return 1;
}

/* Next line of [p, p+n) from *pos without its LF or CRLF; 0 when no complete line is left. */
static int gtbt__http_next_line(const char *p, size_t n, size_t *pos, const char **line, size_t *len)
{
    const char *s = p + *pos, *lf = (const char *)memchr(s, '\n', n - *pos);
    size_t l;
    if (!lf) return 0;
    l = (size_t)(lf - s);
    *pos += l + 1;
    if (l > 0 && s[l - 1] == '\r') l--;
    *line = s;
    *len = l;
    return 1;
}

/* "HTTP/1.x NNN[ reason]" */
static int gtbt__http_status_line(const char *s, size_t n, int *status)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !gtbt__url_isdigit((unsigned char)s[7]) || s[8] != ' ') return -1;
    if (!gtbt__url_isdigit((unsigned char)s[9]) || !gtbt__url_isdigit((unsigned char)s[10]) ||
        !gtbt__url_isdigit((unsigned char)s[11]) || (n > 12 && s[12] != ' '))
        return -1;
    *status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return *status >= 100 ? 0 : -1;
}

static int gtbt__http_name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && gtbt__ascii_ncasecmp(name, want, n) == 0;
}

/* Content-Length: digits only; a repeated header must agree. */
static int gtbt__http_content_length(const char *v, size_t n, int64_t *clen)
{
    int64_t x = 0;
    size_t i;
    if (n == 0 || n > 18) return -1;
    for (i = 0; i < n; i++) {
        if (!gtbt__url_isdigit((unsigned char)v[i])) return -1;
        x = x * 10 + (v[i] - '0');
    }
    if (*clen >= 0 && *clen != x) return -1;
    *clen = x;
    return 0;
}

/* Is "chunked" the last coding of a Transfer-Encoding list? */
static int gtbt__http_te_chunked(const char *v, size_t n)
{
    size_t b = n;
    while (b > 0 && v[b - 1] != ',') b--;
    while (b < n && (v[b] == ' ' || v[b] == '\t')) b++;
    return n - b == 7 && gtbt__ascii_ncasecmp(v + b, "chunked", 7) == 0;
}

/* Parse a complete response head (status line, header lines, blank line) of at most GTBT__HTTP_MAX_HEADERS:
   GTBT_OK or GTBT_E_NETWORK (malformed: bad status line, folded line, NUL or stray CR, bad header name,
   Content-Length that is not a number or disagrees with another, too many headers, no blank line).
   *content_length is -1 when absent or when Transfer-Encoding is present; *chunked when chunked is the last coding. */
static GTBT__UNUSED int gtbt__http_parse_head(const char *p, size_t n, int *status, int64_t *retry_after_ms,
                                              int64_t *content_length, int *chunked)
{
    const char *line, *v, *ve, *colon;
    size_t pos = 0, len, count = 0;
    int st = 0, te = 0, ch = 0, ended = 0;
    int64_t clen = -1, ra = -1;
    if (!p || n > GTBT__HTTP_MAX_HEADERS || !gtbt__http_next_line(p, n, &pos, &line, &len) ||
        memchr(line, '\0', len) || memchr(line, '\r', len) || gtbt__http_status_line(line, len, &st))
        return GTBT_E_NETWORK;
    while (gtbt__http_next_line(p, n, &pos, &line, &len)) {
        if (len == 0) { ended = 1; break; }
        if (++count > GTBT__HTTP_MAX_HEADER_COUNT || line[0] == ' ' || line[0] == '\t') return GTBT_E_NETWORK; /* folding */
        if (memchr(line, '\0', len) || memchr(line, '\r', len)) return GTBT_E_NETWORK;
        colon = (const char *)memchr(line, ':', len);
        if (!colon || !gtbt__http_is_token(line, (size_t)(colon - line))) return GTBT_E_NETWORK;
        for (v = colon + 1; v < line + len && (*v == ' ' || *v == '\t'); v++) {}
        for (ve = line + len; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--) {}
        if (gtbt__http_name_is(line, (size_t)(colon - line), "content-length")) {
            if (gtbt__http_content_length(v, (size_t)(ve - v), &clen)) return GTBT_E_NETWORK;
        } else if (gtbt__http_name_is(line, (size_t)(colon - line), "transfer-encoding")) {
            te = 1;
            ch = gtbt__http_te_chunked(v, (size_t)(ve - v));
        } else if (gtbt__http_name_is(line, (size_t)(colon - line), "retry-after") && ra < 0 && ve - v < 64) {
            char tmp[64];
            memcpy(tmp, v, (size_t)(ve - v));
            tmp[ve - v] = '\0';
            ra = gtbt__parse_retry_after(tmp, gtbt__realtime_ns() / 1000000);
        }
    }
    if (!ended) return GTBT_E_NETWORK;
    *status = st;
    *retry_after_ms = ra;
    *content_length = te ? -1 : clen; /* Transfer-Encoding wins over Content-Length */
    *chunked = ch;
    return GTBT_OK;
}

/* Length of the head in [p, p+n) up to and including its blank line, or 0 when not complete yet.
   *scanned remembers where to resume. */
static size_t gtbt__http_head_end(const char *p, size_t n, size_t *scanned)
{
    size_t i;
    for (i = *scanned; i < n; i++) {
        if (p[i] != '\n') continue;
        if (i + 1 < n && p[i + 1] == '\n') return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
        if (i + 2 >= n) break; /* cannot decide yet */
    }
    *scanned = i;
    return 0;
}

/* --- chunked transfer coding: an incremental decoder (exposed for fuzzing) --- */

enum { GTBT__CH_SIZE, GTBT__CH_DATA, GTBT__CH_DATA_END, GTBT__CH_TRAILER, GTBT__CH_DONE };

typedef struct gtbt__chunked {
    int state;
    int cr;              /* a CR was seen: only LF may follow */
    int ext;             /* inside chunk extensions */
    int ws;              /* whitespace after the size digits */
    int ndigits;
    uint64_t left;       /* bytes left in the current chunk */
    size_t line;         /* bytes of the current size or trailer line */
    size_t trailers;     /* bytes of all trailer lines */
} gtbt__chunked;

/* One byte of a chunk-size line "HEX [ws] [; ext]": 0 or -1 when malformed. */
static int gtbt__chunked_size_byte(gtbt__chunked *c, int ch)
{
    int h = gtbt__url_hexval(ch);
    if (++c->line > GTBT__HTTP_MAX_CHUNK_LINE) return -1;
    if (c->ext) return ch >= 0x20 || ch == '\t' ? 0 : -1;
    if (h >= 0 && !c->ws) {
        if (++c->ndigits > 15) return -1; /* < 2^60 */
        c->left = c->left * 16 + (uint64_t)h;
        return 0;
    }
    if (c->ndigits == 0) return -1;
    if (ch == ' ' || ch == '\t') { c->ws = 1; return 0; }
    if (ch == ';') { c->ext = 1; return 0; }
    return -1;
}

/* End of a size line (LF seen). */
static int gtbt__chunked_size_end(gtbt__chunked *c)
{
    if (c->ndigits == 0) return -1;
    c->state = c->left ? GTBT__CH_DATA : GTBT__CH_TRAILER;
    c->line = 0;
    c->ndigits = c->ext = c->ws = 0;
    return 0;
}

/* Feed raw bytes p[0..n). Decodes in place: chunk data is moved to p[0..*out). Returns 1 once the last chunk
   and trailers ended (*used = bytes consumed; the rest is not part of the body), 0 when more input is
   needed (*used = n), -1 when malformed. Bare LF line ends are accepted. */
static GTBT__UNUSED int gtbt__chunked_feed(gtbt__chunked *c, char *p, size_t n, size_t *out, size_t *used)
{
    size_t i = 0, o = 0;
    int bad = 0;
    while (i < n && c->state != GTBT__CH_DONE && !bad) {
        int ch = (unsigned char)p[i];
        if (c->state == GTBT__CH_DATA) {
            size_t k = n - i;
            if ((uint64_t)k > c->left) k = (size_t)c->left;
            memmove(p + o, p + i, k);
            o += k;
            i += k;
            c->left -= k;
            if (c->left == 0) c->state = GTBT__CH_DATA_END;
            continue;
        }
        i++;
        if (ch == '\r' && !c->cr) { c->cr = 1; continue; }
        if (c->cr && ch != '\n') { bad = 1; continue; }
        c->cr = 0;
        if (c->state == GTBT__CH_DATA_END) { /* the CRLF after chunk data */
            if (ch != '\n') bad = 1;
            else c->state = GTBT__CH_SIZE;
        } else if (c->state == GTBT__CH_SIZE) {
            bad = ch == '\n' ? gtbt__chunked_size_end(c) : gtbt__chunked_size_byte(c, ch);
        } else if (ch == '\n') { /* trailer section: ends at an empty line */
            if (c->line == 0) c->state = GTBT__CH_DONE;
            c->line = 0;
        } else {
            c->line++;
            if (ch == 0 || ++c->trailers > GTBT__HTTP_MAX_HEADERS) bad = 1;
        }
    }
    *out = o;
    *used = i;
    if (bad) return -1;
    return c->state == GTBT__CH_DONE;
}

/* --- response body --- */

enum { GTBT__BODY_NONE, GTBT__BODY_LENGTH, GTBT__BODY_CHUNKED, GTBT__BODY_CLOSE };

typedef struct gtbt__body {
    int mode;
    int64_t left;        /* LENGTH: bytes still expected */
    gtbt__chunked ch;
    gtbt__buf out;       /* at most GTBT__HTTP_MAX_BODY */
    int truncated;
} gtbt__body;

static void gtbt__body_keep(gtbt__body *b, const char *p, size_t n)
{
    size_t room = GTBT__HTTP_MAX_BODY - b->out.len;
    if (n > room) { n = room; b->truncated = 1; }
    if (n) gtbt__buf_put(&b->out, p, n);
}

/* Raw body bytes (modified in place): 1 when the body is complete (or cut at the limit), 0 for more, -1 malformed. */
static int gtbt__body_feed(gtbt__body *b, char *p, size_t n)
{
    size_t k = n, used;
    int r = 0;
    if (b->mode == GTBT__BODY_LENGTH) {
        if ((int64_t)k > b->left) k = (size_t)b->left;
        b->left -= (int64_t)k;
        r = b->left == 0;
    } else if (b->mode == GTBT__BODY_CHUNKED) {
        r = gtbt__chunked_feed(&b->ch, p, n, &k, &used);
    }
    if (r >= 0) gtbt__body_keep(b, p, k);
    return r < 0 ? -1 : (r || b->truncated);
}

static int gtbt__http_read_body(gtbt__conn *c, gtbt__body *b, char *first, size_t n, char *io)
{
    size_t got;
    int r = 0, rc;
    if (b->mode == GTBT__BODY_NONE || (b->mode == GTBT__BODY_LENGTH && b->left == 0)) return GTBT_OK;
    if (n) r = gtbt__body_feed(b, first, n);
    while (r == 0) {
        rc = gtbt__conn_read(c, io, GTBT__HTTP_IO_CHUNK, &got);
        if (rc != GTBT_OK) return rc;
        if (got == 0 && b->mode == GTBT__BODY_CLOSE) break;
        if (got == 0) {
            gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: %s closed the connection in the middle of the body", c->where);
            return GTBT_E_NETWORK;
        }
        r = gtbt__body_feed(b, io, got);
    }
    if (r < 0) {
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: malformed chunked body from %s", c->where);
        return GTBT_E_NETWORK;
    }
    return b->out.oom ? GTBT_E_NOMEM : GTBT_OK;
}

/* Read until a complete head is in `in` (bytes past it stay: the start of the body). */
static int gtbt__http_read_head(gtbt__conn *c, gtbt__buf *in, char *io, size_t *head_len)
{
    size_t scanned = 0, got, end;
    int rc;
    for (;;) {
        end = in->len ? gtbt__http_head_end(in->p, in->len, &scanned) : 0;
        if (end > GTBT__HTTP_MAX_HEADERS || (!end && in->len >= GTBT__HTTP_MAX_HEADERS)) {
            gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: response head from %s exceeds 16 KiB", c->where);
            return GTBT_E_NETWORK;
        }
        if (end) { *head_len = end; return GTBT_OK; }
        rc = gtbt__conn_read(c, io, GTBT__HTTP_IO_CHUNK, &got);
        if (rc != GTBT_OK) return rc;
        if (got == 0) {
            gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: %s closed the connection before a complete response head", c->where);
            return GTBT_E_NETWORK;
        }
        gtbt__buf_put(in, io, got);
        if (in->oom) return GTBT_E_NOMEM;
    }
}

/* Read a head (skipping interim 1xx ones) into `in`; *head_len is the final head's length. */
static int gtbt__http_read_final_head(gtbt__conn *c, gtbt__buf *in, char *io, size_t *head_len, int *status,
                                      int64_t *retry_after_ms, int64_t *clen, int *chunked)
{
    int i, rc;
    for (i = 0;; i++) {
        rc = gtbt__http_read_head(c, in, io, head_len);
        if (rc != GTBT_OK) return rc;
        if (gtbt__http_parse_head(in->p, *head_len, status, retry_after_ms, clen, chunked) != GTBT_OK) {
            gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: malformed response head from %s", c->where);
            return GTBT_E_NETWORK;
        }
        if (*status >= 200) return GTBT_OK;
        if (*status == 101 || i >= GTBT__HTTP_MAX_INTERIM) {
            gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: unexpected HTTP %d from %s", *status, c->where);
            return GTBT_E_NETWORK;
        }
        memmove(in->p, in->p + *head_len, in->len - *head_len + 1); /* drop the 1xx head (and keep the NUL) */
        in->len -= *head_len;
    }
}

static int gtbt__http_read_response(gtbt__conn *c, gtbt__http_response *rs)
{
    gtbt__buf in;
    gtbt__body b;
    size_t head_len = 0;
    int64_t clen = -1;
    int chunked = 0, rc;
    char *io = (char *)gtbt__malloc(GTBT__HTTP_IO_CHUNK);
    memset(&in, 0, sizeof in);
    memset(&b, 0, sizeof b);
    if (!io) return GTBT_E_NOMEM;
    rc = gtbt__http_read_final_head(c, &in, io, &head_len, &rs->status, &rs->retry_after_ms, &clen, &chunked);
    if (rc == GTBT_OK) {
        b.mode = chunked ? GTBT__BODY_CHUNKED : clen >= 0 ? GTBT__BODY_LENGTH : GTBT__BODY_CLOSE;
        if (rs->status == 204 || rs->status == 304) b.mode = GTBT__BODY_NONE;
        b.left = clen;
        rc = gtbt__http_read_body(c, &b, in.p + head_len, in.len - head_len, io);
    }
    if (rc == GTBT_OK) {
        rs->body = b.out.p ? b.out.p : gtbt__strdup(""); /* never NULL */
        rs->body_len = b.out.len;
        rs->body_truncated = b.truncated;
        if (!rs->body) rc = GTBT_E_NOMEM;
    } else {
        gtbt__buf_free(&b.out);
    }
    gtbt__buf_free(&in);
    gtbt__free(io);
    return rc;
}

/* --- proxy --- */

/* An IP or a name: IPs compare as addresses, names case-insensitively as the host or a parent domain. */
static int gtbt__host_match(const char *pat, const char *host)
{
    unsigned char a[16], b[16];
    size_t pl = strlen(pat), hl = strlen(host);
    int fa = gtbt__ip_parse(pat, a), fb = gtbt__ip_parse(host, b);
    if (fa || fb) return fa == fb && memcmp(a, b, (size_t)fa) == 0;
    if (pl == 0) return 0;
    if (gtbt__ascii_casecmp(pat, host) == 0) return 1;
    return hl > pl && host[hl - pl - 1] == '.' && gtbt__ascii_casecmp(host + hl - pl, pat) == 0;
}

/* One NO_PROXY entry [s, s+n): "*", "host", ".domain", "*.domain", "1.2.3.4", "::1", "[::1]", each with an optional
   ":port" (IPv6 with a port needs brackets). A leading "." or "*." is dropped: the domain and its subdomains match. */
static int gtbt__no_proxy_entry(const char *s, size_t n, const char *host, int port)
{
    char h[256];
    const char *hs, *ps = NULL, *c1;
    size_t hn, pn = 0;
    int eport = 0;
    while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    hs = s;
    hn = n;
    if (n == 0) return 0;
    if (n == 1 && *s == '*') return 1;
    if (*s == '[') {
        const char *rb = (const char *)memchr(s, ']', n);
        if (!rb) return 0;
        hs = s + 1;
        hn = (size_t)(rb - hs);
        if (rb + 1 < s + n) {
            if (rb[1] != ':') return 0;
            ps = rb + 2;
            pn = (size_t)(s + n - ps);
        }
    } else if ((c1 = (const char *)memchr(s, ':', n)) != NULL && !memchr(c1 + 1, ':', (size_t)(s + n - c1 - 1))) {
        hn = (size_t)(c1 - s); /* exactly one colon: host:port (more colons: a bare IPv6 literal) */
        ps = c1 + 1;
        pn = (size_t)(s + n - ps);
    }
    if (ps && (gtbt__url_port(ps, pn, 0, &eport) != GTBT_OK || eport != port)) return 0;
    if (hn >= 2 && hs[0] == '*' && hs[1] == '.') hs += 2, hn -= 2;
    else if (hn >= 1 && hs[0] == '.') hs++, hn--;
    if (hn == 0 || hn >= sizeof h) return 0;
    memcpy(h, hs, hn);
    h[hn] = '\0';
    return gtbt__host_match(h, host);
}

/* Does a comma-separated NO_PROXY list cover host:port? */
static GTBT__UNUSED int gtbt__no_proxy_match(const char *list, const char *host, int port)
{
    const char *p = list, *e;
    while (p && *p && (size_t)(p - list) < GTBT__NO_PROXY_MAX) {
        e = p + strcspn(p, ",");
        if (gtbt__no_proxy_entry(p, (size_t)(e - p), host, port)) return 1;
        p = *e ? e + 1 : e;
    }
    return 0;
}

/* localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z): never proxied through the environment (as Go's net/http). */
static int gtbt__host_is_loopback(const char *host)
{
    static const unsigned char lo6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    unsigned char a[16];
    int n = gtbt__ip_parse(host, a);
    if (n == 4) return a[0] == 127;
    if (n == 16) return memcmp(a, lo6, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
    return gtbt__ascii_casecmp(host, "localhost") == 0;
}

/* A proxy URL (never logged: it may hold credentials); "host:port" without a scheme means http://. */
static int gtbt__proxy_parse(const char *v, const char *from, gtbt__url *proxy, int *use, const gtbt__log *lg)
{
    char tmp[GTBT__URL_MAX + 8];
    if (!strstr(v, "://") && strlen(v) <= GTBT__URL_MAX) {
        snprintf(tmp, sizeof tmp, "http://%s", v);
        v = tmp;
    }
    if (gtbt__url_parse(v, proxy) != GTBT_OK) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: the proxy in %s is not a valid http://host:port URL "
                   "(proxy credentials are not supported)", from);
        return GTBT_E_INVALID;
    }
    if (proxy->tls) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: the proxy in %s uses https://, which is not supported; "
                   "use an http:// proxy (https targets are still tunnelled with TLS)", from);
        return GTBT_E_UNSUPPORTED;
    }
    *use = 1;
    return GTBT_OK;
}

/* The proxy for target: net->proxy when set ("" = none), else HTTPS_PROXY/https_proxy (https targets) or
   HTTP_PROXY/http_proxy, unless the target is loopback or matches NO_PROXY/no_proxy. *use = 0: direct. */
static GTBT__UNUSED int gtbt__proxy_select(const gtbt__url *target, const gtbt_net_desc *net, gtbt__url *proxy,
                                           int *use, const gtbt__log *lg)
{
    const char *name = target->tls ? "HTTPS_PROXY" : "HTTP_PROXY", *v, *np;
    *use = 0;
    if (net && net->proxy) return *net->proxy ? gtbt__proxy_parse(net->proxy, "gtbt_net_desc.proxy", proxy, use, lg) : GTBT_OK;
    v = gtbt__getenv(name);
    if (!v || !*v) {
        name = target->tls ? "https_proxy" : "http_proxy";
        v = gtbt__getenv(name);
    }
    if (!v || !*v || gtbt__host_is_loopback(target->host)) return GTBT_OK;
    np = gtbt__getenv("NO_PROXY");
    if (!np || !*np) np = gtbt__getenv("no_proxy");
    if (np && gtbt__no_proxy_match(np, target->host, target->port)) return GTBT_OK;
    return gtbt__proxy_parse(v, name, proxy, use, lg);
}

/* "CONNECT host:port" through the proxy already connected on c; a 2xx answer opens the tunnel. */
static int gtbt__proxy_tunnel(gtbt__conn *c, const gtbt__url *target)
{
    char auth[300];
    gtbt__buf req, in;
    size_t head_len = 0;
    int64_t ra, clen;
    int status = 0, chunked, rc;
    char *io = (char *)gtbt__malloc(GTBT__HTTP_IO_CHUNK);
    memset(&req, 0, sizeof req);
    memset(&in, 0, sizeof in);
    gtbt__url_authority(target, auth, sizeof auth);
    gtbt__buf_puts(&req, "CONNECT ");
    gtbt__buf_puts(&req, auth);
    gtbt__buf_puts(&req, " HTTP/1.1\r\nHost: ");
    gtbt__buf_puts(&req, auth);
    gtbt__buf_puts(&req, "\r\n\r\n");
    rc = !io || req.oom ? GTBT_E_NOMEM : gtbt__sock_write(c, req.p, req.len);
    if (rc == GTBT_OK) rc = gtbt__http_read_head(c, &in, io, &head_len);
    if (rc == GTBT_OK && gtbt__http_parse_head(in.p, head_len, &status, &ra, &clen, &chunked) != GTBT_OK) {
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: malformed answer from the proxy to CONNECT %s", auth);
        rc = GTBT_E_NETWORK;
    }
    if (rc == GTBT_OK && (status < 200 || status > 299)) {
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: the proxy refused CONNECT %s: HTTP %d", auth, status);
        rc = GTBT_E_NETWORK;
    }
    if (rc == GTBT_OK && in.len != head_len) { /* the target speaks only after our request */
        gtbt__logf(c->lg, GTBT_LOG_WARN, "telemetry: the proxy sent unexpected data after CONNECT %s", auth);
        rc = GTBT_E_NETWORK;
    }
    gtbt__buf_free(&req);
    gtbt__buf_free(&in);
    gtbt__free(io);
    return rc;
}

/* --- request --- */

/* Header values: no CR, LF or other control characters except tab. */
static int gtbt__http_value_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7F) return 0;
    }
    return 1;
}

/* Extra headers: token names, clean values, and none of the headers this client writes itself. */
static int gtbt__http_check_headers(const gtbt_kv *h, size_t n, const gtbt__log *lg)
{
    static const char *const own[] = { "host", "content-length", "transfer-encoding", "connection" };
    size_t i, k;
    if (n && !h) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) {
        if (!h[i].key || !h[i].value || !gtbt__http_is_token(h[i].key, strlen(h[i].key)) || !gtbt__http_value_ok(h[i].value)) {
            gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: extra header #%lu is invalid (the name must be a token, the value "
                       "must not contain CR, LF or control characters)", (unsigned long)i);
            return GTBT_E_INVALID;
        }
        for (k = 0; k < sizeof own / sizeof own[0]; k++) {
            if (gtbt__ascii_casecmp(h[i].key, own[k]) == 0) {
                gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: extra header %s is set by the HTTP client itself", h[i].key);
                return GTBT_E_INVALID;
            }
        }
    }
    return GTBT_OK;
}

static void gtbt__http_put_header(gtbt__buf *b, const char *name, const char *value)
{
    gtbt__buf_puts(b, name);
    gtbt__buf_puts(b, ": ");
    gtbt__buf_puts(b, value);
    gtbt__buf_puts(b, "\r\n");
}

/* Validate the request and build its head into b. */
static int gtbt__http_prepare(const gtbt__http_request *rq, gtbt__url *u, gtbt__buf *b, const gtbt__log *lg)
{
    const gtbt_net_desc *net = rq->net;
    char len[32];
    size_t i;
    int rc;
    if (gtbt__url_parse(rq->url, u) != GTBT_OK) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: invalid endpoint URL (http:// or https://, at most 2048 bytes, "
                   "no credentials, spaces or control characters)");
        return GTBT_E_INVALID;
    }
    if ((rq->body_len && !rq->body) || (rq->user_agent && !gtbt__http_value_ok(rq->user_agent)) ||
        (rq->content_type && !gtbt__http_value_ok(rq->content_type))) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: invalid request (body, User-Agent or Content-Type)");
        return GTBT_E_INVALID;
    }
    rc = gtbt__http_check_headers(rq->headers, rq->n_headers, lg);
    if (rc == GTBT_OK && net) rc = gtbt__http_check_headers(net->headers, net->n_headers, lg);
    if (rc != GTBT_OK) return rc;
    gtbt__buf_puts(b, "POST ");
    gtbt__buf_puts(b, u->path);
    gtbt__buf_puts(b, " HTTP/1.1\r\n");
    gtbt__http_put_header(b, "Host", u->hostport);
    if (rq->user_agent) gtbt__http_put_header(b, "User-Agent", rq->user_agent);
    if (rq->content_type) gtbt__http_put_header(b, "Content-Type", rq->content_type);
    snprintf(len, sizeof len, "%lu", (unsigned long)rq->body_len);
    gtbt__http_put_header(b, "Content-Length", len);
    gtbt__http_put_header(b, "Connection", "close");
    for (i = 0; i < rq->n_headers; i++) gtbt__http_put_header(b, rq->headers[i].key, rq->headers[i].value);
    for (i = 0; net && i < net->n_headers; i++) gtbt__http_put_header(b, net->headers[i].key, net->headers[i].value);
    gtbt__buf_puts(b, "\r\n");
    return b->oom ? GTBT_E_NOMEM : GTBT_OK;
}

static int64_t gtbt__http_deadline(const gtbt__http_request *rq)
{
    int64_t timeout = rq->net && rq->net->timeout_ms > 0 ? rq->net->timeout_ms : GTBT__HTTP_DEFAULT_TIMEOUT;
    int64_t d = gtbt_now_ms() + timeout;
    return rq->deadline_ms > 0 && rq->deadline_ms < d ? rq->deadline_ms : d;
}

/* TCP to the target or the proxy, the CONNECT tunnel, then TLS for https. */
static int gtbt__http_open(gtbt__conn *c, const gtbt__url *target, const gtbt__url *proxy, const gtbt_net_desc *net)
{
    int rc = proxy ? gtbt__sock_connect(c, "proxy", proxy->host, proxy->host_is_ip, proxy->port)
                   : gtbt__sock_connect(c, "host", target->host, target->host_is_ip, target->port);
    if (rc == GTBT_OK && proxy) rc = gtbt__proxy_tunnel(c, target);
    if (rc == GTBT_OK && target->tls) rc = gtbt__tls_open(c, target, net);
    return rc;
}

/* POST rq->body to rq->url and read the answer. GTBT_OK once a final status line and headers arrived and the
   body was read (whatever the status; cut at GTBT__HTTP_MAX_BODY is still OK). Errors: GTBT_E_INVALID,
   GTBT_E_UNSUPPORTED (https without TLS, https proxy), GTBT_E_NETWORK (resolve, connect, reset, malformed
   response, body ended early), GTBT_E_TIMEOUT, GTBT_E_TLS, GTBT_E_NOMEM. rs->status is set whenever a head
   arrived, even if the body then failed. Header values are never logged. */
static GTBT__UNUSED int gtbt__http_post(const gtbt__http_request *rq, gtbt__http_response *rs, const gtbt__log *lg)
{
    gtbt__url target, proxy;
    gtbt__buf req;
    gtbt__conn c;
    int rc, use_proxy = 0;
    memset(&req, 0, sizeof req);
    memset(&c, 0, sizeof c);
    c.fd = -1;
    c.lg = lg;
    if (!rs) return GTBT_E_INVALID;
    memset(rs, 0, sizeof *rs);
    rs->retry_after_ms = -1;
    if (!rq) return GTBT_E_INVALID;
    rc = gtbt__http_prepare(rq, &target, &req, lg);
    if (rc == GTBT_OK) gtbt__url_authority(&target, c.where, sizeof c.where);
    if (rc == GTBT_OK) rc = gtbt__proxy_select(&target, rq->net, &proxy, &use_proxy, lg);
    if (rc == GTBT_OK && target.tls && !GTBT__TLS) /* TLS compiled out: refuse https before connecting */
        rc = gtbt__tls_open(&c, &target, rq->net);     /* the stub logs and returns GTBT_E_UNSUPPORTED */
    if (rc == GTBT_OK) {
        c.deadline = gtbt__http_deadline(rq);
        rc = gtbt__http_open(&c, &target, use_proxy ? &proxy : NULL, rq->net);
    }
    if (rc == GTBT_OK) rc = gtbt__conn_write(&c, req.p, req.len);
    if (rc == GTBT_OK && rq->body_len) rc = gtbt__conn_write(&c, rq->body, rq->body_len);
    if (rc == GTBT_OK) rc = gtbt__conn_flush(&c);
    if (rc == GTBT_OK) rc = gtbt__http_read_response(&c, rs);
    if (rc == GTBT_OK)
        gtbt__logf(lg, GTBT_LOG_DEBUG, "telemetry: POST to %s: HTTP %d, %lu body bytes%s", c.where, rs->status,
                   (unsigned long)rs->body_len, rs->body_truncated ? " (truncated)" : "");
    gtbt__conn_close(&c);
    gtbt__buf_free(&req);
    return rc;
}

static GTBT__UNUSED void gtbt__http_response_free(gtbt__http_response *rs)
{
    if (!rs) return;
    gtbt__free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}

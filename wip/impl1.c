
/* ==============================================================================================
   Implementation
   ============================================================================================== */
#if defined(GTB_TELEMETRY_IMPLEMENTATION) && !defined(GTB_TELEMETRY_IMPLEMENTATION_INCLUDED)
#define GTB_TELEMETRY_IMPLEMENTATION_INCLUDED

// >>options ------------------------------------------------------------------------------------
#if defined(GTB_TELEMETRY_MALLOC) || defined(GTB_TELEMETRY_REALLOC) || defined(GTB_TELEMETRY_FREE)
  #if !defined(GTB_TELEMETRY_MALLOC) || !defined(GTB_TELEMETRY_REALLOC) || !defined(GTB_TELEMETRY_FREE)
    #error "gtb_telemetry.h: define all of GTB_TELEMETRY_MALLOC, GTB_TELEMETRY_REALLOC and GTB_TELEMETRY_FREE, or none"
  #endif
#else
  #define GTB_TELEMETRY_MALLOC(sz)     malloc(sz)
  #define GTB_TELEMETRY_REALLOC(p, sz) realloc(p, sz)
  #define GTB_TELEMETRY_FREE(p)        free(p)
#endif
#ifndef GTB_TELEMETRY_MAX_BUFFER
  #define GTB_TELEMETRY_MAX_BUFFER 1000
#endif
#if GTB_TELEMETRY_MAX_BUFFER < 1 || GTB_TELEMETRY_MAX_BUFFER > 1000000
  #error "gtb_telemetry.h: GTB_TELEMETRY_MAX_BUFFER must be between 1 and 1000000"
#endif

/* Hard limits. Input longer than a limit is truncated on a UTF-8 boundary, never rejected. */
#define GTBT__MAX_NAME          256       /* event name, bytes */
#define GTBT__MAX_KEY           128       /* metadata key */
#define GTBT__MAX_VALUE         4096      /* metadata value, one argument, the error text */
#define GTBT__MAX_PAIRS         64        /* metadata pairs per event */
#define GTBT__MAX_ARGS          64        /* arguments per event */
#define GTBT__MAX_TOOL_NAME     40        /* + "_TELEMETRY_ENABLED" fits gtbt_consent.decided_by */
#define GTBT__MAX_PATH          4096
#define GTBT__SPILL_FILE_MAX    (1024 * 1024)      /* bytes per spill file we write */
#define GTBT__SPILL_READ_MAX    (4 * 1024 * 1024)  /* larger spill files are corrupt */
#define GTBT__SPILL_FILES_MAX   10
#define GTBT__SPILL_LIST_MAX    1024      /* directory entries looked at per flush */
#define GTBT__CLAIM_STALE_MS    (60 * 60 * 1000)   /* a claim older than this is abandoned */
#define GTBT__CONF_MAX          (64 * 1024)        /* consent file size limit */
#define GTBT__FLUSH_TIMEOUT_MS  2000
#define GTBT__RESET_TIMEOUT_MS  10000
#define GTBT__BACKOFF_BASE_MS   (30 * 1000)
#define GTBT__BACKOFF_MAX_MS    (60 * 60 * 1000)
#define GTBT__RETRY_AFTER_MAX_MS (24 * 60 * 60 * 1000)

#define gtbt__def(v, d) ((v) ? (v) : (d))
#define gtbt__min(a, b) ((a) < (b) ? (a) : (b))

// >>platform detection --------------------------------------------------------------------------
#if defined(_WIN32)
  #error "gtb_telemetry.h: Windows is not supported yet (POSIX: Linux, macOS, the BSDs)"
#else
  #define GTBT__POSIX 1
#endif
#if defined(__APPLE__)
  #define GTBT__MACOS 1
#else
  #define GTBT__MACOS 0
#endif
#if defined(__linux__)
  #define GTBT__LINUX 1
#else
  #define GTBT__LINUX 0
#endif
#if defined(GTB_TELEMETRY_NO_THREADS)
  #define GTBT__THREADS 0
#else
  #define GTBT__THREADS 1
#endif
#if defined(GTB_TELEMETRY_NO_TLS)
  #define GTBT__TLS 0
#else
  #define GTBT__TLS 1
#endif
#if defined(__GNUC__) || defined(__clang__)
  #define GTBT__UNUSED __attribute__((unused))
  #define GTBT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
  #define GTBT__UNUSED
  #define GTBT__PRINTF(f, a)
#endif

/* Go's names for the operating system and architecture. */
#if defined(__linux__)
  #define GTBT__OS "linux"
#elif defined(__APPLE__)
  #define GTBT__OS "darwin"
#elif defined(__FreeBSD__)
  #define GTBT__OS "freebsd"
#elif defined(__OpenBSD__)
  #define GTBT__OS "openbsd"
#elif defined(__NetBSD__)
  #define GTBT__OS "netbsd"
#else
  #define GTBT__OS "unknown"
#endif
#if defined(__x86_64__) || defined(_M_X64)
  #define GTBT__ARCH "amd64"
#elif defined(__aarch64__) || defined(_M_ARM64)
  #define GTBT__ARCH "arm64"
#elif defined(__i386__) || defined(_M_IX86)
  #define GTBT__ARCH "386"
#elif defined(__arm__) || defined(_M_ARM)
  #define GTBT__ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
  #define GTBT__ARCH "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  #define GTBT__ARCH "ppc64le"
#elif defined(__s390x__)
  #define GTBT__ARCH "s390x"
#else
  #define GTBT__ARCH "unknown"
#endif
/* The compiler that built the host tool: "clang 14.0.6", "gcc 12.2.0", "msvc 19.38". */
#define GTBT__STR2(x) #x
#define GTBT__STR(x) GTBT__STR2(x)
#if defined(__clang__)
  #define GTBT__RUNTIME "clang " GTBT__STR(__clang_major__) "." GTBT__STR(__clang_minor__) "." GTBT__STR(__clang_patchlevel__)
#elif defined(__GNUC__)
  #define GTBT__RUNTIME "gcc " GTBT__STR(__GNUC__) "." GTBT__STR(__GNUC_MINOR__) "." GTBT__STR(__GNUC_PATCHLEVEL__)
#elif defined(_MSC_VER)
  #define GTBT__RUNTIME "msvc " GTBT__STR(_MSC_VER)
#else
  #define GTBT__RUNTIME "unknown"
#endif

// >>includes ------------------------------------------------------------------------------------
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#if GTBT__LINUX
  #include <netpacket/packet.h>
#else
  #include <net/if_dl.h>
#endif
#if GTBT__THREADS
  #include <pthread.h>
#endif
#if GTBT__TLS
  #include <bearssl.h>
#endif

// >>memory --------------------------------------------------------------------------------------
static void *gtbt__malloc(size_t n) { return GTB_TELEMETRY_MALLOC(n ? n : 1); }
static void *gtbt__realloc(void *p, size_t n) { return GTB_TELEMETRY_REALLOC(p, n ? n : 1); }
static void gtbt__free(void *p) { if (p) GTB_TELEMETRY_FREE(p); }

static void *gtbt__calloc(size_t n, size_t size) {
    void *p;
    if (size && n > SIZE_MAX / size) return NULL;
    p = gtbt__malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

static char *gtbt__strndup(const char *s, size_t n) {
    char *d;
    if (!s) return NULL;
    d = (char *)gtbt__malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static char *gtbt__strdup(const char *s) { return s ? gtbt__strndup(s, strlen(s)) : NULL; }

/* Copies of key/value arrays (desc metadata, headers). */
static GTBT__UNUSED void gtbt__kvs_free(gtbt_kv *kv, size_t n) {
    size_t i;
    for (i = 0; kv && i < n; i++) { gtbt__free((void *)(uintptr_t)kv[i].key); gtbt__free((void *)(uintptr_t)kv[i].value); }
    gtbt__free(kv);
}

static GTBT__UNUSED gtbt_kv *gtbt__kvs_copy(const gtbt_kv *kv, size_t n, int *nomem) {
    gtbt_kv *d;
    size_t i;
    if (!kv || !n) return NULL;
    if (!(d = (gtbt_kv *)gtbt__calloc(n, sizeof *d))) { *nomem = 1; return NULL; }
    for (i = 0; i < n; i++) {
        d[i].key = gtbt__strdup(kv[i].key ? kv[i].key : "");
        d[i].value = gtbt__strdup(kv[i].value ? kv[i].value : "");
        if (!d[i].key || !d[i].value) *nomem = 1;
    }
    return d;
}

/* A growable byte string. Out of memory is sticky: later appends do nothing and oom stays set,
   so callers check once at the end. p is NUL-terminated after any append. */
typedef struct gtbt__buf { char *p; size_t len, cap; int oom; } gtbt__buf;

static int gtbt__buf_reserve(gtbt__buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->oom) return 0;
    if (extra > SIZE_MAX - b->len - 1) { b->oom = 1; return 0; }
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    p = (char *)gtbt__realloc(b->p, cap);
    if (!p) { b->oom = 1; return 0; }
    b->p = p;
    b->cap = cap;
    return 1;
}

static void gtbt__buf_put(gtbt__buf *b, const void *s, size_t n) {
    if (!gtbt__buf_reserve(b, n)) return;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void gtbt__buf_puts(gtbt__buf *b, const char *s) { gtbt__buf_put(b, s, strlen(s)); }
static void gtbt__buf_putc(gtbt__buf *b, char c) {
    if (b->len + 1 < b->cap && !b->oom) { b->p[b->len++] = c; b->p[b->len] = 0; return; }
    gtbt__buf_put(b, &c, 1);
}
static void gtbt__buf_vprintf(gtbt__buf *b, const char *fmt, va_list ap) {
    va_list aq;
    int n;
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) { b->oom = 1; return; }
    if (!gtbt__buf_reserve(b, (size_t)n)) return;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}
static GTBT__PRINTF(2, 3) void gtbt__buf_printf(gtbt__buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gtbt__buf_vprintf(b, fmt, ap);
    va_end(ap);
}
static void gtbt__buf_free(gtbt__buf *b) { gtbt__free(b->p); memset(b, 0, sizeof *b); }
/* Hands the string over to the caller (never NULL unless out of memory). */
static char *gtbt__buf_take(gtbt__buf *b, size_t *len) {
    char *p;
    if (!b->oom) gtbt__buf_reserve(b, 0);
    if (b->oom) { gtbt__buf_free(b); return NULL; }
    p = b->p;
    if (len) *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

// >>errors --------------------------------------------------------------------------------------
typedef struct gtbt__log { gtbt_log_fn fn; void *user; gtbt_log_level level; } gtbt__log;

/* Formats one line and hands it to the tool's log callback; nothing when no callback is set. */
static GTBT__PRINTF(3, 4) void gtbt__logf(const gtbt__log *lg, gtbt_log_level lvl, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    if (!lg || !lg->fn || lvl < lg->level) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(lg->user, lvl, line);
}

static GTBT__UNUSED gtbt__log gtbt__log_of_net(const gtbt_net_desc *net) {
    gtbt__log lg;
    memset(&lg, 0, sizeof lg);
    if (net) { lg.fn = net->log; lg.user = net->log_user; lg.level = net->log_level; }
    return lg;
}

// >>platform ------------------------------------------------------------------------------------
/* Time, environment, files, identity, mutex, entropy and processes. POSIX implementations. */

GTB_TELEMETRY_API int64_t gtbt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t gtbt__realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void gtbt__sleep_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static const char *gtbt__getenv(const char *name) { return getenv(name); }

static int gtbt__ascii_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int gtbt__ascii_ncasecmp(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        int x = gtbt__ascii_lower((unsigned char)a[i]), y = gtbt__ascii_lower((unsigned char)b[i]);
        if (x != y || !x) return x - y;
    }
    return 0;
}
static int gtbt__ascii_casecmp(const char *a, const char *b) { return gtbt__ascii_ncasecmp(a, b, (size_t)-1); }

/* ---- mutex: a real one, or nothing under GTB_TELEMETRY_NO_THREADS ---- */
#if GTBT__THREADS
typedef struct gtbt__mutex { pthread_mutex_t m; } gtbt__mutex;
static void gtbt__mutex_init(gtbt__mutex *m) { pthread_mutex_init(&m->m, NULL); }
static void gtbt__mutex_destroy(gtbt__mutex *m) { pthread_mutex_destroy(&m->m); }
static void gtbt__mutex_lock(gtbt__mutex *m) { pthread_mutex_lock(&m->m); }
static void gtbt__mutex_unlock(gtbt__mutex *m) { pthread_mutex_unlock(&m->m); }
static pthread_mutex_t gtbt__global_mutex = PTHREAD_MUTEX_INITIALIZER;
static GTBT__UNUSED void gtbt__global_lock(void) { pthread_mutex_lock(&gtbt__global_mutex); }
static GTBT__UNUSED void gtbt__global_unlock(void) { pthread_mutex_unlock(&gtbt__global_mutex); }
#else
typedef struct gtbt__mutex { int unused; } gtbt__mutex;
static void gtbt__mutex_init(gtbt__mutex *m) { m->unused = 0; }
static void gtbt__mutex_destroy(gtbt__mutex *m) { (void)m; }
static void gtbt__mutex_lock(gtbt__mutex *m) { (void)m; }
static void gtbt__mutex_unlock(gtbt__mutex *m) { (void)m; }
static GTBT__UNUSED void gtbt__global_lock(void) {}
static GTBT__UNUSED void gtbt__global_unlock(void) {}
#endif

/* ---- entropy: the OS source, for uuids and nothing else ---- */
static int gtbt__os_entropy(void *out, size_t n) {
    unsigned char *p = (unsigned char *)out;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return GTBT_E_IO;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { close(fd); return GTBT_E_IO; }
        p += r;
        n -= (size_t)r;
    }
    close(fd);
    return GTBT_OK;
}

/* ---- files ---- */
/* Reads a whole regular file (not following a final symlink) of at most max bytes into a
   NUL-terminated buffer. GTBT_E_IO when missing/unreadable, GTBT_E_INVALID when too large. */
static int gtbt__read_file(const char *path, size_t max, char **out, size_t *len) {
    struct stat st;
    gtbt__buf b;
    char chunk[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    *out = NULL;
    *len = 0;
    if (fd < 0) return GTBT_E_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return GTBT_E_IO; }
    if ((uint64_t)st.st_size > (uint64_t)max) { close(fd); return GTBT_E_INVALID; }
    memset(&b, 0, sizeof b);
    gtbt__buf_reserve(&b, (size_t)st.st_size);
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { close(fd); gtbt__buf_free(&b); return GTBT_E_IO; }
        if (r == 0) break;
        if (b.len + (size_t)r > max) { close(fd); gtbt__buf_free(&b); return GTBT_E_INVALID; }
        gtbt__buf_put(&b, chunk, (size_t)r);
    }
    close(fd);
    *out = gtbt__buf_take(&b, len);
    return *out ? GTBT_OK : GTBT_E_NOMEM;
}

/* Writes all of p to fd, continuing short writes and retrying EINTR. */
static int gtbt__write_all(int fd, const void *p, size_t n) {
    const char *s = (const char *)p;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return GTBT_E_IO;
        s += w;
        n -= (size_t)w;
    }
    return GTBT_OK;
}

/* The fault injector of the tests: when set, the n-th file write from now fails (full disk). */
static int gtbt__test_fail_write_after = -1;

/* Creates path atomically with content: a new temp file beside it (O_EXCL, O_NOFOLLOW, 0600),
   written, synced and renamed over path. A crash leaves either the old file or the new one. */
static int gtbt__write_file_atomic(const char *path, const char *tmp, const void *data, size_t n) {
    int fd, rc;
    if (gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) return GTBT_E_IO;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)   /* left by a crash (our private dir) */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) return GTBT_E_IO;
    rc = gtbt__write_all(fd, data, n);
    if (rc == GTBT_OK && fsync(fd) != 0) rc = GTBT_E_IO;
    if (close(fd) != 0) rc = GTBT_E_IO;
    if (rc == GTBT_OK && rename(tmp, path) != 0) rc = GTBT_E_IO;
    if (rc != GTBT_OK) unlink(tmp);
    return rc;
}

/* Creates dir and its missing parents; the last component gets mode 0700. A directory that
   exists must be ours and not writable by others. */
static int gtbt__mkdir_private(const char *dir) {
    char path[GTBT__MAX_PATH];
    size_t i, n = strlen(dir);
    struct stat st;
    if (n == 0 || n >= sizeof path) return GTBT_E_INVALID;
    memcpy(path, dir, n + 1);
    while (n > 1 && path[n - 1] == '/') path[--n] = 0;
    for (i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        path[i] = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) return GTBT_E_IO;
        if (i < n) path[i] = '/';
    }
    if (lstat(path, &st) != 0) return GTBT_E_IO;
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) return GTBT_E_IO;
    if (!S_ISDIR(st.st_mode)) return GTBT_E_IO;
    if (st.st_uid != geteuid() || (st.st_mode & 0022)) return GTBT_E_IO;
    if (access(path, W_OK | X_OK) != 0) return GTBT_E_IO;
    return GTBT_OK;
}

static int gtbt__path_join(char *out, size_t cap, const char *a, const char *b) {
    int n = snprintf(out, cap, "%s/%s", a, b);
    return (n < 0 || (size_t)n >= cap) ? GTBT_E_INVALID : GTBT_OK;
}

/* ---- places: config and data directories (DESIGN 5.3) ---- */
static const char *gtbt__home(void) {
    const char *h = gtbt__getenv("HOME");
    struct passwd *pw;
    if (h && h[0] == '/') return h;
    pw = getpwuid(getuid());
    return (pw && pw->pw_dir && pw->pw_dir[0] == '/') ? pw->pw_dir : NULL;
}

#if GTBT__MACOS
static int gtbt__default_config_dir(const char *tool, char *out, size_t cap) {
    const char *home = gtbt__home();
    int n;
    if (!home) return GTBT_E_INVALID;
    n = snprintf(out, cap, "%s/Library/Application Support/%s", home, tool);
    return (n < 0 || (size_t)n >= cap) ? GTBT_E_INVALID : GTBT_OK;
}
static int gtbt__default_data_dir(const char *tool, char *out, size_t cap) {
    return gtbt__default_config_dir(tool, out, cap);
}
#else
/* $XDG_<var> when it is an absolute path, else ~/<fallback>, then /<tool>. */
static int gtbt__xdg_dir(const char *var, const char *fallback, const char *tool, char *out, size_t cap) {
    const char *x = gtbt__getenv(var), *home;
    int n;
    if (x && x[0] == '/') {
        n = snprintf(out, cap, "%s/%s", x, tool);
    } else {
        home = gtbt__home();
        if (!home) return GTBT_E_INVALID;
        n = snprintf(out, cap, "%s/%s/%s", home, fallback, tool);
    }
    return (n < 0 || (size_t)n >= cap) ? GTBT_E_INVALID : GTBT_OK;
}
static int gtbt__default_config_dir(const char *tool, char *out, size_t cap) {
    return gtbt__xdg_dir("XDG_CONFIG_HOME", ".config", tool, out, cap);
}
static int gtbt__default_data_dir(const char *tool, char *out, size_t cap) {
    return gtbt__xdg_dir("XDG_STATE_HOME", ".local/state", tool, out, cap);
}
#endif

/* ---- identity signals for the machine id (DESIGN 3, reference 3) ---- */
static void gtbt__trim(char *s) {
    size_t n = strlen(s), i = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') i++;
    if (i) memmove(s, s + i, n - i + 1);
}

#if GTBT__LINUX
static void gtbt__os_machine_id(char *out, size_t cap) {
    char *text;
    size_t len;
    out[0] = 0;
    if (gtbt__read_file("/etc/machine-id", 4096, &text, &len) != GTBT_OK) return;
    gtbt__trim(text);
    snprintf(out, cap, "%s", text);
    gtbt__free(text);
}
/* The first interface (kernel order) that is not loopback and has a hardware address. */
static void gtbt__first_mac(char *out, size_t cap) {
    struct ifaddrs *ifs, *i;
    out[0] = 0;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        const struct sockaddr_ll *ll;
        const unsigned char *a;
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || (i->ifa_flags & IFF_LOOPBACK)) continue;
        ll = (const struct sockaddr_ll *)(const void *)i->ifa_addr;
        if (ll->sll_halen != 6) continue;
        a = ll->sll_addr;
        if (!(a[0] | a[1] | a[2] | a[3] | a[4] | a[5])) continue;
        snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    }
    freeifaddrs(ifs);
}
/* 3rd field of /proc/version ("Linux version 6.8.0-106-generic ..."); "linux" when unreadable. */
static void gtbt__os_version(char *out, size_t cap) {
    char *text, *p, *f[3];
    size_t len;
    int k = 0;
    snprintf(out, cap, "linux");
    if (gtbt__read_file("/proc/version", 64 * 1024, &text, &len) != GTBT_OK) return;
    gtbt__trim(text);
    p = text;
    while (*p && k < 3) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        f[k++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
        if (*p) *p++ = 0;
    }
    if (k == 3) snprintf(out, cap, "%s", f[2]);
    else if (text[0]) snprintf(out, cap, "%s", text);
    gtbt__free(text);
}
#else
/* macOS and the BSDs: no file to read without running a program; uname's host id is not stable,
   so the OS part of the machine id is empty there and the other signals carry it. */
static void gtbt__os_machine_id(char *out, size_t cap) { (void)cap; out[0] = 0; }
static void gtbt__first_mac(char *out, size_t cap) {
    struct ifaddrs *ifs, *i;
    out[0] = 0;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        const struct sockaddr_dl *dl;
        const unsigned char *a;
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_LINK || (i->ifa_flags & IFF_LOOPBACK)) continue;
        dl = (const struct sockaddr_dl *)(const void *)i->ifa_addr;
        if (dl->sdl_alen != 6) continue;
        a = (const unsigned char *)LLADDR(dl);
        snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    }
    freeifaddrs(ifs);
}
static void gtbt__os_version(char *out, size_t cap) {
    struct utsname u;
    if (uname(&u) == 0) snprintf(out, cap, "%s", u.release);
    else snprintf(out, cap, "%s", GTBT__OS);
}
#endif

static void gtbt__hostname(char *out, size_t cap) {
    if (gethostname(out, cap) != 0) out[0] = 0;
    out[cap - 1] = 0;
}
static void gtbt__username(char *out, size_t cap) {
    struct passwd pw, *res = NULL;
    char tmp[4096];
    out[0] = 0;
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name)
        snprintf(out, cap, "%s", res->pw_name);
}

/* ---- processes ---- */
static int gtbt__pid(void) { return (int)getpid(); }
/* 1 when a process with that id exists (or we cannot tell), 0 when it certainly does not. */
static int gtbt__pid_alive(int pid) {
    if (pid <= 0) return 0;
    return !(kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}
static int gtbt__is_tty(FILE *f) { return f && isatty(fileno(f)); }

/* Runs argv[0] (searched in PATH) with argv, no shell, waits up to timeout_ms; 0 on exit status 0. */
static int gtbt__run(const char *const *argv, int timeout_ms) {
    pid_t pid = fork();
    int64_t end = gtbt_now_ms() + timeout_ms;
    int status;
    if (pid < 0) return GTBT_E_IO;
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) { dup2(fd, 0); dup2(fd, 1); dup2(fd, 2); }
        execvp(argv[0], (char *const *)(void *)argv);
        _exit(127);
    }
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? GTBT_OK : GTBT_E_IO;
        if (r < 0 && errno != EINTR) return GTBT_E_IO;
        if (gtbt_now_ms() >= end) { kill(pid, SIGKILL); waitpid(pid, &status, 0); return GTBT_E_TIMEOUT; }
        gtbt__sleep_ms(10);
    }
}
#if GTBT__MACOS
static const char *gtbt__url_opener(void) { return "open"; }
#else
static const char *gtbt__url_opener(void) { return "xdg-open"; }
#endif

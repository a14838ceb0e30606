/* harness.h - the test harness of gtb_telemetry.h: explicit test tables, CHECK macros that print
   expected and actual values, a name filter (argv[1]), skips that say why, and the closing line
   "N passed, N failed, N skipped" (tests, not checks). Each test binary includes the
   implementation first, then this file. */
#ifndef GT_HARNESS_H
#define GT_HARNESS_H
#if defined(__GNUC__) || defined(__clang__)
#define GT_UNUSED __attribute__((unused))
#else
#define GT_UNUSED
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <pwd.h>
#include <grp.h>

typedef struct gt_test { const char *name; void (*fn)(void); } gt_test;
static GT_UNUSED int gt_test_failed, gt_test_skipped;

static GT_UNUSED void gt_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    gt_test_failed = 1;
}

/* Marks the running test skipped: all or part of it could not run here (the reason says why).
   Its checks that did run still count: a failure wins over a skip. */
static GT_UNUSED void gt_skip(const char *fmt, ...) {
    va_list ap;
    fprintf(stdout, "     skipped: ");
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    gt_test_skipped = 1;
}

#define CHECK_MSG(cond, ...) do { if (!(cond)) gt_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)
#define CHECK(cond) do { if (!(cond)) gt_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); } while (0)
#define CHECK_INT(actual, expected) do { long long gt_a = (long long)(actual), gt_e = (long long)(expected); \
    if (gt_a != gt_e) gt_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", #actual, gt_e, gt_a); } while (0)
#define CHECK_STR(actual, expected) do { const char *gt_a = (actual), *gt_e = (expected); \
    if (!gt_a || strcmp(gt_a, gt_e) != 0) gt_fail(__FILE__, __LINE__, "%s:\n      expected \"%s\"\n      got      \"%s\"", #actual, gt_e, gt_a ? gt_a : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *gt_h = (hay), *gt_n = (needle); \
    if (!gt_h || !strstr(gt_h, gt_n)) gt_fail(__FILE__, __LINE__, "%s does not contain \"%s\":\n      %s", #hay, gt_n, gt_h ? gt_h : "(null)"); } while (0)
#define CHECK_NOT_CONTAINS(hay, needle) do { const char *gt_h = (hay), *gt_n = (needle); \
    if (gt_h && strstr(gt_h, gt_n)) gt_fail(__FILE__, __LINE__, "%s contains \"%s\":\n      %s", #hay, gt_n, gt_h); } while (0)

/* Runs the tests whose name contains argv[1] (all without it); exit status 1 on any failure.
   A skipped test prints "skip NAME"; the closing line counts tests. */
static GT_UNUSED int gt_run(const gt_test *tests, size_t n, int argc, char **argv) {
    size_t i;
    int passed = 0, failed = 0, skipped = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (i = 0; i < n; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        gt_test_failed = gt_test_skipped = 0;
        tests[i].fn();
        if (gt_test_failed) { failed++; printf("FAIL %s\n", tests[i].name); }
        else if (gt_test_skipped) { skipped++; printf("skip %s\n", tests[i].name); }
        else { passed++; printf("ok   %s\n", tests[i].name); }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
#define GT_RUN(tests, argc, argv) gt_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv)

/* Runs fn as an unprivileged user, so that permission checks apply: directly when not root; as
   root in a child that switched to "nobody" (uid 65534 when there is no such user) first. The
   child's failures and skips count for the running test. fn makes its own temporary directory. */
static GT_UNUSED void gt_unprivileged(void (*fn)(void)) {
    struct passwd *pw;
    uid_t uid = 65534;
    gid_t gid = 65534;
    pid_t pid;
    int status = 0;
    if (geteuid() != 0) { fn(); return; }
    pw = getpwnam("nobody");
    if (pw) { uid = pw->pw_uid; gid = pw->pw_gid; }
    fflush(NULL);
    pid = fork();
    if (pid < 0) { gt_fail(__FILE__, __LINE__, "fork: %s", strerror(errno)); return; }
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0 || geteuid() == 0) {
            fprintf(stderr, "    cannot switch to uid %d: %s\n", (int)uid, strerror(errno));
            _exit(1);
        }
        gt_test_failed = gt_test_skipped = 0;
        fn();
        fflush(NULL);
        _exit(gt_test_failed ? 1 : gt_test_skipped ? 3 : 0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3))
        gt_fail(__FILE__, __LINE__, "the unprivileged child failed (status 0x%x)", status);
    else if (WEXITSTATUS(status) == 3) gt_test_skipped = 1;
}

/* ---- utilities ---- */
/* A fresh private directory for one test; removed with gt_rmtree. */
static GT_UNUSED char *gt_tmpdir(void) {
    static char path[256];
    const char *base = getenv("GT_TMP") ? getenv("GT_TMP") : "/tmp";
    snprintf(path, sizeof path, "%s/gtbt-test-XXXXXX", base);
    if (!mkdtemp(path)) { perror("mkdtemp"); exit(2); }
    return path;
}

static GT_UNUSED void gt_rmtree(const char *path) {
    DIR *d = opendir(path);
    struct dirent *de;
    char sub[4096];
    struct stat st;
    if (!d) { unlink(path); return; }
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) { chmod(sub, 0700); gt_rmtree(sub); }
        else unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

/* Whole file as a malloc'd string (NULL when missing). */
static GT_UNUSED char *gt_read(const char *path) {
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = (char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    return p;
}

static GT_UNUSED int gt_write(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

/* Number of entries in dir whose name starts with prefix (and ends with suffix when not NULL). */
static GT_UNUSED int gt_count(const char *dir, const char *prefix, const char *suffix) {
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL) {
        size_t a = strlen(de->d_name), b = suffix ? strlen(suffix) : 0;
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0) continue;
        if (suffix && (a < b || strcmp(de->d_name + a - b, suffix) != 0)) continue;
        n++;
    }
    closedir(d);
    return n;
}

/* Occurrences of needle in hay. */
static GT_UNUSED int gt_occurrences(const char *hay, const char *needle) {
    int n = 0;
    size_t k = strlen(needle);
    if (!hay || !k) return 0;
    while ((hay = strstr(hay, needle)) != NULL) { n++; hay += k; }
    return n;
}
#endif

/* harness.h - the test harness of gtb_telemetry.h: explicit test tables, CHECK macros that print
   expected and actual values, a name filter (argv[1]), and the closing line "N passed, N failed".
   Each test binary includes the implementation first, then this file. */
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
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

typedef struct gt_test { const char *name; void (*fn)(void); } gt_test;
static GT_UNUSED int gt_test_failed;

static GT_UNUSED void gt_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    gt_test_failed = 1;
}

#define CHECK(cond) do { if (!(cond)) gt_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); } while (0)
#define CHECK_INT(actual, expected) do { long long gt_a = (long long)(actual), gt_e = (long long)(expected); \
    if (gt_a != gt_e) gt_fail(__FILE__, __LINE__, "%s: expected %lld, got %lld", #actual, gt_e, gt_a); } while (0)
#define CHECK_STR(actual, expected) do { const char *gt_a = (actual), *gt_e = (expected); \
    if (!gt_a || strcmp(gt_a, gt_e) != 0) gt_fail(__FILE__, __LINE__, "%s:\n      expected \"%s\"\n      got      \"%s\"", #actual, gt_e, gt_a ? gt_a : "(null)"); } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *gt_h = (hay), *gt_n = (needle); \
    if (!gt_h || !strstr(gt_h, gt_n)) gt_fail(__FILE__, __LINE__, "%s does not contain \"%s\":\n      %s", #hay, gt_n, gt_h ? gt_h : "(null)"); } while (0)
#define CHECK_NOT_CONTAINS(hay, needle) do { const char *gt_h = (hay), *gt_n = (needle); \
    if (gt_h && strstr(gt_h, gt_n)) gt_fail(__FILE__, __LINE__, "%s contains \"%s\":\n      %s", #hay, gt_n, gt_h); } while (0)

/* Runs the tests whose name contains argv[1] (all without it); exit status 1 on any failure. */
static GT_UNUSED int gt_run(const gt_test *tests, size_t n, int argc, char **argv) {
    size_t i;
    int passed = 0, failed = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (i = 0; i < n; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        gt_test_failed = 0;
        tests[i].fn();
        if (gt_test_failed) { failed++; printf("FAIL %s\n", tests[i].name); }
        else { passed++; printf("ok   %s\n", tests[i].name); }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
#define GT_RUN(tests, argc, argv) gt_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv)

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

/* test_strings.c - the library's own stand-ins for C library functions (so that a small tool
   imports fewer of them) give what the C library gives: gtbt__find as strstr, gtbt__span_not as
   strcspn, gtbt__ncmp as strncmp, gtbt__chr as strchr, gtbt__dec as strtoll (base 10, below
   10^17), gtbt__sort_strs as qsort with strcmp, gtbt__dup_to as dup2, gtbt__home as getpwuid;
   and the uuid text, whose hex digits come without a table, as printf writes them.
   Inputs: every short string over a small alphabet, plus random ones from a fixed seed. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include <fcntl.h>
#include <limits.h>

static unsigned long long t_seed = 12345;
static unsigned t_rand(void) { t_seed = t_seed * 6364136223846793005ULL + 1442695040888963407ULL; return (unsigned)(t_seed >> 33); }

/* Every string of length 0..max over alph, one after the other into out (NUL-separated); the count. */
static int all_strings(const char *alph, int max, char out[][8]) {
    int n = 0, len, k, a = (int)strlen(alph);
    for (len = 0; len <= max; len++) {
        int total = 1, i;
        for (k = 0; k < len; k++) total *= a;
        for (i = 0; i < total; i++) {
            int v = i;
            for (k = 0; k < len; k++) { out[n][k] = alph[v % a]; v /= a; }
            out[n][len] = 0;
            n++;
        }
    }
    return n;
}

static char S[1 + 3 + 9 + 27 + 81 + 243][8];   /* up to 5 characters of "abc" */

static void test_find_is_strstr(void) {
    int n = all_strings("abc", 5, S), i, j, bad = 0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n && bad < 5; j++) {
            const char *a = gtbt__find(S[i], S[j]), *b = strstr(S[i], S[j]);
            if (a != b) { bad++; CHECK_MSG(0, "find(\"%s\", \"%s\") at %d, strstr at %d", S[i], S[j], a ? (int)(a - S[i]) : -1, b ? (int)(b - S[i]) : -1); }
        }
    CHECK(gtbt__find("telemetry-spill-1.ndjson.sending-42", ".ndjson.sending-") == strstr("telemetry-spill-1.ndjson.sending-42", ".ndjson.sending-"));
}

static void test_span_not_is_strcspn(void) {
    int n = all_strings("abc", 5, S), i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) CHECK_INT(gtbt__span_not(S[i], S[j]), strcspn(S[i], S[j]));
    CHECK_INT(gtbt__span_not("host:80/path?q#f", "/?#"), 7);
}

static int sign(int v) { return (v > 0) - (v < 0); }

static void test_ncmp_is_strncmp(void) {
    int n = all_strings("ab\xe9", 4, S), i, j;
    size_t k;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            for (k = 0; k <= 5; k++) CHECK_INT(sign(gtbt__ncmp(S[i], S[j], k)), sign(strncmp(S[i], S[j], k)));
}

static void test_chr_is_strchr(void) {
    const char *s = "ab:c\xe9\x01-";
    int c;
    for (c = 0; c < 256; c++) CHECK(gtbt__chr(s, c) == strchr(s, c));
    CHECK(gtbt__chr(s, 0) == s + strlen(s));
    CHECK(gtbt__chr("", 'a') == NULL);
}

static void test_dec_is_strtoll(void) {
    static const char *const fixed[] = {
        "0", "7", "-7", "+7", "  42", "\t\n\v\f\r 13x", "-", "+", "", "x1", " - 5", "--5", "+-5",
        "12345678901234567", "-12345678901234567", "00000000000000000000042", "2147483647",
        "2147483648", "4294967297", "-0", "3 failures=2", "99999999999999999",
    };
    char buf[32];
    size_t i;
    int r;
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const char *e1, *s = fixed[i];
        char *e2;
        long long a = gtbt__dec(s, &e1), b = strtoll(s, &e2, 10);
        CHECK_MSG(a == b && e1 == e2, "dec(\"%s\") = %lld (end +%d), strtoll %lld (end +%d)", s, a, (int)(e1 - s), b, (int)(e2 - s));
    }
    for (r = 0; r < 20000; r++) {   /* random signs, blanks and up to 17 digits */
        int len = (int)(t_rand() % 18), k = 0, d;
        const char *e1;
        char *e2;
        long long a, b;
        if (t_rand() % 4 == 0) buf[k++] = ' ';
        if (t_rand() % 3 == 0) buf[k++] = t_rand() % 2 ? '-' : '+';
        for (d = 0; d < len; d++) buf[k++] = (char)('0' + t_rand() % 10);
        if (t_rand() % 2) buf[k++] = t_rand() % 2 ? '-' : 'z';
        buf[k] = 0;
        a = gtbt__dec(buf, &e1);
        b = strtoll(buf, &e2, 10);
        if (a != b || e1 != e2) { CHECK_MSG(0, "dec(\"%s\") = %lld, strtoll %lld", buf, a, b); break; }
    }
    /* past 10^17: the extreme of the sign, which every caller refuses (pids, counts, times) */
    CHECK(gtbt__dec("123456789012345678901234", NULL) == LLONG_MAX);
    CHECK(gtbt__dec("-123456789012345678901234", NULL) == LLONG_MIN);
    {
        const char *e;
        CHECK(gtbt__dec("999999999999999999999 x", &e) == LLONG_MAX);
        CHECK_STR(e, " x");
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void test_sort_is_qsort(void) {
    int n = all_strings("abc", 4, S), round, i;
    char *v[200], *w[200];
    for (round = 0; round < 300; round++) {
        int m = round < 60 ? round % 12 : (int)(t_rand() % 200);
        for (i = 0; i < m; i++) v[i] = w[i] = S[t_rand() % (unsigned)n];
        gtbt__sort_strs(v, (size_t)m);
        if (m) qsort(w, (size_t)m, sizeof w[0], cmp_str);
        for (i = 0; i < m; i++)
            if (strcmp(v[i], w[i]) != 0) { CHECK_MSG(0, "round %d (%d names): at %d \"%s\", qsort \"%s\"", round, m, i, v[i], w[i]); return; }
    }
}

static void test_dup_to_is_dup2(void) {
    int fd = open("/dev/null", O_RDWR), to = 200;
    struct stat a, b;
    CHECK(fd >= 0);
    gtbt__dup_to(fd, to);
    CHECK(fstat(fd, &a) == 0 && fstat(to, &b) == 0);
    CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    CHECK((fcntl(to, F_GETFD) & FD_CLOEXEC) == 0);   /* as dup2: not close-on-exec */
    gtbt__dup_to(to, to);                            /* dup2(fd, fd): nothing happens */
    CHECK(fcntl(to, F_GETFD) >= 0);
    close(to);
    close(fd);
}

static void test_home_is_getpwuid(void) {
    char buf[GTBT__HOME_BUF], *saved = getenv("HOME") ? gtbt__strdup(getenv("HOME")) : NULL;
    struct passwd *pw = getpwuid(getuid());
    const char *h;
    setenv("HOME", "/some/home", 1);
    CHECK_STR(gtbt__home(buf), "/some/home");
    setenv("HOME", "relative", 1);                   /* not absolute: the user database answers */
    h = gtbt__home(buf);
    if (pw && pw->pw_dir && pw->pw_dir[0] == '/') CHECK_STR(h, pw->pw_dir);
    else CHECK(h == NULL);
    unsetenv("HOME");
    h = gtbt__home(buf);
    if (pw && pw->pw_dir && pw->pw_dir[0] == '/') CHECK_STR(h, pw->pw_dir);
    else CHECK(h == NULL);
    if (saved) setenv("HOME", saved, 1);
    gtbt__free(saved);
}

/* The uuid text (digits computed in every byte lane at once) against one made with printf. */
static void test_uuid_text_is_hex(void) {
    int r, i;
    for (r = 0; r < 20000; r++) {
        uint64_t x = (uint64_t)t_rand() << 32 ^ t_rand() ^ (uint64_t)t_rand() << 11, y = (uint64_t)t_rand() << 32 ^ t_rand() ^ (uint64_t)t_rand() << 17;
        unsigned char b[16];
        char got[37], want[37];
        if (r == 0) x = y = 0;
        if (r == 1) x = y = ~(uint64_t)0;
        gtbt__uuid_text(x, y, got);
        for (i = 0; i < 8; i++) { b[i] = (unsigned char)(x >> 8 * i); b[8 + i] = (unsigned char)(y >> 8 * i); }
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
        snprintf(want, sizeof want, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                 b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
        if (strcmp(got, want) != 0) { CHECK_STR(got, want); return; }
    }
}

static const gt_test tests[] = {
    {"uuid_text_is_hex", test_uuid_text_is_hex},
    {"find_is_strstr", test_find_is_strstr},
    {"span_not_is_strcspn", test_span_not_is_strcspn},
    {"ncmp_is_strncmp", test_ncmp_is_strncmp},
    {"chr_is_strchr", test_chr_is_strchr},
    {"dec_is_strtoll", test_dec_is_strtoll},
    {"sort_is_qsort", test_sort_is_qsort},
    {"dup_to_is_dup2", test_dup_to_is_dup2},
    {"home_is_getpwuid", test_home_is_getpwuid},
};

int main(int argc, char **argv) { return GT_RUN(tests, argc, argv); }

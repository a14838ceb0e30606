/* test_consent.c - consent: the resolution order of gtbt_consent_resolve and its decided_by, the
   consent file (gtbt_consent_set: modes, atomic rewrite keeping comments and unknown keys, symlinks,
   unsafe directories, malformed files), the default config/data directories, the first-run prompt
   (pipes, CI, decided rules, a real pseudo-terminal) and hostile environment values. */
#define _XOPEN_SOURCE 700
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include <termios.h>
#include <poll.h>

/* ---- fixture: a temp dir with config/ and data/ below it, tool "mytool", no force ---- */
typedef struct fx { char dir[256], cfg[512], data[512], conf[600]; gtbt_desc d; } fx;
static fx F;

static void fx_init(void) {
    env_clear();
    snprintf(F.dir, sizeof F.dir, "%s", gt_tmpdir());
    F.d = desc_in(F.dir, F.cfg, F.data, sizeof F.cfg);
    F.d.force_enabled = false;
    snprintf(F.conf, sizeof F.conf, "%s/telemetry.conf", F.cfg);
}
static void fx_done(void) {
    gt_rmtree(F.dir);
    env_clear();
}
/* Writes the consent file (creating config/ 0700). */
static void write_conf(const char *text) {
    mkdir(F.cfg, 0700);
    gt_write(F.conf, text);
}
static void write_conf_n(const char *text, size_t n) {
    FILE *f;
    mkdir(F.cfg, 0700);
    f = fopen(F.conf, "wb");
    if (f) { fwrite(text, 1, n, f); fclose(f); }
}
static gtbt_consent resolve(const gtbt_desc *d) {
    gtbt_consent k;
    memset(&k, 0x5a, sizeof k);
    CHECK_INT(gtbt_consent_resolve(d, &k), GTBT_OK);
    return k;
}
/* Entries in dir other than . and .. */
static int entries(const char *dir) {
    int n = gt_count(dir, "", NULL);
    return n < 0 ? n : n - 2;
}
static int file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- resolution order ---- */
static void test_force_beats_everything(void) {
    gtbt_consent k;
    fx_init();
    write_conf("enabled = false\n");
    setenv("DO_NOT_TRACK", "1", 1);
    setenv("MYTOOL_TELEMETRY_ENABLED", "0", 1);
    setenv("TELEMETRY_ENABLED", "0", 1);
    F.d.force_enabled = true;
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "force_enabled");
    CHECK(k.is_set);             /* the file holds a valid value, even though it did not decide */
    fx_done();
}

static void test_do_not_track(void) {
    static const char *const trues[] = {"1", "true", "TRUE", "True"};
    gtbt_consent k;
    size_t i;
    fx_init();
    write_conf("enabled = true\n");
    setenv("MYTOOL_TELEMETRY_ENABLED", "1", 1);
    setenv("TELEMETRY_ENABLED", "1", 1);
    for (i = 0; i < sizeof trues / sizeof trues[0]; i++) {
        setenv("DO_NOT_TRACK", trues[i], 1);
        k = resolve(&F.d);
        CHECK(!k.enabled);
        CHECK_STR(k.decided_by, "DO_NOT_TRACK");
        CHECK(k.is_set);
    }
    /* any other value is an opt-out too: it fails safe */
    {
        static const char *const others[] = {"please", "2", "off", "no", "NO", " ", "FALSE "};
        for (i = 0; i < sizeof others / sizeof others[0]; i++) {
            setenv("DO_NOT_TRACK", others[i], 1);
            k = resolve(&F.d);
            if (k.enabled) gt_fail(__FILE__, __LINE__, "DO_NOT_TRACK=\"%s\" left telemetry on", others[i]);
            CHECK_STR(k.decided_by, "DO_NOT_TRACK");
        }
    }
    /* only empty, 0 and false do not decide */
    setenv("DO_NOT_TRACK", "", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    setenv("DO_NOT_TRACK", "0", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "MYTOOL_TELEMETRY_ENABLED");
    setenv("DO_NOT_TRACK", "false", 1);
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    unsetenv("TELEMETRY_ENABLED");
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "config");
    fx_done();
}

static void test_env_order(void) {
    gtbt_consent k;
    fx_init();
    write_conf("enabled = false\n");
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK_STR(k.decided_by, "config");
    CHECK(k.is_set);
    setenv("TELEMETRY_ENABLED", "1", 1);         /* beats the file */
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "TELEMETRY_ENABLED");
    CHECK(k.is_set);
    setenv("MYTOOL_TELEMETRY_ENABLED", "0", 1);  /* beats TELEMETRY_ENABLED */
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK_STR(k.decided_by, "MYTOOL_TELEMETRY_ENABLED");
    setenv("MYTOOL_TELEMETRY_ENABLED", "1", 1);
    setenv("TELEMETRY_ENABLED", "0", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "MYTOOL_TELEMETRY_ENABLED");
    /* the file decides against a default */
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    unsetenv("TELEMETRY_ENABLED");
    write_conf("enabled = true\n");
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "config");
    fx_done();
}

static void test_tool_env_name(void) {
    gtbt_consent k;
    fx_init();
    F.d.tool_name = "my-tool";
    setenv("MY_TOOL_TELEMETRY_ENABLED", "1", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "MY_TOOL_TELEMETRY_ENABLED");
    unsetenv("MY_TOOL_TELEMETRY_ENABLED");
    F.d.tool_name = "My.Tool_2";
    setenv("MY_TOOL_2_TELEMETRY_ENABLED", "yes", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "MY_TOOL_2_TELEMETRY_ENABLED");
    unsetenv("MY_TOOL_2_TELEMETRY_ENABLED");
    /* the longest valid name still fits decided_by */
    F.d.tool_name = "abcdefghijklmnopqrstuvwxyz-0123456789abc";   /* 40 */
    setenv("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789ABC_TELEMETRY_ENABLED", "on", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789ABC_TELEMETRY_ENABLED");
    unsetenv("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789ABC_TELEMETRY_ENABLED");
    fx_done();
}

static void test_invalid_env_value_decides_false(void) {
    static const char *const bad[] = {"maybe", "", "2", "enabled", "y", "n", " 1", "tru", "\xC3\xA9"};
    gtbt_consent k;
    size_t i;
    fx_init();
    write_conf("enabled = true\n");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("MYTOOL_TELEMETRY_ENABLED", bad[i], 1);
        k = resolve(&F.d);
        if (k.enabled) gt_fail(__FILE__, __LINE__, "MYTOOL_TELEMETRY_ENABLED=\"%s\" enabled telemetry", bad[i]);
        CHECK_STR(k.decided_by, "MYTOOL_TELEMETRY_ENABLED");
    }
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("TELEMETRY_ENABLED", bad[i], 1);
        k = resolve(&F.d);
        if (k.enabled) gt_fail(__FILE__, __LINE__, "TELEMETRY_ENABLED=\"%s\" enabled telemetry", bad[i]);
        CHECK_STR(k.decided_by, "TELEMETRY_ENABLED");
    }
    fx_done();
}

static void test_booleans(void) {
    static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "on", "ON", "On"};
    static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", "no", "NO", "No", "off", "OFF", "Off"};
    gtbt_consent k;
    size_t i;
    char line[64];
    fx_init();
    write_conf("enabled = false\n");
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        setenv("MYTOOL_TELEMETRY_ENABLED", yes[i], 1);
        k = resolve(&F.d);
        if (!k.enabled) gt_fail(__FILE__, __LINE__, "\"%s\" is not true", yes[i]);
    }
    write_conf("enabled = true\n");
    for (i = 0; i < sizeof no / sizeof no[0]; i++) {
        setenv("MYTOOL_TELEMETRY_ENABLED", no[i], 1);
        k = resolve(&F.d);
        if (k.enabled) gt_fail(__FILE__, __LINE__, "\"%s\" is not false", no[i]);
        CHECK_STR(k.decided_by, "MYTOOL_TELEMETRY_ENABLED");
    }
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    /* the same words in the file */
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        snprintf(line, sizeof line, "enabled = %s\n", yes[i]);
        write_conf(line);
        k = resolve(&F.d);
        if (!k.enabled || !k.is_set || k.file_malformed) gt_fail(__FILE__, __LINE__, "file \"%s\" is not true", yes[i]);
        CHECK_STR(k.decided_by, "config");
    }
    for (i = 0; i < sizeof no / sizeof no[0]; i++) {
        snprintf(line, sizeof line, "enabled=%s\n", no[i]);
        write_conf(line);
        k = resolve(&F.d);
        if (k.enabled || !k.is_set || k.file_malformed) gt_fail(__FILE__, __LINE__, "file \"%s\" is not false", no[i]);
        CHECK_STR(k.decided_by, "config");
    }
    fx_done();
}

static void test_default(void) {
    gtbt_consent k;
    fx_init();
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(!k.is_set);
    CHECK(!k.local_only);
    CHECK(!k.debug);
    CHECK(!k.file_malformed);
    CHECK_STR(k.decided_by, "default");
    CHECK(!file_exists(F.cfg));   /* resolving writes nothing */
    /* a file with only comments and other keys is "not set" but not malformed */
    write_conf("# nothing here\n\nfoo = bar\n");
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(!k.is_set);
    CHECK(!k.file_malformed);
    CHECK_STR(k.decided_by, "default");
    fx_done();
}

static void test_local_only(void) {
    gtbt_consent k;
    fx_init();
    write_conf("enabled = true\nlocal_only = true\n");
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK(k.local_only);
    setenv("TELEMETRY_LOCAL", "0", 1);            /* beats the file */
    k = resolve(&F.d);
    CHECK(!k.local_only);
    setenv("MYTOOL_TELEMETRY_LOCAL", "1", 1);     /* beats TELEMETRY_LOCAL */
    k = resolve(&F.d);
    CHECK(k.local_only);
    setenv("MYTOOL_TELEMETRY_LOCAL", "off", 1);
    setenv("TELEMETRY_LOCAL", "1", 1);
    k = resolve(&F.d);
    CHECK(!k.local_only);
    unsetenv("MYTOOL_TELEMETRY_LOCAL");
    k = resolve(&F.d);
    CHECK(k.local_only);
    unsetenv("TELEMETRY_LOCAL");
    write_conf("enabled = true\nlocal_only = false\n");
    k = resolve(&F.d);
    CHECK(!k.local_only);
    setenv("TELEMETRY_LOCAL", "yes", 1);
    k = resolve(&F.d);
    CHECK(k.local_only);
    fx_done();
}

static void test_debug_only_when_enabled(void) {
    gtbt_consent k;
    fx_init();
    setenv("TELEMETRY_DEBUG", "1", 1);
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(!k.debug);
    setenv("TELEMETRY_ENABLED", "1", 1);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK(k.debug);
    unsetenv("TELEMETRY_DEBUG");
    k = resolve(&F.d);
    CHECK(!k.debug);
    setenv("MYTOOL_TELEMETRY_DEBUG", "true", 1);
    k = resolve(&F.d);
    CHECK(k.debug);
    setenv("DO_NOT_TRACK", "1", 1);
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(!k.debug);
    unsetenv("DO_NOT_TRACK");
    setenv("MYTOOL_TELEMETRY_DEBUG", "0", 1);
    k = resolve(&F.d);
    CHECK(!k.debug);
    fx_done();
}

static void test_invalid_tool_names(void) {
    static const char *const bad[] = {NULL, "", ".x", "a/b", "abcdefghijklmnopqrstuvwxyz-0123456789abcd" /* 41 */,
                                      "a b", "..", "/", "tool\n", "t\xC3\xA9", "a\\b", "$HOME"};
    gtbt_consent k;
    size_t i;
    fx_init();
    setenv("TELEMETRY_ENABLED", "1", 1);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        F.d.tool_name = bad[i];
        memset(&k, 0x5a, sizeof k);
        if (gtbt_consent_resolve(&F.d, &k) != GTBT_E_INVALID)
            gt_fail(__FILE__, __LINE__, "tool name \"%s\" accepted by resolve", bad[i] ? bad[i] : "(null)");
        CHECK(!k.enabled);
        CHECK_STR(k.decided_by, "default");
        if (gtbt_consent_set(&F.d, true) != GTBT_E_INVALID)
            gt_fail(__FILE__, __LINE__, "tool name \"%s\" accepted by set", bad[i] ? bad[i] : "(null)");
        CHECK_INT(gtbt_prompt(&F.d, stdin, stdout), 0);
    }
    CHECK(!file_exists(F.cfg));
    F.d.tool_name = "abcdefghijklmnopqrstuvwxyz-0123456789abc";   /* 40 is fine */
    CHECK_INT(gtbt_consent_resolve(&F.d, &k), GTBT_OK);
    F.d.tool_name = "mytool";
    CHECK_INT(gtbt_consent_resolve(NULL, &k), GTBT_E_INVALID);
    CHECK_INT(gtbt_consent_resolve(&F.d, NULL), GTBT_E_INVALID);
    CHECK_INT(gtbt_consent_set(NULL, true), GTBT_E_INVALID);
    fx_done();
}

/* ---- the consent file ---- */
static void test_set_creates_private_file(void) {
    struct stat st;
    char *text;
    gtbt_consent k;
    fx_init();
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    CHECK_INT(stat(F.cfg, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK_INT(lstat(F.conf, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0600);
    text = gt_read(F.conf);
    CHECK_CONTAINS(text, "enabled = true\n");
    CHECK_INT(gt_occurrences(text, "enabled ="), 1);
    free(text);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK(k.is_set);
    CHECK_STR(k.decided_by, "config");
    CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_OK);
    text = gt_read(F.conf);
    CHECK_CONTAINS(text, "enabled = false\n");
    CHECK_NOT_CONTAINS(text, "enabled = true");
    CHECK_INT(gt_occurrences(text, "enabled ="), 1);
    free(text);
    CHECK_INT(lstat(F.conf, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(k.is_set);
    CHECK_STR(k.decided_by, "config");
    /* missing parents are created too */
    {
        char deep[700];
        snprintf(deep, sizeof deep, "%s/a/b/c", F.dir);
        F.d.config_dir = deep;
        CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
        CHECK_INT(stat(deep, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0700);
        k = resolve(&F.d);
        CHECK(k.enabled);
        F.d.config_dir = F.cfg;
    }
    fx_done();
}

static void test_set_preserves_other_lines(void) {
    const char *orig =
        "# my settings\n"
        "   # indented comment\n"
        "\n"
        "foo = bar\n"
        "enabled = false\n"
        "local_only = no\n"
        "enabled = true\n"
        "other.key-x = \"quoted value\"\n";
    char *text;
    const char *p1, *p2, *p3, *p4;
    gtbt_consent k;
    fx_init();
    write_conf(orig);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    text = gt_read(F.conf);
    CHECK_CONTAINS(text, "# my settings\n");
    CHECK_CONTAINS(text, "   # indented comment\n");
    CHECK_CONTAINS(text, "\n\n");
    CHECK_CONTAINS(text, "foo = bar\n");
    CHECK_CONTAINS(text, "local_only = no\n");
    CHECK_CONTAINS(text, "other.key-x = \"quoted value\"\n");
    CHECK_CONTAINS(text, "enabled = true\n");
    CHECK_INT(gt_occurrences(text, "enabled ="), 1);
    CHECK_NOT_CONTAINS(text, "enabled = false");
    p1 = text ? strstr(text, "# my settings") : NULL;
    p2 = text ? strstr(text, "   # indented") : NULL;
    p3 = text ? strstr(text, "foo = bar") : NULL;
    p4 = text ? strstr(text, "other.key-x") : NULL;
    CHECK(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4);   /* order kept */
    free(text);
    /* rewrite again and again: still one enabled line, the rest untouched */
    CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_OK);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_OK);
    text = gt_read(F.conf);
    CHECK_INT(gt_occurrences(text, "enabled ="), 1);
    CHECK_CONTAINS(text, "enabled = false\n");
    CHECK_INT(gt_occurrences(text, "# my settings\n"), 1);
    CHECK_INT(gt_occurrences(text, "foo = bar\n"), 1);
    CHECK_INT(gt_occurrences(text, "other.key-x"), 1);
    free(text);
    k = resolve(&F.d);
    CHECK(!k.enabled);
    CHECK(!k.local_only);
    CHECK(k.is_set);
    CHECK(!k.file_malformed);
    /* a file whose last line has no newline */
    write_conf("foo = bar");
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    text = gt_read(F.conf);
    CHECK_CONTAINS(text, "foo = bar\n");
    CHECK_CONTAINS(text, "enabled = true\n");
    free(text);
    k = resolve(&F.d);
    CHECK(k.enabled);
    CHECK(!k.file_malformed);
    fx_done();
}

static void test_set_is_atomic(void) {
    int i;
    fx_init();
    write_conf("# keep\nfoo = 1\n");
    for (i = 0; i < 20; i++) CHECK_INT(gtbt_consent_set(&F.d, i % 2 == 0), GTBT_OK);
    CHECK_INT(entries(F.cfg), 1);                      /* telemetry.conf and nothing else */
    CHECK_INT(gt_count(F.cfg, "telemetry.conf", NULL), 1);
    CHECK_INT(gt_count(F.cfg, ".", ".tmp"), 0);
    /* rename replaced the file: a hard link to the old one keeps the old content */
    {
        char old[700], *a, *b;
        snprintf(old, sizeof old, "%s/old-link", F.dir);
        CHECK_INT(link(F.conf, old), 0);
        CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
        a = gt_read(old);
        b = gt_read(F.conf);
        CHECK_CONTAINS(a, "enabled = false\n");
        CHECK_CONTAINS(b, "enabled = true\n");
        free(a);
        free(b);
    }
    CHECK_INT(entries(F.cfg), 1);
    fx_done();
}

/* a temp file left by a crashed writer (same pid: pid 1 in every container run) must not block */
static void test_set_stale_temp_file(void) {
    char tmp[700], *text;
    gtbt_consent k;
    fx_init();
    write_conf("enabled = false\n");
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", F.conf, (int)getpid());
    gt_write(tmp, "enabled = tru");
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    text = gt_read(F.conf);
    CHECK_CONTAINS(text, "enabled = true\n");
    free(text);
    k = resolve(&F.d);
    CHECK(k.enabled);
    fx_done();
}

static void test_set_refuses_symlink(void) {
    char target[700], *text;
    struct stat st;
    int rc;
    mode_t mode;
    const char *orig = "enabled = false\n# the target, not to be touched\n";
    fx_init();
    mkdir(F.cfg, 0700);
    snprintf(target, sizeof target, "%s/elsewhere.conf", F.dir);
    gt_write(target, orig);
    CHECK_INT(symlink(target, F.conf), 0);
    CHECK_INT(lstat(target, &st), 0);
    mode = st.st_mode & 07777;
    rc = gtbt_consent_set(&F.d, true);
    text = gt_read(target);
    CHECK_STR(text, orig);                             /* the target was not modified */
    free(text);
    CHECK_INT(lstat(target, &st), 0);
    CHECK_INT(st.st_mode & 07777, mode);               /* nor its mode */
    if (rc == GTBT_OK) {
        /* the link itself was replaced by a regular file */
        CHECK_INT(lstat(F.conf, &st), 0);
        CHECK(S_ISREG(st.st_mode));
        text = gt_read(F.conf);
        CHECK_CONTAINS(text, "enabled = true\n");
        free(text);
    } else {
        CHECK_INT(rc, GTBT_E_IO);
    }
    /* a dangling link is not followed into a new file either */
    {
        char ghost[700];
        snprintf(ghost, sizeof ghost, "%s/ghost.conf", F.dir);
        unlink(F.conf);
        CHECK_INT(symlink(ghost, F.conf), 0);
        gtbt_consent_set(&F.d, true);
        CHECK(!file_exists(ghost));
    }
    fx_done();
}

static void test_set_unsafe_dir(void) {
    fx_init();
    mkdir(F.cfg, 0700);
    chmod(F.cfg, 0777);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_E_IO);
    CHECK(!file_exists(F.conf));
    chmod(F.cfg, 0770);                               /* group-writable, ours, only our files: tightened */
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    {
        struct stat st;
        CHECK_INT(stat(F.cfg, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0700);
    }
    unlink(F.conf);
    chmod(F.cfg, 0702);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_E_IO);
    CHECK(!file_exists(F.conf));
    chmod(F.cfg, 0700);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_OK);
    /* a directory that is not ours */
    if (geteuid() == 0) {
        CHECK_INT(chown(F.cfg, 65534, 65534), 0);
        CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_E_IO);
        CHECK_INT(chown(F.cfg, 0, 0), 0);
        {
            char *text = gt_read(F.conf);
            CHECK_CONTAINS(text, "enabled = true\n");
            free(text);
        }
    } else {
        F.d.config_dir = "/";
        CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_E_IO);
        F.d.config_dir = F.cfg;
    }
    /* a config "dir" that is a file */
    {
        char notdir[700];
        snprintf(notdir, sizeof notdir, "%s/plainfile", F.dir);
        gt_write(notdir, "x");
        F.d.config_dir = notdir;
        CHECK(gtbt_consent_set(&F.d, true) != GTBT_OK);
        F.d.config_dir = F.cfg;
    }
    fx_done();
}

static void set_read_only_dir(void) {
    fx_init();
    mkdir(F.cfg, 0700);
    chmod(F.cfg, 0500);
    CHECK_INT(gtbt_consent_set(&F.d, true), GTBT_E_IO);
    CHECK(!file_exists(F.conf));
    chmod(F.cfg, 0700);
    fx_done();
}
/* As an unprivileged user: root ignores the directory's mode. */
static void test_set_read_only_dir(void) { gt_unprivileged(set_read_only_dir); }

/* resolve says "not set, malformed"; set() repairs the file. */
static void check_malformed_then_repaired(const char *text, size_t n, const char *bad_line, int line) {
    gtbt_consent k;
    char *after;
    write_conf_n(text, n);
    k = resolve(&F.d);
    if (k.is_set || !k.file_malformed || k.enabled || strcmp(k.decided_by, "default") != 0)
        gt_fail(__FILE__, line, "malformed file: is_set %d file_malformed %d enabled %d decided_by %s",
                k.is_set, k.file_malformed, k.enabled, k.decided_by);
    /* an env rule still decides, and the file stays "not set" */
    setenv("TELEMETRY_ENABLED", "1", 1);
    k = resolve(&F.d);
    if (!k.enabled || k.is_set || !k.file_malformed || strcmp(k.decided_by, "TELEMETRY_ENABLED") != 0)
        gt_fail(__FILE__, line, "malformed file + env: is_set %d file_malformed %d enabled %d decided_by %s",
                k.is_set, k.file_malformed, k.enabled, k.decided_by);
    unsetenv("TELEMETRY_ENABLED");
    if (gtbt_consent_set(&F.d, true) != GTBT_OK) gt_fail(__FILE__, line, "set on a malformed file failed");
    k = resolve(&F.d);
    if (!k.is_set || k.file_malformed || !k.enabled || strcmp(k.decided_by, "config") != 0)
        gt_fail(__FILE__, line, "after set: is_set %d file_malformed %d enabled %d decided_by %s",
                k.is_set, k.file_malformed, k.enabled, k.decided_by);
    after = gt_read(F.conf);
    if (!after || gt_occurrences(after, "enabled =") != 1) gt_fail(__FILE__, line, "after set: %s", after ? after : "(none)");
    if (bad_line && after) {
        /* the bad line survives, as a comment */
        const char *p = strstr(after, bad_line);
        if (!p) gt_fail(__FILE__, line, "bad line \"%s\" lost: %s", bad_line, after);
        else {
            const char *bol = p;
            while (bol > after && bol[-1] != '\n') bol--;
            while (*bol == ' ' || *bol == '\t') bol++;
            if (*bol != '#') gt_fail(__FILE__, line, "bad line \"%s\" not commented out: %s", bad_line, after);
        }
    }
    free(after);
    unlink(F.conf);
}

static void test_malformed_file(void) {
    fx_init();
    {
        const char *t = "# comment\nenabled = true\nthis is not valid\n";
        check_malformed_then_repaired(t, strlen(t), "this is not valid", __LINE__);
    }
    {
        const char *t = "enabled = maybe\nfoo = bar\n";
        check_malformed_then_repaired(t, strlen(t), NULL, __LINE__);
    }
    {
        const char *t = "enabled =\n";
        check_malformed_then_repaired(t, strlen(t), NULL, __LINE__);
    }
    {
        const char *t = "= true\n";
        check_malformed_then_repaired(t, strlen(t), NULL, __LINE__);
    }
    {
        const char *t = "enabled: true\n";
        check_malformed_then_repaired(t, strlen(t), "enabled: true", __LINE__);
    }
    {
        const char *t = "[telemetry]\nenabled = true\n";
        check_malformed_then_repaired(t, strlen(t), "[telemetry]", __LINE__);
    }
    {
        static const char t[] = "enabled = true\n\0\nfoo = bar\n";
        check_malformed_then_repaired(t, sizeof t - 1, NULL, __LINE__);
    }
    {
        static const char t[] = "enab\0led = true\n";
        check_malformed_then_repaired(t, sizeof t - 1, NULL, __LINE__);
    }
    {
        size_t n = 70 * 1024, i;
        char *big = (char *)malloc(n);
        char *after;
        memcpy(big, "enabled = true\n", 15);
        for (i = 15; i < n; i++) big[i] = ((i - 15) % 64 == 63) ? '\n' : ((i - 15) % 64 == 0 ? '#' : 'c');
        check_malformed_then_repaired(big, n, NULL, __LINE__);
        /* the repaired file is small again */
        write_conf_n(big, n);
        CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_OK);
        after = gt_read(F.conf);
        CHECK(after && strlen(after) < 64 * 1024);
        free(after);
        free(big);
    }
    /* exactly at the limit is still read */
    {
        size_t n = 64 * 1024, i;
        char *big = (char *)malloc(n);
        gtbt_consent k;
        memcpy(big, "enabled = true\n", 15);
        for (i = 15; i < n; i++) big[i] = ((i - 15) % 64 == 63 || i == n - 1) ? '\n' : ((i - 15) % 64 == 0 ? '#' : 'c');
        write_conf_n(big, n);
        k = resolve(&F.d);
        CHECK(k.is_set);
        CHECK(k.enabled);
        CHECK(!k.file_malformed);
        free(big);
    }
    fx_done();
}

static void test_quoted_values(void) {
    gtbt_consent k;
    fx_init();
    write_conf("enabled = \"true\"\n");
    k = resolve(&F.d);
    CHECK(k.is_set);
    CHECK(k.enabled);
    CHECK(!k.file_malformed);
    write_conf("enabled = 'off'\nlocal_only = \"yes\"\n");
    k = resolve(&F.d);
    CHECK(k.is_set);
    CHECK(!k.enabled);
    CHECK(!k.file_malformed);
    CHECK(k.local_only);
    write_conf("  enabled   =   \"yes\"   \n");
    k = resolve(&F.d);
    CHECK(k.is_set);
    CHECK(k.enabled);
    write_conf("enabled = \"yes'\n");
    k = resolve(&F.d);
    CHECK(!k.is_set);
    CHECK(k.file_malformed);
    fx_done();
}

/* ---- default places ---- */
typedef struct saved_env { char *home, *xc, *xs; } saved_env;
static char *dup_env(const char *n) { const char *v = getenv(n); return v ? strdup(v) : NULL; }
static saved_env env_save(void) {
    saved_env s;
    s.home = dup_env("HOME"); s.xc = dup_env("XDG_CONFIG_HOME"); s.xs = dup_env("XDG_STATE_HOME");
    return s;
}
static void env_put(const char *n, const char *v) { if (v) setenv(n, v, 1); else unsetenv(n); }
static void env_restore(saved_env *s) {
    env_put("HOME", s->home); env_put("XDG_CONFIG_HOME", s->xc); env_put("XDG_STATE_HOME", s->xs);
    free(s->home); free(s->xc); free(s->xs);
}

static void test_default_dirs(void) {
    saved_env s = env_save();
    gtbt_desc d;
    char out[GTBT__MAX_PATH], want[1024], home[600];
    fx_init();
    snprintf(home, sizeof home, "%s/home", F.dir);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    memset(&d, 0, sizeof d);
    d.tool_name = "mytool";
    /* absolute XDG values */
    setenv("XDG_CONFIG_HOME", "/somewhere/cfg", 1);
    setenv("XDG_STATE_HOME", "/somewhere/state", 1);
    CHECK_INT(gtbt__config_dir(&d, out, sizeof out), GTBT_OK);
    CHECK_STR(out, "/somewhere/cfg/mytool");
    CHECK_INT(gtbt__data_dir(&d, out, sizeof out), GTBT_OK);
    CHECK_STR(out, "/somewhere/state/mytool");
    /* relative XDG values are ignored */
    setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
    setenv("XDG_STATE_HOME", "./state", 1);
    CHECK_INT(gtbt__config_dir(&d, out, sizeof out), GTBT_OK);
    snprintf(want, sizeof want, "%s/.config/mytool", home);
    CHECK_STR(out, want);
    CHECK_INT(gtbt__data_dir(&d, out, sizeof out), GTBT_OK);
    snprintf(want, sizeof want, "%s/.local/state/mytool", home);
    CHECK_STR(out, want);
    /* empty and unset too */
    setenv("XDG_CONFIG_HOME", "", 1);
    unsetenv("XDG_STATE_HOME");
    CHECK_INT(gtbt__config_dir(&d, out, sizeof out), GTBT_OK);
    snprintf(want, sizeof want, "%s/.config/mytool", home);
    CHECK_STR(out, want);
    CHECK_INT(gtbt__data_dir(&d, out, sizeof out), GTBT_OK);
    snprintf(want, sizeof want, "%s/.local/state/mytool", home);
    CHECK_STR(out, want);
    /* an explicit dir wins; "" means default */
    d.config_dir = "/explicit/cfg";
    d.data_dir = "/explicit/data";
    CHECK_INT(gtbt__config_dir(&d, out, sizeof out), GTBT_OK);
    CHECK_STR(out, "/explicit/cfg");
    CHECK_INT(gtbt__data_dir(&d, out, sizeof out), GTBT_OK);
    CHECK_STR(out, "/explicit/data");
    d.config_dir = "";
    d.data_dir = "";
    CHECK_INT(gtbt__config_dir(&d, out, sizeof out), GTBT_OK);
    snprintf(want, sizeof want, "%s/.config/mytool", home);
    CHECK_STR(out, want);
    /* end to end: set() writes under the default config dir, resolve() reads it */
    d.config_dir = NULL;
    d.data_dir = NULL;
    CHECK_INT(gtbt_consent_set(&d, true), GTBT_OK);
    snprintf(want, sizeof want, "%s/.config/mytool/telemetry.conf", home);
    CHECK(file_exists(want));
    {
        gtbt_consent k = resolve(&d);
        CHECK(k.enabled);
        CHECK_STR(k.decided_by, "config");
    }
    {
        char xdg[700];
        gtbt_consent k;
        snprintf(xdg, sizeof xdg, "%s/xdgcfg", F.dir);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        k = resolve(&d);
        CHECK(!k.is_set);   /* a different place now */
        CHECK_INT(gtbt_consent_set(&d, false), GTBT_OK);
        snprintf(want, sizeof want, "%s/mytool/telemetry.conf", xdg);
        CHECK(file_exists(want));
    }
    env_restore(&s);
    fx_done();
}

/* ---- the prompt ---- */
typedef struct pty { int master, slave; FILE *in, *out; } pty;

static int pty_open(pty *p) {
    struct termios t;
    const char *name;
    memset(p, 0, sizeof *p);
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0 || grantpt(p->master) != 0 || unlockpt(p->master) != 0 || !(name = ptsname(p->master))) return -1;
    p->slave = open(name, O_RDWR | O_NOCTTY);
    if (p->slave < 0) return -1;
    if (tcgetattr(p->slave, &t) == 0) {   /* no echo: what the master reads is what the library wrote */
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        tcsetattr(p->slave, TCSANOW, &t);
    }
    p->in = fdopen(p->slave, "r");
    p->out = fdopen(dup(p->slave), "w");
    return (p->in && p->out) ? 0 : -1;
}
/* Types text into the terminal and waits until the line has arrived at the slave. */
static void pty_type(pty *p, const char *text) {
    struct pollfd pf;
    CHECK_INT(write(p->master, text, strlen(text)), (long long)strlen(text));
    pf.fd = p->slave; pf.events = POLLIN; pf.revents = 0;
    CHECK_INT(poll(&pf, 1, 5000), 1);
}
/* 1 when typed input is still waiting, unread. */
static int pty_input_pending(pty *p) {
    struct pollfd pf;
    pf.fd = p->slave; pf.events = POLLIN; pf.revents = 0;
    return poll(&pf, 1, 0) == 1;
}
/* What the library wrote to the terminal (waits up to wait_ms for the first byte). */
static char *pty_output(pty *p, int wait_ms) {
    static char buf[8192];
    size_t n = 0;
    struct pollfd pf;
    pf.fd = p->master; pf.events = POLLIN;
    while (n < sizeof buf - 1) {
        ssize_t r;
        pf.revents = 0;
        if (poll(&pf, 1, n ? 200 : wait_ms) != 1) break;
        r = read(p->master, buf + n, sizeof buf - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    buf[n] = 0;
    return buf;
}
static void pty_close(pty *p) {
    if (p->in) fclose(p->in);
    if (p->out) fclose(p->out);
    if (p->master >= 0) close(p->master);
}

/* One prompt on a terminal with answer typed in; returns the prompt's result, the output in *text. */
static int prompt_pty(const char *answer, char **text) {
    pty p;
    int rc;
    static char copy[8192];
    copy[0] = 0;
    if (pty_open(&p) != 0) { CHECK(!"cannot open a pseudo-terminal"); pty_close(&p); *text = copy; return -1; }
    pty_type(&p, answer);
    rc = gtbt_prompt(&F.d, p.in, p.out);
    snprintf(copy, sizeof copy, "%s", pty_output(&p, 2000));
    pty_close(&p);
    *text = copy;
    return rc;
}

static void test_prompt_pty_yes(void) {
    static const char *const yes[] = {"y\n", "yes\n", "YES\n", "Y\n"};
    size_t i;
    char *out, *conf;
    gtbt_consent k;
    fx_init();
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        unlink(F.conf);
        CHECK_INT(prompt_pty(yes[i], &out), 1);
        CHECK_CONTAINS(out, "mytool");
        CHECK_CONTAINS(out, "[y/N]");
        conf = gt_read(F.conf);
        CHECK_CONTAINS(conf, "enabled = true\n");
        free(conf);
        k = resolve(&F.d);
        CHECK(k.enabled);
        CHECK_STR(k.decided_by, "config");
    }
    fx_done();
}

/* one FILE opened "r+" on the terminal, passed as both in and out */
static void test_prompt_pty_same_file(void) {
    pty p;
    FILE *both;
    char *out, *conf;
    fx_init();
    if (pty_open(&p) != 0) { CHECK(!"cannot open a pseudo-terminal"); pty_close(&p); fx_done(); return; }
    both = fdopen(dup(p.slave), "r+");
    CHECK(both != NULL);
    pty_type(&p, "yes\n");
    CHECK_INT(gtbt_prompt(&F.d, both, both), 1);
    out = pty_output(&p, 2000);
    CHECK_CONTAINS(out, "mytool");
    CHECK_CONTAINS(out, "[y/N]");
    fclose(both);
    pty_close(&p);
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = true\n");
    free(conf);
    fx_done();
}

static void test_prompt_pty_no(void) {
    /* an unclear answer is asked again once, then taken as No */
    static const char *const no[] = {"\n", "n\n", "no\n", "N\n", "yess\nyess\n", "sure\n\n", "1\nno\n", "oui\nnon\n", "y es\nn\n"};
    size_t i;
    char *out, *conf;
    gtbt_consent k;
    fx_init();
    for (i = 0; i < sizeof no / sizeof no[0]; i++) {
        unlink(F.conf);
        if (prompt_pty(no[i], &out) != 0) gt_fail(__FILE__, __LINE__, "answer \"%s\" taken as yes", no[i]);
        CHECK_CONTAINS(out, "[y/N]");
        conf = gt_read(F.conf);
        CHECK_CONTAINS(conf, "enabled = false\n");
        free(conf);
        k = resolve(&F.d);
        CHECK(!k.enabled);
        CHECK(k.is_set);
    }
    fx_done();
}

/* An unclear answer: asked again once; a clear second answer counts. The saved choice is confirmed
   in one line. */
static void test_prompt_pty_reask(void) {
    char *out, *conf;
    fx_init();
    CHECK_INT(prompt_pty("maybe\ny\n", &out), 1);
    CHECK_CONTAINS(out, "Please answer y or n. Enable telemetry? [y/N]: ");
    CHECK_CONTAINS(out, "Telemetry enabled and saved;");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = true\n");
    free(conf);
    unlink(F.conf);
    CHECK_INT(prompt_pty("maybe\nperhaps\n", &out), 0);
    CHECK_CONTAINS(out, "Telemetry stays off; saved");
    conf = gt_read(F.conf);
    CHECK_CONTAINS(conf, "enabled = false\n");
    free(conf);
    /* what is collected is said, the pseudonymous id included, and no false "no PII" claim */
    CHECK_CONTAINS(out, "pseudonymous id");
    CHECK_NOT_CONTAINS(out, "personally identifiable");
    fx_done();
}

/* Ctrl-D at the prompt: nothing saved, the line ended (the tool's next output starts afresh). */
static void test_prompt_pty_eof(void) {
    pty p;
    char *out;
    fx_init();
    if (pty_open(&p) != 0) { CHECK(!"cannot open a pseudo-terminal"); pty_close(&p); fx_done(); return; }
    pty_type(&p, "\x04");   /* VEOF at the start of a line: read() returns 0 */
    CHECK_INT(gtbt_prompt(&F.d, p.in, p.out), 0);
    out = pty_output(&p, 2000);
    CHECK_CONTAINS(out, "[y/N]: ");
    CHECK_CONTAINS(out, "No answer; nothing saved");
    {   /* the prompt line was ended before the message, and the message ends its line */
        const char *m = strstr(out, "No answer");
        CHECK(m && m > out && m[-1] == '\n' && m[-2] != ':' && m[-2] != ' ');
    }
    CHECK(out[0] && out[strlen(out) - 1] == '\n');
    pty_close(&p);
    CHECK(!file_exists(F.conf));
    CHECK(!resolve(&F.d).is_set);
    fx_done();
}

/* With a terminal and an answer waiting: the prompt must return 0 without reading or writing. */
static void check_not_asked(int line) {
    pty p;
    char *out;
    int rc;
    if (pty_open(&p) != 0) { gt_fail(__FILE__, line, "cannot open a pseudo-terminal"); pty_close(&p); return; }
    pty_type(&p, "y\n");
    rc = gtbt_prompt(&F.d, p.in, p.out);
    if (rc != 0) gt_fail(__FILE__, line, "prompt returned %d", rc);
    if (!pty_input_pending(&p)) gt_fail(__FILE__, line, "prompt read the answer");
    out = pty_output(&p, 100);
    if (out[0]) gt_fail(__FILE__, line, "prompt wrote \"%s\"", out);
    pty_close(&p);
}

static void test_prompt_not_asked_when_decided(void) {
    char *conf;
    fx_init();
    setenv("DO_NOT_TRACK", "1", 1);
    check_not_asked(__LINE__);
    unsetenv("DO_NOT_TRACK");
    setenv("MYTOOL_TELEMETRY_ENABLED", "1", 1);
    check_not_asked(__LINE__);
    setenv("MYTOOL_TELEMETRY_ENABLED", "0", 1);
    check_not_asked(__LINE__);
    unsetenv("MYTOOL_TELEMETRY_ENABLED");
    setenv("TELEMETRY_ENABLED", "0", 1);
    check_not_asked(__LINE__);
    setenv("TELEMETRY_ENABLED", "", 1);
    check_not_asked(__LINE__);
    unsetenv("TELEMETRY_ENABLED");
    CHECK(!file_exists(F.conf));      /* nothing was saved by any of these */
    F.d.force_enabled = true;
    check_not_asked(__LINE__);
    F.d.force_enabled = false;
    CHECK(!file_exists(F.conf));
    write_conf("enabled = false\n");
    check_not_asked(__LINE__);
    conf = gt_read(F.conf);
    CHECK_STR(conf, "enabled = false\n");
    free(conf);
    write_conf("enabled = true\n");
    check_not_asked(__LINE__);
    conf = gt_read(F.conf);
    CHECK_STR(conf, "enabled = true\n");
    free(conf);
    fx_done();
}

static void test_prompt_ci(void) {
    static const char *const defer[] = {"true", "1", "", "yes", "anything"};
    size_t i;
    char *out;
    fx_init();
    for (i = 0; i < sizeof defer / sizeof defer[0]; i++) {
        setenv("CI", defer[i], 1);
        check_not_asked(__LINE__);
        if (file_exists(F.conf)) gt_fail(__FILE__, __LINE__, "CI=\"%s\": the answer was saved", defer[i]);
    }
    setenv("CI", "false", 1);            /* CI=false does not defer */
    CHECK_INT(prompt_pty("y\n", &out), 1);
    CHECK_CONTAINS(out, "[y/N]");
    unlink(F.conf);
    setenv("CI", "0", 1);
    CHECK_INT(prompt_pty("n\n", &out), 0);
    CHECK_CONTAINS(out, "[y/N]");
    CHECK(file_exists(F.conf));
    fx_done();
}

static void test_prompt_not_a_tty(void) {
    int in_pipe[2], out_pipe[2];
    FILE *in, *out;
    char buf[64];
    ssize_t n;
    pty p;
    fx_init();
    CHECK_INT(pipe(in_pipe), 0);
    CHECK_INT(pipe(out_pipe), 0);
    CHECK_INT(write(in_pipe[1], "y\n", 2), 2);
    close(in_pipe[1]);
    in = fdopen(in_pipe[0], "r");
    out = fdopen(out_pipe[1], "w");
    CHECK_INT(gtbt_prompt(&F.d, in, out), 0);
    fclose(out);
    n = read(out_pipe[0], buf, sizeof buf);
    CHECK_INT(n, 0);                       /* nothing written */
    n = read(in_pipe[0], buf, sizeof buf);
    CHECK_INT(n, 2);                       /* nothing read */
    fclose(in);
    close(out_pipe[0]);
    CHECK(!file_exists(F.conf));
    /* a terminal on one side only is not enough */
    if (pty_open(&p) == 0) {
        FILE *devnull = fopen("/dev/null", "w");
        pty_type(&p, "y\n");
        CHECK_INT(gtbt_prompt(&F.d, p.in, devnull), 0);
        CHECK(pty_input_pending(&p));
        fclose(devnull);
        devnull = fopen("/dev/null", "r");
        CHECK_INT(gtbt_prompt(&F.d, devnull, p.out), 0);
        CHECK_STR(pty_output(&p, 100), "");
        fclose(devnull);
    } else {
        CHECK(!"cannot open a pseudo-terminal");
    }
    pty_close(&p);
    CHECK(!file_exists(F.conf));
    CHECK_INT(gtbt_prompt(&F.d, NULL, stdout), 0);
    CHECK_INT(gtbt_prompt(NULL, stdin, stdout), 0);
    fx_done();
}

/* ---- hostile environment ---- */
static void test_hostile_env(void) {
    static const char *const vars[] = {"DO_NOT_TRACK", "TELEMETRY_ENABLED", "TELEMETRY_LOCAL", "TELEMETRY_DEBUG",
                                       "MYTOOL_TELEMETRY_ENABLED", "MYTOOL_TELEMETRY_LOCAL", "MYTOOL_TELEMETRY_DEBUG", "CI",
                                       "XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME"};
    saved_env s = env_save();
    char *big = (char *)malloc(10 * 1024 + 1), *bigpath = (char *)malloc(10 * 1024 + 1);
    const char *values[4];
    size_t i, v;
    int in_pipe[2];
    FILE *in, *out;
    fx_init();
    memset(big, 'A', 10 * 1024);
    big[10 * 1024] = 0;
    memset(bigpath, 'b', 10 * 1024);
    bigpath[0] = '/';
    bigpath[10 * 1024] = 0;
    values[0] = big;
    values[1] = bigpath;
    values[2] = "\xC3\xA9t\xC3\xA9 \xFF\xFE\xE2\x80\xAE";
    values[3] = "/tmp/\xFF\xFE/\n/x";
    CHECK_INT(pipe(in_pipe), 0);
    in = fdopen(in_pipe[0], "r");
    out = fopen("/dev/null", "w");
    for (v = 0; v < 4; v++) {
        gtbt_desc dd;
        gtbt_consent k;
        gtbt_collector *c;
        FILE *sink;
        for (i = 0; i < sizeof vars / sizeof vars[0]; i++) setenv(vars[i], values[v], 1);
        k = resolve(&F.d);
        CHECK(!k.enabled);                                 /* none of these values is "true" */
        CHECK_STR(k.decided_by, "DO_NOT_TRACK");           /* and any DO_NOT_TRACK value opts out */
        CHECK(!k.debug);
        memset(&dd, 0, sizeof dd);
        dd.tool_name = "mytool";                            /* default dirs from the hostile HOME/XDG */
        memset(&k, 0, sizeof k);
        CHECK_INT(gtbt_consent_resolve(&dd, &k), GTBT_OK);
        CHECK(!k.enabled);
        CHECK_INT(gtbt_prompt(&F.d, in, out), 0);
        CHECK_INT(gtbt_prompt(&dd, in, out), 0);
        CHECK_INT(gtbt_consent_set(&F.d, false), GTBT_OK);
        c = gtbt_new(&F.d);
        CHECK(c != NULL);
        CHECK(!gtbt_enabled(c));
        sink = fopen("/dev/null", "w");
        CHECK_INT(gtbt_cli(c, 1, (const char *const[]){"status"}, sink), 0);
        fclose(sink);
        gtbt_close(c);
        unsetenv("MYTOOL_TELEMETRY_ENABLED");
        unsetenv("DO_NOT_TRACK");
        setenv("TELEMETRY_ENABLED", "1", 1);
        F.d.force_enabled = false;
        c = gtbt_new(&F.d);
        CHECK(gtbt_enabled(c));
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, values[v], NULL, 0);
        gtbt_drop(c);
        gtbt_close(c);
    }
    fclose(in);
    close(in_pipe[1]);
    fclose(out);
    free(big);
    free(bigpath);
    env_restore(&s);
    fx_done();
}

static const gt_test tests[] = {
    {"force_beats_everything", test_force_beats_everything},
    {"do_not_track", test_do_not_track},
    {"env_order", test_env_order},
    {"tool_env_name", test_tool_env_name},
    {"invalid_env_value_decides_false", test_invalid_env_value_decides_false},
    {"booleans", test_booleans},
    {"default", test_default},
    {"local_only", test_local_only},
    {"debug_only_when_enabled", test_debug_only_when_enabled},
    {"invalid_tool_names", test_invalid_tool_names},
    {"set_creates_private_file", test_set_creates_private_file},
    {"set_preserves_other_lines", test_set_preserves_other_lines},
    {"set_is_atomic", test_set_is_atomic},
    {"set_stale_temp_file", test_set_stale_temp_file},
    {"set_refuses_symlink", test_set_refuses_symlink},
    {"set_unsafe_dir", test_set_unsafe_dir},
    {"set_read_only_dir", test_set_read_only_dir},
    {"malformed_file", test_malformed_file},
    {"quoted_values", test_quoted_values},
    {"default_dirs", test_default_dirs},
    {"prompt_pty_yes", test_prompt_pty_yes},
    {"prompt_pty_same_file", test_prompt_pty_same_file},
    {"prompt_pty_reask", test_prompt_pty_reask},
    {"prompt_pty_eof", test_prompt_pty_eof},
    {"prompt_pty_no", test_prompt_pty_no},
    {"prompt_not_asked_when_decided", test_prompt_not_asked_when_decided},
    {"prompt_ci", test_prompt_ci},
    {"prompt_not_a_tty", test_prompt_not_a_tty},
    {"hostile_env", test_hostile_env},
};
int main(int argc, char **argv) { env_clear(); return GT_RUN(tests, argc, argv); }

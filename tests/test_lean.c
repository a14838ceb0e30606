/* test_lean.c - work the library does not do on the common path, pinned by counts (never by
   time): one event delivered to a good receiver starts no thread and leaves one file, the sent
   log; the user name for the machine id comes from /etc/passwd without the name service when
   the name service would read that file first, and is the same name getpwuid_r gives; SHA-256
   with its padding written in one step agrees with BearSSL's at every length; the sent log of a
   tool run many times is appended to, and rewritten (its oldest lines dropped) once in many runs. */

/* every thread the library starts goes through this counter (a test seam: the name is changed
   for this file only) */
#define pthread_create gt_counted_pthread_create
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#undef pthread_create
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"
#include <bearssl.h>

extern int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg);
static int gt_threads_started;
int gt_counted_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
    gt_threads_started++;
    return pthread_create(thread, attr, start, arg);
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    size_t k = strlen(needle);
    while (hay && (hay = strstr(hay, needle)) != NULL) { n++; hay += k; }
    return n;
}

/* ---- SHA-256 against BearSSL: every length over three blocks, whole and byte by byte ---- */
static void test_sha256_every_length(void) {
    unsigned char msg[200], mine[32], mine1[32], ref[32];
    size_t n, i;
    for (i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)(i * 7 + 3);
    for (n = 0; n <= sizeof msg; n++) {
        gtbt__sha256 s;
        br_sha256_context b;
        gtbt__sha256_init(&s);
        gtbt__sha256_update(&s, msg, n);
        gtbt__sha256_final(&s, mine);
        gtbt__sha256_init(&s);
        for (i = 0; i < n; i++) gtbt__sha256_update(&s, msg + i, 1);
        gtbt__sha256_final(&s, mine1);
        br_sha256_init(&b);
        br_sha256_update(&b, msg, n);
        br_sha256_out(&b, ref);
        CHECK_MSG(!memcmp(mine, ref, 32), "SHA-256 of %d bytes differs from BearSSL's", (int)n);
        CHECK_MSG(!memcmp(mine1, ref, 32), "SHA-256 of %d bytes fed byte by byte differs from BearSSL's", (int)n);
    }
}

/* ---- the user name straight from /etc/passwd ---- */
static char P_nss[512], P_pw[512];

/* gtbt__passwd_name_posix over an nsswitch.conf and a passwd with these contents (NULL: the
   file does not exist); the name found, or "(libc)" when the C library must answer. */
static const char *pw_name(const char *nss, const char *passwd, unsigned long uid, size_t cap) {
    static char out[64];
    unlink(P_nss);
    unlink(P_pw);
    if (nss) write_mode(P_nss, nss, strlen(nss), 0644);
    if (passwd) write_mode(P_pw, passwd, strlen(passwd), 0644);
    strcpy(out, "untouched");
    if (!gtbt__passwd_name_posix(P_nss, P_pw, uid, out, cap)) {
        CHECK_STR(out, "untouched");
        return "(libc)";
    }
    return out;
}

static void test_passwd_name(void) {
    const char *dir = gt_tmpdir();
    static const char pw[] = "# users\n\nroot:x:0:0:root:/root:/bin/bash\nann:x:1000:1000:Ann:/home/ann:/bin/sh\n"
                             "bob:x:01001:100::/home/bob:\n";
    pjoin(P_nss, sizeof P_nss, dir, "nsswitch.conf");
    pjoin(P_pw, sizeof P_pw, dir, "passwd");
    if (!GTBT__LINUX) {   /* no shortcut elsewhere: the C library always answers */
        CHECK_STR(pw_name("passwd: files\n", pw, 1000, 64), "(libc)");
        gt_rmtree(dir);
        return;
    }
    /* files first: read here */
    CHECK_STR(pw_name("passwd:         files systemd\ngroup: files\n", pw, 1000, 64), "ann");
    CHECK_STR(pw_name("# comment\n  passwd:files # x\n", pw, 0, 64), "root");
    CHECK_STR(pw_name("passwd: files [NOTFOUND=return] ldap\n", pw, 1001, 64), "bob");   /* leading zero: 1001, as strtoul reads it */
    CHECK_STR(pw_name("passwd: files\n", pw, 1000, 3), "an");                          /* cut to the buffer */
    /* other sources first, an unclear or missing configuration: the C library answers */
    CHECK_STR(pw_name("passwd: systemd files\n", pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: filesystem\n", pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\npasswd: ldap\n", pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name("#passwd: files\n", pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name("group: files\n", pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name(NULL, pw, 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", NULL, 1000, 64), "(libc)");
    /* no line for the uid, or one the C library may read its own way */
    CHECK_STR(pw_name("passwd: files\n", pw, 4242, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", "odd:x:1O00:1:::\nann:x:1000:1000::/h:/s\n", 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", "ann:x:1000:1000\n", 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", "ann:x:1000:x1::/h:/s\n", 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", ":x:1000:1000::/h:/s\n", 1000, 64), "(libc)");
    CHECK_STR(pw_name("passwd: files\n", "ann:x:1000000000000:1::/h:/s\n", 1000, 64), "(libc)");
    /* NIS markers are never a user here; short lines name no one */
    CHECK_STR(pw_name("passwd: files\n", "+::::::\n-ann:x:1000:1000::/h:/s\nx:y\nann:x:1000:1000::/h:/s\n", 1000, 64), "ann");
    /* leading blanks are the C library's too */
    CHECK_STR(pw_name("passwd: files\n", "  ann:x:1000:1000::/h:/s\n", 1000, 64), "ann");
    gt_rmtree(dir);
}

/* The name the machine id uses is the one getpwuid_r gives (also as an unprivileged user). */
static void username_agrees(void) {
    struct passwd pw, *res = NULL;
    char tmp[4096], mine[256], want[256];
    want[0] = 0;
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name)
        snprintf(want, sizeof want, "%s", res->pw_name);
    gtbt__username_posix(mine, sizeof mine);
    CHECK_STR(mine, want);
}
static void test_username_agrees_with_getpwuid_r(void) {
    username_agrees();
    gt_unprivileged(username_agrees);
}

/* A fresh fixture (logging into L) with a running sink as its endpoint, host:port/events in url;
   0 (the failure checked, the fixture gone) when the sink did not start. */
static int with_sink(gtbt_desc *d, sink *s, const char *host, char *url, size_t cap) {
    env_clear();
    *d = fixture_desc(1);
    memset(s, 0, sizeof *s);
    if (sink_start(s, T_dir, NULL) != 0) { CHECK_MSG(0, "the sink did not start"); fixture_done(); return 0; }
    snprintf(url, cap, "http://%s:%d/events", host, s->port);
    d->endpoint = url;
    return 1;
}

/* ---- one event to a good receiver: no thread, one file (the sent log), the event arrives ---- */
static void test_one_event_no_thread_one_file(void) {
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[64];
    if (!with_sink(&d, &s, "127.0.0.1", url, sizeof url)) return;
    gt_threads_started = 0;
    c = gtbt_new(&d);
    gtbt_track_command(c, "build", 42, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(gt_threads_started, 0);
    CHECK_INT(t_tree_count(T_data, NULL), 1);
    CHECK_INT(t_tree_count(T_data, "telemetry-sent.ndjson"), 1);
    CHECK_INT(t_tree_count(T_cfg, NULL), 0);
    sink_stop(&s);
    sinklog_read(&l, &s);
    CHECK_INT(l.n, 1);
    CHECK_INT(jlen(l.body[0]), 1);
    CHECK_STR(jstr(jat(l.body[0], 0), "name"), "build");
    sinklog_free(&l);
    fixture_done();
}

/* The counter sees the threads the library does start: a host name is looked up on a thread of
   its own (so that the deadline holds while the resolver waits). */
static void test_thread_counter_counts(void) {
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    char url[64];
    if (!with_sink(&d, &s, "localhost", url, sizeof url)) return;
    gt_threads_started = 0;
    c = gtbt_new(&d);
    gtbt_track_command(c, "build", 42, 0, NULL, 0);
    gtbt_close(c);
    CHECK_MSG(gt_threads_started >= 1, "no thread counted for a host name lookup");
    sink_stop(&s);
    fixture_done();
}

/* ---- the sent log of a tool run many times: appended to, rewritten once in many runs ---- */
static void test_sent_log_rewritten_rarely(void) {
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    char url[64], sent[600], line[1000], *text;
    struct stat st;
    ino_t ino = 0;
    int i, fd, rewrites = 0, runs = 40;
    if (!with_sink(&d, &s, "127.0.0.1", url, sizeof url)) return;
    snprintf(sent, sizeof sent, "%s/telemetry-sent.ndjson", T_data);
    /* a record 1 KB short of its bound: the first delivery crosses it */
    mkdir(T_data, 0700);
    fd = open(sent, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    memset(line, 'x', sizeof line);
    memcpy(line, "{\"old\":\"", 8);
    memcpy(line + sizeof line - 3, "\"}\n", 3);
    for (i = 0; i < 255 * 1024 / (int)sizeof line; i++) CHECK_INT(write(fd, line, sizeof line), (long long)sizeof line);
    close(fd);
    if (stat(sent, &st) == 0) ino = st.st_ino;
    for (i = 0; i < runs; i++) {   /* one tool run each */
        c = gtbt_new(&d);
        gtbt_track_command(c, "build", 42, 0, NULL, 0);
        CHECK_INT(gtbt_close(c), GTBT_OK);
        if (stat(sent, &st) != 0) { CHECK_MSG(0, "no sent log after run %d", i); break; }
        CHECK_MSG(st.st_size <= 256 * 1024, "the sent log is %lld bytes after run %d", (long long)st.st_size, i);
        if (st.st_ino != ino) rewrites++;   /* rewritten: a new file took its place */
        ino = st.st_ino;
    }
    CHECK_INT(rewrites, 1);
    text = gt_read(sent);
    CHECK(text && strncmp(text, "{\"old\"", 6) == 0);   /* the oldest went, whole lines */
    CHECK(text && strlen(text) > 200 * 1024);
    CHECK_INT(count_of(text, "\"name\":\"build\""), runs);
    free(text);
    sink_stop(&s);
    fixture_done();
}

int main(int argc, char **argv) {
    static const gt_test tests[] = {
        {"sha256_every_length", test_sha256_every_length},
        {"passwd_name", test_passwd_name},
        {"username_agrees_with_getpwuid_r", test_username_agrees_with_getpwuid_r},
        {"one_event_no_thread_one_file", test_one_event_no_thread_one_file},
        {"thread_counter_counts", test_thread_counter_counts},
        {"sent_log_rewritten_rarely", test_sent_log_rewritten_rarely},
    };
    return GT_RUN(tests, argc, argv);
}

/* test_win.c - the Windows port, built with mingw-w64 and run under wine by tests/win/run.sh:
       test_win.exe HTTP_PORT HTTPS_PORT CA_FILE SINK_LOG
   talks to two gtbt-sink receivers running natively on loopback (plain and TLS) and checks:
   consent (enable, disable, status) in the known folders of a profile whose path is not ASCII
   (C:\users\Zoë), the file backend, delivery over HTTP and HTTPS, a refused port leaving the
   event spilled and a second process replaying it, the machine id (16 hex, the same in another
   process) and its Windows signals, the ROOT certificate store, process liveness, the clocks.
   Helper modes (run as child processes by the tests):
       test_win.exe child-id OUT_FILE
       test_win.exe child-spill DATA_DIR REFUSED_PORT
   Prints "ok/FAIL name" per test and the closing line "N passed, N failed". */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed;
static void t_fail(int line, const char *what, const char *detail) {
    printf("    test_win.c:%d: %s%s%s\n", line, what, detail ? ": " : "", detail ? detail : "");
    t_failed = 1;
}
#define CHECK(c) do { if (!(c)) t_fail(__LINE__, "CHECK(" #c ") failed", NULL); } while (0)
#define CHECK_MSG(c, d) do { if (!(c)) t_fail(__LINE__, "CHECK(" #c ") failed", d); } while (0)

static const char *g_ca, *g_sink_log;
static int g_http_port, g_https_port;
static char g_exe[1024];

/* ---- helpers ---- */
static wchar_t *wide(const char *s) { return gtbt__wide(s); }

/* Whole file (UTF-8 path) as a NUL-terminated string; NULL when unreadable. */
static char *slurp(const char *path) {
    char *text = NULL;
    size_t len;
    return gtbt__read_file(path, 64 * 1024 * 1024, 0, &text, &len) == GTBT_OK ? text : NULL;
}

static int exists(const char *path) {
    wchar_t *w = wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

/* Removes the files of dir and dir itself (one level: our test dirs are flat). */
static void rmdir_flat(const char *dir) {
    gtbt__dir d;
    const char *n;
    char p[GTBT__MAX_PATH];
    wchar_t *w;
    if (gtbt__dir_open(&d, dir) == 0) {
        while ((n = gtbt__dir_next(&d)) != NULL) {
            if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
            if (gtbt__path_join(p, sizeof p, dir, n) == GTBT_OK) gtbt__fs_remove(p);
        }
        gtbt__dir_close(&d);
    }
    if ((w = wide(dir)) != NULL) { RemoveDirectoryW(w); free(w); }
}

/* How many names in dir start with prefix. */
static int count_files(const char *dir, const char *prefix) {
    gtbt__dir d;
    const char *n;
    int k = 0;
    if (gtbt__dir_open(&d, dir) != 0) return 0;
    while ((n = gtbt__dir_next(&d)) != NULL) if (!strncmp(n, prefix, strlen(prefix))) k++;
    gtbt__dir_close(&d);
    return k;
}

/* Runs this program with args (a command-line tail), waits up to 60 s; the exit code, or -1. */
static int run_self(const char *args, DWORD *pid) {
    char cmd[4096];
    wchar_t *w;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = (DWORD)-1;
    snprintf(cmd, sizeof cmd, "\"%s\" %s", g_exe, args);
    if (!(w = wide(cmd))) return -1;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, w, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) { free(w); return -1; }
    free(w);
    if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) TerminateProcess(pi.hProcess, 99);
    GetExitCodeProcess(pi.hProcess, &code);
    if (pid) *pid = pi.dwProcessId;
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

/* A port on 127.0.0.1 that nobody listens on (bound, then released). */
static int refused_port(void) {
    SOCKET s;
    struct sockaddr_in a;
    int len = (int)sizeof a, port = 0;
    if (!gtbt__net_startup()) return 0;
    s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, len) == 0 && getsockname(s, (struct sockaddr *)&a, &len) == 0) port = ntohs(a.sin_port);
    closesocket(s);
    return port;
}

/* The known folder as UTF-8. */
static void known(const GUID *id, char *out, size_t cap) {
    PWSTR w = NULL;
    char *n;
    out[0] = 0;
    if (SUCCEEDED(SHGetKnownFolderPath(id, 0, NULL, &w)) && (n = gtbt__narrow(w)) != NULL) { snprintf(out, cap, "%s", n); free(n); }
    CoTaskMemFree(w);
}

/* The profile of this wine prefix moves to C:\users\Zoë: the user's shell folders point there. */
static int profile_zoe(void) {
    static const wchar_t *key = L"Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders";
    const wchar_t *roaming = L"C:\\users\\Zo\x00EB\\AppData\\Roaming", *local = L"C:\\users\\Zo\x00EB\\AppData\\Local";
    CreateDirectoryW(L"C:\\users\\Zo\x00EB", NULL);
    CreateDirectoryW(L"C:\\users\\Zo\x00EB\\AppData", NULL);
    CreateDirectoryW(roaming, NULL);
    CreateDirectoryW(local, NULL);
    return RegSetKeyValueW(HKEY_CURRENT_USER, key, L"AppData", REG_SZ, roaming, (DWORD)((wcslen(roaming) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS &&
           RegSetKeyValueW(HKEY_CURRENT_USER, key, L"Local AppData", REG_SZ, local, (DWORD)((wcslen(local) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS;
}

static void env_clear(void) {
    static const char *vars[] = {"DO_NOT_TRACK", "TELEMETRY_ENABLED", "TELEMETRY_LOCAL", "TELEMETRY_DEBUG", "WINTOOL_TELEMETRY_ENABLED",
        "WINTOOL_TELEMETRY_LOCAL", "WINTOOL_TELEMETRY_DEBUG", "CI", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
        "NO_PROXY", "no_proxy", "SSL_CERT_FILE"};
    char e[64];
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) { snprintf(e, sizeof e, "%s=", vars[i]); _putenv(e); }
}

static gtbt_desc desc_base(void) {
    gtbt_desc d;
    memset(&d, 0, sizeof d);
    d.tool_name = "wintool";
    d.version = "1.0.0";
    d.flush_timeout_ms = 15000;
    return d;
}

/* Runs gtbt_cli(sub) and returns what it printed (static buffer). */
static const char *cli(gtbt_collector *c, const char *sub, int *rc) {
    static char text[8192];
    const char *argv[1];
    FILE *f = tmpfile();
    size_t n;
    text[0] = 0;
    if (!f) { *rc = -1; return text; }
    argv[0] = sub;
    *rc = gtbt_cli(c, 1, argv, f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

/* Lines of the sink's log that carry name in a valid payload. */
static int sink_has(const char *name) {
    char *log = slurp(g_sink_log), *line, *next;
    int k = 0;
    if (!log) return 0;
    for (line = log; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (strstr(line, name) && strstr(line, "\"valid\":true")) k++;
    }
    free(log);
    return k;
}

/* A per-test directory under the (non-ASCII) local app data folder. */
static void test_dir(const char *name, char *out, size_t cap) {
    char base[1024];
    known(&gtbt__folder_local, base, sizeof base);
    snprintf(out, cap, "%s\\gtbt-test-%s", base, name);
    rmdir_flat(out);
}

/* ---- tests ---- */
static void test_profile_is_not_ascii(void) {
    char roaming[1024], local[1024];
    known(&gtbt__folder_roaming, roaming, sizeof roaming);
    known(&gtbt__folder_local, local, sizeof local);
    CHECK_MSG(strstr(roaming, "Zo\xc3\xab") != NULL, roaming);
    CHECK_MSG(strstr(local, "Zo\xc3\xab") != NULL, local);
}

static void test_consent_in_known_folders(void) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    gtbt_consent k;
    char roaming[1024], local[1024], cfg[1200], conf[1300], data[1200], want[1400];
    const char *out;
    char *text;
    int rc;
    known(&gtbt__folder_roaming, roaming, sizeof roaming);
    known(&gtbt__folder_local, local, sizeof local);
    snprintf(cfg, sizeof cfg, "%s\\wintool", roaming);
    snprintf(conf, sizeof conf, "%s\\telemetry.conf", cfg);
    snprintf(data, sizeof data, "%s\\wintool", local);
    rmdir_flat(cfg);
    rmdir_flat(data);
    CHECK(gtbt_consent_resolve(&d, &k) == GTBT_OK);
    CHECK(!k.enabled);
    c = gtbt_new(&d);
    CHECK(c != NULL);
    out = cli(c, "status", &rc);
    CHECK(rc == 0);
    CHECK_MSG(strstr(out, "Telemetry: disabled") != NULL, out);
    snprintf(want, sizeof want, "Config file: %s (not created yet)", conf);
    CHECK_MSG(strstr(out, want) != NULL, out);
    CHECK(!exists(cfg));                                   /* status creates nothing */
    out = cli(c, "enable", &rc);
    CHECK_MSG(rc == 0, out);
    CHECK_MSG(exists(conf), conf);
    text = slurp(conf);
    CHECK_MSG(text && strstr(text, "enabled = true"), text);
    CHECK(text && !strstr(text, "\r\n"));                  /* binary mode: no CRLF translation */
    free(text);
    gtbt_close(c);
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    out = cli(c, "status", &rc);
    CHECK_MSG(strstr(out, "Telemetry: enabled") != NULL, out);
    snprintf(want, sizeof want, "Config file: %s\n", conf);
    CHECK_MSG(strstr(out, want) != NULL, out);
    snprintf(want, sizeof want, "Data dir: %s", data);
    CHECK_MSG(strstr(out, want) != NULL, out);
    out = cli(c, "disable", &rc);
    CHECK_MSG(rc == 0, out);
    gtbt_close(c);
    text = slurp(conf);
    CHECK_MSG(text && strstr(text, "enabled = false"), text);
    free(text);
    c = gtbt_new(&d);
    CHECK(!gtbt_enabled(c));
    out = cli(c, "status", &rc);
    CHECK_MSG(strstr(out, "Telemetry: disabled") != NULL, out);
    gtbt_close(c);
    rmdir_flat(cfg);
    rmdir_flat(data);
}

static void test_file_backend(void) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    char dir[1200], path[1300];
    char *text;
    test_dir("file", dir, sizeof dir);
    CHECK(gtbt__mkdir_private(dir) == GTBT_OK);
    snprintf(path, sizeof path, "%s\\events-Zo\xc3\xab.ndjson", dir);
    d.force_enabled = true;
    d.data_dir = dir;
    d.config_dir = dir;
    d.backend = gtbt_file_backend(path);
    c = gtbt_new(&d);
    gtbt_track_command(c, "win-file-one", 5, 0, NULL, 0);
    gtbt_track_command(c, "win-file-two", 6, 1, NULL, 0);
    CHECK(gtbt_close(c) == GTBT_OK);
    text = slurp(path);
    CHECK_MSG(text != NULL, path);
    CHECK(text && strstr(text, "\"name\":\"win-file-one\"") && strstr(text, "\"name\":\"win-file-two\""));
    CHECK(text && strstr(text, "\"os\":\"windows\"") && strstr(text, "\"os_version\":\"windows\""));
    CHECK(text && !strstr(text, "\r\n"));
    free(text);
    rmdir_flat(dir);
}

static void deliver(const char *scheme, int port, const char *name) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    char dir[1200], url[200];
    int rc;
    test_dir(name, dir, sizeof dir);
    snprintf(url, sizeof url, "%s://%s:%d/events", scheme, !strcmp(scheme, "https") ? "localhost" : "127.0.0.1", port);
    d.force_enabled = true;
    d.data_dir = dir;
    d.config_dir = dir;
    d.endpoint = url;
    d.net.ca_file = g_ca;
    c = gtbt_new(&d);
    gtbt_track_command(c, name, 7, 0, NULL, 0);
    rc = gtbt_close(c);
    CHECK_MSG(rc == GTBT_OK, gtbt_strerror(rc));
    CHECK_MSG(sink_has(name) == 1, name);
    CHECK(count_files(dir, "telemetry-spill-") == 0);
    rmdir_flat(dir);
}
static void test_http(void) { deliver("http", g_http_port, "win-http-event"); }
static void test_https(void) { deliver("https", g_https_port, "win-https-event"); }

/* SSL_CERT_FILE naming a CA file under a non-ASCII path (the environment is read as UTF-16). */
static void test_https_ca_from_env(void) {
    char dir[1200], ca[1300];
    wchar_t *wsrc = wide(g_ca), *wdst, *wca;
    const char *saved = g_ca;
    test_dir("envca", dir, sizeof dir);
    CHECK(gtbt__mkdir_private(dir) == GTBT_OK);
    snprintf(ca, sizeof ca, "%s\\ca-Zo\xc3\xab.pem", dir);
    wdst = wide(ca);
    CHECK(wsrc && wdst && CopyFileW(wsrc, wdst, FALSE));
    wca = wide(ca);
    CHECK(wca && SetEnvironmentVariableW(L"SSL_CERT_FILE", wca));
    CHECK(gtbt__getenv("SSL_CERT_FILE") && !strcmp(gtbt__getenv("SSL_CERT_FILE"), ca));
    CHECK(gtbt__getenv("ssl_cert_file") && !strcmp(gtbt__getenv("ssl_cert_file"), ca));   /* names ignore case */
    g_ca = NULL;
    deliver("https", g_https_port, "win-https-env-ca-event");
    g_ca = saved;
    SetEnvironmentVariableW(L"SSL_CERT_FILE", NULL);
    CHECK(gtbt__getenv("SSL_CERT_FILE") == NULL);
    free(wsrc);
    free(wdst);
    free(wca);
    rmdir_flat(dir);
}

/* A child process sends to a refused port: the event stays in a spill file. This process then
   replays the file to the sink. */
static void test_refused_then_replayed(void) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    char dir[1200], args[1400], url[200];
    int port = refused_port(), rc;
    test_dir("spill", dir, sizeof dir);
    CHECK(port > 0);
    snprintf(args, sizeof args, "child-spill \"%s\" %d", dir, port);
    rc = run_self(args, NULL);
    CHECK_MSG(rc == 0, "child-spill failed");
    CHECK(count_files(dir, "telemetry-spill-") == 1);
    CHECK(sink_has("win-spilled-event") == 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", g_http_port);
    d.force_enabled = true;
    d.data_dir = dir;
    d.config_dir = dir;
    d.endpoint = url;
    c = gtbt_new(&d);
    rc = gtbt_flush(c);
    CHECK_MSG(rc == GTBT_OK, gtbt_strerror(rc));
    gtbt_close(c);
    CHECK(sink_has("win-spilled-event") == 1);
    CHECK(count_files(dir, "telemetry-spill-") == 0);
    rmdir_flat(dir);
}
/* A spill file claimed by a process that has exited (its pid no longer runs) is taken back and
   sent by the next flush. */
static void test_dead_claim_recovered(void) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    char dir[1200], args[1400], url[200], from[1400], to[1500];
    gtbt__dir dd;
    const char *n;
    DWORD pid = 0;
    int port = refused_port(), rc;
    test_dir("claim", dir, sizeof dir);
    snprintf(args, sizeof args, "child-spill \"%s\" %d", dir, port);
    CHECK(run_self(args, &pid) == 0);
    CHECK(pid != 0 && !gtbt__pid_alive((int)pid));
    from[0] = 0;
    if (gtbt__dir_open(&dd, dir) == 0) {
        while ((n = gtbt__dir_next(&dd)) != NULL)
            if (!strncmp(n, "telemetry-spill-", 16)) snprintf(from, sizeof from, "%s\\%s", dir, n);
        gtbt__dir_close(&dd);
    }
    CHECK(from[0] != 0);
    snprintf(to, sizeof to, "%s.sending-%lu", from, (unsigned long)pid);   /* the dead child's claim */
    CHECK(gtbt__fs_rename(from, to) == 0);
    CHECK(count_files(dir, "telemetry-spill-") == 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", g_http_port);
    d.force_enabled = true;
    d.data_dir = dir;
    d.config_dir = dir;
    d.endpoint = url;
    c = gtbt_new(&d);
    rc = gtbt_flush(c);
    CHECK_MSG(rc == GTBT_OK, gtbt_strerror(rc));
    gtbt_close(c);
    CHECK(sink_has("win-spilled-event") == 2);              /* once from the replay test, once here */
    CHECK(count_files(dir, "telemetry-spill-") == 0);
    rmdir_flat(dir);
}

static int child_spill(const char *dir, int port) {
    gtbt_desc d = desc_base();
    gtbt_collector *c;
    char url[200];
    int rc;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/events", port);
    d.force_enabled = true;
    d.data_dir = dir;
    d.config_dir = dir;
    d.endpoint = url;
    d.flush_timeout_ms = 3000;
    c = gtbt_new(&d);
    gtbt_track_command(c, "win-spilled-event", 9, 0, NULL, 0);
    rc = gtbt_close(c);
    return rc == GTBT_E_NETWORK ? 0 : 10 + rc;
}

static void test_machine_id(void) {
    char id[17], osid[128], mac[64], host[256], user[512], ver[64], path[1200], *other;
    int i;
    CHECK(gtbt_machine_id("wintool", id) == GTBT_OK);
    CHECK(strlen(id) == 16);
    for (i = 0; i < 16; i++) CHECK((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'));
    test_dir("id", path, sizeof path);
    CHECK(gtbt__mkdir_private(path) == GTBT_OK);
    strcat(path, "\\id.txt");
    {
        char args[1400];
        snprintf(args, sizeof args, "child-id \"%s\"", path);
        CHECK(run_self(args, NULL) == 0);
    }
    other = slurp(path);
    CHECK_MSG(other && !strcmp(other, id), other);
    free(other);
    path[strlen(path) - strlen("\\id.txt")] = 0;
    rmdir_flat(path);
    gtbt__os_machine_id(osid, sizeof osid);
    CHECK_MSG(strlen(osid) == 36 && osid[8] == '-' && osid[13] == '-', osid);   /* MachineGuid */
    gtbt__first_mac(mac, sizeof mac);
    CHECK_MSG(mac[0] == 0 || (strlen(mac) >= 17 && mac[2] == ':'), mac);
    gtbt__hostname(host, sizeof host);
    CHECK(host[0] != 0);
    gtbt__username(user, sizeof user);
    CHECK_MSG(strchr(user, '\\') != NULL, user);                             /* DOMAIN\user */
    gtbt__os_version(ver, sizeof ver);
    CHECK(!strcmp(ver, "windows"));
    CHECK(!strcmp(GTBT__OS, "windows"));
}
static int child_id(const char *out) {
    char id[17], tmp[1300];
    if (gtbt_machine_id("wintool", id) != GTBT_OK) return 1;
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    return gtbt__write_file_atomic(out, tmp, id, strlen(id)) == GTBT_OK ? 0 : 2;
}

static void test_root_store(void) {
    gtbt__ta_list l;
    gtbt__log lg;
    memset(&lg, 0, sizeof lg);
    memset(&l, 0, sizeof l);
    CHECK(gtbt__ta_load(GTBT__TA_STORE, &l, &lg) == GTBT_OK);
    CHECK(l.n > 0);
    gtbt__ta_list_free(&l);
}

static void test_processes_and_clocks(void) {
    DWORD pid = 0;
    int64_t a, b, wall;
    char tmp[1200];
    CHECK(gtbt__pid_alive(gtbt__pid()));
    CHECK(gtbt__pid() == (int)GetCurrentProcessId());
    test_dir("proc", tmp, sizeof tmp);
    CHECK(gtbt__mkdir_private(tmp) == GTBT_OK);
    strcat(tmp, "\\x.txt");
    {
        char args[1400];
        snprintf(args, sizeof args, "child-id \"%s\"", tmp);
        CHECK(run_self(args, &pid) == 0);
    }
    CHECK(pid != 0 && !gtbt__pid_alive((int)pid));
    tmp[strlen(tmp) - strlen("\\x.txt")] = 0;
    rmdir_flat(tmp);
    a = gtbt_now_ms();
    gtbt__sleep_ms(20);
    b = gtbt_now_ms();
    CHECK(b >= a + 15);
    wall = gtbt__realtime_ns() / 1000000000;
    CHECK(wall > (int64_t)time(NULL) - 5 && wall < (int64_t)time(NULL) + 5);
    CHECK(!gtbt__is_tty(stdout));                       /* a pipe under the test runner */
}

/* Files: replace over an existing file, a reparse point refused, drive-rooted parents created. */
static void test_files(void) {
    char dir[1200], deep[1400], p[1500], *text;
    size_t len;
    test_dir("files", dir, sizeof dir);
    snprintf(deep, sizeof deep, "%s\\a\\b\\c", dir);
    CHECK(gtbt__mkdir_private(deep) == GTBT_OK);
    CHECK(exists(deep));
    snprintf(p, sizeof p, "%s\\f.txt", deep);
    snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "\\f.tmp");
    CHECK(gtbt__write_file_atomic(p, deep, "one\n", 4) == GTBT_OK);
    deep[strlen(deep) - strlen("\\f.tmp")] = 0;
    snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "\\f.tmp");
    CHECK(gtbt__write_file_atomic(p, deep, "two\r\n", 5) == GTBT_OK);
    CHECK(!exists(deep));
    text = slurp(p);
    CHECK(text && !strcmp(text, "two\r\n"));
    free(text);
    CHECK(gtbt__read_file(p, 3, 1, &text, &len) == GTBT_E_INVALID);   /* larger than the limit */
    deep[strlen(deep) - strlen("\\f.tmp")] = 0;
    CHECK(gtbt__read_file(deep, 100, 1, &text, &len) != GTBT_OK);      /* a directory */
    gtbt__fs_remove(p);
    rmdir_flat(deep);
    snprintf(p, sizeof p, "%s\\plain", dir);                            /* a file where the dir should be */
    snprintf(deep, sizeof deep, "%s.tmp", p);
    CHECK(gtbt__write_file_atomic(p, deep, "x", 1) == GTBT_OK);
    CHECK(gtbt__mkdir_private(p) == GTBT_E_IO);
    gtbt__fs_remove(p);
    snprintf(p, sizeof p, "\\\\?\\%s\\long\\", dir);                      /* \\?\ prefix, trailing separator */
    CHECK_MSG(gtbt__mkdir_private(p) == GTBT_OK, p);
    snprintf(p, sizeof p, "%s/long", dir);                               /* '/' separators */
    CHECK(gtbt__mkdir_private(p) == GTBT_OK && exists(p));
    rmdir_flat(p);
    snprintf(deep, sizeof deep, "%s\\a\\b", dir); rmdir_flat(deep);
    snprintf(deep, sizeof deep, "%s\\a", dir); rmdir_flat(deep);
    rmdir_flat(dir);
}

typedef struct { const char *name; void (*fn)(void); } t_test;

/* The arguments as UTF-8 (main's argv is in the ANSI code page, which cannot hold every path). */
static char **utf8_args(int *argc) {
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), argc);
    char **a;
    int i;
    if (!w) { *argc = 0; return NULL; }
    a = (char **)calloc((size_t)*argc + 1, sizeof *a);
    for (i = 0; a && i < *argc; i++) a[i] = gtbt__narrow(w[i]);
    LocalFree(w);
    return a;
}

int main(int argc_ansi, char **argv_ansi) {
    int argc;
    char **argv = utf8_args(&argc);
    static const t_test tests[] = {
        {"profile_is_not_ascii", test_profile_is_not_ascii},
        {"consent_in_known_folders", test_consent_in_known_folders},
        {"files", test_files},
        {"file_backend", test_file_backend},
        {"http", test_http},
        {"https", test_https},
        {"https_ca_from_env", test_https_ca_from_env},
        {"refused_then_replayed", test_refused_then_replayed},
        {"dead_claim_recovered", test_dead_claim_recovered},
        {"machine_id", test_machine_id},
        {"root_store", test_root_store},
        {"processes_and_clocks", test_processes_and_clocks},
    };
    size_t i;
    int pass = 0, fail = 0;
    (void)argc_ansi;
    (void)argv_ansi;
    setvbuf(stdout, NULL, _IONBF, 0);
    {
        wchar_t w[1024];
        char *n;
        DWORD k = GetModuleFileNameW(NULL, w, 1024);
        if (k > 0 && k < 1024 && (n = gtbt__narrow(w)) != NULL) { snprintf(g_exe, sizeof g_exe, "%s", n); free(n); }
    }
    if (!argv) return 3;
    env_clear();
    if (argc == 3 && !strcmp(argv[1], "child-id")) return child_id(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "child-spill")) return child_spill(argv[2], atoi(argv[3]));
    if (argc != 5) { fprintf(stderr, "usage: test_win.exe HTTP_PORT HTTPS_PORT CA_FILE SINK_LOG\n"); return 2; }
    g_http_port = atoi(argv[1]);
    g_https_port = atoi(argv[2]);
    g_ca = argv[3];
    g_sink_log = argv[4];
    if (!profile_zoe()) printf("    cannot point the profile's shell folders at C:\\users\\Zo\xc3\xab\n");
    for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        t_failed = 0;
        tests[i].fn();
        printf("%s %s\n", t_failed ? "FAIL" : "ok  ", tests[i].name);
        if (t_failed) fail++; else pass++;
    }
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}

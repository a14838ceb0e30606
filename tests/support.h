/* support.h - test doubles shared by the test binaries: a recording backend whose answers are
   scripted, a recording logger, and an environment reset. Include after gtb_telemetry.h. */
#ifndef GT_SUPPORT_H
#define GT_SUPPORT_H

/* ---- a backend that records what it is sent and answers from a script ---- */
#define REC_MAX_SENDS 64
typedef struct rec_backend {
    gtbt_backend base;
    int sends;                     /* calls of send() */
    size_t events;                 /* events received in successful sends */
    char *json[REC_MAX_SENDS];     /* each batch as gtbt_events_json */
    size_t batch[REC_MAX_SENDS];
    int script[REC_MAX_SENDS];     /* result of the i-th send (0 beyond the script) */
    int nscript;
    int64_t retry_after_ms;        /* set on a scripted GTBT_E_HTTP_RETRY */
    int destroyed;                 /* incremented by destroy() */
    int *destroyed_out;            /* survives the backend: destroy() increments it too */
    int64_t last_deadline;
} rec_backend;

static GT_UNUSED int rec_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    rec_backend *r = (rec_backend *)b;
    int i = r->sends++, rc = i < r->nscript ? r->script[i] : 0;
    r->last_deadline = deadline_ms;
    if (i < REC_MAX_SENDS) { r->json[i] = gtbt_events_json(ev, n, NULL); r->batch[i] = n; }
    if (rc == 0) r->events += n;
    if (rc == GTBT_E_HTTP_RETRY) b->retry_after_ms = r->retry_after_ms;
    return rc;
}

static GT_UNUSED void rec_free_json(rec_backend *r) {
    int i;
    for (i = 0; i < REC_MAX_SENDS; i++) { gtbt_free(r->json[i]); r->json[i] = NULL; }
}

static GT_UNUSED void rec_destroy(gtbt_backend *b) {
    rec_backend *r = (rec_backend *)b;
    r->destroyed++;
    if (r->destroyed_out) (*r->destroyed_out)++;
}

static GT_UNUSED void rec_init(rec_backend *r, const char *info) {
    memset(r, 0, sizeof *r);
    r->base.send = rec_send;
    r->base.destroy = rec_destroy;
    r->base.info = info;
}

/* All JSON the recorder saw, concatenated (malloc'd). */
static GT_UNUSED char *rec_all(const rec_backend *r) {
    size_t total = 1, i;
    char *s;
    for (i = 0; i < REC_MAX_SENDS; i++) if (r->json[i]) total += strlen(r->json[i]) + 1;
    s = (char *)malloc(total);
    s[0] = 0;
    for (i = 0; i < REC_MAX_SENDS; i++) if (r->json[i]) { strcat(s, r->json[i]); strcat(s, "\n"); }
    return s;
}

/* ---- a logger that keeps every line and counts each log item ---- */
typedef struct rec_log { char text[65536]; int warns, errors, lines; int items[GTBT__LOGITEM_END]; } rec_log;
static GT_UNUSED void rec_log_line(rec_log *l, gtbt_log_level level, const char *id, const char *message) {
    size_t n = strlen(l->text);
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    l->lines++;
    if (level == GTBT_LOG_WARN) l->warns++;
    if (level == GTBT_LOG_ERROR) l->errors++;
    if (n + strlen(id) + strlen(message) + 16 < sizeof l->text) sprintf(l->text + n, "%s %s %s\n", names[level], id, message);
}
/* The plain callback (gtbt_log_fn) */
static GT_UNUSED void rec_log_fn(void *user, gtbt_log_level level, const char *message) {
    rec_log_line((rec_log *)user, level, "-", message);
}
/* The callback with ids (gtbt_log_item_fn): what the fixture installs */
static GT_UNUSED void rec_log_item_fn(void *user, gtbt_log_level level, gtbt_log_item item, const char *message) {
    rec_log *l = (rec_log *)user;
    if ((unsigned)item < (unsigned)GTBT__LOGITEM_END) l->items[item]++;
    rec_log_line(l, level, gtbt_log_item_name(item), message);
}
/* How often log item GTBT_LOGITEM_<id> was logged into l */
#define LOGGED(l, id) ((l).items[GTBT_LOGITEM_##id])

/* ---- environment: every variable the library reads, cleared ---- */
static GT_UNUSED void env_clear(void) {
    static const char *vars[] = {"DO_NOT_TRACK", "TELEMETRY_ENABLED", "TELEMETRY_LOCAL", "TELEMETRY_DEBUG",
        "MYTOOL_TELEMETRY_ENABLED", "MYTOOL_TELEMETRY_LOCAL", "MYTOOL_TELEMETRY_DEBUG", "CI",
        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE",
        "MYTOOL_TELEMETRY_DETACH", "TELEMETRY_DETACH"};
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
}

/* A desc for tool "mytool" with config and data dirs under dir, consent given by force unless
   the test changes it. */
static GT_UNUSED gtbt_desc desc_in(const char *dir, char *cfg, char *data, size_t cap) {
    gtbt_desc d;
    memset(&d, 0, sizeof d);
    snprintf(cfg, cap, "%s/config", dir);
    snprintf(data, cap, "%s/data", dir);
    d.tool_name = "mytool";
    d.version = "1.2.3";
    d.config_dir = cfg;
    d.data_dir = data;
    d.force_enabled = true;
    d.detach = GTBT_DETACH_NEVER;   /* inline even when the tests run on a terminal */
    return d;
}

/* ---- the per-test fixture: a fresh directory with config/ and data/, and a logger ---- */
static GT_UNUSED char T_dir[256], T_cfg[512], T_data[512];
static GT_UNUSED rec_log L;

/* A desc in a fresh directory (desc_in); with log, the library logs everything into L. */
static GT_UNUSED gtbt_desc fixture_desc(int log) {
    gtbt_desc d;
    memset(&L, 0, sizeof L);
    snprintf(T_dir, sizeof T_dir, "%s", gt_tmpdir());
    d = desc_in(T_dir, T_cfg, T_data, sizeof T_cfg);
    if (log) { d.log_item = rec_log_item_fn; d.log_user = &L; d.log_level = GTBT_LOG_ALL; }
    return d;
}
static GT_UNUSED void fixture_done(void) {
    gt_rmtree(T_dir);
    env_clear();
}
/* A net desc that logs into L. */
static GT_UNUSED gtbt_net_desc net_logged(void) {
    gtbt_net_desc n;
    memset(&n, 0, sizeof n);
    n.log_item = rec_log_item_fn;
    n.log_user = &L;
    n.log_level = GTBT_LOG_ALL;
    return n;
}

/* ---- planted spill files (what an earlier run left behind) ---- */
static GT_UNUSED void pjoin(char *out, size_t cap, const char *a, const char *b) {
    if (snprintf(out, cap, "%s/%s", a, b) >= (int)cap) out[0] = 0;
}
static GT_UNUSED int n_ready(const char *dir) { int n = gt_count(dir, "telemetry-spill-", ".ndjson"); return n < 0 ? 0 : n; }
static GT_UNUSED int n_claims(const char *dir) { int all = gt_count(dir, "telemetry-spill-", NULL); return all < 0 ? 0 : all - n_ready(dir); }
static GT_UNUSED int n_temps(const char *dir) { int n = gt_count(dir, ".telemetry-spill-", NULL); return n < 0 ? 0 : n; }
/* Spill files ready or claimed, counted in one scan and again until two scans agree (at most
   1 s): another process may be renaming one to claim it, which two separate counts (n_ready, then
   n_claims) can see twice. */
static GT_UNUSED int n_spill_files(const char *dir) {
    int a = gt_count(dir, "telemetry-spill-", NULL), b, i;
    for (i = 0; i < 40; i++, a = b) {
        gtbt__sleep_ms(25);
        b = gt_count(dir, "telemetry-spill-", NULL);
        if (a == b) break;
    }
    return a < 0 ? 0 : a;
}

static GT_UNUSED void write_mode(const char *path, const char *text, size_t len, int mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len)) { perror(path); exit(2); }
    close(fd);
}

/* One NDJSON line ("{...}\n") of an event with this uuid and name, as the library writes it. */
static GT_UNUSED char *ev_line_t(const char *uuid, const char *name, int64_t t_ns) {
    gtbt_event e;
    size_t len;
    char *j;
    memset(&e, 0, sizeof e);
    e.time_unix_ns = t_ns;
    e.uuid = uuid; e.type = "feature.used"; e.name = name;
    e.machine_id = "0123456789abcdef"; e.tool_name = "mytool"; e.version = "1.2.3";
    e.os = "linux"; e.arch = "amd64"; e.os_version = "6.1.0"; e.runtime_version = "gcc 12.2.0"; e.error = "";
    j = gtbt_events_json(&e, 1, &len);
    if (!j || len < 3) { fprintf(stderr, "gtbt_events_json failed\n"); exit(2); }
    memmove(j, j + 1, len - 2);   /* "[{...}]" -> "{...}\n" */
    j[len - 2] = '\n';
    j[len - 1] = 0;
    return j;
}
static GT_UNUSED char *ev_line(const char *uuid, const char *name) { return ev_line_t(uuid, name, gtbt__realtime_ns()); }
static GT_UNUSED void planted_uuid(char out[37], int tag, int i) { snprintf(out, 37, "%08x-0000-4000-8000-%012d", tag, i); }

/* Plants a spill file named name in dir holding n events: uuids planted_uuid(tag, first..), names
   "p<tag>-<i>". */
static GT_UNUSED void plant_events(const char *dir, const char *name, int tag, int first, int n) {
    char path[1024], uuid[37], evname[64];
    size_t cap = 4096, len = 0;
    char *text = (char *)malloc(cap);
    int i;
    text[0] = 0;
    for (i = first; i < first + n; i++) {
        char *l;
        size_t k;
        planted_uuid(uuid, tag, i);
        snprintf(evname, sizeof evname, "p%d-%d", tag, i);
        l = ev_line(uuid, evname);
        k = strlen(l);
        while (len + k + 1 > cap) text = (char *)realloc(text, cap *= 2);
        memcpy(text + len, l, k + 1);
        len += k;
        gtbt_free(l);
    }
    pjoin(path, sizeof path, dir, name);
    write_mode(path, text, len, 0600);
    free(text);
}
/* Entries below dir, recursively (files and directories), whose name contains name_part (every
   entry when name_part is NULL). */
static GT_UNUSED int t_tree_count(const char *dir, const char *name_part) {
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    char sub[1024];
    int n = 0;
    if (!d) return 0;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (!name_part || strstr(de->d_name, name_part)) n++;
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) n += t_tree_count(sub, name_part);
    }
    closedir(d);
    return n;
}

/* The value after "<label>: " on its own line in text, copied (static). */
static GT_UNUSED const char *line_value(const char *text, const char *label) {
    static char v[2048];
    char pat[128];
    const char *p, *e;
    size_t n;
    v[0] = 0;
    snprintf(pat, sizeof pat, "%s: ", label);
    for (p = text; p && (p = strstr(p, pat)) != NULL; p++)
        if (p == text || p[-1] == '\n') break;
    if (!p) return NULL;
    p += strlen(pat);
    e = strchr(p, '\n');
    n = e ? (size_t)(e - p) : strlen(p);
    if (n >= sizeof v) n = sizeof v - 1;
    memcpy(v, p, n);
    v[n] = 0;
    return v;
}

#endif

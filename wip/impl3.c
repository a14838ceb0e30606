
/* ---- spill lines back into events ---- */
/* Cuts s in place to at most max bytes on a UTF-8 boundary. */
static void gtbt__cut_in_place(char *s, size_t max) {
    size_t n = strlen(s);
    if (n > max) s[gtbt__utf8_cut(s, n, max)] = 0;
}

/* Growable arrays for the pairs and arguments of the events of one spill file. */
typedef struct gtbt__batch {
    gtbt_event *ev; size_t n, cap;
    gtbt_kv *kv; size_t nkv, capkv;
    const char **args; size_t nargs, capargs;
    struct gtbt__line { size_t kv_at, args_at; char uuid[37]; } *line; size_t capline;
    char *text;                     /* the file: every string points into it */
} gtbt__batch;

static int gtbt__grow(void **p, size_t *cap, size_t need, size_t size) {
    size_t ncap;
    void *q;
    if (need <= *cap) return 1;
    ncap = *cap ? *cap * 2 : 16;
    if (ncap < need) ncap = need;
    if (ncap > SIZE_MAX / size) return 0;
    q = gtbt__realloc(*p, ncap * size);
    if (!q) return 0;
    *p = q;
    *cap = ncap;
    return 1;
}

static void gtbt__batch_free(gtbt__batch *b) {
    gtbt__free(b->ev); gtbt__free(b->kv); gtbt__free((void *)b->args);
    gtbt__free(b->line); gtbt__free(b->text);
    memset(b, 0, sizeof *b);
}

/* Parses one line {…} into event e (strings in place). 1 on success, 0 for a corrupt line. */
static int gtbt__parse_event(gtbt__batch *b, gtbt__jp *j, gtbt_event *e, int *has_uuid) {
    static const char *const str_keys[] = {"uuid", "type", "name", "machine_id", "tool_name", "version",
                                           "os", "arch", "runtime_version", "os_version", "error", "go_version"};
    const char **str_fields[12];
    int have_time = 0, i;
    memset(e, 0, sizeof *e);
    str_fields[0] = &e->uuid; str_fields[1] = &e->type; str_fields[2] = &e->name; str_fields[3] = &e->machine_id;
    str_fields[4] = &e->tool_name; str_fields[5] = &e->version; str_fields[6] = &e->os; str_fields[7] = &e->arch;
    str_fields[8] = &e->runtime_version; str_fields[9] = &e->os_version; str_fields[10] = &e->error;
    str_fields[11] = &e->runtime_version;   /* the Go original's go_version */
    if (!gtbt__jp_lit(j, '{')) return 0;
    if (gtbt__jp_lit(j, '}')) return 0;
    do {
        char *key = gtbt__jp_str(j);
        int done = 0;
        if (!key || !gtbt__jp_lit(j, ':')) return 0;
        for (i = 0; i < 12 && !done; i++) {
            char *v;
            if (strcmp(key, str_keys[i]) != 0) continue;
            if (!(v = gtbt__jp_str(j))) return 0;
            if (i != 11 || !e->runtime_version) *str_fields[i] = v;
            done = 1;
        }
        if (done) continue;
        if (!strcmp(key, "timestamp")) {
            char *v = gtbt__jp_str(j);
            if (!v || gtbt__parse_rfc3339(v, &e->time_unix_ns) != 0) return 0;
            have_time = 1;
        } else if (!strcmp(key, "duration_ms")) {
            if (!gtbt__jp_int(j, &e->duration_ms)) return 0;
        } else if (!strcmp(key, "exit_code")) {
            int64_t v;
            if (!gtbt__jp_int(j, &v) || v < INT_MIN || v > INT_MAX) return 0;
            e->exit_code = (int)v;
        } else if (!strcmp(key, "args")) {
            if (!gtbt__jp_lit(j, '[')) return 0;
            if (!gtbt__jp_lit(j, ']')) {
                do {
                    char *v = gtbt__jp_str(j);
                    if (!v) return 0;
                    if (e->n_args >= GTBT__MAX_ARGS) continue;
                    if (!gtbt__grow((void **)&b->args, &b->capargs, b->nargs + 1, sizeof *b->args)) return 0;
                    gtbt__cut_in_place(v, GTBT__MAX_VALUE);
                    b->args[b->nargs++] = v;
                    e->n_args++;
                } while (gtbt__jp_lit(j, ','));
                if (!gtbt__jp_lit(j, ']')) return 0;
            }
        } else if (!strcmp(key, "metadata")) {
            if (!gtbt__jp_lit(j, '{')) return 0;
            if (!gtbt__jp_lit(j, '}')) {
                do {
                    char *k = gtbt__jp_str(j), *v;
                    if (!k || !gtbt__jp_lit(j, ':') || !(v = gtbt__jp_str(j))) return 0;
                    if (e->n_metadata >= GTBT__MAX_PAIRS) continue;
                    if (!gtbt__grow((void **)&b->kv, &b->capkv, b->nkv + 1, sizeof *b->kv)) return 0;
                    gtbt__cut_in_place(k, GTBT__MAX_KEY);
                    gtbt__cut_in_place(v, GTBT__MAX_VALUE);
                    b->kv[b->nkv].key = k;
                    b->kv[b->nkv++].value = v;
                    e->n_metadata++;
                } while (gtbt__jp_lit(j, ','));
                if (!gtbt__jp_lit(j, '}')) return 0;
            }
        } else if (!gtbt__jp_skip(j)) {
            return 0;
        }
    } while (gtbt__jp_lit(j, ','));
    if (!gtbt__jp_lit(j, '}')) return 0;
    gtbt__jp_ws(j);
    if (j->p != j->end || !have_time || !e->type || !e->name) return 0;
    *has_uuid = e->uuid && e->uuid[0];
    for (i = 0; i < 11; i++) if (!*str_fields[i]) *str_fields[i] = "";
    gtbt__cut_in_place((char *)(uintptr_t)e->name, GTBT__MAX_NAME);
    return 1;
}

/* Parses NDJSON text (taken over by b) into events; returns the number of corrupt lines. */
static size_t gtbt__parse_ndjson(gtbt__batch *b, char *text, size_t len, int *nomem) {
    char *line = text, *end = text + len;
    size_t corrupt = 0, i;
    b->text = text;
    *nomem = 0;
    while (line < end) {
        char *nl = (char *)memchr(line, '\n', (size_t)(end - line));
        char *stop = nl ? nl : end;
        gtbt__jp j;
        gtbt_event e;
        size_t kv0 = b->nkv, args0 = b->nargs;
        int has_uuid = 0;
        j.p = line; j.end = stop; j.depth = 0;
        gtbt__jp_ws(&j);
        if (j.p == stop) { line = stop + 1; continue; }   /* blank line */
        if (!gtbt__parse_event(b, &j, &e, &has_uuid)) {
            b->nkv = kv0; b->nargs = args0;
            corrupt++;
            line = stop + 1;
            continue;
        }
        if (!gtbt__grow((void **)&b->ev, &b->cap, b->n + 1, sizeof *b->ev) ||
            !gtbt__grow((void **)&b->line, &b->capline, b->n + 1, sizeof *b->line)) {
            *nomem = 1;
            break;
        }
        b->line[b->n].kv_at = kv0;
        b->line[b->n].args_at = args0;
        b->line[b->n].uuid[0] = 0;
        if (!has_uuid) {
            /* a line without a uuid gets one derived from its text: the same on every retry */
            unsigned char d[32];
            gtbt__sha256 s;
            gtbt__sha256_init(&s);
            gtbt__sha256_update(&s, line, (size_t)(stop - line));
            gtbt__sha256_final(&s, d);
            gtbt__uuid_format(d, b->line[b->n].uuid);
        }
        b->ev[b->n++] = e;
        line = stop + 1;
    }
    for (i = 0; i < b->n; i++) {
        b->ev[i].metadata = b->ev[i].n_metadata ? b->kv + b->line[i].kv_at : NULL;
        b->ev[i].args = b->ev[i].n_args ? b->args + b->line[i].args_at : NULL;
        if (b->line[i].uuid[0]) b->ev[i].uuid = b->line[i].uuid;
    }
    return corrupt;
}

// >>backends ------------------------------------------------------------------------------------
/* The local backends (noop, stdout, file) and the deletion requestors that need no network.
   The network backends follow the HTTP client below. */
typedef struct gtbt__local_backend { gtbt_backend base; FILE *out; char *path; char info[GTBT__MAX_PATH + 16]; } gtbt__local_backend;

static void gtbt__local_destroy(gtbt_backend *b) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__free(lb->path);
    gtbt__free(lb);
}

static gtbt__local_backend *gtbt__local_new(int (*send)(gtbt_backend *, const gtbt_event *, size_t, int64_t)) {
    gtbt__local_backend *lb = (gtbt__local_backend *)gtbt__calloc(1, sizeof *lb);
    if (!lb) return NULL;
    lb->base.send = send;
    lb->base.destroy = gtbt__local_destroy;
    lb->base.info = lb->info;
    return lb;
}

static int gtbt__noop_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    (void)b; (void)ev; (void)n; (void)deadline_ms;
    return GTBT_OK;
}

static int gtbt__stdout_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__buf out;
    int rc = GTBT_OK;
    (void)deadline_ms;
    memset(&out, 0, sizeof out);
    gtbt__json_events(&out, ev, n, 1);
    gtbt__buf_putc(&out, '\n');
    if (out.oom) rc = GTBT_E_NOMEM;
    else if (fwrite(out.p, 1, out.len, lb->out) != out.len || fflush(lb->out) != 0) rc = GTBT_E_IO;
    gtbt__buf_free(&out);
    return rc;
}

static int gtbt__file_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__buf out;
    gtbt__jw w;
    size_t i;
    int fd, rc;
    (void)deadline_ms;
    memset(&out, 0, sizeof out);
    w.b = &out; w.pretty = 0;
    for (i = 0; i < n; i++) {
        w.depth = 0; w.first = 1;
        gtbt__json_event(&w, &ev[i]);
        gtbt__buf_putc(&out, '\n');
    }
    if (out.oom) { gtbt__buf_free(&out); return GTBT_E_NOMEM; }
    if (gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) { gtbt__buf_free(&out); return GTBT_E_IO; }
    fd = open(lb->path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) { gtbt__buf_free(&out); return GTBT_E_IO; }
    rc = gtbt__write_all(fd, out.p, out.len);
    if (close(fd) != 0) rc = GTBT_E_IO;
    gtbt__buf_free(&out);
    return rc;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_noop_backend(void) {
    gtbt__local_backend *lb = gtbt__local_new(gtbt__noop_send);
    if (lb) snprintf(lb->info, sizeof lb->info, "noop");
    return lb ? &lb->base : NULL;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_stdout_backend(FILE *out) {
    gtbt__local_backend *lb = gtbt__local_new(gtbt__stdout_send);
    if (!lb) return NULL;
    lb->out = out ? out : stdout;
    snprintf(lb->info, sizeof lb->info, "stdout");
    return &lb->base;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_file_backend(const char *path) {
    gtbt__local_backend *lb;
    if (!path || !path[0] || strlen(path) >= GTBT__MAX_PATH) return NULL;
    lb = gtbt__local_new(gtbt__file_send);
    if (!lb) return NULL;
    if (!(lb->path = gtbt__strdup(path))) { gtbt__free(lb); return NULL; }
    snprintf(lb->info, sizeof lb->info, "file (%s)", path);
    return &lb->base;
}

/* 1 for the built-in backends that never send anything off this machine. */
static int gtbt__is_local_backend(const gtbt_backend *b) {
    return b->send == gtbt__noop_send || b->send == gtbt__stdout_send || b->send == gtbt__file_send;
}

GTB_TELEMETRY_API void gtbt_backend_destroy(gtbt_backend *b) {
    if (b && b->destroy) b->destroy(b);
}

/* ---- deletion requestors: email (mailto:) and event ---- */
/* Go's url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX. */
static void gtbt__query_escape(gtbt__buf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
            gtbt__buf_putc(b, (char)c);
        } else if (c == ' ') {
            gtbt__buf_putc(b, '+');
        } else {
            char e[3];
            e[0] = '%'; e[1] = hex[c >> 4]; e[2] = hex[c & 15];
            gtbt__buf_put(b, e, 3);
        }
    }
}

/* A plain addr-spec "local@domain": nothing that could start a query, a header or a fragment. */
static int gtbt__valid_email(const char *a) {
    const char *at = a ? strchr(a, '@') : NULL, *p;
    if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > 254) return 0;
    for (p = a; p < at; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(".!$'*+/=^_`{|}~-", *p))) return 0;
    for (p = at + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')) return 0;
    return 1;
}

GTB_TELEMETRY_API int gtbt_mailto_url(const char *address, const char *tool_name, const char *machine_id,
                                      char *out, size_t cap) {
    gtbt__buf b;
    int rc = GTBT_OK;
    if (out && cap) out[0] = 0;
    if (!out || !cap || !gtbt__valid_email(address)) return GTBT_E_INVALID;
    memset(&b, 0, sizeof b);
    gtbt__buf_printf(&b, "mailto:%s?subject=", address);
    gtbt__query_escape(&b, "Data Deletion Request \xE2\x80\x94 ");
    gtbt__query_escape(&b, tool_name ? tool_name : "");
    gtbt__buf_puts(&b, "&body=");
    gtbt__query_escape(&b, "Please delete all telemetry data associated with machine ID: ");
    gtbt__query_escape(&b, machine_id ? machine_id : "");
    if (b.oom || b.len >= cap) rc = GTBT_E_NOMEM;
    else memcpy(out, b.p, b.len + 1);
    gtbt__buf_free(&b);
    return rc;
}

typedef struct gtbt__email_deletion { gtbt_deletion base; char *address, *tool; char info[300]; } gtbt__email_deletion;

static int gtbt__email_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__email_deletion *e = (gtbt__email_deletion *)d;
    char url[2048];
    const char *argv[3];
    int64_t left = deadline_ms ? deadline_ms - gtbt_now_ms() : 10000;
    int rc = gtbt_mailto_url(e->address, e->tool, machine_id, url, sizeof url);
    if (rc != GTBT_OK) return rc;
    if (left <= 0) return GTBT_E_TIMEOUT;
    argv[0] = gtbt__url_opener(); argv[1] = url; argv[2] = NULL;
    return gtbt__run(argv, (int)gtbt__min(left, 10000));
}

static void gtbt__email_destroy(gtbt_deletion *d) {
    gtbt__email_deletion *e = (gtbt__email_deletion *)d;
    gtbt__free(e->address); gtbt__free(e->tool); gtbt__free(e);
}

GTB_TELEMETRY_API gtbt_deletion *gtbt_email_deletion(const char *address, const char *tool_name) {
    gtbt__email_deletion *e;
    if (!gtbt__valid_email(address)) return NULL;
    e = (gtbt__email_deletion *)gtbt__calloc(1, sizeof *e);
    if (!e) return NULL;
    e->address = gtbt__strdup(address);
    e->tool = gtbt__strdup(tool_name ? tool_name : "");
    if (!e->address || !e->tool) { gtbt__email_destroy(&e->base); return NULL; }
    e->base.request = gtbt__email_request;
    e->base.destroy = gtbt__email_destroy;
    snprintf(e->info, sizeof e->info, "email (%s)", address);
    e->base.info = e->info;
    return &e->base;
}

typedef struct gtbt__event_deletion { gtbt_deletion base; gtbt_backend *backend; char info[300]; } gtbt__event_deletion;

static int gtbt__event_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__event_deletion *ed = (gtbt__event_deletion *)d;
    gtbt_event e;
    char uuid[37];
    gtbt__rng r;
    memset(&e, 0, sizeof e);
    gtbt__rng_seed(&r);
    gtbt__uuid4(&r, uuid);
    e.time_unix_ns = gtbt__realtime_ns();
    e.uuid = uuid;
    e.type = "data.deletion_request";
    e.name = "deletion_request";
    e.machine_id = machine_id ? machine_id : "";
    e.tool_name = e.version = e.os = e.arch = e.os_version = e.runtime_version = e.error = "";
    if (!ed->backend || !ed->backend->send) return GTBT_E_INVALID;
    ed->backend->retry_after_ms = 0;
    return ed->backend->send(ed->backend, &e, 1, deadline_ms);
}

static void gtbt__event_destroy(gtbt_deletion *d) { gtbt__free(d); }

GTB_TELEMETRY_API gtbt_deletion *gtbt_event_deletion(gtbt_backend *backend) {
    gtbt__event_deletion *d;
    if (!backend || !backend->send) return NULL;
    d = (gtbt__event_deletion *)gtbt__calloc(1, sizeof *d);
    if (!d) return NULL;
    d->backend = backend;
    d->base.request = gtbt__event_request;
    d->base.destroy = gtbt__event_destroy;
    snprintf(d->info, sizeof d->info, "event via %s", backend->info ? backend->info : "custom");
    d->base.info = d->info;
    return &d->base;
}

GTB_TELEMETRY_API void gtbt_deletion_destroy(gtbt_deletion *d) {
    if (d && d->destroy) d->destroy(d);
}

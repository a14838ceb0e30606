
// >>collector -----------------------------------------------------------------------------------
struct gtbt_collector {
    gtbt__mutex     mu;             /* guards the buffer, rng, withdrawn, spill sequence */
    gtbt__mutex     flush_mu;       /* one flush at a time; a backend never sends concurrently */
    int             active;         /* consent was given at gtbt_new; fixed for life */
    int             withdrawn;      /* disable/reset ran: inert from then on (under mu) */
    gtbt__log       log;
    gtbt_consent    consent;
    char           *tool_name, *version, *endpoint, *otel_endpoint, *support_message;
    char            config_dir[GTBT__MAX_PATH], data_dir[GTBT__MAX_PATH];
    int             spill_ok;       /* data_dir is a private directory we may write spill files to */
    int             force_enabled, extended;
    gtbt_delivery   delivery;
    int             flush_timeout_ms;
    size_t          max_buffer;
    gtbt_net_desc   net;            /* deep copy: ca_file, proxy, headers */
    gtbt_kv        *otel_headers; size_t n_otel_headers;
    int             otel_insecure;
    gtbt_backend   *backend;        /* where events go; never NULL once built */
    gtbt_backend   *network;        /* the network backend (may equal backend), for reset */
    gtbt_deletion  *deletion;       /* desc->deletion, owned */
    char            info[GTBT__MAX_PATH + 64];
    char            machine_id[17], os_version[128];
    gtbt_kv        *metadata; size_t n_metadata;     /* redacted, truncated, sorted; owned */
    size_t         *meta_klen, *meta_vlen;
    gtbt_event     *ev; void **mem; size_t n;        /* the buffer: events and their blocks */
    gtbt__rng       rng;
    uint64_t        spill_seq;
    int64_t         bo_until_unix_ms; int bo_failures; /* back-off of this backend (DESIGN 6.8) */
    uint64_t        dropped;        /* events dropped because memory and disk were full */
};

static void gtbt__spill_locked(gtbt_collector *c);

static const char *const gtbt__event_type_names[] = {
    "command.invocation", "command.error", "feature.used", "update.check", "update.applied", "data.deletion_request"};

/* A borrowed byte string. */
typedef struct gtbt__str { const char *p; size_t n; } gtbt__str;

/* Length of s, looking at no more than max bytes (hostile megabyte strings cost nothing). */
static size_t gtbt__strnlen(const char *s, size_t max) {
    const char *z = (const char *)memchr(s, 0, max);
    return z ? (size_t)(z - s) : max;
}

/* Redaction input is capped: a value is cut to this before redaction, and to its limit after. */
#define GTBT__REDACT_INPUT_MAX (64 * 1024)

/* A metadata value, argument or error as it will be recorded: redacted, then cut to max bytes on
   a UTF-8 boundary. tmp holds the redacted copy when one was needed (caller frees). */
static gtbt__str gtbt__clean(const char *v, size_t max, gtbt__buf *tmp) {
    gtbt__str s;
    s.p = v ? v : "";
    s.n = gtbt__strnlen(s.p, GTBT__REDACT_INPUT_MAX);
    if (gtbt__redact_needed(s.p, s.n)) {
        gtbt__redact_impl(s.p, s.n, tmp);
        if (tmp->oom) { s.p = ""; s.n = 0; return s; }   /* never record what could not be redacted */
        s.p = tmp->p;
        s.n = tmp->len;
    }
    s.n = gtbt__utf8_cut(s.p, s.n, max);
    return s;
}

static gtbt__str gtbt__cut(const char *v, size_t max) {
    gtbt__str s;
    s.p = v ? v : "";
    s.n = gtbt__strnlen(s.p, max + 4);
    s.n = gtbt__utf8_cut(s.p, s.n, max);
    return s;
}

/* Pairs being merged: keys and values as borrowed strings. A slot whose value had to be redacted
   owns one of the tmp buffers (tmp_of[slot]; -1 for none), reused when the key comes again. */
typedef struct gtbt__pairs {
    gtbt__str key[GTBT__MAX_PAIRS], value[GTBT__MAX_PAIRS];
    int tmp_of[GTBT__MAX_PAIRS];
    size_t n, dropped;
    gtbt__buf tmp[GTBT__MAX_PAIRS];   /* redacted copies; only the first ntmp are initialised */
    size_t ntmp;
} gtbt__pairs;

/* Adds or overrides (same key: the later pair wins) one pair; the value is redacted. */
static void gtbt__pairs_add(gtbt__pairs *ps, const char *key, const char *value) {
    gtbt__str k = gtbt__cut(key, GTBT__MAX_KEY);
    gtbt__buf *tmp;
    size_t i;
    int t;
    if (!k.n) return;
    for (i = 0; i < ps->n; i++)
        if (ps->key[i].n == k.n && !memcmp(ps->key[i].p, k.p, k.n)) break;
    if (i == ps->n) {
        if (ps->n == GTBT__MAX_PAIRS) { ps->dropped++; return; }
        ps->tmp_of[i] = -1;
        ps->key[i] = k;
        ps->n++;
    }
    t = ps->tmp_of[i] >= 0 ? ps->tmp_of[i] : (int)ps->ntmp;
    tmp = &ps->tmp[t];
    if (ps->tmp_of[i] >= 0) { tmp->len = 0; tmp->oom = 0; }
    else memset(tmp, 0, sizeof *tmp);
    ps->value[i] = gtbt__clean(value, GTBT__MAX_VALUE, tmp);
    if (tmp->p && ps->tmp_of[i] < 0) { ps->tmp_of[i] = t; ps->ntmp++; }
}

static void gtbt__pairs_free(gtbt__pairs *ps) {
    size_t i;
    for (i = 0; i < ps->ntmp; i++) gtbt__buf_free(&ps->tmp[i]);
    ps->ntmp = 0;
}

/* Sorts pairs by key in byte order (Go's map order), insertion sort: n is small. */
static void gtbt__kv_sort(gtbt_kv *kv, size_t n) {
    size_t i, j;
    for (i = 1; i < n; i++) {
        gtbt_kv x = kv[i];
        for (j = i; j > 0 && strcmp(kv[j - 1].key, x.key) > 0; j--) kv[j] = kv[j - 1];
        kv[j] = x;
    }
}

/* Everything gtbt_track* hand over. */
typedef struct gtbt__rec {
    const char *type, *name, *error;
    int64_t duration_ms;
    int exit_code, argc;
    const char *const *argv;
    const gtbt_kv *extra; size_t n_extra;
} gtbt__rec;

/* Stores one event: one allocation holds its pairs, argument pointers and every string. */
static void gtbt__record(gtbt_collector *c, const gtbt__rec *r) {
    gtbt__pairs ps;
    gtbt__str name, err, args[GTBT__MAX_ARGS];
    gtbt__buf argtmp[GTBT__MAX_ARGS + 1];
    size_t nargs = 0, nargtmp = 0, i, total;
    char *block, *p;
    gtbt_kv *kv;
    const char **argp;
    gtbt_event e;
    if (!c || !c->active) return;
    ps.n = ps.dropped = ps.ntmp = 0;
    for (i = 0; i < c->n_metadata; i++) {
        ps.tmp_of[i] = -1;
        ps.key[i].p = c->metadata[i].key;   ps.key[i].n = c->meta_klen[i];
        ps.value[i].p = c->metadata[i].value; ps.value[i].n = c->meta_vlen[i];
    }
    ps.n = c->n_metadata;
    for (i = 0; r->extra && i < r->n_extra; i++)
        if (r->extra[i].key) gtbt__pairs_add(&ps, r->extra[i].key, r->extra[i].value);
    name = gtbt__cut(r->name, GTBT__MAX_NAME);
    err.p = ""; err.n = 0;
    if (c->extended) {
        for (i = 0; r->argv && (int)i < r->argc && i < GTBT__MAX_ARGS; i++) {
            memset(&argtmp[nargtmp], 0, sizeof argtmp[0]);
            args[nargs++] = gtbt__clean(r->argv[i], GTBT__MAX_VALUE, &argtmp[nargtmp]);
            if (argtmp[nargtmp].p) nargtmp++;
        }
        memset(&argtmp[nargtmp], 0, sizeof argtmp[0]);
        err = gtbt__clean(r->error, GTBT__MAX_VALUE, &argtmp[nargtmp]);
        if (argtmp[nargtmp].p) nargtmp++;
    }
    total = ps.n * sizeof(gtbt_kv) + nargs * sizeof(char *) + 37 + name.n + 1 + err.n + 1;
    for (i = 0; i < ps.n; i++) total += ps.key[i].n + ps.value[i].n + 2;
    for (i = 0; i < nargs; i++) total += args[i].n + 1;
    block = (char *)gtbt__malloc(total);
    if (!block) {
        gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: out of memory; event \"%.*s\" not recorded", (int)name.n, name.p);
        goto out;
    }
    kv = (gtbt_kv *)(void *)block;
    argp = (const char **)(void *)(block + ps.n * sizeof(gtbt_kv));
    p = block + ps.n * sizeof(gtbt_kv) + nargs * sizeof(char *);
    memset(&e, 0, sizeof e);
    e.uuid = p; p += 37;
#define GTBT__PUT(dst, s) do { memcpy(p, (s).p, (s).n); p[(s).n] = 0; (dst) = p; p += (s).n + 1; } while (0)
    GTBT__PUT(e.name, name);
    GTBT__PUT(e.error, err);
    for (i = 0; i < ps.n; i++) { GTBT__PUT(kv[i].key, ps.key[i]); GTBT__PUT(kv[i].value, ps.value[i]); }
    for (i = 0; i < nargs; i++) GTBT__PUT(argp[i], args[i]);
#undef GTBT__PUT
    gtbt__kv_sort(kv, ps.n);
    e.type = r->type;
    e.machine_id = c->machine_id;
    e.tool_name = c->tool_name;
    e.version = c->version;
    e.os = GTBT__OS;
    e.arch = GTBT__ARCH;
    e.os_version = c->os_version;
    e.runtime_version = GTBT__RUNTIME;
    e.duration_ms = r->duration_ms;
    e.exit_code = r->exit_code;
    e.args = nargs ? argp : NULL;
    e.n_args = nargs;
    e.metadata = ps.n ? kv : NULL;
    e.n_metadata = ps.n;
    e.time_unix_ns = gtbt__realtime_ns();
    gtbt__mutex_lock(&c->mu);
    if (c->withdrawn) {
        gtbt__mutex_unlock(&c->mu);
        gtbt__free(block);
        goto out;
    }
    gtbt__uuid4(&c->rng, (char *)(uintptr_t)e.uuid);
    c->ev[c->n] = e;
    c->mem[c->n] = block;
    if (++c->n >= c->max_buffer) gtbt__spill_locked(c);
    gtbt__mutex_unlock(&c->mu);
out:
    if (ps.dropped) gtbt__logf(&c->log, GTBT_LOG_DEBUG, "telemetry: more than %d metadata pairs; %zu dropped", GTBT__MAX_PAIRS, ps.dropped);
    gtbt__pairs_free(&ps);
    for (i = 0; i < nargtmp; i++) gtbt__buf_free(&argtmp[i]);
}

/* ---- spill files (DESIGN 6.4, 6.5) ----
   Ready:   telemetry-spill-<unix_ns>-<pid>-<n>.ndjson        (names sort oldest first)
   Claimed: telemetry-spill-<…>.ndjson.sending-<pid>         (being sent by that process)
   Writing: .telemetry-spill-<…>.ndjson.tmp                   (renamed when complete) */
#define GTBT__SPILL_PREFIX  "telemetry-spill-"
#define GTBT__SPILL_SUFFIX  ".ndjson"
#define GTBT__CLAIM_MARK    ".ndjson.sending-"

static int gtbt__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

/* The pid in "…-<pid>-<n>.ndjson…" of a spill name, or 0. */
static int gtbt__spill_name_pid(const char *name) {
    const char *p = name + strlen(GTBT__SPILL_PREFIX), *dash;
    long pid;
    if (strncmp(name, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) != 0) return 0;
    dash = strchr(p, '-');
    if (!dash) return 0;
    pid = strtol(dash + 1, NULL, 10);
    return (pid > 0 && pid < INT_MAX) ? (int)pid : 0;
}

typedef struct gtbt__names { char **v; size_t n, cap; } gtbt__names;

static void gtbt__names_free(gtbt__names *ns) {
    size_t i;
    for (i = 0; i < ns->n; i++) gtbt__free(ns->v[i]);
    gtbt__free(ns->v);
    memset(ns, 0, sizeof *ns);
}
static int gtbt__names_add(gtbt__names *ns, const char *name) {
    char *d;
    if (!gtbt__grow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v)) return 0;
    if (!(d = gtbt__strdup(name))) return 0;
    ns->v[ns->n++] = d;
    return 1;
}
static int gtbt__names_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lists the ready spill files, oldest first. With recover, claims of dead processes (or claims
   older than an hour) are renamed back to ready, and temp files of dead processes are removed.
   With all, claims and temp files are listed too (for gtbt_drop). */
static int gtbt__spill_list(gtbt_collector *c, gtbt__names *ready, int recover, int all) {
    DIR *d;
    struct dirent *de;
    size_t seen = 0;
    char path[GTBT__MAX_PATH], back[GTBT__MAX_PATH];
    memset(ready, 0, sizeof *ready);
    if (!c->data_dir[0] || !(d = opendir(c->data_dir))) return GTBT_E_IO;
    while ((de = readdir(d)) != NULL && seen++ < GTBT__SPILL_LIST_MAX) {
        const char *name = de->d_name, *mark;
        int is_temp = name[0] == '.' && !strncmp(name + 1, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) && gtbt__ends_with(name, ".tmp");
        if (is_temp) {
            if (all || (recover && !gtbt__pid_alive(gtbt__spill_name_pid(name + 1)))) {
                if (all) { gtbt__names_add(ready, name); continue; }
                if (gtbt__path_join(path, sizeof path, c->data_dir, name) == GTBT_OK) unlink(path);
            }
            continue;
        }
        if (strncmp(name, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) != 0) continue;
        if (gtbt__ends_with(name, GTBT__SPILL_SUFFIX)) { gtbt__names_add(ready, name); continue; }
        mark = strstr(name, GTBT__CLAIM_MARK);
        if (!mark) continue;
        if (all) { gtbt__names_add(ready, name); continue; }
        if (recover) {
            struct stat st;
            int pid = atoi(mark + strlen(GTBT__CLAIM_MARK));
            size_t base = (size_t)(mark - name) + strlen(GTBT__SPILL_SUFFIX);
            if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK || lstat(path, &st) != 0) continue;
            if (gtbt__pid_alive(pid) && (int64_t)st.st_mtime * 1000 > gtbt__realtime_ns() / 1000000 - GTBT__CLAIM_STALE_MS) continue;
            if (snprintf(back, sizeof back, "%s/%.*s", c->data_dir, (int)base, name) >= (int)sizeof back) continue;
            if (rename(path, back) == 0) {
                gtbt__logf(&c->log, GTBT_LOG_INFO, "telemetry: recovered spill file %.*s abandoned by process %d", (int)base, name, pid);
                gtbt__names_add(ready, back + strlen(c->data_dir) + 1);
            }
        }
    }
    closedir(d);
    if (ready->n > 1) qsort(ready->v, ready->n, sizeof *ready->v, gtbt__names_cmp);
    return GTBT_OK;
}

/* Makes room for one more spill file: at most GTBT__SPILL_FILES_MAX ready files are kept. */
static void gtbt__spill_prune(gtbt_collector *c) {
    gtbt__names ns;
    char path[GTBT__MAX_PATH];
    size_t i, excess;
    if (gtbt__spill_list(c, &ns, 0, 0) != GTBT_OK) return;
    if (ns.n >= GTBT__SPILL_FILES_MAX) {
        excess = ns.n - GTBT__SPILL_FILES_MAX + 1;
        for (i = 0; i < excess; i++)
            if (gtbt__path_join(path, sizeof path, c->data_dir, ns.v[i]) == GTBT_OK) unlink(path);
        gtbt__logf(&c->log, GTBT_LOG_WARN,
                   "telemetry: spill cap reached (%d files); discarded %zu oldest un-sent spill file(s)",
                   GTBT__SPILL_FILES_MAX, excess);
    }
    gtbt__names_free(&ns);
}

/* Writes one ready spill file atomically. Called with c->mu held (the sequence number). */
static int gtbt__spill_file(gtbt_collector *c, const char *data, size_t len) {
    char name[128], path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH];
    int rc;
    gtbt__spill_prune(c);
    snprintf(name, sizeof name, GTBT__SPILL_PREFIX "%020lld-%d-%llu" GTBT__SPILL_SUFFIX,
             (long long)gtbt__realtime_ns(), gtbt__pid(), (unsigned long long)c->spill_seq++);
    if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", c->data_dir, name) >= (int)sizeof tmp) return GTBT_E_INVALID;
    rc = gtbt__write_file_atomic(path, tmp, data, len);
    if (rc != GTBT_OK)
        gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: cannot write spill file in %s: %s (is the disk full?)",
                   c->data_dir, strerror(errno));
    return rc;
}

/* Writes events to spill files of at most GTBT__SPILL_FILE_MAX bytes (an event larger than that
   gets a file of its own). Returns how many events, from the first, are safely on disk. */
static size_t gtbt__spill_write(gtbt_collector *c, const gtbt_event *ev, size_t n) {
    gtbt__buf chunk;
    gtbt__jw w;
    size_t i, written = 0;
    if (!c->spill_ok || !n) return 0;
    memset(&chunk, 0, sizeof chunk);
    w.b = &chunk; w.pretty = 0;
    for (i = 0; i < n; i++) {
        size_t mark = chunk.len;
        w.depth = 0; w.first = 1;
        gtbt__json_event(&w, &ev[i]);
        gtbt__buf_putc(&chunk, '\n');
        if (chunk.oom) goto done;
        if (chunk.len > GTBT__SPILL_FILE_MAX && mark > 0) {
            if (gtbt__spill_file(c, chunk.p, mark) != GTBT_OK) goto done;
            written = i;
            memmove(chunk.p, chunk.p + mark, chunk.len - mark);
            chunk.len -= mark;
        }
    }
    if (chunk.len && gtbt__spill_file(c, chunk.p, chunk.len) == GTBT_OK) written = n;
done:
    gtbt__buf_free(&chunk);
    return written;
}

/* Frees the first k buffered events and closes the gap. Called with c->mu held. */
static void gtbt__buffer_remove_front(gtbt_collector *c, size_t k) {
    size_t i;
    for (i = 0; i < k; i++) gtbt__free(c->mem[i]);
    if (c->n > k) {
        memmove(c->ev, c->ev + k, (c->n - k) * sizeof *c->ev);
        memmove(c->mem, c->mem + k, (c->n - k) * sizeof *c->mem);
    }
    c->n -= k;
}

/* The buffer is full: move it to disk; without a usable disk, drop the oldest (bounded). */
static void gtbt__spill_locked(gtbt_collector *c) {
    size_t done = gtbt__spill_write(c, c->ev, c->n);
    gtbt__buffer_remove_front(c, done);
    if (c->n >= c->max_buffer) {
        size_t k = c->n - c->max_buffer + 1;
        if (c->dropped == 0)
            gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: buffer full and %s; dropping the oldest events",
                       c->spill_ok ? "spill files cannot be written" : "no data directory to spill to");
        c->dropped += k;
        gtbt__buffer_remove_front(c, k);
    }
}

/* Puts events that could not be delivered back: to disk, else to the front of the buffer
   (bounded: the oldest beyond the cap are dropped). Takes ownership of ev/mem. */
static void gtbt__keep(gtbt_collector *c, gtbt_event *ev, void **mem, size_t n) {
    size_t done, i, room, keep;
    gtbt__mutex_lock(&c->mu);
    done = gtbt__spill_write(c, ev, n);
    for (i = 0; i < done; i++) gtbt__free(mem[i]);
    n -= done;
    room = c->max_buffer - 1 > c->n ? c->max_buffer - 1 - c->n : 0;
    keep = gtbt__min(n, room);
    for (i = 0; i < n - keep; i++) gtbt__free(mem[done + i]);
    if (n - keep) {
        c->dropped += n - keep;
        gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: %zu undelivered event(s) dropped: no room in memory or on disk", n - keep);
    }
    memmove(c->ev + keep, c->ev, c->n * sizeof *c->ev);
    memmove(c->mem + keep, c->mem, c->n * sizeof *c->mem);
    memcpy(c->ev, ev + done + (n - keep), keep * sizeof *ev);
    memcpy(c->mem, mem + done + (n - keep), keep * sizeof *mem);
    c->n += keep;
    gtbt__mutex_unlock(&c->mu);
    gtbt__free(ev);
    gtbt__free(mem);
}

/* ---- back-off (DESIGN 6.8), kept in the data dir per backend so later runs honour it ---- */
static int gtbt__backoff_path(const gtbt_collector *c, char *out, size_t cap) {
    unsigned char d[32];
    char hex[17];
    gtbt__sha256 s;
    const char *info = c->backend && c->backend->info ? c->backend->info : "custom";
    gtbt__sha256_init(&s);
    gtbt__sha256_update(&s, info, strlen(info));
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 8, hex);
    return snprintf(out, cap, "%s/telemetry-backoff-%s", c->data_dir, hex) < (int)cap ? GTBT_OK : GTBT_E_INVALID;
}

static int64_t gtbt__unix_ms(void) { return gtbt__realtime_ns() / 1000000; }

static void gtbt__backoff_load(gtbt_collector *c) {
    char path[GTBT__MAX_PATH], *text;
    size_t len;
    long long until = -1;
    int failures = -1;
    if (!c->spill_ok || gtbt__backoff_path(c, path, sizeof path) != GTBT_OK) return;
    if (gtbt__read_file(path, 1024, &text, &len) != GTBT_OK) return;
    if (!strncmp(text, "until=", 6)) {
        char *p = text + 6, *end;
        until = strtoll(p, &end, 10);
        if (end != p && !strncmp(end, " failures=", 10)) failures = (int)strtol(end + 10, &p, 10); else failures = -1;
    }
    if (failures >= 0 && failures < 1000 && until >= 0 && until < gtbt__unix_ms() + GTBT__RETRY_AFTER_MAX_MS + 60000) {
        c->bo_until_unix_ms = until;
        c->bo_failures = failures;
    }
    gtbt__free(text);
}

static void gtbt__backoff_save(gtbt_collector *c) {
    char path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH + 32], text[96];
    int n;
    if (!c->spill_ok || gtbt__backoff_path(c, path, sizeof path) != GTBT_OK) return;
    if (!c->bo_failures && !c->bo_until_unix_ms) { unlink(path); return; }
    n = snprintf(text, sizeof text, "until=%lld failures=%d\n", (long long)c->bo_until_unix_ms, c->bo_failures);
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, gtbt__pid());
    gtbt__write_file_atomic(path, tmp, text, (size_t)n);
}

static int gtbt__retryable(int rc) {
    return rc == GTBT_E_HTTP_RETRY || rc == GTBT_E_NETWORK || rc == GTBT_E_TIMEOUT || rc == GTBT_E_TLS;
}

/* Records the outcome of one send in the back-off state. */
static void gtbt__backoff_note(gtbt_collector *c, int rc, int64_t retry_after_ms) {
    int64_t now = gtbt__unix_ms(), wait = 0;
    if (!gtbt__retryable(rc)) {
        if (c->bo_failures || c->bo_until_unix_ms) { c->bo_failures = 0; c->bo_until_unix_ms = 0; gtbt__backoff_save(c); }
        return;
    }
    if (c->bo_failures < 1000) c->bo_failures++;
    if (retry_after_ms > 0) wait = gtbt__min(retry_after_ms, (int64_t)GTBT__RETRY_AFTER_MAX_MS);
    else if (c->bo_failures >= 2)
        wait = c->bo_failures - 2 >= 7 ? GTBT__BACKOFF_MAX_MS
                                       : gtbt__min((int64_t)GTBT__BACKOFF_BASE_MS << (c->bo_failures - 2), (int64_t)GTBT__BACKOFF_MAX_MS);
    if (wait) {
        c->bo_until_unix_ms = now + wait;
        gtbt__logf(&c->log, GTBT_LOG_INFO, "telemetry: backend %s unavailable; not contacting it for %lld s",
                   c->backend->info ? c->backend->info : "custom", (long long)(wait / 1000));
    }
    gtbt__backoff_save(c);
}

/* Sends one batch, honouring the deadline and the back-off. */
static int gtbt__send(gtbt_collector *c, const gtbt_event *ev, size_t n, int64_t deadline) {
    int rc;
    if (c->bo_until_unix_ms > gtbt__unix_ms()) return GTBT_E_HTTP_RETRY;
    if (deadline && gtbt_now_ms() >= deadline) return GTBT_E_TIMEOUT;
    c->backend->retry_after_ms = 0;
    rc = c->backend->send(c->backend, ev, n, deadline);
    if (rc > 0) rc = GTBT_E_INVALID;   /* a custom backend returned nonsense */
    gtbt__backoff_note(c, rc, c->backend->retry_after_ms);
    if (rc != GTBT_OK)
        gtbt__logf(&c->log, rc == GTBT_E_HTTP_REJECT ? GTBT_LOG_WARN : GTBT_LOG_DEBUG,
                   "telemetry: sending %zu event(s) to %s failed: %s%s", n,
                   c->backend->info ? c->backend->info : "custom", gtbt_strerror(rc),
                   rc == GTBT_E_HTTP_REJECT ? " (dropped, not retried)" : "");
    return rc;
}

/* Drops events older than the backend accepts; returns how many remain (in place). */
static size_t gtbt__drop_too_old(gtbt_collector *c, gtbt_event *ev, size_t n) {
    int64_t max = c->backend->max_event_age_ms, oldest = gtbt__realtime_ns() - max * 1000000;
    size_t i, k = 0;
    if (max <= 0) return n;
    for (i = 0; i < n; i++)
        if (ev[i].time_unix_ns >= oldest) ev[k++] = ev[i];
    if (k < n)
        gtbt__logf(&c->log, GTBT_LOG_INFO, "telemetry: dropped %zu spilled event(s) older than %s accepts (%lld h)",
                   n - k, c->backend->info ? c->backend->info : "the backend", (long long)(max / 3600000));
    return k;
}

/* Sends the spill files, oldest first; each file is claimed by renaming it, so processes sharing
   the data dir never send the same file. Sets *stop after a retryable failure. */
static int gtbt__replay(gtbt_collector *c, int64_t deadline, int *stop) {
    gtbt__names ready;
    char path[GTBT__MAX_PATH], claim[GTBT__MAX_PATH];
    size_t i;
    int first = GTBT_OK;
    if (gtbt__spill_list(c, &ready, 1, 0) != GTBT_OK) return GTBT_OK;
    for (i = 0; i < ready.n && !*stop; i++) {
        gtbt__batch b;
        char *text;
        size_t len, corrupt, n;
        int rc, nomem;
        if (c->bo_until_unix_ms > gtbt__unix_ms()) { first = GTBT_E_HTTP_RETRY; *stop = 1; break; }
        if (gtbt_now_ms() >= deadline) { first = GTBT_E_TIMEOUT; *stop = 1; break; }
        if (gtbt__path_join(path, sizeof path, c->data_dir, ready.v[i]) != GTBT_OK ||
            snprintf(claim, sizeof claim, "%s.sending-%d", path, gtbt__pid()) >= (int)sizeof claim) continue;
        if (rename(path, claim) != 0) continue;           /* another process claimed it */
        utimes(claim, NULL);                              /* the claim's age starts now */
        rc = gtbt__read_file(claim, GTBT__SPILL_READ_MAX, &text, &len);
        if (rc != GTBT_OK) {
            if (rc == GTBT_E_INVALID) {
                gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: spill file %s is larger than %d bytes; removed as corrupt",
                           ready.v[i], GTBT__SPILL_READ_MAX);
                unlink(claim);
            } else {
                rename(claim, path);
            }
            continue;
        }
        memset(&b, 0, sizeof b);
        corrupt = gtbt__parse_ndjson(&b, text, len, &nomem);
        if (nomem) { rename(claim, path); gtbt__batch_free(&b); first = GTBT_E_NOMEM; *stop = 1; break; }
        if (corrupt)
            gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: skipped %zu corrupt line(s) in spill file %s", corrupt, ready.v[i]);
        n = gtbt__drop_too_old(c, b.ev, b.n);
        if (c->delivery == GTBT_AT_MOST_ONCE) unlink(claim);
        rc = n ? gtbt__send(c, b.ev, n, deadline) : GTBT_OK;
        if (rc == GTBT_OK || rc == GTBT_E_HTTP_REJECT) {
            unlink(claim);
        } else if (c->delivery == GTBT_AT_LEAST_ONCE) {
            rename(claim, path);                          /* same file, same uuids, next time */
            if (first == GTBT_OK) first = rc;
            *stop = 1;
        } else {
            gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: %zu spilled event(s) dropped (at-most-once delivery)", n);
            *stop = 1;
        }
        gtbt__batch_free(&b);
    }
    gtbt__names_free(&ready);
    return first;
}

/* Spill files, then the buffer, within one deadline (DESIGN 6.6). */
static int gtbt__flush(gtbt_collector *c, int64_t deadline) {
    gtbt_event *ev = NULL;
    void **mem = NULL;
    size_t n, i;
    int first = GTBT_OK, stop = 0, rc;
    if (!c || !c->active) return GTBT_OK;
    gtbt__mutex_lock(&c->flush_mu);
    gtbt__mutex_lock(&c->mu);
    if (c->withdrawn) { gtbt__mutex_unlock(&c->mu); gtbt__mutex_unlock(&c->flush_mu); return GTBT_OK; }
    gtbt__mutex_unlock(&c->mu);
    if (c->spill_ok) first = gtbt__replay(c, deadline, &stop);
    gtbt__mutex_lock(&c->mu);
    n = c->n;
    if (n) {
        ev = (gtbt_event *)gtbt__malloc(n * sizeof *ev);
        mem = (void **)gtbt__malloc(n * sizeof *mem);
        if (ev && mem) {
            memcpy(ev, c->ev, n * sizeof *ev);
            memcpy(mem, c->mem, n * sizeof *mem);
            c->n = 0;
        } else {
            n = 0;
            if (first == GTBT_OK) first = GTBT_E_NOMEM;
        }
    }
    gtbt__mutex_unlock(&c->mu);
    if (n) {
        rc = stop ? (first != GTBT_OK ? first : GTBT_E_TIMEOUT) : gtbt__send(c, ev, n, deadline);
        /* under at-most-once only events that were attempted are dropped; the rest wait */
        if (rc == GTBT_OK || rc == GTBT_E_HTTP_REJECT || (c->delivery == GTBT_AT_MOST_ONCE && !stop)) {
            if (rc != GTBT_OK && rc != GTBT_E_HTTP_REJECT)
                gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: %zu event(s) dropped (at-most-once delivery): %s", n, gtbt_strerror(rc));
            for (i = 0; i < n; i++) gtbt__free(mem[i]);
            gtbt__free(ev);
            gtbt__free(mem);
            ev = NULL; mem = NULL;
        } else {
            gtbt__keep(c, ev, mem, n);
            ev = NULL; mem = NULL;
            if (first == GTBT_OK) first = rc;
        }
    }
    gtbt__free(ev);
    gtbt__free(mem);
    gtbt__mutex_unlock(&c->flush_mu);
    if (c->delivery == GTBT_AT_MOST_ONCE && first != GTBT_E_NOMEM) first = GTBT_OK;
    return first;
}

/* Discards the buffer and every spill file of this data dir (consent withdrawal). */
static void gtbt__discard(gtbt_collector *c) {
    gtbt__names all;
    char path[GTBT__MAX_PATH];
    size_t i;
    gtbt__mutex_lock(&c->mu);
    gtbt__buffer_remove_front(c, c->n);
    gtbt__mutex_unlock(&c->mu);
    if (!c->data_dir[0] || gtbt__spill_list(c, &all, 0, 1) != GTBT_OK) return;
    for (i = 0; i < all.n; i++)
        if (gtbt__path_join(path, sizeof path, c->data_dir, all.v[i]) == GTBT_OK) unlink(path);
    gtbt__names_free(&all);
}

/* Counts the events waiting on disk (lines of ready and claimed spill files). */
static size_t gtbt__pending_on_disk(gtbt_collector *c, size_t *files) {
    gtbt__names all;
    char path[GTBT__MAX_PATH], *text;
    size_t i, len, lines = 0, k;
    *files = 0;
    if (gtbt__spill_list(c, &all, 0, 1) != GTBT_OK) return 0;
    for (i = 0; i < all.n; i++) {
        if (all.v[i][0] == '.') continue;   /* still being written */
        if (gtbt__path_join(path, sizeof path, c->data_dir, all.v[i]) != GTBT_OK) continue;
        if (gtbt__read_file(path, GTBT__SPILL_READ_MAX, &text, &len) != GTBT_OK) continue;
        (*files)++;
        for (k = 0; k < len; k++) lines += text[k] == '\n';
        if (len && text[len - 1] != '\n') lines++;   /* a last line without its newline */
        gtbt__free(text);
    }
    gtbt__names_free(&all);
    return lines;
}

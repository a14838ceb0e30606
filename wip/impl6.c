
// >>public --------------------------------------------------------------------------------------
GTB_TELEMETRY_API const char *gtbt_strerror(int result) {
#define GTBT__RESULT_TEXT(name, value, text) case value: return text;
    switch (result) { GTBT_RESULT_LIST(GTBT__RESULT_TEXT) default: return "unknown result"; }
#undef GTBT__RESULT_TEXT
}

GTB_TELEMETRY_API const char *gtbt_event_type_name(gtbt_event_type t) {
    return ((unsigned)t < sizeof gtbt__event_type_names / sizeof gtbt__event_type_names[0]) ? gtbt__event_type_names[t] : "";
}

GTB_TELEMETRY_API void gtbt_free(void *p) { gtbt__free(p); }

GTB_TELEMETRY_API char *gtbt_events_json(const gtbt_event *ev, size_t n, size_t *len) {
    gtbt__buf b;
    if (len) *len = 0;
    if (!ev && n) return NULL;
    memset(&b, 0, sizeof b);
    gtbt__json_events(&b, ev, n, 0);
    return gtbt__buf_take(&b, len);
}

GTB_TELEMETRY_API size_t gtbt_redact(const char *in, char *out, size_t cap) {
    gtbt__buf b;
    size_t n, len;
    if (out && cap) out[0] = 0;
    if (!in) return 0;
    n = strlen(in);
    memset(&b, 0, sizeof b);
    if (!gtbt__redact_needed(in, n)) { b.p = (char *)(uintptr_t)in; b.len = n; }
    else gtbt__redact_impl(in, n, &b);
    if (b.oom) { gtbt__buf_free(&b); return 0; }   /* nothing unredacted ever leaves */
    len = b.len;
    if (out && cap) {
        size_t k = gtbt__min(len, cap - 1);
        memcpy(out, b.p, k);
        out[k] = 0;
    }
    if (b.p != in) gtbt__buf_free(&b);
    return len;
}

GTB_TELEMETRY_API int gtbt_machine_id(const char *tool_name, char out[17]) {
    char part[4][256];
    unsigned char d[32];
    gtbt__buf raw;
    int i, nparts = 4;
    if (!out) return GTBT_E_INVALID;
    gtbt__os_machine_id(part[0], sizeof part[0]);
    gtbt__first_mac(part[1], sizeof part[1]);
    gtbt__hostname(part[2], sizeof part[2]);
    gtbt__username(part[3], sizeof part[3]);
    if (!part[3][0]) nparts = 3;   /* the Go original appends the user only when it is known */
    memset(&raw, 0, sizeof raw);
    for (i = 0; i < nparts; i++) {
        if (i) gtbt__buf_putc(&raw, ':');
        gtbt__buf_puts(&raw, part[i]);
    }
    if (raw.oom) { gtbt__buf_free(&raw); memset(out, '0', 16); out[16] = 0; return GTBT_E_NOMEM; }
    if (tool_name) {
        gtbt__hmac_sha256(tool_name, strlen(tool_name), raw.p, raw.len, d);
    } else {
        gtbt__sha256 s;
        gtbt__sha256_init(&s);
        gtbt__sha256_update(&s, raw.p, raw.len);
        gtbt__sha256_final(&s, d);
    }
    gtbt__buf_free(&raw);
    gtbt__hex(d, 8, out);
    return GTBT_OK;
}

/* ---- gtbt_new and friends ---- */
static void gtbt__collector_free(gtbt_collector *c) {
    size_t i;
    for (i = 0; i < c->n; i++) gtbt__free(c->mem[i]);
    if (c->network && c->network != c->backend) gtbt_backend_destroy(c->network);
    gtbt_backend_destroy(c->backend);
    gtbt_deletion_destroy(c->deletion);
    gtbt__free(c->ev); gtbt__free(c->mem);
    gtbt__kvs_free(c->metadata, c->n_metadata);
    gtbt__free(c->meta_klen); gtbt__free(c->meta_vlen);
    gtbt__kvs_free((gtbt_kv *)(uintptr_t)c->net.headers, c->net.n_headers);
    gtbt__kvs_free(c->otel_headers, c->n_otel_headers);
    gtbt__free((void *)(uintptr_t)c->net.ca_file); gtbt__free((void *)(uintptr_t)c->net.proxy);
    gtbt__free(c->tool_name); gtbt__free(c->version); gtbt__free(c->endpoint);
    gtbt__free(c->otel_endpoint); gtbt__free(c->support_message);
    gtbt__mutex_destroy(&c->mu);
    gtbt__mutex_destroy(&c->flush_mu);
    gtbt__free(c);
}

/* Copies everything the collector keeps from desc. 0 when out of memory. */
static int gtbt__collector_copy(gtbt_collector *c, const gtbt_desc *d) {
    int nomem = 0;
    c->log.fn = d->log; c->log.user = d->log_user; c->log.level = d->log_level;
    c->tool_name = gtbt__strdup(gtbt__valid_tool_name(d->tool_name) ? d->tool_name : "");
    c->version = gtbt__strdup(d->version ? d->version : "");
    c->endpoint = gtbt__strdup(d->endpoint ? d->endpoint : "");
    c->otel_endpoint = gtbt__strdup(d->otel_endpoint ? d->otel_endpoint : "");
    c->support_message = gtbt__strdup(d->support_message ? d->support_message : "");
    c->net = d->net;
    c->net.ca_file = gtbt__strdup(d->net.ca_file);
    c->net.proxy = gtbt__strdup(d->net.proxy);
    c->net.headers = gtbt__kvs_copy(d->net.headers, d->net.n_headers, &nomem);
    if (!c->net.headers) c->net.n_headers = 0;
    if (!c->net.log) { c->net.log = d->log; c->net.log_user = d->log_user; c->net.log_level = d->log_level; }
    c->otel_headers = gtbt__kvs_copy(d->otel_headers, d->n_otel_headers, &nomem);
    c->n_otel_headers = c->otel_headers ? d->n_otel_headers : 0;
    c->otel_insecure = d->otel_insecure;
    c->force_enabled = d->force_enabled;
    c->extended = d->extended_collection;
    c->delivery = d->delivery == GTBT_AT_MOST_ONCE ? GTBT_AT_MOST_ONCE : GTBT_AT_LEAST_ONCE;
    c->flush_timeout_ms = d->flush_timeout_ms > 0 ? d->flush_timeout_ms : GTBT__FLUSH_TIMEOUT_MS;
    c->max_buffer = (d->max_buffer > 0 && d->max_buffer < GTB_TELEMETRY_MAX_BUFFER) ? (size_t)d->max_buffer : GTB_TELEMETRY_MAX_BUFFER;
    if ((d->net.ca_file && !c->net.ca_file) || (d->net.proxy && !c->net.proxy)) nomem = 1;
    return !nomem && c->tool_name && c->version && c->endpoint && c->otel_endpoint && c->support_message;
}

/* The collector's metadata: redacted, cut to the limits, sorted, at most GTBT__MAX_PAIRS. */
static int gtbt__collector_metadata(gtbt_collector *c, const gtbt_kv *kv, size_t n) {
    gtbt__pairs *ps = (gtbt__pairs *)gtbt__malloc(sizeof *ps);
    size_t i;
    int ok = 1;
    if (!ps) return 0;
    ps->n = ps->dropped = ps->ntmp = 0;
    for (i = 0; kv && i < n; i++) if (kv[i].key) gtbt__pairs_add(ps, kv[i].key, kv[i].value);
    if (ps->n) {
        c->metadata = (gtbt_kv *)gtbt__calloc(ps->n, sizeof *c->metadata);
        c->meta_klen = (size_t *)gtbt__calloc(ps->n, sizeof(size_t));
        c->meta_vlen = (size_t *)gtbt__calloc(ps->n, sizeof(size_t));
        ok = c->metadata && c->meta_klen && c->meta_vlen;
        for (i = 0; ok && i < ps->n; i++) {
            c->metadata[i].key = gtbt__strndup(ps->key[i].p, ps->key[i].n);
            c->metadata[i].value = gtbt__strndup(ps->value[i].p, ps->value[i].n);
            c->n_metadata = i + 1;
            if (!c->metadata[i].key || !c->metadata[i].value) ok = 0;
        }
        if (ok) {
            gtbt__kv_sort(c->metadata, c->n_metadata);
            for (i = 0; i < c->n_metadata; i++) {
                c->meta_klen[i] = strlen(c->metadata[i].key);
                c->meta_vlen[i] = strlen(c->metadata[i].value);
            }
        }
    }
    gtbt__pairs_free(ps);
    gtbt__free(ps);
    return ok;
}

/* The network backend the desc describes: OTLP, else HTTP, else none. */
static gtbt_backend *gtbt__network_from_desc(gtbt_collector *c, const char **why) {
    gtbt_backend *b = NULL;
    *why = NULL;
    if (c->otel_endpoint[0]) {
        gtbt_otlp_desc od;
        memset(&od, 0, sizeof od);
        od.endpoint = c->otel_endpoint;
        od.insecure = c->otel_insecure != 0;
        od.service_name = c->tool_name;
        od.service_version = c->version;
        od.net = c->net;
        od.net.headers = c->otel_headers;
        od.net.n_headers = c->n_otel_headers;
        if (!(b = gtbt_otlp_backend(&od))) *why = "noop (invalid OTLP endpoint)";
    } else if (c->endpoint[0]) {
        gtbt_http_desc hd;
        memset(&hd, 0, sizeof hd);
        hd.endpoint = c->endpoint;
        hd.net = c->net;
        if (!(b = gtbt_http_backend(&hd))) *why = "noop (invalid endpoint)";
    }
    return b;
}

/* Chooses where events go (DESIGN 6.2); the user's local-only choice beats everything. */
static int gtbt__select_backend(gtbt_collector *c, gtbt_backend *custom) {
    const char *why = NULL;
    char path[GTBT__MAX_PATH];
    c->network = custom ? custom : gtbt__network_from_desc(c, &why);
    if (why) gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: %s; check gtbt_desc.%s", why, c->otel_endpoint[0] ? "otel_endpoint" : "endpoint");
    if (c->consent.debug) {
        c->backend = gtbt_stdout_backend(stderr);
        snprintf(c->info, sizeof c->info, "stdout (debug: events printed to stderr, nothing sent)");
    } else if (c->consent.local_only) {
        if (c->spill_ok && gtbt__path_join(path, sizeof path, c->data_dir, "telemetry.log") == GTBT_OK) {
            c->backend = gtbt_file_backend(path);
            snprintf(c->info, sizeof c->info, "file (%s)", path);
        } else {
            c->backend = gtbt_noop_backend();
            snprintf(c->info, sizeof c->info, "noop (local-only, but no usable data directory)");
        }
    } else if (c->network) {
        c->backend = c->network;
        snprintf(c->info, sizeof c->info, "%s", custom && !custom->info ? "custom" : c->network->info);
    } else {
        c->backend = gtbt_noop_backend();
        snprintf(c->info, sizeof c->info, "%s", why ? why : "noop (no endpoint configured)");
    }
    if (c->backend && c->backend != c->network) c->backend->info = c->info;
    return c->backend != NULL;
}

GTB_TELEMETRY_API gtbt_collector *gtbt_new(const gtbt_desc *desc) {
    gtbt_collector *c;
    gtbt_backend *custom = desc ? desc->backend : NULL;
    if (!desc) return NULL;
    c = (gtbt_collector *)gtbt__calloc(1, sizeof *c);
    if (!c) { gtbt_backend_destroy(custom); gtbt_deletion_destroy(desc->deletion); return NULL; }
    gtbt__mutex_init(&c->mu);
    gtbt__mutex_init(&c->flush_mu);
    c->deletion = desc->deletion;
    c->network = custom;
    if (!gtbt__collector_copy(c, desc)) goto nomem;
    if (!gtbt__valid_tool_name(desc->tool_name))
        gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: disabled: gtbt_desc.tool_name must be 1-%d characters of [A-Za-z0-9._-]", GTBT__MAX_TOOL_NAME);
    gtbt_consent_resolve(desc, &c->consent);
    if (c->tool_name[0]) {
        gtbt__config_dir(desc, c->config_dir, sizeof c->config_dir);
        gtbt__data_dir(desc, c->data_dir, sizeof c->data_dir);
    }
    if (!c->consent.enabled) {
        snprintf(c->info, sizeof c->info, "noop (disabled)");
        return c;   /* inert: nothing computed, no file touched */
    }
    c->active = 1;
    if (!c->data_dir[0] || gtbt__mkdir_private(c->data_dir) != GTBT_OK)
        gtbt__logf(&c->log, GTBT_LOG_WARN, "telemetry: data directory \"%s\" is not usable; events will not be spilled to disk (set gtbt_desc.data_dir)", c->data_dir);
    else
        c->spill_ok = 1;
    gtbt_machine_id(c->tool_name, c->machine_id);
    gtbt__os_version(c->os_version, sizeof c->os_version);
    gtbt__rng_seed(&c->rng);
    c->ev = (gtbt_event *)gtbt__calloc(c->max_buffer, sizeof *c->ev);
    c->mem = (void **)gtbt__calloc(c->max_buffer, sizeof *c->mem);
    if (!c->ev || !c->mem || !gtbt__collector_metadata(c, desc->metadata, desc->n_metadata)) goto nomem;
    c->network = NULL;
    if (!gtbt__select_backend(c, custom)) { custom = NULL; goto nomem; }
    gtbt__backoff_load(c);
    return c;
nomem:
    gtbt__logf(&c->log, GTBT_LOG_ERROR, "telemetry: out of memory creating the collector");
    if (c->network == NULL && custom) c->network = custom;
    gtbt__collector_free(c);
    return NULL;
}

GTB_TELEMETRY_API bool gtbt_enabled(const gtbt_collector *c) {
    int on;
    if (!c || !c->active) return false;
    gtbt__mutex_lock((gtbt__mutex *)(uintptr_t)&c->mu);
    on = !c->withdrawn;
    gtbt__mutex_unlock((gtbt__mutex *)(uintptr_t)&c->mu);
    return on != 0;
}

GTB_TELEMETRY_API const char *gtbt_backend_info(const gtbt_collector *c) { return c ? c->info : "noop (disabled)"; }

GTB_TELEMETRY_API const char *gtbt_collector_machine_id(const gtbt_collector *c) {
    return (c && c->active) ? c->machine_id : "";
}

GTB_TELEMETRY_API void gtbt_track(gtbt_collector *c, gtbt_event_type type, const char *name,
                                  const gtbt_kv *extra, size_t n_extra) {
    gtbt__rec r;
    if (!c || !c->active) return;
    memset(&r, 0, sizeof r);
    r.type = gtbt_event_type_name(type);
    if (!r.type[0]) r.type = gtbt__event_type_names[GTBT_EVENT_FEATURE_USED];
    r.name = name; r.extra = extra; r.n_extra = n_extra;
    gtbt__record(c, &r);
}

GTB_TELEMETRY_API void gtbt_track_command(gtbt_collector *c, const char *name, int64_t duration_ms,
                                          int exit_code, const gtbt_kv *extra, size_t n_extra) {
    gtbt_track_command_ext(c, name, 0, NULL, duration_ms, exit_code, NULL, extra, n_extra);
}

GTB_TELEMETRY_API void gtbt_track_command_ext(gtbt_collector *c, const char *name, int argc,
                                              const char *const *argv, int64_t duration_ms, int exit_code,
                                              const char *error, const gtbt_kv *extra, size_t n_extra) {
    gtbt__rec r;
    if (!c || !c->active) return;
    memset(&r, 0, sizeof r);
    r.type = gtbt__event_type_names[GTBT_EVENT_COMMAND_INVOCATION];
    r.name = name; r.duration_ms = duration_ms; r.exit_code = exit_code;
    r.argc = argc; r.argv = argv; r.error = error;
    r.extra = extra; r.n_extra = n_extra;
    gtbt__record(c, &r);
}

GTB_TELEMETRY_API int gtbt_flush(gtbt_collector *c) {
    if (!c) return GTBT_OK;
    return gtbt__flush(c, gtbt_now_ms() + c->flush_timeout_ms);
}

GTB_TELEMETRY_API int gtbt_drop(gtbt_collector *c) {
    if (!c || !c->active) return GTBT_OK;   /* a disabled collector touches no file */
    gtbt__mutex_lock(&c->flush_mu);
    gtbt__discard(c);
    gtbt__mutex_unlock(&c->flush_mu);
    return GTBT_OK;
}

GTB_TELEMETRY_API int gtbt_close(gtbt_collector *c) {
    int rc;
    if (!c) return GTBT_OK;
    rc = gtbt_flush(c);
    gtbt__collector_free(c);
    return rc;
}

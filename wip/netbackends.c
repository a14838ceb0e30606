
// >>backends (network) --------------------------------------------------------------------------
/* HTTP, OTLP, Datadog and PostHog: one struct, one send() that builds the body for its kind,
   POSTs it and classifies the answer (DESIGN 6.8), so every backend reports failures alike. */
enum { GTBT__NB_HTTP, GTBT__NB_OTLP, GTBT__NB_DATADOG, GTBT__NB_POSTHOG };

#define GTBT__DD_MAX_ENTRIES   1000
#define GTBT__DD_MAX_BYTES     (5 * 1000 * 1000)
#define GTBT__DD_MAX_AGE_MS    ((int64_t)18 * 60 * 60 * 1000)

typedef struct gtbt__net_backend gtbt__net_backend;
/* Appends the request body for events[0..n) and returns how many of them it holds. */
typedef size_t (*gtbt__body_fn)(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n);

struct gtbt__net_backend {
    gtbt_backend  base;
    int           kind;
    gtbt__body_fn body;             /* the wire format: a pointer, so unused formats can be left out by the linker */
    const char   *key_header;       /* "DD-API-KEY" or NULL */
    char         *url;              /* the request URL */
    char         *api_key;          /* Datadog DD-API-KEY or PostHog project key */
    char         *source;           /* Datadog ddsource */
    char         *service_name, *service_version;   /* OTLP resource */
    gtbt_net_desc net;              /* deep copy (headers, ca_file, proxy) */
    gtbt__log     log;
    char          info[GTBT__URL_MAX + 32];
};

static int gtbt__net_send(gtbt_backend *self, const gtbt_event *ev, size_t n, int64_t deadline_ms);

static void gtbt__net_backend_destroy(gtbt_backend *b) {
    gtbt__net_backend *nb = (gtbt__net_backend *)b;
    gtbt__free(nb->url); gtbt__free(nb->api_key); gtbt__free(nb->source);
    gtbt__free(nb->service_name); gtbt__free(nb->service_version);
    gtbt__kvs_free((gtbt_kv *)(uintptr_t)nb->net.headers, nb->net.n_headers);
    gtbt__free((void *)(uintptr_t)nb->net.ca_file); gtbt__free((void *)(uintptr_t)nb->net.proxy);
    gtbt__free(nb);
}

/* Checks the URL (and that https can be spoken); logs why not. */
static int gtbt__check_url(const char *url, const gtbt__log *lg, const char *what) {
    gtbt__url u;
    if (!url || gtbt__url_parse(url, &u) != GTBT_OK) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: invalid %s URL \"%.200s\" (want http:// or https://, a host, no credentials)",
                   what, url ? url : "");
        return GTBT_E_INVALID;
    }
    if (u.tls && !GTBT__TLS) {
        gtbt__logf(lg, GTBT_LOG_WARN, "telemetry: %s URL needs TLS, but this build has GTB_TELEMETRY_NO_TLS", what);
        return GTBT_E_UNSUPPORTED;
    }
    return GTBT_OK;
}

static gtbt__net_backend *gtbt__net_backend_new(int kind, gtbt__body_fn body, const char *url, const gtbt_net_desc *net, const char *what) {
    gtbt__net_backend *nb;
    gtbt__log lg = gtbt__log_of_net(net);
    int nomem = 0;
    if (gtbt__check_url(url, &lg, what) != GTBT_OK) return NULL;
    if (!(nb = (gtbt__net_backend *)gtbt__calloc(1, sizeof *nb))) return NULL;
    nb->kind = kind;
    nb->body = body;
    nb->log = lg;
    if (net) {
        nb->net = *net;
        nb->net.ca_file = gtbt__strdup(net->ca_file);
        nb->net.proxy = gtbt__strdup(net->proxy);
        nb->net.headers = gtbt__kvs_copy(net->headers, net->n_headers, &nomem);
        if (!nb->net.headers) nb->net.n_headers = 0;
        if ((net->ca_file && !nb->net.ca_file) || (net->proxy && !nb->net.proxy)) nomem = 1;
    }
    nb->url = gtbt__strdup(url);
    if (nomem || !nb->url) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    nb->base.send = gtbt__net_send;
    nb->base.destroy = gtbt__net_backend_destroy;
    nb->base.info = nb->info;
    return nb;
}

/* ---- payloads ---- */
static void gtbt__otlp_attr_str(gtbt__jw *w, const char *key, const char *value) {
    gtbt__jw_item(w);
    gtbt__buf_puts(w->b, "{\"key\":");
    gtbt__json_str(w->b, key);
    gtbt__buf_puts(w->b, ",\"value\":{\"stringValue\":");
    gtbt__json_str(w->b, value);
    gtbt__buf_puts(w->b, "}}");
}
static void gtbt__otlp_attr_int(gtbt__jw *w, const char *key, int64_t v) {
    gtbt__jw_item(w);
    gtbt__buf_printf(w->b, "{\"key\":\"%s\",\"value\":{\"intValue\":%lld}}", key, (long long)v);
}

static const char *const gtbt__otlp_builtin[] = {
    "event.name", "event.type", "event.id", "tool.name", "tool.version", "host.arch", "os.type", "os.version",
    "runtime.version", "machine.id", "command.duration_ms", "command.exit_code", "command.args", "command.error"};

static int gtbt__is_builtin(const char *key, const char *const *list, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (!strcmp(key, list[i])) return 1;
    return 0;
}

/* OTLP/HTTP JSON logs: one resource, one scope "gtb-telemetry", a log record per event. */
static size_t gtbt__otlp_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t i, k;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)gtbt__realtime_ns());
    w.b = b; w.pretty = 0; w.depth = 0; w.first = 1;
    gtbt__buf_puts(b, "{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
    w.first = 1;
    gtbt__otlp_attr_str(&w, "service.name", nb->service_name ? nb->service_name : n ? ev[0].tool_name : "");
    gtbt__otlp_attr_str(&w, "service.version", nb->service_version ? nb->service_version : n ? ev[0].version : "");
    gtbt__buf_puts(b, "]},\"scopeLogs\":[{\"scope\":{\"name\":\"gtb-telemetry\",\"version\":\"" GTB_TELEMETRY_VERSION_STRING "\"},\"logRecords\":[");
    for (i = 0; i < n; i++) {
        const gtbt_event *e = &ev[i];
        if (i) gtbt__buf_putc(b, ',');
        gtbt__buf_printf(b, "{\"timeUnixNano\":\"%lld\",\"observedTimeUnixNano\":\"%s\",\"severityNumber\":9,"
                            "\"severityText\":\"INFO\",\"body\":{\"stringValue\":", (long long)e->time_unix_ns, now);
        gtbt__json_str(b, e->name);
        gtbt__buf_puts(b, "},\"attributes\":[");
        w.first = 1;
        gtbt__otlp_attr_str(&w, "event.name", e->name);
        gtbt__otlp_attr_str(&w, "event.type", e->type);
        gtbt__otlp_attr_str(&w, "event.id", e->uuid);
        gtbt__otlp_attr_str(&w, "tool.name", e->tool_name);
        gtbt__otlp_attr_str(&w, "tool.version", e->version);
        gtbt__otlp_attr_str(&w, "host.arch", e->arch);
        gtbt__otlp_attr_str(&w, "os.type", e->os);
        gtbt__otlp_attr_str(&w, "os.version", e->os_version);
        gtbt__otlp_attr_str(&w, "runtime.version", e->runtime_version);
        gtbt__otlp_attr_str(&w, "machine.id", e->machine_id);
        gtbt__otlp_attr_int(&w, "command.duration_ms", e->duration_ms);
        gtbt__otlp_attr_int(&w, "command.exit_code", e->exit_code);
        if (e->n_args) {
            gtbt__buf args;
            memset(&args, 0, sizeof args);
            for (k = 0; k < e->n_args; k++) { if (k) gtbt__buf_putc(&args, ' '); gtbt__buf_puts(&args, e->args[k]); }
            gtbt__otlp_attr_str(&w, "command.args", args.p ? args.p : "");
            if (args.oom) b->oom = 1;
            gtbt__buf_free(&args);
        }
        if (e->error[0]) gtbt__otlp_attr_str(&w, "command.error", e->error);
        for (k = 0; k < e->n_metadata; k++)   /* built-in names win over metadata keys */
            if (!gtbt__is_builtin(e->metadata[k].key, gtbt__otlp_builtin, sizeof gtbt__otlp_builtin / sizeof *gtbt__otlp_builtin))
                gtbt__otlp_attr_str(&w, e->metadata[k].key, e->metadata[k].value);
        gtbt__buf_puts(b, "]}");
    }
    gtbt__buf_puts(b, "]}]}]}");
    return n;
}

/* Datadog tag values may not contain ','. */
static void gtbt__dd_tag(gtbt__buf *t, const char *key, const char *value, int first) {
    const char *p;
    if (!first) gtbt__buf_putc(t, ',');
    gtbt__buf_puts(t, key);
    gtbt__buf_putc(t, ':');
    for (p = value; *p; p++) gtbt__buf_putc(t, *p == ',' ? '_' : *p);
}

/* One Datadog log entry: the seed's mapping plus duration, exit code, versions and event id. */
static void gtbt__dd_entry(gtbt__net_backend *nb, gtbt__jw *w, const gtbt_event *e) {
    gtbt__buf msg, tags;
    char ts[40];
    size_t k;
    memset(&msg, 0, sizeof msg);
    memset(&tags, 0, sizeof tags);
    gtbt__buf_printf(&msg, "%s: %s", e->type, e->name);
    gtbt__dd_tag(&tags, "event_type", e->type, 1);
    gtbt__dd_tag(&tags, "tool_version", e->version, 0);
    gtbt__dd_tag(&tags, "os", e->os, 0);
    gtbt__dd_tag(&tags, "arch", e->arch, 0);
    gtbt__rfc3339(e->time_unix_ns, ts);
    gtbt__jw_open(w, '{');
    gtbt__jw_str(w, "message", msg.p ? msg.p : "");
    gtbt__jw_str(w, "ddsource", nb->source);
    gtbt__jw_str(w, "ddtags", tags.p ? tags.p : "");
    gtbt__jw_str(w, "hostname", e->machine_id);
    gtbt__jw_str(w, "service", e->tool_name);
    gtbt__jw_str(w, "timestamp", ts);
    gtbt__jw_str(w, "level", "info");
    gtbt__jw_int(w, "duration_ms", e->duration_ms);
    gtbt__jw_int(w, "exit_code", e->exit_code);
    gtbt__jw_str(w, "os_version", e->os_version);
    gtbt__jw_str(w, "runtime_version", e->runtime_version);
    gtbt__jw_str(w, "event_id", e->uuid);
    if (e->n_metadata) {
        gtbt__jw_key(w, "metadata");
        gtbt__jw_open(w, '{');
        for (k = 0; k < e->n_metadata; k++) gtbt__jw_str(w, e->metadata[k].key, e->metadata[k].value);
        gtbt__jw_close(w, '}');
    }
    gtbt__jw_close(w, '}');
    if (msg.oom || tags.oom) w->b->oom = 1;
    gtbt__buf_free(&msg);
    gtbt__buf_free(&tags);
}

static const char *const gtbt__posthog_builtin[] = {
    "event_name", "tool_name", "tool_version", "$os", "arch", "duration_ms", "exit_code", "os_version",
    "runtime_version", "$lib", "$lib_version", "$process_person_profile", "$geoip_disable"};

/* PostHog batch capture: {"api_key","batch":[{event,distinct_id,timestamp,uuid,properties}],"sent_at"}. */
static size_t gtbt__posthog_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t i, k;
    char ts[40];
    w.b = b; w.pretty = 0; w.depth = 0; w.first = 1;
    gtbt__jw_open(&w, '{');
    gtbt__jw_str(&w, "api_key", nb->api_key);
    gtbt__jw_key(&w, "batch");
    gtbt__jw_open(&w, '[');
    for (i = 0; i < n; i++) {
        const gtbt_event *e = &ev[i];
        gtbt__jw_item(&w);
        gtbt__jw_open(&w, '{');
        gtbt__jw_str(&w, "event", e->type);
        gtbt__jw_str(&w, "distinct_id", e->machine_id);
        gtbt__rfc3339(e->time_unix_ns, ts);
        gtbt__jw_str(&w, "timestamp", ts);
        gtbt__jw_str(&w, "uuid", e->uuid);
        gtbt__jw_key(&w, "properties");
        gtbt__jw_open(&w, '{');
        gtbt__jw_str(&w, "event_name", e->name);
        gtbt__jw_str(&w, "tool_name", e->tool_name);
        gtbt__jw_str(&w, "tool_version", e->version);
        gtbt__jw_str(&w, "$os", e->os);
        gtbt__jw_str(&w, "arch", e->arch);
        gtbt__jw_int(&w, "duration_ms", e->duration_ms);
        gtbt__jw_int(&w, "exit_code", e->exit_code);
        gtbt__jw_str(&w, "os_version", e->os_version);
        gtbt__jw_str(&w, "runtime_version", e->runtime_version);
        gtbt__jw_str(&w, "$lib", "gtb_telemetry");
        gtbt__jw_str(&w, "$lib_version", GTB_TELEMETRY_VERSION_STRING);
        gtbt__jw_key(&w, "$process_person_profile"); gtbt__buf_puts(b, "false");
        gtbt__jw_key(&w, "$geoip_disable"); gtbt__buf_puts(b, "true");
        for (k = 0; k < e->n_metadata; k++)   /* built-in keys win over metadata */
            if (!gtbt__is_builtin(e->metadata[k].key, gtbt__posthog_builtin, sizeof gtbt__posthog_builtin / sizeof *gtbt__posthog_builtin))
                gtbt__jw_str(&w, e->metadata[k].key, e->metadata[k].value);
        gtbt__jw_close(&w, '}');
        gtbt__jw_close(&w, '}');
    }
    gtbt__jw_close(&w, ']');
    gtbt__rfc3339(gtbt__realtime_ns(), ts);
    gtbt__jw_str(&w, "sent_at", ts);
    gtbt__jw_close(&w, '}');
    return n;
}

/* Datadog: a JSON array of at most 1000 entries and 5 MB; returns how many events it holds. */
static size_t gtbt__dd_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t count = 0;
    w.b = b; w.pretty = 0; w.depth = 0; w.first = 1;
    gtbt__jw_open(&w, '[');
    while (count < n && count < GTBT__DD_MAX_ENTRIES) {
        size_t mark = b->len;
        int first = w.first;
        gtbt__jw_item(&w);
        gtbt__dd_entry(nb, &w, &ev[count]);
        if (b->len + 1 > GTBT__DD_MAX_BYTES && count > 0) { b->len = mark; w.first = first; break; }
        count++;
    }
    gtbt__jw_close(&w, ']');
    return count;
}

/* The generic format: the JSON array of gtbt_events_json. */
static size_t gtbt__http_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    (void)nb;
    gtbt__json_events(b, ev, n, 0);
    return n;
}

/* POSTs body and classifies the answer; sets retry_after_ms when the server asked to wait. */
static int gtbt__net_post(gtbt__net_backend *nb, const char *ua, const gtbt_kv *extra, size_t n_extra,
                          const gtbt__buf *body, int64_t deadline_ms) {
    gtbt__http_request rq;
    gtbt__http_response rs;
    gtbt_kv headers[1];
    int rc;
    if (body->oom) return GTBT_E_NOMEM;
    memset(&rq, 0, sizeof rq);
    memset(&rs, 0, sizeof rs);
    rq.url = nb->url;
    rq.content_type = "application/json";
    rq.user_agent = ua;
    if (n_extra) { headers[0] = extra[0]; rq.headers = headers; rq.n_headers = 1; }
    rq.body = body->p;
    rq.body_len = body->len;
    rq.net = &nb->net;
    rq.deadline_ms = deadline_ms;
    rc = gtbt__http_post(&rq, &rs, &nb->log);
    if (rc != GTBT_OK) {
        gtbt__logf(&nb->log, GTBT_LOG_DEBUG, "telemetry: POST to %s failed: %s", nb->info, gtbt_strerror(rc));
        return rc;
    }
    rc = gtbt__http_classify(rs.status, nb->kind == GTBT__NB_OTLP);
    if (rc == GTBT_E_HTTP_RETRY && rs.retry_after_ms > 0) nb->base.retry_after_ms = rs.retry_after_ms;
    if (rc != GTBT_OK)
        gtbt__logf(&nb->log, rs.status >= 300 && rs.status < 400 ? GTBT_LOG_WARN : GTBT_LOG_DEBUG,
                   "telemetry: %s answered HTTP %d%s", nb->info, rs.status,
                   rs.status >= 300 && rs.status < 400 ? " (redirects are not followed: fix the endpoint URL)" : "");
    gtbt__http_response_free(&rs);
    return rc;
}

static int gtbt__net_send(gtbt_backend *self, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__net_backend *nb = (gtbt__net_backend *)self;
    gtbt__buf body, ua;
    gtbt_kv key;
    size_t i = 0;
    int rc = GTBT_OK;
    if (!n) return GTBT_OK;
    memset(&body, 0, sizeof body);
    memset(&ua, 0, sizeof ua);
    gtbt__buf_printf(&ua, "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING " (%s/%s)", ev[0].tool_name, ev[0].version);
    key.key = nb->key_header;
    key.value = nb->api_key;
    while (i < n && rc == GTBT_OK) {   /* one request, or several where the format has a size cap */
        body.len = 0;
        i += nb->body(nb, &body, ev + i, n - i);
        rc = ua.oom ? GTBT_E_NOMEM : gtbt__net_post(nb, ua.p, &key, nb->key_header ? 1 : 0, &body, deadline_ms);
    }
    gtbt__buf_free(&body);
    gtbt__buf_free(&ua);
    return rc;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_http_backend(const gtbt_http_desc *desc) {
    gtbt__net_backend *nb;
    if (!desc) return NULL;
    if (!(nb = gtbt__net_backend_new(GTBT__NB_HTTP, gtbt__http_body, desc->endpoint, &desc->net, "HTTP endpoint"))) return NULL;
    snprintf(nb->info, sizeof nb->info, "http (%s)", desc->endpoint);
    return &nb->base;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_otlp_backend(const gtbt_otlp_desc *desc) {
    gtbt__net_backend *nb;
    gtbt__buf url;
    size_t n, i;
    if (!desc || !desc->endpoint) return NULL;
    memset(&url, 0, sizeof url);
    n = strlen(desc->endpoint);
    while (n > 0 && desc->endpoint[n - 1] == '/') n--;   /* "https://c:4318/" -> ".../v1/logs" */
    gtbt__buf_put(&url, desc->endpoint, n);
    gtbt__buf_puts(&url, "/v1/logs");
    if (url.oom) { gtbt__buf_free(&url); return NULL; }
    {
        gtbt__log lg = gtbt__log_of_net(&desc->net);
        if (!n || n > GTBT__URL_MAX || strchr(desc->endpoint, '?') || strchr(desc->endpoint, '#')) {
            gtbt__logf(&lg, GTBT_LOG_WARN, "telemetry: invalid OTLP endpoint \"%.200s\" (want a base URL such as https://collector:4318)", desc->endpoint);
            gtbt__buf_free(&url);
            return NULL;
        }
        for (i = 0; i < desc->net.n_headers && desc->net.headers; i++) {
            const char *k = desc->net.headers[i].key ? desc->net.headers[i].key : "";
            if (!gtbt__ascii_ncasecmp(desc->endpoint, "http:", 5) &&
                (strstr(k, "uth") || strstr(k, "ey") || strstr(k, "oken") || strstr(k, "ecret") || !gtbt__ascii_casecmp(k, "cookie")))
                gtbt__logf(&lg, GTBT_LOG_DEBUG, "OTel header %s appears to carry credentials; ensure the exporter uses TLS", k);
        }
    }
    nb = gtbt__net_backend_new(GTBT__NB_OTLP, gtbt__otlp_body, url.p, &desc->net, "OTLP endpoint");
    gtbt__buf_free(&url);
    if (!nb) return NULL;
    nb->service_name = gtbt__strdup(desc->service_name);
    nb->service_version = gtbt__strdup(desc->service_version);
    if ((desc->service_name && !nb->service_name) || (desc->service_version && !nb->service_version)) {
        gtbt__net_backend_destroy(&nb->base);
        return NULL;
    }
    snprintf(nb->info, sizeof nb->info, "otlp (%s)", desc->endpoint);
    return &nb->base;
}

static const char *const gtbt__dd_regions[][2] = {
    {"us1", "https://http-intake.logs.datadoghq.com/v1/input"},
    {"us3", "https://http-intake.logs.us3.datadoghq.com/v1/input"},
    {"us5", "https://http-intake.logs.us5.datadoghq.com/v1/input"},
    {"eu1", "https://http-intake.logs.datadoghq.eu/v1/input"},
    {"ap1", "https://http-intake.logs.ap1.datadoghq.com/v1/input"},
    {"ap2", "https://http-intake.logs.ap2.datadoghq.com/v1/input"},
    {"gov", "https://http-intake.logs.ddog-gov.com/v1/input"}};

GTB_TELEMETRY_API gtbt_datadog_region gtbt_datadog_region_from_name(const char *name) {
    int i;
    for (i = 0; name && i < 7; i++)
        if (!gtbt__ascii_casecmp(name, gtbt__dd_regions[i][0])) return (gtbt_datadog_region)i;
    return GTBT_DD_US1;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_datadog_backend(const gtbt_datadog_desc *desc) {
    gtbt__net_backend *nb;
    const char *url;
    gtbt__log lg;
    if (!desc) return NULL;
    lg = gtbt__log_of_net(&desc->net);
    if (!desc->api_key || !desc->api_key[0]) {
        gtbt__logf(&lg, GTBT_LOG_WARN, "telemetry: Datadog backend needs gtbt_datadog_desc.api_key (e.g. from $DD_API_KEY)");
        return NULL;
    }
    url = desc->endpoint && desc->endpoint[0] ? desc->endpoint
        : gtbt__dd_regions[(unsigned)desc->region < 7 ? (unsigned)desc->region : 0][1];
    if (!(nb = gtbt__net_backend_new(GTBT__NB_DATADOG, gtbt__dd_body, url, &desc->net, "Datadog endpoint"))) return NULL;
    nb->key_header = "DD-API-KEY";
    nb->base.max_event_age_ms = GTBT__DD_MAX_AGE_MS;
    nb->api_key = gtbt__strdup(desc->api_key);
    nb->source = gtbt__strdup(desc->source && desc->source[0] ? desc->source : "gtb");
    if (!nb->api_key || !nb->source) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    snprintf(nb->info, sizeof nb->info, "datadog (%s)", url);
    return &nb->base;
}

GTB_TELEMETRY_API gtbt_posthog_instance gtbt_posthog_instance_from_name(const char *name) {
    return (name && !gtbt__ascii_casecmp(name, "eu")) ? GTBT_POSTHOG_EU : GTBT_POSTHOG_US;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_posthog_backend(const gtbt_posthog_desc *desc) {
    gtbt__net_backend *nb;
    const char *url;
    gtbt__log lg;
    if (!desc) return NULL;
    lg = gtbt__log_of_net(&desc->net);
    if (!desc->project_key || !desc->project_key[0]) {
        gtbt__logf(&lg, GTBT_LOG_WARN, "telemetry: PostHog backend needs gtbt_posthog_desc.project_key (\"phc_...\")");
        return NULL;
    }
    url = desc->endpoint && desc->endpoint[0] ? desc->endpoint
        : desc->instance == GTBT_POSTHOG_EU ? "https://eu.i.posthog.com/capture/" : "https://us.i.posthog.com/capture/";
    if (!(nb = gtbt__net_backend_new(GTBT__NB_POSTHOG, gtbt__posthog_body, url, &desc->net, "PostHog endpoint"))) return NULL;
    if (!(nb->api_key = gtbt__strdup(desc->project_key))) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    snprintf(nb->info, sizeof nb->info, "posthog (%s)", url);
    return &nb->base;
}

/* ---- the HTTP deletion requestor ---- */
typedef struct gtbt__http_deletion { gtbt_deletion base; gtbt__net_backend *nb; } gtbt__http_deletion;

static int gtbt__http_deletion_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__http_deletion *hd = (gtbt__http_deletion *)d;
    gtbt__buf body, ua;
    int rc;
    memset(&body, 0, sizeof body);
    memset(&ua, 0, sizeof ua);
    gtbt__buf_puts(&body, "{\"machine_id\":");
    gtbt__json_str(&body, machine_id ? machine_id : "");
    gtbt__buf_putc(&body, '}');
    gtbt__buf_puts(&ua, "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING);
    rc = gtbt__net_post(hd->nb, ua.p, NULL, 0, &body, deadline_ms);
    gtbt__buf_free(&body);
    gtbt__buf_free(&ua);
    return rc;
}

static void gtbt__http_deletion_destroy(gtbt_deletion *d) {
    gtbt__http_deletion *hd = (gtbt__http_deletion *)d;
    gtbt__net_backend_destroy(&hd->nb->base);
    gtbt__free(hd);
}

GTB_TELEMETRY_API gtbt_deletion *gtbt_http_deletion(const char *endpoint, const gtbt_net_desc *net) {
    gtbt__http_deletion *hd;
    gtbt__net_backend *nb = gtbt__net_backend_new(GTBT__NB_HTTP, gtbt__http_body, endpoint, net, "deletion endpoint");
    if (!nb) return NULL;
    if (!(hd = (gtbt__http_deletion *)gtbt__calloc(1, sizeof *hd))) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    snprintf(nb->info, sizeof nb->info, "http (%s)", endpoint);
    hd->nb = nb;
    hd->base.request = gtbt__http_deletion_request;
    hd->base.destroy = gtbt__http_deletion_destroy;
    hd->base.info = nb->info;
    return &hd->base;
}

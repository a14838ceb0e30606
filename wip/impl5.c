
// >>consent -------------------------------------------------------------------------------------
/* 1 for 1 t true yes on, 0 for 0 f false no off (ASCII case-insensitive), -1 for anything else. */
static int gtbt__parse_bool(const char *v) {
    static const char *const yes[] = {"1", "t", "true", "yes", "on"}, *const no[] = {"0", "f", "false", "no", "off"};
    int i;
    if (!v) return -1;
    for (i = 0; i < 5; i++) {
        if (!gtbt__ascii_casecmp(v, yes[i])) return 1;
        if (!gtbt__ascii_casecmp(v, no[i])) return 0;
    }
    return -1;
}

/* 1..64 bytes of [A-Za-z0-9._-], not starting with '.': safe as a directory name. */
static int gtbt__valid_tool_name(const char *t) {
    size_t i, n = t ? strlen(t) : 0;
    if (n == 0 || n > GTBT__MAX_TOOL_NAME || t[0] == '.') return 0;
    for (i = 0; i < n; i++) {
        char ch = t[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-')) return 0;
    }
    return 1;
}

/* "<TOOL>_<suffix>": the tool name upper-cased, other characters as '_'. */
static void gtbt__tool_env(const char *tool, const char *suffix, char *out, size_t cap) {
    size_t i = 0;
    for (; tool[i] && i + 1 < cap; i++) {
        char ch = tool[i];
        out[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) ? ch : '_';
    }
    out[i] = 0;
    snprintf(out + i, cap - i, "_%s", suffix);
}

static int gtbt__config_dir(const gtbt_desc *desc, char *out, size_t cap) {
    if (desc->config_dir && desc->config_dir[0]) {
        if (strlen(desc->config_dir) >= cap) return GTBT_E_INVALID;
        strcpy(out, desc->config_dir);
        return GTBT_OK;
    }
    return gtbt__default_config_dir(desc->tool_name, out, cap);
}

static int gtbt__data_dir(const gtbt_desc *desc, char *out, size_t cap) {
    if (desc->data_dir && desc->data_dir[0]) {
        if (strlen(desc->data_dir) >= cap) return GTBT_E_INVALID;
        strcpy(out, desc->data_dir);
        return GTBT_OK;
    }
    return gtbt__default_data_dir(desc->tool_name, out, cap);
}

/* The consent file, parsed: "key = value" lines, '#' comments, blank lines. */
typedef struct gtbt__conf {
    int exists, malformed, malformed_line;
    int enabled, local_only;        /* -1 unset, 0, 1 */
    char *text; size_t len;         /* the file, for rewriting */
} gtbt__conf;

/* Splits a line into key and value (both trimmed, in place). 1 when it is "key = value". */
static int gtbt__conf_split(char *line, char **key, char **value) {
    char *eq = strchr(line, '='), *k = line, *end;
    if (!eq) return 0;
    *eq = 0;
    gtbt__trim(k);
    if (!*k) return 0;
    for (end = k; *end; end++)
        if (!((*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z') || (*end >= '0' && *end <= '9') || *end == '_' || *end == '.' || *end == '-')) return 0;
    *key = k;
    *value = eq + 1;
    gtbt__trim(*value);
    end = *value + strlen(*value);
    if (end - *value >= 2 && (**value == '"' || **value == '\'') && end[-1] == **value) { end[-1] = 0; (*value)++; }
    return 1;
}

static int gtbt__conf_blank_or_comment(const char *line) {
    while (*line == ' ' || *line == '\t' || *line == '\r') line++;
    return *line == 0 || *line == '#';
}

static void gtbt__conf_read(const char *config_dir, gtbt__conf *cf) {
    char path[GTBT__MAX_PATH], *copy, *line, *next;
    int rc, lineno = 0;
    memset(cf, 0, sizeof *cf);
    cf->enabled = cf->local_only = -1;
    if (gtbt__path_join(path, sizeof path, config_dir, "telemetry.conf") != GTBT_OK) return;
    rc = gtbt__read_file(path, GTBT__CONF_MAX, &cf->text, &cf->len);
    if (rc == GTBT_E_IO && errno == ENOENT) return;
    cf->exists = 1;
    if (rc != GTBT_OK) { cf->malformed = 1; return; }
    if (memchr(cf->text, 0, cf->len)) { cf->malformed = 1; cf->malformed_line = 1; return; }
    if (!(copy = gtbt__strndup(cf->text, cf->len))) { cf->malformed = 1; return; }
    for (line = copy; line; line = next) {
        char *key, *value;
        int v;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (gtbt__conf_blank_or_comment(line)) continue;
        if (!gtbt__conf_split(line, &key, &value)) {
            if (!cf->malformed) cf->malformed_line = lineno;
            cf->malformed = 1;
            continue;
        }
        v = gtbt__parse_bool(value);
        if (!strcmp(key, "enabled")) {
            if (v < 0) { if (!cf->malformed) cf->malformed_line = lineno; cf->malformed = 1; }
            else cf->enabled = v;
        } else if (!strcmp(key, "local_only")) {
            cf->local_only = v == 1;
        }
    }
    gtbt__free(copy);
    if (cf->malformed) cf->enabled = -1;   /* a file we do not understand is "not set" */
}

static void gtbt__conf_free(gtbt__conf *cf) { gtbt__free(cf->text); cf->text = NULL; }

/* Environment boolean: 1/0 when the variable is present (anything unparsable = 0), -1 absent. */
static int gtbt__env_bool(const char *name) {
    const char *v = gtbt__getenv(name);
    return v ? gtbt__parse_bool(v) == 1 : -1;
}

GTB_TELEMETRY_API int gtbt_consent_resolve(const gtbt_desc *desc, gtbt_consent *out) {
    char var[GTBT__MAX_TOOL_NAME + 24], dir[GTBT__MAX_PATH];
    gtbt__conf cf;
    int v, tool_v;
    if (!out) return GTBT_E_INVALID;
    memset(out, 0, sizeof *out);
    snprintf(out->decided_by, sizeof out->decided_by, "default");
    if (!desc || !gtbt__valid_tool_name(desc->tool_name)) return GTBT_E_INVALID;
    if (gtbt__config_dir(desc, dir, sizeof dir) == GTBT_OK) gtbt__conf_read(dir, &cf);
    else { memset(&cf, 0, sizeof cf); cf.enabled = cf.local_only = -1; }
    out->is_set = cf.enabled >= 0;
    out->file_malformed = cf.malformed != 0;
    gtbt__conf_free(&cf);
    gtbt__tool_env(desc->tool_name, "TELEMETRY_ENABLED", var, sizeof var);
    tool_v = gtbt__env_bool(var);
    if (desc->force_enabled) {
        out->enabled = true;
        snprintf(out->decided_by, sizeof out->decided_by, "force_enabled");
    } else if (gtbt__env_bool("DO_NOT_TRACK") == 1) {
        snprintf(out->decided_by, sizeof out->decided_by, "DO_NOT_TRACK");
    } else if (tool_v >= 0) {
        out->enabled = tool_v == 1;
        snprintf(out->decided_by, sizeof out->decided_by, "%s", var);
    } else if ((v = gtbt__env_bool("TELEMETRY_ENABLED")) >= 0) {
        out->enabled = v == 1;
        snprintf(out->decided_by, sizeof out->decided_by, "TELEMETRY_ENABLED");
    } else if (out->is_set) {
        out->enabled = cf.enabled == 1;
        snprintf(out->decided_by, sizeof out->decided_by, "config");
    }
    gtbt__tool_env(desc->tool_name, "TELEMETRY_LOCAL", var, sizeof var);
    if ((v = gtbt__env_bool(var)) >= 0 || (v = gtbt__env_bool("TELEMETRY_LOCAL")) >= 0) out->local_only = v == 1;
    else out->local_only = cf.local_only >= 0 ? cf.local_only == 1 : desc->local_only;
    gtbt__tool_env(desc->tool_name, "TELEMETRY_DEBUG", var, sizeof var);
    out->debug = out->enabled && (gtbt__env_bool(var) == 1 || gtbt__env_bool("TELEMETRY_DEBUG") == 1);
    return GTBT_OK;
}

GTB_TELEMETRY_API int gtbt_consent_set(const gtbt_desc *desc, bool enabled) {
    char dir[GTBT__MAX_PATH], path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH + 32];
    gtbt__conf cf;
    gtbt__buf out;
    char *copy = NULL, *line, *next;
    int rc, written = 0;
    if (!desc || !gtbt__valid_tool_name(desc->tool_name)) return GTBT_E_INVALID;
    if (gtbt__config_dir(desc, dir, sizeof dir) != GTBT_OK ||
        gtbt__path_join(path, sizeof path, dir, "telemetry.conf") != GTBT_OK) return GTBT_E_INVALID;
    if ((rc = gtbt__mkdir_private(dir)) != GTBT_OK) return rc;
    gtbt__conf_read(dir, &cf);
    memset(&out, 0, sizeof out);
    if (cf.text && !(copy = gtbt__strndup(cf.text, cf.len))) { gtbt__conf_free(&cf); return GTBT_E_NOMEM; }
    if (!copy) gtbt__buf_puts(&out, "# Usage telemetry consent. Change it with the tool's \"telemetry enable|disable\".\n");
    for (line = copy; line; line = next) {
        char *key, *value, *dup;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        else if (!*line) break;   /* the text ended with a newline */
        if (gtbt__conf_blank_or_comment(line)) { gtbt__buf_puts(&out, line); gtbt__buf_putc(&out, '\n'); continue; }
        dup = gtbt__strdup(line);
        if (dup && gtbt__conf_split(dup, &key, &value)) {
            if (!strcmp(key, "enabled")) {
                if (!written) gtbt__buf_printf(&out, "enabled = %s\n", enabled ? "true" : "false");
                written = 1;
            } else {
                gtbt__buf_puts(&out, line); gtbt__buf_putc(&out, '\n');
            }
        } else {
            /* keep what we could not read, as a comment, so the file becomes valid again */
            gtbt__buf_printf(&out, "# (invalid line kept as a comment) %s\n", line);
        }
        gtbt__free(dup);
    }
    if (!written) gtbt__buf_printf(&out, "enabled = %s\n", enabled ? "true" : "false");
    gtbt__free(copy);
    gtbt__conf_free(&cf);
    if (out.oom) { gtbt__buf_free(&out); return GTBT_E_NOMEM; }
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, gtbt__pid());
    rc = gtbt__write_file_atomic(path, tmp, out.p, out.len);
    gtbt__buf_free(&out);
    return rc;
}

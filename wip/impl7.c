
// >>cli -----------------------------------------------------------------------------------------
/* The end user's "telemetry" commands (DESIGN 8). Texts are the Go original's, with its fixes. */
static void gtbt__cli_usage(const gtbt_collector *c, FILE *out) {
    fprintf(out,
            "Manage opt-in pseudonymous usage analytics for this tool.\n"
            "\n"
            "Telemetry is off unless you opt in. Use the enable, disable, status, and reset\n"
            "subcommands to turn collection on or off, inspect the current state, and clear\n"
            "local data while requesting remote deletion.\n"
            "\n"
            "Usage:\n"
            "  %s telemetry <command>\n"
            "\n"
            "Available Commands:\n"
            "  enable      Enable pseudonymous usage telemetry\n"
            "  disable     Disable usage telemetry\n"
            "  status      Show current telemetry status\n"
            "  reset       Clear local telemetry data and request remote deletion\n",
            c->tool_name[0] ? c->tool_name : "<tool>");
}

/* A desc with what consent needs: the tool name, the config dir, the policy. */
static gtbt_desc gtbt__cli_desc(const gtbt_collector *c) {
    gtbt_desc d;
    memset(&d, 0, sizeof d);
    d.tool_name = c->tool_name;
    d.config_dir = c->config_dir;
    d.force_enabled = c->force_enabled != 0;
    return d;
}

/* Stops all recording and sending at once and discards what is pending (consent withdrawn). */
static void gtbt__withdraw(gtbt_collector *c) {
    gtbt__mutex_lock(&c->mu);
    c->withdrawn = 1;
    gtbt__mutex_unlock(&c->mu);
    gtbt__mutex_lock(&c->flush_mu);   /* waits for a flush under way, then nothing is sent */
    gtbt__discard(c);                 /* also the files of earlier runs, when disabled now */
    gtbt__mutex_unlock(&c->flush_mu);
}

static void gtbt__explain(const gtbt_collector *c, const gtbt_consent *k, char *out, size_t cap) {
    if (!strcmp(k->decided_by, "force_enabled")) snprintf(out, cap, "organisation policy (always on)");
    else if (!strcmp(k->decided_by, "config")) snprintf(out, cap, "your choice in %s/telemetry.conf", c->config_dir);
    else if (!strcmp(k->decided_by, "default")) snprintf(out, cap, "default (off until you opt in)");
    else snprintf(out, cap, "the %s environment variable", k->decided_by);
}

static int gtbt__cli_enable(gtbt_collector *c, FILE *out) {
    gtbt_desc d = gtbt__cli_desc(c);
    gtbt_consent k;
    char why[GTBT__MAX_PATH + 64];
    int rc = gtbt_consent_set(&d, true);
    if (rc != GTBT_OK) {
        fprintf(out, "Telemetry could not be enabled: cannot write %s/telemetry.conf (%s).\n", c->config_dir, gtbt_strerror(rc));
        return 1;
    }
    fprintf(out, "Telemetry enabled. Thank you for helping improve %s!\n", c->tool_name);
    fprintf(out, "No personally identifiable information is collected.\n");
    gtbt_consent_resolve(&d, &k);
    if (!k.enabled) {
        gtbt__explain(c, &k, why, sizeof why);
        fprintf(out, "Note: telemetry stays off while %s says so.\n", why);
    }
    return 0;
}

static int gtbt__cli_disable(gtbt_collector *c, FILE *out) {
    gtbt_desc d = gtbt__cli_desc(c);
    gtbt_consent k;
    char why[GTBT__MAX_PATH + 64];
    int rc;
    if (c->force_enabled) {
        fprintf(out, "Telemetry is enforced by your organisation and cannot be disabled.\n");
        return 0;
    }
    gtbt__withdraw(c);
    rc = gtbt_consent_set(&d, false);
    if (rc != GTBT_OK) {
        fprintf(out, "Telemetry is off for this run, but the choice could not be saved in %s/telemetry.conf (%s).\n",
                c->config_dir, gtbt_strerror(rc));
        fprintf(out, "All pending events have been discarded.\n");
        return 1;
    }
    fprintf(out, "Telemetry disabled.\n");
    fprintf(out, "All pending events have been discarded.\n");
    gtbt_consent_resolve(&d, &k);
    if (k.enabled) {
        gtbt__explain(c, &k, why, sizeof why);
        fprintf(out, "Note: %s still turns telemetry on for later runs; unset it to opt out fully.\n", why);
    }
    return 0;
}

static int gtbt__cli_status(gtbt_collector *c, FILE *out) {
    gtbt_desc d = gtbt__cli_desc(c);
    gtbt_consent k;
    gtbt__conf cf;
    char why[GTBT__MAX_PATH + 64], id[17];
    size_t files = 0, pending;
    int withdrawn;
    gtbt_consent_resolve(&d, &k);
    gtbt__mutex_lock(&c->mu);
    withdrawn = c->withdrawn;
    gtbt__mutex_unlock(&c->mu);
    if (withdrawn && !c->force_enabled) k.enabled = false;
    fprintf(out, "Telemetry: %s\n", !k.enabled ? "disabled" : k.local_only ? "enabled (local-only)" : "enabled");
    gtbt__explain(c, &k, why, sizeof why);
    fprintf(out, "Decided by: %s\n", why);
    if (k.debug) fprintf(out, "Debug: events are printed to stderr and nothing is sent\n");
    gtbt_machine_id(c->tool_name, id);
    fprintf(out, "Machine ID: %s\n", id);
    fprintf(out, "Backend: %s\n", c->info);
    gtbt__conf_read(c->config_dir, &cf);
    if (!cf.exists) fprintf(out, "Config file: %s/telemetry.conf (not created yet)\n", c->config_dir);
    else if (cf.malformed && cf.malformed_line) fprintf(out, "Config file: %s/telemetry.conf (malformed at line %d: treated as not set)\n", c->config_dir, cf.malformed_line);
    else if (cf.malformed) fprintf(out, "Config file: %s/telemetry.conf (unreadable: treated as not set)\n", c->config_dir);
    else fprintf(out, "Config file: %s/telemetry.conf\n", c->config_dir);
    gtbt__conf_free(&cf);
    fprintf(out, "Data dir: %s\n", c->data_dir[0] ? c->data_dir : "(none)");
    pending = gtbt__pending_on_disk(c, &files);
    fprintf(out, "Pending events: %zu on disk (%zu spill file%s), %zu in memory\n", pending, files, files == 1 ? "" : "s", c->n);
    if (c->bo_until_unix_ms > gtbt__unix_ms()) {
        char ts[40];
        gtbt__rfc3339(c->bo_until_unix_ms * 1000000, ts);
        fprintf(out, "Back-off: not contacting the backend until %s (%d consecutive failure%s)\n", ts, c->bo_failures, c->bo_failures == 1 ? "" : "s");
    } else if (c->bo_failures) {
        fprintf(out, "Back-off: none (%d recent failure%s)\n", c->bo_failures, c->bo_failures == 1 ? "" : "s");
    } else {
        fprintf(out, "Back-off: none\n");
    }
    return 0;
}

/* The deletion requestor of reset (DESIGN 7): the tool's own, else HTTP at the endpoint, else an
   event through the network backend. What is built here is returned in tmp_d and tmp_b, to destroy. */
static gtbt_deletion *gtbt__cli_requestor(gtbt_collector *c, gtbt_deletion **tmp_d, gtbt_backend **tmp_b) {
    const char *why;
    *tmp_d = NULL;
    *tmp_b = NULL;
    if (c->deletion) return c->deletion;
    if (c->endpoint[0]) return *tmp_d = gtbt_http_deletion(c->endpoint, &c->net);
    if (!c->network) c->network = *tmp_b = gtbt__network_from_desc(c, &why);
    if (c->network && !gtbt__is_local_backend(c->network)) return *tmp_d = gtbt_event_deletion(c->network);
    return NULL;
}

static int gtbt__cli_reset(gtbt_collector *c, FILE *out) {
    gtbt_desc d = gtbt__cli_desc(c);
    gtbt_deletion *req, *tmp_d = NULL;
    gtbt_backend *tmp_b = NULL;
    char id[17], path[GTBT__MAX_PATH];
    int rc, status = 0;
    gtbt_machine_id(c->tool_name, id);
    if (!c->force_enabled) gtbt__withdraw(c);
    else gtbt_drop(c);
    if (c->data_dir[0] && gtbt__path_join(path, sizeof path, c->data_dir, "telemetry.log") == GTBT_OK) unlink(path);
    req = c->consent.debug ? NULL : gtbt__cli_requestor(c, &tmp_d, &tmp_b);
    if (c->consent.debug) {
        fprintf(out, "Debug mode: no deletion request was sent (nothing leaves this machine).\n");
    } else if (!req && (c->consent.local_only || (c->network && gtbt__is_local_backend(c->network)))) {
        fprintf(out, "No deletion request needed: events were kept on this machine only.\n");
    } else if (!req) {
        fprintf(out, "No deletion request was sent: %s has no deletion endpoint configured.\n", c->tool_name);
        if (c->support_message[0]) fprintf(out, "For manual deletion: %s\n", c->support_message);
    } else {
        rc = req->request(req, id, gtbt_now_ms() + GTBT__RESET_TIMEOUT_MS);
        if (rc == GTBT_OK) {
            fprintf(out, "Deletion request sent for machine ID: %s\n", id);
        } else {
            fprintf(out, "Deletion request could not be sent: %s\n", gtbt_strerror(rc));
            if (c->support_message[0]) fprintf(out, "For manual deletion: %s\n", c->support_message);
        }
    }
    gtbt_deletion_destroy(tmp_d);
    if (tmp_b) { c->network = NULL; gtbt_backend_destroy(tmp_b); }
    if (c->force_enabled) {
        fprintf(out, "Local telemetry data cleared. Telemetry remains enabled per organisation policy.\n");
    } else if ((rc = gtbt_consent_set(&d, false)) != GTBT_OK) {
        fprintf(out, "Local telemetry data cleared, but \"disabled\" could not be saved in %s/telemetry.conf (%s).\n",
                c->config_dir, gtbt_strerror(rc));
        status = 1;
    } else {
        fprintf(out, "Local telemetry data cleared. Telemetry disabled.\n");
    }
    return status;
}

/* Prints s with anything but printable ASCII replaced, at most 64 bytes. */
static void gtbt__print_safe(FILE *out, const char *s) {
    int i;
    for (i = 0; s[i] && i < 64; i++) fputc((s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?', out);
}

GTB_TELEMETRY_API int gtbt_cli(gtbt_collector *c, int argc, const char *const *argv, FILE *out) {
    const char *sub = (argc > 0 && argv && argv[0]) ? argv[0] : "help";
    if (!out) out = stdout;
    if (!c) { fprintf(out, "Telemetry is not available.\n"); return 1; }
    if (!strcmp(sub, "help") || !strcmp(sub, "--help") || !strcmp(sub, "-h")) { gtbt__cli_usage(c, out); return 0; }
    if (!c->tool_name[0]) { fprintf(out, "Telemetry is not available: the tool has no valid name.\n"); return 1; }
    if (!strcmp(sub, "enable")) return gtbt__cli_enable(c, out);
    if (!strcmp(sub, "disable")) return gtbt__cli_disable(c, out);
    if (!strcmp(sub, "status")) return gtbt__cli_status(c, out);
    if (!strcmp(sub, "reset")) return gtbt__cli_reset(c, out);
    fprintf(out, "Error: unknown telemetry command \"");
    gtbt__print_safe(out, sub);
    fprintf(out, "\"\n\n");
    gtbt__cli_usage(c, out);
    return 2;
}

GTB_TELEMETRY_API int gtbt_prompt(const gtbt_desc *desc, FILE *in, FILE *out) {
    gtbt__log lg;
    gtbt_consent k;
    const char *ci = gtbt__getenv("CI");
    char answer[64];
    int yes, rc;
    if (!desc || !in || !out) return 0;
    lg.fn = desc->log; lg.user = desc->log_user; lg.level = desc->log_level;
    if (gtbt_consent_resolve(desc, &k) != GTBT_OK || strcmp(k.decided_by, "default") != 0 || k.is_set) return 0;
    if (ci && gtbt__parse_bool(ci) != 0) { gtbt__logf(&lg, GTBT_LOG_DEBUG, "telemetry consent deferred: CI environment"); return 0; }
    if (!gtbt__is_tty(in) || !gtbt__is_tty(out)) { gtbt__logf(&lg, GTBT_LOG_DEBUG, "telemetry consent deferred: non-interactive"); return 0; }
    fprintf(out,
            "Usage telemetry\n"
            "Help improve %s by sending pseudonymous usage statistics.\n"
            "No personally identifiable information is collected.\n"
            "You can change this at any time with `%s telemetry enable/disable`.\n"
            "Enable telemetry? [y/N]: ", desc->tool_name, desc->tool_name);
    fflush(out);
    if (!fgets(answer, sizeof answer, in)) answer[0] = 0;
    gtbt__trim(answer);
    yes = !gtbt__ascii_casecmp(answer, "y") || !gtbt__ascii_casecmp(answer, "yes");
    rc = gtbt_consent_set(desc, yes != 0);
    if (rc != GTBT_OK) {
        fprintf(out, "Your answer could not be saved (%s); telemetry stays off.\n", gtbt_strerror(rc));
        return 0;
    }
    return yes;
}

#endif /* GTB_TELEMETRY_IMPLEMENTATION */

/* http.c - events to your own HTTP endpoint: a POST of the JSON array (gtbt_events_json format).
 *
 *   build/gtbt-sink &                                   # prints "listening on 127.0.0.1:PORT"
 *   TELEMETRY_ENABLED=1 HTTP_ENDPOINT=http://127.0.0.1:PORT/events build/http
 *
 * For https:// the server's certificate is verified against the system CA bundle, or the PEM
 * file in HTTP_CA_FILE (a private CA). Nothing is sent without consent. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

static void log_line(void *user, gtbt_log_level level, const char *message) {
    (void)user;
    if (level >= GTBT_LOG_WARN) fprintf(stderr, "%s\n", message);
}

int main(void) {
    gtbt_desc desc = {0};
    gtbt_kv extra[] = {{"feature", "export"}};
    gtbt_collector *t;
    int rc;

    desc.tool_name = "http-example";
    desc.version = "1.0.0";
    desc.endpoint = getenv("HTTP_ENDPOINT");
    desc.net.ca_file = getenv("HTTP_CA_FILE");
    desc.log = log_line;
    t = gtbt_new(&desc);
    printf("telemetry: %s, backend: %s\n", gtbt_enabled(t) ? "enabled" : "disabled", gtbt_backend_info(t));

    gtbt_track(t, GTBT_EVENT_FEATURE_USED, "export.csv", extra, 1);
    gtbt_track_command(t, "export", 120, 0, NULL, 0);

    rc = gtbt_close(t);
    printf("delivery: %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}

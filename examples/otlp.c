/* otlp.c - events as OpenTelemetry log records, POSTed as OTLP/HTTP JSON to <endpoint>/v1/logs
 * (an OpenTelemetry Collector, Grafana Cloud, Honeycomb, ...).
 *
 *   TELEMETRY_ENABLED=1 OTEL_ENDPOINT=http://127.0.0.1:4318 build/otlp
 *   TELEMETRY_ENABLED=1 OTEL_ENDPOINT=https://otlp.example.com/otlp OTEL_AUTHORIZATION="Basic …" build/otlp
 *
 * The Authorization value comes from the environment only; it is sent as a header and never logged. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

int main(void) {
    gtbt_desc desc = {0};
    gtbt_kv headers[1];
    gtbt_collector *t;
    const char *auth = getenv("OTEL_AUTHORIZATION");
    int rc;

    desc.tool_name = "otlp-example";
    desc.version = "1.0.0";
    desc.otel_endpoint = getenv("OTEL_ENDPOINT");
    if (auth) {
        headers[0].key = "Authorization";
        headers[0].value = auth;
        desc.otel_headers = headers;
        desc.n_otel_headers = 1;
    }
    t = gtbt_new(&desc);
    printf("backend: %s\n", gtbt_backend_info(t));
    gtbt_track_command(t, "deploy", 2300, 0, NULL, 0);
    rc = gtbt_close(t);
    printf("delivery: %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}

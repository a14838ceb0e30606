/* datadog.c - events as Datadog logs (HTTP logs intake), one log entry per event.
 *
 *   TELEMETRY_ENABLED=1 DD_API_KEY=… DD_SITE_REGION=eu1 build/datadog
 *   TELEMETRY_ENABLED=1 DD_API_KEY=test DD_ENDPOINT=http://127.0.0.1:PORT/v1/input build/datadog   # to gtbt-sink
 *
 * The API key is read from the environment only, sent as the DD-API-KEY header, never logged. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

int main(void) {
    gtbt_datadog_desc dd = {0};
    gtbt_desc desc = {0};
    gtbt_collector *t;
    int rc;

    dd.api_key = getenv("DD_API_KEY");
    dd.region = gtbt_datadog_region_from_name(getenv("DD_SITE_REGION"));   /* us1 … gov; default us1 */
    dd.endpoint = getenv("DD_ENDPOINT");                                    /* overrides the region */
    desc.tool_name = "datadog-example";
    desc.version = "1.0.0";
    desc.backend = gtbt_datadog_backend(&dd);   /* NULL without a key: the collector falls back to noop */
    t = gtbt_new(&desc);
    printf("backend: %s\n", gtbt_backend_info(t));
    gtbt_track_command(t, "sync", 870, 0, NULL, 0);
    rc = gtbt_close(t);
    printf("delivery: %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}

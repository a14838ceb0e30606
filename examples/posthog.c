/* posthog.c - events to PostHog (capture API, batch form): distinct_id is the pseudonymous machine
 * id, person profiles and GeoIP are turned off.
 *
 *   TELEMETRY_ENABLED=1 POSTHOG_PROJECT_KEY=phc_… POSTHOG_INSTANCE=eu build/posthog
 *   TELEMETRY_ENABLED=1 POSTHOG_PROJECT_KEY=phc_test POSTHOG_ENDPOINT=http://127.0.0.1:PORT/capture/ build/posthog
 *
 * The project key is read from the environment only. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

int main(void) {
    gtbt_posthog_desc ph = {0};
    gtbt_desc desc = {0};
    gtbt_kv extra[] = {{"plan", "free"}};
    gtbt_collector *t;
    int rc;

    ph.project_key = getenv("POSTHOG_PROJECT_KEY");
    ph.instance = gtbt_posthog_instance_from_name(getenv("POSTHOG_INSTANCE"));   /* us or eu */
    ph.endpoint = getenv("POSTHOG_ENDPOINT");                                  /* self-hosted */
    desc.tool_name = "posthog-example";
    desc.version = "1.0.0";
    desc.backend = gtbt_posthog_backend(&ph);
    t = gtbt_new(&desc);
    printf("backend: %s\n", gtbt_backend_info(t));
    gtbt_track(t, GTBT_EVENT_FEATURE_USED, "dashboard.open", extra, 1);
    rc = gtbt_close(t);
    printf("delivery: %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}

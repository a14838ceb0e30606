/* client.c - the program tests/test_kit.sh builds against gtb_telemetry.h in every way a tool author
   gets it (CMake add_subdirectory, find_package, pkg-config, and with gtbt-ta anchors): it records one
   event and delivers it to argv[1], then prints gtbt_strerror of the result.
   With -DTA_FILE='"anchors.h"' (gtbt-ta --name kit_ta) the compiled-in anchors are the only trusted
   CAs. argv[2], when given, is the config and data directory.
   Exit status: 0 delivered, else the negated gtbt result (GTBT_E_TLS -> 6). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#ifdef TA_FILE
#include TA_FILE
#endif

int main(int argc, char **argv) {
    gtbt_desc desc = {0};
    gtbt_collector *telemetry;
    int rc;
    if (argc < 2) { fprintf(stderr, "usage: client URL [DIR]\n"); return 2; }
    desc.tool_name = "kit-client";
    desc.version = GTB_TELEMETRY_VERSION_STRING;
    desc.endpoint = argv[1];
    desc.force_enabled = true;
    desc.flush_timeout_ms = 5000;
    if (argc > 2) desc.config_dir = desc.data_dir = argv[2];
#ifdef TA_FILE
    desc.net.trust_anchors = kit_ta;
    desc.net.n_trust_anchors = kit_ta_count;
#endif
    telemetry = gtbt_new(&desc);
    gtbt_track_command(telemetry, "deliver", 1, 0, NULL, 0);
    rc = gtbt_close(telemetry);
    printf("%s\n", gtbt_strerror(rc));
    return rc < 0 ? -rc : 0;
}

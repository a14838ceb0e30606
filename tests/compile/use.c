/* use.c - calls the public API through the declarations only (the implementation is in impl.c),
   so a two-translation-unit build proves the header links without duplicate symbols. */
#include "gtb_telemetry.h"
#include <string.h>

int main(void) {
    gtbt_desc d;
    gtbt_collector *c;
    char id[17];
    memset(&d, 0, sizeof d);
    d.tool_name = "compiletest";
    d.config_dir = "/nonexistent/gtbt-compile-test";
    c = gtbt_new(&d);                       /* disabled: touches nothing */
    gtbt_track_command(c, "build", 1, 0, NULL, 0);
    if (gtbt_enabled(c) || strcmp(gtbt_backend_info(c), "noop (disabled)") != 0) return 1;
    if (gtbt_machine_id("compiletest", id) != GTBT_OK || strlen(id) != 16) return 1;
    return gtbt_close(c) == GTBT_OK && gtbt_strerror(GTBT_E_TLS)[0] ? 0 : 1;
}

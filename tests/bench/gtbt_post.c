/* gtbt_post.c - the same job as curl_post.c with gtb_telemetry.h: one process that records N
   events and delivers them with gtbt_close to URL. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

int main(int argc, char **argv) {
    char dir[] = "/tmp/gtbt-post-XXXXXX", data[64];
    gtbt_desc d;
    gtbt_collector *c;
    int i, n = argc > 2 ? atoi(argv[2]) : 1, rc;
    if (argc < 2 || n < 1 || !mkdtemp(dir)) { fprintf(stderr, "usage: gtbt_post URL N [CA_FILE]\n"); return 2; }
    snprintf(data, sizeof data, "%s/data", dir);
    memset(&d, 0, sizeof d);
    d.tool_name = "benchtool";
    d.version = "1.0.0";
    d.force_enabled = true;
    d.config_dir = dir;
    d.data_dir = data;
    d.endpoint = argv[1];
    d.net.ca_file = argc > 3 ? argv[3] : NULL;
    d.max_buffer = n + 1;
    c = gtbt_new(&d);
    for (i = 0; i < n; i++) gtbt_track_command(c, "build", 42, 0, NULL, 0);
    rc = gtbt_close(c);
    rmdir(data);
    rmdir(dir);
    return rc == GTBT_OK ? 0 : 1;
}

/* embedded.c - gtb_telemetry.h on a small Linux box: no threads, a compiled-in CA, a small buffer.
 *
 *   - GTB_TELEMETRY_NO_THREADS: no mutex and no pthread (a single-threaded tool). The DNS look-up
 *     is then bounded only by the resolver's own timeouts; use an IP address in the URL if that
 *     matters.
 *   - Compiled-in trust anchors (embedded_ta.h, made by tools/gtbt-ta): no CA bundle is needed on
 *     the device, and no other CA is trusted. Regenerate with
 *         build/gtbt-ta --name embedded_ta -o examples/embedded_ta.h tests/certs/ca-rsa.pem
 *     (use your own collector's CA; tests/certs/ca-rsa.pem is the test CA of gtbt-sink's certificate).
 *   - GTB_TELEMETRY_MAX_BUFFER 16 and desc.max_buffer = 16: at most 16 events in memory, the
 *     rest goes to a spill file in the data dir.
 *   - The https:// endpoint comes from EMBEDDED_ENDPOINT; nothing is sent without it.
 *
 *   cc -std=c99 -Wall -Wextra -Wpedantic -Werror -I. examples/embedded.c -o embedded -lbearssl
 *   build/gtbt-sink --tls --cert tests/certs/localhost-rsa-chain.pem --key tests/certs/localhost-rsa.key
 *   TELEMETRY_ENABLED=1 EMBEDDED_ENDPOINT=https://127.0.0.1:PORT/events ./embedded
 *
 * The exit status says whether the events were delivered (0) and stderr says why not. */
#define GTB_TELEMETRY_NO_THREADS
#define GTB_TELEMETRY_MAX_BUFFER 16
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "embedded_ta.h"        /* after the library, which selects the POSIX features first */

int main(void) {
    gtbt_desc desc = {0};
    gtbt_collector *telemetry;
    int64_t start = gtbt_now_ms();
    int rc;

    desc.tool_name = "embedded";
    desc.version = "1.0.0";
    desc.endpoint = getenv("EMBEDDED_ENDPOINT");
    desc.net.trust_anchors = embedded_ta;          /* used instead of any PEM bundle */
    desc.net.n_trust_anchors = embedded_ta_count;
    desc.max_buffer = 16;
    desc.flush_timeout_ms = 3000;
    telemetry = gtbt_new(&desc);

    puts("measuring...");                            /* the tool's work */

    gtbt_track_command(telemetry, "measure", gtbt_now_ms() - start, 0, NULL, 0);
    rc = gtbt_close(telemetry);
    if (rc != GTBT_OK) fprintf(stderr, "embedded: events not delivered (kept for the next run): %s\n", gtbt_strerror(rc));
    return rc == GTBT_OK ? 0 : 1;
}

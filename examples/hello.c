/* hello.c - the smallest use of gtb_telemetry.h: record one command, then close.
 *
 *   cc -std=c99 -I.. hello.c -o hello -lbearssl -lpthread
 *   TELEMETRY_ENABLED=1 TELEMETRY_DEBUG=1 ./hello     # the event is printed to stderr, nothing sent
 *
 * Without consent (the default) the collector is inert: nothing is recorded, no file is touched.
 * Set HELLO_ENDPOINT=http://127.0.0.1:PORT/events to send to a sink (build/gtbt-sink). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

int main(void) {
    gtbt_desc desc = {0};
    gtbt_collector *telemetry;
    int64_t start = gtbt_now_ms();

    desc.tool_name = "hello";
    desc.version = "1.0.0";
    desc.endpoint = getenv("HELLO_ENDPOINT");      /* NULL: no endpoint, events go nowhere */
    telemetry = gtbt_new(&desc);

    puts("hello, world");

    gtbt_track_command(telemetry, "hello", gtbt_now_ms() - start, 0, NULL, 0);
    gtbt_close(telemetry);                          /* sends within 2 s at most, then frees */
    return 0;
}

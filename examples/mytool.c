/* mytool.c - a small command-line tool wired the way gtb_telemetry.h is meant to be used:
 *   - a "telemetry" command group handed to gtbt_cli (enable, disable, status, reset, help),
 *   - the first-run consent question (gtbt_prompt: only on a terminal, never in CI, default No),
 *   - gtbt_track_command around every command, with its duration and exit code, under the
 *     command's known name only (argv[1] as typed could be a path, a token or an e-mail address),
 *   - gtbt_close at exit: what could not be sent in time is kept on disk for the next run.
 *
 *   mytool greet [NAME]           print a greeting
 *   mytool count N                count to N
 *   mytool telemetry <command>    manage usage telemetry
 *
 * Where events go: MYTOOL_ENDPOINT (HTTP JSON) or MYTOOL_OTEL_ENDPOINT (OTLP/HTTP) when set;
 * with MYTOOL_TELEMETRY_LOCAL=1 they are only appended to a local file in the data directory. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include <string.h>

static int cmd_greet(int argc, char **argv) {
    printf("Hello, %s!\n", argc > 0 ? argv[0] : "world");
    return 0;
}

static int cmd_count(int argc, char **argv) {
    long i, n = argc > 0 ? strtol(argv[0], NULL, 10) : 0;
    if (n <= 0 || n > 1000) { fprintf(stderr, "mytool: count wants a number from 1 to 1000\n"); return 2; }
    for (i = 1; i <= n; i++) printf("%ld\n", i);
    return 0;
}

static void usage(void) {
    puts("usage: mytool greet [NAME] | count N | telemetry <enable|disable|status|show|reset|help>");
}

int main(int argc, char **argv) {
    gtbt_desc desc = {0};
    gtbt_kv metadata[] = {{"channel", "stable"}};
    gtbt_collector *telemetry;
    const char *cmd = argc > 1 ? argv[1] : "help";
    const char *known = "unknown";   /* what is recorded: never the user's text itself */
    int64_t start;
    int rc;

    desc.tool_name = "mytool";
    desc.version = "1.2.3";
    desc.endpoint = getenv("MYTOOL_ENDPOINT");
    desc.otel_endpoint = getenv("MYTOOL_OTEL_ENDPOINT");
    desc.net.ca_file = getenv("MYTOOL_CA_FILE");   /* e.g. a private CA for a self-hosted collector */
    desc.metadata = metadata;
    desc.n_metadata = 1;
    desc.support_message = "write to privacy@example.com";

    /* Ask once, before the collector resolves consent (only on a terminal, never in CI). */
    if (strcmp(cmd, "telemetry") != 0) gtbt_prompt(&desc, stdin, stdout);
    telemetry = gtbt_new(&desc);

    start = gtbt_now_ms();
    if (!strcmp(cmd, "telemetry")) {
        rc = gtbt_cli(telemetry, argc - 2, (const char *const *)(argv + 2), stdout);
    } else if (!strcmp(cmd, "greet")) {
        known = "greet";
        rc = cmd_greet(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "count")) {
        known = "count";
        rc = cmd_count(argc - 2, argv + 2);
    } else {
        usage();
        if (!strcmp(cmd, "help")) known = "help";
        rc = !strcmp(cmd, "help") ? 0 : 2;
    }
    /* The telemetry commands record nothing: after "disable" nothing may be sent. */
    if (strcmp(cmd, "telemetry") != 0) gtbt_track_command(telemetry, known, gtbt_now_ms() - start, rc, NULL, 0);

    gtbt_close(telemetry);
    return rc;
}

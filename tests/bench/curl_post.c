/* curl_post.c - the peer for make bench: a plain libcurl program that posts the same JSON as
   gtb_telemetry.h would (N events) to URL, once, with a 2 s timeout. Benchmark-only. */
#define GTB_TELEMETRY_IMPLEMENTATION
#define GTB_TELEMETRY_NO_TLS
#define GTB_TELEMETRY_NO_THREADS
#include "gtb_telemetry.h"
#include <curl/curl.h>

static size_t discard(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }

int main(int argc, char **argv) {
    CURL *h;
    struct curl_slist *hdr = NULL;
    gtbt_event *ev;
    char *json;
    size_t len;
    int i, n = argc > 2 ? atoi(argv[2]) : 1;
    long status = 0;
    CURLcode rc;
    if (argc < 2 || n < 1) { fprintf(stderr, "usage: curl_post URL N [CA_FILE]\n"); return 2; }
    ev = (gtbt_event *)calloc((size_t)n, sizeof *ev);
    for (i = 0; i < n; i++) {
        ev[i].time_unix_ns = gtbt__realtime_ns();
        ev[i].uuid = "6f1c2f0e-3c7b-4d7e-9a8b-0c1d2e3f4a5b";
        ev[i].type = "command.invocation"; ev[i].name = "build";
        ev[i].machine_id = "4a3f8c1d9e2b6f70"; ev[i].tool_name = "benchtool"; ev[i].version = "1.0.0";
        ev[i].os = "linux"; ev[i].arch = "amd64"; ev[i].os_version = "6.1.0"; ev[i].runtime_version = "gcc 12.2.0";
        ev[i].error = ""; ev[i].duration_ms = 42;
    }
    json = gtbt_events_json(ev, (size_t)n, &len);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h = curl_easy_init();
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, argv[1]);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    if (argc > 3) curl_easy_setopt(h, CURLOPT_CAINFO, argv[3]);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    gtbt_free(json);
    free(ev);
    return rc == CURLE_OK && status / 100 == 2 ? 0 : 1;
}

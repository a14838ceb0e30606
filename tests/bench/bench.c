/* bench.c - speed and memory figures of gtb_telemetry.h (make bench). Prints a table; asserts
   nothing (machines are noisy). Modes:
     bench local                       track ns/call, JSON MB/s, spill and replay, memory
     bench close URL N [CA_FILE]       wall time of gtbt_close with N events to URL
     bench detach URL N LOG|-          GTBT_DETACH_ALWAYS: median over 5 runs of the exit time
                                       (gtbt_close) and, with the sink's --log file, of the time
                                       until the events arrive there */
/*   bench replay URL N                 N events spilled to disk, then one gtbt_flush sends them to
                                       URL; run under callgrind --toggle-collect=bench_replay_flush
                                       it counts the instructions of that flush alone */
#include <stddef.h>
static size_t live_bytes, peak_bytes;
static void *bench_malloc(size_t n);
static void *bench_realloc(void *p, size_t n);
static void bench_free(void *p);
#define GTB_TELEMETRY_MALLOC(n) bench_malloc(n)
#define GTB_TELEMETRY_REALLOC(p, n) bench_realloc(p, n)
#define GTB_TELEMETRY_FREE(p) bench_free(p)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"

/* counts live heap bytes (a size header in front of each block) */
static void *bench_malloc(size_t n) {
    size_t *p = (size_t *)malloc(n + 16);
    if (!p) return NULL;
    p[0] = n;
    live_bytes += n;
    if (live_bytes > peak_bytes) peak_bytes = live_bytes;
    return (char *)p + 16;
}
static void bench_free(void *q) {
    size_t *p;
    if (!q) return;
    p = (size_t *)(void *)((char *)q - 16);
    live_bytes -= p[0];
    free(p);
}
static void *bench_realloc(void *q, size_t n) {
    size_t *p, old;
    if (!q) return bench_malloc(n);
    p = (size_t *)(void *)((char *)q - 16);
    old = p[0];
    p = (size_t *)realloc(p, n + 16);
    if (!p) return NULL;
    p[0] = n;
    live_bytes = live_bytes - old + n;
    if (live_bytes > peak_bytes) peak_bytes = live_bytes;
    return (char *)p + 16;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t gt_now_ms_plus(int64_t ms) { return gtbt_now_ms() + ms; }

static gtbt_desc bench_desc(const char *dir, char *cfg, char *data) {
    gtbt_desc d;
    memset(&d, 0, sizeof d);
    sprintf(cfg, "%s/config", dir);
    sprintf(data, "%s/data", dir);
    d.tool_name = "benchtool";
    d.version = "1.0.0";
    d.force_enabled = true;
    d.config_dir = cfg;
    d.data_dir = data;
    return d;
}

static void rmrf(const char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup of %s failed\n", dir);
}

static int bench_local(void) {
    char tmpl[] = "/tmp/gtbt-bench-XXXXXX", cfg[256], data[256];
    char *dir = mkdtemp(tmpl);
    gtbt_kv extra[2] = {{"command", "build"}, {"target", "linux-amd64"}};
    gtbt_desc d;
    gtbt_collector *c;
    int64_t rounds[41], t0, t1, spill_ns, replay_ns;
    size_t json_len = 0, before, i, r;
    char *json;
    double mbps;
    if (!dir) return 1;
    d = bench_desc(dir, cfg, data);
    d.backend = gtbt_noop_backend();
    d.data_dir = "";   /* default dir is not used: no spill in the track loop (drop resets) */
    d.data_dir = data;
    c = gtbt_new(&d);
    /* 1. track with 2 metadata pairs: median of 41 rounds of 900 calls (below the spill) */
    for (r = 0; r < 41; r++) {
        t0 = now_ns();
        for (i = 0; i < 900; i++) gtbt_track_command(c, "build", 42, 0, extra, 2);
        t1 = now_ns();
        rounds[r] = (t1 - t0) / 900;
        gtbt_drop(c);
    }
    qsort(rounds, 41, sizeof rounds[0], cmp_i64);
    printf("| gtbt_track, 2 metadata pairs          | %8lld ns/call (median) | target <= 150 ns |\n", (long long)rounds[20]);
    /* 2. memory of 999 buffered events */
    before = live_bytes;
    for (i = 0; i < 999; i++) gtbt_track_command(c, "build", 42, 0, extra, 2);
    printf("| heap for 999 buffered events           | %8zu KiB           | target <= 1024 KiB |\n", (live_bytes - before) / 1024);
    /* 3. JSON of 1000 events */
    gtbt_drop(c);
    {
        gtbt_event *ev = (gtbt_event *)malloc(1000 * sizeof *ev);
        for (i = 0; i < 999; i++) gtbt_track_command(c, "build", 42, 0, extra, 2);
        memcpy(ev, c->ev, 999 * sizeof *ev);
        ev[999] = ev[0];
        t0 = now_ns();
        for (r = 0; r < 50; r++) { json = gtbt_events_json(ev, 1000, &json_len); gtbt_free(json); }
        t1 = now_ns();
        mbps = (double)json_len * 50 / ((double)(t1 - t0) / 1e9) / 1e6;
        printf("| JSON, 1000 events (%zu KiB)           | %8.0f MB/s           | target >= 300 MB/s |\n", json_len / 1024, mbps);
        free(ev);
    }
    /* 4. spill of 1000 events (the 1001st track finds the buffer full and writes the file), then
       replay to a noop backend */
    gtbt_track_command(c, "build", 42, 0, extra, 2);   /* the 1000th: fills the buffer, no disk */
    t0 = now_ns();
    gtbt_track_command(c, "build", 42, 0, extra, 2);
    spill_ns = now_ns() - t0;
    t0 = now_ns();
    gtbt_flush(c);
    replay_ns = now_ns() - t0;
    printf("| spill write, 1000 events              | %8.2f ms             |                  |\n", (double)spill_ns / 1e6);
    printf("| spill replay, 1000 events             | %8.2f ms             |                  |\n", (double)replay_ns / 1e6);
    gtbt_close(c);
    printf("| heap after close (leak check)         | %8zu bytes         | 0                |\n", live_bytes);
    rmrf(dir);
    return 0;
}

static int bench_close(const char *url, int n, const char *ca) {
    char tmpl[] = "/tmp/gtbt-bench-XXXXXX", cfg[256], data[256];
    char *dir = mkdtemp(tmpl);
    gtbt_desc d;
    gtbt_collector *c;
    int64_t t0, t1;
    int i, rc;
    if (!dir) return 1;
    d = bench_desc(dir, cfg, data);
    d.endpoint = url;
    d.net.ca_file = ca;
    d.max_buffer = n + 1;
    c = gtbt_new(&d);
    for (i = 0; i < n; i++) gtbt_track_command(c, "build", 42, 0, NULL, 0);
    t0 = now_ns();
    rc = gtbt_close(c);
    t1 = now_ns();
    printf("%.2f %d\n", (double)(t1 - t0) / 1e6, rc);
    rmrf(dir);
    return 0;
}

static int64_t lines_in(const char *path) {
    FILE *f = fopen(path, "r");
    int64_t n = 0;
    int ch;
    if (!f) return 0;
    while ((ch = getc(f)) != EOF) n += ch == '\n';
    fclose(f);
    return n;
}

static int bench_detach(const char *url, int n, const char *log) {
    int64_t close_us[5], arrive_us[5];
    int r, i, rc = 0, arrived = 1;
    for (r = 0; r < 5; r++) {
        char tmpl[] = "/tmp/gtbt-bench-XXXXXX", cfg[256], data[256], lock[300];
        char *dir = mkdtemp(tmpl);
        gtbt_desc d;
        gtbt_collector *c;
        int64_t before = strcmp(log, "-") ? lines_in(log) : 0, t0, end;
        if (!dir) return 1;
        d = bench_desc(dir, cfg, data);
        d.endpoint = url;
        d.detach = GTBT_DETACH_ALWAYS;
        d.max_buffer = n + 1;
        c = gtbt_new(&d);
        for (i = 0; i < n; i++) gtbt_track_command(c, "build", 42, 0, NULL, 0);
        t0 = now_ns();
        rc |= gtbt_close(c);
        close_us[r] = (now_ns() - t0) / 1000;
        arrive_us[r] = -1;
        end = gt_now_ms_plus(10000);
        while (strcmp(log, "-") && gtbt_now_ms() < end) {
            if (lines_in(log) > before) { arrive_us[r] = (now_ns() - t0) / 1000; break; }
            usleep(200);
        }
        if (arrive_us[r] < 0) arrived = 0;
        snprintf(lock, sizeof lock, "%s/telemetry-sender.lock", data);
        end = gt_now_ms_plus(10000);
        while (gtbt__sender_running(lock) != 0 && gtbt_now_ms() < end) usleep(1000);   /* before the dir goes */
        rmrf(dir);
    }
    qsort(close_us, 5, sizeof close_us[0], cmp_i64);
    qsort(arrive_us, 5, sizeof arrive_us[0], cmp_i64);
    if (arrived) printf("%.2f %d %.2f\n", (double)close_us[2] / 1000, rc, (double)arrive_us[2] / 1000);
    else printf("%.2f %d -\n", (double)close_us[2] / 1000, rc);
    return 0;
}

/* the flush of bench replay, kept out of line so that callgrind can count it alone */
static int __attribute__((noinline)) bench_replay_flush(gtbt_collector *c) { return gtbt_flush(c); }

static int bench_replay(const char *url, int n) {
    char tmpl[] = "/tmp/gtbt-bench-XXXXXX", cfg[256], data[256];
    char *dir = mkdtemp(tmpl);
    gtbt_kv extra[2] = {{"command", "build"}, {"target", "linux-amd64"}};
    gtbt_desc d;
    gtbt_collector *c;
    int i, rc;
    if (!dir) return 1;
    d = bench_desc(dir, cfg, data);
    d.endpoint = url;
    d.max_buffer = n + 1;
    d.detach = GTBT_DETACH_NEVER;
    c = gtbt_new(&d);
    for (i = 0; i < n; i++) gtbt_track_command(c, "build", 42, 0, extra, 2);
    gtbt__mutex_lock(&c->mu);   /* the buffer to disk, as a full buffer or a detaching close does */
    gtbt__buffer_remove_front(c, gtbt__spill_write(c, c->ev, c->n));
    gtbt__mutex_unlock(&c->mu);
    rc = bench_replay_flush(c);
    printf("%d\n", rc);
    gtbt_close(c);
    rmrf(dir);
    return rc != GTBT_OK;
}

/* track-only loop for instruction counting: ROUNDS x 900 tracks with PAIRS metadata pairs (2: the
   usual command/target; more: keys given in reverse order, so they must be sorted, or with
   shuffled set in an order that is neither sorted nor reversed) */
static int bench_track(int rounds, int pairs, int shuffled) {
    char tmpl[] = "/tmp/gtbt-bench-XXXXXX", cfg[256], data[256], keys[32][16], vals[32][24];
    char *dir = mkdtemp(tmpl);
    gtbt_kv extra[32] = {{"command", "build"}, {"target", "linux-amd64"}};
    gtbt_desc d;
    gtbt_collector *c;
    int r, i;
    unsigned seed;
    if (!dir) return 1;
    if (pairs < 0 || pairs > 32) pairs = 2;
    if (pairs > 2)
        for (i = 0; i < pairs; i++) {
            snprintf(keys[i], sizeof keys[i], "key_%02d", pairs - i);
            snprintf(vals[i], sizeof vals[i], "value-%d", i * 7);
            extra[i].key = keys[i];
            extra[i].value = vals[i];
        }
    if (pairs > 2 && shuffled)   /* a fixed shuffle (Fisher-Yates over a small LCG) */
        for (i = pairs - 1, seed = 7; i > 0; i--) {
            gtbt_kv t;
            int j;
            seed = seed * 1103515245u + 12345u;
            j = (int)((seed >> 16) % (unsigned)(i + 1));
            t = extra[i]; extra[i] = extra[j]; extra[j] = t;
        }
    d = bench_desc(dir, cfg, data);
    d.backend = gtbt_noop_backend();
    c = gtbt_new(&d);
    for (r = 0; r < rounds; r++) {
        for (i = 0; i < 900; i++) gtbt_track_command(c, "build", 42, 0, extra, (size_t)pairs);
        gtbt_drop(c);
    }
    gtbt_close(c);
    rmrf(dir);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "local")) return bench_local();
    if (argc > 2 && !strcmp(argv[1], "track")) return bench_track(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 2, argc > 4 && !strcmp(argv[4], "shuffled"));
    if (argc > 3 && !strcmp(argv[1], "close")) return bench_close(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : NULL);
    if (argc > 4 && !strcmp(argv[1], "detach")) return bench_detach(argv[2], atoi(argv[3]), argv[4]);
    if (argc > 3 && !strcmp(argv[1], "replay")) return bench_replay(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: bench local | bench close URL N [CA_FILE] | bench detach URL N LOG|- | bench replay URL N\n");
    return 2;
}

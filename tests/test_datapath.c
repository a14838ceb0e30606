/* test_datapath.c - the path of an event from gtbt_track to the backend: a full buffer is spilled
   only by the event that finds it full (a run of exactly max_buffer events never writes to disk),
   and every event still arrives exactly once with its uuid. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"

static size_t count(const char *hay, const char *needle) {
    size_t n = 0, k = strlen(needle);
    while (hay && (hay = strstr(hay, needle)) != NULL) { n++; hay += k; }
    return n;
}

/* The default buffer (1000 events): the 1000th event alone writes nothing; the 1001st spills the
   first 1000; the close delivers all 1001, each uuid once. */
static void test_1000th_event_writes_nothing(void) {
    gtbt_desc d;
    rec_backend r;
    gtbt_collector *c;
    char name[32], *all;
    int i;
    env_clear();
    d = fixture_desc(1);
    rec_init(&r, "rec");
    d.backend = &r.base;
    c = gtbt_new(&d);
    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "e%d", i);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, name, NULL, 0);
    }
    CHECK_INT(n_ready(T_data), 0);
    CHECK_INT(n_temps(T_data), 0);
    CHECK_INT(r.sends, 0);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "e1000", NULL, 0);
    CHECK_INT(n_ready(T_data), 1);
    CHECK_INT(r.sends, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(r.events, 1001);
    CHECK_INT(n_ready(T_data), 0);
    all = rec_all(&r);
    CHECK_INT(count(all, "\"uuid\":"), 1001);
    CHECK_INT(count(all, "\"name\":\"e999\""), 1);
    CHECK_INT(count(all, "\"name\":\"e1000\""), 1);
    free(all);
    rec_free_json(&r);
    fixture_done();
}

static const gt_test tests[] = {
    {"1000th_event_writes_nothing", test_1000th_event_writes_nothing},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

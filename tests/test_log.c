/* test_log.c - log items and levels: every line is one item of GTBT_LOG_ITEMS with its own level;
   a zero log_level passes warnings and errors only; log_item receives the id, the plain log
   callback keeps working; network backends inherit the collector's callbacks. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"

static gtbt_desc t_setup(void) { env_clear(); return fixture_desc(0); }
static void t_done(void) { fixture_done(); }

/* Names: unique, non-empty, upper case; levels inside DEBUG..ERROR. */
static void test_item_names_and_levels(void) {
    int i, j;
    CHECK_STR(gtbt_log_item_name(GTBT_LOGITEM_SPILL_CAP), "SPILL_CAP");
    CHECK_STR(gtbt_log_item_name(GTBT_LOGITEM_COLLECTOR_NOMEM), "COLLECTOR_NOMEM");
    CHECK_STR(gtbt_log_item_name(GTBT__LOGITEM_END), "");
    CHECK_STR(gtbt_log_item_name((gtbt_log_item)-1), "");
    for (i = 0; i < GTBT__LOGITEM_END; i++) {
        const char *a = gtbt_log_item_name((gtbt_log_item)i), *p;
        CHECK(a[0] != 0);
        for (p = a; *p; p++) CHECK((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
        CHECK(gtbt__log_item_levels[i] >= GTBT_LOG_DEBUG && gtbt__log_item_levels[i] <= GTBT_LOG_ERROR);
        for (j = 0; j < i; j++) CHECK(strcmp(a, gtbt_log_item_name((gtbt_log_item)j)) != 0);
    }
    CHECK_INT(gtbt__log_item_levels[GTBT_LOGITEM_SPILL_CAP], GTBT_LOG_WARN);
    CHECK_INT(gtbt__log_item_levels[GTBT_LOGITEM_COLLECTOR_NOMEM], GTBT_LOG_ERROR);
    CHECK_INT(gtbt__log_item_levels[GTBT_LOGITEM_BACKOFF], GTBT_LOG_INFO);
    CHECK_INT(gtbt__log_item_levels[GTBT_LOGITEM_METADATA_DROPPED], GTBT_LOG_DEBUG);
}

/* One item of each level through the collector's logger: which arrive at which log_level. */
static int arrived(gtbt_log_level level, int item_callback, rec_log *out) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    memset(out, 0, sizeof *out);
    d.backend = gtbt_noop_backend();
    if (item_callback) d.log_item = rec_log_item_fn; else d.log = rec_log_fn;
    d.log_user = out;
    d.log_level = level;
    c = gtbt_new(&d);
    gtbt__logi(&c->log, GTBT_LOGITEM_METADATA_DROPPED, "debug line");
    gtbt__logi(&c->log, GTBT_LOGITEM_BACKOFF, "info line");
    gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_CAP, "warn line");
    gtbt__logi(&c->log, GTBT_LOGITEM_COLLECTOR_NOMEM, "error line");
    gtbt_close(c);
    t_done();
    return out->lines;
}

static void test_levels(void) {
    rec_log l;
    /* only log set, log_level zero: warnings and errors */
    CHECK_INT(arrived((gtbt_log_level)0, 0, &l), 2);
    CHECK_INT(l.warns, 1);
    CHECK_INT(l.errors, 1);
    CHECK_NOT_CONTAINS(l.text, "debug line");
    CHECK_NOT_CONTAINS(l.text, "info line");
    CHECK_CONTAINS(l.text, "WARN - telemetry: warn line");
    CHECK_CONTAINS(l.text, "ERROR - telemetry: error line");
    CHECK_INT(arrived(GTBT_LOG_INFO, 0, &l), 3);
    CHECK_CONTAINS(l.text, "INFO - telemetry: info line");
    CHECK_INT(arrived(GTBT_LOG_ALL, 0, &l), 4);
    CHECK_CONTAINS(l.text, "DEBUG - telemetry: debug line");
    CHECK_INT(arrived(GTBT_LOG_ERROR, 0, &l), 1);
    CHECK_INT(l.errors, 1);
    /* the same with log_item: the ids arrive with the lines */
    CHECK_INT(arrived((gtbt_log_level)0, 1, &l), 2);
    CHECK_INT(LOGGED(l, SPILL_CAP), 1);
    CHECK_INT(LOGGED(l, COLLECTOR_NOMEM), 1);
    CHECK_INT(LOGGED(l, BACKOFF), 0);
    CHECK_INT(arrived(GTBT_LOG_ALL, 1, &l), 4);
    CHECK_INT(LOGGED(l, METADATA_DROPPED), 1);
    CHECK_CONTAINS(l.text, "DEBUG METADATA_DROPPED telemetry: debug line");
}

/* Both callbacks set: log_item is called, log is not. */
static void test_log_item_wins(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    rec_log plain, items;
    memset(&plain, 0, sizeof plain);
    memset(&items, 0, sizeof items);
    write_mode(T_data, "not a directory", 15, 0600);   /* DATA_DIR_UNUSABLE at gtbt_new */
    d.backend = gtbt_noop_backend();
    d.log = rec_log_fn;
    d.log_item = rec_log_item_fn;
    d.log_user = &items;
    c = gtbt_new(&d);
    CHECK_INT(LOGGED(items, DATA_DIR_UNUSABLE), 1);
    CHECK_INT(items.lines, 1);
    CHECK_INT(plain.lines, 0);
    gtbt_close(c);
    t_done();
}

/* A real event path end to end: 65 metadata pairs drop one, a DEBUG item seen only with GTBT_LOG_ALL. */
static void test_debug_item_end_to_end(void) {
    gtbt_kv kv[65];
    char keys[65][16];
    int i, level;
    for (i = 0; i < 65; i++) { snprintf(keys[i], sizeof keys[i], "k%d", i); kv[i].key = keys[i]; kv[i].value = "v"; }
    for (level = 0; level < 2; level++) {
        gtbt_desc d = t_setup();
        gtbt_collector *c;
        d.backend = gtbt_noop_backend();
        d.log_item = rec_log_item_fn;
        d.log_user = &L;
        d.log_level = level ? GTBT_LOG_ALL : (gtbt_log_level)0;
        c = gtbt_new(&d);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "many", kv, 65);
        CHECK_INT(LOGGED(L, METADATA_DROPPED), level);
        gtbt_close(c);
        t_done();
    }
}

/* The network backends built from desc.endpoint log through desc's callback (net sets none). */
static void test_net_inherits_log_item(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    d.endpoint = "http://127.0.0.1:1/e";   /* nothing listens on port 1: refused at once */
    d.log_item = rec_log_item_fn;
    d.log_user = &L;
    c = gtbt_new(&d);
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "x", NULL, 0);
    CHECK(gtbt_flush(c) != GTBT_OK);
    CHECK_INT(LOGGED(L, CONNECT_FAILED), 1);
    CHECK_INT(LOGGED(L, DELIVERY_FAILED), 0);   /* a DEBUG item: not at the default level */
    gtbt_drop(c);
    gtbt_close(c);
    t_done();
}

/* The logger writes the "telemetry: " prefix once per line (the formats carry none); a format that
   starts with "telemetry" itself is written as it is. */
static void test_prefix_once(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    write_mode(T_data, "not a directory", 15, 0600);   /* DATA_DIR_UNUSABLE at gtbt_new */
    d.backend = gtbt_noop_backend();
    d.log = rec_log_fn;
    d.log_user = &L;
    d.log_level = GTBT_LOG_ALL;
    c = gtbt_new(&d);
    gtbt__logi(&c->log, GTBT_LOGITEM_CONSENT_DEFERRED_CI, "telemetry consent deferred: CI environment");
    CHECK_CONTAINS(L.text, "WARN - telemetry: data directory not usable (");
    CHECK_CONTAINS(L.text, " - telemetry consent deferred: CI environment\n");
    CHECK_NOT_CONTAINS(L.text, "telemetry: telemetry");
    gtbt_close(c);
    t_done();
}

static const gt_test tests[] = {
    {"prefix_once", test_prefix_once},
    {"item_names_and_levels", test_item_names_and_levels},
    {"levels", test_levels},
    {"log_item_wins", test_log_item_wins},
    {"debug_item_end_to_end", test_debug_item_end_to_end},
    {"net_inherits_log_item", test_net_inherits_log_item},
};

int main(int argc, char **argv) { return GT_RUN(tests, argc, argv); }

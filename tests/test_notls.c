/* test_notls.c - a GTB_TELEMETRY_NO_TLS build (https:// endpoints are refused, never sent in plain
   text): every constructor given an https:// URL returns NULL with a WARN, a collector
   with an https endpoint reports a noop backend and sends nothing, and plain http:// still works
   end to end against tools/gtbt-sink. Built without BearSSL:
     cc -std=c99 -Wall -Wextra -Wpedantic -Werror <sanitizers> -DGTB_TELEMETRY_NO_TLS -I. \
        tests/test_notls.c -o build/test_notls -lpthread */
#ifndef GTB_TELEMETRY_NO_TLS
#define GTB_TELEMETRY_NO_TLS
#endif
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

static gtbt_desc t_setup(void) { env_clear(); return fixture_desc(1); }
static void t_done(void) { fixture_done(); }

static void test_constructors_refuse_https(void) {
    gtbt_desc d = t_setup();
    gtbt_http_desc hd;
    gtbt_otlp_desc od;
    gtbt_datadog_desc dd;
    gtbt_posthog_desc pd;
    gtbt_net_desc net = net_logged();
    gtbt_backend *b;
    (void)d;
    memset(&hd, 0, sizeof hd);
    hd.endpoint = "https://127.0.0.1:4318/e";
    hd.net = net_logged();
    CHECK(gtbt_http_backend(&hd) == NULL);
    CHECK_INT(L.warns, 1);
    CHECK_INT(LOGGED(L, URL_NEEDS_TLS), 1);
    memset(&od, 0, sizeof od);
    od.endpoint = "https://collector:4318";
    od.net = net_logged();
    CHECK(gtbt_otlp_backend(&od) == NULL);
    CHECK_INT(L.warns, 2);
    /* the vendors' default endpoints are https: refused too */
    memset(&dd, 0, sizeof dd);
    dd.api_key = "k";
    dd.net = net_logged();
    CHECK(gtbt_datadog_backend(&dd) == NULL);
    CHECK_INT(L.warns, 3);
    memset(&pd, 0, sizeof pd);
    pd.project_key = "phc_x";
    pd.net = net_logged();
    CHECK(gtbt_posthog_backend(&pd) == NULL);
    CHECK_INT(L.warns, 4);
    CHECK(gtbt_http_deletion("https://127.0.0.1:4318/delete", &net) == NULL);
    CHECK_INT(L.warns, 5);
    CHECK_INT(LOGGED(L, URL_NEEDS_TLS), 5);
    /* http:// is fine */
    hd.endpoint = "http://127.0.0.1:4318/e";
    b = gtbt_http_backend(&hd);
    CHECK(b != NULL);
    gtbt_backend_destroy(b);
    t_done();
}

static void test_collector_https_noop(void) {
    int otel;
    for (otel = 0; otel < 2; otel++) {
        gtbt_desc d = t_setup();
        gtbt_collector *c;
        sink s;
        sinklog l;
        char url[128];
        if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); t_done(); return; }
        snprintf(url, sizeof url, "https://127.0.0.1:%d/e", s.port);
        if (otel) d.otel_endpoint = url; else d.endpoint = url;
        c = gtbt_new(&d);
        CHECK(gtbt_enabled(c));
        CHECK(strncmp(gtbt_backend_info(c), "noop (", 6) == 0);
        CHECK_INT(LOGGED(L, NO_TLS_KEPT), 1);
        CHECK_CONTAINS(gtbt_backend_info(c), "no TLS");
        gtbt_track_command(c, "cmd", 1, 0, NULL, 0);
        CHECK_INT(gtbt_flush(c), GTBT_E_UNSUPPORTED);     /* said, not silently discarded */
        gtbt_track_command(c, "cmd2", 1, 0, NULL, 0);
        {   /* status says why nothing goes out */
            char *text = NULL;
            size_t len = 0;
            FILE *out = open_memstream(&text, &len);
            const char *argv[1] = {"status"};
            CHECK_INT(gtbt_cli(c, 1, argv, out), 0);
            fclose(out);
            CHECK_CONTAINS(text, "Events go to: nowhere: this build has no TLS");
            CHECK_CONTAINS(text, "Pending: 2 events waiting to be sent");
            free(text);
        }
        CHECK_INT(gtbt_close(c), GTBT_E_UNSUPPORTED);
        gt_sleep_ms(50);
        sinklog_read(&l, &s);
        sink_stop(&s);
        CHECK_INT(l.n, 0);   /* nothing, not even a plain-text attempt */
        CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 2);   /* the events are kept */
        c = gtbt_new(&d);                                 /* a later run keeps them too */
        CHECK_INT(gtbt_close(c), GTBT_E_UNSUPPORTED);
        CHECK_INT(gt_count(T_data, "telemetry-spill-", NULL), 2);
        if (gt_test_failed) printf("    (%s)\n%s", otel ? "otel_endpoint" : "endpoint", L.text);
        sinklog_free(&l);
        t_done();
    }
}

/* reset with an https endpoint: no request is claimed, none is sent */
static void test_reset_https_not_claimed(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128], out[4096];
    const char *argv[] = {"reset"};
    FILE *f = tmpfile();
    size_t n;
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fclose(f); t_done(); return; }
    snprintf(url, sizeof url, "https://127.0.0.1:%d/e", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_cli(c, 1, argv, f);
    rewind(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    CHECK_NOT_CONTAINS(out, "Deletion request sent");
    gtbt_close(c);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 0);
    sinklog_free(&l);
    t_done();
}

static void test_plain_http_works(void) {
    gtbt_desc d = t_setup();
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[128];
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); t_done(); return; }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/e", s.port);
    d.endpoint = url;
    c = gtbt_new(&d);
    gtbt_track_command(c, "plain", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK_INT(l.n, 1);
    CHECK(req_valid(&l, 0));
    CHECK_STR(jstr(jat(l.body[0], 0), "name"), "plain");
    sinklog_free(&l);
    t_done();
}

static const gt_test tests[] = {
    {"notls_constructors_refuse_https", test_constructors_refuse_https},
    {"notls_collector_https_noop", test_collector_https_noop},
    {"notls_reset_https_not_claimed", test_reset_https_not_claimed},
    {"notls_plain_http_works", test_plain_http_works},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

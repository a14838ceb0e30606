/* test_promises.c - promises that single-line changes of the header once broke without a test
   noticing: every retryable failure (network, timeout, TLS, 408/429/5xx) counts toward the
   back-off; the consent file is never read through a symbolic link; "disable" and "reset" wait
   for a flush under way in another thread, so nothing leaves and nothing is kept after they
   print, and nothing is recorded afterwards; a claimed spill file is young again, so a second collector never takes a live claim
   for an abandoned one and sends it twice. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include <pthread.h>
#include <sys/time.h>

static gtbt_desc t_setup(void) { env_clear(); return fixture_desc(1); }
static void t_done(void) { fixture_done(); }

/* ---- a backend whose send() can be held inside until released ---- */
typedef struct gate_backend {
    gtbt_backend base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int hold;            /* send() waits while this is set */
    int entered;         /* calls of send() so far */
    int answer;          /* what send() returns */
    long events;         /* events of the sends that returned */
    int seq_delivered;   /* the value of *seq when the last send() returned */
    int *seq;            /* a shared order counter (may be NULL) */
} gate_backend;

static int gate_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gate_backend *g = (gate_backend *)b;
    struct timespec until;
    (void)ev; (void)deadline_ms;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;   /* held "forever", but bounded */
    pthread_mutex_lock(&g->mu);
    g->entered++;
    pthread_cond_broadcast(&g->cv);
    while (g->hold && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0) {}
    g->events += (long)n;
    if (g->seq) g->seq_delivered = ++*g->seq;
    pthread_mutex_unlock(&g->mu);
    return g->answer;
}

static void gate_init(gate_backend *g, const char *info, int hold, int answer) {
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->base.send = gate_send;
    g->base.info = info;
    g->hold = hold;
    g->answer = answer;
}
static void gate_free(gate_backend *g) { pthread_mutex_destroy(&g->mu); pthread_cond_destroy(&g->cv); }

/* Waits (at most 10 s) until send() was entered at least n times. */
static int gate_wait_entered(gate_backend *g, int n) {
    struct timespec until;
    int ok;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&g->mu);
    while (g->entered < n && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0) {}
    ok = g->entered >= n;
    pthread_mutex_unlock(&g->mu);
    return ok;
}
static void gate_release(gate_backend *g) {
    pthread_mutex_lock(&g->mu);
    g->hold = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* ---- back-off: every retryable failure counts ---- */
/* Two failed flushes of each kind in a row start the back-off (30 s); a permanent rejection and
   a success never do. */
static void test_backoff_counts_every_retryable_failure(void) {
    static const int kinds[] = {GTBT_E_NETWORK, GTBT_E_TIMEOUT, GTBT_E_TLS, GTBT_E_HTTP_RETRY, GTBT_E_HTTP_REJECT, GTBT_OK};
    size_t i;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        gtbt_desc d = t_setup();
        gate_backend g;
        gtbt_collector *c;
        int retryable = kinds[i] != GTBT_E_HTTP_REJECT && kinds[i] != GTBT_OK;
        gate_init(&g, "gate", 0, kinds[i]);
        d.backend = &g.base;
        c = gtbt_new(&d);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "first", NULL, 0);
        gtbt_flush(c);
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "second", NULL, 0);
        gtbt_flush(c);
        CHECK_INT(g.entered, 2);
        CHECK_MSG(c->bo_failures == (retryable ? 2 : 0), "%s: %d failures counted", gtbt_strerror(kinds[i]), c->bo_failures);
        CHECK_MSG((c->bo_until_unix_ms > gtbt__unix_ms()) == retryable, "%s: back-off %s", gtbt_strerror(kinds[i]),
                  c->bo_until_unix_ms ? "started" : "not started");
        CHECK_INT(LOGGED(L, BACKOFF), retryable);
        /* and the back-off holds: a third flush does not call send() */
        gtbt_track(c, GTBT_EVENT_FEATURE_USED, "third", NULL, 0);
        gtbt_flush(c);
        CHECK_INT(g.entered, retryable ? 2 : 3);
        gtbt_drop(c);
        gtbt_close(c);
        gate_free(&g);
        t_done();
    }
}

/* ---- the consent file is never read through a symbolic link ---- */
static void test_consent_not_read_through_symlink(void) {
    gtbt_desc d = t_setup();
    gtbt_consent k;
    char target[700], link[700];
    d.force_enabled = false;
    mkdir(T_cfg, 0700);
    snprintf(target, sizeof target, "%s/elsewhere.conf", T_dir);
    snprintf(link, sizeof link, "%s/telemetry.conf", T_cfg);
    CHECK_INT(gt_write(target, "enabled = true\n"), 0);
    chmod(target, 0600);
    CHECK_INT(symlink(target, link), 0);
    CHECK_INT(gtbt_consent_resolve(&d, &k), GTBT_OK);
    CHECK(!k.enabled);
    CHECK_STR(k.decided_by, "default");
    /* the same file in place is read (the link, not the content, was refused) */
    unlink(link);
    CHECK_INT(gt_write(link, "enabled = true\n"), 0);
    chmod(link, 0600);
    CHECK_INT(gtbt_consent_resolve(&d, &k), GTBT_OK);
    CHECK(k.enabled);
    CHECK_STR(k.decided_by, "config");
    t_done();
}

/* ---- disable and reset wait for a flush under way ---- */
typedef struct flush_arg { gtbt_collector *c; int rc; } flush_arg;
static void *thr_flush(void *p) { flush_arg *a = (flush_arg *)p; a->rc = gtbt_flush(a->c); return NULL; }

typedef struct cli_arg {
    gtbt_collector *c;
    const char *cmd;
    FILE *out;
    pthread_mutex_t *mu;
    int *seq, seq_done, done;
} cli_arg;
static void *thr_cli(void *p) {
    cli_arg *a = (cli_arg *)p;
    const char *argv[1];
    argv[0] = a->cmd;
    gtbt_cli(a->c, 1, argv, a->out);
    pthread_mutex_lock(a->mu);
    a->seq_done = ++*a->seq;
    a->done = 1;
    pthread_mutex_unlock(a->mu);
    return NULL;
}

static int deletion_calls;
static int rec_deletion(gtbt_deletion *self, const char *machine_id, int64_t deadline_ms) {
    (void)self; (void)machine_id; (void)deadline_ms;
    deletion_calls++;
    return GTBT_OK;
}

/* A flush is held inside send() with events in the buffer; "disable" (or "reset") starts in
   another thread. It must not finish (and print) before that send() returned, and afterwards no
   event is left anywhere: whether the held send succeeded or failed (a failed one would keep its
   events if the command had not waited). */
static void withdraw_during_flush(const char *cmd, int answer) {
    gtbt_desc d = t_setup();
    gate_backend g;
    gtbt_collector *c;
    gtbt_deletion del;
    pthread_t tf, tc;
    flush_arg fa;
    cli_arg ca;
    int seq = 0, i, done = 0;
    gate_init(&g, "gate", 1, answer);
    g.seq = &seq;
    memset(&del, 0, sizeof del);
    del.request = rec_deletion;
    del.info = "recorded";
    d.backend = &g.base;
    d.deletion = &del;
    d.force_enabled = false;
    mkdir(T_cfg, 0700);
    CHECK_INT(gtbt_consent_set(&d, true), GTBT_OK);
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    for (i = 0; i < 5; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, "held", NULL, 0);
    fa.c = c;
    pthread_create(&tf, NULL, thr_flush, &fa);
    CHECK(gate_wait_entered(&g, 1));
    memset(&ca, 0, sizeof ca);
    ca.c = c;
    ca.cmd = cmd;
    ca.out = tmpfile();
    ca.mu = &g.mu;
    ca.seq = &seq;
    pthread_create(&tc, NULL, thr_cli, &ca);
    /* the command must wait for the held send: give it time to (wrongly) finish first */
    for (i = 0; i < 50 && !done; i++) {
        gtbt__sleep_ms(10);
        pthread_mutex_lock(&g.mu);
        done = ca.done;
        pthread_mutex_unlock(&g.mu);
    }
    CHECK_MSG(!done, "%s finished while a send was under way", cmd);
    gate_release(&g);
    pthread_join(tf, NULL);
    pthread_join(tc, NULL);
    CHECK_MSG(g.seq_delivered < ca.seq_done, "%s: the send returned after the command had finished", cmd);
    CHECK_INT(g.entered, 1);
    /* nothing kept: not in memory, not on disk; and nothing sent by a later flush */
    CHECK_INT(c->n, 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    CHECK_INT(g.entered, 1);
    rewind(ca.out);
    {
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, ca.out);
        buf[n] = 0;
        CHECK_CONTAINS(buf, "Telemetry disabled.");
    }
    fclose(ca.out);
    gtbt_close(c);
    gate_free(&g);
    t_done();
}

static void test_disable_waits_for_flush(void) {
    withdraw_during_flush("disable", GTBT_OK);
    withdraw_during_flush("disable", GTBT_E_NETWORK);
}
static void test_reset_waits_for_flush(void) {
    deletion_calls = 0;
    withdraw_during_flush("reset", GTBT_OK);
    withdraw_during_flush("reset", GTBT_E_NETWORK);
    CHECK_INT(deletion_calls, 2);
}

/* After "disable" the collector records nothing: tracking enough events to fill the buffer many
   times writes no spill file and keeps nothing in memory. */
static void test_nothing_recorded_after_disable(void) {
    gtbt_desc d = t_setup();
    gate_backend g;
    gtbt_collector *c;
    const char *argv[1] = {"disable"};
    FILE *out = tmpfile();
    int i;
    gate_init(&g, "gate", 0, GTBT_OK);
    d.backend = &g.base;
    d.force_enabled = false;
    d.max_buffer = 2;
    mkdir(T_cfg, 0700);
    CHECK_INT(gtbt_consent_set(&d, true), GTBT_OK);
    c = gtbt_new(&d);
    CHECK(gtbt_enabled(c));
    CHECK_INT(gtbt_cli(c, 1, argv, out), 0);
    CHECK(!gtbt_enabled(c));
    for (i = 0; i < 20; i++) gtbt_track(c, GTBT_EVENT_FEATURE_USED, "after", NULL, 0);
    CHECK_INT(c->n, 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_INT(g.entered, 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data) + n_temps(T_data), 0);
    fclose(out);
    gate_free(&g);
    t_done();
}

/* ---- a live claim is young: a second collector leaves it alone ---- */
/* A spill file written two hours ago; collector A claims it and is held inside send(); collector
   B (same data dir, same live process) flushes meanwhile: it must not take A's claim for an
   abandoned one (claims older than an hour are), so B sends nothing. */
static void test_claim_is_young(void) {
    gtbt_desc da = t_setup(), db;
    gate_backend ga, gb;
    gtbt_collector *a, *b;
    pthread_t tf;
    flush_arg fa;
    char name[128], path[1024];
    struct timeval tv[2];
    mkdir(T_data, 0700);
    snprintf(name, sizeof name, "telemetry-spill-%020lld-%d-%d.ndjson", 1000LL, (int)getpid(), 0);
    plant_events(T_data, name, 9, 0, 3);
    pjoin(path, sizeof path, T_data, name);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 2 * 3600;
    tv[1] = tv[0];
    CHECK_INT(utimes(path, tv), 0);
    gate_init(&ga, "gate", 1, GTBT_OK);
    gate_init(&gb, "gate", 0, GTBT_OK);
    db = da;
    da.backend = &ga.base;
    db.backend = &gb.base;
    a = gtbt_new(&da);
    b = gtbt_new(&db);
    fa.c = a;
    pthread_create(&tf, NULL, thr_flush, &fa);
    CHECK(gate_wait_entered(&ga, 1));
    CHECK_INT(n_claims(T_data), 1);
    CHECK_INT(gtbt_flush(b), GTBT_OK);
    CHECK_INT(gb.entered, 0);
    CHECK_INT(LOGGED(L, SPILL_RECOVERED), 0);
    gate_release(&ga);
    pthread_join(tf, NULL);
    CHECK_INT(fa.rc, GTBT_OK);
    CHECK_INT(ga.events, 3);
    CHECK_INT(gb.events, 0);
    CHECK_INT(n_ready(T_data) + n_claims(T_data), 0);
    gtbt_close(a);
    gtbt_close(b);
    gate_free(&ga);
    gate_free(&gb);
    t_done();
}

static const gt_test tests[] = {
    {"backoff_counts_every_retryable_failure", test_backoff_counts_every_retryable_failure},
    {"consent_not_read_through_symlink", test_consent_not_read_through_symlink},
    {"disable_waits_for_flush", test_disable_waits_for_flush},
    {"reset_waits_for_flush", test_reset_waits_for_flush},
    {"nothing_recorded_after_disable", test_nothing_recorded_after_disable},
    {"claim_is_young", test_claim_is_young},
};

int main(int argc, char **argv) { return GT_RUN(tests, argc, argv); }

/* test_tls.c - trust anchors and the TLS client profile.

   The library's own PEM and certificate decoder against BearSSL's br_pem_decoder and
   br_x509_decoder (used here only, as the reference) on every certificate of the system bundle and
   of tests/certs, and on many mutations of them: the same objects, the same accept/refuse, the
   same subject DN, key and CA flag. End to end against tools/gtbt-sink ($GTBT_SINK) on loopback
   with the system bundle plus the test CAs (SSL_CERT_FILE): RSA and ECDSA servers, a chain through
   an intermediate, a chain whose issuer is absent; the weak servers that must be refused with
   nothing sent (3DES, CBC or static-RSA suites only, a SHA-1 signed leaf, a 1024-bit RSA leaf, a
   leaf for clientAuth only) and the SHA-1 self-signature of an anchor, which is never checked; an
   undecodable bundle entry skipped and logged; a 4 MiB bundle within the flush budget and its load
   stopped by the deadline. Run from the repository root; certificates come from tests/certs. */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

#define SYS_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define MARGIN_MS 500

static const char *cert(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "tests/certs/%s", name);
    return buf[k];
}

static char *slurp(const char *path, size_t *n) {
    char *text = NULL;
    *n = 0;
    if (gtbt__read_file(path, 8 << 20, 0, &text, n) != GTBT_OK) return NULL;
    return text;
}

/* ============================================================ the decoder against BearSSL's */

typedef struct objs { unsigned char *der[4096]; size_t len[4096]; char name[4096][128]; size_t n; } objs;
static objs A, B; /* BearSSL's PEM objects, ours */

static void obj_sink(void *ctx, const void *p, size_t n) { gtbt__buf_put((gtbt__buf *)ctx, p, n); }

/* BearSSL's PEM decoder: every object of the text. */
static void br_objects(const unsigned char *pem, size_t n, objs *o) {
    br_pem_decoder_context pc;
    gtbt__buf der;
    int tail = 0;
    memset(&der, 0, sizeof der);
    o->n = 0;
    br_pem_decoder_init(&pc);
    for (;;) {
        size_t k;
        if (n == 0) {
            if (tail) break;
            pem = (const unsigned char *)"\n";
            n = 1;
            tail = 1;
        }
        k = br_pem_decoder_push(&pc, pem, n);
        pem += k;
        n -= k;
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            der.len = 0;
            snprintf(o->name[o->n], sizeof o->name[0], "%s", br_pem_decoder_name(&pc));
            br_pem_decoder_setdest(&pc, obj_sink, &der);
            break;
        case BR_PEM_END_OBJ:
            if (o->n < 4096) {
                o->der[o->n] = (unsigned char *)malloc(der.len + 1);
                memcpy(o->der[o->n], der.p, der.len);
                o->len[o->n++] = der.len;
            }
            break;
        case BR_PEM_ERROR:
            n = 0;
            tail = 1;
            break;
        default:
            break;
        }
    }
    gtbt__buf_free(&der);
}

static int our_obj(void *ctx, const char *name, const unsigned char *der, size_t len) {
    objs *o = (objs *)ctx;
    if (o->n >= 4096) return 1;
    snprintf(o->name[o->n], sizeof o->name[0], "%s", name);
    o->der[o->n] = (unsigned char *)malloc(len + 1);
    memcpy(o->der[o->n], der, len);
    o->len[o->n++] = len;
    return 0;
}

static void objs_free(objs *o) {
    size_t i;
    for (i = 0; i < o->n; i++) free(o->der[i]);
    o->n = 0;
}

/* One certificate through both decoders: 1 when they agree (both refuse, or the same DN, key, CA flag). */
static int same_decode(const unsigned char *der, size_t len, int *accepted) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    gtbt__buf dn;
    gtbt__cert c;
    int ours, ok = 1;
    memset(&dn, 0, sizeof dn);
    br_x509_decoder_init(&dc, obj_sink, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (pk && pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC) pk = NULL;
    ours = gtbt__cert_parse(der, len, &c) == 0;
    *accepted = ours;
    if (!pk != !ours) ok = 0;
    else if (pk) {
        if (dn.len != c.subject_len || memcmp(dn.p, c.subject, dn.len) != 0) ok = 0;
        if ((br_x509_decoder_isCA(&dc) != 0) != (c.is_ca != 0)) ok = 0;
        if ((unsigned)pk->key_type != c.key_type) ok = 0;
        else if (pk->key_type == BR_KEYTYPE_RSA) {
            if (pk->key.rsa.nlen != c.nlen || memcmp(pk->key.rsa.n, c.n, c.nlen) != 0 || pk->key.rsa.elen != c.elen ||
                memcmp(pk->key.rsa.e, c.e, c.elen) != 0) ok = 0;
        } else if ((unsigned)pk->key.ec.curve != c.curve || pk->key.ec.qlen != c.qlen || memcmp(pk->key.ec.q, c.q, c.qlen) != 0) {
            ok = 0;
        }
        if (ok && ours) { /* the index reads the same subject from the first bytes */
            gtbt__cert h;
            if (gtbt__cert_head(der, len, &h) != 0 || h.subject_len != c.subject_len ||
                memcmp(h.subject, c.subject, c.subject_len) != 0) ok = 0;
        }
    }
    gtbt__buf_free(&dn);
    return ok;
}

/* Both PEM decoders on a file, then both certificate decoders on each object; returns certificates accepted. */
static int compare_file(const char *path, int *certs) {
    size_t n, i, m;
    char *text = slurp(path, &n);
    int accepted = 0, acc;
    *certs = 0;
    if (!text) { printf("    cannot read %s\n", path); CHECK(!"readable"); return 0; }
    br_objects((const unsigned char *)text, n, &A);
    B.n = 0;
    CHECK_INT(gtbt__pem_walk((const unsigned char *)text, n, our_obj, &B), GTBT_OK);
    CHECK_INT(B.n, A.n);
    m = A.n < B.n ? A.n : B.n;
    for (i = 0; i < m; i++) {
        int same_obj = !strcmp(A.name[i], B.name[i]) && A.len[i] == B.len[i] && !memcmp(A.der[i], B.der[i], A.len[i]);
        if (!same_obj) { printf("    %s: object %lu differs from BearSSL's\n", path, (unsigned long)i); CHECK(same_obj); }
        if (strcmp(A.name[i], "CERTIFICATE") != 0) continue;
        ++*certs;
        if (!same_decode(A.der[i], A.len[i], &acc)) {
            printf("    %s: certificate %lu decoded differently from BearSSL\n", path, (unsigned long)i);
            CHECK(!"same decode");
        }
        accepted += acc;
    }
    objs_free(&A);
    objs_free(&B);
    free(text);
    return accepted;
}

static void test_decoder_system_bundle(void) {
    int certs, acc;
    if (access(SYS_BUNDLE, R_OK) != 0) { gt_skip("no %s", SYS_BUNDLE); return; }
    acc = compare_file(SYS_BUNDLE, &certs);
    printf("    %s: %d certificates, %d with a usable key, all identical to BearSSL's decoding\n", SYS_BUNDLE, certs, acc);
    CHECK(certs > 50);
    CHECK(acc > 50);
}

static void test_decoder_test_certs(void) {
    static const char *names[] = { "ca-rsa.pem", "ca-ec.pem", "other-ca.pem", "localhost-rsa.pem", "localhost-rsa-chain.pem",
        "localhost-ec.pem", "wrong-host.pem", "expired.pem", "self-signed.pem", "sha1-leaf.pem", "rsa1024.pem",
        "client-auth.pem", "ica.pem", "ica-leaf.pem", "ica-leaf-chain.pem", "ca-sha1.pem", "sha1ca-leaf.pem",
        "localhost-rsa.key", "localhost-ec.key", "self-signed.key" };
    size_t i;
    int total = 0, certs;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        int acc = compare_file(cert(names[i]), &certs);
        if (strstr(names[i], ".pem")) CHECK_INT(acc, certs);
        total += certs;
    }
    printf("    %d test certificates identical\n", total);
    CHECK(total >= 19);
}

/* Truncations, bit flips and byte changes of real certificates: both decoders still agree. */
static void test_decoder_mutations(void) {
    static const char *names[] = { "ca-rsa.pem", "localhost-ec.pem", "ica.pem", "sha1ca-leaf.pem" };
    static const unsigned char vals[] = { 0x00, 0x01, 0x02, 0x05, 0x17, 0x18, 0x1f, 0x30, 0x40, 0x7f, 0x80, 0x81, 0x82,
                                          0x84, 0xa0, 0xa3, 0xff };
    size_t i, j, v;
    long tried = 0, bad = 0, acc_total = 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n;
        char *text = slurp(cert(names[i]), &n);
        unsigned char *m;
        int acc;
        if (!text) { CHECK(!"readable"); continue; }
        B.n = 0;
        gtbt__pem_walk((const unsigned char *)text, n, our_obj, &B);
        free(text);
        if (B.n < 1) { CHECK(!"a certificate"); continue; }
        m = (unsigned char *)malloc(B.len[0] + 1);
        for (j = 0; j <= B.len[0]; j++) { /* every truncation */
            memcpy(m, B.der[0], j);
            tried++;
            if (!same_decode(m, j, &acc)) { bad++; if (bad < 5) printf("    %s: truncated to %lu differs\n", names[i], (unsigned long)j); }
        }
        for (j = 0; j < B.len[0]; j++) {
            for (v = 0; v < sizeof vals / sizeof vals[0] + 2; v++) {
                memcpy(m, B.der[0], B.len[0]);
                if (v < sizeof vals / sizeof vals[0]) m[j] = vals[v];
                else m[j] ^= (unsigned char)(v == sizeof vals / sizeof vals[0] ? 0x01 : 0x20);
                tried++;
                if (!same_decode(m, B.len[0], &acc)) {
                    bad++;
                    if (bad < 5) printf("    %s: byte %lu = 0x%02x differs\n", names[i], (unsigned long)j, m[j]);
                }
                acc_total += acc;
            }
        }
        free(m);
        objs_free(&B);
    }
    printf("    %ld mutated certificates (%ld still accepted), %ld decoded differently\n", tried, acc_total, bad);
    CHECK_INT(bad, 0);
    CHECK(tried > 10000);
}

/* PEM text the way bundles are written, and broken: objects decoded or skipped as BearSSL's decoder would. */
static void test_pem_forms(void) {
    size_t n;
    char *ca = slurp(cert("ca-rsa.pem"), &n), *t;
    gtbt__buf b;
    size_t i;
    if (!ca) { CHECK(!"readable"); return; }
    memset(&b, 0, sizeof b);
    /* CRLF line ends, a comment line, another label, and a certificate twice */
    gtbt__buf_puts(&b, "# a comment\r\n");
    for (i = 0; i < n; i++) { if (ca[i] == '\n') gtbt__buf_putc(&b, '\r'); gtbt__buf_putc(&b, ca[i]); }
    gtbt__buf_puts(&b, "-----BEGIN OTHER THING-----\nAAAA\n-----END OTHER THING-----\n");
    gtbt__buf_put(&b, ca, n);
    B.n = 0;
    CHECK_INT(gtbt__pem_walk((const unsigned char *)b.p, b.len, our_obj, &B), GTBT_OK);
    CHECK_INT(B.n, 3);
    if (B.n == 3) {
        CHECK_STR(B.name[0], "CERTIFICATE");
        CHECK_STR(B.name[1], "OTHER THING");
        CHECK(B.len[0] == B.len[2] && !memcmp(B.der[0], B.der[2], B.len[0]));
    }
    objs_free(&B);
    /* a certificate whose body has a bad character, then a good one: the bad one skipped, reported */
    b.len = 0;
    t = strdup(ca);
    t[100] = '*';
    gtbt__buf_puts(&b, t);
    gtbt__buf_put(&b, ca, n);
    B.n = 0;
    CHECK_INT(gtbt__pem_walk((const unsigned char *)b.p, b.len, our_obj, &B), GTBT_E_INVALID);
    CHECK_INT(B.n, 1);
    objs_free(&B);
    /* a BEGIN without its END */
    b.len = 0;
    gtbt__buf_put(&b, ca, 200);
    B.n = 0;
    CHECK_INT(gtbt__pem_walk((const unsigned char *)b.p, b.len, our_obj, &B), GTBT_E_INVALID);
    CHECK_INT(B.n, 0);
    objs_free(&B);
    free(t);
    free(ca);
    gtbt__buf_free(&b);
}

/* ============================================================ end to end */

static int spill_files(void) { return gt_count(T_data, "telemetry-spill-", ".ndjson"); }

/* The system bundle (when there is one) followed by the test CAs, in the test directory. */
static const char *sys_plus_test_cas(void) {
    static char path[600];
    gtbt__buf b;
    size_t n;
    char *t;
    const char *parts[] = { SYS_BUNDLE, "tests/certs/ca-rsa.pem", "tests/certs/ca-ec.pem" };
    size_t i;
    memset(&b, 0, sizeof b);
    for (i = 0; i < 3; i++) {
        if (!(t = slurp(parts[i], &n))) continue;
        gtbt__buf_put(&b, t, n);
        free(t);
    }
    snprintf(path, sizeof path, "%s/bundle.pem", T_dir);
    write_mode(path, b.p, b.len, 0644);
    gtbt__buf_free(&b);
    return path;
}

/* One event to a --tls sink serving leaf/key (extra sink args after), trusting the bundle at ca_path
   through SSL_CERT_FILE: want GTBT_OK (delivered, nothing spilled) or GTBT_E_TLS (nothing reached the sink,
   the event spilled, and the log names the reason). */
static void tls_case(const char *leaf, const char *key, const char *extra, const char *ca_path, int want, const char *words,
                     int item) {
    const char *args[] = {"--tls", "--cert", NULL, "--key", NULL, NULL, NULL, NULL};
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    sinklog l;
    char url[160];
    args[2] = cert(leaf);
    args[4] = cert(key);
    if (extra) { args[5] = "--suites"; args[6] = extra; }
    env_clear();
    d = fixture_desc(1);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(url, sizeof url, "https://localhost:%d/e", s.port);
    d.endpoint = url;
    setenv("SSL_CERT_FILE", ca_path ? ca_path : sys_plus_test_cas(), 1);
    c = gtbt_new(&d);
    gtbt_track_command(c, "secure", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), want);
    sinklog_read(&l, &s);
    sink_stop(&s);
    if (want == GTBT_OK) {
        CHECK_INT(l.n, 1);
        CHECK_INT(spill_files(), 0);
    } else {
        CHECK_INT(l.n, 0); /* no request reached the server */
        CHECK_INT(spill_files(), 1);
        if (words) CHECK_CONTAINS(L.text, words);
        CHECK(L.items[item] >= 1);
    }
    if (gt_test_failed) printf("    (%s %s)\n%s", leaf, extra ? extra : "", L.text);
    sinklog_free(&l);
    fixture_done();
}

static void test_rsa_server_system_bundle(void) { tls_case("localhost-rsa-chain.pem", "localhost-rsa.key", NULL, NULL, GTBT_OK, NULL, 0); }
static void test_ecdsa_server_system_bundle(void) { tls_case("localhost-ec.pem", "localhost-ec.key", NULL, NULL, GTBT_OK, NULL, 0); }
static void test_intermediate_chain(void) { tls_case("ica-leaf-chain.pem", "ica-leaf.key", NULL, NULL, GTBT_OK, NULL, 0); }
static void test_issuer_absent(void) { tls_case("ica-leaf.pem", "ica-leaf.key", NULL, NULL, GTBT_E_TLS, "unknown CA", GTBT_LOGITEM_TLS_FAILED); }
static void test_only_3des(void) { tls_case("localhost-rsa-chain.pem", "localhost-rsa.key", "3des", NULL, GTBT_E_TLS, "TLS with", GTBT_LOGITEM_TLS_FAILED); }
static void test_only_cbc(void) { tls_case("localhost-rsa-chain.pem", "localhost-rsa.key", "cbc", NULL, GTBT_E_TLS, "TLS with", GTBT_LOGITEM_TLS_FAILED); }
static void test_only_static_rsa(void) { tls_case("localhost-rsa-chain.pem", "localhost-rsa.key", "rsa", NULL, GTBT_E_TLS, "TLS with", GTBT_LOGITEM_TLS_FAILED); }
static void test_chapol_rsa(void) { tls_case("localhost-rsa-chain.pem", "localhost-rsa.key", "chapol", NULL, GTBT_OK, NULL, 0); }
static void test_chapol_ecdsa(void) { tls_case("localhost-ec.pem", "localhost-ec.key", "chapol", NULL, GTBT_OK, NULL, 0); }
static void test_sha1_leaf(void) { tls_case("sha1-leaf.pem", "sha1-leaf.key", NULL, NULL, GTBT_E_TLS, "SHA-1", GTBT_LOGITEM_TLS_FAILED); }
static void test_rsa1024_leaf(void) { tls_case("rsa1024.pem", "rsa1024.key", NULL, NULL, GTBT_E_TLS, "2048 bits", GTBT_LOGITEM_TLS_FAILED); }
static void test_client_auth_leaf(void) { tls_case("client-auth.pem", "client-auth.key", NULL, NULL, GTBT_E_TLS, "extended key usage", GTBT_LOGITEM_TLS_NOT_SERVER_CERT); }
/* an anchor's own SHA-1 self-signature is never checked: its SHA-256 leaf is accepted */
static void test_sha1_anchor(void) { tls_case("sha1ca-leaf.pem", "sha1ca-leaf.key", NULL, "tests/certs/ca-sha1.pem", GTBT_OK, NULL, 0); }

/* An undecodable bundle entry before the right CA: skipped, logged, the event still delivered. */
static void test_bad_entry_skipped(void) {
    const char *args[] = {"--tls", "--cert", NULL, "--key", NULL, NULL};
    gtbt_desc d;
    gtbt_collector *c;
    sink s;
    char url[160], path[600], *ca, *bad;
    size_t n;
    gtbt__buf b;
    args[2] = cert("localhost-rsa-chain.pem");
    args[4] = cert("localhost-rsa.key");
    env_clear();
    d = fixture_desc(1);
    if (!(ca = slurp(cert("ca-rsa.pem"), &n))) { CHECK(!"readable"); fixture_done(); return; }
    memset(&b, 0, sizeof b);
    bad = strdup(ca);
    bad[80] = '!';                                   /* not base64 */
    gtbt__buf_puts(&b, bad);
    gtbt__buf_puts(&b, "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"); /* not DER */
    gtbt__buf_put(&b, ca, n);
    snprintf(path, sizeof path, "%s/bad-first.pem", T_dir);
    write_mode(path, b.p, b.len, 0644);
    if (sink_start(&s, T_dir, args) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(url, sizeof url, "https://localhost:%d/e", s.port);
    d.endpoint = url;
    d.net.ca_file = path;
    c = gtbt_new(&d);
    gtbt_track_command(c, "secure", 1, 0, NULL, 0);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    CHECK_CONTAINS(L.text, "skipped 2 certificate(s) that cannot be decoded");
    CHECK_INT(LOGGED(L, CA_MALFORMED), 1);
    sink_stop(&s);
    gtbt__buf_free(&b);
    free(bad);
    free(ca);
    fixture_done();
}

/* A 4 MiB bundle (the test CA first, then copies of the system bundle): its load fits in the flush
   budget and the event is delivered; with a deadline already past, the load stops and says so. */
static void test_big_bundle_deadline(void) {
    const char *args[] = {"--tls", "--cert", NULL, "--key", NULL, NULL};
    gtbt_desc d;
    gtbt_collector *c;
    gtbt__ta_index x;
    gtbt__log lg;
    sink s;
    char url[160], path[600], *sys, *ca;
    size_t n, m;
    gtbt__buf b;
    int64_t t0, ms;
    args[2] = cert("localhost-rsa-chain.pem");
    args[4] = cert("localhost-rsa.key");
    env_clear();
    d = fixture_desc(1);
    ca = slurp(cert("ca-rsa.pem"), &n);
    sys = slurp(SYS_BUNDLE, &m);
    if (!sys) sys = slurp(cert("ca-ec.pem"), &m);
    if (!ca || !sys) { CHECK(!"readable"); free(ca); free(sys); fixture_done(); return; }
    memset(&b, 0, sizeof b);
    gtbt__buf_put(&b, ca, n);
    while (b.len + m < GTBT__TLS_MAX_BUNDLE) gtbt__buf_put(&b, sys, m);
    snprintf(path, sizeof path, "%s/big.pem", T_dir);
    write_mode(path, b.p, b.len, 0644);
    printf("    bundle of %lu bytes\n", (unsigned long)b.len);
    /* the load alone, with a deadline already past: stopped, logged, nothing kept */
    memset(&lg, 0, sizeof lg);
    lg.item_fn = rec_log_item_fn;
    lg.user = &L;
    lg.level = GTBT_LOG_DEBUG;
    CHECK_INT(gtbt__ta_index_load(path, &x, gtbt_now_ms() - 1, &lg), GTBT_E_TIMEOUT);
    CHECK_CONTAINS(L.text, "ran out of time");
    CHECK_INT(LOGGED(L, CA_LOAD_TIMEOUT), 1);
    CHECK(x.n == 0 && x.text == NULL);
    /* through a flush with a 1.5 s budget: delivered, within the budget */
    if (sink_start(&s, T_dir, args) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    snprintf(url, sizeof url, "https://localhost:%d/e", s.port);
    d.endpoint = url;
    d.net.ca_file = path;
    d.flush_timeout_ms = 1500;
    c = gtbt_new(&d);
    gtbt_track_command(c, "secure", 1, 0, NULL, 0);
    t0 = gtbt_now_ms();
    CHECK_INT(gtbt_close(c), GTBT_OK);
    ms = gtbt_now_ms() - t0;
    printf("    delivered in %lld ms with a 4 MiB bundle\n", (long long)ms);
    CHECK(ms <= 1500 + MARGIN_MS);
    sink_stop(&s);
    gtbt__buf_free(&b);
    free(sys);
    free(ca);
    fixture_done();
}

/* Every BearSSL error the profile can meet has its own text; the table's first, shared and last texts. */
static void test_tls_strerror_texts(void) {
    CHECK_STR(gtbt__tls_strerror(BR_ERR_X509_EXPIRED), "certificate expired or not yet valid");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_X509_NOT_TRUSTED), "unknown CA (certificate chain not trusted)");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_BAD_VERSION), gtbt__tls_strerror(BR_ERR_UNSUPPORTED_VERSION));
    CHECK_CONTAINS(gtbt__tls_strerror(BR_ERR_BAD_VERSION), "TLS 1.2 is the minimum");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_IO), "I/O error");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_TOO_LARGE), "protocol error (is the server speaking TLS?)");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_BAD_LENGTH), "protocol error (is the server speaking TLS?)");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_BAD_MAC), "bad record MAC");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_X509_LIMIT_EXCEEDED), "certificate too large");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_SEND_FATAL_ALERT + 40), "fatal alert sent");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_RECV_FATAL_ALERT + 40), "fatal alert received from the server");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_X509_OK + 1), "certificate rejected");
    CHECK_STR(gtbt__tls_strerror(BR_ERR_BAD_PARAM), "TLS failure");
}

/* Without a CA file: the first readable bundle of the known places, in this order. */
static void test_default_bundle(void) {
    static const char *const known[] = {
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
        "/etc/pki/tls/cacert.pem", "/usr/local/etc/openssl/cert.pem", "/usr/local/share/certs/ca-root-nss.crt",
        "/usr/local/etc/ssl/cert.pem", "/etc/openssl/certs/ca-certificates.crt"
    };
    const char *want = "(none)", *got = gtbt__ca_default();
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (access(known[i], R_OK) == 0) { want = known[i]; break; }
    CHECK_STR(got ? got : "(none)", want);
}

static const gt_test tests[] = {
    {"default_bundle", test_default_bundle},
    {"tls_strerror_texts", test_tls_strerror_texts},
    {"decoder_system_bundle", test_decoder_system_bundle},
    {"decoder_test_certs", test_decoder_test_certs},
    {"decoder_mutations", test_decoder_mutations},
    {"pem_forms", test_pem_forms},
    {"rsa_server_system_bundle", test_rsa_server_system_bundle},
    {"ecdsa_server_system_bundle", test_ecdsa_server_system_bundle},
    {"intermediate_chain", test_intermediate_chain},
    {"issuer_absent", test_issuer_absent},
    {"only_3des", test_only_3des},
    {"only_cbc", test_only_cbc},
    {"only_static_rsa", test_only_static_rsa},
    {"chapol_rsa", test_chapol_rsa},
    {"chapol_ecdsa", test_chapol_ecdsa},
    {"sha1_leaf", test_sha1_leaf},
    {"rsa1024_leaf", test_rsa1024_leaf},
    {"client_auth_leaf", test_client_auth_leaf},
    {"sha1_anchor", test_sha1_anchor},
    {"bad_entry_skipped", test_bad_entry_skipped},
    {"big_bundle_deadline", test_big_bundle_deadline},
};

int main(int argc, char **argv) {
    env_clear();
    return GT_RUN(tests, argc, argv);
}

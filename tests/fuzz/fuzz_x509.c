/* fuzz_x509.c - the trust-anchor decoder: gtbt__cert_parse on the input as DER, against BearSSL's
   br_x509_decoder (the reference: the same certificates accepted, the same subject DN, key and CA
   flag); gtbt__cert_head on it (the subject it finds is the one the full decode finds); the
   extension walkers (extendedKeyUsage, subjectAltName); and gtbt__pem_walk on the input as PEM text,
   each object of which goes through the same checks. */
#include "tests/fuzz/fuzz_common.h"

static void dn_sink(void *ctx, const void *p, size_t n) { gtbt__buf_put((gtbt__buf *)ctx, p, n); }

static void check_der(const unsigned char *der, size_t len) {
    static const unsigned char lo4[4] = { 127, 0, 0, 1 };
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    gtbt__buf dn;
    gtbt__cert c, h;
    int ours;
    memset(&dn, 0, sizeof dn);
    br_x509_decoder_init(&dc, dn_sink, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (pk && pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC) pk = NULL;
    ours = gtbt__cert_parse(der, len, &c) == 0;
    FUZZ_CHECK(!pk == !ours);
    if (ours) {
        FUZZ_CHECK(dn.len == c.subject_len && memcmp(dn.p, c.subject, dn.len) == 0);
        FUZZ_CHECK((br_x509_decoder_isCA(&dc) != 0) == (c.is_ca != 0));
        FUZZ_CHECK((unsigned)pk->key_type == c.key_type);
        if (c.key_type == BR_KEYTYPE_RSA) {
            FUZZ_CHECK(pk->key.rsa.nlen == c.nlen && memcmp(pk->key.rsa.n, c.n, c.nlen) == 0);
            FUZZ_CHECK(pk->key.rsa.elen == c.elen && memcmp(pk->key.rsa.e, c.e, c.elen) == 0);
        } else {
            FUZZ_CHECK((unsigned)pk->key.ec.curve == c.curve && pk->key.ec.qlen == c.qlen);
            FUZZ_CHECK(memcmp(pk->key.ec.q, c.q, c.qlen) == 0);
        }
        FUZZ_CHECK(gtbt__cert_head(der, len, &h) == 0);
        FUZZ_CHECK(h.subject_len == c.subject_len && memcmp(h.subject, c.subject, c.subject_len) == 0);
        FUZZ_CHECK(h.key_type == c.key_type);
    } else if (gtbt__cert_head(der, len, &h) == 0) {
        FUZZ_CHECK(h.subject >= der && h.subject + h.subject_len <= der + len);
        FUZZ_CHECK(h.issuer >= der && h.issuer + h.issuer_len <= der + len);
    }
    (void)gtbt__x509_server_eku(der, len);
    (void)gtbt__x509_has_ip(der, len, lo4, 4);
    gtbt__buf_free(&dn);
}

static int on_obj(void *ctx, const char *name, const unsigned char *der, size_t len) {
    (void)ctx;
    FUZZ_CHECK(strlen(name) < 128);
    check_der(der, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *copy;
    if (size > 64 * 1024) return 0;
    copy = (unsigned char *)malloc(size ? size : 1); /* exactly size bytes: ASan sees any overread */
    if (!copy) abort();
    if (size) memcpy(copy, data, size);
    check_der(copy, size);
    (void)gtbt__pem_walk(copy, size, on_obj, NULL);
    free(copy);
    return 0;
}

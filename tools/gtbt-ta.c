/*
 * gtbt-ta: turn PEM certificates into compiled-in BearSSL trust anchors (like BearSSL's "brssl ta")
 *
 * For tools that must not depend on the system's CA bundle (embedded boxes, pinned private CAs):
 * the output is C source to include once, after gtb_telemetry.h, and to hand to the library:
 *     #include "my_anchors.h"
 *     desc.net.trust_anchors = my_anchors;  desc.net.n_trust_anchors = my_anchors_count;
 * The library then uses these anchors instead of any PEM bundle (ca_file, SSL_CERT_FILE, system).
 *
 * Build:  cc -std=c99 -O2 tools/gtbt-ta.c -o gtbt-ta -lbearssl
 * Usage:  gtbt-ta [-o OUT] [--name NAME] BUNDLE.pem...
 *   -o OUT        write to OUT (atomically; nothing is written on error); default stdout
 *   --name NAME   C identifier of the array (default trust_anchors); also names NAME_count and
 *                 the byte arrays NAME_dn<i>, NAME_rsa_n<i>, NAME_rsa_e<i>, NAME_ec_q<i>
 * Every CERTIFICATE object of every file becomes one anchor (RSA or EC keys). A certificate that is
 * not a CA gets the flag 0 (BearSSL then trusts exactly that server certificate) and a warning on
 * stderr. Other PEM objects (keys, CRLs) are skipped with a warning.
 * Limits: 8 MiB per input file, 64 KiB per certificate, 4 KiB per subject DN, 10000 anchors.
 * Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <bearssl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE    (8 * 1024 * 1024)
#define MAX_CERT    (64 * 1024)
#define MAX_DN      4096
#define MAX_ANCHORS 10000
#define MAX_NAME    64

typedef struct blob { unsigned char *p; size_t len, cap, max; int overflow; } blob;

typedef struct anchor {
    blob dn;
    int is_ca, key_type, curve;
    blob k1, k2;                   /* RSA: n, e; EC: q */
    char origin[160];              /* "file #k" for the comment */
} anchor;

static void oom(void) { fputs("gtbt-ta: out of memory\n", stderr); exit(1); }

/* Appends to a bounded blob (also the PEM decoder's and the DN's destination callback). */
static void blob_append(void *ctx, const void *data, size_t len) {
    blob *b = ctx;
    if (b->overflow || b->len + len > b->max) { b->overflow = 1; return; }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len) cap *= 2;
        if (!(b->p = realloc(b->p, cap))) oom();
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void blob_copy(blob *b, const unsigned char *data, size_t len) {
    b->max = len;
    blob_append(b, data, len);
}

/* s for a C comment: at most 120 bytes of printable ASCII, no "*" (so never a closing comment). */
static const char *comment_safe(const char *s) {
    static char out[128];
    size_t i;
    for (i = 0; s[i] && i < 120; i++) out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '*') ? s[i] : '_';
    out[i] = 0;
    return out;
}

static int fail(const char *fmt, ...) {
    va_list ap;
    fputs("gtbt-ta: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* Decodes one DER certificate into a (the anchor's DN and key). */
static int decode_cert(const blob *der, anchor *a) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    memset(&a->dn, 0, sizeof a->dn);
    a->dn.max = MAX_DN;
    br_x509_decoder_init(&dc, blob_append, &a->dn);
    br_x509_decoder_push(&dc, der->p, der->len);
    if (!(pk = br_x509_decoder_get_pkey(&dc)))
        return fail("%s: not a valid X.509 certificate (BearSSL error %d)", a->origin, br_x509_decoder_last_error(&dc));
    if (a->dn.overflow) return fail("%s: subject DN longer than %d bytes", a->origin, MAX_DN);
    a->is_ca = br_x509_decoder_isCA(&dc);
    a->key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        blob_copy(&a->k1, pk->key.rsa.n, pk->key.rsa.nlen);
        blob_copy(&a->k2, pk->key.rsa.e, pk->key.rsa.elen);
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        a->curve = pk->key.ec.curve;
        blob_copy(&a->k1, pk->key.ec.q, pk->key.ec.qlen);
    } else {
        return fail("%s: unsupported public key type %d (RSA and EC only)", a->origin, pk->key_type);
    }
    if (!a->is_ca)
        fprintf(stderr, "gtbt-ta: warning: %s is not a CA certificate: emitted with flag 0 (trusted only as that "
                        "exact server certificate)\n", a->origin);
    return 0;
}

/* Reads one PEM file; appends its certificates to *anchors. */
static int read_bundle(const char *path, anchor **anchors, size_t *n) {
    br_pem_decoder_context pc;
    blob file = {0}, obj = {0};
    unsigned char chunk[65536];
    const unsigned char *p;
    size_t left, k = 0, got;
    char name[128] = "";
    int in_obj = 0, rc = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return fail("cannot read %s: %s", path, strerror(errno));
    file.max = MAX_FILE;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) blob_append(&file, chunk, got);
    if (ferror(f)) { fclose(f); free(file.p); return fail("cannot read %s: %s", path, strerror(errno)); }
    fclose(f);
    if (file.overflow) { free(file.p); return fail("%s: larger than %d bytes", path, MAX_FILE); }
    blob_append(&file, "\n", 1);   /* a last line without its newline still ends the object */
    obj.max = MAX_CERT;
    br_pem_decoder_init(&pc);
    br_pem_decoder_setdest(&pc, blob_append, &obj);
    for (p = file.p, left = file.len; rc == 0 && left > 0; ) {
        size_t used = br_pem_decoder_push(&pc, p, left);
        int ev = br_pem_decoder_event(&pc);
        p += used;
        left -= used;
        if (used == 0 && ev == 0) break;   /* cannot happen: the decoder consumes or raises an event */
        switch (ev) {
        case BR_PEM_BEGIN_OBJ:
            snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
            obj.len = 0;
            obj.overflow = 0;
            in_obj = 1;
            break;
        case BR_PEM_END_OBJ:
            in_obj = 0;
            if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "X509 CERTIFICATE") != 0) {
                fprintf(stderr, "gtbt-ta: warning: %s: skipped a \"%s\" object (not a certificate)\n", path, name);
                break;
            }
            k++;
            if (obj.overflow) { rc = fail("%s: certificate #%zu is larger than %d bytes", path, k, MAX_CERT); break; }
            if (*n >= MAX_ANCHORS) { rc = fail("more than %d certificates", MAX_ANCHORS); break; }
            if (!(*anchors = realloc(*anchors, (*n + 1) * sizeof **anchors))) oom();
            memset(&(*anchors)[*n], 0, sizeof **anchors);
            snprintf((*anchors)[*n].origin, sizeof (*anchors)[*n].origin, "%s certificate #%zu", comment_safe(path), k);
            rc = decode_cert(&obj, &(*anchors)[(*n)++]);
            break;
        case BR_PEM_ERROR:
            rc = fail("%s: malformed PEM near byte %zu", path, (size_t)(p - file.p));
            break;
        default:
            break;
        }
    }
    if (rc == 0 && in_obj) rc = fail("%s: unterminated PEM object \"%s\" (missing -----END line)", path, name);
    if (rc == 0 && k == 0) rc = fail("%s: no PEM certificate found (want -----BEGIN CERTIFICATE-----)", path);
    free(file.p);
    free(obj.p);
    return rc;
}

static void put_bytes(FILE *out, const char *name, const char *what, size_t i, const blob *b) {
    size_t j;
    fprintf(out, "static const unsigned char %s_%s%zu[] = {", name, what, i);
    for (j = 0; j < b->len; j++) fprintf(out, "%s0x%02X%s", j % 12 ? " " : "\n    ", b->p[j], j + 1 < b->len ? "," : "");
    fprintf(out, "\n};\n");
}

static const char *curve_name(int curve) {
    switch (curve) {
    case BR_EC_secp256r1: return "BR_EC_secp256r1";
    case BR_EC_secp384r1: return "BR_EC_secp384r1";
    case BR_EC_secp521r1: return "BR_EC_secp521r1";
    default: return NULL;
    }
}

static int emit(FILE *out, const char *name, const char *out_path, const anchor *a, size_t n, int n_files, char **files) {
    size_t i;
    int k;
    fprintf(out, "/* %s: %zu BearSSL trust anchor%s, generated by gtbt-ta. Do not edit; regenerate with\n"
                 "       gtbt-ta --name %s", name, n, n == 1 ? "" : "s", name);
    if (out_path) fprintf(out, " -o %s", comment_safe(out_path));
    for (k = 0; k < n_files; k++) fprintf(out, " %s", comment_safe(files[k]));
    fprintf(out, "\n   Include it once, after gtb_telemetry.h (it includes <bearssl.h>), then\n"
                 "       desc.net.trust_anchors = %s;\n       desc.net.n_trust_anchors = %s_count; */\n", name, name);
    fprintf(out, "#include <stddef.h>\n#include <bearssl.h>\n\n");
    for (i = 0; i < n; i++) {
        if (a[i].key_type == BR_KEYTYPE_RSA)
            fprintf(out, "/* %zu: %s, RSA %zu-bit, %s */\n", i, a[i].origin, a[i].k1.len * 8, a[i].is_ca ? "CA" : "not a CA");
        else
            fprintf(out, "/* %zu: %s, EC %s, %s */\n", i, a[i].origin, curve_name(a[i].curve) ? curve_name(a[i].curve) + 6 : "curve",
                    a[i].is_ca ? "CA" : "not a CA");
        put_bytes(out, name, "dn", i, &a[i].dn);
        if (a[i].key_type == BR_KEYTYPE_RSA) {
            put_bytes(out, name, "rsa_n", i, &a[i].k1);
            put_bytes(out, name, "rsa_e", i, &a[i].k2);
        } else {
            put_bytes(out, name, "ec_q", i, &a[i].k1);
        }
    }
    fprintf(out, "\nstatic const br_x509_trust_anchor %s[] = {\n", name);
    for (i = 0; i < n; i++) {
        fprintf(out, "    {{(unsigned char *)%s_dn%zu, sizeof %s_dn%zu}, %s,\n", name, i, name, i, a[i].is_ca ? "BR_X509_TA_CA" : "0");
        if (a[i].key_type == BR_KEYTYPE_RSA)
            fprintf(out, "     {BR_KEYTYPE_RSA, {.rsa = {(unsigned char *)%s_rsa_n%zu, sizeof %s_rsa_n%zu,\n"
                         "                               (unsigned char *)%s_rsa_e%zu, sizeof %s_rsa_e%zu}}}},\n",
                    name, i, name, i, name, i, name, i);
        else if (curve_name(a[i].curve))
            fprintf(out, "     {BR_KEYTYPE_EC, {.ec = {%s, (unsigned char *)%s_ec_q%zu, sizeof %s_ec_q%zu}}}},\n",
                    curve_name(a[i].curve), name, i, name, i);
        else
            fprintf(out, "     {BR_KEYTYPE_EC, {.ec = {%d, (unsigned char *)%s_ec_q%zu, sizeof %s_ec_q%zu}}}},\n",
                    a[i].curve, name, i, name, i);
    }
    fprintf(out, "};\nstatic const size_t %s_count = %zu;\n", name, n);
    return ferror(out) ? -1 : 0;
}

static int valid_ident(const char *s) {
    size_t i, n = strlen(s);
    if (n == 0 || n > MAX_NAME || (s[0] >= '0' && s[0] <= '9')) return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) return 0;
    return 1;
}

static void usage(FILE *out) {
    fputs("usage: gtbt-ta [-o OUT] [--name NAME] BUNDLE.pem...\n"
          "Turns PEM certificates (RSA or EC) into C source of BearSSL trust anchors for\n"
          "gtbt_net_desc.trust_anchors / n_trust_anchors:\n"
          "  static const br_x509_trust_anchor NAME[] = {...}; static const size_t NAME_count = N;\n"
          "  -o OUT        write to OUT (nothing is written on error); default stdout\n"
          "  --name NAME   C identifier (default trust_anchors)\n"
          "  --help        print this usage\n"
          "Non-CA certificates get the flag 0 (a warning says so). Limits: 8 MiB per file, 64 KiB per\n"
          "certificate, 10000 anchors. Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.\n", out);
}

int main(int argc, char **argv) {
    const char *out_path = NULL, *name = "trust_anchors";
    anchor *anchors = NULL;
    size_t n = 0, i;
    int k, rc = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    int n_files = 0, dashdash = 0;
    if (!files) oom();
    for (k = 1; k < argc; k++) {   /* options may come anywhere before "--" */
        if (dashdash || argv[k][0] != '-' || !argv[k][1]) files[n_files++] = argv[k];
        else if (!strcmp(argv[k], "--")) dashdash = 1;
        else if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) { usage(stdout); free(files); return 0; }
        else if ((!strcmp(argv[k], "-o") || !strcmp(argv[k], "--name")) && k + 1 < argc) {
            if (argv[k][1] == 'o') out_path = argv[++k]; else name = argv[++k];
        } else {
            fprintf(stderr, "gtbt-ta: %s: unknown option or missing value (see --help)\n", argv[k]);
            free(files);
            return 2;
        }
    }
    if (!n_files) { usage(stderr); free(files); return 2; }
    if (!valid_ident(name)) {
        fprintf(stderr, "gtbt-ta: --name \"%s\": want a C identifier of at most %d characters\n", comment_safe(name), MAX_NAME);
        free(files);
        return 2;
    }
    for (k = 0; k < n_files && rc == 0; k++) rc = read_bundle(files[k], &anchors, &n);
    if (rc == 0) {
        if (!out_path) {
            if (emit(stdout, name, NULL, anchors, n, n_files, files) != 0 || fflush(stdout) != 0) rc = fail("cannot write the output: %s", strerror(errno));
        } else {
            char tmp[4200];
            FILE *f;
            snprintf(tmp, sizeof tmp, "%s.tmp%ld", out_path, (long)getpid());
            if (strlen(out_path) > 4000 || !(f = fopen(tmp, "w"))) {
                rc = fail("cannot write %s: %s", out_path, strerror(errno));
            } else {
                int bad = emit(f, name, out_path, anchors, n, n_files, files) != 0;
                if (fclose(f) != 0 || bad || rename(tmp, out_path) != 0) {
                    rc = fail("cannot write %s: %s", out_path, strerror(errno));
                    unlink(tmp);
                }
            }
        }
    }
    if (rc == 0) fprintf(stderr, "gtbt-ta: %zu trust anchor%s%s%s\n", n, n == 1 ? "" : "s", out_path ? " written to " : "", out_path ? out_path : "");
    for (i = 0; i < n; i++) { free(anchors[i].dn.p); free(anchors[i].k1.p); free(anchors[i].k2.p); }
    free(anchors);
    free(files);
    return rc;
}

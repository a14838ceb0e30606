/* fuzz_pairs.c - the metadata pairs of a track call, from the call to the event: gtbt__draft_make
   (the one-pass scan and copy of gtbt__pairs_append, or gtbt__pairs_add past 64 pairs, then the
   sort) and gtbt__event_pack. The input is split at NUL bytes into key, value, key, value, ...
   (the first byte, when it is 0x01, makes the call's pairs non-NULL only for even keys).
   Invariant: the event's pairs equal a plain reference built from the separate cleaners
   (gtbt__key_cut, gtbt__clean): empty keys skipped, the last value of a cut key wins, at most 64
   distinct keys (the first ones), in strcmp order. */
#include "tests/fuzz/fuzz_common.h"

#define FUZZ_PAIRS_MAX 200

static int ref_cmp(const void *a, const void *b) { return strcmp(((const gtbt_kv *)a)->key, ((const gtbt_kv *)b)->key); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static gtbt_collector c;   /* no metadata of its own, no extended collection */
    static gtbt_kv extra[FUZZ_PAIRS_MAX];
    gtbt_kv ref[GTBT__MAX_PAIRS];
    gtbt__draft *d;
    gtbt__rec r;
    gtbt_event e;
    char *s, *p, *end;
    size_t n = 0, nref = 0, i, k;
    void *block;
    int sparse = size > 0 && data[0] == 1;
    if (size > 64 * 1024) return 0;
    s = fuzz_cstr(data, size);
    for (p = s + sparse, end = s + size; p < end && n < FUZZ_PAIRS_MAX; n++) {   /* key NUL value NUL ... */
        extra[n].key = p;
        p += strlen(p) + 1;
        extra[n].value = p < end ? p : NULL;
        if (p < end) p += strlen(p) + 1;
        if (sparse && n % 2) extra[n].key = NULL;
    }
    for (i = 0; i < n; i++) {   /* the reference */
        gtbt__buf tmp;
        gtbt__str ks, vs;
        if (!extra[i].key) continue;
        ks = gtbt__key_cut(extra[i].key);
        if (!ks.n) continue;
        memset(&tmp, 0, sizeof tmp);
        vs = gtbt__clean(extra[i].value, GTBT__MAX_VALUE, &tmp);
        FUZZ_CHECK(!tmp.oom);
        for (k = 0; k < nref && !(strlen(ref[k].key) == ks.n && !memcmp(ref[k].key, ks.p, ks.n)); k++) {}
        if (k == nref) {
            if (nref == GTBT__MAX_PAIRS) { gtbt__buf_free(&tmp); continue; }
            ref[nref++].key = gtbt__strndup(ks.p, ks.n);
        } else {
            gtbt_free((void *)(uintptr_t)ref[k].value);
        }
        ref[k].value = gtbt__strndup(vs.p, vs.n);
        FUZZ_CHECK(ref[k].key && ref[k].value);
        gtbt__buf_free(&tmp);
    }
    qsort(ref, nref, sizeof ref[0], ref_cmp);
    memset(&r, 0, sizeof r);
    r.type = "feature.used";
    r.name = "fuzz";
    r.extra = extra;
    r.n_extra = n;
    d = (gtbt__draft *)malloc(sizeof *d);
    FUZZ_CHECK(d != NULL);
    gtbt__draft_make(&c, &r, d);
    memset(&e, 0, sizeof e);
    block = gtbt__event_pack(&c, &r, d, &e);
    FUZZ_CHECK(block != NULL);
    FUZZ_CHECK(e.n_metadata == nref);
    for (i = 0; i < nref; i++) {
        FUZZ_CHECK(strcmp(e.metadata[i].key, ref[i].key) == 0);
        FUZZ_CHECK(strcmp(e.metadata[i].value, ref[i].value) == 0);
        gtbt_free((void *)(uintptr_t)ref[i].key);
        gtbt_free((void *)(uintptr_t)ref[i].value);
    }
    gtbt__block_free(&c, block);
    gtbt__draft_free(d);
    free(d);
    free(s);
    return 0;
}

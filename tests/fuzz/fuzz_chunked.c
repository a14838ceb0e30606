/* fuzz_chunked.c - the chunked transfer-coding decoder (gtbt__chunked, gtbt__chunked_feed).
   The input is decoded twice: in one piece, and fed in pieces of pseudo-random sizes (seeded by
   the first two bytes) each in a buffer of its own exact size. Both must agree on the outcome
   (done / more / malformed), on the decoded bytes and on how many input bytes were consumed;
   each call writes no more than it was given. */
#include "tests/fuzz/fuzz_common.h"

typedef struct outcome { int r; size_t consumed; char *out; size_t len; } outcome;

static void whole(const uint8_t *in, size_t n, outcome *o) {
    gtbt__chunked c;
    char *buf = (char *)malloc(n ? n : 1);
    size_t out = 0, used = 0;
    if (!buf) abort();
    memset(&c, 0, sizeof c);
    if (n) memcpy(buf, in, n);
    o->r = n ? gtbt__chunked_feed(&c, buf, n, &out, &used) : 0;
    FUZZ_CHECK(out <= used && used <= n);
    FUZZ_CHECK(o->r != 0 || used == n);
    o->consumed = used;
    o->out = buf;
    o->len = out;
}

static void pieces(const uint8_t *in, size_t n, unsigned seed, outcome *o) {
    gtbt__chunked c;
    size_t at = 0;
    char *acc = (char *)malloc(n ? n : 1);
    if (!acc) abort();
    memset(&c, 0, sizeof c);
    o->r = 0;
    o->len = 0;
    while (at < n && o->r == 0) {
        size_t k, out = 0, used = 0;
        char *piece;
        seed = seed * 1103515245u + 12345u;
        k = 1 + (seed >> 16) % ((seed >> 8) % 4 == 0 ? 3 : 40);
        if (k > n - at) k = n - at;
        piece = (char *)malloc(k);
        if (!piece) abort();
        memcpy(piece, in + at, k);
        o->r = gtbt__chunked_feed(&c, piece, k, &out, &used);
        FUZZ_CHECK(o->r >= -1 && o->r <= 1);
        FUZZ_CHECK(out <= used && used <= k);
        FUZZ_CHECK(o->r != 0 || used == k);
        memcpy(acc + o->len, piece, out);
        o->len += out;
        at += used;
        free(piece);
    }
    o->consumed = at;
    o->out = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    outcome a, b;
    unsigned seed = size >= 2 ? (unsigned)data[0] << 8 | data[1] : 7;
    if (size > 1 << 16) return 0;
    whole(data, size, &a);
    pieces(data, size, seed, &b);
    FUZZ_CHECK(a.r == b.r);
    FUZZ_CHECK(a.len == b.len);
    FUZZ_CHECK(a.len == 0 || memcmp(a.out, b.out, a.len) == 0);
    if (a.r == 1) FUZZ_CHECK(a.consumed == b.consumed);
    free(a.out);
    free(b.out);
    return 0;
}

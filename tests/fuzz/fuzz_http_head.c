/* fuzz_http_head.c - the response head: gtbt__http_parse_head on the raw bytes (not
   NUL-terminated), the head-end scanner fed in growing prefixes (it must find the same end as on
   the whole buffer), and the Retry-After / HTTP-date parsers.
   Invariants: status 100..999, Retry-After -1 or within [0, 24 h], Content-Length >= -1. */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *p = (char *)malloc(size ? size : 1), *s;
    int status = 0, chunked = 0;
    int64_t ra = 0, clen = 0, t;
    size_t scanned = 0, whole, k, got = 0;
    if (!p) abort();
    if (size) memcpy(p, data, size);
    if (gtbt__http_parse_head(p, size, &status, &ra, &clen, &chunked) == GTBT_OK) {
        FUZZ_CHECK(status >= 100 && status <= 999);
        FUZZ_CHECK(ra == -1 || (ra >= 0 && ra <= GTBT__RETRY_AFTER_MAX_MS));
        FUZZ_CHECK(clen >= -1);
        FUZZ_CHECK(chunked == 0 || chunked == 1);
        FUZZ_CHECK(size <= GTBT__HTTP_MAX_HEADERS);
    }
    whole = gtbt__http_head_end(p, size, &scanned);
    FUZZ_CHECK(whole <= size);
    scanned = 0;
    for (k = 1; k <= size && !got; k += 1 + (k % 7)) {
        got = gtbt__http_head_end(p, k, &scanned);
        FUZZ_CHECK(scanned <= k);
    }
    if (!got && size) got = gtbt__http_head_end(p, size, &scanned);
    FUZZ_CHECK(got == whole);
    if (whole) gtbt__http_parse_head(p, whole, &status, &ra, &clen, &chunked);   /* the head alone */
    /* Retry-After and HTTP-date on the same bytes */
    (void)gtbt__parse_http_date(p, size);
    s = fuzz_cstr(data, size < 256 ? size : 256);
    t = gtbt__parse_retry_after(s, INT64_C(1774864800000));
    FUZZ_CHECK(t == -1 || (t >= 0 && t <= GTBT__RETRY_AFTER_MAX_MS));
    free(s);
    free(p);
    return 0;
}

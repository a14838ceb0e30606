/* fuzz_common.h - shared by the fuzz targets: the implementation (all private functions are
   reachable), and FUZZ_CHECK, which aborts on a broken invariant so that libFuzzer and the
   replay driver both report it. */
#ifndef GT_FUZZ_COMMON_H
#define GT_FUZZ_COMMON_H
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, in a block of exactly size + 1 bytes (so that ASan sees any
   read past the end). */
static GTBT__UNUSED char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = (char *)malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = 0;
    return s;
}
#endif

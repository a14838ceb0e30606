/* test_core_notls.c - test_core.c again in a GTB_TELEMETRY_NO_TLS build. A build with TLS hashes
   with BearSSL's SHA-256 and a NO_TLS build with the library's own: both must give the FIPS
   180-2 and RFC 4231 results (and everything else test_core checks must hold without TLS too).
     cc -std=c99 -Wall -Wextra -Wpedantic -Werror <sanitizers> -DGTB_TELEMETRY_NO_TLS -I. \
        tests/test_core_notls.c -o build/test_core_notls -lpthread */
#ifndef GTB_TELEMETRY_NO_TLS
#define GTB_TELEMETRY_NO_TLS
#endif
#include "tests/test_core.c"

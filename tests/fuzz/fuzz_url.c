/* fuzz_url.c - gtbt__url_parse on a NUL-terminated copy of the input (and, on the same text,
   the NO_PROXY list matcher and the proxy URL parser).
   Invariants of a parsed URL: a non-empty lower-case host without control bytes, a port in
   1..65535, a path that starts with '/', holds no '#' and no byte <= 0x20; and parsing the URL
   rebuilt from (scheme, hostport, path) gives the same parts again. */
#include "tests/fuzz/fuzz_common.h"

static void check_clean(const char *s) {
    for (; *s; s++) FUZZ_CHECK((unsigned char)*s > 0x20 && (unsigned char)*s != 0x7F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gtbt__url u, v, p;
    char *s, again[GTBT__URL_MAX + 64], auth[300];
    int use = 0;
    if (size > 3 * GTBT__URL_MAX) return 0;
    s = fuzz_cstr(data, size);
    if (gtbt__url_parse(s, &u) == GTBT_OK) {
        size_t hl = strlen(u.host);
        FUZZ_CHECK(hl > 0 && hl < sizeof u.host);
        FUZZ_CHECK(u.port >= 1 && u.port <= 65535);
        FUZZ_CHECK(u.tls == (gtbt__ascii_ncasecmp(s, "https://", 8) == 0));
        FUZZ_CHECK(u.path[0] == '/');
        FUZZ_CHECK(strlen(u.path) <= GTBT__URL_MAX);
        FUZZ_CHECK(strchr(u.path, '#') == NULL);
        FUZZ_CHECK(u.hostport[0] != 0);
        check_clean(u.host);
        check_clean(u.path);
        check_clean(u.hostport);
        gtbt__url_authority(&u, auth, sizeof auth);
        FUZZ_CHECK(strlen(auth) > hl);
        if (snprintf(again, sizeof again, "%s://%s%s", u.tls ? "https" : "http", u.hostport, u.path) <= GTBT__URL_MAX) {
            FUZZ_CHECK(gtbt__url_parse(again, &v) == GTBT_OK);
            FUZZ_CHECK(v.tls == u.tls && v.port == u.port && v.host_is_ip == u.host_is_ip);
            FUZZ_CHECK(strcmp(v.host, u.host) == 0);
            FUZZ_CHECK(strcmp(v.path, u.path) == 0);
            FUZZ_CHECK(strcmp(v.hostport, u.hostport) == 0);
        }
        gtbt__no_proxy_match(s, u.host, u.port);
    }
    /* the same bytes as a NO_PROXY list and as a proxy setting */
    gtbt__no_proxy_match(s, "example.com", 443);
    gtbt__no_proxy_match(s, "::1", 80);
    gtbt__no_proxy_match(s, "127.0.0.1", 8080);
    if (gtbt__proxy_parse(s, "fuzz", &p, &use, NULL) == GTBT_OK) FUZZ_CHECK(use == 1 && !p.tls);
    free(s);
    return 0;
}

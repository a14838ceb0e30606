/* fuzz_consent.c - the consent file: the input is written as <dir>/telemetry.conf, then
   gtbt_consent_resolve, gtbt_consent_set(true), resolve, gtbt_consent_set(false), resolve.
   Invariants: resolve never fails on a valid desc; only "config" or "default" decide (the
   environment is cleared); a file that is "set" is not "malformed"; after consent_set the file
   is valid and says exactly what was set; the local_only of a well-formed file survives the
   rewrite. */
#include "tests/fuzz/fuzz_common.h"

static char fuzz_dir[256];

static void fuzz_cleanup(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/telemetry.conf", fuzz_dir);
    unlink(path);
    rmdir(fuzz_dir);
}

static void fuzz_init(void) {
    static const char *const vars[] = {"DO_NOT_TRACK", "TELEMETRY_ENABLED", "TELEMETRY_LOCAL", "TELEMETRY_DEBUG",
                                       "MYTOOL_TELEMETRY_ENABLED", "MYTOOL_TELEMETRY_LOCAL", "MYTOOL_TELEMETRY_DEBUG"};
    size_t i;
    const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/gtbt-fuzz-consent-XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) { perror("mkdtemp"); abort(); }
    atexit(fuzz_cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gtbt_desc d;
    gtbt_consent k0, k;
    char path[512];
    FILE *f;
    if (!fuzz_dir[0]) fuzz_init();
    if (size > 256 * 1024) return 0;
    snprintf(path, sizeof path, "%s/telemetry.conf", fuzz_dir);
    f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    memset(&d, 0, sizeof d);
    d.tool_name = "mytool";
    d.config_dir = fuzz_dir;
    FUZZ_CHECK(gtbt_consent_resolve(&d, &k0) == GTBT_OK);
    FUZZ_CHECK(!strcmp(k0.decided_by, "config") || !strcmp(k0.decided_by, "default"));
    FUZZ_CHECK(!strcmp(k0.decided_by, "config") == k0.is_set);
    FUZZ_CHECK(!(k0.is_set && k0.file_malformed));
    FUZZ_CHECK(k0.is_set || !k0.enabled);
    FUZZ_CHECK(!k0.debug);

    FUZZ_CHECK(gtbt_consent_set(&d, true) == GTBT_OK);
    FUZZ_CHECK(gtbt_consent_resolve(&d, &k) == GTBT_OK);
    FUZZ_CHECK(k.is_set && k.enabled && !k.file_malformed && !strcmp(k.decided_by, "config"));
    FUZZ_CHECK(k0.file_malformed || k.local_only == k0.local_only);

    FUZZ_CHECK(gtbt_consent_set(&d, false) == GTBT_OK);
    FUZZ_CHECK(gtbt_consent_resolve(&d, &k) == GTBT_OK);
    FUZZ_CHECK(k.is_set && !k.enabled && !k.file_malformed && !strcmp(k.decided_by, "config"));
    FUZZ_CHECK(k0.file_malformed || k.local_only == k0.local_only);
    return 0;
}

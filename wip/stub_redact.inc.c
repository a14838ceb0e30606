// >>redact (stub)
static int gtbt__redact_needed(const char *in, size_t n) { (void)in; (void)n; return 0; }
static size_t gtbt__redact_impl(const char *in, size_t n, gtbt__buf *out) { gtbt__buf_put(out, in, n); return n; }

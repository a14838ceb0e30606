/* fuzz_spill.c - spill files read back: gtbt__parse_ndjson on a NUL-terminated copy of the input
   (it takes ownership of the text, as replay hands it the file it read).
   Invariants: no more events than lines; every string of an event non-NULL; name, argument and
   metadata limits applied; a uuid on every event. Then the round trip the collector relies on:
   the events written back as spill lines (gtbt__json_event_direct) parse again without a corrupt
   line, as many events, and a second write-read round changes nothing more. And the check that
   lets a flush send a line as it is (gtbt__spill_event_end): every line it accepts parses to one
   event that is written back to exactly the same bytes, line by line and as a flush walks a file
   (with the cache of the previous line's collector fields). */
#include "tests/fuzz/fuzz_common.h"

/* The events of b as NDJSON (malloc'd via gtbt__buf, NUL-terminated). */
static char *write_lines(const gtbt__batch *b, size_t *len) {
    gtbt__buf out;
    size_t i;
    memset(&out, 0, sizeof out);
    for (i = 0; i < b->n; i++) {
        gtbt__json_event_direct(&out, &b->ev[i], NULL);
        gtbt__buf_putc(&out, '\n');
    }
    FUZZ_CHECK(!out.oom);
    if (!out.p) gtbt__buf_puts(&out, "");
    *len = out.len;
    return out.p;
}

static void check_events(const gtbt__batch *b) {
    size_t i, k;
    for (i = 0; i < b->n; i++) {
        const gtbt_event *e = &b->ev[i];
        FUZZ_CHECK(e->uuid && e->type && e->name && e->machine_id && e->tool_name && e->version);
        FUZZ_CHECK(e->os && e->arch && e->os_version && e->runtime_version && e->error);
        FUZZ_CHECK(e->uuid[0] != 0);
        FUZZ_CHECK(strlen(e->name) <= GTBT__MAX_NAME);
        FUZZ_CHECK(e->n_args <= GTBT__MAX_ARGS && e->n_metadata <= GTBT__MAX_PAIRS);
        FUZZ_CHECK(e->n_args == 0 || e->args != NULL);
        FUZZ_CHECK(e->n_metadata == 0 || e->metadata != NULL);
        for (k = 0; k < e->n_args; k++) FUZZ_CHECK(e->args[k] && strlen(e->args[k]) <= GTBT__MAX_VALUE);
        for (k = 0; k < e->n_metadata; k++) {
            FUZZ_CHECK(e->metadata[k].key && strlen(e->metadata[k].key) <= GTBT__MAX_KEY);
            FUZZ_CHECK(e->metadata[k].value && strlen(e->metadata[k].value) <= GTBT__MAX_VALUE);
        }
    }
}

/* 1 when line[0..end) (one line, without its newline) is a canonical spill line. */
static int canonical(const char *line, const char *end, gtbt__line_view *v) { return gtbt__spill_event_end(line, end, v, NULL) == end; }

/* 1 when line[0..n) parses to one event (at time t) that is written back to exactly those bytes. */
static int roundtrips(const char *line, size_t n, int64_t t) {
    gtbt__batch b;
    gtbt__buf w;
    int nomem = 0, ok;
    char *copy = (char *)gtbt__malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, line, n);
    copy[n] = 0;
    memset(&b, 0, sizeof b);
    memset(&w, 0, sizeof w);
    ok = gtbt__parse_ndjson(&b, copy, n, &nomem) == 0 && !nomem && b.n == 1 && b.ev[0].time_unix_ns == t;
    if (ok) {
        gtbt__json_event_direct(&w, &b.ev[0], NULL);
        ok = !w.oom && w.len == n && memcmp(w.p, line, n) == 0;
    }
    gtbt__buf_free(&w);
    gtbt__batch_free(&b);
    return ok;
}

/* Each line of data that the canonical check accepts round-trips through the parser and writer:
   each line alone in a buffer of its exact size (a read past it is caught), then the whole input
   walked as a flush walks a file, with the collector-field cache. */
static void check_canonical_lines(const uint8_t *data, size_t size) {
    const char *line = (const char *)data, *end = line + size;
    char *all;
    gtbt__canon_cache cc;
    gtbt__line_view v;
    while (line < end) {
        const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line)), *stop = nl ? nl : end;
        size_t n = (size_t)(stop - line);
        char *exact = (char *)gtbt__malloc(n + 1);
        if (!exact) abort();
        if (n) memcpy(exact, line, n);
        if (canonical(exact, exact + n, &v)) FUZZ_CHECK(roundtrips(exact, n, v.time_ns));
        gtbt__free(exact);
        line = stop + 1;
    }
    all = (char *)gtbt__malloc(size + 1);
    if (!all) abort();
    if (size) memcpy(all, data, size);
    memset(&cc, 0, sizeof cc);
    for (line = all, end = all + size; line < end;) {
        const char *ev_end = gtbt__spill_event_end(line, end, &v, &cc), *nl;
        if (ev_end && (ev_end == end || *ev_end == '\n')) {
            FUZZ_CHECK(roundtrips(line, (size_t)(ev_end - line), v.time_ns));
            line = ev_end + 1;
            continue;
        }
        nl = (const char *)memchr(line, '\n', (size_t)(end - line));
        line = nl ? nl + 1 : end;
    }
    gtbt__buf_free(&cc.seg);
    gtbt__free(all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gtbt__batch b, b2, b3;
    char *text, *l1, *l2, *l3;
    size_t lines = 1, i, corrupt, n1, n2, n3;
    int nomem = 0;
    if (size > 1 << 20) return 0;
    check_canonical_lines(data, size);
    for (i = 0; i < size; i++) lines += data[i] == '\n';
    text = (char *)gtbt__malloc(size + 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);
    text[size] = 0;
    memset(&b, 0, sizeof b);
    corrupt = gtbt__parse_ndjson(&b, text, size, &nomem);   /* b owns text now */
    FUZZ_CHECK(!nomem);
    FUZZ_CHECK(b.n + corrupt <= lines);
    check_events(&b);
    /* round trip */
    l1 = write_lines(&b, &n1);
    memset(&b2, 0, sizeof b2);
    corrupt = gtbt__parse_ndjson(&b2, l1, n1, &nomem);      /* b2 owns l1 */
    FUZZ_CHECK(!nomem && corrupt == 0 && b2.n == b.n);
    check_events(&b2);
    l2 = write_lines(&b2, &n2);
    memset(&b3, 0, sizeof b3);
    corrupt = gtbt__parse_ndjson(&b3, l2, n2, &nomem);      /* b3 owns l2 */
    FUZZ_CHECK(!nomem && corrupt == 0 && b3.n == b.n);
    for (i = 0; i < b.n; i++) FUZZ_CHECK(strcmp(b2.ev[i].uuid, b3.ev[i].uuid) == 0);
    l3 = write_lines(&b3, &n3);
    {
        /* l2 was decoded in place by the third parse: write b2 again to compare */
        size_t n2b;
        char *l2b = write_lines(&b2, &n2b);
        FUZZ_CHECK(n2b == n3 && (n3 == 0 || memcmp(l2b, l3, n3) == 0));
        gtbt__free(l2b);
    }
    gtbt__free(l3);
    gtbt__batch_free(&b);
    gtbt__batch_free(&b2);
    gtbt__batch_free(&b3);
    (void)n2;
    return 0;
}

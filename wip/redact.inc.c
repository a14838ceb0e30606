/* ---- redaction: byte-level port of go/redact String (no regex engine) ----
 *
 * Each rule below is one RE2 pattern of the Go original, applied in order, each over the output of
 * the previous one, with ReplaceAll semantics (leftmost-first, non-overlapping). All patterns are
 * ASCII-only: (?i) folds ASCII letters only, \b is an ASCII word boundary ([A-Za-z0-9_]),
 * \s = [\t\n\f\r ]. Input is treated as bytes (NUL and invalid UTF-8 are ordinary non-word bytes).
 * Every rule is a single forward scan; any look-ahead done at a position either succeeds (and the
 * scan jumps past the match) or is bounded so that the total work stays linear in the input. */

static int gtbt__rx_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
static int gtbt__rx_alpha(unsigned char c) { return (unsigned)((c | 32) - 'a') < 26u; }
static int gtbt__rx_alnum(unsigned char c) { return gtbt__rx_alpha(c) || (unsigned)(c - '0') < 10u; }
static int gtbt__rx_word(unsigned char c) { return gtbt__rx_alnum(c) || c == '_'; }      /* \w */
static int gtbt__rx_tok(unsigned char c) { return gtbt__rx_word(c) || c == '-'; }        /* [A-Za-z0-9_\-] */
static unsigned char gtbt__rx_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

/* length of the lowercase literal lit if it matches s[i..) ignoring ASCII case, else 0 */
static size_t gtbt__rx_ci(const unsigned char *s, size_t n, size_t i, const char *lit)
{
    size_t k;
    for (k = 0; lit[k]; k++)
        if (i + k >= n || gtbt__rx_lower(s[i + k]) != (unsigned char)lit[k]) return 0;
    return k;
}

static size_t gtbt__rx_skip_ws(const unsigned char *s, size_t n, size_t i)
{
    while (i < n && gtbt__rx_ws(s[i])) i++;
    return i;
}

/* One ReplaceAll pass of one rule over s[0..n). out receives the rewritten text from the first match
   on; changed records whether any match was replaced by different bytes (the rules can re-match their
   own output, e.g. "key=***", and such a pass is dropped without copying the rest). */
typedef struct gtbt__rx { const unsigned char *s; size_t n, done; gtbt__buf *out; int changed; } gtbt__rx;

/* copy s[done..upto), append rep in place of s[upto..resume), continue copying from resume */
static void gtbt__rx_emit(gtbt__rx *r, size_t upto, const char *rep, size_t resume)
{
    size_t len = strlen(rep);
    if (resume - upto != len || memcmp(r->s + upto, rep, len) != 0) r->changed = 1;
    gtbt__buf_put(r->out, r->s + r->done, upto - r->done);
    gtbt__buf_put(r->out, rep, len);
    r->done = resume;
}

/* 1. ([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s:@]+:[^/\s@]+@  ->  ${1}<redacted>@
   The scheme class has no ':', so a "://" can start a match iff the run of scheme characters just
   before it contains a letter; user and password runs are maximal and must end at ':' and '@'. */
static void gtbt__redact_userinfo(gtbt__rx *r)
{
    const unsigned char *s = r->s;
    size_t n = r->n, i, u, p;
    int alpha = 0;                          /* the scheme-character run ending here has a letter */
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == ':' && alpha && n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/') {
            for (u = i + 3; u < n && !gtbt__rx_ws(s[u]) && s[u] != '/' && s[u] != ':' && s[u] != '@'; u++) {}
            if (u > i + 3 && u < n && s[u] == ':') {
                for (p = u + 1; p < n && !gtbt__rx_ws(s[p]) && s[p] != '/' && s[p] != '@'; p++) {}
                if (p > u + 1 && p < n && s[p] == '@') {
                    gtbt__rx_emit(r, i + 3, "<redacted>@", p + 1);
                    i = p;
                    alpha = 0;
                    continue;
                }
            }
        }
        if (gtbt__rx_alnum(c) || c == '+' || c == '.' || c == '-') alpha |= gtbt__rx_alpha(c);
        else alpha = 0;
    }
}

/* 2. (?i)\b(apikey|api_key|key|access_token|refresh_token|token|secret|password|auth|authorization
   |signature)=([^&\s]+)  ->  $1=***
   Since every alternative must be followed by '=', at most one alternative fits at a position. */
static void gtbt__redact_query(gtbt__rx *r)
{
    static const char *const keys[] = { "apikey", "api_key", "key", "access_token", "refresh_token", "token",
                                        "secret", "password", "auth", "authorization", "signature", NULL };
    const unsigned char *s = r->s;
    size_t n = r->n, i, k, e, len;
    for (i = 0; i < n; i++) {
        if (!gtbt__rx_alpha(s[i]) || (i > 0 && gtbt__rx_word(s[i - 1]))) continue;   /* \b then a letter */
        for (k = 0; keys[k]; k++)
            if ((len = gtbt__rx_ci(s, n, i, keys[k])) != 0 && i + len < n && s[i + len] == '=') break;
        if (!keys[k]) continue;
        e = i + len + 1;
        while (e < n && s[e] != '&' && !gtbt__rx_ws(s[e])) e++;
        if (e == i + len + 1) continue;
        gtbt__rx_emit(r, i + len + 1, "***", e);
        i = e - 1;
    }
}

/* 3. (?i)(authorization:\s*)(bearer|basic|digest|apikey)\s+([A-Za-z0-9._~\-+/=]+)  ->  ${1}$2 ***
   Both \s runs are followed by non-space, so they are maximal; the scheme words share no prefix. */
static void gtbt__redact_authz(gtbt__rx *r)
{
    static const char *const schemes[] = { "bearer", "basic", "digest", "apikey", NULL };
    const unsigned char *s = r->s;
    size_t n = r->n, i, j, k, t, e, len = 0;
    for (i = 0; i < n; i++) {
        if ((s[i] | 32) != 'a' || !gtbt__rx_ci(s, n, i, "authorization:")) continue;
        j = gtbt__rx_skip_ws(s, n, i + 14);
        for (k = 0; schemes[k]; k++)
            if ((len = gtbt__rx_ci(s, n, j, schemes[k])) != 0) break;
        if (!schemes[k]) continue;
        t = gtbt__rx_skip_ws(s, n, j + len);
        if (t == j + len) continue;                                   /* \s+ */
        for (e = t; e < n && (gtbt__rx_alnum(s[e]) || (s[e] && strchr("._~-+/=", s[e]))); e++) {}
        if (e == t) continue;
        gtbt__rx_emit(r, j + len, " ***", e);
        i = e - 1;
    }
}

/* 4. (?i)(aws_secret_access_key|secret_access_key)(\s*[=:]\s*)\S+  ->  ${1}${2}*** */
static void gtbt__redact_aws(gtbt__rx *r)
{
    const unsigned char *s = r->s;
    size_t n = r->n, i, j, v, e, len;
    for (i = 0; i < n; i++) {
        if ((s[i] | 32) != 'a' && (s[i] | 32) != 's') continue;
        if ((len = gtbt__rx_ci(s, n, i, "aws_secret_access_key")) == 0 &&
            (len = gtbt__rx_ci(s, n, i, "secret_access_key")) == 0) continue;
        j = gtbt__rx_skip_ws(s, n, i + len);
        if (j >= n || (s[j] != '=' && s[j] != ':')) continue;
        v = gtbt__rx_skip_ws(s, n, j + 1);
        for (e = v; e < n && !gtbt__rx_ws(s[e]); e++) {}
        if (e == v) continue;
        gtbt__rx_emit(r, v, "***", e);
        i = e - 1;
    }
}

/* 5. (?i)("(?:apikey|api_?key|access_token|refresh_token|token|secret|password|auth|authorization
   |signature)"\s*:\s*")([^"]+)"  ->  $1***" */
static void gtbt__redact_json(gtbt__rx *r)
{
    static const char *const keys[] = { "apikey", "api_key", "access_token", "refresh_token", "token", "secret",
                                        "password", "auth", "authorization", "signature", NULL };
    const unsigned char *s = r->s;
    size_t n = r->n, i, j, k, e, len = 0;
    const unsigned char *q;
    for (i = 0; i < n; i++) {
        if ((q = (const unsigned char *)memchr(s + i, '"', n - i)) == NULL) break;
        i = (size_t)(q - s);
        for (k = 0; keys[k]; k++)
            if ((len = gtbt__rx_ci(s, n, i + 1, keys[k])) != 0 && i + 1 + len < n && s[i + 1 + len] == '"') break;
        if (!keys[k]) continue;
        j = gtbt__rx_skip_ws(s, n, i + len + 2);
        if (j >= n || s[j] != ':') continue;
        j = gtbt__rx_skip_ws(s, n, j + 1);
        if (j >= n || s[j] != '"') continue;
        for (e = j + 1; e < n && s[e] != '"'; e++) {}
        if (e == j + 1 || e == n) continue;
        gtbt__rx_emit(r, j + 1, "***\"", e + 1);
        i = e;
    }
}

/* 6. eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+  ->  <redacted-token>
   Every "eyJ" inside one token run shares the same (maximal) first segment and tail, so only the
   first "eyJ" of a run is tried; a failed run is skipped as a whole. */
static void gtbt__redact_jwt(gtbt__rx *r)
{
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, a, e, e2, e3;
    while (i < n) {
        if (!gtbt__rx_tok(s[i])) { i++; continue; }
        for (e = i; e < n && gtbt__rx_tok(s[e]); e++) {}
        for (a = i; a + 3 < e && !(s[a] == 'e' && s[a + 1] == 'y' && s[a + 2] == 'J'); a++) {}
        if (a + 3 < e && e < n && s[e] == '.') {
            for (e2 = e + 1; e2 < n && gtbt__rx_tok(s[e2]); e2++) {}
            if (e2 > e + 1 && e2 < n && s[e2] == '.') {
                for (e3 = e2 + 1; e3 < n && gtbt__rx_tok(s[e3]); e3++) {}
                if (e3 > e2 + 1) {
                    gtbt__rx_emit(r, a, "<redacted-token>", e3);
                    i = e3;
                    continue;
                }
            }
        }
        i = e;
    }
}

/* 7. provider prefixes, one pass per row in this order; the match keeps its literal prefix and
   gets "***" appended. '?' in pre stands for one byte of alt. Body classes: */
enum { GTBT__RX_TOK, GTBT__RX_ALNUM, GTBT__RX_WORD, GTBT__RX_ALNUMDASH, GTBT__RX_UPNUM };
typedef struct gtbt__rx_provider { const char *pre, *alt; int cls; size_t min; int exact; } gtbt__rx_provider;
static const gtbt__rx_provider gtbt__rx_providers[] = {
    { "sk-", "", GTBT__RX_TOK, 16, 0 },                 /* sk-[A-Za-z0-9_\-]{16,}        keep 3 */
    { "gh?_", "pos", GTBT__RX_ALNUM, 30, 0 },           /* gh[pos]_[A-Za-z0-9]{30,}      keep 4 */
    { "github_pat_", "", GTBT__RX_WORD, 30, 0 },        /* github_pat_[A-Za-z0-9_]{30,}  keep 11 */
    { "glpat-", "", GTBT__RX_TOK, 16, 0 },              /* glpat-[A-Za-z0-9_\-]{16,}     keep 6 */
    { "gl?t-", "rd", GTBT__RX_TOK, 16, 0 },             /* gl(rt|dt)-[A-Za-z0-9_\-]{16,} keep 5 */
    { "xox?-", "baprs", GTBT__RX_ALNUMDASH, 10, 0 },    /* xox[baprs]-[A-Za-z0-9-]{10,}  keep 5 */
    { "AIza", "", GTBT__RX_TOK, 30, 0 },                /* AIza[A-Za-z0-9_\-]{30,}       keep 4 */
    { "AKIA", "", GTBT__RX_UPNUM, 16, 1 }               /* AKIA[A-Z0-9]{16}              keep 4 */
};

static int gtbt__rx_in(int cls, unsigned char c)
{
    switch (cls) {
    case GTBT__RX_TOK: return gtbt__rx_tok(c);
    case GTBT__RX_ALNUM: return gtbt__rx_alnum(c);
    case GTBT__RX_WORD: return gtbt__rx_word(c);
    case GTBT__RX_ALNUMDASH: return gtbt__rx_alnum(c) || c == '-';
    default: return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}

static void gtbt__redact_provider(gtbt__rx *r, const gtbt__rx_provider *pv)
{
    const unsigned char *s = r->s;
    const unsigned char *hit;
    size_t n = r->n, i, k, e, plen = strlen(pv->pre);
    for (i = 0; i + plen < n; i++) {
        if ((hit = (const unsigned char *)memchr(s + i, pv->pre[0], n - plen - i)) == NULL) break;
        i = (size_t)(hit - s);
        for (k = 1; k < plen; k++)
            if (pv->pre[k] == '?' ? (s[i + k] == 0 || !strchr(pv->alt, s[i + k])) : s[i + k] != (unsigned char)pv->pre[k]) break;
        if (k < plen) continue;
        for (e = i + plen; e < n && gtbt__rx_in(pv->cls, s[e]) && !(pv->exact && e - i - plen == pv->min); e++) {}
        if (e - i - plen < pv->min) continue;     /* a failed body scan is shorter than min: O(1) */
        gtbt__rx_emit(r, i + plen, "***", e);
        i = e - 1;
    }
}

/* 8. \b[A-Za-z0-9_\-]{41,}\b  ->  <redacted-token>
   Inside a maximal token run the \b positions are: before its first word character, after its
   last one, and at word/'-' transitions. The leftmost start is the first boundary and greedy
   {41,} then takes the last one, so a run matches at most once: from its first to its last word
   character (leading/trailing '-' stay), when that span is at least 41 bytes. */
static void gtbt__redact_long(gtbt__rx *r)
{
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, a, b;
    while (i < n) {
        if (!gtbt__rx_word(s[i])) { i++; continue; }    /* a run's first word byte */
        for (b = a = i; i < n && gtbt__rx_tok(s[i]); i++)
            if (s[i] != '-') b = i + 1;
        if (b - a >= 41) gtbt__rx_emit(r, a, "<redacted-token>", b);
    }
}

/* One cheap pass that finds which rules can possibly match s[0..n) (a necessary condition for
   each; 0 means the text is left as is). With any != 0 it stops at the first candidate. Checked:
   "://" followed later by '@' (1); '=' right after a byte that can end a keyword of rule 2:
   y n t d h e (2); ':' right after 'n' (3); '=' or ':' after 'y' plus blanks (4); ':' after '"' plus
   blanks (5); "eyJ" (6); a run of >= 15 [A-Za-z0-9_\-] bytes, the shortest provider match being
   "xoxb-" plus 10 (7); a run of >= 41 (8). */
enum { GTBT__RX_M_URL = 1, GTBT__RX_M_QUERY = 2, GTBT__RX_M_AUTHZ = 4, GTBT__RX_M_AWS = 8,
       GTBT__RX_M_JSON = 16, GTBT__RX_M_JWT = 32, GTBT__RX_M_PROV = 64, GTBT__RX_M_LONG = 128 };

static unsigned gtbt__redact_scan(const unsigned char *s, size_t n, int any)
{
    size_t i, run = 0;
    unsigned m = 0;
    unsigned char prev = 0, last = 0;       /* previous byte, last non-blank byte; lowercased */
    int url = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = gtbt__rx_lower(s[i]);
        if (gtbt__rx_tok(c)) {
            if (++run >= 15) m |= run >= 41 ? GTBT__RX_M_PROV | GTBT__RX_M_LONG : GTBT__RX_M_PROV;
            if (s[i] == 'J' && run >= 3 && s[i - 1] == 'y' && s[i - 2] == 'e') m |= GTBT__RX_M_JWT;
        } else {
            run = 0;
            if (c == '=') {
                if (prev == 'y' || prev == 'n' || prev == 't' || prev == 'd' || prev == 'h' || prev == 'e') m |= GTBT__RX_M_QUERY;
                if (last == 'y') m |= GTBT__RX_M_AWS;
            } else if (c == ':') {
                if (prev == 'n') m |= GTBT__RX_M_AUTHZ;
                if (last == 'y') m |= GTBT__RX_M_AWS;
                if (last == '"') m |= GTBT__RX_M_JSON;
                if (n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/') url = 1;
            } else if (c == '@' && url) {
                m |= GTBT__RX_M_URL;
            }
        }
        if (m && any) return m;
        prev = c;
        if (!gtbt__rx_ws(c)) last = c;
    }
    return m;
}

/* Fast pre-check for the caller: 0 only when gtbt__redact_impl would copy in[0..n) verbatim. */
GTBT__UNUSED static int gtbt__redact_needed(const char *in, size_t n)
{
    /* the common case (short plain values) in one cheap pass: every rule needs one of = : @ J
       or a run of 15 token characters; anything else cannot match */
    static const char cls[257] =   /* t: [A-Za-z0-9_-] but J, s: = : @ J, .: anything else */
        ".............................................t..tttttttttts..s.."
        "stttttttttstttttttttttttttt....t.tttttttttttttttttttttttttt....."
        "................................................................"
        "................................................................";
    const unsigned char *s = (const unsigned char *)in;
    size_t i, run = 0;
    for (i = 0; i < n; i++) {
        char k = cls[s[i]];
        if (k == 't') { if (++run >= 15) return 1; continue; }
        if (k == 's') return gtbt__redact_scan(s, n, 1) != 0;
        run = 0;
    }
    return 0;
}

/* The Go function is not quite idempotent: a later rule can unblock an earlier one, e.g.
   "x://u:AKIA<16 upper>key=/&@h" takes three applications to settle (AKIA[A-Z0-9]{16} leaves a
   \b before "key", whose redaction removes the '/' that blocked the userinfo rule). We therefore
   repeat the whole rule list until it changes nothing. This differs from Go only on inputs where Go
   itself is not idempotent. By analysis (only AKIA's fixed length creates a new \b; rules 2-5 can
   unblock rule 1; rule 1 enables nothing earlier) and by fuzzing, at most 3 passes change anything;
   the cap keeps the cost linear regardless. Set to 1 for byte-exact Go output. */
#ifndef GTBT__REDACT_MAX_PASSES
#define GTBT__REDACT_MAX_PASSES 4
#endif

/* Appends the redacted form of in[0..n) to out; returns the number of bytes appended. On
   out-of-memory nothing is appended (never a partly redacted value) and out->oom is set. Rules
   whose necessary condition (gtbt__redact_scan) is absent from the current text are skipped; the
   scan is redone after every rule that changed the text, so it always describes what the next
   rule sees. */
GTBT__UNUSED static size_t gtbt__redact_impl(const char *in, size_t n, gtbt__buf *out)
{
    enum { NPROV = sizeof gtbt__rx_providers / sizeof gtbt__rx_providers[0], NRULES = 7 + NPROV };
    gtbt__buf tmp[2];
    gtbt__rx r;
    const unsigned char *cur = (const unsigned char *)in;
    size_t curn = n, before = out->len, rule;
    unsigned mask, need;
    int which = 0, pass, changed = 1;
    if (out->oom) return 0;
    memset(tmp, 0, sizeof tmp);
    mask = gtbt__redact_scan(cur, curn, 0);
    for (pass = 0; mask && changed && !out->oom && pass < GTBT__REDACT_MAX_PASSES; pass++) {
        changed = 0;
        for (rule = 0; rule < NRULES; rule++) {
            need = rule < 6 ? 1u << rule : rule < NRULES - 1 ? (unsigned)GTBT__RX_M_PROV : (unsigned)GTBT__RX_M_LONG;
            if (!(mask & need)) continue;
            r.s = cur; r.n = curn; r.done = 0; r.out = &tmp[which]; r.changed = 0;
            tmp[which].len = 0;                        /* never the buffer cur points into */
            if (rule == 0) gtbt__redact_userinfo(&r);
            else if (rule == 1) gtbt__redact_query(&r);
            else if (rule == 2) gtbt__redact_authz(&r);
            else if (rule == 3) gtbt__redact_aws(&r);
            else if (rule == 4) gtbt__redact_json(&r);
            else if (rule == 5) gtbt__redact_jwt(&r);
            else if (rule < NRULES - 1) gtbt__redact_provider(&r, &gtbt__rx_providers[rule - 6]);
            else gtbt__redact_long(&r);
            if (!r.changed) continue;
            gtbt__buf_put(r.out, cur + r.done, curn - r.done);
            if (r.out->oom) { out->oom = 1; break; }
            cur = (const unsigned char *)r.out->p;
            curn = r.out->len;
            which ^= 1;
            changed = 1;
            mask = gtbt__redact_scan(cur, curn, 0);
        }
    }
    if (!out->oom) gtbt__buf_put(out, curn ? (const void *)cur : (const void *)"", curn);
    gtbt__buf_free(&tmp[0]);
    gtbt__buf_free(&tmp[1]);
    return out->oom ? 0 : out->len - before;
}

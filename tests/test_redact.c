/* test_redact.c - the redaction rules (gtbt__redact_impl, gtbt__redact_needed): every rule with
   positive and negative cases, word boundaries, case-insensitivity, rule order, idempotence, the
   Go original's examples, binary input, allocation failures and hostile 4 MiB inputs. */
#include <stddef.h>
/* Allocation failures on demand: >= 0 fails the allocation after this many succeed. */
static long test_alloc_countdown = -1;
static void *test_realloc(void *p, size_t n);
#define GTB_TELEMETRY_MALLOC(n) test_realloc(NULL, n)
#define GTB_TELEMETRY_REALLOC(p, n) test_realloc(p, n)
#define GTB_TELEMETRY_FREE(p) free(p)
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
static void *test_realloc(void *p, size_t n) {
    if (test_alloc_countdown == 0) return NULL;
    if (test_alloc_countdown > 0) test_alloc_countdown--;
    return realloc(p, n);
}

/* ---- checks: each failure marks the running test failed and shows the input ---- */
static void show(const char *s, size_t n)
{
    size_t i;
    putchar('"');
    for (i = 0; i < n && i < 200; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 32 && c < 127 && c != '"' && c != '\\') putchar(c);
        else printf("\\x%02x", c);
    }
    if (n > 200) printf("...(%lu bytes)", (unsigned long)n);
    putchar('"');
}

static void fail_msg(const char *what, const char *in, size_t n)
{
    gt_test_failed = 1;
    printf("    FAIL %s: input ", what);
    show(in, n);
    putchar('\n');
}

/* redact in[0..n) into a fresh buffer (checking append semantics and the return value) */
static char *redact_to(const char *in, size_t n, size_t *outn)
{
    gtbt__buf b;
    size_t r;
    char *res;
    memset(&b, 0, sizeof b);
    gtbt__buf_puts(&b, "PFX");
    r = gtbt__redact_impl(in, n, &b);
    if (b.oom || r != b.len - 3 || memcmp(b.p, "PFX", 3) != 0) fail_msg("append/return value", in, n);
    *outn = b.len - 3;
    res = (char *)malloc(*outn + 1);
    if (!res) { printf("test malloc failed\n"); exit(2); }
    memcpy(res, b.p + 3, *outn);
    res[*outn] = 0;
    gtbt__buf_free(&b);
    return res;
}

/* expect redact(in) == want; also idempotence and that the pre-check flags every change */
static void check_n(const char *in, size_t n, const char *want, size_t wantn)
{
    size_t on, on2;
    char *o = redact_to(in, n, &on), *o2;
    int ok = 1;
    if (on != wantn || memcmp(o, want, on) != 0) {
        fail_msg("output", in, n);
        printf("     want ");
        show(want, wantn);
        printf("\n     got  ");
        show(o, on);
        putchar('\n');
        ok = 0;
    }
    o2 = redact_to(o, on, &on2);
    if (on2 != on || memcmp(o, o2, on) != 0) { fail_msg("idempotence", in, n); ok = 0; }
    if ((on != n || memcmp(o, in, n) != 0) && !gtbt__redact_needed(in, n)) { fail_msg("redact_needed returned 0", in, n); ok = 0; }
    if ((on != on2 || memcmp(o, o2, on) != 0) && !gtbt__redact_needed(o, on)) { fail_msg("redact_needed(out)", in, n); ok = 0; }
    (void)ok;
    free(o);
    free(o2);
}
static void check(const char *in, const char *want) { check_n(in, strlen(in), want, strlen(want)); }
static void same(const char *in) { check(in, in); }

static void expect(int cond, const char *what)
{
    if (!cond) { gt_test_failed = 1; printf("    FAIL %s\n", what); }
}

static char *repeat(const char *unit, size_t total, size_t *n)
{
    size_t u = strlen(unit), i;
    char *s = (char *)malloc(total + 1);
    if (!s) { printf("test malloc failed\n"); exit(2); }
    for (i = 0; i < total; i++) s[i] = unit[i % u];
    s[total] = 0;
    *n = total;
    return s;
}

/* hostile 4 MiB inputs: every rule is linear by construction; this must simply finish, and the
   output must be a fixed point. want (optional) is the exact expected output. */
static void check_big(const char *prefix, const char *unit, const char *suffix, const char *want)
{
    size_t n, pn = strlen(prefix), sn = strlen(suffix), on, on2;
    char *body = repeat(unit, (size_t)4 << 20, &n), *s = (char *)malloc(pn + n + sn + 1), *o, *o2;
    if (!s) { printf("test malloc failed\n"); exit(2); }
    memcpy(s, prefix, pn);
    memcpy(s + pn, body, n);
    memcpy(s + pn + n, suffix, sn);
    n += pn + sn;
    o = redact_to(s, n, &on);
    o2 = redact_to(o, on, &on2);
    if (want && (on != strlen(want) || memcmp(o, want, on) != 0)) {
        fail_msg("4 MiB output", s, n);
        printf("     got  ");
        show(o, on);
        putchar('\n');
    } else if (on != on2 || memcmp(o, o2, on) != 0) {
        fail_msg("4 MiB idempotence", s, n);
    }
    free(body);
    free(s);
    free(o);
    free(o2);
}

#define A10 "aaaaaaaaaa"
#define A40 A10 A10 A10 A10
#define Z16 "ZZZZZZZZZZZZZZZZ"

/* pass-through */
static void test_pass_through(void)
{
    same("");
    same("no credentials here");
    same("connection refused while dialing 10.0.0.5");
    same("rebased onto 9e4f359");
    same("at commit 7a5c45f3b8a9e7d2a1c6b4e3d9f8a7c5b2d4e6f1");          /* SHA-1 (40) */
    check("d41d8cd98f00b204e9800998ecf8427e", "<redacted-token>");     /* 32 hex: indistinguishable from a key */
    same("md5 d41d8cd98f00b204e9800998ecf8427e");                       /* ...unless named as a digest */
    same("id=11111111-1111-4111-8111-111111111111");                    /* UUID (36) */
    same("at " A40);
}

/* 1. URL userinfo, widened scheme */
static void test_url_userinfo(void)
{
    check("https://user:hunter2@host/x", "https://<redacted>@host/x");
    check("postgres://u:p@h", "postgres://<redacted>@h");
    check("GET https://user:sekret@api.example.co/v1/ failed", "GET https://<redacted>@api.example.co/v1/ failed");
    check("dial http://admin:hunter2@localhost:9000/ failed", "dial http://<redacted>@localhost:9000/ failed");
    check("git+ssh://git:tok@gitlab.com/x.git", "git+ssh://<redacted>@gitlab.com/x.git");
    check("1+a.b-c://u:p@h", "1+a.b-c://<redacted>@h");            /* the scheme starts at the first letter */
    check("HTTPS://U:P@H", "HTTPS://<redacted>@H");
    check("https://u:p:q@host", "https://<redacted>@host");          /* ':' allowed in the password */
    check("https://u:p@q@host", "https://<redacted>@host");          /* ends at the last '@' (wider than Go) */
    check("a://u:p@b://v:q@c", "a://<redacted>@b://<redacted>@c");
    check("x\"y://u\"1:p\"2@h", "x\"y://<redacted>@h");
    same("123://u:p@h");                                              /* scheme needs a letter */
    same("://u:p@h");
    same("https://user@host");
    same("https://:p@host");
    same("https://u:@host");
    same("https://u:p/x@host");
    same("https://u p:x@host");
    same("https://u:p x@host");
    same("https:/u:p@host");
    same("https://host/path?q=1");
    same("https://<redacted>@host");
}

/* 2. query credentials */
static void test_query_credentials(void)
{
    check("--api-token=sk-proj-abc123def456ghi789jkl012mno345", "--api-token=***");
    check("POST /v1?apikey=sk-abc123def456ghi789jkl012mno345pqr678: 401", "POST /v1?apikey=*** 401");
    check("login?user=bob&password=hunter2&redirect=/home", "login?user=bob&password=***&redirect=/home");
    check("APIKEY=foo", "APIKEY=***");
    check("Api_Key=x", "Api_Key=***");
    check("my-key=abc", "my-key=***");
    check("token=a&secret=b c", "token=***&secret=*** c");
    check("key=key=key=x", "key=***");
    check("authorization=Bearer", "authorization=***");
    check("auth=x", "auth=***");
    check("signature=abc\tnext", "signature=***\tnext");
    check("access_token=eyJhbGciOiJIUzI1NiJ9.payload.sig", "access_token=***");
    check("callback?refresh_token=r1", "callback?refresh_token=***");
    check("PassWord=x;y", "PassWord=***");
    check("\xc3\xa9key=x", "\xc3\xa9key=***");                        /* a non-ASCII byte is not a word char */
    check("a.token=x", "a.token=***");
    same("mykey=abc");                                                 /* \b: 'y' before "key" */
    check("my_key=abc", "my_key=***");                                 /* wider than Go: key names containing */
    check("x_token=1", "x_token=***");
    same("monkey=x");
    same("author=x");
    same("keys=x");
    check("key =x", "key =***");
    same("key=");
    same("key=&x");
    check("key= x", "key= ***");
    check("passwd=x", "passwd=***");
    same("token=***");
}

/* 3. authorization headers */
static void test_authorization_headers(void)
{
    check("request rejected with Authorization: Bearer abc123def456ghi789", "request rejected with Authorization: Bearer ***");
    check("failed to auth: Authorization: Basic dXNlcjpwYXNz", "failed to auth: Authorization: Basic ***");
    check("authorization:bearer   tok/+=~._-x rest", "authorization:bearer   ***");   /* the whole rest of the line */
    check("AUTHORIZATION:  DIGEST a", "AUTHORIZATION:  DIGEST ***");
    check("Authorization: ApiKey k,next", "Authorization: ApiKey ***");
    check("Proxy-Authorization: Bearer xyz", "Proxy-Authorization: Bearer ***");
    check("Authorization:\n\tBearer\n x", "Authorization:\n\tBearer ***");
    check("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NUV4cCJ9.SflKxwRJSMeKKF2QT4fabc", "Authorization: Bearer ***");
    check("Authorization: Token abc", "Authorization: Token ***");
    check("Authorization: Bearer", "Authorization: ***");
    same("Authorization: Bearer ");
    check("Authorization: Bearerabc", "Authorization: ***");
    same("Authorization: Bearer ***");
    check("Authorization: Bearer ,x", "Authorization: Bearer ***");
    check("Authorization : Bearer x", "Authorization : Bearer ***");
    check("Authorization: Bearer\vx", "Authorization: ***");           /* \v is not a blank: one word */
}

/* 4. AWS secrets */
static void test_aws_secrets(void)
{
    check("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "aws_secret_access_key=***");
    check("AWS_SECRET_ACCESS_KEY : abc def", "AWS_SECRET_ACCESS_KEY : ***");   /* key: at line start: the line */
    check("secret_access_key:\tv", "secret_access_key:\t***");
    check("my_secret_access_key=abc", "my_secret_access_key=***");     /* no \b in this rule */
    check("aws_secret_access_key=a=b&c d", "aws_secret_access_key=*** d");
    same("SECRET_ACCESS_KEY=");
    same("secret_access_key =  ");
    same("aws_secret_access_key x");
}

/* 5. JSON */
static void test_json(void)
{
    check("{\"token\": \"abc\"}", "{\"token\": \"***\"}");
    check("{\"api_key\" : \"x y\"}", "{\"api_key\" : \"***\"}");
    check("{\"apiKey\":\"x\"}", "{\"apiKey\":\"***\"}");
    check("{\"Authorization\":\"Bearer xyz\"}", "{\"Authorization\":\"***\"}");
    check("{\"secret\":\"a\nb\"}", "{\"secret\":\"***\"}");
    check("\"token\":\"a\",\"SIGNATURE\":\t\"b\"", "\"token\":\"***\",\"SIGNATURE\":\t\"***\"");
    check("{\"access_token\":\"eyJa.b.c\"}", "{\"access_token\":\"***\"}");
    same("{\"password\":\"\"}");
    check("{\"password\":\"abc", "{\"password\":\"***");
    check("{\"key\":\"abc\"}", "{\"key\":\"***\"}");
    check("{\"my_token\":\"abc\"}", "{\"my_token\":\"***\"}");
    check("{\"token\":123}", "{\"token\":***}");
    same("{\"token\":\"***\"}");
}

/* 6. JWT */
static void test_jwt(void)
{
    check("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NUV4cCJ9.SflKxwRJSMeKKF2QT4fabc end", "jwt <redacted-token> end");
    check("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NUV4cCJ9.SflKxwRJSMeKKF2QT4fabc", "Bearer ***");
    check("xeyJa.b.c", "x<redacted-token>");
    check("aeyJeyJb.c.d", "a<redacted-token>");
    check("eyJa.b.c.d", "<redacted-token>.d");
    check("eyJa.b eyJc.d.e", "eyJa.b <redacted-token>");
    check("eyJa.b.c-_x,eyJd.e.f", "<redacted-token>,<redacted-token>");
    same("eyJa.b");
    same("eyJ.a.b");
    same("eyJa..b");
    same("eyJa.b.");
    same("EYJa.b.c");
}

/* 7. provider prefixes (first keep chars + "***") */
static void test_provider_prefixes(void)
{
    check("failed: sk-proj-abc123def456ghi789jkl012mno345", "failed: sk-***");
    check("sk-aaaaaaaaaaaaaaaa", "sk-***");
    same("sk-aaaaaaaaaaaaaaa");                                       /* 15 < 16 */
    check("token ghp_abcdefghijklmnopqrstuvwxyz012345 rejected", "token ghp_*** rejected");
    check("gho_abcdefghijklmnopqrstuvwxyz0123", "gho_***");
    check("ghs_abcdefghijklmnopqrstuvwxyz0123_x", "ghs_***_x");
    same("ghx_abcdefghijklmnopqrstuvwxyz0123");
    same("ghp_abcdefghijklmnopqrstuvwxyz012");                       /* 29 < 30 */
    check("token github_pat_11ABCDEF1234567890abcdef12345678 rejected", "token github_pat_*** rejected");
    check("slack response 401 for xoxb-1234567890-abcdefghij", "slack response 401 for xoxb-***");
    check("xoxp-1234567890", "xoxp-***");
    same("xoxc-1234567890");
    same("xoxb-123456789");
    check("403 for AIzaSyA-abcDEFghijKLMNopqRSTuvWxYz0123456", "403 for AIza***");
    check("AKIAIOSFODNN7EXAMPLE attempted access", "AKIA*** attempted access");
    check("AKIAIOSFODNN7EXAMPLEX", "AKIA***X");                     /* exactly 16 */
    same("akiaIOSFODNN7EXAMPLE");
    same("AKIAiosfodnn7example");
    same("AKIAIOSFODNN7EXAMPL");
    check("using glpat-abcdef1234567890abcdef", "using glpat-***");
    check("runner glrt-ABCdef1234567890ABCdef", "runner glrt-***");
    check("deploy gldt-ABCdef1234567890ABCdef", "deploy gldt-***");
    same("glxt-ABCdef1234567890ABCdef");
    check("key sk-live_DEADBEEFCAFE_secretbodypart_tail xyz", "key sk-*** xyz");
    check("glpat-sk-aaaaaaaaaaaaaaaaaaaa", "glpat-sk-***");          /* rows run in table order */
    check("token=ghp_abcdefghijklmnopqrstuvwxyz012345", "token=***");
}

/* 8. long opaque token */
static void test_long_opaque_token(void)
{
    check("leaked value is " A40 "a", "leaked value is <redacted-token>");
    check("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "<redacted-token>");   /* SHA-256 */
    check("--" A40 "aaaaa", "--<redacted-token>");
    check(A40 "aaaaa--", "<redacted-token>--");
    check("--" A40 "a--x", "--<redacted-token>");                     /* run ends with 'x' */
    check(A10 A10 "-" A10 A10, "<redacted-token>");                   /* 41 with one dash */
    check(A10 A10 "--" A10 "aaaaaaaaa", "<redacted-token>");          /* 41 with two dashes */
    check("_________________________________________", "<redacted-token>");
    check("\xc3\xa9" A40 "a", "\xc3\xa9<redacted-token>");
    check(A40 "a." A40 "b", "<redacted-token>.<redacted-token>");
    check("x" A40 "-" A40, "<redacted-token>");
    same("x----------------------------------------------------");  /* dashes: no \b inside */
    check("--" A10 A10 "--" A10 A10 "--", "--<redacted-token>--");    /* span 42 incl. inner dashes */
    check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a", "<redacted-token>");   /* 39 + '-' + 1 */
    same("--" A10 A10 "-" A10 "aaaaaaaaa--");                         /* span 40 */
    same("-" A40 "-");
}

/* ordering interactions and composite messages */
static void test_ordering_and_composites(void)
{
    check("token=" A40 "a", "token=***");
    check("failed POST https://admin:secret@api.example.co/v1?apikey=sk-abc123def456ghi789: 401",
          "failed POST https://<redacted>@api.example.co/v1?apikey=*** 401");
    check("failed GET https://user:pass@api.example.co/v1?apikey=sk-abc123def456ghi789",
          "failed GET https://<redacted>@api.example.co/v1?apikey=***");
    check("mixed: https://u:p@h/?token=x " A40 "b", "mixed: https://<redacted>@h/?token=*** <redacted-token>");
    check("log: dialed https://admin:hunter2@api.example.co/v1?apikey=sk-abc123def456ghi789 with Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz012345\n",
          "log: dialed https://<redacted>@api.example.co/v1?apikey=*** with Authorization: Bearer ***\n");
    check("https://u:p@h/?x=" A40 "aa", "https://<redacted>@h/?x=<redacted-token>");
    /* inputs where one application of the Go rules is not a fixed point; we iterate */
    check("x://u:key=/&@h", "x://<redacted>@h");
    check("x://u:AKIA" Z16 "key=/&@h", "x://<redacted>@h");
    check("AKIA" Z16 "auth=x", "AKIA***auth=***");
    check("AKIA" Z16 "token=-xoxb-\nghp_", "AKIA***token=***\nghp_");
}

/* binary input */
static void test_binary_input(void)
{
    check_n("key=a\0b c", 9, "key=*** c", 9);
    check_n("\0https://u:p@h\0", 15, "\0https://<redacted>@h\0", 22);
    check_n("a\0" A40 "a\0", 44, "a\0<redacted-token>\0", 19);
    check("\xff\xfekey=x", "\xff\xfekey=***");
    check("token=\xc3\x28", "token=***");
    same("\x01\x02 control bytes");
    same("\xc3\x28 \xf0\x9f\x98\x80 \xed\xa0\x80");
    {
        size_t i;
        char all[256];
        for (i = 0; i < 256; i++) all[i] = (char)i;
        check_n(all, 256, all, 256);
    }
}

/* random texts made of rule fragments: idempotent, and the pre-check flags every change; the
   provider table's first-byte index */
static void test_random_fragments(void)
{
    /* -- random texts made of rule fragments: idempotent, and the pre-check flags every change -- */
    {
        static const char *const frag[] = { "key", "=", ":", " ", "\"", "'", "@", "://", "/", "-", "--", "_", ".",
            "password", "TOKEN", "Authorization", "Bearer", "Cookie", "-u", "a:b", "sk-", "ghp_", "ghu_", "SG.", "hvs.",
            "AKIA", "eyJ", "-----BEGIN ", "PRIVATE KEY", "-----END ", "-----", "\n", "&", "+", "0123456789abcdef",
            "0123456789ABCDEF", "aB3xZ9", "QwErTy12", "+/", "==", "1.2", "commit", "x", "AAAAAAAAAAAAAAAA", "http" };
        uint64_t seed = 12345;
        int k, bad = 0;
        for (k = 0; k < 20000 && bad < 5; k++) {
            char text[400];
            size_t len = 0, on, on2;
            int parts = 1 + (int)((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % 24, q;
            char *o, *o2;
            for (q = 0; q < parts; q++) {
                const char *f = frag[((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % (sizeof frag / sizeof frag[0])];
                size_t fl = strlen(f), rep = 1 + ((seed >> 40) % 3);
                while (rep-- && len + fl < sizeof text) { memcpy(text + len, f, fl); len += fl; }
            }
            o = redact_to(text, len, &on);
            o2 = redact_to(o, on, &on2);
            if (on2 != on || memcmp(o, o2, on) != 0) { bad++; fail_msg("random idempotence", text, len); }
            else if ((on != len || memcmp(o, text, len) != 0) && !gtbt__redact_needed(text, len)) { bad++; fail_msg("random pre-check", text, len); }
            free(o);
            free(o2);
        }
        expect(!bad, "random fragments");
    }

    /* -- the provider table's first-byte index -- */
    {
        size_t k, nrows = sizeof gtbt__rx_prov2s / sizeof gtbt__rx_prov2s[0];
        int ok = strlen(gtbt__rx_prov2_heads) == nrows;
        for (k = 0; ok && k < nrows; k++) ok = gtbt__rx_prov2_heads[k] == GTBT__RX_PROV2_PRE(&gtbt__rx_prov2s[k])[0] && (gtbt__rx_ct[(unsigned char)gtbt__rx_prov2_heads[k]] & 1024);
        expect(ok, "gtbt__rx_prov2_heads matches gtbt__rx_prov2s");
    }

}

/* the pre-check */
static void test_pre_check(void)
{
    expect(!gtbt__redact_needed("", 0), "needed(\"\")");
    expect(!gtbt__redact_needed("hello world", 11), "needed(hello world)");
    expect(!gtbt__redact_needed("12:30", 5), "needed(12:30)");
    expect(!gtbt__redact_needed("x=1", 3), "needed(x=1)");
    expect(!gtbt__redact_needed("bob@example.com", 15), "needed(email)");
    expect(!gtbt__redact_needed("https://host/path", 17), "needed(url without userinfo)");
    expect(!gtbt__redact_needed("linux/amd64", 11), "needed(linux/amd64)");
    expect(!gtbt__redact_needed("en_US.UTF-8", 11), "needed(en_US.UTF-8)");
    expect(!gtbt__redact_needed("aaaaaaaaaaaaaa", 14), "needed(14 token chars)");
    expect(!gtbt__redact_needed("aaaaaaaaaaaaaaa", 15), "needed(15 token chars)");
    expect(gtbt__redact_needed("a://u:p@h", 9), "needed(userinfo)");
    expect(gtbt__redact_needed("eyJa.b.c", 8), "needed(jwt)");
    expect(gtbt__redact_needed("xoxb-1234567890", 15), "needed(xoxb)");
    expect(gtbt__redact_needed("Key =x", 6), "needed(key =)");
}

/* gtbt__clean's short-value fast path gives what the full redaction gives: the shortest secrets
   of the length-bounded rules are redacted, and every prefix of them and of ordinary values (each
   length across both bounds) comes out as gtbt__redact_impl makes it */
static void test_clean_short(void)
{
    static const char *const vals[] = { "xoxb-1234567890", "sk-abcdefghijklmnop", "ASIAABCDEFGHIJKLMNOP",
        "eyJa.b.c", "a://u:p@h", "key=x", "--token x", "linux-amd64-musl-gnu", "value-105", "x86_64-linux",
        "v1.2.3-rc.1+build.7", "0123456789abcdefghijk", NULL };
    char buf[64], what[128];
    size_t k, n;
    for (k = 0; vals[k]; k++)
        for (n = 0; n <= strlen(vals[k]); n++) {
            gtbt__buf t, full;
            gtbt__str got;
            memset(&t, 0, sizeof t);
            memset(&full, 0, sizeof full);
            memcpy(buf, vals[k], n);
            buf[n] = 0;
            got = gtbt__clean(buf, 4096, &t);
            gtbt__redact_impl(buf, n, &full);
            gtbt__buf_put(&full, "", 0);
            snprintf(what, sizeof what, "clean(\"%s\") as the full redaction", buf);
            expect(got.n == full.len && !memcmp(got.p, full.p ? full.p : "", got.n), what);
            gtbt__buf_free(&t);
            gtbt__buf_free(&full);
        }
    {
        gtbt__buf t;
        memset(&t, 0, sizeof t);
        expect(strcmp(gtbt__clean("xoxb-1234567890", 4096, &t).p, "xoxb-1234567890") != 0, "clean(xoxb, 15 bytes) redacted");
        gtbt__buf_free(&t);
        memset(&t, 0, sizeof t);
        expect(gtbt__clean("eyJa.b.c", 4096, &t).n != 8, "clean(jwt, 8 bytes) redacted");
        gtbt__buf_free(&t);
    }
}

/* out of memory: never a partial or unredacted value, no leak */
static void test_out_of_memory(void)
{
    {
        long k;
        const char *in = "x://u:AKIA" Z16 "key=/&@h token=abc " A40 "aa";
        for (k = 0; k < 40; k++) {
            gtbt__buf b;
            size_t r;
            memset(&b, 0, sizeof b);
            gtbt__buf_puts(&b, "PFX");
            test_alloc_countdown = k;
            r = gtbt__redact_impl(in, strlen(in), &b);
            test_alloc_countdown = -1;
            if (b.oom) expect(r == 0 && b.len == 3, "oom leaves out unchanged");
            else expect(strcmp(b.p, "PFXx://<redacted>@h token=*** <redacted-token>") == 0 && r == b.len - 3, "oom sweep output");
            gtbt__buf_free(&b);
        }
        {
            gtbt__buf b;
            memset(&b, 0, sizeof b);
            b.oom = 1;
            expect(gtbt__redact_impl("key=x", 5, &b) == 0 && b.p == NULL, "already-oom buffer");
        }
    }
}

/* hostile 4 MiB inputs (linear time by construction; these must just finish) */
static void test_hostile_4_mib(void)
{
    check_big("", "a", "", "<redacted-token>");
    check_big("", "key=", "", "key=***");
    check_big("", "key=key&", "", NULL);
    check_big("", "a://", "", NULL);
    check_big("", "a://u:", "@", NULL);
    check_big("a://u:", "p", "", NULL);
    check_big("", "eyJ", "", "<redacted-token>");
    check_big("", "eyJa.", "", NULL);
    check_big("", "eyJ.", "", NULL);
    check_big("", "\"token\":\"", "", NULL);
    check_big("\"token\":\"", "x", "", NULL);
    check_big("authorization:", " ", "x", NULL);
    check_big("", "authorization: bearer ", "", NULL);
    check_big("aws_secret_access_key", " ", "", NULL);
    check_big("", "secret_access_key", "", NULL);
    check_big("", "sk-", "", "sk-***");
    check_big("", "ghp_", "", NULL);
    check_big("", "AKIA", "", NULL);
    check_big("", "-", "", NULL);
    check_big("", "a-", "", "<redacted-token>-");
    check_big("", "-a", "", "-<redacted-token>");
    check_big("", ":", "", NULL);
    /* the rules beyond the Go original */
    check_big("", "password=", "", NULL);
    check_big("", "--password ", "", NULL);
    check_big("", "DB_PASSWORD: ", "", NULL);
    check_big("", "\"clientSecret\":\"", "", NULL);
    check_big("", "-----BEGIN RSA PRIVATE KEY-----\n", "", "<redacted-private-key>");
    check_big("", "-----BEGIN CERTIFICATE-----", "", NULL);
    check_big("", "SG.", "", NULL);
    check_big("", "sk_live_", "", NULL);
    check_big("", "https://u@", "", NULL);
    check_big("", "aB3+", "", "<redacted-token>+");
    check_big("", "0123456789abcdef-", "", NULL);
    check_big("", "aaaaaaaaaaaaaaaaaaaa.bbbbbb.", "", NULL);
    check_big("", "Authorization: token ", "", NULL);
    check_big("", "=", "", NULL);
    check_big("", "@", "", NULL);
    check_big("", "x://u:AKIAZZZZZZZZZZZZZZZZkey=/&@h ", "", NULL);
    check_big("", "\xff", "", NULL);
}

/* The provider table's packed rows: a prefix of each body class keeps its class and least body length. */
static void test_prov2_rows(void) {
    static const struct { const char *pre; int cls; size_t min; } want[] = {
        {"hooks.slack.com/services/", GTBT__RX_B_PATH, 20}, {"FwoGZXIvYXdzE", GTBT__RX_B_B64, 100},
        {"AGE-SECRET-KEY-1", GTBT__RX_B_UPNUM, 50}, {"sk.eyJ", GTBT__RX_B_TOKDOT, 40}, {"shpat_", GTBT__RX_B_HEX, 32},
        {"glsa_", GTBT__RX_B_WORD, 30}, {"hf_", GTBT__RX_B_ALNUM, 30}, {"pypi-", GTBT__RX_B_TOK, 50},
        {"ASIA", GTBT__RX_B_UPNUM, 16}, {"dop_v1_", GTBT__RX_B_HEX, 64}
    };
    size_t i, k, nrows = sizeof gtbt__rx_prov2s / sizeof gtbt__rx_prov2s[0];
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        int found = 0;
        for (k = 0; k < nrows; k++) {
            const gtbt__rx_prov2 *pv = &gtbt__rx_prov2s[k];
            if (strcmp(GTBT__RX_PROV2_PRE(pv), want[i].pre)) continue;
            found = 1;
            CHECK_INT(GTBT__RX_PROV2_CLS(pv), want[i].cls);
            CHECK_INT((long long)GTBT__RX_PROV2_MIN(pv), (long long)want[i].min);
        }
        CHECK(found);
    }
}

static const gt_test tests[] = {
    {"prov2_rows", test_prov2_rows},
    {"pass_through", test_pass_through},
    {"url_userinfo", test_url_userinfo},
    {"query_credentials", test_query_credentials},
    {"authorization_headers", test_authorization_headers},
    {"aws_secrets", test_aws_secrets},
    {"json", test_json},
    {"jwt", test_jwt},
    {"provider_prefixes", test_provider_prefixes},
    {"long_opaque_token", test_long_opaque_token},
    {"ordering_and_composites", test_ordering_and_composites},
    {"binary_input", test_binary_input},
    {"random_fragments", test_random_fragments},
    {"pre_check", test_pre_check},
    {"clean_short", test_clean_short},
    {"out_of_memory", test_out_of_memory},
    {"hostile_4_mib", test_hostile_4_mib},
};

int main(int argc, char **argv) { return GT_RUN(tests, argc, argv); }

/*
 * gtbt-new: scaffold a C command-line tool that uses gtb_telemetry.h
 *
 * Writes DIR/ with: main.c (subcommands, the "telemetry" command group on gtbt_cli, the first-run
 * prompt, gtbt_track_command around each command), a Makefile, a README.md telling end users what
 * is collected and how to opt out, a .gitignore, and a vendored copy of gtb_telemetry.h.
 *
 * Build:  cc -std=c99 -O2 -DGTBT_HEADER_PATH='"/abs/path/gtb_telemetry.h"' tools/gtbt-new.c -o gtbt-new
 *
 * Usage:  gtbt-new --name NAME [options]          (gtbt-new --help lists them)
 *
 * Backends (--telemetry-backend, else inferred: otel_endpoint -> otel, endpoint -> http, else file):
 *   http      POST JSON to --endpoint                 otel      OTLP/HTTP to --otel-endpoint
 *   datadog   --datadog-region (key: $DD_API_KEY)     posthog   --posthog-instance/--posthog-endpoint
 *   file      local-only: events stay in the user's data directory, nothing is sent
 * TLS: the generated Makefile links BearSSL (its static archive libbearssl.a when the compiler
 * finds one, else -lbearssl) unless every compiled-in endpoint is http:// (or the backend is
 * "file"); it then builds with -DGTB_TELEMETRY_NO_TLS and needs only -lpthread.
 * API keys are never written to a file: the generated Makefile compiles in only a key given on make's
 * command line (make POSTHOG_PROJECT_KEY=phc_...), and the environment overrides it at run time.
 *
 * --manifest FILE reads the block
 *     properties:
 *       telemetry:
 *         backend: datadog          # plus endpoint, otel_endpoint, datadog_region,
 *         datadog_region: eu1       #   posthog_instance, posthog_endpoint
 * with a strict reader of that YAML subset (nested maps by space indentation, plain or quoted
 * scalars, comments); anything else is an error naming the line. Flags override the manifest.
 *
 * Everything is validated before anything is written. Exit status: 0 ok, 1 I/O error or a
 * non-empty directory without --force, 2 usage error (bad flag, value or manifest).
 */
#define _POSIX_C_SOURCE 200809L
/* The library itself, private to this file, for its URL parser (no TLS, no threads: nothing is
   sent from here), so the tool accepts exactly the URLs the generated code will. */
#define GTB_TELEMETRY_IMPLEMENTATION
#define GTB_TELEMETRY_STATIC
#define GTB_TELEMETRY_NO_TLS
#define GTB_TELEMETRY_NO_THREADS
#include "../gtb_telemetry.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GTBT_HEADER_PATH
#define GTBT_HEADER_PATH "gtb_telemetry.h"
#endif

#define MAX_NAME      40
#define MAX_VERSION   32
#define MAX_MANIFEST  (64 * 1024)
#define MAX_LINE      4096
#define MAX_HEADER    (16 * 1024 * 1024)
#define EXIT_USAGE    2

/* ---- small helpers ----------------------------------------------------------------------------- */
typedef struct buf { char *p; size_t len, cap; } buf;

static void oom(void) { fputs("gtbt-new: out of memory\n", stderr); exit(1); }

static void bput(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        if (!(b->p = realloc(b->p, cap))) oom();
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void bputs(buf *b, const char *s) { bput(b, s, strlen(s)); }

static void bprintf(buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) { fputs("gtbt-new: internal error: line too long\n", stderr); exit(1); }
    bput(b, tmp, (size_t)n);
}

static char *xstrdup(const char *s) {
    char *d = malloc(strlen(s) + 1);
    if (!d) oom();
    return strcpy(d, s);
}

static int lower(int c) { return gtbt__ascii_lower(c); }
static int ieq(const char *a, const char *b) { return gtbt__ascii_casecmp(a, b) == 0; }

/* A value for messages: printable ASCII, at most 60 bytes, the rest elided. */
static const char *shown(const char *s) {
    static char out[80];
    size_t i, o = 0;
    for (i = 0; s[i] && o < 60; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) out[o++] = (char)c;
        else o += (size_t)sprintf(out + o, "\\x%02x", c);
    }
    strcpy(out + o, s[i] ? "..." : "");
    return out;
}

static int failf(int code, const char *fmt, ...) {
    va_list ap;
    fputs("gtbt-new: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* ---- the options ------------------------------------------------------------------------------ */
enum { O_BACKEND, O_ENDPOINT, O_OTEL_ENDPOINT, O_DD_REGION, O_PH_INSTANCE, O_PH_ENDPOINT, N_TELEMETRY };
static const char *const telemetry_keys[N_TELEMETRY] = {
    "backend", "endpoint", "otel_endpoint", "datadog_region", "posthog_instance", "posthog_endpoint"};
static const char *const telemetry_flags[N_TELEMETRY] = {
    "--telemetry-backend", "--endpoint", "--otel-endpoint", "--datadog-region", "--posthog-instance",
    "--posthog-endpoint"};

typedef struct file { const char *name; buf data; char tmp[4200], path[4200]; int written; } file;

typedef struct opt { char *value; char where[300]; } opt;   /* where: "--flag" or "FILE:LINE: key" */

typedef struct config {
    const char *name, *dir, *version, *header, *manifest;
    int force;
    opt t[N_TELEMETRY];                 /* the result: manifest values, then flags over them */
    opt flags[N_TELEMETRY];             /* the telemetry flags as given */
    int given[N_TELEMETRY];
    buf header_text;
    file files[5];
} config;

static const char *const backends[] = {"http", "otel", "datadog", "posthog", "file"};
static const char *const dd_regions[][2] = {
    {"us1", "GTBT_DD_US1"}, {"us3", "GTBT_DD_US3"}, {"us5", "GTBT_DD_US5"}, {"eu1", "GTBT_DD_EU1"},
    {"ap1", "GTBT_DD_AP1"}, {"ap2", "GTBT_DD_AP2"}, {"gov", "GTBT_DD_GOV"}};
static const char *const ph_instances[][2] = {{"us", "GTBT_POSTHOG_US"}, {"eu", "GTBT_POSTHOG_EU"}};

static void opt_set(opt *o, const char *value, const char *where) {
    free(o->value);
    o->value = value && value[0] ? xstrdup(value) : NULL;   /* "" = unset, as in the Go original */
    snprintf(o->where, sizeof o->where, "%s", where);
}

/* ---- endpoint validation: the library's own URL parser decides (at most 2048 bytes, http or
   https, a host, a port in range, no user info, no spaces or control characters); the checks
   below only say why a URL it refused is wrong */
static const char *url_problem(const char *s, int otlp_base) {
    static char why[128];
    gtbt__url u;
    const char *p;
    size_t n = strlen(s), i;
    if (gtbt__url_parse(s, &u) == GTBT_OK) {
        if (otlp_base && strpbrk(s, "?#")) return "an OTLP base URL has no query or fragment (\"/v1/logs\" is appended)";
        return NULL;
    }
    if (n > GTBT__URL_MAX) { snprintf(why, sizeof why, "longer than %d bytes (%zu)", GTBT__URL_MAX, n); return why; }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) { snprintf(why, sizeof why, "control character 0x%02x at offset %zu", c, i); return why; }
        if (c == ' ') { snprintf(why, sizeof why, "space at offset %zu (escape it as %%20)", i); return why; }
    }
    if (!(p = strstr(s, "://")) || p - s > 10 || strcspn(s, "/?#") < (size_t)(p - s))
        return "not an absolute URL (want http://HOST/... or https://HOST/...)";
    if (!(p - s == 5 && gtbt__ascii_ncasecmp(s, "https", 5) == 0) && !(p - s == 4 && gtbt__ascii_ncasecmp(s, "http", 4) == 0)) {
        snprintf(why, sizeof why, "scheme \"%.*s\" is not http or https", (int)(p - s), s);
        return why;
    }
    p += 3;
    if (memchr(p, '@', strcspn(p, "/?#")))
        return "contains user info (credentials belong in the API-key environment variables, not in the URL)";
    if (strcspn(p, ":/?#") == 0) return "has no host";
    return "invalid host, port or percent-escape";
}

/* ---- the manifest reader: a strict, bounded YAML subset --------------------------------------- */
typedef struct mreader { const char *file; int line; } mreader;

static int merr(const mreader *m, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "gtbt-new: %s:%d: ", m->file, m->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* Parses the scalar at s (quoted or plain) into out; NULL value (nothing, "~" or "null") -> out[0]=0
   and *is_null. Only whitespace and a comment may follow. */
static int mscalar(const mreader *m, const char *s, char *out, size_t cap, int *is_null) {
    size_t o = 0;
    *is_null = 0;
    if (*s == '"' || *s == '\'') {
        char q = *s++;
        for (;; s++) {
            if (!*s) return merr(m, "unterminated quoted string (multi-line strings are not supported)");
            if (*s == q && q == '\'' && s[1] == '\'') { s++; }
            else if (*s == q) { s++; break; }
            else if (*s == '\\' && q == '"') {
                static const char from[] = "\"\\/tnr", to[] = "\"\\/\t\n\r";
                const char *e = s[1] ? strchr(from, s[1]) : NULL;
                if (!e) return merr(m, "unsupported escape \"\\%c\" in a double-quoted string", s[1] ? s[1] : ' ');
                if (o + 1 >= cap) return merr(m, "value too long");
                out[o++] = to[e - from];
                s++;
                continue;
            }
            if (o + 1 >= cap) return merr(m, "value too long");
            out[o++] = *s;
        }
        out[o] = 0;
        o = strspn(s, " \t");
        if (s[o] && (s[o] != '#' || o == 0)) return merr(m, "unexpected text after the quoted value (a comment needs a space before '#')");
        return 0;
    }
    if (strchr("[]{}&*!|>%@`,", *s) || ((*s == '-' || *s == '?' || *s == ':') && (s[1] == ' ' || !s[1])))
        return merr(m, "unsupported YAML: only plain or quoted scalars and nested maps are allowed (flow collections, "
                       "sequences, anchors, aliases, tags and block scalars are not)");
    while (*s && !((*s == '#') && o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))) {
        if (*s == ':' && (s[1] == ' ' || s[1] == '\t' || !s[1])) return merr(m, "\": \" inside a plain value (quote the value)");
        if (o + 1 >= cap) return merr(m, "value too long");
        out[o++] = *s++;
    }
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t')) o--;
    out[o] = 0;
    if (!strcmp(out, "~") || !strcmp(out, "null")) { out[0] = 0; *is_null = 1; }
    return 0;
}

static int manifest_read(const char *path, config *cfg) {
    enum { L_TOP, L_PROPERTIES, L_TELEMETRY };
    mreader m;
    FILE *f;
    char *text, line[MAX_LINE + 2], value[MAX_LINE], key[64], pending[64] = "";
    int indent[3] = {0, -1, -1}, depth = 0, seen = 0, dup[3] = {0, 0, 0};
    size_t len;
    const char *p;
    m.file = path;
    m.line = 0;
    if (!(f = fopen(path, "rb"))) return failf(1, "cannot read manifest %s: %s", path, strerror(errno));
    if (!(text = malloc(MAX_MANIFEST + 1))) oom();
    len = fread(text, 1, MAX_MANIFEST + 1, f);
    if (ferror(f)) { fclose(f); free(text); return failf(1, "cannot read manifest %s: %s", path, strerror(errno)); }
    fclose(f);
    if (len > MAX_MANIFEST) { free(text); return failf(EXIT_USAGE, "%s: larger than %d bytes", path, MAX_MANIFEST); }
    if (memchr(text, 0, len)) { free(text); return failf(EXIT_USAGE, "%s: contains a NUL byte (not a text file)", path); }
    text[len] = 0;
    for (p = text; *p; ) {
        const char *nl = strchr(p, '\n'), *s;
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        int ind, is_null, rc, level;
        m.line++;
        if (n > MAX_LINE) { free(text); return merr(&m, "line longer than %d bytes", MAX_LINE); }
        memcpy(line, p, n);
        line[n] = 0;
        p += n + (nl != NULL);
        if (n && line[n - 1] == '\r') line[--n] = 0;
        ind = (int)strspn(line, " ");
        s = line + ind;
        if (*s == '\t') { free(text); return merr(&m, "tab in indentation (YAML indents with spaces only)"); }
        if (!*s || *s == '#') continue;
        if (!seen && ind == 0 && !strcmp(s, "---")) { seen = 1; continue; }
        seen = 1;
        /* indentation: open the pending map, or go back to an enclosing level */
        if (pending[0] && ind > indent[depth]) {
            if (depth == L_TELEMETRY) { free(text); return merr(&m, "\"%s\" takes a value, not a nested map", pending); }
            indent[++depth] = ind;
            dup[depth] = 0;
        } else {
            if (ind > indent[depth]) { free(text); return merr(&m, "bad indentation: unexpected indent of %d spaces", ind); }
            while (depth > 0 && ind < indent[depth]) depth--;
            if (ind != indent[depth]) { free(text); return merr(&m, "bad indentation: %d spaces match no enclosing level", ind); }
        }
        pending[0] = 0;
        /* key: only plain keys of [A-Za-z0-9_-] */
        n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
        if (*s == '-' && (s[1] == ' ' || !s[1])) { free(text); return merr(&m, "sequences (\"- item\") are not supported here"); }
        if (n == 0 || n >= sizeof key || s[n] != ':' || (s[n + 1] && s[n + 1] != ' ' && s[n + 1] != '\t')) {
            free(text);
            return merr(&m, "expected \"key: value\" or \"key:\" (only nested maps of plain keys are supported)");
        }
        memcpy(key, s, n);
        key[n] = 0;
        s += n + 1;
        s += strspn(s, " \t");
        if (!*s || *s == '#') { value[0] = 0; is_null = 1; }   /* "key:" alone: a nested map follows (or null) */
        else if ((rc = mscalar(&m, s, value, sizeof value, &is_null)) != 0) { free(text); return rc; }
        level = depth;
        if (level == L_TOP || level == L_PROPERTIES) {
            const char *want = level == L_TOP ? "properties" : "telemetry";
            if (strcmp(key, want) != 0) {
                free(text);
                return merr(&m, "unknown key \"%s\"%s (this reader knows only properties.telemetry.*)",
                            shown(key), level == L_TOP ? "" : " under properties");
            }
            if (dup[level]++) { free(text); return merr(&m, "duplicate key \"%s\"", key); }
            if (!is_null) { free(text); return merr(&m, "\"%s\" must be a map (indented keys on the next lines)", key); }
            strcpy(pending, key);
        } else {
            int k;
            char where[300];
            for (k = 0; k < N_TELEMETRY && strcmp(key, telemetry_keys[k]) != 0; k++) {}
            if (k == N_TELEMETRY) {
                free(text);
                return merr(&m, "unknown key \"%s\" under properties.telemetry (valid: backend, endpoint, otel_endpoint, "
                                "datadog_region, posthog_instance, posthog_endpoint)", shown(key));
            }
            if (dup[level] & (1 << k)) { free(text); return merr(&m, "duplicate key \"%s\"", key); }
            dup[level] |= 1 << k;
            if (is_null && !*value) strcpy(pending, key);   /* a nested map would follow: refused above */
            snprintf(where, sizeof where, "%s:%d: %s", path, m.line, key);
            opt_set(&cfg->t[k], value, where);
        }
    }
    free(text);
    return 0;
}

/* ---- validation ------------------------------------------------------------------------------- */
static int valid_name(const char *s) {
    size_t i, n = strlen(s);
    if (n == 0 || n > MAX_NAME || s[0] == '.' || s[0] == '-') return 0;
    for (i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i])) return 0;
    return 1;
}
static int valid_version(const char *s) {
    size_t n = strlen(s);
    return n > 0 && n <= MAX_VERSION && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-~") == n;
}

/* Finds value in table (case-insensitively); -1 after an error naming the valid values. */
static int lookup(const opt *o, const char *const *names, size_t stride, size_t n, const char *what) {
    size_t i;
    buf valid = {0};
    for (i = 0; i < n; i++)
        if (ieq(o->value, names[i * stride])) { free(valid.p); return (int)i; }
    for (i = 0; i < n; i++) { bputs(&valid, i ? ", " : ""); bputs(&valid, names[i * stride]); }
    failf(EXIT_USAGE, "%s: unknown %s \"%s\" (valid: %s)", o->where, what, shown(o->value), valid.p);
    free(valid.p);
    return -1;
}

/* ---- the generated files ---------------------------------------------------------------------- */
typedef struct gen {
    const char *name, *version;
    char prefix[MAX_NAME + 1];          /* env var prefix: NAME upper-cased, other characters '_' */
    int backend;                        /* index in backends[] */
    const char *url;                    /* the compiled-in endpoint (NULL: none) */
    int region, instance;
    int tls;                            /* link BearSSL */
} gen;
enum { B_HTTP, B_OTEL, B_DATADOG, B_POSTHOG, B_FILE };

/* s as the inside of a C string literal: quotes, backslashes and '?' (trigraphs) escaped, bytes
   outside printable ASCII in octal. */
static void c_escape(buf *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == '?') { bputs(b, "\\"); bput(b, (const char *)&c, 1); }
        else if (c < 0x20 || c >= 0x7f) bprintf(b, "\\%03o", c);
        else bput(b, (const char *)&c, 1);
    }
}

/* Appends the template lines, replacing @TOOL@ @VERSION@ @PREFIX@ @URL@ (C-escaped) @URL_MD@
   @REGION@ @REGION_NAME@ @INSTANCE@ @INSTANCE_NAME@ @BACKEND@. */
static void emit(buf *b, const gen *g, const char *const *lines) {
    for (; *lines; lines++) {
        const char *s = *lines, *at;
        while ((at = strchr(s, '@')) != NULL) {
            const char *e = strchr(at + 1, '@');
            size_t n = e ? (size_t)(e - at - 1) : 0;
            bput(b, s, (size_t)(at - s));
            if (!e) { s = at; break; }
#define VAR(v) (n == sizeof v - 1 && !memcmp(at + 1, v, n))
            if (VAR("TOOL")) bputs(b, g->name);
            else if (VAR("VERSION")) bputs(b, g->version);
            else if (VAR("PREFIX")) bputs(b, g->prefix);
            else if (VAR("URL")) c_escape(b, g->url ? g->url : "");
            else if (VAR("URL_MD")) bputs(b, g->url ? g->url : "");
            else if (VAR("REGION")) bputs(b, dd_regions[g->region][1]);
            else if (VAR("REGION_NAME")) bputs(b, dd_regions[g->region][0]);
            else if (VAR("INSTANCE")) bputs(b, ph_instances[g->instance][1]);
            else if (VAR("INSTANCE_NAME")) bputs(b, ph_instances[g->instance][0]);
            else if (VAR("BACKEND")) bputs(b, backends[g->backend]);
            else { bput(b, at, n + 1); s = e; continue; }   /* not a variable: keep the '@' */
#undef VAR
            s = e + 1;
        }
        bputs(b, s);
        bputs(b, "\n");
    }
}

static const char *const t_main_head[] = {
    "/* @TOOL@ - a command-line tool (generated by gtbt-new; edit freely).",
    " *",
    " *   @TOOL@ hello [NAME]          print a greeting",
    " *   @TOOL@ version               print the version",
    " *   @TOOL@ help                  print the usage",
    " *   @TOOL@ telemetry <command>   usage telemetry: enable, disable, status, reset, help",
    " *",
    " * Usage telemetry comes from gtb_telemetry.h (vendored beside this file). It is off until the",
    " * user opts in; README.md tells users what is collected and how to opt out.",
    NULL};
static const char *const t_main_includes[] = {
    " * Build: make (see the Makefile). */",
    "#define GTB_TELEMETRY_IMPLEMENTATION   /* the library's implementation is compiled in this file */",
    "#include \"gtb_telemetry.h\"             /* first: it selects the POSIX features it needs */",
    "#include <stdlib.h>",
    "#include <string.h>",
    "",
    "#define TOOL_NAME    \"@TOOL@\"",
    "#define TOOL_VERSION \"@VERSION@\"",
    "",
    "/* ---- commands: add yours here and to the table ------------------------------------------- */",
    "static int cmd_hello(int argc, char **argv) {",
    "    printf(\"Hello, %s!\\n\", argc > 0 ? argv[0] : \"world\");",
    "    return 0;",
    "}",
    "",
    "static int cmd_version(int argc, char **argv) {",
    "    (void)argc;",
    "    (void)argv;",
    "    printf(\"%s %s\\n\", TOOL_NAME, TOOL_VERSION);",
    "    return 0;",
    "}",
    "",
    "typedef struct command {",
    "    const char *name, *args, *help;",
    "    int (*run)(int argc, char **argv);   /* argv: the arguments after the command's name */",
    "} command;",
    "",
    "static const command commands[] = {",
    "    {\"hello\", \"[NAME]\", \"print a greeting\", cmd_hello},",
    "    {\"version\", \"\", \"print the version\", cmd_version},",
    "};",
    "#define N_COMMANDS (sizeof commands / sizeof commands[0])",
    "",
    "static void usage(FILE *out) {",
    "    size_t i;",
    "    fprintf(out, \"usage: %s <command> [arguments]\\n\\ncommands:\\n\", TOOL_NAME);",
    "    for (i = 0; i < N_COMMANDS; i++)",
    "        fprintf(out, \"  %-10s %-10s %s\\n\", commands[i].name, commands[i].args, commands[i].help);",
    "    fprintf(out, \"  %-10s %-10s %s\\n\", \"help\", \"\", \"print this usage\");",
    "    fprintf(out, \"  %-10s %-10s %s\\n\", \"telemetry\", \"<command>\",",
    "            \"usage telemetry: enable, disable, status, reset, help\");",
    "}",
    "",
    "/* ---- telemetry ---------------------------------------------------------------------------- */",
    "#define LOG_ENV \"@PREFIX@_TELEMETRY_LOG\"   /* set: print the library's diagnostics to stderr */",
    "",
    "static void telemetry_log(void *user, gtbt_log_level level, const char *message) {",
    "    static const char *const names[] = {\"debug\", \"info\", \"warn\", \"error\"};",
    "    (void)user;",
    "    fprintf(stderr, \"%s: [%s] %s\\n\", TOOL_NAME, (unsigned)level < 4 ? names[level] : \"log\", message);",
    "}",
    "",
    NULL};
static const char *const t_main_endpoint[] = {
    "#define ENDPOINT_ENV \"@PREFIX@_TELEMETRY_ENDPOINT\"   /* overrides the compiled-in endpoint */",
    "",
    "/* The compiled-in endpoint, unless @PREFIX@_TELEMETRY_ENDPOINT names another (tests, a proxy). */",
    "static const char *endpoint_or(const char *compiled) {",
    "    const char *e = getenv(ENDPOINT_ENV);",
    "    return e && e[0] ? e : compiled;",
    "}",
    "",
    NULL};
static const char *const t_setup_http[] = {
    "/* Backend: HTTP, the JSON array of events POSTed to the endpoint. */",
    "static void telemetry_setup(gtbt_desc *desc) {",
    "    desc->endpoint = endpoint_or(\"@URL@\");",
    "}",
    NULL};
static const char *const t_setup_otel[] = {
    "/* Backend: OpenTelemetry, OTLP/HTTP JSON logs POSTed to <endpoint>/v1/logs. Headers come from the",
    "   environment at run time, never from this file: OTEL_EXPORTER_OTLP_HEADERS (\"k1=v1,k2=v2\", values",
    "   percent-decoded, the OpenTelemetry convention), else \"Authorization: Basic <base64(OTEL_API_KEY)>\"",
    "   as the Go original builds it. */",
    "#define MAX_OTEL_HEADERS 16",
    "static char otel_text[4096];             /* the headers' text; longer variables are ignored */",
    "static gtbt_kv otel_headers[MAX_OTEL_HEADERS];",
    "",
    "static int hexval(int c) {",
    "    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;",
    "}",
    "",
    "/* Trims blanks and percent-decodes s in place. */",
    "static char *trim_decode(char *s) {",
    "    char *o, *r, *end;",
    "    while (*s == ' ' || *s == '\\t') s++;",
    "    end = s + strlen(s);",
    "    while (end > s && (end[-1] == ' ' || end[-1] == '\\t')) *--end = 0;",
    "    for (o = r = s; *r; r++) {",
    "        if (*r == '%' && hexval((unsigned char)r[1]) >= 0 && hexval((unsigned char)r[2]) >= 0) {",
    "            *o++ = (char)(hexval((unsigned char)r[1]) * 16 + hexval((unsigned char)r[2]));",
    "            r += 2;",
    "        } else {",
    "            *o++ = *r;",
    "        }",
    "    }",
    "    *o = 0;",
    "    return s;",
    "}",
    "",
    "static size_t otel_headers_from_env(void) {",
    "    static const char b64[] = \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\";",
    "    const char *list = getenv(\"OTEL_EXPORTER_OTLP_HEADERS\"), *key = getenv(\"OTEL_API_KEY\");",
    "    size_t n = 0, i, o, len;",
    "    if (list && list[0] && strlen(list) < sizeof otel_text) {",
    "        char *item = strcpy(otel_text, list), *next, *eq;",
    "        for (; item && n < MAX_OTEL_HEADERS; item = next) {",
    "            if ((next = strchr(item, ',')) != NULL) *next++ = 0;",
    "            if (!(eq = strchr(item, '='))) continue;",
    "            *eq = 0;",
    "            otel_headers[n].key = trim_decode(item);",
    "            otel_headers[n].value = trim_decode(eq + 1);",
    "            if (otel_headers[n].key[0]) n++;",
    "        }",
    "    } else if (key && key[0] && (len = strlen(key)) < (sizeof otel_text - 8) / 4 * 3) {",
    "        memcpy(otel_text, \"Basic \", o = 6);",
    "        for (i = 0; i < len; i += 3) {",
    "            unsigned long v = (unsigned long)(unsigned char)key[i] << 16;",
    "            if (i + 1 < len) v |= (unsigned long)(unsigned char)key[i + 1] << 8;",
    "            if (i + 2 < len) v |= (unsigned char)key[i + 2];",
    "            otel_text[o++] = b64[v >> 18 & 63];",
    "            otel_text[o++] = b64[v >> 12 & 63];",
    "            otel_text[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';",
    "            otel_text[o++] = i + 2 < len ? b64[v & 63] : '=';",
    "        }",
    "        otel_text[o] = 0;",
    "        otel_headers[0].key = \"Authorization\";",
    "        otel_headers[0].value = otel_text;",
    "        n = 1;",
    "    }",
    "    return n;",
    "}",
    "",
    "static void telemetry_setup(gtbt_desc *desc) {",
    "    desc->otel_endpoint = endpoint_or(\"@URL@\");",
    "    desc->otel_headers = otel_headers;",
    "    desc->n_otel_headers = otel_headers_from_env();",
    "}",
    NULL};
static const char *const t_setup_datadog[] = {
    "/* Backend: Datadog logs intake, region @REGION_NAME@. The API key: DD_API_KEY at run time, else the",
    "   one compiled in with \"make DD_API_KEY=...\" (anyone with the binary can extract it: see README.md);",
    "   without either there is no backend, events go nowhere and \"telemetry status\" says why. */",
    "#ifndef DD_API_KEY_BUILTIN",
    "#define DD_API_KEY_BUILTIN \"\"",
    "#endif",
    "static void telemetry_setup(gtbt_desc *desc) {",
    "    gtbt_datadog_desc dd;",
    "    const char *key = getenv(\"DD_API_KEY\");",
    "    memset(&dd, 0, sizeof dd);",
    "    dd.api_key = key && key[0] ? key : DD_API_KEY_BUILTIN;",
    "    dd.region = @REGION@;",
    "    dd.endpoint = endpoint_or(NULL);          /* NULL: the region's intake */",
    "    dd.net = desc->net;",
    "    desc->backend = gtbt_datadog_backend(&dd); /* the collector takes it over */",
    "    if (!dd.api_key[0])",
    "        desc->no_backend_reason = \"Datadog API key missing: set DD_API_KEY when building (make DD_API_KEY=...) or running\";",
    "}",
    NULL};
static const char *const t_setup_posthog[] = {
    "/* Backend: PostHog capture API (an instance, or a self-hosted endpoint). The project key (public by",
    "   design): POSTHOG_PROJECT_KEY at run time, else the one compiled in with \"make POSTHOG_PROJECT_KEY=phc_...\";",
    "   without either there is no backend, events go nowhere and \"telemetry status\" says why. */",
    "#ifndef POSTHOG_PROJECT_KEY_BUILTIN",
    "#define POSTHOG_PROJECT_KEY_BUILTIN \"\"",
    "#endif",
    "static void telemetry_setup(gtbt_desc *desc) {",
    "    gtbt_posthog_desc ph;",
    "    const char *key = getenv(\"POSTHOG_PROJECT_KEY\");",
    "    memset(&ph, 0, sizeof ph);",
    "    ph.project_key = key && key[0] ? key : POSTHOG_PROJECT_KEY_BUILTIN;",
    "    ph.instance = @INSTANCE@;",
    "    ph.endpoint = endpoint_or(@PH_URL@);",
    "    ph.net = desc->net;",
    "    desc->backend = gtbt_posthog_backend(&ph); /* the collector takes it over */",
    "    if (!ph.project_key[0])",
    "        desc->no_backend_reason = \"PostHog project key missing: set POSTHOG_PROJECT_KEY when building (make POSTHOG_PROJECT_KEY=phc_...) or running\";",
    "}",
    NULL};
static const char *const t_setup_file[] = {
    "/* Backend: local only. Events are appended to <data dir>/telemetry.log (one JSON object a line)",
    "   and never leave this machine: $XDG_STATE_HOME/@TOOL@ or ~/.local/state/@TOOL@. \"telemetry",
    "   reset\" deletes that file and says that no deletion request is needed. */",
    "static void telemetry_setup(gtbt_desc *desc) {",
    "    desc->local_only = true;",
    "}",
    NULL};
static const char *const t_main_tail[] = {
    "",
    "/* ---- main ---------------------------------------------------------------------------------- */",
    "int main(int argc, char **argv) {",
    "    const char *name = argc > 1 ? argv[1] : \"help\";",
    "    const command *cmd = NULL;",
    "    gtbt_desc desc;",
    "    gtbt_collector *telemetry;",
    "    int64_t start;",
    "    size_t i;",
    "    int rc;",
    "",
    "    memset(&desc, 0, sizeof desc);",
    "    desc.tool_name = TOOL_NAME;",
    "    desc.version = TOOL_VERSION;",
    "    if (getenv(LOG_ENV)) {",
    "        desc.log = desc.net.log = telemetry_log;",
    "        desc.log_level = desc.net.log_level = GTBT_LOG_ALL;",
    "    }",
    "    telemetry_setup(&desc);",
    "",
    "    if (!strcmp(name, \"telemetry\")) {          /* the user's own choices: nothing is recorded */",
    "        telemetry = gtbt_new(&desc);",
    "        rc = gtbt_cli(telemetry, argc - 2, (const char *const *)(argv + 2), stdout);",
    "        gtbt_close(telemetry);",
    "        return rc;",
    "    }",
    "    gtbt_prompt(&desc, stdin, stdout);         /* first run on a terminal: ask once, default No */",
    "    telemetry = gtbt_new(&desc);               /* inert unless the user opted in */",
    "",
    "    for (i = 0; i < N_COMMANDS; i++)",
    "        if (!strcmp(name, commands[i].name)) cmd = &commands[i];",
    "    start = gtbt_now_ms();",
    "    if (cmd) {",
    "        rc = cmd->run(argc - 2, argv + 2);",
    "        gtbt_track_command(telemetry, cmd->name, gtbt_now_ms() - start, rc, NULL, 0);",
    "    } else if (!strcmp(name, \"help\") || !strcmp(name, \"--help\") || !strcmp(name, \"-h\")) {",
    "        usage(stdout);",
    "        rc = 0;",
    "        gtbt_track_command(telemetry, \"help\", gtbt_now_ms() - start, rc, NULL, 0);",
    "    } else {                                   /* not recorded: the text could be anything */",
    "        fprintf(stderr, \"%s: unknown command \\\"%s\\\"\\n\\n\", TOOL_NAME, name);",
    "        usage(stderr);",
    "        rc = 2;",
    "    }",
    "    gtbt_close(telemetry);                     /* sends within 2 s at most; the rest waits on disk */",
    "    return rc;",
    "}",
    NULL};

static const char *const t_makefile_head[] = {
    "# Makefile of @TOOL@ (generated by gtbt-new).",
    "#   make                          build ./@TOOL@",
    "#   make install PREFIX=~/.local  install it to PREFIX/bin",
    "#   make clean",
    "CC      ?= cc",
    "CFLAGS  ?= -O2",
    "WARN    := -std=c99 -Wall -Wextra -Werror",
    "PREFIX  ?= /usr/local",
    NULL};
static const char *const t_makefile_tls[] = {
    "# https:// needs TLS: gtb_telemetry.h uses BearSSL (Debian/Ubuntu: apt-get install libbearssl-dev).",
    "# BearSSL's static archive is linked when the compiler finds it: the binary then runs on machines",
    "# without BearSSL, carries only the code it uses, and its start pays nothing for a shared library.",
    "BEARSSL := $(shell $(CC) -print-file-name=libbearssl.a)",
    "TLS     :=",
    "LDLIBS  := $(if $(filter /%,$(BEARSSL)),$(BEARSSL),-lbearssl) -lpthread",
    NULL};
static const char *const t_makefile_notls[] = {
    "# Every compiled-in endpoint is http:// (or none), so this build has no TLS and needs no BearSSL.",
    "# For an https:// endpoint (also through @PREFIX@_TELEMETRY_ENDPOINT), build with",
    "#   make TLS= LDLIBS='-lbearssl -lpthread'",
    "TLS     := -DGTB_TELEMETRY_NO_TLS",
    "LDLIBS  := -lpthread",
    NULL};
static const char *const t_makefile_keys_datadog[] = {
    "# The API key compiled in, only when given on the command line: make DD_API_KEY=... (a key in your",
    "# shell's environment is not compiled in by accident). DD_API_KEY at run time overrides it.",
    "# Anyone with the binary can extract a compiled-in key: prefer a key that can only send logs.",
    "KEYS    := $(if $(filter command line,$(origin DD_API_KEY)),-DDD_API_KEY_BUILTIN='\"$(DD_API_KEY)\"')",
    NULL};
static const char *const t_makefile_keys_posthog[] = {
    "# The project key compiled in, only when given on the command line: make POSTHOG_PROJECT_KEY=phc_...",
    "# POSTHOG_PROJECT_KEY at run time overrides it. PostHog project keys are public by design.",
    "KEYS    := $(if $(filter command line,$(origin POSTHOG_PROJECT_KEY)),-DPOSTHOG_PROJECT_KEY_BUILTIN='\"$(POSTHOG_PROJECT_KEY)\"')",
    NULL};
static const char *const t_makefile_tail[] = {
    "",
    "all: @TOOL@",
    "",
    "@TOOL@: main.c gtb_telemetry.h",
    "\t$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(TLS) $(KEYS) main.c -o $@ $(LDFLAGS) $(LDLIBS)",
    "",
    "install: @TOOL@",
    "\tmkdir -p $(DESTDIR)$(PREFIX)/bin",
    "\tcp @TOOL@ $(DESTDIR)$(PREFIX)/bin/@TOOL@",
    "",
    "clean:",
    "\trm -f @TOOL@",
    "",
    ".PHONY: all install clean",
    NULL};

static const char *const t_readme_head[] = {
    "# @TOOL@",
    "",
    "A command-line tool in C, generated by gtbt-new.",
    "",
    "    make                 # a C99 compiler and make@NEEDS@",
    "    ./@TOOL@ help",
    "",
    "| Command | What it does |",
    "|---|---|",
    "| `@TOOL@ hello [NAME]` | print a greeting |",
    "| `@TOOL@ version` | print the version |",
    "| `@TOOL@ telemetry enable\\|disable\\|status\\|show\\|reset\\|help` | manage usage telemetry (below) |",
    "",
    "## Usage telemetry and your privacy",
    "",
    "**Telemetry is off until you opt in.** The first time you run @TOOL@ on a terminal it asks once",
    "(the default answer is No); it never asks in CI (`CI` set) or when one of the settings below",
    "already decided.",
    "",
    "When you opt in, each run of a command records one event with:",
    "",
    "- the command's name (e.g. `hello`; never its arguments), how long it took and its exit code;",
    "- @TOOL@'s name and version, the OS and architecture, the OS version and the compiler version;",
    "- a random event id, and a pseudonymous machine id: a one-way hash of the machine id, network",
    "  address, host name and user name, salted with the tool's name. It reveals none of them and is",
    "  different for every tool.",
    "",
    "Never collected: command arguments, file names or contents, environment variables, error text,",
    "your IP address (none is sent, though the receiving server sees the connection as any server",
    "does).",
    "",
    NULL};
static const char *const t_readme_where_http[] = {
    "**Where events go:** @TOOL@'s authors' endpoint `@URL_MD@` (a JSON array POSTed over HTTP).",
    NULL};
static const char *const t_readme_where_otel[] = {
    "**Where events go:** an OpenTelemetry collector at `@URL_MD@` (OTLP/HTTP logs).",
    NULL};
static const char *const t_readme_where_datadog[] = {
    "**Where events go:** Datadog (logs intake, region `@REGION_NAME@`), into the account of @TOOL@'s authors.",
    NULL};
static const char *const t_readme_where_posthog[] = {
    "**Where events go:** PostHog (@POSTHOG_WHERE@), into the project of @TOOL@'s authors.",
    NULL};
static const char *const t_readme_where_file[] = {
    "**Where events go:** nowhere. This build of @TOOL@ keeps events on your machine only, one JSON",
    "object a line in `telemetry.log` in its data directory (see Files below); nothing is ever sent.",
    NULL};
static const char *const t_readme_delivery[] = {
    "Events wait in memory and are sent when the command ends (taking at most 2 seconds); what cannot",
    "be sent in time is kept in the data directory and sent by a later run.",
    "",
    NULL};
static const char *const t_readme_optout[] = {
    "### How to opt out (any one of these)",
    "",
    "- `@TOOL@ telemetry disable`: saved for good; pending events are discarded, nothing is sent after it.",
    "- `DO_NOT_TRACK=1` in the environment: the cross-tool convention.",
    "- `@PREFIX@_TELEMETRY_ENABLED=0` (this tool) or `TELEMETRY_ENABLED=0` (every tool built with",
    "  gtb_telemetry) in the environment.",
    "",
    "`@TOOL@ telemetry status` shows whether telemetry is on and which setting decided it, the machine",
    "id, where events go and how many are waiting. `@TOOL@ telemetry reset` deletes the local data,",
    "asks for the deletion of what was sent (where the backend allows it), and disables telemetry.",
    "",
    "### Environment variables",
    "",
    "| Variable | Effect |",
    "|---|---|",
    "| `DO_NOT_TRACK=1` | off (beats the two below) |",
    "| `@PREFIX@_TELEMETRY_ENABLED=1` or `=0` | on or off, for @TOOL@ only |",
    "| `TELEMETRY_ENABLED=1` or `=0` | on or off |",
    "| `@PREFIX@_TELEMETRY_LOCAL=1` or `TELEMETRY_LOCAL=1` | keep events in `telemetry.log` in the data directory; send nothing |",
    "| `@PREFIX@_TELEMETRY_DEBUG=1` or `TELEMETRY_DEBUG=1` | print events to stderr; send nothing |",
    NULL};
static const char *const t_readme_endpoint_var[] = {
    "| `@PREFIX@_TELEMETRY_ENDPOINT=URL` | send to URL instead of the built-in endpoint (testing, a proxy) |",
    NULL};
static const char *const t_readme_files[] = {
    "| `@PREFIX@_TELEMETRY_LOG=1` | print telemetry diagnostics to stderr |",
    "| `CI=true` | never ask |",
    "",
    "Booleans: `1 t true yes on` / `0 f false no off`; any other value means off.",
    "",
    "### Files",
    "",
    "- `$XDG_CONFIG_HOME/@TOOL@/telemetry.conf` (default `~/.config/@TOOL@/`): your choice.",
    "- `$XDG_STATE_HOME/@TOOL@/` (default `~/.local/state/@TOOL@/`): the data directory: events",
    "  waiting to be sent (at most 10 files of 1 MiB), back-off state, `telemetry.log`.",
    "- macOS: both in `~/Library/Application Support/@TOOL@/`.",
    "",
    "## For maintainers",
    "",
    "- `main.c` includes `gtb_telemetry.h` with `GTB_TELEMETRY_IMPLEMENTATION`, first. Update the",
    "  vendored header by copying a newer `gtb_telemetry.h` over it.",
    "- Add commands to the `commands` table; each is recorded by name with `gtbt_track_command`.",
    NULL};
static const char *const t_readme_sink[] = {
    "- Test delivery locally with gtbt-sink (from gtb_telemetry): `gtbt-sink --port 4318`, then",
    "  `TELEMETRY_ENABLED=1 @PREFIX@_TELEMETRY_ENDPOINT=http://127.0.0.1:4318/@SINK_PATH@ ./@TOOL@ hello`",
    "  (`@PREFIX@_TELEMETRY_LOG=1` shows why nothing arrives).",
    NULL};
static const char *const t_readme_keys_http[] = {
    "- Backend: HTTP, `@URL_MD@` compiled in. No API key.",
    NULL};
static const char *const t_readme_keys_otel[] = {
    "- Backend: OpenTelemetry, `@URL_MD@` compiled in (`/v1/logs` is appended). Headers are read at",
    "  run time, never stored in a file: `OTEL_EXPORTER_OTLP_HEADERS=\"k1=v1,k2=v2\"` (values",
    "  percent-encoded), else `OTEL_API_KEY`, sent as `Authorization: Basic <base64(OTEL_API_KEY)>`.",
    NULL};
static const char *const t_readme_keys_datadog[] = {
    "- Backend: Datadog, region `@REGION_NAME@`. The API key: compile it in with",
    "  `make DD_API_KEY=...` (only a key given on make's command line is compiled in), or set",
    "  `DD_API_KEY` when running (it overrides the compiled-in one). **A Datadog API key in a shipped",
    "  binary can be extracted by anyone who has the binary**: ship a key that can only send logs, or",
    "  send through your own endpoint instead. Without a key nothing is sent, and",
    "  `@TOOL@ telemetry status` says so.",
    NULL};
static const char *const t_readme_keys_posthog[] = {
    "- Backend: PostHog (@POSTHOG_WHERE@). The project key: compile it in with",
    "  `make POSTHOG_PROJECT_KEY=phc_...` (only a key given on make's command line is compiled in), or",
    "  set `POSTHOG_PROJECT_KEY` when running (it overrides the compiled-in one). PostHog project keys",
    "  are public by design (they can only send events). Without a key nothing is sent, and",
    "  `@TOOL@ telemetry status` says so.",
    NULL};
static const char *const t_readme_keys_file[] = {
    "- Backend: local only (`telemetry.log` in the data directory); the build needs no TLS library.",
    NULL};

/* Like emit, with the per-backend variables that are not plain substitutions. */
static void emit2(buf *b, const gen *g, const char *const *lines) {
    buf tmp = {0};
    char *s, *at;
    emit(&tmp, g, lines);
    for (s = tmp.p; (at = strchr(s, '@')) != NULL; ) {
        bput(b, s, (size_t)(at - s));
        if (!strncmp(at, "@PH_URL@", 8)) {
            if (g->url) { bputs(b, "\""); c_escape(b, g->url); bputs(b, "\""); } else bputs(b, "NULL");
            s = at + 8;
        } else if (!strncmp(at, "@POSTHOG_WHERE@", 15)) {
            if (g->url) { bputs(b, "self-hosted at `"); bputs(b, g->url); bputs(b, "`"); }
            else bputs(b, g->instance ? "EU cloud" : "US cloud");
            s = at + 15;
        } else if (!strncmp(at, "@NEEDS@", 7)) {
            bputs(b, g->tls ? ", BearSSL (libbearssl-dev) and pthreads" : " and pthreads");
            s = at + 7;
        } else if (!strncmp(at, "@SINK_PATH@", 11)) {
            bputs(b, g->backend == B_DATADOG ? "v1/input" : g->backend == B_POSTHOG ? "capture/" : g->backend == B_OTEL ? "" : "events");
            s = at + 11;
        } else {
            bputs(b, "@");
            s = at + 1;
        }
    }
    bputs(b, s);
    free(tmp.p);
}

static void gen_main(buf *b, const gen *g) {
    static const char *const *setup[] = {t_setup_http, t_setup_otel, t_setup_datadog, t_setup_posthog, t_setup_file};
    emit(b, g, t_main_head);
    if (g->backend == B_FILE) bprintf(b, " * Backend: file (local only: nothing is sent).\n");
    else if (g->backend == B_DATADOG) bprintf(b, " * Backend: datadog (region %s; DD_API_KEY at run time or make DD_API_KEY=...).\n", dd_regions[g->region][0]);
    else if (g->backend == B_POSTHOG) bprintf(b, " * Backend: posthog (%s; POSTHOG_PROJECT_KEY at run time or make POSTHOG_PROJECT_KEY=...).\n", g->url ? "self-hosted" : ph_instances[g->instance][0]);
    else bprintf(b, " * Backend: %s.\n", backends[g->backend]);
    emit(b, g, t_main_includes);
    if (g->backend != B_FILE) emit(b, g, t_main_endpoint);
    emit2(b, g, setup[g->backend]);
    emit(b, g, t_main_tail);
}

static void gen_makefile(buf *b, const gen *g) {
    emit(b, g, t_makefile_head);
    emit(b, g, g->tls ? t_makefile_tls : t_makefile_notls);
    if (g->backend == B_DATADOG) emit(b, g, t_makefile_keys_datadog);
    if (g->backend == B_POSTHOG) emit(b, g, t_makefile_keys_posthog);
    emit(b, g, t_makefile_tail);
}

static void gen_readme(buf *b, const gen *g) {
    static const char *const *where[] = {t_readme_where_http, t_readme_where_otel, t_readme_where_datadog,
                                         t_readme_where_posthog, t_readme_where_file};
    static const char *const *keys[] = {t_readme_keys_http, t_readme_keys_otel, t_readme_keys_datadog,
                                        t_readme_keys_posthog, t_readme_keys_file};
    emit2(b, g, t_readme_head);
    emit2(b, g, where[g->backend]);
    bputs(b, "\n");
    if (g->backend != B_FILE) emit(b, g, t_readme_delivery);
    emit(b, g, t_readme_optout);
    if (g->backend != B_FILE) emit(b, g, t_readme_endpoint_var);
    emit2(b, g, t_readme_files);
    if (g->backend != B_FILE) emit2(b, g, t_readme_sink);
    emit2(b, g, keys[g->backend]);
}

/* ---- writing: everything in memory first, then temporary files renamed into place --------------- */

static int dir_state(const char *dir) {   /* 0 missing, 1 empty dir, 2 non-empty dir, -1 not a dir */
    struct stat st;
    DIR *d;
    struct dirent *e;
    int n = 0;
    if (stat(dir, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode) || !(d = opendir(dir))) return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n ? 2 : 1;
}

/* mkdir -p; records the directories it created (to remove them again on failure). */
static int make_dirs(const char *dir, char created[][4200], int *n_created) {
    char path[4200];
    size_t i, n = strlen(dir);
    if (n >= sizeof path) { errno = ENAMETOOLONG; return -1; }
    memcpy(path, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        path[i] = 0;
        if (mkdir(path, 0755) == 0) { if (*n_created < 32) strcpy(created[(*n_created)++], path); }
        else if (errno != EEXIST) return -1;
        if (i < n) path[i] = '/';
    }
    return 0;
}

static int write_file(const char *path, const buf *data) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    size_t off = 0;
    if (fd < 0) return -1;
    while (off < data->len) {
        ssize_t w = write(fd, data->p + off, data->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { close(fd); return -1; }
        off += (size_t)w;
    }
    return close(fd);
}

static int write_all(const char *dir, file *files, size_t n) {
    char created[32][4200];
    int n_created = 0, i, err = 0;
    size_t k;
    const char *what = dir;
    if (make_dirs(dir, created, &n_created) != 0) err = errno;
    for (k = 0; !err && k < n; k++) {
        snprintf(files[k].path, sizeof files[k].path, "%s/%s", dir, files[k].name);
        snprintf(files[k].tmp, sizeof files[k].tmp, "%s/.%s.gtbt-new-%ld", dir, files[k].name, (long)getpid());
        what = files[k].path;
        if (write_file(files[k].tmp, &files[k].data) != 0) err = errno ? errno : EIO;
        else files[k].written = 1;
    }
    for (k = 0; !err && k < n; k++) {
        what = files[k].path;
        if (rename(files[k].tmp, files[k].path) != 0) err = errno;
        else files[k].written = 2;
    }
    if (!err) return 0;
    for (k = 0; k < n; k++) {   /* undo: nothing of ours stays behind */
        if (files[k].written == 1) unlink(files[k].tmp);
        if (files[k].written == 2) unlink(files[k].path);
    }
    for (i = n_created - 1; i >= 0; i--) rmdir(created[i]);
    return failf(1, "cannot write %s: %s (nothing was written)", what, strerror(err));
}

static int read_header(const char *path, buf *out) {
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    if (!f) return failf(1, "cannot read the header %s: %s (give its path with --header FILE)", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > MAX_HEADER) { fclose(f); return failf(1, "%s: larger than %d bytes; not gtb_telemetry.h?", path, MAX_HEADER); }
        bput(out, chunk, n);
    }
    if (ferror(f)) { fclose(f); return failf(1, "cannot read the header %s: %s", path, strerror(errno)); }
    fclose(f);
    if (!out->p || !strstr(out->p, "GTB_TELEMETRY_H_INCLUDED") || !strstr(out->p, "GTB_TELEMETRY_IMPLEMENTATION"))
        return failf(1, "%s does not look like gtb_telemetry.h (give the right one with --header FILE)", path);
    return 0;
}

/* ---- main ------------------------------------------------------------------------------------- */
static void usage(FILE *out) {
    fputs(
"usage: gtbt-new --name NAME [--dir DIR] [--version V] [--force] [--header FILE]\n"
"                [--manifest FILE] [--telemetry-backend http|otel|datadog|posthog|file]\n"
"                [--endpoint URL] [--otel-endpoint URL] [--datadog-region REGION]\n"
"                [--posthog-instance us|eu] [--posthog-endpoint URL]\n"
"Scaffolds a C command-line tool that uses gtb_telemetry.h: DIR/main.c, Makefile, README.md,\n"
".gitignore and a vendored gtb_telemetry.h.\n"
"  --name NAME               tool name: 1-40 of [A-Za-z0-9._-], not starting with '.' or '-'\n"
"  --dir DIR                 where to write (default ./NAME); must be missing or empty\n"
"  --force                   write into a non-empty DIR (replaces the generated files only)\n"
"  --version V               the tool's version (default 0.1.0)\n"
"  --header FILE             the gtb_telemetry.h to vendor (default " GTBT_HEADER_PATH ")\n"
"  --manifest FILE           read properties.telemetry from a manifest (flags override it)\n"
"  --telemetry-backend B     http | otel | datadog | posthog | file (local only, nothing sent);\n"
"                            default: otel with --otel-endpoint, http with --endpoint, else file\n"
"  --endpoint URL            HTTP JSON endpoint (http backend; otel when no --otel-endpoint)\n"
"  --otel-endpoint URL       OTLP/HTTP base URL (otel backend)\n"
"  --datadog-region R        us1 | us3 | us5 | eu1 | ap1 | ap2 | gov (default us1)\n"
"  --posthog-instance I      us | eu (default us)\n"
"  --posthog-endpoint URL    self-hosted PostHog capture URL (overrides the instance)\n"
"  --help                    print this usage\n"
"URLs: http or https, a host, at most 2048 bytes, no control characters, no user info.\n"
"The Makefile links BearSSL (libbearssl.a when the compiler finds it, so the tool runs where\n"
"BearSSL is not installed) unless every compiled-in endpoint is http:// (or the backend is\n"
"file): then it builds with -DGTB_TELEMETRY_NO_TLS. API keys (DD_API_KEY, POSTHOG_PROJECT_KEY,\n"
"OTEL_EXPORTER_OTLP_HEADERS, OTEL_API_KEY) are read by the tool at run time, never written.\n"
"Exit status: 0 ok, 1 I/O error or non-empty DIR, 2 usage error. Nothing is written on error.\n",
          out);
}

/* Everything but the clean-up; cfg owns what it allocates. */
static int generate(int argc, char **argv, config *cfg) {
    static const char *const value_flags[] = {"--name", "--dir", "--version", "--header", "--manifest"};
    gen g;
    file *files = cfg->files;
    char dirbuf[4200];
    int i, k, rc, state;
    size_t n;
    memset(&g, 0, sizeof g);

    /* 1. flags (--flag VALUE or --flag=VALUE); the manifest is read first so flags override it */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '='), *val = NULL;
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
        int found = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
        if (!strcmp(a, "--force")) { cfg->force = 1; continue; }
        for (k = 0; k < 5 + N_TELEMETRY && !found; k++) {
            const char *f = k < 5 ? value_flags[k] : telemetry_flags[k - 5];
            if (strlen(f) != alen || strncmp(a, f, alen) != 0) continue;
            found = 1;
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else { failf(EXIT_USAGE, "%s needs a value (see --help)", f); return EXIT_USAGE; }
            switch (k) {
            case 0: cfg->name = val; break;
            case 1: cfg->dir = val; break;
            case 2: cfg->version = val; break;
            case 3: cfg->header = val; break;
            case 4: cfg->manifest = val; break;
            default: opt_set(&cfg->flags[k - 5], val, f); cfg->given[k - 5] = 1; break;   /* applied after the manifest */
            }
        }
        if (!found) { failf(EXIT_USAGE, "unknown argument \"%s\" (see --help)", shown(a)); return EXIT_USAGE; }
    }
    if (cfg->manifest && (rc = manifest_read(cfg->manifest, cfg)) != 0) return rc;
    for (k = 0; k < N_TELEMETRY; k++)
        if (cfg->given[k]) { free(cfg->t[k].value); cfg->t[k] = cfg->flags[k]; }

    /* 2. validate everything */
    if (!cfg->name) { failf(EXIT_USAGE, "--name NAME is required (see --help)"); return EXIT_USAGE; }
    if (!valid_name(cfg->name))
        return failf(EXIT_USAGE, "--name \"%s\": want 1-%d characters of [A-Za-z0-9._-], not starting with '.' or '-'", shown(cfg->name), MAX_NAME);
    g.name = cfg->name;
    g.version = cfg->version ? cfg->version : "0.1.0";
    if (!valid_version(g.version))
        return failf(EXIT_USAGE, "--version \"%s\": want 1-%d characters of [A-Za-z0-9.+_~-]", shown(g.version), MAX_VERSION);
    for (n = 0; cfg->name[n]; n++) {
        char c = cfg->name[n];
        g.prefix[n] = (char)(c >= 'a' && c <= 'z' ? c - 32 : (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
    }
    if (cfg->t[O_BACKEND].value) {
        if ((g.backend = lookup(&cfg->t[O_BACKEND], backends, 1, 5, "backend")) < 0) return EXIT_USAGE;
    } else {
        g.backend = cfg->t[O_OTEL_ENDPOINT].value ? B_OTEL : cfg->t[O_ENDPOINT].value ? B_HTTP : B_FILE;
    }
    if (cfg->t[O_DD_REGION].value && (g.region = lookup(&cfg->t[O_DD_REGION], &dd_regions[0][0], 2, 7, "Datadog region")) < 0) return EXIT_USAGE;
    if (cfg->t[O_PH_INSTANCE].value && (g.instance = lookup(&cfg->t[O_PH_INSTANCE], &ph_instances[0][0], 2, 2, "PostHog instance")) < 0) return EXIT_USAGE;
    for (k = O_ENDPOINT; k < N_TELEMETRY; k++) {
        const char *why;
        if (k == O_DD_REGION || k == O_PH_INSTANCE || !cfg->t[k].value) continue;
        why = url_problem(cfg->t[k].value, k == O_OTEL_ENDPOINT || (k == O_ENDPOINT && g.backend == B_OTEL && !cfg->t[O_OTEL_ENDPOINT].value));
        if (why) return failf(EXIT_USAGE, "%s: invalid endpoint \"%s\": %s", cfg->t[k].where, shown(cfg->t[k].value), why);
    }
    switch (g.backend) {
    case B_HTTP:
        if (!(g.url = cfg->t[O_ENDPOINT].value)) return failf(EXIT_USAGE, "the http backend needs --endpoint URL");
        break;
    case B_OTEL:
        if (!(g.url = cfg->t[O_OTEL_ENDPOINT].value ? cfg->t[O_OTEL_ENDPOINT].value : cfg->t[O_ENDPOINT].value))
            return failf(EXIT_USAGE, "the otel backend needs --otel-endpoint URL");
        break;
    case B_POSTHOG: g.url = cfg->t[O_PH_ENDPOINT].value; break;
    default: break;
    }
    for (k = O_ENDPOINT; k < N_TELEMETRY; k++) {   /* given but unused by the chosen backend */
        static const int used[][N_TELEMETRY] = {
            {1, 1, 0, 0, 0, 0}, {1, 1, 1, 0, 0, 0}, {1, 0, 0, 1, 0, 0}, {1, 0, 0, 0, 1, 1}, {1, 0, 0, 0, 0, 0}};
        if (cfg->t[k].value && !used[g.backend][k] && !(g.backend == B_OTEL && k == O_ENDPOINT))
            fprintf(stderr, "gtbt-new: note: %s is not used by the %s backend (ignored)\n", cfg->t[k].where, backends[g.backend]);
    }
    /* TLS unless the compiled-in endpoint is http:// or there is none (file) */
    g.tls = g.backend == B_FILE ? 0 : g.url ? lower((unsigned char)g.url[4]) == 's' : 1;

    if (!cfg->dir) cfg->dir = cfg->name;
    if (!cfg->dir[0] || strlen(cfg->dir) > 4000) return failf(EXIT_USAGE, "--dir: want a path of 1-4000 bytes");
    snprintf(dirbuf, sizeof dirbuf, "%s", cfg->dir);
    while (strlen(dirbuf) > 1 && dirbuf[strlen(dirbuf) - 1] == '/') dirbuf[strlen(dirbuf) - 1] = 0;
    state = dir_state(dirbuf);
    if (state < 0) return failf(1, "%s exists and is not a usable directory", dirbuf);
    if (state == 2 && !cfg->force) return failf(1, "%s exists and is not empty (use --force to write into it)", dirbuf);
    if ((rc = read_header(cfg->header ? cfg->header : GTBT_HEADER_PATH, &cfg->header_text)) != 0) return rc;

    /* 3. generate in memory, then write */
    files[0].name = "main.c";
    gen_main(&files[0].data, &g);
    files[1].name = "Makefile";
    gen_makefile(&files[1].data, &g);
    files[2].name = "README.md";
    gen_readme(&files[2].data, &g);
    files[3].name = ".gitignore";
    bprintf(&files[3].data, "/%s\n*.o\n", g.name);
    files[4].name = "gtb_telemetry.h";
    files[4].data = cfg->header_text;
    cfg->header_text.p = NULL;
    if ((rc = write_all(dirbuf, files, 5)) != 0) return rc;

    printf("created %s/ (%s backend", dirbuf, backends[g.backend]);
    if (g.backend == B_DATADOG) printf(", region %s", dd_regions[g.region][0]);
    if (g.backend == B_POSTHOG) printf(", %s", g.url ? g.url : ph_instances[g.instance][0]);
    if (g.url && g.backend != B_POSTHOG) printf(", %s", g.url);
    printf("%s)\n", g.tls ? "" : ", no TLS");
    for (k = 0; k < 5; k++) printf("  %s/%s\n", dirbuf, files[k].name);
    printf("next: make -C %s && %s%s/%s help\n", dirbuf, dirbuf[0] == '/' || dirbuf[0] == '.' ? "" : "./", dirbuf, g.name);
    if (g.backend == B_DATADOG) printf("the key: make DD_API_KEY=... (compiled in; extractable from the binary) or DD_API_KEY at run time\n");
    if (g.backend == B_POSTHOG) printf("the key: make POSTHOG_PROJECT_KEY=phc_... (compiled in) or POSTHOG_PROJECT_KEY at run time\n");
    if (g.backend == B_OTEL) printf("the tool reads OTEL_EXPORTER_OTLP_HEADERS or OTEL_API_KEY from its environment at run time\n");
    return 0;
}

int main(int argc, char **argv) {
    static config cfg;                  /* large (file paths): not on the stack */
    int rc = generate(argc, argv, &cfg), k;
    for (k = 0; k < 5; k++) free(cfg.files[k].data.p);
    for (k = 0; k < N_TELEMETRY; k++) {
        if (cfg.flags[k].value != cfg.t[k].value) free(cfg.flags[k].value);
        free(cfg.t[k].value);
    }
    free(cfg.header_text.p);
    return rc;
}

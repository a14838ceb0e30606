/* ==============================================================================================
   Declarations
   ============================================================================================== */
#ifndef GTB_TELEMETRY_H_INCLUDED
#define GTB_TELEMETRY_H_INCLUDED

#define GTB_TELEMETRY_VERSION_MAJOR 0
#define GTB_TELEMETRY_VERSION_MINOR 1
#define GTB_TELEMETRY_VERSION_PATCH 0
#define GTB_TELEMETRY_VERSION_STRING "0.1.0"

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#ifndef GTB_TELEMETRY_API
  #if defined(GTB_TELEMETRY_STATIC) && (defined(__GNUC__) || defined(__clang__))
    #define GTB_TELEMETRY_API static __attribute__((unused))
  #elif defined(GTB_TELEMETRY_STATIC)
    #define GTB_TELEMETRY_API static
  #elif defined(_WIN32) && defined(GTB_TELEMETRY_DLL) && defined(GTB_TELEMETRY_IMPLEMENTATION)
    #define GTB_TELEMETRY_API __declspec(dllexport)
  #elif defined(_WIN32) && defined(GTB_TELEMETRY_DLL)
    #define GTB_TELEMETRY_API __declspec(dllimport)
  #else
    #define GTB_TELEMETRY_API extern
  #endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results -------------------------------------------------------------------------------
   Every function that can fail returns 0 (GTBT_OK) or one of these negative values.
   GTBT_RESULT_LIST is the single list both the enum and gtbt_strerror() are made from. */
#define GTBT_RESULT_LIST(X)                                                             \
    X(GTBT_OK,             0,   "ok")                                                   \
    X(GTBT_E_INVALID,     -1,   "invalid argument or configuration")                    \
    X(GTBT_E_NOMEM,       -2,   "out of memory")                                        \
    X(GTBT_E_IO,          -3,   "file system error")                                    \
    X(GTBT_E_NETWORK,     -4,   "network error")                                        \
    X(GTBT_E_TIMEOUT,     -5,   "deadline passed")                                      \
    X(GTBT_E_TLS,         -6,   "TLS error (certificate or handshake)")                 \
    X(GTBT_E_HTTP_RETRY,  -7,   "server unavailable or throttling (will retry)")        \
    X(GTBT_E_HTTP_REJECT, -8,   "server rejected the events permanently")               \
    X(GTBT_E_UNSUPPORTED, -9,   "not supported by this build")                          \
    X(GTBT_E_DISABLED,    -10,  "telemetry is disabled")

#define GTBT__RESULT_ENUM(name, value, text) name = value,
typedef enum gtbt_result { GTBT_RESULT_LIST(GTBT__RESULT_ENUM) GTBT__RESULT_END } gtbt_result;
#undef GTBT__RESULT_ENUM

/* gtbt_strerror
   Parameters:   result - a value returned by any gtbt_ function.
   Return value: a static English description; never NULL ("unknown result" for other values).
   Thread safety: safe. */
GTB_TELEMETRY_API const char *gtbt_strerror(int result);

/* ---- events -------------------------------------------------------------------------------- */
typedef enum gtbt_event_type {
    GTBT_EVENT_COMMAND_INVOCATION = 0,   /* "command.invocation" */
    GTBT_EVENT_COMMAND_ERROR,            /* "command.error" */
    GTBT_EVENT_FEATURE_USED,             /* "feature.used" */
    GTBT_EVENT_UPDATE_CHECK,             /* "update.check" */
    GTBT_EVENT_UPDATE_APPLIED,           /* "update.applied" */
    GTBT_EVENT_DELETION_REQUEST          /* "data.deletion_request" */
} gtbt_event_type;

/* gtbt_event_type_name
   Return value: the wire value of t ("command.invocation", ...); "" for a value outside the enum. */
GTB_TELEMETRY_API const char *gtbt_event_type_name(gtbt_event_type t);

/* A key/value pair of strings (metadata, extra fields, HTTP headers). */
typedef struct gtbt_kv { const char *key; const char *value; } gtbt_kv;

/* What backends receive. All strings are UTF-8 (not validated: serialisers replace invalid bytes),
   NUL-terminated and never NULL. The memory belongs to the library and is valid only during the
   call that hands the event over. */
typedef struct gtbt_event {
    int64_t            time_unix_ns;     /* wall clock when recorded */
    const char        *uuid;             /* random v4, lowercase; kept across retries */
    const char        *type;             /* wire value, see gtbt_event_type_name */
    const char        *name;
    const char        *machine_id, *tool_name, *version;
    const char        *os, *arch, *os_version, *runtime_version;
    int64_t            duration_ms;
    int                exit_code;
    const char *const *args;  size_t n_args;    /* only with extended collection */
    const char        *error;                   /* "" unless extended collection */
    const gtbt_kv     *metadata; size_t n_metadata;   /* sorted by key, values redacted */
} gtbt_event;

/* ---- logging ------------------------------------------------------------------------------- */
typedef enum gtbt_log_level { GTBT_LOG_DEBUG = 0, GTBT_LOG_INFO, GTBT_LOG_WARN, GTBT_LOG_ERROR } gtbt_log_level;
/* message is one line without a trailing newline, valid only during the call. */
typedef void (*gtbt_log_fn)(void *user, gtbt_log_level level, const char *message);

/* ---- backends ------------------------------------------------------------------------------
   A backend delivers batches of events. Built-in or your own: fill in send (and destroy if it
   owns memory) and hand it to gtbt_desc.backend.
   send(): return 0 when the batch was accepted; GTBT_E_HTTP_REJECT when it was refused for good
   (the collector drops it); any other result means "try again later" (the collector keeps the
   events on disk under at-least-once). It must respect deadline_ms (monotonic ms as from
   gtbt_now_ms(); 0 = none), must not print, and may set retry_after_ms when the server asked to
   wait. The collector never calls send() of one backend from two threads at once. */
typedef struct gtbt_backend gtbt_backend;
struct gtbt_backend {
    int  (*send)(gtbt_backend *self, const gtbt_event *events, size_t n, int64_t deadline_ms);
    void (*destroy)(gtbt_backend *self);   /* may be NULL */
    const char *info;                      /* e.g. "http (https://…)"; may be NULL ("custom") */
    int64_t retry_after_ms;                /* set by send(): server asked to wait this long */
    int64_t max_event_age_ms;              /* older events are dropped at replay; 0 = no limit */
    void *user;
};

/* gtbt_noop_backend: accepts and discards everything. Returns NULL only when out of memory. */
GTB_TELEMETRY_API gtbt_backend *gtbt_noop_backend(void);
/* gtbt_stdout_backend: writes each batch to out (stdout when NULL) as a pretty JSON array with a
   2-space indent and a final newline. out is borrowed: it must outlive the backend. */
GTB_TELEMETRY_API gtbt_backend *gtbt_stdout_backend(FILE *out);
/* gtbt_file_backend: appends each event as one JSON line (NDJSON) to path, created 0600, never
   following a symbolic link. path is copied. NULL when path is NULL/empty or out of memory. */
GTB_TELEMETRY_API gtbt_backend *gtbt_file_backend(const char *path);
/* gtbt_backend_destroy: calls destroy(); NULL is a no-op. */
GTB_TELEMETRY_API void gtbt_backend_destroy(gtbt_backend *b);

/* ---- network backends ----------------------------------------------------------------------
   Shared by every network backend and by the HTTP deletion requestor. Zero means default. */
typedef struct gtbt_net_desc {
    int            timeout_ms;        /* per request, default 5000; always capped by the flush deadline */
    const char    *ca_file;           /* PEM bundle; default: $SSL_CERT_FILE, then the system bundle */
    const char    *proxy;             /* NULL: $HTTPS_PROXY/$HTTP_PROXY/$NO_PROXY; "" = none; else http://host:port */
    const gtbt_kv *headers; size_t n_headers;   /* extra request headers (values never logged) */
    const void    *trust_anchors;     /* compiled-in BearSSL anchors (const br_x509_trust_anchor *), see tools/gtbt-ta */
    size_t         n_trust_anchors;   /*   used instead of any PEM bundle when n_trust_anchors > 0 */
    gtbt_log_fn    log; void *log_user; gtbt_log_level log_level;   /* where the backend logs; default silent */
} gtbt_net_desc;

/* Generic HTTP: POST the event JSON array (the gtbt_events_json format) to endpoint. */
typedef struct gtbt_http_desc { const char *endpoint; gtbt_net_desc net; } gtbt_http_desc;

/* OpenTelemetry logs over OTLP/HTTP JSON, POSTed to <endpoint>/v1/logs. */
typedef struct gtbt_otlp_desc {
    const char   *endpoint;           /* base URL; "/v1/logs" appended (trailing '/' trimmed) */
    bool          insecure;           /* allow http:// (an http:// URL implies it, as in the Go original) */
    const char   *service_name, *service_version;   /* default: the events' tool name and version */
    gtbt_net_desc net;                /* net.headers = OTLP headers, e.g. Authorization */
} gtbt_otlp_desc;

typedef enum gtbt_datadog_region {
    GTBT_DD_US1 = 0, GTBT_DD_US3, GTBT_DD_US5, GTBT_DD_EU1, GTBT_DD_AP1, GTBT_DD_AP2, GTBT_DD_GOV
} gtbt_datadog_region;
/* "us1" ... "gov" (case-insensitive); NULL or unknown -> GTBT_DD_US1. */
GTB_TELEMETRY_API gtbt_datadog_region gtbt_datadog_region_from_name(const char *name);

/* Datadog HTTP logs intake (v1/input), one log entry per event. */
typedef struct gtbt_datadog_desc {
    const char         *api_key;      /* required (sent as DD-API-KEY, never logged) */
    gtbt_datadog_region region;
    const char         *source;       /* ddsource, default "gtb" */
    const char         *endpoint;     /* overrides region */
    gtbt_net_desc       net;
} gtbt_datadog_desc;

typedef enum gtbt_posthog_instance { GTBT_POSTHOG_US = 0, GTBT_POSTHOG_EU } gtbt_posthog_instance;
/* "us" or "eu" (case-insensitive); NULL or unknown -> GTBT_POSTHOG_US. */
GTB_TELEMETRY_API gtbt_posthog_instance gtbt_posthog_instance_from_name(const char *name);

/* PostHog capture API, batch form, one PostHog event per event. */
typedef struct gtbt_posthog_desc {
    const char           *project_key;   /* required, "phc_…" */
    gtbt_posthog_instance instance;
    const char           *endpoint;      /* self-hosted capture URL; overrides instance */
    gtbt_net_desc         net;
} gtbt_posthog_desc;

/* Constructors: return NULL on an invalid desc (bad URL, missing key: the reason goes to
   desc->net.log) or when out of memory. Every string in the desc is copied. https:// endpoints need
   TLS: a GTB_TELEMETRY_NO_TLS build refuses them (NULL) rather than sending in plain text. */
GTB_TELEMETRY_API gtbt_backend *gtbt_http_backend(const gtbt_http_desc *desc);
GTB_TELEMETRY_API gtbt_backend *gtbt_otlp_backend(const gtbt_otlp_desc *desc);
GTB_TELEMETRY_API gtbt_backend *gtbt_datadog_backend(const gtbt_datadog_desc *desc);
GTB_TELEMETRY_API gtbt_backend *gtbt_posthog_backend(const gtbt_posthog_desc *desc);

/* ---- deletion requests (GDPR) --------------------------------------------------------------
   request(): ask the backend's owner to delete everything recorded under machine_id.
   Returns 0 when the request was delivered (or handed to the user's mail program). */
typedef struct gtbt_deletion gtbt_deletion;
struct gtbt_deletion {
    int  (*request)(gtbt_deletion *self, const char *machine_id, int64_t deadline_ms);
    void (*destroy)(gtbt_deletion *self);   /* may be NULL */
    const char *info;                       /* e.g. "http (https://…)", "email (privacy@…)" */
    void *user;
};
/* POST {"machine_id":"<id>"} to endpoint. net may be NULL. NULL on a bad URL or out of memory. */
GTB_TELEMETRY_API gtbt_deletion *gtbt_http_deletion(const char *endpoint, const gtbt_net_desc *net);
/* Open the user's mail program on a pre-filled message (gtbt_mailto_url) with xdg-open/open. */
GTB_TELEMETRY_API gtbt_deletion *gtbt_email_deletion(const char *address, const char *tool_name);
/* Send one "data.deletion_request" event through backend, which is borrowed (not destroyed). */
GTB_TELEMETRY_API gtbt_deletion *gtbt_event_deletion(gtbt_backend *backend);
/* gtbt_deletion_destroy: calls destroy(); NULL is a no-op. */
GTB_TELEMETRY_API void gtbt_deletion_destroy(gtbt_deletion *d);
/* gtbt_mailto_url: writes the URL the email requestor opens:
   mailto:<address>?subject=Data+Deletion+Request+%E2%80%94+<tool>&body=Please+delete+...<id>
   with every part query-escaped (no header injection through any argument).
   Return value: 0, GTBT_E_INVALID (NULL or an address that is not a plain addr-spec), or
   GTBT_E_NOMEM when cap is too small (out is then ""). */
GTB_TELEMETRY_API int gtbt_mailto_url(const char *address, const char *tool_name, const char *machine_id,
                                      char *out, size_t cap);

/* ---- the collector ------------------------------------------------------------------------- */
typedef enum gtbt_delivery { GTBT_AT_LEAST_ONCE = 0, GTBT_AT_MOST_ONCE } gtbt_delivery;

typedef struct gtbt_desc {            /* zero = default everywhere; copied by gtbt_new */
    const char    *tool_name;         /* required: [A-Za-z0-9._-], names the dirs and env vars */
    const char    *version;
    gtbt_backend  *backend;           /* custom or vendor backend; the collector takes ownership */
    const char    *otel_endpoint;     /* OTLP/HTTP base URL (used when no backend is given) */
    const gtbt_kv *otel_headers; size_t n_otel_headers;
    bool           otel_insecure;
    const char    *endpoint;          /* HTTP JSON endpoint (used when no backend/otel) */
    gtbt_net_desc  net;               /* CA file, proxy, timeout for the backends built from
                                         endpoint/otel_endpoint and the HTTP deletion requestor */
    bool           force_enabled;     /* organisation policy: always on, no prompt */
    bool           extended_collection;   /* include redacted args and error text */
    gtbt_delivery  delivery;
    const gtbt_kv *metadata; size_t n_metadata;   /* added to every event (values redacted) */
    int            flush_timeout_ms;  /* total budget of a flush/close, default 2000 */
    const char    *config_dir;        /* default: $XDG_CONFIG_HOME/<tool> or ~/.config/<tool> */
    const char    *data_dir;          /* default: $XDG_STATE_HOME/<tool> or ~/.local/state/<tool> */
    gtbt_deletion *deletion;          /* default: see gtbt_cli "reset" */
    const char    *support_message;   /* printed when a deletion request fails */
    gtbt_log_fn    log; void *log_user; gtbt_log_level log_level;   /* default: silent */
    int            max_buffer;        /* events kept in memory before a spill; default and
                                         maximum GTB_TELEMETRY_MAX_BUFFER */
    bool           local_only;        /* the tool's default for local-only mode (events only in
                                         <data_dir>/telemetry.log); the user's settings win */
} gtbt_desc;

/* The collector is opaque. Every function below accepts NULL as a no-op. */
typedef struct gtbt_collector gtbt_collector;

/* gtbt_new
   Resolves consent (gtbt_consent_resolve) and selects the backend: local-only file, else
   desc->backend, else OTLP at otel_endpoint, else HTTP at endpoint, else noop. A disabled
   collector is inert: no machine id computed, no file touched, nothing sent.
   Ownership: takes desc->backend and desc->deletion in every case (also when disabled, when
   local-only replaces the backend, or when NULL is returned) and destroys each exactly once.
   Return value: the collector; NULL only when out of memory (or desc is NULL).
   Thread safety: safe (touches only its own state). */
GTB_TELEMETRY_API gtbt_collector *gtbt_new(const gtbt_desc *desc);
/* true when events are being recorded (consent given and not withdrawn since). */
GTB_TELEMETRY_API bool gtbt_enabled(const gtbt_collector *c);
/* Human-readable backend: "noop (disabled)", "file (<path>)", "otlp (<url>)", "http (<url>)", ... */
GTB_TELEMETRY_API const char *gtbt_backend_info(const gtbt_collector *c);
/* The pseudonymous id sent with events: gtbt_machine_id(tool_name); "" when disabled. */
GTB_TELEMETRY_API const char *gtbt_collector_machine_id(const gtbt_collector *c);

/* gtbt_track / gtbt_track_command / gtbt_track_command_ext
   Record one event. Strings are copied (UTF-8; longer than the limits = truncated on a character
   boundary); extra pairs override the collector's metadata; every metadata value is redacted.
   gtbt_track_command records a "command.invocation". gtbt_track_command_ext also records argv
   (argv[0..argc-1] are the command's arguments, not the program name) and error, both redacted,
   only when extended_collection is on. Never blocks on the network; writes a spill file when the
   buffer is full. Thread safety: safe. */
GTB_TELEMETRY_API void gtbt_track(gtbt_collector *c, gtbt_event_type type, const char *name,
                                  const gtbt_kv *extra, size_t n_extra);
GTB_TELEMETRY_API void gtbt_track_command(gtbt_collector *c, const char *name, int64_t duration_ms,
                                          int exit_code, const gtbt_kv *extra, size_t n_extra);
GTB_TELEMETRY_API void gtbt_track_command_ext(gtbt_collector *c, const char *name, int argc,
                                              const char *const *argv, int64_t duration_ms, int exit_code,
                                              const char *error, const gtbt_kv *extra, size_t n_extra);

/* gtbt_flush: send spill files, then the buffer, all within flush_timeout_ms. What was not
   acknowledged is spilled (at-least-once) or dropped (at-most-once).
   Return value: 0 when every due event was acknowledged or dropped by policy, else the first
   failure's result (the events are then on disk). Thread safety: safe; flushes are serialised. */
GTB_TELEMETRY_API int gtbt_flush(gtbt_collector *c);
/* gtbt_drop: discard the buffer and this tool's spill files; sends nothing. */
GTB_TELEMETRY_API int gtbt_drop(gtbt_collector *c);
/* gtbt_close: flush within the budget, destroy the backend and requestor, free everything.
   Returns what gtbt_flush returned; always frees. Not concurrent with other calls on c. */
GTB_TELEMETRY_API int gtbt_close(gtbt_collector *c);

/* ---- consent and the end user's commands ---------------------------------------------------- */
typedef struct gtbt_consent {
    bool enabled, local_only;
    bool debug;                       /* <TOOL>_TELEMETRY_DEBUG / TELEMETRY_DEBUG: events to stderr only */
    bool is_set;                      /* the consent file holds a valid "enabled" (whatever decided) */
    bool file_malformed;              /* the consent file exists but could not be understood */
    char decided_by[64];              /* "force_enabled", "DO_NOT_TRACK", "MYTOOL_TELEMETRY_ENABLED",
                                         "TELEMETRY_ENABLED", "config", "default" */
} gtbt_consent;
/* gtbt_consent_resolve: apply the rules (force_enabled, DO_NOT_TRACK, <TOOL>_TELEMETRY_ENABLED,
   TELEMETRY_ENABLED, the consent file, default off). Reads the environment and the consent file,
   writes nothing. Returns 0 or GTBT_E_INVALID (no/invalid tool_name; *out is then "disabled"). */
GTB_TELEMETRY_API int gtbt_consent_resolve(const gtbt_desc *desc, gtbt_consent *out);
/* gtbt_consent_set: write enabled = true|false to <config_dir>/telemetry.conf atomically,
   keeping comments and other keys. Returns 0, GTBT_E_INVALID or GTBT_E_IO. */
GTB_TELEMETRY_API int gtbt_consent_set(const gtbt_desc *desc, bool enabled);
/* gtbt_cli: the "telemetry" command group. argv[0] is the subcommand: "enable", "disable",
   "status", "reset" or "help" (argc 0 = help). Prints to out (stdout when NULL).
   Return value: a process exit code: 0 ok, 1 failure, 2 usage error. */
GTB_TELEMETRY_API int gtbt_cli(gtbt_collector *c, int argc, const char *const *argv, FILE *out);
/* gtbt_prompt: the first-run consent question, called before gtbt_new. Asks only when in and out
   are terminals, CI is not set, and no rule has decided yet; the default answer is No.
   Return value: 1 = yes (saved), 0 = no (saved) or not asked. */
GTB_TELEMETRY_API int gtbt_prompt(const gtbt_desc *desc, FILE *in, FILE *out);

/* ---- building blocks (for custom backends and tests) --------------------------------------- */
/* gtbt_machine_id: 16 lowercase hex chars + NUL: the first 8 bytes of a SHA-256 over the OS machine
   id, first non-loopback MAC, host name and user name; salted with tool_name (HMAC) unless it is
   NULL, which gives the Go original's unsalted id. Returns 0 (always writes an id) or GTBT_E_INVALID. */
GTB_TELEMETRY_API int gtbt_machine_id(const char *tool_name, char out[17]);
/* gtbt_events_json: the events as a compact JSON array (the HTTP/file wire format).
   Return value: NUL-terminated text to free with gtbt_free (*len, when len is not NULL, excludes
   the NUL); NULL when out of memory. */
GTB_TELEMETRY_API char *gtbt_events_json(const gtbt_event *ev, size_t n, size_t *len);
/* gtbt_redact: the redaction rules (credentials in URLs, query strings, headers, JWTs, provider
   tokens, long opaque tokens). Like snprintf: writes at most cap-1 bytes + NUL, returns the full
   length without the NUL; out may be NULL when cap is 0. */
GTB_TELEMETRY_API size_t gtbt_redact(const char *in, char *out, size_t cap);
/* gtbt_now_ms: monotonic milliseconds (the clock of every deadline_ms). */
GTB_TELEMETRY_API int64_t gtbt_now_ms(void);
/* gtbt_free: frees memory returned by the library (gtbt_events_json). */
GTB_TELEMETRY_API void gtbt_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* GTB_TELEMETRY_H_INCLUDED */

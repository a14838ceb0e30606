/* gtb_telemetry.h - v0.1.0 - opt-in, privacy-first usage telemetry for command-line tools in C.
   No warranty implied; use at your own risk. MIT license at the end of this file.

   Do this:
       #define GTB_TELEMETRY_IMPLEMENTATION
   before you include this file in *one* C or C++ file, as the FIRST include of that file (the
   implementation selects POSIX features with _POSIX_C_SOURCE, which must precede every system
   header). Every other file includes it without the define. Link with BearSSL and threads:
       cc -std=c99 mytool.c -lbearssl -lpthread
   or define GTB_TELEMETRY_NO_TLS (no https://, no BearSSL) and GTB_TELEMETRY_NO_THREADS.

   QUICK START
   ===========
       #define GTB_TELEMETRY_IMPLEMENTATION
       #include "gtb_telemetry.h"

       int main(int argc, char **argv) {
           gtbt_desc desc = {0};
           gtbt_collector *t;
           int64_t start = gtbt_now_ms();
           int rc = 0;
           desc.tool_name = "mytool";
           desc.version = "1.2.3";
           desc.endpoint = "https://telemetry.example.com/events";
           if (argc > 1 && !strcmp(argv[1], "telemetry")) {     // mytool telemetry enable|...
               t = gtbt_new(&desc);
               rc = gtbt_cli(t, argc - 2, (const char *const *)argv + 2, stdout);
               gtbt_close(t);
               return rc;
           }
           gtbt_prompt(&desc, stdin, stdout);     // first run, on a terminal: ask (default No)
           t = gtbt_new(&desc);                   // inert unless the user said yes
           // ... the command's work ...
           gtbt_track_command(t, argc > 1 ? argv[1] : "help", gtbt_now_ms() - start, rc, NULL, 0);
           gtbt_close(t);                         // at most 2 s, whatever the network does
           return rc;
       }

   TABLE OF CONTENTS
   =================
       Configuration macros           Backends and wire formats
       Concepts                       HTTP, TLS and proxies
       Consent and the end user       Memory
       Events and privacy             Errors and logging
       Delivery: buffer, spill,       Thread safety
         flush, back-off              Platform notes
       Files the library writes       Limits

   CONFIGURATION MACROS
   ====================
       GTB_TELEMETRY_IMPLEMENTATION   compile the implementation in this file
       GTB_TELEMETRY_STATIC           make every function static (private to one file)
       GTB_TELEMETRY_NO_TLS           no BearSSL: https:// endpoints are refused (GTBT_E_UNSUPPORTED
                                      at construction), never downgraded to http://
       GTB_TELEMETRY_NO_THREADS       no mutex (single-threaded tools); the DNS look-up is then
                                      bounded only by the system resolver's own timeouts
       GTB_TELEMETRY_MALLOC(sz)       allocator: define all three or none
       GTB_TELEMETRY_REALLOC(p, sz)     (default malloc/realloc/free)
       GTB_TELEMETRY_FREE(p)
       GTB_TELEMETRY_MAX_BUFFER       events kept in memory before a spill to disk (default 1000)
       GTB_TELEMETRY_API              decoration of every public function (default extern)

   CONCEPTS
   ========
   A *collector* (gtbt_new) records *events* for one tool run and hands them in batches to one
   *backend*: a local file, stdout, your own code, or a network backend (your HTTP endpoint, an
   OpenTelemetry collector over OTLP/HTTP, Datadog, PostHog). Nothing is recorded unless the end
   user opted in. Events wait in a bounded buffer; gtbt_close (or gtbt_flush) delivers them inside
   one deadline (flush_timeout_ms, default 2000 ms) that covers DNS, connect, TLS, write and read.
   What is not delivered in time is kept on disk ("spilled") and sent by a later run.

   CONSENT AND THE END USER
   ========================
   The first rule that decides wins (gtbt_consent.decided_by names it):
       1. gtbt_desc.force_enabled                 on (organisation policy; "disable" refuses)
       2. DO_NOT_TRACK=<true>                      off
       3. <TOOL>_TELEMETRY_ENABLED=<bool>          TOOL = tool name upper-cased, others as '_'
       4. TELEMETRY_ENABLED=<bool>                 the Go original's variable
       5. "enabled" in <config_dir>/telemetry.conf the user's choice (enable/disable/prompt)
       6. default                                  off
   Booleans: 1 t true yes on / 0 f false no off, any case; any other value of a variable that is
   present means false. <TOOL>_TELEMETRY_LOCAL / TELEMETRY_LOCAL / "local_only" in the file keep
   events in <data_dir>/telemetry.log instead of sending them (this beats every backend, custom
   ones too). <TOOL>_TELEMETRY_DEBUG / TELEMETRY_DEBUG print events to stderr and send nothing.

   gtbt_cli implements "mytool telemetry enable|disable|status|reset|help":
       enable   saves enabled = true
       disable  saves enabled = false, discards the buffer and spill files at once; nothing is
                sent after it, not even the disable itself
       status   the resolved state and the rule that decided it, machine id, backend, config
                file, data dir, pending events, back-off
       reset    discards local data, sends a deletion request (gtbt_desc.deletion; else HTTP
                POST {"machine_id":…} to gtbt_desc.endpoint; else a "data.deletion_request"
                event through the network backend) and reports its real outcome, then disables
   gtbt_prompt asks the first-run question only on a terminal, never when CI is set (to anything
   but a false value), never when a rule already decided; the default answer is No.

   EVENTS AND PRIVACY
   ==================
   Each event carries: time, a random uuid (kept across retries, for de-duplication), type,
   name, the machine id, tool name and version, OS and architecture (Go's names), OS version,
   compiler and version, duration and exit code, and the metadata you pass. With
   extended_collection, also the command's arguments and error text.
   The machine id is the first 8 bytes of HMAC-SHA-256(tool name, "<OS machine id>:<first MAC>:
   <host name>:<user name>"), in hex: stable for a user on a machine, different per tool, and it
   reveals none of its inputs. gtbt_machine_id(NULL, …) gives the Go original's unsalted id.
   Never collected: IP addresses (the library sends none; PostHog is told $geoip_disable),
   file contents, environment variables, arguments unless extended_collection is on.
   Every metadata value, argument and error text is redacted before it is stored: credentials
   in URLs, key=value secrets, Authorization headers, AWS secrets, JSON secrets, JWTs, provider
   tokens (sk-, ghp_, github_pat_, glpat-, xox?-, AIza, AKIA, …) and opaque tokens of 41+
   characters (gtbt_redact shows the result).

   DELIVERY: BUFFER, SPILL, FLUSH, BACK-OFF
   ========================================
   gtbt_track* copy the event into the buffer and return; they never touch the network. When the
   buffer holds GTB_TELEMETRY_MAX_BUFFER events they are written to a spill file (at most 1 MiB
   each, written to a temporary name and renamed, so a crash never leaves half a file). At most
   10 spill files are kept; older ones are discarded with a WARN. Without a usable data dir the
   oldest events are dropped instead (the buffer stays bounded).
   gtbt_flush/gtbt_close send the spill files (oldest first), then the buffer. A process claims a
   spill file by renaming it before sending it, so tools running at once never send a file twice;
   claims of processes that died are recovered. Delivery is at-least-once by default: an event
   leaves the disk only when the backend acknowledged it (2xx) or rejected it for good (other
   4xx, 3xx: dropped with a WARN, never retried forever). GTBT_AT_MOST_ONCE drops on any failure.
   Retryable: network errors, timeouts, TLS failures, 408 429 500 502 503 504 (OTLP: 429 502 503
   504). A Retry-After, or a second failure in a row (30 s doubling up to 1 h), starts a back-off
   kept in the data dir: later runs do not contact that backend until it ends.

   FILES THE LIBRARY WRITES (all 0600, directories 0700, never following a symbolic link)
   ==========================
       <config_dir>/telemetry.conf                 enabled = true|false (comments, keys kept)
       <data_dir>/telemetry-spill-*.ndjson         events waiting to be sent
       <data_dir>/telemetry-backoff-<id>           back-off of one backend
       <data_dir>/telemetry.log                    local-only mode: the events, one per line
   config_dir: $XDG_CONFIG_HOME/<tool> or ~/.config/<tool> (macOS: ~/Library/Application
   Support/<tool>). data_dir: $XDG_STATE_HOME/<tool> or ~/.local/state/<tool> (macOS: as
   config_dir). Never a shared temporary directory. A disabled collector touches no file.

   BACKENDS AND WIRE FORMATS
   =========================
       gtbt_http_backend     POST the JSON array of gtbt_events_json to your endpoint
       gtbt_otlp_backend     POST OTLP/HTTP JSON logs to <endpoint>/v1/logs (one log record an
                             event; attributes event.name, event.type, event.id, tool.name, …)
       gtbt_datadog_backend  POST to the region's logs intake with DD-API-KEY, ≤ 1000 entries and
                             5 MB a request; spilled events older than 18 h are dropped
       gtbt_posthog_backend  POST a batch to PostHog's capture endpoint (US, EU or self-hosted)
       gtbt_file_backend     append NDJSON to a file
       gtbt_stdout_backend   a pretty JSON array per batch
       gtbt_noop_backend     accept and discard
   Your own: fill a gtbt_backend with send() (see its declaration) and pass it as
   gtbt_desc.backend. send() returns 0, GTBT_E_HTTP_REJECT (drop), or another result (retry).

   HTTP, TLS AND PROXIES
   =====================
   An own HTTP/1.1 client over the platform's sockets: the system resolver (bounded by the
   deadline), IPv4 and IPv6, "Connection: close", Content-Length or chunked answers of which at
   most 1 MiB is read, no redirects (a 3xx is a permanent rejection). https:// uses BearSSL with
   certificate and host name verification always on; trust anchors from net.ca_file, else
   $SSL_CERT_FILE, else the first system bundle found, parsed once per process (or compiled in:
   net.trust_anchors). A verification failure is GTBT_E_TLS and nothing is sent. Proxies:
   net.proxy, else HTTPS_PROXY/HTTP_PROXY with NO_PROXY (loopback is never proxied from the
   environment), always through CONNECT. Only the configured endpoint is ever contacted.

   MEMORY
   ======
   About 1 KiB per buffered event with small metadata; at most GTB_TELEMETRY_MAX_BUFFER events
   in memory. Strings you pass are copied; the library keeps no pointer into your memory except
   the FILE * of gtbt_stdout_backend and the backend borrowed by gtbt_event_deletion. gtbt_desc is
   copied by gtbt_new (a temporary is fine).

   ERRORS AND LOGGING
   ==================
   Functions return GTBT_OK (0) or a negative gtbt_result; gtbt_strerror describes it. Tracking
   never fails visibly. Diagnostics go to gtbt_desc.log (silent by default), each naming what to
   change; the library prints only through the FILE * you give gtbt_cli and gtbt_prompt.

   THREAD SAFETY
   =============
   gtbt_track*, gtbt_flush and gtbt_drop may be called from any thread. gtbt_close and gtbt_cli
   must not run concurrently with other calls on the same collector. Flushes are serialised, so
   a backend's send() is never called twice at once by one collector.

   PLATFORM NOTES
   ==============
   Linux, the BSDs and macOS (POSIX sockets). The OS machine id is /etc/machine-id on Linux.
   Windows is not supported yet. Writes use MSG_NOSIGNAL, so a server that resets the connection
   never raises SIGPIPE in your tool.

   LIMITS
   ======
   Event name 256 bytes, metadata key 128, value 4096, 64 pairs, 64 arguments of 4096 bytes,
   error 4096: longer input is cut on a UTF-8 boundary. Tool name 1-40 characters of
   [A-Za-z0-9._-]. Spill file 1 MiB written, 4 MiB read; 10 spill files. HTTP response headers
   16 KiB, body 1 MiB. Retry-After at most 24 h. Consent file 64 KiB.
*/

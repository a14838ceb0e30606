/* gtb_telemetry.h - v0.1.0 - opt-in, privacy-first usage telemetry for command-line tools in C.
   No warranty implied; use at your own risk. MIT license at the end of this file.

   Do this:
       #define GTB_TELEMETRY_IMPLEMENTATION
   before you include this file in *one* C or C++ file, as the FIRST include of that file (the
   implementation selects POSIX features with _POSIX_C_SOURCE, which must precede every system
   header). Every other file includes it without the define. Link with BearSSL and threads:
       cc -std=c99 mytool.c -lbearssl -lpthread
   or, for a binary you ship, with BearSSL's static archive (see Start-up below):
       cc -std=c99 mytool.c "$(cc -print-file-name=libbearssl.a)" -lpthread
   or define GTB_TELEMETRY_NO_TLS (no https://, no BearSSL) and GTB_TELEMETRY_NO_THREADS.
   Windows (mingw-w64; MSVC picks the system libraries up from #pragma comment(lib)):
       x86_64-w64-mingw32-gcc -std=c99 mytool.c -lbearssl -lws2_32 -liphlpapi -lbcrypt
           -lcrypt32 -ladvapi32 -lshell32 -lole32
   Small binaries: what the library adds to a stripped hello-world (gcc 12, x86_64 Linux; without
   TLS / with BearSSL linked statically) is 165 / 261 KiB at -O2; -Os saves 44 KiB; then
   -ffunction-sections -fdata-sections -Wl,--gc-sections 28 KiB more (the CLI, the prompt,
   the Datadog and PostHog backends and the deletion requestors stay out unless called); then
   -fno-asynchronous-unwind-tables 12 KiB more: 81 / 177 KiB with all four (of which code and
   read-only data, the text column of size(1): 86 / 178 KiB); with BearSSL itself built with
   the same four flags, 157 KiB with TLS. BearSSL brings only the client profile's code (ECDHE,
   RSA/ECDSA verification, AES-GCM, ChaCha20-Poly1305, SHA-256/384); GTB_TELEMETRY_NO_TLS leaves
   it out.
   Start-up: a shared libbearssl built with immediate binding (-z now, as Debian and Ubuntu build
   it) costs every run of the tool about 0.29 M instructions in the dynamic loader, https used or
   not; BearSSL linked statically (libbearssl.a) costs nothing at start, and the end user's
   machine then needs no BearSSL installed.

   QUICK START
   ===========
       // copy gtb_telemetry.h next to mytool.c; build: cc -std=c99 mytool.c -o mytool -lbearssl -lpthread
       #define GTB_TELEMETRY_IMPLEMENTATION
       #include "gtb_telemetry.h"
       #include <string.h>

       // Only names the tool knows are recorded: what was typed can be a path or a token.
       static const char *command_name(const char *typed) {
           static const char *const known[] = {"build", "deploy", "help"};
           size_t i;
           for (i = 0; typed && i < sizeof known / sizeof known[0]; i++)
               if (!strcmp(typed, known[i])) return known[i];
           return "unknown";
       }

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
           gtbt_track_command(t, command_name(argc > 1 ? argv[1] : "help"), gtbt_now_ms() - start, rc, NULL, 0);
           gtbt_close(t);                         // at once on a terminal; else at most 2 s
           return rc;
       }

   TABLE OF CONTENTS
   =================
       Configuration macros           Backends and wire formats
       API at a glance                HTTP, TLS and proxies
       Concepts                       Memory
       Consent and the end user       Errors and logging
       Events and privacy             Thread safety
       Delivery: buffer, spill,       Platform notes
         flush, back-off              Limits
       Files the library writes

   CONFIGURATION MACROS
   ====================
       GTB_TELEMETRY_IMPLEMENTATION   compile the implementation in this file
       GTB_TELEMETRY_STATIC           make every function static (private to one file)
       GTB_TELEMETRY_NO_TLS           no BearSSL: https:// endpoints are refused (GTBT_E_UNSUPPORTED
                                      at construction), never downgraded to http://; a collector
                                      with an https:// endpoint keeps its events on disk and
                                      gtbt_flush/gtbt_close return GTBT_E_UNSUPPORTED
       GTB_TELEMETRY_NO_THREADS       no mutex (single-threaded tools); the DNS look-up is then
                                      bounded only by the system resolver's own timeouts
       GTB_TELEMETRY_MALLOC(sz)       allocator: define all three or none
       GTB_TELEMETRY_REALLOC(p, sz)     (default malloc/realloc/free)
       GTB_TELEMETRY_FREE(p)
       GTB_TELEMETRY_MAX_BUFFER       events kept in memory before a spill to disk (default 1000)
       GTB_TELEMETRY_API              decoration of every public function (default extern)

   API AT A GLANCE (each function is documented where it is declared, below)
   ===============
   The collector        gtbt_new, gtbt_enabled, gtbt_backend_info, gtbt_collector_machine_id,
                        gtbt_track, gtbt_track_command, gtbt_track_command_ext, gtbt_flush,
                        gtbt_drop, gtbt_close
   Consent, end user    gtbt_consent_resolve, gtbt_consent_set, gtbt_cli, gtbt_prompt
   Backends             gtbt_http_backend, gtbt_otlp_backend, gtbt_datadog_backend,
                        gtbt_posthog_backend, gtbt_file_backend, gtbt_stdout_backend,
                        gtbt_noop_backend, gtbt_backend_destroy, gtbt_datadog_region_from_name,
                        gtbt_posthog_instance_from_name
   Deletion requests    gtbt_http_deletion, gtbt_email_deletion, gtbt_event_deletion,
                        gtbt_deletion_destroy, gtbt_mailto_url
   Building blocks      gtbt_machine_id, gtbt_events_json, gtbt_redact, gtbt_now_ms, gtbt_free,
                        gtbt_strerror, gtbt_event_type_name, gtbt_log_item_name

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
       2. DO_NOT_TRACK=<anything but "", 0, false> off (an opt-out fails safe)
       3. <TOOL>_TELEMETRY_ENABLED=<bool>          TOOL = tool name upper-cased, others as '_'
       4. TELEMETRY_ENABLED=<bool>                 the Go original's variable
       5. "enabled" in <config_dir>/telemetry.conf the user's choice (enable/disable/prompt)
       6. default                                  off
   Booleans: 1 t true yes on / 0 f false no off, any case; any other value of a variable that is
   present means false. <TOOL>_TELEMETRY_LOCAL / TELEMETRY_LOCAL / "local_only" in the file (else
   gtbt_desc.local_only, the tool's default) keep events in <data_dir>/telemetry.log instead of
   sending them (this beats every backend, custom ones too). <TOOL>_TELEMETRY_DEBUG /
   TELEMETRY_DEBUG print to stderr the exact request the backend would send (keys masked) and
   send nothing. Neither debug mode nor a user's local-only choice consumes the spill files of
   earlier runs: they wait for the real backend (a tool that is local-only by design,
   gtbt_desc.local_only, writes them to its log).
   <TOOL>_TELEMETRY_DETACH / TELEMETRY_DETACH: true makes gtbt_close always detach, false always
   deliver inline (for debugging; it overrides gtbt_desc.detach, see DELIVERY).

   gtbt_cli implements "mytool telemetry enable|disable|status|show|reset|help":
       enable   saves enabled = true and says what is collected, the pseudonymous id included
       disable  saves enabled = false, stops a background sender, discards the buffer, the spill
                files and the delivery record at once; nothing is sent after it, not even the
                disable itself
       status   in plain words: on or off and the rule that decided it, where events go (a host,
                this machine only, or "nowhere: <reason and fix>", the reason given by
                gtbt_desc.no_backend_reason when the tool has none), what is collected, the id,
                the config file and data dir, "N events waiting to be sent", a back-off as local
                time and "in N minutes", a background sender at work. Creates no file or
                directory.
       show     the exact request the next delivery would send for the events waiting (or, while
                telemetry is off or nothing waits, for a sample event of this tool on this
                machine), API keys and header values masked; then the last deliveries from
                <data_dir>/telemetry-sent.ndjson. Changes nothing.
       reset    discards local data, asks for deletion (gtbt_desc.deletion; else HTTP POST
                {"machine_id":...} to gtbt_desc.endpoint; else a "data.deletion_request" event,
                carrying tool name, version, OS and architecture, through the network backend),
                reports per mechanism what really happened (the endpoint answered 2xx; an event
                was delivered for the service's owner to act on; an e-mail was prepared; nothing
                was needed; nothing was possible) with the underlying error, then disables
       <command> --help | -h | help, and "help <command>": that command's help; nothing changes.
       An unknown command or an extra argument: a usage error on stderr, exit code 2, nothing
       changes.
   gtbt_prompt asks the first-run question only on a terminal, never when CI is set (to anything
   but a false value), never when a rule already decided; the default answer is No. An unclear
   answer is asked again once, then taken as No; the saved choice is confirmed in one line;
   Ctrl-D (end of input) saves nothing and ends the line.

   EVENTS AND PRIVACY
   ==================
   Each event carries: time, a random uuid (kept across retries, for de-duplication), type,
   name, the machine id, tool name and version, OS and architecture (Go's names), OS version,
   compiler and version, duration and exit code, and the metadata you pass. With
   extended_collection, also the command's arguments and error text.
   The machine id is the first 8 bytes of HMAC-SHA-256(tool name, "<OS machine id>:<first MAC>:
   <host name>:<user name>"), in hex: stable for a user on a machine, different per tool, and it
   reveals none of its inputs. gtbt_machine_id(NULL, ...) gives the Go original's unsalted id;
   gtbt_desc.id_scheme = GTBT_ID_GO_COMPATIBLE sends it, so that a tool ported from Go keeps its
   users' ids (at the price of ids that every tool using that scheme shares).
   Event names are redacted like metadata values. Still, record only the names of your tool's
   commands, never what the user typed (argv[1] can be a file name, a token, an address):
   redaction catches secrets by their shape, and a customer's file name has none.
   Never collected: IP addresses (the library sends none; PostHog is told $geoip_disable),
   file contents, environment variables, arguments unless extended_collection is on.
   Every metadata value, argument and error text is redacted before it is stored (gtbt_redact
   shows the result): credentials in URLs (also passwords containing '@' or '!', and a token as URL
   user without password); values of keys whose name CONTAINS a secret word, as KEY=value,
   KEY: value (YAML, headers), "key": "value" (JSON), --flag value and -u user:pass (DB_PASSWORD=,
   PGPASSWORD=, GITHUB_TOKEN=, MY_API_KEY=, ?client_secret=, X-API-Key:, "clientSecret");
   Authorization (any scheme), Cookie and Set-Cookie values; PEM private key blocks, whole; JWTs;
   provider tokens in their documented formats (OpenAI, GitHub, GitLab, Slack, Google, AWS, npm,
   Stripe, SendGrid, Twilio, Mailgun, Discord, Vault, Terraform, Shopify, DigitalOcean, and more:
   see the README); opaque keys (41+ token characters, 32/40-digit hex, 32+ mixed-case base64).
   These pass unchanged: target triples, a commit hash inside a version string ("1.4.2+<hash>",
   "1.4.2 (<hash>)") or after commit/rev/sha/md5, UUIDs, paths, flags. A bare 32/40-hex word
   outside a version string is redacted (it cannot be told from an API key). The Go original's
   rules are a subset; the rules are applied until the text stops changing, so redacting twice
   changes nothing. An ordinary value costs one pass over its bytes and runs no rule.

   DELIVERY: BUFFER, SPILL, FLUSH, BACK-OFF
   ========================================
   gtbt_track* copy the event into the buffer and return; they never touch the network. An event
   that finds the buffer full (GTB_TELEMETRY_MAX_BUFFER events, or desc.max_buffer) first writes
   the buffered events to a spill file (at most 1 MiB
   each, written to a temporary name and renamed, so a crash never leaves half a file). Spilled
   events are capped at 10,000 events and 10 MiB, whichever comes first: beyond it the oldest
   events are dropped with a WARN (an offline user keeps events, not runs; a file that loses only
   some of its events is claimed, cut and written back, and a crash in between brings the events
   back rather than losing them; files are not merged: each run that could not deliver leaves
   its own). Without a usable data dir the oldest events are dropped instead
   (the buffer stays bounded).
   gtbt_flush/gtbt_close send the spill files (oldest first), then the buffer. A run without a
   backend (no endpoint configured, or one that is not valid), debug mode and a user's local-only
   choice leave the spill files of earlier runs alone: they wait for a run that can send them
   (within the cap above); such a run's own events go nowhere. A spill line that is
   exactly what this library writes goes out as it is where the backend's body is made of the
   lines (HTTP: joined into the JSON array; the file backend: appended): one bounded check per
   line, no parse and no second serialisation, the bytes an in-memory flush of the same events
   sends. Any other line (another version's, a hand edit, a damaged or hostile file) is parsed and
   written again, or skipped as corrupt with a WARN; OTLP, Datadog, PostHog and custom backends,
   which reshape each event, get every line parsed once. A process claims a
   spill file by renaming it before sending it, so tools running at once never send a file twice;
   claims of processes that died are recovered (a sender holds a lock on its claim while it
   sends, so a claim is recognised by the lock, not the PID: a tool that ran as PID 1 in a
   container, or processes of two containers sharing a volume, are told apart). Delivery is
   at-least-once by default: an event leaves the disk only when the backend acknowledged it (2xx)
   or rejected it for good (other 4xx, 3xx: dropped with a WARN, never retried forever).
   GTBT_AT_MOST_ONCE drops on any failure. Retryable: network errors, timeouts, TLS failures, 408, 429 and every 5xx (OTLP: its
   specification's 429 502 503 504; other OTLP statuses are rejections). A Retry-After, or a
   second failure in a row (30 s doubling up to 1 h), starts a back-off kept in the data dir:
   later runs do not contact that backend until it ends.
   The tool never waits (gtbt_desc.detach). With GTBT_DETACH_AUTO (the default) gtbt_close
   detaches when a person is waiting: on POSIX systems, standard output or standard error is a
   terminal and CI is not set (to anything but a false value). Scripts, pipes, containers, CI and
   Windows deliver inline as gtbt_flush does; so do local backends, debug mode and, under AUTO,
   custom backends (GTBT_DETACH_ALWAYS detaches those too). Detaching: with nothing to send (empty
   buffer, no spill file) or a back-off in force, gtbt_close returns at once and starts nothing.
   Otherwise it writes the buffer to a spill file first (durable; if that fails it delivers
   inline), then starts a sender: fork, setsid, fork again (no zombie is left), standard input,
   output and error on /dev/null, every other inherited descriptor closed (so "out=$(mytool)"
   and "mytool | head" end when the tool does), SIGPIPE ignored, the signal mask emptied and the
   tool's signal handlers reset. The sender replays the spill files by the path gtbt_flush uses,
   within flush_timeout_ms, lists them again before it exits (events another run spilled
   meanwhile) and _exits; gtbt_close returns GTBT_OK. One sender per data dir: a flock on
   <data_dir>/telemetry-sender.lock, held by the sender and gone with it, so a crashed or killed
   sender leaves no stale lock; a run that finds a sender at work leaves its events to it. A
   sender killed in the middle loses nothing: its claimed file is recovered and sent by a later
   run with the same uuids. status shows a sender at work; disable, reset and gtbt_drop stop it
   (SIGKILL, waiting up to 3 s) before they discard the files, and a sender checks consent
   again before each pass, so nothing is sent after a disable.

   FILES THE LIBRARY WRITES (all 0600, directories 0700, never following a symbolic link)
   ==========================
       <config_dir>/telemetry.conf                 enabled = true|false (comments, keys kept)
       <data_dir>/telemetry-spill-*.ndjson         events waiting to be sent
       <data_dir>/telemetry-backoff-<id>           back-off of one backend
       <data_dir>/telemetry-sender.lock            the background sender's lock (and its pid)
       <data_dir>/telemetry.log                    local-only mode: the events, one per line
       <data_dir>/telemetry-sent.ndjson            the last deliveries, for "telemetry show":
                                                   one line per acknowledged request, at most
                                                   256 KiB (oldest dropped); written only while
                                                   enabled, removed by disable and reset
   config_dir: $XDG_CONFIG_HOME/<tool> or ~/.config/<tool> (macOS: ~/Library/Application
   Support/<tool>; Windows: %APPDATA%\<tool>, the RoamingAppData known folder). data_dir:
   $XDG_STATE_HOME/<tool> or ~/.local/state/<tool> (macOS: as config_dir; Windows:
   %LOCALAPPDATA%\<tool>, the LocalAppData known folder). Never a shared temporary directory.
   A disabled collector touches no file. A config or data dir that is a symbolic link is refused
   (in a shared directory another user could point <dir>/<tool> at a victim's directory), and so
   is one below a directory that is neither ours nor root's, or that others may write to without
   the sticky bit. A path longer than GTBT__MAX_PATH less 128 bytes (room
   for the names inside) is refused with a WARN, never cut. A flush removes what the library
   leaves: temp files of processes that were killed, and back-off files of other endpoints older
   than any back-off lasts (a day); other files in the data dir do not hide spill files. The
   data dir is made when first written to (status and show create nothing); the home directory
   itself is never created. A config or data dir that others may write to is refused, and the
   message names it and the fix (chmod 700 <dir>), with one exception: the tool's own directory
   made group-writable by a umask of 002, owned by the user and holding only the user's files,
   is tightened to 0700 (the log says so).

   BACKENDS AND WIRE FORMATS
   =========================
       gtbt_http_backend     POST the JSON array of gtbt_events_json to your endpoint
       gtbt_otlp_backend     POST OTLP/HTTP JSON logs to <endpoint>/v1/logs (one log record an
                             event; attributes event.name, event.type, event.id, tool.name, ...)
       gtbt_datadog_backend  POST to the region's logs intake with DD-API-KEY, at most 1000 entries and
                             5 MB a request (when a later request of a split batch fails, the
                             whole batch is retried: receivers de-duplicate by event_id);
                             spilled events older than 18 h are dropped
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
   $SSL_CERT_FILE, else the first system bundle found (or compiled in: net.trust_anchors,
   generated by tools/gtbt-ta from a PEM file). A bundle is indexed by certificate subject once
   per process (its loading counts against the flush deadline); a handshake decodes only the
   anchors that can issue the server's chain; an entry that cannot be decoded is skipped and
   logged (CA_MALFORMED). The client offers TLS 1.2 only, ECDHE with an RSA or ECDSA certificate,
   AES-128/256-GCM or ChaCha20-Poly1305 (exactly the TLS 1.2 suites Datadog's intake accepts; the
   usual ones of any current HTTPS endpoint) and refuses: RSA keys under 2048 bits, SHA-1 (or MD5, SHA-224, SHA-512)
   signatures anywhere below the anchor (an anchor's own signature is never checked), and a
   server certificate with an extendedKeyUsage that lacks serverAuth. A verification failure is
   GTBT_E_TLS and nothing is sent. A name with several addresses is connected with Happy
   Eyeballs (RFC 8305, simplified): the families alternate, the next address is tried 250 ms
   after the previous attempt while that one is pending (at once when it failed), the first
   connection wins and the others are closed, all inside the deadline; a blackholed IPv6
   address costs 250 ms, not the budget. Proxies: net.proxy, else HTTPS_PROXY/HTTP_PROXY with
   NO_PROXY (loopback is never proxied from the environment), always through CONNECT. A proxy
   URL http://user:password@host:port (percent-encoded, at most 255 bytes) sends
   "Proxy-Authorization: Basic" on the CONNECT; the credentials are never logged nor shown by
   status. NO_PROXY entries: "*" (no proxy at all), host names (and their subdomains),
   ".domain", IP addresses, CIDR ranges ("10.0.0.0/8", "fd00::/8": they match IP-literal hosts;
   names are not resolved to be compared), each with an optional ":port". Only the configured
   endpoint is ever contacted.

   MEMORY
   ======
   About 1 KiB per buffered event with small metadata; at most GTB_TELEMETRY_MAX_BUFFER events
   in memory. Each event's strings sit in one block carved from 16 KiB slabs (one allocation per
   slab, freed with its last event; a larger event gets a slab of its own). Strings you pass are copied; the library keeps no pointer into your memory except
   the FILE * of gtbt_stdout_backend and the backend borrowed by gtbt_event_deletion. gtbt_desc is
   copied by gtbt_new (a temporary is fine).

   ERRORS AND LOGGING
   ==================
   Functions return GTBT_OK (0) or a negative gtbt_result; gtbt_strerror describes it. Tracking
   never fails visibly. Diagnostics go to gtbt_desc.log (silent by default), each naming what to
   change; the library prints only through the FILE * you give gtbt_cli and gtbt_prompt.
   log_level is the least severe level passed on; zero means GTBT_LOG_WARN, so a tool that sets
   only log gets warnings and errors. GTBT_LOG_INFO adds info lines, GTBT_LOG_ALL everything (as
   GTBT_LOG_DEBUG is zero, it means the default). Every line is one log item of GTBT_LOG_ITEMS
   (GTBT_LOGITEM_SPILL_CAP, ...), which lists each item's level and what to change: set
   log_item instead of log to receive the id too (gtbt_log_item_name spells it). The network
   backends log through gtbt_net_desc's log, log_item and log_level; the collector's backends
   inherit gtbt_desc's when net sets neither callback.

   THREAD SAFETY
   =============
   gtbt_track*, gtbt_flush and gtbt_drop may be called from any thread. gtbt_close and gtbt_cli
   must not run concurrently with other calls on the same collector, except that gtbt_cli's
   disable and reset may run while another thread is in gtbt_flush: they wait for that flush to
   end, then discard, so nothing is sent or kept after they print. Flushes are serialised, so
   a backend's send() is never called twice at once by one collector. The log callback may be
   called from any thread that calls the library (a spill warning from a tracking thread while
   another thread flushes): make it thread-safe, or log from one thread only.
   Detached delivery forks the calling thread. The rules for multi-threaded tools:
     - call gtbt_close after the other threads stopped using this collector (as always);
     - the sender (the forked process) runs only library code and the backend's send(): it takes
       no lock another thread may have held at the fork (the collector's locks and the library's
       one global lock are held by the closing thread across the fork and released in the
       child), and it never calls the log callbacks (they may take the tool's locks);
     - what it does need from the C library must work in a forked child: malloc (glibc resets
       its locks at fork; with another C library, check that yours does) and getaddrinfo (run
       in a helper thread bounded by the deadline, so a resolver that hangs costs the budget,
       never more: an alarm ends the sender a few seconds after its budget at the latest);
     - custom backends are delivered inline under AUTO (their send() may take the tool's locks
       or rely on its threads); GTBT_DETACH_ALWAYS detaches them too, so choose it only for a
       send() that works in a forked child;
     - a GTB_TELEMETRY_MALLOC allocator must be usable in a forked child; if yours is not,
       choose GTBT_DETACH_NEVER.

   PLATFORM NOTES
   ==============
   Linux, the BSDs and macOS (POSIX sockets). The OS machine id is /etc/machine-id on Linux and
   the hardware UUID on macOS; the BSDs use the other signals only. os_version is the kernel
   release on Linux and, as in the Go original, the OS name ("darwin", "freebsd") elsewhere.
   macOS: the Go original runs `ioreg -rd1 -c IOPlatformExpertDevice` and takes IOPlatformUUID;
   this library calls gethostuuid() instead (no child process), which the kernel answers from
   the same IOPlatformUUID property of the platform expert (XNU's IOBSDGetPlatformUUID), and
   prints it the way ioreg does (upper-case 8-4-4-4-12). That equality was established by
   reading the kernel source; CI compiles and links for x86_64 and arm64 macOS but cannot run
   there. A sandboxed process that may not call gethostuuid gets an empty OS id (the other
   signals still make an id). 32-bit builds use 64-bit file offsets, inode numbers and time_t
   (_FILE_OFFSET_BITS and _TIME_BITS are set by the implementation). CI builds and runs the
   tests on Linux x86_64 and i686, and compiles and links for macOS; the BSD branch is not
   compiled by CI (no headers on Linux). Writes use MSG_NOSIGNAL, so a server that resets the
   connection never raises SIGPIPE in your tool.
   Windows (x86_64; Windows 8 or later): Winsock (started once, never cleaned up, so the tool's
   own Winsock use is unaffected), paths are UTF-8 and go to the W APIs as UTF-16 (a profile path
   with non-ASCII letters works; paths longer than MAX_PATH get the \\?\ prefix), files
   are binary, replaced with MoveFileExW(REPLACE_EXISTING | WRITE_THROUGH) after
   FlushFileBuffers and opened by readers with FILE_SHARE_DELETE; a replace that another
   process (a scanner, an indexer) blocks is retried for 100 ms. Reparse points (junctions,
   symbolic links) are refused where POSIX refuses symbolic links. The directories are not
   checked for owner and mode as on POSIX: they inherit the per-user ACL of the known folder.
   The OS machine id is MachineGuid (HKLM\SOFTWARE\Microsoft\Cryptography, 64-bit view), the MAC
   the first non-loopback adapter of GetAdaptersAddresses, the user DOMAIN\user, os_version
   "windows", all as the Go original. Without a CA file, trust anchors come from the ROOT
   certificate store. Connects are waited with select(), which reports a failed connect on
   every Windows version (WSAPoll did not before Windows 10 2004). Delivery is inline within the
   flush deadline (detached delivery needs fork, setsid and flock: POSIX only). Environment
   variables are read as UTF-16 and handed on as UTF-8, so an SSL_CERT_FILE with non-ASCII
   letters works. CI builds Windows with mingw-w64 and runs its test program under wine; MSVC
   builds, NTFS ACLs and a real console are not tested there.

   LIMITS
   ======
   Event name 256 bytes, metadata key 128, value 4096, 64 pairs, 64 arguments of 4096 bytes,
   error 4096: longer input is cut on a UTF-8 boundary. Tool name 1-40 characters of
   [A-Za-z0-9._-]. Spill file 1 MiB written, 4 MiB read; 10,000 spilled events or 10 MiB. Proxy
   credentials 255 bytes. HTTP response headers
   16 KiB, body 1 MiB. Retry-After at most 24 h. Consent file 64 KiB.
*/
#if defined(GTB_TELEMETRY_IMPLEMENTATION) && !defined(GTB_TELEMETRY_IMPLEMENTATION_INCLUDED) && defined(_WIN32)
  /* Windows 8 API level (GetSystemTimePreciseAsFileTime); mingw's C99 printf family, so %zu and
     %lld mean what they mean elsewhere; no min/max macros and a lean windows.h. */
  #if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0602
    #undef _WIN32_WINNT
    #define _WIN32_WINNT 0x0602
  #endif
  #if defined(__MINGW32__) && !defined(__USE_MINGW_ANSI_STDIO)
    #define __USE_MINGW_ANSI_STDIO 1
  #endif
  #ifndef WIN32_LEAN_AND_MEAN
    #define WIN32_LEAN_AND_MEAN 1
  #endif
  #ifndef NOMINMAX
    #define NOMINMAX 1
  #endif
#endif
#if defined(GTB_TELEMETRY_IMPLEMENTATION) && !defined(GTB_TELEMETRY_IMPLEMENTATION_INCLUDED) && !defined(_WIN32)
  #ifndef _POSIX_C_SOURCE
    #define _POSIX_C_SOURCE 200809L
  #endif
  #ifndef _DEFAULT_SOURCE
    #define _DEFAULT_SOURCE 1
  #endif
  /* 64-bit off_t, ino_t and time_t on 32-bit glibc: without them lstat fails with EOVERFLOW on
     file systems with 64-bit inode numbers, and times end in 2038. 64-bit systems (LP64) have
     them already; there the switch would only rename the imports (open64, fcntl64, ...). */
  #if !defined(__LP64__) && !defined(_LP64)
    #ifndef _FILE_OFFSET_BITS
      #define _FILE_OFFSET_BITS 64
    #endif
    #ifndef _TIME_BITS
      #define _TIME_BITS 64
    #endif
  #endif
  #if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
    #define _DARWIN_C_SOURCE 1   /* gethostuuid, getifaddrs' AF_LINK */
  #endif
  /* The BSDs hide AF_LINK, sockaddr_dl and IFF_LOOPBACK once _POSIX_C_SOURCE is defined, unless
     their own visibility switch is on. */
  #if (defined(__FreeBSD__) || defined(__DragonFly__)) && !defined(__BSD_VISIBLE)
    #define __BSD_VISIBLE 1
  #endif
  #if defined(__NetBSD__) && !defined(_NETBSD_SOURCE)
    #define _NETBSD_SOURCE 1
  #endif
  #if defined(__OpenBSD__) && !defined(_BSD_SOURCE)
    #define _BSD_SOURCE 1
  #endif
#endif
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

/* ---- logging -------------------------------------------------------------------------------
   A callback receives the levels DEBUG..ERROR. As the log_level of a desc (the least severe level
   passed on), zero means the default GTBT_LOG_WARN: a tool that sets only log gets warnings and
   errors. GTBT_LOG_DEBUG is that same zero, so ask for everything with GTBT_LOG_ALL. */
typedef enum gtbt_log_level { GTBT_LOG_ALL = -1, GTBT_LOG_DEBUG = 0, GTBT_LOG_INFO, GTBT_LOG_WARN, GTBT_LOG_ERROR } gtbt_log_level;
/* message is one line without a trailing newline, valid only during the call. */
typedef void (*gtbt_log_fn)(void *user, gtbt_log_level level, const char *message);

/* Every line the library logs is one of these items: X(id, level, what it means and what to
   change). The enum gtbt_log_item holds GTBT_LOGITEM_<id>; a new message is one line here and a
   call. Ids are stable names for tests and filters; the message adds the details (host, file). */
#define GTBT_LOG_ITEMS(X) \
    X(RESOLVE_NO_TIME, WARN, "the deadline passed before the host name was resolved: raise flush_timeout_ms") \
    X(RESOLVER_THREAD, WARN, "no thread for the bounded name look-up (out of resources): retried next flush") \
    X(RESOLVE_TIMEOUT, WARN, "the name look-up timed out: check DNS or raise net.timeout_ms") \
    X(RESOLVE_FAILED, WARN, "the endpoint's host name does not resolve: check the endpoint URL or DNS") \
    X(CONNECT_TIMEOUT, WARN, "connecting timed out: check the endpoint, proxy and firewall") \
    X(CONNECT_FAILED, WARN, "the connection was refused or unreachable: check the endpoint's host and port") \
    X(SOCKET_SEND_TIMEOUT, WARN, "writing the request timed out: the server or network is slow") \
    X(SOCKET_SEND_FAILED, WARN, "writing the request failed: the server closed or reset the connection") \
    X(SOCKET_RECV_TIMEOUT, WARN, "waiting for the answer timed out: the server is slow; raise net.timeout_ms") \
    X(SOCKET_RECV_FAILED, WARN, "reading the answer failed: the server closed or reset the connection") \
    X(CA_UNREADABLE, WARN, "the CA bundle cannot be read: fix net.ca_file or SSL_CERT_FILE") \
    X(CA_MALFORMED, WARN, "CA bundle entries that cannot be decoded were skipped; the others are used: fix the file") \
    X(CA_TOO_MANY, WARN, "the CA bundle has more than 2048 certificates; the rest are ignored: use a smaller bundle") \
    X(CA_LOAD_TIMEOUT, WARN, "loading the CA bundle ran past the flush deadline: use a smaller bundle or raise flush_timeout_ms") \
    X(CA_EMPTY, WARN, "the CA bundle holds no usable certificate: fix net.ca_file or SSL_CERT_FILE") \
    X(CA_NOT_FOUND, WARN, "no CA bundle found: set net.ca_file, SSL_CERT_FILE or net.trust_anchors") \
    X(TLS_NOT_SERVER_CERT, WARN, "the server's certificate is not for TLS servers (extendedKeyUsage without serverAuth): fix it") \
    X(TLS_IP_NOT_IN_CERT, WARN, "the endpoint is an IP address its certificate does not list: use the host name") \
    X(TLS_FAILED, WARN, "TLS failed (certificate not trusted, expired, wrong host): fix the server or the trust anchors") \
    X(EARLY_RESPONSE, WARN, "the server answered before the request was complete: check the endpoint") \
    X(TLS_HANDSHAKE_CLOSED, WARN, "the server closed the connection during the TLS handshake: is it an https endpoint?") \
    X(TLS_CLOSED_SENDING, WARN, "the server closed the TLS connection while the request was sent") \
    X(TLS_NOT_BUILT, WARN, "https:// needs TLS, which GTB_TELEMETRY_NO_TLS left out: build with BearSSL") \
    X(BODY_CLOSED, WARN, "the server closed the connection in the middle of the answer's body") \
    X(BODY_CHUNKED_MALFORMED, WARN, "the answer's chunked body is malformed: check the server or proxy") \
    X(HEAD_TOO_LARGE, WARN, "the answer's header exceeds 16 KiB: check the endpoint") \
    X(HEAD_CLOSED, WARN, "the server closed the connection before a complete answer") \
    X(HEAD_MALFORMED, WARN, "the answer is not HTTP/1.x: check that the endpoint is an HTTP server") \
    X(HTTP_UNEXPECTED, WARN, "the server sent an interim answer other than 100 Continue") \
    X(PROXY_INVALID, WARN, "the proxy is not a valid http://[user:password@]host:port URL: fix net.proxy or the proxy variables") \
    X(PROXY_CREDENTIALS_INVALID, WARN, "the proxy URL's user:password@ is malformed (percent-encode it) or too long") \
    X(PROXY_HTTPS, WARN, "https:// proxies are not supported: use an http:// proxy") \
    X(PROXY_CONNECT_MALFORMED, WARN, "the proxy's answer to CONNECT is malformed: check the proxy") \
    X(PROXY_CONNECT_REFUSED, WARN, "the proxy refused the CONNECT tunnel: check its rules (407: user:password@ in the proxy URL)") \
    X(PROXY_CONNECT_EXTRA, WARN, "the proxy sent data after accepting CONNECT: check the proxy") \
    X(HEADER_INVALID, WARN, "an extra header has an invalid name or value: fix net.headers") \
    X(HEADER_RESERVED, WARN, "an extra header is one the HTTP client sets itself: remove it from net.headers") \
    X(ENDPOINT_INVALID, WARN, "the request URL is invalid: fix the endpoint") \
    X(REQUEST_INVALID, WARN, "the request (body, User-Agent or Content-Type) is invalid: a custom backend's input") \
    X(HTTP_POSTED, DEBUG, "a POST finished: status and body size") \
    X(URL_INVALID, WARN, "a URL is invalid (want http:// or https://, a host, no credentials): fix it") \
    X(URL_NEEDS_TLS, WARN, "an https URL in a GTB_TELEMETRY_NO_TLS build: build with BearSSL or use http://") \
    X(POST_FAILED, DEBUG, "a POST failed before an answer (network, TLS, deadline): retried later") \
    X(HTTP_REDIRECT, WARN, "the endpoint answered a redirect, which is not followed: fix the endpoint URL") \
    X(HTTP_REFUSED, DEBUG, "the endpoint answered a status other than 2xx") \
    X(OTLP_ENDPOINT_INVALID, WARN, "the OTLP endpoint is not a base URL such as https://collector:4318: fix it") \
    X(OTLP_HEADER_CREDENTIALS, DEBUG, "an OTLP header looks like a credential on plain http: use https") \
    X(DATADOG_NO_KEY, WARN, "the Datadog backend needs gtbt_datadog_desc.api_key") \
    X(POSTHOG_NO_KEY, WARN, "the PostHog backend needs gtbt_posthog_desc.project_key") \
    X(KEY_INVALID, WARN, "an API key has a control character inside: the backend is not built; fix the key") \
    X(VERSION_CLEANED, WARN, "gtbt_desc.version had control characters (a newline read from a file?): cleaned") \
    X(TRACK_NOMEM, WARN, "out of memory: the event was not recorded") \
    X(METADATA_DROPPED, DEBUG, "more metadata pairs than the limit: the rest were dropped") \
    X(SPILL_RECOVERED, INFO, "a spill file claimed by a process that died was taken back") \
    X(SPILL_CAP, WARN, "spilled events passed 10,000 or 10 MiB: the oldest un-sent events were discarded") \
    X(SENDER_SPAWN_FAILED, WARN, "no background sender could be started: gtbt_close delivered inline") \
    X(SENDER_STOP_FAILED, WARN, "a background sender did not stop in time after disable, reset or drop") \
    X(SPILL_WRITE_FAILED, WARN, "a spill file cannot be written: check the data directory (disk full?); retried at the next flush") \
    X(BUFFER_FULL, WARN, "the buffer is full and cannot spill: the oldest events are dropped; fix data_dir") \
    X(UNDELIVERED_DROPPED, WARN, "no room in memory or on disk for undelivered events: they were dropped") \
    X(BACKOFF, INFO, "the backend failed before: not contacted until its back-off ends") \
    X(DELIVERY_FAILED, DEBUG, "a batch was not delivered: kept and retried later") \
    X(DELIVERY_REJECTED, WARN, "the backend rejected a batch for good: dropped; check the backend's configuration") \
    X(SPILL_TOO_OLD, INFO, "spilled events older than the backend accepts were dropped") \
    X(SPILL_TOO_LARGE, WARN, "a spill file larger than the read limit was removed as corrupt") \
    X(SPILL_CORRUPT_LINES, WARN, "corrupt lines in a spill file were skipped") \
    X(SPILL_DROPPED_AT_MOST_ONCE, WARN, "spilled events that failed to send were dropped (GTBT_AT_MOST_ONCE)") \
    X(DROPPED_AT_MOST_ONCE, WARN, "events that failed to send were dropped (GTBT_AT_MOST_ONCE)") \
    X(CONFIG_INVALID, WARN, "the endpoint configuration is invalid: events go nowhere; fix gtbt_desc.endpoint") \
    X(CONSENT_DEFERRED_CI, DEBUG, "the consent prompt was not shown: CI environment") \
    X(CONSENT_DEFERRED_NOT_TTY, DEBUG, "the consent prompt was not shown: not a terminal") \
    X(TOOL_NAME_INVALID, WARN, "telemetry is off: gtbt_desc.tool_name must be 1-40 characters of [A-Za-z0-9._-]") \
    X(DATA_DIR_UNUSABLE, WARN, "the data directory is not usable: nothing is spilled to disk; set gtbt_desc.data_dir") \
    X(DATA_DIR_TIGHTENED, INFO, "the tool's own directory was group-writable (umask 002) and held only the user's files: set to 0700") \
    X(NO_TLS_KEPT, WARN, "the endpoint is https:// but GTB_TELEMETRY_NO_TLS left TLS out: events are kept on disk, not sent; build with BearSSL") \
    X(DIR_PATH_TOO_LONG, WARN, "the config or data directory path (XDG_*, HOME or the desc) is too long: refused, not cut") \
    X(CLOSE_DROPPED, WARN, "gtbt_close dropped events that were neither delivered nor could be kept on disk") \
    X(COLLECTOR_NOMEM, ERROR, "out of memory creating the collector: telemetry is off for this run")

#define GTBT__LOG_ITEM_ENUM(id, level, text) GTBT_LOGITEM_##id,
typedef enum gtbt_log_item { GTBT_LOG_ITEMS(GTBT__LOG_ITEM_ENUM) GTBT__LOGITEM_END } gtbt_log_item;
#undef GTBT__LOG_ITEM_ENUM

/* Like gtbt_log_fn, with the item's id. Set as log_item (instead of log) in a desc. */
typedef void (*gtbt_log_item_fn)(void *user, gtbt_log_level level, gtbt_log_item item, const char *message);

/* gtbt_log_item_name
   Return value: the id of item without its prefix ("SPILL_CAP"); "" for a value outside the enum.
   Thread safety: safe. */
GTB_TELEMETRY_API const char *gtbt_log_item_name(gtbt_log_item item);

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
    const char *info;                      /* e.g. "http (https://...)"; may be NULL ("custom") */
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
    gtbt_log_item_fn log_item;        /* instead of log: also hands over the log item id */
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
    const char         *api_key;      /* required (sent as DD-API-KEY, never logged); blanks at its
                                         ends are removed, a control character inside refuses it */
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
    const char           *project_key;   /* required, "phc_..." */
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
    const char *info;                       /* e.g. "http (https://...)", "email (privacy@...)" */
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
/* Where gtbt_close delivers (see DELIVERY in the manual). AUTO: from a detached process when a
   person is waiting (standard output or standard error is a terminal) and CI is not set, on
   POSIX systems; inline otherwise (scripts, pipes, CI, Windows). NEVER: always inline. ALWAYS:
   detached whenever there is something to send. <TOOL>_TELEMETRY_DETACH / TELEMETRY_DETACH (a
   boolean: true = ALWAYS, false = NEVER) override it. */
typedef enum gtbt_detach { GTBT_DETACH_AUTO = 0, GTBT_DETACH_NEVER, GTBT_DETACH_ALWAYS } gtbt_detach;
/* Which machine id events carry. GTBT_ID_PER_TOOL (default): salted with the tool name, so two
   tools on one machine cannot be correlated. GTBT_ID_GO_COMPATIBLE: the Go original's unsalted id
   (gtbt_machine_id(NULL, ...)), for a tool ported from Go whose users' ids must not change. */
typedef enum gtbt_id_scheme { GTBT_ID_PER_TOOL = 0, GTBT_ID_GO_COMPATIBLE } gtbt_id_scheme;

typedef struct gtbt_desc {            /* zero = default everywhere; copied by gtbt_new */
    const char    *tool_name;         /* required: [A-Za-z0-9._-], names the dirs and env vars */
    const char    *version;           /* control characters cleaned (a newline read from a file) */
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
    gtbt_log_fn    log; void *log_user; gtbt_log_level log_level;   /* default: silent; level 0: WARN */
    gtbt_log_item_fn log_item;        /* instead of log: also hands over the log item id */
    int            max_buffer;        /* events kept in memory before a spill; default and
                                         maximum GTB_TELEMETRY_MAX_BUFFER */
    bool           local_only;        /* the tool's default for local-only mode (events only in
                                         <data_dir>/telemetry.log); the user's settings win */
    gtbt_detach    detach;            /* gtbt_close: inline or from a detached sender; default AUTO */
    gtbt_id_scheme id_scheme;         /* default GTBT_ID_PER_TOOL */
    const char    *no_backend_reason; /* why this build has no backend, with the fix, e.g. "PostHog
                                         project key missing: set POSTHOG_PROJECT_KEY when building
                                         or running"; status shows it as "nowhere: <reason>" */
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
/* Human-readable backend: "noop (disabled)", "file (<path>)", "otlp (<url>)", "http (<url>)", ...
   A URL here and in every log line shows scheme, host, port and path only: never a user,
   password, query or fragment (they may hold a key). */
GTB_TELEMETRY_API const char *gtbt_backend_info(const gtbt_collector *c);
/* The pseudonymous id sent with events: gtbt_machine_id(tool_name), or gtbt_machine_id(NULL) under
   GTBT_ID_GO_COMPATIBLE; "" when disabled. */
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
   acknowledged is spilled (at-least-once) or dropped (at-most-once). Without a usable data dir (or
   with a full disk) unacknowledged events stay in the buffer for the next gtbt_flush, up to
   max_buffer (the oldest beyond it are dropped with a WARN); gtbt_close logs a WARN for those it
   then has to drop. A flush also retries the disk after a failed spill write.
   Return value: 0 when every due event was acknowledged or dropped by policy, else the first
   failure's result (the events are then on disk or back in the buffer). Thread safety: safe;
   flushes are serialised. */
GTB_TELEMETRY_API int gtbt_flush(gtbt_collector *c);
/* gtbt_drop: stop a background sender of this data dir, discard the buffer and this tool's
   spill files; sends nothing. */
GTB_TELEMETRY_API int gtbt_drop(gtbt_collector *c);
/* gtbt_close: deliver, destroy the backend and requestor, free everything. Inline (as
   gtbt_flush, within the budget), or, when gtbt_desc.detach says so, by writing the events to
   disk and handing them to a background sender: it then returns GTBT_OK at once (see DELIVERY).
   Returns what gtbt_flush returned (inline); always frees. Not concurrent with other calls on c;
   in a multi-threaded tool read the rules under THREAD SAFETY. */
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
   "status", "show", "reset" or "help" (argc 0 = help); "<subcommand> --help|-h|help" prints that
   subcommand's help and changes nothing. Prints to out (stdout when NULL); usage errors (an
   unknown subcommand, an extra argument) go to stderr and change nothing.
   Return value: a process exit code: 0 ok, 1 failure, 2 usage error. */
GTB_TELEMETRY_API int gtbt_cli(gtbt_collector *c, int argc, const char *const *argv, FILE *out);
/* gtbt_prompt: the first-run consent question, called before gtbt_new. Asks only when in and out
   are terminals, CI is not set, and no rule has decided yet; the default answer is No. An
   unclear answer is asked again once, then taken as No; the saved answer is confirmed in one
   line; end of input (Ctrl-D) saves nothing.
   Return value: 1 = yes (saved), 0 = no (saved), not asked, or no answer. */
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
/* gtbt_redact: the redaction rules (credentials in URLs, secret keys in every form, headers, PEM
   private keys, JWTs, provider tokens, opaque keys; see EVENTS AND PRIVACY). Like snprintf:
   writes at most cap-1 bytes + NUL, returns the full length without the NUL; out may be NULL when
   cap is 0. */
GTB_TELEMETRY_API size_t gtbt_redact(const char *in, char *out, size_t cap);
/* gtbt_now_ms: monotonic milliseconds (the clock of every deadline_ms). */
GTB_TELEMETRY_API int64_t gtbt_now_ms(void);
/* gtbt_free: frees memory returned by the library (gtbt_events_json). */
GTB_TELEMETRY_API void gtbt_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* GTB_TELEMETRY_H_INCLUDED */

/* ==============================================================================================
   Implementation
   ============================================================================================== */
#if defined(GTB_TELEMETRY_IMPLEMENTATION) && !defined(GTB_TELEMETRY_IMPLEMENTATION_INCLUDED)
#define GTB_TELEMETRY_IMPLEMENTATION_INCLUDED

// >>options --------------------------------------------------------------------------------------
#if defined(GTB_TELEMETRY_MALLOC) || defined(GTB_TELEMETRY_REALLOC) || defined(GTB_TELEMETRY_FREE)
  #if !defined(GTB_TELEMETRY_MALLOC) || !defined(GTB_TELEMETRY_REALLOC) || !defined(GTB_TELEMETRY_FREE)
    #error "gtb_telemetry.h: define all of GTB_TELEMETRY_MALLOC, GTB_TELEMETRY_REALLOC and GTB_TELEMETRY_FREE, or none"
  #endif
#else
  #define GTB_TELEMETRY_MALLOC(sz)     malloc(sz)
  #define GTB_TELEMETRY_REALLOC(p, sz) realloc(p, sz)
  #define GTB_TELEMETRY_FREE(p)        free(p)
#endif
#ifndef GTB_TELEMETRY_MAX_BUFFER
  #define GTB_TELEMETRY_MAX_BUFFER 1000
#endif
#if GTB_TELEMETRY_MAX_BUFFER < 1 || GTB_TELEMETRY_MAX_BUFFER > 1000000
  #error "gtb_telemetry.h: GTB_TELEMETRY_MAX_BUFFER must be between 1 and 1000000"
#endif

/* Hard limits. Input longer than a limit is truncated on a UTF-8 boundary, never rejected. */
#define GTBT__MAX_NAME          256       /* event name, bytes */
#define GTBT__MAX_KEY           128       /* metadata key */
#define GTBT__MAX_VALUE         4096      /* metadata value, one argument, the error text */
#define GTBT__MAX_PAIRS         64        /* metadata pairs per event */
#define GTBT__MAX_ARGS          64        /* arguments per event */
#define GTBT__MAX_TOOL_NAME     40        /* + "_TELEMETRY_ENABLED" fits gtbt_consent.decided_by */
#define GTBT__MAX_PATH          4096
#define GTBT__SPILL_FILE_MAX    (1024 * 1024)      /* bytes per spill file we write */
#define GTBT__SPILL_READ_MAX    (4 * 1024 * 1024)  /* larger spill files are corrupt */
#ifndef GTBT__SPILL_CAP_EVENTS
  #define GTBT__SPILL_CAP_EVENTS 10000             /* spilled events kept, whichever cap comes first */
#endif
#ifndef GTBT__SPILL_CAP_BYTES
  #define GTBT__SPILL_CAP_BYTES  (10 * 1024 * 1024)  /*   ... and bytes of ready spill files */
#endif
#define GTBT__SPILL_LIST_MAX    (GTBT__SPILL_CAP_EVENTS + 1024)   /* spill names kept per listing (every
                                          entry is looked at): the cap allows one file per event */
#define GTBT__CLAIM_STALE_MS    (60 * 60 * 1000)   /* a claim older than this is abandoned */
#define GTBT__CONF_MAX          (64 * 1024)        /* consent file size limit */
#define GTBT__FLUSH_TIMEOUT_MS  2000
#define GTBT__NET_MAX_ADDRS     16        /* addresses tried per host name */
#define GTBT__RESET_TIMEOUT_MS  10000
#define GTBT__BACKOFF_BASE_MS   (30 * 1000)
#define GTBT__BACKOFF_MAX_MS    (60 * 60 * 1000)
#define GTBT__RETRY_AFTER_MAX_MS ((int64_t)24 * 60 * 60 * 1000)

#define gtbt__def(v, d) ((v) ? (v) : (d))
#define gtbt__min(a, b) ((a) < (b) ? (a) : (b))

// >>platform detection ---------------------------------------------------------------------------
#if defined(_WIN32)
  #define GTBT__WIN32 1
  #define GTBT__POSIX 0
  #define GTBT__SEP "\\"
  #define GTBT__P(f) f##_win32     /* the Windows implementation of a platform function */
#else
  #define GTBT__WIN32 0
  #define GTBT__POSIX 1
  #define GTBT__SEP "/"
  #define GTBT__P(f) f##_posix
#endif
#if defined(__APPLE__)
  #define GTBT__MACOS 1
#else
  #define GTBT__MACOS 0
#endif
#if defined(__linux__)
  #define GTBT__LINUX 1
#else
  #define GTBT__LINUX 0
#endif
#if defined(GTB_TELEMETRY_NO_THREADS)
  #define GTBT__THREADS 0
#else
  #define GTBT__THREADS 1
#endif
#if defined(GTB_TELEMETRY_NO_TLS)
  #define GTBT__TLS 0
#else
  #define GTBT__TLS 1
#endif
#if defined(__MINGW32__)
  #define GTBT__UNUSED __attribute__((unused))
  #define GTBT__PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
  #define GTBT__UNUSED __attribute__((unused))
  #define GTBT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
  #define GTBT__UNUSED
  #define GTBT__PRINTF(f, a)
#endif
/* A table of the library keeps the alignment of its elements: GCC would align every array of
   16 or more bytes to 16 or 32, and that padding adds up to about 500 bytes in a small binary. */
#if defined(__GNUC__) || defined(__clang__)
  #define GTBT__TIGHT(type) __attribute__((aligned(__alignof__(type))))
#else
  #define GTBT__TIGHT(type)
#endif

/* Go's names for the operating system and architecture. */
#if defined(__linux__)
  #define GTBT__OS "linux"
#elif defined(__APPLE__)
  #define GTBT__OS "darwin"
#elif defined(__FreeBSD__)
  #define GTBT__OS "freebsd"
#elif defined(__OpenBSD__)
  #define GTBT__OS "openbsd"
#elif defined(__NetBSD__)
  #define GTBT__OS "netbsd"
#elif defined(__DragonFly__)
  #define GTBT__OS "dragonfly"
#elif defined(_WIN32)
  #define GTBT__OS "windows"
#else
  #define GTBT__OS "unknown"
#endif
#if defined(__x86_64__) || defined(_M_X64)
  #define GTBT__ARCH "amd64"
#elif defined(__aarch64__) || defined(_M_ARM64)
  #define GTBT__ARCH "arm64"
#elif defined(__i386__) || defined(_M_IX86)
  #define GTBT__ARCH "386"
#elif defined(__arm__) || defined(_M_ARM)
  #define GTBT__ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
  #define GTBT__ARCH "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  #define GTBT__ARCH "ppc64le"
#elif defined(__s390x__)
  #define GTBT__ARCH "s390x"
#else
  #define GTBT__ARCH "unknown"
#endif
/* The compiler that built the host tool: "clang 14.0.6", "gcc 12.2.0", "msvc 19.38". */
#define GTBT__STR2(x) #x
#define GTBT__STR(x) GTBT__STR2(x)
#if defined(__clang__)
  #define GTBT__RUNTIME "clang " GTBT__STR(__clang_major__) "." GTBT__STR(__clang_minor__) "." GTBT__STR(__clang_patchlevel__)
#elif defined(__GNUC__)
  #define GTBT__RUNTIME "gcc " GTBT__STR(__GNUC__) "." GTBT__STR(__GNUC_MINOR__) "." GTBT__STR(__GNUC_PATCHLEVEL__)
#elif defined(_MSC_VER)
  #define GTBT__RUNTIME "msvc " GTBT__STR(_MSC_VER)
#else
  #define GTBT__RUNTIME "unknown"
#endif

// >>includes -------------------------------------------------------------------------------------
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#if GTBT__WIN32
/* mingw ignores #pragma comment(lib): link with
   -lws2_32 -liphlpapi -lbcrypt -lcrypt32 -ladvapi32 -lshell32 -lole32 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <bcrypt.h>
#include <wincrypt.h>
#include <shlobj.h>
#include <shellapi.h>
#include <io.h>
#if defined(_MSC_VER)
  #pragma comment(lib, "ws2_32")
  #pragma comment(lib, "iphlpapi")
  #pragma comment(lib, "bcrypt")
  #pragma comment(lib, "crypt32")
  #pragma comment(lib, "advapi32")
  #pragma comment(lib, "shell32")
  #pragma comment(lib, "ole32")
#endif
#else
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#if GTBT__LINUX
  #include <netpacket/packet.h>
#else
  #include <net/if_dl.h>
#endif
#if GTBT__THREADS
  #include <pthread.h>
  #define GTBT__SIGMASK pthread_sigmask   /* in a process of one thread the same as sigprocmask, */
#else                                       /* which a threaded build then need not import */
  #define GTBT__SIGMASK sigprocmask
#endif
#endif
#if GTBT__TLS
  #include <bearssl.h>
#endif

// >>memory ---------------------------------------------------------------------------------------
static void *gtbt__malloc(size_t n) { return GTB_TELEMETRY_MALLOC(n ? n : 1); }
static void *gtbt__realloc(void *p, size_t n) { return GTB_TELEMETRY_REALLOC(p, n ? n : 1); }
static void gtbt__free(void *p) { if (p) GTB_TELEMETRY_FREE(p); }

static void *gtbt__calloc(size_t n, size_t size) {
    void *p;
    if (size && n > SIZE_MAX / size) return NULL;
    p = gtbt__malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

static char *gtbt__strndup(const char *s, size_t n) {
    char *d;
    if (!s) return NULL;
    d = (char *)gtbt__malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static char *gtbt__strdup(const char *s) { return s ? gtbt__strndup(s, strlen(s)) : NULL; }

/* strncmp, here so that a small tool need not import it (each import costs about 80 bytes): 0 when the first n bytes (to a NUL) are
   equal, else the difference of the first unequal bytes (as unsigned char). */
static int gtbt__ncmp(const char *a, const char *b, size_t n) {
    for (; n && *a && *a == *b; n--) { a++; b++; }
    return n ? (unsigned char)*a - (unsigned char)*b : 0;
}
/* snprintf through vsnprintf, which the library needs anyway: one import less. */
static GTBT__PRINTF(3, 4) int gtbt__snprintf(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}
/* strchr, for the same reason: the first c in s (c == 0: the terminating NUL), else NULL; like
   strchr it hands back a pointer into s without its const. */
static char *gtbt__chr(const char *s, int c) {
    for (;; s++) {
        if (*s == (char)c) return (char *)(uintptr_t)s;
        if (!*s) return NULL;
    }
}

/* Copies of key/value arrays (desc metadata, headers). */
static GTBT__UNUSED void gtbt__kvs_free(gtbt_kv *kv, size_t n) {
    size_t i;
    for (i = 0; kv && i < n; i++) { gtbt__free((void *)(uintptr_t)kv[i].key); gtbt__free((void *)(uintptr_t)kv[i].value); }
    gtbt__free(kv);
}

static GTBT__UNUSED gtbt_kv *gtbt__kvs_copy(const gtbt_kv *kv, size_t n, int *nomem) {
    gtbt_kv *d;
    size_t i;
    if (!kv || !n) return NULL;
    if (!(d = (gtbt_kv *)gtbt__calloc(n, sizeof *d))) { *nomem = 1; return NULL; }
    for (i = 0; i < n; i++) {
        d[i].key = gtbt__strdup(kv[i].key ? kv[i].key : "");
        d[i].value = gtbt__strdup(kv[i].value ? kv[i].value : "");
        if (!d[i].key || !d[i].value) *nomem = 1;
    }
    return d;
}

/* A growable byte string. Out of memory is sticky: later appends do nothing and oom stays set,
   so callers check once at the end. p is NUL-terminated after any append. */
typedef struct gtbt__buf { char *p; size_t len, cap; int oom; } gtbt__buf;

static int gtbt__buf_reserve(gtbt__buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->oom) return 0;
    if (extra > SIZE_MAX - b->len - 1) { b->oom = 1; return 0; }
    need = b->len + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap = (cap > SIZE_MAX / 2) ? need : cap * 2;
    p = (char *)gtbt__realloc(b->p, cap);
    if (!p) { b->oom = 1; return 0; }
    b->p = p;
    b->cap = cap;
    return 1;
}

static void gtbt__buf_put(gtbt__buf *b, const void *s, size_t n) {
    if (!gtbt__buf_reserve(b, n)) return;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void gtbt__buf_puts(gtbt__buf *b, const char *s) { gtbt__buf_put(b, s, strlen(s)); }
static void gtbt__buf_putc(gtbt__buf *b, char c) {
    if (b->len + 1 < b->cap && !b->oom) { b->p[b->len++] = c; b->p[b->len] = 0; return; }
    gtbt__buf_put(b, &c, 1);
}
static void gtbt__buf_vprintf(gtbt__buf *b, const char *fmt, va_list ap) {
    va_list aq;
    int n;
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) { b->oom = 1; return; }
    if (!gtbt__buf_reserve(b, (size_t)n)) return;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}
static GTBT__PRINTF(2, 3) void gtbt__buf_printf(gtbt__buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    gtbt__buf_vprintf(b, fmt, ap);
    va_end(ap);
}
static void gtbt__buf_free(gtbt__buf *b) { gtbt__free(b->p); memset(b, 0, sizeof *b); }
/* Hands the string over to the caller (never NULL unless out of memory). */
static char *gtbt__buf_take(gtbt__buf *b, size_t *len) {
    char *p;
    if (!b->oom) gtbt__buf_reserve(b, 0);
    if (b->oom) { gtbt__buf_free(b); return NULL; }
    p = b->p;
    if (len) *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

/* Grows an array *p of *cap elements of size bytes to hold at least need (doubling); 0 on NOMEM. */
static int gtbt__grow(void **p, size_t *cap, size_t need, size_t size) {
    size_t ncap;
    void *q;
    if (need <= *cap) return 1;
    ncap = *cap ? *cap * 2 : 16;
    if (ncap < need) ncap = need;
    if (ncap > SIZE_MAX / size) return 0;
    q = gtbt__realloc(*p, ncap * size);
    if (!q) return 0;
    *p = q;
    *cap = ncap;
    return 1;
}

// >>errors ---------------------------------------------------------------------------------------
typedef struct gtbt__log { gtbt_log_fn fn; gtbt_log_item_fn item_fn; void *user; gtbt_log_level level; } gtbt__log;

#define GTBT__LOG_ITEM_LEVEL(id, level, text) GTBT_LOG_##level,
static const signed char gtbt__log_item_levels[] GTBT__TIGHT(signed char) = { GTBT_LOG_ITEMS(GTBT__LOG_ITEM_LEVEL) 0 };
#undef GTBT__LOG_ITEM_LEVEL

/* Formats one line of log item id and hands it to the tool's callback (log_item, else log) when
   the item's level reaches the tool's log_level (zero: GTBT_LOG_WARN); nothing without one. Every
   line starts "telemetry: ", written here rather than in each format (one copy in the binary),
   unless fmt itself starts with "telemetry" ("telemetry consent deferred: ..."). */
static GTBT__PRINTF(3, 4) void gtbt__logi(const gtbt__log *lg, gtbt_log_item id, const char *fmt, ...) {
    char line[1024];
    size_t at = 0;
    va_list ap;
    gtbt_log_level lvl = (gtbt_log_level)gtbt__log_item_levels[id];
    if (!lg || (!lg->fn && !lg->item_fn) || lvl < (lg->level == 0 ? GTBT_LOG_WARN : lg->level)) return;
    if (gtbt__ncmp(fmt, "telemetry", 9)) { memcpy(line, "telemetry: ", 11); at = 11; }
    va_start(ap, fmt);
    vsnprintf(line + at, sizeof line - at, fmt, ap);
    va_end(ap);
    if (lg->item_fn) lg->item_fn(lg->user, lvl, id, line);
    else lg->fn(lg->user, lvl, line);
}

#define GTBT__LOG_ITEM_NAME(id, level, text) #id,
static const char gtbt__log_item_names[][32] GTBT__TIGHT(char) = { GTBT_LOG_ITEMS(GTBT__LOG_ITEM_NAME) "" };   /* no pointers to relocate */
#undef GTBT__LOG_ITEM_NAME

GTB_TELEMETRY_API const char *gtbt_log_item_name(gtbt_log_item id) {
    return (unsigned)id < (unsigned)GTBT__LOGITEM_END ? gtbt__log_item_names[id] : "";
}

static GTBT__UNUSED gtbt__log gtbt__log_of_net(const gtbt_net_desc *net) {
    gtbt__log lg;
    memset(&lg, 0, sizeof lg);
    if (net) { lg.fn = net->log; lg.item_fn = net->log_item; lg.user = net->log_user; lg.level = net->log_level; }
    return lg;
}

// >>platform -------------------------------------------------------------------------------------
/* Time, environment, files, identity, mutex, entropy and processes: one implementation per
   platform (name_posix, name_win32, same signature), chosen here. */
#define gtbt__mono_ms          GTBT__P(gtbt__mono_ms)
#define gtbt__realtime_ns      GTBT__P(gtbt__realtime_ns)
#define gtbt__sleep_ms         GTBT__P(gtbt__sleep_ms)
#define gtbt__os_entropy       GTBT__P(gtbt__os_entropy)
#define gtbt__read_file        GTBT__P(gtbt__read_file)
#define gtbt__write_file_atomic GTBT__P(gtbt__write_file_atomic)
#define gtbt__append_file      GTBT__P(gtbt__append_file)
#define gtbt__mkdir_private    GTBT__P(gtbt__mkdir_private)
#define gtbt__dir_private      GTBT__P(gtbt__dir_private)
#define gtbt__mkdir_private_why GTBT__P(gtbt__mkdir_private_why)
#define gtbt__dir_creatable    GTBT__P(gtbt__dir_creatable)
#define gtbt__localtime        GTBT__P(gtbt__localtime)
#define gtbt__fs_remove        GTBT__P(gtbt__fs_remove)
#define gtbt__fs_rename        GTBT__P(gtbt__fs_rename)
#define gtbt__fs_touch         GTBT__P(gtbt__fs_touch)
#define gtbt__fs_mtime_ms      GTBT__P(gtbt__fs_mtime_ms)
#define gtbt__fs_size          GTBT__P(gtbt__fs_size)
#define gtbt__fs_lock          GTBT__P(gtbt__fs_lock)
#define gtbt__fs_unlock        GTBT__P(gtbt__fs_unlock)
#define gtbt__dir_open         GTBT__P(gtbt__dir_open)
#define gtbt__dir_next         GTBT__P(gtbt__dir_next)
#define gtbt__dir_close        GTBT__P(gtbt__dir_close)
#define gtbt__default_config_dir GTBT__P(gtbt__default_config_dir)
#define gtbt__default_data_dir GTBT__P(gtbt__default_data_dir)
#define gtbt__os_machine_id    GTBT__P(gtbt__os_machine_id)
#define gtbt__first_mac        GTBT__P(gtbt__first_mac)
#define gtbt__os_version       GTBT__P(gtbt__os_version)
#define gtbt__hostname         GTBT__P(gtbt__hostname)
#define gtbt__username         GTBT__P(gtbt__username)
#define gtbt__pid              GTBT__P(gtbt__pid)
#define gtbt__pid_alive        GTBT__P(gtbt__pid_alive)
#define gtbt__is_tty           GTBT__P(gtbt__is_tty)
#define gtbt__open_url         GTBT__P(gtbt__open_url)
#define gtbt__getenv           GTBT__P(gtbt__getenv)
#define gtbt__sender_lock      GTBT__P(gtbt__sender_lock)
#define gtbt__sender_unlock    GTBT__P(gtbt__sender_unlock)
#define gtbt__sender_handoff   GTBT__P(gtbt__sender_handoff)
#define gtbt__sender_note_pid  GTBT__P(gtbt__sender_note_pid)
#define gtbt__sender_running   GTBT__P(gtbt__sender_running)
#define gtbt__sender_kill      GTBT__P(gtbt__sender_kill)
#define gtbt__sender_spawn     GTBT__P(gtbt__sender_spawn)
#define gtbt__on_terminal      GTBT__P(gtbt__on_terminal)


/* ASCII character classes and case (never the locale's): the only ones the library uses.
   Branch-free, since the redaction scan calls them for every byte; negative (signed char) values
   are in no class. */
static int gtbt__is_digit(int c) { return (unsigned)(c - '0') < 10u; }
static int gtbt__is_upper(int c) { return (unsigned)(c - 'A') < 26u; }
static int gtbt__is_lower(int c) { return (unsigned)(c - 'a') < 26u; }
static int gtbt__is_alpha(int c) { return (unsigned)((c | 32) - 'a') < 26u; }
static int gtbt__is_alnum(int c) { return gtbt__is_alpha(c) || gtbt__is_digit(c); }
static int gtbt__ascii_lower(int c) { return gtbt__is_upper(c) ? c + 32 : c; }
static int gtbt__ascii_ncasecmp(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        int x = gtbt__ascii_lower((unsigned char)a[i]), y = gtbt__ascii_lower((unsigned char)b[i]);
        if (x != y || !x) return x - y;
    }
    return 0;
}
static int gtbt__ascii_casecmp(const char *a, const char *b) { return gtbt__ascii_ncasecmp(a, b, (size_t)-1); }

/* The fault injectors of the tests: when set, the n-th file write from now fails, or (with
   gtbt__test_fail_writes) every one (full disk). */
static int gtbt__test_fail_write_after = -1;
static int gtbt__test_fail_writes = 0;

/* A string literal with its NUL into a char array big enough for it (checked when compiling).
   Smaller than a formatted copy. */
#define GTBT__SET_TEXT(arr, lit) ((void)sizeof(char[sizeof(arr) >= sizeof(lit) ? 1 : -1]), memcpy((arr), (lit), sizeof(lit)))

/* The first n bytes of s (fewer when they do not fit cap, which must not be 0), NUL-terminated;
   the length written. */
static size_t gtbt__copy(char *out, size_t cap, const char *s, size_t n) {
    if (n > cap - 1) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
    return n;
}

/* a, the separator, b; cut to fit cap (as snprintf would) and GTBT_E_INVALID when it does not. */
static int gtbt__path_join(char *out, size_t cap, const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b), k;
    if (!cap) return GTBT_E_INVALID;
    k = gtbt__copy(out, cap, a, na);
    if (k + 1 < cap) {
        out[k++] = GTBT__SEP[0];
        gtbt__copy(out + k, cap - k, b, nb);
    }
    return na + 1 + nb >= cap ? GTBT_E_INVALID : GTBT_OK;
}

static const char gtbt__hexdigits[] GTBT__TIGHT(char) = "0123456789abcdef";   /* one copy for all */

/* A MAC address as lowercase colon hex ("aa:bb:cc:dd:ee:ff"), cut to fit cap. */
static GTBT__UNUSED void gtbt__mac_text(const unsigned char a[6], char *out, size_t cap) {
    char t[18];
    int i;
    for (i = 0; i < 6; i++) {
        t[3 * i] = gtbt__hexdigits[a[i] >> 4];
        t[3 * i + 1] = gtbt__hexdigits[a[i] & 15];
        t[3 * i + 2] = ':';
    }
    gtbt__copy(out, cap, t, 17);
}

static void gtbt__trim(char *s) {
    size_t n = strlen(s), i = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') i++;
    if (i) memmove(s, s + i, n - i + 1);
}

/* String helpers doing the work of strstr, strcspn, strtoll and qsort, so that a small tool
   imports fewer C library functions (each import costs the binary about 80 bytes). */
/* The first place of w in s (s itself when w is empty), as strstr; NULL when there is none. */
static const char *gtbt__find(const char *s, const char *w) {
    size_t n = strlen(w);
    if (!n) return s;
    for (; *s; s++) if (*s == *w && !gtbt__ncmp(s, w, n)) return s;
    return NULL;
}
/* The length of the start of s without a byte of set, as strcspn. */
static size_t gtbt__span_not(const char *s, const char *set) {
    size_t i = 0;
    while (s[i] && !gtbt__chr(set, s[i])) i++;
    return i;
}
/* A decimal number, as strtoll with base 10 would read it (leading white space, a sign, digits)
   while it stays below 10^17, which every caller refuses anyway; a longer one gives LLONG_MAX
   (LLONG_MIN with '-'). *end (may be NULL) is set after the digits, or to s when there are none. */
static long long gtbt__dec(const char *s, const char **end) {
    const char *p = s;
    long long v = 0;
    int neg;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    neg = *p == '-';
    p += *p == '-' || *p == '+';
    if (*p < '0' || *p > '9') p = s;
    for (; *p >= '0' && *p <= '9'; p++) v = v < 100000000000000000LL / 10 ? v * 10 + (*p - '0') : LLONG_MAX;
    if (end) *end = p;
    return neg ? -v - (v == LLONG_MAX) : v;
}
/* Sorts n strings in strcmp order (a heap sort: no recursion, n log n at worst). */
static void gtbt__sort_strs(char **v, size_t n) {
    size_t i, end, root, kid;
    char *t;
    for (end = n, i = n / 2; end > 1;) {
        if (i > 0) root = --i;                                     /* building the heap */
        else { t = v[0]; v[0] = v[--end]; v[end] = t; root = 0; } /* largest to the end */
        for (; (kid = 2 * root + 1) < end; root = kid) {
            if (kid + 1 < end && strcmp(v[kid], v[kid + 1]) < 0) kid++;
            if (strcmp(v[root], v[kid]) >= 0) break;
            t = v[root]; v[root] = v[kid]; v[kid] = t;
        }
    }
}

/* ---- mutex under GTB_TELEMETRY_NO_THREADS: nothing to lock (one thread uses the library) ---- */
#if !GTBT__THREADS
typedef struct gtbt__mutex { int unused; } gtbt__mutex;
static void gtbt__mutex_init(gtbt__mutex *m) { m->unused = 0; }
static void gtbt__mutex_destroy(gtbt__mutex *m) { (void)m; }
static void gtbt__mutex_lock(gtbt__mutex *m) { (void)m; }
static void gtbt__mutex_unlock(gtbt__mutex *m) { (void)m; }
static GTBT__UNUSED void gtbt__global_lock(void) {}
static GTBT__UNUSED void gtbt__global_unlock(void) {}
#endif

#if GTBT__POSIX
/* ================================ POSIX ================================ */
static const char *gtbt__getenv_posix(const char *name) { return getenv(name); }
/* Clock a in ns; a failing clock_gettime (never seen with these clocks) falls back to clock b,
   which still advances, so deadlines still expire. */
static int64_t gtbt__clock_ns(clockid_t a, clockid_t b) {
    struct timespec ts;
    if (clock_gettime(a, &ts) != 0 && clock_gettime(b, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static int64_t gtbt__mono_ms_posix(void) { return gtbt__clock_ns(CLOCK_MONOTONIC, CLOCK_REALTIME) / 1000000; }
static int64_t gtbt__realtime_ns_posix(void) { return gtbt__clock_ns(CLOCK_REALTIME, CLOCK_MONOTONIC); }

static GTBT__UNUSED void gtbt__sleep_ms_posix(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ---- mutex and the bounded resolver thread ---- */
#if GTBT__THREADS
typedef struct gtbt__mutex { pthread_mutex_t m; } gtbt__mutex;
static void gtbt__mutex_init(gtbt__mutex *m) { pthread_mutex_init(&m->m, NULL); }
static void gtbt__mutex_destroy(gtbt__mutex *m) { pthread_mutex_destroy(&m->m); }
static void gtbt__mutex_lock(gtbt__mutex *m) { pthread_mutex_lock(&m->m); }
static void gtbt__mutex_unlock(gtbt__mutex *m) { pthread_mutex_unlock(&m->m); }
static pthread_mutex_t gtbt__global_mutex = PTHREAD_MUTEX_INITIALIZER;
static GTBT__UNUSED void gtbt__global_lock(void) { pthread_mutex_lock(&gtbt__global_mutex); }
static GTBT__UNUSED void gtbt__global_unlock(void) { pthread_mutex_unlock(&gtbt__global_mutex); }
/* A condition variable and a detached thread: for the resolver helper of >>net. */
typedef struct gtbt__cond { pthread_cond_t c; } gtbt__cond;
static GTBT__UNUSED int gtbt__cond_init(gtbt__cond *c) { return pthread_cond_init(&c->c, NULL) == 0; }
static GTBT__UNUSED void gtbt__cond_destroy(gtbt__cond *c) { pthread_cond_destroy(&c->c); }
static GTBT__UNUSED void gtbt__cond_signal(gtbt__cond *c) { pthread_cond_signal(&c->c); }
/* Waits at most ms (m held); spurious wake-ups are the caller's to re-check. */
static GTBT__UNUSED void gtbt__cond_wait_ms(gtbt__cond *c, gtbt__mutex *m, int ms) {
    struct timespec ts;
    int64_t at = gtbt__realtime_ns_posix() + (int64_t)ms * 1000000;
    ts.tv_sec = (time_t)(at / 1000000000);
    ts.tv_nsec = (long)(at % 1000000000);
    pthread_cond_timedwait(&c->c, &m->m, &ts);
}
typedef struct gtbt__thread_start { void (*fn)(void *); void *arg; } gtbt__thread_start;
static void *gtbt__thread_main(void *p) {
    gtbt__thread_start st = *(gtbt__thread_start *)p;
    gtbt__free(p);
    st.fn(st.arg);
    return NULL;
}
/* Starts fn(arg) on a detached thread with every signal blocked (the host tool's handlers stay on
   its own threads); 0 when no thread could be started. */
static GTBT__UNUSED int gtbt__thread_detached(void (*fn)(void *), void *arg) {
    pthread_t th;
    sigset_t all, old;
    gtbt__thread_start *st = (gtbt__thread_start *)gtbt__malloc(sizeof *st);
    int ok;
    if (!st) return 0;
    st->fn = fn;
    st->arg = arg;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ok = pthread_create(&th, NULL, gtbt__thread_main, st) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ok) pthread_detach(th);   /* nobody joins it: its resources go when it ends */
    else gtbt__free(st);
    return ok;
}
#endif

/* ---- entropy: the OS source, for uuids and nothing else ---- */
static int gtbt__os_entropy_posix(void *out, size_t n) {
    unsigned char *p = (unsigned char *)out;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return GTBT_E_IO;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { close(fd); return GTBT_E_IO; }
        p += r;
        n -= (size_t)r;
    }
    close(fd);
    return GTBT_OK;
}

/* ---- files ---- */
/* Reads a whole regular file of at most max bytes into a NUL-terminated buffer; with nofollow a
   final symbolic link is refused (files in our own directories). GTBT_E_IO when missing or
   unreadable, GTBT_E_INVALID when not a regular file or too large. */
static int gtbt__read_file_posix(const char *path, size_t max, int nofollow, char **out, size_t *len) {
    struct stat st;
    gtbt__buf b;
    char chunk[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    *out = NULL;
    *len = 0;
    if (fd < 0) return GTBT_E_IO;
    if (fstat(fd, &st) != 0) { close(fd); return GTBT_E_IO; }
    if (!S_ISREG(st.st_mode)) { close(fd); return GTBT_E_INVALID; }
    if ((uint64_t)st.st_size > (uint64_t)max) { close(fd); return GTBT_E_INVALID; }
    memset(&b, 0, sizeof b);
    gtbt__buf_reserve(&b, (size_t)st.st_size);
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { close(fd); gtbt__buf_free(&b); return GTBT_E_IO; }
        if (r == 0) break;
        if (b.len + (size_t)r > max) { close(fd); gtbt__buf_free(&b); return GTBT_E_INVALID; }
        gtbt__buf_put(&b, chunk, (size_t)r);
    }
    close(fd);
    *out = gtbt__buf_take(&b, len);
    return *out ? GTBT_OK : GTBT_E_NOMEM;
}

/* Writes all of p to fd, continuing short writes and retrying EINTR. */
static int gtbt__write_all(int fd, const void *p, size_t n) {
    const char *s = (const char *)p;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return GTBT_E_IO;
        s += w;
        n -= (size_t)w;
    }
    return GTBT_OK;
}

/* Creates path atomically with content: a new temp file beside it (O_EXCL, O_NOFOLLOW, 0600),
   written, synced and renamed over path. A crash leaves either the old file or the new one. */
static int gtbt__write_file_atomic_posix(const char *path, const char *tmp, const void *data, size_t n) {
    int fd, rc;
    if ((gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) || gtbt__test_fail_writes) { errno = ENOSPC; return GTBT_E_IO; }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)   /* left by a crash (our private dir) */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) return GTBT_E_IO;
    rc = gtbt__write_all(fd, data, n);
    if (rc == GTBT_OK && fsync(fd) != 0) rc = GTBT_E_IO;
    if (close(fd) != 0) rc = GTBT_E_IO;
    if (rc == GTBT_OK && rename(tmp, path) != 0) rc = GTBT_E_IO;
    if (rc != GTBT_OK) unlink(tmp);
    return rc;
}

/* The end of every "not a directory of your own" reason (one copy of the text). */
#define GTBT__OWN_DIR "%s%s; use a directory of your own"

/* GTBT_OK when every directory above path is ours or root's and, when others may write to it,
   sticky: no one else can rename or replace what is below it. why receives the reason. */
static int gtbt__parents_safe_posix(const char *dir, char *why, size_t cap) {
    char path[GTBT__MAX_PATH];
    size_t n = strlen(dir);
    struct stat st;
    if (n == 0 || n >= sizeof path) return GTBT_E_INVALID;
    memcpy(path, dir, n + 1);
    while (n > 1 && path[n - 1] == '/') path[--n] = 0;
    for (;;) {
        const char *up;
        char *slash = NULL, *q;
        for (q = path; *q; q++) if (*q == '/') slash = q;
        if (!slash) up = ".";                                             /* a relative path */
        else if (slash == path) up = "/";
        else { while (slash > path + 1 && slash[-1] == '/') slash--; *slash = 0; up = path; }
        if (stat(up, &st) != 0 || !S_ISDIR(st.st_mode)) { gtbt__snprintf(why, cap, "cannot use %s", up); return GTBT_E_IO; }
        if (st.st_uid != geteuid() && st.st_uid != 0) {
            gtbt__snprintf(why, cap, GTBT__OWN_DIR, up, " belongs to another user, who could replace what is below it");
            return GTBT_E_IO;
        }
        if ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX)) {
            gtbt__snprintf(why, cap, GTBT__OWN_DIR, up, " is writable by others and not sticky");
            return GTBT_E_IO;
        }
        if (up != path) return GTBT_OK;
    }
}

/* GTBT_OK when dir is a private directory of ours: not a symbolic link (in a shared directory
   another user could plant <dir>/<tool> -> a victim's directory), ours, not writable by others,
   with safe parents (gtbt__parents_safe_posix). Nothing is created or changed. */
static int gtbt__dir_private_posix(const char *dir) {
    struct stat st;
    char why[8];
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return GTBT_E_IO;   /* a link is refused */
    if (st.st_uid != geteuid() || (st.st_mode & 0022)) return GTBT_E_IO;
    if (access(dir, W_OK | X_OK) != 0) return GTBT_E_IO;
    return gtbt__parents_safe_posix(dir, why, sizeof why);
}

#define GTBT__HOME_BUF 4096
static const char *gtbt__home(char *buf);

/* 1 when every entry of dir belongs to this user (so tightening its mode hides nobody's files). */
static int gtbt__dir_all_mine_posix(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat st;
    char sub[GTBT__MAX_PATH];
    int mine = d != NULL, seen = 0;
    while (mine && (de = readdir(d)) != NULL && seen++ < 4096) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (gtbt__snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) >= (int)sizeof sub || lstat(sub, &st) != 0 || st.st_uid != geteuid()) mine = 0;
    }
    if (d) closedir(d);
    return mine && seen < 4096;
}

/* Creates dir and its missing parents (never the home directory itself); the last component,
   the tool's own directory, gets mode 0700. A directory that exists must be ours and not
   writable by others. The tool's own directory made group-writable (mkdir under umask 002) is
   tightened to 0700 when it is ours and holds only our files; otherwise it is refused. why
   (may be NULL) receives what went wrong and how to fix it, or "tightened" after a chmod. */
static int gtbt__mkdir_private_why_posix(const char *dir, char *why, size_t cap) {
    char path[GTBT__MAX_PATH];
    size_t i, n = strlen(dir), hn;
    struct stat st;
    char hbuf[GTBT__HOME_BUF];
    const char *home = gtbt__home(hbuf);
    char dummy[8];
    if (!why) { why = dummy; cap = sizeof dummy; }
    why[0] = 0;
    if (n == 0 || n >= sizeof path) { gtbt__snprintf(why, cap, "invalid directory name"); return GTBT_E_INVALID; }
    memcpy(path, dir, n + 1);
    while (n > 1 && path[n - 1] == '/') path[--n] = 0;
    hn = home ? strlen(home) : 0;
    if (hn > 1 && n > hn && !gtbt__ncmp(path, home, hn) && path[hn] == '/' && stat(home, &st) != 0) {
        gtbt__snprintf(why, cap, "the home directory %s does not exist", home);
        return GTBT_E_IO;
    }
    for (i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        path[i] = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST) { gtbt__snprintf(why, cap, "cannot create %s: %s", path, strerror(errno)); return GTBT_E_IO; }
        if (i < n) path[i] = '/';
    }
    if (lstat(path, &st) != 0) { gtbt__snprintf(why, cap, "cannot use %s: %s", path, strerror(errno)); return GTBT_E_IO; }
    if (S_ISLNK(st.st_mode)) {   /* in a shared directory another user may point it at someone's files */
        gtbt__snprintf(why, cap, "%s is a symbolic link; use the directory itself", path);
        return GTBT_E_IO;
    }
    if (!S_ISDIR(st.st_mode)) { gtbt__snprintf(why, cap, "%s is not a directory", path); return GTBT_E_IO; }
    if (st.st_uid != geteuid()) { gtbt__snprintf(why, cap, GTBT__OWN_DIR, path, " belongs to another user"); return GTBT_E_IO; }
    if (st.st_mode & 0002) {   /* world-writable: someone else's doing; never fixed behind the user's back */
        gtbt__snprintf(why, cap, "%s is writable by every user; fix it with: chmod 700 %s", path, path);
        return GTBT_E_IO;
    }
    if (st.st_mode & 0020) {   /* group-writable, as mkdir makes it under umask 002: tightened if only ours is in it */
        if (chmod(path, 0700) != 0 || !gtbt__dir_all_mine_posix(path)) {
            gtbt__snprintf(why, cap, "%s is writable by its group and holds other users' files; check them, then: chmod 700 %s", path, path);
            return GTBT_E_IO;
        }
        gtbt__snprintf(why, cap, "tightened");
    }
    if (access(path, W_OK | X_OK) != 0) { gtbt__snprintf(why, cap, "%s is not writable: %s", path, strerror(errno)); return GTBT_E_IO; }
    return gtbt__parents_safe_posix(path, why, cap);
}

static int gtbt__mkdir_private_posix(const char *dir) { return gtbt__mkdir_private_why_posix(dir, NULL, 0); }

/* 1 when dir is missing but gtbt__mkdir_private could make it: its nearest existing ancestor is
   a directory we may write to (and the home directory, when dir is under it, exists). */
static int gtbt__dir_creatable_posix(const char *dir, char *why, size_t cap) {
    char path[GTBT__MAX_PATH];
    size_t n = strlen(dir);
    struct stat st;
    char hbuf[GTBT__HOME_BUF];
    const char *home = gtbt__home(hbuf);
    size_t hn = home ? strlen(home) : 0;
    if (n == 0 || n >= sizeof path) return 0;
    if (hn > 1 && n > hn && !gtbt__ncmp(dir, home, hn) && dir[hn] == '/' && stat(home, &st) != 0) {
        gtbt__snprintf(why, cap, "the home directory %s does not exist", home);
        return 0;
    }
    memcpy(path, dir, n + 1);
    while (n > 1) {
        while (n > 1 && path[n - 1] != '/') n--;
        while (n > 1 && path[n - 1] == '/') n--;
        path[n] = 0;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0) {
                /* what we would create below it must be safe from others (see mkdir_private) */
                if ((st.st_uid != geteuid() && st.st_uid != 0) || ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX))) {
                    gtbt__snprintf(why, cap, GTBT__OWN_DIR, path, " is writable by others or belongs to another user");
                    return 0;
                }
                return gtbt__parents_safe_posix(path, why, cap) == GTBT_OK;
            }
            gtbt__snprintf(why, cap, "cannot create it: %s is not writable", path);
            return 0;
        }
    }
    return 0;
}

/* Appends data to path (created 0600, never through a final symbolic link). */
static int gtbt__append_file_posix(const char *path, const void *data, size_t n) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600), rc;
    if (fd < 0) return GTBT_E_IO;
    rc = gtbt__write_all(fd, data, n);
    if (close(fd) != 0) rc = GTBT_E_IO;
    return rc;
}

/* Small file operations of the spill and back-off code: 0 on success, -1 with errno. */
static int gtbt__fs_remove_posix(const char *path) { return unlink(path); }
static int gtbt__fs_rename_posix(const char *from, const char *to) { return rename(from, to); }
static void gtbt__fs_touch_posix(const char *path) { (void)utimes(path, NULL); }
/* Modification time of path itself (a link is not followed), ms since 1970. */
static int gtbt__fs_mtime_ms_posix(const char *path, int64_t *ms) {
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    *ms = (int64_t)st.st_mtime * 1000;
    return 0;
}
/* The size of the regular file at path (a link is not followed): 0, or -1 when there is none. */
static int gtbt__fs_size_posix(const char *path, uint64_t *size) {
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}
/* An exclusive lock on the file at path, held until gtbt__fs_unlock or the process ends (a killed
   process releases it): 0 locked, 1 held by someone else (any process, any PID namespace on this
   kernel), -1 no lock (the file is gone, or the file system cannot lock; *l is then unlocked).
   Locks of two opens conflict even inside one process. */
typedef struct gtbt__flock { int fd; } gtbt__flock;
static int gtbt__fs_lock_posix(const char *path, gtbt__flock *l) {
    l->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (l->fd < 0) return -1;
    if (flock(l->fd, LOCK_EX | LOCK_NB) == 0) return 0;
    {
        int busy = errno == EWOULDBLOCK;
        close(l->fd);
        l->fd = -1;
        return busy ? 1 : -1;
    }
}
static void gtbt__fs_unlock_posix(gtbt__flock *l) {
    if (l->fd >= 0) close(l->fd);
    l->fd = -1;
}

/* Directory listing: names in directory order, "." and ".." included. */
typedef struct gtbt__dir { DIR *d; } gtbt__dir;
static int gtbt__dir_open_posix(gtbt__dir *d, const char *path) { d->d = opendir(path); return d->d ? 0 : -1; }
static const char *gtbt__dir_next_posix(gtbt__dir *d) {
    struct dirent *de = readdir(d->d);
    return de ? de->d_name : NULL;
}
static void gtbt__dir_close_posix(gtbt__dir *d) { closedir(d->d); }

/* ---- places: config and data directories (XDG base directories, macOS Application Support) ---- */
/* $HOME when it is absolute, else the home directory in the user database (its text kept in
   buf, GTBT__HOME_BUF bytes); NULL when neither is known. */
static const char *gtbt__home(char *buf) {
    const char *h = gtbt__getenv("HOME");
    struct passwd pw, *res = NULL;
    if (h && h[0] == '/') return h;
    if (getpwuid_r(getuid(), &pw, buf, GTBT__HOME_BUF, &res) != 0 || !res) return NULL;
    return (res->pw_dir && res->pw_dir[0] == '/') ? res->pw_dir : NULL;
}

#if GTBT__MACOS
static int gtbt__default_config_dir_posix(const char *tool, char *out, size_t cap) {
    char hbuf[GTBT__HOME_BUF];
    const char *home = gtbt__home(hbuf);
    int n;
    if (!home) return GTBT_E_INVALID;
    n = gtbt__snprintf(out, cap, "%s/Library/Application Support/%s", home, tool);
    return (n < 0 || (size_t)n >= cap) ? GTBT_E_INVALID : GTBT_OK;
}
static int gtbt__default_data_dir_posix(const char *tool, char *out, size_t cap) {
    return gtbt__default_config_dir_posix(tool, out, cap);
}
#else
/* $XDG_<var> when it is an absolute path, else ~/<fallback>, then /<tool>. */
static int gtbt__xdg_dir(const char *var, const char *fallback, const char *tool, char *out, size_t cap) {
    const char *x = gtbt__getenv(var), *home;
    char hbuf[GTBT__HOME_BUF];
    int n;
    if (x && x[0] == '/') {
        n = gtbt__snprintf(out, cap, "%s/%s", x, tool);
    } else {
        home = gtbt__home(hbuf);
        if (!home) return GTBT_E_INVALID;
        n = gtbt__snprintf(out, cap, "%s/%s/%s", home, fallback, tool);
    }
    return (n < 0 || (size_t)n >= cap) ? GTBT_E_INVALID : GTBT_OK;
}
static int gtbt__default_config_dir_posix(const char *tool, char *out, size_t cap) {
    return gtbt__xdg_dir("XDG_CONFIG_HOME", ".config", tool, out, cap);
}
static int gtbt__default_data_dir_posix(const char *tool, char *out, size_t cap) {
    return gtbt__xdg_dir("XDG_STATE_HOME", ".local/state", tool, out, cap);
}
#endif

/* ---- identity signals for the machine id: OS machine id, first MAC, host name, user name ---- */

#if GTBT__LINUX
static void gtbt__os_machine_id_posix(char *out, size_t cap) {
    char *text;
    size_t len;
    out[0] = 0;
    if (gtbt__read_file("/etc/machine-id", 4096, 0, &text, &len) != GTBT_OK) return;
    gtbt__trim(text);
    gtbt__copy(out, cap, text, strlen(text));
    gtbt__free(text);
}
/* The first interface (kernel order) that is not loopback and has a hardware address. */
static void gtbt__first_mac_posix(char *out, size_t cap) {
    struct ifaddrs *ifs, *i;
    out[0] = 0;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        const struct sockaddr_ll *ll;
        const unsigned char *a;
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || (i->ifa_flags & IFF_LOOPBACK)) continue;
        ll = (const struct sockaddr_ll *)(const void *)i->ifa_addr;
        if (ll->sll_halen != 6) continue;
        a = ll->sll_addr;
        if (!(a[0] | a[1] | a[2] | a[3] | a[4] | a[5])) continue;
        gtbt__mac_text(a, out, cap);
        break;
    }
    freeifaddrs(ifs);
}
/* The user name of uid as getpwuid_r gives it, read straight from the passwd file when the name
   service looks there first (the one "passwd:" line of the nss file, /etc/nsswitch.conf, names
   "files" first), which spares loading the whole name service configuration in every run. 1 when
   found; 0, out untouched, when getpwuid_r must answer: other sources first, no line for uid, or
   a line for uid (or one that could be read as such) outside the plain
   name:password:uid:gid:gecos:home:shell form, which the C library parses in ways of its own. */
static int gtbt__passwd_name_posix(const char *nss, const char *passwd, unsigned long uid, char *out, size_t cap) {
    char *text, *line, *next, *f[7];
    size_t len;
    int lines = 0, files = 0, found = 0, k;
    if (gtbt__read_file(nss, 64 * 1024, 0, &text, &len) != GTBT_OK) return 0;
    for (line = text; line; line = next) {
        if ((next = gtbt__chr(line, '\n')) != NULL) *next++ = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (gtbt__ncmp(line, "passwd:", 7)) continue;
        for (line += 7; *line == ' ' || *line == '\t'; line++) {}
        lines++;
        files = !gtbt__ncmp(line, "files", 5) && (!line[5] || line[5] == ' ' || line[5] == '\t' || line[5] == '#' || line[5] == '[');
    }
    gtbt__free(text);
    if (lines != 1 || !files) return 0;
    if (gtbt__read_file(passwd, 16 * 1024 * 1024, 0, &text, &len) != GTBT_OK) return 0;
    if (memchr(text, 0, len)) { gtbt__free(text); return 0; }
    for (line = text; line && !found; line = next) {
        unsigned long id = 0;
        const char *d;
        if ((next = gtbt__chr(line, '\n')) != NULL) *next++ = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line || *line == '#' || *line == '+' || *line == '-') continue;   /* +/-: NIS markers, never a user here */
        for (k = 0, f[0] = line; k < 6 && (f[k + 1] = gtbt__chr(f[k], ':')) != NULL; k++) *f[k + 1]++ = 0;
        if (k < 2) continue;   /* no uid field: not a line for anyone */
        for (d = f[2]; *d >= '0' && *d <= '9' && d - f[2] < 9; d++) id = id * 10 + (unsigned long)(*d - '0');
        if (*d || d == f[2]) found = -1;   /* not plain digits: leave it to the C library */
        else if (id == uid) {
            for (d = k == 6 ? f[3] : ""; *d >= '0' && *d <= '9'; d++) {}
            found = (k == 6 && f[0][0] && d != f[3] && !*d) ? 1 : -1;   /* and a plain gid */
        }
    }
    if (found > 0) gtbt__copy(out, cap, f[0], strlen(f[0]));
    gtbt__free(text);
    return found > 0;
}
/* 3rd field of /proc/version ("Linux version 6.8.0-106-generic ..."); "linux" when unreadable. */
static void gtbt__os_version_posix(char *out, size_t cap) {
    char *text, *p, *f[3];
    size_t len;
    int k = 0;
    gtbt__copy(out, cap, "linux", 5);
    if (gtbt__read_file("/proc/version", 64 * 1024, 0, &text, &len) != GTBT_OK) return;
    gtbt__trim(text);
    p = text;
    while (*p && k < 3) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        f[k++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
        if (*p) *p++ = 0;
    }
    if (k == 3) gtbt__copy(out, cap, f[2], strlen(f[2]));
    else if (text[0]) gtbt__copy(out, cap, text, strlen(text));
    gtbt__free(text);
}
#else
#if GTBT__MACOS
/* The hardware UUID (IOPlatformUUID, which the Go original reads through ioreg), without running
   a program: gethostuuid gives the same value. */
static void gtbt__os_machine_id_posix(char *out, size_t cap) {
    unsigned char u[16];
    struct timespec wait;
    out[0] = 0;
    wait.tv_sec = 1;
    wait.tv_nsec = 0;
    if (gethostuuid(u, &wait) != 0) return;
    gtbt__snprintf(out, cap, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}
#else
/* The BSDs: no machine id file that every system has; the other signals carry the id. */
static void gtbt__os_machine_id_posix(char *out, size_t cap) { (void)cap; out[0] = 0; }
#endif
static void gtbt__first_mac_posix(char *out, size_t cap) {
    struct ifaddrs *ifs, *i;
    out[0] = 0;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        const struct sockaddr_dl *dl;
        const unsigned char *a;
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_LINK || (i->ifa_flags & IFF_LOOPBACK)) continue;
        dl = (const struct sockaddr_dl *)(const void *)i->ifa_addr;
        if (dl->sdl_alen != 6) continue;
        a = (const unsigned char *)LLADDR(dl);
        gtbt__mac_text(a, out, cap);
        break;
    }
    freeifaddrs(ifs);
}
/* No /etc/passwd shortcut outside Linux: getpwuid_r answers. */
static int gtbt__passwd_name_posix(const char *nss, const char *passwd, unsigned long uid, char *out, size_t cap) {
    (void)nss; (void)passwd; (void)uid; (void)out; (void)cap;
    return 0;
}
/* Outside Linux the Go original reports the operating system's own name ("darwin", "freebsd")
   as its version, not the kernel release. */
static void gtbt__os_version_posix(char *out, size_t cap) { gtbt__snprintf(out, cap, "%s", GTBT__OS); }
#endif

static void gtbt__hostname_posix(char *out, size_t cap) {
    if (gethostname(out, cap) != 0) out[0] = 0;
    out[cap - 1] = 0;
}
static void gtbt__username_posix(char *out, size_t cap) {
    struct passwd pw, *res = NULL;
    char tmp[4096];
    out[0] = 0;
    if (gtbt__passwd_name_posix("/etc/nsswitch.conf", "/etc/passwd", (unsigned long)getuid(), out, cap)) return;
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name)
        gtbt__copy(out, cap, res->pw_name, strlen(res->pw_name));
}

/* ---- processes ---- */
static int gtbt__pid_posix(void) { return (int)getpid(); }
/* 1 when a process with that id exists (or we cannot tell), 0 when it certainly does not. */
static int gtbt__pid_alive_posix(int pid) {
    if (pid <= 0) return 0;
    return !(kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}
static int gtbt__is_tty_posix(FILE *f) { return f && isatty(fileno(f)); }
/* Local time of t (for the end user's eyes); 0 when unknown. */
static int gtbt__localtime_posix(time_t t, struct tm *out) { return localtime_r(&t, out) != NULL; }

/* dup2(fd, to) in a process of one thread (a forked child), as POSIX defines it: to closed, then
   the lowest free descriptor from to on, which is to. */
static void gtbt__dup_to(int fd, int to) {
    if (fd == to) return;
    close(to);
    (void)fcntl(fd, F_DUPFD, to);
}

/* Runs argv[0] (searched in PATH) with argv, no shell, waits up to timeout_ms; 0 on exit status 0. */
static int gtbt__run(const char *const *argv, int timeout_ms) {
    pid_t pid = fork();
    int64_t end = gtbt_now_ms() + timeout_ms;
    int status;
    if (pid < 0) return GTBT_E_IO;
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) { gtbt__dup_to(fd, 0); gtbt__dup_to(fd, 1); gtbt__dup_to(fd, 2); }
        execvp(argv[0], (char *const *)(void *)argv);
        _exit(127);
    }
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? GTBT_OK : GTBT_E_IO;
        if (r < 0 && errno != EINTR) return GTBT_E_IO;
        if (gtbt_now_ms() >= end) { kill(pid, SIGKILL); waitpid(pid, &status, 0); return GTBT_E_TIMEOUT; }
        gtbt__sleep_ms(10);
    }
}
/* ---- the detached sender: process plumbing ----
   The lock is a flock on a file: it belongs to the open file description, so it passes from the
   process that took it to the sender it forks, and it vanishes with the last process holding it
   (a crashed or killed sender leaves no stale lock). The file holds the sender's pid, for status
   and for stopping it. */
/* Opens path (created 0600 when create) and takes the lock without waiting: 1 = taken (*fd holds
   it), 0 = another process holds it, -1 = cannot (no such file without create, or an error). */
static int gtbt__sender_lock_posix(const char *path, int create, int *fd) {
    int f = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0), 0600);
    *fd = -1;
    if (f < 0) return -1;
    while (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EINTR) continue;
        close(f);
        return e == EWOULDBLOCK || e == EAGAIN ? 0 : -1;
    }
    *fd = f;
    return 1;
}
/* Releases the lock and closes fd. */
static void gtbt__sender_unlock_posix(int fd) {
    if (fd < 0) return;
    flock(fd, LOCK_UN);
    close(fd);
}
/* Closes this process's descriptor of a lock that a forked sender keeps holding. */
static void gtbt__sender_handoff_posix(int fd) { if (fd >= 0) close(fd); }

/* Replaces the lock file's content with pid (decimal); only async-signal-safe calls. */
static void gtbt__sender_note_pid_posix(int fd, int pid) {
    char d[24];
    int n = 0, k;
    char out[24];
    do { d[n++] = (char)('0' + pid % 10); pid /= 10; } while (pid > 0 && n < 20);
    for (k = 0; k < n; k++) out[k] = d[n - 1 - k];
    if (ftruncate(fd, 0) == 0 && pwrite(fd, out, (size_t)n, 0) != (ssize_t)n) { /* status shows no pid */ }
}

/* The pid of the process holding the lock at path: 0 when nobody holds it (or there is no
   file), -1 when it is held but the pid is not written yet. Takes the lock shared for a moment. */
static int gtbt__sender_running_posix(const char *path) {
    char text[24];
    ssize_t n;
    long long pid;
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (f < 0) return 0;
    if (flock(f, LOCK_SH | LOCK_NB) == 0) { flock(f, LOCK_UN); close(f); return 0; }
    n = pread(f, text, sizeof text - 1, 0);
    close(f);
    if (n <= 0) return -1;
    text[n] = 0;
    pid = gtbt__dec(text, NULL);
    return pid > 0 && pid < INT_MAX ? (int)pid : -1;
}

static void gtbt__sender_kill_posix(int pid) { if (pid > 0 && pid != (int)getpid()) kill((pid_t)pid, SIGKILL); }

/* A person may be waiting: standard output or standard error is a terminal. */
static int gtbt__on_terminal_posix(void) { return isatty(1) || isatty(2); }

/* Detaches the sender from everything the tool had open: standard input, output and error on
   /dev/null, every other inherited descriptor but keep closed (so "out=$(tool)" and "tool | head"
   end when the tool does), the signal mask emptied, the tool's handlers back to their defaults,
   SIGPIPE ignored, and an alarm as the last resort should anything hang past the budget. */
static void gtbt__sender_isolate_posix(int keep, int alarm_s) {
    struct sigaction sa, old;
    sigset_t all, none;
    DIR *d;
    int fd = open("/dev/null", O_RDWR | O_NOCTTY), sig, fds[256], nf, k, listed;
    long max, i;
    if (fd >= 0) {
        gtbt__dup_to(fd, 0); gtbt__dup_to(fd, 1); gtbt__dup_to(fd, 2);
        if (fd > 2) close(fd);
    }
    /* in batches, each from a fresh listing closed before its descriptors are: closing while
       reading the directory is not portable. The listing's own descriptor is listed too; closing
       it again after closedir fails harmlessly. */
    for (nf = 256, listed = 0; nf == 256 && (d = opendir(GTBT__LINUX ? "/proc/self/fd" : "/dev/fd")) != NULL; listed = 1) {
        struct dirent *de;
        nf = 0;
        while ((de = readdir(d)) != NULL && nf < 256) {
            long long v = gtbt__dec(de->d_name, NULL);
            if (de->d_name[0] < '0' || de->d_name[0] > '9' || v <= 2 || v == keep || v > INT_MAX) continue;
            fds[nf++] = (int)v;
        }
        closedir(d);
        for (k = 0; k < nf; k++) close(fds[k]);
    }
    if (!listed) {
        max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536) max = 65536;
        for (i = 3; i < max; i++) if (i != keep) close((int)i);
    }
    sigfillset(&all);
    GTBT__SIGMASK(SIG_UNBLOCK, &all, NULL);
    GTBT__SIGMASK(SIG_BLOCK, NULL, &none);   /* the mask now: the empty set, for the handlers below */
    for (sig = 1; sig < 32; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) != 0) continue;
        if (!(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN)) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sa.sa_mask = none;
        sigaction(sig, &sa, NULL);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_mask = none;
    sigaction(SIGPIPE, &sa, NULL);
    alarm((unsigned)alarm_s);
}

/* Starts run(arg) in a detached process: fork, setsid, fork again (the middle process exits at
   once, so no zombie is left and the sender can never take a controlling terminal), then the
   sender isolates itself, runs and _exits. The middle process writes the sender's pid into the
   lock file lock_fd before it exits, so the pid is there when this returns. GTBT_OK in the
   caller; GTBT_E_IO when no process could be started. Never returns in the children. */
static int gtbt__sender_spawn_posix(int lock_fd, int alarm_s, void (*run)(void *), void *arg) {
    pid_t pid, r;
    int st = 0;
    if (ftruncate(lock_fd, 0) != 0) { /* an old pid would only be shown by status */ }
    pid = fork();
    if (pid < 0) return GTBT_E_IO;
    if (pid == 0) {
        pid_t g;
        setsid();
        g = fork();
        if (g > 0) gtbt__sender_note_pid_posix(lock_fd, (int)g);
        if (g != 0) _exit(g > 0 ? 0 : 1);
        gtbt__sender_isolate_posix(lock_fd, alarm_s);
        run(arg);
        _exit(0);
    }
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {}
    if (r < 0) return errno == ECHILD ? GTBT_OK : GTBT_E_IO;   /* the tool reaps its children itself */
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? GTBT_OK : GTBT_E_IO;
}

#if GTBT__MACOS
static const char *gtbt__url_opener(void) { return "open"; }
#else
static const char *gtbt__url_opener(void) { return "xdg-open"; }
#endif
/* Hands url to the desktop's handler (a mail client for mailto:), waiting at most timeout_ms. */
static int gtbt__open_url_posix(const char *url, int timeout_ms) {
    const char *argv[3];
    argv[0] = gtbt__url_opener(); argv[1] = url; argv[2] = NULL;
    return gtbt__run(argv, timeout_ms);
}
#endif /* GTBT__POSIX */


#if GTBT__WIN32
/* ================================ Windows ================================ */
/* Win32 errors as errno values, so the shared code reports them the same way on every platform. */
static int gtbt__errno_of_win32(DWORD e) {
    switch (e) {
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_NAME: case ERROR_BAD_NETPATH: return ENOENT;
    case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION: return EACCES;
    case ERROR_FILE_EXISTS: case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_DISK_FULL: case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_DIRECTORY: return ENOTDIR;
    case ERROR_FILENAME_EXCED_RANGE: return ENAMETOOLONG;
    default: return EIO;
    }
}
static int gtbt__fail_win32(void) { errno = gtbt__errno_of_win32(GetLastError()); return -1; }

/* UTF-8 to UTF-16 (NULL on invalid UTF-8 or no memory), and back. */
static wchar_t *gtbt__wide(const char *s) {
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;
    if (n <= 0) { errno = EINVAL; return NULL; }
    w = (wchar_t *)gtbt__malloc((size_t)n * sizeof *w);
    if (!w) { errno = ENOMEM; return NULL; }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}
static char *gtbt__narrow(const wchar_t *w) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s;
    if (n <= 0) return NULL;
    s = (char *)gtbt__malloc((size_t)n);
    if (!s) return NULL;
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}
/* A UTF-8 path as a UTF-16 path for the W APIs: '/' becomes '\', and a long absolute path gets
   the \\?\ prefix (MAX_PATH is 260 characters; our paths may be longer). */
static wchar_t *gtbt__wpath(const char *path) {
    wchar_t *w = gtbt__wide(path), *x;
    size_t n, i, pre;
    if (!w) return NULL;
    n = wcslen(w);
    for (i = 0; i < n; i++) if (w[i] == L'/') w[i] = L'\\';
    if (n < 240 || (w[0] == L'\\' && w[1] == L'\\' && (w[2] == L'?' || w[2] == L'.'))) return w;
    if (((w[0] | 32) >= L'a' && (w[0] | 32) <= L'z') && w[1] == L':' && w[2] == L'\\') pre = 4;      /* \\?\C:\ */
    else if (w[0] == L'\\' && w[1] == L'\\') pre = 7;                                                   /* \\?\UNC\ */
    else return w;
    x = (wchar_t *)gtbt__malloc((n + pre + 1) * sizeof *x);
    if (!x) { gtbt__free(w); errno = ENOMEM; return NULL; }
    if (pre == 4) { memcpy(x, L"\\\\?\\", 4 * sizeof *x); memcpy(x + 4, w, (n + 1) * sizeof *x); }
    else { memcpy(x, L"\\\\?\\UNC\\", 8 * sizeof *x); memcpy(x + 8, w + 2, (n - 1) * sizeof *x); }
    gtbt__free(w);
    return x;
}

static int64_t gtbt__mono_ms_win32(void) {
    LARGE_INTEGER f, c;
    if (!QueryPerformanceFrequency(&f) || !QueryPerformanceCounter(&c) || f.QuadPart <= 0) return (int64_t)GetTickCount64();
    return (int64_t)(c.QuadPart / f.QuadPart * 1000 + c.QuadPart % f.QuadPart * 1000 / f.QuadPart);
}
/* FILETIME counts 100 ns from 1601; 11644473600 s separate 1601 and 1970. */
static int64_t gtbt__realtime_ns_win32(void) {
    FILETIME ft;
    ULARGE_INTEGER u;
    GetSystemTimePreciseAsFileTime(&ft);
    u.LowPart = ft.dwLowDateTime;
    u.HighPart = ft.dwHighDateTime;
    return ((int64_t)u.QuadPart - (int64_t)116444736000000000LL) * 100;
}
static GTBT__UNUSED void gtbt__sleep_ms_win32(int ms) { Sleep(ms > 0 ? (DWORD)ms : 0); }

/* Environment variables as UTF-8 (the CRT's getenv gives the ANSI code page, which cannot hold
   every path). The values are kept for the life of the process in a small table that only grows,
   so a returned pointer stays valid even if another thread reads the variable again after the
   tool changed it; once the table is full the CRT's getenv answers. Names are case-insensitive,
   as Windows has them. */
#define GTBT__ENV_SLOTS 64
static struct { char *name, *value; } gtbt__env_cache[GTBT__ENV_SLOTS];
static SRWLOCK gtbt__env_lock = SRWLOCK_INIT;
static const char *gtbt__getenv_win32(const char *name) {
    wchar_t *wn = gtbt__wide(name), *wv = NULL;
    DWORD n;
    char *v = NULL;
    const char *r = NULL;
    int i, found = 0;
    if (!wn) return NULL;
    n = GetEnvironmentVariableW(wn, NULL, 0);
    if (n > 0 && n < 65536 && (wv = (wchar_t *)gtbt__malloc(n * sizeof *wv)) != NULL && GetEnvironmentVariableW(wn, wv, n) < n)
        v = gtbt__narrow(wv);
    gtbt__free(wn);
    gtbt__free(wv);
    if (!v) return n == 0 ? NULL : getenv(name);
    AcquireSRWLockExclusive(&gtbt__env_lock);
    for (i = 0; i < GTBT__ENV_SLOTS && gtbt__env_cache[i].name; i++)
        if (!gtbt__ascii_casecmp(gtbt__env_cache[i].name, name) && !strcmp(gtbt__env_cache[i].value, v)) { r = gtbt__env_cache[i].value; found = 1; break; }
    if (!found && i < GTBT__ENV_SLOTS && (gtbt__env_cache[i].name = gtbt__strdup(name)) != NULL) {
        gtbt__env_cache[i].value = v;
        r = v;
        v = NULL;
    }
    ReleaseSRWLockExclusive(&gtbt__env_lock);
    gtbt__free(v);
    return r ? r : getenv(name);
}

/* ---- mutex, condition variable and detached thread ---- */
#if GTBT__THREADS
typedef struct gtbt__mutex { SRWLOCK l; } gtbt__mutex;
static void gtbt__mutex_init(gtbt__mutex *m) { InitializeSRWLock(&m->l); }
static void gtbt__mutex_destroy(gtbt__mutex *m) { (void)m; }
static void gtbt__mutex_lock(gtbt__mutex *m) { AcquireSRWLockExclusive(&m->l); }
static void gtbt__mutex_unlock(gtbt__mutex *m) { ReleaseSRWLockExclusive(&m->l); }
static SRWLOCK gtbt__global_srw = SRWLOCK_INIT;
static GTBT__UNUSED void gtbt__global_lock(void) { AcquireSRWLockExclusive(&gtbt__global_srw); }
static GTBT__UNUSED void gtbt__global_unlock(void) { ReleaseSRWLockExclusive(&gtbt__global_srw); }
typedef struct gtbt__cond { CONDITION_VARIABLE c; } gtbt__cond;
static GTBT__UNUSED int gtbt__cond_init(gtbt__cond *c) { InitializeConditionVariable(&c->c); return 1; }
static GTBT__UNUSED void gtbt__cond_destroy(gtbt__cond *c) { (void)c; }
static GTBT__UNUSED void gtbt__cond_signal(gtbt__cond *c) { WakeConditionVariable(&c->c); }
static GTBT__UNUSED void gtbt__cond_wait_ms(gtbt__cond *c, gtbt__mutex *m, int ms) {
    SleepConditionVariableSRW(&c->c, &m->l, ms > 0 ? (DWORD)ms : 0, 0);
}
typedef struct gtbt__thread_start { void (*fn)(void *); void *arg; HMODULE mod; } gtbt__thread_start;
static DWORD WINAPI gtbt__thread_main(LPVOID p) {
    gtbt__thread_start st = *(gtbt__thread_start *)p;
    gtbt__free(p);
    st.fn(st.arg);
    if (st.mod) FreeLibraryAndExitThread(st.mod, 0);
    return 0;
}
/* Starts fn(arg) on a thread nobody joins (its handle is closed at once); 0 when none started.
   The thread holds a reference to the module that contains this code (found by the address of
   one of its variables), so a DLL build
   (GTB_TELEMETRY_DLL) unloaded by the tool stays mapped until a late resolver thread is done. */
static GTBT__UNUSED int gtbt__thread_detached(void (*fn)(void *), void *arg) {
    gtbt__thread_start *st = (gtbt__thread_start *)gtbt__malloc(sizeof *st);
    HANDLE h;
    if (!st) return 0;
    st->fn = fn;
    st->arg = arg;
    st->mod = NULL;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(const void *)&gtbt__env_lock, &st->mod)) st->mod = NULL;
    h = CreateThread(NULL, 64 * 1024, gtbt__thread_main, st, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!h) {
        if (st->mod) FreeLibrary(st->mod);
        gtbt__free(st);
        return 0;
    }
    CloseHandle(h);
    return 1;
}
#endif

/* ---- entropy ---- */
static int gtbt__os_entropy_win32(void *out, size_t n) {
    unsigned char *p = (unsigned char *)out;
    while (n > 0) {
        ULONG k = n > 0x10000000 ? 0x10000000 : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, k, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return GTBT_E_IO;
        p += k;
        n -= k;
    }
    return GTBT_OK;
}

/* ---- files: UTF-16 W APIs, binary, shared with deleters; reparse points refused where POSIX
   refuses symbolic links ---- */
static int gtbt__read_file_win32(const char *path, size_t max, int nofollow, char **out, size_t *len) {
    wchar_t *w = gtbt__wpath(path);
    HANDLE h;
    BY_HANDLE_FILE_INFORMATION fi;
    gtbt__buf b;
    char chunk[4096];
    uint64_t size;
    *out = NULL;
    *len = 0;
    if (!w) return errno == ENOMEM ? GTBT_E_NOMEM : GTBT_E_IO;
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL | (nofollow ? FILE_FLAG_OPEN_REPARSE_POINT : 0), NULL);
    gtbt__free(w);
    if (h == INVALID_HANDLE_VALUE) { gtbt__fail_win32(); return GTBT_E_IO; }
    if (!GetFileInformationByHandle(h, &fi)) { gtbt__fail_win32(); CloseHandle(h); return GTBT_E_IO; }
    size = ((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow;
    if (GetFileType(h) != FILE_TYPE_DISK || (fi.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) ||
        size > (uint64_t)max) {
        CloseHandle(h);
        return GTBT_E_INVALID;
    }
    memset(&b, 0, sizeof b);
    gtbt__buf_reserve(&b, (size_t)size);
    for (;;) {
        DWORD r = 0;
        if (!ReadFile(h, chunk, (DWORD)sizeof chunk, &r, NULL)) { gtbt__fail_win32(); CloseHandle(h); gtbt__buf_free(&b); return GTBT_E_IO; }
        if (r == 0) break;
        if (b.len + r > max) { CloseHandle(h); gtbt__buf_free(&b); return GTBT_E_INVALID; }
        gtbt__buf_put(&b, chunk, r);
    }
    CloseHandle(h);
    *out = gtbt__buf_take(&b, len);
    return *out ? GTBT_OK : GTBT_E_NOMEM;
}

static int gtbt__write_handle_win32(HANDLE h, const void *p, size_t n) {
    const char *s = (const char *)p;
    while (n > 0) {
        DWORD k = n > 0x40000000 ? 0x40000000 : (DWORD)n, w = 0;
        if (!WriteFile(h, s, k, &w, NULL) || w == 0) { gtbt__fail_win32(); return GTBT_E_IO; }
        s += w;
        n -= w;
    }
    return GTBT_OK;
}

/* MoveFileExW, retried a few times over 100 ms while another process (a reader, an indexer, an
   anti-virus scanner) briefly holds the target or the source open. */
static BOOL gtbt__move_win32(const wchar_t *from, const wchar_t *to, DWORD flags) {
    int i;
    for (i = 0; i < 10; i++) {
        DWORD e;
        if (MoveFileExW(from, to, flags)) return TRUE;
        e = GetLastError();
        if (e != ERROR_SHARING_VIOLATION && e != ERROR_ACCESS_DENIED && e != ERROR_LOCK_VIOLATION) return FALSE;
        Sleep(10);
        SetLastError(e);
    }
    return FALSE;
}

/* A new temp file beside path (CREATE_NEW, not through a reparse point), written, flushed to disk
   and moved over path with MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH. */
static int gtbt__write_file_atomic_win32(const char *path, const char *tmp, const void *data, size_t n) {
    wchar_t *wp, *wt;
    HANDLE h;
    int rc;
    if ((gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) || gtbt__test_fail_writes) return GTBT_E_IO;
    wp = gtbt__wpath(path);
    wt = gtbt__wpath(tmp);
    if (!wp || !wt) { gtbt__free(wp); gtbt__free(wt); return GTBT_E_IO; }
    h = CreateFileW(wt, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS && DeleteFileW(wt))   /* left by a crash */
        h = CreateFileW(wt, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE) { gtbt__fail_win32(); gtbt__free(wp); gtbt__free(wt); return GTBT_E_IO; }
    rc = gtbt__write_handle_win32(h, data, n);
    if (rc == GTBT_OK && !FlushFileBuffers(h)) { gtbt__fail_win32(); rc = GTBT_E_IO; }
    if (!CloseHandle(h)) rc = GTBT_E_IO;
    if (rc == GTBT_OK && !gtbt__move_win32(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) { gtbt__fail_win32(); rc = GTBT_E_IO; }
    if (rc != GTBT_OK) DeleteFileW(wt);
    gtbt__free(wp);
    gtbt__free(wt);
    return rc;
}

static int gtbt__append_file_win32(const char *path, const void *data, size_t n) {
    wchar_t *w = gtbt__wpath(path);
    HANDLE h;
    BY_HANDLE_FILE_INFORMATION fi;
    int rc;
    if (!w) return GTBT_E_IO;
    h = CreateFileW(w, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    gtbt__free(w);
    if (h == INVALID_HANDLE_VALUE) { gtbt__fail_win32(); return GTBT_E_IO; }
    if (!GetFileInformationByHandle(h, &fi) || (fi.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))) {
        CloseHandle(h);
        return GTBT_E_IO;
    }
    rc = gtbt__write_handle_win32(h, data, n);
    if (!CloseHandle(h)) rc = GTBT_E_IO;
    return rc;
}

/* Length of the part of a path that is never created: "C:\", "\\server\share\", "\\?\C:\",
   "\\?\UNC\server\share\". */
static size_t gtbt__root_len_win32(const wchar_t *w) {
    size_t i = 0, parts = 0;
    if (!wcsncmp(w, L"\\\\?\\UNC\\", 8)) { i = 8; parts = 2; }
    else if (!wcsncmp(w, L"\\\\?\\", 4)) i = 4;
    else if (w[0] == L'\\' && w[1] == L'\\') { i = 2; parts = 2; }
    while (parts > 0 && w[i]) { while (w[i] && w[i] != L'\\') i++; if (w[i]) i++; parts--; }
    if (w[i] && w[i + 1] == L':') i += 2;
    if (w[i] == L'\\') i++;
    return i;
}

/* Creates dir and its missing parents (drive and UNC roots skipped). The directory must be a real
   directory, not a junction or symbolic link. Access is left to the ACL that the directory
   inherits from %LOCALAPPDATA% / %APPDATA%, which is private to the user. */
static int gtbt__dir_private_win32(const char *dir) {
    wchar_t *w = gtbt__wpath(dir);
    DWORD attr;
    if (!w) return GTBT_E_INVALID;
    attr = GetFileAttributesW(w);
    gtbt__free(w);
    if (attr == INVALID_FILE_ATTRIBUTES) return GTBT_E_IO;
    if (!(attr & FILE_ATTRIBUTE_DIRECTORY) || (attr & FILE_ATTRIBUTE_REPARSE_POINT) || (attr & FILE_ATTRIBUTE_READONLY)) return GTBT_E_IO;
    return GTBT_OK;
}
static int gtbt__mkdir_private_win32(const char *dir);
/* As gtbt__mkdir_private, with the reason of a failure in why. */
static int gtbt__mkdir_private_why_win32(const char *dir, char *why, size_t cap) {
    int rc = gtbt__mkdir_private_win32(dir);
    if (why && cap) {
        if (rc == GTBT_OK) why[0] = 0;
        else gtbt__snprintf(why, cap, "cannot create or use %s (a real directory of your own is needed)", dir);
    }
    return rc;
}
/* A missing directory is made on its first write; its parents inherit the user's private ACL. */
static int gtbt__dir_creatable_win32(const char *dir, char *why, size_t cap) {
    (void)dir; (void)why; (void)cap;
    return 1;
}
static int gtbt__localtime_win32(time_t t, struct tm *out) { return localtime_s(out, &t) == 0; }

static int gtbt__mkdir_private_win32(const char *dir) {
    wchar_t *w = gtbt__wpath(dir);
    size_t i, n, root;
    DWORD attr;
    if (!w) return GTBT_E_INVALID;
    n = wcslen(w);
    root = gtbt__root_len_win32(w);
    while (n > root && w[n - 1] == L'\\') w[--n] = 0;
    if (n == 0 || n <= root) { gtbt__free(w); return GTBT_E_INVALID; }
    for (i = root; i <= n; i++) {
        if (w[i] != L'\\' && w[i] != 0) continue;
        w[i] = 0;
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS && i == n) {
            gtbt__fail_win32();
            gtbt__free(w);
            return GTBT_E_IO;
        }
        if (i < n) w[i] = L'\\';
    }
    attr = GetFileAttributesW(w);
    gtbt__free(w);
    if (attr == INVALID_FILE_ATTRIBUTES) { gtbt__fail_win32(); return GTBT_E_IO; }
    if (!(attr & FILE_ATTRIBUTE_DIRECTORY) || (attr & FILE_ATTRIBUTE_REPARSE_POINT)) return GTBT_E_IO;   /* read-only means nothing on a directory */
    return GTBT_OK;
}

static int gtbt__fs_remove_win32(const char *path) {
    wchar_t *w = gtbt__wpath(path);
    BOOL ok;
    if (!w) return -1;
    ok = DeleteFileW(w);
    if (!ok) gtbt__fail_win32();
    gtbt__free(w);
    return ok ? 0 : -1;
}
static int gtbt__fs_rename_win32(const char *from, const char *to) {
    wchar_t *a = gtbt__wpath(from), *b = gtbt__wpath(to);
    BOOL ok = a && b && gtbt__move_win32(a, b, MOVEFILE_REPLACE_EXISTING);
    if (!ok) gtbt__fail_win32();
    gtbt__free(a);
    gtbt__free(b);
    return ok ? 0 : -1;
}
typedef struct gtbt__flock { HANDLE h; } gtbt__flock;
static int gtbt__fs_lock_win32(const char *path, gtbt__flock *l) {
    wchar_t *w = gtbt__wpath(path);
    OVERLAPPED ov;
    l->h = INVALID_HANDLE_VALUE;
    if (!w) return -1;
    l->h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                       FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    gtbt__free(w);
    if (l->h == INVALID_HANDLE_VALUE) return -1;
    memset(&ov, 0, sizeof ov);
    ov.OffsetHigh = 0x7FFFFFFF;   /* a byte far beyond the end: reads of the file are not blocked */
    if (LockFileEx(l->h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) return 0;
    {
        int busy = GetLastError() == ERROR_LOCK_VIOLATION;
        CloseHandle(l->h);
        l->h = INVALID_HANDLE_VALUE;
        return busy ? 1 : -1;
    }
}
static void gtbt__fs_unlock_win32(gtbt__flock *l) {
    if (l->h != INVALID_HANDLE_VALUE) CloseHandle(l->h);
    l->h = INVALID_HANDLE_VALUE;
}
static void gtbt__fs_touch_win32(const char *path) {
    wchar_t *w = gtbt__wpath(path);
    HANDLE h;
    FILETIME now;
    if (!w) return;
    h = CreateFileW(w, FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    gtbt__free(w);
    if (h == INVALID_HANDLE_VALUE) return;
    GetSystemTimeAsFileTime(&now);
    SetFileTime(h, NULL, NULL, &now);
    CloseHandle(h);
}
static int gtbt__fs_mtime_ms_win32(const char *path, int64_t *ms) {
    wchar_t *w = gtbt__wpath(path);
    WIN32_FILE_ATTRIBUTE_DATA fa;
    ULARGE_INTEGER u;
    BOOL ok;
    if (!w) return -1;
    ok = GetFileAttributesExW(w, GetFileExInfoStandard, &fa);
    gtbt__free(w);
    if (!ok) return gtbt__fail_win32();
    u.LowPart = fa.ftLastWriteTime.dwLowDateTime;
    u.HighPart = fa.ftLastWriteTime.dwHighDateTime;
    *ms = ((int64_t)u.QuadPart - (int64_t)116444736000000000LL) / 10000;
    return 0;
}
static int gtbt__fs_size_win32(const char *path, uint64_t *size) {
    wchar_t *w = gtbt__wpath(path);
    WIN32_FILE_ATTRIBUTE_DATA fa;
    BOOL ok;
    if (!w) return -1;
    ok = GetFileAttributesExW(w, GetFileExInfoStandard, &fa);
    gtbt__free(w);
    if (!ok || (fa.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))) return -1;
    *size = ((uint64_t)fa.nFileSizeHigh << 32) | fa.nFileSizeLow;
    return 0;
}
typedef struct gtbt__dir { HANDLE h; int first; WIN32_FIND_DATAW fd; char name[MAX_PATH * 3 + 1]; } gtbt__dir;
static int gtbt__dir_open_win32(gtbt__dir *d, const char *path) {
    char pat[GTBT__MAX_PATH];
    wchar_t *w;
    if (gtbt__path_join(pat, sizeof pat, path, "*") != GTBT_OK || !(w = gtbt__wpath(pat))) return -1;
    d->h = FindFirstFileExW(w, FindExInfoBasic, &d->fd, FindExSearchNameMatch, NULL, 0);
    gtbt__free(w);
    d->first = 1;
    return d->h == INVALID_HANDLE_VALUE ? gtbt__fail_win32() : 0;
}
static const char *gtbt__dir_next_win32(gtbt__dir *d) {
    if (!d->first && !FindNextFileW(d->h, &d->fd)) return NULL;
    d->first = 0;
    if (!WideCharToMultiByte(CP_UTF8, 0, d->fd.cFileName, -1, d->name, (int)sizeof d->name, NULL, NULL)) d->name[0] = 0;
    return d->name;
}
static void gtbt__dir_close_win32(gtbt__dir *d) { FindClose(d->h); }

/* ---- places: config in %APPDATA%\<tool>, data in %LOCALAPPDATA%\<tool> (known folders) ---- */
#ifdef __cplusplus
  #define GTBT__REFID(x) x
#else
  #define GTBT__REFID(x) &x
#endif
/* FOLDERID_RoamingAppData and FOLDERID_LocalAppData, spelt out so no uuid library is needed */
static const GUID gtbt__folder_roaming = {0x3EB685DB, 0x65F9, 0x4CF6, {0xA0, 0x3A, 0xE3, 0xEF, 0x65, 0x72, 0x9F, 0x3D}};
static const GUID gtbt__folder_local = {0xF1B32785, 0x6FBA, 0x4FCF, {0x9D, 0x55, 0x7B, 0x8E, 0x7F, 0x15, 0x70, 0x91}};
static int gtbt__folder_join_win32(PWSTR base, HRESULT hr, const char *tool, char *out, size_t cap) {
    char *n = SUCCEEDED(hr) && base ? gtbt__narrow(base) : NULL;
    int k = -1;
    CoTaskMemFree(base);
    if (n) k = gtbt__snprintf(out, cap, "%s\\%s", n, tool);
    gtbt__free(n);
    return (k < 0 || (size_t)k >= cap) ? GTBT_E_INVALID : GTBT_OK;
}
static int gtbt__default_config_dir_win32(const char *tool, char *out, size_t cap) {
    PWSTR w = NULL;
    HRESULT hr = SHGetKnownFolderPath(GTBT__REFID(gtbt__folder_roaming), 0, NULL, &w);
    return gtbt__folder_join_win32(w, hr, tool, out, cap);
}
static int gtbt__default_data_dir_win32(const char *tool, char *out, size_t cap) {
    PWSTR w = NULL;
    HRESULT hr = SHGetKnownFolderPath(GTBT__REFID(gtbt__folder_local), 0, NULL, &w);
    return gtbt__folder_join_win32(w, hr, tool, out, cap);
}

/* ---- identity, as the Go original computes it on Windows ---- */
/* MachineGuid of HKLM\SOFTWARE\Microsoft\Cryptography, from the 64-bit view even in a 32-bit
   process (the Go original runs reg.exe, which reads that view on 64-bit Windows). */
static void gtbt__os_machine_id_win32(char *out, size_t cap) {
    HKEY k;
    wchar_t v[128];
    DWORD type = 0, size = sizeof v - sizeof v[0];
    char *n;
    out[0] = 0;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Cryptography", 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS) return;
    memset(v, 0, sizeof v);
    if (RegQueryValueExW(k, L"MachineGuid", NULL, &type, (LPBYTE)v, &size) == ERROR_SUCCESS && type == REG_SZ && (n = gtbt__narrow(v))) {
        gtbt__trim(n);
        gtbt__snprintf(out, cap, "%s", n);
        gtbt__free(n);
    }
    RegCloseKey(k);
}
/* The first adapter (GetAdaptersAddresses order, which Go's net.Interfaces keeps) that is not
   the software loopback and has a hardware address, as lower-case colon hex. */
static void gtbt__first_mac_win32(char *out, size_t cap) {
    ULONG size = 16 * 1024, r = ERROR_BUFFER_OVERFLOW;
    IP_ADAPTER_ADDRESSES *all = NULL, *a;
    int tries;
    out[0] = 0;
    for (tries = 0; tries < 3 && r == ERROR_BUFFER_OVERFLOW; tries++) {
        gtbt__free(all);
        if (!(all = (IP_ADAPTER_ADDRESSES *)gtbt__malloc(size))) return;
        r = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER, NULL, all, &size);
    }
    for (a = r == ERROR_SUCCESS ? all : NULL; a; a = a->Next) {
        size_t i, o = 0;
        if (a->IfType == IF_TYPE_SOFTWARE_LOOPBACK || a->PhysicalAddressLength == 0) continue;
        for (i = 0; i < a->PhysicalAddressLength && o + 3 < cap; i++)
            o += (size_t)gtbt__snprintf(out + o, cap - o, i ? ":%02x" : "%02x", a->PhysicalAddress[i]);
        break;
    }
    gtbt__free(all);
}
/* The Go original reports "windows" as the OS version. */
static void gtbt__os_version_win32(char *out, size_t cap) { gtbt__snprintf(out, cap, "%s", GTBT__OS); }
/* Go's os.Hostname: the physical DNS host name. */
static void gtbt__hostname_win32(char *out, size_t cap) {
    wchar_t w[256];
    DWORD n = (DWORD)(sizeof w / sizeof w[0]);
    char *s;
    out[0] = 0;
    if (!GetComputerNameExW(ComputerNamePhysicalDnsHostname, w, &n) || !(s = gtbt__narrow(w))) return;
    gtbt__snprintf(out, cap, "%s", s);
    gtbt__free(s);
}
/* Go's user.Current().Username: DOMAIN\user of the process token's account. */
static void gtbt__username_win32(char *out, size_t cap) {
    HANDLE tok;
    union { TOKEN_USER tu; unsigned char b[512]; } info;
    wchar_t name[256], dom[256];
    DWORD len = 0, nn = 256, dn = 256;
    SID_NAME_USE use;
    char *a, *b;
    out[0] = 0;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return;
    if (!GetTokenInformation(tok, TokenUser, &info, (DWORD)sizeof info, &len) ||
        !LookupAccountSidW(NULL, info.tu.User.Sid, name, &nn, dom, &dn, &use)) { CloseHandle(tok); return; }
    CloseHandle(tok);
    a = gtbt__narrow(dom);
    b = gtbt__narrow(name);
    if (a && b) gtbt__snprintf(out, cap, "%s\\%s", a, b);
    gtbt__free(a);
    gtbt__free(b);
}

/* ---- processes ---- */
static int gtbt__pid_win32(void) { return (int)GetCurrentProcessId(); }
/* 1 when a process with that id runs (or we cannot tell), 0 when it certainly does not. */
static int gtbt__pid_alive_win32(int pid) {
    HANDLE h;
    DWORD code = 0;
    int alive;
    if (pid <= 0) return 0;
    h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (!h) return GetLastError() != ERROR_INVALID_PARAMETER;   /* access denied: it exists */
    alive = !GetExitCodeProcess(h, &code) || code == STILL_ACTIVE;
    CloseHandle(h);
    return alive;
}
/* A console (not a pipe or a file, nor the pipes of mintty/MSYS, which are not consoles). */
static int gtbt__is_tty_win32(FILE *f) {
    DWORD mode;
    intptr_t h;
    int fd = f ? _fileno(f) : -1;
    if (fd < 0 || !_isatty(fd)) return 0;
    h = _get_osfhandle(fd);
    return h != -1 && GetConsoleMode((HANDLE)h, &mode);
}
/* The shell's handler for url (the mail client for mailto:); ShellExecuteW returns once the
   handler was started. */
static int gtbt__open_url_win32(const char *url, int timeout_ms) {
    wchar_t *w = gtbt__wide(url);
    INT_PTR r;
    (void)timeout_ms;
    if (!w) return GTBT_E_INVALID;
    r = (INT_PTR)ShellExecuteW(NULL, L"open", w, NULL, NULL, SW_SHOWNORMAL);
    gtbt__free(w);
    return r > 32 ? GTBT_OK : GTBT_E_IO;
}
/* The detached sender is POSIX only: Windows delivers inline (no sender is ever started, so
   there is none to lock, show or stop). */
static int gtbt__sender_lock_win32(const char *path, int create, int *fd) { (void)path; (void)create; *fd = -1; return -1; }
static void gtbt__sender_unlock_win32(int fd) { (void)fd; }
static void gtbt__sender_handoff_win32(int fd) { (void)fd; }
static void gtbt__sender_note_pid_win32(int fd, int pid) { (void)fd; (void)pid; }
static int gtbt__sender_running_win32(const char *path) { (void)path; return 0; }
static void gtbt__sender_kill_win32(int pid) { (void)pid; }
static int gtbt__sender_spawn_win32(int lock_fd, int alarm_s, void (*run)(void *), void *arg) {
    (void)lock_fd; (void)alarm_s; (void)run; (void)arg;
    return GTBT_E_UNSUPPORTED;
}
static int gtbt__on_terminal_win32(void) { return 0; }
#endif /* GTBT__WIN32 */

GTB_TELEMETRY_API int64_t gtbt_now_ms(void) { return gtbt__mono_ms(); }

/* ---- sockets ---- */
#ifdef MSG_NOSIGNAL
#define GTBT__MSG_NOSIGNAL MSG_NOSIGNAL
#else
#define GTBT__MSG_NOSIGNAL 0
#endif
/* The socket layer, one implementation per platform: errors come back as errno values (EINTR,
   EAGAIN for "would block", ECONNREFUSED, ...) so the code above it is shared. */
#define gtbt__net_startup   GTBT__P(gtbt__net_startup)
#define gtbt__inet_pton     GTBT__P(gtbt__inet_pton)
#define gtbt__sock_create   GTBT__P(gtbt__sock_create)
#define gtbt__sock_begin    GTBT__P(gtbt__sock_begin)
#define gtbt__sock_so_error GTBT__P(gtbt__sock_so_error)
#define gtbt__sock_poll     GTBT__P(gtbt__sock_poll)
#define gtbt__sock_send     GTBT__P(gtbt__sock_send)
#define gtbt__sock_recv     GTBT__P(gtbt__sock_recv)
#define gtbt__sock_close    GTBT__P(gtbt__sock_close)
#define gtbt__sock_poll_connects GTBT__P(gtbt__sock_poll_connects)
#if GTBT__POSIX
typedef int gtbt__sock;
#define GTBT__NO_SOCK (-1)
static int gtbt__net_startup_posix(void) { return 1; }
static int gtbt__inet_pton_posix(int af, const char *s, void *out) { return inet_pton(af, s, out); }
#ifdef SO_NOSIGPIPE
static void gtbt__sock_nosigpipe(int fd) { int one = 1; (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one); }
#else
static void gtbt__sock_nosigpipe(int fd) { (void)fd; }
#endif
/* A non-blocking, close-on-exec TCP socket without Nagle delay that never raises SIGPIPE. */
static gtbt__sock gtbt__sock_create_posix(int family) {
    int fd = socket(family, SOCK_STREAM, 0), one = 1, fl;
    if (fd < 0) return -1;
    fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    gtbt__sock_nosigpipe(fd);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}
/* Starts a connect: 0 connected, 1 in progress, -1 failed (errno). */
static int gtbt__sock_begin_posix(gtbt__sock s, const struct sockaddr *sa, socklen_t len) {
    if (connect(s, sa, len) == 0) return 0;
    return (errno == EINPROGRESS || errno == EINTR) ? 1 : -1;
}
/* The pending error of a socket (a finished connect), as an errno value; 0 when none. */
static int gtbt__sock_so_error_posix(gtbt__sock s) {
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) return errno;
    return soerr;
}
/* Waits up to ms for s to be readable (or writable): 1 ready (errors included), 0 timed out, -1 (errno). */
static int gtbt__sock_poll_posix(gtbt__sock s, int for_write, int ms) {
    struct pollfd p;
    int r;
    p.fd = s;
    p.events = for_write ? POLLOUT : POLLIN;
    p.revents = 0;
    r = poll(&p, 1, ms);
    return r > 0 ? 1 : r;
}
/* Waits up to ms for one of n connecting sockets to finish (connected or failed): its index, -1
   when none did in time (or a signal interrupted the wait), -2 on an error (errno). */
static int gtbt__sock_poll_connects_posix(const gtbt__sock *s, int n, int ms) {
    struct pollfd p[GTBT__NET_MAX_ADDRS];
    int i, r;
    for (i = 0; i < n && i < GTBT__NET_MAX_ADDRS; i++) {
        p[i].fd = s[i];
        p[i].events = POLLOUT;
        p[i].revents = 0;
    }
    r = poll(p, (nfds_t)i, ms);
    if (r < 0) return errno == EINTR ? -1 : -2;
    for (i = 0; r > 0 && i < n; i++) if (p[i].revents) return i;
    return -1;
}
static long gtbt__sock_send_posix(gtbt__sock s, const void *p, size_t n) { return (long)send(s, p, n, GTBT__MSG_NOSIGNAL); }
static long gtbt__sock_recv_posix(gtbt__sock s, void *p, size_t n) { return (long)read(s, p, n); }   /* recv without flags */
static void gtbt__sock_close_posix(gtbt__sock s) { close(s); }
#else
typedef SOCKET gtbt__sock;
#define GTBT__NO_SOCK INVALID_SOCKET
/* Winsock errors as errno values. */
static int gtbt__errno_of_wsa(int e) {
    switch (e) {
    case WSAEWOULDBLOCK: case WSAEINPROGRESS: case WSAEALREADY: return EAGAIN;
    case WSAEINTR: return EINTR;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAECONNRESET: return ECONNRESET;
    case WSAECONNABORTED: return ECONNABORTED;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAENETUNREACH: case WSAENETDOWN: return ENETUNREACH;
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAENOBUFS: return ENOBUFS;
    case WSAEMFILE: return EMFILE;
    case WSAENOTCONN: case WSAESHUTDOWN: return ENOTCONN;
    default: return EIO;
    }
}
static long gtbt__wsa_fail(void) { errno = gtbt__errno_of_wsa(WSAGetLastError()); return -1; }
/* WSAStartup once per process, thread-safe (never undone: other code of the tool may use Winsock). */
static INIT_ONCE gtbt__wsa_once = INIT_ONCE_STATIC_INIT;
static int gtbt__wsa_ok;
static BOOL CALLBACK gtbt__wsa_init(PINIT_ONCE once, PVOID param, PVOID *ctx) {
    WSADATA wd;
    (void)once; (void)param; (void)ctx;
    gtbt__wsa_ok = WSAStartup(MAKEWORD(2, 2), &wd) == 0;
    return TRUE;
}
static int gtbt__net_startup_win32(void) {
    InitOnceExecuteOnce(&gtbt__wsa_once, gtbt__wsa_init, NULL, NULL);
    return gtbt__wsa_ok;
}
static int gtbt__inet_pton_win32(int af, const char *s, void *out) { return gtbt__net_startup_win32() ? inet_pton(af, s, out) : 0; }
/* A non-blocking, non-inheritable TCP socket without Nagle delay (Windows has no SIGPIPE). */
static gtbt__sock gtbt__sock_create_win32(int family) {
    SOCKET s;
    u_long nb = 1;
    BOOL one = TRUE;
    if (!gtbt__net_startup_win32()) { errno = ENETDOWN; return INVALID_SOCKET; }
    s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) { gtbt__wsa_fail(); return INVALID_SOCKET; }
    if (ioctlsocket(s, FIONBIO, &nb) != 0) { gtbt__wsa_fail(); closesocket(s); return INVALID_SOCKET; }
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, (int)sizeof one);
    return s;
}
static int gtbt__sock_begin_win32(gtbt__sock s, const struct sockaddr *sa, socklen_t len) {
    if (connect(s, sa, len) == 0) return 0;
    gtbt__wsa_fail();
    return errno == EAGAIN ? 1 : -1;
}
static int gtbt__sock_so_error_win32(gtbt__sock s) {
    int soerr = 0, sl = (int)sizeof soerr;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &sl) != 0) { gtbt__wsa_fail(); return errno; }
    return soerr ? gtbt__errno_of_wsa(soerr) : 0;
}
/* select on one socket rather than WSAPoll: WSAPoll did not report a failed connect before
   Windows 10 version 2004, select reports it in the except set. */
static int gtbt__sock_poll_win32(gtbt__sock s, int for_write, int ms) {
    fd_set rw, ex;
    struct timeval tv;
    int r;
    FD_ZERO(&rw);
    FD_ZERO(&ex);
    FD_SET(s, &rw);
    FD_SET(s, &ex);
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    r = select(0, for_write ? NULL : &rw, for_write ? &rw : NULL, &ex, &tv);
    if (r < 0) return (int)gtbt__wsa_fail();
    return r > 0 ? 1 : 0;
}
/* As the POSIX one, with select: a failed connect shows in the except set. */
static int gtbt__sock_poll_connects_win32(const gtbt__sock *s, int n, int ms) {
    fd_set wr, ex;
    struct timeval tv;
    int i, r;
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    for (i = 0; i < n; i++) { FD_SET(s[i], &wr); FD_SET(s[i], &ex); }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    r = select(0, NULL, &wr, &ex, &tv);
    if (r < 0) { gtbt__wsa_fail(); return errno == EINTR ? -1 : -2; }
    for (i = 0; r > 0 && i < n; i++) if (FD_ISSET(s[i], &wr) || FD_ISSET(s[i], &ex)) return i;
    return -1;
}
static long gtbt__sock_send_win32(gtbt__sock s, const void *p, size_t n) {
    int r = send(s, (const char *)p, n > INT_MAX ? INT_MAX : (int)n, 0);
    return r == SOCKET_ERROR ? gtbt__wsa_fail() : (long)r;
}
static long gtbt__sock_recv_win32(gtbt__sock s, void *p, size_t n) {
    int r = recv(s, (char *)p, n > INT_MAX ? INT_MAX : (int)n, 0);
    return r == SOCKET_ERROR ? gtbt__wsa_fail() : (long)r;
}
static void gtbt__sock_close_win32(gtbt__sock s) { closesocket(s); }
#endif

// >>sha256 ---------------------------------------------------------------------------------------
/* FIPS 180-4 SHA-256 and RFC 2104 HMAC: for the machine id and the random seed. A build with TLS
   uses BearSSL's SHA-256 (the handshake links it anyway: one implementation in the binary); a
   NO_TLS build has its own below, and both hash the same way (tests/test_core.c checks the
   FIPS vectors in either build). */
#if GTBT__TLS
typedef br_sha256_context gtbt__sha256;
static void gtbt__sha256_init(gtbt__sha256 *s) { br_sha256_init(s); }
static void gtbt__sha256_update(gtbt__sha256 *s, const void *data, size_t n) { br_sha256_update(s, data, n); }
static void gtbt__sha256_final(gtbt__sha256 *s, unsigned char out[32]) { br_sha256_out(s, out); }
#else
typedef struct gtbt__sha256 { uint32_t h[8]; unsigned char block[64]; uint64_t total; size_t fill; } gtbt__sha256;

static const uint32_t gtbt__sha256_k[64] GTBT__TIGHT(uint32_t) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define GTBT__ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* One round: Ch(e,f,g) = g ^ (e & (f ^ g)), Maj(a,b,c) = (a & b) | (c & (a | b)); the caller renames. */
static void gtbt__sha256_block(gtbt__sha256 *s, const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = GTBT__ROR(w[i - 15], 7) ^ GTBT__ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = GTBT__ROR(w[i - 2], 17) ^ GTBT__ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3]; e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++) {   /* one round per pass: a quarter of the code of eight renamed rounds */
        t1 = h + (GTBT__ROR(e, 6) ^ GTBT__ROR(e, 11) ^ GTBT__ROR(e, 25)) + (g ^ (e & (f ^ g))) + gtbt__sha256_k[i] + w[i];
        t2 = (GTBT__ROR(a, 2) ^ GTBT__ROR(a, 13) ^ GTBT__ROR(a, 22)) + ((a & b) | (c & (a | b)));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void gtbt__sha256_init(gtbt__sha256 *s) {
    static const uint32_t iv[8] GTBT__TIGHT(uint32_t) = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->fill = 0;
}

static void gtbt__sha256_update(gtbt__sha256 *s, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    s->total += n;
    while (n > 0) {
        size_t k = 64 - s->fill;
        if (k > n) k = n;
        memcpy(s->block + s->fill, p, k);
        s->fill += k; p += k; n -= k;
        if (s->fill == 64) { gtbt__sha256_block(s, s->block); s->fill = 0; }
    }
}

static void gtbt__sha256_final(gtbt__sha256 *s, unsigned char out[32]) {
    uint64_t bits = s->total * 8;
    int i;
    /* 0x80, zeros up to 8 bytes before a block end (one more block when they do not fit), the length */
    s->block[s->fill++] = 0x80;
    if (s->fill > 56) {
        memset(s->block + s->fill, 0, 64 - s->fill);
        gtbt__sha256_block(s, s->block);
        s->fill = 0;
    }
    memset(s->block + s->fill, 0, 56 - s->fill);
    for (i = 0; i < 8; i++) s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    gtbt__sha256_block(s, s->block);
    s->fill = 0;
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24); out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8); out[4 * i + 3] = (unsigned char)s->h[i];
    }
}
#endif

static void gtbt__hmac_sha256(const void *key, size_t klen, const void *msg, size_t n, unsigned char out[32]) {
    unsigned char k[64], pad[64], inner[32];
    gtbt__sha256 s;
    int i;
    memset(k, 0, sizeof k);
    if (klen > 64) { gtbt__sha256_init(&s); gtbt__sha256_update(&s, key, klen); gtbt__sha256_final(&s, k); }
    else if (klen) memcpy(k, key, klen);
    for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k[i] ^ 0x36);
    gtbt__sha256_init(&s); gtbt__sha256_update(&s, pad, 64); gtbt__sha256_update(&s, msg, n); gtbt__sha256_final(&s, inner);
    for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k[i] ^ 0x5c);
    gtbt__sha256_init(&s); gtbt__sha256_update(&s, pad, 64); gtbt__sha256_update(&s, inner, 32); gtbt__sha256_final(&s, out);
}

static void gtbt__hex(const unsigned char *p, size_t n, char *out) {
    size_t i;
    for (i = 0; i < n; i++) { out[2 * i] = gtbt__hexdigits[p[i] >> 4]; out[2 * i + 1] = gtbt__hexdigits[p[i] & 15]; }
    out[2 * n] = 0;
}

/* ---- uuids ---- */
/* Version 4 uuids from xoshiro256** (a small, fast generator with a 2^256 - 1 period) seeded once
   per collector from the OS entropy source: no system call per event. Uuids need uniqueness, not
   secrecy: with 256 random seed bits two runs share a uuid with the odds of two random uuids, and
   one run never repeats one. The generator belongs to one collector and is used under its lock. */
typedef struct gtbt__rng { uint64_t s[4]; } gtbt__rng;

static uint64_t gtbt__rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t gtbt__rng_next(gtbt__rng *r) {
    uint64_t *s = r->s, out = gtbt__rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gtbt__rotl64(s[3], 45);
    return out;
}

static int gtbt__rng_seed(gtbt__rng *r) {
    int rc = gtbt__os_entropy(r->s, sizeof r->s);
    if (rc != GTBT_OK) {
        /* no entropy device: still unique per process and time, though not unpredictable */
        int64_t t = gtbt__realtime_ns(), m = gtbt_now_ms();
        int pid = gtbt__pid();
        gtbt__sha256 s;
        unsigned char d[32];
        gtbt__sha256_init(&s);
        gtbt__sha256_update(&s, &t, sizeof t); gtbt__sha256_update(&s, &m, sizeof m);
        gtbt__sha256_update(&s, &pid, sizeof pid); gtbt__sha256_update(&s, &r, sizeof r);
        gtbt__sha256_final(&s, d);
        memcpy(r->s, d, sizeof r->s);
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;   /* the one state the generator cannot leave */
    return rc;
}

/* The lowercase hex digits of the 4 bytes of v, lowest byte first, as 8 characters in the byte
   lanes of the result (lowest lane first), without a table: the nibbles spread one per lane, then
   '0'..'9' or 'a'..'f' in every lane at once. */
static uint64_t gtbt__hex8(uint32_t v) {
    uint64_t u = v;
    u = (u | u << 16) & 0x0000FFFF0000FFFFULL;
    u = (u | u << 8) & 0x00FF00FF00FF00FFULL;
    u = (u >> 4 & 0x000F000F000F000FULL) | (u & 0x000F000F000F000FULL) << 8;
    return u + 0x3030303030303030ULL + ((u + 0x0606060606060606ULL) >> 4 & 0x0101010101010101ULL) * 39;
}
/* The 4 lowest lanes of c (see gtbt__hex8) to out; the compiler makes one store of it. */
static void gtbt__put4(char *out, uint64_t c) {
    out[0] = (char)c; out[1] = (char)(c >> 8); out[2] = (char)(c >> 16); out[3] = (char)(c >> 24);
}

/* A lowercase version 4 uuid "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" of 16 bytes, bytes 0-7 taken
   from x and 8-15 from y (lowest first), with the version and variant bits set. */
static void gtbt__uuid_text(uint64_t x, uint64_t y, char out[37]) {
    uint64_t c;
    x = (x & ~((uint64_t)0xf0 << 48)) | (uint64_t)0x40 << 48;   /* byte 6: version 4 */
    y = (y & ~(uint64_t)0xc0) | 0x80;                            /* byte 8: variant 10xx */
    c = gtbt__hex8((uint32_t)x);
    gtbt__put4(out, c);
    gtbt__put4(out + 4, c >> 32);
    c = gtbt__hex8((uint32_t)(x >> 32));
    gtbt__put4(out + 9, c);
    gtbt__put4(out + 14, c >> 32);
    c = gtbt__hex8((uint32_t)y);
    gtbt__put4(out + 19, c);
    gtbt__put4(out + 24, c >> 32);
    c = gtbt__hex8((uint32_t)(y >> 32));
    gtbt__put4(out + 28, c);
    gtbt__put4(out + 32, c >> 32);
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = 0;
}

/* The same of 16 bytes in order. */
static void gtbt__uuid_format(const unsigned char b[16], char out[37]) {
    uint64_t x = 0, y = 0;
    int i;
    for (i = 7; i >= 0; i--) { x = x << 8 | b[i]; y = y << 8 | b[8 + i]; }
    gtbt__uuid_text(x, y, out);
}

static void gtbt__uuid4(gtbt__rng *r, char out[37]) {
    uint64_t x = gtbt__rng_next(r);
    gtbt__uuid_text(x, gtbt__rng_next(r), out);
}

// >>json -----------------------------------------------------------------------------------------
/* Writes v as exactly width decimal digits (zero-padded). */
static void gtbt__digits(char *out, uint64_t v, int width) {
    while (width-- > 0) { out[width] = (char)('0' + v % 10); v /= 10; }
}

/* Decimal text of v into out[24]; returns its length. */
static int gtbt__i64(char *out, int64_t v) {
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = 0, k = 0;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) out[k++] = '-';
    while (n) out[k++] = tmp[--n];
    out[k] = 0;
    return k;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t gtbt__days_from_civil(int64_t y, int m, int d) {
    int64_t era, yoe, doy;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* RFC 3339 UTC with the nanoseconds' trailing zeros trimmed, as Go's time.RFC3339Nano:
   "2026-03-30T10:00:00Z", "2026-03-30T10:00:00.5Z". Returns the length (out needs 36 bytes). */
static int gtbt__rfc3339(int64_t unix_ns, char out[40]) {
    int64_t secs = unix_ns / 1000000000, days, rem, z, era, doe, yoe, y, doy, mp, d, m;
    int ns = (int)(unix_ns % 1000000000), n, digits = 9;
    if (ns < 0) { ns += 1000000000; secs -= 1; }
    days = secs / 86400;
    rem = secs % 86400;
    if (rem < 0) { rem += 86400; days -= 1; }
    /* civil_from_days (H. Hinnant) */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;   /* RFC 3339 has four-digit years */
    gtbt__digits(out, (uint64_t)y, 4); out[4] = '-';
    gtbt__digits(out + 5, (uint64_t)m, 2); out[7] = '-';
    gtbt__digits(out + 8, (uint64_t)d, 2); out[10] = 'T';
    gtbt__digits(out + 11, (uint64_t)(rem / 3600), 2); out[13] = ':';
    gtbt__digits(out + 14, (uint64_t)(rem / 60 % 60), 2); out[16] = ':';
    gtbt__digits(out + 17, (uint64_t)(rem % 60), 2);
    n = 19;
    if (ns) {
        while (ns % 10 == 0) { ns /= 10; digits--; }
        out[n++] = '.';
        gtbt__digits(out + n, (uint64_t)ns, digits);
        n += digits;
    }
    out[n++] = 'Z';
    out[n] = 0;
    return n;
}

/* Inverse of gtbt__rfc3339 for spill files: accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)".
   Returns 0 and *ns, or -1. */
static int gtbt__parse_rfc3339(const char *s, int64_t *unix_ns) {
    int v[6], i, k = 0;
    int64_t days, frac = 0, scale = 100000000, off = 0;
    static const char sep[6] GTBT__TIGHT(char) = {'-', '-', 'T', ':', ':', 0};
    static const int width[6] GTBT__TIGHT(int) = {4, 2, 2, 2, 2, 2};
    for (i = 0; i < 6; i++) {
        int w;
        v[i] = 0;
        for (w = 0; w < width[i]; w++, k++) {
            if (!gtbt__is_digit(s[k])) return -1;
            v[i] = v[i] * 10 + (s[k] - '0');
        }
        if (i < 5) { if (s[k] != sep[i] && !(i == 2 && (s[k] == 't' || s[k] == ' '))) return -1; k++; }
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60) return -1;
    if (v[0] < 1678 || v[0] > 2261) return -1;   /* outside what int64 nanoseconds can hold */
    if (s[k] == '.') {
        k++;
        if (!gtbt__is_digit(s[k])) return -1;
        for (; gtbt__is_digit(s[k]); k++) { frac += (s[k] - '0') * scale; scale /= 10; }
    }
    if (s[k] == 'Z' || s[k] == 'z') k++;
    else if ((s[k] == '+' || s[k] == '-') && gtbt__is_digit(s[k + 1]) && gtbt__is_digit(s[k + 2]) &&
             s[k + 3] == ':' && gtbt__is_digit(s[k + 4]) && gtbt__is_digit(s[k + 5])) {
        off = ((s[k + 1] - '0') * 10 + (s[k + 2] - '0')) * 3600 + ((s[k + 4] - '0') * 10 + (s[k + 5] - '0')) * 60;
        if (s[k] == '-') off = -off;
        k += 6;
    } else return -1;
    if (s[k]) return -1;
    days = gtbt__days_from_civil(v[0], v[1], v[2]);
    *unix_ns = ((days * 86400 + v[3] * 3600 + v[4] * 60 + v[5]) - off) * 1000000000 + frac;
    return 0;
}

/* Length of the longest prefix of s[0..n) of at most max bytes that does not split a UTF-8
   sequence (continuation bytes at the cut are dropped). */
static size_t gtbt__utf8_cut(const char *s, size_t n, size_t max) {
    size_t k;
    if (n <= max) return n;
    k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80 && max - k < 3) k--;
    return k;
}

/* Byte classes: 1 blank (\s), 2 letter, 4 digit, 8 '_', 16 '-', 32 hex digit, 64 '+' or '/',
   128 upper case, 256 lower case, 512 '.', 1024 first byte of a rule-11 provider prefix, 2048 a
   byte that starts a rule 6, 7 or 9 match (s g x A J -), 4096 a byte without which a value of
   fewer than 20 bytes matches no rule (= : blank tab - J), 8192 the same for fewer than 15 bytes
   (= : blank tab J; see gtbt__redact_short). 16384 a byte that cannot be copied as it
   is inside a JSON string: controls, '"', '\\', '<', '>', '&' (escaped like Go's encoding/json) and every
   byte >= 0x80 (checked as UTF-8). One table lookup per byte; one table for the JSON writer and the
   redaction rules. */
static const unsigned short gtbt__rx_ct[256] GTBT__TIGHT(unsigned short) = {
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 28673, 16385, 16384, 16385, 16385, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    12289, 0, 16384, 0, 0, 0, 16384, 0, 0, 0, 0, 64, 0, 6160, 512, 64,
    36, 1060, 36, 36, 36, 36, 36, 36, 36, 36, 12288, 0, 16384, 12288, 16384, 0,
    0, 3234, 162, 162, 162, 1186, 1186, 1154, 1154, 1154, 14466, 130, 130, 130, 1154, 130,
    1154, 130, 130, 1154, 130, 130, 130, 130, 130, 130, 130, 0, 16384, 0, 0, 8,
    0, 1314, 290, 290, 1314, 290, 1314, 3330, 1282, 258, 258, 1282, 1282, 258, 1282, 258,
    1282, 258, 1282, 3330, 258, 258, 258, 1282, 3330, 1282, 258, 0, 0, 0, 0, 0,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
    16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384,
};

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is invalid. */
static int gtbt__utf8_len(const unsigned char *s, const unsigned char *end) {
    unsigned c = s[0];
    size_t avail = (size_t)(end - s);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (avail >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;          /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0;         /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;          /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0;         /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/* Writes s[0..n) at o as a quoted JSON string: always valid UTF-8 (invalid bytes become U+FFFD);
   runs of plain bytes are copied whole. o needs room for the worst case, 6 * n + 2 bytes (every
   byte a 6-byte escape). Returns the end. */
static char *gtbt__json_put(char *o, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str, *end = s + n, *run;
    *o++ = '"';
    while (s < end) {
        run = s;
        while (s < end && !(gtbt__rx_ct[*s] & 16384)) s++;
        if (s > run) { memcpy(o, run, (size_t)(s - run)); o += s - run; }
        if (s >= end) break;
        if (*s >= 0x80) {
            int k = gtbt__utf8_len(s, end);
            if (k == 0) { memcpy(o, "\xEF\xBF\xBD", 3); o += 3; s++; continue; }
            if (k == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) {
                memcpy(o, s[2] == 0xA8 ? "\\u2028" : "\\u2029", 6); o += 6;
            } else {
                memcpy(o, s, (size_t)k); o += k;
            }
            s += k;
            continue;
        }
        *o++ = '\\';
        switch (*s) {
        case '"':  *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u'; *o++ = '0'; *o++ = '0'; *o++ = gtbt__hexdigits[*s >> 4]; *o++ = gtbt__hexdigits[*s & 15];
        }
        s++;
    }
    *o++ = '"';
    return o;
}

/* Appends s[0..n) as a quoted JSON string (gtbt__json_put with room made once). */
static void gtbt__json_strn(gtbt__buf *b, const char *str, size_t n) {
    char *o;
    if (n > (SIZE_MAX - 3) / 6) { b->oom = 1; return; }
    if (!gtbt__buf_reserve(b, n * 6 + 2)) return;
    o = gtbt__json_put(b->p + b->len, str, n);
    *o = 0;
    b->len = (size_t)(o - b->p);
}
static void gtbt__json_str(gtbt__buf *b, const char *s) { gtbt__json_strn(b, s ? s : "", s ? strlen(s) : 0); }

/* A tiny writer for compact objects and arrays (the wire formats; gtbt__json_indent makes the
   pretty form of any of them). */
typedef struct gtbt__jw { gtbt__buf *b; int first; } gtbt__jw;

static void gtbt__jw_open(gtbt__jw *w, char c) { gtbt__buf_putc(w->b, c); w->first = 1; }
static void gtbt__jw_close(gtbt__jw *w, char c) { gtbt__buf_putc(w->b, c); w->first = 0; }
static void gtbt__jw_item(gtbt__jw *w) {
    if (!w->first) gtbt__buf_putc(w->b, ',');
    w->first = 0;
}
static void gtbt__jw_key(gtbt__jw *w, const char *k) {
    gtbt__jw_item(w);
    gtbt__json_str(w->b, k);
    gtbt__buf_putc(w->b, ':');
}
static void gtbt__jw_str(gtbt__jw *w, const char *k, const char *v) { gtbt__jw_key(w, k); gtbt__json_str(w->b, v); }
static void gtbt__jw_int(gtbt__jw *w, const char *k, int64_t v) {
    char num[24];
    int n = gtbt__i64(num, v);
    gtbt__jw_key(w, k);
    gtbt__buf_put(w->b, num, (size_t)n);
}

/* One event in the generic format, compact: fixed field order (timestamp, uuid, type, name,
   machine_id, tool_name, version, os, arch, runtime_version, os_version, then duration_ms,
   exit_code, args, error, metadata when not zero or empty), NULL strings as "". Written directly:
   literal keys, one reservation for the event's worst case, an escape scan per string. jc (may be
   NULL) remembers where the previous event's collector fields (machine_id .. os_version) were
   written: an event whose fields are the same strings (the same pointers: one collector) copies
   those bytes instead of escaping again. The only event writer: the pretty form is this output
   re-indented (gtbt__json_indent). */
typedef struct gtbt__jcache { const char *f[7]; size_t off, len; int ok; } gtbt__jcache;

static void gtbt__json_event_direct(gtbt__buf *b, const gtbt_event *e, gtbt__jcache *jc) {
    static const char keys[] GTBT__TIGHT(char) = ",\"machine_id\":\0,\"tool_name\":\0,\"version\":\0,\"os\":\0"   /* NUL-separated */
                                      ",\"arch\":\0,\"runtime_version\":\0,\"os_version\":";
    const char *key;
    const char *f[7], *uuid = e->uuid ? e->uuid : "", *type = e->type ? e->type : "", *name = e->name ? e->name : "";
    const char *err = e->error ? e->error : "";
    size_t fl[7], lu = strlen(uuid), lt = strlen(type), ln = strlen(name), le = strlen(err), need, i, seg;
    size_t *al = NULL, small[2 * 16];
    char *o;
    int same;
    f[0] = e->machine_id; f[1] = e->tool_name; f[2] = e->version; f[3] = e->os;
    f[4] = e->arch; f[5] = e->runtime_version; f[6] = e->os_version;
    same = jc && jc->ok && memcmp(jc->f, f, sizeof f) == 0;
    need = 384 + 6 * (lu + lt + ln + le);   /* literals, quotes, timestamp, numbers (at most 271 bytes); 6 per string byte */
    if (same) need += jc->len;
    else for (i = 0; i < 7; i++) { fl[i] = f[i] ? strlen(f[i]) : 0; need += 6 * fl[i]; }
    if (e->n_args + e->n_metadata <= 16) al = small;
    else if (!(al = (size_t *)gtbt__malloc(2 * (e->n_args + e->n_metadata) * sizeof *al))) { b->oom = 1; return; }
    for (i = 0; i < e->n_args; i++) { al[i] = e->args[i] ? strlen(e->args[i]) : 0; need += 6 * al[i] + 3; }
    for (i = 0; i < e->n_metadata; i++) {
        size_t kl = e->metadata[i].key ? strlen(e->metadata[i].key) : 0, vl = e->metadata[i].value ? strlen(e->metadata[i].value) : 0;
        al[e->n_args + 2 * i] = kl;
        al[e->n_args + 2 * i + 1] = vl;
        need += 6 * (kl + vl) + 6;
    }
    if (!gtbt__buf_reserve(b, need)) { if (al != small) gtbt__free(al); return; }
    o = b->p + b->len;
#define GTBT__LIT(s) (memcpy(o, s, sizeof s - 1), o += sizeof s - 1)
    GTBT__LIT("{\"timestamp\":\"");
    o += gtbt__rfc3339(e->time_unix_ns, o);             /* plain ASCII: nothing to escape */
    GTBT__LIT("\",\"uuid\":");
    o = gtbt__json_put(o, uuid, lu);
    GTBT__LIT(",\"type\":");
    o = gtbt__json_put(o, type, lt);
    GTBT__LIT(",\"name\":");
    o = gtbt__json_put(o, name, ln);
    seg = (size_t)(o - b->p);
    if (same) {
        memmove(o, b->p + jc->off, jc->len);
        o += jc->len;
    } else {
        for (i = 0, key = keys; i < 7; i++) {
            size_t kl = strlen(key);
            memcpy(o, key, kl);
            o = gtbt__json_put(o + kl, f[i] ? f[i] : "", fl[i]);
            key += kl + 1;
        }
    }
    if (jc) { memcpy(jc->f, f, sizeof f); jc->off = seg; jc->len = (size_t)(o - b->p) - seg; jc->ok = 1; }
    if (e->duration_ms) { GTBT__LIT(",\"duration_ms\":"); o += gtbt__i64(o, e->duration_ms); }
    if (e->exit_code) { GTBT__LIT(",\"exit_code\":"); o += gtbt__i64(o, e->exit_code); }
    if (e->n_args) {
        GTBT__LIT(",\"args\":[");
        for (i = 0; i < e->n_args; i++) {
            if (i) *o++ = ',';
            o = gtbt__json_put(o, e->args[i] ? e->args[i] : "", al[i]);
        }
        *o++ = ']';
    }
    if (le) { GTBT__LIT(",\"error\":"); o = gtbt__json_put(o, err, le); }
    if (e->n_metadata) {
        GTBT__LIT(",\"metadata\":{");
        for (i = 0; i < e->n_metadata; i++) {
            const char *k = e->metadata[i].key, *v = e->metadata[i].value;
            if (i) *o++ = ',';
            o = gtbt__json_put(o, k ? k : "", al[e->n_args + 2 * i]);
            *o++ = ':';
            o = gtbt__json_put(o, v ? v : "", al[e->n_args + 2 * i + 1]);
        }
        *o++ = '}';
    }
    *o++ = '}';
#undef GTBT__LIT
    *o = 0;
    b->len = (size_t)(o - b->p);
    if (al != small) gtbt__free(al);
}

/* Compact JSON that this file wrote (valid, no blanks outside strings) appended to b with Go's
   two-space MarshalIndent layout: a line per member and element, "key": value, empty {} and []. */
static void gtbt__json_indent(gtbt__buf *b, const char *s, size_t n) {
    size_t i, e;
    int depth = 0, k;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {                                   /* a string, escapes included, as it is */
            for (e = i + 1; e < n && s[e] != '"'; e++) if (s[e] == '\\') e++;
            gtbt__buf_put(b, s + i, (e < n ? e + 1 : n) - i);
            i = e;
            continue;
        }
        if ((c == '{' || c == '[') && i + 1 < n && (s[i + 1] == '}' || s[i + 1] == ']')) {
            gtbt__buf_put(b, s + i, 2);
            i++;
            continue;
        }
        if (c == ':') { gtbt__buf_put(b, ": ", 2); continue; }
        if (c == '}' || c == ']') depth--;
        else gtbt__buf_putc(b, c);
        if (c == '{' || c == '[') depth++;
        if (c == '{' || c == '[' || c == ',' || c == '}' || c == ']') {
            gtbt__buf_putc(b, '\n');
            for (k = 0; k < depth; k++) gtbt__buf_put(b, "  ", 2);
        }
        if (c == '}' || c == ']') gtbt__buf_putc(b, c);
    }
}

/* The events as a JSON array (pretty: Go's encoder with a two-space indent). */
static void gtbt__json_events(gtbt__buf *b, const gtbt_event *ev, size_t n, int pretty) {
    size_t i;
    gtbt__jcache jc;
    gtbt__buf compact, *o = b;
    if (pretty) { memset(&compact, 0, sizeof compact); o = &compact; }
    jc.ok = 0;
    gtbt__buf_putc(o, '[');
    for (i = 0; i < n; i++) {
        if (i) gtbt__buf_putc(o, ',');
        gtbt__json_event_direct(o, &ev[i], &jc);
    }
    gtbt__buf_putc(o, ']');
    if (!pretty) return;
    if (compact.oom) b->oom = 1;
    else gtbt__json_indent(b, compact.p, compact.len);
    gtbt__buf_free(&compact);
}

/* ---- reading: a small in-place parser for the events of spill files ----
   Strings are decoded where they stand (the decoded form is never longer) and NUL-terminated, so
   parsed events point into the file's own buffer. Untrusted input: depth and sizes bounded. */
#define GTBT__JSON_MAX_DEPTH 16
typedef struct gtbt__jp { char *p, *end; int depth; } gtbt__jp;

static void gtbt__jp_ws(gtbt__jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}
static int gtbt__jp_lit(gtbt__jp *j, char c) {
    gtbt__jp_ws(j);
    if (j->p < j->end && *j->p == c) { j->p++; return 1; }
    return 0;
}
static int gtbt__hexval(int c) {
    if (gtbt__is_digit(c)) return c - '0';
    c = gtbt__ascii_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}
static int gtbt__jp_hex4(const char *p, const char *end, unsigned *out) {
    int i;
    *out = 0;
    if (end - p < 4) return 0;
    for (i = 0; i < 4; i++) {
        int h = gtbt__hexval((unsigned char)p[i]);
        if (h < 0) return 0;
        *out = *out * 16 + (unsigned)h;
    }
    return 1;
}
static char *gtbt__utf8_put(char *o, unsigned cp) {
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) { *o++ = (char)(0xC0 | cp >> 6); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) { *o++ = (char)(0xE0 | cp >> 12); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else { *o++ = (char)(0xF0 | cp >> 18); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    return o;
}
/* Parses a string, decodes it in place; returns its start (NUL-terminated) or NULL. */
static char *gtbt__jp_str(gtbt__jp *j) {
    char *out, *start;
    gtbt__jp_ws(j);
    if (j->p >= j->end || *j->p != '"') return NULL;
    start = out = ++j->p;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (out == j->p) {   /* no escape seen yet: nothing to move, just look */
            while (j->p < j->end && (c = (unsigned char)*j->p) != '"' && c != '\\' && c >= 0x20) j->p++;
            out = j->p;
            if (j->p >= j->end) break;
        }
        if (c == '"') { j->p++; *out = 0; return start; }
        if (c < 0x20) return NULL;
        if (c != '\\') { *out++ = (char)c; j->p++; continue; }
        if (++j->p >= j->end) return NULL;
        switch (*j->p++) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!gtbt__jp_hex4(j->p, j->end, &cp)) return NULL;
            j->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
                gtbt__jp_hex4(j->p + 2, j->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            out = gtbt__utf8_put(out, cp);   /* at most 4 bytes for 6 (or 12) read */
            break;
        }
        default: return NULL;
        }
    }
    return NULL;
}
static int gtbt__jp_int(gtbt__jp *j, int64_t *v) {
    int neg = 0, digits = 0;
    uint64_t acc = 0;
    gtbt__jp_ws(j);
    if (j->p < j->end && *j->p == '-') { neg = 1; j->p++; }
    while (j->p < j->end && gtbt__is_digit(*j->p)) {
        if (acc > (uint64_t)INT64_MAX / 10) return 0;
        acc = acc * 10 + (uint64_t)(*j->p++ - '0');
        digits++;
    }
    if (!digits || acc > (uint64_t)INT64_MAX) return 0;
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E')) return 0;
    *v = neg ? -(int64_t)acc : (int64_t)acc;
    return 1;
}
/* Skips any value (unknown fields), bounded by depth. */
static int gtbt__jp_skip(gtbt__jp *j) {
    gtbt__jp_ws(j);
    if (j->p >= j->end) return 0;
    if (*j->p == '"') return gtbt__jp_str(j) != NULL;
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int obj = close == '}';
        if (++j->depth > GTBT__JSON_MAX_DEPTH) return 0;
        j->p++;
        if (gtbt__jp_lit(j, close)) { j->depth--; return 1; }
        do {
            if (obj && (!gtbt__jp_str(j) || !gtbt__jp_lit(j, ':'))) return 0;
            if (!gtbt__jp_skip(j)) return 0;
        } while (gtbt__jp_lit(j, ','));
        j->depth--;
        return gtbt__jp_lit(j, close);
    }
    if (j->end - j->p >= 4 && (!memcmp(j->p, "true", 4) || !memcmp(j->p, "null", 4))) { j->p += 4; return 1; }
    if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) { j->p += 5; return 1; }
    {
        char *start = j->p;
        while (j->p < j->end && *j->p && (gtbt__chr("+-.eE", *j->p) || (gtbt__is_digit(*j->p)))) j->p++;
        return j->p > start;
    }
}

// >>redact ---------------------------------------------------------------------------------------
/* Redaction without a regex engine: a byte-level port of the Go original's redact.String (rules
 * 1-8, rule 1 widened) and the rules it lacks (9-13), which let most real-world secret formats
 * through in the original.
 *
 * Each rule below is one pattern, applied in order, each over the output of the previous one,
 * with ReplaceAll semantics (leftmost-first, non-overlapping). All patterns are
 * ASCII-only: (?i) folds ASCII letters only, \b is an ASCII word boundary ([A-Za-z0-9_]),
 * \s = [\t\n\f\r ]. Input is treated as bytes (NUL and invalid UTF-8 are ordinary non-word bytes).
 * Every rule is a single forward scan; any look-ahead done at a position either succeeds (and the
 * scan jumps past the match) or is bounded so that the total work stays linear in the input. */

/* Byte classes: gtbt__rx_ct (>>json). */
static int gtbt__rx_ws(unsigned char c) { return gtbt__rx_ct[c] & 1; }
static int gtbt__rx_alpha(unsigned char c) { return gtbt__rx_ct[c] & 2; }
static int gtbt__rx_alnum(unsigned char c) { return gtbt__rx_ct[c] & 6; }
static int gtbt__rx_word(unsigned char c) { return gtbt__rx_ct[c] & 14; }      /* \w */
static int gtbt__rx_tok(unsigned char c) { return gtbt__rx_ct[c] & 30; }       /* [A-Za-z0-9_\-] */
static unsigned char gtbt__rx_lower(unsigned char c) { return (unsigned char)gtbt__ascii_lower(c); }

/* length of the lowercase literal lit if it matches s[i..) ignoring ASCII case, else 0 */
static size_t gtbt__rx_ci(const unsigned char *s, size_t n, size_t i, const char *lit) {
    size_t k;
    for (k = 0; lit[k]; k++)
        if (i + k >= n || (unsigned char)gtbt__ascii_lower((unsigned char)s[i + k]) != (unsigned char)lit[k]) return 0;
    return k;
}

static size_t gtbt__rx_skip_ws(const unsigned char *s, size_t n, size_t i) {
    while (i < n && gtbt__rx_ws(s[i])) i++;
    return i;
}

/* One ReplaceAll pass of one rule over s[0..n). out receives the rewritten text from the first match
   on; changed records whether any match was replaced by different bytes (the rules can re-match their
   own output, e.g. "key=***", and such a pass is dropped without copying the rest). */
typedef struct gtbt__rx { const unsigned char *s; size_t n, done; gtbt__buf *out; int changed; } gtbt__rx;

/* copy s[done..upto), append rep in place of s[upto..resume), continue copying from resume */
static void gtbt__rx_emit(gtbt__rx *r, size_t upto, const char *rep, size_t resume) {
    size_t len = strlen(rep);
    if (resume - upto != len || memcmp(r->s + upto, rep, len) != 0) r->changed = 1;
    gtbt__buf_put(r->out, r->s + r->done, upto - r->done);
    gtbt__buf_put(r->out, rep, len);
    r->done = resume;
}

/* 1. scheme://userinfo@  ->  scheme://<redacted>@
   The Go original's ([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s:@]+:[^/\s@]+@, widened in two ways: the
   userinfo ends at the LAST '@' of the authority (up to the first '/' or blank), so a password
   may contain '@' and '!' (mysql://root:p@ssw0rd!@host); and a user without a password is
   redacted when it looks like a token (16+ bytes, or 8+ with a digit and a letter: a token as URL
   user, Sentry DSNs) while short user names (git@, ubuntu@) stay. User and password must be
   non-empty. The scheme class has no ':', so a "://" can start a match iff the run of scheme
   characters just before it contains a letter. */
/* The "://" at s[i] starts a userinfo to redact: 1 with its end, the last '@' of the authority. */
static int gtbt__rx_userinfo_at(const unsigned char *s, size_t n, size_t i, size_t *at_out) {
    size_t u = i + 3, e, at = 0, colon = 0, k;
    int digit = 0, letter = 0;
    for (e = u; e < n && !gtbt__rx_ws(s[e]) && s[e] != '/'; e++) {
        if (s[e] == '@') at = e;
        else if (s[e] == ':' && !colon) colon = e;
    }
    if (at <= u) return 0;
    *at_out = at;
    if (colon && colon < at) return colon > u && at > colon + 1;
    for (k = u; k < at; k++) { digit |= (unsigned)(s[k] - '0') < 10u; letter |= gtbt__rx_alpha(s[k]); }
    return at - u >= 16 || (at - u >= 8 && digit && letter);
}

static void gtbt__redact_userinfo(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i, at;
    int alpha = 0;                          /* the scheme-character run ending here has a letter */
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == ':' && alpha && n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/' && gtbt__rx_userinfo_at(s, n, i, &at)) {
            gtbt__rx_emit(r, i + 3, "<redacted>@", at + 1);
            i = at;
            alpha = 0;
            continue;
        }
        if (gtbt__is_alnum(c) || c == '+' || c == '.' || c == '-') alpha |= gtbt__is_alpha(c);
        else alpha = 0;
    }
}

/* Word lists are NUL-separated in one array, an empty word ending them (no pointer table: nothing
   for the loader to relocate). */
static const char gtbt__rx_w_query[] GTBT__TIGHT(char) = "key\0apikey\0api_key\0access_token\0refresh_token\0token\0secret\0"
                                       "password\0auth\0authorization\0signature\0";
#define gtbt__rx_w_json (gtbt__rx_w_query + 4)   /* the same words but "key" (one copy in the binary) */
static const char *gtbt__rx_wnext(const char *w) { return w + strlen(w) + 1; }

/* 2. (?i)\b(apikey|api_key|key|access_token|refresh_token|token|secret|password|auth|authorization
   |signature)=([^&\s]+)  ->  $1=***
   Since every alternative must be followed by '=', at most one alternative fits at a position. */
static void gtbt__redact_query(gtbt__rx *r) {
    const unsigned char *s = r->s;
    const char *k;
    size_t n = r->n, i, e, len = 0;
    for (i = 0; i < n; i++) {
        if (!gtbt__is_alpha(s[i]) || (i > 0 && gtbt__rx_word(s[i - 1]))) continue;   /* \b then a letter */
        for (k = gtbt__rx_w_query; *k; k = gtbt__rx_wnext(k))
            if ((len = gtbt__rx_ci(s, n, i, k)) != 0 && i + len < n && s[i + len] == '=') break;
        if (!*k) continue;
        e = i + len + 1;
        while (e < n && s[e] != '&' && !gtbt__rx_ws(s[e])) e++;
        if (e == i + len + 1) continue;
        gtbt__rx_emit(r, i + len + 1, "***", e);
        i = e - 1;
    }
}

/* 3. (?i)(authorization:\s*)(bearer|basic|digest|apikey)\s+([A-Za-z0-9._~\-+/=]+)  ->  ${1}$2 ***
   Both \s runs are followed by non-space, so they are maximal; the scheme words share no prefix. */
static void gtbt__redact_authz(gtbt__rx *r) {
    static const char schemes[] GTBT__TIGHT(char) = "bearer\0basic\0digest\0apikey\0";
    const unsigned char *s = r->s;
    const char *k;
    size_t n = r->n, i, j, t, e, len = 0;
    for (i = 0; i < n; i++) {
        if ((s[i] | 32) != 'a' || !gtbt__rx_ci(s, n, i, "authorization:")) continue;
        j = gtbt__rx_skip_ws(s, n, i + 14);
        for (k = schemes; *k; k = gtbt__rx_wnext(k))
            if ((len = gtbt__rx_ci(s, n, j, k)) != 0) break;
        if (!*k) continue;
        t = gtbt__rx_skip_ws(s, n, j + len);
        if (t == j + len) continue;                                   /* \s+ */
        for (e = t; e < n && (gtbt__is_alnum(s[e]) || (s[e] && gtbt__chr("._~-+/=", s[e]))); e++) {}
        if (e == t) continue;
        gtbt__rx_emit(r, j + len, " ***", e);
        i = e - 1;
    }
}

/* 4. (?i)(aws_secret_access_key|secret_access_key)(\s*[=:]\s*)\S+  ->  ${1}${2}*** */
static void gtbt__redact_aws(gtbt__rx *r) {
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
static void gtbt__redact_json(gtbt__rx *r) {
    const unsigned char *s = r->s;
    const char *k;
    size_t n = r->n, i, j, e, len = 0;
    const unsigned char *q;
    for (i = 0; i < n; i++) {
        if ((q = (const unsigned char *)memchr(s + i, '"', n - i)) == NULL) break;
        i = (size_t)(q - s);
        for (k = gtbt__rx_w_json; *k; k = gtbt__rx_wnext(k))
            if ((len = gtbt__rx_ci(s, n, i + 1, k)) != 0 && i + 1 + len < n && s[i + 1 + len] == '"') break;
        if (!*k) continue;
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
static void gtbt__redact_jwt(gtbt__rx *r) {
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
   gets "***" appended. '?' in pre stands for one byte of alt. Body classes, as masks of
   gtbt__rx_ct (a byte is in the class when it has one of the bits): [A-Za-z0-9_-], [A-Za-z0-9],
   [A-Za-z0-9_], [A-Za-z0-9-], [A-Z0-9]. */
enum { GTBT__RX_TOK = 2 | 4 | 8 | 16, GTBT__RX_ALNUM = 2 | 4, GTBT__RX_WORD = 2 | 4 | 8, GTBT__RX_ALNUMDASH = 2 | 4 | 16,
       GTBT__RX_UPNUM = 128 | 4 };
typedef struct gtbt__rx_provider { char pre[12], alt[6]; unsigned char cls, min, exact; } gtbt__rx_provider;
static const gtbt__rx_provider gtbt__rx_providers[] GTBT__TIGHT(gtbt__rx_provider) = {
    { "sk-", "", GTBT__RX_TOK, 16, 0 },                 /* sk-[A-Za-z0-9_\-]{16,}        keep 3 */
    { "gh?_", "pos", GTBT__RX_ALNUM, 30, 0 },           /* gh[pos]_[A-Za-z0-9]{30,}      keep 4 */
    { "github_pat_", "", GTBT__RX_WORD, 30, 0 },        /* github_pat_[A-Za-z0-9_]{30,}  keep 11 */
    { "glpat-", "", GTBT__RX_TOK, 16, 0 },              /* glpat-[A-Za-z0-9_\-]{16,}     keep 6 */
    { "gl?t-", "rd", GTBT__RX_TOK, 16, 0 },             /* gl(rt|dt)-[A-Za-z0-9_\-]{16,} keep 5 */
    { "xox?-", "baprs", GTBT__RX_ALNUMDASH, 10, 0 },    /* xox[baprs]-[A-Za-z0-9-]{10,}  keep 5 */
    { "AIza", "", GTBT__RX_TOK, 30, 0 },                /* AIza[A-Za-z0-9_\-]{30,}       keep 4 */
    { "AKIA", "", GTBT__RX_UPNUM, 16, 1 }               /* AKIA[A-Z0-9]{16}              keep 4 */
};

static void gtbt__redact_provider(gtbt__rx *r, const gtbt__rx_provider *pv) {
    const unsigned char *s = r->s;
    const unsigned char *hit;
    size_t n = r->n, i, k, e, plen = strlen(pv->pre);
    for (i = 0; i + plen < n; i++) {
        if ((hit = (const unsigned char *)memchr(s + i, pv->pre[0], n - plen - i)) == NULL) break;
        i = (size_t)(hit - s);
        for (k = 1; k < plen; k++)
            if (pv->pre[k] == '?' ? (s[i + k] == 0 || !gtbt__chr(pv->alt, s[i + k])) : s[i + k] != (unsigned char)pv->pre[k]) break;
        if (k < plen) continue;
        for (e = i + plen; e < n && (gtbt__rx_ct[s[e]] & pv->cls) && !(pv->exact && e - i - plen == pv->min); e++) {}
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
static void gtbt__redact_long(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, a, b;
    while (i < n) {
        if (!gtbt__rx_word(s[i])) { i++; continue; }    /* a run's first word byte */
        for (b = a = i; i < n && gtbt__rx_tok(s[i]); i++)
            if (s[i] != '-') b = i + 1;
        if (b - a >= 41) gtbt__rx_emit(r, a, "<redacted-token>", b);
    }
}

/* ---- rules beyond the Go original (it lets most real-world secret formats through) ---- */

/* 9. PEM private keys: from "-----BEGIN <label>-----" whose label names a PRIVATE KEY to the end of
   the matching "-----END ...-----" (or to the end of the text when it is cut off), whole. */
static size_t gtbt__rx_find(const unsigned char *s, size_t n, size_t from, const char *lit) {
    size_t len = strlen(lit);
    const unsigned char *p;
    while (from + len <= n && (p = (const unsigned char *)memchr(s + from, lit[0], n - from - len + 1)) != NULL) {
        if (!memcmp(p, lit, len)) return (size_t)(p - s);
        from = (size_t)(p - s) + 1;
    }
    return n;
}

static void gtbt__redact_pem(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, e, end;
    while ((i = gtbt__rx_find(s, n, i, "-----BEGIN ")) < n) {
        for (e = i + 11; e < n && e < i + 80 && s[e] != '\n' && s[e] != '-'; e++) {}
        if (gtbt__rx_find(s, e, i + 11, "PRIVATE KEY") >= e) { i += 11; continue; }
        end = gtbt__rx_find(s, n, e, "-----END ");
        if (end < n) {
            size_t close = gtbt__rx_find(s, n, end + 9, "-----");
            end = close < n ? close + 5 : n;
        }
        gtbt__rx_emit(r, i, "<redacted-private-key>", end);
        i = end;
    }
}

/* 10. Secrets named by their key: KEY=value, KEY: value (YAML, HTTP headers), "key": "value"
   (JSON), --flag value, where the key name CONTAINS a secret word (DB_PASSWORD=, PGPASSWORD=,
   GITHUB_TOKEN=, MY_API_KEY=, ?client_secret=, "clientSecret":, X-API-Key:), or has one of the
   short secret words as a whole part (auth, pass, sig, jwt, pat; pwd and pw only in a longer name,
   since PWD is the working directory; key only as the last part, as in api_key, X-API-Key,
   licenseKey). Parts are split at '_', '-', '.' and lower-to-upper case changes. The value becomes
   "***": a quoted value inside its quotes; the rest of the line after Authorization:
   (keeping its scheme word), Cookie:, Set-Cookie:, and after a "key:" that starts its line
   (YAML, headers); otherwise one word. -u/--user user:pass keeps the user. */
enum { GTBT__RX_K_NONE, GTBT__RX_K_SECRET, GTBT__RX_K_USER, GTBT__RX_K_LINE, GTBT__RX_K_AUTHZ };
#define GTBT__RX_KEY_MAX 64

static int gtbt__rx_keych(unsigned char c) { return gtbt__rx_ct[c] & 542; }      /* [A-Za-z0-9_.\-] */
static int gtbt__rx_ends(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

/* What the key name k[0..n) announces (GTBT__RX_K_*). Leading dashes (flags) are skipped. */
static int gtbt__rx_secret_key(const unsigned char *k, size_t n) {
    static const char has[] GTBT__TIGHT(char) = "password\0passwd\0passphrase\0secret\0token\0apikey\0api_key\0api-key\0credential\0"
        "privatekey\0private_key\0private-key\0accesskey\0access_key\0access-key\0signature\0sessionid\0"
        "session_id\0session-id\0cookie\0";
    static const char part[] GTBT__TIGHT(char) = "auth\0pass\0sig\0jwt\0pat\0";
    char low[GTBT__RX_KEY_MAX + 1];
    const char *w;
    size_t i, a, dashes = 0, nparts = 0;
    while (dashes < n && k[dashes] == '-') dashes++;
    k += dashes;
    n -= dashes;
    if (n == 0 || n > GTBT__RX_KEY_MAX) return GTBT__RX_K_NONE;
    for (i = 0; i < n; i++) low[i] = (char)gtbt__rx_lower(k[i]);
    low[n] = 0;
    if (dashes && (!strcmp(low, "u") || !strcmp(low, "user") || !strcmp(low, "proxy-user"))) return GTBT__RX_K_USER;
    if (gtbt__rx_ends(low, "authorization")) return GTBT__RX_K_AUTHZ;
    if (!strcmp(low, "cookie") || !strcmp(low, "set-cookie")) return GTBT__RX_K_LINE;
    for (i = 0; i + 1 < n; i++) {          /* every word below has one of these letter pairs */
        char x = low[i], y = low[i + 1];
        if ((x == 'p' && (y == 'a' || y == 'r' || y == 'w')) || (x == 's' && (y == 'e' || y == 'i')) || (x == 't' && y == 'o') ||
            (x == 'a' && (y == 'p' || y == 'c' || y == 'u')) || (x == 'c' && (y == 'r' || y == 'o')) || (x == 'j' && y == 'w') ||
            (x == 'k' && y == 'e')) break;
    }
    if (i + 1 >= n) return GTBT__RX_K_NONE;
    for (w = has; *w; w = gtbt__rx_wnext(w))
        if (gtbt__find(low, w) && !(!strcmp(w, "token") && gtbt__rx_ends(low, "tokens"))) return GTBT__RX_K_SECRET;
    for (i = 1; i < n; i++)
        nparts += k[i] == '_' || k[i] == '-' || k[i] == '.' || (gtbt__rx_lower(k[i]) != k[i] && gtbt__is_lower(k[i - 1]));
    for (a = 0, i = 0; i <= n; i++) {
        int sep = i < n && (k[i] == '_' || k[i] == '-' || k[i] == '.');
        int camel = i > 0 && i < n && gtbt__rx_lower(k[i]) != k[i] && gtbt__is_lower(k[i - 1]);
        size_t len = i - a;
        if (i < n && !sep && !camel) continue;
        for (w = part; len && *w; w = gtbt__rx_wnext(w))
            if (strlen(w) == len && !memcmp(low + a, w, len)) return GTBT__RX_K_SECRET;
        if (nparts && ((len == 3 && !memcmp(low + a, "pwd", 3)) || (len == 2 && !memcmp(low + a, "pw", 2))))
            return GTBT__RX_K_SECRET;
        if (i == n && len == 3 && !memcmp(low + a, "key", 3)) return GTBT__RX_K_SECRET;
        a = sep ? i + 1 : i;
    }
    return GTBT__RX_K_NONE;
}

static int gtbt__rx_eol(unsigned char c) { return c == '\n' || c == '\r'; }

/* Is s[i] ('=', ':', or a blank after a --flag or "bearer") the separator after a secret key? Then
   [*vs, *ve) is the non-empty value to replace. O(key length + value length). */
static int gtbt__rx_kv_at(const unsigned char *s, size_t n, size_t i, size_t *vs, size_t *ve) {
    size_t ke = i, ks, ls, j, e;
    unsigned char sep = s[i];
    int kind, blank = sep == ' ' || sep == '\t', line;
    if (!blank) {
        while (ke > 0 && (s[ke - 1] == ' ' || s[ke - 1] == '\t')) ke--;
        if (ke > 0 && (s[ke - 1] == '"' || s[ke - 1] == '\'')) ke--;
    }
    for (ks = ke; ks > 0 && ke - ks <= GTBT__RX_KEY_MAX + 2 && gtbt__rx_keych(s[ks - 1]); ks--) {}
    if (ks == ke || (ks > 0 && gtbt__rx_keych(s[ks - 1]))) return 0;
    if (blank) {
        if (ke - ks == 6 && gtbt__rx_ci(s, n, ks, "bearer")) kind = GTBT__RX_K_SECRET;
        else if (s[ks] != '-') return 0;
        else kind = gtbt__rx_secret_key(s + ks, ke - ks);
    } else {
        kind = gtbt__rx_secret_key(s + ks, ke - ks);
    }
    if (kind == GTBT__RX_K_NONE) return 0;
    ls = ks;
    if (ls > 0 && (s[ls - 1] == '"' || s[ls - 1] == '\'')) ls--;
    while (ls > 0 && (s[ls - 1] == ' ' || s[ls - 1] == '\t')) ls--;
    line = ls == 0 || gtbt__rx_eol(s[ls - 1]);
    j = i + 1;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j >= n || gtbt__rx_eol(s[j])) return 0;
    if (blank && s[j] == '-' && j + 1 < n && s[j + 1] == '-') return 0;   /* the next --flag */
    if (kind == GTBT__RX_K_AUTHZ) {                                     /* keep the scheme word */
        for (e = j; e < n && (gtbt__rx_alnum(s[e]) || s[e] == '-'); e++) {}
        if (e > j && e < n && (s[e] == ' ' || s[e] == '\t')) {
            while (e < n && (s[e] == ' ' || s[e] == '\t')) e++;
            if (e >= n || gtbt__rx_eol(s[e])) return 0;
            j = e;
        }
    }
    if (s[j] == '"' || s[j] == '\'') {
        unsigned char q = s[j++];
        for (e = j; e < n && s[e] != q && !gtbt__rx_eol(s[e]); e++) {}
    } else if (kind == GTBT__RX_K_AUTHZ || kind == GTBT__RX_K_LINE || (sep == ':' && line)) {
        for (e = j; e < n && !gtbt__rx_eol(s[e]) && s[e] != '"' && s[e] != '\''; e++) {}
        while (e > j && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
    } else {
        for (e = j; e < n && !gtbt__rx_ws(s[e]) && s[e] != '&' && s[e] != '"' && s[e] != '\'' &&
                    !(sep == ':' && (s[e] == ',' || s[e] == ';' || s[e] == '}' || s[e] == ']' || s[e] == ')')); e++) {}
    }
    if (sep == ':' && e > j && s[e - 1] == ':' && !line) return 0;   /* "auth: Authorization: ..." */
    if (kind == GTBT__RX_K_USER) {
        while (j < e && s[j] != ':') j++;
        if (j == e) return 0;
        j++;
    }
    if (e == j) return 0;
    *vs = j;
    *ve = e;
    return 1;
}

static void gtbt__redact_kv(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i, vs, ve;
    for (i = 1; i < n; i++) {
        unsigned char c = s[i];
        if (c != '=' && c != ':' && !((c == ' ' || c == '\t') && gtbt__rx_keych(s[i - 1]))) continue;
        if (!gtbt__rx_kv_at(s, n, i, &vs, &ve)) continue;
        gtbt__rx_emit(r, vs, "***", ve);
        i = ve - 1;
    }
}

/* 11. Provider tokens by their documented prefixes (beyond the Go original's list): the prefix
   must start a word (no letter or digit before it), the body is at least min bytes of its class;
   the prefix stays and the body becomes "***". */
enum { GTBT__RX_B_TOK, GTBT__RX_B_ALNUM, GTBT__RX_B_WORD, GTBT__RX_B_HEX, GTBT__RX_B_UPNUM, GTBT__RX_B_B64,
       GTBT__RX_B_TOKDOT, GTBT__RX_B_PATH };
/* The rows: X(id, prefix, body class, min). The prefixes are stored back to back in one struct of
   char arrays and the table holds their offsets: no pointer per row for the loader to relocate. */
#define GTBT__RX_PROV2S(X) \
    X(ghu, "ghu_", ALNUM, 30) X(ghr, "ghr_", ALNUM, 30)                                         /* GitHub user/refresh */ \
    X(npm, "npm_", ALNUM, 30)                                                                   /* npm */ \
    X(sk_live, "sk_live_", ALNUM, 16) X(sk_test, "sk_test_", ALNUM, 16)                         /* Stripe */ \
    X(rk_live, "rk_live_", ALNUM, 16) X(rk_test, "rk_test_", ALNUM, 16) X(whsec, "whsec_", ALNUM, 24) \
    X(SG, "SG.", TOKDOT, 40)                                                                    /* SendGrid */ \
    X(SK, "SK", HEX, 32) X(AC, "AC", HEX, 32)                                                   /* Twilio */ \
    X(key, "key-", HEX, 32)                                                                     /* Mailgun */ \
    X(GOCSPX, "GOCSPX-", TOK, 20) X(ya29, "ya29.", TOKDOT, 20) X(n1_0, "1//0", TOK, 30)         /* Google */ \
    X(hvs, "hvs.", TOK, 20) X(hvb, "hvb.", TOK, 20) X(hvr, "hvr.", TOK, 20)                     /* Vault */ \
    X(atlasv1, "atlasv1.", TOK, 40)                                                             /* Terraform Cloud */ \
    X(slack_hook, "hooks.slack.com/services/", PATH, 20) X(xapp, "xapp-", TOK, 20)              /* Slack */ \
    X(xoxe, "xoxe.", TOKDOT, 30) X(xoxe_dash, "xoxe-", TOK, 30) \
    X(discord_hook, "discord.com/api/webhooks/", PATH, 20) X(discordapp_hook, "discordapp.com/api/webhooks/", PATH, 20) \
    X(shpat, "shpat_", HEX, 32) X(shpss, "shpss_", HEX, 32)                                     /* Shopify */ \
    X(shpca, "shpca_", HEX, 32) X(shppa, "shppa_", HEX, 32) \
    X(dop_v1, "dop_v1_", HEX, 64) X(doo_v1, "doo_v1_", HEX, 64) X(dor_v1, "dor_v1_", HEX, 64)   /* DigitalOcean */ \
    X(hf, "hf_", ALNUM, 30)                                                                     /* Hugging Face */ \
    X(pypi, "pypi-", TOK, 50)                                                                   /* PyPI */ \
    X(dckr_pat, "dckr_pat_", TOK, 20)                                                           /* Docker Hub */ \
    X(age, "AGE-SECRET-KEY-1", UPNUM, 50)                                                       /* age */ \
    X(lin_api, "lin_api_", ALNUM, 30)                                                           /* Linear */ \
    X(ntn, "ntn_", ALNUM, 30) X(secret, "secret_", ALNUM, 40)                                   /* Notion */ \
    X(figd, "figd_", TOK, 30)                                                                   /* Figma */ \
    X(glsa, "glsa_", WORD, 30) X(glc, "glc_", B64, 30)                                          /* Grafana */ \
    X(NRAK, "NRAK-", UPNUM, 20) X(NRII, "NRII-", TOK, 20)                                       /* New Relic */ \
    X(PMAK, "PMAK-", TOK, 50)                                                                   /* Postman */ \
    X(pul, "pul-", HEX, 40)                                                                     /* Pulumi */ \
    X(dp_pt, "dp.pt.", ALNUM, 40) X(dp_st, "dp.st.", ALNUM, 40)                                 /* Doppler */ \
    X(dp_ct, "dp.ct.", ALNUM, 40) X(dp_sa, "dp.sa.", ALNUM, 40) \
    X(dapi, "dapi", HEX, 32)                                                                    /* Databricks */ \
    X(r8, "r8_", ALNUM, 30)                                                                     /* Replicate */ \
    X(gsk, "gsk_", ALNUM, 40)                                                                   /* Groq */ \
    X(sq0atp, "sq0atp-", TOK, 20) X(sq0csp, "sq0csp-", TOK, 30) X(EAAA, "EAAA", TOK, 50)        /* Square */ \
    X(sl, "sl.", TOK, 60)                                                                       /* Dropbox */ \
    X(ASIA, "ASIA", UPNUM, 16) X(AGPA, "AGPA", UPNUM, 16) X(AIDA, "AIDA", UPNUM, 16)            /* AWS ids */ \
    X(AROA, "AROA", UPNUM, 16) X(ANPA, "ANPA", UPNUM, 16) X(AIPA, "AIPA", UPNUM, 16) \
    X(aws_sess1, "FwoGZXIvYXdzE", B64, 100) X(aws_sess2, "IQoJb3JpZ2lu", B64, 100)              /* AWS session tokens */ \
    X(phx, "phx_", ALNUM, 30)                                                                   /* PostHog personal */ \
    X(HRKU, "HRKU-", TOK, 30)                                                                   /* Heroku */ \
    X(nfp, "nfp_", ALNUM, 30)                                                                   /* Netlify */ \
    X(sbp, "sbp_", HEX, 40)                                                                     /* Supabase */ \
    X(sk_eyJ, "sk.eyJ", TOKDOT, 40)                                                             /* Mapbox */ \
    X(ATATT3, "ATATT3", B64, 100)                                                               /* Atlassian */ \
    X(glptt, "glptt-", HEX, 40) X(GR1348941, "GR1348941", TOK, 20)                              /* GitLab */
typedef struct gtbt__rx_prov2_text {
#define GTBT__RX_P2_TEXT(id, pre, cls, min) char id[sizeof pre];
    GTBT__RX_PROV2S(GTBT__RX_P2_TEXT)
#undef GTBT__RX_P2_TEXT
} gtbt__rx_prov2_text;
static const gtbt__rx_prov2_text gtbt__rx_prov2_texts GTBT__TIGHT(gtbt__rx_prov2_text) = {
#define GTBT__RX_P2_PRE(id, pre, cls, min) pre,
    GTBT__RX_PROV2S(GTBT__RX_P2_PRE)
#undef GTBT__RX_P2_PRE
};
/* off: where the prefix is in gtbt__rx_prov2_texts; cm: the body class (3 bits) and the least body length above
   them (4 bytes a row, not 6: the prefix's length is its strlen) */
typedef struct gtbt__rx_prov2 { unsigned short off, cm; } gtbt__rx_prov2;
#define GTBT__RX_PROV2_CLS(pv) ((pv)->cm & 7)
#define GTBT__RX_PROV2_MIN(pv) ((size_t)((pv)->cm >> 3))
static const gtbt__rx_prov2 gtbt__rx_prov2s[] GTBT__TIGHT(gtbt__rx_prov2) = {
#define GTBT__RX_P2_ROW(id, pre, cls, min) { offsetof(gtbt__rx_prov2_text, id), GTBT__RX_B_##cls | (min) << 3 },
    GTBT__RX_PROV2S(GTBT__RX_P2_ROW)
#undef GTBT__RX_P2_ROW
};
#define GTBT__RX_PROV2_PRE(pv) ((const char *)&gtbt__rx_prov2_texts + (pv)->off)
/* the first byte of each row above, in order (tests/test_redact.c checks it) */
static const char gtbt__rx_prov2_heads[] GTBT__TIGHT(char) = "ggnssrrwSSAkGy1hhhahxxxddssssdddhpdAlnsfggNNPpdddddrgssEsAAAAAAFIpHnssAgG";

static int gtbt__rx_body(int cls, unsigned char c) {
    switch (cls) {
    case GTBT__RX_B_TOK: return gtbt__rx_tok(c);
    case GTBT__RX_B_ALNUM: return gtbt__rx_alnum(c);
    case GTBT__RX_B_WORD: return gtbt__rx_word(c);
    case GTBT__RX_B_HEX: return (unsigned)(c - '0') < 10u || (unsigned)((c | 32) - 'a') < 6u;
    case GTBT__RX_B_UPNUM: return gtbt__is_upper(c) || gtbt__is_digit(c);
    case GTBT__RX_B_B64: return gtbt__rx_tok(c) || c == '+' || c == '/' || c == '=';
    case GTBT__RX_B_TOKDOT: return gtbt__rx_tok(c) || c == '.';
    default: return gtbt__rx_tok(c) || c == '/';
    }
}

/* A provider token starting at s[i] (a word start): 1 with the body [*bs, *be). The body scan of a
   failed match is shorter than min, so callers stay linear when they jump past a success. */
static int gtbt__rx_prov2_at(const unsigned char *s, size_t n, size_t i, size_t *bs, size_t *be) {
    size_t k, e, plen;
    if (!(gtbt__rx_ct[s[i]] & 1024)) return 0;          /* the first bytes of the prefixes below */
    for (k = 0; k < sizeof gtbt__rx_prov2s / sizeof gtbt__rx_prov2s[0]; k++) {
        const gtbt__rx_prov2 *pv;
        const char *h = (const char *)memchr(gtbt__rx_prov2_heads + k, s[i], sizeof gtbt__rx_prov2_heads - 1 - k);
        if (!h) break;
        k = (size_t)(h - gtbt__rx_prov2_heads);
        pv = &gtbt__rx_prov2s[k];
        if (i + 1 >= n || (unsigned char)GTBT__RX_PROV2_PRE(pv)[1] != s[i + 1]) continue;
        plen = strlen(GTBT__RX_PROV2_PRE(pv));
        if (n - i < plen + GTBT__RX_PROV2_MIN(pv) || memcmp(s + i, GTBT__RX_PROV2_PRE(pv), plen) != 0) continue;
        for (e = i + plen; e < n && gtbt__rx_body(GTBT__RX_PROV2_CLS(pv), s[e]); e++) {}
        if (e - i - plen < GTBT__RX_PROV2_MIN(pv)) continue;
        *bs = i + plen;
        *be = e;
        return 1;
    }
    return 0;
}

static void gtbt__redact_prov2(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i, bs, be;
    for (i = 0; i < n; i++) {
        if (i > 0 && gtbt__rx_alnum(s[i - 1])) continue;
        if (!gtbt__rx_prov2_at(s, n, i, &bs, &be)) continue;
        gtbt__rx_emit(r, bs, "***", be);
        i = be - 1;
    }
}

/* 12. Three dot-separated token parts of 20+, 5-8 and 25+ bytes (Discord bot tokens and other
   signed tokens shaped like a JWT without its "eyJ")  ->  <redacted-token> */
static void gtbt__redact_dotted(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, a, e1, e2, e3;
    while (i < n) {
        if (!gtbt__rx_tok(s[i]) || (i > 0 && s[i - 1] == '.')) { i++; continue; }
        for (a = i, e1 = i; e1 < n && gtbt__rx_tok(s[e1]); e1++) {}
        i = e1;
        if (e1 - a < 20 || e1 >= n || s[e1] != '.') continue;
        for (e2 = e1 + 1; e2 < n && gtbt__rx_tok(s[e2]); e2++) {}
        if (e2 - e1 - 1 < 5 || e2 - e1 - 1 > 8 || e2 >= n || s[e2] != '.') continue;
        for (e3 = e2 + 1; e3 < n && gtbt__rx_tok(s[e3]); e3++) {}
        if (e3 - e2 - 1 < 25) continue;
        gtbt__rx_emit(r, a, "<redacted-token>", e3);
        i = e3;
    }
}

/* 13. Opaque keys the Go original misses (it takes only [A-Za-z0-9_\-]{41,}):
   - 32 or 40 hex digits with at least one digit and one letter, as a whole word (API keys, Twilio
     and Datadog keys, MD5-shaped secrets), unless it reads as a version or commit: right after
     '+' (1.4.2+<hash>), after the word commit, rev, revision, sha, sha1, hash, git, checksum,
     digest, md5, etag, build or version, or after a version number (digit.digit) earlier on its
     line;
   - a run of 32+ base64 characters [A-Za-z0-9+/_-] (with '=' padding) that mixes upper case,
     lower case and digits (at least 2 each) and changes character class between at least 38% of
     its neighbouring bytes: AWS secret keys (40), 44-character base64 keys, session tokens.
     Paths, identifiers, target triples and words change class far less often.
   Both become <redacted-token>. UUIDs (8-4-4-4-12) are left alone; 41+ token bytes (SHA-256 in
   hex among them) are rule 8's. */
static int gtbt__rx_hex(unsigned char c) { return gtbt__rx_ct[c] & 32; }
static int gtbt__rx_b64(unsigned char c) { return gtbt__rx_ct[c] & 94; }       /* [A-Za-z0-9_\-+/] */
static int gtbt__rx_digit(unsigned char c) { return gtbt__rx_ct[c] & 4; }

static int gtbt__rx_commit_ctx(const unsigned char *s, size_t a) {
    static const char words[] GTBT__TIGHT(char) = "commit\0rev\0revision\0sha\0sha1\0hash\0git\0checksum\0digest\0md5\0etag\0build\0version\0";
    const char *k;
    size_t j = a, we, lim = a > 48 ? a - 48 : 0;
    if (a > 0 && s[a - 1] == '+') return 1;
    while (j > 0 && a - j < 3 && s[j - 1] && gtbt__chr(" \t=:#@([-_", s[j - 1])) j--;
    for (we = j; j > 0 && we - j < 10 && gtbt__rx_alnum(s[j - 1]); j--) {}
    for (k = words; we > j && *k; k = gtbt__rx_wnext(k))
        if (strlen(k) == we - j && gtbt__rx_ci(s, we, j, k)) return 1;
    for (j = a; j >= lim + 3 && !gtbt__rx_eol(s[j - 1]); j--)
        if (gtbt__rx_digit(s[j - 1]) && s[j - 2] == '.' && gtbt__rx_digit(s[j - 3])) return 1;
    return 0;
}

static int gtbt__rx_class(unsigned char c) {
    return gtbt__is_upper(c) ? 1 : gtbt__is_lower(c) ? 2 : gtbt__is_digit(c) ? 3 : 4;
}

static void gtbt__redact_opaque(gtbt__rx *r) {
    const unsigned char *s = r->s;
    size_t n = r->n, i = 0, a, b, j, k, ca, cb, e;
    while (i < n) {
        size_t up = 0, lo = 0, dg = 0, changes = 0;
        int hexhit = 0;
        if (!gtbt__rx_b64(s[i])) { i++; continue; }
        for (a = i; i < n && gtbt__rx_b64(s[i]); i++) {}
        b = i;
        if (b - a < 32) continue;
        for (j = a; j < b;) {                      /* whole-word hex pieces */
            int digit = 0, letter = 0, hex = 1;
            if (!gtbt__rx_alnum(s[j])) { j++; continue; }
            for (k = j; k < b && gtbt__rx_alnum(s[k]); k++) {
                hex &= gtbt__rx_hex(s[k]) != 0;
                digit |= gtbt__rx_digit(s[k]);
                letter |= gtbt__rx_alpha(s[k]);
            }
            if ((k - j == 32 || k - j == 40) && hex && digit && letter &&
                !gtbt__rx_commit_ctx(s, j)) {
                gtbt__rx_emit(r, j, "<redacted-token>", k);
                hexhit = 1;
            }
            j = k;
        }
        if (hexhit) continue;
        for (ca = a; ca < b && !gtbt__rx_alnum(s[ca]); ca++) {}
        for (cb = b; cb > ca && !gtbt__rx_alnum(s[cb - 1]); cb--) {}
        if (cb - ca < 32) continue;
        for (j = ca; j < cb; j++) {
            int cl = gtbt__rx_class(s[j]);
            up += cl == 1; lo += cl == 2; dg += cl == 3;
            if (j > ca && cl != gtbt__rx_class(s[j - 1])) changes++;
        }
        if (up < 2 || lo < 2 || dg < 2 || changes * 100 < 38 * (cb - ca - 1)) continue;
        e = cb;
        if (cb == b) {                             /* '=' padding, unless it is "key=value" */
            while (e < n && e - b < 2 && s[e] == '=') e++;
            if (e < n && gtbt__rx_b64(s[e])) e = b;
        }
        gtbt__rx_emit(r, ca, "<redacted-token>", e);
    }
}

/* One pass that finds which rules can possibly match s[0..n) (a necessary condition for each; 0
   means the text is left as is). With any != 0 it stops at the first candidate: this is the
   pre-check of every recorded value, so ordinary values (target triples like
   x86_64-unknown-linux-gnu, version strings, --long-flags=value, paths) must cost one cheap pass
   and no rule. Checked: a userinfo rule 1 redacts (1); at '=', a keyword of rule 2 as a whole word before it
   (2); "authorization:" (3); "secret_access_key" then [=:] (4); a JSON key of rule 5 (5); "eyJ"
   (6); a prefix of rule 7 (7); a run of 41 token bytes (8); "-----BEGIN " (9); a secret key
   before '=', ':' or after a --flag (10); a provider prefix with its body at a word start (11); a
   run of 20 token bytes then '.' (12); a 32- or 40-hex word, or a base64 run of 32+ with 2+ upper,
   lower and digits (13). */
enum { GTBT__RX_M_URL = 1, GTBT__RX_M_QUERY = 2, GTBT__RX_M_AUTHZ = 4, GTBT__RX_M_AWS = 8,
       GTBT__RX_M_JSON = 16, GTBT__RX_M_JWT = 32, GTBT__RX_M_PROV = 64, GTBT__RX_M_LONG = 128,
       GTBT__RX_M_PEM = 256, GTBT__RX_M_KV = 512, GTBT__RX_M_PROV2 = 1024, GTBT__RX_M_DOT = 2048,
       GTBT__RX_M_OPAQUE = 4096 };

/* s[ks..ke) is one of the lowercase words (ASCII case-insensitive) */
static int gtbt__rx_is_word(const unsigned char *s, size_t ks, size_t ke, const char *words) {
    for (; *words; words = gtbt__rx_wnext(words))
        if (strlen(words) == ke - ks && gtbt__rx_ci(s, ke, ks, words)) return 1;
    return 0;
}

/* the Go rules' keyword conditions at a '=' or ':' at s[i] */
static unsigned gtbt__rx_go_keys_at(const unsigned char *s, size_t n, size_t i) {
    unsigned m = 0;
    size_t ks, ke = i, j;
    if (s[i] == '=' && i > 0 && gtbt__chr("yntdheYNTDHE", s[i - 1]) && s[i - 1]) {   /* the keywords' last letters */
        for (ks = i; ks > 0 && i - ks <= 13 && gtbt__rx_word(s[ks - 1]); ks--) {}
        if ((ks == 0 || !gtbt__rx_word(s[ks - 1])) && i + 1 < n && s[i + 1] != '&' && !gtbt__rx_ws(s[i + 1]) &&
            gtbt__rx_is_word(s, ks, i, gtbt__rx_w_query)) m |= GTBT__RX_M_QUERY;
    } else if (s[i] == ':' && i >= 13 && (s[i - 1] | 32) == 'n' && gtbt__rx_ci(s, n, i - 13, "authorization:")) {
        m |= GTBT__RX_M_AUTHZ;
    }
    while (ke > 0 && gtbt__rx_ws(s[ke - 1])) ke--;
    if (ke >= 17 && (s[ke - 1] | 32) == 'y' && gtbt__rx_ci(s, n, ke - 17, "secret_access_key")) m |= GTBT__RX_M_AWS;
    if (s[i] == ':' && ke > 0 && s[ke - 1] == '"') {
        for (ks = ke - 1; ks > 0 && ke - ks <= 15 && s[ks - 1] != '"'; ks--) {}
        j = gtbt__rx_skip_ws(s, n, i + 1);
        if (ks > 0 && s[ks - 1] == '"' && j < n && s[j] == '"' && gtbt__rx_is_word(s, ks, ke - 1, gtbt__rx_w_json)) m |= GTBT__RX_M_JSON;
    }
    return m;
}

/* The fixed prefixes at s[i], shared by gtbt__redact_scan and the pre-check: a provider prefix (sk-, ghp_ gho_ ghs_,
   glrt glpat- gldt, github_pat_, xox?-, AIza, AKIA: GTBT__RX_M_PROV), the "eyJ" of a JWT (GTBT__RX_M_JWT) or a PEM
   "-----BEGIN " (GTBT__RX_M_PEM); 0 for none. */
static unsigned gtbt__rx_prefix_at(const unsigned char *s, size_t n, size_t i) {
    switch (s[i]) {
    case 's': if (n - i >= 3 && s[i + 1] == 'k' && s[i + 2] == '-') return GTBT__RX_M_PROV; break;
    case 'g':
        if (n - i >= 4 && ((s[i + 1] == 'h' && (s[i + 2] == 'p' || s[i + 2] == 'o' || s[i + 2] == 's') && s[i + 3] == '_') ||
                           (s[i + 1] == 'l' && (s[i + 2] == 'r' || s[i + 2] == 'd') && s[i + 3] == 't') ||
                           !memcmp(s + i, "glpat-", gtbt__min(n - i, 6)) || !memcmp(s + i, "github_pat_", gtbt__min(n - i, 11))))
            return GTBT__RX_M_PROV;
        break;
    case 'x': if (n - i >= 5 && s[i + 1] == 'o' && s[i + 2] == 'x' && s[i + 4] == '-') return GTBT__RX_M_PROV; break;
    case 'A': if (n - i >= 4 && (!memcmp(s + i, "AIza", 4) || !memcmp(s + i, "AKIA", 4))) return GTBT__RX_M_PROV; break;
    case 'J': if (i >= 2 && s[i - 1] == 'y' && s[i - 2] == 'e') return GTBT__RX_M_JWT; break;
    case '-': if (n - i >= 11 && s[i + 1] == '-' && !memcmp(s + i, "-----BEGIN ", 11)) return GTBT__RX_M_PEM; break;
    default: break;
    }
    return 0;
}

static unsigned gtbt__redact_scan(const unsigned char *s, size_t n, int any) {
    size_t i, run = 0, b64 = 0, up = 0, lo = 0, dg = 0, piece = 0, vs, ve;
    unsigned m = 0;
    int hex = 1;
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (gtbt__rx_alnum(c)) {                   /* rule 13: a hex piece, a mixed base64 run */
            piece++;
            hex &= gtbt__rx_hex(c) != 0;
            up += (gtbt__rx_ct[c] & 128) != 0; lo += (gtbt__rx_ct[c] & 256) != 0; dg += gtbt__rx_digit(c) != 0;
            if (++b64 >= 32 && up >= 2 && lo >= 2 && dg >= 2) m |= GTBT__RX_M_OPAQUE;
        } else {
            if (hex && (piece == 32 || piece == 40)) m |= GTBT__RX_M_OPAQUE;
            piece = 0;
            hex = 1;
            if (gtbt__rx_b64(c)) b64++;
            else b64 = up = lo = dg = 0;
        }
        if (gtbt__rx_tok(c)) {
            if (++run >= 41) m |= GTBT__RX_M_LONG;
            m |= gtbt__rx_prefix_at(s, n, i);
            if (!(m & GTBT__RX_M_PROV2) && (i == 0 || !gtbt__rx_alnum(s[i - 1])) && gtbt__rx_prov2_at(s, n, i, &vs, &ve))
                m |= GTBT__RX_M_PROV2;
        } else {
            if (c == '.' && run >= 20) m |= GTBT__RX_M_DOT;
            run = 0;
            if (c == '=' || c == ':') {
                m |= gtbt__rx_go_keys_at(s, n, i);
                if (c == ':' && n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/' && gtbt__rx_userinfo_at(s, n, i, &ve)) m |= GTBT__RX_M_URL;
                if (!(m & GTBT__RX_M_KV) && i > 0 && gtbt__rx_kv_at(s, n, i, &vs, &ve)) m |= GTBT__RX_M_KV;
            } else if ((c == ' ' || c == '\t') && i > 0 && !(m & GTBT__RX_M_KV) && gtbt__rx_keych(s[i - 1])) {
                if (gtbt__rx_kv_at(s, n, i, &vs, &ve)) m |= GTBT__RX_M_KV;
            }
        }
        if (m && any) return m;
    }
    if (hex && (piece == 32 || piece == 40)) m |= GTBT__RX_M_OPAQUE;
    return m;
}

/* 1 when the base64 run s[a..b) can be rule 13's: 2+ upper, lower and digits, or a hex piece of
   exactly 32 or 40 */
static int gtbt__rx_opaque_run(const unsigned char *s, size_t a, size_t b) {
    size_t up = 0, lo = 0, dg = 0, piece = 0, i;
    int hex = 1;
    for (i = a; i <= b; i++) {
        unsigned f = i < b ? gtbt__rx_ct[s[i]] : 0;
        if (f & 6) {
            piece++;
            hex &= (f & 32) != 0;
            up += (f & 128) != 0; lo += (f & 256) != 0; dg += (f & 4) != 0;
        } else {
            if (hex && (piece == 32 || piece == 40)) return 1;
            piece = 0;
            hex = 1;
        }
    }
    return up >= 2 && lo >= 2 && dg >= 2;
}

/* Pre-check for the caller (every recorded value): 0 only when gtbt__redact_impl would copy
   in[0..n) verbatim. The same conditions as gtbt__redact_scan, ordered so that an ordinary value
   costs a few instructions per byte: the keyword checks run only at '=', ':' and a blank after a
   word, the provider prefixes only at word starts with 20 bytes left, the opaque-key test only on
   a base64 run of 32. */
/* The prefix checks of gtbt__redact_needed at s[i] (a byte with table bit 1024 or 2048). */
static int gtbt__rx_needed_at(const unsigned char *s, size_t n, size_t i) {
    size_t vs, ve;
    if (gtbt__rx_prefix_at(s, n, i)) return 1;                /* rules 6, 7, 9: anywhere */
    return (gtbt__rx_ct[s[i]] & 1024) && n - i >= 20 && (i == 0 || !gtbt__rx_alnum(s[i - 1])) &&
           gtbt__rx_prov2_at(s, n, i, &vs, &ve);              /* rule 11 at a word start */
}

/* The short-value fast path of the pre-check: 1 when a value of n bytes whose bytes' table bits
   OR to any cannot match any rule (then gtbt__redact_impl copies it verbatim). The bounds follow
   from the rules: rules 1-5 and 10 need a separator ('=', ':', or a blank after a --flag or
   "bearer"); rule 6 needs the 'J' of "eyJ"; the shortest match of the other rules is 15 bytes
   (rule 7's xox?- with its 10-byte body), then 19 (sk- with 16), then 20 (rule 11's ASIA etc.
   with 16; rule 9 needs 22, rule 13 32, rule 8 41, rule 12 52). So below 15 bytes a value
   without '=', ':', blank, tab and 'J' (bit 8192) is left as is, and below 20 bytes one without
   those and '-' (bit 4096). Must change with the rules: tests/test_redact.c (pre_check) holds
   the shortest secrets. */
#define GTBT__RX_SHORT_MAX 20   /* even: gtbt__clean scans two bytes a step, a multiple of 4 for gtbt__pairs_append */
static GTBT__UNUSED int gtbt__redact_short(size_t n, unsigned any) {
    return n < 15 ? !(any & 8192) : n < GTBT__RX_SHORT_MAX && !(any & 4096);
}

static GTBT__UNUSED int gtbt__redact_needed(const char *in, size_t n) {
    const unsigned char *s = (const unsigned char *)in;
    size_t i, tok = 0, b64 = 0, vs, ve;
    if (n < GTBT__RX_SHORT_MAX) {   /* one cheap pass: a table OR per byte */
        unsigned any = 0;
        for (i = 0; i < n; i++) any |= gtbt__rx_ct[s[i]];
        if (gtbt__redact_short(n, any)) return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned f = gtbt__rx_ct[s[i]];
        if (f & 94) {                                         /* [A-Za-z0-9_\-+/] */
            tok = (f & 30) ? tok + 1 : 0;
            if (((f & 2048) || ((f & 1024) && n - i >= 20)) && gtbt__rx_needed_at(s, n, i)) return 1;
            if (tok >= 41) return 1;                          /* rule 8 */
            if (++b64 == 32) {                                /* rule 13, once per run */
                size_t e = i + 1;
                while (e < n && (gtbt__rx_ct[s[e]] & 94)) e++;
                if (gtbt__rx_opaque_run(s, i + 1 - 32, e)) return 1;
            }
            continue;
        }
        if ((f & 1024) && n - i >= 20 && gtbt__rx_needed_at(s, n, i)) return 1;   /* "1//0" */
        if ((f & 512) && tok >= 20) return 1;                 /* rule 12: 20 token bytes, '.' */
        tok = b64 = 0;
        if (s[i] == '=' || s[i] == ':') {                     /* rules 1-5, 10 */
            if (gtbt__rx_go_keys_at(s, n, i)) return 1;
            if (s[i] == ':' && n - i > 2 && s[i + 1] == '/' && s[i + 2] == '/' && gtbt__rx_userinfo_at(s, n, i, &ve)) return 1;
            if (i > 0 && gtbt__rx_kv_at(s, n, i, &vs, &ve)) return 1;
        } else if ((f & 1) && i > 0 && gtbt__rx_keych(s[i - 1]) && gtbt__rx_kv_at(s, n, i, &vs, &ve)) {
            return 1;                                         /* rule 10: --flag value, bearer x */
        }
    }
    return 0;
}

/* The Go function is not quite idempotent: a later rule can unblock an earlier one, e.g.
   "x://u:AKIA<16 upper>key=/&@h" takes three applications to settle (AKIA[A-Z0-9]{16} leaves a
   \b before "key", whose redaction removes the '/' that blocked the userinfo rule); the wider
   rules add such cases. We therefore repeat the whole rule list until it changes nothing; by
   fuzzing, at most 3 passes change anything; the cap keeps the cost linear regardless. */
#ifndef GTBT__REDACT_MAX_PASSES
#define GTBT__REDACT_MAX_PASSES 4
#endif

/* Appends the redacted form of in[0..n) to out; returns the number of bytes appended. On
   out-of-memory nothing is appended (never a partly redacted value) and out->oom is set. Rules
   whose necessary condition (gtbt__redact_scan) is absent from the current text are skipped; the
   scan is redone after every rule that changed the text, so it always describes what the next
   rule sees. Order: PEM blocks, URL userinfo, secret keys, then the Go original's rules 2-8, then
   provider prefixes, dotted tokens, opaque keys. */
static GTBT__UNUSED size_t gtbt__redact_impl(const char *in, size_t n, gtbt__buf *out) {
    enum { NPROV = sizeof gtbt__rx_providers / sizeof gtbt__rx_providers[0], NRULES = 12 + NPROV };
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
            static const unsigned needs[] GTBT__TIGHT(unsigned) = { GTBT__RX_M_PEM, GTBT__RX_M_URL, GTBT__RX_M_KV, GTBT__RX_M_QUERY,
                GTBT__RX_M_AUTHZ, GTBT__RX_M_AWS, GTBT__RX_M_JSON, GTBT__RX_M_JWT };
            need = rule < 8 ? needs[rule] : rule < 8 + NPROV ? (unsigned)GTBT__RX_M_PROV : rule == 8 + NPROV ? (unsigned)GTBT__RX_M_LONG
                 : rule == 9 + NPROV ? (unsigned)GTBT__RX_M_PROV2 : rule == 10 + NPROV ? (unsigned)GTBT__RX_M_DOT : (unsigned)GTBT__RX_M_OPAQUE;
            if (!(mask & need)) continue;
            r.s = cur; r.n = curn; r.done = 0; r.out = &tmp[which]; r.changed = 0;
            tmp[which].len = 0;                        /* never the buffer cur points into */
            if (rule == 0) gtbt__redact_pem(&r);
            else if (rule == 1) gtbt__redact_userinfo(&r);
            else if (rule == 2) gtbt__redact_kv(&r);
            else if (rule == 3) gtbt__redact_query(&r);
            else if (rule == 4) gtbt__redact_authz(&r);
            else if (rule == 5) gtbt__redact_aws(&r);
            else if (rule == 6) gtbt__redact_json(&r);
            else if (rule == 7) gtbt__redact_jwt(&r);
            else if (rule < 8 + NPROV) gtbt__redact_provider(&r, &gtbt__rx_providers[rule - 8]);
            else if (rule == 8 + NPROV) gtbt__redact_long(&r);
            else if (rule == 9 + NPROV) gtbt__redact_prov2(&r);
            else if (rule == 10 + NPROV) gtbt__redact_dotted(&r);
            else gtbt__redact_opaque(&r);
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
/* URL parsing, sockets, TLS (BearSSL) and a small HTTP/1.1 POST client, in four parts: >>url (parse and validate endpoint URLs), >>net (resolve, connect, read, write, all bounded by
   one absolute deadline), >>tls (BearSSL client, trust anchors, IP-literal certificate check), >>http
   (request, response parser, chunked decoder, proxy, Retry-After, classification).
   Rule for errors: the function that detects a failure logs it once (never a header value, never a URL
   path or query, never a proxy URL); callers only propagate the code. */

// >>url ------------------------------------------------------------------------------------------

#define GTBT__URL_MAX 2048
#define GTBT__PROXY_CRED_MAX  255                               /* "user:password" of a proxy, decoded */
#define GTBT__PROXY_BASIC_MAX ((GTBT__PROXY_CRED_MAX + 2) / 3 * 4 + 1)

typedef struct gtbt__url {
    int  tls;                 /* 1 for https */
    char host[256];           /* without IPv6 brackets; lower-cased */
    int  host_is_ip;          /* IPv4 or IPv6 literal */
    int  port;                /* explicit or 80/443 */
    char hostport[264];       /* for the Host header: "host", "host:port" or "[v6]:port" (port only when not default) */
    char path[GTBT__URL_MAX]; /* path + query, "/" when empty; never contains the fragment */
    char basic[GTBT__PROXY_BASIC_MAX]; /* proxies only: base64 of "user:password" ("" = none); never logged */
} gtbt__url;


/* Binary form of an IP literal into out[16]: 4 (IPv4), 16 (IPv6) or 0 (not an IP literal). */
static int gtbt__ip_parse(const char *s, unsigned char *out) {
    if (gtbt__inet_pton(AF_INET, s, out) == 1) return 4;
    if (gtbt__inet_pton(AF_INET6, s, out) == 1) return 16;
    return 0;
}

/* Port digits [s, s+n): 1..65535 (leading zeros allowed); an empty port (as in "http://h:/") means the default. */
static int gtbt__url_port(const char *s, size_t n, int def, int *port) {
    size_t i;
    long v = 0;
    if (n == 0) { *port = def; return GTBT_OK; }
    for (i = 0; i < n; i++) {
        if (!gtbt__is_digit((unsigned char)s[i])) return GTBT_E_INVALID;
        v = v * 10 + (s[i] - '0');
        if (v > 65535) return GTBT_E_INVALID;
    }
    if (v < 1 || v > 65535) return GTBT_E_INVALID;
    *port = (int)v;
    return GTBT_OK;
}

/* A name or IPv4 host [s, s+n): percent-decoded, lower-cased; only [a-z0-9._-] survive decoding. */
static int gtbt__url_host(const char *s, size_t n, gtbt__url *u) {
    unsigned char ip[16];
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || gtbt__hexval(s[i + 1]) < 0 || gtbt__hexval(s[i + 2]) < 0) return GTBT_E_INVALID;
            c = gtbt__hexval(s[i + 1]) * 16 + gtbt__hexval(s[i + 2]);
            i += 2;
        }
        if (!(gtbt__is_alnum(c) || c == '-' || c == '.' || c == '_')) return GTBT_E_INVALID;
        if (o + 1 >= sizeof u->host) return GTBT_E_INVALID;
        u->host[o++] = (char)gtbt__ascii_lower(c);
    }
    if (o == 0) return GTBT_E_INVALID;
    u->host[o] = '\0';
    u->host_is_ip = gtbt__ip_parse(u->host, ip) == 4;
    return GTBT_OK;
}

/* The inside of "[...]": must be a valid IPv6 literal (no zone id). */
static int gtbt__url_host6(const char *s, size_t n, gtbt__url *u) {
    unsigned char ip[16];
    size_t i;
    if (n == 0 || n >= 46) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) u->host[i] = (char)gtbt__ascii_lower((unsigned char)s[i]);
    u->host[n] = '\0';
    if (gtbt__ip_parse(u->host, ip) != 16) return GTBT_E_INVALID;
    u->host_is_ip = 1;
    return GTBT_OK;
}

/* "host:port" with the port always present and IPv6 in brackets (CONNECT target, log lines). */
static void gtbt__url_authority(const gtbt__url *u, char *out, size_t cap) {
    if (gtbt__chr(u->host, ':')) gtbt__snprintf(out, cap, "[%s]:%d", u->host, u->port);
    else gtbt__snprintf(out, cap, "%s:%d", u->host, u->port);
}

static void gtbt__url_hostport(gtbt__url *u) {
    int def = u->port == (u->tls ? 443 : 80), v6 = gtbt__chr(u->host, ':') != NULL;
    size_t n = strlen(u->host);
    char *o = u->hostport;
    if (v6) *o++ = '[';
    memcpy(o, u->host, n);
    o += n;
    if (v6) *o++ = ']';
    if (!def) {   /* ":port", 1-65535 */
        char d[8];
        int k = 0, v = u->port;
        do { d[k++] = (char)('0' + v % 10); v /= 10; } while (v && k < 5);
        *o++ = ':';
        while (k) *o++ = d[--k];
    }
    *o = '\0';
}

/* Parse an http(s) URL. GTBT_E_INVALID for: NULL/empty, > 2048 bytes, control characters or spaces, invalid
   percent-escapes, a scheme other than http/https, userinfo, an empty or malformed host, a bad port. */
static GTBT__UNUSED int gtbt__url_parse(const char *s, gtbt__url *u) {
    const char *auth, *end, *p, *hostend, *frag;
    size_t n, i;
    int rc;
    if (!s || !u) return GTBT_E_INVALID;
    u->tls = u->host_is_ip = u->port = 0;   /* the strings are "" (not zeroed through: 2.6 KiB) */
    u->host[0] = u->hostport[0] = u->path[0] = u->basic[0] = 0;
    for (n = 0; n <= GTBT__URL_MAX && s[n]; n++) {}
    if (n == 0 || n > GTBT__URL_MAX) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F) return GTBT_E_INVALID;
        if (c == '%' && (i + 2 >= n || gtbt__hexval(s[i + 1]) < 0 || gtbt__hexval(s[i + 2]) < 0))
            return GTBT_E_INVALID;
    }
    if (gtbt__ascii_ncasecmp(s, "https://", 8) == 0) { u->tls = 1; auth = s + 8; }
    else if (gtbt__ascii_ncasecmp(s, "http://", 7) == 0) auth = s + 7;
    else return GTBT_E_INVALID;

    for (end = auth; *end && *end != '/' && *end != '?' && *end != '#'; end++) {}
    if (memchr(auth, '@', (size_t)(end - auth))) return GTBT_E_INVALID; /* userinfo */
    if (*auth == '[') {
        hostend = (const char *)memchr(auth, ']', (size_t)(end - auth));
        if (!hostend) return GTBT_E_INVALID;
        rc = gtbt__url_host6(auth + 1, (size_t)(hostend - auth - 1), u);
        p = hostend + 1;
        if (p < end && *p != ':') return GTBT_E_INVALID;
    } else {
        hostend = (const char *)memchr(auth, ':', (size_t)(end - auth));
        if (!hostend) hostend = end;
        rc = gtbt__url_host(auth, (size_t)(hostend - auth), u);
        p = hostend;
    }
    if (rc != GTBT_OK) return rc;
    rc = gtbt__url_port(p < end ? p + 1 : end, p < end ? (size_t)(end - p - 1) : 0, u->tls ? 443 : 80, &u->port);
    if (rc != GTBT_OK) return rc;

    for (frag = end; *frag && *frag != '#'; frag++) {}
    i = 0;
    if (*end != '/') u->path[i++] = '/'; /* empty path, or a query directly after the authority */
    memcpy(u->path + i, end, (size_t)(frag - end)); /* at most 2048 - 8 bytes: fits */
    u->path[i + (size_t)(frag - end)] = 0;
    gtbt__url_hostport(u);
    return GTBT_OK;
}

// >>net ------------------------------------------------------------------------------------------

#define GTBT__NET_ATTEMPT_DELAY_MS 250 /* Happy Eyeballs: the next address this long after the previous attempt */
#define GTBT__DNS_WAIT_SLICE_MS  100   /* condition-variable waits are re-checked against the monotonic clock */


typedef struct gtbt__tls gtbt__tls; /* defined in >>tls (only when GTBT__TLS) */

/* One connection: a socket, optionally TLS over it, and the absolute deadline every operation honours. */
typedef struct gtbt__conn {
    gtbt__sock fd;
    int64_t deadline;         /* gtbt_now_ms() clock */
    gtbt__tls *tls;           /* NULL for plain TCP */
    const gtbt__log *lg;
    char where[300];          /* "host:port" of the target, for log lines */
} gtbt__conn;

typedef struct gtbt__addrs {
    int n;
    struct sockaddr_storage ss[GTBT__NET_MAX_ADDRS];
    socklen_t len[GTBT__NET_MAX_ADDRS];
} gtbt__addrs;

static void gtbt__addrs_add(gtbt__addrs *a, const void *sa, size_t len) {
    if (a->n >= GTBT__NET_MAX_ADDRS || len > sizeof a->ss[0]) return;
    memcpy(&a->ss[a->n], sa, len);
    a->len[a->n++] = (socklen_t)len;
}

/* An IP literal becomes one address without asking the resolver. */
static int gtbt__addrs_literal(const char *host, int port, gtbt__addrs *a) {
    struct sockaddr_in s4;
    struct sockaddr_in6 s6;
    a->n = 0;
    memset(&s4, 0, sizeof s4);
    memset(&s6, 0, sizeof s6);
    if (gtbt__inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
        s4.sin_family = AF_INET;
        s4.sin_port = htons((uint16_t)port);
        gtbt__addrs_add(a, &s4, sizeof s4);
    } else if (gtbt__inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons((uint16_t)port);
        gtbt__addrs_add(a, &s6, sizeof s6);
    }
    return a->n ? GTBT_OK : GTBT_E_INVALID;
}

/* getaddrinfo into a bounded list; returns 0 or an EAI_* code. */
static int gtbt__getaddrinfo(const char *host, int port, gtbt__addrs *a) {
    struct addrinfo hints, *res = NULL, *ai;
    char ps[8];
    int r;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV; /* no AI_ADDRCONFIG: it hides "localhost" on loopback-only hosts */
    gtbt__snprintf(ps, sizeof ps, "%d", port);
    a->n = 0;
    if (!gtbt__net_startup()) return EAI_FAIL;
    r = getaddrinfo(host, ps, &hints, &res);
    if (r != 0) return r;
    for (ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) gtbt__addrs_add(a, ai->ai_addr, (size_t)ai->ai_addrlen);
    freeaddrinfo(res);
    return a->n ? 0 : EAI_NONAME;
}

#if GTBT__THREADS
/* State shared by a resolve call and its helper thread; whoever drops the last reference frees it, so a
   caller that gave up at its deadline simply leaves and the late thread cleans up. */
typedef struct gtbt__dns_job {
    gtbt__mutex mu;
    gtbt__cond cv;
    int refs, done, err, port;
    char host[256];
    gtbt__addrs addrs;
} gtbt__dns_job;

static void gtbt__dns_job_unref(gtbt__dns_job *j) {
    int last;
    gtbt__mutex_lock(&j->mu);
    last = --j->refs == 0;
    gtbt__mutex_unlock(&j->mu);
    if (!last) return;
    gtbt__cond_destroy(&j->cv);
    gtbt__mutex_destroy(&j->mu);
    gtbt__free(j);
}

static void gtbt__dns_thread(void *arg) {
    gtbt__dns_job *j = (gtbt__dns_job *)arg;
    gtbt__addrs a;
    int err = gtbt__getaddrinfo(j->host, j->port, &a);
    gtbt__mutex_lock(&j->mu);
    j->addrs = a;
    j->err = err;
    j->done = 1;
    gtbt__cond_signal(&j->cv);
    gtbt__mutex_unlock(&j->mu);
    gtbt__dns_job_unref(j);
}

/* One bounded wait on the job's condition variable (caller holds j->mu); 0 once the deadline has passed. */
static int gtbt__dns_wait(gtbt__dns_job *j, int64_t deadline) {
    int64_t left = deadline - gtbt_now_ms();
    if (left <= 0) return 0;
    if (left > GTBT__DNS_WAIT_SLICE_MS) left = GTBT__DNS_WAIT_SLICE_MS; /* bounds the effect of wall-clock jumps */
    gtbt__cond_wait_ms(&j->cv, &j->mu, (int)left);
    return 1;
}

/* Starts the detached helper (with every signal blocked on POSIX: the host tool's handlers stay on its threads). */
static int gtbt__dns_start(gtbt__dns_job *j) { return gtbt__thread_detached(gtbt__dns_thread, j); }

/* Resolve host in a helper thread, waiting at most until the deadline. */
static int gtbt__resolve(const char *host, int port, int64_t deadline, gtbt__addrs *out, const gtbt__log *lg) {
    gtbt__dns_job *j;
    int done, err = 0;
    if (deadline - gtbt_now_ms() <= 0) {
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVE_NO_TIME, "no time left to resolve %s", host);
        return GTBT_E_TIMEOUT;
    }
    j = (gtbt__dns_job *)gtbt__malloc(sizeof *j);
    if (!j) return GTBT_E_NOMEM;
    memset(j, 0, sizeof *j);
    gtbt__mutex_init(&j->mu);
    if (!gtbt__cond_init(&j->cv)) { gtbt__mutex_destroy(&j->mu); gtbt__free(j); return GTBT_E_NOMEM; }
    j->refs = 2; /* this call and the helper thread */
    j->port = port;
    gtbt__copy(j->host, sizeof j->host, host, strlen(host));
    if (!gtbt__dns_start(j)) {
        j->refs = 1;
        gtbt__dns_job_unref(j);
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVER_THREAD, "cannot start a resolver thread for %s", host);
        return GTBT_E_NETWORK;
    }
    gtbt__mutex_lock(&j->mu);
    while (!j->done && gtbt__dns_wait(j, deadline)) {}
    done = j->done;
    if (done) { err = j->err; *out = j->addrs; }
    gtbt__mutex_unlock(&j->mu);
    gtbt__dns_job_unref(j);
    if (!done) {
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVE_TIMEOUT, "resolving %s timed out", host);
        return GTBT_E_TIMEOUT;
    }
    if (err) {
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVE_FAILED, "cannot resolve %s: %s", host, gai_strerror(err));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}
#else
/* Without threads getaddrinfo runs on the caller's thread: it is then bounded only by the system resolver
   (resolv.conf timeout and attempts), not by the deadline. IP literals never get here. */
static int gtbt__resolve(const char *host, int port, int64_t deadline, gtbt__addrs *out, const gtbt__log *lg) {
    int err;
    if (deadline - gtbt_now_ms() <= 0) {
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVE_NO_TIME, "no time left to resolve %s", host);
        return GTBT_E_TIMEOUT;
    }
    err = gtbt__getaddrinfo(host, port, out);
    if (err) {
        gtbt__logi(lg, GTBT_LOGITEM_RESOLVE_FAILED, "cannot resolve %s: %s", host, gai_strerror(err));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}
#endif

/* Waits until s is ready (for writing, or reading) or the deadline passes: GTBT_OK, GTBT_E_TIMEOUT or GTBT_E_NETWORK. */
static int gtbt__poll_fd(gtbt__sock s, int for_write, int64_t deadline) {
    for (;;) {
        int64_t left = deadline - gtbt_now_ms();
        int r;
        if (left <= 0) return GTBT_E_TIMEOUT;
        r = gtbt__sock_poll(s, for_write, left > INT_MAX ? INT_MAX : (int)left);
        if (r > 0) return GTBT_OK; /* also on errors and hang-ups: the next recv/send reports it */
        if (r < 0 && errno != EINTR) return GTBT_E_NETWORK;
    }
}

/* The families alternate, starting with the resolver's first choice (RFC 8305 section 4). */
static void gtbt__addrs_interleave(gtbt__addrs *a) {
    gtbt__addrs out;
    int used[GTBT__NET_MAX_ADDRS], i, want = a->n ? a->ss[0].ss_family : AF_INET;
    memset(used, 0, sizeof used);
    out.n = 0;
    while (out.n < a->n) {
        int pick = -1;
        for (i = 0; i < a->n && pick < 0; i++) if (!used[i] && a->ss[i].ss_family == want) pick = i;
        for (i = 0; i < a->n && pick < 0; i++) if (!used[i]) pick = i;   /* only the other family is left */
        used[pick] = 1;
        out.ss[out.n] = a->ss[pick];
        out.len[out.n++] = a->len[pick];
        want = a->ss[pick].ss_family == AF_INET ? AF_INET6 : AF_INET;
    }
    *a = out;
}

/* Happy Eyeballs (RFC 8305, simplified): the next address is tried GTBT__NET_ATTEMPT_DELAY_MS
   after the previous attempt while that one is still pending (at once when it failed), the first
   connection made wins and the others are closed, all before the deadline. The socket in *fd, or
   an error with *err = errno of the last failure. */
static int gtbt__sock_connect_he(const gtbt__addrs *a, int64_t deadline, gtbt__sock *fd, int *err) {
    gtbt__sock p[GTBT__NET_MAX_ADDRS];
    int npend = 0, next = 0, i, rc = GTBT_E_NETWORK;
    int64_t next_at = 0;
    *fd = GTBT__NO_SOCK;
    for (;;) {
        int64_t now = gtbt_now_ms(), wait;
        int r;
        if (now >= deadline) { *err = ETIMEDOUT; rc = GTBT_E_TIMEOUT; break; }
        if (next < a->n && (npend == 0 || now >= next_at)) {
            gtbt__sock s = gtbt__sock_create(a->ss[next].ss_family);
            r = s == GTBT__NO_SOCK ? -1 : gtbt__sock_begin(s, (const struct sockaddr *)&a->ss[next], a->len[next]);
            next++;
            if (r == 0) { *fd = s; rc = GTBT_OK; break; }
            if (r < 0) {                                  /* failed at once: the next address now */
                *err = errno;
                if (s != GTBT__NO_SOCK) gtbt__sock_close(s);
                continue;
            }
            p[npend++] = s;
            next_at = now + GTBT__NET_ATTEMPT_DELAY_MS;
            continue;
        }
        if (npend == 0) break;                            /* every address failed */
        wait = deadline - now;
        if (next < a->n && next_at - now < wait) wait = next_at - now;
        r = gtbt__sock_poll_connects(p, npend, (int)(wait > INT_MAX ? INT_MAX : wait));
        if (r < -1) { *err = errno; break; }
        if (r < 0) continue;                              /* nothing yet: time for the next attempt? */
        if ((*err = gtbt__sock_so_error(p[r])) == 0) { *fd = p[r]; p[r] = p[--npend]; rc = GTBT_OK; break; }
        gtbt__sock_close(p[r]);                           /* refused or unreachable */
        p[r] = p[--npend];
        next_at = 0;                                      /* a failure starts the next attempt at once */
    }
    for (i = 0; i < npend; i++) gtbt__sock_close(p[i]);  /* the losers */
    return rc;
}

/* Tests can stand in for the resolver (a name with a blackholed address before a working one). */
static int (*gtbt__test_resolve)(const char *host, int port, gtbt__addrs *out);

/* Resolve (IP literals directly) and connect to host:port within c->deadline. */
static int gtbt__sock_connect(gtbt__conn *c, const char *what, const char *host, int host_is_ip, int port) {
    gtbt__addrs a;
    int rc, err = ECONNREFUSED;
    if (host_is_ip) rc = gtbt__addrs_literal(host, port, &a);
    else if (gtbt__test_resolve) rc = gtbt__test_resolve(host, port, &a);
    else rc = gtbt__resolve(host, port, c->deadline, &a, c->lg);
    if (rc != GTBT_OK) return rc;
    gtbt__addrs_interleave(&a);
    rc = gtbt__sock_connect_he(&a, c->deadline, &c->fd, &err);
    if (rc == GTBT_OK) return GTBT_OK;
    if (rc == GTBT_E_TIMEOUT || gtbt_now_ms() >= c->deadline) {
        gtbt__logi(c->lg, GTBT_LOGITEM_CONNECT_TIMEOUT, "connecting to %s %s port %d timed out", what, host, port);
        return GTBT_E_TIMEOUT;
    }
    gtbt__logi(c->lg, GTBT_LOGITEM_CONNECT_FAILED, "cannot connect to %s %s port %d: %s", what, host, port, strerror(err));
    return GTBT_E_NETWORK;
}

/* Write all of p (short writes continued, EINTR retried, never SIGPIPE). */
static int gtbt__sock_write(gtbt__conn *c, const void *p, size_t n) {
    const char *s = (const char *)p;
    while (n > 0) {
        long r = gtbt__sock_send(c->fd, s, n);
        int rc;
        if (r > 0) { s += r; n -= (size_t)r; continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            rc = gtbt__poll_fd(c->fd, 1, c->deadline);
            if (rc == GTBT_OK) continue;
            if (rc == GTBT_E_TIMEOUT) gtbt__logi(c->lg, GTBT_LOGITEM_SOCKET_SEND_TIMEOUT, "sending to %s timed out", c->where);
            else gtbt__logi(c->lg, GTBT_LOGITEM_SOCKET_SEND_FAILED, "sending to %s failed: %s", c->where, strerror(errno));
            return rc;
        }
        gtbt__logi(c->lg, GTBT_LOGITEM_SOCKET_SEND_FAILED, "sending to %s failed: %s", c->where, strerror(errno));
        return GTBT_E_NETWORK;
    }
    return GTBT_OK;
}

/* Read up to cap bytes; *got = 0 means the peer closed the connection. */
static int gtbt__sock_read(gtbt__conn *c, void *p, size_t cap, size_t *got) {
    *got = 0;
    for (;;) {
        long r;
        int rc = gtbt_now_ms() < c->deadline ? GTBT_OK : GTBT_E_TIMEOUT;
        if (rc == GTBT_OK) {
            r = gtbt__sock_recv(c->fd, p, cap);
            if (r >= 0) { *got = (size_t)r; return GTBT_OK; }
            if (errno == EINTR) continue;
            rc = errno == EAGAIN || errno == EWOULDBLOCK ? gtbt__poll_fd(c->fd, 0, c->deadline) : GTBT_E_NETWORK;
            if (rc == GTBT_OK) continue;
        }
        if (rc == GTBT_E_TIMEOUT) gtbt__logi(c->lg, GTBT_LOGITEM_SOCKET_RECV_TIMEOUT, "waiting for %s timed out", c->where);
        else gtbt__logi(c->lg, GTBT_LOGITEM_SOCKET_RECV_FAILED, "reading from %s failed: %s", c->where, strerror(errno));
        return rc;
    }
}

// >>tls ------------------------------------------------------------------------------------------
/* Why an https URL cannot be used in a GTB_TELEMETRY_NO_TLS build (one copy of the text, which
   the linker also finds at the end of "https " GTBT__TLS_LEFT_OUT). */
#define GTBT__TLS_LEFT_OUT "needs TLS, which this build left out (GTB_TELEMETRY_NO_TLS)"

#if GTBT__TLS

#define GTBT__TLS_MAX_BUNDLE  (4 * 1024 * 1024) /* PEM bundle file size */
#define GTBT__TLS_MAX_ANCHORS 2048              /* certificates kept from one bundle */
#define GTBT__TLS_MAX_CERT    (64 * 1024)       /* one certificate of the server's chain */
#define GTBT__TLS_CACHE_SLOTS 8                 /* distinct bundle paths cached per process */
#define GTBT__TLS_EOF         1                 /* internal: the peer closed (close_notify or TCP EOF) */

#ifdef O_CLOEXEC
#define GTBT__O_CLOEXEC O_CLOEXEC
#else
#define GTBT__O_CLOEXEC 0
#endif

/* --- certificates: PEM and the DER fields a trust anchor needs, decoded by the library itself --- */

/* base64 digit values; 64: white space (skipped), 65: '=' (padding), 255: not base64 */
static const unsigned char gtbt__b64_tab[256] GTBT__TIGHT(unsigned char) = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 64, 64, 64, 64, 64, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 64, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 62, 255, 255, 255, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 255, 255, 255, 65, 255, 255, 255, 0, 1, 2, 3, 4, 5, 6,
    7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 255, 255, 255, 255, 255,
    255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255
};

/* Decode the base64 text [*sp, e) into out until cap bytes (a multiple of 3, or the whole text) are written;
   white space is skipped, '=' padding ends the text. *sp moves past what was decoded. Returns the byte count, or
   -1 on a byte that is not base64, a misplaced '=' or a partial group at the end. */
static long gtbt__b64_decode(const unsigned char **sp, const unsigned char *e, unsigned char *out, size_t cap) {
    const unsigned char *s = *sp, *tab = gtbt__b64_tab;
    size_t o = 0;
    uint32_t acc = 0;
    int k = 0;
    for (;;) {
        while (e - s >= 4 && cap - o >= 3) { /* the common case: four digits in a row */
            uint32_t a = tab[s[0]], b = tab[s[1]], c = tab[s[2]], d = tab[s[3]], v;
            if ((a | b | c | d) & 0xC0) break;
            v = a << 18 | b << 12 | c << 6 | d;
            out[o] = (unsigned char)(v >> 16);
            out[o + 1] = (unsigned char)(v >> 8);
            out[o + 2] = (unsigned char)v;
            o += 3;
            s += 4;
        }
        *sp = s;
        if (s >= e || cap - o < 3) break;
        for (k = 0, acc = 0; s < e && k < 4; s++) { /* one group with white space or padding in it */
            unsigned v = tab[*s];
            if (v < 64) { acc = acc << 6 | v; k++; continue; }
            if (v == 64) continue;
            if (v != 65 || k < 2) return -1;
            if (k == 2) out[o++] = (unsigned char)(acc >> 4); /* "xx==" */
            else { out[o++] = (unsigned char)(acc >> 10); out[o++] = (unsigned char)(acc >> 2); } /* "xxx=" */
            for (; s < e; s++) if (tab[*s] != 64 && tab[*s] != 65) return -1;
            *sp = e;
            return (long)o;
        }
        if (k == 0) { *sp = s; break; } /* only white space was left */
        if (k != 4) return -1;      /* a partial group at the end */
        out[o] = (unsigned char)(acc >> 16);
        out[o + 1] = (unsigned char)(acc >> 8);
        out[o + 2] = (unsigned char)acc;
        o += 3;
    }
    return (long)o;
}

/* The next PEM object in the text [t0, e) at or after p (a BEGIN line starts a line): its label
   [*lab, *lab + *lab_len) and base64 body [*b, *be). Returns where scanning continues, or NULL when no BEGIN line
   is left. *ok = 0 for an object whose BEGIN or END line is malformed. */
static const unsigned char *gtbt__pem_next(const unsigned char *t0, const unsigned char *p, const unsigned char *e,
                                           const unsigned char **lab, size_t *lab_len, const unsigned char **b,
                                           const unsigned char **be, int *ok) {
    const unsigned char *q, *l, *nl;
    size_t n;
    for (;; p = q + 1) {
        q = (const unsigned char *)memchr(p, '-', (size_t)(e - p));
        if (!q) return NULL;
        if ((q == t0 || q[-1] == '\n') && e - q >= 11 && memcmp(q, "-----BEGIN ", 11) == 0) break;
    }
    l = q + 11;
    nl = (const unsigned char *)memchr(l, '\n', (size_t)(e - l));
    if (!nl) nl = e;
    for (q = l; q < nl && *q != '-'; q++) {}
    n = (size_t)(q - l);
    *lab = l;
    *lab_len = n;
    *ok = nl - q >= 5 && memcmp(q, "-----", 5) == 0;
    *b = nl < e ? nl + 1 : e;
    q = (const unsigned char *)memchr(*b, '-', (size_t)(e - *b)); /* base64 has no '-': the END line */
    *be = q ? q : e;
    if (!q) { *ok = 0; return e; }
    if ((size_t)(e - q) < n + 14 || memcmp(q, "-----END ", 9) != 0 || memcmp(q + 9, l, n) != 0 ||
        memcmp(q + 9 + n, "-----", 5) != 0) {
        *ok = 0;
        return q; /* rescanned: it may be the next BEGIN line */
    }
    return q + 14 + n;
}

/* What the library needs from a certificate: pointers into its DER. */
typedef struct gtbt__cert {
    const unsigned char *issuer, *subject;  /* whole Name elements (tag, length, value) */
    size_t issuer_len, subject_len;
    unsigned key_type, curve;               /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC; BearSSL curve id for EC */
    const unsigned char *n, *e, *q;         /* RSA modulus and exponent without leading zeros; EC point */
    size_t nlen, elen, qlen;
    int is_ca;                              /* basicConstraints cA */
} gtbt__cert;

/* One element header at [*p, end) with the rules of BearSSL's X.509 decoder: universal or context class only
   (tag 0..30, or 32 + n for [n]), no high tag numbers, no indefinite length, and (unless partial) a value that
   fits before end. *p moves to the value. 0, or -1 when malformed. */
static int gtbt__der_hdr(const unsigned char **p, const unsigned char *end, int partial, int *tag, int *cons,
                         size_t *len) {
    const unsigned char *q = *p;
    size_t l, k;
    unsigned fb;
    if (q >= end) return -1;
    fb = *q++;
    if ((fb & 0x40) || (fb & 0x1F) == 0x1F) return -1;
    *tag = (int)(((fb >> 7) << 5) | (fb & 0x1F));
    *cons = (int)((fb >> 5) & 1);
    if (q >= end) return -1;
    l = *q++;
    if (l & 0x80) {
        k = l & 0x7F;
        if (k == 0) return -1;
        for (l = 0; k > 0; k--) {
            if (q >= end || l > 0x7FFFFF) return -1;
            l = (l << 8) | *q++;
        }
    }
    if (!partial && (size_t)(end - q) < l) return -1;
    *len = l;
    *p = q;
    return 0;
}

/* Enter an element of tag want (cons 1: constructed, 0: primitive): *p moves to its value, *ve to its end. */
static int gtbt__der_open(const unsigned char **p, const unsigned char *end, int want, int cons, const unsigned char **ve) {
    int tag, c;
    size_t len;
    if (gtbt__der_hdr(p, end, 0, &tag, &c, &len) || tag != want || c != cons) return -1;
    *ve = *p + len;
    return 0;
}

/* An OBJECT IDENTIFIER's value. */
static int gtbt__der_oid(const unsigned char **p, const unsigned char *end, const unsigned char **v, size_t *n) {
    const unsigned char *e;
    if (gtbt__der_open(p, end, 0x06, 0, &e)) return -1;
    *v = *p;
    *n = (size_t)(e - *p);
    *p = e;
    return 0;
}

static int gtbt__der_oid_is(const unsigned char *v, size_t n, const char *oid, size_t oid_len) {
    return n == oid_len && memcmp(v, oid, n) == 0;
}

/* Two decimal digits in [lo, hi]. */
static int gtbt__der_dec2(const unsigned char **p, const unsigned char *e, unsigned lo, unsigned hi, unsigned *v) {
    const unsigned char *q = *p;
    if (e - q < 2 || q[0] < '0' || q[0] > '9' || q[1] < '0' || q[1] > '9') return -1;
    *v = (unsigned)(q[0] - '0') * 10 + (unsigned)(q[1] - '0');
    *p = q + 2;
    return *v < lo || *v > hi ? -1 : 0;
}

/* A UTCTime or GeneralizedTime that BearSSL accepts (a real calendar date, 'Z', optional fraction). */
static int gtbt__der_time(const unsigned char **p, const unsigned char *end) {
    static const unsigned char mdays[12] GTBT__TIGHT(unsigned char) = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const unsigned char *q, *e;
    unsigned y, y2, m, d, x;
    int tag, cons;
    size_t len;
    if (gtbt__der_hdr(p, end, 0, &tag, &cons, &len) || (tag != 0x17 && tag != 0x18) || cons) return -1;
    q = *p;
    e = q + len;
    *p = e;
    if (gtbt__der_dec2(&q, e, 0, 99, &y)) return -1;
    if (tag == 0x18) {
        if (gtbt__der_dec2(&q, e, 0, 99, &y2)) return -1;
        y = y * 100 + y2;
    } else {
        y += y < 50 ? 2000 : 1900;
    }
    if (gtbt__der_dec2(&q, e, 1, 12, &m)) return -1;
    x = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    if (gtbt__der_dec2(&q, e, 1, x, &d) || gtbt__der_dec2(&q, e, 0, 23, &x) || gtbt__der_dec2(&q, e, 0, 59, &x) ||
        gtbt__der_dec2(&q, e, 0, 60, &x)) return -1;
    if (q < e && *q == '.') for (q++; q < e && *q >= '0' && *q <= '9'; q++) {}
    return q < e && *q == 'Z' && q + 1 == e ? 0 : -1;
}

/* A non-negative INTEGER's value without its leading zeros, at most room bytes. */
static int gtbt__der_uint(const unsigned char **p, const unsigned char *end, size_t room, const unsigned char **v,
                          size_t *n) {
    const unsigned char *q, *e;
    if (gtbt__der_open(p, end, 0x02, 0, &e)) return -1;
    q = *p;
    *p = e;
    if (q >= e || *q >= 0x80) return -1;
    while (q < e && *q == 0) q++;
    if ((size_t)(e - q) > room) return -1;
    *v = q;
    *n = (size_t)(e - q);
    return 0;
}

/* A BOOLEAN (any non-zero byte is true) whose header was read: tag, cons, len. */
static int gtbt__der_bool(const unsigned char **p, const unsigned char *end, int tag, int cons, size_t len, int *b) {
    if (tag != 0x01 || cons || len != 1 || *p >= end) return -1;
    *b = **p != 0;
    *p += 1;
    return 0;
}

#define GTBT__OID_RSA "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" /* rsaEncryption */
#define GTBT__OID_EC  "\x2a\x86\x48\xce\x3d\x02\x01"         /* id-ecPublicKey */

/* BearSSL's id of a named curve (P-256, P-384, P-521), or 0. */
static unsigned gtbt__curve_id(const unsigned char *v, size_t n) {
    if (gtbt__der_oid_is(v, n, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8)) return BR_EC_secp256r1;
    if (gtbt__der_oid_is(v, n, "\x2b\x81\x04\x00\x22", 5)) return BR_EC_secp384r1;
    if (gtbt__der_oid_is(v, n, "\x2b\x81\x04\x00\x23", 5)) return BR_EC_secp521r1;
    return 0;
}

/* subjectPublicKeyInfo: an RSA key (modulus and exponent together at most BR_X509_BUFSIZE_KEY bytes) or an EC
   key on a named curve BearSSL supports. */
static int gtbt__cert_spki(const unsigned char **p, const unsigned char *end, gtbt__cert *c) {
    const unsigned char *se, *ae, *be, *re, *oid;
    size_t on;
    if (gtbt__der_open(p, end, 0x10, 1, &se) || gtbt__der_open(p, se, 0x10, 1, &ae) || gtbt__der_oid(p, ae, &oid, &on) ||
        on > 255) return -1;
    if (gtbt__der_oid_is(oid, on, GTBT__OID_RSA, 9)) {
        *p = ae; /* the parameters (NULL) are not looked at */
        if (gtbt__der_open(p, se, 0x03, 0, &be) || *p >= be || *(*p)++ != 0 || gtbt__der_open(p, be, 0x10, 1, &re) ||
            gtbt__der_uint(p, re, BR_X509_BUFSIZE_KEY, &c->n, &c->nlen) ||
            gtbt__der_uint(p, re, BR_X509_BUFSIZE_KEY - c->nlen, &c->e, &c->elen) || *p != re || re != be) return -1;
        c->key_type = BR_KEYTYPE_RSA;
    } else if (gtbt__der_oid_is(oid, on, GTBT__OID_EC, 7)) {
        if (gtbt__der_oid(p, ae, &oid, &on) || !(c->curve = gtbt__curve_id(oid, on)) || *p != ae ||
            gtbt__der_open(p, se, 0x03, 0, &be) || *p >= be || *(*p)++ != 0 || (size_t)(be - *p) > BR_X509_BUFSIZE_KEY)
            return -1;
        c->q = *p;
        c->qlen = (size_t)(be - *p);
        c->key_type = BR_KEYTYPE_EC;
        *p = be;
    } else {
        return -1;
    }
    return *p == se ? 0 : -1;
}

/* The extensions ([3] EXPLICIT SEQUENCE OF Extension): every one well-formed; basicConstraints sets is_ca. */
static int gtbt__cert_exts(const unsigned char **p, const unsigned char *e3, gtbt__cert *c) {
    const unsigned char *es, *xe, *oe, *bce, *oid;
    size_t on, len;
    int tag, cons, crit;
    if (gtbt__der_open(p, e3, 0x10, 1, &es)) return -1;
    while (*p < es) {
        if (gtbt__der_open(p, es, 0x10, 1, &xe) || gtbt__der_oid(p, xe, &oid, &on) ||
            gtbt__der_hdr(p, xe, 0, &tag, &cons, &len)) return -1;
        if (tag == 0x01 && (gtbt__der_bool(p, xe, tag, cons, len, &crit) || gtbt__der_hdr(p, xe, 0, &tag, &cons, &len)))
            return -1;
        if (tag != 0x04 || cons) return -1;
        oe = *p + len;
        if (gtbt__der_oid_is(oid, on, "\x55\x1d\x13", 3)) { /* basicConstraints */
            if (gtbt__der_open(p, oe, 0x10, 1, &bce)) return -1;
            if (*p < bce) {
                unsigned fb = **p; /* only the tag is read unless it is the cA BOOLEAN */
                if ((fb & 0x40) || (fb & 0x1F) == 0x1F) return -1;
                if ((fb & 0xDF) == 0x01) {
                    if (gtbt__der_hdr(p, bce, 0, &tag, &cons, &len) || gtbt__der_bool(p, bce, tag, cons, len, &c->is_ca))
                        return -1;
                }
            }
            if (bce != oe) return -1;
        }
        *p = oe;
        if (*p != xe) return -1;
    }
    *p = es;
    return es == e3 ? 0 : -1;
}

/* Decode a DER certificate the way BearSSL's br_x509_decoder does (the same certificates accepted, the same
   subject DN, key and CA flag). 0, or -1 when BearSSL would give no key. */
static int gtbt__cert_parse(const unsigned char *der, size_t n, gtbt__cert *c) {
    const unsigned char *p = der, *end = der + n, *ce, *te, *e, *v, *oid;
    size_t len, on;
    int tag, cons;
    unsigned ver;
    memset(c, 0, sizeof *c);
    if (gtbt__der_open(&p, end, 0x10, 1, &ce) || ce != end || gtbt__der_open(&p, ce, 0x10, 1, &te) ||
        gtbt__der_hdr(&p, te, 0, &tag, &cons, &len)) return -1;
    if (tag == 0x20) { /* [0] version: v1..v3 */
        e = p + len;
        if (!cons || gtbt__der_open(&p, e, 0x02, 0, &v) || v != e || p >= e || *p >= 0x80) return -1;
        for (ver = 0; p < e; p++) {
            if (ver >= 0xFFFFFF) return -1;
            ver = (ver << 8) | *p;
        }
        if (ver > 2 || gtbt__der_hdr(&p, te, 0, &tag, &cons, &len)) return -1;
    }
    if (tag != 0x02 || cons) return -1;
    p += len;                                                              /* serialNumber */
    if (gtbt__der_open(&p, te, 0x10, 1, &e)) return -1;                    /* signature */
    c->issuer = p = e;
    if (gtbt__der_open(&p, te, 0x10, 1, &e)) return -1;
    c->issuer_len = (size_t)(e - c->issuer);
    p = e;
    if (gtbt__der_open(&p, te, 0x10, 1, &e) || gtbt__der_time(&p, e) || gtbt__der_time(&p, e) || p != e) return -1;
    c->subject = p;
    if (gtbt__der_open(&p, te, 0x10, 1, &e)) return -1;
    c->subject_len = (size_t)(e - c->subject);
    p = e;
    if (gtbt__cert_spki(&p, te, c)) return -1;
    tag = -1;
    if (p < te && gtbt__der_hdr(&p, te, 0, &tag, &cons, &len)) return -1;
    if (tag == 0x21) { /* issuerUniqueID */
        p += len;
        tag = -1;
        if (p < te && gtbt__der_hdr(&p, te, 0, &tag, &cons, &len)) return -1;
    }
    if (tag == 0x22) { /* subjectUniqueID */
        p += len;
        tag = -1;
        if (p < te && gtbt__der_hdr(&p, te, 0, &tag, &cons, &len)) return -1;
    }
    if (tag == 0x23) {
        if (!cons || gtbt__cert_exts(&p, p + len, c)) return -1;
    } else if (tag != -1) {
        return -1;
    }
    if (p != te || gtbt__der_open(&p, ce, 0x10, 1, &e) || gtbt__der_oid(&p, e, &oid, &on)) return -1;
    p = e;                                                                 /* signatureAlgorithm */
    if (gtbt__der_open(&p, ce, 0x03, 0, &e) || p >= e || *p != 0) return -1; /* signatureValue */
    return e == ce ? 0 : -1;
}

/* Issuer and subject Names of a certificate from its first avail bytes (the outer lengths are not held against
   avail), and whether its key algorithm is one BearSSL can use (RSA, or EC on P-256, P-384 or P-521). 0, or -1
   when they are not all in those bytes or malformed. */
static int gtbt__cert_head(const unsigned char *der, size_t avail, gtbt__cert *c) {
    const unsigned char *p = der, *end = der + avail, *e, *oid;
    size_t len, on;
    int tag, cons;
    memset(c, 0, sizeof *c);
    if (gtbt__der_hdr(&p, end, 1, &tag, &cons, &len) || tag != 0x10 || !cons ||
        gtbt__der_hdr(&p, end, 1, &tag, &cons, &len) || tag != 0x10 || !cons ||
        gtbt__der_hdr(&p, end, 0, &tag, &cons, &len)) return -1;
    if (tag == 0x20) {
        p += len;
        if (gtbt__der_hdr(&p, end, 0, &tag, &cons, &len)) return -1;
    }
    if (tag != 0x02 || cons) return -1;
    p += len;
    if (gtbt__der_open(&p, end, 0x10, 1, &e)) return -1;
    c->issuer = p = e;
    if (gtbt__der_open(&p, end, 0x10, 1, &e)) return -1;
    c->issuer_len = (size_t)(e - c->issuer);
    p = e;
    if (gtbt__der_open(&p, end, 0x10, 1, &e)) return -1;
    c->subject = p = e;
    if (gtbt__der_open(&p, end, 0x10, 1, &e)) return -1;
    c->subject_len = (size_t)(e - c->subject);
    p = e;
    if (gtbt__der_hdr(&p, end, 1, &tag, &cons, &len) || tag != 0x10 || !cons || gtbt__der_open(&p, end, 0x10, 1, &e) ||
        gtbt__der_oid(&p, e, &oid, &on)) return -1;
    if (gtbt__der_oid_is(oid, on, GTBT__OID_RSA, 9)) c->key_type = BR_KEYTYPE_RSA;
    else if (gtbt__der_oid_is(oid, on, GTBT__OID_EC, 7) && !gtbt__der_oid(&p, e, &oid, &on) && gtbt__curve_id(oid, on))
        c->key_type = BR_KEYTYPE_EC;
    else return -1;
    return 0;
}

/* The whole base64 body [b, be) decoded into a new block (*out, *len): GTBT_OK, GTBT_E_INVALID or GTBT_E_NOMEM. */
static int gtbt__pem_body(const unsigned char *b, const unsigned char *be, unsigned char **out, size_t *len) {
    size_t cap = (size_t)(be - b) / 4 * 3 + 3;
    unsigned char *d = (unsigned char *)gtbt__malloc(cap);
    long k;
    *out = NULL;
    *len = 0;
    if (!d) return GTBT_E_NOMEM;
    k = gtbt__b64_decode(&b, be, d, cap);
    if (k < 0 || b != be) { gtbt__free(d); return GTBT_E_INVALID; }
    *out = d;
    *len = (size_t)k;
    return GTBT_OK;
}

/* Called for every PEM object: label (e.g. "CERTIFICATE") and its decoded bytes; non-zero stops the walk. */
typedef int (*gtbt__pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len);

/* Walk the PEM objects of [pem, pem+n): GTBT_OK, GTBT_E_INVALID (some object was malformed and skipped; the
   others were delivered) or GTBT_E_NOMEM. */
static GTBT__UNUSED int gtbt__pem_walk(const unsigned char *pem, size_t n, gtbt__pem_fn fn, void *ctx) {
    const unsigned char *p = pem, *e = pem + n, *lab, *b, *be;
    size_t lab_len;
    int ok, rc = GTBT_OK;
    while ((p = gtbt__pem_next(pem, p, e, &lab, &lab_len, &b, &be, &ok)) != NULL) {
        unsigned char *der = NULL;
        size_t len;
        char name[128];
        int r = ok ? gtbt__pem_body(b, be, &der, &len) : GTBT_E_INVALID;
        if (r == GTBT_E_NOMEM) return r;
        if (r != GTBT_OK || lab_len >= sizeof name) { gtbt__free(der); rc = GTBT_E_INVALID; continue; }
        memcpy(name, lab, lab_len);
        name[lab_len] = '\0';
        r = fn(ctx, name, der, len);
        gtbt__free(der);
        if (r) break;
    }
    return rc;
}

/* --- trust anchors: a bundle is indexed by subject once per process; anchors are decoded when a chain needs them --- */

typedef struct gtbt__ta_list {
    br_x509_trust_anchor *ta;
    size_t n, cap;
    int oom;
} gtbt__ta_list;

typedef struct gtbt__ta_ent {
    uint32_t b64, b64_len;      /* the certificate's base64 body in the bundle text */
    uint32_t dn, dn_len;        /* its subject Name in gtbt__ta_index.dns */
} gtbt__ta_ent;

typedef struct gtbt__ta_index {
    char *path;                 /* the bundle (the cache key, and for log lines); NULL: an empty cache slot */
    char *text;                 /* the bundle file */
    gtbt__ta_ent *ent;
    size_t n, cap;              /* certificates indexed */
    gtbt__buf dns;              /* their subject Names, back to back */
    gtbt__ta_list store;        /* instead, for a system certificate store: its anchors, decoded */
} gtbt__ta_index;

static gtbt__ta_index gtbt__ta_cache[GTBT__TLS_CACHE_SLOTS]; /* guarded by gtbt__global_lock(); never shrinks */

/* The system bundles, in order, each NUL-terminated, an empty one at the end (one string: no padding, no pointers). */
static const char gtbt__ca_bundles[] GTBT__TIGHT(char) =
    "/etc/ssl/certs/ca-certificates.crt\0/etc/pki/tls/certs/ca-bundle.crt\0/etc/ssl/cert.pem\0"
    "/etc/pki/tls/cacert.pem\0/usr/local/etc/openssl/cert.pem\0"
    "/usr/local/share/certs/ca-root-nss.crt\0/usr/local/etc/ssl/cert.pem\0"   /* FreeBSD */
    "/etc/openssl/certs/ca-certificates.crt\0";                               /* NetBSD */

/* Each anchor owns one block holding its DN then its key bytes, so dn.data is the only pointer to free. */
static void gtbt__ta_list_free(gtbt__ta_list *l) {
    size_t i;
    for (i = 0; i < l->n; i++) gtbt__free(l->ta[i].dn.data);
    gtbt__free(l->ta);
    memset(l, 0, sizeof *l);
}

static br_x509_trust_anchor *gtbt__ta_slot_new(gtbt__ta_list *l) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        br_x509_trust_anchor *ta = (br_x509_trust_anchor *)gtbt__realloc(l->ta, cap * sizeof *ta);
        if (!ta) return NULL;
        l->ta = ta;
        l->cap = cap;
    }
    memset(&l->ta[l->n], 0, sizeof l->ta[0]);
    return &l->ta[l->n];
}

/* Decode one DER certificate into a trust anchor (subject DN, public key, CA flag): GTBT_OK, GTBT_E_INVALID
   (not decodable, or the list is full) or GTBT_E_NOMEM. */
static int gtbt__ta_add(gtbt__ta_list *l, const unsigned char *der, size_t len) {
    gtbt__cert c;
    br_x509_trust_anchor *t;
    unsigned char *blk;
    size_t k1, k2;
    if (gtbt__cert_parse(der, len, &c) != 0 || l->n >= GTBT__TLS_MAX_ANCHORS) return GTBT_E_INVALID;
    k1 = c.key_type == BR_KEYTYPE_RSA ? c.nlen : c.qlen;
    k2 = c.key_type == BR_KEYTYPE_RSA ? c.elen : 0;
    t = gtbt__ta_slot_new(l);
    blk = (unsigned char *)gtbt__malloc(c.subject_len + k1 + k2 + 1); /* sizes bounded by the 4 MiB file */
    if (!t || !blk) { gtbt__free(blk); l->oom = 1; return GTBT_E_NOMEM; }
    memcpy(blk, c.subject, c.subject_len);
    t->dn.data = blk;
    t->dn.len = c.subject_len;
    t->flags = c.is_ca ? BR_X509_TA_CA : 0;
    t->pkey.key_type = (unsigned char)c.key_type;
    if (c.key_type == BR_KEYTYPE_RSA) {
        t->pkey.key.rsa.n = blk + c.subject_len;
        t->pkey.key.rsa.nlen = k1;
        t->pkey.key.rsa.e = blk + c.subject_len + k1;
        t->pkey.key.rsa.elen = k2;
        if (k1) memcpy(t->pkey.key.rsa.n, c.n, k1);
        if (k2) memcpy(t->pkey.key.rsa.e, c.e, k2);
    } else {
        t->pkey.key.ec.curve = c.curve;
        t->pkey.key.ec.q = blk + c.subject_len;
        t->pkey.key.ec.qlen = k1;
        if (k1) memcpy(t->pkey.key.ec.q, c.q, k1);
    }
    l->n++;
    return GTBT_OK;
}

static void gtbt__ta_index_free(gtbt__ta_index *x) {
    gtbt__free(x->path);
    gtbt__free(x->text);
    gtbt__free(x->ent);
    gtbt__buf_free(&x->dns);
    gtbt__ta_list_free(&x->store);
    memset(x, 0, sizeof *x);
}

static int gtbt__pem_is_cert(const unsigned char *lab, size_t n) {
    return (n == 11 && memcmp(lab, "CERTIFICATE", 11) == 0) || (n == 16 && memcmp(lab, "X509 CERTIFICATE", 16) == 0);
}

/* Index one certificate object: its subject from the first decoded bytes (all of them when the Names end
   later). GTBT_OK, GTBT_E_INVALID (skipped) or GTBT_E_NOMEM. */
static int gtbt__ta_index_add(gtbt__ta_index *x, const unsigned char *b, const unsigned char *be) {
    unsigned char head[1536], *all = NULL; /* decoded 384 bytes at a time: the subject usually ends in the first */
    const unsigned char *s = b;
    size_t len = 0;
    gtbt__cert c;
    int rc = GTBT_OK;
    for (;;) {
        long k = gtbt__b64_decode(&s, be, head + len, len + 384 <= sizeof head ? 384 : 0);
        if (k < 0) return GTBT_E_INVALID;
        len += (size_t)k;
        if (gtbt__cert_head(head, len, &c) == 0) break;
        if (s == be) return GTBT_E_INVALID;
        if (k == 0 || len + 384 > sizeof head) { /* the Names end later: decode the whole object */
            rc = gtbt__pem_body(b, be, &all, &len);
            if (rc != GTBT_OK) return rc;
            if (gtbt__cert_head(all, len, &c) != 0) rc = GTBT_E_INVALID;
            break;
        }
    }
    if (rc == GTBT_OK && x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        gtbt__ta_ent *ent = (gtbt__ta_ent *)gtbt__realloc(x->ent, cap * sizeof *ent);
        if (!ent) rc = GTBT_E_NOMEM;
        else { x->ent = ent; x->cap = cap; }
    }
    if (rc == GTBT_OK) {
        gtbt__ta_ent *en = &x->ent[x->n];
        en->b64 = (uint32_t)(b - (const unsigned char *)x->text);
        en->b64_len = (uint32_t)(be - b);
        en->dn = (uint32_t)x->dns.len;
        en->dn_len = (uint32_t)c.subject_len;
        gtbt__buf_put(&x->dns, c.subject, c.subject_len);
        if (x->dns.oom) rc = GTBT_E_NOMEM;
        else x->n++;
    }
    gtbt__free(all);
    return rc;
}

/* The system's trust anchors when no CA file is given, one implementation per platform: the first
   readable bundle of gtbt__ca_bundles on POSIX; on Windows the ROOT certificate store, named by
   GTBT__TA_STORE where a bundle path would be (it is never a file name). */
#define GTBT__TA_STORE "<Windows ROOT certificate store>"
#define gtbt__ca_default   GTBT__P(gtbt__ca_default)
#define gtbt__ta_load_store GTBT__P(gtbt__ta_load_store)
#if GTBT__POSIX
static const char *gtbt__ca_default_posix(void) {
    const char *p;
    for (p = gtbt__ca_bundles; *p; p += strlen(p) + 1)
        if (access(p, R_OK) == 0) return p;
    return NULL;
}
static int gtbt__ta_load_store_posix(gtbt__ta_list *l, const gtbt__log *lg) { (void)l; (void)lg; return GTBT_E_TLS; }
#else
static const char *gtbt__ca_default_win32(void) { return GTBT__TA_STORE; }
/* Every certificate of the current user's and the machine's ROOT store (CertOpenSystemStoreW
   merges both), as BearSSL trust anchors. */
static int gtbt__ta_load_store_win32(gtbt__ta_list *l, const gtbt__log *lg) {
    HCERTSTORE st = CertOpenSystemStoreW(0, L"ROOT");
    PCCERT_CONTEXT cc = NULL;
    if (!st) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_UNREADABLE, "cannot read CA bundle %s (error %lu)", GTBT__TA_STORE, (unsigned long)GetLastError());
        return GTBT_E_TLS;
    }
    while (!l->oom && (cc = CertEnumCertificatesInStore(st, cc)) != NULL)
        if (cc->dwCertEncodingType & X509_ASN_ENCODING) gtbt__ta_add(l, cc->pbCertEncoded, cc->cbCertEncoded);
    if (cc) CertFreeCertificateContext(cc);
    CertCloseStore(st, 0);
    if (l->oom) { gtbt__ta_list_free(l); return GTBT_E_NOMEM; }
    if (l->n == 0) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_EMPTY, "no usable certificate in CA bundle %s", GTBT__TA_STORE);
        return GTBT_E_TLS;
    }
    return GTBT_OK;
}
#endif

/* Index a PEM bundle: every certificate with an RSA or EC key, by subject. Stops with GTBT_E_TIMEOUT once the
   deadline passes (a large bundle must not hold a flush past its budget); undecodable entries are skipped and
   counted in one log line. */
static int gtbt__ta_index_load(const char *path, gtbt__ta_index *x, int64_t deadline, const gtbt__log *lg) {
    const unsigned char *t, *p, *e, *lab, *b, *be;
    char *text;
    size_t n, lab_len;
    unsigned long bad = 0, seen = 0;
    int ok, rc, over = 0;
    memset(x, 0, sizeof *x);
    if (strcmp(path, GTBT__TA_STORE) == 0) { /* the system store: every anchor decoded now */
        rc = gtbt__ta_load_store(&x->store, lg);
        if (rc == GTBT_OK && !(x->path = gtbt__strdup(path))) rc = GTBT_E_NOMEM;
        if (rc != GTBT_OK) gtbt__ta_index_free(x);
        return rc;
    }
    rc = gtbt__read_file(path, GTBT__TLS_MAX_BUNDLE, 0, &text, &n);   /* system bundles are often links */
    if (rc == GTBT_E_NOMEM) return rc;
    if (rc != GTBT_OK) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_UNREADABLE, "cannot read CA bundle %s (%s)", path,
                   rc == GTBT_E_IO ? strerror(errno) : "not a regular file or larger than 4 MiB");
        return GTBT_E_TLS;
    }
    x->text = text;
    if (!(x->path = gtbt__strdup(path))) { gtbt__ta_index_free(x); return GTBT_E_NOMEM; }
    t = (const unsigned char *)text;
    e = t + n;
    for (p = t; (p = gtbt__pem_next(t, p, e, &lab, &lab_len, &b, &be, &ok)) != NULL;) {
        if (!gtbt__pem_is_cert(lab, lab_len)) continue;
        if ((++seen & 31) == 0 && gtbt_now_ms() >= deadline) {
            gtbt__logi(lg, GTBT_LOGITEM_CA_LOAD_TIMEOUT, "loading CA bundle %s ran out of time after %lu certificates "
                       "(flush deadline)", path, seen);
            gtbt__ta_index_free(x);
            return GTBT_E_TIMEOUT;
        }
        if (x->n >= GTBT__TLS_MAX_ANCHORS) { over = 1; break; }
        rc = ok ? gtbt__ta_index_add(x, b, be) : GTBT_E_INVALID;
        if (rc == GTBT_E_NOMEM) { gtbt__ta_index_free(x); return rc; }
        if (rc != GTBT_OK) bad++;
    }
    if (bad)
        gtbt__logi(lg, GTBT_LOGITEM_CA_MALFORMED, "CA bundle %s: skipped %lu certificate(s) that cannot be decoded "
                   "or have a key other than RSA or ECDSA (P-256, P-384, P-521)", path, bad);
    if (over)
        gtbt__logi(lg, GTBT_LOGITEM_CA_TOO_MANY, "CA bundle %s has more than %d certificates; the rest are ignored",
                   path, GTBT__TLS_MAX_ANCHORS);
    if (x->n == 0) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_EMPTY, "no usable certificate in CA bundle %s", path);
        gtbt__ta_index_free(x);
        return GTBT_E_TLS;
    }
    return GTBT_OK;
}

/* Decode index entry i into an anchor of l: GTBT_OK, GTBT_E_INVALID or GTBT_E_NOMEM. */
static int gtbt__ta_build(const gtbt__ta_index *x, size_t i, gtbt__ta_list *l) {
    const unsigned char *b = (const unsigned char *)x->text + x->ent[i].b64;
    unsigned char *der;
    size_t len;
    int rc = gtbt__pem_body(b, b + x->ent[i].b64_len, &der, &len);
    if (rc != GTBT_OK) return rc;
    rc = gtbt__ta_add(l, der, len);
    gtbt__free(der);
    return rc;
}

/* Every anchor of a PEM bundle, decoded (tools and tests; a connection decodes only what its chain needs). */
static GTBT__UNUSED int gtbt__ta_load(const char *path, gtbt__ta_list *l, const gtbt__log *lg) {
    gtbt__ta_index x;
    size_t i;
    int rc;
    memset(l, 0, sizeof *l);
    if (strcmp(path, GTBT__TA_STORE) == 0) return gtbt__ta_load_store(l, lg);
    rc = gtbt__ta_index_load(path, &x, INT64_MAX, lg);
    for (i = 0; rc == GTBT_OK && i < x.n; i++) {
        int r = gtbt__ta_build(&x, i, l);
        if (r == GTBT_E_NOMEM) rc = r;
        else if (r != GTBT_OK)
            gtbt__logi(lg, GTBT_LOGITEM_CA_MALFORMED, "CA bundle %s: certificate %lu cannot be decoded; skipped", path,
                       (unsigned long)i + 1);
    }
    if (rc == GTBT_OK && l->n == 0) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_EMPTY, "no usable certificate in CA bundle %s", path);
        rc = GTBT_E_TLS;
    }
    gtbt__ta_index_free(&x);
    if (rc != GTBT_OK) gtbt__ta_list_free(l);
    return rc;
}

/* Cache lookup; the caller holds the global lock. */
static gtbt__ta_index *gtbt__ta_cache_find(const char *path) {
    int i;
    for (i = 0; i < GTBT__TLS_CACHE_SLOTS; i++)
        if (gtbt__ta_cache[i].path && strcmp(gtbt__ta_cache[i].path, path) == 0) return &gtbt__ta_cache[i];
    return NULL;
}

/* The index of the bundle at path, built once per process (outside the lock: the lock is never held for I/O).
   When the cache is full, the fresh index goes to *owned and the caller frees it. */
static int gtbt__ta_get(const char *path, const gtbt__ta_index **view, gtbt__ta_index *owned, int64_t deadline,
                        const gtbt__log *lg) {
    gtbt__ta_index fresh, *hit;
    int i, rc;
    gtbt__global_lock();
    hit = gtbt__ta_cache_find(path);
    gtbt__global_unlock();
    if (hit) { *view = hit; return GTBT_OK; }
    rc = gtbt__ta_index_load(path, &fresh, deadline, lg);
    if (rc != GTBT_OK) return rc;
    gtbt__global_lock();
    hit = gtbt__ta_cache_find(path); /* another thread may have won the race */
    for (i = 0; !hit && i < GTBT__TLS_CACHE_SLOTS; i++) {
        if (gtbt__ta_cache[i].path) continue;
        gtbt__ta_cache[i] = fresh;
        hit = &gtbt__ta_cache[i];
        memset(&fresh, 0, sizeof fresh);
    }
    gtbt__global_unlock();
    if (fresh.path && hit) gtbt__ta_index_free(&fresh);
    if (hit) { *view = hit; return GTBT_OK; }
    *owned = fresh;
    *view = owned;
    return GTBT_OK;
}

/* Frees the process-wide anchor cache (for tests and leak checkers; no request may be running). */
static GTBT__UNUSED void gtbt__ta_cache_clear(void) {
    int i;
    gtbt__global_lock();
    for (i = 0; i < GTBT__TLS_CACHE_SLOTS; i++) gtbt__ta_index_free(&gtbt__ta_cache[i]);
    gtbt__global_unlock();
}

/* Trust anchors: net->trust_anchors (*ta, *n), else the index (*idx) of net->ca_file, else of $SSL_CERT_FILE,
   else of the system's (the first readable bundle; on Windows the ROOT store, whose anchors are all in *ta). */
static int gtbt__ta_select(const gtbt_net_desc *net, const br_x509_trust_anchor **ta, size_t *n,
                           const gtbt__ta_index **idx, gtbt__ta_index *owned, int64_t deadline, const gtbt__log *lg) {
    const char *path = NULL, *env = gtbt__getenv("SSL_CERT_FILE");
    int rc;
    *ta = NULL;
    *n = 0;
    *idx = NULL;
    if (net && net->trust_anchors && net->n_trust_anchors) {
        *ta = (const br_x509_trust_anchor *)net->trust_anchors; /* only ever read */
        *n = net->n_trust_anchors;
        return GTBT_OK;
    }
    if (net && net->ca_file && *net->ca_file) path = net->ca_file;
    else if (env && *env) path = env;
    if (!path) path = gtbt__ca_default();
    if (!path) {
        gtbt__logi(lg, GTBT_LOGITEM_CA_NOT_FOUND, "no CA bundle found (set gtbt_net_desc.ca_file or SSL_CERT_FILE)");
        return GTBT_E_TLS;
    }
    rc = gtbt__ta_get(path, idx, owned, deadline, lg);
    if (rc == GTBT_OK && (*idx)->store.n) { /* a system store: its anchors, all decoded */
        *ta = (*idx)->store.ta;
        *n = (*idx)->store.n;
        *idx = NULL;
    }
    return rc;
}

/* One DER TLV at *p: tag (low-tag-number form), value and length; advances *p. 0 or -1 when malformed. */
static int gtbt__der_tlv(const unsigned char **p, const unsigned char *end, unsigned *tag,
                         const unsigned char **val, size_t *len) {
    const unsigned char *q = *p;
    size_t l, k;
    if (end - q < 2) return -1;
    *tag = *q++;
    if ((*tag & 0x1F) == 0x1F) return -1;
    l = *q++;
    if (l & 0x80) {
        k = l & 0x7F;
        if (k == 0 || k > 3 || (size_t)(end - q) < k) return -1;
        for (l = 0; k > 0; k--) l = (l << 8) | *q++;
    }
    if ((size_t)(end - q) < l) return -1;
    *val = q;
    *len = l;
    *p = q + l;
    return 0;
}

/* Enter a SEQUENCE (or any constructed TLV with tag want) at *p: [*p, *end) becomes its contents. */
static int gtbt__der_enter(const unsigned char **p, const unsigned char **end, unsigned want) {
    const unsigned char *v;
    size_t l;
    unsigned tag;
    if (gtbt__der_tlv(p, *end, &tag, &v, &l) || tag != want) return -1;
    *p = v;
    *end = v + l;
    return 0;
}

/* --- the X.509 engine wrapper: anchors on demand, extended key usage, IP-literal hosts --- */

/* The value (an OCTET STRING's contents) of the extension oid (3 bytes, 2.5.29.x) of a DER certificate:
   1 found, 0 absent, -1 malformed. */
static int gtbt__x509_find_ext(const unsigned char *der, size_t n, const char *oid, const unsigned char **val,
                               size_t *val_len) {
    const unsigned char *p = der, *end = der + n, *v, *e, *x, *xe;
    size_t l;
    unsigned tag;
    if (gtbt__der_enter(&p, &end, 0x30) || gtbt__der_enter(&p, &end, 0x30)) return -1; /* Certificate, tbsCertificate */
    while (p < end) {
        if (gtbt__der_tlv(&p, end, &tag, &v, &l)) return -1;
        if (tag != 0xA3) continue; /* [3] extensions */
        e = v + l;
        if (gtbt__der_enter(&v, &e, 0x30)) return -1;
        while (v < e) {
            x = v;
            if (gtbt__der_tlv(&v, e, &tag, &x, &l) || tag != 0x30) return -1;
            xe = x + l;
            if (gtbt__der_tlv(&x, xe, &tag, val, val_len) || tag != 0x06) return -1;
            if (*val_len != 3 || memcmp(*val, oid, 3) != 0) continue;
            if (gtbt__der_tlv(&x, xe, &tag, val, val_len)) return -1;
            if (tag == 0x01 && gtbt__der_tlv(&x, xe, &tag, val, val_len)) return -1; /* critical flag */
            return tag == 0x04 ? 1 : -1;
        }
        return 0;
    }
    return 0;
}

/* The subjectAltName extension value of a DER certificate; 0 when absent or malformed. */
static int gtbt__x509_find_san(const unsigned char *der, size_t n, const unsigned char **san, size_t *san_len) {
    return gtbt__x509_find_ext(der, n, "\x55\x1d\x11", san, san_len) == 1; /* 2.5.29.17 */
}

/* May the certificate serve TLS? 1 when it has no extendedKeyUsage or one that lists serverAuth. */
static int gtbt__x509_server_eku(const unsigned char *der, size_t n) {
    const unsigned char *p, *end, *v;
    size_t l;
    unsigned tag;
    int r = gtbt__x509_find_ext(der, n, "\x55\x1d\x25", &p, &l); /* 2.5.29.37 */
    if (r <= 0) return r == 0;
    end = p + l;
    if (gtbt__der_enter(&p, &end, 0x30)) return 0;
    while (p < end) {
        if (gtbt__der_tlv(&p, end, &tag, &v, &l) || tag != 0x06) return 0;
        if (l == 8 && memcmp(v, "\x2b\x06\x01\x05\x05\x07\x03\x01", 8) == 0) return 1; /* 1.3.6.1.5.5.7.3.1 */
    }
    return 0;
}

/* Does the certificate list ip (4 or 16 bytes) as an iPAddress ([7]) subjectAltName? */
static int gtbt__x509_has_ip(const unsigned char *der, size_t n, const unsigned char *ip, size_t ip_len) {
    const unsigned char *p, *end, *v;
    size_t l;
    unsigned tag;
    if (!gtbt__x509_find_san(der, n, &p, &l)) return 0;
    end = p + l;
    if (gtbt__der_enter(&p, &end, 0x30)) return 0; /* GeneralNames */
    while (p < end) {
        if (gtbt__der_tlv(&p, end, &tag, &v, &l)) return 0;
        if (tag == 0x87 && l == ip_len && memcmp(v, ip, ip_len) == 0) return 1;
    }
    return 0;
}

enum { GTBT__XW_NOMEM = 1, GTBT__XW_BIG, GTBT__XW_EKU, GTBT__XW_IP };

/* br_x509_class wrapper around br_x509_minimal. Each certificate of the server's chain is held until it is
   complete; then the anchors whose subject is its issuer (or, for direct trust, its subject) are decoded from the
   bundle index and handed to the engine, and the certificate is forwarded. Once the chain validated, the server's
   certificate must allow TLS server use (extendedKeyUsage) and, for an IP-literal host, list that address. */
typedef struct gtbt__x509w {
    const br_x509_class *vtable;    /* first: BearSSL calls through it; points to cls */
    br_x509_class cls;              /* filled in at run time: a const one costs 6 load-time relocations */
    br_x509_minimal_context *xc;    /* does the validation */
    const gtbt__ta_index *idx;      /* NULL: xc holds every anchor already */
    unsigned char *used;            /* per index entry: decoded for this chain already */
    gtbt__ta_list built;            /* anchors decoded for this chain */
    const gtbt__log *lg;
    gtbt__buf cur, ee;              /* the certificate being received; the server's own (the first) */
    unsigned char ip[16];
    size_t ip_len;                  /* 0: a host name (BearSSL checks it) */
    int ncert, fail;                /* fail: GTBT__XW_* */
} gtbt__x509w;

static gtbt__x509w *gtbt__xw(const br_x509_class **ctx) { return (gtbt__x509w *)(void *)ctx; }
static const br_x509_class **gtbt__xw_inner(gtbt__x509w *x) { return &x->xc->vtable; }

static void gtbt__xw_start_chain(const br_x509_class **ctx, const char *server_name) {
    gtbt__x509w *x = gtbt__xw(ctx);
    x->ncert = x->fail = 0;
    x->cur.len = x->ee.len = 0;
    (*gtbt__xw_inner(x))->start_chain(gtbt__xw_inner(x), server_name);
}

static void gtbt__xw_start_cert(const br_x509_class **ctx, uint32_t length) {
    gtbt__x509w *x = gtbt__xw(ctx);
    x->ncert++;
    x->cur.len = 0;
    if (length > GTBT__TLS_MAX_CERT && !x->fail) x->fail = GTBT__XW_BIG;
}

static void gtbt__xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
    gtbt__x509w *x = gtbt__xw(ctx);
    if (x->fail) return;
    if (len > GTBT__TLS_MAX_CERT - x->cur.len) { x->fail = GTBT__XW_BIG; return; }
    gtbt__buf_put(&x->cur, buf, len);
    if (x->cur.oom) x->fail = GTBT__XW_NOMEM;
}

/* Decode the anchors a certificate may chain to: subject == its issuer, or == its subject. */
static void gtbt__xw_anchors(gtbt__x509w *x) {
    const gtbt__ta_index *idx = x->idx;
    gtbt__cert c;
    size_t i;
    if (gtbt__cert_head((const unsigned char *)x->cur.p, x->cur.len, &c) != 0) return; /* the engine refuses it */
    for (i = 0; i < idx->n; i++) {
        const gtbt__ta_ent *en = &idx->ent[i];
        const unsigned char *dn = (const unsigned char *)idx->dns.p + en->dn;
        int rc;
        if (x->used[i]) continue;
        if (!(en->dn_len == c.issuer_len && memcmp(dn, c.issuer, c.issuer_len) == 0) &&
            !(en->dn_len == c.subject_len && memcmp(dn, c.subject, c.subject_len) == 0)) continue;
        x->used[i] = 1;
        rc = gtbt__ta_build(idx, i, &x->built);
        if (rc == GTBT_E_NOMEM) { x->fail = GTBT__XW_NOMEM; return; }
        if (rc != GTBT_OK)
            gtbt__logi(x->lg, GTBT_LOGITEM_CA_MALFORMED, "CA bundle %s: certificate %lu cannot be decoded; skipped",
                       idx->path, (unsigned long)i + 1);
    }
    x->xc->trust_anchors = x->built.ta;
    x->xc->trust_anchors_num = x->built.n;
}

static void gtbt__xw_end_cert(const br_x509_class **ctx) {
    gtbt__x509w *x = gtbt__xw(ctx);
    const br_x509_class **in = gtbt__xw_inner(x);
    if (x->fail) return;
    if (x->idx) gtbt__xw_anchors(x);
    if (x->fail) return;
    (*in)->start_cert(in, (uint32_t)x->cur.len);
    (*in)->append(in, (const unsigned char *)x->cur.p, x->cur.len);
    (*in)->end_cert(in);
    if (x->ncert == 1) { gtbt__buf t = x->ee; x->ee = x->cur; x->cur = t; }
}

static unsigned gtbt__xw_end_chain(const br_x509_class **ctx) {
    gtbt__x509w *x = gtbt__xw(ctx);
    unsigned err;
    if (x->fail) return BR_ERR_X509_LIMIT_EXCEEDED;
    err = (*gtbt__xw_inner(x))->end_chain(gtbt__xw_inner(x));
    if (err) return err;
    if (!gtbt__x509_server_eku((const unsigned char *)x->ee.p, x->ee.len)) {
        x->fail = GTBT__XW_EKU;
        return BR_ERR_X509_FORBIDDEN_KEY_USAGE;
    }
    if (x->ip_len && !gtbt__x509_has_ip((const unsigned char *)x->ee.p, x->ee.len, x->ip, x->ip_len)) {
        x->fail = GTBT__XW_IP;
        return BR_ERR_X509_BAD_SERVER_NAME;
    }
    return 0;
}

static const br_x509_pkey *gtbt__xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
    const gtbt__x509w *x = (const gtbt__x509w *)(const void *)ctx;
    const br_x509_class *const *in = (const br_x509_class *const *)&x->xc->vtable;
    return (*in)->get_pkey(in, usages);
}

static void gtbt__xw_init(gtbt__x509w *x) {
    x->cls.context_size = sizeof(gtbt__x509w);
    x->cls.start_chain = gtbt__xw_start_chain;
    x->cls.start_cert = gtbt__xw_start_cert;
    x->cls.append = gtbt__xw_append;
    x->cls.end_cert = gtbt__xw_end_cert;
    x->cls.end_chain = gtbt__xw_end_chain;
    x->cls.get_pkey = gtbt__xw_get_pkey;
    x->vtable = &x->cls;
}

static void gtbt__xw_free(gtbt__x509w *x) {
    gtbt__ta_list_free(&x->built);
    gtbt__free(x->used);
    gtbt__buf_free(&x->cur);
    gtbt__buf_free(&x->ee);
}

/* The client profile: TLS 1.2 only; ECDHE with ECDSA or RSA certificates; AES-GCM or ChaCha20-Poly1305;
   SHA-256 or SHA-384 for the handshake and for every certificate signature below the anchors (so no SHA-1, MD5,
   SHA-224 or SHA-512); RSA keys of at least 2048 bits. Nothing else is offered, and nothing else is linked in. */
static void gtbt__tls_profile(br_ssl_client_context *cc, br_x509_minimal_context *xc, const br_x509_trust_anchor *ta,
                              size_t n) {
    static const uint16_t suites[] GTBT__TIGHT(uint16_t) = {
        BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    };
    br_ssl_engine_context *e = &cc->eng;
    br_chacha20_run chacha;
    br_ssl_client_zero(cc);
    br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
    br_x509_minimal_init(xc, &br_sha256_vtable, ta, n);
    br_x509_minimal_set_minrsa(xc, 256);
    br_ssl_engine_set_suites(e, suites, sizeof suites / sizeof suites[0]);
    br_ssl_engine_set_default_rsavrfy(e);
    br_ssl_engine_set_default_ecdsa(e);
    br_x509_minimal_set_rsa(xc, br_ssl_engine_get_rsavrfy(e));
    br_x509_minimal_set_ecdsa(xc, br_ssl_engine_get_ec(e), br_ssl_engine_get_ecdsa(e));
    br_ssl_engine_set_hash(e, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_hash(e, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
    br_ssl_engine_set_prf_sha256(e, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(e, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_aes_gcm(e);
    /* ChaCha20 with SSE2 where the CPU has it, else the portable constant-time code; Poly1305 with the
       portable constant-time code only (the 64-bit one is 3.5 KB more, for a few hundred bytes a request). */
    br_ssl_engine_set_chapol(e, &br_sslrec_in_chapol_vtable, &br_sslrec_out_chapol_vtable);
    chacha = br_chacha20_sse2_get();
    br_ssl_engine_set_chacha20(e, chacha ? chacha : &br_chacha20_ct_run);
    br_ssl_engine_set_poly1305(e, &br_poly1305_ctmul_run);
}

/* --- the TLS connection --- */

struct gtbt__tls {
    br_ssl_client_context cc;   /* fresh per request */
    br_x509_minimal_context xc;
    gtbt__x509w xw;             /* between the engine and xc */
    gtbt__conn *c;
    int io_rc;                  /* transport failure seen while driving the engine */
    gtbt__ta_index owned;       /* the bundle index when the cache is full, freed with the connection */
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static const char *gtbt__tls_strerror(int err) {
    /* pairs of a BearSSL error code and the number of its text in texts (a table, not a switch: no jump table) */
    static const unsigned char codes[][2] GTBT__TIGHT(unsigned char) = {
        {BR_ERR_X509_EXPIRED, 0}, {BR_ERR_X509_NOT_TRUSTED, 1}, {BR_ERR_X509_BAD_SERVER_NAME, 2}, {BR_ERR_X509_NOT_CA, 3},
        {BR_ERR_X509_EMPTY_CHAIN, 4}, {BR_ERR_X509_BAD_SIGNATURE, 5}, {BR_ERR_X509_WEAK_PUBLIC_KEY, 6},
        {BR_ERR_X509_FORBIDDEN_KEY_USAGE, 7}, {BR_ERR_X509_CRITICAL_EXTENSION, 8}, {BR_ERR_X509_TIME_UNKNOWN, 9},
        {BR_ERR_X509_UNSUPPORTED, 10}, {BR_ERR_X509_LIMIT_EXCEEDED, 11}, {BR_ERR_UNSUPPORTED_VERSION, 12},
        {BR_ERR_BAD_VERSION, 12}, {BR_ERR_BAD_CIPHER_SUITE, 13}, {BR_ERR_BAD_SIGNATURE, 14}, {BR_ERR_WRONG_KEY_USAGE, 15},
        {BR_ERR_BAD_MAC, 16}, {BR_ERR_NO_RANDOM, 17}, {BR_ERR_IO, 18}, {BR_ERR_BAD_LENGTH, 19}, {BR_ERR_UNKNOWN_TYPE, 19},
        {BR_ERR_UNEXPECTED, 19}, {BR_ERR_BAD_HANDSHAKE, 19}, {BR_ERR_TOO_LARGE, 19}
    };
    static const char texts[] GTBT__TIGHT(char) =
        "certificate expired or not yet valid\0unknown CA (certificate chain not trusted)\0host name mismatch\0"
        "an issuer in the chain is not a CA\0server sent no certificate\0bad certificate signature\0"
        "certificate key too weak (RSA keys need 2048 bits)\0certificate key usage forbids TLS server use\0"
        "unsupported critical certificate extension\0current time unknown\0"
        "unsupported certificate algorithm (SHA-1 signatures are refused)\0certificate too large\0"
        "unsupported protocol version, or not a TLS server (TLS 1.2 is the minimum)\0"
        "no common cipher suite (ECDHE with AES-GCM or ChaCha20-Poly1305 needed)\0bad handshake signature\0"
        "server key usage does not allow the cipher suite\0bad record MAC\0no random source\0I/O error\0"
        "protocol error (is the server speaking TLS?)";
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i][0] == err) {
            const char *t = texts;
            unsigned k;
            for (k = 0; k < codes[i][1]; k++) t += strlen(t) + 1;
            return t;
        }
    }
    if (err >= BR_ERR_SEND_FATAL_ALERT) return "fatal alert sent";
    if (err >= BR_ERR_RECV_FATAL_ALERT) return "fatal alert received from the server";
    if (err >= BR_ERR_X509_OK) return "certificate rejected";
    return "TLS failure";
}

/* The engine is closed: GTBT__TLS_EOF on a clean close, the transport error, or GTBT_E_TLS (logged). */
static int gtbt__tls_closed(gtbt__tls *t) {
    int err = br_ssl_engine_last_error(&t->cc.eng);
    gtbt_log_item item = GTBT_LOGITEM_TLS_FAILED;
    const char *why = gtbt__tls_strerror(err);
    if (err == BR_ERR_OK) return GTBT__TLS_EOF;
    if (t->io_rc != GTBT_OK && err == BR_ERR_IO) return t->io_rc;
    if (t->xw.fail == GTBT__XW_NOMEM) return GTBT_E_NOMEM;
    if (t->xw.fail == GTBT__XW_IP) {
        item = GTBT_LOGITEM_TLS_IP_NOT_IN_CERT;
        why = "the certificate does not list that IP address in its subjectAltName";
    } else if (t->xw.fail == GTBT__XW_EKU) {
        item = GTBT_LOGITEM_TLS_NOT_SERVER_CERT;
        why = "the certificate's extended key usage does not allow TLS server use";
    }
    gtbt__logi(t->c->lg, item, "TLS with %s failed: %s (BearSSL error %d)", t->c->where, why, err);
    return GTBT_E_TLS;
}

/* Drive the engine until one of the `want` states: GTBT_OK, GTBT__TLS_EOF, or an error.
   Same logic as BearSSL's br_sslio run_until, with deadline-bounded socket I/O. */
static int gtbt__tls_run(gtbt__tls *t, unsigned want) {
    br_ssl_engine_context *e = &t->cc.eng;
    for (;;) {
        unsigned st = br_ssl_engine_current_state(e);
        unsigned char *buf;
        size_t len, got;
        int rc;
        if (st & BR_SSL_CLOSED) return gtbt__tls_closed(t);
        if (t->io_rc != GTBT_OK) return t->io_rc;
        if (st & BR_SSL_SENDREC) {
            buf = br_ssl_engine_sendrec_buf(e, &len);
            rc = gtbt__sock_write(t->c, buf, len);
            if (rc != GTBT_OK) return t->io_rc = rc;
            br_ssl_engine_sendrec_ack(e, len);
            continue;
        }
        if (st & want) return GTBT_OK;
        if (st & BR_SSL_RECVAPP) { /* data we did not ask for yet (the server answered before the request ended) */
            gtbt__logi(t->c->lg, GTBT_LOGITEM_EARLY_RESPONSE, "%s sent data before the request was complete", t->c->where);
            return t->io_rc = GTBT_E_NETWORK;
        }
        if (st & BR_SSL_RECVREC) {
            buf = br_ssl_engine_recvrec_buf(e, &len);
            rc = gtbt__sock_read(t->c, buf, len, &got);
            if (rc != GTBT_OK) return t->io_rc = rc;
            if (got == 0) return GTBT__TLS_EOF; /* TCP close without close_notify */
            br_ssl_engine_recvrec_ack(e, got);
            continue;
        }
        if (gtbt_now_ms() >= t->c->deadline) return t->io_rc = GTBT_E_TIMEOUT; /* last-resort guard, never spins */
        br_ssl_engine_flush(e, 0);
    }
}

static void gtbt__tls_set_time(br_x509_minimal_context *xc) {
    int64_t s = gtbt__realtime_ns() / 1000000000;
    if (s > 0) br_x509_minimal_set_time(xc, (uint32_t)(s / 86400 + 719528), (uint32_t)(s % 86400)); /* days since 0 AD */
}

/* TLS 1.2 handshake over c->fd with chain validation, SNI and host name (or IP SAN) check. c owns the TLS
   state from the start (gtbt__conn_close frees it). Every failure except the deadline is GTBT_E_TLS. */
static int gtbt__tls_open(gtbt__conn *c, const gtbt__url *u, const gtbt_net_desc *net) {
    const br_x509_trust_anchor *ta;
    const gtbt__ta_index *idx;
    size_t nta;
    gtbt__tls *t = (gtbt__tls *)gtbt__malloc(sizeof *t);
    int rc;
    if (!t) return GTBT_E_NOMEM;
    memset(t, 0, offsetof(gtbt__tls, iobuf)); /* the 33 KiB record buffer needs no zeroing */
    t->c = c;
    c->tls = t;
    rc = gtbt__ta_select(net, &ta, &nta, &idx, &t->owned, c->deadline, c->lg);
    if (rc != GTBT_OK) return rc;
    gtbt__tls_profile(&t->cc, &t->xc, ta, nta);
    br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof t->iobuf, 1);
    gtbt__tls_set_time(&t->xc);
    gtbt__xw_init(&t->xw);
    t->xw.xc = &t->xc;
    t->xw.idx = idx;
    t->xw.lg = c->lg;
    if (idx) {
        if (!(t->xw.used = (unsigned char *)gtbt__malloc(idx->n))) return GTBT_E_NOMEM;
        memset(t->xw.used, 0, idx->n);
    }
    if (u->host_is_ip) t->xw.ip_len = (size_t)gtbt__ip_parse(u->host, t->xw.ip);
    br_ssl_engine_set_x509(&t->cc.eng, &t->xw.vtable);
    if (!br_ssl_client_reset(&t->cc, u->host_is_ip ? NULL : u->host, 0)) {
        gtbt__tls_closed(t); /* logs BearSSL's reason (e.g. no random source) */
        return GTBT_E_TLS;
    }
    rc = gtbt__tls_run(t, BR_SSL_SENDAPP); /* SENDAPP appears once the handshake is complete */
    if (rc == GTBT__TLS_EOF)
        gtbt__logi(c->lg, GTBT_LOGITEM_TLS_HANDSHAKE_CLOSED, "%s closed the connection during the TLS handshake", c->where);
    if (rc == GTBT_OK || rc == GTBT_E_TIMEOUT || rc == GTBT_E_NOMEM) return rc;
    return GTBT_E_TLS;
}

static int gtbt__tls_write(gtbt__tls *t, const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    while (n > 0) {
        unsigned char *buf;
        size_t len;
        int rc = gtbt__tls_run(t, BR_SSL_SENDAPP);
        if (rc == GTBT__TLS_EOF) {
            gtbt__logi(t->c->lg, GTBT_LOGITEM_TLS_CLOSED_SENDING, "%s closed the connection while sending", t->c->where);
            return GTBT_E_NETWORK;
        }
        if (rc != GTBT_OK) return rc;
        buf = br_ssl_engine_sendapp_buf(&t->cc.eng, &len);
        if (len > n) len = n;
        memcpy(buf, s, len);
        br_ssl_engine_sendapp_ack(&t->cc.eng, len);
        s += len;
        n -= len;
    }
    return GTBT_OK;
}

static int gtbt__tls_flush(gtbt__tls *t) {
    int rc;
    br_ssl_engine_flush(&t->cc.eng, 0);
    rc = gtbt__tls_run(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
    return rc == GTBT__TLS_EOF ? GTBT_OK : rc; /* a close is seen by the next read */
}

/* Read application data; *got = 0 at the end of the stream. */
static int gtbt__tls_read(gtbt__tls *t, void *p, size_t cap, size_t *got) {
    unsigned char *buf;
    size_t len;
    int rc = gtbt__tls_run(t, BR_SSL_RECVAPP);
    *got = 0;
    if (rc == GTBT__TLS_EOF) return GTBT_OK;
    if (rc != GTBT_OK) return rc;
    buf = br_ssl_engine_recvapp_buf(&t->cc.eng, &len);
    if (len > cap) len = cap;
    memcpy(p, buf, len);
    br_ssl_engine_recvapp_ack(&t->cc.eng, len);
    *got = len;
    return GTBT_OK;
}

static void gtbt__tls_free(gtbt__tls *t) {
    gtbt__xw_free(&t->xw);
    gtbt__ta_index_free(&t->owned);
    gtbt__free(t);
}

#else /* !GTBT__TLS: https is refused, never downgraded */

static int gtbt__tls_open(gtbt__conn *c, const gtbt__url *u, const gtbt_net_desc *net) {
    (void)u; (void)net;
    gtbt__logi(c->lg, GTBT_LOGITEM_TLS_NOT_BUILT, "https " GTBT__TLS_LEFT_OUT);
    return GTBT_E_UNSUPPORTED;
}
static int gtbt__tls_write(gtbt__tls *t, const void *p, size_t n) { (void)t; (void)p; (void)n; return GTBT_E_UNSUPPORTED; }
static int gtbt__tls_flush(gtbt__tls *t) { (void)t; return GTBT_E_UNSUPPORTED; }
static int gtbt__tls_read(gtbt__tls *t, void *p, size_t cap, size_t *got) {
    (void)t; (void)p; (void)cap;
    *got = 0;
    return GTBT_E_UNSUPPORTED;
}
static void gtbt__tls_free(gtbt__tls *t) { (void)t; }

#endif /* GTBT__TLS */

// >>http -----------------------------------------------------------------------------------------

#define GTBT__HTTP_MAX_HEADERS      (16 * 1024)    /* response header block limit */
#define GTBT__HTTP_MAX_BODY         (1024 * 1024)  /* read at most this much body, then stop */
#define GTBT__HTTP_MAX_HEADER_COUNT 128            /* header lines in one response head */
#define GTBT__HTTP_MAX_INTERIM      8              /* 1xx responses skipped before the final one */
#define GTBT__HTTP_MAX_CHUNK_LINE   1024           /* chunk-size line, extensions included */
#define GTBT__HTTP_IO_CHUNK         (16 * 1024)    /* read size */
#define GTBT__HTTP_DEFAULT_TIMEOUT  5000           /* ms, when net->timeout_ms is 0 */
#define GTBT__NO_PROXY_MAX          (64 * 1024)    /* bytes of NO_PROXY considered */

typedef struct gtbt__http_request {
    const char *url;                 /* http:// or https:// */
    const char *content_type;        /* e.g. "application/json"; may be NULL */
    const char *user_agent;          /* may be NULL: no User-Agent header */
    const gtbt_kv *headers; size_t n_headers;    /* extra headers (backend specific, e.g. DD-API-KEY) */
    const void *body; size_t body_len;
    const gtbt_net_desc *net;        /* may be NULL: defaults; net->headers are sent too */
    int64_t deadline_ms;             /* absolute, gtbt_now_ms() clock; 0 = none; min(deadline, now+timeout_ms) applies */
} gtbt__http_request;

typedef struct gtbt__http_response {
    int      status;                 /* 100..999; also set when the body then failed */
    int64_t  retry_after_ms;         /* from Retry-After (delta seconds or HTTP-date), capped at 24 h; -1 when absent/invalid */
    char    *body; size_t body_len;  /* NUL-terminated (never NULL on GTBT_OK), at most GTBT__HTTP_MAX_BODY */
    int      body_truncated;         /* 1 when the body was cut at GTBT__HTTP_MAX_BODY */
} gtbt__http_response;

/* --- connection: plain TCP or TLS over it --- */

static int gtbt__conn_read(gtbt__conn *c, void *p, size_t cap, size_t *got) {
    return c->tls ? gtbt__tls_read(c->tls, p, cap, got) : gtbt__sock_read(c, p, cap, got);
}

static int gtbt__conn_write(gtbt__conn *c, const void *p, size_t n) {
    return c->tls ? gtbt__tls_write(c->tls, p, n) : gtbt__sock_write(c, p, n);
}

static int gtbt__conn_flush(gtbt__conn *c) { return c->tls ? gtbt__tls_flush(c->tls) : GTBT_OK; }

static void gtbt__conn_close(gtbt__conn *c) {
    if (c->tls) gtbt__tls_free(c->tls);
    if (c->fd != GTBT__NO_SOCK) gtbt__sock_close(c->fd);
    c->tls = NULL;
    c->fd = GTBT__NO_SOCK;
}

/* --- Retry-After and classification --- */

/* Digits only, length in [lo, hi]: the value, else -1. */
static int gtbt__http_digits(const char *s, size_t lo, size_t hi) {
    size_t n = strlen(s), i;
    int v = 0;
    if (n < lo || n > hi) return -1;
    for (i = 0; i < n; i++) {
        if (!gtbt__is_digit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* HTTP-date (RFC 9110 5.6.7) as Unix ms, or -1: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
   RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994". */
static int64_t gtbt__parse_http_date(const char *s, size_t n) {
    static const char months[] GTBT__TIGHT(char) = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int mdays[12] GTBT__TIGHT(int) = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    char tok[6][12];
    const char *d, *m, *y, *tm, *hit;
    size_t nt = 0, i = 0, l;
    int day, mon, year, hh, mi, ss;
    while (i < n) { /* tokens separated by spaces, commas and dashes */
        if (s[i] == ' ' || s[i] == ',' || s[i] == '-') { i++; continue; }
        if (nt == 6) return -1;
        for (l = 0; i < n && s[i] != ' ' && s[i] != ',' && s[i] != '-'; i++, l++) {
            if (l >= sizeof tok[0] - 1) return -1;
            tok[nt][l] = s[i];
        }
        tok[nt++][l] = '\0';
    }
    if (nt == 6 && strcmp(tok[5], "GMT") == 0) { d = tok[1]; m = tok[2]; y = tok[3]; tm = tok[4]; }
    else if (nt == 5) { m = tok[1]; d = tok[2]; tm = tok[3]; y = tok[4]; }
    else return -1;
    for (i = 0; tok[0][i]; i++) if (!gtbt__is_alpha((unsigned char)tok[0][i])) return -1; /* day name */
    hit = strlen(m) == 3 ? gtbt__find(months, m) : NULL;
    if (!hit || (hit - months) % 3) return -1;
    mon = (int)((hit - months) / 3) + 1;
    day = gtbt__http_digits(d, 1, 2);
    year = strlen(y) == 2 ? gtbt__http_digits(y, 2, 2) : gtbt__http_digits(y, 4, 4);
    if (year >= 0 && strlen(y) == 2) year += year < 70 ? 2000 : 1900;
    if (strlen(tm) != 8 || tm[2] != ':' || tm[5] != ':') return -1;
    hh = (tm[0] - '0') * 10 + (tm[1] - '0');
    mi = (tm[3] - '0') * 10 + (tm[4] - '0');
    ss = (tm[6] - '0') * 10 + (tm[7] - '0');
    for (i = 0; i < 8; i++) if (i != 2 && i != 5 && !gtbt__is_digit((unsigned char)tm[i])) return -1;
    if (year < 0 || day < 1 || day > mdays[mon - 1] || hh > 23 || mi > 59 || ss > 60) return -1;
    if (mon == 2 && day == 29 && (year % 4 != 0 || (year % 100 == 0 && year % 400 != 0))) return -1;
    return (gtbt__days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 + ss) * 1000;
}

/* Retry-After value: delta seconds or an HTTP-date, as ms from now, clamped to [0, 24 h]; -1 when invalid. */
static GTBT__UNUSED int64_t gtbt__parse_retry_after(const char *v, int64_t now_unix_ms) {
    const char *s, *e;
    int64_t t = 0;
    if (!v) return -1;
    for (s = v; *s == ' ' || *s == '\t'; s++) {}
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--) {}
    if (s == e) return -1;
    if (gtbt__is_digit((unsigned char)*s)) {
        for (; s < e; s++) {
            if (!gtbt__is_digit((unsigned char)*s)) return -1;
            if (t <= GTBT__RETRY_AFTER_MAX_MS / 1000) t = t * 10 + (*s - '0'); /* stops growing past the cap */
        }
        t *= 1000;
    } else {
        t = gtbt__parse_http_date(s, (size_t)(e - s));
        if (t < 0) return -1;
        t -= now_unix_ms;
        if (t < 0) t = 0;
    }
    return t > GTBT__RETRY_AFTER_MAX_MS ? GTBT__RETRY_AFTER_MAX_MS : t;
}

/* GTBT_OK for 2xx; GTBT_E_HTTP_RETRY for 408, 429 and every 5xx (a server error says nothing about
   the events; 501, 505, 507, 511, 520-524 and 599 are as passing as 503), but for OTLP only the
   specification's 429, 502, 503, 504; GTBT_E_HTTP_REJECT for everything else (1xx, 3xx, other 4xx,
   OTLP's other 5xx). */
static GTBT__UNUSED int gtbt__http_classify(int status, int otlp) {
    if (status >= 200 && status <= 299) return GTBT_OK;
    if (otlp) return status == 429 || status == 502 || status == 503 || status == 504 ? GTBT_E_HTTP_RETRY : GTBT_E_HTTP_REJECT;
    return status == 408 || status == 429 || (status >= 500 && status <= 599) ? GTBT_E_HTTP_RETRY : GTBT_E_HTTP_REJECT;
}

/* --- response head --- */

static int gtbt__http_tchar(int c) {
    return gtbt__is_alnum(c) || (c && gtbt__chr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int gtbt__http_is_token(const char *s, size_t n) {
    size_t i;
    if (n == 0) return 0;
    for (i = 0; i < n; i++) if (!gtbt__http_tchar((unsigned char)s[i])) return 0;
    return 1;
}

/* Next line of [p, p+n) from *pos without its LF or CRLF; 0 when no complete line is left. */
static int gtbt__http_next_line(const char *p, size_t n, size_t *pos, const char **line, size_t *len) {
    const char *s = p + *pos, *lf = (const char *)memchr(s, '\n', n - *pos);
    size_t l;
    if (!lf) return 0;
    l = (size_t)(lf - s);
    *pos += l + 1;
    if (l > 0 && s[l - 1] == '\r') l--;
    *line = s;
    *len = l;
    return 1;
}

/* "HTTP/1.x NNN[ reason]" */
static int gtbt__http_status_line(const char *s, size_t n, int *status) {
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !gtbt__is_digit((unsigned char)s[7]) || s[8] != ' ') return -1;
    if (!gtbt__is_digit((unsigned char)s[9]) || !gtbt__is_digit((unsigned char)s[10]) ||
        !gtbt__is_digit((unsigned char)s[11]) || (n > 12 && s[12] != ' '))
        return -1;
    *status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return *status >= 100 ? 0 : -1;
}

static int gtbt__http_name_is(const char *name, size_t n, const char *want) {
    return strlen(want) == n && gtbt__ascii_ncasecmp(name, want, n) == 0;
}

/* Content-Length: digits only; a repeated header must agree. */
static int gtbt__http_content_length(const char *v, size_t n, int64_t *clen) {
    int64_t x = 0;
    size_t i;
    if (n == 0 || n > 18) return -1;
    for (i = 0; i < n; i++) {
        if (!gtbt__is_digit((unsigned char)v[i])) return -1;
        x = x * 10 + (v[i] - '0');
    }
    if (*clen >= 0 && *clen != x) return -1;
    *clen = x;
    return 0;
}

/* Is "chunked" the last coding of a Transfer-Encoding list? */
static int gtbt__http_te_chunked(const char *v, size_t n) {
    size_t b = n;
    while (b > 0 && v[b - 1] != ',') b--;
    while (b < n && (v[b] == ' ' || v[b] == '\t')) b++;
    return n - b == 7 && gtbt__ascii_ncasecmp(v + b, "chunked", 7) == 0;
}

/* Parse a complete response head (status line, header lines, blank line) of at most GTBT__HTTP_MAX_HEADERS:
   GTBT_OK or GTBT_E_NETWORK (malformed: bad status line, folded line, NUL or stray CR, bad header name,
   Content-Length that is not a number or disagrees with another, too many headers, no blank line).
   *content_length is -1 when absent or when Transfer-Encoding is present; *chunked when chunked is the last coding. */
static GTBT__UNUSED int gtbt__http_parse_head(const char *p, size_t n, int *status, int64_t *retry_after_ms,
                                              int64_t *content_length, int *chunked) {
    const char *line, *v, *ve, *colon;
    size_t pos = 0, len, count = 0;
    int st = 0, te = 0, ch = 0, ended = 0;
    int64_t clen = -1, ra = -1;
    if (!p || n > GTBT__HTTP_MAX_HEADERS || !gtbt__http_next_line(p, n, &pos, &line, &len) ||
        memchr(line, '\0', len) || memchr(line, '\r', len) || gtbt__http_status_line(line, len, &st))
        return GTBT_E_NETWORK;
    while (gtbt__http_next_line(p, n, &pos, &line, &len)) {
        if (len == 0) { ended = 1; break; }
        /* an obsolete folded line starts with SP or HTAB: no token, so the name check below refuses it */
        if (++count > GTBT__HTTP_MAX_HEADER_COUNT) return GTBT_E_NETWORK;
        if (memchr(line, '\0', len) || memchr(line, '\r', len)) return GTBT_E_NETWORK;
        colon = (const char *)memchr(line, ':', len);
        if (!colon || !gtbt__http_is_token(line, (size_t)(colon - line))) return GTBT_E_NETWORK;
        for (v = colon + 1; v < line + len && (*v == ' ' || *v == '\t'); v++) {}
        for (ve = line + len; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--) {}
        if (gtbt__http_name_is(line, (size_t)(colon - line), "content-length")) {
            if (gtbt__http_content_length(v, (size_t)(ve - v), &clen)) return GTBT_E_NETWORK;
        } else if (gtbt__http_name_is(line, (size_t)(colon - line), "transfer-encoding")) {
            te = 1;
            ch = gtbt__http_te_chunked(v, (size_t)(ve - v));
        } else if (gtbt__http_name_is(line, (size_t)(colon - line), "retry-after") && ra < 0 && ve - v < 64) {
            char tmp[64];
            memcpy(tmp, v, (size_t)(ve - v));
            tmp[ve - v] = '\0';
            ra = gtbt__parse_retry_after(tmp, gtbt__realtime_ns() / 1000000);
        }
    }
    if (!ended) return GTBT_E_NETWORK;
    *status = st;
    *retry_after_ms = ra;
    *content_length = te ? -1 : clen; /* Transfer-Encoding wins over Content-Length */
    *chunked = ch;
    return GTBT_OK;
}

/* Length of the head in [p, p+n) up to and including its blank line, or 0 when not complete yet.
   *scanned remembers where to resume. */
static size_t gtbt__http_head_end(const char *p, size_t n, size_t *scanned) {
    size_t i;
    for (i = *scanned; i < n; i++) {
        if (p[i] != '\n') continue;
        if (i + 1 < n && p[i + 1] == '\n') return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
        if (i + 2 >= n) break; /* cannot decide yet */
    }
    *scanned = i;
    return 0;
}

/* --- chunked transfer coding: an incremental decoder (exposed for fuzzing) --- */

enum { GTBT__CH_SIZE, GTBT__CH_DATA, GTBT__CH_DATA_END, GTBT__CH_TRAILER, GTBT__CH_DONE };

typedef struct gtbt__chunked {
    int state;
    int cr;              /* a CR was seen: only LF may follow */
    int ext;             /* inside chunk extensions */
    int ws;              /* whitespace after the size digits */
    int ndigits;
    uint64_t left;       /* bytes left in the current chunk */
    size_t line;         /* bytes of the current size or trailer line */
    size_t trailers;     /* bytes of all trailer lines */
} gtbt__chunked;

/* One byte of a chunk-size line "HEX [ws] [; ext]": 0 or -1 when malformed. */
static int gtbt__chunked_size_byte(gtbt__chunked *c, int ch) {
    int h = gtbt__hexval(ch);
    if (++c->line > GTBT__HTTP_MAX_CHUNK_LINE) return -1;
    if (c->ext) return ch >= 0x20 || ch == '\t' ? 0 : -1;
    if (h >= 0 && !c->ws) {
        if (++c->ndigits > 15) return -1; /* < 2^60 */
        c->left = c->left * 16 + (uint64_t)h;
        return 0;
    }
    if (c->ndigits == 0) return -1;
    if (ch == ' ' || ch == '\t') { c->ws = 1; return 0; }
    if (ch == ';') { c->ext = 1; return 0; }
    return -1;
}

/* End of a size line (LF seen). */
static int gtbt__chunked_size_end(gtbt__chunked *c) {
    if (c->ndigits == 0) return -1;
    c->state = c->left ? GTBT__CH_DATA : GTBT__CH_TRAILER;
    c->line = 0;
    c->ndigits = c->ext = c->ws = 0;
    return 0;
}

/* Feed raw bytes p[0..n). Decodes in place: chunk data is moved to p[0..*out). Returns 1 once the last chunk
   and trailers ended (*used = bytes consumed; the rest is not part of the body), 0 when more input is
   needed (*used = n), -1 when malformed. Bare LF line ends are accepted. */
static GTBT__UNUSED int gtbt__chunked_feed(gtbt__chunked *c, char *p, size_t n, size_t *out, size_t *used) {
    size_t i = 0, o = 0;
    int bad = 0;
    while (i < n && c->state != GTBT__CH_DONE && !bad) {
        int ch = (unsigned char)p[i];
        if (c->state == GTBT__CH_DATA) {
            size_t k = n - i;
            if ((uint64_t)k > c->left) k = (size_t)c->left;
            memmove(p + o, p + i, k);
            o += k;
            i += k;
            c->left -= k;
            if (c->left == 0) c->state = GTBT__CH_DATA_END;
            continue;
        }
        i++;
        if (ch == '\r' && !c->cr) { c->cr = 1; continue; }
        if (c->cr && ch != '\n') { bad = 1; continue; }
        c->cr = 0;
        if (c->state == GTBT__CH_DATA_END) { /* the CRLF after chunk data */
            if (ch != '\n') bad = 1;
            else c->state = GTBT__CH_SIZE;
        } else if (c->state == GTBT__CH_SIZE) {
            bad = ch == '\n' ? gtbt__chunked_size_end(c) : gtbt__chunked_size_byte(c, ch);
        } else if (ch == '\n') { /* trailer section: ends at an empty line */
            if (c->line == 0) c->state = GTBT__CH_DONE;
            c->line = 0;
        } else {
            c->line++;
            if (ch == 0 || ++c->trailers > GTBT__HTTP_MAX_HEADERS) bad = 1;
        }
    }
    *out = o;
    *used = i;
    if (bad) return -1;
    return c->state == GTBT__CH_DONE;
}

/* --- response body --- */

enum { GTBT__BODY_NONE, GTBT__BODY_LENGTH, GTBT__BODY_CHUNKED, GTBT__BODY_CLOSE };

typedef struct gtbt__body {
    int mode;
    int64_t left;        /* LENGTH: bytes still expected */
    gtbt__chunked ch;
    gtbt__buf out;       /* at most GTBT__HTTP_MAX_BODY */
    int truncated;
} gtbt__body;

static void gtbt__body_keep(gtbt__body *b, const char *p, size_t n) {
    size_t room = GTBT__HTTP_MAX_BODY - b->out.len;
    if (n > room) { n = room; b->truncated = 1; }
    if (n) gtbt__buf_put(&b->out, p, n);
}

/* Raw body bytes (modified in place): 1 when the body is complete (or cut at the limit), 0 for more, -1 malformed. */
static int gtbt__body_feed(gtbt__body *b, char *p, size_t n) {
    size_t k = n, used;
    int r = 0;
    if (b->mode == GTBT__BODY_LENGTH) {
        if ((int64_t)k > b->left) k = (size_t)b->left;
        b->left -= (int64_t)k;
        r = b->left == 0;
    } else if (b->mode == GTBT__BODY_CHUNKED) {
        r = gtbt__chunked_feed(&b->ch, p, n, &k, &used);
    }
    if (r >= 0) gtbt__body_keep(b, p, k);
    return r < 0 ? -1 : (r || b->truncated);
}

static int gtbt__http_read_body(gtbt__conn *c, gtbt__body *b, char *first, size_t n, char *io) {
    size_t got;
    int r = 0, rc;
    if (b->mode == GTBT__BODY_NONE || (b->mode == GTBT__BODY_LENGTH && b->left == 0)) return GTBT_OK;
    if (n) r = gtbt__body_feed(b, first, n);
    while (r == 0) {
        rc = gtbt__conn_read(c, io, GTBT__HTTP_IO_CHUNK, &got);
        if (rc != GTBT_OK) return rc;
        if (got == 0 && b->mode == GTBT__BODY_CLOSE) break;
        if (got == 0) {
            gtbt__logi(c->lg, GTBT_LOGITEM_BODY_CLOSED, "%s closed the connection in the middle of the body", c->where);
            return GTBT_E_NETWORK;
        }
        r = gtbt__body_feed(b, io, got);
    }
    if (r < 0) {
        gtbt__logi(c->lg, GTBT_LOGITEM_BODY_CHUNKED_MALFORMED, "malformed chunked body from %s", c->where);
        return GTBT_E_NETWORK;
    }
    return b->out.oom ? GTBT_E_NOMEM : GTBT_OK;
}

/* Read until a complete head is in `in` (bytes past it stay: the start of the body). */
static int gtbt__http_read_head(gtbt__conn *c, gtbt__buf *in, char *io, size_t *head_len) {
    size_t scanned = 0, got, end;
    int rc;
    for (;;) {
        end = in->len ? gtbt__http_head_end(in->p, in->len, &scanned) : 0;
        if (end > GTBT__HTTP_MAX_HEADERS || (!end && in->len >= GTBT__HTTP_MAX_HEADERS)) {
            gtbt__logi(c->lg, GTBT_LOGITEM_HEAD_TOO_LARGE, "response head from %s exceeds 16 KiB", c->where);
            return GTBT_E_NETWORK;
        }
        if (end) { *head_len = end; return GTBT_OK; }
        rc = gtbt__conn_read(c, io, GTBT__HTTP_IO_CHUNK, &got);
        if (rc != GTBT_OK) return rc;
        if (got == 0) {
            gtbt__logi(c->lg, GTBT_LOGITEM_HEAD_CLOSED, "%s closed the connection before a complete response head", c->where);
            return GTBT_E_NETWORK;
        }
        gtbt__buf_put(in, io, got);
        if (in->oom) return GTBT_E_NOMEM;
    }
}

/* Read a head (skipping interim 1xx ones) into `in`; *head_len is the final head's length. */
static int gtbt__http_read_final_head(gtbt__conn *c, gtbt__buf *in, char *io, size_t *head_len, int *status,
                                      int64_t *retry_after_ms, int64_t *clen, int *chunked) {
    int i, rc;
    for (i = 0;; i++) {
        rc = gtbt__http_read_head(c, in, io, head_len);
        if (rc != GTBT_OK) return rc;
        if (gtbt__http_parse_head(in->p, *head_len, status, retry_after_ms, clen, chunked) != GTBT_OK) {
            gtbt__logi(c->lg, GTBT_LOGITEM_HEAD_MALFORMED, "malformed response head from %s", c->where);
            return GTBT_E_NETWORK;
        }
        if (*status >= 200) return GTBT_OK;
        if (*status == 101 || i >= GTBT__HTTP_MAX_INTERIM) {
            gtbt__logi(c->lg, GTBT_LOGITEM_HTTP_UNEXPECTED, "unexpected HTTP %d from %s", *status, c->where);
            return GTBT_E_NETWORK;
        }
        memmove(in->p, in->p + *head_len, in->len - *head_len + 1); /* drop the 1xx head (and keep the NUL) */
        in->len -= *head_len;
    }
}

static int gtbt__http_read_response(gtbt__conn *c, gtbt__http_response *rs) {
    gtbt__buf in;
    gtbt__body b;
    size_t head_len = 0;
    int64_t clen = -1;
    int chunked = 0, rc;
    char *io = (char *)gtbt__malloc(GTBT__HTTP_IO_CHUNK);
    memset(&in, 0, sizeof in);
    memset(&b, 0, sizeof b);
    if (!io) return GTBT_E_NOMEM;
    rc = gtbt__http_read_final_head(c, &in, io, &head_len, &rs->status, &rs->retry_after_ms, &clen, &chunked);
    if (rc == GTBT_OK) {
        b.mode = chunked ? GTBT__BODY_CHUNKED : clen >= 0 ? GTBT__BODY_LENGTH : GTBT__BODY_CLOSE;
        if (rs->status == 204 || rs->status == 304) b.mode = GTBT__BODY_NONE;
        b.left = clen;
        rc = gtbt__http_read_body(c, &b, in.p + head_len, in.len - head_len, io);
    }
    if (rc == GTBT_OK) {
        rs->body = b.out.p ? b.out.p : gtbt__strdup(""); /* never NULL */
        rs->body_len = b.out.len;
        rs->body_truncated = b.truncated;
        if (!rs->body) rc = GTBT_E_NOMEM;
    } else {
        gtbt__buf_free(&b.out);
    }
    gtbt__buf_free(&in);
    gtbt__free(io);
    return rc;
}

/* --- proxy --- */

/* An IP or a name: IPs compare as addresses, names case-insensitively as the host or a parent domain. */
static int gtbt__host_match(const char *pat, const char *host) {
    unsigned char a[16], b[16];
    size_t pl = strlen(pat), hl = strlen(host);
    int fa = gtbt__ip_parse(pat, a), fb = gtbt__ip_parse(host, b);
    if (fa || fb) return fa == fb && memcmp(a, b, (size_t)fa) == 0;
    if (pl == 0) return 0;
    if (gtbt__ascii_casecmp(pat, host) == 0) return 1;
    return hl > pl && host[hl - pl - 1] == '.' && gtbt__ascii_casecmp(host + hl - pl, pat) == 0;
}

/* A CIDR range [s, s+n) ("10.0.0.0/8", "fd00::/8"): does the IP literal host fall in it? Names are
   not resolved to be compared (as in Go's net/http). */
static int gtbt__cidr_match(const char *s, size_t n, const char *host) {
    char net[64];
    unsigned char a[16], b[16];
    const char *slash = (const char *)memchr(s, '/', n);
    size_t nl = (size_t)(slash - s), i;
    long bits = 0;
    int fa, fb;
    if (nl == 0 || nl >= sizeof net || slash + 1 == s + n || (size_t)(s + n - slash - 1) > 3) return 0;
    for (i = 1; slash + i < s + n; i++) {
        if (!gtbt__is_digit((unsigned char)slash[i])) return 0;
        bits = bits * 10 + (slash[i] - '0');
    }
    memcpy(net, s, nl);
    net[nl] = 0;
    fa = gtbt__ip_parse(net, a);
    fb = gtbt__ip_parse(host, b);
    if (!fa || fa != fb || bits > fa * 8) return 0;
    for (i = 0; i < (size_t)bits / 8; i++) if (a[i] != b[i]) return 0;
    if (bits % 8) {
        unsigned char m = (unsigned char)(0xFF << (8 - bits % 8));
        if ((a[i] & m) != (b[i] & m)) return 0;
    }
    return 1;
}

/* One NO_PROXY entry [s, s+n): "*", a CIDR range "10.0.0.0/8", "host", ".domain", "*.domain", "1.2.3.4", "::1", "[::1]", each with an optional
   ":port" (IPv6 with a port needs brackets). A leading "." or "*." is dropped: the domain and its subdomains match. */
static int gtbt__no_proxy_entry(const char *s, size_t n, const char *host, int port) {
    char h[256];
    const char *hs, *ps = NULL, *c1;
    size_t hn, pn = 0;
    int eport = 0;
    while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    hs = s;
    hn = n;
    if (n == 0) return 0;
    if (n == 1 && *s == '*') return 1;
    if (memchr(s, '/', n)) return gtbt__cidr_match(s, n, host);
    if (*s == '[') {
        const char *rb = (const char *)memchr(s, ']', n);
        if (!rb) return 0;
        hs = s + 1;
        hn = (size_t)(rb - hs);
        if (rb + 1 < s + n) {
            if (rb[1] != ':') return 0;
            ps = rb + 2;
            pn = (size_t)(s + n - ps);
        }
    } else if ((c1 = (const char *)memchr(s, ':', n)) != NULL && !memchr(c1 + 1, ':', (size_t)(s + n - c1 - 1))) {
        hn = (size_t)(c1 - s); /* exactly one colon: host:port (more colons: a bare IPv6 literal) */
        ps = c1 + 1;
        pn = (size_t)(s + n - ps);
    }
    if (ps && (gtbt__url_port(ps, pn, 0, &eport) != GTBT_OK || eport != port)) return 0;
    if (hn >= 2 && hs[0] == '*' && hs[1] == '.') hs += 2, hn -= 2;
    else if (hn >= 1 && hs[0] == '.') hs++, hn--;
    if (hn == 0 || hn >= sizeof h) return 0;
    memcpy(h, hs, hn);
    h[hn] = '\0';
    return gtbt__host_match(h, host);
}

/* Does a comma-separated NO_PROXY list cover host:port? */
static GTBT__UNUSED int gtbt__no_proxy_match(const char *list, const char *host, int port) {
    const char *p = list, *e;
    while (p && *p && (size_t)(p - list) < GTBT__NO_PROXY_MAX) {
        e = p + gtbt__span_not(p, ",");
        if (gtbt__no_proxy_entry(p, (size_t)(e - p), host, port)) return 1;
        p = *e ? e + 1 : e;
    }
    return 0;
}

/* localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z): never proxied through the environment (as Go's net/http). */
static int gtbt__host_is_loopback(const char *host) {
    static const unsigned char lo6[16] GTBT__TIGHT(unsigned char) = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const unsigned char mapped[12] GTBT__TIGHT(unsigned char) = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    unsigned char a[16];
    int n = gtbt__ip_parse(host, a);
    if (n == 4) return a[0] == 127;
    if (n == 16) return memcmp(a, lo6, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
    return gtbt__ascii_casecmp(host, "localhost") == 0;
}

/* RFC 4648 base64 of p[0..n) into out (room for 4 * ceil(n / 3) + 1). */
static void gtbt__base64(const unsigned char *p, size_t n, char *out) {
    static const char tab[] GTBT__TIGHT(char) = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        *out++ = tab[p[i] >> 2];
        *out++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        *out++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        *out++ = tab[p[i + 2] & 63];
    }
    if (i < n) {
        *out++ = tab[p[i] >> 2];
        *out++ = tab[((p[i] & 3) << 4) | (i + 1 < n ? p[i + 1] >> 4 : 0)];
        *out++ = i + 1 < n ? tab[(p[i + 1] & 15) << 2] : '=';
        *out++ = '=';
    }
    *out = 0;
}

/* "user:password@" of a proxy URL [s, s+n), percent-decoded, as the Basic credentials of
   Proxy-Authorization. GTBT_E_INVALID for a bad escape, no user, or more than GTBT__PROXY_CRED_MAX bytes. */
static int gtbt__proxy_userinfo(const char *s, size_t n, char *basic) {
    unsigned char raw[GTBT__PROXY_CRED_MAX];
    size_t i, o = 0;
    if (n == 0 || s[0] == ':') return GTBT_E_INVALID;
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n || gtbt__hexval(s[i + 1]) < 0 || gtbt__hexval(s[i + 2]) < 0) return GTBT_E_INVALID;
            ch = gtbt__hexval(s[i + 1]) * 16 + gtbt__hexval(s[i + 2]);
            i += 2;
        }
        if (o >= sizeof raw) return GTBT_E_INVALID;
        raw[o++] = (unsigned char)ch;
    }
    gtbt__base64(raw, o, basic);
    memset(raw, 0, sizeof raw);
    return GTBT_OK;
}

/* A proxy URL (never logged: it may hold credentials); "host:port" without a scheme means http://.
   "http://user:password@host:port" (percent-encoded) sends Basic credentials on CONNECT. */
static int gtbt__proxy_parse(const char *v, const char *from, gtbt__url *proxy, int *use, const gtbt__log *lg) {
    char tmp[GTBT__URL_MAX + 8], basic[GTBT__PROXY_BASIC_MAX];
    const char *auth, *at, *end;
    size_t vn = strlen(v);
    basic[0] = 0;
    if (vn > GTBT__URL_MAX) vn = GTBT__URL_MAX + 1;       /* too long: url_parse refuses it */
    auth = gtbt__find(v, "://");
    auth = auth ? auth + 3 : v;
    end = auth + gtbt__span_not(auth, "/?#");
    for (at = end; at > auth && at[-1] != '@'; at--) {}
    if (at > auth) {                                      /* user:password@ */
        size_t pre = (size_t)(auth - v);
        if (gtbt__proxy_userinfo(auth, (size_t)(at - 1 - auth), basic) != GTBT_OK || vn > GTBT__URL_MAX) {
            gtbt__logi(lg, GTBT_LOGITEM_PROXY_CREDENTIALS_INVALID, "the credentials of the proxy in %s are invalid (want "
                       "user:password@, percent-encoded, at most %d bytes)", from, GTBT__PROXY_CRED_MAX);
            return GTBT_E_INVALID;
        }
        gtbt__snprintf(tmp, sizeof tmp, "%.*s%s", (int)pre, v, at);
        v = tmp;
    }
    if (!gtbt__find(v, "://") && strlen(v) <= GTBT__URL_MAX) {
        char plain[GTBT__URL_MAX + 8];
        gtbt__snprintf(plain, sizeof plain, "http://%.*s", GTBT__URL_MAX, v);
        memcpy(tmp, plain, sizeof tmp);
        v = tmp;
    }
    if (gtbt__url_parse(v, proxy) != GTBT_OK) {
        gtbt__logi(lg, GTBT_LOGITEM_PROXY_INVALID, "the proxy in %s is not a valid http://[user:password@]host:port URL", from);
        memset(basic, 0, sizeof basic);
        return GTBT_E_INVALID;
    }
    memcpy(proxy->basic, basic, sizeof basic);
    memset(basic, 0, sizeof basic);
    memset(tmp, 0, sizeof tmp);
    if (proxy->tls) {
        gtbt__logi(lg, GTBT_LOGITEM_PROXY_HTTPS, "the proxy in %s uses https://, which is not supported; "
                   "use an http:// proxy (https targets are still tunnelled with TLS)", from);
        return GTBT_E_UNSUPPORTED;
    }
    *use = 1;
    return GTBT_OK;
}

/* The proxy for target: net->proxy when set ("" = none), else HTTPS_PROXY/https_proxy (https targets) or
   HTTP_PROXY/http_proxy, unless the target is loopback or matches NO_PROXY/no_proxy. *use = 0: direct. */
static GTBT__UNUSED int gtbt__proxy_select(const gtbt__url *target, const gtbt_net_desc *net, gtbt__url *proxy,
                                           int *use, const gtbt__log *lg) {
    const char *name = target->tls ? "HTTPS_PROXY" : "HTTP_PROXY", *v, *np;
    *use = 0;
    if (net && net->proxy) return *net->proxy ? gtbt__proxy_parse(net->proxy, "gtbt_net_desc.proxy", proxy, use, lg) : GTBT_OK;
    v = gtbt__getenv(name);
    if (!v || !*v) {
        name = target->tls ? "https_proxy" : "http_proxy";
        v = gtbt__getenv(name);
    }
    if (!v || !*v || gtbt__host_is_loopback(target->host)) return GTBT_OK;
    np = gtbt__getenv("NO_PROXY");
    if (!np || !*np) np = gtbt__getenv("no_proxy");
    if (np && gtbt__no_proxy_match(np, target->host, target->port)) return GTBT_OK;
    return gtbt__proxy_parse(v, name, proxy, use, lg);
}

/* "CONNECT host:port" through the proxy already connected on c; a 2xx answer opens the tunnel. */
static int gtbt__proxy_tunnel(gtbt__conn *c, const gtbt__url *target, const gtbt__url *proxy) {
    char auth[300];
    gtbt__buf req, in;
    size_t head_len = 0;
    int64_t ra, clen;
    int status = 0, chunked, rc;
    char *io = (char *)gtbt__malloc(GTBT__HTTP_IO_CHUNK);
    memset(&req, 0, sizeof req);
    memset(&in, 0, sizeof in);
    gtbt__url_authority(target, auth, sizeof auth);
    gtbt__buf_puts(&req, "CONNECT ");
    gtbt__buf_puts(&req, auth);
    gtbt__buf_puts(&req, " HTTP/1.1\r\nHost: ");
    gtbt__buf_puts(&req, auth);
    if (proxy->basic[0]) {
        gtbt__buf_puts(&req, "\r\nProxy-Authorization: Basic ");
        gtbt__buf_puts(&req, proxy->basic);
    }
    gtbt__buf_puts(&req, "\r\n\r\n");
    rc = !io || req.oom ? GTBT_E_NOMEM : gtbt__sock_write(c, req.p, req.len);
    if (rc == GTBT_OK) rc = gtbt__http_read_head(c, &in, io, &head_len);
    if (rc == GTBT_OK && gtbt__http_parse_head(in.p, head_len, &status, &ra, &clen, &chunked) != GTBT_OK) {
        gtbt__logi(c->lg, GTBT_LOGITEM_PROXY_CONNECT_MALFORMED, "malformed answer from the proxy to CONNECT %s", auth);
        rc = GTBT_E_NETWORK;
    }
    if (rc == GTBT_OK && (status < 200 || status > 299)) {
        gtbt__logi(c->lg, GTBT_LOGITEM_PROXY_CONNECT_REFUSED, "the proxy refused CONNECT %s: HTTP %d%s", auth, status,
                   status != 407 ? "" : proxy->basic[0] ? " (check the user and password in the proxy URL)"
                                                        : " (put user:password@ in the proxy URL)");
        rc = GTBT_E_NETWORK;
    }
    if (rc == GTBT_OK && in.len != head_len) { /* the target speaks only after our request */
        gtbt__logi(c->lg, GTBT_LOGITEM_PROXY_CONNECT_EXTRA, "the proxy sent unexpected data after CONNECT %s", auth);
        rc = GTBT_E_NETWORK;
    }
    if (req.p) memset(req.p, 0, req.len);                 /* it held the credentials */
    gtbt__buf_free(&req);
    gtbt__buf_free(&in);
    gtbt__free(io);
    return rc;
}

/* --- request --- */

/* Header values: no CR, LF or other control characters except tab. */
/* Cleans s in place: blanks and control characters at both ends removed, control characters
   inside replaced by a space (a version read from a file keeps its trailing newline). Returns 1
   when s changed. */
static GTBT__UNUSED void gtbt__clean_ctl_ends(char *s) {
    size_t n = strlen(s), a = 0;
    while (n > 0 && ((unsigned char)s[n - 1] <= 0x20 || s[n - 1] == 0x7F)) s[--n] = 0;
    while (a < n && ((unsigned char)s[a] <= 0x20 || s[a] == 0x7F)) a++;
    if (a) memmove(s, s + a, n - a + 1);
}

static GTBT__UNUSED int gtbt__clean_ctl(char *s) {
    size_t n = strlen(s), a = 0, i;
    int changed = 0;
    while (n > 0 && ((unsigned char)s[n - 1] <= 0x20 || s[n - 1] == 0x7F)) { s[--n] = 0; changed = 1; }
    while (a < n && ((unsigned char)s[a] <= 0x20 || s[a] == 0x7F)) a++;
    if (a) { memmove(s, s + a, n - a + 1); n -= a; changed = 1; }
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) { s[i] = ' '; changed = 1; }
    return changed;
}

static int gtbt__http_value_ok(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7F) return 0;
    }
    return 1;
}

/* Extra headers: token names, clean values, and none of the headers this client writes itself. */
static int gtbt__http_check_headers(const gtbt_kv *h, size_t n, const gtbt__log *lg) {
    static const char own[] GTBT__TIGHT(char) = "host\0content-length\0transfer-encoding\0connection\0";   /* NUL-separated */
    const char *w;
    size_t i;
    if (n && !h) return GTBT_E_INVALID;
    for (i = 0; i < n; i++) {
        if (!h[i].key || !h[i].value || !gtbt__http_is_token(h[i].key, strlen(h[i].key)) || !gtbt__http_value_ok(h[i].value)) {
            gtbt__logi(lg, GTBT_LOGITEM_HEADER_INVALID, "extra header #%lu is invalid (the name must be a token, the value "
                       "must not contain CR, LF or control characters)", (unsigned long)i);
            return GTBT_E_INVALID;
        }
        for (w = own; *w; w = gtbt__rx_wnext(w)) {
            if (gtbt__ascii_casecmp(h[i].key, w) == 0) {
                gtbt__logi(lg, GTBT_LOGITEM_HEADER_RESERVED, "extra header %s is set by the HTTP client itself", h[i].key);
                return GTBT_E_INVALID;
            }
        }
    }
    return GTBT_OK;
}

static void gtbt__http_put_header(gtbt__buf *b, const char *name, const char *value) {
    gtbt__buf_puts(b, name);
    gtbt__buf_puts(b, ": ");
    gtbt__buf_puts(b, value);
    gtbt__buf_puts(b, "\r\n");
}

/* Validate the request and build its head into b. */
static int gtbt__http_prepare(const gtbt__http_request *rq, gtbt__url *u, gtbt__buf *b, const gtbt__log *lg) {
    const gtbt_net_desc *net = rq->net;
    char len[32];
    size_t i;
    int rc;
    if (gtbt__url_parse(rq->url, u) != GTBT_OK) {
        gtbt__logi(lg, GTBT_LOGITEM_ENDPOINT_INVALID, "invalid endpoint URL (http:// or https://, at most 2048 bytes, "
                   "no credentials, spaces or control characters)");
        return GTBT_E_INVALID;
    }
    if ((rq->body_len && !rq->body) || (rq->user_agent && !gtbt__http_value_ok(rq->user_agent)) ||
        (rq->content_type && !gtbt__http_value_ok(rq->content_type))) {
        gtbt__logi(lg, GTBT_LOGITEM_REQUEST_INVALID, "invalid request (body, User-Agent or Content-Type)");
        return GTBT_E_INVALID;
    }
    rc = gtbt__http_check_headers(rq->headers, rq->n_headers, lg);
    if (rc == GTBT_OK && net) rc = gtbt__http_check_headers(net->headers, net->n_headers, lg);
    if (rc != GTBT_OK) return rc;
    gtbt__buf_puts(b, "POST ");
    gtbt__buf_puts(b, u->path);
    gtbt__buf_puts(b, " HTTP/1.1\r\n");
    gtbt__http_put_header(b, "Host", u->hostport);
    if (rq->user_agent) gtbt__http_put_header(b, "User-Agent", rq->user_agent);
    if (rq->content_type) gtbt__http_put_header(b, "Content-Type", rq->content_type);
    gtbt__snprintf(len, sizeof len, "%lu", (unsigned long)rq->body_len);
    gtbt__http_put_header(b, "Content-Length", len);
    gtbt__http_put_header(b, "Connection", "close");
    for (i = 0; i < rq->n_headers; i++) gtbt__http_put_header(b, rq->headers[i].key, rq->headers[i].value);
    for (i = 0; net && i < net->n_headers; i++) gtbt__http_put_header(b, net->headers[i].key, net->headers[i].value);
    gtbt__buf_puts(b, "\r\n");
    return b->oom ? GTBT_E_NOMEM : GTBT_OK;
}

static int64_t gtbt__http_deadline(const gtbt__http_request *rq) {
    int64_t timeout = rq->net && rq->net->timeout_ms > 0 ? rq->net->timeout_ms : GTBT__HTTP_DEFAULT_TIMEOUT;
    int64_t d = gtbt_now_ms() + timeout;
    return rq->deadline_ms > 0 && rq->deadline_ms < d ? rq->deadline_ms : d;
}

/* TCP to the target or the proxy, the CONNECT tunnel, then TLS for https. */
static int gtbt__http_open(gtbt__conn *c, const gtbt__url *target, const gtbt__url *proxy, const gtbt_net_desc *net) {
    int rc = proxy ? gtbt__sock_connect(c, "proxy", proxy->host, proxy->host_is_ip, proxy->port)
                   : gtbt__sock_connect(c, "host", target->host, target->host_is_ip, target->port);
    if (rc == GTBT_OK && proxy) rc = gtbt__proxy_tunnel(c, target, proxy);
    if (rc == GTBT_OK && target->tls) rc = gtbt__tls_open(c, target, net);
    return rc;
}

/* POST rq->body to rq->url and read the answer. GTBT_OK once a final status line and headers arrived and the
   body was read (whatever the status; cut at GTBT__HTTP_MAX_BODY is still OK). Errors: GTBT_E_INVALID,
   GTBT_E_UNSUPPORTED (https without TLS, https proxy), GTBT_E_NETWORK (resolve, connect, reset, malformed
   response, body ended early), GTBT_E_TIMEOUT, GTBT_E_TLS, GTBT_E_NOMEM. rs->status is set whenever a head
   arrived, even if the body then failed. Header values are never logged. */
static GTBT__UNUSED int gtbt__http_post(const gtbt__http_request *rq, gtbt__http_response *rs, const gtbt__log *lg) {
    gtbt__url target, proxy;
    gtbt__buf req;
    gtbt__conn c;
    int rc, use_proxy = 0;
    memset(&req, 0, sizeof req);
    memset(&c, 0, sizeof c);
    c.fd = GTBT__NO_SOCK;
    c.lg = lg;
    if (!rs) return GTBT_E_INVALID;
    memset(rs, 0, sizeof *rs);
    rs->retry_after_ms = -1;
    if (!rq) return GTBT_E_INVALID;
    rc = gtbt__http_prepare(rq, &target, &req, lg);
    if (rc == GTBT_OK) gtbt__url_authority(&target, c.where, sizeof c.where);
    if (rc == GTBT_OK) rc = gtbt__proxy_select(&target, rq->net, &proxy, &use_proxy, lg);
    if (rc == GTBT_OK && target.tls && !GTBT__TLS) /* TLS compiled out: refuse https before connecting */
        rc = gtbt__tls_open(&c, &target, rq->net);     /* the stub logs and returns GTBT_E_UNSUPPORTED */
    if (rc == GTBT_OK) {
        c.deadline = gtbt__http_deadline(rq);
        rc = gtbt__http_open(&c, &target, use_proxy ? &proxy : NULL, rq->net);
    }
    if (rc == GTBT_OK) rc = gtbt__conn_write(&c, req.p, req.len);
    if (rc == GTBT_OK && rq->body_len) rc = gtbt__conn_write(&c, rq->body, rq->body_len);
    if (rc == GTBT_OK) rc = gtbt__conn_flush(&c);
    if (rc == GTBT_OK) rc = gtbt__http_read_response(&c, rs);
    if (rc == GTBT_OK)
        gtbt__logi(lg, GTBT_LOGITEM_HTTP_POSTED, "POST to %s: HTTP %d, %lu body bytes%s", c.where, rs->status,
                   (unsigned long)rs->body_len, rs->body_truncated ? " (truncated)" : "");
    gtbt__conn_close(&c);
    gtbt__buf_free(&req);
    return rc;
}

static GTBT__UNUSED void gtbt__http_response_free(gtbt__http_response *rs) {
    if (!rs) return;
    gtbt__free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}

// >>backends -------------------------------------------------------------------------------------
/* The local backends (noop, stdout, file), the deletion requestors that need no network, then
   the network backends (HTTP, OTLP, Datadog, PostHog) over the HTTP client above. */
typedef struct gtbt__local_backend {
    gtbt_backend base; FILE *out; char *path; char info[GTBT__MAX_PATH + 16];
    gtbt_backend *inner;            /* debug mode: the backend whose wire format is shown (borrowed) */
} gtbt__local_backend;

static void gtbt__local_destroy(gtbt_backend *b) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__free(lb->path);
    gtbt__free(lb);
}

static gtbt__local_backend *gtbt__local_new(int (*send)(gtbt_backend *, const gtbt_event *, size_t, int64_t)) {
    gtbt__local_backend *lb = (gtbt__local_backend *)gtbt__calloc(1, sizeof *lb);
    if (!lb) return NULL;
    lb->base.send = send;
    lb->base.destroy = gtbt__local_destroy;
    lb->base.info = lb->info;
    return lb;
}

static int gtbt__noop_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    (void)b; (void)ev; (void)n; (void)deadline_ms;
    return GTBT_OK;
}

static int gtbt__stdout_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__buf out;
    int rc = GTBT_OK;
    (void)deadline_ms;
    memset(&out, 0, sizeof out);
    gtbt__json_events(&out, ev, n, 1);
    gtbt__buf_putc(&out, '\n');
    if (out.oom) rc = GTBT_E_NOMEM;
    else if (fwrite(out.p, 1, out.len, lb->out) != out.len || fflush(lb->out) != 0) rc = GTBT_E_IO;
    gtbt__buf_free(&out);
    return rc;
}

static int gtbt__file_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__buf out;
    gtbt__jcache jc;
    size_t i;
    int rc;
    (void)deadline_ms;
    memset(&out, 0, sizeof out);
    jc.ok = 0;
    for (i = 0; i < n; i++) {
        gtbt__json_event_direct(&out, &ev[i], &jc);
        gtbt__buf_putc(&out, '\n');
    }
    if (out.oom) { gtbt__buf_free(&out); return GTBT_E_NOMEM; }
    if (gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) { gtbt__buf_free(&out); return GTBT_E_IO; }
    rc = gtbt__append_file(lb->path, out.p, out.len);
    gtbt__buf_free(&out);
    return rc;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_noop_backend(void) {
    gtbt__local_backend *lb = gtbt__local_new(gtbt__noop_send);
    if (lb) GTBT__SET_TEXT(lb->info, "noop");
    return lb ? &lb->base : NULL;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_stdout_backend(FILE *out) {
    gtbt__local_backend *lb = gtbt__local_new(gtbt__stdout_send);
    if (!lb) return NULL;
    lb->out = out ? out : stdout;
    GTBT__SET_TEXT(lb->info, "stdout");
    return &lb->base;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_file_backend(const char *path) {
    gtbt__local_backend *lb;
    if (!path || !path[0] || strlen(path) >= GTBT__MAX_PATH) return NULL;
    lb = gtbt__local_new(gtbt__file_send);
    if (!lb) return NULL;
    if (!(lb->path = gtbt__strdup(path))) { gtbt__free(lb); return NULL; }
    gtbt__snprintf(lb->info, sizeof lb->info, "file (%s)", path);
    return &lb->base;
}

/* 1 for the built-in backends that never send anything off this machine. */
static int gtbt__debug_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms);
static int gtbt__is_local_backend(const gtbt_backend *b) {
    return b->send == gtbt__noop_send || b->send == gtbt__stdout_send || b->send == gtbt__file_send || b->send == gtbt__debug_send;
}

GTB_TELEMETRY_API void gtbt_backend_destroy(gtbt_backend *b) {
    if (b && b->destroy) b->destroy(b);
}

/* ---- deletion requestors: email (mailto:) and event ---- */
/* Go's url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX. */
static void gtbt__query_escape(gtbt__buf *b, const char *s) {
    static const char hex[] GTBT__TIGHT(char) = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (gtbt__is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            gtbt__buf_putc(b, (char)c);
        } else if (c == ' ') {
            gtbt__buf_putc(b, '+');
        } else {
            char e[3];
            e[0] = '%'; e[1] = hex[c >> 4]; e[2] = hex[c & 15];
            gtbt__buf_put(b, e, 3);
        }
    }
}

/* A plain addr-spec "local@domain": nothing that could start a query, a header or a fragment. */
static int gtbt__valid_email(const char *a) {
    const char *at = a ? gtbt__chr(a, '@') : NULL, *p;
    if (!at || at == a || !at[1] || gtbt__chr(at + 1, '@') || strlen(a) > 254) return 0;
    for (p = a; p < at; p++)
        if (!(gtbt__is_alnum(*p) || gtbt__chr(".!$'*+/=^_`{|}~-", *p))) return 0;
    for (p = at + 1; *p; p++)
        if (!(gtbt__is_alnum(*p) || *p == '.' || *p == '-')) return 0;
    return 1;
}

GTB_TELEMETRY_API int gtbt_mailto_url(const char *address, const char *tool_name, const char *machine_id,
                                      char *out, size_t cap) {
    gtbt__buf b;
    int rc = GTBT_OK;
    if (out && cap) out[0] = 0;
    if (!out || !cap || !gtbt__valid_email(address)) return GTBT_E_INVALID;
    memset(&b, 0, sizeof b);
    gtbt__buf_printf(&b, "mailto:%s?subject=", address);
    gtbt__query_escape(&b, "Data Deletion Request \xE2\x80\x94 ");
    gtbt__query_escape(&b, tool_name ? tool_name : "");
    gtbt__buf_puts(&b, "&body=");
    gtbt__query_escape(&b, "Please delete all telemetry data associated with machine ID: ");
    gtbt__query_escape(&b, machine_id ? machine_id : "");
    if (b.oom || b.len >= cap) rc = GTBT_E_NOMEM;
    else memcpy(out, b.p, b.len + 1);
    gtbt__buf_free(&b);
    return rc;
}

typedef struct gtbt__email_deletion { gtbt_deletion base; char *address, *tool; char info[300]; } gtbt__email_deletion;

static int gtbt__email_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__email_deletion *e = (gtbt__email_deletion *)d;
    char url[2048];
    int64_t left = deadline_ms ? deadline_ms - gtbt_now_ms() : 10000;
    int rc = gtbt_mailto_url(e->address, e->tool, machine_id, url, sizeof url);
    if (rc != GTBT_OK) return rc;
    if (left <= 0) return GTBT_E_TIMEOUT;
    return gtbt__open_url(url, (int)gtbt__min(left, 10000));
}

static void gtbt__email_destroy(gtbt_deletion *d) {
    gtbt__email_deletion *e = (gtbt__email_deletion *)d;
    gtbt__free(e->address); gtbt__free(e->tool); gtbt__free(e);
}

GTB_TELEMETRY_API gtbt_deletion *gtbt_email_deletion(const char *address, const char *tool_name) {
    gtbt__email_deletion *e;
    if (!gtbt__valid_email(address)) return NULL;
    e = (gtbt__email_deletion *)gtbt__calloc(1, sizeof *e);
    if (!e) return NULL;
    e->address = gtbt__strdup(address);
    e->tool = gtbt__strdup(tool_name ? tool_name : "");
    if (!e->address || !e->tool) { gtbt__email_destroy(&e->base); return NULL; }
    e->base.request = gtbt__email_request;
    e->base.destroy = gtbt__email_destroy;
    gtbt__snprintf(e->info, sizeof e->info, "email (%s)", address);
    e->base.info = e->info;
    return &e->base;
}

typedef struct gtbt__event_deletion {
    gtbt_deletion base; gtbt_backend *backend; char info[300];
    const char *tool_name, *version;   /* borrowed; set by the collector's reset, else "" */
} gtbt__event_deletion;

static int gtbt__event_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__event_deletion *ed = (gtbt__event_deletion *)d;
    gtbt_event e;
    char uuid[37], os_version[128];
    gtbt__rng r;
    memset(&e, 0, sizeof e);
    gtbt__os_version(os_version, sizeof os_version);
    gtbt__rng_seed(&r);
    gtbt__uuid4(&r, uuid);
    e.time_unix_ns = gtbt__realtime_ns();
    e.uuid = uuid;
    e.type = "data.deletion_request";
    e.name = "deletion_request";
    e.machine_id = machine_id ? machine_id : "";
    e.tool_name = ed->tool_name ? ed->tool_name : "";
    e.version = ed->version ? ed->version : "";
    e.os = GTBT__OS;
    e.arch = GTBT__ARCH;
    e.os_version = os_version;
    e.runtime_version = GTBT__RUNTIME;
    e.error = "";
    if (!ed->backend || !ed->backend->send) return GTBT_E_INVALID;
    ed->backend->retry_after_ms = 0;
    return ed->backend->send(ed->backend, &e, 1, deadline_ms);
}

static void gtbt__event_destroy(gtbt_deletion *d) { gtbt__free(d); }

GTB_TELEMETRY_API gtbt_deletion *gtbt_event_deletion(gtbt_backend *backend) {
    gtbt__event_deletion *d;
    if (!backend || !backend->send) return NULL;
    d = (gtbt__event_deletion *)gtbt__calloc(1, sizeof *d);
    if (!d) return NULL;
    d->backend = backend;
    d->base.request = gtbt__event_request;
    d->base.destroy = gtbt__event_destroy;
    gtbt__snprintf(d->info, sizeof d->info, "event via %s", backend->info ? backend->info : "custom");
    d->base.info = d->info;
    return &d->base;
}

GTB_TELEMETRY_API void gtbt_deletion_destroy(gtbt_deletion *d) {
    if (d && d->destroy) d->destroy(d);
}

/* ---- network backends ----
   HTTP, OTLP, Datadog and PostHog: one struct, one send() that builds the body for its kind,
   POSTs it and classifies the answer (2xx ok; 408 429 5xx retry; other answers dropped), so
   every backend reports failures alike. */
enum { GTBT__NB_HTTP, GTBT__NB_OTLP, GTBT__NB_DATADOG, GTBT__NB_POSTHOG };

#define GTBT__DD_MAX_ENTRIES   1000
#define GTBT__DD_MAX_BYTES     (5 * 1000 * 1000)
#define GTBT__DD_MAX_AGE_MS    ((int64_t)18 * 60 * 60 * 1000)

typedef struct gtbt__net_backend gtbt__net_backend;
/* Appends the request body for events[0..n) and returns how many of them it holds. */
typedef size_t (*gtbt__body_fn)(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n);

struct gtbt__net_backend {
    gtbt_backend  base;
    int           kind;
    gtbt__body_fn body;             /* the wire format: a pointer, so unused formats can be left out by the linker */
    const char   *key_header;       /* "DD-API-KEY" or NULL */
    char         *url;              /* the request URL */
    char         *api_key;          /* Datadog DD-API-KEY or PostHog project key */
    char         *source;           /* Datadog ddsource */
    char         *service_name, *service_version;   /* OTLP resource */
    gtbt_net_desc net;              /* deep copy (headers, ca_file, proxy) */
    gtbt__log     log;
    char          info[GTBT__URL_MAX + 32];
};

static int gtbt__net_send(gtbt_backend *self, const gtbt_event *ev, size_t n, int64_t deadline_ms);

static void gtbt__net_backend_destroy(gtbt_backend *b) {
    gtbt__net_backend *nb = (gtbt__net_backend *)b;
    gtbt__free(nb->url); gtbt__free(nb->api_key); gtbt__free(nb->source);
    gtbt__free(nb->service_name); gtbt__free(nb->service_version);
    gtbt__kvs_free((gtbt_kv *)(uintptr_t)nb->net.headers, nb->net.n_headers);
    gtbt__free((void *)(uintptr_t)nb->net.ca_file); gtbt__free((void *)(uintptr_t)nb->net.proxy);
    gtbt__free(nb);
}

/* A URL as it may be shown (status, log lines, backend info): scheme, host, port and path only;
   user, password, query and fragment never appear (they may hold a key). Works on any text,
   also a URL that was refused; cut to fit cap. */
static void gtbt__url_display(const char *url, char *out, size_t cap) {
    const char *p = url ? url : "", *sep, *a, *e, *at, *q;
    size_t k, n = 0;
    if (!cap) return;
    out[0] = 0;
    for (sep = p; *sep && !(sep[0] == ':' && sep[1] == '/' && sep[2] == '/'); sep++) {}
    if (!*sep) sep = NULL;
    if (sep) {
        for (q = p; q < sep && (gtbt__is_alnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.'); q++) {}
        if (q != sep || sep == p) sep = NULL;
    }
    a = sep ? sep + 3 : p;
    for (e = a; *e && *e != '/' && *e != '?' && *e != '#'; e++) {}
    for (at = e; at > a && at[-1] != '@'; at--) {}   /* the host starts after the last '@' */
    if (sep) n = gtbt__copy(out, cap, p, (size_t)(a - p));
    n += gtbt__copy(out + n, cap - n, at, (size_t)(e - at));
    for (k = 0; e[k] && e[k] != '?' && e[k] != '#'; k++) {}
    gtbt__copy(out + n, cap - n, e, k);
}

/* Checks the URL (and that https can be spoken); logs why not. */
static int gtbt__check_url(const char *url, const gtbt__log *lg, const char *what) {
    gtbt__url u;
    if (!url || gtbt__url_parse(url, &u) != GTBT_OK) {
        char shown[256];
        gtbt__url_display(url, shown, sizeof shown);
        gtbt__logi(lg, GTBT_LOGITEM_URL_INVALID, "invalid %s URL \"%s\" (want http:// or https://, a host, no credentials)",
                   what, shown);
        return GTBT_E_INVALID;
    }
    if (u.tls && !GTBT__TLS) {
        gtbt__logi(lg, GTBT_LOGITEM_URL_NEEDS_TLS, "%s URL %s", what, GTBT__TLS_LEFT_OUT);
        return GTBT_E_UNSUPPORTED;
    }
    return GTBT_OK;
}

/* An API key from a desc: blanks and control characters at its ends (a trailing newline read
   from a file) are removed; one with a control character inside, or nothing left, is refused
   (every request would be invalid). key is the backend's own copy. */
static int gtbt__key_ok(char *key, const gtbt__log *lg, const char *what) {
    size_t i;
    gtbt__clean_ctl_ends(key);
    for (i = 0; key[i]; i++)
        if ((unsigned char)key[i] < 0x20 || key[i] == 0x7F) break;
    if (!key[0] || key[i]) {
        gtbt__logi(lg, GTBT_LOGITEM_KEY_INVALID, "%s has a control character (or nothing but blanks); backend not built", what);
        return 0;
    }
    return 1;
}

/* "kind (URL)" as shown by status and log lines: the URL without user, password, query, fragment */
static void gtbt__net_info(gtbt__net_backend *nb, const char *kind, const char *url) {
    size_t k = strlen(kind);
    if (k + 4 > sizeof nb->info) k = 0;
    memcpy(nb->info, kind, k);
    memcpy(nb->info + k, " (", 2);
    gtbt__url_display(url, nb->info + k + 2, sizeof nb->info - k - 3);
    k = strlen(nb->info);
    memcpy(nb->info + k, ")", 2);
}

static gtbt__net_backend *gtbt__net_backend_new(int kind, gtbt__body_fn body, const char *url, const gtbt_net_desc *net, const char *what) {
    gtbt__net_backend *nb;
    gtbt__log lg = gtbt__log_of_net(net);
    int nomem = 0;
    if (gtbt__check_url(url, &lg, what) != GTBT_OK) return NULL;
    if (!(nb = (gtbt__net_backend *)gtbt__calloc(1, sizeof *nb))) return NULL;
    nb->kind = kind;
    nb->body = body;
    nb->log = lg;
    if (net) {
        nb->net = *net;
        nb->net.ca_file = gtbt__strdup(net->ca_file);
        nb->net.proxy = gtbt__strdup(net->proxy);
        nb->net.headers = gtbt__kvs_copy(net->headers, net->n_headers, &nomem);
        if (!nb->net.headers) nb->net.n_headers = 0;
        if ((net->ca_file && !nb->net.ca_file) || (net->proxy && !nb->net.proxy)) nomem = 1;
    }
    nb->url = gtbt__strdup(url);
    if (nomem || !nb->url) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    nb->base.send = gtbt__net_send;
    nb->base.destroy = gtbt__net_backend_destroy;
    nb->base.info = nb->info;
    return nb;
}

/* ---- payloads ---- */
static void gtbt__otlp_attr_str(gtbt__jw *w, const char *key, const char *value) {
    gtbt__jw_item(w);
    gtbt__buf_puts(w->b, "{\"key\":");
    gtbt__json_str(w->b, key);
    gtbt__buf_puts(w->b, ",\"value\":{\"stringValue\":");
    gtbt__json_str(w->b, value);
    gtbt__buf_puts(w->b, "}}");
}
static void gtbt__otlp_attr_int(gtbt__jw *w, const char *key, int64_t v) {
    gtbt__jw_item(w);
    gtbt__buf_printf(w->b, "{\"key\":\"%s\",\"value\":{\"intValue\":%lld}}", key, (long long)v);
}

/* The attribute names of every record; the first ten carry these string fields, in this order. */
/* NUL-separated, an empty name ending them: the first 10 for the fields of gtbt__otlp_fields, then
   duration, exit code, arguments, error. */
static const char gtbt__otlp_builtin[] GTBT__TIGHT(char) = "event.name\0event.type\0event.id\0tool.name\0tool.version\0"
    "host.arch\0os.type\0os.version\0runtime.version\0machine.id\0command.duration_ms\0command.exit_code\0command.args\0"
    "command.error\0";
static const unsigned short gtbt__otlp_fields[10] GTBT__TIGHT(unsigned short) = {
    offsetof(gtbt_event, name), offsetof(gtbt_event, type), offsetof(gtbt_event, uuid), offsetof(gtbt_event, tool_name),
    offsetof(gtbt_event, version), offsetof(gtbt_event, arch), offsetof(gtbt_event, os), offsetof(gtbt_event, os_version),
    offsetof(gtbt_event, runtime_version), offsetof(gtbt_event, machine_id)};

static int gtbt__is_builtin(const char *key, const char *list, size_t width, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (!strcmp(key, list + i * width)) return 1;
    return 0;
}
/* The same for a NUL-separated list that an empty name ends. */
static int gtbt__is_builtin_of(const char *key, const char *names) {
    for (; *names; names = gtbt__rx_wnext(names)) if (!strcmp(key, names)) return 1;
    return 0;
}

/* OTLP/HTTP JSON logs: one resource, one scope "gtb-telemetry", a log record per event. */
static size_t gtbt__otlp_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t i, k;
    const char *name;
    char now[24];
    gtbt__snprintf(now, sizeof now, "%lld", (long long)gtbt__realtime_ns());
    w.b = b; w.first = 1;
    gtbt__buf_puts(b, "{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
    w.first = 1;
    gtbt__otlp_attr_str(&w, "service.name", nb->service_name ? nb->service_name : n ? ev[0].tool_name : "");
    gtbt__otlp_attr_str(&w, "service.version", nb->service_version ? nb->service_version : n ? ev[0].version : "");
    gtbt__buf_puts(b, "]},\"scopeLogs\":[{\"scope\":{\"name\":\"gtb-telemetry\",\"version\":\"" GTB_TELEMETRY_VERSION_STRING "\"},\"logRecords\":[");
    for (i = 0; i < n; i++) {
        const gtbt_event *e = &ev[i];
        if (i) gtbt__buf_putc(b, ',');
        gtbt__buf_printf(b, "{\"timeUnixNano\":\"%lld\",\"observedTimeUnixNano\":\"%s\",\"severityNumber\":9,"
                            "\"severityText\":\"INFO\",\"body\":{\"stringValue\":", (long long)e->time_unix_ns, now);
        gtbt__json_str(b, e->name);
        gtbt__buf_puts(b, "},\"attributes\":[");
        w.first = 1;
        for (k = 0, name = gtbt__otlp_builtin; k < 10; k++, name = gtbt__rx_wnext(name))
            gtbt__otlp_attr_str(&w, name, *(const char *const *)(const void *)((const char *)e + gtbt__otlp_fields[k]));
        gtbt__otlp_attr_int(&w, name, e->duration_ms);
        name = gtbt__rx_wnext(name);
        gtbt__otlp_attr_int(&w, name, e->exit_code);
        name = gtbt__rx_wnext(name);
        if (e->n_args) {
            gtbt__buf args;
            memset(&args, 0, sizeof args);
            for (k = 0; k < e->n_args; k++) { if (k) gtbt__buf_putc(&args, ' '); gtbt__buf_puts(&args, e->args[k]); }
            gtbt__otlp_attr_str(&w, name, args.p ? args.p : "");
            if (args.oom) b->oom = 1;
            gtbt__buf_free(&args);
        }
        if (e->error[0]) gtbt__otlp_attr_str(&w, gtbt__rx_wnext(name), e->error);
        for (k = 0; k < e->n_metadata; k++)   /* built-in names win over metadata keys */
            if (!gtbt__is_builtin_of(e->metadata[k].key, gtbt__otlp_builtin))
                gtbt__otlp_attr_str(&w, e->metadata[k].key, e->metadata[k].value);
        gtbt__buf_puts(b, "]}");
    }
    gtbt__buf_puts(b, "]}]}]}");
    return n;
}

/* Datadog tag values may not contain ','. */
static void gtbt__dd_tag(gtbt__buf *t, const char *key, const char *value, int first) {
    const char *p;
    if (!first) gtbt__buf_putc(t, ',');
    gtbt__buf_puts(t, key);
    gtbt__buf_putc(t, ':');
    for (p = value; *p; p++) gtbt__buf_putc(t, *p == ',' ? '_' : *p);
}

/* One Datadog log entry: the Go original's fields plus duration, exit code, versions and event id. */
static void gtbt__dd_entry(gtbt__net_backend *nb, gtbt__jw *w, const gtbt_event *e) {
    gtbt__buf msg, tags;
    char ts[40];
    size_t k;
    memset(&msg, 0, sizeof msg);
    memset(&tags, 0, sizeof tags);
    gtbt__buf_printf(&msg, "%s: %s", e->type, e->name);
    gtbt__dd_tag(&tags, "event_type", e->type, 1);
    gtbt__dd_tag(&tags, "tool_version", e->version, 0);
    gtbt__dd_tag(&tags, "os", e->os, 0);
    gtbt__dd_tag(&tags, "arch", e->arch, 0);
    gtbt__rfc3339(e->time_unix_ns, ts);
    gtbt__jw_open(w, '{');
    gtbt__jw_str(w, "message", msg.p ? msg.p : "");
    gtbt__jw_str(w, "ddsource", nb->source);
    gtbt__jw_str(w, "ddtags", tags.p ? tags.p : "");
    gtbt__jw_str(w, "hostname", e->machine_id);
    gtbt__jw_str(w, "service", e->tool_name);
    gtbt__jw_str(w, "timestamp", ts);
    gtbt__jw_str(w, "level", "info");
    gtbt__jw_int(w, "duration_ms", e->duration_ms);
    gtbt__jw_int(w, "exit_code", e->exit_code);
    gtbt__jw_str(w, "os_version", e->os_version);
    gtbt__jw_str(w, "runtime_version", e->runtime_version);
    gtbt__jw_str(w, "event_id", e->uuid);
    if (e->n_metadata) {
        gtbt__jw_key(w, "metadata");
        gtbt__jw_open(w, '{');
        for (k = 0; k < e->n_metadata; k++) gtbt__jw_str(w, e->metadata[k].key, e->metadata[k].value);
        gtbt__jw_close(w, '}');
    }
    gtbt__jw_close(w, '}');
    if (msg.oom || tags.oom) w->b->oom = 1;
    gtbt__buf_free(&msg);
    gtbt__buf_free(&tags);
}

static const char gtbt__posthog_builtin[][24] GTBT__TIGHT(char) = {
    "event_name", "tool_name", "tool_version", "$os", "arch", "duration_ms", "exit_code", "os_version",
    "runtime_version", "$lib", "$lib_version", "$process_person_profile", "$geoip_disable"};

/* PostHog batch capture: {"api_key","batch":[{event,distinct_id,timestamp,uuid,properties}],"sent_at"}. */
static size_t gtbt__posthog_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t i, k;
    char ts[40];
    w.b = b; w.first = 1;
    gtbt__jw_open(&w, '{');
    gtbt__jw_str(&w, "api_key", nb->api_key);
    gtbt__jw_key(&w, "batch");
    gtbt__jw_open(&w, '[');
    for (i = 0; i < n; i++) {
        const gtbt_event *e = &ev[i];
        gtbt__jw_item(&w);
        gtbt__jw_open(&w, '{');
        gtbt__jw_str(&w, "event", e->type);
        gtbt__jw_str(&w, "distinct_id", e->machine_id);
        gtbt__rfc3339(e->time_unix_ns, ts);
        gtbt__jw_str(&w, "timestamp", ts);
        gtbt__jw_str(&w, "uuid", e->uuid);
        gtbt__jw_key(&w, "properties");
        gtbt__jw_open(&w, '{');
        gtbt__jw_str(&w, "event_name", e->name);
        gtbt__jw_str(&w, "tool_name", e->tool_name);
        gtbt__jw_str(&w, "tool_version", e->version);
        gtbt__jw_str(&w, "$os", e->os);
        gtbt__jw_str(&w, "arch", e->arch);
        gtbt__jw_int(&w, "duration_ms", e->duration_ms);
        gtbt__jw_int(&w, "exit_code", e->exit_code);
        gtbt__jw_str(&w, "os_version", e->os_version);
        gtbt__jw_str(&w, "runtime_version", e->runtime_version);
        gtbt__jw_str(&w, "$lib", "gtb_telemetry");
        gtbt__jw_str(&w, "$lib_version", GTB_TELEMETRY_VERSION_STRING);
        gtbt__jw_key(&w, "$process_person_profile"); gtbt__buf_puts(b, "false");
        gtbt__jw_key(&w, "$geoip_disable"); gtbt__buf_puts(b, "true");
        for (k = 0; k < e->n_metadata; k++)   /* built-in keys win over metadata */
            if (!gtbt__is_builtin(e->metadata[k].key, gtbt__posthog_builtin[0], sizeof *gtbt__posthog_builtin, sizeof gtbt__posthog_builtin / sizeof *gtbt__posthog_builtin))
                gtbt__jw_str(&w, e->metadata[k].key, e->metadata[k].value);
        gtbt__jw_close(&w, '}');
        gtbt__jw_close(&w, '}');
    }
    gtbt__jw_close(&w, ']');
    gtbt__rfc3339(gtbt__realtime_ns(), ts);
    gtbt__jw_str(&w, "sent_at", ts);
    gtbt__jw_close(&w, '}');
    return n;
}

/* Datadog: a JSON array of at most 1000 entries and 5 MB; returns how many events it holds. */
static size_t gtbt__dd_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    gtbt__jw w;
    size_t count = 0;
    w.b = b; w.first = 1;
    gtbt__jw_open(&w, '[');
    while (count < n && count < GTBT__DD_MAX_ENTRIES) {
        size_t mark = b->len;
        int first = w.first;
        gtbt__jw_item(&w);
        gtbt__dd_entry(nb, &w, &ev[count]);
        if (b->len + 1 > GTBT__DD_MAX_BYTES && count > 0) { b->len = mark; w.first = first; break; }
        count++;
    }
    gtbt__jw_close(&w, ']');
    return count;
}

/* The generic format: the JSON array of gtbt_events_json. */
static size_t gtbt__http_body(gtbt__net_backend *nb, gtbt__buf *b, const gtbt_event *ev, size_t n) {
    (void)nb;
    gtbt__json_events(b, ev, n, 0);
    return n;
}

/* POSTs body and classifies the answer; sets retry_after_ms when the server asked to wait. */
static int gtbt__net_post(gtbt__net_backend *nb, const char *ua, const gtbt_kv *extra, size_t n_extra,
                          const gtbt__buf *body, int64_t deadline_ms) {
    gtbt__http_request rq;
    gtbt__http_response rs;
    gtbt_kv headers[1];
    int rc;
    if (body->oom) return GTBT_E_NOMEM;
    memset(&rq, 0, sizeof rq);
    memset(&rs, 0, sizeof rs);
    rq.url = nb->url;
    rq.content_type = "application/json";
    rq.user_agent = ua;
    if (n_extra) { headers[0] = extra[0]; rq.headers = headers; rq.n_headers = 1; }
    rq.body = body->p;
    rq.body_len = body->len;
    rq.net = &nb->net;
    rq.deadline_ms = deadline_ms;
    rc = gtbt__http_post(&rq, &rs, &nb->log);
    if (rc != GTBT_OK) {
        gtbt__logi(&nb->log, GTBT_LOGITEM_POST_FAILED, "POST to %s failed: %s", nb->info, gtbt_strerror(rc));
        return rc;
    }
    rc = gtbt__http_classify(rs.status, nb->kind == GTBT__NB_OTLP);
    if (rc == GTBT_E_HTTP_RETRY && rs.retry_after_ms > 0) nb->base.retry_after_ms = rs.retry_after_ms;
    if (rc != GTBT_OK)
        gtbt__logi(&nb->log, rs.status >= 300 && rs.status < 400 ? GTBT_LOGITEM_HTTP_REDIRECT : GTBT_LOGITEM_HTTP_REFUSED,
                   "%s answered HTTP %d%s", nb->info, rs.status,
                   rs.status >= 300 && rs.status < 400 ? " (redirects are not followed: fix the endpoint URL)" : "");
    gtbt__http_response_free(&rs);
    return rc;
}

/* The User-Agent, naming the tool of the batch's first event. */
static void gtbt__net_ua(gtbt__buf *ua, const char *tool, const char *version) {
    gtbt__buf_puts(ua, "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING);
    if (tool[0]) {   /* the event may come from an older run's spill file: cleaned */
        size_t at = ua->len;
        gtbt__buf_printf(ua, " (%.64s/%.128s)", tool, version);
        if (!ua->oom) gtbt__clean_ctl(ua->p + at + 1);
        if (!ua->oom) ua->len = strlen(ua->p);
    }
}

static int gtbt__net_send(gtbt_backend *self, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__net_backend *nb = (gtbt__net_backend *)self;
    gtbt__buf body, ua;
    gtbt_kv key;
    size_t i = 0;
    int rc = GTBT_OK;
    if (!n) return GTBT_OK;
    memset(&body, 0, sizeof body);
    memset(&ua, 0, sizeof ua);
    gtbt__net_ua(&ua, ev[0].tool_name, ev[0].version);
    key.key = nb->key_header;
    key.value = nb->api_key;
    while (i < n && rc == GTBT_OK) {   /* one request, or several where the format has a size cap */
        body.len = 0;
        i += nb->body(nb, &body, ev + i, n - i);
        rc = ua.oom ? GTBT_E_NOMEM : gtbt__net_post(nb, ua.p, &key, nb->key_header ? 1 : 0, &body, deadline_ms);
    }
    gtbt__buf_free(&body);
    gtbt__buf_free(&ua);
    return rc;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_http_backend(const gtbt_http_desc *desc) {
    gtbt__net_backend *nb;
    if (!desc) return NULL;
    if (!(nb = gtbt__net_backend_new(GTBT__NB_HTTP, gtbt__http_body, desc->endpoint, &desc->net, "HTTP endpoint"))) return NULL;
    gtbt__net_info(nb, "http", desc->endpoint);
    return &nb->base;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_otlp_backend(const gtbt_otlp_desc *desc) {
    gtbt__net_backend *nb;
    gtbt__buf url;
    size_t n, i;
    if (!desc || !desc->endpoint) return NULL;
    memset(&url, 0, sizeof url);
    n = strlen(desc->endpoint);
    while (n > 0 && desc->endpoint[n - 1] == '/') n--;   /* "https://c:4318/" -> ".../v1/logs" */
    gtbt__buf_put(&url, desc->endpoint, n);
    gtbt__buf_puts(&url, "/v1/logs");
    if (url.oom) { gtbt__buf_free(&url); return NULL; }
    {
        gtbt__log lg = gtbt__log_of_net(&desc->net);
        if (!n || n > GTBT__URL_MAX || gtbt__chr(desc->endpoint, '?') || gtbt__chr(desc->endpoint, '#')) {
            char shown[256];
            gtbt__url_display(desc->endpoint, shown, sizeof shown);
            gtbt__logi(&lg, GTBT_LOGITEM_OTLP_ENDPOINT_INVALID, "invalid OTLP endpoint \"%s\" (want a base URL such as https://collector:4318)", shown);
            gtbt__buf_free(&url);
            return NULL;
        }
        for (i = 0; i < desc->net.n_headers && desc->net.headers; i++) {
            const char *k = desc->net.headers[i].key ? desc->net.headers[i].key : "";
            if (!gtbt__ascii_ncasecmp(desc->endpoint, "http:", 5) &&
                (gtbt__find(k, "uth") || gtbt__find(k, "ey") || gtbt__find(k, "oken") || gtbt__find(k, "ecret") || !gtbt__ascii_casecmp(k, "cookie")))
                gtbt__logi(&lg, GTBT_LOGITEM_OTLP_HEADER_CREDENTIALS, "OTel header %s appears to carry credentials; ensure the exporter uses TLS", k);
        }
    }
    nb = gtbt__net_backend_new(GTBT__NB_OTLP, gtbt__otlp_body, url.p, &desc->net, "OTLP endpoint");
    gtbt__buf_free(&url);
    if (!nb) return NULL;
    nb->service_name = gtbt__strdup(desc->service_name);
    nb->service_version = gtbt__strdup(desc->service_version);
    if ((desc->service_name && !nb->service_name) || (desc->service_version && !nb->service_version)) {
        gtbt__net_backend_destroy(&nb->base);
        return NULL;
    }
    gtbt__net_info(nb, "otlp", desc->endpoint);
    return &nb->base;
}

static const struct { char name[4], url[52]; } gtbt__dd_regions[] GTBT__TIGHT(char) = {
    {"us1", "https://http-intake.logs.datadoghq.com/v1/input"},
    {"us3", "https://http-intake.logs.us3.datadoghq.com/v1/input"},
    {"us5", "https://http-intake.logs.us5.datadoghq.com/v1/input"},
    {"eu1", "https://http-intake.logs.datadoghq.eu/v1/input"},
    {"ap1", "https://http-intake.logs.ap1.datadoghq.com/v1/input"},
    {"ap2", "https://http-intake.logs.ap2.datadoghq.com/v1/input"},
    {"gov", "https://http-intake.logs.ddog-gov.com/v1/input"}};

GTB_TELEMETRY_API gtbt_datadog_region gtbt_datadog_region_from_name(const char *name) {
    int i;
    for (i = 0; name && i < 7; i++)
        if (!gtbt__ascii_casecmp(name, gtbt__dd_regions[i].name)) return (gtbt_datadog_region)i;
    return GTBT_DD_US1;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_datadog_backend(const gtbt_datadog_desc *desc) {
    gtbt__net_backend *nb;
    const char *url;
    gtbt__log lg;
    if (!desc) return NULL;
    lg = gtbt__log_of_net(&desc->net);
    if (!desc->api_key || !desc->api_key[0]) {
        gtbt__logi(&lg, GTBT_LOGITEM_DATADOG_NO_KEY, "Datadog backend needs gtbt_datadog_desc.api_key (e.g. from $DD_API_KEY)");
        return NULL;
    }
    url = desc->endpoint && desc->endpoint[0] ? desc->endpoint
        : gtbt__dd_regions[(unsigned)desc->region < 7 ? (unsigned)desc->region : 0].url;
    if (!(nb = gtbt__net_backend_new(GTBT__NB_DATADOG, gtbt__dd_body, url, &desc->net, "Datadog endpoint"))) return NULL;
    nb->key_header = "DD-API-KEY";
    nb->base.max_event_age_ms = GTBT__DD_MAX_AGE_MS;
    nb->api_key = gtbt__strdup(desc->api_key);
    nb->source = gtbt__strdup(desc->source && desc->source[0] ? desc->source : "gtb");
    if (!nb->api_key || !nb->source) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    if (!gtbt__key_ok(nb->api_key, &lg, "gtbt_datadog_desc.api_key")) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    gtbt__clean_ctl(nb->source);
    gtbt__net_info(nb, "datadog", url);
    return &nb->base;
}

GTB_TELEMETRY_API gtbt_posthog_instance gtbt_posthog_instance_from_name(const char *name) {
    return (name && !gtbt__ascii_casecmp(name, "eu")) ? GTBT_POSTHOG_EU : GTBT_POSTHOG_US;
}

GTB_TELEMETRY_API gtbt_backend *gtbt_posthog_backend(const gtbt_posthog_desc *desc) {
    gtbt__net_backend *nb;
    const char *url;
    gtbt__log lg;
    if (!desc) return NULL;
    lg = gtbt__log_of_net(&desc->net);
    if (!desc->project_key || !desc->project_key[0]) {
        gtbt__logi(&lg, GTBT_LOGITEM_POSTHOG_NO_KEY, "PostHog backend needs gtbt_posthog_desc.project_key (\"phc_...\")");
        return NULL;
    }
    url = desc->endpoint && desc->endpoint[0] ? desc->endpoint
        : desc->instance == GTBT_POSTHOG_EU ? "https://eu.i.posthog.com/capture/" : "https://us.i.posthog.com/capture/";
    if (!(nb = gtbt__net_backend_new(GTBT__NB_POSTHOG, gtbt__posthog_body, url, &desc->net, "PostHog endpoint"))) return NULL;
    if (!(nb->api_key = gtbt__strdup(desc->project_key))) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    if (!gtbt__key_ok(nb->api_key, &lg, "gtbt_posthog_desc.project_key")) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    gtbt__net_info(nb, "posthog", url);
    return &nb->base;
}

/* ---- what goes on the wire, shown to the user (debug mode, "telemetry show") ---- */
/* Appends s[0..n) with every occurrence of secret replaced by a mask that keeps only a public
   prefix such as "phc_". */
static void gtbt__put_masked(gtbt__buf *b, const char *s, size_t n, const char *secret) {
    size_t k = secret ? strlen(secret) : 0, i = 0, pre = 0;
    while (pre < k && pre < 4 && secret[pre] != '_') pre++;
    pre = (pre < k && pre < 4 && secret[pre] == '_') ? pre + 1 : 0;
    while (i < n) {
        if (k >= 4 && n - i >= k && !memcmp(s + i, secret, k)) {
            gtbt__buf_put(b, secret, pre);
            gtbt__buf_puts(b, "****");
            i += k;
        } else {
            gtbt__buf_putc(b, s[i++]);
        }
    }
}

static int gtbt__is_net_backend(const gtbt_backend *b) { return b && b->send == gtbt__net_send; }

/* Appends what backend be would do with ev[0..n): for a network backend each request exactly as
   it would be sent (method, URL, headers, body) with API keys and header values masked; for the
   local backends where the events go. */
static void gtbt__wire(const gtbt_backend *be, const gtbt_event *ev, size_t n, gtbt__buf *out) {
    if (gtbt__is_net_backend(be)) {
        gtbt__net_backend *nb = (gtbt__net_backend *)(uintptr_t)be;
        gtbt__buf body;
        char shown[GTBT__URL_MAX];
        size_t i = 0, k;
        memset(&body, 0, sizeof body);
        do {
            body.len = 0;
            i += nb->body(nb, &body, ev + i, n - i);
            gtbt__url_display(nb->url, shown, sizeof shown);   /* a query may hold a key: masked */
            gtbt__buf_printf(out, "POST %s%s\nContent-Type: application/json\nUser-Agent: gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING,
                             shown, gtbt__chr(nb->url, '?') ? "?****" : "");
            if (n && ev[0].tool_name[0]) gtbt__buf_printf(out, " (%s/%s)", ev[0].tool_name, ev[0].version);
            gtbt__buf_putc(out, '\n');
            if (nb->key_header) { gtbt__buf_printf(out, "%s: ", nb->key_header); gtbt__put_masked(out, nb->api_key, strlen(nb->api_key), nb->api_key); gtbt__buf_putc(out, '\n'); }
            for (k = 0; k < nb->net.n_headers; k++) gtbt__buf_printf(out, "%s: ****\n", nb->net.headers[k].key ? nb->net.headers[k].key : "");
            gtbt__buf_putc(out, '\n');
            if (body.p) gtbt__put_masked(out, body.p, body.len, nb->api_key);
            gtbt__buf_putc(out, '\n');
            if (body.oom) out->oom = 1;
        } while (i < n);
        gtbt__buf_free(&body);
    } else if (be && be->send == gtbt__file_send) {
        size_t i;
        gtbt__buf_printf(out, "appended to %s (nothing leaves this machine):\n", ((const gtbt__local_backend *)(const void *)be)->path);
        for (i = 0; i < n; i++) { gtbt__json_event_direct(out, &ev[i], NULL); gtbt__buf_putc(out, '\n'); }
    } else if (be && be->send == gtbt__noop_send) {
        gtbt__buf_puts(out, "nothing: these events would be discarded\n");
    } else if (!be) {
        gtbt__buf_puts(out, "nothing: no backend is configured; the events:\n");
        gtbt__json_events(out, ev, n, 1);
        gtbt__buf_putc(out, '\n');
    } else {
        gtbt__buf_printf(out, "handed to %s, which sends them in its own format; the events:\n",
                         be && be->info ? be->info : "the tool's own backend");
        gtbt__json_events(out, ev, n, 1);
        gtbt__buf_putc(out, '\n');
    }
}

/* Debug mode: prints the exact request the network backend would make to stderr, sends nothing. */
static int gtbt__debug_send(gtbt_backend *b, const gtbt_event *ev, size_t n, int64_t deadline_ms) {
    gtbt__local_backend *lb = (gtbt__local_backend *)b;
    gtbt__buf out;
    int rc = GTBT_OK;
    (void)deadline_ms;
    memset(&out, 0, sizeof out);
    gtbt__buf_printf(&out, "telemetry debug: nothing was sent; %zu event(s) would go as:\n", n);
    gtbt__wire(lb->inner, ev, n, &out);
    if (out.oom) rc = GTBT_E_NOMEM;
    else if (fwrite(out.p, 1, out.len, lb->out) != out.len || fflush(lb->out) != 0) rc = GTBT_E_IO;
    gtbt__buf_free(&out);
    return rc;
}

/* The debug backend over inner (borrowed; NULL = no network backend configured). */
static gtbt_backend *gtbt__debug_backend(gtbt_backend *inner, FILE *out) {
    gtbt__local_backend *lb = gtbt__local_new(gtbt__debug_send);
    if (!lb) return NULL;
    lb->out = out;
    lb->inner = inner;
    return &lb->base;
}

/* ---- the HTTP deletion requestor ---- */
typedef struct gtbt__http_deletion { gtbt_deletion base; gtbt__net_backend *nb; } gtbt__http_deletion;

static int gtbt__http_deletion_request(gtbt_deletion *d, const char *machine_id, int64_t deadline_ms) {
    gtbt__http_deletion *hd = (gtbt__http_deletion *)d;
    gtbt__buf body, ua;
    int rc;
    memset(&body, 0, sizeof body);
    memset(&ua, 0, sizeof ua);
    gtbt__buf_puts(&body, "{\"machine_id\":");
    gtbt__json_str(&body, machine_id ? machine_id : "");
    gtbt__buf_putc(&body, '}');
    gtbt__buf_puts(&ua, "gtb_telemetry/" GTB_TELEMETRY_VERSION_STRING);
    rc = gtbt__net_post(hd->nb, ua.p, NULL, 0, &body, deadline_ms);
    gtbt__buf_free(&body);
    gtbt__buf_free(&ua);
    return rc;
}

static void gtbt__http_deletion_destroy(gtbt_deletion *d) {
    gtbt__http_deletion *hd = (gtbt__http_deletion *)d;
    gtbt__net_backend_destroy(&hd->nb->base);
    gtbt__free(hd);
}

GTB_TELEMETRY_API gtbt_deletion *gtbt_http_deletion(const char *endpoint, const gtbt_net_desc *net) {
    gtbt__http_deletion *hd;
    gtbt__net_backend *nb = gtbt__net_backend_new(GTBT__NB_HTTP, gtbt__http_body, endpoint, net, "deletion endpoint");
    if (!nb) return NULL;
    if (!(hd = (gtbt__http_deletion *)gtbt__calloc(1, sizeof *hd))) { gtbt__net_backend_destroy(&nb->base); return NULL; }
    gtbt__net_info(nb, "http", endpoint);
    hd->nb = nb;
    hd->base.request = gtbt__http_deletion_request;
    hd->base.destroy = gtbt__http_deletion_destroy;
    hd->base.info = nb->info;
    return &hd->base;
}

// >>collector ------------------------------------------------------------------------------------
/* The data path, top to bottom in this and the next two sections:
     gtbt_track*      -> gtbt__record: redact, cut, pack one event into one block (this section)
     buffer           -> c->ev[0..n), at most max_buffer events, guarded by c->mu
     spill            -> gtbt__spill_locked: a full buffer becomes a file in the data dir (>>spill)
     flush            -> gtbt__flush: spill files first (claimed by rename), then the buffer
                         (>>delivery), all inside one deadline
     send             -> gtbt__send: the backend, behind the back-off kept on disk
     keep             -> gtbt__keep: what was not acknowledged goes back to disk (at-least-once) */
struct gtbt_collector {
    gtbt__mutex     mu;             /* guards the buffer, rng, withdrawn, spill sequence */
    gtbt__mutex     flush_mu;       /* one flush at a time; a backend never sends concurrently */
    int             active;         /* consent was given at gtbt_new; fixed for life */
    int             withdrawn;      /* disable/reset ran: inert from then on (under mu) */
    gtbt__log       log;
    gtbt_consent    consent;
    gtbt_desc       desc;           /* the tool's desc with every default filled in (gtbt__desc_defaults),
                                       a deep copy; config_dir and data_dir point at the arrays below,
                                       backend, deletion and metadata are NULL (owned below) */
    char            config_dir[GTBT__MAX_PATH], data_dir[GTBT__MAX_PATH];
    int             spill_ok;       /* data_dir is a private directory we may write spill files to */
    size_t          max_buffer;     /* desc.max_buffer */
    int             spill_failed;   /* a spill write failed (full disk): no more tries until the next flush */
    int             dir_made;       /* data_dir exists and is private: 1; could not be made: -1 (under mu) */
    int             no_tls;         /* the endpoint is https:// but this build has no TLS: keep, never send */
    gtbt_backend   *backend;        /* where events go; never NULL once built */
    gtbt_backend   *network;        /* the network backend (may equal backend), for reset */
    gtbt_deletion  *deletion;       /* desc->deletion, owned */
    char            info[GTBT__MAX_PATH + 64];
    char            machine_id[17], os_version[128];
    gtbt_kv        *metadata; size_t n_metadata;     /* redacted, truncated, sorted; owned */
    size_t         *meta_klen, *meta_vlen;
    gtbt_event     *ev; void **mem; size_t n;        /* the buffer: events and their blocks */
    struct gtbt__slab *slab;                         /* where the next event's block is carved */
    gtbt__rng       rng;
    uint64_t        spill_seq;
    int64_t         bo_until_unix_ms; int bo_failures; /* back-off of this backend */
    uint64_t        dropped;        /* events dropped because memory and disk were full */
    gtbt_detach     detach;         /* the desc's choice, or the environment's override */
    size_t          spill_parsed, spill_raw;   /* spilled events parsed, and sent as written (under flush_mu) */
};

/* The endpoint is https:// but this build has no TLS. Only a build without TLS ever sets no_tls: in a
   build with TLS this is a constant 0, and the code and texts for that case leave the binary. */
static int gtbt__no_tls(const gtbt_collector *c) { return !GTBT__TLS && c->no_tls; }

static void gtbt__spill_locked(gtbt_collector *c);

/* The names of gtbt_event_type, NUL-separated, and where each starts: GTBT__EVENT_TYPE(t). */
static const char gtbt__event_type_names[] GTBT__TIGHT(char) =
    "command.invocation\0command.error\0feature.used\0update.check\0update.applied\0data.deletion_request";
static const unsigned char gtbt__event_type_at[] GTBT__TIGHT(unsigned char) = {0, 19, 33, 46, 59, 74};
#define GTBT__EVENT_TYPE(t) (gtbt__event_type_names + gtbt__event_type_at[t])

/* A borrowed byte string. */
typedef struct gtbt__str { const char *p; size_t n; } gtbt__str;

/* Length of s, looking at no more than max bytes (hostile megabyte strings cost nothing). */
static size_t gtbt__strnlen(const char *s, size_t max) {
    const char *z = (const char *)memchr(s, 0, max);
    return z ? (size_t)(z - s) : max;
}

/* Redaction input is capped: a value is cut to this before redaction, and to its limit after. */
#define GTBT__REDACT_INPUT_MAX (64 * 1024)

/* gtbt__clean for a value the short scan did not rule out: its length (n, or to be counted when
   n is GTBT__RX_SHORT_MAX) and, when needed, its redaction into tmp. */
static gtbt__str gtbt__clean_long(const char *v, size_t n, size_t max, gtbt__buf *tmp) {
    gtbt__str s;
    s.p = v;
    s.n = n < GTBT__RX_SHORT_MAX ? n : gtbt__strnlen(v, GTBT__REDACT_INPUT_MAX);
    if (gtbt__redact_needed(s.p, s.n)) {
        gtbt__redact_impl(s.p, s.n, tmp);
        if (tmp->oom) { s.p = ""; s.n = 0; return s; }   /* never record what could not be redacted */
        s.p = tmp->p;
        s.n = tmp->len;
    }
    s.n = gtbt__utf8_cut(s.p, s.n, max);
    return s;
}

/* A metadata value, argument or error as it will be recorded: redacted, then cut to max bytes on
   a UTF-8 boundary. tmp holds the redacted copy when one was needed (caller frees). A short value
   costs one pass: its length and byte classes, no redaction when they rule it out. */
static gtbt__str gtbt__clean(const char *v, size_t max, gtbt__buf *tmp) {
    gtbt__str s;
    const unsigned char *u = (const unsigned char *)(v ? v : "");
    unsigned any = 0;
    size_t i;
    for (i = 0; i < GTBT__RX_SHORT_MAX; i += 2) {   /* two bytes a step (the maximum is even) */
        unsigned a = u[i], b;
        if (!a) break;
        b = u[i + 1];                                /* a is not the NUL: u[i + 1] is in the string */
        any |= gtbt__rx_ct[a];
        if (!b) { i++; break; }
        any |= gtbt__rx_ct[b];
    }
    if (i < GTBT__RX_SHORT_MAX && gtbt__redact_short(i, any)) {
        s.p = (const char *)u;
        s.n = gtbt__utf8_cut(s.p, i, max);
        return s;
    }
    return gtbt__clean_long((const char *)u, i, max, tmp);
}

/* An argument that a previous one announced as secret ("--password VALUE", "--token VALUE",
   "-u user:pass"): the value becomes "***", or "user:***" after -u/--user; a value that starts
   with "--" is the next flag and is cleaned as usual. announced is what gtbt__arg_announces said. */
static gtbt__str gtbt__clean_arg(const char *v, int announced, gtbt__buf *tmp) {
    gtbt__str s;
    const char *colon;
    int flag = v && v[0] == '-' && v[1] == '-';
    if (v && v[0] && !flag && announced == GTBT__RX_K_USER && (colon = gtbt__chr(v, ':')) != NULL) {
        gtbt__buf_put(tmp, v, gtbt__utf8_cut(v, (size_t)(colon - v) + 1, GTBT__MAX_VALUE - 3));
        gtbt__buf_puts(tmp, "***");
        if (tmp->oom) { s.p = ""; s.n = 0; return s; }
        s.p = tmp->p;
        s.n = tmp->len;
        return s;
    }
    if (v && v[0] && !flag && announced && announced != GTBT__RX_K_USER) { s.p = "***"; s.n = 3; return s; }
    return gtbt__clean(v, GTBT__MAX_VALUE, tmp);
}

/* What a flag argument without '=' announces about the next one (GTBT__RX_K_*, 0 for nothing). */
static int gtbt__arg_announces(const char *a) {
    size_t n;
    if (!a || a[0] != '-') return 0;
    n = gtbt__strnlen(a, GTBT__RX_KEY_MAX + 3);
    if (n > GTBT__RX_KEY_MAX + 2 || memchr(a, '=', n)) return 0;
    return gtbt__rx_secret_key((const unsigned char *)a, n);
}

/* A metadata key as recorded: cut to GTBT__MAX_KEY bytes on a UTF-8 boundary. */
static gtbt__str gtbt__key_cut(const char *v) {
    gtbt__str s;
    s.p = v ? v : "";
    s.n = gtbt__utf8_cut(s.p, gtbt__strnlen(s.p, GTBT__MAX_KEY + 4), GTBT__MAX_KEY);
    return s;
}

/* Pairs being merged. A pair's key and value are copied into text as they are scanned (each
   NUL-terminated), so an event's pairs are moved into its block with one copy; a string that does
   not fit there (text is full, or the collector's metadata) stays borrowed, its bit set in
   outside_key/outside_value, and is copied on its own. A slot whose value had to be redacted owns
   one of the tmp buffers (tmp_of[slot]; -1 for none), reused when the key comes again. word[slot]
   is the key's first 7 bytes as a big-endian number, zero padded (a key that is a prefix of another
   is smaller, as with strcmp), above the slot: what gtbt__pairs_order sorts. */
#define GTBT__PAIRS_TEXT 2048
typedef struct gtbt__pairs {
    gtbt__str key[GTBT__MAX_PAIRS], value[GTBT__MAX_PAIRS];
    uint64_t word[GTBT__MAX_PAIRS + 1];
    int tmp_of[GTBT__MAX_PAIRS];
    size_t n, dropped;
    gtbt__buf tmp[GTBT__MAX_PAIRS];   /* redacted copies; only the first ntmp are initialised */
    size_t ntmp;
    uint64_t spare[GTBT__MAX_PAIRS + 1];
    const uint64_t *order;            /* the words of the pairs to write, in key order (gtbt__pairs_order) */
    size_t n_order;
    uint64_t outside_key, outside_value;   /* bit i: key[i] / value[i] is not in text */
    size_t outside;                   /* bytes of the strings outside text, with their NULs: a bound */
    size_t used;
    char text[GTBT__PAIRS_TEXT];
} gtbt__pairs;

typedef char gtbt__pairs_fit_the_masks[GTBT__MAX_PAIRS <= 64 ? 1 : -1];

/* Byte order of two keys (strcmp's order: keys hold no NUL). */
static int gtbt__key_cmp(gtbt__str a, gtbt__str b) {
    size_t i, n = a.n < b.n ? a.n : b.n;
    for (i = 0; i < n; i++)
        if (a.p[i] != b.p[i]) return (unsigned char)a.p[i] < (unsigned char)b.p[i] ? -1 : 1;
    return (a.n > b.n) - (a.n < b.n);
}

static int gtbt__key_eq(gtbt__str a, gtbt__str b) { return a.n == b.n && !memcmp(a.p, b.p, a.n); }

/* memcpy for the short strings of an event: fixed-size moves (inlined) instead of a call. */
static void gtbt__copy_small(char *d, const char *s, size_t n) {
    if (n > 16) memcpy(d, s, n);
    else if (n >= 8) { memcpy(d, s, 8); memcpy(d + n - 8, s + n - 8, 8); }
    else if (n >= 4) { memcpy(d, s, 4); memcpy(d + n - 4, s + n - 4, 4); }
    else if (n) { d[0] = s[0]; d[n >> 1] = s[n >> 1]; d[n - 1] = s[n - 1]; }
}

/* A key's sort word without its slot (see gtbt__pairs). */
static uint64_t gtbt__key_word(gtbt__str k) {
    uint64_t w = 0;
    size_t i;
    for (i = 0; i < 7; i++) w = w << 8 | (i < k.n ? (unsigned char)k.p[i] : 0);
    return w << 8;
}

/* A borrowed key or value of slot i (not in text). */
static void gtbt__pairs_outside(gtbt__pairs *ps, size_t i, int value, gtbt__str s) {
    uint64_t bit = (uint64_t)1 << i;
    if (value) { ps->value[i] = s; ps->outside_value |= bit; }
    else { ps->key[i] = s; ps->outside_key |= bit; }
    ps->outside += s.n + 1;
}

/* Puts a key (value 0) or a value (value 1) of slot i into text when it fits, else borrows it. */
static void gtbt__pairs_put(gtbt__pairs *ps, size_t i, int value, gtbt__str s) {
    if (s.n < sizeof ps->text - ps->used) {
        char *t = ps->text + ps->used;
        gtbt__copy_small(t, s.p, s.n);
        t[s.n] = 0;
        s.p = t;
        ps->used += s.n + 1;
        if (value) { ps->value[i] = s; ps->outside_value &= ~((uint64_t)1 << i); }
        else { ps->key[i] = s; ps->outside_key &= ~((uint64_t)1 << i); }
    } else {
        gtbt__pairs_outside(ps, i, value, s);
    }
}

/* Adds or overrides (same key: the later pair wins) one pair; the value is redacted. */
static void gtbt__pairs_add(gtbt__pairs *ps, const char *key, const char *value) {
    gtbt__str k = gtbt__key_cut(key);
    gtbt__buf *tmp;
    size_t i;
    int t;
    if (!k.n) return;
    for (i = 0; i < ps->n && !gtbt__key_eq(ps->key[i], k); i++) {}
    if (i == ps->n) {
        if (ps->n == GTBT__MAX_PAIRS) { ps->dropped++; return; }
        ps->tmp_of[i] = -1;
        ps->word[i] = gtbt__key_word(k) | i;
        gtbt__pairs_put(ps, i, 0, k);
        ps->n++;
    }
    t = ps->tmp_of[i] >= 0 ? ps->tmp_of[i] : (int)ps->ntmp;
    tmp = &ps->tmp[t];
    if (ps->tmp_of[i] >= 0) { tmp->len = 0; tmp->oom = 0; }
    else memset(tmp, 0, sizeof *tmp);
    gtbt__pairs_put(ps, i, 1, gtbt__clean(value, GTBT__MAX_VALUE, tmp));
    if (tmp->p && ps->tmp_of[i] < 0) { ps->tmp_of[i] = t; ps->ntmp++; }
}

/* The next tmp buffer, empty; it is kept (ntmp counts it) once a redaction wrote into it. */
static gtbt__buf *gtbt__pairs_tmp(gtbt__pairs *ps) {
    gtbt__buf *tmp = &ps->tmp[ps->ntmp];
    tmp->p = NULL; tmp->len = tmp->cap = 0; tmp->oom = 0;
    return tmp;
}

/* gtbt__pairs_append for a pair that text has no room for: key and value are borrowed. */
static void gtbt__pairs_append_outside(gtbt__pairs *ps, const char *key, const char *value) {
    size_t i = ps->n;
    gtbt__str ks = gtbt__key_cut(key);
    gtbt__buf *tmp;
    if (!ks.n) return;
    ps->word[i] = gtbt__key_word(ks) | i;
    gtbt__pairs_outside(ps, i, 0, ks);
    tmp = gtbt__pairs_tmp(ps);
    gtbt__pairs_outside(ps, i, 1, gtbt__clean(value, GTBT__MAX_VALUE, tmp));
    if (tmp->p) ps->ntmp++;
    ps->n++;
}

/* Appends the pairs of a call without looking keys up (gtbt__pairs_order settles duplicates); the
   caller makes sure there are slots for all. One pass over a key copies it into text, cut to
   GTBT__MAX_KEY bytes on a UTF-8 boundary, and makes its sort word; one over a short value copies
   it and rules out redaction (as gtbt__clean does); a longer value is cleaned on its own. */
static void gtbt__pairs_append(gtbt__pairs *ps, const gtbt_kv *kv, size_t nkv) {
    size_t i = ps->n, used = ps->used, e;
    for (e = 0; e < nkv; e++) {
        const unsigned char *k = (const unsigned char *)kv[e].key, *u = (const unsigned char *)kv[e].value;
        char *t = ps->text + used;
        unsigned any = 0;
        size_t n, j;
        if (!k) continue;
        if (sizeof ps->text - used < GTBT__MAX_KEY + GTBT__RX_SHORT_MAX + 4) {   /* text is full: borrow */
            ps->n = i;
            gtbt__pairs_append_outside(ps, kv[e].key, kv[e].value);
            i = ps->n;
            continue;
        }
        memset(t, 0, 8);                                 /* the word's bytes past a short key */
        for (n = 0; n <= GTBT__MAX_KEY; n += 4) {        /* four bytes a step; past GTBT__MAX_KEY: cut */
            unsigned b0 = k[n], b1, b2, b3;
            t[n] = (char)b0;
            if (!b0) break;
            b1 = k[n + 1]; t[n + 1] = (char)b1;
            if (!b1) { n += 1; break; }
            b2 = k[n + 2]; t[n + 2] = (char)b2;
            if (!b2) { n += 2; break; }
            b3 = k[n + 3]; t[n + 3] = (char)b3;
            if (!b3) { n += 3; break; }
        }
        if (!n) continue;
        {
            const unsigned char *w = (const unsigned char *)t;
            ps->word[i] = ((uint64_t)w[0] << 56 | (uint64_t)w[1] << 48 | (uint64_t)w[2] << 40 | (uint64_t)w[3] << 32 |
                           (uint64_t)w[4] << 24 | (uint64_t)w[5] << 16 | (uint64_t)w[6] << 8 | (uint64_t)w[7]) >> 8 << 8 | i;
        }
        if (n > GTBT__MAX_KEY) n = gtbt__utf8_cut((const char *)k, n, GTBT__MAX_KEY);
        t[n] = 0;
        ps->key[i].p = t;
        ps->key[i].n = n;
        t += n + 1;
        used += n + 1;
        if (!u) u = (const unsigned char *)"";
        for (j = 0; j < GTBT__RX_SHORT_MAX; j += 4) {   /* four bytes a step (the maximum is a multiple of 4) */
            unsigned b0 = u[j], b1, b2, b3;
            t[j] = (char)b0;
            if (!b0) break;
            b1 = u[j + 1]; t[j + 1] = (char)b1;            /* b0 is not the NUL: u[j + 1] is in the string */
            any |= gtbt__rx_ct[b0];
            if (!b1) { j += 1; break; }
            b2 = u[j + 2]; t[j + 2] = (char)b2;
            any |= gtbt__rx_ct[b1];
            if (!b2) { j += 2; break; }
            b3 = u[j + 3]; t[j + 3] = (char)b3;
            any |= gtbt__rx_ct[b2];
            if (!b3) { j += 3; break; }
            any |= gtbt__rx_ct[b3];
        }
        if (j < GTBT__RX_SHORT_MAX && gtbt__redact_short(j, any)) {   /* short, nothing to redact: copied */
            ps->value[i].p = t;
            ps->value[i].n = j;
            used += j + 1;
        } else {
            gtbt__buf *tmp = gtbt__pairs_tmp(ps);
            ps->used = used;
            gtbt__pairs_put(ps, i, 1, gtbt__clean_long((const char *)u, j, GTBT__MAX_VALUE, tmp));
            used = ps->used;
            if (tmp->p) ps->ntmp++;   /* freed by gtbt__pairs_free; no key is looked up again here */
        }
        i++;
    }
    ps->n = i;
    ps->used = used;
}

/* Merges the sorted runs a[lo, mid) and a[mid, hi) into b[lo, hi). The run whose last word is
   smaller runs out first, so one bound is checked per word. */
static void gtbt__words_merge(const uint64_t *a, uint64_t *b, size_t lo, size_t mid, size_t hi) {
    size_t x = lo, y = mid, o = lo;
    if (a[mid - 1] < a[hi - 1]) {
        while (x < mid) { uint64_t ax = a[x], ay = a[y]; int t = ay < ax; b[o++] = t ? ay : ax; x += (size_t)!t; y += (size_t)t; }
        while (y < hi) b[o++] = a[y++];
    } else {
        while (y < hi) { uint64_t ax = a[x], ay = a[y]; int t = ay < ax; b[o++] = t ? ay : ax; x += (size_t)!t; y += (size_t)t; }
        while (x < mid) b[o++] = a[x++];
    }
}

/* Sorts a[0..n) (distinct words, n <= GTBT__MAX_PAIRS) into ascending order; b is scratch of n
   words. A natural merge sort: the runs the words come in (ascending, or descending and then
   reversed) are found in one pass, each extended to at least 8 words by insertion, and merged
   pairwise; keys given sorted, reversed or as a few sorted groups cost about one pass. Returns
   the array that holds the result. */
static uint64_t *gtbt__words_sort(uint64_t *a, uint64_t *b, size_t n) {
    unsigned char run[GTBT__MAX_PAIRS + 1];   /* where each run starts; run[nr] is n */
    size_t nr = 0, i = 0, r, m, e;
    uint64_t *sw;
    while (i < n) {
        size_t s = i++;
        if (i < n && a[i] < a[i - 1]) {
            size_t x, y;
            while (i < n && a[i] < a[i - 1]) i++;
            for (x = s, y = i - 1; x < y; x++, y--) { uint64_t t = a[x]; a[x] = a[y]; a[y] = t; }
        } else {
            while (i < n && a[i] > a[i - 1]) i++;
        }
        for (e = gtbt__min(s + 8, n); i < e; i++) {   /* a short run: the next words inserted */
            uint64_t x = a[i];
            size_t q = i;
            if (x < a[s]) {                   /* the smallest yet: to the front */
                for (; q > s; q--) a[q] = a[q - 1];
            } else {                          /* a[s] stops the walk */
                for (; a[q - 1] > x; q--) a[q] = a[q - 1];
            }
            a[q] = x;
        }
        run[nr++] = (unsigned char)s;
    }
    run[nr] = (unsigned char)n;
    while (nr > 1) {
        for (r = 0, m = 0; r < nr; r += 2) {
            size_t lo = run[r], mid = run[r + 1];
            if (r + 2 <= nr) gtbt__words_merge(a, b, lo, mid, run[r + 2]);
            else memcpy(b + lo, a + lo, (mid - lo) * sizeof *a);
            run[m++] = (unsigned char)lo;
        }
        run[m] = (unsigned char)n;
        nr = m;
        sw = a; a = b; b = sw;
    }
    return a;
}

/* The pairs to write (order, n_order; a word's low byte is its slot): by key in byte order (Go's
   map order), and of equal keys only the one added last (a later pair overrides). The words as
   they are when the keys came sorted and unique. Else they are sorted: plain integer compares,
   and keys with the same first 7 bytes stay in the order they came (the slot is the low byte);
   such runs, when there are any, are then ordered by their whole keys and the last of equal keys
   kept. O(n log n), no allocation. */
static void gtbt__pairs_order(gtbt__pairs *ps) {
    uint64_t *a;
    size_t n = ps->n, i, j, m, o;
    ps->order = ps->word;
    ps->n_order = n;
    for (i = 1; i < n && ps->word[i - 1] >> 8 < ps->word[i] >> 8; i++) {}
    if (i < n) for (i = 1; i < n && gtbt__key_cmp(ps->key[i - 1], ps->key[i]) < 0; i++) {}
    if (i >= n) return;
    a = gtbt__words_sort(ps->word, ps->spare, n);
    ps->order = a;
    for (i = 1; i < n && (a[i] ^ a[i - 1]) > 255; i++) {}
    if (i >= n) return;   /* no two keys share their first 7 bytes */
    a[n] = 0;   /* a sentinel: no key's word is 0 above a slot, as no key is empty */
    for (i = 0, o = 0; i < n; i++) {   /* o <= i: the kept words move down in place */
        if (a[i + 1] >> 8 == a[i] >> 8) {   /* a run sharing 7 bytes, in the order the keys came */
            for (j = i + 2; j < n && a[j] >> 8 == a[i] >> 8; j++) {}
            for (m = i + 1; m < j; m++) {   /* insertion sort by the whole key: stable */
                uint64_t x = a[m];
                size_t q;
                for (q = m; q > i && gtbt__key_cmp(ps->key[a[q - 1] & 255], ps->key[x & 255]) > 0; q--) a[q] = a[q - 1];
                a[q] = x;
            }
            for (; i < j - 1; i++)    /* equal keys are adjacent, in the order they came: keep the last */
                if (!gtbt__key_eq(ps->key[a[i] & 255], ps->key[a[i + 1] & 255])) a[o++] = a[i];
        }
        a[o++] = a[i];
    }
    ps->n_order = o;
}

static void gtbt__pairs_free(gtbt__pairs *ps) {
    size_t i;
    for (i = 0; i < ps->ntmp; i++) gtbt__buf_free(&ps->tmp[i]);
    ps->ntmp = 0;
}

/* Sorts pairs by key in byte order (Go's map order), insertion sort: n is small. */
static void gtbt__kv_sort(gtbt_kv *kv, size_t n) {
    size_t i, j;
    for (i = 1; i < n; i++) {
        gtbt_kv x = kv[i];
        for (j = i; j > 0 && strcmp(kv[j - 1].key, x.key) > 0; j--) kv[j] = kv[j - 1];
        kv[j] = x;
    }
}

/* Everything gtbt_track* hand over. */
typedef struct gtbt__rec {
    const char *type, *name, *error;
    int64_t duration_ms;
    int exit_code, argc;
    const char *const *argv;
    const gtbt_kv *extra; size_t n_extra;
} gtbt__rec;

/* An event being recorded: its strings cleaned (redacted, cut), not yet copied. */
typedef struct gtbt__draft {
    gtbt__pairs ps;
    gtbt__str name, err, args[GTBT__MAX_ARGS];
    size_t nargs;
    gtbt__buf tmp[GTBT__MAX_ARGS + 2];   /* redacted copies of the name, the arguments and the error */
    size_t ntmp;
} gtbt__draft;

/* Cleans what gtbt_track* hand over: the collector's metadata, then the call's pairs (redacted;
   a later key wins), the name, and with extended collection the arguments and the error. */
static void gtbt__draft_make(const gtbt_collector *c, const gtbt__rec *r, gtbt__draft *d) {
    gtbt__pairs *ps = &d->ps;
    size_t i;
    int announced = 0;         /* what the previous argument said about this one (--password) */
    ps->n = ps->dropped = ps->ntmp = ps->used = ps->outside = 0;
    ps->outside_key = ps->outside_value = 0;
    for (i = 0; i < c->n_metadata; i++) {
        gtbt__str k, v;
        k.p = c->metadata[i].key;   k.n = c->meta_klen[i];
        v.p = c->metadata[i].value; v.n = c->meta_vlen[i];
        ps->tmp_of[i] = -1;
        ps->word[i] = gtbt__key_word(k) | i;
        gtbt__pairs_put(ps, i, 0, k);
        gtbt__pairs_put(ps, i, 1, v);
    }
    ps->n = c->n_metadata;
    if (!r->extra || c->n_metadata + r->n_extra <= GTBT__MAX_PAIRS) { /* room for all: append, then sort once */
        if (r->extra) gtbt__pairs_append(ps, r->extra, r->n_extra);
    } else { /* more pairs than an event holds: the first distinct keys are kept, the rest counted */
        for (i = 0; i < r->n_extra; i++)
            if (r->extra[i].key) gtbt__pairs_add(ps, r->extra[i].key, r->extra[i].value);
    }
    gtbt__pairs_order(ps);
    d->err.p = ""; d->err.n = 0;
    d->nargs = d->ntmp = 0;
    memset(&d->tmp[0], 0, sizeof d->tmp[0]);
    d->name = gtbt__clean(r->name, GTBT__MAX_NAME, &d->tmp[0]);   /* a name can carry a path or a token too */
    if (d->tmp[0].p) d->ntmp++;
    if (!c->desc.extended_collection) return;
    for (i = 0; r->argv && (int)i < r->argc && i < GTBT__MAX_ARGS; i++) {
        memset(&d->tmp[d->ntmp], 0, sizeof d->tmp[0]);
        d->args[d->nargs++] = gtbt__clean_arg(r->argv[i], announced, &d->tmp[d->ntmp]);
        if (d->tmp[d->ntmp].p) d->ntmp++;
        announced = gtbt__arg_announces(r->argv[i]);
    }
    memset(&d->tmp[d->ntmp], 0, sizeof d->tmp[0]);
    d->err = gtbt__clean(r->error, GTBT__MAX_VALUE, &d->tmp[d->ntmp]);
    if (d->tmp[d->ntmp].p) d->ntmp++;
}

static void gtbt__draft_free(gtbt__draft *d) {
    size_t i;
    gtbt__pairs_free(&d->ps);
    for (i = 0; i < d->ntmp; i++) gtbt__buf_free(&d->tmp[i]);
}

/* ---- event blocks, carved from slabs ----
   Each buffered event lives in one block: its pairs, argument pointers, uuid and strings. Events
   leave the buffer in about the order they came (sent, spilled or dropped from the front), so
   blocks are carved one after another from a slab of GTBT__SLAB_SIZE bytes, and a slab is freed
   when its last block is: one allocation per slab instead of one per event. A block larger than a
   slab gets a slab of its own. Used under c->mu. */
#define GTBT__SLAB_SIZE (16 * 1024)

typedef union gtbt__block_head { struct gtbt__slab *slab; void *p; uint64_t u; double d; } gtbt__block_head;
typedef struct gtbt__slab { size_t live, used, cap; gtbt__block_head align; } gtbt__slab;   /* then cap bytes */

#define GTBT__BLOCK_ROUND(n) (((n) + sizeof(gtbt__block_head) - 1) / sizeof(gtbt__block_head) * sizeof(gtbt__block_head))

static void *gtbt__block_alloc(gtbt_collector *c, size_t n) {
    size_t need = GTBT__BLOCK_ROUND(n) + sizeof(gtbt__block_head);
    gtbt__slab *s = c->slab;
    gtbt__block_head *h;
    if (need < n) return NULL;
    if (!s || s->cap - s->used < need) {
        size_t cap = need > GTBT__SLAB_SIZE ? need : GTBT__SLAB_SIZE;
        if (cap > (size_t)-1 - sizeof *s || !(s = (gtbt__slab *)gtbt__malloc(sizeof *s + cap))) return NULL;
        s->live = s->used = 0;
        s->cap = cap;
        if (need <= GTBT__SLAB_SIZE) {       /* the new slab is carved from next; the old one goes when empty */
            if (c->slab && !c->slab->live) gtbt__free(c->slab);
            c->slab = s;
        }
    }
    h = (gtbt__block_head *)(void *)((char *)(s + 1) + s->used);
    h->slab = s;
    s->used += need;
    s->live++;
    return h + 1;
}

static void gtbt__block_free(gtbt_collector *c, void *p) {
    gtbt__slab *s;
    if (!p) return;
    s = ((gtbt__block_head *)p - 1)->slab;
    if (--s->live) return;
    if (s == c->slab) s->used = 0;          /* empty: carved again from its start */
    else gtbt__free(s);
}

/* Packs a draft into e: one block holds its pairs (in key order), argument pointers and every
   string, with room for the uuid. Returns the block, NULL when out of memory. Called with c->mu
   held (the slab is the collector's). */
static void *gtbt__event_pack(gtbt_collector *c, const gtbt__rec *r, const gtbt__draft *d, gtbt_event *e) {
    const gtbt__pairs *ps = &d->ps;
    size_t i, total, nkv = ps->n_order;
    char *block, *p, *text;
    gtbt_kv *kv;
    const char **argp;
    total = nkv * sizeof(gtbt_kv) + d->nargs * sizeof(char *) + 37 + d->name.n + 1 + d->err.n + 1 + ps->used + ps->outside;
    for (i = 0; i < d->nargs; i++) total += d->args[i].n + 1;
    block = (char *)gtbt__block_alloc(c, total);
    if (!block) return NULL;
    kv = (gtbt_kv *)(void *)block;
    argp = (const char **)(void *)(block + nkv * sizeof(gtbt_kv));
    text = block + nkv * sizeof(gtbt_kv) + d->nargs * sizeof(char *);
    memcpy(text, ps->text, ps->used);   /* the pairs' keys and values, NUL-terminated, in one move */
    p = text + ps->used;
    e->uuid = p; p += 37;
#define GTBT__PUT(dst, s) do { gtbt__copy_small(p, (s).p, (s).n); p[(s).n] = 0; (dst) = p; p += (s).n + 1; } while (0)
    GTBT__PUT(e->name, d->name);
    GTBT__PUT(e->error, d->err);
    if (!(ps->outside_key | ps->outside_value)) {   /* every key and value is in text */
        const uint64_t *order = ps->order;
        for (i = 0; i < nkv; i++) {
            size_t x = (size_t)(order[i] & 255);
            kv[i].key = text + (ps->key[x].p - ps->text);
            kv[i].value = text + (ps->value[x].p - ps->text);
        }
    } else {
        const char *base = ps->text;
        uint64_t ok = ps->outside_key, ov = ps->outside_value;
        for (i = 0; i < nkv; i++) {
            size_t x = (size_t)(ps->order[i] & 255);
            const char *kp, *vp;
            if (ok >> x & 1) GTBT__PUT(kp, ps->key[x]);
            else kp = text + (ps->key[x].p - base);
            if (ov >> x & 1) GTBT__PUT(vp, ps->value[x]);
            else vp = text + (ps->value[x].p - base);
            kv[i].key = kp;
            kv[i].value = vp;
        }
    }
    for (i = 0; i < d->nargs; i++) GTBT__PUT(argp[i], d->args[i]);
#undef GTBT__PUT
    e->type = r->type;
    e->machine_id = c->machine_id;
    e->tool_name = c->desc.tool_name;
    e->version = c->desc.version;
    e->os = GTBT__OS;
    e->arch = GTBT__ARCH;
    e->os_version = c->os_version;
    e->runtime_version = GTBT__RUNTIME;
    e->duration_ms = r->duration_ms;
    e->exit_code = r->exit_code;
    e->args = d->nargs ? argp : NULL;
    e->n_args = d->nargs;
    e->metadata = nkv ? kv : NULL;
    e->n_metadata = nkv;
    e->time_unix_ns = gtbt__realtime_ns();
    return block;
}

/* Records one event: cleaned outside the lock, then packed straight into the buffer's next slot
   with a fresh uuid. An event that finds the buffer full first spills it (so a run of exactly
   max_buffer events writes nothing to disk). Nothing is recorded once telemetry was withdrawn. */
static void gtbt__record(gtbt_collector *c, const gtbt__rec *r) {
    gtbt__draft d;
    void *block = NULL;
    int withdrawn;
    if (!c || !c->active) return;
    gtbt__draft_make(c, r, &d);
    gtbt__mutex_lock(&c->mu);
    withdrawn = c->withdrawn;
    if (!withdrawn) {
        if (c->n >= c->max_buffer) gtbt__spill_locked(c);   /* leaves at most max_buffer - 1 */
        block = gtbt__event_pack(c, r, &d, &c->ev[c->n]);
        if (block) {
            gtbt__uuid4(&c->rng, (char *)(uintptr_t)c->ev[c->n].uuid);
            c->mem[c->n++] = block;
        }
    }
    gtbt__mutex_unlock(&c->mu);
    if (!block && !withdrawn)
        gtbt__logi(&c->log, GTBT_LOGITEM_TRACK_NOMEM, "out of memory; event \"%.*s\" not recorded",
                   (int)d.name.n, d.name.p);
    if (d.ps.dropped) gtbt__logi(&c->log, GTBT_LOGITEM_METADATA_DROPPED, "more than %d metadata pairs; %zu dropped",
                                 GTBT__MAX_PAIRS, d.ps.dropped);
    gtbt__draft_free(&d);
}

// >>spill -----------------------------------------------------------------------------------------
/* ---- spill files: atomic (temp name, then rename), claimed by renaming before a send ----
   Ready:   telemetry-spill-<unix_ns>-<pid>-<n>.ndjson        (names sort oldest first)
   Claimed: telemetry-spill-<...>.ndjson.sending-<pid>         (being sent by that process)
   Writing: .telemetry-spill-<...>.ndjson.tmp                   (renamed when complete) */
#define GTBT__SPILL_PREFIX  "telemetry-spill-"
/* What the data-directory warnings say happens (one copy of the text in the binary). */
#define GTBT__NO_SPILL "events will not be spilled to disk"
#define GTBT__SPILL_SUFFIX  ".ndjson"
#define GTBT__CLAIM_MARK    ".ndjson.sending-"

static int gtbt__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

/* The pid in "...-<pid>-<n>.ndjson..." of a spill name, or 0. */
static int gtbt__spill_name_pid(const char *name) {
    const char *p = name + strlen(GTBT__SPILL_PREFIX), *dash;
    long long pid;
    if (gtbt__ncmp(name, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) != 0) return 0;
    dash = gtbt__chr(p, '-');
    if (!dash) return 0;
    pid = gtbt__dec(dash + 1, NULL);
    return (pid > 0 && pid < INT_MAX) ? (int)pid : 0;
}

typedef struct gtbt__names { char **v; size_t n, cap; } gtbt__names;

static void gtbt__names_free(gtbt__names *ns) {
    size_t i;
    for (i = 0; i < ns->n; i++) gtbt__free(ns->v[i]);
    gtbt__free(ns->v);
    memset(ns, 0, sizeof *ns);
}
static int gtbt__names_add(gtbt__names *ns, const char *name) {
    char *d;
    if (!gtbt__grow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v)) return 0;
    if (!(d = gtbt__strdup(name))) return 0;
    ns->v[ns->n++] = d;
    return 1;
}

#define GTBT__BACKOFF_PREFIX "telemetry-backoff-"
static int gtbt__backoff_path(const gtbt_collector *c, char *out, size_t cap);

/* What the back-off code leaves behind: a temp file of a process that was killed while writing
   it, and the back-off file of every endpoint ever used. Both are removed once useless: the temp
   file when its process is gone, a back-off file (not this backend's) when it is older than any
   back-off can last. */
static void gtbt__backoff_tidy(gtbt_collector *c, const char *name, const char *own) {
    char path[GTBT__MAX_PATH];
    const char *tmp = gtbt__find(name, ".tmp-");
    int64_t mtime_ms;
    if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK) return;
    if (tmp) {
        long long pid = gtbt__dec(tmp + 5, NULL);
        if (pid > 0 && pid < INT_MAX && !gtbt__pid_alive((int)pid)) gtbt__fs_remove(path);
        return;
    }
    if (own[0] && !strcmp(path, own)) return;
    if (gtbt__fs_mtime_ms(path, &mtime_ms) == 0 && mtime_ms < gtbt__realtime_ns() / 1000000 - GTBT__RETRY_AFTER_MAX_MS - 60000)
        gtbt__fs_remove(path);
}

/* Lists the ready spill files, oldest first. With recover, claims of dead processes (or claims
   older than an hour) are renamed back to ready, and temp files of dead processes are removed.
   With all, claims and temp files are listed too (for gtbt_drop). */
static int gtbt__spill_list(gtbt_collector *c, gtbt__names *ready, int recover, int all) {
    gtbt__dir d;
    const char *name;
    char path[GTBT__MAX_PATH], back[GTBT__MAX_PATH], own_backoff[GTBT__MAX_PATH];
    memset(ready, 0, sizeof *ready);
    if (!c->data_dir[0] || gtbt__dir_open(&d, c->data_dir) != 0) return GTBT_E_IO;
    if (!recover || gtbt__backoff_path(c, own_backoff, sizeof own_backoff) != GTBT_OK) own_backoff[0] = 0;
    /* every entry is looked at (other files in the data dir must not hide spill files); at most
       GTBT__SPILL_LIST_MAX names are kept (the cap keeps at most one ready file per event) */
    while ((name = gtbt__dir_next(&d)) != NULL) {
        const char *mark;
        int is_temp = name[0] == '.' && !gtbt__ncmp(name + 1, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) && gtbt__ends_with(name, ".tmp");
        if (ready->n >= GTBT__SPILL_LIST_MAX) break;
        if (recover && !gtbt__ncmp(name, GTBT__BACKOFF_PREFIX, strlen(GTBT__BACKOFF_PREFIX))) {
            gtbt__backoff_tidy(c, name, own_backoff);
            continue;
        }
        if (is_temp) {
            if (all || (recover && !gtbt__pid_alive(gtbt__spill_name_pid(name + 1)))) {
                if (all) { gtbt__names_add(ready, name); continue; }
                if (gtbt__path_join(path, sizeof path, c->data_dir, name) == GTBT_OK) gtbt__fs_remove(path);
            }
            continue;
        }
        if (gtbt__ncmp(name, GTBT__SPILL_PREFIX, strlen(GTBT__SPILL_PREFIX)) != 0) continue;
        if (gtbt__ends_with(name, GTBT__SPILL_SUFFIX)) { gtbt__names_add(ready, name); continue; }
        mark = gtbt__find(name, GTBT__CLAIM_MARK);
        if (!mark) continue;
        if (all) { gtbt__names_add(ready, name); continue; }
        if (recover) {
            /* a sender holds a lock on its claim while it sends: a claim nobody holds is abandoned,
               whatever its PID says (PID 1 in a container, another container on a shared volume);
               without locking (some network file systems) a dead PID or an hour's age decides */
            int64_t mtime_ms = 0;
            long long claimer = gtbt__dec(mark + strlen(GTBT__CLAIM_MARK), NULL);
            int pid = claimer > 0 && claimer < INT_MAX ? (int)claimer : 0, lk;
            size_t base = (size_t)(mark - name) + strlen(GTBT__SPILL_SUFFIX);
            gtbt__flock fl;
            if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK || gtbt__fs_mtime_ms(path, &mtime_ms) != 0) continue;
            if ((lk = gtbt__fs_lock(path, &fl)) == 1) continue;
            if (lk == -1 && gtbt__pid_alive(pid) && mtime_ms > gtbt__realtime_ns() / 1000000 - GTBT__CLAIM_STALE_MS) continue;
            if (gtbt__snprintf(back, sizeof back, "%s" GTBT__SEP "%.*s", c->data_dir, (int)base, name) < (int)sizeof back &&
                gtbt__fs_rename(path, back) == 0) {
                gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_RECOVERED, "recovered spill file %.*s abandoned by process %d", (int)base, name, pid);
                gtbt__names_add(ready, back + strlen(c->data_dir) + 1);
            }
            gtbt__fs_unlock(&fl);
        }
    }
    gtbt__dir_close(&d);
    gtbt__sort_strs(ready->v, ready->n);
    return GTBT_OK;
}

/* Lines (events) of a spill text; a last line without its newline counts too. */
static size_t gtbt__count_lines(const char *p, size_t n) {
    size_t k, lines = 0;
    for (k = 0; k < n; k++) lines += p[k] == '\n';
    return lines + (n && p[n - 1] != '\n');
}

/* Drops the first events of ready spill file name until at least need_e events and need_b bytes
   are gone (the file is claimed, cut and written back under its name; a crash in between leaves a
   claim that is recovered whole: events come back, never vanish). Adds what went to *gone_e/_b. */
static void gtbt__spill_trim(gtbt_collector *c, const char *name, size_t need_e, size_t need_b,
                             size_t *gone_e, size_t *gone_b) {
    char path[GTBT__MAX_PATH], claim[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH], *text;
    size_t len, off = 0, k = 0;
    if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK ||
        gtbt__snprintf(claim, sizeof claim, "%s.sending-%d", path, gtbt__pid()) >= (int)sizeof claim ||
        gtbt__snprintf(tmp, sizeof tmp, "%s" GTBT__SEP ".%s.tmp", c->data_dir, name) >= (int)sizeof tmp) return;
    if (gtbt__fs_rename(path, claim) != 0) return;        /* being sent by another process */
    if (gtbt__read_file(claim, GTBT__SPILL_READ_MAX, 1, &text, &len) != GTBT_OK) {
        gtbt__fs_rename(claim, path);
        return;
    }
    while (off < len && (k < need_e || off < need_b)) {
        const char *nl = (const char *)memchr(text + off, '\n', len - off);
        off = nl ? (size_t)(nl - text) + 1 : len;
        k++;
    }
    if (off < len && gtbt__write_file_atomic(path, tmp, text + off, len - off) != GTBT_OK) {
        gtbt__fs_rename(claim, path);                     /* keep everything rather than lose more */
    } else {
        gtbt__fs_remove(claim);
        *gone_e += k;
        *gone_b += off;
    }
    gtbt__free(text);
}

/* Keeps the ready spill files, with a new file of add_e events and add_b bytes, within
   GTBT__SPILL_CAP_EVENTS events and GTBT__SPILL_CAP_BYTES bytes: the oldest events go first (an
   offline user keeps events, not runs). Files being sent are not counted. */
static void gtbt__spill_prune(gtbt_collector *c, size_t add_e, size_t add_b) {
    gtbt__names ns;
    char path[GTBT__MAX_PATH], *text;
    size_t i, len, *ev, *by, tot_e = add_e, tot_b = add_b, gone_e = 0, gone_b = 0;
    if (gtbt__spill_list(c, &ns, 0, 0) != GTBT_OK) return;
    ev = (size_t *)gtbt__calloc(ns.n + 1, sizeof *ev);
    by = (size_t *)gtbt__calloc(ns.n + 1, sizeof *by);
    for (i = 0; ev && by && i < ns.n; i++) {
        if (gtbt__path_join(path, sizeof path, c->data_dir, ns.v[i]) != GTBT_OK) continue;
        if (gtbt__read_file(path, GTBT__SPILL_READ_MAX, 1, &text, &len) != GTBT_OK) continue;
        ev[i] = gtbt__count_lines(text, len);
        by[i] = len;
        tot_e += ev[i];
        tot_b += len;
        gtbt__free(text);
    }
    for (i = 0; ev && by && i < ns.n && (tot_e > GTBT__SPILL_CAP_EVENTS || tot_b > GTBT__SPILL_CAP_BYTES); i++) {
        size_t need_e = tot_e > GTBT__SPILL_CAP_EVENTS ? tot_e - GTBT__SPILL_CAP_EVENTS : 0;
        size_t need_b = tot_b > GTBT__SPILL_CAP_BYTES ? tot_b - GTBT__SPILL_CAP_BYTES : 0;
        size_t e0 = gone_e, b0 = gone_b;
        if (ev[i] <= need_e || by[i] <= need_b) {
            if (gtbt__path_join(path, sizeof path, c->data_dir, ns.v[i]) == GTBT_OK && gtbt__fs_remove(path) == 0) {
                gone_e += ev[i];
                gone_b += by[i];
            }
        } else {
            gtbt__spill_trim(c, ns.v[i], need_e, need_b, &gone_e, &gone_b);
        }
        tot_e -= gtbt__min(tot_e, ev[i]);                 /* gone, trimmed or taken by a sender */
        tot_b -= gtbt__min(tot_b, by[i]);
        tot_e += ev[i] - gtbt__min(ev[i], gone_e - e0);
        tot_b += by[i] - gtbt__min(by[i], gone_b - b0);
    }
    if (gone_e)
        gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_CAP, "spill cap reached (%d events, %d bytes); discarded %zu oldest "
                   "un-sent event(s)", GTBT__SPILL_CAP_EVENTS, GTBT__SPILL_CAP_BYTES, gone_e);
    gtbt__free(ev);
    gtbt__free(by);
    gtbt__names_free(&ns);
}

/* Writes one ready spill file atomically. Called with c->mu held (the sequence number). */
static int gtbt__spill_file(gtbt_collector *c, const char *data, size_t len) {
    char name[128], path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH];
    int rc;
    gtbt__spill_prune(c, gtbt__count_lines((const char *)data, len), len);
    gtbt__snprintf(name, sizeof name, GTBT__SPILL_PREFIX "%020lld-%d-%llu" GTBT__SPILL_SUFFIX,
             (long long)gtbt__realtime_ns(), gtbt__pid(), (unsigned long long)c->spill_seq++);
    if (gtbt__path_join(path, sizeof path, c->data_dir, name) != GTBT_OK ||
        gtbt__snprintf(tmp, sizeof tmp, "%s" GTBT__SEP ".%s.tmp", c->data_dir, name) >= (int)sizeof tmp) return GTBT_E_INVALID;
    rc = gtbt__write_file_atomic(path, tmp, data, len);
    if (rc != GTBT_OK) {
        c->spill_failed = 1;
        gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_WRITE_FAILED, "cannot write spill file in %s: %s (is the disk full?); "
                   "not trying again until the next flush", c->data_dir, strerror(errno));
    }
    return rc;
}

/* Makes the data dir on its first write. Called with c->mu held. 1 when it can be written to. */
static int gtbt__data_dir_make_locked(gtbt_collector *c) {
    char why[GTBT__MAX_PATH + 128];
    if (c->dir_made > 0) return 1;
    if (c->dir_made < 0) return 0;
    if (gtbt__mkdir_private_why(c->data_dir, why, sizeof why) != GTBT_OK) {
        gtbt__logi(&c->log, GTBT_LOGITEM_DATA_DIR_UNUSABLE, "cannot create the data directory (%s); %s", why, GTBT__NO_SPILL);
        c->dir_made = -1;
        return 0;
    }
    c->dir_made = 1;
    return 1;
}

/* Writes events to spill files of at most GTBT__SPILL_FILE_MAX bytes (an event larger than that
   gets a file of its own). Returns how many events, from the first, are safely on disk. */
static size_t gtbt__spill_write(gtbt_collector *c, const gtbt_event *ev, size_t n) {
    gtbt__buf chunk;
    gtbt__jcache jc;
    size_t i, written = 0;
    if (!c->spill_ok || c->spill_failed || !n || !gtbt__data_dir_make_locked(c)) return 0;
    memset(&chunk, 0, sizeof chunk);
    jc.ok = 0;
    for (i = 0; i < n; i++) {
        size_t mark = chunk.len;
        gtbt__json_event_direct(&chunk, &ev[i], &jc);
        gtbt__buf_putc(&chunk, '\n');
        if (chunk.oom) goto done;
        if (chunk.len > GTBT__SPILL_FILE_MAX && mark > 0) {
            if (gtbt__spill_file(c, chunk.p, mark) != GTBT_OK) goto done;
            written = i;
            memmove(chunk.p, chunk.p + mark, chunk.len - mark);
            chunk.len -= mark;
            jc.ok = 0; /* the bytes it points to moved */
        }
    }
    if (chunk.len && gtbt__spill_file(c, chunk.p, chunk.len) == GTBT_OK) written = n;
done:
    gtbt__buf_free(&chunk);
    return written;
}

/* Frees the first k buffered events and closes the gap. Called with c->mu held. */
static void gtbt__buffer_remove_front(gtbt_collector *c, size_t k) {
    size_t i;
    for (i = 0; i < k; i++) gtbt__block_free(c, c->mem[i]);
    if (c->n > k) {
        memmove(c->ev, c->ev + k, (c->n - k) * sizeof *c->ev);
        memmove(c->mem, c->mem + k, (c->n - k) * sizeof *c->mem);
    }
    c->n -= k;
}

/* The buffer is full and an event is coming: move the buffer to disk; without a usable disk, drop
   the oldest (bounded) so that the new event has a slot. */
static void gtbt__spill_locked(gtbt_collector *c) {
    size_t done = gtbt__spill_write(c, c->ev, c->n);
    gtbt__buffer_remove_front(c, done);
    if (c->n >= c->max_buffer) {
        size_t k = c->n - c->max_buffer + 1;
        if (c->dropped == 0)
            gtbt__logi(&c->log, GTBT_LOGITEM_BUFFER_FULL, "buffer full and %s; dropping the oldest events",
                       c->spill_ok ? "spill files cannot be written" : "no data directory to spill to");
        c->dropped += k;
        gtbt__buffer_remove_front(c, k);
    }
}

/* Puts events that could not be delivered back: to disk, else to the front of the buffer
   (bounded: the oldest beyond the cap are dropped). Takes ownership of ev/mem. */
static void gtbt__keep(gtbt_collector *c, gtbt_event *ev, void **mem, size_t n) {
    size_t done, i, room, keep;
    gtbt__mutex_lock(&c->mu);
    done = gtbt__spill_write(c, ev, n);
    for (i = 0; i < done; i++) gtbt__block_free(c, mem[i]);
    n -= done;
    room = c->max_buffer - 1 > c->n ? c->max_buffer - 1 - c->n : 0;
    keep = gtbt__min(n, room);
    for (i = 0; i < n - keep; i++) gtbt__block_free(c, mem[done + i]);
    if (n - keep) {
        c->dropped += n - keep;
        gtbt__logi(&c->log, GTBT_LOGITEM_UNDELIVERED_DROPPED, "%zu undelivered event(s) dropped: no room in memory or on disk", n - keep);
    }
    memmove(c->ev + keep, c->ev, c->n * sizeof *c->ev);
    memmove(c->mem + keep, c->mem, c->n * sizeof *c->mem);
    memcpy(c->ev, ev + done + (n - keep), keep * sizeof *ev);
    memcpy(c->mem, mem + done + (n - keep), keep * sizeof *mem);
    c->n += keep;
    gtbt__mutex_unlock(&c->mu);
    gtbt__free(ev);
    gtbt__free(mem);
}

/* ---- spill lines back into events ---- */
/* Cuts s in place to at most max bytes on a UTF-8 boundary. */
static void gtbt__cut_in_place(char *s, size_t max) {
    size_t n = strlen(s);
    if (n > max) s[gtbt__utf8_cut(s, n, max)] = 0;
}

/* Growable arrays for the pairs and arguments of the events of one spill file. */
typedef struct gtbt__batch {
    gtbt_event *ev; size_t n, cap;
    gtbt_kv *kv; size_t nkv, capkv;
    const char **args; size_t nargs, capargs;
    struct gtbt__line { size_t kv_at, args_at; char uuid[37]; } *line; size_t capline;
    char *text;                     /* the file: every string points into it */
} gtbt__batch;

static void gtbt__batch_free(gtbt__batch *b) {
    gtbt__free(b->ev); gtbt__free(b->kv); gtbt__free((void *)b->args);
    gtbt__free(b->line); gtbt__free(b->text);
    memset(b, 0, sizeof *b);
}

/* The string fields of a spill line: key, where the value goes in gtbt_event, at most how many
   bytes are kept. fallback: set only when no other key filled the field. */
static const struct gtbt__str_field { char key[16]; unsigned short offset, limit; unsigned char fallback; } gtbt__str_fields[] GTBT__TIGHT(struct gtbt__str_field) = {
    {"uuid",            offsetof(gtbt_event, uuid),            GTBT__MAX_NAME,  0},
    {"type",            offsetof(gtbt_event, type),            GTBT__MAX_NAME,  0},
    {"name",            offsetof(gtbt_event, name),            GTBT__MAX_NAME,  0},
    {"machine_id",      offsetof(gtbt_event, machine_id),      GTBT__MAX_NAME,  0},
    {"tool_name",       offsetof(gtbt_event, tool_name),       GTBT__MAX_NAME,  0},
    {"version",         offsetof(gtbt_event, version),         GTBT__MAX_NAME,  0},
    {"os",              offsetof(gtbt_event, os),              GTBT__MAX_NAME,  0},
    {"arch",            offsetof(gtbt_event, arch),            GTBT__MAX_NAME,  0},
    {"runtime_version", offsetof(gtbt_event, runtime_version), GTBT__MAX_NAME,  0},
    {"os_version",      offsetof(gtbt_event, os_version),      GTBT__MAX_NAME,  0},
    {"error",           offsetof(gtbt_event, error),           GTBT__MAX_VALUE, 0},
    {"go_version",      offsetof(gtbt_event, runtime_version), GTBT__MAX_NAME,  1},   /* the Go original's name */
};
#define GTBT__N_STR_FIELDS (sizeof gtbt__str_fields / sizeof gtbt__str_fields[0])

static const char **gtbt__str_field_of(gtbt_event *e, size_t i) {
    return (const char **)(void *)((char *)e + gtbt__str_fields[i].offset);
}

/* The other keys of a spill line. An array, not string literals: the compiler shares equal literals
   between functions and keeps them in the read-only data of the first function that uses them, so
   a literal shared with the PostHog or Datadog body (never linked unless called) would keep all of
   that function's texts in every binary. */
static const char gtbt__ev_keys[5][12] GTBT__TIGHT(char) = {"timestamp", "duration_ms", "exit_code", "args", "metadata"};

/* Parses one line {...} into event e (strings in place). 1 on success, 0 for a corrupt line. */
static int gtbt__parse_event(gtbt__batch *b, gtbt__jp *j, gtbt_event *e, int *has_uuid) {
    int have_time = 0;
    size_t i;
    memset(e, 0, sizeof *e);
    if (!gtbt__jp_lit(j, '{')) return 0;
    if (gtbt__jp_lit(j, '}')) return 0;
    do {
        char *key = gtbt__jp_str(j);
        int done = 0;
        if (!key || !gtbt__jp_lit(j, ':')) return 0;
        for (i = 0; i < GTBT__N_STR_FIELDS && !done; i++) {
            const char **field = gtbt__str_field_of(e, i);
            char *v;
            if (key[0] != gtbt__str_fields[i].key[0] || strcmp(key, gtbt__str_fields[i].key) != 0) continue;
            if (!(v = gtbt__jp_str(j))) return 0;
            if (!gtbt__str_fields[i].fallback || !*field) *field = v;
            done = 1;
        }
        if (done) continue;
        if (!strcmp(key, gtbt__ev_keys[0])) {
            char *v = gtbt__jp_str(j);
            if (!v || gtbt__parse_rfc3339(v, &e->time_unix_ns) != 0) return 0;
            have_time = 1;
        } else if (!strcmp(key, gtbt__ev_keys[1])) {
            if (!gtbt__jp_int(j, &e->duration_ms)) return 0;
        } else if (!strcmp(key, gtbt__ev_keys[2])) {
            int64_t v;
            if (!gtbt__jp_int(j, &v) || v < INT_MIN || v > INT_MAX) return 0;
            e->exit_code = (int)v;
        } else if (!strcmp(key, gtbt__ev_keys[3])) {
            if (!gtbt__jp_lit(j, '[')) return 0;
            if (!gtbt__jp_lit(j, ']')) {
                do {
                    char *v = gtbt__jp_str(j);
                    if (!v) return 0;
                    if (e->n_args >= GTBT__MAX_ARGS) continue;
                    if (!gtbt__grow((void **)&b->args, &b->capargs, b->nargs + 1, sizeof *b->args)) return 0;
                    gtbt__cut_in_place(v, GTBT__MAX_VALUE);
                    b->args[b->nargs++] = v;
                    e->n_args++;
                } while (gtbt__jp_lit(j, ','));
                if (!gtbt__jp_lit(j, ']')) return 0;
            }
        } else if (!strcmp(key, gtbt__ev_keys[4])) {
            if (!gtbt__jp_lit(j, '{')) return 0;
            if (!gtbt__jp_lit(j, '}')) {
                do {
                    char *k = gtbt__jp_str(j), *v;
                    if (!k || !gtbt__jp_lit(j, ':') || !(v = gtbt__jp_str(j))) return 0;
                    if (e->n_metadata >= GTBT__MAX_PAIRS) continue;
                    if (!gtbt__grow((void **)&b->kv, &b->capkv, b->nkv + 1, sizeof *b->kv)) return 0;
                    gtbt__cut_in_place(k, GTBT__MAX_KEY);
                    gtbt__cut_in_place(v, GTBT__MAX_VALUE);
                    b->kv[b->nkv].key = k;
                    b->kv[b->nkv++].value = v;
                    e->n_metadata++;
                } while (gtbt__jp_lit(j, ','));
                if (!gtbt__jp_lit(j, '}')) return 0;
            }
        } else if (!gtbt__jp_skip(j)) {
            return 0;
        }
    } while (gtbt__jp_lit(j, ','));
    if (!gtbt__jp_lit(j, '}')) return 0;
    gtbt__jp_ws(j);
    if (j->p != j->end || !have_time || !e->type || !e->name) return 0;
    *has_uuid = e->uuid && e->uuid[0];
    for (i = 0; i < GTBT__N_STR_FIELDS; i++) {   /* hostile files: every string within its limit */
        const char **field = gtbt__str_field_of(e, i);
        if (!*field) *field = "";
        else gtbt__cut_in_place((char *)(uintptr_t)*field, gtbt__str_fields[i].limit);
    }
    return 1;
}

/* Parses the NDJSON lines of text[0..len) into b's events, in place (text must outlive them);
   returns the number of corrupt lines. */
static size_t gtbt__parse_lines(gtbt__batch *b, char *text, size_t len, int *nomem) {
    char *line = text, *end = text + len;
    size_t corrupt = 0, i;
    *nomem = 0;
    while (line < end) {
        char *nl = (char *)memchr(line, '\n', (size_t)(end - line));
        char *stop = nl ? nl : end;
        gtbt__jp j;
        gtbt_event e;
        size_t kv0 = b->nkv, args0 = b->nargs;
        int has_uuid = 0;
        j.p = line; j.end = stop; j.depth = 0;
        gtbt__jp_ws(&j);
        if (j.p == stop) { line = stop + 1; continue; }   /* blank line */
        if (!gtbt__parse_event(b, &j, &e, &has_uuid)) {
            b->nkv = kv0; b->nargs = args0;
            corrupt++;
            line = stop + 1;
            continue;
        }
        if (!gtbt__grow((void **)&b->ev, &b->cap, b->n + 1, sizeof *b->ev) ||
            !gtbt__grow((void **)&b->line, &b->capline, b->n + 1, sizeof *b->line)) {
            *nomem = 1;
            break;
        }
        b->line[b->n].kv_at = kv0;
        b->line[b->n].args_at = args0;
        b->line[b->n].uuid[0] = 0;
        if (!has_uuid) {
            /* a line without a uuid gets one derived from its text: the same on every retry */
            unsigned char d[32];
            gtbt__sha256 s;
            gtbt__sha256_init(&s);
            gtbt__sha256_update(&s, line, (size_t)(stop - line));
            gtbt__sha256_final(&s, d);
            gtbt__uuid_format(d, b->line[b->n].uuid);
        }
        b->ev[b->n++] = e;
        line = stop + 1;
    }
    for (i = 0; i < b->n; i++) {
        b->ev[i].metadata = b->ev[i].n_metadata ? b->kv + b->line[i].kv_at : NULL;
        b->ev[i].args = b->ev[i].n_args ? b->args + b->line[i].args_at : NULL;
        if (b->line[i].uuid[0]) b->ev[i].uuid = b->line[i].uuid;
    }
    return corrupt;
}

/* Parses NDJSON text (taken over by b) into events; returns the number of corrupt lines. */
static size_t gtbt__parse_ndjson(gtbt__batch *b, char *text, size_t len, int *nomem) {
    b->text = text;
    return gtbt__parse_lines(b, text, len, nomem);
}

/* ---- spill lines that can be sent as they are ----
   A line is exactly what gtbt__json_event_direct writes for an event within the limits the
   parser keeps (field order, escapes, numbers, the timestamp's form, a non-empty uuid): then
   parsing it and writing it again gives the same bytes, and this check (one bounded pass, no
   copy) stands in for both. Any other line (another version's field order, a hand edit, a
   truncated or hostile file) is not canonical and goes through the parser. */

/* Lower-case hex digit value, or -1 (the writer's \u escapes are lower-case). */
static int gtbt__hexl(unsigned char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

/* The JSON string at p, as gtbt__json_put writes one that decodes to min..max bytes: the byte
   after its closing quote, or NULL. */
static const char *gtbt__canon_str(const char *p, const char *end, size_t min, size_t max) {
    const unsigned char *s = (const unsigned char *)p, *e = (const unsigned char *)end, *run;
    size_t d = 0;
    if (!p || s >= e || *s++ != '"') return NULL;
    for (;;) {
        int hi, lo, ch;
        run = s;
        while (e - s >= 4 && !((gtbt__rx_ct[s[0]] | gtbt__rx_ct[s[1]] | gtbt__rx_ct[s[2]] | gtbt__rx_ct[s[3]]) & 16384)) s += 4;
        while (s < e && !(gtbt__rx_ct[*s] & 16384)) s++;
        d += (size_t)(s - run);
        if (s >= e) return NULL;
        if (*s == '"') break;
        if (*s >= 0x80) {   /* valid UTF-8 other than U+2028 and U+2029 (those are escaped) */
            int k = gtbt__utf8_len(s, e);
            if (!k || (k == 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9))) return NULL;
            s += k;
            d += (size_t)k;
            continue;
        }
        if (*s != '\\' || e - s < 2) return NULL;        /* a raw control byte, '<', '>' or '&' */
        if (s[1] == '"' || s[1] == '\\' || s[1] == 'n' || s[1] == 'r' || s[1] == 't') { s += 2; d++; continue; }
        if (s[1] != 'u' || e - s < 6) return NULL;
        if (s[2] == '2' && s[3] == '0' && s[4] == '2' && (s[5] == '8' || s[5] == '9')) {
            d += 3;
        } else {                                          /* \u00xx: a control byte (not NUL), '<', '>', '&' */
            hi = gtbt__hexl(s[4]);
            lo = gtbt__hexl(s[5]);
            ch = hi * 16 + lo;
            if (s[2] != '0' || s[3] != '0' || hi < 0 || lo < 0 ||
                !(ch == '<' || ch == '>' || ch == '&' || (ch > 0 && ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t'))) return NULL;
            d++;
        }
        s += 6;
    }
    return d >= min && d <= max ? (const char *)s + 1 : NULL;
}

/* A non-zero integer in [lo, hi] as gtbt__i64 writes it: the byte after it, or NULL. */
static const char *gtbt__canon_int(const char *p, const char *end, int64_t lo, int64_t hi) {
    const char *s = p && p < end && *p == '-' ? p + 1 : p;
    uint64_t acc = 0;
    int64_t v;
    if (!s || s >= end || *s < '1' || *s > '9') return NULL;
    while (s < end && gtbt__is_digit(*s)) {
        if (acc > (uint64_t)INT64_MAX / 10) return NULL;
        acc = acc * 10 + (uint64_t)(*s++ - '0');
    }
    if (acc > (uint64_t)INT64_MAX) return NULL;
    v = *p == '-' ? -(int64_t)acc : (int64_t)acc;
    return v >= lo && v <= hi ? s : NULL;
}

/* The timestamp at p as gtbt__rfc3339 writes one that gtbt__parse_rfc3339 reads back to the same
   instant ("YYYY-MM-DDTHH:MM:SS[.fraction without trailing zeros]Z", a real calendar date, a
   year the parser takes): the byte after it, or NULL; *ns is the instant. */
static const char *gtbt__canon_time(const char *p, const char *end, int64_t *ns) {
    static const char form[] GTBT__TIGHT(char) = "dddd-dd-ddTdd:dd:dd", mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int v[6] = {0, 0, 0, 0, 0, 0}, i, k, leap;
    int64_t frac = 0, scale = 100000000;
    if (!p || end - p < 20) return NULL;
    for (i = 0, k = 0; i < 19; i++) {
        if (form[i] != 'd') { if (p[i] != form[i]) return NULL; k++; continue; }
        if (!gtbt__is_digit(p[i])) return NULL;
        v[k] = v[k] * 10 + (p[i] - '0');
    }
    leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[0] < 1678 || v[0] > 2261 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap) ||
        v[3] > 23 || v[4] > 59 || v[5] > 59) return NULL;
    p += 19;
    if (*p == '.') {
        for (k = 0, p++; k < 9 && p < end && gtbt__is_digit(*p); k++, p++) { frac += (*p - '0') * scale; scale /= 10; }
        if (!k || p[-1] == '0') return NULL;
    }
    if (p >= end || *p != 'Z') return NULL;
    *ns = ((gtbt__days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5]) * 1000000000) + frac;
    return p + 1;
}

/* What the check of a line found: the event's time and where its tool_name and version strings
   start (at their opening quote). */
typedef struct gtbt__line_view { int64_t time_ns; const char *tool, *version; } gtbt__line_view;

/* The collector fields (machine_id .. os_version, with their keys) of the last line checked: a
   copy, so that a line whose bytes equal it is known canonical there without a second scan (the
   lines of one run share them). */
typedef struct gtbt__canon_cache { gtbt__buf seg; size_t tool_off, version_off; } gtbt__canon_cache;

/* The keys of a canonical line, in their order, as one array and their lengths (string literals
   would be stored with other functions that use them too, and keep those functions' texts in
   binaries that never call them). */
static const char gtbt__canon_keys[] GTBT__TIGHT(char) =
    "{\"timestamp\":\"" ",\"uuid\":" ",\"type\":" ",\"name\":" ",\"machine_id\":" ",\"tool_name\":" ",\"version\":"
    ",\"os\":" ",\"arch\":" ",\"runtime_version\":" ",\"os_version\":" ",\"duration_ms\":" ",\"exit_code\":"
    ",\"args\":[" ",\"error\":" ",\"metadata\":{";
static const unsigned char gtbt__canon_klen[16] GTBT__TIGHT(unsigned char) = {14, 8, 8, 8, 14, 13, 11, 6, 8, 19, 14, 15, 13, 9, 9, 13};

/* p advanced past the n bytes of lit when they stand there, else NULL. */
static const char *gtbt__canon_lit(const char *p, const char *end, const char *lit, size_t n) {
    return p && (size_t)(end - p) >= n && !memcmp(p, lit, n) ? p + n : NULL;
}
/* p advanced past the byte ch when it stands there, else NULL. */
static const char *gtbt__canon_ch(const char *p, const char *end, char ch) {
    return p && p < end && *p == ch ? p + 1 : NULL;
}

/* The event at line (text up to end, which may hold more lines) when it is canonical (see above):
   the byte after its closing brace, else NULL. A canonical event never spans a newline (a raw
   newline is never part of one). cc (may be NULL) is the collector-field cache. */
static const char *gtbt__spill_event_end(const char *line, const char *end, gtbt__line_view *v, gtbt__canon_cache *cc) {
    const char *p, *q, *seg = NULL, *key = gtbt__canon_keys;
    size_t i, n;
    v->time_ns = 0;
    v->tool = v->version = NULL;
    p = gtbt__canon_time(gtbt__canon_lit(line, end, key, gtbt__canon_klen[0]), end, &v->time_ns);
    key += gtbt__canon_klen[0];
    for (p = gtbt__canon_ch(p, end, '"'), i = 1; p && i <= 10; key += gtbt__canon_klen[i++]) {
        if (i == 4 && cc && cc->seg.len && (size_t)(end - p) >= cc->seg.len && !memcmp(p, cc->seg.p, cc->seg.len)) {
            v->tool = p + cc->tool_off;               /* the same collector fields as the line before */
            v->version = p + cc->version_off;
            p += cc->seg.len;
            while (i <= 10) key += gtbt__canon_klen[i++];
            break;
        }
        if (i == 4) seg = p;
        p = gtbt__canon_lit(p, end, key, gtbt__canon_klen[i]);
        if (i == 5) v->tool = p;
        if (i == 6) v->version = p;
        p = gtbt__canon_str(p, end, i == 1, GTBT__MAX_NAME);
        if (i == 10 && p && cc) {
            cc->seg.len = 0;
            gtbt__buf_put(&cc->seg, seg, (size_t)(p - seg));
            cc->tool_off = (size_t)(v->tool - seg);
            cc->version_off = (size_t)(v->version - seg);
            if (cc->seg.oom) gtbt__buf_free(&cc->seg);   /* no cache: every line scanned */
        }
    }
    if (!p) return NULL;                              /* key: the optional parts from here on */
    if ((q = gtbt__canon_lit(p, end, key, gtbt__canon_klen[11])) != NULL) p = gtbt__canon_int(q, end, INT64_MIN, INT64_MAX);
    key += gtbt__canon_klen[11];
    if ((q = gtbt__canon_lit(p, end, key, gtbt__canon_klen[12])) != NULL) p = gtbt__canon_int(q, end, INT_MIN, INT_MAX);
    key += gtbt__canon_klen[12];
    if ((q = gtbt__canon_lit(p, end, key, gtbt__canon_klen[13])) != NULL) {
        for (p = q, n = 0; p && n < GTBT__MAX_ARGS; n++) {
            p = gtbt__canon_str(p, end, 0, GTBT__MAX_VALUE);
            if (!(q = gtbt__canon_ch(p, end, ','))) break;
            p = q;
        }
        p = gtbt__canon_ch(p, end, ']');
    }
    key += gtbt__canon_klen[13];
    if ((q = gtbt__canon_lit(p, end, key, gtbt__canon_klen[14])) != NULL) p = gtbt__canon_str(q, end, 1, GTBT__MAX_VALUE);
    key += gtbt__canon_klen[14];
    if ((q = gtbt__canon_lit(p, end, key, gtbt__canon_klen[15])) != NULL) {
        for (p = q, n = 0; p && n < GTBT__MAX_PAIRS; n++) {
            p = gtbt__canon_ch(gtbt__canon_str(p, end, 0, GTBT__MAX_KEY), end, ':');
            p = gtbt__canon_str(p, end, 0, GTBT__MAX_VALUE);
            if (!(q = gtbt__canon_ch(p, end, ','))) break;
            p = q;
        }
        p = gtbt__canon_ch(p, end, '}');
    }
    return gtbt__canon_ch(p, end, '}');
}

// >>delivery --------------------------------------------------------------------------------------
/* Names used both here and by the CLI or the prompt, as arrays: a string literal shared by several
   functions is stored with one of them, and would keep all of that function's texts in binaries
   that never call it. */
static const char gtbt__env_ci[] GTBT__TIGHT(char) = "CI";                       /* set (and not false) on CI runners */
static const char gtbt__local_log_name[] GTBT__TIGHT(char) = "telemetry.log";    /* the local-only backend's file */

/* ---- back-off (30 s doubling up to 1 h, or Retry-After), kept in the data dir per backend so later runs honour it ---- */
static int gtbt__backoff_path(const gtbt_collector *c, char *out, size_t cap) {
    unsigned char d[32];
    char name[18 + 17] = "telemetry-backoff-";
    gtbt__sha256 s;
    const char *info = c->backend && c->backend->info ? c->backend->info : "custom";
    gtbt__sha256_init(&s);
    gtbt__sha256_update(&s, info, strlen(info));
    gtbt__sha256_final(&s, d);
    gtbt__hex(d, 8, name + 18);
    return gtbt__path_join(out, cap, c->data_dir, name);
}

static int64_t gtbt__unix_ms(void) { return gtbt__realtime_ns() / 1000000; }

static void gtbt__backoff_load(gtbt_collector *c) {
    char path[GTBT__MAX_PATH], *text;
    size_t len;
    long long until = -1;
    int failures = -1;
    if (!c->spill_ok || gtbt__backoff_path(c, path, sizeof path) != GTBT_OK) return;
    if (gtbt__read_file(path, 1024, 1, &text, &len) != GTBT_OK) return;
    if (!gtbt__ncmp(text, "until=", 6)) {
        const char *p = text + 6, *end;
        long long f;
        until = gtbt__dec(p, &end);
        f = end != p && !gtbt__ncmp(end, " failures=", 10) ? gtbt__dec(end + 10, NULL) : -1;
        failures = f >= 0 && f < 1000 ? (int)f : -1;
    }
    if (failures >= 0 && failures < 1000 && until >= 0 && until < gtbt__unix_ms() + GTBT__RETRY_AFTER_MAX_MS + 60000) {
        c->bo_until_unix_ms = until;
        c->bo_failures = failures;
    }
    gtbt__free(text);
}

static void gtbt__backoff_save(gtbt_collector *c) {
    char path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH + 32], text[96];
    int n;
    if (!c->spill_ok || gtbt__backoff_path(c, path, sizeof path) != GTBT_OK) return;
    if (!c->bo_failures && !c->bo_until_unix_ms) { gtbt__fs_remove(path); return; }
    n = gtbt__snprintf(text, sizeof text, "until=%lld failures=%d\n", (long long)c->bo_until_unix_ms, c->bo_failures);
    gtbt__snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, gtbt__pid());
    gtbt__write_file_atomic(path, tmp, text, (size_t)n);
}

static int gtbt__retryable(int rc) {
    return rc == GTBT_E_HTTP_RETRY || rc == GTBT_E_NETWORK || rc == GTBT_E_TIMEOUT || rc == GTBT_E_TLS;
}

/* Records the outcome of one send in the back-off state. */
static void gtbt__backoff_note(gtbt_collector *c, int rc, int64_t retry_after_ms) {
    int64_t now = gtbt__unix_ms(), wait = 0;
    if (!gtbt__retryable(rc)) {
        if (c->bo_failures || c->bo_until_unix_ms) { c->bo_failures = 0; c->bo_until_unix_ms = 0; gtbt__backoff_save(c); }
        return;
    }
    if (c->bo_failures < 1000) c->bo_failures++;
    if (retry_after_ms > 0) wait = gtbt__min(retry_after_ms, (int64_t)GTBT__RETRY_AFTER_MAX_MS);
    else if (c->bo_failures >= 2)
        wait = c->bo_failures - 2 >= 7 ? GTBT__BACKOFF_MAX_MS
                                       : gtbt__min((int64_t)GTBT__BACKOFF_BASE_MS << (c->bo_failures - 2), (int64_t)GTBT__BACKOFF_MAX_MS);
    if (wait) {
        c->bo_until_unix_ms = now + wait;
        gtbt__logi(&c->log, GTBT_LOGITEM_BACKOFF, "backend %s unavailable; not contacting it for %lld s",
                   c->backend->info ? c->backend->info : "custom", (long long)(wait / 1000));
    }
    gtbt__backoff_save(c);
}

/* ---- the record of deliveries, shown by "telemetry show" ----
   <data_dir>/telemetry-sent.ndjson: one line per acknowledged request,
   {"time":"<RFC 3339>","backend":"<info>","events":N,"sent":[<the events>]}, at most
   GTBT__SENT_MAX bytes, 0600. Written only while enabled; disable and reset remove it. A line
   that fits is appended (the file is not read); one that does not drops the oldest lines until
   at most GTBT__SENT_KEEP bytes are left, so that a tool run many times rewrites the file once
   in many runs, not in every one. */
#define GTBT__SENT_FILE "telemetry-sent.ndjson"
#define GTBT__SENT_MAX  (256 * 1024)
#define GTBT__SENT_KEEP (GTBT__SENT_MAX - GTBT__SENT_MAX / 8)

/* ---- a spill file's events handed over as they are ----
   Backends whose body is the spill lines with fixed framing take the lines as they are: HTTP (the
   JSON array of the events: the lines joined by ',' inside '[' ']'), file (the lines, each with
   its newline) and noop (nothing). A canonical line (gtbt__spill_event_end) is copied; any
   other line is parsed and written again as before, or skipped as corrupt. OTLP, Datadog and
   PostHog put each event's fields into another shape (attributes, tags, a message made of two
   fields, nanosecond times) and a custom backend is handed gtbt_events: for those each line is
   parsed once, into the events the backend is given. */
enum { GTBT__RAW_NO, GTBT__RAW_ARRAY, GTBT__RAW_LINES, GTBT__RAW_DISCARD };

typedef struct gtbt__raw {
    int kind;                       /* GTBT__RAW_* */
    gtbt__buf body;                 /* what the backend sends or writes */
    size_t n;                       /* events in it */
    const char *tool, *version;     /* of the first event (the User-Agent) */
} gtbt__raw;

static int gtbt__raw_kind(const gtbt_backend *be) {
    if (be->send == gtbt__net_send) return ((const gtbt__net_backend *)(const void *)be)->kind == GTBT__NB_HTTP ? GTBT__RAW_ARRAY : GTBT__RAW_NO;
    if (be->send == gtbt__file_send) return GTBT__RAW_LINES;
    if (be->send == gtbt__noop_send) return GTBT__RAW_DISCARD;
    return GTBT__RAW_NO;
}

static void gtbt__too_old_log(gtbt_collector *c, size_t k, int64_t max) {
    if (k)
        gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_TOO_OLD, "dropped %zu spilled event(s) older than %s accepts (%lld h)",
                   k, c->backend->info ? c->backend->info : "the backend", (long long)(max / 3600000));
}

/* Builds raw->body from the spill text (changed: parsed lines are decoded in place, and the
   first event's tool and version; it must outlive raw). Events older than the backend accepts
   are left out. Returns the number of corrupt lines; *nomem when out of memory. */
static size_t gtbt__raw_build(gtbt_collector *c, char *text, size_t len, gtbt__raw *raw, int *nomem) {
    int64_t max = c->backend->max_event_age_ms, oldest = gtbt__realtime_ns() - max * 1000000;
    char *line = text, *end = text + len, sep = raw->kind == GTBT__RAW_ARRAY ? ',' : '\n';
    size_t corrupt = 0, old = 0, k;
    gtbt__canon_cache cc;
    gtbt__line_view v;
    memset(&cc, 0, sizeof cc);
    *nomem = 0;
    gtbt__buf_reserve(&raw->body, len + 2);   /* the whole body when every line is canonical */
    if (raw->kind == GTBT__RAW_ARRAY) gtbt__buf_putc(&raw->body, '[');
    while (line < end && !raw->body.oom) {
        const char *ev_end = gtbt__spill_event_end(line, end, &v, &cc);
        char *nl, *stop;
        gtbt__batch b;
        if (ev_end && (ev_end == end || *ev_end == '\n')) {
            stop = line + (ev_end - line);
            c->spill_raw++;
            if (max > 0 && v.time_ns < oldest) { old++; line = stop + 1; continue; }
            if (raw->n) gtbt__buf_putc(&raw->body, sep);
            gtbt__buf_put(&raw->body, line, (size_t)(stop - line));
            if (!raw->n++) {   /* copied: its tool and version strings may now be decoded in place */
                gtbt__jp j;
                j.p = (char *)(uintptr_t)v.tool; j.end = stop; j.depth = 0;
                raw->tool = gtbt__jp_str(&j);
                j.p = (char *)(uintptr_t)v.version;
                raw->version = gtbt__jp_str(&j);
            }
            line = stop + 1;
            continue;
        }
        nl = (char *)memchr(line, '\n', (size_t)(end - line));
        stop = nl ? nl : end;
        memset(&b, 0, sizeof b);   /* not canonical: parsed (in place) and written again, as before */
        corrupt += gtbt__parse_lines(&b, line, (size_t)(stop - line), nomem);
        c->spill_parsed += b.n;
        for (k = 0; k < b.n && !*nomem; k++) {
            if (max > 0 && b.ev[k].time_unix_ns < oldest) { old++; continue; }
            if (raw->n) gtbt__buf_putc(&raw->body, sep);
            gtbt__json_event_direct(&raw->body, &b.ev[k], NULL);
            if (!raw->n++) { raw->tool = b.ev[k].tool_name; raw->version = b.ev[k].version; }
        }
        gtbt__batch_free(&b);
        if (*nomem) break;
        line = stop + 1;
    }
    gtbt__buf_free(&cc.seg);
    if (*nomem) return corrupt;
    if (raw->kind == GTBT__RAW_ARRAY) gtbt__buf_putc(&raw->body, ']');
    else if (raw->n) gtbt__buf_putc(&raw->body, '\n');
    if (raw->body.oom) *nomem = 1;
    if (!raw->tool) raw->tool = "";
    if (!raw->version) raw->version = "";
    gtbt__too_old_log(c, old, max);
    return corrupt;
}

/* Hands raw->body to the backend its kind belongs to. */
static int gtbt__raw_send(gtbt_backend *be, const gtbt__raw *raw, int64_t deadline) {
    gtbt__net_backend *nb = (gtbt__net_backend *)be;
    gtbt__local_backend *lb = (gtbt__local_backend *)be;
    gtbt__buf ua;
    int rc;
    if (raw->kind == GTBT__RAW_LINES) {
        if (gtbt__test_fail_write_after >= 0 && gtbt__test_fail_write_after-- == 0) return GTBT_E_IO;
        return gtbt__append_file(lb->path, raw->body.p, raw->body.len);
    }
    if (raw->kind != GTBT__RAW_ARRAY) return GTBT_OK;
    memset(&ua, 0, sizeof ua);
    gtbt__net_ua(&ua, raw->tool, raw->version);
    rc = ua.oom ? GTBT_E_NOMEM : gtbt__net_post(nb, ua.p, NULL, 0, &raw->body, deadline);
    gtbt__buf_free(&ua);
    return rc;
}

/* Records one acknowledged request: the events, or the raw body (the same JSON array). */
static void gtbt__sent_record(gtbt_collector *c, const gtbt_event *ev, const gtbt__raw *raw, size_t n) {
    char path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH + 32], ts[40], *old = NULL;
    gtbt__buf line, all;
    size_t len = 0, from = 0;
    uint64_t size;
    int withdrawn, huge;
    gtbt__mutex_lock(&c->mu);
    withdrawn = c->withdrawn;
    gtbt__mutex_unlock(&c->mu);
    if (withdrawn || !c->spill_ok || gtbt__path_join(path, sizeof path, c->data_dir, GTBT__SENT_FILE) != GTBT_OK) return;
    memset(&line, 0, sizeof line);
    gtbt__rfc3339(gtbt__realtime_ns(), ts);
    gtbt__buf_printf(&line, "{\"time\":\"%s\",\"backend\":", ts);
    gtbt__json_str(&line, c->backend->info ? c->backend->info : "custom");
    gtbt__buf_printf(&line, ",\"events\":%zu,\"sent\":", n);
    huge = raw && line.len + raw->body.len + 2 > GTBT__SENT_MAX / 2;   /* the test below, before a copy */
    if (!raw) gtbt__json_events(&line, ev, n, 0);
    else if (!huge) gtbt__buf_put(&line, raw->body.p, raw->body.len);
    gtbt__buf_puts(&line, "}\n");
    if (huge || line.len > GTBT__SENT_MAX / 2) {   /* one huge batch: keep that it happened, not its events */
        line.len = 0;
        gtbt__buf_printf(&line, "{\"time\":\"%s\",\"backend\":", ts);
        gtbt__json_str(&line, c->backend->info ? c->backend->info : "custom");
        gtbt__buf_printf(&line, ",\"events\":%zu,\"sent\":[]}\n", n);
    }
    if (line.oom) { gtbt__buf_free(&line); return; }
    if (gtbt__fs_size(path, &size) == 0 && size + line.len > GTBT__SENT_MAX &&
        gtbt__read_file(path, GTBT__SENT_MAX * 2, 1, &old, &len) == GTBT_OK && len + line.len > GTBT__SENT_MAX) {
        while (from < len && len - from + line.len > GTBT__SENT_KEEP) {   /* drop the oldest lines */
            char *nl = (char *)memchr(old + from, '\n', len - from);
            from = nl ? (size_t)(nl - old) + 1 : len;
        }
        memset(&all, 0, sizeof all);
        gtbt__buf_put(&all, old + from, len - from);
        gtbt__buf_put(&all, line.p, line.len);
        gtbt__snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, gtbt__pid());
        if (!all.oom) gtbt__write_file_atomic(path, tmp, all.p, all.len);
        gtbt__buf_free(&all);
    } else {
        gtbt__append_file(path, line.p, line.len);
    }
    gtbt__free(old);
    gtbt__buf_free(&line);
}

static void gtbt__sent_remove(const gtbt_collector *c) {
    char path[GTBT__MAX_PATH];
    if (c->data_dir[0] && gtbt__path_join(path, sizeof path, c->data_dir, GTBT__SENT_FILE) == GTBT_OK) gtbt__fs_remove(path);
}

/* Sends one batch (the events, or with raw the body built from spill lines), honouring the
   deadline and the back-off. */
static int gtbt__send(gtbt_collector *c, const gtbt_event *ev, const gtbt__raw *raw, size_t n, int64_t deadline) {
    int rc;
    if (c->bo_until_unix_ms > gtbt__unix_ms()) return GTBT_E_HTTP_RETRY;
    if (deadline && gtbt_now_ms() >= deadline) return GTBT_E_TIMEOUT;
    c->backend->retry_after_ms = 0;
    rc = raw ? gtbt__raw_send(c->backend, raw, deadline) : c->backend->send(c->backend, ev, n, deadline);
    if (rc > 0) rc = GTBT_E_INVALID;   /* a custom backend returned nonsense */
    if (rc == GTBT_OK && !gtbt__is_local_backend(c->backend)) gtbt__sent_record(c, ev, raw, n);
    gtbt__backoff_note(c, rc, c->backend->retry_after_ms);
    if (rc != GTBT_OK)
        gtbt__logi(&c->log, rc == GTBT_E_HTTP_REJECT ? GTBT_LOGITEM_DELIVERY_REJECTED : GTBT_LOGITEM_DELIVERY_FAILED,
                   "sending %zu event(s) to %s failed: %s%s", n,
                   c->backend->info ? c->backend->info : "custom", gtbt_strerror(rc),
                   rc == GTBT_E_HTTP_REJECT ? " (dropped, not retried)" : "");
    return rc;
}

/* Drops events older than the backend accepts; returns how many remain (in place). */
static size_t gtbt__drop_too_old(gtbt_collector *c, gtbt_event *ev, size_t n) {
    int64_t max = c->backend->max_event_age_ms, oldest = gtbt__realtime_ns() - max * 1000000;
    size_t i, k = 0;
    if (max <= 0) return n;
    for (i = 0; i < n; i++)
        if (ev[i].time_unix_ns >= oldest) ev[k++] = ev[i];
    gtbt__too_old_log(c, n - k, max);
    return k;
}

/* Sends the spill files, oldest first; each file is claimed by renaming it, so processes sharing
   the data dir never send the same file. Sets *stop after a retryable failure. */
static int gtbt__replay(gtbt_collector *c, int64_t deadline, int *stop) {
    gtbt__names ready;
    char path[GTBT__MAX_PATH], claim[GTBT__MAX_PATH];
    size_t i;
    int first = GTBT_OK;
    if (gtbt__spill_list(c, &ready, 1, 0) != GTBT_OK) return GTBT_OK;
    for (i = 0; i < ready.n && !*stop; i++) {
        gtbt__batch b;
        gtbt__raw raw;
        char *text;
        size_t len, corrupt, n;
        int rc, nomem;
        gtbt__flock fl;
        if (c->bo_until_unix_ms > gtbt__unix_ms()) { first = GTBT_E_HTTP_RETRY; *stop = 1; break; }
        if (gtbt_now_ms() >= deadline) { first = GTBT_E_TIMEOUT; *stop = 1; break; }
        if (gtbt__path_join(path, sizeof path, c->data_dir, ready.v[i]) != GTBT_OK ||
            gtbt__snprintf(claim, sizeof claim, "%s.sending-%d", path, gtbt__pid()) >= (int)sizeof claim) continue;
        /* the lock is taken before the rename and held until the claim is gone: a claim that
           nobody holds is abandoned (see gtbt__spill_list) */
        if (gtbt__fs_lock(path, &fl) == 1) continue;      /* another process is claiming it */
        if (gtbt__fs_rename(path, claim) != 0) { gtbt__fs_unlock(&fl); continue; }   /* claimed */
        gtbt__fs_touch(claim);                            /* the claim's age starts now */
        rc = gtbt__read_file(claim, GTBT__SPILL_READ_MAX, 1, &text, &len);
        if (rc != GTBT_OK) {
            if (rc == GTBT_E_INVALID) {
                gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_TOO_LARGE, "spill file %s is larger than %d bytes; removed as corrupt",
                           ready.v[i], GTBT__SPILL_READ_MAX);
                gtbt__fs_remove(claim);
            } else {
                gtbt__fs_rename(claim, path);
            }
            gtbt__fs_unlock(&fl);
            continue;
        }
        memset(&b, 0, sizeof b);
        memset(&raw, 0, sizeof raw);
        raw.kind = gtbt__raw_kind(c->backend);
        if (raw.kind != GTBT__RAW_NO) {               /* the lines as they are (b stays empty) */
            corrupt = gtbt__raw_build(c, text, len, &raw, &nomem);
            b.text = text;                            /* freed with b */
            n = raw.n;
        } else {                                      /* another shape: every line parsed, once */
            corrupt = gtbt__parse_ndjson(&b, text, len, &nomem);
            c->spill_parsed += b.n;
            n = nomem ? 0 : gtbt__drop_too_old(c, b.ev, b.n);
        }
        if (nomem) {
            gtbt__fs_rename(claim, path); gtbt__fs_unlock(&fl); gtbt__batch_free(&b); gtbt__buf_free(&raw.body);
            first = GTBT_E_NOMEM; *stop = 1; break;
        }
        if (corrupt)
            gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_CORRUPT_LINES, "skipped %zu corrupt line(s) in spill file %s", corrupt, ready.v[i]);
        if (c->desc.delivery == GTBT_AT_MOST_ONCE) gtbt__fs_remove(claim);
        rc = n ? gtbt__send(c, b.ev, raw.kind != GTBT__RAW_NO ? &raw : NULL, n, deadline) : GTBT_OK;
        if (rc == GTBT_OK || rc == GTBT_E_HTTP_REJECT) {
            gtbt__fs_remove(claim);
        } else if (c->desc.delivery == GTBT_AT_LEAST_ONCE) {
            gtbt__fs_rename(claim, path);                          /* same file, same uuids, next time */
            if (first == GTBT_OK) first = rc;
            *stop = 1;
        } else {
            gtbt__logi(&c->log, GTBT_LOGITEM_SPILL_DROPPED_AT_MOST_ONCE, "%zu spilled event(s) dropped (at-most-once delivery)", n);
            *stop = 1;
        }
        gtbt__fs_unlock(&fl);
        gtbt__batch_free(&b);
        gtbt__buf_free(&raw.body);
    }
    gtbt__names_free(&ready);
    return first;
}

/* Spill files, then the buffer, within one deadline. */
static int gtbt__flush(gtbt_collector *c, int64_t deadline) {
    gtbt_event *ev = NULL;
    void **mem = NULL;
    size_t n, i;
    int first = GTBT_OK, stop = 0, rc;
    if (!c || !c->active) return GTBT_OK;
    gtbt__mutex_lock(&c->flush_mu);
    gtbt__mutex_lock(&c->mu);
    if (c->withdrawn) { gtbt__mutex_unlock(&c->mu); gtbt__mutex_unlock(&c->flush_mu); return GTBT_OK; }
    c->spill_failed = 0;                      /* a flush tries the disk again */
    gtbt__mutex_unlock(&c->mu);
    /* Debug mode, a user's local-only choice and a run without a backend (no endpoint, or one
       that is not valid) leave earlier runs' spill files for a run with the real backend; a tool
       that is local-only by design writes them to its log. */
    if (c->spill_ok && !gtbt__no_tls(c) && !c->consent.debug && (c->consent.local_only ? c->desc.local_only : c->network != NULL))
        first = gtbt__replay(c, deadline, &stop);
    if (gtbt__no_tls(c)) { stop = 1; first = GTBT_E_UNSUPPORTED; }   /* kept on disk until a TLS build sends them */
    gtbt__mutex_lock(&c->mu);
    if (c->n && c->spill_ok) gtbt__data_dir_make_locked(c);   /* for the local log, back-off, delivery record */
    n = c->n;
    if (n) {
        ev = (gtbt_event *)gtbt__malloc(n * sizeof *ev);
        mem = (void **)gtbt__malloc(n * sizeof *mem);
        if (ev && mem) {
            memcpy(ev, c->ev, n * sizeof *ev);
            memcpy(mem, c->mem, n * sizeof *mem);
            c->n = 0;
        } else {
            n = 0;
            if (first == GTBT_OK) first = GTBT_E_NOMEM;
        }
    }
    gtbt__mutex_unlock(&c->mu);
    if (n) {
        rc = stop ? (first != GTBT_OK ? first : GTBT_E_TIMEOUT) : gtbt__send(c, ev, NULL, n, deadline);
        /* under at-most-once only events that were attempted are dropped; the rest wait */
        if (rc == GTBT_OK || rc == GTBT_E_HTTP_REJECT || (c->desc.delivery == GTBT_AT_MOST_ONCE && !stop && !gtbt__no_tls(c))) {
            if (rc != GTBT_OK && rc != GTBT_E_HTTP_REJECT)
                gtbt__logi(&c->log, GTBT_LOGITEM_DROPPED_AT_MOST_ONCE, "%zu event(s) dropped (at-most-once delivery): %s", n, gtbt_strerror(rc));
            gtbt__mutex_lock(&c->mu);
            for (i = 0; i < n; i++) gtbt__block_free(c, mem[i]);
            gtbt__mutex_unlock(&c->mu);
            gtbt__free(ev);
            gtbt__free(mem);
            ev = NULL; mem = NULL;
        } else {
            gtbt__keep(c, ev, mem, n);
            ev = NULL; mem = NULL;
            if (first == GTBT_OK) first = rc;
        }
    }
    gtbt__free(ev);
    gtbt__free(mem);
    gtbt__mutex_unlock(&c->flush_mu);
    if (c->desc.delivery == GTBT_AT_MOST_ONCE && first != GTBT_E_NOMEM && first != GTBT_E_UNSUPPORTED) first = GTBT_OK;
    return first;
}

static int gtbt__parse_bool(const char *v);

/* ---- detached delivery ----
   gtbt_close may hand the delivery to a sender process so the tool exits at once: the buffer is
   written to a spill file first (durable), then one sender per data dir (a flock on
   <data_dir>/telemetry-sender.lock, which the forked sender inherits and which dies with it)
   replays the spill files by the normal path within flush_timeout_ms. After the fork the sender
   uses only this collector (its locks were held across the fork by the closing thread and are
   released in the child), the library's global lock (likewise) and the backend; it never calls
   the tool's log callback. */
static const char gtbt__sender_lock_name[] GTBT__TIGHT(char) = "telemetry-sender.lock";   /* an array: see gtbt__env_ci */
#define GTBT__SENDER_ROUNDS   16       /* spill listings one sender works through at most */
#define GTBT__SENDER_STOP_MS  3000     /* disable, reset and drop wait this long for a sender to end */

static int gtbt__sender_lock_path(const gtbt_collector *c, char *out, size_t cap) {
    return c->data_dir[0] ? gtbt__path_join(out, cap, c->data_dir, gtbt__sender_lock_name) : GTBT_E_INVALID;
}

/* Ready spill files in the data dir, claims of dead processes recovered first. */
static size_t gtbt__spill_ready(gtbt_collector *c) {
    gtbt__names ns;
    size_t n;
    if (gtbt__spill_list(c, &ns, 1, 0) != GTBT_OK) return 0;
    n = ns.n;
    gtbt__names_free(&ns);
    return n;
}

/* The sender delivering for this data dir: its pid, 0 when none, -1 when one is starting. */
static int gtbt__sender_pid(const gtbt_collector *c) {
    char path[GTBT__MAX_PATH];
    return gtbt__sender_lock_path(c, path, sizeof path) == GTBT_OK ? gtbt__sender_running(path) : 0;
}

/* Stops the sender of this data dir, if one runs, and waits (bounded) until it is gone: nothing
   is sent after disable, reset or gtbt_drop return. */
static void gtbt__sender_stop(gtbt_collector *c) {
    char path[GTBT__MAX_PATH];
    int64_t end = gtbt_now_ms() + GTBT__SENDER_STOP_MS;
    int fd, got, pid = 0;
    if (gtbt__sender_lock_path(c, path, sizeof path) != GTBT_OK) return;
    for (;;) {
        got = gtbt__sender_lock(path, 0, &fd);
        if (got == 1) gtbt__sender_unlock(fd);
        if (got != 0) return;                             /* no sender (or no lock file) */
        pid = gtbt__sender_running(path);
        if (pid > 0) gtbt__sender_kill(pid);
        if (gtbt_now_ms() >= end) break;
        gtbt__sleep_ms(5);
    }
    gtbt__logi(&c->log, GTBT_LOGITEM_SENDER_STOP_FAILED, "the background sender (process %d) did not stop within %d ms",
               pid, GTBT__SENDER_STOP_MS);
}

/* The backend's own log lines go nowhere in the sender (the tool's callback is not ours to call
   in a forked process). */
static void gtbt__backend_quiet(gtbt_backend *b) {
    if (b && b->send == gtbt__net_send) {
        gtbt__net_backend *nb = (gtbt__net_backend *)b;
        nb->log.fn = NULL;
        nb->log.item_fn = NULL;
        nb->net.log = NULL;
        nb->net.log_item = NULL;
    }
}

/* Consent is still given: a disable or reset in another process since this run began stops the sender. */
static int gtbt__consent_still_on(const gtbt_collector *c) {
    gtbt_consent k;
    return gtbt_consent_resolve(&c->desc, &k) == GTBT_OK && k.enabled && !k.local_only && !k.debug;
}

/* One pass of the sender over the spill files: 1 when more files are waiting (written meanwhile)
   and time is left, 0 when none is left, -1 when it must stop (a failure, the deadline, consent
   withdrawn): a failed delivery is not retried before the next run. */
static int gtbt__sender_round(gtbt_collector *c, int64_t deadline) {
    int stop = 0;
    if (!gtbt__consent_still_on(c)) return -1;
    c->bo_until_unix_ms = 0;
    c->bo_failures = 0;
    gtbt__backoff_load(c);                                /* another run may have started or ended one */
    gtbt__replay(c, deadline, &stop);
    if (stop || gtbt_now_ms() >= deadline) return -1;
    return gtbt__spill_ready(c) > 0;
}

typedef struct gtbt__sender_ctx {
    gtbt_collector *c;
    int lock_fd;
    char lock_path[GTBT__MAX_PATH];
} gtbt__sender_ctx;

/* The sender process: replays the spill files until none is left, the budget is spent or a
   retryable failure stops it; lets the lock go, then lists the files once more (a run that
   found the lock taken left its events to this sender) and takes the lock again for them. */
static void gtbt__sender_main(void *arg) {
    gtbt__sender_ctx *s = (gtbt__sender_ctx *)arg;
    gtbt_collector *c = s->c;
    int64_t deadline;
    int rounds = 0, again, r = 1;
    gtbt__mutex_unlock(&c->mu);                           /* held across the fork by the closing thread */
    gtbt__global_unlock();
    gtbt__mutex_unlock(&c->flush_mu);
    deadline = gtbt_now_ms() + c->desc.flush_timeout_ms;
    c->log.fn = NULL;
    c->log.item_fn = NULL;
    gtbt__backend_quiet(c->backend);
    do {
        while (rounds < GTBT__SENDER_ROUNDS && (r = gtbt__sender_round(c, deadline)) > 0) rounds++;
        gtbt__sender_unlock(s->lock_fd);
        s->lock_fd = -1;
        again = r == 0 && ++rounds < GTBT__SENDER_ROUNDS && gtbt_now_ms() < deadline && gtbt__consent_still_on(c) &&
                gtbt__spill_ready(c) > 0 && gtbt__sender_lock(s->lock_path, 0, &s->lock_fd) == 1;
        if (again) gtbt__sender_note_pid(s->lock_fd, gtbt__pid());
    } while (again);
}

/* gtbt_close through a sender. GTBT_OK when close is done (*result: what it returns): nothing to
   send, a sender already running (it lists the files again before it exits), or a new sender
   started. Any other value: deliver inline instead (a back-off in force sends nothing and only
   spills; a buffer that could not be made durable; no process could be started). */
static int gtbt__close_detached(gtbt_collector *c, int *result) {
    gtbt__sender_ctx s;
    size_t left;
    int got, rc;
    *result = GTBT_OK;
    if (gtbt__sender_lock_path(c, s.lock_path, sizeof s.lock_path) != GTBT_OK) return GTBT_E_INVALID;
    gtbt__mutex_lock(&c->flush_mu);
    gtbt__mutex_lock(&c->mu);
    if (c->withdrawn) {
        gtbt__mutex_unlock(&c->mu);
        gtbt__mutex_unlock(&c->flush_mu);
        return GTBT_OK;
    }
    if (c->bo_until_unix_ms > gtbt__unix_ms()) left = 1;  /* inline: sends nothing, spills, returns at once */
    else {
        gtbt__buffer_remove_front(c, gtbt__spill_write(c, c->ev, c->n));   /* durable first */
        left = c->n;
    }
    gtbt__mutex_unlock(&c->mu);
    if (left || !gtbt__spill_ready(c)) {                  /* inline, or nothing to send: no process */
        gtbt__mutex_unlock(&c->flush_mu);
        return left ? GTBT_E_IO : GTBT_OK;
    }
    got = gtbt__sender_lock(s.lock_path, 1, &s.lock_fd);
    if (got <= 0) {
        gtbt__mutex_unlock(&c->flush_mu);
        return got == 0 ? GTBT_OK : GTBT_E_IO;
    }
    s.c = c;
    gtbt__global_lock();                                  /* the sender finds every lock it uses free */
    gtbt__mutex_lock(&c->mu);
    rc = gtbt__sender_spawn(s.lock_fd, c->desc.flush_timeout_ms / 1000 + 3, gtbt__sender_main, &s);
    gtbt__mutex_unlock(&c->mu);
    gtbt__global_unlock();
    if (rc == GTBT_OK) gtbt__sender_handoff(s.lock_fd);
    else gtbt__sender_unlock(s.lock_fd);
    gtbt__mutex_unlock(&c->flush_mu);
    if (rc != GTBT_OK)
        gtbt__logi(&c->log, GTBT_LOGITEM_SENDER_SPAWN_FAILED, "cannot start a background sender; delivering now");
    return rc;
}

/* gtbt_close detaches: the choice resolved at gtbt_new allows it, and there is a private data
   dir to make the events durable in. Local backends (file, stdout, noop) and debug mode always
   deliver inline; under AUTO, so do custom backends (they may rely on the tool's state). */
static int gtbt__detach_wanted(const gtbt_collector *c) {
    const char *ci = gtbt__getenv(gtbt__env_ci);
    if (!GTBT__POSIX || !c->active || !c->spill_ok || c->consent.debug || c->consent.local_only || gtbt__is_local_backend(c->backend))
        return 0;
    if (c->detach == GTBT_DETACH_ALWAYS) return 1;
    if (c->detach != GTBT_DETACH_AUTO || c->backend->send != gtbt__net_send) return 0;
    if (ci && gtbt__parse_bool(ci) != 0) return 0;        /* CI set and not a false value */
    return gtbt__on_terminal();
}

/* Discards the buffer and every spill file of this data dir (consent withdrawal). */
static void gtbt__discard(gtbt_collector *c) {
    gtbt__names all;
    char path[GTBT__MAX_PATH];
    size_t i;
    gtbt__mutex_lock(&c->mu);
    gtbt__buffer_remove_front(c, c->n);
    gtbt__mutex_unlock(&c->mu);
    gtbt__sender_stop(c);                 /* before the files go: nothing is sent after this */
    /* never through a planted link or in a directory that is not ours */
    if (!c->data_dir[0] || gtbt__dir_private(c->data_dir) != GTBT_OK || gtbt__spill_list(c, &all, 0, 1) != GTBT_OK) return;
    for (i = 0; i < all.n; i++)
        if (gtbt__path_join(path, sizeof path, c->data_dir, all.v[i]) == GTBT_OK) gtbt__fs_remove(path);
    gtbt__names_free(&all);
}

/* Counts the events waiting on disk (lines of ready and claimed spill files). */
static size_t gtbt__pending_on_disk(gtbt_collector *c, size_t *files) {
    gtbt__names all;
    char path[GTBT__MAX_PATH], *text;
    size_t i, len, lines = 0, k;
    *files = 0;
    if (gtbt__spill_list(c, &all, 0, 1) != GTBT_OK) return 0;
    for (i = 0; i < all.n; i++) {
        if (all.v[i][0] == '.') continue;   /* still being written */
        if (gtbt__path_join(path, sizeof path, c->data_dir, all.v[i]) != GTBT_OK) continue;
        if (gtbt__read_file(path, GTBT__SPILL_READ_MAX, 1, &text, &len) != GTBT_OK) continue;
        (*files)++;
        for (k = 0; k < len; k++) lines += text[k] == '\n';
        if (len && text[len - 1] != '\n') lines++;   /* a last line without its newline */
        gtbt__free(text);
    }
    gtbt__names_free(&all);
    return lines;
}

/* ---- building a collector ---- */
/* 1..40 bytes of [A-Za-z0-9._-], not starting with '.': safe as a directory name. */
static int gtbt__valid_tool_name(const char *t) {
    size_t i, n = t ? strlen(t) : 0;
    if (n == 0 || n > GTBT__MAX_TOOL_NAME || t[0] == '.') return 0;
    for (i = 0; i < n; i++) {
        char ch = t[i];
        if (!(gtbt__is_alnum(ch) || ch == '.' || ch == '_' || ch == '-')) return 0;
    }
    return 1;
}

static void gtbt__collector_free(gtbt_collector *c) {
    size_t i;
    for (i = 0; i < c->n; i++) gtbt__block_free(c, c->mem[i]);
    gtbt__free(c->slab);    /* the last slab, empty now (a slab with blocks left is freed with its last block) */
    if (c->network && c->network != c->backend) gtbt_backend_destroy(c->network);
    gtbt_backend_destroy(c->backend);
    gtbt_deletion_destroy(c->deletion);
    gtbt__free(c->ev); gtbt__free(c->mem);
    gtbt__kvs_free(c->metadata, c->n_metadata);
    gtbt__free(c->meta_klen); gtbt__free(c->meta_vlen);
    gtbt__kvs_free((gtbt_kv *)(uintptr_t)c->desc.net.headers, c->desc.net.n_headers);
    gtbt__kvs_free((gtbt_kv *)(uintptr_t)c->desc.otel_headers, c->desc.n_otel_headers);
    gtbt__free((void *)(uintptr_t)c->desc.net.ca_file); gtbt__free((void *)(uintptr_t)c->desc.net.proxy);
    gtbt__free((void *)(uintptr_t)c->desc.tool_name); gtbt__free((void *)(uintptr_t)c->desc.version);
    gtbt__free((void *)(uintptr_t)c->desc.endpoint); gtbt__free((void *)(uintptr_t)c->desc.otel_endpoint);
    gtbt__free((void *)(uintptr_t)c->desc.support_message); gtbt__free((void *)(uintptr_t)c->desc.no_backend_reason);
    gtbt__mutex_destroy(&c->mu);
    gtbt__mutex_destroy(&c->flush_mu);
    gtbt__free(c);
}

/* The desc with every default filled in: the one place where a zero field becomes its default.
   Strings stay borrowed from in (gtbt__collector_copy copies them); config_dir and data_dir are
   resolved by the caller, which owns the buffers. */
static gtbt_desc gtbt__desc_defaults(const gtbt_desc *in) {
    gtbt_desc d = *in;
    d.tool_name = gtbt__valid_tool_name(in->tool_name) ? in->tool_name : "";
    d.version = gtbt__def(in->version, "");
    d.endpoint = gtbt__def(in->endpoint, "");
    d.otel_endpoint = gtbt__def(in->otel_endpoint, "");
    d.support_message = gtbt__def(in->support_message, "");
    d.no_backend_reason = gtbt__def(in->no_backend_reason, "");
    d.delivery = in->delivery == GTBT_AT_MOST_ONCE ? GTBT_AT_MOST_ONCE : GTBT_AT_LEAST_ONCE;
    d.id_scheme = in->id_scheme == GTBT_ID_GO_COMPATIBLE ? GTBT_ID_GO_COMPATIBLE : GTBT_ID_PER_TOOL;
    d.flush_timeout_ms = in->flush_timeout_ms > 0 ? in->flush_timeout_ms : GTBT__FLUSH_TIMEOUT_MS;
    d.max_buffer = (in->max_buffer > 0 && in->max_buffer < GTB_TELEMETRY_MAX_BUFFER) ? in->max_buffer : GTB_TELEMETRY_MAX_BUFFER;
    if (!d.otel_headers) d.n_otel_headers = 0;
    if (!d.net.headers) d.net.n_headers = 0;
    if (!d.net.log && !d.net.log_item) {
        d.net.log = in->log; d.net.log_item = in->log_item; d.net.log_user = in->log_user; d.net.log_level = in->log_level;
    }
    d.backend = NULL;                 /* owned by the collector, not by its desc */
    d.deletion = NULL;
    d.metadata = NULL; d.n_metadata = 0;
    return d;
}

/* Keeps a deep copy of the defaulted desc. 0 when out of memory. */
static int gtbt__collector_copy(gtbt_collector *c, const gtbt_desc *in) {
    gtbt_desc d = gtbt__desc_defaults(in);
    int nomem = 0;
    c->log.fn = d.log; c->log.item_fn = d.log_item; c->log.user = d.log_user; c->log.level = d.log_level;
    c->desc = d;
    c->desc.tool_name = gtbt__strdup(d.tool_name);
    c->desc.version = gtbt__strdup(d.version);
    if (c->desc.version && gtbt__clean_ctl((char *)(uintptr_t)c->desc.version))   /* it goes into every event and the User-Agent */
        gtbt__logi(&c->log, GTBT_LOGITEM_VERSION_CLEANED, "gtbt_desc.version had control characters or blanks at its ends; using \"%s\"", c->desc.version);
    c->desc.endpoint = gtbt__strdup(d.endpoint);
    c->desc.otel_endpoint = gtbt__strdup(d.otel_endpoint);
    c->desc.support_message = gtbt__strdup(d.support_message);
    c->desc.no_backend_reason = gtbt__strdup(d.no_backend_reason);
    c->desc.net.ca_file = gtbt__strdup(d.net.ca_file);
    c->desc.net.proxy = gtbt__strdup(d.net.proxy);
    c->desc.net.headers = gtbt__kvs_copy(d.net.headers, d.net.n_headers, &nomem);
    if (!c->desc.net.headers) c->desc.net.n_headers = 0;
    c->desc.otel_headers = gtbt__kvs_copy(d.otel_headers, d.n_otel_headers, &nomem);
    if (!c->desc.otel_headers) c->desc.n_otel_headers = 0;
    c->desc.config_dir = c->config_dir;
    c->desc.data_dir = c->data_dir;
    c->max_buffer = (size_t)d.max_buffer;
    if ((d.net.ca_file && !c->desc.net.ca_file) || (d.net.proxy && !c->desc.net.proxy)) nomem = 1;
    return !nomem && c->desc.tool_name && c->desc.version && c->desc.endpoint && c->desc.otel_endpoint && c->desc.support_message &&
           c->desc.no_backend_reason;
}

/* The collector's metadata: redacted, cut to the limits, sorted, at most GTBT__MAX_PAIRS. */
static int gtbt__collector_metadata(gtbt_collector *c, const gtbt_kv *kv, size_t n) {
    gtbt__pairs *ps = (gtbt__pairs *)gtbt__malloc(sizeof *ps);
    size_t i;
    int ok = 1;
    if (!ps) return 0;
    ps->n = ps->dropped = ps->ntmp = ps->used = ps->outside = 0;
    ps->outside_key = ps->outside_value = 0;
    for (i = 0; kv && i < n; i++) if (kv[i].key) gtbt__pairs_add(ps, kv[i].key, kv[i].value);
    if (ps->n) {
        c->metadata = (gtbt_kv *)gtbt__calloc(ps->n, sizeof *c->metadata);
        c->meta_klen = (size_t *)gtbt__calloc(ps->n, sizeof(size_t));
        c->meta_vlen = (size_t *)gtbt__calloc(ps->n, sizeof(size_t));
        ok = c->metadata && c->meta_klen && c->meta_vlen;
        for (i = 0; ok && i < ps->n; i++) {
            c->metadata[i].key = gtbt__strndup(ps->key[i].p, ps->key[i].n);
            c->metadata[i].value = gtbt__strndup(ps->value[i].p, ps->value[i].n);
            c->n_metadata = i + 1;
            if (!c->metadata[i].key || !c->metadata[i].value) ok = 0;
        }
        if (ok) {
            gtbt__kv_sort(c->metadata, c->n_metadata);
            for (i = 0; i < c->n_metadata; i++) {
                c->meta_klen[i] = strlen(c->metadata[i].key);
                c->meta_vlen[i] = strlen(c->metadata[i].value);
            }
        }
    }
    gtbt__pairs_free(ps);
    gtbt__free(ps);
    return ok;
}

/* The id this collector's events carry (gtbt_desc.id_scheme). */
static void gtbt__collector_id(const gtbt_collector *c, char out[17]) {
    gtbt_machine_id(c->desc.id_scheme == GTBT_ID_GO_COMPATIBLE ? NULL : c->desc.tool_name, out);
}

/* The network backend the desc describes: OTLP, else HTTP, else none. */
static gtbt_backend *gtbt__network_from_desc(gtbt_collector *c, const char **why) {
    gtbt_backend *b = NULL;
    const char *url = c->desc.otel_endpoint[0] ? c->desc.otel_endpoint : c->desc.endpoint;
    *why = NULL;
    if (!GTBT__TLS && !gtbt__ascii_ncasecmp(url, "https:", 6)) {
        c->no_tls = 1;
        *why = "noop (this build has no TLS: the https:// endpoint cannot be used)";
        return NULL;
    }
    if (c->desc.otel_endpoint[0]) {
        gtbt_otlp_desc od;
        memset(&od, 0, sizeof od);
        od.endpoint = c->desc.otel_endpoint;
        od.insecure = c->desc.otel_insecure != 0;
        od.service_name = c->desc.tool_name;
        od.service_version = c->desc.version;
        od.net = c->desc.net;
        od.net.headers = c->desc.otel_headers;
        od.net.n_headers = c->desc.n_otel_headers;
        if (!(b = gtbt_otlp_backend(&od))) *why = "noop (invalid OTLP endpoint)";
    } else if (c->desc.endpoint[0]) {
        gtbt_http_desc hd;
        memset(&hd, 0, sizeof hd);
        hd.endpoint = c->desc.endpoint;
        hd.net = c->desc.net;
        if (!(b = gtbt_http_backend(&hd))) *why = "noop (invalid endpoint)";
    }
    return b;
}

/* Chooses where events go; the user's local-only choice beats everything. */
static int gtbt__select_backend(gtbt_collector *c, gtbt_backend *custom) {
    const char *why = NULL;
    char path[GTBT__MAX_PATH];
    c->network = custom ? custom : gtbt__network_from_desc(c, &why);
    if (why && gtbt__no_tls(c))
        gtbt__logi(&c->log, GTBT_LOGITEM_NO_TLS_KEPT, "gtbt_desc.%s is https:// but this build has GTB_TELEMETRY_NO_TLS; events are kept on disk, not sent (build with BearSSL to send them)",
                   c->desc.otel_endpoint[0] ? "otel_endpoint" : "endpoint");
    else if (why) gtbt__logi(&c->log, GTBT_LOGITEM_CONFIG_INVALID, "%s; check gtbt_desc.%s", why, c->desc.otel_endpoint[0] ? "otel_endpoint" : "endpoint");
    if (c->consent.debug) {
        c->backend = gtbt__debug_backend(c->network, stderr);
        GTBT__SET_TEXT(c->info, "stdout (debug: events printed to stderr, nothing sent)");
    } else if (c->consent.local_only) {
        if (c->spill_ok && gtbt__path_join(path, sizeof path, c->data_dir, gtbt__local_log_name) == GTBT_OK) {
            c->backend = gtbt_file_backend(path);
            gtbt__snprintf(c->info, sizeof c->info, "file (%s)", path);
        } else {
            c->backend = gtbt_noop_backend();
            GTBT__SET_TEXT(c->info, "noop (local-only, but no usable data directory)");
        }
    } else if (c->network) {
        c->backend = c->network;
        gtbt__snprintf(c->info, sizeof c->info, "%s", custom && !custom->info ? "custom" : c->network->info);
    } else {
        c->backend = gtbt_noop_backend();
        gtbt__snprintf(c->info, sizeof c->info, "%s", why ? why : "noop (no endpoint configured)");
    }
    if (c->backend && c->backend != c->network) c->backend->info = c->info;
    return c->backend != NULL;
}

// >>consent --------------------------------------------------------------------------------------
/* 1 for 1 t true yes on, 0 for 0 f false no off (ASCII case-insensitive), -1 for anything else. */
static int gtbt__parse_bool(const char *v) {
    static const char words[] GTBT__TIGHT(char) = "1\0t\0true\0yes\0on\0" "0\0f\0false\0no\0off\0";   /* yes, then no */
    const char *w;
    int i;
    if (!v) return -1;
    for (i = 0, w = words; i < 10; i++, w = gtbt__rx_wnext(w))
        if (!gtbt__ascii_casecmp(v, w)) return i < 5;
    return -1;
}

/* "<TOOL>_<suffix>": the tool name upper-cased, other characters as '_'. */
static void gtbt__tool_env(const char *tool, const char *suffix, char *out, size_t cap) {
    size_t i = 0;
    for (; tool[i] && i + 1 < cap; i++) {
        char ch = tool[i];
        out[i] = gtbt__is_lower(ch) ? (char)(ch - 32) : (gtbt__is_upper(ch) || gtbt__is_digit(ch)) ? ch : '_';
    }
    out[i] = 0;
    if (i + 1 < cap) { out[i++] = '_'; gtbt__copy(out + i, cap - i, suffix, strlen(suffix)); }
}

/* The directories leave this much of GTBT__MAX_PATH for the names of the files inside them. */
#define GTBT__DIR_NAME_ROOM 128

/* The config or data dir of desc (given, else the platform default). A path that does not fit
   (an over-long $XDG_CONFIG_HOME, $XDG_STATE_HOME or HOME) is refused, never cut: GTBT_E_INVALID
   and out empty. */
static int gtbt__dir_of(const char *given, int (*dflt)(const char *, char *, size_t), const char *tool, char *out, size_t cap) {
    int rc;
    if (cap <= GTBT__DIR_NAME_ROOM) { if (cap) out[0] = 0; return GTBT_E_INVALID; }
    cap -= GTBT__DIR_NAME_ROOM;
    if (given && given[0]) {
        rc = strlen(given) < cap ? GTBT_OK : GTBT_E_INVALID;
        if (rc == GTBT_OK) gtbt__copy(out, cap, given, strlen(given));
    } else {
        rc = dflt(tool, out, cap);
    }
    if (rc != GTBT_OK) out[0] = 0;
    return rc;
}
static int gtbt__config_dir(const gtbt_desc *desc, char *out, size_t cap) {
    return gtbt__dir_of(desc->config_dir, gtbt__default_config_dir, desc->tool_name, out, cap);
}
static int gtbt__data_dir(const gtbt_desc *desc, char *out, size_t cap) {
    return gtbt__dir_of(desc->data_dir, gtbt__default_data_dir, desc->tool_name, out, cap);
}

/* The consent file, parsed: "key = value" lines, '#' comments, blank lines. */
typedef struct gtbt__conf {
    int exists, malformed, malformed_line;
    int enabled, local_only;        /* -1 unset, 0, 1 */
    char *text; size_t len;         /* the file, for rewriting */
} gtbt__conf;

/* Splits a line into key and value (both trimmed, in place). 1 when it is "key = value". */
static int gtbt__conf_split(char *line, char **key, char **value) {
    char *eq = gtbt__chr(line, '='), *k = line, *end;
    if (!eq) return 0;
    *eq = 0;
    gtbt__trim(k);
    if (!*k) return 0;
    for (end = k; *end; end++)
        if (!(gtbt__is_alnum(*end) || *end == '_' || *end == '.' || *end == '-')) return 0;
    *key = k;
    *value = eq + 1;
    gtbt__trim(*value);
    end = *value + strlen(*value);
    if (end - *value >= 2 && (**value == '"' || **value == '\'') && end[-1] == **value) { end[-1] = 0; (*value)++; }
    return 1;
}

static int gtbt__conf_blank_or_comment(const char *line) {
    while (*line == ' ' || *line == '\t' || *line == '\r') line++;
    return *line == 0 || *line == '#';
}

static void gtbt__conf_read(const char *config_dir, gtbt__conf *cf) {
    char path[GTBT__MAX_PATH], *copy, *line, *next;
    int rc, lineno = 0;
    memset(cf, 0, sizeof *cf);
    cf->enabled = cf->local_only = -1;
    if (gtbt__path_join(path, sizeof path, config_dir, "telemetry.conf") != GTBT_OK) return;
    rc = gtbt__read_file(path, GTBT__CONF_MAX, 1, &cf->text, &cf->len);
    if (rc == GTBT_E_IO && errno == ENOENT) return;
    cf->exists = 1;
    if (rc != GTBT_OK) { cf->malformed = 1; return; }
    if (memchr(cf->text, 0, cf->len)) { cf->malformed = 1; cf->malformed_line = 1; return; }
    if (!(copy = gtbt__strndup(cf->text, cf->len))) { cf->malformed = 1; return; }
    for (line = copy; line; line = next) {
        char *key, *value;
        int v;
        next = gtbt__chr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        if (gtbt__conf_blank_or_comment(line)) continue;
        if (!gtbt__conf_split(line, &key, &value)) {
            if (!cf->malformed) cf->malformed_line = lineno;
            cf->malformed = 1;
            continue;
        }
        v = gtbt__parse_bool(value);
        if (!strcmp(key, "enabled")) {
            if (v < 0) { if (!cf->malformed) cf->malformed_line = lineno; cf->malformed = 1; }
            else cf->enabled = v;
        } else if (!strcmp(key, "local_only")) {
            cf->local_only = v == 1;
        }
    }
    gtbt__free(copy);
    if (cf->malformed) cf->enabled = -1;   /* a file we do not understand is "not set" */
}

static void gtbt__conf_free(gtbt__conf *cf) { gtbt__free(cf->text); cf->text = NULL; }

/* Environment boolean: 1/0 when the variable is present (anything unparsable = 0), -1 absent. */
static int gtbt__env_bool(const char *name) {
    const char *v = gtbt__getenv(name);
    return v ? gtbt__parse_bool(v) == 1 : -1;
}

/* gtbt_desc.detach, unless <TOOL>_TELEMETRY_DETACH / TELEMETRY_DETACH (a boolean) override it. */
static gtbt_detach gtbt__detach_choice(const gtbt_desc *desc) {
    char var[GTBT__MAX_TOOL_NAME + 24];
    int v = -1;
    if (gtbt__valid_tool_name(desc->tool_name)) {
        gtbt__tool_env(desc->tool_name, "TELEMETRY_DETACH", var, sizeof var);
        v = gtbt__env_bool(var);
    }
    if (v < 0) v = gtbt__env_bool("TELEMETRY_DETACH");
    if (v >= 0) return v ? GTBT_DETACH_ALWAYS : GTBT_DETACH_NEVER;
    return desc->detach == GTBT_DETACH_NEVER || desc->detach == GTBT_DETACH_ALWAYS ? desc->detach : GTBT_DETACH_AUTO;
}

/* DO_NOT_TRACK set to anything but empty, 0 or false means off: an opt-out fails safe. */
static int gtbt__do_not_track(void) {
    const char *v = gtbt__getenv("DO_NOT_TRACK");
    return v && v[0] && strcmp(v, "0") != 0 && gtbt__ascii_casecmp(v, "false") != 0;
}

GTB_TELEMETRY_API int gtbt_consent_resolve(const gtbt_desc *desc, gtbt_consent *out) {
    char var[GTBT__MAX_TOOL_NAME + 24], dir[GTBT__MAX_PATH];
    gtbt__conf cf;
    int v, tool_v;
    if (!out) return GTBT_E_INVALID;
    memset(out, 0, sizeof *out);
    GTBT__SET_TEXT(out->decided_by, "default");
    if (!desc || !gtbt__valid_tool_name(desc->tool_name)) return GTBT_E_INVALID;
    if (gtbt__config_dir(desc, dir, sizeof dir) == GTBT_OK) gtbt__conf_read(dir, &cf);
    else { memset(&cf, 0, sizeof cf); cf.enabled = cf.local_only = -1; }
    out->is_set = cf.enabled >= 0;
    out->file_malformed = cf.malformed != 0;
    gtbt__conf_free(&cf);
    gtbt__tool_env(desc->tool_name, "TELEMETRY_ENABLED", var, sizeof var);
    tool_v = gtbt__env_bool(var);
    if (desc->force_enabled) {
        out->enabled = true;
        GTBT__SET_TEXT(out->decided_by, "force_enabled");
    } else if (gtbt__do_not_track()) {
        GTBT__SET_TEXT(out->decided_by, "DO_NOT_TRACK");
    } else if (tool_v >= 0) {
        out->enabled = tool_v == 1;
        gtbt__snprintf(out->decided_by, sizeof out->decided_by, "%s", var);
    } else if ((v = gtbt__env_bool("TELEMETRY_ENABLED")) >= 0) {
        out->enabled = v == 1;
        GTBT__SET_TEXT(out->decided_by, "TELEMETRY_ENABLED");
    } else if (out->is_set) {
        out->enabled = cf.enabled == 1;
        GTBT__SET_TEXT(out->decided_by, "config");
    }
    gtbt__tool_env(desc->tool_name, "TELEMETRY_LOCAL", var, sizeof var);
    if ((v = gtbt__env_bool(var)) >= 0 || (v = gtbt__env_bool("TELEMETRY_LOCAL")) >= 0) out->local_only = v == 1;
    else out->local_only = cf.local_only >= 0 ? cf.local_only == 1 : desc->local_only;
    gtbt__tool_env(desc->tool_name, "TELEMETRY_DEBUG", var, sizeof var);
    out->debug = out->enabled && (gtbt__env_bool(var) == 1 || gtbt__env_bool("TELEMETRY_DEBUG") == 1);
    return GTBT_OK;
}

GTB_TELEMETRY_API int gtbt_consent_set(const gtbt_desc *desc, bool enabled) {
    char dir[GTBT__MAX_PATH], path[GTBT__MAX_PATH], tmp[GTBT__MAX_PATH + 32];
    gtbt__conf cf;
    gtbt__buf out;
    char *copy = NULL, *line, *next;
    size_t k;
    int rc, written = 0;
    if (!desc || !gtbt__valid_tool_name(desc->tool_name)) return GTBT_E_INVALID;
    if (gtbt__config_dir(desc, dir, sizeof dir) != GTBT_OK ||
        gtbt__path_join(path, sizeof path, dir, "telemetry.conf") != GTBT_OK) return GTBT_E_INVALID;
    if ((rc = gtbt__mkdir_private(dir)) != GTBT_OK) return rc;
    gtbt__conf_read(dir, &cf);
    memset(&out, 0, sizeof out);
    if (cf.text && !(copy = gtbt__strndup(cf.text, cf.len))) { gtbt__conf_free(&cf); return GTBT_E_NOMEM; }
    for (k = 0; copy && k < cf.len; k++) if (!copy[k]) copy[k] = '?';   /* keep what follows a NUL */
    if (!copy) gtbt__buf_puts(&out, "# Usage telemetry consent. Change it with the tool's \"telemetry enable|disable\".\n");
    for (line = copy; line; line = next) {
        char *key, *value, *dup;
        next = gtbt__chr(line, '\n');
        if (next) *next++ = 0;
        else if (!*line) break;   /* the text ended with a newline */
        if (gtbt__conf_blank_or_comment(line)) { gtbt__buf_puts(&out, line); gtbt__buf_putc(&out, '\n'); continue; }
        dup = gtbt__strdup(line);
        if (dup && gtbt__conf_split(dup, &key, &value)) {
            if (!strcmp(key, "enabled")) {
                if (!written) gtbt__buf_printf(&out, "enabled = %s\n", enabled ? "true" : "false");
                written = 1;
            } else {
                gtbt__buf_puts(&out, line); gtbt__buf_putc(&out, '\n');
            }
        } else if (cf.len < GTBT__CONF_MAX / 2) {
            /* keep what we could not read, as a comment, so the file becomes valid again */
            gtbt__buf_printf(&out, "# (invalid line kept as a comment) %s\n", line);
        }   /* else: a large broken file loses its broken lines rather than stay unreadable */
        gtbt__free(dup);
    }
    if (!written) gtbt__buf_printf(&out, "enabled = %s\n", enabled ? "true" : "false");
    gtbt__free(copy);
    if (out.len > GTBT__CONF_MAX) {   /* never write a file we could not read back: start afresh */
        out.len = 0;
        gtbt__buf_printf(&out, "enabled = %s\n", enabled ? "true" : "false");
        if (cf.local_only >= 0) gtbt__buf_printf(&out, "local_only = %s\n", cf.local_only ? "true" : "false");
    }
    gtbt__conf_free(&cf);
    if (out.oom) { gtbt__buf_free(&out); return GTBT_E_NOMEM; }
    gtbt__snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, gtbt__pid());
    rc = gtbt__write_file_atomic(path, tmp, out.p, out.len);
    gtbt__buf_free(&out);
    return rc;
}

// >>cli ------------------------------------------------------------------------------------------
/* The end user's "telemetry" commands. Texts follow the Go original's, with its fixes: the words
   say what is collected (a pseudonymous id included), status tells the resolved truth, reset
   reports what really happened, and help or a wrong argument never changes anything. */
typedef struct gtbt__cli_sub { const char *name, *summary, *help; } gtbt__cli_sub;
static const gtbt__cli_sub gtbt__cli_subs[] GTBT__TIGHT(gtbt__cli_sub) = {
    {"enable", "Enable pseudonymous usage telemetry",
     "Saves your consent: from the next run on, %s records which of its commands you run and\n"
     "sends that, with a pseudonymous id, to its author. \"%s telemetry show\" shows what is sent.\n"},
    {"disable", "Disable usage telemetry",
     "Saves that you do not consent, and discards every event not sent yet. Nothing is sent\n"
     "after it, not even the disable itself.\n"},
    {"status", "Show current telemetry status",
     "Shows whether telemetry is on and what decided it, where events go, what is collected,\n"
     "the pseudonymous id, the files used, the events waiting to be sent and any back-off.\n"
     "Changes nothing.\n"},
    {"show", "Show what is sent, and what was sent",
     "Prints the exact request the next delivery would send (for the events waiting, or for a\n"
     "sample event while telemetry is off), with keys masked, and the last deliveries recorded\n"
     "in the data directory. Changes nothing.\n"},
    {"reset", "Clear local telemetry data and request remote deletion",
     "Clears all local telemetry data (buffered events, spill files, local-only logs, the record\n"
     "of deliveries), asks for the deletion of what was sent, reports exactly what happened, and\n"
     "disables telemetry.\n"}};
#define GTBT__CLI_NSUBS (sizeof gtbt__cli_subs / sizeof gtbt__cli_subs[0])

static const char *gtbt__cli_tool(const gtbt_collector *c) { return c->desc.tool_name[0] ? c->desc.tool_name : "<tool>"; }

static void gtbt__cli_usage(const gtbt_collector *c, FILE *out) {
    size_t i;
    fprintf(out,
            "Manage opt-in pseudonymous usage analytics for this tool.\n"
            "\n"
            "Telemetry is off unless you opt in. Use the enable, disable, status, show and reset\n"
            "subcommands to turn collection on or off, inspect the current state, see what is sent,\n"
            "and clear local data while requesting remote deletion.\n"
            "\n"
            "Usage:\n"
            "  %s telemetry <command>\n"
            "  %s telemetry <command> --help\n"
            "\n"
            "Available Commands:\n", gtbt__cli_tool(c), gtbt__cli_tool(c));
    for (i = 0; i < GTBT__CLI_NSUBS; i++) fprintf(out, "  %-10s  %s\n", gtbt__cli_subs[i].name, gtbt__cli_subs[i].summary);
}

static void gtbt__cli_sub_help(const gtbt_collector *c, const gtbt__cli_sub *sub, FILE *out) {
    fprintf(out, "%s\n\nUsage:\n  %s telemetry %s\n\n", sub->summary, gtbt__cli_tool(c), sub->name);
    fprintf(out, sub->help, gtbt__cli_tool(c), gtbt__cli_tool(c));
}

/* Prints s with anything but printable ASCII replaced, at most 64 bytes. */
static void gtbt__print_safe(FILE *out, const char *s) {
    int i;
    for (i = 0; s[i] && i < 64; i++) fputc((s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?', out);
}

/* What is collected, in one paragraph: the prompt, enable and status say the same. */
static void gtbt__print_collected(FILE *out, const char *tool, bool extended) {
    fprintf(out,
            "What is collected: which %s commands run, how long they take and their exit code,\n"
            "%s's version, the OS and architecture%s, and a pseudonymous id: a\n"
            "hash that stays the same for %s on this machine and reveals no name, host or hardware.\n"
            "Never collected: file contents, environment variables, IP addresses.\n",
            tool, tool, extended ? ", the command's arguments and errors with secrets removed" : "", tool);
}

/* Stops all recording and sending at once and discards what is pending (consent withdrawn). */
static void gtbt__withdraw(gtbt_collector *c) {
    gtbt__mutex_lock(&c->mu);
    c->withdrawn = 1;
    gtbt__mutex_unlock(&c->mu);
    gtbt__mutex_lock(&c->flush_mu);   /* waits for a flush under way, then nothing is sent */
    gtbt__discard(c);                 /* also the files of earlier runs, when disabled now */
    gtbt__sent_remove(c);
    gtbt__mutex_unlock(&c->flush_mu);
}

static void gtbt__explain(const gtbt_collector *c, const gtbt_consent *k, char *out, size_t cap) {
    if (!strcmp(k->decided_by, "force_enabled")) gtbt__snprintf(out, cap, "organisation policy (always on)");
    else if (!strcmp(k->decided_by, "config")) gtbt__snprintf(out, cap, "your choice in %s" GTBT__SEP "telemetry.conf", c->config_dir);
    else if (!strcmp(k->decided_by, "default")) gtbt__snprintf(out, cap, "default (off until you opt in)");
    else gtbt__snprintf(out, cap, "the %s environment variable", k->decided_by);
}

/* Why the consent file could not be written, with the fix. */
static void gtbt__cli_write_error(const gtbt_collector *c, int rc, FILE *out) {
    char why[GTBT__MAX_PATH * 2 + 128];
    if (gtbt__mkdir_private_why(c->config_dir, why, sizeof why) != GTBT_OK)
        fprintf(out, "Cannot use %s: %s.\n", c->config_dir, why);
    else
        fprintf(out, "Cannot write %s/telemetry.conf (%s).\n", c->config_dir, gtbt_strerror(rc));
}

static int gtbt__cli_enable(gtbt_collector *c, FILE *out) {
    gtbt_consent k;
    char why[GTBT__MAX_PATH + 64];
    int rc = gtbt_consent_set(&c->desc, true);
    if (rc != GTBT_OK) {
        fprintf(out, "Telemetry could not be enabled.\n");
        gtbt__cli_write_error(c, rc, out);
        return 1;
    }
    fprintf(out, "Telemetry enabled. Thank you for helping improve %s!\n", c->desc.tool_name);
    gtbt__print_collected(out, c->desc.tool_name, c->desc.extended_collection);
    fprintf(out, "See exactly what is sent with \"%s telemetry show\"; stop with \"%s telemetry disable\".\n",
            c->desc.tool_name, c->desc.tool_name);
    gtbt_consent_resolve(&c->desc, &k);
    if (!k.enabled) {
        gtbt__explain(c, &k, why, sizeof why);
        fprintf(out, "Note: telemetry stays off while %s says so.\n", why);
    }
    return 0;
}

static int gtbt__cli_disable(gtbt_collector *c, FILE *out) {
    gtbt_consent k;
    char why[GTBT__MAX_PATH + 64];
    int rc;
    if (c->desc.force_enabled) {
        fprintf(out, "Telemetry is enforced by your organisation and cannot be disabled.\n");
        return 0;
    }
    gtbt__withdraw(c);
    rc = gtbt_consent_set(&c->desc, false);
    if (rc != GTBT_OK) {
        fprintf(out, "Telemetry is off for this run, but the choice could not be saved.\n");
        gtbt__cli_write_error(c, rc, out);
        fprintf(out, "All pending events have been discarded.\n");
        return 1;
    }
    fprintf(out, "Telemetry disabled.\n");
    fprintf(out, "All pending events have been discarded.\n");
    gtbt_consent_resolve(&c->desc, &k);
    if (k.enabled) {
        gtbt__explain(c, &k, why, sizeof why);
        fprintf(out, "Note: %s still turns telemetry on for later runs; unset it to opt out fully.\n", why);
    }
    return 0;
}

/* The network backend of the desc for a command that only looks (status, show): the
   collector's, else one built now (returned in *tmp, to destroy). */
static gtbt_backend *gtbt__cli_network(gtbt_collector *c, gtbt_backend **tmp) {
    const char *why;
    *tmp = NULL;
    if (c->network || gtbt__no_tls(c)) return c->network;
    return *tmp = gtbt__network_from_desc(c, &why);
}

/* Where events go, in plain words. */
static void gtbt__where(gtbt_collector *c, const gtbt_consent *k, char *out, size_t cap) {
    gtbt_backend *tmp, *net;
    if (!k->enabled) {
        gtbt__snprintf(out, cap, "nowhere: telemetry is off%s", !strcmp(k->decided_by, "default") || !strcmp(k->decided_by, "config") ? " (\"telemetry enable\" turns it on)" : "");
        return;
    }
    if (k->debug) { gtbt__snprintf(out, cap, "nowhere: debug mode prints them to stderr (unset the TELEMETRY_DEBUG variable to send them)"); return; }
    if (k->local_only) {
        gtbt__snprintf(out, cap, "this machine only: %s/telemetry.log (local-only mode)", c->data_dir[0] ? c->data_dir : "(no data directory)");
        return;
    }
    net = gtbt__cli_network(c, &tmp);
    if (gtbt__no_tls(c)) {
        gtbt__snprintf(out, cap, "nowhere: this build has no TLS, so its https:// endpoint cannot be used; events are kept on disk (rebuild %s with BearSSL)", c->desc.tool_name);
    } else if (gtbt__is_net_backend(net)) {
        gtbt__url u;
        const gtbt__net_backend *nb = (const gtbt__net_backend *)(const void *)net;
        static const char *const kinds[] = {"JSON over HTTP", "OpenTelemetry", "Datadog", "PostHog"};
        char shown[GTBT__URL_MAX];
        gtbt__url_display(nb->url, shown, sizeof shown);   /* never a query, user or password */
        if (gtbt__url_parse(nb->url, &u) == GTBT_OK)
            gtbt__snprintf(out, cap, "%s (%s, %s)", u.hostport, kinds[nb->kind >= 0 && nb->kind < 4 ? nb->kind : 0], shown);
        else gtbt__snprintf(out, cap, "%s", net->info);
    } else if (net) {
        gtbt__snprintf(out, cap, "the tool's own backend: %s", net->info ? net->info : "custom");
    } else if (c->desc.no_backend_reason[0]) {
        gtbt__snprintf(out, cap, "nowhere: %s", c->desc.no_backend_reason);
    } else if (c->desc.endpoint[0] || c->desc.otel_endpoint[0]) {
        char shown[GTBT__URL_MAX];
        gtbt__url_display(c->desc.otel_endpoint[0] ? c->desc.otel_endpoint : c->desc.endpoint, shown, sizeof shown);
        gtbt__snprintf(out, cap, "nowhere: the endpoint %s is not a valid URL (the tool's author must fix it)", shown);
    } else {
        gtbt__snprintf(out, cap, "nowhere: this build of %s has no endpoint configured", c->desc.tool_name);
    }
    gtbt_backend_destroy(tmp);
}

static int gtbt__cli_status(gtbt_collector *c, FILE *out) {
    gtbt_consent k;
    gtbt__conf cf;
    char why[GTBT__MAX_PATH + 64], id[17], where[GTBT__MAX_PATH + 300];
    size_t files = 0, pending, in_memory;
    int withdrawn, sender;
    int64_t mtime;
    gtbt_consent_resolve(&c->desc, &k);
    gtbt__mutex_lock(&c->mu);
    withdrawn = c->withdrawn;
    in_memory = c->n;
    gtbt__mutex_unlock(&c->mu);
    if (withdrawn && !c->desc.force_enabled) k.enabled = false;
    fprintf(out, "Telemetry: %s\n", !k.enabled ? "disabled" : k.local_only ? "enabled (local-only)" : "enabled");
    gtbt__explain(c, &k, why, sizeof why);
    fprintf(out, "Decided by: %s\n", why);
    if (k.debug) fprintf(out, "Debug: events are printed to stderr and nothing is sent\n");
    gtbt__where(c, &k, where, sizeof where);
    fprintf(out, "Events go to: %s\n", where);
    gtbt__collector_id(c, id);
    fprintf(out, "Machine ID: %s\n", id);
    gtbt__print_collected(out, c->desc.tool_name, c->desc.extended_collection);
    gtbt__conf_read(c->config_dir, &cf);
    if (!cf.exists) fprintf(out, "Config file: %s" GTBT__SEP "telemetry.conf (not created yet)\n", c->config_dir);
    else if (cf.malformed && cf.malformed_line) fprintf(out, "Config file: %s" GTBT__SEP "telemetry.conf (malformed at line %d: treated as not set)\n", c->config_dir, cf.malformed_line);
    else if (cf.malformed) fprintf(out, "Config file: %s" GTBT__SEP "telemetry.conf (unreadable: treated as not set)\n", c->config_dir);
    else fprintf(out, "Config file: %s" GTBT__SEP "telemetry.conf\n", c->config_dir);
    gtbt__conf_free(&cf);
    if (!c->data_dir[0]) fprintf(out, "Data dir: (none)\n");
    else if (gtbt__fs_mtime_ms(c->data_dir, &mtime) != 0) fprintf(out, "Data dir: %s (not created yet)\n", c->data_dir);
    else fprintf(out, "Data dir: %s\n", c->data_dir);
    pending = gtbt__pending_on_disk(c, &files) + in_memory;
    fprintf(out, "Pending: %zu event%s waiting to be sent\n", pending, pending == 1 ? "" : "s");
    sender = gtbt__sender_pid(c);
    if (sender > 0) fprintf(out, "Background delivery: in progress (process %d)\n", sender);
    else if (sender < 0) fprintf(out, "Background delivery: starting\n");
    else fprintf(out, "Background delivery: none running\n");
    if (c->bo_until_unix_ms > gtbt__unix_ms()) {
        char when[64];
        time_t t = (time_t)(c->bo_until_unix_ms / 1000);
        struct tm tmv;
        int64_t mins = (c->bo_until_unix_ms - gtbt__unix_ms() + 59999) / 60000;
        if (!gtbt__localtime(t, &tmv) || !strftime(when, sizeof when, "%H:%M", &tmv)) GTBT__SET_TEXT(when, "?");
        fprintf(out, "Back-off: not contacting the backend until %s local time (in %lld minute%s), after %d failure%s in a row\n",
                when, (long long)mins, mins == 1 ? "" : "s", c->bo_failures, c->bo_failures == 1 ? "" : "s");
    } else if (c->bo_failures) {
        fprintf(out, "Back-off: none (%d recent failure%s)\n", c->bo_failures, c->bo_failures == 1 ? "" : "s");
    } else {
        fprintf(out, "Back-off: none\n");
    }
    return 0;
}

/* A sample event of this tool on this machine, for "show" while nothing is pending. */
static void gtbt__sample_event(gtbt_collector *c, gtbt_event *e, char id[17], char *osv, size_t cap) {
    static const char uuid[] GTBT__TIGHT(char) = "00000000-0000-4000-8000-000000000000";
    memset(e, 0, sizeof *e);
    gtbt__collector_id(c, id);
    gtbt__os_version(osv, cap);
    e->time_unix_ns = gtbt__realtime_ns();
    e->uuid = uuid;
    e->type = GTBT__EVENT_TYPE(GTBT_EVENT_COMMAND_INVOCATION);
    e->name = "example-command";
    e->machine_id = id;
    e->tool_name = c->desc.tool_name;
    e->version = c->desc.version;
    e->os = GTBT__OS;
    e->arch = GTBT__ARCH;
    e->os_version = osv;
    e->runtime_version = GTBT__RUNTIME;
    e->duration_ms = 42;
    e->error = "";
    e->metadata = c->metadata;
    e->n_metadata = c->n_metadata;
}

/* Prints the last deliveries from the record, newest last. */
static void gtbt__show_sent(gtbt_collector *c, FILE *out) {
    char path[GTBT__MAX_PATH], *text = NULL;
    size_t len = 0, k, lines = 0, skip, at;
    if (!c->data_dir[0] || gtbt__path_join(path, sizeof path, c->data_dir, GTBT__SENT_FILE) != GTBT_OK ||
        gtbt__read_file(path, GTBT__SENT_MAX * 2, 1, &text, &len) != GTBT_OK || !len) {
        fprintf(out, "\nLast deliveries: none recorded%s.\n", c->data_dir[0] ? "" : " (no data directory)");
        gtbt__free(text);
        return;
    }
    for (k = 0; k < len; k++) lines += text[k] == '\n';
    skip = lines > 5 ? lines - 5 : 0;
    fprintf(out, "\nLast deliveries (%s, oldest first):\n", path);
    for (at = 0, k = 0; at < len; k++) {
        char *nl = (char *)memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        if (k >= skip) fprintf(out, "%.*s\n", (int)n, text + at);
        at += n + 1;
    }
    gtbt__free(text);
}

static int gtbt__cli_show(gtbt_collector *c, FILE *out) {
    gtbt_consent k;
    gtbt__names ready;
    gtbt__batch all;
    gtbt_backend *tmp = NULL, *net;
    gtbt_event sample;
    gtbt__buf wire;
    char id[17], osv[128], where[GTBT__MAX_PATH + 300];
    size_t i, total = 0;
    memset(&all, 0, sizeof all);
    memset(&wire, 0, sizeof wire);
    gtbt_consent_resolve(&c->desc, &k);
    if (c->withdrawn && !c->desc.force_enabled) k.enabled = false;
    gtbt__where(c, &k, where, sizeof where);
    fprintf(out, "Telemetry: %s. Events go to: %s\n", k.enabled ? "enabled" : "disabled", where);
    /* the events waiting: spill files, then this run's buffer */
    if (gtbt__spill_list(c, &ready, 0, 0) == GTBT_OK) {
        for (i = 0; i < ready.n && total < 10000; i++) {
            char path[GTBT__MAX_PATH], *text;
            size_t len, j;
            int nomem;
            gtbt__batch b;
            if (gtbt__path_join(path, sizeof path, c->data_dir, ready.v[i]) != GTBT_OK ||
                gtbt__read_file(path, GTBT__SPILL_READ_MAX, 1, &text, &len) != GTBT_OK) continue;
            memset(&b, 0, sizeof b);
            gtbt__parse_ndjson(&b, text, len, &nomem);
            for (j = 0; j < b.n; j++) { total++; }
            if (b.n) {
                gtbt__buf_printf(&wire, "# %zu event(s) from %s\n", b.n, ready.v[i]);
                net = k.local_only || k.debug ? NULL : gtbt__cli_network(c, &tmp);
                gtbt__wire(net ? net : c->backend ? c->backend : NULL, b.ev, b.n, &wire);
                gtbt_backend_destroy(tmp); tmp = NULL;
            }
            gtbt__batch_free(&b);
        }
        gtbt__names_free(&ready);
    }
    gtbt__mutex_lock(&c->mu);
    if (c->n) {
        total += c->n;
        gtbt__buf_printf(&wire, "# %zu event(s) recorded by this run\n", c->n);
        gtbt__wire(c->backend, c->ev, c->n, &wire);
    }
    gtbt__mutex_unlock(&c->mu);
    if (total) {
        fprintf(out, "\nThe next delivery would send these %zu event(s), exactly as follows (keys masked):\n\n", total);
    } else {
        gtbt__sample_event(c, &sample, id, osv, sizeof osv);
        fprintf(out, "\nNo events are waiting. %s, a command would send this (a sample event; keys masked):\n\n",
                k.enabled ? "When telemetry is on" : "If you turned telemetry on");
        net = gtbt__cli_network(c, &tmp);
        if (k.local_only) {   /* what the log would get */
            char path[GTBT__MAX_PATH];
            gtbt_backend_destroy(tmp);
            net = tmp = gtbt__path_join(path, sizeof path, c->data_dir, gtbt__local_log_name) == GTBT_OK ? gtbt_file_backend(path) : NULL;
        }
        if (gtbt__no_tls(c)) gtbt__buf_puts(&wire, "(this build has no TLS: events are kept on disk, nothing is sent)\n");
        gtbt__wire(net, &sample, 1, &wire);
        gtbt_backend_destroy(tmp);
    }
    if (wire.p) fwrite(wire.p, 1, wire.len, out);
    gtbt__buf_free(&wire);
    gtbt__show_sent(c, out);
    return 0;
}

/* The deletion requestor of reset: the tool's own, else HTTP at the endpoint, else an event
   through the network backend. What is built here is returned in tmp_d and tmp_b, to destroy. */
static gtbt_deletion *gtbt__cli_requestor(gtbt_collector *c, gtbt_deletion **tmp_d, gtbt_backend **tmp_b) {
    const char *why;
    *tmp_d = NULL;
    *tmp_b = NULL;
    if (c->deletion) return c->deletion;
    if (c->desc.endpoint[0]) return *tmp_d = gtbt_http_deletion(c->desc.endpoint, &c->desc.net);
    if (!c->network) c->network = *tmp_b = gtbt__network_from_desc(c, &why);
    if (c->network && !gtbt__is_local_backend(c->network)) return *tmp_d = gtbt_event_deletion(c->network);
    return NULL;
}

/* What a requestor did, per mechanism, when it returned rc. */
static void gtbt__cli_reset_report(gtbt_collector *c, gtbt_deletion *req, const char *id, int rc, FILE *out) {
    const char *info = req->info ? req->info : "the tool's deletion requestor";
    if (req->request == gtbt__http_deletion_request) {
        if (rc == GTBT_OK) fprintf(out, "Deletion request accepted: %s answered with success for machine ID %s.\n", info, id);
        else fprintf(out, "Deletion request failed: %s: %s.\n", info, gtbt_strerror(rc));
    } else if (req->request == gtbt__event_request) {
        if (rc == GTBT_OK)
            fprintf(out, "A deletion-request event for machine ID %s was delivered to %s.\n"
                         "Nothing is deleted by it automatically: the owner of that service must act on it.\n", id, info + (gtbt__ncmp(info, "event via ", 10) ? 0 : 10));
        else fprintf(out, "The deletion-request event could not be delivered to %s: %s.\n", info + (gtbt__ncmp(info, "event via ", 10) ? 0 : 10), gtbt_strerror(rc));
    } else if (req->request == gtbt__email_request) {
        if (rc == GTBT_OK) fprintf(out, "An e-mail asking to delete machine ID %s was prepared in your mail program (%s); send it to complete the request.\n", id, info);
        else fprintf(out, "The deletion e-mail could not be prepared (%s): %s.\n", info, gtbt_strerror(rc));
    } else {
        if (rc == GTBT_OK) fprintf(out, "Deletion request sent for machine ID: %s\n", id);
        else fprintf(out, "Deletion request could not be sent: %s\n", gtbt_strerror(rc));
    }
    if (rc != GTBT_OK && c->desc.support_message[0]) fprintf(out, "For manual deletion: %s\n", c->desc.support_message);
}

static int gtbt__cli_reset(gtbt_collector *c, FILE *out) {
    gtbt_deletion *req, *tmp_d = NULL;
    gtbt_backend *tmp_b = NULL;
    char id[17], path[GTBT__MAX_PATH];
    int rc, status = 0;
    gtbt__collector_id(c, id);
    if (!c->desc.force_enabled) gtbt__withdraw(c);
    else { gtbt_drop(c); gtbt__sent_remove(c); }
    if (c->data_dir[0] && gtbt__path_join(path, sizeof path, c->data_dir, gtbt__local_log_name) == GTBT_OK) gtbt__fs_remove(path);
    req = c->consent.debug ? NULL : gtbt__cli_requestor(c, &tmp_d, &tmp_b);
    if (c->consent.debug) {
        fprintf(out, "Debug mode: no deletion request was sent (nothing leaves this machine).\n");
    } else if (!req && (c->consent.local_only || (c->network && gtbt__is_local_backend(c->network)))) {
        fprintf(out, "No deletion request needed: events were kept on this machine only.\n");
    } else if (!req && c->desc.endpoint[0]) {
        fprintf(out, "No deletion request was sent: the deletion endpoint cannot be used by this build (%s).\n",
                GTBT__TLS ? "invalid URL" : "https needs TLS");
        if (c->desc.support_message[0]) fprintf(out, "For manual deletion: %s\n", c->desc.support_message);
    } else if (!req) {
        fprintf(out, "No deletion request was sent: %s has no deletion endpoint configured%s.\n", c->desc.tool_name,
                gtbt__no_tls(c) ? " that this build can reach (no TLS)" : "");
        if (c->desc.support_message[0]) fprintf(out, "For manual deletion: %s\n", c->desc.support_message);
    } else {
        if (req->request == gtbt__event_request) {
            gtbt__event_deletion *ed = (gtbt__event_deletion *)req;
            if (!ed->tool_name) ed->tool_name = c->desc.tool_name;
            if (!ed->version) ed->version = c->desc.version;
        }
        rc = req->request(req, id, gtbt_now_ms() + GTBT__RESET_TIMEOUT_MS);
        gtbt__cli_reset_report(c, req, id, rc, out);
    }
    gtbt_deletion_destroy(tmp_d);
    if (tmp_b) { c->network = NULL; gtbt_backend_destroy(tmp_b); }
    if (c->desc.force_enabled) {
        fprintf(out, "Local telemetry data cleared. Telemetry remains enabled per organisation policy.\n");
    } else if ((rc = gtbt_consent_set(&c->desc, false)) != GTBT_OK) {
        fprintf(out, "Local telemetry data cleared, but \"disabled\" could not be saved.\n");
        gtbt__cli_write_error(c, rc, out);
        status = 1;
    } else {
        fprintf(out, "Local telemetry data cleared. Telemetry disabled.\n");
    }
    return status;
}

/* A usage error: on stderr, exit code 2, nothing changed. */
static int gtbt__cli_usage_error(const gtbt_collector *c, const char *what, const char *arg, const char *sub) {
    fprintf(stderr, "Error: %s \"", what);
    gtbt__print_safe(stderr, arg);
    fprintf(stderr, "\"%s%s%s\n", sub ? " for \"" : "", sub ? sub : "", sub ? "\"" : "");
    fprintf(stderr, "Run \"%s telemetry%s%s --help\" for usage.\n", gtbt__cli_tool(c), sub ? " " : "", sub ? sub : "");
    return 2;
}

static int gtbt__is_help(const char *a) { return !strcmp(a, "help") || !strcmp(a, "--help") || !strcmp(a, "-h"); }

GTB_TELEMETRY_API int gtbt_cli(gtbt_collector *c, int argc, const char *const *argv, FILE *out) {
    const char *sub = (argc > 0 && argv && argv[0]) ? argv[0] : "help";
    const gtbt__cli_sub *s = NULL;
    size_t i;
    if (!out) out = stdout;
    if (!c) { fprintf(out, "Telemetry is not available.\n"); return 1; }
    for (i = 0; argv && (int)i < argc; i++) if (!argv[i]) { argc = (int)i; break; }
    if (gtbt__is_help(sub)) {
        if (argc <= 1) { gtbt__cli_usage(c, out); return 0; }
        for (i = 0; i < GTBT__CLI_NSUBS; i++) if (!strcmp(argv[1], gtbt__cli_subs[i].name)) s = &gtbt__cli_subs[i];
        if (!s) return gtbt__cli_usage_error(c, "unknown telemetry command", argv[1], NULL);
        if (argc > 2) return gtbt__cli_usage_error(c, "unexpected argument", argv[2], NULL);
        gtbt__cli_sub_help(c, s, out);
        return 0;
    }
    for (i = 0; i < GTBT__CLI_NSUBS; i++) if (!strcmp(sub, gtbt__cli_subs[i].name)) s = &gtbt__cli_subs[i];
    if (!s) return gtbt__cli_usage_error(c, "unknown telemetry command", sub, NULL);
    if (argc == 2 && gtbt__is_help(argv[1])) { gtbt__cli_sub_help(c, s, out); return 0; }
    if (argc > 1) return gtbt__cli_usage_error(c, "unexpected argument", argv[1], s->name);
    if (!c->desc.tool_name[0]) { fprintf(out, "Telemetry is not available: the tool has no valid name.\n"); return 1; }
    if (!strcmp(sub, "enable")) return gtbt__cli_enable(c, out);
    if (!strcmp(sub, "disable")) return gtbt__cli_disable(c, out);
    if (!strcmp(sub, "status")) return gtbt__cli_status(c, out);
    if (!strcmp(sub, "show")) return gtbt__cli_show(c, out);
    return gtbt__cli_reset(c, out);
}

GTB_TELEMETRY_API int gtbt_prompt(const gtbt_desc *desc, FILE *in, FILE *out) {
    gtbt__log lg;
    gtbt_consent k;
    const char *ci = gtbt__getenv(gtbt__env_ci);
    char answer[64];
    int yes = -1, rc, tries;
    if (!desc || !in || !out) return 0;
    lg.fn = desc->log; lg.item_fn = desc->log_item; lg.user = desc->log_user; lg.level = desc->log_level;
    if (gtbt_consent_resolve(desc, &k) != GTBT_OK || strcmp(k.decided_by, "default") != 0 || k.is_set) return 0;
    if (ci && gtbt__parse_bool(ci) != 0) { gtbt__logi(&lg, GTBT_LOGITEM_CONSENT_DEFERRED_CI, "telemetry consent deferred: CI environment"); return 0; }
    if (!gtbt__is_tty(in) || !gtbt__is_tty(out)) { gtbt__logi(&lg, GTBT_LOGITEM_CONSENT_DEFERRED_NOT_TTY, "telemetry consent deferred: non-interactive"); return 0; }
    fprintf(out, "Usage telemetry\nHelp improve %s by sending pseudonymous usage statistics.\n", desc->tool_name);
    gtbt__print_collected(out, desc->tool_name, desc->extended_collection);
    fprintf(out, "You can change this at any time with `%s telemetry enable/disable`.\n", desc->tool_name);
    for (tries = 0; tries < 2 && yes < 0; tries++) {
        fprintf(out, tries ? "Please answer y or n. Enable telemetry? [y/N]: " : "Enable telemetry? [y/N]: ");
        fflush(out);
        if (!fgets(answer, sizeof answer, in)) {   /* Ctrl-D: no answer, nothing saved */
            fprintf(out, "\nNo answer; nothing saved (you will be asked again next time).\n");
            fflush(out);
            return 0;
        }
        if (!gtbt__chr(answer, '\n')) {   /* a long line: drop the rest of it */
            int ch;
            while ((ch = fgetc(in)) != EOF && ch != '\n') {}
        }
        gtbt__trim(answer);
        if (!answer[0] || !gtbt__ascii_casecmp(answer, "n") || !gtbt__ascii_casecmp(answer, "no")) yes = 0;
        else if (!gtbt__ascii_casecmp(answer, "y") || !gtbt__ascii_casecmp(answer, "yes")) yes = 1;
    }
    if (yes < 0) yes = 0;   /* unclear twice: No */
    rc = gtbt_consent_set(desc, yes != 0);
    if (rc != GTBT_OK) {
        fprintf(out, "Your answer could not be saved (%s); telemetry stays off.\n", gtbt_strerror(rc));
        return 0;
    }
    if (yes) fprintf(out, "Telemetry enabled and saved; \"%s telemetry show\" shows what is sent.\n", desc->tool_name);
    else fprintf(out, "Telemetry stays off; saved (\"%s telemetry enable\" turns it on).\n", desc->tool_name);
    fflush(out);
    return yes;
}

// >>public ---------------------------------------------------------------------------------------
GTB_TELEMETRY_API const char *gtbt_strerror(int result) {
#define GTBT__RESULT_TEXT(name, value, text) case value: return text;
    switch (result) { GTBT_RESULT_LIST(GTBT__RESULT_TEXT) default: return "unknown result"; }
#undef GTBT__RESULT_TEXT
}

GTB_TELEMETRY_API const char *gtbt_event_type_name(gtbt_event_type t) {
    return ((unsigned)t < sizeof gtbt__event_type_at) ? GTBT__EVENT_TYPE(t) : "";
}

GTB_TELEMETRY_API void gtbt_free(void *p) { gtbt__free(p); }

GTB_TELEMETRY_API char *gtbt_events_json(const gtbt_event *ev, size_t n, size_t *len) {
    gtbt__buf b;
    if (len) *len = 0;
    if (!ev && n) return NULL;
    memset(&b, 0, sizeof b);
    gtbt__json_events(&b, ev, n, 0);
    return gtbt__buf_take(&b, len);
}

GTB_TELEMETRY_API size_t gtbt_redact(const char *in, char *out, size_t cap) {
    gtbt__buf b;
    size_t n, len;
    if (out && cap) out[0] = 0;
    if (!in) return 0;
    n = strlen(in);
    memset(&b, 0, sizeof b);
    if (!gtbt__redact_needed(in, n)) { b.p = (char *)(uintptr_t)in; b.len = n; }
    else gtbt__redact_impl(in, n, &b);
    if (b.oom) { gtbt__buf_free(&b); return 0; }   /* nothing unredacted ever leaves */
    len = b.len;
    if (out && cap) {
        size_t k = gtbt__min(len, cap - 1);
        memcpy(out, b.p, k);
        out[k] = 0;
    }
    if (b.p != in) gtbt__buf_free(&b);
    return len;
}

GTB_TELEMETRY_API int gtbt_machine_id(const char *tool_name, char out[17]) {
    char part[4][256];
    unsigned char d[32];
    gtbt__buf raw;
    int i, nparts = 4;
    if (!out) return GTBT_E_INVALID;
    gtbt__os_machine_id(part[0], sizeof part[0]);
    gtbt__first_mac(part[1], sizeof part[1]);
    gtbt__hostname(part[2], sizeof part[2]);
    gtbt__username(part[3], sizeof part[3]);
    if (!part[3][0]) nparts = 3;   /* the Go original appends the user only when it is known */
    memset(&raw, 0, sizeof raw);
    for (i = 0; i < nparts; i++) {
        if (i) gtbt__buf_putc(&raw, ':');
        gtbt__buf_puts(&raw, part[i]);
    }
    if (raw.oom) { gtbt__buf_free(&raw); memset(out, '0', 16); out[16] = 0; return GTBT_E_NOMEM; }
    if (tool_name) {
        gtbt__hmac_sha256(tool_name, strlen(tool_name), raw.p, raw.len, d);
    } else {
        gtbt__sha256 s;
        gtbt__sha256_init(&s);
        gtbt__sha256_update(&s, raw.p, raw.len);
        gtbt__sha256_final(&s, d);
    }
    gtbt__buf_free(&raw);
    gtbt__hex(d, 8, out);
    return GTBT_OK;
}

/* ---- gtbt_new and friends ---- */
/* A zeroed collector, but for the insides of its three path-sized arrays: 12 KiB that are only
   read as the strings written into them, each "" until then. The arithmetic needs them in this
   order (the build fails otherwise). */
typedef char gtbt__collector_arrays_in_order[offsetof(gtbt_collector, config_dir) < offsetof(gtbt_collector, data_dir) &&
                                             offsetof(gtbt_collector, data_dir) < offsetof(gtbt_collector, info) ? 1 : -1];
static gtbt_collector *gtbt__collector_alloc(void) {
    gtbt_collector *c = (gtbt_collector *)gtbt__malloc(sizeof *c);
    char *p = (char *)c;
    size_t cd = offsetof(gtbt_collector, config_dir), dd = offsetof(gtbt_collector, data_dir);
    size_t in = offsetof(gtbt_collector, info);
    if (!c) return NULL;
    memset(p, 0, cd + 1);
    memset(p + cd + sizeof c->config_dir, 0, dd + 1 - (cd + sizeof c->config_dir));
    memset(p + dd + sizeof c->data_dir, 0, in + 1 - (dd + sizeof c->data_dir));
    memset(p + in + sizeof c->info, 0, sizeof *c - (in + sizeof c->info));
    return c;
}

/* One format for both directories: one copy of the text in the binary. */
#define GTBT__DIR_TOO_LONG "the %s directory path is too long (%s or HOME; at most %d bytes); not used%s (set gtbt_desc.%s_dir)"
GTB_TELEMETRY_API gtbt_collector *gtbt_new(const gtbt_desc *desc) {
    gtbt_collector *c;
    gtbt_backend *custom = desc ? desc->backend : NULL;
    int cfg_rc = GTBT_OK, data_rc = GTBT_OK;
    if (!desc) return NULL;
    c = gtbt__collector_alloc();
    if (!c) { gtbt_backend_destroy(custom); gtbt_deletion_destroy(desc->deletion); return NULL; }
    gtbt__mutex_init(&c->mu);
    gtbt__mutex_init(&c->flush_mu);
    c->deletion = desc->deletion;
    c->network = custom;
    if (!gtbt__collector_copy(c, desc)) goto nomem;
    if (!gtbt__valid_tool_name(desc->tool_name))
        gtbt__logi(&c->log, GTBT_LOGITEM_TOOL_NAME_INVALID, "disabled: gtbt_desc.tool_name must be 1-%d characters of [A-Za-z0-9._-]", GTBT__MAX_TOOL_NAME);
    if (c->desc.tool_name[0]) {
        cfg_rc = gtbt__config_dir(desc, c->config_dir, sizeof c->config_dir);
        data_rc = gtbt__data_dir(desc, c->data_dir, sizeof c->data_dir);
    }
    gtbt_consent_resolve(&c->desc, &c->consent);
    if (!gtbt__collector_metadata(c, desc->metadata, desc->n_metadata)) goto nomem;   /* also for show's sample */
    if (!c->consent.enabled) {
        GTBT__SET_TEXT(c->info, "noop (disabled)");
        return c;   /* inert: nothing computed, no file touched */
    }
    c->active = 1;
    c->detach = gtbt__detach_choice(desc);
    if (cfg_rc != GTBT_OK)
        gtbt__logi(&c->log, GTBT_LOGITEM_DIR_PATH_TOO_LONG, GTBT__DIR_TOO_LONG, "config",
                   desc->config_dir && desc->config_dir[0] ? "gtbt_desc.config_dir" : "XDG_CONFIG_HOME",
                   GTBT__MAX_PATH - GTBT__DIR_NAME_ROOM - 1, "", "config");
    if (data_rc != GTBT_OK)
        gtbt__logi(&c->log, GTBT_LOGITEM_DIR_PATH_TOO_LONG, GTBT__DIR_TOO_LONG, "data",
                   desc->data_dir && desc->data_dir[0] ? "gtbt_desc.data_dir" : "XDG_STATE_HOME",
                   GTBT__MAX_PATH - GTBT__DIR_NAME_ROOM - 1, ", " GTBT__NO_SPILL, "data");
    else {   /* the data dir is made when first written to, so that status, show and a run that
                records nothing create no directory */
        char why[2 * GTBT__MAX_PATH + 128];
        int64_t mtime;
        why[0] = 0;
        if (c->data_dir[0] && gtbt__fs_mtime_ms(c->data_dir, &mtime) != 0) c->spill_ok = gtbt__dir_creatable(c->data_dir, why, sizeof why);
        else if (c->data_dir[0] && gtbt__mkdir_private_why(c->data_dir, why, sizeof why) == GTBT_OK) c->spill_ok = c->dir_made = 1;
        if (!c->spill_ok)
            gtbt__logi(&c->log, GTBT_LOGITEM_DATA_DIR_UNUSABLE, "data directory not usable (%s); %s (fix it or set gtbt_desc.data_dir)",
                       why[0] ? why : "none could be determined", GTBT__NO_SPILL);
        else if (!strcmp(why, "tightened"))
            gtbt__logi(&c->log, GTBT_LOGITEM_DATA_DIR_TIGHTENED, "data directory %s was writable by its group (umask 002); set it to mode 0700", c->data_dir);
    }
    gtbt__collector_id(c, c->machine_id);
    gtbt__os_version(c->os_version, sizeof c->os_version);
    gtbt__rng_seed(&c->rng);
    /* slots are written before they are read (c->n counts them): not zeroed up front */
    c->ev = (gtbt_event *)gtbt__malloc(c->max_buffer * sizeof *c->ev);     /* max_buffer <= GTB_TELEMETRY_MAX_BUFFER */
    c->mem = (void **)gtbt__malloc(c->max_buffer * sizeof *c->mem);
    if (!c->ev || !c->mem) goto nomem;
    c->network = NULL;
    if (!gtbt__select_backend(c, custom)) { custom = NULL; goto nomem; }
    gtbt__backoff_load(c);
    return c;
nomem:
    gtbt__logi(&c->log, GTBT_LOGITEM_COLLECTOR_NOMEM, "out of memory creating the collector");
    if (c->network == NULL && custom) c->network = custom;
    gtbt__collector_free(c);
    return NULL;
}

GTB_TELEMETRY_API bool gtbt_enabled(const gtbt_collector *c) {
    int on;
    if (!c || !c->active) return false;
    gtbt__mutex_lock((gtbt__mutex *)(uintptr_t)&c->mu);
    on = !c->withdrawn;
    gtbt__mutex_unlock((gtbt__mutex *)(uintptr_t)&c->mu);
    return on != 0;
}

GTB_TELEMETRY_API const char *gtbt_backend_info(const gtbt_collector *c) { return c ? c->info : "noop (disabled)"; }

GTB_TELEMETRY_API const char *gtbt_collector_machine_id(const gtbt_collector *c) {
    return (c && c->active) ? c->machine_id : "";
}

GTB_TELEMETRY_API void gtbt_track(gtbt_collector *c, gtbt_event_type type, const char *name,
                                  const gtbt_kv *extra, size_t n_extra) {
    gtbt__rec r;
    if (!c || !c->active) return;
    memset(&r, 0, sizeof r);
    r.type = gtbt_event_type_name(type);
    if (!r.type[0]) r.type = GTBT__EVENT_TYPE(GTBT_EVENT_FEATURE_USED);
    r.name = name; r.extra = extra; r.n_extra = n_extra;
    gtbt__record(c, &r);
}

GTB_TELEMETRY_API void gtbt_track_command(gtbt_collector *c, const char *name, int64_t duration_ms,
                                          int exit_code, const gtbt_kv *extra, size_t n_extra) {
    gtbt_track_command_ext(c, name, 0, NULL, duration_ms, exit_code, NULL, extra, n_extra);
}

GTB_TELEMETRY_API void gtbt_track_command_ext(gtbt_collector *c, const char *name, int argc,
                                              const char *const *argv, int64_t duration_ms, int exit_code,
                                              const char *error, const gtbt_kv *extra, size_t n_extra) {
    gtbt__rec r;
    if (!c || !c->active) return;
    memset(&r, 0, sizeof r);
    r.type = GTBT__EVENT_TYPE(GTBT_EVENT_COMMAND_INVOCATION);
    r.name = name; r.duration_ms = duration_ms; r.exit_code = exit_code;
    r.argc = argc; r.argv = argv; r.error = error;
    r.extra = extra; r.n_extra = n_extra;
    gtbt__record(c, &r);
}

GTB_TELEMETRY_API int gtbt_flush(gtbt_collector *c) {
    if (!c) return GTBT_OK;
    return gtbt__flush(c, gtbt_now_ms() + c->desc.flush_timeout_ms);
}

GTB_TELEMETRY_API int gtbt_drop(gtbt_collector *c) {
    if (!c || !c->active) return GTBT_OK;   /* a disabled collector touches no file */
    gtbt__mutex_lock(&c->flush_mu);
    gtbt__discard(c);
    gtbt__mutex_unlock(&c->flush_mu);
    return GTBT_OK;
}

GTB_TELEMETRY_API int gtbt_close(gtbt_collector *c) {
    int rc;
    if (!c) return GTBT_OK;
    if (!gtbt__detach_wanted(c) || gtbt__close_detached(c, &rc) != GTBT_OK) rc = gtbt_flush(c);
    if (c->active && c->n)   /* not delivered and nowhere to keep them: never dropped without a word */
        gtbt__logi(&c->log, GTBT_LOGITEM_CLOSE_DROPPED, "%zu undelivered event(s) dropped at close: %s", c->n,
                   c->spill_ok ? "the spill file could not be written" : "no usable data directory to keep them for the next run");
    gtbt__collector_free(c);
    return rc;
}

#endif /* GTB_TELEMETRY_IMPLEMENTATION */

/*
   REVISION HISTORY
       0.1.0  (2026-11-21)  first release: consent, collector, spill, local and network backends
                            (HTTP, OTLP, Datadog, PostHog), HTTP/1.1 client over BearSSL

   LICENSE

   MIT License

   Copyright (c) 2026 The gtb_telemetry.h authors

   Permission is hereby granted, free of charge, to any person obtaining a copy of this software
   and associated documentation files (the "Software"), to deal in the Software without
   restriction, including without limitation the rights to use, copy, modify, merge, publish,
   distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
   Software is furnished to do so, subject to the following conditions:

   The above copyright notice and this permission notice shall be included in all copies or
   substantial portions of the Software.

   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
   BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
   NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
   DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
   OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
*/

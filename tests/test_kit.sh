#!/bin/sh
# test_kit.sh BUILD_DIR [PART] - the tool-author kit, end to end, on loopback only (PART: new, ta
# or install runs one of the parts below, independent of the others, so they can run side by side;
# default all):
#   gtbt-new   a project per backend (http, otel, datadog, posthog, file) and from a manifest, built
#              with its own Makefile, run with telemetry on against build/gtbt-sink; bad flags and
#              manifests; a non-empty directory; no API key in any generated file
#   gtbt-ta    compiled-in anchors (RSA and EC CAs) over HTTPS with no CA bundle; a wrong CA fails
#   examples   custom_backend (UNIX datagrams, kept on failure) and embedded (no threads, anchors)
#   install    CMake add_subdirectory, cmake --install + find_package, tools/install.sh + pkg-config
# Run from the repository root after building BUILD_DIR/gtbt-sink, gtbt-new and gtbt-ta. Prints one
# "ok"/"FAIL"/"skip" line per check and "N passed, N failed, N skipped"; exit status 1 on any failure.
# $CC, $WARN and the compilers are word lists, split on purpose:
# shellcheck disable=SC2086
set -u
B=$(cd "${1:-build}" && pwd) || exit 1
PART=${2:-all}
case $PART in all|new|ta|install) ;; *) echo "test_kit.sh: unknown part \"$PART\" (new, ta, install)"; exit 2 ;; esac
want() { [ "$PART" = all ] || [ "$PART" = "$1" ]; }
ROOT=$(pwd)
CERTS=$ROOT/tests/certs
T=$(mktemp -d "${TMPDIR:-/tmp}/gtbt-kit-XXXXXX") || exit 1
CC=${CC:-cc}
WARN="-std=c99 -Wall -Wextra -Wpedantic -Werror"
pass=0 fail=0 skipped=0 SINK_PID=
COMPILERS=
for c in gcc clang; do
    if command -v $c >/dev/null 2>&1; then COMPILERS="$COMPILERS $c"; else echo "skip $c checks: $c is not installed"; skipped=$((skipped + 1)); fi
done
[ -n "$COMPILERS" ] || COMPILERS=$CC

cleanup() { stop_sink; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; if [ -n "${2-}" ] && [ -s "$2" ]; then sed 's/^/     | /' "$2" | head -n 25; fi; fail=$((fail + 1)); }
# check NAME CMD...: ok when CMD succeeds; its output is shown on failure
check() { _cn=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$_cn"; else bad "$_cn" "$T/out"; fi; }
# no_shared_bearssl BINARY: linked dynamically, but not to libbearssl.so (libbearssl-dev ships libbearssl.a)
no_shared_bearssl() { readelf -d "$1" | grep -q NEEDED && ! readelf -d "$1" | grep -q 'NEEDED.*libbearssl'; }
# bounded: every command that could wait is run under timeout(1) when there is one
if command -v timeout >/dev/null 2>&1; then to() { timeout "$@"; }; else to() { shift; "$@"; }; fi

for tool in gtbt-sink gtbt-new gtbt-ta; do
    [ -x "$B/$tool" ] || { echo "FAIL $B/$tool is missing (make $B/$tool)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
done

# A private home, telemetry on, no prompt, nothing from the caller's environment.
mkdir -p "$T/home"
export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_STATE_HOME="$T/home/.local/state" CI=true
unset DO_NOT_TRACK TELEMETRY_ENABLED TELEMETRY_LOCAL TELEMETRY_DEBUG SSL_CERT_FILE OTEL_EXPORTER_OTLP_HEADERS \
      HTTPS_PROXY HTTP_PROXY https_proxy http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
# The secrets: present when generating and building, and they must appear in no file afterwards.
export DD_API_KEY=dd_secret_test_key POSTHOG_PROJECT_KEY=phc_secret_test_key OTEL_API_KEY=otel_secret_test_key
OTEL_B64=$(printf '%s' "$OTEL_API_KEY" | base64)

# start_sink LOG [ARGS]: a sink on an ephemeral loopback port, stopping by itself; sets ADDR.
start_sink() {
    log=$1; shift
    : >"$log"
    : >"$T/sink.out"
    "$B/gtbt-sink" --quiet --log "$log" --exit-after-ms 180000 "$@" >"$T/sink.out" 2>&1 &
    SINK_PID=$!
    i=0
    while [ $i -lt 200 ] && ! grep -q '^listening on' "$T/sink.out"; do sleep 0.05; i=$((i + 1)); done
    ADDR=$(sed -n 's/^listening on //p' "$T/sink.out" | head -n 1)
    [ -n "$ADDR" ] || { echo "FAIL the sink did not start"; cat "$T/sink.out"; }
}
stop_sink() {
    if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; fi
}
# has FILE TEXT...: FILE contains every TEXT (fixed strings) on one line
has() {
    f=$1; shift
    cp "$f" "$T/has"
    for s in "$@"; do grep -F -- "$s" "$T/has" >"$T/has2" || { echo "no line with: $s"; cat "$f"; return 1; }; cp "$T/has2" "$T/has"; done
}
# no_secret DIR: none of the keys (nor the encoded OTel key) is in any file under DIR
no_secret() {
    if grep -r -l -e dd_secret_test_key -e phc_secret_test_key -e otel_secret_test_key -e "$OTEL_B64" "$1"; then
        echo "a secret was written to the files above"; return 1
    fi
}
# fails_cleanly NAME EXPECTED_TEXT ARGS...: gtbt-new exits 2, says EXPECTED_TEXT, writes nothing
fails_cleanly() {
    _fn=$1 _want=$2; shift 2
    rm -rf "$T/bad"
    to 30 "$B/gtbt-new" --dir "$T/bad" "$@" >"$T/out" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q -F -- "$_want" "$T/out" && [ ! -e "$T/bad" ]; then ok "$_fn: $(head -n 1 "$T/out" | cut -c1-110)"
    else echo "exit $rc; want 2, \"$_want\" and no $T/bad" >>"$T/out"; bad "$_fn" "$T/out"; fi
}

if want new; then
# ---- gtbt-new: one project per backend, built and run against the sink -------------------------
GEN=$T/gen
mkdir -p "$GEN"
start_sink "$T/http.log"
# gen_build NAME GTBT-NEW-ARGS...: generate, build with its Makefile, and compile main.c with -Wpedantic
gen_build() {
    _gn=$1; shift
    check "gtbt-new $_gn: generates" to 30 "$B/gtbt-new" --name "$_gn" --dir "$GEN/$_gn" "$@"
    check "gtbt-new $_gn: builds with its Makefile (-Wall -Wextra -Werror)" to 300 make -C "$GEN/$_gn"
    for _c in $COMPILERS; do
        check "gtbt-new $_gn: main.c is clean with $_c $WARN" $_c $WARN -c "$GEN/$_gn/main.c" -o "$T/main.o"
    done
}
run_tool() {   # run_tool NAME [ENV=VALUE...]: NAME hello, telemetry on
    _rn=$1; shift
    to 60 env TELEMETRY_ENABLED=1 "$@" "$GEN/$_rn/$_rn" hello kit
}

# http: compiled-in http:// endpoint -> a build without TLS
gen_build kit-http --telemetry-backend http --endpoint "http://$ADDR/events"
check "gtbt-new kit-http: http:// only, so the Makefile builds with -DGTB_TELEMETRY_NO_TLS" \
    grep -q -- '-DGTB_TELEMETRY_NO_TLS' "$GEN/kit-http/Makefile"
check "gtbt-new kit-http: runs" run_tool kit-http
check "gtbt-new kit-http: the sink got the JSON array at /events" \
    has "$T/http.log" '"path":"/events","format":"http","valid":true' 'command.invocation' 'hello'
stop_sink

# otel: https:// compiled in (TLS build), overridden to the sink; Authorization from OTEL_API_KEY
start_sink "$T/otel.log"
gen_build kit-otel --telemetry-backend otel --otel-endpoint https://otel.example.com:4318
check "gtbt-new kit-otel: https://, so the Makefile links BearSSL" grep -q -- '-lbearssl' "$GEN/kit-otel/Makefile"
# libbearssl-dev ships libbearssl.a, which the Makefile prefers: the tool runs where BearSSL is not installed
check "gtbt-new kit-otel: BearSSL linked from its static archive (no libbearssl.so needed at run time)" \
    no_shared_bearssl "$GEN/kit-otel/kit-otel"
check "gtbt-new kit-otel: runs with KIT_OTEL_TELEMETRY_ENDPOINT" run_tool kit-otel KIT_OTEL_TELEMETRY_ENDPOINT="http://$ADDR"
check "gtbt-new kit-otel: OTLP logs at /v1/logs with Authorization: Basic base64(OTEL_API_KEY)" \
    has "$T/otel.log" '"path":"/v1/logs","format":"otlp","valid":true' "\"authorization\":\"Basic $OTEL_B64\""
: >"$T/otel.log"
check "gtbt-new kit-otel: runs with OTEL_EXPORTER_OTLP_HEADERS" run_tool kit-otel KIT_OTEL_TELEMETRY_ENDPOINT="http://$ADDR" \
    OTEL_EXPORTER_OTLP_HEADERS='x-api-key=otel%20hdr, x-tenant=acme'
check "gtbt-new kit-otel: the OTEL_EXPORTER_OTLP_HEADERS pairs are sent (percent-decoded), not OTEL_API_KEY" \
    has "$T/otel.log" '"format":"otlp","valid":true' '"x-api-key":"otel hdr"' '"x-tenant":"acme"'
check "gtbt-new kit-otel: ... and no Authorization then" sh -c "! grep -q -F '\"authorization\"' '$T/otel.log'"
stop_sink

# datadog: region eu1 compiled in, intake overridden to the sink; DD-API-KEY from the environment
start_sink "$T/dd.log"
gen_build kit-dd --telemetry-backend datadog --datadog-region eu1
check "gtbt-new kit-dd: region eu1 in main.c" grep -q 'GTBT_DD_EU1' "$GEN/kit-dd/main.c"
check "gtbt-new kit-dd: runs with KIT_DD_TELEMETRY_ENDPOINT" run_tool kit-dd KIT_DD_TELEMETRY_ENDPOINT="http://$ADDR/v1/input"
check "gtbt-new kit-dd: Datadog logs at /v1/input with the DD-API-KEY header" \
    has "$T/dd.log" '"path":"/v1/input","format":"datadog","valid":true' '"dd-api-key":"dd_secret_test_key"'
stop_sink

# posthog: EU instance compiled in, capture overridden to the sink; api_key from the environment
start_sink "$T/ph.log"
gen_build kit-ph --telemetry-backend posthog --posthog-instance eu
check "gtbt-new kit-ph: instance eu in main.c" grep -q 'GTBT_POSTHOG_EU' "$GEN/kit-ph/main.c"
check "gtbt-new kit-ph: runs with KIT_PH_TELEMETRY_ENDPOINT" run_tool kit-ph KIT_PH_TELEMETRY_ENDPOINT="http://$ADDR/capture/"
check "gtbt-new kit-ph: PostHog batch at /capture/ with api_key in the body" \
    has "$T/ph.log" '"path":"/capture/","format":"posthog","valid":true' '\"api_key\":\"phc_secret_test_key\"'
stop_sink

# posthog, the key compiled in at build time (only from make's command line); the environment
# overrides it; without any key, status says where events go: nowhere, and why
start_sink "$T/ph2.log"
ph_run() { to 60 env -u POSTHOG_PROJECT_KEY TELEMETRY_ENABLED=1 KIT_PH_TELEMETRY_ENDPOINT="http://$ADDR/capture/" "$@"; }
check "gtbt-new kit-ph: builds with make POSTHOG_PROJECT_KEY=phc_built_in_key" \
    to 300 make -B -C "$GEN/kit-ph" POSTHOG_PROJECT_KEY=phc_built_in_key
check "gtbt-new kit-ph: runs with no key in its environment" ph_run "$GEN/kit-ph/kit-ph" hello kit
check "gtbt-new kit-ph: the compiled-in key is used" has "$T/ph2.log" '\"api_key\":\"phc_built_in_key\"'
check "gtbt-new kit-ph: runs with POSTHOG_PROJECT_KEY set" ph_run POSTHOG_PROJECT_KEY=phc_from_env "$GEN/kit-ph/kit-ph" hello kit
check "gtbt-new kit-ph: the environment overrides the compiled-in key" has "$T/ph2.log" '\"api_key\":\"phc_from_env\"'
check "gtbt-new kit-ph: telemetry show masks the key" sh -c \
    "env -u POSTHOG_PROJECT_KEY TELEMETRY_ENABLED=1 '$GEN/kit-ph/kit-ph' telemetry show >'$T/show' && grep -q 'phc_\\*\\*\\*\\*' '$T/show' && ! grep -q built_in_key '$T/show'"
check "gtbt-new kit-ph: rebuilt without a key (a key in make's environment is not compiled in)" \
    to 300 make -B -C "$GEN/kit-ph"
check "gtbt-new kit-ph: status says nowhere, and how to fix it" sh -c \
    "env -u POSTHOG_PROJECT_KEY TELEMETRY_ENABLED=1 '$GEN/kit-ph/kit-ph' telemetry status | grep -q 'Events go to: nowhere: PostHog project key missing: set POSTHOG_PROJECT_KEY when building'"
check "gtbt-new kit-ph: the README says how to compile the key in" grep -q 'make POSTHOG_PROJECT_KEY=phc_' "$GEN/kit-ph/README.md"
check "gtbt-new kit-dd: the README warns that a Datadog key in a binary can be extracted" \
    grep -q 'can be extracted' "$GEN/kit-dd/README.md"
# help and wrong arguments change nothing and send nothing
ph_home="$T/ph-home"
mkdir -p "$ph_home"
ph_fresh() { to 60 env -u POSTHOG_PROJECT_KEY -u TELEMETRY_ENABLED HOME="$ph_home" XDG_CONFIG_HOME="$ph_home/c" XDG_STATE_HOME="$ph_home/s" \
             POSTHOG_PROJECT_KEY=phc_x KIT_PH_TELEMETRY_ENDPOINT="http://$ADDR/capture/" "$GEN/kit-ph/kit-ph" telemetry "$@"; }
n_before=$(grep -c . "$T/ph2.log")
check "gtbt-new kit-ph: telemetry enable --help prints help, exit 0" sh -c \
    "env -u TELEMETRY_ENABLED HOME='$ph_home' XDG_CONFIG_HOME='$ph_home/c' XDG_STATE_HOME='$ph_home/s' '$GEN/kit-ph/kit-ph' telemetry enable --help | grep -q 'Usage:'"
for _a in "enable --help" "enable -h" "disable -h" "reset --help" "reset help" "show -h" "status --help"; do
    # shellcheck disable=SC2086
    ph_fresh $_a >/dev/null 2>&1
done
for _a in "enable extra-arg" "reset now" "disable --yes" "frobnicate"; do
    # shellcheck disable=SC2086
    ph_fresh $_a >"$T/usage.out" 2>"$T/usage.err"
    check "gtbt-new kit-ph: telemetry $_a is a usage error (exit 2, stderr only)" sh -c "test $? -eq 2 && test ! -s '$T/usage.out' && grep -q Error: '$T/usage.err'"
done
check "gtbt-new kit-ph: --help and wrong arguments wrote no file" sh -c "test -z \"\$(find '$ph_home' -mindepth 1 | head -n 1)\""
check "gtbt-new kit-ph: ... and sent nothing" sh -c "test \$(grep -c . '$T/ph2.log') -eq $n_before"
check "gtbt-new kit-ph: DO_NOT_TRACK=please keeps telemetry off" sh -c \
    "env DO_NOT_TRACK=please TELEMETRY_ENABLED=1 '$GEN/kit-ph/kit-ph' telemetry status | grep -q '^Telemetry: disabled'"
stop_sink

# file: local only; the tool sends nothing even when an endpoint variable is set
start_sink "$T/file.log"
gen_build kit-file --telemetry-backend file
check "gtbt-new kit-file: no TLS, no network code configured" grep -q -- '-DGTB_TELEMETRY_NO_TLS' "$GEN/kit-file/Makefile"
check "gtbt-new kit-file: runs" run_tool kit-file KIT_FILE_TELEMETRY_ENDPOINT="http://$ADDR/events"
check "gtbt-new kit-file: the event is in the data dir's telemetry.log" \
    has "$XDG_STATE_HOME/kit-file/telemetry.log" '"type":"command.invocation","name":"hello"'
check "gtbt-new kit-file: nothing reached the sink" test ! -s "$T/file.log"
check "gtbt-new kit-file: the README says events stay on this machine" grep -q 'nothing is ever sent' "$GEN/kit-file/README.md"
stop_sink

# manifest: self-hosted PostHog over http:// (so no TLS), a comment, quoting, a flag overriding a key
start_sink "$T/man.log"
cat >"$T/manifest.yaml" <<EOF
# .gtb/manifest.yaml (the telemetry block)
properties:
  telemetry:
    backend: datadog          # overridden by --telemetry-backend below
    endpoint: ""
    otel_endpoint: ''
    datadog_region: us3
    posthog_instance: "eu"
    posthog_endpoint: "http://$ADDR/capture/"   # self-hosted
EOF
gen_build kit-man --manifest "$T/manifest.yaml" --telemetry-backend posthog
check "gtbt-new kit-man: the manifest's self-hosted endpoint is compiled in" grep -q -F "\"http://$ADDR/capture/\"" "$GEN/kit-man/main.c"
check "gtbt-new kit-man: runs (no override)" run_tool kit-man
check "gtbt-new kit-man: PostHog batch at the manifest's endpoint" \
    has "$T/man.log" '"path":"/capture/","format":"posthog","valid":true' 'phc_secret_test_key'
stop_sink

# the generated projects: README for end users, the header vendored, no secret anywhere
check "gtbt-new: every README names the opt-outs" sh -c "for r in '$GEN'/*/README.md; do grep -q 'telemetry disable' \"\$r\" && grep -q 'DO_NOT_TRACK=1' \"\$r\" && grep -q 'TELEMETRY_ENABLED=0' \"\$r\" || { echo \"\$r\"; exit 1; }; done"
check "gtbt-new: the vendored header is gtb_telemetry.h (GTBT_HEADER_PATH)" cmp "$ROOT/gtb_telemetry.h" "$GEN/kit-http/gtb_telemetry.h"
check "gtbt-new: main.c defines the implementation before its first include" \
    sh -c "for m in '$GEN'/*/main.c; do awk '/^#/ { print; exit }' \"\$m\" | grep -q '^#define GTB_TELEMETRY_IMPLEMENTATION' || exit 1; done"
check "gtbt-new: no API key in any generated file (sources, Makefiles, binaries)" no_secret "$GEN"

# ---- gtbt-new: bad input writes nothing -----------------------------------------------------------
fails_cleanly "bad backend" "valid: http, otel, datadog, posthog, file" --name kb --telemetry-backend kafka
fails_cleanly "bad region" "valid: us1, us3, us5, eu1, ap1, ap2, gov" --name kb --telemetry-backend datadog --datadog-region us2
fails_cleanly "bad instance" "valid: us, eu" --name kb --telemetry-backend posthog --posthog-instance asia
fails_cleanly "endpoint ftp://" "is not http or https" --name kb --endpoint ftp://example.com/e
fails_cleanly "endpoint with \\x01" "control character" --name kb --endpoint "$(printf 'http://example.com/a\001b')"
LONG=http://example.com/$(awk 'BEGIN { while (i++ < 2982) printf "a" }')
fails_cleanly "3000-byte endpoint" "longer than 2048 bytes" --name kb --endpoint "$LONG"
fails_cleanly "endpoint with user info" "user info" --name kb --endpoint http://user:pw@example.com/e
fails_cleanly "endpoint without host" "has no host" --name kb --telemetry-backend otel --otel-endpoint https://
fails_cleanly "bad name" "want 1-40 characters" --name .hidden
fails_cleanly "bad name (slash)" "want 1-40 characters" --name a/b
fails_cleanly "bad name (too long)" "want 1-40 characters" --name "$(awk 'BEGIN { while (i++ < 41) printf "n" }')"
fails_cleanly "unknown flag" "unknown argument" --name kb --colour blue
fails_cleanly "http backend without endpoint" "needs --endpoint" --name kb --telemetry-backend http
printf 'properties:\n  telemetry:\n    backend: http\n    colour: blue\n' >"$T/m-unknown.yaml"
fails_cleanly "manifest: unknown key" "m-unknown.yaml:4: unknown key \"colour\"" --name kb --manifest "$T/m-unknown.yaml"
printf 'properties:\n  telemetry:\n    backend: http\n   endpoint: http://x/\n' >"$T/m-indent.yaml"
fails_cleanly "manifest: bad indentation" "m-indent.yaml:4: bad indentation" --name kb --manifest "$T/m-indent.yaml"
printf 'properties:\n  telemetry:\n\tbackend: http\n' >"$T/m-tab.yaml"
fails_cleanly "manifest: tab" "m-tab.yaml:3: tab in indentation" --name kb --manifest "$T/m-tab.yaml"
printf 'properties:\n  telemetry:\n    backend: [http]\n' >"$T/m-flow.yaml"
fails_cleanly "manifest: flow sequence" "m-flow.yaml:3: unsupported YAML" --name kb --manifest "$T/m-flow.yaml"
printf 'properties:\n  telemetry:\n    backend: http\n    endpoint: ftp://x/\n' >"$T/m-url.yaml"
fails_cleanly "manifest: bad endpoint names the line" "m-url.yaml:4: endpoint: invalid endpoint" --name kb --manifest "$T/m-url.yaml"

mkdir -p "$T/full" && echo keep >"$T/full/notes.txt"
to 30 "$B/gtbt-new" --name kit-full --dir "$T/full" >"$T/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'not empty' "$T/out" && [ ! -e "$T/full/main.c" ]; then ok "gtbt-new: a non-empty directory is refused (exit $rc)"
else bad "gtbt-new: a non-empty directory is refused" "$T/out"; fi
check "gtbt-new: ... and accepted with --force, keeping other files" \
    sh -c "'$B/gtbt-new' --name kit-full --dir '$T/full' --force && test -f '$T/full/main.c' && test -f '$T/full/notes.txt'"
check "gtbt-new --help" sh -c "'$B/gtbt-new' --help | grep -q -- '--telemetry-backend'"

fi

if want ta; then
# ---- gtbt-ta: compiled-in anchors, no CA bundle ---------------------------------------------------
TA=$T/ta
mkdir -p "$TA"
check "gtbt-ta: anchors from ca-rsa.pem and ca-ec.pem" "$B/gtbt-ta" --name kit_ta -o "$TA/good.h" "$CERTS/ca-rsa.pem" "$CERTS/ca-ec.pem"
check "gtbt-ta: anchors from other-ca.pem" "$B/gtbt-ta" --name kit_ta -o "$TA/other.h" "$CERTS/other-ca.pem"
check "gtbt-ta: output has the documented shape" has "$TA/good.h" 'static const size_t kit_ta_count = 2;'
check "gtbt-ta: client with good anchors builds" $CC $WARN -I"$ROOT" -I"$TA" '-DTA_FILE="good.h"' "$ROOT/tests/kit/client.c" -o "$TA/good" -lbearssl -lpthread
check "gtbt-ta: client with other anchors builds" $CC $WARN -I"$ROOT" -I"$TA" '-DTA_FILE="other.h"' "$ROOT/tests/kit/client.c" -o "$TA/other" -lbearssl -lpthread
k=0
for pair in rsa:localhost-rsa-chain.pem:localhost-rsa.key ec:localhost-ec.pem:localhost-ec.key; do
    kind=${pair%%:*} rest=${pair#*:}
    start_sink "$TA/$kind.log" --tls --cert "$CERTS/${rest%%:*}" --key "$CERTS/${rest#*:}"
    k=$((k + 1)); mkdir -p "$TA/d$k"
    check "gtbt-ta: HTTPS to the $kind sink with the anchors, SSL_CERT_FILE=/nonexistent" \
        to 60 env SSL_CERT_FILE=/nonexistent "$TA/good" "https://$ADDR/events" "$TA/d$k"
    check "gtbt-ta: ... the $kind sink got the event" has "$TA/$kind.log" '"format":"http","valid":true'
    stop_sink
done
start_sink "$TA/wrong.log" --tls --cert "$CERTS/localhost-rsa-chain.pem" --key "$CERTS/localhost-rsa.key"
mkdir -p "$TA/d3"
to 60 env SSL_CERT_FILE=/nonexistent "$TA/other" "https://$ADDR/events" "$TA/d3" >"$T/out" 2>&1
rc=$?
if [ $rc -eq 6 ] && grep -q 'TLS error' "$T/out" && [ ! -s "$TA/wrong.log" ]; then ok "gtbt-ta: anchors of another CA: GTBT_E_TLS, nothing delivered"
else echo "exit $rc, want 6 (GTBT_E_TLS)" >>"$T/out"; bad "gtbt-ta: anchors of another CA fail" "$T/out"; fi
stop_sink
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n' >"$TA/trunc.pem"
check "gtbt-ta: a truncated PEM is an error, nothing written" \
    sh -c "! '$B/gtbt-ta' -o '$TA/trunc.h' '$TA/trunc.pem' 2>'$TA/err' && grep -q unterminated '$TA/err' && test ! -e '$TA/trunc.h'"
check "gtbt-ta: a key file has no certificate" sh -c "! '$B/gtbt-ta' '$CERTS/ca-rsa.key' >/dev/null 2>&1"

# ---- the examples ---------------------------------------------------------------------------------
EX=$T/ex
mkdir -p "$EX"
# built_by_make EXAMPLE: make test built $B/EXAMPLE with gcc and these warnings (plus -O2), and
# it is newer than its sources: that build is shared instead of compiled again
built_by_make() {
    cc -v 2>&1 | grep -q '^gcc version' && [ -x "$B/$1" ] && [ "$B/$1" -nt "$ROOT/examples/$1.c" ] &&
        [ "$B/$1" -nt "$ROOT/gtb_telemetry.h" ] && cp "$B/$1" "$EX/$1"
}
for c in $COMPILERS; do
    for e in embedded custom_backend; do
        if [ "$c" = gcc ] && built_by_make $e; then ok "examples/$e.c: gcc $WARN (the build of make test)"; continue; fi
        libs="-lbearssl"; [ $e = custom_backend ] && libs="-lbearssl -lpthread"
        check "examples/$e.c: $c $WARN" $c $WARN -I"$ROOT" "$ROOT/examples/$e.c" -o "$EX/$e" $libs
    done
done
mkdir -p "$EX/regen/examples" "$EX/regen/tests/certs" && cp "$CERTS/ca-rsa.pem" "$EX/regen/tests/certs/"
check "examples/embedded_ta.h is what gtbt-ta makes of tests/certs/ca-rsa.pem" sh -c "cd '$EX/regen' && \
    '$B/gtbt-ta' --name embedded_ta -o examples/embedded_ta.h tests/certs/ca-rsa.pem && cmp examples/embedded_ta.h '$ROOT/examples/embedded_ta.h'"
start_sink "$EX/emb.log" --tls --cert "$CERTS/localhost-rsa-chain.pem" --key "$CERTS/localhost-rsa.key"
check "examples/embedded: HTTPS with its compiled-in anchor, no CA bundle" \
    to 60 env TELEMETRY_ENABLED=1 SSL_CERT_FILE=/nonexistent EMBEDDED_ENDPOINT="https://$ADDR/events" "$EX/embedded"
check "examples/embedded: the sink got the event" has "$EX/emb.log" '"format":"http","valid":true' 'measure'
stop_sink
check "tests/kit/dgram_recv.c builds" $CC $WARN "$ROOT/tests/kit/dgram_recv.c" -o "$EX/dgram_recv"
SOCK=$EX/events.sock
to 60 env TELEMETRY_ENABLED=1 CUSTOM_BACKEND_SOCKET="$SOCK" "$EX/custom_backend" >"$T/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'network error' "$T/out"; then ok "examples/custom_backend: no receiver: GTBT_E_NETWORK, events kept"
else bad "examples/custom_backend: no receiver: GTBT_E_NETWORK" "$T/out"; fi
"$EX/dgram_recv" "$SOCK" 4 20000 >"$EX/dgrams" 2>&1 &
RECV_PID=$!
i=0; while [ $i -lt 100 ] && ! grep -q ready "$EX/dgrams"; do sleep 0.05; i=$((i + 1)); done
check "examples/custom_backend: with a receiver" to 60 env TELEMETRY_ENABLED=1 CUSTOM_BACKEND_SOCKET="$SOCK" "$EX/custom_backend"
wait "$RECV_PID" 2>/dev/null
check "examples/custom_backend: 4 datagrams (2 kept from the failed run + 2 new), one JSON event each" \
    sh -c "test \$(grep -c '^\\[{\"timestamp\"' '$EX/dgrams') -eq 4 && test \$(grep -c '\"name\":\"work\"' '$EX/dgrams') -eq 2"

fi

if want install; then
# ---- install: CMake and pkg-config ----------------------------------------------------------------
IN=$T/install
mkdir -p "$IN"
start_sink "$IN/sink.log" --tls --cert "$CERTS/localhost-rsa-chain.pem" --key "$CERTS/localhost-rsa.key"
URL="https://$ADDR/events"
# deliver NAME BINARY: the consumer delivers one event over HTTPS (BearSSL linked through the package)
deliver() { check "$1: runs and delivers over HTTPS" to 60 env SSL_CERT_FILE="$CERTS/ca-rsa.pem" "$2" "$URL" "$IN/state-$(basename "$2")"; }
if command -v cmake >/dev/null 2>&1; then
    mkdir -p "$IN/sub" && cp "$ROOT/tests/kit/client.c" "$IN/sub/"
    cat >"$IN/sub/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14)
project(kit_sub C)
add_subdirectory("$ROOT" gtb_telemetry)
add_executable(client client.c)
target_link_libraries(client PRIVATE gtb::telemetry)
EOF
    check "cmake add_subdirectory: configure" to 300 cmake -S "$IN/sub" -B "$IN/sub/b"
    check "cmake add_subdirectory: build" to 300 cmake --build "$IN/sub/b"
    deliver "cmake add_subdirectory" "$IN/sub/b/client"
    check "cmake add_subdirectory: BearSSL linked from its static archive" no_shared_bearssl "$IN/sub/b/client"
    check "cmake install: configure the source tree" to 300 cmake -S "$ROOT" -B "$IN/cm" -DCMAKE_INSTALL_PREFIX="$IN/cmprefix"
    check "cmake install: build the tools" to 300 cmake --build "$IN/cm"
    check "cmake install: cmake --install" to 300 cmake --install "$IN/cm"
    check "cmake install: header, package files and tools installed" sh -c "cd '$IN/cmprefix' && test -f include/gtb_telemetry.h \
        && test -f lib/cmake/gtb_telemetry/gtb_telemetryConfig.cmake && test -f lib/cmake/gtb_telemetry/gtb_telemetryTargets.cmake \
        && test -x bin/gtbt-sink && test -x bin/gtbt-new && test -x bin/gtbt-ta"
    check "cmake install: the installed gtbt-new vendors the installed header" \
        sh -c "'$IN/cmprefix/bin/gtbt-new' --name kit-inst --dir '$IN/inst' >/dev/null && cmp '$IN/inst/gtb_telemetry.h' '$IN/cmprefix/include/gtb_telemetry.h'"
    mkdir -p "$IN/fp" && cp "$ROOT/tests/kit/client.c" "$IN/fp/"
    cat >"$IN/fp/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14)
project(kit_fp C)
find_package(gtb_telemetry CONFIG REQUIRED)
add_executable(client client.c)
target_link_libraries(client PRIVATE gtb::telemetry)
EOF
    check "cmake find_package(gtb_telemetry CONFIG REQUIRED): configure" to 300 cmake -S "$IN/fp" -B "$IN/fp/b" -DCMAKE_PREFIX_PATH="$IN/cmprefix"
    check "cmake find_package: build" to 300 cmake --build "$IN/fp/b"
    deliver "cmake find_package" "$IN/fp/b/client"
    check "cmake find_package: BearSSL linked from its static archive" no_shared_bearssl "$IN/fp/b/client"
else
    echo "skip cmake checks: cmake is not installed"
    skipped=$((skipped + 1))
fi
check "tools/install.sh PREFIX (make install)" to 300 sh "$ROOT/tools/install.sh" "$IN/pfx"
check "make install: header, tools, gtb_telemetry.pc" sh -c "cd '$IN/pfx' && test -f include/gtb_telemetry.h \
    && test -x bin/gtbt-sink && test -x bin/gtbt-new && test -x bin/gtbt-ta && grep -q '^Libs: -lbearssl -lpthread' lib/pkgconfig/gtb_telemetry.pc"
if command -v pkg-config >/dev/null 2>&1; then
    check "pkg-config --cflags --libs gtb_telemetry: build" sh -c "$CC $WARN '$ROOT/tests/kit/client.c' -o '$IN/pcclient' \
        \$(PKG_CONFIG_PATH='$IN/pfx/lib/pkgconfig' pkg-config --cflags --libs gtb_telemetry)"
    deliver "pkg-config" "$IN/pcclient"
else
    bad "pkg-config is not installed (apt-get install pkg-config)"
fi
check "make install: the installed gtbt-new vendors PREFIX/include/gtb_telemetry.h" \
    sh -c "'$IN/pfx/bin/gtbt-new' --name kit-pfx --dir '$IN/pfxgen' >/dev/null && cmp '$IN/pfxgen/gtb_telemetry.h' '$IN/pfx/include/gtb_telemetry.h'"
stop_sink
check "nothing of the kit tests wrote a secret" no_secret "$T/install"
fi

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]

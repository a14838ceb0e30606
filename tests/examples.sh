#!/bin/sh
# Runs the examples against build/gtbt-sink on loopback, and compiles every C snippet of the
# README and the quick start of the header's manual (documentation that compiles is documentation
# that is true). Prints one line per check and "N passed, N failed, 0 skipped".
cd "$(dirname "$0")/.." || exit 2
B=${BUILD:-build}
T=$(mktemp -d)
SINK_PID=
pass=0 fail=0
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
ok() { pass=$((pass+1)); echo "ok   example: $1"; }
no() { fail=$((fail+1)); echo "FAIL example: $1"; [ -f "$T/out" ] && sed 's/^/    /' "$T/out" | head -20; }
check() { name=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$name"; else no "$name"; fi; }

export HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_STATE_HOME="$T/state" CI=true
unset DO_NOT_TRACK TELEMETRY_ENABLED TELEMETRY_LOCAL TELEMETRY_DEBUG HTTPS_PROXY HTTP_PROXY https_proxy http_proxy
mkdir -p "$HOME"

SINK_BIN="$B/gtbt-sink"
start_sink() {
    "$SINK_BIN" --quiet --log "$T/sink.log" "$@" > "$T/sink.out" 2>&1 &
    SINK_PID=$!
    i=0; while [ $i -lt 200 ] && ! grep -q '^listening on' "$T/sink.out"; do sleep 0.02; i=$((i+1)); done
    PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$T/sink.out" | head -n 1)
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }
sink_has() { grep -q "\"format\":\"$1\",\"valid\":true" "$T/sink.log"; }

# without consent nothing is recorded and nothing is written
check "hello runs without consent and touches no file" sh -c "$B/hello | grep -q 'hello, world' && ! test -e '$T/state/hello'"
check "mytool usage error exits 2" sh -c "$B/mytool nosuch; test \$? = 2"
check "mytool telemetry status says disabled" sh -c "$B/mytool telemetry status | grep -q '^Telemetry: disabled'"

start_sink
check "hello delivers with TELEMETRY_ENABLED=1" env TELEMETRY_ENABLED=1 HELLO_ENDPOINT="http://127.0.0.1:$PORT/events" "$B/hello"
check "  ... the sink got a valid http payload" sink_has http
: > "$T/sink.log"
check "http example" env TELEMETRY_ENABLED=1 HTTP_ENDPOINT="http://127.0.0.1:$PORT/events" "$B/http"
check "  ... valid http payload" sink_has http
: > "$T/sink.log"
check "otlp example" env TELEMETRY_ENABLED=1 OTEL_ENDPOINT="http://127.0.0.1:$PORT" OTEL_AUTHORIZATION="Basic dGVzdDp0ZXN0" "$B/otlp"
check "  ... valid otlp payload with the Authorization header" sh -c "grep -q '\"format\":\"otlp\",\"valid\":true' '$T/sink.log' && grep -q 'Basic dGVzdDp0ZXN0' '$T/sink.log'"
: > "$T/sink.log"
check "datadog example" env TELEMETRY_ENABLED=1 DD_API_KEY=dd_test_key DD_ENDPOINT="http://127.0.0.1:$PORT/v1/input" "$B/datadog"
check "  ... valid datadog payload with DD-API-KEY" sh -c "grep -q '\"format\":\"datadog\",\"valid\":true' '$T/sink.log' && grep -q '\"dd-api-key\":\"dd_test_key\"' '$T/sink.log'"
: > "$T/sink.log"
check "posthog example" env TELEMETRY_ENABLED=1 POSTHOG_PROJECT_KEY=phc_test POSTHOG_ENDPOINT="http://127.0.0.1:$PORT/capture/" "$B/posthog"
check "  ... valid posthog payload" sink_has posthog
stop_sink
check "datadog example without a key falls back to noop" sh -c "env TELEMETRY_ENABLED=1 DD_API_KEY= $B/datadog | grep -q 'backend: noop'"

# the receiver without BearSSL (GTBT_SINK_NO_TLS): what make demo builds on a machine without it.
# A bearssl.h that stops the compiler stands in for a missing one: the build must never include it.
mkdir -p "$T/nossl"
printf '#error "BearSSL must not be needed by this build"\n' > "$T/nossl/bearssl.h"
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    check "gtbt-sink -DGTBT_SINK_NO_TLS builds with $cc -Wall -Wextra -Wpedantic -Werror, no BearSSL" \
        $cc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -I"$T/nossl" -DGTBT_SINK_NO_TLS tools/gtbt-sink.c -o "$T/sink-notls-$cc" -lpthread
done
check "  ... and the header with GTB_TELEMETRY_NO_TLS builds mytool without BearSSL" \
    cc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -I"$T/nossl" -I. -DGTB_TELEMETRY_NO_TLS examples/mytool.c -o "$T/mytool-notls" -lpthread
SINK_BIN="$T/sink-notls-gcc"
[ -x "$SINK_BIN" ] || SINK_BIN="$T/sink-notls-clang"
tls_refused() {
    "$SINK_BIN" --tls --cert tests/certs/localhost-rsa-chain.pem --key tests/certs/localhost-rsa.key > "$T/tls.err" 2>&1
    r=$?; cat "$T/tls.err"
    [ "$r" = 2 ] && grep -q 'this gtbt-sink was built without TLS' "$T/tls.err"
}
check "  ... its --tls is a usage error (exit 2) that says it was built without TLS" tls_refused
: > "$T/sink.log"
start_sink
check "  ... it receives one event over HTTP from the no-TLS mytool" \
    env XDG_STATE_HOME="$T/notls/state" XDG_CONFIG_HOME="$T/notls/config" MYTOOL_TELEMETRY_ENABLED=1 MYTOOL_TELEMETRY_DETACH=0 MYTOOL_ENDPOINT="http://127.0.0.1:$PORT/events" "$T/mytool-notls" greet Ada
stop_sink
check "  ... the no-TLS sink logged exactly one valid http event" \
    sh -c "test \$(grep -c '\"format\":\"http\",\"valid\":true' '$T/sink.log') = 1"
SINK_BIN="$B/gtbt-sink"

# every ```c block of the README and the header's quick start compile as they are
i=0
for f in README.md; do
    [ -f "$f" ] || continue
    awk -v dir="$T" 'BEGIN{n=0} /^```c$/{on=1; n++; file=sprintf("%s/readme%d.c", dir, n); next} /^```$/{on=0; next} on{print > file}' "$f"
done
for s in "$T"/readme*.c; do
    [ -f "$s" ] || continue
    i=$((i+1))
    if grep -q 'GTB_TELEMETRY_IMPLEMENTATION' "$s"; then src=$s; else { printf '#define GTB_TELEMETRY_IMPLEMENTATION\n#include "gtb_telemetry.h"\n'; cat "$s"; } > "$s.full.c"; src="$s.full.c"; fi
    if grep -q 'int main' "$src"; then link="-o $T/snippet"; else link="-c -o $T/snippet.o"; fi
    check "README snippet $i compiles" sh -c "cc -std=c99 -Wall -Wextra -Werror -I. $src $link -lbearssl -lpthread"
done
sed -n '/^   QUICK START$/,/^   TABLE OF CONTENTS$/p' gtb_telemetry.h | sed '1,2d;$d' | sed 's/^       //' > "$T/quick.c"
check "the manual's quick start compiles" sh -c "cc -std=c99 -Wall -Wextra -Werror -I. -x c '$T/quick.c' -o '$T/quick' -lbearssl -lpthread"
check "  ... and runs (no consent: exits 0, nothing written)" sh -c "'$T/quick' && ! test -e '$T/state/mytool'"
# the manual names every public function, and the README every environment variable the library reads
manual_complete() {
    sed -n '/^#ifndef GTB_TELEMETRY_H_INCLUDED/,/^#endif \/\* GTB_TELEMETRY_H_INCLUDED/p' gtb_telemetry.h |
        grep -o 'GTB_TELEMETRY_API [^(]*(' | grep -o 'gtbt_[a-z_]*' | sort -u > "$T/api"
    [ "$(wc -l < "$T/api")" -ge 30 ] || { echo "could not list the public functions"; return 1; }
    sed -n '1,/^\*\//p' gtb_telemetry.h > "$T/manual"
    missing=""
    for f in $(cat "$T/api"); do grep -q "$f" "$T/manual" || missing="$missing $f"; done
    [ -z "$missing" ] || { echo "not in the manual:$missing"; return 1; }
    for v in DO_NOT_TRACK TELEMETRY_ENABLED TELEMETRY_LOCAL TELEMETRY_DEBUG TELEMETRY_DETACH CI XDG_CONFIG_HOME XDG_STATE_HOME SSL_CERT_FILE HTTPS_PROXY HTTP_PROXY NO_PROXY; do
        grep -q "$v" README.md || missing="$missing $v"
        grep -q "$v" "$T/manual" || missing="$missing $v(manual)"
    done
    [ -z "$missing" ] || { echo "not documented:$missing"; return 1; }
}
check "the manual names every public function; README and manual every environment variable" manual_complete
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

#!/bin/sh
# make demo: the opt-in / opt-out story of examples/mytool, in a temporary home so nothing of
# yours is touched; then the same tool delivering to tools/gtbt-sink on loopback. Every command
# that changes something is shown as it runs. Needs only a C compiler and make: without BearSSL
# the tool is built with GTB_TELEMETRY_NO_TLS and the receiver with GTBT_SINK_NO_TLS (plain HTTP
# only), and the demo says so and skips only the HTTPS delivery.
B=${1:-build}
CC=${CC:-cc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$B"
B=$(cd "$B" && pwd)
DEMO=$(mktemp -d)
SINK_PID=
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$DEMO"; }
trap cleanup EXIT INT TERM
if [ -t 1 ]; then BOLD=$(printf '\033[1m'); PLAIN=$(printf '\033[0m'); else BOLD=; PLAIN=; fi
step() { printf '\n%s$ %s%s\n' "$BOLD" "$*" "$PLAIN"; }
run() { step "$*"; "$@"; }
# run_env VAR=VALUE... CMD...: shows the variables as part of the command
run_env() { step "$*"; env "$@"; }

echo "== 0. Building examples/mytool and the receiver tools/gtbt-sink"
printf '#include <bearssl.h>\nint main(void) { return 0; }\n' > "$DEMO/probe.c"
if $CC -std=c99 "$DEMO/probe.c" -o "$DEMO/probe" -lbearssl >/dev/null 2>&1; then
    TLS=1
    run $CC -std=c99 -O2 -I"$ROOT" "$ROOT/examples/mytool.c" -o "$B/demo-mytool" -lbearssl -lpthread || exit 1
    SINK="$B/gtbt-sink"
    [ -x "$SINK" ] || run $CC -std=c99 -O2 "$ROOT/tools/gtbt-sink.c" -o "$SINK" -lbearssl -lpthread || exit 1
else
    TLS=0
    echo "BearSSL (bearssl.h, -lbearssl) is not installed: building without TLS, so only http://"
    echo "endpoints work (https:// ones are refused, never downgraded). For TLS on Debian/Ubuntu:"
    echo "apt-get install libbearssl-dev."
    run $CC -std=c99 -O2 -DGTB_TELEMETRY_NO_TLS -I"$ROOT" "$ROOT/examples/mytool.c" -o "$B/demo-mytool" -lpthread || exit 1
    SINK="$B/gtbt-sink-notls"
    run $CC -std=c99 -O2 -DGTBT_SINK_NO_TLS "$ROOT/tools/gtbt-sink.c" -o "$SINK" -lpthread || exit 1
fi
MYTOOL="$B/demo-mytool"

export HOME="$DEMO/home"
unset XDG_CONFIG_HOME XDG_STATE_HOME CI DO_NOT_TRACK TELEMETRY_ENABLED TELEMETRY_LOCAL TELEMETRY_DEBUG \
      MYTOOL_TELEMETRY_ENABLED MYTOOL_TELEMETRY_LOCAL MYTOOL_TELEMETRY_DEBUG MYTOOL_ENDPOINT MYTOOL_OTEL_ENDPOINT \
      HTTPS_PROXY HTTP_PROXY https_proxy http_proxy NO_PROXY no_proxy
mkdir -p "$HOME"
echo "(a temporary home: HOME=$HOME; no other setting is changed off screen)"
LOG="$HOME/.local/state/mytool/telemetry.log"
count() { if [ -f "$LOG" ]; then wc -l < "$LOG" | tr -d ' '; else echo 0; fi; }

echo
echo "== 1. Nothing is recorded until the user says yes"
run "$MYTOOL" telemetry status
run "$MYTOOL" greet Ada
echo "(events recorded: $(count))"
run "$MYTOOL" telemetry show

echo
echo "== 2. The user opts in, in local-only mode (events stay in a file on this machine)"
run "$MYTOOL" telemetry enable
run_env MYTOOL_TELEMETRY_LOCAL=1 "$MYTOOL" greet Ada
run_env MYTOOL_TELEMETRY_LOCAL=1 "$MYTOOL" count 3
run cat "$LOG"
run_env MYTOOL_TELEMETRY_LOCAL=1 "$MYTOOL" telemetry status

echo
echo "== 3. The user opts out: pending events discarded, nothing recorded after"
run "$MYTOOL" telemetry disable
before=$(count)
run_env MYTOOL_TELEMETRY_LOCAL=1 "$MYTOOL" greet Grace
echo "(events in the local file before: $before, after: $(count))"

echo
echo "== 4. Delivery to a receiver: gtbt-sink on 127.0.0.1"
start_sink() {   # sets SINK_PID and ADDR (not in a subshell: the trap must know the pid)
    "$SINK" "$@" > "$DEMO/sink.out" 2>&1 &
    SINK_PID=$!
    i=0; while [ $i -lt 100 ] && ! grep -q '^listening on' "$DEMO/sink.out"; do sleep 0.05; i=$((i+1)); done
    ADDR=$(sed -n 's/^listening on //p' "$DEMO/sink.out" | head -n 1)
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }
run "$MYTOOL" telemetry enable
# inline delivery here, so that each run's events are in the sink when it is stopped (on a
# terminal mytool would return at once and leave the delivery to a background sender)
export MYTOOL_TELEMETRY_DETACH=0
start_sink
[ -n "$ADDR" ] || { echo "the receiver did not start:"; cat "$DEMO/sink.out"; exit 1; }
echo "(the receiver listens on $ADDR)"
run_env MYTOOL_ENDPOINT="http://$ADDR/events" "$MYTOOL" greet Ada
run_env MYTOOL_OTEL_ENDPOINT="http://$ADDR" "$MYTOOL" count 2
stop_sink
echo "(what the receiver got over HTTP:)"
grep -v '^listening' "$DEMO/sink.out"
run_env MYTOOL_ENDPOINT="http://$ADDR/events" "$MYTOOL" telemetry show
if [ "$TLS" = 1 ]; then
    C="$ROOT/tests/certs"
    start_sink --tls --cert "$C/localhost-rsa-chain.pem" --key "$C/localhost-rsa.key"
    PORT=${ADDR##*:}
    run_env MYTOOL_CA_FILE="$C/ca-rsa.pem" MYTOOL_ENDPOINT="https://localhost:$PORT/events" "$MYTOOL" greet Linus
    stop_sink
    echo "(what the receiver got over HTTPS:)"
    grep -v '^listening' "$DEMO/sink.out"
else
    echo
    echo "(HTTPS delivery skipped: BearSSL is not installed, so mytool and gtbt-sink were built"
    echo " without TLS; apt-get install libbearssl-dev and run make demo again to see it)"
fi
run "$MYTOOL" telemetry disable
echo
echo "Demo finished; the temporary home is removed."

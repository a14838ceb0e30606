#!/bin/sh
# make demo: the opt-in / opt-out story of examples/mytool, in a temporary home so nothing of
# yours is touched; then the same tool sending to build/gtbt-sink over HTTP and HTTPS on loopback.
B=${1:-build}
B=$(cd "$B" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO=$(mktemp -d)
SINK_PID=
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$DEMO"; }
trap cleanup EXIT INT TERM
export HOME="$DEMO/home" XDG_CONFIG_HOME= XDG_STATE_HOME=
unset CI DO_NOT_TRACK TELEMETRY_ENABLED TELEMETRY_LOCAL MYTOOL_TELEMETRY_ENABLED MYTOOL_ENDPOINT MYTOOL_OTEL_ENDPOINT
mkdir -p "$HOME"
LOG="$HOME/.local/state/mytool/telemetry.log"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$*"; "$@"; }
count() { if [ -f "$LOG" ]; then wc -l < "$LOG" | tr -d ' '; else echo 0; fi; }

echo "== 1. Nothing is recorded until the user says yes"
run "$B/mytool" telemetry status
run "$B/mytool" greet Ada
echo "(events in the local log: $(count))"

echo
echo "== 2. The user opts in (local-only mode: events stay in a file on this machine)"
export MYTOOL_TELEMETRY_LOCAL=1
run "$B/mytool" telemetry enable
run "$B/mytool" greet Ada
run "$B/mytool" count 3
step "cat $LOG"
cat "$LOG"
run "$B/mytool" telemetry status

echo
echo "== 3. The user opts out: pending events discarded, nothing written after"
run "$B/mytool" telemetry disable
before=$(count)
run "$B/mytool" greet Grace
echo "(events in the local log before: $before, after: $(count))"
unset MYTOOL_TELEMETRY_LOCAL

echo
echo "== 4. Delivery to a receiver: build/gtbt-sink on 127.0.0.1, over HTTP then HTTPS"
start_sink() {   # sets SINK_PID and ADDR (not in a subshell: the trap must know the pid)
    "$B/gtbt-sink" "$@" > "$DEMO/sink.out" 2>&1 &
    SINK_PID=$!
    i=0; while [ $i -lt 100 ] && ! grep -q '^listening on' "$DEMO/sink.out"; do sleep 0.05; i=$((i+1)); done
    ADDR=$(sed -n 's/^listening on //p' "$DEMO/sink.out" | head -n 1)
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }
"$B/mytool" telemetry enable > /dev/null
# inline delivery here, so that each run's events are in the sink when it is stopped (on a
# terminal mytool would return at once and leave the delivery to a background sender)
export MYTOOL_TELEMETRY_DETACH=0
start_sink
run env MYTOOL_ENDPOINT="http://$ADDR/events" "$B/mytool" greet Ada
run env MYTOOL_OTEL_ENDPOINT="http://$ADDR" "$B/mytool" count 2
stop_sink
step "what the sink received over HTTP"
grep -v '^listening' "$DEMO/sink.out"
C="$ROOT/tests/certs"
start_sink --tls --cert "$C/localhost-rsa-chain.pem" --key "$C/localhost-rsa.key"
PORT=${ADDR##*:}
run env MYTOOL_CA_FILE="$C/ca-rsa.pem" MYTOOL_ENDPOINT="https://localhost:$PORT/events" "$B/mytool" greet Linus
stop_sink
step "what the sink received over HTTPS"
grep -v '^listening' "$DEMO/sink.out"
"$B/mytool" telemetry disable > /dev/null
echo
echo "Demo finished; the temporary home $DEMO is removed."

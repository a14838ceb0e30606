#!/bin/sh
# Runs the Windows test program under wine, headless, in its own prefix under BUILD_DIR, against
# two gtbt-sink receivers running natively on loopback (plain HTTP, and HTTPS with the test CA):
#   sh tests/win/run.sh BUILD_DIR
# Its output ends with the program's closing line "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 2
B=${1:-build}
ABS=$(pwd)
T=$(mktemp -d)
P1= P2=
cleanup() { [ -n "$P1" ] && kill "$P1" 2>/dev/null; [ -n "$P2" ] && kill "$P2" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fail() { echo "!! $1"; echo "0 passed, 1 failed"; exit 1; }
command -v wine >/dev/null || fail "wine is not installed (apt-get install wine wine64)"
export WINEPREFIX="$ABS/$B/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then    # the first run creates the prefix (about 15 s)
    timeout 300 wineboot -i >/dev/null 2>&1 || fail "wineboot could not create $WINEPREFIX"
fi
start() { # name, args...: starts a sink, sets PORT and the pid variable named by $1
    name=$1; shift
    : >"$T/$name.out"
    "$B/gtbt-sink" --quiet --log "$T/sink.log" "$@" >"$T/$name.out" 2>&1 &
    eval "$name=\$!"
    i=0; while [ $i -lt 250 ] && ! grep -q '^listening on' "$T/$name.out"; do sleep 0.02; i=$((i+1)); done
    PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$T/$name.out" | head -n 1)
    [ -n "$PORT" ] || fail "gtbt-sink did not start: $(cat "$T/$name.out")"
}
start P1
HTTP=$PORT
start P2 --tls --cert tests/certs/localhost-rsa.pem --key tests/certs/localhost-rsa.key
HTTPS=$PORT
# wine maps the Linux root to drive Z:
timeout 300 wine "$B/win/test_win.exe" "$HTTP" "$HTTPS" "Z:$ABS/tests/certs/ca-rsa.pem" "Z:$T/sink.log" 2>&1 | tr -d '\r'

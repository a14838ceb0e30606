#!/bin/sh
# Windows compile matrix: the header built by mingw-w64 (x86_64) as C99, C11 and C++17, with each
# option, as one or two translation units, and the examples, all with -Wall -Wextra -Wpedantic
# -Werror, linked with BearSSL for mingw and the documented -l list. Prints "N passed, N failed".
#   sh tests/win/compile.sh BUILD_DIR
cd "$(dirname "$0")/../.." || exit 2
B=${1:-build}
out="$B/win/compile"
mkdir -p "$out"
pass=0 fail=0
CC=${WIN_CC:-x86_64-w64-mingw32-gcc}
CXX=${WIN_CXX:-x86_64-w64-mingw32-g++}
if ! sh tests/cross/bearssl.sh "$B" mingw "$CC" x86_64-w64-mingw32-ar; then
    echo "FAIL windows: BearSSL for mingw"; echo "0 passed, 1 failed"; exit 1
fi
W="-Wall -Wextra -Wpedantic -Werror"
I="-I. -I$B/bearssl-mingw/inc"
L="-L$B/bearssl-mingw -lbearssl -lws2_32 -liphlpapi -lbcrypt -lcrypt32 -ladvapi32 -lshell32 -lole32"
T=tests/compile
run() { # name, command...
    name=$1; shift
    if "$@" >"$out/log" 2>&1; then pass=$((pass+1)); echo "ok   windows: $name"
    else fail=$((fail+1)); echo "FAIL windows: $name"; sed 's/^/    /' "$out/log" | head -20; fi
}
for std in c99 c11; do
    run "-std=$std two TUs" sh -c "nice -n 10 $CC -std=$std $W $I -c $T/impl.c -o $out/impl.o && nice -n 10 $CC -std=$std $W $I -c $T/use.c -o $out/use.o && $CC $out/impl.o $out/use.o -o $out/a.exe $L"
    run "-std=$std NO_TLS" nice -n 10 $CC -std=$std $W $I -DGTB_TELEMETRY_NO_TLS $T/single.c -o $out/a.exe $L
    run "-std=$std NO_THREADS" nice -n 10 $CC -std=$std $W $I -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.exe $L
    run "-std=$std NO_TLS NO_THREADS" nice -n 10 $CC -std=$std $W $I -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.exe $L
    run "-std=$std STATIC" nice -n 10 $CC -std=$std $W $I -DGTB_TELEMETRY_STATIC $T/single.c -o $out/a.exe $L
done
run "-O2 (optimiser warnings)" nice -n 10 $CC -std=c99 -O2 $W $I -c $T/impl.c -o $out/impl.o
run "c++17 two TUs" sh -c "nice -n 10 $CXX -x c++ -std=c++17 $W $I -c $T/impl.c -o $out/impl.o && nice -n 10 $CXX -x c++ -std=c++17 $W $I -c $T/use.c -o $out/use.o && $CXX $out/impl.o $out/use.o -o $out/a.exe $L"
run "DLL export (GTB_TELEMETRY_DLL)" nice -n 10 $CC -std=c99 $W $I -DGTB_TELEMETRY_DLL -shared $T/impl.c -o $out/gtbt.dll $L
for f in examples/*.c; do
    case $f in *custom_backend.c) continue ;; esac   # a POSIX socket backend of its own
    run "$f" nice -n 10 $CC -std=c99 $W $I "$f" -o $out/a.exe $L
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

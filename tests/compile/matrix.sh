#!/bin/sh
# The compile matrix: the header built by gcc and clang as C99, C11 and C++, with each option,
# as one or two translation units, all with -Wall -Wextra -Wpedantic -Werror; plus the exported
# symbol check (every symbol starts with gtbt_). Prints "N passed, N failed, 0 skipped".
cd "$(dirname "$0")/../.." || exit 2
out=${BUILD:-build}/compile
mkdir -p "$out"
W="-Wall -Wextra -Wpedantic -Werror"
pass=0 fail=0
run() { # name, command...
    name=$1; shift
    if "$@" >"$out/log" 2>&1; then pass=$((pass+1)); echo "ok   compile: $name"
    else fail=$((fail+1)); echo "FAIL compile: $name"; sed 's/^/    /' "$out/log" | head -20; fi
}
must_fail() { # name, command...
    name=$1; shift
    if "$@" >"$out/log" 2>&1; then fail=$((fail+1)); echo "FAIL compile: $name (compiled, should not)"
    else pass=$((pass+1)); echo "ok   compile: $name (refused)"; fi
}
T=tests/compile
for cc in gcc clang; do
  for std in c99 c11; do
    run "$cc -std=$std two TUs" sh -c "$cc -std=$std $W -I. -c $T/impl.c -o $out/impl.o && $cc -std=$std $W -I. -c $T/use.c -o $out/use.o && $cc $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
    run "$cc -std=$std NO_TLS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_TLS $T/single.c -o $out/a.out -lpthread && $out/a.out"
    run "$cc -std=$std NO_THREADS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out -lbearssl && $out/a.out"
    run "$cc -std=$std NO_TLS NO_THREADS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out && $out/a.out"
    run "$cc -std=$std STATIC" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_STATIC $T/single.c -o $out/a.out -lbearssl -lpthread && $out/a.out"
  done
  run "$cc -O2 (optimiser warnings)" sh -c "$cc -std=c99 -O2 $W -I. -c $T/impl.c -o $out/impl.o && $cc -std=c99 -O2 $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS -c $T/impl.c -o $out/impl2.o"
  run "$cc custom allocator" sh -c "$cc -std=c99 $W -I. $T/alloc.c -o $out/a.out -lbearssl -lpthread && $out/a.out"
  must_fail "$cc partial allocator" $cc -std=c99 $W -I. -c $T/partial_alloc.c -o $out/x.o
done
for cxx in g++ clang++; do
  for std in c++11 c++17; do
    run "$cxx -std=$std" sh -c "$cxx -x c++ -std=$std $W -I. -c $T/impl.c -o $out/impl.o && $cxx -x c++ -std=$std $W -I. -c $T/use.c -o $out/use.o && $cxx $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
  done
  run "$cxx NO_TLS NO_THREADS" sh -c "$cxx -x c++ -std=c++11 $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out && $out/a.out"
done
run "C and C++ translation units together" sh -c "gcc -std=c99 $W -I. -c $T/impl.c -o $out/impl.o && g++ -x c++ -std=c++11 $W -I. -c $T/use.c -o $out/use.o && g++ $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
symcheck() {
    gcc -std=c99 $W -I. -c $T/impl.c -o $out/impl.o || return 1
    bad=$(nm -g --defined-only $out/impl.o | awk '{print $3}' | grep -v '^gtbt_')
    [ -z "$bad" ] || { echo "exported without gtbt_: $bad"; return 1; }
    gcc -std=c99 $W -I. -DGTB_TELEMETRY_STATIC -c $T/impl.c -o $out/static.o || return 1
    [ -z "$(nm -g --defined-only $out/static.o | awk '{print $3}')" ] || { echo "STATIC build exports symbols"; return 1; }
}
run "exported symbols all start with gtbt_" symcheck
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

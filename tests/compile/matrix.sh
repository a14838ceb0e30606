#!/bin/sh
# The compile matrix: the header built by gcc and clang as C99, C11 and C++, with each option,
# as one or two translation units, all with -Wall -Wextra -Wpedantic -Werror; plus the exported
# symbol check (every symbol starts with gtbt_). Prints "N passed, N failed, 0 skipped".
cd "$(dirname "$0")/../.." || exit 2
base=${BUILD:-build}/compile
rm -rf "$base" && mkdir -p "$base" || exit 2
W="-Wall -Wextra -Wpedantic -Werror"
jobs=${MATRIX_JOBS:-$(nproc 2>/dev/null || echo 2)}
n=0 running=0
# job: the next check gets its own directory $out (so checks can run side by side)
job() { n=$((n+1)); out=$base/j$n; mkdir -p "$out"; }
# spawn NAME EXPECT COMMAND...: runs the check in the background (at most $jobs at once); its
# verdict goes to $out/result. EXPECT is ok (must succeed) or refused (must fail).
spawn() {
    name=$1 expect=$2; shift 2
    (
        if "$@" >"$out/log" 2>&1; then r=ok; else r=refused; fi
        if [ "$r" = "$expect" ]; then
            if [ "$expect" = ok ]; then echo "ok   compile: $name"; else echo "ok   compile: $name (refused)"; fi
        elif [ "$expect" = ok ]; then echo "FAIL compile: $name"; sed 's/^/    /' "$out/log" | head -20
        else echo "FAIL compile: $name (compiled, should not)"; fi
    ) >"$out/result" 2>&1 &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
}
run() { _name=$1; shift; spawn "$_name" ok "$@"; }         # name, command...
must_fail() { _name=$1; shift; spawn "$_name" refused "$@"; }
T=tests/compile
for cc in gcc clang; do
  for std in c99 c11; do
    job; run "$cc -std=$std two TUs" sh -c "$cc -std=$std $W -I. -c $T/impl.c -o $out/impl.o && $cc -std=$std $W -I. -c $T/use.c -o $out/use.o && $cc $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
    job; run "$cc -std=$std NO_TLS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_TLS $T/single.c -o $out/a.out -lpthread && $out/a.out"
    job; run "$cc -std=$std NO_THREADS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out -lbearssl && $out/a.out"
    job; run "$cc -std=$std NO_TLS NO_THREADS" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out && $out/a.out"
    job; run "$cc -std=$std STATIC" sh -c "$cc -std=$std $W -I. -DGTB_TELEMETRY_STATIC $T/single.c -o $out/a.out -lbearssl -lpthread && $out/a.out"
  done
  job; run "$cc -O2 (optimiser warnings)" sh -c "$cc -std=c99 -O2 $W -I. -c $T/impl.c -o $out/impl.o && $cc -std=c99 -O2 $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS -c $T/impl.c -o $out/impl2.o"
  job; run "$cc custom allocator" sh -c "$cc -std=c99 $W -I. $T/alloc.c -o $out/a.out -lbearssl -lpthread && $out/a.out"
  job; must_fail "$cc partial allocator" $cc -std=c99 $W -I. -c $T/partial_alloc.c -o $out/x.o
done
for cxx in g++ clang++; do
  for std in c++11 c++17; do
    job; run "$cxx -std=$std" sh -c "$cxx -x c++ -std=$std $W -I. -c $T/impl.c -o $out/impl.o && $cxx -x c++ -std=$std $W -I. -c $T/use.c -o $out/use.o && $cxx $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
  done
  job; run "$cxx NO_TLS NO_THREADS" sh -c "$cxx -x c++ -std=c++11 $W -I. -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o $out/a.out && $out/a.out"
done
job; run "C and C++ translation units together" sh -c "gcc -std=c99 $W -I. -c $T/impl.c -o $out/impl.o && g++ -x c++ -std=c++11 $W -I. -c $T/use.c -o $out/use.o && g++ $out/impl.o $out/use.o -o $out/a.out -lbearssl -lpthread && $out/a.out"
symcheck() {
    gcc -std=c99 $W -I. -c $T/impl.c -o $out/impl.o || return 1
    bad=$(nm -g --defined-only $out/impl.o | awk '{print $3}' | grep -v '^gtbt_')
    [ -z "$bad" ] || { echo "exported without gtbt_: $bad"; return 1; }
    gcc -std=c99 $W -I. -DGTB_TELEMETRY_STATIC -c $T/impl.c -o $out/static.o || return 1
    [ -z "$(nm -g --defined-only $out/static.o | awk '{print $3}')" ] || { echo "STATIC build exports symbols"; return 1; }
}
job; run "exported symbols all start with gtbt_" symcheck
wait
pass=0 fail=0 i=0
while [ "$i" -lt "$n" ]; do
    i=$((i + 1))
    cat "$base/j$i/result"
    if grep -q '^ok ' "$base/j$i/result"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

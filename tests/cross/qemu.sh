#!/bin/sh
# The unit tests built for another architecture and run under qemu-user: s390x (big-endian) and
# aarch64. Needs qemu-user and gcc-<arch>-linux-gnu with libc6-dev-<arch>-cross (not part of
# `make test`; `make test-cross` runs this). BearSSL for each is built by tests/cross/bearssl.sh.
#   sh tests/cross/qemu.sh BUILD_DIR [ARCH...]
# Prints the test binaries' output and "N passed, N failed" over all of them.
cd "$(dirname "$0")/../.." || exit 2
B=${1:-build}
shift
[ $# -gt 0 ] || set -- s390x aarch64
TESTS=$(sed -n 's/^TESTS *:= *//p' Makefile)
pass=0 fail=0
for arch in "$@"; do
    cc=$arch-linux-gnu-gcc
    qemu=qemu-$arch
    if ! command -v "$cc" >/dev/null || ! command -v "$qemu" >/dev/null; then
        echo "FAIL $arch: needs $cc and $qemu (apt-get install qemu-user gcc-$arch-linux-gnu libc6-dev-$(echo "$arch" | sed 's/aarch64/arm64/')-cross)"
        fail=$((fail + 1)); continue
    fi
    if ! sh tests/cross/bearssl.sh "$B" "$arch" "$cc" "$arch-linux-gnu-ar"; then
        echo "FAIL $arch: BearSSL"; fail=$((fail + 1)); continue
    fi
    mkdir -p "$B/$arch"
    for t in $TESTS; do
        d=
        [ "$t" = notls ] && d=-DGTB_TELEMETRY_NO_TLS
        bin="$B/$arch/test_$t"
        if ! nice -n 10 "$cc" -std=c99 -Wall -Wextra -Wpedantic -Werror -g -O1 -I. -I"$B/bearssl-$arch/inc" $d \
                "tests/test_$t.c" -o "$bin" -L"$B/bearssl-$arch" -lbearssl -lpthread >"$bin.log" 2>&1; then
            echo "FAIL $arch test_$t: does not build"; sed 's/^/    /' "$bin.log" | head -10; fail=$((fail + 1)); continue
        fi
        echo "== $arch test_$t"
        GTBT_SINK=$B/gtbt-sink QEMU_LD_PREFIX=/usr/$arch-linux-gnu timeout 900 "$qemu" "$bin" >"$bin.out" 2>&1
        rc=$?
        cat "$bin.out"
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$bin.out" | tail -n 1)
        if [ -z "$line" ]; then echo "!! $arch test_$t exited with $rc and no closing line"; fail=$((fail + 1)); continue; fi
        p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        [ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
        pass=$((pass + p)); fail=$((fail + f))
    done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/bin/sh
# tests/fuzz/replay.sh BUILD - the fuzz corpora as regression tests, without libFuzzer: builds
# BUILD/replay_<target> from tests/fuzz/fuzz_<target>.c + tests/fuzz/replay.c with gcc (CC) under
# ASan+UBSan, feeds it every file of tests/fuzz/corpus/<target>, prints one ok/FAIL line per
# target and "N passed, N failed, 0 skipped". Run from the repository root (make test runs it).
BUILD=${1:-build}
CC=${CC:-cc}
TARGETS="url http_head chunked spill consent x509 pairs"
FLAGS="-std=c99 -Wall -Wextra -Wpedantic -Werror -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
pass=0 fail=0
mkdir -p "$BUILD" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
for t in $TARGETS; do
    bin="$BUILD/replay_$t"
    # shellcheck disable=SC2086
    # built already by make test (make -j) unless a source is newer
    if { [ ! -x "$bin" ] || [ "tests/fuzz/fuzz_$t.c" -nt "$bin" ] || [ tests/fuzz/replay.c -nt "$bin" ] ||
         [ tests/fuzz/fuzz_common.h -nt "$bin" ] || [ gtb_telemetry.h -nt "$bin" ]; } &&
       ! $CC $FLAGS -I. "tests/fuzz/fuzz_$t.c" tests/fuzz/replay.c -o "$bin" -lbearssl -lpthread >"$tmp/out" 2>&1; then
        echo "FAIL replay_$t: does not build"
        sed 's/^/    /' "$tmp/out" | head -n 20
        fail=$((fail + 1))
        continue
    fi
    if TMPDIR="$tmp" "$bin" "tests/fuzz/corpus/$t" >"$tmp/out" 2>&1; then
        echo "ok   replay_$t ($(tail -n 1 "$tmp/out"))"
        pass=$((pass + 1))
    else
        # the run stopped at the first bad input: name every input that fails, each on its own
        bad=""
        for f in tests/fuzz/corpus/"$t"/*; do
            TMPDIR="$tmp" "$bin" "$f" >"$tmp/one" 2>&1 || bad="$bad $(basename "$f")"
        done
        echo "FAIL replay_$t:${bad:- (crash; see below)}"
        grep -v '^replay: ' "$tmp/out" | head -n 12 | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

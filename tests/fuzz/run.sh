#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS - libFuzzer on each parser target for SECONDS (default 20).
# Builds build/fuzz_<target> with clang -fsanitize=fuzzer,address,undefined (UB is fatal), runs it
# on a copy of tests/fuzz/corpus/<target> (BUILD/fuzz-work/<target>/corpus, which keeps what it
# found; crash inputs go to BUILD/fuzz-work/<target>/artifacts), prints one line per target and
# "N passed, N failed". Run from the repository root. CLANG overrides the compiler.
BUILD=${1:-build}
SECONDS_EACH=${2:-20}
CLANG=${CLANG:-clang}
TARGETS="url http_head chunked spill consent x509 pairs"
pass=0 fail=0
mkdir -p "$BUILD/fuzz-work" || exit 2
for t in $TARGETS; do
    bin="$BUILD/fuzz_$t"
    work="$BUILD/fuzz-work/$t"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
    if ! $CLANG -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. \
            "tests/fuzz/fuzz_$t.c" -o "$bin" -lbearssl -lpthread >"$work/build.log" 2>&1; then
        echo "FAIL fuzz_$t: does not build (see $work/build.log)"
        fail=$((fail + 1))
        continue
    fi
    cp tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null
    before=$(ls "$work/corpus" | wc -l)
    maxlen=""
    [ "$t" = consent ] && maxlen="-max_len=8192"
    TMPDIR="$work/tmp" "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 $maxlen \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
    rc=$?
    after=$(ls "$work/corpus" | wc -l)
    runs=$(grep -Eo '^#[0-9]+' "$work/log" | tail -n 1 | tr -d '#')
    if [ "$rc" = 0 ]; then
        echo "ok   fuzz_$t: ${runs:-?} runs in ${SECONDS_EACH} s, corpus $before -> $after files"
        pass=$((pass + 1))
    else
        crash=$(ls "$work/artifacts" 2>/dev/null | head -n 1)
        why=$(grep -m 1 -E 'ERROR: |runtime error|invariant failed' "$work/log")
        when="after ${runs} runs"
        [ -z "$runs" ] && when="on the seed corpus"
        echo "FAIL fuzz_$t: ${crash:-exit $rc} $when: $why (log: $work/log)"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/bin/sh
# make check: the test binaries again under valgrind (built without sanitizers), plus the
# exported-symbol check. Prints "N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
B=${1:-build}/valgrind
mkdir -p "$B"
pass=0 fail=0
for t in core redact consent collector cli backends net; do
    [ -f "tests/test_$t.c" ] || continue
    if ! cc -std=c99 -Wall -Wextra -Wpedantic -Werror -g -O1 -I. "tests/test_$t.c" -o "$B/test_$t" -lbearssl -lpthread; then
        fail=$((fail+1)); echo "FAIL valgrind: test_$t does not build"; continue
    fi
    if GTBT_VALGRIND=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --trace-children=no "$B/test_$t" > "$B/test_$t.log" 2>&1; then
        pass=$((pass+1)); echo "ok   valgrind: test_$t ($(tail -n 1 "$B/test_$t.log"))"
    else
        fail=$((fail+1)); echo "FAIL valgrind: test_$t"; tail -n 30 "$B/test_$t.log" | sed 's/^/    /'
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

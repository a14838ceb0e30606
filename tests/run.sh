#!/bin/sh
# Runs each test command given as an argument ("binary [filter]"), shows its output, and adds up
# the closing lines "N passed, N failed" into one for the whole suite. Exit status 1 on any failure
# (or on a binary that crashed or printed no closing line).
total_pass=0 total_fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for cmd in "$@"; do
    echo "== $cmd"
    # shellcheck disable=SC2086
    timeout 600 $cmd >"$tmp" 2>&1
    rc=$?
    cat "$tmp"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp" | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $cmd exited with $rc and no closing line"
        total_fail=$((total_fail + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*, ([0-9]+) failed.*/\1/')
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then echo "!! $cmd exited with $rc"; f=1; fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]

#!/bin/sh
# tests/run.sh STAGE... - runs each test stage ("binary [filter]" or a shell command), up to
# $TEST_JOBS at once (default: twice the number of CPUs, as many stages mostly wait on sockets),
# shows each stage's output and time when it ends, and adds up their closing lines
# "N passed, N failed[, N skipped]" into one for the whole suite. A stage that crashed, timed
# out (20 min: a loaded 2-core machine runs a macOS stage for up to 10) or printed no closing
# line counts as a failure.
# With $CI set (and not 0/false), every skip must be listed in tests/ci-skips ("STAGE NAME" lines,
# STAGE the first word of the stage's command without its directory, NAME what follows "skip " up
# to the first ':'); any other skip fails the suite. The stages run without $CI in their
# environment, as on a developer's machine. Exit status 1 on any failure.
if [ "${1-}" = --one ]; then
    # --one DIR INDEX CMD: one stage; its output, exit status and time go to DIR/INDEX.*
    dir=$2 idx=$3 cmd=$4
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    timeout 1200 $cmd >"$dir/$idx.out" 2>&1
    echo $? >"$dir/$idx.rc"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000)) >"$dir/$idx.ms"
    if command -v flock >/dev/null 2>&1; then
        flock "$dir/lock" sh -c "echo '== $cmd ($(awk "BEGIN { printf \"%.1f\", $(cat "$dir/$idx.ms") / 1000 }") s)'; cat '$dir/$idx.out'"
    else
        echo "== $cmd"; cat "$dir/$idx.out"
    fi
    exit 0
fi

ci=
case "${CI-}" in ''|0|false|FALSE|no) ;; *) ci=1 ;; esac
unset CI
jobs=${TEST_JOBS:-$(($(nproc 2>/dev/null || echo 2) * 2))}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"' EXIT
: >"$dir/lock"
t0=$(date +%s)
i=0
for cmd in "$@"; do
    i=$((i + 1))
    printf '%s\0' "$i" "$cmd"
done | xargs -0 -n 2 -P "$jobs" sh "$0" --one "$dir"

total_pass=0 total_fail=0 total_skip=0 i=0
echo "== stages"
for cmd in "$@"; do
    i=$((i + 1))
    stage=$(basename "$(echo "$cmd" | awk '{ print ($1 == "sh" ? $2 : $1) }')")
    rc=$(cat "$dir/$i.rc" 2>/dev/null || echo 99)
    ms=$(cat "$dir/$i.ms" 2>/dev/null || echo 0)
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/$i.out" | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $cmd exited with $rc and no closing line"
        total_fail=$((total_fail + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -E -n 's/.*, ([0-9]+) skipped.*/\1/p')
    s=${s:-0}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then echo "!! $cmd exited with $rc"; f=1; fi
    # the skips: named, and in CI each one expected
    grep -E '^skip ' "$dir/$i.out" | sed -E 's/^skip ([^:]*).*/\1/; s/ +$//' | while read -r name; do
        if [ -n "$ci" ] && ! grep -q -x -F "$stage $name" "$root/tests/ci-skips" 2>/dev/null; then
            echo "!! $stage: skip \"$name\" is not expected in CI (tests/ci-skips)"
            echo x >>"$dir/unexpected"
        fi
    done
    printf '%6.1f s  %s: %s\n' "$(awk "BEGIN { print $ms / 1000 }")" "$cmd" "$line"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + s))
done
[ -f "$dir/unexpected" ] && total_fail=$((total_fail + $(wc -l <"$dir/unexpected")))
echo "wall time $(($(date +%s) - t0)) s with $jobs jobs"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]

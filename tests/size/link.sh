#!/bin/sh
# tests/size/link.sh - what a small tool links: examples/hello.c (gtbt_new, one
# gtbt_track_command, gtbt_close) built with the README's size flags, with and without TLS.
# Code and texts that only an explicit call reaches must stay out of such a binary: the CLI and
# its texts, the prompt, the Datadog and PostHog backends, the deletion requestors, the log item
# names; and the library must not need load-time relocations for its tables (char arrays and
# offsets instead of pointer tables). Prints one line per check and "N passed, N failed, 0 skipped".
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass+1)); echo "ok   size: $1"; }
no() { fail=$((fail+1)); echo "FAIL size: $1"; [ -n "${2-}" ] && echo "$2" | sed 's/^/    /' | head -20; }
F="-std=c99 -Os -ffunction-sections -fdata-sections -Wl,--gc-sections -fno-asynchronous-unwind-tables -I."
CC=${CC:-cc}
# symbols (unstripped builds) and texts that must not be linked by hello
SYMS="gtbt_cli gtbt_prompt gtbt_consent_set gtbt_datadog_backend gtbt_posthog_backend gtbt_http_deletion
gtbt_email_deletion gtbt_event_deletion gtbt_log_item_name gtbt_events_json gtbt_redact gtbt__log_item_names"
TEXTS="Manage opt-in pseudonymous usage analytics|Help improve|Last deliveries|No events are waiting|Saves your consent|datadoghq|distinct_id|ddsource|SPILL_DROPPED_AT_MOST_ONCE|PROXY_CREDENTIALS_INVALID"
for v in notls tls; do
    if [ $v = notls ]; then
        $CC $F -DGTB_TELEMETRY_NO_TLS examples/hello.c -o "$T/$v" -lpthread >"$T/log" 2>&1
    else
        $CC $F examples/hello.c -o "$T/$v" -Wl,-Bstatic -lbearssl -Wl,-Bdynamic -lpthread >"$T/log" 2>&1
    fi || { no "$v: hello builds with the size flags" "$(cat "$T/log")"; continue; }
    ok "$v: hello builds with the size flags"
    found=
    for s in $SYMS; do nm "$T/$v" | grep -q " $s\$" && found="$found $s"; done
    if [ -z "$found" ]; then ok "$v: no CLI, prompt, Datadog, PostHog, deletion or log-name code linked"
    else no "$v: linked although hello never calls them:$found"; fi
    hits=$(strings -n 8 "$T/$v" | grep -E "$TEXTS" | head -5)
    if [ -z "$hits" ]; then ok "$v: no CLI, prompt or other unused texts in the binary"
    else no "$v: unused texts in the binary" "$hits"; fi
    # R_X86_64_RELATIVE relocations that point into the library's own tables (x86_64 only)
    if [ "$(uname -m)" = x86_64 ]; then
        nm -S "$T/$v" | awk 'NF == 4 && $4 ~ /^gtbt_/ { print "S", $1, $2, $4 }' > "$T/syms"
        readelf -rW "$T/$v" | awk '/R_X86_64_RELATIVE/ { print "R", $1 }' >> "$T/syms"
        rel=$(awk 'function hex(s,  i, n, c) { n = 0; s = tolower(s)
                       for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); n = n * 16 + c - 1 }
                       return n }
                   $1 == "S" { a[++ns] = hex($2); z[ns] = hex($3); name[ns] = $4; next }
                   { x = hex($2); for (i = 1; i <= ns; i++) if (x >= a[i] && x < a[i] + z[i]) { cnt[name[i]]++; break } }
                   END { for (k in cnt) if (cnt[k] > 6) print cnt[k], k }' "$T/syms")
        total=$(grep -c '^R' "$T/syms")
        if [ -z "$rel" ]; then ok "$v: no table of the library needs more than 6 load-time relocations ($total in the binary)"
        else no "$v: pointer tables relocated at load time" "$rel"; fi
    fi
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" = 0 ]

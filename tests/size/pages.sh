#!/bin/sh
# tests/size/pages.sh [bearssl.a] - the size figures of examples/hello.c (stripped, the README's
# size flags) minus a stripped hello world built the same way, without TLS and with BearSSL
# linked statically (the archive given, else -lbearssl), and for each LOAD segment the bytes to
# cut before the file loses a 4 KiB page ("cut"). The linker starts each LOAD segment on a fresh
# page in the file, except the writable one: that one is placed so that its read-only-after-
# relocation part (GNU_RELRO) ends on a page edge, so the segment before it loses a page only
# when its end plus the RELRO part crosses a page edge; what follows RELRO (.got.plt, .data)
# counts byte for byte. Nothing is asserted: a tool for size work.
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
CC=${CC:-cc}
F="-std=c99 -s -Os -ffunction-sections -fdata-sections -Wl,--gc-sections -fno-asynchronous-unwind-tables"
if [ -n "${1-}" ]; then SSL=$1; else SSL="-Wl,-Bstatic -lbearssl -Wl,-Bdynamic"; fi
printf '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n' > "$T/base.c"
$CC $F "$T/base.c" -o "$T/base" || exit 1
$CC $F -I. -DGTB_TELEMETRY_NO_TLS examples/hello.c -o "$T/notls" -lpthread || exit 1
$CC $F -I. examples/hello.c -o "$T/tls" $SSL -lpthread || exit 1
base=$(stat -c %s "$T/base")
for v in notls tls; do
    sz=$(stat -c %s "$T/$v")
    printf '%-6s +%d bytes (file %d), %d imports\n' "$v" $((sz - base)) "$sz" "$(nm -D --undefined-only "$T/$v" | wc -l)"
    readelf -lW "$T/$v" | awk -v total="$sz" 'function hex(s,  i, n) { n = 0; s = tolower(s); sub(/^0x/, "", s)
            for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return n }
        $1 == "LOAD" { n++; off[n] = hex($2); fs[n] = hex($5); fl[n] = ($8 == "E") ? "RX" : $7 }
        $1 == "GNU_RELRO" { relro = hex($5) }
        END { name[1] = "headers, imports"; name[2] = "code"; name[3] = "read-only data"
            for (i = 1; i < n; i++) {
                end = off[i] + fs[i]; extra = (i == n - 1) ? relro : 0; c = (end + extra) % 4096
                printf "   %-2s %-17s %7d bytes, cut %4d to lose a page%s\n", fl[i], name[i], fs[i], c == 0 ? 4096 : c,
                    extra ? sprintf(" (with the %d bytes of RELRO)", extra) : "" }
            printf "   %-2s %-17s %7d bytes, of which %d after RELRO and %d file tail count byte for byte\n", fl[n], "data", fs[n], fs[n] - relro, total - off[n] - fs[n] }'
done

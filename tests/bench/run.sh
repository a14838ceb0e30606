#!/bin/sh
# make bench: speed and size figures, printed as tables; nothing is asserted (machines are noisy).
# Needs the sink (built here); the libcurl comparison needs libcurl4-openssl-dev and is skipped
# with a note without it.
cd "$(dirname "$0")/../.." || exit 2
B=${1:-build}
O=$B/bench
mkdir -p "$O"
T=$(mktemp -d)
SINK_PID=
cleanup() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
CFLAGS="-std=c99 -O2 -Wall -Wextra -Werror -I."
CERTS=tests/certs

cc $CFLAGS -o "$B/gtbt-sink" tools/gtbt-sink.c -lbearssl -lpthread || exit 1
cc $CFLAGS -o "$O/bench" tests/bench/bench.c -lbearssl -lpthread || exit 1
# gtbt_post is built as the README recommends for a tool that ships: BearSSL's static archive
# (a shared libbearssl built with immediate binding costs every start ~0.29 M instructions in the
# dynamic loader: gtbt_post_shared shows it)
STATIC_SSL="$(cc -print-file-name=libbearssl.a) -lpthread"
cc $CFLAGS -o "$O/gtbt_post" tests/bench/gtbt_post.c $STATIC_SSL || exit 1
cc $CFLAGS -o "$O/gtbt_post_shared" tests/bench/gtbt_post.c -lbearssl -lpthread || exit 1
HAVE_CURL=0
if cc $CFLAGS -o "$O/curl_post" tests/bench/curl_post.c -lcurl 2>/dev/null; then HAVE_CURL=1; fi

start_sink() {
    "$B/gtbt-sink" --quiet "$@" > "$T/sink.out" 2>&1 &
    SINK_PID=$!
    i=0; while [ $i -lt 200 ] && ! grep -q '^listening on' "$T/sink.out"; do sleep 0.02; i=$((i+1)); done
    PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$T/sink.out" | head -n 1)
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; SINK_PID=; }
# the size build: what the README recommends for small binaries
SIZEF="-std=c99 -Os -ffunction-sections -fdata-sections -Wl,--gc-sections -fno-asynchronous-unwind-tables -Wall -Wextra -Werror -I."
cc $SIZEF -o "$O/gtbt_post_size" tests/bench/gtbt_post.c $STATIC_SSL || exit 1
cc $SIZEF -o "$O/gtbt_post_size_shared" tests/bench/gtbt_post.c -lbearssl -lpthread || exit 1
cc $SIZEF -o "$O/bench_size" tests/bench/bench.c -lbearssl -lpthread || exit 1
# median wall time in ms of N runs of a command
median_ms() {
    n=$1; shift
    i=0
    : > "$T/times"
    while [ $i -lt "$n" ]; do
        s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N)
        echo $(( (e - s) / 1000 )) >> "$T/times"
        i=$((i+1))
    done
    sort -n "$T/times" | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}
instr() {   # instructions executed by one run (callgrind: repeatable, unlike seconds)
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>"$T/cg.err" || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/cg.err" | head -n 1
}

instr_in() {   # instructions executed inside function $1 (and what it calls) during one run
    fn=$1; shift
    valgrind --tool=callgrind --toggle-collect="$fn" --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>"$T/cg.err" || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/cg.err" | head -n 1
}

echo "## gtb_telemetry.h: local figures"
echo
echo "| what                                   | measured                | target            |"
echo "|----------------------------------------|-------------------------|-------------------|"
"$O/bench" local
runs=""
for i in 1 2 3 4 5; do runs="$runs $("$O/bench" local | sed -n 's/^| gtbt_track, 2 metadata pairs *| *\([0-9]*\) ns.*/\1/p')"; done
set -- $(echo $runs | tr ' ' '\n' | sort -n)
printf "| gtbt_track, 5 more runs (best..worst)  | %s ns (medians: %s)   | the VM is noisy    |\n" "$1..$5" "$*"
if command -v valgrind > /dev/null 2>&1; then
    i0=$(instr "$O/bench" track 0); i1=$(instr "$O/bench" track 20)
    printf "| gtbt_track, instructions per call     | %8d (callgrind)     | repeatable figure |\n" $(( (i1 - i0) / 18000 ))
fi

echo
echo "## gtbt_close wall time (one process, loopback sink; median of 5)"
echo
echo "| case                                  | ms      | result |"
echo "|---------------------------------------|---------|--------|"
start_sink
for n in 1 1000; do
    set -- $("$O/bench" close "http://127.0.0.1:$PORT/events" $n)
    printf "| HTTP, %4d event(s)                    | %7s | %s |\n" $n "$1" "$2"
done
stop_sink
start_sink --tls --cert $CERTS/localhost-rsa-chain.pem --key $CERTS/localhost-rsa.key
for n in 1 1000; do
    set -- $("$O/bench" close "https://127.0.0.1:$PORT/events" $n $CERTS/ca-rsa.pem)
    printf "| HTTPS (RSA 2048), %4d event(s)        | %7s | %s |\n" $n "$1" "$2"
done
stop_sink
start_sink --blackhole
set -- $("$O/bench" close "http://127.0.0.1:$PORT/events" 1)
printf "| blackhole, budget 2000 ms             | %7s | %s (target: budget + 20 ms) |\n" "$1" "$2"
stop_sink

echo
echo "## detached delivery (GTBT_DETACH_ALWAYS; median of 5): exit time beside the inline figure"
echo
echo "| receiver, 1 event        | inline exit ms | detached exit ms | events arrive after ms |"
echo "|--------------------------|----------------|------------------|------------------------|"
start_sink --log "$T/detach.log"
set -- $("$O/bench" close "http://127.0.0.1:$PORT/events" 1); inl=$1
set -- $("$O/bench" detach "http://127.0.0.1:$PORT/events" 1 "$T/detach.log")
printf "| good (HTTP, loopback)    | %14s | %16s | %22s |\n" "$inl" "$1" "$3"
stop_sink
start_sink --blackhole
set -- $("$O/bench" close "http://127.0.0.1:$PORT/events" 1); inl=$1
set -- $("$O/bench" detach "http://127.0.0.1:$PORT/events" 1 -)
printf "| blackhole, budget 2000   | %14s | %16s | %22s |\n" "$inl" "$1" "never (kept on disk)"
stop_sink
echo "(target: detached exit a small fraction of the budget)"

echo
echo "## code size added to examples/hello (stripped; libc shared, BearSSL static): the README's Size table"
echo
printf '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n' > "$T/base.c"
size_row() {  # label, flags
    F="-std=c99 -s $2"
    cc $F "$T/base.c" -o "$O/hello-base" 2>/dev/null
    cc $F -I. -DGTB_TELEMETRY_NO_TLS examples/hello.c -o "$O/hello-notls" -lpthread 2>/dev/null
    cc $F -I. examples/hello.c -o "$O/hello-tls" -Wl,-Bstatic -lbearssl -Wl,-Bdynamic -lpthread 2>/dev/null
    base=$(stat -c %s "$O/hello-base"); notls=$(stat -c %s "$O/hello-notls"); tls=$(stat -c %s "$O/hello-tls")
    printf "| %-44s | %7d | %7d | %7d |\n" "$1" "$base" $((notls - base)) $((tls - base))
}
GC="-ffunction-sections -fdata-sections -Wl,--gc-sections"
echo "| build                                        | hello   | +NO_TLS | +TLS    |"
echo "|----------------------------------------------|---------|---------|---------|"
size_row "-O2" "-O2"
size_row "-Os" "-Os"
size_row "-Os, gc-sections" "-Os $GC"
size_row "-Os, gc-sections, no unwind tables" "-Os $GC -fno-asynchronous-unwind-tables"
# the size flags for BearSSL too: a distribution's libbearssl.a carries its own unwind tables
# (12 KiB here); BearSSL built from Debian's source package by tests/cross/bearssl.sh
SZ="-Os $GC -fno-asynchronous-unwind-tables"
if BEARSSL_CFLAGS="-W -Wall $SZ" sh tests/cross/bearssl.sh "$B" size cc ar > "$T/bearssl.log" 2>&1; then
    F="-std=c99 -s $SZ"
    cc $F "$T/base.c" -o "$O/hello-base"
    cc $F -I. -I"$B/bearssl-size/inc" examples/hello.c -o "$O/hello-tls-sz" "$B/bearssl-size/libbearssl.a" -lpthread
    base=$(stat -c %s "$O/hello-base"); notls=$(stat -c %s "$O/hello-notls"); tls=$(stat -c %s "$O/hello-tls-sz")
    printf "| %-44s | %7d | %7d | %7d |\n" "the same, BearSSL built with these flags too" "$base" $((notls - base)) $((tls - base))
else
    echo "(BearSSL with the size flags: skipped, it could not be built from source: $(tail -n 1 "$T/bearssl.log"))"
fi
echo "(targets: added <= 65536 bytes without TLS, <= 163840 bytes with BearSSL linked, with all of"
echo " $SZ, BearSSL built with them too)"
if command -v musl-gcc > /dev/null 2>&1; then
    F="-std=c99 -Os -static -s -ffunction-sections -fdata-sections -Wl,--gc-sections"
    musl-gcc $F "$T/base.c" -o "$O/hello-musl-base" && musl-gcc $F -I. -DGTB_TELEMETRY_NO_TLS examples/hello.c -o "$O/hello-musl"
    echo "| fully static with musl, NO_TLS (libc resolver, threads, stdio included) | +$(( $(stat -c %s "$O/hello-musl") - $(stat -c %s "$O/hello-musl-base") )) bytes |"
fi

echo
echo "## side by side with a plain libcurl program posting the same JSON (one process each)"
if [ "$HAVE_CURL" = 0 ]; then
    echo "(skipped: libcurl4-openssl-dev is not installed; apt-get install libcurl4-openssl-dev)"
else
    echo
    echo "| case                 | gtb ms | curl ms | gtb instructions | curl instructions |"
    echo "|----------------------|--------|---------|------------------|-------------------|"
    start_sink
    for n in 1 1000; do
        url="http://127.0.0.1:$PORT/events"
        g=$(median_ms 11 "$O/gtbt_post" "$url" $n); c=$(median_ms 11 "$O/curl_post" "$url" $n)
        gi=$(instr "$O/gtbt_post" "$url" $n); ci=$(instr "$O/curl_post" "$url" $n)
        printf "| HTTP, %4d event(s)   | %6s | %7s | %16s | %17s |\n" $n "$g" "$c" "$gi" "$ci"
    done
    stop_sink
    start_sink --tls --cert $CERTS/localhost-rsa-chain.pem --key $CERTS/localhost-rsa.key
    for n in 1 1000; do
        url="https://localhost:$PORT/events"
        g=$(median_ms 11 "$O/gtbt_post" "$url" $n $CERTS/ca-rsa.pem); c=$(median_ms 11 "$O/curl_post" "$url" $n $CERTS/ca-rsa.pem)
        gi=$(instr "$O/gtbt_post" "$url" $n $CERTS/ca-rsa.pem); ci=$(instr "$O/curl_post" "$url" $n $CERTS/ca-rsa.pem)
        printf "| HTTPS, %4d event(s)  | %6s | %7s | %16s | %17s |\n" $n "$g" "$c" "$gi" "$ci"
    done
    stop_sink
    libsize() {  # the binary plus every shared library it loads
        total=$(stat -c %s "$1")
        for lib in $(ldd "$1" | awk '/=>/ {print $3}'); do total=$((total + $(stat -L -c %s "$lib"))); done
        echo "$total"
    }
    echo
    printf "| binary + shared libraries | gtb_post: %d bytes | curl_post: %d bytes |\n" "$(libsize "$O/gtbt_post")" "$(libsize "$O/curl_post")"
fi

echo
echo "## instruction counts (callgrind, whole process, loopback sink) and peak RSS; -O2, size build, libcurl"
echo "(gtbt_post links BearSSL's static archive, as the README recommends for a tool that ships)"
echo
if ! command -v valgrind > /dev/null 2>&1; then echo "(skipped: valgrind is not installed)"; exit 0; fi
BUNDLE="$T/system-plus-test-ca.pem"
cat /etc/ssl/certs/ca-certificates.crt "$CERTS/ca-rsa.pem" > "$BUNDLE" 2>/dev/null || cp "$CERTS/ca-rsa.pem" "$BUNDLE"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }   # KiB
track_instr() {  # binary, pairs [shuffled]: instructions per gtbt_track call
    a=$(instr "$1" track 0 "$2" $3); b=$(instr "$1" track 20 "$2" $3); echo $(( (b - a) / 18000 ))
}
curl_or() { if [ "$HAVE_CURL" = 1 ]; then "$@"; else echo "-"; fi; }
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "figure" "target" "-O2" "size build" "libcurl"
echo "|----------------------------------------------|-------------|--------------|--------------|--------------|"
start_sink
url="http://127.0.0.1:$PORT/events"
g1=$(instr "$O/gtbt_post" "$url" 1); s1=$(instr "$O/gtbt_post_size" "$url" 1); c1=$(curl_or instr "$O/curl_post" "$url" 1)
g1s=$(instr "$O/gtbt_post_shared" "$url" 1); s1s=$(instr "$O/gtbt_post_size_shared" "$url" 1)
gN=$(instr "$O/gtbt_post" "$url" 1000); sN=$(instr "$O/gtbt_post_size" "$url" 1000); cN=$(curl_or instr "$O/curl_post" "$url" 1000)
gR=$(rss "$O/gtbt_post" "$url" 1000); sR=$(rss "$O/gtbt_post_size" "$url" 1000); cR=$(curl_or rss "$O/curl_post" "$url" 1000)
rp1=$(instr_in bench_replay_flush "$O/bench" replay "$url" 1); rpN=$(instr_in bench_replay_flush "$O/bench" replay "$url" 1000)
sp1=$(instr_in bench_replay_flush "$O/bench_size" replay "$url" 1); spN=$(instr_in bench_replay_flush "$O/bench_size" replay "$url" 1000)
stop_sink
per() { if [ "$2" = - ]; then echo -; else echo $(( ($2 - $1) / 999 )); fi; }
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "one HTTP event" "<= 450000" "$g1" "$s1" "$c1"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "  the same, shared libbearssl (-z now)" "" "$g1s" "$s1s" "-"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "1000 HTTP events" "< libcurl" "$gN" "$sN" "$cN"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "  per extra event ((N=1000 - N=1) / 999)" "<= 4000" "$(per "$g1" "$gN")" "$(per "$s1" "$sN")" "$(per "$c1" "$cN")"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "spill replay over HTTP, 1000 events (flush)" "-" "$rpN" "$spN" "-"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "  per extra event ((N=1000 - N=1) / 999)" "-" "$(per "$rp1" "$rpN")" "$(per "$sp1" "$spN")" "-"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "peak RSS, 1000 HTTP events (KiB)" "<= 3072" "$gR" "$sR" "$cR"
start_sink --tls --cert $CERTS/localhost-rsa-chain.pem --key $CERTS/localhost-rsa.key
url="https://localhost:$PORT/events"
for ca in "$CERTS/ca-rsa.pem" "$BUNDLE"; do
    g=$(instr "$O/gtbt_post" "$url" 1 "$ca"); s=$(instr "$O/gtbt_post_size" "$url" 1 "$ca"); c=$(curl_or instr "$O/curl_post" "$url" 1 "$ca")
    if [ "$ca" = "$BUNDLE" ]; then label="one HTTPS event, system bundle + test CA"; tgt="<= 12000000"
    else label="one HTTPS event, 1-certificate test CA"; tgt="<= 10500000"; fi
    printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "$label" "$tgt" "$g" "$s" "$c"
done
stop_sink
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "gtbt_track, 2 metadata pairs" "<= 1000" "$(track_instr "$O/bench" 2)" "$(track_instr "$O/bench_size" 2)" "-"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "gtbt_track, 16 metadata pairs (reversed keys)" "<= 4000" "$(track_instr "$O/bench" 16)" "$(track_instr "$O/bench_size" 16)" "-"
printf "| %-44s | %-11s | %12s | %12s | %12s |\n" "gtbt_track, 16 metadata pairs (shuffled keys)" "-" "$(track_instr "$O/bench" 16 shuffled)" "$(track_instr "$O/bench_size" 16 shuffled)" "-"

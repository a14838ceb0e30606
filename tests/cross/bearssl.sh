#!/bin/sh
# BearSSL for a cross target, built from Debian's own source package and cached under BUILD_DIR:
#   sh tests/cross/bearssl.sh BUILD_DIR NAME CC [AR]
#   e.g. sh tests/cross/bearssl.sh build mingw x86_64-w64-mingw32-gcc x86_64-w64-mingw32-ar
# (BEARSSL_CFLAGS, default "-W -Wall -O2", are its compile flags: make bench builds a "size" one)
# leaves BUILD_DIR/bearssl-NAME/{inc,libbearssl.a}. The first run adds a deb-src entry for the
# mirror of the deb entry (deb822 Types: deb-src, same URIs, suites, components and Signed-By)
# when none exists, and fetches the source once with `apt-get source bearssl` (needs dpkg-dev)
# into BUILD_DIR/bearssl-src; each target's lib is then built from a copy (20-40 s on 2 cores).
set -eu
build=$1 name=$2 cc=$3 ar=${4:-ar}
out="$build/bearssl-$name"
[ -f "$out/libbearssl.a" ] && [ -f "$out/inc/bearssl.h" ] && exit 0
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
# one build at a time (make -j and parallel test stages share the source tree)
mkdir -p "$build"
if command -v flock >/dev/null 2>&1; then
    exec 9>"$build/bearssl.lock"
    flock 9
    [ -f "$out/libbearssl.a" ] && [ -f "$out/inc/bearssl.h" ] && exit 0
fi

has_src() {
    grep -Eqs '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources ||
        grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}
src="$build/bearssl-src"
orig=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'bearssl-*' 2>/dev/null | head -n 1)
if [ -z "$orig" ]; then
    if ! has_src; then
        tmp=$(mktemp)
        for f in /etc/apt/sources.list.d/*.sources; do     # one deb-src stanza per deb stanza
            [ -f "$f" ] || continue
            awk 'BEGIN { RS = ""; ORS = "\n\n" }
                 /(^|\n)Types:[^\n]*deb/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$tmp"
        done
        if [ -s "$tmp" ]; then
            $SUDO install -m 644 "$tmp" /etc/apt/sources.list.d/gtbt-deb-src.sources
        elif [ -f /etc/apt/sources.list ]; then           # one-line format
            sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$tmp"
            $SUDO install -m 644 "$tmp" /etc/apt/sources.list.d/gtbt-deb-src.list
        fi
        rm -f "$tmp"
        $SUDO apt-get update -qq
    fi
    rm -rf "$src"
    mkdir -p "$src"
    (cd "$src" && apt-get source -qq bearssl >/dev/null 2>&1) || { echo "bearssl.sh: apt-get source bearssl failed" >&2; exit 1; }
    orig=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'bearssl-*' | head -n 1)
    [ -n "$orig" ] || { echo "bearssl.sh: no source tree in $src" >&2; exit 1; }
fi
work="$build/bearssl-build-$name"
rm -rf "$work"
cp -r "$orig" "$work"
cat >"$work/conf/cross.mk" <<MK
include conf/Unix.mk
BUILD = cross
CC = $cc
AR = $ar
LD = $cc
LDDLL = $cc
CFLAGS = ${BEARSSL_CFLAGS:--W -Wall -O2}
DLL = no
TOOLS = no
TESTS = no
MK
# BearSSL makes its object directory in a rule that -j does not order before the compiles
mkdir -p "$work/cross/obj"
nice -n 10 make -C "$work" CONF=cross -j2 lib >"$work.log" 2>&1 || { cat "$work.log" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cp -r "$work/inc" "$out/inc"
cp "$work/cross/libbearssl.a" "$out/libbearssl.a"
rm -rf "$work" "$work.log"

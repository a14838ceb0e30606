#!/bin/sh
# install.sh PREFIX - install gtb_telemetry.h, the tools and a pkg-config file (what `make install` runs):
#   PREFIX/include/gtb_telemetry.h
#   PREFIX/bin/gtbt-sink, gtbt-new, gtbt-ta    (gtbt-new vendors PREFIX/include/gtb_telemetry.h by default)
#   PREFIX/lib/pkgconfig/gtb_telemetry.pc      (Cflags: -I${includedir}; Libs: -lbearssl -lpthread)
# Environment: CC (default cc), CFLAGS (default -O2), LDFLAGS, DESTDIR (a staging root put in front of
# every path written; the paths compiled in and in the .pc file stay PREFIX). Needs BearSSL and a C99
# compiler. The tools are built in a temporary directory; nothing is installed if a build fails.
set -eu
if [ $# -ne 1 ] || [ -z "$1" ]; then echo "usage: tools/install.sh PREFIX" >&2; exit 2; fi
case $1 in
    /*) PREFIX=$1 ;;
    *) PREFIX=$(pwd)/$1 ;;                         # the .pc file and gtbt-new need an absolute path
esac
case $PREFIX in
    *[!A-Za-z0-9/._+~-]*) echo "install.sh: PREFIX \"$PREFIX\": use only [A-Za-z0-9/._+~-]" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}
LDFLAGS=${LDFLAGS:-}
DEST=${DESTDIR:-}
VERSION=$(sed -n 's/^#define GTB_TELEMETRY_VERSION_STRING "\(.*\)"$/\1/p' "$ROOT/gtb_telemetry.h")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# $CFLAGS and $LDFLAGS are option lists: split on purpose
# shellcheck disable=SC2086
{
    $CC -std=c99 $CFLAGS "$ROOT/tools/gtbt-sink.c" -o "$tmp/gtbt-sink" $LDFLAGS -lbearssl -lpthread
    $CC -std=c99 $CFLAGS "-DGTBT_HEADER_PATH=\"$PREFIX/include/gtb_telemetry.h\"" "$ROOT/tools/gtbt-new.c" \
        -o "$tmp/gtbt-new" $LDFLAGS
    $CC -std=c99 $CFLAGS "$ROOT/tools/gtbt-ta.c" -o "$tmp/gtbt-ta" $LDFLAGS -lbearssl
}
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@VERSION@|$VERSION|g" "$ROOT/tools/gtb_telemetry.pc.in" > "$tmp/gtb_telemetry.pc"

mkdir -p "$DEST$PREFIX/include" "$DEST$PREFIX/bin" "$DEST$PREFIX/lib/pkgconfig"
cp "$ROOT/gtb_telemetry.h" "$DEST$PREFIX/include/gtb_telemetry.h"
chmod 644 "$DEST$PREFIX/include/gtb_telemetry.h"
for t in gtbt-sink gtbt-new gtbt-ta; do
    cp "$tmp/$t" "$DEST$PREFIX/bin/$t"
    chmod 755 "$DEST$PREFIX/bin/$t"
done
cp "$tmp/gtb_telemetry.pc" "$DEST$PREFIX/lib/pkgconfig/gtb_telemetry.pc"
chmod 644 "$DEST$PREFIX/lib/pkgconfig/gtb_telemetry.pc"
echo "installed gtb_telemetry $VERSION to $DEST$PREFIX (include/, bin/, lib/pkgconfig/)"

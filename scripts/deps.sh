#!/bin/sh
# Installs herd's build dependencies from Debian's packages when they are
# missing, so a fresh Debian/Ubuntu machine needs no manual step.
set -e
need=""
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
have_pc libevent || need="$need libevent-dev"
have_pc libcjson || need="$need libcjson-dev"
have_pc cmocka || need="$need libcmocka-dev"
[ -f /usr/include/nng/nng.h ] || need="$need libnng-dev"
command -v python3 >/dev/null 2>&1 || need="$need python3"
command -v nngcat >/dev/null 2>&1 || need="$need nng-utils"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v man >/dev/null 2>&1 || need="$need man-db"
command -v systemd-analyze >/dev/null 2>&1 || need="$need systemd"
# the HTTP listener's tests: promtool checks /metrics, headless Chromium
# (driven through chromedriver) the page, tmux herdctl top
command -v promtool >/dev/null 2>&1 || need="$need prometheus"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v chromedriver >/dev/null 2>&1 || need="$need chromium-driver"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
# the fuzz targets (tests/fuzz/, run by make test): clang and its libFuzzer
command -v clang >/dev/null 2>&1 || need="$need clang"
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
    >/dev/null 2>&1 || need="$need libclang-rt-14-dev"
if [ "${HERD_DEPS_EXTRA:-}" != "" ]; then
	for p in $HERD_DEPS_EXTRA; do
		dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
	done
fi
[ -z "$need" ] && exit 0
echo "deps: installing$need" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $need

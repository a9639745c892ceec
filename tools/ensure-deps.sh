#!/bin/sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ensure-deps.sh GROUP... - make sure the Debian packages a make target needs
# are installed.  As root, missing ones are installed (apt-get update +
# install); otherwise the script names exactly what is missing and fails.
set -eu

pkgs_for() {
	case "$1" in
	base) echo "make gcc libc6-dev pkg-config clang-14 libclang-rt-14-dev llvm-14 libnuma-dev numactl libxxhash-dev libcmocka-dev libhwloc-dev hwloc" ;;
	fuzz) echo "clang-14 libclang-rt-14-dev llvm-14 lld-14 afl++ zip unzip" ;;
	bench) echo "g++ libbenchmark-dev libbenchmark-tools valgrind python3-scipy python3-numpy python3-matplotlib gnuplot-nox hwloc libhwloc-dev numactl" ;;
	install) echo "make gcc libc6-dev pkg-config libnuma-dev libxxhash-dev man-db groff-base binutils" ;;
	kmod) echo "make gcc pkg-config libxxhash-dev linux-headers-amd64 busybox-static qemu-system-x86 cpio kmod gcc-12 libc6-dev libnuma-dev" ;;
	debugkernel) echo "linux-source-6.1 bc flex bison libelf-dev libssl-dev xz-utils" ;;
	*) echo "ensure-deps: unknown group '$1'" >&2; exit 2 ;;
	esac
}

want=""
for g in "$@"; do want="$want $(pkgs_for "$g")"; done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "ksmlab: missing Debian packages:$missing" >&2
	echo "ksmlab: run as root to have them installed, or: sudo apt-get install$missing" >&2
	exit 1
fi

echo "ksmlab: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
lock="-o DPkg::Lock::Timeout=600"
# DPkg::Lock::Timeout does not cover apt-get update's lists lock: another
# apt run (a parallel make, the debug-kernel build) fails it at once, so
# ksmlab's own apt runs queue on one lock and a foreign holder is waited
# for, up to 10 minutes
mkdir -p /run/lock
exec 9>/run/lock/ksmlab-apt.lock
flock -w 1200 9 || echo "ksmlab: waited 20 min for another ksmlab apt run; going on" >&2
tries=0
until apt-get $lock update -q >/tmp/ksmlab-apt-update.$$ 2>&1; do
	tries=$((tries + 1))
	if ! grep -q 'Could not get lock\|Unable to lock' /tmp/ksmlab-apt-update.$$ || [ $tries -ge 120 ]; then
		cat /tmp/ksmlab-apt-update.$$ >&2
		rm -f /tmp/ksmlab-apt-update.$$
		echo "ksmlab: apt-get update failed" >&2
		exit 1
	fi
	[ $tries = 1 ] && echo "ksmlab: another apt run holds the package lists; waiting" >&2
	sleep 5
done
rm -f /tmp/ksmlab-apt-update.$$
# shellcheck disable=SC2086
apt-get $lock install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "ksmlab: apt-get install failed for:$missing" >&2; exit 1; }

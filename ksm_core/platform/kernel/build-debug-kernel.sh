#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# build-debug-kernel.sh [--key|--dir|--check] - the debug guest kernel
# (lockdep, KASAN, kmemleak, kmap debugging) from Debian's linux-source-6.1:
# `make tinyconfig` + debug.config, bzImage, and the tree prepared for
# external modules (`make modules_prepare`).
#
# Cached outside the clone, in ${KSMLAB_CACHE:-/var/cache/ksmlab}/kdebug-KEY,
# KEY = sha256 of (debug.config, linux-source version): rebuilt only when
# that changes.  The first build takes about 4-5 minutes with -j2 on a
# 2-core machine; afterwards this script returns at once.
#   (no argument)  build if needed; print the tree's directory last
#   --key          print the key
#   --dir          print the tree's directory (it may not be built yet)
#   --check        exit 0 if the tree is built, 1 (with the reason) if not
# The tree has arch/x86/boot/bzImage and is a kernel build dir for M=.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
cache=${KSMLAB_CACHE:-/var/cache/ksmlab}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${KDEBUG_JOBS:-2}

srcver() {
	dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true
}
key() {
	{
		cat "$frag"
		echo "linux-source-6.1 $(srcver)"
	} | sha256sum | cut -c1-16
}
dir() { echo "$cache/kdebug-$(key)"; }
built() { [ -f "$(dir)/.ksmlab-built" ]; }

case "${1:-}" in
--key) key; exit 0 ;;
--dir) dir; exit 0 ;;
--check)
	# make test does not build it: the build (5 min on a quiet 2-core
	# host, 13.5 min measured on a loaded one) and the KASAN guest run
	# (6-9 min) would take make test past 20 minutes on a fresh machine
	why="make kmod-debug-kernel installs linux-source-6.1 and builds it once (5-14 min), cached outside the clone"
	if [ -z "$(srcver)" ]; then
		echo "the debug kernel is not built here (linux-source-6.1 is not installed): $why"
		exit 1
	fi
	built && exit 0
	echo "the debug kernel is not built here ($(dir)): $why"
	exit 1
	;;
"") ;;
*) echo "usage: $0 [--key|--dir|--check]" >&2; exit 2 ;;
esac

if [ -z "$(srcver)" ]; then
	echo "build-debug-kernel: installing linux-source-6.1" >&2
	# the one apt path (its lock and its wait for other apt runs)
	"$here/../../../tools/ensure-deps.sh" debugkernel
fi
d=$(dir)
if built; then
	echo "build-debug-kernel: cached: $d" >&2
	echo "$d"
	exit 0
fi
t0=$(date +%s)
# built in place (a kernel tree is not moved after its build); the
# .ksmlab-built stamp, written last, is what makes it count as built
rm -rf "$d"
mkdir -p "$d"
echo "build-debug-kernel: unpacking $tarball ($(srcver))" >&2
tar -xJf "$tarball" -C "$d" --strip-components=1
cd "$d"
make -s tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$frag" >merge.log 2>&1 ||
	{ cat merge.log; exit 1; }
make -s olddefconfig >/dev/null
# every option the fragment sets must have survived olddefconfig
missing=""
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	grep -qxF "$line" .config || missing="$missing ${line%%=*}"
done <"$frag"
if [ -n "$missing" ]; then
	echo "build-debug-kernel: not set as asked in $d/.config:$missing" >&2
	for m in $missing; do grep "^$m=\|# $m is not set" .config >&2 || echo "$m absent" >&2; done
	exit 1
fi
echo "build-debug-kernel: make -j$jobs bzImage modules_prepare (about 4-5 min)" >&2
make -j"$jobs" bzImage >build.log 2>&1 || { tail -40 build.log; exit 1; }
make -j"$jobs" modules_prepare >>build.log 2>&1 || { tail -40 build.log; exit 1; }
# the symbol versions of vmlinux for modpost of external modules (what
# `make modules` writes when the config has no in-tree modules)
cp vmlinux.symvers Module.symvers
t1=$(date +%s)
echo "built in $((t1 - t0)) s from linux-source-6.1 $(srcver), key $(key)" >.ksmlab-built
echo "build-debug-kernel: built in $((t1 - t0)) s: $d" >&2
echo "$d"

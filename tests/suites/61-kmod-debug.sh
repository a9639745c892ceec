#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 61-kmod-debug: the guest run of 60-kmod on the debug kernel (lockdep,
# KASAN, kmemleak, kmap debugging: make kmod-test-debug), when that kernel
# is already built and cached; the first build (make kmod-debug-kernel,
# about 5-15 min with -j2 on a 2-core machine) is not part of make test.
# Needs root, as 60-kmod.  The guest run takes several minutes (KASAN
# under TCG).
set -u
cd "$(dirname "$0")/../.."
kdir=ksm_core/platform/kernel
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIPPED: needs root (boots qemu with the module); run 'make kmod-test-debug' as root"
	exit 77
fi
if ! why=$("$kdir/build-debug-kernel.sh" --check); then
	echo "SKIPPED: $why"
	exit 77
fi
t0=$(date +%s)
make --no-print-directory kmod-test-debug
rc=$?
dt=$(($(date +%s) - t0))
if [ $rc -ne 0 ]; then
	echo "RESULT: make kmod-test-debug failed (exit $rc) after ${dt}s"
	exit 1
fi
# the debug verdict requires each checker's start line and fails on a
# report: the same log without lockdep's banner, or with a lockdep
# report added, must fail
judge=$kdir/judge-guest-log.sh
log=build/kmod-test-debug.log
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed '/Lock dependency validator/d' "$log" >"$tmp"
out=$(KMOD_DEBUG=1 KMOD_QUICK=${KMOD_QUICK:-} "$judge" "$tmp" 2>&1) &&
	{ echo "RESULT: the debug verdict passed a log without lockdep's banner"; exit 1; }
grep -q "no 'Lock dependency validator' line" <<<"$out" ||
	{ echo "RESULT: the debug verdict did not name the missing lockdep banner: $out"; exit 1; }
echo "ok the debug verdict fails a log without lockdep's banner"
{ cat "$log"; echo "[  99.0] WARNING: possible recursive locking detected"; } >"$tmp"
KMOD_DEBUG=1 KMOD_QUICK=${KMOD_QUICK:-} "$judge" "$tmp" >/dev/null 2>&1 &&
	{ echo "RESULT: the debug verdict passed a log with a lockdep report"; exit 1; }
echo "ok the debug verdict fails a log with a lockdep report"
echo "RESULT: make kmod-test-debug passed in ${dt}s"

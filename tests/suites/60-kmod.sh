#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 60-kmod: ksm_ref.ko built against Debian's headers and booted in qemu
# (make kmod-test: 2 NUMA nodes, TCG).  Needs root: it installs missing
# packages and loads the module in the guest.  About 1-2 min once the
# packages are installed.
set -u
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIPPED: needs root (installs the kmod packages, then boots qemu); run 'make kmod-test' as root"
	exit 77
fi
t0=$(date +%s)
make --no-print-directory kmod-test
rc=$?
dt=$(($(date +%s) - t0))
if [ $rc -ne 0 ]; then
	echo "RESULT: make kmod-test failed (exit $rc) after ${dt}s"
	exit 1
fi
# the verdict holds the run to guest/expected-tests: the same log with one
# group's lines taken out must fail
judge=ksm_core/platform/kernel/judge-guest-log.sh
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed '/^KTEST freeze\./d' build/kmod-test.log >"$tmp"
out=$(KMOD_QUICK=${KMOD_QUICK:-} "$judge" "$tmp" 2>&1) &&
	{ echo "RESULT: the guest verdict passed a log without the freeze tests"; exit 1; }
grep -q "guest tests missing (ran/expected): freeze 0 of 2" <<<"$out" ||
	{ echo "RESULT: the guest verdict did not name the missing freeze tests: $out"; exit 1; }
echo "ok the guest verdict fails a log with the freeze tests left out"
echo "RESULT: make kmod-test passed in ${dt}s"

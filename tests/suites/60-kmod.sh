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
echo "RESULT: make kmod-test passed in ${dt}s"

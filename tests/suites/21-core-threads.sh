#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksmd thread against task threads, under ThreadSanitizer: with the
# kernel's trees, then with the checksum index (KSML_TEST_FAST=1), whose
# frame write counts are read by ksmd while tasks write.
set -e
cd "$(dirname "$0")/../.."
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
run() {
	build/tests/test_threads 2>&1 || {
		rc=$?
		# clang-14 TSan cannot map its shadow with 32 bits of mmap ASLR
		if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)" = 32 ]; then
			echo "retrying with ASLR off (vm.mmap_rnd_bits=32)"
			setarch "$(uname -m)" -R build/tests/test_threads
			return $?
		fi
		return $rc
	}
}
echo "== kernel-faithful configuration"
KSML_TEST_FAST=0 run
echo "== fast configuration (checksum index)"
KSML_TEST_FAST=1 run

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksmd thread against task threads, under ThreadSanitizer, in each named
# configuration: the kernel's trees, the hash index, and model knowledge
# (whose frame write counts ksmd reads while tasks write).
set -e
cd "$(dirname "$0")/../.."
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
run() {
	local out rc
	# (set -e: the status is taken, not left to end the script unprinted)
	out=$(build/tests/test_threads 2>&1) && rc=0 || rc=$?
	echo "$out"
	[ $rc -eq 0 ] && return 0
	# clang-14's TSan cannot map its shadow with 32 bits of mmap ASLR: only
	# that failure (it dies before any test runs) is retried, without ASLR
	if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)" = 32 ] &&
		grep -q 'ThreadSanitizer: unexpected memory mapping' <<<"$out"; then
		echo "retrying with ASLR off (vm.mmap_rnd_bits=32: TSan's shadow mapping failed)"
		setarch "$(uname -m)" -R build/tests/test_threads
		return $?
	fi
	return $rc
}
for c in faithful portable model; do
	echo "== $c configuration"
	KSML_TEST_CONFIG=$c run
done

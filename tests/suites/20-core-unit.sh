#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksm_core unit tests (cmocka) under ASan + UBSan (LeakSanitizer included),
# in each named configuration (faithful, portable, model).
set -e
cd "$(dirname "$0")/../.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1
for c in faithful portable model; do
	out=$(KSML_TEST_CONFIG=$c build/tests/test_core 2>&1) || { echo "== $c"; echo "$out"; exit 1; }
	echo "== $c"
	echo "$out" | tail -3
	n=$(grep -oE 'PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
	# transparent huge pages in vmem, and KSM on them (harness/THP.md)
	out=$(KSML_TEST_CONFIG=$c build/tests/test_thp 2>&1) || { echo "== $c thp"; echo "$out"; exit 1; }
	echo "$out" | tail -1
	n=$((n + $(grep -oE 'PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$')))
done
echo "SUMMARY: core unit tests: $n passed under ASan+UBSan+LSan, in each of the faithful, portable and model configurations"

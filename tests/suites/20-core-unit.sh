#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksm_core unit tests (cmocka) under ASan + UBSan (LeakSanitizer included).
set -e
cd "$(dirname "$0")/../.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1
out=$(build/tests/test_core 2>&1) || { echo "$out"; exit 1; }
# the same tests with the fast options (checksum index + XXH3)
fast=$(KSML_TEST_FAST=1 build/tests/test_core 2>&1) || { echo "$fast"; exit 1; }
echo "$out"
echo "$fast" | tail -3
n=$(grep -oE 'PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
echo "SUMMARY: core unit tests: $n passed under ASan+UBSan+LSan, in the kernel-faithful and the fast configuration"

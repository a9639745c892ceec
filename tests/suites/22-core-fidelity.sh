#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Issue-5 behaviours of the core: advisor (simulated clock), NUMA trees on
# two simulated nodes, smart scan schedule, chain pruning, ksm_stat.
set -e
cd "$(dirname "$0")/../.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1
out=$(build/tests/test_fidelity 2>&1) || { echo "$out"; exit 1; }
# the same tests with the fast options (checksum index + XXH3)
fast=$(KSML_TEST_FAST=1 build/tests/test_fidelity 2>&1) || { echo "$fast"; exit 1; }
echo "$out"
echo "$fast" | tail -3
n=$(grep -oE 'PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
echo "SUMMARY: fidelity unit tests: $n passed (both configurations); $(grep -m1 'advisor:' <<<"$out" | sed 's/SUMMARY: //')"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Issue-5 behaviours of the core: advisor (simulated clock), NUMA trees on
# two simulated nodes, smart scan schedule, chain pruning, ksm_stat; in
# each named configuration.
set -e
cd "$(dirname "$0")/../.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1
for c in faithful portable model; do
	out=$(KSML_TEST_CONFIG=$c build/tests/test_fidelity 2>&1) || { echo "== $c"; echo "$out"; exit 1; }
	echo "== $c"
	echo "$out" | tail -3
	[ "$c" = faithful ] && first=$out
done
n=$(grep -oE 'PASSED  \] [0-9]+' <<<"$first" | grep -oE '[0-9]+$')
echo "SUMMARY: fidelity unit tests: $n passed in each configuration; $(grep -m1 'advisor:' <<<"$first" | sed 's/SUMMARY: //')"

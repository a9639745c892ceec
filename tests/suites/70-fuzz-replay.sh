#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Replay every checked-in fuzz corpus file (seeds and kept crashes) through
# the ASan+UBSan, TSan (fuzz_threads) and gcc replay builds, and run the
# sim platform's self-test.  Built by `make test-build` (fuzz/fuzz.mk).
cd "$(dirname "$0")/../.." || exit 1
FZ=build/fuzz
if [ ! -x "$FZ/replay/sim_selftest" ]; then
	echo "SKIPPED: fuzz replay binaries not built (make test-build)"
	exit 77
fi
targets=""
for t in fuzz_ops fuzz_trees fuzz_threads fuzz_race fuzz_workload; do
	if [ -x "$FZ/replay/$t" ]; then
		targets="$targets $t"
	elif [ -d "fuzz/corpus/$t" ]; then
		echo "missing replay binary for $t"
		exit 1
	fi
done
FZ=$FZ TARGETS="$targets" exec fuzz/replay-all.sh

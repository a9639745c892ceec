#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# replay-all.sh - replay every corpus file of every target through each
# replay build: ASan+UBSan, gcc -O2 (no sanitizer), and the TSan build of
# fuzz_threads; then the sim platform's self-test.  Prints one SUMMARY line.
set -u
# open issues already reported: see fuzz/known/README.md
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS
FZ=${FZ:-build/fuzz}
targets=${TARGETS:-fuzz_ops fuzz_trees fuzz_threads fuzz_race}
fail=0 runs=0 files=0
run() {
	local name=$1
	shift
	runs=$((runs + 1))
	local out
	if out=$("$@" 2>&1); then
		local n
		n=$(sed -n 's/^replayed \([0-9]*\) inputs.*/\1/p' <<<"$out" | tail -1)
		files=$((files + ${n:-0}))
		printf '%-28s ok   %s\n' "$name" "$(tail -1 <<<"$out")"
	else
		fail=$((fail + 1))
		printf '%-28s FAILED\n' "$name"
		tail -n 60 <<<"$out"
	fi
}
for t in $targets; do
	c=fuzz/corpus/$t
	[ -d "$c" ] || { echo "$t: no corpus directory $c"; fail=$((fail + 1)); continue; }
	run "$t (asan+ubsan)" "$FZ/replay/$t" -q "$c"
	run "$t (gcc)" "$FZ/gcc/$t" -q "$c"
	if [ "$t" = fuzz_threads ]; then
		run "$t (tsan)" env TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/fuzz/known/tsan.supp" \
			"$FZ/replay/fuzz_threads-tsan" -q "$c"
		# every input once more in model: its write-count reads race with
		# the actors' writes, and a third of the corpus is too few runs
		# for TSan to see a racy read there (mutant WRITE_COUNT_NO_BARRIER)
		run "$t (tsan, model)" env KSML_FUZZ_CONFIG=model \
			TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/fuzz/known/tsan.supp" \
			"$FZ/replay/fuzz_threads-tsan" -q "$c"
	fi
done
[ -x "$FZ/replay/sim_selftest" ] && run "sim_selftest" "$FZ/replay/sim_selftest"
known=$(($(grep -vc '^#' fuzz/known/suppressions.txt 2>/dev/null) + $(grep -vc '^#' fuzz/known/tsan.supp 2>/dev/null)))
echo "SUMMARY: fuzz replay: $runs runs, $files corpus inputs replayed, $fail failed, ${known:-0} known open issue(s) suppressed (fuzz/known)"
[ "$fail" -eq 0 ]

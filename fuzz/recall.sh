#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# recall.sh [MUTANT...] - known-bug recall of the fuzzers.  For the clean
# core and each mutant (compile-time switch KSML_BUG_<MUTANT>=1 of the
# core), build the libFuzzer targets into $B/fuzz-recall-<mutant>, replay
# the checked-in corpus, then fuzz each target in turn for its share of
# FUZZ_RECALL_SECONDS until one fails.  Prints the table: mutant, target
# that found it, how (corpus replay or fuzzing), time to find.  The clean
# build must find nothing in the same budget.  One fuzzer at a time.
set -u
# open issues already reported: see fuzz/known/README.md
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS
B=${B:-build}
MAKE=${MAKE:-make}
budget=${FUZZ_RECALL_SECONDS:-600}
# FUZZ_RECALL_FROM_SCRATCH=1: no checked-in corpus (no replay, empty seeds):
# how long the fuzzers themselves take
scratch=${FUZZ_RECALL_FROM_SCRATCH:-0}
all_mutants="EXIT_CURSOR EASY_EXIT_UNDER_CURSOR ENTER_AHEAD_DURING_UNMERGE \
STALE_NODE_MAN_SWITCH OLD_UNSTABLE_ITEM NO_CHECKSUM_FILTER MERGE_PINNED"
mutants=${*:-$all_mutants}
# cheapest and most direct first; the workload parser is not the core
order="fuzz_trees fuzz_ops fuzz_race fuzz_threads"
targets=""
for t in $order; do case " ${TARGETS:-$order} " in *" $t "*) targets="$targets $t" ;; esac; done
nt=$(wc -w <<<"$targets")
slice=$((budget / nt))
[ "$slice" -lt 5 ] && slice=5
table=$B/fuzz-recall.txt
[ "${FUZZ_RECALL_FROM_SCRATCH:-0}" = 1 ] && table=$B/fuzz-recall-scratch.txt
mkdir -p "$B"
rows=()

run_one() { # name defs -> sets found_by, how, secs
	local m=$1 defs=$2 variant fz t0 t seeds work crashes log
	variant=recall-$(tr 'A-Z_' 'a-z-' <<<"$m")
	fz=$B/fuzz-$variant
	found_by="-" how="-" secs="-"
	if ! $MAKE --no-print-directory -s -j2 fuzz-build-recall FUZZ_VARIANT="$variant" DEFS="$defs" \
		>"$B/recall-build-$variant.log" 2>&1; then
		found_by="(build failed: $B/recall-build-$variant.log)"
		return
	fi
	t0=$(date +%s)
	for t in $targets; do
		seeds=fuzz/corpus/$t
		crashes=$fz/crashes/$t
		log=$fz/logs/$t.recall.log
		rm -rf "$crashes" "$fz/work/$t"
		mkdir -p "$crashes" "$fz/work/$t" "$fz/logs" "$seeds"
		[ "$scratch" = 1 ] && continue
		# 1) the checked-in corpus, once
		if ! timeout 600 "$fz/lf/$t" -runs=0 -timeout=30 -artifact_prefix="$crashes/" \
			"$seeds" >"$log.replay" 2>&1; then
			found_by=$t how="corpus replay" secs=$(($(date +%s) - t0))
			cp "$log.replay" "$log"
			return
		fi
	done
	for t in $targets; do
		seeds=fuzz/corpus/$t
		[ "$scratch" = 1 ] && seeds=$fz/empty && mkdir -p "$seeds"
		crashes=$fz/crashes/$t
		log=$fz/logs/$t.recall.log
		# 2) fuzzing, this target's share of the budget
		timeout $((slice + 120)) "$fz/lf/$t" -max_total_time="$slice" -timeout=30 \
			-artifact_prefix="$crashes/" "$fz/work/$t" "$seeds" >"$log" 2>&1
		if [ -n "$(ls "$crashes")" ]; then
			found_by=$t how="fuzzing" secs=$(($(date +%s) - t0))
			return
		fi
	done
}

printf 'fuzz recall: %d s per build, %d s per target, targets:%s\n' "$budget" "$slice" "$targets"
for m in CLEAN $mutants; do
	if [ "$m" = CLEAN ]; then
		defs=""
	else
		defs="-DKSML_BUG_$m=1"
		if ! grep -qs "KSML_BUG_$m" ksm_core/*.c ksm_core/*.h; then
			rows+=("$(printf '%-28s %-14s %-16s %s' "$m" "-" "no switch in core" "-")")
			echo "${rows[-1]}"
			continue
		fi
	fi
	run_one "$m" "$defs"
	why=""
	if [ "$found_by" != "-" ] && [ "${found_by#(}" = "$found_by" ]; then
		why=$(grep -m1 -E 'FAILURE|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' \
			"$B/fuzz-recall-$(tr 'A-Z_' 'a-z-' <<<"$m")/logs/$found_by.recall.log" |
			cut -c1-110)
	fi
	rows+=("$(printf '%-28s %-14s %-16s %6ss  %s' "$m" "$found_by" "$how" "$secs" "$why")")
	echo "${rows[-1]}"
done
{
	echo "fuzz recall ($(date -u +%F), budget ${budget}s per build, ${slice}s per target$([ "$scratch" = 1 ] && echo ', from scratch: no corpus'))"
	printf '%-28s %-14s %-16s %7s  %s\n' mutant found-by how time first-report
	printf '%s\n' "${rows[@]}"
} >"$table"
echo
cat "$table"
clean_row=${rows[0]}
case "$clean_row" in
CLEAN*" - "*) echo "SUMMARY: clean build found nothing in ${budget}s" ;;
*) echo "SUMMARY: the CLEAN build failed: a real bug or a false positive (see above)"; exit 1 ;;
esac

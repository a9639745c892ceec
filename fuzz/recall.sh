#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# recall.sh [MUTANT...] - known-bug recall of the fuzzers.  For the clean
# core and each mutant (ksm_core/mutants/<MUTANT>.patch, applied to a copy
# of the core), build the libFuzzer targets into $B/fuzz-recall-<mutant>, replay
# the checked-in corpus, then fuzz each target in turn for its share of
# FUZZ_RECALL_SECONDS until one fails.  Prints the table: mutant, target
# that found it, how (corpus replay or fuzzing), time to find.  The clean
# build must find nothing in the same budget.  One fuzzer at a time per
# run; FUZZ_RECALL_SEEDS=N runs each build N times (libFuzzer -seed=1..N,
# FUZZ_RECALL_JOBS runs at once) and reports how many found it and the
# median time (a run that did not find it counts as longer than any).
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
STALE_NODE_MAN_SWITCH OLD_UNSTABLE_ITEM NO_CHECKSUM_FILTER MERGE_PINNED \
HASH_FORGETS_STALE_DUP CHAIN_SKIP_MISSES_STALE WRITE_COUNT_NO_BARRIER \
SMART_SCAN_OFF_BY_ONE"
nseeds=${FUZZ_RECALL_SEEDS:-1}
jobs=${FUZZ_RECALL_JOBS:-1}
# FUZZ_RECALL_CLEAN=0: only the mutants named (re-measuring one of them)
clean=CLEAN
[ "${FUZZ_RECALL_CLEAN:-1}" = 0 ] && clean=""

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
res=$B/recall-results$([ "$scratch" = 1 ] && echo -scratch)
rm -rf "$res"
mkdir -p "$res"

build_one() { # mutant|CLEAN -> 0 if built
	local variant=recall-$(tr 'A-Z_' 'a-z-' <<<"$1") core=()
	local log=$B/recall-build-$variant.log
	: >"$log"
	if [ "$1" != CLEAN ]; then
		# the patched copy (ksm_core/mutants/mutants.mk), built as the core
		$MAKE --no-print-directory -s B="$B" "mutant-src-$1" >>"$log" 2>&1 || return 1
		core=(CORE_DIR="$B/mut-src/$1/ksm_core")
	fi
	$MAKE --no-print-directory -s -j2 B="$B" fuzz-build-recall FUZZ_VARIANT="$variant" \
		${core[@]+"${core[@]}"} >>"$log" 2>&1
}

# one run: mutant, seed -> writes "found_by|how|secs|first-report" to $res
run_one() {
	local m=$1 seed=$2 variant fz run t0 t seeds crashes log found_by how secs why
	variant=recall-$(tr 'A-Z_' 'a-z-' <<<"$m")
	fz=$B/fuzz-$variant
	run=$fz/seed-$seed$([ "$scratch" = 1 ] && echo -scratch)
	found_by="-" how="-" secs="-" why=""
	t0=$(date +%s)
	for t in $targets; do
		mkdir -p "$run/crashes/$t" "$run/work/$t" "$run/logs" "$run/empty"
		rm -rf "$run/crashes/$t"/* "$run/work/$t"/*
	done
	if [ "$scratch" != 1 ]; then
		for t in $targets; do
			seeds=fuzz/corpus/$t
			log=$run/logs/$t.recall.log
			# 1) the checked-in corpus, once
			if ! timeout 600 "$fz/lf/$t" -runs=0 -timeout=30 \
				-artifact_prefix="$run/crashes/$t/" "$seeds" >"$log" 2>&1; then
				found_by=$t how="corpus replay" secs=$(($(date +%s) - t0))
				break
			fi
		done
	fi
	if [ "$found_by" = "-" ]; then
		for t in $targets; do
			seeds=fuzz/corpus/$t
			[ "$scratch" = 1 ] && seeds=$run/empty
			crashes=$run/crashes/$t
			log=$run/logs/$t.recall.log
			# 2) fuzzing, this target's share of the budget
			timeout $((slice + 120)) "$fz/lf/$t" -seed="$seed" -max_total_time="$slice" \
				-timeout=30 -artifact_prefix="$crashes/" "$run/work/$t" "$seeds" >"$log" 2>&1
			if [ -n "$(ls "$crashes")" ]; then
				found_by=$t how="fuzzing" secs=$(($(date +%s) - t0))
				break
			fi
		done
	fi
	if [ "$found_by" != "-" ]; then
		why=$(grep -m1 -E 'FAILURE|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' \
			"$run/logs/$found_by.recall.log" | cut -c1-100)
	fi
	echo "$found_by|$how|$secs|$why" >"$res/$m.$seed"
}

printf 'fuzz recall: %d s per build, %d s per target, targets:%s, %d seed(s), %d job(s)\n' \
	"$budget" "$slice" "$targets" "$nseeds" "$jobs"
todo=()
for m in $clean $mutants; do
	if [ "$m" != CLEAN ] && [ ! -f "ksm_core/mutants/$m.patch" ]; then
		echo "-|no patch in ksm_core/mutants|-|" >"$res/$m.none"
		continue
	fi
	# builds one at a time (each uses both cores), runs FUZZ_RECALL_JOBS at once
	if ! build_one "$m"; then
		echo "(build failed: $B/recall-build-recall-$(tr 'A-Z_' 'a-z-' <<<"$m").log)|-|-|" >"$res/$m.none"
		continue
	fi
	for seed in $(seq 1 "$nseeds"); do todo+=("$m $seed"); done
done
for job in "${todo[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	# shellcheck disable=SC2086
	run_one $job &
done
wait

# per mutant: how many seeds found it, the median time, the target most of
# them found it with, and the first report of the fastest
for m in $clean $mutants; do
	if [ -f "$res/$m.none" ]; then
		IFS='|' read -r found_by how _ _ <"$res/$m.none"
		rows+=("$(printf '%-28s %-5s %-14s %-16s %7s  %s' "$m" "-" "$found_by" "$how" "-" "")")
		continue
	fi
	n=0 times=() byline=""
	for seed in $(seq 1 "$nseeds"); do
		IFS='|' read -r found_by how secs why <"$res/$m.$seed"
		if [ "$found_by" != "-" ]; then
			n=$((n + 1))
			times+=("$secs")
			byline+="$found_by|$how|$secs|$why"$'\n'
		else
			times+=(999999)
		fi
	done
	med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((nseeds + 1) / 2))p")
	[ "$med" = 999999 ] && med="-" || med="${med}"
	if [ "$n" -gt 0 ]; then
		by=$(cut -d'|' -f1 <<<"$byline" | grep -v '^$' | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
		how=$(grep "^$by|" <<<"$byline" | cut -d'|' -f2 | sort | uniq -c | sort -rn | awk 'NR==1{$1=""; print substr($0,2)}')
		why=$(grep "^$by|" <<<"$byline" | sort -t'|' -k3,3n | head -1 | cut -d'|' -f4)
	else
		by="-" how="-" why=""
	fi
	rows+=("$(printf '%-28s %-5s %-14s %-16s %7s  %s' "$m" "$n/$nseeds" "$by" "$how" "${med}s" "$why")")
	echo "${rows[-1]}"
done
{
	echo "fuzz recall ($(date -u +%F), budget ${budget}s per run, ${slice}s per target, median of ${nseeds} seed(s)$([ "$scratch" = 1 ] && echo ', from scratch: no corpus'))"
	printf '%-28s %-5s %-14s %-16s %8s  %s\n' mutant found found-by how median first-report
	printf '%s\n' "${rows[@]}"
} >"$table"
echo
cat "$table"
[ -z "$clean" ] && exit 0
clean_row=${rows[0]}
case "$clean_row" in
"CLEAN                        0/"*) echo "SUMMARY: clean build found nothing in ${budget}s per run" ;;
*) echo "SUMMARY: the CLEAN build failed: a real bug or a false positive (see above)"; exit 1 ;;
esac

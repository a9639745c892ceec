#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# run-fuzzers.sh ENGINE SECONDS - run every target of $TARGETS in turn for
# SECONDS each (one fuzzer process at a time), with libFuzzer or AFL++.
# New inputs go to $FZ/work/<target> (the checked-in corpus
# fuzz/corpus/<target> is read, never written); crashes to
# $FZ/crashes/<target>/.  One progress line per target; exit 1 if any
# target crashed.  fuzz_threads also runs as its TSan build.
set -u
# open issues already reported: see fuzz/known/README.md
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS
export TSAN_OPTIONS="${TSAN_OPTIONS:-} suppressions=$PWD/fuzz/known/tsan.supp"
engine=${1:-libfuzzer}
secs=${2:-60}
FZ=${FZ:-build/fuzz}
targets=${TARGETS:-fuzz_ops fuzz_trees fuzz_threads fuzz_race}
[ "$engine" = libfuzzer ] && case " $targets " in *" fuzz_threads "*) targets="$targets fuzz_threads-tsan" ;; esac
total=$(wc -w <<<"$targets")
mkdir -p "$FZ/logs"
n=0 bad=0
printf 'fuzzing %d target(s) with %s, %d s each\n' "$total" "$engine" "$secs"
for t in $targets; do
	n=$((n + 1))
	base=${t%-tsan}
	seeds=fuzz/corpus/$base
	work=$FZ/work/$base
	crashes=$FZ/crashes/$t
	log=$FZ/logs/$t.$engine.log
	mkdir -p "$seeds" "$work" "$crashes"
	before=$(ls "$crashes" | wc -l)
	printf '[%d/%d] %-18s ' "$n" "$total" "$t"
	t0=$(date +%s)
	if [ "$engine" = afl ]; then
		out=$FZ/afl-out/$t
		in=$FZ/afl-in/$t
		rm -rf "$in"
		mkdir -p "$in" "$out"
		cp "$seeds"/* "$in"/ 2>/dev/null
		# afl-fuzz wants at least one small seed
		[ -n "$(ls "$in")" ] || printf 'seed' >"$in/seed"
		find "$in" -size +100k -delete
		AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_QUIET=1 \
			AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1 \
			timeout $((secs + 60)) afl-fuzz -V "$secs" -t 10000 -m none \
			-i "$in" -o "$out" -- "$FZ/afl/$t" >"$log" 2>&1
		st=$out/default/fuzzer_stats
		execs=$(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$st" 2>/dev/null)
		eps=$(awk -F: '/^execs_per_sec/ {gsub(/ /,"",$2); print $2}' "$st" 2>/dev/null)
		cov=$(awk -F: '/^bitmap_cvg/ {gsub(/ /,"",$2); print "map " $2}' "$st" 2>/dev/null)
		found=$(awk -F: '/^saved_crashes/ {gsub(/ /,"",$2); print $2}' "$st" 2>/dev/null)
		for c in "$out"/default/crashes/id:*; do [ -f "$c" ] && cp "$c" "$crashes/"; done
		corpus=$(ls "$out/default/queue" 2>/dev/null | wc -l)
	else
		bin=$FZ/lf/$t
		opts=""
		# TSan needs its own memory layout, no RSS limit tricks
		case $t in *-tsan) opts="-rss_limit_mb=0" ;; esac
		timeout $((secs + 120)) "$bin" -max_total_time="$secs" -print_final_stats=1 \
			-timeout=30 -artifact_prefix="$crashes/" $opts "$work" "$seeds" >"$log" 2>&1
		execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
		eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
		cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
		found=$(($(ls "$crashes" | wc -l) - before))
		corpus=$(ls "$work" | wc -l)
	fi
	dt=$(($(date +%s) - t0))
	printf '%4ds  %10s execs  %7s exec/s  %-22s corpus %5s  new crashes %s\n' \
		"$dt" "${execs:-?}" "${eps:-?}" "${cov:-cov ?}" "$corpus" "${found:-0}"
	if [ "${found:-0}" != 0 ]; then
		bad=1
		echo "    crash inputs in $crashes (log $log):"
		grep -m3 -E 'ERROR: |FAILURE|ksml-sim: FAILURE|runtime error' "$log" | sed 's/^/    /'
	fi
done
exit $bad

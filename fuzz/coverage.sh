#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# coverage.sh - line and branch coverage of ksm_core reached by the
# checked-in corpora: each target's coverage build ($FZ/cov/<t>) replays
# fuzz/corpus/<t>; the profiles are merged and llvm-cov reports the core's
# files ($CORE_SRC), per file and in total (also written to
# $FZ/cov/report.txt; an HTML view goes to $FZ/cov/html).
set -u
# open issues already reported: see fuzz/known/README.md
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS
FZ=${FZ:-build/fuzz}
targets=${TARGETS:-fuzz_ops fuzz_trees fuzz_threads fuzz_race}
PROFDATA=${LLVM_PROFDATA:-llvm-profdata-14}
COV=${LLVM_COV:-llvm-cov-14}
core=${CORE_SRC:-$(ls ksm_core/*.c)}
prof=$FZ/cov/prof
rm -rf "$prof"
mkdir -p "$prof"
objs=()
for t in $targets; do
	[ -d "fuzz/corpus/$t" ] || continue
	# the workload parser is not the core
	[ "$t" = fuzz_workload ] && continue
	printf 'replaying fuzz/corpus/%s ... ' "$t"
	LLVM_PROFILE_FILE="$prof/$t-%p.profraw" "$FZ/cov/$t" -q "fuzz/corpus/$t" 2>/dev/null | tail -1
	objs+=(-object "$FZ/cov/$t")
done
"$PROFDATA" merge -sparse "$prof"/*.profraw -o "$prof/all.profdata" || exit 1
# first -object is positional for llvm-cov
first=${objs[1]}
rest=("${objs[@]:2}")
"$COV" report "$first" "${rest[@]}" -instr-profile="$prof/all.profdata" \
	-show-region-summary=false -show-functions=false $core | tee "$FZ/cov/report.txt"
"$COV" show "$first" "${rest[@]}" -instr-profile="$prof/all.profdata" \
	-format=html -output-dir="$FZ/cov/html" $core >/dev/null 2>&1
awk '/^TOTAL/ {
	# columns: Lines Missed Cover  Branches Missed Cover (after TOTAL and functions)
	n = NF; printf "SUMMARY: ksm_core coverage by the corpus: lines %s, branches %s\n", $(n-3), $n
}' "$FZ/cov/report.txt"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# gen-corpus.sh SECONDS [CAP] - regrow the seed corpora: fuzz each target
# for SECONDS (from its current corpus), merge (libFuzzer -merge=1 keeps
# only inputs that add coverage) and keep at most CAP (default 100) of the
# merged inputs, largest first, in fuzz/corpus/<target>/.  crash-* files
# (regression inputs) are never touched.
set -u
# open issues already reported: see fuzz/known/README.md
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS
secs=${1:-60}
cap=${2:-100}
FZ=${FZ:-build/fuzz}
targets=${TARGETS:-fuzz_ops fuzz_trees fuzz_threads fuzz_race}
for t in $targets; do
	c=fuzz/corpus/$t
	g=$FZ/gen/$t
	rm -rf "$g"
	mkdir -p "$c" "$g/seeds" "$g/grown" "$g/merged"
	find "$c" -maxdepth 1 -type f ! -name 'crash-*' -exec cp {} "$g/seeds/" \;
	[ -d "$FZ/work/$t" ] && cp "$FZ/work/$t"/* "$g/grown/" 2>/dev/null
	if [ "$secs" -gt 0 ]; then
		"$FZ/lf/$t" -max_total_time="$secs" -timeout=30 "$g/grown" "$g/seeds" \
			>"$g/fuzz.log" 2>&1 || { echo "$t: fuzzing failed, see $g/fuzz.log"; continue; }
	fi
	"$FZ/lf/$t" -merge=1 -timeout=30 "$g/merged" "$g/seeds" "$g/grown" >"$g/merge.log" 2>&1 ||
		{ echo "$t: merge failed, see $g/merge.log"; continue; }
	find "$c" -maxdepth 1 -type f ! -name 'crash-*' -delete
	ls -S "$g/merged" | head -n "$cap" | while read -r f; do cp "$g/merged/$f" "$c/"; done
	printf '%-16s %4d merged, %4d kept (%s)\n' "$t" "$(ls "$g/merged" | wc -l)" \
		"$(find "$c" -maxdepth 1 -type f ! -name 'crash-*' | wc -l)" \
		"$(grep -o 'cov: [0-9]*' "$g/merge.log" | tail -1)"
done

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/gate-proof.sh [N] - prove the bench-compare gate:
#   A/A: N (default 10) comparisons of HEAD against HEAD must all pass;
#   the core's injected slowdown (the mutant ksm_core/mutants/EXTRA_WORK.patch,
#   NEW_MUTANT=EXTRA_WORK on the new side) must fail;
#   the bench's own injection (KSML_BENCH_INJECT=3 on the new side, 192 bytes
#   of hashing per scanned page inside the measured function) must fail.
# Writes bench/results/gate-proof.md; exit 0 when all three hold.
set -u
cd "$(dirname "$0")/.."
n=${1:-10}
# one commit for every run: others may commit meanwhile
rev=$(git rev-parse HEAD)
out=bench/results/gate-proof.md
log=build/cmp/gate-proof.log
mkdir -p build/cmp bench/results
: >"$log"
pass=0
rows=()

# one comparison: NAME EXPECT(pass|fail) ENV...
one() {
	local name=$1 expect=$2 rc res
	shift 2
	echo "=== $name (expect $expect)" | tee -a "$log"
	env NEW="$rev" "$@" bench/compare.sh "$rev" >>"$log" 2>&1
	rc=$?
	res=$(grep '^RESULT:' "$log" | tail -1)
	ir=$(grep -E '^  (ok|REGRESSION) +[a-z0-9_]+:[0-9:]+ +Ir' "$log" | tail -5 |
		awk '{printf "%s %s; ", $2, $NF}')
	echo "    exit $rc: $res" | tee -a "$log"
	if { [ "$expect" = pass ] && [ $rc -eq 0 ]; } || { [ "$expect" = fail ] && [ $rc -eq 1 ]; }; then
		rows+=("| $name | $expect | exit $rc: as expected | $ir |")
		return 0
	fi
	rows+=("| $name | $expect | exit $rc: **NOT as expected** | $ir |")
	return 1
}

for i in $(seq 1 "$n"); do
	one "A/A $i/$n" pass && pass=$((pass + 1))
done
one "EXTRA_WORK (core mutant)" fail NEW_MUTANT=EXTRA_WORK
extra=$?
one "KSML_BENCH_INJECT=3 (bench)" fail NEW_ENV=KSML_BENCH_INJECT=3
inject=$?

{
	echo "# bench-compare gate proof"
	echo
	echo "$(date -u +%FT%TZ), commit ${rev:0:12}; thresholds: callgrind Ir +2 %,"
	echo "time: U test p < 0.01 and median > +10 %; counters exact. 9 repetitions per side."
	echo
	echo "- A/A (${rev:0:12} vs itself): **$pass/$n passed**"
	echo "- injected slowdown, core (mutant EXTRA_WORK): $([ $extra -eq 0 ] && echo caught || echo '**missed**')"
	echo "- injected slowdown, bench (KSML_BENCH_INJECT=3): $([ $inject -eq 0 ] && echo caught || echo '**missed**')"
	echo
	echo "| run | expected | result | Ir change per workload (last lines) |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Full log: $log"
} >"$out"
cat "$out"
[ $pass -eq "$n" ] && [ $extra -eq 0 ] && [ $inject -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/gate-proof.sh [N] - prove both halves of the bench-compare gate on
# the current core, every configuration (faithful, portable and model are in
# the timed scans and in the callgrind workloads of bench/compare.sh):
#   A/A:          N (default 10) comparisons of HEAD with itself must pass;
#   MEMORY_STALL: N runs with the mutant ksm_core/mutants/MEMORY_STALL.patch
#                 on the new side (one dependent cache-missing load per
#                 scanned page, a handful of instructions) must fail, on
#                 the timing half, with the Ir half passing: a slowdown
#                 instruction counts cannot see;
#   EXTRA_WORK:   N runs with ksm_core/mutants/EXTRA_WORK.patch (one more
#                 checksum of every 8th page, about 5 % of the instructions)
#                 must fail on the Ir half;
#   KSML_BENCH_INJECT=3 (the bench's own injection, once) must fail.
# Every row says which check fired.  Writes bench/results/gate-proof.md;
# exit 0 when all hold.  GATE_RUNS="aa stall extra inject" picks groups.
set -u
cd "$(dirname "$0")/.."
n=${1:-10}
groups=${GATE_RUNS:-aa stall extra inject}
# one commit for every run: others may commit meanwhile
rev=$(git rev-parse HEAD)
out=bench/results/gate-proof.md
log=build/cmp/gate-proof.log
mkdir -p build/cmp bench/results
: >"$log"
rows=()
declare -A ok total

# one comparison: GROUP NAME EXPECT(pass|time|ir|fail) ENV...
#   pass: exit 0; time: exit 1 with a time regression and no Ir one;
#   ir: exit 1 with an Ir regression; fail: exit 1
one() {
	local group=$1 name=$2 expect=$3 rc res fired good=0 tmp
	shift 3
	echo "=== $name (expect $expect)" | tee -a "$log"
	tmp=$(mktemp)
	env NEW="$rev" "$@" bench/compare.sh "$rev" >"$tmp" 2>&1
	rc=$?
	cat "$tmp" >>"$log"
	res=$(grep '^RESULT:' "$tmp" | tail -1)
	fired=""
	grep -q '^  REGRESSION .*p=' "$tmp" && fired="time($(grep -c '^  REGRESSION .*p=' "$tmp"))"
	grep -q '^  REGRESSION .* Ir ' "$tmp" && fired="${fired:+$fired, }Ir($(grep -c '^  REGRESSION .* Ir ' "$tmp"))"
	grep -q '^  COUNTERS' "$tmp" && fired="${fired:+$fired, }counters"
	[ -n "$fired" ] || fired="none"
	irmax=$(grep -E '^  (ok|REGRESSION) +[a-z0-9_]+:[0-9:]+ +Ir' "$tmp" |
		awk '{v=$NF; sub(/%/,"",v); if (v+0 > m || NR == 1) m = v+0} END {printf "%+.2f%%", m}')
	rm -f "$tmp"
	case $expect in
	pass) [ $rc -eq 0 ] && good=1 ;;
	time) [ $rc -eq 1 ] && [[ $fired == time* ]] && [[ $fired != *Ir* ]] && good=1 ;;
	ir) [ $rc -eq 1 ] && [[ $fired == *Ir* ]] && good=1 ;;
	fail) [ $rc -eq 1 ] && good=1 ;;
	esac
	echo "    exit $rc, fired: $fired: $res" | tee -a "$log"
	total[$group]=$((${total[$group]:-0} + 1))
	if [ $good = 1 ]; then
		ok[$group]=$((${ok[$group]:-0} + 1))
		rows+=("| $name | $expect | exit $rc: as expected | $fired | $irmax |")
	else
		ok[$group]=${ok[$group]:-0}
		rows+=("| $name | $expect | exit $rc: **NOT as expected** | $fired | $irmax |")
	fi
}

# round-robin, so that a host that slows down affects every group alike
for g in $groups; do
	case $g in
	aa | stall | extra | inject) ;;
	*) echo "gate-proof: unknown group $g" >&2; exit 2 ;;
	esac
done
for i in $(seq 1 "$n"); do
	for g in $groups; do
		case $g in
		aa) one aa "A/A $i/$n" pass ;;
		stall) one stall "MEMORY_STALL $i/$n" time NEW_MUTANT=MEMORY_STALL ;;
		extra) one extra "EXTRA_WORK $i/$n" ir NEW_MUTANT=EXTRA_WORK ;;
		inject) [ "$i" = 1 ] && one inject "KSML_BENCH_INJECT=3 (bench)" fail NEW_ENV=KSML_BENCH_INJECT=3 ;;
		esac
	done
done

all=1
{
	echo "# bench-compare gate proof"
	echo
	echo "$(date -u +%FT%TZ), commit ${rev:0:12}, by \`bench/gate-proof.sh $n\`; thresholds:"
	echo "callgrind Ir +2 %, time: U test p < 0.01 and median > +10 %; counters exact;"
	echo "9 repetitions per side; every configuration (faithful index:0, portable"
	echo "index:2, model index:1) in the timed scans and the callgrind workloads."
	echo
	for g in $groups; do
		case $g in
		aa) what="A/A (${rev:0:12} vs itself): must pass" ;;
		stall) what="MEMORY_STALL (memory-bound, Ir-invisible): must fail on time, not on Ir" ;;
		extra) what="EXTRA_WORK (about 5 % more instructions): must fail on Ir" ;;
		inject) what="KSML_BENCH_INJECT=3 (the bench's own injection): must fail" ;;
		esac
		echo "- $what: **${ok[$g]:-0}/${total[$g]:-0}**"
		[ "${ok[$g]:-0}" = "${total[$g]:-0}" ] || all=0
	done
	echo
	echo "| run | expected | result | check(s) fired (benchmarks) | largest Ir change |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Full log: $log"
} >"$out"
cat "$out"
[ $all = 1 ]

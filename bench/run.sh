#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/run.sh - what `make bench` runs after building: every benchmark
# program with JSON output under bench/results/, then the table, plots and
# report (bench/report.py).  BENCH_QUICK=1 shortens every run.
set -euo pipefail
cd "$(dirname "$0")/.."
BB=build/bench
OUT=bench/results
mkdir -p "$OUT"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
quick=${BENCH_QUICK:-0}
t0=$(date +%s)

step() { echo "[bench $(($(date +%s) - t0))s] $*"; }

run_gb() { # name binary args...
	local name=$1 bin=$2
	shift 2
	step "$name: running $bin $*"
	"$bin" --benchmark_out="$OUT/$name-$stamp.json" --benchmark_out_format=json \
		--benchmark_counters_tabular=false "$@" 2>&1 | grep -v 'Library was built as DEBUG'
	cp "$OUT/$name-$stamp.json" "$OUT/$name-latest.json"
}

if [ "$quick" = 1 ]; then
	run_gb micro $BB/bench_micro --benchmark_min_time=0.01
else
	run_gb micro $BB/bench_micro --benchmark_min_time=0.2
fi
step "done in $(($(date +%s) - t0))s; results in $OUT/"

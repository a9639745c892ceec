#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/run.sh - what `make bench` runs after building: every benchmark
# program with JSON output under bench/results/ (Google Benchmark's format
# plus the ksmlab_* context keys), then the table, plots and report
# (bench/report.py).  Environment:
#   BENCH_QUICK=1   minimal times and sizes (smoke test, ~20 s)
#   BENCH_PAGES=N   pages per macro workload (default 262144 = 1 GiB)
#   BENCH_SCALE_MIN, BENCH_SCALE_MAX, BENCH_SCALE_PATTERNS
#                   the scaling range (default 2^14..2^21 pages, half_dup)
#   BENCH_RATIO_REPS  extra interleaved runs at the full size (default 4)
#   BB, OUT         binaries and results directories
set -euo pipefail
cd "$(dirname "$0")/.."
BB=${BB:-build/bench}
OUT=${OUT:-bench/results}
PY=/usr/bin/python3
mkdir -p "$OUT"
# the scaling range's largest size needs most of the host's memory
echo "bench: MemAvailable $(awk '/MemAvailable/ {printf "%d MiB", $2 / 1024}' /proc/meminfo)" \
	"(a size that needs more is skipped with the reason)"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
quick=${BENCH_QUICK:-0}
t0=$(date +%s)

step() { echo "[bench +$(($(date +%s) - t0))s] $*"; }

# run_gb NAME BINARY ARGS...: one program, JSON to $OUT/NAME-$stamp.json;
# the console shows one line per finished benchmark (progress).
run_gb() {
	local name=$1 bin=$2 n reps=1 a
	shift 2
	for a in "$@"; do
		case $a in --benchmark_repetitions=*) reps=${a#*=} ;; esac
	done
	n=$(($("$bin" --benchmark_list_tests=true "$@" 2>/dev/null | wc -l) * reps))
	step "$name: $n benchmarks ($bin $*)"
	"$bin" --benchmark_out="$OUT/$name-$stamp.json" --benchmark_out_format=json \
		--benchmark_format=console "$@" 2>&1 |
		grep --line-buffered -v -e 'Library was built as DEBUG' |
		awk -v n="$n" '/^BM_[^ ]*_(mean|median|stddev|cv) / { next }
			/^BM_/ { i++; printf("  [%d/%d] %s\n", i, n, substr($0, 1, 150)); fflush(); next }
			/^(ksmlab_|Running|Run on|CPU|  L|Load|bench_)/ { print "  " $0; fflush() }'
	cp "$OUT/$name-$stamp.json" "$OUT/$name-latest.json"
}

if [ "$quick" = 1 ]; then
	export BENCH_PAGES=${BENCH_PAGES:-4096} KSML_BENCH_MAX_NODES=4096
	export BENCH_SCALE_MIN=${BENCH_SCALE_MIN:-1024} BENCH_SCALE_MAX=${BENCH_SCALE_MAX:-4096}
	run_gb micro "$BB/bench_micro" --benchmark_min_time=0.01
	run_gb scan "$BB/bench_scan"
	wl_filter=identical-1k
else
	run_gb micro "$BB/bench_micro" --benchmark_min_time=0.1
	run_gb scan "$BB/bench_scan"
	# the ratios: more 1 GiB runs of every configuration (index:0 faithful,
	# 1 model, 2 portable) and of ksmd, interleaved at random so that the
	# shared host's slow and fast moments fall on all of them alike
	run_gb ratio "$BB/bench_scan" \
		--benchmark_filter="BM_(ref_scan/.*/pages:${BENCH_PAGES:-262144}/index:[0-2]/|linux_scan/.*/pages:${BENCH_PAGES:-262144}/)" \
		--benchmark_repetitions="${BENCH_RATIO_REPS:-4}" \
		--benchmark_enable_random_interleaving=true
	wl_filter=
fi
KSML_BENCH_WL_FILTER=$wl_filter run_gb wl "$BB/bench_wl"
step "report"
ratio_json=
[ -f "$OUT/ratio-$stamp.json" ] && ratio_json="$OUT/ratio-$stamp.json"
MPLBACKEND=Agg $PY bench/report.py "$OUT/micro-$stamp.json" "$OUT/scan-$stamp.json" "$OUT" \
	"$OUT/wl-$stamp.json" $ratio_json
step "done in $(($(date +%s) - t0))s: JSON, PNGs and report.md in $OUT/"

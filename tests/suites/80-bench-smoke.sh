#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 80-bench-smoke: build the benchmark programs and run every benchmark for a
# minimal time (small sizes); the JSON must parse, carry the ksmlab context,
# and every row must either have run or be skipped for an accepted reason;
# macro rows that ran must reach the pattern's expected counters.
set -u
cd "$(dirname "$0")/../.."
if [ ! -f /usr/include/benchmark/benchmark.h ] || ! command -v "${CXX:-g++}" >/dev/null; then
	echo "SKIPPED: Google Benchmark or g++ missing (make deps-bench installs them)"
	exit 77
fi
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
out=build/test-logs/bench-smoke
rm -rf "$out"
mkdir -p "$out"
mk="make --no-print-directory -s"
$mk bench-build || { echo "FAIL: make bench-build"; exit 1; }
bb=$($mk bench-print-dir)

# small sizes; one live measurement (the live lock may be busy), no waiting
export BENCH_PAGES=1024 KSML_BENCH_MAX_NODES=1024 BENCH_WAIT_QUIET=0 KSMLAB_LOCK_TIMEOUT=15
timeout 40 $bb/bench_micro --benchmark_min_time=0.005 \
	--benchmark_filter='ws:1$|ws:1/|nodes:1024|merge_two|cow_break|enter_exit' \
	--benchmark_out=$out/micro.json --benchmark_out_format=json >$out/micro.txt 2>&1 ||
	{ rc=$?; tail $out/micro.txt; echo "FAIL: bench_micro exit $rc"; exit 1; }
timeout 40 $bb/bench_scan --benchmark_filter='^BM_ref_(scan|pts|mps|mans|sparse)|BM_linux_scan/same/pages:1024/|BM_linux_sparse|numa' \
	--benchmark_out=$out/scan.json --benchmark_out_format=json >$out/scan.txt 2>&1 ||
	{ rc=$?; tail $out/scan.txt; echo "FAIL: bench_scan exit $rc"; exit 1; }

jsons="$out/micro.json $out/scan.json"
if [ -x "$bb/bench_wl" ]; then
	KSML_BENCH_WL_FILTER=identical-1k timeout 30 $bb/bench_wl --benchmark_filter=BM_wl_ref \
		--benchmark_out=$out/wl.json --benchmark_out_format=json >$out/wl.txt 2>&1 ||
		{ rc=$?; tail $out/wl.txt; echo "FAIL: bench_wl exit $rc"; exit 1; }
	jsons="$jsons $out/wl.json"
fi

$PY - $jsons <<'PYEOF'
import json, sys
ok_skips = ("not supported by this CPU", "host has 1 NUMA node",
            "no ksmd", "another user holds the live-KSM lock",
            "needs root", "has no KSM")
bad = 0
for path in sys.argv[1:]:
    doc = json.load(open(path))
    ctx = doc["context"]
    for k in ("ksmlab_git_commit", "ksmlab_compiler", "ksmlab_kernel", "ksmlab_numa", "ksmlab_cpu"):
        if k not in ctx:
            print(f"{path}: context lacks {k}"); bad += 1
    rows = doc["benchmarks"]
    if not rows:
        print(f"{path}: no benchmarks"); bad += 1
    ran = skipped = 0
    for b in rows:
        if b.get("error_occurred"):
            msg = b.get("error_message", "")
            if not any(s in msg for s in ok_skips):
                print(f"FAIL {b['name']}: {msg}"); bad += 1
            skipped += 1
            continue
        ran += 1
        if b.get("expect_ok", 1) != 1:
            print(f"FAIL {b['name']}: counters shared={b.get('pages_shared')} "
                  f"sharing={b.get('pages_sharing')} not the pattern's"); bad += 1
    # every configuration makes the kernel's decisions: the same counters
    # after every scan (the write pattern has no closed form: this is its check)
    by_pat = {}
    for b in rows:
        parts = b["name"].split("/")
        # a sparse row's pages are the packed row's, spread over 1 TiB: the
        # same counters too, in every configuration
        if parts[0] in ("BM_ref_scan", "BM_ref_sparse") and not b.get("error_occurred"):
            keys = sorted(k for k in b if k.startswith(("shared_s", "sharing_s", "unshared_s")))
            if not keys:
                print(f"FAIL {b['name']}: no counters after each scan"); bad += 1
            by_pat.setdefault(("sparse " if parts[0] == "BM_ref_sparse" else "") + parts[1], []).append(
                (b["name"], [b[k] for k in keys + ["rmap_items", "pages_unshared"]]))
    for pat, got in sorted(by_pat.items()):
        if len({tuple(v) for _, v in got}) != 1:
            print(f"FAIL {pat}: the configurations' counters after each scan differ: {got}"); bad += 1
    print(f"RESULT: {path.split('/')[-1]}: {ran} ran, {skipped} skipped (accepted reasons)"
          + (f"; per-scan counters equal across configurations on {len(by_pat)} patterns"
             if by_pat else ""))
sys.exit(1 if bad else 0)
PYEOF

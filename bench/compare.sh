#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/compare.sh BASE - `make bench-compare BASE=<git rev>`: the regression
# gate of the core.  Both sides link the *same* benchmark sources (this
# tree's bench/) against their own core:
#   base: `git worktree add` of BASE under build/cmp/, its libksmcore.a built
#         there with BASE_DEFS;
#   new:  this working tree (or NEW=<rev>, a second worktree), with NEW_DEFS
#         (default: $DEFS).
# BASE_MUTANT / NEW_MUTANT (default: $MUTANT) build that side's core with
# the mutant ksm_core/mutants/NAME.patch applied, e.g. NEW_MUTANT=EXTRA_WORK:
# the core's injected slowdown.
# Then three checks, each printed, any failure makes the exit status 1:
#   (a) time: REPS (>= 9) runs of each side, alternating in random order
#       per round, Google Benchmark's random interleaving inside each run;
#       compare.py's Mann-Whitney U test per benchmark; a regression is
#       p < ALPHA and median slower by more than WALL_PCT percent;
#   (b) callgrind instruction counts (Ir) inside ksml_bench_cg_scan (the
#       full scans only) on deterministic workloads, ASLR off: a regression
#       is Ir above base by more than CG_PCT percent;
#   (c) the exact counters after convergence of the same workloads: any
#       difference fails (unless COUNTERS_MAY_CHANGE=1).
# BASE_ENV / NEW_ENV: environment for one side's runs (KSML_BENCH_INJECT=N
# adds N*64 bytes of hashing per scanned page inside the measured function:
# the bench's own injection, where EXTRA_WORK is the core's).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=${1:?usage: compare.sh BASE}
NEW=${NEW:-}
# resolve once: others may commit while the sides build
BASE=$(git rev-parse --verify "$BASE^{commit}") || { echo "bench-compare: no such rev" >&2; exit 2; }
[ -z "$NEW" ] || NEW=$(git rev-parse --verify "$NEW^{commit}") ||
	{ echo "bench-compare: no such rev: NEW" >&2; exit 2; }
REPS=${REPS:-9}
ALPHA=${ALPHA:-0.01}
WALL_PCT=${WALL_PCT:-10}
CG_PCT=${CG_PCT:-2}
BASE_DEFS=${BASE_DEFS:-}
NEW_DEFS=${NEW_DEFS:-${DEFS:-}}
BASE_MUTANT=${BASE_MUTANT:-}
NEW_MUTANT=${NEW_MUTANT:-${MUTANT:-}}
BASE_ENV=${BASE_ENV:-}
NEW_ENV=${NEW_ENV:-}
# every configuration (PATTERN:PAGES:CODE, code 0 faithful, 2 portable, 1 model)
CG_WORKLOADS=${CG_WORKLOADS:-"same:4096 half_dup:4096 unique:4096 last8_differ:2048 half_dup:4096:2 unique:4096:2 rewrite10:4096:2 half_dup:4096:1 rewrite10:4096:1"}
PY=/usr/bin/python3
CMP=build/cmp
OUT=$CMP/run-$(date -u +%Y%m%dT%H%M%SZ)-$$
mkdir -p "$OUT"
t0=$(date +%s)
step() { echo "[bench-compare +$(($(date +%s) - t0))s] $*"; }
[ "$REPS" -ge 9 ] || echo "bench-compare: warning: REPS=$REPS < 9, the U test is weak"

# the worktrees are scratch: unregister them however we leave
cleanup() {
	local s
	for s in base new; do
		[ -d "$CMP/$s-src" ] && git worktree remove --force "$CMP/$s-src" >/dev/null 2>&1
	done
	git worktree prune
}
trap cleanup EXIT

# prepare_side NAME REV DEFS MUTANT: build the side's core and bench binaries
prepare_side() {
	local name=$1 rev=$2 defs=$3 mut=$4 src lib inc git core=ksm_core
	if [ -n "$rev" ]; then
		src=$CMP/$name-src
		git worktree remove --force "$src" >/dev/null 2>&1 || rm -rf "$src"
		git worktree prune
		git worktree add --detach -f "$src" "$rev" >/dev/null 2>&1 ||
			{ echo "bench-compare: cannot check out $rev" >&2; exit 2; }
		git=$(git rev-parse --short=12 "$rev")
		# the scratch checkout itself is patched, with this tree's patch
		[ -z "$mut" ] || ksm_core/mutants/apply.sh "$mut" "$src" ||
			{ echo "bench-compare: mutant $mut does not apply to $rev" >&2; exit 2; }
		step "$name: building the core of $rev ($git)${mut:+ + mutant $mut} in $src, DEFS='$defs'"
		make -s -C "$src" B=build DEFS="$defs" build/libksmcore.a >"$OUT/$name-build.log" 2>&1 ||
			{ tail -20 "$OUT/$name-build.log"; echo "bench-compare: $name ($rev) does not build" >&2; exit 2; }
		lib=$ROOT/$src/build/libksmcore.a
		inc=$src/ksm_core
	else
		git="$(git rev-parse --short=12 HEAD)+worktree"
		if [ -n "$mut" ]; then
			# its patched copy under build/mut-src (ksm_core/mutants/mutants.mk)
			make -s "mutant-src-$mut" >"$OUT/$name-build.log" 2>&1 ||
				{ cat "$OUT/$name-build.log"; echo "bench-compare: no mutant $mut" >&2; exit 2; }
			core=build/mut-src/$mut/ksm_core
		fi
		step "$name: building the core of the working tree${mut:+ + mutant $mut}, DEFS='$defs'"
		# archived again from this core's objects: the last run's may
		# have been the other core's (with or without the mutant), newer
		rm -f "$CMP/$name/libksmcore.a"
		make -s B=$CMP/$name DEFS="$defs" CORE_DIR=$core $CMP/$name/libksmcore.a \
			>>"$OUT/$name-build.log" 2>&1 ||
			{ tail -20 "$OUT/$name-build.log"; echo "bench-compare: working tree does not build" >&2; exit 2; }
		lib=$CMP/$name/libksmcore.a
		inc=$core
	fi
	git=$git${mut:++$mut}
	# the same CORE_DIR: $lib is this make's own libksmcore.a on this side
	make -s B=$CMP/$name DEFS="$defs" CORE_DIR=$core BENCH_CORE_LIB="$lib" \
		BENCH_CORE_INC="$inc" BENCH_GIT="$git" bench-build >>"$OUT/$name-build.log" 2>&1 ||
		{ tail -20 "$OUT/$name-build.log"; echo "bench-compare: $name bench does not build" >&2; exit 2; }
	echo "$git" >"$OUT/$name.rev"
}

prepare_side base "$BASE" "$BASE_DEFS" "$BASE_MUTANT"
prepare_side new "$NEW" "$NEW_DEFS" "$NEW_MUTANT"

# ------------------------------------------------------------- (a) time
MICRO_FILTER='BM_unstable_tree/nodes:4096/index:0|BM_merge_two_pages|BM_cow_break|BM_stable_tree/nodes:4096'
# the scans of every configuration: index:0 faithful, 2 portable, 1 model
SCAN_FILTER=${SCAN_FILTER:-'BM_ref_scan/.*/pages:16384/index:[012]'}
side_env() { if [ "$1" = base ]; then echo "$BASE_ENV"; else echo "$NEW_ENV"; fi; }
step "(a) time: $REPS rounds, both sides per round in random order"
for r in $(seq 1 "$REPS"); do
	for side in $(printf 'base\nnew\n' | shuf); do
		env $(side_env $side) KSML_BENCH_MAX_NODES=4096 $CMP/$side/bench/bench_micro \
			--benchmark_filter="$MICRO_FILTER" --benchmark_enable_random_interleaving=true \
			--benchmark_min_time=0.05 \
			--benchmark_out="$OUT/a-$side-micro-$r.json" --benchmark_out_format=json >/dev/null 2>&1
		env $(side_env $side) BENCH_PAGES=16384 $CMP/$side/bench/bench_scan \
			--benchmark_filter="$SCAN_FILTER" --benchmark_enable_random_interleaving=true \
			--benchmark_out="$OUT/a-$side-scan-$r.json" --benchmark_out_format=json >/dev/null 2>&1
	done
	printf '  round %d/%d done\n' "$r" "$REPS"
done
for side in base new; do
	$PY - "$OUT/a-$side.json" "$OUT"/a-$side-*.json <<'EOF'
import json, sys
out, ins = sys.argv[1], sys.argv[2:]
docs = [json.load(open(p)) for p in ins]
rows = [b for d in docs for b in d["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
json.dump({"context": docs[0]["context"], "benchmarks": rows}, open(out, "w"), indent=1)
EOF
done
(cd /usr/share/benchmark && $PY compare.py --no-color -a -d "$ROOT/$OUT/a-dump.json" \
	benchmarks "$ROOT/$OUT/a-base.json" "$ROOT/$OUT/a-new.json") | tee "$OUT/a-compare.txt" |
	grep -v 'WARNING: Results unreliable' || true

# ------------------------------------------------------ (b)+(c) callgrind
step "(b) callgrind Ir in ksml_bench_cg_scan and (c) counters: $CG_WORKLOADS"
: >"$OUT/cg.tsv"
for wl in $CG_WORKLOADS; do
	for side in base new; do
		(
			f="$OUT/cg-$side-${wl//:/_}"
			env $(side_env $side) setarch "$(uname -m)" -R valgrind --tool=callgrind \
				--toggle-collect=ksml_bench_cg_scan --callgrind-out-file="$f.out" \
				$CMP/$side/bench/bench_scan --ksml-cg="$wl" >"$f.counters" 2>"$f.log" ||
				echo "FAILED" >>"$f.counters"
		) &
	done
	wait
	for side in base new; do
		f="$OUT/cg-$side-${wl//:/_}"
		ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$f.out" 2>/dev/null || echo 0)
		printf '%s\t%s\t%s\t%s\n' "$wl" "$side" "${ir:-0}" "$(grep -h '^COUNTERS\|FAILED' "$f.counters" | tr '\n' ' ')" >>"$OUT/cg.tsv"
	done
done

# ------------------------------------------------------------- verdict
rc=0
$PY - "$OUT" "$ALPHA" "$WALL_PCT" "$CG_PCT" "${COUNTERS_MAY_CHANGE:-0}" <<'EOF' || rc=$?
import json, statistics, sys
out, alpha, wall_pct, cg_pct, may_change = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]), sys.argv[5] == "1"
fail = []
base_rev = open(f"{out}/base.rev").read().strip()
new_rev = open(f"{out}/new.rev").read().strip()
print(f"\n=== bench-compare: base {base_rev} vs new {new_rev} ===")
print("(a) time, U test (median of new vs base, p of the scan-time column):")
dump = json.load(open(f"{out}/a-dump.json"))
for d in dump:
    if d.get("run_type") == "aggregate" or not d.get("utest"):
        continue
    m = d["measurements"]
    b = statistics.median(x["real_time"] for x in m)
    n = statistics.median(x["real_time_other"] for x in m)
    ch = 100.0 * (n - b) / b if b else 0.0
    p = d["utest"]["time_pvalue"]
    bad = p < alpha and ch > wall_pct
    print(f"  {'REGRESSION' if bad else 'ok':<10} {d['name']:<62} {ch:+6.1f}%  p={p:.4f} "
          f"(n={d['utest']['nr_of_repetitions']})")
    if bad:
        fail.append(f"time {d['name']} {ch:+.1f}% p={p:.4f}")
print(f"(b) callgrind Ir (gate: > +{cg_pct:g}%) and (c) counters after convergence:")
rows = {}
for line in open(f"{out}/cg.tsv"):
    wl, side, ir, counters = (line.rstrip("\n").split("\t") + [""])[:4]
    rows.setdefault(wl, {})[side] = (int(ir or 0), counters.strip())
for wl, s in rows.items():
    (bi, bc), (ni, nc) = s.get("base", (0, "")), s.get("new", (0, ""))
    if not bi or not ni or "FAILED" in bc + nc:
        print(f"  FAILED     {wl}: a callgrind run failed (see {out}/cg-*.log)")
        fail.append(f"callgrind {wl} failed")
        continue
    ch = 100.0 * (ni - bi) / bi
    bad = ch > cg_pct
    print(f"  {'REGRESSION' if bad else 'ok':<10} {wl:<22} Ir {bi:>13,} -> {ni:>13,}  {ch:+6.2f}%")
    if bad:
        fail.append(f"Ir {wl} {ch:+.2f}%")
    if bc != nc:
        print(f"  {'changed' if may_change else 'COUNTERS'}   {wl}:\n      base {bc}\n      new  {nc}")
        if not may_change:
            fail.append(f"counters {wl}")
    else:
        print(f"  ok         {wl:<22} counters equal: {nc.replace('COUNTERS ', '')}")
print("RESULT: bench-compare " + ("FAIL: " + "; ".join(fail) if fail else "PASS") +
      f" (base {base_rev}, new {new_rev}; details in {out})")
sys.exit(1 if fail else 0)
EOF
step "done"
exit $rc

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 41-harness-ref: the ref backend (ksm_core in-process) through ksmlab run:
# the counters of ksm-spec 4.6 for the shipped workloads, determinism
# (two runs give the same JSON counters), results.csv's ref rows and their
# agreement with its live-kernel rows, the kmod stub's refusal.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB" build/harness/test_driver
build/harness/test_driver ref || fail "driver API on ref"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# workload  shared sharing unshared chains dups zero
expect() {
	local wl=$1
	shift
	$KSMLAB run -q -b ref --json "workloads/$wl.wl" >"$tmp/$wl.json" || fail "ref run $wl"
	got=$(jget "$tmp/$wl.json" '" ".join(str(r["counters"][k]) for k in ("pages_shared","pages_sharing","pages_unshared","stable_node_chains","stable_node_dups","ksm_zero_pages"))')
	[ "$got" = "$*" ] || fail "$wl on ref: got $got, want $*"
	[ "$(jget "$tmp/$wl.json" 'r["converged"]')" = True ] || fail "$wl did not converge"
	echo "ok $wl: $got"
}
expect identical-1k 4 1020 0 1 4 0
expect identical-64k 256 65280 0 1 256 0
expect groups-100x100 100 9900 0 0 0 0
expect unique-10k 0 0 10000 0 0 0
expect zero-10k 40 9960 0 1 40 0
expect zero-10k-uzp 0 0 0 0 0 10000
expect last8-10k 0 0 10000 0 0 0
expect volatile-10pct 90 8910 0 0 0 0
expect smartscan-257 1 255 0 0 0 0

# the committed expected results (workloads/results.csv, harness/tests/
# results.sh): the ref rows are ref's own output, regenerated here (any
# change in the core's counters for a shipped workload must come with a
# new CSV; this also proves determinism); the linux rows were measured on
# the live kernel, and every ref row must agree with its linux row in
# every column unless the row's note says why not (ref only: ...).
SKIP="$SLOW_WORKLOADS" harness/tests/results.sh "$KSMLAB" >"$tmp/results.csv" || fail "results.sh"
awk -F, 'NR == 1 || $2 == "ref"' workloads/results.csv |
	grep -vE "^($(tr ' ' '|' <<<"${SLOW_WORKLOADS:-none}"))," >"$tmp/want.csv"
n=$(($(wc -l <"$tmp/results.csv") - 1))
if ! diff -u "$tmp/want.csv" "$tmp/results.csv"; then
	fail "ref counters differ from workloads/results.csv (regenerate with harness/tests/results.sh --linux > workloads/results.csv and explain why in the commit)"
fi
agree=$(/usr/bin/python3 - workloads/results.csv <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ref = {r["workload"]: r for r in rows if r["source"] == "ref"}
lin = {r["workload"]: r for r in rows if r["source"] == "linux"}
cols = [c for c in rows[0].keys() if c not in ("workload", "source", "kernel", "note")]
bad, same, refonly = [], 0, []
for w, l in sorted(lin.items()):
    if w not in ref:
        bad.append(f"{w}: a linux row without a ref row")
    elif l["note"].startswith("ref only: "):
        refonly.append(w)
    elif l["note"]:
        bad.append(f"{w}: linux row noted '{l['note']}'")
    else:
        d = [f"{c} ref {ref[w][c]} linux {l[c]}" for c in cols if ref[w][c] != l[c]]
        if d:
            bad.append(f"{w}: " + ", ".join(d))
        else:
            same += 1
missing = sorted(set(ref) - set(lin))
if bad:
    print("; ".join(bad))
    sys.exit(1)
print(f"{same} workloads equal to the live kernel ({rows and list(lin.values())[0]['kernel']}) "
      f"in all {len(cols)} columns, ref only: {', '.join(refonly) or 'none'}, "
      f"not measured on linux: {', '.join(missing) or 'none'}")
PYEOF
) || fail "workloads/results.csv: ref and linux rows disagree: $agree"
echo "ok results.csv: $agree"
# a workload bigger than the machine is refused before it runs
err=$(KSMLAB_MEM_AVAILABLE_KB=2048 "$KSMLAB" run -q -b ref workloads/identical-1k.wl 2>&1) &&
	fail "ref ran a workload larger than the available memory"
grep -q "writes 1024 pages (4 MiB with their bookkeeping), more than 90% of the 2 MiB" <<<"$err" ||
	fail "memory refusal on ref: $err"
# ksmlab knob on ref: kernel validation
[ "$($KSMLAB knob -b ref max_page_sharing 2)" = 2 ] || fail "knob write on ref"
$KSMLAB knob -b ref max_page_sharing 1 2>/dev/null && fail "max_page_sharing=1 accepted on ref"
# the kmod backend refuses with a sentence where the module is not loaded
if [ ! -e /dev/ksm_ref ]; then
	err=$($KSMLAB run -q -b kmod workloads/identical-1k.wl 2>&1) && fail "kmod ran without the module"
	grep -q "kmod" <<<"$err" || fail "kmod message: $err"
fi
echo "SUMMARY: ref backend: 9 workloads match ksm-spec counters, $n workloads equal to the ref rows of workloads/results.csv (skipped as slow: ${SLOW_WORKLOADS:-none}); $agree"

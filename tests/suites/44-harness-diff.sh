#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 44-harness-diff: the differential oracle.  `ksmlab diff` runs every
# shipped workload on ref and on the host's KSM (root only) and compares
# the deterministic counters after every scan; workloads marked
# expect-different print their reason; the reproducers kept under
# harness/tests/found/ run with them.  When other processes use the
# host's KSM meanwhile (a qemu guest...), the global counters are not ours
# alone: those rows compare the per-process ksm_stat values after every
# scan, and the summary counts them.  A workload that differs runs on the
# kernel again: equal to that second run, with the kernel's own two runs
# different, it counts as equal and the summary counts it.  It runs once per named configuration
# of ref (faithful, portable, model): each must reach the kernel's counters
# after every scan.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
need_live_ksm
summary=""
for config in faithful portable model; do
	out=$("$KSMLAB" diff -q --config $config --wait-quiet 30 $(fast_workloads) harness/tests/pin-4.wl harness/tests/found/*.wl 2>&1)
	rc=$?
	echo "== ref configuration: $config"
	echo "$out"
	table=$(sed -n '/^workload  *|/,$p' <<<"$out")
	grep -q "holds the live-KSM lock" <<<"$out" && fail "$(grep -m1 'holds the live-KSM lock' <<<"$out")"
	case $rc in
	0 | 3) ;;
	*) fail "ksmlab diff --config $config exit $rc" ;;
	esac
	n=$(($(wc -l <<<"$table") - 1))
	eq=$(grep -c '| equal' <<<"$table")
	ex=$(grep -c 'different (expected)' <<<"$table")
	pp=$(grep -c 'per-process only' <<<"$table")
	kv=$(grep -c 'equal (kernel varied)' <<<"$table")
	# a value one side lacks (an older kernel) is not compared: not full
	nc=$(grep -c 'not compared:' <<<"$table")
	[ "$n" -ge 10 ] || fail "--config $config: only $n workloads compared"
	[ $((eq + ex)) -eq "$n" ] || fail "--config $config: $((n - eq - ex)) of $n workloads differ"
	# per-process only (other KSM users on the host) is not a full comparison
	[ $(((n - pp - nc) * 10)) -ge $((n * 9)) ] ||
		fail "--config $config: only $((n - pp - nc)) of $n workloads compared on every counter ($pp per-process only: other KSM users on the host; $nc with values the kernel lacks)"
	summary+="${summary:+; }$config: $n workloads, $eq equal after every scan, $((eq - pp - nc)) of them on every counter and space ($pp per-process only: other KSM users on the host; $nc with values one side lacks not compared; $kv equal only to a second kernel run, the kernel's first run differing from it), $ex expected differences"
done
echo "SUMMARY: ksmlab diff (slow ones left out: ${SLOW_WORKLOADS:-none}): $summary"

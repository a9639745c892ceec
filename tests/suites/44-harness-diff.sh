#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 44-harness-diff: the differential oracle.  `ksmlab diff` runs every
# shipped workload on ref and on the host's KSM (root only) and compares
# the deterministic counters after every scan; workloads marked
# expect-different print their reason.  Exit 3 of ksmlab diff (differences
# only where other processes used KSM at the same time) is reported as
# SKIPPED: the host was not quiet enough to decide.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
need_live_ksm
out=$("$KSMLAB" diff -q --wait-quiet 60 workloads/*.wl harness/tests/pin-4.wl 2>&1)
rc=$?
echo "$out"
table=$(sed -n '/^workload  *|/,$p' <<<"$out")
case $rc in
0) ;;
3) skip "other processes used the host's KSM during the diff ($(grep -m1 -o 'pid/comm [^ ]*' <<<"$out"))" ;;
*) fail "ksmlab diff exit $rc" ;;
esac
n=$(($(wc -l <<<"$table") - 1))
eq=$(grep -c '| equal' <<<"$table")
ex=$(grep -c 'different (expected)' <<<"$table")
echo "SUMMARY: ksmlab diff: $n workloads, $eq equal (every scan), $ex expected differences"

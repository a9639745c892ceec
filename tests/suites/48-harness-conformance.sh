#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 48-harness-conformance: a slice of `make conformance`: 40 random
# workloads (seeds 910000-910039, a range no other test uses) in every
# named configuration (faithful, portable, model) against the live
# kernel, every counter after every scan, and the differential fuzzer's
# corpus replayed against the kernel.  Any difference fails.  An
# inconclusive row (other KSM users on the host) proves nothing, so the
# suite is SKIPPED with that reason, never passed; so it is without root
# or KSM.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
need_live_ksm
out=$(CONF_OUT=build/conformance-slice CONF_SEEDS=910000-910039 CONF_WAIT_QUIET=30 \
	harness/conformance.sh 2>&1)
rc=$?
echo "$out"
case $rc in
0) ;;
1) fail "conformance: a difference: $(grep -m1 SUMMARY <<<"$out") (kept in build/conformance-slice/)" ;;
3) skip "inconclusive: other processes used the host's KSM during the slice, so it proves nothing (kept in build/conformance-slice/inconclusive/)" ;;
77) skip "$(grep -m1 SKIPPED <<<"$out")" ;;
*) fail "conformance exit $rc: $(grep -m1 SUMMARY <<<"$out")" ;;
esac
# the differential fuzzer's corpus, each input against the kernel
[ -x build/fuzz/gcc/fuzz_diff ] || fail "build/fuzz/gcc/fuzz_diff not built (make test-build)"
dout=$(build/fuzz/gcc/fuzz_diff -q fuzz/corpus/fuzz_diff 2>&1) || { echo "$dout" | tail -30; fail "fuzz_diff corpus: a difference from the kernel"; }
grep -q SKIPPED <<<"$dout" && fail "fuzz_diff skipped although the live KSM is here: $dout"
echo "SUMMARY: conformance slice: $(grep -m1 '^SUMMARY' <<<"$out" | sed 's/^SUMMARY: conformance: //'); fuzz_diff corpus: $(tail -1 <<<"$dout")"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 47-harness-mutants: the differential oracle catches real KSM bugs.  The
# core is built with historical bugs patched in (ksm_core/mutants/<m>.patch,
# `make harness-mutants`), and `ksmlab diff` against the host's KSM must report
# DIFFERENT (exit 1), the kernel repeating its own result on the rerun the
# oracle makes after a difference, where the unmutated build reports equal:
#   NO_CHECKSUM_FILTER  merges a page before its checksum was seen stable
#                       (end states agree: only the trajectory shows it)
#   MERGE_PINNED        merges pages with an extra (pinned) reference
#   OLD_UNSTABLE_ITEM   erases an unstable-tree item of an older pass
#   SMART_SCAN_OFF_BY_ONE  starts skipping a visit early (a policy bug: no
#                       invariant breaks, the fuzzers' oracles cannot see it)
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
mutants="NO_CHECKSUM_FILTER MERGE_PINNED OLD_UNSTABLE_ITEM SMART_SCAN_OFF_BY_ONE"
for m in $mutants; do
	need_bin "build/mut/$m/ksmlab"
done
need_live_ksm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$KSMLAB" gen -o "$tmp/rand-1000.wl" 1000
"$KSMLAB" gen -o "$tmp/rand-1001.wl" 1001

caught=0
check() {
	local m=$1
	shift
	out=$("build/mut/$m/ksmlab" diff -q --wait-quiet 20 "$@" 2>&1)
	rc=$?
	grep -q "holds the live-KSM lock" <<<"$out" && fail "$(grep -m1 'holds the live-KSM lock' <<<"$out")"
	case $rc in
	1) grep -q "DIFFERENT: the kernel repeated it on a second run" <<<"$out" ||
		fail "$m: the difference was not confirmed by a second kernel run: $out"
	   echo "ok $m caught: $(grep -m1 'trajectory differs' <<<"$out")"
	   caught=$((caught + 1)) ;;
	3) skip "$m: inconclusive, other processes used the host's KSM" ;;
	*) echo "$out"; fail "mutant $m not caught by $* (ksmlab diff exit $rc)" ;;
	esac
	out=$("$KSMLAB" diff -q --wait-quiet 20 "$@" 2>&1)
	rc=$?
	case $rc in
	0 | 3) ;;
	*) echo "$out"; fail "the unmutated core differs on $* (exit $rc)" ;;
	esac
}
check NO_CHECKSUM_FILTER workloads/identical-1k.wl
check MERGE_PINNED harness/tests/pin-4.wl
check OLD_UNSTABLE_ITEM "$tmp/rand-1000.wl" "$tmp/rand-1001.wl"
check SMART_SCAN_OFF_BY_ONE workloads/smartscan-257.wl
echo "SUMMARY: mutants: $caught of $(wc -w <<<"$mutants") KSM bugs caught by ksmlab diff against the kernel"

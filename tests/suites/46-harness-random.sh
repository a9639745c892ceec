#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 46-harness-random: differential testing with random workloads
# (`ksmlab gen`, fixed seeds 1..25): every one runs on ref and on the host's
# KSM and must agree after every scan; at least 90% of them on every
# counter (not only per process), and none inconclusive.  Without root or KSM only the ref
# side runs (each workload valid and deterministic) and the suite says so.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in $(seq 1 25); do
	"$KSMLAB" gen -o "$tmp/r$s.wl" "$s" || fail "gen $s"
	"$KSMLAB" gen "$s" | cmp -s - "$tmp/r$s.wl" || fail "gen $s not deterministic"
done
"$KSMLAB" check "$tmp"/r*.wl >/dev/null || fail "generated workload invalid: $("$KSMLAB" check "$tmp"/r*.wl 2>&1 | grep -v ': ok:')"
for s in $(seq 1 25); do
	"$KSMLAB" run -q -b ref "$tmp/r$s.wl" >/dev/null || fail "ref run of seed $s"
done
need_live_ksm
out=$("$KSMLAB" diff -q --wait-quiet 20 "$tmp"/r*.wl 2>&1)
rc=$?
echo "$out"
table=$(sed -n '/^workload  *|/,$p' <<<"$out")
grep -q "holds the live-KSM lock" <<<"$out" && fail "$(grep -m1 'holds the live-KSM lock' <<<"$out")"
case $rc in
0 | 3) ;;
*) fail "ksmlab diff exit $rc: $(grep -c 'DIFFERENT$' <<<"$table") random workloads differ" ;;
esac
eq=$(grep -c '| equal' <<<"$table")
pp=$(grep -c 'per-process only' <<<"$table")
inc=$(grep -c 'inconclusive' <<<"$table")
nc=$(grep -c 'not compared:' <<<"$table")
# not a pass: rows that differed while others used the host's KSM, or
# fewer than 90% of the rows compared on every counter
[ "$inc" -eq 0 ] || fail "$inc of 25 random workloads inconclusive (they differed while other processes used the host's KSM)"
[ $(((eq - pp - nc) * 10)) -ge $((25 * 9)) ] ||
	fail "only $((eq - pp - nc)) of 25 random workloads compared on every counter ($pp per-process only: other KSM users on the host; $nc with values the kernel lacks)"
echo "SUMMARY: random workloads: 25 generated, $eq equal on ref and linux after every scan, $((eq - pp - nc)) of them on every counter and space ($pp per-process only, $nc with values one side lacks), $inc inconclusive"

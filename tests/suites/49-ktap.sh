#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 49-ktap: ksmlab's KTAP output, validated by tools/ktap_check.py (a strict
# KTAP v1 parser: version lines, plans, numbering, subtest nesting and
# names, directives, a parent not ok when a subtest is not), which must
# first reject broken samples.  `ksmlab run --ktap` on ref (every shipped
# workload: no root needed); with the live kernel, `ksmlab diff --ktap
# --config all` (a subtest per configuration, the expected difference of
# mixed-numa a SKIP) and `ksmlab selftest`, the kselftest-style entry:
# exit 0 when it passes, 4 and a "1..0 # SKIP" plan without root.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
chk=tools/ktap_check.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the checker itself: each broken sample must be rejected
bad() {
	if printf "$2" | $PY $chk >"$tmp/out" 2>&1; then
		fail "ktap_check accepted a broken sample ($1): $(printf "$2" | tr '\n' '|')"
	fi
}
bad "no version" '1..1\nok 1 a\n'
bad "no plan" 'KTAP version 1\nok 1 a\n'
bad "numbering" 'KTAP version 1\n1..2\nok 1 a\nok 3 b\n'
bad "short of the plan" 'KTAP version 1\n1..2\nok 1 a\n'
bad "indent" 'KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  ok 1 x\nok 1 a\n'
bad "parent ok, subtest not" 'KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    not ok 1 x\nok 1 a\n'
bad "subtest name" 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: b\n    1..1\n    ok 1 x\nok 1 a\n'
bad "directive" 'KTAP version 1\n1..1\nok 1 a # SKIPPED why\n'
bad "stray line" 'KTAP version 1\n1..1\nhello\nok 1 a\n'
printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n    1..1\n    # note\n    ok 1 x # SKIP why\nok 1 a\n' |
	$PY $chk >/dev/null || fail "ktap_check rejected a valid sample"

# ksmlab run --ktap, ref: every fast shipped workload
"$KSMLAB" run --ktap -q -b ref $(fast_workloads) >"$tmp/run.ktap" 2>"$tmp/run.err" ||
	fail "ksmlab run --ktap exit $?: $(tail -3 "$tmp/run.err")"
run=$($PY $chk "$tmp/run.ktap") || fail "run --ktap: $run"
nwl=$(fast_workloads | wc -l)
grep -q "^1\.\.$nwl\$" "$tmp/run.ktap" || fail "run --ktap: plan is not 1..$nwl"
grep -q '^    # ref: converged after' "$tmp/run.ktap" || fail "run --ktap: no counters as diagnostics"
# a workload that does not parse is a not ok with a diagnostic
printf 'workload broken\nmap nosuchspace a 4 private\n' >"$tmp/broken.wl"
"$KSMLAB" run --ktap -q -b ref workloads/identical-1k.wl "$tmp/broken.wl" >"$tmp/b.ktap" 2>/dev/null
[ $? -eq 2 ] || fail "run --ktap with a broken workload: exit not 2"
$PY $chk "$tmp/b.ktap" >/dev/null || fail "run --ktap with a broken workload: invalid KTAP"
grep -q "^not ok 2 " "$tmp/b.ktap" || fail "run --ktap: the broken workload is not 'not ok'"

# the selftests runner: -k puts KTAP alone on stdout
st_bin=build/selftests/ksm_selftests
need_bin "$st_bin"
"$st_bin" -b ref -s 4 -k >"$tmp/st-ref.ktap" 2>"$tmp/st-ref.err" ||
	fail "ksm_selftests -k on ref exit $?: $(tail -3 "$tmp/st-ref.err")"
stref=$($PY $chk "$tmp/st-ref.ktap") || fail "ksm_selftests -k: $stref"

if [ ! -e "$KSYS/run" ] || [ "$(id -u)" -ne 0 ]; then
	skip "ktap: the checker, run --ktap ($run) and ksm_selftests -k on ref ($stref) passed; diff --ktap, selftest and the linux column need root and the kernel's KSM"
fi
"$st_bin" -b ref,linux -s 4 -k >"$tmp/st-lin.ktap" 2>"$tmp/st-lin.err" ||
	fail "ksm_selftests -k on ref,linux exit $?: $(tail -3 "$tmp/st-lin.err")"
stlin=$($PY $chk "$tmp/st-lin.ktap") || fail "ksm_selftests -k ref,linux: $stlin"
grep -q '^    ok [0-9]* linux' "$tmp/st-lin.ktap" || fail "ksm_selftests -k ref,linux: no linux subtest"
# diff --ktap --config all: a subtest per configuration
"$KSMLAB" diff --ktap --config all -q --wait-quiet 30 workloads/identical-1k.wl workloads/cow-unmerge.wl \
	workloads/mixed-numa.wl >"$tmp/diff.ktap" 2>"$tmp/diff.err"
rc=$?
grep -q "holds the live-KSM lock" "$tmp/diff.err" && fail "$(grep -m1 'holds the live-KSM lock' "$tmp/diff.err")"
[ $rc -eq 0 ] || fail "diff --ktap exit $rc: $(cat "$tmp/diff.ktap" "$tmp/diff.err" | tail -8)"
diff=$($PY $chk "$tmp/diff.ktap") || fail "diff --ktap: $diff"
[ "$(grep -c '^    ok [123] \(faithful\|portable\|model\)' "$tmp/diff.ktap")" -eq 9 ] ||
	fail "diff --ktap: not 3 workloads x 3 configurations of subtests"
grep -q '^ok 3 mixed-numa # SKIP expected difference' "$tmp/diff.ktap" ||
	fail "diff --ktap: mixed-numa's expected difference is not a SKIP"
# the kselftest entry: pass, and skip (4) without root
"$KSMLAB" selftest --config faithful workloads/identical-1k.wl workloads/fork-bypass.wl \
	>"$tmp/st.ktap" 2>"$tmp/st.err"
rc=$?
grep -q "holds the live-KSM lock" "$tmp/st.err" && fail "$(grep -m1 'holds the live-KSM lock' "$tmp/st.err")"
[ $rc -eq 0 ] || fail "selftest exit $rc: $(tail -5 "$tmp/st.ktap")"
st=$($PY $chk "$tmp/st.ktap") || fail "selftest: $st"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$KSMLAB" selftest >"$tmp/st4.ktap" 2>&1
	rc=$?
	[ $rc -eq 4 ] || fail "selftest as uid 65534: exit $rc, not kselftest's skip (4)"
	grep -q '^1\.\.0 # SKIP needs root' "$tmp/st4.ktap" || fail "selftest without root: no '1..0 # SKIP' plan"
	$PY $chk "$tmp/st4.ktap" >/dev/null || fail "selftest without root: invalid KTAP"
	four="exit 4 with '1..0 # SKIP' as uid 65534"
else
	four="(setpriv missing: the skip exit not tried)"
fi
echo "SUMMARY: ktap: checker rejects 9 broken samples; run --ktap $nwl workloads: ${run#*: }; diff --ktap --config all: ${diff#*: }; selftest: ${st#*: }, $four; ksm_selftests -k ref: ${stref#*: }; ref,linux: ${stlin#*: }"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# judge-guest-log.sh LOG [QEMU_RC [SECS]] - the verdict on a guest's serial
# log (run-qemu.sh ends with it; suite 60 also feeds it a log with a group
# taken out, which it must fail).  KMOD_QUICK=1: a quick run's counts;
# KMOD_ONLY set: a partial run, not held to guest/expected-tests.
#
# Fails on: qemu's timeout (124) or another exit, no "KMODTEST:
# RESULT=PASS", any failed test, fewer tests than guest/expected-tests
# lists for a group, any BUG/Oops/WARNING/Call Trace/panic/hung-task/stall
# line, or a taint other than O|E (12288: out-of-tree, unsigned).
#
# KMOD_DEBUG=1 (the debug kernel of build-debug-kernel.sh): also fails on
# every lockdep, RCU-lockdep, atomic-sleep, KASAN and kmemleak report, on a
# missing kmemleak scan, and unless the log shows each checker started
# (lockdep's banner, KASAN's and kmemleak's init lines); the clean taint is
# then O alone (4096: no module signing in that kernel).
set -u
log=$1 rc=${2:-0} secs=${3:-?}
quick=${KMOD_QUICK:-}
tmo=${QEMU_TIMEOUT:-300}
accel=${QEMU_ACCEL:-tcg}
[ -r "$log" ] || { echo "judge-guest-log: $log missing" >&2; exit 1; }
# kernel splats: oops, BUG, WARN (also KSML_WARN_ON), panic, hung task,
# RCU stall, sanitizers, a lockup
splat='BUG:|Oops|WARNING:|Call Trace|Kernel panic|general protection fault|kernel BUG'
splat="$splat|blocked for more than|detected stalls|UBSAN:|KASAN:|soft lockup|hard LOCKUP"
debug=${KMOD_DEBUG:-}
want_taint=12288 taint_why="O|E" sfx=""
if [ "$debug" = 1 ]; then
	want_taint=4096 taint_why="O" sfx=-debug
	splat="$splat|possible recursive locking|inconsistent lock state|circular locking"
	splat="$splat|suspicious RCU usage|possible irq lock inversion|lock held when returning"
	splat="$splat|bad unlock balance|held lock freed|DEBUG_LOCKS_WARN_ON|INFO: possible"
	splat="$splat|sleeping function called|turning off the locking correctness validator"
	splat="$splat|unreferenced object|KASAN|kmemleak: .*(error|disabled)"
fi
why=""
[ $rc -eq 124 ] && why="timeout after ${tmo}s"
[ -n "${KMOD_HOST_WHY:-}" ] && why="$KMOD_HOST_WHY"
[ -z "$why" ] && [ $rc -ne 0 ] && why="qemu exited $rc"
if grep -qE "$splat" "$log"; then
	why="${why:+$why; }kernel splat: $(grep -m1 -E "$splat" "$log")"
fi
taint=$(sed -n 's/^KMODTEST: taint=\([0-9]*\).*/\1/p' "$log" | tail -n1)
[ -n "$taint" ] && [ "$taint" != $want_taint ] && why="${why:+$why; }taint $taint (expected $want_taint = $taint_why)"
# debug kernel: each checker was there, and kmemleak was asked twice
checkers=""
if [ "$debug" = 1 ]; then
	# (DEBUG_KMAP_LOCAL has no boot line: build-debug-kernel.sh checks
	# its config)
	for c in 'Lock dependency validator' 'KernelAddressSanitizer initialized' \
		'Kernel memory leak detector initialized'; do
		l=$(grep -m1 -F "$c" "$log") || { why="${why:+$why; }no '$c' line: checker not active"; continue; }
		checkers="${checkers:+$checkers | }${l#*] }"
	done
	nscan=$(grep -c '^KMODTEST: kmemleak scan done' "$log")
	[ "$nscan" -ge 2 ] || why="${why:+$why; }$nscan kmemleak scans (expected 2)"
fi
npass=$(grep -c '^KTEST .* PASS' "$log")
nfail=$(grep -c '^KTEST .* FAIL' "$log")
[ "$nfail" -gt 0 ] && why="${why:+$why; }$nfail failed test(s)"
grep -q '^KMODTEST: RESULT=PASS' "$log" || why="${why:+$why; }no RESULT=PASS"
nskip=$(grep -c '^KTEST .* SKIP' "$log")
skipped=$(awk '/^KTEST .* SKIP/ { print $2 }' "$log" | paste -sd, -)
# every guest test ran: per group at least the KTEST lines of expected-tests
# (a partial KMOD_ONLY run is not judged by it)
if [ -z "${KMOD_ONLY:-}" ]; then
	col=2
	[ "$quick" = 1 ] && col=3
	short=$(awk -v col=$col '
		NR == FNR { if ($0 !~ /^#/ && NF >= 3) want[$1] = $col; next }
		/^KTEST [^ ]* (PASS|SKIP)/ { g = $2; sub(/\..*/, "", g); got[g]++ }
		END {
			for (g in want)
				if (got[g] + 0 < want[g] + 0)
					printf "%s%s %d of %d", n++ ? ", " : "", g, got[g], want[g]
		}' "$(dirname "$0")/guest/expected-tests" "$log")
	[ -n "$short" ] && why="${why:+$why; }guest tests missing (ran/expected): $short"
fi

grep -E '^KTEST .* FAIL' "$log" | head -n 20
boot=$(sed -n 's/^KMODTEST: begin.*uptime=\([0-9.]*\).*/\1/p' "$log" | head -n1)
if [ -n "$why" ]; then
	echo "----- last lines of $log -----"
	tail -n 40 "$log"
	echo "-----"
	echo "SUMMARY: kmod-test$sfx FAILED ($why); tests passed=$npass failed=$nfail; wall ${secs}s; log $log"
	exit 1
fi
[ -n "$checkers" ] && echo "checkers: $checkers"
echo "SUMMARY: kmod-test$sfx passed: $npass guest tests, 0 failed, $nskip skipped${skipped:+ ($skipped)}; guest reached init at ${boot:-?}s uptime; wall ${secs}s (qemu $accel); log $log"

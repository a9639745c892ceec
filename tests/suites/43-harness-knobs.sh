#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 43-harness-knobs: the linux backend leaves every writable KSM knob as it
# found it: after a good run, after a run that fails half-way, after
# SIGINT and SIGTERM, after SIGKILL (the run's guard process restores them
# at once), and after SIGKILL with no guard (through the state file,
# repaired by the next user of the lock); and the THP settings a THP
# workload sets (transparent_hugepage/enabled, defrag, khugepaged's pace)
# after a good THP run and after SIGKILL with and without a guard.  The knobs are first set to unusual
# values (under the lock, via `ksmlab knob`) so a restore to defaults would
# be caught, and put back at the end.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB"
need_live_ksm
# two instances of this suite (several developers run make test) would
# perturb each other's knobs: one at a time
exec 9>/run/lock/ksmlab-test-43.lock
flock -w 600 9 || skip "another instance of this suite held its lock for 10 minutes"
tmp=$(mktemp -d)
orig=$(knob_snapshot_locked) || fail "snapshot of the host's knobs"
restore_orig() {
	# put back what we found (ksmlab knob takes the lock for each write)
	while IFS='=' read -r k v; do
		case $k in run | advisor_mode | thp/*) continue ;; esac
		[ "$(cat "$KSYS/$k")" = "$v" ] || "$KSMLAB" knob -b linux "$k" "$v" >/dev/null 2>&1
	done <<<"$orig"
	rm -rf "$tmp"
}
trap restore_orig EXIT

err=$("$KSMLAB" knob -b linux pages_to_scan 123 2>&1 >/dev/null) || fail "knob pages_to_scan: $err"
"$KSMLAB" knob -b linux sleep_millisecs 37 >/dev/null || fail "knob sleep_millisecs"
"$KSMLAB" knob -b linux stable_node_chains_prune_millisecs 1999 >/dev/null || fail "knob prune"
"$KSMLAB" knob -b linux advisor_max_cpu 55 >/dev/null || fail "knob advisor_max_cpu"
"$KSMLAB" knob -b linux smart_scan 0 >/dev/null || fail "knob smart_scan"
"$KSMLAB" knob -b linux use_zero_pages 1 >/dev/null || fail "knob use_zero_pages"
# needs no KSM pages on the host: best effort
"$KSMLAB" knob -b linux max_page_sharing 300 >/dev/null 2>&1 || echo "note: max_page_sharing left as is (KSM pages exist)"
before=$(knob_snapshot_locked) || fail "snapshot of the knobs"
echo "knobs before: $(tr '\n' ' ' <<<"$before")"

check_same() {
	after=$(knob_snapshot_locked) || fail "snapshot of the knobs after $1"
	if [ "$before" != "$after" ]; then
		diff <(echo "$before") <(echo "$after")
		fail "knobs changed after $1"
	fi
	[ -e /run/lock/ksmlab-live-ksm.saved ] && fail "state file left after $1"
	echo "ok knobs restored after $1"
}

err=$("$KSMLAB" run -q -b linux workloads/identical-1k.wl 2>&1 >/dev/null) || fail "good run: $err"
check_same "a good run"

err=$("$KSMLAB" run -q -b linux harness/tests/fail-midrun.wl 2>&1) && fail "fail-midrun succeeded"
grep -q "fail-midrun.wl:9: knob (at scan 3) failed on linux" <<<"$err" || fail "fail-midrun message: $err"
check_same "a run failing at scan 3 ($err)"

for sig in INT TERM; do
	"$KSMLAB" run -q -b linux harness/tests/long-run.wl >/dev/null 2>"$tmp/err" &
	pid=$!
	# wait until it is scanning (run=1 or 0 with our pages_to_scan)
	for _ in $(seq 100); do
		[ "$(cat "$KSYS/pages_to_scan")" = 4000000 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" -ne 0 ] || fail "SIG$sig: exit 0"
	check_same "SIG$sig in the middle of a run (exit $rc)"
done

# wait until the run in the background is scanning with its own knobs
wait_scanning() {
	for _ in $(seq 100); do
		[ "$(cat "$KSYS/pages_to_scan")" = 4000000 ] && break
		sleep 0.1
	done
	[ "$(cat "$KSYS/pages_to_scan")" = 4000000 ] || fail "$1: the run never set its knobs"
	sleep 0.5
}

# within 10 s of a SIGKILL the run's guard waits for the lock and restores
wait_guard() {
	for _ in $(seq 100); do
		[ ! -e /run/lock/ksmlab-live-ksm.saved ] && [ "$(knob_snapshot)" = "$before" ] && return
		sleep 0.1
	done
}

# SIGKILL: the run's guard process puts the knobs back at once
"$KSMLAB" run -q -b linux harness/tests/long-run.wl >/dev/null 2>"$tmp/guard.err" &
pid=$!
wait_scanning "SIGKILL"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait_guard
check_same "SIGKILL, repaired by the run's guard with no other ksmlab run"

# without the guard (KSMLAB_NO_GUARD=1, or a guard killed too) the state
# file stays, and the next user of the lock repairs it
KSMLAB_NO_GUARD=1 "$KSMLAB" run -q -b linux harness/tests/long-run.wl >/dev/null 2>&1 &
pid=$!
wait_scanning "SIGKILL without a guard"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -e /run/lock/ksmlab-live-ksm.saved ] || fail "SIGKILL without a guard: no state file"
[ "$(cat "$KSYS/pages_to_scan")" = 123 ] && fail "SIGKILL without a guard: knobs not changed?"
out=$("$KSMLAB" run -q -b linux workloads/identical-1k.wl 2>&1 >/dev/null)
if grep -q "restoring KSM knobs saved by an interrupted run" <<<"$out"; then
	check_same "SIGKILL without a guard, repaired by the next run"
else
	echo "note: the repair was done by another ksmlab user of the lock ($out)"
	check_same "SIGKILL without a guard, repaired by the next ksmlab user"
fi
# THP: the run sets mode always / defrag always; all of it goes back
[ -e "$THPSYS/enabled" ] || skip "no $THPSYS: the THP cases need a kernel with THP"
err=$("$KSMLAB" run -q -b linux workloads/thp-write-after-split.wl 2>&1 >/dev/null) || fail "good THP run: $err"
check_same "a good THP run (thp always defrag always)"
thp_running() {
	wait_scanning "$1"
	grep -q '\[always\]' "$THPSYS/enabled" || fail "$1: THP mode not set to always"
	[ "$(cat "$THPSYS/khugepaged/scan_sleep_millisecs")" = 3600000 ] ||
		fail "$1: khugepaged not parked"
}
"$KSMLAB" run -q -b linux harness/tests/long-run-thp.wl >/dev/null 2>"$tmp/guard.err" &
pid=$!
thp_running "SIGKILL of a THP run"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
wait_guard
check_same "SIGKILL of a THP run, repaired by the run's guard"
KSMLAB_NO_GUARD=1 "$KSMLAB" run -q -b linux harness/tests/long-run-thp.wl >/dev/null 2>&1 &
pid=$!
thp_running "SIGKILL of a THP run without a guard"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -e /run/lock/ksmlab-live-ksm.saved ] || fail "SIGKILL of a THP run without a guard: no state file"
out=$("$KSMLAB" run -q -b linux workloads/identical-1k.wl 2>&1 >/dev/null)
check_same "SIGKILL of a THP run without a guard, repaired by the next run ($out)"
echo "SUMMARY: knob save/restore: equal after good run, failing run, SIGINT, SIGTERM, SIGKILL (the guard restores at once), SIGKILL without a guard (the next run repairs); THP settings equal after a good THP run and after SIGKILL with and without a guard"

# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Helpers for the harness suites (tests/suites/4x-*.sh); sourced, from the
# repository root.
KSMLAB=build/ksmlab
PY=/usr/bin/python3
KSYS=/sys/kernel/mm/ksm
THPSYS=/sys/kernel/mm/transparent_hugepage
# do not wait forever for another user of the live-KSM lock
export KSMLAB_LOCK_TIMEOUT=${KSMLAB_LOCK_TIMEOUT:-240}

# Workloads too slow for `make test` (set KSMLAB_SLOW=1 to include them):
# identical-64k-mps2 builds a chain of 32768 dups (max_page_sharing 2),
# whose walks are quadratic: 40 s on ref, 67 s on the kernel.
SLOW_WORKLOADS="identical-64k-mps2 vm-hosts-2m"
[ "${KSMLAB_SLOW:-0}" = 1 ] && SLOW_WORKLOADS=""

# the shipped workloads minus the slow ones
fast_workloads() {
	local wl name
	for wl in workloads/*.wl; do
		name=$(basename "$wl" .wl)
		case " $SLOW_WORKLOADS " in *" $name "*) continue ;; esac
		echo "$wl"
	done
}

fail() {
	# a busy lock is not a failure of ours
	if grep -q "holds the live-KSM lock" <<<"$*"; then
		echo "SKIPPED: another user held the live-KSM lock for ${KSMLAB_LOCK_TIMEOUT} s ($*)"
		exit 77
	fi
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIPPED: $*"
	exit 77
}

need_bin() {
	for b in "$@"; do
		[ -x "$b" ] || fail "$b not built (make test-build)"
	done
}

# linux backend prerequisites, else SKIPPED with the reason
need_live_ksm() {
	[ -e "$KSYS/run" ] || skip "no KSM in this kernel ($KSYS missing)"
	[ "$(id -u)" -eq 0 ] || skip "linux backend needs root (uid $(id -u))"
}

# JSON field of a `ksmlab run --json` line: jget FILE EXPR (python expr on r)
jget() {
	$PY -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(eval(sys.argv[2]))' "$1" "$2"
}

# all writable knobs, one "name=value" a line
# knob_snapshot under the live-KSM lock: while another user's run holds
# it, the knobs are that run's (its lock-step pages_to_scan and
# sleep_millisecs), not the host's, and a suite that restored those at its
# end would leave the host changed
knob_snapshot_locked() {
	(
		flock -w 600 8 || { echo "live-KSM lock busy for 10 minutes" >&2; exit 1; }
		knob_snapshot
	) 8>/run/lock/ksmlab-live-ksm.lock
}
knob_snapshot() {
	for k in run pages_to_scan sleep_millisecs max_page_sharing merge_across_nodes \
		use_zero_pages smart_scan stable_node_chains_prune_millisecs advisor_mode \
		advisor_max_cpu advisor_min_pages_to_scan advisor_max_pages_to_scan \
		advisor_target_scan_time; do
		[ -e "$KSYS/$k" ] && echo "$k=$(cat "$KSYS/$k")"
	done
	# the THP settings a THP workload sets (saved and restored with them)
	for k in enabled defrag khugepaged/pages_to_scan \
		khugepaged/scan_sleep_millisecs khugepaged/alloc_sleep_millisecs; do
		[ -e "$THPSYS/$k" ] && echo "thp/$k=$(cat "$THPSYS/$k")"
	done
}

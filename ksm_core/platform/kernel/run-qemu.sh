#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# run-qemu.sh VMLINUZ INITRD LOG - boot the guest that tests ksm_ref.ko and
# judge the run from its serial console (qemu exits 0 even on a panic).
#
# The guest: Debian's kernel under TCG, 2 CPUs on 2 sockets, one per NUMA
# node (sockets=2 avoids the kernel's llc-sibling topology WARN), 512 MiB
# per node.  panic_on_warn/oops=panic turn any kernel splat into a quick
# end of the boot; panic=-1 with -no-reboot makes qemu exit then.
#
# Fails on: a timeout, no "KMODTEST: RESULT=PASS", any failed test, fewer
# tests than guest/expected-tests lists for a group, any
# BUG/Oops/WARNING/Call Trace/panic/hung-task/stall line, or a taint other than O|E
# (12288: out-of-tree, unsigned), or qemu's RAM mergeable by the host's KSM.
#
# KMOD_DEBUG=1: the debug kernel (build-debug-kernel.sh: lockdep, KASAN,
# kmemleak, kmap debugging).  No panic_on_warn there, so that one run shows
# every report (the judge fails on each); every KASAN report, not just the
# first; kmemleak scans in the guest; expected taint O (no module signing);
# the judge's debug mode also requires each checker's init line.
set -u
vmlinuz=$1 initrd=$2 log=$3
accel=${QEMU_ACCEL:-tcg}
tmo=${QEMU_TIMEOUT:-300}
quick=${KMOD_QUICK:-}
for f in "$vmlinuz" "$initrd"; do
	[ -r "$f" ] || { echo "run-qemu: $f missing" >&2; exit 1; }
done
debug=${KMOD_DEBUG:-}
append="console=ttyS0 panic=-1 oops=panic"
if [ "$debug" = 1 ]; then
	append="$append kasan_multi_shot kmemleak=on ksmtest_debug=1 ksmtest_taint=4096"
else
	append="$append panic_on_warn=1"
fi
append="$append slub_debug=FZPU,ksm_ref_*"
# Debian's kernel enables automatic NUMA balancing: it would move pages
# that a test placed with move_pages(2) back toward the CPU touching them
append="$append numa_balancing=disable"
# and transparent huge pages by default: move_pages(2) of a 4 KiB page in
# a THP moves all 2 MiB of it; the tests place pages one by one
append="$append transparent_hugepage=madvise"
append="$append ksmtest_quick=${quick:-0}"
[ -n "${KMOD_ONLY:-}" ] && append="$append ksmtest_only=${KMOD_ONLY// /,} ksmtest_modargs=${KMOD_MODARGS:-}"

# mem-merge=off and merge=off (the machine's RAM, the NUMA backends'):
# guest RAM is not MADV_MERGEABLE on the host, so a guest run
# is not another user of the host's KSM while live-KSM tests measure it
t0=$(date +%s.%N)
timeout --foreground -k 5 "$tmo" qemu-system-x86_64 -accel "$accel" \
	-kernel "$(realpath "$vmlinuz")" -initrd "$(realpath "$initrd")" \
	-append "$append" -machine mem-merge=off -nographic -no-reboot -m 1G \
	-smp 2,sockets=2,cores=1,threads=1 \
	-object memory-backend-ram,id=m0,size=512M,merge=off \
	-object memory-backend-ram,id=m1,size=512M,merge=off \
	-numa node,nodeid=0,memdev=m0,cpus=0 \
	-numa node,nodeid=1,memdev=m1,cpus=1 \
	</dev/null >"$log" 2>&1 &
tpid=$!
# checked, not assumed: once qemu has mapped its RAM, no mapping of it may
# be mergeable (VmFlags "mg")
mergeable=unknown
for _ in $(seq 50); do
	qpid=$(pgrep -P "$tpid" -f qemu-system | head -1)
	if [ -n "$qpid" ] && [ -r "/proc/$qpid/smaps" ] &&
		[ "$(grep -c '^Size:' "/proc/$qpid/smaps" 2>/dev/null)" -gt 10 ]; then
		mergeable=$(grep -c '^VmFlags:.* mg' "/proc/$qpid/smaps" 2>/dev/null)
		break
	fi
	sleep 0.1
done
wait "$tpid"
rc=$?
t1=$(date +%s.%N)
case "$mergeable" in
0) echo "run-qemu: qemu's RAM is not KSM-mergeable on the host (no 'mg' mapping)" ;;
unknown) echo "run-qemu: could not read qemu's mappings: host-KSM use not checked" ;;
*)
	KMOD_HOST_WHY="qemu has $mergeable KSM-mergeable mappings on the host (its RAM must be merge=off)"
	export KMOD_HOST_WHY
	;;
esac
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# the console uses CRLF
sed -i 's/\r$//' "$log"

export KMOD_QUICK=$quick QEMU_TIMEOUT=$tmo QEMU_ACCEL=$accel KMOD_DEBUG=$debug
exec "$(dirname "$0")/judge-guest-log.sh" "$log" "$rc" "$secs"

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
# Fails on: a timeout, no "KMODTEST: RESULT=PASS", any failed test, any
# BUG/Oops/WARNING/Call Trace/panic/hung-task/stall line, or a taint other than O|E
# (12288: out-of-tree, unsigned).
set -u
vmlinuz=$1 initrd=$2 log=$3
accel=${QEMU_ACCEL:-tcg}
tmo=${QEMU_TIMEOUT:-300}
quick=${KMOD_QUICK:-}
for f in "$vmlinuz" "$initrd"; do
	[ -r "$f" ] || { echo "run-qemu: $f missing" >&2; exit 1; }
done
append="console=ttyS0 panic=-1 oops=panic panic_on_warn=1"
append="$append slub_debug=FZPU,ksm_ref_*"
# Debian's kernel enables automatic NUMA balancing: it would move pages
# that a test placed with move_pages(2) back toward the CPU touching them
append="$append numa_balancing=disable"
# and transparent huge pages by default: move_pages(2) of a 4 KiB page in
# a THP moves all 2 MiB of it; the tests place pages one by one
append="$append transparent_hugepage=madvise"
append="$append ksmtest_quick=${quick:-0}"
[ -n "${KMOD_ONLY:-}" ] && append="$append ksmtest_only=${KMOD_ONLY// /,} ksmtest_modargs=${KMOD_MODARGS:-}"

t0=$(date +%s.%N)
timeout --foreground -k 5 "$tmo" qemu-system-x86_64 -accel "$accel" \
	-kernel "$(realpath "$vmlinuz")" -initrd "$(realpath "$initrd")" \
	-append "$append" -nographic -no-reboot -m 1G \
	-smp 2,sockets=2,cores=1,threads=1 \
	-object memory-backend-ram,id=m0,size=512M \
	-object memory-backend-ram,id=m1,size=512M \
	-numa node,nodeid=0,memdev=m0,cpus=0 \
	-numa node,nodeid=1,memdev=m1,cpus=1 \
	</dev/null >"$log" 2>&1
rc=$?
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# the console uses CRLF
sed -i 's/\r$//' "$log"

# kernel splats: oops, BUG, WARN (also KSML_WARN_ON), panic, hung task,
# RCU stall, sanitizers, a lockup
splat='BUG:|Oops|WARNING:|Call Trace|Kernel panic|general protection fault|kernel BUG'
splat="$splat|blocked for more than|detected stalls|UBSAN:|KASAN:|soft lockup|hard LOCKUP"
why=""
[ $rc -eq 124 ] && why="timeout after ${tmo}s"
[ -z "$why" ] && [ $rc -ne 0 ] && why="qemu exited $rc"
if grep -qE "$splat" "$log"; then
	why="${why:+$why; }kernel splat: $(grep -m1 -E "$splat" "$log")"
fi
taint=$(sed -n 's/^KMODTEST: taint=\([0-9]*\).*/\1/p' "$log" | tail -n1)
[ -n "$taint" ] && [ "$taint" != 12288 ] && why="${why:+$why; }taint $taint (expected 12288 = O|E)"
npass=$(grep -c '^KTEST .* PASS' "$log")
nfail=$(grep -c '^KTEST .* FAIL' "$log")
[ "$nfail" -gt 0 ] && why="${why:+$why; }$nfail failed test(s)"
grep -q '^KMODTEST: RESULT=PASS' "$log" || why="${why:+$why; }no RESULT=PASS"

grep -E '^KTEST .* FAIL' "$log" | head -n 20
boot=$(sed -n 's/^KMODTEST: begin.*uptime=\([0-9.]*\).*/\1/p' "$log" | head -n1)
if [ -n "$why" ]; then
	echo "----- last lines of $log -----"
	tail -n 40 "$log"
	echo "-----"
	echo "SUMMARY: kmod-test FAILED ($why); tests passed=$npass failed=$nfail; wall ${secs}s; log $log"
	exit 1
fi
echo "SUMMARY: kmod-test passed: $npass guest tests, 0 failed; guest reached init at ${boot:-?}s uptime; wall ${secs}s (qemu $accel); log $log"

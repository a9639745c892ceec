#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# guest-run.sh LOG - run the selftest port and the knob table inside the
# qemu guest of `make kmod-test` (Debian's kernel, 2 NUMA nodes, 2 CPUs):
# there /dev/ksm_ref exists (ksm_ref.ko loaded with ksmd=0, so only the
# tests scan it) and the guest kernel's own KSM gives a second "linux"
# column with two real nodes (the -N cases).  Reuses the kmod helper's
# mkinitramfs.sh and kernel; needs `make kmod` and the cached vmlinuz.
# Prints the guest's output; exit 0 if both programs exited 0.
# ST_ARGS: more ksm_selftests options for the guest run, e.g.
# ST_ARGS="-c H-merge" for the THP case alone (-c's substring, no spaces).
set -eu
cd "$(dirname "$0")/../.."
log=${1:-build/selftests/guest.log}
kdir=ksm_core/platform/kernel
ko=build/kmod/ksm_ref.ko
vmlinuz=$(ls build/kmod-cache/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -r "$ko" ] || { echo "guest-run: $ko missing (make kmod)"; exit 1; }
[ -n "$vmlinuz" ] || { echo "guest-run: no guest kernel in build/kmod-cache/boot (make kmod-vmlinuz)"; exit 1; }
gb=build/selftests/guest
mkdir -p "$gb"
# static programs (libnuma.a's getaddrinfo warning is expected)
gcc -static -o "$gb/ksm_selftests" build/selftests/ksm_selftests.o \
	build/harness/driver.o build/harness/backend_ref.o build/harness/backend_linux.o \
	build/harness/backend_kmod.o build/harness/live.o build/harness/ktap.o \
	build/libksmcore.a -lnuma -lpthread 2>"$gb/link.log"
gcc -static -o "$gb/ksm_knobtable" build/selftests/ksm_knobtable.o \
	build/harness/live.o build/libksmcore.a -lnuma -lpthread 2>>"$gb/link.log"
cat >"$gb/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock
echo "GUEST: kernel=$(uname -r) nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l) cpus=$(nproc)"
insmod /ksm_ref.ko ksmd=0 || echo "GUEST: insmod failed"
ksm_selftests -b ref,linux,kmod -s 4 @ST_ARGS@
echo "GUEST: ksm_selftests exit=$?"
ksm_knobtable
echo "GUEST: ksm_knobtable exit=$?"
poweroff -f
INIT
st_args=${ST_ARGS:-}
case "$st_args" in *[!A-Za-z0-9_.,\ -]*) echo "guest-run: ST_ARGS '$st_args': letters, digits, _.,- and spaces only"; exit 1 ;; esac
sed -i "s|@ST_ARGS@|$st_args|" "$gb/init"
"$kdir/mkinitramfs.sh" "$gb/initramfs.cpio.gz" "$gb/init" "$ko" \
	"$gb/ksm_selftests" "$gb/ksm_knobtable"
# KVM is not usable on every host (nested): TCG unless QEMU_ACCEL says otherwise
accel=${QEMU_ACCEL:-tcg}
timeout --foreground -k 5 "${QEMU_TIMEOUT:-900}" qemu-system-x86_64 -accel "$accel" \
	-kernel "$(realpath "$vmlinuz")" -initrd "$gb/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 numa_balancing=disable quiet" \
	-machine mem-merge=off -nographic -no-reboot -m 1G -smp 2,sockets=2,cores=1,threads=1 \
	-object memory-backend-ram,id=m0,size=512M,merge=off \
	-object memory-backend-ram,id=m1,size=512M,merge=off \
	-numa node,nodeid=0,memdev=m0,cpus=0 \
	-numa node,nodeid=1,memdev=m1,cpus=1 \
	</dev/null >"$log" 2>&1 || true
sed -i 's/\r$//' "$log"
cat "$log"
grep -q '^GUEST: ksm_selftests exit=0' "$log" && grep -q '^GUEST: ksm_knobtable exit=0' "$log"

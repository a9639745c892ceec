#!/bin/sh
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# mkinitramfs.sh OUT INIT KO BIN... [-- WORKLOAD...] - pack the guest's
# initramfs: static busybox (applets installed at boot), INIT as /init,
# the module as /ksm_ref.ko, the static programs in /bin, workloads in /wl.
set -eu
out=$1 init=$2 ko=$3
shift 3
bb=/bin/busybox
[ -x "$bb" ] || { echo "mkinitramfs: $bb missing (busybox-static)" >&2; exit 1; }
case "$(file -b "$bb" 2>/dev/null || echo static)" in
*dynamic*) echo "mkinitramfs: $bb is not static (install busybox-static)" >&2; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/sbin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/etc" \
	"$tmp/run/lock" "$tmp/wl"
cp "$bb" "$tmp/bin/busybox"
cp "$init" "$tmp/init"
chmod 0755 "$tmp/init"
cp "$ko" "$tmp/ksm_ref.ko"
dest=bin
for b in "$@"; do
	if [ "$b" = -- ]; then dest=wl; continue; fi
	cp "$b" "$tmp/$dest/"
done
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"

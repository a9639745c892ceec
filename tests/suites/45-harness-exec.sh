#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 45-harness-exec: `ksmlab exec` runs unmodified programs under the host's
# KSM, with prctl(PR_SET_MEMORY_MERGE) and with the bionic-style LD_PRELOAD
# shim, and reports merged pages from /proc/PID/ksm_stat; `ksmlab capture`
# turns a live process into a workload that replays on ref.
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin "$KSMLAB" build/libksm_preload.so build/harness/testprog_dup
need_live_ksm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${bg:-}" ] && kill "$bg" 2>/dev/null' EXIT

merged() {
	sed -n 's/.*peak ksm_merging_pages \([0-9]*\).*/\1/p' "$1"
}
exec_check() {
	local what=$1 min=$2
	shift 2
	"$KSMLAB" exec "$@" >"$tmp/out" 2>"$tmp/err" || fail "$what: exit $?: $(cat "$tmp/err")"
	m=$(merged "$tmp/err")
	[ -n "$m" ] && [ "$m" -ge "$min" ] || fail "$what: merged pages '${m}' < $min: $(cat "$tmp/err")"
	echo "ok $what: peak ksm_merging_pages $m"
}
# test program: 16 MiB (4096 pages) of 4 distinct page contents
exec_check "testprog_dup, shim" 4000 --mode shim -- build/harness/testprog_dup 16 4 3
t_shim=$m
exec_check "testprog_dup, prctl" 4000 --mode prctl -- build/harness/testprog_dup 16 4 3
t_prctl=$m
# a real Debian program: python3; prctl covers glibc malloc's memory...
exec_check "python3 bytes (glibc malloc), prctl" 4000 --mode prctl -- \
	$PY -c 'import time; a=[b"k"*(1<<20) for _ in range(16)]; time.sleep(3)'
p_prctl=$m
# ...the shim (like bionic) only sees calls to the mmap symbol: python's
# mmap module goes through it, glibc's malloc does not
exec_check "python3 mmap module, shim" 4000 --mode shim -- \
	$PY -c 'import mmap,time; m=mmap.mmap(-1, 16<<20, flags=mmap.MAP_PRIVATE); m.write(b"k"*(16<<20)); time.sleep(3)'
p_shim=$m
"$KSMLAB" exec --mode shim -- $PY -c 'import time; a=[b"k"*(1<<20) for _ in range(16)]; time.sleep(2)' 2>"$tmp/err" ||
	fail "python3 malloc shim run"
p_shim_malloc=$(merged "$tmp/err")
echo "note python3 bytes (glibc malloc) with the shim only: $p_shim_malloc merged pages (glibc maps with an internal mmap alias)"
# exit status is the program's
"$KSMLAB" exec --mode prctl -- /bin/sh -c 'exit 7' 2>/dev/null
[ $? -eq 7 ] || fail "exit status not passed through"

# capture: 8 MiB of 4 contents -> 4 classes, 2048 duplicate pages
build/harness/testprog_dup 8 4 10 >/dev/null &
bg=$!
sleep 0.5
"$KSMLAB" capture -o "$tmp/cap.wl" "$bg" || fail "capture"
kill "$bg"
bg=
grep -q '2048 duplicate pages in 4 classes' "$tmp/cap.wl" || fail "capture classes: $(grep description "$tmp/cap.wl")"
"$KSMLAB" check "$tmp/cap.wl" >/dev/null || fail "captured workload invalid"
"$KSMLAB" run -q -b ref --json "$tmp/cap.wl" >"$tmp/cap.json" || fail "replay on ref"
mp=$(jget "$tmp/cap.json" 'r["spaces"][0]["ksm_merging_pages"]')
[ "$mp" -ge 2048 ] || fail "captured workload on ref: $mp merging pages"
echo "ok capture: 4 classes of 512 pages; replay on ref merges $mp pages"
echo "SUMMARY: exec: testprog shim $t_shim / prctl $t_prctl merged pages; python3 prctl $p_prctl, shim+mmap $p_shim, shim+malloc $p_shim_malloc; capture replay $mp"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 51-knobs: every file of /sys/kernel/mm/ksm exists in ref's knob table and
# vice versa; good and bad values written to every knob in ref and (root +
# KSM) in the live kernel give the same result, errno and value read back.
# Without root or KSM only ref runs and the suite reports SKIPPED.
set -u
cd "$(dirname "$0")/../.."
bin=build/selftests/ksm_knobtable
asan=build/selftests/asan/ksm_knobtable
for b in "$bin" "$asan"; do
	[ -x "$b" ] || { echo "FAIL: $b not built (make test-build)"; exit 1; }
done
"$asan" -r >/dev/null 2>&1 || { "$asan" -r | tail -20; echo "FAIL: ref knob table under ASan+UBSan"; exit 1; }
echo "ok ref knob table under ASan+UBSan"
out=$("$bin" 2>&1)
rc=$?
echo "$out"
[ $rc -ne 0 ] && exit 1
if grep -q '^SKIPPED:' <<<"$out"; then
	exit 77
fi
exit 0

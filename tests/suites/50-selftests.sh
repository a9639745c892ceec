#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 50-selftests: the kernel's KSM selftests (ksm_tests.c modes, every
# ksm_functional_tests.c case; ksm-spec §9) on every backend: ref always,
# linux (the host's KSM, under the live-KSM lock, knobs restored) when root
# and KSM are there, kmod when /dev/ksm_ref exists.  Backends that cannot
# run show SKIP lines with the reason in the case x backend table.  Fails
# if any case fails on any backend.
set -u
cd "$(dirname "$0")/../.."
bin=build/selftests/ksm_selftests
asan=build/selftests/asan/ksm_selftests
for b in "$bin" "$asan"; do
	[ -x "$b" ] || { echo "FAIL: $b not built (make test-build)"; exit 1; }
done
# the ref column once more under ASan+UBSan (a fraction of a second)
"$asan" -b ref -s 4 >/tmp/ksm_selftests_asan.$$ 2>&1 ||
	{ cat /tmp/ksm_selftests_asan.$$; rm -f /tmp/ksm_selftests_asan.$$; echo "FAIL: ref under ASan+UBSan"; exit 1; }
echo "ok ref column under ASan+UBSan: $(grep '^SUMMARY' /tmp/ksm_selftests_asan.$$)"
rm -f /tmp/ksm_selftests_asan.$$
# the timing modes (-P/-H/-D) on 16 MiB, page counts as in the table
exec "$bin" -b ref,linux,kmod -s 16

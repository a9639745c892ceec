#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 40-harness-parser: the workload parser on good and bad input (every error
# message checked, also under ASan+UBSan), and `ksmlab check` on the
# shipped workloads and on broken files; and the differential oracle's
# judgement of a kernel rerun on made-up runs (harness/test_oracle.c).
set -u
cd "$(dirname "$0")/../.."
. harness/tests/lib.sh
need_bin build/harness/test_workload build/harness/asan/test_workload "$KSMLAB" \
	build/harness/test_oracle

build/harness/test_workload workloads/*.wl || fail "parser tests"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	build/harness/asan/test_workload workloads/*.wl >/dev/null || fail "parser tests under ASan+UBSan"

oracle=$(build/harness/test_oracle) || fail "oracle judgement: $oracle"
echo "oracle: $oracle"
out=$($KSMLAB check workloads/*.wl) || fail "ksmlab check on shipped workloads: $out"
n=$(grep -c ': ok: ' <<<"$out")
[ "$n" -eq "$(ls workloads/*.wl | wc -l)" ] || fail "ksmlab check: $n ok lines"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'seed 1\nspace a\nmap a m 4\nfill a m 2 4 zero\n' >"$tmp/bad.wl"
err=$($KSMLAB check "$tmp/bad.wl" 2>&1) && fail "bad.wl accepted"
[ "$err" = "ksmlab: $tmp/bad.wl:4: pages 2..5 are outside mapping 'm' (4 pages)" ] ||
	fail "unexpected message: $err"
printf 'seed 1\x00\n' >"$tmp/nul.wl"
err=$($KSMLAB check "$tmp/nul.wl" 2>&1) && fail "NUL file accepted"
grep -q 'contains a NUL byte' <<<"$err" || fail "NUL: $err"
err=$($KSMLAB check "$tmp/missing.wl" 2>&1) && fail "missing file accepted"
grep -q "missing.wl: cannot open: No such file" <<<"$err" || fail "missing: $err"
head -c 20000 /dev/urandom >"$tmp/random.wl"
$KSMLAB check "$tmp/random.wl" >/dev/null 2>&1 && fail "random bytes accepted"
err=$($KSMLAB run -b nope workloads/identical-1k.wl 2>&1) && fail "bad backend accepted"
grep -q "unknown backend 'nope'" <<<"$err" || fail "bad backend: $err"
echo "SUMMARY: parser: all error messages as expected, $n shipped workloads valid; oracle rerun judgement: $oracle"

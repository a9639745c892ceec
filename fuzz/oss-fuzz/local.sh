#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# local.sh - prove fuzz/oss-fuzz/build.sh outside Docker: set the variables
# as OSS-Fuzz's address build does (TOOLCHAIN.md: clang, ASan+UBSan,
# -fsanitize=fuzzer-no-link, LIB_FUZZING_ENGINE=-fsanitize=fuzzer), build
# into build/oss-fuzz/{work,out}, then run each fuzzer briefly on its seed
# corpus (unzipped) as the runner would.  OSS_FUZZ_SECONDS (default 10).
set -eu
cd "$(dirname "$0")/../.."
base=$PWD/build/oss-fuzz
rm -rf "$base"
mkdir -p "$base/work" "$base/out"
SAN="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined \
-fsanitize-address-use-after-scope -fno-sanitize-recover=undefined"
export CC=clang-14 CXX=clang++-14
command -v clang++-14 >/dev/null || CXX=clang-14
export CFLAGS="$SAN -fsanitize=fuzzer-no-link" CXXFLAGS="$SAN -fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export SRC=$PWD WORK=$base/work OUT=$base/out
bash fuzz/oss-fuzz/build.sh
secs=${OSS_FUZZ_SECONDS:-10}
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null || true)
export KSML_FUZZ_SUPPRESS
fail=0
for f in "$OUT"/*; do
	[ -x "$f" ] && [ -f "$f" ] || continue
	t=$(basename "$f")
	corpus=$base/corpus/$t
	mkdir -p "$corpus"
	[ -f "$OUT/${t}_seed_corpus.zip" ] && unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$corpus"
	if "$f" -max_total_time="$secs" -timeout=30 -print_final_stats=1 "$corpus" \
		>"$base/$t.log" 2>&1; then
		printf '%-16s ok   %s exec/s, %s seed files\n' "$t" \
			"$(awk '/average_exec_per_sec/ {print $2}' "$base/$t.log")" \
			"$(unzip -l "$OUT/${t}_seed_corpus.zip" 2>/dev/null | tail -1 | awk '{print $2}')"
	else
		fail=1
		printf '%-16s FAILED (see %s)\n' "$t" "$base/$t.log"
	fi
done
echo "SUMMARY: oss-fuzz build.sh proven locally: $(ls "$OUT" | grep -vc '\.') fuzzers in $OUT"
exit $fail

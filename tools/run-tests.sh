#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# run-tests.sh DIR - run every tests/suites/*.sh in name order.
# A suite exits 0 (passed), 77 (skipped: it prints the reason) or anything
# else (failed).  Output of each suite goes to build/test-logs/NAME.log and
# is shown on failure.  Ends with the line "N passed, N failed, N skipped".
set -u
dir=${1:-tests/suites}
logs=build/test-logs
mkdir -p "$logs"
pass=0 fail=0 skip=0
failed=() skipped=()
start_all=$(date +%s)
for s in "$dir"/*.sh; do
	name=$(basename "$s" .sh)
	[ -n "${TESTS:-}" ] && [[ ! "$name" =~ ${TESTS} ]] && continue
	t0=$(date +%s)
	printf '%-32s ' "$name"
	bash "$s" >"$logs/$name.log" 2>&1
	rc=$?
	dt=$(($(date +%s) - t0))
	case $rc in
	0) pass=$((pass + 1)); echo "PASSED  (${dt}s)"; grep -E '^(SUMMARY|RESULT):' "$logs/$name.log" | sed 's/^/    /' ;;
	77) skip=$((skip + 1)); reason=$(grep -m1 '^SKIPPED' "$logs/$name.log" || echo "SKIPPED: (no reason given)")
	    skipped+=("$name: $reason"); echo "SKIPPED (${dt}s) ${reason#SKIPPED: }" ;;
	*) fail=$((fail + 1)); failed+=("$name"); echo "FAILED  (${dt}s, exit $rc)"
	   echo "----- last lines of $logs/$name.log -----"; tail -n 40 "$logs/$name.log"; echo "-----" ;;
	esac
done
echo
echo "suites run in $(($(date +%s) - start_all))s"
for f in "${failed[@]+"${failed[@]}"}"; do echo "failed: $f"; done
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped: $s"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

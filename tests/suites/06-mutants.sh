#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 06-mutants: the core's mutants (ksm_core/mutants/NAME.patch: the
# historical KSM bugs of fuzz recall and suite 47, the bench gate's
# EXTRA_WORK) still apply to the core as it is now, strictly (apply.sh
# --dry-run: a hunk may have moved, its context must not have changed);
# every mutant fuzz/recall.sh and harness/harness.mk name has its patch;
# and the core's own sources have no mutant switch left.
set -u
cd "$(dirname "$0")/../.."
fail=0 n=0
for p in ksm_core/mutants/*.patch; do
	m=$(basename "$p" .patch)
	n=$((n + 1))
	if out=$(ksm_core/mutants/apply.sh --dry-run "$m" . 2>&1); then
		echo "ok $m applies"
	else
		echo "$out"
		echo "FAIL: mutant $m: $p does not apply to the core: refresh it (ksm_core/mutants/README.md)"
		fail=$((fail + 1))
	fi
done
# the lists the consumers keep
used="$(sed -n '/^all_mutants="/,/"$/p' fuzz/recall.sh | tr -d '\\"' | sed 's/^all_mutants=//')
$(sed -n '/^KSML_HARNESS_MUTANTS :=/,/[^\\]$/p' harness/harness.mk | tr -d '\\' | sed 's/^KSML_HARNESS_MUTANTS :=//')
EXTRA_WORK MEMORY_STALL"
used=$(tr -s '[:space:]' '\n' <<<"$used" | sort -u)
for m in $used; do
	[ -f "ksm_core/mutants/$m.patch" ] && continue
	echo "FAIL: mutant $m is used (fuzz/recall.sh, harness/harness.mk, bench) but has no ksm_core/mutants/$m.patch"
	fail=$((fail + 1))
done
if grep -rn 'KSML_BUG_\|KSML_EXTRA_WORK' ksm_core --include='*.[ch]'; then
	echo "FAIL: mutant switches in the core (above): make them patches under ksm_core/mutants/"
	fail=$((fail + 1))
fi
[ "$fail" -eq 0 ] || exit 1
echo "SUMMARY: mutants: $n patches apply to the core, $(wc -w <<<"$used") names used all have one, no switch in the core"

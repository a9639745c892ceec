#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksm_core/mutants/apply.sh [--dry-run] NAME DIR - apply the mutant
# ksm_core/mutants/NAME.patch to the tree DIR (DIR/ksm_core is a core:
# the repository itself, its copy under build/mut-src/NAME, a worktree of
# another revision).  Strict: no fuzz, no reversed or already applied
# hunk, no .orig or .rej left behind.  Exit 0 when it applied, else 1 with
# the patch's name and patch's own report.
set -u
dry=
[ "${1:-}" = --dry-run ] && { dry=--dry-run; shift; }
name=${1:?usage: apply.sh [--dry-run] NAME DIR}
dir=${2:?usage: apply.sh [--dry-run] NAME DIR}
p=$(cd "$(dirname "$0")" && pwd)/$name.patch
[ -f "$p" ] || { echo "mutant $name: no patch ksm_core/mutants/$name.patch" >&2; exit 1; }
if ! out=$(patch -d "$dir" -p1 $dry --forward --fuzz=0 --no-backup-if-mismatch \
	--reject-file=- --batch <"$p" 2>&1); then
	echo "mutant $name: ksm_core/mutants/$name.patch does not apply to $dir/ksm_core:" >&2
	sed 's/^/  /' <<<"$out" >&2
	exit 1
fi

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksm_core/mutants/refresh.sh NAME - rewrite ksm_core/mutants/NAME.patch as
# the difference of the hand-edited copy $B/mut-src/NAME/ksm_core from the
# core, keeping the patch's description (the text before its first file);
# a new NAME gets a description to fill in.  See README.md.
set -eu
cd "$(dirname "$0")/../.."
name=${1:?usage: refresh.sh NAME}
copy=${B:-build}/mut-src/$name/ksm_core
p=ksm_core/mutants/$name.patch
[ -d "$copy" ] || { echo "refresh: no copy $copy (see ksm_core/mutants/README.md)" >&2; exit 1; }
# -N: a file only on one side is diffed against an empty one
files=$(diff -rqN -x mutants -x '*.orig' -x '*.rej' ksm_core "$copy" | awk '{print $2}') || true
[ -n "$files" ] || { echo "refresh: $copy does not differ from ksm_core" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ -f "$p" ]; then
	sed '/^--- a\//,$d' "$p" >"$tmp"
else
	printf 'SPDX-License-Identifier: MIT OR GPL-2.0-only\n\n%s: what the mutant does, and who uses it.\n\n' "$name" >"$tmp"
fi
for f in $files; do
	diff -uN --label "a/$f" --label "b/$f" "$f" "$copy/${f#ksm_core/}" >>"$tmp" || true
done
cp "$tmp" "$p"
echo "refresh: wrote $p ($(grep -c '^+++ ' "$p") file(s))"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# 10-rbtree: platform red-black tree vs a sorted-array model (ASan+UBSan).
set -u
cd "$(dirname "$0")/../.."
bin=build/tests/test_rbtree
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin not built (make $bin)"
	exit 1
fi
exec "$bin" "$@"

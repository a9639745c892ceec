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
[ -x "$bin" ] || { echo "FAIL: $bin not built (make test-build)"; exit 1; }
# the timing modes (-P/-H/-D) on 16 MiB, page counts as in the table
exec "$bin" -b ref,linux,kmod -s 16

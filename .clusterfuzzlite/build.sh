#!/bin/bash -eu
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ClusterFuzzLite entry point: the project's OSS-Fuzz-style build script.
exec "$SRC/ksmlab/fuzz/oss-fuzz/build.sh"

#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# The core needs nothing but the platform contract (nm check).
exec bash tools/check-freestanding.sh

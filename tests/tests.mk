# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Core unit tests (cmocka), built with ASan+UBSan and with TSan.

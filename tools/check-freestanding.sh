#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# check-freestanding.sh - build every core object freestanding, with no
# system header at all (-ffreestanding -nostdinc), and prove with nm that
# the objects reference nothing but the platform contract of
# ksm_core/ksm_platform.h (ksml_plat_*, ksml_rb_*) and what a freestanding
# compiler may always emit (memcpy, memset, memmove, memcmp).
# Also: every global symbol the core defines starts with ksml_, and no
# core .c file tests __KERNEL__.
set -eu
cd "$(dirname "$0")/.."
CC=${CC_FREESTANDING:-gcc}
out=build/freestanding
mkdir -p "$out"
srcs=$(make -s --no-print-directory -f - print <<'MK'
include ksm_core/sources.mk
print:
	@echo $(KSML_CORE_SRCS)
MK
)
fail=0
objs=()
for s in $srcs; do
	o="$out/${s%.c}.o"
	if ! $CC -std=c11 -O2 -ffreestanding -nostdinc -fno-builtin -fno-pic -fno-pie \
		-DKSML_PLATFORM_FREESTANDING -Wall -Wextra -Werror \
		-Wno-unused-parameter -Iksm_core -c "ksm_core/$s" -o "$o"; then
		echo "FAIL: ksm_core/$s does not build freestanding"
		fail=1
	fi
	objs+=("$o")
done
[ $fail -eq 0 ] || exit 1
# one relocatable object: references between core files resolve inside it
ld -r -o "$out/ksm_core.o" "${objs[@]}"
objs=("$out/ksm_core.o")

# the contract: what ksm_platform.h declares for the platforms to provide
allowed=$(grep -oE '\bksml_(plat_[a-z0-9_]+|rb_[a-z0-9_]+)\s*\(' ksm_core/ksm_platform.h |
	  sed 's/[ (]//g' | sort -u)
allowed="$allowed memcpy memset memmove memcmp"
bad=0
for sym in $(nm -u "${objs[@]}" | awk '{print $2}' | sort -u); do
	if ! grep -qx "$sym" <<<"$(tr ' ' '\n' <<<"$allowed")"; then
		echo "FAIL: core references $sym, which is not in the platform contract"
		bad=1
	fi
done
for sym in $(nm -g --defined-only "${objs[@]}" | awk 'NF==3 {print $3}' | sort -u); do
	case "$sym" in
	ksml_*) ;;
	*) echo "FAIL: core defines global $sym without the ksml_ prefix"; bad=1 ;;
	esac
done
if grep -l '__KERNEL__' ksm_core/*.c; then
	echo "FAIL: core .c files test __KERNEL__"
	bad=1
fi
nu=$(nm -u "${objs[@]}" | awk '{print $2}' | sort -u | wc -l)
ng=$(nm -g --defined-only "${objs[@]}" | awk 'NF==3' | wc -l)
[ $bad -eq 0 ] || exit 1
echo "SUMMARY: freestanding: $(wc -w <<<"$srcs") core objects built with -ffreestanding -nostdinc; $nu undefined symbols, all in the platform contract; $ng globals, all ksml_-prefixed"

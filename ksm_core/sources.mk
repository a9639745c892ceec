# SPDX-License-Identifier: MIT OR GPL-2.0-only
# The core's translation units, shared by the userspace Makefile and Kbuild.
KSML_CORE_SRCS := ksm.c ksm_slot.c ksm_scan.c ksm_merge.c ksm_stable.c \
	ksm_unstable.c ksm_index_tree.c ksm_index_hash.c ksm_knowledge.c \
	ksm_knobs.c ksm_advisor.c ksm_check.c vmem.c \
	vmem_mm.c

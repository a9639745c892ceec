# zero-10k-uzp: the same 10000 zero pages with use_zero_pages 1: each is
# replaced by the kernel zero page (ksm_zero_pages 10000), no KSM page.
workload zero-10k-uzp
description 10000 zero pages, use_zero_pages=1
seed 4
knob use_zero_pages 1
space a
map a buf 10000 private
fill a buf 0 10000 zero
madvise a buf mergeable

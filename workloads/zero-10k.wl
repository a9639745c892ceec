# zero-10k: 10000 zero-filled pages with use_zero_pages 0: they merge like any
# identical content: 40 KSM pages (39 full + 1 with 16), one chain.
workload zero-10k
description 10000 zero pages, use_zero_pages=0
seed 4
knob use_zero_pages 0
space a
map a buf 10000 private
fill a buf 0 10000 zero
madvise a buf mergeable

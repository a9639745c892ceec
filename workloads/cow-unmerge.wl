# cow-unmerge: the kernel selftest cases "unmerge via COW" and
# MADV_UNMERGEABLE, with the lazy counter updates of ksm-spec 4.6: writes
# and MADV_UNMERGEABLE change the pages at once, but shared/sharing only
# drop when ksmd next visits the addresses.
workload cow-unmerge
description merge 2x300 pages, COW-write some, MADV_UNMERGEABLE others, zero pages with use_zero_pages
seed 12
knob use_zero_pages 1
space a
map a buf 600 private
fill a buf 0 300 same 1
fill a buf 300 300 same 2
map a z 64 private
fill a z 0 64 zero
madvise a buf mergeable
madvise a z mergeable
at 3 fill a buf 0 10 unique
at 3 madvise a buf unmergeable 300 100
at 3 madvise a z unmergeable 0 16
at 4 fill a z 16 8 unique

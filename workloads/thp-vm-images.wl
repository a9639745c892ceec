# thp-vm-images: vm-images with THP on, as qemu maps guest RAM (MADV_HUGEPAGE
# and MADV_MERGEABLE): 4 "guests" of 4096 pages (8 THPs each), 3328 pages
# equal across guests, 256 zero pages, 512 private pages each.  The first
# write of each 2 MiB range faults a THP; the first merge attempt of one
# of its subpages splits it (harness/THP.md point 3), and the split maps
# the zero-filled subpages to the shared zero page (point 5): they are no
# longer KSM's to scan.
workload thp-vm-images
description 4 guests with THP sharing most of a base image, with per-guest diffs
seed 8
thp madvise
space g1
space g2
space g3
space g4
map g1 ram 4096 private
map g2 ram 4096 private
map g3 ram 4096 private
map g4 ram 4096 private
madvise g1 ram hugepage
madvise g2 ram hugepage
madvise g3 ram hugepage
madvise g4 ram hugepage
fill g1 ram 0 4096 groups 4096 base 100000
fill g2 ram 0 4096 groups 4096 base 100000
fill g3 ram 0 4096 groups 4096 base 100000
fill g4 ram 0 4096 groups 4096 base 100000
fill g1 ram 0 256 zero
fill g2 ram 0 256 zero
fill g3 ram 0 256 zero
fill g4 ram 0 256 zero
fill g1 ram 3584 512 unique
fill g2 ram 3584 512 unique
fill g3 ram 3584 512 unique
fill g4 ram 3584 512 unique
madvise g1 ram mergeable
madvise g2 ram mergeable
madvise g3 ram mergeable
madvise g4 ram mergeable

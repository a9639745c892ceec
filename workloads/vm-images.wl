# vm-images: 4 "guests" of 4096 pages (16 MiB) booted from the same image:
# 3328 pages equal across guests, 256 zero pages each, 512 private pages each.
workload vm-images
description 4 guests sharing most of a base image, with per-guest diffs
seed 8
space g1
space g2
space g3
space g4
map g1 ram 4096 private
map g2 ram 4096 private
map g3 ram 4096 private
map g4 ram 4096 private
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

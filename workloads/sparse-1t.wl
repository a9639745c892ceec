# sparse-1t: one 1 TiB mapping with 4096 pages written in 8 islands 128 GiB
# apart, all of one set of 16 contents: 16 KSM pages, 4080 sharing.  Linux
# 6.18 walks only the populated ranges of a VMA (before, ksmd looked up
# every address, and a 32 TiB sparse mapping kept it busy for hours);
# ref's scan steps from one present PTE to the next.  The counters are
# the same either way: holes were never scanned pages.
workload sparse-1t
description a 1 TiB sparse mapping, 4096 written pages in 8 islands
seed 21
space a
map a big 268435456
fill a big 0 512 groups 16 base 100
fill a big 33554439 512 groups 16 base 100
fill a big 67108878 512 groups 16 base 100
fill a big 100663317 512 groups 16 base 100
fill a big 134217756 512 groups 16 base 100
fill a big 167772195 512 groups 16 base 100
fill a big 201326634 512 groups 16 base 100
fill a big 234881073 512 groups 16 base 100
madvise a big mergeable

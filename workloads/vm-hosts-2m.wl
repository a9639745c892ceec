# vm-hosts-2m: a machine-sized workload, 2097152 pages (8 GiB) written in
# one run: 8 guests of 1 GiB each, booted from the same image (the first
# 192 MiB of every guest are the same 64 page contents repeated), the rest
# of their memory their own.  Every backend first checks that the pages fit
# in the machine's available memory and refuses otherwise; make test leaves
# it out (SLOW_WORKLOADS), KSMLAB_SLOW=1 runs it.
workload vm-hosts-2m
description 8 guests x 1 GiB (8 GiB written), 192 MiB of each from a shared image
seed 31
space g1
space g2
space g3
space g4
space g5
space g6
space g7
space g8
map g1 ram 262144
map g2 ram 262144
map g3 ram 262144
map g4 ram 262144
map g5 ram 262144
map g6 ram 262144
map g7 ram 262144
map g8 ram 262144
fill g1 ram 0 49152 groups 64 base 700
fill g2 ram 0 49152 groups 64 base 700
fill g3 ram 0 49152 groups 64 base 700
fill g4 ram 0 49152 groups 64 base 700
fill g5 ram 0 49152 groups 64 base 700
fill g6 ram 0 49152 groups 64 base 700
fill g7 ram 0 49152 groups 64 base 700
fill g8 ram 0 49152 groups 64 base 700
fill g1 ram 49152 212992 unique
fill g2 ram 49152 212992 unique
fill g3 ram 49152 212992 unique
fill g4 ram 49152 212992 unique
fill g5 ram 49152 212992 unique
fill g6 ram 49152 212992 unique
fill g7 ram 49152 212992 unique
fill g8 ram 49152 212992 unique
madvise g1 ram mergeable
madvise g2 ram mergeable
madvise g3 ram mergeable
madvise g4 ram mergeable
madvise g5 ram mergeable
madvise g6 ram mergeable
madvise g7 ram mergeable
madvise g8 ram mergeable

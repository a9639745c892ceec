# The smallest reproducer of the open difference: 4 unique pages, forked
# twice (s0 -> s1 -> s2: every page one frame mapped 3 times), then s1 pins
# page 0 (a private pinned copy with the same content as the frame s0 and
# s2 still share).  Linux 6.18: nothing merges, 0/0/4 (s0's 4 items in the
# unstable tree).  ref: after scan 6, 1/1/3 - the frame s0 and s2 share
# becomes a KSM page with their two items.
workload found-pinfork
seed 5
space s0
map s0 m 4 private
fill s0 m 0 4 unique
madvise s0 m mergeable
at 2 fork s0 s1
at 3 fork s1 s2
at 4 pin s1 m 0

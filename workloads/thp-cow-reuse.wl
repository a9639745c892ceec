# thp-cow-reuse: the other side of thp-cow-sticky.  s1's THP is shared
# with s2 by fork, s1's PMD splits on its own write, s2 exits: s2's slot
# frees and s1's slot holds every mapping, so the folio is exclusive
# again.  s1's write of two equal pages reuses the subpages in place
# (6.15+), they stay in the large folio, and KSM's first merge of them
# only splits it: they merge a scan later than in thp-cow-sticky.  A
# 6.10-6.14 kernel copies them; one before 6.10 copies too (the folio has
# 511 references).
workload thp-cow-reuse
description a forked THP whose other mapper exited: its write faults reuse subpages in place
seed 5
knob smart_scan 0
thp always defrag always
space s1
map s1 m0 512 private
fill s1 m0 0 512 unique
madvise s1 m0 mergeable
at 1 fork s1 s2
at 1 fill s1 m0 0 1 unique
at 2 exit s2
at 3 fill s1 m0 248 2 same 1

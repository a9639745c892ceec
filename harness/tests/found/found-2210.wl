# `ksmlab gen 2210`, found by random differential testing; open.
workload found-2210
description random workload, seed 2210
seed 2210
max-scans 40
knob max_page_sharing 2
knob use_zero_pages 0
knob smart_scan 0
knob stable_node_chains_prune_millisecs 0
space s0
map s0 m0 49 private
fill s0 m0 0 2 unique
fill s0 m0 2 17 random 0.8
fill s0 m0 19 5 last8 1
fill s0 m0 24 2 random 0.7
fill s0 m0 26 5 same 1
fill s0 m0 31 3 groups 3 base 18
fill s0 m0 34 10 groups 5 base 18
fill s0 m0 44 5 groups 5 base 34
madvise s0 m0 mergeable
map s0 m1 25 private
fill s0 m1 0 7 groups 1 base 34
fill s0 m1 7 4 same 3
fill s0 m1 11 1 groups 1 base 34
fill s0 m1 12 10 groups 2 base 10
fill s0 m1 22 3 zero
madvise s0 m1 mergeable
at 1 madvise s0 m0 mergeable 17 15
at 1 fork s0 s1
at 4 fork s1 s2
at 4 fill s1 m1 21 3 groups 3 base 26
at 4 madvise s2 m1 mergeable 6 3
at 10 pin s2 m1 7
at 11 knob smart_scan 1
at 11 knob use_zero_pages 1
at 11 pin s0 m0 17
at 14 fill s1 m0 42 1 zero

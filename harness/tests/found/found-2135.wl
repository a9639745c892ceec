# `ksmlab gen 2135`, found by random differential testing; open.
workload found-2135
description random workload, seed 2135
seed 2135
max-scans 40
knob use_zero_pages 0
knob smart_scan 1
knob stable_node_chains_prune_millisecs 1000000000
space s0
map s0 m0 97 private
fill s0 m0 0 6 groups 3 base 26
fill s0 m0 6 88 groups 4 base 10
fill s0 m0 94 3 same 2
madvise s0 m0 mergeable
map s0 m1 59 private
fill s0 m1 0 22 same 3
fill s0 m1 22 36 groups 6 base 26
fill s0 m1 58 1 zero
madvise s0 m1 mergeable
map s0 m2 80 private
fill s0 m2 0 70 unique
fill s0 m2 70 9 groups 3 base 34
fill s0 m2 79 1 groups 1 base 34
madvise s0 m2 mergeable
at 2 fork s0 s1
at 2 knob use_zero_pages 0
at 6 knob smart_scan 1
at 6 fork s0 s2
at 7 munmap s0 m1
at 7 pin s1 m0 0
at 8 knob use_zero_pages 0
at 8 madvise s0 m0 unmergeable 67 17
at 10 fork s0 s3
at 10 pin s0 m2 11

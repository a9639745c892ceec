# minimized from `ksmlab gen 2008` (found by random differential testing):
# `ksmlab diff` says: trajectory differs after scan 20: pages_shared ref 8 linux 7
# (ref 8/32/0/1/7 merging 40, Linux 6.18.44 7/31/1/1/7 merging 38).  Open.
workload found-2008
description random workload, seed 2008
seed 2008
max-scans 40
knob max_page_sharing 3
knob use_zero_pages 0
knob smart_scan 1
knob stable_node_chains_prune_millisecs 1000000000
space s0
prctl s0 merge-any on
map s0 m0 22 private
fill s0 m0 5 15 unique
map s0 m1 97 private
fill s0 m1 77 20 unique
at 5 fill s0 m0 6 13 groups 1 base 26
at 8 fork s0 s1
at 11 fork s1 s2
at 12 pin s1 m1 88

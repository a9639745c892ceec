# found-3100669: minimized from `ksmlab gen 3100669` (make conformance
# CONF_SEEDS=3100600-3101999: 1399 of 1400 equal in every configuration,
# this one different in all three; the kernel repeated it on a second run).
# Fixed: see harness/tests/found/README.md.
workload found-3100669
description a THP shared by fork; the child COWs three subpages, then the parent writes two equal pages over two of them
seed 3100669
knob smart_scan 0
thp always defrag always
space s1
map s1 m0 512 private
fill s1 m0 0 512 unique
madvise s1 m0 mergeable
at 1 fork s1 s2
at 3 fill s2 m0 248 3 unique
at 3 fill s1 m0 248 2 same 1

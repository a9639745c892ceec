# fork-bypass: a process whose 512 identical pages are merged (2 full KSM
# pages) forks: the child maps the same KSM pages and, when ksmd first
# visits it, its rmap_items are appended with bypass, past max_page_sharing
# (ksm-spec 4.6 fork example).  The child then writes half of them (COW).
workload fork-bypass
description fork of a merged process: sharing beyond max_page_sharing, then COW in the child
seed 13
space p
map p buf 512 private
fill p buf 0 512 same 5
madvise p buf mergeable
at 3 fork p c
at 6 fill c buf 0 256 same 6

# thp-fork: THP and fork (harness/THP.md points 7 and 8).  The parent's
# two THPs are mapped by the child's own PMDs after fork (AnonHugePages in
# both).  THP 0 has 16 equal subpages: its first merge splits the folio
# for both processes at once.  THP 1 is all unique: a forked page is the
# same page, nothing merges, it stays whole in both.  At scan 4 the child
# writes subpage 300 of THP 1: only the child's PMD splits (one page
# copied).  At scan 6 the parent writes 8 subpages of THP 1 with THP 0's
# shared content: its PMD splits too, and the 8 copies merge.
workload thp-fork
description fork of a process with THPs: PMDs shared, a split for both on merge, COW splitting one PMD
seed 43
thp madvise
space p
map p ram 1024 private
madvise p ram hugepage
fill p ram 0 16 same 3
fill p ram 16 496 unique
fill p ram 512 512 unique
madvise p ram mergeable
fork p c
at 4 fill c ram 812 1 unique
at 6 fill p ram 700 8 same 3

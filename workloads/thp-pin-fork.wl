# thp-pin-fork: a long-term pin on one subpage pins its THP as a whole
# (folio_maybe_dma_pinned).  Fork then splits the parent's PMD and copies
# every exclusive subpage of that THP into the child, not only the pinned
# one.  A model that copied the pinned subpage alone differed from Linux
# 6.18 after scan 2 (cow_ksm ref 1, linux 512).  The pin goes at scan 2, and
# then all 2048 pages merge into the 4 groups' pages.
workload thp-pin-fork
description a THP with one pinned subpage, forked: the child gets copies of every subpage
seed 11
knob smart_scan 0
thp always defrag always
space p
map p m 1024 private
fill p m 0 1024 groups 4
madvise p m mergeable
pin p m 3
fork p c
at 2 unpin p m 3

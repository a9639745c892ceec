# thp-write-after-split: a THP that KSM split, written afterwards
# (harness/THP.md: "a write to a split page behaves as to any page"),
# in THP mode always with defrag always: no hugepage advice needed.
# THP 0 has 128 equal subpages and splits on the first merge; THP 1 is all
# unique and stays whole.  At scan 4: 64 of the merged subpages are
# rewritten with unique content (COW of KSM pages: cow_ksm), 16 of the
# split folio's unique subpages are rewritten to the shared content (they
# merge later), and 8 subpages of the still-whole THP 1 get it too (THP 1
# then splits on its first merge).  At scan 8 the whole of THP 0 is
# rewritten with zeros (small pages now: they merge as zero pages).
workload thp-write-after-split
description writes to a THP after KSM split it: COW of merged subpages, new duplicates, a whole THP splitting later
seed 42
thp always defrag always
space a
map a ram 1024 private
fill a ram 0 128 same 7
fill a ram 128 384 unique
fill a ram 512 512 unique
madvise a ram mergeable
at 4 fill a ram 0 64 unique
at 4 fill a ram 200 16 same 7
at 4 fill a ram 600 8 same 7
at 8 fill a ram 0 512 zero

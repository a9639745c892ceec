# thp-partial-dups: THPs where only some subpages are duplicates
# (harness/THP.md points 2-6).  One MADV_HUGEPAGE mapping of 4 THPs:
#   THP 0: 64 equal subpages (class 1), 448 unique: splits on the first
#          merge; two subpages of the same folio match first and merge a
#          scan later (point 4);
#   THP 1: 512 unique subpages: never merges, stays whole (AnonHugePages);
#   THP 2: 32 equal (class 2), 32 written with zeros, 192 unique, 256 never
#          written: the split maps the zero subpages to the zero page;
#   THP 3: 16 subpages equal to THP 0's (class 1) across folios, the rest
#          unique.
# A second process maps small pages (MADV_NOHUGEPAGE) of class 1 too.
workload thp-partial-dups
description THPs with some duplicate subpages, one that never merges, zero and untouched subpages
seed 41
thp madvise
space a
space b
map a ram 2048 private
map b small 64 private
madvise a ram hugepage
madvise b small nohugepage
fill a ram 0 64 same 1
fill a ram 64 448 unique
fill a ram 512 512 unique
fill a ram 1024 32 same 2
fill a ram 1056 32 zero
fill a ram 1088 192 unique
fill a ram 1536 16 same 1
fill a ram 1552 496 unique
fill b small 0 8 same 1
fill b small 8 56 unique
madvise a ram mergeable
madvise b small mergeable

# pin-prctl: merge-any (prctl) process with some pinned pages (a GUP-style
# pin makes a page unmergeable), then merge-any switched off (unmerges all).
workload pin-prctl
description prctl merge-any, 4 pinned pages, merge-any off at scan 5
seed 10
space a
prctl a merge-any on
map a buf 512 private
fill a buf 0 512 groups 8
pin a buf 0
pin a buf 1
pin a buf 64
pin a buf 65
at 5 prctl a merge-any off

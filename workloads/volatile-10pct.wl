# volatile-10pct: 100 groups of 100 pages, of which the last 1000 pages (10%)
# are rewritten with fresh content before every scan: they never pass the
# checksum test and stay volatile; the other 9000 merge (90 groups).
workload volatile-10pct
description 10000 pages in 100 groups, 10% rewritten every scan
seed 6
space a
map a buf 10000 private
fill a buf 0 10000 groups 100
madvise a buf mergeable
volatile a buf 9000 1000 every 1

# last8-10k: 10000 pages equal except in their last 8 bytes (Andrea
# Arcangeli's worst case for memcmp-ordered trees: every comparison reads
# almost the whole page, and nothing ever merges).
workload last8-10k
description 10000 pages differing only in the last 8 bytes
seed 5
space a
map a buf 10000 private
fill a buf 0 10000 last8 11
madvise a buf mergeable

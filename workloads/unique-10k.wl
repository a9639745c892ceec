# unique-10k: 10000 pages, all different: nothing merges; after the second
# scan every page sits in the unstable tree (pages_unshared 10000).
workload unique-10k
description 10000 different pages: nothing to merge
seed 3
space a
map a buf 10000 private
fill a buf 0 10000 unique
madvise a buf mergeable

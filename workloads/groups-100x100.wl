# groups-100x100: 100 contents, 100 pages each, split over two processes.
# expected shared 100, sharing 9900, no chains.
workload groups-100x100
description 100 groups of 100 identical pages in 2 processes
seed 2
space a
space b
map a buf 5000 private
map b buf 5000 private
fill a buf 0 5000 groups 100 base 1000
fill b buf 0 5000 groups 100 base 1000
madvise a buf mergeable
madvise b buf mergeable

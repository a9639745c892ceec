# identical-64k: 65536 identical pages, far more than max_page_sharing (256):
# 256 KSM pages, all dups of one stable_node chain.
# expected shared 256, sharing 65280, chains 1, dups 256.
workload identical-64k
description 65536 identical pages (256 dups of one chain)
seed 1
space a
map a buf 65536 private anon
fill a buf 0 65536 same 7
madvise a buf mergeable

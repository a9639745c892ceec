# identical-1k: 1024 pages with the same content in one address space.
# With max_page_sharing 256 this needs 4 KSM pages under one chain:
# expected shared 4, sharing 1020, chains 1, dups 4 (ksm-spec 4.6).
workload identical-1k
description 1024 identical pages, one process (4 KSM pages in a chain)
seed 1
space a
map a buf 1024 private anon
fill a buf 0 1024 same 7
madvise a buf mergeable

# identical-64k-mps2: the 64Ki identical pages of identical-64k with
# max_page_sharing=2 (its minimum): one chain of 32768 dups, two mappings
# each (ksm-spec 4.6: shared 32768, sharing 32768, chains 1, dups 32768).
workload identical-64k-mps2
description 65536 identical pages with max_page_sharing 2 (32768 dups of one chain)
seed 1
knob max_page_sharing 2
space a
map a buf 65536 private anon
fill a buf 0 65536 same 7
madvise a buf mergeable

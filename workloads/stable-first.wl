# stable-first: pages written with a KSM page's content after the merge.
# Kernels before 6.9 search the stable tree before they look at a page's
# checksum, and merge such a page on its first visit; 6.9+ looks at the
# checksum first ("don't waste time searching stable tree for fast
# changing page") and merges it on its second (harness/README.md: ref
# emulates the kernel it is compared with).  Expected: shared 1, sharing 5;
# Debian's 6.1 reaches sharing 5 after scan 4, 6.18 after scan 5.  The 10
# unique pages are unshared where there is no smart_scan (6.1), volatile
# where smart scan skips them (6.18).
workload stable-first
description pages written with a KSM page's content merge on their first visit before 6.9, their second after
seed 1
space a
map a buf 16 private
fill a buf 0 4 same 7
fill a buf 4 12 unique
madvise a buf mergeable
at 3 fill a buf 8 2 same 7

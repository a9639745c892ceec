# 64 identical pages, 4 of them pinned (vmsplice on linux, ksml_vm_pin on
# ref): a pinned page has an extra reference and is never merged.
workload pin-4
seed 21
space a
map a buf 64 private
fill a buf 0 64 same 9
pin a buf 0
pin a buf 1
pin a buf 2
pin a buf 3
madvise a buf mergeable
at 6 unpin a buf 0

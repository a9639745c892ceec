# fails on purpose at scan 3: max_page_sharing cannot change while KSM
# pages exist (-EBUSY on linux and ref alike)
workload fail-midrun
seed 22
space a
map a buf 512 private
fill a buf 0 512 same 1
madvise a buf mergeable
at 3 knob max_page_sharing 10

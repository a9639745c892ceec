# merge-any-fork: a prctl(PR_SET_MEMORY_MERGE) process forks; the child
# inherits merge-any and its KSM registration (ksm_fork), maps memory of
# its own which merges without madvise, and per-process ksm_stat shows
# both processes' merging pages.
workload merge-any-fork
description prctl merge-any inherited by a forked child, which maps and merges its own memory
seed 17
space p
prctl p merge-any on
map p buf 256 private
fill p buf 0 256 groups 4
at 2 fork p c
at 3 map c own 128 private
at 3 fill c own 0 128 same 9
at 5 fill c buf 0 64 same 11

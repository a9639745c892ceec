# prctl-slot-drop: a prctl(merge-any) process loses its last mergeable
# mapping, so ksmd drops its mm slot at the next scan; later it maps new
# memory.  ksm-spec 2.4 says the slot drop clears MMF_VM_MERGE_ANY too
# ("it silently loses MERGE_ANY"); Linux 6.18 (the "fix exec/fork
# inheritance support for prctl" change) keeps merge-any, registers the mm
# again at its next mapping and merges it (1 shared, 7 sharing).  The core
# does the same since ksmlab diff found the difference.
workload prctl-slot-drop
description merge-any process whose slot ksmd drops, then maps new memory
seed 31
space a
prctl a merge-any on
map a m 8 private
fill a m 0 8 same 1
at 3 munmap a m
at 6 map a n 8 private
at 6 fill a n 0 8 same 2

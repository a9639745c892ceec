# prctl-slot-drop: a prctl(merge-any) process loses its last mergeable
# mapping, so ksmd drops its mm slot at the next scan; later it maps new
# memory.  ksm-spec 2.4 says the slot drop clears MMF_VM_MERGE_ANY too
# ("it silently loses MERGE_ANY"), so the new mapping is never merged.
# Linux 6.18 keeps merge-any (/proc/PID/ksm_stat still says yes), registers
# the mm again and merges the new mapping (1 shared, 7 sharing).
workload prctl-slot-drop
description merge-any process whose slot ksmd drops, then maps new memory
expect-different Linux 6.18 keeps merge-any when ksmd drops the mm slot and merges later mappings; the core follows ksm-spec 2.4 and clears it (found by ksmlab diff, to be settled in the core/spec)
seed 31
space a
prctl a merge-any on
map a m 8 private
fill a m 0 8 same 1
at 3 munmap a m
at 6 map a n 8 private
at 6 fill a n 0 8 same 2

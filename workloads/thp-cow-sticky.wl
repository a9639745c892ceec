# thp-cow-sticky: a write fault on a subpage of a large folio that one
# process maps alone, but whose per-MM tracking still says "maybe shared"
# (Linux 6.15+, CONFIG_MM_ID).  The folio has two MM slots: s1 takes slot
# 0 at the fault, s2 slot 1 at the fork; s3, forked after s1's PMD split,
# gets none.  When s1 and then s2 exit, neither slot holds all of s3's
# mappings, so the bit stays set: s3's write of two equal pages copies
# them (fresh small pages, merged on their first visit) where, were the
# bit clear, it would reuse them in place (subpages of a large folio,
# whose first merge only splits it: merged a scan later, as in
# thp-cow-reuse).  Measured on 6.18: the copy.
workload thp-cow-sticky
description a THP mapped by one process after two exits, still 'maybe shared': its write faults copy
seed 5
knob smart_scan 0
thp always defrag always
space s1
map s1 m0 512 private
fill s1 m0 0 512 unique
madvise s1 m0 mergeable
at 1 fork s1 s2
at 1 fill s1 m0 0 1 unique
at 1 fork s1 s3
at 2 exit s1
at 2 exit s2
at 3 fill s3 m0 248 2 same 1

# smartscan-257: 257 identical pages with max_page_sharing 256: one KSM page
# of 256 and one leftover page that never merges.  Under smart scan the
# leftover is processed at visits 0,1,2,3,5,8,13,... and skipped in between,
# so it alternates between pages_unshared and pages_volatile.  The no-op
# event at scan 16 keeps both backends scanning long enough to compare the
# whole skip schedule (ksm-spec 3.4, 4.6).
workload smartscan-257
description 257 identical pages, the leftover follows the smart-scan skip schedule
seed 11
space a
map a buf 257 private
fill a buf 0 257 same 3
madvise a buf mergeable
at 16 knob smart_scan 1

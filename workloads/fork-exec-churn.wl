# fork-exec-churn: a server-like parent with 2000 mergeable pages forks
# short-lived children; some "exec" (drop the inherited image, map a new
# one), some write into the inherited pages (COW), all exit.
workload fork-exec-churn
description parent forks 4 children that exec, write and exit
seed 7
space p
map p heap 2000 private
fill p heap 0 2000 groups 20
madvise p heap mergeable
at 2 fork p c1
at 3 munmap c1 heap
at 3 map c1 img 500 private
at 3 fill c1 img 0 500 groups 5
at 3 madvise c1 img mergeable
at 3 fork p c2
at 4 exit c1
at 4 fill c2 heap 0 100 unique
at 5 exit c2
at 5 fork p c3
at 6 fork p c4
at 7 exit c3

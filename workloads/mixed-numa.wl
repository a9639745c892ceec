# mixed-numa: 64 groups of 32 pages, half of each group placed on node 1,
# with merge_across_nodes 0 (one stable and unstable tree per node): each
# group then needs one KSM page per node.  The first half is placed on
# node 0 too: a fill lands on the node of the CPU the writer ran on.
workload mixed-numa
description 2048 pages in 64 groups, spread over 2 NUMA nodes, merge_across_nodes=0
expect-different when node-placement-skipped this host has 1 NUMA node: linux cannot place pages on node 1, the ref backend simulates 2 nodes
seed 9
numa-nodes 2
knob merge_across_nodes 0
space a
map a buf 2048 private
fill a buf 0 1024 groups 64 base 500
fill a buf 1024 1024 groups 64 base 500
node a buf 0 1024 0
node a buf 1024 1024 1
madvise a buf mergeable

# never converges before scan 99990: for interrupt tests (SIGINT/SIGTERM/
# SIGKILL in the middle of a linux run)
workload long-run
seed 23
space a
map a buf 2048 private
fill a buf 0 2048 groups 16
madvise a buf mergeable
volatile a buf 0 256 every 1
at 99990 knob smart_scan 1

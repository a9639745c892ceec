# long-run with THP (mode always, defrag always: unlike most hosts, so a
# restore that missed them shows): for the interrupt tests of the THP
# settings (SIGKILL in the middle of a linux run, suite 43)
workload long-run-thp
seed 23
thp always defrag always
space a
map a buf 2048 private
fill a buf 0 2048 groups 16
madvise a buf mergeable
volatile a buf 0 256 every 1
at 99990 knob smart_scan 1

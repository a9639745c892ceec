#!/bin/bash
# SPDX-License-Identifier: MIT OR GPL-2.0-only
# stress.sh - replay the threaded tests many times under varied conditions
# and stop at the first failure with what is needed to replay it.
#
# One run is a whole replay of fuzz/corpus/fuzz_threads through one build
# (TSan, gcc -O2, ASan+UBSan) or one run of the threaded unit test
# (tests/test_threads, TSan), in one named configuration (faithful,
# portable, model) and under one condition:
#   quiet     nothing else running
#   load      a busy loop on every other CPU
#   cold      a large allocation touched and freed just before the run
#   pinned    every thread of the run on one CPU (preemption interleaves)
#   pinload   pinned to CPU 0 with a busy loop on CPU 0 as well
# The runs go round the builds, conditions and configurations, so every
# combination is met every 60 runs.
#
#   STRESS_RUNS=N      runs (default 300)
#   STRESS_MEMHOG_MIB  size of the cold allocation (default: a quarter of
#                      MemAvailable, at most 4096)
# Exit 0 when every run passed; 1 at the first failure, after printing the
# run's condition, configuration and the command that replays it, and
# keeping its log in build/stress/.
set -u
cd "$(dirname "$0")/.." || exit 1
FZ=${FZ:-build/fuzz}
OUT=build/stress
RUNS=${STRESS_RUNS:-300}
mkdir -p "$OUT"
corpus=fuzz/corpus/fuzz_threads
tsan_env="halt_on_error=1 exitcode=66 suppressions=$PWD/fuzz/known/tsan.supp"
KSML_FUZZ_SUPPRESS=$(grep -v '^#' fuzz/known/suppressions.txt 2>/dev/null)
export KSML_FUZZ_SUPPRESS

case $RUNS in '' | *[!0-9]*) echo "stress: STRESS_RUNS=$RUNS is not a number" >&2; exit 2 ;; esac
for b in "$FZ/replay/fuzz_threads-tsan" "$FZ/gcc/fuzz_threads" "$FZ/replay/fuzz_threads" \
	build/tests/test_threads "$FZ/stress_memhog"; do
	[ -x "$b" ] || { echo "stress: $b not built (make stress builds it)" >&2; exit 2; }
done
ncpu=$(nproc)
if [ -n "${STRESS_MEMHOG_MIB:-}" ]; then
	hog_mib=$STRESS_MEMHOG_MIB
else
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	hog_mib=$((avail / 4))
	[ "$hog_mib" -gt 4096 ] && hog_mib=4096
	[ "$hog_mib" -lt 64 ] && hog_mib=64
fi
# clang-14's TSan cannot map its shadow with 32 bits of mmap ASLR
norand=""
[ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null)" = 32 ] && norand="setarch $(uname -m) -R"

builds=(tsan gcc asan unit)
conds=(quiet load cold pinned pinload)
configs=(faithful portable model)
loaders=()
stop_load() {
	local p
	for p in "${loaders[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${loaders[@]}"; do wait "$p" 2>/dev/null; done
	loaders=()
}
trap 'stop_load' EXIT
trap 'stop_load; exit 130' INT TERM
start_load() { # CPUs to load
	local c
	for c in "$@"; do
		taskset -c "$c" sh -c 'while :; do :; done' &
		loaders+=($!)
	done
}

# the command of one run, as a replayable line
command_of() { # build config
	local idx=$2
	case $1 in
	tsan) echo "env KSML_FUZZ_CONFIG=$idx TSAN_OPTIONS='$tsan_env' $norand $FZ/replay/fuzz_threads-tsan -q $corpus" ;;
	gcc) echo "env KSML_FUZZ_CONFIG=$idx $FZ/gcc/fuzz_threads -q $corpus" ;;
	asan) echo "env KSML_FUZZ_CONFIG=$idx $FZ/replay/fuzz_threads -q $corpus" ;;
	unit) echo "env KSML_TEST_CONFIG=$idx TSAN_OPTIONS='halt_on_error=1 exitcode=66' $norand build/tests/test_threads" ;;
	esac
}

start=$(date +%s)
declare -A count
for ((i = 0; i < RUNS; i++)); do
	b=${builds[i % 4]}
	c=${conds[(i / 4) % 5]}
	k=${configs[(i / 20) % 3]}
	cmd=$(command_of "$b" "$k")
	pin=""
	case $c in
	load) [ "$ncpu" -gt 1 ] && start_load $(seq 1 $((ncpu - 1))) ;;
	cold) "$FZ/stress_memhog" "$hog_mib" || { echo "stress: memhog of $hog_mib MiB failed" >&2; exit 2; } ;;
	pinned) pin="taskset -c 0" ;;
	pinload) pin="taskset -c 0"; start_load 0 ;;
	esac
	log=$OUT/run-$i.log
	eval "$pin $cmd" >"$log" 2>&1
	rc=$?
	stop_load
	if [ $rc -ne 0 ]; then
		echo "stress: run $((i + 1)) of $RUNS FAILED (exit $rc): build $b, configuration $k, condition $c"
		grep -m1 '^replay: FAILED on input' "$log"
		grep -m3 'FAILURE\|WARNING\|ERROR' "$log"
		echo "replay the whole run:  ${pin:+$pin }$cmd"
		echo "log kept: $log"
		cp "$log" "$OUT/failure.log"
		exit 1
	fi
	rm -f "$log"
	count[$b/$k/$c]=$((${count[$b/$k/$c]:-0} + 1))
	if [ $(((i + 1) % 20)) -eq 0 ]; then
		echo "stress: $((i + 1))/$RUNS runs passed ($(($(date +%s) - start)) s)"
	fi
done
combos=${#count[@]}
echo "SUMMARY: stress: $RUNS threaded runs passed, 0 failed, over $combos build/configuration/condition combinations" \
	"(builds: ${builds[*]}; configurations: ${configs[*]}; conditions: ${conds[*]}; cold = $hog_mib MiB) in $(($(date +%s) - start)) s"

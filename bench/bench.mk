# SPDX-License-Identifier: MIT OR GPL-2.0-only
# bench/bench.mk - ksmlab's benchmarks (included by the top-level Makefile).
#
#   make bench                 all benchmarks, JSON + table + plots + report
#                              under bench/results/ (about 17 min here:
#                              bench/README.md says what costs what)
#   make bench-build           only the binaries, in build/bench/
#   make bench-compare BASE=<git rev>
#                              regression gate of this tree against BASE:
#                              U test on wall clock, callgrind Ir, counters
#
# Switches, each defined once:
#   BENCH_QUICK=1        short run (smoke tests)
#   BENCH_PAGES=N        pages per macro workload (default 262144 = 1 GiB)

BB := $(B)/bench
BENCH_CORE_LIB ?= $(LIB_A)

BENCH_GIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell \
	git diff --quiet HEAD -- ksm_core bench 2>/dev/null || echo -dirty)
# bench-compare links the same bench sources against a base tree's core
BENCH_CORE_INC ?= $(CORE_DIR)
BENCH_CFLAGS := $(CSTD) -O2 -g $(KWARN) -I$(BENCH_CORE_INC) -Ibench -Iharness $(DEFS) $(PKG_CFLAGS) \
	$(shell pkg-config --cflags hwloc 2>/dev/null)
BENCH_CXXFLAGS := -std=c++11 -O2 -g -Wall -Wextra -Werror -Ibench
BENCH_LIBS := -lbenchmark -lpthread $(shell pkg-config --libs hwloc 2>/dev/null || \
	echo -lhwloc) $(PKG_LIBS)

BENCH_BINS := $(BB)/bench_micro $(BB)/bench_scan $(BB)/bench_wl
BENCH_HDRS := bench/gbench_c.h bench/bench_ctx.h bench/bench_live.h bench/bench_scan.h \
	$(wildcard harness/*.h) \
	$(CORE_HDR)

.PHONY: bench bench-build bench-bins bench-compare bench-ctx-force bench-print-dir

# its packages first, as make bench does: a fresh machine lacks xxhash.h and
# Google Benchmark
bench-build: deps-bench
	@$(MAKE) --no-print-directory bench-bins
bench-bins: $(BENCH_BINS)

$(BB)/gbench_c.o: bench/gbench_c.cc bench/gbench_c.h
	@mkdir -p $(BB)
	$(CXX) $(BENCH_CXXFLAGS) -c $< -o $@

# the context object records the commit and flags: rebuilt every time
$(BB)/bench_ctx.o: bench/bench_ctx.c $(BENCH_HDRS) bench-ctx-force
	@mkdir -p $(BB)
	@$(CC_USER) $(BENCH_CFLAGS) -DKSML_BENCH_GIT='"$(BENCH_GIT)"' \
		-DKSML_BENCH_CFLAGS='"$(CC_USER) -O2 -g DEFS=$(DEFS)"' \
		-DKSML_BENCH_DEFS='"$(DEFS)"' -c $< -o $@
bench-ctx-force:

$(BB)/%.o: bench/%.c $(BENCH_HDRS)
	@mkdir -p $(BB)
	$(CC_USER) $(BENCH_CFLAGS) -c $< -o $@

$(BB)/bench_micro: $(BB)/bench_micro.o $(BB)/bench_ctx.o $(BB)/gbench_c.o $(BENCH_CORE_LIB)
	$(CXX) -o $@ $(filter %.o %.a,$^) $(BENCH_LIBS)

# the live-KSM rules (lock, save/restore, SIGKILL repair) are the harness's
$(BB)/bench_scan: $(BB)/bench_scan.o $(BB)/bench_live.o $(BB)/bench_numa.o \
		$(BB)/bench_ctx.o $(BB)/gbench_c.o $(B)/harness/live.o $(BENCH_CORE_LIB)
	$(CXX) -o $@ $(filter %.o %.a,$^) $(BENCH_LIBS)

# the shipped workloads through the harness's driver and runner
$(BB)/bench_wl: $(BB)/bench_wl.o $(BB)/bench_ctx.o $(BB)/gbench_c.o \
		$(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) $(BENCH_CORE_LIB)
	$(CXX) -o $@ $(filter %.o %.a,$^) $(BENCH_LIBS)

bench: deps-bench
	@$(MAKE) --no-print-directory bench-build && BB=$(BB) bench/run.sh

bench-compare: deps-bench
	@test -n "$(BASE)" || { echo "usage: make bench-compare BASE=<git rev>" >&2; exit 2; }
	@bench/compare.sh "$(BASE)"

# where bench-build puts the binaries (for scripts)
bench-print-dir:
	@echo $(BB)

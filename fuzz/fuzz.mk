# SPDX-License-Identifier: MIT OR GPL-2.0-only
# fuzz/fuzz.mk - fuzz targets, their engines and their corpora.
#
#   make fuzz FUZZ_SECONDS=N   every target in turn, N seconds each (libFuzzer)
#   make fuzz-build            the libFuzzer binaries (clang, ASan+UBSan)
#   make fuzz-afl              the same targets for AFL++ (afl-clang-fast)
#   make fuzz-afl-run FUZZ_SECONDS=N   afl-fuzz each target for N seconds
#   make fuzz-replay           replay every corpus file (ASan+UBSan, TSan, gcc)
#   make fuzz-coverage         line/branch coverage of ksm_core by the corpus
#   make fuzz-recall           mutants (ksm_core/mutants/) vs the fuzzers, as a table
#   make fuzz-corpus           regenerate seed corpora by short runs + merge
#
# Builds, each in its own directory under $(FZ):
#   lf/        libFuzzer: core built with -fsanitize=fuzzer-no-link,address,undefined
#   lf-tsan/   libFuzzer + TSan, for fuzz_threads
#   replay/    regression_driver.c + $(LIB_ASAN) / $(LIB_TSAN): what `make test` runs
#   gcc/       regression_driver.c + gcc -O2 build of the core (no sanitizer)
#   afl/       afl-clang-fast builds (ASan+UBSan), libFuzzer-style harness
#   cov/       clang source-based coverage (-fprofile-instr-generate)
# The sim targets (fuzz_race) build the core with -DKSML_PLATFORM_SIM
# against platform/sim instead of platform/user.

FUZZ_VARIANT ?=
FZ := $(B)/fuzz$(if $(FUZZ_VARIANT),-$(FUZZ_VARIANT))
FUZZ_SECONDS ?= 60
FUZZ_RECALL_SECONDS ?= 600
FUZZ_RECALL_FROM_SCRATCH ?= 0
FUZZ_RECALL_SEEDS ?= 1
FUZZ_RECALL_JOBS ?= 1
AFL_CC ?= afl-clang-fast
LLVM_PROFDATA ?= llvm-profdata-14
LLVM_COV ?= llvm-cov-14

FUZZ_USER_TARGETS := fuzz_ops fuzz_trees fuzz_threads
FUZZ_SIM_TARGETS := fuzz_race
# the workload parser target exists once the harness has its parser
FUZZ_WL_TARGETS := $(if $(wildcard harness/workload.c harness/workload.h),fuzz_workload)
FUZZ_TARGETS := $(FUZZ_USER_TARGETS) $(FUZZ_SIM_TARGETS) $(FUZZ_WL_TARGETS)

SIM_DIR := $(CORE_DIR)/platform/sim
SIM_HDR := $(wildcard $(SIM_DIR)/*.h)
SIM_SRC := $(CORE_SRC) $(CORE_DIR)/platform/user/rbtree.c $(SIM_DIR)/platform_sim.c
FUZZ_HDR := $(wildcard fuzz/*.h) $(CORE_HDR) $(SIM_HDR)
FUZZ_INC := -Ifuzz -I$(CORE_DIR)
WL_SRC := harness/workload.c
# the harness's own rules: it may define _GNU_SOURCE itself, big frames ok
WL_FLAGS := $(if $(shell grep -ls '^\#define _GNU_SOURCE' $(WL_SRC)),-U_GNU_SOURCE) \
	-Wframe-larger-than=16384

LF_FLAGS := -fsanitize=fuzzer-no-link
# With TSan, clang 14's inline 8-bit coverage counters are plain stores
# that every thread makes, which TSan reports as races (and libFuzzer 14
# dropped trace-pc-guard).  So the TSan build instruments only the decoding
# of the programs (main thread, fuzz/tsan-coverage.allow): libFuzzer is
# guided by which operations an input holds, and TSan watches the threads.
LF_TSAN_FLAGS := -fsanitize=fuzzer-no-link -fsanitize-coverage-allowlist=fuzz/tsan-coverage.allow
CFLAGS_GCC := $(CSTD) -O2 -g $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)
CFLAGS_COV := $(CSTD) -O1 -g -fprofile-instr-generate -fcoverage-mapping \
	$(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)
# AFL++ instruments and links its own way; sanitizers as the libFuzzer build
CFLAGS_AFL := $(CSTD) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)

# ---------------------------------------------------------------- objects
# $(call fuzz_objs,dir,sources)
fuzz_objs = $(patsubst %.c,$(FZ)/$(1)/%.o,$(2))

LF_USER_OBJ   := $(call fuzz_objs,lf/user,$(CORE_SRC) $(USER_SRC))
LF_SIM_OBJ    := $(call fuzz_objs,lf/sim,$(SIM_SRC))
LFT_USER_OBJ  := $(call fuzz_objs,lf-tsan/user,$(CORE_SRC) $(USER_SRC))
ASAN_SIM_OBJ  := $(call fuzz_objs,replay/sim,$(SIM_SRC))
GCC_USER_OBJ  := $(call fuzz_objs,gcc/user,$(CORE_SRC) $(USER_SRC))
GCC_SIM_OBJ   := $(call fuzz_objs,gcc/sim,$(SIM_SRC))
AFL_USER_OBJ  := $(call fuzz_objs,afl/user,$(CORE_SRC) $(USER_SRC))
AFL_SIM_OBJ   := $(call fuzz_objs,afl/sim,$(SIM_SRC))
COV_USER_OBJ  := $(call fuzz_objs,cov/user,$(CORE_SRC) $(USER_SRC))
COV_SIM_OBJ   := $(call fuzz_objs,cov/sim,$(SIM_SRC))

$(FZ)/lf/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(LF_FLAGS) -c $< -o $@
$(FZ)/lf/sim/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(LF_FLAGS) -DKSML_PLATFORM_SIM -c $< -o $@
$(FZ)/lf-tsan/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_TSAN) -c $< -o $@
$(FZ)/replay/sim/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) -DKSML_PLATFORM_SIM -c $< -o $@
$(FZ)/gcc/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(CFLAGS_GCC) -c $< -o $@
$(FZ)/gcc/sim/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(CFLAGS_GCC) -DKSML_PLATFORM_SIM -c $< -o $@
$(FZ)/afl/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CFLAGS_AFL) -c $< -o $@
$(FZ)/afl/sim/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CFLAGS_AFL) -DKSML_PLATFORM_SIM -c $< -o $@
$(FZ)/cov/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_COV) -c $< -o $@
$(FZ)/cov/sim/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_COV) -DKSML_PLATFORM_SIM -c $< -o $@

# ------------------------------------------------------------ binaries
# Each target: fuzz/<t>.c; the sim ones add -DKSML_PLATFORM_SIM; the
# workload one links only the parser.
fuzz_is_sim = $(filter $(1),$(FUZZ_SIM_TARGETS))
fuzz_is_wl = $(filter $(1),$(FUZZ_WL_TARGETS))
fuzz_defs = $(if $(call fuzz_is_sim,$(1)),-DKSML_PLATFORM_SIM)
fuzz_libs = $(if $(call fuzz_is_sim,$(1))$(call fuzz_is_wl,$(1)),-lpthread,$(PKG_LIBS))
# $(call fuzz_core,flavour,target): core objects of that flavour
fuzz_core = $(if $(call fuzz_is_wl,$(2)),$(call fuzz_objs,$(1)/wl,$(WL_SRC)),$(if $(call fuzz_is_sim,$(2)),$($(3)_SIM_OBJ),$($(3)_USER_OBJ)))

FUZZ_LF_BIN     := $(addprefix $(FZ)/lf/,$(FUZZ_TARGETS)) $(FZ)/lf/fuzz_threads-tsan
FUZZ_REPLAY_BIN := $(addprefix $(FZ)/replay/,$(FUZZ_TARGETS)) $(FZ)/replay/fuzz_threads-tsan
FUZZ_GCC_BIN    := $(addprefix $(FZ)/gcc/,$(FUZZ_TARGETS))
FUZZ_AFL_BIN    := $(addprefix $(FZ)/afl/,$(FUZZ_TARGETS))
FUZZ_COV_BIN    := $(addprefix $(FZ)/cov/,$(FUZZ_TARGETS))

$(FZ)/lf/wl/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(WL_FLAGS) $(LF_FLAGS) -c $< -o $@
$(FZ)/replay/wl/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(WL_FLAGS) -c $< -o $@
$(FZ)/gcc/wl/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(CFLAGS_GCC) $(WL_FLAGS) -c $< -o $@
$(FZ)/afl/wl/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CFLAGS_AFL) $(WL_FLAGS) -c $< -o $@
$(FZ)/cov/wl/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_COV) $(WL_FLAGS) -c $< -o $@

# $(call fuzz_target_rules,target): the five binaries of one target
define fuzz_target_rules
$(FZ)/lf/$(1): fuzz/$(1).c $(call fuzz_core,lf,$(1),LF) $(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	$(CLANG) $(CFLAGS_ASAN) $(FUZZ_INC) $(call fuzz_defs,$(1)) -fsanitize=fuzzer \
		$$< $(call fuzz_core,lf,$(1),LF) -o $$@ $(call fuzz_libs,$(1))

# replay (make test): ASan+UBSan
$(FZ)/replay/$(1): fuzz/$(1).c fuzz/regression_driver.c $(call fuzz_replay_core,$(1)) $(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	$(CLANG) $(CFLAGS_ASAN) $(FUZZ_INC) $(call fuzz_defs,$(1)) $$< fuzz/regression_driver.c \
		$(call fuzz_replay_core,$(1)) -o $$@ $(call fuzz_libs,$(1))

# gcc, no sanitizer: the corpus is a plain regression test too
$(FZ)/gcc/$(1): fuzz/$(1).c fuzz/regression_driver.c $(call fuzz_core,gcc,$(1),GCC) $(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	$(CC_USER) $(CFLAGS_GCC) $(FUZZ_INC) $(call fuzz_defs,$(1)) $$< fuzz/regression_driver.c \
		$(call fuzz_core,gcc,$(1),GCC) -o $$@ $(call fuzz_libs,$(1))

# AFL++: persistent mode through its libFuzzer-compatible driver
$(FZ)/afl/$(1): fuzz/$(1).c $(call fuzz_core,afl,$(1),AFL) $(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	AFL_QUIET=1 $(AFL_CC) $(CFLAGS_AFL) $(FUZZ_INC) $(call fuzz_defs,$(1)) -fsanitize=fuzzer \
		$$< $(call fuzz_core,afl,$(1),AFL) -o $$@ $(call fuzz_libs,$(1))

# source-based coverage, driven by the replay main
$(FZ)/cov/$(1): fuzz/$(1).c fuzz/regression_driver.c $(call fuzz_core,cov,$(1),COV) $(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	$(CLANG) $(CFLAGS_COV) $(FUZZ_INC) $(call fuzz_defs,$(1)) $$< fuzz/regression_driver.c \
		$(call fuzz_core,cov,$(1),COV) -o $$@ $(call fuzz_libs,$(1))
endef

# the replay of user-platform targets reuses the top-level $(LIB_ASAN)
fuzz_replay_core = $(if $(call fuzz_is_sim,$(1))$(call fuzz_is_wl,$(1)),$(call fuzz_core,replay,$(1),ASAN),$(LIB_ASAN))

$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target_rules,$(t))))

$(FZ)/lf/fuzz_threads-tsan: fuzz/fuzz_threads.c $(LFT_USER_OBJ) $(FUZZ_HDR) fuzz/tsan-coverage.allow
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_TSAN) $(FUZZ_INC) $(LF_TSAN_FLAGS) -c $< -o $(FZ)/lf-tsan/fuzz_threads.o
	$(CLANG) $(CFLAGS_TSAN) -fsanitize=fuzzer $(FZ)/lf-tsan/fuzz_threads.o $(LFT_USER_OBJ) \
		-o $@ $(PKG_LIBS)
$(FZ)/replay/fuzz_threads-tsan: fuzz/fuzz_threads.c fuzz/regression_driver.c $(LIB_TSAN) $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_TSAN) $(FUZZ_INC) $< fuzz/regression_driver.c $(LIB_TSAN) -o $@ $(PKG_LIBS)

# the sim platform's own proof (determinism, interleavings, lock rules)
$(FZ)/replay/sim_selftest: fuzz/sim_selftest.c $(SIM_DIR)/platform_sim.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(FUZZ_INC) -DKSML_PLATFORM_SIM fuzz/sim_selftest.c \
		$(SIM_DIR)/platform_sim.c -o $@

TEST_BUILD += $(FUZZ_REPLAY_BIN) $(FUZZ_GCC_BIN) $(FZ)/replay/sim_selftest $(FZ)/gcc/fuzz_diff

# fuzz_diff: ref (the core, instrumented) against the live kernel through
# the harness's oracle; a libFuzzer build and a gcc replay build.  No
# ASan here: the linux backend's workers are forks of the fuzzer, and
# with merge-any a worker takes MADV_UNMERGEABLE back from every VMA not
# the workload's, which for ASan's terabytes of shadow takes forever.
DIFF_SRC := fuzz/fuzz_diff.c $(addprefix harness/,oracle.c driver.c runner.c live.c \
	backend_ref.c backend_linux.c backend_kmod.c capture.c wlgen.c workload.c)
DIFF_FLAGS := -Iharness -Wframe-larger-than=65536
CFLAGS_LFD := $(CSTD) -O1 -g $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS) $(LF_FLAGS)
LFD_USER_OBJ := $(call fuzz_objs,lf-diff/user,$(CORE_SRC) $(USER_SRC))
$(FZ)/lf-diff/user/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_LFD) -c $< -o $@
$(FZ)/lf/fuzz_diff: $(DIFF_SRC) $(LFD_USER_OBJ) $(wildcard harness/*.h) $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) -O1 -g $(KWARN) -I$(CORE_DIR) $(PKG_CFLAGS) $(FUZZ_INC) $(DIFF_FLAGS) \
		-fsanitize=fuzzer $(DIFF_SRC) $(LFD_USER_OBJ) -o $@ $(PKG_LIBS)
$(FZ)/gcc/fuzz_diff: $(DIFF_SRC) fuzz/regression_driver.c $(LIB_A) $(wildcard harness/*.h)
	@mkdir -p $(dir $@)
	$(CC_USER) $(CFLAGS_GCC) $(FUZZ_INC) $(DIFF_FLAGS) $(DIFF_SRC) fuzz/regression_driver.c \
		$(LIB_A) -o $@ $(PKG_LIBS)

$(FZ)/stress_memhog: fuzz/stress_memhog.c
	@mkdir -p $(dir $@)
	$(CC_USER) $(CSTD) -O1 -Wall -Wextra -Werror $< -o $@

# ------------------------------------------------------------- commands
.PHONY: fuzz fuzz-build fuzz-build-recall fuzz-afl fuzz-afl-run fuzz-replay fuzz-coverage \
	fuzz-recall fuzz-corpus fuzz-oss-local stress

# the threaded replays, many times under varied conditions (fuzz/stress.sh)
STRESS_RUNS ?= 300
stress: deps-test
	@$(MAKE) --no-print-directory -j$(NPROC) $(FZ)/replay/fuzz_threads-tsan \
		$(FZ)/gcc/fuzz_threads $(FZ)/replay/fuzz_threads $(B)/tests/test_threads \
		$(FZ)/stress_memhog
	@FZ=$(FZ) STRESS_RUNS=$(STRESS_RUNS) fuzz/stress.sh

fuzz-build: $(FUZZ_LF_BIN)
# what fuzz/recall.sh needs of each mutant: the core's libFuzzer targets
fuzz-build-recall: $(addprefix $(FZ)/lf/,$(FUZZ_USER_TARGETS) $(FUZZ_SIM_TARGETS))
fuzz-afl: $(FUZZ_AFL_BIN)

fuzz: deps-test
	@$(MAKE) --no-print-directory fuzz-build
	@FZ=$(FZ) TARGETS="$(FUZZ_TARGETS)" fuzz/run-fuzzers.sh libfuzzer $(FUZZ_SECONDS)

fuzz-afl-run: fuzz-afl
	@FZ=$(FZ) TARGETS="$(FUZZ_TARGETS)" fuzz/run-fuzzers.sh afl $(FUZZ_SECONDS)

fuzz-replay: $(FUZZ_REPLAY_BIN) $(FUZZ_GCC_BIN) $(FZ)/replay/sim_selftest
	@FZ=$(FZ) TARGETS="$(FUZZ_TARGETS)" fuzz/replay-all.sh

fuzz-coverage: $(FUZZ_COV_BIN)
	@FZ=$(FZ) TARGETS="$(FUZZ_TARGETS)" LLVM_PROFDATA=$(LLVM_PROFDATA) \
		LLVM_COV=$(LLVM_COV) CORE_SRC="$(CORE_SRC)" fuzz/coverage.sh

fuzz-recall:
	@MAKE="$(MAKE)" B=$(B) FUZZ_RECALL_SECONDS=$(FUZZ_RECALL_SECONDS) \
		FUZZ_RECALL_FROM_SCRATCH=$(FUZZ_RECALL_FROM_SCRATCH) \
		FUZZ_RECALL_SEEDS=$(FUZZ_RECALL_SEEDS) FUZZ_RECALL_JOBS=$(FUZZ_RECALL_JOBS) \
		TARGETS="$(FUZZ_TARGETS)" fuzz/recall.sh $(FUZZ_RECALL_MUTANTS)

fuzz-corpus: fuzz-build
	@FZ=$(FZ) TARGETS="$(FUZZ_TARGETS)" fuzz/gen-corpus.sh $(FUZZ_SECONDS)

# fuzz/oss-fuzz/build.sh with the variables OSS-Fuzz sets (TOOLCHAIN.md)
fuzz-oss-local:
	@fuzz/oss-fuzz/local.sh

# SPDX-License-Identifier: MIT OR GPL-2.0-only
# harness: the ksmlab command, the LD_PRELOAD shim, and the harness tests.
# Included by the top-level Makefile (uses CC_USER, CSTD, KWARN, PKG_CFLAGS,
# PKG_LIBS, LIB_A, B).

KSMLAB_BIN := $(B)/ksmlab
KSML_PRELOAD := $(B)/libksm_preload.so
# the top-level `all: ... $(KSMLAB_BIN)` is read before this file is
# included (KSMLAB_BIN still empty there): add the prerequisite here
all: $(KSMLAB_BIN)
HARNESS_DIR := harness
# userspace tools: the kernel's stack-frame limit does not apply
HARNESS_CFLAGS := $(CSTD) -O2 -g $(KWARN) -Wframe-larger-than=65536 \
	-I$(CORE_DIR) -I$(HARNESS_DIR) $(PKG_CFLAGS)
HARNESS_HDR := $(wildcard $(HARNESS_DIR)/*.h) $(CORE_DIR)/ksml.h $(CORE_DIR)/vmem.h \
	$(CORE_DIR)/ksm_platform.h

# objects that need no core
HARNESS_WL_OBJ := $(B)/harness/workload.o
# the driver, runner and backends
HARNESS_DRV_OBJ := $(addprefix $(B)/harness/,driver.o runner.o live.o \
	backend_ref.o backend_linux.o backend_kmod.o capture.o wlgen.o oracle.o ktap.o)
# the command itself (also the kmod guest's static ksmlab, kmod.mk)
KSMLAB_OBJ := $(addprefix $(B)/harness/,ksmlab.o diff.o)

$(B)/harness/%.o: $(HARNESS_DIR)/%.c $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(HARNESS_CFLAGS) -c $< -o $@

$(KSMLAB_BIN): $(KSMLAB_OBJ) $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) $(LIB_A) $(KSML_PRELOAD)
	$(CC_USER) -o $@ $(KSMLAB_OBJ) $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) \
		$(LIB_A) $(PKG_LIBS)

# the shim exports mmap/mmap64 (interposed libc names): no -Wmissing-prototypes
$(KSML_PRELOAD): $(HARNESS_DIR)/preload.c
	@mkdir -p $(dir $@)
	$(CC_USER) $(CSTD) -O2 -g -fPIC -shared -Wall -Wextra -Werror -o $@ $<

$(B)/harness/testprog_dup: $(HARNESS_DIR)/testprog_dup.c
	@mkdir -p $(dir $@)
	$(CC_USER) $(CSTD) -O2 -g -Wall -Wextra -Werror -o $@ $<

# parser tests: plain C, no core needed
$(B)/harness/test_workload: $(HARNESS_DIR)/test_workload.c $(HARNESS_WL_OBJ)
	@mkdir -p $(dir $@)
	$(CC_USER) $(HARNESS_CFLAGS) -o $@ $< $(HARNESS_WL_OBJ)

# parser under ASan+UBSan (bad input must never crash)
$(B)/harness/asan/test_workload: $(HARNESS_DIR)/test_workload.c $(HARNESS_DIR)/workload.c $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined $(KWARN) -Wframe-larger-than=65536 -I$(HARNESS_DIR) $(PKG_CFLAGS) \
		-o $@ $(HARNESS_DIR)/test_workload.c $(HARNESS_DIR)/workload.c

.PHONY: harness
harness: $(KSMLAB_BIN) $(KSML_PRELOAD) $(B)/harness/testprog_dup $(B)/harness/test_workload

TEST_BUILD += $(KSMLAB_BIN) $(KSML_PRELOAD) $(B)/harness/testprog_dup \
	$(B)/harness/test_workload $(B)/harness/asan/test_workload

# the driver API used directly (ref always; linux when root and KSM)
$(B)/harness/test_driver: $(HARNESS_DIR)/test_driver.c $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC_USER) $(HARNESS_CFLAGS) -o $@ $< $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) \
		$(LIB_A) $(PKG_LIBS)

TEST_BUILD += $(B)/harness/test_driver

# the oracle's judgement on made-up runs (no backend runs)
$(B)/harness/test_oracle: $(HARNESS_DIR)/test_oracle.c $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC_USER) $(HARNESS_CFLAGS) -o $@ $< $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) \
		$(LIB_A) $(PKG_LIBS)

TEST_BUILD += $(B)/harness/test_oracle

# Mutants of the core (historical KSM bugs, ksm_core/mutants/NAME.patch)
# built with the harness, each from its patched copy of the core, for suite
# 47: the differential oracle must catch each one.
# SMART_SCAN_OFF_BY_ONE is a policy bug: it breaks no invariant, so no
# fuzzer's internal oracle sees it; only the kernel's counters do.
KSML_HARNESS_MUTANTS := NO_CHECKSUM_FILTER MERGE_PINNED OLD_UNSTABLE_ITEM \
	SMART_SCAN_OFF_BY_ONE
.PHONY: harness-mutants
harness-mutants: $(LIB_A) $(foreach m,$(KSML_HARNESS_MUTANTS),$(call mutant_stamp,$(m)))
	@for m in $(KSML_HARNESS_MUTANTS); do \
		$(MAKE) --no-print-directory B=$(B)/mut/$$m CORE_DIR=$(call mutant_core,$$m) \
			$(B)/mut/$$m/ksmlab >/dev/null || exit 1; \
	done

TEST_BUILD += harness-mutants

# the differential campaign: random workloads x configurations vs the live
# kernel (harness/conformance.sh; CONF_SEEDS=FIRST-LAST, CONF_CONFIGS)
.PHONY: conformance
conformance: deps $(KSMLAB_BIN)
	@harness/conformance.sh

# the THP probe: measures the host kernel's KSM on huge pages (harness/THP.md)
# (the core's library only for the knob table's defaults)
$(B)/harness/thp_probe: $(B)/harness/thp_probe.o $(B)/harness/live.o $(LIB_A)
	$(CC_USER) -o $@ $^ $(PKG_LIBS)
harness: $(B)/harness/thp_probe

# kselftest's entry point name (tools/testing/selftests: make run_tests):
# the conformance set against the live kernel, KTAP, exit 0/1/4
.PHONY: run_tests
run_tests: $(KSMLAB_BIN)
	$(KSMLAB_BIN) selftest --dir workloads

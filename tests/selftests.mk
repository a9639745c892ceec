# SPDX-License-Identifier: MIT OR GPL-2.0-only
# The kernel's KSM selftests re-expressed over ref, linux and kmod
# (tests/selftests/ksm_selftests, through the harness driver), and the
# knob table test (tests/selftests/ksm_knobtable).  Both use the release
# core and the harness's live-KSM lock/save/restore (harness/live.c).
ST_DIR := tests/selftests
ST_CFLAGS := $(CSTD) -O2 -g $(KWARN) -Wframe-larger-than=65536 \
	-I$(CORE_DIR) -Iharness $(PKG_CFLAGS)
ST_HDR := harness/driver.h harness/ktap.h $(CORE_DIR)/ksml.h $(CORE_DIR)/vmem.h harness/live.h
# what ksm_selftests needs of the harness: the driver and its backends
ST_DRV := driver backend_ref backend_linux backend_kmod live ktap

$(B)/selftests/%.o: $(ST_DIR)/%.c $(ST_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(ST_CFLAGS) -c $< -o $@

$(B)/selftests/ksm_selftests: $(B)/selftests/ksm_selftests.o \
		$(patsubst %,$(B)/harness/%.o,$(ST_DRV)) $(LIB_A)
	$(CC_USER) -o $@ $^ $(PKG_LIBS)

$(B)/selftests/ksm_knobtable: $(B)/selftests/ksm_knobtable.o $(B)/harness/live.o $(LIB_A)
	$(CC_USER) -o $@ $^ $(PKG_LIBS)

# the same under ASan+UBSan over the ASan core (50-selftests runs its ref column)
ST_ASAN_CFLAGS := $(CFLAGS_ASAN) -Wframe-larger-than=65536 -Iharness
$(B)/selftests/asan/%.o: $(ST_DIR)/%.c $(ST_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(ST_ASAN_CFLAGS) -c $< -o $@
$(patsubst %,$(B)/selftests/asan/%.o,$(ST_DRV)): $(B)/selftests/asan/%.o: \
		harness/%.c $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(ST_ASAN_CFLAGS) -c $< -o $@
$(B)/selftests/asan/ksm_selftests: $(B)/selftests/asan/ksm_selftests.o \
		$(patsubst %,$(B)/selftests/asan/%.o,$(ST_DRV)) $(LIB_ASAN)
	$(CLANG) $(CFLAGS_ASAN) -o $@ $^ $(PKG_LIBS)
$(B)/selftests/asan/ksm_knobtable: $(B)/selftests/asan/ksm_knobtable.o \
		$(B)/selftests/asan/live.o $(LIB_ASAN)
	$(CLANG) $(CFLAGS_ASAN) -o $@ $^ $(PKG_LIBS)

.PHONY: selftests
selftests: $(B)/selftests/ksm_selftests $(B)/selftests/ksm_knobtable

TEST_BUILD += $(B)/selftests/ksm_selftests $(B)/selftests/ksm_knobtable \
	$(B)/selftests/asan/ksm_selftests $(B)/selftests/asan/ksm_knobtable

# both programs inside the kmod test guest (kmod column, 2 real NUMA nodes
# for the guest kernel's KSM); needs `make kmod` and the guest kernel
.PHONY: selftests-guest
selftests-guest: $(B)/selftests/ksm_selftests $(B)/selftests/ksm_knobtable
	tests/selftests/guest-run.sh $(B)/selftests/guest.log

# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Core unit tests (cmocka) under ASan+UBSan, the threaded test under TSan,
# and the freestanding boundary check.
TEST_LIBS := $(PKG_LIBS) -lcmocka

$(B)/tests/test_core: tests/test_core.c tests/test_helpers.h $(LIB_ASAN)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) -Wno-declaration-after-statement -Wframe-larger-than=131072 $< $(LIB_ASAN) $(TEST_LIBS) -o $@

$(B)/tests/test_threads: tests/test_threads.c tests/test_helpers.h $(LIB_TSAN)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_TSAN) -Wno-declaration-after-statement -Wframe-larger-than=131072 $< $(LIB_TSAN) $(TEST_LIBS) -o $@

$(B)/tests/test_fidelity: tests/test_fidelity.c tests/test_helpers.h $(LIB_ASAN)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) -Wno-declaration-after-statement -Wframe-larger-than=131072 $< $(LIB_ASAN) $(TEST_LIBS) -o $@

$(B)/tests/test_thp: tests/test_thp.c tests/test_helpers.h $(LIB_ASAN)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) -Wno-declaration-after-statement -Wframe-larger-than=131072 $< $(LIB_ASAN) $(TEST_LIBS) -o $@

TEST_BUILD += $(B)/tests/test_thp $(B)/tests/test_core $(B)/tests/test_threads $(B)/tests/test_fidelity $(LIB_A) $(LIB_SO)

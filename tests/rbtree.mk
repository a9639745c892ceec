# SPDX-License-Identifier: MIT OR GPL-2.0-only
# Red-black tree of the user/sim platform, tested alone against a model:
# needs only its own source, not the rest of the core.
RBTREE_TEST_SRC := tests/test_rbtree.c $(CORE_DIR)/platform/user/rbtree.c
# ksm_platform_user.h names pthread_rwlock_t, which -std=c11 hides unless
# POSIX is requested; skipped if the top-level flags already request it.
RBTREE_DEFS := $(if $(findstring _POSIX_C_SOURCE,$(CFLAGS_ASAN)),,-D_POSIX_C_SOURCE=200809L)

$(B)/tests/test_rbtree: $(RBTREE_TEST_SRC) $(CORE_DIR)/ksm_platform.h $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) $(RBTREE_DEFS) -o $@ $(RBTREE_TEST_SRC)

TEST_BUILD += $(B)/tests/test_rbtree

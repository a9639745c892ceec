# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksmlab top-level Makefile.  `make` builds libksmcore (static + shared) and
# the ksmlab command; `make test` runs every test tier; `make bench` is the
# main job.  Components add their own rules in */*.mk, included below.

CC_USER  ?= gcc
CLANG    ?= clang-14
CXX      ?= g++
B        := build
NPROC    := $(shell nproc 2>/dev/null || echo 2)

include ksm_core/sources.mk

CORE_DIR   := ksm_core
CORE_SRC   := $(addprefix $(CORE_DIR)/,$(KSML_CORE_SRCS))
USER_SRC   := $(wildcard $(CORE_DIR)/platform/user/*.c)
CORE_HDR   := $(wildcard $(CORE_DIR)/*.h $(CORE_DIR)/platform/*.h $(CORE_DIR)/platform/user/*.h)

# Warnings mirror the kernel's, and are errors in the core.
KWARN := -Wall -Wextra -Werror -Wdeclaration-after-statement -Wvla \
	-Wstrict-prototypes -Wmissing-prototypes -Wundef -Wshadow \
	-Wframe-larger-than=2048 -Wno-unused-parameter
CSTD  := -std=c11 -D_GNU_SOURCE
# DEFS: extra -D flags for every build of the core (none needed).  The
# core has no build switches: its mutants (historical bugs for fuzz recall
# and suite 47, the bench gate's injected slowdown) are patches applied to
# a copy of it, CORE_DIR=build/mut-src/NAME/ksm_core (ksm_core/mutants/).
DEFS  ?=
PKG_CFLAGS := $(shell pkg-config --cflags libxxhash numa 2>/dev/null)
# libxxhash.so: its XXH3 with run-time AVX2/AVX-512 dispatch (fast_checksum);
# referenced weakly, so --as-needed would drop it
PKG_LIBS   := $(shell pkg-config --libs numa 2>/dev/null || echo -lnuma) \
	-Wl,--push-state,--no-as-needed -lxxhash -Wl,--pop-state -lpthread
CFLAGS_REL  := $(CSTD) -O2 -g -fPIC $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)
CFLAGS_ASAN := $(CSTD) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)
CFLAGS_TSAN := $(CSTD) -O1 -g -fsanitize=thread $(KWARN) -I$(CORE_DIR) $(DEFS) $(PKG_CFLAGS)

REL_OBJ  := $(patsubst %.c,$(B)/rel/%.o,$(CORE_SRC) $(USER_SRC))
ASAN_OBJ := $(patsubst %.c,$(B)/asan/%.o,$(CORE_SRC) $(USER_SRC))
TSAN_OBJ := $(patsubst %.c,$(B)/tsan/%.o,$(CORE_SRC) $(USER_SRC))

LIB_A   := $(B)/libksmcore.a
LIB_SO  := $(B)/libksmcore.so
LIB_ASAN := $(B)/asan/libksmcore.a
LIB_TSAN := $(B)/tsan/libksmcore.a

.PHONY: all deps deps-test deps-bench test test-build bench clean format lint
all: $(LIB_A) $(LIB_SO) $(B)/ksmlab

deps:
	@tools/ensure-deps.sh base
# every suite's packages: 80-bench-smoke builds the benchmarks (60-kmod's
# come with make kmod-test, which needs root anyway)
deps-test:
	@tools/ensure-deps.sh base fuzz bench
deps-bench:
	@tools/ensure-deps.sh base bench

$(B)/rel/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC_USER) $(CFLAGS_REL) -c $< -o $@
$(B)/asan/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_ASAN) -c $< -o $@
$(B)/tsan/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_TSAN) -c $< -o $@

$(LIB_A): $(REL_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIB_SO): $(REL_OBJ)
	$(CC_USER) -shared -o $@ $^ $(PKG_LIBS)
$(LIB_ASAN): $(ASAN_OBJ)
	@rm -f $@; ar rcs $@ $^
$(LIB_TSAN): $(TSAN_OBJ)
	@rm -f $@; ar rcs $@ $^

# Components: each adds rules, TEST_BUILD prerequisites and tests/suites/*.sh
TEST_BUILD :=
include ksm_core/mutants/mutants.mk
include tests/tests.mk
-include $(filter-out tests/tests.mk,$(wildcard tests/*.mk))
-include harness/harness.mk
-include fuzz/fuzz.mk
-include bench/bench.mk
-include ksm_core/platform/kernel/kmod.mk
include install.mk

test-build: $(TEST_BUILD)

# `make test`: every tier, cheapest first; the runner prints the summary line.
test: deps-test
	@$(MAKE) --no-print-directory -j$(NPROC) test-build
	@tools/run-tests.sh tests/suites

format:
	clang-format-14 -i $$(git ls-files '*.c' '*.h' '*.cc')
lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
		-I$(CORE_DIR) -D__GNUC__ $(CORE_SRC) $(USER_SRC)

clean:
	rm -rf $(B)

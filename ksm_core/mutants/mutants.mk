# SPDX-License-Identifier: MIT OR GPL-2.0-only
# ksm_core/mutants/mutants.mk - the core's mutants (included by the
# top-level Makefile).  Each is a patch, ksm_core/mutants/NAME.patch, so
# the core's own sources read as the kernel's: historical KSM bugs (fuzz
# recall, suite 47) and EXTRA_WORK, the bench gate's injected slowdown.
#
#   make mutant-src-NAME   $(B)/mut-src/NAME/ksm_core: a copy of ksm_core
#                          with NAME.patch applied (apply.sh: fails loudly
#                          when it does not apply)
#   make mutants-src       every mutant's copy
#
# A mutant is then built as the core is, from its copy: the ordinary
# rules with CORE_DIR=$(B)/mut-src/NAME/ksm_core (harness-mutants in
# harness/harness.mk, fuzz/recall.sh, bench/compare.sh).  Suite
# 06-mutants checks that every patch still applies to the core.

MUTANTS_DIR  := ksm_core/mutants
KSML_MUTANTS := $(sort $(basename $(notdir $(wildcard $(MUTANTS_DIR)/*.patch))))
MUTANT_SRC   := $(B)/mut-src
mutant_core   = $(MUTANT_SRC)/$(1)/ksm_core
mutant_stamp  = $(MUTANT_SRC)/$(1)/.patched
# what is copied: ksm_core as checked out (in a mutant's own build,
# $(CORE_DIR) is that mutant's copy), less the mutants
MUTANT_CORE_FILES := $(shell find ksm_core -path $(MUTANTS_DIR) -prune -o -type f -print)
MUTANT_STAMPS := $(foreach m,$(KSML_MUTANTS),$(call mutant_stamp,$(m)))

# a fresh copy each time (new mtimes: the mutant's objects are rebuilt)
$(MUTANT_STAMPS): $(MUTANT_SRC)/%/.patched: $(MUTANTS_DIR)/%.patch $(MUTANTS_DIR)/apply.sh \
		$(MUTANT_CORE_FILES)
	@rm -rf $(MUTANT_SRC)/$* && mkdir -p $(MUTANT_SRC)/$*
	@cp -R ksm_core $(MUTANT_SRC)/$*/ && rm -rf $(call mutant_core,$*)/mutants
	@$(MUTANTS_DIR)/apply.sh $* $(MUTANT_SRC)/$* || { rm -rf $(MUTANT_SRC)/$*; exit 1; }
	@touch $@

.PHONY: mutants-src $(addprefix mutant-src-,$(KSML_MUTANTS))
$(addprefix mutant-src-,$(KSML_MUTANTS)): mutant-src-%: $(MUTANT_SRC)/%/.patched
mutants-src: $(MUTANT_STAMPS)

# SPDX-License-Identifier: MIT OR GPL-2.0-only
# kmod.mk - ksm_ref.ko and its qemu test (included by the top-level Makefile).
#
#   make kmod        build build/kmod/ksm_ref.ko against Debian's
#                    linux-headers-amd64 (KVER from the meta package)
#   make kmod-test   install what is missing (tools/ensure-deps.sh kmod),
#                    build the module and the static guest programs, pack a
#                    busybox initramfs, boot Debian's kernel under qemu (TCG,
#                    2 NUMA nodes, 2 CPUs), run the guest tests, parse the log
#   make kmod-debug-kernel
#                    build (once: about 5 min) the debug guest kernel from
#                    linux-source-6.1 + debug.config (lockdep, KASAN,
#                    kmemleak, kmap debugging), cached in
#                    $${KSMLAB_CACHE:-/var/cache/ksmlab}/kdebug-KEY
#   make kmod-test-debug
#                    the same guest run on that kernel (module built in
#                    build/kmod-debug); fails on any checker report
#
# Switches (each defined once, here):
#   KVER=...          kernel ABI to build for; default: the one the
#                     linux-headers-amd64 meta package depends on (never
#                     `uname -r`: the host kernel is not the guest's)
#   KDIR=...          kernel build tree; default /lib/modules/$(KVER)/build
#   VMLINUZ=...       guest kernel; default: /boot/vmlinuz-$(KVER) if that
#                     image is installed, else extracted from the
#                     linux-image-$(KVER) .deb into build/kmod-cache
#   QEMU_ACCEL=tcg    kvm is opt-in: it hangs on kvm-pvm hosts (KMOD.md)
#   QEMU_TIMEOUT=300  seconds before the boot counts as hung
#   KMOD_QUICK=1      shorter guest tests (10 load cycles, short fuzz)
#   KMOD_ONLY="unit"  debugging: run only `ksmref_test unit` in the guest
#                     (the verdict then needs RESULT=PASS: it always fails)
#   KMOD_MODARGS=...  module parameters for KMOD_ONLY runs (e.g. ksmd=0)
#
# Kbuild only compiles sources below M=, so the build happens in
# build/kmod: a generated Kbuild file and one-line wrapper .c files that
# #include the core's and the platform's sources unchanged.

KMOD_DIR    := ksm_core/platform/kernel
KMOD_B      := $(abspath $(B))/kmod
KMOD_CACHE  := $(abspath $(B))/kmod-cache
KVER        ?= $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
KDIR        ?= /lib/modules/$(KVER)/build
VMLINUZ     ?= $(if $(wildcard /boot/vmlinuz-$(KVER)),/boot/vmlinuz-$(KVER),$(KMOD_CACHE)/boot/vmlinuz-$(KVER))
QEMU_ACCEL  ?= tcg
QEMU_TIMEOUT ?= 300
KMOD_QUICK  ?=

# the module's own sources, then the core's (sources.mk)
KMOD_PLAT_SRCS := platform_kernel.c ksm_ref_main.c ksm_ref_dev.c
KMOD_CORE_SRCS := $(KSML_CORE_SRCS)
KMOD_CORE_PATHS ?= $(addprefix ksm_core/,$(KMOD_CORE_SRCS))
KMOD_SRC_PATHS := $(addprefix $(KMOD_DIR)/,$(KMOD_PLAT_SRCS)) $(KMOD_CORE_PATHS)
KMOD_HDRS := $(wildcard $(KMOD_DIR)/*.h ksm_core/platform/*.h ksm_core/*.h)
KMOD_KO   := $(KMOD_B)/ksm_ref.ko

# guest programs: static, built with the host gcc
KMOD_GUEST_DIR  := $(KMOD_DIR)/guest
KMOD_GUEST_B    := $(abspath $(B))/kmod-guest
KMOD_GUEST_BINS := $(KMOD_GUEST_B)/ksmref_test
KMOD_INITRAMFS  := $(KMOD_GUEST_B)/initramfs.cpio.gz
# the conformance workloads run in the guest; the 64k-page ones need more
# memory than the guest's 1 GiB gives two backends (and the module's
# default max_frames).  The THP ones (workloads/thp-*.wl) too, since ABI
# 1.2 (KSM_REF_IOC_THP, AnonHugePages in MM_STAT)
KMOD_WORKLOADS  := $(foreach w,$(wildcard workloads/*.wl),$(if $(or $(findstring 64k,$(w)),$(findstring -2m,$(w))),,$(w)))

# ksmlab itself, static, when the harness is in the tree (harness.mk):
# the guest runs `ksmlab run -b ref|kmod|linux` and `ksmlab diff`
ifneq ($(HARNESS_DRV_OBJ),)
KMOD_GUEST_BINS += $(KMOD_GUEST_B)/ksmlab
$(KMOD_GUEST_B)/ksmlab: $(KSMLAB_OBJ) $(HARNESS_DRV_OBJ) $(HARNESS_WL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	@# libnuma.a's getaddrinfo warning is expected in a static link
	$(CC_USER) -static -o $@ $^ $(PKG_LIBS) 2>$@.log || { cat $@.log; exit 1; }
endif

.PHONY: kmod kmod-deps kmod-test kmod-clean kmod-vmlinuz kmod-debug-kernel \
	kmod-test-debug

kmod-deps:
	@tools/ensure-deps.sh kmod

kmod: $(KMOD_KO)

# the Kbuild tree is regenerated each time; unchanged files keep their
# mtime, so Kbuild recompiles only what changed
$(KMOD_KO): $(KMOD_SRC_PATHS) $(KMOD_HDRS) \
	    $(KMOD_DIR)/kmod.mk $(KMOD_DIR)/kbuild-gen.sh ksm_core/sources.mk
	@test -n "$(KVER)" -a -d "$(KDIR)" || { \
		echo "kmod: no kernel build tree '$(KDIR)' (KVER='$(KVER)');" \
		     "run: tools/ensure-deps.sh kmod" >&2; exit 1; }
	@$(KMOD_DIR)/kbuild-gen.sh $(KMOD_B) $(CURDIR) $(KMOD_SRC_PATHS)
	$(MAKE) -C $(KDIR) M=$(KMOD_B) modules

# Debian's kernel for the guest, from the .deb (no linux-image install:
# that would run update-initramfs twice and pull in udev, see KMOD.md)
kmod-vmlinuz: $(VMLINUZ)
$(KMOD_CACHE)/boot/vmlinuz-%:
	@mkdir -p $(KMOD_CACHE)/deb && chmod 0777 $(KMOD_CACHE)/deb
	@# stale package lists (or none) get one apt-get update, then a retry
	cd $(KMOD_CACHE)/deb && rm -f linux-image-$*_*.deb && \
		{ apt-get download linux-image-$* >dl.log 2>&1 || \
		  { flock -w 1200 /run/lock/ksmlab-apt.lock \
		    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null 2>&1; \
		    apt-get download linux-image-$* >dl.log 2>&1; } || cat dl.log; }
	@test -f $(KMOD_CACHE)/deb/linux-image-$*_*.deb || \
		{ echo "kmod: apt-get download linux-image-$* failed" >&2; exit 1; }
	cd $(KMOD_CACHE) && dpkg-deb --fsys-tarfile deb/linux-image-$*_*.deb | \
		tar -x ./boot/vmlinuz-$* ./boot/config-$*
	@rm -f $(KMOD_CACHE)/deb/linux-image-$*_*.deb
	@touch $@

# the client (ksm_ref_client.h) and, for the kernel's knob defaults, the
# core's knob table (ksml_knob_*, in $(LIB_A))
$(KMOD_GUEST_B)/ksmref_test: $(KMOD_GUEST_DIR)/ksmref_test.c $(KMOD_DIR)/ksm_ref_ioctl.h \
		$(KMOD_DIR)/ksm_ref_client.h ksm_core/ksml.h ksm_core/vmem.h $(LIB_A)
	@mkdir -p $(dir $@)
	@# libnuma.a's getaddrinfo warning is expected in a static link
	$(CC_USER) -std=gnu11 -O2 -g0 -static -Wall -Wextra -Werror \
		-I$(KMOD_DIR) -Iksm_core -o $@ $< $(LIB_A) $(PKG_LIBS) \
		2>$@.log || { cat $@.log; exit 1; }

$(KMOD_INITRAMFS): $(KMOD_KO) $(KMOD_GUEST_BINS) $(KMOD_GUEST_DIR)/init \
		   $(KMOD_DIR)/mkinitramfs.sh $(KMOD_WORKLOADS)
	$(KMOD_DIR)/mkinitramfs.sh $@ $(KMOD_GUEST_DIR)/init $(KMOD_KO) \
		$(KMOD_GUEST_BINS) -- $(KMOD_WORKLOADS)

kmod-test: kmod-deps
	@$(MAKE) --no-print-directory $(KMOD_INITRAMFS) $(VMLINUZ)
	QEMU_ACCEL=$(QEMU_ACCEL) QEMU_TIMEOUT=$(QEMU_TIMEOUT) KMOD_QUICK=$(KMOD_QUICK) \
		KMOD_ONLY="$(KMOD_ONLY)" KMOD_MODARGS="$(KMOD_MODARGS)" \
		$(KMOD_DIR)/run-qemu.sh $(VMLINUZ) $(KMOD_INITRAMFS) \
		$(abspath $(B))/kmod-test.log

# the debug kernel: its tree is KDIR and its bzImage VMLINUZ of a second
# module build (build/kmod-debug, so the stock build stays as it is);
# KASAN under TCG is slow, hence the longer timeout
KMOD_DEBUG_B := $(abspath $(B))/kmod-debug
QEMU_DEBUG_TIMEOUT ?= 2400
kmod-debug-kernel:
	@$(KMOD_DIR)/build-debug-kernel.sh >/dev/null

kmod-test-debug: kmod-deps
	@kd=$$($(KMOD_DIR)/build-debug-kernel.sh) || exit 1; \
	$(MAKE) --no-print-directory KDIR=$$kd KMOD_B=$(KMOD_DEBUG_B) \
		KMOD_INITRAMFS=$(KMOD_DEBUG_B)/initramfs.cpio.gz \
		$(KMOD_DEBUG_B)/initramfs.cpio.gz && \
	QEMU_ACCEL=$(QEMU_ACCEL) QEMU_TIMEOUT=$(QEMU_DEBUG_TIMEOUT) KMOD_QUICK=$(KMOD_QUICK) \
		KMOD_ONLY="$(KMOD_ONLY)" KMOD_MODARGS="$(KMOD_MODARGS)" KMOD_DEBUG=1 \
		$(KMOD_DIR)/run-qemu.sh $$kd/arch/x86/boot/bzImage \
		$(KMOD_DEBUG_B)/initramfs.cpio.gz $(abspath $(B))/kmod-test-debug.log

kmod-clean:
	rm -rf $(KMOD_B) $(KMOD_GUEST_B) $(KMOD_DEBUG_B)

# SPDX-License-Identifier: MIT OR GPL-2.0-only
# make install / make uninstall (PREFIX, DESTDIR and the usual *DIR
# variables), the versioned shared library and ksmlab.pc.  Included by the
# top-level Makefile after the components (uses LIB_A, LIB_SO, KSMLAB_BIN,
# KSML_PRELOAD, HARNESS_CFLAGS, B).
#
# The one version: VERSION (MAJOR.MINOR.PATCH).  MAJOR is the soname's
# number; debian/changelog's upstream version must equal it (debian/rules
# checks).
KSML_VERSION   := $(shell cat VERSION)
KSML_SOVERSION := $(firstword $(subst ., ,$(KSML_VERSION)))
KSML_SONAME    := libksmcore.so.$(KSML_SOVERSION)
KSML_REALNAME  := libksmcore.so.$(KSML_VERSION)

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
# private objects (the LD_PRELOAD shim): not a library anyone links
PKGLIBDIR    ?= $(LIBDIR)/ksmlab
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PKGDATADIR   ?= $(DATADIR)/ksmlab
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
INSTALL      ?= install

# the soname goes on the shared library only (a target-specific addition,
# so the top-level link rule stays as it is)
$(LIB_SO): PKG_LIBS += -Wl,-soname,$(KSML_SONAME)

# ksmlab finds the shim next to itself (the build tree) or at this path
# relative to its own directory (an installed tree, also under DESTDIR)
KSML_PRELOAD_REL := $(shell realpath -m --relative-to=$(BINDIR) $(PKGLIBDIR))
$(B)/harness/ksmlab.o: HARNESS_CFLAGS += -DKSML_PRELOAD_REL='"$(KSML_PRELOAD_REL)"' \
	-DKSML_VERSION='"$(KSML_VERSION)"'
# ksmlab.o is rebuilt when either changes (`make` then `make install
# LIBDIR=...` must not install a binary that looks in the old place)
KSML_BUILD_STAMP := $(B)/.install-paths
KSML_BUILD_ID := $(KSML_PRELOAD_REL) $(KSML_VERSION)
$(shell mkdir -p $(B) && { [ "$$(cat $(KSML_BUILD_STAMP) 2>/dev/null)" = '$(KSML_BUILD_ID)' ] || \
	echo '$(KSML_BUILD_ID)' >$(KSML_BUILD_STAMP); })
$(B)/harness/ksmlab.o: $(KSML_BUILD_STAMP)

# what a consumer of ksml.h needs: it and everything it includes on the
# user platform (checked by tests/suites/90-install.sh's consumer build)
KSML_PUBLIC_HDR := ksml.h ksm_platform.h vmem.h platform/user/ksm_platform_user.h

# every installed file, relative to DESTDIR (uninstall removes these)
KSML_WORKLOADS := $(notdir $(wildcard workloads/*.wl))
KSML_INSTALLED := $(LIBDIR)/libksmcore.a $(LIBDIR)/$(KSML_REALNAME) \
	$(LIBDIR)/$(KSML_SONAME) $(LIBDIR)/libksmcore.so \
	$(addprefix $(INCLUDEDIR)/ksmlab/,$(KSML_PUBLIC_HDR)) \
	$(PKGCONFIGDIR)/ksmlab.pc $(BINDIR)/ksmlab $(PKGLIBDIR)/libksm_preload.so \
	$(addprefix $(PKGDATADIR)/workloads/,$(KSML_WORKLOADS)) \
	$(MANDIR)/man1/ksmlab.1 $(MANDIR)/man5/ksmlab-workload.5
# directories of ours alone, removed by uninstall (deepest first)
KSML_OWN_DIRS := $(INCLUDEDIR)/ksmlab/platform/user $(INCLUDEDIR)/ksmlab/platform \
	$(INCLUDEDIR)/ksmlab $(PKGLIBDIR) $(PKGDATADIR)/workloads $(PKGDATADIR)

# 90-install's tools (pkg-config, man, groff) come with make test's deps
.PHONY: deps-install
deps-test: deps-install
deps-install:
	@tools/ensure-deps.sh install

.PHONY: install uninstall
install: $(LIB_A) $(LIB_SO) $(KSMLAB_BIN) $(KSML_PRELOAD)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGLIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/ksmlab/platform/user \
		$(DESTDIR)$(PKGDATADIR)/workloads $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libksmcore.a
	$(INSTALL) -m 0644 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(KSML_REALNAME)
	ln -sf $(KSML_REALNAME) $(DESTDIR)$(LIBDIR)/$(KSML_SONAME)
	ln -sf $(KSML_SONAME) $(DESTDIR)$(LIBDIR)/libksmcore.so
	for h in $(KSML_PUBLIC_HDR); do \
		$(INSTALL) -m 0644 $(CORE_DIR)/$$h $(DESTDIR)$(INCLUDEDIR)/ksmlab/$$h || exit 1; \
	done
	# generated here, so it names the directories of this install
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(KSML_VERSION)|g' \
		ksmlab.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/ksmlab.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/ksmlab.pc
	$(INSTALL) -m 0755 $(KSMLAB_BIN) $(DESTDIR)$(BINDIR)/ksmlab
	$(INSTALL) -m 0644 $(KSML_PRELOAD) $(DESTDIR)$(PKGLIBDIR)/libksm_preload.so
	$(INSTALL) -m 0644 $(addprefix workloads/,$(KSML_WORKLOADS)) $(DESTDIR)$(PKGDATADIR)/workloads/
	$(INSTALL) -m 0644 man/ksmlab.1 $(DESTDIR)$(MANDIR)/man1/ksmlab.1
	$(INSTALL) -m 0644 man/ksmlab-workload.5 $(DESTDIR)$(MANDIR)/man5/ksmlab-workload.5

uninstall:
	rm -f $(addprefix $(DESTDIR),$(KSML_INSTALLED))
	for d in $(addprefix $(DESTDIR),$(KSML_OWN_DIRS)); do \
		[ ! -d $$d ] || rmdir $$d || exit 1; \
	done

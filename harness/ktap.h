/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ktap.h - KTAP version 1 output (Documentation/dev-tools/ktap.rst), as
 * kernel CI systems read it: a version line, a plan, one "ok"/"not ok"
 * line per test, subtests indented by four spaces before their parent's
 * result line, "# SKIP reason" directives and "# " diagnostics.
 */
#ifndef KSML_KTAP_H
#define KSML_KTAP_H

#include <stdbool.h>
#include <stdio.h>

struct ksml_ktap {
	FILE *f;
	int depth; /* 0: top level; each level indents four spaces */
	int n;	   /* results printed so far at this level */
};

/* a KTAP block at depth: its version line, "# Subtest: name" and plan */
void ksml_ktap_begin(struct ksml_ktap *t, FILE *f, int depth,
		     const char *subtest, int plan);
/* one result: ok or not, with a directive ("SKIP reason") or NULL */
void ksml_ktap_result(struct ksml_ktap *t, bool ok, const char *name,
		      const char *directive);
/* a diagnostic line at this block's depth */
void ksml_ktap_diag(struct ksml_ktap *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

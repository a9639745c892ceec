// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * ktap.c - the KTAP writer of ksmlab diff/run/selftest (ktap.h).  What a
 * test or directive says is free text, but a '#' in a test's name would
 * start a directive and a newline would end the line: both are replaced.
 */
#include "ktap.h"

#include <stdarg.h>
#include <string.h>

static void indent(const struct ksml_ktap *t)
{
	int i;

	for (i = 0; i < t->depth; i++)
		fputs("    ", t->f);
}

/* text on one line: '#' (in a name) and control characters replaced */
static void put_text(FILE *f, const char *s, bool name)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fputc(' ', f);
		else if (name && c == '#')
			fputc('_', f);
		else
			fputc(c, f);
	}
}

void ksml_ktap_begin(struct ksml_ktap *t, FILE *f, int depth,
		     const char *subtest, int plan)
{
	t->f = f;
	t->depth = depth;
	t->n = 0;
	indent(t);
	fputs("KTAP version 1\n", f);
	if (subtest) {
		indent(t);
		fputs("# Subtest: ", f);
		put_text(f, subtest, true);
		fputc('\n', f);
	}
	indent(t);
	fprintf(f, "1..%d\n", plan);
}

void ksml_ktap_result(struct ksml_ktap *t, bool ok, const char *name,
		      const char *directive)
{
	indent(t);
	fprintf(t->f, "%s %d ", ok ? "ok" : "not ok", ++t->n);
	put_text(t->f, name, true);
	if (directive && *directive) {
		fputs(" # ", t->f);
		put_text(t->f, directive, false);
	}
	fputc('\n', t->f);
	fflush(t->f);
}

void ksml_ktap_diag(struct ksml_ktap *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	indent(t);
	fputs("# ", t->f);
	put_text(t->f, buf, false);
	fputc('\n', t->f);
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_workload - the workload parser (harness/workload.h) on arbitrary
 * text: bad input must get an error, never a crash.
 * Failure: a sanitizer report or hang in the parser; an error without a
 * "name:line:" message; an accepted workload whose structure breaks the
 * header's promises (indices, limits, step order) or whose contents crash.
 */
#include "../harness/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_workload: FAILURE: %s\n--- input ---\n%s\n", what, text);
	abort();
}

static void check_workload(const struct ksml_workload *wl, const char *text)
{
	unsigned long prev_at = 0;
	char *page;
	int i;

	if (wl->nr_spaces < 0 || wl->nr_spaces > KSML_WL_MAX_SPACES)
		fail("nr_spaces out of range", text);
	if (wl->nr_maps < 0 || wl->nr_maps > KSML_WL_MAX_MAPS)
		fail("nr_maps out of range", text);
	if (wl->total_pages > KSML_WL_MAX_VIRT_PAGES)
		fail("total_pages (mapped) above the limit", text);
	if (wl->written_pages > KSML_WL_MAX_TOTAL_PAGES)
		fail("written_pages above the limit", text);
	for (i = 0; i < wl->nr_maps; i++)
		if (wl->maps[i].space < 0 || wl->maps[i].space >= wl->nr_spaces)
			fail("a map names a space that does not exist", text);
	page = malloc(KSML_WL_PAGE_SIZE);
	if (!page)
		abort();
	for (i = 0; i < wl->nr_steps; i++) {
		const struct ksml_wl_step *st = &wl->steps[i];
		unsigned long p;

		if (st->at < prev_at)
			fail("steps not sorted by scan count", text);
		prev_at = st->at;
		if (st->op != KSML_OP_KNOB && (st->space < 0 || st->space >= wl->nr_spaces))
			fail("a step names a space that does not exist", text);
		if (!ksml_wl_op_name(st->op))
			fail("a step has no op name", text);
		if (st->op != KSML_OP_FILL)
			continue;
		if (st->map < 0 || st->map >= wl->nr_maps)
			fail("a fill names a map that does not exist", text);
		if (st->first + st->count > wl->maps[st->map].pages)
			fail("a fill runs past the end of its map", text);
		/* the content generator on the first pages of each fill */
		for (p = 0; p < st->count && p < 4; p++)
			ksml_wl_page_content(wl, st, p, page);
	}
	for (i = 0; i < wl->nr_volatile; i++) {
		const struct ksml_wl_volatile *v = &wl->vol[i];

		if (v->map < 0 || v->map >= wl->nr_maps)
			fail("a volatile range names a map that does not exist", text);
		if (v->count)
			ksml_wl_volatile_content(wl, v, 0, 1, page);
	}
	free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksml_workload wl;
	char err[512];
	char *text;
	int rc;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	memset(&wl, 0, sizeof(wl));
	err[0] = 0;
	rc = ksml_wl_parse_string("fuzz", text, &wl, err, sizeof(err));
	if (rc < 0) {
		if (strncmp(err, "fuzz:", 5) != 0)
			fail("an error without a \"fuzz:line:\" message", text);
	} else {
		check_workload(&wl, text);
	}
	ksml_wl_free(&wl);
	free(text);
	return 0;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_workload - the workload parser and content generator.
 *
 * Bad input: every case is a small text and the exact message expected
 * ("file:line: what is wrong").  Good input: every file given on the
 * command line (the shipped workloads) must parse; the generated pages
 * must have the equality structure the spec promises.
 *
 * usage: test_workload [WORKLOAD.wl...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

#include "test_check.h"

#define HDR "seed 1\nspace a\nmap a m 16\n"
#define FILL "fill a m 0 16 same 1\n"

static const struct {
	const char *text;
	const char *msg; /* exact error */
} bad[] = {
	{ "", "t.wl:0: workload declares no address space" },
	{ "space a\nmap a m 4\nfill a m 0 4 zero\n",
	  "t.wl:0: workload has no 'seed' line (it must be deterministic)" },
	{ "seed 1\nspace a\nmap a m 4\n", "t.wl:0: workload writes no page (no 'fill' line)" },
	{ "bogus 1\n", "t.wl:1: unknown directive 'bogus'" },
	{ "seed x1\n", "t.wl:1: seed: 'x1' is not an unsigned decimal number" },
	{ "seed -1\n", "t.wl:1: seed: '-1' is not an unsigned decimal number" },
	{ "seed 99999999999999999999999\n", "t.wl:1: seed: '99999999999999999999999' is too large" },
	{ "seed 1\nseed 2\n", "t.wl:2: seed given twice" },
	{ "seed\n", "t.wl:1: usage: seed NUMBER" },
	{ HDR "map b m 4\n", "t.wl:4: unknown address space 'b' (declare it with 'space b' first)" },
	{ HDR "space a\n", "t.wl:4: address space 'a' already declared at line 2" },
	{ HDR "map a m 4\n", "t.wl:4: mapping 'm' already exists in 'a' (line 3)" },
	{ HDR "map a n 0\n", "t.wl:4: mapping size in pages: 0 is out of range [1, 268435456]" },
	{ HDR "map a n 4 file\n", "t.wl:4: file-backed mappings are not supported (only anonymous)" },
	{ HDR "map a n 4 huge\n", "t.wl:4: unknown mapping flag 'huge' (expected private, shared or anon)" },
	{ HDR "map a n 268435456\nmap a o 268435456\nmap a p 268435456\nmap a q 268435456\nmap a r 1\n",
	  "t.wl:7: mappings total more than 1073741824 pages" },
	{ HDR "map a n 268435457\n",
	  "t.wl:4: mapping size in pages: 268435457 is out of range [1, 268435456]" },
	{ HDR "map a n 16777216\nfill a n 0 16777216 unique\nfill a m 0 1 unique\n",
	  "t.wl:6: fills and volatile ranges write more than 16777216 pages in all" },
	{ "seed 1\nspace a/b\n", "t.wl:2: address space name 'a/b': only letters, digits, '-', '_' and '.' are allowed" },
	{ HDR "fill a m 0 17 zero\n", "t.wl:4: pages 0..16 are outside mapping 'm' (16 pages)" },
	{ HDR "fill a m 16 1 zero\n", "t.wl:4: pages 16..16 are outside mapping 'm' (16 pages)" },
	{ HDR "fill a m 0 0 zero\n", "t.wl:4: page count must be at least 1" },
	{ HDR "fill a x 0 4 zero\n", "t.wl:4: address space 'a' has no mapping 'x'" },
	{ HDR "fill a m 0 4 stripes\n",
	  "t.wl:4: unknown pattern 'stripes' (expected same, groups, unique, zero, last8, random, classes or dump)" },
	{ HDR "fill a m 0 4 zero 1\n", "t.wl:4: pattern 'zero' takes no arguments" },
	{ HDR "fill a m 0 4 same\n", "t.wl:4: usage: fill ... same CLASS" },
	{ HDR "fill a m 0 16 groups 3\n", "t.wl:4: 16 pages do not divide into 3 equal groups" },
	{ HDR "fill a m 0 16 groups 0\n", "t.wl:4: number of groups: 0 is out of range [1, 16]" },
	{ HDR "fill a m 0 4 random 1.5\n", "t.wl:4: duplicate ratio '1.5' is not a number between 0 and 1" },
	{ HDR "fill a m 0 4 random abc\n", "t.wl:4: duplicate ratio 'abc' is not a number between 0 and 1" },
	{ HDR "fill a m 0 4 classes 1 2 3\n", "t.wl:4: class list has 3 pages, the fill needs 4" },
	{ HDR "fill a m 0 4 classes 1*3 2*2\n", "t.wl:4: class list has more than 4 pages" },
	{ HDR "fill a m 0 4 classes 1*0 2\n", "t.wl:4: repeat count: 0 is out of range [1, 16777216]" },
	{ HDR "fill a m 0 4 classes q 1 2 3\n", "t.wl:4: class: 'q' is not an unsigned decimal number" },
	{ HDR "fill a m 0 4 dump /nonexistent/x\n",
	  "t.wl:4: cannot open dump file '/nonexistent/x': No such file or directory" },
	{ HDR FILL "madvise a m sideways\n",
	  "t.wl:5: unknown advice 'sideways' (expected mergeable, unmergeable, hugepage or nohugepage)" },
	{ HDR FILL "madvise a m mergeable 3\n",
	  "t.wl:5: usage: madvise SPACE MAP mergeable|unmergeable|hugepage|nohugepage [FIRST COUNT]" },
	{ HDR FILL "madvise a m hugepage\n",
	  "t.wl:5: madvise hugepage needs a 'thp MODE' line before it (the workload's THP mode)" },
	{ HDR FILL "madvise a m nohugepage 0 4\n",
	  "t.wl:5: madvise nohugepage needs a 'thp MODE' line before it (the workload's THP mode)" },
	{ "thp sometimes\n", "t.wl:1: thp: unknown mode 'sometimes' (expected always, madvise or never)" },
	{ "thp always defrag eager\n",
	  "t.wl:1: thp: unknown defrag 'eager' (expected always, defer, defer+madvise, madvise or never)" },
	{ "thp\n", "t.wl:1: usage: thp always|madvise|never [defrag always|defer|defer+madvise|madvise|never]" },
	{ "thp always madvise\n",
	  "t.wl:1: usage: thp always|madvise|never [defrag always|defer|defer+madvise|madvise|never]" },
	{ "thp always\nthp never\n", "t.wl:2: thp given twice" },
	{ HDR "thp always\n", "t.wl:4: thp must come before the first map (it places mappings 2 MiB-aligned)" },
	{ HDR FILL "at 2 thp never\n", "t.wl:5: 'thp' cannot be scheduled with 'at'" },
	{ HDR FILL "madvise a m mergeable 10 10\n", "t.wl:5: pages 10..19 are outside mapping 'm' (16 pages)" },
	{ HDR FILL "knob nonsense 1\n", "t.wl:5: unknown or read-only knob 'nonsense'" },
	{ HDR FILL "knob run 1\n", "t.wl:5: knob 'run' is driven by the harness and cannot be set by a workload" },
	{ HDR FILL "knob pages_shared 1\n", "t.wl:5: unknown or read-only knob 'pages_shared'" },
	{ HDR FILL "knob use_zero_pages 2\n", "t.wl:5: knob use_zero_pages: value must be 0 or 1, not 2" },
	{ HDR FILL "knob max_page_sharing 1\n", "t.wl:5: knob max_page_sharing: value must be at least 2, not 1" },
	{ HDR FILL "knob advisor_mode fast\n", "t.wl:5: knob advisor_mode: 'fast' is not 'none' or 'scan-time'" },
	{ HDR FILL "knob pages_to_scan 4294967296\n", "t.wl:5: knob pages_to_scan: value 4294967296 does not fit in 32 bits" },
	{ HDR FILL "knob sleep_millisecs\n", "t.wl:5: usage: knob NAME VALUE" },
	{ HDR FILL "at 5 exit a\nat 3 exit a\n", "t.wl:6: 'at 3' goes back in time (an earlier line is at scan 5)" },
	{ HDR FILL "at 5 exit a\nat 6 fill a m 0 1 zero\n", "t.wl:6: address space 'a' has exited" },
	{ HDR FILL "at 2 seed 4\n", "t.wl:5: 'seed' cannot be scheduled with 'at'" },
	{ HDR FILL "at 2\n", "t.wl:5: usage: at SCAN DIRECTIVE ..." },
	{ HDR FILL "at x exit a\n", "t.wl:5: scan count: 'x' is not an unsigned decimal number" },
	{ HDR FILL "at 2 exit a\nspace b\n",
	  "t.wl:6: 'space' without 'at' after scheduled lines (write 'at 2 space ...')" },
	{ HDR FILL "fork a a\n", "t.wl:5: address space 'a' already declared at line 2" },
	{ HDR FILL "fork a\n", "t.wl:5: usage: fork PARENT CHILD" },
	{ HDR FILL "prctl a merge-any maybe\n", "t.wl:5: prctl merge-any: 'maybe' is not 'on' or 'off'" },
	{ HDR FILL "prctl a merge-all on\n", "t.wl:5: usage: prctl SPACE merge-any on|off" },
	{ HDR FILL "pin a m 16\n", "t.wl:5: pages 16..16 are outside mapping 'm' (16 pages)" },
	{ HDR FILL "node a m 0 4 1\n", "t.wl:5: 'node' needs a 'numa-nodes N' line before it" },
	{ "numa-nodes 2\n" HDR FILL "node a m 0 4 2\n", "t.wl:6: node: 2 is out of range [0, 1]" },
	{ "numa-nodes 0\n", "t.wl:1: numa-nodes: 0 is out of range [1, 64]" },
	{ HDR FILL "volatile a m 0 4 every 0\n", "t.wl:5: volatile period: 0 is out of range [1, 100000]" },
	{ HDR FILL "volatile a m 0 4 often 2\n",
	  "t.wl:5: usage: volatile SPACE MAP FIRST COUNT every K [from S] [until S]" },
	{ HDR FILL "volatile a m 0 4 every 2 from 5 until 3\n",
	  "t.wl:5: volatile: until (3) must be after from (5)" },
	{ HDR FILL "volatile a m 0 4 every 2 since 5\n",
	  "t.wl:5: volatile: unknown option 'since' (expected from or until)" },
	{ HDR FILL "volatile a m 0 4 every 2 from\n", "t.wl:5: volatile: 'from' needs a scan count" },
	{ HDR FILL "expect-different\n", "t.wl:5: expect-different needs a text (the reason)" },
	{ HDR FILL "expect-different a\nexpect-different b\n", "t.wl:6: expect-different given twice" },
	{ HDR FILL "expect-different when x-y why\n",
	  "t.wl:5: expect-different: unknown condition 'x-y' (expected node-placement-skipped)" },
	{ HDR FILL "expect-different when node-placement-skipped\n",
	  "t.wl:5: usage: expect-different when CONDITION REASON..." },
	{ HDR FILL "max-scans 2\n", "t.wl:5: max-scans: 2 is out of range [4, 100000]" },
	{ HDR FILL "max-scans 10\nat 8 exit a\n",
	  "t.wl:0: max-scans 10 leaves fewer than 4 scans after the last event (scan 8)" },
	{ "workload a\nworkload b\n", "t.wl:2: workload name given twice" },
	{ HDR FILL "munmap a m 1\n", "t.wl:5: usage: munmap SPACE MAP [FIRST COUNT]" },
	{ HDR FILL "exit b\n", "t.wl:5: unknown address space 'b' (declare it with 'space b' first)" },
	{ HDR FILL "munmap a m 4 4\nfill a m 0 8 zero\n",
	  "t.wl:6: page 4 of mapping 'm' was unmapped (munmap at line 5)" },
	{ HDR FILL "munmap a m\nat 2 pin a m 3\n", "t.wl:6: page 3 of mapping 'm' was unmapped (munmap at line 5)" },
	{ HDR FILL "munmap a m 0 2\nfork a b\nmadvise b m mergeable\n",
	  "t.wl:7: page 0 of mapping 'm' was unmapped (munmap at line 5)" },
	{ HDR FILL "volatile a m 2 2 every 1\nat 3 munmap a m 3 1\n",
	  "t.wl:6: munmap of pages that 'volatile' (line 5) still rewrites" },
	{ HDR "fill a m 0 16 classes 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n",
	  "t.wl:4: more than 64 words on one line (put long class lists in a dump file)" },
};

static void test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ksml_workload wl;
		char err[512];
		int ret = ksml_wl_parse_string("t.wl", bad[i].text, &wl, err,
					       sizeof(err));

		CHECK(ret < 0, "case %zu parsed but must fail with: %s", i, bad[i].msg);
		CHECK(!strcmp(err, bad[i].msg), "case %zu:\n   got  '%s'\n   want '%s'",
		      i, err, bad[i].msg);
		CHECK(wl.nr_steps == 0 && wl.steps == NULL,
		      "case %zu: workload not emptied after an error", i);
	}
}

static const char good[] =
	"# comment\n"
	"workload t-good   # trailing comment\n"
	"description a test\n"
	"seed 42\n"
	"knob max_page_sharing 4\n"
	"space a\n"
	"space b\n"
	"map a m 64 private anon\n"
	"map b m 64\n"
	"map a s 8 shared\n"
	"fill a m 0 16 same 3\n"
	"fill a m 16 16 groups 4 base 10\n"
	"fill a m 32 8 unique\n"
	"fill a m 40 8 zero\n"
	"fill a m 48 8 last8 3\n"
	"fill a m 56 8 classes 3 z u 10*2 u*2 11\n"
	"fill b m 0 64 random 0.5\n"
	"madvise a m mergeable\n"
	"madvise b m mergeable 0 32\n"
	"volatile b m 60 4 every 2 from 1 until 9\n"
	"at 3 fork a c\n"
	"at 3 fill c m 0 1 unique\n"
	"at 4 pin a m 5\n"
	"at 5 unpin a m 5\n"
	"at 6 exit c\n"
	"at 6 prctl b merge-any on\n"
	"at 7 munmap b m 0 4\n";

static int page_eq(const unsigned char *a, const unsigned char *b)
{
	return !memcmp(a, b, KSML_WL_PAGE_SIZE);
}

static const struct ksml_wl_step *fill_at_line(const struct ksml_workload *wl,
					       int line)
{
	int i;

	for (i = 0; i < wl->nr_steps; i++)
		if (wl->steps[i].line == line && wl->steps[i].op == KSML_OP_FILL)
			return &wl->steps[i];
	return NULL;
}

static void test_good(void)
{
	static unsigned char p[8][KSML_WL_PAGE_SIZE];
	struct ksml_workload wl, wl2;
	const struct ksml_wl_step *same, *grp, *uni, *zero, *l8, *cls, *rnd;
	char err[512];
	unsigned long i, dups = 0;
	int ret, k;

	ret = ksml_wl_parse_string("good.wl", good, &wl, err, sizeof(err));
	CHECK(ret == 0, "good text failed: %s", err);
	if (ret)
		return;
	CHECK(!strcmp(wl.name, "t-good"), "name %s", wl.name);
	CHECK(!strcmp(wl.description, "a test"), "description '%s'", wl.description);
	CHECK(wl.seed == 42, "seed");
	CHECK(wl.nr_spaces == 3, "spaces %d", wl.nr_spaces);
	/* a, b's maps + the fork copies of a's two maps */
	CHECK(wl.nr_maps == 5, "maps %d", wl.nr_maps);
	CHECK(wl.last_event_scan == 7, "last event %lu", wl.last_event_scan);
	CHECK(wl.max_scans == 47, "max-scans default %lu", wl.max_scans);
	CHECK(wl.nr_volatile == 1 && wl.vol[0].every == 2 && wl.vol[0].from == 1 &&
		      wl.vol[0].until == 9,
	      "volatile");
	CHECK(wl.maps[0].addr == KSML_WL_MAP_BASE, "first map address");
	CHECK(wl.maps[1].addr >= wl.maps[0].addr + 64 * 4096 + KSML_WL_MAP_GAP,
	      "maps do not overlap");
	CHECK(wl.maps[3].addr == wl.maps[0].addr && wl.maps[3].space == 2,
	      "fork copies the parent's mappings at the same address");
	for (i = 1; i < (unsigned long)wl.nr_steps; i++)
		CHECK(wl.steps[i].at >= wl.steps[i - 1].at, "steps sorted");

	same = fill_at_line(&wl, 11);
	grp = fill_at_line(&wl, 12);
	uni = fill_at_line(&wl, 13);
	zero = fill_at_line(&wl, 14);
	l8 = fill_at_line(&wl, 15);
	cls = fill_at_line(&wl, 16);
	rnd = fill_at_line(&wl, 17);
	CHECK(same && grp && uni && zero && l8 && cls && rnd, "fill steps found");
	if (!(same && grp && uni && zero && l8 && cls && rnd))
		return;
	/* same: all equal, and equal to class 3 elsewhere */
	ksml_wl_page_content(&wl, same, 0, p[0]);
	ksml_wl_page_content(&wl, same, 15, p[1]);
	CHECK(page_eq(p[0], p[1]), "same: pages equal");
	ksml_wl_page_content(&wl, cls, 0, p[2]);
	CHECK(page_eq(p[0], p[2]), "class 3 is the same content in every fill");
	/* groups 4 of 16: pages 0-3 equal, 4 differs; base 10 = class 10 */
	ksml_wl_page_content(&wl, grp, 0, p[1]);
	ksml_wl_page_content(&wl, grp, 3, p[2]);
	ksml_wl_page_content(&wl, grp, 4, p[3]);
	CHECK(page_eq(p[1], p[2]) && !page_eq(p[1], p[3]), "groups structure");
	ksml_wl_page_content(&wl, cls, 3, p[4]);
	CHECK(page_eq(p[1], p[4]), "groups base 10 equals class 10");
	/* unique: all different */
	ksml_wl_page_content(&wl, uni, 0, p[1]);
	ksml_wl_page_content(&wl, uni, 1, p[2]);
	CHECK(!page_eq(p[1], p[2]) && !page_eq(p[1], p[0]), "unique differs");
	/* zero */
	memset(p[3], 0, KSML_WL_PAGE_SIZE);
	ksml_wl_page_content(&wl, zero, 5, p[1]);
	CHECK(page_eq(p[1], p[3]), "zero page is zero");
	ksml_wl_page_content(&wl, cls, 1, p[1]);
	CHECK(page_eq(p[1], p[3]), "class z is zero");
	/* last8: equal to class 3 except the last 8 bytes, all different */
	ksml_wl_page_content(&wl, l8, 0, p[1]);
	ksml_wl_page_content(&wl, l8, 1, p[2]);
	CHECK(!memcmp(p[1], p[0], KSML_WL_PAGE_SIZE - 8) &&
		      memcmp(p[1] + 4088, p[0] + 4088, 8) && !page_eq(p[1], p[2]),
	      "last8 structure");
	/* classes: u pages differ from each other, 10*2 equal */
	ksml_wl_page_content(&wl, cls, 5, p[1]);
	ksml_wl_page_content(&wl, cls, 6, p[2]);
	CHECK(!page_eq(p[1], p[2]), "u pages differ");
	ksml_wl_page_content(&wl, cls, 3, p[1]);
	ksml_wl_page_content(&wl, cls, 4, p[2]);
	CHECK(page_eq(p[1], p[2]), "10*2 equal");
	/* random 0.5: some duplicates, not all */
	for (i = 1; i < 64; i++) {
		ksml_wl_page_content(&wl, rnd, i, p[1]);
		for (k = 0; k < (int)i; k++) {
			ksml_wl_page_content(&wl, rnd, (unsigned long)k, p[2]);
			if (page_eq(p[1], p[2])) {
				dups++;
				break;
			}
		}
	}
	CHECK(dups > 15 && dups < 50, "random 0.5 gave %lu duplicates of 63", dups);
	/* deterministic: the same text gives the same bytes; another seed not */
	ret = ksml_wl_parse_string("good.wl", good, &wl2, err, sizeof(err));
	CHECK(ret == 0, "reparse");
	if (!ret) {
		ksml_wl_page_content(&wl2, fill_at_line(&wl2, 13), 0, p[5]);
		ksml_wl_page_content(&wl, uni, 0, p[6]);
		CHECK(page_eq(p[5], p[6]), "deterministic content");
		wl2.seed = 43;
		ksml_wl_page_content(&wl2, fill_at_line(&wl2, 13), 0, p[5]);
		CHECK(!page_eq(p[5], p[6]), "seed changes content");
		ksml_wl_free(&wl2);
	}
	/* volatile rewrites: fresh each generation */
	ksml_wl_volatile_content(&wl, &wl.vol[0], 0, 1, p[1]);
	ksml_wl_volatile_content(&wl, &wl.vol[0], 0, 2, p[2]);
	CHECK(!page_eq(p[1], p[2]), "volatile generations differ");
	ksml_wl_free(&wl);
}

/*
 * A bounded volatile range's last rewrite is an event: with rewrites at
 * scans 4, 7 and 10 (every 3 from 1 until 13) the run may not converge
 * before scan 12; an unbounded one or one with no rewrite adds nothing.
 */
static void test_volatile_until(void)
{
	static const struct {
		const char *vol;
		unsigned long last;
	} c[] = {
		{"volatile a m 0 2 every 3 from 1 until 13\n", 10},
		{"volatile a m 0 2 every 3 from 1 until 14\n", 13},
		{"volatile a m 0 2 every 3 from 1 until 4\n", 2},
		{"volatile a m 0 2 every 1\n", 2},
		{"volatile a m 0 2 every 1 until 30\n", 29},
	};
	struct ksml_workload wl;
	char text[256], err[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text),
			 "seed 1\nspace a\nmap a m 4\nfill a m 0 4 unique\n"
			 "madvise a m mergeable\n%sat 2 fill a m 3 1 zero\n",
			 c[i].vol);
		ret = ksml_wl_parse_string("v.wl", text, &wl, err, sizeof(err));
		CHECK(ret == 0, "volatile case %zu: %s", i, err);
		if (ret)
			continue;
		CHECK(wl.last_event_scan == c[i].last,
		      "'%.40s': last event %lu, expected %lu", c[i].vol,
		      wl.last_event_scan, c[i].last);
		CHECK(wl.max_scans == c[i].last + 40, "max-scans %lu",
		      wl.max_scans);
		ksml_wl_free(&wl);
	}
}

/* expect-different when CONDITION: the condition, and the reason alone */
static void test_expect_when(void)
{
	static const char text[] =
		"seed 1\nspace a\nmap a m 4\nfill a m 0 4 unique\n"
		"expect-different when node-placement-skipped one node here\n";
	struct ksml_workload wl;
	char err[512];
	int ret = ksml_wl_parse_string("e.wl", text, &wl, err, sizeof(err));

	CHECK(ret == 0, "expect-different when: %s", err);
	if (ret)
		return;
	CHECK(wl.expect_when == KSML_EXPECT_NODE_PLACEMENT_SKIPPED,
	      "condition %d", wl.expect_when);
	CHECK(!strcmp(wl.expect_different, "one node here"), "reason '%s'",
	      wl.expect_different);
	ksml_wl_free(&wl);
}

static void test_dump(void)
{
	const char *path = "/tmp/ksmlab-test-dump.classes";
	struct ksml_workload wl;
	char err[512], text[256];
	FILE *f = fopen(path, "w");
	int ret;

	CHECK(f != NULL, "cannot write %s", path);
	if (!f)
		return;
	fprintf(f, "# dump\n1*3 z\nu 2 # end\n");
	fclose(f);
	snprintf(text, sizeof(text), "seed 1\nspace a\nmap a m 6\nfill a m 0 6 dump %s\n", path);
	ret = ksml_wl_parse_string("d.wl", text, &wl, err, sizeof(err));
	CHECK(ret == 0, "dump parse: %s", err);
	if (!ret) {
		const struct ksml_wl_step *st = fill_at_line(&wl, 4);

		CHECK(st && st->fill.classes[0] == 1 && st->fill.classes[3] == KSML_CLS_ZERO &&
			      st->fill.classes[4] == KSML_CLS_UNIQUE && st->fill.classes[5] == 2,
		      "dump classes");
		ksml_wl_free(&wl);
	}
	snprintf(text, sizeof(text), "seed 1\nspace a\nmap a m 7\nfill a m 0 7 dump %s\n", path);
	ret = ksml_wl_parse_string("d.wl", text, &wl, err, sizeof(err));
	snprintf(text, sizeof(text), "d.wl:4: dump file '%s' lists 6 pages, the fill needs 7", path);
	CHECK(ret < 0 && !strcmp(err, text), "dump count error: '%s'", err);
	unlink(path);
}

/* a `thp` line: its mode and defrag, mappings 2 MiB-aligned, advice 14/15 */
static void test_thp(void)
{
	static const char text[] =
		"seed 1\nthp always defrag defer+madvise\nspace a\n"
		"map a m 16\nmap a n 600\nmap a o 4\n"
		"madvise a n hugepage\nmadvise a o nohugepage 1 2\n"
		"fill a m 0 16 unique\n";
	struct ksml_workload wl;
	char err[512];
	int i, ret = ksml_wl_parse_string("t.wl", text, &wl, err, sizeof(err));

	CHECK(ret == 0, "thp workload: %s", err);
	if (ret)
		return;
	CHECK(wl.thp_mode == KSML_WL_THP_ALWAYS, "thp mode %d", wl.thp_mode);
	CHECK(!strcmp(ksml_wl_thp_name(wl.thp_mode), "always"), "thp name");
	CHECK(!strcmp(wl.thp_defrag, "defer+madvise"), "defrag '%s'", wl.thp_defrag);
	for (i = 0; i < wl.nr_maps; i++)
		CHECK(wl.maps[i].addr % KSML_WL_HPAGE_SIZE == 0,
		      "map %d at 0x%lx, not 2 MiB-aligned", i, wl.maps[i].addr);
	CHECK(wl.maps[1].addr >= wl.maps[0].addr + 16 * KSML_WL_PAGE_SIZE +
					 KSML_WL_MAP_GAP,
	      "maps overlap or lost their gap");
	for (i = 0; i < wl.nr_steps; i++)
		if (wl.steps[i].op == KSML_OP_MADVISE)
			CHECK(wl.steps[i].advice ==
				      (wl.steps[i].map == 1 ? 14 : 15),
			      "advice %d", wl.steps[i].advice);
	ksml_wl_free(&wl);
	/* without a thp line: no mode, the old placement (16-page gaps) */
	ret = ksml_wl_parse_string("t.wl", HDR FILL "map a n 4\n", &wl, err,
				   sizeof(err));
	CHECK(ret == 0 && wl.thp_mode == KSML_WL_THP_NONE &&
		      wl.maps[1].addr == wl.maps[0].addr + 16 * KSML_WL_PAGE_SIZE +
						 KSML_WL_MAP_GAP,
	      "no thp line: mode %d", wl.thp_mode);
	if (!ret)
		ksml_wl_free(&wl);
	CHECK(ksml_wl_thp_name(KSML_WL_THP_NONE) == NULL, "name of no mode");
}

int main(int argc, char **argv)
{
	int i;

	test_bad();
	test_thp();
	test_good();
	test_volatile_until();
	test_expect_when();
	test_dump();
	for (i = 1; i < argc; i++) {
		struct ksml_workload wl;
		char err[512];
		int ret = ksml_wl_parse_file(argv[i], &wl, err, sizeof(err));

		CHECK(ret == 0, "shipped workload %s: %s", argv[i], err);
		if (!ret)
			ksml_wl_free(&wl);
	}
	printf("SUMMARY: workload parser: %d checks, %d failed (%zu bad-input cases, %d workload files)\n",
	       run, failed, sizeof(bad) / sizeof(bad[0]), argc - 1);
	return failed ? 1 : 0;
}

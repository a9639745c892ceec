/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_oracle - the differential oracle's judgement on made-up runs: a
 * difference stays a difference when the kernel repeats itself on a second
 * run, or when the second run differs from ref too (in a global counter,
 * in one space's own values with the sum unchanged, in pages_volatile or
 * general_profit after a scan, in length); it becomes "equal, the kernel
 * varied" only when the kernel's two runs disagree and the second agrees
 * with ref in every value after every scan.  expect-different with a
 * condition excuses a difference only while the condition holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

#include "test_check.h"

/*
 * A run of 3 scans whose pages_sharing climbs 0, n/2, n, with one space
 * merging n pages at the end.
 */
static void mkrun(struct ksml_run_result *r, long n)
{
	unsigned long s;

	memset(r, 0, sizeof(*r));
	r->ntraj = 3;
	r->scans = 2;
	r->converged = true;
	r->traj_w = KSML_TRAJ_W(1);
	r->traj = calloc(r->ntraj * (size_t)r->traj_w, sizeof(long));
	if (!r->traj)
		abort();
	for (s = 0; s < r->ntraj; s++) {
		r->traj[s * KSML_TRAJ_W(1) + 1] = n * (long)s / 2;
		r->traj[s * KSML_TRAJ_W(1) + KSML_TRAJ_SP + KSML_TRAJ_SP_MERGING] =
			n * (long)s / 2;
	}
	r->c.pages_shared = 1;
	r->c.pages_sharing = (unsigned long)n;
	r->c.rmap_items = 100;
	r->nr_spaces = 1;
	r->sp[0].live = true;
	r->caps = KSML_CAP_ALL;
	r->sp[0].st.ksm_merging_pages = (unsigned long)n;
}

static void first_judgement(const struct ksml_workload *wl,
			    struct ksml_run_result *rr,
			    struct ksml_run_result *lr,
			    struct ksml_diff_row *row)
{
	(void)rr;
	(void)lr;
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", wl->name);
	row->verdict = KSML_DIFFERENT;
	row->ndiff = 1;
	snprintf(row->traj, sizeof(row->traj),
		 "after scan 1: pages_sharing ref 50 linux 49");
}

int main(void)
{
	struct ksml_workload wl;
	struct ksml_run_result rr, lr, lr2;
	struct ksml_diff_row row;
	struct ksml_wl_space space;

	memset(&wl, 0, sizeof(wl));
	memset(&space, 0, sizeof(space));
	wl.spaces = &space;
	snprintf(wl.name, sizeof(wl.name), "made-up");
	wl.nr_spaces = 1;
	snprintf(wl.spaces[0].name, sizeof(wl.spaces[0].name), "a");

	/* the kernel repeats its difference: it stays */
	mkrun(&rr, 100);
	mkrun(&lr, 100);
	lr.traj[1 * KSML_TRAJ_W(1) + 1] = 49;
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + 1] = 49;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a repeated difference was taken back");
	CHECK(row.verdict == KSML_DIFFERENT && !row.rerun,
	      "verdict %d rerun %d", row.verdict, row.rerun);
	CHECK(strstr(row.reason, "repeated"), "reason: %s", row.reason);
	ksml_run_result_free(&lr2);

	/* the kernel varied, but its second run differs from ref as well */
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + 1] = 48;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a second difference was taken as equal");
	CHECK(row.verdict == KSML_DIFFERENT && !row.rerun,
	      "verdict %d rerun %d", row.verdict, row.rerun);
	CHECK(strstr(row.reason, "differs from ref too"), "reason: %s",
	      row.reason);
	ksml_run_result_free(&lr2);

	/* ... or only at the end, in rmap_items */
	mkrun(&lr2, 100);
	lr2.c.rmap_items = 101;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "an rmap_items difference was taken as equal");
	ksml_run_result_free(&lr2);

	/* ... or in one space's merging pages */
	mkrun(&lr2, 100);
	lr2.sp[0].st.ksm_merging_pages = 99;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a space's difference was taken as equal");
	ksml_run_result_free(&lr2);

	/* ... or in its length */
	mkrun(&lr2, 100);
	lr2.ntraj = 2;
	lr2.scans = 1;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a shorter second run was taken as equal");
	ksml_run_result_free(&lr2);

	/*
	 * ... or in what two spaces merge, their sum unchanged: spaces are
	 * compared one by one after every scan (this workload has one space
	 * named, so the second column pair is the same space's rmap_items
	 * and zero pages: trade merging pages for rmap_items)
	 */
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_SP + KSML_TRAJ_SP_MERGING] -= 1;
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_SP + KSML_TRAJ_SP_RMAP_ITEMS] += 1;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a per-space trade was taken as equal");
	ksml_run_result_free(&lr2);

	/* ... or in pages_volatile or general_profit after a scan */
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_VOLATILE] = 3;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a pages_volatile difference after a scan was taken as equal");
	ksml_run_result_free(&lr2);
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_PROFIT] = 4096;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a general_profit difference after a scan was taken as equal");
	ksml_run_result_free(&lr2);

	/*
	 * ... or in cow_ksm, or a space's smaps KSM figure (both backends
	 * report them); a backend without them (the module) is not held to
	 * them
	 */
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_COW_KSM] = 5;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a cow_ksm difference was taken as equal");
	ksml_run_result_free(&lr2);
	mkrun(&lr2, 100);
	lr2.sp[0].st.ksm_kb = 4;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a smaps KSM difference was taken as equal");
	lr2.caps &= ~KSML_CAP_COW_KSM;
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_COW_KSM] = 5;
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_SP + KSML_TRAJ_SP_KSM_KB] = 8;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "cow_ksm and smaps KSM held against a backend without them");
	ksml_run_result_free(&lr2);

	/*
	 * AnonHugePages, per space after every scan and at the end; not
	 * held against a backend without it (the module)
	 */
	mkrun(&lr2, 100);
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_SP +
		 KSML_TRAJ_SP_ANON_HUGE_KB] = 2048;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "an AnonHugePages difference after a scan was taken as equal");
	ksml_run_result_free(&lr2);
	mkrun(&lr2, 100);
	lr2.sp[0].st.anon_huge_kb = 2048;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "an AnonHugePages difference at the end was taken as equal");
	lr2.caps &= ~KSML_CAP_ANON_HUGE;
	lr2.traj[1 * KSML_TRAJ_W(1) + KSML_TRAJ_SP +
		 KSML_TRAJ_SP_ANON_HUGE_KB] = 2048;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "AnonHugePages held against a backend without it");
	ksml_run_result_free(&lr2);

	/* the kernel varied and its second run is ref's: equal, marked */
	mkrun(&lr2, 100);
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "the kernel's second run equal to ref was not taken");
	CHECK(row.verdict == KSML_EQUAL && row.rerun && !row.ndiff,
	      "verdict %d rerun %d ndiff %d", row.verdict, row.rerun,
	      row.ndiff);
	CHECK(strstr(row.reason, "pages_sharing ref 50 linux 49") &&
		      strstr(row.reason, "two runs differ"),
	      "reason names neither difference: %s", row.reason);
	CHECK(!strcmp(row.name, "made-up"), "name lost: %s", row.name);
	ksml_run_result_free(&lr2);

	/* a second run that parts from ref only at its last scan */
	mkrun(&lr2, 100);
	lr2.traj[2 * KSML_TRAJ_W(1) + 1] = 7;
	first_judgement(&wl, &rr, &lr, &row);
	CHECK(!ksml_oracle_second_opinion(&wl, &rr, &lr, &lr2, &row),
	      "a late trajectory difference was taken as equal");
	ksml_run_result_free(&lr2);

	/*
	 * expect-different when node-placement-skipped: expected only where
	 * a node step could not place its pages, else a real difference
	 */
	wl.expect_when = KSML_EXPECT_NODE_PLACEMENT_SKIPPED;
	snprintf(wl.expect_different, sizeof(wl.expect_different), "one node");
	mkrun(&lr2, 99);
	memset(&row, 0, sizeof(row));
	ksml_oracle_judge(&wl, &rr, &lr2, &row);
	CHECK(row.verdict == KSML_DIFFERENT && strstr(row.reason, "placed"),
	      "condition not met: verdict %d (%s)", row.verdict, row.reason);
	lr2.placement_skipped = true;
	memset(&row, 0, sizeof(row));
	ksml_oracle_judge(&wl, &rr, &lr2, &row);
	CHECK(row.verdict == KSML_EXPECTED, "condition met: verdict %d (%s)",
	      row.verdict, row.reason);
	wl.expect_when = KSML_EXPECT_ALWAYS;
	lr2.placement_skipped = false;
	memset(&row, 0, sizeof(row));
	ksml_oracle_judge(&wl, &rr, &lr2, &row);
	CHECK(row.verdict == KSML_EXPECTED, "unconditional: verdict %d",
	      row.verdict);
	wl.expect_different[0] = 0;
	memset(&row, 0, sizeof(row));
	ksml_oracle_judge(&wl, &rr, &lr2, &row);
	CHECK(row.verdict == KSML_DIFFERENT, "unmarked: verdict %d",
	      row.verdict);
	ksml_run_result_free(&lr2);

	ksml_run_result_free(&rr);
	ksml_run_result_free(&lr);
	printf("%s: %d checks, %d failed\n", failed ? "FAILED" : "ok", run,
	       failed);
	return failed ? 1 : 0;
}

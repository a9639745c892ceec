/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * oracle.c - the differential oracle (oracle.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "oracle.h"

int ksml_oracle_run(const struct ksml_oracle_opts *o, const char *backend,
		    const struct ksml_workload *wl, unsigned long min_scans,
		    struct ksml_run_result *res, char *err, size_t errsz)
{
	const struct ksml_backend_ops *ops = ksml_backend_by_name(backend);
	struct ksml_drv_opts d_opts = {0};
	struct ksml_drv d;
	int ret;

	if (!ops) {
		snprintf(err, errsz,
			 "unknown backend '%s' (expected ref, linux or kmod)",
			 backend);
		return -EINVAL;
	}
	ret = ksml_run_check_memory(wl, err, errsz);
	if (ret)
		return ret;
	d_opts.numa_nodes = wl->numa_nodes;
	d_opts.profile = o->profile;
	if (!strcmp(backend, "ref"))
		d_opts.emulate_missing = o->emulate_missing;
	d_opts.wait_quiet_s = o->wait_quiet_s ? *o->wait_quiet_s : 0;
	ret = ksml_drv_open(&d, ops, &d_opts);
	if (ret) {
		snprintf(err, errsz, "%s backend: %s", backend,
			 ksml_drv_error(&d));
		ksml_drv_close(&d);
		return ret;
	}
	/* the wait for other KSM users is one budget for the whole command */
	if (o->wait_quiet_s) {
		*o->wait_quiet_s -= d.waited_s;
		if (*o->wait_quiet_s < 0)
			*o->wait_quiet_s = 0;
	}
	ret = ksml_run_workload_min(&d, wl, min_scans, res, o->progress,
				    o->progress_arg, err, errsz);
	ksml_drv_close(&d);
	if (!ret && ksml_live_interrupted) {
		snprintf(err, errsz, "interrupted by signal %d",
			 (int)ksml_live_interrupted);
		ret = -EINTR;
	}
	return ret;
}

/*
 * What is compared: the caps both runs have.  (An earlier reading that
 * 6.1 keeps the rmap_items of pages merged with the zero page did not
 * hold once ref ran 6.1's order of a visit, stable_search_first: every
 * shipped workload is equal to Debian's 6.1.192 on rmap_items and
 * pages_volatile too.)
 */
struct compared {
	unsigned int both;
};

static struct compared what_compared(const struct ksml_workload *wl,
				     const struct ksml_run_result *a,
				     const struct ksml_run_result *b)
{
	struct compared w;

	(void)wl;
	w.both = a->caps & b->caps;
	return w;
}

/* is trajectory column k compared */
static bool traj_compared(const struct compared *w, int k)
{
	int sk = k >= KSML_TRAJ_SP ? (k - KSML_TRAJ_SP) % KSML_TRAJ_PER_SP : -1;

	if (!(w->both & KSML_CAP_COW_KSM) &&
	    (k == KSML_TRAJ_COW_KSM || sk == KSML_TRAJ_SP_KSM_KB))
		return false;
	if (!(w->both & KSML_CAP_PROFIT) && k == KSML_TRAJ_PROFIT)
		return false;
	if (!(w->both & KSML_CAP_ANON_HUGE) && sk == KSML_TRAJ_SP_ANON_HUGE_KB)
		return false;
	if (!(w->both & KSML_CAP_ZERO_PAGES) &&
	    (k == KSML_DET_ZERO_PAGES || sk == KSML_TRAJ_SP_ZERO))
		return false;
	return true;
}

static void note_not_compared(const struct compared *w,
			      struct ksml_diff_row *row)
{
	char *p = row->not_compared;
	size_t n = sizeof(row->not_compared);

	p[0] = '\0';
#define NOTE(...) snprintf(p + strlen(p), n - strlen(p), __VA_ARGS__)
	if (!(w->both & KSML_CAP_COW_KSM))
		NOTE("%scow_ksm, smaps KSM (one side does not report cow_ksm "
		     "or the smaps KSM line)",
		     p[0] ? "; " : "");
	if (!(w->both & KSML_CAP_ANON_HUGE))
		NOTE("%sAnonHugePages (one side does not report it)",
		     p[0] ? "; " : "");
	if (!(w->both & KSML_CAP_PROFIT))
		NOTE("%sgeneral_profit, ksm_process_profit (one side has no "
		     "general_profit)",
		     p[0] ? "; " : "");
	if (!(w->both & KSML_CAP_ZERO_PAGES))
		NOTE("%sksm_zero_pages, global and per space (one side has no "
		     "ksm_zero_pages counter)",
		     p[0] ? "; " : "");
	if (!(w->both & KSML_CAP_STAT_MERGE_ANY))
		NOTE("%sksm_merge_any, ksm_mergeable (one side's ksm_stat has "
		     "no such lines)",
		     p[0] ? "; " : "");
#undef NOTE
}

/*
 * First point where the trajectories part.  With other KSM users on the
 * host (noise) the global counters are not ours alone: compare only what
 * /proc/PID/ksm_stat says of our own processes.
 */
static void compare_traj(const struct ksml_workload *wl,
			 const struct ksml_run_result *a,
			 const struct ksml_run_result *b,
			 const struct compared *cw, bool mm_only,
			 struct ksml_diff_row *row)
{
	unsigned long n = a->ntraj < b->ntraj ? a->ntraj : b->ntraj, s;
	int k, w = a->traj_w < b->traj_w ? a->traj_w : b->traj_w;
	char name[96];

	for (s = 0; s < n; s++) {
		const long *x = &a->traj[s * (size_t)a->traj_w],
			   *y = &b->traj[s * (size_t)b->traj_w];

		for (k = mm_only ? KSML_TRAJ_SP : 0; k < w; k++) {
			/* only what both report */
			if (x[k] == y[k] || !traj_compared(cw, k))
				continue;
			snprintf(row->traj, sizeof(row->traj),
				 "after scan %lu: %s ref %ld linux %ld", s,
				 ksml_traj_name(wl, k, name, sizeof(name)),
				 x[k], y[k]);
			row->ntraj_diff++;
			return;
		}
	}
	if (a->ntraj != b->ntraj && !mm_only) {
		snprintf(row->traj, sizeof(row->traj),
			 "ref ran %lu scans, linux %lu", a->ntraj - 1,
			 b->ntraj - 1);
		row->ntraj_diff++;
	}
}

/*
 * every space's end state: alive on both, and every value of its
 * /proc/PID/ksm_stat (6.14 added ksm_merge_any: and ksm_mergeable:)
 */
static void compare_spaces(const struct ksml_workload *wl,
			   const struct ksml_run_result *rr,
			   const struct ksml_run_result *lr,
			   const struct compared *cw, struct ksml_diff_row *row)
{
	int k;

	for (k = 0; k < wl->nr_spaces; k++) {
		const struct ksml_mm_stat *a = &rr->sp[k].st,
					  *b = &lr->sp[k].st;
		const char *what = NULL;

		if (rr->sp[k].live != lr->sp[k].live)
			what = "live";
		else if (!rr->sp[k].live)
			continue;
		else if (a->ksm_merging_pages != b->ksm_merging_pages)
			what = "ksm_merging_pages";
		else if (a->ksm_rmap_items != b->ksm_rmap_items)
			what = "ksm_rmap_items";
		else if ((cw->both & KSML_CAP_ZERO_PAGES) &&
			 a->ksm_zero_pages != b->ksm_zero_pages)
			what = "ksm_zero_pages";
		else if ((cw->both & KSML_CAP_PROFIT) &&
			 a->ksm_process_profit != b->ksm_process_profit)
			what = "ksm_process_profit";
		else if ((cw->both & KSML_CAP_STAT_MERGE_ANY) &&
			 a->ksm_merge_any != b->ksm_merge_any)
			what = "ksm_merge_any";
		else if ((cw->both & KSML_CAP_STAT_MERGE_ANY) &&
			 a->ksm_mergeable != b->ksm_mergeable)
			what = "ksm_mergeable";
		else if ((cw->both & KSML_CAP_COW_KSM) &&
			 a->ksm_kb != b->ksm_kb)
			what = "smaps KSM";
		else if ((cw->both & KSML_CAP_ANON_HUGE) &&
			 a->anon_huge_kb != b->anon_huge_kb)
			what = "AnonHugePages";
		if (rr->sp[k].live && lr->sp[k].live) {
			row->mref += (long)a->ksm_merging_pages;
			row->mlin += (long)b->ksm_merging_pages;
		}
		if (!what)
			continue;
		if (!row->nmm_diff++)
			snprintf(row->mm, sizeof(row->mm),
				 "space %s: %s differs", wl->spaces[k].name,
				 what);
	}
}

void ksml_oracle_judge(const struct ksml_workload *wl,
		       const struct ksml_run_result *rr,
		       const struct ksml_run_result *lr, struct ksml_diff_row *row)
{
	struct compared cw = what_compared(wl, rr, lr);
	int k;

	row->ndiff = row->ntraj_diff = row->nmm_diff = 0;
	row->mref = row->mlin = 0;
	row->expected = false;
	row->reason[0] = row->traj[0] = row->mm[0] = '\0';
	note_not_compared(&cw, row);
	ksml_det_values(&rr->c, row->ref);
	ksml_det_values(&lr->c, row->lin);
	for (k = 0; k < KSML_NR_DET; k++)
		row->ndiff += row->ref[k] != row->lin[k] && traj_compared(&cw, k);
	compare_spaces(wl, rr, lr, &cw, row);
	row->noise = rr->host_noise || lr->host_noise;
	compare_traj(wl, rr, lr, &cw, row->noise, row);
	/*
	 * The rest of the counters at the end: rmap_items and pages_volatile
	 * (which follows from it) are the kernel's too, global ones, so only
	 * when nobody else used the host's KSM.
	 */
	if (!row->noise) {
		const char *what = NULL;
		long a = 0, b = 0;

		if (rr->c.rmap_items != lr->c.rmap_items) {
			what = "rmap_items";
			a = (long)rr->c.rmap_items;
			b = (long)lr->c.rmap_items;
		} else if (rr->c.pages_volatile != lr->c.pages_volatile) {
			what = "pages_volatile";
			a = (long)rr->c.pages_volatile;
			b = (long)lr->c.pages_volatile;
		}
		if (!what && (cw.both & KSML_CAP_COW_KSM) &&
		    rr->c.cow_ksm != lr->c.cow_ksm) {
			what = "cow_ksm";
			a = (long)rr->c.cow_ksm;
			b = (long)lr->c.cow_ksm;
		}
		if (what) {
			row->ndiff++;
			if (!row->traj[0])
				snprintf(row->traj, sizeof(row->traj),
					 "at the end: %s ref %ld linux %ld",
					 what, a, b);
		}
	}
	if (row->noise) {
		/* global counters include other processes: judge ours only */
		row->ndiff = row->ntraj_diff + row->nmm_diff;
	} else {
		row->ndiff += row->ntraj_diff + row->nmm_diff;
	}
	row->verdict = KSML_EQUAL;
	if (row->ndiff && wl->expect_different[0] &&
	    wl->expect_when == KSML_EXPECT_NODE_PLACEMENT_SKIPPED &&
	    !rr->placement_skipped && !lr->placement_skipped) {
		/* the mark's condition does not hold here: a real difference */
		row->verdict = KSML_DIFFERENT;
		snprintf(row->reason, sizeof(row->reason),
			 "marked expect-different when node-placement-skipped, "
			 "but every node step placed its pages");
	} else if (row->ndiff && wl->expect_different[0]) {
		row->expected = true;
		row->verdict = KSML_EXPECTED;
		snprintf(row->reason, sizeof(row->reason), "%s",
			 wl->expect_different);
	} else if (row->ndiff && row->noise &&
		   (wl->has_zero || lr->noise_ksmlab)) {
		/*
		 * Our own pages can merge with theirs only if the contents
		 * coincide: zero pages, or another ksmlab writing the same
		 * seeded contents.  Not proof of a bug.
		 */
		row->verdict = KSML_INCONCLUSIVE;
		snprintf(row->reason, sizeof(row->reason),
			 "inconclusive: other processes used the host's KSM%s",
			 lr->noise_ksmlab ? " (another ksmlab)"
					  : " (zero pages)");
	} else if (row->ndiff) {
		row->verdict = KSML_DIFFERENT;
	} else if (row->noise) {
		row->verdict = KSML_INCONCLUSIVE;
		snprintf(row->reason, sizeof(row->reason),
			 "per-process only: other processes used the host's "
			 "KSM");
	}
}

int ksml_oracle_second_opinion(const struct ksml_workload *wl,
			       const struct ksml_run_result *rr,
			       const struct ksml_run_result *lr,
			       const struct ksml_run_result *lr2,
			       struct ksml_diff_row *row)
{
	struct ksml_diff_row self, second;

	memset(&self, 0, sizeof(self));
	ksml_oracle_judge(wl, lr, lr2, &self);
	if (!self.ndiff) {
		snprintf(row->reason, sizeof(row->reason),
			 "the kernel repeated it on a second run");
		return 0;
	}
	second = *row;
	ksml_oracle_judge(wl, rr, lr2, &second);
	if (second.verdict != KSML_EQUAL) {
		snprintf(row->reason, sizeof(row->reason),
			 "a second linux run differs from ref too");
		return 0;
	}
	snprintf(second.reason, sizeof(second.reason),
		 "equal to a second linux run; the first differed %.80s, and "
		 "the kernel's two runs differ %.80s",
		 row->traj[0] ? row->traj : row->mm,
		 self.traj[0] ? self.traj : self.mm);
	second.rerun = true;
	*row = second;
	return 1;
}

/*
 * What wl needs that the kernel (caps, release rel) lacks: a sentence in
 * why and true, else false.
 */
static bool kernel_lacks(const struct ksml_workload *wl, unsigned int caps,
			 const char *rel, char *why, size_t size)
{
	char buf[64];
	int i;

	for (i = 0; i < wl->nr_steps; i++) {
		const struct ksml_wl_step *st = &wl->steps[i];

		if (st->op == KSML_OP_PRCTL && !(caps & KSML_CAP_MERGE_ANY)) {
			snprintf(why, size,
				 "needs prctl(PR_SET_MEMORY_MERGE) (line %d), "
				 "which linux %s lacks (EINVAL)",
				 st->line, rel);
			return true;
		}
		if (st->op == KSML_OP_KNOB &&
		    ksml_live_read(st->knob, buf, sizeof(buf)) < 0) {
			snprintf(why, size,
				 "needs the knob %s (line %d), which linux %s "
				 "lacks",
				 st->knob, st->line, rel);
			return true;
		}
	}
	return false;
}

static int row_error(struct ksml_diff_row *row, const char *err, int ret)
{
	row->error = true;
	snprintf(row->reason, sizeof(row->reason), "%.250s", err);
	return ret;
}

int ksml_oracle_diff(const struct ksml_oracle_opts *o, const char *other,
		     const struct ksml_workload *wl, struct ksml_run_result *rr,
		     struct ksml_run_result *lr, struct ksml_diff_row *row,
		     char *err, size_t errsz)
{
	struct ksml_run_result lr2, rr2, *r2 = rr;
	struct ksml_oracle_opts oe = *o;
	int ret;

	memset(rr, 0, sizeof(*rr));
	memset(lr, 0, sizeof(*lr));
	snprintf(row->name, sizeof(row->name), "%s", wl->name);
	row->emulated[0] = row->not_compared[0] = '\0';
	if (ksml_run_check_memory(wl, row->reason, sizeof(row->reason))) {
		row->verdict = KSML_SKIPPED;
		return 0;
	}
	if (!strcmp(other, "linux")) {
		char rel[128];
		unsigned int caps = ksml_linux_probe(rel, sizeof(rel));

		if (kernel_lacks(wl, caps, rel, row->reason,
				 sizeof(row->reason))) {
			row->verdict = KSML_SKIPPED;
			return 0;
		}
		oe.emulate_missing =
			~caps &
			(KSML_CAP_SMART_SCAN | KSML_CAP_FORK_RESETS_COUNTERS |
			 KSML_CAP_ZERO_PAGES | KSML_CAP_CHECKSUM_FIRST |
			 KSML_CAP_SPLIT_ZERO_REMAP | KSML_CAP_LARGE_WP_COPIES |
			 KSML_CAP_LARGE_WP_MM_ID);
		if (oe.emulate_missing)
			snprintf(row->emulated, sizeof(row->emulated),
				 "ref as linux %s:%s%s%s%s%s%s", rel,
				 oe.emulate_missing & KSML_CAP_SMART_SCAN
					 ? " smart_scan=0 (no smart_scan knob)"
					 : "",
				 oe.emulate_missing &
						 KSML_CAP_FORK_RESETS_COUNTERS
					 ? " fork_inherits_ksm_counters "
					   "(before 6.18)"
					 : "",
				 oe.emulate_missing & KSML_CAP_ZERO_PAGES
					 ? " converging without ksm_zero_pages "
					   "(no such counter)"
					 : "",
				 oe.emulate_missing & KSML_CAP_CHECKSUM_FIRST
					 ? " stable_search_first (before 6.9)"
					 : "",
				 oe.emulate_missing & KSML_CAP_SPLIT_ZERO_REMAP
					 ? " split_keeps_zero_subpages (before "
					   "6.12)"
					 : "",
				 !(oe.emulate_missing & KSML_CAP_LARGE_WP_MM_ID)
					 ? ""
				 : oe.emulate_missing & KSML_CAP_LARGE_WP_COPIES
					 ? " large_folio_wp sole-ref (before 6.10)"
					 : " large_folio_wp never (6.10-6.14)");
	}
	o = &oe;
	ret = ksml_oracle_run(o, "ref", wl, 0, rr, err, errsz);
	if (!ret)
		ret = ksml_oracle_run(o, other, wl, 0, lr, err, errsz);
	/*
	 * Equal-length trajectories: when linux ran longer (other KSM users
	 * kept the global counters moving, or a page kept changing), run ref
	 * as long.
	 */
	if (!ret && lr->scans > rr->scans) {
		ksml_run_result_free(rr);
		memset(rr, 0, sizeof(*rr));
		ret = ksml_oracle_run(o, "ref", wl, lr->scans, rr, err, errsz);
	}
	if (ret)
		return row_error(row, err, ret);
	ksml_oracle_judge(wl, rr, lr, row);
	if (row->verdict != KSML_DIFFERENT || strcmp(other, "linux") ||
	    !o->rerun_differing)
		return 0;
	/*
	 * The live kernel as the referee of itself.  It is not deterministic
	 * on a busy host: a page another kernel thread holds a reference on
	 * for a moment (DAMON's physical-address sampling, compaction) fails
	 * write_protect_page's count check and merges a scan later.  So the
	 * kernel runs once more (and ref as long as it, when that differs).
	 */
	memset(&lr2, 0, sizeof(lr2));
	memset(&rr2, 0, sizeof(rr2));
	ret = ksml_oracle_run(o, other, wl, 0, &lr2, err, errsz);
	if (!ret && lr2.scans != rr->scans) {
		r2 = &rr2;
		ret = ksml_oracle_run(o, "ref", wl, lr2.scans, &rr2, err,
				      errsz);
	}
	if (!ret && ksml_oracle_second_opinion(wl, r2, lr, &lr2, row)) {
		ksml_run_result_free(lr);
		*lr = lr2;
		if (r2 == &rr2) {
			ksml_run_result_free(rr);
			*rr = rr2;
		}
		return 0;
	}
	ksml_run_result_free(&lr2);
	ksml_run_result_free(&rr2);
	return ret ? row_error(row, err, ret) : 0;
}

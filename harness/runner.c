/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * runner.c - replay a workload on any backend (see runner.h).
 *
 * Convergence: the deterministic counters (pages_shared, pages_sharing,
 * pages_unshared, stable_node_chains, stable_node_dups, ksm_zero_pages)
 * and each live space's ksm_merging_pages are compared after every scan;
 * the run has converged at scan s when s is at least 2 scans past the
 * last scheduled event (a one-shot step, or the last rewrite of a
 * volatile range with `until`) and the values at s-2, s-1 and s are equal.
 */
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const traj_global[KSML_TRAJ_GLOBAL] = {
	"pages_shared",	      "pages_sharing",	  "pages_unshared",
	"stable_node_chains", "stable_node_dups", "ksm_zero_pages",
	"pages_volatile",     "rmap_items",	  "general_profit",
	"cow_ksm",
};

const char *ksml_traj_name(const struct ksml_workload *wl, int k, char *buf,
			   size_t len)
{
	static const char *const per_space[KSML_TRAJ_PER_SP] = {
		[KSML_TRAJ_SP_MERGING] = "ksm_merging_pages",
		[KSML_TRAJ_SP_RMAP_ITEMS] = "ksm_rmap_items",
		[KSML_TRAJ_SP_ZERO] = "ksm_zero_pages",
		[KSML_TRAJ_SP_KSM_KB] = "smaps KSM kB",
		[KSML_TRAJ_SP_ANON_HUGE_KB] = "AnonHugePages kB"};
	int sp;

	if (k < KSML_TRAJ_GLOBAL)
		return traj_global[k];
	k -= KSML_TRAJ_SP;
	sp = k / KSML_TRAJ_PER_SP;
	snprintf(buf, len, "%s(%s)", per_space[k % KSML_TRAJ_PER_SP],
		 sp < wl->nr_spaces ? wl->spaces[sp].name : "?");
	return buf;
}

struct fill_ctx {
	const struct ksml_workload *wl;
	const struct ksml_wl_step *st;
	const struct ksml_wl_volatile *v;
	unsigned long gen;
};

static void gen_fill(const void *ctx, unsigned long idx, void *page)
{
	const struct fill_ctx *f = ctx;

	ksml_wl_page_content(f->wl, f->st, idx, page);
}

static void gen_volatile(const void *ctx, unsigned long idx, void *page)
{
	const struct fill_ctx *f = ctx;

	ksml_wl_volatile_content(f->wl, f->v, idx, f->gen, page);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int step_err(struct ksml_drv *d, const struct ksml_workload *wl,
		    const struct ksml_wl_step *st, int ret, char *err,
		    size_t errsz)
{
	snprintf(err, errsz, "%s:%d: %s (at scan %lu) failed on %s: %s",
		 wl->path, st->line, ksml_wl_op_name(st->op), st->at,
		 d->ops->name, ksml_drv_error(d));
	return ret;
}

static int run_step(struct ksml_drv *d, const struct ksml_workload *wl,
		    const struct ksml_wl_step *st, struct ksml_run_result *res,
		    char *err, size_t errsz)
{
	const struct ksml_wl_map *m = st->map >= 0 ? &wl->maps[st->map] : NULL;
	unsigned long addr = m ? m->addr + st->first * KSML_WL_PAGE_SIZE : 0;
	unsigned long len = st->count * KSML_WL_PAGE_SIZE;
	int id = st->space >= 0 ? res->sp[st->space].id : -1;
	struct fill_ctx fc;
	int ret = 0;

	switch (st->op) {
	case KSML_OP_KNOB:
		ret = ksml_drv_knob_write(d, st->knob, st->value);
		break;
	case KSML_OP_SPACE:
		ret = ksml_drv_mm_create(d, &res->sp[st->space].id);
		res->sp[st->space].live = !ret;
		break;
	case KSML_OP_MAP:
		ret = ksml_drv_mmap(d, id, m->addr, m->pages * KSML_WL_PAGE_SIZE,
				    m->shared);
		break;
	case KSML_OP_FILL:
		fc.wl = wl;
		fc.st = st;
		fc.v = NULL;
		fc.gen = 0;
		ret = ksml_drv_fill(d, id, addr, st->count, gen_fill, &fc, sizeof(fc));
		break;
	case KSML_OP_MADVISE:
		ret = ksml_drv_madvise(d, id, addr, len, st->advice);
		break;
	case KSML_OP_MUNMAP:
		ret = ksml_drv_munmap(d, id, addr, len);
		break;
	case KSML_OP_PRCTL:
		ret = ksml_drv_prctl_merge_any(d, id, st->advice);
		break;
	case KSML_OP_PIN:
		ret = ksml_drv_pin(d, id, addr);
		break;
	case KSML_OP_UNPIN:
		ret = ksml_drv_unpin(d, id, addr);
		break;
	case KSML_OP_NODE:
		ret = ksml_drv_migrate(d, id, addr, st->count, st->advice);
		if (ret == -EOPNOTSUPP) {
			/* reported, not fatal: the workload says what it expects */
			res->placement_skipped = true;
			snprintf(res->notes + strlen(res->notes),
				 sizeof(res->notes) - strlen(res->notes),
				 "%s%s:%d: node placement skipped: %s",
				 res->notes[0] ? "\n" : "", wl->path, st->line,
				 ksml_drv_error(d));
			ret = 0;
		}
		break;
	case KSML_OP_FORK:
		ret = ksml_drv_mm_fork(d, id, &res->sp[st->space2].id);
		res->sp[st->space2].live = !ret;
		break;
	case KSML_OP_EXIT:
		ret = ksml_drv_mm_exit(d, id);
		res->sp[st->space].live = false;
		break;
	}
	return ret ? step_err(d, wl, st, ret, err, errsz) : 0;
}

static int rewrite_volatile(struct ksml_drv *d, const struct ksml_workload *wl,
			    unsigned long scan, struct ksml_run_result *res,
			    char *err, size_t errsz)
{
	int i, ret;

	for (i = 0; i < wl->nr_volatile; i++) {
		const struct ksml_wl_volatile *v = &wl->vol[i];
		const struct ksml_wl_map *m = &wl->maps[v->map];
		struct fill_ctx fc = { wl, NULL, v, 0 };

		if (scan <= v->from || (v->until && scan >= v->until) ||
		    (scan - v->from) % v->every || !res->sp[v->space].live)
			continue;
		fc.gen = (scan - v->from) / v->every;
		ret = ksml_drv_fill(d, res->sp[v->space].id,
				    m->addr + v->first * KSML_WL_PAGE_SIZE,
				    v->count, gen_volatile, &fc, sizeof(fc));
		if (ret) {
			snprintf(err, errsz, "%s:%d: volatile rewrite at scan %lu failed on %s: %s",
				 wl->path, v->line, scan, d->ops->name,
				 ksml_drv_error(d));
			return ret;
		}
	}
	return 0;
}

#define NV (KSML_NR_DET + KSML_WL_MAX_SPACES)

static int snapshot(struct ksml_drv *d, struct ksml_run_result *res, long *v)
{
	int i, ret;

	ret = ksml_drv_counters(d, &res->c);
	if (ret)
		return ret;
	memset(v, 0, NV * sizeof(long));
	ksml_det_values(&res->c, v);
	/*
	 * A ref emulating a kernel without the ksm_zero_pages counter
	 * converges as that kernel does: its zero-page merges move no
	 * counter there, so they must not make this run longer (the
	 * trajectory still records the value, not compared).
	 */
	if (d->opts.emulate_missing & KSML_CAP_ZERO_PAGES)
		v[KSML_DET_ZERO_PAGES] = 0;
	for (i = 0; i < res->nr_spaces; i++) {
		if (!res->sp[i].live)
			continue;
		ret = ksml_drv_mm_stat(d, res->sp[i].id, &res->sp[i].st);
		if (ret)
			return ret;
		v[KSML_NR_DET + i] = (long)res->sp[i].st.ksm_merging_pages;
	}
	return 0;
}

/*
 * What the workload's pages cost: each written page is a page of memory
 * (a frame and its bookkeeping on ref, a page and its page-table share on
 * the kernel), whatever KSM later saves.  Mapped but never written pages
 * cost nothing.
 */
#define PAGE_COST (KSML_WL_PAGE_SIZE + 256)

int ksml_run_check_memory(const struct ksml_workload *wl, char *err,
			  size_t errsz)
{
	unsigned long long need = (unsigned long long)wl->written_pages *
				  PAGE_COST,
			   avail_kb = 0;
	char line[128];
	FILE *f;

	if (getenv("KSMLAB_MEM_AVAILABLE_KB"))
		avail_kb = strtoull(getenv("KSMLAB_MEM_AVAILABLE_KB"), NULL, 10);
	else if ((f = fopen("/proc/meminfo", "r"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemAvailable: %llu kB", &avail_kb) == 1)
				break;
		fclose(f);
	}
	if (!avail_kb)
		return 0; /* no figure to judge by: let the run find out */
	/* a tenth stays for everything else on the machine */
	if (need <= avail_kb * 1024 / 10 * 9)
		return 0;
	snprintf(err, errsz,
		 "%s: the workload writes %lu pages (%llu MiB with their "
		 "bookkeeping), more than 90%% of the %llu MiB this machine "
		 "has available (MemAvailable): nothing was run",
		 wl->path[0] ? wl->path : wl->name, wl->written_pages,
		 need >> 20, avail_kb >> 10);
	return -ENOMEM;
}

int ksml_run_workload(struct ksml_drv *d, const struct ksml_workload *wl,
		      struct ksml_run_result *res, ksml_run_progress_fn progress,
		      void *arg, char *err, size_t errsz)
{
	return ksml_run_workload_min(d, wl, 0, res, progress, arg, err, errsz);
}

int ksml_run_workload_min(struct ksml_drv *d, const struct ksml_workload *wl,
			  unsigned long min_scans, struct ksml_run_result *res,
			  ksml_run_progress_fn progress, void *arg, char *err,
			  size_t errsz)
{
	static long hist[3][NV];
	unsigned long scan = 0;
	uint64_t cpu;
	double t0 = now_s();
	int next = 0, ret, have = 0;

	memset(res, 0, sizeof(*res));
	res->nr_spaces = wl->nr_spaces;
	res->traj_w = KSML_TRAJ_W(wl->nr_spaces);
	res->traj = calloc((wl->max_scans + 1) * (size_t)res->traj_w,
			   sizeof(long));
	if (!res->traj) {
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	err[0] = 0;
	if (wl->thp_mode != KSML_WL_THP_NONE) {
		ret = ksml_drv_thp(d, ksml_wl_thp_name(wl->thp_mode),
				   wl->thp_defrag);
		if (ret) {
			snprintf(err, errsz, "%s: thp %s defrag %s on %s: %s",
				 wl->path, ksml_wl_thp_name(wl->thp_mode),
				 wl->thp_defrag, d->ops->name,
				 ksml_drv_error(d));
			return ret;
		}
	}
	for (;;) {
		/* steps due at this scan count */
		while (next < wl->nr_steps && wl->steps[next].at <= scan) {
			ret = run_step(d, wl, &wl->steps[next], res, err, errsz);
			if (ret)
				return ret;
			next++;
		}
		ret = rewrite_volatile(d, wl, scan, res, err, errsz);
		if (ret)
			return ret;
		memmove(hist[2], hist[1], sizeof(hist[0]));
		memmove(hist[1], hist[0], sizeof(hist[0]));
		ret = snapshot(d, res, hist[0]);
		if (ret)
			goto fail;
		have++;
		if (scan <= wl->max_scans) {
			long *t = &res->traj[scan * (size_t)res->traj_w];
			int i;

			memcpy(t, hist[0], KSML_NR_DET * sizeof(long));
			t[KSML_DET_ZERO_PAGES] = res->c.ksm_zero_pages;
			t[KSML_TRAJ_VOLATILE] = (long)res->c.pages_volatile;
			t[KSML_TRAJ_RMAP_ITEMS] = (long)res->c.rmap_items;
			t[KSML_TRAJ_PROFIT] = res->c.general_profit;
			t[KSML_TRAJ_COW_KSM] = (long)res->c.cow_ksm;
			for (i = 0; i < res->nr_spaces; i++) {
				long *sp = &t[KSML_TRAJ_SP + KSML_TRAJ_PER_SP * i];
				const struct ksml_mm_stat *st = &res->sp[i].st;

				if (!res->sp[i].live) {
					int k;

					for (k = 0; k < KSML_TRAJ_PER_SP; k++)
						sp[k] = -1;
					continue;
				}
				sp[KSML_TRAJ_SP_MERGING] = (long)st->ksm_merging_pages;
				sp[KSML_TRAJ_SP_RMAP_ITEMS] = (long)st->ksm_rmap_items;
				sp[KSML_TRAJ_SP_ZERO] = st->ksm_zero_pages;
				sp[KSML_TRAJ_SP_KSM_KB] = (long)st->ksm_kb;
				sp[KSML_TRAJ_SP_ANON_HUGE_KB] =
					(long)st->anon_huge_kb;
			}
			res->ntraj = scan + 1;
		}
		if (progress)
			progress(arg, wl, scan, &res->c);
		if (scan >= wl->last_event_scan + 2 && have >= 3 && scan >= min_scans &&
		    !memcmp(hist[0], hist[1], sizeof(hist[0])) &&
		    !memcmp(hist[1], hist[2], sizeof(hist[0])) &&
		    next >= wl->nr_steps) {
			res->converged = true;
			res->converged_at = scan;
			break;
		}
		if (scan >= wl->max_scans)
			break;
		ret = ksml_drv_scan(d, 1);
		if (ret == -EAGAIN && next >= wl->nr_steps) {
			/* nothing registered any more: nothing can change */
			res->idle = true;
			res->converged = true;
			res->converged_at = scan;
			break;
		}
		if (ret && ret != -EAGAIN)
			goto fail;
		scan++;
	}
	res->scans = scan;
	res->wall_s = now_s() - t0;
	if (!ksml_drv_cpu_ns(d, &cpu))
		res->cpu_s = (double)cpu / 1e9;
	res->host_noise = d->host_noise;
	res->noise_ksmlab = d->noise_ksmlab;
	res->caps = d->caps;
	if (d->notes[0])
		snprintf(res->notes + strlen(res->notes),
			 sizeof(res->notes) - strlen(res->notes), "%s%s",
			 res->notes[0] ? "\n" : "", d->notes);
	return 0;
fail:
	snprintf(err, errsz, "%s: scan %lu on %s: %s", wl->path, scan,
		 d->ops->name, ksml_drv_error(d));
	return ret;
}

void ksml_run_result_free(struct ksml_run_result *res)
{
	free(res->traj);
	res->traj = NULL;
	res->ntraj = 0;
}

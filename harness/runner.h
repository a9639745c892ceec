/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * runner.h - replay a workload (workload.h) on a driver (driver.h):
 * setup steps, then one full scan at a time with the steps and volatile
 * rewrites due at each scan count, until the counters converge.
 */
#ifndef KSML_RUNNER_H
#define KSML_RUNNER_H

#include "driver.h"
#include "workload.h"

struct ksml_run_space {
	bool live;
	int id; /* backend id */
	struct ksml_mm_stat st;
};

struct ksml_run_result {
	struct ksml_counters c;
	unsigned long scans;	     /* full scans run */
	unsigned long converged_at;  /* scans at convergence */
	bool converged;
	bool idle;		     /* nothing left to scan (-EAGAIN) */
	bool host_noise;	     /* other KSM users on the host (linux) */
	bool noise_ksmlab;	     /* one of them another ksmlab */
	double wall_s;
	double cpu_s;		     /* scanner CPU: ksmd or the ref core */
	int nr_spaces;
	struct ksml_run_space sp[KSML_WL_MAX_SPACES];
	char notes[1024];
	/*
	 * the trajectory: after every scan s (0..ntraj-1), traj_w values: the
	 * deterministic counters, pages_volatile, rmap_items, general_profit
	 * and cow_ksm (the host's, global), then for every space of the
	 * workload its own ksm_merging_pages, ksm_rmap_items, ksm_zero_pages
	 * and smaps KSM kB, and its AnonHugePages kB (KSML_TRAJ_SP +
	 * KSML_TRAJ_PER_SP * space; -1 while it does not live).  caps: the
	 * backend's (ksml_drv.caps); a value it lacks reads 0 and is not
	 * compared.
	 */
	long *traj;
	unsigned long ntraj;
	int traj_w;
	unsigned int caps;
	bool placement_skipped; /* a node step could not place its pages */
};

/* the columns of a trajectory point: the global values first */
enum {
	KSML_TRAJ_VOLATILE = KSML_NR_DET, /* after the deterministic ones */
	KSML_TRAJ_RMAP_ITEMS,
	KSML_TRAJ_PROFIT,
	KSML_TRAJ_COW_KSM,
	KSML_TRAJ_GLOBAL, /* how many global values */
};
#define KSML_TRAJ_SP KSML_TRAJ_GLOBAL /* the first space's values */
/* then per space, at KSML_TRAJ_SP + KSML_TRAJ_PER_SP * space + ... */
enum {
	KSML_TRAJ_SP_MERGING,
	KSML_TRAJ_SP_RMAP_ITEMS,
	KSML_TRAJ_SP_ZERO,
	KSML_TRAJ_SP_KSM_KB,
	KSML_TRAJ_SP_ANON_HUGE_KB, /* smaps_rollup AnonHugePages */
	KSML_TRAJ_PER_SP,
};
#define KSML_TRAJ_W(nr_spaces) (KSML_TRAJ_SP + KSML_TRAJ_PER_SP * (nr_spaces))

/* the name of trajectory column k of wl ("pages_sharing", "merging(a)") */
const char *ksml_traj_name(const struct ksml_workload *wl, int k, char *buf,
			   size_t len);

void ksml_run_result_free(struct ksml_run_result *res);

/* called after every scan (progress display); may be NULL */
typedef void (*ksml_run_progress_fn)(void *arg, const struct ksml_workload *wl,
				     unsigned long scan,
				     const struct ksml_counters *c);

/*
 * Returns 0 (also when not converged within max_scans: see res->converged)
 * or a negative errno with a message in err ("file:line: ..." when a step
 * failed).
 */
int ksml_run_workload(struct ksml_drv *d, const struct ksml_workload *wl,
		      struct ksml_run_result *res, ksml_run_progress_fn progress,
		      void *arg, char *err, size_t errsz);
/*
 * The same, but convergence is not declared before min_scans scans (to
 * compare two trajectories of the same length: under smart scan a page can
 * still change many scans after the counters first looked stable).
 */
int ksml_run_workload_min(struct ksml_drv *d, const struct ksml_workload *wl,
			  unsigned long min_scans, struct ksml_run_result *res,
			  ksml_run_progress_fn progress, void *arg, char *err,
			  size_t errsz);

/*
 * 0 when the pages wl writes fit in the machine's available memory, else
 * -ENOMEM and a sentence in err (call before opening a backend, so that
 * nothing is mapped and no knob is touched).  KSMLAB_MEM_AVAILABLE_KB
 * overrides MemAvailable (tests).
 */
int ksml_run_check_memory(const struct ksml_workload *wl, char *err,
			  size_t errsz);

#endif /* KSML_RUNNER_H */

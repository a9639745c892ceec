/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * oracle.h - the differential oracle: one workload run on ref and on
 * another backend (the host's KSM, or the module), and the verdict on
 * whether they made the same decisions: every deterministic counter,
 * rmap_items and pages_volatile, and every live space's ksm_stat values
 * at the end, and the trajectory of the deterministic counters and the
 * spaces' sums after every scan.  `ksmlab diff`, the
 * conformance campaign and the differential fuzzer all judge with it.
 */
#ifndef KSML_ORACLE_H
#define KSML_ORACLE_H

#include "driver.h"
#include "runner.h"
#include "workload.h"

struct ksml_oracle_opts {
	int profile;	   /* ref: enum ksml_profile */
	int *wait_quiet_s; /* linux: budget to wait for other KSM users (may be
			      NULL) */
	ksml_run_progress_fn progress;
	void *progress_arg;
	bool rerun_differing; /* linux: run the kernel again on a difference */
	/* ref: emulate a kernel without these caps (ksml_drv_opts) */
	unsigned int emulate_missing;
};

/* run wl on one backend (convergence not before min_scans) */
int ksml_oracle_run(const struct ksml_oracle_opts *o, const char *backend,
		    const struct ksml_workload *wl, unsigned long min_scans,
		    struct ksml_run_result *res, char *err, size_t errsz);

enum ksml_verdict {
	KSML_EQUAL = 0,	       /* the same decisions, after every scan */
	KSML_DIFFERENT = 1,    /* a deterministic value differed */
	KSML_EXPECTED = 2,     /* differed, as the workload says it must */
	KSML_INCONCLUSIVE = 3, /* other KSM users: only per-process values, or
				  maybe theirs */
	KSML_SKIPPED = 4,      /* not run: the kernel lacks what the workload
				  needs, or it does not fit (reason says) */
};

struct ksml_diff_row {
	char name[KSML_WL_MAX_NAME];
	long ref[KSML_NR_DET], lin[KSML_NR_DET];
	long mref, mlin; /* sum of merging pages over live spaces */
	int ndiff, ntraj_diff, nmm_diff;
	bool expected, error, noise;
	bool rerun; /* equal to the kernel's second run, its first differed */
	enum ksml_verdict verdict;
	char reason[256];
	char traj[160]; /* first point where the trajectories part */
	char mm[160];	/* first space whose ksm_stat values differ */
	/* the values not compared and why (one side lacks them), or "" */
	char not_compared[512];
	/* what ref did as the other kernel does (emulate_missing), or "" */
	char emulated[384];
};

/*
 * Run wl on ref and on other ("linux" or "kmod") and judge.  Against
 * linux the kernel is probed first (ksml_linux_probe): a workload that
 * needs what it lacks (prctl merge-any, a knob) is KSML_SKIPPED with the
 * reason, as is one that does not fit in memory; ref emulates what the
 * kernel does differently (o->emulate_missing).  rr and lr
 * hold the two runs afterwards (free them with ksml_run_result_free).
 * Returns 0 with row->verdict set, or a negative errno with row->error
 * and a message in err.
 */
int ksml_oracle_diff(const struct ksml_oracle_opts *o, const char *other,
		     const struct ksml_workload *wl, struct ksml_run_result *rr,
		     struct ksml_run_result *lr, struct ksml_diff_row *row,
		     char *err, size_t errsz);

/*
 * Judge two finished runs of wl: fills row's values, differences and
 * verdict (row->name and anything else already in row stay).
 */
void ksml_oracle_judge(const struct ksml_workload *wl,
		       const struct ksml_run_result *rr,
		       const struct ksml_run_result *lr, struct ksml_diff_row *row);

/*
 * After a difference between ref (rr) and the kernel (lr), the kernel ran
 * once more (lr2; rr as long as it).  Only when the kernel's two runs
 * differ from each other and the second agrees with ref in everything is
 * the first difference the host's: then row is judged anew against lr2,
 * marked rerun, with both differences in its reason, and 1 is returned.
 * Otherwise row keeps its verdict, its reason says why, and 0 is returned.
 */
int ksml_oracle_second_opinion(const struct ksml_workload *wl,
			       const struct ksml_run_result *rr,
			       const struct ksml_run_result *lr,
			       const struct ksml_run_result *lr2,
			       struct ksml_diff_row *row);

#endif /* KSML_ORACLE_H */

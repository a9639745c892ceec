/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * bench_live.h - measure the live kernel KSM (/sys/kernel/mm/ksm, ksmd)
 * on one synthetic pattern: self-contained (mmap + madvise + sysfs + /proc).
 *
 * Rules of the shared live KSM, kept through the harness's live.h: an
 * exclusive flock on /run/lock/ksmlab-live-ksm.lock while knobs change or a
 * workload runs; every knob saved first (also to a state file, so a run
 * killed with SIGKILL is repaired by the next user) and restored after,
 * also on error and on SIGINT/SIGTERM/SIGHUP; `run` left as found.
 */
#ifndef KSML_BENCH_LIVE_H
#define KSML_BENCH_LIVE_H

#include <stdbool.h>
#include "bench_ctx.h"

/* full scans a measurement records counters after, one by one */
#define KSML_BENCH_MAX_SCANS 8

struct ksml_live_params {
	enum ksml_bench_pattern pat;
	unsigned long pages;
	unsigned int full_scans; /* passes to measure (e.g. 4), <= MAX_SCANS */
	/*
	 * 0: lock-stepped, one ksmd batch per full scan (pages_to_scan above
	 * the pass, sleep_millisecs an hour, kicked scan by scan as the
	 * harness's linux backend does): counters after every scan, and the
	 * pattern's writes between scans.  > 0: that pages_to_scan with
	 * sleep_millisecs=0, polled (the pages_to_scan sweep): no writes, and
	 * the convergence read by polling can be a scan late.
	 */
	unsigned int pages_to_scan;
	int max_page_sharing;		/* <= 0: leave as found */
	int merge_across_nodes;		/* < 0: leave as found */
	int smart_scan;			/* < 0: leave as found */
	int mem_node;			/* >= 0: mbind the area to this node */
	unsigned long vma_pages;	/* > pages: a sparse mapping this large,
					   the pages in islands (bench_ctx.h) */
};

struct ksml_live_result {
	double cpu_s;			/* ksmd CPU: schedstat, or utime+stime */
	double wall_s;
	unsigned long pages_scanned;	/* delta */
	unsigned long full_scans;	/* delta */
	unsigned long pages_shared, pages_sharing, pages_unshared;
	/* our pages mapped to KSM pages (/proc/self/ksm_stat ksm_merging_pages) */
	unsigned long own_merging;
	/* resident mergeable pages of other processes: they share ksmd */
	unsigned long others_rmap;
	/* scans (and ksmd CPU) until pages_sharing reached its final value */
	unsigned long converge_scans;
	double converge_cpu_s;
	/* our rmap items (/proc/self/ksm_stat ksm_rmap_items) */
	unsigned long own_rmap_items;
	/* lock-stepped: the counters and ksmd's CPU after scan s (1-based) */
	unsigned long nr_steps;
	unsigned long step_shared[KSML_BENCH_MAX_SCANS + 1];
	unsigned long step_sharing[KSML_BENCH_MAX_SCANS + 1];
	unsigned long step_unshared[KSML_BENCH_MAX_SCANS + 1];
	double step_cpu_s[KSML_BENCH_MAX_SCANS + 1];
	char note[160];			/* caveats (others using KSM...) */
};

/*
 * 0 if the live KSM can be measured here, else -errno with a reason in
 * why (no /sys/kernel/mm/ksm, not root, no ksmd).
 */
int ksml_live_available(char *why, size_t size);
/* resident pages in other processes' mergeable areas (ksmd scans them too) */
unsigned long ksml_live_others_pages(void);
/* one measurement; 0 or -errno with a message in r->note */
int ksml_live_measure(const struct ksml_live_params *p,
		      struct ksml_live_result *r);

#endif /* KSML_BENCH_LIVE_H */

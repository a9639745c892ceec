/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * bench_scan.h - the macro benchmarks' shared pieces: one measurement of
 * the ref core on a pattern (bench_scan.c), the counters every macro
 * benchmark reports, and the NUMA benchmarks' registration (bench_numa.c).
 */
#ifndef KSML_BENCH_SCAN_H
#define KSML_BENCH_SCAN_H

#include "ksml.h"
#include "bench_ctx.h"
#include "bench_live.h"
#include "gbench_c.h"

struct ksml_ref_params {
	enum ksml_bench_pattern pat;
	unsigned long pages;
	unsigned int full_scans;
	unsigned int pages_to_scan;
	int max_page_sharing;	/* <= 0: default */
	int merge_across_nodes;	/* < 0: default */
	int index_mode;		/* configuration code: ksml_bench_profile() */
	int fake_nodes;		/* > 1: simulated NUMA nodes (frames' node ids) */
	int map_node;		/* >= 0: KSML_MAP_NODE() of the mapping */
	int second_map_node;	/* >= 0: a second copy of the area on this node */
	unsigned long vma_pages; /* > pages: one mapping this large, the pages
				    in islands (ksml_bench_page_slot) */
};

/*
 * The configuration codes of the benchmarks' "index" argument: 0 faithful,
 * 1 model (the former checksum index: the hash index, XXH3 and model
 * knowledge), 2 portable (the hash index and XXH3, no knowledge).
 */
static inline enum ksml_profile ksml_bench_profile(int code)
{
	return code == 1   ? KSML_PROFILE_MODEL
	       : code == 2 ? KSML_PROFILE_PORTABLE
			   : KSML_PROFILE_FAITHFUL;
}

/* the figures of one run: both backends fill the same struct */
struct ksml_scan_result {
	double cpu_s, wall_s;
	unsigned long pages_scanned, full_scans;
	unsigned long pages_shared, pages_sharing, pages_unshared;
	unsigned long rmap_items;
	/* the workload's pages mapped to KSM pages (linux: /proc/self/ksm_stat) */
	unsigned long merging;
	/* linux: mergeable pages of other processes (they pollute the figures) */
	unsigned long others_rmap;
	unsigned long converge_scans;
	double converge_cpu_s;
	/*
	 * ref: page contents read during the measured scans (the core's
	 * counters): checksums computed, page compares, equal ones
	 */
	unsigned long page_checksums, page_compares, page_compares_equal;
	/* the counters after scan s (1-based), s <= nr_steps */
	unsigned long nr_steps;
	unsigned long step_shared[KSML_BENCH_MAX_SCANS + 1];
	unsigned long step_sharing[KSML_BENCH_MAX_SCANS + 1];
	unsigned long step_unshared[KSML_BENCH_MAX_SCANS + 1];
	double step_cpu_s[KSML_BENCH_MAX_SCANS + 1];
	char note[160];
};

/* 0 or -errno (then r->note says why) */
int ksml_ref_measure(const struct ksml_ref_params *p, struct ksml_scan_result *r);
/*
 * From the counters after every scan: the scan after which pages_shared
 * and pages_sharing last changed (0: never), and the CPU until then.
 */
void ksml_scan_convergence(struct ksml_scan_result *r);
/* copy a live result into the common struct */
void ksml_scan_from_live(const struct ksml_live_result *l, struct ksml_scan_result *r);
/*
 * Report r on st: manual time = CPU seconds, counters pages_per_cpu_s,
 * MiB_per_cpu_s, the kernel counters, saved_MiB, convergence; expect_ok
 * is 1 when shared/sharing match what the pattern must give (or < 0: n/a).
 */
void ksml_scan_report(struct ksml_gb_state *st, const struct ksml_scan_result *r,
		      unsigned long pages, int expect_ok);
void ksml_bench_numa_register(void);

#endif /* KSML_BENCH_SCAN_H */

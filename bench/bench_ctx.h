/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * bench_ctx.h - helpers shared by ksmlab's benchmark programs: the JSON
 * context block (commit, compiler, flags, CPU, kernel, NUMA topology),
 * CPU clocks, and page pattern generators.
 */
#ifndef KSML_BENCH_CTX_H
#define KSML_BENCH_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* stamp the context keys into the JSON (call before ksml_gb_run) */
void ksml_bench_add_context(const char *program);

/* CLOCK_THREAD_CPUTIME_ID / CLOCK_MONOTONIC in nanoseconds */
uint64_t ksml_bench_thread_cpu_ns(void);
uint64_t ksml_bench_mono_ns(void);

/*
 * The synthetic page patterns, one content per page index:
 *   SAME       every page identical (0x5a filler + a constant tag)
 *   HALF       pages 2k and 2k+1 identical, pairs distinct: 50% duplicates
 *   UNIQUE     every page distinct from its first bytes (PRNG filled)
 *   LAST8      identical but for the last 8 bytes (the page index)
 *   REWRITE    HALF, and before every scan after the first 10% of the
 *              pages are written again (ksml_bench_rewrite_page): half of
 *              them with their old content, half with a new one
 */
enum ksml_bench_pattern {
	KSML_BPAT_SAME,
	KSML_BPAT_HALF,
	KSML_BPAT_UNIQUE,
	KSML_BPAT_LAST8,
	KSML_BPAT_REWRITE,
	KSML_BPAT_NR
};
extern const char *const ksml_bench_pattern_name[KSML_BPAT_NR];
/* fill one 4 KiB page with the content of page idx of pattern pat */
void ksml_bench_fill_page(void *page, enum ksml_bench_pattern pat,
			  unsigned long idx);
/*
 * The writes of pattern pat before full scan number scan (1-based): true
 * when page idx is written then, with page filled with what to write.
 * Both backends write the same pages, between scans, outside the scanner's
 * CPU time.
 */
bool ksml_bench_rewrite_page(void *page, enum ksml_bench_pattern pat,
			     unsigned long idx, unsigned int scan);
/*
 * Expected counters after convergence of n pages (use_zero_pages=0);
 * false when the pattern has no closed form (REWRITE: its counters are
 * checked against faithful's and ksmd's only).
 */
bool ksml_bench_expect(enum ksml_bench_pattern pat, unsigned long n,
		       unsigned long *shared, unsigned long *sharing);
/*
 * Where page idx of n pages sits in a mapping of vma_pages pages: packed
 * (vma_pages 0, or no larger than n), or in 8 equal islands, one at the
 * start of each eighth of the mapping (the sparse-scan rows: since 6.18
 * a full scan's cost follows the present pages, not the mapping's size).
 */
static inline unsigned long ksml_bench_page_slot(unsigned long idx,
						 unsigned long n,
						 unsigned long vma_pages)
{
	unsigned long per = (n + 7) / 8;

	if (vma_pages <= n || per > vma_pages / 8)
		return idx;
	return idx / per * (vma_pages / 8) + idx % per;
}

/* MemAvailable of /proc/meminfo in MiB, 0 if unknown */
unsigned long ksml_bench_mem_available_mib(void);

#endif /* KSML_BENCH_CTX_H */

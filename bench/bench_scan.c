// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_scan.c - macro benchmarks: full-scan throughput of the ref core
 * and of the live kernel's ksmd, side by side, on the synthetic patterns
 * (bench_ctx.h), plus knob sweeps; NUMA cases in bench_numa.c.
 *
 *   BM_ref_scan/<pattern>/pages:N/index:I   ref core, sleep-free
 *                       ksml_scan_full() loops in this thread; time = its
 *                       CPU time (CLOCK_THREAD_CPUTIME_ID) in the scans
 *                       only; index is the configuration code
 *                       (ksml_bench_profile()): 0 faithful (the kernel's
 *                       content-ordered trees), 2 portable (hash index,
 *                       XXH3, every page read on every visit), 1 model
 *                       (portable + write tracking + content names)
 *   BM_linux_scan/<pattern>/pages:N         live KSM, lock-stepped: one
 *                       ksmd batch per full scan (bench_live.c); time =
 *                       ksmd's CPU time (/proc/PID/schedstat)
 *   BM_{ref,linux}_scale/<pattern>/pages:N  the same over 2^14..2^21 pages
 *                       (register_scale), skipped with the reason when
 *                       MemAvailable is short
 *   BM_{ref,linux}_sparse/half_dup/pages:N/vma_mib:M[/index:I]
 *                       N present pages packed (M 0) or in 8 islands of a
 *                       1 TiB mapping: a full scan's cost must follow the
 *                       present pages (register_sparse)
 *   BM_{ref,linux}_pts/pts:X                pages_to_scan sweep (half_dup)
 *   BM_{ref,linux}_mps/mps:X                max_page_sharing sweep (same)
 *                       (sweeps on BENCH_PAGES/16: a chain of many dups is
 *                       walked per page, quadratic as in the kernel)
 *
 * The write pattern (rewrite10) writes between scans, on both sides, the
 * same pages with the same bytes, outside the measured CPU time.  The
 * counters after every scan (shared_sN, sharing_sN, unshared_sN) are in
 * the JSON of both sides, and ref's page reads (page_checksums,
 * page_compares, page_compares_equal).
 *
 * Every benchmark runs one experiment per iteration (Iterations(1), manual
 * time) and reports pages_per_cpu_s, MiB_per_cpu_s, the kernel counters,
 * saved_MiB (pages_sharing * 4 KiB), scans and CPU to converge, expect_ok.
 *
 * `bench_scan --ksml-cg=PATTERN:PAGES[:INDEX]` runs one ref experiment
 * outside Google Benchmark for callgrind (toggle on ksml_bench_cg_scan)
 * and prints the exact counters: the regression gate's deterministic half.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ksml.h"

#define PAGE 4096ul
#define SCANS 4u
#define BIG_PTS 16384u

static unsigned long bench_pages = 262144; /* 1 GiB, as the ksmd figures */
static unsigned int inject_pages; /* KSML_BENCH_INJECT: extra work per page */
static bool listing_only;	  /* --benchmark_list_tests: no waiting */

int ksml_bench_cg_scan(void *ksm, unsigned long nscans);

/*
 * The scan as measured: callgrind counts instructions only inside this
 * function (--toggle-collect=ksml_bench_cg_scan).  KSML_BENCH_INJECT=N adds
 * N*64 bytes of hashing per page scanned, to prove the gate catches it.
 */
__attribute__((noinline)) int ksml_bench_cg_scan(void *ksm, unsigned long nscans)
{
	struct ksml_counters c0, c1;
	static uint8_t junk[PAGE];
	unsigned long i;
	uint64_t h = 0;
	int err;

	if (inject_pages)
		ksml_get_counters(ksm, &c0);
	err = ksml_scan_full(ksm, nscans, 0);
	if (!inject_pages)
		return err;
	ksml_get_counters(ksm, &c1);
	for (i = 0; i < c1.pages_scanned - c0.pages_scanned; i++)
		h += XXH64(junk, 64u * inject_pages, h);
	ksml_gb_do_not_optimize(&h);
	return err;
}

int ksml_ref_measure(const struct ksml_ref_params *p, struct ksml_scan_result *r)
{
	static uint8_t page[PAGE] __attribute__((aligned(64)));
	unsigned long span = p->vma_pages > p->pages ? p->vma_pages : p->pages;
	unsigned long addr, addr2 = 0, i;
	unsigned int flags = KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS;
	struct ksml_config cfg;
	struct ksml_counters c, c0;
	struct ksml *ksm = NULL;
	struct ksml_mm *mm = NULL;
	uint64_t t0, w0, cpu_ns = 0, wall_ns = 0;
	unsigned int s;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&cfg, 0, sizeof(cfg));
	cfg.start_ksmd = false;
	ksml_config_profile(&cfg, ksml_bench_profile(p->index_mode));
	if (p->fake_nodes > 1)
		cfg.ops = ksml_user_ops_fake_numa(p->fake_nodes);
	cfg.max_frames = 4 * p->pages + 1024;
	err = ksml_init(&ksm, &cfg);
	if (err) {
		snprintf(r->note, sizeof(r->note), "ksml_init: %d", err);
		return err;
	}
	err = ksml_set_run(ksm, KSML_RUN_MERGE);
	if (!err)
		err = ksml_set_pages_to_scan(ksm, p->pages_to_scan);
	if (!err)
		err = ksml_set_smart_scan(ksm, false);
	if (!err && p->max_page_sharing > 0)
		err = ksml_set_max_page_sharing(ksm, p->max_page_sharing);
	if (!err && p->merge_across_nodes >= 0)
		err = ksml_set_merge_across_nodes(ksm, (unsigned long)p->merge_across_nodes);
	if (!err)
		err = ksml_mm_create(ksm, &mm);
	if (!err)
		err = ksml_vm_mmap(mm, 0, span * PAGE,
				   flags | (p->map_node >= 0
						    ? KSML_MAP_NODE(p->map_node)
						    : 0),
				   &addr);
	if (!err && p->second_map_node >= 0)
		err = ksml_vm_mmap(mm, 0, p->pages * PAGE,
				   flags | KSML_MAP_NODE(p->second_map_node), &addr2);
	for (i = 0; !err && i < p->pages; i++) {
		ksml_bench_fill_page(page, p->pat, i);
		err = ksml_vm_write(
			mm,
			addr + ksml_bench_page_slot(i, p->pages, span) * PAGE,
			page, PAGE);
		if (!err && addr2)
			err = ksml_vm_write(mm, addr2 + i * PAGE, page, PAGE);
	}
	if (!err)
		err = ksml_vm_madvise(mm, addr, span * PAGE,
				      KSML_MADV_MERGEABLE);
	if (!err && addr2)
		err = ksml_vm_madvise(mm, addr2, p->pages * PAGE, KSML_MADV_MERGEABLE);
	if (err) {
		snprintf(r->note, sizeof(r->note), "setup: %d", err);
		goto out;
	}
	ksml_get_counters(ksm, &c0);
	for (s = 1; s <= p->full_scans && s <= KSML_BENCH_MAX_SCANS; s++) {
		/* the pattern's writes: between scans, outside the CPU time */
		for (i = 0; !err && i < p->pages; i++)
			if (ksml_bench_rewrite_page(page, p->pat, i, s)) {
				err = ksml_vm_write(
					mm,
					addr + ksml_bench_page_slot(i, p->pages,
								    span) *
							PAGE,
					page, PAGE);
				if (!err && addr2)
					err = ksml_vm_write(mm,
							    addr2 + i * PAGE,
							    page, PAGE);
			}
		if (err) {
			snprintf(r->note, sizeof(r->note),
				 "write before scan %u: %d", s, err);
			goto out;
		}
		w0 = ksml_bench_mono_ns();
		t0 = ksml_bench_thread_cpu_ns();
		if (ksml_bench_cg_scan(ksm, 1)) {
			snprintf(r->note, sizeof(r->note), "ksml_scan_full failed at scan %u", s);
			err = -KSML_EAGAIN;
			goto out;
		}
		cpu_ns += ksml_bench_thread_cpu_ns() - t0;
		wall_ns += ksml_bench_mono_ns() - w0;
		ksml_get_counters(ksm, &c);
		r->nr_steps = s;
		r->step_cpu_s[s] = (double)cpu_ns * 1e-9;
		r->step_shared[s] = c.pages_shared;
		r->step_sharing[s] = c.pages_sharing;
		r->step_unshared[s] = c.pages_unshared;
	}
	r->cpu_s = (double)cpu_ns * 1e-9;
	r->wall_s = (double)wall_ns * 1e-9;
	ksml_get_counters(ksm, &c);
#ifdef KSML_HAVE_PAGE_READS /* bench-compare builds this against older cores */
	r->page_checksums = c.page_checksums - c0.page_checksums;
	r->page_compares = c.page_compares - c0.page_compares;
	r->page_compares_equal = c.page_compares_equal - c0.page_compares_equal;
#else
	(void)c0;
#endif
	ksml_scan_convergence(r);
	r->pages_scanned = c.pages_scanned;
	r->full_scans = c.full_scans;
	r->pages_shared = c.pages_shared;
	r->pages_sharing = c.pages_sharing;
	r->pages_unshared = c.pages_unshared;
	r->rmap_items = c.rmap_items;
	r->merging = c.pages_shared + c.pages_sharing;
	if (ksml_warn_count())
		snprintf(r->note, sizeof(r->note), "%ld KSML_WARN_ON fired",
			 ksml_warn_count());
out:
	if (mm)
		ksml_mm_exit(mm);
	ksml_destroy(ksm);
	return err;
}

void ksml_scan_convergence(struct ksml_scan_result *r)
{
	unsigned long s, n = r->nr_steps;

	r->converge_scans = 0;
	r->converge_cpu_s = 0;
	for (s = n; s >= 1; s--) {
		unsigned long ps = s > 1 ? r->step_shared[s - 1] : 0;
		unsigned long pg = s > 1 ? r->step_sharing[s - 1] : 0;

		if (r->step_shared[s] != ps || r->step_sharing[s] != pg) {
			r->converge_scans = s;
			r->converge_cpu_s = r->step_cpu_s[s];
			return;
		}
	}
}

void ksml_scan_from_live(const struct ksml_live_result *l, struct ksml_scan_result *r)
{
	memset(r, 0, sizeof(*r));
	r->cpu_s = l->cpu_s;
	r->wall_s = l->wall_s;
	r->pages_scanned = l->pages_scanned;
	r->full_scans = l->full_scans;
	r->pages_shared = l->pages_shared;
	r->pages_sharing = l->pages_sharing;
	r->pages_unshared = l->pages_unshared;
	r->converge_scans = l->converge_scans;
	r->converge_cpu_s = l->converge_cpu_s;
	r->merging = l->own_merging;
	r->rmap_items = l->own_rmap_items;
	r->others_rmap = l->others_rmap;
	r->nr_steps = l->nr_steps;
	memcpy(r->step_shared, l->step_shared, sizeof(r->step_shared));
	memcpy(r->step_sharing, l->step_sharing, sizeof(r->step_sharing));
	memcpy(r->step_unshared, l->step_unshared, sizeof(r->step_unshared));
	memcpy(r->step_cpu_s, l->step_cpu_s, sizeof(r->step_cpu_s));
	/* lock-stepped: from the counters after each scan, as ref's */
	if (r->nr_steps)
		ksml_scan_convergence(r);
	memcpy(r->note, l->note, sizeof(r->note));
}

void ksml_scan_report(struct ksml_gb_state *st, const struct ksml_scan_result *r,
		      unsigned long pages, int expect_ok)
{
	double cpu = r->cpu_s > 0 ? r->cpu_s : 1e-9;
	unsigned long s;

	ksml_gb_set_iteration_time(st, cpu);
	ksml_gb_counter(st, "pages", (double)pages, 0);
	ksml_gb_counter(st, "pages_per_cpu_s", (double)r->pages_scanned / cpu, 0);
	ksml_gb_counter(st, "MiB_per_cpu_s",
			(double)r->pages_scanned * PAGE / (1024.0 * 1024.0) / cpu, 0);
	ksml_gb_counter(st, "cpu_s", r->cpu_s, 0);
	ksml_gb_counter(st, "wall_s", r->wall_s, 0);
	ksml_gb_counter(st, "pages_scanned", (double)r->pages_scanned, 0);
	ksml_gb_counter(st, "full_scans", (double)r->full_scans, 0);
	ksml_gb_counter(st, "pages_shared", (double)r->pages_shared, 0);
	ksml_gb_counter(st, "pages_sharing", (double)r->pages_sharing, 0);
	ksml_gb_counter(st, "pages_unshared", (double)r->pages_unshared, 0);
	ksml_gb_counter(st, "saved_MiB",
			(double)r->pages_sharing * PAGE / (1024.0 * 1024.0), 0);
	ksml_gb_counter(st, "merging_pages", (double)r->merging, 0);
	ksml_gb_counter(st, "others_pages", (double)r->others_rmap, 0);
	ksml_gb_counter(st, "rmap_items", (double)r->rmap_items, 0);
	ksml_gb_counter(st, "converge_scans", (double)r->converge_scans, 0);
	ksml_gb_counter(st, "converge_cpu_s", r->converge_cpu_s, 0);
	/* ref only: what the core read (ksmd does not say) */
	if (r->page_checksums) {
		ksml_gb_counter(st, "page_checksums", (double)r->page_checksums,
				0);
		ksml_gb_counter(st, "page_compares", (double)r->page_compares,
				0);
		ksml_gb_counter(st, "page_compares_equal",
				(double)r->page_compares_equal, 0);
	}
	for (s = 1; s <= r->nr_steps; s++) {
		char key[32];

		snprintf(key, sizeof(key), "shared_s%lu", s);
		ksml_gb_counter(st, key, (double)r->step_shared[s], 0);
		snprintf(key, sizeof(key), "sharing_s%lu", s);
		ksml_gb_counter(st, key, (double)r->step_sharing[s], 0);
		snprintf(key, sizeof(key), "unshared_s%lu", s);
		ksml_gb_counter(st, key, (double)r->step_unshared[s], 0);
	}
	if (expect_ok >= 0)
		ksml_gb_counter(st, "expect_ok", expect_ok, 0);
	if (r->note[0])
		ksml_gb_set_label(st, r->note);
}

/*
 * 1 if the counters are the pattern's: shared/sharing exactly, or, when
 * other processes' pages share ksmd (global counters polluted), our own
 * merging pages; -1 when there is no expectation (max_page_sharing sweep).
 */
static int expect_ok(enum ksml_bench_pattern pat, unsigned long pages, int mps,
		     const struct ksml_scan_result *r)
{
	unsigned long shared, sharing;

	if (mps > 0 && mps != 256)
		return -1;
	if (!ksml_bench_expect(pat, pages, &shared, &sharing))
		return -1;
	if (r->others_rmap)
		return r->merging == shared + sharing;
	return r->pages_shared == shared && r->pages_sharing == sharing &&
	       r->merging == shared + sharing;
}

/* ------------------------------------------------------------ benchmarks */
struct scan_case {
	enum ksml_bench_pattern pat;
	bool live;
	int sweep; /* 0: none, 1: range(0) is pages_to_scan, 2: max_page_sharing */
	/* range(1) is the mapping's size in MiB (0: packed), range(2) the
	 * configuration */
	bool sparse;
};

static void bm_scan(struct ksml_gb_state *st, void *arg)
{
	const struct scan_case *sc = arg;
	struct ksml_scan_result r;
	/* sweeps on 1/16 of the pages: small max_page_sharing is quadratic */
	unsigned long pages = sc->sweep ? bench_pages / 16 : (unsigned long)ksml_gb_range(st, 0);
	unsigned int pts = sc->sweep == 1 ? (unsigned int)ksml_gb_range(st, 0) : BIG_PTS;
	int mps = sc->sweep == 2 ? (int)ksml_gb_range(st, 0) : 0;
	unsigned long vma_pages =
		sc->sparse ? (unsigned long)ksml_gb_range(st, 1) * 256 : 0;
	unsigned long need, avail;
	int err;

	/* the largest sizes need most of the host: say so rather than swap */
	need = (unsigned long)((double)pages * PAGE * (sc->live ? 1.05 : 1.2) /
			       (1 << 20)) +
	       512;
	avail = ksml_bench_mem_available_mib();
	if (avail && avail < need) {
		ksml_gb_skip_with_error(
			st, "needs about %lu MiB, MemAvailable is %lu MiB",
			need, avail);
		return;
	}
	while (ksml_gb_keep_running(st)) {
		if (sc->live) {
			/* pages_to_scan 0: lock-stepped, one batch per full
			 * scan */
			struct ksml_live_params lp = {
				.pat = sc->pat,
				.pages = pages,
				.full_scans = SCANS,
				.pages_to_scan = sc->sweep == 1 ? pts : 0,
				.max_page_sharing = mps ? mps : 256,
				.merge_across_nodes = -1,
				.smart_scan = 0,
				.mem_node = -1,
				.vma_pages = vma_pages,
			};
			struct ksml_live_result lr;

			err = ksml_live_measure(&lp, &lr);
			ksml_scan_from_live(&lr, &r);
		} else {
			struct ksml_ref_params rp = {
				.pat = sc->pat,
				.pages = pages,
				.full_scans = SCANS,
				.pages_to_scan = pts,
				.max_page_sharing = mps,
				.merge_across_nodes = -1,
				.index_mode =
					sc->sweep ? 0
						  : (int)ksml_gb_range(
							    st,
							    sc->sparse ? 2 : 1),
				.fake_nodes = 0,
				.map_node = -1,
				.second_map_node = -1,
				.vma_pages = vma_pages,
			};

			err = ksml_ref_measure(&rp, &r);
		}
		if (err) {
			ksml_gb_skip_with_error(st, "%s", r.note);
			return;
		}
		ksml_scan_report(st, &r, pages, expect_ok(sc->pat, pages, mps, &r));
	}
}

static struct scan_case cases[2][KSML_BPAT_NR];
static struct scan_case scale_cases[2][KSML_BPAT_NR];
static struct scan_case sweep_cases[2][2];
static struct scan_case sparse_cases[2];

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && strtoul(v, NULL, 0) ? strtoul(v, NULL, 0) : def;
}

/*
 * The scaling range: BM_{ref,linux}_scale/<pattern>/pages:N[/index:I],
 * every configuration and ksmd, N from BENCH_SCALE_MIN (2^14) to
 * BENCH_SCALE_MAX (2^21 = 8 GiB) in x4 steps and the maximum, on the
 * patterns of BENCH_SCALE_PATTERNS (default half_dup).
 */
static void register_scale(void)
{
	static const char *const idx_names[] = {"pages", "index"};
	unsigned long lo = env_ul("BENCH_SCALE_MIN", 1ul << 14);
	unsigned long hi = env_ul("BENCH_SCALE_MAX", 1ul << 21);
	const char *pats = getenv("BENCH_SCALE_PATTERNS");
	char name[96];
	int live, p;

	if (!pats)
		pats = "half_dup";
	for (p = 0; p < KSML_BPAT_NR; p++) {
		const char *f = strstr(pats, ksml_bench_pattern_name[p]);
		size_t len = strlen(ksml_bench_pattern_name[p]);

		if (!f || (f[len] && f[len] != ','))
			continue;
		for (live = 0; live <= 1; live++) {
			struct scan_case *sc = &scale_cases[live][p];
			struct ksml_gb_bench *b;
			unsigned long n;
			int code;

			sc->pat = (enum ksml_bench_pattern)p;
			sc->live = live;
			snprintf(name, sizeof(name), "BM_%s_scale/%s",
				 live ? "linux" : "ref",
				 ksml_bench_pattern_name[p]);
			b = ksml_gb_register(name, bm_scan, sc);
			for (n = lo;; n = n * 4 < hi ? n * 4 : hi) {
				/* configuration codes: 0 faithful, 2 portable,
				 * 1 model */
				for (code = 0; code < (live ? 1 : 3); code++) {
					int64_t a[2] = {(int64_t)n,
							code == 0 ? 0
								  : 3 - code};

					ksml_gb_bench_args(b, a, live ? 1 : 2);
				}
				if (n >= hi)
					break;
			}
			ksml_gb_bench_arg_names(b, idx_names, live ? 1 : 2);
			ksml_gb_bench_iterations(b, 1);
			ksml_gb_bench_use_manual_time(b);
			ksml_gb_bench_unit(b, KSML_GB_MS);
		}
	}
}

/*
 * The sparse-scan rows: BM_{ref,linux}_sparse/half_dup/pages:N/vma_mib:M
 * [/index:I], the same N present pages (BENCH_SPARSE_PAGES, default 8192)
 * packed in an N-page mapping (vma_mib 0) and spread in 8 islands over a
 * 1 TiB one: since 6.18 ksmd skips the unpopulated ranges, so a full scan
 * costs the same in both (report.py divides one by the other).
 */
static void register_sparse(void)
{
	static const char *const names[] = {"pages", "vma_mib", "index"};
	static const int64_t vma_mib[] = {0, 1l << 20};
	unsigned long n = env_ul("BENCH_SPARSE_PAGES", 8192);
	char name[96];
	int live, v, code;

	for (live = 0; live <= 1; live++) {
		struct scan_case *sc = &sparse_cases[live];
		struct ksml_gb_bench *b;

		sc->pat = KSML_BPAT_HALF;
		sc->live = live;
		sc->sparse = true;
		snprintf(name, sizeof(name), "BM_%s_sparse/half_dup",
			 live ? "linux" : "ref");
		b = ksml_gb_register(name, bm_scan, sc);
		for (v = 0; v < 2; v++)
			/* configuration codes: 0 faithful, 2 portable, 1 model
			 */
			for (code = 0; code < (live ? 1 : 3); code++) {
				int64_t a[3] = {(int64_t)n, vma_mib[v],
						code == 0 ? 0 : 3 - code};

				ksml_gb_bench_args(b, a, live ? 2 : 3);
			}
		ksml_gb_bench_arg_names(b, names, live ? 2 : 3);
		ksml_gb_bench_iterations(b, 1);
		ksml_gb_bench_use_manual_time(b);
		ksml_gb_bench_unit(b, KSML_GB_MS);
	}
}

static void register_all(void)
{
	static const char *const idx_names[] = { "pages", "index" };
	char why[160], name[96];
	bool live_ok = ksml_live_available(why, sizeof(why)) == 0;
	int live, p;

	for (live = 0; live <= 1; live++)
		for (p = 0; p < KSML_BPAT_NR; p++) {
			struct scan_case *sc = &cases[live][p];
			struct ksml_gb_bench *b;

			sc->pat = (enum ksml_bench_pattern)p;
			sc->live = live;
			snprintf(name, sizeof(name), "BM_%s_scan/%s", live ? "linux" : "ref",
				 ksml_bench_pattern_name[p]);
			b = ksml_gb_register(name, bm_scan, sc);
			/*
			 * the full size in every configuration (0 faithful, 2
			 * portable, 1 model) and ksmd; the sizes are
			 * BM_*_scale's (register_scale)
			 */
			{
				int64_t a[2] = {(int64_t)bench_pages, 0};

				ksml_gb_bench_args(b, a, live ? 1 : 2);
				if (!live) {
					a[1] = 2;
					ksml_gb_bench_args(b, a, 2);
					a[1] = 1;
					ksml_gb_bench_args(b, a, 2);
				}
			}
			ksml_gb_bench_arg_names(b, idx_names, live ? 1 : 2);
			ksml_gb_bench_iterations(b, 1);
			ksml_gb_bench_use_manual_time(b);
			ksml_gb_bench_unit(b, KSML_GB_MS);
		}
	register_scale();
	register_sparse();
	for (live = 0; live <= 1; live++) {
		static const int64_t pts[] = { 100, 1000, 16384 };
		static const int64_t mps[] = { 8, 64, 256, 4096 };
		struct ksml_gb_bench *b;
		size_t i;

		sweep_cases[live][0] = (struct scan_case){ KSML_BPAT_HALF, live, 1, false };
		sweep_cases[live][1] = (struct scan_case){ KSML_BPAT_SAME, live, 2, false };
		snprintf(name, sizeof(name), "BM_%s_pts/half_dup", live ? "linux" : "ref");
		b = ksml_gb_register(name, bm_scan, &sweep_cases[live][0]);
		for (i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
			ksml_gb_bench_arg(b, pts[i]);
		ksml_gb_bench_arg_name(b, "pts");
		ksml_gb_bench_iterations(b, 1);
		ksml_gb_bench_use_manual_time(b);
		ksml_gb_bench_unit(b, KSML_GB_MS);
		snprintf(name, sizeof(name), "BM_%s_mps/same", live ? "linux" : "ref");
		b = ksml_gb_register(name, bm_scan, &sweep_cases[live][1]);
		for (i = 0; i < sizeof(mps) / sizeof(mps[0]); i++)
			ksml_gb_bench_arg(b, mps[i]);
		ksml_gb_bench_arg_name(b, "mps");
		ksml_gb_bench_iterations(b, 1);
		ksml_gb_bench_use_manual_time(b);
		ksml_gb_bench_unit(b, KSML_GB_MS);
	}
	/*
	 * Other processes' mergeable pages (qemu guests: mem-merge is on by
	 * default) are scanned by ksmd too and blend into its figures: give
	 * them BENCH_WAIT_QUIET seconds (default 60) to leave, once.
	 */
	if (live_ok && !listing_only && ksml_live_others_pages()) {
		const char *env = getenv("BENCH_WAIT_QUIET");
		int wait = env ? atoi(env) : 60, waited = 0;

		fprintf(stderr, "bench_scan: %lu mergeable pages of other processes: "
			"waiting up to %d s for them to leave\n",
			ksml_live_others_pages(), wait);
		while (waited < wait && ksml_live_others_pages()) {
			sleep(2);
			waited += 2;
		}
		snprintf(why, sizeof(why), "available; other processes' mergeable pages: %lu "
			 "(after waiting %d s)", ksml_live_others_pages(), waited);
	}
	ksml_gb_add_context("ksmlab_live_ksm", !live_ok ? why :
			    why[0] == 'a' ? why : "available");
	if (!live_ok)
		fprintf(stderr, "bench_scan: BM_linux_* will be skipped: %s\n", why);
}

/* --ksml-cg=PATTERN:PAGES[:INDEX] */
static int run_cg(const char *spec)
{
	struct ksml_ref_params rp = {
		.full_scans = SCANS, .pages_to_scan = BIG_PTS, .merge_across_nodes = -1,
		.map_node = -1, .second_map_node = -1,
	};
	char pat[32] = "";
	struct ksml_scan_result r;
	int p, idx = 0, err;

	if (sscanf(spec, "%31[^:]:%lu:%d", pat, &rp.pages, &idx) < 2) {
		fprintf(stderr, "bench_scan: --ksml-cg=PATTERN:PAGES[:INDEX]\n");
		return 2;
	}
	for (p = 0; p < KSML_BPAT_NR; p++)
		if (!strcmp(pat, ksml_bench_pattern_name[p]))
			break;
	if (p == KSML_BPAT_NR) {
		fprintf(stderr, "bench_scan: unknown pattern %s\n", pat);
		return 2;
	}
	rp.pat = (enum ksml_bench_pattern)p;
	rp.index_mode = idx;
	err = ksml_ref_measure(&rp, &r);
	if (err) {
		fprintf(stderr, "bench_scan: %s\n", r.note);
		return 1;
	}
	printf("COUNTERS pattern=%s pages=%lu index=%d pages_scanned=%lu full_scans=%lu "
	       "pages_shared=%lu pages_sharing=%lu pages_unshared=%lu rmap_items=%lu "
	       "converge_scans=%lu\n",
	       pat, rp.pages, idx, r.pages_scanned, r.full_scans, r.pages_shared,
	       r.pages_sharing, r.pages_unshared, r.rmap_items, r.converge_scans);
	return 0;
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_PAGES");
	int i;

	if (env && atol(env) > 0)
		bench_pages = (unsigned long)atol(env);
	env = getenv("KSML_BENCH_INJECT");
	if (env)
		inject_pages = (unsigned int)atoi(env);
	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--benchmark_list_tests", 22) &&
		    strcmp(argv[i], "--benchmark_list_tests=false"))
			listing_only = true;
	ksml_gb_init(&argc, argv);
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--ksml-cg=", 10))
			return run_cg(argv[i] + 10);
	}
	if (ksml_gb_report_unrecognized(argc, argv))
		return 1;
	ksml_bench_add_context("bench_scan");
	register_all();
	ksml_bench_numa_register();
	ksml_gb_run();
	ksml_gb_shutdown();
	return 0;
}

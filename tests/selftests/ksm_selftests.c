/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_selftests.c - the kernel's KSM selftests, ksm_tests.c (every mode)
 * and ksm_functional_tests.c (every case), re-expressed from their
 * description in ksm-spec §9 as cases that run on every backend of the
 * harness driver (harness/driver.h), with the same pass conditions:
 *
 *   - the count oracle of ksm_tests (pages_shared/pages_sharing against
 *     max_page_sharing, after 2 full scans);
 *   - "range maps duplicates" of ksm_functional_tests, from the pagemap
 *     (linux: the worker's /proc/PID/pagemap; ref/kmod: the model's
 *     page info), and the per-process ksm_stat / ksm_merging_pages.
 *
 * Usage: ksm_selftests [-b ref,linux,kmod] [-c substring] [-s MiB] [-v]
 * Prints one line per case x backend as it runs, then the table, then
 * "SUMMARY: ...".  Exit 0 when nothing failed (skips allowed), 1 if a
 * case failed, 2 on a usage error.
 *
 * Deviations from the kernel programs, all deliberate:
 *   - every case starts from the same knobs (run=2, then default
 *     max_page_sharing, use_zero_pages, merge_across_nodes, smart_scan,
 *     advisor none, sleep_millisecs=0); the timing modes use
 *     pages_to_scan = their size (the kernel: -p, default 10) and small
 *     sizes (-s, default 16 MiB) to stay short;
 *   - every case runs on a driver of its own (a fresh ref instance; on
 *     linux the host's knobs saved and restored around it), in address
 *     spaces of the driver (linux: worker processes), at addresses the
 *     case picks;
 *   - KSM scans only in the driver's lock-stepped scans (run=1 while one
 *     runs, 0 between), exactly as many full scans as the kernel's test
 *     waits for at least; on linux the driver paces ksmd itself
 *     (pages_to_scan and sleep_millisecs are its own).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "ktap.h"
#include "live.h"
#include "vmem.h"

#define MIB	(1ul << 20)
#define FT_SIZE (2 * MIB) /* ksm_functional_tests' range */
#define ST_PAGE 4096UL

enum st_result { ST_PASS = 0, ST_FAIL = 1, ST_SKIP = 2 };

static bool verbose;
static unsigned long timing_mib = 16;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* appends to a case's message */
static void say(char *msg, size_t msz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t msz, const char *fmt, ...)
{
	size_t len = strlen(msg);
	va_list ap;

	if (len + 1 >= msz)
		return;
	if (len) {
		msg[len++] = ';';
		msg[len++] = ' ';
		msg[len] = 0;
		if (len + 1 >= msz)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(msg + len, msz - len, fmt, ap);
	va_end(ap);
}

/*
 * The deterministic observations of a case (counts, never times), compared
 * between backends in the table: where every backend passes, a difference
 * here is still a difference between the implementations.
 */
static char *g_obs;
static size_t g_obs_sz;
/*
 * the live kernel's ksm_stat has only ksm_rmap_items (and ksm_merging_pages
 * its own file), and no ksm_zero_pages counter (6.1..6.9): observations of
 * every backend are then limited to what it shows
 */
static bool g_short_stat;

static void obs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void obs(const char *fmt, ...)
{
	size_t len;
	va_list ap;

	if (!g_obs)
		return;
	len = strlen(g_obs);
	if (len && len + 1 < g_obs_sz)
		g_obs[len++] = ' ';
	if (len + 1 >= g_obs_sz)
		return;
	va_start(ap, fmt);
	vsnprintf(g_obs + len, g_obs_sz - len, fmt, ap);
	va_end(ap);
}

/*
 * The child side of a fork (or fork+exec) test runs here, on the child's
 * address space; child_arg is its argument.
 */
typedef int (*child_fn)(struct ksml_drv *d, int mm, char *msg, size_t msz);
static unsigned long child_arg;

static int run_child(struct ksml_drv *d, int mm, child_fn fn, unsigned long arg,
		     bool exec, char *msg, size_t msz)
{
	char m[2048] = "";
	int c, r;

	child_arg = arg;
	if (exec ? ksml_drv_mm_exec(d, mm, &c) : ksml_drv_mm_fork(d, mm, &c)) {
		say(msg, msz, "%s", ksml_drv_error(d));
		return ST_FAIL;
	}
	r = fn(d, c, m, sizeof(m));
	ksml_drv_mm_exit(d, c);
	if (m[0])
		say(msg, msz, "%s", m);
	return r;
}

static unsigned long counter(struct ksml_drv *d, const char *name)
{
	char buf[64];

	if (ksml_drv_knob_read(d, name, buf, sizeof(buf)) < 0)
		return ~0ul;
	return strtoul(buf, NULL, 10);
}

static long scounter(struct ksml_drv *d, const char *name)
{
	char buf[64];

	if (ksml_drv_knob_read(d, name, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int knob(struct ksml_drv *d, const char *k, const char *v, char *msg,
		size_t msz)
{
	int ret = ksml_drv_knob_write(d, k, v);

	if (ret)
		say(msg, msz, "writing %s to %s: %s", v, k, strerror(-ret));
	return ret;
}

static int knob_ul(struct ksml_drv *d, const char *k, unsigned long v,
		   char *msg, size_t msz)
{
	char s[32];

	snprintf(s, sizeof(s), "%lu", v);
	return knob(d, k, s, msg, msz);
}

/* ------------------------------------------------------------ fills */

static void gen_byte(const void *ctx, unsigned long idx, void *pg)
{
	memset(pg, *(const unsigned char *)ctx, ST_PAGE);
}

/* ksm_tests -C: pair i (pages 2i, 2i+1) starts with i+1 bytes of '+' */
static void gen_pairs(const void *ctx, unsigned long idx, void *pg)
{
	memset(pg, '*', ST_PAGE);
	memset(pg, '+', idx / 2 + 1);
}

/*
 * The driver maps at fixed addresses: each case's mappings, in every
 * address space of it (a fork's child maps beside what it inherited),
 * get their own range, never reused within the case.
 */
#define ST_MAP_BASE 0x200000000000UL
#define ST_MAP_GAP  (16 * ST_PAGE)
static unsigned long next_addr;

static unsigned long pick_addr(unsigned long len, unsigned long align)
{
	unsigned long a = (next_addr + align - 1) & ~(align - 1);

	next_addr = a + len + ST_MAP_GAP;
	return a;
}

/*
 * npages private anonymous pages (on node, -1 = any) filled from gen;
 * a PROT_NONE range is filled with forced writes, as nothing else can
 */
static int map_fill(struct ksml_drv *d, int mm, unsigned long npages, int node,
		    bool prot_none, ksml_drv_gen_fn gen, const void *ctx,
		    size_t ctx_size, unsigned long *addr)
{
	unsigned char pg[ST_PAGE];
	unsigned long i;
	int ret;

	*addr = pick_addr(npages * ST_PAGE, ST_PAGE);
	ret = ksml_drv_mmap_flags(
		d, mm, *addr, npages * ST_PAGE,
		(prot_none ? KSML_DRV_MAP_PROT_NONE : 0) |
			(node >= 0 ? KSML_DRV_MAP_NODE(node) : 0));
	if (ret || !prot_none)
		return ret ? ret
			   : ksml_drv_fill(d, mm, *addr, npages, gen, ctx,
					   ctx_size);
	for (i = 0; !ret && i < npages; i++) {
		gen(ctx, i, pg);
		ret = ksml_drv_write_force(d, mm, *addr + i * ST_PAGE, pg,
					   ST_PAGE);
	}
	return ret;
}

static int map_byte(struct ksml_drv *d, int mm, unsigned long npages, int node,
		    bool prot_none, unsigned char val, unsigned long *addr)
{
	return map_fill(d, mm, npages, node, prot_none, gen_byte, &val,
			sizeof(val), addr);
}

/* ------------------------------------------------------------ oracles */

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* ksm_functional_tests' range_maps_duplicates: any two present pages on one pfn */
static int range_maps_duplicates(struct ksml_drv *d, int mm, unsigned long addr,
				 unsigned long len)
{
	unsigned long n = len / ST_PAGE, i, k = 0;
	unsigned long *pfn = calloc(n, sizeof(*pfn));
	int dup = 0;

	if (!pfn)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		bool present;
		unsigned long p;

		if (ksml_drv_page_info(d, mm, addr + i * ST_PAGE, &present, &p))
			continue;
		if (present)
			pfn[k++] = p;
	}
	qsort(pfn, k, sizeof(*pfn), cmp_ul);
	for (i = 1; i < k; i++)
		if (pfn[i] == pfn[i - 1])
			dup++;
	free(pfn);
	return dup;
}

/* ksm_tests' assert_ksm_pages_count(D) */
static int check_count(struct ksml_drv *drv, unsigned long d, char *msg,
		       size_t msz)
{
	unsigned long m = counter(drv, "max_page_sharing");
	unsigned long shared = counter(drv, "pages_shared");
	unsigned long sharing = counter(drv, "pages_sharing");
	unsigned long ws, wg;
	char foreign[256];

	if (d % m == 0 || d % m == 1) {
		ws = d / m;
		wg = ws * (m - 1);
	} else {
		ws = d / m + 1;
		wg = d - ws;
	}
	say(msg, msz,
	    "pages_shared=%lu pages_sharing=%lu (oracle(%lu) with "
	    "max_page_sharing=%lu: %lu %lu) chains=%lu dups=%lu",
	    shared, sharing, d, m, ws, wg, counter(drv, "stable_node_chains"),
	    counter(drv, "stable_node_dups"));
	obs("g:shared=%lu,sharing=%lu,chains=%lu,dups=%lu", shared, sharing,
	    counter(drv, "stable_node_chains"),
	    counter(drv, "stable_node_dups"));
	if (shared == ws && sharing == wg)
		return ST_PASS;
	if (ksml_drv_foreign_users(drv, foreign, sizeof(foreign)) > 0) {
		say(msg, msz, "host noise: other KSM users %s count in the global counters",
		    foreign);
		return ST_SKIP;
	}
	return ST_FAIL;
}

/* ---------------------------------------------------- ksmd handshake */

/* nr full scans: the kernel's tests wait until full_scans advanced by nr */
static int ksm_scans(struct ksml_drv *d, unsigned long nr, char *msg,
		     size_t msz)
{
	unsigned long start = counter(d, "full_scans");
	int ret = ksml_drv_scan(d, nr);

	if (ret)
		say(msg, msz, "waiting for %lu full scans from %lu: %s", nr, start,
		    strerror(-ret));
	return ret;
}

static int ksm_merge(struct ksml_drv *d, char *msg, size_t msz)
{
	return ksm_scans(d, 2, msg, msz);
}

/*
 * Per-case knobs: the kernel tests' setup (run=2, sleep_millisecs=0,
 * merge_across_nodes=1, pages_to_scan) on top of the defaults of the
 * knobs they do not set.
 */
/* a knob newer kernels have (advisor_mode 6.9, smart_scan 6.7): absent is fine */
static int knob_opt(struct ksml_drv *d, const char *k, const char *v, char *msg,
		    size_t msz)
{
	int ret = ksml_drv_knob_write(d, k, v);

	if (ret && ret != -ENOENT)
		say(msg, msz, "writing %s to %s: %s", v, k, strerror(-ret));
	return ret == -ENOENT ? 0 : ret;
}

/*
 * ref and kmod scan in the caller, in batches of pages_to_scan; the linux
 * driver lock-steps ksmd with a pages_to_scan larger than any pass and
 * sleep_millisecs its own (one batch is one pass), which the kernel
 * tests' values would split
 */
static bool paced_by_driver(const struct ksml_drv *d)
{
	return d->ops == &ksml_backend_linux;
}

/* the kernel's default of k, as the core's knob table has it */
static int knob_default(struct ksml_drv *d, const char *k, char *msg,
			size_t msz)
{
	return knob(d, k, ksml_knob_default(k), msg, msz);
}

static int knob_opt_default(struct ksml_drv *d, const char *k, char *msg,
			    size_t msz)
{
	return knob_opt(d, k, ksml_knob_default(k), msg, msz);
}

static int setup_knobs(struct ksml_drv *d, unsigned long pages_to_scan,
		       char *msg, size_t msz)
{
	/* run=2 first: unmerge what the last case left */
	if (knob(d, "run", "2", msg, msz) ||
	    knob_opt_default(d, "advisor_mode", msg, msz) ||
	    knob_default(d, "max_page_sharing", msg, msz) ||
	    knob_default(d, "merge_across_nodes", msg, msz) ||
	    knob_default(d, "use_zero_pages", msg, msz) ||
	    knob_opt_default(d, "smart_scan", msg, msz) ||
	    knob_default(d, "stable_node_chains_prune_millisecs", msg, msz))
		return -EIO;
	/* not the defaults: the kernel tests' pace, ksmd never asleep */
	if (!paced_by_driver(d) &&
	    (knob(d, "sleep_millisecs", "0", msg, msz) ||
	     knob_ul(d, "pages_to_scan", pages_to_scan, msg, msz)))
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------ cases */

struct tcase {
	const char *name;
	const char *origin;
	int (*fn)(struct ksml_drv *d, int mm, const struct tcase *t, char *msg,
		  size_t msz);
	unsigned long pages;
	int mps;	/* max_page_sharing, 0 = default */
	int arg;	/* use_zero_pages, merge_across_nodes, prctl */
	int nodes;	/* NUMA nodes the case needs */
};

/* -M: page_count pages of '*', merged via madvise (or prctl): oracle(count) */
static int merge_pages(struct ksml_drv *d, int mm, unsigned long pages,
		       bool prctl, char *msg, size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	ret = map_byte(d, mm, pages, -1, false, '*', &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (prctl)
		ret = ksml_drv_prctl_merge_any(d, mm, 1);
	else
		ret = ksml_drv_madvise(d, mm, addr, pages * ST_PAGE,
				       KSML_MADV_MERGEABLE);
	if (ret == -EINVAL && prctl) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		r = ST_SKIP;
	} else if (ret) {
		say(msg, msz, "%s: %s", prctl ? "prctl" : "madvise", strerror(-ret));
	} else if (!ksm_merge(d, msg, msz)) {
		r = check_count(d, pages, msg, msz);
	}
	if (prctl)
		ksml_drv_prctl_merge_any(d, mm, 0);
	ksml_drv_munmap(d, mm, addr, pages * ST_PAGE);
	return r;
}

/* -M -t 1 runs in a fresh process, as the kernel's ksm_tests does */
static int merge_prctl_child(struct ksml_drv *d, int mm, char *msg, size_t msz)
{
	return merge_pages(d, mm, child_arg, true, msg, msz);
}

/*
 * -M: page_count pages of '*', merged via madvise: oracle(count).  With
 * prctl (-t 1) the whole process becomes mergeable: on linux a long-lived
 * test process has duplicate pages of its own (zeroed heap, buffers) the
 * oracle would count, so that variant runs in an exec'd fresh process
 * (ref, kmod: a fresh mm).
 */
static int kt_merge(struct ksml_drv *d, int mm, const struct tcase *t,
		    char *msg, size_t msz)
{
	if (setup_knobs(d, t->pages, msg, msz))
		return ST_FAIL;
	if (t->mps &&
	    knob_ul(d, "max_page_sharing", (unsigned long)t->mps, msg, msz))
		return ST_FAIL;
	if (t->arg)
		return run_child(d, mm, merge_prctl_child, t->pages, true, msg,
				 msz);
	return merge_pages(d, mm, t->pages, false, msg, msz);
}

/*
 * -U: two pages of '*' merged, then one byte of each rewritten ('-',
 * '+'; or MADV_UNMERGEABLE with arg=1), one more full scan: oracle(0)
 */
static int kt_unmerge(struct ksml_drv *d, int mm, const struct tcase *t,
		      char *msg, size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	if (setup_knobs(d, 10, msg, msz))
		return ST_FAIL;
	ret = map_byte(d, mm, 2, -1, false, '*', &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	ret = ksml_drv_madvise(d, mm, addr, 2 * ST_PAGE, KSML_MADV_MERGEABLE);
	if (ret || ksm_merge(d, msg, msz))
		goto out;
	r = check_count(d, 2, msg, msz);
	if (r != ST_PASS) {
		if (r == ST_FAIL)
			say(msg, msz, "not merged before the unmerge");
		goto out;
	}
	r = ST_FAIL;
	/*
	 * ksmd stays stopped after the driver's scans, so that the counters
	 * read "right after" are comparable across backends; the kernel's
	 * test leaves it running, which changes nothing to the pass condition
	 */
	if (t->arg) {
		ret = ksml_drv_madvise(d, mm, addr, 2 * ST_PAGE,
				       KSML_MADV_UNMERGEABLE);
	} else {
		ret = ksml_drv_write(d, mm, addr, "-", 1);
		if (!ret)
			ret = ksml_drv_write(d, mm, addr + ST_PAGE, "+", 1);
	}
	if (ret) {
		say(msg, msz, "%s: %s", t->arg ? "MADV_UNMERGEABLE" : "write",
		    strerror(-ret));
		goto out;
	}
	{
		unsigned long sh = counter(d, "pages_shared");
		unsigned long sg = counter(d, "pages_sharing");
		int dups = range_maps_duplicates(d, mm, addr, 2 * ST_PAGE);

		say(msg, msz,
		    "right after: pages_shared=%lu pages_sharing=%lu "
		    "duplicates=%d",
		    sh, sg, dups);
		obs("g:right-after:shared=%lu,sharing=%lu", sh, sg);
		obs("right-after-dups=%d", dups);
	}
	if (ksm_scans(d, 1, msg, msz))
		goto out;
	r = check_count(d, 0, msg, msz);
out:
	ksml_drv_munmap(d, mm, addr, 2 * ST_PAGE);
	return r;
}

/* -Z: page_count zero-filled pages; uzp=1: oracle(0), uzp=0: oracle(count) */
static int kt_zero(struct ksml_drv *d, int mm, const struct tcase *t, char *msg,
		   size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	if (setup_knobs(d, t->pages, msg, msz) ||
	    knob(d, "use_zero_pages", t->arg ? "1" : "0", msg, msz))
		return ST_FAIL;
	ret = map_byte(d, mm, t->pages, -1, false, 0, &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	ret = ksml_drv_madvise(d, mm, addr, t->pages * ST_PAGE,
			       KSML_MADV_MERGEABLE);
	if (!ret && !ksm_merge(d, msg, msz)) {
		r = check_count(d, t->arg ? 0 : t->pages, msg, msz);
		say(msg, msz, "ksm_zero_pages=%ld",
		    scounter(d, "ksm_zero_pages"));
		/* absent before 6.10: nothing to compare */
		if (!g_short_stat)
			obs("g:ksm_zero_pages=%ld",
			    scounter(d, "ksm_zero_pages"));
	}
	ksml_drv_munmap(d, mm, addr, t->pages * ST_PAGE);
	return r;
}

/*
 * -N: one page of '*' on each of two nodes, each range merged on its own;
 * merge_across_nodes=1: oracle(2), =0: oracle(0)
 */
static int kt_numa(struct ksml_drv *d, int mm, const struct tcase *t, char *msg,
		   size_t msz)
{
	unsigned long a0 = 0, a1 = 0;
	int r = ST_FAIL, ret;

	if (setup_knobs(d, 10, msg, msz) ||
	    knob(d, "merge_across_nodes", t->arg ? "1" : "0", msg, msz))
		return ST_FAIL;
	ret = map_byte(d, mm, 1, 0, false, '*', &a0);
	if (!ret)
		ret = map_byte(d, mm, 1, 1, false, '*', &a1);
	if (ret) {
		say(msg, msz, "map on nodes 0 and 1: %s", strerror(-ret));
		goto out;
	}
	if (ksml_drv_madvise(d, mm, a0, ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(d, msg, msz) ||
	    ksml_drv_madvise(d, mm, a1, ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(d, msg, msz))
		goto out;
	r = check_count(d, t->arg ? 2 : 0, msg, msz);
out:
	if (a0)
		ksml_drv_munmap(d, mm, a0, ST_PAGE);
	if (a1)
		ksml_drv_munmap(d, mm, a1, ST_PAGE);
	return r;
}

static void say_speed(char *msg, size_t msz, const char *what, unsigned long bytes,
		      double s)
{
	say(msg, msz, "%s: %lu MiB in %.3f s = %.1f MiB/s", what, bytes / MIB, s,
	    s > 0 ? (double)bytes / MIB / s : 0.0);
}

/* -P: time from before madvise until 2 full scans; pass if completed */
static int kt_merge_time(struct ksml_drv *d, int mm, const struct tcase *t,
			 char *msg, size_t msz)
{
	unsigned long len = timing_mib * MIB, addr;
	double t0;
	int r = ST_FAIL;

	if (setup_knobs(d, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	if (map_byte(d, mm, len / ST_PAGE, -1, false, '*', &addr))
		return ST_FAIL;
	t0 = now_s();
	if (!ksml_drv_madvise(d, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(d, msg, msz)) {
		say_speed(msg, msz, "merge", len, now_s() - t0);
		say(msg, msz, "pages_shared=%lu pages_sharing=%lu",
		    counter(d, "pages_shared"), counter(d, "pages_sharing"));
		obs("g:shared=%lu,sharing=%lu", counter(d, "pages_shared"),
		    counter(d, "pages_sharing"));
		r = ST_PASS;
	}
	ksml_drv_munmap(d, mm, addr, len);
	return r;
}

/* AnonHugePages: the case's space maps nothing but the THP range */
static int huge_kb(struct ksml_drv *d, int mm, unsigned long *kb)
{
	struct ksml_mm_stat st;
	int ret = ksml_drv_mm_stat(d, mm, &st);

	*kb = ret ? 0 : st.anon_huge_kb;
	return ret;
}

/*
 * -H: as -P on a THP-backed range (ksm_merge_hugepages_time): MADV_HUGEPAGE
 * on a 2 MiB-aligned range, each 2 MiB faulted by a first write, then all
 * of it filled with '*' and merged.  The kernel's test only reports the
 * THPs it got; here a range with none is a failure (it would be -P again),
 * and the THPs before the merge, the counters one scan after the timed
 * two and the AnonHugePages then (every subpage merges, so every folio
 * splits: harness/THP.md point 3) are observations compared between
 * backends.
 */
static int kt_merge_time_thp(struct ksml_drv *d, int mm, const struct tcase *t,
			     char *msg, size_t msz)
{
	unsigned long hp = 2 * MIB, len = timing_mib * MIB / hp * hp;
	unsigned long addr, off, kb = 0, after = 0, nthp;
	unsigned char pg[ST_PAGE];
	int r = ST_FAIL, ret;
	double t0;

	if (!(d->caps & KSML_CAP_ANON_HUGE)) {
		say(msg, msz,
		    "%s cannot set a THP mode nor count THPs (no "
		    "AnonHugePages: ksm_ref.ko before ABI 1.2)",
		    d->ops->name);
		return ST_SKIP;
	}
	if (!len) {
		say(msg, msz, "-s %lu: less than one 2 MiB THP", timing_mib);
		return ST_FAIL;
	}
	if (setup_knobs(d, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	/* the THP mode is madvise (run_case): MADV_HUGEPAGE on 2 MiB-aligned */
	addr = pick_addr(len, hp);
	ret = ksml_drv_mmap(d, mm, addr, len, false);
	if (!ret)
		ret = ksml_drv_madvise(d, mm, addr, len, KSML_MADV_HUGEPAGE);
	if (ret) {
		say(msg, msz, "THP mapping of %lu MiB: %s", len / MIB,
		    strerror(-ret));
		return ST_FAIL;
	}
	memset(pg, '*', sizeof(pg));
	/* allocate_transhuge: the first write of each 2 MiB faults a THP */
	for (off = 0; !ret && off < len; off += hp)
		ret = ksml_drv_write(d, mm, addr + off, pg, 1);
	if (!ret)
		ret = huge_kb(d, mm, &kb);
	for (off = 0; !ret && off < len; off += ST_PAGE)
		ret = ksml_drv_write(d, mm, addr + off, pg, ST_PAGE);
	if (ret) {
		say(msg, msz, "filling the THP range: %s", strerror(-ret));
		goto out;
	}
	nthp = kb * 1024 / hp;
	say(msg, msz, "%lu of %lu 2 MiB chunks became THPs", nthp, len / hp);
	if (!nthp) {
		say(msg, msz,
		    "no THP: the case would not test THP-backed memory");
		goto out;
	}
	t0 = now_s();
	if (!ksml_drv_madvise(d, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(d, msg, msz)) {
		say_speed(msg, msz, "merge", len, now_s() - t0);
		/*
		 * Two subpages of one folio that meet in the unstable tree
		 * merge a scan later (THP.md point 4): under the kernel's
		 * free-running ksmd that scan may or may not have happened
		 * when its test reads the counters.  One scan more for the
		 * observation.
		 */
		if (ksm_scans(d, 1, msg, msz))
			goto out;
		huge_kb(d, mm, &after);
		say(msg, msz,
		    "pages_shared=%lu pages_sharing=%lu AnonHugePages %lu kB "
		    "after",
		    counter(d, "pages_shared"), counter(d, "pages_sharing"),
		    after);
		obs("g:thp=%lu,shared=%lu,sharing=%lu,huge_kb_after=%lu", nthp,
		    counter(d, "pages_shared"), counter(d, "pages_sharing"),
		    after);
		r = ST_PASS;
	}
out:
	ksml_drv_munmap(d, mm, addr, len);
	return r;
}

/* -D: merge, then time MADV_UNMERGEABLE over the range */
static int kt_unmerge_time(struct ksml_drv *d, int mm, const struct tcase *t,
			   char *msg, size_t msz)
{
	unsigned long len = timing_mib * MIB, addr;
	int r = ST_FAIL, ret;
	double t0;

	if (setup_knobs(d, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	if (map_byte(d, mm, len / ST_PAGE, -1, false, '*', &addr))
		return ST_FAIL;
	if (!ksml_drv_madvise(d, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(d, msg, msz)) {
		say(msg, msz, "merged: pages_shared=%lu pages_sharing=%lu",
		    counter(d, "pages_shared"), counter(d, "pages_sharing"));
		obs("g:shared=%lu,sharing=%lu", counter(d, "pages_shared"),
		    counter(d, "pages_sharing"));
		t0 = now_s();
		ret = ksml_drv_madvise(d, mm, addr, len, KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
		} else {
			say_speed(msg, msz, "unmerge", len, now_s() - t0);
			r = ST_PASS;
		}
	}
	ksml_drv_munmap(d, mm, addr, len);
	return r;
}

static int write_even_pages(struct ksml_drv *d, int mm, unsigned long addr,
			    unsigned long n, double *s)
{
	double t0 = now_s();
	unsigned long i;
	int ret = 0;

	for (i = 0; !ret && i + 1 < n; i += 2)
		ret = ksml_drv_write(d, mm, addr + i * ST_PAGE, "-", 1);
	*s = now_s() - t0;
	return ret;
}

/*
 * -C: 4000 pages; time one write into every even page unmerged, then
 * build 2000 identical pairs, merge, and time the same writes (COW)
 */
static int kt_cow_time(struct ksml_drv *d, int mm, const struct tcase *t,
		       char *msg, size_t msz)
{
	unsigned long n = 4000, addr, i;
	unsigned char *pg = malloc(ST_PAGE);
	double s0, s1;
	int r = ST_FAIL;

	if (!pg || setup_knobs(d, n, msg, msz)) {
		free(pg);
		return ST_FAIL;
	}
	if (map_byte(d, mm, n, -1, false, '*', &addr)) {
		free(pg);
		return ST_FAIL;
	}
	if (write_even_pages(d, mm, addr, n, &s0))
		goto out;
	for (i = 0; i < n; i++) {
		gen_pairs(NULL, i, pg);
		if (ksml_drv_write(d, mm, addr + i * ST_PAGE, pg, i / 2 + 1))
			goto out;
	}
	if (ksml_drv_madvise(d, mm, addr, n * ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(d, msg, msz))
		goto out;
	say(msg, msz, "merged: pages_shared=%lu pages_sharing=%lu (2000 pairs)",
	    counter(d, "pages_shared"), counter(d, "pages_sharing"));
	obs("g:shared=%lu,sharing=%lu", counter(d, "pages_shared"),
	    counter(d, "pages_sharing"));
	if (write_even_pages(d, mm, addr, n, &s1))
		goto out;
	say(msg, msz, "2000 writes: unmerged %.3f ms, merged (COW) %.3f ms",
	    s0 * 1e3, s1 * 1e3);
	r = ST_PASS;
out:
	ksml_drv_munmap(d, mm, addr, n * ST_PAGE);
	free(pg);
	return r;
}

/* ---------------------------------------------- ksm_functional_tests */

static int my_merging_pages(struct ksml_drv *d, int mm)
{
	struct ksml_mm_stat st;

	if (ksml_drv_mm_stat(d, mm, &st))
		return -1;
	return (int)st.ksm_merging_pages;
}

enum ft_mode { FT_PRCTL, FT_MADVISE, FT_NONE };

/*
 * A snapshot of the mm's ksm_stat and of the global counters, recorded as
 * observations (ksmd stopped, so both are stable): madvise-mode cases only,
 * where the linux process has nothing registered but the range.
 */
static void snap(struct ksml_drv *d, int mm, const char *tag)
{
	struct ksml_mm_stat st;

	if (g_short_stat) {
		/* what a 6.1 kernel shows too */
		if (!ksml_drv_mm_stat(d, mm, &st))
			obs("%s:rmap=%lu,merging=%lu", tag, st.ksm_rmap_items,
			    st.ksm_merging_pages);
		obs("g:%s:shared=%lu,sharing=%lu,unshared=%lu,chains=%lu,dups=%"
		    "lu",
		    tag, counter(d, "pages_shared"),
		    counter(d, "pages_sharing"), counter(d, "pages_unshared"),
		    counter(d, "stable_node_chains"),
		    counter(d, "stable_node_dups"));
		return;
	}
	if (!ksml_drv_mm_stat(d, mm, &st))
		obs("%s:rmap=%lu,zero=%ld,merging=%lu,profit=%ld,mergeable=%d", tag,
		    st.ksm_rmap_items, st.ksm_zero_pages, st.ksm_merging_pages,
		    st.ksm_process_profit, st.ksm_mergeable);
	obs("g:%s:shared=%lu,sharing=%lu,unshared=%lu,zero=%ld,chains=%lu,dups="
	    "%lu",
	    tag, counter(d, "pages_shared"), counter(d, "pages_sharing"),
	    counter(d, "pages_unshared"), scounter(d, "ksm_zero_pages"),
	    counter(d, "stable_node_chains"), counter(d, "stable_node_dups"));
}

/*
 * After a case's checks: three more full scans (every page revisited),
 * then a snapshot of what KSM made of it.  An mm left without
 * VM_MERGEABLE areas is dropped by ksmd at the end of a pass that walked
 * it from its start (ksm-spec 3.3): then nothing may be left to scan and
 * full_scans stops (-EAGAIN: at once on ref, on linux when no other
 * process is registered), so "our mm has left KSM" also ends the wait.
 */
static void settle(struct ksml_drv *d, int mm, const char *tag, char *msg,
		   size_t msz)
{
	unsigned long start = counter(d, "full_scans");
	struct ksml_mm_stat st;
	double t0 = now_s();
	int ret;

	/*
	 * smart_scan off: unmerged pages then stay in the unstable tree from
	 * one pass to the next, a fixed point; with it on, their skipping
	 * depends on how many passes ran (under the kernel's tests'
	 * free-running ksmd, 3 or more)
	 */
	if (knob_opt(d, "smart_scan", "0", msg, msz))
		return;
	for (;;) {
		unsigned long fs = counter(d, "full_scans");

		if (fs >= start + 3)
			break;
		ret = ksml_drv_scan(d, start + 3 - fs);
		if (!ret)
			break;
		if (!ksml_drv_mm_stat(d, mm, &st) && !st.ksm_mergeable &&
		    !st.ksm_rmap_items)
			break;
		if ((ret != -ETIMEDOUT && ret != -EAGAIN) || now_s() - t0 > 30) {
			say(msg, msz,
			    "settling (3 more full scans from %lu): %s", start,
			    strerror(-ret));
			return;
		}
	}
	snap(d, mm, tag);
}

/*
 * mmap_and_merge_range: run=2; nothing of ours may stay merged; map 2 MiB
 * of val (PROT_NONE if asked), enable KSM by mode, merge; a non-zero val
 * must leave ksm_merging_pages > 0.  Returns ST_*, the range in *addr.
 */
static int ft_map_merge(struct ksml_drv *d, int mm, unsigned char val,
			bool prot_none, enum ft_mode mode, unsigned long *addr,
			char *msg, size_t msz)
{
	int ret, n;

	if (knob(d, "run", "2", msg, msz))
		return ST_FAIL;
	n = my_merging_pages(d, mm);
	if (n) {
		say(msg, msz, "still %d pages merged after run=2", n);
		return ST_FAIL;
	}
	ret = map_byte(d, mm, FT_SIZE / ST_PAGE, -1, prot_none, val, addr);
	if (ret) {
		say(msg, msz, "map%s: %s", prot_none ? " PROT_NONE" : "",
		    strerror(-ret));
		return prot_none ? ST_SKIP : ST_FAIL;
	}
	if (mode == FT_PRCTL) {
		ret = ksml_drv_prctl_merge_any(d, mm, 1);
		if (ret == -EINVAL) {
			say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
			return ST_SKIP;
		}
	} else if (mode == FT_MADVISE) {
		ret = ksml_drv_madvise(d, mm, *addr, FT_SIZE,
				       KSML_MADV_MERGEABLE);
	}
	if (ret) {
		say(msg, msz, "enabling KSM: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (ksm_merge(d, msg, msz))
		return ST_FAIL;
	n = my_merging_pages(d, mm);
	if (val && n <= 0) {
		say(msg, msz, "no pages got merged (ksm_merging_pages=%d)", n);
		return ST_FAIL;
	}
	say(msg, msz, "merged: ksm_merging_pages=%d", n);
	/*
	 * For the snapshots only (the kernel's checks are done): one more
	 * full scan, as the 3 or more a free-running ksmd makes (the
	 * rmap_items of pages merged with the zero page go in the pass after
	 * the merge); ksmd stays stopped after it.  The kernel's test leaves
	 * it running, which none of its checks depends on.
	 */
	if (ksm_scans(d, 1, msg, msz))
		return ST_FAIL;
	/* under MERGE_ANY a linux process merges more than the range */
	if (mode == FT_MADVISE)
		snap(d, mm, "merged");
	return ST_PASS;
}

static int expect_no_dups(struct ksml_drv *d, int mm, unsigned long addr,
			  char *msg, size_t msz)
{
	int dups = range_maps_duplicates(d, mm, addr, FT_SIZE);

	obs("dups=%d", dups);
	if (dups) {
		say(msg, msz, "range maps duplicates (%d)", dups);
		return ST_FAIL;
	}
	say(msg, msz, "no duplicates");
	return ST_PASS;
}

static int ft_setup(struct ksml_drv *d, char *msg, size_t msz)
{
	return setup_knobs(d, 2 * FT_SIZE / ST_PAGE, msg, msz) ? ST_FAIL
							       : ST_PASS;
}

/* test_unmerge: MADV_UNMERGEABLE over a merged range: no duplicates */
static int ft_unmerge(struct ksml_drv *d, int mm, const struct tcase *t,
		      char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(d, msg, msz), ret;

	if (!r)
		r = ft_map_merge(d, mm, 0xcf, false, FT_MADVISE, &addr, msg,
				 msz);
	if (!r) {
		ret = ksml_drv_madvise(d, mm, addr, FT_SIZE,
				       KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			snap(d, mm, "unmerged");
			r = expect_no_dups(d, mm, addr, msg, msz);
			settle(d, mm, "rescanned", msg, msz);
		}
	}
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/* -1 where ksm_stat has no ksm_zero_pages line (the driver reads it 0) */
static long my_zero_pages(struct ksml_drv *d, int mm)
{
	struct ksml_mm_stat st;

	if (!(d->caps & KSML_CAP_ZERO_PAGES) || ksml_drv_mm_stat(d, mm, &st))
		return -1;
	return st.ksm_zero_pages;
}

/*
 * test_unmerge_zero_pages: use_zero_pages=1, 2 MiB of zeros merged: the
 * mm's ksm_zero_pages is 512; MADV_UNMERGEABLE on the first half: 256;
 * a distinct write into each page of the second half: 0; no duplicates
 */
static int ft_unmerge_zero_pages(struct ksml_drv *d, int mm,
				 const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0, n = FT_SIZE / ST_PAGE, i;
	int r = ft_setup(d, msg, msz);
	long z;

	if (!r && knob(d, "use_zero_pages", "1", msg, msz))
		r = ST_FAIL;
	if (!r)
		r = ft_map_merge(d, mm, 0, false, FT_MADVISE, &addr, msg, msz);
	if (r)
		goto out;
	r = ST_FAIL;
	z = my_zero_pages(d, mm);
	if (z < 0) {
		say(msg, msz, "no ksm_zero_pages in ksm_stat (kernel before 6.10?)");
		r = ST_SKIP;
		goto out;
	}
	say(msg, msz, "ksm_zero_pages=%ld (want %lu)", z, n);
	obs("zero=%ld", z);
	if (z != (long)n)
		goto out;
	if (ksml_drv_madvise(d, mm, addr, FT_SIZE / 2, KSML_MADV_UNMERGEABLE))
		goto out;
	z = my_zero_pages(d, mm);
	snap(d, mm, "half-unmerged");
	say(msg, msz, "after unmerging half: %ld (want %lu)", z, n / 2);
	obs("zero=%ld", z);
	if (z != (long)(n / 2))
		goto out;
	for (i = n / 2; i < n; i++) {
		unsigned int v = (unsigned int)i;

		if (ksml_drv_write(d, mm, addr + i * ST_PAGE, &v, sizeof(v)))
			goto out;
	}
	z = my_zero_pages(d, mm);
	say(msg, msz, "after writing the other half: %ld (want 0)", z);
	obs("zero=%ld", z);
	snap(d, mm, "written");
	if (z)
		goto out;
	r = expect_no_dups(d, mm, addr, msg, msz);
	settle(d, mm, "rescanned", msg, msz);
out:
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/* test_unmerge_discarded: MADV_DONTNEED the first half, then unmerge all */
static int ft_unmerge_discarded(struct ksml_drv *d, int mm,
				const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(d, msg, msz), ret;

	if (!r)
		r = ft_map_merge(d, mm, 0xcf, false, FT_MADVISE, &addr, msg,
				 msz);
	if (!r) {
		ret = ksml_drv_madvise(d, mm, addr, FT_SIZE / 2,
				       KSML_MADV_DONTNEED);
		if (!ret) {
			snap(d, mm, "discarded");
			ret = ksml_drv_madvise(d, mm, addr, FT_SIZE,
					       KSML_MADV_UNMERGEABLE);
		}
		if (ret) {
			say(msg, msz, "DONTNEED/UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			snap(d, mm, "unmerged");
			r = expect_no_dups(d, mm, addr, msg, msz);
			settle(d, mm, "rescanned", msg, msz);
		}
	}
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/*
 * test_unmerge_uffd_wp: a merged range write-protected by userfaultfd;
 * MADV_UNMERGEABLE must unshare without waiting on the uffd.  ref/kmod
 * have no userfaultfd: modelled as a range the process cannot write
 * (a read-only mapping filled by forced writes), which the unmerge must
 * still unshare.
 */
static int ft_unmerge_uffd_wp(struct ksml_drv *d, int mm, const struct tcase *t,
			      char *msg, size_t msz)
{
	unsigned long addr = 0;
	bool uffd = d->ops->uffd_wp;
	int r = ft_setup(d, msg, msz), ret;

	if (!r)
		r = ft_map_merge(d, mm, 0xcf, !uffd, FT_MADVISE, &addr, msg,
				 msz);
	if (!r && uffd) {
		/* the kernel's test skips where it cannot write-protect */
		ret = ksml_drv_uffd_wp(d, mm, addr, FT_SIZE);
		if (ret) {
			say(msg, msz, "%s", ksml_drv_error(d));
			r = ret == -EOPNOTSUPP ? ST_SKIP : ST_FAIL;
		}
	} else if (!r) {
		say(msg, msz,
		    "modelled: uffd-wp as a read-only range (no userfaultfd in "
		    "%s)",
		    d->ops->name);
	}
	if (!r) {
		ret = ksml_drv_madvise(d, mm, addr, FT_SIZE,
				       KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			r = expect_no_dups(d, mm, addr, msg, msz);
		}
	}
	/* the unmap also ends the write-protection (its userfaultfd) */
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/*
 * test_prot_none: 2 MiB of 0x11 merged under PROT_NONE; a unique int
 * written into each page of the first half through /proc/self/mem (ref:
 * ksml_vm_write_force), MADV_UNMERGEABLE on the second half: no duplicates
 */
static int ft_prot_none(struct ksml_drv *d, int mm, const struct tcase *t,
			char *msg, size_t msz)
{
	unsigned long addr = 0, n = FT_SIZE / ST_PAGE, i;
	int r = ft_setup(d, msg, msz), ret = 0;

	if (!r)
		r = ft_map_merge(d, mm, 0x11, true, FT_MADVISE, &addr, msg,
				 msz);
	if (r)
		goto out;
	for (i = 0; !ret && i < n / 2; i++) {
		unsigned int v = (unsigned int)i + 1;

		ret = ksml_drv_write_force(d, mm, addr + i * ST_PAGE, &v,
					   sizeof(v));
	}
	if (!ret) {
		snap(d, mm, "forced");
		ret = ksml_drv_madvise(d, mm, addr + FT_SIZE / 2, FT_SIZE / 2,
				       KSML_MADV_UNMERGEABLE);
	}
	if (ret) {
		say(msg, msz, "forced write/UNMERGEABLE: %s", strerror(-ret));
		r = ST_FAIL;
	} else {
		snap(d, mm, "unmerged");
		r = expect_no_dups(d, mm, addr, msg, msz);
		settle(d, mm, "rescanned", msg, msz);
	}
out:
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/* PR_GET_MEMORY_MERGE: the value, or -errno as the prctl */
static int prctl_get(struct ksml_drv *d, int mm)
{
	int on, ret = ksml_drv_prctl_get_merge_any(d, mm, &on);

	return ret ? ret : on;
}

/* test_prctl: set 1, get 1, set 0, get 0 */
static int ft_prctl(struct ksml_drv *d, int mm, const struct tcase *t,
		    char *msg, size_t msz)
{
	int ret = ksml_drv_prctl_merge_any(d, mm, 1), g1, g0;

	if (ret == -EINVAL) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		return ST_SKIP;
	}
	if (ret) {
		say(msg, msz, "PR_SET_MEMORY_MERGE 1: %s", strerror(-ret));
		return ST_FAIL;
	}
	g1 = prctl_get(d, mm);
	ret = ksml_drv_prctl_merge_any(d, mm, 0);
	g0 = prctl_get(d, mm);
	say(msg, msz, "get after set 1: %d, after set 0: %d (set 0: %d)", g1, g0,
	    ret);
	obs("get=%d,%d", g1, g0);
	return g1 == 1 && g0 == 0 && !ret ? ST_PASS : ST_FAIL;
}

/* the child of test_prctl_fork(_exec): inherited MERGE_ANY, and it merges */
static int prctl_child(struct ksml_drv *d, int mm, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int g = prctl_get(d, mm), r;

	if (g != 1) {
		say(msg, msz, "child: PR_GET_MEMORY_MERGE = %d, want 1", g);
		return ST_FAIL;
	}
	r = ft_map_merge(d, mm, 0xcf, false, FT_NONE, &addr, msg, msz);
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	if (!r)
		say(msg, msz, "child: MERGE_ANY inherited and merging");
	return r;
}

/* test_prctl_fork / test_prctl_fork_exec (arg = exec) */
static int ft_prctl_fork(struct ksml_drv *d, int mm, const struct tcase *t,
			 char *msg, size_t msz)
{
	int r = ft_setup(d, msg, msz), ret;

	if (r)
		return r;
	ret = ksml_drv_prctl_merge_any(d, mm, 1);
	if (ret == -EINVAL) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		return ST_SKIP;
	}
	if (ret) {
		say(msg, msz, "PR_SET_MEMORY_MERGE 1: %s", strerror(-ret));
		return ST_FAIL;
	}
	r = run_child(d, mm, prctl_child, 0, t->arg, msg, msz);
	if (t->arg && d->ops != &ksml_backend_linux)
		say(msg, msz, "exec modelled: a fresh mm given PR_SET_MEMORY_MERGE(1) as the parent had it");
	ret = ksml_drv_prctl_merge_any(d, mm, 0);
	if (ret) {
		say(msg, msz, "parent: PR_SET_MEMORY_MERGE 0: %s", strerror(-ret));
		r = ST_FAIL;
	}
	return r;
}

/* test_prctl_unmerge: merged via prctl; prctl 0 must unmerge */
static int ft_prctl_unmerge(struct ksml_drv *d, int mm, const struct tcase *t,
			    char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(d, msg, msz), ret;

	if (!r)
		r = ft_map_merge(d, mm, 0xcf, false, FT_PRCTL, &addr, msg, msz);
	if (!r) {
		ret = ksml_drv_prctl_merge_any(d, mm, 0);
		if (ret) {
			say(msg, msz, "PR_SET_MEMORY_MERGE 0: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			r = expect_no_dups(d, mm, addr, msg, msz);
		}
	} else {
		ksml_drv_prctl_merge_any(d, mm, 0);
	}
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

static int merging_child(struct ksml_drv *d, int mm, char *msg, size_t msz)
{
	int n = my_merging_pages(d, mm);

	say(msg, msz, "child: ksm_merging_pages=%d (want 0)", n);
	obs("child-merging=%d", n);
	return n == 0 ? ST_PASS : ST_FAIL;
}

/* test_fork_ksm_merging_page_count: the child starts with 0 merging pages */
static int ft_fork_merging_count(struct ksml_drv *d, int mm,
				 const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(d, msg, msz);

	if (!r)
		r = ft_map_merge(d, mm, 0xcf, false, FT_MADVISE, &addr, msg,
				 msz);
	if (!r)
		r = run_child(d, mm, merging_child, 0, false, msg, msz);
	if (!r) {
		snap(d, mm, "child-gone");
		settle(d, mm, "rescanned", msg, msz);
	}
	if (addr)
		ksml_drv_munmap(d, mm, addr, FT_SIZE);
	return r;
}

/* ------------------------------------------ extra probes (not kernel tests) */

enum xt_action { XT_COW3, XT_UZP_TOGGLE, XT_MUNMAP_HALF, XT_DONTNEED_HALF,
		 XT_FORK };

/*
 * The child of X-fork: registered with KSM by the fork (its range keeps
 * VM_MERGEABLE), it maps the parent's KSM pages; it COWs 10 of them with
 * equal contents, lets KSM settle and reports its own ksm_stat
 */
static int xt_fork_child(struct ksml_drv *d, int mm, char *msg, size_t msz)
{
	unsigned long addr = child_arg, i;

	snap(d, mm, "child-forked");
	for (i = 0; i < 10; i++)
		if (ksml_drv_write(d, mm, addr + i * ST_PAGE, "-", 1))
			return ST_FAIL;
	settle(d, mm, "child-settled", msg, msz);
	return ST_PASS;
}

/*
 * Beyond the kernel's tests, to compare ref and the kernel where they
 * check nothing: t->pages pages merged via madvise (t->mps: max_page_
 * sharing; zero-filled for the use_zero_pages probe), one more pass, ksmd
 * stopped, a snapshot; an action; a snapshot; then settle() and a last
 * snapshot.  Pass = completed; what matters is the observations column.
 */
static int xt_probe(struct ksml_drv *d, int mm, const struct tcase *t,
		    char *msg, size_t msz)
{
	unsigned long addr, len = t->pages * ST_PAGE, i;
	unsigned char fill = t->arg == XT_UZP_TOGGLE ? 0 : '*';
	int ret;

	if (setup_knobs(d, 2 * t->pages, msg, msz) ||
	    knob(d, "stable_node_chains_prune_millisecs", "0", msg, msz))
		return ST_FAIL;
	if (t->mps &&
	    knob_ul(d, "max_page_sharing", (unsigned long)t->mps, msg, msz))
		return ST_FAIL;
	ret = map_byte(d, mm, t->pages, -1, false, fill, &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (ksml_drv_madvise(d, mm, addr, len, KSML_MADV_MERGEABLE) ||
	    ksm_merge(d, msg, msz) || ksm_scans(d, 1, msg, msz))
		goto fail;
	snap(d, mm, "merged");
	switch (t->arg) {
	case XT_COW3:
		/* three pages of three different dups/chains written */
		for (i = 0; i < t->pages; i += t->pages / 3 + 1)
			if (ksml_drv_write(d, mm, addr + i * ST_PAGE, "-", 1))
				goto fail;
		break;
	case XT_UZP_TOGGLE:
		/* the KSM page of zeros stays; only new merges use the zero page */
		if (knob(d, "use_zero_pages", "1", msg, msz))
			goto fail;
		break;
	case XT_MUNMAP_HALF:
		if (ksml_drv_munmap(d, mm, addr, len / 2))
			goto fail;
		addr += len / 2;
		len -= len / 2;
		break;
	case XT_DONTNEED_HALF:
		if (ksml_drv_madvise(d, mm, addr, len / 2, KSML_MADV_DONTNEED))
			goto fail;
		break;
	}
	snap(d, mm, "action");
	if (t->arg == XT_FORK) {
		/* the child writes 10 pages, lets KSM settle, exits */
		if (run_child(d, mm, xt_fork_child, addr, false, msg, msz) !=
		    ST_PASS)
			goto fail;
	}
	settle(d, mm, "rescanned", msg, msz);
	ksml_drv_munmap(d, mm, addr, len);
	return ST_PASS;
fail:
	ksml_drv_munmap(d, mm, addr, len);
	return ST_FAIL;
}

static const struct tcase cases[] = {
	/* ksm_tests.c -M: page counts (max_page_sharing 256) */
	{ "M-merge-p10", "ksm_tests -M -p 10", kt_merge, 10, 0, 0, 0 },
	{ "M-merge-p100", "ksm_tests -M -p 100", kt_merge, 100, 0, 0, 0 },
	{ "M-merge-p1000", "ksm_tests -M -p 1000", kt_merge, 1000, 0, 0, 0 },
	/* max_page_sharing: both branches of the oracle (D mod M in {0,1} or not) */
	{ "M-mps2-p10", "ksm_tests -M -p 10, max_page_sharing=2 (D mod M = 0)",
	  kt_merge, 10, 2, 0, 0 },
	{ "M-mps2-p5", "ksm_tests -M -p 5, max_page_sharing=2 (D mod M = 1)",
	  kt_merge, 5, 2, 0, 0 },
	{ "M-mps256-p512", "ksm_tests -M -p 512, max_page_sharing=256 (mod 0)",
	  kt_merge, 512, 256, 0, 0 },
	{ "M-mps256-p513", "ksm_tests -M -p 513, max_page_sharing=256 (mod 1)",
	  kt_merge, 513, 256, 0, 0 },
	{ "M-mps256-p1000", "ksm_tests -M -p 1000, max_page_sharing=256 (mod 232)",
	  kt_merge, 1000, 256, 0, 0 },
	{ "M-mps3-p10", "ksm_tests -M -p 10, max_page_sharing=3 (mod 1)",
	  kt_merge, 10, 3, 0, 0 },
	{ "M-mps3-p11", "ksm_tests -M -p 11, max_page_sharing=3 (mod 2)",
	  kt_merge, 11, 3, 0, 0 },
	{ "M-prctl-p100", "ksm_tests -M -p 100 -t 1 (PR_SET_MEMORY_MERGE)",
	  kt_merge, 100, 0, 1, 0 },
	/* -U */
	{ "U-unmerge-cow", "ksm_tests -U (COW writes, 1 more scan)", kt_unmerge,
	  2, 0, 0, 0 },
	{ "U-unmerge-madvise", "ksm_tests -U variant: MADV_UNMERGEABLE, 1 more scan",
	  kt_unmerge, 2, 0, 1, 0 },
	/* -Z */
	{ "Z-zero-uzp0", "ksm_tests -Z -p 100 -z 0", kt_zero, 100, 0, 0, 0 },
	{ "Z-zero-uzp1", "ksm_tests -Z -p 100 -z 1", kt_zero, 100, 0, 1, 0 },
	/* -N (ref: 2 simulated nodes) */
	{ "N-numa-man1", "ksm_tests -N -m 1", kt_numa, 2, 0, 1, 2 },
	{ "N-numa-man0", "ksm_tests -N -m 0", kt_numa, 2, 0, 0, 2 },
	/* timing modes */
	{ "P-merge-time", "ksm_tests -P -s N", kt_merge_time, 0, 0, 0, 0 },
	{ "H-merge-time-thp", "ksm_tests -H -s N", kt_merge_time_thp, 0, 0, 0, 0 },
	{ "D-unmerge-time", "ksm_tests -D -s N", kt_unmerge_time, 0, 0, 0, 0 },
	{ "C-cow-time", "ksm_tests -C", kt_cow_time, 0, 0, 0, 0 },
	/* ksm_functional_tests.c, in its order */
	{ "F-unmerge", "test_unmerge", ft_unmerge, 0, 0, 0, 0 },
	{ "F-unmerge-zero-pages", "test_unmerge_zero_pages",
	  ft_unmerge_zero_pages, 0, 0, 0, 0 },
	{ "F-unmerge-discarded", "test_unmerge_discarded", ft_unmerge_discarded,
	  0, 0, 0, 0 },
	{ "F-unmerge-uffd-wp", "test_unmerge_uffd_wp", ft_unmerge_uffd_wp, 0, 0,
	  0, 0 },
	{ "F-prot-none", "test_prot_none", ft_prot_none, 0, 0, 0, 0 },
	{ "F-prctl", "test_prctl", ft_prctl, 0, 0, 0, 0 },
	{ "F-prctl-fork", "test_prctl_fork", ft_prctl_fork, 0, 0, 0, 0 },
	{ "F-prctl-fork-exec", "test_prctl_fork_exec", ft_prctl_fork, 0, 0, 1, 0 },
	{ "F-prctl-unmerge", "test_prctl_unmerge", ft_prctl_unmerge, 0, 0, 0, 0 },
	{ "F-fork-merging-page-count", "test_fork_ksm_merging_page_count",
	  ft_fork_merging_count, 0, 0, 0, 0 },
	/* extra probes: observations only */
	{ "X-chain-cow", "extra: mps=2, 10 pages, 3 COW writes", xt_probe, 10, 2,
	  XT_COW3, 0 },
	{ "X-chain-cow-600", "extra: mps=256, 600 pages, 3 COW", xt_probe, 600, 256,
	  XT_COW3, 0 },
	{ "X-uzp-toggle", "extra: 100 zero pages merged, then uzp=1",
	  xt_probe, 100, 0, XT_UZP_TOGGLE, 0 },
	{ "X-munmap-half", "extra: 100 merged pages, munmap half", xt_probe, 100,
	  0, XT_MUNMAP_HALF, 0 },
	{ "X-dontneed-half", "extra: 100 merged pages, DONTNEED half", xt_probe,
	  100, 0, XT_DONTNEED_HALF, 0 },
	{ "X-fork", "extra: 100 merged, fork, child COWs 10", xt_probe, 100, 0,
	  XT_FORK, 0 },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))
#define NR_BE 3

struct outcome {
	bool ran;
	int r;
	double s;
	char msg[640];
	char obs[1536];
	bool noisy; /* other KSM users on the host: g: observations dropped */
};

static struct outcome out[NR_CASES][NR_BE];
static const struct ksml_backend_ops *const be_ops[NR_BE] = {
	&ksml_backend_ref, &ksml_backend_linux, &ksml_backend_kmod};
static const char *const rname[] = { "PASS", "FAIL", "SKIP" };

/* global counters are not comparable while other processes use KSM */
static void drop_global_obs(char *o)
{
	char *src = o, *dst = o;

	while (*src) {
		size_t n = strcspn(src, " ");

		if (strncmp(src, "g:", 2)) {
			if (dst != o)
				*dst++ = ' ';
			memmove(dst, src, n);
			dst += n;
		}
		src += n;
		while (*src == ' ')
			src++;
	}
	*dst = 0;
}

/* KSMLAB_WAIT_QUIET seconds (default 20) for other KSM users to leave */
static int wait_quiet_s(void)
{
	const char *e = getenv("KSMLAB_WAIT_QUIET");

	return e ? atoi(e) : 20;
}

/*
 * One case on a driver of its own: a fresh ref instance (with the case's
 * simulated nodes); on linux the host's knobs saved before and restored
 * after it.  Returns the open's error (the case did not run) or 0.
 */
static int run_case(const struct ksml_backend_ops *ops, const struct tcase *t,
		    struct outcome *o, bool first, char *why, size_t wsz)
{
	struct ksml_drv_opts opts;
	struct ksml_drv d;
	double t0 = now_s();
	int mm, ret;

	memset(&opts, 0, sizeof(opts));
	opts.numa_nodes = t->nodes;
	opts.lock_timeout_s = 120;
	/* the first case waits for quiet; the others find what it found */
	opts.wait_quiet_s = first ? wait_quiet_s() : 0;
	ret = ksml_drv_open(&d, ops, &opts);
	if (ret) {
		snprintf(why, wsz, "%s", ksml_drv_error(&d));
		if (first)
			return ret;
	}
	o->ran = true;
	o->msg[0] = 0;
	o->obs[0] = 0;
	o->noisy = false;
	g_obs = o->obs;
	g_obs_sz = sizeof(o->obs);
	next_addr = ST_MAP_BASE;
	if (ret) {
		o->r = ST_FAIL;
		say(o->msg, sizeof(o->msg), "%s", why);
		goto done;
	}
	if (t->nodes > d.nr_nodes) {
		o->r = ST_SKIP;
		say(o->msg, sizeof(o->msg),
		    "%s has %d NUMA node(s) (the case needs %d)", ops->name,
		    d.nr_nodes, t->nodes);
		goto close;
	}
	/* a THP mode is the driver's before its first address space */
	if (t->fn == kt_merge_time_thp && (d.caps & KSML_CAP_ANON_HUGE) &&
	    ksml_drv_thp(&d, "madvise", "madvise")) {
		o->r = ST_FAIL;
		say(o->msg, sizeof(o->msg), "THP mode madvise: %s",
		    ksml_drv_error(&d));
		goto close;
	}
	ret = ksml_drv_mm_create(&d, &mm);
	if (ret) {
		o->r = ST_FAIL;
		say(o->msg, sizeof(o->msg), "mm_create: %s", strerror(-ret));
		goto close;
	}
	o->r = t->fn(&d, mm, t, o->msg, sizeof(o->msg));
	ksml_drv_mm_exit(&d, mm);
	if (ksml_drv_foreign_users(&d, why, wsz) > 0) {
		if (!strstr(o->msg, "host noise"))
			say(o->msg, sizeof(o->msg),
			    "host: other KSM users during the case (%s): global counters include them",
			    why);
		drop_global_obs(o->obs);
		o->noisy = true;
	}
close:
	ksml_drv_close(&d);
done:
	g_obs = NULL;
	o->s = now_s() - t0;
	printf("%-28s %-5s %s (%.2f s) %s\n", t->name, ops->name, rname[o->r],
	       o->s, verbose || o->r ? o->msg : "");
	if (verbose && o->obs[0])
		printf("%-28s %-5s   observations: %s\n", "", "", o->obs);
	fflush(stdout);
	return 0;
}

static void skip_all(int bi, const char *why, const char *filter)
{
	size_t i;

	for (i = 0; i < NR_CASES; i++) {
		if (filter && !strstr(cases[i].name, filter))
			continue;
		out[i][bi].ran = true;
		out[i][bi].r = ST_SKIP;
		snprintf(out[i][bi].msg, sizeof(out[i][bi].msg), "%s", why);
	}
	printf("%-28s %-5s SKIP %s\n", "(all cases)", be_ops[bi]->name, why);
}

/*
 * the observations of the backends that ran the case: "same", "DIFF" or
 * "-"; global counters only where no backend saw host noise
 */
static const char *obs_cmp(size_t i, const bool *want)
{
	static char a[1536], c[1536];
	bool noisy = false, have = false;
	int bi, n = 0;

	for (bi = 0; bi < NR_BE; bi++)
		if (want[bi] && out[i][bi].ran)
			noisy |= out[i][bi].noisy;
	for (bi = 0; bi < NR_BE; bi++) {
		const struct outcome *o = &out[i][bi];

		if (!want[bi] || !o->ran || o->r == ST_SKIP || !o->obs[0])
			continue;
		n++;
		snprintf(c, sizeof(c), "%s", o->obs);
		if (noisy)
			drop_global_obs(c);
		if (!have) {
			snprintf(a, sizeof(a), "%s", c);
			have = true;
		} else if (strcmp(a, c)) {
			return "DIFF";
		}
	}
	return n > 1 ? (noisy ? "same (per-process; host noise)" : "same") : "-";
}

static void print_table(const bool *want)
{
	size_t i;
	int bi;

	printf("\n%-28s %-32s", "case", "kernel test");
	for (bi = 0; bi < NR_BE; bi++)
		if (want[bi])
			printf(" %-6s", be_ops[bi]->name);
	printf(" observations\n");
	for (i = 0; i < NR_CASES; i++) {
		if (!out[i][0].ran && !out[i][1].ran && !out[i][2].ran)
			continue;
		printf("%-28s %-32.32s", cases[i].name, cases[i].origin);
		for (bi = 0; bi < NR_BE; bi++)
			if (want[bi])
				printf(" %-6s", out[i][bi].ran ? rname[out[i][bi].r] : "-");
		printf(" %s\n", obs_cmp(i, want));
	}
	printf("\nnotes (case/backend: what was observed):\n");
	for (i = 0; i < NR_CASES; i++)
		for (bi = 0; bi < NR_BE; bi++)
			if (want[bi] && out[i][bi].ran && out[i][bi].msg[0])
				printf("  %s/%s: %s%s\n", cases[i].name,
				       be_ops[bi]->name,
				       out[i][bi].r == ST_PASS ? "" :
				       out[i][bi].r == ST_FAIL ? "FAIL: " : "SKIPPED: ",
				       out[i][bi].msg);
	printf("\nobservations that differ between backends (counts only):\n");
	for (i = 0; i < NR_CASES; i++) {
		if (strcmp(obs_cmp(i, want), "DIFF"))
			continue;
		for (bi = 0; bi < NR_BE; bi++)
			if (want[bi] && out[i][bi].ran && out[i][bi].r != ST_SKIP)
				printf("  %-28s %-6s %s\n", cases[i].name,
				       be_ops[bi]->name, out[i][bi].obs);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ksm_selftests [-b ref,linux,kmod|all] [-c substring] [-s MiB] [-v] [-k]\n"
		"  -k  KTAP version 1 on stdout (the usual report goes to stderr):\n"
		"      a result per case, a subtest per backend, SKIP with the reason\n");
}

/*
 * KTAP: a result per case that ran, a subtest per backend; a case is not
 * ok when a backend failed, or the backends observed different things.
 */
static void print_ktap(FILE *f, const bool *want)
{
	struct ksml_ktap top, sub;
	size_t i;
	int bi, ncases = 0, nbe;

	for (i = 0; i < NR_CASES; i++)
		for (bi = 0; bi < NR_BE; bi++)
			if (want[bi] && out[i][bi].ran) {
				ncases++;
				break;
			}
	ksml_ktap_begin(&top, f, 0, NULL, ncases);
	for (i = 0; i < NR_CASES; i++) {
		const char *cmp;
		bool ok = true, any = false, all_skip = true;
		char skip[700] = "";

		for (bi = nbe = 0; bi < NR_BE; bi++)
			nbe += want[bi] && out[i][bi].ran;
		if (!nbe)
			continue;
		ksml_ktap_begin(&sub, f, 1, cases[i].name, nbe);
		for (bi = 0; bi < NR_BE; bi++) {
			const struct outcome *o = &out[i][bi];

			if (!want[bi] || !o->ran)
				continue;
			any = true;
			if (o->r == ST_SKIP) {
				snprintf(skip, sizeof(skip), "SKIP %s", o->msg);
				ksml_ktap_result(&sub, true, be_ops[bi]->name, skip);
				continue;
			}
			all_skip = false;
			if (o->msg[0])
				ksml_ktap_diag(&sub, "%s: %s", be_ops[bi]->name, o->msg);
			ksml_ktap_result(&sub, o->r == ST_PASS, be_ops[bi]->name, NULL);
			ok = ok && o->r == ST_PASS;
		}
		cmp = obs_cmp(i, want);
		if (!strcmp(cmp, "DIFF")) {
			ksml_ktap_diag(&sub, "the backends observed different counters");
			ok = false;
		}
		if (any && all_skip)
			ksml_ktap_result(&top, true, cases[i].name, skip);
		else
			ksml_ktap_result(&top, ok, cases[i].name, NULL);
	}
}

int main(int argc, char **argv)
{
	bool want[NR_BE] = { true, false, false };
	const char *filter = NULL;
	int opt, bi, npass = 0, nfail = 0, nskip = 0;
	FILE *ktap = NULL;
	size_t i;

	while ((opt = getopt(argc, argv, "b:c:s:vkh")) != -1) {
		switch (opt) {
		case 'k':
			/* KTAP alone on stdout: the rest of the report to stderr */
			if (!ktap) {
				int fd = dup(1);

				ktap = fd >= 0 ? fdopen(fd, "w") : NULL;
				if (!ktap || dup2(2, 1) < 0) {
					perror("ksm_selftests: -k");
					return 2;
				}
			}
			break;
		case 'b':
			for (bi = 0; bi < NR_BE; bi++)
				want[bi] = !strcmp(optarg, "all") ||
					   strstr(optarg, be_ops[bi]->name);
			break;
		case 'c':
			filter = optarg;
			break;
		case 's':
			timing_mib = strtoul(optarg, NULL, 10);
			if (!timing_mib)
				timing_mib = 1;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (want[1]) {
		char buf[512] = "";
		FILE *f = fopen("/proc/self/ksm_stat", "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		buf[n] = 0;
		if (f)
			fclose(f);
		g_short_stat = !strstr(buf, "ksm_process_profit") ||
			       access("/sys/kernel/mm/ksm/ksm_zero_pages", F_OK);
		if (g_short_stat)
			printf("note: this kernel's ksm_stat/ksm_zero_pages are older: observations limited to them\n");
	}
	for (bi = 0; bi < NR_BE; bi++) {
		bool first = true;
		char why[512] = "";

		if (!want[bi])
			continue;
		for (i = 0; i < NR_CASES && !ksml_live_interrupted; i++) {
			if (filter && !strstr(cases[i].name, filter))
				continue;
			if (run_case(be_ops[bi], &cases[i], &out[i][bi], first,
				     why, sizeof(why))) {
				skip_all(bi, why, filter);
				break;
			}
			first = false;
		}
	}
	print_table(want);
	for (i = 0; i < NR_CASES; i++)
		for (bi = 0; bi < NR_BE; bi++) {
			if (!want[bi] || !out[i][bi].ran)
				continue;
			npass += out[i][bi].r == ST_PASS;
			nfail += out[i][bi].r == ST_FAIL;
			nskip += out[i][bi].r == ST_SKIP;
		}
	printf("SUMMARY: selftests %d passed, %d failed, %d skipped (cases x backends)\n",
	       npass, nfail, nskip);
	if (ktap) {
		print_ktap(ktap, want);
		fclose(ktap);
	}
	return nfail ? 1 : 0;
}

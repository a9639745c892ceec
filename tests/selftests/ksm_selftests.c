/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_selftests.c - the kernel's KSM selftests, ksm_tests.c (every mode)
 * and ksm_functional_tests.c (every case), re-expressed from their
 * description in ksm-spec §9 as cases that run on every backend of
 * st_backend.h, with the same pass conditions:
 *
 *   - the count oracle of ksm_tests (pages_shared/pages_sharing against
 *     max_page_sharing, after full_scans advanced by 2);
 *   - "range maps duplicates" of ksm_functional_tests, from the pagemap
 *     (linux: /proc/self/pagemap; ref/kmod: ksml_vm_page_info), and the
 *     per-process ksm_stat / ksm_merging_pages.
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
 *   - ref and kmod scan only while a case waits for full scans, the host's
 *     ksmd runs continuously from run=1 on (as under the kernel's test);
 *   - after each case run=0 (ksmd idle between cases), and on linux all
 *     knobs are restored at the end.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "st_backend.h"
#include "ktap.h"
#include "live.h"

#define MIB (1ul << 20)
#define SCAN_TIMEOUT_S 60.0
#define FT_SIZE (2 * MIB) /* ksm_functional_tests' range */

int ksml_st_linux_child_open(struct st_be *b);

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
 * Children: a child function runs through child_tramp, which in another
 * process (linux fork or exec) appends its new observations to its message
 * after OBS_MARK; run_child moves them back into the parent's.
 */
#define OBS_MARK "\x1eOBS:"
unsigned long ksml_st_child_arg;
static st_child_fn g_child_fn;
static pid_t g_main_pid;

static int child_tramp(struct st_be *b, void *mm, char *msg, size_t msz)
{
	char local[1536] = "";
	size_t before;
	int r;

	if (getpid() == g_main_pid)
		return g_child_fn(b, mm, msg, msz);
	if (!g_obs) {
		g_obs = local;
		g_obs_sz = sizeof(local);
	}
	before = strlen(g_obs);
	r = g_child_fn(b, mm, msg, msz);
	if (strlen(msg) + strlen(OBS_MARK) + strlen(g_obs + before) + 1 < msz) {
		strcat(msg, OBS_MARK);
		strcat(msg, g_obs + before + (g_obs[before] == ' '));
	}
	return r;
}

static int run_child(struct st_be *b, void *mm, st_child_fn fn, unsigned long arg,
		     bool exec, char *msg, size_t msz)
{
	char m[2048] = "", *mark;
	int r;

	g_child_fn = fn;
	ksml_st_child_arg = arg;
	r = b->ops->child(b, mm, child_tramp, exec, m, sizeof(m));
	mark = strstr(m, OBS_MARK);
	if (mark) {
		*mark = 0;
		if (mark[strlen(OBS_MARK)])
			obs("%s", mark + strlen(OBS_MARK));
	}
	if (m[0])
		say(msg, msz, "%s", m);
	return r;
}

static unsigned long counter(struct st_be *b, const char *name)
{
	char buf[64];

	if (b->ops->knob_read(b, name, buf, sizeof(buf)) < 0)
		return ~0ul;
	return strtoul(buf, NULL, 10);
}

static long scounter(struct st_be *b, const char *name)
{
	char buf[64];

	if (b->ops->knob_read(b, name, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int knob(struct st_be *b, const char *k, const char *v, char *msg,
		size_t msz)
{
	int ret = b->ops->knob_write(b, k, v);

	if (ret)
		say(msg, msz, "writing %s to %s: %s", v, k, strerror(-ret));
	return ret;
}

static int knob_ul(struct st_be *b, const char *k, unsigned long v, char *msg,
		   size_t msz)
{
	char s[32];

	snprintf(s, sizeof(s), "%lu", v);
	return knob(b, k, s, msg, msz);
}

/* ------------------------------------------------------------ fills */

static void gen_byte(unsigned long idx, unsigned char *pg, const void *arg)
{
	memset(pg, *(const unsigned char *)arg, ST_PAGE);
}

/* ksm_tests -C: pair i (pages 2i, 2i+1) starts with i+1 bytes of '+' */
static void gen_pairs(unsigned long idx, unsigned char *pg, const void *arg)
{
	memset(pg, '*', ST_PAGE);
	memset(pg, '+', idx / 2 + 1);
}

static int map_byte(struct st_be *b, void *mm, unsigned long npages, int node,
		    bool prot_none, unsigned char val, unsigned long *addr)
{
	return b->ops->map_fill(b, mm, npages, node, prot_none, gen_byte, &val,
				addr);
}

/* ------------------------------------------------------------ oracles */

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* ksm_functional_tests' range_maps_duplicates: any two present pages on one pfn */
static int range_maps_duplicates(struct st_be *b, void *mm, unsigned long addr,
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

		if (b->ops->page(b, mm, addr + i * ST_PAGE, &present, &p))
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
static int check_count(struct st_be *b, unsigned long d, char *msg, size_t msz)
{
	unsigned long m = counter(b, "max_page_sharing");
	unsigned long shared = counter(b, "pages_shared");
	unsigned long sharing = counter(b, "pages_sharing");
	unsigned long ws, wg;
	char foreign[256];

	if (d % m == 0 || d % m == 1) {
		ws = d / m;
		wg = ws * (m - 1);
	} else {
		ws = d / m + 1;
		wg = d - ws;
	}
	say(msg, msz, "pages_shared=%lu pages_sharing=%lu (oracle(%lu) with max_page_sharing=%lu: %lu %lu) chains=%lu dups=%lu",
	    shared, sharing, d, m, ws, wg, counter(b, "stable_node_chains"),
	    counter(b, "stable_node_dups"));
	obs("g:shared=%lu,sharing=%lu,chains=%lu,dups=%lu", shared, sharing,
	    counter(b, "stable_node_chains"), counter(b, "stable_node_dups"));
	if (shared == ws && sharing == wg)
		return ST_PASS;
	if (b->ops->foreign(b, foreign, sizeof(foreign))) {
		say(msg, msz, "host noise: other KSM users %s count in the global counters",
		    foreign);
		return ST_SKIP;
	}
	return ST_FAIL;
}

/* ---------------------------------------------------- ksmd handshake */

/* remember full_scans, run=1, wait until it has advanced by nr */
static int ksm_scans(struct st_be *b, unsigned long nr, bool set_run, char *msg,
		     size_t msz)
{
	unsigned long start = counter(b, "full_scans");
	int ret;

	if (set_run && knob(b, "run", "1", msg, msz))
		return -EIO;
	ret = b->ops->scan_until(b, start + nr, SCAN_TIMEOUT_S);
	if (ret)
		say(msg, msz, "waiting for %lu full scans from %lu: %s", nr, start,
		    strerror(-ret));
	return ret;
}

static int ksm_merge(struct st_be *b, char *msg, size_t msz)
{
	return ksm_scans(b, 2, true, msg, msz);
}

/*
 * Per-case knobs: the kernel tests' setup (run=2, sleep_millisecs=0,
 * merge_across_nodes=1, pages_to_scan) on top of the defaults of the
 * knobs they do not set.
 */
/* a knob newer kernels have (advisor_mode 6.9, smart_scan 6.7): absent is fine */
static int knob_opt(struct st_be *b, const char *k, const char *v, char *msg,
		    size_t msz)
{
	int ret = b->ops->knob_write(b, k, v);

	if (ret && ret != -ENOENT)
		say(msg, msz, "writing %s to %s: %s", v, k, strerror(-ret));
	return ret == -ENOENT ? 0 : ret;
}

static int setup_knobs(struct st_be *b, unsigned long pages_to_scan, char *msg,
		       size_t msz)
{
	if (knob(b, "run", "2", msg, msz) || knob_opt(b, "advisor_mode", "none", msg, msz) ||
	    knob(b, "max_page_sharing", "256", msg, msz) ||
	    knob(b, "merge_across_nodes", "1", msg, msz) ||
	    knob(b, "use_zero_pages", "0", msg, msz) ||
	    knob_opt(b, "smart_scan", "1", msg, msz) ||
	    knob(b, "stable_node_chains_prune_millisecs", "2000", msg, msz) ||
	    knob(b, "sleep_millisecs", "0", msg, msz) ||
	    knob_ul(b, "pages_to_scan", pages_to_scan, msg, msz))
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------ cases */

struct tcase {
	const char *name;
	const char *origin;
	int (*fn)(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		  size_t msz);
	unsigned long pages;
	int mps;	/* max_page_sharing, 0 = default */
	int arg;	/* use_zero_pages, merge_across_nodes, prctl */
	int nodes;	/* NUMA nodes the case needs */
};

/* -M: page_count pages of '*', merged via madvise (or prctl): oracle(count) */
static int merge_pages(struct st_be *b, void *mm, unsigned long pages,
		       bool prctl, char *msg, size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	ret = map_byte(b, mm, pages, -1, false, '*', &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (prctl)
		ret = b->ops->prctl_set(b, mm, 1);
	else
		ret = b->ops->madvise(b, mm, addr, pages * ST_PAGE,
				      KSML_MADV_MERGEABLE);
	if (ret == -EINVAL && prctl) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		r = ST_SKIP;
	} else if (ret) {
		say(msg, msz, "%s: %s", prctl ? "prctl" : "madvise", strerror(-ret));
	} else if (!ksm_merge(b, msg, msz)) {
		r = check_count(b, pages, msg, msz);
	}
	if (prctl)
		b->ops->prctl_set(b, mm, 0);
	b->ops->unmap(b, mm, addr, pages * ST_PAGE);
	return r;
}

/* -M -t 1 runs in a fresh process, as the kernel's ksm_tests does */
static int merge_prctl_child(struct st_be *b, void *mm, char *msg, size_t msz)
{
	return merge_pages(b, mm, ksml_st_child_arg, true, msg, msz);
}

/*
 * -M: page_count pages of '*', merged via madvise: oracle(count).  With
 * prctl (-t 1) the whole process becomes mergeable: on linux a long-lived
 * test process has duplicate pages of its own (zeroed heap, buffers) the
 * oracle would count, so that variant runs in an exec'd fresh process
 * (ref, kmod: a fresh mm).
 */
static int kt_merge(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		    size_t msz)
{
	if (setup_knobs(b, t->pages, msg, msz))
		return ST_FAIL;
	if (t->mps && knob_ul(b, "max_page_sharing", (unsigned long)t->mps, msg, msz))
		return ST_FAIL;
	if (t->arg)
		return run_child(b, mm, merge_prctl_child, t->pages, true, msg, msz);
	return merge_pages(b, mm, t->pages, false, msg, msz);
}

/*
 * -U: two pages of '*' merged, then one byte of each rewritten ('-',
 * '+'; or MADV_UNMERGEABLE with arg=1), one more full scan: oracle(0)
 */
static int kt_unmerge(struct st_be *b, void *mm, const struct tcase *t,
		      char *msg, size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	if (setup_knobs(b, 10, msg, msz))
		return ST_FAIL;
	ret = map_byte(b, mm, 2, -1, false, '*', &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	ret = b->ops->madvise(b, mm, addr, 2 * ST_PAGE, KSML_MADV_MERGEABLE);
	if (ret || ksm_merge(b, msg, msz))
		goto out;
	r = check_count(b, 2, msg, msz);
	if (r != ST_PASS) {
		if (r == ST_FAIL)
			say(msg, msz, "not merged before the unmerge");
		goto out;
	}
	r = ST_FAIL;
	/*
	 * ksmd stopped (the store waits for its batch) so that the counters
	 * read "right after" are comparable across backends; the kernel's
	 * test leaves it running, which changes nothing to the pass condition
	 */
	if (knob(b, "run", "0", msg, msz))
		goto out;
	if (t->arg) {
		ret = b->ops->madvise(b, mm, addr, 2 * ST_PAGE,
				      KSML_MADV_UNMERGEABLE);
	} else {
		ret = b->ops->write(b, mm, addr, "-", 1, false);
		if (!ret)
			ret = b->ops->write(b, mm, addr + ST_PAGE, "+", 1, false);
	}
	if (ret) {
		say(msg, msz, "%s: %s", t->arg ? "MADV_UNMERGEABLE" : "write",
		    strerror(-ret));
		goto out;
	}
	{
		unsigned long sh = counter(b, "pages_shared");
		unsigned long sg = counter(b, "pages_sharing");
		int d = range_maps_duplicates(b, mm, addr, 2 * ST_PAGE);

		say(msg, msz, "right after: pages_shared=%lu pages_sharing=%lu duplicates=%d",
		    sh, sg, d);
		obs("g:right-after:shared=%lu,sharing=%lu", sh, sg);
		obs("right-after-dups=%d", d);
	}
	if (ksm_scans(b, 1, true, msg, msz))
		goto out;
	r = check_count(b, 0, msg, msz);
out:
	b->ops->unmap(b, mm, addr, 2 * ST_PAGE);
	return r;
}

/* -Z: page_count zero-filled pages; uzp=1: oracle(0), uzp=0: oracle(count) */
static int kt_zero(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		   size_t msz)
{
	unsigned long addr;
	int r = ST_FAIL, ret;

	if (setup_knobs(b, t->pages, msg, msz) ||
	    knob(b, "use_zero_pages", t->arg ? "1" : "0", msg, msz))
		return ST_FAIL;
	ret = map_byte(b, mm, t->pages, -1, false, 0, &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	ret = b->ops->madvise(b, mm, addr, t->pages * ST_PAGE, KSML_MADV_MERGEABLE);
	if (!ret && !ksm_merge(b, msg, msz)) {
		r = check_count(b, t->arg ? 0 : t->pages, msg, msz);
		say(msg, msz, "ksm_zero_pages=%ld", scounter(b, "ksm_zero_pages"));
		/* absent before 6.10: nothing to compare */
		if (!g_short_stat)
			obs("g:ksm_zero_pages=%ld", scounter(b, "ksm_zero_pages"));
	}
	b->ops->unmap(b, mm, addr, t->pages * ST_PAGE);
	return r;
}

/*
 * -N: one page of '*' on each of two nodes, each range merged on its own;
 * merge_across_nodes=1: oracle(2), =0: oracle(0)
 */
static int kt_numa(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		   size_t msz)
{
	unsigned long a0 = 0, a1 = 0;
	int r = ST_FAIL, ret;

	if (setup_knobs(b, 10, msg, msz) ||
	    knob(b, "merge_across_nodes", t->arg ? "1" : "0", msg, msz))
		return ST_FAIL;
	ret = map_byte(b, mm, 1, 0, false, '*', &a0);
	if (!ret)
		ret = map_byte(b, mm, 1, 1, false, '*', &a1);
	if (ret) {
		say(msg, msz, "map on nodes 0 and 1: %s", strerror(-ret));
		goto out;
	}
	if (b->ops->madvise(b, mm, a0, ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(b, msg, msz) ||
	    b->ops->madvise(b, mm, a1, ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(b, msg, msz))
		goto out;
	r = check_count(b, t->arg ? 2 : 0, msg, msz);
out:
	if (a0)
		b->ops->unmap(b, mm, a0, ST_PAGE);
	if (a1)
		b->ops->unmap(b, mm, a1, ST_PAGE);
	return r;
}

static void say_speed(char *msg, size_t msz, const char *what, unsigned long bytes,
		      double s)
{
	say(msg, msz, "%s: %lu MiB in %.3f s = %.1f MiB/s", what, bytes / MIB, s,
	    s > 0 ? (double)bytes / MIB / s : 0.0);
}

/* -P: time from before madvise until 2 full scans; pass if completed */
static int kt_merge_time(struct st_be *b, void *mm, const struct tcase *t,
			 char *msg, size_t msz)
{
	unsigned long len = timing_mib * MIB, addr;
	double t0;
	int r = ST_FAIL;

	if (setup_knobs(b, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	if (map_byte(b, mm, len / ST_PAGE, -1, false, '*', &addr))
		return ST_FAIL;
	t0 = now_s();
	if (!b->ops->madvise(b, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(b, msg, msz)) {
		say_speed(msg, msz, "merge", len, now_s() - t0);
		say(msg, msz, "pages_shared=%lu pages_sharing=%lu",
		    counter(b, "pages_shared"), counter(b, "pages_sharing"));
		obs("g:shared=%lu,sharing=%lu", counter(b, "pages_shared"),
		    counter(b, "pages_sharing"));
		r = ST_PASS;
	}
	b->ops->unmap(b, mm, addr, len);
	return r;
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
static int kt_merge_time_thp(struct st_be *b, void *mm, const struct tcase *t,
			     char *msg, size_t msz)
{
	unsigned long hp = 2 * MIB, len = timing_mib * MIB / hp * hp;
	unsigned long addr, off, kb = 0, after = 0, nthp;
	unsigned char pg[ST_PAGE];
	int r = ST_FAIL, ret;
	double t0;

	if (!b->ops->map_thp || !b->ops->huge_kb) {
		say(msg, msz,
		    "%s cannot map or count THPs (its ABI has neither)",
		    b->ops->name);
		return ST_SKIP;
	}
	if (!len) {
		say(msg, msz, "-s %lu: less than one 2 MiB THP", timing_mib);
		return ST_FAIL;
	}
	if (setup_knobs(b, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	ret = b->ops->map_thp(b, mm, len, &addr);
	if (ret) {
		say(msg, msz, "THP mapping of %lu MiB: %s", len / MIB,
		    strerror(-ret));
		return ST_FAIL;
	}
	memset(pg, '*', sizeof(pg));
	/* allocate_transhuge: the first write of each 2 MiB faults a THP */
	for (off = 0; !ret && off < len; off += hp)
		ret = b->ops->write(b, mm, addr + off, pg, 1, false);
	if (!ret)
		ret = b->ops->huge_kb(b, mm, addr, len, &kb);
	for (off = 0; !ret && off < len; off += ST_PAGE)
		ret = b->ops->write(b, mm, addr + off, pg, ST_PAGE, false);
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
	if (!b->ops->madvise(b, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(b, msg, msz)) {
		say_speed(msg, msz, "merge", len, now_s() - t0);
		/*
		 * Two subpages of one folio that meet in the unstable tree
		 * merge a scan later (THP.md point 4): the kernel's ksmd,
		 * free-running here, may or may not have done that scan when
		 * the counters are read.  One scan more for the observation.
		 */
		if (ksm_scans(b, 1, false, msg, msz))
			goto out;
		b->ops->huge_kb(b, mm, addr, len, &after);
		say(msg, msz,
		    "pages_shared=%lu pages_sharing=%lu AnonHugePages %lu kB "
		    "after",
		    counter(b, "pages_shared"), counter(b, "pages_sharing"),
		    after);
		obs("g:thp=%lu,shared=%lu,sharing=%lu,huge_kb_after=%lu", nthp,
		    counter(b, "pages_shared"), counter(b, "pages_sharing"),
		    after);
		r = ST_PASS;
	}
out:
	b->ops->unmap(b, mm, addr, len);
	return r;
}

/* -D: merge, then time MADV_UNMERGEABLE over the range */
static int kt_unmerge_time(struct st_be *b, void *mm, const struct tcase *t,
			   char *msg, size_t msz)
{
	unsigned long len = timing_mib * MIB, addr;
	int r = ST_FAIL, ret;
	double t0;

	if (setup_knobs(b, len / ST_PAGE, msg, msz))
		return ST_FAIL;
	if (map_byte(b, mm, len / ST_PAGE, -1, false, '*', &addr))
		return ST_FAIL;
	if (!b->ops->madvise(b, mm, addr, len, KSML_MADV_MERGEABLE) &&
	    !ksm_merge(b, msg, msz)) {
		say(msg, msz, "merged: pages_shared=%lu pages_sharing=%lu",
		    counter(b, "pages_shared"), counter(b, "pages_sharing"));
		obs("g:shared=%lu,sharing=%lu", counter(b, "pages_shared"),
		    counter(b, "pages_sharing"));
		t0 = now_s();
		ret = b->ops->madvise(b, mm, addr, len, KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
		} else {
			say_speed(msg, msz, "unmerge", len, now_s() - t0);
			r = ST_PASS;
		}
	}
	b->ops->unmap(b, mm, addr, len);
	return r;
}

static int write_even_pages(struct st_be *b, void *mm, unsigned long addr,
			    unsigned long n, double *s)
{
	double t0 = now_s();
	unsigned long i;
	int ret = 0;

	for (i = 0; !ret && i + 1 < n; i += 2)
		ret = b->ops->write(b, mm, addr + i * ST_PAGE, "-", 1, false);
	*s = now_s() - t0;
	return ret;
}

/*
 * -C: 4000 pages; time one write into every even page unmerged, then
 * build 2000 identical pairs, merge, and time the same writes (COW)
 */
static int kt_cow_time(struct st_be *b, void *mm, const struct tcase *t,
		       char *msg, size_t msz)
{
	unsigned long n = 4000, addr, i;
	unsigned char *pg = malloc(ST_PAGE);
	double s0, s1;
	int r = ST_FAIL;

	if (!pg || setup_knobs(b, n, msg, msz)) {
		free(pg);
		return ST_FAIL;
	}
	if (map_byte(b, mm, n, -1, false, '*', &addr)) {
		free(pg);
		return ST_FAIL;
	}
	if (write_even_pages(b, mm, addr, n, &s0))
		goto out;
	for (i = 0; i < n; i++) {
		gen_pairs(i, pg, NULL);
		if (b->ops->write(b, mm, addr + i * ST_PAGE, pg, i / 2 + 1, false))
			goto out;
	}
	if (b->ops->madvise(b, mm, addr, n * ST_PAGE, KSML_MADV_MERGEABLE) ||
	    ksm_merge(b, msg, msz))
		goto out;
	say(msg, msz, "merged: pages_shared=%lu pages_sharing=%lu (2000 pairs)",
	    counter(b, "pages_shared"), counter(b, "pages_sharing"));
	obs("g:shared=%lu,sharing=%lu", counter(b, "pages_shared"),
	    counter(b, "pages_sharing"));
	if (write_even_pages(b, mm, addr, n, &s1))
		goto out;
	say(msg, msz, "2000 writes: unmerged %.3f ms, merged (COW) %.3f ms",
	    s0 * 1e3, s1 * 1e3);
	r = ST_PASS;
out:
	b->ops->unmap(b, mm, addr, n * ST_PAGE);
	free(pg);
	return r;
}

/* ---------------------------------------------- ksm_functional_tests */

static int my_merging_pages(struct st_be *b, void *mm)
{
	struct ksml_mm_stat st;

	if (b->ops->mm_stat(b, mm, &st))
		return -1;
	return (int)st.ksm_merging_pages;
}

enum ft_mode { FT_PRCTL, FT_MADVISE, FT_NONE };

/*
 * A snapshot of the mm's ksm_stat and of the global counters, recorded as
 * observations (ksmd stopped, so both are stable): madvise-mode cases only,
 * where the linux process has nothing registered but the range.
 */
static void snap(struct st_be *b, void *mm, const char *tag)
{
	struct ksml_mm_stat st;

	if (g_short_stat) {
		/* what a 6.1 kernel shows too */
		if (!b->ops->mm_stat(b, mm, &st))
			obs("%s:rmap=%lu,merging=%lu", tag, st.ksm_rmap_items,
			    st.ksm_merging_pages);
		obs("g:%s:shared=%lu,sharing=%lu,unshared=%lu,chains=%lu,dups=%lu",
		    tag, counter(b, "pages_shared"), counter(b, "pages_sharing"),
		    counter(b, "pages_unshared"), counter(b, "stable_node_chains"),
		    counter(b, "stable_node_dups"));
		return;
	}
	if (!b->ops->mm_stat(b, mm, &st))
		obs("%s:rmap=%lu,zero=%ld,merging=%lu,profit=%ld,mergeable=%d", tag,
		    st.ksm_rmap_items, st.ksm_zero_pages, st.ksm_merging_pages,
		    st.ksm_process_profit, st.ksm_mergeable);
	obs("g:%s:shared=%lu,sharing=%lu,unshared=%lu,zero=%ld,chains=%lu,dups=%lu",
	    tag, counter(b, "pages_shared"), counter(b, "pages_sharing"),
	    counter(b, "pages_unshared"), scounter(b, "ksm_zero_pages"),
	    counter(b, "stable_node_chains"), counter(b, "stable_node_dups"));
}

/*
 * After a case's checks: three more full scans (every page revisited, where
 * ever the host's cursor stood), then a snapshot of what KSM made of it.
 * An mm left without VM_MERGEABLE areas is dropped by ksmd at the end of
 * a pass that walked it from its start (ksm-spec 3.3): then nothing may be
 * left to scan and full_scans stops (ref: -EAGAIN at once; linux: when no
 * other process is registered), so "our mm has left KSM" also ends the wait.
 */
static void settle(struct st_be *b, void *mm, const char *tag, char *msg,
		   size_t msz)
{
	unsigned long start = counter(b, "full_scans");
	struct ksml_mm_stat st;
	double t0 = now_s();
	int ret;

	/*
	 * smart_scan off: unmerged pages then stay in the unstable tree from
	 * one pass to the next, a fixed point; with it on, their skipping
	 * depends on how many passes ran (exactly 3 on ref, 3 or more on linux)
	 */
	if (knob_opt(b, "smart_scan", "0", msg, msz) || knob(b, "run", "1", msg, msz))
		return;
	for (;;) {
		ret = b->ops->scan_until(b, start + 3, 0.2);
		if (!ret)
			break;
		if (!b->ops->mm_stat(b, mm, &st) && !st.ksm_mergeable &&
		    !st.ksm_rmap_items)
			break;
		if ((ret != -ETIMEDOUT && ret != -EAGAIN) || now_s() - t0 > 30) {
			say(msg, msz, "settling (3 more full scans from %lu): %s",
			    start, strerror(-ret));
			knob(b, "run", "0", msg, msz);
			return;
		}
	}
	if (!knob(b, "run", "0", msg, msz))
		snap(b, mm, tag);
}

/*
 * mmap_and_merge_range: run=2; nothing of ours may stay merged; map 2 MiB
 * of val (PROT_NONE if asked), enable KSM by mode, merge; a non-zero val
 * must leave ksm_merging_pages > 0.  Returns ST_*, the range in *addr.
 */
static int ft_map_merge(struct st_be *b, void *mm, unsigned char val,
			bool prot_none, enum ft_mode mode, unsigned long *addr,
			char *msg, size_t msz)
{
	int ret, n;

	if (knob(b, "run", "2", msg, msz))
		return ST_FAIL;
	n = my_merging_pages(b, mm);
	if (n) {
		say(msg, msz, "still %d pages merged after run=2", n);
		return ST_FAIL;
	}
	ret = map_byte(b, mm, FT_SIZE / ST_PAGE, -1, prot_none, val, addr);
	if (ret) {
		say(msg, msz, "map%s: %s", prot_none ? " PROT_NONE" : "",
		    strerror(-ret));
		return prot_none ? ST_SKIP : ST_FAIL;
	}
	if (mode == FT_PRCTL) {
		ret = b->ops->prctl_set(b, mm, 1);
		if (ret == -EINVAL) {
			say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
			return ST_SKIP;
		}
	} else if (mode == FT_MADVISE) {
		ret = b->ops->madvise(b, mm, *addr, FT_SIZE, KSML_MADV_MERGEABLE);
	}
	if (ret) {
		say(msg, msz, "enabling KSM: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (ksm_merge(b, msg, msz))
		return ST_FAIL;
	n = my_merging_pages(b, mm);
	if (val && n <= 0) {
		say(msg, msz, "no pages got merged (ksm_merging_pages=%d)", n);
		return ST_FAIL;
	}
	say(msg, msz, "merged: ksm_merging_pages=%d", n);
	/*
	 * For the snapshots only (the kernel's checks are done): one more
	 * full scan, so that the state is the same after exactly 3 passes
	 * (ref, kmod) and after the 3 or more the host's free-running ksmd
	 * made (the rmap_items of pages merged with the zero page go in the
	 * pass after the merge); then ksmd stopped (the store waits for its
	 * batch).  The kernel's test leaves it running, which none of its
	 * checks depends on.
	 */
	if (ksm_scans(b, 1, false, msg, msz) || knob(b, "run", "0", msg, msz))
		return ST_FAIL;
	/* under MERGE_ANY the whole linux process merges, not just the range */
	if (mode == FT_MADVISE)
		snap(b, mm, "merged");
	return ST_PASS;
}

static int expect_no_dups(struct st_be *b, void *mm, unsigned long addr,
			  char *msg, size_t msz)
{
	int d = range_maps_duplicates(b, mm, addr, FT_SIZE);

	obs("dups=%d", d);
	if (d) {
		say(msg, msz, "range maps duplicates (%d)", d);
		return ST_FAIL;
	}
	say(msg, msz, "no duplicates");
	return ST_PASS;
}

static int ft_setup(struct st_be *b, char *msg, size_t msz)
{
	return setup_knobs(b, 2 * FT_SIZE / ST_PAGE, msg, msz) ? ST_FAIL : ST_PASS;
}

/* test_unmerge: MADV_UNMERGEABLE over a merged range: no duplicates */
static int ft_unmerge(struct st_be *b, void *mm, const struct tcase *t,
		      char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(b, msg, msz), ret;

	if (!r)
		r = ft_map_merge(b, mm, 0xcf, false, FT_MADVISE, &addr, msg, msz);
	if (!r) {
		ret = b->ops->madvise(b, mm, addr, FT_SIZE, KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			snap(b, mm, "unmerged");
			r = expect_no_dups(b, mm, addr, msg, msz);
			settle(b, mm, "rescanned", msg, msz);
		}
	}
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

static long my_zero_pages(struct st_be *b, void *mm)
{
	struct ksml_mm_stat st;

	if (b->ops->mm_stat(b, mm, &st))
		return -1;
	return st.ksm_zero_pages;
}

/*
 * test_unmerge_zero_pages: use_zero_pages=1, 2 MiB of zeros merged: the
 * mm's ksm_zero_pages is 512; MADV_UNMERGEABLE on the first half: 256;
 * a distinct write into each page of the second half: 0; no duplicates
 */
static int ft_unmerge_zero_pages(struct st_be *b, void *mm,
				 const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0, n = FT_SIZE / ST_PAGE, i;
	int r = ft_setup(b, msg, msz);
	long z;

	if (!r && knob(b, "use_zero_pages", "1", msg, msz))
		r = ST_FAIL;
	if (!r)
		r = ft_map_merge(b, mm, 0, false, FT_MADVISE, &addr, msg, msz);
	if (r)
		goto out;
	r = ST_FAIL;
	z = my_zero_pages(b, mm);
	if (z < 0) {
		say(msg, msz, "no ksm_zero_pages in ksm_stat (kernel before 6.10?)");
		r = ST_SKIP;
		goto out;
	}
	say(msg, msz, "ksm_zero_pages=%ld (want %lu)", z, n);
	obs("zero=%ld", z);
	if (z != (long)n)
		goto out;
	if (b->ops->madvise(b, mm, addr, FT_SIZE / 2, KSML_MADV_UNMERGEABLE))
		goto out;
	z = my_zero_pages(b, mm);
	snap(b, mm, "half-unmerged");
	say(msg, msz, "after unmerging half: %ld (want %lu)", z, n / 2);
	obs("zero=%ld", z);
	if (z != (long)(n / 2))
		goto out;
	for (i = n / 2; i < n; i++) {
		unsigned int v = (unsigned int)i;

		if (b->ops->write(b, mm, addr + i * ST_PAGE, &v, sizeof(v), false))
			goto out;
	}
	z = my_zero_pages(b, mm);
	say(msg, msz, "after writing the other half: %ld (want 0)", z);
	obs("zero=%ld", z);
	snap(b, mm, "written");
	if (z)
		goto out;
	r = expect_no_dups(b, mm, addr, msg, msz);
	settle(b, mm, "rescanned", msg, msz);
out:
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

/* test_unmerge_discarded: MADV_DONTNEED the first half, then unmerge all */
static int ft_unmerge_discarded(struct st_be *b, void *mm,
				const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(b, msg, msz), ret;

	if (!r)
		r = ft_map_merge(b, mm, 0xcf, false, FT_MADVISE, &addr, msg, msz);
	if (!r) {
		ret = b->ops->madvise(b, mm, addr, FT_SIZE / 2, KSML_MADV_DONTNEED);
		if (!ret) {
			snap(b, mm, "discarded");
			ret = b->ops->madvise(b, mm, addr, FT_SIZE,
					      KSML_MADV_UNMERGEABLE);
		}
		if (ret) {
			say(msg, msz, "DONTNEED/UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			snap(b, mm, "unmerged");
			r = expect_no_dups(b, mm, addr, msg, msz);
			settle(b, mm, "rescanned", msg, msz);
		}
	}
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

/* the userfaultfd part of test_unmerge_uffd_wp (linux): ST_* */
static int uffd_wp_range(unsigned long addr, int *fdp, char *msg, size_t msz)
{
	struct uffdio_api api;
	struct uffdio_register reg;
	struct uffdio_writeprotect wp;
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	*fdp = fd;
	if (fd < 0) {
		say(msg, msz, "userfaultfd: %s", strerror(errno));
		return ST_SKIP;
	}
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
	if (ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		say(msg, msz, "UFFD_FEATURE_PAGEFAULT_FLAG_WP not available");
		return ST_SKIP;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = addr;
	reg.range.len = FT_SIZE;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg)) {
		say(msg, msz, "UFFDIO_REGISTER (WP): %s", strerror(errno));
		return ST_SKIP;
	}
	memset(&wp, 0, sizeof(wp));
	wp.range.start = addr;
	wp.range.len = FT_SIZE;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		say(msg, msz, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
		return ST_FAIL;
	}
	return ST_PASS;
}

/*
 * test_unmerge_uffd_wp: a merged range write-protected by userfaultfd;
 * MADV_UNMERGEABLE must unshare without waiting on the uffd.  ref/kmod
 * have no userfaultfd: modelled as a range the process cannot write
 * (a read-only mapping filled by forced writes), which the unmerge must
 * still unshare.
 */
static int ft_unmerge_uffd_wp(struct st_be *b, void *mm, const struct tcase *t,
			      char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(b, msg, msz), ret, fd = -1;

	if (!r)
		r = ft_map_merge(b, mm, 0xcf, !b->is_linux, FT_MADVISE, &addr, msg,
				 msz);
	if (!r && b->is_linux)
		r = uffd_wp_range(addr, &fd, msg, msz);
	else if (!r)
		say(msg, msz, "modelled: uffd-wp as a read-only range (no userfaultfd in %s)",
		    b->ops->name);
	if (!r) {
		ret = b->ops->madvise(b, mm, addr, FT_SIZE, KSML_MADV_UNMERGEABLE);
		if (ret) {
			say(msg, msz, "MADV_UNMERGEABLE: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			r = expect_no_dups(b, mm, addr, msg, msz);
		}
	}
	if (fd >= 0)
		close(fd);
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

/*
 * test_prot_none: 2 MiB of 0x11 merged under PROT_NONE; a unique int
 * written into each page of the first half through /proc/self/mem (ref:
 * ksml_vm_write_force), MADV_UNMERGEABLE on the second half: no duplicates
 */
static int ft_prot_none(struct st_be *b, void *mm, const struct tcase *t,
			char *msg, size_t msz)
{
	unsigned long addr = 0, n = FT_SIZE / ST_PAGE, i;
	int r = ft_setup(b, msg, msz), ret = 0;

	if (!r)
		r = ft_map_merge(b, mm, 0x11, true, FT_MADVISE, &addr, msg, msz);
	if (r)
		goto out;
	for (i = 0; !ret && i < n / 2; i++) {
		unsigned int v = (unsigned int)i + 1;

		ret = b->ops->write(b, mm, addr + i * ST_PAGE, &v, sizeof(v), true);
	}
	if (!ret) {
		snap(b, mm, "forced");
		ret = b->ops->madvise(b, mm, addr + FT_SIZE / 2, FT_SIZE / 2,
				      KSML_MADV_UNMERGEABLE);
	}
	if (ret) {
		say(msg, msz, "forced write/UNMERGEABLE: %s", strerror(-ret));
		r = ST_FAIL;
	} else {
		snap(b, mm, "unmerged");
		r = expect_no_dups(b, mm, addr, msg, msz);
		settle(b, mm, "rescanned", msg, msz);
	}
out:
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

/* test_prctl: set 1, get 1, set 0, get 0 */
static int ft_prctl(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		    size_t msz)
{
	int ret = b->ops->prctl_set(b, mm, 1), g1, g0;

	if (ret == -EINVAL) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		return ST_SKIP;
	}
	if (ret) {
		say(msg, msz, "PR_SET_MEMORY_MERGE 1: %s", strerror(-ret));
		return ST_FAIL;
	}
	g1 = b->ops->prctl_get(b, mm);
	ret = b->ops->prctl_set(b, mm, 0);
	g0 = b->ops->prctl_get(b, mm);
	say(msg, msz, "get after set 1: %d, after set 0: %d (set 0: %d)", g1, g0,
	    ret);
	obs("get=%d,%d", g1, g0);
	return g1 == 1 && g0 == 0 && !ret ? ST_PASS : ST_FAIL;
}

/* the child of test_prctl_fork(_exec): inherited MERGE_ANY, and it merges */
static int prctl_child(struct st_be *b, void *mm, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int g = b->ops->prctl_get(b, mm), r;

	if (g != 1) {
		say(msg, msz, "child: PR_GET_MEMORY_MERGE = %d, want 1", g);
		return ST_FAIL;
	}
	r = ft_map_merge(b, mm, 0xcf, false, FT_NONE, &addr, msg, msz);
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	if (!r)
		say(msg, msz, "child: MERGE_ANY inherited and merging");
	return r;
}

/* test_prctl_fork / test_prctl_fork_exec (arg = exec) */
static int ft_prctl_fork(struct st_be *b, void *mm, const struct tcase *t,
			 char *msg, size_t msz)
{
	int r = ft_setup(b, msg, msz), ret;

	if (r)
		return r;
	ret = b->ops->prctl_set(b, mm, 1);
	if (ret == -EINVAL) {
		say(msg, msz, "PR_SET_MEMORY_MERGE not supported");
		return ST_SKIP;
	}
	if (ret) {
		say(msg, msz, "PR_SET_MEMORY_MERGE 1: %s", strerror(-ret));
		return ST_FAIL;
	}
	r = run_child(b, mm, prctl_child, 0, t->arg, msg, msz);
	if (t->arg && !b->is_linux)
		say(msg, msz, "exec modelled: a fresh mm given PR_SET_MEMORY_MERGE(1) as the parent had it");
	ret = b->ops->prctl_set(b, mm, 0);
	if (ret) {
		say(msg, msz, "parent: PR_SET_MEMORY_MERGE 0: %s", strerror(-ret));
		r = ST_FAIL;
	}
	return r;
}

/* test_prctl_unmerge: merged via prctl; prctl 0 must unmerge */
static int ft_prctl_unmerge(struct st_be *b, void *mm, const struct tcase *t,
			    char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(b, msg, msz), ret;

	if (!r)
		r = ft_map_merge(b, mm, 0xcf, false, FT_PRCTL, &addr, msg, msz);
	if (!r) {
		ret = b->ops->prctl_set(b, mm, 0);
		if (ret) {
			say(msg, msz, "PR_SET_MEMORY_MERGE 0: %s", strerror(-ret));
			r = ST_FAIL;
		} else {
			r = expect_no_dups(b, mm, addr, msg, msz);
		}
	} else {
		b->ops->prctl_set(b, mm, 0);
	}
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
	return r;
}

static int merging_child(struct st_be *b, void *mm, char *msg, size_t msz)
{
	int n = my_merging_pages(b, mm);

	say(msg, msz, "child: ksm_merging_pages=%d (want 0)", n);
	obs("child-merging=%d", n);
	return n == 0 ? ST_PASS : ST_FAIL;
}

/* test_fork_ksm_merging_page_count: the child starts with 0 merging pages */
static int ft_fork_merging_count(struct st_be *b, void *mm,
				 const struct tcase *t, char *msg, size_t msz)
{
	unsigned long addr = 0;
	int r = ft_setup(b, msg, msz);

	if (!r)
		r = ft_map_merge(b, mm, 0xcf, false, FT_MADVISE, &addr, msg, msz);
	if (!r)
		r = run_child(b, mm, merging_child, 0, false, msg, msz);
	if (!r) {
		snap(b, mm, "child-gone");
		settle(b, mm, "rescanned", msg, msz);
	}
	if (addr)
		b->ops->unmap(b, mm, addr, FT_SIZE);
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
static int xt_fork_child(struct st_be *b, void *mm, char *msg, size_t msz)
{
	unsigned long addr = ksml_st_child_arg, i;

	snap(b, mm, "child-forked");
	for (i = 0; i < 10; i++)
		if (b->ops->write(b, mm, addr + i * ST_PAGE, "-", 1, false))
			return ST_FAIL;
	settle(b, mm, "child-settled", msg, msz);
	return ST_PASS;
}

/*
 * Beyond the kernel's tests, to compare ref and the kernel where they
 * check nothing: t->pages pages merged via madvise (t->mps: max_page_
 * sharing; zero-filled for the use_zero_pages probe), one more pass, ksmd
 * stopped, a snapshot; an action; a snapshot; then settle() and a last
 * snapshot.  Pass = completed; what matters is the observations column.
 */
static int xt_probe(struct st_be *b, void *mm, const struct tcase *t, char *msg,
		    size_t msz)
{
	unsigned long addr, len = t->pages * ST_PAGE, i;
	unsigned char fill = t->arg == XT_UZP_TOGGLE ? 0 : '*';
	int ret;

	if (setup_knobs(b, 2 * t->pages, msg, msz) ||
	    knob(b, "stable_node_chains_prune_millisecs", "0", msg, msz))
		return ST_FAIL;
	if (t->mps && knob_ul(b, "max_page_sharing", (unsigned long)t->mps, msg, msz))
		return ST_FAIL;
	ret = map_byte(b, mm, t->pages, -1, false, fill, &addr);
	if (ret) {
		say(msg, msz, "map: %s", strerror(-ret));
		return ST_FAIL;
	}
	if (b->ops->madvise(b, mm, addr, len, KSML_MADV_MERGEABLE) ||
	    ksm_merge(b, msg, msz) || ksm_scans(b, 1, false, msg, msz) ||
	    knob(b, "run", "0", msg, msz))
		goto fail;
	snap(b, mm, "merged");
	switch (t->arg) {
	case XT_COW3:
		/* three pages of three different dups/chains written */
		for (i = 0; i < t->pages; i += t->pages / 3 + 1)
			if (b->ops->write(b, mm, addr + i * ST_PAGE, "-", 1, false))
				goto fail;
		break;
	case XT_UZP_TOGGLE:
		/* the KSM page of zeros stays; only new merges use the zero page */
		if (knob(b, "use_zero_pages", "1", msg, msz))
			goto fail;
		break;
	case XT_MUNMAP_HALF:
		if (b->ops->unmap(b, mm, addr, len / 2))
			goto fail;
		addr += len / 2;
		len -= len / 2;
		break;
	case XT_DONTNEED_HALF:
		if (b->ops->madvise(b, mm, addr, len / 2, KSML_MADV_DONTNEED))
			goto fail;
		break;
	}
	snap(b, mm, "action");
	if (t->arg == XT_FORK) {
		/* the child writes 10 pages, lets KSM settle, exits */
		if (run_child(b, mm, xt_fork_child, addr, false, msg, msz) != ST_PASS)
			goto fail;
	}
	settle(b, mm, "rescanned", msg, msz);
	b->ops->unmap(b, mm, addr, len);
	return ST_PASS;
fail:
	b->ops->unmap(b, mm, addr, len);
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
static const struct st_be_ops *const be_ops[NR_BE] = {
	&ksml_st_ref_ops, &ksml_st_linux_ops, &ksml_st_kmod_ops
};
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

static void run_case(struct st_be *b, const struct tcase *t, struct outcome *o)
{
	char why[256] = "";
	void *mm = NULL;
	double t0 = now_s();
	int ret;

	o->ran = true;
	o->msg[0] = 0;
	o->obs[0] = 0;
	o->noisy = false;
	g_obs = o->obs;
	g_obs_sz = sizeof(o->obs);
	ret = b->ops->reset(b, t->nodes, why, sizeof(why));
	if (ret) {
		o->r = ret == -EOPNOTSUPP ? ST_SKIP : ST_FAIL;
		say(o->msg, sizeof(o->msg), "%s", why);
		goto done;
	}
	ret = b->ops->mm_new(b, &mm);
	if (ret) {
		o->r = ST_FAIL;
		say(o->msg, sizeof(o->msg), "mm_new: %s", strerror(-ret));
		goto done;
	}
	o->r = t->fn(b, mm, t, o->msg, sizeof(o->msg));
	b->ops->mm_put(b, mm);
	if (b->ops->foreign(b, why, sizeof(why))) {
		if (!strstr(o->msg, "host noise"))
			say(o->msg, sizeof(o->msg),
			    "host: other KSM users during the case (%s): global counters include them",
			    why);
		drop_global_obs(o->obs);
		o->noisy = true;
	}
	/* ksmd idle between cases */
	b->ops->knob_write(b, "run", "0");
done:
	g_obs = NULL;
	o->s = now_s() - t0;
	printf("%-28s %-5s %s (%.2f s) %s\n", t->name, b->ops->name, rname[o->r],
	       o->s, verbose || o->r ? o->msg : "");
	if (verbose && o->obs[0])
		printf("%-28s %-5s   observations: %s\n", "", "", o->obs);
	fflush(stdout);
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

/* the functions an exec'd child can run, by id */
static int merge_prctl_child(struct st_be *b, void *mm, char *msg, size_t msz);
static const st_child_fn exec_fns[] = { prctl_child, merge_prctl_child };

int ksml_st_exec_fn_id(st_child_fn fn)
{
	size_t i;

	if (fn == child_tramp)
		fn = g_child_fn;
	for (i = 0; i < sizeof(exec_fns) / sizeof(exec_fns[0]); i++)
		if (exec_fns[i] == fn)
			return (int)i;
	return -1;
}

/* the exec'd child (linux): a fresh process that runs one child function */
int ksml_st_exec_child_main(int pipe_fd, int fn_id, unsigned long arg)
{
	struct st_be b = { 0 };
	char msg[512] = "";
	int r;

	if (fn_id < 0 || fn_id >= (int)(sizeof(exec_fns) / sizeof(exec_fns[0]))) {
		snprintf(msg, sizeof(msg), "exec child: bad function id %d", fn_id);
		r = ST_FAIL;
	} else if (ksml_st_linux_child_open(&b)) {
		snprintf(msg, sizeof(msg), "exec child: cannot open /proc/self files");
		r = ST_FAIL;
	} else {
		g_child_fn = exec_fns[fn_id];
		ksml_st_child_arg = arg;
		r = child_tramp(&b, &b, msg, sizeof(msg));
		b.ops->close(&b);
	}
	if (write(pipe_fd, msg, strlen(msg)) < 0)
		r = ST_FAIL;
	return r;
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

	if (argc == 5 && !strcmp(argv[1], ST_EXEC_CHILD_ARG))
		return ksml_st_exec_child_main(atoi(argv[2]), atoi(argv[3]),
					       strtoul(argv[4], NULL, 10));
	g_main_pid = getpid();
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
		struct st_be b = { be_ops[bi], NULL, false };
		char why[512] = "";

		if (!want[bi])
			continue;
		if (b.ops->open(&b, why, sizeof(why))) {
			skip_all(bi, why, filter);
			continue;
		}
		for (i = 0; i < NR_CASES && !ksml_live_interrupted; i++) {
			if (filter && !strstr(cases[i].name, filter))
				continue;
			run_case(&b, &cases[i], &out[i][bi]);
		}
		b.ops->close(&b);
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

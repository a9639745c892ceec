// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_ctx.c - context block, clocks and page patterns for ksmlab's
 * benchmark programs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_ctx.h"
#include "gbench_c.h"

#include <hwloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#ifndef KSML_BENCH_GIT
#define KSML_BENCH_GIT "unknown"
#endif
#ifndef KSML_BENCH_CFLAGS
#define KSML_BENCH_CFLAGS "unknown"
#endif
#ifndef KSML_BENCH_DEFS
#define KSML_BENCH_DEFS ""
#endif

const char *const ksml_bench_pattern_name[KSML_BPAT_NR] = {
	"same", "half_dup", "unique", "last8_differ", "rewrite10",
};

static void add_cpu_model(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !c)
			continue;
		c += 2;
		c[strcspn(c, "\n")] = 0;
		ksml_gb_add_context("ksmlab_cpu", c);
		break;
	}
	fclose(f);
}

static void add_numa_topology(void)
{
	hwloc_topology_t t;
	char buf[512];
	int nodes, cores, pus, l3, i, n;
	unsigned long long l3size = 0;

	if (hwloc_topology_init(&t) || hwloc_topology_load(t))
		return;
	nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	l3 = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_L3CACHE);
	if (l3 > 0)
		l3size = hwloc_get_obj_by_type(t, HWLOC_OBJ_L3CACHE, 0)->attr->cache.size;
	n = snprintf(buf, sizeof(buf),
		     "nodes=%d cores=%d pus=%d l3=%d l3_size=%lluKiB", nodes,
		     cores, pus, l3, l3size >> 10);
	for (i = 0; i < nodes && n < (int)sizeof(buf) - 40; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, i);

		n += snprintf(buf + n, sizeof(buf) - n, " node%u=%lluMiB",
			      o->os_index,
			      (unsigned long long)o->attr->numanode.local_memory >> 20);
	}
	ksml_gb_add_context("ksmlab_numa", buf);
	hwloc_topology_destroy(t);
}

void ksml_bench_add_context(const char *program)
{
	struct utsname u;
	char buf[512];

	ksml_gb_add_context("ksmlab_program", program);
	ksml_gb_add_context("ksmlab_git_commit", KSML_BENCH_GIT);
#ifdef __clang__
	snprintf(buf, sizeof(buf), "clang %s", __clang_version__);
#else
	snprintf(buf, sizeof(buf), "gcc %s", __VERSION__);
#endif
	ksml_gb_add_context("ksmlab_compiler", buf);
	ksml_gb_add_context("ksmlab_cflags", KSML_BENCH_CFLAGS);
	ksml_gb_add_context("ksmlab_defs", KSML_BENCH_DEFS);
	if (!uname(&u)) {
		snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release,
			 u.machine);
		ksml_gb_add_context("ksmlab_kernel", buf);
	}
	add_cpu_model();
	add_numa_topology();
}

uint64_t ksml_bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ksml_bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: a cheap, well-mixed stream per page */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void ksml_bench_fill_page(void *page, enum ksml_bench_pattern pat,
			  unsigned long idx)
{
	uint64_t *w = page;
	uint64_t seed;
	size_t i;

	switch (pat) {
	case KSML_BPAT_SAME:
	case KSML_BPAT_LAST8:
		memset(page, 0x5a, 4096);
		w[0] = 0x6b736d6c61620000ull; /* not the zero page */
		if (pat == KSML_BPAT_LAST8)
			w[511] = idx + 1;
		return;
	case KSML_BPAT_HALF:
	case KSML_BPAT_REWRITE:
		seed = (idx >> 1) + 1;
		break;
	default:
		seed = idx + 1;
		break;
	}
	for (i = 0; i < 512; i++)
		w[i] = mix64(seed * 4096 + i);
}

bool ksml_bench_rewrite_page(void *page, enum ksml_bench_pattern pat,
			     unsigned long idx, unsigned int scan)
{
	uint64_t h, *w = page;
	size_t i;

	if (pat != KSML_BPAT_REWRITE || scan < 2)
		return false;
	h = mix64((uint64_t)scan << 40 ^ idx);
	if (h % 10)
		return false;
	if (h & (1ull << 32)) {
		/* the old content: the same bytes, a new frame after COW */
		ksml_bench_fill_page(page, pat, idx);
		return true;
	}
	/* a new content, unique to (page, scan): never merges */
	for (i = 0; i < 512; i++)
		w[i] = mix64(((uint64_t)scan << 48 ^ (idx + 1)) * 4096 + i +
			     0x5bd1e995ull);
	return true;
}

bool ksml_bench_expect(enum ksml_bench_pattern pat, unsigned long n,
		       unsigned long *shared, unsigned long *sharing)
{
	*shared = 0;
	*sharing = 0;
	switch (pat) {
	case KSML_BPAT_SAME:
		/* max_page_sharing 256: one KSM page per 256 mappings */
		*shared = (n + 255) / 256;
		*sharing = n - *shared;
		return true;
	case KSML_BPAT_HALF:
		*shared = n / 2;
		*sharing = n / 2;
		return true;
	case KSML_BPAT_REWRITE:
		return false;
	default:
		return true;
	}
}

unsigned long ksml_bench_mem_available_mib(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb / 1024;
}

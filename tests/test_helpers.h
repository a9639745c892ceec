/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_helpers.h - small helpers shared by the core's unit tests: an
 * instance with deterministic scanning, pages filled with patterns, and a
 * shadow copy that every page must read back.
 */
#ifndef KSML_TEST_HELPERS_H
#define KSML_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ksm_internal.h"

#define PAGE 4096UL

/*
 * KSML_TEST_CONFIG=faithful|portable|model runs the same tests in that
 * named configuration (KSML_TEST_FAST=1, the older switch, is model): all
 * must reach the counters the kernel's way reaches.
 */
static inline void test_config(struct ksml_config *cfg)
{
	const char *c = getenv("KSML_TEST_CONFIG");
	const char *f = getenv("KSML_TEST_FAST");
	enum ksml_profile p = KSML_PROFILE_FAITHFUL;

	if (c && *c) {
		if (ksml_profile_parse(c, &p)) {
			fprintf(stderr,
				"KSML_TEST_CONFIG=%s: want faithful, portable "
				"or model\n",
				c);
			exit(2);
		}
	} else if (f && *f == '1') {
		p = KSML_PROFILE_MODEL;
	}
	ksml_config_profile(cfg, p);
}

static inline struct ksml *new_ksm(void)
{
	struct ksml_config cfg = { 0 };
	struct ksml *ksm = NULL;

	test_config(&cfg);
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	assert_int_equal(ksml_set_pages_to_scan(ksm, 100000), 0);
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_MERGE), 0);
	return ksm;
}

/* fill a page: every byte from the seed, so equal seeds give equal pages */
static inline void fill(unsigned char *buf, unsigned long seed)
{
	unsigned long i;

	for (i = 0; i < PAGE; i += sizeof(unsigned long)) {
		unsigned long v = seed * 0x9E3779B97F4A7C15ul + i;

		memcpy(buf + i, &v, sizeof(v));
	}
}

static inline void write_page(struct ksml_mm *mm, unsigned long addr,
			      unsigned long seed)
{
	unsigned char buf[PAGE];

	fill(buf, seed);
	assert_int_equal(ksml_vm_write(mm, addr, buf, PAGE), 0);
}

static inline void check_page(struct ksml_mm *mm, unsigned long addr,
			      unsigned long seed)
{
	unsigned char buf[PAGE], want[PAGE];

	fill(want, seed);
	assert_int_equal(ksml_vm_read(mm, addr, buf, PAGE), 0);
	assert_memory_equal(buf, want, PAGE);
}

/* pages [base, base + n pages) read back their seeds; seed 0: zeros */
static inline void check_pages(struct ksml_mm *mm, unsigned long base,
			       const unsigned long *seed, unsigned long n)
{
	unsigned char zero[PAGE], buf[PAGE];
	unsigned long i;

	memset(zero, 0, sizeof(zero));
	for (i = 0; i < n; i++) {
		if (seed[i]) {
			check_page(mm, base + i * PAGE, seed[i]);
		} else {
			assert_int_equal(ksml_vm_read(mm, base + i * PAGE, buf, PAGE), 0);
			assert_memory_equal(buf, zero, PAGE);
		}
	}
}

/* an mm with one mergeable mapping of n pages */
static inline struct ksml_mm *mergeable_mm(struct ksml *ksm, unsigned long n,
					   unsigned long *addr)
{
	struct ksml_mm *mm;

	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	assert_int_equal(ksml_vm_mmap(mm, 0, n * PAGE,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS, addr),
			 0);
	assert_int_equal(ksml_vm_madvise(mm, *addr, n * PAGE, KSML_MADV_MERGEABLE), 0);
	return mm;
}

static inline void full_scans(struct ksml *ksm, unsigned long n)
{
	assert_int_equal(ksml_scan_full(ksm, n, 0), 0);
}

static inline void assert_invariants(struct ksml *ksm)
{
	char msg[256];
	int r = ksml_check_invariants(ksm, msg, sizeof(msg));

	if (r)
		fail_msg("invariant broken: %s", msg);
}

static inline struct ksml_counters counters(struct ksml *ksm)
{
	struct ksml_counters c;

	ksml_get_counters(ksm, &c);
	return c;
}

#endif

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * consumer.c - a user of an installed libksmcore, built by
 * tests/suites/90-install.sh with `pkg-config --cflags --libs ksmlab`
 * only: one instance, one address space, two identical pages merged by
 * two full scans.  Fails (exit 1, naming the step) unless the counters
 * say one KSM page shared by the two: pages_shared 1, pages_sharing 1.
 *
 * ksml.h's user platform embeds pthread types (a POSIX rwlock among
 * them), so under -std=c11 a consumer asks for POSIX, as any C11 program
 * using pthreads must.
 */
#define _POSIX_C_SOURCE 200809L
#include <ksml.h>

#include <stdio.h>
#include <string.h>

#define PAGE 4096UL

static int fail(const char *what, int ret)
{
	fprintf(stderr, "consumer: %s: %d\n", what, ret);
	return 1;
}

int main(void)
{
	struct ksml_config cfg = { .start_ksmd = false };
	static unsigned char page[PAGE];
	struct ksml_counters c;
	struct ksml *ksm;
	struct ksml_mm *mm;
	unsigned long addr;
	int ret;

	memset(page, 0x5a, sizeof(page));
	ret = ksml_init(&ksm, &cfg);
	if (ret)
		return fail("ksml_init", ret);
	if ((ret = ksml_set_run(ksm, KSML_RUN_MERGE)) ||
	    (ret = ksml_mm_create(ksm, &mm)) ||
	    (ret = ksml_vm_mmap(mm, 0, 2 * PAGE,
				KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS, &addr)) ||
	    (ret = ksml_vm_write(mm, addr, page, PAGE)) ||
	    (ret = ksml_vm_write(mm, addr + PAGE, page, PAGE)) ||
	    (ret = ksml_vm_madvise(mm, addr, 2 * PAGE, KSML_MADV_MERGEABLE)) ||
	    (ret = ksml_scan_full(ksm, 2, 0))) {
		ksml_destroy(ksm);
		return fail("setup or scan", ret);
	}
	ksml_get_counters(ksm, &c);
	ksml_destroy(ksm);
	printf("pages_shared %lu pages_sharing %lu pages_unshared %lu full_scans %lu\n",
	       c.pages_shared, c.pages_sharing, c.pages_unshared, c.full_scans);
	if (c.pages_shared != 1 || c.pages_sharing != 1 || c.pages_unshared)
		return fail("counters (want shared 1, sharing 1, unshared 0)", -1);
	return 0;
}

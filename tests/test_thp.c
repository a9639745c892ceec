/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_thp.c - transparent huge pages in vmem, and KSM on them: the
 * numbers are those the live kernel gave (harness/THP.md), the nothing-
 * lost rule holds throughout.
 */
#include "test_helpers.h"

#define HP   (512 * PAGE)
#define BASE 0x40000000UL /* 2 MiB-aligned */

/* an mm with a MADV_HUGEPAGE mapping of n THPs at BASE */
static struct ksml_mm *thp_mm(struct ksml *ksm, unsigned long n, bool mergeable)
{
	struct ksml_mm *mm;
	unsigned long a;

	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	assert_int_equal(ksml_vm_mmap(mm, BASE, n * HP,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS |
					      KSML_MAP_FIXED,
				      &a),
			 0);
	assert_int_equal(a, BASE);
	assert_int_equal(ksml_vm_madvise(mm, BASE, n * HP, KSML_MADV_HUGEPAGE),
			 0);
	if (mergeable)
		assert_int_equal(
			ksml_vm_madvise(mm, BASE, n * HP, KSML_MADV_MERGEABLE),
			0);
	return mm;
}

static unsigned long anon_huge_kb(struct ksml_mm *mm)
{
	struct ksml_mm_stat st;

	assert_int_equal(ksml_mm_get_stat(mm, &st), 0);
	return st.anon_huge_kb;
}

static unsigned long rmap_items(struct ksml_mm *mm)
{
	struct ksml_mm_stat st;

	assert_int_equal(ksml_mm_get_stat(mm, &st), 0);
	return st.ksm_rmap_items;
}

static struct ksml_page_info info(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_page_info pi;

	assert_int_equal(ksml_vm_page_info(mm, addr, &pi), 0);
	return pi;
}

/* seeds of one THP: [0, ndup) seed 7, then nzero zero-written, then unique */
static void fill_thp(struct ksml_mm *mm, unsigned long base,
		     unsigned long *seed, int ndup, int nzero, int ntouch)
{
	unsigned char zero[PAGE] = {0};
	int i;

	for (i = 0; i < 512; i++) {
		if (i < ndup) {
			seed[i] = 7;
		} else if (i < ndup + nzero) {
			seed[i] = 0;
			assert_int_equal(
				ksml_vm_write(mm, base + i * PAGE, zero, PAGE),
				0);
			continue;
		} else if (i < ntouch) {
			seed[i] = 1000 + base / PAGE + (unsigned long)i;
		} else {
			seed[i] = 0;
			continue;
		}
		write_page(mm, base + i * PAGE, seed[i]);
	}
}

static void assert_counts(struct ksml *ksm, unsigned long shared,
			  unsigned long sharing, unsigned long unshared,
			  unsigned long volatil)
{
	struct ksml_counters c = counters(ksm);

	assert_int_equal(c.pages_shared, shared);
	assert_int_equal(c.pages_sharing, sharing);
	assert_int_equal(c.pages_unshared, unshared);
	assert_int_equal(c.pages_volatile, volatil);
}

static void test_thp_fault_modes(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm;
	struct ksml_page_info pi;
	unsigned long a;

	(void)state;
	assert_int_equal(ksml_vm_get_thp_mode(ksm), KSML_THP_MADVISE);
	assert_int_equal(ksml_vm_set_thp_mode(ksm, 3), -KSML_EINVAL);
	/* madvise mode, MADV_HUGEPAGE: one write maps a whole THP */
	mm = thp_mm(ksm, 2, false);
	write_page(mm, BASE + 5 * PAGE, 1);
	assert_int_equal(anon_huge_kb(mm), 2048);
	pi = info(mm, BASE);
	assert_true(pi.present && pi.thp && pi.pmd_mapped);
	pi = info(mm, BASE + 511 * PAGE);
	assert_true(pi.present && pi.pmd_mapped);
	assert_false(info(mm, BASE + HP).present);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 1 + 512);
	check_page(mm, BASE + 5 * PAGE, 1);
	/* a range with a small page already: no THP there */
	ksml_mm_exit(mm);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 1);

	/* madvise mode without advice: small pages */
	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	assert_int_equal(ksml_vm_mmap(mm, BASE, HP,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS |
					      KSML_MAP_FIXED,
				      &a),
			 0);
	write_page(mm, BASE, 1);
	assert_int_equal(anon_huge_kb(mm), 0);
	assert_false(info(mm, BASE).thp);
	/* always: every eligible range, unless MADV_NOHUGEPAGE */
	assert_int_equal(ksml_vm_set_thp_mode(ksm, KSML_THP_ALWAYS), 0);
	write_page(mm, BASE + PAGE, 2); /* the PTE table exists already */
	assert_int_equal(anon_huge_kb(mm), 0);
	assert_int_equal(ksml_vm_mmap(mm, BASE + 2 * HP, 2 * HP,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS |
					      KSML_MAP_FIXED,
				      &a),
			 0);
	assert_int_equal(
		ksml_vm_madvise(mm, BASE + 3 * HP, HP, KSML_MADV_NOHUGEPAGE),
		0);
	write_page(mm, BASE + 2 * HP, 3);
	write_page(mm, BASE + 3 * HP, 4);
	assert_int_equal(anon_huge_kb(mm), 2048);
	assert_true(info(mm, BASE + 2 * HP).pmd_mapped);
	assert_false(info(mm, BASE + 3 * HP).thp);
	/* a VMA smaller than the aligned range: no THP */
	assert_int_equal(ksml_vm_mmap(mm, BASE + 5 * HP, HP - PAGE,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS |
					      KSML_MAP_FIXED,
				      &a),
			 0);
	write_page(mm, BASE + 5 * HP, 5);
	assert_false(info(mm, BASE + 5 * HP).thp);
	/* never */
	assert_int_equal(ksml_vm_set_thp_mode(ksm, KSML_THP_NEVER), 0);
	assert_int_equal(ksml_vm_mmap(mm, BASE + 8 * HP, HP,
				      KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS |
					      KSML_MAP_FIXED,
				      &a),
			 0);
	assert_int_equal(
		ksml_vm_madvise(mm, BASE + 8 * HP, HP, KSML_MADV_HUGEPAGE), 0);
	write_page(mm, BASE + 8 * HP, 6);
	assert_false(info(mm, BASE + 8 * HP).thp);
	check_page(mm, BASE, 1);
	check_page(mm, BASE + PAGE, 2);
	check_page(mm, BASE + 2 * HP, 3);
	check_page(mm, BASE + 3 * HP, 4);
	ksml_mm_exit(mm);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 1);
	ksml_destroy(ksm);
}

/* THP.md 2: a THP that never merges stays whole, each subpage scanned */
static void test_thp_unique_stays_whole(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, true);
	unsigned long seed[512], s0;

	(void)state;
	fill_thp(mm, BASE, seed, 0, 0, 512);
	s0 = counters(ksm).pages_scanned;
	full_scans(ksm, 1);
	assert_int_equal(counters(ksm).pages_scanned - s0, 512);
	assert_counts(ksm, 0, 0, 0, 512);
	full_scans(ksm, 2);
	assert_counts(ksm, 0, 0, 512, 0);
	assert_int_equal(anon_huge_kb(mm), 2048);
	assert_int_equal(rmap_items(mm), 512);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* THP.md 3-4: split on the first merge; same-folio twins wait a pass */
static void test_thp_dups_split_on_merge(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, true);
	unsigned long seed[512];
	int i;

	(void)state;
	fill_thp(mm, BASE, seed, 64, 0, 512);
	full_scans(ksm, 2);
	assert_counts(ksm, 1, 62, 448, 1);
	assert_int_equal(anon_huge_kb(mm), 0);
	assert_true(info(mm, BASE).ksm);
	assert_false(info(mm, BASE + PAGE).ksm);
	assert_false(info(mm, BASE + 100 * PAGE).thp);
	full_scans(ksm, 1);
	assert_counts(ksm, 1, 63, 448, 0);
	for (i = 0; i < 64; i++)
		assert_true(info(mm, BASE + i * PAGE).ksm);
	check_pages(mm, BASE, seed, 512);
	/* a write after the split: a COW of a KSM page, a plain write */
	write_page(mm, BASE + 3 * PAGE, 99);
	write_page(mm, BASE + 300 * PAGE, 98);
	seed[3] = 99;
	seed[300] = 98;
	check_pages(mm, BASE, seed, 512);
	/* from here on as small pages (the same writes on them give these) */
	full_scans(ksm, 1);
	assert_counts(ksm, 1, 62, 447, 2);
	full_scans(ksm, 2);
	assert_counts(ksm, 1, 62, 448, 1);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* THP.md 5: the split maps zero subpages to the zero page */
static void test_thp_zero_subpages(void **state)
{
	int uzp;

	(void)state;
	for (uzp = 0; uzp < 2; uzp++) {
		struct ksml *ksm = new_ksm();
		struct ksml_mm *mm = thp_mm(ksm, 1, true);
		unsigned long seed[512], s0;
		int i;

		assert_int_equal(ksml_set_use_zero_pages(ksm, uzp), 0);
		fill_thp(mm, BASE, seed, 0, 64, 512);
		full_scans(ksm, 1);
		s0 = counters(ksm).pages_scanned;
		full_scans(ksm, 1);
		assert_int_equal(counters(ksm).pages_scanned - s0,
				 uzp ? 449 : 450);
		assert_int_equal(rmap_items(mm), uzp ? 449 : 450);
		assert_counts(ksm, 0, 0, 1, uzp ? 448 : 449);
		assert_int_equal(counters(ksm).ksm_zero_pages, 0);
		for (i = 0; i < 64; i++) {
			struct ksml_page_info pi = info(mm, BASE + i * PAGE);

			assert_true(pi.present && pi.zero && !pi.ksm_zero);
		}
		assert_int_equal(ksml_vm_frames_in_use(ksm), 1 + 448);
		s0 = counters(ksm).pages_scanned;
		full_scans(ksm, 1);
		assert_int_equal(counters(ksm).pages_scanned - s0, 448);
		assert_counts(ksm, 0, 0, 448, 0);
		assert_int_equal(rmap_items(mm), 448);
		check_pages(mm, BASE, seed, 512);
		assert_invariants(ksm);
		ksml_destroy(ksm);
	}
}

/*
 * split_keeps_zero_subpages (the kernels before 6.12): a split leaves the
 * zero-written subpages as pages of their own, so KSM scans and merges
 * them like any equal pages (on 6.12+ they are the zero page, above)
 */
static void test_thp_split_keeps_zero_subpages(void **state)
{
	struct ksml_config cfg = {0};
	struct ksml *ksm = NULL;
	struct ksml_mm *mm;
	unsigned long seed[512];
	int i;

	(void)state;
	test_config(&cfg);
	cfg.split_keeps_zero_subpages = true;
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	assert_int_equal(ksml_set_pages_to_scan(ksm, 100000), 0);
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_MERGE), 0);
	mm = thp_mm(ksm, 1, true);
	fill_thp(mm, BASE, seed, 16, 64, 512);
	full_scans(ksm, 4);
	assert_int_equal(anon_huge_kb(mm), 0);
	for (i = 16; i < 16 + 64; i++) {
		struct ksml_page_info pi = info(mm, BASE + i * PAGE);

		assert_true(pi.present && !pi.zero && pi.ksm);
	}
	/* one KSM page for the 16 equal subpages, one for the 64 zeros */
	assert_counts(ksm, 2, 16 + 64 - 2, 512 - 16 - 64, 0);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* THP.md 5: untouched subpages, and a THP with all kinds */
static void test_thp_untouched_and_mixed(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, true);
	unsigned long seed[512], s0;

	(void)state;
	fill_thp(mm, BASE, seed, 0, 0, 8);
	full_scans(ksm, 1);
	s0 = counters(ksm).pages_scanned;
	full_scans(ksm, 1);
	assert_int_equal(counters(ksm).pages_scanned - s0, 10);
	assert_counts(ksm, 0, 0, 9, 1);
	full_scans(ksm, 1);
	assert_int_equal(rmap_items(mm), 8);
	check_pages(mm, BASE, seed, 512);
	ksml_mm_exit(mm);

	mm = thp_mm(ksm, 1, true);
	fill_thp(mm, BASE, seed, 32, 32, 256);
	full_scans(ksm, 2);
	assert_counts(ksm, 1, 30, 192, 1);
	assert_int_equal(rmap_items(mm), 224);
	full_scans(ksm, 1);
	assert_counts(ksm, 1, 31, 192, 0);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* THP.md 7-8: fork shares the PMD; COW splits the writer's PMD only */
static void test_thp_fork_and_cow(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, true), *child;
	unsigned long seed[512], cseed[512];
	struct ksml_page_info pi;

	(void)state;
	fill_thp(mm, BASE, seed, 0, 0, 512);
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	assert_int_equal(anon_huge_kb(child), 2048);
	assert_int_equal(info(child, BASE).pfn, info(mm, BASE).pfn);
	full_scans(ksm, 3);
	assert_int_equal(anon_huge_kb(mm), 2048);
	assert_int_equal(anon_huge_kb(child), 2048);
	memcpy(cseed, seed, sizeof(seed));
	write_page(child, BASE + 300 * PAGE, 5);
	cseed[300] = 5;
	assert_int_equal(anon_huge_kb(child), 0);
	assert_int_equal(anon_huge_kb(mm), 2048);
	pi = info(child, BASE + 299 * PAGE);
	assert_true(pi.thp && !pi.pmd_mapped);
	assert_false(info(child, BASE + 300 * PAGE).thp);
	check_pages(child, BASE, cseed, 512);
	check_pages(mm, BASE, seed, 512);
	/* the parent's write: not exclusive (the child maps 511 subpages) */
	write_page(mm, BASE + 10 * PAGE, 6);
	seed[10] = 6;
	assert_int_equal(anon_huge_kb(mm), 0);
	check_pages(mm, BASE, seed, 512);
	check_pages(child, BASE, cseed, 512);
	ksml_mm_exit(child);
	full_scans(ksm, 2);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* did the write reuse the subpage in place (same frame, still large)? */
static bool write_reuses(struct ksml_mm *mm, unsigned long addr,
			 unsigned long seed)
{
	struct ksml_page_info before = info(mm, addr), after;

	write_page(mm, addr, seed);
	after = info(mm, addr);
	assert_true(after.present && after.writable);
	if (after.pfn == before.pfn) {
		assert_true(after.thp);
		return true;
	}
	assert_false(after.thp);
	return false;
}

/*
 * do_wp_page on a subpage of a large folio not marked exclusive, under
 * each kernel's rule (enum ksml_large_wp): shared with a child; mapped
 * by this mm alone after the child's exit; the folio's last mapped page;
 * and mapped by one mm whose per-MM tracking still says "maybe shared"
 * (workloads/thp-cow-sticky.wl, the live kernel's verdict).
 */
static void test_thp_cow_reuse_rules(void **state)
{
	static const struct {
		enum ksml_large_wp rule;
		bool alone, last, sticky;
	} want[] = {
		{KSML_LARGE_WP_MM_ID, true, false, false},
		{KSML_LARGE_WP_NEVER, false, false, false},
		{KSML_LARGE_WP_SOLE_REF, false, true, false},
	};
	unsigned int k;

	(void)state;
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct ksml_config cfg = {0};
		struct ksml *ksm = NULL;
		struct ksml_mm *mm, *c1, *c2;
		unsigned long seed[512], s2[512];

		test_config(&cfg);
		cfg.large_folio_wp = want[k].rule;
		assert_int_equal(ksml_init(&ksm, &cfg), 0);
		mm = thp_mm(ksm, 1, false);
		fill_thp(mm, BASE, seed, 0, 0, 512);
		assert_int_equal(ksml_mm_fork(mm, &c1), 0);
		/* the child's write splits its PMD and copies */
		assert_false(write_reuses(c1, BASE + 300 * PAGE, 5));
		/* shared with the child: every kernel copies */
		assert_false(write_reuses(mm, BASE + 10 * PAGE, 6));
		seed[10] = 6;
		ksml_mm_exit(c1);
		assert_int_equal(write_reuses(mm, BASE + 20 * PAGE, 7),
				 want[k].alone);
		seed[20] = 7;
		check_pages(mm, BASE, seed, 512);
		/* one subpage left mapped: 6.15+ frees the folio instead */
		assert_int_equal(ksml_vm_munmap(mm, BASE, 511 * PAGE), 0);
		assert_int_equal(write_reuses(mm, BASE + 511 * PAGE, 8),
				 want[k].last);
		check_page(mm, BASE + 511 * PAGE, 8);
		assert_invariants(ksm);
		ksml_mm_exit(mm);

		/* slots: mm, then c1 at fork; c2 none; mm and c1 exit */
		mm = thp_mm(ksm, 1, false);
		fill_thp(mm, BASE, seed, 0, 0, 512);
		assert_int_equal(ksml_mm_fork(mm, &c1), 0);
		assert_false(write_reuses(mm, BASE, 9));
		assert_int_equal(ksml_mm_fork(mm, &c2), 0);
		memcpy(s2, seed, sizeof(s2));
		s2[0] = 9;
		ksml_mm_exit(mm);
		ksml_mm_exit(c1);
		assert_int_equal(write_reuses(c2, BASE + 248 * PAGE, 10),
				 want[k].sticky);
		s2[248] = 10;
		check_pages(c2, BASE, s2, 512);
		assert_invariants(ksm);
		ksml_mm_exit(c2);
		assert_int_equal(ksml_vm_frames_in_use(ksm), 1);
		ksml_destroy(ksm);
	}
}

/*
 * A pin on one subpage pins the folio (folio_maybe_dma_pinned): fork
 * splits the PMD and copies every exclusive subpage, not only the pinned
 * one, so the child shares no frame with the parent.
 */
static void test_thp_pinned_fork_copies(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, false), *child;
	unsigned long seed[512];
	unsigned int i;

	(void)state;
	fill_thp(mm, BASE, seed, 0, 0, 512);
	assert_int_equal(ksml_vm_pin(mm, BASE + 3 * PAGE), 0);
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	for (i = 0; i < 512; i++) {
		struct ksml_page_info p = info(mm, BASE + i * PAGE);
		struct ksml_page_info c = info(child, BASE + i * PAGE);

		assert_true(p.present && c.present);
		assert_int_not_equal(p.pfn, c.pfn);
		assert_false(c.thp);
	}
	check_pages(child, BASE, seed, 512);
	check_pages(mm, BASE, seed, 512);
	assert_invariants(ksm);
	assert_int_equal(ksml_vm_unpin(mm, BASE + 3 * PAGE), 0);
	ksml_mm_exit(child);
	ksml_mm_exit(mm);
	ksml_destroy(ksm);
}

/* THP.md 7: duplicates in a forked THP split it for both mms */
static void test_thp_fork_dups(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 1, true), *child;
	unsigned long seed[512];
	struct ksml_mm_stat st;

	(void)state;
	fill_thp(mm, BASE, seed, 16, 0, 512);
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	full_scans(ksm, 2);
	assert_int_equal(anon_huge_kb(mm), 0);
	assert_int_equal(anon_huge_kb(child), 0);
	ksml_mm_get_stat(mm, &st);
	assert_int_equal(st.ksm_merging_pages, 15);
	ksml_mm_get_stat(child, &st);
	assert_int_equal(st.ksm_merging_pages, 16);
	full_scans(ksm, 1);
	ksml_mm_get_stat(mm, &st);
	assert_int_equal(st.ksm_merging_pages, 16);
	check_pages(mm, BASE, seed, 512);
	check_pages(child, BASE, seed, 512);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* THP.md 9: a VMA split splits the PMD, not the folio; munmap of part */
static void test_thp_partial_split(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 2, false);
	unsigned long seed[1024];
	struct ksml_page_info pi;
	int i;

	(void)state;
	fill_thp(mm, BASE, seed, 64, 0, 512);
	fill_thp(mm, BASE + HP, seed + 512, 0, 0, 512);
	assert_int_equal(anon_huge_kb(mm), 4096);
	/* MADV_MERGEABLE on all but 8 pages in the middle: the VMA splits */
	assert_int_equal(
		ksml_vm_madvise(mm, BASE, 256 * PAGE, KSML_MADV_MERGEABLE), 0);
	assert_int_equal(ksml_vm_madvise(mm, BASE + 264 * PAGE, HP - 264 * PAGE,
					 KSML_MADV_MERGEABLE),
			 0);
	assert_int_equal(anon_huge_kb(mm), 2048);
	pi = info(mm, BASE + 300 * PAGE);
	assert_true(pi.thp && !pi.pmd_mapped);
	full_scans(ksm, 3);
	for (i = 0; i < 64; i++)
		assert_true(info(mm, BASE + i * PAGE).ksm);
	assert_false(info(mm, BASE + 300 * PAGE).thp);
	/* partial munmap of the second THP */
	assert_int_equal(ksml_vm_munmap(mm, BASE + HP + 100 * PAGE, 12 * PAGE),
			 0);
	assert_int_equal(anon_huge_kb(mm), 0);
	pi = info(mm, BASE + HP + 99 * PAGE);
	assert_true(pi.thp && !pi.pmd_mapped);
	for (i = 100; i < 112; i++)
		seed[512 + i] = 0;
	check_pages(mm, BASE, seed, 512);
	for (i = 0; i < 512; i++)
		if (i < 100 || i >= 112)
			check_page(mm, BASE + HP + i * PAGE, seed[512 + i]);
	/* the whole rest unmapped: the folio is gone with its last subpage */
	assert_int_equal(ksml_vm_munmap(mm, BASE + HP, HP), 0);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 1 + 448 + 1);
	ksml_mm_exit(mm);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* two THPs with equal subpages (THP.md 6), mremap and migrate of a THP */
static void test_thp_cross_mremap(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm = thp_mm(ksm, 2, true);
	unsigned long seed[1024];
	struct ksml_mm_stat st;
	int i;

	(void)state;
	fill_thp(mm, BASE, seed, 0, 0, 512);
	fill_thp(mm, BASE + HP, seed + 512, 0, 0, 512);
	for (i = 0; i < 16; i++) {
		seed[i] = seed[512 + i] = 5000 + (unsigned long)i;
		write_page(mm, BASE + i * PAGE, seed[i]);
		write_page(mm, BASE + HP + i * PAGE, seed[i]);
	}
	full_scans(ksm, 2);
	ksml_mm_get_stat(mm, &st);
	assert_int_equal(st.ksm_merging_pages, 32);
	assert_int_equal(st.anon_huge_kb, 0);
	check_pages(mm, BASE, seed, 1024);
	ksml_mm_exit(mm);

	/* mremap moves a THP's content (split first), migrate likewise */
	mm = thp_mm(ksm, 1, false);
	fill_thp(mm, BASE, seed, 0, 0, 512);
	assert_int_equal(ksml_vm_mremap(mm, BASE, HP, HP, BASE + 4 * HP), 0);
	check_pages(mm, BASE + 4 * HP, seed, 512);
	ksml_mm_exit(mm);
	mm = thp_mm(ksm, 1, false);
	fill_thp(mm, BASE, seed, 0, 0, 512);
	if (ksm->nr_node_ids > 1) {
		assert_int_equal(ksml_vm_migrate(mm, BASE + PAGE, 1), 0);
		assert_int_equal(info(mm, BASE + PAGE).nid, 1);
	}
	check_pages(mm, BASE, seed, 512);
	ksml_mm_exit(mm);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 1);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thp_fault_modes),
		cmocka_unit_test(test_thp_unique_stays_whole),
		cmocka_unit_test(test_thp_dups_split_on_merge),
		cmocka_unit_test(test_thp_zero_subpages),
		cmocka_unit_test(test_thp_split_keeps_zero_subpages),
		cmocka_unit_test(test_thp_untouched_and_mixed),
		cmocka_unit_test(test_thp_fork_and_cow),
		cmocka_unit_test(test_thp_fork_dups),
		cmocka_unit_test(test_thp_cow_reuse_rules),
		cmocka_unit_test(test_thp_pinned_fork_copies),
		cmocka_unit_test(test_thp_partial_split),
		cmocka_unit_test(test_thp_cross_mremap),
	};

	return cmocka_run_group_tests_name("ksm_thp", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_core.c - unit tests of ksm_core (issue 3): instance life cycle and
 * init failure unwinding, mm_slot enter/exit semantics, the scan timeline,
 * merging, COW, fork, unmerge, chains, zero pages, knobs, and "nothing
 * lost" under random operations.  White-box: it reads struct ksml.
 */
#include "test_helpers.h"
#include "platform/user/ksm_platform_user.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ life cycle */

static void test_init_destroy_no_leak(void **state)
{
	long base = ksml_plat_live_allocs();
	struct ksml *ksm = new_ksm();
	struct ksml_counters c = counters(ksm);

	(void)state;
	assert_int_equal(c.run, 1);
	assert_int_equal(ksm->ksm_thread_sleep_millisecs, 20);
	assert_int_equal(ksm->ksm_max_page_sharing, 256);
	assert_int_equal(c.full_scans, 0);
	ksml_destroy(ksm);
	assert_int_equal(ksml_plat_live_allocs(), base);
}

/* every step of ksml_init fails in turn and unwinds without a leak */
static void init_failure_points(bool start_ksmd, bool no_knobs)
{
	long base = ksml_plat_live_allocs();
	struct ksml_config cfg = { 0 };
	int n, failures = 0;

	cfg.start_ksmd = start_ksmd;
	cfg.no_knobs = no_knobs;
	for (n = 1; n < 100; n++) {
		struct ksml *ksm = NULL;
		int err;

		ksml_plat_fail_nth(n);
		err = ksml_init(&ksm, &cfg);
		ksml_plat_fail_nth(0);
		if (!err) {
			/* past the last step: the instance is complete */
			assert_int_equal(ksm->knobs_registered, !no_knobs);
			assert_true(ksm->hotplug_registered);
			assert_int_equal(ksm->ksm_run,
					 no_knobs ? KSML_RUN_MERGE : KSML_RUN_STOP);
			ksml_destroy(ksm);
			assert_int_equal(ksml_plat_live_allocs(), base);
			break;
		}
		failures++;
		assert_true(err == -KSML_ENOMEM || err == -KSML_EAGAIN);
		assert_null(ksm);
		assert_int_equal(ksml_plat_live_allocs(), base);
	}
	/* struct, vm (3), zero page chunk, 3 caches, [thread], [knobs], hotplug */
	assert_int_equal(failures, 7 + (start_ksmd ? 1 : 0) + (no_knobs ? 0 : 1) + 1);
}

static void test_init_failure_unwinds(void **state)
{
	(void)state;
	init_failure_points(false, false);
	init_failure_points(true, false);
	init_failure_points(false, true);
}

/* ------------------------------------------------------------- enter/exit */

static struct ksm_mm_slot *slot_at(struct ksml *ksm, int idx)
{
	struct ksml_list_head *pos = ksm->ksm_mm_head.mm_node.next;

	while (idx-- > 0 && pos != &ksm->ksm_mm_head.mm_node)
		pos = pos->next;
	if (pos == &ksm->ksm_mm_head.mm_node)
		return NULL;
	return ksml_list_entry(pos, struct ksm_mm_slot, mm_node);
}

static void test_enter_behind_cursor(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *a, *b, *c;
	unsigned long aa, ab, ac;

	(void)state;
	a = mergeable_mm(ksm, 4, &aa);
	b = mergeable_mm(ksm, 4, &ab);
	/* cursor on the sentinel: "behind the cursor" is the tail */
	assert_ptr_equal(slot_at(ksm, 0)->mm, a);
	assert_ptr_equal(slot_at(ksm, 1)->mm, b);
	assert_true(a->flags & KSML_MMF_VM_MERGEABLE);
	assert_int_equal(a->mm_count, 2); /* user + slot (mmgrab) */
	assert_ptr_equal(ksml_mm_slot_lookup(ksm, a)->mm, a);

	write_page(a, aa, 1);
	write_page(b, ab, 2);
	/* put the cursor on b's slot: one page of a, then stop inside b */
	assert_int_equal(ksml_scan_pages(ksm, 2), 2);
	assert_ptr_equal(ksm->ksm_scan.mm_slot->mm, b);
	/* a new mm goes just before b: not visited in this pass */
	c = mergeable_mm(ksm, 4, &ac);
	assert_ptr_equal(slot_at(ksm, 0)->mm, a);
	assert_ptr_equal(slot_at(ksm, 1)->mm, c);
	assert_ptr_equal(slot_at(ksm, 2)->mm, b);
	write_page(c, ac, 3);
	full_scans(ksm, 1);
	/* the pass ended without visiting c */
	assert_int_equal(c->ksm_rmap_items, 0);
	assert_int_equal(a->ksm_rmap_items, 1);
	full_scans(ksm, 1);
	assert_int_equal(c->ksm_rmap_items, 1);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_enter_tail_during_unmerge(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *a, *b, *c;
	unsigned long aa, ab, ac;

	(void)state;
	a = mergeable_mm(ksm, 2, &aa);
	b = mergeable_mm(ksm, 2, &ab);
	write_page(a, aa, 1);
	write_page(b, ab, 1);
	assert_int_equal(ksml_scan_pages(ksm, 2), 2);
	assert_ptr_equal(ksm->ksm_scan.mm_slot->mm, b);
	/* with run's UNMERGE bit set, enter appends at the very tail */
	ksm->ksm_run = KSML_RUN_UNMERGE;
	c = mergeable_mm(ksm, 2, &ac);
	ksm->ksm_run = KSML_RUN_MERGE;
	assert_ptr_equal(slot_at(ksm, 2)->mm, c);
	assert_ptr_equal(slot_at(ksm, 1)->mm, b);
	(void)a;
	ksml_destroy(ksm);
}

static void test_exit_easy_path(void **state)
{
	long base = ksml_plat_live_allocs();
	struct ksml *ksm = new_ksm();
	struct ksml_mm *a, *b;
	unsigned long aa, ab;

	(void)state;
	a = mergeable_mm(ksm, 2, &aa);
	b = mergeable_mm(ksm, 2, &ab);
	assert_non_null(ksml_mm_slot_lookup(ksm, a));
	/* no rmap_items, cursor on the sentinel: freed at once */
	ksml_mm_exit(a);
	assert_ptr_equal(slot_at(ksm, 0)->mm, b);
	assert_null(slot_at(ksm, 1));
	ksml_mm_exit(b);
	assert_true(ksml_list_empty(&ksm->ksm_mm_head.mm_node));
	assert_true(ksml_list_empty(&ksm->vm.mm_list)); /* both structs freed */
	ksml_destroy(ksm);
	assert_int_equal(ksml_plat_live_allocs(), base);
}

static void test_exit_hard_path(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *a, *b, *c;
	unsigned long aa, ab, ac, i;
	struct ksml_counters k;

	(void)state;
	a = mergeable_mm(ksm, 8, &aa);
	b = mergeable_mm(ksm, 8, &ab);
	c = mergeable_mm(ksm, 8, &ac);
	for (i = 0; i < 8; i++) {
		write_page(a, aa + i * PAGE, 7);
		write_page(b, ab + i * PAGE, 7);
		write_page(c, ac + i * PAGE, 7);
	}
	full_scans(ksm, 2);
	k = counters(ksm);
	assert_int_equal(k.pages_shared, 1);
	assert_int_equal(k.pages_sharing, 23);
	assert_int_equal(a->ksm_merging_pages, 8);

	/* park the cursor on b (one page of a, then stop in b) */
	assert_int_equal(ksml_scan_pages(ksm, 9), 9);
	assert_ptr_equal(ksm->ksm_scan.mm_slot->mm, b);
	ksml_mm_exit(c);
	/* c moved right after the cursor's slot (b): it was already there */
	assert_ptr_equal(slot_at(ksm, 2)->mm, c);
	ksml_mm_exit(b); /* cursor on b: hard path, slot stays */
	assert_ptr_equal(slot_at(ksm, 1)->mm, b);
	assert_non_null(ksml_mm_slot_lookup(ksm, b));
	/* counters are lazy: nothing changed yet */
	k = counters(ksm);
	assert_int_equal(k.pages_sharing, 23);
	assert_int_equal(k.rmap_items, 24);
	/* ksmd finds them exiting, frees their items and slots */
	full_scans(ksm, 2);
	assert_null(ksml_mm_slot_lookup(ksm, b));
	assert_null(ksml_mm_slot_lookup(ksm, c));
	k = counters(ksm);
	assert_int_equal(k.rmap_items, 8);
	assert_int_equal(k.pages_shared, 1);
	assert_int_equal(k.pages_sharing, 7);
	for (i = 0; i < 8; i++)
		check_page(a, aa + i * PAGE, 7);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_exit_hook_wakeup(void **state)
{
	struct ksml_config cfg = { 0 };
	struct ksml *ksm;
	struct ksml_mm *a;
	unsigned long aa;
	int i;

	(void)state;
	cfg.start_ksmd = true;
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	ksml_set_sleep_millisecs(ksm, 60000);
	ksml_set_run(ksm, KSML_RUN_MERGE);
	/* ksmd now sleeps untimed: the mm list is empty */
	usleep(20000);
	assert_int_equal(counters(ksm).pages_scanned, 0);
	assert_int_equal(ksml_mm_create(ksm, &a), 0);
	assert_int_equal(ksml_vm_mmap(a, 0, 4 * PAGE, KSML_MAP_PRIVATE, &aa), 0);
	write_page(a, aa, 1);
	/* the first registration must wake it */
	assert_int_equal(ksml_vm_madvise(a, aa, 4 * PAGE, KSML_MADV_MERGEABLE), 0);
	for (i = 0; i < 200 && !counters(ksm).pages_scanned; i++)
		usleep(10000);
	assert_int_equal(counters(ksm).pages_scanned, 1);
	ksml_destroy(ksm);
}

/* ---------------------------------------------------------------- timeline */

static void test_timeline_first_pass_only_checksums(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 100, &a);
	struct ksml_counters c;

	(void)state;
	for (i = 0; i < 100; i++)
		write_page(mm, a + i * PAGE, 42);
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.full_scans, 1);
	assert_int_equal(c.pages_volatile, 100);
	assert_int_equal(c.pages_shared + c.pages_sharing + c.pages_unshared, 0);
	assert_int_equal(c.rmap_items, 100);
	/* the second pass merges */
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 99);
	assert_int_equal(c.pages_volatile, 0);
	assert_int_equal(c.pages_scanned, 200);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_checksum_change_between_visits_not_merged(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 2, &a);
	struct ksml_counters c;
	int pass;

	(void)state;
	write_page(mm, a, 5);
	write_page(mm, a + PAGE, 6);
	full_scans(ksm, 1);
	/* now both become equal: but their checksums changed since the visit */
	write_page(mm, a + PAGE, 5);
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.pages_shared + c.pages_sharing, 0);
	assert_int_equal(c.pages_volatile, 1); /* the rewritten page */
	full_scans(ksm, 1);
	assert_int_equal(counters(ksm).pages_shared, 1);
	assert_int_equal(counters(ksm).pages_sharing, 1);

	/* a page rewritten before every pass stays volatile, never merged */
	write_page(mm, a + PAGE, 100);
	for (pass = 0; pass < 6; pass++) {
		write_page(mm, a, 1000 + (unsigned long)pass);
		full_scans(ksm, 1);
		c = counters(ksm);
		assert_int_equal(c.pages_shared + c.pages_sharing, 0);
		assert_true(c.pages_volatile >= 1);
	}
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/*
 * The checksum filter looks at contents, not at writes: a page rewritten
 * with what it held, or changed and changed back, between two visits is
 * unchanged for the kernel, and merges.  Model knowledge knows a page
 * was written without reading it (the frame's write count); it must then
 * read it again, not take the write for a change.  A page freed and
 * faulted in again is a new content too.
 */
static void test_rewrite_same_content_not_volatile(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 4, &a);
	struct ksml_counters c;

	(void)state;
	write_page(mm, a, 7);
	write_page(mm, a + PAGE, 7);
	write_page(mm, a + 2 * PAGE, 8);
	write_page(mm, a + 3 * PAGE, 9);
	full_scans(ksm, 1);
	write_page(mm, a + PAGE, 7);	  /* same content again */
	write_page(mm, a + 2 * PAGE, 1); /* changed, and back */
	write_page(mm, a + 2 * PAGE, 8);
	/* freed, faulted in again with what page 0 holds: a change */
	assert_int_equal(ksml_vm_madvise(mm, a + 3 * PAGE, PAGE, KSML_MADV_DONTNEED), 0);
	write_page(mm, a + 3 * PAGE, 7);
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 1);
	assert_int_equal(c.pages_unshared, 1); /* page 2: unchanged, unique */
	assert_int_equal(c.pages_volatile, 1); /* page 3 */
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 2);
	assert_int_equal(c.pages_volatile, 0);
	check_pages(mm, a, (const unsigned long[]){ 7, 7, 8, 7 }, 4);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* -------------------------------------------------------------- merging */

static void test_1000_identical_pages(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm;
	struct ksml_counters c;

	(void)state;
	assert_int_equal(ksml_set_max_page_sharing(ksm, 100000), 0);
	mm = mergeable_mm(ksm, 1000, &a);
	for (i = 0; i < 1000; i++)
		write_page(mm, a + i * PAGE, 9);
	full_scans(ksm, 2);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 999);
	assert_int_equal(c.pages_unshared, 0);
	assert_int_equal(c.stable_node_chains, 0);
	assert_int_equal(c.general_profit, 999 * 4096L - 1000 * 64L);
	/* one frame left for 1000 pages (plus the zero page) */
	assert_int_equal(ksml_vm_frames_in_use(ksm), 2);
	for (i = 0; i < 1000; i++)
		check_page(mm, a + i * PAGE, 9);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* ksm-spec §4.6: N identical pages, max_page_sharing M */
static void chain_case(int M, unsigned long N, unsigned long shared,
		       unsigned long sharing, unsigned long unshared,
		       unsigned long chains, unsigned long dups)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm;
	struct ksml_counters c;

	assert_int_equal(ksml_set_max_page_sharing(ksm, M), 0);
	mm = mergeable_mm(ksm, N, &a);
	for (i = 0; i < N; i++)
		write_page(mm, a + i * PAGE, 3);
	full_scans(ksm, 2);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, shared);
	assert_int_equal(c.pages_sharing, sharing);
	assert_int_equal(c.pages_unshared, unshared);
	assert_int_equal(c.stable_node_chains, chains);
	assert_int_equal(c.stable_node_dups, dups);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_chains_table(void **state)
{
	(void)state;
	chain_case(256, 2, 1, 1, 0, 0, 0);
	chain_case(256, 256, 1, 255, 0, 0, 0);
	chain_case(256, 257, 1, 255, 1, 0, 0);
	chain_case(256, 258, 2, 256, 0, 1, 2);
	chain_case(256, 513, 2, 510, 1, 1, 2);
	chain_case(256, 1000, 4, 996, 0, 1, 4);
	chain_case(2, 10, 5, 5, 0, 1, 5);
}

static void test_unique_pages_stay_unshared(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 300, &a);
	struct ksml_counters c;

	(void)state;
	for (i = 0; i < 300; i++)
		write_page(mm, a + i * PAGE, 1000 + i);
	full_scans(ksm, 2);
	c = counters(ksm);
	assert_int_equal(c.pages_shared + c.pages_sharing, 0);
	assert_int_equal(c.pages_unshared, 300);
	assert_int_equal(c.pages_volatile, 0);
	assert_int_equal(ksml_vm_frames_in_use(ksm), 301);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* the checker must report what: it can go red */
static void assert_broken(struct ksml *ksm, const char *what)
{
	char msg[256];

	assert_int_not_equal(ksml_check_invariants(ksm, msg, sizeof(msg)), 0);
	if (!strstr(msg, what))
		fail_msg("expected \"%s\", the checker said \"%s\"", what, msg);
}

/*
 * Eight unique pages, two passes, then the next pass up to its last page:
 * all eight are in the unstable tree of this pass.  Returns the mm's first
 * rmap_item; *slotp its slot.
 */
static struct ksm_rmap_item *unstable_pass(struct ksml *ksm,
					   struct ksml_mm **mmp)
{
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 8, &a);
	struct ksm_rmap_item *item;

	for (i = 0; i < 8; i++)
		write_page(mm, a + i * PAGE, 2000 + i);
	full_scans(ksm, 2);
	assert_int_equal(ksml_scan_pages(ksm, 8), 8);
	assert_int_equal(counters(ksm).pages_unshared, 8);
	assert_invariants(ksm);
	item = ksml_mm_slot_lookup(ksm, mm)->rmap_list;
	assert_non_null(item);
	assert_true(item->address & UNSTABLE_FLAG);
	*mmp = mm;
	return item;
}

static void test_check_unstable_tree(void **state)
{
	struct ksml *ksm;
	struct ksml_mm *mm;
	struct ksm_rmap_item *item, *first, *last, *it;
	unsigned char save[PAGE];
	unsigned char *p, *q;
	unsigned long addr;

	(void)state;
	/* an item of this pass erased from the tree, still flagged */
	ksm = new_ksm();
	item = unstable_pass(ksm, &mm);
	ksm->index->unstable_erase(ksm, item);
	assert_broken(ksm, "UNSTABLE item of pass is filed");
	/* what remove_rmap_item_from_tree would have done besides the erase */
	item->address &= KSML_PAGE_MASK;
	ksm->ksm_pages_unshared--;
	assert_invariants(ksm);
	ksml_destroy(ksm);

	/* an item in the tree that is not flagged UNSTABLE */
	ksm = new_ksm();
	item = unstable_pass(ksm, &mm);
	item->address &= ~UNSTABLE_FLAG;
	assert_broken(ksm, "unstable tree item has UNSTABLE_FLAG");
	item->address |= UNSTABLE_FLAG;
	assert_invariants(ksm);
	/* one of an older pass (the root reset should have dropped it) */
	addr = item->address;
	item->address = (addr & ~SEQNR_MASK) | ((addr - 1) & SEQNR_MASK);
	assert_broken(ksm, "unstable tree item is of this pass");
	item->address = addr;
	assert_invariants(ksm);

	/* content order: the first page takes the last one's content */
	first = ksm->index->unstable_first(ksm, 0);
	for (last = it = first; it; it = ksm->index->unstable_next(ksm, it))
		last = it;
	assert_ptr_not_equal(first, last);
	p = ksml_plat_page_map(
		ksml_pte_lookup(first->mm, first->address & KSML_PAGE_MASK)
			->frame->page);
	q = ksml_plat_page_map(
		ksml_pte_lookup(last->mm, last->address & KSML_PAGE_MASK)
			->frame->page);
	memcpy(save, p, PAGE);
	memcpy(p, q, PAGE);
	/* maps are undone in reverse order, and none held into the core */
	ksml_plat_page_unmap(q);
	ksml_plat_page_unmap(p);
	assert_broken(ksm, "unstable tree in content order");
	p = ksml_plat_page_map(
		ksml_pte_lookup(first->mm, first->address & KSML_PAGE_MASK)
			->frame->page);
	memcpy(p, save, PAGE);
	ksml_plat_page_unmap(p);
	assert_invariants(ksm);
	/* after a write through the mm the order is no longer promised */
	write_page(mm, first->address & KSML_PAGE_MASK, 2007);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* stable items hanging from the wrong node: each PTE maps the other's page */
static void test_check_stable_item_ptes(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 4, &a);
	struct ksm_rmap_item *x, *y;
	struct ksm_stable_node *nx, *ny;

	(void)state;
	for (i = 0; i < 4; i++)
		write_page(mm, a + i * PAGE, 3000 + i / 2);
	full_scans(ksm, 3);
	assert_int_equal(counters(ksm).pages_shared, 2);
	assert_invariants(ksm);
	x = ksml_mm_slot_lookup(ksm, mm)->rmap_list;
	y = x->rmap_list->rmap_list;
	assert_true((x->address & STABLE_FLAG) && (y->address & STABLE_FLAG));
	nx = x->head;
	ny = y->head;
	assert_ptr_not_equal(nx, ny);
	ksml_hlist_del(&x->hlist);
	ksml_hlist_del(&y->hlist);
	ksml_hlist_add_head(&x->hlist, &ny->hlist);
	ksml_hlist_add_head(&y->hlist, &nx->hlist);
	x->head = ny;
	y->head = nx;
	assert_broken(ksm, "stable item's PTE maps its stable node's KSM page");
	ksml_hlist_del(&x->hlist);
	ksml_hlist_del(&y->hlist);
	ksml_hlist_add_head(&x->hlist, &nx->hlist);
	ksml_hlist_add_head(&y->hlist, &ny->hlist);
	x->head = nx;
	y->head = ny;
	assert_invariants(ksm);
	/* a write leaves its item behind until ksmd visits: not a failure */
	write_page(mm, a, 3005);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_pinned_page_never_merged(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 3, &a);
	struct ksml_page_info pi;

	(void)state;
	write_page(mm, a, 4);
	write_page(mm, a + PAGE, 4);
	write_page(mm, a + 2 * PAGE, 4);
	assert_int_equal(ksml_vm_pin(mm, a + PAGE), 0);
	full_scans(ksm, 4);
	ksml_vm_page_info(mm, a + PAGE, &pi);
	assert_false(pi.ksm);
	assert_true(pi.writable);
	assert_int_equal(counters(ksm).pages_shared, 1);
	assert_int_equal(counters(ksm).pages_sharing, 1);
	/* unpinned, it merges on the next passes */
	assert_int_equal(ksml_vm_unpin(mm, a + PAGE), 0);
	assert_int_equal(ksml_vm_unpin(mm, a + PAGE), -KSML_EINVAL);
	ksml_set_smart_scan(ksm, false);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_sharing, 2);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/*
 * harness/tests/found/found-pinfork: a failed two-page merge leaves a KSM
 * page without a stable node; the kernel can never write-protect it again
 * (no anon_vma to find its address), so it never merges: 0/0/4 as Linux.
 */
static void test_nodeless_ksm_page_never_merges(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *s0 = mergeable_mm(ksm, 4, &a), *s1, *s2;
	struct ksml_counters c;

	(void)state;
	for (i = 0; i < 4; i++)
		write_page(s0, a + i * PAGE, 40 + i);
	full_scans(ksm, 1);
	assert_int_equal(ksml_mm_fork(s0, &s1), 0);
	assert_int_equal(ksml_mm_fork(s1, &s2), 0);
	full_scans(ksm, 2);
	assert_int_equal(ksml_vm_pin(s1, a), 0);
	full_scans(ksm, 12);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 0);
	assert_int_equal(c.pages_sharing, 0);
	for (i = 0; i < 4; i++) {
		check_page(s0, a + i * PAGE, 40 + i);
		check_page(s1, a + i * PAGE, 40 + i);
		check_page(s2, a + i * PAGE, 40 + i);
	}
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_cow_after_merge(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 3, &a);
	struct ksml_page_info p0, p1;
	unsigned char buf[PAGE], want[PAGE];

	(void)state;
	write_page(mm, a, 8);
	write_page(mm, a + PAGE, 8);
	write_page(mm, a + 2 * PAGE, 8);
	full_scans(ksm, 2);
	ksml_vm_page_info(mm, a, &p0);
	ksml_vm_page_info(mm, a + PAGE, &p1);
	assert_true(p0.ksm);
	assert_int_equal(p0.pfn, p1.pfn);
	assert_int_equal(p0.mapcount, 3);
	{
		struct ksml_mm_stat st;

		/* smaps: 3 pages of a KSM folio mapped, 12 kB */
		assert_int_equal(ksml_mm_get_stat(mm, &st), 0);
		assert_int_equal(st.ksm_kb, 12);
	}
	assert_int_equal(counters(ksm).cow_ksm, 0);
	/* one byte written: the writer gets a private copy */
	assert_int_equal(ksml_vm_write(mm, a + PAGE + 10, "X", 1), 0);
	/* a copy of a KSM page, as do_wp_page counts it; the next write to
	 * the now private page is none */
	assert_int_equal(counters(ksm).cow_ksm, 1);
	assert_int_equal(ksml_vm_write(mm, a + PAGE + 11, "Y", 1), 0);
	assert_int_equal(counters(ksm).cow_ksm, 1);
	ksml_vm_page_info(mm, a + PAGE, &p1);
	assert_false(p1.ksm);
	assert_int_not_equal(p0.pfn, p1.pfn);
	fill(want, 8);
	want[10] = 'X';
	want[11] = 'Y';
	assert_int_equal(ksml_vm_read(mm, a + PAGE, buf, PAGE), 0);
	assert_memory_equal(buf, want, PAGE);
	check_page(mm, a, 8);
	check_page(mm, a + 2 * PAGE, 8);
	ksml_vm_page_info(mm, a, &p0);
	assert_int_equal(p0.mapcount, 2);
	/* counters only follow when ksmd revisits */
	assert_int_equal(counters(ksm).pages_sharing, 2);
	full_scans(ksm, 1);
	assert_int_equal(counters(ksm).pages_sharing, 1);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_fork_of_merged_mm(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 10, &a), *child;
	struct ksml_mm_stat st;
	struct ksml_counters c;

	(void)state;
	for (i = 0; i < 10; i++)
		write_page(mm, a + i * PAGE, 11);
	full_scans(ksm, 2);
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	/* the child is registered, its counters start at 0 (6.18 fork fix) */
	assert_non_null(ksml_mm_slot_lookup(ksm, child));
	ksml_mm_get_stat(child, &st);
	assert_int_equal(st.ksm_merging_pages, 0);
	assert_int_equal(st.ksm_rmap_items, 0);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 9);
	/* the child's pages join the KSM page when ksmd visits them */
	full_scans(ksm, 2);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 1);
	assert_int_equal(c.pages_sharing, 19);
	ksml_mm_get_stat(child, &st);
	assert_int_equal(st.ksm_merging_pages, 10);
	/* a write in the child leaves the parent's page alone */
	write_page(child, a + 3 * PAGE, 99);
	check_page(child, a + 3 * PAGE, 99);
	check_page(mm, a + 3 * PAGE, 11);
	ksml_mm_exit(mm);
	for (i = 0; i < 10; i++)
		if (i != 3)
			check_page(child, a + i * PAGE, 11);
	full_scans(ksm, 2);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/*
 * cfg.fork_inherits_ksm_counters: the fork of kernels before 6.18 (and
 * Debian's 6.1, measured in the qemu guest): the child starts with the
 * parent's per-mm counts, which then drift, and the global
 * ksm_zero_pages is not raised for the child's KSM zero PTEs.
 */
static void test_fork_inherits_ksm_counters(void **state)
{
	struct ksml_config cfg = { 0 };
	struct ksml *ksm = NULL;
	struct ksml_mm *mm, *child;
	struct ksml_mm_stat st;
	unsigned long a, z, i;

	(void)state;
	test_config(&cfg);
	cfg.fork_inherits_ksm_counters = true;
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	assert_int_equal(ksml_set_pages_to_scan(ksm, 100000), 0);
	assert_int_equal(ksml_set_use_zero_pages(ksm, true), 0);
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_MERGE), 0);
	mm = mergeable_mm(ksm, 10, &a);
	assert_int_equal(ksml_vm_mmap(mm, 0, 4 * PAGE, KSML_MAP_PRIVATE, &z), 0);
	assert_int_equal(ksml_vm_madvise(mm, z, 4 * PAGE, KSML_MADV_MERGEABLE),
			 0);
	for (i = 0; i < 10; i++)
		write_page(mm, a + i * PAGE, 11);
	for (i = 0; i < 4; i++) {
		unsigned char buf[PAGE] = { 0 };

		buf[0] = 1; /* touched, then zero again */
		assert_int_equal(ksml_vm_write(mm, z + i * PAGE, buf, PAGE), 0);
		buf[0] = 0;
		assert_int_equal(ksml_vm_write(mm, z + i * PAGE, buf, PAGE), 0);
	}
	full_scans(ksm, 2);
	assert_int_equal(ksml_atomic_read(&ksm->ksm_zero_pages), 4);
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	/* the byte copy: 10 merging pages, 14 rmap_items, 4 zero pages */
	ksml_mm_get_stat(child, &st);
	assert_int_equal(st.ksm_merging_pages, 10);
	assert_int_equal(st.ksm_rmap_items, 14);
	assert_int_equal(st.ksm_zero_pages, 4);
	/* not raised for the child's zero PTEs (6.18 gives 8) */
	assert_int_equal(ksml_atomic_read(&ksm->ksm_zero_pages), 4);
	/* ksmd's visit adds the child's own items on top: the drift */
	full_scans(ksm, 2);
	ksml_mm_get_stat(child, &st);
	assert_int_equal(st.ksm_merging_pages, 20);
	assert_int_equal(st.ksm_rmap_items, 24);
	assert_int_equal(counters(ksm).pages_sharing, 19);
	for (i = 0; i < 10; i++)
		check_page(child, a + i * PAGE, 11);
	/* the invariants that still hold (per-mm counts are not checked) */
	assert_invariants(ksm);
	ksml_mm_exit(child);
	ksml_mm_exit(mm);
	ksml_destroy(ksm);
}

static void test_unmerge_restores_private_pages(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 50, &a);
	struct ksml_counters c;
	struct ksml_page_info pi;

	(void)state;
	for (i = 0; i < 50; i++)
		write_page(mm, a + i * PAGE, i % 5);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_shared, 5);
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_UNMERGE), 0);
	c = counters(ksm);
	assert_int_equal(c.pages_shared, 0);
	assert_int_equal(c.pages_sharing, 0);
	assert_int_equal(c.rmap_items, 0);
	assert_int_equal(c.full_scans, 0);
	assert_int_equal(c.run, 2);
	for (i = 0; i < 50; i++) {
		ksml_vm_page_info(mm, a + i * PAGE, &pi);
		assert_false(pi.ksm);
		assert_int_equal(pi.mapcount, 1);
		check_page(mm, a + i * PAGE, i % 5);
	}
	/* registration kept: run=1 merges again */
	assert_non_null(ksml_mm_slot_lookup(ksm, mm));
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_MERGE), 0);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_shared, 5);
	assert_int_equal(counters(ksm).pages_sharing, 45);
	/* MADV_UNMERGEABLE unshares at once; counters follow at the next visit */
	assert_int_equal(ksml_vm_madvise(mm, a, 50 * PAGE, KSML_MADV_UNMERGEABLE), 0);
	ksml_vm_page_info(mm, a, &pi);
	assert_false(pi.ksm);
	assert_int_equal(counters(ksm).pages_sharing, 45);
	full_scans(ksm, 1);
	c = counters(ksm);
	assert_int_equal(c.pages_shared + c.pages_sharing + c.rmap_items, 0);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_zero_pages(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i;
	struct ksml_mm *mm = mergeable_mm(ksm, 64, &a);
	unsigned char zero[PAGE];
	struct ksml_counters c;
	struct ksml_mm_stat st;

	(void)state;
	memset(zero, 0, sizeof(zero));
	assert_int_equal(ksml_knob_write(ksm, "use_zero_pages", "1\n", 2), 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(ksml_vm_write(mm, a + i * PAGE, zero, PAGE), 0);
	full_scans(ksm, 3);
	c = counters(ksm);
	assert_int_equal(c.ksm_zero_pages, 64);
	assert_int_equal(c.pages_shared + c.pages_sharing + c.rmap_items, 0);
	assert_int_equal(c.general_profit, 64 * 4096);
	ksml_mm_get_stat(mm, &st);
	assert_int_equal(st.ksm_zero_pages, 64);
	assert_int_equal(st.ksm_process_profit, 64 * 4096);
	/* unmerge half: the counter drops at once; writes drop the rest */
	assert_int_equal(ksml_vm_madvise(mm, a, 32 * PAGE, KSML_MADV_UNMERGEABLE), 0);
	assert_int_equal(counters(ksm).ksm_zero_pages, 32);
	for (i = 32; i < 64; i++)
		write_page(mm, a + i * PAGE, i);
	assert_int_equal(counters(ksm).ksm_zero_pages, 0);
	for (i = 0; i < 32; i++)
		assert_int_equal(ksml_vm_read(mm, a + i * PAGE, zero, PAGE), 0);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* --------------------------------------------------------------- madvise */

static void test_madvise_refusals_and_bionic(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm;
	struct ksml_config cfg = { 0 };
	struct ksml *noksm;
	unsigned long a, b;
	static const unsigned int refused[] = {
		KSML_MAP_SHARED, KSML_MAP_PRIVATE | KSML_MAP_PFNMAP,
		KSML_MAP_PRIVATE | KSML_MAP_IO, KSML_MAP_PRIVATE | KSML_MAP_DONTEXPAND,
		KSML_MAP_PRIVATE | KSML_MAP_HUGETLB, KSML_MAP_PRIVATE | KSML_MAP_MIXEDMAP,
		KSML_MAP_PRIVATE | KSML_MAP_DROPPABLE,
	};
	size_t i;

	(void)state;
	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct ksml_vma *vma;

		assert_int_equal(ksml_vm_mmap(mm, 0, 2 * PAGE, refused[i], &a), 0);
		/* refused silently: madvise returns 0, the VMA is not mergeable */
		assert_int_equal(ksml_vm_madvise(mm, a, 2 * PAGE, KSML_MADV_MERGEABLE), 0);
		vma = ksml_find_vma(mm, a);
		assert_false(vma->vm_flags & KSML_VM_MERGEABLE);
	}
	assert_false(mm->flags & KSML_MMF_VM_MERGEABLE);
	/* bad arguments */
	assert_int_equal(ksml_vm_madvise(mm, 1, PAGE, KSML_MADV_MERGEABLE), -KSML_EINVAL);
	assert_int_equal(ksml_vm_madvise(mm, a, PAGE, 99), -KSML_EINVAL);
	assert_int_equal(ksml_vm_madvise(mm, 0x1000, PAGE, KSML_MADV_MERGEABLE),
			 -KSML_ENOMEM);
	assert_int_equal(ksml_vm_mmap(mm, 0, PAGE, 0, &a), -KSML_EINVAL);
	/* MAP_FIXED_NOREPLACE: exactly there, or EEXIST over a mapping */
	assert_int_equal(ksml_vm_mmap(mm, 0x7000000000UL, 2 * PAGE,
				      KSML_MAP_PRIVATE | KSML_MAP_FIXED_NOREPLACE, &b), 0);
	assert_int_equal(b, 0x7000000000UL);
	assert_int_equal(ksml_vm_mmap(mm, 0x7000000000UL + PAGE, PAGE,
				      KSML_MAP_PRIVATE | KSML_MAP_FIXED_NOREPLACE, &b),
			 -KSML_EEXIST);

	/* bionic: either MAP_PRIVATE or MAP_ANONYMOUS triggers the madvise */
	assert_int_equal(ksml_vm_mmap(mm, 0, 2 * PAGE,
				      KSML_MAP_PRIVATE | KSML_MAP_BIONIC, &b), 0);
	assert_true(ksml_find_vma(mm, b)->vm_flags & KSML_VM_MERGEABLE);
	assert_true(mm->flags & KSML_MMF_VM_MERGEABLE);
	assert_int_equal(ksml_vm_mmap(mm, 0, 2 * PAGE,
				      KSML_MAP_SHARED | KSML_MAP_ANONYMOUS |
					      KSML_MAP_BIONIC, &b), 0);
	assert_false(ksml_find_vma(mm, b)->vm_flags & KSML_VM_MERGEABLE);
	ksml_destroy(ksm);

	/* a kernel without CONFIG_KSM: EINVAL clears bionic's cache for good */
	cfg.no_config_ksm = true;
	assert_int_equal(ksml_init(&noksm, &cfg), 0);
	assert_int_equal(ksml_mm_create(noksm, &mm), 0);
	assert_true(mm->bionic_madv_mergeable);
	assert_int_equal(ksml_vm_mmap(mm, 0, PAGE, KSML_MAP_PRIVATE | KSML_MAP_BIONIC, &a), 0);
	assert_false(mm->bionic_madv_mergeable);
	assert_int_equal(ksml_vm_madvise(mm, a, PAGE, KSML_MADV_MERGEABLE), -KSML_EINVAL);
	assert_int_equal(ksml_vm_prctl_set_memory_merge(mm, 1), -KSML_EINVAL);
	ksml_destroy(noksm);
}

static void test_prctl_merge_any(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm, *child;
	unsigned long a, b, i;

	(void)state;
	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	assert_int_equal(ksml_vm_mmap(mm, 0, 4 * PAGE, KSML_MAP_PRIVATE, &a), 0);
	assert_int_equal(ksml_vm_prctl_get_memory_merge(mm), 0);
	assert_int_equal(ksml_vm_prctl_set_memory_merge(mm, 1), 0);
	assert_int_equal(ksml_vm_prctl_get_memory_merge(mm), 1);
	/* existing and future VMAs */
	assert_true(ksml_find_vma(mm, a)->vm_flags & KSML_VM_MERGEABLE);
	assert_int_equal(ksml_vm_mmap(mm, 0, 4 * PAGE, KSML_MAP_PRIVATE, &b), 0);
	assert_true(ksml_find_vma(mm, b)->vm_flags & KSML_VM_MERGEABLE);
	for (i = 0; i < 4; i++) {
		write_page(mm, a + i * PAGE, 1);
		write_page(mm, b + i * PAGE, 1);
	}
	assert_int_equal(ksml_mm_fork(mm, &child), 0);
	assert_int_equal(ksml_vm_prctl_get_memory_merge(child), 1);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_sharing, 15);
	/* disabling unmerges the process's pages */
	assert_int_equal(ksml_vm_prctl_set_memory_merge(mm, 0), 0);
	assert_false(ksml_find_vma(mm, a)->vm_flags & KSML_VM_MERGEABLE);
	for (i = 0; i < 4; i++) {
		struct ksml_page_info pi;

		ksml_vm_page_info(mm, a + i * PAGE, &pi);
		assert_false(pi.ksm);
		check_page(mm, a + i * PAGE, 1);
	}
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/*
 * Linux 6.18: ksmd dropping the slot of a merge-any mm with no mergeable
 * VMA keeps MMF_VM_MERGE_ANY; the next mapping re-enters and merges.
 */
static void test_merge_any_survives_slot_drop(void **state)
{
	struct ksml *ksm = new_ksm();
	struct ksml_mm *mm;
	unsigned long a, i;

	(void)state;
	assert_int_equal(ksml_mm_create(ksm, &mm), 0);
	assert_int_equal(ksml_vm_prctl_set_memory_merge(mm, 1), 0);
	assert_non_null(ksml_mm_slot_lookup(ksm, mm));
	full_scans(ksm, 1); /* no VMA at all: the slot goes */
	assert_null(ksml_mm_slot_lookup(ksm, mm));
	assert_false(mm->flags & KSML_MMF_VM_MERGEABLE);
	assert_int_equal(ksml_vm_prctl_get_memory_merge(mm), 1);
	assert_int_equal(ksml_vm_mmap(mm, 0, 4 * PAGE, KSML_MAP_PRIVATE, &a), 0);
	assert_non_null(ksml_mm_slot_lookup(ksm, mm));
	for (i = 0; i < 4; i++)
		write_page(mm, a + i * PAGE, 3);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_sharing, 3);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

static void test_mremap_unmerges_source(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a, i, n = 0x40000000UL;
	struct ksml_mm *mm = mergeable_mm(ksm, 8, &a);

	(void)state;
	for (i = 0; i < 8; i++)
		write_page(mm, a + i * PAGE, 2);
	full_scans(ksm, 2);
	assert_int_equal(counters(ksm).pages_sharing, 7);
	assert_int_equal(ksml_vm_mremap(mm, a, 8 * PAGE, 8 * PAGE, n), 0);
	for (i = 0; i < 8; i++)
		check_page(mm, n + i * PAGE, 2);
	assert_int_equal(ksml_vm_read(mm, a, (char[8]){ 0 }, 8), -KSML_EFAULT);
	full_scans(ksm, 3);
	assert_int_equal(counters(ksm).pages_shared, 1);
	assert_int_equal(counters(ksm).pages_sharing, 7);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/* ------------------------------------------------------------------ knobs */

static void test_knobs_validation(void **state)
{
	struct ksml *ksm = new_ksm();
	char buf[64];
	int i;

	(void)state;
	assert_int_equal(ksml_set_run(ksm, 3), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "run", "3", 1), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "run", "-1", 2), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "run", "0x1", 3), -KSML_EINVAL);
	/* an empty write(2) to sysfs succeeds and changes nothing */
	assert_int_equal(ksml_knob_write(ksm, "run", "", 0), 0);
	assert_int_equal(ksml_knob_write(ksm, "run", "\n", 1), -KSML_EINVAL);
	/* an overflow is -EINVAL for most knobs (measured on 6.18 and 6.1) */
	assert_int_equal(ksml_knob_write(ksm, "run", "99999999999", 11), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "run", " 1", 2), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "run", "1\n\n", 3), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "max_page_sharing", "99999999999", 11),
			 -KSML_ERANGE);
	assert_int_equal(ksml_knob_write(ksm, "merge_across_nodes",
					 "99999999999999999999", 20), -KSML_ERANGE);
	assert_int_equal(ksml_knob_write(ksm, "run", "0\n", 2), 0);
	assert_int_equal(counters(ksm).run, 0);
	assert_int_equal(ksml_knob_write(ksm, "pages_to_scan", "0", 1), 0);
	assert_int_equal(ksml_knob_write(ksm, "pages_to_scan", "4294967295", 10), 0);
	assert_int_equal(ksml_knob_write(ksm, "pages_to_scan", "4294967296", 10),
			 -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "sleep_millisecs", "+7", 2), 0);
	assert_int_equal(ksml_knob_read(ksm, "sleep_millisecs", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "7\n");
	assert_int_equal(ksml_knob_write(ksm, "max_page_sharing", "1", 1), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "max_page_sharing", "-5", 2), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "merge_across_nodes", "2", 1), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "use_zero_pages", "maybe", 5), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "smart_scan", "off", 3), 0);
	assert_int_equal(ksml_knob_write(ksm, "advisor_mode", "scan-time\n", 10), 0);
	assert_int_equal(ksml_knob_write(ksm, "pages_to_scan", "5", 1), -KSML_EINVAL);
	assert_int_equal(counters(ksm).pages_to_scan, 500);
	assert_int_equal(ksml_knob_read(ksm, "advisor_mode", buf, sizeof(buf)), 17);
	assert_string_equal(buf, "none [scan-time]\n");
	assert_int_equal(ksml_knob_write(ksm, "advisor_mode", "nonsense", 8), -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "advisor_mode", "none", 4), 0);
	assert_int_equal(counters(ksm).pages_to_scan, 100);
	assert_int_equal(ksml_knob_write(ksm, "advisor_target_scan_time", "0", 1),
			 -KSML_EINVAL);
	assert_int_equal(ksml_knob_write(ksm, "pages_shared", "1", 1), -KSML_EACCES);
	assert_int_equal(ksml_knob_write(ksm, "nosuch", "1", 1), -KSML_ENOENT);
	assert_int_equal(ksml_knob_count(), 24);
	for (i = 0; i < ksml_knob_count(); i++)
		assert_true(ksml_knob_read(ksm, ksml_knob_at(i)->name, buf,
					   sizeof(buf)) > 1);
	ksml_destroy(ksm);
}

static void test_knobs_busy_while_ksm_pages(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 2, &a);

	(void)state;
	write_page(mm, a, 1);
	write_page(mm, a + PAGE, 1);
	full_scans(ksm, 2);
	assert_int_equal(ksml_set_max_page_sharing(ksm, 256), 0); /* same value */
	assert_int_equal(ksml_set_max_page_sharing(ksm, 10), -KSML_EBUSY);
	assert_int_equal(ksml_set_merge_across_nodes(ksm, 0), -KSML_EBUSY);
	assert_int_equal(ksml_set_run(ksm, KSML_RUN_UNMERGE), 0);
	assert_int_equal(ksml_set_max_page_sharing(ksm, 10), 0);
	assert_int_equal(ksml_set_merge_across_nodes(ksm, 0), 0);
	ksml_destroy(ksm);
}

/* ------------------------------------------------------- nothing is lost */

#define NR_MM 6
#define NR_PAGES 48

struct shadow_mm {
	struct ksml_mm *mm;
	unsigned long base;
	unsigned long seed[NR_PAGES]; /* 0 = never written */
	bool pinned[NR_PAGES];
};

/* every page reads back its last write; a pinned page is private, never KSM */
static void check_shadow(struct shadow_mm *s)
{
	unsigned long p;

	check_pages(s->mm, s->base, s->seed, NR_PAGES);
	for (p = 0; p < NR_PAGES; p++) {
		struct ksml_page_info info;

		if (!s->pinned[p])
			continue;
		assert_int_equal(ksml_vm_page_info(s->mm, s->base + p * PAGE, &info), 0);
		assert_true(info.present);
		assert_false(info.ksm);
		assert_false(info.zero);
		assert_int_equal(info.mapcount, 1);
	}
}

/*
 * The knob table's kernel defaults (what the backends restore and the
 * tests compare with) are what a fresh instance shows: the table and
 * ksml_init cannot drift apart.
 */
static void test_knob_defaults(void **state)
{
	struct ksml_config cfg = { 0 };
	struct ksml *ksm = NULL;
	int i, n = 0;

	(void)state;
	test_config(&cfg);
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	for (i = 0; i < ksml_knob_count(); i++) {
		const struct ksml_knob_info *k = ksml_knob_at(i);
		char buf[64], want[64];

		assert_non_null(k);
		if (!k->writable) {
			assert_null(k->kernel_default);
			continue;
		}
		assert_non_null(k->kernel_default);
		assert_true(ksml_knob_read(ksm, k->name, buf, sizeof(buf)) > 0);
		/* advisor_mode shows its choices, the current one bracketed */
		if (!strcmp(k->name, "advisor_mode"))
			snprintf(want, sizeof(want), "[%s] scan-time\n",
				 k->kernel_default);
		else
			snprintf(want, sizeof(want), "%s\n", k->kernel_default);
		if (strcmp(buf, want))
			print_error("%s: a fresh instance shows '%s', the table "
				    "says '%s'\n",
				    k->name, buf, k->kernel_default);
		assert_string_equal(buf, want);
		n++;
	}
	assert_int_equal(n, 13);
	ksml_destroy(ksm);
}

static void test_random_nothing_lost(void **state)
{
	struct ksml *ksm = new_ksm();
	struct shadow_mm mms[NR_MM];
	unsigned int seed = 12345;
	int op, i, live = 0;
	unsigned long most_sharing = 0, pinned_checks = 0;
	/* what happened, so the test can say it did what it is for */
	unsigned long merges = 0, cow_breaks = 0, forks = 0, pins = 0;
	unsigned long last_sharing = 0;

	(void)state;
	memset(mms, 0, sizeof(mms));
	ksml_set_pages_to_scan(ksm, 37);
	for (op = 0; op < 6000; op++) {
		int k = rand_r(&seed) % NR_MM;
		struct shadow_mm *s = &mms[k];
		unsigned long p = (unsigned long)(rand_r(&seed) % NR_PAGES);
		int what = rand_r(&seed) % 100;

		if (!s->mm) {
			s->mm = mergeable_mm(ksm, NR_PAGES, &s->base);
			memset(s->seed, 0, sizeof(s->seed));
			memset(s->pinned, 0, sizeof(s->pinned));
			live++;
			continue;
		}
		if (what < 40) {
			/* few distinct contents, so merges happen */
			struct ksml_page_info info;

			s->seed[p] = 1 + (unsigned long)(rand_r(&seed) % 6);
			/* a write to a KSM page is a COW break */
			if (!ksml_vm_page_info(s->mm, s->base + p * PAGE, &info) &&
			    info.present && info.ksm)
				cow_breaks++;
			write_page(s->mm, s->base + p * PAGE, s->seed[p]);
		} else if (what < 70) {
			ksml_scan_pages(ksm, (unsigned long)(rand_r(&seed) % 200));
		} else if (what < 75) {
			int c;

			for (c = 0; c < NR_MM && mms[c].mm; c++)
				;
			if (c < NR_MM) {
				assert_int_equal(ksml_mm_fork(s->mm, &mms[c].mm), 0);
				forks++;
				mms[c].base = s->base;
				memcpy(mms[c].seed, s->seed, sizeof(s->seed));
				memset(mms[c].pinned, 0, sizeof(mms[c].pinned));
			}
		} else if (what < 78) {
			check_shadow(s);
			ksml_mm_exit(s->mm);
			s->mm = NULL;
		} else if (what < 83) {
			assert_int_equal(ksml_vm_madvise(s->mm, s->base + p * PAGE,
							 4 * PAGE,
							 what & 1 ? KSML_MADV_UNMERGEABLE
								  : KSML_MADV_MERGEABLE),
					 p + 4 > NR_PAGES ? -KSML_ENOMEM : 0);
		} else if (what < 86) {
			if (!s->pinned[p] && s->seed[p]) {
				assert_int_equal(ksml_vm_pin(s->mm, s->base + p * PAGE), 0);
				s->pinned[p] = true;
				pins++;
			} else if (s->pinned[p]) {
				assert_int_equal(ksml_vm_unpin(s->mm, s->base + p * PAGE), 0);
				s->pinned[p] = false;
			}
		} else if (what < 88) {
			ksml_set_run(ksm, KSML_RUN_UNMERGE);
			ksml_set_run(ksm, KSML_RUN_MERGE);
		} else if (what < 90) {
			ksml_set_smart_scan(ksm, what & 1);
		} else if (what < 92) {
			ksml_set_use_zero_pages(ksm, what & 1);
			s->seed[p] = 0;
			{
				unsigned char zero[PAGE];

				memset(zero, 0, sizeof(zero));
				assert_int_equal(ksml_vm_write(s->mm, s->base + p * PAGE,
							       zero, PAGE), 0);
			}
		} else {
			check_shadow(s);
		}
		if (op % 500 == 0)
			assert_invariants(ksm);
		if (counters(ksm).pages_sharing > most_sharing)
			most_sharing = counters(ksm).pages_sharing;
		/* pages_sharing rising is merges (a lower bound on them) */
		if (counters(ksm).pages_sharing > last_sharing)
			merges += counters(ksm).pages_sharing - last_sharing;
		last_sharing = counters(ksm).pages_sharing;
		for (i = 0; i < NR_PAGES; i++)
			pinned_checks += s->mm && s->pinned[i];
	}
	for (i = 0; i < NR_MM; i++)
		if (mms[i].mm)
			check_shadow(&mms[i]);
	assert_invariants(ksm);
	assert_int_equal(ksml_warn_count(), 0);
	/*
	 * the run did what it is for: pages merged, merged pages were broken
	 * by writes, spaces forked, pages were pinned and checked private
	 */
	print_message("random: %lu merges, %lu COW breaks, %lu forks, %lu pins, "
		      "%lu pinned-page checks, most pages_sharing %lu\n",
		      merges, cow_breaks, forks, pins, pinned_checks,
		      most_sharing);
	assert_true(merges > 0);
	assert_true(cow_breaks > 0);
	assert_true(forks > 0);
	assert_true(pins > 0);
	assert_true(most_sharing > 0);
	assert_true(pinned_checks > 0);
	(void)live;
	ksml_destroy(ksm);
}

static void test_memory_offline_hook(void **state)
{
	struct ksml *ksm = new_ksm();
	unsigned long a;
	struct ksml_mm *mm = mergeable_mm(ksm, 4, &a);
	struct ksml_page_info pi;

	(void)state;
	write_page(mm, a, 1);
	write_page(mm, a + PAGE, 1);
	full_scans(ksm, 2);
	ksml_vm_page_info(mm, a, &pi);
	assert_true(pi.ksm);
	assert_int_equal(ksml_memory_notify(ksm, KSML_MEM_OFFLINE, pi.pfn, 1),
			 -KSML_EINVAL); /* not going offline */
	assert_int_equal(ksml_memory_notify(ksm, KSML_MEM_GOING_OFFLINE, pi.pfn, 1), 0);
	assert_int_equal(counters(ksm).run, 5);
	assert_int_equal(ksml_memory_notify(ksm, KSML_MEM_OFFLINE, pi.pfn, 1), 0);
	assert_int_equal(counters(ksm).run, 1);
	assert_int_equal(counters(ksm).pages_shared, 0);
	assert_int_equal(counters(ksm).pages_sharing, 0);
	check_page(mm, a, 1);
	check_page(mm, a + PAGE, 1);
	assert_invariants(ksm);
	ksml_destroy(ksm);
}

/*
 * The page-map guard of platform/user (kmap_local's rules): run fn in a
 * child, which must abort with want on stderr.
 */
static void expect_map_abort(void (*fn)(void), const char *want)
{
	int pfd[2], status;
	char buf[4096];
	ssize_t n, len = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = 0;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
	    !strstr(buf, want))
		fail_msg("expected an abort with \"%s\"; status %d, stderr: %s",
			 want, status, buf);
}

static char map_pages[3][PAGE] __attribute__((aligned(4096)));

static void map_out_of_order(void)
{
	void *a = ksml_plat_page_map(map_pages[0]);
	void *b = ksml_plat_page_map(map_pages[1]);

	ksml_plat_page_unmap(a); /* b is the last map: it goes first */
	ksml_plat_page_unmap(b);
}

static void map_left_mapped(void)
{
	/* the shape of the old ksml_frame zeroing: a map never unmapped */
	memset(ksml_plat_page_map(map_pages[0]), 0, PAGE);
	(void)ksml_plat_live_allocs(); /* the leak check of every test */
}

static void map_leaks_pile_up(void)
{
	int i;

	for (i = 0; i < 3; i++)
		memset(ksml_plat_page_map(map_pages[i]), 0, PAGE);
}

static void map_across_yield(void)
{
	(void)ksml_plat_page_map(map_pages[0]);
	ksml_plat_yield();
}

static void unmap_unmapped(void)
{
	ksml_plat_page_unmap(map_pages[0]);
}

static void test_page_map_guard(void **state)
{
	void *a, *b;

	(void)state;
	/* balanced, reverse order: fine */
	a = ksml_plat_page_map(map_pages[0]);
	b = ksml_plat_page_map(map_pages[1]);
	assert_int_equal(ksml_user_maps_held(), 2);
	ksml_plat_page_unmap(b);
	ksml_plat_page_unmap(a);
	assert_int_equal(ksml_user_maps_held(), 0);
	ksml_user_check_no_maps("test");
	/* and each breach of the rules aborts */
	expect_map_abort(map_out_of_order, "unmap out of order");
	expect_map_abort(map_left_mapped, "held at the leak check");
	expect_map_abort(map_leaks_pile_up, "never unmapped");
	expect_map_abort(map_across_yield, "held across ksml_plat_yield");
	expect_map_abort(unmap_unmapped, "unmap without a map");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_destroy_no_leak),
		cmocka_unit_test(test_page_map_guard),
		cmocka_unit_test(test_init_failure_unwinds),
		cmocka_unit_test(test_enter_behind_cursor),
		cmocka_unit_test(test_enter_tail_during_unmerge),
		cmocka_unit_test(test_exit_easy_path),
		cmocka_unit_test(test_exit_hard_path),
		cmocka_unit_test(test_exit_hook_wakeup),
		cmocka_unit_test(test_timeline_first_pass_only_checksums),
		cmocka_unit_test(
			test_checksum_change_between_visits_not_merged),
		cmocka_unit_test(test_rewrite_same_content_not_volatile),
		cmocka_unit_test(test_1000_identical_pages),
		cmocka_unit_test(test_chains_table),
		cmocka_unit_test(test_unique_pages_stay_unshared),
		cmocka_unit_test(test_check_unstable_tree),
		cmocka_unit_test(test_check_stable_item_ptes),
		cmocka_unit_test(test_pinned_page_never_merged),
		cmocka_unit_test(test_nodeless_ksm_page_never_merges),
		cmocka_unit_test(test_cow_after_merge),
		cmocka_unit_test(test_fork_of_merged_mm),
		cmocka_unit_test(test_fork_inherits_ksm_counters),
		cmocka_unit_test(test_unmerge_restores_private_pages),
		cmocka_unit_test(test_zero_pages),
		cmocka_unit_test(test_madvise_refusals_and_bionic),
		cmocka_unit_test(test_prctl_merge_any),
		cmocka_unit_test(test_merge_any_survives_slot_drop),
		cmocka_unit_test(test_mremap_unmerges_source),
		cmocka_unit_test(test_knobs_validation),
		cmocka_unit_test(test_knobs_busy_while_ksm_pages),
		cmocka_unit_test(test_knob_defaults),
		cmocka_unit_test(test_random_nothing_lost),
		cmocka_unit_test(test_memory_offline_hook),
	};

	return cmocka_run_group_tests_name("ksm_core", tests, NULL, NULL);
}

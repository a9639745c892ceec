/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_scan.c - ksmd's scan: walk the registered mms in list order and
 * their mergeable VMAs in address order, keep one rmap_item per anonymous
 * page visited, and try to merge each page (cmp_and_merge_page):
 *
 *  1. a page whose checksum changed since its previous visit is volatile:
 *     it is remembered and left alone (the first visit of every page is);
 *  2. a stable page: search the stable tree (KSM pages, by content) and
 *     map the KSM page instead;
 *  3. otherwise search the unstable tree (pages unchanged since last pass,
 *     by content, rebuilt every pass): two equal pages become a new KSM
 *     page filed in the stable tree; no match inserts the page.
 */
#include "ksm_internal.h"

static struct ksm_rmap_item *alloc_rmap_item(struct ksml *ksm)
{
	struct ksm_rmap_item *item = ksml_plat_cache_zalloc(ksm->rmap_item_cache);

	if (item)
		KSML_COUNTER_ADD(ksm->ksm_rmap_items, 1);
	return item;
}

static void free_rmap_item(struct ksml *ksm, struct ksm_rmap_item *item)
{
	KSML_COUNTER_ADD(ksm->ksm_rmap_items, -1);
	KSML_COUNTER_ADD(item->mm->ksm_rmap_items, -1);
	item->mm = NULL;
	ksml_plat_cache_free(ksm->rmap_item_cache, item);
}

void ksml_remove_trailing_rmap_items(struct ksml *ksm,
				     struct ksm_rmap_item **rmap_list)
{
	while (*rmap_list) {
		struct ksm_rmap_item *item = *rmap_list;

		*rmap_list = item->rmap_list;
		ksml_remove_rmap_item_from_tree(ksm, item);
		free_rmap_item(ksm, item);
	}
}

/*
 * The checksum of the volatility filter (the low 32 bits of XXH64, as the
 * kernel's) and the full 64-bit hash it came from, which the hash index
 * keys its tables with.
 */
uint32_t ksml_calc_checksum(struct ksml *ksm, struct ksml_frame *f,
			    uint64_t *key)
{
	void *p = ksml_plat_page_map(f->page);
	uint64_t k = ksml_plat_page_hash64(p, ksm->cfg.fast_checksum);

	if (key)
		*key = k;
	ksml_plat_page_unmap(p);
	KSML_COUNTER_ADD(ksm->ksm_page_checksums, 1);
	return (uint32_t)k;
}

/*
 * The volatility filter, then the zero page: true when the page goes no
 * further this visit.
 */
static bool checksum_stops_page(struct ksml *ksm, struct ksml_frame *page,
				struct ksm_rmap_item *rmap_item, uint64_t *key)
{
	uint32_t checksum = ksml_page_checksum(ksm, rmap_item, page, key);

	/*
	 * A page whose checksum changed since the last visit is changing
	 * often: keep it out of the trees, and don't spend time searching
	 * for its twin.
	 */
	if (rmap_item->oldchecksum != checksum) {
		rmap_item->oldchecksum = checksum;
		rmap_item->key = *key;
		return true;
	}
	return !ksml_try_to_merge_with_zero_page(ksm, rmap_item, page);
}

static void cmp_and_merge_page(struct ksml *ksm, struct ksml_frame *page,
			       struct ksm_rmap_item *rmap_item)
{
	struct ksm_rmap_item *tree_rmap_item;
	struct ksml_frame *tree_page = NULL, *kfolio;
	struct ksm_stable_node *stable_node;
	bool max_page_sharing_bypass = false;
	uint64_t key = 0;

	stable_node = page_stable_node(page);
	if (stable_node) {
		ksml_stable_node_migrate_check(ksm, stable_node);
		if (stable_node->head != &ksm->migrate_nodes &&
		    rmap_item->head == stable_node)
			return; /* steady state: already merged here */
		/* a forked mapping, or a re-created item, of a KSM page */
		if (!ksml_is_page_sharing_candidate(ksm, stable_node))
			max_page_sharing_bypass = true;
		key = stable_node->key;
	} else if (!ksm->cfg.stable_search_first) {
		ksml_remove_rmap_item_from_tree(ksm, rmap_item);
		if (checksum_stops_page(ksm, page, rmap_item, &key))
			return;
	} else {
		/* the search needs only the page's key (hash index) */
		ksml_calc_checksum(ksm, page, &key);
	}

	kfolio = ksml_stable_tree_search(ksm, page, key);
	if (kfolio == page && rmap_item->head == stable_node) {
		ksml_frame_put(ksm, kfolio);
		return;
	}
	ksml_remove_rmap_item_from_tree(ksm, rmap_item);

	if (kfolio) {
		if (kfolio == KSML_FOLIO_BUSY)
			return;
		if (!ksml_try_to_merge_with_ksm_page(ksm, rmap_item, page,
						     kfolio)) {
			/* merged: hang the item from the KSM page's node */
			ksml_frame_lock(kfolio);
			ksml_stable_tree_append(ksm, rmap_item,
						page_stable_node(kfolio),
						max_page_sharing_bypass);
			ksml_bit_unlock(&kfolio->lock);
		}
		ksml_frame_put(ksm, kfolio);
		return;
	}
	/* before 6.9 the checksum is looked at only here, KSM pages too */
	if (ksm->cfg.stable_search_first &&
	    checksum_stops_page(ksm, page, rmap_item, &key))
		return;

	tree_rmap_item = ksml_unstable_tree_search_insert(ksm, rmap_item, page,
							  key, &tree_page);
	if (tree_rmap_item) {
		bool split;

		kfolio = ksml_try_to_merge_two_pages(ksm, rmap_item, page,
						     tree_rmap_item, tree_page);
		/*
		 * Both pages in the same THP: our two references made the
		 * split inside the merge fail.  With tree_page's dropped, the
		 * split can succeed now (no merge this time).
		 */
		split = folio_test_large(page) &&
			KSML_READ_ONCE(page->folio) ==
				KSML_READ_ONCE(tree_page->folio);
		ksml_frame_put(ksm, tree_page);
		if (kfolio) {
			ksml_frame_lock(kfolio);
			stable_node = ksml_stable_tree_insert(ksm, kfolio, key);
			if (stable_node) {
				ksml_note_stable_node(ksm, stable_node,
						      rmap_item, kfolio);
				ksml_stable_tree_append(ksm, tree_rmap_item,
							stable_node, false);
				ksml_stable_tree_append(ksm, rmap_item,
							stable_node, false);
			}
			ksml_bit_unlock(&kfolio->lock);
			/*
			 * No node could be allocated: two mappings of a KSM
			 * page outside the stable tree.  Undo both.
			 */
			if (!stable_node) {
				ksml_break_cow(ksm, tree_rmap_item);
				ksml_break_cow(ksm, rmap_item);
			}
		} else if (split) {
			/* no waiting on the lock: better skip, retry later */
			if (!ksml_bit_trylock(&page->lock))
				return;
			ksml_split_folio(ksm, page);
			ksml_bit_unlock(&page->lock);
		}
	}
}

static struct ksm_rmap_item *get_next_rmap_item(struct ksml *ksm,
						struct ksm_mm_slot *slot,
						struct ksm_rmap_item **rmap_list,
						unsigned long addr)
{
	struct ksm_rmap_item *item;

	while (*rmap_list) {
		item = *rmap_list;
		if ((item->address & KSML_PAGE_MASK) == addr)
			return item;
		if (item->address > addr)
			break;
		/* an address no longer visited: its item goes */
		*rmap_list = item->rmap_list;
		ksml_remove_rmap_item_from_tree(ksm, item);
		free_rmap_item(ksm, item);
	}
	item = alloc_rmap_item(ksm);
	if (item) {
		item->mm = slot->mm;
		KSML_COUNTER_ADD(slot->mm->ksm_rmap_items, 1);
		item->address = addr;
		item->rmap_list = *rmap_list;
		*rmap_list = item;
	}
	return item;
}

static unsigned int skip_age(uint8_t age)
{
	if (age <= 3)
		return 1;
	if (age <= 5)
		return 2;
	if (age <= 8)
		return 4;
	return 8;
}

/*
 * Smart scan: a page that has not merged for a while is visited less and
 * less often (never a KSM page).  Skips don't count against the budget.
 */
static bool should_skip_rmap_item(struct ksml *ksm, struct ksml_frame *page,
				  struct ksm_rmap_item *rmap_item)
{
	uint8_t age;

	if (!KSML_READ_ONCE(ksm->ksm_smart_scan))
		return false;
	if (KSML_READ_ONCE(page->ksm))
		return false;
	age = rmap_item->age;
	if (age != 255)
		rmap_item->age++;
	if (age < 3)
		return false;
	if (rmap_item->remaining_skips == 0) {
		rmap_item->remaining_skips = (uint8_t)skip_age(age);
		return false;
	}
	KSML_COUNTER_ADD(ksm->ksm_pages_skipped, 1);
	rmap_item->remaining_skips--;
	ksml_remove_rmap_item_from_tree(ksm, rmap_item);
	return true;
}

static struct ksm_rmap_item *scan_get_next_rmap_item(struct ksml *ksm,
						     struct ksml_frame **pagep)
{
	struct ksm_scan *scan = &ksm->ksm_scan;
	struct ksm_mm_slot *slot;
	struct ksml_mm *mm;
	struct ksml_vma *vma;
	struct ksm_rmap_item *rmap_item;

	if (ksml_list_empty(&ksm->ksm_mm_head.mm_node))
		return NULL;

	slot = scan->mm_slot;
	if (slot == &ksm->ksm_mm_head) {
		/* start of a pass */
		ksml_advisor_start_scan(ksm);
		if (!ksm->ksm_merge_across_nodes)
			ksml_prune_migrate_nodes(ksm);
		ksml_trees_pass_start(ksm);

		ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
		slot = ksml_list_entry(ksm->ksm_mm_head.mm_node.next,
				       struct ksm_mm_slot, mm_node);
		scan->mm_slot = slot;
		ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
		/* the last mm may have gone since the emptiness test */
		if (slot == &ksm->ksm_mm_head)
			return NULL;
next_mm:
		scan->address = 0;
		scan->rmap_list = &slot->rmap_list;
	}

	mm = slot->mm;
	ksml_plat_down_read(&mm->mmap_lock);
	if (ksm_test_exit(mm))
		goto no_vmas;
	for (vma = ksml_find_vma(mm, scan->address); vma; vma = vma->vm_next) {
		if (!(vma->vm_flags & KSML_VM_MERGEABLE))
			continue;
		if (scan->address < vma->vm_start)
			scan->address = vma->vm_start;
		if (!KSML_READ_ONCE(vma->anon_vma))
			scan->address = vma->vm_end;

		while (scan->address < vma->vm_end) {
			struct ksml_frame *page;

			if (ksm_test_exit(mm))
				break;
			/* holes are stepped over as a range, not page by page */
			page = ksml_follow_next_anon_page(mm, &scan->address,
							  vma->vm_end);
			if (scan->address >= vma->vm_end)
				break;
			if (page) {
				rmap_item = get_next_rmap_item(ksm, slot,
							       scan->rmap_list,
							       scan->address);
				if (!rmap_item) {
					/* no memory: retry this address next batch */
					ksml_frame_put(ksm, page);
					ksml_plat_up_read(&mm->mmap_lock);
					return NULL;
				}
				scan->rmap_list = &rmap_item->rmap_list;
				if (should_skip_rmap_item(ksm, page, rmap_item)) {
					ksml_frame_put(ksm, page);
					goto next_page;
				}
				scan->address += KSML_PAGE_SIZE;
				ksml_plat_up_read(&mm->mmap_lock);
				*pagep = page;
				return rmap_item;
			}
next_page:
			scan->address += KSML_PAGE_SIZE;
			ksml_plat_yield();
		}
	}

	if (ksm_test_exit(mm)) {
no_vmas:
		scan->address = 0;
		scan->rmap_list = &slot->rmap_list;
	}
	/* items above the last visited page: their VMAs are gone */
	ksml_remove_trailing_rmap_items(ksm, scan->rmap_list);

	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	scan->mm_slot = ksml_list_entry(slot->mm_node.next, struct ksm_mm_slot,
					mm_node);
	if (scan->address == 0) {
		/*
		 * The whole mm was walked under mmap_lock and no mergeable
		 * VMA was found (or it is exiting): do what __ksm_exit does.
		 */
		ksml_mm_slot_remove(ksm, slot);
		ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
		ksml_free_mm_slot(ksm, slot);
		/*
		 * Only MMF_VM_MERGEABLE: a merge-any process keeps its mode
		 * (it may just not have mapped anything yet) and re-enters
		 * at its next mergeable VMA (ksml_add_vma), as Linux 6.18.
		 */
		__atomic_fetch_and(&mm->flags, ~KSML_MMF_VM_MERGEABLE,
				   __ATOMIC_ACQ_REL);
		ksml_plat_up_read(&mm->mmap_lock);
		ksml_mmdrop(mm);
	} else {
		/*
		 * Unlock mmap_lock first: once ksm_mmlist_lock is released,
		 * __ksm_exit may take the easy path (the cursor has left the
		 * slot) and free the mm under us.
		 */
		ksml_plat_up_read(&mm->mmap_lock);
		ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
	}

	slot = scan->mm_slot;
	if (slot != &ksm->ksm_mm_head)
		goto next_mm;

	ksml_advisor_stop_scan(ksm);
	KSML_COUNTER_ADD(scan->seqnr, 1);
	return NULL;
}

/* one batch of at most scan_npages; ksm_thread_mutex held */
static void ksm_do_scan(struct ksml *ksm, unsigned int scan_npages,
			unsigned long *scanned)
{
	struct ksm_rmap_item *rmap_item;
	struct ksml_frame *page;

	while (scan_npages--) {
		ksml_plat_yield();
		rmap_item = scan_get_next_rmap_item(ksm, &page);
		if (!rmap_item)
			return;
		cmp_and_merge_page(ksm, page, rmap_item);
		ksml_frame_put(ksm, page);
		KSML_COUNTER_ADD(ksm->ksm_pages_scanned, 1);
		if (scanned)
			(*scanned)++;
	}
}

static bool ksmd_should_run(struct ksml *ksm)
{
	return (KSML_READ_ONCE(ksm->ksm_run) & KSML_RUN_MERGE) &&
	       !ksml_list_empty(&ksm->ksm_mm_head.mm_node);
}

static bool not_offline(void *arg)
{
	struct ksml *ksm = arg;

	return !(KSML_READ_ONCE(ksm->ksm_run) & KSML_RUN_OFFLINE) ||
	       ksml_plat_thread_should_stop();
}

/* with ksm_thread_mutex held: wait until no memory is going offline */
void ksml_wait_while_offlining(struct ksml *ksm)
{
	while (KSML_READ_ONCE(ksm->ksm_run) & KSML_RUN_OFFLINE) {
		ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
		ksml_plat_wait_event(&ksm->ksm_thread_wait, not_offline, ksm, -1);
		ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
		if (ksml_plat_thread_should_stop())
			break;
	}
}

unsigned long ksml_scan_pages(struct ksml *ksm, unsigned long nr_pages)
{
	unsigned long scanned = 0;

	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	ksml_wait_while_offlining(ksm);
	if (ksmd_should_run(ksm)) {
		while (nr_pages) {
			unsigned int n = nr_pages > 0x7fffffffUL ? 0x7fffffffU
							       : (unsigned int)nr_pages;
			unsigned long before = scanned;

			ksm_do_scan(ksm, n, &scanned);
			nr_pages -= n;
			if (scanned - before < n)
				break;
		}
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	return scanned;
}

int ksml_scan_full(struct ksml *ksm, unsigned long nr_scans,
		   unsigned long max_batches)
{
	unsigned long target = KSML_READ_ONCE(ksm->ksm_scan.seqnr) + nr_scans;
	unsigned long batches = 0;

	while ((long)(KSML_READ_ONCE(ksm->ksm_scan.seqnr) - target) < 0) {
		unsigned int n = KSML_READ_ONCE(ksm->ksm_thread_pages_to_scan);

		if (!ksmd_should_run(ksm) || !n)
			return -KSML_EAGAIN;
		if (max_batches && batches++ >= max_batches)
			return -KSML_EAGAIN;
		ksml_scan_pages(ksm, n);
	}
	return 0;
}

struct sleep_arg {
	struct ksml *ksm;
	unsigned int sleep_ms;
};

static bool sleep_changed(void *p)
{
	struct sleep_arg *a = p;

	return KSML_READ_ONCE(a->ksm->ksm_thread_sleep_millisecs) != a->sleep_ms ||
	       ksml_plat_thread_should_stop();
}

static bool should_wake(void *p)
{
	return ksmd_should_run(p) || ksml_plat_thread_should_stop();
}

/* ksmd: one batch of pages_to_scan, sleep sleep_millisecs, repeat */
int ksml_scan_thread(void *arg)
{
	struct ksml *ksm = arg;

	/* ksmd's CPU clock starts here; the advisor reads it under the mutex */
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	KSML_WRITE_ONCE(ksm->ksmd_cpu_base, ksm->ops->thread_cpu_ns(ksm->ops->ctx));
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	while (!ksml_plat_thread_should_stop()) {
		ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
		ksml_wait_while_offlining(ksm);
		if (ksmd_should_run(ksm))
			ksm_do_scan(
				ksm,
				KSML_READ_ONCE(ksm->ksm_thread_pages_to_scan),
				NULL);
		ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);

		if (ksmd_should_run(ksm)) {
			struct sleep_arg a = {
				ksm, KSML_READ_ONCE(ksm->ksm_thread_sleep_millisecs)
			};

			/* a write of sleep_millisecs cuts the sleep short */
			if (a.sleep_ms)
				ksml_plat_wait_event(&ksm->ksm_iter_wait,
						     sleep_changed, &a,
						     (long)a.sleep_ms);
			else
				ksml_plat_yield();
		} else {
			ksml_plat_wait_event(&ksm->ksm_thread_wait, should_wake,
					     ksm, -1);
		}
	}
	return 0;
}

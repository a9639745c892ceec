/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_unstable.c - the unstable tree: pages that did not change since the
 * previous visit, ordered by their current content.  Contents may change
 * under it, so the tree may be out of order; it is emptied at the start
 * of every pass, and membership of an item is dated by the pass's seqnr.
 */
#include "ksm_internal.h"

/**
 * ksml_unstable_tree_search_insert - find a page equal to page, else insert
 *
 * Returns the tree item whose page is equal (with *tree_pagep referenced),
 * or NULL: either rmap_item was inserted, or the walk met something that
 * forbids both (a vanished tree page, the very same page, a NUMA mismatch).
 */
struct ksm_rmap_item *ksml_unstable_tree_search_insert(
	struct ksml *ksm, struct ksm_rmap_item *rmap_item,
	struct ksml_frame *page, uint64_t key, struct ksml_frame **tree_pagep)
{
	const struct ksm_index_ops *idx = ksm->index;
	int nid = get_kpfn_nid(ksm, page);
	struct ksm_rmap_item *tree_rmap_item;
	struct ksm_walk w;
	int ret = 0;

	idx->unstable_walk_start(ksm, &w, nid, key, page);
	while ((tree_rmap_item = idx->unstable_walk_next(ksm, &w, ret))) {
		struct ksml_frame *tree_page;

		ksml_plat_yield();
		tree_page = ksml_get_mergeable_page(ksm, tree_rmap_item);
		if (!tree_page)
			return NULL;
		/* don't substitute a KSM page for a forked page */
		if (page == tree_page) {
			ksml_frame_put(ksm, tree_page);
			return NULL;
		}
		ret = idx->page_cmp(ksm, page, tree_page);
		if (ret) {
			ksml_frame_put(ksm, tree_page);
			continue;
		}
		if (!ksm->ksm_merge_across_nodes && tree_page->nid != nid) {
			/*
			 * The tree page moved to another node: it will be
			 * filed in the right tree next pass; no merge now.
			 */
			ksml_frame_put(ksm, tree_page);
			return NULL;
		}
		*tree_pagep = tree_page;
		return tree_rmap_item;
	}

	idx->unstable_link(ksm, rmap_item, &w);
	rmap_item->address |= UNSTABLE_FLAG;
	rmap_item->address |= ksm->ksm_scan.seqnr & SEQNR_MASK;
	rmap_item->nid = nid;
	KSML_COUNTER_ADD(ksm->ksm_pages_unshared, 1);
	return NULL;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_unstable.c - the unstable tree: pages that did not change since the
 * previous visit, ordered by their current content.  Contents may change
 * under it, so the tree may be out of order; it is emptied at the start
 * of every pass, and membership of an item is dated by the pass's seqnr.
 */
#include "ksm_internal.h"

static int unstable_cmp(struct ksml *ksm, struct ksml_frame *page,
			uint64_t key, struct ksm_rmap_item *tree_item,
			struct ksml_frame *tree_page)
{
	/* equal checksums: see stable_cmp() for why no compare is needed */
	if (ksm->cfg.index_mode == KSML_INDEX_CHECKSUM)
		return key == tree_item->key ? 0 : key < tree_item->key ? -1 : 1;
	return ksml_page_cmp(ksm, page, tree_page);
}

/**
 * ksml_unstable_tree_search_insert - find a page equal to page, else insert
 *
 * Returns the tree item whose page is equal (with *tree_pagep referenced),
 * or NULL: either rmap_item was inserted, or the walk met something that
 * forbids both (a vanished tree page, the very same page, a NUMA mismatch).
 */
struct ksm_rmap_item *ksml_unstable_tree_search_insert(
	struct ksml *ksm, struct ksm_rmap_item *rmap_item,
	struct ksml_frame *page, uint64_t key,
	struct ksml_frame **tree_pagep)
{
	int nid = get_kpfn_nid(ksm, page);
	struct ksml_rb_root *root = ksm->root_unstable_tree + nid;
	struct ksml_rb_node **new = &root->rb_node, *parent = NULL;

	while (*new) {
		struct ksm_rmap_item *tree_rmap_item;
		struct ksml_frame *tree_page;
		int ret;

		ksml_plat_yield();
		tree_rmap_item = ksml_rb_entry(*new, struct ksm_rmap_item, node);
		/*
		 * The checksum index orders by (checksum, content): a differing
		 * checksum decides without touching the tree item's page, which
		 * is where the walk's time goes (a page-table walk and a cache
		 * miss per level).
		 */
		if (ksm->cfg.index_mode == KSML_INDEX_CHECKSUM &&
		    key != tree_rmap_item->key) {
			parent = *new;
			new = key < tree_rmap_item->key ? &parent->rb_left
							: &parent->rb_right;
			continue;
		}
		tree_page = ksml_get_mergeable_page(ksm, tree_rmap_item);
		if (!tree_page)
			return NULL;
		/* don't substitute a KSM page for a forked page */
		if (page == tree_page) {
			ksml_frame_put(ksm, tree_page);
			return NULL;
		}
		ret = unstable_cmp(ksm, page, key, tree_rmap_item, tree_page);
		parent = *new;
		if (ret < 0) {
			ksml_frame_put(ksm, tree_page);
			new = &parent->rb_left;
		} else if (ret > 0) {
			ksml_frame_put(ksm, tree_page);
			new = &parent->rb_right;
		} else if (!ksm->ksm_merge_across_nodes && tree_page->nid != nid) {
			/*
			 * The tree page moved to another node: it will be
			 * filed in the right tree next pass; no merge now.
			 */
			ksml_frame_put(ksm, tree_page);
			return NULL;
		} else {
			*tree_pagep = tree_page;
			return tree_rmap_item;
		}
	}

	rmap_item->address |= UNSTABLE_FLAG;
	rmap_item->address |= ksm->ksm_scan.seqnr & SEQNR_MASK;
	rmap_item->nid = nid;
	ksml_rb_link_node(&rmap_item->node, parent, new);
	ksml_rb_insert_color(&rmap_item->node, root);
	KSML_COUNTER_ADD(ksm->ksm_pages_unshared, 1);
	return NULL;
}

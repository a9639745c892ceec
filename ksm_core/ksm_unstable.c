/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_unstable.c - the unstable tree: pages that did not change since the
 * previous visit, ordered by their current content.  Contents may change
 * under it, so the tree may be out of order; it is emptied at the start
 * of every pass, and membership of an item is dated by the pass's seqnr.
 */
#include "ksm_internal.h"

/* the checksum index's three tables; none for the kernel's trees */
int ksml_checksum_index_init(struct ksml *ksm)
{
	unsigned long n;

	if (ksm->cfg.index_mode != KSML_INDEX_CHECKSUM)
		return 0;
	ksm->unstable_hash = ksml_index_table(0, 0, sizeof(*ksm->unstable_hash), &n);
	if (!ksm->unstable_hash)
		return -KSML_ENOMEM;
	ksm->unstable_hash_mask = n - 1;
	ksm->unstable_epoch = 1;
	ksm->stable_hash = ksml_index_table(0, 0, sizeof(*ksm->stable_hash), &n);
	if (!ksm->stable_hash)
		goto nomem;
	ksm->stable_hash_mask = n - 1;
	ksm->recent = ksml_index_table(0, 0, sizeof(*ksm->recent), &n);
	if (!ksm->recent)
		goto nomem;
	ksm->recent_mask = n - 1;
	return 0;
nomem:
	ksml_checksum_index_free(ksm);
	return -KSML_ENOMEM;
}

void ksml_checksum_index_free(struct ksml *ksm)
{
	ksml_plat_free(ksm->unstable_hash);
	ksm->unstable_hash = NULL;
	ksml_plat_free(ksm->stable_hash);
	ksm->stable_hash = NULL;
	ksml_plat_free(ksm->recent);
	ksm->recent = NULL;
}

/*
 * Start of a pass: the kernel resets the roots; the hash table moves to a
 * new epoch, and grows to a bucket per rmap_item if it can (if it cannot,
 * chains get longer: slower, same results).
 */
void ksml_unstable_index_reset(struct ksml *ksm)
{
	unsigned long want = KSML_READ_ONCE(ksm->ksm_rmap_items), size;
	struct ksm_unstable_bucket *t;
	int nid;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++)
		ksm->root_unstable_tree[nid].rb_node = NULL;
	if (!ksm->unstable_hash)
		return;
	ksm->unstable_epoch++;
	/* a bucket per page for the other tables of the index, too */
	ksml_cname_resize(ksm, want);
	ksml_stable_hash_resize(ksm, want);
	t = ksml_index_table(want, ksm->unstable_hash_mask + 1, sizeof(*t), &size);
	if (!t)
		return;
	/* nothing is in the new epoch yet: the old table can just go */
	ksml_plat_free(ksm->unstable_hash);
	ksm->unstable_hash = t;
	ksm->unstable_hash_mask = size - 1;
}

static struct ksm_unstable_bucket *unstable_bucket(struct ksml *ksm,
						   uint64_t key, int nid)
{
	struct ksm_unstable_bucket *b =
		&ksm->unstable_hash[ksml_index_hash(key, nid) & ksm->unstable_hash_mask];

	if (b->epoch != ksm->unstable_epoch) {
		b->head.first = NULL;
		b->epoch = ksm->unstable_epoch;
	}
	return b;
}

void ksml_unstable_erase(struct ksml *ksm, struct ksm_rmap_item *rmap_item)
{
	if (ksm->unstable_hash)
		ksml_hlist_del(&rmap_item->uhash);
	else
		ksml_rb_erase(&rmap_item->node,
			      ksm->root_unstable_tree + rmap_item->nid);
}

/*
 * What the walk does on meeting the item with the page's key (checksum
 * index) or equal content: 1 and *tree_pagep referenced to merge, 0 to
 * neither merge nor insert (the tree page vanished, is this very page, or
 * moved to another node).
 */
static int unstable_match(struct ksml *ksm, struct ksml_frame *page, int nid,
			  struct ksml_frame *tree_page,
			  struct ksml_frame **tree_pagep)
{
	/* don't substitute a KSM page for a forked page */
	if (page == tree_page) {
		ksml_frame_put(ksm, tree_page);
		return 0;
	}
	if (!ksm->ksm_merge_across_nodes && tree_page->nid != nid) {
		/*
		 * The tree page moved to another node: it will be filed in
		 * the right tree next pass; no merge now.
		 */
		ksml_frame_put(ksm, tree_page);
		return 0;
	}
	*tree_pagep = tree_page;
	return 1;
}

static void unstable_inserted(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			      int nid)
{
	rmap_item->address |= UNSTABLE_FLAG;
	rmap_item->address |= ksm->ksm_scan.seqnr & SEQNR_MASK;
	rmap_item->nid = nid;
	KSML_COUNTER_ADD(ksm->ksm_pages_unshared, 1);
}

static struct ksm_rmap_item *unstable_hash_search_insert(
	struct ksml *ksm, struct ksm_rmap_item *rmap_item,
	struct ksml_frame *page, uint64_t key, int nid,
	struct ksml_frame **tree_pagep)
{
	struct ksm_unstable_bucket *b = unstable_bucket(ksm, key, nid);
	struct ksml_hlist_node *pos;

	for (pos = b->head.first; pos; pos = pos->next) {
		struct ksm_rmap_item *tree_rmap_item =
			ksml_hlist_entry(pos, struct ksm_rmap_item, uhash);
		struct ksml_frame *tree_page;

		ksml_plat_yield();
		if (tree_rmap_item->key != key || tree_rmap_item->nid != nid)
			continue;
		tree_page = ksml_get_mergeable_page(ksm, tree_rmap_item);
		if (!tree_page ||
		    !unstable_match(ksm, page, nid, tree_page, tree_pagep))
			return NULL;
		return tree_rmap_item;
	}
	ksml_hlist_add_head(&rmap_item->uhash, &b->head);
	unstable_inserted(ksm, rmap_item, nid);
	return NULL;
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

	if (ksm->unstable_hash)
		return unstable_hash_search_insert(ksm, rmap_item, page, key,
						   nid, tree_pagep);
	while (*new) {
		struct ksm_rmap_item *tree_rmap_item;
		struct ksml_frame *tree_page;
		int ret;

		ksml_plat_yield();
		tree_rmap_item = ksml_rb_entry(*new, struct ksm_rmap_item, node);
		tree_page = ksml_get_mergeable_page(ksm, tree_rmap_item);
		if (!tree_page)
			return NULL;
		/* don't substitute a KSM page for a forked page */
		if (page == tree_page) {
			ksml_frame_put(ksm, tree_page);
			return NULL;
		}
		ret = ksml_page_cmp(ksm, page, tree_page);
		parent = *new;
		if (ret < 0) {
			ksml_frame_put(ksm, tree_page);
			new = &parent->rb_left;
		} else if (ret > 0) {
			ksml_frame_put(ksm, tree_page);
			new = &parent->rb_right;
		} else {
			return unstable_match(ksm, page, nid, tree_page, tree_pagep)
				       ? tree_rmap_item : NULL;
		}
	}

	ksml_rb_link_node(&rmap_item->node, parent, new);
	ksml_rb_insert_color(&rmap_item->node, root);
	unstable_inserted(ksm, rmap_item, nid);
	return NULL;
}

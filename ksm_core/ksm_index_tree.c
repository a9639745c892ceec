/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_index_tree.c - the kernel's index: a stable and an unstable rbtree
 * per NUMA node (one with merge_across_nodes), ordered by page content.
 * A walk compares the page with each node's page (memcmp) and goes left
 * or right; the unstable tree is emptied by resetting its roots.
 */
#include "ksm_internal.h"

static int tree_init(struct ksml *ksm)
{
	(void)ksm;
	return 0;
}

static void tree_free(struct ksml *ksm)
{
	(void)ksm;
}

static void tree_pass_start(struct ksml *ksm)
{
	int nid;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++)
		ksm->root_unstable_tree[nid].rb_node = NULL;
}

static void walk_start(struct ksm_walk *w, struct ksml_rb_root *root, int nid,
		       uint64_t key)
{
	w->root = root;
	w->link = &root->rb_node;
	w->parent = NULL;
	w->key = key;
	w->nid = nid;
	w->started = false;
}

/* the next link down: left of the last node if the page sorts before it */
static struct ksml_rb_node *walk_next(struct ksm_walk *w, int cmp)
{
	if (w->started) {
		w->parent = *w->link;
		w->link = cmp < 0 ? &w->parent->rb_left : &w->parent->rb_right;
	}
	w->started = true;
	return *w->link;
}

static void tree_stable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				   int nid, uint64_t key, bool to_file)
{
	(void)to_file;
	walk_start(w, ksm->root_stable_tree + nid, nid, key);
}

static struct ksm_stable_node *
tree_stable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	struct ksml_rb_node *rb = walk_next(w, cmp);

	(void)ksm;
	return rb ? ksml_rb_entry(rb, struct ksm_stable_node, node) : NULL;
}

static void tree_stable_link(struct ksml *ksm, struct ksm_stable_node *node,
			     struct ksm_walk *w)
{
	(void)ksm;
	ksml_rb_link_node(&node->node, w->parent, w->link);
	ksml_rb_insert_color(&node->node, w->root);
}

static void tree_stable_erase(struct ksml *ksm, struct ksm_stable_node *node)
{
	ksml_rb_erase(&node->node, ksm->root_stable_tree + node->nid);
}

static void tree_stable_replace(struct ksml *ksm, struct ksm_stable_node *old,
				struct ksm_stable_node *new)
{
	ksml_rb_replace_node(&old->node, &new->node,
			     ksm->root_stable_tree + old->nid);
}

/* in order; rb_erase keeps the in-order sequence, so a saved next stays valid
 */
static struct ksm_stable_node *tree_stable_first(struct ksml *ksm, int nid)
{
	struct ksml_rb_node *rb = ksml_rb_first(ksm->root_stable_tree + nid);

	return rb ? ksml_rb_entry(rb, struct ksm_stable_node, node) : NULL;
}

static struct ksm_stable_node *tree_stable_next(struct ksml *ksm,
						struct ksm_stable_node *node)
{
	struct ksml_rb_node *rb = ksml_rb_next(&node->node);

	(void)ksm;
	return rb ? ksml_rb_entry(rb, struct ksm_stable_node, node) : NULL;
}

static void tree_unstable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				     int nid, uint64_t key,
				     struct ksml_frame *page)
{
	walk_start(w, ksm->root_unstable_tree + nid, nid, key);
	w->page = page;
}

static struct ksm_rmap_item *
tree_unstable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	struct ksml_rb_node *rb = walk_next(w, cmp);

	(void)ksm;
	return rb ? ksml_rb_entry(rb, struct ksm_rmap_item, node) : NULL;
}

static void tree_unstable_link(struct ksml *ksm, struct ksm_rmap_item *item,
			       struct ksm_walk *w)
{
	(void)ksm;
	ksml_rb_link_node(&item->node, w->parent, w->link);
	ksml_rb_insert_color(&item->node, w->root);
}

static void tree_unstable_erase(struct ksml *ksm, struct ksm_rmap_item *item)
{
	ksml_rb_erase(&item->node, ksm->root_unstable_tree + item->nid);
}

static struct ksm_rmap_item *tree_unstable_first(struct ksml *ksm, int nid)
{
	struct ksml_rb_node *rb = ksml_rb_first(ksm->root_unstable_tree + nid);

	return rb ? ksml_rb_entry(rb, struct ksm_rmap_item, node) : NULL;
}

static struct ksm_rmap_item *tree_unstable_next(struct ksml *ksm,
						struct ksm_rmap_item *item)
{
	struct ksml_rb_node *rb = ksml_rb_next(&item->node);

	(void)ksm;
	return rb ? ksml_rb_entry(rb, struct ksm_rmap_item, node) : NULL;
}

/*
 * Climb to the root through parents that still hold the node as a child:
 * rb_erase leaves an erased node's own links as they were, and the root
 * reset of a new pass leaves whole old subtrees linked to each other.
 * The bound stops a corrupted tree's cycle (an rbtree of n nodes is at
 * most 2 log2(n + 1) high).
 */
static bool tree_unstable_filed(struct ksml *ksm, struct ksm_rmap_item *item)
{
	struct ksml_rb_node *rb = &item->node;
	int depth;

	for (depth = 0; depth < 128; depth++) {
		struct ksml_rb_node *parent = ksml_rb_parent(rb);

		if (!parent)
			return ksm->root_unstable_tree[item->nid].rb_node == rb;
		if (parent->rb_left != rb && parent->rb_right != rb)
			return false;
		rb = parent;
	}
	return false;
}

const struct ksm_index_ops ksml_index_tree_ops = {
	.name = "content",
	.init = tree_init,
	.free = tree_free,
	.pass_start = tree_pass_start,
	.page_cmp = ksml_page_cmp,
	.stable_walk_start = tree_stable_walk_start,
	.stable_walk_next = tree_stable_walk_next,
	.stable_link = tree_stable_link,
	.stable_erase = tree_stable_erase,
	.stable_replace = tree_stable_replace,
	.stable_first = tree_stable_first,
	.stable_next = tree_stable_next,
	.chain_walk_skippable = NULL,
	.unstable_walk_start = tree_unstable_walk_start,
	.unstable_walk_next = tree_unstable_walk_next,
	.unstable_link = tree_unstable_link,
	.unstable_erase = tree_unstable_erase,
	.unstable_first = tree_unstable_first,
	.unstable_next = tree_unstable_next,
	.unstable_filed = tree_unstable_filed,
};

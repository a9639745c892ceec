/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_index_hash.c - the hash index (KSML_INDEX_HASH): the kernel's
 * rbtrees, and beside the stable tree a hash table of its nodes by their
 * page's 64-bit hash (the XXH64 or XXH3 behind the 32-bit checksum).
 *
 * A walk of the stable tree does more than find: every node it passes is
 * looked at through the keyhole, and a stale node is removed, a chain is
 * pruned, collapsed or reordered on the way (stable_node_dup).  Which
 * nodes it passes depends on the tree's shape, so a bucket look-up makes
 * the kernel's decisions only when the walk could change nothing: no
 * chain in the tree and no stale node (every KSM frame freed so far had
 * its node removed).  Then the walk's only effect is to find the node with
 * the page's content, and that node is the one in the page's bucket with
 * an equal page.  Otherwise, and for every walk that must end at a place
 * to file a node, the tree is walked as the kernel walks it; the tree is
 * kept in the kernel's shape, so the fallback is exact too.
 *
 * The unstable tree is the kernel's: its pages may change or vanish under
 * it, and the kernel's walk stops or turns on what it meets; nothing ksmd
 * knows says a bucket would find what that walk finds.
 */
#include "ksm_internal.h"

struct ksm_hash_index {
	struct ksml_hlist_head *stable;
	unsigned long stable_mask, stable_count;
};

static struct ksm_hash_index *hidx(struct ksml *ksm)
{
	return ksm->index_data;
}

static struct ksml_hlist_head *stable_bucket(struct ksml_hlist_head *table,
					     unsigned long mask, uint64_t key,
					     int nid)
{
	return &table[ksml_index_hash(key, nid) & mask];
}

/* grow to at least want buckets; on no memory keep the table (slower) */
static void stable_resize(struct ksm_hash_index *h, unsigned long want)
{
	struct ksml_hlist_head *t;
	unsigned long size, i;

	t = ksml_index_table(want, h->stable_mask + 1, sizeof(*t), &size);
	if (!t)
		return;
	for (i = 0; i <= h->stable_mask; i++) {
		struct ksml_hlist_node *n, *next;

		for (n = h->stable[i].first; n; n = next) {
			struct ksm_stable_node *node = ksml_hlist_entry(
				n, struct ksm_stable_node, shash);

			next = n->next;
			ksml_hlist_add_head(n, stable_bucket(t, size - 1,
							     node->key,
							     node->nid));
		}
	}
	ksml_plat_free(h->stable);
	h->stable = t;
	h->stable_mask = size - 1;
}

static void stable_add(struct ksm_hash_index *h, struct ksm_stable_node *node)
{
	/* at most one node per bucket on average: a miss touches few nodes */
	if (++h->stable_count > h->stable_mask + 1)
		stable_resize(h, 2 * h->stable_count);
	ksml_hlist_add_head(
		&node->shash,
		stable_bucket(h->stable, h->stable_mask, node->key, node->nid));
}

static void stable_del(struct ksm_hash_index *h, struct ksm_stable_node *node)
{
	h->stable_count--;
	ksml_hlist_del(&node->shash);
}

static void hash_free(struct ksml *ksm)
{
	struct ksm_hash_index *h = hidx(ksm);

	if (!h)
		return;
	ksml_plat_free(h->stable);
	ksml_plat_free(h);
	ksm->index_data = NULL;
}

static int hash_init(struct ksml *ksm)
{
	struct ksm_hash_index *h = ksml_plat_zalloc(sizeof(*h));
	unsigned long n;

	if (!h)
		return -KSML_ENOMEM;
	ksm->index_data = h;
	h->stable = ksml_index_table(0, 0, sizeof(*h->stable), &n);
	if (!h->stable) {
		hash_free(ksm);
		return -KSML_ENOMEM;
	}
	h->stable_mask = n - 1;
	return 0;
}

/* start of a pass: the tree's reset; the table grows to a bucket per page */
static void hash_pass_start(struct ksml *ksm)
{
	ksml_index_tree_ops.pass_start(ksm);
	stable_resize(hidx(ksm), KSML_READ_ONCE(ksm->ksm_rmap_items));
}

/* would a walk of the stable tree change nothing on its way? */
static bool stable_walk_is_lookup(struct ksml *ksm)
{
	return !KSML_READ_ONCE(ksm->ksm_stable_node_chains) &&
	       ksml_atomic_read(&ksm->ksm_frames_gone) ==
		       ksml_atomic_read(&ksm->ksm_stale_nodes_removed);
}

static void hash_stable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				   int nid, uint64_t key, bool to_file)
{
	struct ksm_hash_index *h = hidx(ksm);

	w->hashed = !to_file && stable_walk_is_lookup(ksm);
	if (!w->hashed) {
		ksml_index_tree_ops.stable_walk_start(ksm, w, nid, key,
						      to_file);
		return;
	}
	w->head = stable_bucket(h->stable, h->stable_mask, key, nid);
	w->next = w->head->first;
	w->key = key;
	w->nid = nid;
}

/*
 * A tree walk of the stable tree waits on memory as the unstable one does
 * (below): while a node is looked at, its children's KSM frames and pages
 * and their children's nodes are fetched.  A chain's dups are not.
 */
static void stable_prefetch_node(struct ksml_rb_node *rb)
{
	if (rb)
		__builtin_prefetch(
			ksml_rb_entry(rb, struct ksm_stable_node, node));
}

static void stable_prefetch_children(struct ksm_stable_node *node)
{
	struct ksml_rb_node *child[2] = {node->node.rb_left,
					 node->node.rb_right};
	int i;

	for (i = 0; i < 2; i++) {
		struct ksm_stable_node *c;

		if (!child[i])
			continue;
		c = ksml_rb_entry(child[i], struct ksm_stable_node, node);
		if (!is_stable_node_chain(c)) {
			/* migration may move kpfn meanwhile: any frame will do */
			struct ksml_frame *f = KSML_READ_ONCE(c->kpfn);

			__builtin_prefetch(&f->refcount, 1);
			__builtin_prefetch(&f->mapping);
			ksml_plat_page_prefetch(c->hint_page);
		}
		stable_prefetch_node(child[i]->rb_left);
		stable_prefetch_node(child[i]->rb_right);
	}
}

/* the bucket's nodes with the page's hash, in turn, until one is equal */
static struct ksm_stable_node *
hash_stable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	if (!w->hashed) {
		struct ksm_stable_node *node =
			ksml_index_tree_ops.stable_walk_next(ksm, w, cmp);

		if (node)
			stable_prefetch_children(node);
		return node;
	}
	while (w->next) {
		struct ksm_stable_node *node = ksml_hlist_entry(
			w->next, struct ksm_stable_node, shash);

		w->next = w->next->next;
		if (node->key == w->key && node->nid == w->nid)
			return node;
	}
	return NULL;
}

/* the page a filed node has now: a prefetch hint, stale after migration */
static void stable_hint(struct ksm_stable_node *node)
{
	node->hint_page = is_stable_node_chain(node) ?
				  NULL :
				  KSML_READ_ONCE(node->kpfn)->page;
}

/* only a tree walk ends at a place: such walks are the to_file ones */
static void hash_stable_link(struct ksml *ksm, struct ksm_stable_node *node,
			     struct ksm_walk *w)
{
	KSML_WARN_ON(w->hashed);
	ksml_index_tree_ops.stable_link(ksm, node, w);
	stable_hint(node);
	stable_add(hidx(ksm), node);
}

static void hash_stable_erase(struct ksml *ksm, struct ksm_stable_node *node)
{
	ksml_index_tree_ops.stable_erase(ksm, node);
	stable_del(hidx(ksm), node);
}

static void hash_stable_replace(struct ksml *ksm, struct ksm_stable_node *old,
				struct ksm_stable_node *new)
{
	ksml_index_tree_ops.stable_replace(ksm, old, new);
	stable_hint(new);
	stable_del(hidx(ksm), old);
	stable_add(hidx(ksm), new);
}

static struct ksm_stable_node *hash_stable_first(struct ksml *ksm, int nid)
{
	return ksml_index_tree_ops.stable_first(ksm, nid);
}

static struct ksm_stable_node *hash_stable_next(struct ksml *ksm,
						struct ksm_stable_node *node)
{
	return ksml_index_tree_ops.stable_next(ksm, node);
}

/*
 * The walk of a chain's dups would end on the first dup and change nothing
 * when no dup has room for another mapping and none can have gone stale
 * since a walk found none (no KSM frame was freed since: clean_gen).
 */
static bool hash_chain_walk_skippable(struct ksml *ksm,
				      struct ksm_stable_node *chain, bool prune)
{
	return !prune && !chain->nr_candidates &&
	       chain->clean_gen == ksml_atomic_read(&ksm->ksm_frames_gone) &&
	       chain->hlist.first;
}

static void hash_unstable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				     int nid, uint64_t key,
				     struct ksml_frame *page)
{
	ksml_index_tree_ops.unstable_walk_start(ksm, w, nid, key, page);
}

/*
 * The unstable walk is the kernel's, node by node; what it waits for is
 * memory: each level's tree page, its frame and the next node are cache
 * misses in a large tree, one after the other.  While a node is compared,
 * the pages its two children had when they were filed are fetched (one
 * of them is the next compare, unless a write moved it) and so are their
 * children's nodes, a level further.  Only hints: the walk still looks
 * every page up through its page table and compares it there.
 */
/* the node's links and its hints, which need not share a cache line */
static void prefetch_node(struct ksml_rb_node *rb)
{
	if (rb) {
		__builtin_prefetch(rb);
		__builtin_prefetch(
			&ksml_rb_entry(rb, struct ksm_rmap_item, node)->hint);
	}
}

static void unstable_prefetch_children(struct ksml_rb_node *rb)
{
	struct ksml_rb_node *child[2] = {rb->rb_left, rb->rb_right};
	int i;

	for (i = 0; i < 2; i++) {
		struct ksm_rmap_item *item;

		if (!child[i])
			continue;
		item = ksml_rb_entry(child[i], struct ksm_rmap_item, node);
		__builtin_prefetch(item->hint_pte);
		/* a frame may straddle two lines; its count is written */
		__builtin_prefetch(&item->hint->refcount, 1);
		__builtin_prefetch(&item->hint->flags);
		ksml_plat_page_prefetch(item->hint_page);
		prefetch_node(child[i]->rb_left);
		prefetch_node(child[i]->rb_right);
	}
}

static struct ksm_rmap_item *
hash_unstable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	struct ksm_rmap_item *item =
		ksml_index_tree_ops.unstable_walk_next(ksm, w, cmp);

	if (item)
		unstable_prefetch_children(&item->node);
	return item;
}

static void hash_unstable_link(struct ksml *ksm, struct ksm_rmap_item *item,
			       struct ksm_walk *w)
{
	ksml_index_tree_ops.unstable_link(ksm, item, w);
	item->hint_pte =
		ksml_pte_hint(item->mm, item->address & KSML_PAGE_MASK);
	item->hint = w->page;
	item->hint_page = w->page->page;
}

static void hash_unstable_erase(struct ksml *ksm, struct ksm_rmap_item *item)
{
	ksml_index_tree_ops.unstable_erase(ksm, item);
}

static bool hash_stable_filed(struct ksml *ksm, struct ksm_stable_node *node)
{
	struct ksm_hash_index *h = hidx(ksm);
	struct ksml_hlist_node *n;

	for (n = stable_bucket(h->stable, h->stable_mask, node->key, node->nid)
			 ->first;
	     n; n = n->next)
		if (n == &node->shash)
			return true;
	return false;
}

static long hash_stable_filed_count(struct ksml *ksm)
{
	return (long)hidx(ksm)->stable_count;
}

static struct ksm_rmap_item *hash_unstable_first(struct ksml *ksm, int nid)
{
	return ksml_index_tree_ops.unstable_first(ksm, nid);
}

static struct ksm_rmap_item *hash_unstable_next(struct ksml *ksm,
						struct ksm_rmap_item *item)
{
	return ksml_index_tree_ops.unstable_next(ksm, item);
}

static bool hash_unstable_filed(struct ksml *ksm, struct ksm_rmap_item *item)
{
	return ksml_index_tree_ops.unstable_filed(ksm, item);
}

const struct ksm_index_ops ksml_index_hash_ops = {
	.name = "hash",
	.init = hash_init,
	.free = hash_free,
	.pass_start = hash_pass_start,
	.page_cmp = ksml_page_cmp,
	.stable_walk_start = hash_stable_walk_start,
	.stable_walk_next = hash_stable_walk_next,
	.stable_link = hash_stable_link,
	.stable_erase = hash_stable_erase,
	.stable_replace = hash_stable_replace,
	.stable_first = hash_stable_first,
	.stable_next = hash_stable_next,
	.chain_walk_skippable = hash_chain_walk_skippable,
	.unstable_walk_start = hash_unstable_walk_start,
	.unstable_walk_next = hash_unstable_walk_next,
	.unstable_link = hash_unstable_link,
	.unstable_erase = hash_unstable_erase,
	.stable_filed = hash_stable_filed,
	.stable_filed_count = hash_stable_filed_count,
	.unstable_first = hash_unstable_first,
	.unstable_next = hash_unstable_next,
	.unstable_filed = hash_unstable_filed,
};

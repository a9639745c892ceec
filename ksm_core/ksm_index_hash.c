/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_index_hash.c - the hash index (KSML_INDEX_HASH): both trees are hash
 * tables on the page's 64-bit hash (the XXH64 or XXH3 behind the 32-bit
 * checksum), per NUMA node.
 *
 * A content-ordered walk can only stop at the node whose page equals the
 * page, and equal pages have equal hashes: the bucket of the hash holds
 * the one candidate, found without a walk of cache misses and memcmps.
 * A candidate is taken as equal; the compare after write-protect
 * (pages_identical) still refuses to merge different pages, so a hash
 * collision, or a page that changed since it was hashed, costs a failed
 * merge, not a wrong one.
 *
 * The unstable table is emptied each pass without clearing it: a bucket
 * belongs to the pass (epoch) it was last touched in.  Tables start small
 * and grow to a bucket per page scanned when memory allows; without
 * memory the old table stays, slower but right.
 */
#include "ksm_internal.h"

struct ksm_unstable_bucket {
	struct ksml_hlist_head head;
	unsigned long epoch;
};

struct ksm_hash_index {
	struct ksml_hlist_head *stable;
	unsigned long stable_mask, stable_count;
	struct ksm_unstable_bucket *unstable;
	unsigned long unstable_mask, epoch;
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
	ksml_plat_free(h->unstable);
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
	h->unstable = ksml_index_table(0, 0, sizeof(*h->unstable), &n);
	if (!h->unstable)
		goto nomem;
	h->unstable_mask = n - 1;
	h->epoch = 1;
	h->stable = ksml_index_table(0, 0, sizeof(*h->stable), &n);
	if (!h->stable)
		goto nomem;
	h->stable_mask = n - 1;
	return 0;
nomem:
	hash_free(ksm);
	return -KSML_ENOMEM;
}

/*
 * Start of a pass: a new epoch empties the unstable table; both tables
 * grow to a bucket per rmap_item if they can.
 */
static void hash_pass_start(struct ksml *ksm)
{
	struct ksm_hash_index *h = hidx(ksm);
	unsigned long want = KSML_READ_ONCE(ksm->ksm_rmap_items), size;
	struct ksm_unstable_bucket *t;

	h->epoch++;
	stable_resize(h, want);
	t = ksml_index_table(want, h->unstable_mask + 1, sizeof(*t), &size);
	if (!t)
		return;
	/* nothing is in the new epoch yet: the old table can just go */
	ksml_plat_free(h->unstable);
	h->unstable = t;
	h->unstable_mask = size - 1;
}

/* a candidate of the walk is equal: the merge's compare has the last word */
static int hash_page_cmp(struct ksml *ksm, struct ksml_frame *page,
			 struct ksml_frame *tree_page)
{
	(void)ksm;
	(void)page;
	(void)tree_page;
	return 0;
}

static void hash_stable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				   int nid, uint64_t key)
{
	struct ksm_hash_index *h = hidx(ksm);

	w->head = stable_bucket(h->stable, h->stable_mask, key, nid);
	w->next = w->head->first;
	w->key = key;
	w->nid = nid;
	w->started = true;
}

static struct ksm_stable_node *
hash_stable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	(void)ksm;
	(void)cmp;
	while (w->next) {
		struct ksm_stable_node *node = ksml_hlist_entry(
			w->next, struct ksm_stable_node, shash);

		w->next = w->next->next;
		if (node->key == w->key && node->nid == w->nid)
			return node;
	}
	return NULL;
}

static void hash_stable_link(struct ksml *ksm, struct ksm_stable_node *node,
			     struct ksm_walk *w)
{
	(void)w;
	stable_add(hidx(ksm), node);
}

static void hash_stable_erase(struct ksml *ksm, struct ksm_stable_node *node)
{
	stable_del(hidx(ksm), node);
}

static void hash_stable_replace(struct ksml *ksm, struct ksm_stable_node *old,
				struct ksm_stable_node *new)
{
	stable_del(hidx(ksm), old);
	stable_add(hidx(ksm), new);
}

/* the first node filed under nid, from bucket i's node n on */
static struct ksm_stable_node *stable_scan(struct ksm_hash_index *h,
					   unsigned long i,
					   struct ksml_hlist_node *n, int nid)
{
	for (;;) {
		for (; n; n = n->next) {
			struct ksm_stable_node *node = ksml_hlist_entry(
				n, struct ksm_stable_node, shash);

			if (node->nid == nid)
				return node;
		}
		if (++i > h->stable_mask)
			return NULL;
		n = h->stable[i].first;
	}
}

/* bucket order; erasing a node keeps a successor taken before valid */
static struct ksm_stable_node *hash_stable_first(struct ksml *ksm, int nid)
{
	struct ksm_hash_index *h = hidx(ksm);

	return stable_scan(h, 0, h->stable[0].first, nid);
}

static struct ksm_stable_node *hash_stable_next(struct ksml *ksm,
						struct ksm_stable_node *node)
{
	struct ksm_hash_index *h = hidx(ksm);
	struct ksml_hlist_head *b =
		stable_bucket(h->stable, h->stable_mask, node->key, node->nid);

	return stable_scan(h, (unsigned long)(b - h->stable), node->shash.next,
			   node->nid);
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

static struct ksm_unstable_bucket *unstable_bucket(struct ksm_hash_index *h,
						   uint64_t key, int nid)
{
	struct ksm_unstable_bucket *b =
		&h->unstable[ksml_index_hash(key, nid) & h->unstable_mask];

	if (b->epoch != h->epoch) {
		b->head.first = NULL;
		b->epoch = h->epoch;
	}
	return b;
}

static void hash_unstable_walk_start(struct ksml *ksm, struct ksm_walk *w,
				     int nid, uint64_t key)
{
	w->head = &unstable_bucket(hidx(ksm), key, nid)->head;
	w->next = w->head->first;
	w->key = key;
	w->nid = nid;
	w->started = true;
}

static struct ksm_rmap_item *
hash_unstable_walk_next(struct ksml *ksm, struct ksm_walk *w, int cmp)
{
	(void)ksm;
	(void)cmp;
	while (w->next) {
		struct ksm_rmap_item *item =
			ksml_hlist_entry(w->next, struct ksm_rmap_item, uhash);

		w->next = w->next->next;
		if (item->key == w->key && item->nid == w->nid)
			return item;
	}
	return NULL;
}

static void hash_unstable_link(struct ksml *ksm, struct ksm_rmap_item *item,
			       struct ksm_walk *w)
{
	(void)ksm;
	ksml_hlist_add_head(&item->uhash, w->head);
}

static void hash_unstable_erase(struct ksml *ksm, struct ksm_rmap_item *item)
{
	(void)ksm;
	ksml_hlist_del(&item->uhash);
}

static bool hash_stable_filed(struct ksml *ksm, struct ksm_stable_node *node)
{
	struct ksm_walk w;
	struct ksm_stable_node *n;

	hash_stable_walk_start(ksm, &w, node->nid, node->key);
	while ((n = hash_stable_walk_next(ksm, &w, 0)))
		if (n == node)
			return true;
	return false;
}

static long hash_stable_filed_count(struct ksml *ksm)
{
	return (long)hidx(ksm)->stable_count;
}

const struct ksm_index_ops ksml_index_hash_ops = {
	.name = "hash",
	.init = hash_init,
	.free = hash_free,
	.pass_start = hash_pass_start,
	.page_cmp = hash_page_cmp,
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
};

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_index.h - the seam between KSM's logic and the trees it files pages
 * in.  mm/ksm.c walks two content-ordered rbtrees; the logic above them
 * (cmp_and_merge_page, the stable chains and dups, the keyhole checks,
 * pruning) is written once in ksm_scan.c, ksm_stable.c and ksm_unstable.c
 * and reaches the trees only through struct ksm_index_ops, chosen per
 * instance at ksml_init:
 *
 *   ksm_index_tree.c  the kernel's rbtrees, ordered by page content
 *                     (KSML_INDEX_CONTENT, the default);
 *   ksm_index_hash.c  the same rbtrees, and beside the stable tree a hash
 *                     table on the 64-bit page hash (KSML_INDEX_HASH): a
 *                     walk that can change nothing on its way (no chain,
 *                     no stale node in the tree) is a bucket look-up.
 *
 * A walk is the kernel's loop: the index hands out the next node to look
 * at, the logic looks at it (a keyhole check that may change the tree,
 * then a compare through the index's page_cmp) and tells the index the
 * result; the walk ends on an equal page, or with no node left, at the
 * place where a new node goes (link).
 */
#ifndef KSM_INDEX_H
#define KSM_INDEX_H

struct ksml;
struct ksml_frame;
struct ksm_stable_node;
struct ksm_rmap_item;

/* a walk's position: an rbtree link, or a hash bucket's next entry */
struct ksm_walk {
	struct ksml_rb_root *root;
	struct ksml_rb_node **link, *parent;
	struct ksml_hlist_head *head;
	struct ksml_hlist_node *next;
	uint64_t key;
	struct ksml_frame *page; /* the page being looked up or filed */
	int nid;
	bool started;
	bool hashed; /* a bucket look-up, not a tree walk (ksm_index_hash.c) */
};

struct ksm_index_ops {
	const char *name;
	int (*init)(struct ksml *ksm);
	void (*free)(struct ksml *ksm);
	/* start of a pass: the unstable tree is emptied */
	void (*pass_start)(struct ksml *ksm);
	/* order of page against a tree page: < 0, 0 (equal: the walk ends), > 0
	 */
	int (*page_cmp)(struct ksml *ksm, struct ksml_frame *page,
			struct ksml_frame *tree_page);

	/*
	 * Stable tree of node nid: regular nodes and chains.  to_file: the
	 * walk must end at the place a new node is filed (an insert, or a
	 * search for a migrated KSM page's node).
	 */
	void (*stable_walk_start)(struct ksml *ksm, struct ksm_walk *w, int nid,
				  uint64_t key, bool to_file);
	/* the next node to look at, after the last one compared cmp; NULL: end
	 */
	struct ksm_stable_node *(*stable_walk_next)(struct ksml *ksm,
						    struct ksm_walk *w,
						    int cmp);
	/* file node where the walk ended */
	void (*stable_link)(struct ksml *ksm, struct ksm_stable_node *node,
			    struct ksm_walk *w);
	void (*stable_erase)(struct ksml *ksm, struct ksm_stable_node *node);
	void (*stable_replace)(struct ksml *ksm, struct ksm_stable_node *old,
			       struct ksm_stable_node *new);
	/* every node filed under nid; erasing a node keeps a successor taken
	 * before */
	struct ksm_stable_node *(*stable_first)(struct ksml *ksm, int nid);
	struct ksm_stable_node *(*stable_next)(struct ksml *ksm,
					       struct ksm_stable_node *node);
	/*
	 * May a chain's dup walk be skipped, the first dup taken at once?
	 * NULL: never (the kernel walks).  The hash index skips a walk that
	 * would end on the first dup and change nothing.
	 */
	bool (*chain_walk_skippable)(struct ksml *ksm,
				     struct ksm_stable_node *chain, bool prune);

	/* unstable tree of node nid, emptied each pass */
	void (*unstable_walk_start)(struct ksml *ksm, struct ksm_walk *w,
				    int nid, uint64_t key,
				    struct ksml_frame *page);
	struct ksm_rmap_item *(*unstable_walk_next)(struct ksml *ksm,
						    struct ksm_walk *w,
						    int cmp);
	void (*unstable_link)(struct ksml *ksm, struct ksm_rmap_item *item,
			      struct ksm_walk *w);
	void (*unstable_erase)(struct ksml *ksm, struct ksm_rmap_item *item);

	/*
	 * For the checker (NULL: nothing to check): is node filed where a
	 * walk for its own content finds it, and how many nodes are filed.
	 */
	bool (*stable_filed)(struct ksml *ksm, struct ksm_stable_node *node);
	long (*stable_filed_count)(struct ksml *ksm);
	/*
	 * For the checker too: the unstable tree of nid in its order, and
	 * whether item is filed in the tree of its nid.
	 */
	struct ksm_rmap_item *(*unstable_first)(struct ksml *ksm, int nid);
	struct ksm_rmap_item *(*unstable_next)(struct ksml *ksm,
					       struct ksm_rmap_item *item);
	bool (*unstable_filed)(struct ksml *ksm, struct ksm_rmap_item *item);
};

/*
 * The hash tables (the hash index's, model knowledge's) are zeroed power-
 * of-two arrays that only grow, to a slot per page scanned.  A new table
 * of at least want entries (and 1024), or NULL when the current size cur
 * is enough or there is no memory: then the old table stays, slower but
 * right.
 */
static inline void *ksml_index_table(unsigned long want, unsigned long cur,
				     size_t entry, unsigned long *size)
{
	unsigned long n = 1024;
	void *t;

	while (n < want && n < (1ul << 30))
		n <<= 1;
	if (n <= cur)
		return NULL;
	t = ksml_plat_zalloc(n * entry);
	if (t)
		*size = n;
	return t;
}

/* slot of a 64-bit page hash in such a table: its high bits, per node */
static inline uint64_t ksml_index_hash(uint64_t key, int nid)
{
	return (key ^ (uint64_t)nid * 0x9e3779b97f4a7c15ull) >> 20;
}

extern const struct ksm_index_ops ksml_index_tree_ops;
extern const struct ksm_index_ops ksml_index_hash_ops;

#endif /* KSM_INDEX_H */

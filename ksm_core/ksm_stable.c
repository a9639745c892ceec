/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_stable.c - the stable tree: KSM pages ordered by content, chains of
 * dups when one content has more mappings than max_page_sharing allows,
 * the keyhole validation of a node's page, and node removal.
 *
 * A stable node holds no reference on its KSM frame.  The frame points
 * back at the node (frame->mapping) while it is a KSM page; when its last
 * mapping goes, the frame is freed and the pointer cleared, and the next
 * look-up through the node finds it stale and removes it, with every
 * rmap_item that hung from it (ksml_get_ksm_page).
 */
#include "ksm_internal.h"

/* its address marks a dup inside a chain; never dereferenced */
const char ksml_stable_node_dup_marker;

static struct ksm_stable_node *alloc_stable_node(struct ksml *ksm)
{
	return ksml_plat_cache_zalloc(ksm->stable_node_cache);
}

static void free_stable_node(struct ksml *ksm, struct ksm_stable_node *node)
{
	ksml_plat_cache_free(ksm->stable_node_cache, node);
}

/*
 * Order of two pages in the kernel's trees: by content.  Counted for the
 * bench: a compare that found the pages equal read both to the end; one
 * that found a difference stopped where it was, which memcmp does not say.
 */
int ksml_page_cmp(struct ksml *ksm, struct ksml_frame *a, struct ksml_frame *b)
{
	void *pa, *pb;
	int r;

	pa = ksml_plat_page_map(a->page);
	pb = ksml_plat_page_map(b->page);
	r = ksml_plat_page_cmp(pa, pb);
	ksml_plat_page_unmap(pb);
	ksml_plat_page_unmap(pa);
	KSML_COUNTER_ADD(ksm->ksm_page_compares, 1);
	if (!r)
		KSML_COUNTER_ADD(ksm->ksm_page_compares_equal, 1);
	return r;
}

/* every change of the stable tree's membership goes through the index */
static void stable_tree_erase(struct ksml *ksm, struct ksm_stable_node *node)
{
	ksm->index->stable_erase(ksm, node);
}

static void stable_tree_replace(struct ksml *ksm, struct ksm_stable_node *old,
				struct ksm_stable_node *new)
{
	ksm->index->stable_replace(ksm, old, new);
}

static inline bool __is_page_sharing_candidate(struct ksml *ksm,
					       struct ksm_stable_node *node,
					       int offset)
{
	return node->rmap_hlist_len &&
	       node->rmap_hlist_len + offset < ksm->ksm_max_page_sharing;
}

bool ksml_is_page_sharing_candidate(struct ksml *ksm,
				    struct ksm_stable_node *node)
{
	return __is_page_sharing_candidate(ksm, node, 0);
}

/*
 * A dup's mapping count changes: keep its chain's count of candidates, so
 * that a search of a chain with none needs no walk (stable_node_dup).
 */
static void stable_node_len_add(struct ksml *ksm, struct ksm_stable_node *node,
				int delta)
{
	bool was = __is_page_sharing_candidate(ksm, node, 0);

	node->rmap_hlist_len += delta;
	if (node->chain)
		node->chain->nr_candidates +=
			(int)__is_page_sharing_candidate(ksm, node, 0) - (int)was;
}

static void __stable_node_dup_del(struct ksml *ksm, struct ksm_stable_node *dup)
{
	if (dup->chain)
		dup->chain->nr_candidates -= __is_page_sharing_candidate(ksm, dup, 0);
	dup->chain = NULL;
	ksml_hlist_del(&dup->hlist_dup);
	KSML_COUNTER_ADD(ksm->ksm_stable_node_dups, -1);
}

static void stable_node_dup_del(struct ksml *ksm, struct ksm_stable_node *dup)
{
	if (is_stable_node_dup(dup))
		__stable_node_dup_del(ksm, dup);
	else
		stable_tree_erase(ksm, dup);
}

static void stable_node_chain_add_dup(struct ksml *ksm,
				      struct ksm_stable_node *dup,
				      struct ksm_stable_node *chain)
{
	dup->head = STABLE_NODE_DUP_HEAD;
	dup->chain = chain;
	chain->nr_candidates += __is_page_sharing_candidate(ksm, dup, 0);
	ksml_hlist_add_head(&dup->hlist_dup, &chain->hlist);
	KSML_COUNTER_ADD(ksm->ksm_stable_node_dups, 1);
}

/* turn the regular node dup into the first dup of a new chain in its place */
static struct ksm_stable_node *
alloc_stable_node_chain(struct ksml *ksm, struct ksm_stable_node *dup)
{
	struct ksm_stable_node *chain = alloc_stable_node(ksm);

	if (!chain)
		return NULL;
	chain->rmap_hlist_len = STABLE_NODE_CHAIN;
	chain->nid = dup->nid;
	chain->key = dup->key;
	chain->chain_prune_time = ksml_jiffies(ksm);
	stable_tree_replace(ksm, dup, chain);
	KSML_COUNTER_ADD(ksm->ksm_stable_node_chains, 1);
	stable_node_chain_add_dup(ksm, dup, chain);
	return chain;
}

static void free_stable_node_chain(struct ksml *ksm,
				   struct ksm_stable_node *chain)
{
	stable_tree_erase(ksm, chain);
	free_stable_node(ksm, chain);
	KSML_COUNTER_ADD(ksm->ksm_stable_node_chains, -1);
}

static void remove_node_from_stable_tree(struct ksml *ksm,
					 struct ksm_stable_node *node)
{
	struct ksml_hlist_node *n, *next;

	for (n = node->hlist.first; n; n = next) {
		struct ksm_rmap_item *item =
			ksml_hlist_entry(n, struct ksm_rmap_item, hlist);

		next = n->next;
		/* the last item of the list is the one counted as shared */
		if (next)
			KSML_COUNTER_ADD(ksm->ksm_pages_sharing, -1);
		else
			KSML_COUNTER_ADD(ksm->ksm_pages_shared, -1);
		KSML_COUNTER_ADD(item->mm->ksm_merging_pages, -1);
		KSML_WARN_ON(node->rmap_hlist_len <= 0);
		stable_node_len_add(ksm, node, -1);
		item->address &= KSML_PAGE_MASK;
		item->head = NULL;
		item->hlist.next = NULL;
		item->hlist.pprev = NULL;
	}
	node->hlist.first = NULL;

	if (node->head == &ksm->migrate_nodes)
		ksml_list_del(&node->list);
	else
		stable_node_dup_del(ksm, node);
	free_stable_node(ksm, node);
}

/**
 * ksml_get_ksm_page - the page of a stable node, if it is still KSM
 * @flags: KSML_GET_FOLIO_NOLOCK, _LOCK or _TRYLOCK
 *
 * Returns the frame with a reference (and locked for LOCK/TRYLOCK), NULL
 * if the node was stale (it has been removed), or KSML_FOLIO_BUSY if
 * TRYLOCK found the page locked.
 */
struct ksml_frame *ksml_get_ksm_page(struct ksml *ksm,
				     struct ksm_stable_node *node, int flags)
{
	struct ksml_frame *f;
	unsigned int seq;

again:
	seq = ksml_atomic_read(&node->kpfn_seq);
	f = KSML_READ_ONCE(node->kpfn);
	if (KSML_READ_ONCE(f->mapping) != node || !KSML_READ_ONCE(f->ksm))
		goto stale;
	/*
	 * The frame may be freed (refcount 0) and reused under us: take a
	 * reference only if it is live, then check again that it is ours.
	 */
	if (!ksml_frame_get_unless_zero(f))
		goto stale;
	if (KSML_READ_ONCE(f->mapping) != node) {
		ksml_frame_put(ksm, f);
		goto stale;
	}
	if (flags == KSML_GET_FOLIO_TRYLOCK) {
		if (!ksml_bit_trylock(&f->lock)) {
			ksml_frame_put(ksm, f);
			return KSML_FOLIO_BUSY;
		}
	} else if (flags == KSML_GET_FOLIO_LOCK) {
		ksml_frame_lock(f);
	}
	if (flags != KSML_GET_FOLIO_NOLOCK &&
	    KSML_READ_ONCE(f->mapping) != node) {
		ksml_bit_unlock(&f->lock);
		ksml_frame_put(ksm, f);
		goto stale;
	}
	return f;

stale:
	/*
	 * Migration writes the new kpfn before it clears the old frame's
	 * mapping (ksml_vm_migrate): if kpfn moved, look again.  A kpfn that
	 * reads the same twice is not enough in the model: a frame freed by
	 * one migration is the first its node's free list gives the next, so
	 * a node's page can move away and back to the same frame between our
	 * two reads, and f's mapping was read while it was free.  kpfn_seq
	 * moves with every migration of the node: unchanged and even, no
	 * migration overlapped the look-up, and f really lost its mapping.
	 */
	ksml_smp_mb();
	if (KSML_READ_ONCE(node->kpfn) != f ||
	    KSML_READ_ONCE(node->kpfn_seq) != seq || (seq & 1)) {
		/* a migration is under way: let it finish */
		ksml_plat_yield();
		goto again;
	}
	ksml_atomic_add(&ksm->ksm_stale_nodes_removed, 1);
	remove_node_from_stable_tree(ksm, node);
	return NULL;
}

/**
 * ksml_folio_migrate_ksm - a migrated KSM page's node follows it to newfolio
 *
 * Called by migration with folio locked, its mappings moved to newfolio
 * and every page-table lock held (which serialises the callers).  The new
 * kpfn is written before the old page's mapping is cleared, so a look-up
 * that finds the old page no longer KSM re-reads kpfn and finds the new
 * one; kpfn_seq, odd meanwhile, tells a stale check that overlapped the
 * move to look again (ksml_get_ksm_page).
 */
void ksml_folio_migrate_ksm(struct ksml_frame *newfolio,
			    struct ksml_frame *folio)
{
	struct ksm_stable_node *node = page_stable_node(folio);

	if (!node)
		return;
	ksml_atomic_set(&node->kpfn_seq, node->kpfn_seq + 1);
	ksml_smp_mb();
	KSML_WRITE_ONCE(newfolio->mapping, node);
	KSML_WRITE_ONCE(newfolio->ksm, true);
	KSML_WRITE_ONCE(node->kpfn, newfolio);
	ksml_smp_mb(); /* pairs with the re-read in ksml_get_ksm_page */
	KSML_WRITE_ONCE(folio->mapping, NULL);
	KSML_WRITE_ONCE(folio->ksm, false);
	ksml_atomic_set(&node->kpfn_seq, node->kpfn_seq + 1);
}

/**
 * ksml_remove_rmap_item_from_tree - drop an item's stable/unstable membership
 */
void ksml_remove_rmap_item_from_tree(struct ksml *ksm,
				     struct ksm_rmap_item *rmap_item)
{
	if (rmap_item->address & STABLE_FLAG) {
		struct ksm_stable_node *node = rmap_item->head;
		struct ksml_frame *f;

		f = ksml_get_ksm_page(ksm, node, KSML_GET_FOLIO_LOCK);
		if (!f)
			goto out; /* the stale node took the item with it */

		ksml_hlist_del(&rmap_item->hlist);
		ksml_bit_unlock(&f->lock);
		ksml_frame_put(ksm, f);

		if (!ksml_hlist_empty(&node->hlist))
			KSML_COUNTER_ADD(ksm->ksm_pages_sharing, -1);
		else
			KSML_COUNTER_ADD(ksm->ksm_pages_shared, -1);
		KSML_COUNTER_ADD(rmap_item->mm->ksm_merging_pages, -1);
		KSML_WARN_ON(node->rmap_hlist_len <= 0);
		stable_node_len_add(ksm, node, -1);
		rmap_item->head = NULL;
		rmap_item->address &= KSML_PAGE_MASK;
	} else if (rmap_item->address & UNSTABLE_FLAG) {
		unsigned char age;

		/*
		 * An item inserted in this pass (age 0) is still in the tree;
		 * one from the previous pass (age 1) went with the root reset
		 * at the start of this pass.  Anything older cannot exist.
		 */
		age = (unsigned char)(ksm->ksm_scan.seqnr - rmap_item->address);
		KSML_WARN_ON(age > 1);
		if (!age)
			ksm->index->unstable_erase(ksm, rmap_item);
		KSML_COUNTER_ADD(ksm->ksm_pages_unshared, -1);
		rmap_item->address &= KSML_PAGE_MASK;
	}
out:
	ksml_plat_yield();
}

/*
 * Choose the dup of a chain to merge with (see ksm-spec §4.2): the first
 * candidate, or with pruning (at most once per prune interval) the
 * fullest candidate after validating every dup.  Collapses a chain left
 * with one dup; frees a chain left with none.  Returns the dup's page
 * with a reference, or NULL (the tree may have changed: restart).
 */
static struct ksml_frame *
stable_node_dup(struct ksml *ksm, struct ksm_stable_node **_stable_node_dup,
		struct ksm_stable_node **_stable_node, bool prune)
{
	struct ksm_stable_node *chain = *_stable_node, *found = NULL;
	struct ksml_hlist_node *n, *next;
	struct ksml_frame *tree_folio = NULL;
	int found_len = 0;
	unsigned long now = ksml_jiffies(ksm);
	unsigned long gone = ksml_atomic_read(&ksm->ksm_frames_gone);
	bool walked_all = true;

	if (!prune ||
	    (long)(now - (chain->chain_prune_time +
			  ksml_msecs_to_jiffies(
				  KSML_READ_ONCE(ksm->ksm_stable_node_chains_prune_millisecs)))) < 0)
		prune = false;
	else
		chain->chain_prune_time = now;

	/* an index may know that the walk below would change nothing */
	if (ksm->index->chain_walk_skippable &&
	    ksm->index->chain_walk_skippable(ksm, chain, prune)) {
		found = ksml_hlist_entry(chain->hlist.first, struct ksm_stable_node,
					 hlist_dup);
		tree_folio = ksml_get_ksm_page(ksm, found, KSML_GET_FOLIO_NOLOCK);
		if (tree_folio)
			goto chosen;
		found = NULL; /* raced with a free: walk */
	}

	for (n = chain->hlist.first; n; n = next) {
		struct ksm_stable_node *dup =
			ksml_hlist_entry(n, struct ksm_stable_node, hlist_dup);
		struct ksml_frame *f;

		next = n->next;
		ksml_plat_yield();
		/* a stale dup is removed from the chain right here */
		f = ksml_get_ksm_page(ksm, dup, KSML_GET_FOLIO_NOLOCK);
		if (!f)
			continue;
		if (!found || (ksml_is_page_sharing_candidate(ksm, dup) &&
			       (!ksml_is_page_sharing_candidate(ksm, found) ||
				dup->rmap_hlist_len > found_len))) {
			if (found)
				ksml_frame_put(ksm, tree_folio);
			found = dup;
			found_len = dup->rmap_hlist_len;
			tree_folio = f;
			if (!prune && ksml_is_page_sharing_candidate(ksm, found)) {
				walked_all = next == NULL;
				break;
			}
			continue;
		}
		ksml_frame_put(ksm, f);
	}
	if (walked_all)
		chain->clean_gen = gone; /* every stale dup went in this walk */

chosen:
	if (found) {
		if (ksml_hlist_is_singular_node(&found->hlist_dup, &chain->hlist)) {
			/* one dup left: the chain is no longer needed */
			stable_tree_replace(ksm, chain, found);
			found->head = NULL;
			found->chain = NULL;
			free_stable_node(ksm, chain);
			KSML_COUNTER_ADD(ksm->ksm_stable_node_chains, -1);
			KSML_COUNTER_ADD(ksm->ksm_stable_node_dups, -1);
			*_stable_node = found;
		} else if (chain->hlist.first != &found->hlist_dup &&
			   __is_page_sharing_candidate(ksm, found, 1)) {
			/* room for more: put it first for the next search */
			ksml_hlist_del(&found->hlist_dup);
			ksml_hlist_add_head(&found->hlist_dup, &chain->hlist);
		}
	} else {
		/* every dup was stale */
		free_stable_node_chain(ksm, chain);
	}
	*_stable_node_dup = found;
	return tree_folio;
}

static struct ksml_frame *
__stable_node_chain(struct ksml *ksm, struct ksm_stable_node **_stable_node_dup,
		    struct ksm_stable_node **_stable_node, bool prune)
{
	struct ksm_stable_node *node = *_stable_node;

	if (!is_stable_node_chain(node)) {
		*_stable_node_dup = node;
		return ksml_get_ksm_page(ksm, node, KSML_GET_FOLIO_NOLOCK);
	}
	return stable_node_dup(ksm, _stable_node_dup, _stable_node, prune);
}

/* the parked (migrated) node of a KSM page, or NULL */
static bool is_parked(struct ksml *ksm, struct ksm_stable_node *node)
{
	return node->head == &ksm->migrate_nodes;
}

static void park_node(struct ksml *ksm, struct ksm_stable_node *node)
{
	node->head = &ksm->migrate_nodes;
	ksml_list_add_after(&node->list, &ksm->migrate_nodes);
}

/**
 * ksml_stable_tree_search - a KSM page with the same content as page
 *
 * Returns that page with a reference, NULL, or KSML_FOLIO_BUSY.
 */
struct ksml_frame *ksml_stable_tree_search(struct ksml *ksm,
					   struct ksml_frame *page, uint64_t key)
{
	const struct ksm_index_ops *idx = ksm->index;
	struct ksm_stable_node *page_node = page_stable_node(page);
	struct ksm_stable_node *stable_node, *stable_node_dup = NULL;
	struct ksm_walk w;
	int nid, ret;

	if (page_node && !is_parked(ksm, page_node)) {
		/* a KSM page reached through a forked mapping */
		ksml_frame_get(page);
		return page;
	}
	nid = get_kpfn_nid(ksm, page);
again:
	idx->stable_walk_start(ksm, &w, nid, key, page_node != NULL);
	ret = 0;
	while ((stable_node = idx->stable_walk_next(ksm, &w, ret))) {
		struct ksml_frame *tree_folio;

		ksml_plat_yield();
		tree_folio = __stable_node_chain(ksm, &stable_node_dup,
						 &stable_node, true);
		if (!tree_folio)
			goto again; /* a stale node was erased: tree changed */
		ret = idx->page_cmp(ksm, page, tree_folio);
		ksml_frame_put(ksm, tree_folio);
		if (!ret)
			goto found;
	}

	if (!page_node)
		return NULL;
	/* a migrated KSM page whose content is new to this node's tree */
	ksml_list_del(&page_node->list);
	page_node->head = NULL;
	page_node->nid = nid;
	idx->stable_link(ksm, page_node, &w);
out:
	if (ksml_is_page_sharing_candidate(ksm, page_node)) {
		ksml_frame_get(page);
		return page;
	}
	return NULL;

found:
	{
		struct ksml_frame *tree_folio;

		if (page_node && ksml_atomic_read(&page->mapcount) > 1)
			goto chain_append;
		if (!ksml_is_page_sharing_candidate(ksm, stable_node_dup))
			return NULL; /* all full: pair in the unstable tree */
		/*
		 * Lock and unlock the page so a migration in flight sees our
		 * reference.
		 */
		tree_folio = ksml_get_ksm_page(ksm, stable_node_dup,
					       KSML_GET_FOLIO_TRYLOCK);
		if (tree_folio == KSML_FOLIO_BUSY)
			return KSML_FOLIO_BUSY;
		if (!tree_folio)
			goto again;
		ksml_bit_unlock(&tree_folio->lock);
		if (get_kpfn_nid(ksm, stable_node_dup->kpfn) != stable_node_dup->nid) {
			ksml_frame_put(ksm, tree_folio);
			goto replace;
		}
		return tree_folio;
	}

replace:
	/* the dup's page moved to another node: file it there later */
	if (stable_node_dup == stable_node) {
		if (page_node) {
			ksml_list_del(&page_node->list);
			page_node->head = NULL;
			page_node->nid = nid;
			stable_tree_replace(ksm, stable_node_dup, page_node);
			if (ksml_is_page_sharing_candidate(ksm, page_node))
				ksml_frame_get(page);
			else
				page = NULL;
		} else {
			stable_tree_erase(ksm, stable_node_dup);
			page = NULL;
		}
	} else {
		__stable_node_dup_del(ksm, stable_node_dup);
		if (page_node) {
			ksml_list_del(&page_node->list);
			page_node->nid = nid;
			stable_node_chain_add_dup(ksm, page_node, stable_node);
			if (ksml_is_page_sharing_candidate(ksm, page_node))
				ksml_frame_get(page);
			else
				page = NULL;
		} else {
			page = NULL;
		}
	}
	park_node(ksm, stable_node_dup);
	return page;

chain_append:
	if (stable_node_dup == stable_node) {
		stable_node = alloc_stable_node_chain(ksm, stable_node_dup);
		if (!stable_node)
			return NULL;
	}
	ksml_list_del(&page_node->list);
	page_node->nid = nid;
	stable_node_chain_add_dup(ksm, page_node, stable_node);
	goto out;
}

/**
 * ksml_stable_tree_insert - file a new KSM page in the stable tree
 *
 * Returns its new node, or NULL if no node could be allocated.
 */
struct ksm_stable_node *ksml_stable_tree_insert(struct ksml *ksm,
						struct ksml_frame *kfolio,
						uint64_t key)
{
	const struct ksm_index_ops *idx = ksm->index;
	struct ksm_stable_node *stable_node = NULL, *stable_node_dup;
	struct ksm_walk w;
	bool need_chain = false;
	int nid, ret;

	nid = get_kpfn_nid(ksm, kfolio);
again:
	idx->stable_walk_start(ksm, &w, nid, key, true);
	ret = 0;
	while ((stable_node = idx->stable_walk_next(ksm, &w, ret))) {
		struct ksml_frame *tree_folio;

		ksml_plat_yield();
		tree_folio = __stable_node_chain(ksm, &stable_node_dup,
						 &stable_node, false);
		if (!tree_folio)
			goto again;
		ret = idx->page_cmp(ksm, kfolio, tree_folio);
		ksml_frame_put(ksm, tree_folio);
		if (!ret) {
			need_chain = true;
			break;
		}
	}

	stable_node_dup = alloc_stable_node(ksm);
	if (!stable_node_dup)
		return NULL;
	stable_node_dup->kpfn = kfolio;
	stable_node_dup->rmap_hlist_len = 0;
	stable_node_dup->nid = nid;
	stable_node_dup->key = key;
	if (!need_chain) {
		idx->stable_link(ksm, stable_node_dup, &w);
	} else {
		if (!is_stable_node_chain(stable_node)) {
			struct ksm_stable_node *orig = stable_node;

			stable_node = alloc_stable_node_chain(ksm, orig);
			if (!stable_node) {
				free_stable_node(ksm, stable_node_dup);
				return NULL;
			}
		}
		stable_node_chain_add_dup(ksm, stable_node_dup, stable_node);
	}
	KSML_WRITE_ONCE(kfolio->mapping, stable_node_dup);
	return stable_node_dup;
}

/* add an rmap_item to a stable node's list of mappings (under its page lock) */
void ksml_stable_tree_append(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			     struct ksm_stable_node *stable_node,
			     bool max_page_sharing_bypass)
{
	/* a chain here would lose the mapping from every rmap walk */
	KSML_WARN_ON(stable_node->rmap_hlist_len < 0);
	stable_node_len_add(ksm, stable_node, 1);
	if (!max_page_sharing_bypass)
		KSML_WARN_ON(stable_node->rmap_hlist_len > ksm->ksm_max_page_sharing);
	rmap_item->head = stable_node;
	rmap_item->address |= STABLE_FLAG;
	ksml_hlist_add_head(&rmap_item->hlist, &stable_node->hlist);
	if (rmap_item->hlist.next)
		KSML_COUNTER_ADD(ksm->ksm_pages_sharing, 1);
	else
		KSML_COUNTER_ADD(ksm->ksm_pages_shared, 1);
	KSML_COUNTER_ADD(rmap_item->mm->ksm_merging_pages, 1);
}

/*
 * run=2 and the knob writers: take a node out while its page is not
 * mapped.  Returns -KSML_EBUSY if some page is still mapped.
 */
static int remove_stable_node(struct ksml *ksm, struct ksm_stable_node *node)
{
	struct ksml_frame *f = ksml_get_ksm_page(ksm, node, KSML_GET_FOLIO_LOCK);
	int err = -KSML_EBUSY;

	if (!f)
		return 0; /* stale: already removed */
	if (!ksml_atomic_read(&f->mapcount)) {
		/* detach the page first, so nobody finds it through the node */
		KSML_WRITE_ONCE(f->ksm, false);
		KSML_WRITE_ONCE(f->mapping, NULL);
		remove_node_from_stable_tree(ksm, node);
		err = 0;
	}
	ksml_bit_unlock(&f->lock);
	ksml_frame_put(ksm, f);
	return err;
}

static int remove_stable_node_chain(struct ksml *ksm,
				    struct ksm_stable_node *node)
{
	struct ksml_hlist_node *n, *next;

	if (!is_stable_node_chain(node))
		return remove_stable_node(ksm, node) ? 1 : 0;
	for (n = node->hlist.first; n; n = next) {
		next = n->next;
		if (remove_stable_node(ksm, ksml_hlist_entry(
				n, struct ksm_stable_node, hlist_dup)))
			return 1;
	}
	free_stable_node_chain(ksm, node);
	return 0;
}

int ksml_remove_all_stable_nodes(struct ksml *ksm)
{
	struct ksml_list_head *pos, *next;
	int nid, err = 0;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
		struct ksm_stable_node *node, *nxt;

		for (node = ksml_stable_tree_first(ksm, nid); node; node = nxt) {
			nxt = ksml_stable_tree_next(ksm, node);
			if (remove_stable_node_chain(ksm, node)) {
				err = -KSML_EBUSY;
				break; /* proceed to the next nid */
			}
			ksml_plat_yield();
		}
	}
	for (pos = ksm->migrate_nodes.next; pos != &ksm->migrate_nodes;
	     pos = next) {
		next = pos->next;
		if (remove_stable_node(ksm, ksml_list_entry(
				pos, struct ksm_stable_node, list)))
			err = -KSML_EBUSY;
		ksml_plat_yield();
	}
	return err;
}

/* pass start with merge_across_nodes=0: purge parked nodes that went stale */
void ksml_prune_migrate_nodes(struct ksml *ksm)
{
	struct ksml_list_head *pos, *next;

	for (pos = ksm->migrate_nodes.next; pos != &ksm->migrate_nodes;
	     pos = next) {
		struct ksml_frame *f;

		next = pos->next;
		f = ksml_get_ksm_page(ksm, ksml_list_entry(pos, struct ksm_stable_node, list),
				      KSML_GET_FOLIO_NOLOCK);
		if (f)
			ksml_frame_put(ksm, f);
		ksml_plat_yield();
	}
}

/*
 * cmp_and_merge_page on a KSM page whose node is filed under another
 * node's tree than its page is on now: park it for re-filing.
 */
void ksml_stable_node_migrate_check(struct ksml *ksm,
				    struct ksm_stable_node *stable_node)
{
	if (is_parked(ksm, stable_node))
		return;
	if (get_kpfn_nid(ksm, stable_node->kpfn) == stable_node->nid)
		return;
	stable_node_dup_del(ksm, stable_node);
	park_node(ksm, stable_node);
}

static bool stable_node_dup_remove_range(struct ksml *ksm,
					 struct ksm_stable_node *node,
					 unsigned long start_pfn,
					 unsigned long end_pfn)
{
	struct ksml_frame *f = KSML_READ_ONCE(node->kpfn);

	if (f->pfn >= start_pfn && f->pfn < end_pfn) {
		/*
		 * The memory is going away: drop the node.  In the kernel
		 * the page was migrated away first; in the model it may
		 * still be mapped, so it stops being a KSM page (its
		 * mappings stay read-only and break on write).
		 */
		if (KSML_READ_ONCE(f->mapping) == node) {
			KSML_WRITE_ONCE(f->ksm, false);
			KSML_WRITE_ONCE(f->mapping, NULL);
		}
		remove_node_from_stable_tree(ksm, node);
		return true;
	}
	return false;
}

static bool stable_node_chain_remove_range(struct ksml *ksm,
					   struct ksm_stable_node *node,
					   unsigned long start_pfn,
					   unsigned long end_pfn)
{
	struct ksml_hlist_node *n, *next;

	if (!is_stable_node_chain(node))
		return stable_node_dup_remove_range(ksm, node, start_pfn, end_pfn);
	for (n = node->hlist.first; n; n = next) {
		next = n->next;
		stable_node_dup_remove_range(
			ksm, ksml_hlist_entry(n, struct ksm_stable_node, hlist_dup),
			start_pfn, end_pfn);
	}
	if (ksml_hlist_empty(&node->hlist)) {
		free_stable_node_chain(ksm, node);
		return true;
	}
	return false;
}

/* memory hot-remove: forget every node whose page is in [start, end) */
void ksml_check_stable_tree(struct ksml *ksm, unsigned long start_pfn,
			    unsigned long end_pfn)
{
	struct ksml_list_head *pos, *next;
	int nid;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
		struct ksm_stable_node *sn, *nxt;

		for (sn = ksml_stable_tree_first(ksm, nid); sn; sn = nxt) {
			nxt = ksml_stable_tree_next(ksm, sn);
			stable_node_chain_remove_range(ksm, sn, start_pfn,
						       end_pfn);
			ksml_plat_yield();
		}
	}
	for (pos = ksm->migrate_nodes.next; pos != &ksm->migrate_nodes;
	     pos = next) {
		next = pos->next;
		stable_node_dup_remove_range(
			ksm, ksml_list_entry(pos, struct ksm_stable_node, list),
			start_pfn, end_pfn);
	}
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_checker.h - a test of the invariant checker itself, for fuzz_ops
 * (single-threaded, no ksmd: nothing else looks at the structures while
 * they are wrong).
 *
 * fc_breach() breaks ONE thing the checker claims to check (chosen by the
 * input: a counter, an rmap_item's flags or order, a stable node's length,
 * nid, chain link or head, a frame's refcount or mapcount, the content
 * order of the stable or unstable tree, a stable item's KSM page...),
 * then requires of ksml_check_invariants():
 *  - it fails, and its message names exactly that breach (its first
 *    failure is the one the breach causes: what is broken is chosen so
 *    that nothing the checker looks at earlier is affected);
 *  - with a 16-byte buffer it still fails, with the message's prefix;
 *  - with no buffer at all it still fails;
 * and then repairs it exactly; the caller's fw_check_core() afterwards
 * proves the repair.  Only fields the checker reads are touched, and only
 * between two operations, so no core code runs on the broken state.  A
 * breach whose object does not exist in this state does nothing.
 */
#ifndef KSML_FUZZ_CHECKER_H
#define KSML_FUZZ_CHECKER_H

#include "ksm_internal.h"
#include "fuzz_world.h"

enum fc_breach_kind {
	FC_SLOT_FLAG,	  /* a slot's mm loses MMF_VM_MERGEABLE */
	FC_MM_ITEMS,	  /* an mm's ksm_rmap_items + 1 */
	FC_ASCEND,	  /* an rmap_item's address = the previous one's */
	FC_BOTH_FLAGS,	  /* an UNSTABLE item also STABLE */
	FC_AGE,		  /* an UNSTABLE item 5 passes old */
	FC_NODE_LEN,	  /* a node's rmap_hlist_len + 1 */
	FC_ITEM_SFLAG,	  /* a stable item loses STABLE_FLAG */
	FC_ITEM_HEAD,	  /* a stable item's head NULL */
	FC_TREE_DUP,	  /* a tree node marked a dup */
	FC_TREE_NID,	  /* a tree node's nid + 1 */
	FC_TREE_KEY,	  /* a tree node's key (hash index) flipped */
	FC_REG_CHAIN,	  /* a regular node with a chain */
	FC_DUP_HEAD,	  /* a dup not marked a dup */
	FC_DUP_CHAIN,	  /* a dup's chain NULL */
	FC_CANDIDATES,	  /* a chain's nr_candidates + 1 */
	FC_STABLE_ORDER,  /* a KSM page gets its predecessor's content */
	FC_PARKED,	  /* a parked node's head NULL */
	FC_COUNTER,	  /* one of ksm's counters + 1 */
	FC_VOLATILE_STABLE, /* an item of neither tree flagged STABLE */
	FC_MM_MERGING,	  /* an mm's ksm_merging_pages + 1 */
	FC_MM_ZERO,	  /* an mm's ksm_zero_pages - 1 */
	FC_ZERO,	  /* ksm_zero_pages + 1 */
	FC_MAPCOUNT,	  /* a mapped frame's mapcount + 1 */
	FC_REFCOUNT,	  /* a mapped frame's refcount + 1 */
	FC_UNSTABLE_ORDER, /* an unstable page gets its predecessor's content */
	FC_ITEM_PTE,	  /* a stable node's kpfn the zero frame */
	FC_TREE_UFLAG,	  /* an unstable tree item loses UNSTABLE_FLAG */
	FC_TREE_AGE,	  /* an unstable tree item one pass old */
	FC_NR
};

struct fc_state {
	struct ksml *ksm;
	unsigned int which; /* the which-th candidate object, modulo */
	/* candidates, in a fixed walk order */
	void *cand[32];
	int n;
};

FW_FN void fc_add(struct fc_state *s, void *p)
{
	if (s->n < (int)(sizeof(s->cand) / sizeof(s->cand[0])))
		s->cand[s->n++] = p;
}

FW_FN void *fc_pick(struct fc_state *s)
{
	return s->n ? s->cand[s->which % (unsigned int)s->n] : NULL;
}

static inline bool fc_scanning(struct ksml *ksm)
{
	return ksm->ksm_scan.mm_slot != &ksm->ksm_mm_head;
}

/* rmap_items on the slots; flags: which kinds (0 any, else must match) */
FW_FN void fc_items(struct fc_state *s, unsigned long mask, unsigned long want,
		    bool not_first)
{
	struct ksml_list_head *pos;

	for (pos = s->ksm->ksm_mm_head.mm_node.next; pos != &s->ksm->ksm_mm_head.mm_node;
	     pos = pos->next) {
		struct ksm_mm_slot *slot = ksml_list_entry(pos, struct ksm_mm_slot, mm_node);
		struct ksm_rmap_item *item;

		for (item = slot->rmap_list; item; item = item->rmap_list)
			if ((item->address & mask) == want && (!not_first || item != slot->rmap_list))
				fc_add(s, item);
	}
}

/* the rmap_item before item on its slot's list */
FW_FN struct ksm_rmap_item *fc_prev_item(struct ksml *ksm, struct ksm_rmap_item *item)
{
	struct ksm_mm_slot *slot = ksml_mm_slot_lookup(ksm, item->mm);
	struct ksm_rmap_item *p;

	for (p = slot->rmap_list; p && p->rmap_list != item; p = p->rmap_list)
		;
	return p;
}

/* tree nodes (kind 0: regular with items or not, 1: chains) */
FW_FN void fc_tree_nodes(struct fc_state *s, int kind)
{
	int nid;

	for (nid = 0; nid < s->ksm->ksm_nr_node_ids; nid++) {
		struct ksm_stable_node *node;

		for (node = ksml_stable_tree_first(s->ksm, nid); node;
		     node = ksml_stable_tree_next(s->ksm, node))
			if (is_stable_node_chain(node) == (kind == 1))
				fc_add(s, node);
	}
}

/* dups in chains */
FW_FN void fc_dups(struct fc_state *s)
{
	int nid;

	for (nid = 0; nid < s->ksm->ksm_nr_node_ids; nid++) {
		struct ksm_stable_node *node;

		for (node = ksml_stable_tree_first(s->ksm, nid); node;
		     node = ksml_stable_tree_next(s->ksm, node)) {
			struct ksml_hlist_node *n;

			if (!is_stable_node_chain(node))
				continue;
			for (n = node->hlist.first; n; n = n->next)
				fc_add(s, ksml_hlist_entry(n, struct ksm_stable_node, hlist_dup));
		}
	}
}

/* regular nodes and dups (with at least min_items items) */
FW_FN void fc_item_nodes(struct fc_state *s, int min_items)
{
	struct fc_state all = { s->ksm, 0, { 0 }, 0 };
	int i;

	fc_tree_nodes(&all, 0);
	fc_dups(&all);
	for (i = 0; i < all.n; i++) {
		struct ksm_stable_node *node = all.cand[i];

		if (node->rmap_hlist_len >= min_items)
			fc_add(s, node);
	}
}

/* the KSM page a tree node stands for in the order check, or NULL */
FW_FN struct ksml_frame *fc_node_page(struct ksm_stable_node *node)
{
	struct ksml_hlist_node *n;

	if (!is_stable_node_chain(node))
		return node->kpfn->mapping == node ? node->kpfn : NULL;
	for (n = node->hlist.first; n; n = n->next) {
		struct ksm_stable_node *dup =
			ksml_hlist_entry(n, struct ksm_stable_node, hlist_dup);

		if (dup->kpfn->mapping == dup)
			return dup->kpfn;
	}
	return NULL;
}

/* the frame item's PTE maps (not the zero page), or NULL */
FW_FN struct ksml_frame *fc_item_frame(struct ksm_rmap_item *item)
{
	struct ksml_pte *pte = ksml_pte_lookup(item->mm, item->address & KSML_PAGE_MASK);

	if (pte && (pte->flags & KSML_PTE_PRESENT) && !(pte->flags & KSML_PTE_ZERO))
		return pte->frame;
	return NULL;
}

/* a frame's page through the platform's map, each map undone in reverse
 * order (kmap_local's rule, which platform/user checks) */
static inline void fc_page_read(void *dst, struct ksml_frame *f)
{
	void *p = ksml_plat_page_map(f->page);

	memcpy(dst, p, KSML_PAGE_SIZE);
	ksml_plat_page_unmap(p);
}

static inline void fc_page_write(struct ksml_frame *f, const void *src)
{
	void *p = ksml_plat_page_map(f->page);

	memcpy(p, src, KSML_PAGE_SIZE);
	ksml_plat_page_unmap(p);
}

static inline void fc_page_copy(struct ksml_frame *dst, struct ksml_frame *src)
{
	void *d = ksml_plat_page_map(dst->page);
	void *s = ksml_plat_page_map(src->page);

	memcpy(d, s, KSML_PAGE_SIZE);
	ksml_plat_page_unmap(s);
	ksml_plat_page_unmap(d);
}

/* the check must fail naming want; then with a short and with no buffer */
__attribute__((noinline)) FW_FN void fc_expect_breach(struct ksml *ksm, const char *want, const char *breach)
{
	char msg[512], shortmsg[16];
	int rc;

	if (fw_tracing())
		fprintf(stderr, "   checker test: %s, expecting \"%s\"\n", breach, want);
	msg[0] = 0;
	rc = ksml_check_invariants(ksm, msg, sizeof(msg));
	if (rc == 0)
		fw_fail("checker test: %s: the checker found nothing (want \"%s\")", breach,
			want);
	if (strncmp(msg, want, strlen(want)) != 0)
		fw_fail("checker test: %s: the checker said \"%s\", want \"%s\"", breach, msg,
			want);
	rc = ksml_check_invariants(ksm, shortmsg, sizeof(shortmsg));
	if (rc == 0 || strlen(shortmsg) != sizeof(shortmsg) - 1 ||
	    strncmp(shortmsg, msg, sizeof(shortmsg) - 1) != 0)
		fw_fail("checker test: %s: with 16 bytes the checker returned %d \"%s\", "
			"want the prefix of \"%s\"", breach, rc, shortmsg, msg);
	if (ksml_check_invariants(ksm, NULL, 0) == 0)
		fw_fail("checker test: %s: without a buffer the checker found nothing", breach);
}

/*
 * Content order in a tree: the which-th of n pages takes the content of
 * the page before it in the walk, the checker must name the breach, and
 * the page gets its own content back.  False when there is no such pair.
 */
static bool fc_breach_order(struct ksml *ksm, struct ksml_frame **pages,
			    struct ksml_frame **prevs, int n, unsigned int which,
			    const char *want, const char *breach)
{
	static uint8_t save[KSML_PAGE_SIZE];
	struct ksml_frame *page;

	if (!n)
		return false;
	page = pages[which % (unsigned int)n];
	fc_page_read(save, page);
	fc_page_copy(page, prevs[which % (unsigned int)n]);
	fc_expect_breach(ksm, want, breach);
	fc_page_write(page, save);
	return true;
}

/*
 * Break breach kind `kind` on the which-th candidate object, check, repair.
 * Returns false if this state has no such object (nothing was done).
 */
__attribute__((noinline)) FW_FN bool fc_breach(struct ksml *ksm, unsigned int kind, unsigned int which)
{
	struct fc_state s = { ksm, which, { 0 }, 0 };
	bool across_changes_ok[2];
	unsigned long changes = ksml_atomic_read(&ksm->vm.changes);

	/* the checks that hold only while no mm changed (see ksm_check.c) */
	across_changes_ok[0] = fc_scanning(ksm) && changes == ksm->vm.changes_at_pass[0];
	across_changes_ok[1] = changes == ksm->vm.changes_at_pass[1];

	switch (kind % FC_NR) {
	case FC_SLOT_FLAG:
	case FC_MM_ITEMS:
	case FC_MM_MERGING: {
		struct ksml_list_head *pos;
		struct ksm_mm_slot *slot;

		for (pos = ksm->ksm_mm_head.mm_node.next; pos != &ksm->ksm_mm_head.mm_node;
		     pos = pos->next)
			fc_add(&s, ksml_list_entry(pos, struct ksm_mm_slot, mm_node));
		if (!(slot = fc_pick(&s)))
			return false;
		if (kind % FC_NR == FC_SLOT_FLAG) {
			slot->mm->flags &= ~KSML_MMF_VM_MERGEABLE;
			fc_expect_breach(ksm, "mm with a slot is MMF_VM_MERGEABLE", "slot flag");
			slot->mm->flags |= KSML_MMF_VM_MERGEABLE;
		} else if (kind % FC_NR == FC_MM_ITEMS) {
			slot->mm->ksm_rmap_items++;
			fc_expect_breach(ksm, "mm ksm_rmap_items equals its rmap_list length",
					 "mm rmap_items");
			slot->mm->ksm_rmap_items--;
		} else {
			slot->mm->ksm_merging_pages++;
			fc_expect_breach(ksm, "sum of mm ksm_merging_pages equals shared + sharing",
					 "mm merging_pages");
			slot->mm->ksm_merging_pages--;
		}
		return true;
	}
	case FC_ASCEND: {
		struct ksm_rmap_item *item, *prev;
		unsigned long old;

		fc_items(&s, 0, 0, true);
		if (!(item = fc_pick(&s)))
			return false;
		prev = fc_prev_item(ksm, item);
		old = item->address;
		item->address = (prev->address & KSML_PAGE_MASK) | (old & ~KSML_PAGE_MASK);
		fc_expect_breach(ksm, "rmap_list strictly ascending", "rmap_list order");
		item->address = old;
		return true;
	}
	case FC_BOTH_FLAGS:
	case FC_AGE: {
		struct ksm_rmap_item *item;
		unsigned long old;

		fc_items(&s, UNSTABLE_FLAG | STABLE_FLAG, UNSTABLE_FLAG, false);
		if (!(item = fc_pick(&s)))
			return false;
		old = item->address;
		if (kind % FC_NR == FC_BOTH_FLAGS) {
			item->address |= STABLE_FLAG;
			fc_expect_breach(ksm, "rmap_item not both STABLE and UNSTABLE",
					 "both flags");
		} else {
			item->address = (old & ~SEQNR_MASK) |
					((ksm->ksm_scan.seqnr - 5) & SEQNR_MASK);
			fc_expect_breach(ksm, "unstable item age is 0 or 1", "unstable age");
		}
		item->address = old;
		return true;
	}
	case FC_VOLATILE_STABLE: {
		struct ksm_rmap_item *item;

		fc_items(&s, UNSTABLE_FLAG | STABLE_FLAG, 0, false);
		if (!(item = fc_pick(&s)))
			return false;
		item->address |= STABLE_FLAG;
		fc_expect_breach(ksm, "STABLE items equal items on nodes", "volatile STABLE");
		item->address &= ~STABLE_FLAG;
		return true;
	}
	case FC_NODE_LEN: {
		struct ksm_stable_node *node;

		fc_item_nodes(&s, 0);
		if (!(node = fc_pick(&s)))
			return false;
		node->rmap_hlist_len++;
		fc_expect_breach(ksm, "rmap_hlist_len equals hlist length", "rmap_hlist_len");
		node->rmap_hlist_len--;
		return true;
	}
	case FC_ITEM_SFLAG:
	case FC_ITEM_HEAD: {
		struct ksm_rmap_item *item;

		fc_items(&s, UNSTABLE_FLAG | STABLE_FLAG, STABLE_FLAG, false);
		if (!(item = fc_pick(&s)))
			return false;
		if (kind % FC_NR == FC_ITEM_SFLAG) {
			item->address &= ~STABLE_FLAG;
			fc_expect_breach(ksm, "stable item has STABLE_FLAG", "stable flag");
			item->address |= STABLE_FLAG;
		} else {
			struct ksm_stable_node *head = item->head;

			item->head = NULL;
			fc_expect_breach(ksm, "stable item head is its node", "item head");
			item->head = head;
		}
		return true;
	}
	case FC_TREE_DUP:
	case FC_TREE_NID:
	case FC_TREE_KEY:
	case FC_REG_CHAIN: {
		struct ksm_stable_node *node;

		fc_tree_nodes(&s, 0);
		if (kind % FC_NR != FC_REG_CHAIN)
			fc_tree_nodes(&s, 1);
		if (!(node = fc_pick(&s)))
			return false;
		if (kind % FC_NR == FC_TREE_DUP) {
			struct ksml_list_head *head = node->head;

			node->head = STABLE_NODE_DUP_HEAD;
			fc_expect_breach(ksm, "tree node is not a dup", "tree node dup");
			node->head = head;
		} else if (kind % FC_NR == FC_TREE_NID) {
			node->nid++;
			fc_expect_breach(ksm, "tree node filed under its nid", "tree node nid");
			node->nid--;
		} else if (kind % FC_NR == FC_TREE_KEY) {
			uint64_t key, k;

			if (!ksm->index->stable_filed)
				return false;
			key = k = node->key;
			/* a key of another bucket (they differ in bit 0 of the hash) */
			do
				k++;
			while (!((ksml_index_hash(k, node->nid) ^ ksml_index_hash(key, node->nid)) & 1));
			node->key = k;
			fc_expect_breach(ksm, "tree node found where the index files it",
					 "tree node key");
			node->key = key;
		} else {
			node->chain = node;
			fc_expect_breach(ksm, "regular node has no chain", "regular node chain");
			node->chain = NULL;
		}
		return true;
	}
	case FC_DUP_HEAD:
	case FC_DUP_CHAIN: {
		struct ksm_stable_node *dup;

		fc_dups(&s);
		if (!(dup = fc_pick(&s)))
			return false;
		if (kind % FC_NR == FC_DUP_HEAD) {
			dup->head = NULL;
			fc_expect_breach(ksm, "chain member is a dup", "dup head");
			dup->head = STABLE_NODE_DUP_HEAD;
		} else {
			struct ksm_stable_node *chain = dup->chain;

			dup->chain = NULL;
			fc_expect_breach(ksm, "dup points at its chain", "dup chain");
			dup->chain = chain;
		}
		return true;
	}
	case FC_CANDIDATES: {
		struct ksm_stable_node *chain;

		fc_tree_nodes(&s, 1);
		if (!(chain = fc_pick(&s)))
			return false;
		chain->nr_candidates++;
		fc_expect_breach(ksm, "chain counts its candidate dups", "chain candidates");
		chain->nr_candidates--;
		return true;
	}
	case FC_STABLE_ORDER: {
		/* pages whose predecessor in the walk of their tree has a page */
		struct ksml_frame *pages[32], *prevs[32], *page, *prev;
		int nid, n = 0;

		/* a content name would say the changed page differs first */
		if (ksm->cfg.model_knowledge)
			return false;
		for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
			struct ksm_stable_node *node;

			prev = NULL;
			for (node = ksml_stable_tree_first(ksm, nid); node && n < 32;
			     node = ksml_stable_tree_next(ksm, node)) {
				page = fc_node_page(node);
				if (page && prev) {
					pages[n] = page;
					prevs[n++] = prev;
				}
				if (page)
					prev = page;
			}
		}
		return fc_breach_order(ksm, pages, prevs, n, which,
				       "stable tree in content order", "stable order");
	}
	case FC_PARKED: {
		struct ksml_list_head *pos;
		struct ksm_stable_node *node;

		for (pos = ksm->migrate_nodes.next; pos != &ksm->migrate_nodes; pos = pos->next)
			fc_add(&s, ksml_list_entry(pos, struct ksm_stable_node, list));
		if (!(node = fc_pick(&s)))
			return false;
		node->head = NULL;
		fc_expect_breach(ksm, "parked node marked parked", "parked head");
		node->head = &ksm->migrate_nodes;
		return true;
	}
	case FC_COUNTER: {
		static const struct {
			size_t off;
			const char *what;
		} counters[] = {
			{ offsetof(struct ksml, ksm_rmap_items),
			  "ksm_rmap_items equals items on the slots" },
			{ offsetof(struct ksml, ksm_pages_unshared),
			  "pages_unshared equals UNSTABLE items" },
			{ offsetof(struct ksml, ksm_pages_shared),
			  "pages_shared equals nodes with items" },
			{ offsetof(struct ksml, ksm_pages_sharing),
			  "pages_sharing equals sum of (len - 1)" },
			{ offsetof(struct ksml, ksm_stable_node_chains),
			  "stable_node_chains equals chains in the trees" },
			{ offsetof(struct ksml, ksm_stable_node_dups),
			  "stable_node_dups equals dups in chains" },
		};
		unsigned int c = which % (sizeof(counters) / sizeof(counters[0]));
		unsigned long *p = (unsigned long *)(void *)((char *)ksm + counters[c].off);

		(*p)++;
		fc_expect_breach(ksm, counters[c].what, "counter");
		(*p)--;
		return true;
	}
	case FC_MM_ZERO:
	case FC_ZERO: {
		long *p;
		long d = kind % FC_NR == FC_MM_ZERO ? -1 : 1;

		if (kind % FC_NR == FC_MM_ZERO) {
			struct ksml_list_head *pos;
			struct ksml_mm *mm;

			for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list; pos = pos->next)
				fc_add(&s, ksml_list_entry(pos, struct ksml_mm, mm_list));
			if (!(mm = fc_pick(&s)))
				return false;
			p = &mm->ksm_zero_pages;
		} else {
			p = &ksm->ksm_zero_pages;
		}
		ksml_atomic_add(p, d);
		fc_expect_breach(ksm,
				 kind % FC_NR == FC_MM_ZERO ?
					 "mm ksm_zero_pages equals its KSM zero PTEs" :
					 "ksm_zero_pages equals the KSM zero PTEs",
				 "zero pages");
		ksml_atomic_sub(p, d);
		return true;
	}
	case FC_MAPCOUNT:
	case FC_REFCOUNT: {
		struct ksm_rmap_item *item;
		struct ksml_frame *f;
		long *p;

		fc_items(&s, 0, 0, false);
		if (!(item = fc_pick(&s)) || !(f = fc_item_frame(item)))
			return false;
		p = kind % FC_NR == FC_MAPCOUNT ? &f->mapcount : &f->refcount;
		ksml_atomic_add(p, 1);
		fc_expect_breach(ksm,
				 kind % FC_NR == FC_MAPCOUNT ?
					 "frame mapcount equals PTEs mapping it" :
					 "frame refcount equals mappings + pins",
				 "frame counts");
		ksml_atomic_sub(p, 1);
		return true;
	}
	case FC_UNSTABLE_ORDER: {
		struct ksm_rmap_item *item;
		struct ksml_frame *pages[32], *prevs[32], *page, *prev;
		int nid, n = 0;

		if (!across_changes_ok[0] || ksm->cfg.model_knowledge)
			return false;
		for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
			prev = NULL;
			for (item = ksm->index->unstable_first(ksm, nid); item && n < 32;
			     item = ksm->index->unstable_next(ksm, item)) {
				page = fc_item_frame(item);
				if (!page)
					continue;
				if (prev) {
					pages[n] = page;
					prevs[n++] = prev;
				}
				prev = page;
			}
		}
		return fc_breach_order(ksm, pages, prevs, n, which,
				       "unstable tree in content order", "unstable order");
	}
	case FC_ITEM_PTE: {
		struct ksm_stable_node *node;
		struct ksml_frame *kpfn;

		if (!across_changes_ok[1])
			return false;
		fc_item_nodes(&s, 1);
		if (!(node = fc_pick(&s)))
			return false;
		kpfn = node->kpfn;
		node->kpfn = ksm->vm.zero_frame;
		fc_expect_breach(ksm, "stable item's PTE maps its stable node's KSM page",
				 "node kpfn");
		node->kpfn = kpfn;
		return true;
	}
	case FC_TREE_UFLAG:
	case FC_TREE_AGE: {
		struct ksm_rmap_item *item;
		unsigned long old;
		int nid;

		if (!fc_scanning(ksm))
			return false;
		for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++)
			for (item = ksm->index->unstable_first(ksm, nid); item;
			     item = ksm->index->unstable_next(ksm, item))
				fc_add(&s, item);
		if (!(item = fc_pick(&s)))
			return false;
		old = item->address;
		if (kind % FC_NR == FC_TREE_UFLAG) {
			item->address &= ~UNSTABLE_FLAG;
			fc_expect_breach(ksm, "unstable tree item has UNSTABLE_FLAG",
					 "tree item flag");
		} else {
			item->address = (old & ~SEQNR_MASK) |
					((ksm->ksm_scan.seqnr - 1) & SEQNR_MASK);
			fc_expect_breach(ksm, "unstable tree item is of this pass", "tree item age");
		}
		item->address = old;
		return true;
	}
	}
	return false;
}

/*
 * THP inputs, on the huge region: a breach of the THP invariants of one
 * PMD-mapped range (the which-th, walking mms, VMAs, addresses): one of
 * its 511 later PTEs loses KSML_PTE_HUGE, its folio's nr_pages + 1, one
 * subpage is flagged KSM, the folio's address moves by 2 MiB.
 */
enum fc_thp_breach_kind {
	FC_THP_BIT,
	FC_THP_NR_PAGES,
	FC_THP_KSM,
	FC_THP_ADDR,
	FC_THP_NR
};

__attribute__((noinline)) FW_FN bool fc_breach_thp(struct ksml *ksm, unsigned int kind,
						   unsigned int which)
{
	struct fc_state s = { ksm, which, { 0 }, 0 };
	const unsigned long hsize = 512ul * KSML_PAGE_SIZE;
	struct ksml_list_head *pos;
	struct ksml_folio *folio;
	struct ksml_pte *pt;
	unsigned int i = 1 + which % 511;

	for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list; pos = pos->next) {
		struct ksml_mm *mm = ksml_list_entry(pos, struct ksml_mm, mm_list);
		struct ksml_vma *vma;
		unsigned long a;

		for (vma = mm->mmap; vma; vma = vma->vm_next)
			ksml_for_each_present_pte(mm, a, vma->vm_start, vma->vm_end) {
				pt = ksml_pte_lookup(mm, a);
				if (!(a & (hsize - 1)) && (pt->flags & KSML_PTE_HUGE))
					fc_add(&s, pt);
			}
	}
	if (!(pt = fc_pick(&s)))
		return false;
	folio = pt->frame->folio;
	switch (kind % FC_THP_NR) {
	case FC_THP_BIT:
		pt[i].flags &= ~KSML_PTE_HUGE;
		fc_expect_breach(ksm, "a PMD maps its folio's subpages in order", "thp pte bit");
		pt[i].flags |= KSML_PTE_HUGE;
		return true;
	case FC_THP_NR_PAGES:
		folio->nr_pages++;
		fc_expect_breach(ksm, "a folio's nr_pages counts its subpages", "thp nr_pages");
		folio->nr_pages--;
		return true;
	case FC_THP_KSM:
		pt[i].frame->ksm = true;
		fc_expect_breach(ksm, "a subpage of a large folio is no KSM page", "thp ksm");
		pt[i].frame->ksm = false;
		return true;
	case FC_THP_ADDR:
		folio->addr ^= hsize;
		fc_expect_breach(ksm, "a PMD maps a large folio faulted at its address",
				 "thp folio address");
		folio->addr ^= hsize;
		return true;
	}
	return false;
}

#endif /* KSML_FUZZ_CHECKER_H */

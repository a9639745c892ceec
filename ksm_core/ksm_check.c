/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_check.c - recount everything from the structures and compare with
 * the counters, checking the invariants of ksm-spec §8.2 and the memory
 * model's own (mapcounts, KSM zero PTEs).  For tests and fuzzers; call it
 * quiescent (it takes the thread mutex, so ksmd is between batches).
 */
#include "ksm_internal.h"

struct report {
	char *msg;
	size_t size;
	int failed;
};

static void rep_str(struct report *r, size_t *pos, const char *s)
{
	while (*s) {
		if (*pos + 1 < r->size)
			r->msg[*pos] = *s;
		(*pos)++;
		s++;
	}
}

static void rep_num(struct report *r, size_t *pos, long long v)
{
	char tmp[24];
	int i = 23;
	unsigned long long u = v < 0 ? (unsigned long long)(-(v + 1)) + 1
				     : (unsigned long long)v;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	rep_str(r, pos, tmp + i);
}

/* record the first failure: "what: got X, expected Y" */
static bool expect(struct report *r, const char *what, long long got,
		   long long want)
{
	size_t pos = 0;

	if (got == want)
		return true;
	if (r->failed++)
		return false;
	if (!r->size)
		return false;
	rep_str(r, &pos, what);
	rep_str(r, &pos, ": got ");
	rep_num(r, &pos, got);
	rep_str(r, &pos, ", expected ");
	rep_num(r, &pos, want);
	r->msg[pos < r->size ? pos : r->size - 1] = '\0';
	return false;
}

/*
 * expect() for a frame: a failure names the frame and what holds it, so a
 * refcount that went wrong under threads says whose page it was.
 */
static bool expect_frame(struct report *r, const char *what, long long got,
			 long long want, const struct ksml_frame *f,
			 long long ptes)
{
	struct ksm_stable_node *node;
	size_t pos;

	if (got == want)
		return true;
	if (r->failed || !r->size)
		return expect(r, what, got, want);
	expect(r, what, got, want);
	for (pos = 0; r->msg[pos]; pos++)
		;
	node = KSML_READ_ONCE(f->ksm) ? KSML_READ_ONCE(f->mapping) : NULL;
	rep_str(r, &pos, " (frame pfn ");
	rep_num(r, &pos, (long long)f->pfn);
	rep_str(r, &pos, " nid ");
	rep_num(r, &pos, f->nid);
	rep_str(r, &pos, ": refcount ");
	rep_num(r, &pos, ksml_atomic_read(&f->refcount));
	rep_str(r, &pos, ", mapcount ");
	rep_num(r, &pos, ksml_atomic_read(&f->mapcount));
	rep_str(r, &pos, ", PTEs mapping it ");
	rep_num(r, &pos, ptes);
	rep_str(r, &pos, ", pins ");
	rep_num(r, &pos, ksml_atomic_read(&f->pincount));
	rep_str(r, &pos,
		node ? ", KSM page of a stable node with "
		     : ", not a KSM page");
	if (node) {
		rep_num(r, &pos, node->rmap_hlist_len);
		rep_str(r, &pos, " rmap_items");
		if (KSML_READ_ONCE(node->kpfn) != f)
			rep_str(r, &pos, " whose kpfn is another frame");
	}
	rep_str(r, &pos, ")");
	r->msg[pos < r->size ? pos : r->size - 1] = '\0';
	return false;
}

struct tally {
	long long shared, sharing, chains, dups, nodes_items;
};

/* the frame mapped at item's address, referenced; NULL: none or zero page */
static struct ksml_frame *item_frame(struct ksm_rmap_item *item)
{
	struct ksml_mm *mm = item->mm;
	struct ksml_frame *f = NULL;
	struct ksml_pte *pte;

	ksml_plat_down_read(&mm->mmap_lock);
	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, item->address & KSML_PAGE_MASK);
	if (pte && (pte->flags & KSML_PTE_PRESENT) &&
	    !(pte->flags & KSML_PTE_ZERO)) {
		f = pte->frame;
		ksml_frame_get(f);
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	ksml_plat_up_read(&mm->mmap_lock);
	return f;
}

/*
 * A stable item's address maps its node's KSM page.  A write, an unmap or
 * a move leaves the item behind until ksmd visits the address again, as
 * in mm/ksm.c, so this is checked (rq non-NULL) only when no such change
 * happened since the start of the pass before this one: that pass visited
 * every item after the last change.
 */
static void check_item_pte(struct ksml *ksm, struct report *rq,
			   struct ksm_stable_node *node,
			   struct ksm_rmap_item *item)
{
	struct ksml_frame *f;

	if (!rq)
		return;
	f = item_frame(item);
	expect(rq, "stable item's PTE maps its stable node's KSM page",
	       f && f == KSML_READ_ONCE(node->kpfn), 1);
	if (f)
		ksml_frame_put(ksm, f);
}

static void check_node_items(struct ksml *ksm, struct report *r,
			     struct report *rq, struct ksm_stable_node *node,
			     struct tally *t)
{
	struct ksml_hlist_node *n;
	long long len = 0;

	for (n = node->hlist.first; n; n = n->next) {
		struct ksm_rmap_item *item =
			ksml_hlist_entry(n, struct ksm_rmap_item, hlist);

		expect(r, "stable item has STABLE_FLAG",
		       !!(item->address & STABLE_FLAG), 1);
		expect(r, "stable item has no UNSTABLE_FLAG",
		       !!(item->address & UNSTABLE_FLAG), 0);
		expect(r, "stable item head is its node",
		       item->head == node, 1);
		check_item_pte(ksm, rq, node, item);
		len++;
	}
	expect(r, "rmap_hlist_len equals hlist length", node->rmap_hlist_len, len);
	if (len) {
		t->shared++;
		t->sharing += len - 1;
	}
	t->nodes_items += len;
}

static void check_stable_tree(struct ksml *ksm, struct report *r,
			      struct report *rq, struct tally *t)
{
	long long tree_nodes = 0;
	int nid;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
		struct ksm_stable_node *node;
		struct ksml_frame *prev = NULL;

		for (node = ksml_stable_tree_first(ksm, nid); node;
		     node = ksml_stable_tree_next(ksm, node)) {
			struct ksml_frame *page = NULL;

			expect(r, "tree node is not a dup", is_stable_node_dup(node), 0);
			expect(r, "tree node filed under its nid", node->nid, nid);
			if (ksm->index->stable_filed)
				expect(r,
				       "tree node found where the index files "
				       "it",
				       ksm->index->stable_filed(ksm, node), 1);
			tree_nodes++;
			if (is_stable_node_chain(node)) {
				struct ksml_hlist_node *n;
				long long nr = 0, cand = 0;

				t->chains++;
				for (n = node->hlist.first; n; n = n->next) {
					struct ksm_stable_node *dup = ksml_hlist_entry(
						n, struct ksm_stable_node, hlist_dup);

					expect(r, "chain member is a dup",
					       is_stable_node_dup(dup), 1);
					expect(r, "dup points at its chain",
					       dup->chain == node, 1);
					cand += ksml_is_page_sharing_candidate(ksm, dup);
					check_node_items(ksm, r, rq, dup, t);
					if (!page && KSML_READ_ONCE(dup->kpfn->mapping) == dup)
						page = dup->kpfn;
					nr++;
				}
				/*
				 * A chain whose dups all went stale stays in the
				 * tree, empty, until a search or insert walks it
				 * (ksm-spec 3.9), as in mm/ksm.c.
				 */
				t->dups += nr;
				expect(r, "chain counts its candidate dups",
				       node->nr_candidates, cand);
			} else {
				expect(r, "regular node has no chain", !node->chain, 1);
				check_node_items(ksm, r, rq, node, t);
				if (KSML_READ_ONCE(node->kpfn->mapping) == node)
					page = node->kpfn;
			}
			/* stable pages cannot change: the tree stays ordered */
			if (page && prev)
				expect(r, "stable tree in content order",
				       ksml_page_cmp(ksm, prev, page) < 0, 1);
			if (page)
				prev = page;
		}
	}
	if (ksm->index->stable_filed_count)
		expect(r, "the index holds the tree nodes only",
		       ksm->index->stable_filed_count(ksm), tree_nodes);
	{
		struct ksml_list_head *pos;

		for (pos = ksm->migrate_nodes.next; pos != &ksm->migrate_nodes;
		     pos = pos->next) {
			struct ksm_stable_node *node =
				ksml_list_entry(pos, struct ksm_stable_node, list);

			expect(r, "parked node marked parked",
			       node->head == &ksm->migrate_nodes, 1);
			check_node_items(ksm, r, rq, node, t);
		}
	}
}

/*
 * The unstable tree holds exactly the items flagged UNSTABLE in this pass
 * (seqnr), each filed under its nid.  Between the end of a pass and the
 * root reset at the start of the next, the kernel's tree is dead: items
 * of the ended pass may have been freed without leaving it (run=2), so
 * it is not walked then (scanning: the cursor is past the head).  The
 * order holds for the pages' current contents while no mm changed since
 * the reset (rq non-NULL): every compare of the pass saw what is there.
 */
static void check_unstable_tree(struct ksml *ksm, struct report *r,
				struct report *rq, long long filed)
{
	const struct ksm_index_ops *idx = ksm->index;
	long long found = 0;
	int nid;

	for (nid = 0; nid < ksm->ksm_nr_node_ids; nid++) {
		struct ksml_frame *prev = NULL;
		struct ksm_rmap_item *item;

		for (item = idx->unstable_first(ksm, nid);
		     item && found <= filed;
		     item = idx->unstable_next(ksm, item)) {
			struct ksml_frame *page;

			found++;
			expect(r, "unstable tree item has UNSTABLE_FLAG",
			       (item->address &
				(UNSTABLE_FLAG | STABLE_FLAG)) == UNSTABLE_FLAG,
			       1);
			expect(r, "unstable tree item is of this pass",
			       (unsigned char)(ksm->ksm_scan.seqnr -
					       item->address),
			       0);
			expect(r, "unstable tree item filed under its nid",
			       item->nid, nid);
			if (!rq)
				continue;
			page = item_frame(item);
			if (!page)
				continue; /* unmapped: nothing to order */
			if (prev) {
				expect(rq, "unstable tree in content order",
				       ksml_page_cmp(ksm, prev, page) < 0, 1);
				ksml_frame_put(ksm, prev);
			}
			prev = page;
		}
		if (prev)
			ksml_frame_put(ksm, prev);
	}
	expect(r, "unstable tree holds this pass's UNSTABLE items only", found,
	       filed);
}

/*
 * A PMD-mapped THP (KSML_PTE_HUGE at addr): the PTE table's first entry
 * carries the bit too, and from it all 512 entries, with the same bits
 * (but the dirty bit: the model keeps one per subpage), map subpage i of
 * one large folio faulted at that 2 MiB address; the range lies in one
 * VMA (vma_adjust_trans_huge splits the PMD first).
 */
static void check_huge_pmd(struct report *r, struct ksml_mm *mm,
			   const struct ksml_vma *vma, unsigned long addr)
{
	unsigned long haddr = addr & KSML_HPAGE_PMD_MASK;
	struct ksml_pte *pt = ksml_pte_lookup(mm, haddr);
	struct ksml_folio *folio;
	unsigned int i;

	if (!expect(r, "a PMD-mapped page's first PTE is PMD-mapped",
		    pt && (pt[0].flags & KSML_PTE_HUGE) && pt[0].frame &&
			    !(pt[0].flags & KSML_PTE_ZERO),
		    1) ||
	    addr != haddr)
		return;
	expect(r, "a PMD-mapped range lies in one VMA",
	       haddr >= vma->vm_start &&
		       haddr + KSML_HPAGE_PMD_SIZE <= vma->vm_end,
	       1);
	folio = pt[0].frame->folio;
	if (!expect(r, "a PMD maps a large folio faulted at its address",
		    folio && folio->addr == haddr, 1))
		return;
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		if (!expect(r, "a PMD maps its folio's subpages in order",
			    !((pt[i].flags ^ pt[0].flags) & ~KSML_PTE_DIRTY) &&
				    pt[i].frame == folio->page[i],
			    1))
			break;
}

/*
 * The per-MM tracking (struct ksml_folio): its total is the subpages'
 * mapcounts (each checked against the page tables), the slots hold no
 * more than that, and a folio not "maybe shared" has every mapping in
 * one slot's MM -- the promise the write fault's reuse relies on.
 */
static void check_folio_mapcount(struct report *r, struct ksml_folio *folio)
{
	long long maps = 0;
	unsigned int i;

	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		if (folio->page[i])
			maps += ksml_atomic_read(&folio->page[i]->mapcount);
	expect(r, "a folio's large mapcount is its subpages' mapcounts",
	       folio->large_mapcount, maps);
	expect(r, "a folio's MM slots hold at most its mappings",
	       folio->mm_id_mapcount[0] + folio->mm_id_mapcount[1] <= maps,
	       1);
	for (i = 0; i < 2; i++)
		expect(r, "a free MM slot counts no mappings",
		       !folio->mm_id[i] && folio->mm_id_mapcount[i], 0);
	if (!folio->maybe_mapped_shared)
		expect(r, "an exclusive folio's mappings are one slot's",
		       maps == 0 || folio->mm_id_mapcount[0] == maps ||
			       folio->mm_id_mapcount[1] == maps,
		       1);
}

/*
 * A subpage of a large folio: at its index in the folio, never a KSM
 * page (a merge splits the folio first); the folio's nr_pages counts its
 * subpages not yet freed (checked at the first of them).
 */
static void check_folio_page(struct report *r, struct ksml_frame *f,
			     long long maps)
{
	struct ksml_folio *folio = f->folio;
	unsigned int i, n = 0;

	if (!expect_frame(r, "a subpage is its folio's page at its index",
			  f->folio_idx < KSML_HPAGE_PMD_NR &&
				  folio->page[f->folio_idx] == f,
			  1, f, maps))
		return;
	expect_frame(r, "a subpage of a large folio is no KSM page",
		     KSML_READ_ONCE(f->ksm), 0, f, maps);
	for (i = 0; i < f->folio_idx && !folio->page[i]; i++)
		;
	if (i < f->folio_idx)
		return;
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		n += folio->page[i] && folio->page[i]->folio == folio;
	expect(r, "a folio's nr_pages counts its subpages", folio->nr_pages, n);
	check_folio_mapcount(r, folio);
}

/* mapcount of every frame and the KSM zero PTEs, from the page tables */
static void check_page_tables(struct ksml *ksm, struct report *r)
{
	struct ksml_list_head *pos;
	unsigned long pfn;
	long long zero_total = 0;

	for (pfn = 0; pfn < ksm->vm.nr_frames; pfn++)
		ksml_pfn_to_frame(ksm, pfn)->next_free = NULL;

	/*
	 * The VMAs are read without their mmap_lock: the mm list lock nests
	 * inside it (split_folio), and the check runs quiescent anyway.
	 */
	ksml_plat_mutex_lock(&ksm->vm.mm_list_lock);
	/* count mappings into the frames' spare link, as an integer */
	for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list; pos = pos->next) {
		struct ksml_mm *mm = ksml_list_entry(pos, struct ksml_mm, mm_list);
		struct ksml_vma *vma;
		long long zero = 0;

		ksml_plat_spin_lock(&mm->page_table_lock);
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			unsigned long a;

			ksml_for_each_present_pte(mm, a, vma->vm_start, vma->vm_end) {
				struct ksml_pte *pte = ksml_pte_lookup(mm, a);

				if (pte->flags & KSML_PTE_HUGE)
					check_huge_pmd(r, mm, vma, a);
				if (pte->flags & KSML_PTE_ZERO) {
					if (pte->flags & KSML_PTE_DIRTY)
						zero++;
					continue;
				}
				pte->frame->next_free = (struct ksml_frame *)
					((uintptr_t)pte->frame->next_free + 1);
			}
		}
		ksml_plat_spin_unlock(&mm->page_table_lock);
		/* the counts a pre-6.18 fork copies do not hold (ksml.h) */
		if (!ksm->cfg.fork_inherits_ksm_counters)
			expect(r, "mm ksm_zero_pages equals its KSM zero PTEs",
			       ksml_atomic_read(&mm->ksm_zero_pages), zero);
		zero_total += zero;
	}
	ksml_plat_mutex_unlock(&ksm->vm.mm_list_lock);
	if (!ksm->cfg.fork_inherits_ksm_counters)
		expect(r, "ksm_zero_pages equals the KSM zero PTEs",
		       ksml_atomic_read(&ksm->ksm_zero_pages), zero_total);

	ksml_plat_spin_lock(&ksm->vm.lock);
	for (pfn = 0; pfn < ksm->vm.nr_frames; pfn++) {
		struct ksml_frame *f = ksml_pfn_to_frame(ksm, pfn);
		long long maps = (long long)(uintptr_t)f->next_free;

		f->next_free = NULL;
		if (f->flags & KSML_FRAME_ZERO)
			continue;
		if (ksml_atomic_read(&f->refcount) == 0)
			continue; /* free: relinked below */
		expect_frame(r, "frame mapcount equals PTEs mapping it",
			     ksml_atomic_read(&f->mapcount), maps, f, maps);
		expect_frame(r, "frame refcount equals mappings + pins",
			     ksml_atomic_read(&f->refcount),
			     ksml_atomic_read(&f->mapcount) +
				     ksml_atomic_read(&f->pincount),
			     f, maps);
		if (f->folio)
			check_folio_page(r, f, maps);
	}
	/* rebuild the free lists (the links were borrowed) */
	{
		int nid;

		for (nid = 0; nid < ksm->nr_node_ids; nid++)
			ksm->vm.free_list[nid] = NULL;
		for (pfn = ksm->vm.nr_frames; pfn-- > 0;) {
			struct ksml_frame *f = ksml_pfn_to_frame(ksm, pfn);

			if (!(f->flags & KSML_FRAME_ZERO) &&
			    ksml_atomic_read(&f->refcount) == 0) {
				f->next_free = ksm->vm.free_list[f->nid];
				ksm->vm.free_list[f->nid] = f;
			}
		}
	}
	ksml_plat_spin_unlock(&ksm->vm.lock);
}

int ksml_check_invariants(struct ksml *ksm, char *msg, size_t msg_size)
{
	struct report r = { msg, msg_size, 0 };
	struct tally t = { 0, 0, 0, 0, 0 };
	struct ksml_list_head *pos;
	long long items = 0, unstable = 0, stable_items = 0;
	long long mm_items = 0, mm_merging = 0, filed = 0;
	/*
	 * What holds only while no mm changed (see ksml_vm.changes) goes to
	 * rq, kept only if no change happened during the check either.
	 */
	char qmsg[256];
	struct report rq = {qmsg, sizeof(qmsg), 0};
	const struct ksm_index_ops *idx = ksm->index;
	unsigned long changes;
	bool scanning;

	if (msg_size)
		msg[0] = '\0';
	qmsg[0] = '\0';
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	changes = ksml_atomic_read(&ksm->vm.changes);
	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	scanning = ksm->ksm_scan.mm_slot != &ksm->ksm_mm_head;
	for (pos = ksm->ksm_mm_head.mm_node.next;
	     pos != &ksm->ksm_mm_head.mm_node; pos = pos->next) {
		struct ksm_mm_slot *slot =
			ksml_list_entry(pos, struct ksm_mm_slot, mm_node);
		struct ksm_rmap_item *item;
		unsigned long last = 0;
		long long n = 0;

		expect(&r, "slot is hashed",
		       ksml_mm_slot_lookup(ksm, slot->mm) == slot, 1);
		expect(&r, "mm with a slot is MMF_VM_MERGEABLE",
		       !!(KSML_READ_ONCE(slot->mm->flags) & KSML_MMF_VM_MERGEABLE), 1);
		for (item = slot->rmap_list; item; item = item->rmap_list) {
			unsigned long addr = item->address & KSML_PAGE_MASK;

			expect(&r, "rmap_list strictly ascending", !n || addr > last, 1);
			expect(&r, "rmap_item belongs to its slot's mm",
			       item->mm == slot->mm, 1);
			expect(&r, "rmap_item not both STABLE and UNSTABLE",
			       (item->address & STABLE_FLAG) &&
				       (item->address & UNSTABLE_FLAG), 0);
			if (item->address & UNSTABLE_FLAG) {
				unsigned char age = (unsigned char)(ksm->ksm_scan.seqnr -
								    item->address);

				unstable++;
				expect(&r, "unstable item age is 0 or 1", age <= 1, 1);
				/* an age 1 item went with the root reset */
				if (scanning && !age) {
					filed++;
					expect(&r,
					       "UNSTABLE item of pass is filed",
					       idx->unstable_filed(ksm, item),
					       1);
				}
			}
			if (item->address & STABLE_FLAG)
				stable_items++;
			/* a content name is true while both versions hold */
			if (item->cname.frame && item->vframe &&
			    item->cname.frame != item->vframe &&
			    ksml_frame_version_is(item->vframe, item->vgen) &&
			    ksml_frame_version_is(item->cname.frame, item->cname.gen))
				expect(&r, "page equals the page its content is named after",
				       ksml_page_cmp(ksm, item->vframe, item->cname.frame), 0);
			last = addr;
			n++;
		}
		if (!ksm->cfg.fork_inherits_ksm_counters)
			expect(&r, "mm ksm_rmap_items equals its rmap_list length",
			       (long long)slot->mm->ksm_rmap_items, n);
		items += n;
		mm_items += (long long)slot->mm->ksm_rmap_items;
		mm_merging += (long long)slot->mm->ksm_merging_pages;
	}
	ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);

	if (scanning)
		check_unstable_tree(
			ksm, &r,
			changes == ksm->vm.changes_at_pass[0] ? &rq : NULL,
			filed);
	check_stable_tree(ksm, &r,
			  changes == ksm->vm.changes_at_pass[1] ? &rq : NULL,
			  &t);
	expect(&r, "ksm_rmap_items equals items on the slots",
	       (long long)ksm->ksm_rmap_items, items);
	if (!ksm->cfg.fork_inherits_ksm_counters)
		expect(&r, "sum of mm ksm_rmap_items", mm_items, items);
	expect(&r, "pages_unshared equals UNSTABLE items",
	       (long long)ksm->ksm_pages_unshared, unstable);
	expect(&r, "pages_shared equals nodes with items",
	       (long long)ksm->ksm_pages_shared, t.shared);
	expect(&r, "pages_sharing equals sum of (len - 1)",
	       (long long)ksm->ksm_pages_sharing, t.sharing);
	expect(&r, "STABLE items equal items on nodes", stable_items, t.nodes_items);
	if (!ksm->cfg.fork_inherits_ksm_counters)
		expect(&r, "sum of mm ksm_merging_pages equals shared + sharing",
		       mm_merging,
		       (long long)(ksm->ksm_pages_shared +
				   ksm->ksm_pages_sharing));
	expect(&r, "stable_node_chains equals chains in the trees",
	       (long long)ksm->ksm_stable_node_chains, t.chains);
	expect(&r, "stable_node_dups equals dups in chains",
	       (long long)ksm->ksm_stable_node_dups, t.dups);
	check_page_tables(ksm, &r);
	if (rq.failed && ksml_atomic_read(&ksm->vm.changes) == changes &&
	    !r.failed++ && msg_size) {
		size_t i;

		for (i = 0; i + 1 < msg_size && qmsg[i]; i++)
			msg[i] = qmsg[i];
		msg[i] = '\0';
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	return r.failed ? -KSML_EINVAL : 0;
}

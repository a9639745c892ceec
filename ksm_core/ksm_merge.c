/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_merge.c - merging and unmerging pages: write-protect a candidate,
 * replace its PTE by the KSM page (or the zero page), break KSM sharing
 * with an unshare fault, and unmerge everything for run=2.
 */
#include "ksm_internal.h"

/* the VMA at addr if ksmd may still merge there (mmap_lock held) */
static struct ksml_vma *find_mergeable_vma(struct ksml_mm *mm,
					   unsigned long addr)
{
	struct ksml_vma *vma;

	if (ksm_test_exit(mm))
		return NULL;
	vma = ksml_find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		return NULL;
	if (!(vma->vm_flags & KSML_VM_MERGEABLE) || !KSML_READ_ONCE(vma->anon_vma))
		return NULL;
	return vma;
}

/* the anon page an rmap_item's address maps now, referenced, or NULL */
struct ksml_frame *ksml_get_mergeable_page(struct ksml *ksm,
					   struct ksm_rmap_item *rmap_item)
{
	struct ksml_mm *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & KSML_PAGE_MASK;
	struct ksml_frame *page = NULL;

	(void)ksm;
	ksml_plat_down_read(&mm->mmap_lock);
	if (find_mergeable_vma(mm, addr))
		page = ksml_follow_anon_page(mm, addr);
	ksml_plat_up_read(&mm->mmap_lock);
	return page;
}

/*
 * break_ksm - give addr a private copy if it maps a KSM page or a KSM
 * zero page: an unshare fault, which works on read-only and PROT_NONE
 * mappings too.  mmap_lock held.
 */
static int break_ksm(struct ksml_vma *vma, unsigned long addr, bool lock_vma)
{
	struct ksml_mm *mm = vma->vm_mm;
	struct ksml_pte *pte;
	int err = 0;

	(void)lock_vma; /* the model's VMAs are covered by mmap_lock */
	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (pte && (pte->flags & KSML_PTE_PRESENT)) {
		bool ksm_page = (pte->flags & KSML_PTE_ZERO) ?
			!!(pte->flags & KSML_PTE_DIRTY) :
			KSML_READ_ONCE(pte->frame->ksm);

		if (ksm_page)
			err = ksml_unshare_pte(mm, vma, addr, pte);
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return err;
}

int ksml_unmerge_ksm_pages(struct ksml_vma *vma, unsigned long start,
			   unsigned long end, bool lock_vma)
{
	struct ksml_mm *mm = vma->vm_mm;
	unsigned long addr;
	int err = 0;

	for (addr = start; addr < end && !err; addr += KSML_PAGE_SIZE) {
		if (ksm_test_exit(mm))
			break;
		/* holes need no unsharing: jump over them */
		ksml_plat_spin_lock(&mm->page_table_lock);
		addr = ksml_pte_next_present(mm, addr, end);
		ksml_plat_spin_unlock(&mm->page_table_lock);
		if (addr >= end)
			break;
		err = break_ksm(vma, addr, lock_vma);
		ksml_plat_yield();
	}
	return err;
}

void ksml_break_cow(struct ksml *ksm, struct ksm_rmap_item *rmap_item)
{
	struct ksml_mm *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & KSML_PAGE_MASK;
	struct ksml_vma *vma;

	(void)ksm;
	ksml_plat_down_read(&mm->mmap_lock);
	vma = find_mergeable_vma(mm, addr);
	if (vma)
		break_ksm(vma, addr, false);
	ksml_plat_up_read(&mm->mmap_lock);
}

/*
 * Make the PTE mapping page at addr read-only and clean, so that from now
 * on every write faults.  If it was writable, dirty or exclusive, any
 * reference beyond the mappings and ksmd's own (a GUP pin, DMA) means the
 * page may change behind our back: refuse.
 */
static int write_protect_page(struct ksml_vma *vma, struct ksml_frame *page,
			      unsigned long addr, uint32_t *orig_pte)
{
	struct ksml_mm *mm = vma->vm_mm;
	struct ksml_pte *pte;
	int err = -KSML_EFAULT;

	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (!pte || !(pte->flags & KSML_PTE_PRESENT) ||
	    (pte->flags & KSML_PTE_ZERO) || pte->frame != page)
		goto out;
	if (pte->flags & (KSML_PTE_WRITE | KSML_PTE_DIRTY | KSML_PTE_EXCL)) {
		if (ksml_atomic_read(&page->refcount) !=
		    ksml_atomic_read(&page->mapcount) + 1)
			goto out;
		KSML_WRITE_ONCE(pte->flags,
				pte->flags & ~(KSML_PTE_WRITE | KSML_PTE_DIRTY |
					       KSML_PTE_EXCL));
	}
	*orig_pte = pte->flags;
	err = 0;
out:
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return err;
}

/* map kpage (or the zero page) at addr in place of page */
static int replace_page(struct ksml_vma *vma, struct ksml_frame *page,
			struct ksml_frame *kpage, unsigned long addr,
			uint32_t orig_pte)
{
	struct ksml_mm *mm = vma->vm_mm;
	struct ksml *ksm = mm->ksm;
	struct ksml_pte *pte;
	int err = -KSML_EFAULT;

	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (!pte || pte->frame != page || pte->flags != orig_pte)
		goto out;
	if (kpage == ksm->vm.zero_frame) {
		/* the dirty bit marks a zero PTE placed by KSM (spec 5.8) */
		pte->frame = NULL;
		KSML_WRITE_ONCE(pte->flags,
				KSML_PTE_PRESENT | KSML_PTE_ZERO | KSML_PTE_DIRTY);
		ksml_atomic_add(&ksm->ksm_zero_pages, 1);
		ksml_atomic_add(&mm->ksm_zero_pages, 1);
	} else {
		ksml_frame_get(kpage);
		ksml_atomic_add(&kpage->mapcount, 1);
		pte->frame = kpage;
		KSML_WRITE_ONCE(pte->flags, KSML_PTE_PRESENT);
	}
	ksml_atomic_sub(&page->mapcount, 1);
	ksml_frame_put(ksm, page);
	err = 0;
out:
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return err;
}

/*
 * Merge page at addr into kpage, or with kpage NULL turn page itself into
 * a KSM page (without a stable node yet).  kitem: the rmap_item kpage was
 * scanned as, in a two-page merge.  0 on success, -KSML_EFAULT.
 */
static int try_to_merge_one_page(struct ksml *ksm, struct ksml_vma *vma,
				 struct ksm_rmap_item *rmap_item,
				 struct ksml_frame *page,
				 struct ksml_frame *kpage,
				 const struct ksm_rmap_item *kitem,
				 unsigned long addr)
{
	uint32_t orig_pte = 0;
	int err = -KSML_EFAULT;

	if (page == kpage) /* a KSM page reached through a forked mapping */
		return 0;
	if (!(page->flags & KSML_FRAME_ANON))
		return err;
	/*
	 * A KSM page cannot be write-protected or replaced here: the kernel
	 * finds the page's address through its anon_vma
	 * (page_address_in_vma), and a KSM page's mapping is its stable node.
	 * So a KSM page left without a node by a failed two-page merge never
	 * merges again; it lives until its mappings go.
	 */
	if (KSML_READ_ONCE(page->ksm))
		return err;
	/* no waiting on the page lock: if it is busy, try again next pass */
	if (!ksml_bit_trylock(&page->lock))
		return err;
	/*
	 * A subpage of a THP: split the whole folio first (in every mm that
	 * maps it; its zero subpages become the zero page, page itself too if
	 * it is one, and then write_protect_page finds it gone).  The split
	 * fails while the folio has other users: try again next pass.
	 */
	if (folio_test_large(page) && ksml_split_folio(ksm, page))
		goto out_unlock;
	if (write_protect_page(vma, page, addr, &orig_pte) == 0) {
		if (!kpage) {
			KSML_WRITE_ONCE(page->mapping, NULL);
			KSML_WRITE_ONCE(page->ksm, true);
			err = 0;
		} else if (ksml_pages_identical(ksm, rmap_item, page, kitem,
						kpage)) {
			err = replace_page(vma, page, kpage, addr, orig_pte);
		}
	}
out_unlock:
	ksml_bit_unlock(&page->lock);
	return err;
}

int ksml_try_to_merge_with_zero_page(struct ksml *ksm,
				     struct ksm_rmap_item *rmap_item,
				     struct ksml_frame *page)
{
	struct ksml_mm *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & KSML_PAGE_MASK;
	struct ksml_vma *vma;
	int err = -KSML_EFAULT;

	/* a checksum equal to the zero page's is worth a full compare */
	if (KSML_READ_ONCE(ksm->ksm_use_zero_pages) &&
	    rmap_item->oldchecksum == ksm->zero_checksum) {
		ksml_plat_down_read(&mm->mmap_lock);
		vma = find_mergeable_vma(mm, addr);
		if (vma)
			err = try_to_merge_one_page(ksm, vma, rmap_item, page,
						    ksm->vm.zero_frame, NULL,
						    addr);
		else
			err = 0; /* the VMA went away: stop processing */
		ksml_plat_up_read(&mm->mmap_lock);
	}
	return err;
}

static int __try_to_merge_with_ksm_page(struct ksml *ksm,
					struct ksm_rmap_item *rmap_item,
					struct ksml_frame *page,
					struct ksml_frame *kpage,
					const struct ksm_rmap_item *kitem)
{
	struct ksml_mm *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & KSML_PAGE_MASK;
	struct ksml_vma *vma;
	int err = -KSML_EFAULT;

	ksml_plat_down_read(&mm->mmap_lock);
	vma = find_mergeable_vma(mm, addr);
	if (!vma)
		goto out;
	err = try_to_merge_one_page(ksm, vma, rmap_item, page, kpage, kitem,
				    addr);
	if (err)
		goto out;
	/* unstable tree membership ends here (the item joins a stable node) */
	ksml_remove_rmap_item_from_tree(ksm, rmap_item);
out:
	ksml_plat_up_read(&mm->mmap_lock);
	return err;
}

int ksml_try_to_merge_with_ksm_page(struct ksml *ksm,
				    struct ksm_rmap_item *rmap_item,
				    struct ksml_frame *page,
				    struct ksml_frame *kpage)
{
	return __try_to_merge_with_ksm_page(ksm, rmap_item, page, kpage, NULL);
}

struct ksml_frame *ksml_try_to_merge_two_pages(struct ksml *ksm,
					       struct ksm_rmap_item *rmap_item,
					       struct ksml_frame *page,
					       struct ksm_rmap_item *tree_rmap_item,
					       struct ksml_frame *tree_page)
{
	int err;

	err = ksml_try_to_merge_with_ksm_page(ksm, rmap_item, page, NULL);
	if (!err) {
		/* page is the KSM page now, as rmap_item scanned it */
		err = __try_to_merge_with_ksm_page(ksm, tree_rmap_item,
						   tree_page, page, rmap_item);
		/* a KSM page with a single mapping is no use: undo it */
		if (err)
			ksml_break_cow(ksm, rmap_item);
	}
	return err ? NULL : page;
}

/* run=2: unmerge every KSM page and free every rmap_item */
int ksml_unmerge_and_remove_all_rmap_items(struct ksml *ksm)
{
	struct ksm_mm_slot *slot;
	struct ksml_list_head *head = &ksm->ksm_mm_head.mm_node;
	int err = 0;

	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	slot = ksml_list_entry(head->next, struct ksm_mm_slot, mm_node);
	ksm->ksm_scan.mm_slot = slot;
	ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);

	while (slot != &ksm->ksm_mm_head) {
		struct ksml_mm *mm = slot->mm;
		struct ksml_vma *vma;

		ksml_plat_down_read(&mm->mmap_lock);
		/* a dying mm's VMAs may be going away: do not walk them */
		if (!ksm_test_exit(mm)) {
			for (vma = mm->mmap; vma; vma = vma->vm_next) {
				if (!(vma->vm_flags & KSML_VM_MERGEABLE) ||
				    !KSML_READ_ONCE(vma->anon_vma))
					continue;
				err = ksml_unmerge_ksm_pages(vma, vma->vm_start,
							     vma->vm_end, false);
				if (err)
					goto error;
			}
		}
		ksml_remove_trailing_rmap_items(ksm, &slot->rmap_list);
		ksml_plat_up_read(&mm->mmap_lock);

		ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
		ksm->ksm_scan.mm_slot = ksml_list_entry(slot->mm_node.next,
							struct ksm_mm_slot, mm_node);
		if (ksm_test_exit(mm)) {
			ksml_mm_slot_remove(ksm, slot);
			ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
			ksml_free_mm_slot(ksm, slot);
			__atomic_fetch_and(&mm->flags,
					   ~(KSML_MMF_VM_MERGEABLE | KSML_MMF_VM_MERGE_ANY),
					   __ATOMIC_ACQ_REL);
			ksml_mmdrop(mm);
		} else {
			ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
		}
		slot = ksm->ksm_scan.mm_slot;
	}

	/* pages still mapped somewhere keep their nodes: that is fine */
	ksml_remove_all_stable_nodes(ksm);
	KSML_WRITE_ONCE(ksm->ksm_scan.seqnr, 0); /* read locklessly as full_scans */
	return 0;

error:
	ksml_plat_up_read(&slot->mm->mmap_lock);
	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	ksm->ksm_scan.mm_slot = &ksm->ksm_mm_head;
	ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);
	return err;
}

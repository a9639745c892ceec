/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_slot.c - registration of address spaces with KSM: the mm_slot hash
 * and list, __ksm_enter/__ksm_exit, fork, madvise and prctl merge-any.
 */
#include "ksm_internal.h"

static unsigned int mm_slots_hash_idx(const struct ksml_mm *mm)
{
	/* hash_long(): multiplicative hash of the pointer value */
	uint64_t v = (uint64_t)(uintptr_t)mm * 0x61C8864680B583EBull;

	return (unsigned int)(v >> (64 - MM_SLOTS_HASH_BITS));
}

struct ksm_mm_slot *ksml_mm_slot_lookup(struct ksml *ksm, struct ksml_mm *mm)
{
	struct ksml_hlist_node *n;

	for (n = ksm->mm_slots_hash[mm_slots_hash_idx(mm)].first; n; n = n->next) {
		struct ksm_mm_slot *slot =
			ksml_hlist_entry(n, struct ksm_mm_slot, hash);

		if (slot->mm == mm)
			return slot;
	}
	return NULL;
}

/* unhash and unlink; ksm_mmlist_lock held */
void ksml_mm_slot_remove(struct ksml *ksm, struct ksm_mm_slot *slot)
{
	(void)ksm;
	ksml_hlist_del(&slot->hash);
	ksml_list_del(&slot->mm_node);
}

void ksml_free_mm_slot(struct ksml *ksm, struct ksm_mm_slot *slot)
{
	ksml_plat_cache_free(ksm->mm_slot_cache, slot);
}

static void set_mm_flag(struct ksml_mm *mm, unsigned long bit)
{
	__atomic_fetch_or(&mm->flags, bit, __ATOMIC_ACQ_REL);
}

static void clear_mm_flag(struct ksml_mm *mm, unsigned long bit)
{
	__atomic_fetch_and(&mm->flags, ~bit, __ATOMIC_ACQ_REL);
}

/**
 * __ksm_enter - register an mm with KSM
 *
 * Returns 0 or -KSML_ENOMEM, in which case nothing changed.
 */
static int __ksm_enter(struct ksml_mm *mm)
{
	struct ksml *ksm = mm->ksm;
	struct ksm_mm_slot *slot;
	bool needs_wakeup;

	if (!ksm->mm_slot_cache)
		return -KSML_ENOMEM; /* KSM failed to initialise */
	slot = ksml_plat_cache_zalloc(ksm->mm_slot_cache);
	if (!slot)
		return -KSML_ENOMEM;

	/* read without the lock: a missed wakeup is caught by ksmd's recheck */
	needs_wakeup = ksml_list_empty(&ksm->ksm_mm_head.mm_node);

	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	slot->mm = mm;
	ksml_hlist_add_head(&slot->hash,
			    &ksm->mm_slots_hash[mm_slots_hash_idx(mm)]);
	/*
	 * When KSM_RUN_MERGE (or KSM_RUN_STOP), insert just behind the
	 * scanning cursor, so a forked child is not scanned until the next
	 * pass: by then it has likely exec'ed, and ksmd does not build and
	 * tear down an rmap_list for nothing.  When KSM_RUN_UNMERGE, the
	 * unmerge walk is in progress: append at the tail, so it still
	 * reaches the new mm.
	 */
	if (KSML_READ_ONCE(ksm->ksm_run) & KSML_RUN_UNMERGE)
		ksml_list_add_before(&slot->mm_node, &ksm->ksm_mm_head.mm_node);
	else
		ksml_list_add_before(&slot->mm_node,
				     &ksm->ksm_scan.mm_slot->mm_node);
	ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);

	set_mm_flag(mm, KSML_MMF_VM_MERGEABLE);
	ksml_atomic_add(&mm->mm_count, 1); /* mmgrab */

	if (needs_wakeup)
		ksml_plat_wake_up(&ksm->ksm_thread_wait);
	return 0;
}

/**
 * ksml_exit - an mm with KSM state is exiting (the kernel's __ksm_exit)
 *
 * Easy path: the slot has no rmap_items and the cursor is not on it: free
 * it now.  Hard path: leave it for ksmd, moved just after the cursor so it
 * is reached soon, and wait out any reader of the page tables.
 */
void ksml_exit(struct ksml_mm *mm)
{
	struct ksml *ksm = mm->ksm;
	struct ksm_mm_slot *slot;
	bool easy_to_free = false;

	ksml_plat_spin_lock(&ksm->ksm_mmlist_lock);
	slot = ksml_mm_slot_lookup(ksm, mm);
	if (slot && ksm->ksm_scan.mm_slot != slot) {
		if (!slot->rmap_list) {
			ksml_mm_slot_remove(ksm, slot);
			easy_to_free = true;
		} else {
			ksml_list_del(&slot->mm_node);
			ksml_list_add_after(&slot->mm_node,
					    &ksm->ksm_scan.mm_slot->mm_node);
		}
	}
	ksml_plat_spin_unlock(&ksm->ksm_mmlist_lock);

	if (easy_to_free) {
		ksml_free_mm_slot(ksm, slot);
		clear_mm_flag(mm, KSML_MMF_VM_MERGE_ANY);
		clear_mm_flag(mm, KSML_MMF_VM_MERGEABLE);
		ksml_mmdrop(mm);
	} else if (slot) {
		/*
		 * A barrier: ksmd or break_cow may hold the read lock on this
		 * mm; the page tables must not be freed under them.
		 */
		ksml_plat_down_write(&mm->mmap_lock);
		ksml_plat_up_write(&mm->mmap_lock);
	}
}

int ksml_fork(struct ksml_mm *child, struct ksml_mm *parent)
{
	if (KSML_READ_ONCE(parent->flags) & KSML_MMF_VM_MERGEABLE)
		return __ksm_enter(child);
	return 0;
}

/* vma_ksm_compatible(): VMAs KSM will never touch */
static bool ksm_compatible(unsigned long vm_flags)
{
	if (vm_flags & (KSML_VM_SHARED | KSML_VM_MAYSHARE | KSML_VM_PFNMAP |
			KSML_VM_IO | KSML_VM_DONTEXPAND | KSML_VM_HUGETLB |
			KSML_VM_MIXEDMAP | KSML_VM_DROPPABLE))
		return false;
	return true;
}

/* madvise(MADV_MERGEABLE/UNMERGEABLE) on one VMA; mmap_lock held for write */
int ksml_madvise(struct ksml_vma *vma, unsigned long start, unsigned long end,
		 int advice, unsigned long *vm_flags)
{
	struct ksml_mm *mm = vma->vm_mm;
	int err;

	switch (advice) {
	case KSML_MADV_MERGEABLE:
		if (*vm_flags & KSML_VM_MERGEABLE)
			return 0;
		if (!ksm_compatible(*vm_flags))
			return 0; /* advice silently ignored */
		if (!(KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGEABLE)) {
			err = __ksm_enter(mm);
			if (err)
				return err;
		}
		*vm_flags |= KSML_VM_MERGEABLE;
		break;
	case KSML_MADV_UNMERGEABLE:
		if (!(*vm_flags & KSML_VM_MERGEABLE))
			return 0;
		if (KSML_READ_ONCE(vma->anon_vma)) {
			err = ksml_unmerge_ksm_pages(vma, start, end, true);
			if (err)
				return err;
		}
		*vm_flags &= ~KSML_VM_MERGEABLE;
		break;
	default:
		return -KSML_EINVAL;
	}
	return 0;
}

/*
 * A new VMA of a merge-any process is mergeable if compatible; if ksmd
 * dropped the mm's slot meanwhile (a pass found no mergeable VMA), the mm
 * enters again (best effort, as the kernel's ksm_vma_flags()).
 */
static bool __ksm_add_vma(struct ksml_vma *vma)
{
	if ((KSML_READ_ONCE(vma->vm_mm->flags) & KSML_MMF_VM_MERGE_ANY) &&
	    ksm_compatible(vma->vm_flags)) {
		vma->vm_flags |= KSML_VM_MERGEABLE;
		return true;
	}
	return false;
}

void ksml_add_vma(struct ksml_vma *vma)
{
	struct ksml_mm *mm = vma->vm_mm;

	if (__ksm_add_vma(vma) &&
	    !(KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGEABLE))
		__ksm_enter(mm);
}

static void ksm_add_vmas(struct ksml_mm *mm)
{
	struct ksml_vma *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		__ksm_add_vma(vma);
}

static int ksm_del_vmas(struct ksml_mm *mm)
{
	struct ksml_vma *vma;
	int err;

	for (vma = mm->mmap; vma; vma = vma->vm_next) {
		if (!(vma->vm_flags & KSML_VM_MERGEABLE))
			continue;
		if (KSML_READ_ONCE(vma->anon_vma)) {
			err = ksml_unmerge_ksm_pages(vma, vma->vm_start,
						     vma->vm_end, true);
			if (err)
				return err;
		}
		vma->vm_flags &= ~KSML_VM_MERGEABLE;
	}
	return 0;
}

/* prctl(PR_SET_MEMORY_MERGE, 1); mmap_lock held for write */
int ksml_enable_merge_any(struct ksml_mm *mm)
{
	int err;

	if (KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGE_ANY)
		return 0;
	if (!(KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGEABLE)) {
		err = __ksm_enter(mm);
		if (err)
			return err;
	}
	set_mm_flag(mm, KSML_MMF_VM_MERGE_ANY);
	ksm_add_vmas(mm);
	return 0;
}

/* prctl(PR_SET_MEMORY_MERGE, 0); mmap_lock held for write */
int ksml_disable_merge_any(struct ksml_mm *mm)
{
	int err;

	if (!(KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGE_ANY))
		return 0;
	err = ksm_del_vmas(mm);
	if (err) {
		ksm_add_vmas(mm);
		return err;
	}
	clear_mm_flag(mm, KSML_MMF_VM_MERGE_ANY);
	return 0;
}

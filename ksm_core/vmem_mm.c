/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * vmem_mm.c - address spaces of the memory model: VMAs, mmap, munmap,
 * mremap, faults (write, COW, unshare), read, madvise, prctl, pin,
 * migrate, fork and exit.
 *
 * A write holds the mm's page table lock while it copies bytes into the
 * frame, so once write_protect_page() has changed a PTE under that lock,
 * every later write to the page takes the COW fault: that is what makes
 * the compare after write-protect safe, here as in the kernel.
 */
#include "ksm_internal.h"

#define MMAP_BASE 0x10000000UL

int ksml_mm_create(struct ksml *ksm, struct ksml_mm **out)
{
	struct ksml_mm *mm = ksml_plat_zalloc(sizeof(*mm));

	if (!mm)
		return -KSML_ENOMEM;
	mm->ksm = ksm;
	mm->mm_users = 1;
	mm->mm_count = 1;
	mm->bionic_madv_mergeable = true;
	ksml_plat_rwsem_init(&mm->mmap_lock);
	ksml_plat_spin_init(&mm->page_table_lock);
	ksml_plat_mutex_lock(&ksm->vm.mm_list_lock);
	mm->id = ++ksm->vm.next_mm_id;
	ksml_list_add_before(&mm->mm_list, &ksm->vm.mm_list);
	ksml_plat_mutex_unlock(&ksm->vm.mm_list_lock);
	*out = mm;
	return 0;
}

void ksml_mmdrop(struct ksml_mm *mm)
{
	struct ksml *ksm = mm->ksm;

	if (ksml_atomic_sub(&mm->mm_count, 1))
		return;
	ksml_plat_mutex_lock(&ksm->vm.mm_list_lock);
	ksml_list_del(&mm->mm_list);
	ksml_plat_mutex_unlock(&ksm->vm.mm_list_lock);
	ksml_plat_spin_destroy(&mm->page_table_lock);
	ksml_plat_rwsem_destroy(&mm->mmap_lock);
	ksml_plat_free(mm);
}

/* ------------------------------------------------------------------ VMAs */

struct ksml_vma *ksml_find_vma(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_vma *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		if (vma->vm_end > addr)
			return vma;
	return NULL;
}

static void vma_link(struct ksml_mm *mm, struct ksml_vma *vma)
{
	struct ksml_vma **link = &mm->mmap;

	while (*link && (*link)->vm_start < vma->vm_start)
		link = &(*link)->vm_next;
	vma->vm_next = *link;
	*link = vma;
}

static void vma_unlink_free(struct ksml_mm *mm, struct ksml_vma *vma)
{
	struct ksml_vma **link = &mm->mmap;

	while (*link != vma)
		link = &(*link)->vm_next;
	*link = vma->vm_next;
	ksml_plat_free(vma);
}

/* split vma at addr: vma keeps [start, addr), the new one [addr, end) */
static int split_vma(struct ksml_mm *mm, struct ksml_vma *vma,
		     unsigned long addr)
{
	struct ksml_vma *n;

	if (addr <= vma->vm_start || addr >= vma->vm_end)
		return 0;
	n = ksml_plat_zalloc(sizeof(*n));
	if (!n)
		return -KSML_ENOMEM;
	/* vma_adjust_trans_huge: a PMD cannot straddle two VMAs */
	if (addr & ~KSML_HPAGE_PMD_MASK) {
		ksml_plat_spin_lock(&mm->page_table_lock);
		ksml_split_huge_pmd(mm, addr);
		ksml_plat_spin_unlock(&mm->page_table_lock);
	}
	*n = *vma;
	n->vm_start = addr;
	vma->vm_end = addr;
	n->vm_next = vma->vm_next;
	vma->vm_next = n;
	return 0;
}

static void zap_range(struct ksml_mm *mm, unsigned long start,
		      unsigned long end)
{
	unsigned long addr;

	ksml_plat_spin_lock(&mm->page_table_lock);
	/* a zap of part of a PMD-mapped THP splits the PMD (zap_huge_pmd) */
	if (start & ~KSML_HPAGE_PMD_MASK)
		ksml_split_huge_pmd(mm, start);
	if (end & ~KSML_HPAGE_PMD_MASK)
		ksml_split_huge_pmd(mm, end);
	ksml_for_each_present_pte(mm, addr, start, end)
		ksml_zap_pte(mm, ksml_pte_lookup(mm, addr));
	ksml_plat_spin_unlock(&mm->page_table_lock);
}

/* remove [start, end) from the address space; mmap_lock held for write */
static int do_munmap(struct ksml_mm *mm, unsigned long start,
		     unsigned long end)
{
	struct ksml_vma *vma, *next;
	int err;

	for (vma = ksml_find_vma(mm, start); vma && vma->vm_start < end;
	     vma = next) {
		err = split_vma(mm, vma, start);
		if (err)
			return err;
		if (vma->vm_end <= start) {
			next = vma->vm_next;
			continue;
		}
		err = split_vma(mm, vma, end);
		if (err)
			return err;
		next = vma->vm_next;
		zap_range(mm, vma->vm_start, vma->vm_end);
		vma_unlink_free(mm, vma);
	}
	return 0;
}

static unsigned long get_unmapped_area(struct ksml_mm *mm, unsigned long len)
{
	unsigned long addr = MMAP_BASE;
	struct ksml_vma *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next) {
		if (vma->vm_end <= addr)
			continue;
		if (vma->vm_start >= addr + len)
			break;
		addr = vma->vm_end;
	}
	if (addr + len > KSML_VA_LIMIT || addr + len < addr)
		return 0;
	return addr;
}

static bool range_ok(unsigned long addr, unsigned long len)
{
	return !(addr & ~KSML_PAGE_MASK) && len && addr < KSML_VA_LIMIT &&
	       len <= KSML_VA_LIMIT - addr;
}

int ksml_vm_mmap(struct ksml_mm *mm, unsigned long addr, unsigned long len,
		 unsigned int flags, unsigned long *out_addr)
{
	struct ksml_vma *vma;
	unsigned int type = flags & (KSML_MAP_SHARED | KSML_MAP_PRIVATE);
	int nid = KSML_MAP_NODE_OF(flags);
	int err;

	len = (len + KSML_PAGE_SIZE - 1) & KSML_PAGE_MASK;
	if (!len || (type != KSML_MAP_SHARED && type != KSML_MAP_PRIVATE))
		return -KSML_EINVAL;
	if (nid >= mm->ksm->nr_node_ids)
		return -KSML_EINVAL;
	if ((flags & (KSML_MAP_FIXED | KSML_MAP_FIXED_NOREPLACE)) &&
	    !range_ok(addr, len))
		return -KSML_EINVAL;
	vma = ksml_plat_zalloc(sizeof(*vma));
	if (!vma)
		return -KSML_ENOMEM;
	ksml_plat_down_write(&mm->mmap_lock);
	if (flags & KSML_MAP_FIXED_NOREPLACE) {
		struct ksml_vma *v = ksml_find_vma(mm, addr);

		err = -KSML_EEXIST;
		if (v && v->vm_start < addr + len)
			goto out_free;
	} else if (flags & KSML_MAP_FIXED) {
		err = do_munmap(mm, addr, addr + len);
		if (err)
			goto out_free;
	} else {
		addr = get_unmapped_area(mm, len);
		err = -KSML_ENOMEM;
		if (!addr)
			goto out_free;
	}
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_mm = mm;
	vma->policy_nid = nid;
	vma->vm_flags = KSML_VM_READ;
	if (!(flags & KSML_MAP_RDONLY))
		vma->vm_flags |= KSML_VM_WRITE;
	if (type == KSML_MAP_SHARED)
		vma->vm_flags |= KSML_VM_SHARED | KSML_VM_MAYSHARE;
	if (flags & KSML_MAP_PFNMAP)
		vma->vm_flags |= KSML_VM_PFNMAP;
	if (flags & KSML_MAP_IO)
		vma->vm_flags |= KSML_VM_IO;
	if (flags & KSML_MAP_DONTEXPAND)
		vma->vm_flags |= KSML_VM_DONTEXPAND;
	if (flags & KSML_MAP_HUGETLB)
		vma->vm_flags |= KSML_VM_HUGETLB;
	if (flags & KSML_MAP_MIXEDMAP)
		vma->vm_flags |= KSML_VM_MIXEDMAP;
	if (flags & KSML_MAP_DROPPABLE)
		vma->vm_flags |= KSML_VM_DROPPABLE;
	vma_link(mm, vma);
	ksml_add_vma(vma); /* prctl merge-any: new VMAs are mergeable too */
	ksml_plat_up_write(&mm->mmap_lock);
	if (out_addr)
		*out_addr = addr;

	/*
	 * Android bionic's mmap(): note it tests "private OR anonymous",
	 * whatever its variable name says, and gives up for good on EINVAL.
	 */
	if ((flags & KSML_MAP_BIONIC) &&
	    (flags & (KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS)) &&
	    mm->bionic_madv_mergeable) {
		if (ksml_vm_madvise(mm, addr, len, KSML_MADV_MERGEABLE) ==
		    -KSML_EINVAL)
			mm->bionic_madv_mergeable = false;
	}
	return 0;

out_free:
	ksml_plat_up_write(&mm->mmap_lock);
	ksml_plat_free(vma);
	return err;
}

int ksml_vm_munmap(struct ksml_mm *mm, unsigned long addr, unsigned long len)
{
	int err;

	len = (len + KSML_PAGE_SIZE - 1) & KSML_PAGE_MASK;
	if (!range_ok(addr, len))
		return -KSML_EINVAL;
	ksml_plat_down_write(&mm->mmap_lock);
	err = do_munmap(mm, addr, addr + len);
	ksml_plat_up_write(&mm->mmap_lock);
	return err;
}

/* split every large folio mapped in [start, end); mmap_lock held */
static int split_folios(struct ksml_mm *mm, unsigned long start,
			unsigned long end)
{
	unsigned long a = start;
	int err = 0;

	while (!err && a < end) {
		struct ksml_frame *f = ksml_follow_next_anon_page(mm, &a, end);

		if (!f) {
			a += KSML_PAGE_SIZE; /* a zero page, or end */
			continue;
		}
		if (folio_test_large(f)) {
			ksml_frame_lock(f);
			err = ksml_split_folio(mm->ksm, f);
			ksml_bit_unlock(&f->lock);
		}
		ksml_frame_put(mm->ksm, f);
		a += KSML_PAGE_SIZE;
	}
	return err;
}

int ksml_vm_mremap(struct ksml_mm *mm, unsigned long old_addr,
		   unsigned long old_len, unsigned long new_len,
		   unsigned long new_addr)
{
	struct ksml_vma *vma, *nvma;
	unsigned long off, moved;
	int err;

	old_len = (old_len + KSML_PAGE_SIZE - 1) & KSML_PAGE_MASK;
	new_len = (new_len + KSML_PAGE_SIZE - 1) & KSML_PAGE_MASK;
	if (!range_ok(old_addr, old_len) || !range_ok(new_addr, new_len))
		return -KSML_EINVAL;
	/* the ranges may not overlap (MREMAP_FIXED) */
	if (new_addr < old_addr + old_len && old_addr < new_addr + new_len)
		return -KSML_EINVAL;
	nvma = ksml_plat_zalloc(sizeof(*nvma));
	if (!nvma)
		return -KSML_ENOMEM;
	ksml_plat_down_write(&mm->mmap_lock);
	vma = ksml_find_vma(mm, old_addr);
	err = -KSML_EFAULT;
	if (!vma || vma->vm_start > old_addr || vma->vm_end < old_addr + old_len)
		goto out;
	/*
	 * KSM pages must not turn up at the new address with rmap_items that
	 * still name the old one: unmerge the source first, keep the flag.
	 */
	if (vma->vm_flags & KSML_VM_MERGEABLE) {
		err = ksml_unmerge_ksm_pages(vma, old_addr, old_addr + old_len,
					     false);
		if (err)
			goto out;
	}
	/*
	 * A large folio stays at the address it was faulted at (its rmap, see
	 * struct ksml_folio): one that moves is split first.  The kernel moves
	 * an aligned PMD whole instead; the content is the same either way.
	 */
	err = split_folios(mm, old_addr, old_addr + old_len);
	if (err)
		goto out;
	err = do_munmap(mm, new_addr, new_addr + new_len);
	if (err)
		goto out;
	vma = ksml_find_vma(mm, old_addr);
	err = split_vma(mm, vma, old_addr);
	if (err)
		goto out;
	vma = ksml_find_vma(mm, old_addr);
	err = split_vma(mm, vma, old_addr + old_len);
	if (err)
		goto out;
	*nvma = *vma;
	nvma->vm_start = new_addr;
	nvma->vm_end = new_addr + new_len;
	moved = old_len < new_len ? old_len : new_len;
	ksml_plat_spin_lock(&mm->page_table_lock);
	for (off = 0; off < moved; off += KSML_PAGE_SIZE) {
		struct ksml_pte *src = ksml_pte_lookup(mm, old_addr + off);
		struct ksml_pte *dst;

		if (!src || !(src->flags & KSML_PTE_PRESENT))
			continue;
		dst = ksml_pte_alloc(mm, new_addr + off);
		if (!dst) {
			/* what moved stays moved; the rest is unmapped below */
			err = -KSML_ENOMEM;
			break;
		}
		ksml_vm_changed(&mm->ksm->vm);
		*dst = *src;
		src->frame = NULL;
		KSML_WRITE_ONCE(src->flags, 0);
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	zap_range(mm, old_addr, old_addr + old_len);
	vma_unlink_free(mm, vma);
	vma_link(mm, nvma);
	nvma = NULL;
out:
	ksml_plat_up_write(&mm->mmap_lock);
	ksml_plat_free(nvma);
	return err;
}

/* ----------------------------------------------------------------- faults */

/* ---------------------------------------------------------------- THP */

int ksml_vm_set_thp_mode(struct ksml *ksm, int mode)
{
	if (mode != KSML_THP_NEVER && mode != KSML_THP_MADVISE &&
	    mode != KSML_THP_ALWAYS)
		return -KSML_EINVAL;
	KSML_WRITE_ONCE(ksm->vm.thp_mode, mode);
	return 0;
}

int ksml_vm_get_thp_mode(struct ksml *ksm)
{
	return KSML_READ_ONCE(ksm->vm.thp_mode);
}

/* thp_vma_allowable_order for the PMD order, anonymous memory */
static bool vma_thp_allowed(struct ksml_vma *vma, unsigned long haddr)
{
	int mode = KSML_READ_ONCE(vma->vm_mm->ksm->vm.thp_mode);

	if (vma->vm_flags & (KSML_VM_SHARED | KSML_VM_HUGETLB |
			     KSML_VM_SPECIAL | KSML_VM_NOHUGEPAGE))
		return false;
	if (haddr < vma->vm_start || haddr + KSML_HPAGE_PMD_SIZE > vma->vm_end)
		return false;
	return mode == KSML_THP_ALWAYS ||
	       (mode == KSML_THP_MADVISE && (vma->vm_flags & KSML_VM_HUGEPAGE));
}

/*
 * do_huge_pmd_anonymous_page: with no page table under the PMD yet (all
 * 512 entries empty), map a zero-filled THP by the PMD.  Returns 1 if it
 * did, 0 to fall back to a small page (also when the allocation fails, as
 * the kernel falls back).  Page table lock held.
 */
static int do_huge_pmd_anonymous_page(struct ksml_mm *mm, struct ksml_vma *vma,
				      unsigned long addr, struct ksml_pte *pte)
{
	unsigned long haddr = addr & KSML_HPAGE_PMD_MASK;
	struct ksml_pte *pt = pte - ((addr - haddr) >> KSML_PAGE_SHIFT);
	uint32_t wr = (vma->vm_flags & KSML_VM_WRITE) ? KSML_PTE_WRITE : 0;
	int nid = vma->policy_nid >= 0 ? vma->policy_nid : 0;
	struct ksml_folio *folio;
	unsigned int i;

	if (!vma_thp_allowed(vma, haddr))
		return 0;
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		if (pt[i].flags)
			return 0;
	folio = ksml_plat_zalloc(sizeof(*folio));
	if (!folio)
		return 0;
	ksml_folio_init(folio, mm, KSML_HPAGE_PMD_NR);
	folio->addr = haddr;
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++) {
		struct ksml_frame *f = ksml_frame_alloc(mm->ksm, nid);

		if (!f)
			break;
		ksml_frame_zero(f);
		f->mapcount = 1;
		f->folio_idx = i;
		folio->page[i] = f;
	}
	if (i < KSML_HPAGE_PMD_NR) {
		while (i--)
			ksml_frame_put(mm->ksm, folio->page[i]);
		ksml_folio_free(folio);
		return 0;
	}
	folio->nr_pages = KSML_HPAGE_PMD_NR;
	ksml_plat_spin_lock(&mm->ksm->vm.lock);
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		folio->page[i]->folio = folio;
	ksml_plat_spin_unlock(&mm->ksm->vm.lock);
	KSML_WRITE_ONCE(vma->anon_vma, true);
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++) {
		pt[i].frame = folio->page[i];
		KSML_WRITE_ONCE(pt[i].flags, KSML_PTE_PRESENT | KSML_PTE_EXCL |
						     KSML_PTE_HUGE | wr);
	}
	return 1;
}

/*
 * do_huge_pmd_wp_page: a write to a write-protected PMD-mapped THP reuses
 * the whole PMD when the folio is this mapping's alone, else splits the
 * PMD and leaves the write to the PTE fault (which copies one subpage).
 * Returns 1 if reused.  Page table lock held.
 */
static int do_huge_pmd_wp_page(struct ksml_mm *mm, struct ksml_vma *vma,
			       unsigned long addr)
{
	unsigned long haddr = addr & KSML_HPAGE_PMD_MASK;
	struct ksml_pte *pt = ksml_pte_lookup(mm, haddr);
	uint32_t wr = (vma->vm_flags & KSML_VM_WRITE) ? KSML_PTE_WRITE : 0;
	unsigned int i;

	for (i = 0; wr && i < KSML_HPAGE_PMD_NR; i++) {
		struct ksml_frame *f = pt[i].frame;

		if (ksml_atomic_read(&f->refcount) != 1 ||
		    ksml_atomic_read(&f->mapcount) != 1)
			break;
	}
	if (wr && i == KSML_HPAGE_PMD_NR) {
		for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
			KSML_WRITE_ONCE(pt[i].flags,
					pt[i].flags | KSML_PTE_EXCL | wr);
		return 1;
	}
	ksml_split_huge_pmd(mm, haddr);
	return 0;
}

/*
 * wp_can_reuse_anon_folio for a subpage of a large folio that is not
 * marked exclusive: may mm write to it in place?  The kernel's answer
 * changed twice (enum ksml_large_wp).  The page is mm's and mapped, so
 * its folio stays large while the page table lock is held.
 */
static bool wp_can_reuse_large_anon_folio(struct ksml_mm *mm,
					  struct ksml_frame *f)
{
	struct ksml_folio *folio = f->folio;
	bool reuse = false;

	switch (mm->ksm->cfg.large_folio_wp) {
	case KSML_LARGE_WP_NEVER:
		return false;
	case KSML_LARGE_WP_SOLE_REF:
		/* the small folio's test: its lock, and one reference */
		if (!ksml_bit_trylock(&f->lock))
			return false;
		reuse = ksml_folio_ref_count(folio) == 1;
		ksml_bit_unlock(&f->lock);
		return reuse;
	case KSML_LARGE_WP_MM_ID:
		break;
	}
	ksml_plat_spin_lock(&folio->mapcount_lock);
	/* the folio's last mapped page is copied, to free the folio */
	if (folio->large_mapcount > 1 && !folio->maybe_mapped_shared &&
	    folio->large_mapcount == ksml_folio_ref_count(folio))
		reuse = true;
	ksml_plat_spin_unlock(&folio->mapcount_lock);
	return reuse;
}

/*
 * Make the PTE at addr present and writable by this mm alone (the write
 * fault, and with force the KSML_FOLL_FORCE write of ptrace that unshares but
 * leaves a read-only mapping read-only).  Page table lock held.
 */
static int handle_write_fault(struct ksml_mm *mm, struct ksml_vma *vma,
			      unsigned long addr, struct ksml_pte *pte,
			      bool force)
{
	uint32_t fl = pte->flags;
	uint32_t wr = (vma->vm_flags & KSML_VM_WRITE) ? KSML_PTE_WRITE : 0;
	struct ksml_frame *f;
	int err;

	if (!wr && !force)
		return -KSML_EFAULT;
	if (!(fl & KSML_PTE_PRESENT) && wr &&
	    do_huge_pmd_anonymous_page(mm, vma, addr, pte))
		return 0;
	if ((fl & KSML_PTE_HUGE) && !(fl & KSML_PTE_WRITE) && wr) {
		if (do_huge_pmd_wp_page(mm, vma, addr))
			return 0;
		fl = pte->flags;
	}
	if (!(fl & KSML_PTE_PRESENT)) {
		f = ksml_frame_alloc(mm->ksm,
				     vma->policy_nid >= 0 ? vma->policy_nid : 0);
		if (!f)
			return -KSML_ENOMEM;
		ksml_frame_zero(f);
		f->mapcount = 1;
		KSML_WRITE_ONCE(vma->anon_vma, true);
		pte->frame = f;
		KSML_WRITE_ONCE(pte->flags, KSML_PTE_PRESENT | KSML_PTE_EXCL | wr);
		return 0;
	}
	if ((fl & KSML_PTE_WRITE) || (vma->vm_flags & KSML_VM_SHARED))
		return 0;
	if (!(fl & KSML_PTE_ZERO)) {
		f = pte->frame;
		/* an exclusive anon page is reused; a KSM page never is */
		if (!KSML_READ_ONCE(f->ksm)) {
			if (fl & KSML_PTE_EXCL) {
				KSML_WRITE_ONCE(pte->flags, fl | wr);
				return 0;
			}
			if (folio_test_large(f)) {
				if (wp_can_reuse_large_anon_folio(mm, f)) {
					KSML_WRITE_ONCE(pte->flags,
							fl | KSML_PTE_EXCL | wr);
					return 0;
				}
			} else if (ksml_bit_trylock(&f->lock)) {
				bool reuse = ksml_atomic_read(&f->refcount) == 1 &&
					     ksml_atomic_read(&f->mapcount) == 1 &&
					     !KSML_READ_ONCE(f->ksm);

				if (reuse)
					KSML_WRITE_ONCE(pte->flags,
							fl | KSML_PTE_EXCL | wr);
				ksml_bit_unlock(&f->lock);
				if (reuse)
					return 0;
			}
		}
	}
	err = ksml_unshare_pte(mm, vma, addr, pte);
	if (err)
		return err;
	if (wr)
		KSML_WRITE_ONCE(pte->flags, pte->flags | KSML_PTE_WRITE);
	return 0;
}

#define KSML_FOLL_WRITE 0x1u
#define KSML_FOLL_FORCE 0x2u

/* one page's part of an access; mmap_lock held, page table lock taken here */
static int access_page(struct ksml_mm *mm, struct ksml_vma *vma,
		       unsigned long addr, char *buf, size_t n,
		       unsigned int gup_flags)
{
	unsigned long off = addr & ~KSML_PAGE_MASK;
	struct ksml_pte *pte;
	int err = 0;

	ksml_plat_spin_lock(&mm->page_table_lock);
	if (gup_flags & KSML_FOLL_WRITE) {
		pte = ksml_pte_alloc(mm, addr & KSML_PAGE_MASK);
		err = pte ? handle_write_fault(mm, vma, addr, pte,
					       gup_flags & KSML_FOLL_FORCE)
			  : -KSML_ENOMEM;
		if (!err) {
			char *p = ksml_plat_page_map(pte->frame->page);

			ksml_vm_changed(&mm->ksm->vm);
			ksml_frame_write_begin(pte->frame);
			ksml_plat_mem_copy(p + off, buf, n);
			ksml_frame_write_end(pte->frame);
			ksml_plat_page_unmap(p);
			KSML_WRITE_ONCE(pte->flags, pte->flags | KSML_PTE_DIRTY);
		}
	} else {
		pte = ksml_pte_lookup(mm, addr & KSML_PAGE_MASK);
		if (pte && (pte->flags & KSML_PTE_PRESENT) &&
		    !(pte->flags & KSML_PTE_ZERO)) {
			char *p = ksml_plat_page_map(pte->frame->page);

			ksml_plat_mem_copy(buf, p + off, n);
			ksml_plat_page_unmap(p);
		} else {
			ksml_plat_mem_set(buf, 0, n); /* hole or zero page */
		}
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return err;
}

/* a process's read or write of its memory, page by page (access_remote_vm) */
static int access_vm(struct ksml_mm *mm, unsigned long addr, char *buf,
		     size_t len, unsigned int gup_flags)
{
	int err = 0;

	if (addr >= KSML_VA_LIMIT || len > KSML_VA_LIMIT - addr)
		return -KSML_EFAULT;
	while (len && !err) {
		unsigned long off = addr & ~KSML_PAGE_MASK;
		size_t n = KSML_PAGE_SIZE - off < len ? KSML_PAGE_SIZE - off : len;
		struct ksml_vma *vma;

		ksml_plat_down_read(&mm->mmap_lock);
		vma = ksml_find_vma(mm, addr);
		err = -KSML_EFAULT;
		if (vma && vma->vm_start <= addr &&
		    !((gup_flags & KSML_FOLL_WRITE) && ksm_test_exit(mm)))
			err = access_page(mm, vma, addr, buf, n, gup_flags);
		ksml_plat_up_read(&mm->mmap_lock);
		addr += n;
		buf += n;
		len -= n;
	}
	return err;
}

int ksml_vm_write(struct ksml_mm *mm, unsigned long addr, const void *buf,
		  size_t len)
{
	return access_vm(mm, addr, (char *)(uintptr_t)buf, len, KSML_FOLL_WRITE);
}

int ksml_vm_write_force(struct ksml_mm *mm, unsigned long addr,
			const void *buf, size_t len)
{
	return access_vm(mm, addr, (char *)(uintptr_t)buf, len,
			 KSML_FOLL_WRITE | KSML_FOLL_FORCE);
}

int ksml_vm_read(struct ksml_mm *mm, unsigned long addr, void *buf, size_t len)
{
	return access_vm(mm, addr, buf, len, 0);
}

/* --------------------------------------------------------------- madvise */

int ksml_vm_madvise(struct ksml_mm *mm, unsigned long addr, unsigned long len,
		    int advice)
{
	unsigned long end, start = addr;
	struct ksml_vma *vma;
	bool hole = false;
	int err = 0;

	if (addr & ~KSML_PAGE_MASK)
		return -KSML_EINVAL;
	len = (len + KSML_PAGE_SIZE - 1) & KSML_PAGE_MASK;
	if (!range_ok(addr, len))
		return len ? -KSML_EINVAL : 0;
	end = addr + len;
	if (advice != KSML_MADV_MERGEABLE && advice != KSML_MADV_UNMERGEABLE &&
	    advice != KSML_MADV_DONTNEED && advice != KSML_MADV_HUGEPAGE &&
	    advice != KSML_MADV_NOHUGEPAGE)
		return -KSML_EINVAL;
	if ((advice == KSML_MADV_MERGEABLE ||
	     advice == KSML_MADV_UNMERGEABLE) &&
	    mm->ksm->cfg.no_config_ksm)
		return -KSML_EINVAL;

	ksml_plat_down_write(&mm->mmap_lock);
	for (vma = ksml_find_vma(mm, start); start < end; vma = vma->vm_next) {
		unsigned long s, e, nf;

		if (!vma) {
			hole = true;
			break;
		}
		if (vma->vm_start >= end) {
			hole = true;
			break;
		}
		if (vma->vm_start > start)
			hole = true;
		s = start > vma->vm_start ? start : vma->vm_start;
		e = end < vma->vm_end ? end : vma->vm_end;
		if (advice == KSML_MADV_DONTNEED) {
			/*
			 * Anonymous shared memory is shmem: its pages survive
			 * DONTNEED (the next access maps them again), and the
			 * model has no object behind the mapping to keep them,
			 * so it keeps the mapping.
			 */
			if (!(vma->vm_flags & KSML_VM_SHARED))
				zap_range(mm, s, e);
			start = e;
			continue;
		}
		nf = vma->vm_flags;
		if (advice == KSML_MADV_HUGEPAGE)
			/* hugepage_madvise; THPs already there stay as they are
			 */
			nf = (nf & ~KSML_VM_NOHUGEPAGE) | KSML_VM_HUGEPAGE;
		else if (advice == KSML_MADV_NOHUGEPAGE)
			nf = (nf & ~KSML_VM_HUGEPAGE) | KSML_VM_NOHUGEPAGE;
		else
			err = ksml_madvise(vma, s, e, advice, &nf);
		if (err)
			break;
		if (nf != vma->vm_flags) {
			/* madvise splits the VMA to the range it changes */
			err = split_vma(mm, vma, s);
			if (err)
				break;
			if (vma->vm_end <= s)
				vma = vma->vm_next;
			err = split_vma(mm, vma, e);
			if (err)
				break;
			vma->vm_flags = nf;
		}
		start = e;
	}
	ksml_plat_up_write(&mm->mmap_lock);
	if (!err && hole)
		err = -KSML_ENOMEM;
	return err;
}

int ksml_vm_prctl_set_memory_merge(struct ksml_mm *mm, unsigned long arg2)
{
	int err;

	if (mm->ksm->cfg.no_config_ksm)
		return -KSML_EINVAL;
	ksml_plat_down_write(&mm->mmap_lock);
	if (arg2)
		err = ksml_enable_merge_any(mm);
	else
		err = ksml_disable_merge_any(mm);
	ksml_plat_up_write(&mm->mmap_lock);
	return err;
}

int ksml_vm_prctl_get_memory_merge(struct ksml_mm *mm)
{
	if (mm->ksm->cfg.no_config_ksm)
		return -KSML_EINVAL;
	return (KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGE_ANY) ? 1 : 0;
}

/* ------------------------------------------------------ pin, migrate, info */

int ksml_vm_pin(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_vma *vma;
	struct ksml_pte *pte;
	int err;

	addr &= KSML_PAGE_MASK;
	ksml_plat_down_read(&mm->mmap_lock);
	vma = ksml_find_vma(mm, addr);
	err = -KSML_EFAULT;
	if (vma && vma->vm_start <= addr && (vma->vm_flags & KSML_VM_WRITE)) {
		ksml_plat_spin_lock(&mm->page_table_lock);
		pte = ksml_pte_alloc(mm, addr);
		err = pte ? 0 : -KSML_ENOMEM;
		/* a long-term pin needs an exclusive anonymous page: unshare */
		if (!err && (!(pte->flags & KSML_PTE_EXCL) ||
			     !(pte->flags & KSML_PTE_PRESENT)))
			err = handle_write_fault(mm, vma, addr, pte, false);
		if (!err && !(pte->flags & KSML_PTE_EXCL) &&
		    !(vma->vm_flags & KSML_VM_SHARED))
			err = ksml_unshare_pte(mm, vma, addr, pte);
		if (!err) {
			ksml_atomic_add(&pte->frame->pincount, 1);
			ksml_frame_get(pte->frame);
		}
		ksml_plat_spin_unlock(&mm->page_table_lock);
	}
	ksml_plat_up_read(&mm->mmap_lock);
	return err;
}

int ksml_vm_unpin(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_pte *pte;
	struct ksml_frame *f = NULL;
	int err = -KSML_EINVAL;

	addr &= KSML_PAGE_MASK;
	ksml_plat_down_read(&mm->mmap_lock);
	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (pte && (pte->flags & KSML_PTE_PRESENT) &&
	    !(pte->flags & KSML_PTE_ZERO) &&
	    ksml_atomic_read(&pte->frame->pincount) > 0) {
		f = pte->frame;
		ksml_atomic_sub(&f->pincount, 1);
		err = 0;
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	ksml_plat_up_read(&mm->mmap_lock);
	if (f)
		ksml_frame_put(mm->ksm, f);
	return err;
}

/*
 * Move a frame and all its mappings to node nid, as migrate_pages does
 * with a KSM or anon folio; a KSM page's stable node follows it through
 * the KSM side's ksml_folio_migrate_ksm, as folio_migrate_ksm in the
 * kernel.
 */
int ksml_vm_migrate(struct ksml_mm *mm, unsigned long addr, int nid)
{
	struct ksml *ksm = mm->ksm;
	struct ksml_list_head *pos;
	struct ksml_frame *old = NULL, *f;
	struct ksml_pte *pte;
	int err = 0;

	if (nid < 0 || nid >= ksm->nr_node_ids)
		return -KSML_EINVAL;
	addr &= KSML_PAGE_MASK;
	ksml_plat_down_read(&mm->mmap_lock);
	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (pte && (pte->flags & KSML_PTE_PRESENT) &&
	    !(pte->flags & KSML_PTE_ZERO)) {
		old = pte->frame;
		ksml_frame_get(old);
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	ksml_plat_up_read(&mm->mmap_lock);
	if (!old)
		return -KSML_EFAULT;
	if (old->nid == nid) {
		ksml_frame_put(ksm, old);
		return 0;
	}
	/* the model migrates order-0 pages: a THP is split first */
	if (folio_test_large(old)) {
		ksml_frame_lock(old);
		err = ksml_split_folio(ksm, old);
		ksml_bit_unlock(&old->lock);
		if (err) {
			ksml_frame_put(ksm, old);
			return err;
		}
	}
	f = ksml_frame_alloc(ksm, nid);
	if (!f) {
		ksml_frame_put(ksm, old);
		return -KSML_ENOMEM;
	}
	ksml_frame_lock(old);
	ksml_plat_mutex_lock(&ksm->vm.mm_list_lock);
	/*
	 * every page table that may map the frame, in list order, each
	 * under mm_list_lock as the nest lock (mm_take_all_locks' pattern:
	 * that mutex serialises everyone who takes more than two PTLs, so
	 * their order does not matter, and lockdep counts them as one)
	 */
	for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list; pos = pos->next)
		ksml_plat_spin_lock_nest(
			&ksml_list_entry(pos, struct ksml_mm, mm_list)
				 ->page_table_lock,
			&ksm->vm.mm_list_lock);
	/*
	 * References beyond the mappings and ours: pinned or in use, so the
	 * migration fails as the kernel's does (-EAGAIN there).  The check is
	 * not a freeze: the page-table locks stop new mappings and PTE-based
	 * gets, but a keyhole get (ksml_get_ksm_page, a content name) takes
	 * its reference with no lock, so it can land after this check.  Such
	 * a reference belongs to its taker, who drops it with a plain put
	 * whenever it is done, so from here on the refcounts of both frames
	 * only move by the references that change hands: the mappings.  An
	 * absolute store would erase the keyhole reference and let its put
	 * free a frame still in use.
	 */
	if (ksml_atomic_read(&old->refcount) !=
	    ksml_atomic_read(&old->mapcount) + 1) {
		err = -KSML_EBUSY;
	} else {
		long maps = old->mapcount;

		ksml_frame_copy(f, old);
		f->mapcount = maps;
		/* f: ours (from the allocation) plus one per mapping moved in
		 */
		ksml_atomic_add(&f->refcount, maps);
		/*
		 * The page tables, not the VMAs: a VMA is freed under its
		 * mm's mmap_lock alone (munmap, exit), which is not ours, but
		 * a page table only under the page-table lock we hold.
		 */
		for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list;
		     pos = pos->next) {
			struct ksml_mm *m =
				ksml_list_entry(pos, struct ksml_mm, mm_list);
			unsigned long a;

			ksml_for_each_present_pte(m, a, 0, KSML_VA_LIMIT)
			{
				struct ksml_pte *p = ksml_pte_lookup(m, a);

				if (p->frame == old &&
				    !(p->flags & KSML_PTE_ZERO))
					p->frame = f;
			}
		}
		ksml_folio_migrate_ksm(f, old);
		old->mapcount = 0;
		/* old keeps ours and any keyhole reference taken meanwhile */
		if (ksml_atomic_sub(&old->refcount, maps) > 1)
			ksml_atomic_add(&ksm->vm.migrate_raced, 1);
	}
	for (pos = ksm->vm.mm_list.prev; pos != &ksm->vm.mm_list; pos = pos->prev)
		ksml_plat_spin_unlock(
			&ksml_list_entry(pos, struct ksml_mm, mm_list)->page_table_lock);
	ksml_plat_mutex_unlock(&ksm->vm.mm_list_lock);
	ksml_bit_unlock(&old->lock);
	if (err) {
		ksml_frame_put(ksm, f);
		ksml_frame_put(ksm, old);
		return err;
	}
	/* ours on old (freed here unless a keyhole holder still has it) */
	ksml_frame_put(ksm, old);
	/* and ours on f, which now lives on its mappings' references */
	ksml_frame_put(ksm, f);
	return 0;
}

int ksml_vm_page_info(struct ksml_mm *mm, unsigned long addr,
		      struct ksml_page_info *info)
{
	struct ksml_pte *pte;

	ksml_plat_mem_set(info, 0, sizeof(*info));
	addr &= KSML_PAGE_MASK;
	ksml_plat_down_read(&mm->mmap_lock);
	ksml_plat_spin_lock(&mm->page_table_lock);
	pte = ksml_pte_lookup(mm, addr);
	if (pte && (pte->flags & KSML_PTE_PRESENT)) {
		struct ksml_frame *f = (pte->flags & KSML_PTE_ZERO) ?
			mm->ksm->vm.zero_frame : pte->frame;

		info->present = true;
		info->zero = !!(pte->flags & KSML_PTE_ZERO);
		info->ksm_zero = info->zero && (pte->flags & KSML_PTE_DIRTY);
		info->writable = !!(pte->flags & KSML_PTE_WRITE);
		info->ksm = KSML_READ_ONCE(f->ksm);
		info->pfn = f->pfn;
		info->nid = f->nid;
		info->mapcount = ksml_atomic_read(&f->mapcount);
		info->thp = !info->zero && folio_test_large(f);
		info->pmd_mapped = !!(pte->flags & KSML_PTE_HUGE);
	}
	ksml_plat_spin_unlock(&mm->page_table_lock);
	ksml_plat_up_read(&mm->mmap_lock);
	return 0;
}

/* ------------------------------------------------------------ fork, exit */

static int copy_page_range(struct ksml_mm *dst, struct ksml_mm *src,
			   struct ksml_vma *vma)
{
	unsigned long a;
	int err = 0;

	ksml_for_each_present_pte(src, a, vma->vm_start, vma->vm_end) {
		struct ksml_pte *s = ksml_pte_lookup(src, a);
		struct ksml_pte *d = ksml_pte_alloc(dst, a);
		struct ksml_frame *f = s->frame;

		if (!d)
			return -KSML_ENOMEM;
		/*
		 * copy_huge_pmd shares the PMD write-protected, unless the
		 * folio may be pinned: then it splits the PMD and leaves the
		 * subpages to the PTE path, which copies them.
		 */
		if ((s->flags & KSML_PTE_HUGE) && !(a & ~KSML_HPAGE_PMD_MASK) &&
		    !(vma->vm_flags & KSML_VM_SHARED)) {
			const struct ksml_pte *pt = s;
			unsigned int i;

			for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
				if (ksml_atomic_read(&pt[i].frame->pincount))
					break;
			if (i < KSML_HPAGE_PMD_NR)
				ksml_split_huge_pmd(src, a);
		}
		if (s->flags & KSML_PTE_ZERO) {
			*d = *s; /* a KSM zero PTE stays one (dirty) */
			if (s->flags & KSML_PTE_DIRTY)
				ksml_atomic_add(&dst->ksm_zero_pages, 1);
			continue;
		}
		if (vma->vm_flags & KSML_VM_SHARED) {
			*d = *s;
		} else if ((s->flags & KSML_PTE_EXCL) &&
			   (f->folio ? ksml_folio_maybe_pinned(f->folio)
				     : ksml_atomic_read(&f->pincount) > 0)) {
			/*
			 * a maybe-pinned exclusive page is copied at fork; a
			 * large folio is pinned as a whole, so each of its
			 * exclusive subpages is
			 */
			struct ksml_frame *n = ksml_frame_alloc(dst->ksm, f->nid);

			if (!n)
				return -KSML_ENOMEM;
			ksml_frame_copy(n, f);
			n->mapcount = 1;
			d->frame = n;
			d->flags = s->flags;
			continue;
		} else {
			KSML_WRITE_ONCE(s->flags,
					s->flags & ~(KSML_PTE_WRITE | KSML_PTE_EXCL));
			*d = *s;
		}
		if (f->folio)
			ksml_folio_add_mapcount(f->folio, dst, 1);
		ksml_atomic_add(&f->mapcount, 1);
		ksml_frame_get(f);
	}
	return err;
}

static void exit_mmap(struct ksml_mm *mm)
{
	struct ksml_vma *vma, *next;

	ksml_plat_down_write(&mm->mmap_lock);
	for (vma = mm->mmap; vma; vma = next) {
		next = vma->vm_next;
		zap_range(mm, vma->vm_start, vma->vm_end);
		ksml_plat_free(vma);
	}
	mm->mmap = NULL;
	ksml_plat_spin_lock(&mm->page_table_lock);
	ksml_pgd_free(mm);
	ksml_plat_spin_unlock(&mm->page_table_lock);
	ksml_plat_up_write(&mm->mmap_lock);
}

int ksml_mm_fork(struct ksml_mm *parent, struct ksml_mm **childp)
{
	struct ksml_mm *child;
	struct ksml_vma *vma, **tail;
	long zero;
	int err;

	err = ksml_mm_create(parent->ksm, &child);
	if (err)
		return err;
	ksml_plat_down_write(&parent->mmap_lock);
	child->flags = KSML_READ_ONCE(parent->flags) & KSML_MMF_VM_MERGE_ANY;
	child->bionic_madv_mergeable = parent->bionic_madv_mergeable;
	tail = &child->mmap;
	/*
	 * parent's page table lock, then the child's: mm list order.  Two
	 * locks of one class: the child's is annotated as nested, as the
	 * kernel's copy_pte_range takes the dst PTL (SINGLE_DEPTH_NESTING).
	 */
	ksml_plat_spin_lock(&parent->page_table_lock);
	ksml_plat_spin_lock_nested(&child->page_table_lock,
				   KSML_SINGLE_DEPTH_NESTING);
	for (vma = parent->mmap; vma && !err; vma = vma->vm_next) {
		struct ksml_vma *n = ksml_plat_zalloc(sizeof(*n));

		if (!n) {
			err = -KSML_ENOMEM;
			break;
		}
		*n = *vma;
		n->vm_mm = child;
		n->vm_next = NULL;
		*tail = n;
		tail = &n->vm_next;
		err = copy_page_range(child, parent, vma);
	}
	ksml_plat_spin_unlock(&child->page_table_lock);
	ksml_plat_spin_unlock(&parent->page_table_lock);
	/*
	 * KSM's fork hook.  6.18: the child's merging/rmap counts start at 0;
	 * the KSM zero PTEs it inherited are its own and are added to the
	 * global count.  Before (fork_inherits_ksm_counters): dup_mm's byte
	 * copy gives the child the parent's counts, which then drift, and
	 * the global count is not raised.
	 */
	if (parent->ksm->cfg.fork_inherits_ksm_counters) {
		/* unlocked, as dup_mm's copy: ksmd may change them meanwhile */
		child->ksm_merging_pages =
			KSML_READ_ONCE(parent->ksm_merging_pages);
		child->ksm_rmap_items = KSML_READ_ONCE(parent->ksm_rmap_items);
	} else {
		zero = ksml_atomic_read(&child->ksm_zero_pages);
		if (zero)
			ksml_atomic_add(&parent->ksm->ksm_zero_pages, zero);
	}
	if (!err)
		err = ksml_fork(child, parent);
	ksml_plat_up_write(&parent->mmap_lock);
	if (err) {
		ksml_mm_exit(child);
		return err;
	}
	*childp = child;
	return 0;
}

void ksml_mm_exit(struct ksml_mm *mm)
{
	/* mmput: the last user is gone; KSM hears it before the teardown */
	ksml_atomic_set(&mm->mm_users, 0);
	if (KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGEABLE)
		ksml_exit(mm);
	exit_mmap(mm);
	ksml_mmdrop(mm);
}

int ksml_mm_get_stat(struct ksml_mm *mm, struct ksml_mm_stat *st)
{
	struct ksml_vma *vma;

	st->ksm_rmap_items = KSML_READ_ONCE(mm->ksm_rmap_items);
	st->ksm_zero_pages = ksml_atomic_read(&mm->ksm_zero_pages);
	st->ksm_merging_pages = KSML_READ_ONCE(mm->ksm_merging_pages);
	st->ksm_process_profit =
		(long)(st->ksm_merging_pages + (unsigned long)st->ksm_zero_pages) *
			(long)KSML_PAGE_SIZE -
		(long)st->ksm_rmap_items * KSML_RMAP_ITEM_KERNEL_SIZE;
	st->ksm_merge_any = !!(KSML_READ_ONCE(mm->flags) & KSML_MMF_VM_MERGE_ANY);
	st->ksm_mergeable = false;
	st->ksm_kb = 0;
	st->anon_huge_kb = 0;
	ksml_plat_down_read(&mm->mmap_lock);
	for (vma = mm->mmap; vma; vma = vma->vm_next) {
		unsigned long a;

		if (vma->vm_flags & KSML_VM_MERGEABLE)
			st->ksm_mergeable = true;
		/* smaps: every mapped page of a KSM folio (not the zero page) */
		ksml_plat_spin_lock(&mm->page_table_lock);
		ksml_for_each_present_pte(mm, a, vma->vm_start, vma->vm_end) {
			const struct ksml_pte *pte = ksml_pte_lookup(mm, a);

			if (!(pte->flags & KSML_PTE_ZERO) &&
			    KSML_READ_ONCE(pte->frame->ksm))
				st->ksm_kb += KSML_PAGE_SIZE / 1024;
			if (pte->flags & KSML_PTE_HUGE)
				st->anon_huge_kb += KSML_PAGE_SIZE / 1024;
		}
		ksml_plat_spin_unlock(&mm->page_table_lock);
	}
	ksml_plat_up_read(&mm->mmap_lock);
	return 0;
}

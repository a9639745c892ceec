/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * vmem.c - frames and page tables of the memory model.
 *
 * Frames are allocated in chunks and their metadata is never freed while
 * the instance lives: a stable node keeps a pointer to its frame without a
 * reference (the kernel's "keyhole" on struct page), so the metadata must
 * outlive the page it describes.  A freed frame has refcount 0 and no
 * mapping; a stable node that looks at it finds it stale.
 *
 * The page table is a 4-level radix of 512 entries per level, as x86-64's,
 * so sparse address spaces cost what they map.
 */
#include "ksm_internal.h"

int ksml_vm_init(struct ksml *ksm)
{
	struct ksml_vm *vm = &ksm->vm;
	unsigned long max_frames =
		ksm->cfg.max_frames ? ksm->cfg.max_frames : 1UL << 22;
	int nodes = ksm->nr_node_ids;

	ksml_plat_spin_init(&vm->lock);
	ksml_list_init(&vm->mm_list);
	ksml_plat_mutex_init(&vm->mm_list_lock);
	vm->max_chunks = (max_frames + KSML_FRAME_CHUNK - 1) / KSML_FRAME_CHUNK;
	vm->chunks = ksml_plat_zalloc(vm->max_chunks * sizeof(*vm->chunks));
	if (!vm->chunks)
		goto err_lock;
	vm->free_list =
		ksml_plat_zalloc((size_t)nodes * sizeof(*vm->free_list));
	if (!vm->free_list)
		goto err_chunks;
	vm->zero_frame = ksml_frame_alloc(ksm, 0);
	if (!vm->zero_frame)
		goto err_free_list;
	ksml_frame_zero(vm->zero_frame);
	vm->zero_frame->flags = KSML_FRAME_ZERO;
	vm->thp_mode = KSML_THP_MADVISE;
	return 0;

err_free_list:
	ksml_plat_free(vm->free_list);
err_chunks:
	ksml_plat_free(vm->chunks);
err_lock:
	ksml_plat_mutex_destroy(&vm->mm_list_lock);
	ksml_plat_spin_destroy(&vm->lock);
	return -KSML_ENOMEM;
}

void ksml_vm_destroy(struct ksml *ksm)
{
	struct ksml_vm *vm = &ksm->vm;
	unsigned long c, i;

	for (c = 0; c < vm->nr_chunks; c++) {
		struct ksml_frame *chunk = vm->chunks[c];

		for (i = 0; i < KSML_FRAME_CHUNK; i++)
			if (chunk[i].page)
				ksm->ops->page_free(ksm->ops->ctx,
						    chunk[i].page);
		ksml_plat_free(chunk);
	}
	ksml_plat_free(vm->chunks);
	ksml_plat_free(vm->free_list);
	ksml_plat_mutex_destroy(&vm->mm_list_lock);
	ksml_plat_spin_destroy(&vm->lock);
}

struct ksml_frame *ksml_pfn_to_frame(struct ksml *ksm, unsigned long pfn)
{
	struct ksml_vm *vm = &ksm->vm;

	if (pfn >= vm->nr_frames)
		return NULL;
	return &vm->chunks[pfn / KSML_FRAME_CHUNK][pfn % KSML_FRAME_CHUNK];
}

/* a fresh frame on node nid with one reference, contents undefined */
struct ksml_frame *ksml_frame_alloc(struct ksml *ksm, int nid)
{
	struct ksml_vm *vm = &ksm->vm;
	struct ksml_frame *f;

	if (nid < 0 || nid >= ksm->nr_node_ids)
		nid = 0;
	ksml_plat_spin_lock(&vm->lock);
	f = vm->free_list[nid];
	if (f) {
		vm->free_list[nid] = f->next_free;
	} else {
		unsigned long pfn = vm->nr_frames;

		if (pfn % KSML_FRAME_CHUNK == 0) {
			struct ksml_frame *chunk;

			if (pfn / KSML_FRAME_CHUNK >= vm->max_chunks)
				goto fail;
			chunk = ksml_plat_zalloc(KSML_FRAME_CHUNK *
						 sizeof(*chunk));
			if (!chunk)
				goto fail;
			vm->chunks[pfn / KSML_FRAME_CHUNK] = chunk;
			vm->nr_chunks++;
		}
		f = &vm->chunks[pfn / KSML_FRAME_CHUNK][pfn % KSML_FRAME_CHUNK];
		f->page = ksm->ops->page_alloc(ksm->ops->ctx, nid);
		if (!f->page)
			goto fail;
		f->pfn = pfn;
		f->nid = nid;
		vm->nr_frames++;
	}
	vm->frames_in_use++;
	ksml_plat_spin_unlock(&vm->lock);
	f->next_free = NULL;
	f->folio = NULL;
	f->flags = KSML_FRAME_ANON;
	f->mapcount = 0;
	f->pincount = 0;
	ksml_atomic_set(&f->refcount, 1);
	return f;
fail:
	ksml_plat_spin_unlock(&vm->lock);
	return NULL;
}

/*
 * Who owns a frame's references: each PTE mapping it (taken and dropped
 * under that mm's page-table lock), each pin, and each transient user:
 * ksmd's page from a PTE walk (taken under the page-table lock), and the
 * keyhole users, ksml_get_ksm_page and the content names, which take
 * theirs with no lock at all through ksml_frame_get_unless_zero.  Because
 * a keyhole reference can arrive at any moment while the count is not
 * zero, the count is only ever moved by the references that change hands
 * and never stored: the one store, in ksml_frame_alloc, is made at zero,
 * when no keyhole get can succeed.  Every user drops exactly what it took
 * with ksml_frame_put; the put that reaches zero frees the frame.
 */
void ksml_frame_get(struct ksml_frame *f)
{
	ksml_atomic_add(&f->refcount, 1);
}

bool ksml_frame_get_unless_zero(struct ksml_frame *f)
{
	return ksml_atomic_inc_not_zero(&f->refcount);
}

void ksml_frame_put(struct ksml *ksm, struct ksml_frame *f)
{
	struct ksml_vm *vm = &ksm->vm;
	struct ksml_folio *gone = NULL;
	long r;

	if (f->flags & KSML_FRAME_ZERO)
		return;
	r = ksml_atomic_sub(&f->refcount, 1);
	if (KSML_WARN_ON(r < 0))
		return;
	if (r)
		return;
	/*
	 * Last reference: a KSM frame loses its node pointer here, which is
	 * what makes its stable node stale (ksml_get_ksm_page).
	 */
	if (KSML_READ_ONCE(f->ksm))
		ksml_atomic_add(&ksm->ksm_frames_gone, 1);
	KSML_WRITE_ONCE(f->ksm, false);
	KSML_WRITE_ONCE(f->mapping, NULL);
	/* whatever content it gets next is a new version */
	ksml_atomic_add(&f->wgen, 2);
	ksml_plat_spin_lock(&vm->lock);
	/* a subpage freed while its folio is whole (partial munmap) */
	if (f->folio) {
		KSML_WRITE_ONCE(f->folio->page[f->folio_idx], NULL);
		if (!--f->folio->nr_pages)
			gone = f->folio;
		f->folio = NULL;
	}
	f->next_free = vm->free_list[f->nid];
	vm->free_list[f->nid] = f;
	vm->frames_in_use--;
	ksml_plat_spin_unlock(&vm->lock);
	if (gone)
		ksml_folio_free(gone);
}

void ksml_frame_zero(struct ksml_frame *f)
{
	void *p = ksml_plat_page_map(f->page);

	ksml_plat_mem_set(p, 0, KSML_PAGE_SIZE);
	ksml_plat_page_unmap(p);
}

void ksml_frame_copy(struct ksml_frame *dst, struct ksml_frame *src)
{
	void *d = ksml_plat_page_map(dst->page);
	void *s = ksml_plat_page_map(src->page);

	ksml_plat_page_copy(d, s);
	ksml_plat_page_unmap(s);
	ksml_plat_page_unmap(d);
}

void ksml_frame_lock(struct ksml_frame *f)
{
	while (!ksml_bit_trylock(&f->lock))
		ksml_plat_yield();
}

unsigned long ksml_vm_frames_in_use(struct ksml *ksm)
{
	unsigned long n;

	ksml_plat_spin_lock(&ksm->vm.lock);
	n = ksm->vm.frames_in_use;
	ksml_plat_spin_unlock(&ksm->vm.lock);
	return n;
}

unsigned long ksml_vm_migrate_raced(struct ksml *ksm)
{
	return ksml_atomic_read(&ksm->vm.migrate_raced);
}

/* ------------------------------------------------------------ page tables */

static inline unsigned int pt_index(unsigned long addr, int level)
{
	/* level 0 = pgd ... level 3 = pte table */
	return (unsigned int)(addr >>
			      (KSML_PAGE_SHIFT +
			       KSML_PT_BITS * (KSML_PT_LEVELS - 1 - level))) &
	       (KSML_PT_ENTRIES - 1);
}

struct ksml_pte *ksml_pte_lookup(struct ksml_mm *mm, unsigned long addr)
{
	void **t = mm->pgd;
	int level;

	if (addr >= KSML_VA_LIMIT || !t)
		return NULL;
	for (level = 0; level < KSML_PT_LEVELS - 1; level++) {
		t = t[pt_index(addr, level)];
		if (!t)
			return NULL;
	}
	return &((struct ksml_pte *)t)[pt_index(addr, KSML_PT_LEVELS - 1)];
}

struct ksml_pte *ksml_pte_alloc(struct ksml_mm *mm, unsigned long addr)
{
	void **t;
	int level;

	if (addr >= KSML_VA_LIMIT)
		return NULL;
	if (!mm->pgd) {
		mm->pgd = ksml_plat_zalloc(KSML_PT_ENTRIES * sizeof(void *));
		if (!mm->pgd)
			return NULL;
	}
	t = mm->pgd;
	for (level = 0; level < KSML_PT_LEVELS - 1; level++) {
		void **slot = &t[pt_index(addr, level)];

		if (!*slot) {
			size_t sz = level == KSML_PT_LEVELS - 2
					    ? KSML_PT_ENTRIES *
						      sizeof(struct ksml_pte)
					    : KSML_PT_ENTRIES * sizeof(void *);

			*slot = ksml_plat_zalloc(sz);
			if (!*slot)
				return NULL;
		}
		t = *slot;
	}
	return &((struct ksml_pte *)t)[pt_index(addr, KSML_PT_LEVELS - 1)];
}

/*
 * Next address in [addr, end) whose PTE is present, or end.  Skips whole
 * missing tables, so a scan over a huge sparse VMA costs what it maps.
 */
unsigned long ksml_pte_next_present(struct ksml_mm *mm, unsigned long addr,
				    unsigned long end)
{
	while (addr < end) {
		void **t = mm->pgd;
		int level;
		unsigned long span = 0;

		if (!t || addr >= KSML_VA_LIMIT)
			return end;
		for (level = 0; level < KSML_PT_LEVELS - 1; level++) {
			t = t[pt_index(addr, level)];
			if (!t) {
				span = 1UL << (KSML_PAGE_SHIFT +
					       KSML_PT_BITS * (KSML_PT_LEVELS -
							       1 - level));
				break;
			}
		}
		if (span) {
			addr = (addr & ~(span - 1)) + span;
			continue;
		}
		{
			struct ksml_pte *pt = (struct ksml_pte *)t;
			unsigned int i = pt_index(addr, KSML_PT_LEVELS - 1);

			for (; i < KSML_PT_ENTRIES && addr < end;
			     i++, addr += KSML_PAGE_SIZE)
				if (KSML_READ_ONCE(pt[i].flags) &
				    KSML_PTE_PRESENT)
					return addr;
		}
	}
	return end;
}

/*
 * The anonymous page mapped at addr, with a reference, or NULL (hole, zero
 * page, not anonymous): what ksmd may look at (folio_walk).
 */
static struct ksml_frame *__follow_anon_page(struct ksml_mm *mm,
					     unsigned long addr)
{
	struct ksml_pte *pte = ksml_pte_lookup(mm, addr);
	struct ksml_frame *page = NULL;

	if (pte && (pte->flags & KSML_PTE_PRESENT) &&
	    !(pte->flags & KSML_PTE_ZERO) &&
	    (pte->frame->flags & KSML_FRAME_ANON)) {
		page = pte->frame;
		ksml_frame_get(page);
	}
	return page;
}

struct ksml_frame *ksml_follow_anon_page(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_frame *page;

	ksml_plat_spin_lock(&mm->page_table_lock);
	page = __follow_anon_page(mm, addr);
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return page;
}

struct ksml_pte *ksml_pte_hint(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_pte *pte = NULL;

	ksml_plat_down_read(&mm->mmap_lock);
	if (!ksm_test_exit(mm)) {
		ksml_plat_spin_lock(&mm->page_table_lock);
		pte = ksml_pte_lookup(mm, addr);
		ksml_plat_spin_unlock(&mm->page_table_lock);
	}
	ksml_plat_up_read(&mm->mmap_lock);
	return pte;
}

/*
 * The scanner's step: move *addr to the next present PTE below end (holes
 * are skipped a table at a time) and return its anon page as
 * ksml_follow_anon_page() does, under one hold of the page table lock.
 */
struct ksml_frame *ksml_follow_next_anon_page(struct ksml_mm *mm,
					      unsigned long *addr,
					      unsigned long end)
{
	struct ksml_frame *page = NULL;

	ksml_plat_spin_lock(&mm->page_table_lock);
	*addr = ksml_pte_next_present(mm, *addr, end);
	if (*addr < end)
		page = __follow_anon_page(mm, *addr);
	ksml_plat_spin_unlock(&mm->page_table_lock);
	return page;
}

static void pt_free_level(void **t, int level)
{
	unsigned int i;

	if (level < KSML_PT_LEVELS - 1)
		for (i = 0; i < KSML_PT_ENTRIES; i++)
			if (t[i])
				pt_free_level(t[i], level + 1);
	ksml_plat_free(t);
}

void ksml_pgd_free(struct ksml_mm *mm)
{
	if (mm->pgd)
		pt_free_level(mm->pgd, 0);
	mm->pgd = NULL;
}

static void ksm_zero_pte_gone(struct ksml_mm *mm)
{
	/* the KSM zero page accounting lives in the PTE teardown (spec 5.8) */
	ksml_atomic_sub(&mm->ksm->ksm_zero_pages, 1);
	ksml_atomic_sub(&mm->ksm_zero_pages, 1);
}

/* drop the mapping of one PTE; caller holds the page table lock */
void ksml_zap_pte(struct ksml_mm *mm, struct ksml_pte *pte)
{
	uint32_t fl = pte->flags;
	struct ksml_frame *f = pte->frame;

	if (!(fl & KSML_PTE_PRESENT))
		return;
	ksml_vm_changed(&mm->ksm->vm);
	KSML_WRITE_ONCE(pte->flags, 0);
	pte->frame = NULL;
	if (fl & KSML_PTE_ZERO) {
		if (fl & KSML_PTE_DIRTY)
			ksm_zero_pte_gone(mm);
		return;
	}
	if (f->folio)
		ksml_folio_sub_mapcount(f->folio, mm, 1);
	ksml_atomic_sub(&f->mapcount, 1);
	ksml_frame_put(mm->ksm, f);
}

/* ------------------------------------------------- transparent huge pages */

void ksml_folio_init(struct ksml_folio *folio, const struct ksml_mm *mm,
		     long nr)
{
	ksml_plat_spin_init(&folio->mapcount_lock);
	folio->mm_id[0] = mm;
	folio->mm_id_mapcount[0] = nr;
	folio->large_mapcount = nr;
}

void ksml_folio_free(struct ksml_folio *folio)
{
	ksml_plat_spin_destroy(&folio->mapcount_lock);
	ksml_plat_free(folio);
}

void ksml_folio_add_mapcount(struct ksml_folio *folio,
			     const struct ksml_mm *mm, long nr)
{
	ksml_plat_spin_lock(&folio->mapcount_lock);
	folio->large_mapcount += nr;
	if (folio->mm_id[0] == mm) {
		folio->mm_id_mapcount[0] += nr;
	} else if (folio->mm_id[1] == mm) {
		folio->mm_id_mapcount[1] += nr;
	} else if (!folio->mm_id[0]) {
		folio->mm_id[0] = mm;
		folio->mm_id_mapcount[0] = nr;
		/* slot 1's MM, or one with no slot, maps it already */
		if (folio->large_mapcount != nr)
			folio->maybe_mapped_shared = true;
	} else {
		if (!folio->mm_id[1]) {
			folio->mm_id[1] = mm;
			folio->mm_id_mapcount[1] = nr;
		}
		folio->maybe_mapped_shared = true;
	}
	ksml_plat_spin_unlock(&folio->mapcount_lock);
}

void ksml_folio_sub_mapcount(struct ksml_folio *folio,
			     const struct ksml_mm *mm, long nr)
{
	int i;

	ksml_plat_spin_lock(&folio->mapcount_lock);
	folio->large_mapcount -= nr;
	for (i = 0; i < 2; i++)
		if (folio->mm_id[i] == mm)
			break;
	if (i < 2) {
		folio->mm_id_mapcount[i] -= nr;
		if (folio->mm_id_mapcount[i] > 0)
			goto out;
		folio->mm_id[i] = NULL;
		folio->mm_id_mapcount[i] = 0;
	}
	/* an MM is gone: exclusive again if one slot holds every mapping */
	if (folio->mm_id_mapcount[0] == folio->large_mapcount ||
	    folio->mm_id_mapcount[1] == folio->large_mapcount)
		folio->maybe_mapped_shared = false;
out:
	ksml_plat_spin_unlock(&folio->mapcount_lock);
}

/*
 * The model counts per subpage what the kernel counts per folio; a subpage
 * freed meanwhile (partial munmap) has no references left to count.
 */
long ksml_folio_ref_count(const struct ksml_folio *folio)
{
	long refs = 0;
	unsigned int i;

	for (i = 0; i < KSML_HPAGE_PMD_NR; i++) {
		const struct ksml_frame *f = KSML_READ_ONCE(folio->page[i]);

		if (f)
			refs += ksml_atomic_read(&f->refcount);
	}
	return refs;
}

bool ksml_folio_maybe_pinned(const struct ksml_folio *folio)
{
	unsigned int i;

	for (i = 0; i < KSML_HPAGE_PMD_NR; i++) {
		const struct ksml_frame *f = KSML_READ_ONCE(folio->page[i]);

		if (f && ksml_atomic_read(&f->pincount))
			return true;
	}
	return false;
}

static struct ksml_pte *pte_table_of(struct ksml_mm *mm, unsigned long addr)
{
	return ksml_pte_lookup(mm, addr & KSML_HPAGE_PMD_MASK);
}

void ksml_split_huge_pmd(struct ksml_mm *mm, unsigned long addr)
{
	struct ksml_pte *pt = pte_table_of(mm, addr);
	unsigned int i;

	if (!pt || !(pt[0].flags & KSML_PTE_HUGE))
		return;
	ksml_vm_changed(&mm->ksm->vm);
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		KSML_WRITE_ONCE(pt[i].flags, pt[i].flags & ~KSML_PTE_HUGE);
}

static bool page_is_zero(struct ksml *ksm, struct ksml_frame *f)
{
	void *a = ksml_plat_page_map(f->page);
	void *z = ksml_plat_page_map(ksm->vm.zero_frame->page);
	bool zero = !ksml_plat_page_cmp(a, z);

	ksml_plat_page_unmap(z);
	ksml_plat_page_unmap(a);
	return zero;
}

int ksml_split_folio(struct ksml *ksm, struct ksml_frame *page)
{
	struct ksml_vm *vm = &ksm->vm;
	struct ksml_folio *folio = page->folio;
	struct ksml_list_head *pos;
	long extra = 0;
	unsigned int i;
	int err = 0;

	if (!folio)
		return 0;
	ksml_plat_mutex_lock(&vm->mm_list_lock);
	/* every page table that may map the folio, in list order (nested
	 * under mm_list_lock, as ksml_vm_migrate) */
	for (pos = vm->mm_list.next; pos != &vm->mm_list; pos = pos->next)
		ksml_plat_spin_lock_nest(
			&ksml_list_entry(pos, struct ksml_mm, mm_list)
				 ->page_table_lock,
			&vm->mm_list_lock);
	/*
	 * can_split_folio: the folio's references must be its mappings and
	 * the caller's; a pin, or a second reference of ksmd's own (the
	 * unstable tree's page in the same folio), makes the split fail.
	 */
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		if (folio->page[i])
			extra += ksml_atomic_read(&folio->page[i]->refcount) -
				 ksml_atomic_read(&folio->page[i]->mapcount);
	if (extra != 1) {
		err = -KSML_EAGAIN;
		goto out;
	}
	ksml_vm_changed(vm);
	vm->thp_splits++;
	/* the subpages are order-0 from here: their puts leave folio alone */
	ksml_plat_spin_lock(&vm->lock);
	for (i = 0; i < KSML_HPAGE_PMD_NR; i++)
		if (folio->page[i])
			KSML_WRITE_ONCE(folio->page[i]->folio, NULL);
	ksml_plat_spin_unlock(&vm->lock);
	for (pos = vm->mm_list.next; pos != &vm->mm_list; pos = pos->next) {
		struct ksml_mm *m =
			ksml_list_entry(pos, struct ksml_mm, mm_list);
		struct ksml_pte *pt = pte_table_of(m, folio->addr);

		if (!pt)
			continue;
		for (i = 0; i < KSML_HPAGE_PMD_NR; i++) {
			struct ksml_pte *pte = &pt[i];
			struct ksml_frame *f = folio->page[i];

			if (!(pte->flags & KSML_PTE_PRESENT) ||
			    (pte->flags & KSML_PTE_ZERO) || !f ||
			    pte->frame != f)
				continue;
			KSML_WRITE_ONCE(pte->flags,
					pte->flags & ~KSML_PTE_HUGE);
			/* remap_page(RMP_USE_SHARED_ZEROPAGE): zeros go */
			if (!ksm->cfg.split_keeps_zero_subpages &&
			    page_is_zero(ksm, f)) {
				pte->frame = NULL;
				KSML_WRITE_ONCE(pte->flags,
						KSML_PTE_PRESENT |
							KSML_PTE_ZERO);
				ksml_atomic_sub(&f->mapcount, 1);
				ksml_frame_put(ksm, f);
			}
		}
	}
	ksml_folio_free(folio);
out:
	for (pos = vm->mm_list.prev; pos != &vm->mm_list; pos = pos->prev)
		ksml_plat_spin_unlock(
			&ksml_list_entry(pos, struct ksml_mm, mm_list)
				 ->page_table_lock);
	ksml_plat_mutex_unlock(&vm->mm_list_lock);
	return err;
}

/*
 * Give the PTE a private exclusive copy of what it maps (the unshare fault
 * of break_ksm, and the COW fault of a write).  Caller holds the page
 * table lock.  Returns 0 or -KSML_ENOMEM.
 */
int ksml_unshare_pte(struct ksml_mm *mm, struct ksml_vma *vma,
		     unsigned long addr, struct ksml_pte *pte)
{
	struct ksml_frame *old = pte->frame, *f;
	uint32_t fl;
	int nid;

	/* a PTE-level copy of one subpage: the PMD goes first */
	if (pte->flags & KSML_PTE_HUGE)
		ksml_split_huge_pmd(mm, addr);
	fl = pte->flags;
	/* the copy goes where the VMA's policy says (mbind), else stays put */
	if (vma->policy_nid >= 0)
		nid = vma->policy_nid;
	else
		nid = (fl & KSML_PTE_ZERO) ? 0 : old->nid;
	f = ksml_frame_alloc(mm->ksm, nid);
	if (!f)
		return -KSML_ENOMEM;
	ksml_vm_changed(&mm->ksm->vm);
	if (fl & KSML_PTE_ZERO)
		ksml_frame_zero(f);
	else
		ksml_frame_copy(f, old);
	f->mapcount = 1;
	pte->frame = f;
	KSML_WRITE_ONCE(
		pte->flags,
		KSML_PTE_PRESENT | KSML_PTE_EXCL |
			((vma->vm_flags & KSML_VM_WRITE) ? KSML_PTE_WRITE : 0));
	if (fl & KSML_PTE_ZERO) {
		/* the zero page is no folio: the kernel counts no cow_ksm */
		if (fl & KSML_PTE_DIRTY)
			ksm_zero_pte_gone(mm);
	} else {
		/* do_wp_page counts every copy of a KSM folio */
		if (KSML_READ_ONCE(old->ksm))
			ksml_atomic_add(&mm->ksm->ksm_cow_ksm, 1);
		if (old->folio)
			ksml_folio_sub_mapcount(old->folio, mm, 1);
		ksml_atomic_sub(&old->mapcount, 1);
		ksml_frame_put(mm->ksm, old);
	}
	return 0;
}

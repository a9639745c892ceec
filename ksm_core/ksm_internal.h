/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_internal.h - the structures mm/ksm.c keeps (mm_slot, rmap_item,
 * stable_node, the scan cursor, trees, counters) and the memory model's
 * frames, page tables and VMAs, shared by the core's translation units.
 *
 * Locking (as the kernel's, see ksm-spec §8.1):
 *   ksm_thread_mutex  serialises ksmd batches, run writes (unmerge-all),
 *                     merge_across_nodes/max_page_sharing writes, OFFLINE;
 *                     it owns the trees, the cursor (but mm_slot) and the
 *                     global counters;
 *   ksm_mmlist_lock   the mm_slot hash, the mm list, ksm_scan.mm_slot;
 *   mm->mmap_lock     VMAs of an mm (read: ksmd, faults; write: madvise,
 *                     prctl, mmap/munmap, exit);
 *   mm->page_table_lock  PTEs of an mm and the bytes of frames written
 *                     through them;
 *   frame lock bit    the folio lock: a KSM frame's rmap hlist changes
 *                     under it, merge targets are trylocked.
 * Order: ksm_thread_mutex > mmap_lock > frame lock > page_table_lock >
 *        ksm_mmlist_lock, vm.lock.
 */
#ifndef KSM_INTERNAL_H
#define KSM_INTERNAL_H

#include "ksml.h"
#include "ksm_list.h"
#include "ksm_index.h"

/* ------------------------------------------------------------ the model */

/* frame flags */
#define KSML_FRAME_ANON 0x1u
#define KSML_FRAME_ZERO 0x2u /* the shared zero page: never freed */

struct ksm_stable_node;
struct ksml_folio;

/**
 * struct ksml_frame - a page frame (struct page/folio of the model)
 * @page: platform handle of the memory (ksml_plat_page_map)
 * @refcount: references: one per mapping, per pin, per transient user
 * @mapcount: PTEs mapping it
 * @pincount: GUP-style pins (each also holds a reference)
 * @pfn: frame number, unique for the instance's life (hot-remove ranges)
 * @nid: NUMA node id the memory is on (possibly simulated)
 * @lock: bit 0 is the folio lock
 * @flags: KSML_FRAME_*
 * @ksm: PageKsm: mapping points to a stable node (may be NULL transiently)
 * @mapping: the stable node of a KSM page ("keyhole": the node holds no ref)
 * @next_free: free-list link while refcount is 0
 * @folio: the large folio (THP) this frame is subpage @folio_idx of, or
 *	NULL for an order-0 page; set at the THP fault, cleared by the
 *	split (under vm.lock, with the page-table locks of every mm held)
 * @wgen: content version, a sequence count: odd while a write is copying
 *	into the frame, moved on by every write and every free, so that
 *	(frame, even wgen) names one content for good (model knowledge
 *	uses it to know a page did not change without reading it)
 */
struct ksml_frame {
	void *page;
	long refcount;
	long mapcount;
	long pincount;
	unsigned long pfn;
	int nid;
	uint32_t lock;
	uint32_t flags;
	bool ksm;
	struct ksm_stable_node *mapping;
	struct ksml_frame *next_free;
	struct ksml_folio *folio;
	unsigned int folio_idx;
	unsigned long wgen;
};

/* a transparent huge page: a PMD's worth of subpages */
#define KSML_HPAGE_PMD_ORDER 9
#define KSML_HPAGE_PMD_NR    (1u << KSML_HPAGE_PMD_ORDER)
#define KSML_HPAGE_PMD_SIZE  (KSML_PAGE_SIZE * KSML_HPAGE_PMD_NR)
#define KSML_HPAGE_PMD_MASK  (~(KSML_HPAGE_PMD_SIZE - 1))

/**
 * struct ksml_folio - a large anonymous folio (the model's THP)
 * @addr: the 2 MiB-aligned address it was faulted at; every mm that maps a
 *	subpage maps subpage i at addr + i pages (fork keeps addresses,
 *	mremap splits the folio first), which is the model's anon rmap
 * @nr_pages: subpages not yet freed (a partial munmap frees some)
 * @page: the subpages, NULL once freed
 *
 * The model keeps a refcount and mapcount per subpage where the kernel
 * keeps them per folio; "the folio's references" are their sums.
 */
struct ksml_folio {
	unsigned long addr;
	unsigned int nr_pages;
	struct ksml_frame *page[KSML_HPAGE_PMD_NR];
	/*
	 * The kernel's per-MM tracking of a large folio's mappings
	 * (CONFIG_MM_ID, 6.15): two MM slots with their mapping counts, the
	 * total, and a bit set when a second MM maps the folio and cleared
	 * only when an MM leaves and one slot's MM holds every mapping, so
	 * it may stay set while one MM maps the folio ("maybe mapped
	 * shared": a third MM has no slot).  The write fault's reuse test
	 * reads it.  Counted in subpage mappings (a PMD mapping is 512 where
	 * the kernel counts 1; the comparisons made come out the same).
	 * mapcount_lock nests inside the page-table lock: the page-table
	 * locks of two MMs do not serialise their mappings of one folio.
	 */
	struct ksml_spinlock mapcount_lock;
	const struct ksml_mm *mm_id[2];
	long mm_id_mapcount[2];
	long large_mapcount;
	bool maybe_mapped_shared;
};

static inline bool folio_test_large(const struct ksml_frame *f)
{
	return KSML_READ_ONCE(f->folio) != NULL;
}

/* writer side of wgen: callers serialise writes to a frame (the PTL) */
static inline void ksml_frame_write_begin(struct ksml_frame *f)
{
	ksml_atomic_add(&f->wgen, 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void ksml_frame_write_end(struct ksml_frame *f)
{
	ksml_atomic_add(&f->wgen, 1);
}

/* reader side: the version before reading the content (odd: unusable) */
static inline unsigned long ksml_frame_read_begin(struct ksml_frame *f)
{
	return ksml_atomic_read(&f->wgen);
}

/* did the content stay version v while it was read (or since)? */
static inline bool ksml_frame_version_is(struct ksml_frame *f, unsigned long v)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return !(v & 1) && KSML_READ_ONCE(f->wgen) == v;
}

/* PTE bits */
#define KSML_PTE_PRESENT 0x1u
#define KSML_PTE_WRITE	 0x2u
#define KSML_PTE_DIRTY	 0x4u
#define KSML_PTE_EXCL	 0x8u  /* AnonExclusive: only this mapping may write */
#define KSML_PTE_ZERO	 0x10u /* maps the zero page; with DIRTY: placed by KSM \
				*/
/*
 * Mapped by the PMD entry of its 2 MiB range (a PMD-mapped THP): all 512
 * PTEs of the range carry it, with the same protection bits; clearing it
 * on all 512 is __split_huge_pmd.  AnonHugePages counts these.
 */
#define KSML_PTE_HUGE 0x20u

struct ksml_pte {
	struct ksml_frame *frame;
	uint32_t flags;
};

#define KSML_PT_BITS	9
#define KSML_PT_ENTRIES (1u << KSML_PT_BITS)
#define KSML_PT_LEVELS	4
#define KSML_VA_BITS	(KSML_PAGE_SHIFT + KSML_PT_BITS * KSML_PT_LEVELS)
#define KSML_VA_LIMIT	(1UL << KSML_VA_BITS)

/* VMA flags (the kernel's names) */
#define KSML_VM_READ	   0x1ul
#define KSML_VM_WRITE	   0x2ul
#define KSML_VM_SHARED	   0x8ul
#define KSML_VM_MAYSHARE   0x80ul
#define KSML_VM_PFNMAP	   0x400ul
#define KSML_VM_IO	   0x4000ul
#define KSML_VM_DONTEXPAND 0x40000ul
#define KSML_VM_HUGETLB	   0x400000ul
#define KSML_VM_MIXEDMAP   0x10000000ul
#define KSML_VM_DROPPABLE  0x20000000ul
#define KSML_VM_MERGEABLE  0x80000000ul
/* MADV_HUGEPAGE / MADV_NOHUGEPAGE (the kernel's bits are taken here) */
#define KSML_VM_HUGEPAGE   0x01000000ul
#define KSML_VM_NOHUGEPAGE 0x02000000ul
#define KSML_VM_SPECIAL                                                        \
	(KSML_VM_IO | KSML_VM_DONTEXPAND | KSML_VM_PFNMAP | KSML_VM_MIXEDMAP)

struct ksml_vma {
	unsigned long vm_start, vm_end;
	unsigned long vm_flags;
	bool anon_vma;	/* an anonymous page was ever faulted in */
	int policy_nid; /* node of first faults, -1 = any (node 0) */
	struct ksml_mm *vm_mm;
	struct ksml_vma *vm_next;
};

/* mm flags */
#define KSML_MMF_VM_MERGEABLE 0x1ul
#define KSML_MMF_VM_MERGE_ANY 0x2ul

/**
 * struct ksml_mm - an address space (mm_struct)
 * @mm_users: users of the address space; 0 = exiting (ksm_test_exit)
 * @mm_count: references to the struct (mmgrab): users count as one, the
 *	KSM mm_slot as another
 * @ksm_merging_pages, @ksm_rmap_items: per-mm KSM counters (under
 *	ksm_thread_mutex); @ksm_zero_pages is atomic (fault paths change it)
 * @bionic_madv_mergeable: bionic's cached "kernel has MADV_MERGEABLE"
 */
struct ksml_mm {
	struct ksml *ksm;
	unsigned long id;
	long mm_users;
	long mm_count;
	unsigned long flags;
	struct ksml_rwsem mmap_lock;
	struct ksml_spinlock page_table_lock;
	struct ksml_vma *mmap; /* VMAs sorted by address */
	void **pgd;
	unsigned long ksm_merging_pages;
	unsigned long ksm_rmap_items;
	long ksm_zero_pages;
	bool bionic_madv_mergeable;
	struct ksml_list_head mm_list; /* all mms of the instance */
};

static inline bool ksm_test_exit(struct ksml_mm *mm)
{
	return ksml_atomic_read(&mm->mm_users) == 0;
}

/* ------------------------------------------------------------- KSM proper */

#define SEQNR_MASK    0x0fful
#define UNSTABLE_FLAG 0x100ul
#define STABLE_FLAG   0x200ul

#define STABLE_NODE_CHAIN (-1024)

/*
 * A content name (model knowledge, ksm_knowledge.c): a frame and an even
 * write count name one content for good (a frame's wgen only moves on).
 * A page is named for what it held when it was checksummed, and a page
 * found equal (by memcmp, while both were in cache) to an earlier page of
 * the pass takes that page's name: two pages with one name need no
 * compare to merge, as long as each still holds the content it was named
 * for.
 */
struct ksm_cname {
	struct ksml_frame *frame; /* NULL: unnamed */
	unsigned long gen;
};

static inline bool ksm_cname_eq(const struct ksm_cname *a,
				const struct ksm_cname *b)
{
	return a->frame && a->frame == b->frame && a->gen == b->gen;
}

/**
 * struct ksm_rmap_item - reverse mapping item for one scanned virtual page
 * @rmap_list: next item in the mm_slot's address-sorted list
 * @nid: NUMA node of the unstable tree it sits in (when UNSTABLE_FLAG)
 * @mm: the address space
 * @address: page address, plus SEQNR/UNSTABLE/STABLE flags in the low bits
 * @oldchecksum: checksum of the page at the previous processed visit
 * @age: smart scan: number of visits, saturating
 * @remaining_skips: smart scan: visits that may still be skipped
 * @node: unstable tree link (when UNSTABLE_FLAG)
 * @head: stable node (dup) it hangs from (when STABLE_FLAG)
 * @hlist: link in head's hlist (when STABLE_FLAG)
 * Beside the kernel's fields, the options' own:
 * @key: 64-bit page hash behind oldchecksum (model knowledge)
 * @vframe, @vgen: the frame and content version oldchecksum was computed
 *	from (model knowledge; vframe NULL when unknown)
 * @cname: the name of that content (model knowledge)
 * @hint_pte, @hint, @hint_page: the PTE, the frame and its page handle
 *	the item's page had when it was filed in the unstable tree: prefetch
 *	hints (hash index), never read to decide anything
 */
struct ksm_rmap_item {
	struct ksm_rmap_item *rmap_list;
	int nid;
	struct ksml_mm *mm;
	unsigned long address;
	uint32_t oldchecksum;
	uint8_t age;
	uint8_t remaining_skips;
	union {
		struct ksml_rb_node node;
		struct {
			struct ksm_stable_node *head;
			struct ksml_hlist_node hlist;
		};
	};
	/* options (see above) */
	uint64_t key;
	struct ksml_frame *vframe;
	unsigned long vgen;
	struct ksm_cname cname;
	struct ksml_pte *hint_pte;
	struct ksml_frame *hint;
	void *hint_page;
};

/**
 * struct ksm_stable_node - node of the stable tree: regular, chain or dup
 * @node: rbtree link (regular nodes and chains)
 * @head: NULL when in the tree; STABLE_NODE_DUP_HEAD for a dup inside a
 *	chain; &ksm->migrate_nodes when parked for migration
 * @hlist_dup: link in the chain's hlist (dups)
 * @list: link on migrate_nodes (parked)
 * @hlist: rmap_items (regular/dup) or dups (chain)
 * @kpfn: the KSM frame (regular/dup)
 * @chain_prune_time: jiffies of the last prune (chain)
 * @rmap_hlist_len: items on hlist; STABLE_NODE_CHAIN for a chain
 * @nid: which stable tree it is filed in
 * @kpfn_seq: even while kpfn is settled, odd while a migration moves it
 *	(the model's own: see ksml_get_ksm_page)
 * Beside the kernel's fields, the options' own:
 * @key: 64-bit hash of the content (the hash index's key)
 * @shash: link in the hash index's table of tree nodes by (key, nid)
 * @chain: the chain a dup belongs to
 * @nr_candidates: chain: its dups with room for another mapping
 * @clean_gen: chain: ksm_frames_gone when a walk last found no stale dup
 *	(these three let the hash index skip chain walks that change nothing)
 * @cname, @kat: name of the KSM page's content, held by frame and version
 *	@kat (model knowledge; cname.frame NULL: unnamed)
 * @hint_page: page handle of kpfn when it was filed in the tree, a
 *	prefetch hint (hash index)
 */
struct ksm_stable_node {
	struct ksml_rb_node node;
	struct ksml_list_head *head;
	struct ksml_hlist_node hlist_dup;
	struct ksml_list_head list;
	struct ksml_hlist_head hlist;
	union {
		struct ksml_frame *kpfn;
		unsigned long chain_prune_time;
	};
	int rmap_hlist_len;
	int nid;
	unsigned int kpfn_seq;
	/* options (see above) */
	uint64_t key;
	struct ksml_hlist_node shash;
	struct ksm_stable_node *chain;
	int nr_candidates;
	unsigned long clean_gen;
	struct ksm_cname cname;
	struct ksm_cname kat;
	void *hint_page;
};

/**
 * struct ksm_mm_slot - an mm registered with KSM
 * @hash: link in the mm_slots hash (keyed by the mm pointer)
 * @mm_node: link in the circular mm list (the scan order)
 * @mm: the address space (the slot holds an mm_count reference)
 * @rmap_list: its rmap_items, ascending by address
 */
struct ksm_mm_slot {
	struct ksml_hlist_node hash;
	struct ksml_list_head mm_node;
	struct ksml_mm *mm;
	struct ksm_rmap_item *rmap_list;
};

/**
 * struct ksm_scan - the scan cursor
 * @mm_slot: slot being scanned; &ksm_mm_head between passes
 * @address: next address to look at in that mm
 * @rmap_list: link where the next rmap_item is expected or inserted
 * @seqnr: completed passes (full_scans); low byte tags unstable items
 */
struct ksm_scan {
	struct ksm_mm_slot *mm_slot;
	unsigned long address;
	struct ksm_rmap_item **rmap_list;
	unsigned long seqnr;
};

#define MM_SLOTS_HASH_BITS 10
#define MM_SLOTS_HASH_SIZE (1u << MM_SLOTS_HASH_BITS)

struct advisor_ctx {
	uint64_t start_scan; /* ns */
	unsigned long scan_time;
	unsigned long change;
	uint64_t cpu_time;
};

/* the pool of frames and the zero page */
struct ksml_vm {
	struct ksml_spinlock lock;
	struct ksml_frame **chunks; /* frames in chunks of KSML_FRAME_CHUNK */
	unsigned long nr_chunks, max_chunks;
	unsigned long nr_frames;
	unsigned long frames_in_use;
	unsigned long migrate_raced;   /* ksml_vm_migrate_raced() */
	struct ksml_frame **free_list; /* per node */
	struct ksml_frame *zero_frame;
	struct ksml_mutex mm_list_lock; /* order: frame lock > it > ptl */
	struct ksml_list_head mm_list;	/* all live mms, in creation order */
	unsigned long next_mm_id;
	/*
	 * Changes of what an mm maps that ksmd learns of only when it visits
	 * the page again (a write, a COW or unshare, an unmap, a move, a
	 * migration).  ksm_check.c trusts the unstable tree's order and the
	 * stable items' PTEs only while none happened since the passes that
	 * made them so: changes_at_pass[0] at the start of this pass, [1] at
	 * the start of the one before.
	 */
	unsigned long changes;
	unsigned long changes_at_pass[2];
	int thp_mode;		  /* KSML_THP_*: transparent_hugepage/enabled */
	unsigned long thp_splits; /* folios split (split_folio) */
};

static inline void ksml_vm_changed(struct ksml_vm *vm)
{
	ksml_atomic_add(&vm->changes, 1);
}
#define KSML_FRAME_CHUNK 512

struct ksml_thread;

struct ksml {
	const struct ksml_platform_ops *ops;
	struct ksml_config cfg;

	/* knobs */
	unsigned int ksm_run;
	unsigned int ksm_thread_pages_to_scan;
	unsigned int ksm_thread_sleep_millisecs;
	unsigned int ksm_merge_across_nodes;
	int ksm_max_page_sharing;
	unsigned int ksm_stable_node_chains_prune_millisecs;
	bool ksm_use_zero_pages;
	bool ksm_smart_scan;
	unsigned int ksm_advisor; /* 0 none, 1 scan-time */
	unsigned long ksm_advisor_max_cpu;
	unsigned long ksm_advisor_min_pages_to_scan;
	unsigned long ksm_advisor_max_pages_to_scan;
	unsigned long ksm_advisor_target_scan_time;

	/* counters */
	unsigned long ksm_pages_scanned;
	unsigned long ksm_pages_shared;
	unsigned long ksm_pages_sharing;
	unsigned long ksm_pages_unshared;
	unsigned long ksm_rmap_items;
	unsigned long ksm_stable_node_chains;
	unsigned long ksm_stable_node_dups;
	unsigned long ksm_pages_skipped;
	/*
	 * page contents read, for the bench's "of bound": checksums computed
	 * (calc_checksum), page compares (memcmp_pages), and those of them
	 * that found the pages equal, i.e. read both to the end
	 */
	unsigned long ksm_page_checksums;
	unsigned long ksm_page_compares;
	unsigned long ksm_page_compares_equal;
	long ksm_zero_pages;
	long ksm_cow_ksm; /* vmstat cow_ksm (atomic: any mm's fault) */
	/* KSM frames freed so far: what can make a stable node stale */
	unsigned long ksm_frames_gone;
	/*
	 * stale nodes found and removed so far: while it equals
	 * ksm_frames_gone no stale node is left in the trees
	 */
	unsigned long ksm_stale_nodes_removed;

	/* trees, reached through the index (ksm_index.h) */
	const struct ksm_index_ops *index;
	void *index_data;     /* the index's own state */
	void *knowledge_data; /* model knowledge's (ksm_knowledge.c), or NULL */
	struct ksml_rb_root one_stable_tree[1];
	struct ksml_rb_root one_unstable_tree[1];
	struct ksml_rb_root *root_stable_tree;
	struct ksml_rb_root *root_unstable_tree;
	int ksm_nr_node_ids; /* trees in use: 1, or nr_node_ids */
	int nr_node_ids;     /* NUMA node ids frames may carry */
	struct ksml_list_head migrate_nodes;

	/* mm registry and cursor */
	struct ksml_hlist_head mm_slots_hash[MM_SLOTS_HASH_SIZE];
	struct ksm_mm_slot ksm_mm_head;
	struct ksm_scan ksm_scan;
	uint32_t zero_checksum;
	struct advisor_ctx advisor_ctx;

	/* synchronisation and ksmd */
	struct ksml_mutex ksm_thread_mutex;
	struct ksml_spinlock ksm_mmlist_lock;
	struct ksml_waitq ksm_thread_wait;
	struct ksml_waitq ksm_iter_wait;
	struct ksml_thread *ksm_thread;
	uint64_t ksmd_cpu_base; /* thread cpu clock at ksmd start */

	struct ksml_cache *rmap_item_cache;
	struct ksml_cache *stable_node_cache;
	struct ksml_cache *mm_slot_cache;

	bool knobs_registered;
	bool hotplug_registered;

	struct ksml_vm vm;
};

static inline uint64_t ksml_now_ns(struct ksml *ksm)
{
	return ksm->ops->clock_ns(ksm->ops->ctx);
}

/* jiffies at HZ=250, as Debian's kernels */
#define KSML_HZ 250
static inline unsigned long ksml_jiffies(struct ksml *ksm)
{
	return (unsigned long)(ksml_now_ns(ksm) / (1000000000ull / KSML_HZ));
}

static inline unsigned long ksml_msecs_to_jiffies(unsigned int ms)
{
	return ((unsigned long)ms * KSML_HZ + 999) / 1000;
}

static inline int get_kpfn_nid(struct ksml *ksm, struct ksml_frame *f)
{
	return KSML_READ_ONCE(ksm->ksm_merge_across_nodes) ? 0 : f->nid;
}

/* ------------------------------------------- functions across core files */

/* vmem.c: frames and page tables */
int ksml_vm_init(struct ksml *ksm);
void ksml_vm_destroy(struct ksml *ksm);
struct ksml_frame *ksml_frame_alloc(struct ksml *ksm, int nid);
void ksml_frame_get(struct ksml_frame *f);
bool ksml_frame_get_unless_zero(struct ksml_frame *f);
void ksml_frame_put(struct ksml *ksm, struct ksml_frame *f);
void ksml_frame_lock(struct ksml_frame *f);
/*
 * A frame's memory, each map paired with its unmap in reverse order (the
 * kernel platform maps with kmap_local_page, whose maps nest): fill with
 * zeros, copy one frame's page into another.
 */
void ksml_frame_zero(struct ksml_frame *f);
void ksml_frame_copy(struct ksml_frame *dst, struct ksml_frame *src);
struct ksml_frame *ksml_pfn_to_frame(struct ksml *ksm, unsigned long pfn);
struct ksml_pte *ksml_pte_lookup(struct ksml_mm *mm, unsigned long addr);
struct ksml_pte *ksml_pte_alloc(struct ksml_mm *mm, unsigned long addr);
unsigned long ksml_pte_next_present(struct ksml_mm *mm, unsigned long addr,
				    unsigned long end);
/* every address in [start, end) with a present PTE; page table lock held */
#define ksml_for_each_present_pte(mm, addr, start, end)                        \
	for ((addr) = ksml_pte_next_present((mm), (start), (end));             \
	     (addr) < (end); (addr) = ksml_pte_next_present(                   \
				     (mm), (addr) + KSML_PAGE_SIZE, (end)))
void ksml_pgd_free(struct ksml_mm *mm);
struct ksml_frame *ksml_follow_anon_page(struct ksml_mm *mm,
					 unsigned long addr);
/* where addr's PTE lives now (a prefetch hint), or NULL; mmap_lock free */
struct ksml_pte *ksml_pte_hint(struct ksml_mm *mm, unsigned long addr);
struct ksml_frame *ksml_follow_next_anon_page(struct ksml_mm *mm,
					      unsigned long *addr,
					      unsigned long end);
void ksml_zap_pte(struct ksml_mm *mm, struct ksml_pte *pte);
/* __split_huge_pmd: addr's range becomes PTE-mapped; page table lock held */
void ksml_split_huge_pmd(struct ksml_mm *mm, unsigned long addr);
/*
 * split_folio: the large folio of page (locked, one reference held by the
 * caller) becomes order-0 pages in every mm that maps it; subpages that
 * hold only zeros are replaced by the shared zero page (as 6.12+ does when
 * it remaps a split anon folio).  -KSML_EAGAIN if the folio has
 * references beyond its mappings and the caller's.  No page table lock
 * may be held.
 */
int ksml_split_folio(struct ksml *ksm, struct ksml_frame *page);
int ksml_unshare_pte(struct ksml_mm *mm, struct ksml_vma *vma,
		     unsigned long addr, struct ksml_pte *pte);
/*
 * a new large folio (not yet visible) and its end; its first mapping is
 * nr subpage mappings by mm (folio_set_large_mapcount)
 */
void ksml_folio_init(struct ksml_folio *folio, const struct ksml_mm *mm,
		     long nr);
void ksml_folio_free(struct ksml_folio *folio);
/* nr more or fewer subpage mappings of folio by mm; page table lock held */
void ksml_folio_add_mapcount(struct ksml_folio *folio,
			     const struct ksml_mm *mm, long nr);
void ksml_folio_sub_mapcount(struct ksml_folio *folio,
			     const struct ksml_mm *mm, long nr);
/* folio_ref_count: every reference to any of its subpages */
long ksml_folio_ref_count(const struct ksml_folio *folio);
/* folio_maybe_dma_pinned: a pin on any of its subpages */
bool ksml_folio_maybe_pinned(const struct ksml_folio *folio);

/* vmem_mm.c: VMAs */
struct ksml_vma *ksml_find_vma(struct ksml_mm *mm, unsigned long addr);
void ksml_mmdrop(struct ksml_mm *mm);

/* ksm_slot.c */
void ksml_exit(struct ksml_mm *mm);
int ksml_fork(struct ksml_mm *child, struct ksml_mm *parent);
int ksml_madvise(struct ksml_vma *vma, unsigned long start, unsigned long end,
		 int advice, unsigned long *vm_flags);
int ksml_enable_merge_any(struct ksml_mm *mm);
int ksml_disable_merge_any(struct ksml_mm *mm);
void ksml_add_vma(struct ksml_vma *vma);
struct ksm_mm_slot *ksml_mm_slot_lookup(struct ksml *ksm, struct ksml_mm *mm);
void ksml_mm_slot_remove(struct ksml *ksm, struct ksm_mm_slot *slot);
void ksml_free_mm_slot(struct ksml *ksm, struct ksm_mm_slot *slot);

/* ksm_scan.c */
void ksml_remove_trailing_rmap_items(struct ksml *ksm,
				     struct ksm_rmap_item **rmap_list);
void ksml_wait_while_offlining(struct ksml *ksm);
int ksml_scan_thread(void *arg);

/* ksm_merge.c */
int ksml_unmerge_ksm_pages(struct ksml_vma *vma, unsigned long start,
			   unsigned long end, bool lock_vma);
void ksml_break_cow(struct ksml *ksm, struct ksm_rmap_item *rmap_item);
int ksml_try_to_merge_with_zero_page(struct ksml *ksm,
				     struct ksm_rmap_item *rmap_item,
				     struct ksml_frame *page);
int ksml_try_to_merge_with_ksm_page(struct ksml *ksm,
				    struct ksm_rmap_item *rmap_item,
				    struct ksml_frame *page,
				    struct ksml_frame *kpage);
struct ksml_frame *
ksml_try_to_merge_two_pages(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			    struct ksml_frame *page,
			    struct ksm_rmap_item *tree_rmap_item,
			    struct ksml_frame *tree_page);
struct ksml_frame *ksml_get_mergeable_page(struct ksml *ksm,
					   struct ksm_rmap_item *rmap_item);
int ksml_unmerge_and_remove_all_rmap_items(struct ksml *ksm);

/* ksm_stable.c */
#define KSML_GET_FOLIO_NOLOCK  0
#define KSML_GET_FOLIO_LOCK    1
#define KSML_GET_FOLIO_TRYLOCK 2
extern const char ksml_stable_node_dup_marker;
#define STABLE_NODE_DUP_HEAD                                                   \
	((struct ksml_list_head *)(uintptr_t)&ksml_stable_node_dup_marker)
#define KSML_FOLIO_BUSY ((struct ksml_frame *)(uintptr_t)1)

static inline bool is_stable_node_chain(const struct ksm_stable_node *chain)
{
	return chain->rmap_hlist_len == STABLE_NODE_CHAIN;
}

static inline bool is_stable_node_dup(const struct ksm_stable_node *dup)
{
	return dup->head == STABLE_NODE_DUP_HEAD;
}

static inline struct ksm_stable_node *page_stable_node(struct ksml_frame *f)
{
	return KSML_READ_ONCE(f->ksm) ? KSML_READ_ONCE(f->mapping) : NULL;
}

struct ksml_frame *ksml_get_ksm_page(struct ksml *ksm,
				     struct ksm_stable_node *stable_node,
				     int flags);
void ksml_folio_migrate_ksm(struct ksml_frame *newfolio,
			    struct ksml_frame *folio);
void ksml_remove_rmap_item_from_tree(struct ksml *ksm,
				     struct ksm_rmap_item *rmap_item);
struct ksml_frame *ksml_stable_tree_search(struct ksml *ksm,
					   struct ksml_frame *page,
					   uint64_t key);
struct ksm_stable_node *ksml_stable_tree_insert(struct ksml *ksm,
						struct ksml_frame *kfolio,
						uint64_t key);
void ksml_stable_tree_append(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			     struct ksm_stable_node *stable_node,
			     bool max_page_sharing_bypass);
bool ksml_is_page_sharing_candidate(struct ksml *ksm,
				    struct ksm_stable_node *stable_node);
int ksml_remove_all_stable_nodes(struct ksml *ksm);
void ksml_stable_node_migrate_check(struct ksml *ksm,
				    struct ksm_stable_node *stable_node);
void ksml_check_stable_tree(struct ksml *ksm, unsigned long start_pfn,
			    unsigned long end_pfn);
void ksml_prune_migrate_nodes(struct ksml *ksm);
int ksml_page_cmp(struct ksml *ksm, struct ksml_frame *a, struct ksml_frame *b);

/* the stable tree's nodes under nid, through the index */
static inline struct ksm_stable_node *ksml_stable_tree_first(struct ksml *ksm,
							     int nid)
{
	return ksm->index->stable_first(ksm, nid);
}

static inline struct ksm_stable_node *
ksml_stable_tree_next(struct ksml *ksm, struct ksm_stable_node *node)
{
	return ksm->index->stable_next(ksm, node);
}

/* ksm_unstable.c */
struct ksm_rmap_item *ksml_unstable_tree_search_insert(
	struct ksml *ksm, struct ksm_rmap_item *rmap_item,
	struct ksml_frame *page, uint64_t key, struct ksml_frame **tree_pagep);

/* ksm_knowledge.c: model knowledge (cfg.model_knowledge), else the kernel's */
int ksml_knowledge_init(struct ksml *ksm);
void ksml_knowledge_free(struct ksml *ksm);
void ksml_knowledge_pass_start(struct ksml *ksm);
uint32_t ksml_page_checksum(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			    struct ksml_frame *page, uint64_t *key);
void ksml_note_stable_node(struct ksml *ksm, struct ksm_stable_node *node,
			   struct ksm_rmap_item *rmap_item,
			   struct ksml_frame *kfolio);
bool ksml_pages_identical(struct ksml *ksm,
			  const struct ksm_rmap_item *rmap_item,
			  struct ksml_frame *page,
			  const struct ksm_rmap_item *kitem,
			  struct ksml_frame *kpage);

/* start of a pass: the unstable tree is emptied, the tables sized */
static inline void ksml_trees_pass_start(struct ksml *ksm)
{
	ksm->vm.changes_at_pass[1] = ksm->vm.changes_at_pass[0];
	ksm->vm.changes_at_pass[0] = ksml_atomic_read(&ksm->vm.changes);
	ksm->index->pass_start(ksm);
	ksml_knowledge_pass_start(ksm);
}

/* ksm_advisor.c */
void ksml_advisor_start_scan(struct ksml *ksm);
void ksml_advisor_stop_scan(struct ksml *ksm);

/* ksm.c */
uint32_t ksml_calc_checksum(struct ksml *ksm, struct ksml_frame *f,
			    uint64_t *key);

#endif /* KSM_INTERNAL_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * vmem.h - the memory model KSM runs against: frames, address spaces
 * (struct ksml_mm) with VMAs and a sparse page table, and the operations
 * of a process on them.  Writes to write-protected or KSM frames take a
 * COW fault; fork shares private frames copy-on-write.
 *
 * The rule the tests check: every virtual page reads back exactly its last
 * write, whatever KSM did in between.
 */
#ifndef KSML_VMEM_H
#define KSML_VMEM_H

#include "ksm_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ksml;
struct ksml_mm;

/* mmap flags (the model's mmap(2) flags and prot in one word) */
#define KSML_MAP_SHARED 0x01u	 /* MAP_SHARED: VM_SHARED|VM_MAYSHARE */
#define KSML_MAP_PRIVATE 0x02u	 /* MAP_PRIVATE */
#define KSML_MAP_ANONYMOUS 0x20u /* MAP_ANONYMOUS */
#define KSML_MAP_FIXED 0x10u	 /* place exactly at addr (replacing) */
/* place exactly at addr, or fail with -EEXIST if anything is mapped there */
#define KSML_MAP_FIXED_NOREPLACE 0x1000000u /* above the node field */
/* special VMAs that KSM refuses (vma_ksm_compatible) */
#define KSML_MAP_PFNMAP 0x0100u
#define KSML_MAP_IO 0x0200u
#define KSML_MAP_DONTEXPAND 0x0400u
#define KSML_MAP_HUGETLB 0x0800u
#define KSML_MAP_MIXEDMAP 0x1000u
#define KSML_MAP_DROPPABLE 0x2000u
/* read-only mapping (PROT_READ only): writes from the process fail */
#define KSML_MAP_RDONLY 0x4000u
/*
 * Android bionic's auto-madvise: after a successful map with
 * (flags & (MAP_PRIVATE|MAP_ANONYMOUS)) != 0, madvise(MADV_MERGEABLE);
 * on EINVAL the per-mm cache "kernel has MADV_MERGEABLE" is cleared and
 * never tried again.
 */
#define KSML_MAP_BIONIC 0x8000u
/* NUMA policy of the mapping: pages are first faulted on node n (mbind) */
#define KSML_MAP_NODE(n) ((((unsigned int)(n) + 1u) & 0xffu) << 16)
#define KSML_MAP_NODE_OF(flags) ((int)(((flags) >> 16) & 0xffu) - 1)

#define KSML_MADV_DONTNEED 4
#define KSML_MADV_MERGEABLE 12
#define KSML_MADV_UNMERGEABLE 13
#define KSML_MADV_HUGEPAGE    14
#define KSML_MADV_NOHUGEPAGE  15

/*
 * Transparent huge pages, /sys/kernel/mm/transparent_hugepage/enabled of
 * the instance (default madvise): the first write to a 2 MiB-aligned range
 * with no page table yet, inside one private anonymous VMA that the mode
 * allows (always: unless MADV_NOHUGEPAGE; madvise: MADV_HUGEPAGE), maps a
 * zero-filled THP there by one PMD entry.
 */
#define KSML_THP_NEVER	 0
#define KSML_THP_MADVISE 1
#define KSML_THP_ALWAYS	 2
/* 0, or -KSML_EINVAL for a mode that is none of the three */
int ksml_vm_set_thp_mode(struct ksml *ksm, int mode);
int ksml_vm_get_thp_mode(struct ksml *ksm);

int ksml_mm_create(struct ksml *ksm, struct ksml_mm **out);
/* fork: the child shares private frames COW; KSM fork hook as the kernel's */
int ksml_mm_fork(struct ksml_mm *parent, struct ksml_mm **child);
/*
 * exit (mmput): ksm_exit, then the page tables are torn down; the handle
 * must not be used afterwards (the struct may live on until ksmd lets go).
 */
void ksml_mm_exit(struct ksml_mm *mm);

/* addr 0 without KSML_MAP_FIXED: the model picks a free range */
int ksml_vm_mmap(struct ksml_mm *mm, unsigned long addr, unsigned long len,
		 unsigned int flags, unsigned long *out_addr);
int ksml_vm_munmap(struct ksml_mm *mm, unsigned long addr, unsigned long len);
/* move [old, old+old_len) to new_addr with new_len (MREMAP_FIXED|MAYMOVE) */
int ksml_vm_mremap(struct ksml_mm *mm, unsigned long old_addr,
		   unsigned long old_len, unsigned long new_len,
		   unsigned long new_addr);
int ksml_vm_write(struct ksml_mm *mm, unsigned long addr, const void *buf,
		  size_t len);
/* a write that ignores protections (ptrace, /proc/PID/mem): unshares */
int ksml_vm_write_force(struct ksml_mm *mm, unsigned long addr,
			const void *buf, size_t len);
int ksml_vm_read(struct ksml_mm *mm, unsigned long addr, void *buf, size_t len);
int ksml_vm_madvise(struct ksml_mm *mm, unsigned long addr, unsigned long len,
		    int advice);
/* prctl(PR_SET_MEMORY_MERGE / PR_GET_MEMORY_MERGE) */
int ksml_vm_prctl_set_memory_merge(struct ksml_mm *mm, unsigned long arg2);
int ksml_vm_prctl_get_memory_merge(struct ksml_mm *mm);
/*
 * A long-term write pin (pin_user_pages FOLL_LONGTERM|FOLL_WRITE): the page
 * is faulted in and unshared first (a pinned anonymous page is exclusive),
 * then holds a reference that KSM's write-protect refuses.
 */
int ksml_vm_pin(struct ksml_mm *mm, unsigned long addr);
int ksml_vm_unpin(struct ksml_mm *mm, unsigned long addr);
/* migrate the page (its whole frame, all mappings) to node nid */
int ksml_vm_migrate(struct ksml_mm *mm, unsigned long addr, int nid);

/* pagemap equivalent: what the page at addr maps */
struct ksml_page_info {
	bool present;
	bool zero;	 /* the zero page (KSM-placed if ksm_zero) */
	bool ksm_zero;
	bool ksm;	 /* a KSM frame */
	bool writable;
	unsigned long pfn;
	int nid;
	long mapcount;
	bool thp;	 /* a subpage of a large folio */
	bool pmd_mapped; /* mapped here by a PMD entry (AnonHugePages) */
};
int ksml_vm_page_info(struct ksml_mm *mm, unsigned long addr,
		      struct ksml_page_info *info);

/* frames in use (memory footprint of the model), for "memory saved" */
unsigned long ksml_vm_frames_in_use(struct ksml *ksm);
/*
 * migrations that a lockless (keyhole) reference crossed: taken after the
 * refcount check, still held when the frames were switched.  The window
 * of the lost-reference race; tests count it to show they reached it.
 */
unsigned long ksml_vm_migrate_raced(struct ksml *ksm);

#ifdef __cplusplus
}
#endif

#endif /* KSML_VMEM_H */

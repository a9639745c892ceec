/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_ref_ioctl.h - ioctl ABI of /dev/ksm_ref (ksm_ref.ko), usable from
 * userspace and from the module.
 *
 * Versioning: KSM_REF_IOC_VERSION returns abi_version; a client refuses a
 * module whose major (abi_version >> 16) differs from KSM_REF_ABI_MAJOR.
 * Minor versions only add ioctls.  Every struct size is part of its ioctl
 * number, so a changed layout is a new number (-ENOTTY on an old module).
 * A struct only grows at its end, and the module keeps answering the old
 * size's number with that prefix of the new struct (1.1: STATS_1_0; 1.2:
 * MM_STAT_1_1); a number with any other size stays unknown (-ENOTTY).
 *
 * Address spaces are the core's model (vmem.h), not the caller's memory:
 * an open file owns the ones it creates (ids 1..KSM_REF_MAX_MMS, valid
 * only through that file); closing the file exits them all.  The knobs,
 * counters and scans are those of the module's one KSM instance, the same
 * as /sys/kernel/mm/ksm_ref.
 *
 * Validation: unknown ioctl -ENOTTY; a bad user pointer -EFAULT; an
 * unknown mm id, a nonzero reserved field or flag, an oversized length
 * or an unterminated string -EINVAL; otherwise the core's own errno.
 */
#ifndef KSM_REF_IOCTL_H
#define KSM_REF_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KSM_REF_ABI_MAJOR   1
#define KSM_REF_ABI_MINOR   2
#define KSM_REF_ABI_VERSION ((KSM_REF_ABI_MAJOR << 16) | KSM_REF_ABI_MINOR)

#define KSM_REF_DEV   "/dev/ksm_ref"
#define KSM_REF_SYSFS "/sys/kernel/mm/ksm_ref"

#define KSM_REF_MAX_MMS	    1024       /* address spaces per open file */
#define KSM_REF_MAX_RW	    (1u << 20) /* bytes per read/write call */
#define KSM_REF_MAX_SCAN    (1u << 22) /* pages per KSM_REF_IOC_SCAN */
#define KSM_REF_MAX_BATCHES (1u << 20) /* batches per KSM_REF_IOC_SCAN_FULL */
#define KSM_REF_NAME_LEN    64
#define KSM_REF_MSG_LEN	    256

struct ksm_ref_version {
	__u32 abi_version; /* out: KSM_REF_ABI_VERSION */
	__u32 page_size;   /* out */
	__u32 nr_node_ids; /* out: node ids frames may carry */
	__u32 nr_knobs;	   /* out: files in the sysfs group */
};

/* MM_CREATE (out mm), MM_EXIT (in mm), MM_FORK (in mm, out child) */
struct ksm_ref_mm {
	__u32 mm;
	__u32 child;
};

/* MMAP: flags are vmem.h's KSML_MAP_*; MUNMAP ignores out_addr, flags 0 */
struct ksm_ref_map {
	__u32 mm;
	__u32 flags;
	__u64 addr;
	__u64 len;
	__u64 out_addr; /* out */
};

struct ksm_ref_mremap {
	__u32 mm;
	__u32 reserved;
	__u64 old_addr;
	__u64 old_len;
	__u64 new_len;
	__u64 new_addr;
};

/* WRITE/READ: len <= KSM_REF_MAX_RW bytes at buf (a user pointer) */
#define KSM_REF_RW_FORCE 0x1u /* WRITE only: ksml_vm_write_force */
struct ksm_ref_rw {
	__u32 mm;
	__u32 flags;
	__u64 addr;
	__u64 len;
	__u64 buf;
};

struct ksm_ref_madvise {
	__u32 mm;
	__s32 advice; /* KSML_MADV_* */
	__u64 addr;
	__u64 len;
};

/* PRCTL: set=1: PR_SET_MEMORY_MERGE(arg); set=0: GET, result out */
struct ksm_ref_prctl {
	__u32 mm;
	__u32 set;
	__u64 arg;
	__s64 result; /* out */
};

/* PIN, UNPIN (nid 0), MIGRATE (to nid) */
struct ksm_ref_page {
	__u32 mm;
	__s32 nid;
	__u64 addr;
};

#define KSM_REF_PI_PRESENT  0x01u
#define KSM_REF_PI_ZERO	    0x02u
#define KSM_REF_PI_KSM_ZERO 0x04u
#define KSM_REF_PI_KSM	    0x08u
#define KSM_REF_PI_WRITABLE 0x10u
struct ksm_ref_page_info {
	__u32 mm;
	__u32 reserved;
	__u64 addr;
	__u32 flags;	/* out: KSM_REF_PI_* */
	__s32 nid;	/* out */
	__u64 pfn;	/* out */
	__s64 mapcount; /* out */
};

/*
 * /proc/PID/ksm_stat of one address space.  1.2 appended AnonHugePages;
 * a 1.1 client's MM_STAT (KSM_REF_IOC_MM_STAT_1_1) gets the fields up to
 * ksm_mergeable.
 */
struct ksm_ref_mm_stat {
	__u32 mm;
	__u32 reserved;
	__u64 ksm_rmap_items; /* out ... */
	__s64 ksm_zero_pages;
	__u64 ksm_merging_pages;
	__s64 ksm_process_profit;
	__u32 ksm_merge_any;
	__u32 ksm_mergeable;
	/* 1.2: smaps "AnonHugePages:", kB of PMD-mapped THPs (ksml_mm_stat) */
	__u64 anon_huge_kb;
};
/* sizeof(struct ksm_ref_mm_stat) in ABI 1.0 and 1.1: up to ksm_mergeable */
#define KSM_REF_MM_STAT_SIZE_1_1                                               \
	(2 * sizeof(__u32) + 4 * sizeof(__u64) + 2 * sizeof(__u32))

/*
 * THP (1.2): /sys/kernel/mm/transparent_hugepage/{enabled,defrag} of the
 * module's vmem instance (the one KSM instance: every open file sees the
 * same).  set=1 sets both, set=0 gets both (mode and defrag are then
 * out).  mode is vmem.h's KSML_THP_* (never 0, madvise 1, always 2);
 * defrag is one of KSM_REF_THP_DEFRAG_*, the kernel's five values.
 * vmem does not model defrag: its THP allocation never stalls nor fails
 * for want of compaction, so which of them is set changes no fault's
 * outcome (as the ref backend, which takes any); the module keeps it so
 * that it reads back what was written.  As the kernel's sysfs files, the
 * mode may change while address spaces exist: it decides later faults.
 * A mode or defrag out of range, a set other than 0/1, a nonzero
 * reserved field, or a get with mode or defrag not 0: -EINVAL, nothing
 * changed.  Load default: madvise,
 * madvise (the kernel's defaults).
 */
#define KSM_REF_THP_DEFRAG_ALWAYS	 0 /* "always" */
#define KSM_REF_THP_DEFRAG_DEFER	 1 /* "defer" */
#define KSM_REF_THP_DEFRAG_DEFER_MADVISE 2 /* "defer+madvise" */
#define KSM_REF_THP_DEFRAG_MADVISE	 3 /* "madvise" */
#define KSM_REF_THP_DEFRAG_NEVER	 4 /* "never" */
#define KSM_REF_THP_DEFRAG_MAX		 KSM_REF_THP_DEFRAG_NEVER
struct ksm_ref_thp {
	__u32 set;
	__s32 mode;   /* in (set) / out (get) */
	__s32 defrag; /* in (set) / out (get) */
	__u32 reserved;
};

/*
 * the instance's counters (ksml_get_counters).  1.1 appended the page
 * reads; a 1.0 client's STATS (KSM_REF_IOC_STATS_1_0) gets the fields up
 * to rmap_items.
 */
struct ksm_ref_counters {
	__u64 run;
	__u64 pages_to_scan;
	__u64 pages_scanned;
	__u64 pages_shared;
	__u64 pages_sharing;
	__u64 pages_unshared;
	__u64 pages_volatile;
	__u64 pages_skipped;
	__u64 full_scans;
	__u64 stable_node_chains;
	__u64 stable_node_dups;
	__s64 ksm_zero_pages;
	__s64 general_profit;
	__u64 rmap_items;
	/* 1.1: page contents the core read (not in the kernel's KSM) */
	__u64 page_checksums;	   /* checksums computed */
	__u64 page_compares;	   /* pages compared */
	__u64 page_compares_equal; /* ... and found equal */
};
/* sizeof(struct ksm_ref_counters) in ABI 1.0: up to rmap_items */
#define KSM_REF_COUNTERS_SIZE_1_0 (14 * sizeof(__u64))

/* KNOB_READ (value out, len = its length) / KNOB_WRITE (value in) */
struct ksm_ref_knob {
	char name[KSM_REF_NAME_LEN];  /* NUL-terminated */
	char value[KSM_REF_NAME_LEN]; /* NUL-terminated */
	__s32 len;		      /* out (READ) */
	__u32 reserved;
};

/*
 * SCAN: ksml_scan_pages(nr_pages), result = pages handed to
 * cmp_and_merge_page.  SCAN_FULL: nr_scans times ksml_scan_full(1,
 * max_batches): -EAGAIN when nothing can be scanned or a full scan took
 * more than max_batches (0 = KSM_REF_MAX_BATCHES) batches; result = full
 * scans attempted; -EINTR on a fatal signal between two.
 */
struct ksm_ref_scan {
	__u64 nr_pages;	   /* SCAN */
	__u64 nr_scans;	   /* SCAN_FULL */
	__u64 max_batches; /* SCAN_FULL: per full scan */
	__u64 result;	   /* out */
};

/* ksml_check_invariants (result 0 or -EINVAL with msg) */
struct ksm_ref_check {
	__s32 result;
	__u32 reserved;
	char msg[KSM_REF_MSG_LEN];
};

/* the platform's own counters */
struct ksm_ref_plat {
	__s64 warn_count;	  /* KSML_WARN_ON()s fired */
	__s64 live_allocs;	  /* outstanding allocations */
	__s64 live_pages;	  /* outstanding frames */
	__s64 injected;		  /* failures injected */
	__u64 frames_in_use;	  /* ksml_vm_frames_in_use */
	__u64 mem_events;	  /* memory notifier calls seen */
	__u64 mem_offline_events; /* of which GOING_OFFLINE/OFFLINE/CANCEL */
	__u64 migrate_raced;	  /* ksml_vm_migrate_raced */
};

/*
 * Room for any command's argument: the module copies _IOC_SIZE(cmd) bytes
 * of it in and out, the clients fill the member their command names.
 */
union ksm_ref_arg {
	struct ksm_ref_version version;
	struct ksm_ref_mm mm;
	struct ksm_ref_map map;
	struct ksm_ref_mremap mremap;
	struct ksm_ref_rw rw;
	struct ksm_ref_madvise madvise;
	struct ksm_ref_prctl prctl;
	struct ksm_ref_page page;
	struct ksm_ref_page_info page_info;
	struct ksm_ref_mm_stat mm_stat;
	struct ksm_ref_counters counters;
	struct ksm_ref_knob knob;
	struct ksm_ref_scan scan;
	struct ksm_ref_check check;
	struct ksm_ref_plat plat;
	struct ksm_ref_thp thp;
	__s64 n;
};

#define KSM_REF_IOC_MAGIC 0xB7

#define KSM_REF_IOC_VERSION                                                    \
	_IOR(KSM_REF_IOC_MAGIC, 0x00, struct ksm_ref_version)
#define KSM_REF_IOC_MM_CREATE _IOR(KSM_REF_IOC_MAGIC, 0x01, struct ksm_ref_mm)
#define KSM_REF_IOC_MM_EXIT   _IOW(KSM_REF_IOC_MAGIC, 0x02, struct ksm_ref_mm)
#define KSM_REF_IOC_MM_FORK   _IOWR(KSM_REF_IOC_MAGIC, 0x03, struct ksm_ref_mm)
#define KSM_REF_IOC_MMAP      _IOWR(KSM_REF_IOC_MAGIC, 0x04, struct ksm_ref_map)
#define KSM_REF_IOC_MUNMAP    _IOW(KSM_REF_IOC_MAGIC, 0x05, struct ksm_ref_map)
#define KSM_REF_IOC_MREMAP    _IOW(KSM_REF_IOC_MAGIC, 0x06, struct ksm_ref_mremap)
#define KSM_REF_IOC_WRITE     _IOW(KSM_REF_IOC_MAGIC, 0x07, struct ksm_ref_rw)
#define KSM_REF_IOC_READ      _IOW(KSM_REF_IOC_MAGIC, 0x08, struct ksm_ref_rw)
#define KSM_REF_IOC_MADVISE                                                    \
	_IOW(KSM_REF_IOC_MAGIC, 0x09, struct ksm_ref_madvise)
#define KSM_REF_IOC_PRCTL   _IOWR(KSM_REF_IOC_MAGIC, 0x0a, struct ksm_ref_prctl)
#define KSM_REF_IOC_PIN	    _IOW(KSM_REF_IOC_MAGIC, 0x0b, struct ksm_ref_page)
#define KSM_REF_IOC_UNPIN   _IOW(KSM_REF_IOC_MAGIC, 0x0c, struct ksm_ref_page)
#define KSM_REF_IOC_MIGRATE _IOW(KSM_REF_IOC_MAGIC, 0x0d, struct ksm_ref_page)
#define KSM_REF_IOC_PAGE_INFO                                                  \
	_IOWR(KSM_REF_IOC_MAGIC, 0x0e, struct ksm_ref_page_info)
#define KSM_REF_IOC_MM_STAT                                                    \
	_IOWR(KSM_REF_IOC_MAGIC, 0x0f, struct ksm_ref_mm_stat)
/* ABI 1.0/1.1's MM_STAT: the first KSM_REF_MM_STAT_SIZE_1_1 bytes */
#define KSM_REF_IOC_MM_STAT_1_1                                                \
	_IOC(_IOC_READ | _IOC_WRITE, KSM_REF_IOC_MAGIC, 0x0f,                  \
	     KSM_REF_MM_STAT_SIZE_1_1)
#define KSM_REF_IOC_STATS _IOR(KSM_REF_IOC_MAGIC, 0x10, struct ksm_ref_counters)
/* ABI 1.0's STATS: the first KSM_REF_COUNTERS_SIZE_1_0 bytes */
#define KSM_REF_IOC_STATS_1_0                                                  \
	_IOC(_IOC_READ, KSM_REF_IOC_MAGIC, 0x10, KSM_REF_COUNTERS_SIZE_1_0)
#define KSM_REF_IOC_KNOB_READ                                                  \
	_IOWR(KSM_REF_IOC_MAGIC, 0x11, struct ksm_ref_knob)
#define KSM_REF_IOC_KNOB_WRITE                                                 \
	_IOW(KSM_REF_IOC_MAGIC, 0x12, struct ksm_ref_knob)
#define KSM_REF_IOC_SCAN _IOWR(KSM_REF_IOC_MAGIC, 0x13, struct ksm_ref_scan)
#define KSM_REF_IOC_SCAN_FULL                                                  \
	_IOWR(KSM_REF_IOC_MAGIC, 0x14, struct ksm_ref_scan)
#define KSM_REF_IOC_CHECK _IOR(KSM_REF_IOC_MAGIC, 0x15, struct ksm_ref_check)
#define KSM_REF_IOC_PLAT  _IOR(KSM_REF_IOC_MAGIC, 0x16, struct ksm_ref_plat)
/* arm the failure injection: the n-th allocation/step from now fails */
#define KSM_REF_IOC_FAIL_NTH _IOW(KSM_REF_IOC_MAGIC, 0x17, __s64)
/* 1.2: the instance's THP mode and defrag */
#define KSM_REF_IOC_THP _IOWR(KSM_REF_IOC_MAGIC, 0x18, struct ksm_ref_thp)

#define KSM_REF_IOC_NR_MAX 0x18

#endif /* KSM_REF_IOCTL_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksml.h - public API of ksm_core: a KSM instance, its knobs, counters and
 * scan, and (in vmem.h) the memory model whose address spaces it merges.
 *
 * Every function returning int returns 0 or a negative errno (KSML_E*),
 * as the kernel does.  The instance holds what mm/ksm.c keeps in globals.
 */
#ifndef KSML_H
#define KSML_H

#include "ksm_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ksml;
struct ksml_mm;

/* run knob bits (KSM_RUN_*); OFFLINE is internal (memory hot-remove) */
#define KSML_RUN_STOP 0u
#define KSML_RUN_MERGE 1u
#define KSML_RUN_UNMERGE 2u
#define KSML_RUN_OFFLINE 4u

/* sizeof(struct ksm_rmap_item) on a 64-bit kernel: enters the profit formulas */
#define KSML_RMAP_ITEM_KERNEL_SIZE 64

/* the index KSM files pages in (ksm_index.h) */
enum ksml_index_mode {
	KSML_INDEX_CONTENT =
		0, /* the kernel's: rbtrees ordered by page content */
	/*
	 * hash tables on the 64-bit page hash: a page's twin is found in a
	 * bucket instead of by a walk of memcmps, and a chain's dup walk that
	 * would change nothing is skipped (ksm_index_hash.c)
	 */
	KSML_INDEX_HASH = 1,
};

/*
 * The named configurations (ksml_config_profile): what each one uses.
 *   faithful  the kernel's index and reads: mm/ksm.c as it is.
 *   portable  the hash index with XXH3 checksums and tree walks that
 *             prefetch the next level; every page is read on every
 *             visit, as ksmd must: ideas mm/ksm.c could take.
 *   model     portable plus model knowledge: the frames' write counts
 *             (an unwritten page is not read again) and content names (a
 *             merge needs no compare): what ksmd does not know.
 */
/*
 * How a write fault on a subpage of a large anonymous folio, not marked
 * exclusive, decides between reusing it in place and copying it
 * (do_wp_page's wp_can_reuse_anon_folio).
 */
enum ksml_large_wp {
	/*
	 * 6.15+ (CONFIG_MM_ID): reuse when the folio is mapped by this mm
	 * alone as its per-MM tracking says, every reference is a mapping,
	 * and it is not the folio's last mapped page
	 */
	KSML_LARGE_WP_MM_ID = 0,
	/* 6.10-6.14: always copy ("give back a large folio a bit sooner") */
	KSML_LARGE_WP_NEVER = 1,
	/* before 6.10: the small-folio test on the folio: one reference */
	KSML_LARGE_WP_SOLE_REF = 2,
};

enum ksml_profile {
	KSML_PROFILE_FAITHFUL = 0,
	KSML_PROFILE_PORTABLE = 1,
	KSML_PROFILE_MODEL = 2,
};
#define KSML_NR_PROFILES 3

struct ksml_config {
	/* run-time ops (clock, cpu time, frames); NULL = platform default */
	const struct ksml_platform_ops *ops;
	/* start the ksmd thread (else only ksml_scan_pages() scans) */
	bool start_ksmd;
	/*
	 * no knob group registered: the kernel then sets run=MERGE, since
	 * nobody could start ksmd otherwise
	 */
	bool no_knobs;
	/* largest number of frames (memory pages) vmem may allocate; 0 = 1<<22 */
	unsigned long max_frames;
	enum ksml_index_mode index_mode;
	/*
	 * checksum pages with XXH3 instead of the kernel's XXH64: the same
	 * decisions (equal pages have equal checksums either way) but for
	 * hash collisions.  In userspace libxxhash's AVX2/AVX-512 build:
	 * ~0.76 us per DRAM-resident page against XXH64's ~1.06 us here.
	 */
	bool fast_checksum;
	/*
	 * use what the model knows and ksmd does not (ksm_knowledge.c):
	 * which pages were written since they were read.  Same decisions.
	 */
	bool model_knowledge;
	/*
	 * model a kernel built without CONFIG_KSM: MADV_MERGEABLE and
	 * MADV_UNMERGEABLE fail with EINVAL (bionic's fallback path)
	 */
	bool no_config_ksm;
	/*
	 * fork as the kernels before 6.18 (and stable kernels without the
	 * "fix incorrect KSM counter handling in mm_struct during fork"
	 * backport) do it: the child starts with the parent's
	 * ksm_merging_pages, ksm_rmap_items and ksm_zero_pages (a byte copy
	 * of the mm) and the global ksm_zero_pages is not raised for the
	 * child's KSM zero PTEs.  Off: 6.18's counters (the child's merging
	 * and rmap counts start at 0, its zero PTEs are counted globally).
	 */
	bool fork_inherits_ksm_counters;
	/*
	 * visit a page as the kernels before 6.9 do: search the stable tree
	 * first, and only if it has no twin look at the checksum (volatile?)
	 * and the zero page.  A page written with a KSM page's content then
	 * merges on its first visit, not its second.  Off: 6.9+'s order
	 * ("don't waste time searching stable tree for fast changing page").
	 */
	bool stable_search_first;
	/*
	 * split a THP as the kernels before 6.12 do: every subpage stays a
	 * page of its own, zero-filled ones too.  Off: 6.12+'s
	 * remap_page(RMP_USE_SHARED_ZEROPAGE), which maps the zero-filled
	 * subpages of a split folio to the shared zero page and frees them
	 * (harness/THP.md point 5).
	 */
	bool split_keeps_zero_subpages;
	/* the kernel's rule for a write to a shared large folio's subpage */
	enum ksml_large_wp large_folio_wp;
};

/* set cfg's index and options to a named configuration (the rest stays) */
void ksml_config_profile(struct ksml_config *cfg, enum ksml_profile profile);
/* "faithful", "portable", "model"; NULL for no such profile */
const char *ksml_profile_name(enum ksml_profile profile);
/* the profile of that name; -KSML_EINVAL if there is none */
int ksml_profile_parse(const char *name, enum ksml_profile *profile);

int ksml_init(struct ksml **out, const struct ksml_config *cfg);
void ksml_destroy(struct ksml *ksm);

/*
 * Run one ksmd batch of at most nr_pages in the caller, if ksmd should
 * run (run has the MERGE bit and some mm is registered), under the thread
 * mutex.  Returns the number of pages handed to cmp_and_merge_page.
 */
unsigned long ksml_scan_pages(struct ksml *ksm, unsigned long nr_pages);
/*
 * Run batches of pages_to_scan until full_scans has advanced by nr_scans
 * (or max_batches ran, 0 = no limit).  Returns 0, or -KSML_EAGAIN if the
 * limit was hit or nothing can be scanned.
 */
int ksml_scan_full(struct ksml *ksm, unsigned long nr_scans,
		   unsigned long max_batches);

/* ------------------------------------------------------------------ knobs
 * One setter per knob with the kernel's validation and errno; the string
 * interface (ksml_knob_*) is what sysfs and `ksmlab knob` use.
 */
int ksml_set_run(struct ksml *ksm, unsigned int run);
int ksml_set_pages_to_scan(struct ksml *ksm, unsigned int v);
int ksml_set_sleep_millisecs(struct ksml *ksm, unsigned int v);
int ksml_set_merge_across_nodes(struct ksml *ksm, unsigned long v);
int ksml_set_max_page_sharing(struct ksml *ksm, int v);
int ksml_set_stable_node_chains_prune_millisecs(struct ksml *ksm, unsigned int v);
int ksml_set_use_zero_pages(struct ksml *ksm, bool v);
int ksml_set_smart_scan(struct ksml *ksm, bool v);
int ksml_set_advisor_mode(struct ksml *ksm, unsigned int scan_time);
int ksml_set_advisor_max_cpu(struct ksml *ksm, unsigned long v);
int ksml_set_advisor_min_pages_to_scan(struct ksml *ksm, unsigned long v);
int ksml_set_advisor_max_pages_to_scan(struct ksml *ksm, unsigned long v);
int ksml_set_advisor_target_scan_time(struct ksml *ksm, unsigned long v);

struct ksml_knob_info {
	const char *name;
	bool writable;
	/*
	 * the text that, written, restores the kernel's default (the one
	 * place ksmlab says what the defaults are: backends restore them
	 * from here, tests compare with them); NULL for a counter
	 */
	const char *kernel_default;
	/* the same as a number (advisor_mode: its choice's index) */
	unsigned long default_value;
	/*
	 * the values the kernel's store accepts (advisor_mode: the indexes
	 * of "none" and "scan-time"); all 0 for a counter.  pages_to_scan
	 * also refuses every write while the advisor is on.
	 */
	unsigned long min, max;
};
/* the knob table: same names and order of files as /sys/kernel/mm/ksm */
int ksml_knob_count(void);
const struct ksml_knob_info *ksml_knob_at(int idx);
/* the row of the knob called name, or NULL */
const struct ksml_knob_info *ksml_knob_find(const char *name);
/* its kernel_default: NULL for a counter or an unknown name */
const char *ksml_knob_default(const char *name);
/* sysfs show: writes "value\n"; returns length or -errno */
int ksml_knob_read(struct ksml *ksm, const char *name, char *buf, size_t size);
/* sysfs store: parses as the kernel (kstrto*, trailing newline ok); an
 * empty write succeeds without effect, as write(2) of 0 bytes to sysfs */
int ksml_knob_write(struct ksml *ksm, const char *name, const char *buf, size_t len);

/* --------------------------------------------------------------- counters */
struct ksml_counters {
	unsigned long run;
	unsigned long pages_to_scan;
	unsigned long pages_scanned;
	unsigned long pages_shared;
	unsigned long pages_sharing;
	unsigned long pages_unshared;
	unsigned long pages_volatile;
	unsigned long pages_skipped;
	unsigned long full_scans;
	unsigned long stable_node_chains;
	unsigned long stable_node_dups;
	long ksm_zero_pages;
	long general_profit;
	unsigned long rmap_items; /* ksm_rmap_items: not in sysfs */
	/*
	 * /proc/vmstat cow_ksm: KSM pages copied by a write fault or an
	 * unshare fault (unmerge, a long-term pin)
	 */
	unsigned long cow_ksm;
	/*
	 * page contents read (not in the kernel; KSML_HAVE_PAGE_READS says
	 * they exist, for programs built against older cores too): checksums
	 * computed
	 */
	unsigned long page_checksums;
	/* page compares, and those that found both pages equal */
	unsigned long page_compares;
	unsigned long page_compares_equal;
};
#define KSML_HAVE_PAGE_READS 1
void ksml_get_counters(struct ksml *ksm, struct ksml_counters *c);

/* /proc/PID/ksm_stat of one address space */
struct ksml_mm_stat {
	unsigned long ksm_rmap_items;
	long ksm_zero_pages;
	unsigned long ksm_merging_pages;
	long ksm_process_profit;
	bool ksm_merge_any;
	bool ksm_mergeable;
	/* /proc/PID/smaps_rollup "KSM:": kB of KSM pages the mm maps */
	unsigned long ksm_kb;
	/* /proc/PID/smaps "AnonHugePages:": kB of PMD-mapped THPs */
	unsigned long anon_huge_kb;
};
int ksml_mm_get_stat(struct ksml_mm *mm, struct ksml_mm_stat *st);

/*
 * Consistency check (fuzzers, tests): recount the counters from the
 * structures and verify the invariants of the spec (tree order, flags,
 * list order...).  Must be called quiescent (no ksmd batch running).
 * Returns 0 or -KSML_EINVAL, writing a description into msg.
 */
int ksml_check_invariants(struct ksml *ksm, char *msg, size_t msg_size);

/* memory hot-remove (the memory notifier): actions as the kernel's */
enum ksml_mem_action { KSML_MEM_GOING_OFFLINE, KSML_MEM_OFFLINE, KSML_MEM_CANCEL_OFFLINE };
int ksml_memory_notify(struct ksml *ksm, enum ksml_mem_action action,
		       unsigned long start_pfn, unsigned long nr_pages);

/* number of KSML_WARN_ON()s fired since start (all instances) */
long ksml_warn_count(void);

#ifdef __cplusplus
}
#endif

#include "vmem.h"

#endif /* KSML_H */

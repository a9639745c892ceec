/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * driver.h - one interface over every KSM implementation ksmlab drives.
 *
 * A backend is a const struct of function pointers (struct
 * ksml_backend_ops); the driver (struct ksml_drv) holds one backend and its
 * private state.  Address spaces are small integers handed out by the
 * backend.  Every call returns 0 or a negative errno and, on error, leaves
 * a sentence in ksml_drv_error(d).
 *
 * Backends:
 *   ref   - ksm_core in this process (ksml.h/vmem.h), scanned in the caller
 *           with ksml_scan_full(): fully deterministic;
 *   linux - the host kernel's KSM: one worker process per address space,
 *           knobs in /sys/kernel/mm/ksm (saved and restored), per-process
 *           counters from /proc/PID/ksm_stat;
 *   kmod  - ksm_ref.ko through its char device (harness/backend_kmod.c).
 *
 * Scanning is lock-stepped: scan(d, n) returns once exactly n more full
 * scans have completed and nothing scans in between calls, so events
 * scheduled "at scan N" land on the same pass boundary on every backend.
 */
#ifndef KSML_DRIVER_H
#define KSML_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksml.h"

struct ksml_drv;

#define KSML_DRV_MAX_CTX 128

/* writes page idx (0-based) of a fill into page (4096 bytes) */
typedef void (*ksml_drv_gen_fn)(const void *ctx, unsigned long idx, void *page);

struct ksml_backend_ops {
	const char *name;
	int (*open)(struct ksml_drv *d);
	void (*close)(struct ksml_drv *d);
	/* knobs by sysfs name; values as text, as in sysfs */
	int (*knob_write)(struct ksml_drv *d, const char *name, const char *val);
	int (*knob_read)(struct ksml_drv *d, const char *name, char *buf,
			 size_t size);
	/*
	 * transparent huge pages for the run, called before the first
	 * mm_create: mode as /sys/kernel/mm/transparent_hugepage/enabled
	 * ("always", "madvise", "never"), defrag as .../defrag, both
	 * checked by ksml_drv_thp (a NULL defrag is "madvise").  Without
	 * this call no mapping gets a THP (the linux worker maps everything
	 * MADV_NOHUGEPAGE); with it, mappings follow the mode and the
	 * workload's MADV_HUGEPAGE / MADV_NOHUGEPAGE (madvise advice 14/15).
	 */
	int (*thp)(struct ksml_drv *d, const char *mode, const char *defrag);
	int (*mm_create)(struct ksml_drv *d, int *id);
	int (*mm_fork)(struct ksml_drv *d, int parent, int *child);
	int (*mm_exit)(struct ksml_drv *d, int id);
	/* anonymous mapping at a fixed address */
	int (*mmap)(struct ksml_drv *d, int id, unsigned long addr,
		    unsigned long len, bool shared);
	int (*munmap)(struct ksml_drv *d, int id, unsigned long addr,
		      unsigned long len);
	int (*write)(struct ksml_drv *d, int id, unsigned long addr,
		     const void *buf, size_t len);
	/*
	 * write npages pages at addr, page i produced by gen(ctx, i).  The
	 * ctx_size bytes at ctx are copied (at most KSML_DRV_MAX_CTX); what
	 * they point to must exist since before the first mm_create (the
	 * linux backend runs gen in its worker processes, forks of this one).
	 */
	int (*fill)(struct ksml_drv *d, int id, unsigned long addr,
		    unsigned long npages, ksml_drv_gen_fn gen, const void *ctx,
		    size_t ctx_size);
	int (*madvise)(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long len, int advice);
	int (*prctl_merge_any)(struct ksml_drv *d, int id, bool on);
	int (*pin)(struct ksml_drv *d, int id, unsigned long addr);
	int (*unpin)(struct ksml_drv *d, int id, unsigned long addr);
	/* place pages on NUMA node nid; -EOPNOTSUPP if the node is absent */
	int (*migrate)(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long npages, int nid);
	/* run exactly nr full scans; -EAGAIN if nothing can be scanned */
	int (*scan)(struct ksml_drv *d, unsigned long nr);
	int (*counters)(struct ksml_drv *d, struct ksml_counters *c);
	int (*mm_stat)(struct ksml_drv *d, int id, struct ksml_mm_stat *st);
	/* CPU time spent scanning so far (ns) */
	int (*cpu_ns)(struct ksml_drv *d, uint64_t *ns);
	/*
	 * What the kernel's own KSM selftests need beyond a workload's view
	 * (tests/selftests): mmap with KSML_DRV_MAP_* flags; writes that
	 * ignore the protections (/proc/PID/mem, FOLL_FORCE); the frame a
	 * page maps (pagemap: present and pfn, the oracle of "range maps
	 * duplicates"); PR_GET_MEMORY_MERGE (-EINVAL where unknown, as the
	 * prctl); exec (a fork whose child execs: a fresh space that keeps
	 * MERGE_ANY, MMF_INIT_MASK and ksm_execve; ref and kmod model it);
	 * userfaultfd write-protection of a range (linux only: -EOPNOTSUPP
	 * with a sentence where the kernel cannot, the model has none);
	 * other users of the same KSM (linux: host processes, not ours).
	 */
	int (*mmap_flags)(struct ksml_drv *d, int id, unsigned long addr,
			  unsigned long len, unsigned int flags);
	int (*write_force)(struct ksml_drv *d, int id, unsigned long addr,
			   const void *buf, size_t len);
	int (*page_info)(struct ksml_drv *d, int id, unsigned long addr,
			 bool *present, unsigned long *pfn);
	int (*prctl_get_merge_any)(struct ksml_drv *d, int id, int *on);
	int (*mm_exec)(struct ksml_drv *d, int parent, int *child);
	int (*uffd_wp)(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long len);
	int (*foreign_users)(struct ksml_drv *d, char *list, size_t size);
};

/* mmap_flags: a private anonymous mapping unless KSML_DRV_MAP_SHARED */
#define KSML_DRV_MAP_SHARED 0x1u
/*
 * PROT_NONE from the start, filled with write_force (ref and kmod: a
 * read-only mapping, vmem has no mprotect; neither can the test write it)
 */
#define KSML_DRV_MAP_PROT_NONE 0x2u
/* pages placed on node n (mbind MPOL_BIND; ref, kmod: the VMA's node) */
#define KSML_DRV_MAP_NODE(n)	    ((((unsigned int)(n) + 1u) & 0xffu) << 8)
#define KSML_DRV_MAP_NODE_OF(flags) ((int)(((flags) >> 8) & 0xffu) - 1)

struct ksml_drv_opts {
	int numa_nodes;	      /* ref: simulated nodes (0 = host's) */
	/*
	 * ref: emulate a kernel without these caps where behaviour differs:
	 * no KSML_CAP_SMART_SCAN runs with smart_scan=0, no
	 * KSML_CAP_FORK_RESETS_COUNTERS with fork_inherits_ksm_counters
	 */
	unsigned int emulate_missing;
	int profile;	      /* ref: enum ksml_profile (0 = faithful) */
	int lock_timeout_s;   /* linux: wait for the live-KSM lock */
	int wait_quiet_s;     /* linux: wait for other KSM users to leave */
	bool verbose;
};

struct ksml_drv {
	const struct ksml_backend_ops *ops;
	struct ksml_drv_opts opts;
	void *priv;
	char err[512];
	char notes[1024]; /* facts worth reporting (host KSM users, ...) */
	bool host_noise;  /* linux: other processes used KSM during the run */
	bool noise_ksmlab; /* ... and one was another ksmlab (same contents) */
	int waited_s;     /* linux: seconds spent in wait_quiet_s */
	unsigned int caps; /* enum ksml_cap: what this backend has */
	int nr_nodes;	   /* NUMA nodes pages can be placed on (>= 1) */
};

/*
 * What a KSM implementation reports or does that not every kernel has
 * (ksml_drv.caps).  ref has them all (it models 6.18); kmod all but
 * KSML_CAP_COW_KSM; the linux backend probes the running kernel
 * (ksml_linux_probe).  The oracle compares a value only where both sides
 * have it, and makes ref emulate the kernel where behaviour differs.
 */
enum ksml_cap {
	/* vmstat cow_ksm and the smaps KSM line (6.7) */
	KSML_CAP_COW_KSM = 1u << 0,
	/* the smart_scan knob (6.7); without it every page is read each pass */
	KSML_CAP_SMART_SCAN = 1u << 1,
	/* general_profit and ksm_stat's ksm_process_profit (6.4) */
	KSML_CAP_PROFIT = 1u << 2,
	/* the ksm_zero_pages counter and ksm_stat line (6.6) */
	KSML_CAP_ZERO_PAGES = 1u << 3,
	/* the pages_scanned counter (6.8) */
	KSML_CAP_PAGES_SCANNED = 1u << 4,
	/* prctl(PR_SET_MEMORY_MERGE) (6.4) */
	KSML_CAP_MERGE_ANY = 1u << 5,
	/* ksm_stat's ksm_merge_any and ksm_mergeable lines (6.14) */
	KSML_CAP_STAT_MERGE_ANY = 1u << 6,
	/*
	 * fork resets the child's ksm_merging_pages and ksm_rmap_items (6.18,
	 * "fix incorrect KSM counter handling in mm_struct during fork");
	 * without it ref runs with fork_inherits_ksm_counters
	 */
	KSML_CAP_FORK_RESETS_COUNTERS = 1u << 7,
	/* each space's AnonHugePages (smaps; the module's ABI from 1.2) */
	KSML_CAP_ANON_HUGE = 1u << 8,
	/*
	 * a page's checksum is looked at before the stable tree is searched
	 * for it (6.9, "don't waste time searching stable tree for fast
	 * changing page"); without it ref runs with stable_search_first
	 */
	KSML_CAP_CHECKSUM_FIRST = 1u << 9,
	/*
	 * a THP split maps its zero-filled subpages to the shared zero page
	 * (6.12, remap_page(RMP_USE_SHARED_ZEROPAGE)); without it ref runs
	 * with split_keeps_zero_subpages
	 */
	KSML_CAP_SPLIT_ZERO_REMAP = 1u << 10,
	/*
	 * a write fault copies a subpage of a large folio that is not marked
	 * exclusive even when the folio has no other reference (6.10, "don't
	 * reuse subpages of large folios"); without it (and without the
	 * next) ref runs with large_folio_wp KSML_LARGE_WP_SOLE_REF
	 */
	KSML_CAP_LARGE_WP_COPIES = 1u << 11,
	/*
	 * it reuses one when the folio's per-MM tracking says this mm maps
	 * it alone (6.15, CONFIG_MM_ID); without it, with the one above, ref
	 * runs with KSML_LARGE_WP_NEVER
	 */
	KSML_CAP_LARGE_WP_MM_ID = 1u << 12,
	KSML_CAP_ALL = (1u << 13) - 1,
};

/* "cow_ksm", "smart_scan", ... : the name of one cap bit */
const char *ksml_cap_name(unsigned int cap);

/*
 * The running kernel's caps, from what it shows: the files in
 * /sys/kernel/mm/ksm, /proc/self/ksm_stat's lines, vmstat and smaps,
 * whether PR_GET_MEMORY_MERGE is known, and (for the fork counters, which
 * nothing shows without a run) the release: 6.18 and later.  release
 * gets uname's release.  No lock, no knob written.
 */
unsigned int ksml_linux_probe(char *release, size_t size);

extern const struct ksml_backend_ops ksml_backend_ref;
extern const struct ksml_backend_ops ksml_backend_linux;
extern const struct ksml_backend_ops ksml_backend_kmod;

/* by name: "ref", "linux", "kmod"; NULL if unknown */
const struct ksml_backend_ops *ksml_backend_by_name(const char *name);

int ksml_drv_open(struct ksml_drv *d, const struct ksml_backend_ops *ops,
		  const struct ksml_drv_opts *opts);
void ksml_drv_close(struct ksml_drv *d);
const char *ksml_drv_error(const struct ksml_drv *d);
int ksml_drv_seterr(struct ksml_drv *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ksml_drv_note(struct ksml_drv *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A THP mode's name as vmem.h's KSML_THP_*, a defrag value's as its
 * place in the kernel's list (always, defer, defer+madvise, madvise,
 * never: the module's KSM_REF_THP_DEFRAG_*); -EINVAL for any other name
 */
int ksml_drv_thp_mode_of(const char *name);
int ksml_drv_thp_defrag_of(const char *name);
/* this process's CPU time in ns: what ref's and kmod's scans cost */
uint64_t ksml_drv_cpu_now(void);
/*
 * For the backends over the model (ref, kmod): the vmem.h flags of a
 * KSML_DRV_MAP_* request (anonymous, fixed), and the check of the mmap's
 * result: 0, or the error (ret, or -EFAULT if it mapped elsewhere) set
 * in the backend's name.
 */
unsigned int ksml_drv_model_map_flags(unsigned int flags);
int ksml_drv_model_mmap_result(struct ksml_drv *d, int ret, unsigned long addr,
			       unsigned long len, unsigned long out);

int ksml_drv_knob_write(struct ksml_drv *d, const char *name, const char *val);
int ksml_drv_knob_read(struct ksml_drv *d, const char *name, char *buf,
		       size_t size);
int ksml_drv_thp(struct ksml_drv *d, const char *mode, const char *defrag);
int ksml_drv_mm_create(struct ksml_drv *d, int *id);
int ksml_drv_mm_fork(struct ksml_drv *d, int parent, int *child);
int ksml_drv_mm_exit(struct ksml_drv *d, int id);
int ksml_drv_mmap(struct ksml_drv *d, int id, unsigned long addr,
		  unsigned long len, bool shared);
int ksml_drv_munmap(struct ksml_drv *d, int id, unsigned long addr,
		    unsigned long len);
int ksml_drv_write(struct ksml_drv *d, int id, unsigned long addr,
		   const void *buf, size_t len);
int ksml_drv_fill(struct ksml_drv *d, int id, unsigned long addr,
		  unsigned long npages, ksml_drv_gen_fn gen, const void *ctx,
		  size_t ctx_size);
/* the fill of a backend without its own: one ksml_drv_write per page */
int ksml_drv_fill_by_writes(struct ksml_drv *d, int id, unsigned long addr,
			    unsigned long npages, ksml_drv_gen_fn gen,
			    const void *ctx);
int ksml_drv_madvise(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len, int advice);
int ksml_drv_prctl_merge_any(struct ksml_drv *d, int id, bool on);
int ksml_drv_pin(struct ksml_drv *d, int id, unsigned long addr);
int ksml_drv_unpin(struct ksml_drv *d, int id, unsigned long addr);
int ksml_drv_migrate(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long npages, int nid);
int ksml_drv_scan(struct ksml_drv *d, unsigned long nr);
int ksml_drv_counters(struct ksml_drv *d, struct ksml_counters *c);
int ksml_drv_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st);
int ksml_drv_cpu_ns(struct ksml_drv *d, uint64_t *ns);
int ksml_drv_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long len, unsigned int flags);
int ksml_drv_write_force(struct ksml_drv *d, int id, unsigned long addr,
			 const void *buf, size_t len);
int ksml_drv_page_info(struct ksml_drv *d, int id, unsigned long addr,
		       bool *present, unsigned long *pfn);
int ksml_drv_prctl_get_merge_any(struct ksml_drv *d, int id, int *on);
int ksml_drv_mm_exec(struct ksml_drv *d, int parent, int *child);
int ksml_drv_uffd_wp(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len);
/* their number (0 where nobody else can use it), "pid/comm,..." in list */
int ksml_drv_foreign_users(struct ksml_drv *d, char *list, size_t size);

/*
 * Scan until converged: the deterministic counters (global, and
 * ksm_merging_pages of the spaces in ids[]) unchanged over at least
 * 2 more full scans.  *scans gets the number of scans run.  Returns 0,
 * -ETIMEDOUT after max_scans, or an error.
 */
int ksml_drv_wait_converged(struct ksml_drv *d, const int *ids, int nr_ids,
			    unsigned long max_scans, unsigned long *scans);

/* names and order of the deterministic counters the diff compares */
#define KSML_NR_DET 6
/* where ksml_det_values puts ksm_zero_pages (the others: shared, sharing,
 * unshared, chains, dups, in that order from 0) */
#define KSML_DET_ZERO_PAGES 5
extern const char *const ksml_det_names[KSML_NR_DET];
void ksml_det_values(const struct ksml_counters *c, long v[KSML_NR_DET]);

#endif /* KSML_DRIVER_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * st_backend.h - the small backend interface the selftest port runs on.
 *
 * The kernel's KSM selftests (ksm-spec §9) need more than the harness
 * driver offers: a pagemap oracle (which frame does each page map), writes
 * that ignore protections (/proc/self/mem), PROT_NONE ranges and
 * fork/exec of the tested process.  Each backend implements them:
 *
 *   ref   - ksm_core in this process (ksml.h/vmem.h), one fresh instance
 *           per case, scanned in the caller (ksml_scan_full);
 *   linux - this very process on the host's KSM: real mmap, madvise,
 *           prctl, fork and exec, /proc/self/pagemap and ksm_stat, ksmd
 *           waited for through full_scans (under the live-KSM lock, every
 *           knob saved and restored);
 *   kmod  - ksm_ref.ko through /dev/ksm_ref, whose ioctls mirror the core
 *           API one to one (skipped where the module is not loaded).
 *
 * An address space is an opaque handle; linux has only one, itself (and a
 * child process runs the child part of a fork test as its own "self").
 */
#ifndef KSML_ST_BACKEND_H
#define KSML_ST_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "ksml.h"

#define ST_PAGE 4096UL

enum st_result { ST_PASS = 0, ST_FAIL = 1, ST_SKIP = 2 };

struct st_be;

/* page idx of a fill, written into pg (ST_PAGE bytes) */
typedef void (*st_gen_fn)(unsigned long idx, unsigned char *pg, const void *arg);
/* the child side of a fork test; returns ST_* and a sentence in msg */
typedef int (*st_child_fn)(struct st_be *b, void *mm, char *msg, size_t msz);

struct st_be_ops {
	const char *name;
	/* 0, or a reason to skip the whole backend */
	int (*open)(struct st_be *b, char *why, size_t wsz);
	void (*close)(struct st_be *b);
	/*
	 * fresh KSM state for one case with at least nodes NUMA nodes:
	 * 0, or -EOPNOTSUPP with a reason (too few nodes)
	 */
	int (*reset)(struct st_be *b, int nodes, char *why, size_t wsz);
	/* sysfs-style: -errno of the store */
	int (*knob_write)(struct st_be *b, const char *k, const char *v);
	/* the raw text read ("value\n") or -errno */
	int (*knob_read)(struct st_be *b, const char *k, char *buf, size_t sz);
	int (*mm_new)(struct st_be *b, void **mm);
	void (*mm_put)(struct st_be *b, void *mm);
	/*
	 * map npages private anonymous pages (on node, -1 = any), fill them
	 * from gen, then make them PROT_NONE if asked (ref, kmod: a read-only
	 * mapping filled by forced writes)
	 */
	int (*map_fill)(struct st_be *b, void *mm, unsigned long npages, int node,
			bool prot_none, st_gen_fn gen, const void *arg,
			unsigned long *addr);
	int (*unmap)(struct st_be *b, void *mm, unsigned long addr,
		     unsigned long len);
	/* force: ignore protections (ptrace, /proc/PID/mem) */
	int (*write)(struct st_be *b, void *mm, unsigned long addr, const void *buf,
		     size_t len, bool force);
	/* advice: KSML_MADV_* (the same numbers as Linux's) */
	int (*madvise)(struct st_be *b, void *mm, unsigned long addr,
		       unsigned long len, int advice);
	int (*prctl_set)(struct st_be *b, void *mm, unsigned long v);
	/* >= 0 the value, or -errno */
	int (*prctl_get)(struct st_be *b, void *mm);
	/* the pagemap oracle: present, and the frame (pfn) */
	int (*page)(struct st_be *b, void *mm, unsigned long addr, bool *present,
		    unsigned long *pfn);
	int (*mm_stat)(struct st_be *b, void *mm, struct ksml_mm_stat *st);
	/*
	 * THP (ksm_tests -H; NULL where the backend cannot tell): map_thp maps
	 * len bytes (a multiple of 2 MiB) private anonymous, 2 MiB-aligned,
	 * MADV_HUGEPAGE, nothing written yet (the THP mode must allow it:
	 * linux sets madvise for the run if the host's is never); huge_kb
	 * gives the AnonHugePages kB of [addr, addr + len)
	 */
	int (*map_thp)(struct st_be *b, void *mm, unsigned long len,
		       unsigned long *addr);
	int (*huge_kb)(struct st_be *b, void *mm, unsigned long addr,
		       unsigned long len, unsigned long *kb);
	/* let KSM run (run=1 is the caller's) until full_scans >= target */
	int (*scan_until)(struct st_be *b, unsigned long target, double timeout_s);
	/*
	 * fork mm, run fn on the child, end the child; with exec, the child
	 * first execs (a fresh mm that keeps MERGE_ANY).  Returns ST_*.
	 */
	int (*child)(struct st_be *b, void *mm, st_child_fn fn, bool exec,
		     char *msg, size_t msz);
	/* host KSM users other than us: a list in buf, 0 if none */
	int (*foreign)(struct st_be *b, char *buf, size_t sz);
};

struct st_be {
	const struct st_be_ops *ops;
	void *priv;
	bool is_linux;
};

extern const struct st_be_ops ksml_st_ref_ops;
extern const struct st_be_ops ksml_st_linux_ops;
extern const struct st_be_ops ksml_st_kmod_ops;

/*
 * The exec'd child (linux): argv = { prog, ST_EXEC_CHILD_ARG, pipe fd,
 * function id, argument }; main() hands over to ksml_st_exec_child_main.
 * ksml_st_exec_fn_id() gives the id of a child function (-1 if it cannot
 * run after exec) and ksml_st_child_arg its argument.
 */
#define ST_EXEC_CHILD_ARG "ksm_fork_exec_child"
int ksml_st_exec_child_main(int pipe_fd, int fn_id, unsigned long arg);
int ksml_st_exec_fn_id(st_child_fn fn);
extern unsigned long ksml_st_child_arg;

#endif /* KSML_ST_BACKEND_H */

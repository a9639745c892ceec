/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_ref_client.h - the one userspace client of /dev/ksm_ref.
 *
 * ksmlab's kmod backend, the selftests' kmod column and the qemu guest's
 * ksmref_test all drive the module; each used to carry its own ioctl
 * wrapper and argument setup, and they drifted apart (one knew ABI 1.0's
 * shorter STATS, the others did not).  This is that code once.
 * ksm_ref_ioctl.h stays the contract; this is convenience over it.
 *
 * Header-only (static inline), plain C11 and libc: every build that
 * compiles a client (the harness, fuzz_diff's copy of it, the selftests
 * and their ASan build, the static guest program) gets it by the
 * include alone, with no object to add to each link.  The module never
 * includes it.
 *
 * Every call returns 0 (or the value it names) on success and -errno on
 * failure: the ioctl's errno, or -EINVAL for an argument that cannot be
 * passed at all (a knob name or value that does not fit the ABI's
 * field), as the module answers an oversized one.
 */
#ifndef KSM_REF_CLIENT_H
#define KSM_REF_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ksm_ref_ioctl.h"

struct ksml_ref {
	int fd; /* -1 when closed */
	/* the module's, as KSM_REF_IOC_VERSION gave it at open (0s if not) */
	struct ksm_ref_version version;
};

/* any ioctl's argument, or a fuzzer's bytes passed as they are */
union ksml_ref_arg {
	union ksm_ref_arg arg;
	unsigned char raw[512];
};

/*
 * Open KSM_REF_DEV and ask its version: -errno of open(2) only.  A module
 * that refuses VERSION leaves version zeroed, which ksml_ref_abi_ok
 * refuses: whether to go on is the caller's choice.
 */
static inline int ksml_ref_open(struct ksml_ref *r)
{
	memset(&r->version, 0, sizeof(r->version));
	r->fd = open(KSM_REF_DEV, O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ioctl(r->fd, KSM_REF_IOC_VERSION, &r->version))
		memset(&r->version, 0, sizeof(r->version));
	return 0;
}

/* the module's ABI major is this client's (ksm_ref_ioctl.h's versioning) */
static inline bool ksml_ref_abi_ok(const struct ksml_ref *r)
{
	return (r->version.abi_version >> 16) == KSM_REF_ABI_MAJOR;
}

/* the module's ABI minor (0 if VERSION failed): what it answers */
static inline unsigned int ksml_ref_abi_minor(const struct ksml_ref *r)
{
	return r->version.abi_version & 0xffff;
}

/* closing exits every address space the file created */
static inline void ksml_ref_close(struct ksml_ref *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* any ioctl as it is: for the malformed calls tests make on purpose */
static inline int ksml_ref_ioctl(const struct ksml_ref *r, unsigned long cmd,
				 void *arg)
{
	return ioctl(r->fd, cmd, arg) < 0 ? -errno : 0;
}

/* ---------------------------------------- address spaces: an id (> 0) */

static inline int ksml_ref_mm_create(const struct ksml_ref *r)
{
	struct ksm_ref_mm m = {0};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_MM_CREATE, &m);

	return err ? err : (int)m.mm;
}

static inline int ksml_ref_mm_fork(const struct ksml_ref *r, unsigned int mm)
{
	struct ksm_ref_mm m = {.mm = mm};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_MM_FORK, &m);

	return err ? err : (int)m.child;
}

static inline int ksml_ref_mm_exit(const struct ksml_ref *r, unsigned int mm)
{
	struct ksm_ref_mm m = {.mm = mm};

	return ksml_ref_ioctl(r, KSM_REF_IOC_MM_EXIT, &m);
}

/* flags are vmem.h's KSML_MAP_*; out_addr (may be NULL) gets the start */
static inline int ksml_ref_mmap(const struct ksml_ref *r, unsigned int mm,
				unsigned long addr, unsigned long len,
				unsigned int flags, unsigned long *out_addr)
{
	struct ksm_ref_map m = {
		.mm = mm, .flags = flags, .addr = addr, .len = len};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_MMAP, &m);

	if (!err && out_addr)
		*out_addr = (unsigned long)m.out_addr;
	return err;
}

static inline int ksml_ref_munmap(const struct ksml_ref *r, unsigned int mm,
				  unsigned long addr, unsigned long len)
{
	struct ksm_ref_map m = {.mm = mm, .addr = addr, .len = len};

	return ksml_ref_ioctl(r, KSM_REF_IOC_MUNMAP, &m);
}

/* one call each, not split: len is the module's to judge (KSM_REF_MAX_RW) */
static inline int ksml_ref_write(const struct ksml_ref *r, unsigned int mm,
				 unsigned long addr, const void *buf,
				 size_t len, unsigned int flags)
{
	struct ksm_ref_rw rw = {.mm = mm,
				.flags = flags,
				.addr = addr,
				.len = len,
				.buf = (uintptr_t)buf};

	return ksml_ref_ioctl(r, KSM_REF_IOC_WRITE, &rw);
}

static inline int ksml_ref_read(const struct ksml_ref *r, unsigned int mm,
				unsigned long addr, void *buf, size_t len)
{
	struct ksm_ref_rw rw = {
		.mm = mm, .addr = addr, .len = len, .buf = (uintptr_t)buf};

	return ksml_ref_ioctl(r, KSM_REF_IOC_READ, &rw);
}

/* advice is vmem.h's KSML_MADV_* */
static inline int ksml_ref_madvise(const struct ksml_ref *r, unsigned int mm,
				   unsigned long addr, unsigned long len,
				   int advice)
{
	struct ksm_ref_madvise m = {
		.mm = mm, .advice = advice, .addr = addr, .len = len};

	return ksml_ref_ioctl(r, KSM_REF_IOC_MADVISE, &m);
}

/* PR_SET_MEMORY_MERGE(arg) */
static inline int ksml_ref_prctl_set(const struct ksml_ref *r, unsigned int mm,
				     unsigned long arg)
{
	struct ksm_ref_prctl p = {.mm = mm, .set = 1, .arg = arg};

	return ksml_ref_ioctl(r, KSM_REF_IOC_PRCTL, &p);
}

/* PR_GET_MEMORY_MERGE: its result (>= 0) */
static inline int ksml_ref_prctl_get(const struct ksml_ref *r, unsigned int mm)
{
	struct ksm_ref_prctl p = {.mm = mm};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_PRCTL, &p);

	return err ? err : (int)p.result;
}

/* cmd: KSM_REF_IOC_PIN, _UNPIN (nid 0) or _MIGRATE (to nid) */
static inline int ksml_ref_page(const struct ksml_ref *r, unsigned long cmd,
				unsigned int mm, unsigned long addr, int nid)
{
	struct ksm_ref_page p = {.mm = mm, .nid = nid, .addr = addr};

	return ksml_ref_ioctl(r, cmd, &p);
}

static inline int ksml_ref_page_info(const struct ksml_ref *r, unsigned int mm,
				     unsigned long addr,
				     struct ksm_ref_page_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->mm = mm;
	pi->addr = addr;
	return ksml_ref_ioctl(r, KSM_REF_IOC_PAGE_INFO, pi);
}

/* a module before ABI 1.2 answers only the shorter MM_STAT: anon_huge_kb 0 */
static inline int ksml_ref_mm_stat(const struct ksml_ref *r, unsigned int mm,
				   struct ksm_ref_mm_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->mm = mm;
	return ksml_ref_ioctl(r,
			      ksml_ref_abi_minor(r) >= 2
				      ? KSM_REF_IOC_MM_STAT
				      : KSM_REF_IOC_MM_STAT_1_1,
			      st);
}

/* ------------------------------------------------------- the instance */

/* an ABI 1.0 module answers only the shorter STATS: the rest stays 0 */
static inline int ksml_ref_counters(const struct ksml_ref *r,
				    struct ksm_ref_counters *c)
{
	memset(c, 0, sizeof(*c));
	return ksml_ref_ioctl(r,
			      ksml_ref_abi_minor(r) ? KSM_REF_IOC_STATS
						    : KSM_REF_IOC_STATS_1_0,
			      c);
}

/* the instance's THP mode and defrag (numbers as the ABI's) */
static inline int ksml_ref_thp_set(const struct ksml_ref *r, int mode,
				   int defrag)
{
	struct ksm_ref_thp t = {.set = 1, .mode = mode, .defrag = defrag};

	return ksml_ref_ioctl(r, KSM_REF_IOC_THP, &t);
}

static inline int ksml_ref_thp_get(const struct ksml_ref *r, int *mode,
				   int *defrag)
{
	struct ksm_ref_thp t = {0};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_THP, &t);

	if (!err) {
		*mode = t.mode;
		*defrag = t.defrag;
	}
	return err;
}

static inline int ksml_ref_plat(const struct ksml_ref *r,
				struct ksm_ref_plat *p)
{
	memset(p, 0, sizeof(*p));
	return ksml_ref_ioctl(r, KSM_REF_IOC_PLAT, p);
}

/* the invariant check's result (0 or -EINVAL), its message in msg */
static inline int ksml_ref_check(const struct ksml_ref *r, char *msg,
				 size_t size)
{
	struct ksm_ref_check c;
	int err;

	memset(&c, 0, sizeof(c));
	/* a breach fails the call and still fills result and msg */
	err = ksml_ref_ioctl(r, KSM_REF_IOC_CHECK, &c);
	if (err && c.result == 0)
		c.result = err;
	snprintf(msg, size, "%s", c.msg);
	return c.result;
}

/* arm (n > 0: the n-th allocation/step from now fails) or disarm (0) */
static inline int ksml_ref_fail_nth(const struct ksml_ref *r, long long n)
{
	__s64 v = n;

	return ksml_ref_ioctl(r, KSM_REF_IOC_FAIL_NTH, &v);
}

/* the ABI's fields are NUL-terminated: what does not fit cannot go */
static inline int ksml_ref_knob_arg(struct ksm_ref_knob *k, const char *name,
				    const char *value)
{
	memset(k, 0, sizeof(*k));
	if (strlen(name) >= sizeof(k->name) ||
	    (value && strlen(value) >= sizeof(k->value)))
		return -EINVAL;
	strcpy(k->name, name);
	if (value)
		strcpy(k->value, value);
	return 0;
}

/* one knob's sysfs text as the module shows it; the length buf holds */
static inline int ksml_ref_knob_read(const struct ksml_ref *r, const char *name,
				     char *buf, size_t size)
{
	struct ksm_ref_knob k;
	int err = ksml_ref_knob_arg(&k, name, NULL);

	err = err ? err : ksml_ref_ioctl(r, KSM_REF_IOC_KNOB_READ, &k);
	if (err)
		return err;
	snprintf(buf, size, "%s", k.value);
	return size ? (int)strlen(buf) : 0;
}

static inline int ksml_ref_knob_write(const struct ksml_ref *r,
				      const char *name, const char *value)
{
	struct ksm_ref_knob k;
	int err = ksml_ref_knob_arg(&k, name, value);

	return err ? err : ksml_ref_ioctl(r, KSM_REF_IOC_KNOB_WRITE, &k);
}

/* KSM_REF_IOC_SCAN: pages handed to the merge in *result (may be NULL) */
static inline int ksml_ref_scan(const struct ksml_ref *r,
				unsigned long nr_pages, unsigned long *result)
{
	struct ksm_ref_scan s = {.nr_pages = nr_pages};
	int err = ksml_ref_ioctl(r, KSM_REF_IOC_SCAN, &s);

	if (!err && result)
		*result = (unsigned long)s.result;
	return err;
}

/* KSM_REF_IOC_SCAN_FULL (max_batches 0: the module's limit) */
static inline int ksml_ref_scan_full(const struct ksml_ref *r,
				     unsigned long nr_scans,
				     unsigned long max_batches)
{
	struct ksm_ref_scan s = {.nr_scans = nr_scans,
				 .max_batches = max_batches};

	return ksml_ref_ioctl(r, KSM_REF_IOC_SCAN_FULL, &s);
}

#endif /* KSM_REF_CLIENT_H */

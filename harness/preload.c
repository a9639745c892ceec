/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * preload.c - libksm_preload.so: KSM for an unmodified program's memory,
 * the way Android's bionic does it in its mmap wrapper: after every
 * successful mmap whose flags have MAP_PRIVATE or MAP_ANONYMOUS, call
 * madvise(MADV_MERGEABLE) on the new range, unless an earlier madvise
 * failed with EINVAL (kernel without KSM): then never again.  errno is
 * preserved, so the program sees exactly what mmap returned.
 *
 * Limits (as on bionic): only calls that go through the mmap/mmap64
 * symbols are seen.  glibc's malloc maps memory with an internal alias
 * and brk, so most of a glibc program's heap is not covered; use
 * `ksmlab exec --mode prctl` (PR_SET_MEMORY_MERGE) for that.
 *
 * The exported names mmap and mmap64 are the interposed libc symbols
 * (the one exception to the ksml_ prefix rule).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif

/* "kernel has MADV_MERGEABLE": cleared for good on the first EINVAL */
static int kernel_has_madv_mergeable = 1;
static unsigned long nr_advised, bytes_advised;

static void after_map(void *p, size_t len, int flags)
{
	int saved = errno;

	if (p != MAP_FAILED && (flags & (MAP_PRIVATE | MAP_ANONYMOUS)) != 0 &&
	    __atomic_load_n(&kernel_has_madv_mergeable, __ATOMIC_RELAXED)) {
		if (madvise(p, len, MADV_MERGEABLE) == -1) {
			if (errno == EINVAL)
				__atomic_store_n(&kernel_has_madv_mergeable, 0,
						 __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&nr_advised, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&bytes_advised, len, __ATOMIC_RELAXED);
		}
	}
	errno = saved;
}

/* the raw system call: no dlsym, so no recursion through malloc */
static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = sys_mmap(addr, len, prot, flags, fd, off);

	after_map(p, len, flags);
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = sys_mmap(addr, len, prot, flags, fd, off);

	after_map(p, len, flags);
	return p;
}

__attribute__((destructor)) static void report(void)
{
	const char *v = getenv("KSMLAB_PRELOAD_VERBOSE");

	if (v && *v == '1')
		fprintf(stderr,
			"libksm_preload: %lu mappings (%lu KiB) advised MADV_MERGEABLE%s\n",
			nr_advised, bytes_advised >> 10,
			kernel_has_madv_mergeable ? "" :
						    " (kernel refused: EINVAL)");
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_platform.h - the one boundary between ksm_core and the world.
 *
 * ksm_core includes nothing but its own headers and this file.  Each
 * section below opens with a "Need:" list: that list is the contract a
 * platform must fulfil.  Three platforms implement it:
 *
 *   KSML_PLATFORM_USER    (default)  platform/user:   libc, pthreads, libnuma
 *   KSML_PLATFORM_KERNEL             platform/kernel: kmem_cache, mutex, kthread
 *   KSML_PLATFORM_SIM                platform/sim:    cooperative scheduler whose
 *                                    every lock/sleep/wake is a yield point
 *   KSML_PLATFORM_FREESTANDING       no implementation: prototypes only; used by
 *                                    the `nm` check that proves the core needs
 *                                    nothing beyond the symbols declared here.
 *
 * Compile-time primitives (types, locks, allocation, page access, tree) are
 * functions declared here; what tests must control at run time (clock,
 * CPU time, page frames and their NUMA node) is the const ops struct
 * struct ksml_platform_ops, chosen per instance.
 */
#ifndef KSM_PLATFORM_H
#define KSM_PLATFORM_H

#if defined(KSML_PLATFORM_KERNEL) + defined(KSML_PLATFORM_SIM) + \
	defined(KSML_PLATFORM_FREESTANDING) > 1
#error "at most one KSML_PLATFORM_* may be defined"
#endif
#if !defined(KSML_PLATFORM_KERNEL) && !defined(KSML_PLATFORM_SIM) && \
	!defined(KSML_PLATFORM_FREESTANDING)
#define KSML_PLATFORM_USER 1
#endif

/* ------------------------------------------------------------------ types
 * Need: uint8_t..uint64_t, int32_t, int64_t, size_t, uintptr_t, bool,
 *       true/false, NULL, the errno values the core returns.
 */
#if defined(KSML_PLATFORM_KERNEL)
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#elif defined(KSML_PLATFORM_FREESTANDING)
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __SIZE_TYPE__ size_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#endif

#if !defined(KSML_PLATFORM_KERNEL)
/* Linux's values: the core's errors are the kernel's errors on every platform. */
#define KSML_EPERM 1
#define KSML_ENOENT 2
#define KSML_EINTR 4
#define KSML_EAGAIN 11
#define KSML_ENOMEM 12
#define KSML_EACCES 13
#define KSML_EFAULT 14
#define KSML_EBUSY 16
#define KSML_EEXIST 17
#define KSML_ENODEV 19
#define KSML_EINVAL 22
#define KSML_ENOSPC 28
#define KSML_ERANGE 34
#define KSML_ENOTSUP 95
#else
#define KSML_EPERM EPERM
#define KSML_ENOENT ENOENT
#define KSML_EINTR EINTR
#define KSML_EAGAIN EAGAIN
#define KSML_ENOMEM ENOMEM
#define KSML_EACCES EACCES
#define KSML_EFAULT EFAULT
#define KSML_EBUSY EBUSY
#define KSML_EEXIST EEXIST
#define KSML_ENODEV ENODEV
#define KSML_EINVAL EINVAL
#define KSML_ENOSPC ENOSPC
#define KSML_ERANGE ERANGE
#define KSML_ENOTSUP EOPNOTSUPP
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define KSML_PAGE_SHIFT 12
#define KSML_PAGE_SIZE (1UL << KSML_PAGE_SHIFT)
#define KSML_PAGE_MASK (~(KSML_PAGE_SIZE - 1))

/* ---------------------------------------------------------------- atomics
 * Need: nothing from the platform: gcc/clang __atomic builtins exist in the
 * kernel, in userspace and freestanding, and compile to plain instructions
 * for 4- and 8-byte operands on every target we build for.
 */
/*
 * On the sim platform every atomic store and read-modify-write is a
 * scheduling point, taken even under a spinlock: on SMP another CPU runs
 * while a spinlock is held, and a lock-free reference (the keyhole get of
 * a frame) can land between a lock holder's check and its store.  Without
 * these points the sim could only switch at locks, so it never put a
 * lockless step inside another thread's spinlocked section.
 */
#if defined(KSML_PLATFORM_SIM)
void ksml_plat_atomic_point(const void *p);
#define KSML_ATOMIC_POINT(p) ksml_plat_atomic_point(p)
#else
#define KSML_ATOMIC_POINT(p) ((void)0)
#endif
#define KSML_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define KSML_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ksml_atomic_read(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ksml_atomic_set(p, v)                                                  \
	(KSML_ATOMIC_POINT(p), __atomic_store_n((p), (v), __ATOMIC_RELEASE))
#define ksml_atomic_add(p, v)                                                  \
	(KSML_ATOMIC_POINT(p), __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL))
#define ksml_atomic_sub(p, v)                                                  \
	(KSML_ATOMIC_POINT(p), __atomic_sub_fetch((p), (v), __ATOMIC_ACQ_REL))
#define ksml_smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/*
 * Counters written by one side under a lock and read locklessly by others
 * (sysfs, ksm_stat): WRITE_ONCE(x, x + v), no locked instruction needed.
 */
#define KSML_COUNTER_ADD(x, v) \
	__atomic_store_n(&(x), __atomic_load_n(&(x), __ATOMIC_RELAXED) + (v), \
			 __ATOMIC_RELAXED)

/* atomic increment unless the value is zero: the keyhole get of a frame */
static inline bool ksml_atomic_inc_not_zero(long *p)
{
	long v;

	KSML_ATOMIC_POINT(p);
	v = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v != 0) {
		if (__atomic_compare_exchange_n(p, &v, v + 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* a one-bit lock (the folio lock): try, or spin with ksml_plat_yield() */
static inline bool ksml_bit_trylock(uint32_t *word)
{
	return (__atomic_fetch_or(word, 1u, __ATOMIC_ACQUIRE) & 1u) == 0;
}

static inline void ksml_bit_unlock(uint32_t *word)
{
	__atomic_fetch_and(word, ~1u, __ATOMIC_RELEASE);
}

/* ----------------------------------------------------------------- locks
 * Need: struct ksml_spinlock, struct ksml_mutex, struct ksml_rwsem (types
 * the core embeds), their init/destroy, lock/unlock, rwsem read/write,
 * and ksml_plat_yield() (cond_resched: a scheduling point that may return
 * at once).  A spinlock holder must not sleep (the sim platform checks).
 */
#if defined(KSML_PLATFORM_KERNEL)
#include "platform/kernel/ksm_platform_kernel.h"
#elif defined(KSML_PLATFORM_SIM)
#include "platform/sim/ksm_platform_sim.h"
#elif defined(KSML_PLATFORM_USER)
#include "platform/user/ksm_platform_user.h"
#else
/* freestanding: opaque storage large enough for any platform's lock */
struct ksml_spinlock {
	_Alignas(8) unsigned char opaque[64];
};
struct ksml_mutex {
	_Alignas(8) unsigned char opaque[64];
};
struct ksml_rwsem {
	_Alignas(8) unsigned char opaque[64];
};
struct ksml_waitq {
	_Alignas(8) unsigned char opaque[128];
};
#endif

#if !defined(KSML_PLATFORM_KERNEL)
/* the tree primitive: same layout and semantics as <linux/rbtree.h> */
struct ksml_rb_node {
	unsigned long __rb_parent_color;
	struct ksml_rb_node *rb_right;
	struct ksml_rb_node *rb_left;
};
struct ksml_rb_root {
	struct ksml_rb_node *rb_node;
};
#endif

/*
 * Lock classes, as the kernel's lockdep has them: the locks initialised at
 * one call site of ksml_plat_*_init form one class (spin_lock_init and
 * mutex_init are macros with a static key per site).  Two locks of one
 * class held together need an annotation: ksml_plat_spin_lock_nested for
 * a second one (the kernel's SINGLE_DEPTH_NESTING: fork's child PTL), or
 * ksml_plat_spin_lock_nest for any number taken under one mutex that
 * serialises everyone who takes several (mm_take_all_locks' nest_lock).
 * The kernel platform feeds these to lockdep, the sim platform checks
 * them, the user platform ignores them.
 */
struct ksml_lock_key {
	unsigned long long opaque[2]; /* 16 bytes, 8-aligned; also C++ */
};
#define KSML_LOCK_INIT_(fn, l)                                                 \
	do {                                                                   \
		static struct ksml_lock_key ksml_lock_key_;                    \
		fn((l), #l, &ksml_lock_key_);                                  \
	} while (0)
#define ksml_plat_spin_init(l)	  KSML_LOCK_INIT_(ksml_plat_spin_init_key, l)
#define ksml_plat_mutex_init(m)	  KSML_LOCK_INIT_(ksml_plat_mutex_init_key, m)
#define ksml_plat_rwsem_init(s)	  KSML_LOCK_INIT_(ksml_plat_rwsem_init_key, s)
#define KSML_SINGLE_DEPTH_NESTING 1

void ksml_plat_spin_init_key(struct ksml_spinlock *l, const char *name,
			     struct ksml_lock_key *key);
void ksml_plat_spin_destroy(struct ksml_spinlock *l);
void ksml_plat_spin_lock(struct ksml_spinlock *l);
void ksml_plat_spin_lock_nested(struct ksml_spinlock *l, unsigned int subclass);
void ksml_plat_spin_lock_nest(struct ksml_spinlock *l,
			      struct ksml_mutex *outer);
void ksml_plat_spin_unlock(struct ksml_spinlock *l);
void ksml_plat_mutex_init_key(struct ksml_mutex *m, const char *name,
			      struct ksml_lock_key *key);
void ksml_plat_mutex_destroy(struct ksml_mutex *m);
void ksml_plat_mutex_lock(struct ksml_mutex *m);
void ksml_plat_mutex_unlock(struct ksml_mutex *m);
void ksml_plat_rwsem_init_key(struct ksml_rwsem *s, const char *name,
			      struct ksml_lock_key *key);
void ksml_plat_rwsem_destroy(struct ksml_rwsem *s);
void ksml_plat_down_read(struct ksml_rwsem *s);
void ksml_plat_up_read(struct ksml_rwsem *s);
void ksml_plat_down_write(struct ksml_rwsem *s);
void ksml_plat_up_write(struct ksml_rwsem *s);
void ksml_plat_yield(void);

/* ------------------------------------------------------ wait/wake, thread
 * Need: a wait queue on which a thread sleeps until a condition holds or
 * a timeout passes (the condition is re-checked after every wake; the wait
 * may return early for any reason, callers loop), wake-all, and a thread
 * that can be started by name and stopped (stop wakes the given queues so
 * a sleeper notices, then waits for the thread to return).
 * timeout_ms < 0 means no timeout.  Returns true if cond held.
 */
struct ksml_thread;
void ksml_plat_waitq_init(struct ksml_waitq *wq);
void ksml_plat_waitq_destroy(struct ksml_waitq *wq);
bool ksml_plat_wait_event(struct ksml_waitq *wq, bool (*cond)(void *arg),
			  void *arg, long timeout_ms);
void ksml_plat_wake_up(struct ksml_waitq *wq);
int ksml_plat_thread_start(struct ksml_thread **out, int (*fn)(void *arg),
			   void *arg, const char *name);
bool ksml_plat_thread_should_stop(void);
void ksml_plat_thread_stop(struct ksml_thread *t, struct ksml_waitq *const *wqs,
			   int nr_wqs);

/* ----------------------------------------------------------- allocation
 * Need: zeroing allocation and free, object caches (kmem_cache), and a
 * failure-injection hook shared by every allocation, thread start and
 * registration step: ksml_plat_fail_nth(n) makes the n-th such step from
 * now fail (n = 0 disarms); ksml_plat_live_allocs() counts outstanding
 * allocations for leak checks.
 */
struct ksml_cache;
void *ksml_plat_zalloc(size_t size);
void ksml_plat_free(void *p);
struct ksml_cache *ksml_plat_cache_create(const char *name, size_t size);
void ksml_plat_cache_destroy(struct ksml_cache *c);
void *ksml_plat_cache_zalloc(struct ksml_cache *c);
void ksml_plat_cache_free(struct ksml_cache *c, void *p);
bool ksml_plat_should_fail(void);
void ksml_plat_fail_nth(long n);
long ksml_plat_live_allocs(void);

/* ------------------------------------------------------------ page access
 * Need: map a page handle to a pointer for the duration of an access
 * (kmap_local), compare, copy, fill, and the page checksum the kernel uses
 * (low 32 bits of XXH64, seed 0, over PAGE_SIZE bytes).  Page contents are
 * read while other threads may write them (as ksmd does): these helpers
 * are the only place that happens.
 */
void *ksml_plat_page_map(void *page);
void ksml_plat_page_unmap(void *addr);
/*
 * A hint that the page's first bytes will be read soon (prefetch).  It
 * never faults and reads nothing, so a stale handle is harmless: what
 * is decided is decided after a real map.
 */
#if defined(KSML_PLATFORM_SIM)
static inline void ksml_plat_page_prefetch(void *page)
{
	(void)page;
}
#else
void ksml_plat_page_prefetch(void *page);
#endif
int ksml_plat_page_cmp(const void *a, const void *b);
void ksml_plat_page_copy(void *dst, const void *src);
void ksml_plat_mem_copy(void *dst, const void *src, size_t len);
void ksml_plat_mem_set(void *dst, int c, size_t len);
uint32_t ksml_plat_page_checksum(const void *addr);
/*
 * The full 64-bit page hash: XXH64 (seed 0; its low 32 bits are the
 * kernel's checksum), or with fast XXH3-64.  The hash index keys its
 * table with it: 32 bits collide among 64Ki pages half the time.
 * Platforms without it fall back to the 32-bit checksum; the kernel's
 * has XXH64 but no XXH3, so "fast" is XXH64 there too.
 */
#if defined(KSML_PLATFORM_SIM)
static inline uint64_t ksml_plat_page_hash64(const void *addr, bool fast)
{
	(void)fast;
	return ksml_plat_page_checksum(addr);
}
#else
uint64_t ksml_plat_page_hash64(const void *addr, bool fast);
#endif

/* ------------------------------------------------------------------- tree
 * Need: a red-black tree with the kernel's <linux/rbtree.h> semantics.
 */
void ksml_rb_insert_color(struct ksml_rb_node *node, struct ksml_rb_root *root);
void ksml_rb_erase(struct ksml_rb_node *node, struct ksml_rb_root *root);
void ksml_rb_replace_node(struct ksml_rb_node *victim, struct ksml_rb_node *new_node,
			  struct ksml_rb_root *root);
struct ksml_rb_node *ksml_rb_first(const struct ksml_rb_root *root);
struct ksml_rb_node *ksml_rb_next(const struct ksml_rb_node *node);

static inline void ksml_rb_link_node(struct ksml_rb_node *node,
				     struct ksml_rb_node *parent,
				     struct ksml_rb_node **rb_link)
{
	node->__rb_parent_color = (unsigned long)parent;
	node->rb_left = node->rb_right = NULL;
	*rb_link = node;
}

#define KSML_RB_ROOT_INIT { NULL }
#define ksml_rb_entry(ptr, type, member) ksml_container_of(ptr, type, member)
#define ksml_rb_parent(r) ((struct ksml_rb_node *)((r)->__rb_parent_color & ~3UL))
#define KSML_RB_CLEAR_NODE(node) \
	((node)->__rb_parent_color = (unsigned long)(node))
#define KSML_RB_EMPTY_NODE(node) \
	((node)->__rb_parent_color == (unsigned long)(node))

/* a switch case that falls through on purpose (-Wimplicit-fallthrough=5) */
#if defined(__has_attribute)
#if __has_attribute(__fallthrough__)
#define ksml_fallthrough __attribute__((__fallthrough__))
#endif
#endif
#ifndef ksml_fallthrough
#define ksml_fallthrough do { } while (0)
#endif

#define ksml_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* ---------------------------------------------------------------- logging
 * Need: a printf-like log with a level; KSML_WARN_ON counts warnings so
 * harnesses and fuzzers fail on any, even when nothing crashed.
 */
enum ksml_log_level { KSML_LOG_ERR, KSML_LOG_WARN, KSML_LOG_INFO, KSML_LOG_DEBUG };
void ksml_plat_log(enum ksml_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ksml_plat_warn(const char *file, int line, const char *cond);
long ksml_plat_warn_count(void);

static inline bool ksml_warn_on_(bool w, const char *file, int line,
				 const char *cond)
{
	if (__builtin_expect(w, 0))
		ksml_plat_warn(file, line, cond);
	return w;
}
#define KSML_WARN_ON(cond) ksml_warn_on_(!!(cond), __FILE__, __LINE__, #cond)

/* ----------------------------------------------------------- registration
 * Need: publish an instance's knob group (sysfs /sys/kernel/mm/ksm_ref in
 * the kernel; a registry in userspace) and hook memory hot-remove.  Both
 * may fail, and count as failure-injection steps.
 */
struct ksml;
int ksml_plat_knobs_register(struct ksml *ksm);
void ksml_plat_knobs_unregister(struct ksml *ksm);
int ksml_plat_hotplug_register(struct ksml *ksm);
void ksml_plat_hotplug_unregister(struct ksml *ksm);

/* ------------------------------------------------------------ run-time ops
 * What tests must control at run time.  Each instance holds a pointer to
 * a const ops struct; platforms provide a default (ksml_plat_default_ops).
 */
struct ksml_platform_ops {
	/* monotonic clock in nanoseconds; drives jiffies and the advisor */
	uint64_t (*clock_ns)(void *ctx);
	/* CPU time consumed by the calling thread (ksmd), nanoseconds */
	uint64_t (*thread_cpu_ns)(void *ctx);
	/* number of NUMA node ids frames may carry (>= 1) */
	int (*nr_node_ids)(void *ctx);
	/*
	 * allocate one page of memory on node nid; returns an opaque handle
	 * for ksml_plat_page_map(), or NULL.  May place the memory on
	 * another node when the host has fewer nodes (a simulated id).
	 */
	void *(*page_alloc)(void *ctx, int nid);
	void (*page_free)(void *ctx, void *page);
	void *ctx;
};

const struct ksml_platform_ops *ksml_plat_default_ops(void);

#ifdef __cplusplus
}
#endif

#endif /* KSM_PLATFORM_H */

// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * platform_kernel.c - the platform contract of ksm_platform.h implemented
 * with kernel primitives, for ksm_ref.ko.
 *
 * Locks and wait queues live in the opaque storage of
 * ksm_platform_kernel.h (checked below); allocations are kvzalloc and
 * kmem_cache objects behind the shared failure-injection hook; threads are
 * kthreads; frames are alloc_pages_node pages mapped with kmap_local_page;
 * the tree is <linux/rbtree.h>; the checksum is xxh64.
 */
#define pr_fmt(fmt) "ksm_ref: " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/freezer.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/prefetch.h>
#include <linux/printk.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/xxhash.h>

#include "ksm_platform.h"
#include "ksm_platform_kernel_priv.h"

/*
 * Failure injection and the counters are plat_common.h's, over these;
 * the counters are ksml_kplat's, which the module's ioctl and load log
 * also read.  No registration list: the knobs are a sysfs group and
 * hotplug a memory notifier (ksm_ref_main.c).
 */
typedef atomic_long_t plat_counter_t;
#define PLAT_COUNTER_READ(c)   atomic_long_read(&(c))
#define PLAT_COUNTER_SET(c, v) atomic_long_set(&(c), (v))
#define PLAT_COUNTER_INC(c)    atomic_long_inc(&(c))
#define PLAT_COUNTER_DEC(c)    atomic_long_dec(&(c))
#define PLAT_COUNTER_TRY_CMPXCHG(c, oldp, v)                                   \
	atomic_long_try_cmpxchg(&(c), (oldp), (v))
#define PLAT_BOOKS ksml_kplat

#include "../plat_common.h"

/* ------------------------------------------------- storage of the types */

#define KSML_FITS(kt, ot)                                                      \
	static_assert(sizeof(kt) <= sizeof(ot) &&                              \
			      __alignof__(kt) <= __alignof__(ot),              \
		      #kt " does not fit in " #ot)
KSML_FITS(spinlock_t, struct ksml_spinlock);
KSML_FITS(struct mutex, struct ksml_mutex);
KSML_FITS(struct rw_semaphore, struct ksml_rwsem);
KSML_FITS(wait_queue_head_t, struct ksml_waitq);
KSML_FITS(struct lock_class_key, struct ksml_lock_key);
#define KKEY(k) ((struct lock_class_key *)(k))

static_assert(sizeof(struct ksml_rb_node) == sizeof(struct rb_node));
static_assert(offsetof(struct ksml_rb_node, __rb_parent_color) ==
	      offsetof(struct rb_node, __rb_parent_color));
static_assert(offsetof(struct ksml_rb_node, rb_right) ==
	      offsetof(struct rb_node, rb_right));
static_assert(offsetof(struct ksml_rb_node, rb_left) ==
	      offsetof(struct rb_node, rb_left));
static_assert(sizeof(struct ksml_rb_root) == sizeof(struct rb_root));

#define KSPIN(l)   ((spinlock_t *)(l)->opaque)
#define KMUTEX(m)  ((struct mutex *)(m)->opaque)
#define KRWSEM(s)  ((struct rw_semaphore *)(s)->opaque)
#define KWQ(w)	   ((wait_queue_head_t *)(w)->opaque)
#define KRB(n)	   ((struct rb_node *)(n))
#define KRBROOT(r) ((struct rb_root *)(r))

/**
 * struct ksml_thread - a kthread started by ksml_plat_thread_start
 * @task: the kthread
 * @fn: the core's thread function, and @arg its argument
 * @sleeping_locks: mutexes and rwsems it holds now: it may freeze in
 *	ksml_plat_yield() only when this is 0
 */
struct ksml_thread {
	struct task_struct *task;
	int (*fn)(void *arg);
	void *arg;
	int sleeping_locks;
};

static int ksml_thread_main(void *data);

/* the calling task's struct ksml_thread, if it is one of ours */
static struct ksml_thread *ksml_current_thread(void)
{
	if (!(current->flags & PF_KTHREAD) ||
	    kthread_func(current) != ksml_thread_main)
		return NULL;
	return kthread_data(current);
}

static void ksml_lock_acquired(void)
{
	struct ksml_thread *t = ksml_current_thread();

	if (t)
		t->sleeping_locks++;
}

static void ksml_lock_released(void)
{
	struct ksml_thread *t = ksml_current_thread();

	if (t)
		t->sleeping_locks--;
}

/*
 * One lockdep class per init site in the core (ksml_plat_spin_init and
 * the others are macros with a static key per site, ksm_platform.h), as
 * spin_lock_init() gives the kernel's own locks: two mms' page-table locks
 * are one class, the frame allocator's vm.lock another.  The key lives in
 * the module's data, which lockdep accepts as static and forgets at unload.
 */
void ksml_plat_spin_init_key(struct ksml_spinlock *l, const char *name,
			     struct ksml_lock_key *key)
{
#ifdef CONFIG_DEBUG_SPINLOCK
	__raw_spin_lock_init(spinlock_check(KSPIN(l)), name, KKEY(key),
			     LD_WAIT_CONFIG);
#else
	spin_lock_init(KSPIN(l));
#endif
}

void ksml_plat_spin_destroy(struct ksml_spinlock *l)
{
}

void ksml_plat_spin_lock(struct ksml_spinlock *l)
{
	spin_lock(KSPIN(l));
}

void ksml_plat_spin_lock_nested(struct ksml_spinlock *l, unsigned int subclass)
{
	spin_lock_nested(KSPIN(l), subclass);
}

void ksml_plat_spin_lock_nest(struct ksml_spinlock *l, struct ksml_mutex *outer)
{
	spin_lock_nest_lock(KSPIN(l), KMUTEX(outer));
}

void ksml_plat_spin_unlock(struct ksml_spinlock *l)
{
	spin_unlock(KSPIN(l));
}

void ksml_plat_mutex_init_key(struct ksml_mutex *m, const char *name,
			      struct ksml_lock_key *key)
{
	__mutex_init(KMUTEX(m), name, KKEY(key));
}

void ksml_plat_mutex_destroy(struct ksml_mutex *m)
{
	mutex_destroy(KMUTEX(m));
}

void ksml_plat_mutex_lock(struct ksml_mutex *m)
{
	mutex_lock(KMUTEX(m));
	ksml_lock_acquired();
}

void ksml_plat_mutex_unlock(struct ksml_mutex *m)
{
	ksml_lock_released();
	mutex_unlock(KMUTEX(m));
}

void ksml_plat_rwsem_init_key(struct ksml_rwsem *s, const char *name,
			      struct ksml_lock_key *key)
{
	__init_rwsem(KRWSEM(s), name, KKEY(key));
}

void ksml_plat_rwsem_destroy(struct ksml_rwsem *s)
{
}

void ksml_plat_down_read(struct ksml_rwsem *s)
{
	down_read(KRWSEM(s));
	ksml_lock_acquired();
}

void ksml_plat_up_read(struct ksml_rwsem *s)
{
	ksml_lock_released();
	up_read(KRWSEM(s));
}

void ksml_plat_down_write(struct ksml_rwsem *s)
{
	down_write(KRWSEM(s));
	ksml_lock_acquired();
}

void ksml_plat_up_write(struct ksml_rwsem *s)
{
	ksml_lock_released();
	up_write(KRWSEM(s));
}

/*
 * cond_resched() where sleeping is allowed; a bare cpu_relax() when the
 * caller holds a spinlock (a bit-lock spin inside page_table_lock).  Our
 * kthread holding no lock at all is also at a freeze point: the kernel's
 * ksmd calls try_to_freeze() after every batch, and with
 * sleep_millisecs=0 the core's ksmd yields there instead of waiting.
 */
void ksml_plat_yield(void)
{
	struct ksml_thread *t;

	if (!preemptible()) {
		cpu_relax();
		return;
	}
	t = ksml_current_thread();
	if (t && !t->sleeping_locks)
		try_to_freeze();
	cond_resched();
}

/* ------------------------------------------------------ wait/wake, thread */

void ksml_plat_waitq_init(struct ksml_waitq *wq)
{
	init_waitqueue_head(KWQ(wq));
}

void ksml_plat_waitq_destroy(struct ksml_waitq *wq)
{
}

static bool ksml_in_kthread(void)
{
	return current->flags & PF_KTHREAD;
}

/*
 * ksmd (a kthread) sleeps freezable and interruptible, as the kernel's
 * ksmd does, and also wakes when kthread_stop() is called: the condition
 * includes kthread_should_stop(), else the wait would sleep again after
 * kthread_stop()'s wake_up_process().  Other callers (ioctl, sysfs
 * writers waiting out OFFLINE) sleep uninterruptibly in chunks of at most
 * a second, which the contract allows ("may return early"): no signal can
 * turn the core's wait loop into a busy loop, and no chunk is long enough
 * to look like a hung task.
 */
bool ksml_plat_wait_event(struct ksml_waitq *wq, bool (*cond)(void *arg),
			  void *arg, long timeout_ms)
{
	wait_queue_head_t *q = KWQ(wq);
	bool ok = false;

	if (ksml_in_kthread()) {
		/*
		 * A freeze point even when nothing sleeps (sleep_millisecs=0,
		 * or the condition already true): the kernel's ksmd calls
		 * try_to_freeze() after every batch, and the core's waits are
		 * all made without a lock held.
		 */
		try_to_freeze();
		if (timeout_ms < 0)
			wait_event_freezable(*q, (ok = cond(arg)) ||
							 kthread_should_stop());
		else
			wait_event_freezable_timeout(
				*q, (ok = cond(arg)) || kthread_should_stop(),
				msecs_to_jiffies(
					min_t(long, timeout_ms, UINT_MAX)));
	} else {
		long ms = timeout_ms < 0 ? 1000 : min_t(long, timeout_ms, 1000);

		wait_event_timeout(*q, (ok = cond(arg)), msecs_to_jiffies(ms));
	}
	return ok;
}

void ksml_plat_wake_up(struct ksml_waitq *wq)
{
	wake_up_all(KWQ(wq));
}

/*
 * The kthread body: ksmd's setup (freezable, nice 5), the core's loop,
 * then park until kthread_stop() so the task_struct outlives an early
 * return of fn (kthread_stop() needs it).
 */
static int ksml_thread_main(void *data)
{
	struct ksml_thread *t = data;

	set_freezable();
	set_user_nice(current, 5);
	t->fn(t->arg);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* the kernel's own ksmd exists in the guest: ours is "<name>_ref" */
int ksml_plat_thread_start(struct ksml_thread **out, int (*fn)(void *arg),
			   void *arg, const char *name)
{
	struct ksml_thread *t;
	struct task_struct *task;

	*out = NULL;
	if (ksml_plat_should_fail())
		return -ENOMEM;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	task = kthread_run(ksml_thread_main, t, "%s_ref", name);
	if (IS_ERR(task)) {
		kfree(t);
		return PTR_ERR(task);
	}
	t->task = task;
	plat_count_alloc();
	*out = t;
	return 0;
}

bool ksml_plat_thread_should_stop(void)
{
	return ksml_in_kthread() && kthread_should_stop();
}

void ksml_plat_thread_stop(struct ksml_thread *t, struct ksml_waitq *const *wqs,
			   int nr_wqs)
{
	int i;

	if (!t)
		return;
	/*
	 * kthread_stop() sets the stop bit and wakes the task; the waits
	 * above test the bit.  The queues are woken too, for sleepers that
	 * are not this thread.
	 */
	for (i = 0; i < nr_wqs; i++)
		if (wqs[i])
			wake_up_all(KWQ(wqs[i]));
	kthread_stop(t->task);
	kfree(t);
	plat_count_free();
}

/* ------------------------------------------------------------- allocation */

struct ksml_kplat ksml_kplat;

/* largest single zalloc: the core's tables are far smaller */
#define KSML_ZALLOC_MAX (64UL << 20)

/*
 * GFP for the calling context: the core may allocate with a spinlock
 * held (a page-table page under page_table_lock), where sleeping is not
 * allowed.
 */
static gfp_t ksml_gfp(void)
{
	return (preemptible() ? GFP_KERNEL : GFP_ATOMIC) | __GFP_NOWARN;
}

static void *plat_raw_zalloc(size_t size)
{
	if (size > KSML_ZALLOC_MAX)
		return NULL;
	if (preemptible())
		return kvzalloc(size, GFP_KERNEL | __GFP_NOWARN);
	return kzalloc(size, GFP_ATOMIC | __GFP_NOWARN);
}

static void plat_raw_free(void *p)
{
	kvfree(p);
}

struct ksml_cache {
	struct kmem_cache *kc;
	char name[48];
};

/* names carry "ksm_ref_": the guest's own KSM has caches named "ksm_*" */
struct ksml_cache *ksml_plat_cache_create(const char *name, size_t size)
{
	struct ksml_cache *c;

	if (ksml_plat_should_fail())
		return NULL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "ksm_ref_%s", name);
	c->kc = kmem_cache_create(c->name, size, 0, 0, NULL);
	if (!c->kc) {
		kfree(c);
		return NULL;
	}
	plat_count_alloc();
	return c;
}

void ksml_plat_cache_destroy(struct ksml_cache *c)
{
	if (!c)
		return;
	kmem_cache_destroy(c->kc);
	kfree(c);
	plat_count_free();
}

void *ksml_plat_cache_zalloc(struct ksml_cache *c)
{
	void *p;

	if (ksml_plat_should_fail())
		return NULL;
	p = kmem_cache_zalloc(c->kc, ksml_gfp());
	if (p)
		plat_count_alloc();
	return p;
}

void ksml_plat_cache_free(struct ksml_cache *c, void *p)
{
	if (!p)
		return;
	kmem_cache_free(c->kc, p);
	plat_count_free();
}

/* ------------------------------------------------------------ page access */

/*
 * On x86-64 (no HIGHMEM) kmap_local_page() is page_address(), even with
 * DEBUG_KMAP_LOCAL_FORCE_MAP (6.1 forces maps only in HIGHMEM kernels),
 * so the debug kernel does not check these maps; forcing them by hand
 * (__kmap_local_page_prot) reads stale data there, as x86-64 has no TLB
 * flush hook for kmap slots.  The pairing rule (LIFO, none left) is
 * checked by platform/user's per-thread map stack instead.
 */
void *ksml_plat_page_map(void *page)
{
	return kmap_local_page(page);
}

void ksml_plat_page_prefetch(void *page)
{
	/* the linear map: a prefetch through kmap_local would need an unmap */
	prefetch(page_address((struct page *)page));
}

void ksml_plat_page_unmap(void *addr)
{
	kunmap_local(addr);
}

int ksml_plat_page_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PAGE_SIZE);
}

void ksml_plat_page_copy(void *dst, const void *src)
{
	copy_page(dst, (void *)src);
}

void ksml_plat_mem_copy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

void ksml_plat_mem_set(void *dst, int c, size_t len)
{
	memset(dst, c, len);
}

uint32_t ksml_plat_page_checksum(const void *addr)
{
	return (uint32_t)xxh64(addr, PAGE_SIZE, 0);
}

/* lib/xxhash has no XXH3: the fast variant is XXH64 as well */
uint64_t ksml_plat_page_hash64(const void *addr, bool fast)
{
	return xxh64(addr, PAGE_SIZE, 0);
}

/* ------------------------------------------------------------------- tree */

static_assert(KSML_PAGE_SIZE == PAGE_SIZE);

void ksml_rb_insert_color(struct ksml_rb_node *node, struct ksml_rb_root *root)
{
	rb_insert_color(KRB(node), KRBROOT(root));
}

void ksml_rb_erase(struct ksml_rb_node *node, struct ksml_rb_root *root)
{
	rb_erase(KRB(node), KRBROOT(root));
}

void ksml_rb_replace_node(struct ksml_rb_node *victim,
			  struct ksml_rb_node *new_node,
			  struct ksml_rb_root *root)
{
	rb_replace_node(KRB(victim), KRB(new_node), KRBROOT(root));
}

struct ksml_rb_node *ksml_rb_first(const struct ksml_rb_root *root)
{
	return (struct ksml_rb_node *)rb_first((const struct rb_root *)root);
}

struct ksml_rb_node *ksml_rb_next(const struct ksml_rb_node *node)
{
	return (struct ksml_rb_node *)rb_next((const struct rb_node *)node);
}

/* ---------------------------------------------------------------- logging */

void ksml_plat_log(enum ksml_log_level lvl, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (lvl) {
	case KSML_LOG_ERR:
		pr_err("%pV", &vaf);
		break;
	case KSML_LOG_WARN:
		pr_warn("%pV", &vaf);
		break;
	case KSML_LOG_INFO:
		pr_info("%pV", &vaf);
		break;
	default:
		pr_debug("%pV", &vaf);
		break;
	}
	va_end(args);
}

/*
 * A KSML_WARN_ON is counted and printed with a backtrace, but does not
 * go through WARN(): the guest boots with panic_on_warn for the kernel's
 * own splats, and a core warning should fail the test run with the
 * remaining tests' results, not stop it.  The host parser fails on the
 * "WARNING:" marker.
 */
static void plat_warn_report(const char *file, int line, const char *cond)
{
	pr_err("WARNING: KSML_WARN_ON(%s) at %s:%d\n", cond, file, line);
	dump_stack();
}

/* ------------------------------------------------------------ run-time ops */

static uint64_t ksml_kernel_clock_ns(void *ctx)
{
	return ktime_get_ns();
}

/*
 * The scheduler's runtime of the calling thread, as the advisor reads.
 * The kernel's advisor uses task_sched_runtime(current), which is not
 * exported to modules; se.sum_exec_runtime is the same sum without the
 * slice in progress (it is brought up to date at every tick and switch).
 */
static uint64_t ksml_kernel_thread_cpu_ns(void *ctx)
{
	return current->se.sum_exec_runtime;
}

static int ksml_kernel_nr_node_ids(void *ctx)
{
	return nr_node_ids;
}

/*
 * A frame on node nid (__GFP_THISNODE); a node without memory (or an id
 * outside the machine) gets memory from anywhere, the frame keeps its id.
 */
static void *ksml_kernel_page_alloc(void *ctx, int nid)
{
	struct page *page = NULL;
	gfp_t gfp = ksml_gfp();

	if (nid >= 0 && nid < nr_node_ids && node_state(nid, N_MEMORY))
		page = alloc_pages_node(nid, gfp | __GFP_THISNODE, 0);
	if (!page)
		page = alloc_pages(gfp, 0);
	if (page)
		atomic_long_inc(&ksml_kplat.live_pages);
	return page;
}

static void ksml_kernel_page_free(void *ctx, void *page)
{
	if (!page)
		return;
	__free_pages(page, 0);
	atomic_long_dec(&ksml_kplat.live_pages);
}

static const struct ksml_platform_ops ksml_kernel_ops = {
	.clock_ns = ksml_kernel_clock_ns,
	.thread_cpu_ns = ksml_kernel_thread_cpu_ns,
	.nr_node_ids = ksml_kernel_nr_node_ids,
	.page_alloc = ksml_kernel_page_alloc,
	.page_free = ksml_kernel_page_free,
	.ctx = NULL,
};

const struct ksml_platform_ops *ksml_plat_default_ops(void)
{
	return &ksml_kernel_ops;
}

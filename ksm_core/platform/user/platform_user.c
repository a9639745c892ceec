/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * platform_user.c - the platform contract over libc, pthreads and libnuma.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../../ksm_platform.h"

#include <errno.h>
#include <numa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/*
 * Page contents are read while their owners write them, on purpose (the
 * kernel's ksmd does the same; the checksum filter and the compare after
 * write-protect make it safe).  Tell ThreadSanitizer so it reports only
 * the races that matter.
 */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KSML_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KSML_TSAN 1
#endif
#ifdef KSML_TSAN
void AnnotateIgnoreReadsBegin(const char *f, int l);
void AnnotateIgnoreReadsEnd(const char *f, int l);
void AnnotateIgnoreWritesBegin(const char *f, int l);
void AnnotateIgnoreWritesEnd(const char *f, int l);
#define RACY_BEGIN()                                                           \
	do {                                                                   \
		AnnotateIgnoreReadsBegin(__FILE__, __LINE__);                  \
		AnnotateIgnoreWritesBegin(__FILE__, __LINE__);                 \
	} while (0)
#define RACY_END()                                                             \
	do {                                                                   \
		AnnotateIgnoreWritesEnd(__FILE__, __LINE__);                   \
		AnnotateIgnoreReadsEnd(__FILE__, __LINE__);                    \
	} while (0)
#else
#define RACY_BEGIN()                                                           \
	do {                                                                   \
	} while (0)
#define RACY_END()                                                             \
	do {                                                                   \
	} while (0)
#endif

/* ------------------------------------------------------------------ locks */

/* no lock validator here: classes and nesting annotations are ignored */
void ksml_plat_spin_init_key(struct ksml_spinlock *l, const char *name,
			     struct ksml_lock_key *key)
{
	(void)name;
	(void)key;
	pthread_mutex_init(&l->m, NULL);
}

void ksml_plat_spin_destroy(struct ksml_spinlock *l)
{
	pthread_mutex_destroy(&l->m);
}

void ksml_plat_spin_lock(struct ksml_spinlock *l)
{
	pthread_mutex_lock(&l->m);
}

void ksml_plat_spin_lock_nested(struct ksml_spinlock *l, unsigned int subclass)
{
	(void)subclass;
	pthread_mutex_lock(&l->m);
}

void ksml_plat_spin_lock_nest(struct ksml_spinlock *l, struct ksml_mutex *outer)
{
	(void)outer;
	pthread_mutex_lock(&l->m);
}

void ksml_plat_spin_unlock(struct ksml_spinlock *l)
{
	pthread_mutex_unlock(&l->m);
}

void ksml_plat_mutex_init_key(struct ksml_mutex *m, const char *name,
			      struct ksml_lock_key *key)
{
	(void)name;
	(void)key;
	pthread_mutex_init(&m->m, NULL);
}

void ksml_plat_mutex_destroy(struct ksml_mutex *m)
{
	pthread_mutex_destroy(&m->m);
}

void ksml_plat_mutex_lock(struct ksml_mutex *m)
{
	pthread_mutex_lock(&m->m);
}

void ksml_plat_mutex_unlock(struct ksml_mutex *m)
{
	pthread_mutex_unlock(&m->m);
}

void ksml_plat_rwsem_init_key(struct ksml_rwsem *s, const char *name,
			      struct ksml_lock_key *key)
{
	pthread_rwlockattr_t a;

	(void)name;
	(void)key;
	/* writers must not starve behind a stream of ksmd readers */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(
		&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->l, &a);
	pthread_rwlockattr_destroy(&a);
}

void ksml_plat_rwsem_destroy(struct ksml_rwsem *s)
{
	pthread_rwlock_destroy(&s->l);
}

void ksml_plat_down_read(struct ksml_rwsem *s)
{
	pthread_rwlock_rdlock(&s->l);
}

void ksml_plat_up_read(struct ksml_rwsem *s)
{
	pthread_rwlock_unlock(&s->l);
}

void ksml_plat_down_write(struct ksml_rwsem *s)
{
	pthread_rwlock_wrlock(&s->l);
}

void ksml_plat_up_write(struct ksml_rwsem *s)
{
	pthread_rwlock_unlock(&s->l);
}

void ksml_plat_yield(void)
{
	/* cond_resched(): nothing to do in a preemptive userspace */
	ksml_user_check_no_maps("held across ksml_plat_yield");
}

/* ------------------------------------------------------- wait/wake, thread */

void ksml_plat_waitq_init(struct ksml_waitq *wq)
{
	pthread_condattr_t a;

	pthread_mutex_init(&wq->m, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&wq->c, &a);
	pthread_condattr_destroy(&a);
}

void ksml_plat_waitq_destroy(struct ksml_waitq *wq)
{
	pthread_cond_destroy(&wq->c);
	pthread_mutex_destroy(&wq->m);
}

bool ksml_plat_wait_event(struct ksml_waitq *wq, bool (*cond)(void *arg),
			  void *arg, long timeout_ms)
{
	struct timespec ts;
	bool ok;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	/*
	 * The condition is evaluated under wq->m and every waker takes wq->m
	 * after changing the state it tests, so no wakeup is lost.
	 */
	pthread_mutex_lock(&wq->m);
	while (!(ok = cond(arg))) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&wq->c, &wq->m);
		} else if (pthread_cond_timedwait(&wq->c, &wq->m, &ts) ==
			   ETIMEDOUT) {
			ok = cond(arg);
			break;
		}
	}
	pthread_mutex_unlock(&wq->m);
	return ok;
}

void ksml_plat_wake_up(struct ksml_waitq *wq)
{
	pthread_mutex_lock(&wq->m);
	pthread_cond_broadcast(&wq->c);
	pthread_mutex_unlock(&wq->m);
}

struct ksml_thread {
	pthread_t tid;
	int (*fn)(void *);
	void *arg;
	bool stop;
	char name[16];
};

static __thread struct ksml_thread *current_thread;

static void *thread_trampoline(void *p)
{
	struct ksml_thread *t = p;

	current_thread = t;
	pthread_setname_np(pthread_self(), t->name);
	t->fn(t->arg);
	ksml_user_check_no_maps("held at the end of a thread");
	return NULL;
}

int ksml_plat_thread_start(struct ksml_thread **out, int (*fn)(void *arg),
			   void *arg, const char *name)
{
	struct ksml_thread *t;

	if (ksml_plat_should_fail())
		return -KSML_ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -KSML_ENOMEM;
	t->fn = fn;
	t->arg = arg;
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (pthread_create(&t->tid, NULL, thread_trampoline, t)) {
		free(t);
		return -KSML_EAGAIN;
	}
	*out = t;
	return 0;
}

bool ksml_plat_thread_should_stop(void)
{
	return current_thread &&
	       __atomic_load_n(&current_thread->stop, __ATOMIC_ACQUIRE);
}

void ksml_plat_thread_stop(struct ksml_thread *t, struct ksml_waitq *const *wqs,
			   int nr_wqs)
{
	int i;

	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < nr_wqs; i++)
		ksml_plat_wake_up(wqs[i]);
	pthread_join(t->tid, NULL);
	free(t);
}

/* ------------------------------------------------------------- allocation */

/*
 * Failure injection, the counters and the registration list are
 * plat_common.h's, over these.
 */
typedef long plat_counter_t;
#define PLAT_COUNTER_READ(c)   __atomic_load_n(&(c), __ATOMIC_ACQUIRE)
#define PLAT_COUNTER_SET(c, v) __atomic_store_n(&(c), (v), __ATOMIC_RELEASE)
#define PLAT_COUNTER_INC(c)    __atomic_add_fetch(&(c), 1, __ATOMIC_RELAXED)
#define PLAT_COUNTER_DEC(c)    __atomic_sub_fetch(&(c), 1, __ATOMIC_RELAXED)
#define PLAT_COUNTER_TRY_CMPXCHG(c, oldp, v)                                   \
	__atomic_compare_exchange_n(&(c), (oldp), (v), false,                  \
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)
#define PLAT_BEFORE_LEAK_CHECK()                                               \
	ksml_user_check_no_maps("held at the leak check")

/*
 * Userspace has no sysfs: registered instances go on a list (what a
 * tool would enumerate); hot-remove events come from ksml_memory_notify.
 */
#define PLAT_REGISTRATIONS 1
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
#define PLAT_REG_LOCK()	  pthread_mutex_lock(&reg_lock)
#define PLAT_REG_UNLOCK() pthread_mutex_unlock(&reg_lock)

static void *plat_raw_zalloc(size_t size)
{
	return calloc(1, size);
}

static void plat_raw_free(void *p)
{
	free(p);
}

#include "../plat_common.h"

/*
 * A cache carves its objects out of 2 MiB chunks and keeps freed ones
 * on a list, as a slab does: calloc per rmap_item was ~6% of a scan of
 * 1 GiB.  Under a sanitizer every object is its own calloc, so ASan still
 * sees a use after free of one object.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define KSML_CACHE_PER_OBJECT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(KSML_TSAN)
#define KSML_CACHE_PER_OBJECT 1
#endif
/*
 * 2 MiB chunks, huge pages where THP allows: a slab's memory costs the
 * kernel no page faults, and 4 KiB first-touch faults were 13% of a scan
 * that allocates 262144 rmap_items.
 */
#define CACHE_CHUNK (2u * 1024u * 1024u)

struct ksml_cache {
	size_t size;
	long objects;
	char name[32];
	pthread_mutex_t lock;
	void *free_list; /* freed objects, linked through their first word */
	void *chunks;	 /* chunks, linked through their first word */
	char *carve, *carve_end;
};

struct ksml_cache *ksml_plat_cache_create(const char *name, size_t size)
{
	struct ksml_cache *c = ksml_plat_zalloc(sizeof(*c));

	if (!c)
		return NULL;
	/* objects hold a link when free, and stay pointer-aligned */
	c->size = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	if (c->size < sizeof(void *))
		c->size = sizeof(void *);
	pthread_mutex_init(&c->lock, NULL);
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

void ksml_plat_cache_destroy(struct ksml_cache *c)
{
	void *chunk;

	if (!c)
		return;
	/* as kmem_cache_destroy: objects still allocated are a leak */
	if (__atomic_load_n(&c->objects, __ATOMIC_ACQUIRE))
		ksml_plat_warn(__FILE__, __LINE__,
			       "cache destroyed with objects");
	while ((chunk = c->chunks)) {
		c->chunks = *(void **)chunk;
		free(chunk);
	}
	pthread_mutex_destroy(&c->lock);
	ksml_plat_free(c);
}

#ifndef KSML_CACHE_PER_OBJECT
static void *cache_get(struct ksml_cache *c)
{
	void *p;

	pthread_mutex_lock(&c->lock);
	p = c->free_list;
	if (p) {
		c->free_list = *(void **)p;
	} else {
		if (c->carve + c->size > c->carve_end) {
			void *mem = NULL;
			char *chunk;

			if (posix_memalign(&mem, CACHE_CHUNK, CACHE_CHUNK)) {
				pthread_mutex_unlock(&c->lock);
				return NULL;
			}
			chunk = mem;
			madvise(chunk, CACHE_CHUNK, MADV_HUGEPAGE);
			*(void **)chunk = c->chunks;
			c->chunks = chunk;
			c->carve = chunk +
				   64; /* the link, and cache-line aligned */
			c->carve_end = chunk + CACHE_CHUNK;
		}
		p = c->carve;
		c->carve += c->size;
	}
	pthread_mutex_unlock(&c->lock);
	return p;
}
#endif

void *ksml_plat_cache_zalloc(struct ksml_cache *c)
{
	void *p;

#ifdef KSML_CACHE_PER_OBJECT
	p = ksml_plat_zalloc(c->size);
#else
	if (ksml_plat_should_fail())
		return NULL;
	p = cache_get(c);
	if (p) {
		memset(p, 0, c->size);
		plat_count_alloc();
	}
#endif
	if (p)
		__atomic_add_fetch(&c->objects, 1, __ATOMIC_RELAXED);
	return p;
}

void ksml_plat_cache_free(struct ksml_cache *c, void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&c->objects, 1, __ATOMIC_RELAXED);
#ifdef KSML_CACHE_PER_OBJECT
	ksml_plat_free(p);
#else
	plat_count_free();
	pthread_mutex_lock(&c->lock);
	*(void **)p = c->free_list;
	c->free_list = p;
	pthread_mutex_unlock(&c->lock);
#endif
}

/* ------------------------------------------------------------ page access */

/*
 * The kernel platform maps with kmap_local_page: maps nest, must be undone
 * in reverse order, and none may outlive the context.  Here a map is the
 * pointer itself, so a missing or out-of-order unmap would pass unseen;
 * each thread keeps the stack of its maps instead and aborts on:
 *   - an unmap that is not of the last map (or with none held);
 *   - more than KSML_USER_MAX_MAPS held at once (the core nests two: a
 *     compare or a copy; a third means one was never unmapped);
 *   - a map still held at a point where the core has returned to its
 *     caller or to a scheduling point: ksml_plat_yield, the end of a
 *     thread the platform started, and ksml_plat_live_allocs (the leak
 *     check every test and fuzzer makes at teardown).
 */
#define KSML_USER_MAX_MAPS 2
static __thread void *map_stack[KSML_USER_MAX_MAPS];
static __thread int map_depth;

static void map_fail(const char *what, const void *addr)
{
	int i;

	fprintf(stderr,
		"ksml-user: page map %s (%p); maps held (oldest first):", what,
		addr);
	for (i = 0; i < map_depth; i++)
		fprintf(stderr, " %p", map_stack[i]);
	fprintf(stderr, "\n");
	abort();
}

int ksml_user_maps_held(void)
{
	return map_depth;
}

void ksml_user_check_no_maps(const char *where)
{
	if (map_depth)
		map_fail(where, map_stack[map_depth - 1]);
}

void *ksml_plat_page_map(void *page)
{
	if (map_depth == KSML_USER_MAX_MAPS)
		map_fail("nested too deep: an earlier map was never unmapped",
			 page);
	map_stack[map_depth++] = page;
	return page;
}

void ksml_plat_page_prefetch(void *page)
{
	__builtin_prefetch(page, 0, 3);
}

void ksml_plat_page_unmap(void *addr)
{
	if (!map_depth)
		map_fail("unmap without a map", addr);
	if (map_stack[map_depth - 1] != addr)
		map_fail("unmap out of order (not the last map)", addr);
	map_depth--;
}

int ksml_plat_page_cmp(const void *a, const void *b)
{
	int r;

	RACY_BEGIN();
	r = memcmp(a, b, KSML_PAGE_SIZE);
	RACY_END();
	return r;
}

void ksml_plat_page_copy(void *dst, const void *src)
{
	RACY_BEGIN();
	memcpy(dst, src, KSML_PAGE_SIZE);
	RACY_END();
}

void ksml_plat_mem_copy(void *dst, const void *src, size_t len)
{
	RACY_BEGIN();
	memcpy(dst, src, len);
	RACY_END();
}

void ksml_plat_mem_set(void *dst, int c, size_t len)
{
	RACY_BEGIN();
	memset(dst, c, len);
	RACY_END();
}

uint32_t ksml_plat_page_checksum(const void *addr)
{
	uint32_t r;

	RACY_BEGIN();
	r = (uint32_t)XXH64(addr, KSML_PAGE_SIZE, 0);
	RACY_END();
	return r;
}

/*
 * libxxhash.so's XXH3 picks AVX2 or AVX-512 at run time; the inline one
 * is built for the baseline (SSE2) and on DRAM-resident pages is slower
 * than XXH64.  The same function either way; weak, so a build linked
 * without the shared library (static, OSS-Fuzz) falls back to the inline.
 */
extern XXH64_hash_t XXH3_64bits_dispatch(const void *input, size_t len)
	__attribute__((weak));

uint64_t ksml_plat_page_hash64(const void *addr, bool fast)
{
	uint64_t r;

	RACY_BEGIN();
	if (!fast)
		r = XXH64(addr, KSML_PAGE_SIZE, 0);
	else if (XXH3_64bits_dispatch)
		r = XXH3_64bits_dispatch(addr, KSML_PAGE_SIZE);
	else
		r = XXH3_64bits(addr, KSML_PAGE_SIZE);
	RACY_END();
	return r;
}

/* ---------------------------------------------------------------- logging */

static int log_level = -1;

void ksml_plat_log(enum ksml_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (log_level < 0) {
		const char *e = getenv("KSML_LOG");

		log_level = e ? atoi(e) : KSML_LOG_WARN;
	}
	if ((int)lvl > log_level)
		return;
	va_start(ap, fmt);
	fputs("ksml: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void plat_warn_report(const char *file, int line, const char *cond)
{
	fprintf(stderr, "ksml: WARNING at %s:%d: %s\n", file, line, cond);
	if (getenv("KSML_ABORT_ON_WARN"))
		abort();
}

/* ------------------------------------------------------- run-time ops */

static uint64_t user_clock_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t user_thread_cpu_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int host_nodes = -1;

int ksml_user_host_nodes(void)
{
	int n = __atomic_load_n(&host_nodes, __ATOMIC_ACQUIRE);

	if (n < 0) {
		n = 1;
		if (numa_available() >= 0 && numa_max_node() >= 0)
			n = numa_max_node() + 1;
		__atomic_store_n(&host_nodes, n, __ATOMIC_RELEASE);
	}
	return n;
}

static int user_nr_node_ids(void *ctx)
{
	(void)ctx;
	return ksml_user_host_nodes();
}

/*
 * Pages come from per-node pools of 2 MiB chunks: one numa_alloc_onnode()
 * (an mmap + mbind) per page would dominate every benchmark.  A chunk is
 * 2 MiB aligned and advised for a huge page, as the kernel reaches pages
 * through its direct map of 2 MiB / 1 GiB entries: with 4 KiB mappings a
 * walk over a large tree would pay a TLB miss per page that ksmd does not.
 */
#define POOL_CHUNK_PAGES 512
#define POOL_MAX_NODES	 64

struct pool_page {
	struct pool_page *next;
};

struct page_pool {
	pthread_mutex_t lock;
	struct pool_page *free;
};

static struct page_pool pools[POOL_MAX_NODES] = {
	[0 ... POOL_MAX_NODES - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL}};

/* sz bytes aligned to sz, bound to host_nid where there are nodes */
static char *pool_chunk_map(size_t sz, int host_nid)
{
	char *raw, *mem;
	size_t head;

	raw = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	mem = (char *)(((uintptr_t)raw + sz - 1) & ~(uintptr_t)(sz - 1));
	head = (size_t)(mem - raw);
	if (head)
		munmap(raw, head);
	munmap(mem + sz, sz - head);
	if (numa_available() >= 0)
		numa_tonode_memory(mem, sz, host_nid);
	madvise(mem, sz, MADV_HUGEPAGE);
	return mem;
}

static void *pool_alloc(int host_nid)
{
	struct page_pool *p = &pools[host_nid];
	struct pool_page *pg;

	pthread_mutex_lock(&p->lock);
	if (!p->free) {
		size_t sz = (size_t)POOL_CHUNK_PAGES * KSML_PAGE_SIZE;
		char *mem = NULL;
		int i;

		mem = pool_chunk_map(sz, host_nid);
		if (!mem) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		/* chunks are kept for the life of the process: frames recycle
		 */
		for (i = POOL_CHUNK_PAGES - 1; i >= 0; i--) {
			pg = (struct pool_page *)(mem +
						  (size_t)i * KSML_PAGE_SIZE);
			pg->next = p->free;
			p->free = pg;
		}
	}
	pg = p->free;
	p->free = pg->next;
	pthread_mutex_unlock(&p->lock);
	return pg;
}

static void pool_free(int host_nid, void *page)
{
	struct page_pool *p = &pools[host_nid];
	struct pool_page *pg = page;

	pthread_mutex_lock(&p->lock);
	pg->next = p->free;
	p->free = pg;
	pthread_mutex_unlock(&p->lock);
}

/* ctx of the default ops: NULL; of fake-NUMA ops: the fake node count */
static void *user_page_alloc(void *ctx, int nid)
{
	int host = ksml_user_host_nodes();

	(void)ctx;
	if (nid < 0)
		nid = 0;
	return pool_alloc(nid % host < POOL_MAX_NODES ? nid % host : 0);
}

static void user_page_free(void *ctx, void *page)
{
	(void)ctx;
	/* the node a page came from is not needed to recycle it on one host
	 * node; with several, put it back on the node that owns the memory */
	if (ksml_user_host_nodes() > 1 && numa_available() >= 0) {
		int status = -1;
		void *pages[1] = {page};

		if (numa_move_pages(0, 1, pages, NULL, &status, 0) == 0 &&
		    status >= 0 && status < POOL_MAX_NODES) {
			pool_free(status, page);
			return;
		}
	}
	pool_free(0, page);
}

static const struct ksml_platform_ops user_ops = {
	.clock_ns = user_clock_ns,
	.thread_cpu_ns = user_thread_cpu_ns,
	.nr_node_ids = user_nr_node_ids,
	.page_alloc = user_page_alloc,
	.page_free = user_page_free,
	.ctx = NULL,
};

const struct ksml_platform_ops *ksml_plat_default_ops(void)
{
	return &user_ops;
}

static int fake_nr_node_ids(void *ctx)
{
	return (int)(intptr_t)ctx;
}

#define FAKE_MAX 8
static struct ksml_platform_ops fake_ops[FAKE_MAX + 1];
static pthread_once_t fake_once = PTHREAD_ONCE_INIT;

static void fake_ops_init(void)
{
	int i;

	for (i = 1; i <= FAKE_MAX; i++) {
		fake_ops[i] = user_ops;
		fake_ops[i].nr_node_ids = fake_nr_node_ids;
		fake_ops[i].ctx = (void *)(intptr_t)i;
	}
}

const struct ksml_platform_ops *ksml_user_ops_fake_numa(int fake_nodes)
{
	if (fake_nodes < 1 || fake_nodes > FAKE_MAX)
		return NULL;
	pthread_once(&fake_once, fake_ops_init);
	return &fake_ops[fake_nodes];
}

static uint64_t manual_clock_ns(void *ctx)
{
	return __atomic_load_n(&((struct ksml_user_manual_clock *)ctx)->now_ns,
			       __ATOMIC_ACQUIRE);
}

static uint64_t manual_cpu_ns(void *ctx)
{
	return __atomic_load_n(&((struct ksml_user_manual_clock *)ctx)->cpu_ns,
			       __ATOMIC_ACQUIRE);
}

static int manual_nr_node_ids(void *ctx)
{
	int n = ((struct ksml_user_manual_clock *)ctx)->nr_nodes;

	return n > 0 ? n : 1;
}

void ksml_user_manual_ops(struct ksml_platform_ops *ops,
			  struct ksml_user_manual_clock *clk)
{
	*ops = user_ops;
	ops->clock_ns = manual_clock_ns;
	ops->thread_cpu_ns = manual_cpu_ns;
	ops->nr_node_ids = manual_nr_node_ids;
	ops->ctx = clk;
}

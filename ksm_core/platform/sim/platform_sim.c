/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * platform_sim.c - the deterministic platform: a cooperative scheduler in
 * which every thread is a coroutine (ucontext) on one OS thread, and every
 * lock, unlock, rwsem op, yield, wait, wake and thread start/stop is a
 * scheduling point whose next thread is chosen from a byte source.
 *
 * What the scheduler guarantees:
 *  1) determinism: the only inputs are the bytes, the program and the
 *     virtual clock, which advances by a fixed amount per scheduling point
 *     (or jumps to the deadline of a timed wait that is chosen to expire);
 *  2) every interleaving of scheduling points is reachable: at each point
 *     any runnable thread (or any timed waiter, which then times out) may
 *     be chosen;
 *  3) progress: when the bytes run out, round-robin over the candidates.
 *
 * What it checks is listed in ksm_platform_sim.h.  Locks are identified by
 * address; init and destroy forget the order edges of that address, so a
 * lock reallocated at the same place starts afresh.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../../ksm_platform.h"

#ifndef KSML_PLATFORM_SIM
#error "platform_sim.c is built with -DKSML_PLATFORM_SIM"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#error "the sim platform switches stacks by hand: build it without TSan"
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SIM_ASAN)
#define SIM_ASAN 1
#endif
#ifdef SIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define KSML_SIM_LOCK_MAGIC 0x6b6c636bu /* "klck" */
#define KSML_SIM_WAITQ_MAGIC 0x6b777169u
#define SIM_MAX_THREADS 32
#define SIM_MAX_HELD 16
#define SIM_STACK_SIZE (256u * 1024u)
#define SIM_TRACE 64
#define SIM_NO_DEADLINE UINT64_MAX

enum lock_kind { LK_SPIN = 1, LK_MUTEX, LK_RWSEM };
enum hold_mode { HM_EXCL = 1, HM_READ };
enum tstate {
	TS_FREE = 0,
	TS_READY,
	TS_LOCK,  /* blocked on a lock */
	TS_WAITQ, /* sleeping on a wait queue (maybe with a deadline) */
	TS_JOIN,  /* waiting for a thread to return */
	TS_DONE,
};

static const char *const state_names[] = {
	"free", "ready", "blocked-on-lock", "waitq", "join", "done",
};

struct held_lock {
	struct ksml_sim_lock *l;
	int mode;
	unsigned int subclass;		  /* ksml_plat_spin_lock_nested */
	const struct ksml_sim_lock *nest; /* ksml_plat_spin_lock_nest's outer */
};

struct ksml_thread {
	int idx;
	enum tstate state;
	char name[24];
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool should_stop;
	bool is_main;
	ucontext_t ctx;
	void *stack;
	size_t stack_size;
	/* what it is blocked on */
	struct ksml_sim_lock *blk_lock;
	const struct ksml_waitq *blk_wq;
	struct ksml_thread *blk_join;
	uint64_t deadline;
	bool timed_out;
	/* locks held, in acquisition order */
	struct held_lock held[SIM_MAX_HELD];
	int nr_held;
	uint64_t cpu_ns;
#ifdef SIM_ASAN
	void *asan_fake;
	const void *asan_bottom;
	size_t asan_size;
#endif
};

struct edge {
	const void *from, *to;
};

struct trace_ev {
	unsigned long step;
	int thread;
	const char *what;
	const void *obj;
};

static struct {
	bool active;
	struct ksml_sim_config cfg;
	struct ksml_thread *threads[SIM_MAX_THREADS];
	int nr_threads;
	struct ksml_thread *cur;
	struct ksml_thread *switch_from;
	unsigned long steps;
	unsigned long bytes_used;
	bool bytes_done;
	uint64_t clock_ns;
	struct edge *edges;
	size_t nr_edges, cap_edges;
	struct trace_ev trace[SIM_TRACE];
	unsigned long nr_trace;
	bool failing;
} sim;

/* stacks are kept for the next session: a fuzzer runs thousands of them */
static void *stack_pool[SIM_MAX_THREADS];
static int nr_stack_pool;

static struct ksml_thread main_thread_storage;

/* ------------------------------------------------------------ reporting */

static void trace(const char *what, const void *obj)
{
	struct trace_ev *e = &sim.trace[sim.nr_trace++ % SIM_TRACE];

	e->step = sim.steps;
	e->thread = sim.cur ? sim.cur->idx : -1;
	e->what = what;
	e->obj = obj;
}

static const char *lock_kind_name(const struct ksml_sim_lock *l)
{
	switch (l->kind) {
	case LK_SPIN:
		return "spinlock";
	case LK_MUTEX:
		return "mutex";
	case LK_RWSEM:
		return "rwsem";
	}
	return "lock?";
}

static void dump_state(void)
{
	unsigned long i, first;
	int t, h;

	fprintf(stderr, "ksml-sim: step %lu, %lu schedule bytes used%s, clock %llu ns\n",
		sim.steps, sim.bytes_used, sim.bytes_done ? " (exhausted)" : "",
		(unsigned long long)sim.clock_ns);
	for (t = 0; t < sim.nr_threads; t++) {
		struct ksml_thread *th = sim.threads[t];

		if (!th)
			continue;
		fprintf(stderr, "  thread %d %-12s %-16s%s", th->idx, th->name,
			state_names[th->state], th == sim.cur ? " (running)" : "");
		if (th->state == TS_LOCK)
			fprintf(stderr, " on %s %p", lock_kind_name(th->blk_lock),
				(void *)th->blk_lock);
		if (th->state == TS_WAITQ)
			fprintf(stderr, " on waitq %p%s", (const void *)th->blk_wq,
				th->deadline == SIM_NO_DEADLINE ? "" : " (timed)");
		if (th->state == TS_JOIN)
			fprintf(stderr, " for thread %d", th->blk_join->idx);
		fprintf(stderr, "\n");
		for (h = 0; h < th->nr_held; h++)
			fprintf(stderr, "      holds %s %p%s\n",
				lock_kind_name(th->held[h].l), (void *)th->held[h].l,
				th->held[h].mode == HM_READ ? " (read)" : "");
	}
	first = sim.nr_trace > SIM_TRACE ? sim.nr_trace - SIM_TRACE : 0;
	fprintf(stderr, "  last scheduling events:\n");
	for (i = first; i < sim.nr_trace; i++) {
		struct trace_ev *e = &sim.trace[i % SIM_TRACE];

		fprintf(stderr, "    [%lu] %s: %s %p\n", e->step,
			e->thread >= 0 && sim.threads[e->thread] ?
				sim.threads[e->thread]->name : "?",
			e->what, e->obj);
	}
}

void ksml_sim_fail(const char *fmt, ...)
{
	va_list ap;

	sim.failing = true;
	fprintf(stderr, "ksml-sim: FAILURE in thread %s: ", ksml_sim_current_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (sim.active)
		dump_state();
	abort();
}

const char *ksml_sim_current_name(void)
{
	return sim.cur ? sim.cur->name : "main";
}

/* ----------------------------------------------------- context switching */

static void thread_entry(void);
static void schedule(void);

static void asan_enter(struct ksml_thread *self)
{
#ifdef SIM_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self->asan_fake, &bottom, &size);
	/* the main thread's stack is only known from the other side */
	if (sim.switch_from && sim.switch_from->is_main &&
	    !sim.switch_from->asan_bottom) {
		sim.switch_from->asan_bottom = bottom;
		sim.switch_from->asan_size = size;
	}
#else
	(void)self;
#endif
}

static void switch_to(struct ksml_thread *next)
{
	struct ksml_thread *prev = sim.cur;

	if (next == prev)
		return;
	sim.switch_from = prev;
	sim.cur = next;
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(prev->state == TS_DONE ? NULL : &prev->asan_fake,
				       next->asan_bottom, next->asan_size);
#endif
	if (swapcontext(&prev->ctx, &next->ctx) != 0)
		ksml_sim_fail("swapcontext failed");
	/* back in prev */
	asan_enter(prev);
}

static void thread_entry(void)
{
	struct ksml_thread *self = sim.cur;

	asan_enter(self);
	self->ret = self->fn(self->arg);
	if (self->nr_held)
		ksml_sim_fail("thread %s returned holding %d lock(s), first %s %p",
			      self->name, self->nr_held,
			      lock_kind_name(self->held[0].l), (void *)self->held[0].l);
	trace("exit", self);
	self->state = TS_DONE;
	{
		int t;

		for (t = 0; t < sim.nr_threads; t++) {
			struct ksml_thread *th = sim.threads[t];

			if (th && th->state == TS_JOIN && th->blk_join == self)
				th->state = TS_READY;
		}
	}
	schedule();
	ksml_sim_fail("a finished thread was scheduled");
}

/* ------------------------------------------------------------ scheduler */

static bool next_byte(uint8_t *b)
{
	if (sim.bytes_done || !sim.cfg.next_byte) {
		sim.bytes_done = true;
		return false;
	}
	if (!sim.cfg.next_byte(sim.cfg.byte_ctx, b)) {
		sim.bytes_done = true;
		return false;
	}
	sim.bytes_used++;
	return true;
}

static bool is_candidate(const struct ksml_thread *t)
{
	return t && (t->state == TS_READY ||
		     (t->state == TS_WAITQ && t->deadline != SIM_NO_DEADLINE));
}

/*
 * Choose the next thread among the candidates and switch to it (maybe the
 * caller itself).  Returns when the caller is chosen again.
 */
static void schedule(void)
{
	struct ksml_thread *cand[SIM_MAX_THREADS];
	struct ksml_thread *next;
	int n = 0, t, pick = 0;
	uint8_t b;

	sim.steps++;
	sim.clock_ns += sim.cfg.ns_per_step;
	if (sim.cur)
		sim.cur->cpu_ns += sim.cfg.ns_per_step;
	if (sim.steps > sim.cfg.max_steps)
		ksml_sim_fail("no progress after %lu scheduling points (livelock?)",
			      sim.steps);
	for (t = 0; t < sim.nr_threads; t++)
		if (is_candidate(sim.threads[t]))
			cand[n++] = sim.threads[t];
	if (n == 0)
		ksml_sim_fail("deadlock: no thread can run");
	if (n > 1) {
		if (next_byte(&b)) {
			pick = b % n;
		} else {
			/* round-robin: the first candidate after the current one */
			int curidx = sim.cur ? sim.cur->idx : -1;

			pick = 0;
			for (t = 0; t < n; t++)
				if (cand[t]->idx > curidx) {
					pick = t;
					break;
				}
		}
	}
	next = cand[pick];
	if (next->state == TS_WAITQ) {
		/* a timed sleeper chosen: its timeout expires now */
		if (sim.clock_ns < next->deadline)
			sim.clock_ns = next->deadline;
		next->timed_out = true;
		next->state = TS_READY;
	}
	switch_to(next);
}

static void sched_point(const char *what, const void *obj)
{
	if (!sim.active)
		return;
	trace(what, obj);
	schedule();
}

/* block the current thread (state already set) until made ready again */
static void block_current(const char *what, const void *obj)
{
	if (!sim.active)
		ksml_sim_fail("%s %p would block outside a sim session", what, obj);
	trace(what, obj);
	schedule();
}

/* ---------------------------------------------------- session interface */

static struct ksml_thread *new_thread(const char *name)
{
	struct ksml_thread *t;

	if (sim.nr_threads >= SIM_MAX_THREADS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->idx = sim.nr_threads;
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "?");
	t->deadline = SIM_NO_DEADLINE;
	sim.threads[sim.nr_threads++] = t;
	return t;
}

void ksml_sim_start(const struct ksml_sim_config *cfg)
{
	struct ksml_thread *m = &main_thread_storage;

	if (sim.active)
		ksml_sim_fail("ksml_sim_start: a session is already active");
	free(sim.edges);
	memset(&sim, 0, sizeof(sim));
	if (cfg)
		sim.cfg = *cfg;
	if (!sim.cfg.max_steps)
		sim.cfg.max_steps = 50000000ul;
	if (!sim.cfg.ns_per_step)
		sim.cfg.ns_per_step = 1000;
	sim.clock_ns = 1000000000ull;
	memset(m, 0, sizeof(*m));
	m->is_main = true;
	m->state = TS_READY;
	m->deadline = SIM_NO_DEADLINE;
	snprintf(m->name, sizeof(m->name), "main");
	sim.threads[0] = m;
	sim.nr_threads = 1;
	sim.cur = m;
	sim.active = true;
}

void ksml_sim_end(void)
{
	int t;

	if (!sim.active)
		return;
	if (sim.cur != &main_thread_storage)
		ksml_sim_fail("ksml_sim_end called from thread %s", sim.cur->name);
	for (t = 1; t < sim.nr_threads; t++) {
		struct ksml_thread *th = sim.threads[t];

		if (th->state != TS_DONE)
			ksml_sim_fail("ksml_sim_end: thread %s has not returned",
				      th->name);
	}
	if (main_thread_storage.nr_held)
		ksml_sim_fail("ksml_sim_end: main holds %d lock(s)",
			      main_thread_storage.nr_held);
	for (t = 1; t < sim.nr_threads; t++) {
		struct ksml_thread *th = sim.threads[t];

		if (nr_stack_pool < SIM_MAX_THREADS)
			stack_pool[nr_stack_pool++] = th->stack;
		else
			free(th->stack);
		free(th);
		sim.threads[t] = NULL;
	}
	free(sim.edges);
	sim.edges = NULL;
	sim.active = false;
	sim.cur = NULL;
}

/* getcontext returns once here: a new context is only ever entered anew */
static __attribute__((noinline)) void init_context(struct ksml_thread *volatile t)
{
	if (getcontext(&t->ctx) != 0)
		ksml_sim_fail("getcontext failed");
	t->ctx.uc_stack.ss_sp = t->stack;
	t->ctx.uc_stack.ss_size = t->stack_size;
	t->ctx.uc_link = NULL;
	makecontext(&t->ctx, thread_entry, 0);
}

struct ksml_thread *ksml_sim_spawn(int (*fn)(void *arg), void *arg,
				   const char *name)
{
	struct ksml_thread *t;

	if (!sim.active)
		return NULL;
	t = new_thread(name);
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->stack_size = SIM_STACK_SIZE;
	t->stack = nr_stack_pool ? stack_pool[--nr_stack_pool] : malloc(SIM_STACK_SIZE);
	if (!t->stack) {
		sim.threads[--sim.nr_threads] = NULL;
		free(t);
		return NULL;
	}
	init_context(t);
#ifdef SIM_ASAN
	t->asan_bottom = t->stack;
	t->asan_size = t->stack_size;
#endif
	t->state = TS_READY;
	trace("spawn", t);
	return t;
}

int ksml_sim_join(struct ksml_thread *t)
{
	struct ksml_thread *self = sim.cur;

	if (!sim.active || !t)
		ksml_sim_fail("ksml_sim_join outside a session");
	if (t == self)
		ksml_sim_fail("thread %s joins itself", t->name);
	sched_point("join", t);
	if (t->state != TS_DONE) {
		self->state = TS_JOIN;
		self->blk_join = t;
		block_current("join-block", t);
		self->blk_join = NULL;
	}
	return t->ret;
}

void ksml_sim_advance_clock(uint64_t ns)
{
	sim.clock_ns += ns;
}

unsigned long ksml_sim_steps(void)
{
	return sim.steps;
}

unsigned long ksml_sim_bytes_used(void)
{
	return sim.bytes_used;
}

/* ------------------------------------------------------------ lock rules */

static struct ksml_thread *cur_thread(void)
{
	return sim.active ? sim.cur : &main_thread_storage;
}

static void check_might_sleep(const char *what, const void *obj)
{
	struct ksml_thread *self = cur_thread();
	int h;

	for (h = 0; h < self->nr_held; h++)
		if (self->held[h].l->kind == LK_SPIN)
			ksml_sim_fail("sleeping operation %s %p while holding spinlock %p",
				      what, obj, (void *)self->held[h].l);
}

static void forget_edges(const void *l)
{
	size_t i = 0;

	while (i < sim.nr_edges) {
		if (sim.edges[i].from == l || sim.edges[i].to == l)
			sim.edges[i] = sim.edges[--sim.nr_edges];
		else
			i++;
	}
}

/* is there a path from a to b in the order graph? (depth-first, bounded) */
static bool reaches(const void *a, const void *b, int depth)
{
	size_t i;

	if (a == b)
		return true;
	if (depth > 64)
		return false;
	for (i = 0; i < sim.nr_edges; i++)
		if (sim.edges[i].from == a && reaches(sim.edges[i].to, b, depth + 1))
			return true;
	return false;
}

static void add_edge(const struct ksml_sim_lock *from, const struct ksml_sim_lock *to)
{
	size_t i;

	for (i = 0; i < sim.nr_edges; i++)
		if (sim.edges[i].from == from && sim.edges[i].to == to)
			return;
	if (reaches(to, from, 0))
		ksml_sim_fail("lock order inversion: acquiring %s %p while holding %s %p, "
			      "but %p was taken before %p elsewhere",
			      lock_kind_name(to), (const void *)to, lock_kind_name(from),
			      (const void *)from, (const void *)to, (const void *)from);
	if (sim.nr_edges == sim.cap_edges) {
		size_t cap = sim.cap_edges ? 2 * sim.cap_edges : 64;
		struct edge *e = realloc(sim.edges, cap * sizeof(*e));

		if (!e)
			ksml_sim_fail("out of memory for the lock graph");
		sim.edges = e;
		sim.cap_edges = cap;
	}
	sim.edges[sim.nr_edges].from = from;
	sim.edges[sim.nr_edges].to = to;
	sim.nr_edges++;
}

static void check_lock(const struct ksml_sim_lock *l, unsigned int kind, const char *op)
{
	if (l->magic != KSML_SIM_LOCK_MAGIC)
		ksml_sim_fail("%s on %p: lock not initialised (or destroyed)", op,
			      (const void *)l);
	if (l->kind != kind)
		ksml_sim_fail("%s on %p: it is a %s", op, (const void *)l,
			      lock_kind_name(l));
}

/*
 * Record the acquisition in the order graph, before blocking on it; and
 * lockdep's class rule: a lock of a class already held needs another
 * subclass (nested), or both taken under the same outer lock (nest).
 */
static void note_acquire_nested(struct ksml_sim_lock *l, const char *op,
				unsigned int subclass,
				const struct ksml_sim_lock *nest)
{
	struct ksml_thread *self = cur_thread();
	bool outer_held = false;
	int h;

	for (h = 0; h < self->nr_held; h++) {
		const struct held_lock *hl = &self->held[h];

		if (hl->l == l)
			ksml_sim_fail(
				"%s %p: recursive acquire (already held%s)", op,
				(void *)l,
				hl->mode == HM_READ ? " for read" : "");
		if (hl->l == nest)
			outer_held = true;
		if (l->key && hl->l->key == l->key &&
		    hl->subclass == subclass && !(nest && hl->nest == nest))
			ksml_sim_fail(
				"%s %s %p: a second lock of its class (%s %p "
				"held) without a nesting annotation "
				"(ksml_plat_spin_lock_nested/_nest)",
				op, l->name ? l->name : "?", (void *)l,
				hl->l->name ? hl->l->name : "?", (void *)hl->l);
		add_edge(hl->l, l);
	}
	if (nest && !outer_held)
		ksml_sim_fail("%s %p: nest lock %p not held", op, (void *)l,
			      (const void *)nest);
}

static void note_acquire(struct ksml_sim_lock *l, const char *op)
{
	note_acquire_nested(l, op, 0, NULL);
}

static void push_held(struct ksml_sim_lock *l, int mode)
{
	struct ksml_thread *self = cur_thread();

	if (self->nr_held == SIM_MAX_HELD)
		ksml_sim_fail("more than %d locks held", SIM_MAX_HELD);
	self->held[self->nr_held].l = l;
	self->held[self->nr_held].mode = mode;
	self->held[self->nr_held].subclass = 0;
	self->held[self->nr_held].nest = NULL;
	self->nr_held++;
}

static void pop_held(struct ksml_sim_lock *l, int mode, const char *op)
{
	struct ksml_thread *self = cur_thread();
	int h;

	for (h = self->nr_held - 1; h >= 0; h--) {
		if (self->held[h].l != l)
			continue;
		if (self->held[h].mode != mode)
			ksml_sim_fail("%s %p: held in the other mode", op, (void *)l);
		memmove(&self->held[h], &self->held[h + 1],
			(size_t)(self->nr_held - h - 1) * sizeof(self->held[0]));
		self->nr_held--;
		return;
	}
	ksml_sim_fail("%s %p: %s not held by this thread", op, (void *)l,
		      lock_kind_name(l));
}

static void wake_lock_waiters(const struct ksml_sim_lock *l)
{
	int t;

	for (t = 0; t < sim.nr_threads; t++) {
		struct ksml_thread *th = sim.threads[t];

		if (th && th->state == TS_LOCK && th->blk_lock == l)
			th->state = TS_READY;
	}
}

static void lock_init(struct ksml_sim_lock *l, unsigned int kind,
		      const char *name, const void *key)
{
	memset(l, 0, sizeof(*l));
	l->magic = KSML_SIM_LOCK_MAGIC;
	l->kind = kind;
	l->name = name;
	l->key = key;
	forget_edges(l);
}

static void lock_destroy(struct ksml_sim_lock *l, unsigned int kind)
{
	int t;

	check_lock(l, kind, "destroy");
	if (l->owner || l->readers)
		ksml_sim_fail("destroy of held %s %p", lock_kind_name(l), (void *)l);
	for (t = 0; t < sim.nr_threads; t++)
		if (sim.threads[t] && sim.threads[t]->state == TS_LOCK &&
		    sim.threads[t]->blk_lock == l)
			ksml_sim_fail("destroy of %s %p with waiters", lock_kind_name(l),
				      (void *)l);
	forget_edges(l);
	l->magic = 0;
}

/* exclusive acquire: spinlock, mutex, rwsem write */
static void lock_excl_nested(struct ksml_sim_lock *l, unsigned int kind,
			     const char *op, unsigned int subclass,
			     const struct ksml_sim_lock *nest)
{
	struct ksml_thread *self = cur_thread();

	check_lock(l, kind, op);
	if (kind != LK_SPIN)
		check_might_sleep(op, l);
	note_acquire_nested(l, op, subclass, nest);
	sched_point(op, l);
	if (kind == LK_RWSEM)
		l->writers_waiting++;
	while (l->owner || l->readers) {
		self->state = TS_LOCK;
		self->blk_lock = l;
		block_current(op, l);
		self->blk_lock = NULL;
	}
	if (kind == LK_RWSEM)
		l->writers_waiting--;
	l->owner = self;
	push_held(l, HM_EXCL);
	self->held[self->nr_held - 1].subclass = subclass;
	self->held[self->nr_held - 1].nest = nest;
}

static void lock_excl(struct ksml_sim_lock *l, unsigned int kind,
		      const char *op)
{
	lock_excl_nested(l, kind, op, 0, NULL);
}

static void unlock_excl(struct ksml_sim_lock *l, unsigned int kind, const char *op)
{
	check_lock(l, kind, op);
	if (l->owner != cur_thread())
		ksml_sim_fail("%s %p: not the owner", op, (void *)l);
	pop_held(l, HM_EXCL, op);
	l->owner = NULL;
	wake_lock_waiters(l);
	sched_point(op, l);
}

void ksml_plat_spin_init_key(struct ksml_spinlock *l, const char *name,
			     struct ksml_lock_key *key)
{
	lock_init(&l->l, LK_SPIN, name, key);
}
void ksml_plat_spin_destroy(struct ksml_spinlock *l)
{
	lock_destroy(&l->l, LK_SPIN);
}
void ksml_plat_spin_lock(struct ksml_spinlock *l)
{
	lock_excl(&l->l, LK_SPIN, "spin_lock");
}
void ksml_plat_spin_lock_nested(struct ksml_spinlock *l, unsigned int subclass)
{
	lock_excl_nested(&l->l, LK_SPIN, "spin_lock_nested", subclass, NULL);
}
void ksml_plat_spin_lock_nest(struct ksml_spinlock *l, struct ksml_mutex *outer)
{
	lock_excl_nested(&l->l, LK_SPIN, "spin_lock_nest", 0, &outer->l);
}
void ksml_plat_spin_unlock(struct ksml_spinlock *l)
{
	unlock_excl(&l->l, LK_SPIN, "spin_unlock");
}
void ksml_plat_mutex_init_key(struct ksml_mutex *m, const char *name,
			      struct ksml_lock_key *key)
{
	lock_init(&m->l, LK_MUTEX, name, key);
}
void ksml_plat_mutex_destroy(struct ksml_mutex *m)
{
	lock_destroy(&m->l, LK_MUTEX);
}
void ksml_plat_mutex_lock(struct ksml_mutex *m)
{
	lock_excl(&m->l, LK_MUTEX, "mutex_lock");
}
void ksml_plat_mutex_unlock(struct ksml_mutex *m)
{
	unlock_excl(&m->l, LK_MUTEX, "mutex_unlock");
}
void ksml_plat_rwsem_init_key(struct ksml_rwsem *s, const char *name,
			      struct ksml_lock_key *key)
{
	lock_init(&s->l, LK_RWSEM, name, key);
}
void ksml_plat_rwsem_destroy(struct ksml_rwsem *s)
{
	lock_destroy(&s->l, LK_RWSEM);
}
void ksml_plat_down_write(struct ksml_rwsem *s)
{
	lock_excl(&s->l, LK_RWSEM, "down_write");
}
void ksml_plat_up_write(struct ksml_rwsem *s)
{
	unlock_excl(&s->l, LK_RWSEM, "up_write");
}

/*
 * Readers queue behind a waiting writer, as the kernel's rwsem: so a
 * recursive read with a writer queued in between deadlocks here too.
 */
void ksml_plat_down_read(struct ksml_rwsem *s)
{
	struct ksml_sim_lock *l = &s->l;
	struct ksml_thread *self = cur_thread();

	check_lock(l, LK_RWSEM, "down_read");
	check_might_sleep("down_read", l);
	note_acquire(l, "down_read");
	sched_point("down_read", l);
	while (l->owner || l->writers_waiting) {
		self->state = TS_LOCK;
		self->blk_lock = l;
		block_current("down_read", l);
		self->blk_lock = NULL;
	}
	l->readers++;
	push_held(l, HM_READ);
}

void ksml_plat_up_read(struct ksml_rwsem *s)
{
	struct ksml_sim_lock *l = &s->l;

	check_lock(l, LK_RWSEM, "up_read");
	if (l->readers <= 0)
		ksml_sim_fail("up_read %p: not read-held", (void *)l);
	pop_held(l, HM_READ, "up_read");
	l->readers--;
	if (!l->readers)
		wake_lock_waiters(l);
	sched_point("up_read", l);
}

/*
 * A lock-free atomic: another CPU may run here, spinlock held or not (it
 * does not sleep, so no might_sleep check).
 */
void ksml_plat_atomic_point(const void *p)
{
	if (sim.cfg.atomic_points)
		sched_point("atomic", p);
}

void ksml_plat_yield(void)
{
	if (!sim.cfg.allow_yield_under_spin)
		check_might_sleep("yield", NULL);
	sched_point("yield", NULL);
}

/* -------------------------------------------------- wait/wake, threads */

void ksml_plat_waitq_init(struct ksml_waitq *wq)
{
	wq->magic = KSML_SIM_WAITQ_MAGIC;
	wq->wakeups = 0;
}

void ksml_plat_waitq_destroy(struct ksml_waitq *wq)
{
	int t;

	if (wq->magic != KSML_SIM_WAITQ_MAGIC)
		ksml_sim_fail("waitq_destroy %p: not initialised", (void *)wq);
	for (t = 0; t < sim.nr_threads; t++)
		if (sim.threads[t] && sim.threads[t]->state == TS_WAITQ &&
		    sim.threads[t]->blk_wq == wq)
			ksml_sim_fail("waitq_destroy %p with a sleeper (%s)", (void *)wq,
				      sim.threads[t]->name);
	wq->magic = 0;
}

bool ksml_plat_wait_event(struct ksml_waitq *wq, bool (*cond)(void *arg),
			  void *arg, long timeout_ms)
{
	struct ksml_thread *self = cur_thread();
	uint64_t deadline;

	if (wq->magic != KSML_SIM_WAITQ_MAGIC)
		ksml_sim_fail("wait_event on %p: waitq not initialised", (void *)wq);
	check_might_sleep("wait_event", wq);
	sched_point("wait_event", wq);
	deadline = timeout_ms < 0 ? SIM_NO_DEADLINE :
				    sim.clock_ns + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		if (cond(arg))
			return true;
		if (timeout_ms >= 0 && sim.clock_ns >= deadline)
			return false;
		if (!sim.active)
			ksml_sim_fail("wait_event %p would sleep outside a session",
				      (void *)wq);
		self->state = TS_WAITQ;
		self->blk_wq = wq;
		self->deadline = deadline;
		self->timed_out = false;
		block_current("sleep", wq);
		self->blk_wq = NULL;
		self->deadline = SIM_NO_DEADLINE;
		if (self->timed_out)
			return cond(arg);
	}
}

void ksml_plat_wake_up(struct ksml_waitq *wq)
{
	int t;

	if (wq->magic != KSML_SIM_WAITQ_MAGIC)
		ksml_sim_fail("wake_up %p: waitq not initialised", (void *)wq);
	wq->wakeups++;
	for (t = 0; t < sim.nr_threads; t++) {
		struct ksml_thread *th = sim.threads[t];

		if (th && th->state == TS_WAITQ && th->blk_wq == wq)
			th->state = TS_READY;
	}
	sched_point("wake_up", wq);
}

int ksml_plat_thread_start(struct ksml_thread **out, int (*fn)(void *arg),
			   void *arg, const char *name)
{
	struct ksml_thread *t;

	if (ksml_plat_should_fail())
		return -KSML_ENOMEM;
	if (!sim.active)
		ksml_sim_fail("thread_start(%s) outside a sim session", name);
	t = ksml_sim_spawn(fn, arg, name);
	if (!t)
		return -KSML_ENOMEM;
	*out = t;
	sched_point("thread_start", t);
	return 0;
}

bool ksml_plat_thread_should_stop(void)
{
	return cur_thread()->should_stop;
}

void ksml_plat_thread_stop(struct ksml_thread *t, struct ksml_waitq *const *wqs,
			   int nr_wqs)
{
	int i;

	check_might_sleep("thread_stop", t);
	t->should_stop = true;
	for (i = 0; i < nr_wqs; i++)
		ksml_plat_wake_up(wqs[i]);
	ksml_sim_join(t);
	/* its stack and struct are reclaimed by ksml_sim_end */
}

/* ------------------------------------------------------------ allocation */

/*
 * Failure injection, the counters and the registration list are
 * plat_common.h's, over these.  Plain operations: every sim thread runs
 * on one OS thread, switching only at scheduling points.
 */
typedef long plat_counter_t;
#define PLAT_COUNTER_READ(c)   (c)
#define PLAT_COUNTER_SET(c, v) ((c) = (v))
#define PLAT_COUNTER_INC(c)    ((c)++)
#define PLAT_COUNTER_DEC(c)    ((c)--)
#define PLAT_COUNTER_TRY_CMPXCHG(c, oldp, v)                                   \
	((c) == *(oldp) ? ((c) = (v), true) : (*(oldp) = (c), false))

/*
 * Nothing to publish in the sim.  No lock: a sim lock would be a
 * scheduling point, and change every schedule a corpus file replays.
 */
#define PLAT_REGISTRATIONS 1
#define PLAT_REG_LOCK()                                                        \
	do {                                                                   \
	} while (0)
#define PLAT_REG_UNLOCK() PLAT_REG_LOCK()
#define PLAT_REG_MISSING()                                                     \
	ksml_sim_fail("unregister of a registration that does not exist")

static void *plat_raw_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

static void plat_raw_free(void *p)
{
	free(p);
}

#include "../plat_common.h"

struct ksml_cache {
	size_t size;
	const char *name;
};

struct ksml_cache *ksml_plat_cache_create(const char *name, size_t size)
{
	struct ksml_cache *c = ksml_plat_zalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->size = size;
	c->name = name;
	return c;
}

void ksml_plat_cache_destroy(struct ksml_cache *c)
{
	ksml_plat_free(c);
}

void *ksml_plat_cache_zalloc(struct ksml_cache *c)
{
	return ksml_plat_zalloc(c->size);
}

void ksml_plat_cache_free(struct ksml_cache *c, void *p)
{
	(void)c;
	ksml_plat_free(p);
}

/* ------------------------------------------------------------ page access */

void *ksml_plat_page_map(void *page)
{
	return page;
}

void ksml_plat_page_unmap(void *addr)
{
	(void)addr;
}

int ksml_plat_page_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KSML_PAGE_SIZE);
}

void ksml_plat_page_copy(void *dst, const void *src)
{
	memcpy(dst, src, KSML_PAGE_SIZE);
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
	return (uint32_t)XXH64(addr, KSML_PAGE_SIZE, 0);
}

/* ---------------------------------------------------------------- logging */

void ksml_plat_log(enum ksml_log_level lvl, const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	if (verbose < 0) {
		const char *v = getenv("KSML_SIM_VERBOSE");

		verbose = v && *v && *v != '0';
	}
	if (lvl > KSML_LOG_WARN && !verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "ksml[%s]: ", ksml_sim_current_name());
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void plat_warn_report(const char *file, int line, const char *cond)
{
	fprintf(stderr, "ksml-sim: WARN_ON(%s) at %s:%d in thread %s\n", cond, file,
		line, ksml_sim_current_name());
	if (sim.active && sim.cfg.abort_on_warn)
		ksml_sim_fail("WARN_ON(%s) at %s:%d", cond, file, line);
}

/* ------------------------------------------------------------ run-time ops */

static uint64_t sim_clock_ns(void *ctx)
{
	(void)ctx;
	return sim.clock_ns;
}

static uint64_t sim_thread_cpu_ns(void *ctx)
{
	(void)ctx;
	return cur_thread()->cpu_ns;
}

static int sim_nr_node_ids(void *ctx)
{
	return (int)(uintptr_t)ctx;
}

static void *sim_page_alloc(void *ctx, int nid)
{
	void *p;

	(void)ctx;
	(void)nid;
	if (ksml_plat_should_fail())
		return NULL;
	p = aligned_alloc(KSML_PAGE_SIZE, KSML_PAGE_SIZE);
	if (!p)
		return NULL;
	memset(p, 0, KSML_PAGE_SIZE);
	plat_count_alloc();
	return p;
}

static void sim_page_free(void *ctx, void *page)
{
	(void)ctx;
	if (!page)
		return;
	plat_count_free();
	free(page);
}

#define SIM_MAX_NODES 8
static struct ksml_platform_ops sim_ops[SIM_MAX_NODES + 1];

const struct ksml_platform_ops *ksml_sim_ops(int nr_nodes)
{
	struct ksml_platform_ops *o;

	if (nr_nodes < 1)
		nr_nodes = 1;
	if (nr_nodes > SIM_MAX_NODES)
		nr_nodes = SIM_MAX_NODES;
	o = &sim_ops[nr_nodes];
	o->clock_ns = sim_clock_ns;
	o->thread_cpu_ns = sim_thread_cpu_ns;
	o->nr_node_ids = sim_nr_node_ids;
	o->page_alloc = sim_page_alloc;
	o->page_free = sim_page_free;
	o->ctx = (void *)(uintptr_t)nr_nodes;
	return o;
}

const struct ksml_platform_ops *ksml_plat_default_ops(void)
{
	return ksml_sim_ops(1);
}

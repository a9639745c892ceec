/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_platform_sim.h - lock and wait-queue types of the deterministic
 * platform (platform/sim), and its driver API.  Included by ksm_platform.h
 * when KSML_PLATFORM_SIM is defined.
 *
 * The sim platform runs every thread (ksmd, the tasks of a fuzz target,
 * and the caller itself as thread "main") as a coroutine on one OS thread.
 * Each lock, unlock, rwsem op, ksml_plat_yield(), wait, wake and thread
 * start/stop is a scheduling point, and with atomic_points each atomic
 * store or read-modify-write of the core too (even under a spinlock): the
 * next thread to run is chosen from a byte source (the fuzzer's bytes),
 * round-robin once the bytes run out.
 * Same bytes => same interleaving, exactly.
 *
 * Lock rules checked at every point (a violation prints the threads, the
 * held locks and the last scheduling events, then aborts):
 *   - no sleeping (mutex/rwsem acquire, wait, thread stop/join, yield)
 *     while holding a spinlock (the kernel's might_sleep);
 *   - lock order: every (held, acquired) pair is recorded; a cycle in
 *     that graph is reported when the closing edge is added;
 *   - lock classes (lockdep's rule): two locks of one class (one init
 *     site) held at once need ksml_plat_spin_lock_nested with another
 *     subclass, or ksml_plat_spin_lock_nest under an outer mutex held;
 *   - unlock of a lock the thread does not hold (or in the wrong mode),
 *     recursive acquire, destroy of a held lock, a thread that returns
 *     holding a lock;
 *   - deadlock: no thread can run while some have not finished.
 */
#ifndef KSM_PLATFORM_SIM_H
#define KSM_PLATFORM_SIM_H

/* lock state: plain integers only, so the core needs no libc header */
struct ksml_sim_lock {
	uint32_t magic;		   /* KSML_SIM_LOCK_MAGIC while initialised */
	uint32_t kind;		   /* spin, mutex, rwsem */
	struct ksml_thread *owner; /* exclusive holder */
	int readers;		   /* rwsem read holders */
	int writers_waiting;	   /* rwsem: readers queue behind writers */
	const void *key;	   /* class: its init site (ksm_platform.h) */
	const char *name;	   /* what the init site called it */
};

struct ksml_spinlock {
	struct ksml_sim_lock l;
};
struct ksml_mutex {
	struct ksml_sim_lock l;
};
struct ksml_rwsem {
	struct ksml_sim_lock l;
};
struct ksml_waitq {
	uint32_t magic;
	unsigned long wakeups;
};

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------- driver API (not the core) */

/*
 * Byte source of the scheduler: return true and set *out, or false when
 * exhausted (then the scheduler goes round-robin for the rest of the run).
 */
typedef bool (*ksml_sim_byte_fn)(void *ctx, uint8_t *out);

struct ksml_sim_config {
	ksml_sim_byte_fn next_byte; /* NULL: round-robin only */
	void *byte_ctx;
	/* abort at the first KSML_WARN_ON (else the caller checks the count) */
	bool abort_on_warn;
	/* flag ksml_plat_yield() under a spinlock as sleeping (default on) */
	bool allow_yield_under_spin;
	/*
	 * every atomic store and read-modify-write is a scheduling point too
	 * (ksm_platform.h), so lockless steps interleave with spinlocked ones
	 */
	bool atomic_points;
	/* scheduling points before the run is declared livelocked; 0 = 50M */
	unsigned long max_steps;
	/* virtual nanoseconds added per scheduling point; 0 = 1000 */
	uint64_t ns_per_step;
};

/*
 * Begin a session: the caller becomes thread 0 ("main").  Resets the lock
 * graph, the clock (to 1 s) and the event trace.
 */
void ksml_sim_start(const struct ksml_sim_config *cfg);
/* end it: every other thread must have returned; frees their stacks */
void ksml_sim_end(void);
/* start a task coroutine (runnable, not yet run); NULL on failure */
struct ksml_thread *ksml_sim_spawn(int (*fn)(void *arg), void *arg,
				   const char *name);
/* wait for a task to return (a scheduling point); returns its result */
int ksml_sim_join(struct ksml_thread *t);
/* move the virtual clock forward (a task "sleeps" through time) */
void ksml_sim_advance_clock(uint64_t ns);
/* scheduling points so far in this session, and bytes consumed */
unsigned long ksml_sim_steps(void);
unsigned long ksml_sim_bytes_used(void);
/* run-time ops of the sim: virtual clock, virtual cpu time, nr_nodes ids */
const struct ksml_platform_ops *ksml_sim_ops(int nr_nodes);
/* report a failure of the caller's oracle with the sim's context, abort */
void ksml_sim_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* name of the running thread ("main" outside a session) */
const char *ksml_sim_current_name(void);

#ifdef __cplusplus
}
#endif

#endif /* KSM_PLATFORM_SIM_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * plat_common.h - the bookkeeping every platform keeps the same way:
 * failure injection, the live-allocation count, the warning count and,
 * where a platform has nowhere to publish an instance, the registration
 * list.  Tests and fuzzers judge all three platforms by these counters,
 * so they are written once instead of once per platform, where the
 * copies had started to drift.
 *
 * A header, not a translation unit of its own: every build of a platform
 * (the Makefile, fuzz.mk, OSS-Fuzz's build.sh, the Kbuild wrappers) names
 * its platform's files, and a file its platform file includes needs none
 * of those lists to change.  So it defines public functions, and exactly
 * one file per platform includes it, after defining what differs:
 *
 *   plat_counter_t                 the counter type
 *   PLAT_COUNTER_READ(c)           its atomics, on a plat_counter_t
 *   PLAT_COUNTER_SET(c, v)         lvalue (TRY_CMPXCHG: on failure
 *   PLAT_COUNTER_INC(c)            stores the current value in *oldp)
 *   PLAT_COUNTER_DEC(c)
 *   PLAT_COUNTER_TRY_CMPXCHG(c, oldp, v)
 *   plat_raw_zalloc, plat_raw_free its allocator (static functions)
 *   plat_warn_report               its report of a KSML_WARN_ON
 *   PLAT_BOOKS                     optional: an object with the counter
 *                                  fields below, for a platform whose
 *                                  other files read them
 *   PLAT_BEFORE_LEAK_CHECK()       optional: ksml_plat_live_allocs() runs
 *                                  it first
 *   PLAT_REGISTRATIONS             optional: keep the registration list,
 *                                  under PLAT_REG_LOCK()/PLAT_REG_UNLOCK();
 *                                  PLAT_REG_MISSING() on an unregister of
 *                                  what was never registered
 *
 * Nothing here may use libc: the kernel platform includes it too.
 */
#ifndef KSML_PLAT_COMMON_H
#define KSML_PLAT_COMMON_H

#if !defined(PLAT_COUNTER_READ) || !defined(PLAT_COUNTER_SET) ||               \
	!defined(PLAT_COUNTER_INC) || !defined(PLAT_COUNTER_DEC) ||            \
	!defined(PLAT_COUNTER_TRY_CMPXCHG)
#error "define the platform's counter atomics before plat_common.h"
#endif

static void *plat_raw_zalloc(size_t size);
static void plat_raw_free(void *p);
static void plat_warn_report(const char *file, int line, const char *cond);

#ifndef PLAT_BOOKS
/* @injected: nothing outside the kernel platform reports it yet */
static struct {
	plat_counter_t fail_countdown; /* 0: disarmed; n: the n-th step fails */
	plat_counter_t injected;
	plat_counter_t live_allocs;
	plat_counter_t warn_count;
} plat_books;
#define PLAT_BOOKS plat_books
#endif

#ifndef PLAT_BEFORE_LEAK_CHECK
#define PLAT_BEFORE_LEAK_CHECK()                                               \
	do {                                                                   \
	} while (0)
#endif

/* for the platform's other allocations: caches, frames, threads */
static inline void plat_count_alloc(void)
{
	PLAT_COUNTER_INC(PLAT_BOOKS.live_allocs);
}

static inline void plat_count_free(void)
{
	PLAT_COUNTER_DEC(PLAT_BOOKS.live_allocs);
}

/*
 * A compare-and-swap rather than a decrement: of steps racing at the
 * n-th, exactly one fails, and the countdown never passes below 0.
 */
bool ksml_plat_should_fail(void)
{
	long v = PLAT_COUNTER_READ(PLAT_BOOKS.fail_countdown);

	while (v > 0) {
		if (PLAT_COUNTER_TRY_CMPXCHG(PLAT_BOOKS.fail_countdown, &v,
					     v - 1)) {
			if (v != 1)
				return false;
			PLAT_COUNTER_INC(PLAT_BOOKS.injected);
			return true;
		}
	}
	return false;
}

void ksml_plat_fail_nth(long n)
{
	PLAT_COUNTER_SET(PLAT_BOOKS.fail_countdown, n > 0 ? n : 0);
}

long ksml_plat_live_allocs(void)
{
	PLAT_BEFORE_LEAK_CHECK();
	return PLAT_COUNTER_READ(PLAT_BOOKS.live_allocs);
}

void *ksml_plat_zalloc(size_t size)
{
	void *p;

	if (ksml_plat_should_fail())
		return NULL;
	p = plat_raw_zalloc(size);
	if (p)
		plat_count_alloc();
	return p;
}

void ksml_plat_free(void *p)
{
	if (!p)
		return;
	plat_raw_free(p);
	plat_count_free();
}

void ksml_plat_warn(const char *file, int line, const char *cond)
{
	PLAT_COUNTER_INC(PLAT_BOOKS.warn_count);
	plat_warn_report(file, line, cond);
}

long ksml_plat_warn_count(void)
{
	return PLAT_COUNTER_READ(PLAT_BOOKS.warn_count);
}

#ifdef PLAT_REGISTRATIONS
#ifndef PLAT_REG_MISSING
#define PLAT_REG_MISSING()                                                     \
	do {                                                                   \
	} while (0)
#endif

/*
 * A platform with no sysfs and no memory notifier still makes each
 * registration an allocation, so failure injection and the leak check
 * see the steps the kernel platform's registrations take.
 */
struct plat_registration {
	struct plat_registration *next;
	struct ksml *ksm;
	int kind;
};

enum { PLAT_REG_KNOBS, PLAT_REG_HOTPLUG };

static struct plat_registration *plat_registrations;

static int plat_reg_add(struct ksml *ksm, int kind)
{
	struct plat_registration *r = ksml_plat_zalloc(sizeof(*r));

	if (!r)
		return -KSML_ENOMEM;
	r->ksm = ksm;
	r->kind = kind;
	PLAT_REG_LOCK();
	r->next = plat_registrations;
	plat_registrations = r;
	PLAT_REG_UNLOCK();
	return 0;
}

static void plat_reg_del(struct ksml *ksm, int kind)
{
	struct plat_registration **p, *r = NULL;

	PLAT_REG_LOCK();
	for (p = &plat_registrations; *p; p = &(*p)->next) {
		if ((*p)->ksm == ksm && (*p)->kind == kind) {
			r = *p;
			*p = r->next;
			break;
		}
	}
	PLAT_REG_UNLOCK();
	if (!r)
		PLAT_REG_MISSING();
	ksml_plat_free(r);
}

int ksml_plat_knobs_register(struct ksml *ksm)
{
	return plat_reg_add(ksm, PLAT_REG_KNOBS);
}

void ksml_plat_knobs_unregister(struct ksml *ksm)
{
	plat_reg_del(ksm, PLAT_REG_KNOBS);
}

int ksml_plat_hotplug_register(struct ksml *ksm)
{
	return plat_reg_add(ksm, PLAT_REG_HOTPLUG);
}

void ksml_plat_hotplug_unregister(struct ksml *ksm)
{
	plat_reg_del(ksm, PLAT_REG_HOTPLUG);
}
#endif /* PLAT_REGISTRATIONS */

#endif /* KSML_PLAT_COMMON_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * sim_selftest.c - proves the deterministic platform (platform/sim) does
 * what fuzz_race relies on: same bytes => same interleaving; different
 * bytes reach different interleavings (a lost update is found); and each
 * lock rule fires (each violation runs in a child that must abort with
 * the expected message).  Needs only platform_sim.c, not the core.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ksm_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(c, ...)                                                  \
	do {                                                           \
		checks++;                                              \
		if (!(c)) {                                            \
			failures++;                                    \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                  \
			fprintf(stderr, "\n");                         \
		}                                                      \
	} while (0)

struct bytes {
	const uint8_t *p;
	size_t n, off;
};

static bool take_byte(void *ctx, uint8_t *out)
{
	struct bytes *b = ctx;

	if (b->off >= b->n)
		return false;
	*out = b->p[b->off++];
	return true;
}

static void start(struct bytes *b)
{
	struct ksml_sim_config cfg = { 0 };

	cfg.next_byte = b ? take_byte : NULL;
	cfg.byte_ctx = b;
	ksml_sim_start(&cfg);
}

/* ------------------------------------------- determinism, interleavings */

static struct ksml_mutex log_lock;
static char order_log[256];
static int order_len;
static int counter;

static int logger(void *arg)
{
	int i;

	for (i = 0; i < 8; i++) {
		ksml_plat_mutex_lock(&log_lock);
		if (order_len < (int)sizeof(order_log) - 1)
			order_log[order_len++] = (char)(uintptr_t)arg;
		ksml_plat_mutex_unlock(&log_lock);
		ksml_plat_yield();
	}
	return 0;
}

/* read-modify-write with a yield in the middle: a lost update if interleaved */
static int racer(void *arg)
{
	int v = counter;

	(void)arg;
	ksml_plat_yield();
	counter = v + 1;
	return 0;
}

static void run_loggers(const uint8_t *p, size_t n, char *out)
{
	struct bytes b = { p, n, 0 };
	struct ksml_thread *t[3];
	int i;

	start(&b);
	ksml_plat_mutex_init(&log_lock);
	order_len = 0;
	for (i = 0; i < 3; i++)
		t[i] = ksml_sim_spawn(logger, (void *)(uintptr_t)('a' + i), "logger");
	for (i = 0; i < 3; i++)
		ksml_sim_join(t[i]);
	ksml_plat_mutex_destroy(&log_lock);
	ksml_sim_end();
	order_log[order_len] = 0;
	strcpy(out, order_log);
}

static void test_determinism(void)
{
	uint8_t bytes[64];
	char a[256], b[256], c[256];
	size_t i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 37 + 11);
	run_loggers(bytes, sizeof(bytes), a);
	run_loggers(bytes, sizeof(bytes), b);
	CHECK(strcmp(a, b) == 0, "same bytes, different interleaving: %s vs %s", a, b);
	CHECK(strlen(a) == 24, "lost log entries: %s", a);
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 91 + 5);
	run_loggers(bytes, sizeof(bytes), c);
	CHECK(strcmp(a, c) != 0, "different bytes gave the same interleaving %s", a);
	run_loggers(NULL, 0, c);
	CHECK(strlen(c) == 24, "round-robin lost entries: %s", c);
}

static void test_lost_update_found(void)
{
	int seed, found = 0, total = 0;

	for (seed = 0; seed < 64 && !found; seed++) {
		uint8_t bytes[16];
		struct bytes b = { bytes, sizeof(bytes), 0 };
		struct ksml_thread *t1, *t2;
		int i;

		for (i = 0; i < 16; i++)
			bytes[i] = (uint8_t)((seed * 131 + i * 29) >> (i % 3));
		start(&b);
		counter = 0;
		t1 = ksml_sim_spawn(racer, NULL, "r1");
		t2 = ksml_sim_spawn(racer, NULL, "r2");
		ksml_sim_join(t1);
		ksml_sim_join(t2);
		ksml_sim_end();
		total++;
		if (counter == 1)
			found = 1;
	}
	CHECK(found, "no interleaving out of %d lost the update", total);
}

static bool flag_cond(void *arg)
{
	return *(volatile int *)arg != 0;
}

static struct ksml_waitq wq;
static int flag;

static int sleeper(void *arg)
{
	(void)arg;
	return ksml_plat_wait_event(&wq, flag_cond, &flag, -1) ? 1 : 0;
}

static int timed_sleeper(void *arg)
{
	(void)arg;
	return ksml_plat_wait_event(&wq, flag_cond, &flag, 20) ? 1 : 2;
}

static void test_wait_wake(void)
{
	struct bytes b = { NULL, 0, 0 };
	struct ksml_thread *t, *u;
	uint64_t t0;

	start(&b);
	ksml_plat_waitq_init(&wq);
	flag = 0;
	t = ksml_sim_spawn(sleeper, NULL, "sleeper");
	u = ksml_sim_spawn(timed_sleeper, NULL, "timed");
	t0 = ksml_sim_ops(1)->clock_ns(NULL);
	ksml_plat_yield();
	ksml_plat_yield();
	flag = 1;
	ksml_plat_wake_up(&wq);
	CHECK(ksml_sim_join(t) == 1, "sleeper did not see the condition");
	ksml_sim_join(u);
	CHECK(ksml_sim_ops(1)->clock_ns(NULL) > t0, "clock did not advance");
	ksml_plat_waitq_destroy(&wq);
	ksml_sim_end();
}

/* ------------------------------------------------------- rule violations */

static struct ksml_mutex m1, m2;
static struct ksml_spinlock s1;
static struct ksml_rwsem r1;

static int take_12(void *arg)
{
	(void)arg;
	ksml_plat_mutex_lock(&m1);
	ksml_plat_mutex_lock(&m2);
	ksml_plat_mutex_unlock(&m2);
	ksml_plat_mutex_unlock(&m1);
	return 0;
}

static int take_21(void *arg)
{
	(void)arg;
	ksml_plat_mutex_lock(&m2);
	ksml_plat_mutex_lock(&m1);
	ksml_plat_mutex_unlock(&m1);
	ksml_plat_mutex_unlock(&m2);
	return 0;
}

static int hold_m1_forever(void *arg)
{
	(void)arg;
	ksml_plat_mutex_lock(&m1);
	ksml_plat_wait_event(&wq, flag_cond, &flag, -1);
	ksml_plat_mutex_unlock(&m1);
	return 0;
}

static void case_inversion(void)
{
	struct bytes b = { NULL, 0, 0 };
	struct ksml_thread *t;

	start(&b);
	ksml_plat_mutex_init(&m1);
	ksml_plat_mutex_init(&m2);
	t = ksml_sim_spawn(take_12, NULL, "t12");
	ksml_sim_join(t);
	/* sequential, so no deadlock happens: the order graph still sees it */
	t = ksml_sim_spawn(take_21, NULL, "t21");
	ksml_sim_join(t);
}

/*
 * Lock classes: locks initialised at one site are one class (as lockdep's
 * spin_lock_init), like every mm's page_table_lock.  Two of them held
 * together must be annotated: nested (fork's child PTL) or nest under an
 * outer mutex (migrate's every-mm walk).
 */
static struct ksml_spinlock ptl_a, ptl_b;

static void init_ptl(struct ksml_spinlock *l)
{
	ksml_plat_spin_init(l); /* one site: one class */
}

static void case_ptl_unannotated(void)
{
	start(NULL);
	init_ptl(&ptl_a);
	init_ptl(&ptl_b);
	ksml_plat_spin_lock(&ptl_a);
	ksml_plat_spin_lock(&ptl_b);
}

static void case_ptl_nest_without_outer(void)
{
	start(NULL);
	init_ptl(&ptl_a);
	ksml_plat_mutex_init(&m1);
	ksml_plat_spin_lock_nest(&ptl_a, &m1);
}

/* the annotated forms pass (and locks of other classes nest freely) */
static void test_ptl_annotated(void)
{
	checks++;
	start(NULL);
	init_ptl(&ptl_a);
	init_ptl(&ptl_b);
	ksml_plat_spin_init(&s1);
	ksml_plat_mutex_init(&m1);
	ksml_plat_spin_lock(&ptl_a);
	ksml_plat_spin_lock_nested(&ptl_b, KSML_SINGLE_DEPTH_NESTING);
	ksml_plat_spin_lock(&s1);
	ksml_plat_spin_unlock(&s1);
	ksml_plat_spin_unlock(&ptl_b);
	ksml_plat_spin_unlock(&ptl_a);
	ksml_plat_mutex_lock(&m1);
	ksml_plat_spin_lock_nest(&ptl_a, &m1);
	ksml_plat_spin_lock_nest(&ptl_b, &m1);
	ksml_plat_spin_unlock(&ptl_b);
	ksml_plat_spin_unlock(&ptl_a);
	ksml_plat_mutex_unlock(&m1);
	ksml_sim_end();
	printf("ok   %-20s -> no report\n", "ptl-annotated");
}

static void case_sleep_under_spin(void)
{
	start(NULL);
	ksml_plat_spin_init(&s1);
	ksml_plat_mutex_init(&m1);
	ksml_plat_spin_lock(&s1);
	ksml_plat_mutex_lock(&m1);
}

static void case_unlock_unheld(void)
{
	start(NULL);
	ksml_plat_mutex_init(&m1);
	ksml_plat_mutex_unlock(&m1);
}

static void case_deadlock(void)
{
	struct ksml_thread *t;

	start(NULL);
	ksml_plat_mutex_init(&m1);
	ksml_plat_waitq_init(&wq);
	flag = 0;
	t = ksml_sim_spawn(hold_m1_forever, NULL, "holder");
	ksml_plat_yield();
	ksml_plat_mutex_lock(&m1);
	ksml_sim_join(t);
}

static void case_recursive_read(void)
{
	start(NULL);
	ksml_plat_rwsem_init(&r1);
	ksml_plat_down_read(&r1);
	ksml_plat_down_read(&r1);
}

static int exit_holding(void *arg)
{
	(void)arg;
	ksml_plat_mutex_lock(&m1);
	return 0;
}

static void case_exit_holding(void)
{
	start(NULL);
	ksml_plat_mutex_init(&m1);
	ksml_sim_join(ksml_sim_spawn(exit_holding, NULL, "leaker"));
}

static void expect_abort(const char *name, void (*fn)(void), const char *needle)
{
	int pfd[2], status;
	char buf[8192];
	ssize_t n, len = 0;
	pid_t pid;

	checks++;
	if (pipe(pfd) != 0) {
		perror("pipe");
		exit(1);
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || !strstr(buf, needle)) {
		failures++;
		fprintf(stderr, "FAIL %s: expected an abort with \"%s\"; got status %d:\n%s\n",
			name, needle, status, buf);
	} else {
		printf("ok   %-20s -> %s\n", name, needle);
	}
}

/*
 * The shape of the migrate bug: a spinlock holder checks a count and
 * stores a new one (check, then an absolute store), while a lockless
 * thread increments the count with no lock.  Only with atomic_points can
 * the increment land between the check and the store (and be lost); with
 * lock-only scheduling points no byte string can put it there.
 */
static struct ksml_spinlock cnt_lock;
static long cnt;

static int check_and_store(void *arg)
{
	(void)arg;
	ksml_plat_spin_lock(&cnt_lock);
	if (ksml_atomic_read(&cnt) == 1) {
		ksml_atomic_add(&counter, 1); /* another atomic between them */
		ksml_atomic_set(&cnt, 1);
	}
	ksml_plat_spin_unlock(&cnt_lock);
	return 0;
}

static int lockless_get(void *arg)
{
	(void)arg;
	ksml_atomic_inc_not_zero(&cnt);
	return 0;
}

static int count_lost_gets(bool atomic_points)
{
	int seed, lost = 0;

	for (seed = 0; seed < 256; seed++) {
		uint8_t bytes[8];
		struct ksml_sim_config cfg = {0};
		struct bytes b = {bytes, sizeof(bytes), 0};
		struct ksml_thread *t1, *t2;
		int i;

		for (i = 0; i < 8; i++)
			bytes[i] = (uint8_t)((seed >> i) & 1 ? 0xff : 0);
		cfg.next_byte = take_byte;
		cfg.byte_ctx = &b;
		cfg.atomic_points = atomic_points;
		ksml_sim_start(&cfg);
		ksml_plat_spin_init(&cnt_lock);
		cnt = 1;
		counter = 0;
		t1 = ksml_sim_spawn(check_and_store, NULL, "checker");
		t2 = ksml_sim_spawn(lockless_get, NULL, "getter");
		ksml_sim_join(t1);
		ksml_sim_join(t2);
		ksml_plat_spin_destroy(&cnt_lock);
		ksml_sim_end();
		/* the get succeeded (cnt was never 0) but the store erased it
		 */
		if (cnt == 1)
			lost++;
	}
	return lost;
}

static void test_atomic_points(void)
{
	CHECK(count_lost_gets(true) > 0,
	      "with atomic points no schedule put the lockless get between "
	      "check and store");
	CHECK(count_lost_gets(false) == 0,
	      "without atomic points a lockless step ran inside a spinlocked "
	      "section");
}

int main(void)
{
	test_determinism();
	test_lost_update_found();
	test_wait_wake();
	test_atomic_points();
	expect_abort("lock-inversion", case_inversion, "lock order inversion");
	expect_abort("sleep-under-spin", case_sleep_under_spin,
		     "while holding spinlock");
	expect_abort("unlock-unheld", case_unlock_unheld, "not the owner");
	expect_abort("deadlock", case_deadlock, "deadlock: no thread can run");
	expect_abort("recursive-read", case_recursive_read, "recursive acquire");
	expect_abort("exit-holding", case_exit_holding, "returned holding");
	expect_abort("ptl-unannotated", case_ptl_unannotated,
		     "without a nesting annotation");
	expect_abort("ptl-nest-no-outer", case_ptl_nest_without_outer,
		     "nest lock");
	test_ptl_annotated();
	printf("SUMMARY: sim_selftest %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_threads.c - ksmd as a real thread (sleep_millisecs=0) while task
 * threads create, write, fork, madvise and exit their own address spaces.
 * Built with ThreadSanitizer.  After quiescing (run=0), every page must
 * read back its last write and the counters must match a recount.
 */
#include "test_helpers.h"

#include <pthread.h>
#include <time.h>

#define WORKERS 3
#define SPACES 3
#define NPAGES 24

struct space {
	struct ksml_mm *mm;
	unsigned long base;
	unsigned long seed[NPAGES];
};

struct worker {
	struct ksml *ksm;
	unsigned int rnd;
	struct space sp[SPACES];
	long ops;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void space_new(struct worker *w, struct space *s)
{
	s->mm = mergeable_mm(w->ksm, NPAGES, &s->base);
	memset(s->seed, 0, sizeof(s->seed));
}

static void space_check(struct space *s)
{
	check_pages(s->mm, s->base, s->seed, NPAGES);
}

static void *worker_fn(void *p)
{
	struct worker *w = p;
	double end = now_s() + 2.0;
	int i;

	for (i = 0; i < SPACES; i++)
		space_new(w, &w->sp[i]);
	while (now_s() < end) {
		struct space *s = &w->sp[rand_r(&w->rnd) % SPACES];
		unsigned long pg = (unsigned long)(rand_r(&w->rnd) % NPAGES);
		int what = rand_r(&w->rnd) % 100;

		if (what < 60) {
			s->seed[pg] = 1 + (unsigned long)(rand_r(&w->rnd) % 4);
			write_page(s->mm, s->base + pg * PAGE, s->seed[pg]);
		} else if (what < 70) {
			space_check(s);
		} else if (what < 75) {
			struct space *t = &w->sp[rand_r(&w->rnd) % SPACES];

			if (t != s) {
				space_check(t);
				ksml_mm_exit(t->mm);
				assert_int_equal(ksml_mm_fork(s->mm, &t->mm), 0);
				t->base = s->base;
				memcpy(t->seed, s->seed, sizeof(s->seed));
			}
		} else if (what < 80) {
			space_check(s);
			ksml_mm_exit(s->mm);
			space_new(w, s);
		} else if (what < 85) {
			assert_int_equal(ksml_vm_madvise(s->mm, s->base, NPAGES * PAGE,
							 what & 1 ? KSML_MADV_UNMERGEABLE
								  : KSML_MADV_MERGEABLE), 0);
		} else {
			sched_yield();
		}
		w->ops++;
	}
	return NULL;
}

static void test_ksmd_thread_vs_tasks(void **state)
{
	struct ksml_config cfg = { 0 };

	test_config(&cfg);
	struct worker w[WORKERS];
	pthread_t tid[WORKERS];
	struct ksml *ksm;
	struct ksml_counters c;
	long ops = 0;
	int i, j;

	(void)state;
	cfg.start_ksmd = true;
	assert_int_equal(ksml_init(&ksm, &cfg), 0);
	ksml_set_sleep_millisecs(ksm, 0);
	ksml_set_pages_to_scan(ksm, 64);
	ksml_set_run(ksm, KSML_RUN_MERGE);
	memset(w, 0, sizeof(w));
	for (i = 0; i < WORKERS; i++) {
		w[i].ksm = ksm;
		w[i].rnd = 77u + (unsigned int)i;
		assert_int_equal(pthread_create(&tid[i], NULL, worker_fn, &w[i]), 0);
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(tid[i], NULL);
		ops += w[i].ops;
	}
	c = counters(ksm);
	/* quiesce: ksmd idles with run=0, then everything is recounted */
	ksml_set_run(ksm, KSML_RUN_STOP);
	assert_invariants(ksm);
	for (i = 0; i < WORKERS; i++)
		for (j = 0; j < SPACES; j++)
			space_check(&w[i].sp[j]);
	printf("SUMMARY: threads: %d workers, %ld ops, %lu pages scanned by ksmd, "
	       "%lu full scans, shared %lu sharing %lu\n", WORKERS, ops,
	       c.pages_scanned, c.full_scans, c.pages_shared, c.pages_sharing);
	assert_true(c.full_scans > 0);
	assert_int_equal(ksml_warn_count(), 0);
	{
		/*
		 * With the tasks gone quiet and every space mergeable, a few
		 * passes must merge every duplicate: one KSM page per content
		 * written twice or more, the other copies sharing it.
		 */
		unsigned long count[8] = { 0 }, shared = 0, sharing = 0;
		unsigned long v;

		for (i = 0; i < WORKERS; i++)
			for (j = 0; j < SPACES; j++) {
				struct space *sp = &w[i].sp[j];
				int k;

				assert_int_equal(ksml_vm_madvise(sp->mm, sp->base, NPAGES * PAGE,
								 KSML_MADV_MERGEABLE), 0);
				for (k = 0; k < NPAGES; k++) {
					assert_true(sp->seed[k] < 8);
					count[sp->seed[k]]++;
				}
			}
		/* seed 0: never written, no page to merge */
		for (v = 1; v < 8; v++)
			if (count[v] > 1) {
				shared++;
				sharing += count[v] - 1;
			}
		/*
		 * Smart scan would skip the pages that went long unmerged
		 * while the tasks rewrote them (up to 8 passes each): every
		 * page is visited every pass here, so 4 passes merge them all.
		 */
		ksml_set_smart_scan(ksm, false);
		ksml_set_run(ksm, KSML_RUN_MERGE);
		ksml_scan_full(ksm, 4, 0);
		ksml_set_run(ksm, KSML_RUN_STOP);
		c = counters(ksm);
		printf("SUMMARY: threads: after the tasks, every duplicate merged: "
		       "shared %lu sharing %lu (want %lu %lu)\n", c.pages_shared,
		       c.pages_sharing, shared, sharing);
		assert_int_equal(c.pages_shared, shared);
		assert_int_equal(c.pages_sharing, sharing);
		assert_invariants(ksm);
		for (i = 0; i < WORKERS; i++)
			for (j = 0; j < SPACES; j++)
				space_check(&w[i].sp[j]);
	}
	ksml_destroy(ksm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ksmd_thread_vs_tasks),
	};

	return cmocka_run_group_tests_name("ksm_threads", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_race - the deterministic race fuzzer: ksmd and 1..3 task coroutines
 * of platform/sim, interleaved at every lock, unlock, yield, wait and wake
 * (with atomic_points, chosen by the input, at every atomic store and
 * read-modify-write too, even under a spinlock) by the bytes at the FRONT
 * of the input (round-robin when they run out);
 * the tasks' programs (fuzz_ops decoding: mm create/exit/fork, mmap,
 * writes, madvise, unmerge via run=2, knob changes...) come from the BACK.
 * Failure: a lock rule broken (sleep under spinlock, order cycle, unlock
 * of an unheld lock, deadlock), a KSML_WARN_ON, an ASan report (use after
 * free of a slot or an mm), a page not reading back its last write, and
 * after quiescing with run=0: broken invariants or a leak at destroy.
 */
#include "fuzz_world.h"

#define MAX_TASKS 3
#define MAX_OPS 48

struct task {
	struct fw_world w;
	struct fw_op ops[MAX_OPS];
	int nr_ops;
	struct ksml_thread *th;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The unmerge race scenario: main merges an mm P, then a "forker" task
 * forks P while main writes run=2.  Every child is registered behind the
 * walk (ksm_fork), so once run=2 returns none of them maps a KSM page.
 */
#define SC_PAGES 8
#define SC_CHILDREN 3
#define SC_BASE 0x700000000ul

struct scenario {
	struct ksml_mm *parent;
	struct ksml_mm *child[SC_CHILDREN];
	int yields;
};

static int forker_main(void *arg)
{
	struct scenario *sc = arg;
	int c, i;

	for (c = 0; c < SC_CHILDREN; c++) {
		for (i = 0; i < sc->yields; i++)
			ksml_plat_yield();
		if (ksml_mm_fork(sc->parent, &sc->child[c]) != 0)
			sc->child[c] = NULL;
	}
	return 0;
}

static void scenario_setup(struct ksml *ksm, struct scenario *sc)
{
	uint8_t *page = malloc(KSML_PAGE_SIZE);
	unsigned long out;
	int p;

	if (!page || ksml_mm_create(ksm, &sc->parent) != 0 ||
	    ksml_vm_mmap(sc->parent, SC_BASE, SC_PAGES * KSML_PAGE_SIZE,
			 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out) != 0)
		fw_fail("scenario: mm_create/mmap failed");
	for (p = 0; p < SC_PAGES; p++) {
		fw_fill(page, (uint8_t)(1 + p % 2), false, 0);
		if (ksml_vm_write(sc->parent, SC_BASE + (unsigned long)p * KSML_PAGE_SIZE, page,
				  KSML_PAGE_SIZE) != 0)
			fw_fail("scenario: write failed");
	}
	free(page);
	if (ksml_vm_madvise(sc->parent, SC_BASE, SC_PAGES * KSML_PAGE_SIZE,
			    KSML_MADV_MERGEABLE) != 0)
		fw_fail("scenario: madvise failed");
	/* merged before the race starts: two passes */
	ksml_scan_full(ksm, 2, 0);
}

static void scenario_check_and_exit(struct ksml *ksm, struct scenario *sc)
{
	struct ksml_counters c;
	int i, p;

	ksml_get_counters(ksm, &c);
	for (i = 0; i < SC_CHILDREN; i++) {
		if (!sc->child[i])
			continue;
		for (p = 0; c.run == KSML_RUN_UNMERGE && p < SC_PAGES; p++) {
			struct ksml_page_info info;

			if (ksml_vm_page_info(sc->child[i], SC_BASE + (unsigned long)p * KSML_PAGE_SIZE,
					      &info) == 0 && info.ksm)
				fw_fail("run=2 returned, run is still 2, but child %d of a merged mm "
					"(forked during the unmerge walk) maps a KSM page at page %d",
					i, p);
		}
		ksml_mm_exit(sc->child[i]);
	}
	ksml_mm_exit(sc->parent);
}

/*
 * The migrate race scenario: main merges an mm's pages into one KSM page
 * and writes the same content into a second region of it, so ksmd's
 * stable-tree searches take keyhole references on the KSM page (lockless
 * ksml_frame_get_unless_zero); a "migrator" task moves the KSM page
 * between the nodes meanwhile.  Migration holds every page-table lock from
 * its refcount check to its switch of the frames, and a keyhole reference
 * taken in between must survive it (it needs atomic_points to interleave).
 * A stale check must not remove the node when its page moved away and
 * back to the same frame during the check (crash-migrate-stale-kpfn-aba).
 */
#define MS_PAGES	8
#define MS_ROUNDS	22
#define MS_QUIET_ROUNDS 6
#define MS_BASE		0x780000000ul

struct migrate_scenario {
	struct ksml_mm *mm;
	int yields;
};

static int migrator_main(void *arg)
{
	struct migrate_scenario *ms = arg;
	uint8_t *page = malloc(KSML_PAGE_SIZE);
	int r, i, err;

	if (!page)
		fw_fail("migrate scenario: out of memory");
	fw_fill(page, 7, false, 0);
	for (r = 0; r < MS_ROUNDS; r++) {
		for (i = 0; i < ms->yields; i++)
			ksml_plat_yield();
		/* EBUSY (a reference beyond the mappings) is an answer too */
		ksml_vm_migrate(ms->mm,
				MS_BASE + (unsigned long)(r % MS_PAGES) *
						  KSML_PAGE_SIZE,
				(r + 1) % 2);
		/*
		 * Later rounds write a fresh private copy of the content in
		 * the second region: ksmd's next visit searches the stable
		 * tree for it again, so its keyhole look-ups keep meeting
		 * the migrations (the node's page moves between two frames
		 * and back, the freed one first on its node's free list).
		 * The first six rounds do not, so inputs found before the
		 * rewrites were added replay those rounds as they were found
		 * (crash-migrate-keyhole-ref-lost).
		 */
		if (r < MS_QUIET_ROUNDS)
			continue;
		err = ksml_vm_write(
			ms->mm,
			MS_BASE + (unsigned long)(MS_PAGES + r % MS_PAGES) *
					  KSML_PAGE_SIZE,
			page, KSML_PAGE_SIZE);
		/* a task's injected allocation failure may land here */
		if (err && err != -KSML_ENOMEM)
			fw_fail("migrate scenario: rewrite failed: %d", err);
	}
	free(page);
	return 0;
}

static void migrate_scenario_setup(struct ksml *ksm,
				   struct migrate_scenario *ms)
{
	uint8_t *page = malloc(KSML_PAGE_SIZE);
	unsigned long out, len = 2 * MS_PAGES * KSML_PAGE_SIZE;
	int p;

	if (!page || ksml_mm_create(ksm, &ms->mm) != 0 ||
	    ksml_vm_mmap(ms->mm, MS_BASE, len,
			 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED,
			 &out) != 0)
		fw_fail("migrate scenario: mm_create/mmap failed");
	fw_fill(page, 7, false, 0);
	for (p = 0; p < MS_PAGES; p++)
		if (ksml_vm_write(ms->mm,
				  MS_BASE + (unsigned long)p * KSML_PAGE_SIZE,
				  page, KSML_PAGE_SIZE) != 0)
			fw_fail("migrate scenario: write failed");
	if (ksml_vm_madvise(ms->mm, MS_BASE, len, KSML_MADV_MERGEABLE) != 0)
		fw_fail("migrate scenario: madvise failed");
	ksml_scan_full(ksm, 2, 0);
	/* the same content again: ksmd will search the stable tree for it */
	for (p = MS_PAGES; p < 2 * MS_PAGES; p++)
		if (ksml_vm_write(ms->mm,
				  MS_BASE + (unsigned long)p * KSML_PAGE_SIZE,
				  page, KSML_PAGE_SIZE) != 0)
			fw_fail("migrate scenario: write failed");
	free(page);
}

static void migrate_scenario_check_and_exit(struct migrate_scenario *ms)
{
	uint8_t *want = malloc(KSML_PAGE_SIZE), *buf = malloc(KSML_PAGE_SIZE);
	int p;

	if (!want || !buf)
		fw_fail("migrate scenario: out of memory");
	fw_fill(want, 7, false, 0);
	for (p = 0; p < 2 * MS_PAGES; p++) {
		if (ksml_vm_read(ms->mm,
				 MS_BASE + (unsigned long)p * KSML_PAGE_SIZE,
				 buf, KSML_PAGE_SIZE) != 0 ||
		    memcmp(buf, want, KSML_PAGE_SIZE) != 0)
			fw_fail("migrate scenario: page %d does not read back "
				"its write",
				p);
	}
	free(want);
	free(buf);
	ksml_mm_exit(ms->mm);
}

static int task_main(void *arg)
{
	struct task *t = arg;
	int i;

	for (i = 0; i < t->nr_ops; i++) {
		const struct fw_op *op = &t->ops[i];

		fw_exec(&t->w, op);
		if (t->w.mms[op->mm % FW_MAX_MM].mm)
			fw_verify_region(&t->w, op->mm % FW_MAX_MM, op->reg % FW_NR_REG);
	}
	fw_verify(&t->w);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct task tasks[MAX_TASKS];
	struct ksml_sim_config scfg = { 0 };
	struct ksml_config cfg = { 0 };
	struct ksml_fuzz_data fd;
	struct ksml *ksm;
	long allocs, warns;
	int nr, t, i, nops, err, unmerge_at, scenario;
	struct scenario sc = { 0 };
	struct migrate_scenario ms = {0};
	struct ksml_thread *forker = NULL, *migrator = NULL;
	bool race_unmerge, race_migrate, thp;
	enum ksml_profile profile;

	ksml_fuzz_data_init(&fd, data, size);
	thp = fw_thp_input(&fd);
	nr = (int)ksml_fuzz_range(&fd, 1, MAX_TASKS);
	nops = (int)ksml_fuzz_range(&fd, 1, MAX_OPS);
	/* main writes run=2 after this many of its own scheduling points (0: never) */
	unmerge_at = (int)ksml_fuzz_range(&fd, 0, 63);
	/*
	 * one input in four also runs the unmerge/fork race scenario, one in
	 * four the migrate race scenario
	 */
	scenario = (int)ksml_fuzz_range(&fd, 0, 3);
	race_unmerge = scenario == 0;
	race_migrate = scenario == 1;
	sc.yields = (int)ksml_fuzz_range(&fd, 0, 15);
	ms.yields = sc.yields;
	/* lockless atomics as scheduling points: always in the migrate race */
	scfg.atomic_points = race_migrate || ksml_fuzz_bool(&fd);
	/* the named configuration: faithful, portable or model */
	profile = (enum ksml_profile)ksml_fuzz_range(&fd, 0, 2);
	for (t = 0; t < nr; t++)
		tasks[t].nr_ops = 0;
	/* the programs from the back; what is left in front is the schedule */
	for (i = 0; i < nops && !ksml_fuzz_empty(&fd); i++) {
		struct task *k = &tasks[ksml_fuzz_pick(&fd, (uint32_t)nr)];

		if (k->nr_ops < MAX_OPS)
			fw_decode(&fd, &k->ops[k->nr_ops++], k == &tasks[0], thp);
	}

	scfg.next_byte = ksml_fuzz_front_byte;
	scfg.byte_ctx = &fd;
	scfg.abort_on_warn = true;
	scfg.max_steps = 20000000ul;
	allocs = ksml_plat_live_allocs();
	warns = ksml_warn_count();
	ksml_sim_start(&scfg);

	ksml_config_profile(&cfg, profile);
	cfg.ops = ksml_sim_ops(2);
	cfg.start_ksmd = true;
	cfg.max_frames = 4096;
	err = ksml_init(&ksm, &cfg);
	if (err)
		fw_fail("ksml_init failed: %d", err);
	ksml_set_sleep_millisecs(ksm, 0);
	ksml_set_pages_to_scan(ksm, 8);
	ksml_set_run(ksm, 1);
	if (race_unmerge) {
		scenario_setup(ksm, &sc);
		forker = ksml_sim_spawn(forker_main, &sc, "forker");
		if (!forker)
			fw_fail("cannot spawn the forker");
	}
	if (race_migrate) {
		migrate_scenario_setup(ksm, &ms);
		migrator = ksml_sim_spawn(migrator_main, &ms, "migrator");
		if (!migrator)
			fw_fail("cannot spawn the migrator");
	}
	for (t = 0; t < nr; t++) {
		fw_init(&tasks[t].w, ksm, t, t == 0, 2);
		tasks[t].w.concurrent = true;
		tasks[t].w.thp = thp;
		tasks[t].th = ksml_sim_spawn(task_main, &tasks[t], "task");
		if (!tasks[t].th)
			fw_fail("cannot spawn task %d", t);
	}
	if (unmerge_at || race_unmerge) {
		/* unmerge-all racing with the tasks' enters, forks and exits */
		for (i = 0; i < unmerge_at; i++)
			ksml_plat_yield();
		ksml_set_run(ksm, KSML_RUN_UNMERGE);
	}
	for (t = 0; t < nr; t++)
		ksml_sim_join(tasks[t].th);
	if (forker) {
		ksml_sim_join(forker);
		scenario_check_and_exit(ksm, &sc);
	}
	if (migrator) {
		ksml_sim_join(migrator);
		migrate_scenario_check_and_exit(&ms);
	}

	ksml_plat_fail_nth(0);
	{
		struct ksml_counters c;

		/* the programs ended on a successful run=2: nothing stays merged */
		ksml_get_counters(ksm, &c);
		if (c.run == KSML_RUN_UNMERGE)
			for (t = 0; t < nr; t++)
				fw_check_unmerged(&tasks[t].w);
	}
	/* quiesce: the run write waits for ksmd's batch in progress */
	ksml_set_run(ksm, 0);
	fw_check_core(ksm, warns, "after the tasks, quiesced");
	ksml_set_run(ksm, 1);
	ksml_scan_full(ksm, 2, 64);
	ksml_set_run(ksm, 0);
	fw_check_core(ksm, warns, "after the final scans");
	for (t = 0; t < nr; t++) {
		fw_verify(&tasks[t].w);
		fw_teardown(&tasks[t].w);
	}
	fw_check_core(ksm, warns, "after every mm exited");
	ksml_destroy(ksm);
	ksml_sim_end();
	if (ksml_plat_live_allocs() != allocs)
		fw_fail("ksml_destroy leaked %ld allocations", ksml_plat_live_allocs() - allocs);
	return 0;
}

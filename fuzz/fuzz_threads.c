/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_threads - the fuzz_ops decoding run by 2..4 real pthreads, each on
 * its own address spaces, while the ksmd thread scans with
 * sleep_millisecs=0; thread 0 also writes knobs, run modes and scans.
 * Failure: a page that does not read back its last write (checked by its
 * owner as it goes), a sanitizer report (TSan build: data races), and
 * after quiescing with run=0: broken invariants, a KSML_WARN_ON, a leak.
 */
#include "fuzz_world.h"
#include "platform/user/ksm_platform_user.h"

#include <numa.h>
#include <pthread.h>

#define MAX_THREADS 4
#define MAX_OPS 48

struct actor {
	struct fw_world w;
	struct fw_op ops[MAX_OPS];
	int nr_ops;
	pthread_t tid;
	int cpu_node; /* host NUMA node the thread runs on */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * libnuma fills its node-to-CPUs cache lazily and without a lock: fill it
 * from the main thread once, before any actor binds itself.
 */
static void warm_numa_cache(void)
{
	static bool done;
	struct bitmask *cpus;
	int n;

	if (done || numa_available() < 0)
		return;
	cpus = numa_allocate_cpumask();
	for (n = 0; cpus && n < ksml_user_host_nodes(); n++)
		numa_node_to_cpus(n, cpus);
	if (cpus)
		numa_free_cpumask(cpus);
	done = true;
}

static void *actor_main(void *arg)
{
	struct actor *a = arg;
	int i;

	/*
	 * Spread the actors over the host's NUMA nodes (libnuma), so with
	 * several nodes ksmd compares frames local and remote to the threads
	 * that write them; on one node every actor runs on node 0.
	 */
	if (numa_available() >= 0)
		numa_run_on_node(a->cpu_node);
	for (i = 0; i < a->nr_ops; i++) {
		const struct fw_op *op = &a->ops[i];

		fw_exec(&a->w, op);
		if (a->w.mms[op->mm % FW_MAX_MM].mm)
			fw_verify_region(&a->w, op->mm % FW_MAX_MM, op->reg % FW_NR_REG);
	}
	fw_verify(&a->w);
	return NULL;
}

/*
 * KSML_FUZZ_CONFIG=faithful|portable|model runs every input in that named
 * configuration (make stress replays the corpus in each); unset: the
 * input's first byte chooses, so the corpus exercises all three.  The
 * back of the input holds the programs; nothing else reads the front.
 */
static enum ksml_profile fuzz_profile(struct ksml_fuzz_data *fd)
{
	static int forced = -2;
	uint8_t b = 0;

	if (forced == -2) {
		const char *v = getenv("KSML_FUZZ_CONFIG");
		enum ksml_profile p = KSML_PROFILE_FAITHFUL;

		forced = -1;
		if (v && *v) {
			if (ksml_profile_parse(v, &p)) {
				fprintf(stderr,
					"fuzz_threads: KSML_FUZZ_CONFIG=%s: "
					"want faithful, portable or model\n",
					v);
				exit(2);
			}
			forced = (int)p;
		}
	}
	if (forced >= 0)
		return (enum ksml_profile)forced;
	ksml_fuzz_front_byte(fd, &b);
	return (enum ksml_profile)(b % KSML_NR_PROFILES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct actor actors[MAX_THREADS];
	struct ksml_config cfg = { 0 };
	struct ksml_fuzz_data fd;
	struct ksml *ksm;
	long allocs, warns;
	int nr, t, i, err, nodes;
	bool unmerge, thp;

	ksml_fuzz_data_init(&fd, data, size);
	thp = fw_thp_input(&fd);
	ksml_config_profile(&cfg, fuzz_profile(&fd));
	nr = (int)ksml_fuzz_range(&fd, 2, MAX_THREADS);
	unmerge = ksml_fuzz_range(&fd, 0, 3) == 0;
	/* real nodes when the host has several, else two simulated ones */
	nodes = ksml_user_host_nodes() >= 2 ? ksml_user_host_nodes() : 2;
	cfg.ops = ksml_user_host_nodes() >= 2 ? NULL : ksml_user_ops_fake_numa(2);
	cfg.start_ksmd = true;
	cfg.max_frames = 8192;
	allocs = ksml_plat_live_allocs();
	warns = ksml_warn_count();
	err = ksml_init(&ksm, &cfg);
	if (err)
		fw_fail("ksml_init failed: %d", err);
	ksml_set_sleep_millisecs(ksm, 0);
	ksml_set_pages_to_scan(ksm, (unsigned int)ksml_fuzz_range(&fd, 1, 64));
	ksml_set_run(ksm, 1);
	for (t = 0; t < nr; t++) {
		fw_init(&actors[t].w, ksm, t, t == 0, nodes);
		actors[t].w.concurrent = true;
		actors[t].w.thp = thp;
		actors[t].nr_ops = 0;
	}
	/* decode every program before any thread runs: the bytes are not shared */
	for (i = 0; i < nr * MAX_OPS && !ksml_fuzz_empty(&fd); i++) {
		struct actor *a = &actors[ksml_fuzz_pick(&fd, (uint32_t)nr)];

		if (a->nr_ops < MAX_OPS)
			fw_decode(&fd, &a->ops[a->nr_ops++], a->w.global_ops, thp);
	}
	warm_numa_cache();
	for (t = 0; t < nr; t++) {
		actors[t].cpu_node = t % ksml_user_host_nodes();
		if (pthread_create(&actors[t].tid, NULL, actor_main, &actors[t]) != 0)
			fw_fail("pthread_create failed");
	}
	/* sometimes unmerge-all races with the threads' enters, forks, exits */
	if (unmerge)
		ksml_set_run(ksm, KSML_RUN_UNMERGE);
	for (t = 0; t < nr; t++)
		pthread_join(actors[t].tid, NULL);
	ksml_plat_fail_nth(0);
	{
		struct ksml_counters c;

		/* the programs ended on a successful run=2: nothing stays merged */
		ksml_get_counters(ksm, &c);
		if (c.run == KSML_RUN_UNMERGE)
			for (t = 0; t < nr; t++)
				fw_check_unmerged(&actors[t].w);
	}
	/* quiesce: a run write waits for the batch in progress */
	ksml_set_run(ksm, 0);
	fw_check_core(ksm, warns, "after the threads, quiesced");
	for (t = 0; t < nr; t++)
		fw_verify(&actors[t].w);
	/* one more merge round with nobody else acting */
	ksml_set_run(ksm, 1);
	ksml_scan_full(ksm, 2, 64);
	ksml_set_run(ksm, 0);
	fw_check_core(ksm, warns, "after the final scans");
	for (t = 0; t < nr; t++) {
		fw_verify(&actors[t].w);
		fw_teardown(&actors[t].w);
	}
	fw_check_core(ksm, warns, "after every mm exited");
	ksml_destroy(ksm);
	if (ksml_plat_live_allocs() != allocs)
		fw_fail("ksml_destroy leaked %ld allocations", ksml_plat_live_allocs() - allocs);
	return 0;
}

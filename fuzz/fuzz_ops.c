/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_ops - a byte stream decoded into operations on one ref instance
 * (address spaces, mappings, writes, madvise, prctl, pins, migration, knob
 * writes, run modes, scans), single-threaded with a manual clock.
 * Failure: a page that does not read back its last write, a pinned page
 * that became KSM, ksml_check_invariants() != 0 or any KSML_WARN_ON after
 * any step, a knob oracle broken, or allocations leaked by ksml_destroy.
 * A read_info with x == 3 also tests the checker: it breaks one thing
 * the checker checks, requires it to report exactly that, and repairs it
 * (fuzz_checker.h); the check after the op proves the repair.  In a THP
 * input (fuzz_world.h: FW_THP_MAGIC) on the huge region it breaks a THP
 * invariant of a PMD-mapped folio instead.
 */
#include "fuzz_world.h"
#include "fuzz_checker.h"

#define MAX_OPS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksml_user_manual_clock clk = { 0 };
	struct ksml_platform_ops ops;
	struct ksml_config cfg = { 0 };
	struct ksml_fuzz_data fd;
	static struct fw_world w; /* 30 kB with the huge regions: not on the stack */
	struct ksml *ksm;
	long allocs, warns;
	bool thp;
	int i, err;

	ksml_fuzz_data_init(&fd, data, size);
	thp = fw_thp_input(&fd);
	clk.now_ns = 1000000000ull;
	clk.nr_nodes = ksml_fuzz_bool(&fd) ? 2 : 1;
	ksml_user_manual_ops(&ops, &clk);
	cfg.ops = &ops;
	cfg.max_frames = 4096;
	{
		/* one input in eight runs model, one in eight portable */
		uint32_t c = ksml_fuzz_range(&fd, 0, 7);

		ksml_config_profile(&cfg, c == 7   ? KSML_PROFILE_MODEL
					  : c == 6 ? KSML_PROFILE_PORTABLE
						   : KSML_PROFILE_FAITHFUL);
	}
	cfg.no_knobs = ksml_fuzz_range(&fd, 0, 15) == 15;
	allocs = ksml_plat_live_allocs();
	warns = ksml_warn_count();
	/* sometimes an allocation of ksml_init fails first: it must unwind */
	if (ksml_fuzz_range(&fd, 0, 3) == 3) {
		ksml_plat_fail_nth((long)ksml_fuzz_range(&fd, 1, 12));
		err = ksml_init(&ksm, &cfg);
		ksml_plat_fail_nth(0);
		if (!err)
			ksml_destroy(ksm);
		if (ksml_plat_live_allocs() != allocs)
			fw_fail("ksml_init %s leaked %ld allocations",
				err ? "failing" : "then destroy",
				ksml_plat_live_allocs() - allocs);
	}
	err = ksml_init(&ksm, &cfg);
	if (err)
		fw_fail("ksml_init failed: %d", err);
	/* sometimes one tree per node from the start (merge_across_nodes=0) */
	if (clk.nr_nodes > 1 && ksml_fuzz_bool(&fd))
		ksml_set_merge_across_nodes(ksm, 0);
	ksml_set_run(ksm, 1);
	fw_init(&w, ksm, 0, true, clk.nr_nodes);
	w.clock_ns = &clk.now_ns;
	w.thp = thp;
	for (i = 0; i < MAX_OPS && !ksml_fuzz_empty(&fd); i++) {
		struct fw_op op;

		fw_decode(&fd, &op, true, w.thp);
		fw_exec(&w, &op);
		/* THP inputs: on the huge region, a breach of the THP invariants */
		if (op.kind == FW_READ_INFO && op.x == 3 && w.thp && op.reg == FW_HUGE_REG) {
			if (!fc_breach_thp(ksm, op.page, op.mm) && fw_tracing())
				fprintf(stderr, "   checker test: no PMD-mapped THP to break\n");
		} else if (op.kind == FW_READ_INFO && op.x == 3 &&
		    !fc_breach(ksm, op.page + 16u * op.reg, op.mm) && fw_tracing())
			fprintf(stderr, "   checker test %u: nothing to break here (scanning %d)\n",
				(op.page + 16u * op.reg) % FC_NR, fc_scanning(ksm));
		/* a scan or a global change may touch any page: check them all */
		if (op.kind >= FW_KNOB || op.kind == FW_MM_FORK || op.kind == FW_MM_EXIT)
			fw_verify(&w);
		else if (w.mms[op.mm % FW_MAX_MM].mm)
			fw_verify_region(&w, op.mm % FW_MAX_MM, op.reg % FW_NR_REG);
		fw_check_core(ksm, warns, fw_kind_names[op.kind]);
	}
	/* let KSM finish what it started, then check everything once more */
	ksml_plat_fail_nth(0);
	ksml_set_run(ksm, 1);
	ksml_scan_full(ksm, 2, 64);
	fw_verify(&w);
	fw_check_core(ksm, warns, "after the final scans");
	fw_teardown(&w);
	fw_check_core(ksm, warns, "after every mm exited");
	ksml_destroy(ksm);
	if (ksml_plat_live_allocs() != allocs)
		fw_fail("ksml_destroy leaked %ld allocations", ksml_plat_live_allocs() - allocs);
	return 0;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_diff - the live kernel as the fuzzing oracle.  The input's bytes
 * drive the random workload generator (harness/wlgen.c: processes,
 * mappings, contents, madvise/prctl, forks, exits, pins, knob changes),
 * its last byte chooses ref's named configuration (faithful, portable,
 * model), and the workload runs on ref in this process (so libFuzzer is
 * guided by ref's coverage) and on the host's KSM, lock-stepped scan by
 * scan by the harness.  Failure: the oracle (harness/oracle.c) finds a
 * deterministic counter, a space's ksm_stat values or the trajectory
 * different; the workload and the first difference are printed.  Rows the
 * oracle calls inconclusive (other KSM users on the host) prove nothing
 * and are not failures.  Without root or KSM it says SKIPPED once and
 * runs nothing: that is not a pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksml.h"
#include "oracle.h"
#include "wlgen.h"
#include "workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool live_ksm(void)
{
	static int ok = -1;

	if (ok < 0) {
		ok = access("/sys/kernel/mm/ksm/run", F_OK) == 0 &&
		     geteuid() == 0;
		if (!ok)
			fprintf(stderr, "fuzz_diff: SKIPPED: %s\n",
				geteuid() ? "the linux backend needs root"
					  : "no KSM in this kernel "
					    "(/sys/kernel/mm/ksm missing)");
	}
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ksml_run_result rr, lr;
	struct ksml_oracle_opts o = {0};
	struct ksml_diff_row row;
	struct ksml_workload wl;
	char err[1024], *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!size || !live_ksm())
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	ksml_wl_generate_bytes(data, size - 1, f);
	fclose(f);
	if (ksml_wl_parse_string("fuzz_diff", text, &wl, err, sizeof(err))) {
		fprintf(stderr,
			"fuzz_diff: FAILURE: the generator wrote an invalid "
			"workload: %s\n%s",
			err, text);
		abort();
	}
	o.profile = data[size - 1] % KSML_NR_PROFILES;
	o.rerun_differing = true; /* a host transient is not a finding */
	/* KSML_FUZZ_TRACE=1: the workload and configuration of each input */
	if (getenv("KSML_FUZZ_TRACE"))
		fprintf(stderr, "fuzz_diff: configuration %s, workload:\n%s",
			ksml_profile_name((enum ksml_profile)o.profile), text);
	memset(&row, 0, sizeof(row));
	ret = ksml_oracle_diff(&o, "linux", &wl, &rr, &lr, &row, err,
			       sizeof(err));
	if (ret) {
		/* the lock held elsewhere, a signal: no verdict, not a finding
		 */
		fprintf(stderr, "fuzz_diff: no verdict: %s\n", err);
	} else if (row.verdict == KSML_DIFFERENT) {
		fprintf(stderr,
			"fuzz_diff: FAILURE: ref (%s) and the kernel differ: "
			"%s%s%s%s\n"
			"ref   shared/sharing/unshared/chains/dups/zero "
			"%ld/%ld/%ld/%ld/%ld/%ld\n"
			"linux shared/sharing/unshared/chains/dups/zero "
			"%ld/%ld/%ld/%ld/%ld/%ld\n"
			"--- the workload (ksmlab diff --config %s FILE "
			"replays it):\n%s",
			ksml_profile_name((enum ksml_profile)o.profile),
			row.traj, row.traj[0] && row.mm[0] ? "; " : "", row.mm,
			!row.traj[0] && !row.mm[0] ? "final counters" : "",
			row.ref[0], row.ref[1], row.ref[2], row.ref[3],
			row.ref[4], row.ref[5], row.lin[0], row.lin[1],
			row.lin[2], row.lin[3], row.lin[4], row.lin[5],
			ksml_profile_name((enum ksml_profile)o.profile), text);
		abort();
	}
	ksml_run_result_free(&rr);
	ksml_run_result_free(&lr);
	ksml_wl_free(&wl);
	free(text);
	return 0;
}

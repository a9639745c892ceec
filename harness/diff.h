/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * diff.h - `ksmlab diff` and `ksmlab selftest` without their options:
 * each workload compared by the differential oracle (oracle.h), its
 * verdict folded into the exit status, and printed as text, JSON or KTAP.
 * Kept out of ksmlab.c so the command is only its options, and a test or
 * another command can compare a workload without re-deriving the
 * verdicts' exit codes and the printers' shapes.
 */
#ifndef KSML_DIFF_H
#define KSML_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "oracle.h"

struct ksml_diff_opts {
	/* .profile is the one configuration unless profiles is set */
	struct ksml_oracle_opts oracle;
	const char *other; /* "linux" or "kmod" */
	/* KTAP: every configuration in turn, a subtest each (NULL: one) */
	const enum ksml_profile *profiles;
	int nprofiles;
	/*
	 * Text and JSON: called with oracle.progress_arg after each
	 * workload's runs, before its lines, so they do not land on a
	 * progress line (may be NULL).
	 */
	void (*progress_done)(void *progress_arg);
};

/* one workload compared in one configuration */
struct ksml_diff_result {
	struct ksml_diff_row row;
	struct ksml_run_result rr, lr; /* ref's run and the other's */
	char err[1024];		       /* why, when it could not be compared */
};

/*
 * Compare wl under profile: 0 with res->row's verdict, or a negative
 * errno with res->err.  Free res's runs with ksml_diff_result_free either
 * way.
 */
int ksml_diff_workload(const struct ksml_diff_opts *d,
		       enum ksml_profile profile,
		       const struct ksml_workload *wl,
		       struct ksml_diff_result *res);
void ksml_diff_result_free(struct ksml_diff_result *res);

/*
 * The exit status so far (rc) with one more row: the worst of them, an
 * error (2) over an unexpected difference (1) over an inconclusive row
 * (3) over equal, expected or skipped (0).
 */
int ksml_diff_status(int rc, const struct ksml_diff_row *row);

/*
 * Compare each file and print: text (a block per workload, then a table),
 * a JSON array (each row with both runs), or KTAP (a result per workload,
 * a subtest per configuration).  Return the exit status (128 + the signal
 * when interrupted).
 */
int ksml_diff_text(const struct ksml_diff_opts *d, char **files, int nfiles);
int ksml_diff_json(const struct ksml_diff_opts *d, char **files, int nfiles);
int ksml_diff_ktap(const struct ksml_diff_opts *d, char **files, int nfiles);

/*
 * One run as a JSON object (no newline): `ksmlab run --json`'s, nested
 * twice in each row of ksml_diff_json.
 */
void ksml_diff_print_run_json(FILE *f, const char *backend,
			      const struct ksml_workload *wl,
			      const struct ksml_run_result *r);

#endif /* KSML_DIFF_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * diff.c - `ksmlab diff`'s comparisons and printers (diff.h); the verdict
 * itself is the oracle's (oracle.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "ktap.h"
#include "live.h"
#include "workload.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_counters_json(FILE *f, const struct ksml_counters *c)
{
	fprintf(f,
		"{\"pages_shared\": %lu, \"pages_sharing\": %lu, "
		"\"pages_unshared\": %lu, \"pages_volatile\": %lu, "
		"\"pages_scanned\": %lu, \"pages_skipped\": %lu, "
		"\"full_scans\": %lu, \"stable_node_chains\": %lu, "
		"\"stable_node_dups\": %lu, \"ksm_zero_pages\": %ld, "
		"\"general_profit\": %ld, \"rmap_items\": %lu, "
		"\"cow_ksm\": %lu}",
		c->pages_shared, c->pages_sharing, c->pages_unshared,
		c->pages_volatile, c->pages_scanned, c->pages_skipped,
		c->full_scans, c->stable_node_chains, c->stable_node_dups,
		c->ksm_zero_pages, c->general_profit, c->rmap_items,
		c->cow_ksm);
}

void ksml_diff_print_run_json(FILE *f, const char *backend,
			      const struct ksml_workload *wl,
			      const struct ksml_run_result *r)
{
	const struct ksml_counters *c = &r->c;
	int i;

	fprintf(f, "{\"workload\": ");
	json_str(f, wl->name);
	fprintf(f,
		", \"backend\": \"%s\", \"converged\": %s, "
		"\"converged_at\": %lu, \"scans\": %lu, \"wall_s\": %.6f, "
		"\"cpu_s\": %.6f, \"counters\": ",
		backend, r->converged ? "true" : "false", r->converged_at,
		r->scans, r->wall_s, r->cpu_s);
	print_counters_json(f, c);
	fprintf(f, ", \"spaces\": [");
	for (i = 0; i < wl->nr_spaces; i++) {
		const struct ksml_mm_stat *s = &r->sp[i].st;

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_str(f, wl->spaces[i].name);
		fprintf(f,
			", \"live\": %s, \"ksm_rmap_items\": %lu, "
			"\"ksm_zero_pages\": %ld, "
			"\"ksm_merging_pages\": %lu, \"ksm_process_profit\": "
			"%ld, "
			"\"ksm_merge_any\": %s, \"ksm_mergeable\": %s, "
			"\"smaps_ksm_kb\": %lu, "
			"\"anon_huge_kb\": %lu}",
			r->sp[i].live ? "true" : "false", s->ksm_rmap_items,
			s->ksm_zero_pages, s->ksm_merging_pages,
			s->ksm_process_profit,
			s->ksm_merge_any ? "true" : "false",
			s->ksm_mergeable ? "true" : "false", s->ksm_kb,
			s->anon_huge_kb);
	}
	fprintf(f, "], \"trajectory_columns\": [");
	for (i = 0; i < r->traj_w; i++) {
		char name[96];

		fprintf(f, "%s", i ? ", " : "");
		json_str(f, ksml_traj_name(wl, i, name, sizeof(name)));
	}
	fprintf(f, "], \"trajectory\": [");
	for (i = 0; i < (int)r->ntraj; i++) {
		int k;

		fprintf(f, "%s[", i ? ", " : "");
		for (k = 0; k < r->traj_w; k++)
			fprintf(f, "%s%ld", k ? ", " : "",
				r->traj[i * (size_t)r->traj_w + k]);
		fprintf(f, "]");
	}
	fprintf(f, "], \"notes\": ");
	json_str(f, r->notes);
	fprintf(f, "}");
}

int ksml_diff_workload(const struct ksml_diff_opts *d,
		       enum ksml_profile profile,
		       const struct ksml_workload *wl,
		       struct ksml_diff_result *res)
{
	struct ksml_oracle_opts oo = d->oracle;

	memset(&res->row, 0, sizeof(res->row));
	oo.profile = (int)profile;
	return ksml_oracle_diff(&oo, d->other, wl, &res->rr, &res->lr,
				&res->row, res->err, sizeof(res->err));
}

void ksml_diff_result_free(struct ksml_diff_result *res)
{
	ksml_run_result_free(&res->rr);
	ksml_run_result_free(&res->lr);
}

int ksml_diff_status(int rc, const struct ksml_diff_row *row)
{
	if (row->error)
		return 2;
	if (row->verdict == KSML_DIFFERENT && (!rc || rc == 3))
		return 1;
	if (row->verdict == KSML_INCONCLUSIVE && !rc)
		return 3;
	return rc;
}

/* ----------------------------------------------------------------- text */

/* one workload's counters side by side, what was left out, the verdict */
static void print_block(FILE *f, const char *other,
			const struct ksml_workload *wl,
			const struct ksml_diff_result *res)
{
	const struct ksml_diff_row *row = &res->row;
	const struct ksml_run_result *rr = &res->rr, *lr = &res->lr;
	int k;

	fprintf(f, "== %s%s%s\n", wl->name, wl->description[0] ? ": " : "",
		wl->description);
	fprintf(f, "   %-22s %12s %12s\n", "counter", "ref", other);
	for (k = 0; k < KSML_NR_DET; k++)
		fprintf(f, "   %-22s %12ld %12ld%s\n", ksml_det_names[k],
			row->ref[k], row->lin[k],
			row->ref[k] != row->lin[k] ? "   <-- differs" : "");
	fprintf(f, "   %-22s %12lu %12lu%s\n", "pages_volatile",
		rr->c.pages_volatile, lr->c.pages_volatile,
		rr->c.pages_volatile != lr->c.pages_volatile ? "   <-- differs"
							     : "");
	fprintf(f, "   %-22s %12lu %12lu%s\n", "rmap_items", rr->c.rmap_items,
		lr->c.rmap_items,
		rr->c.rmap_items != lr->c.rmap_items ? "   <-- differs" : "");
	fprintf(f, "   %-22s %12lu %12lu\n", "scans", rr->scans, lr->scans);
	fprintf(f, "   %-22s %12s %12s\n", "converged",
		rr->converged ? "yes" : "no", lr->converged ? "yes" : "no");
	for (k = 0; k < wl->nr_spaces; k++) {
		unsigned long a = rr->sp[k].st.ksm_merging_pages,
			      b = lr->sp[k].st.ksm_merging_pages;

		if (!rr->sp[k].live || !lr->sp[k].live)
			continue;
		fprintf(f, "   %-22.22s %12lu %12lu%s\n", wl->spaces[k].name, a,
			b, a != b ? "   <-- differs" : "");
	}
	if (row->mm[0])
		fprintf(f, "   %s\n", row->mm);
	if (row->emulated[0])
		fprintf(f, "   %s\n", row->emulated);
	if (row->not_compared[0])
		fprintf(f, "   not compared: %s\n", row->not_compared);
	if (row->traj[0])
		fprintf(f, "   trajectory differs %s\n", row->traj);
	else
		fprintf(f,
			"   trajectory (%s after every scan) "
			"equal over %lu scans\n",
			row->noise ? "per-process ksm_stat values"
				   : "all deterministic counters",
			rr->ntraj - 1);
	if (rr->notes[0])
		fprintf(f, "   ref note: %s\n", rr->notes);
	if (lr->notes[0])
		fprintf(f, "   linux note: %s\n", lr->notes);
	fprintf(f, "   => %s%s%s\n\n",
		!row->ndiff	? "EQUAL"
		: row->expected ? "DIFFERENT (expected)"
				: "DIFFERENT",
		row->reason[0] ? ": " : "", row->reason);
	if (!row->ndiff && wl->expect_different[0])
		fprintf(f, "   (marked expect-different but equal: "
			   "the mark can go)\n\n");
}

/* the summary: a line per workload, its final values and its verdict */
static void print_table(FILE *f, const char *other,
			const struct ksml_diff_row *rows, int nrows)
{
	char hdr[64];
	int i;

	snprintf(hdr, sizeof(hdr),
		 "%s shared/sharing/unshr/ch/dup/zero/merging", other);
	fprintf(f, "%-18s | %-34s | %-34s | %s\n", "workload",
		"ref shared/sharing/unshr/ch/dup/zero/merging", hdr, "verdict");
	for (i = 0; i < nrows; i++) {
		char a[64], b[64];
		const struct ksml_diff_row *r = &rows[i];

		if (r->error) {
			fprintf(f, "%-18s | %-34s | %-34s | ERROR %s\n",
				r->name, "-", "-", r->reason);
			continue;
		}
		if (r->verdict == KSML_SKIPPED) {
			fprintf(f, "%-18s | %-34s | %-34s | SKIPPED: %s\n",
				r->name, "-", "-", r->reason);
			continue;
		}
		snprintf(a, sizeof(a), "%ld/%ld/%ld/%ld/%ld/%ld/%ld", r->ref[0],
			 r->ref[1], r->ref[2], r->ref[3], r->ref[4], r->ref[5],
			 r->mref);
		snprintf(b, sizeof(b), "%ld/%ld/%ld/%ld/%ld/%ld/%ld", r->lin[0],
			 r->lin[1], r->lin[2], r->lin[3], r->lin[4], r->lin[5],
			 r->mlin);
		fprintf(f, "%-18s | %-34s | %-34s | %s%s%s%s%s%s\n", r->name, a,
			b,
			!r->ndiff
				? (r->rerun ? "equal (kernel varied)" : "equal")
			: r->expected ? "different (expected)"
			: !strncmp(r->reason, "inconclusive", 12) ? "different"
								  : "DIFFERENT",
			r->reason[0] ? ": " : "", r->reason,
			r->not_compared[0] ? " [not compared: " : "",
			r->not_compared, r->not_compared[0] ? "]" : "");
	}
}

/* ----------------------------------------------------------------- JSON */

/* both runs in full, as `ksmlab run --json` prints them (NULL: no memory) */
static char *runs_json(const char *other, const struct ksml_workload *wl,
		       const struct ksml_diff_result *res)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "{\"ref\": ");
	ksml_diff_print_run_json(f, "ref", wl, &res->rr);
	fprintf(f, ", \"%s\": ", other);
	ksml_diff_print_run_json(f, other, wl, &res->lr);
	fprintf(f, "}");
	fclose(f);
	return s;
}

static void print_json(FILE *f, const struct ksml_diff_row *rows,
		       char *const *runs, int nrows)
{
	static const char *const verdicts[] = {
		"equal", "different", "expected", "inconclusive", "skipped",
	};
	int i, k;

	fprintf(f, "[");
	for (i = 0; i < nrows; i++) {
		fprintf(f, "%s{\"workload\": ", i ? ", " : "");
		json_str(f, rows[i].name);
		fprintf(f,
			", \"error\": %s, \"differences\": %d, "
			"\"expected\": %s, \"host_noise\": %s, \"ref\": [",
			rows[i].error ? "true" : "false", rows[i].ndiff,
			rows[i].expected ? "true" : "false",
			rows[i].noise ? "true" : "false");
		for (k = 0; k < KSML_NR_DET; k++)
			fprintf(f, "%s%ld", k ? ", " : "", rows[i].ref[k]);
		fprintf(f, "], \"linux\": [");
		for (k = 0; k < KSML_NR_DET; k++)
			fprintf(f, "%s%ld", k ? ", " : "", rows[i].lin[k]);
		fprintf(f, "], \"trajectory\": ");
		json_str(f, rows[i].traj);
		fprintf(f, ", \"spaces\": ");
		json_str(f, rows[i].mm);
		fprintf(f, ", \"verdict\": \"%s\"",
			rows[i].error ? "error" : verdicts[rows[i].verdict]);
		fprintf(f, ", \"not_compared\": ");
		json_str(f, rows[i].not_compared);
		fprintf(f, ", \"emulated\": ");
		json_str(f, rows[i].emulated);
		fprintf(f, ", \"kernel_varied\": %s",
			rows[i].rerun ? "true" : "false");
		fprintf(f, ", \"reason\": ");
		json_str(f, rows[i].reason);
		fprintf(f, ", \"runs\": %s}", runs[i] ? runs[i] : "null");
	}
	fprintf(f, "]\n");
}

/* ------------------------------------------------------- text and JSON */

/*
 * Every row is kept for the table or the array, which come last; of the
 * runs only their JSON text, as a row's trajectories can be large.
 */
static int diff_rows(const struct ksml_diff_opts *d, bool json, char **files,
		     int nfiles)
{
	static struct ksml_diff_result res;
	struct ksml_diff_row *rows;
	char **runs; /* per row: both runs as JSON (json) */
	int i, nrows = 0, rc = 0;

	rows = calloc((size_t)nfiles, sizeof(*rows));
	runs = calloc((size_t)nfiles, sizeof(*runs));
	if (!rows || !runs) {
		free(rows);
		free(runs);
		return 2;
	}
	for (i = 0; i < nfiles && !ksml_live_interrupted; i++) {
		struct ksml_diff_row *row = &rows[nrows++];
		struct ksml_workload wl;
		int failed;

		snprintf(row->name, sizeof(row->name), "%s", files[i]);
		if (ksml_wl_load(files[i], &wl)) {
			row->error = true;
			snprintf(row->reason, sizeof(row->reason),
				 "parse error");
			rc = 2;
			continue;
		}
		failed = ksml_diff_workload(
			d, (enum ksml_profile)d->oracle.profile, &wl, &res);
		*row = res.row;
		if (d->progress_done)
			d->progress_done(d->oracle.progress_arg);
		if (failed) {
			fprintf(stderr, "ksmlab diff: %s\n", res.err);
			rc = 2;
		} else if (row->verdict == KSML_SKIPPED) {
			if (!json)
				printf("== %s: SKIPPED: %s\n\n", wl.name,
				       row->reason);
		} else {
			rc = ksml_diff_status(rc, row);
			if (json)
				runs[nrows - 1] =
					runs_json(d->other, &wl, &res);
			else
				print_block(stdout, d->other, &wl, &res);
		}
		ksml_diff_result_free(&res);
		ksml_wl_free(&wl);
	}
	if (json)
		print_json(stdout, rows, runs, nrows);
	else
		print_table(stdout, d->other, rows, nrows);
	for (i = 0; i < nrows; i++)
		free(runs[i]);
	free(runs);
	free(rows);
	if (ksml_live_interrupted)
		return 128 + (int)ksml_live_interrupted;
	return rc;
}

int ksml_diff_text(const struct ksml_diff_opts *d, char **files, int nfiles)
{
	return diff_rows(d, false, files, nfiles);
}

int ksml_diff_json(const struct ksml_diff_opts *d, char **files, int nfiles)
{
	return diff_rows(d, true, files, nfiles);
}

/* ----------------------------------------------------------------- KTAP */

enum ktap_outcome { KTAP_NOT_OK, KTAP_OK, KTAP_SKIP };

/*
 * One configuration's subtest: ok when the kernel's decisions were made;
 * an expected difference or what the kernel cannot run is a SKIP (skip
 * holds the directive, for the workload's line when every one is).
 */
static enum ktap_outcome ktap_config(struct ksml_ktap *sub, const char *cname,
				     int failed,
				     const struct ksml_diff_result *res,
				     char *skip, size_t skipsz)
{
	const struct ksml_diff_row *row = &res->row;

	/* what a weaker comparison left out, said next to it */
	if (row->emulated[0])
		ksml_ktap_diag(sub, "%s: %s", cname, row->emulated);
	if (row->not_compared[0])
		ksml_ktap_diag(sub, "%s: not compared: %s", cname,
			       row->not_compared);
	if (failed) {
		ksml_ktap_diag(sub, "%s: error: %s", cname, res->err);
		ksml_ktap_result(sub, false, cname, NULL);
		return KTAP_NOT_OK;
	}
	if (row->verdict == KSML_EQUAL) {
		if (row->rerun)
			ksml_ktap_diag(sub,
				       "%s: equal to the kernel's second run "
				       "(its first differed: %s)",
				       cname, row->reason);
		ksml_ktap_result(sub, true, cname, NULL);
		return KTAP_OK;
	}
	if (row->verdict == KSML_EXPECTED || row->verdict == KSML_SKIPPED) {
		snprintf(skip, skipsz, "SKIP %s%s",
			 row->verdict == KSML_EXPECTED ? "expected difference: "
						       : "",
			 row->reason);
		ksml_ktap_result(sub, true, cname, skip);
		return KTAP_SKIP;
	}
	if (row->traj[0])
		ksml_ktap_diag(sub, "%s: %s", cname, row->traj);
	if (row->mm[0])
		ksml_ktap_diag(sub, "%s: %s", cname, row->mm);
	if (row->reason[0])
		ksml_ktap_diag(sub, "%s: %s", cname, row->reason);
	ksml_ktap_result(sub, false, cname, NULL);
	return KTAP_NOT_OK;
}

/*
 * A workload is ok when every configuration made the kernel's decisions
 * (an inconclusive row is not ok: nothing was proven).
 */
int ksml_diff_ktap(const struct ksml_diff_opts *d, char **files, int nfiles)
{
	static struct ksml_diff_result res;
	enum ksml_profile one = (enum ksml_profile)d->oracle.profile;
	const enum ksml_profile *cfg = d->profiles ? d->profiles : &one;
	int ncfg = d->profiles ? d->nprofiles : 1;
	struct ksml_ktap top, sub;
	int i, k, rc = 0;

	ksml_ktap_begin(&top, stdout, 0, NULL, nfiles);
	for (i = 0; i < nfiles; i++) {
		struct ksml_workload wl;
		int nok = 0, nskip = 0;
		char skip[300] = "";

		if (ksml_live_interrupted || ksml_wl_load(files[i], &wl)) {
			ksml_ktap_diag(&top, "%s: %s", files[i],
				       ksml_live_interrupted
					       ? "interrupted"
					       : "the workload does not parse");
			ksml_ktap_result(&top, false, files[i], NULL);
			rc = 2;
			continue;
		}
		ksml_ktap_begin(&sub, stdout, 1, wl.name, ncfg);
		for (k = 0; k < ncfg; k++) {
			const char *cname = ksml_profile_name(cfg[k]);
			int failed = ksml_diff_workload(d, cfg[k], &wl, &res);

			switch (ktap_config(&sub, cname, failed, &res, skip,
					    sizeof(skip))) {
			case KTAP_OK:
				nok++;
				break;
			case KTAP_SKIP:
				nskip++;
				break;
			case KTAP_NOT_OK:
				break;
			}
			rc = failed ? 2 : ksml_diff_status(rc, &res.row);
			ksml_diff_result_free(&res);
		}
		if (nskip == ncfg)
			ksml_ktap_result(&top, true, wl.name, skip);
		else
			ksml_ktap_result(&top, nok + nskip == ncfg, wl.name,
					 NULL);
		ksml_wl_free(&wl);
	}
	if (ksml_live_interrupted)
		return 128 + (int)ksml_live_interrupted;
	return rc;
}

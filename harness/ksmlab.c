/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksmlab - run workloads on the reference KSM core and on the host's KSM,
 * compare them, look at and set knobs, run programs under KSM, capture a
 * process's memory structure as a workload.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "diff.h"
#include "driver.h"
#include "live.h"
#include "ktap.h"
#include "oracle.h"
#include "runner.h"
#include "workload.h"
#include "wlgen.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

int ksml_linux_read_ksm_stat(int pid, struct ksml_mm_stat *st);

static bool quiet;
static int wait_quiet;
static int ref_profile; /* --config: enum ksml_profile of the ref backend */

/* ------------------------------------------------------------- progress */

struct prog_state {
	const char *backend;
	bool tty;
};

static void progress(void *arg, const struct ksml_workload *wl,
		     unsigned long scan, const struct ksml_counters *c)
{
	struct prog_state *ps = arg;

	if (!ps->tty || quiet)
		return;
	fprintf(stderr,
		"\r\033[K[%s] %s: scan %lu/%lu  shared %lu sharing %lu unshared %lu volatile %lu",
		ps->backend, wl->name, scan, wl->max_scans, c->pages_shared,
		c->pages_sharing, c->pages_unshared, c->pages_volatile);
	fflush(stderr);
}

static void progress_done(struct prog_state *ps)
{
	if (ps->tty && !quiet)
		fprintf(stderr, "\r\033[K");
}

/* ------------------------------------------------------------------ run */

static int run_one_min(const char *backend, const struct ksml_workload *wl,
		       unsigned long min_scans, struct ksml_run_result *res,
		       char *err, size_t errsz);

static int run_one(const char *backend, const struct ksml_workload *wl,
		   struct ksml_run_result *res, char *err, size_t errsz)
{
	return run_one_min(backend, wl, 0, res, err, errsz);
}

static int run_one_min(const char *backend, const struct ksml_workload *wl,
		       unsigned long min_scans, struct ksml_run_result *res,
		       char *err, size_t errsz)
{
	struct prog_state ps = { backend, isatty(2) };
	struct ksml_oracle_opts o = {ref_profile, &wait_quiet, progress, &ps, false, 0};
	int ret = ksml_oracle_run(&o, backend, wl, min_scans, res, err, errsz);

	progress_done(&ps);
	return ret;
}

static void print_result(const char *backend, const struct ksml_workload *wl,
			 const struct ksml_run_result *r, bool json)
{
	const struct ksml_counters *c = &r->c;
	int i;

	if (json) {
		ksml_diff_print_run_json(stdout, backend, wl, r);
		printf("\n");
		return;
	}
	printf("%s on %s: %s after %lu scans (%s), wall %.3f s, scanner CPU %.3f s\n",
	       wl->name, backend,
	       r->idle ? "idle (nothing left to scan)" :
	       r->converged ? "converged" : "NOT converged",
	       r->scans, r->converged ? "counters stable over 2 scans" : "max-scans reached",
	       r->wall_s, r->cpu_s);
	printf("  pages_shared %lu  pages_sharing %lu  pages_unshared %lu  pages_volatile %lu\n",
	       c->pages_shared, c->pages_sharing, c->pages_unshared, c->pages_volatile);
	printf("  stable_node_chains %lu  stable_node_dups %lu  ksm_zero_pages %ld  general_profit %ld\n",
	       c->stable_node_chains, c->stable_node_dups, c->ksm_zero_pages,
	       c->general_profit);
	printf("  pages_scanned %lu  pages_skipped %lu  full_scans %lu\n",
	       c->pages_scanned, c->pages_skipped, c->full_scans);
	for (i = 0; i < wl->nr_spaces; i++) {
		const struct ksml_mm_stat *s = &r->sp[i].st;

		if (!r->sp[i].live) {
			printf("  space %-10s exited\n", wl->spaces[i].name);
			continue;
		}
		printf("  space %-10s rmap_items %lu merging_pages %lu zero_pages %ld profit %ld%s%s\n",
		       wl->spaces[i].name, s->ksm_rmap_items, s->ksm_merging_pages,
		       s->ksm_zero_pages, s->ksm_process_profit,
		       s->ksm_merge_any ? " merge_any" : "",
		       s->ksm_mergeable ? " mergeable" : "");
	}
	if (r->notes[0])
		printf("  note: %s\n", r->notes);
}

static const char usage_run[] =
	"usage: ksmlab run [-b ref|linux|kmod] [--json|--ktap] [-q]\n"
	"                  [--config faithful|portable|model] WORKLOAD...\n"
	"  Replays each workload file on the backend (default ref), one full "
	"scan at\n"
	"  a time, until the deterministic counters are unchanged over 2 more "
	"scans\n"
	"  (or the workload's max-scans), and prints the counters, per-space\n"
	"  /proc/PID/ksm_stat values, scans to converge, wall time and scanner "
	"CPU.\n"
	"  -b NAME   backend: ref (in-process core), linux (host KSM, root), "
	"kmod\n"
	"  --json    one JSON object per workload on stdout\n"
	"  --ktap    KTAP version 1 on stdout: one result per workload, a\n"
	"            subtest per backend (-b ref,linux runs both), the counters\n"
	"            as diagnostics\n"
	"  -q        no progress line\n"
	"  --wait-quiet SECS  linux: first wait up to SECS (in all) for other\n"
	"            processes registered with KSM (e.g. qemu guests) to go "
	"away\n"
	"  --config faithful|portable|model  ref's named configuration:\n"
	"            faithful (default): the kernel's trees and reads;\n"
	"            portable: the hash index, XXH3, every page read on every\n"
	"            visit as ksmd must; model: portable plus what ksmd does "
	"not\n"
	"            know (which pages were written).  --index "
	"content|checksum\n"
	"            is the older spelling of faithful|model.\n";

static const struct option run_opts[] = {
	{"backend", required_argument, NULL, 'b'},
	{"json", no_argument, NULL, 'j'},
	{"quiet", no_argument, NULL, 'q'},
	{"wait-quiet", required_argument, NULL, 'w'},
	{"index", required_argument, NULL, 'i'},
	{"config", required_argument, NULL, 'c'},
	{"no-rerun", no_argument, NULL, 'R'},
	{"ktap", no_argument, NULL, 'K'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_wait(const char *cmd, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v < 0 || v > 86400) {
		fprintf(stderr, "ksmlab %s: --wait-quiet '%s' is not 0..86400 seconds\n",
			cmd, arg);
		return -1;
	}
	wait_quiet = (int)v;
	return 0;
}

static int parse_index(const char *cmd, const char *arg)
{
	if (!strcmp(arg, "content")) {
		ref_profile = KSML_PROFILE_FAITHFUL;
	} else if (!strcmp(arg, "checksum")) {
		ref_profile = KSML_PROFILE_MODEL;
	} else {
		fprintf(stderr, "ksmlab %s: --index '%s' is not 'content' or 'checksum'\n",
			cmd, arg);
		return -1;
	}
	return 0;
}

/* --config all (diff --ktap): every configuration, one subtest each */
static const enum ksml_profile all_profiles[] = {
	KSML_PROFILE_FAITHFUL, KSML_PROFILE_PORTABLE, KSML_PROFILE_MODEL
};
static bool config_all;

static int parse_config(const char *cmd, const char *arg)
{
	enum ksml_profile p;

	if (!strcmp(arg, "all")) {
		config_all = true;
		return 0;
	}
	config_all = false;

	if (ksml_profile_parse(arg, &p)) {
		fprintf(stderr,
			"ksmlab %s: --config '%s' is not 'faithful', "
			"'portable' or 'model'\n",
			cmd, arg);
		return -1;
	}
	ref_profile = (int)p;
	return 0;
}

/* the backends of -b NAME[,NAME...] into names[]; their number, or -1 */
static int parse_backends(const char *cmd, char *arg, const char **names,
			  int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!ksml_backend_by_name(tok) || n == max) {
			fprintf(stderr, "ksmlab %s: -b '%s': expected ref, linux or kmod (at most %d)\n",
				cmd, tok, max);
			return -1;
		}
		names[n++] = tok;
	}
	if (!n)
		fprintf(stderr, "ksmlab %s: -b: no backend given\n", cmd);
	return n ? n : -1;
}

/* one KTAP line per workload; a subtest per backend, its counters as notes */
static int run_ktap(const char **backends, int nb, char **files, int nfiles)
{
	struct ksml_ktap top, sub;
	int i, b, rc = 0;

	ksml_ktap_begin(&top, stdout, 0, NULL, nfiles);
	for (i = 0; i < nfiles; i++) {
		struct ksml_workload wl;
		bool all_ok = true;

		if (ksml_live_interrupted) {
			ksml_ktap_result(&top, false, files[i], "interrupted");
			rc = 2;
			continue;
		}
		if (ksml_wl_load(files[i], &wl)) {
			ksml_ktap_diag(&top, "%s: the workload does not parse", files[i]);
			ksml_ktap_result(&top, false, files[i], NULL);
			rc = 2;
			continue;
		}
		ksml_ktap_begin(&sub, stdout, 1, wl.name, nb);
		for (b = 0; b < nb; b++) {
			static struct ksml_run_result res;
			char err[1024];

			if (run_one(backends[b], &wl, &res, err, sizeof(err))) {
				ksml_ktap_diag(&sub, "%s: %s", backends[b], err);
				ksml_ktap_result(&sub, false, backends[b], NULL);
				all_ok = false;
				rc = 2;
			} else {
				const struct ksml_counters *c = &res.c;

				ksml_ktap_diag(&sub,
					       "%s: %s after %lu scans: shared %lu sharing %lu unshared %lu volatile %lu chains %lu dups %lu zero %ld",
					       backends[b],
					       res.idle ? "idle" : res.converged ? "converged" : "not converged",
					       res.scans, c->pages_shared, c->pages_sharing,
					       c->pages_unshared, c->pages_volatile,
					       c->stable_node_chains, c->stable_node_dups,
					       c->ksm_zero_pages);
				ksml_ktap_result(&sub, true, backends[b], NULL);
			}
			ksml_run_result_free(&res);
		}
		ksml_ktap_result(&top, all_ok, wl.name, NULL);
		ksml_wl_free(&wl);
	}
	if (ksml_live_interrupted)
		return 128 + (int)ksml_live_interrupted;
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	const char *backend = "ref";
	const char *backends[4];
	char bbuf[256] = "ref";
	bool json = false, ktap = false;
	int c, i, rc = 0, nb;

	while ((c = getopt_long(argc, argv, "b:jqh", run_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = optarg;
			snprintf(bbuf, sizeof(bbuf), "%s", optarg);
			break;
		case 'K':
			ktap = true;
			break;
		case 'w':
			if (parse_wait("run", optarg))
				return 2;
			break;
		case 'i':
			if (parse_index("run", optarg))
				return 2;
			break;
		case 'c':
			if (parse_config("run", optarg))
				return 2;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_run, stdout);
			return 0;
		default:
			fputs(usage_run, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ksmlab run: no workload file given\n%s", usage_run);
		return 2;
	}
	if (ktap) {
		nb = parse_backends("run", bbuf, backends, 4);
		if (nb < 0)
			return 2;
		return run_ktap(backends, nb, argv + optind, argc - optind);
	}
	if (!ksml_backend_by_name(backend)) {
		fprintf(stderr, "ksmlab run: unknown backend '%s' (expected ref, linux or kmod)\n",
			backend);
		return 2;
	}
	for (i = optind; i < argc && !ksml_live_interrupted; i++) {
		struct ksml_workload wl;
		static struct ksml_run_result res;
		char err[1024];

		if (ksml_wl_load(argv[i], &wl)) {
			rc = 2;
			continue;
		}
		if (run_one(backend, &wl, &res, err, sizeof(err))) {
			fprintf(stderr, "ksmlab run: %s\n", err);
			rc = 2;
		} else {
			print_result(backend, &wl, &res, json);
		}
		ksml_run_result_free(&res);
		ksml_wl_free(&wl);
	}
	if (ksml_live_interrupted)
		return 128 + (int)ksml_live_interrupted;
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: ksmlab check WORKLOAD...\n"
		       "  Parse and validate workload files; print a summary of each, or\n"
		       "  FILE:LINE: what is wrong.  Exit 0 if all are valid.\n");
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		struct ksml_workload wl;

		if (ksml_wl_load(argv[i], &wl)) {
			rc = 1;
			continue;
		}
		printf("%s: ok: workload %s, %d spaces, %d mappings, %lu pages, %d steps, %d volatile ranges, last event at scan %lu, max-scans %lu%s%s\n",
		       argv[i], wl.name, wl.nr_spaces, wl.nr_maps, wl.total_pages,
		       wl.nr_steps, wl.nr_volatile, wl.last_event_scan, wl.max_scans,
		       wl.expect_different[0] ? ", expect-different: " : "",
		       wl.expect_different);
		ksml_wl_free(&wl);
	}
	return rc;
}

/* ----------------------------------------------------------------- diff */

static const char usage_diff[] =
	"usage: ksmlab diff [-b linux|kmod] [-q] [--json|--ktap] [--wait-quiet SECS]\n"
	"                   [--config faithful|portable|model|all] WORKLOAD...\n"
	"  Runs each workload on ref and on linux (or, with -b kmod, on the "
	"kernel\n"
	"  module inside its guest) and prints a side-by-side table\n"
	"  of the counters.  The deterministic ones (pages_shared, "
	"pages_sharing,\n"
	"  pages_unshared, stable_node_chains, stable_node_dups, "
	"ksm_zero_pages and\n"
	"  every live space's ksm_merging_pages) must be equal after every "
	"scan,\n"
	"  with pages_volatile, rmap_items, general_profit, cow_ksm and each\n"
	"  space's rmap_items, zero pages and smaps KSM, and at the end every\n"
	"  field of each space's ksm_stat (see harness/README.md).  A workload\n"
	"  with an `expect-different REASON` line prints the reason instead of\n"
	"  failing.\n"
	"  Other processes registered with the host's KSM (e.g. qemu guests) "
	"add\n"
	"  their pages to the global counters: then only the per-process "
	"values\n"
	"  (ksm_merging_pages, ksm_rmap_items, ksm_zero_pages of our "
	"processes,\n"
	"  after every scan) are compared, and the row says so.\n"
	"  --wait-quiet SECS  wait up to SECS (in all) for them to go away "
	"first.\n"
	"  --config faithful|portable|model  ref's named configuration (see\n"
	"            ksmlab run --help); each must give the kernel's "
	"counters.\n"
	"            all: every configuration in turn (each run against the\n"
	"            kernel), with --ktap a subtest each.\n"
	"  --ktap    KTAP version 1 on stdout: a result per workload, a subtest\n"
	"            per configuration, \"# SKIP reason\" for an expected\n"
	"            difference, \"# \" lines naming the differing counter and\n"
	"            the scan.  Same exit status.\n"
	"  A workload that differs from linux runs on linux once more: the "
	"kernel\n"
	"  is not deterministic on a busy host (a page another kernel thread\n"
	"  holds for a moment merges a scan later).  Only when the kernel's "
	"two\n"
	"  runs differ from each other and the second equals ref is the row\n"
	"  equal, marked \"equal (kernel varied)\" with both differences.\n"
	"  --no-rerun  report the first linux run's difference as it is.\n"
	"  Exit: 0 all equal or expected, 1 an unexpected difference, 2 an "
	"error,\n"
	"  3 no proven difference, but some rows could only be compared per\n"
	"  process, or differed while other processes used KSM "
	"(inconclusive).\n";

static void diff_progress_done(void *ps)
{
	progress_done(ps);
}

/* what diff and selftest share: the oracle's hooks, the configurations */
static void diff_opts(struct ksml_diff_opts *d, const char *other, bool rerun,
		      struct prog_state *ps)
{
	memset(d, 0, sizeof(*d));
	d->oracle.profile = ref_profile;
	d->oracle.rerun_differing = rerun;
	d->oracle.wait_quiet_s = &wait_quiet;
	d->oracle.progress = progress;
	d->oracle.progress_arg = ps;
	d->other = other;
	if (config_all) {
		d->profiles = all_profiles;
		d->nprofiles =
			(int)(sizeof(all_profiles) / sizeof(all_profiles[0]));
	}
	d->progress_done = diff_progress_done;
}

static int cmd_diff(int argc, char **argv)
{
	const char *other = "linux";
	struct ksml_diff_opts d;
	struct prog_state ps = {"ref/linux", isatty(2)};
	bool json = false, rerun = true, ktap = false;
	int c;

	while ((c = getopt_long(argc, argv, "b:qjh", run_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			other = optarg;
			if (!ksml_backend_by_name(other) || !strcmp(other, "ref")) {
				fprintf(stderr, "ksmlab diff: -b '%s': compare ref with linux or kmod\n",
					other);
				return 2;
			}
			break;
		case 'w':
			if (parse_wait("diff", optarg))
				return 2;
			break;
		case 'i':
			if (parse_index("diff", optarg))
				return 2;
			break;
		case 'c':
			if (parse_config("diff", optarg))
				return 2;
			break;
		case 'q':
			quiet = true;
			break;
		case 'R':
			rerun = false;
			break;
		case 'K':
			ktap = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_diff, stdout);
			return 0;
		default:
			fputs(usage_diff, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ksmlab diff: no workload file given\n%s", usage_diff);
		return 2;
	}
	if (config_all && !ktap) {
		fprintf(stderr, "ksmlab diff: --config all needs --ktap\n");
		return 2;
	}
	diff_opts(&d, other, rerun, &ps);
	if (ktap)
		return ksml_diff_ktap(&d, argv + optind, argc - optind);
	if (json)
		return ksml_diff_json(&d, argv + optind, argc - optind);
	return ksml_diff_text(&d, argv + optind, argc - optind);
}

/* ------------------------------------------------------------- selftest */

static const char usage_selftest[] =
	"usage: ksmlab selftest [-b linux|kmod] [--config CONFIG|all]\n"
	"                       [--timeout SECS] [--max-pages N] [--dir DIR]\n"
	"                       [WORKLOAD...]\n"
	"  The kselftest-style entry: the conformance set (every shipped\n"
	"  workload, or those given) diffed against the live kernel's KSM in\n"
	"  every configuration (--config all, the default), printed as KTAP.\n"
	"  Exit as kselftest: 0 pass, 1 fail (a difference, an error, an\n"
	"  inconclusive row, the timeout), 4 skip (not root, or no KSM).\n"
	"  --timeout SECS   stop after SECS in all (default 1800; 0: none)\n"
	"  --max-pages N    skip workloads mapping more pages (default 262144)\n"
	"  --dir DIR        the workloads (default: $KSMLAB_WORKLOADS, the\n"
	"                   installed share/ksmlab/workloads, ./workloads)\n";

static const struct option selftest_opts[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "config", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-pages", required_argument, NULL, 'm' },
	{ "dir", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static volatile sig_atomic_t selftest_timed_out;

static void on_selftest_alarm(int sig)
{
	selftest_timed_out = 1;
	ksml_live_interrupted = sig;
}

/* the shipped workloads: $KSMLAB_WORKLOADS, installed, or the source tree */
static const char *selftest_dir(char *buf, size_t size)
{
	const char *env = getenv("KSMLAB_WORKLOADS");
	char exe[PATH_MAX - 64];
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	slash = strrchr(exe, '/');
	if (slash) {
		*slash = 0;
		snprintf(buf, size, "%s/../share/ksmlab/workloads", exe);
		if (!access(buf, R_OK))
			return buf;
	}
	return "workloads";
}

static int wl_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 3 && !strcmp(d->d_name + len - 3, ".wl");
}

static int cmd_selftest(int argc, char **argv)
{
	struct ksml_diff_opts d;
	struct prog_state ps = { "selftest", false };
	const char *other = "linux", *dir = NULL;
	unsigned long max_pages = 262144, timeout = 1800;
	char dbuf[PATH_MAX], **files = NULL;
	struct dirent **ents = NULL;
	int c, i, n = 0, nents = 0, rc;
	char *end;

	config_all = true;
	while ((c = getopt_long(argc, argv, "b:h", selftest_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			other = optarg;
			if (strcmp(other, "linux") && strcmp(other, "kmod")) {
				fprintf(stderr, "ksmlab selftest: -b '%s': linux or kmod\n", other);
				return 2;
			}
			break;
		case 'c':
			if (parse_config("selftest", optarg))
				return 2;
			break;
		case 't':
		case 'm':
			errno = 0;
			if (c == 't')
				timeout = strtoul(optarg, &end, 10);
			else
				max_pages = strtoul(optarg, &end, 10);
			if (*end || !*optarg || errno || optarg[0] == '-') {
				fprintf(stderr, "ksmlab selftest: --%s '%s' is not a number\n",
					c == 't' ? "timeout" : "max-pages", optarg);
				return 2;
			}
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			fputs(usage_selftest, stdout);
			return 0;
		default:
			fputs(usage_selftest, stderr);
			return 2;
		}
	}
	/* kselftest's skip: what the machine lacks, said in the plan */
	if (!strcmp(other, "linux") &&
	    (geteuid() != 0 || access("/sys/kernel/mm/ksm/run", W_OK))) {
		printf("KTAP version 1\n1..0 # SKIP %s\n",
		       geteuid() ? "needs root: it drives the host's KSM" :
				   "no writable /sys/kernel/mm/ksm/run: the kernel has no KSM");
		return 4;
	}
	if (optind < argc) {
		files = argv + optind;
		n = argc - optind;
	} else {
		if (!dir)
			dir = selftest_dir(dbuf, sizeof(dbuf));
		nents = scandir(dir, &ents, wl_filter, alphasort);
		if (nents <= 0) {
			printf("KTAP version 1\n1..0 # SKIP no workloads in %s\n", dir);
			return 4;
		}
		files = calloc((size_t)nents, sizeof(*files));
		if (!files)
			return 2;
		for (i = 0; i < nents; i++) {
			struct ksml_workload wl;
			char *path, perr[512];

			if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0)
				return 2;
			/* too big for the default run: left out, and said so */
			if (!ksml_wl_parse_file(path, &wl, perr, sizeof(perr))) {
				bool big = wl.total_pages > max_pages;

				ksml_wl_free(&wl);
				if (big) {
					printf("# %s: skipped, it maps more than %lu pages (--max-pages)\n",
					       ents[i]->d_name, max_pages);
					free(path);
					continue;
				}
			}
			files[n++] = path;
		}
	}
	quiet = true;
	diff_opts(&d, other, true, &ps);
	signal(SIGALRM, on_selftest_alarm);
	alarm((unsigned int)timeout);
	rc = ksml_diff_ktap(&d, files, n);
	alarm(0);
	if (selftest_timed_out)
		printf("# timeout: stopped after %lu s (--timeout)\n", timeout);
	if (nents > 0) {
		for (i = 0; i < n; i++)
			free(files[i]);
		free(files);
		for (i = 0; i < nents; i++)
			free(ents[i]);
		free(ents);
	}
	return rc ? 1 : 0;
}

/* ------------------------------------------------------------ stat/knob */

static const char usage_stat[] =
	"usage: ksmlab stat [-b ref|linux] [--json]\n"
	"  linux (default when /sys/kernel/mm/ksm exists): the host's counters and\n"
	"  knobs, ksmd's CPU time and the processes using KSM (read only, no lock).\n"
	"  ref: a fresh in-process instance (its defaults).\n";

static const char *const stat_files[] = {
	"run", "pages_to_scan", "sleep_millisecs", "max_page_sharing",
	"merge_across_nodes", "use_zero_pages", "smart_scan",
	"stable_node_chains_prune_millisecs", "advisor_mode",
	"pages_scanned", "pages_shared", "pages_sharing", "pages_unshared",
	"pages_volatile", "pages_skipped", "full_scans", "stable_node_chains",
	"stable_node_dups", "ksm_zero_pages", "general_profit",
};

static int cmd_stat(int argc, char **argv)
{
	const char *backend = access("/sys/kernel/mm/ksm/run", F_OK) ? "ref" : "linux";
	bool json = false;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "b:jh", run_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_stat, stdout);
			return 0;
		default:
			fputs(usage_stat, stderr);
			return 2;
		}
	}
	if (!strcmp(backend, "linux")) {
		char v[64];

		if (access("/sys/kernel/mm/ksm/run", F_OK)) {
			fprintf(stderr, "ksmlab stat: this kernel has no KSM (/sys/kernel/mm/ksm missing)\n");
			return 1;
		}
		if (json)
			printf("{\"backend\": \"linux\"");
		for (i = 0; i < sizeof(stat_files) / sizeof(stat_files[0]); i++) {
			if (ksml_live_read(stat_files[i], v, sizeof(v)) < 0)
				continue;
			if (json)
				printf(", \"%s\": \"%s\"", stat_files[i], v);
			else
				printf("%-36s %s\n", stat_files[i], v);
		}
		if (json) {
			printf(", \"ksmd_cpu_ns\": %llu}\n", ksml_live_ksmd_cpu_ns());
		} else {
			printf("%-36s %.3f s (pid %d)\n", "ksmd cpu",
			       (double)ksml_live_ksmd_cpu_ns() / 1e9, ksml_live_ksmd_pid());
		}
		return 0;
	}
	if (!strcmp(backend, "ref")) {
		struct ksml_drv d;
		struct ksml_counters cn;
		int k, n;

		if (ksml_drv_open(&d, &ksml_backend_ref, NULL)) {
			fprintf(stderr, "ksmlab stat: %s\n", ksml_drv_error(&d));
			return 1;
		}
		n = ksml_knob_count();
		for (k = 0; k < n; k++) {
			char v[64];
			const struct ksml_knob_info *ki = ksml_knob_at(k);

			if (!ksml_drv_knob_read(&d, ki->name, v, sizeof(v)))
				printf("%-36s %s\n", ki->name, v);
		}
		ksml_drv_counters(&d, &cn);
		printf("%-36s %lu\n", "rmap_items", cn.rmap_items);
		ksml_drv_close(&d);
		return 0;
	}
	fprintf(stderr, "ksmlab stat: unknown backend '%s' (expected ref or linux)\n", backend);
	return 2;
}

static const char usage_knob[] =
	"usage: ksmlab knob [-b ref|linux] NAME [VALUE]\n"
	"  Print knob NAME, or write VALUE to it.  On linux (default when KSM\n"
	"  exists) a write is a deliberate, lasting change of the host's KSM: it\n"
	"  takes " KSML_LIVE_LOCK " and prints the old value.\n"
	"  On ref the knob is written to a fresh instance with the kernel's\n"
	"  validation (ksml_knob_write) and read back: a way to test a value.\n";

static int cmd_knob(int argc, char **argv)
{
	const char *backend = access("/sys/kernel/mm/ksm/run", F_OK) ? "ref" : "linux";
	char v[128], err[512];
	int c, ret;

	while ((c = getopt_long(argc, argv, "+b:h", run_opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			backend = optarg;
			break;
		case 'h':
			fputs(usage_knob, stdout);
			return 0;
		default:
			fputs(usage_knob, stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fputs(usage_knob, stderr);
		return 2;
	}
	if (!strcmp(backend, "linux")) {
		const char *name = argv[optind];

		if (strchr(name, '/') || !strcmp(name, "..")) {
			fprintf(stderr, "ksmlab knob: bad knob name '%s'\n", name);
			return 2;
		}
		if (ksml_live_read(name, v, sizeof(v)) < 0) {
			fprintf(stderr, "ksmlab knob: %s/%s: no such knob\n",
				ksml_live_dir(), name);
			return 1;
		}
		if (argc - optind == 1) {
			printf("%s\n", v);
			return 0;
		}
		ret = ksml_live_check(err, sizeof(err));
		if (!ret)
			ret = ksml_live_lock(60, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "ksmlab knob: %s\n", err);
			return 1;
		}
		ret = ksml_live_write(name, argv[optind + 1]);
		ksml_live_unlock();
		if (ret) {
			fprintf(stderr, "ksmlab knob: writing '%s' to %s/%s: %s\n",
				argv[optind + 1], ksml_live_dir(), name, strerror(-ret));
			return 1;
		}
		ksml_live_read(name, err, sizeof(err));
		printf("%s: %s -> %s\n", name, v, err);
		return 0;
	}
	if (!strcmp(backend, "ref")) {
		struct ksml_drv d;

		if (ksml_drv_open(&d, &ksml_backend_ref, NULL)) {
			fprintf(stderr, "ksmlab knob: %s\n", ksml_drv_error(&d));
			return 1;
		}
		ret = 0;
		if (argc - optind == 2)
			ret = ksml_drv_knob_write(&d, argv[optind], argv[optind + 1]);
		if (!ret)
			ret = ksml_drv_knob_read(&d, argv[optind], v, sizeof(v));
		if (ret)
			fprintf(stderr, "ksmlab knob: %s\n", ksml_drv_error(&d));
		else
			printf("%s\n", v);
		ksml_drv_close(&d);
		return ret ? 1 : 0;
	}
	fprintf(stderr, "ksmlab knob: unknown backend '%s' (expected ref or linux)\n", backend);
	return 2;
}

/* ----------------------------------------------------------------- exec */

static const char usage_exec[] =
	"usage: ksmlab exec [--mode prctl|shim|both] [--interval MS]\n"
	"                   -- PROG [ARGS...]\n"
	"  Runs PROG with KSM enabled for its anonymous memory:\n"
	"    prctl  PR_SET_MEMORY_MERGE (Linux 6.4+) in the child before exec: every\n"
	"           anonymous mapping, present and future, is mergeable;\n"
	"    shim   LD_PRELOAD=libksm_preload.so: madvise(MADV_MERGEABLE) after each\n"
	"           private or anonymous mmap, as Android's bionic does;\n"
	"    both   (default) both.\n"
	"  While PROG runs, ksmd scans fast (pages_to_scan 20000, sleep_millisecs 0;\n"
	"  all knobs restored afterwards) and /proc/PID/ksm_stat is sampled every\n"
	"  --interval ms (default 100); the peak values are reported.  Exit status\n"
	"  is PROG's.  Needs root and /sys/kernel/mm/ksm.\n";

static const struct option exec_opts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "interval", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* install.mk: the shim's directory relative to an installed ksmlab's */
#ifndef KSML_PRELOAD_REL
#define KSML_PRELOAD_REL "../lib/ksmlab"
#endif

/* the shim next to ksmlab (the build tree), else where install put it */
static void shim_path(char *buf, size_t size)
{
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n < 0)
		n = 0;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(buf, size, "%s/libksm_preload.so", exe);
	if (access(buf, R_OK))
		snprintf(buf, size, "%s/" KSML_PRELOAD_REL "/libksm_preload.so", exe);
}

static int cmd_exec(int argc, char **argv)
{
	struct ksml_live_saved saved;
	struct ksml_mm_stat st, peak;
	char err[512], shim[PATH_MAX];
	const char *mode = "both";
	long interval = 100;
	int c, ret, status = 0, samples = 0;
	bool use_prctl, use_shim, exited = false, killed = false;
	pid_t pid;
	double t0;
	struct timespec ts;

	while ((c = getopt_long(argc, argv, "+m:i:h", exec_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'i':
			interval = strtol(optarg, NULL, 10);
			break;
		case 'h':
			fputs(usage_exec, stdout);
			shim_path(shim, sizeof(shim));
			printf("  The shim: %s\n", shim);
			return 0;
		default:
			fputs(usage_exec, stderr);
			return 2;
		}
	}
	if (strcmp(mode, "prctl") && strcmp(mode, "shim") && strcmp(mode, "both")) {
		fprintf(stderr, "ksmlab exec: --mode '%s' is not prctl, shim or both\n", mode);
		return 2;
	}
	if (interval < 1 || interval > 60000) {
		fprintf(stderr, "ksmlab exec: --interval must be 1..60000 ms\n");
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "ksmlab exec: no program given\n%s", usage_exec);
		return 2;
	}
	use_prctl = strcmp(mode, "shim");
	use_shim = strcmp(mode, "prctl");
	shim_path(shim, sizeof(shim));
	if (use_shim && access(shim, R_OK)) {
		fprintf(stderr, "ksmlab exec: shim %s not found (make build/libksm_preload.so)\n",
			shim);
		return 2;
	}
	ret = ksml_live_check(err, sizeof(err));
	if (!ret)
		ret = ksml_live_lock(600, err, sizeof(err));
	if (!ret)
		ret = ksml_live_save(&saved, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ksmlab exec: %s\n", err);
		ksml_live_unlock();
		return 2;
	}
	if (ksml_live_write("advisor_mode", "none") ||
	    ksml_live_write("pages_to_scan", "20000") ||
	    ksml_live_write("sleep_millisecs", "0") || ksml_live_write("run", "1")) {
		fprintf(stderr, "ksmlab exec: cannot start ksmd: %s\n", strerror(errno));
		goto restore;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("ksmlab exec: fork");
		goto restore;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (use_prctl && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0)) {
			fprintf(stderr, "ksmlab exec: prctl(PR_SET_MEMORY_MERGE): %s%s\n",
				strerror(errno),
				use_shim ? " (continuing with the shim)" : "");
			if (!use_shim)
				_exit(126);
		}
		if (use_shim) {
			const char *old = getenv("LD_PRELOAD");
			char pre[PATH_MAX * 2];

			snprintf(pre, sizeof(pre), "%s%s%s", shim, old ? ":" : "",
				 old ? old : "");
			setenv("LD_PRELOAD", pre, 1);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "ksmlab exec: cannot run %s: %s\n", argv[optind],
			strerror(errno));
		_exit(127);
	}
	memset(&peak, 0, sizeof(peak));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	while (!exited) {
		struct timespec d = { interval / 1000, (interval % 1000) * 1000000 };
		pid_t w;

		/* sample first, before the process can exit and lose its mm */
		if (!ksml_linux_read_ksm_stat(pid, &st)) {
			samples++;
			if (st.ksm_merging_pages > peak.ksm_merging_pages)
				peak.ksm_merging_pages = st.ksm_merging_pages;
			if (st.ksm_zero_pages > peak.ksm_zero_pages)
				peak.ksm_zero_pages = st.ksm_zero_pages;
			if (st.ksm_process_profit > peak.ksm_process_profit)
				peak.ksm_process_profit = st.ksm_process_profit;
			if (st.ksm_rmap_items > peak.ksm_rmap_items)
				peak.ksm_rmap_items = st.ksm_rmap_items;
			peak.ksm_merge_any |= st.ksm_merge_any;
			peak.ksm_mergeable |= st.ksm_mergeable;
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			exited = true;
			continue;
		}
		if (ksml_live_interrupted && !killed) {
			/* pass the signal on once, then wait for the exit */
			kill(pid, SIGTERM);
			killed = true;
		}
		nanosleep(&d, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr,
		"ksmlab exec: %s (mode %s) ran %.2f s, %d samples of /proc/%d/ksm_stat\n"
		"ksmlab exec: peak ksm_merging_pages %lu (%.1f MiB)  ksm_zero_pages %ld  "
		"ksm_rmap_items %lu  ksm_process_profit %ld (%.1f MiB)  merge_any %s  mergeable %s\n",
		argv[optind], mode,
		(double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t0, samples, pid,
		peak.ksm_merging_pages, (double)peak.ksm_merging_pages * 4096 / 1048576.0,
		peak.ksm_zero_pages, peak.ksm_rmap_items, peak.ksm_process_profit,
		(double)peak.ksm_process_profit / 1048576.0,
		peak.ksm_merge_any ? "yes" : "no", peak.ksm_mergeable ? "yes" : "no");
restore:
	/*
	 * With run found at 0 nothing would clean up the exited program's
	 * rmap_items and stale KSM pages: unmerge them before restoring.
	 */
	for (c = 0; c < saved.nr; c++)
		if (!strcmp(saved.name[c], "run") && !strcmp(saved.value[c], "0"))
			ksml_live_write("run", "2");
	if (ksml_live_restore(&saved, err, sizeof(err)))
		fprintf(stderr, "ksmlab exec: warning: %s\n", err);
	ksml_live_unlock();
	if (ksml_live_interrupted)
		return 128 + (int)ksml_live_interrupted;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* -------------------------------------------------------------- capture */

static int cmd_capture(int argc, char **argv)
{
	const char *outpath = NULL;
	char err[512], *end;
	FILE *out = stdout;
	long pid;
	int c, ret;

	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--help"))
			argv[c] = "-h";
	while ((c = getopt(argc, argv, "o:h")) != -1) {
		if (c == 'h') {
			printf("usage: ksmlab capture [-o FILE] PID\n"
			       "  Reads the private anonymous memory of PID (/proc/PID/maps, mem,\n"
			       "  pagemap) and writes a workload with its page-equality structure\n"
			       "  only (equal pages, zero pages; contents replaced by hashed\n"
			       "  stand-ins), to FILE or stdout.  Needs ptrace rights on PID.\n");
			return 0;
		}
		if (c == 'o')
			outpath = optarg;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: ksmlab capture [-o FILE] PID\n");
		return 2;
	}
	pid = strtol(argv[optind], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "ksmlab capture: '%s' is not a process id\n", argv[optind]);
		return 2;
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "ksmlab capture: cannot write %s: %s\n", outpath,
			strerror(errno));
		return 1;
	}
	ret = ksml_capture((int)pid, out, err, sizeof(err));
	if (out != stdout)
		fclose(out);
	if (ret) {
		fprintf(stderr, "ksmlab capture: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	const char *outpath = NULL;
	unsigned long seed;
	char *end;
	FILE *out = stdout;
	int c, ret;

	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--help"))
			argv[c] = "-h";
	while ((c = getopt(argc, argv, "o:h")) != -1) {
		if (c == 'h') {
			printf("usage: ksmlab gen [-o FILE] SEED\n"
			       "  Writes a random workload for differential testing: 1-3 processes,\n"
			       "  mixed contents, madvise/prctl, small max_page_sharing, and events\n"
			       "  (COW writes, fork, exit, unmerge, munmap, pins, knob toggles) at\n"
			       "  scans 1..14.  The same SEED always gives the same file.\n"
			       "  e.g.: for s in $(seq 1 50); do ksmlab gen -o /tmp/r$s.wl $s; done;\n"
			       "        sudo ksmlab diff /tmp/r*.wl\n");
			return 0;
		}
		if (c == 'o')
			outpath = optarg;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: ksmlab gen [-o FILE] SEED\n");
		return 2;
	}
	seed = strtoul(argv[optind], &end, 10);
	if (*end || !*argv[optind]) {
		fprintf(stderr, "ksmlab gen: '%s' is not a seed (unsigned number)\n",
			argv[optind]);
		return 2;
	}
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "ksmlab gen: cannot write %s: %s\n", outpath,
			strerror(errno));
		return 1;
	}
	ret = ksml_wl_generate(seed, out);
	if (out != stdout && fclose(out))
		ret = -EIO;
	return ret ? 1 : 0;
}

/* --------------------------------------------------- the command table */

/*
 * Every command: main dispatches from this table, `ksmlab --help` lists
 * it, and `ksmlab --completion bash` generates the completion from it, so
 * the three cannot drift.  opts are the options of the command's --help,
 * each "-x" or "--name", with "=" when it takes a value and the values
 * it takes, '|'-separated, when they are a fixed set; tests/suites/
 * 90-install.sh checks them against each command's --help and ksmlab(1).
 */
enum cmd_operand {
	OPERAND_NONE,
	OPERAND_WORKLOAD, /* *.wl files */
	OPERAND_KNOB,	  /* knob names (the core's knob table) */
	OPERAND_PROGRAM,  /* -- PROG ARGS */
	OPERAND_PID,
};

struct ksmlab_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis; /* the rest of --help's left column */
	const char *summary;  /* --help's right column, '\n' between lines */
	const char *opts;
	enum cmd_operand operand;
};

static const struct ksmlab_cmd commands[] = {
	{ "run", cmd_run, "-b ref|linux|kmod WORKLOAD...",
	  "run workloads, print counters at convergence",
	  "-b=ref|linux|kmod --json --ktap -q --wait-quiet= --config=faithful|portable|model "
	  "--index=content|checksum",
	  OPERAND_WORKLOAD },
	{ "diff", cmd_diff, "WORKLOAD...",
	  "run on ref and linux, compare the deterministic\n"
	  "counters (exit 1 on an unexpected difference)",
	  "-b=linux|kmod -q --json --ktap --wait-quiet= --config=faithful|portable|model|all "
	  "--no-rerun",
	  OPERAND_WORKLOAD },
	{ "check", cmd_check, "WORKLOAD...", "parse and validate workload files only", "",
	  OPERAND_WORKLOAD },
	{ "stat", cmd_stat, "[-b ref|linux]", "print KSM counters and knobs",
	  "-b=ref|linux --json", OPERAND_NONE },
	{ "knob", cmd_knob, "[-b ref|linux] NAME [VALUE]", "read or write a knob",
	  "-b=ref|linux", OPERAND_KNOB },
	{ "exec", cmd_exec, "[--mode prctl|shim|both] -- PROG ARGS",
	  "run a program with KSM on its anonymous memory",
	  "--mode=prctl|shim|both --interval=", OPERAND_PROGRAM },
	{ "capture", cmd_capture, "[-o FILE] PID",
	  "write a workload with the page-equality\n"
	  "structure of a live process",
	  "-o=", OPERAND_PID },
	{ "selftest", cmd_selftest, "[--config CONFIG|all] [WORKLOAD...]",
	  "the conformance set against the live kernel,\n"
	  "as KTAP, with kselftest's exit codes",
	  "-b=linux|kmod --config=faithful|portable|model|all --timeout= "
	  "--max-pages= --dir=",
	  OPERAND_WORKLOAD },
	{ "gen", cmd_gen, "[-o FILE] SEED",
	  "write a random (valid, deterministic) workload", "-o=", OPERAND_NONE },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

#ifndef KSML_VERSION
#define KSML_VERSION "unknown"
#endif

static void usage_main(FILE *f)
{
	size_t i;

	fputs("usage: ksmlab COMMAND [OPTIONS] [ARGS]\n"
	      "       ksmlab --help | --version | --completion bash\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < NR_COMMANDS; i++) {
		const struct ksmlab_cmd *c = &commands[i];
		const char *line = c->summary;
		int n = fprintf(f, "  %s %s", c->name, c->synopsis);

		/* the summary at column 38, below a synopsis too long for it */
		if (n > 37)
			fprintf(f, "\n%38s", "");
		else
			fprintf(f, "%*s", 38 - n, "");
		for (;;) {
			const char *nl = strchr(line, '\n');

			if (!nl) {
				fprintf(f, "%s\n", line);
				break;
			}
			fprintf(f, "%.*s\n%38s", (int)(nl - line), line, "");
			line = nl + 1;
		}
	}
	fputs("\n"
	      "`ksmlab COMMAND --help` describes each command.  The linux backend needs root\n"
	      "and /sys/kernel/mm/ksm; it takes " KSML_LIVE_LOCK ",\n"
	      "saves every knob and restores them on exit, error or signal.\n",
	      f);
}

/*
 * opts as bash: the options alone (a compgen word list), or with
 * values_of_args one case arm per option that takes a value
 */
static void print_opts(const char *opts, bool values_of_args)
{
	const char *p = opts;

	while (*p) {
		size_t n = strcspn(p, " ");
		const char *eq = memchr(p, '=', n);

		if (!values_of_args) {
			printf(" %.*s", (int)(eq ? (size_t)(eq - p) : n), p);
		} else if (eq) {
			size_t k;

			/* bash: a case arm giving the option's values (none: free) */
			printf("\t\t%.*s) COMPREPLY=($(compgen -W \"", (int)(eq - p), p);
			for (k = (size_t)(eq - p) + 1; k < n; k++)
				putchar(p[k] == '|' ? ' ' : p[k]);
			printf("\" -- \"$cur\")); return ;;\n");
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static int completion_bash(void)
{
	size_t i;
	int k;

	printf("# bash completion for ksmlab %s, generated by `ksmlab --completion bash`\n"
	       "# from the command table that also makes `ksmlab --help`\n"
	       "_ksmlab()\n"
	       "{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	       "\tlocal cmd= i dashdash=0\n"
	       "\tCOMPREPLY=()\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tcase ${COMP_WORDS[i]} in\n"
	       "\t\t--) [ -n \"$cmd\" ] && { dashdash=$i; break; } ;;\n"
	       "\t\t-*) ;;\n"
	       "\t\t*) [ -z \"$cmd\" ] && cmd=${COMP_WORDS[i]} ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tif [ \"$prev\" = --completion ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"bash\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tif [ -z \"$cmd\" ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"",
	       KSML_VERSION);
	for (i = 0; i < NR_COMMANDS; i++)
		printf("%s ", commands[i].name);
	printf("--help --version --completion\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase $cmd in\n");
	for (i = 0; i < NR_COMMANDS; i++) {
		const struct ksmlab_cmd *c = &commands[i];

		printf("\t%s)\n", c->name);
		if (c->operand == OPERAND_PROGRAM)
			printf("\t\tif [ $dashdash -gt 0 ]; then\n"
			       "\t\t\tif [ $COMP_CWORD -eq $((dashdash + 1)) ]; then\n"
			       "\t\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n"
			       "\t\t\telse\n"
			       "\t\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
			       "\t\t\tfi\n"
			       "\t\t\treturn\n"
			       "\t\tfi\n");
		printf("\t\tcase $prev in\n");
		print_opts(c->opts, true);
		printf("\t\tesac\n"
		       "\t\tcase $cur in -*)\n"
		       "\t\t\tCOMPREPLY=($(compgen -W \"");
		print_opts(c->opts, false);
		printf(" --help\" -- \"$cur\"))\n"
		       "\t\t\treturn ;;\n"
		       "\t\tesac\n");
		switch (c->operand) {
		case OPERAND_WORKLOAD:
			printf("\t\tcompopt -o filenames 2>/dev/null\n"
			       "\t\tCOMPREPLY=($(compgen -f -X '!*.wl' -- \"$cur\") "
			       "$(compgen -d -- \"$cur\"))\n");
			break;
		case OPERAND_KNOB:
			printf("\t\tCOMPREPLY=($(compgen -W \"");
			for (k = 0; k < ksml_knob_count(); k++)
				if (ksml_knob_at(k)->writable)
					printf("%s ", ksml_knob_at(k)->name);
			printf("\" -- \"$cur\"))\n");
			break;
		case OPERAND_PID:
			printf("\t\tCOMPREPLY=($(compgen -W \"$(ps -eo pid= 2>/dev/null)\" "
			       "-- \"$cur\"))\n");
			break;
		case OPERAND_PROGRAM:
			printf("\t\tCOMPREPLY=($(compgen -W \"--\" -- \"$cur\"))\n");
			break;
		case OPERAND_NONE:
			break;
		}
		printf("\t\t;;\n");
	}
	printf("\tesac\n"
	       "}\n"
	       "complete -F _ksmlab ksmlab\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	size_t i;

	if (argc < 2) {
		usage_main(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("ksmlab %s\n", KSML_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--completion")) {
		if (argc == 3 && !strcmp(argv[2], "bash"))
			return completion_bash();
		fprintf(stderr, "ksmlab: --completion takes one shell: bash\n");
		return 2;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ksmlab: unknown command '%s'\n", cmd);
	usage_main(stderr);
	return 2;
}

// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_wl.c - every shipped workload (workloads/ *.wl) on the ref core and
 * on the live kernel, side by side, through the harness (driver.h: the
 * backends; runner.h: setup, lock-stepped full scans until convergence).
 *
 *   BM_wl_ref/<workload>     ref core, scanned in this thread
 *   BM_wl_linux/<workload>   live ksmd (root and KSM, else skipped)
 *
 * One run per iteration; time = the scanner's CPU (ref: this thread,
 * linux: ksmd); counters: pages_per_cpu_s (full scans x workload pages per
 * CPU-second), scans and convergence, the kernel counters and saved_MiB
 * (linux: global, see host_noise).  KSML_BENCH_WL_DIR overrides the
 * directory, KSML_BENCH_WL_FILTER (a substring) selects workloads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_ctx.h"
#include "gbench_c.h"
#include "driver.h"
#include "runner.h"
#include "workload.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wl_case {
	char path[512];
	const char *backend;
};

static void bm_wl(struct ksml_gb_state *st, void *arg)
{
	const struct wl_case *wc = arg;
	const struct ksml_backend_ops *ops = ksml_backend_by_name(wc->backend);
	struct ksml_run_result *res = NULL;
	/* large: static (benchmarks run one at a time) */
	static struct ksml_workload wl;
	static struct ksml_drv d;
	static char err[512];
	struct ksml_drv_opts o;
	int ret;

	memset(&wl, 0, sizeof(wl));
	if (!ops) {
		ksml_gb_skip_with_error(st, "no backend %s", wc->backend);
		return;
	}
	if (ksml_wl_parse_file(wc->path, &wl, err, sizeof(err))) {
		ksml_gb_skip_with_error(st, "%s", err);
		return;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		ksml_gb_skip_with_error(st, "out of memory");
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.numa_nodes = wl.numa_nodes;
	o.lock_timeout_s = 600;
	while (ksml_gb_keep_running(st)) {
		double cpu;

		ret = ksml_drv_open(&d, ops, &o);
		if (ret) {
			ksml_gb_skip_with_error(st, "%s backend: %s", wc->backend,
						ksml_drv_error(&d));
			ksml_drv_close(&d);
			break;
		}
		ret = ksml_run_workload(&d, &wl, res, NULL, NULL, err, sizeof(err));
		ksml_drv_close(&d);
		if (ret) {
			ksml_gb_skip_with_error(st, "%s", err);
			break;
		}
		cpu = res->cpu_s > 0 ? res->cpu_s : 1e-9;
		ksml_gb_set_iteration_time(st, cpu);
		ksml_gb_counter(st, "pages", (double)wl.total_pages, 0);
		/*
		 * scans x pages: the same basis on both backends (the live
		 * pages_scanned is global, other processes' pages included)
		 */
		ksml_gb_counter(st, "pages_per_cpu_s",
				(double)res->scans * (double)wl.total_pages / cpu, 0);
		ksml_gb_counter(st, "cpu_s", res->cpu_s, 0);
		ksml_gb_counter(st, "wall_s", res->wall_s, 0);
		ksml_gb_counter(st, "scans", (double)res->scans, 0);
		ksml_gb_counter(st, "converged_at", (double)res->converged_at, 0);
		ksml_gb_counter(st, "converged", res->converged, 0);
		ksml_gb_counter(st, "pages_scanned", (double)res->c.pages_scanned, 0);
		ksml_gb_counter(st, "pages_shared", (double)res->c.pages_shared, 0);
		ksml_gb_counter(st, "pages_sharing", (double)res->c.pages_sharing, 0);
		ksml_gb_counter(st, "pages_unshared", (double)res->c.pages_unshared, 0);
		ksml_gb_counter(st, "stable_node_chains", (double)res->c.stable_node_chains, 0);
		ksml_gb_counter(st, "stable_node_dups", (double)res->c.stable_node_dups, 0);
		ksml_gb_counter(st, "saved_MiB",
				(double)res->c.pages_sharing * 4096.0 / (1024.0 * 1024.0), 0);
		ksml_gb_counter(st, "host_noise", res->host_noise, 0);
		if (res->notes[0] || wl.expect_different[0]) {
			char label[256];

			snprintf(label, sizeof(label), "%s%s%.160s",
				 wl.expect_different[0] ? "expect_different " : "",
				 wl.expect_different[0] && res->notes[0] ? "; " : "", res->notes);
			for (char *c = label; *c; c++)
				if (*c == '\n')
					*c = ' ';
			ksml_gb_set_label(st, label);
		}
		ksml_run_result_free(res);
		memset(res, 0, sizeof(*res));
	}
out:
	free(res);
	ksml_wl_free(&wl);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("KSML_BENCH_WL_DIR");
	const char *filter = getenv("KSML_BENCH_WL_FILTER");
	static const char *const backends[] = { "ref", "linux" };
	char pattern[512];
	glob_t g;
	size_t i;
	int b;

	ksml_gb_init(&argc, argv);
	if (ksml_gb_report_unrecognized(argc, argv))
		return 1;
	ksml_bench_add_context("bench_wl");
	snprintf(pattern, sizeof(pattern), "%s/*.wl", dir ? dir : "workloads");
	if (glob(pattern, 0, NULL, &g)) {
		fprintf(stderr, "bench_wl: no workload matches %s\n", pattern);
		return 1;
	}
	for (b = 0; b < 2; b++)
		for (i = 0; i < g.gl_pathc; i++) {
			struct wl_case *wc = calloc(1, sizeof(*wc));
			const char *base = strrchr(g.gl_pathv[i], '/');
			char name[160];
			struct ksml_gb_bench *bb;

			if (!wc)
				return 1;
			base = base ? base + 1 : g.gl_pathv[i];
			if (filter && !strstr(base, filter)) {
				free(wc);
				continue;
			}
			snprintf(wc->path, sizeof(wc->path), "%s", g.gl_pathv[i]);
			wc->backend = backends[b];
			snprintf(name, sizeof(name), "BM_wl_%s/%.*s", backends[b],
				 (int)(strcspn(base, ".")), base);
			bb = ksml_gb_register(name, bm_wl, wc); /* wc lives until exit */
			ksml_gb_bench_iterations(bb, 1);
			ksml_gb_bench_use_manual_time(bb);
			ksml_gb_bench_unit(bb, KSML_GB_MS);
		}
	ksml_gb_run();
	ksml_gb_shutdown();
	globfree(&g);
	return 0;
}

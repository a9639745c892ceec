// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_numa.c - NUMA benchmarks: hwloc for the topology and the binding
 * of the measuring thread, libnuma for the placement of pages.
 *
 *   BM_numa_checksum/local|remote   xxh64 of cold pages (64 MiB) on the
 *                       scanning thread's node or on another node, placement
 *                       verified with move_pages()
 *   BM_ref_mans/mans:M/nodes:2      ref core, two copies of the half_dup
 *                       pattern on (simulated) nodes 0 and 1: merge across
 *                       nodes (1) or per-node trees (0)
 *   BM_linux_mans/mans:M/node:local live KSM with merge_across_nodes M, the
 *                       memory bound (mbind) to the thread's node
 *   BM_linux_mans/mans:M/node:remote  same, memory on another node
 *
 * A case that needs a second node is skipped with the reason when the host
 * has one node; the ref core's nodes are simulated (ksml_user_ops_fake_numa)
 * so its cross-node cases run everywhere, but only count logical nodes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_scan.h"

#include <hwloc.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define PAGE 4096ul
#define NUMA_WS (16384ul) /* 64 MiB: beyond the last-level cache */

static hwloc_topology_t topo;
static int host_nodes = 1;
static int local_node, remote_node = -1;

/* bind this thread to the first PU and find its node and another one */
static void numa_setup(void)
{
	hwloc_obj_t pu;
	int i;

	if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) {
		topo = NULL;
		return;
	}
	host_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	if (host_nodes < 1)
		host_nodes = 1;
	pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
	if (!pu)
		return;
	for (i = 0; i < host_nodes; i++) {
		hwloc_obj_t n = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);

		if (hwloc_bitmap_intersects(n->cpuset, pu->cpuset))
			local_node = (int)n->os_index;
		else if (remote_node < 0)
			remote_node = (int)n->os_index;
	}
}

static int bind_thread(void)
{
	hwloc_obj_t pu;

	if (!topo)
		return -1;
	pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
	return pu ? hwloc_set_cpubind(topo, pu->cpuset, HWLOC_CPUBIND_THREAD) : -1;
}

static const char *one_node_reason(void)
{
	return "host has 1 NUMA node (hwloc): no remote memory to place pages on";
}

static void bm_numa_checksum(struct ksml_gb_state *st, void *arg)
{
	bool remote = arg != NULL;
	int node = remote ? remote_node : local_node, status = -1;
	uint8_t *buf;
	void *pg;
	size_t i = 0;

	if (remote && remote_node < 0) {
		ksml_gb_skip_with_error(st, "%s", one_node_reason());
		return;
	}
	if (numa_available() < 0 || node > numa_max_node()) {
		ksml_gb_skip_with_error(st, "libnuma: node %d not available", node);
		return;
	}
	bind_thread();
	buf = numa_alloc_onnode(NUMA_WS * PAGE, node);
	if (!buf) {
		ksml_gb_skip_with_error(st, "numa_alloc_onnode(%d) failed", node);
		return;
	}
	for (i = 0; i < NUMA_WS; i++)
		ksml_bench_fill_page(buf + i * PAGE, KSML_BPAT_UNIQUE, i);
	pg = buf;
	if (move_pages(0, 1, &pg, NULL, &status, 0) || status != node) {
		ksml_gb_skip_with_error(st, "pages landed on node %d, not %d", status, node);
		goto out;
	}
	i = 0;
	while (ksml_gb_keep_running(st)) {
		uint64_t h = XXH64(buf + i * PAGE, PAGE, 0);

		ksml_gb_do_not_optimize(&h);
		if (++i == NUMA_WS)
			i = 0;
	}
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
	ksml_gb_set_bytes_processed(st, ksml_gb_iterations(st) * (int64_t)PAGE);
	ksml_gb_counter(st, "node", node, 0);
out:
	numa_free(buf, NUMA_WS * PAGE);
}

static void bm_ref_mans(struct ksml_gb_state *st, void *arg)
{
	unsigned long pages = 16384;
	int mans = (int)ksml_gb_range(st, 0);
	struct ksml_ref_params rp = {
		.pat = KSML_BPAT_HALF, .pages = pages, .full_scans = 4,
		.pages_to_scan = 16384, .merge_across_nodes = mans, .fake_nodes = 2,
		.map_node = 0, .second_map_node = 1,
	};
	struct ksml_scan_result r;

	while (ksml_gb_keep_running(st)) {
		if (ksml_ref_measure(&rp, &r)) {
			ksml_gb_skip_with_error(st, "%s", r.note);
			return;
		}
		/* two copies: mans=1 merges 4 copies per content, mans=0 2 per node */
		ksml_scan_report(st, &r, 2 * pages,
				 mans ? r.pages_shared == pages / 2 &&
						r.pages_sharing == 3 * pages / 2
				      : r.pages_shared == pages &&
						r.pages_sharing == pages);
		ksml_gb_set_label(st, host_nodes > 1 ? "simulated node ids"
				  : "simulated node ids (host has 1 node)");
	}
}

static void bm_linux_mans(struct ksml_gb_state *st, void *arg)
{
	bool remote = arg != NULL;
	unsigned long pages = 16384;
	struct ksml_live_params lp = {
		.pat = KSML_BPAT_HALF, .pages = pages, .full_scans = 4,
		.pages_to_scan = 16384, .max_page_sharing = 256,
		.merge_across_nodes = (int)ksml_gb_range(st, 0), .smart_scan = 0,
		.mem_node = remote ? remote_node : local_node,
	};
	struct ksml_live_result lr;
	struct ksml_scan_result r;
	unsigned long shared, sharing;

	if (remote && remote_node < 0) {
		ksml_gb_skip_with_error(st, "%s", one_node_reason());
		return;
	}
	bind_thread();
	while (ksml_gb_keep_running(st)) {
		if (ksml_live_measure(&lp, &lr)) {
			ksml_gb_skip_with_error(st, "%s", lr.note);
			return;
		}
		ksml_scan_from_live(&lr, &r);
		ksml_bench_expect(lp.pat, pages, &shared, &sharing);
		ksml_scan_report(st, &r, pages,
				 r.others_rmap ? r.merging == shared + sharing
					       : r.pages_shared == shared &&
							 r.pages_sharing == sharing);
	}
}

void ksml_bench_numa_register(void)
{
	static const char *const mn[] = { "mans" };
	struct ksml_gb_bench *b;
	char buf[128];
	int remote;

	numa_setup();
	snprintf(buf, sizeof(buf), "host_nodes=%d local_node=%d remote_node=%d%s",
		 host_nodes, local_node, remote_node,
		 remote_node < 0 ? " (remote cases skipped: one node)" : "");
	ksml_gb_add_context("ksmlab_numa_cases", buf);
	for (remote = 0; remote <= 1; remote++) {
		b = ksml_gb_register(remote ? "BM_numa_checksum/remote"
					    : "BM_numa_checksum/local",
				     bm_numa_checksum, remote ? (void *)1 : NULL);
		ksml_gb_bench_min_time(b, 0.2);
	}
	b = ksml_gb_register("BM_ref_mans/nodes:2", bm_ref_mans, NULL);
	ksml_gb_bench_arg_names(ksml_gb_bench_dense_range(b, 0, 1, 1), mn, 1);
	ksml_gb_bench_iterations(ksml_gb_bench_use_manual_time(b), 1);
	ksml_gb_bench_unit(b, KSML_GB_MS);
	for (remote = 0; remote <= 1; remote++) {
		b = ksml_gb_register(remote ? "BM_linux_mans/node:remote"
					    : "BM_linux_mans/node:local",
				     bm_linux_mans, remote ? (void *)1 : NULL);
		ksml_gb_bench_arg_names(ksml_gb_bench_dense_range(b, 0, 1, 1), mn, 1);
		ksml_gb_bench_iterations(ksml_gb_bench_use_manual_time(b), 1);
		ksml_gb_bench_unit(b, KSML_GB_MS);
	}
}

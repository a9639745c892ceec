/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_platform_user.h - lock and wait-queue types of the userspace
 * platform (pthreads).  Included only by ksm_platform.h.
 */
#ifndef KSM_PLATFORM_USER_H
#define KSM_PLATFORM_USER_H

#include <pthread.h>

/* a spinlock holder never sleeps, so a mutex serves; it keeps TSan exact */
struct ksml_spinlock {
	pthread_mutex_t m;
};
struct ksml_mutex {
	pthread_mutex_t m;
};
struct ksml_rwsem {
	pthread_rwlock_t l;
};
struct ksml_waitq {
	pthread_mutex_t m;
	pthread_cond_t c;
};

/* userspace-only extras of this platform (not used by the core) */
#ifdef __cplusplus
extern "C" {
#endif
/*
 * Simulated NUMA: with fake_nodes > 0, frames carry node ids
 * 0..fake_nodes-1 while the memory comes from the host's nodes (node id
 * modulo the host's node count).  Returns an ops struct for ksml_config.
 */
const struct ksml_platform_ops *ksml_user_ops_fake_numa(int fake_nodes);
/* a manual clock for deterministic tests: ops whose time is set by hand */
struct ksml_user_manual_clock {
	uint64_t now_ns;
	uint64_t cpu_ns;
	int nr_nodes;
};
void ksml_user_manual_ops(struct ksml_platform_ops *ops,
			  struct ksml_user_manual_clock *clk);
/* number of host NUMA nodes (libnuma), >= 1 */
int ksml_user_host_nodes(void);
/*
 * The calling thread's page maps (ksml_plat_page_map) not yet unmapped;
 * ksml_user_check_no_maps aborts, naming where, unless there are none.
 * (Unmaps are checked to be LIFO, and a yield, the end of a platform
 * thread and ksml_plat_live_allocs check that no map is held.)
 */
int ksml_user_maps_held(void);
void ksml_user_check_no_maps(const char *where);
#ifdef __cplusplus
}
#endif

#endif

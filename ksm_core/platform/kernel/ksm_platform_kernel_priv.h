/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_platform_kernel_priv.h - state of the kernel platform shared by the
 * module's own files (platform_kernel.c, ksm_ref_main.c, ksm_ref_dev.c);
 * not seen by the core.
 */
#ifndef KSM_PLATFORM_KERNEL_PRIV_H
#define KSM_PLATFORM_KERNEL_PRIV_H

#include <linux/atomic.h>

/**
 * struct ksml_kplat - counters of the kernel platform
 * @fail_countdown: steps until the injected failure (0 = disarmed)
 * @injected: failures injected so far
 * @live_allocs: outstanding zalloc/cache objects/caches/threads
 * @live_pages: outstanding frames (ops->page_alloc)
 * @warn_count: KSML_WARN_ON()s fired
 */
struct ksml_kplat {
	atomic_long_t fail_countdown;
	atomic_long_t injected;
	atomic_long_t live_allocs;
	atomic_long_t live_pages;
	atomic_long_t warn_count;
};
extern struct ksml_kplat ksml_kplat;

#endif

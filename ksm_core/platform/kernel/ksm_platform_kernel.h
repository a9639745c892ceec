/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_platform_kernel.h - lock, wait-queue and tree types of the kernel
 * platform.  Included only by ksm_platform.h when KSML_PLATFORM_KERNEL.
 *
 * The core's translation units see opaque storage here, not spinlock_t or
 * struct mutex: that keeps <linux/mutex.h> and everything it drags in
 * (macros such as current, list_entry, min...) out of the core, so the
 * core compiles in Kbuild exactly as it does in userspace.  The platform
 * (platform_kernel.c) stores the real kernel objects in that storage and
 * proves at compile time that they fit and are aligned.
 */
#ifndef KSM_PLATFORM_KERNEL_H
#define KSM_PLATFORM_KERNEL_H

/* spinlock_t: 4 bytes without lock debugging, 64 with lockdep */
struct ksml_spinlock {
	_Alignas(8) unsigned char opaque[72];
};
/* struct mutex: 32 bytes without debugging, 144 with lockdep + mutex
 * debugging (the debug kernel, build-debug-kernel.sh) */
struct ksml_mutex {
	_Alignas(8) unsigned char opaque[160];
};
/* struct rw_semaphore: 40 bytes without debugging, 152 with lockdep */
struct ksml_rwsem {
	_Alignas(8) unsigned char opaque[168];
};
/* wait_queue_head_t: 24 bytes without debugging, 80 with lockdep */
struct ksml_waitq {
	_Alignas(8) unsigned char opaque[88];
};

/*
 * The tree: the same layout as the kernel's struct rb_node / rb_root, so
 * ksml_rb_* are rb_* on casts (checked in platform_kernel.c).
 */
struct ksml_rb_node {
	unsigned long __rb_parent_color;
	struct ksml_rb_node *rb_right;
	struct ksml_rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));
struct ksml_rb_root {
	struct ksml_rb_node *rb_node;
};

#endif

// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * ksm_ref_main.c - module boilerplate of ksm_ref.ko and the platform's
 * registration hooks.  ksml_init runs the kernel's ksm_init order (slab
 * caches, the ksmd_ref kthread, then ksml_plat_knobs_register - the sysfs
 * group - then ksml_plat_hotplug_register - the memory notifier) and
 * unwinds in reverse on any failure; the module adds /dev/ksm_ref last.
 *
 * Module parameters:
 *   fail_nth=N    arm the failure injection before init: the N-th
 *                 allocation, thread start or registration step fails
 *                 (tests walk N = 1, 2, ... to unwind from every step)
 *   max_frames=N  frames the model may allocate (default 65536; 0 or more
 *                 than half of RAM: half of RAM)
 */
#define pr_fmt(fmt) "ksm_ref: " fmt

#include <linux/kobject.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/sysfs.h>

#include "ksml.h"
#include "ksm_platform_kernel_priv.h"
#include "ksm_ref_priv.h"

static long fail_nth;
static bool ksmd = true;
module_param(ksmd, bool, 0444);
MODULE_PARM_DESC(ksmd, "start the ksmd_ref thread (else only ioctl scans run)");

module_param(fail_nth, long, 0444);
MODULE_PARM_DESC(fail_nth, "fail the N-th allocation/step of init (0 = off)");

static unsigned long max_frames = 65536;
module_param(max_frames, ulong, 0444);
MODULE_PARM_DESC(max_frames, "frames (pages) the model may allocate");

struct ksml *ksml_ref_ksm;
atomic_long_t ksml_ref_mem_events;
atomic_long_t ksml_ref_mem_offline_events;

/* ------------------------------------------------------------------ sysfs
 * The group "ksm_ref" under mm_kobj: one file per knob of the core's
 * table, same names, modes and order as /sys/kernel/mm/ksm; show and
 * store are the core's string interface, so the values and the errno of
 * a refused write are the kernel's.
 */
static struct kobj_attribute *ksm_ref_attrs;
static struct attribute **ksm_ref_attr_ptrs;
static struct attribute_group ksm_ref_attr_group = {
	.name = "ksm_ref",
};

/* the instance whose knobs are published (set before the files exist) */
static struct ksml *ksm_ref_knobs_ksm;

static ssize_t ksm_ref_knob_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return ksml_knob_read(ksm_ref_knobs_ksm, attr->attr.name, buf,
			      PAGE_SIZE);
}

static ssize_t ksm_ref_knob_store(struct kobject *kobj,
				  struct kobj_attribute *attr, const char *buf,
				  size_t count)
{
	int err =
		ksml_knob_write(ksm_ref_knobs_ksm, attr->attr.name, buf, count);

	return err < 0 ? err : count;
}

static void ksm_ref_sysfs_free(void)
{
	ksml_plat_free(ksm_ref_attr_ptrs);
	ksml_plat_free(ksm_ref_attrs);
	ksm_ref_attr_ptrs = NULL;
	ksm_ref_attrs = NULL;
}

/*
 * One group, so one instance: a second registration (no caller makes one)
 * fails with -EEXIST as sysfs would.
 */
int ksml_plat_knobs_register(struct ksml *ksm)
{
	int n = ksml_knob_count();
	int i, err;

	if (ksm_ref_knobs_ksm)
		return -EEXIST;
	ksm_ref_knobs_ksm = ksm;

	ksm_ref_attrs = ksml_plat_zalloc(sizeof(*ksm_ref_attrs) * n);
	ksm_ref_attr_ptrs =
		ksml_plat_zalloc(sizeof(*ksm_ref_attr_ptrs) * (n + 1));
	if (!ksm_ref_attrs || !ksm_ref_attr_ptrs) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		const struct ksml_knob_info *k = ksml_knob_at(i);
		struct kobj_attribute *a = &ksm_ref_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = k->name;
		a->attr.mode = k->writable ? 0644 : 0444;
		a->show = ksm_ref_knob_show;
		a->store = k->writable ? ksm_ref_knob_store : NULL;
		ksm_ref_attr_ptrs[i] = &a->attr;
	}
	ksm_ref_attr_group.attrs = ksm_ref_attr_ptrs;
	err = ksml_plat_should_fail()
		      ? -ENOMEM
		      : sysfs_create_group(mm_kobj, &ksm_ref_attr_group);
	if (err)
		goto out_free;
	return 0;
out_free:
	ksm_ref_sysfs_free();
	ksm_ref_knobs_ksm = NULL;
	return err;
}

void ksml_plat_knobs_unregister(struct ksml *ksm)
{
	if (ksm != ksm_ref_knobs_ksm)
		return;
	sysfs_remove_group(mm_kobj, &ksm_ref_attr_group);
	ksm_ref_sysfs_free();
	ksm_ref_knobs_ksm = NULL;
}

/* --------------------------------------------------------- memory hotplug */

static struct ksml *ksm_ref_hotplug_ksm;

/*
 * GOING_OFFLINE sets the OFFLINE bit (ksmd and the run,
 * merge_across_nodes and max_page_sharing writers wait), CANCEL_OFFLINE
 * clears it.  MEM_OFFLINE is passed on as CANCEL_OFFLINE: the kernel's
 * ksm_check_stable_tree drops the stable nodes whose KSM page was in the
 * removed range, but the model's frames are unmovable GFP_KERNEL pages,
 * and a block holding any of them cannot go offline (has_unmovable_pages),
 * so a completed offline removed none of them.  Passing the range on would
 * be wrong: the model numbers its frames 0, 1, 2..., not by the machine's
 * pfns, and would drop nodes whose pages are alive.
 */
static int ksm_ref_memory_callback(struct notifier_block *self,
				   unsigned long action, void *arg)
{
	struct memory_notify *mn = arg;
	enum ksml_mem_action act;

	atomic_long_inc(&ksml_ref_mem_events);
	switch (action) {
	case MEM_GOING_OFFLINE:
		act = KSML_MEM_GOING_OFFLINE;
		break;
	case MEM_OFFLINE:
	case MEM_CANCEL_OFFLINE:
		act = KSML_MEM_CANCEL_OFFLINE;
		break;
	default:
		return NOTIFY_OK;
	}
	atomic_long_inc(&ksml_ref_mem_offline_events);
	return notifier_from_errno(ksml_memory_notify(
		ksm_ref_hotplug_ksm, act, mn->start_pfn, mn->nr_pages));
}

/* the kernel's KSM registers with priority 100 (KSM_CALLBACK_PRI) */
static struct notifier_block ksm_ref_memory_nb = {
	.notifier_call = ksm_ref_memory_callback,
	.priority = 100,
};

int ksml_plat_hotplug_register(struct ksml *ksm)
{
	int err;

	if (ksm_ref_hotplug_ksm)
		return -EEXIST;
	if (ksml_plat_should_fail())
		return -ENOMEM;
	ksm_ref_hotplug_ksm = ksm;
	err = register_memory_notifier(&ksm_ref_memory_nb);
	if (err)
		ksm_ref_hotplug_ksm = NULL;
	return err;
}

void ksml_plat_hotplug_unregister(struct ksml *ksm)
{
	if (ksm != ksm_ref_hotplug_ksm)
		return;
	unregister_memory_notifier(&ksm_ref_memory_nb);
	ksm_ref_hotplug_ksm = NULL;
}

/* ----------------------------------------------------------- init / exit */

static void ksm_ref_report(const char *what, int err)
{
	pr_info("%s: err=%d live_allocs=%ld live_pages=%ld warns=%ld "
		"injected=%ld\n",
		what, err, ksml_plat_live_allocs(),
		atomic_long_read(&ksml_kplat.live_pages),
		ksml_plat_warn_count(), atomic_long_read(&ksml_kplat.injected));
}

static int __init ksm_ref_init(void)
{
	struct ksml_config cfg = {
		.ops = ksml_plat_default_ops(),
		.start_ksmd = ksmd,
		.max_frames = max_frames,
	};
	unsigned long cap = totalram_pages() / 2;
	int err;

	/* the model never takes more than half the machine's memory */
	if (!cfg.max_frames || cfg.max_frames > cap) {
		pr_info("max_frames=%lu: using %lu (half of RAM)\n", max_frames,
			cap);
		cfg.max_frames = cap;
	}
	ksml_plat_fail_nth(fail_nth);

	/* caches, ksmd_ref, the sysfs group, the memory notifier */
	err = ksml_init(&ksml_ref_ksm, &cfg);
	if (err) {
		pr_err("init of the instance failed\n");
		goto out;
	}
	err = ksml_ref_dev_init();
	if (err) {
		pr_err("register /dev/ksm_ref failed\n");
		goto out_destroy;
	}
	ksml_plat_fail_nth(0);
	ksm_ref_report("loaded", 0);
	return 0;

out_destroy:
	ksml_destroy(ksml_ref_ksm);
	ksml_ref_ksm = NULL;
out:
	ksml_plat_fail_nth(0);
	ksm_ref_report("init unwound", err);
	return err;
}

static void __exit ksm_ref_exit(void)
{
	ksml_ref_dev_exit();
	ksml_destroy(ksml_ref_ksm);
	ksml_ref_ksm = NULL;
	ksm_ref_report("unloaded", 0);
}

module_init(ksm_ref_init);
module_exit(ksm_ref_exit);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION(
	"ksmlab reference KSM core with a memory model, as a module");
MODULE_AUTHOR("ksmlab");

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm.c - a KSM instance: what mm/ksm.c keeps in globals, created and
 * destroyed in the kernel's order (ksm_init), and the memory hot-remove
 * notifier.
 *
 * How KSM works, in brief (as mm/ksm.c explains it at greater length):
 * ksmd walks the registered address spaces page by page.  A page merges
 * only if its checksum did not change since ksmd last saw it.  It is first
 * looked up in the stable tree, which holds the KSM pages: write-protected
 * pages shared by several mappings, ordered by content.  Failing that, it
 * is looked up in the unstable tree, which holds the pages seen unchanged
 * in this pass, ordered by their current content; a match there makes both
 * pages one new KSM page, which moves to the stable tree.  The unstable
 * tree may be corrupted by writes to its pages, so it is rebuilt every
 * pass; the stable tree's pages cannot change (a write takes a COW fault),
 * so it persists.  A content shared by more than max_page_sharing mappings
 * gets several KSM pages, linked as "dups" of one "chain" in the stable tree.
 */
#include "ksm_internal.h"

static const char *const profile_names[KSML_NR_PROFILES] = {
	[KSML_PROFILE_FAITHFUL] = "faithful",
	[KSML_PROFILE_PORTABLE] = "portable",
	[KSML_PROFILE_MODEL] = "model",
};

void ksml_config_profile(struct ksml_config *cfg, enum ksml_profile profile)
{
	cfg->index_mode = profile == KSML_PROFILE_FAITHFUL ? KSML_INDEX_CONTENT
							   : KSML_INDEX_HASH;
	cfg->fast_checksum = profile != KSML_PROFILE_FAITHFUL;
	cfg->model_knowledge = profile == KSML_PROFILE_MODEL;
}

const char *ksml_profile_name(enum ksml_profile profile)
{
	return (unsigned int)profile < KSML_NR_PROFILES ? profile_names[profile]
							: NULL;
}

int ksml_profile_parse(const char *name, enum ksml_profile *profile)
{
	int p, i;

	for (p = 0; p < KSML_NR_PROFILES; p++) {
		for (i = 0; name[i] && name[i] == profile_names[p][i]; i++)
			;
		if (!name[i] && !profile_names[p][i]) {
			*profile = (enum ksml_profile)p;
			return 0;
		}
	}
	return -KSML_EINVAL;
}

long ksml_warn_count(void)
{
	return ksml_plat_warn_count();
}

static void ksm_slab_free(struct ksml *ksm)
{
	ksml_plat_cache_destroy(ksm->mm_slot_cache);
	ksml_plat_cache_destroy(ksm->stable_node_cache);
	ksml_plat_cache_destroy(ksm->rmap_item_cache);
	ksm->mm_slot_cache = NULL;
	ksm->stable_node_cache = NULL;
	ksm->rmap_item_cache = NULL;
}

static int ksm_slab_init(struct ksml *ksm)
{
	ksm->rmap_item_cache = ksml_plat_cache_create(
		"ksm_rmap_item", sizeof(struct ksm_rmap_item));
	if (!ksm->rmap_item_cache)
		goto out;
	ksm->stable_node_cache = ksml_plat_cache_create(
		"ksm_stable_node", sizeof(struct ksm_stable_node));
	if (!ksm->stable_node_cache)
		goto out_free1;
	ksm->mm_slot_cache = ksml_plat_cache_create(
		"ksm_mm_slot", sizeof(struct ksm_mm_slot));
	if (!ksm->mm_slot_cache)
		goto out_free2;
	return 0;

out_free2:
	ksml_plat_cache_destroy(ksm->stable_node_cache);
	ksm->stable_node_cache = NULL;
out_free1:
	ksml_plat_cache_destroy(ksm->rmap_item_cache);
	ksm->rmap_item_cache = NULL;
out:
	return -KSML_ENOMEM;
}

static void init_state(struct ksml *ksm, const struct ksml_config *cfg)
{
	if (cfg)
		ksm->cfg = *cfg;
	ksm->ops = ksm->cfg.ops ? ksm->cfg.ops : ksml_plat_default_ops();
	ksm->index = ksm->cfg.index_mode == KSML_INDEX_HASH
			     ? &ksml_index_hash_ops
			     : &ksml_index_tree_ops;
	ksm->nr_node_ids = ksm->ops->nr_node_ids(ksm->ops->ctx);
	if (ksm->nr_node_ids < 1)
		ksm->nr_node_ids = 1;

	ksm->ksm_run = KSML_RUN_STOP;
	ksm->ksm_thread_pages_to_scan =
		(unsigned int)ksml_knob_find("pages_to_scan")->default_value;
	ksm->ksm_thread_sleep_millisecs =
		(unsigned int)ksml_knob_find("sleep_millisecs")->default_value;
	ksm->ksm_merge_across_nodes =
		(unsigned int)ksml_knob_find("merge_across_nodes")
			->default_value;
	ksm->ksm_max_page_sharing =
		(int)ksml_knob_find("max_page_sharing")->default_value;
	ksm->ksm_stable_node_chains_prune_millisecs =
		(unsigned int)ksml_knob_find(
			"stable_node_chains_prune_millisecs")
			->default_value;
	ksm->ksm_use_zero_pages =
		ksml_knob_find("use_zero_pages")->default_value;
	ksm->ksm_smart_scan = ksml_knob_find("smart_scan")->default_value;
	ksm->ksm_advisor = 0;
	ksm->ksm_advisor_max_cpu =
		ksml_knob_find("advisor_max_cpu")->default_value;
	ksm->ksm_advisor_min_pages_to_scan =
		ksml_knob_find("advisor_min_pages_to_scan")->default_value;
	ksm->ksm_advisor_max_pages_to_scan =
		ksml_knob_find("advisor_max_pages_to_scan")->default_value;
	ksm->ksm_advisor_target_scan_time =
		ksml_knob_find("advisor_target_scan_time")->default_value;

	ksm->root_stable_tree = ksm->one_stable_tree;
	ksm->root_unstable_tree = ksm->one_unstable_tree;
	ksm->ksm_nr_node_ids = 1;
	ksml_list_init(&ksm->migrate_nodes);
	ksml_list_init(&ksm->ksm_mm_head.mm_node);
	ksm->ksm_scan.mm_slot = &ksm->ksm_mm_head;

	ksml_plat_mutex_init(&ksm->ksm_thread_mutex);
	ksml_plat_spin_init(&ksm->ksm_mmlist_lock);
	ksml_plat_waitq_init(&ksm->ksm_thread_wait);
	ksml_plat_waitq_init(&ksm->ksm_iter_wait);
}

static void destroy_state(struct ksml *ksm)
{
	ksml_plat_waitq_destroy(&ksm->ksm_iter_wait);
	ksml_plat_waitq_destroy(&ksm->ksm_thread_wait);
	ksml_plat_spin_destroy(&ksm->ksm_mmlist_lock);
	ksml_plat_mutex_destroy(&ksm->ksm_thread_mutex);
	if (ksm->root_stable_tree != ksm->one_stable_tree)
		ksml_plat_free(ksm->root_stable_tree);
	ksml_knowledge_free(ksm);
	ksm->index->free(ksm);
}

static void stop_ksmd(struct ksml *ksm)
{
	struct ksml_waitq *const wqs[] = { &ksm->ksm_thread_wait,
					   &ksm->ksm_iter_wait };

	if (!ksm->ksm_thread)
		return;
	ksml_plat_thread_stop(ksm->ksm_thread, wqs, 2);
	ksm->ksm_thread = NULL;
}

/**
 * ksml_init - create a KSM instance, in the kernel's ksm_init order
 *
 * zero page checksum, slab caches, ksmd, the knob group (a build without
 * one runs at once: nobody could start it), the hot-remove notifier.
 * Any failure unwinds what was done, in reverse, and is returned.
 */
int ksml_init(struct ksml **out, const struct ksml_config *cfg)
{
	struct ksml *ksm;
	int err;

	if (cfg && (unsigned int)cfg->index_mode > KSML_INDEX_HASH)
		return -KSML_EINVAL;
	ksm = ksml_plat_zalloc(sizeof(*ksm));
	if (!ksm)
		return -KSML_ENOMEM;
	init_state(ksm, cfg);

	err = ksml_vm_init(ksm);
	if (err)
		goto out_state;
	ksm->zero_checksum = ksml_calc_checksum(ksm, ksm->vm.zero_frame, NULL);

	err = ksm_slab_init(ksm);
	if (err)
		goto out_vm;
	err = ksm->index->init(ksm);
	if (err)
		goto out_free;
	err = ksml_knowledge_init(ksm);
	if (err)
		goto out_free;

	if (ksm->cfg.start_ksmd) {
		err = ksml_plat_thread_start(&ksm->ksm_thread, ksml_scan_thread,
					     ksm, "ksmd");
		if (err) {
			ksml_plat_log(KSML_LOG_ERR, "ksm: creating kthread failed");
			goto out_free;
		}
	}

	if (!ksm->cfg.no_knobs) {
		err = ksml_plat_knobs_register(ksm);
		if (err) {
			ksml_plat_log(KSML_LOG_ERR, "ksm: register sysfs failed");
			goto out_stop;
		}
		ksm->knobs_registered = true;
	} else {
		ksm->ksm_run = KSML_RUN_MERGE;
	}

	err = ksml_plat_hotplug_register(ksm);
	if (err)
		goto out_knobs;
	ksm->hotplug_registered = true;

	*out = ksm;
	return 0;

out_knobs:
	if (ksm->knobs_registered)
		ksml_plat_knobs_unregister(ksm);
out_stop:
	stop_ksmd(ksm);
out_free:
	ksm_slab_free(ksm);
out_vm:
	ksml_vm_destroy(ksm);
out_state:
	destroy_state(ksm);
	ksml_plat_free(ksm);
	return err;
}

/* a live address space left in the instance, or NULL */
static struct ksml_mm *first_live_mm(struct ksml *ksm)
{
	struct ksml_list_head *pos;
	struct ksml_mm *mm = NULL;

	ksml_plat_mutex_lock(&ksm->vm.mm_list_lock);
	for (pos = ksm->vm.mm_list.next; pos != &ksm->vm.mm_list; pos = pos->next) {
		struct ksml_mm *m = ksml_list_entry(pos, struct ksml_mm, mm_list);

		if (!ksm_test_exit(m)) {
			mm = m;
			break;
		}
	}
	ksml_plat_mutex_unlock(&ksm->vm.mm_list_lock);
	return mm;
}

/**
 * ksml_destroy - tear an instance down, as module exit: every address
 * space still alive exits, KSM state is freed, nothing is leaked.
 */
void ksml_destroy(struct ksml *ksm)
{
	struct ksml_mm *mm;

	if (!ksm)
		return;
	if (ksm->hotplug_registered)
		ksml_plat_hotplug_unregister(ksm);
	if (ksm->knobs_registered)
		ksml_plat_knobs_unregister(ksm);
	stop_ksmd(ksm);

	while ((mm = first_live_mm(ksm)))
		ksml_mm_exit(mm);

	/* exited mms with rmap_items wait for ksmd: do its part */
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	KSML_WRITE_ONCE(ksm->ksm_run, KSML_RUN_UNMERGE);
	ksml_unmerge_and_remove_all_rmap_items(ksm);
	KSML_WARN_ON(ksml_remove_all_stable_nodes(ksm));
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	KSML_WARN_ON(!ksml_list_empty(&ksm->ksm_mm_head.mm_node));
	KSML_WARN_ON(!ksml_list_empty(&ksm->vm.mm_list));

	ksm_slab_free(ksm);
	ksml_vm_destroy(ksm);
	destroy_state(ksm);
	ksml_plat_free(ksm);
}

int ksml_memory_notify(struct ksml *ksm, enum ksml_mem_action action,
		       unsigned long start_pfn, unsigned long nr_pages)
{
	switch (action) {
	case KSML_MEM_GOING_OFFLINE:
		/*
		 * From now on ksmd and the run/merge_across_nodes/
		 * max_page_sharing writers wait: struct pages may vanish
		 * while they walk the stable tree.
		 */
		ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
		KSML_WRITE_ONCE(ksm->ksm_run, ksm->ksm_run | KSML_RUN_OFFLINE);
		ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
		return 0;
	case KSML_MEM_OFFLINE:
		if (!(KSML_READ_ONCE(ksm->ksm_run) & KSML_RUN_OFFLINE) ||
		    !nr_pages || start_pfn + nr_pages < start_pfn)
			return -KSML_EINVAL;
		/* nodes still pointing into the removed range go */
		ksml_check_stable_tree(ksm, start_pfn, start_pfn + nr_pages);
		ksml_fallthrough;
	case KSML_MEM_CANCEL_OFFLINE:
		ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
		KSML_WRITE_ONCE(ksm->ksm_run, ksm->ksm_run & ~KSML_RUN_OFFLINE);
		ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
		ksml_smp_mb();
		ksml_plat_wake_up(&ksm->ksm_thread_wait);
		return 0;
	}
	return -KSML_EINVAL;
}

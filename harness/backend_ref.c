/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * backend_ref.c - ksm_core in this process as a ksmlab backend.
 *
 * No ksmd thread: scan(n) runs ksml_scan_full(ksm, n) in the caller, so a
 * run is a pure function of the workload.  `run` is driven the way the
 * linux backend drives the kernel (2 at open, 0 between steps, 1 during
 * a step) so that registrations land at the same place of the mm list.
 */
#include "driver.h"
#include "live.h" /* ksml_sysfs_value */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MMS 512
#define MAX_RANGES 64

/*
 * The mapped ranges of each space: mmap here means MAP_FIXED_NOREPLACE,
 * as in the linux backend (vmem's KSML_MAP_FIXED would replace).
 */
struct ranges {
	int nr;
	unsigned long lo[MAX_RANGES], hi[MAX_RANGES];
};

struct ref_priv {
	struct ksml *ksm;
	struct ksml_mm *mm[MAX_MMS];
	struct ranges rg[MAX_MMS];
	int nr;
	uint64_t cpu_ns;
};

static bool range_busy(const struct ranges *r, unsigned long lo, unsigned long hi)
{
	int i;

	for (i = 0; i < r->nr; i++)
		if (lo < r->hi[i] && r->lo[i] < hi)
			return true;
	return false;
}

/* remove [lo, hi) from the set, splitting ranges */
static void range_cut(struct ranges *r, unsigned long lo, unsigned long hi)
{
	int i;

	for (i = 0; i < r->nr; i++) {
		unsigned long a = r->lo[i], b = r->hi[i];

		if (hi <= a || b <= lo)
			continue;
		if (lo > a && hi < b && r->nr < MAX_RANGES) {
			r->lo[r->nr] = hi;
			r->hi[r->nr++] = b;
			r->hi[i] = lo;
		} else if (lo > a) {
			r->hi[i] = lo;
		} else if (hi < b) {
			r->lo[i] = hi;
		} else {
			r->lo[i] = r->lo[--r->nr];
			r->hi[i] = r->hi[r->nr];
			i--;
		}
	}
}

static struct ref_priv *R(struct ksml_drv *d)
{
	return d->priv;
}

static int err_of(struct ksml_drv *d, int ret, const char *what)
{
	if (ret < 0)
		ksml_drv_seterr(d, ret, "ref: %s: %s", what, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int ref_open(struct ksml_drv *d)
{
	struct ksml_config cfg;
	struct ref_priv *rp = calloc(1, sizeof(*rp));
	int ret;

	if (!rp)
		return -ENOMEM;
	memset(&cfg, 0, sizeof(cfg));
	if (d->opts.numa_nodes > 1)
		cfg.ops = ksml_user_ops_fake_numa(d->opts.numa_nodes);
	ksml_config_profile(&cfg, (enum ksml_profile)d->opts.profile);
	cfg.fork_inherits_ksm_counters =
		d->opts.emulate_missing & KSML_CAP_FORK_RESETS_COUNTERS;
	cfg.stable_search_first =
		d->opts.emulate_missing & KSML_CAP_CHECKSUM_FIRST;
	cfg.split_keeps_zero_subpages =
		d->opts.emulate_missing & KSML_CAP_SPLIT_ZERO_REMAP;
	if (d->opts.emulate_missing & KSML_CAP_LARGE_WP_MM_ID)
		cfg.large_folio_wp =
			d->opts.emulate_missing & KSML_CAP_LARGE_WP_COPIES
				? KSML_LARGE_WP_SOLE_REF
				: KSML_LARGE_WP_NEVER;
	ret = ksml_init(&rp->ksm, &cfg);
	if (ret) {
		free(rp);
		return ksml_drv_seterr(d, ret, "ref: ksml_init: %s", strerror(-ret));
	}
	d->priv = rp;
	d->caps = KSML_CAP_ALL;
	d->nr_nodes = d->opts.numa_nodes > 1 ? d->opts.numa_nodes : 1;
	/* a kernel without smart scan reads every page every pass */
	if (d->opts.emulate_missing & KSML_CAP_SMART_SCAN) {
		ret = ksml_set_smart_scan(rp->ksm, false);
		if (ret)
			return err_of(d, ret, "smart_scan=0");
	}
	ret = ksml_set_run(rp->ksm, KSML_RUN_UNMERGE);
	return err_of(d, ret, "run=2");
}

static void ref_close(struct ksml_drv *d)
{
	struct ref_priv *rp = R(d);
	int i;

	if (!rp)
		return;
	for (i = 0; i < rp->nr; i++)
		if (rp->mm[i])
			ksml_mm_exit(rp->mm[i]);
	ksml_destroy(rp->ksm);
	free(rp);
	d->priv = NULL;
}

static int ref_knob_write(struct ksml_drv *d, const char *name, const char *val)
{
	int ret = ksml_knob_write(R(d)->ksm, name, val, strlen(val));

	if (ret < 0)
		return ksml_drv_seterr(d, ret, "ref: writing %s to knob %s: %s",
				       val, name, strerror(-ret));
	return 0;
}

static int ref_knob_read(struct ksml_drv *d, const char *name, char *buf,
			 size_t size)
{
	int ret = ksml_knob_read(R(d)->ksm, name, buf, size);

	if (ret < 0)
		return ksml_drv_seterr(d, ret, "ref: reading knob %s: %s", name,
				       strerror(-ret));
	ksml_sysfs_value(buf);
	return 0;
}

/*
 * vmem's THP mode; defrag has nothing to act on (vmem's THP allocation
 * never fails), so any of the kernel's values is taken as is
 */
static int ref_thp(struct ksml_drv *d, const char *mode, const char *defrag)
{
	(void)defrag;
	return err_of(d,
		      ksml_vm_set_thp_mode(R(d)->ksm, ksml_drv_thp_mode_of(mode)),
		      "ksml_vm_set_thp_mode");
}

static struct ksml_mm *mm_of(struct ksml_drv *d, int id)
{
	struct ref_priv *rp = R(d);

	if (id < 0 || id >= rp->nr || !rp->mm[id]) {
		ksml_drv_seterr(d, -EINVAL, "ref: no live address space %d", id);
		return NULL;
	}
	return rp->mm[id];
}

static int add_mm(struct ksml_drv *d, struct ksml_mm *mm, int *id)
{
	struct ref_priv *rp = R(d);

	if (rp->nr >= MAX_MMS) {
		ksml_mm_exit(mm);
		return ksml_drv_seterr(d, -ENOSPC, "ref: more than %d address spaces",
				       MAX_MMS);
	}
	rp->mm[rp->nr] = mm;
	*id = rp->nr++;
	return 0;
}

static int ref_mm_create(struct ksml_drv *d, int *id)
{
	struct ksml_mm *mm;
	int ret = ksml_mm_create(R(d)->ksm, &mm);

	if (ret)
		return err_of(d, ret, "ksml_mm_create");
	return add_mm(d, mm, id);
}

static int ref_mm_fork(struct ksml_drv *d, int parent, int *child)
{
	struct ksml_mm *p = mm_of(d, parent), *c;
	int ret;

	if (!p)
		return -EINVAL;
	ret = ksml_mm_fork(p, &c);
	if (ret)
		return err_of(d, ret, "ksml_mm_fork");
	ret = add_mm(d, c, child);
	if (!ret)
		R(d)->rg[*child] = R(d)->rg[parent];
	return ret;
}

static int ref_mm_exit(struct ksml_drv *d, int id)
{
	struct ksml_mm *mm = mm_of(d, id);

	if (!mm)
		return -EINVAL;
	ksml_mm_exit(mm);
	R(d)->mm[id] = NULL;
	return 0;
}

static int ref_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			  unsigned long len, unsigned int flags)
{
	struct ksml_mm *mm = mm_of(d, id);
	unsigned long out = 0;
	int ret, nid = KSML_DRV_MAP_NODE_OF(flags);

	if (!mm)
		return -EINVAL;
	if (range_busy(&R(d)->rg[id], addr, addr + len))
		return ksml_drv_seterr(d, -EEXIST, "ref: mmap 0x%lx+%lu: range already mapped",
				       addr, len);
	if (R(d)->rg[id].nr >= MAX_RANGES)
		return ksml_drv_seterr(d, -ENOMEM, "ref: more than %d mappings in space %d",
				       MAX_RANGES, id);
	if (nid >= d->nr_nodes)
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "ref: node %d does not exist (the "
				       "instance has %d node(s))",
				       nid, d->nr_nodes);
	ret = ksml_vm_mmap(mm, addr, len, ksml_drv_model_map_flags(flags),
			   &out);
	ret = ksml_drv_model_mmap_result(d, ret, addr, len, out);
	if (ret)
		return ret;
	R(d)->rg[id].lo[R(d)->rg[id].nr] = addr;
	R(d)->rg[id].hi[R(d)->rg[id].nr++] = addr + len;
	return 0;
}

static int ref_mmap(struct ksml_drv *d, int id, unsigned long addr,
		    unsigned long len, bool shared)
{
	return ref_mmap_flags(d, id, addr, len,
			      shared ? KSML_DRV_MAP_SHARED : 0);
}

static int ref_munmap(struct ksml_drv *d, int id, unsigned long addr,
		      unsigned long len)
{
	struct ksml_mm *mm = mm_of(d, id);
	int ret;

	if (!mm)
		return -EINVAL;
	ret = ksml_vm_munmap(mm, addr, len);
	if (!ret)
		range_cut(&R(d)->rg[id], addr, addr + len);
	return err_of(d, ret, "munmap");
}

static int ref_write(struct ksml_drv *d, int id, unsigned long addr,
		     const void *buf, size_t len)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_write(mm, addr, buf, len), "write") : -EINVAL;
}

static int ref_write_force(struct ksml_drv *d, int id, unsigned long addr,
			   const void *buf, size_t len)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_write_force(mm, addr, buf, len),
			   "forced write")
		  : -EINVAL;
}

static int ref_page_info(struct ksml_drv *d, int id, unsigned long addr,
			 bool *present, unsigned long *pfn)
{
	struct ksml_mm *mm = mm_of(d, id);
	struct ksml_page_info pi;
	int ret;

	if (!mm)
		return -EINVAL;
	ret = ksml_vm_page_info(mm, addr, &pi);
	if (ret)
		return err_of(d, ret, "page info");
	*present = pi.present;
	*pfn = pi.pfn;
	return 0;
}

static int ref_prctl_get(struct ksml_drv *d, int id, int *on)
{
	struct ksml_mm *mm = mm_of(d, id);
	int ret;

	if (!mm)
		return -EINVAL;
	ret = ksml_vm_prctl_get_memory_merge(mm);
	if (ret < 0)
		return err_of(d, ret, "prctl(PR_GET_MEMORY_MERGE)");
	*on = ret;
	return 0;
}

/*
 * The kernel's exec builds a new mm whose flags keep MMF_VM_MERGE_ANY
 * (MMF_INIT_MASK) and registers it with KSM (ksm_execve): a fresh space
 * given PR_SET_MEMORY_MERGE(1) when the parent had it.
 */
static int ref_mm_exec(struct ksml_drv *d, int parent, int *child)
{
	struct ksml_mm *p = mm_of(d, parent), *c;
	int ret;

	if (!p)
		return -EINVAL;
	ret = ksml_mm_create(R(d)->ksm, &c);
	if (ret)
		return err_of(d, ret, "exec model");
	if (ksml_vm_prctl_get_memory_merge(p) == 1) {
		ret = ksml_vm_prctl_set_memory_merge(c, 1);
		if (ret) {
			ksml_mm_exit(c);
			return err_of(d, ret, "exec model");
		}
	}
	return add_mm(d, c, child);
}

static int ref_madvise(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long len, int advice)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_madvise(mm, addr, len, advice), "madvise") :
		    -EINVAL;
}

static int ref_prctl(struct ksml_drv *d, int id, bool on)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_prctl_set_memory_merge(mm, on),
			   "prctl(PR_SET_MEMORY_MERGE)") :
		    -EINVAL;
}

static int ref_pin(struct ksml_drv *d, int id, unsigned long addr)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_pin(mm, addr), "pin") : -EINVAL;
}

static int ref_unpin(struct ksml_drv *d, int id, unsigned long addr)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_vm_unpin(mm, addr), "unpin") : -EINVAL;
}

static int ref_migrate(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long npages, int nid)
{
	struct ksml_mm *mm = mm_of(d, id);
	unsigned long i;
	int ret;

	if (!mm)
		return -EINVAL;
	if (nid >= (d->opts.numa_nodes > 1 ? d->opts.numa_nodes : 1))
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "ref: node %d does not exist (the instance has %d node(s))",
				       nid, d->opts.numa_nodes > 1 ? d->opts.numa_nodes : 1);
	for (i = 0; i < npages; i++) {
		ret = ksml_vm_migrate(mm, addr + i * KSML_PAGE_SIZE, nid);
		if (ret)
			return err_of(d, ret, "migrate");
	}
	return 0;
}

static int ref_scan(struct ksml_drv *d, unsigned long nr)
{
	struct ref_priv *rp = R(d);
	uint64_t t0 = ksml_drv_cpu_now();
	int ret;

	ret = ksml_set_run(rp->ksm, KSML_RUN_MERGE);
	if (ret)
		return err_of(d, ret, "run=1");
	ret = ksml_scan_full(rp->ksm, nr, 0);
	ksml_set_run(rp->ksm, KSML_RUN_STOP);
	rp->cpu_ns += ksml_drv_cpu_now() - t0;
	if (ret == -KSML_EAGAIN)
		return -EAGAIN;
	return err_of(d, ret, "ksml_scan_full");
}

static int ref_counters(struct ksml_drv *d, struct ksml_counters *c)
{
	ksml_get_counters(R(d)->ksm, c);
	return 0;
}

static int ref_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st)
{
	struct ksml_mm *mm = mm_of(d, id);

	return mm ? err_of(d, ksml_mm_get_stat(mm, st), "ksml_mm_get_stat") : -EINVAL;
}

static int ref_cpu_ns(struct ksml_drv *d, uint64_t *ns)
{
	*ns = R(d)->cpu_ns;
	return 0;
}

/* for tests and `ksmlab stat`: the instance behind a ref driver */
struct ksml *ksml_ref_instance(struct ksml_drv *d);

struct ksml *ksml_ref_instance(struct ksml_drv *d)
{
	return d->ops == &ksml_backend_ref && d->priv ? R(d)->ksm : NULL;
}

const struct ksml_backend_ops ksml_backend_ref = {
	.name = "ref",
	.open = ref_open,
	.close = ref_close,
	.knob_write = ref_knob_write,
	.knob_read = ref_knob_read,
	.thp = ref_thp,
	.mm_create = ref_mm_create,
	.mm_fork = ref_mm_fork,
	.mm_exit = ref_mm_exit,
	.mmap = ref_mmap,
	.munmap = ref_munmap,
	.write = ref_write,
	.madvise = ref_madvise,
	.prctl_merge_any = ref_prctl,
	.pin = ref_pin,
	.unpin = ref_unpin,
	.migrate = ref_migrate,
	.scan = ref_scan,
	.counters = ref_counters,
	.mm_stat = ref_mm_stat,
	.cpu_ns = ref_cpu_ns,
	.mmap_flags = ref_mmap_flags,
	.write_force = ref_write_force,
	.page_info = ref_page_info,
	.prctl_get_merge_any = ref_prctl_get,
	.mm_exec = ref_mm_exec,
};

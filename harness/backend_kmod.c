/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * backend_kmod.c - ksm_ref.ko through /dev/ksm_ref (ksm_ref_ioctl.h).
 *
 * The module holds one KSM instance; this backend drives it the way the
 * ref backend drives its own: run=2 at open, run=1 only while scan(n)
 * runs KSM_REF_IOC_SCAN_FULL in the caller, run=0 in between, so ksmd_ref
 * (when the module was loaded with its thread) idles between steps.
 * Address spaces are the module's, owned by this open file; ids here are
 * indexes into a local table.  Usable where the module is loaded (the
 * qemu guest of `make kmod-test`); elsewhere open() fails with -ENODEV
 * and a sentence.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "driver.h"
#include "live.h" /* ksml_sysfs_value */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ksm_core/platform/kernel/ksm_ref_client.h"
#include "vmem.h"

#define KMOD_MAX_MMS 512

struct kmod_priv {
	struct ksml_ref ref;
	int nr_nodes;
	unsigned int id[KMOD_MAX_MMS]; /* module ids; 0 = exited */
	int nr;
	uint64_t cpu_ns;
};

static struct kmod_priv *K(struct ksml_drv *d)
{
	return d->priv;
}

/* the client's result, with a sentence when it failed */
static int kerr(struct ksml_drv *d, int ret, const char *what)
{
	if (ret >= 0)
		return 0;
	return ksml_drv_seterr(d, ret, "kmod: %s: %s", what, strerror(-ret));
}

/* the ABI's fields: longer is refused before the module sees it */
static bool knob_fits(const char *s)
{
	return strlen(s) < KSM_REF_NAME_LEN;
}

static int kmod_knob_write(struct ksml_drv *d, const char *name,
			   const char *val)
{
	int ret = ksml_ref_knob_write(&K(d)->ref, name, val);

	if (!ret)
		return 0;
	if (!knob_fits(name) || !knob_fits(val))
		return ksml_drv_seterr(
			d, ret, "kmod: knob %s: name or value too long", name);
	return ksml_drv_seterr(d, ret, "kmod: writing %s to knob %s: %s", val,
			       name, strerror(-ret));
}

/* the value without newline; for advisor_mode the bracketed choice */
static int kmod_knob_read(struct ksml_drv *d, const char *name, char *buf,
			  size_t size)
{
	char value[KSM_REF_NAME_LEN];
	int ret = ksml_ref_knob_read(&K(d)->ref, name, value, sizeof(value));

	if (ret < 0 && !knob_fits(name))
		return ksml_drv_seterr(d, ret, "kmod: knob name %s too long",
				       name);
	if (ret < 0)
		return ksml_drv_seterr(d, ret, "kmod: reading knob %s: %s",
				       name, strerror(-ret));
	ksml_sysfs_value(value);
	snprintf(buf, size, "%s", value);
	return 0;
}

/*
 * The module's instance outlives a run: every knob goes back to its
 * kernel default (the core's knob table) at open, after run=2, which
 * merge_across_nodes and max_page_sharing need, so a run starts as on a
 * fresh ref instance.
 */

static int kmod_open(struct ksml_drv *d)
{
	struct ksml_ref ref;
	struct kmod_priv *kp;
	FILE *ksmd;
	size_t i;
	int ret = ksml_ref_open(&ref);

	if (ret)
		return ksml_drv_seterr(
			d, -ENODEV,
			"kmod: cannot open %s (%s): load ksm_ref.ko first "
			"(it runs in the guest of `make kmod-test`)",
			KSM_REF_DEV, strerror(-ret));
	if (!ksml_ref_abi_ok(&ref)) {
		ksml_ref_close(&ref);
		return ksml_drv_seterr(
			d, -EPROTO, "kmod: %s speaks ABI %#x, this ksmlab %#x",
			KSM_REF_DEV, ref.version.abi_version,
			KSM_REF_ABI_VERSION);
	}
	kp = calloc(1, sizeof(*kp));
	if (!kp) {
		ksml_ref_close(&ref);
		return -ENOMEM;
	}
	kp->ref = ref;
	kp->nr_nodes = (int)ref.version.nr_node_ids;
	d->priv = kp;
	d->nr_nodes = kp->nr_nodes > 1 ? kp->nr_nodes : 1;
	/*
	 * the core's values, but not the kernel's cow_ksm nor smaps KSM;
	 * AnonHugePages from ABI 1.2 on (its MM_STAT and THP ioctl)
	 */
	d->caps = KSML_CAP_ALL & ~(KSML_CAP_COW_KSM | KSML_CAP_ANON_HUGE);
	if (ksml_ref_abi_minor(&ref) >= 2)
		d->caps |= KSML_CAP_ANON_HUGE;
	/*
	 * run=2 first (merge_across_nodes and max_page_sharing need it), then
	 * advisor_mode (the advisor owns pages_to_scan while on), the rest
	 */
	for (i = 0; i <= 2 * (size_t)ksml_knob_count(); i++) {
		const struct ksml_knob_info *k =
			i ? ksml_knob_at((int)((i - 1) % (size_t)ksml_knob_count()))
			  : NULL;
		bool first_pass = i && i <= (size_t)ksml_knob_count();

		if (k && (!k->writable || !k->kernel_default ||
			  !strcmp(k->name, "run") ||
			  first_pass != !strcmp(k->name, "advisor_mode")))
			continue;
		ret = kmod_knob_write(d, k ? k->name : "run",
				      k ? k->kernel_default : "2");
		if (ret)
			goto fail;
	}
	/* the THP mode too outlives a run: back to vmem's default */
	if (d->caps & KSML_CAP_ANON_HUGE) {
		ret = ksml_ref_thp_set(&kp->ref, KSML_THP_MADVISE,
				       KSM_REF_THP_DEFRAG_MADVISE);
		if (ret) {
			ksml_drv_seterr(d, ret, "kmod: THP mode madvise: %s",
					strerror(-ret));
			goto fail;
		}
	}
	ksmd = fopen("/sys/module/ksm_ref/parameters/ksmd", "r");
	if (ksmd) {
		if (fgetc(ksmd) == 'Y')
			ksml_drv_note(d, "kmod: the ksmd_ref thread runs too "
					 "(it idles between "
					 "steps at run=0); load ksm_ref.ko "
					 "with ksmd=0 for scans "
					 "driven by ksmlab alone");
		fclose(ksmd);
	}
	return 0;
fail:
	ksml_ref_close(&kp->ref);
	free(kp);
	d->priv = NULL;
	return ret;
}

/* exit what is left, unmerge and free their slots, leave the module idle */
static void kmod_close(struct ksml_drv *d)
{
	struct kmod_priv *kp = K(d);
	int i;

	if (!kp)
		return;
	for (i = 0; i < kp->nr; i++)
		if (kp->id[i])
			ksml_ref_mm_exit(&kp->ref, kp->id[i]);
	kmod_knob_write(d, "run", "2");
	kmod_knob_write(d, "run", "0");
	ksml_ref_close(&kp->ref);
	free(kp);
	d->priv = NULL;
}

static unsigned int mm_of(struct ksml_drv *d, int id)
{
	struct kmod_priv *kp = K(d);

	if (id < 0 || id >= kp->nr || !kp->id[id]) {
		ksml_drv_seterr(d, -EINVAL, "kmod: no live address space %d",
				id);
		return 0;
	}
	return kp->id[id];
}

static int add_mm(struct ksml_drv *d, unsigned int mid, int *id)
{
	struct kmod_priv *kp = K(d);

	if (kp->nr >= KMOD_MAX_MMS) {
		ksml_ref_mm_exit(&kp->ref, mid);
		return ksml_drv_seterr(d, -ENOSPC,
				       "kmod: more than %d address spaces",
				       KMOD_MAX_MMS);
	}
	kp->id[kp->nr] = mid;
	*id = kp->nr++;
	return 0;
}

static int kmod_mm_create(struct ksml_drv *d, int *id)
{
	int mm = ksml_ref_mm_create(&K(d)->ref);

	return mm < 0 ? kerr(d, mm, "create address space")
		      : add_mm(d, (unsigned int)mm, id);
}

static int kmod_mm_fork(struct ksml_drv *d, int parent, int *child)
{
	unsigned int mm = mm_of(d, parent);
	int ret;

	if (!mm)
		return -EINVAL;
	ret = ksml_ref_mm_fork(&K(d)->ref, mm);
	return ret < 0 ? kerr(d, ret, "fork")
		       : add_mm(d, (unsigned int)ret, child);
}

static int kmod_mm_exit(struct ksml_drv *d, int id)
{
	unsigned int mm = mm_of(d, id);
	int ret;

	if (!mm)
		return -EINVAL;
	ret = kerr(d, ksml_ref_mm_exit(&K(d)->ref, mm), "exit");
	K(d)->id[id] = 0;
	return ret;
}

static int kmod_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			   unsigned long len, unsigned int flags)
{
	unsigned int mm = mm_of(d, id);
	unsigned long out = 0;
	int ret, nid = KSML_DRV_MAP_NODE_OF(flags);

	if (!mm)
		return -EINVAL;
	if (nid >= d->nr_nodes)
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "kmod: node %d does not exist (the "
				       "module's frames carry %d node id(s))",
				       nid, d->nr_nodes);
	ret = ksml_ref_mmap(&K(d)->ref, mm, addr, len,
			    ksml_drv_model_map_flags(flags), &out);
	return ksml_drv_model_mmap_result(d, ret, addr, len, out);
}

static int kmod_mmap(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len, bool shared)
{
	return kmod_mmap_flags(d, id, addr, len,
			       shared ? KSML_DRV_MAP_SHARED : 0);
}

static int kmod_munmap(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long len)
{
	unsigned int mm = mm_of(d, id);

	return mm ? kerr(d, ksml_ref_munmap(&K(d)->ref, mm, addr, len),
			 "munmap")
		  : -EINVAL;
}

static int kmod_rw(struct ksml_drv *d, int id, unsigned long addr,
		   const void *buf, size_t len, unsigned int rw_flags)
{
	unsigned int mm = mm_of(d, id);
	size_t done = 0;
	int ret;

	if (!mm)
		return -EINVAL;
	while (done < len) {
		size_t n = len - done < KSM_REF_MAX_RW ? len - done
						       : KSM_REF_MAX_RW;

		ret = kerr(d,
			   ksml_ref_write(&K(d)->ref, mm, addr + done,
					  (const char *)buf + done, n,
					  rw_flags),
			   rw_flags ? "forced write" : "write");
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

static int kmod_write(struct ksml_drv *d, int id, unsigned long addr,
		      const void *buf, size_t len)
{
	return kmod_rw(d, id, addr, buf, len, 0);
}

static int kmod_write_force(struct ksml_drv *d, int id, unsigned long addr,
			    const void *buf, size_t len)
{
	return kmod_rw(d, id, addr, buf, len, KSM_REF_RW_FORCE);
}

static int kmod_page_info(struct ksml_drv *d, int id, unsigned long addr,
			  bool *present, unsigned long *pfn)
{
	unsigned int mm = mm_of(d, id);
	struct ksm_ref_page_info pi;
	int ret;

	if (!mm)
		return -EINVAL;
	ret = kerr(d, ksml_ref_page_info(&K(d)->ref, mm, addr, &pi),
		   "page info");
	if (ret)
		return ret;
	*present = pi.flags & KSM_REF_PI_PRESENT;
	*pfn = (unsigned long)pi.pfn;
	return 0;
}

static int kmod_prctl_get(struct ksml_drv *d, int id, int *on)
{
	unsigned int mm = mm_of(d, id);
	int ret;

	if (!mm)
		return -EINVAL;
	ret = ksml_ref_prctl_get(&K(d)->ref, mm);
	if (ret < 0)
		return kerr(d, ret, "prctl(PR_GET_MEMORY_MERGE)");
	*on = ret;
	return 0;
}

/* as ref's: a fresh space that keeps MERGE_ANY (ksm_execve) */
static int kmod_mm_exec(struct ksml_drv *d, int parent, int *child)
{
	unsigned int p = mm_of(d, parent);
	int c, ret;

	if (!p)
		return -EINVAL;
	c = ksml_ref_mm_create(&K(d)->ref);
	if (c < 0)
		return kerr(d, c, "exec model");
	if (ksml_ref_prctl_get(&K(d)->ref, p) == 1) {
		ret = ksml_ref_prctl_set(&K(d)->ref, (unsigned int)c, 1);
		if (ret) {
			ksml_ref_mm_exit(&K(d)->ref, (unsigned int)c);
			return kerr(d, ret, "exec model");
		}
	}
	return add_mm(d, (unsigned int)c, child);
}

/* pages generated into one buffer, written KSM_REF_MAX_RW at a time */
static int kmod_fill(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long npages, ksml_drv_gen_fn gen, const void *ctx,
		     size_t ctx_size)
{
	const unsigned long per = KSM_REF_MAX_RW / 4096;
	unsigned char *buf = malloc(KSM_REF_MAX_RW);
	unsigned long i, j;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < npages && !ret; i += per) {
		unsigned long n = npages - i < per ? npages - i : per;

		for (j = 0; j < n; j++)
			gen(ctx, i + j, buf + j * 4096);
		ret = kmod_write(d, id, addr + i * 4096, buf, n * 4096);
	}
	free(buf);
	return ret;
}

static int kmod_madvise(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long len, int advice)
{
	unsigned int mm = mm_of(d, id);

	return mm ? kerr(d, ksml_ref_madvise(&K(d)->ref, mm, addr, len, advice),
			 "madvise")
		  : -EINVAL;
}

static int kmod_prctl(struct ksml_drv *d, int id, bool on)
{
	unsigned int mm = mm_of(d, id);

	return mm ? kerr(d, ksml_ref_prctl_set(&K(d)->ref, mm, on),
			 "prctl(PR_SET_MEMORY_MERGE)")
		  : -EINVAL;
}

static int kmod_pin(struct ksml_drv *d, int id, unsigned long addr)
{
	unsigned int mm = mm_of(d, id);

	return mm ? kerr(d,
			 ksml_ref_page(&K(d)->ref, KSM_REF_IOC_PIN, mm, addr,
				       0),
			 "pin")
		  : -EINVAL;
}

static int kmod_unpin(struct ksml_drv *d, int id, unsigned long addr)
{
	unsigned int mm = mm_of(d, id);

	return mm ? kerr(d,
			 ksml_ref_page(&K(d)->ref, KSM_REF_IOC_UNPIN, mm, addr,
				       0),
			 "unpin")
		  : -EINVAL;
}

static int kmod_migrate(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long npages, int nid)
{
	unsigned int mm = mm_of(d, id);
	unsigned long i;
	int ret;

	if (!mm)
		return -EINVAL;
	if (nid < 0 || nid >= K(d)->nr_nodes)
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "kmod: node %d does not exist (the "
				       "guest has %d node(s))",
				       nid, K(d)->nr_nodes);
	for (i = 0; i < npages; i++) {
		ret = kerr(d,
			   ksml_ref_page(&K(d)->ref, KSM_REF_IOC_MIGRATE, mm,
					 addr + i * 4096, nid),
			   "migrate");
		if (ret)
			return ret;
	}
	return 0;
}

/* the scan runs in this process's ioctl: its CPU time is ours */
static int kmod_scan(struct ksml_drv *d, unsigned long nr)
{
	uint64_t t0 = ksml_drv_cpu_now();
	int ret;

	ret = kmod_knob_write(d, "run", "1");
	if (ret)
		return ret;
	ret = ksml_ref_scan_full(&K(d)->ref, nr, 0);
	kmod_knob_write(d, "run", "0");
	K(d)->cpu_ns += ksml_drv_cpu_now() - t0;
	if (ret == -EAGAIN)
		return -EAGAIN;
	if (ret)
		return ksml_drv_seterr(d, ret, "kmod: scan %lu: %s", nr,
				       strerror(-ret));
	return 0;
}

static int kmod_counters(struct ksml_drv *d, struct ksml_counters *c)
{
	struct ksm_ref_counters k;
	int ret;

	/* a 1.0 module knows only the shorter STATS: its page reads stay 0 */
	ret = kerr(d, ksml_ref_counters(&K(d)->ref, &k), "counters");
	if (ret)
		return ret;
	c->run = k.run;
	c->pages_to_scan = k.pages_to_scan;
	c->pages_scanned = k.pages_scanned;
	c->pages_shared = k.pages_shared;
	c->pages_sharing = k.pages_sharing;
	c->pages_unshared = k.pages_unshared;
	c->pages_volatile = k.pages_volatile;
	c->pages_skipped = k.pages_skipped;
	c->full_scans = k.full_scans;
	c->stable_node_chains = k.stable_node_chains;
	c->stable_node_dups = k.stable_node_dups;
	c->ksm_zero_pages = k.ksm_zero_pages;
	c->general_profit = k.general_profit;
	c->rmap_items = k.rmap_items;
	c->page_checksums = k.page_checksums;
	c->page_compares = k.page_compares;
	c->page_compares_equal = k.page_compares_equal;
	return 0;
}

/*
 * The module's vmem THP mode (KSM_REF_IOC_THP, ABI 1.2), the instance's
 * until the next open resets it.  ksml_drv_thp checked both names; vmem
 * does not model defrag (ksm_ref_ioctl.h), as on ref.  A module
 * before 1.2 has only its default, madvise.
 */
static int kmod_thp(struct ksml_drv *d, const char *mode, const char *defrag)
{
	int m = ksml_drv_thp_mode_of(mode);
	int ret;

	/* the driver's defrag order is the ABI's */
	_Static_assert(KSM_REF_THP_DEFRAG_ALWAYS == 0 &&
			       KSM_REF_THP_DEFRAG_DEFER == 1 &&
			       KSM_REF_THP_DEFRAG_DEFER_MADVISE == 2 &&
			       KSM_REF_THP_DEFRAG_MADVISE == 3 &&
			       KSM_REF_THP_DEFRAG_NEVER == 4,
		       "KSM_REF_THP_DEFRAG_* as ksml_drv_thp_defrag_of");
	if (!(d->caps & KSML_CAP_ANON_HUGE)) {
		if (m == KSML_THP_MADVISE)
			return 0;
		return ksml_drv_seterr(
			d, -EOPNOTSUPP,
			"kmod: the module speaks ABI %#x, without the THP mode "
			"ioctl (1.2): only 'thp madvise' (its instance's mode) "
			"can run, not '%s'",
			K(d)->ref.version.abi_version, mode);
	}
	ret = ksml_ref_thp_set(&K(d)->ref, m, ksml_drv_thp_defrag_of(defrag));
	if (ret)
		return ksml_drv_seterr(d, ret, "kmod: THP mode %s defrag %s: %s",
				       mode, defrag, strerror(-ret));
	return 0;
}

static int kmod_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st)
{
	unsigned int mm = mm_of(d, id);
	struct ksm_ref_mm_stat k;
	int ret;

	if (!mm)
		return -EINVAL;
	ret = kerr(d, ksml_ref_mm_stat(&K(d)->ref, mm, &k), "ksm_stat");
	if (ret)
		return ret;
	st->ksm_rmap_items = k.ksm_rmap_items;
	st->ksm_zero_pages = k.ksm_zero_pages;
	st->ksm_merging_pages = k.ksm_merging_pages;
	st->ksm_process_profit = k.ksm_process_profit;
	st->ksm_merge_any = k.ksm_merge_any;
	st->ksm_mergeable = k.ksm_mergeable;
	/* 0 from a module before 1.2 (no KSML_CAP_ANON_HUGE then) */
	st->anon_huge_kb = (unsigned long)k.anon_huge_kb;
	return 0;
}

static int kmod_cpu_ns(struct ksml_drv *d, uint64_t *ns)
{
	*ns = K(d)->cpu_ns;
	return 0;
}

const struct ksml_backend_ops ksml_backend_kmod = {
	.name = "kmod",
	.open = kmod_open,
	.thp = kmod_thp,
	.close = kmod_close,
	.knob_write = kmod_knob_write,
	.knob_read = kmod_knob_read,
	.mm_create = kmod_mm_create,
	.mm_fork = kmod_mm_fork,
	.mm_exit = kmod_mm_exit,
	.mmap = kmod_mmap,
	.munmap = kmod_munmap,
	.write = kmod_write,
	.fill = kmod_fill,
	.madvise = kmod_madvise,
	.prctl_merge_any = kmod_prctl,
	.pin = kmod_pin,
	.unpin = kmod_unpin,
	.migrate = kmod_migrate,
	.scan = kmod_scan,
	.counters = kmod_counters,
	.mm_stat = kmod_mm_stat,
	.cpu_ns = kmod_cpu_ns,
	.mmap_flags = kmod_mmap_flags,
	.write_force = kmod_write_force,
	.page_info = kmod_page_info,
	.prctl_get_merge_any = kmod_prctl_get,
	.mm_exec = kmod_mm_exec,
};

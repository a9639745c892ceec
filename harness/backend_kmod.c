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

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../ksm_core/platform/kernel/ksm_ref_ioctl.h"

#define KMOD_MAX_MMS 512

struct kmod_priv {
	int fd;
	int nr_nodes;
	unsigned int abi_minor;	       /* the module's: 0 has no page reads */
	unsigned int id[KMOD_MAX_MMS]; /* module ids; 0 = exited */
	int nr;
	uint64_t cpu_ns;
};

static struct kmod_priv *K(struct ksml_drv *d)
{
	return d->priv;
}

static int kio(struct ksml_drv *d, unsigned long cmd, void *arg,
	       const char *what)
{
	if (ioctl(K(d)->fd, cmd, arg) == 0)
		return 0;
	return ksml_drv_seterr(d, -errno, "kmod: %s: %s", what,
			       strerror(errno));
}

static int kmod_knob_write(struct ksml_drv *d, const char *name,
			   const char *val)
{
	struct ksm_ref_knob k;

	memset(&k, 0, sizeof(k));
	if (strlen(name) >= sizeof(k.name) || strlen(val) >= sizeof(k.value))
		return ksml_drv_seterr(d, -EINVAL,
				       "kmod: knob %s: name or value too long",
				       name);
	strcpy(k.name, name);
	strcpy(k.value, val);
	if (ioctl(K(d)->fd, KSM_REF_IOC_KNOB_WRITE, &k) == 0)
		return 0;
	return ksml_drv_seterr(d, -errno, "kmod: writing %s to knob %s: %s",
			       val, name, strerror(errno));
}

/* the value without newline; for advisor_mode the bracketed choice */
static int kmod_knob_read(struct ksml_drv *d, const char *name, char *buf,
			  size_t size)
{
	struct ksm_ref_knob k;
	char *a, *b;
	size_t n;

	memset(&k, 0, sizeof(k));
	if (strlen(name) >= sizeof(k.name))
		return ksml_drv_seterr(d, -EINVAL,
				       "kmod: knob name %s too long", name);
	strcpy(k.name, name);
	if (ioctl(K(d)->fd, KSM_REF_IOC_KNOB_READ, &k))
		return ksml_drv_seterr(d, -errno, "kmod: reading knob %s: %s",
				       name, strerror(errno));
	n = strlen(k.value);
	while (n && (k.value[n - 1] == '\n' || k.value[n - 1] == ' '))
		k.value[--n] = 0;
	a = strchr(k.value, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = 0;
		memmove(k.value, a + 1, strlen(a + 1) + 1);
	}
	snprintf(buf, size, "%s", k.value);
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
	struct ksm_ref_version v;
	struct kmod_priv *kp;
	int fd = open(KSM_REF_DEV, O_RDWR | O_CLOEXEC);
	FILE *ksmd;
	size_t i;
	int ret;

	if (fd < 0)
		return ksml_drv_seterr(
			d, -ENODEV,
			"kmod: cannot open %s (%s): load ksm_ref.ko first "
			"(it runs in the guest of `make kmod-test`)",
			KSM_REF_DEV, strerror(errno));
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, KSM_REF_IOC_VERSION, &v) ||
	    (v.abi_version >> 16) != KSM_REF_ABI_MAJOR) {
		close(fd);
		return ksml_drv_seterr(
			d, -EPROTO, "kmod: %s speaks ABI %#x, this ksmlab %#x",
			KSM_REF_DEV, v.abi_version, KSM_REF_ABI_VERSION);
	}
	kp = calloc(1, sizeof(*kp));
	if (!kp) {
		close(fd);
		return -ENOMEM;
	}
	kp->fd = fd;
	kp->nr_nodes = (int)v.nr_node_ids;
	kp->abi_minor = v.abi_version & 0xffff;
	d->priv = kp;
	/* the core's values, but not the kernel's cow_ksm nor smaps */
	d->caps = KSML_CAP_ALL & ~(KSML_CAP_COW_KSM | KSML_CAP_ANON_HUGE);
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
		if (ret) {
			close(fd);
			free(kp);
			d->priv = NULL;
			return ret;
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
}

/* exit what is left, unmerge and free their slots, leave the module idle */
static void kmod_close(struct ksml_drv *d)
{
	struct kmod_priv *kp = K(d);
	int i;

	if (!kp)
		return;
	for (i = 0; i < kp->nr; i++) {
		struct ksm_ref_mm m = {.mm = kp->id[i]};

		if (kp->id[i])
			ioctl(kp->fd, KSM_REF_IOC_MM_EXIT, &m);
	}
	kmod_knob_write(d, "run", "2");
	kmod_knob_write(d, "run", "0");
	close(kp->fd);
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
		struct ksm_ref_mm m = {.mm = mid};

		ioctl(kp->fd, KSM_REF_IOC_MM_EXIT, &m);
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
	struct ksm_ref_mm m = {0};
	int ret = kio(d, KSM_REF_IOC_MM_CREATE, &m, "create address space");

	return ret ? ret : add_mm(d, m.mm, id);
}

static int kmod_mm_fork(struct ksml_drv *d, int parent, int *child)
{
	struct ksm_ref_mm m = {.mm = mm_of(d, parent)};
	int ret;

	if (!m.mm)
		return -EINVAL;
	ret = kio(d, KSM_REF_IOC_MM_FORK, &m, "fork");
	return ret ? ret : add_mm(d, m.child, child);
}

static int kmod_mm_exit(struct ksml_drv *d, int id)
{
	struct ksm_ref_mm m = {.mm = mm_of(d, id)};
	int ret;

	if (!m.mm)
		return -EINVAL;
	ret = kio(d, KSM_REF_IOC_MM_EXIT, &m, "exit");
	K(d)->id[id] = 0;
	return ret;
}

static int kmod_mmap(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len, bool shared)
{
	struct ksm_ref_map m = {
		.mm = mm_of(d, id),
		.flags = (shared ? 0x01u : 0x02u) | 0x20u |
			 0x10u, /* vmem.h KSML_MAP_* */
		.addr = addr,
		.len = len,
	};
	int ret;

	if (!m.mm)
		return -EINVAL;
	ret = ioctl(K(d)->fd, KSM_REF_IOC_MMAP, &m) ? -errno : 0;
	if (ret)
		return ksml_drv_seterr(d, ret, "kmod: mmap 0x%lx+%lu: %s", addr,
				       len, strerror(-ret));
	if (m.out_addr != addr)
		return ksml_drv_seterr(d, -EFAULT,
				       "kmod: mmap at 0x%lx returned 0x%llx",
				       addr, (unsigned long long)m.out_addr);
	return 0;
}

static int kmod_munmap(struct ksml_drv *d, int id, unsigned long addr,
		       unsigned long len)
{
	struct ksm_ref_map m = {.mm = mm_of(d, id), .addr = addr, .len = len};

	return m.mm ? kio(d, KSM_REF_IOC_MUNMAP, &m, "munmap") : -EINVAL;
}

static int kmod_write(struct ksml_drv *d, int id, unsigned long addr,
		      const void *buf, size_t len)
{
	struct ksm_ref_rw rw = {.mm = mm_of(d, id)};
	size_t done = 0;
	int ret;

	if (!rw.mm)
		return -EINVAL;
	while (done < len) {
		size_t n = len - done < KSM_REF_MAX_RW ? len - done
						       : KSM_REF_MAX_RW;

		rw.addr = addr + done;
		rw.len = n;
		rw.buf = (uintptr_t)((const char *)buf + done);
		ret = kio(d, KSM_REF_IOC_WRITE, &rw, "write");
		if (ret)
			return ret;
		done += n;
	}
	return 0;
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
	struct ksm_ref_madvise m = {
		.mm = mm_of(d, id), .advice = advice, .addr = addr, .len = len};

	return m.mm ? kio(d, KSM_REF_IOC_MADVISE, &m, "madvise") : -EINVAL;
}

static int kmod_prctl(struct ksml_drv *d, int id, bool on)
{
	struct ksm_ref_prctl p = {.mm = mm_of(d, id), .set = 1, .arg = on};

	return p.mm ? kio(d, KSM_REF_IOC_PRCTL, &p,
			  "prctl(PR_SET_MEMORY_MERGE)")
		    : -EINVAL;
}

static int kmod_pin(struct ksml_drv *d, int id, unsigned long addr)
{
	struct ksm_ref_page p = {.mm = mm_of(d, id), .addr = addr};

	return p.mm ? kio(d, KSM_REF_IOC_PIN, &p, "pin") : -EINVAL;
}

static int kmod_unpin(struct ksml_drv *d, int id, unsigned long addr)
{
	struct ksm_ref_page p = {.mm = mm_of(d, id), .addr = addr};

	return p.mm ? kio(d, KSM_REF_IOC_UNPIN, &p, "unpin") : -EINVAL;
}

static int kmod_migrate(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long npages, int nid)
{
	struct ksm_ref_page p = {.mm = mm_of(d, id), .nid = nid};
	unsigned long i;
	int ret;

	if (!p.mm)
		return -EINVAL;
	if (nid < 0 || nid >= K(d)->nr_nodes)
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "kmod: node %d does not exist (the "
				       "guest has %d node(s))",
				       nid, K(d)->nr_nodes);
	for (i = 0; i < npages; i++) {
		p.addr = addr + i * 4096;
		ret = kio(d, KSM_REF_IOC_MIGRATE, &p, "migrate");
		if (ret)
			return ret;
	}
	return 0;
}

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* the scan runs in this process's ioctl: its CPU time is ours */
static int kmod_scan(struct ksml_drv *d, unsigned long nr)
{
	struct ksm_ref_scan s = {.nr_scans = nr};
	uint64_t t0 = cpu_now();
	int ret;

	ret = kmod_knob_write(d, "run", "1");
	if (ret)
		return ret;
	ret = ioctl(K(d)->fd, KSM_REF_IOC_SCAN_FULL, &s) ? -errno : 0;
	kmod_knob_write(d, "run", "0");
	K(d)->cpu_ns += cpu_now() - t0;
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
	memset(&k, 0, sizeof(k));
	ret = kio(d,
		  K(d)->abi_minor ? KSM_REF_IOC_STATS : KSM_REF_IOC_STATS_1_0,
		  &k, "counters");
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
 * The module's ABI has no THP mode (nor AnonHugePages in its mm_stat:
 * no KSML_CAP_ANON_HUGE, so the diff does not hold it to one): its
 * vmem instance keeps vmem's default, madvise, which a workload can ask
 * for; MADV_HUGEPAGE reaches it through the madvise ioctl.
 */
static int kmod_thp(struct ksml_drv *d, const char *mode, const char *defrag)
{
	(void)defrag;
	if (strcmp(mode, "madvise"))
		return ksml_drv_seterr(
			d, -EOPNOTSUPP,
			"kmod: the module has no THP mode ioctl: only 'thp "
			"madvise' (its instance's mode) can run, not '%s'",
			mode);
	return 0;
}

static int kmod_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st)
{
	struct ksm_ref_mm_stat k;
	int ret;

	memset(&k, 0, sizeof(k));
	k.mm = mm_of(d, id);
	if (!k.mm)
		return -EINVAL;
	ret = kio(d, KSM_REF_IOC_MM_STAT, &k, "ksm_stat");
	if (ret)
		return ret;
	st->ksm_rmap_items = k.ksm_rmap_items;
	st->ksm_zero_pages = k.ksm_zero_pages;
	st->ksm_merging_pages = k.ksm_merging_pages;
	st->ksm_process_profit = k.ksm_process_profit;
	st->ksm_merge_any = k.ksm_merge_any;
	st->ksm_mergeable = k.ksm_mergeable;
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
};

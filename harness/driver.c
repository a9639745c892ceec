/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * driver.c - the backend-independent half of the driver: dispatch with
 * "not supported" errors, error/notes buffers, convergence.
 */
#include "driver.h"
#include "vmem.h" /* the model's mmap flags */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const ksml_det_names[KSML_NR_DET] = {
	"pages_shared",	      "pages_sharing",	  "pages_unshared",
	"stable_node_chains", "stable_node_dups", "ksm_zero_pages",
};

const char *ksml_cap_name(unsigned int cap)
{
	static const char *const names[] = {
		"cow_ksm",
		"smart_scan",
		"general_profit",
		"ksm_zero_pages",
		"pages_scanned",
		"prctl merge-any",
		"ksm_stat ksm_merge_any/ksm_mergeable",
		"fork resets the child's counters",
		"AnonHugePages",
		"checksum before the stable tree search",
		"THP split maps zero subpages to the zero page",
		"write fault copies a subpage of a lone large folio",
		"write fault reuses a large folio one mm maps",
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (cap == 1u << i)
			return names[i];
	return "?";
}

void ksml_det_values(const struct ksml_counters *c, long v[KSML_NR_DET])
{
	v[0] = (long)c->pages_shared;
	v[1] = (long)c->pages_sharing;
	v[2] = (long)c->pages_unshared;
	v[3] = (long)c->stable_node_chains;
	v[4] = (long)c->stable_node_dups;
	v[KSML_DET_ZERO_PAGES] = c->ksm_zero_pages;
}

const struct ksml_backend_ops *ksml_backend_by_name(const char *name)
{
	if (!strcmp(name, "ref"))
		return &ksml_backend_ref;
	if (!strcmp(name, "linux"))
		return &ksml_backend_linux;
	if (!strcmp(name, "kmod"))
		return &ksml_backend_kmod;
	return NULL;
}

int ksml_drv_seterr(struct ksml_drv *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return err;
}

uint64_t ksml_drv_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

unsigned int ksml_drv_model_map_flags(unsigned int flags)
{
	int nid = KSML_DRV_MAP_NODE_OF(flags);

	return (flags & KSML_DRV_MAP_SHARED ? KSML_MAP_SHARED
					    : KSML_MAP_PRIVATE) |
	       KSML_MAP_ANONYMOUS | KSML_MAP_FIXED |
	       (flags & KSML_DRV_MAP_PROT_NONE ? KSML_MAP_RDONLY : 0) |
	       (nid >= 0 ? KSML_MAP_NODE(nid) : 0);
}

int ksml_drv_model_mmap_result(struct ksml_drv *d, int ret, unsigned long addr,
			       unsigned long len, unsigned long out)
{
	if (ret)
		return ksml_drv_seterr(d, ret, "%s: mmap 0x%lx+%lu: %s",
				       d->ops->name, addr, len, strerror(-ret));
	if (out != addr)
		return ksml_drv_seterr(d, -EFAULT,
				       "%s: mmap at 0x%lx returned 0x%lx",
				       d->ops->name, addr, out);
	return 0;
}

void ksml_drv_note(struct ksml_drv *d, const char *fmt, ...)
{
	size_t n = strlen(d->notes);
	va_list ap;

	if (n + 2 >= sizeof(d->notes))
		return;
	if (n)
		d->notes[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(d->notes + n, sizeof(d->notes) - n, fmt, ap);
	va_end(ap);
}

const char *ksml_drv_error(const struct ksml_drv *d)
{
	return d->err[0] ? d->err : "unknown error";
}

int ksml_drv_open(struct ksml_drv *d, const struct ksml_backend_ops *ops,
		  const struct ksml_drv_opts *opts)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	if (opts)
		d->opts = *opts;
	d->nr_nodes = 1;
	return ops->open(d);
}

void ksml_drv_close(struct ksml_drv *d)
{
	if (d->ops && d->ops->close)
		d->ops->close(d);
	d->ops = NULL;
}

#define DISPATCH(fn, ...)                                                     \
	do {                                                                  \
		int __r;                                                      \
		if (!d->ops->fn)                                              \
			return ksml_drv_seterr(d, -EOPNOTSUPP,                \
					       "backend %s does not support " \
					       #fn,                           \
					       d->ops->name);                 \
		d->err[0] = 0;                                                \
		__r = d->ops->fn(d, __VA_ARGS__);                             \
		if (__r < 0 && !d->err[0])                                    \
			ksml_drv_seterr(d, __r, "%s: %s failed: %s",          \
					d->ops->name, #fn, strerror(-__r));   \
		return __r;                                                   \
	} while (0)

int ksml_drv_knob_write(struct ksml_drv *d, const char *name, const char *val)
{
	DISPATCH(knob_write, name, val);
}

int ksml_drv_knob_read(struct ksml_drv *d, const char *name, char *buf,
		       size_t size)
{
	DISPATCH(knob_read, name, buf, size);
}

/* /sys/kernel/mm/transparent_hugepage/enabled's values, as vmem numbers them */
static const char *const thp_modes[] = {
	[KSML_THP_NEVER] = "never",
	[KSML_THP_MADVISE] = "madvise",
	[KSML_THP_ALWAYS] = "always",
};
/* .../defrag's values, in the kernel's order (the module's ABI numbers) */
static const char *const thp_defrags[] = {"always", "defer", "defer+madvise",
					  "madvise", "never"};

static int name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -EINVAL;
}

int ksml_drv_thp_mode_of(const char *name)
{
	return name_index(thp_modes, (int)(sizeof(thp_modes) / sizeof(*thp_modes)),
			  name);
}

int ksml_drv_thp_defrag_of(const char *name)
{
	return name_index(thp_defrags,
			  (int)(sizeof(thp_defrags) / sizeof(*thp_defrags)), name);
}

/* the names are checked here once: every backend gets a valid pair */
int ksml_drv_thp(struct ksml_drv *d, const char *mode, const char *defrag)
{
	if (!defrag)
		defrag = "madvise"; /* the kernel's default */
	if (ksml_drv_thp_mode_of(mode) < 0)
		return ksml_drv_seterr(d, -EINVAL,
				       "%s: unknown THP mode '%s' (expected "
				       "always, madvise or never)",
				       d->ops->name, mode ? mode : "");
	if (ksml_drv_thp_defrag_of(defrag) < 0)
		return ksml_drv_seterr(d, -EINVAL,
				       "%s: unknown THP defrag '%s' (expected "
				       "always, defer, defer+madvise, madvise "
				       "or never)",
				       d->ops->name, defrag);
	DISPATCH(thp, mode, defrag);
}

int ksml_drv_mm_create(struct ksml_drv *d, int *id)
{
	DISPATCH(mm_create, id);
}

int ksml_drv_mm_fork(struct ksml_drv *d, int parent, int *child)
{
	DISPATCH(mm_fork, parent, child);
}

int ksml_drv_mm_exit(struct ksml_drv *d, int id)
{
	DISPATCH(mm_exit, id);
}

int ksml_drv_mmap(struct ksml_drv *d, int id, unsigned long addr,
		  unsigned long len, bool shared)
{
	DISPATCH(mmap, id, addr, len, shared);
}

int ksml_drv_munmap(struct ksml_drv *d, int id, unsigned long addr,
		    unsigned long len)
{
	DISPATCH(munmap, id, addr, len);
}

int ksml_drv_write(struct ksml_drv *d, int id, unsigned long addr,
		   const void *buf, size_t len)
{
	DISPATCH(write, id, addr, buf, len);
}

int ksml_drv_fill_by_writes(struct ksml_drv *d, int id, unsigned long addr,
			    unsigned long npages, ksml_drv_gen_fn gen,
			    const void *ctx)
{
	static unsigned char page[4096];
	unsigned long i;
	int ret;

	for (i = 0; i < npages; i++) {
		gen(ctx, i, page);
		ret = ksml_drv_write(d, id, addr + i * 4096UL, page, 4096);
		if (ret)
			return ret;
	}
	return 0;
}

int ksml_drv_fill(struct ksml_drv *d, int id, unsigned long addr,
		  unsigned long npages, ksml_drv_gen_fn gen, const void *ctx,
		  size_t ctx_size)
{

	if (ctx_size > KSML_DRV_MAX_CTX)
		return ksml_drv_seterr(d, -EINVAL,
				       "fill: context of %zu bytes (max %d)",
				       ctx_size, KSML_DRV_MAX_CTX);
	if (d->ops->fill)
		DISPATCH(fill, id, addr, npages, gen, ctx, ctx_size);
	return ksml_drv_fill_by_writes(d, id, addr, npages, gen, ctx);
}

int ksml_drv_madvise(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len, int advice)
{
	DISPATCH(madvise, id, addr, len, advice);
}

int ksml_drv_prctl_merge_any(struct ksml_drv *d, int id, bool on)
{
	DISPATCH(prctl_merge_any, id, on);
}

int ksml_drv_pin(struct ksml_drv *d, int id, unsigned long addr)
{
	DISPATCH(pin, id, addr);
}

int ksml_drv_unpin(struct ksml_drv *d, int id, unsigned long addr)
{
	DISPATCH(unpin, id, addr);
}

int ksml_drv_migrate(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long npages, int nid)
{
	DISPATCH(migrate, id, addr, npages, nid);
}

int ksml_drv_scan(struct ksml_drv *d, unsigned long nr)
{
	DISPATCH(scan, nr);
}

int ksml_drv_counters(struct ksml_drv *d, struct ksml_counters *c)
{
	memset(c, 0, sizeof(*c));
	DISPATCH(counters, c);
}

int ksml_drv_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st)
{
	memset(st, 0, sizeof(*st));
	DISPATCH(mm_stat, id, st);
}

int ksml_drv_cpu_ns(struct ksml_drv *d, uint64_t *ns)
{
	*ns = 0;
	DISPATCH(cpu_ns, ns);
}

int ksml_drv_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long len, unsigned int flags)
{
	DISPATCH(mmap_flags, id, addr, len, flags);
}

int ksml_drv_write_force(struct ksml_drv *d, int id, unsigned long addr,
			 const void *buf, size_t len)
{
	DISPATCH(write_force, id, addr, buf, len);
}

int ksml_drv_page_info(struct ksml_drv *d, int id, unsigned long addr,
		       bool *present, unsigned long *pfn)
{
	*present = false;
	*pfn = 0;
	DISPATCH(page_info, id, addr, present, pfn);
}

int ksml_drv_prctl_get_merge_any(struct ksml_drv *d, int id, int *on)
{
	*on = 0;
	DISPATCH(prctl_get_merge_any, id, on);
}

int ksml_drv_mm_exec(struct ksml_drv *d, int parent, int *child)
{
	DISPATCH(mm_exec, parent, child);
}

int ksml_drv_uffd_wp(struct ksml_drv *d, int id, unsigned long addr,
		     unsigned long len)
{
	DISPATCH(uffd_wp, id, addr, len);
}

int ksml_drv_foreign_users(struct ksml_drv *d, char *list, size_t size)
{
	if (size)
		list[0] = 0;
	if (!d->ops->foreign_users)
		return 0;
	DISPATCH(foreign_users, list, size);
}

#define MAX_CONV_IDS 256

static int snapshot(struct ksml_drv *d, const int *ids, int nr_ids,
		    long *v)
{
	struct ksml_counters c;
	struct ksml_mm_stat st;
	int i, ret;

	ret = ksml_drv_counters(d, &c);
	if (ret)
		return ret;
	ksml_det_values(&c, v);
	for (i = 0; i < nr_ids && i < MAX_CONV_IDS; i++) {
		ret = ksml_drv_mm_stat(d, ids[i], &st);
		if (ret)
			return ret;
		v[KSML_NR_DET + i] = (long)st.ksm_merging_pages;
	}
	return 0;
}

int ksml_drv_wait_converged(struct ksml_drv *d, const int *ids, int nr_ids,
			    unsigned long max_scans, unsigned long *scans)
{
	long hist[3][KSML_NR_DET + MAX_CONV_IDS];
	size_t n = (size_t)(KSML_NR_DET + (nr_ids < MAX_CONV_IDS ? nr_ids : MAX_CONV_IDS)) *
		   sizeof(long);
	unsigned long s;
	int ret, have = 0;

	*scans = 0;
	ret = snapshot(d, ids, nr_ids, hist[0]);
	if (ret)
		return ret;
	have = 1;
	for (s = 1; s <= max_scans; s++) {
		ret = ksml_drv_scan(d, 1);
		if (ret == -EAGAIN)
			return 0; /* nothing to scan: nothing can change */
		if (ret)
			return ret;
		*scans = s;
		memmove(hist[2], hist[1], n);
		memmove(hist[1], hist[0], n);
		ret = snapshot(d, ids, nr_ids, hist[0]);
		if (ret)
			return ret;
		if (++have >= 3 && !memcmp(hist[0], hist[1], n) &&
		    !memcmp(hist[1], hist[2], n) && s >= 2)
			return 0;
	}
	return -ETIMEDOUT;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_world.h - the operation decoder and shadow model shared by
 * fuzz_ops, fuzz_threads and fuzz_race.
 *
 * A "world" is the set of address spaces one actor (the single-threaded
 * target, one pthread, one sim task) owns, with a shadow of what every
 * mapped page must read back.  Operations are decoded from the fuzzer's
 * bytes into struct fw_op first (so threaded targets can decode before
 * the threads start) and executed by fw_exec(), which updates the shadow
 * only for operations that succeeded.  Page contents come from a small
 * set of patterns so that duplicates are frequent and merges happen.
 *
 * Oracles (any failure aborts with a description):
 *  - every mapped page reads back its shadow content (fw_verify);
 *  - a pinned page is never a KSM page (pins unshare, and KSM must refuse
 *    a page with an extra reference);
 *  - knob writes: garbage is refused by every writable knob, read-only
 *    knobs refuse writes, max_page_sharing/merge_across_nodes only change
 *    while pages_shared == 0.
 */
#ifndef KSML_FUZZ_WORLD_H
#define KSML_FUZZ_WORLD_H

#include "ksml.h"
#include "fuzz_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* helpers each target may or may not use */
#define FW_FN static __attribute__((unused))

#define FW_MAX_MM 3
#define FW_MAX_REG 3
#define FW_MAX_PAGES 16
/*
 * THP inputs (fw_thp_input: they begin with FW_THP_MAGIC) have a fourth
 * region per mm, FW_HUGE_REG, of up to one PMD's worth of pages at a
 * 2 MiB-aligned place; an operation's page p names its subpage
 * p * FW_HUGE_UNIT, its count that many units where it is a length.
 */
#define FW_NR_REG 4
#define FW_HUGE_REG 3
#define FW_HUGE_PAGES 512
#define FW_HUGE_UNIT 32
#define FW_THP_MAGIC "THP:"
#define FW_NR_PATTERNS 8
#define FW_PATCH_OFF 2048
#define FW_PATCH_LEN 8

struct fw_page {
	bool mapped;
	uint8_t pat;	  /* pattern id; 0 = zero page content */
	bool has_patch;	  /* FW_PATCH_LEN bytes at FW_PATCH_OFF = patch */
	uint8_t patch;
	uint8_t pins;	  /* our pins on it (each one ksml_vm_pin) */
};

struct fw_region {
	bool used;
	bool ghost; /* shared mapping inherited by fork: contents not ours */
	bool at_alt;
	/*
	 * the whole region was madvised MERGEABLE (and not unmerged since):
	 * its VMAs are VM_MERGEABLE and its mm is registered
	 */
	bool merge_advised;
	unsigned int flags;
	unsigned int npages;
	struct fw_page pg[FW_HUGE_PAGES];
};

struct fw_mm {
	struct ksml_mm *mm;
	struct fw_region reg[FW_NR_REG];
};

struct fw_world {
	struct ksml *ksm;
	int id;		/* actor id: spreads address choices between actors */
	bool global_ops; /* may write knobs, run modes and scan */
	bool concurrent; /* others act at the same time: no before/after oracles */
	bool thp;	 /* a THP input: the huge region, THP modes and advice */
	int fail_armed;	 /* ops left before an injected failure is disarmed */
	int nr_nodes;
	uint64_t *clock_ns; /* manual clock to move on at scans, or NULL */
	struct fw_mm mms[FW_MAX_MM];
	unsigned long ops_done;
	uint8_t *buf;	/* one page of scratch */
	uint8_t *want;	/* one page of expected content */
};

enum fw_kind {
	FW_MM_CREATE,
	FW_MM_EXIT,
	FW_MM_FORK,
	FW_MMAP,
	FW_MUNMAP,
	FW_MREMAP,
	FW_WRITE,
	FW_WRITE_PATCH,
	FW_WRITE_FORCE,
	FW_MADV_MERGE,
	FW_MADV_UNMERGE,
	FW_MADV_DONTNEED,
	FW_PRCTL,
	FW_PIN,
	FW_UNPIN,
	FW_MIGRATE,
	FW_READ_INFO,
	FW_MADV_HUGE,	/* THP inputs only: MADV_HUGEPAGE */
	FW_MADV_NOHUGE, /* THP inputs only: MADV_NOHUGEPAGE */
	/* global: knobs, run, scans (only for a world with global_ops) */
	FW_KNOB,
	FW_RUN,
	FW_SCAN,
	FW_SCAN_FULL,
	FW_FAIL,	/* the n-th allocation from now fails (during the next op) */
	FW_HOTPLUG, /* memory hot-remove notifier sequences */
	FW_THP_MODE, /* THP inputs only: transparent_hugepage/enabled */
	FW_NR_KINDS
};

static const char *const fw_kind_names[FW_NR_KINDS] __attribute__((unused)) = {
	"mm_create", "mm_exit", "mm_fork", "mmap", "munmap", "mremap", "write",
	"write_patch", "write_force", "madv_merge", "madv_unmerge", "madv_dontneed",
	"prctl", "pin", "unpin", "migrate", "read_info", "madv_huge", "madv_nohuge",
	"knob", "run", "scan", "scan_full", "fail", "hotplug", "thp_mode",
};

/* set once any actor injected an allocation failure in this input */
static bool fw_fail_injected __attribute__((unused));

struct fw_op {
	uint8_t kind;
	uint8_t mm, reg, page, count, pat, pat2, x;
	uint32_t n;
};

FW_FN void fw_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
FW_FN void fw_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
#ifdef KSML_PLATFORM_SIM
	ksml_sim_fail("%s", msg);
#else
	fprintf(stderr, "fuzz: FAILURE: %s\n", msg);
	abort();
#endif
}

/* ------------------------------------------------------------ addresses */

FW_FN unsigned long fw_region_addr(const struct fw_world *w, int r, bool alt)
{
	return 0x100000000ul + (unsigned long)w->id * 0x1000000000ul +
	       (unsigned long)r * 0x10000000ul + (alt ? 0x8000000ul : 0);
}

FW_FN unsigned long fw_page_addr(const struct fw_world *w, int r,
				  const struct fw_region *reg, unsigned int p)
{
	return fw_region_addr(w, r, reg->at_alt) + (unsigned long)p * KSML_PAGE_SIZE;
}

/* an op's page (or length) unit in region r: subpages of the huge region */
FW_FN unsigned int fw_unit(int r)
{
	return r == FW_HUGE_REG ? FW_HUGE_UNIT : 1;
}

/* ------------------------------------------------------------- contents */

FW_FN void fw_fill(uint8_t *page, uint8_t pat, bool has_patch, uint8_t patch)
{
	memset(page, pat ? 0x40 + pat : 0, KSML_PAGE_SIZE);
	/* patterns >= 3 differ from their neighbours deep in the page too */
	if (pat >= 3)
		page[(pat * 613u) % KSML_PAGE_SIZE] ^= 0x5a;
	if (has_patch)
		memset(page + FW_PATCH_OFF, patch, FW_PATCH_LEN);
}

/* ---------------------------------------------------------------- decode */

/*
 * Does the input begin with FW_THP_MAGIC?  Then it is consumed from the
 * front and the input is decoded with the THP operations (fw_decode's
 * thp).  No input from before THP begins so: they decode as they did.
 */
FW_FN bool fw_thp_input(struct ksml_fuzz_data *fd)
{
	size_t n = sizeof(FW_THP_MAGIC) - 1;

	if (ksml_fuzz_remaining(fd) < n || memcmp(fd->data + fd->front, FW_THP_MAGIC, n))
		return false;
	fd->front += n;
	return true;
}

FW_FN void fw_decode(struct ksml_fuzz_data *fd, struct fw_op *op, bool global_ops, bool thp)
{
	/* weights: scans and writes are what make merges happen */
	static const uint8_t table[] = {
		FW_MM_CREATE, FW_MM_CREATE, FW_MM_EXIT, FW_MM_FORK, FW_MMAP, FW_MMAP,
		FW_MMAP, FW_MUNMAP, FW_MREMAP, FW_WRITE, FW_WRITE, FW_WRITE, FW_WRITE,
		FW_WRITE_PATCH, FW_WRITE_FORCE, FW_MADV_MERGE, FW_MADV_MERGE,
		FW_MADV_UNMERGE, FW_MADV_DONTNEED, FW_PRCTL, FW_PIN, FW_UNPIN,
		FW_MIGRATE, FW_READ_INFO,
		/* global from here */
		FW_KNOB, FW_KNOB, FW_RUN, FW_SCAN, FW_SCAN, FW_SCAN, FW_SCAN_FULL,
		FW_SCAN_FULL, FW_FAIL, FW_HOTPLUG,
	};
	/* THP inputs: the same, the THP kinds added to each part */
	static const uint8_t thp_table[] = {
		FW_MM_CREATE, FW_MM_CREATE, FW_MM_EXIT, FW_MM_FORK, FW_MMAP, FW_MMAP,
		FW_MMAP, FW_MUNMAP, FW_MREMAP, FW_WRITE, FW_WRITE, FW_WRITE, FW_WRITE,
		FW_WRITE_PATCH, FW_WRITE_FORCE, FW_MADV_MERGE, FW_MADV_MERGE,
		FW_MADV_UNMERGE, FW_MADV_DONTNEED, FW_PRCTL, FW_PIN, FW_UNPIN,
		FW_MIGRATE, FW_READ_INFO, FW_MADV_HUGE, FW_MADV_HUGE, FW_MADV_NOHUGE,
		/* global from here */
		FW_KNOB, FW_KNOB, FW_RUN, FW_SCAN, FW_SCAN, FW_SCAN, FW_SCAN_FULL,
		FW_SCAN_FULL, FW_FAIL, FW_HOTPLUG, FW_THP_MODE,
	};
	uint32_t nlocal = thp ? 27 : 24;
	uint32_t ntotal = thp ? sizeof(thp_table) : sizeof(table);

	memset(op, 0, sizeof(*op));
	op->kind = (thp ? thp_table : table)[ksml_fuzz_pick(fd, global_ops ? ntotal : nlocal)];
	op->mm = (uint8_t)ksml_fuzz_pick(fd, FW_MAX_MM);
	/* THP inputs: one op in four on the huge region */
	op->reg = (uint8_t)ksml_fuzz_pick(fd, thp ? FW_NR_REG : FW_MAX_REG);
	switch (op->kind) {
	case FW_MMAP:
		op->count = (uint8_t)ksml_fuzz_range(fd, 1, FW_MAX_PAGES);
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 15); /* flag variant */
		break;
	case FW_MUNMAP:
	case FW_MADV_MERGE:
	case FW_MADV_UNMERGE:
	case FW_MADV_DONTNEED:
	case FW_MADV_HUGE:
	case FW_MADV_NOHUGE:
	case FW_WRITE:
	case FW_WRITE_PATCH:
	case FW_WRITE_FORCE:
		op->page = (uint8_t)ksml_fuzz_pick(fd, FW_MAX_PAGES);
		op->count = (uint8_t)ksml_fuzz_range(fd, 1, FW_MAX_PAGES);
		op->pat = (uint8_t)ksml_fuzz_pick(fd, FW_NR_PATTERNS);
		op->pat2 = (uint8_t)ksml_fuzz_pick(fd, FW_NR_PATTERNS);
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 3);
		break;
	case FW_MREMAP:
		op->count = (uint8_t)ksml_fuzz_range(fd, 1, FW_MAX_PAGES);
		break;
	case FW_PRCTL:
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 2);
		break;
	case FW_PIN:
	case FW_UNPIN:
	case FW_MIGRATE:
	case FW_READ_INFO:
		op->page = (uint8_t)ksml_fuzz_pick(fd, FW_MAX_PAGES);
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 3);
		break;
	case FW_KNOB:
		op->n = ksml_fuzz_range(fd, 0, 255);   /* knob index */
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 31); /* value */
		break;
	case FW_RUN:
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 3);
		break;
	case FW_SCAN:
		op->n = ksml_fuzz_range(fd, 1, 300);
		break;
	case FW_SCAN_FULL:
		op->n = ksml_fuzz_range(fd, 1, 3);
		break;
	case FW_FAIL:
		op->n = ksml_fuzz_range(fd, 1, 12);
		break;
	case FW_HOTPLUG:
	case FW_THP_MODE:
		op->x = (uint8_t)ksml_fuzz_range(fd, 0, 3);
		break;
	default:
		break;
	}
}

/* --------------------------------------------------------------- verify */

FW_FN void fw_verify_region(struct fw_world *w, int m, int r)
{
	struct fw_mm *fm = &w->mms[m];
	struct fw_region *reg = &fm->reg[r];
	unsigned int p;

	if (!fm->mm || !reg->used || reg->ghost)
		return;
	for (p = 0; p < reg->npages; p++) {
		struct fw_page *pg = &reg->pg[p];
		unsigned long addr = fw_page_addr(w, r, reg, p);
		int err;

		if (!pg->mapped)
			continue;
		err = ksml_vm_read(fm->mm, addr, w->buf, KSML_PAGE_SIZE);
		if (err)
			fw_fail("actor %d: read of mapped page mm%d %#lx failed: %d", w->id,
				m, addr, err);
		fw_fill(w->want, pg->pat, pg->has_patch, pg->patch);
		if (memcmp(w->buf, w->want, KSML_PAGE_SIZE) != 0) {
			size_t i = 0;

			while (w->buf[i] == w->want[i])
				i++;
			fw_fail("actor %d: page mm%d %#lx does not read back its last write "
				"(pattern %u patch %d/%u): byte %zu is %#x, want %#x",
				w->id, m, addr, pg->pat, pg->has_patch, pg->patch, i,
				w->buf[i], w->want[i]);
		}
		if (pg->pins) {
			struct ksml_page_info info;

			err = ksml_vm_page_info(fm->mm, addr, &info);
			if (err)
				fw_fail("actor %d: page_info of pinned %#lx failed: %d",
					w->id, addr, err);
			if (info.ksm || info.zero)
				fw_fail("actor %d: pinned page mm%d %#lx is %s", w->id, m,
					addr, info.ksm ? "a KSM page" : "the zero page");
		}
	}
}

FW_FN void fw_verify(struct fw_world *w)
{
	int m, r;

	for (m = 0; m < FW_MAX_MM; m++)
		for (r = 0; r < FW_NR_REG; r++)
			fw_verify_region(w, m, r);
}

/* ------------------------------------------------------------ execution */

FW_FN void fw_unpin_region(struct fw_world *w, int m, int r)
{
	struct fw_region *reg = &w->mms[m].reg[r];
	unsigned int p;

	for (p = 0; p < reg->npages; p++) {
		while (reg->pg[p].pins) {
			int err = ksml_vm_unpin(w->mms[m].mm, fw_page_addr(w, r, reg, p));

			if (err)
				fw_fail("actor %d: unpin of a pinned page failed: %d", w->id,
					err);
			reg->pg[p].pins--;
		}
	}
}

FW_FN void fw_exit_mm(struct fw_world *w, int m)
{
	int r;

	if (!w->mms[m].mm)
		return;
	for (r = 0; r < FW_NR_REG; r++)
		if (w->mms[m].reg[r].used)
			fw_unpin_region(w, m, r);
	ksml_mm_exit(w->mms[m].mm);
	memset(&w->mms[m], 0, sizeof(w->mms[m]));
}

FW_FN unsigned int fw_map_flags(uint8_t x, int nr_nodes)
{
	static const unsigned int variants[16] = {
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_BIONIC,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_BIONIC,
		KSML_MAP_SHARED | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_RDONLY,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_PFNMAP,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_HUGETLB,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_DROPPABLE,
		KSML_MAP_PRIVATE, /* a private file-like mapping */
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
		KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
	};
	unsigned int f = variants[x & 15] | KSML_MAP_FIXED;

#ifdef KSML_MAP_NODE
	/* place some mappings on the second (maybe simulated) node */
	if (nr_nodes > 1 && (x == 4 || x == 5 || x == 14))
		f |= KSML_MAP_NODE(1);
#endif
	return f;
}

FW_FN void fw_do_mmap(struct fw_world *w, struct fw_mm *fm, int r, const struct fw_op *op)
{
	struct fw_region *reg = &fm->reg[r];
	unsigned int flags = fw_map_flags(op->x, w->nr_nodes);
	unsigned long addr = fw_region_addr(w, r, false), out = 0;
	unsigned int p, npages;
	int err;

	if (reg->used)
		return;
	if (op->x == 15) {
		/* no MAP_FIXED: the model picks the place; only exercised */
		err = ksml_vm_mmap(fm->mm, 0, (unsigned long)op->count * KSML_PAGE_SIZE,
				   KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS, &out);
		if (!err && ksml_vm_munmap(fm->mm, out,
					   (unsigned long)op->count * KSML_PAGE_SIZE) != 0 &&
		    !__atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED))
			fw_fail("actor %d: munmap of a fresh mapping failed", w->id);
		return;
	}
	/* the huge region: one PMD's worth (a THP may fault), or less */
	npages = r == FW_HUGE_REG ? (op->count >= 8 ? FW_HUGE_PAGES : op->count * 64u) :
				    op->count;
	err = ksml_vm_mmap(fm->mm, addr, (unsigned long)npages * KSML_PAGE_SIZE, flags, &out);
	if (err)
		return;
	if (out != addr)
		fw_fail("actor %d: MAP_FIXED mmap at %#lx returned %#lx", w->id, addr, out);
	memset(reg, 0, sizeof(*reg));
	reg->used = true;
	reg->flags = flags;
	reg->npages = npages;
	for (p = 0; p < reg->npages; p++)
		reg->pg[p].mapped = true;
}

FW_FN void fw_do_munmap(struct fw_world *w, struct fw_mm *fm, int r, const struct fw_op *op)
{
	struct fw_region *reg = &fm->reg[r];
	unsigned int p, first = op->page * fw_unit(r), n = op->count * fw_unit(r);
	int err;

	if (!reg->used)
		return;
	if (op->x == 0 || first >= reg->npages) {
		first = 0;
		n = reg->npages;
	}
	if (first + n > reg->npages)
		n = reg->npages - first;
	fw_unpin_region(w, (int)(fm - w->mms), r);
	err = ksml_vm_munmap(fm->mm, fw_page_addr(w, r, reg, first),
			     (unsigned long)n * KSML_PAGE_SIZE);
	if (err && __atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED)) {
		reg->ghost = true; /* a split failed half-way: contents unknown */
		return;
	}
	if (err)
		fw_fail("actor %d: munmap failed: %d", w->id, err);
	for (p = first; p < first + n; p++)
		reg->pg[p].mapped = false;
	for (p = 0; p < reg->npages; p++)
		if (reg->pg[p].mapped)
			return;
	reg->used = false;
}

FW_FN void fw_do_mremap(struct fw_world *w, struct fw_mm *fm, int r, const struct fw_op *op)
{
	struct fw_region *reg = &fm->reg[r];
	unsigned long old = fw_region_addr(w, r, reg->at_alt);
	unsigned long new_addr = fw_region_addr(w, r, !reg->at_alt);
	unsigned int p, moved, npages = op->count * fw_unit(r);
	int err;

	if (!reg->used || reg->ghost)
		return;
	if (npages > FW_HUGE_PAGES)
		npages = FW_HUGE_PAGES;
	for (p = 0; p < reg->npages; p++)
		if (!reg->pg[p].mapped)
			return; /* holes: several VMAs, mremap refuses */
	fw_unpin_region(w, (int)(fm - w->mms), r);
	err = ksml_vm_mremap(fm->mm, old, (unsigned long)reg->npages * KSML_PAGE_SIZE,
			     (unsigned long)npages * KSML_PAGE_SIZE, new_addr);
	if (err && __atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED)) {
		reg->ghost = true; /* what moved stays moved: contents unknown */
		return;
	}
	if (err) {
		/* nothing may have moved on a refusal */
		fw_verify_region(w, (int)(fm - w->mms), r);
		return;
	}
	moved = npages < reg->npages ? npages : reg->npages;
	for (p = moved; p < npages; p++) {
		memset(&reg->pg[p], 0, sizeof(reg->pg[p]));
		reg->pg[p].mapped = true;
	}
	reg->npages = npages;
	reg->at_alt = !reg->at_alt;
}

FW_FN bool fw_writable(const struct fw_region *reg)
{
	return !(reg->flags & KSML_MAP_RDONLY);
}

FW_FN void fw_do_write(struct fw_world *w, struct fw_mm *fm, int r, const struct fw_op *op)
{
	struct fw_region *reg = &fm->reg[r];
	unsigned int p, i, first = op->page * fw_unit(r);

	if (!reg->used || reg->ghost || first >= reg->npages)
		return;
	for (i = 0, p = first; i < op->count && p < reg->npages; i++, p++) {
		struct fw_page *pg = &reg->pg[p];
		unsigned long addr = fw_page_addr(w, r, reg, p);
		bool force = op->kind == FW_WRITE_FORCE;
		int err;

		if (!pg->mapped)
			continue;
		if (op->kind == FW_WRITE_PATCH) {
			uint8_t v = (uint8_t)(op->pat + 1 + i * (op->x & 1));

			memset(w->buf, v, FW_PATCH_LEN);
			err = ksml_vm_write(fm->mm, addr + FW_PATCH_OFF, w->buf, FW_PATCH_LEN);
			if (!err) {
				pg->has_patch = true;
				pg->patch = v;
			}
		} else {
			/* same pattern everywhere, or alternating two patterns */
			uint8_t pat = (op->x & 2) && (i & 1) ? op->pat2 : op->pat;

			fw_fill(w->buf, pat, false, 0);
			err = force ? ksml_vm_write_force(fm->mm, addr, w->buf, KSML_PAGE_SIZE) :
				      ksml_vm_write(fm->mm, addr, w->buf, KSML_PAGE_SIZE);
			if (!err) {
				pg->pat = pat;
				pg->has_patch = false;
			}
		}
		if (!err && !force && !fw_writable(reg))
			fw_fail("actor %d: write to a read-only mapping succeeded", w->id);
		if (err && (force || fw_writable(reg)) && err != -KSML_ENOMEM)
			fw_fail("actor %d: %s write at %#lx failed: %d", w->id,
				force ? "forced" : "plain", addr, err);
	}
}

FW_FN void fw_do_madvise(struct fw_world *w, struct fw_mm *fm, int r, const struct fw_op *op)
{
	struct fw_region *reg = &fm->reg[r];
	unsigned int first = op->page * fw_unit(r), n = op->count * fw_unit(r), p;
	int advice, err;

	if (!reg->used)
		return;
	if (op->x == 0 || first >= reg->npages) {
		first = 0;
		n = reg->npages;
	}
	if (first + n > reg->npages)
		n = reg->npages - first;
	advice = op->kind == FW_MADV_MERGE     ? KSML_MADV_MERGEABLE :
		 op->kind == FW_MADV_UNMERGE   ? KSML_MADV_UNMERGEABLE :
		 op->kind == FW_MADV_HUGE      ? KSML_MADV_HUGEPAGE :
		 op->kind == FW_MADV_NOHUGE    ? KSML_MADV_NOHUGEPAGE :
						 KSML_MADV_DONTNEED;
	if (advice == KSML_MADV_DONTNEED) {
		if (reg->ghost)
			return;
		fw_unpin_region(w, (int)(fm - w->mms), r);
	}
	err = ksml_vm_madvise(fm->mm, fw_page_addr(w, r, reg, first),
			      (unsigned long)n * KSML_PAGE_SIZE, advice);
	if (err && advice == KSML_MADV_DONTNEED &&
	    __atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED)) {
		reg->ghost = true; /* a split may have failed half-way */
		return;
	}
	/* THP advice only changes flags: EINVAL or a failure is a bug */
	if ((advice == KSML_MADV_HUGEPAGE || advice == KSML_MADV_NOHUGEPAGE) && err &&
	    err != -KSML_ENOMEM)
		fw_fail("actor %d: madvise(%s) failed: %d", w->id,
			advice == KSML_MADV_HUGEPAGE ? "HUGEPAGE" : "NOHUGEPAGE", err);
	if (advice == KSML_MADV_UNMERGEABLE)
		reg->merge_advised = false;
	if (advice == KSML_MADV_MERGEABLE && !err && first == 0 && n == reg->npages &&
	    !(reg->flags & (KSML_MAP_SHARED | KSML_MAP_PFNMAP | KSML_MAP_HUGETLB |
			    KSML_MAP_DROPPABLE | KSML_MAP_IO | KSML_MAP_DONTEXPAND |
			    KSML_MAP_MIXEDMAP))) {
		reg->merge_advised = true;
		for (p = 0; p < reg->npages; p++)
			if (!reg->pg[p].mapped)
				reg->merge_advised = false;
	}
	/* holes: madvise(2) still acts on the mapped parts, then says ENOMEM */
	if (err && err != -KSML_ENOMEM)
		return;
	if (advice == KSML_MADV_DONTNEED && !(reg->flags & KSML_MAP_SHARED))
		for (p = first; p < first + n; p++)
			if (reg->pg[p].mapped) {
				reg->pg[p].pat = 0;
				reg->pg[p].has_patch = false;
			}
}

/* KSML_FUZZ_TRACE=1: print every operation (to read a crash input) */
FW_FN bool fw_tracing(void)
{
	static int trace = -1; /* threads race to set the same value: atomics */
	int t = __atomic_load_n(&trace, __ATOMIC_RELAXED);

	if (t < 0) {
		const char *v = getenv("KSML_FUZZ_TRACE");

		t = v && *v && *v != '0';
		__atomic_store_n(&trace, t, __ATOMIC_RELAXED);
	}
	return t;
}

static const char *const fw_knob_values[32] __attribute__((unused)) = {
	"0", "1", "2", "3", "0\n", "1\n", "2\n", "5", "8", "16", "100", "256",
	"N", "-1", "abc", "", "4294967296", "none", "scan-time", "y", "n",
	"on", "off", "0x10", " 1", "oN", "10000000", "2000", "+3", "4", "none\n",
	"scan-time\n",
};

/*
 * Text that no writable knob accepts, whatever it parses (unsigned, int,
 * bool, "none"/"scan-time"): a sign or an 'o' alone, an overflow of 64
 * bits, an int below INT_MIN, a bare newline.  Each must be refused and
 * leave the knob's value as it was; unknown names, a NULL buffer and out
 * of range indices are refused too.
 */
static const char *const fw_knob_garbage_values[] __attribute__((unused)) = {
	"+", "-", "o", "oz", "-x", "\n", "99999999999999999999", "-2147483649",
};

FW_FN void fw_knob_garbage(struct fw_world *w, const struct ksml_knob_info *ki)
{
	char was[64], now[64];
	unsigned int i;
	int rc;

	if (ksml_knob_write(w->ksm, "no_such_knob", "1", 1) != -KSML_ENOENT ||
	    ksml_knob_read(w->ksm, "no_such_knob", was, sizeof(was)) != -KSML_ENOENT ||
	    ksml_knob_write(w->ksm, NULL, "1", 1) != -KSML_ENOENT)
		fw_fail("a knob that does not exist was not refused with ENOENT");
	if (ksml_knob_at(-1) || ksml_knob_at(ksml_knob_count()))
		fw_fail("ksml_knob_at gave a knob for an index out of range");
	if (!ki->writable)
		return;
	if (ksml_knob_write(w->ksm, ki->name, NULL, 1) != -KSML_EINVAL)
		fw_fail("knob %s: a NULL buffer was not refused with EINVAL", ki->name);
	if (ksml_knob_read(w->ksm, ki->name, was, sizeof(was)) <= 0)
		fw_fail("knob %s cannot be read", ki->name);
	for (i = 0; i < sizeof(fw_knob_garbage_values) / sizeof(fw_knob_garbage_values[0]); i++) {
		const char *g = fw_knob_garbage_values[i];

		rc = ksml_knob_write(w->ksm, ki->name, g, strlen(g));
		if (rc >= 0)
			fw_fail("knob %s accepted \"%s\"", ki->name, g);
		if (!w->concurrent && (ksml_knob_read(w->ksm, ki->name, now, sizeof(now)) <= 0 ||
				       strcmp(was, now)))
			fw_fail("knob %s changed from %s to %s on a refused write of \"%s\"",
				ki->name, was, now, g);
	}
}

FW_FN void fw_do_knob(struct fw_world *w, const struct fw_op *op)
{
	int nk = ksml_knob_count();
	const struct ksml_knob_info *ki;
	const char *val;
	struct ksml_counters before;
	char old[64], now[64];
	int rc, rd;

	if (nk <= 0)
		return;
	ki = ksml_knob_at((int)(op->n % (unsigned int)nk));
	if (!ki)
		return;
	val = fw_knob_values[op->x & 31];
	/* the fuzzers must not stop ksmd forever nor make a scan unbounded */
	if (!strcmp(ki->name, "pages_to_scan") && strlen(val) > 5)
		val = "1000";
	if (!strcmp(ki->name, "advisor_min_pages_to_scan") && strlen(val) > 5)
		val = "1000";
	ksml_get_counters(w->ksm, &before);
	rd = ksml_knob_read(w->ksm, ki->name, old, sizeof(old));
	rc = ksml_knob_write(w->ksm, ki->name, val, strlen(val));
	if (fw_tracing())
		fprintf(stderr, "   knob %s = \"%s\" -> %d\n", ki->name, val, rc);
	if (!ki->writable && rc >= 0)
		fw_fail("write to read-only knob %s succeeded", ki->name);
	if (ki->writable && !strcmp(val, "abc") && rc >= 0)
		fw_fail("knob %s accepted \"abc\"", ki->name);
	if (rc >= 0 && rd > 0 && before.pages_shared != 0 && !w->concurrent &&
	    (!strcmp(ki->name, "max_page_sharing") ||
	     !strcmp(ki->name, "merge_across_nodes")) &&
	    ksml_knob_read(w->ksm, ki->name, now, sizeof(now)) > 0 && strcmp(old, now))
		fw_fail("%s changed from %s to %s while pages_shared = %lu", ki->name, old,
			now, before.pages_shared);
	fw_knob_garbage(w, ki);
}

/*
 * Calls the memory API must refuse, and how (as the kernel's mmap, munmap,
 * mremap, madvise, migrate_pages): zero or unaligned lengths and
 * addresses, no mapping type, a node that does not exist, an address
 * beyond the VA space, MAP_FIXED_NOREPLACE over a mapping, an mremap onto
 * itself or from nothing, an unknown advice.  Each leaves everything as it
 * was (the verify after the op checks the region).  An allocation the
 * call makes before its check may fail when a failure is injected.
 */
FW_FN void fw_expect_err(struct fw_world *w, int got, int want, const char *what)
{
	if (got == want)
		return;
	if (got == -KSML_ENOMEM && __atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED))
		return;
	fw_fail("actor %d: %s returned %d, want %d", w->id, what, got, want);
}

FW_FN void fw_probe_refused(struct fw_world *w, struct fw_mm *fm, int r)
{
	const struct fw_region *reg = &fm->reg[r];
	const unsigned int anon = KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS;
	const unsigned long ps = KSML_PAGE_SIZE, base = fw_region_addr(w, r, false);
	/* never mapped: between the region's place and its mremap place */
	const unsigned long hole = base + 0x4000000ul, far = ~0ul & ~(ps - 1);
	unsigned long out = 0;
	char b[8];

	fw_expect_err(w, ksml_vm_mmap(fm->mm, hole, 0, anon | KSML_MAP_FIXED, &out),
		      -KSML_EINVAL, "mmap of length 0");
	fw_expect_err(w, ksml_vm_mmap(fm->mm, hole, ps, KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out),
		      -KSML_EINVAL, "mmap neither shared nor private");
	fw_expect_err(w, ksml_vm_mmap(fm->mm, hole, ps,
				      anon | KSML_MAP_FIXED | KSML_MAP_NODE(w->nr_nodes), &out),
		      -KSML_EINVAL, "mmap on a node that does not exist");
	fw_expect_err(w, ksml_vm_mmap(fm->mm, hole + 1, ps, anon | KSML_MAP_FIXED, &out),
		      -KSML_EINVAL, "mmap MAP_FIXED at an unaligned address");
	fw_expect_err(w, ksml_vm_mmap(fm->mm, far, 2 * ps, anon | KSML_MAP_FIXED, &out),
		      -KSML_EINVAL, "mmap MAP_FIXED beyond the VA space");
	if (reg->used && !reg->at_alt && reg->pg[0].mapped &&
	    !__atomic_load_n(&fw_fail_injected, __ATOMIC_RELAXED))
		fw_expect_err(w, ksml_vm_mmap(fm->mm, base, ps, anon | KSML_MAP_FIXED_NOREPLACE,
					      &out),
			      -KSML_EEXIST, "mmap MAP_FIXED_NOREPLACE over a mapping");
	fw_expect_err(w, ksml_vm_munmap(fm->mm, hole + 1, ps), -KSML_EINVAL,
		      "munmap at an unaligned address");
	fw_expect_err(w, ksml_vm_munmap(fm->mm, hole, 0), -KSML_EINVAL, "munmap of length 0");
	fw_expect_err(w, ksml_vm_mremap(fm->mm, hole + 1, ps, ps, hole + 2 * ps), -KSML_EINVAL,
		      "mremap from an unaligned address");
	fw_expect_err(w, ksml_vm_mremap(fm->mm, hole, 2 * ps, 2 * ps, hole + ps), -KSML_EINVAL,
		      "mremap onto an overlapping range");
	fw_expect_err(w, ksml_vm_mremap(fm->mm, hole, ps, ps, hole + 4 * ps), -KSML_EFAULT,
		      "mremap of an unmapped range");
	fw_expect_err(w, ksml_vm_madvise(fm->mm, hole + 1, ps, KSML_MADV_MERGEABLE),
		      -KSML_EINVAL, "madvise at an unaligned address");
	fw_expect_err(w, ksml_vm_madvise(fm->mm, hole, 0, KSML_MADV_MERGEABLE), 0,
		      "madvise of length 0");
	fw_expect_err(w, ksml_vm_madvise(fm->mm, far, 2 * ps, KSML_MADV_MERGEABLE),
		      -KSML_EINVAL, "madvise beyond the VA space");
	fw_expect_err(w, ksml_vm_madvise(fm->mm, hole, ps, 12345), -KSML_EINVAL,
		      "madvise with an unknown advice");
	fw_expect_err(w, ksml_vm_migrate(fm->mm, base, -1), -KSML_EINVAL,
		      "migrate to node -1");
	fw_expect_err(w, ksml_vm_migrate(fm->mm, base, w->nr_nodes), -KSML_EINVAL,
		      "migrate to a node that does not exist");
	fw_expect_err(w, ksml_vm_read(fm->mm, far, b, sizeof(b)), -KSML_EFAULT,
		      "read beyond the VA space");
	fw_expect_err(w, ksml_vm_write(fm->mm, hole, b, sizeof(b)), -KSML_EFAULT,
		      "write to an unmapped address");
}

FW_FN void fw_exec_op(struct fw_world *w, const struct fw_op *op)
{
	struct fw_mm *fm = &w->mms[op->mm % FW_MAX_MM];
	int r = op->reg % FW_NR_REG;
	int m = op->mm % FW_MAX_MM, c;
	/* the page an op on one page names (pin, migrate, info) */
	unsigned int pi = op->page * fw_unit(r) + (r == FW_HUGE_REG ? op->x : 0);
	int err;

	w->ops_done++;
	if (fw_tracing())
		fprintf(stderr, "op %lu actor %d: %s mm%d reg%d page %u count %u pat %u/%u x %u n %u%s\n",
			w->ops_done, w->id, fw_kind_names[op->kind], m, r, op->page, op->count,
			op->pat, op->pat2, op->x, op->n, fm->mm || op->kind >= FW_KNOB ? "" : " (no mm)");
	if (op->kind != FW_MM_CREATE && op->kind < FW_KNOB && !fm->mm)
		return;
	switch (op->kind) {
	case FW_MM_CREATE:
		if (!fm->mm && ksml_mm_create(w->ksm, &fm->mm) != 0)
			fm->mm = NULL;
		break;
	case FW_MM_EXIT:
		fw_exit_mm(w, m);
		break;
	case FW_MM_FORK:
		for (c = 0; c < FW_MAX_MM; c++)
			if (!w->mms[c].mm)
				break;
		if (c == FW_MAX_MM)
			break;
		err = ksml_mm_fork(fm->mm, &w->mms[c].mm);
		if (err) {
			w->mms[c].mm = NULL;
			break;
		}
		memcpy(w->mms[c].reg, fm->reg, sizeof(fm->reg));
		for (r = 0; r < FW_NR_REG; r++) {
			unsigned int p;

			/* a shared mapping is now written by two owners */
			if (fm->reg[r].used && (fm->reg[r].flags & KSML_MAP_SHARED))
				w->mms[c].reg[r].ghost = true;
			for (p = 0; p < FW_HUGE_PAGES; p++)
				w->mms[c].reg[r].pg[p].pins = 0;
		}
		fw_verify(w);
		break;
	case FW_MMAP:
		fw_do_mmap(w, fm, r, op);
		break;
	case FW_MUNMAP:
		fw_do_munmap(w, fm, r, op);
		break;
	case FW_MREMAP:
		fw_do_mremap(w, fm, r, op);
		break;
	case FW_WRITE:
	case FW_WRITE_PATCH:
	case FW_WRITE_FORCE:
		fw_do_write(w, fm, r, op);
		break;
	case FW_MADV_MERGE:
	case FW_MADV_UNMERGE:
	case FW_MADV_DONTNEED:
	case FW_MADV_HUGE:
	case FW_MADV_NOHUGE:
		fw_do_madvise(w, fm, r, op);
		break;
	case FW_PRCTL:
		if (op->x == 2) {
			err = ksml_vm_prctl_get_memory_merge(fm->mm);
			if (err != 0 && err != 1)
				fw_fail("PR_GET_MEMORY_MERGE returned %d", err);
		} else {
			/* disabling merge-any unmerges every VM_MERGEABLE VMA */
			if (op->x == 0)
				for (c = 0; c < FW_NR_REG; c++)
					fm->reg[c].merge_advised = false;
			if (ksml_vm_prctl_set_memory_merge(fm->mm, op->x) != 0)
				break;
			err = ksml_vm_prctl_get_memory_merge(fm->mm);
			if (err != op->x && !w->concurrent)
				fw_fail("prctl set %u then get gave %d", op->x, err);
		}
		break;
	case FW_PIN:
	case FW_UNPIN: {
		struct fw_region *reg = &fm->reg[r];
		struct fw_page *pg;
		unsigned long addr;

		if (!reg->used || reg->ghost || pi >= reg->npages)
			break;
		pg = &reg->pg[pi];
		addr = fw_page_addr(w, r, reg, pi);
		if (!pg->mapped)
			break;
		if (op->kind == FW_PIN) {
			if (pg->pins >= 3)
				break;
			err = ksml_vm_pin(fm->mm, addr);
			if (!err)
				pg->pins++;
		} else if (pg->pins) {
			err = ksml_vm_unpin(fm->mm, addr);
			if (err)
				fw_fail("unpin of a pinned page failed: %d", err);
			pg->pins--;
		}
		break;
	}
	case FW_MIGRATE: {
		struct fw_region *reg = &fm->reg[r];

		if (!reg->used || pi >= reg->npages || !reg->pg[pi].mapped)
			break;
		ksml_vm_migrate(fm->mm, fw_page_addr(w, r, reg, pi),
				(int)(op->x % (unsigned int)(w->nr_nodes > 1 ? w->nr_nodes : 1)));
		break;
	}
	case FW_READ_INFO: {
		struct fw_region *reg = &fm->reg[r];
		struct ksml_page_info info;
		struct ksml_mm_stat st;

		if (ksml_mm_get_stat(fm->mm, &st) != 0)
			fw_fail("ksml_mm_get_stat failed");
		if (!w->concurrent && ksml_vm_frames_in_use(w->ksm) == 0 && st.ksm_rmap_items)
			fw_fail("rmap_items of mm%d but no frame in use", m);
		if (op->x == 2)
			fw_probe_refused(w, fm, r);
		if (!w->concurrent && st.anon_huge_kb % (FW_HUGE_PAGES * KSML_PAGE_SIZE / 1024))
			fw_fail("AnonHugePages of mm%d is %lu kB: not whole PMDs", m,
				(unsigned long)st.anon_huge_kb);
		if (!reg->used || pi >= reg->npages)
			break;
		err = ksml_vm_page_info(fm->mm, fw_page_addr(w, r, reg, pi), &info);
		if (fw_tracing())
			fprintf(stderr, "   page %u: err %d present %d ksm %d zero %d thp %d pmd %d, "
				"AnonHugePages %lu kB\n", pi, err, info.present, info.ksm, info.zero,
				info.thp, info.pmd_mapped, (unsigned long)st.anon_huge_kb);
		if (!err && info.ksm && info.zero)
			fw_fail("page info: both KSM frame and zero page");
		/* a THP subpage is never a KSM page (merging splits the folio) */
		if (!err && (info.thp || info.pmd_mapped) &&
		    (!info.present || info.zero || info.ksm || (info.pmd_mapped && !info.thp)))
			fw_fail("page info of mm%d %#lx: thp %d pmd_mapped %d present %d "
				"zero %d ksm %d", m, fw_page_addr(w, r, reg, pi), info.thp,
				info.pmd_mapped, info.present, info.zero, info.ksm);
		break;
	}
	case FW_KNOB:
		fw_do_knob(w, op);
		break;
	case FW_THP_MODE: {
		/* x 3: a mode that does not exist, refused, nothing changes */
		int was = ksml_vm_get_thp_mode(w->ksm), want = op->x == 3 ? was : op->x;

		err = ksml_vm_set_thp_mode(w->ksm, op->x == 3 ? 3 : op->x);
		if (err != (op->x == 3 ? -KSML_EINVAL : 0) ||
		    (!w->concurrent && ksml_vm_get_thp_mode(w->ksm) != want))
			fw_fail("thp mode %u: set returned %d, mode now %d (was %d)", op->x, err,
				ksml_vm_get_thp_mode(w->ksm), was);
		break;
	}
	case FW_RUN:
		ksml_set_run(w->ksm, op->x == 3 ? 1 : op->x);
		break;
	case FW_SCAN:
		if (w->clock_ns)
			*w->clock_ns += (uint64_t)(op->n % 8) * 250000000ull;
		ksml_scan_pages(w->ksm, op->n);
		break;
	case FW_SCAN_FULL:
		if (w->clock_ns)
			*w->clock_ns += (uint64_t)op->n * 1000000000ull;
		ksml_scan_full(w->ksm, op->n, 16);
		break;
	case FW_FAIL:
		__atomic_store_n(&fw_fail_injected, true, __ATOMIC_RELAXED);
		ksml_plat_fail_nth((long)op->n);
		w->fail_armed = 2; /* this op and the next */
		break;
	case FW_HOTPLUG: {
		/*
		 * A range no frame has (the walk runs, removes nothing), or for
		 * mm 2 one of the first 3 x 512 frames: the stable nodes of
		 * their KSM pages go, the pages stay mapped read-only with
		 * their contents (they break on write), as the verify checks.
		 * Only alone: the kernel offlines memory whose pages were
		 * migrated away first, the model's pages stay mapped, so no
		 * other actor may be using them meanwhile.
		 */
		bool real = op->mm == 2 && !w->concurrent;
		unsigned long start = real ? (unsigned long)op->reg * 512 : 1ul << 40;
		unsigned long nr = real ? 512 : 16;

		/* notifications no state accepts */
		if (ksml_memory_notify(w->ksm, KSML_MEM_OFFLINE, start, 0) != -KSML_EINVAL ||
		    ksml_memory_notify(w->ksm, KSML_MEM_OFFLINE, ~0ul - 8, 16) != -KSML_EINVAL ||
		    ksml_memory_notify(w->ksm, (enum ksml_mem_action)7, start, 16) != -KSML_EINVAL)
			fw_fail("a memory notification of no pages, of a range that wraps, or "
				"of no known action was not refused");

		if (op->x == 0) {
			ksml_memory_notify(w->ksm, KSML_MEM_GOING_OFFLINE, start, nr);
			ksml_memory_notify(w->ksm, KSML_MEM_CANCEL_OFFLINE, start, nr);
		} else if (op->x == 1) {
			ksml_memory_notify(w->ksm, KSML_MEM_GOING_OFFLINE, start, nr);
			err = ksml_memory_notify(w->ksm, KSML_MEM_OFFLINE, start, nr);
			if (err)
				fw_fail("MEM_OFFLINE after GOING_OFFLINE failed: %d", err);
		} else if (op->x == 2) {
			ksml_memory_notify(w->ksm, KSML_MEM_OFFLINE, start, nr);
		} else {
			ksml_memory_notify(w->ksm, KSML_MEM_CANCEL_OFFLINE, start, nr);
		}
		break;
	}
	default:
		break;
	}
}

FW_FN void fw_exec(struct fw_world *w, const struct fw_op *op)
{
	fw_exec_op(w, op);
	/* an injected failure lives for the FW_FAIL op and the next one */
	if (w->fail_armed && --w->fail_armed == 0)
		ksml_plat_fail_nth(0);
}

FW_FN void fw_init(struct fw_world *w, struct ksml *ksm, int id, bool global_ops,
		    int nr_nodes)
{
	memset(w, 0, sizeof(*w));
	__atomic_store_n(&fw_fail_injected, false, __ATOMIC_RELAXED);
	w->ksm = ksm;
	w->id = id;
	w->global_ops = global_ops;
	w->nr_nodes = nr_nodes;
	w->buf = malloc(KSML_PAGE_SIZE);
	w->want = malloc(KSML_PAGE_SIZE);
	if (!w->buf || !w->want)
		fw_fail("out of memory");
}

/*
 * After a successful run=2 nothing may stay merged in a VM_MERGEABLE VMA
 * while run is still 2: every mm on the list was walked (even one that
 * entered during the walk: it is appended behind it) and ksmd merges
 * nothing meanwhile.  Only regions known to be mergeable are checked: a
 * KSM page may legally stay mapped elsewhere (a child forked before its
 * parent's madvise shares the frame KSM turned into a KSM page).
 */
FW_FN void fw_check_unmerged(struct fw_world *w)
{
	int m, r;
	unsigned int p;

	for (m = 0; m < FW_MAX_MM; m++) {
		struct fw_mm *fm = &w->mms[m];

		if (!fm->mm)
			continue;
		for (r = 0; r < FW_MAX_REG; r++) {
			struct fw_region *reg = &fm->reg[r];

			if (!reg->used || !reg->merge_advised)
				continue;
			for (p = 0; p < reg->npages; p++) {
				struct ksml_page_info info;
				unsigned long addr = fw_page_addr(w, r, reg, p);

				if (!reg->pg[p].mapped ||
				    ksml_vm_page_info(fm->mm, addr, &info) != 0)
					continue;
				if (info.ksm || info.ksm_zero)
					fw_fail("actor %d: run is 2 (unmerged) but mm%d %#lx still "
						"maps a %s", w->id, m, addr,
						info.ksm ? "KSM page" : "KSM zero page");
			}
		}
	}
}

/* unpin and exit every address space, free the scratch pages */
FW_FN void fw_teardown(struct fw_world *w)
{
	int m;

	for (m = 0; m < FW_MAX_MM; m++)
		fw_exit_mm(w, m);
	free(w->buf);
	free(w->want);
	w->buf = w->want = NULL;
}

/*
 * Open issues already reported (fuzz/known/suppressions.txt, passed in
 * KSML_FUZZ_SUPPRESS, one substring per line): an invariant message that
 * contains one is noted on stderr (once per process) instead of failing,
 * so fuzzing goes on and their crash inputs can stay in the corpus.
 */
FW_FN bool fw_suppressed(const char *msg)
{
	static bool said;
	const char *list = getenv("KSML_FUZZ_SUPPRESS");
	char pat[256];

	while (list && *list) {
		size_t n = strcspn(list, "\n");

		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, list, n);
			pat[n] = 0;
			if (strstr(msg, pat)) {
				if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
					fprintf(stderr, "fuzz: suppressed known issue: %s\n", msg);
				return true;
			}
		}
		list += n;
		list += *list == '\n';
	}
	return false;
}

FW_FN void fw_check_core(struct ksml *ksm, long warn_base, const char *when)
{
	char msg[512];

	msg[0] = 0;
	if (ksml_check_invariants(ksm, msg, sizeof(msg)) != 0 && !fw_suppressed(msg))
		fw_fail("invariants broken %s: %s", when, msg);
	if (ksml_warn_count() != warn_base)
		fw_fail("KSML_WARN_ON fired %s (%ld warnings)", when,
			ksml_warn_count() - warn_base);
}

#endif /* KSML_FUZZ_WORLD_H */

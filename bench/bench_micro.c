// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_micro.c - micro benchmarks of ksmlab, in C over gbench_c.h.
 *
 *   BM_page_read/WS          one read of a page (sum of its words): the bound
 *   BM_checksum_<hash>/WS    page checksum: xxh64 (low 32 bits, what the core
 *                            and the kernel use), XXH3_64bits, crc32c (table
 *                            and SSE4.2), jhash2 (the kernel's pre-5.x choice)
 *   BM_page_cmp_<fn>_<case>/WS  memcmp and ksml_plat_page_cmp on equal pages,
 *                            pages differing at byte 0, in the last 8 bytes
 *   through the core:
 *   BM_unstable_tree/N/index full scans building an unstable tree of N nodes
 *   BM_stable_tree/N         stable-tree search hit + replace (write_protect +
 *                            replace_page) of probe pages, N stable nodes
 *   BM_merge_two_pages       unstable hit: try_to_merge_two_pages + stable
 * insert BM_cow_break             a write to a merged page (COW fault)
 *   BM_enter_exit            madvise(MERGEABLE) on a fresh mm (ksm_enter) +
 * exit
 *
 * WS is the working set in pages: 1 is hot in L1, 2048 (8 MiB) sits in the
 * last-level cache, 16384 (64 MiB) is larger than it: pages come from DRAM.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_ctx.h"
#include "gbench_c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ksml.h"

#define PAGE 4096u
#define WS_HOT 1
#define WS_L3 2048	/* 8 MiB: in the last-level cache */
#define WS_COLD 16384

/* ------------------------------------------------------------ checksums */
static uint32_t crc32c_table[8][256];

static void crc32c_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc32c_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc32c_table[j][i] = (crc32c_table[j - 1][i] >> 8) ^
					     crc32c_table[0][crc32c_table[j - 1][i] & 0xff];
}

/* slice-by-8, little-endian */
static uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w ^= crc;
		crc = crc32c_table[7][w & 0xff] ^ crc32c_table[6][(w >> 8) & 0xff] ^
		      crc32c_table[5][(w >> 16) & 0xff] ^
		      crc32c_table[4][(w >> 24) & 0xff] ^
		      crc32c_table[3][(w >> 32) & 0xff] ^
		      crc32c_table[2][(w >> 40) & 0xff] ^
		      crc32c_table[1][(w >> 48) & 0xff] ^ crc32c_table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc,
							     const void *buf,
							     size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = ~crc;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

static bool have_sse42(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#else
static uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}

static bool have_sse42(void)
{
	return false;
}
#endif

static inline uint32_t rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

#define JHASH_INITVAL 0xdeadbeef
#define jhash_mix(a, b, c)                                   \
	do {                                                 \
		a -= c; a ^= rol32(c, 4); c += b;            \
		b -= a; b ^= rol32(a, 6); a += c;            \
		c -= b; c ^= rol32(b, 8); b += a;            \
		a -= c; a ^= rol32(c, 16); c += b;           \
		b -= a; b ^= rol32(a, 19); a += c;           \
		c -= b; c ^= rol32(b, 4); b += a;            \
	} while (0)
#define jhash_final(a, b, c)                                 \
	do {                                                 \
		c ^= b; c -= rol32(b, 14);                   \
		a ^= c; a -= rol32(c, 11);                   \
		b ^= a; b -= rol32(a, 25);                   \
		c ^= b; c -= rol32(b, 16);                   \
		a ^= c; a -= rol32(c, 4);                    \
		b ^= a; b -= rol32(a, 14);                   \
		c ^= b; c -= rol32(b, 24);                   \
	} while (0)

/* the kernel's jhash2() (include/linux/jhash.h) */
static uint32_t jhash2(const uint32_t *k, uint32_t length, uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + (length << 2) + initval;
	while (length > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		jhash_mix(a, b, c);
		length -= 3;
		k += 3;
	}
	switch (length) {
	case 3:
		c += k[2];
		/* fall through */
	case 2:
		b += k[1];
		/* fall through */
	case 1:
		a += k[0];
		jhash_final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

/*
 * One read of a page, as fast as the core can go: four vector accumulators
 * (AVX2 when the CPU has it, else SSE2), so the figure is the memory's,
 * not the adder's.
 */
typedef uint64_t v2u64 __attribute__((vector_size(16), aligned(16)));
typedef uint64_t v4u64 __attribute__((vector_size(32), aligned(32)));

static uint64_t read_sse2(const void *p)
{
	const v2u64 *v = p;
	v2u64 a = { 0, 0 }, b = a, c = a, d = a;
	size_t i;

	for (i = 0; i < PAGE / 16; i += 4) {
		a += v[i];
		b += v[i + 1];
		c += v[i + 2];
		d += v[i + 3];
	}
	a += b + c + d;
	return a[0] + a[1];
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static uint64_t read_avx2(const void *p)
{
	const v4u64 *v = p;
	v4u64 a = { 0, 0, 0, 0 }, b = a, c = a, d = a;
	size_t i;

	for (i = 0; i < PAGE / 32; i += 4) {
		a += v[i];
		b += v[i + 1];
		c += v[i + 2];
		d += v[i + 3];
	}
	a += b + c + d;
	return a[0] + a[1] + a[2] + a[3];
}
#endif

static uint64_t h_read(const void *p)
{
#if defined(__x86_64__)
	static int avx2 = -1;

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2");
	if (avx2)
		return read_avx2(p);
#endif
	return read_sse2(p);
}

static uint64_t h_xxh64_lo32(const void *p)
{
	return (uint32_t)XXH64(p, PAGE, 0);
}

static uint64_t h_xxh3(const void *p)
{
	return XXH3_64bits(p, PAGE);
}

static uint64_t h_crc32c_sw(const void *p)
{
	return crc32c_sw(0, p, PAGE);
}

static uint64_t h_crc32c_hw(const void *p)
{
	return crc32c_hw(0, p, PAGE);
}

static uint64_t h_jhash2(const void *p)
{
	return jhash2(p, PAGE / 4, 17);
}

static uint64_t h_core(const void *p)
{
	return ksml_plat_page_checksum(p);
}

struct hash_case {
	const char *name;
	uint64_t (*fn)(const void *p);
	bool (*avail)(void);
};

static const struct hash_case hash_cases[] = {
	{"BM_page_read", h_read, NULL},
	{"BM_checksum_xxh64_lo32", h_xxh64_lo32, NULL},
	{"BM_checksum_xxh3_64", h_xxh3, NULL},
	{"BM_checksum_crc32c_table", h_crc32c_sw, NULL},
	{"BM_checksum_crc32c_sse42", h_crc32c_hw, have_sse42},
	{"BM_checksum_jhash2", h_jhash2, NULL},
	{"BM_checksum_core", h_core, NULL},
};

static uint8_t *alloc_pages(size_t n)
{
	uint8_t *p = aligned_alloc(PAGE, n * PAGE);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		ksml_bench_fill_page(p + i * PAGE, KSML_BPAT_UNIQUE, i);
	return p;
}

static void bm_hash(struct ksml_gb_state *st, void *arg)
{
	const struct hash_case *hc = arg;
	size_t ws = (size_t)ksml_gb_range(st, 0), i = 0;
	uint8_t *buf;

	if (hc->avail && !hc->avail()) {
		ksml_gb_skip_with_error(st, "not supported by this CPU");
		return;
	}
	buf = alloc_pages(ws);
	if (!buf) {
		ksml_gb_skip_with_error(st, "out of memory (%zu pages)", ws);
		return;
	}
	while (ksml_gb_keep_running(st)) {
		uint64_t h = hc->fn(buf + i * PAGE);

		ksml_gb_do_not_optimize(&h);
		if (++i == ws)
			i = 0;
	}
	ksml_gb_set_bytes_processed(st, ksml_gb_iterations(st) * PAGE);
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
	free(buf);
}

/* ------------------------------------------------------------- page cmp */
enum cmp_case { CMP_EQUAL, CMP_FIRST, CMP_LAST8 };
static const char *const cmp_case_name[] = { "equal", "differ_first", "differ_last8" };

static int c_memcmp(const void *a, const void *b)
{
	return memcmp(a, b, PAGE);
}

static int c_core(const void *a, const void *b)
{
	return ksml_plat_page_cmp(a, b);
}

struct cmp_fn {
	const char *name;
	int (*fn)(const void *a, const void *b);
};

static const struct cmp_fn cmp_fns[] = {
	{"memcmp", c_memcmp},
	{"core", c_core},
};

struct cmp_arg {
	const struct cmp_fn *f;
	enum cmp_case c;
};

static struct cmp_arg cmp_args[sizeof(cmp_fns) / sizeof(cmp_fns[0])][3];

static void bm_cmp(struct ksml_gb_state *st, void *arg)
{
	const struct cmp_arg *ca = arg;
	size_t ws = (size_t)ksml_gb_range(st, 0), i = 0;
	uint8_t *a = alloc_pages(ws), *b = alloc_pages(ws);

	if (!a || !b) {
		ksml_gb_skip_with_error(st, "out of memory");
		goto out;
	}
	for (i = 0; i < ws; i++) {
		uint8_t *pb = b + i * PAGE;

		memcpy(pb, a + i * PAGE, PAGE);
		if (ca->c == CMP_FIRST)
			pb[0] ^= 1;
		else if (ca->c == CMP_LAST8)
			pb[PAGE - 1] ^= 1;
	}
	i = 0;
	while (ksml_gb_keep_running(st)) {
		int r = ca->f->fn(a + i * PAGE, b + i * PAGE);

		ksml_gb_do_not_optimize(&r);
		if (++i == ws)
			i = 0;
	}
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
out:
	free(a);
	free(b);
}

/* ------------------------------------------------------- via the core */
struct inst {
	struct ksml *ksm;
	struct ksml_mm *mm;
	unsigned long addr;
};

static int inst_init(struct inst *in, enum ksml_index_mode mode)
{
	struct ksml_config cfg;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.start_ksmd = false;
	/* index 1: the hash index with model knowledge, as the former checksum
	 * index */
	cfg.index_mode = mode;
	cfg.model_knowledge = mode == KSML_INDEX_HASH;
	memset(in, 0, sizeof(*in));
	err = ksml_init(&in->ksm, &cfg);
	if (err)
		return err;
	err = ksml_set_run(in->ksm, KSML_RUN_MERGE);
	if (!err)
		err = ksml_set_pages_to_scan(in->ksm, 4096);
	if (!err)
		err = ksml_set_smart_scan(in->ksm, false);
	return err;
}

static void inst_destroy(struct inst *in)
{
	if (in->ksm)
		ksml_destroy(in->ksm);
	in->ksm = NULL;
}

/* a new mm with n pages of pattern pat (contents idx0..), madvised */
static int make_mm(struct ksml *ksm, unsigned long n, enum ksml_bench_pattern pat,
		   unsigned long idx0, struct ksml_mm **mmp, unsigned long *addrp)
{
	static uint8_t page[PAGE] __attribute__((aligned(64)));
	struct ksml_mm *mm;
	unsigned long addr, i;
	int err;

	err = ksml_mm_create(ksm, &mm);
	if (err)
		return err;
	err = ksml_vm_mmap(mm, 0, n * PAGE, KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
			   &addr);
	for (i = 0; !err && i < n; i++) {
		ksml_bench_fill_page(page, pat, idx0 + i);
		err = ksml_vm_write(mm, addr + i * PAGE, page, PAGE);
	}
	if (!err)
		err = ksml_vm_madvise(mm, addr, n * PAGE, KSML_MADV_MERGEABLE);
	if (err) {
		ksml_mm_exit(mm);
		return err;
	}
	*mmp = mm;
	*addrp = addr;
	return 0;
}

static void bm_unstable_tree(struct ksml_gb_state *st, void *arg)
{
	unsigned long n = (unsigned long)ksml_gb_range(st, 0);
	enum ksml_index_mode mode = (enum ksml_index_mode)ksml_gb_range(st, 1);
	struct ksml_counters c;
	struct inst in;
	int err;

	err = inst_init(&in, mode);
	if (!err)
		err = make_mm(in.ksm, n, KSML_BPAT_UNIQUE, 0, &in.mm, &in.addr);
	/* pass 1 records checksums; from pass 2 on every page is inserted */
	if (!err)
		err = ksml_scan_full(in.ksm, 2, 0);
	if (err) {
		ksml_gb_skip_with_error(st, "setup failed: %d", err);
		goto out;
	}
	while (ksml_gb_keep_running(st))
		ksml_scan_full(in.ksm, 1, 0);
	ksml_get_counters(in.ksm, &c);
	if (c.pages_sharing || c.pages_unshared != n)
		ksml_gb_skip_with_error(st, "unexpected counters: sharing %lu unshared %lu",
					c.pages_sharing, c.pages_unshared);
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st) * (int64_t)n);
	ksml_gb_counter(st, "nodes", (double)n, 0);
out:
	inst_destroy(&in);
}

/*
 * N contents in two copies (N stable nodes after convergence), then a
 * probe mm of P pages scanned alone: untimed, each probe page is rewritten
 * (COW break) with the content of a random stable node and scanned once
 * (the kernel notes a changed checksum first), the cursor is moved past the
 * 2N merged pages; the timed part scans the P probes: checksum,
 * stable_tree_search hit, try_to_merge_with_ksm_page (write_protect_page +
 * replace_page).
 */
#define PROBES 256ul

/*
 * Scan n pages, across the end of a pass: ksml_scan_pages() stops at the
 * end of a pass and the next call only wraps (returns 0), as ksm_do_scan.
 */
static void advance(struct ksml *ksm, unsigned long n)
{
	int zeros = 0;

	while (n) {
		unsigned long s = ksml_scan_pages(ksm, n);

		if (!s) {
			if (zeros++)
				break;
			continue;
		}
		zeros = 0;
		n -= s;
	}
}

static void bm_stable_tree(struct ksml_gb_state *st, void *arg)
{
	unsigned long n = (unsigned long)ksml_gb_range(st, 0), i, k = 0;
	static uint8_t page[PAGE] __attribute__((aligned(64)));
	struct ksml_mm *m1, *m2, *probe;
	unsigned long a1, a2, ap;
	struct ksml_counters c;
	struct inst in;
	uint64_t rng = 1;
	int err;

	err = inst_init(&in, KSML_INDEX_CONTENT);
	if (!err)
		err = make_mm(in.ksm, n, KSML_BPAT_UNIQUE, 0, &m1, &a1);
	if (!err)
		err = make_mm(in.ksm, n, KSML_BPAT_UNIQUE, 0, &m2, &a2);
	if (!err)
		err = make_mm(in.ksm, PROBES, KSML_BPAT_UNIQUE, n, &probe, &ap);
	if (!err)
		err = ksml_scan_full(in.ksm, 3, 0);
	if (err) {
		ksml_gb_skip_with_error(st, "setup failed: %d", err);
		goto out;
	}
	ksml_get_counters(in.ksm, &c);
	if (c.pages_shared != n) {
		ksml_gb_skip_with_error(st, "not converged: shared %lu", c.pages_shared);
		goto out;
	}
	/*
	 * A batch ends at the end of a pass, so the cursor is at the start
	 * of one: move it to the probes (the 2N merged pages take the
	 * steady-state fast path).
	 */
	advance(in.ksm, 2 * n);
	while (ksml_gb_keep_running_batch(st, PROBES)) {
		ksml_gb_pause_timing(st);
		for (i = 0; i < PROBES; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			ksml_bench_fill_page(page, KSML_BPAT_UNIQUE, (rng >> 33) % n);
			ksml_vm_write(probe, ap + i * PAGE, page, PAGE);
		}
		/* as the kernel: a changed page first has its checksum noted */
		advance(in.ksm, PROBES);
		advance(in.ksm, 2 * n);
		ksml_gb_resume_timing(st);
		ksml_scan_pages(in.ksm, PROBES);
		ksml_gb_pause_timing(st);
		ksml_get_counters(in.ksm, &c);
		if (c.pages_sharing < n + PROBES) {
			ksml_gb_skip_with_error(st, "probes not merged: sharing %lu, want %lu (round %lu)",
						c.pages_sharing, n + PROBES, k);
			break;
		}
		k++;
		advance(in.ksm, 2 * n);
		ksml_gb_resume_timing(st);
	}
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
	ksml_gb_counter(st, "nodes", (double)n, 0);
out:
	inst_destroy(&in);
}

/* pairs of new contents each batch; the timed pass merges them pairwise */
#define PAIRS 512ul
static void bm_merge_two_pages(struct ksml_gb_state *st, void *arg)
{
	static uint8_t page[PAGE] __attribute__((aligned(64)));
	unsigned long i, gen = 0;
	struct ksml_counters c;
	struct inst in;
	int err;

	err = inst_init(&in, KSML_INDEX_CONTENT);
	if (!err)
		err = make_mm(in.ksm, 2 * PAIRS, KSML_BPAT_HALF, 0, &in.mm, &in.addr);
	if (err) {
		ksml_gb_skip_with_error(st, "setup failed: %d", err);
		goto out;
	}
	while (ksml_gb_keep_running_batch(st, PAIRS)) {
		ksml_gb_pause_timing(st);
		gen++;
		for (i = 0; i < 2 * PAIRS; i++) {
			ksml_bench_fill_page(page, KSML_BPAT_HALF, gen * 4 * PAIRS + i);
			ksml_vm_write(in.mm, in.addr + i * PAGE, page, PAGE);
		}
		ksml_scan_full(in.ksm, 1, 0); /* checksums */
		ksml_gb_resume_timing(st);
		ksml_scan_full(in.ksm, 1, 0);
	}
	ksml_get_counters(in.ksm, &c);
	if (c.pages_shared != PAIRS || c.pages_sharing != PAIRS)
		ksml_gb_skip_with_error(st, "unexpected counters: shared %lu sharing %lu",
					c.pages_shared, c.pages_sharing);
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
out:
	inst_destroy(&in);
}

/* each timed iteration writes to one merged page; re-merged untimed */
#define COW_PAGES 4096ul
static void bm_cow_break(struct ksml_gb_state *st, void *arg)
{
	unsigned long i;
	struct ksml_counters c;
	struct inst in;
	uint64_t tag = 0x6b736d6c61620000ull; /* the SAME pattern's first word */
	int err;

	err = inst_init(&in, KSML_INDEX_CONTENT);
	if (!err)
		err = make_mm(in.ksm, COW_PAGES, KSML_BPAT_SAME, 0, &in.mm, &in.addr);
	if (!err)
		err = ksml_scan_full(in.ksm, 2, 0);
	if (err) {
		ksml_gb_skip_with_error(st, "setup failed: %d", err);
		goto out;
	}
	ksml_get_counters(in.ksm, &c);
	if (c.pages_sharing + c.pages_shared != COW_PAGES) {
		ksml_gb_skip_with_error(st, "not merged: sharing %lu", c.pages_sharing);
		goto out;
	}
	while (ksml_gb_keep_running_batch(st, COW_PAGES)) {
		for (i = 0; i < COW_PAGES; i++)
			ksml_vm_write(in.mm, in.addr + i * PAGE, &tag, sizeof(tag));
		ksml_gb_pause_timing(st);
		ksml_scan_full(in.ksm, 1, 0);
		ksml_gb_resume_timing(st);
	}
	ksml_get_counters(in.ksm, &c);
	if (c.pages_sharing + c.pages_shared != COW_PAGES)
		ksml_gb_skip_with_error(st, "not re-merged: sharing %lu", c.pages_sharing);
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
out:
	inst_destroy(&in);
}

/* range(0): 1 = madvise(MERGEABLE) (ksm_enter) before exit, 0 = baseline */
static void bm_enter_exit(struct ksml_gb_state *st, void *arg)
{
	bool enter = ksml_gb_range(st, 0) != 0;
	struct inst in;
	int err = inst_init(&in, KSML_INDEX_CONTENT);

	if (err) {
		ksml_gb_skip_with_error(st, "setup failed: %d", err);
		goto out;
	}
	while (ksml_gb_keep_running(st)) {
		struct ksml_mm *mm;
		unsigned long addr;

		if (ksml_mm_create(in.ksm, &mm)) {
			ksml_gb_skip_with_error(st, "mm_create failed");
			break;
		}
		ksml_vm_mmap(mm, 0, 16 * PAGE, KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS,
			     &addr);
		if (enter)
			ksml_vm_madvise(mm, addr, 16 * PAGE, KSML_MADV_MERGEABLE);
		ksml_mm_exit(mm);
	}
	ksml_gb_set_items_processed(st, ksml_gb_iterations(st));
out:
	inst_destroy(&in);
}

static void register_core(void)
{
	const char *env = getenv("KSML_BENCH_MAX_NODES");
	long max = env ? atol(env) : 1l << 20;
	long n;
	int mode;

	for (mode = 0; mode <= 1; mode++)
		for (n = 1 << 10; n <= max; n <<= 2) {
			int64_t a[2] = { n, mode };
			struct ksml_gb_bench *b =
				ksml_gb_register("BM_unstable_tree", bm_unstable_tree, NULL);

			ksml_gb_bench_args(b, a, 2);
			ksml_gb_bench_arg_names(b, (const char *const[]){ "nodes", "index" }, 2);
			ksml_gb_bench_unit(b, KSML_GB_MS);
			ksml_gb_bench_iterations(b, n >= (1 << 18) ? 2 : n >= (1 << 16) ? 4 : 20);
		}
	for (n = 1 << 10; n <= max / 4 && n <= (1 << 16); n <<= 2) {
		struct ksml_gb_bench *b =
			ksml_gb_register("BM_stable_tree", bm_stable_tree, NULL);

		ksml_gb_bench_arg(b, n);
		ksml_gb_bench_arg_name(b, "nodes");
		ksml_gb_bench_iterations(b, 20 * PROBES);
	}
	ksml_gb_bench_iterations(ksml_gb_register("BM_merge_two_pages",
						  bm_merge_two_pages, NULL),
				 20 * PAIRS);
	ksml_gb_bench_iterations(ksml_gb_register("BM_cow_break", bm_cow_break, NULL),
				 10 * COW_PAGES);
	ksml_gb_bench_arg_name(ksml_gb_bench_dense_range(ksml_gb_register("BM_enter_exit",
									  bm_enter_exit,
									  NULL),
							 0, 1, 1),
			       "madvise");
}

static void self_check(void)
{
	static const char v[] = "123456789";
	uint32_t sw = crc32c_sw(0, v, 9), hw = crc32c_hw(0, v, 9);

	if (sw != 0xe3069283u || (have_sse42() && hw != 0xe3069283u)) {
		fprintf(stderr, "bench_micro: crc32c self-check failed: %08x %08x\n",
			sw, hw);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t i, j;

	crc32c_init();
	self_check();
	ksml_bench_add_context("bench_micro");
	for (i = 0; i < sizeof(hash_cases) / sizeof(hash_cases[0]); i++) {
		struct ksml_gb_bench *b = ksml_gb_register(hash_cases[i].name, bm_hash,
							   (void *)&hash_cases[i]);

		ksml_gb_bench_arg(ksml_gb_bench_arg(b, WS_HOT), WS_L3);
		ksml_gb_bench_arg_name(ksml_gb_bench_arg(b, WS_COLD), "ws");
	}
	for (i = 0; i < sizeof(cmp_fns) / sizeof(cmp_fns[0]); i++)
		for (j = 0; j < 3; j++) {
			char name[96];
			struct ksml_gb_bench *b;

			cmp_args[i][j].f = &cmp_fns[i];
			cmp_args[i][j].c = (enum cmp_case)j;
			snprintf(name, sizeof(name), "BM_page_cmp_%s_%s", cmp_fns[i].name,
				 cmp_case_name[j]);
			b = ksml_gb_register(name, bm_cmp, &cmp_args[i][j]);
			ksml_gb_bench_arg_name(ksml_gb_bench_arg(ksml_gb_bench_arg(b, WS_HOT),
								 WS_COLD / 2),
					       "ws");
		}
	register_core();
	return ksml_gb_main(argc, argv);
}

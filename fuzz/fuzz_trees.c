/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * fuzz_trees - the stable/unstable tree and chain logic against a naive
 * model: 1..3 address spaces of small pages with few distinct contents
 * (on one or two nodes), max_page_sharing 2..6, smart_scan off, phases of
 * "write, scan three passes, unmerge all (run=2)".
 * Failure: after the first pass anything but "all volatile" (the checksum
 * filter); after the second and third passes counters that differ from the
 * closed form of ksm-spec §4.6 summed over each (content, tree) group;
 * per-mm merging pages not adding up; run=2 not zeroing the counters;
 * broken invariants, a KSML_WARN_ON, a page not reading back, a leak.
 * Then, in an instance of its own, a chain of full dups goes stale under
 * a search (stale_chain): a frame freed twice, a page not reading back.
 */
#include "fuzz_world.h"

#define MAX_MM 3
#define MAX_PAGES 24
#define NR_GROUPS 4
#define MAX_PHASES 3

struct tree_mm {
	struct ksml_mm *mm;
	unsigned long addr;
	int npages;
	int node;
	uint8_t content[MAX_PAGES]; /* pattern of each page */
};

struct expect {
	unsigned long shared, sharing, unshared, chains, dups, zero, rmap_items;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ksm-spec §4.6: n identical pages, max_page_sharing m, smart_scan off */
static void closed_form(unsigned long n, unsigned long m, struct expect *e)
{
	unsigned long q = n / m, r = n % m, k;

	if (!n)
		return;
	if (r == 0) {
		e->shared += q;
		e->sharing += n - q;
		k = q;
	} else if (r == 1) {
		e->shared += q;
		e->sharing += q * (m - 1);
		e->unshared += 1;
		k = q;
	} else {
		e->shared += q + 1;
		e->sharing += n - (q + 1);
		k = q + 1;
	}
	if (k >= 2) {
		e->chains += 1;
		e->dups += k;
	}
}

static void check(struct ksml *ksm, struct tree_mm *mms, int nr_mm,
		  const struct expect *e, const char *when)
{
	struct ksml_counters c;
	unsigned long merging = 0;
	long zero = 0;
	int i;

	ksml_get_counters(ksm, &c);
	if (c.pages_shared != e->shared || c.pages_sharing != e->sharing ||
	    c.pages_unshared != e->unshared || c.stable_node_chains != e->chains ||
	    c.stable_node_dups != e->dups || c.ksm_zero_pages != (long)e->zero ||
	    c.rmap_items != e->rmap_items)
		fw_fail("%s: counters shared/sharing/unshared/chains/dups/zero/rmap_items = "
			"%lu/%lu/%lu/%lu/%lu/%ld/%lu, the model says "
			"%lu/%lu/%lu/%lu/%lu/%lu/%lu",
			when, c.pages_shared, c.pages_sharing, c.pages_unshared,
			c.stable_node_chains, c.stable_node_dups, c.ksm_zero_pages,
			c.rmap_items, e->shared, e->sharing, e->unshared, e->chains,
			e->dups, e->zero, e->rmap_items);
	for (i = 0; i < nr_mm; i++) {
		struct ksml_mm_stat st;

		if (ksml_mm_get_stat(mms[i].mm, &st) != 0)
			fw_fail("%s: ksml_mm_get_stat failed", when);
		merging += st.ksm_merging_pages;
		zero += st.ksm_zero_pages;
	}
	if (merging != c.pages_shared + c.pages_sharing)
		fw_fail("%s: sum of ksm_merging_pages %lu != shared + sharing %lu", when,
			merging, c.pages_shared + c.pages_sharing);
	if (zero != c.ksm_zero_pages)
		fw_fail("%s: sum of per-mm ksm_zero_pages %ld != %ld", when, zero,
			c.ksm_zero_pages);
	if (c.general_profit != (long)(c.pages_sharing + (unsigned long)c.ksm_zero_pages) *
					(long)KSML_PAGE_SIZE -
				(long)c.rmap_items * KSML_RMAP_ITEM_KERNEL_SIZE)
		fw_fail("%s: general_profit %ld does not follow its formula", when,
			c.general_profit);
}

static void verify_pages(struct tree_mm *mms, int nr_mm, uint8_t *buf, uint8_t *want)
{
	int i, p;

	for (i = 0; i < nr_mm; i++)
		for (p = 0; p < mms[i].npages; p++) {
			unsigned long a = mms[i].addr + (unsigned long)p * KSML_PAGE_SIZE;

			if (ksml_vm_read(mms[i].mm, a, buf, KSML_PAGE_SIZE) != 0)
				fw_fail("read of mm%d page %d failed", i, p);
			fw_fill(want, mms[i].content[p], false, 0);
			if (memcmp(buf, want, KSML_PAGE_SIZE) != 0)
				fw_fail("mm%d page %d does not read back pattern %u", i, p,
					mms[i].content[p]);
		}
}

/*
 * The node the page's frame is on (its unstable/stable tree when
 * merge_across_nodes = 0).  It should be the mapping's policy node
 * (mbind): a COW or unshare copy is allocated by the VMA's policy.
 */
static int page_node(struct tree_mm *t, int p)
{
	struct ksml_page_info info;
	char msg[160];

	if (ksml_vm_page_info(t->mm, t->addr + (unsigned long)p * KSML_PAGE_SIZE, &info) != 0 ||
	    !info.present)
		fw_fail("page %d of a mapping just written is not present", p);
	if (info.nid < 0 || info.nid > 1)
		fw_fail("page %d on node %d of 2", p, info.nid);
	if (info.nid != t->node) {
		snprintf(msg, sizeof(msg),
			 "page on node %d, its mapping's NUMA policy says node %d", info.nid,
			 t->node);
		if (!fw_suppressed(msg))
			fw_fail("%s", msg);
	}
	return info.nid;
}

/*
 * After two passes with nothing written, two identical pages of one tree
 * cannot both be left out of KSM: the second one processed finds the
 * first in the unstable tree (or a stable node with room) and merges.
 */
static void check_no_missed_merges(struct tree_mm *mms, int nr_mm, bool across,
				   const char *when)
{
	/* [tree][pattern]: first unmerged page seen */
	int seen_mm[2][FW_NR_PATTERNS + 2 * MAX_PHASES + NR_GROUPS];
	int seen_p[2][FW_NR_PATTERNS + 2 * MAX_PHASES + NR_GROUPS];
	int i, p;

	memset(seen_mm, -1, sizeof(seen_mm));
	for (i = 0; i < nr_mm; i++)
		for (p = 0; p < mms[i].npages; p++) {
			struct ksml_page_info info;
			int tree, c = mms[i].content[p];

			if (ksml_vm_page_info(mms[i].mm,
					      mms[i].addr + (unsigned long)p * KSML_PAGE_SIZE,
					      &info) != 0 ||
			    !info.present || info.ksm || info.zero || info.ksm_zero)
				continue;
			tree = across ? 0 : info.nid & 1;
			if (seen_mm[tree][c] >= 0)
				fw_fail("%s: mm%d page %d and mm%d page %d hold the same content "
					"(pattern %d) in tree %d and neither is merged",
					when, seen_mm[tree][c], seen_p[tree][c], i, p, c, tree);
			seen_mm[tree][c] = i;
			seen_p[tree][c] = p;
		}
}

static void knob(struct ksml *ksm, const char *name, unsigned long v)
{
	char s[32];
	int rc;

	snprintf(s, sizeof(s), "%lu", v);
	rc = ksml_knob_write(ksm, name, s, strlen(s));
	if (rc < 0)
		fw_fail("knob %s=%s refused: %d", name, s, rc);
}

/*
 * A chain whose dups are all full goes stale under a page that looks for
 * it.  mm "a" (scanned first) holds the chain's content since the last
 * pass; then the pages of every dup, all in mm "b", are unmapped.  At a's
 * next visit, before b's stale items are reached, the chain has no dup
 * with room and its dups' frames went since its last full walk: a dup
 * taken without its keyhole check (the hash index's chain skip,
 * CHAIN_SKIP_MISSES_STALE) is a reference taken and dropped on a free
 * frame, which frees it twice.  Then mm "c", which KSM never sees, writes
 * a content of its own into each of a few new pages (the dups' frames
 * among them): every page, a's and c's, must read back, and the stale
 * dups go.
 */
static void stale_chain(const struct ksml_config *cfg, struct ksml_fuzz_data *fd,
			uint8_t *buf, uint8_t *want)
{
	unsigned long m = ksml_fuzz_range(fd, 2, 3), k = ksml_fuzz_range(fd, 2, 3);
	unsigned long base = 0x400000000ul, n = k * m, out, p;
	struct ksml_mm *a = NULL, *b = NULL, *c = NULL;
	struct ksml_counters cn;
	struct ksml *ksm;
	long warns = ksml_warn_count();
	unsigned long frames0;

	/* an instance of its own: the other scenarios' pages would merge too */
	if (ksml_init(&ksm, cfg) != 0)
		fw_fail("stale chain: ksml_init failed");
	knob(ksm, "smart_scan", 0);
	knob(ksm, "pages_to_scan", 1000);
	knob(ksm, "max_page_sharing", m);
	frames0 = ksml_vm_frames_in_use(ksm);
	if (ksml_mm_create(ksm, &a) != 0 || ksml_mm_create(ksm, &b) != 0 ||
	    ksml_mm_create(ksm, &c) != 0 ||
	    ksml_vm_mmap(a, base, KSML_PAGE_SIZE,
			 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out) != 0 ||
	    ksml_vm_mmap(b, base, n * KSML_PAGE_SIZE,
			 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out) != 0 ||
	    ksml_vm_mmap(c, base, 2 * k * KSML_PAGE_SIZE,
			 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out) != 0 ||
	    ksml_vm_madvise(a, base, KSML_PAGE_SIZE, KSML_MADV_MERGEABLE) != 0 ||
	    ksml_vm_madvise(b, base, n * KSML_PAGE_SIZE, KSML_MADV_MERGEABLE) != 0)
		fw_fail("stale chain: mm_create/mmap/madvise failed");
	fw_fill(buf, 202, false, 0); /* a's own content for now */
	if (ksml_vm_write(a, base, buf, KSML_PAGE_SIZE) != 0)
		fw_fail("write failed");
	fw_fill(buf, 201, false, 0); /* the chain's content */
	for (p = 0; p < n; p++)
		if (ksml_vm_write(b, base + p * KSML_PAGE_SIZE, buf, KSML_PAGE_SIZE) != 0)
			fw_fail("write failed");
	knob(ksm, "run", 1);
	if (ksml_scan_full(ksm, 3, 0) != 0)
		fw_fail("stale chain: the merging passes did not complete");
	ksml_get_counters(ksm, &cn);
	if (cn.stable_node_chains != 1 || cn.stable_node_dups != k || cn.pages_shared != k ||
	    cn.pages_sharing != n - k)
		fw_fail("stale chain: %lu pages of one content, max_page_sharing %lu: "
			"chains/dups/shared/sharing %lu/%lu/%lu/%lu, expected 1/%lu/%lu/%lu",
			n, m, cn.stable_node_chains, cn.stable_node_dups, cn.pages_shared,
			cn.pages_sharing, k, k, n - k);
	/* a's page gets the content; this pass records its checksum */
	if (ksml_vm_write(a, base, buf, KSML_PAGE_SIZE) != 0)
		fw_fail("write failed");
	if (ksml_scan_full(ksm, 1, 0) != 0)
		fw_fail("stale chain: a pass did not complete");
	if (ksml_vm_munmap(b, base, n * KSML_PAGE_SIZE) != 0)
		fw_fail("stale chain: munmap failed");
	if (ksml_scan_full(ksm, 1, 0) != 0)
		fw_fail("stale chain: the pass after munmap did not complete");
	fw_check_core(ksm, warns, "a chain's dups went stale under a search");
	/* new pages for c, the dups' free frames among them */
	for (p = 0; p < 2 * k; p++) {
		fw_fill(buf, (unsigned)(210 + p), false, 0);
		if (ksml_vm_write(c, base + p * KSML_PAGE_SIZE, buf, KSML_PAGE_SIZE) != 0)
			fw_fail("write failed");
	}
	for (p = 0; p < 2 * k; p++) {
		if (ksml_vm_read(c, base + p * KSML_PAGE_SIZE, buf, KSML_PAGE_SIZE) != 0)
			fw_fail("read failed");
		fw_fill(want, (unsigned)(210 + p), false, 0);
		if (memcmp(buf, want, KSML_PAGE_SIZE) != 0)
			fw_fail("stale chain: page %lu of an mm KSM never saw does not read "
				"back its last write (pattern %lu) after a chain's dups went "
				"stale",
				p, 210 + p);
	}
	if (ksml_vm_read(a, base, buf, KSML_PAGE_SIZE) != 0)
		fw_fail("read failed");
	fw_fill(want, 201, false, 0);
	if (memcmp(buf, want, KSML_PAGE_SIZE) != 0)
		fw_fail("stale chain: a's page does not read back its last write "
			"(pattern 201) after its chain's dups went stale");
	/* a frame freed twice leaves the count of frames in use one short */
	if (ksml_vm_frames_in_use(ksm) != frames0 + 1 + 2 * k)
		fw_fail("stale chain: %lu frames in use for the %lu private pages of a and c "
			"(and %lu before any), a frame was freed twice",
			ksml_vm_frames_in_use(ksm), 1 + 2 * k, frames0);
	if (ksml_scan_full(ksm, 1, 0) != 0)
		fw_fail("stale chain: the last pass did not complete");
	fw_check_core(ksm, warns, "after a chain went stale");
	ksml_get_counters(ksm, &cn);
	if (fw_tracing())
		fprintf(stderr,
			"stale chain: m=%lu k=%lu index=%d: at the end "
			"shared/sharing/unshared/chains/dups %lu/%lu/%lu/%lu/%lu\n",
			m, k, cfg->index_mode, cn.pages_shared, cn.pages_sharing,
			cn.pages_unshared, cn.stable_node_chains, cn.stable_node_dups);
	if (cn.pages_shared || cn.pages_sharing || cn.stable_node_chains ||
	    cn.stable_node_dups || cn.pages_unshared != 1)
		fw_fail("stale chain: after the dups' pages were unmapped, "
			"shared/sharing/chains/dups/unshared %lu/%lu/%lu/%lu/%lu, expected "
			"0/0/0/0/1",
			cn.pages_shared, cn.pages_sharing, cn.stable_node_chains,
			cn.stable_node_dups, cn.pages_unshared);
	ksml_mm_exit(c);
	ksml_mm_exit(b);
	ksml_mm_exit(a);
	ksml_destroy(ksm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksml_user_manual_clock clk = { 0 };
	struct ksml_platform_ops ops;
	struct ksml_config cfg = { 0 };
	struct tree_mm mms[MAX_MM];
	struct ksml_fuzz_data fd;
	struct ksml *ksm;
	uint8_t *buf, *want;
	long allocs, warns;
	int nr_mm, phases, ph, i, p, err;
	enum ksml_profile profile;
	bool use_zero, across, leave_mm;

	ksml_fuzz_data_init(&fd, data, size);
	clk.now_ns = 1000000000ull;
	clk.nr_nodes = 2;
	ksml_user_manual_ops(&ops, &clk);
	cfg.ops = &ops;
	cfg.max_frames = 1024;
	/* the named configuration: faithful, portable or model */
	profile = (enum ksml_profile)ksml_fuzz_range(&fd, 0, 2);
	ksml_config_profile(&cfg, profile);
	/* its name parses back to it; no other name or number is a profile */
	{
		const char *name = ksml_profile_name(profile);
		enum ksml_profile back = KSML_NR_PROFILES;

		if (!name || ksml_profile_parse(name, &back) != 0 || back != profile)
			fw_fail("profile %d: name %s does not parse back", (int)profile,
				name ? name : "(none)");
		if (ksml_profile_name(KSML_NR_PROFILES) ||
		    ksml_profile_parse("fa", &back) != -KSML_EINVAL ||
		    ksml_profile_parse("faithfully", &back) != -KSML_EINVAL ||
		    ksml_profile_parse("", &back) != -KSML_EINVAL)
			fw_fail("a name that is no profile's was taken for one");
	}
	nr_mm = (int)ksml_fuzz_range(&fd, 1, MAX_MM);
	phases = (int)ksml_fuzz_range(&fd, 1, MAX_PHASES);
	use_zero = ksml_fuzz_range(&fd, 0, 3) == 0;
	across = ksml_fuzz_range(&fd, 0, 2) != 0;
	buf = malloc(KSML_PAGE_SIZE);
	want = malloc(KSML_PAGE_SIZE);
	if (!buf || !want)
		fw_fail("out of memory");

	allocs = ksml_plat_live_allocs();
	warns = ksml_warn_count();
	{
		/* an index mode that does not exist is refused, nothing allocated */
		struct ksml_config bad = cfg;

		bad.index_mode = (enum ksml_index_mode)(KSML_INDEX_HASH + 1);
		if (ksml_init(&ksm, &bad) != -KSML_EINVAL ||
		    ksml_plat_live_allocs() != allocs)
			fw_fail("ksml_init took an unknown index mode");
		ksml_destroy(NULL); /* as free(NULL) */
	}
	err = ksml_init(&ksm, &cfg);
	if (err)
		fw_fail("ksml_init failed: %d", err);
	knob(ksm, "smart_scan", 0);
	knob(ksm, "use_zero_pages", use_zero);
	knob(ksm, "merge_across_nodes", across);
	knob(ksm, "pages_to_scan", 1000);
	for (i = 0; i < nr_mm; i++) {
		unsigned long out;

		memset(&mms[i], 0, sizeof(mms[i]));
		mms[i].npages = (int)ksml_fuzz_range(&fd, 1, MAX_PAGES);
		mms[i].node = (int)ksml_fuzz_range(&fd, 0, 1);
		mms[i].addr = 0x200000000ul + (unsigned long)i * 0x1000000ul;
		if (ksml_mm_create(ksm, &mms[i].mm) != 0)
			fw_fail("mm_create failed");
		err = ksml_vm_mmap(mms[i].mm, mms[i].addr,
				   (unsigned long)mms[i].npages * KSML_PAGE_SIZE,
				   KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED |
					   KSML_MAP_NODE(mms[i].node),
				   &out);
		if (err)
			fw_fail("mmap failed: %d", err);
		err = ksml_vm_madvise(mms[i].mm, mms[i].addr,
				      (unsigned long)mms[i].npages * KSML_PAGE_SIZE,
				      KSML_MADV_MERGEABLE);
		if (err)
			fw_fail("madvise failed: %d", err);
	}

	for (ph = 0; ph < phases; ph++) {
		unsigned long m = ksml_fuzz_range(&fd, 2, 6), total = 0;
		unsigned long count[NR_GROUPS][2];
		struct expect e;
		int g, n;

		memset(count, 0, sizeof(count));
		knob(ksm, "max_page_sharing", m);
		/* contents: few groups; pattern 0 is the all-zero page */
		for (i = 0; i < nr_mm; i++)
			for (p = 0; p < mms[i].npages; p++) {
				unsigned long a = mms[i].addr + (unsigned long)p * KSML_PAGE_SIZE;

				g = (int)ksml_fuzz_pick(&fd, NR_GROUPS);
				mms[i].content[p] = (uint8_t)(g == 0 ? 0 : g + 2 * ph);
				fw_fill(buf, mms[i].content[p], false, 0);
				if (ksml_vm_write(mms[i].mm, a, buf, KSML_PAGE_SIZE) != 0)
					fw_fail("write failed");
				count[g][across ? 0 : page_node(&mms[i], p)]++;
				total++;
			}
		if (fw_tracing()) {
			fprintf(stderr,
				"phase %d: M=%lu use_zero=%d across=%d "
				"index=%d knowledge=%d\n",
				ph, m, use_zero, across, cfg.index_mode,
				cfg.model_knowledge);
			for (i = 0; i < nr_mm; i++) {
				fprintf(stderr, "  mm%d node %d:", i, mms[i].node);
				for (p = 0; p < mms[i].npages; p++)
					fprintf(stderr, " %u", mms[i].content[p]);
				fprintf(stderr, "\n");
			}
		}
		knob(ksm, "run", 1);
		if (ksml_fuzz_bool(&fd))
			clk.now_ns += 3000000000ull; /* chains may be pruned */

		/* pass 0: every page's checksum is recorded, nothing merges */
		if (ksml_scan_full(ksm, 1, 0) != 0)
			fw_fail("phase %d: the first pass did not complete", ph);
		memset(&e, 0, sizeof(e));
		e.rmap_items = total;
		check(ksm, mms, nr_mm, &e, "after the first pass (all volatile)");
		fw_check_core(ksm, warns, "after the first pass");

		/* passes 1 and 2: the closed form, per (content, tree) group */
		for (n = 1; n <= 2; n++) {
			if (ksml_scan_full(ksm, 1, 0) != 0)
				fw_fail("phase %d: pass %d did not complete", ph, n);
			memset(&e, 0, sizeof(e));
			e.rmap_items = total;
			for (g = 0; g < NR_GROUPS; g++)
				for (i = 0; i < 2; i++) {
					if (g == 0 && use_zero) {
						/* merged with the zero page; items go at the next pass */
						e.zero += count[g][i];
						if (n == 2)
							e.rmap_items -= count[g][i];
						continue;
					}
					closed_form(count[g][i], m, &e);
				}
			check(ksm, mms, nr_mm, &e, n == 1 ? "after the second pass" :
							    "after the third pass");
			if (n == 2)
				check_no_missed_merges(mms, nr_mm, across, "after the third pass");
			fw_check_core(ksm, warns, "after a merging pass");
			verify_pages(mms, nr_mm, buf, want);
		}

		/*
		 * Last phase: migrate a third of the pages (KSM ones move with all
		 * their mappings) to the other node, then two passes: with one
		 * tree per node this files stable nodes on migrate_nodes and
		 * re-files or chains them.  Only invariants and contents are
		 * checked (the closed form is about pages that stay put).
		 */
		if (ph == phases - 1) {
			for (i = 0; i < nr_mm; i++)
				for (p = (i + ph) % 3; p < mms[i].npages; p += 3) {
					unsigned long a = mms[i].addr +
							  (unsigned long)p * KSML_PAGE_SIZE;
					struct ksml_page_info info;

					if (ksml_vm_page_info(mms[i].mm, a, &info) == 0 &&
					    info.present && !info.zero)
						ksml_vm_migrate(mms[i].mm, a, 1 - info.nid);
				}
			fw_check_core(ksm, warns, "after migrating pages");
			if (ksml_scan_full(ksm, 2, 0) != 0)
				fw_fail("phase %d: the passes after migration did not complete", ph);
			fw_check_core(ksm, warns, "after the passes that follow migration");
			verify_pages(mms, nr_mm, buf, want);
			check_no_missed_merges(mms, nr_mm, across, "two passes after migration");
		}

		/* run=2: everything unmerged, counters back to zero */
		knob(ksm, "run", 2);
		memset(&e, 0, sizeof(e));
		check(ksm, mms, nr_mm, &e, "after run=2");
		{
			struct ksml_counters c;

			ksml_get_counters(ksm, &c);
			if (c.full_scans != 0)
				fw_fail("run=2 left full_scans at %lu", c.full_scans);
		}
		fw_check_core(ksm, warns, "after run=2");
		verify_pages(mms, nr_mm, buf, want);
		for (i = 0; i < nr_mm; i++)
			for (p = 0; p < mms[i].npages; p++) {
				struct ksml_page_info info;

				if (ksml_vm_page_info(mms[i].mm,
						      mms[i].addr + (unsigned long)p * KSML_PAGE_SIZE,
						      &info) == 0 &&
				    (info.ksm || info.ksm_zero))
					fw_fail("run=2 left mm%d page %d merged", i, p);
			}
	}

	/*
	 * With three mms: an mm forks before it is madvised, so its child is
	 * unknown to KSM and keeps the frame KSM turns into a KSM page in
	 * place (the second page of a pair).  After run=2 that stable node
	 * stays (its page is still mapped): merge_across_nodes must refuse to
	 * change (-EBUSY) while it lives (ksm-spec 6.2, 8.3 e).
	 */
	if (nr_mm == 3) {
		struct ksml_mm *par = NULL, *child = NULL;
		unsigned long base = 0x300000000ul, out;
		bool child_ksm = false;
		char v[4];
		int rc;

		if (ksml_mm_create(ksm, &par) != 0 ||
		    ksml_vm_mmap(par, base, 2 * KSML_PAGE_SIZE,
				 KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS | KSML_MAP_FIXED, &out) != 0)
			fw_fail("mm_create/mmap failed");
		fw_fill(buf, 200, false, 0); /* a content no other page has */
		for (p = 0; p < 2; p++)
			if (ksml_vm_write(par, base + (unsigned long)p * KSML_PAGE_SIZE, buf,
					  KSML_PAGE_SIZE) != 0)
				fw_fail("write failed");
		if (ksml_mm_fork(par, &child) != 0 ||
		    ksml_vm_madvise(par, base, 2 * KSML_PAGE_SIZE, KSML_MADV_MERGEABLE) != 0)
			fw_fail("fork/madvise failed");
		knob(ksm, "run", 1);
		if (ksml_scan_full(ksm, 2, 0) != 0)
			fw_fail("the passes after fork did not complete");
		knob(ksm, "run", 2);
		for (p = 0; p < 2; p++) {
			struct ksml_page_info info;

			if (ksml_vm_page_info(child, base + (unsigned long)p * KSML_PAGE_SIZE,
					      &info) == 0 && info.ksm)
				child_ksm = true;
		}
		snprintf(v, sizeof(v), "%d", !across);
		rc = ksml_knob_write(ksm, "merge_across_nodes", v, strlen(v));
		if (fw_tracing())
			fprintf(stderr, "unregistered child maps KSM pages: %d; merge_across_nodes=%s -> %d\n",
				child_ksm, v, rc);
		if (rc == 0 && child_ksm)
			fw_fail("merge_across_nodes changed while KSM pages are still mapped "
				"(their stable nodes are filed under the old layout)");
		fw_check_core(ksm, warns, "after the merge_across_nodes write");
		ksml_mm_exit(child);
		ksml_mm_exit(par);
		knob(ksm, "run", 1);
		if (ksml_scan_full(ksm, 1, 0) != 0)
			fw_fail("the pass after the child exited did not complete");
		fw_check_core(ksm, warns, "after the child exited");
	}

	stale_chain(&cfg, &fd, buf, want);

	/*
	 * Sometimes the first mm stays alive into ksml_destroy, as a process
	 * still running at module exit: destroy must exit it, leak nothing.
	 */
	leave_mm = ksml_fuzz_bool(&fd);
	for (i = leave_mm ? 1 : 0; i < nr_mm; i++)
		ksml_mm_exit(mms[i].mm);
	fw_check_core(ksm, warns, leave_mm ? "with one mm left" : "after every mm exited");
	ksml_destroy(ksm);
	free(buf);
	free(want);
	if (ksml_plat_live_allocs() != allocs)
		fw_fail("ksml_destroy leaked %ld allocations", ksml_plat_live_allocs() - allocs);
	return 0;
}

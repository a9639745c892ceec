/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_knowledge.c - what the model knows and ksmd does not: which pages
 * were written (cfg.model_knowledge).  Off by default; nothing else in
 * the core depends on it, and the decisions stay the kernel's.
 *
 * Frames count their writes (wgen), so (frame, even wgen) names one
 * content for good.  Two uses:
 *
 *  - write tracking: a page whose frame and version are the ones its last
 *    checksum was computed from still has that checksum: it is not read
 *    again.  The kernel would need a dirty bit nothing else clears.
 *  - content names: when a page is checksummed it is compared, while it
 *    is in cache, with the last page seen under the same hash, and takes
 *    that page's name if equal.  At merge time (after write-protect) a
 *    page and a KSM page with one name, each still holding the content it
 *    was named for, are identical without the second read of
 *    pages_identical; anything else is compared as the kernel does.
 *
 * Without model_knowledge every function here does what mm/ksm.c does:
 * checksum the page, compare the pages.
 */
#include "ksm_internal.h"

/* the last page seen per hash bucket */
struct ksm_recent {
	uint64_t key;
	struct ksm_cname name; /* the content's name */
	struct ksm_cname at;   /* where it was seen: frame and version */
};

struct ksm_knowledge {
	struct ksm_recent *recent;
	unsigned long recent_mask;
};

static struct ksm_knowledge *kn(struct ksml *ksm)
{
	return ksm->knowledge_data;
}

int ksml_knowledge_init(struct ksml *ksm)
{
	struct ksm_knowledge *k;
	unsigned long n;

	if (!ksm->cfg.model_knowledge)
		return 0;
	k = ksml_plat_zalloc(sizeof(*k));
	if (!k)
		return -KSML_ENOMEM;
	k->recent = ksml_index_table(0, 0, sizeof(*k->recent), &n);
	if (!k->recent) {
		ksml_plat_free(k);
		return -KSML_ENOMEM;
	}
	k->recent_mask = n - 1;
	ksm->knowledge_data = k;
	return 0;
}

void ksml_knowledge_free(struct ksml *ksm)
{
	struct ksm_knowledge *k = kn(ksm);

	if (!k)
		return;
	ksml_plat_free(k->recent);
	ksml_plat_free(k);
	ksm->knowledge_data = NULL;
}

/* a slot per page scanned, if memory allows: it is a cache, not a map */
void ksml_knowledge_pass_start(struct ksml *ksm)
{
	struct ksm_knowledge *k = kn(ksm);
	unsigned long size;
	struct ksm_recent *t;

	if (!k)
		return;
	t = ksml_index_table(KSML_READ_ONCE(ksm->ksm_rmap_items),
			     k->recent_mask + 1, sizeof(*t), &size);
	if (!t)
		return;
	ksml_plat_free(k->recent);
	k->recent = t;
	k->recent_mask = size - 1;
}

/*
 * Name what page holds: rmap_item was just checksummed (vframe, vgen and
 * key are that content's).  Only ksmd calls this, so the table needs no
 * lock; the frame it remembers may have been freed since, which the
 * keyhole reference and the version check catch.
 */
static void cname_page(struct ksml *ksm, struct ksm_knowledge *k,
		       struct ksm_rmap_item *rmap_item, struct ksml_frame *page,
		       uint64_t key)
{
	struct ksm_recent *r;
	struct ksml_frame *f;

	rmap_item->cname.frame = NULL;
	if (rmap_item->vframe != page)
		return; /* written while it was read: no name */
	r = &k->recent[ksml_index_hash(key, 0) & k->recent_mask];
	f = r->at.frame;
	/* a keyhole reference: ours until the put below */
	if (r->key == key && f && f != page && ksml_frame_get_unless_zero(f)) {
		bool same = ksml_frame_version_is(f, r->at.gen) &&
			    ksml_page_cmp(ksm, page, f) == 0 &&
			    ksml_frame_version_is(f, r->at.gen) &&
			    ksml_frame_version_is(page, rmap_item->vgen);

		ksml_frame_put(ksm, f);
		if (same) {
			rmap_item->cname = r->name;
			return;
		}
	}
	rmap_item->cname.frame = page;
	rmap_item->cname.gen = rmap_item->vgen;
	r->key = key;
	r->name = rmap_item->cname;
	r->at = rmap_item->cname;
}

/*
 * The checksum of page at rmap_item's visit (calc_checksum), and its
 * 64-bit hash in *key.  With write tracking, an unwritten page keeps the
 * checksum it had.
 */
uint32_t ksml_page_checksum(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
			    struct ksml_frame *page, uint64_t *key)
{
	struct ksm_knowledge *k = kn(ksm);
	unsigned long v;
	uint32_t cs;

	if (!k)
		return ksml_calc_checksum(ksm, page, key);
	if (rmap_item->vframe == page &&
	    ksml_frame_version_is(page, rmap_item->vgen)) {
		*key = rmap_item->key;
		return rmap_item->oldchecksum;
	}
	v = ksml_frame_read_begin(page);
	cs = ksml_calc_checksum(ksm, page, key);
	/* oldchecksum and key are this version's from here on (see caller) */
	rmap_item->key = *key;
	rmap_item->vframe = ksml_frame_version_is(page, v) ? page : NULL;
	rmap_item->vgen = v;
	cname_page(ksm, k, rmap_item, page, *key);
	return cs;
}

/*
 * A new stable node for kfolio, the page rmap_item was checksummed from:
 * the KSM page keeps the name that page had.
 */
void ksml_note_stable_node(struct ksml *ksm, struct ksm_stable_node *node,
			   struct ksm_rmap_item *rmap_item,
			   struct ksml_frame *kfolio)
{
	if (!kn(ksm) || rmap_item->vframe != kfolio)
		return;
	node->cname = rmap_item->cname;
	node->kat.frame = kfolio;
	node->kat.gen = rmap_item->vgen;
}

/*
 * pages_identical for a merge of page (mapped by rmap_item, write-
 * protected) into kpage: kitem is the rmap_item kpage was checksummed as
 * (a two-page merge), or NULL for a KSM page of the stable tree.  Equal
 * names whose contents are still the named versions certify it; else the
 * pages are compared.
 */
bool ksml_pages_identical(struct ksml *ksm,
			  const struct ksm_rmap_item *rmap_item,
			  struct ksml_frame *page,
			  const struct ksm_rmap_item *kitem,
			  struct ksml_frame *kpage)
{
	if (kn(ksm)) {
		const struct ksm_cname *kname = NULL;
		struct ksm_cname kat = {NULL, 0};

		if (kitem) {
			kname = &kitem->cname;
			kat.frame = kitem->vframe;
			kat.gen = kitem->vgen;
		} else {
			struct ksm_stable_node *node = page_stable_node(kpage);

			if (node) {
				kname = &node->cname;
				kat = node->kat;
			}
		}
		if (kname && ksm_cname_eq(&rmap_item->cname, kname) &&
		    rmap_item->vframe == page &&
		    ksml_frame_version_is(page, rmap_item->vgen) &&
		    kat.frame == kpage && ksml_frame_version_is(kpage, kat.gen))
			return true;
	}
	return ksml_page_cmp(ksm, page, kpage) == 0;
}

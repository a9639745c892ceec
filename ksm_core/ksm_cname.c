/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_cname.c - content names, the checksum index's way to merge without
 * reading pages a second time.
 *
 * The kernel compares a page with its KSM page when it merges them
 * (pages_identical after write-protect): on a large scan that compare reads
 * the page from DRAM again, a pass after its checksum read it.  Frames here
 * count their writes, so (frame, even wgen) names one content for good.
 * When the scan checksums a page, it compares it, while it is still in
 * cache, with the last page seen under the same key, and if they are equal
 * gives it that page's name.  At merge time, after write-protect, a page
 * and a KSM page with the same name, each still holding the content it was
 * named for, are equal without a compare; anything else is compared as the
 * kernel does.  The decisions, and so the counters, are the kernel's.
 */
#include "ksm_internal.h"

/* a slot per page scanned, if memory allows: it is a cache, not a map */
void ksml_cname_resize(struct ksml *ksm, unsigned long want)
{
	unsigned long size;
	struct ksm_recent *t;

	if (!ksm->recent)
		return;
	t = ksml_index_table(want, ksm->recent_mask + 1, sizeof(*t), &size);
	if (!t)
		return;
	ksml_plat_free(ksm->recent);
	ksm->recent = t;
	ksm->recent_mask = size - 1;
}

/*
 * Name what page holds: rmap_item was just checksummed (vframe, vgen and
 * key are that content's).  Only ksmd calls this, so the table needs no
 * lock; the frame it remembers may have been freed since, which the
 * reference and the version check catch.
 */
void ksml_cname_page(struct ksml *ksm, struct ksm_rmap_item *rmap_item,
		     struct ksml_frame *page, uint64_t key)
{
	struct ksm_recent *r;
	struct ksml_frame *f;

	if (!ksm->recent)
		return;
	rmap_item->cname.frame = NULL;
	if (rmap_item->vframe != page)
		return; /* written while it was read: no name */
	r = &ksm->recent[ksml_index_hash(key, 0) & ksm->recent_mask];
	f = r->at.frame;
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
 * May page (mapped by rmap_item, write-protected) be taken as equal to
 * kpage without a compare?  Yes if both carry one name and each still
 * holds the content it was named for: page as rmap_item's version, kpage
 * as the version kat says.
 */
bool ksml_cname_certifies(const struct ksm_rmap_item *rmap_item,
			  struct ksml_frame *page, const struct ksm_cname *kname,
			  const struct ksm_cname *kat, struct ksml_frame *kpage)
{
	return kname && kat && ksm_cname_eq(&rmap_item->cname, kname) &&
	       rmap_item->vframe == page &&
	       ksml_frame_version_is(page, rmap_item->vgen) &&
	       kat->frame == kpage && ksml_frame_version_is(kpage, kat->gen);
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_list.h - the two list shapes mm/ksm.c relies on: a circular doubly
 * linked list (the mm list, migrate_nodes) and an hlist (hash buckets,
 * a stable node's rmap_items, a chain's dups).  Own code, kernel names
 * with a ksml_ prefix so the module never clashes with <linux/list.h>.
 */
#ifndef KSM_LIST_H
#define KSM_LIST_H

#include "ksm_platform.h"

struct ksml_list_head {
	struct ksml_list_head *next, *prev;
};

static inline void ksml_list_init(struct ksml_list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool ksml_list_empty(const struct ksml_list_head *h)
{
	return KSML_READ_ONCE(h->next) == h;
}

static inline void ksml_list_insert(struct ksml_list_head *n,
				    struct ksml_list_head *prev,
				    struct ksml_list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	KSML_WRITE_ONCE(prev->next, n);
}

/* insert n just before pos (at the tail when pos is the head) */
static inline void ksml_list_add_before(struct ksml_list_head *n,
					struct ksml_list_head *pos)
{
	ksml_list_insert(n, pos->prev, pos);
}

/* insert n just after pos */
static inline void ksml_list_add_after(struct ksml_list_head *n,
				       struct ksml_list_head *pos)
{
	ksml_list_insert(n, pos, pos->next);
}

static inline void ksml_list_del(struct ksml_list_head *n)
{
	n->next->prev = n->prev;
	KSML_WRITE_ONCE(n->prev->next, n->next);
	n->next = n;
	n->prev = n;
}

#define ksml_list_entry(ptr, type, member) ksml_container_of(ptr, type, member)

struct ksml_hlist_node {
	struct ksml_hlist_node *next, **pprev;
};

struct ksml_hlist_head {
	struct ksml_hlist_node *first;
};

static inline bool ksml_hlist_empty(const struct ksml_hlist_head *h)
{
	return h->first == NULL;
}

static inline bool ksml_hlist_unhashed(const struct ksml_hlist_node *n)
{
	return n->pprev == NULL;
}

static inline void ksml_hlist_add_head(struct ksml_hlist_node *n,
				       struct ksml_hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void ksml_hlist_del(struct ksml_hlist_node *n)
{
	if (!n->pprev)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

/* true if n is the only node of its list */
static inline bool ksml_hlist_is_singular_node(const struct ksml_hlist_node *n,
					       const struct ksml_hlist_head *h)
{
	return !n->next && n->pprev == &h->first;
}

#define ksml_hlist_entry(ptr, type, member) ksml_container_of(ptr, type, member)

#endif /* KSM_LIST_H */

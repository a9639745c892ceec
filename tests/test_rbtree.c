/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_rbtree.c - the platform red-black tree against a sorted-array model.
 *
 * Failure: any difference between the in-order walk and the model, or any
 * broken red-black invariant (root black, no red-red edge, equal black
 * height), or an inconsistent parent pointer.  Exit 0 only if all pass.
 *
 * Usage: test_rbtree [seed] [ops]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm_platform.h"

#define NKEYS	    3000 /* key space; the tree holds about half of it */
#define CHECK_EVERY 64	 /* full verification every this many ops */

struct item {
	struct ksml_rb_node rb;
	int key;
};

/* two items per key so that replace has somewhere to move to */
static struct item items[NKEYS][2];
static int cur[NKEYS];	 /* which of the two is in the tree, -1: none */
static int model[NKEYS]; /* sorted keys in the tree */
static int nmodel;
static struct ksml_rb_root root = KSML_RB_ROOT_INIT;

static unsigned long nr_checks, nr_ins, nr_era, nr_rep;
static const char *phase = "init";
static long opno;

#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "FAIL [%s op %ld] %s:%d: ", phase, opno,       \
			__FILE__, __LINE__);                                   \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		printf("SUMMARY: rbtree FAILED in %s at op %ld\n", phase,      \
		       opno);                                                  \
		exit(1);                                                       \
	} while (0)
#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			FAIL("check failed: %s", #c);                          \
	} while (0)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, same run everywhere */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int rb_key(const struct ksml_rb_node *n)
{
	return ksml_rb_entry(n, struct item, rb)->key;
}

static bool is_black(const struct ksml_rb_node *n)
{
	return !n || (n->__rb_parent_color & 1);
}

/* ---------------------------------------------------------------- model */

static int model_find(int key)
{
	int lo = 0, hi = nmodel;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (model[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_insert(int key)
{
	int i = model_find(key);

	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(model[0]));
	model[i] = key;
	nmodel++;
}

static void model_erase(int key)
{
	int i = model_find(key);

	CHECK(i < nmodel && model[i] == key);
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

/* ----------------------------------------------------------- tree ops */

/* the way the core uses it: walk from the root comparing, link, colour */
static void tree_insert(int key)
{
	struct ksml_rb_node **link = &root.rb_node, *parent = NULL;
	struct item *it;
	int slot = cur[key] < 0 ? 0 : cur[key];

	while (*link) {
		int k = rb_key(*link);

		parent = *link;
		CHECK(k != key);
		link = key < k ? &parent->rb_left : &parent->rb_right;
	}
	it = &items[key][slot];
	it->key = key;
	ksml_rb_link_node(&it->rb, parent, link);
	/* linked but not yet coloured: red, with the given parent */
	CHECK(it->rb.__rb_parent_color == (unsigned long)parent);
	CHECK(ksml_rb_parent(&it->rb) == parent);
	ksml_rb_insert_color(&it->rb, &root);
	cur[key] = slot;
	nr_ins++;
}

static struct ksml_rb_node *tree_search(int key)
{
	struct ksml_rb_node *n = root.rb_node;

	while (n) {
		int k = rb_key(n);

		if (key == k)
			return n;
		n = key < k ? n->rb_left : n->rb_right;
	}
	return NULL;
}

static void tree_erase(int key)
{
	struct ksml_rb_node *n = tree_search(key);

	CHECK(n == &items[key][cur[key]].rb);
	ksml_rb_erase(n, &root);
	/* poison: a tree still reaching this node trips the checks */
	memset(n, 0xa5, sizeof(*n));
	KSML_RB_CLEAR_NODE(n);
	CHECK(KSML_RB_EMPTY_NODE(n));
	CHECK(ksml_rb_next(n) == NULL);
	cur[key] = -1;
	nr_era++;
}

static void tree_replace(int key)
{
	struct ksml_rb_node *victim = &items[key][cur[key]].rb;
	struct item *nw = &items[key][!cur[key]];
	unsigned long color = victim->__rb_parent_color & 1;

	memset(nw, 0x5a, sizeof(*nw));
	nw->key = key;
	ksml_rb_replace_node(victim, &nw->rb, &root);
	CHECK((nw->rb.__rb_parent_color & 1) == color);
	memset(victim, 0xa5, sizeof(*victim));
	cur[key] = !cur[key];
	nr_rep++;
}

/* ---------------------------------------------------------------- check */

static void verify(void)
{
	static struct ksml_rb_node *stack[128];
	struct ksml_rb_node *n, *r = root.rb_node;
	int sp = 0, count = 0, bh = -1, i;

	nr_checks++;
	if (!r) {
		CHECK(nmodel == 0);
		CHECK(ksml_rb_first(&root) == NULL);
		return;
	}
	CHECK(ksml_rb_parent(r) == NULL);
	CHECK(is_black(r));

	/* structure, independent of rb_next: depth-first over every node */
	stack[sp++] = r;
	while (sp) {
		n = stack[--sp];
		count++;
		CHECK(count <= nmodel);
		CHECK((n->__rb_parent_color & 2) == 0);
		if (n->rb_left) {
			CHECK(ksml_rb_parent(n->rb_left) == n);
			CHECK(rb_key(n->rb_left) < rb_key(n));
			if (!is_black(n))
				CHECK(is_black(n->rb_left));
			CHECK(sp < 128);
			stack[sp++] = n->rb_left;
		}
		if (n->rb_right) {
			CHECK(ksml_rb_parent(n->rb_right) == n);
			CHECK(rb_key(n->rb_right) > rb_key(n));
			if (!is_black(n))
				CHECK(is_black(n->rb_right));
			CHECK(sp < 128);
			stack[sp++] = n->rb_right;
		}
		if (!n->rb_left || !n->rb_right) {
			/* a NULL leaf hangs here: count blacks to the root */
			const struct ksml_rb_node *p;
			int b = 0;

			for (p = n; p; p = ksml_rb_parent(p))
				b += is_black(p);
			if (bh < 0)
				bh = b;
			CHECK(b == bh);
		}
	}
	CHECK(count == nmodel);

	/* order: the in-order walk is exactly the model */
	n = ksml_rb_first(&root);
	for (i = 0; i < nmodel; i++) {
		CHECK(n != NULL);
		if (rb_key(n) != model[i])
			FAIL("in-order[%d] = %d, model %d", i, rb_key(n),
			     model[i]);
		CHECK(n == &items[model[i]][cur[model[i]]].rb);
		n = ksml_rb_next(n);
	}
	CHECK(n == NULL);
}

static void reset(void)
{
	int k;

	root.rb_node = NULL;
	nmodel = 0;
	for (k = 0; k < NKEYS; k++)
		cur[k] = -1;
}

static void do_insert(int k)
{
	tree_insert(k);
	model_insert(k);
}

static void do_erase(int k)
{
	tree_erase(k);
	model_erase(k);
}

/* ----------------------------------------------------------- edge cases */

static void edge_cases(void)
{
	struct ksml_rb_node *r;
	int k, n = 1000;

	phase = "empty";
	reset();
	verify();
	CHECK(ksml_rb_first(&root) == NULL);

	phase = "single";
	do_insert(7);
	verify();
	r = root.rb_node;
	CHECK(r == &items[7][cur[7]].rb && is_black(r));
	CHECK(ksml_rb_first(&root) == r && ksml_rb_next(r) == NULL);
	tree_replace(7);
	verify();
	CHECK(root.rb_node == &items[7][cur[7]].rb);
	do_erase(7);
	verify();
	CHECK(root.rb_node == NULL);

	/* the kernel's shape for 1, 2, 3: black 2 with two red children */
	phase = "shape";
	do_insert(1);
	do_insert(2);
	do_insert(3);
	verify();
	r = root.rb_node;
	CHECK(rb_key(r) == 2 && is_black(r));
	CHECK(!is_black(r->rb_left) && !is_black(r->rb_right));
	do_insert(4); /* red uncle: recolour, root stays black */
	verify();
	CHECK(is_black(r->rb_left) && is_black(r->rb_right));
	CHECK(!is_black(r->rb_right->rb_right));

	phase = "erase-root";
	while (root.rb_node) {
		do_erase(rb_key(root.rb_node));
		verify();
	}

	phase = "ascending";
	for (k = 0; k < n; k++) {
		do_insert(k);
		verify();
	}
	phase = "erase-ascending";
	for (k = 0; k < n; k++) {
		do_erase(k);
		if (k % 7 == 0)
			verify();
	}
	verify();

	phase = "descending";
	for (k = n - 1; k >= 0; k--) {
		do_insert(k);
		verify();
	}
	phase = "replace-root";
	for (k = 0; k < 50; k++) {
		tree_replace(rb_key(root.rb_node));
		verify();
	}
	phase = "erase-descending";
	for (k = n - 1; k >= 0; k--) {
		do_erase(k);
		if (k % 7 == 0)
			verify();
	}
	verify();
	CHECK(root.rb_node == NULL);
}

/* ------------------------------------------------------------ random ops */

static void random_ops(long ops)
{
	reset();
	phase = "random";
	for (opno = 0; opno < ops; opno++) {
		int k = rnd() % NKEYS;
		unsigned int what = rnd() % 8;

		if (cur[k] < 0)
			do_insert(k);
		else if (what < 3)
			tree_replace(k);
		else
			do_erase(k);
		if (opno % CHECK_EVERY == 0)
			verify();
	}
	verify();
	/* drain from the middle outwards: leaves nothing dangling */
	phase = "drain";
	while (nmodel) {
		do_erase(model[nmodel / 2]);
		if (nmodel % 97 == 0)
			verify();
	}
	verify();
}

int main(int argc, char **argv)
{
	uint64_t seed =
		argc > 1 ? strtoull(argv[1], NULL, 0) : 0x6b736d6c6162ULL;
	long ops = argc > 2 ? strtol(argv[2], NULL, 0) : 200000;

	rng_state = seed ? seed : 1;
	edge_cases();
	random_ops(ops);
	printf("SUMMARY: rbtree passed: %ld random ops (seed %#llx: %lu "
	       "inserts, "
	       "%lu erases, %lu replaces in all), %lu full checks, edge cases "
	       "ok\n",
	       ops, (unsigned long long)seed, nr_ins, nr_era, nr_rep,
	       nr_checks);
	return 0;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * rbtree.c - red-black tree of the user and sim platforms, with the layout
 * and semantics of the kernel's <linux/rbtree.h>.
 *
 * The invariants (NULL children are the black leaves):
 *  1) every node is red or black;
 *  2) the root is black;
 *  3) every leaf (NULL) is black;
 *  4) a red node has no red child (so a red node has a black parent);
 *  5) every path from a node down to a leaf holds the same number of
 *     black nodes (its black height).
 *
 * 4) and 5) together bound the longest root-to-leaf path to twice the
 * shortest, hence O(log n) depth.
 *
 * Encoding: the parent pointer and the colour share __rb_parent_color;
 * bit 0 is the colour (red = 0, black = 1), bit 1 is unused and zero.
 * A node fresh from ksml_rb_link_node() is therefore red.
 *
 * Everything here is iterative; the caller serialises access to a tree.
 */
#include "../../ksm_platform.h"

#define RB_RED	 0UL
#define RB_BLACK 1UL

static inline struct ksml_rb_node *rb_parent(const struct ksml_rb_node *n)
{
	return ksml_rb_parent(n);
}

/* parent of a node known to be red: the colour bit is zero, no masking */
static inline struct ksml_rb_node *rb_red_parent(const struct ksml_rb_node *n)
{
	return (struct ksml_rb_node *)n->__rb_parent_color;
}

static inline bool rb_is_black(const struct ksml_rb_node *n)
{
	return n->__rb_parent_color & RB_BLACK;
}

/* NULL is a leaf, hence black */
static inline bool rb_is_red(const struct ksml_rb_node *n)
{
	return n && !rb_is_black(n);
}

static inline void rb_set_black(struct ksml_rb_node *n)
{
	n->__rb_parent_color |= RB_BLACK;
}

static inline void rb_set_parent(struct ksml_rb_node *n, struct ksml_rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | (n->__rb_parent_color & 3UL);
}

static inline void rb_set_parent_color(struct ksml_rb_node *n,
				       struct ksml_rb_node *p, unsigned long c)
{
	n->__rb_parent_color = (unsigned long)p | c;
}

/* point the link that held @old (in @parent, or the root) at @new_node */
static inline void rb_change_child(struct ksml_rb_node *old,
				   struct ksml_rb_node *new_node,
				   struct ksml_rb_node *parent,
				   struct ksml_rb_root *root)
{
	if (!parent)
		root->rb_node = new_node;
	else if (parent->rb_left == old)
		parent->rb_left = new_node;
	else
		parent->rb_right = new_node;
}

/*
 * Finish a rotation: @new_node takes @old's place (parent and colour),
 * @old becomes @new_node's child with colour @color.
 */
static inline void rb_rotate_set_parents(struct ksml_rb_node *old,
					 struct ksml_rb_node *new_node,
					 struct ksml_rb_root *root,
					 unsigned long color)
{
	struct ksml_rb_node *parent = rb_parent(old);

	new_node->__rb_parent_color = old->__rb_parent_color;
	rb_set_parent_color(old, new_node, color);
	rb_change_child(old, new_node, parent, root);
}

void ksml_rb_insert_color(struct ksml_rb_node *node, struct ksml_rb_root *root)
{
	struct ksml_rb_node *parent = rb_red_parent(node), *gparent, *tmp;

	for (;;) {
		/*
		 * Loop invariant: node is red.  Only 4) may be broken, and
		 * only between node and its parent.
		 */
		if (!parent) {
			/* root: blackening it adds a black to every path */
			rb_set_parent_color(node, NULL, RB_BLACK);
			break;
		}
		if (rb_is_black(parent))
			break;

		/* a red parent is not the root: gparent exists, is black */
		gparent = rb_red_parent(parent);
		tmp = gparent->rb_right;
		if (parent != tmp) { /* parent is gparent's left child */
			if (rb_is_red(tmp)) {
				/*
				 * Case 1, red uncle.  Move gparent's black down
				 * onto both its children: black heights below
				 * gparent are unchanged, but gparent turning
				 * red may clash with its own parent, so go up
				 * two.
				 *
				 *       G            g
				 *      / \          / \
				 *     p   u  -->   P   U
				 *    /            /
				 *   n            n
				 */
				rb_set_parent_color(tmp, gparent, RB_BLACK);
				rb_set_parent_color(parent, gparent, RB_BLACK);
				node = gparent;
				parent = rb_parent(node);
				rb_set_parent_color(node, parent, RB_RED);
				continue;
			}

			tmp = parent->rb_right;
			if (node == tmp) {
				/*
				 * Case 2, black uncle and node is an inner
				 * grandchild.  Case 3 needs the red pair on the
				 * outside; rotating left at parent puts it
				 * there and moves only red nodes, so 5) still
				 * holds.
				 *
				 *      G             G
				 *     / \           / \
				 *    p   U  -->    n   U
				 *     \           /
				 *      n         p
				 */
				tmp = node->rb_left;
				parent->rb_right = tmp;
				node->rb_left = parent;
				if (tmp)
					rb_set_parent_color(tmp, parent,
							    RB_BLACK);
				rb_set_parent_color(parent, node, RB_RED);
				parent = node;
				tmp = node->rb_right;
			}

			/*
			 * Case 3, black uncle and node is an outer grandchild.
			 * Rotate right at gparent and swap the colours of
			 * parent and gparent: the black that headed the
			 * subtree still heads it, the red pair is split, and
			 * the new head is black so nothing above can clash.
			 *
			 *        G           P
			 *       / \         / \
			 *      p   U  -->  n   g
			 *     /                 \
			 *    n                   U
			 */
			gparent->rb_left = tmp; /* == parent->rb_right */
			parent->rb_right = gparent;
			if (tmp)
				rb_set_parent_color(tmp, gparent, RB_BLACK);
			rb_rotate_set_parents(gparent, parent, root, RB_RED);
			break;
		} else { /* mirror image: parent is the right child */
			tmp = gparent->rb_left;
			if (rb_is_red(tmp)) {
				/* Case 1, red uncle */
				rb_set_parent_color(tmp, gparent, RB_BLACK);
				rb_set_parent_color(parent, gparent, RB_BLACK);
				node = gparent;
				parent = rb_parent(node);
				rb_set_parent_color(node, parent, RB_RED);
				continue;
			}

			tmp = parent->rb_left;
			if (node == tmp) {
				/* Case 2, inner grandchild: rotate right */
				tmp = node->rb_right;
				parent->rb_left = tmp;
				node->rb_right = parent;
				if (tmp)
					rb_set_parent_color(tmp, parent,
							    RB_BLACK);
				rb_set_parent_color(parent, node, RB_RED);
				parent = node;
				tmp = node->rb_left;
			}

			/* Case 3, outer grandchild: rotate left at gparent */
			gparent->rb_right = tmp; /* == parent->rb_left */
			parent->rb_left = gparent;
			if (tmp)
				rb_set_parent_color(tmp, gparent, RB_BLACK);
			rb_rotate_set_parents(gparent, parent, root, RB_RED);
			break;
		}
	}
}

/*
 * A black node was unlinked below @parent: the side of @parent it came
 * from (the side whose child is NULL on the first pass) now has one black
 * fewer than the other side.  Restore 5).
 */
static void rb_erase_color(struct ksml_rb_node *parent,
			   struct ksml_rb_root *root)
{
	struct ksml_rb_node *node = NULL, *sibling, *tmp1, *tmp2;

	for (;;) {
		/*
		 * Loop invariants:
		 * - node is black, or NULL on the first pass;
		 * - node is not the root (parent is not NULL);
		 * - every path through node has one black fewer than the
		 *   paths through its sibling, which therefore exists and
		 *   has a black height of at least one.
		 */
		sibling = parent->rb_right;
		if (node != sibling) { /* node is the left child */
			if (!rb_is_black(sibling)) {
				/*
				 * Case 1, red sibling (so parent and nephews
				 * are black).  The cases below need a black
				 * sibling: rotate left at parent and swap
				 * parent's and sibling's colours; black heights
				 * are unchanged and node's new sibling is a
				 * former nephew.
				 *
				 *     P               S
				 *    / \             / \
				 *   N   s    -->    p   Sr
				 *      / \         / \
				 *     Sl  Sr      N   Sl
				 */
				tmp1 = sibling->rb_left;
				parent->rb_right = tmp1;
				sibling->rb_left = parent;
				rb_set_parent_color(tmp1, parent, RB_BLACK);
				rb_rotate_set_parents(parent, sibling, root,
						      RB_RED);
				sibling = tmp1;
			}
			tmp1 = sibling->rb_right;
			if (!rb_is_red(tmp1)) {
				tmp2 = sibling->rb_left;
				if (!rb_is_red(tmp2)) {
					/*
					 * Case 2, black sibling with black
					 * children.  Painting the sibling red
					 * takes one black off its side too, so
					 * parent's two sides agree.  A red
					 * parent turns black and pays the debt
					 * back; a black parent passes the debt
					 * up.
					 *
					 *    (p)           (p)
					 *    / \           / \
					 *   N   S    -->  N   s
					 *      / \           / \
					 *     Sl  Sr        Sl  Sr
					 */
					rb_set_parent_color(sibling, parent,
							    RB_RED);
					if (!rb_is_black(parent)) {
						rb_set_black(parent);
					} else {
						node = parent;
						parent = rb_parent(node);
						if (parent)
							continue;
					}
					break;
				}
				/*
				 * Case 3, black sibling, far nephew black, near
				 * nephew red.  Case 4 needs the red nephew on
				 * the far side: rotate right at sibling.  The
				 * near nephew takes the sibling's place and
				 * case 4 paints it the parent's colour, and the
				 * old sibling black, so heights come out right.
				 *
				 *   (p)           (p)
				 *   / \           / \
				 *  N   S    -->  N   sl
				 *     / \              \
				 *    sl  Sr             S
				 *                        \
				 *                         Sr
				 */
				tmp1 = tmp2->rb_right;
				sibling->rb_left = tmp1;
				tmp2->rb_right = sibling;
				parent->rb_right = tmp2;
				if (tmp1)
					rb_set_parent_color(tmp1, sibling,
							    RB_BLACK);
				tmp1 = sibling;
				sibling = tmp2;
			}
			/*
			 * Case 4, black sibling with a red far nephew.  Rotate
			 * left at parent: the sibling takes the parent's place
			 * and colour, parent turns black (one more black above
			 * N, paying the debt), the far nephew turns black
			 * (replacing the black sibling that left its path).
			 *
			 *      (p)             (s)
			 *      / \             / \
			 *     N   S     -->   P   Sr
			 *        / \         / \
			 *      (sl) sr      N  (sl)
			 */
			tmp2 = sibling->rb_left;
			parent->rb_right = tmp2;
			sibling->rb_left = parent;
			rb_set_parent_color(tmp1, sibling, RB_BLACK);
			if (tmp2)
				rb_set_parent(tmp2, parent);
			rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
			break;
		} else { /* mirror image: node is the right child */
			sibling = parent->rb_left;
			if (!rb_is_black(sibling)) {
				/* Case 1, red sibling: rotate right */
				tmp1 = sibling->rb_right;
				parent->rb_left = tmp1;
				sibling->rb_right = parent;
				rb_set_parent_color(tmp1, parent, RB_BLACK);
				rb_rotate_set_parents(parent, sibling, root,
						      RB_RED);
				sibling = tmp1;
			}
			tmp1 = sibling->rb_left;
			if (!rb_is_red(tmp1)) {
				tmp2 = sibling->rb_right;
				if (!rb_is_red(tmp2)) {
					/* Case 2, black sibling and nephews */
					rb_set_parent_color(sibling, parent,
							    RB_RED);
					if (!rb_is_black(parent)) {
						rb_set_black(parent);
					} else {
						node = parent;
						parent = rb_parent(node);
						if (parent)
							continue;
					}
					break;
				}
				/* Case 3, near nephew red: rotate left */
				tmp1 = tmp2->rb_left;
				sibling->rb_right = tmp1;
				tmp2->rb_left = sibling;
				parent->rb_left = tmp2;
				if (tmp1)
					rb_set_parent_color(tmp1, sibling,
							    RB_BLACK);
				tmp1 = sibling;
				sibling = tmp2;
			}
			/* Case 4, far nephew red: rotate right at parent */
			tmp2 = sibling->rb_right;
			parent->rb_left = tmp2;
			sibling->rb_right = parent;
			rb_set_parent_color(tmp1, sibling, RB_BLACK);
			if (tmp2)
				rb_set_parent(tmp2, parent);
			rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
			break;
		}
	}
}

void ksml_rb_erase(struct ksml_rb_node *node, struct ksml_rb_root *root)
{
	struct ksml_rb_node *child = node->rb_right;
	struct ksml_rb_node *tmp = node->rb_left;
	struct ksml_rb_node *parent, *rebalance;
	unsigned long pc;

	if (!tmp) {
		/*
		 * No left child: splice in the right one.  If there is one it
		 * is red (by 5) it has black height zero) and node is black;
		 * it takes node's parent and black colour, and nothing
		 * changes for any path.  If there is none and node was
		 * black, its parent's side lost a black.
		 */
		pc = node->__rb_parent_color;
		parent = (struct ksml_rb_node *)(pc & ~3UL);
		rb_change_child(node, child, parent, root);
		if (child) {
			child->__rb_parent_color = pc;
			rebalance = NULL;
		} else {
			rebalance = (pc & RB_BLACK) ? parent : NULL;
		}
	} else if (!child) {
		/* only a left child: red with a black parent, as above */
		pc = node->__rb_parent_color;
		tmp->__rb_parent_color = pc;
		parent = (struct ksml_rb_node *)(pc & ~3UL);
		rb_change_child(node, tmp, parent, root);
		rebalance = NULL;
	} else {
		/*
		 * Two children: the in-order successor (leftmost of the right
		 * subtree, so it has no left child) takes node's place and
		 * colour; what is lost is the successor's colour at its old
		 * position, where its right child (if any, red) moves up.
		 */
		struct ksml_rb_node *successor = child, *child2;

		tmp = child->rb_left;
		if (!tmp) {
			/* successor is node's right child, keeps its subtree */
			parent = successor;
			child2 = successor->rb_right;
		} else {
			do {
				parent = successor;
				successor = tmp;
				tmp = tmp->rb_left;
			} while (tmp);
			child2 = successor->rb_right;
			parent->rb_left = child2;
			successor->rb_right = child;
			rb_set_parent(child, successor);
		}

		tmp = node->rb_left;
		successor->rb_left = tmp;
		rb_set_parent(tmp, successor);

		pc = node->__rb_parent_color;
		rb_change_child(node, successor,
				(struct ksml_rb_node *)(pc & ~3UL), root);

		if (child2) {
			/* the red child turns black for the black successor */
			rb_set_parent_color(child2, parent, RB_BLACK);
			rebalance = NULL;
		} else {
			rebalance = rb_is_black(successor) ? parent : NULL;
		}
		successor->__rb_parent_color = pc;
	}

	if (rebalance)
		rb_erase_color(rebalance, root);
}

void ksml_rb_replace_node(struct ksml_rb_node *victim,
			  struct ksml_rb_node *new_node,
			  struct ksml_rb_root *root)
{
	struct ksml_rb_node *parent = rb_parent(victim);

	/* same position, same colour: no invariant can change */
	*new_node = *victim;
	if (victim->rb_left)
		rb_set_parent(victim->rb_left, new_node);
	if (victim->rb_right)
		rb_set_parent(victim->rb_right, new_node);
	rb_change_child(victim, new_node, parent, root);
}

struct ksml_rb_node *ksml_rb_first(const struct ksml_rb_root *root)
{
	struct ksml_rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct ksml_rb_node *ksml_rb_next(const struct ksml_rb_node *node)
{
	struct ksml_rb_node *parent;

	if (KSML_RB_EMPTY_NODE(node))
		return NULL;

	/* a right subtree holds the successor: its leftmost node */
	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct ksml_rb_node *)node;
	}

	/*
	 * Otherwise climb while we are a right child: those ancestors are
	 * smaller.  The first ancestor reached from its left is the
	 * successor; reaching the root from the right means there is none.
	 */
	while ((parent = rb_parent(node)) && node == parent->rb_right)
		node = parent;
	return parent;
}

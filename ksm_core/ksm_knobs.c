/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_knobs.c - the tunables of /sys/kernel/mm/ksm: one setter per knob
 * with the kernel's validation and errno, and the sysfs-style string
 * interface (show/store) with the kernel's parsing (kstrto*).
 */
#include "ksm_internal.h"

int ksml_set_run(struct ksml *ksm, unsigned int run)
{
	int err = 0;

	if (run > KSML_RUN_UNMERGE)
		return -KSML_EINVAL;
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	ksml_wait_while_offlining(ksm);
	/* writing the current value again does nothing (no second unmerge) */
	if (ksm->ksm_run != run) {
		KSML_WRITE_ONCE(ksm->ksm_run, run);
		if (run & KSML_RUN_UNMERGE) {
			err = ksml_unmerge_and_remove_all_rmap_items(ksm);
			if (err)
				KSML_WRITE_ONCE(ksm->ksm_run, KSML_RUN_STOP);
		}
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	if (run & KSML_RUN_MERGE)
		ksml_plat_wake_up(&ksm->ksm_thread_wait);
	return err;
}

int ksml_set_pages_to_scan(struct ksml *ksm, unsigned int v)
{
	/* the advisor owns pages_to_scan while it is on */
	if (KSML_READ_ONCE(ksm->ksm_advisor))
		return -KSML_EINVAL;
	KSML_WRITE_ONCE(ksm->ksm_thread_pages_to_scan, v);
	return 0;
}

int ksml_set_sleep_millisecs(struct ksml *ksm, unsigned int v)
{
	KSML_WRITE_ONCE(ksm->ksm_thread_sleep_millisecs, v);
	ksml_plat_wake_up(&ksm->ksm_iter_wait);
	return 0;
}

int ksml_set_merge_across_nodes(struct ksml *ksm, unsigned long v)
{
	int err = 0;

	if (v > 1)
		return -KSML_EINVAL;
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	ksml_wait_while_offlining(ksm);
	if (ksm->ksm_merge_across_nodes != v) {
		/*
		 * Nodes filed under one layout would be looked up under the
		 * other: only allowed when no KSM page exists.
		 */
		if (ksm->ksm_pages_shared || ksml_remove_all_stable_nodes(ksm))
			err = -KSML_EBUSY;
		else if (ksm->root_stable_tree == ksm->one_stable_tree) {
			struct ksml_rb_root *buf;
			int n = ksm->nr_node_ids;

			/* allocated on the first switch, never freed */
			buf = ksml_plat_zalloc((size_t)n * 2 * sizeof(*buf));
			if (!buf) {
				err = -KSML_ENOMEM;
			} else {
				ksm->root_stable_tree = buf;
				ksm->root_unstable_tree = buf + n;
				/* stable is empty, the unstable tree is not */
				ksm->root_unstable_tree[0] = ksm->one_unstable_tree[0];
			}
		}
		if (!err) {
			KSML_WRITE_ONCE(ksm->ksm_merge_across_nodes, (unsigned int)v);
			ksm->ksm_nr_node_ids = v ? 1 : ksm->nr_node_ids;
		}
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	return err;
}

int ksml_set_max_page_sharing(struct ksml *ksm, int v)
{
	int err = 0;

	if (v < 2)
		return -KSML_EINVAL;
	if (v == KSML_READ_ONCE(ksm->ksm_max_page_sharing))
		return 0;
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	ksml_wait_while_offlining(ksm);
	if (ksm->ksm_max_page_sharing != v) {
		/* chains built for one limit are wrong for another */
		if (ksm->ksm_pages_shared || ksml_remove_all_stable_nodes(ksm))
			err = -KSML_EBUSY;
		else
			KSML_WRITE_ONCE(ksm->ksm_max_page_sharing, v);
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	return err;
}

int ksml_set_stable_node_chains_prune_millisecs(struct ksml *ksm, unsigned int v)
{
	KSML_WRITE_ONCE(ksm->ksm_stable_node_chains_prune_millisecs, v);
	return 0;
}

int ksml_set_use_zero_pages(struct ksml *ksm, bool v)
{
	KSML_WRITE_ONCE(ksm->ksm_use_zero_pages, v);
	return 0;
}

int ksml_set_smart_scan(struct ksml *ksm, bool v)
{
	KSML_WRITE_ONCE(ksm->ksm_smart_scan, v);
	return 0;
}

int ksml_set_advisor_mode(struct ksml *ksm, unsigned int scan_time)
{
	if (scan_time > 1)
		return -KSML_EINVAL;
	ksml_plat_mutex_lock(&ksm->ksm_thread_mutex);
	if (ksm->ksm_advisor != scan_time) {
		KSML_WRITE_ONCE(ksm->ksm_advisor, scan_time);
		/* switching resets the advisor's state and pages_to_scan */
		if (scan_time) {
			ksml_plat_mem_set(&ksm->advisor_ctx, 0,
					  sizeof(ksm->advisor_ctx));
			KSML_WRITE_ONCE(ksm->ksm_thread_pages_to_scan,
					(unsigned int)ksm->ksm_advisor_min_pages_to_scan);
		} else {
			KSML_WRITE_ONCE(
				ksm->ksm_thread_pages_to_scan,
				(unsigned int)ksml_knob_find("pages_to_scan")
					->default_value);
		}
	}
	ksml_plat_mutex_unlock(&ksm->ksm_thread_mutex);
	return 0;
}

int ksml_set_advisor_max_cpu(struct ksml *ksm, unsigned long v)
{
	KSML_WRITE_ONCE(ksm->ksm_advisor_max_cpu, (unsigned int)v);
	return 0;
}

int ksml_set_advisor_min_pages_to_scan(struct ksml *ksm, unsigned long v)
{
	KSML_WRITE_ONCE(ksm->ksm_advisor_min_pages_to_scan, v);
	return 0;
}

int ksml_set_advisor_max_pages_to_scan(struct ksml *ksm, unsigned long v)
{
	KSML_WRITE_ONCE(ksm->ksm_advisor_max_pages_to_scan, v);
	return 0;
}

int ksml_set_advisor_target_scan_time(struct ksml *ksm, unsigned long v)
{
	if (v < 1)
		return -KSML_EINVAL;
	KSML_WRITE_ONCE(ksm->ksm_advisor_target_scan_time, v);
	return 0;
}

void ksml_get_counters(struct ksml *ksm, struct ksml_counters *c)
{
	long vol;

	c->run = KSML_READ_ONCE(ksm->ksm_run);
	c->pages_to_scan = KSML_READ_ONCE(ksm->ksm_thread_pages_to_scan);
	c->pages_scanned = KSML_READ_ONCE(ksm->ksm_pages_scanned);
	c->pages_shared = KSML_READ_ONCE(ksm->ksm_pages_shared);
	c->pages_sharing = KSML_READ_ONCE(ksm->ksm_pages_sharing);
	c->pages_unshared = KSML_READ_ONCE(ksm->ksm_pages_unshared);
	c->rmap_items = KSML_READ_ONCE(ksm->ksm_rmap_items);
	c->cow_ksm = (unsigned long)ksml_atomic_read(&ksm->ksm_cow_ksm);
	vol = (long)c->rmap_items - (long)c->pages_shared -
	      (long)c->pages_sharing - (long)c->pages_unshared;
	c->pages_volatile = vol < 0 ? 0 : (unsigned long)vol;
	c->pages_skipped = KSML_READ_ONCE(ksm->ksm_pages_skipped);
	c->full_scans = KSML_READ_ONCE(ksm->ksm_scan.seqnr);
	c->stable_node_chains = KSML_READ_ONCE(ksm->ksm_stable_node_chains);
	c->stable_node_dups = KSML_READ_ONCE(ksm->ksm_stable_node_dups);
	c->page_checksums = KSML_READ_ONCE(ksm->ksm_page_checksums);
	c->page_compares = KSML_READ_ONCE(ksm->ksm_page_compares);
	c->page_compares_equal = KSML_READ_ONCE(ksm->ksm_page_compares_equal);
	c->ksm_zero_pages = ksml_atomic_read(&ksm->ksm_zero_pages);
	c->general_profit = ((long)c->pages_sharing + c->ksm_zero_pages) *
				    (long)KSML_PAGE_SIZE -
			    (long)c->rmap_items * KSML_RMAP_ITEM_KERNEL_SIZE;
}

/*
 * ------------------------------------------------ parsing, as the kernel's
 * kstrto* and sysfs_streq parse (own names: the kernel's take a
 * NUL-terminated string and a base, these a length, and must not clash
 * with linux/kstrtox.h once the module includes it)
 */

/* decimal, optional '+', one trailing newline; -EINVAL or -ERANGE */
static int parse_ull(const char *s, size_t len, unsigned long long *res)
{
	unsigned long long v = 0;
	size_t i = 0;

	if (len && s[len - 1] == '\n')
		len--;
	if (i < len && s[i] == '+')
		i++;
	if (i == len)
		return -KSML_EINVAL;
	for (; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -KSML_EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (~0ULL - d) / 10)
			return -KSML_ERANGE;
		v = v * 10 + d;
	}
	*res = v;
	return 0;
}

static int knob_strtoul(const char *s, size_t len, unsigned long *res)
{
	unsigned long long v;
	int err = parse_ull(s, len, &v);

	if (err)
		return err;
	if (v > ~0UL)
		return -KSML_ERANGE;
	*res = (unsigned long)v;
	return 0;
}

static int knob_strtouint(const char *s, size_t len, unsigned int *res)
{
	unsigned long long v;
	int err = parse_ull(s, len, &v);

	if (err)
		return err;
	if (v > 0xffffffffULL)
		return -KSML_ERANGE;
	*res = (unsigned int)v;
	return 0;
}

static int knob_strtoint(const char *s, size_t len, int *res)
{
	unsigned long long v;
	int err;

	if (len && s[0] == '-') {
		err = parse_ull(s + 1, len - 1, &v);
		if (err)
			return err;
		if (v > 0x80000000ULL)
			return -KSML_ERANGE;
		*res = (int)(-(long long)v);
		return 0;
	}
	err = parse_ull(s, len, &v);
	if (err)
		return err;
	if (v > 0x7fffffffULL)
		return -KSML_ERANGE;
	*res = (int)v;
	return 0;
}

static int knob_strtobool(const char *s, size_t len, bool *res)
{
	if (!len)
		return -KSML_EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (len > 1 && (s[1] == 'n' || s[1] == 'N')) {
			*res = true;
			return 0;
		}
		if (len > 1 && (s[1] == 'f' || s[1] == 'F')) {
			*res = false;
			return 0;
		}
		break;
	default:
		break;
	}
	return -KSML_EINVAL;
}

/* as sysfs_streq: equal, ignoring one trailing newline on the input */
static bool knob_streq(const char *s, size_t len, const char *lit)
{
	size_t i;

	if (len && s[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++)
		if (!lit[i] || s[i] != lit[i])
			return false;
	return lit[len] == '\0';
}

/* ------------------------------------------------------ show formatting */

struct outbuf {
	char *buf;
	size_t size, len;
};

static void put_str(struct outbuf *o, const char *s)
{
	while (*s) {
		if (o->len + 1 < o->size)
			o->buf[o->len] = *s;
		o->len++;
		s++;
	}
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
}

static void put_ull(struct outbuf *o, unsigned long long v)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_str(o, tmp + i);
}

static void put_ll(struct outbuf *o, long long v)
{
	if (v < 0) {
		put_str(o, "-");
		put_ull(o, (unsigned long long)(-(v + 1)) + 1);
	} else {
		put_ull(o, (unsigned long long)v);
	}
}

/* ---------------------------------------------------------- the knob table */

enum knob_id {
	K_SLEEP_MILLISECS, K_PAGES_TO_SCAN, K_RUN, K_PAGES_SCANNED,
	K_PAGES_SHARED, K_PAGES_SHARING, K_PAGES_UNSHARED, K_PAGES_VOLATILE,
	K_PAGES_SKIPPED, K_KSM_ZERO_PAGES, K_FULL_SCANS, K_MERGE_ACROSS_NODES,
	K_MAX_PAGE_SHARING, K_STABLE_NODE_CHAINS, K_STABLE_NODE_DUPS,
	K_PRUNE_MILLISECS, K_USE_ZERO_PAGES, K_GENERAL_PROFIT, K_SMART_SCAN,
	K_ADVISOR_MODE, K_ADVISOR_MAX_CPU, K_ADVISOR_MIN_PAGES,
	K_ADVISOR_MAX_PAGES, K_ADVISOR_TARGET, K_NR_KNOBS
};

/* the largest value kstrtouint, kstrtoint and kstrtoul return */
#define KNOB_UINT_MAX  0xffffffffUL
#define KNOB_INT_MAX   0x7fffffffUL
#define KNOB_ULONG_MAX (~0UL)

/* a counter: nothing to restore, nothing to accept */
#define KNOB_RO(name)                                                          \
	{                                                                      \
		name, false, NULL, 0, 0, 0                                     \
	}
/* a number: its default spelled once, as the text that restores it */
#define KNOB_RW(name, def, lo, hi)                                             \
	{                                                                      \
		name, true, #def, def, lo, hi                                  \
	}
/* a choice: its default's text and index, and the last index */
#define KNOB_CHOICE(name, def, idx, hi)                                        \
	{                                                                      \
		name, true, def, idx, 0, hi                                    \
	}

/*
 * The one place ksmlab writes the kernel's knob defaults down: ksml_init
 * sets them from here, the backends restore them, the tests compare with
 * them (test_knob_defaults reads every one back from a fresh instance).
 * The ranges are what the kernel's stores accept: its kstrto* type, then
 * its own check (run <= 2, merge_across_nodes <= 1, max_page_sharing >= 2,
 * advisor_target_scan_time >= 1); ksml_knob_write below enforces the same.
 */
static const struct ksml_knob_info knobs[K_NR_KNOBS] = {
	[K_SLEEP_MILLISECS] = KNOB_RW("sleep_millisecs", 20, 0, KNOB_UINT_MAX),
	[K_PAGES_TO_SCAN] = KNOB_RW("pages_to_scan", 100, 0, KNOB_UINT_MAX),
	[K_RUN] = KNOB_RW("run", 0, 0, 2),
	[K_PAGES_SCANNED] = KNOB_RO("pages_scanned"),
	[K_PAGES_SHARED] = KNOB_RO("pages_shared"),
	[K_PAGES_SHARING] = KNOB_RO("pages_sharing"),
	[K_PAGES_UNSHARED] = KNOB_RO("pages_unshared"),
	[K_PAGES_VOLATILE] = KNOB_RO("pages_volatile"),
	[K_PAGES_SKIPPED] = KNOB_RO("pages_skipped"),
	[K_KSM_ZERO_PAGES] = KNOB_RO("ksm_zero_pages"),
	[K_FULL_SCANS] = KNOB_RO("full_scans"),
	[K_MERGE_ACROSS_NODES] = KNOB_RW("merge_across_nodes", 1, 0, 1),
	[K_MAX_PAGE_SHARING] =
		KNOB_RW("max_page_sharing", 256, 2, KNOB_INT_MAX),
	[K_STABLE_NODE_CHAINS] = KNOB_RO("stable_node_chains"),
	[K_STABLE_NODE_DUPS] = KNOB_RO("stable_node_dups"),
	[K_PRUNE_MILLISECS] = KNOB_RW("stable_node_chains_prune_millisecs",
				      2000, 0, KNOB_UINT_MAX),
	[K_USE_ZERO_PAGES] = KNOB_RW("use_zero_pages", 0, 0, 1),
	[K_GENERAL_PROFIT] = KNOB_RO("general_profit"),
	[K_SMART_SCAN] = KNOB_RW("smart_scan", 1, 0, 1),
	[K_ADVISOR_MODE] = KNOB_CHOICE("advisor_mode", "none", 0, 1),
	[K_ADVISOR_MAX_CPU] = KNOB_RW("advisor_max_cpu", 70, 0, KNOB_ULONG_MAX),
	[K_ADVISOR_MIN_PAGES] =
		KNOB_RW("advisor_min_pages_to_scan", 500, 0, KNOB_ULONG_MAX),
	[K_ADVISOR_MAX_PAGES] =
		KNOB_RW("advisor_max_pages_to_scan", 30000, 0, KNOB_ULONG_MAX),
	[K_ADVISOR_TARGET] =
		KNOB_RW("advisor_target_scan_time", 200, 1, KNOB_ULONG_MAX),
};

int ksml_knob_count(void)
{
	return K_NR_KNOBS;
}

const struct ksml_knob_info *ksml_knob_at(int idx)
{
	if (idx < 0 || idx >= K_NR_KNOBS)
		return NULL;
	return &knobs[idx];
}

static int knob_lookup(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < K_NR_KNOBS; i++) {
		const char *a = knobs[i].name, *b = name;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return i;
	}
	return -1;
}

const struct ksml_knob_info *ksml_knob_find(const char *name)
{
	int id = knob_lookup(name);

	return id < 0 ? NULL : &knobs[id];
}

const char *ksml_knob_default(const char *name)
{
	const struct ksml_knob_info *k = ksml_knob_find(name);

	return k ? k->kernel_default : NULL;
}

int ksml_knob_read(struct ksml *ksm, const char *name, char *buf, size_t size)
{
	struct outbuf o = { buf, size, 0 };
	struct ksml_counters c;
	int id = knob_lookup(name);

	if (id < 0)
		return -KSML_ENOENT;
	ksml_get_counters(ksm, &c);
	switch (id) {
	case K_SLEEP_MILLISECS:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_thread_sleep_millisecs));
		break;
	case K_PAGES_TO_SCAN:
		put_ull(&o, c.pages_to_scan);
		break;
	case K_RUN:
		put_ull(&o, c.run);
		break;
	case K_PAGES_SCANNED:
		put_ull(&o, c.pages_scanned);
		break;
	case K_PAGES_SHARED:
		put_ull(&o, c.pages_shared);
		break;
	case K_PAGES_SHARING:
		put_ull(&o, c.pages_sharing);
		break;
	case K_PAGES_UNSHARED:
		put_ull(&o, c.pages_unshared);
		break;
	case K_PAGES_VOLATILE:
		put_ll(&o, (long long)c.pages_volatile);
		break;
	case K_PAGES_SKIPPED:
		put_ull(&o, c.pages_skipped);
		break;
	case K_KSM_ZERO_PAGES:
		put_ll(&o, c.ksm_zero_pages);
		break;
	case K_FULL_SCANS:
		put_ull(&o, c.full_scans);
		break;
	case K_MERGE_ACROSS_NODES:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_merge_across_nodes));
		break;
	case K_MAX_PAGE_SHARING:
		put_ll(&o, KSML_READ_ONCE(ksm->ksm_max_page_sharing));
		break;
	case K_STABLE_NODE_CHAINS:
		put_ull(&o, c.stable_node_chains);
		break;
	case K_STABLE_NODE_DUPS:
		put_ull(&o, c.stable_node_dups);
		break;
	case K_PRUNE_MILLISECS:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_stable_node_chains_prune_millisecs));
		break;
	case K_USE_ZERO_PAGES:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_use_zero_pages));
		break;
	case K_GENERAL_PROFIT:
		put_ll(&o, c.general_profit);
		break;
	case K_SMART_SCAN:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_smart_scan));
		break;
	case K_ADVISOR_MODE:
		put_str(&o, KSML_READ_ONCE(ksm->ksm_advisor) ? "none [scan-time]"
							     : "[none] scan-time");
		break;
	case K_ADVISOR_MAX_CPU:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_advisor_max_cpu));
		break;
	case K_ADVISOR_MIN_PAGES:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_advisor_min_pages_to_scan));
		break;
	case K_ADVISOR_MAX_PAGES:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_advisor_max_pages_to_scan));
		break;
	case K_ADVISOR_TARGET:
		put_ull(&o, KSML_READ_ONCE(ksm->ksm_advisor_target_scan_time));
		break;
	}
	put_str(&o, "\n");
	return (int)o.len;
}

int ksml_knob_write(struct ksml *ksm, const char *name, const char *buf,
		    size_t len)
{
	int id = knob_lookup(name);
	unsigned long ul;
	unsigned int ui;
	int i, err;
	bool b;

	if (id < 0)
		return -KSML_ENOENT;
	if (!knobs[id].writable)
		return -KSML_EACCES;
	/* as write(2) to sysfs: an empty write never reaches the store */
	if (!len)
		return 0;
	if (!buf)
		return -KSML_EINVAL;
	/*
	 * Most stores turn any parse error into -EINVAL (an overflow too);
	 * merge_across_nodes and max_page_sharing return it as it is (-ERANGE).
	 */
	switch (id) {
	case K_SLEEP_MILLISECS:
		err = knob_strtouint(buf, len, &ui);
		return err ? -KSML_EINVAL : ksml_set_sleep_millisecs(ksm, ui);
	case K_PAGES_TO_SCAN:
		if (KSML_READ_ONCE(ksm->ksm_advisor))
			return -KSML_EINVAL;
		err = knob_strtouint(buf, len, &ui);
		return err ? -KSML_EINVAL : ksml_set_pages_to_scan(ksm, ui);
	case K_RUN:
		err = knob_strtouint(buf, len, &ui);
		return err ? -KSML_EINVAL : ksml_set_run(ksm, ui);
	case K_MERGE_ACROSS_NODES:
		err = knob_strtoul(buf, len, &ul);
		return err ? err : ksml_set_merge_across_nodes(ksm, ul);
	case K_MAX_PAGE_SHARING:
		err = knob_strtoint(buf, len, &i);
		return err ? err : ksml_set_max_page_sharing(ksm, i);
	case K_PRUNE_MILLISECS:
		err = knob_strtouint(buf, len, &ui);
		return err ? -KSML_EINVAL :
			     ksml_set_stable_node_chains_prune_millisecs(ksm, ui);
	case K_USE_ZERO_PAGES:
		err = knob_strtobool(buf, len, &b);
		return err ? -KSML_EINVAL : ksml_set_use_zero_pages(ksm, b);
	case K_SMART_SCAN:
		err = knob_strtobool(buf, len, &b);
		return err ? -KSML_EINVAL : ksml_set_smart_scan(ksm, b);
	case K_ADVISOR_MODE:
		if (knob_streq(buf, len, "none"))
			return ksml_set_advisor_mode(ksm, 0);
		if (knob_streq(buf, len, "scan-time"))
			return ksml_set_advisor_mode(ksm, 1);
		return -KSML_EINVAL;
	case K_ADVISOR_MAX_CPU:
		err = knob_strtoul(buf, len, &ul);
		return err ? -KSML_EINVAL : ksml_set_advisor_max_cpu(ksm, ul);
	case K_ADVISOR_MIN_PAGES:
		err = knob_strtoul(buf, len, &ul);
		return err ? -KSML_EINVAL : ksml_set_advisor_min_pages_to_scan(ksm, ul);
	case K_ADVISOR_MAX_PAGES:
		err = knob_strtoul(buf, len, &ul);
		return err ? -KSML_EINVAL : ksml_set_advisor_max_pages_to_scan(ksm, ul);
	case K_ADVISOR_TARGET:
		err = knob_strtoul(buf, len, &ul);
		return err ? -KSML_EINVAL : ksml_set_advisor_target_scan_time(ksm, ul);
	}
	return -KSML_EACCES;
}

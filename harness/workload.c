/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * workload.c - parser, validator and content generator of the workload
 * spec (workloads/README.md).
 *
 * The file is read line by line; every directive is checked when it is
 * read, in file order, which is also execution order: a space must exist
 * before it is used, `at` values may not go back in time, ranges must lie
 * inside their mapping.  Any error stops the parse with
 * "file:line: what is wrong"; nothing is ever defaulted silently.
 */
#include "workload.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 64

struct parser {
	struct ksml_workload *wl;
	const char *file;
	int line;
	char *err;
	size_t errsz;
	bool have_seed, have_name, seen_at;
	bool allow_gone; /* munmap: unmapping twice is fine */
	unsigned long cur_at;
	bool *exited; /* per space */
	int cap_spaces, cap_maps, cap_steps, cap_vol;
	unsigned long next_addr;
	char dir[512]; /* directory of the file, for `dump` */
};

/*
 * One line's words and what parse_line made of them by its directive's
 * table entry, before the directive's handler runs.
 */
struct dir_args {
	char **tok; /* tok[0] is the directive */
	int ntok;
	int space, map; /* -1 where the directive names none */
	/* the page range, all of the mapping where the line gives none */
	unsigned long first, count;
	unsigned long num;
	int advice; /* madvise: MADV_* found by its check hook */
};

static int perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errsz, "%s:%d: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errsz)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* strict unsigned decimal, no sign, no spaces, no overflow */
static int parse_ulong(struct parser *p, const char *s, const char *what,
		       unsigned long *out)
{
	unsigned long v = 0;
	const char *c;

	if (!*s)
		return perr(p, "%s: empty number", what);
	for (c = s; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return perr(p, "%s: '%s' is not an unsigned decimal number",
				    what, s);
		if (v > (~0UL - (unsigned long)(*c - '0')) / 10)
			return perr(p, "%s: '%s' is too large", what, s);
		v = v * 10 + (unsigned long)(*c - '0');
	}
	*out = v;
	return 0;
}

static int parse_range(struct parser *p, const char *s, const char *what,
		       unsigned long lo, unsigned long hi, unsigned long *out)
{
	int ret = parse_ulong(p, s, what, out);

	if (ret)
		return ret;
	if (*out < lo || *out > hi)
		return perr(p, "%s: %lu is out of range [%lu, %lu]", what, *out,
			    lo, hi);
	return 0;
}

static int check_name(struct parser *p, const char *s, const char *what)
{
	const char *c;

	if (strlen(s) >= KSML_WL_MAX_NAME)
		return perr(p, "%s name '%s' is longer than %d characters",
			    what, s, KSML_WL_MAX_NAME - 1);
	for (c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' &&
		    *c != '.')
			return perr(p, "%s name '%s': only letters, digits, '-', '_' and '.' are allowed",
				    what, s);
	return 0;
}

static void *grow(void *arr, int *cap, int need, size_t elem)
{
	void *n;
	int ncap;

	if (need <= *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(arr, (size_t)ncap * elem);
	if (!n)
		return NULL;
	memset((char *)n + (size_t)*cap * elem, 0,
	       (size_t)(ncap - *cap) * elem);
	*cap = ncap;
	return n;
}

static int find_space(struct parser *p, const char *name, int *out)
{
	struct ksml_workload *wl = p->wl;
	int i;

	for (i = 0; i < wl->nr_spaces; i++) {
		if (strcmp(wl->spaces[i].name, name))
			continue;
		if (p->exited[i])
			return perr(p, "address space '%s' has exited", name);
		*out = i;
		return 0;
	}
	return perr(p, "unknown address space '%s' (declare it with 'space %s' first)",
		    name, name);
}

static int find_map(struct parser *p, int space, const char *name, int *out)
{
	struct ksml_workload *wl = p->wl;
	int i;

	for (i = 0; i < wl->nr_maps; i++) {
		if (wl->maps[i].space == space && !strcmp(wl->maps[i].name, name)) {
			*out = i;
			return 0;
		}
	}
	return perr(p, "address space '%s' has no mapping '%s'",
		    wl->spaces[space].name, name);
}

static struct ksml_wl_step *new_step(struct parser *p, enum ksml_wl_op op)
{
	struct ksml_workload *wl = p->wl;
	struct ksml_wl_step *st;

	wl->steps = grow(wl->steps, &p->cap_steps, wl->nr_steps + 1,
			 sizeof(*wl->steps));
	if (!wl->steps)
		return NULL;
	st = &wl->steps[wl->nr_steps++];
	memset(st, 0, sizeof(*st));
	st->op = op;
	st->at = p->cur_at;
	st->line = p->line;
	st->space = st->space2 = st->map = -1;
	if (p->cur_at > wl->last_event_scan)
		wl->last_event_scan = p->cur_at;
	return st;
}

/* SPACE MAP [FIRST COUNT] -> space, map, first, count */
static int parse_target(struct parser *p, char **tok, int ntok, bool range_opt,
			int *space, int *map, unsigned long *first,
			unsigned long *count)
{
	struct ksml_wl_map *m;
	int ret;

	ret = find_space(p, tok[0], space);
	if (ret)
		return ret;
	ret = find_map(p, *space, tok[1], map);
	if (ret)
		return ret;
	m = &p->wl->maps[*map];
	if (ntok < 4) {
		if (!range_opt)
			return perr(p, "missing FIRST COUNT page range");
		*first = 0;
		*count = m->pages;
	} else {
		ret = parse_ulong(p, tok[2], "first page", first);
		if (!ret)
			ret = parse_ulong(p, tok[3], "page count", count);
		if (ret)
			return ret;
		if (*count == 0)
			return perr(p, "page count must be at least 1");
		if (*first >= m->pages || *count > m->pages - *first)
			return perr(p, "pages %lu..%lu are outside mapping '%s' (%lu pages)",
				    *first, *first + *count - 1, m->name, m->pages);
	}
	if (!p->allow_gone) {
		unsigned long lo = ~0UL;
		int g, line = 0;

		/* the lowest page of the range some munmap removed */
		for (g = 0; g < m->nr_gone; g++) {
			const struct ksml_wl_gone *r = &m->gone[g];
			unsigned long a = r->first > *first ? r->first : *first;

			if (a < r->first + r->count && a < *first + *count &&
			    a < lo) {
				lo = a;
				line = r->line;
			}
		}
		if (line)
			return perr(p, "page %lu of mapping '%s' was unmapped (munmap at line %d)",
				    lo, m->name, line);
	}
	return 0;
}

static const char *const knob_names[] = {
	"pages_to_scan",	     "sleep_millisecs",
	"merge_across_nodes",	     "max_page_sharing",
	"stable_node_chains_prune_millisecs", "use_zero_pages",
	"smart_scan",		     "advisor_mode",
	"advisor_max_cpu",	     "advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan", "advisor_target_scan_time",
};

/* munmap: refuse to unmap pages a volatile line still rewrites */
static int mark_gone(struct parser *p, int map, unsigned long first,
		     unsigned long count)
{
	struct ksml_workload *wl = p->wl;
	struct ksml_wl_map *m = &wl->maps[map];
	int v;

	for (v = 0; v < wl->nr_volatile; v++) {
		const struct ksml_wl_volatile *vo = &wl->vol[v];

		if (vo->map != map || (vo->until && vo->until <= p->cur_at))
			continue;
		if (first < vo->first + vo->count && vo->first < first + count)
			return perr(p, "munmap of pages that 'volatile' (line %d) still rewrites",
				    vo->line);
	}
	if (!(m->nr_gone & (m->nr_gone + 1))) {
		/* grow at 0, 1, 3, 7...: room for twice as many */
		struct ksml_wl_gone *n =
			realloc(m->gone, 2 * ((size_t)m->nr_gone + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->gone = n;
	}
	m->gone[m->nr_gone].first = first;
	m->gone[m->nr_gone].count = count;
	m->gone[m->nr_gone].line = p->line;
	m->nr_gone++;
	return 0;
}

static int parse_knob(struct parser *p, struct dir_args *a)
{
	char **tok = a->tok;
	struct ksml_wl_step *st;
	unsigned long v;
	size_t i;
	int ret;

	if (!strcmp(tok[1], "run"))
		return perr(p, "knob 'run' is driven by the harness and cannot be set by a workload");
	for (i = 0; i < sizeof(knob_names) / sizeof(knob_names[0]); i++)
		if (!strcmp(tok[1], knob_names[i]))
			break;
	if (i == sizeof(knob_names) / sizeof(knob_names[0]))
		return perr(p, "unknown or read-only knob '%s'", tok[1]);
	if (!strcmp(tok[1], "advisor_mode")) {
		if (strcmp(tok[2], "none") && strcmp(tok[2], "scan-time"))
			return perr(p, "knob advisor_mode: '%s' is not 'none' or 'scan-time'",
				    tok[2]);
	} else {
		ret = parse_ulong(p, tok[2], tok[1], &v);
		if (ret)
			return ret;
		if ((!strcmp(tok[1], "use_zero_pages") ||
		     !strcmp(tok[1], "smart_scan") ||
		     !strcmp(tok[1], "merge_across_nodes")) && v > 1)
			return perr(p, "knob %s: value must be 0 or 1, not %lu",
				    tok[1], v);
		if (!strcmp(tok[1], "max_page_sharing") &&
		    (v < 2 || v > 0x7fffffffUL))
			return perr(p, "knob max_page_sharing: value must be at least 2, not %lu",
				    v);
		if (v > 0xffffffffUL)
			return perr(p, "knob %s: value %lu does not fit in 32 bits",
				    tok[1], v);
	}
	if (strlen(tok[2]) >= KSML_WL_MAX_NAME)
		return perr(p, "knob value too long");
	st = new_step(p, KSML_OP_KNOB);
	if (!st)
		return -ENOMEM;
	snprintf(st->knob, sizeof(st->knob), "%s", tok[1]);
	snprintf(st->value, sizeof(st->value), "%s", tok[2]);
	return 0;
}

static int add_space(struct parser *p, const char *name, int from, int *out)
{
	struct ksml_workload *wl = p->wl;
	int i, ret;

	ret = check_name(p, name, "address space");
	if (ret)
		return ret;
	for (i = 0; i < wl->nr_spaces; i++)
		if (!strcmp(wl->spaces[i].name, name))
			return perr(p, "address space '%s' already declared at line %d",
				    name, wl->spaces[i].line);
	if (wl->nr_spaces >= KSML_WL_MAX_SPACES)
		return perr(p, "too many address spaces (at most %d)",
			    KSML_WL_MAX_SPACES);
	wl->spaces = grow(wl->spaces, &p->cap_spaces, wl->nr_spaces + 1,
			  sizeof(*wl->spaces));
	p->exited = realloc(p->exited, (size_t)p->cap_spaces * sizeof(bool));
	if (!wl->spaces || !p->exited)
		return -ENOMEM;
	i = wl->nr_spaces++;
	snprintf(wl->spaces[i].name, KSML_WL_MAX_NAME, "%s", name);
	wl->spaces[i].line = p->line;
	wl->spaces[i].forked_from = from;
	p->exited[i] = false;
	*out = i;
	return 0;
}

static int add_map_entry(struct parser *p, const struct ksml_wl_map *src)
{
	struct ksml_workload *wl = p->wl;

	if (wl->nr_maps >= KSML_WL_MAX_MAPS)
		return perr(p, "too many mappings (at most %d)", KSML_WL_MAX_MAPS);
	wl->maps = grow(wl->maps, &p->cap_maps, wl->nr_maps + 1,
			sizeof(*wl->maps));
	if (!wl->maps)
		return -ENOMEM;
	wl->maps[wl->nr_maps++] = *src;
	return 0;
}

static const char *const thp_modes[] = {"never", "madvise", "always"};
static const char *const thp_defrags[] = {"always", "defer", "defer+madvise",
					  "madvise", "never"};

const char *ksml_wl_thp_name(enum ksml_wl_thp mode)
{
	return mode >= KSML_WL_THP_NEVER && mode <= KSML_WL_THP_ALWAYS
		       ? thp_modes[mode - KSML_WL_THP_NEVER]
		       : NULL;
}

/* thp always|madvise|never [defrag always|defer|defer+madvise|madvise|never] */
static int parse_thp(struct parser *p, struct dir_args *a)
{
	struct ksml_workload *wl = p->wl;
	char **tok = a->tok;
	size_t i;

	if (wl->thp_mode != KSML_WL_THP_NONE)
		return perr(p, "thp given twice");
	if (wl->nr_maps)
		return perr(p, "thp must come before the first map (it places "
			       "mappings 2 MiB-aligned)");
	for (i = 0; i < sizeof(thp_modes) / sizeof(thp_modes[0]); i++)
		if (!strcmp(tok[1], thp_modes[i]))
			break;
	if (i == sizeof(thp_modes) / sizeof(thp_modes[0]))
		return perr(p,
			    "thp: unknown mode '%s' (expected always, madvise "
			    "or never)",
			    tok[1]);
	wl->thp_mode = (enum ksml_wl_thp)(KSML_WL_THP_NEVER + (int)i);
	snprintf(wl->thp_defrag, sizeof(wl->thp_defrag), "madvise");
	if (a->ntok == 4) {
		for (i = 0; i < sizeof(thp_defrags) / sizeof(thp_defrags[0]);
		     i++)
			if (!strcmp(tok[3], thp_defrags[i]))
				break;
		if (i == sizeof(thp_defrags) / sizeof(thp_defrags[0]))
			return perr(
				p,
				"thp: unknown defrag '%s' (expected always, "
				"defer, defer+madvise, madvise or never)",
				tok[3]);
		snprintf(wl->thp_defrag, sizeof(wl->thp_defrag), "%s", tok[3]);
	}
	return 0;
}

static int parse_map(struct parser *p, struct dir_args *a)
{
	struct ksml_workload *wl = p->wl;
	char **tok = a->tok;
	struct ksml_wl_map m;
	struct ksml_wl_step *st;
	int space = a->space, i, ret;
	unsigned long pages;

	ret = check_name(p, tok[2], "mapping");
	if (ret)
		return ret;
	for (i = 0; i < wl->nr_maps; i++)
		if (wl->maps[i].space == space && !strcmp(wl->maps[i].name, tok[2]))
			return perr(p, "mapping '%s' already exists in '%s' (line %d)",
				    tok[2], tok[1], wl->maps[i].line);
	ret = parse_range(p, tok[3], "mapping size in pages", 1,
			  KSML_WL_MAX_MAP_PAGES, &pages);
	if (ret)
		return ret;
	if (wl->total_pages + pages > KSML_WL_MAX_VIRT_PAGES)
		return perr(p, "mappings total more than %lu pages",
			    KSML_WL_MAX_VIRT_PAGES);
	memset(&m, 0, sizeof(m));
	for (i = 4; i < a->ntok; i++) {
		if (!strcmp(tok[i], "private"))
			m.shared = false;
		else if (!strcmp(tok[i], "shared"))
			m.shared = true;
		else if (!strcmp(tok[i], "anon") || !strcmp(tok[i], "anonymous"))
			;
		else if (!strcmp(tok[i], "file"))
			return perr(p, "file-backed mappings are not supported (only anonymous)");
		else
			return perr(p, "unknown mapping flag '%s' (expected private, shared or anon)",
				    tok[i]);
	}
	snprintf(m.name, sizeof(m.name), "%s", tok[2]);
	m.space = space;
	m.pages = pages;
	m.line = p->line;
	/* a THP needs a 2 MiB-aligned range inside one VMA */
	if (wl->thp_mode != KSML_WL_THP_NONE)
		p->next_addr = (p->next_addr + KSML_WL_HPAGE_SIZE - 1) &
			       ~(KSML_WL_HPAGE_SIZE - 1);
	m.addr = p->next_addr;
	p->next_addr += pages * KSML_WL_PAGE_SIZE + KSML_WL_MAP_GAP;
	wl->total_pages += pages;
	ret = add_map_entry(p, &m);
	if (ret)
		return ret;
	st = new_step(p, KSML_OP_MAP);
	if (!st)
		return -ENOMEM;
	st->space = space;
	st->map = wl->nr_maps - 1;
	st->count = pages;
	return 0;
}

static int parse_class(struct parser *p, const char *s, long *out)
{
	unsigned long v;
	int ret;

	if (!strcmp(s, "z")) {
		*out = KSML_CLS_ZERO;
		return 0;
	}
	if (!strcmp(s, "u")) {
		*out = KSML_CLS_UNIQUE;
		return 0;
	}
	ret = parse_range(p, s, "class", 0, 0x7fffffffffffUL, &v);
	if (ret)
		return ret;
	*out = (long)v;
	return 0;
}

/*
 * Class list: tokens "C", "C*N", "z", "u", "z*N", "u*N".  Fills exactly
 * `count` entries or fails.
 */
static int parse_class_tokens(struct parser *p, char **tok, int ntok,
			      long *out, unsigned long count, unsigned long *n)
{
	int i, ret;

	for (i = 0; i < ntok; i++) {
		char buf[96], *star;
		unsigned long rep = 1, k;
		long cls;

		if (strlen(tok[i]) >= sizeof(buf))
			return perr(p, "class token '%.20s...' too long", tok[i]);
		strcpy(buf, tok[i]);
		star = strchr(buf, '*');
		if (star) {
			*star = 0;
			ret = parse_range(p, star + 1, "repeat count", 1,
					  KSML_WL_MAX_TOTAL_PAGES, &rep);
			if (ret)
				return ret;
		}
		ret = parse_class(p, buf, &cls);
		if (ret)
			return ret;
		if (rep > count - *n)
			return perr(p, "class list has more than %lu pages", count);
		for (k = 0; k < rep; k++)
			out[(*n)++] = cls;
	}
	return 0;
}

static int read_dump(struct parser *p, const char *fname, long *out,
		     unsigned long count)
{
	char path[1024], *line = NULL, *tok[MAX_TOKENS], *save, *t;
	size_t cap = 0;
	unsigned long n = 0;
	int ret = 0, saved_line = p->line, ntok;
	FILE *f;

	if (fname[0] == '/')
		snprintf(path, sizeof(path), "%s", fname);
	else
		snprintf(path, sizeof(path), "%s%s", p->dir, fname);
	f = fopen(path, "r");
	if (!f)
		return perr(p, "cannot open dump file '%s': %s", path,
			    strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = 0;
		ntok = 0;
		for (t = strtok_r(line, " \t\r\n", &save); t;
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			tok[ntok++] = t;
			if (ntok == MAX_TOKENS) {
				ret = parse_class_tokens(p, tok, ntok, out,
							 count, &n);
				if (ret)
					goto out;
				ntok = 0;
			}
		}
		ret = parse_class_tokens(p, tok, ntok, out, count, &n);
		if (ret)
			goto out;
	}
	if (n != count)
		ret = perr(p, "dump file '%s' lists %lu pages, the fill needs %lu",
			   path, n, count);
out:
	p->line = saved_line;
	free(line);
	fclose(f);
	return ret;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t key4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return mix64(mix64(mix64(mix64(a) ^ b) ^ c) ^ d);
}

/* PATTERN [ARGS] of a fill of a->count pages */
static int parse_pattern(struct parser *p, const struct dir_args *a,
			 struct ksml_wl_fill *f)
{
	int ret = 0;
	unsigned long count = a->count, v;
	const char *pat = a->tok[5];
	char **tok = a->tok + 6;
	int ntok = a->ntok - 6;

	memset(f, 0, sizeof(*f));
	if (!strcmp(pat, "same")) {
		if (ntok != 1)
			return perr(p, "usage: fill ... same CLASS");
		f->pat = KSML_PAT_SAME;
		ret = parse_range(p, tok[0], "class", 0, 0x7fffffffffffUL, &v);
		f->cls = (long)v;
	} else if (!strcmp(pat, "groups")) {
		if (ntok != 1 && !(ntok == 3 && !strcmp(tok[1], "base")))
			return perr(p, "usage: fill ... groups NGROUPS [base CLASS]");
		f->pat = KSML_PAT_GROUPS;
		ret = parse_range(p, tok[0], "number of groups", 1, count,
				  &f->ngroups);
		if (!ret && count % f->ngroups)
			ret = perr(
				p,
				"%lu pages do not divide into %lu equal groups",
				count, f->ngroups);
		f->base = -1;
		if (!ret && ntok == 3) {
			ret = parse_range(p, tok[2], "base class", 0,
					  0x7fffffffffffUL, &v);
			f->base = (long)v;
		}
	} else if (!strcmp(pat, "unique") || !strcmp(pat, "zero")) {
		if (ntok)
			return perr(p, "pattern '%s' takes no arguments", pat);
		f->pat = pat[0] == 'u' ? KSML_PAT_UNIQUE : KSML_PAT_ZERO;
	} else if (!strcmp(pat, "last8")) {
		if (ntok != 1)
			return perr(p, "usage: fill ... last8 CLASS");
		f->pat = KSML_PAT_LAST8;
		ret = parse_range(p, tok[0], "class", 0, 0x7fffffffffffUL, &v);
		f->cls = (long)v;
	} else if (!strcmp(pat, "random")) {
		char *end;
		double r;

		if (ntok != 1)
			return perr(p, "usage: fill ... random DUP_RATIO (0.0 to 1.0)");
		errno = 0;
		r = strtod(tok[0], &end);
		if (errno || *end || end == tok[0] || !(r >= 0.0 && r <= 1.0))
			return perr(p, "duplicate ratio '%s' is not a number between 0 and 1",
				    tok[0]);
		f->pat = KSML_PAT_RANDOM;
		f->ratio_ppm = (unsigned int)(r * 1000000.0 + 0.5);
	} else if (!strcmp(pat, "classes") || !strcmp(pat, "dump")) {
		unsigned long n = 0;

		f->pat = KSML_PAT_CLASSES;
		f->classes = calloc(count, sizeof(long));
		if (!f->classes)
			return -ENOMEM;
		if (pat[0] == 'd') {
			if (ntok != 1) {
				free(f->classes);
				return perr(p, "usage: fill ... dump FILE");
			}
			ret = read_dump(p, tok[0], f->classes, count);
		} else {
			ret = parse_class_tokens(p, tok, ntok, f->classes,
						 count, &n);
			if (!ret && n != count)
				ret = perr(p, "class list has %lu pages, the fill needs %lu",
					   n, count);
		}
		if (ret) {
			free(f->classes);
			return ret;
		}
	} else {
		return perr(p, "unknown pattern '%s' (expected same, groups, unique, zero, last8, random, classes or dump)",
			    pat);
	}
	return ret;
}

static int parse_fill(struct parser *p, struct dir_args *a)
{
	struct ksml_wl_step *st;
	struct ksml_wl_fill f;
	unsigned long count = a->count;
	int ret = parse_pattern(p, a, &f);

	if (ret)
		return ret;
	if (p->wl->written_pages + count > KSML_WL_MAX_TOTAL_PAGES) {
		free(f.classes);
		return perr(p, "fills and volatile ranges write more than %lu pages in all",
			    KSML_WL_MAX_TOTAL_PAGES);
	}
	st = new_step(p, KSML_OP_FILL);
	if (!st) {
		free(f.classes);
		return -ENOMEM;
	}
	p->wl->written_pages += count;
	st->space = a->space;
	st->map = a->map;
	st->first = a->first;
	st->count = count;
	st->fill_id = (unsigned long)(p->wl->nr_steps);
	if (f.pat == KSML_PAT_ZERO)
		p->wl->has_zero = true;
	if (f.pat == KSML_PAT_CLASSES) {
		unsigned long k;

		for (k = 0; k < count; k++)
			if (f.classes[k] == KSML_CLS_ZERO)
				p->wl->has_zero = true;
	}
	if (f.pat == KSML_PAT_GROUPS && f.base < 0)
		f.base = (long)((1ULL << 61) | ((uint64_t)st->fill_id << 32));
	if (f.pat == KSML_PAT_RANDOM) {
		/* decide now, so every backend writes the same pages */
		unsigned long i;
		uint64_t r;

		f.classes = calloc(count, sizeof(long));
		if (!f.classes)
			return -ENOMEM;
		for (i = 0; i < count; i++) {
			r = key4(p->wl->seed, 5, st->fill_id, i);
			if (i && (r % 1000000) < f.ratio_ppm)
				f.classes[i] = f.classes[(r >> 20) % i];
			else
				f.classes[i] = (long)(((uint64_t)st->fill_id << 32) |
						      (i + 1)) |
					       (1L << 62);
		}
	}
	st->fill = f;
	return 0;
}

/* what the words from tok[1] on name, resolved before the handler runs */
enum dir_target {
	ON_NOTHING,
	ON_SPACE,   /* tok[1] is a live address space */
	ON_RANGE,   /* SPACE MAP, and FIRST COUNT at tok[range_at] */
	ON_MAPPING, /* SPACE MAP [FIRST COUNT]: all of the mapping without */
	ON_PAGE,    /* SPACE MAP, and one PAGE at tok[range_at] */
};

/* max_args of a directive that takes the rest of the line */
#define ANY_ARGS MAX_TOKENS

/*
 * A directive's grammar.  parse_line checks it in this order, which is
 * the order of the messages: word count and fixed word (usage), the check
 * hook, the target, the number; then the handler does the rest.
 */
struct directive {
	const char *name;
	/* words after the name; past min_args two by two if pairs */
	int min_args, max_args;
	bool pairs;
	/* where there is a tok[word_at], it must be word */
	int word_at;
	const char *word;
	/* the message for any count or word mismatch */
	const char *usage;
	/* a setting of the whole run, not a step at some scan */
	bool no_at;
	/* what must be reported before the target's or number's errors */
	int (*check)(struct parser *p, struct dir_args *a);
	enum dir_target on;
	int range_at;
	bool gone_ok; /* munmap: unmapping twice is fine */
	/* tok[num_at] is a number in [num_lo, num_hi], named num_what */
	int num_at;
	const char *num_what;
	unsigned long num_lo, num_hi;
	int (*run)(struct parser *p, struct dir_args *a);
};

static int parse_line(struct parser *p, char **tok, int ntok);
static const struct directive *find_directive(const char *name);

/* a step on what parse_line resolved: a space, or pages of a mapping */
static struct ksml_wl_step *
target_step(struct parser *p, const struct dir_args *a, enum ksml_wl_op op)
{
	struct ksml_wl_step *st = new_step(p, op);

	if (st) {
		st->space = a->space;
		st->map = a->map;
		st->first = a->first;
		st->count = a->count;
	}
	return st;
}

static int parse_at(struct parser *p, struct dir_args *a)
{
	const struct directive *d = find_directive(a->tok[2]);

	if (a->num < p->cur_at)
		return perr(p,
			    "'at %lu' goes back in time (an earlier line is at "
			    "scan %lu)",
			    a->num, p->cur_at);
	/* unknown words go on to parse_line's own message */
	if (d && d->no_at)
		return perr(p, "'%s' cannot be scheduled with 'at'", a->tok[2]);
	p->cur_at = a->num;
	p->seen_at = true;
	return parse_line(p, a->tok + 2, a->ntok - 2);
}

static int parse_workload(struct parser *p, struct dir_args *a)
{
	int ret;

	if (p->have_name)
		return perr(p, "workload name given twice");
	ret = check_name(p, a->tok[1], "workload");
	if (ret)
		return ret;
	snprintf(p->wl->name, sizeof(p->wl->name), "%s", a->tok[1]);
	p->have_name = true;
	return 0;
}

/* the words from tok[first] on, one space apart, into an empty dst */
static int set_text(struct parser *p, const struct dir_args *a, int first,
		    char *dst, size_t cap)
{
	int i;

	for (i = first; i < a->ntok; i++) {
		if (strlen(dst) + strlen(a->tok[i]) + 2 > cap)
			return perr(p, "%s text longer than %zu characters",
				    a->tok[0], cap - 1);
		if (i > first)
			strcat(dst, " ");
		strcat(dst, a->tok[i]);
	}
	return 0;
}

static int parse_description(struct parser *p, struct dir_args *a)
{
	struct ksml_workload *wl = p->wl;

	if (*wl->description)
		return perr(p, "%s given twice", a->tok[0]);
	return set_text(p, a, 1, wl->description, sizeof(wl->description));
}

static int parse_expect(struct parser *p, struct dir_args *a)
{
	struct ksml_workload *wl = p->wl;
	int first = 1;

	if (*wl->expect_different)
		return perr(p, "%s given twice", a->tok[0]);
	/*
	 * expect-different when CONDITION REASON: the mark holds only
	 * while the condition does, else the backends must agree
	 */
	if (!strcmp(a->tok[1], "when")) {
		if (a->ntok < 4)
			return perr(p, "usage: expect-different when CONDITION "
				       "REASON...");
		if (strcmp(a->tok[2], "node-placement-skipped"))
			return perr(p,
				    "expect-different: unknown condition '%s' "
				    "(expected node-placement-skipped)",
				    a->tok[2]);
		wl->expect_when = KSML_EXPECT_NODE_PLACEMENT_SKIPPED;
		first = 3;
	}
	return set_text(p, a, first, wl->expect_different,
			sizeof(wl->expect_different));
}

static int check_seed(struct parser *p, struct dir_args *a)
{
	if (p->have_seed)
		return perr(p, "seed given twice");
	/* the fills' contents derive from it */
	if (p->wl->nr_steps)
		return perr(p, "seed must come before the first fill");
	return 0;
}

static int parse_seed(struct parser *p, struct dir_args *a)
{
	p->wl->seed = a->num;
	p->have_seed = true;
	return 0;
}

static int parse_max_scans(struct parser *p, struct dir_args *a)
{
	p->wl->max_scans = a->num;
	return 0;
}

static int parse_numa_nodes(struct parser *p, struct dir_args *a)
{
	p->wl->numa_nodes = (int)a->num;
	return 0;
}

static int parse_space(struct parser *p, struct dir_args *a)
{
	int ret = add_space(p, a->tok[1], -1, &a->space);

	if (ret)
		return ret;
	return target_step(p, a, KSML_OP_SPACE) ? 0 : -ENOMEM;
}

/* before the SPACE MAP: an unknown advice is the first thing to report */
static int check_advice(struct parser *p, struct dir_args *a)
{
	/* MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE */
	static const char *const advice[] = {"mergeable", "unmergeable",
					     "hugepage", "nohugepage"};
	const char *w = a->tok[3];
	size_t i;

	for (i = 0; i < sizeof(advice) / sizeof(advice[0]); i++)
		if (!strcmp(w, advice[i]))
			break;
	if (i == sizeof(advice) / sizeof(advice[0]))
		return perr(p,
			    "unknown advice '%s' (expected "
			    "mergeable, unmergeable, hugepage "
			    "or nohugepage)",
			    w);
	a->advice = 12 + (int)i;
	if (a->advice >= 14 && p->wl->thp_mode == KSML_WL_THP_NONE)
		return perr(p,
			    "madvise %s needs a 'thp MODE' line "
			    "before it (the workload's THP mode)",
			    w);
	return 0;
}

static int parse_madvise(struct parser *p, struct dir_args *a)
{
	struct ksml_wl_step *st = target_step(p, a, KSML_OP_MADVISE);

	if (!st)
		return -ENOMEM;
	st->advice = a->advice;
	return 0;
}

static int parse_munmap(struct parser *p, struct dir_args *a)
{
	int ret = mark_gone(p, a->map, a->first, a->count);

	if (ret)
		return ret;
	return target_step(p, a, KSML_OP_MUNMAP) ? 0 : -ENOMEM;
}

static int parse_prctl(struct parser *p, struct dir_args *a)
{
	struct ksml_wl_step *st;

	if (strcmp(a->tok[3], "on") && strcmp(a->tok[3], "off"))
		return perr(p, "prctl merge-any: '%s' is not 'on' or 'off'",
			    a->tok[3]);
	st = target_step(p, a, KSML_OP_PRCTL);
	if (!st)
		return -ENOMEM;
	st->advice = !strcmp(a->tok[3], "on");
	return 0;
}

static int parse_pin(struct parser *p, struct dir_args *a)
{
	return target_step(p, a, KSML_OP_PIN) ? 0 : -ENOMEM;
}

static int parse_unpin(struct parser *p, struct dir_args *a)
{
	return target_step(p, a, KSML_OP_UNPIN) ? 0 : -ENOMEM;
}

static int check_numa(struct parser *p, struct dir_args *a)
{
	if (!p->wl->numa_nodes)
		return perr(p, "'node' needs a 'numa-nodes N' line before it");
	return 0;
}

static int parse_node(struct parser *p, struct dir_args *a)
{
	struct ksml_wl_step *st;
	unsigned long v;
	int ret;

	ret = parse_range(p, a->tok[5], "node", 0,
			  (unsigned long)p->wl->numa_nodes - 1, &v);
	if (ret)
		return ret;
	st = target_step(p, a, KSML_OP_NODE);
	if (!st)
		return -ENOMEM;
	st->advice = (int)v;
	return 0;
}

/* the child inherits every mapping of the parent */
static int fork_maps(struct parser *p, int space, int child)
{
	struct ksml_workload *wl = p->wl;
	int i, ret, nmaps = wl->nr_maps;

	for (i = 0; i < nmaps; i++) {
		if (wl->maps[i].space == space) {
			struct ksml_wl_map m = wl->maps[i];

			m.space = child;
			m.line = p->line;
			if (m.gone) {
				size_t sz = 2 * ((size_t)m.nr_gone + 1) *
					    sizeof(*m.gone);

				m.gone = malloc(sz);
				if (!m.gone)
					return -ENOMEM;
				memcpy(m.gone, wl->maps[i].gone,
				       (size_t)m.nr_gone * sizeof(*m.gone));
			}
			ret = add_map_entry(p, &m);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int parse_fork(struct parser *p, struct dir_args *a)
{
	struct ksml_wl_step *st;
	int child, ret;

	ret = add_space(p, a->tok[2], a->space, &child);
	if (!ret)
		ret = fork_maps(p, a->space, child);
	if (ret)
		return ret;
	st = target_step(p, a, KSML_OP_FORK);
	if (!st)
		return -ENOMEM;
	st->space2 = child;
	return 0;
}

static int parse_exit(struct parser *p, struct dir_args *a)
{
	if (!target_step(p, a, KSML_OP_EXIT))
		return -ENOMEM;
	p->exited[a->space] = true;
	return 0;
}

static int parse_volatile(struct parser *p, struct dir_args *a)
{
	struct ksml_workload *wl = p->wl;
	struct ksml_wl_volatile *vv;
	char **tok = a->tok;
	int i, ret;

	wl->vol = grow(wl->vol, &p->cap_vol, wl->nr_volatile + 1,
		       sizeof(*wl->vol));
	if (!wl->vol)
		return -ENOMEM;
	vv = &wl->vol[wl->nr_volatile];
	memset(vv, 0, sizeof(*vv));
	vv->every = a->num;
	for (i = 7; i < a->ntok; i += 2) {
		unsigned long *dst;

		if (!strcmp(tok[i], "from"))
			dst = &vv->from;
		else if (!strcmp(tok[i], "until"))
			dst = &vv->until;
		else
			return perr(p,
				    "volatile: unknown option '%s' (expected "
				    "from or until)",
				    tok[i]);
		if (i + 1 >= a->ntok)
			return perr(p, "volatile: '%s' needs a scan count",
				    tok[i]);
		ret = parse_range(p, tok[i + 1], tok[i], 0, 100000, dst);
		if (ret)
			return ret;
	}
	if (vv->until && vv->until <= vv->from)
		return perr(p, "volatile: until (%lu) must be after from (%lu)",
			    vv->until, vv->from);
	vv->space = a->space;
	vv->map = a->map;
	vv->first = a->first;
	vv->count = a->count;
	vv->line = p->line;
	if (wl->written_pages + a->count > KSML_WL_MAX_TOTAL_PAGES)
		return perr(p,
			    "fills and volatile ranges write more than %lu "
			    "pages in all",
			    KSML_WL_MAX_TOTAL_PAGES);
	wl->written_pages += a->count;
	wl->nr_volatile++;
	return 0;
}

static const struct directive directives[] = {
	{.name = "at",
	 .min_args = 2,
	 .max_args = ANY_ARGS,
	 .usage = "usage: at SCAN DIRECTIVE ...",
	 .no_at = true,
	 .num_at = 1,
	 .num_what = "scan count",
	 .num_hi = 100000,
	 .run = parse_at},
	{.name = "workload",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: workload NAME",
	 .no_at = true,
	 .run = parse_workload},
	{.name = "description",
	 .min_args = 1,
	 .max_args = ANY_ARGS,
	 .usage = "description needs a text (the reason)",
	 .no_at = true,
	 .run = parse_description},
	{.name = "expect-different",
	 .min_args = 1,
	 .max_args = ANY_ARGS,
	 .usage = "expect-different needs a text (the reason)",
	 .no_at = true,
	 .run = parse_expect},
	{.name = "seed",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: seed NUMBER",
	 .no_at = true,
	 .check = check_seed,
	 .num_at = 1,
	 .num_what = "seed",
	 .num_hi = ~0UL,
	 .run = parse_seed},
	{.name = "max-scans",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: max-scans N",
	 .no_at = true,
	 .num_at = 1,
	 .num_what = "max-scans",
	 .num_lo = 4,
	 .num_hi = 100000,
	 .run = parse_max_scans},
	{.name = "numa-nodes",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: numa-nodes N",
	 .no_at = true,
	 .num_at = 1,
	 .num_what = "numa-nodes",
	 .num_lo = 1,
	 .num_hi = 64,
	 .run = parse_numa_nodes},
	{.name = "thp",
	 .min_args = 1,
	 .max_args = 3,
	 .pairs = true,
	 .word_at = 2,
	 .word = "defrag",
	 .usage = "usage: thp always|madvise|never [defrag "
		  "always|defer|defer+madvise|madvise|never]",
	 .no_at = true,
	 .run = parse_thp},
	{.name = "knob",
	 .min_args = 2,
	 .max_args = 2,
	 .usage = "usage: knob NAME VALUE",
	 .run = parse_knob},
	{.name = "space",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: space NAME",
	 .run = parse_space},
	{.name = "map",
	 .min_args = 3,
	 .max_args = ANY_ARGS,
	 .usage = "usage: map SPACE NAME PAGES [private|shared] [anon]",
	 .on = ON_SPACE,
	 .run = parse_map},
	{.name = "fill",
	 .min_args = 5,
	 .max_args = ANY_ARGS,
	 .usage = "usage: fill SPACE MAP FIRST COUNT PATTERN [ARGS]",
	 .on = ON_RANGE,
	 .range_at = 3,
	 .run = parse_fill},
	{.name = "madvise",
	 .min_args = 3,
	 .max_args = 5,
	 .pairs = true,
	 .usage = "usage: madvise SPACE MAP "
		  "mergeable|unmergeable|hugepage|"
		  "nohugepage [FIRST COUNT]",
	 .check = check_advice,
	 .on = ON_MAPPING,
	 .range_at = 4,
	 .run = parse_madvise},
	{.name = "munmap",
	 .min_args = 2,
	 .max_args = 4,
	 .pairs = true,
	 .usage = "usage: munmap SPACE MAP [FIRST COUNT]",
	 .on = ON_MAPPING,
	 .range_at = 3,
	 .gone_ok = true,
	 .run = parse_munmap},
	{.name = "prctl",
	 .min_args = 3,
	 .max_args = 3,
	 .word_at = 2,
	 .word = "merge-any",
	 .usage = "usage: prctl SPACE merge-any on|off",
	 .on = ON_SPACE,
	 .run = parse_prctl},
	{.name = "pin",
	 .min_args = 3,
	 .max_args = 3,
	 .usage = "usage: pin SPACE MAP PAGE",
	 .on = ON_PAGE,
	 .range_at = 3,
	 .run = parse_pin},
	{.name = "unpin",
	 .min_args = 3,
	 .max_args = 3,
	 .usage = "usage: unpin SPACE MAP PAGE",
	 .on = ON_PAGE,
	 .range_at = 3,
	 .run = parse_unpin},
	{.name = "node",
	 .min_args = 5,
	 .max_args = 5,
	 .usage = "usage: node SPACE MAP FIRST COUNT NODE",
	 .check = check_numa,
	 .on = ON_RANGE,
	 .range_at = 3,
	 .run = parse_node},
	{.name = "fork",
	 .min_args = 2,
	 .max_args = 2,
	 .usage = "usage: fork PARENT CHILD",
	 .on = ON_SPACE,
	 .run = parse_fork},
	{.name = "exit",
	 .min_args = 1,
	 .max_args = 1,
	 .usage = "usage: exit SPACE",
	 .on = ON_SPACE,
	 .run = parse_exit},
	{.name = "volatile",
	 .min_args = 6,
	 .max_args = ANY_ARGS,
	 .word_at = 5,
	 .word = "every",
	 .usage = "usage: volatile SPACE MAP FIRST COUNT every K [from S] "
		  "[until S]",
	 .no_at = true,
	 .on = ON_RANGE,
	 .range_at = 3,
	 .num_at = 6,
	 .num_what = "volatile period",
	 .num_lo = 1,
	 .num_hi = 100000,
	 .run = parse_volatile},
};

static const struct directive *find_directive(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (!strcmp(name, directives[i].name))
			return &directives[i];
	return NULL;
}

static int check_words(struct parser *p, const struct directive *d, char **tok,
		       int ntok)
{
	int n = ntok - 1;

	if (n < d->min_args || n > d->max_args ||
	    (d->pairs && (n - d->min_args) % 2) ||
	    (d->word && d->word_at < ntok && strcmp(tok[d->word_at], d->word)))
		return perr(p, "%s", d->usage);
	return 0;
}

static int parse_on(struct parser *p, const struct directive *d,
		    struct dir_args *a)
{
	char *t[4] = {a->tok[1], a->tok[2], NULL, "1"};
	int n = 2, ret;

	if (d->on == ON_NOTHING)
		return 0;
	if (d->on == ON_SPACE)
		return find_space(p, a->tok[1], &a->space);
	/* parse_target wants FIRST COUNT next to SPACE MAP */
	if (d->on == ON_PAGE || a->ntok > d->range_at) {
		t[2] = a->tok[d->range_at];
		if (d->on != ON_PAGE)
			t[3] = a->tok[d->range_at + 1];
		n = 4;
	}
	p->allow_gone = d->gone_ok;
	ret = parse_target(p, t, n, d->on == ON_MAPPING, &a->space, &a->map,
			   &a->first, &a->count);
	p->allow_gone = false;
	return ret;
}

static int parse_line(struct parser *p, char **tok, int ntok)
{
	const struct directive *d = find_directive(tok[0]);
	struct dir_args a;
	int ret;

	if (!d)
		return perr(p, "unknown directive '%s'", tok[0]);
	memset(&a, 0, sizeof(a));
	a.tok = tok;
	a.ntok = ntok;
	a.space = a.map = -1;
	ret = check_words(p, d, tok, ntok);
	if (!ret && d->check)
		ret = d->check(p, &a);
	if (!ret)
		ret = parse_on(p, d, &a);
	if (!ret && d->num_what)
		ret = parse_range(p, tok[d->num_at], d->num_what, d->num_lo,
				  d->num_hi, &a.num);
	return ret ? ret : d->run(p, &a);
}

static void set_dir(struct parser *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path + 1) : 0;

	if (n >= sizeof(p->dir))
		n = 0;
	memcpy(p->dir, path, n);
	p->dir[n] = 0;
}

static int finish(struct parser *p, const char *path)
{
	struct ksml_workload *wl = p->wl;
	const char *base = strrchr(path, '/');
	int i;
	bool any_fill = false;

	p->line = 0;
	for (i = 0; i < wl->nr_steps; i++)
		if (wl->steps[i].op == KSML_OP_FILL)
			any_fill = true;
	if (!wl->nr_spaces)
		return perr(p, "workload declares no address space");
	if (!any_fill)
		return perr(p, "workload writes no page (no 'fill' line)");
	if (!p->have_seed)
		return perr(p, "workload has no 'seed' line (it must be deterministic)");
	if (!p->have_name) {
		char *dot;

		snprintf(wl->name, sizeof(wl->name), "%s", base ? base + 1 : path);
		dot = strrchr(wl->name, '.');
		if (dot && !strcmp(dot, ".wl"))
			*dot = 0;
	}
	/*
	 * A bounded volatile range's last rewrite is an event too: its pages
	 * merge (or stay apart) only scans after it, and counters that look
	 * still before then say nothing about the workload's end.
	 */
	for (i = 0; i < wl->nr_volatile; i++) {
		const struct ksml_wl_volatile *v = &wl->vol[i];
		unsigned long last;

		if (!v->until || v->until <= v->from + v->every)
			continue;
		last = v->from + (v->until - 1 - v->from) / v->every * v->every;
		if (last > wl->last_event_scan)
			wl->last_event_scan = last;
	}
	if (!wl->max_scans)
		wl->max_scans = wl->last_event_scan + 40;
	if (wl->max_scans < wl->last_event_scan + 4) {
		p->line = 0;
		return perr(p, "max-scans %lu leaves fewer than 4 scans after the last event (scan %lu)",
			    wl->max_scans, wl->last_event_scan);
	}
	snprintf(wl->path, sizeof(wl->path), "%s", path);
	return 0;
}

static int parse_text_lines(struct parser *p, char *text)
{
	char *line, *next, *tok[MAX_TOKENS], *save, *t, *hash;
	int ntok, ret;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		p->line++;
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		ntok = 0;
		for (t = strtok_r(line, " \t\r", &save); t;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (ntok == MAX_TOKENS) {
				/* long class lists: use a dump file */
				return perr(p, "more than %d words on one line (put long class lists in a dump file)",
					    MAX_TOKENS);
			}
			tok[ntok++] = t;
		}
		if (!ntok)
			continue;
		if (p->seen_at && strcmp(tok[0], "at") &&
		    strcmp(tok[0], "expect-different") &&
		    strcmp(tok[0], "description"))
			return perr(p, "'%s' without 'at' after scheduled lines (write 'at %lu %s ...')",
				    tok[0], p->cur_at, tok[0]);
		ret = parse_line(p, tok, ntok);
		if (ret)
			return ret;
	}
	return 0;
}

int ksml_wl_parse_string(const char *name, const char *text,
			 struct ksml_workload *wl, char *err, size_t errsz)
{
	struct parser p;
	char *copy;
	int ret;

	memset(wl, 0, sizeof(*wl));
	memset(&p, 0, sizeof(p));
	p.wl = wl;
	p.file = name;
	p.err = err;
	p.errsz = errsz;
	p.next_addr = KSML_WL_MAP_BASE;
	if (errsz)
		err[0] = 0;
	set_dir(&p, name);
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	ret = parse_text_lines(&p, copy);
	if (!ret)
		ret = finish(&p, name);
	free(copy);
	free(p.exited);
	if (ret) {
		if (ret == -ENOMEM && errsz)
			snprintf(err, errsz, "%s: out of memory", name);
		ksml_wl_free(wl);
	}
	return ret;
}

int ksml_wl_load(const char *path, struct ksml_workload *wl)
{
	char err[1024];
	int ret = ksml_wl_parse_file(path, wl, err, sizeof(err));

	if (ret)
		fprintf(stderr, "ksmlab: %s\n", err);
	return ret;
}

int ksml_wl_parse_file(const char *path, struct ksml_workload *wl, char *err,
		       size_t errsz)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int ret;

	memset(wl, 0, sizeof(*wl));
	if (!f) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		return -EIO;
	}
	if (n > (64L << 20)) {
		snprintf(err, errsz, "%s: larger than 64 MiB", path);
		fclose(f);
		return -EFBIG;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errsz, "%s: short read", path);
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[n] = 0;
	if (memchr(buf, 0, (size_t)n)) {
		snprintf(err, errsz, "%s: contains a NUL byte (not a text file)", path);
		free(buf);
		return -EINVAL;
	}
	ret = ksml_wl_parse_string(path, buf, wl, err, errsz);
	free(buf);
	return ret;
}

void ksml_wl_free(struct ksml_workload *wl)
{
	int i;

	for (i = 0; i < wl->nr_steps; i++)
		free(wl->steps[i].fill.classes);
	free(wl->steps);
	free(wl->spaces);
	for (i = 0; i < wl->nr_maps; i++)
		free(wl->maps[i].gone);
	free(wl->maps);
	free(wl->vol);
	memset(wl, 0, sizeof(*wl));
}

/* fill a page with a pseudo-random stream derived from key */
static void gen_page(uint64_t key, void *buf)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < KSML_WL_PAGE_SIZE / 8; i++)
		w[i] = mix64(key + i * 0x9e3779b97f4a7c15ULL);
}

static void class_page(const struct ksml_workload *wl, long cls, uint64_t ukey,
		       void *buf)
{
	if (cls == KSML_CLS_ZERO)
		memset(buf, 0, KSML_WL_PAGE_SIZE);
	else if (cls == KSML_CLS_UNIQUE)
		gen_page(key4(wl->seed, 2, ukey, 0x5eed), buf);
	else
		gen_page(key4(wl->seed, 1, (uint64_t)cls, 0), buf);
}

void ksml_wl_page_content(const struct ksml_workload *wl,
			  const struct ksml_wl_step *st, unsigned long idx,
			  void *buf)
{
	const struct ksml_wl_fill *f = &st->fill;
	uint64_t ukey = ((uint64_t)st->fill_id << 32) ^ idx;
	uint64_t last;

	switch (f->pat) {
	case KSML_PAT_SAME:
		class_page(wl, f->cls, ukey, buf);
		break;
	case KSML_PAT_GROUPS:
		class_page(wl, f->base + (long)(idx / (st->count / f->ngroups)),
			   ukey, buf);
		break;
	case KSML_PAT_UNIQUE:
		class_page(wl, KSML_CLS_UNIQUE, ukey, buf);
		break;
	case KSML_PAT_ZERO:
		memset(buf, 0, KSML_WL_PAGE_SIZE);
		break;
	case KSML_PAT_LAST8:
		class_page(wl, f->cls, ukey, buf);
		last = key4(wl->seed, 3, ukey, 0) | 1;
		memcpy((char *)buf + KSML_WL_PAGE_SIZE - 8, &last, 8);
		break;
	case KSML_PAT_RANDOM:
	case KSML_PAT_CLASSES:
		class_page(wl, f->classes[idx], ukey, buf);
		break;
	}
}

void ksml_wl_volatile_content(const struct ksml_workload *wl,
			      const struct ksml_wl_volatile *v,
			      unsigned long idx, unsigned long gen, void *buf)
{
	gen_page(key4(wl->seed, 4, ((uint64_t)v->line << 32) ^ idx, gen), buf);
}

const char *ksml_wl_op_name(enum ksml_wl_op op)
{
	static const char *const names[] = {
		[KSML_OP_KNOB] = "knob",     [KSML_OP_SPACE] = "space",
		[KSML_OP_MAP] = "map",	     [KSML_OP_FILL] = "fill",
		[KSML_OP_MADVISE] = "madvise", [KSML_OP_PRCTL] = "prctl",
		[KSML_OP_PIN] = "pin",	     [KSML_OP_UNPIN] = "unpin",
		[KSML_OP_FORK] = "fork",     [KSML_OP_EXIT] = "exit",
		[KSML_OP_NODE] = "node",     [KSML_OP_MUNMAP] = "munmap",
	};

	return op <= KSML_OP_MUNMAP ? names[op] : "?";
}

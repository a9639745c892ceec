/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * workload.h - the workload spec (workloads/README.md): a parsed,
 * validated description of address spaces, mappings, page contents,
 * volatility, process events and knobs, deterministic from a seed.
 *
 * A workload is a list of steps, each tagged with the full-scan count at
 * which it runs (0 = before the first scan).  The runner (runner.h)
 * replays the steps on any backend (driver.h).
 */
#ifndef KSML_WORKLOAD_H
#define KSML_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KSML_WL_PAGE_SIZE 4096UL
#define KSML_WL_MAX_NAME 64
#define KSML_WL_MAX_SPACES 256
#define KSML_WL_MAX_MAPS 1024
/*
 * A mapping is at most 1 TiB of address space, all of a workload's at most
 * 4 TiB (sparse: only written pages take memory); the pages a workload
 * writes are at most 64 GiB, and before anything is mapped the runner
 * checks they fit in the machine's available memory.
 */
#define KSML_WL_MAX_MAP_PAGES (1UL << 28)
#define KSML_WL_MAX_VIRT_PAGES (1UL << 30)
#define KSML_WL_MAX_TOTAL_PAGES (1UL << 24)
/* where the runner places mappings (same address on every backend) */
#define KSML_WL_MAP_BASE 0x200000000000UL
#define KSML_WL_MAP_GAP (16UL * KSML_WL_PAGE_SIZE)
/* in a workload with a `thp` line every mapping starts 2 MiB-aligned */
#define KSML_WL_HPAGE_SIZE (512UL * KSML_WL_PAGE_SIZE)

/*
 * The `thp` line: /sys/kernel/mm/transparent_hugepage/enabled for the run
 * (vmem.h's KSML_THP_* plus one: a zeroed workload has none).  Without
 * one (NONE) no
 * mapping gets a THP on any backend (the linux worker maps everything
 * MADV_NOHUGEPAGE) and the host's THP settings are not touched.
 */
enum ksml_wl_thp {
	KSML_WL_THP_NONE = 0,
	KSML_WL_THP_NEVER,
	KSML_WL_THP_MADVISE,
	KSML_WL_THP_ALWAYS,
};

enum ksml_wl_pattern {
	KSML_PAT_SAME,	  /* every page has content class `cls` */
	KSML_PAT_GROUPS,  /* `ngroups` runs of equal pages, classes base.. */
	KSML_PAT_UNIQUE,  /* every page different from every other */
	KSML_PAT_ZERO,	  /* zero-filled */
	KSML_PAT_LAST8,	  /* class `cls` except the last 8 bytes (unique) */
	KSML_PAT_RANDOM,  /* unique or a copy of an earlier page (ratio) */
	KSML_PAT_CLASSES, /* explicit per-page classes (capture, dump file) */
};

/* per-page class in KSML_PAT_CLASSES */
#define KSML_CLS_ZERO (-1L)
#define KSML_CLS_UNIQUE (-2L)

struct ksml_wl_fill {
	enum ksml_wl_pattern pat;
	long cls;		/* SAME, LAST8 */
	unsigned long ngroups;	/* GROUPS */
	long base;		/* GROUPS: first class */
	unsigned int ratio_ppm; /* RANDOM: duplicate ratio, parts per million */
	long *classes;		/* CLASSES: count entries */
};

enum ksml_wl_op {
	KSML_OP_KNOB,	   /* knob name value */
	KSML_OP_SPACE,	   /* create address space */
	KSML_OP_MAP,	   /* map in space */
	KSML_OP_FILL,	   /* write pages */
	KSML_OP_MADVISE,   /* mergeable / unmergeable over a page range */
	KSML_OP_PRCTL,	   /* merge-any on/off */
	KSML_OP_PIN,	   /* pin one page */
	KSML_OP_UNPIN,	   /* unpin one page */
	KSML_OP_FORK,	   /* fork space into new space */
	KSML_OP_EXIT,	   /* exit space */
	KSML_OP_NODE,	   /* place pages on a NUMA node */
	KSML_OP_MUNMAP,	   /* unmap pages */
};

struct ksml_wl_step {
	enum ksml_wl_op op;
	unsigned long at;    /* full_scans value at which it runs */
	int line;	     /* source line, for messages */
	int space;	     /* index in spaces[] */
	int space2;	     /* FORK: child space */
	int map;	     /* index in maps[] */
	unsigned long first; /* first page in the map */
	unsigned long count; /* pages */
	int advice;	     /* MADVISE: 12..15; PRCTL: 0/1; NODE: node */
	char knob[KSML_WL_MAX_NAME];
	char value[KSML_WL_MAX_NAME];
	struct ksml_wl_fill fill;
	unsigned long fill_id; /* unique per fill step: seeds its content */
};

struct ksml_wl_space {
	char name[KSML_WL_MAX_NAME];
	int line;
	int forked_from; /* -1, or the parent space */
};

struct ksml_wl_map {
	char name[KSML_WL_MAX_NAME];
	int space;
	unsigned long pages;
	bool shared;	    /* MAP_SHARED|MAP_ANONYMOUS, else MAP_PRIVATE */
	unsigned long addr; /* fixed address chosen by the parser */
	int line;
	/* page ranges a munmap removed, with its line (parser's use) */
	struct ksml_wl_gone {
		unsigned long first, count;
		int line;
	} *gone;
	int nr_gone;
};

/* pages rewritten with fresh unique content every `every` scans */
struct ksml_wl_volatile {
	int space, map;
	unsigned long first, count;
	unsigned long every, from, until; /* until 0 = forever */
	int line;
};

struct ksml_workload {
	char name[KSML_WL_MAX_NAME];
	char path[512];
	char description[256];
	char expect_different[256]; /* empty: must match */
	enum ksml_expect_when {
		KSML_EXPECT_ALWAYS = 0,
		/* only where a `node` step could not place its pages */
		KSML_EXPECT_NODE_PLACEMENT_SKIPPED,
	} expect_when;
	uint64_t seed;
	unsigned long max_scans;
	int numa_nodes; /* 0: not a NUMA workload */
	enum ksml_wl_thp thp_mode; /* the `thp` line, or KSML_WL_THP_NONE */
	char thp_defrag[16];	   /* its defrag value (default madvise) */
	int nr_spaces, nr_maps, nr_steps, nr_volatile;
	struct ksml_wl_space *spaces;
	struct ksml_wl_map *maps;
	struct ksml_wl_step *steps; /* sorted by `at`, then file order */
	struct ksml_wl_volatile *vol;
	unsigned long last_event_scan; /* largest `at` of a one-shot step, or
					the last rewrite of a volatile
					range with `until` */
	unsigned long total_pages;   /* mapped: the sum of the maps' sizes */
	unsigned long written_pages; /* what fill and volatile lines write */
	bool has_zero; /* some fill writes zero pages */
};

/*
 * Parse a workload file.  On error returns a negative errno and writes
 * "file:line: what is wrong" into err (the workload is left empty).
 */
int ksml_wl_parse_file(const char *path, struct ksml_workload *wl,
		       char *err, size_t errsz);
/* ksml_wl_parse_file, saying on stderr ("ksmlab: file:line: ...") why not */
int ksml_wl_load(const char *path, struct ksml_workload *wl);
/* the same from a string; `name` stands for the file in messages */
int ksml_wl_parse_string(const char *name, const char *text,
			 struct ksml_workload *wl, char *err, size_t errsz);
void ksml_wl_free(struct ksml_workload *wl);

/*
 * Content of page `idx` (0-based in the fill) of fill step `st`, written
 * by rewrite generation `gen` (0 for the fill itself; volatility uses
 * gen >= 1 and ignores the pattern).  buf holds KSML_WL_PAGE_SIZE bytes.
 */
void ksml_wl_page_content(const struct ksml_workload *wl,
			  const struct ksml_wl_step *st, unsigned long idx,
			  void *buf);
/* fresh unique content for a volatile rewrite */
void ksml_wl_volatile_content(const struct ksml_workload *wl,
			      const struct ksml_wl_volatile *v,
			      unsigned long idx, unsigned long gen, void *buf);

const char *ksml_wl_op_name(enum ksml_wl_op op);
/* "never", "madvise", "always" (NULL for KSML_WL_THP_NONE) */
const char *ksml_wl_thp_name(enum ksml_wl_thp mode);

#endif /* KSML_WORKLOAD_H */

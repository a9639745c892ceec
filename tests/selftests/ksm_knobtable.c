/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_knobtable.c - every knob of /sys/kernel/mm/ksm, good and bad values,
 * written in ref (ksml_knob_write) and in the live kernel (write(2) on the
 * sysfs file), comparing the result (0 or errno) and the text read back.
 *
 *   1. the files: every live sysfs file exists in ref's knob table
 *      (ksml_knob_count/ksml_knob_at) and vice versa, with the same
 *      writability (0644 / 0444);
 *   2. the text of every file read in the baseline state;
 *   3. the table: each row starts from the same baseline (run=2 then 0,
 *      every knob at its default), arranges its precondition (KSM pages
 *      exist; the advisor on), writes the value, reads the knob back (and
 *      a second knob where the write changes it).
 *
 * Without root or without KSM the live column is skipped with the reason
 * and only ref runs.  The live part holds the live-KSM lock throughout and
 * restores every knob (harness/live.c).  Exit 0 when every compared row
 * agrees, 1 otherwise.
 *
 * Usage: ksm_knobtable [-r] (-r: ref only)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ksml.h"
#include "live.h"

#define PG 4096UL

/* seconds to wait for the live-KSM lock: KSMLAB_LOCK_TIMEOUT, default 120 */
static int lock_timeout(void)
{
	const char *e = getenv("KSMLAB_LOCK_TIMEOUT");

	return e && atoi(e) > 0 ? atoi(e) : 120;
}

enum pre { PRE_NONE, PRE_SHARED, PRE_ADVISOR };

struct row {
	const char *knob;
	const char *val;
	enum pre pre;
	const char *also; /* a second knob the write may change */
};

#define R(k, v) { k, v, PRE_NONE, NULL }
#define RP(k, v, p) { k, v, p, NULL }
#define RA(k, v, p, a) { k, v, p, a }

static const struct row rows[] = {
	R("run", "0"), R("run", "1"), R("run", "2"), R("run", "3"),
	R("run", "4"), R("run", "-1"), R("run", "0x1"), R("run", ""),
	R("run", "1\n"), R("run", "+1"), R("run", " 1"), R("run", "1 "),
	R("run", "4294967297"),
	R("pages_to_scan", "0"), R("pages_to_scan", "4294967295"),
	R("pages_to_scan", "4294967296"), R("pages_to_scan", "100"),
	R("pages_to_scan", "abc"), R("pages_to_scan", "-1"),
	RP("pages_to_scan", "100", PRE_ADVISOR),
	R("sleep_millisecs", "0"), R("sleep_millisecs", "20"),
	R("sleep_millisecs", "4294967295"), R("sleep_millisecs", "4294967296"),
	R("sleep_millisecs", "x"),
	R("merge_across_nodes", "0"), R("merge_across_nodes", "1"),
	R("merge_across_nodes", "2"), R("merge_across_nodes", "-1"),
	R("merge_across_nodes", "18446744073709551616"),
	RP("merge_across_nodes", "0", PRE_SHARED),
	RP("merge_across_nodes", "1", PRE_SHARED),
	R("max_page_sharing", "1"), R("max_page_sharing", "2"),
	R("max_page_sharing", "-5"), R("max_page_sharing", "256"),
	R("max_page_sharing", "300"), R("max_page_sharing", "2147483648"),
	R("max_page_sharing", "abc"),
	RP("max_page_sharing", "300", PRE_SHARED),
	RP("max_page_sharing", "256", PRE_SHARED),
	RP("max_page_sharing", "1", PRE_SHARED),
	/* run=2 with KSM pages: unmerged at once, and the scan count restarts */
	RA("run", "2", PRE_SHARED, "pages_shared"),
	RA("run", "2", PRE_SHARED, "full_scans"),
	RA("run", "2", PRE_SHARED, "pages_sharing"),
	RA("run", "0", PRE_SHARED, "pages_shared"),
	RA("run", "1", PRE_SHARED, "pages_shared"),
	RA("use_zero_pages", "1", PRE_SHARED, "pages_shared"),
	R("stable_node_chains_prune_millisecs", "0"),
	R("stable_node_chains_prune_millisecs", "1000"),
	R("stable_node_chains_prune_millisecs", "4294967296"),
	R("stable_node_chains_prune_millisecs", "x"),
	R("use_zero_pages", "y"), R("use_zero_pages", "n"),
	R("use_zero_pages", "on"), R("use_zero_pages", "off"),
	R("use_zero_pages", "maybe"), R("use_zero_pages", "1"),
	R("use_zero_pages", "0"), R("use_zero_pages", "Y"),
	R("use_zero_pages", "yes"), R("use_zero_pages", "o"),
	R("use_zero_pages", "2"), R("use_zero_pages", ""),
	R("smart_scan", "0"), R("smart_scan", "1"), R("smart_scan", "n"),
	R("smart_scan", "on"), R("smart_scan", "off"), R("smart_scan", "maybe"),
	R("smart_scan", ""),
	RA("advisor_mode", "none", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", "scan-time", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", "scan-time\n", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", "junk", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", "", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", " none", PRE_NONE, "pages_to_scan"),
	RA("advisor_mode", "none", PRE_ADVISOR, "pages_to_scan"),
	RA("advisor_mode", "scan-time", PRE_ADVISOR, "pages_to_scan"),
	R("advisor_target_scan_time", "0"), R("advisor_target_scan_time", "1"),
	R("advisor_target_scan_time", "200"), R("advisor_target_scan_time", "-1"),
	R("advisor_max_cpu", "0"), R("advisor_max_cpu", "101"),
	R("advisor_max_cpu", "70"), R("advisor_max_cpu", "x"),
	R("advisor_min_pages_to_scan", "0"), R("advisor_min_pages_to_scan", "500"),
	R("advisor_min_pages_to_scan", "18446744073709551615"),
	R("advisor_min_pages_to_scan", "18446744073709551616"),
	R("advisor_max_pages_to_scan", "0"), R("advisor_max_pages_to_scan", "30000"),
	R("advisor_max_pages_to_scan", "x"),
	R("advisor_max_pages_to_scan", "18446744073709551616"),
	R("advisor_max_cpu", "18446744073709551616"),
	R("advisor_target_scan_time", "18446744073709551616"),
	R("use_zero_pages", "1\n"), R("smart_scan", "y\n"),
	R("max_page_sharing", "-2147483649"),
	R("max_page_sharing", ""), R("merge_across_nodes", ""),
	R("sleep_millisecs", ""), R("pages_to_scan", ""),
	/* read-only files */
	R("pages_scanned", "0"), R("pages_shared", "0"), R("pages_sharing", "0"),
	R("pages_unshared", "0"), R("pages_volatile", "0"),
	R("pages_skipped", "0"), R("ksm_zero_pages", "0"), R("full_scans", "0"),
	R("stable_node_chains", "0"), R("stable_node_dups", "0"),
	R("general_profit", "0"),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))


/* one side of the comparison */
struct side {
	const char *name;
	struct ksml *ksm;	/* ref */
	struct ksml_mm *mm;	/* ref: the mm holding KSM pages */
	unsigned char *map;	/* live: the range holding KSM pages */
};

struct obs {
	int err;		/* 0 or errno */
	char back[64];		/* text read back */
	char also[64];
	char note[96];
};

static bool is_live(const struct side *s)
{
	return !s->ksm;
}

static int s_write(struct side *s, const char *k, const char *v)
{
	if (!is_live(s))
		return ksml_knob_write(s->ksm, k, v, strlen(v));
	return ksml_live_write(k, v);
}

static void s_read(struct side *s, const char *k, char *buf, size_t sz)
{
	ssize_t n = -1;
	char path[512];
	int fd;

	if (!is_live(s)) {
		n = ksml_knob_read(s->ksm, k, buf, sz);
	} else {
		snprintf(path, sizeof(path), "%s/%s", ksml_live_dir(), k);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sz - 1);
			if (n >= 0)
				buf[n] = 0;
			close(fd);
		}
	}
	if (n < 0)
		snprintf(buf, sz, "(unreadable)");
}

static unsigned long s_ul(struct side *s, const char *k)
{
	char buf[64];

	s_read(s, k, buf, sizeof(buf));
	return strtoul(buf, NULL, 10);
}

static int s_baseline(struct side *s, char *err, size_t esz)
{
	size_t i;
	int ret;

	if (s_write(s, "run", "2") || s_write(s, "run", "0")) {
		snprintf(err, esz, "%s: run=2/0 refused", s->name);
		return -EIO;
	}
	/*
	 * every writable knob at the kernel's default (the core's table):
	 * advisor_mode first, as the advisor owns pages_to_scan while on
	 */
	for (i = 0; i < 2 * (size_t)ksml_knob_count(); i++) {
		const struct ksml_knob_info *k =
			ksml_knob_at((int)(i % (size_t)ksml_knob_count()));
		bool first_pass = i < (size_t)ksml_knob_count();

		if (!k->writable || !k->kernel_default || !strcmp(k->name, "run") ||
		    first_pass != !strcmp(k->name, "advisor_mode"))
			continue;
		ret = s_write(s, k->name, k->kernel_default);
		/* an older kernel without this knob (advisor 6.9, smart_scan 6.7) */
		if (ret == -ENOENT && is_live(s))
			continue;
		if (ret) {
			snprintf(err, esz, "%s: baseline %s=%s: %s", s->name,
				 k->name, k->kernel_default, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* two identical pages merged: pages_shared becomes 1 */
static int s_make_shared(struct side *s, char *note, size_t nsz)
{
	unsigned long start, addr;
	time_t t0;
	int ret;

	/* not the defaults: two full scans in a moment */
	if (s_write(s, "sleep_millisecs", "0") || s_write(s, "pages_to_scan", "1000"))
		return -EIO;
	if (!is_live(s)) {
		unsigned char pg[64];

		memset(pg, 0x5a, sizeof(pg));
		ret = ksml_mm_create(s->ksm, &s->mm);
		if (!ret)
			ret = ksml_vm_mmap(s->mm, 0, 2 * PG,
					   KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS, &addr);
		if (!ret)
			ret = ksml_vm_write(s->mm, addr, pg, sizeof(pg));
		if (!ret)
			ret = ksml_vm_write(s->mm, addr + PG, pg, sizeof(pg));
		if (!ret)
			ret = ksml_vm_madvise(s->mm, addr, 2 * PG, KSML_MADV_MERGEABLE);
		if (!ret)
			ret = ksml_set_run(s->ksm, KSML_RUN_MERGE);
		if (!ret)
			ret = ksml_scan_full(s->ksm, 2, 0);
		if (!ret)
			ret = ksml_set_run(s->ksm, KSML_RUN_STOP);
	} else {
		s->map = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->map == MAP_FAILED) {
			s->map = NULL;
			return -errno;
		}
		memset(s->map, 0x5a, 2 * PG);
		ret = madvise(s->map, 2 * PG, MADV_MERGEABLE) ? -errno : 0;
		start = s_ul(s, "full_scans");
		if (!ret)
			ret = s_write(s, "run", "1");
		t0 = time(NULL);
		while (!ret && s_ul(s, "full_scans") < start + 2) {
			if (time(NULL) - t0 > 30 || ksml_live_interrupted) {
				ret = -ETIMEDOUT;
				break;
			}
			usleep(1000);
		}
		/* the store returns once ksmd is out of its batch */
		s_write(s, "run", "0");
	}
	snprintf(note, nsz, "pages_shared=%lu", s_ul(s, "pages_shared"));
	if (!ret && !s_ul(s, "pages_shared"))
		ret = -ENOENT;
	return ret;
}

static void s_undo(struct side *s)
{
	s_write(s, "run", "2");
	if (s->mm) {
		ksml_mm_exit(s->mm);
		s->mm = NULL;
	}
	if (s->map) {
		munmap(s->map, 2 * PG);
		s->map = NULL;
	}
	s_write(s, "run", "0");
}

static void run_row(struct side *s, const struct row *r, struct obs *o)
{
	char err[96];
	int ret;

	memset(o, 0, sizeof(*o));
	if (s_baseline(s, err, sizeof(err))) {
		snprintf(o->note, sizeof(o->note), "%s", err);
		o->err = -1;
		return;
	}
	if (r->pre == PRE_SHARED) {
		ret = s_make_shared(s, o->note, sizeof(o->note));
		if (ret) {
			snprintf(o->note + strlen(o->note),
				 sizeof(o->note) - strlen(o->note),
				 " (could not arrange KSM pages: %s)", strerror(-ret));
		}
	} else if (r->pre == PRE_ADVISOR) {
		ret = s_write(s, "advisor_mode", "scan-time");
		if (ret)
			snprintf(o->note, sizeof(o->note), "advisor on: %s",
				 strerror(-ret));
	}
	o->err = -s_write(s, r->knob, r->val);
	s_read(s, r->knob, o->back, sizeof(o->back));
	if (r->also)
		s_read(s, r->also, o->also, sizeof(o->also));
	if (r->pre == PRE_SHARED)
		s_undo(s);
}

/* "a\n" -> "a\\n" for the table */
static const char *esc(const char *v, char *buf, size_t sz)
{
	size_t n = 0;

	if (sz < 3)
		return "";
	buf[n++] = '"';
	for (; *v && n + 4 < sz; v++) {
		if (*v == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *v;
		}
	}
	buf[n++] = '"';
	buf[n] = 0;
	return buf;
}

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EBUSY: return "EBUSY";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

static const char *pre_name(enum pre p)
{
	return p == PRE_SHARED ? "KSM pages exist" : p == PRE_ADVISOR ? "advisor on" : "";
}

static bool live_has(const char *knob)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", ksml_live_dir(), knob);
	return !access(path, F_OK);
}

/* 1: live files vs ref table; returns mismatches */
static int check_files(bool live)
{
	int i, n = ksml_knob_count(), bad = 0, nlive = 0;
	struct dirent *e;
	DIR *d;

	printf("== files: ref knob table (%d) vs %s\n", n,
	       live ? ksml_live_dir() : "(live skipped)");
	if (!live)
		return 0;
	for (i = 0; i < n; i++) {
		const struct ksml_knob_info *k = ksml_knob_at(i);
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", ksml_live_dir(), k->name);
		if (stat(path, &st)) {
			printf("  MISMATCH %-36s in ref, not in the live kernel (older version?)\n",
			       k->name);
			bad++;
			continue;
		}
		if (!!(st.st_mode & 0200) != k->writable) {
			printf("  MISMATCH %-36s ref %s, live mode %o\n", k->name,
			       k->writable ? "writable" : "read-only",
			       st.st_mode & 0777);
			bad++;
		}
	}
	d = opendir(ksml_live_dir());
	while (d && (e = readdir(d))) {
		bool found = false;

		if (e->d_name[0] == '.')
			continue;
		nlive++;
		for (i = 0; i < n; i++)
			if (!strcmp(ksml_knob_at(i)->name, e->d_name))
				found = true;
		if (!found) {
			printf("  MISMATCH %-36s in the live kernel, not in ref\n", e->d_name);
			bad++;
		}
	}
	if (d)
		closedir(d);
	printf("  %d live files, %d ref knobs, %d mismatches\n", nlive, n, bad);
	return bad;
}

/* 2: the text of every file in the baseline state */
static int check_texts(struct side *ref, struct side *live)
{
	int i, bad = 0;
	char a[128], b[128], ea[160], eb[160];

	printf("== baseline text of every file (writable knobs compared)\n");
	for (i = 0; i < ksml_knob_count(); i++) {
		const struct ksml_knob_info *k = ksml_knob_at(i);

		s_read(ref, k->name, a, sizeof(a));
		if (!live) {
			printf("  %-36s ref %s\n", k->name, esc(a, ea, sizeof(ea)));
			continue;
		}
		if (!live_has(k->name)) {
			printf("  %-36s ref %-20s live: absent (older kernel)\n", k->name,
			       esc(a, ea, sizeof(ea)));
			continue;
		}
		s_read(live, k->name, b, sizeof(b));
		if (k->writable && strcmp(a, b)) {
			printf("  MISMATCH %-36s ref %s live %s\n", k->name,
			       esc(a, ea, sizeof(ea)), esc(b, eb, sizeof(eb)));
			bad++;
		} else {
			printf("  %-36s ref %-20s live %s%s\n", k->name,
			       esc(a, ea, sizeof(ea)), esc(b, eb, sizeof(eb)),
			       k->writable ? "" : " (counter: not compared)");
		}
	}
	return bad;
}

/*
 * The table's ranges are what ref's stores accept: each number knob's
 * bounds go in, one past each (where the type has room) is refused.  The
 * rows above hold the live kernel to the same bounds.
 */
static int check_ranges(struct side *ref)
{
	char why[256];
	int i, j, bad = 0;

	printf("== ranges (ksml_knob_info min..max, ref)\n");
	for (i = 0; i < ksml_knob_count(); i++) {
		const struct ksml_knob_info *k = ksml_knob_at(i);
		struct {
			unsigned long v;
			bool use, ok;
		} t[4] = {
			{k->min, true, true},
			{k->max, true, true},
			{k->min - 1, k->min > 0, false},
			{k->max + 1, k->max < ~0UL, false},
		};

		if (!k->writable || !strcmp(k->name, "advisor_mode"))
			continue;
		for (j = 0; j < 4; j++) {
			char v[32];
			int ret;

			if (!t[j].use)
				continue;
			snprintf(v, sizeof(v), "%lu", t[j].v);
			ret = s_baseline(ref, why, sizeof(why));
			ret = ret ? ret : s_write(ref, k->name, v);
			if (!ret != t[j].ok) {
				printf("! %-36s %-24s %s, the table says %s\n",
				       k->name, v,
				       ret ? strerror(-ret) : "accepted",
				       t[j].ok ? "accepted" : "refused");
				bad++;
			}
		}
		printf("  %-36s %lu..%lu\n", k->name, k->min, k->max);
	}
	s_baseline(ref, why, sizeof(why));
	return bad;
}

int main(int argc, char **argv)
{
	struct side ref = { "ref", NULL, NULL, NULL }, live = { "linux", NULL, NULL, NULL };
	struct ksml_live_saved saved;
	struct ksml_config cfg;
	bool have_live = !(argc > 1 && !strcmp(argv[1], "-r"));
	char why[512] = "";
	int bad = 0, nrows = 0, ret;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&cfg, 0, sizeof(cfg));
	ret = ksml_init(&ref.ksm, &cfg);
	if (ret) {
		printf("FAIL: ksml_init: %s\n", strerror(-ret));
		return 1;
	}
	if (have_live && ksml_live_check(why, sizeof(why)))
		have_live = false;
	else if (have_live && ksml_live_lock(lock_timeout(), why, sizeof(why)))
		have_live = false;
	else if (have_live && ksml_live_save(&saved, why, sizeof(why))) {
		ksml_live_unlock();
		have_live = false;
	}
	if (!have_live)
		printf("SKIPPED: live kernel column: %s\n",
		       why[0] ? why : "ref only (-r)");

	bad += check_files(have_live);
	if (s_baseline(&ref, why, sizeof(why)) ||
	    (have_live && s_baseline(&live, why, sizeof(why)))) {
		printf("FAIL: %s\n", why);
		bad++;
		goto out;
	}
	bad += check_texts(&ref, have_live ? &live : NULL);
	bad += check_ranges(&ref);

	printf("== writes (each from the baseline: run=2 then 0, knobs at their defaults)\n");
	printf("  %-36s %-24s %-16s | %-28s | %-28s | %s\n", "knob", "value",
	       "precondition", "ref: result -> read back", "live: result -> read back",
	       "same");
	for (i = 0; i < NR_ROWS && !ksml_live_interrupted; i++) {
		const struct row *r = &rows[i];
		struct obs a, b;
		char v[64], ba[80], bb[80], ca[64], cb[64];
		bool same = true, ro = false;

		if (ksml_knob_find(r->knob))
			ro = !ksml_knob_find(r->knob)->writable;
		run_row(&ref, r, &a);
		if (have_live && (!live_has(r->knob) ||
				  (r->pre == PRE_ADVISOR && !live_has("advisor_mode")))) {
			printf("  %-36s %-24s %-16s | not in the live kernel (older version): not compared\n",
			       r->knob, esc(r->val, v, sizeof(v)), pre_name(r->pre));
			continue;
		}
		if (have_live) {
			run_row(&live, r, &b);
			same = a.err == b.err &&
			       (ro || !strcmp(a.back, b.back)) && !strcmp(a.also, b.also);
		}
		nrows++;
		snprintf(ba, sizeof(ba), "%s -> %s", errname(a.err),
			 ro ? "(counter)" : esc(a.back, ca, sizeof(ca)));
		snprintf(bb, sizeof(bb), "%s -> %s", have_live ? errname(b.err) : "-",
			 !have_live ? "skipped" : ro ? "(counter)" : esc(b.back, cb, sizeof(cb)));
		printf("%s %-36s %-24s %-16s | %-28s | %-28s | %s\n",
		       same ? " " : "!", r->knob, esc(r->val, v, sizeof(v)),
		       pre_name(r->pre), ba, bb,
		       !have_live ? "-" : same ? "yes" : "NO");
		if (r->also)
			printf("    %s after: ref %s live %s\n", r->also,
			       esc(a.also, ca, sizeof(ca)),
			       have_live ? esc(b.also, cb, sizeof(cb)) : "-");
		if (a.note[0] || (have_live && b.note[0]))
			printf("    notes: ref %s; live %s\n", a.note,
			       have_live ? b.note : "-");
		if (!same)
			bad++;
	}
out:
	if (have_live) {
		if (ksml_live_restore(&saved, why, sizeof(why))) {
			printf("FAIL: restoring the live knobs: %s\n", why);
			bad++;
		}
		ksml_live_unlock();
	}
	ksml_destroy(ref.ksm);
	printf("SUMMARY: knob table: %d rows, %d differences ref vs %s\n", nrows, bad,
	       have_live ? "live kernel" : "(live skipped)");
	return bad ? 1 : 0;
}

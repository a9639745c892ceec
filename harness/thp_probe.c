/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * thp_probe.c - measure what the host kernel's KSM does with transparent
 * huge pages, so that vmem can model it (harness/THP.md holds the
 * findings).  Each scenario maps 2 MiB-aligned memory with MADV_HUGEPAGE
 * and MADV_MERGEABLE, fills the subpages, and after every lock-stepped
 * ksmd full scan prints the KSM counters, the process's rmap_items and
 * AnonHugePages, and the state of every subpage read from pagemap and
 * kpageflags (T: in a THP, K: KSM, Z: zero page, N: normal order-0,
 * .: not present).
 *
 * Uses the harness's live lock and knob save/restore (live.c); the THP
 * settings are read, not changed.  Root only.
 *
 *   thp_probe [scenario...]    (no argument: all)
 */
#include "ksml.h"
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define PAGE  4096UL
#define HPAGE (2UL << 20)
#define NSUB  512

#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP		  22
#define KPF_KSM		  21
#define KPF_ZERO_PAGE	  24

static int kpf_fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "thp_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long ksm(const char *name)
{
	return ksml_live_read_ul(name);
}

/* one lock-stepped full scan, as backend_linux.c's step_one */
static int step(void)
{
	static int toggle;
	unsigned long fs0 = ksm("full_scans");
	struct timespec ts = {0, 20 * 1000 * 1000};
	int i;

	toggle = !toggle;
	ksml_live_write("sleep_millisecs", toggle ? "3600001" : "3600000");
	ksml_live_write("run", "1");
	for (i = 0; i < 3000 && ksm("full_scans") == fs0; i++) {
		if (ksml_live_interrupted)
			break;
		nanosleep(&ts, NULL);
		if (i % 100 == 99) {
			toggle = !toggle;
			ksml_live_write("sleep_millisecs",
					toggle ? "3600001" : "3600000");
		}
	}
	ksml_live_write("run", "0");
	return ksm("full_scans") == fs0 ? -1 : 0;
}

static long smaps_field(pid_t pid, unsigned long start, const char *field)
{
	char path[64], line[256];
	long total = -1;
	int in = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a <= start && start < b;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field))) {
			total = strtol(line + strlen(field) + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return total;
}

static long ksm_stat(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) &&
		    line[strlen(field)] == ' ')
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* a string of one letter per subpage of [start, start + n pages) */
static void page_states(pid_t pid, unsigned long start, int n, char *out)
{
	char path[64];
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("pagemap");
	for (i = 0; i < n; i++) {
		uint64_t e = 0, fl = 0, pfn;

		if (pread(fd, &e, 8, (off_t)((start / PAGE + i) * 8)) != 8)
			die("pagemap read");
		if (!(e >> 63 & 1)) {
			out[i] = '.';
			continue;
		}
		pfn = e & ((1ULL << 55) - 1);
		if (pread(kpf_fd, &fl, 8, (off_t)(pfn * 8)) != 8)
			die("kpageflags read");
		if (fl >> KPF_ZERO_PAGE & 1)
			out[i] = 'Z';
		else if (fl >> KPF_KSM & 1)
			out[i] = 'K';
		else if (fl >> KPF_THP & 1)
			out[i] = 'T';
		else if (fl >> KPF_COMPOUND_HEAD & 1 ||
			 fl >> KPF_COMPOUND_TAIL & 1)
			out[i] = 'C';
		else if (!pfn)
			out[i] = '?';
		else
			out[i] = 'N';
	}
	out[n] = 0;
	close(fd);
}

/* runs of equal letters: "T512" or "K64 N447 Z1" */
static void rle(const char *s, char *out, size_t size)
{
	size_t o = 0;

	out[0] = 0;
	while (*s && o + 16 < size) {
		const char *r = s;

		while (*r == *s)
			r++;
		o += (size_t)snprintf(out + o, size - o, "%s%c%d", o ? " " : "",
				      *s, (int)(r - s));
		s = r;
	}
}

struct proc {
	pid_t pid;
	int to[2], from[2];
};

static char *map_aligned(unsigned long len)
{
	char *raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED)
		die("mmap");
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (p > raw)
		munmap(raw, (unsigned long)(p - raw));
	munmap(p + len, (unsigned long)(raw + len + HPAGE - p - len));
	return p;
}

static void fill(char *p, int kind, unsigned long seed)
{
	/* kind: 0 zero written, 1 duplicate (same content everywhere), 2 unique
	 */
	if (kind == 0)
		memset(p, 0, PAGE);
	else if (kind == 1)
		memset(p, 0x5a, PAGE);
	else {
		memset(p, 0x33, PAGE);
		memcpy(p, &seed, sizeof(seed));
		memcpy(p + 8, "unique", 6);
	}
}

static unsigned long uniq_seed = 1;

static void report(const char *label, pid_t *pids, char **bases, int nr,
		   int npages)
{
	char st[NSUB * 8 + 1], r[1024];
	int i;

	printf("  %-14s scanned=%-6lu full=%lu shared=%lu sharing=%lu "
	       "unshared=%lu volatile=%lu zero=%lu\n",
	       label, ksm("pages_scanned"), ksm("full_scans"),
	       ksm("pages_shared"), ksm("pages_sharing"), ksm("pages_unshared"),
	       ksm("pages_volatile"), ksm("ksm_zero_pages"));
	for (i = 0; i < nr; i++) {
		page_states(pids[i], (unsigned long)bases[i], npages, st);
		rle(st, r, sizeof(r));
		printf("    pid%d AnonHuge=%ldkB Rss=%ldkB rmap_items=%ld "
		       "merging=%ld zero=%ld | %s\n",
		       i,
		       smaps_field(pids[i], (unsigned long)bases[i],
				   "AnonHugePages:"),
		       smaps_field(pids[i], (unsigned long)bases[i], "Rss:"),
		       ksm_stat(pids[i], "ksm_rmap_items"),
		       ksm_stat(pids[i], "ksm_merging_pages"),
		       ksm_stat(pids[i], "ksm_zero_pages"), r);
	}
	fflush(stdout);
}

static unsigned long scanned0;

static void scans(int n, pid_t *pids, char **bases, int nr, int npages)
{
	char label[32];
	int i;

	for (i = 0; i < n; i++) {
		unsigned long before = ksm("pages_scanned");

		if (step()) {
			printf("  no full scan completed\n");
			return;
		}
		snprintf(label, sizeof(label), "scan %d (+%lu)", i + 1,
			 ksm("pages_scanned") - before);
		report(label, pids, bases, nr, npages);
	}
}

/*
 * Scenarios.  Patterns per subpage: 'z' zero written, 'd' duplicate,
 * 'u' unique, '-' not touched.
 */
static void pattern(char *base, const char *pat, int npages)
{
	int i;

	for (i = 0; i < npages; i++)
		if (pat[i] != '-')
			fill(base + i * PAGE,
			     pat[i] == 'z'   ? 0
			     : pat[i] == 'd' ? 1
					     : 2,
			     uniq_seed++);
}

static void make_pat(char *pat, int npages, int ndup, int nzero, int ntouch)
{
	int i;

	for (i = 0; i < npages; i++)
		pat[i] = i < ndup	    ? 'd'
			 : i < ndup + nzero ? 'z'
			 : i < ntouch	    ? 'u'
					    : '-';
	pat[npages] = 0;
}

static void reset(void)
{
	ksml_live_write("run", "2");
	ksml_live_write("run", "0");
}

/* one process, one THP with the given pattern */
static void scen_single(const char *name, int ndup, int nzero, int ntouch,
			int uzp, int nscans)
{
	char pat[NSUB + 1], *p;
	pid_t me = getpid();

	printf("== %s: 1 THP, %d dup, %d zero-written, %d unique, %d "
	       "untouched, use_zero_pages=%d\n",
	       name, ndup, nzero, ntouch - ndup - nzero, NSUB - ntouch, uzp);
	reset();
	ksml_live_write("use_zero_pages", uzp ? "1" : "0");
	p = map_aligned(HPAGE);
	if (madvise(p, HPAGE, MADV_HUGEPAGE))
		die("MADV_HUGEPAGE");
	make_pat(pat, NSUB, ndup, nzero, ntouch);
	pattern(p, pat, NSUB);
	if (madvise(p, HPAGE, MADV_MERGEABLE))
		die("MADV_MERGEABLE");
	scanned0 = ksm("pages_scanned");
	report("before", &me, &p, 1, NSUB);
	scans(nscans, &me, &p, 1, NSUB);
	munmap(p, HPAGE);
}

/* two THPs in one process: subpages [0, ndup) equal across the two, rest unique
 */
static void scen_cross(int ndup, int nscans)
{
	char pat[2 * NSUB + 1], *p;
	pid_t me = getpid();
	int i;

	printf("== cross: 2 THPs, subpage i of THP0 == subpage i of THP1 for i "
	       "< %d, rest unique\n",
	       ndup);
	reset();
	ksml_live_write("use_zero_pages", "0");
	p = map_aligned(2 * HPAGE);
	madvise(p, 2 * HPAGE, MADV_HUGEPAGE);
	for (i = 0; i < 2 * NSUB; i++)
		pat[i] = 'u';
	pattern(p, pat, 2 * NSUB);
	for (i = 0; i < ndup; i++) {
		unsigned long s = 1000000 + (unsigned long)i;

		fill(p + i * PAGE, 2, s);
		fill(p + HPAGE + i * PAGE, 2, s);
	}
	madvise(p, 2 * HPAGE, MADV_MERGEABLE);
	report("before", &me, &p, 1, 2 * NSUB);
	scans(nscans, &me, &p, 1, 2 * NSUB);
	printf("  write subpage 0 of THP0 (merged) and subpage 100 of THP0 "
	       "(unique), then scan\n");
	fill(p, 2, uniq_seed++);
	fill(p + 100 * PAGE, 2, uniq_seed++);
	report("after writes", &me, &p, 1, 2 * NSUB);
	scans(2, &me, &p, 1, 2 * NSUB);
	munmap(p, 2 * HPAGE);
}

/* a THP against small pages of a non-THP mapping with the same content */
static void scen_vs_small(int nscans)
{
	char pat[NSUB + 1], *p, *q, *b[2];
	pid_t me[2] = {getpid(), getpid()};
	int i;

	printf("== vs-small: 1 THP all unique except subpages 0..7, which "
	       "equal the 8 pages of a NOHUGEPAGE mapping\n");
	reset();
	p = map_aligned(HPAGE);
	madvise(p, HPAGE, MADV_HUGEPAGE);
	q = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(q, 8 * PAGE, 15 /* MADV_NOHUGEPAGE */);
	make_pat(pat, NSUB, 0, 0, NSUB);
	pattern(p, pat, NSUB);
	for (i = 0; i < 8; i++) {
		fill(p + i * PAGE, 2, 2000000 + (unsigned long)i);
		fill(q + i * PAGE, 2, 2000000 + (unsigned long)i);
	}
	madvise(p, HPAGE, MADV_MERGEABLE);
	madvise(q, 8 * PAGE, MADV_MERGEABLE);
	b[0] = p;
	b[1] = q;
	report("before", me, b, 2, 8);
	printf("    THP states: ");
	fflush(stdout);
	report("before", me, b, 1, NSUB);
	scans(nscans, me, b, 1, NSUB);
	report("end (small)", me + 1, b + 1, 1, 8);
	munmap(p, HPAGE);
	munmap(q, 8 * PAGE);
}

/* fork: parent fills a THP, forks; both scanned */
static void scen_fork(int ndup, int nscans, int child_writes)
{
	char pat[NSUB + 1], *p, *b[2];
	pid_t pids[2];
	int pfd[2], cfd[2];
	char c;

	printf("== fork: 1 THP (%d dup, rest unique), forked before "
	       "MADV_MERGEABLE=inherited; child writes subpage 300: %d\n",
	       ndup, child_writes);
	reset();
	p = map_aligned(HPAGE);
	madvise(p, HPAGE, MADV_HUGEPAGE);
	make_pat(pat, NSUB, ndup, 0, NSUB);
	pattern(p, pat, NSUB);
	madvise(p, HPAGE, MADV_MERGEABLE);
	if (pipe(pfd) || pipe(cfd))
		die("pipe");
	pids[0] = getpid();
	pids[1] = fork();
	if (pids[1] < 0)
		die("fork");
	if (!pids[1]) {
		/* child: optionally write, then wait for the parent's end */
		if (child_writes)
			fill(p + 300 * PAGE, 2, 99999999);
		if (write(cfd[1], "r", 1) != 1)
			_exit(1);
		if (read(pfd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(cfd[0], &c, 1) != 1)
		die("child");
	b[0] = b[1] = p;
	report("after fork", pids, b, 2, NSUB);
	scans(nscans, pids, b, 2, NSUB);
	if (write(pfd[1], "x", 1) != 1)
		die("pipe write");
	waitpid(pids[1], NULL, 0);
	munmap(p, HPAGE);
}

/* a THP that is partly munmapped / mprotected before scanning */
static void scen_partial(int nscans)
{
	char pat[NSUB + 1], *p;
	pid_t me = getpid();

	printf("== partial: 1 THP (64 dup, rest unique), then "
	       "mprotect(PROT_READ) of subpages 256..263\n");
	reset();
	p = map_aligned(HPAGE);
	madvise(p, HPAGE, MADV_HUGEPAGE);
	make_pat(pat, NSUB, 64, 0, NSUB);
	pattern(p, pat, NSUB);
	madvise(p, HPAGE, MADV_MERGEABLE);
	report("filled", &me, &p, 1, NSUB);
	mprotect(p + 256 * PAGE, 8 * PAGE, PROT_READ);
	report("mprotected", &me, &p, 1, NSUB);
	scans(nscans, &me, &p, 1, NSUB);
	munmap(p, HPAGE);
}

/* read fault only: the huge zero page */
static void scen_readonly(int nscans)
{
	char *p;
	pid_t me = getpid();
	volatile char x;

	printf("== read-only: MADV_HUGEPAGE mapping only read (huge zero "
	       "page?), then one write\n");
	reset();
	p = map_aligned(HPAGE);
	madvise(p, HPAGE, MADV_HUGEPAGE);
	x = p[0];
	(void)x;
	madvise(p, HPAGE, MADV_MERGEABLE);
	report("read", &me, &p, 1, NSUB);
	scans(nscans, &me, &p, 1, NSUB);
	p[5 * PAGE] = 1;
	report("written", &me, &p, 1, NSUB);
	scans(nscans, &me, &p, 1, NSUB);
	munmap(p, HPAGE);
}

static int want(int argc, char **argv, const char *name)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct ksml_live_saved saved;
	char err[512], buf[128];
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ksml_live_check(err, sizeof(err)) ||
	    ksml_live_lock(600, err, sizeof(err)) ||
	    ksml_live_save(&saved, err, sizeof(err))) {
		fprintf(stderr, "thp_probe: %s\n", err);
		return 1;
	}
	kpf_fd = open("/proc/kpageflags", O_RDONLY);
	if (kpf_fd < 0)
		die("/proc/kpageflags");
	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = 0;
		printf("THP enabled: %s", buf);
		close(fd);
	}
	ksml_live_write("run", "2");
	ksml_live_write("max_page_sharing", ksml_knob_default("max_page_sharing"));
	ksml_live_write("merge_across_nodes", ksml_knob_default("merge_across_nodes"));
	ksml_live_write("advisor_mode", "none");
	ksml_live_write("smart_scan", "0");
	ksml_live_write("pages_to_scan", "4000000");
	ksml_live_write("sleep_millisecs", "3600000");
	ksml_live_write("run", "0");
	if (want(argc, argv, "unique"))
		scen_single("unique", 0, 0, NSUB, 0, 3);
	if (want(argc, argv, "dups"))
		scen_single("dups", 64, 0, NSUB, 0, 3);
	if (want(argc, argv, "zero"))
		scen_single("zero", 0, 64, NSUB, 0, 3);
	if (want(argc, argv, "zero-uzp"))
		scen_single("zero-uzp", 0, 64, NSUB, 1, 3);
	if (want(argc, argv, "untouched"))
		scen_single("untouched", 0, 0, 8, 0, 3);
	if (want(argc, argv, "untouched-uzp"))
		scen_single("untouched-uzp", 0, 0, 8, 1, 3);
	if (want(argc, argv, "mixed"))
		scen_single("mixed", 32, 32, 256, 0, 3);
	if (want(argc, argv, "cross"))
		scen_cross(16, 3);
	if (want(argc, argv, "vs-small"))
		scen_vs_small(3);
	if (want(argc, argv, "fork"))
		scen_fork(0, 3, 0);
	if (want(argc, argv, "fork-dups"))
		scen_fork(16, 3, 0);
	if (want(argc, argv, "fork-write"))
		scen_fork(0, 3, 1);
	if (want(argc, argv, "partial"))
		scen_partial(3);
	if (want(argc, argv, "readonly"))
		scen_readonly(2);
	ksml_live_write("run", "2");
	if (ksml_live_restore(&saved, err, sizeof(err)))
		fprintf(stderr, "thp_probe: restore: %s\n", err);
	ksml_live_unlock();
	return 0;
}

// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_live.c - measure the live kernel KSM on one synthetic pattern.
 *
 * The shared-KSM rules come from the harness's live.h (one implementation
 * for every ksmlab user of the host): ksml_live_lock() takes the flock and
 * repairs knobs left by a run killed with SIGKILL, ksml_live_save() saves
 * every writable knob (also into the state file) and installs the signal
 * handlers, ksml_live_restore() puts them back, run last, as found.
 *
 * One measurement: map and fill the pattern, madvise(MADV_MERGEABLE), set
 * the requested knobs, run ksmd for the requested number of full scans,
 * stop it (run=0), read ksmd's CPU time (/proc/<ksmd>/schedstat), unmap,
 * unmerge what is left (run=2, only if nobody else had KSM pages),
 * restore, unlock.  A signal stops the waiting; the knobs are restored and
 * the signal is then delivered again with its default action.
 *
 * The scans are lock-stepped (pages_to_scan 0 in the parameters), as the
 * harness's linux backend does: pages_to_scan above the pass, so that one
 * batch is one full scan (scan_get_next_rmap_item ends the batch at the
 * pass end), sleep_millisecs an hour; each scan is kicked by changing
 * sleep_millisecs (ends ksmd's timed sleep) and writing run=1 (ends its
 * untimed wait), waited for on full_scans, and ended by run=0.  ksmd is
 * asleep between scans: the counters read then are those after the scan,
 * and the pattern's writes land between scans, not during one.  Polling
 * a free-running ksmd instead (sleep_millisecs=0, the pages_to_scan
 * sweep) can see a merge of scan N only after full_scans said N.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_live.h"
#include "live.h"

#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KSM_DIR "/sys/kernel/mm/ksm/"

static int knob_write(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int knob_write(const char *name, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ksml_live_write(name, buf);
}

static int read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return (int)n;
}

static long knob_read(const char *name)
{
	char buf[64];

	if (ksml_live_read(name, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static double ksmd_cpu_s(void)
{
	return (double)ksml_live_ksmd_cpu_ns() * 1e-9;
}

/* a field of /proc/PID/ksm_stat ("self" for pid 0), or 0 */
static unsigned long ksm_stat_field(int pid, const char *field)
{
	char path[64], buf[512], *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ksm_stat");
	if (read_str(path, buf, sizeof(buf)) <= 0)
		return 0;
	f = strstr(buf, field);
	return f ? strtoul(f + strlen(field), NULL, 10) : 0;
}

/* resident pages of pid's mergeable VMAs (VmFlags "mg" in smaps) */
static unsigned long mergeable_rss_pages(int pid)
{
	char path[64], line[512];
	unsigned long rss_kb = 0, sum_kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Rss:", 4))
			rss_kb = strtoul(line + 4, NULL, 10);
		else if (!strncmp(line, "VmFlags:", 8) && strstr(line, " mg"))
			sum_kb += rss_kb;
	}
	fclose(f);
	return sum_kb / 4;
}

/*
 * Pages of every other process that ksmd scans too (mergeable VMAs of
 * processes with ksm_stat "ksm_mergeable: yes"): they share ksmd's CPU
 * and the global counters with the measurement.
 */
unsigned long ksml_live_others_pages(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned long sum = 0;
	int self = getpid();

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		char path[64], buf[512];

		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
		if (read_str(path, buf, sizeof(buf)) > 0 &&
		    (strstr(buf, "ksm_mergeable: yes") || strstr(buf, "ksm_merge_any: yes")))
			sum += mergeable_rss_pages(pid);
	}
	closedir(d);
	return sum;
}

int ksml_live_available(char *why, size_t size)
{
	int err = ksml_live_check(why, size);

	if (err)
		return err;
	if (ksml_live_ksmd_pid() < 0) {
		snprintf(why, size, "no ksmd thread found in /proc");
		return -ESRCH;
	}
	snprintf(why, size, "ok");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int set_knobs(const struct ksml_live_params *p, struct ksml_live_result *r)
{
	int err;

	err = knob_write("run", "0");
	if (!err)
		err = knob_write("sleep_millisecs", "0");
	if (!err)
		err = knob_write("pages_to_scan", "%u", p->pages_to_scan);
	if (!err && p->smart_scan >= 0 && !access(KSM_DIR "smart_scan", W_OK))
		err = knob_write("smart_scan", "%d", p->smart_scan);
	if (!err && p->merge_across_nodes >= 0 &&
	    knob_read("merge_across_nodes") != p->merge_across_nodes)
		err = knob_write("merge_across_nodes", "%d", p->merge_across_nodes);
	if (!err && p->max_page_sharing > 0 &&
	    knob_read("max_page_sharing") != p->max_page_sharing)
		err = knob_write("max_page_sharing", "%d", p->max_page_sharing);
	if (err)
		snprintf(r->note, sizeof(r->note), "setting knobs: %s%s", strerror(-err),
			 err == -EBUSY ? " (KSM pages exist: knob locked)" : "");
	return err;
}

static int run_workload(const struct ksml_live_params *p, struct ksml_live_result *r,
			long base_sharing, unsigned long base_scans,
			unsigned long base_scanned)
{
	double cpu0, t0, deadline;
	unsigned long fs = 0;
	long last_sharing = base_sharing;

	cpu0 = ksmd_cpu_s();
	t0 = now_s();
	/* budget: 4 passes at >= 20k pages per second, plus slack */
	deadline = t0 + 30.0 + (double)p->pages * p->full_scans / 20000.0;
	if (knob_write("run", "1"))
		return -EIO;
	while (fs < p->full_scans) {
		long sh;

		usleep(2000);
		fs = (unsigned long)knob_read("full_scans") - base_scans;
		sh = knob_read("pages_sharing");
		if (sh != last_sharing) {
			last_sharing = sh;
			r->converge_scans = fs + 1;
			r->converge_cpu_s = ksmd_cpu_s() - cpu0;
		}
		if (ksml_live_interrupted) {
			knob_write("run", "0");
			snprintf(r->note, sizeof(r->note), "interrupted by signal %d",
				 (int)ksml_live_interrupted);
			return -EINTR;
		}
		if (now_s() > deadline) {
			knob_write("run", "0");
			snprintf(r->note, sizeof(r->note),
				 "timeout: %lu of %u full scans", fs, p->full_scans);
			return -ETIMEDOUT;
		}
	}
	knob_write("run", "0");
	r->wall_s = now_s() - t0;
	r->cpu_s = ksmd_cpu_s() - cpu0;
	r->full_scans = (unsigned long)knob_read("full_scans") - base_scans;
	r->pages_scanned = (unsigned long)knob_read("pages_scanned") - base_scanned;
	return 0;
}

/* sleep_millisecs values of a lock-stepped run: an hour, two spellings */
#define STEP_SLEEP_A "3600000"
#define STEP_SLEEP_B "3600001"

/*
 * One lock-stepped full scan (see the top of the file): 0, or -errno with
 * ksmd stopped (run=0) and a note.
 */
static int step_one(const struct ksml_live_params *p,
		    struct ksml_live_result *r, bool *toggle)
{
	unsigned long fs0 = ksml_live_read_ul("full_scans"), fs;
	unsigned long scanned = ksml_live_read_ul("pages_scanned"), sc;
	double t0 = now_s(), still = t0;
	double budget = 60.0 + (double)p->pages / 20000.0;
	useconds_t wait = 200;
	int err;

kick:
	/*
	 * sleep_millisecs first (ends a timed sleep; with run still 0 ksmd
	 * then waits untimed), then run=1 (ends the untimed wait): either
	 * way ksmd runs one batch, then sleeps an hour.
	 */
	*toggle = !*toggle;
	err = ksml_live_write("sleep_millisecs",
			      *toggle ? STEP_SLEEP_B : STEP_SLEEP_A);
	if (!err)
		err = ksml_live_write("run", "1");
	if (err) {
		snprintf(r->note, sizeof(r->note), "kicking ksmd: %s",
			 strerror(-err));
		return err;
	}
	for (;;) {
		fs = ksml_live_read_ul("full_scans");
		if (fs != fs0)
			break;
		if (ksml_live_interrupted) {
			knob_write("run", "0");
			snprintf(r->note, sizeof(r->note),
				 "interrupted by signal %d",
				 (int)ksml_live_interrupted);
			return -EINTR;
		}
		if (now_s() - t0 > budget) {
			knob_write("run", "0");
			snprintf(r->note, sizeof(r->note),
				 "timeout: full scan %lu took more than %.0f s",
				 r->nr_steps + 1, budget);
			return -ETIMEDOUT;
		}
		sc = ksml_live_read_ul("pages_scanned");
		if (sc != scanned) {
			scanned = sc;
			still = now_s();
		} else if (now_s() - still > 2.0) {
			/*
			 * ksmd scans nothing: a wake-up lost in a narrow
			 * window, or a batch that ended before the pass did
			 * (other processes' pages grew): kick again, in the
			 * same scan
			 */
			still = now_s();
			goto kick;
		}
		usleep(wait);
		if (wait < 5000)
			wait += 200;
	}
	err = knob_write("run", "0");
	if (fs != fs0 + 1)
		snprintf(r->note, sizeof(r->note),
			 "full_scans jumped from %lu to %lu in one step", fs0,
			 fs);
	return err;
}

/* lock-stepped: the pattern's writes before each scan, counters after */
static int run_lockstep(const struct ksml_live_params *p,
			struct ksml_live_result *r, uint8_t *area,
			long base_shared, long base_sharing, long base_unshared,
			unsigned long base_scans, unsigned long base_scanned)
{
	static uint8_t page[4096] __attribute__((aligned(64)));
	double cpu0 = ksmd_cpu_s(), wall = 0;
	bool toggle = false;
	unsigned int s;
	int err = 0;

	for (s = 1; s <= p->full_scans && s <= KSML_BENCH_MAX_SCANS; s++) {
		unsigned long i;
		double t;

		for (i = 0; i < p->pages; i++)
			if (ksml_bench_rewrite_page(page, p->pat, i, s))
				memcpy(area + ksml_bench_page_slot(
						      i, p->pages,
						      p->vma_pages) *
						       4096,
				       page, 4096);
		t = now_s();
		err = step_one(p, r, &toggle);
		if (err)
			return err;
		wall += now_s() - t;
		r->nr_steps = s;
		r->step_cpu_s[s] = ksmd_cpu_s() - cpu0;
		r->step_shared[s] = (unsigned long)(knob_read("pages_shared") -
						    base_shared);
		r->step_sharing[s] =
			(unsigned long)(knob_read("pages_sharing") -
					base_sharing);
		r->step_unshared[s] =
			(unsigned long)(knob_read("pages_unshared") -
					base_unshared);
	}
	r->wall_s = wall;
	r->cpu_s = r->step_cpu_s[r->nr_steps];
	r->full_scans = (unsigned long)knob_read("full_scans") - base_scans;
	r->pages_scanned =
		(unsigned long)knob_read("pages_scanned") - base_scanned;
	return 0;
}

int ksml_live_measure(const struct ksml_live_params *p, struct ksml_live_result *r)
{
	size_t len =
		(p->vma_pages > p->pages ? p->vma_pages : p->pages) * 4096ul;
	long base_shared, base_sharing, base_unshared;
	unsigned long base_scans, base_scanned, i;
	static struct ksml_live_saved saved; /* one measurement at a time */
	char err_msg[256];
	long others_ksm;
	uint8_t *area;
	int err, sig;

	memset(r, 0, sizeof(*r));
	err = ksml_live_available(r->note, sizeof(r->note));
	if (err)
		return err;
	r->note[0] = 0;
	err = ksml_live_lock(600, r->note, sizeof(r->note));
	if (err)
		return err;
	err = ksml_live_save(&saved, r->note, sizeof(r->note));
	if (err)
		goto unlock;
	others_ksm = knob_read("pages_shared") + knob_read("pages_sharing");
	r->others_rmap = ksml_live_others_pages();
	if (r->others_rmap)
		snprintf(r->note, sizeof(r->note),
			 "%lu pages of other processes are mergeable: ksmd scanned them too",
			 r->others_rmap);
	else if (knob_read("run") == 1)
		snprintf(r->note, sizeof(r->note), "ksmd was running (run=1) when found");

	/* a sparse mapping may be larger than the machine: no reservation */
	area = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS |
			    (p->vma_pages > p->pages ? MAP_NORESERVE : 0),
		    -1, 0);
	if (area == MAP_FAILED) {
		err = -errno;
		snprintf(r->note, sizeof(r->note), "mmap %zu: %s", len, strerror(errno));
		goto restore;
	}
	/* no THP: KSM would have to split huge pages first */
	madvise(area, len, MADV_NOHUGEPAGE);
	if (p->mem_node >= 0) {
		unsigned long mask = 1ul << p->mem_node;

		if (mbind(area, len, MPOL_BIND, &mask, sizeof(mask) * 8, 0)) {
			err = -errno;
			snprintf(r->note, sizeof(r->note), "mbind node %d: %s", p->mem_node,
				 strerror(errno));
			goto unmap;
		}
	}
	for (i = 0; i < p->pages; i++)
		ksml_bench_fill_page(
			area + ksml_bench_page_slot(i, p->pages, p->vma_pages) *
					4096,
			p->pat, i);

	err = set_knobs(p, r);
	if (!err && !p->pages_to_scan) {
		/* lock-stepped: one batch per pass, ksmd asleep between */
		unsigned long pts = 2 * (p->pages + r->others_rmap) + 65536;

		err = knob_write("pages_to_scan", "%lu",
				 pts > 0xffffffffUL ? 0xffffffffUL : pts);
		if (!err)
			err = ksml_live_write("sleep_millisecs", STEP_SLEEP_A);
		if (err)
			snprintf(r->note, sizeof(r->note),
				 "setting lock-step knobs: %s", strerror(-err));
	}
	if (err)
		goto unmap;
	base_shared = knob_read("pages_shared");
	base_sharing = knob_read("pages_sharing");
	base_unshared = knob_read("pages_unshared");
	base_scans = (unsigned long)knob_read("full_scans");
	base_scanned = (unsigned long)knob_read("pages_scanned");
	if (madvise(area, len, MADV_MERGEABLE)) {
		err = -errno;
		snprintf(r->note, sizeof(r->note), "madvise(MERGEABLE): %s", strerror(errno));
		goto unmap;
	}
	if (p->pages_to_scan)
		err = run_workload(p, r, base_sharing, base_scans,
				   base_scanned);
	else
		err = run_lockstep(p, r, area, base_shared, base_sharing,
				   base_unshared, base_scans, base_scanned);
	r->own_rmap_items = ksm_stat_field(0, "ksm_rmap_items ");
	r->pages_shared = (unsigned long)(knob_read("pages_shared") - base_shared);
	r->pages_sharing = (unsigned long)(knob_read("pages_sharing") - base_sharing);
	r->pages_unshared = (unsigned long)(knob_read("pages_unshared") - base_unshared);
	r->own_merging = ksm_stat_field(0, "ksm_merging_pages ");
unmap:
	munmap(area, len);
	/*
	 * Drop our rmap items and stable nodes (run=2 unmerges synchronously
	 * in this write), unless other processes' pages were merged: those
	 * are left alone and the note says the next figures include them.
	 */
	if (!others_ksm)
		knob_write("run", "2");
	else
		snprintf(r->note, sizeof(r->note),
			 "other processes had KSM pages: no run=2 cleanup");
restore:
	if (ksml_live_restore(&saved, err_msg, sizeof(err_msg)))
		fprintf(stderr, "bench_live: warning: %s\n", err_msg);
unlock:
	ksml_live_unlock();
	sig = (int)ksml_live_interrupted;
	if (sig) {
		/* knobs are back: now die of the signal as we would have */
		fprintf(stderr, "bench_live: interrupted by signal %d, knobs restored\n", sig);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return err;
}

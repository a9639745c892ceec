// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * bench_live.c - a self-contained measurer of the live kernel KSM.
 *
 * One measurement: take the lock, save every writable knob, map and fill
 * the pattern, madvise(MADV_MERGEABLE), set sleep_millisecs=0 and the
 * requested knobs, start ksmd (run=1) and poll the counters until
 * full_scans advanced by the requested number, stop ksmd (run=0), read
 * ksmd's CPU time from /proc/<ksmd>/stat, unmap, unmerge what is left
 * (run=2, only if nobody else had KSM pages), restore every knob (run
 * last, as found) and drop the lock.  A signal during the measurement
 * restores the knobs before the process dies.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "bench_live.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KSM_DIR "/sys/kernel/mm/ksm/"
#define LIVE_LOCK "/run/lock/ksmlab-live-ksm.lock"
#define MAX_KNOBS 32

/* saved knobs: written back by restore_knobs(), also from a signal handler */
static struct saved_knob {
	char path[96];
	char val[64];
	size_t len;
} saved[MAX_KNOBS];
static int nr_saved;
static int run_idx = -1;
static volatile sig_atomic_t armed;
static struct sigaction old_sa[3];
static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static int write_str(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

static int knob_write(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int knob_write(const char *name, const char *fmt, ...)
{
	char path[96], buf[64];
	va_list ap;
	int n;

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return write_str(path, buf, (size_t)n);
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
	char path[96], buf[64];

	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	if (read_str(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* only async-signal-safe calls: run by the signal handler too */
static void restore_knobs(void)
{
	int i;

	for (i = 0; i < nr_saved; i++)
		if (i != run_idx)
			write_str(saved[i].path, saved[i].val, saved[i].len);
	if (run_idx >= 0)
		write_str(saved[run_idx].path, saved[run_idx].val, saved[run_idx].len);
}

static void on_signal(int sig)
{
	if (armed)
		restore_knobs();
	armed = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static int save_knobs(void)
{
	DIR *d = opendir(KSM_DIR);
	struct dirent *e;

	if (!d)
		return -errno;
	nr_saved = 0;
	run_idx = -1;
	while ((e = readdir(d)) && nr_saved < MAX_KNOBS) {
		struct saved_knob *k = &saved[nr_saved];
		struct stat sb;
		char *v, *b;
		int n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(k->path, sizeof(k->path), KSM_DIR "%.64s", e->d_name);
		if (stat(k->path, &sb) || !(sb.st_mode & S_IWUSR))
			continue;
		n = read_str(k->path, k->val, sizeof(k->val));
		if (n <= 0)
			continue;
		/* "[none] scan-time": the selected word is in brackets */
		v = k->val;
		b = strchr(v, '[');
		if (b) {
			char *end = strchr(b, ']');

			if (!end)
				continue;
			*end = 0;
			memmove(v, b + 1, strlen(b + 1) + 1);
		}
		v[strcspn(v, "\n")] = 0;
		k->len = strlen(v);
		if (!strcmp(e->d_name, "run"))
			run_idx = nr_saved;
		nr_saved++;
	}
	closedir(d);
	return run_idx >= 0 ? 0 : -ENOENT;
}

static void arm_restore(void)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	armed = 1;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old_sa[i]);
}

static void disarm_restore(void)
{
	int i;

	restore_knobs();
	armed = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
}

static int find_ksmd(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pid = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[64], comm[32];

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", e->d_name);
		if (read_str(path, comm, sizeof(comm)) > 0 && !strcmp(comm, "ksmd\n")) {
			pid = atoi(e->d_name);
			break;
		}
	}
	closedir(d);
	return pid;
}

/*
 * CPU time of pid in seconds: /proc/PID/schedstat's run time (ns) when the
 * kernel has it, else utime + stime of /proc/PID/stat (clock ticks).
 */
static double proc_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long run_ns;
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if (read_str(path, buf, sizeof(buf)) > 0 && sscanf(buf, "%llu", &run_ns) == 1 &&
	    run_ns)
		return (double)run_ns * 1e-9;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_str(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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
static unsigned long others_rmap_items(void)
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
	if (access(KSM_DIR "run", F_OK)) {
		snprintf(why, size, "no live KSM (%srun missing: kernel without CONFIG_KSM)",
			 KSM_DIR);
		return -ENOENT;
	}
	if (geteuid() != 0 || access(KSM_DIR "run", W_OK)) {
		snprintf(why, size, "live KSM needs root (cannot write %srun)", KSM_DIR);
		return -EPERM;
	}
	if (find_ksmd() < 0) {
		snprintf(why, size, "no ksmd thread found in /proc");
		return -ESRCH;
	}
	snprintf(why, size, "ok");
	return 0;
}

static int take_lock(void)
{
	int fd = open(LIVE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644), waited = 0;

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			close(fd);
			return -errno;
		}
		if (waited++ % 100 == 0)
			fprintf(stderr, "bench_live: waiting for %s (another live-KSM user)\n",
				LIVE_LOCK);
		if (waited > 6000) { /* 10 minutes */
			close(fd);
			return -ETIMEDOUT;
		}
		usleep(100000);
	}
	return fd;
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
			int ksmd, long base_sharing, unsigned long base_scans,
			unsigned long base_scanned)
{
	double cpu0, t0, deadline;
	unsigned long fs = 0;
	long last_sharing = base_sharing;

	cpu0 = proc_cpu_s(ksmd);
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
			r->converge_cpu_s = proc_cpu_s(ksmd) - cpu0;
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
	r->cpu_s = proc_cpu_s(ksmd) - cpu0;
	r->full_scans = (unsigned long)knob_read("full_scans") - base_scans;
	r->pages_scanned = (unsigned long)knob_read("pages_scanned") - base_scanned;
	return 0;
}

int ksml_live_measure(const struct ksml_live_params *p, struct ksml_live_result *r)
{
	size_t len = p->pages * 4096ul;
	long base_shared, base_sharing, base_unshared;
	unsigned long base_scans, base_scanned, i;
	int lockfd, ksmd, err;
	long others_ksm;
	uint8_t *area;

	memset(r, 0, sizeof(*r));
	err = ksml_live_available(r->note, sizeof(r->note));
	if (err)
		return err;
	r->note[0] = 0;
	ksmd = find_ksmd();
	lockfd = take_lock();
	if (lockfd < 0) {
		snprintf(r->note, sizeof(r->note), "lock %s: %s", LIVE_LOCK,
			 strerror(-lockfd));
		return lockfd;
	}
	err = save_knobs();
	if (err) {
		snprintf(r->note, sizeof(r->note), "saving knobs: %s", strerror(-err));
		goto unlock;
	}
	arm_restore();
	others_ksm = knob_read("pages_shared") + knob_read("pages_sharing");
	r->others_rmap = others_rmap_items();
	if (r->others_rmap)
		snprintf(r->note, sizeof(r->note),
			 "%lu pages of other processes are mergeable: ksmd scanned them too",
			 r->others_rmap);
	else if (saved[run_idx].val[0] == '1')
		snprintf(r->note, sizeof(r->note), "ksmd was running (run=1) when found");

	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
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
		ksml_bench_fill_page(area + i * 4096, p->pat, i);

	err = set_knobs(p, r);
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
	err = run_workload(p, r, ksmd, base_sharing, base_scans, base_scanned);
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
	disarm_restore();
unlock:
	close(lockfd);
	return err;
}

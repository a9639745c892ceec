/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * live.c - lock, save and restore of the host's KSM knobs (see live.h).
 */
#include "live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t ksml_live_interrupted;
static int lock_fd = -1;
static pid_t guard_pid;

/*
 * Restore order: the two knobs that need no KSM pages first (after run=2),
 * advisor parameters before advisor_mode (a mode switch resets
 * pages_to_scan), pages_to_scan after the mode, run last.
 */
static const char *const knobs[KSML_LIVE_NR_KNOBS] = {
	"max_page_sharing",
	"merge_across_nodes",
	"advisor_max_cpu",
	"advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan",
	"advisor_target_scan_time",
	"advisor_mode",
	"pages_to_scan",
	"sleep_millisecs",
	"stable_node_chains_prune_millisecs",
	"use_zero_pages",
	"smart_scan",
	/*
	 * THP workloads (harness/THP.md): khugepaged parked first (no
	 * collapse of a split range while the run lasts), then the mode.
	 * Not max_ptes_none: below 511 it also arms the shrinker that
	 * splits "underused" THPs (thp_underused) under memory pressure.
	 */
	KSML_LIVE_THP "khugepaged/scan_sleep_millisecs",
	KSML_LIVE_THP "khugepaged/alloc_sleep_millisecs",
	KSML_LIVE_THP "khugepaged/pages_to_scan",
	KSML_LIVE_THP "defrag",
	KSML_LIVE_THP "enabled",
	"run",
};

int ksml_live_knob_count(void)
{
	return KSML_LIVE_NR_KNOBS;
}

const char *ksml_live_knob_name(int i)
{
	return i >= 0 && i < KSML_LIVE_NR_KNOBS ? knobs[i] : NULL;
}

const char *ksml_live_dir(void)
{
	const char *d = getenv("KSMLAB_KSM_SYSFS");

	return d && *d ? d : "/sys/kernel/mm/ksm";
}

const char *ksml_live_thp_dir(void)
{
	static char buf[512];
	const char *d = getenv("KSMLAB_THP_SYSFS");

	if (d && *d)
		return d;
	d = getenv("KSMLAB_KSM_SYSFS");
	if (d && *d) {
		snprintf(buf, sizeof(buf), "%s/../transparent_hugepage", d);
		return buf;
	}
	return "/sys/kernel/mm/transparent_hugepage";
}

/* the sysfs file of a knob name (KSM's, or KSML_LIVE_THP "...") */
static void knob_path(const char *name, char *path, size_t size)
{
	size_t n = strlen(KSML_LIVE_THP);

	if (!strncmp(name, KSML_LIVE_THP, n))
		snprintf(path, size, "%s/%s", ksml_live_thp_dir(), name + n);
	else
		snprintf(path, size, "%s/%s", ksml_live_dir(), name);
}

int ksml_live_check(char *err, size_t errsz)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/run", ksml_live_dir());
	if (access(path, F_OK)) {
		snprintf(err, errsz,
			 "this kernel has no KSM: %s does not exist (CONFIG_KSM not set?)",
			 path);
		return -ENODEV;
	}
	if (geteuid() != 0 || access(path, W_OK)) {
		snprintf(err, errsz,
			 "the linux backend changes %s/* and needs root (uid %u cannot write %s)",
			 ksml_live_dir(), (unsigned)geteuid(), path);
		return -EPERM;
	}
	return 0;
}

int ksml_live_read(const char *name, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	knob_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = 0;
	ksml_sysfs_value(buf);
	return (int)strlen(buf);
}

void ksml_sysfs_value(char *buf)
{
	size_t n = strlen(buf);

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	if (strchr(buf, '[')) {
		char *a = strchr(buf, '['), *b = strchr(buf, ']');

		if (b && b > a) {
			memmove(buf, a + 1, (size_t)(b - a - 1));
			buf[b - a - 1] = 0;
		}
	}
}

unsigned long ksml_live_read_ul(const char *name)
{
	char buf[64];

	if (ksml_live_read(name, buf, sizeof(buf)) < 0)
		return 0;
	return strtoul(buf, NULL, 10);
}

int ksml_live_write(const char *name, const char *val)
{
	char path[512];
	ssize_t n;
	int fd, ret = 0;

	knob_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = write(fd, val, strlen(val));
	} while (n < 0 && errno == EINTR && !ksml_live_interrupted);
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void on_signal(int sig)
{
	ksml_live_interrupted = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: blocking calls return EINTR and the caller unwinds */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int read_state(struct ksml_live_saved *s)
{
	FILE *f = fopen(KSML_LIVE_STATE, "r");
	char n[64], v[64];

	if (!f)
		return -errno;
	memset(s, 0, sizeof(*s));
	while (s->nr < KSML_LIVE_NR_KNOBS && fscanf(f, "%47s %47s", n, v) == 2) {
		snprintf(s->name[s->nr], sizeof(s->name[0]), "%s", n);
		snprintf(s->value[s->nr], sizeof(s->value[0]), "%s", v);
		s->nr++;
	}
	fclose(f);
	return s->nr ? 0 : -EINVAL;
}

int ksml_live_lock(int timeout_s, char *err, size_t errsz)
{
	struct ksml_live_saved stale;
	time_t t0 = time(NULL);
	bool told = false;

	if (lock_fd >= 0)
		return 0;
	if (getenv("KSMLAB_LOCK_TIMEOUT"))
		timeout_s = atoi(getenv("KSMLAB_LOCK_TIMEOUT"));
	lock_fd = open(KSML_LIVE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (lock_fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", KSML_LIVE_LOCK,
			 strerror(errno));
		return -errno;
	}
	while (flock(lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errsz, "flock %s: %s", KSML_LIVE_LOCK,
				 strerror(errno));
			goto fail;
		}
		if (ksml_live_interrupted) {
			snprintf(err, errsz, "interrupted while waiting for %s",
				 KSML_LIVE_LOCK);
			goto fail;
		}
		if (time(NULL) - t0 >= timeout_s) {
			snprintf(err, errsz,
				 "another user holds the live-KSM lock %s (waited %d s)",
				 KSML_LIVE_LOCK, timeout_s);
			close(lock_fd);
			lock_fd = -1;
			return -EBUSY;
		}
		if (!told) {
			fprintf(stderr,
				"ksmlab: waiting for the live-KSM lock %s (held by another user)...\n",
				KSML_LIVE_LOCK);
			told = true;
		}
		/*
		 * Poll often: the lock is free only between two holders, and
		 * a campaign that starts its next holder within a few ms
		 * (conformance.sh runs one ksmlab diff after another) wins
		 * every race against a waiter that looks every 100 ms.
		 */
		usleep(1000);
	}
	/* a run killed with SIGKILL left its saved knobs: put them back */
	if (!read_state(&stale)) {
		char e[256];

		fprintf(stderr,
			"ksmlab: restoring KSM knobs saved by an interrupted run (%s)\n",
			KSML_LIVE_STATE);
		if (ksml_live_restore(&stale, e, sizeof(e)))
			fprintf(stderr, "ksmlab: warning: %s\n", e);
	}
	return 0;
fail:
	close(lock_fd);
	lock_fd = -1;
	return -EIO;
}

void ksml_live_unlock(void)
{
	if (lock_fd >= 0) {
		flock(lock_fd, LOCK_UN);
		close(lock_fd);
		lock_fd = -1;
	}
}

/*
 * The guard: a process that outlives a ksmlab killed with SIGKILL, so the
 * host's knobs are put back at once, not when the next ksmlab takes the
 * lock.  It is a shell exec'd in a child: a fork alone would keep a copy
 * of our memory, mergeable VMAs and merge-any included, and the host's
 * ksmd would merge the copy's pages beside ours (suite 50 saw its chains).
 * It leaves our session (a ^C or a kill of our process group spares it),
 * holds none of our caller's pipes, waits for us to be gone (exited, a
 * zombie included), and then, under the lock, restores the state
 * file if the file is still ours (its owner line): a run that ended well
 * removed it, and a newer run's file names another owner.  Knobs go back
 * in the file's order (the restore order, run last); max_page_sharing and
 * merge_across_nodes are retried after run=2 if KSM pages keep them busy.
 * KSMLAB_NO_GUARD=1 leaves the repair to the next user of the lock (the
 * fallback, tested by suite 43).
 */
static const char guard_script[] =
	"p=$1 st=" KSML_LIVE_STATE " d=/sys/kernel/mm/ksm\n"
	"t=/sys/kernel/mm/transparent_hugepage\n"
	"alive() { s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -c1)\n"
	"  [ -n \"$s\" ] && [ \"$s\" != Z ]; }\n"
	"while alive; do sleep 0.2; done\n"
	"exec 9<>" KSML_LIVE_LOCK " && flock 9 || exit 1\n"
	"grep -qx \"owner $p\" \"$st\" 2>/dev/null || exit 0\n"
	"echo \"ksmlab: guard of pid $p: restoring the KSM knobs it left "
	"($st)\" >&2\n"
	"mode=$(awk '$1 == \"advisor_mode\" { print $2 }' \"$st\")\n"
	"ok=1\n"
	"while read -r n v; do\n"
	"  case $n in owner) continue ;;\n"
	"  pages_to_scan) [ -n \"$mode\" ] && [ \"$mode\" != none ] && "
	"continue ;; esac\n"
	"  case $n in thp/*) f=$t/${n#thp/} ;; *) f=$d/$n ;; esac\n"
	"  c=$(cat \"$f\" 2>/dev/null)\n"
	"  case $c in *\\[*) c=${c#*[}; c=${c%%]*} ;; esac\n"
	"  [ \"$c\" = \"$v\" ] && continue\n"
	"  echo \"$v\" 2>/dev/null >\"$f\" && continue\n"
	"  case $n in max_page_sharing | merge_across_nodes)\n"
	"    echo 2 2>/dev/null >\"$d/run\"; echo \"$v\" 2>/dev/null "
	">\"$d/$n\" && continue ;; esac\n"
	"  ok=0; echo \"ksmlab: guard: cannot restore $n=$v\" >&2\n"
	"done <\"$st\"\n"
	"[ $ok = 1 ] && rm -f \"$st\"\n";

static void start_guard(void)
{
	char pid[24];
	pid_t child;

	if (guard_pid || getenv("KSMLAB_NO_GUARD"))
		return;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	child = fork();
	if (child == 0) {
		int null = open("/dev/null", O_RDWR);

		if (lock_fd >= 0)
			close(lock_fd);
		/*
		 * Not our caller's pipes: a caller reading our output until
		 * EOF before it reaps us would wait for the guard, and the
		 * guard for us to be reaped (a zombie counts as gone too).
		 */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			if (!isatty(2))
				dup2(null, 2);
			if (null > 2)
				close(null);
		}
		setsid();
		execl("/bin/sh", "sh", "-c", guard_script, "ksmlab-guard", pid,
		      (char *)NULL);
		_exit(127);
	}
	/* without a guard (fork failed) the next user of the lock repairs */
	if (child > 0)
		guard_pid = child;
}

int ksml_live_save(struct ksml_live_saved *s, char *err, size_t errsz)
{
	char tmp[] = KSML_LIVE_STATE ".XXXXXX";
	FILE *f;
	int i, fd;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < KSML_LIVE_NR_KNOBS; i++) {
		char v[48];

		if (ksml_live_read(knobs[i], v, sizeof(v)) < 0)
			continue; /* older kernel without this knob */
		snprintf(s->name[s->nr], sizeof(s->name[0]), "%s", knobs[i]);
		snprintf(s->value[s->nr], sizeof(s->value[0]), "%s", v);
		s->nr++;
	}
	if (!s->nr) {
		snprintf(err, errsz, "cannot read any knob in %s", ksml_live_dir());
		return -EIO;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errsz, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	for (i = 0; i < s->nr; i++)
		fprintf(f, "%s %s\n", s->name[i], s->value[i]);
	/* last: a reader that stops at the knobs never sees it */
	fprintf(f, "owner %ld\n", (long)getpid());
	if (fclose(f) || rename(tmp, KSML_LIVE_STATE)) {
		snprintf(err, errsz, "cannot write %s: %s", KSML_LIVE_STATE,
			 strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	install_signals();
	start_guard();
	return 0;
}

static const char *saved_value(const struct ksml_live_saved *s,
			       const char *name)
{
	int i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return s->value[i];
	return NULL;
}

int ksml_live_restore(const struct ksml_live_saved *s, char *err, size_t errsz)
{
	const char *want_run = saved_value(s, "run");
	const char *mode = saved_value(s, "advisor_mode");
	char cur[64];
	int i, ret, first = 0;

	if (errsz)
		err[0] = 0;
	/* max_page_sharing and merge_across_nodes need no KSM pages */
	for (i = 0; i < 2; i++) {
		const char *v = saved_value(s, knobs[i]);

		if (!v || ksml_live_read(knobs[i], cur, sizeof(cur)) < 0 ||
		    !strcmp(cur, v))
			continue;
		if (ksml_live_read_ul("pages_shared") ||
		    ksml_live_read_ul("stable_node_chains")) {
			ret = ksml_live_write("run", "2");
			if (ret && !first) {
				first = ret;
				snprintf(err, errsz, "restore: run=2: %s",
					 strerror(-ret));
			}
		}
		break;
	}
	for (i = 0; i < KSML_LIVE_NR_KNOBS - 1; i++) {
		const char *v = saved_value(s, knobs[i]);

		if (!v || ksml_live_read(knobs[i], cur, sizeof(cur)) < 0 ||
		    !strcmp(cur, v))
			continue;
		/* under scan-time the advisor owns pages_to_scan */
		if (!strcmp(knobs[i], "pages_to_scan") && mode &&
		    strcmp(mode, "none"))
			continue;
		ret = ksml_live_write(knobs[i], v);
		/*
		 * KSM pages with no stable node (an exited process's, a failed
		 * two-page merge's) keep these two EBUSY with pages_shared 0:
		 * run=2 unmerges them too
		 */
		if (ret == -EBUSY && i < 2 && !ksml_live_write("run", "2"))
			ret = ksml_live_write(knobs[i], v);
		if (ret && !first) {
			first = ret;
			snprintf(err, errsz, "restore: %s=%s: %s", knobs[i], v,
				 strerror(-ret));
		}
	}
	if (want_run && ksml_live_read("run", cur, sizeof(cur)) >= 0 &&
	    strcmp(cur, want_run)) {
		ret = ksml_live_write("run", want_run);
		if (ret && !first) {
			first = ret;
			snprintf(err, errsz, "restore: run=%s: %s", want_run,
				 strerror(-ret));
		}
	}
	if (!first)
		unlink(KSML_LIVE_STATE);
	return first;
}

int ksml_live_ksmd_pid(void)
{
	static int cached;
	DIR *dir;
	struct dirent *e;

	if (cached)
		return cached;
	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		char path[300], comm[64];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "ksmd\n"))
			cached = atoi(e->d_name);
		fclose(f);
		if (cached)
			break;
	}
	closedir(dir);
	return cached ? cached : -1;
}

unsigned long long ksml_live_ksmd_cpu_ns(void)
{
	unsigned long long ns = 0;
	char path[64];
	int pid = ksml_live_ksmd_pid();
	FILE *f;

	if (pid < 0)
		return 0;
	/* schedstat: time on CPU in ns (finer than stat's clock ticks) */
	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
		if (ns)
			return ns;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f) {
		char buf[1024], *p;
		unsigned long long ut = 0, st = 0;

		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) == 2)
			ns = (ut + st) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
		fclose(f);
	}
	return ns;
}

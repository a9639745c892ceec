/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * st_backends.c - ref, linux and kmod implementations of st_backend.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "st_backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "platform/kernel/ksm_ref_client.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *page_buf(void)
{
	static unsigned char pg[ST_PAGE];

	return pg;
}

/* ================================================================== ref */

#define REF_MAX_MMS 64

struct ref_priv {
	struct ksml *ksm;
	struct ksml_mm *mm[REF_MAX_MMS];
};

static struct ref_priv *RP(struct st_be *b)
{
	return b->priv;
}

static void ref_track(struct st_be *b, struct ksml_mm *mm, bool add)
{
	int i;

	for (i = 0; i < REF_MAX_MMS; i++) {
		if (add && !RP(b)->mm[i]) {
			RP(b)->mm[i] = mm;
			return;
		}
		if (!add && RP(b)->mm[i] == mm) {
			RP(b)->mm[i] = NULL;
			return;
		}
	}
}

static void ref_teardown(struct st_be *b)
{
	int i;

	if (!RP(b)->ksm)
		return;
	for (i = 0; i < REF_MAX_MMS; i++) {
		if (RP(b)->mm[i])
			ksml_mm_exit(RP(b)->mm[i]);
		RP(b)->mm[i] = NULL;
	}
	ksml_destroy(RP(b)->ksm);
	RP(b)->ksm = NULL;
}

static int ref_open(struct st_be *b, char *why, size_t wsz)
{
	b->priv = calloc(1, sizeof(struct ref_priv));
	if (!b->priv) {
		snprintf(why, wsz, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void ref_close(struct st_be *b)
{
	if (!b->priv)
		return;
	ref_teardown(b);
	free(b->priv);
	b->priv = NULL;
}

/* a new instance per case: default knobs, run=0, as after boot */
static int ref_reset(struct st_be *b, int nodes, char *why, size_t wsz)
{
	struct ksml_config cfg;
	int ret;

	ref_teardown(b);
	memset(&cfg, 0, sizeof(cfg));
	if (nodes > 1)
		cfg.ops = ksml_user_ops_fake_numa(nodes);
	ret = ksml_init(&RP(b)->ksm, &cfg);
	if (ret)
		snprintf(why, wsz, "ksml_init: %s", strerror(-ret));
	return ret;
}

static int ref_knob_write(struct st_be *b, const char *k, const char *v)
{
	return ksml_knob_write(RP(b)->ksm, k, v, strlen(v));
}

static int ref_knob_read(struct st_be *b, const char *k, char *buf, size_t sz)
{
	return ksml_knob_read(RP(b)->ksm, k, buf, sz);
}

static int ref_mm_new(struct st_be *b, void **mm)
{
	struct ksml_mm *m;
	int ret = ksml_mm_create(RP(b)->ksm, &m);

	if (ret)
		return ret;
	ref_track(b, m, true);
	*mm = m;
	return 0;
}

static void ref_mm_put(struct st_be *b, void *mm)
{
	ref_track(b, mm, false);
	ksml_mm_exit(mm);
}

static int ref_map_fill(struct st_be *b, void *mm, unsigned long npages, int node,
			bool prot_none, st_gen_fn gen, const void *arg,
			unsigned long *addr)
{
	unsigned int flags = KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS;
	unsigned char *pg = page_buf();
	unsigned long i;
	int ret;

	if (prot_none)
		flags |= KSML_MAP_RDONLY;
	if (node >= 0)
		flags |= KSML_MAP_NODE(node);
	ret = ksml_vm_mmap(mm, 0, npages * ST_PAGE, flags, addr);
	for (i = 0; !ret && i < npages; i++) {
		gen(i, pg, arg);
		if (prot_none)
			ret = ksml_vm_write_force(mm, *addr + i * ST_PAGE, pg, ST_PAGE);
		else
			ret = ksml_vm_write(mm, *addr + i * ST_PAGE, pg, ST_PAGE);
	}
	return ret;
}

static int ref_unmap(struct st_be *b, void *mm, unsigned long addr,
		     unsigned long len)
{
	return ksml_vm_munmap(mm, addr, len);
}

static int ref_write(struct st_be *b, void *mm, unsigned long addr,
		     const void *buf, size_t len, bool force)
{
	return force ? ksml_vm_write_force(mm, addr, buf, len) :
		       ksml_vm_write(mm, addr, buf, len);
}

static int ref_madvise(struct st_be *b, void *mm, unsigned long addr,
		       unsigned long len, int advice)
{
	return ksml_vm_madvise(mm, addr, len, advice);
}

static int ref_prctl_set(struct st_be *b, void *mm, unsigned long v)
{
	return ksml_vm_prctl_set_memory_merge(mm, v);
}

static int ref_prctl_get(struct st_be *b, void *mm)
{
	return ksml_vm_prctl_get_memory_merge(mm);
}

static int ref_page(struct st_be *b, void *mm, unsigned long addr,
		    bool *present, unsigned long *pfn)
{
	struct ksml_page_info pi;
	int ret = ksml_vm_page_info(mm, addr, &pi);

	if (ret)
		return ret;
	*present = pi.present;
	*pfn = pi.pfn;
	return 0;
}

static int ref_mm_stat(struct st_be *b, void *mm, struct ksml_mm_stat *st)
{
	return ksml_mm_get_stat(mm, st);
}

#define ST_HPAGE (512 * ST_PAGE)

/* the instance's THP mode is vmem's default, madvise */
static int ref_map_thp(struct st_be *b, void *mm, unsigned long len,
		       unsigned long *addr)
{
	unsigned long raw, p;
	int ret = ksml_vm_mmap(mm, 0, len + ST_HPAGE,
			       KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS, &raw);

	if (ret)
		return ret;
	p = (raw + ST_HPAGE - 1) & ~(ST_HPAGE - 1);
	if (p > raw)
		ret = ksml_vm_munmap(mm, raw, p - raw);
	if (!ret && raw + ST_HPAGE > p)
		ret = ksml_vm_munmap(mm, p + len, raw + ST_HPAGE - p);
	if (!ret)
		ret = ksml_vm_madvise(mm, p, len, KSML_MADV_HUGEPAGE);
	*addr = p;
	return ret;
}

static int ref_huge_kb(struct st_be *b, void *mm, unsigned long addr,
		       unsigned long len, unsigned long *kb)
{
	struct ksml_page_info pi;
	unsigned long a;
	int ret;

	*kb = 0;
	for (a = addr; a < addr + len; a += ST_PAGE) {
		ret = ksml_vm_page_info(mm, a, &pi);
		if (ret)
			return ret;
		*kb += pi.pmd_mapped ? ST_PAGE / 1024 : 0;
	}
	return 0;
}

static int ref_scan_until(struct st_be *b, unsigned long target, double timeout_s)
{
	struct ksml_counters c;
	int ret;

	for (;;) {
		ksml_get_counters(RP(b)->ksm, &c);
		if (c.full_scans >= target)
			return 0;
		ret = ksml_scan_full(RP(b)->ksm, target - c.full_scans, 1ul << 22);
		if (ret)
			return ret;
	}
}

/*
 * fork: ksml_mm_fork.  exec: the kernel's exec builds a new mm whose
 * flags keep MMF_VM_MERGE_ANY (MMF_INIT_MASK) and registers it with KSM
 * (ksm_execve); modelled as a fresh mm with PR_SET_MEMORY_MERGE(1) when
 * the parent had it.
 */
static int ref_child(struct st_be *b, void *mm, st_child_fn fn, bool exec,
		     char *msg, size_t msz)
{
	struct ksml_mm *c;
	int ret;

	if (exec) {
		ret = ksml_mm_create(RP(b)->ksm, &c);
		if (!ret && ksml_vm_prctl_get_memory_merge(mm) == 1)
			ret = ksml_vm_prctl_set_memory_merge(c, 1);
	} else {
		ret = ksml_mm_fork(mm, &c);
	}
	if (ret) {
		snprintf(msg, msz, "%s: %s", exec ? "exec model" : "ksml_mm_fork",
			 strerror(-ret));
		return ST_FAIL;
	}
	ref_track(b, c, true);
	ret = fn(b, c, msg, msz);
	ref_mm_put(b, c);
	return ret;
}

static int ref_foreign(struct st_be *b, char *buf, size_t sz)
{
	if (sz)
		buf[0] = 0;
	return 0;
}

const struct st_be_ops ksml_st_ref_ops = {
	.name = "ref",
	.open = ref_open,
	.close = ref_close,
	.reset = ref_reset,
	.knob_write = ref_knob_write,
	.knob_read = ref_knob_read,
	.mm_new = ref_mm_new,
	.mm_put = ref_mm_put,
	.map_fill = ref_map_fill,
	.unmap = ref_unmap,
	.write = ref_write,
	.madvise = ref_madvise,
	.prctl_set = ref_prctl_set,
	.prctl_get = ref_prctl_get,
	.page = ref_page,
	.mm_stat = ref_mm_stat,
	.map_thp = ref_map_thp,
	.huge_kb = ref_huge_kb,
	.scan_until = ref_scan_until,
	.child = ref_child,
	.foreign = ref_foreign,
};

/* ================================================================ linux */

/* seconds to wait for the live-KSM lock: KSMLAB_LOCK_TIMEOUT, default 120 */
static int lock_timeout(void)
{
	const char *e = getenv("KSMLAB_LOCK_TIMEOUT");

	return e && atoi(e) > 0 ? atoi(e) : 120;
}

struct linux_priv {
	bool locked, saved_ok, child_mode;
	struct ksml_live_saved saved;
	int mem_fd, pagemap_fd;
};

static struct linux_priv *LP(struct st_be *b)
{
	return b->priv;
}

static int host_nodes(void)
{
	char path[64];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n ? n : 1;
}

static int linux_files(struct st_be *b, char *why, size_t wsz)
{
	LP(b)->mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	LP(b)->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (LP(b)->mem_fd < 0 || LP(b)->pagemap_fd < 0) {
		snprintf(why, wsz, "cannot open /proc/self/mem or pagemap: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void linux_close(struct st_be *b)
{
	char err[256];

	if (!LP(b))
		return;
	if (LP(b)->saved_ok && !LP(b)->child_mode &&
	    ksml_live_restore(&LP(b)->saved, err, sizeof(err)))
		fprintf(stderr, "ksm_selftests: warning: %s\n", err);
	if (LP(b)->locked)
		ksml_live_unlock();
	if (LP(b)->mem_fd >= 0)
		close(LP(b)->mem_fd);
	if (LP(b)->pagemap_fd >= 0)
		close(LP(b)->pagemap_fd);
	free(b->priv);
	b->priv = NULL;
}

static int linux_foreign(struct st_be *b, char *buf, size_t sz);

/*
 * Other processes registered with KSM count in the global counters: wait
 * a little for them to go (KSMLAB_WAIT_QUIET seconds, default 20); the
 * cases then report what they still see.
 */
static void wait_quiet(struct st_be *b)
{
	const char *e = getenv("KSMLAB_WAIT_QUIET");
	int limit = e ? atoi(e) : 20, waited = 0;
	char list[256];

	while (waited < limit && !ksml_live_interrupted &&
	       linux_foreign(b, list, sizeof(list))) {
		if (!waited)
			fprintf(stderr,
				"ksm_selftests: waiting up to %d s for other KSM users to finish (%s)\n",
				limit, list);
		sleep(1);
		waited++;
	}
}

static int linux_open(struct st_be *b, char *why, size_t wsz)
{
	int ret;

	b->is_linux = true;
	ret = ksml_live_check(why, wsz);
	if (ret)
		return ret;
	b->priv = calloc(1, sizeof(struct linux_priv));
	if (!b->priv)
		return -ENOMEM;
	LP(b)->mem_fd = LP(b)->pagemap_fd = -1;
	ret = linux_files(b, why, wsz);
	if (!ret)
		ret = ksml_live_lock(lock_timeout(), why, wsz);
	if (ret)
		goto fail;
	LP(b)->locked = true;
	ret = ksml_live_save(&LP(b)->saved, why, wsz);
	if (ret)
		goto fail;
	LP(b)->saved_ok = true;
	wait_quiet(b);
	return 0;
fail:
	linux_close(b);
	return ret ? ret : -EIO;
}

/* the exec'd child: no lock of its own (the parent holds it), no restore */
static int linux_open_child(struct st_be *b)
{
	char why[128];

	b->is_linux = true;
	b->priv = calloc(1, sizeof(struct linux_priv));
	if (!b->priv)
		return -ENOMEM;
	LP(b)->child_mode = true;
	LP(b)->mem_fd = LP(b)->pagemap_fd = -1;
	return linux_files(b, why, sizeof(why));
}

static int linux_reset(struct st_be *b, int nodes, char *why, size_t wsz)
{
	int n = host_nodes();

	if (nodes > n) {
		snprintf(why, wsz, "this host has %d NUMA node%s (the case needs %d)",
			 n, n == 1 ? "" : "s", nodes);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int linux_knob_write(struct st_be *b, const char *k, const char *v)
{
	return ksml_live_write(k, v);
}

/* the raw text, as the core's ksml_knob_read gives it */
static int linux_knob_read(struct st_be *b, const char *k, char *buf, size_t sz)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", ksml_live_dir(), k);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = 0;
	close(fd);
	return (int)n;
}

static int linux_mm_new(struct st_be *b, void **mm)
{
	*mm = b; /* any non-NULL token: this process */
	return 0;
}

static void linux_mm_put(struct st_be *b, void *mm)
{
}

static int linux_map_fill(struct st_be *b, void *mm, unsigned long npages,
			  int node, bool prot_none, st_gen_fn gen,
			  const void *arg, unsigned long *addr)
{
	unsigned long len = npages * ST_PAGE, i;
	unsigned char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* as ksm_functional_tests: no THP in the way (EINVAL tolerated) */
	madvise(p, len, MADV_NOHUGEPAGE);
	if (node >= 0) {
		unsigned long mask = 1ul << node;

		/* MPOL_BIND = 2 */
		if (syscall(SYS_mbind, p, len, 2, &mask, sizeof(mask) * 8 + 1, 0)) {
			int e = errno;

			munmap(p, len);
			return -e;
		}
	}
	for (i = 0; i < npages; i++)
		gen(i, p + i * ST_PAGE, arg);
	if (prot_none && mprotect(p, len, PROT_NONE)) {
		int e = errno;

		munmap(p, len);
		return -e;
	}
	*addr = (unsigned long)p;
	return 0;
}

static int linux_unmap(struct st_be *b, void *mm, unsigned long addr,
		       unsigned long len)
{
	return munmap((void *)addr, len) ? -errno : 0;
}

static int linux_write(struct st_be *b, void *mm, unsigned long addr,
		       const void *buf, size_t len, bool force)
{
	if (!force) {
		memcpy((void *)addr, buf, len);
		return 0;
	}
	if (pwrite(LP(b)->mem_fd, buf, len, (off_t)addr) != (ssize_t)len)
		return -errno;
	return 0;
}

static int linux_madvise(struct st_be *b, void *mm, unsigned long addr,
			 unsigned long len, int advice)
{
	return madvise((void *)addr, len, advice) ? -errno : 0;
}

/*
 * THP needs a mode that allows it: a host with never gets madvise for the
 * run (the THP files are saved and restored with the KSM knobs, live.c)
 */
static int linux_map_thp(struct st_be *b, void *mm, unsigned long len,
			 unsigned long *addr)
{
	const unsigned long hp = 512 * ST_PAGE;
	char mode[64];
	unsigned char *raw, *p;
	int ret;

	ret = ksml_live_read(KSML_LIVE_THP "enabled", mode, sizeof(mode));
	if (ret < 0)
		return ret;
	if (!strcmp(mode, "never")) {
		ret = ksml_live_write(KSML_LIVE_THP "enabled", "madvise");
		if (ret)
			return ret;
	}
	raw = mmap(NULL, len + hp, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return -errno;
	p = (unsigned char *)(((uintptr_t)raw + hp - 1) & ~(hp - 1));
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	if (raw + hp > p)
		munmap(p + len, (size_t)(raw + hp - p));
	if (madvise(p, len, MADV_HUGEPAGE)) {
		ret = -errno;
		munmap(p, len);
		return ret;
	}
	*addr = (unsigned long)p;
	return 0;
}

/* AnonHugePages of the VMAs of this process inside [addr, addr + len) */
static int linux_huge_kb(struct st_be *b, void *mm, unsigned long addr,
			 unsigned long len, unsigned long *kb)
{
	unsigned long lo, hi, v;
	char line[256];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -errno;
	*kb = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strncmp(line, "AnonHugePages", 13))
			in = lo >= addr && hi <= addr + len;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &v) == 1)
			*kb += v;
	}
	fclose(f);
	return 0;
}

static int linux_prctl_set(struct st_be *b, void *mm, unsigned long v)
{
	return prctl(PR_SET_MEMORY_MERGE, v, 0, 0, 0) ? -errno : 0;
}

static int linux_prctl_get(struct st_be *b, void *mm)
{
	int r = prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);

	return r < 0 ? -errno : r;
}

static int linux_page(struct st_be *b, void *mm, unsigned long addr,
		      bool *present, unsigned long *pfn)
{
	uint64_t e;

	if (pread(LP(b)->pagemap_fd, &e, sizeof(e),
		  (off_t)(addr / ST_PAGE * sizeof(e))) != sizeof(e))
		return -errno;
	*present = (e >> 63) & 1;
	*pfn = e & ((1ull << 55) - 1);
	if (!*pfn) /* PFN hidden: ignored, as the kernel's test does */
		*present = false;
	return 0;
}

static int linux_mm_stat(struct st_be *b, void *mm, struct ksml_mm_stat *st)
{
	FILE *f = fopen("/proc/self/ksm_stat", "r");
	char name[64], val[64];

	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	/* absent from older kernels' ksm_stat: -1 / ~0 until found */
	st->ksm_zero_pages = -1;
	st->ksm_merging_pages = ~0ul;
	while (fscanf(f, "%63s %63s", name, val) == 2) {
		if (!strcmp(name, "ksm_rmap_items"))
			st->ksm_rmap_items = strtoul(val, NULL, 10);
		else if (!strcmp(name, "ksm_zero_pages"))
			st->ksm_zero_pages = strtol(val, NULL, 10);
		else if (!strcmp(name, "ksm_merging_pages"))
			st->ksm_merging_pages = strtoul(val, NULL, 10);
		else if (!strcmp(name, "ksm_process_profit"))
			st->ksm_process_profit = strtol(val, NULL, 10);
		else if (!strcmp(name, "ksm_merge_any:"))
			st->ksm_merge_any = !strcmp(val, "yes");
		else if (!strcmp(name, "ksm_mergeable:"))
			st->ksm_mergeable = !strcmp(val, "yes");
	}
	fclose(f);
	if (st->ksm_merging_pages == ~0ul) {
		/* 6.1..6.5: its own file */
		f = fopen("/proc/self/ksm_merging_pages", "r");
		if (!f || fscanf(f, "%lu", &st->ksm_merging_pages) != 1)
			st->ksm_merging_pages = 0;
		if (f)
			fclose(f);
	}
	return 0;
}

static int linux_scan_until(struct st_be *b, unsigned long target,
			    double timeout_s)
{
	double t0 = now_s();

	while (ksml_live_read_ul("full_scans") < target) {
		if (ksml_live_interrupted)
			return -EINTR;
		if (now_s() - t0 > timeout_s)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

static int linux_child(struct st_be *b, void *mm, st_child_fn fn, bool exec,
		       char *msg, size_t msz)
{
	int pfd[2], status, ret;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return ST_FAIL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msz, "fork: %s", strerror(errno));
		return ST_FAIL;
	}
	if (!pid) {
		char m[2048] = "", fdarg[16], idarg[16], arg[32];

		close(pfd[0]);
		if (exec) {
			snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
			snprintf(idarg, sizeof(idarg), "%d", ksml_st_exec_fn_id(fn));
			snprintf(arg, sizeof(arg), "%lu", ksml_st_child_arg);
			/* keep the pipe across exec */
			fcntl(pfd[1], F_SETFD, 0);
			execl("/proc/self/exe", "ksm_selftests", ST_EXEC_CHILD_ARG,
			      fdarg, idarg, arg, (char *)NULL);
			snprintf(m, sizeof(m), "execl /proc/self/exe: %s",
				 strerror(errno));
			ret = ST_FAIL;
		} else {
			ret = fn(b, mm, m, sizeof(m));
		}
		if (write(pfd[1], m, strlen(m)) < 0)
			ret = ST_FAIL;
		_exit(ret);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, msz - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		snprintf(msg, msz, "child died (status 0x%x)", status);
		return ST_FAIL;
	}
	return WEXITSTATUS(status) <= ST_SKIP ? WEXITSTATUS(status) : ST_FAIL;
}

/* processes other than ours (and our children) registered with KSM */
static int linux_foreign(struct st_be *b, char *buf, size_t sz)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t len = 0;
	int users = 0;

	if (sz)
		buf[0] = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], line[128], comm[32] = "?";
		bool reg = false;
		int pid = atoi(e->d_name);
		FILE *f;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if ((!strncmp(line, "ksm_rmap_items ", 15) &&
			     strtoul(line + 15, NULL, 10)) ||
			    !strncmp(line, "ksm_mergeable: yes", 18) ||
			    !strncmp(line, "ksm_merge_any: yes", 18))
				reg = true;
		fclose(f);
		if (!reg)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		users++;
		if (len < sz)
			len += (size_t)snprintf(buf + len, sz - len, "%s%d/%s",
						len ? "," : "", pid, comm);
	}
	closedir(d);
	return users;
}

const struct st_be_ops ksml_st_linux_ops = {
	.name = "linux",
	.open = linux_open,
	.close = linux_close,
	.reset = linux_reset,
	.knob_write = linux_knob_write,
	.knob_read = linux_knob_read,
	.mm_new = linux_mm_new,
	.mm_put = linux_mm_put,
	.map_fill = linux_map_fill,
	.unmap = linux_unmap,
	.write = linux_write,
	.madvise = linux_madvise,
	.prctl_set = linux_prctl_set,
	.prctl_get = linux_prctl_get,
	.page = linux_page,
	.mm_stat = linux_mm_stat,
	.map_thp = linux_map_thp,
	.huge_kb = linux_huge_kb,
	.scan_until = linux_scan_until,
	.child = linux_child,
	.foreign = linux_foreign,
};

int ksml_st_linux_child_open(struct st_be *b);
int ksml_st_linux_child_open(struct st_be *b)
{
	b->ops = &ksml_st_linux_ops;
	return linux_open_child(b);
}

/* ================================================================= kmod */

struct kmod_priv {
	struct ksml_ref ref;
};

static struct ksml_ref *KR(struct st_be *b)
{
	return &((struct kmod_priv *)b->priv)->ref;
}

static unsigned int kid(void *mm)
{
	return (unsigned int)(uintptr_t)mm;
}

static int kmod_open(struct st_be *b, char *why, size_t wsz)
{
	struct ksml_ref ref;
	int ret = ksml_ref_open(&ref);

	if (ret) {
		snprintf(why, wsz,
			 "no %s (%s): ksm_ref.ko is not loaded here (it runs "
			 "in the qemu guest of make kmod-test)",
			 KSM_REF_DEV, strerror(-ret));
		return -ENODEV;
	}
	if (!ksml_ref_abi_ok(&ref)) {
		snprintf(why, wsz, "%s: ABI version 0x%x, want major %d",
			 KSM_REF_DEV, ref.version.abi_version,
			 KSM_REF_ABI_MAJOR);
		ksml_ref_close(&ref);
		return -EPROTO;
	}
	b->priv = calloc(1, sizeof(struct kmod_priv));
	if (!b->priv) {
		ksml_ref_close(&ref);
		return -ENOMEM;
	}
	*KR(b) = ref;
	return 0;
}

static void kmod_close(struct st_be *b)
{
	if (!b->priv)
		return;
	ksml_ref_close(KR(b)); /* exits every address space of the file */
	free(b->priv);
	b->priv = NULL;
}

static int kmod_reset(struct st_be *b, int nodes, char *why, size_t wsz)
{
	if ((unsigned int)nodes > KR(b)->version.nr_node_ids) {
		snprintf(why, wsz,
			 "the module's frames carry %u node id(s) (the case "
			 "needs %d)",
			 KR(b)->version.nr_node_ids, nodes);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int kmod_knob_write(struct st_be *b, const char *k, const char *v)
{
	return ksml_ref_knob_write(KR(b), k, v);
}

static int kmod_knob_read(struct st_be *b, const char *k, char *buf, size_t sz)
{
	return ksml_ref_knob_read(KR(b), k, buf, sz);
}

static int kmod_mm_new(struct st_be *b, void **mm)
{
	int id = ksml_ref_mm_create(KR(b));

	if (id < 0)
		return id;
	*mm = (void *)(uintptr_t)id;
	return 0;
}

static void kmod_mm_put(struct st_be *b, void *mm)
{
	ksml_ref_mm_exit(KR(b), kid(mm));
}

static int kmod_write(struct st_be *b, void *mm, unsigned long addr,
		      const void *buf, size_t len, bool force)
{
	return ksml_ref_write(KR(b), kid(mm), addr, buf, len,
			      force ? KSM_REF_RW_FORCE : 0);
}

static int kmod_map_fill(struct st_be *b, void *mm, unsigned long npages,
			 int node, bool prot_none, st_gen_fn gen,
			 const void *arg, unsigned long *addr)
{
	unsigned int flags = KSML_MAP_PRIVATE | KSML_MAP_ANONYMOUS;
	unsigned char *pg = page_buf();
	unsigned long i;
	int ret;

	if (prot_none)
		flags |= KSML_MAP_RDONLY;
	if (node >= 0)
		flags |= KSML_MAP_NODE(node);
	ret = ksml_ref_mmap(KR(b), kid(mm), 0, npages * ST_PAGE, flags, addr);
	if (ret)
		return ret;
	for (i = 0; !ret && i < npages; i++) {
		gen(i, pg, arg);
		ret = kmod_write(b, mm, *addr + i * ST_PAGE, pg, ST_PAGE, prot_none);
	}
	return ret;
}

static int kmod_unmap(struct st_be *b, void *mm, unsigned long addr,
		      unsigned long len)
{
	return ksml_ref_munmap(KR(b), kid(mm), addr, len);
}

static int kmod_madvise(struct st_be *b, void *mm, unsigned long addr,
			unsigned long len, int advice)
{
	return ksml_ref_madvise(KR(b), kid(mm), addr, len, advice);
}

static int kmod_prctl_set(struct st_be *b, void *mm, unsigned long v)
{
	return ksml_ref_prctl_set(KR(b), kid(mm), v);
}

static int kmod_prctl_get(struct st_be *b, void *mm)
{
	return ksml_ref_prctl_get(KR(b), kid(mm));
}

static int kmod_page(struct st_be *b, void *mm, unsigned long addr,
		     bool *present, unsigned long *pfn)
{
	struct ksm_ref_page_info pi;
	int ret;

	ret = ksml_ref_page_info(KR(b), kid(mm), addr, &pi);
	if (ret)
		return ret;
	*present = pi.flags & KSM_REF_PI_PRESENT;
	*pfn = pi.pfn;
	return 0;
}

static int kmod_mm_stat(struct st_be *b, void *mm, struct ksml_mm_stat *st)
{
	struct ksm_ref_mm_stat s;
	int ret;

	ret = ksml_ref_mm_stat(KR(b), kid(mm), &s);
	if (ret)
		return ret;
	st->ksm_rmap_items = s.ksm_rmap_items;
	st->ksm_zero_pages = s.ksm_zero_pages;
	st->ksm_merging_pages = s.ksm_merging_pages;
	st->ksm_process_profit = s.ksm_process_profit;
	st->ksm_merge_any = s.ksm_merge_any;
	st->ksm_mergeable = s.ksm_mergeable;
	return 0;
}

static int kmod_scan_until(struct st_be *b, unsigned long target,
			   double timeout_s)
{
	struct ksm_ref_counters c;
	int ret;

	for (;;) {
		ret = ksml_ref_counters(KR(b), &c);
		if (ret)
			return ret;
		if (c.full_scans >= target)
			return 0;
		ret = ksml_ref_scan_full(KR(b), target - c.full_scans, 0);
		if (ret)
			return ret;
	}
}

static int kmod_child(struct st_be *b, void *mm, st_child_fn fn, bool exec,
		      char *msg, size_t msz)
{
	void *c;
	int ret;

	if (exec) {
		ret = kmod_mm_new(b, &c);
		if (!ret && kmod_prctl_get(b, mm) == 1)
			ret = kmod_prctl_set(b, c, 1);
	} else {
		ret = ksml_ref_mm_fork(KR(b), kid(mm)); /* the child's id */
		c = (void *)(uintptr_t)(ret > 0 ? ret : 0);
	}
	if (ret < 0) {
		snprintf(msg, msz, "kmod %s: %s", exec ? "exec model" : "fork",
			 strerror(-ret));
		return ST_FAIL;
	}
	ret = fn(b, c, msg, msz);
	kmod_mm_put(b, c);
	return ret;
}

const struct st_be_ops ksml_st_kmod_ops = {
	.name = "kmod",
	.open = kmod_open,
	.close = kmod_close,
	.reset = kmod_reset,
	.knob_write = kmod_knob_write,
	.knob_read = kmod_knob_read,
	.mm_new = kmod_mm_new,
	.mm_put = kmod_mm_put,
	.map_fill = kmod_map_fill,
	.unmap = kmod_unmap,
	.write = kmod_write,
	.madvise = kmod_madvise,
	.prctl_set = kmod_prctl_set,
	.prctl_get = kmod_prctl_get,
	.page = kmod_page,
	.mm_stat = kmod_mm_stat,
	.scan_until = kmod_scan_until,
	.child = kmod_child,
	.foreign = ref_foreign,
};

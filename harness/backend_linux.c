/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * backend_linux.c - the host kernel's KSM as a ksmlab backend.
 *
 * Each address space is a small worker process, controlled over a
 * SOCK_SEQPACKET socketpair: the harness sends one request, the worker
 * does the syscall (mmap at a fixed address, write, madvise, prctl,
 * io_uring pin, fork, exit) and answers.  A fork request makes the worker
 * fork(); the child becomes a new worker and its control socket is sent
 * back to the harness with SCM_RIGHTS.  A worker exits when its control
 * socket closes, so no worker outlives the harness.
 *
 * Scans are lock-stepped with ksmd: pages_to_scan is larger than any
 * pass, so one ksmd batch is exactly one full scan (a batch ends at the
 * pass end), and sleep_millisecs is an hour.  Between steps run=0; a step
 * changes sleep_millisecs (which wakes ksmd's timed sleep, see
 * sleep_millisecs_store) and writes run=1 (which wakes its untimed wait),
 * waits until full_scans advanced, and writes run=0 again.  Events
 * "at scan N" thus land on a pass boundary, as in the ref backend.
 *
 * Every knob is saved before the first write and restored on close (also
 * after errors and signals; see live.c).  Knobs the workload does not set
 * are put to the kernel defaults, so ref and linux start equal.
 */
#include "driver.h"
#include "live.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
#ifndef PR_GET_MEMORY_MERGE
#define PR_GET_MEMORY_MERGE 68
#endif
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE 12
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

#define MAX_WORKERS 512
#define MAX_PINS 256
#define STEP_PAGES_TO_SCAN "4000000"
#define STEP_SLEEP_A "3600000"
#define STEP_SLEEP_B "3600001"

enum wop {
	W_MMAP = 1,
	W_MUNMAP,
	W_WRITE,
	W_FILL,
	W_MADVISE,
	W_PRCTL,
	W_PIN,
	W_UNPIN,
	W_MIGRATE,
	W_FORK,
	W_EXIT,
	W_PRCTL_GET,
	W_EXEC,
	W_UFFD_WP,
};

/* W_MMAP's arg */
#define W_MAP_SHARED 1
#define W_MAP_THP    2 /* no MADV_NOHUGEPAGE: the run's THP mode applies */
#define W_MAP_PROT_NONE 4
/* bits 8-15: KSML_DRV_MAP_NODE's node + 1 */
#define W_MAP_NODE_MASK 0xff00

/* W_WRITE's arg: through /proc/self/mem, which ignores the protections */
#define W_WRITE_FORCE 1

/* exec'd workers find their control socket here (see exec_worker_entry) */
#define WORKER_FD_ENV "KSMLAB_WORKER_FD"

struct wreq {
	int op;
	int arg;
	unsigned long addr, len;
	ksml_drv_gen_fn gen; /* valid in the worker: it is a fork of us */
	unsigned char ctx[KSML_DRV_MAX_CTX];
};

struct wrep {
	int ret; /* 0 or -errno */
	int pid;
	int val; /* W_PRCTL_GET's value; W_UFFD_WP's failed step */
};

struct worker {
	int fd; /* control socket, -1 once exited */
	int pid;
	bool our_child; /* forked by the harness (waitpid), else by a worker */
	/* an exec'd image: our function pointers mean nothing there */
	bool execd;
	/* the span of the mappings made through us (inherited on fork) */
	unsigned long lo, hi;
};

struct linux_priv {
	struct ksml_live_saved saved;
	bool locked, saved_ok;
	struct worker w[MAX_WORKERS];
	int nr;
	bool toggle, stepping;
	unsigned long long cpu0;
	unsigned long cow_ksm0; /* /proc/vmstat cow_ksm at open */
	bool thp;		/* the run set a THP mode: mappings keep THP */
};

/*
 * one kB line of a smaps_rollup file ("KSM:" since 6.7, "AnonHugePages:"),
 * -1 without one
 */
static long smaps_kb(const char *path, const char *key)
{
	char line[128];
	size_t n = strlen(key);
	unsigned long kb;
	long ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':' &&
		    sscanf(line + n + 1, " %lu kB", &kb) == 1) {
			ret = (long)kb;
			break;
		}
	fclose(f);
	return ret;
}

/* one /proc/vmstat counter, or -1 when this kernel has none */
static long vmstat_read(const char *name)
{
	char line[128], key[64];
	unsigned long v;
	long ret = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu", key, &v) == 2 && !strcmp(key, name)) {
			ret = (long)v;
			break;
		}
	fclose(f);
	return ret;
}

/* ---------------------------------------------------------------- worker */

struct pin {
	unsigned long addr;
	int ring; /* an io_uring whose one fixed buffer is the page */
};

static struct pin pins[MAX_PINS];
static int nr_pins;

#define MAX_UFFDS 16
/* userfaultfds write-protecting a range, closed when it is unmapped */
static struct {
	int fd;
	unsigned long lo, hi;
} uffds[MAX_UFFDS];
static int nr_uffds;
/* the workload's mappings, for merge-any filtering */
static unsigned long wl_lo = ~0UL, wl_hi;
static char maps_buf[1 << 16];

static int host_nodes(void);

static int wsend(int fd, const struct wrep *r, int passfd)
{
	struct msghdr mh;
	struct iovec iov = { (void *)r, sizeof(*r) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (passfd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * After prctl(PR_SET_MEMORY_MERGE, 1) every compatible VMA of the worker
 * is mergeable, including its heap, stack and libc data, which the ref
 * backend's address spaces do not have.  Take the advice back from all
 * VMAs outside the workload's mappings.
 */
static void unmerge_foreign_vmas(void)
{
	ssize_t n, tot = 0;
	char *line, *nl;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (tot < (ssize_t)sizeof(maps_buf) - 1 &&
	       (n = read(fd, maps_buf + tot, sizeof(maps_buf) - 1 - (size_t)tot)) > 0)
		tot += n;
	close(fd);
	maps_buf[tot] = 0;
	for (line = maps_buf; line && *line; line = nl) {
		unsigned long lo, hi;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (lo >= wl_lo && hi <= wl_hi)
			continue;
		madvise((void *)lo, hi - lo, 13 /* MADV_UNMERGEABLE */);
	}
}

static int do_pin(unsigned long addr)
{
	struct iovec iov = { (void *)addr, 4096 };
	struct io_uring_params params;
	struct pin *p;
	int ring;

	if (nr_pins >= MAX_PINS)
		return -ENOSPC;
	/*
	 * A long-term pin for DMA, as the kernel takes one: registering the
	 * page as an io_uring fixed buffer is pin_user_pages(FOLL_WRITE |
	 * FOLL_LONGTERM), which first makes the page exclusive (a KSM or
	 * COW-shared page is copied) and then pins its folio, a THP as a
	 * whole (folio_maybe_dma_pinned: fork copies its exclusive pages,
	 * and KSM's write_protect_page refuses it).  A plain reference
	 * (vmsplice's) would be neither seen by fork nor pin a THP.
	 */
	memset(&params, 0, sizeof(params));
	ring = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (ring < 0)
		return -errno;
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov,
		    1) < 0) {
		int e = -errno;

		close(ring);
		return e;
	}
	p = &pins[nr_pins++];
	p->addr = addr;
	p->ring = ring;
	return 0;
}

/* the unpin is done when the unregister returns (a close defers it) */
static int do_unpin(unsigned long addr)
{
	int i, ret = 0;

	for (i = 0; i < nr_pins; i++) {
		if (pins[i].addr != addr)
			continue;
		if (syscall(__NR_io_uring_register, pins[i].ring,
			    IORING_UNREGISTER_BUFFERS, NULL, 0) < 0)
			ret = -errno;
		close(pins[i].ring);
		pins[i] = pins[--nr_pins];
		return ret;
	}
	return -ENOENT;
}

static int do_migrate(unsigned long addr, unsigned long n, int nid)
{
	void *pages[64];
	int nodes[64], status[64];
	unsigned long i, k;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < 64 && i + k < n; k++) {
			pages[k] = (void *)(addr + (i + k) * 4096);
			nodes[k] = nid;
		}
		if (syscall(SYS_move_pages, 0, k, pages, nodes, status,
			    MPOL_MF_MOVE) < 0)
			return -errno;
	}
	return 0;
}

static void close_uffds(unsigned long lo, unsigned long hi)
{
	int i;

	for (i = 0; i < nr_uffds; i++) {
		if (uffds[i].hi <= lo || hi <= uffds[i].lo)
			continue;
		close(uffds[i].fd);
		uffds[i--] = uffds[--nr_uffds];
	}
}

/*
 * ksm_functional_tests' test_unmerge_uffd_wp setup.  On failure *step
 * says which call failed: 1 userfaultfd, 2 the WP feature, 3 register,
 * 4 write-protect (the kernel's test skips on 1-3, fails on 4).
 */
static int do_uffd_wp(unsigned long addr, unsigned long len, int *step)
{
	struct uffdio_api api;
	struct uffdio_register reg;
	struct uffdio_writeprotect wp;
	int fd, e;

	if (nr_uffds >= MAX_UFFDS)
		return -ENOSPC;
	*step = 1;
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
	*step = 2;
	if (ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = addr;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	*step = 3;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		goto fail;
	memset(&wp, 0, sizeof(wp));
	wp.range.start = addr;
	wp.range.len = len;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	*step = 4;
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp))
		goto fail;
	uffds[nr_uffds].fd = fd;
	uffds[nr_uffds].lo = addr;
	uffds[nr_uffds++].hi = addr + len;
	*step = 0;
	return 0;
fail:
	e = errno;
	close(fd);
	return -e;
}

/* W_WRITE_FORCE: FOLL_FORCE, as test_prot_none writes its PROT_NONE range */
static int force_write(unsigned long addr, const void *buf, size_t len)
{
	/* opened here: an fd of our parent's /proc/self/mem is its mm */
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (pwrite(fd, buf, len, (off_t)addr) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static void worker_loop(int fd) __attribute__((noreturn));

/*
 * The child of W_EXEC: execs this very program, whose constructor
 * (exec_worker_entry) takes over before main and serves fd.
 */
static void exec_worker(int fd) __attribute__((noreturn));

static void exec_worker(int fd)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", fd);
	if (setenv(WORKER_FD_ENV, val, 1) || fcntl(fd, F_SETFD, 0))
		_exit(1);
	execl("/proc/self/exe", "ksmlab-worker", (char *)NULL);
	_exit(127);
}

static void worker_loop(int fd)
{
	struct wreq q;
	struct wrep r;
	ssize_t n;

	for (;;) {
		int passfd = -1;

		n = recv(fd, &q, sizeof(q), 0);
		if (n == 0)
			_exit(0); /* harness gone */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		memset(&r, 0, sizeof(r));
		r.pid = getpid();
		switch (q.op) {
		case W_MMAP: {
			/*
			 * A sparse mapping larger than the machine (1 TiB, a
			 * few pages written) passes the overcommit heuristic
			 * only unreserved; KSM does not look at VM_NORESERVE.
			 */
			int big = q.len >= (1UL << 30) ? MAP_NORESERVE : 0;
			int node = ((q.arg & W_MAP_NODE_MASK) >> 8) - 1;
			void *p = mmap((void *)q.addr, q.len,
				       q.arg & W_MAP_PROT_NONE
					       ? PROT_NONE
					       : PROT_READ | PROT_WRITE,
				       (q.arg & W_MAP_SHARED ? MAP_SHARED
							     : MAP_PRIVATE) |
					       MAP_ANONYMOUS |
					       MAP_FIXED_NOREPLACE | big,
				       -1, 0);

			if (p == MAP_FAILED) {
				r.ret = -errno;
			} else if (p != (void *)q.addr) {
				munmap(p, q.len);
				r.ret = -EEXIST;
			} else {
				/*
				 * THP would change what KSM sees: only
				 * where the workload set a THP mode
				 */
				if (!(q.arg & W_MAP_THP))
					madvise(p, q.len, MADV_NOHUGEPAGE);
				if (node >= 0) {
					unsigned long mask = 1UL << node;

					/* MPOL_BIND (2): faults take node's
					 * pages */
					if (syscall(SYS_mbind, p, q.len, 2,
						    &mask, sizeof(mask) * 8 + 1,
						    0)) {
						r.ret = -errno;
						munmap(p, q.len);
						break;
					}
				}
				if (q.addr < wl_lo)
					wl_lo = q.addr;
				if (q.addr + q.len > wl_hi)
					wl_hi = q.addr + q.len;
			}
			break;
		}
		case W_MUNMAP:
			close_uffds(q.addr, q.addr + q.len);
			r.ret = munmap((void *)q.addr, q.len) ? -errno : 0;
			break;
		case W_WRITE: {
			/* the data follows in messages of at most 64 KiB */
			unsigned long done = 0;
			char *dst = (char *)q.addr;

			if (q.arg & W_WRITE_FORCE) {
				dst = malloc(q.len ? q.len : 1);
				if (!dst)
					_exit(1);
			}
			while (done < q.len) {
				n = recv(fd, dst + done,
					 q.len - done > 65536 ? 65536
							      : q.len - done,
					 0);
				if (n <= 0) {
					if (n < 0 && errno == EINTR)
						continue;
					_exit(1);
				}
				done += (unsigned long)n;
			}
			if (q.arg & W_WRITE_FORCE) {
				r.ret = force_write(q.addr, dst, q.len);
				free(dst);
			}
			break;
		}
		case W_FILL: {
			unsigned long i;

			for (i = 0; i < q.len; i++)
				q.gen(q.ctx, i, (char *)q.addr + i * 4096);
			break;
		}
		case W_MADVISE:
			r.ret = madvise((void *)q.addr, q.len, q.arg) ? -errno : 0;
			break;
		case W_PRCTL:
			r.ret = prctl(PR_SET_MEMORY_MERGE, (unsigned long)q.arg,
				      0, 0, 0) ? -errno : 0;
			if (!r.ret && q.arg)
				unmerge_foreign_vmas();
			break;
		case W_PRCTL_GET:
			r.val = prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);
			r.ret = r.val < 0 ? -errno : 0;
			break;
		case W_UFFD_WP:
			r.ret = do_uffd_wp(q.addr, q.len, &r.val);
			break;
		case W_PIN:
			r.ret = do_pin(q.addr);
			break;
		case W_UNPIN:
			r.ret = do_unpin(q.addr);
			break;
		case W_MIGRATE:
			r.ret = do_migrate(q.addr, q.len, q.arg);
			break;
		case W_FORK:
		case W_EXEC: {
			int sp[2];
			pid_t pid;

			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp)) {
				r.ret = -errno;
				break;
			}
			pid = fork();
			if (pid < 0) {
				r.ret = -errno;
				close(sp[0]);
				close(sp[1]);
				break;
			}
			if (pid == 0) {
				int i;

				close(sp[0]);
				close(fd);
				/*
				 * Pins are not inherited (the kernel gives
				 * the child its own copy of a pinned page).
				 */
				for (i = 0; i < nr_pins; i++)
					close(pins[i].ring);
				nr_pins = 0;
				/* nor the parent's userfaultfds */
				for (i = 0; i < nr_uffds; i++)
					close(uffds[i].fd);
				nr_uffds = 0;
				if (q.op == W_EXEC)
					exec_worker(sp[1]);
				worker_loop(sp[1]);
			}
			close(sp[1]);
			r.pid = pid;
			passfd = sp[0];
			break;
		}
		case W_EXIT:
			wsend(fd, &r, -1);
			_exit(0);
		default:
			r.ret = -EINVAL;
		}
		if (wsend(fd, &r, passfd))
			_exit(1);
		if (passfd >= 0)
			close(passfd);
	}
}

/*
 * An exec'd worker (W_EXEC) is this program again: before its main runs,
 * it answers "ready" on the inherited control socket and serves it.  The
 * constructor is here so that every program that links the linux backend
 * can be exec'd as a worker.
 */
static void exec_worker_entry(void) __attribute__((constructor));

static void exec_worker_entry(void)
{
	const char *e = getenv(WORKER_FD_ENV);
	struct wrep r;
	int fd;

	if (!e)
		return;
	fd = atoi(e);
	unsetenv(WORKER_FD_ENV);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	memset(&r, 0, sizeof(r));
	r.pid = getpid();
	if (wsend(fd, &r, -1))
		_exit(1);
	worker_loop(fd);
}

/* --------------------------------------------------------------- harness */

static struct linux_priv *P(struct ksml_drv *d)
{
	return d->priv;
}

static int call(struct ksml_drv *d, int id, struct wreq *q, struct wrep *r,
		int *fd_out)
{
	struct linux_priv *lp = P(d);
	struct msghdr mh;
	struct iovec iov = { r, sizeof(*r) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	ssize_t n;

	if (id < 0 || id >= lp->nr || lp->w[id].fd < 0)
		return ksml_drv_seterr(d, -EINVAL, "linux: no live address space %d", id);
	if (send(lp->w[id].fd, q, sizeof(*q), MSG_NOSIGNAL) < 0)
		return ksml_drv_seterr(d, -errno, "linux: worker %d (pid %d) is gone: %s",
				       id, lp->w[id].pid, strerror(errno));
	if (q->op == W_WRITE) {
		/* caller sends the data (see linux_write) */
		return 0;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	do {
		n = recvmsg(lp->w[id].fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR && !ksml_live_interrupted);
	if (n != (ssize_t)sizeof(*r))
		return ksml_drv_seterr(d, n < 0 ? -errno : -EPIPE,
				       "linux: no answer from worker %d (pid %d)",
				       id, lp->w[id].pid);
	if (fd_out) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		*fd_out = -1;
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd_out, CMSG_DATA(c), sizeof(int));
	}
	return r->ret;
}

static int knob(struct ksml_drv *d, const char *name, const char *val)
{
	int ret = ksml_live_write(name, val);

	if (ret)
		return ksml_drv_seterr(d, ret, "linux: writing %s to %s/%s: %s",
				       val, ksml_live_dir(), name, strerror(-ret));
	return 0;
}

/*
 * Other processes registered with the host's KSM (qemu registers guest RAM
 * by default, mem-merge=on): their pages are scanned and merged in our
 * passes too, so the global counters are no longer ours alone.
 */
int ksml_linux_foreign_users(const struct ksml_drv *d, char *list, size_t size,
			     unsigned long *items);

int ksml_linux_foreign_users(const struct ksml_drv *d, char *list, size_t size,
			     unsigned long *items)
{
	const struct linux_priv *lp =
		d && d->ops == &ksml_backend_linux ? d->priv : NULL;
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int users = 0;

	if (size)
		list[0] = 0;
	*items = 0;
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char path[300], line[128];
		unsigned long v, ri = 0;
		bool mergeable = false, ours = false;
		int pid, i;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		pid = atoi(e->d_name);
		for (i = 0; lp && i < lp->nr; i++)
			if (lp->w[i].pid == pid)
				ours = true;
		if (ours || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ksm_stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "ksm_rmap_items %lu", &v) == 1)
				ri = v;
			if (!strncmp(line, "ksm_mergeable: yes", 18) ||
			    !strncmp(line, "ksm_merge_any: yes", 18))
				mergeable = true;
		}
		fclose(f);
		if (ri || mergeable) {
			char comm[64] = "?";

			snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
			f = fopen(path, "r");
			if (f) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = 0;
				fclose(f);
			}
			users++;
			*items += ri;
			if (strlen(list) + strlen(e->d_name) + strlen(comm) + 4 < size) {
				if (*list)
					strcat(list, ",");
				strcat(list, e->d_name);
				strcat(list, "/");
				strcat(list, comm);
			}
		}
	}
	closedir(dir);
	return users;
}

static void note_host_users(struct ksml_drv *d, const char *when)
{
	char list[256];
	unsigned long items;
	int users = ksml_linux_foreign_users(d, list, sizeof(list), &items);

	if (!users || strstr(d->notes, list))
		return;
	d->host_noise = true;
	/* another ksmlab writes the same seeded contents: they can merge */
	if (strstr(list, "/ksmlab") || strstr(list, "/test_driver"))
		d->noise_ksmlab = true;
	ksml_drv_note(d,
		      "host: %d other process(es) registered with KSM %s (pid/comm %s, %lu rmap_items): global counters include their pages",
		      users, when, list, items);
}

/* a file of /sys/kernel/mm/ksm exists */
static bool have_knob(const char *name)
{
	char buf[64];

	return ksml_live_read(name, buf, sizeof(buf)) >= 0;
}

/* /proc/self/ksm_stat has a line starting with key */
static bool ksm_stat_has(const char *key)
{
	char line[128];
	bool yes = false;
	FILE *f = fopen("/proc/self/ksm_stat", "r");

	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, key, strlen(key));
	fclose(f);
	return yes;
}

unsigned int ksml_linux_probe(char *release, size_t size)
{
	unsigned int caps = 0;
	struct utsname u;
	int major = 0, minor = 0;

	if (!uname(&u))
		sscanf(u.release, "%d.%d", &major, &minor);
	if (release && size)
		snprintf(release, size, "%s", u.release);
	if (vmstat_read("cow_ksm") >= 0 &&
	    smaps_kb("/proc/self/smaps_rollup", "KSM") >= 0)
		caps |= KSML_CAP_COW_KSM;
	if (smaps_kb("/proc/self/smaps_rollup", "AnonHugePages") >= 0)
		caps |= KSML_CAP_ANON_HUGE;
	if (have_knob("smart_scan"))
		caps |= KSML_CAP_SMART_SCAN;
	if (have_knob("general_profit") && ksm_stat_has("ksm_process_profit"))
		caps |= KSML_CAP_PROFIT;
	if (have_knob("ksm_zero_pages") && ksm_stat_has("ksm_zero_pages"))
		caps |= KSML_CAP_ZERO_PAGES;
	if (have_knob("pages_scanned"))
		caps |= KSML_CAP_PAGES_SCANNED;
	/* EINVAL for an unknown option; 0 or 1 where merge-any exists */
	if (prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) >= 0)
		caps |= KSML_CAP_MERGE_ANY;
	if (ksm_stat_has("ksm_merge_any") && ksm_stat_has("ksm_mergeable"))
		caps |= KSML_CAP_STAT_MERGE_ANY;
	/*
	 * Nothing shows the fork fix without a merge and a fork.  Measured:
	 * Debian's 6.1.192 keeps the parent's counts (its child of
	 * fork-bypass reads 1024 merging pages, 6.18 512).  Stable kernels
	 * 6.6-6.17 that took the backport would need the same measurement.
	 */
	if (major > 6 || (major == 6 && minor >= 18))
		caps |= KSML_CAP_FORK_RESETS_COUNTERS;
	/*
	 * Nor the order of a visit without a page written with a KSM page's
	 * content.  Measured: 6.1.192 merges such a page on its first
	 * visit, 6.18 on its second (workloads/stable-first.wl).
	 */
	if (major > 6 || (major == 6 && minor >= 9))
		caps |= KSML_CAP_CHECKSUM_FIRST;
	/*
	 * Nor what a THP split does with zero-filled subpages.  Measured in
	 * the guest: 6.1.192 keeps them as pages that then merge
	 * (thp-partial-dups, thp-vm-images), 6.18 maps them to the zero page.
	 */
	if (major > 6 || (major == 6 && minor >= 12))
		caps |= KSML_CAP_SPLIT_ZERO_REMAP;
	/*
	 * Nor the write fault's rule for a subpage of a large folio.  From
	 * the kernel's history, measured on 6.18 only (thp-cow-reuse,
	 * thp-cow-sticky, found-3100669): 6.10 stopped reusing such
	 * subpages, 6.15 reuses them again where the per-MM tracking shows
	 * the folio this mm's alone.
	 */
	if (major > 6 || (major == 6 && minor >= 10))
		caps |= KSML_CAP_LARGE_WP_COPIES;
	if (major > 6 || (major == 6 && minor >= 15))
		caps |= KSML_CAP_LARGE_WP_MM_ID;
	return caps;
}

static void linux_close(struct ksml_drv *d)
{
	struct linux_priv *lp = P(d);
	char err[256];
	int i;

	if (!lp)
		return;
	for (i = 0; i < lp->nr; i++) {
		if (lp->w[i].fd >= 0) {
			close(lp->w[i].fd); /* the worker exits on EOF */
			lp->w[i].fd = -1;
		}
		if (lp->w[i].pid > 0)
			kill(lp->w[i].pid, SIGKILL);
	}
	for (i = 0; i < lp->nr; i++)
		if (lp->w[i].our_child && lp->w[i].pid > 0)
			waitpid(lp->w[i].pid, NULL, 0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	/*
	 * Our exited workers leave rmap_items and stale stable nodes until
	 * ksmd next runs, which keeps pages_shared up and makes the next
	 * user's max_page_sharing write fail with EBUSY: unmerge everything
	 * (as open did) before restoring `run` to what we found.
	 */
	if (lp->saved_ok && ksml_live_write("run", "2"))
		fprintf(stderr, "ksmlab: warning: run=2 at close: %s\n", strerror(errno));
	if (lp->saved_ok && ksml_live_restore(&lp->saved, err, sizeof(err)))
		fprintf(stderr, "ksmlab: warning: %s\n", err);
	if (lp->locked)
		ksml_live_unlock();
	free(lp);
	d->priv = NULL;
}

/*
 * Knobs the run does not drive go to the kernel's defaults (the core's
 * knob table): run, pages_to_scan and sleep_millisecs belong to the
 * lock-stepped scan.
 */
static bool restored_at_open(const struct ksml_knob_info *k)
{
	return k->writable && k->kernel_default && strcmp(k->name, "run") &&
	       strcmp(k->name, "pages_to_scan") &&
	       strcmp(k->name, "sleep_millisecs");
}

static int linux_open(struct ksml_drv *d)
{
	struct linux_priv *lp;
	char buf[64];
	size_t i;
	int ret;

	ret = ksml_live_check(d->err, sizeof(d->err));
	if (ret)
		return ret;
	lp = calloc(1, sizeof(*lp));
	if (!lp)
		return -ENOMEM;
	d->priv = lp;
	/* wait for quiet before taking the lock: never hold it idle */
	if (d->opts.wait_quiet_s > 0) {
		char list[256];
		unsigned long items;
		int waited = 0, users;

		while ((users = ksml_linux_foreign_users(d, list, sizeof(list), &items)) &&
		       waited < d->opts.wait_quiet_s && !ksml_live_interrupted) {
			if (!waited)
				fprintf(stderr,
					"ksmlab: waiting up to %d s for other KSM users to finish (%s)\n",
					d->opts.wait_quiet_s, list);
			sleep(1);
			waited++;
		}
		d->waited_s = waited;
	}
	ret = ksml_live_lock(d->opts.lock_timeout_s ? d->opts.lock_timeout_s : 600,
			     d->err, sizeof(d->err));
	if (ret)
		goto fail;
	lp->locked = true;
	ret = ksml_live_save(&lp->saved, d->err, sizeof(d->err));
	if (ret)
		goto fail;
	lp->saved_ok = true;
	/* workers that outlive a worker parent come back to us */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	note_host_users(d, "at start");
	/*
	 * run=2: unmerge everything and reset full_scans, as the kernel
	 * selftests do, so that every run starts from the same state.
	 */
	ret = knob(d, "run", "2");
	if (ret)
		goto fail;
	for (i = 0; i < (size_t)ksml_knob_count(); i++) {
		const struct ksml_knob_info *k = ksml_knob_at((int)i);

		if (!restored_at_open(k) ||
		    ksml_live_read(k->name, buf, sizeof(buf)) < 0)
			continue;
		if (strcmp(buf, k->kernel_default)) {
			ret = knob(d, k->name, k->kernel_default);
			if (ret)
				goto fail;
		}
	}
	ret = knob(d, "pages_to_scan", STEP_PAGES_TO_SCAN);
	if (!ret)
		ret = knob(d, "sleep_millisecs", STEP_SLEEP_A);
	if (ret)
		goto fail;
	if (ksml_live_read_ul("pages_shared") || ksml_live_read_ul("ksm_zero_pages"))
		ksml_drv_note(d, "host: run=2 left pages_shared=%lu ksm_zero_pages=%lu (pages still mapped elsewhere)",
			      ksml_live_read_ul("pages_shared"),
			      ksml_live_read_ul("ksm_zero_pages"));
	lp->cpu0 = ksml_live_ksmd_cpu_ns();
	/*
	 * cow_ksm counts the whole machine's copies: the run's are those
	 * from here on (other users' show as host noise anyway)
	 */
	{
		long c = vmstat_read("cow_ksm");

		lp->cow_ksm0 = c < 0 ? 0 : (unsigned long)c;
	}
	d->caps = ksml_linux_probe(NULL, 0);
	d->nr_nodes = host_nodes();
	return 0;
fail:
	linux_close(d);
	return ret;
}

static int linux_knob_write(struct ksml_drv *d, const char *name, const char *val)
{
	if (P(d)->stepping &&
	    (!strcmp(name, "pages_to_scan") || !strcmp(name, "sleep_millisecs") ||
	     !strcmp(name, "run") || !strcmp(name, "advisor_mode"))) {
		ksml_drv_note(d,
			      "linux: %s=%s not applied: the lock-stepped scan owns pages_to_scan, sleep_millisecs, run and advisor_mode",
			      name, val);
		return 0;
	}
	return knob(d, name, val);
}

static int linux_knob_read(struct ksml_drv *d, const char *name, char *buf,
			   size_t size)
{
	int ret = ksml_live_read(name, buf, size);

	if (ret < 0)
		return ksml_drv_seterr(d, ret, "linux: reading %s/%s: %s",
				       ksml_live_dir(), name, strerror(-ret));
	return 0;
}

static int add_worker(struct ksml_drv *d, int fd, int pid, bool ours, int *id)
{
	struct linux_priv *lp = P(d);

	if (lp->nr >= MAX_WORKERS) {
		close(fd);
		return ksml_drv_seterr(d, -ENOSPC, "linux: more than %d address spaces",
				       MAX_WORKERS);
	}
	lp->w[lp->nr].fd = fd;
	lp->w[lp->nr].pid = pid;
	lp->w[lp->nr].our_child = ours;
	lp->w[lp->nr].lo = ~0UL;
	lp->w[lp->nr].hi = 0;
	lp->w[lp->nr].execd = false;
	*id = lp->nr++;
	return 0;
}

static int linux_mm_create(struct ksml_drv *d, int *id)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return ksml_drv_seterr(d, -errno, "linux: socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return ksml_drv_seterr(d, -errno, "linux: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		struct sigaction sa;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN; /* forked workers reap themselves */
		sigaction(SIGCHLD, &sa, NULL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		/* keep only our socket: EOF must mean "harness gone" */
		if (dup2(sp[1], 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		worker_loop(3);
	}
	close(sp[1]);
	return add_worker(d, sp[0], pid, true, id);
}

static int linux_mm_fork(struct ksml_drv *d, int parent, int *child)
{
	struct wreq q = { .op = W_FORK };
	struct wrep r;
	int fd = -1, ret;

	ret = call(d, parent, &q, &r, &fd);
	if (ret)
		return ret;
	if (fd < 0)
		return ksml_drv_seterr(d, -EIO, "linux: fork: no socket from worker");
	ret = add_worker(d, fd, r.pid, false, child);
	if (!ret) {
		P(d)->w[*child].lo = P(d)->w[parent].lo;
		P(d)->w[*child].hi = P(d)->w[parent].hi;
		P(d)->w[*child].execd = P(d)->w[parent].execd;
	}
	return ret;
}

/* a real fork and execve of the worker: the kernel's MERGE_ANY over exec */
static int linux_mm_exec(struct ksml_drv *d, int parent, int *child)
{
	struct wreq q = {.op = W_EXEC};
	struct wrep r;
	int fd = -1, ret;
	ssize_t n;

	ret = call(d, parent, &q, &r, &fd);
	if (ret)
		return ret;
	if (fd < 0)
		return ksml_drv_seterr(d, -EIO,
				       "linux: exec: no socket from worker");
	/* the exec'd image says ready; EOF if execve failed */
	do {
		n = recv(fd, &r, sizeof(r), 0);
	} while (n < 0 && errno == EINTR && !ksml_live_interrupted);
	if (n != (ssize_t)sizeof(r)) {
		close(fd);
		return ksml_drv_seterr(
			d, -ENOEXEC,
			"linux: exec of /proc/self/exe in worker %d failed",
			parent);
	}
	ret = add_worker(d, fd, r.pid, false, child);
	if (!ret)
		P(d)->w[*child].execd = true;
	return ret;
}

static bool pid_gone(int pid, bool ours)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool gone = true;

	if (ours && waitpid(pid, NULL, WNOHANG) == pid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	if (gone)
		waitpid(pid, NULL, WNOHANG); /* reparented to us (subreaper) */
	return gone;
}

static int linux_mm_exit(struct ksml_drv *d, int id)
{
	struct linux_priv *lp = P(d);
	struct wreq q = { .op = W_EXIT };
	struct wrep r;
	int ret, i;

	ret = call(d, id, &q, &r, NULL);
	if (ret)
		return ret;
	/* wait until the mm is torn down (exit_mm runs before the zombie) */
	for (i = 0; i < 10000 && !pid_gone(lp->w[id].pid, lp->w[id].our_child); i++)
		usleep(500);
	close(lp->w[id].fd);
	lp->w[id].fd = -1;
	lp->w[id].pid = -1;
	return 0;
}

static int simple(struct ksml_drv *d, int id, int op, unsigned long addr,
		  unsigned long len, int arg, const char *what)
{
	struct wreq q = { .op = op, .addr = addr, .len = len, .arg = arg };
	struct wrep r;
	int ret = call(d, id, &q, &r, NULL);

	if (ret && !d->err[0])
		ksml_drv_seterr(d, ret, "linux: %s in space %d at 0x%lx (%lu bytes) failed: %s",
				what, id, addr, len, strerror(-ret));
	return ret;
}

static int linux_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			    unsigned long len, unsigned int flags);

static int linux_mmap(struct ksml_drv *d, int id, unsigned long addr,
		      unsigned long len, bool shared)
{
	return linux_mmap_flags(d, id, addr, len,
				shared ? KSML_DRV_MAP_SHARED : 0);
}

/*
 * The run's THP mode and defrag, and khugepaged parked (THP.md point 10:
 * a collapse of a split range would make a run depend on its length):
 * scans an hour apart, one PMD range a scan.  Writing scan_sleep_millisecs
 * wakes khugepaged for one scan at once, before any mapping of ours.
 * Everything was saved at open (live.c) and goes back at close.
 */
static int linux_thp(struct ksml_drv *d, const char *mode, const char *defrag)
{
	const char *set[][2] = {
		{KSML_LIVE_THP "khugepaged/pages_to_scan", "8"},
		{KSML_LIVE_THP "khugepaged/scan_sleep_millisecs", "3600000"},
		{KSML_LIVE_THP "khugepaged/alloc_sleep_millisecs", "3600000"},
		{KSML_LIVE_THP "defrag", defrag},
		{KSML_LIVE_THP "enabled", mode},
	};
	char cur[64];
	size_t i;
	int ret;

	if (P(d)->nr)
		return ksml_drv_seterr(d, -EBUSY,
				       "linux: the THP mode must be set before "
				       "the first address space");
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		ret = ksml_live_read(set[i][0], cur, sizeof(cur));
		if (ret < 0)
			return ksml_drv_seterr(
				d, ret,
				"linux: this kernel has no transparent huge "
				"pages: cannot read %s/%s (%s)",
				ksml_live_thp_dir(),
				set[i][0] + strlen(KSML_LIVE_THP),
				strerror(-ret));
		if (!strcmp(cur, set[i][1]))
			continue;
		ret = ksml_live_write(set[i][0], set[i][1]);
		if (ret)
			return ksml_drv_seterr(
				d, ret, "linux: writing %s to %s/%s: %s",
				set[i][1], ksml_live_thp_dir(),
				set[i][0] + strlen(KSML_LIVE_THP),
				strerror(-ret));
	}
	P(d)->thp = true;
	return 0;
}

static int linux_munmap(struct ksml_drv *d, int id, unsigned long addr,
			unsigned long len)
{
	return simple(d, id, W_MUNMAP, addr, len, 0, "munmap");
}

static int linux_rw(struct ksml_drv *d, int id, unsigned long addr,
		    const void *buf, size_t len, int arg)
{
	struct linux_priv *lp = P(d);
	struct wreq q = {.op = W_WRITE, .arg = arg, .addr = addr, .len = len};
	struct wrep r;
	size_t done = 0;
	ssize_t n;
	int ret;

	ret = call(d, id, &q, &r, NULL);
	if (ret)
		return ret;
	while (done < len) {
		size_t k = len - done > 65536 ? 65536 : len - done;

		n = send(lp->w[id].fd, (const char *)buf + done, k, MSG_NOSIGNAL);
		if (n < 0)
			return ksml_drv_seterr(d, -errno, "linux: write data: %s",
					       strerror(errno));
		done += (size_t)n;
	}
	n = recv(lp->w[id].fd, &r, sizeof(r), 0);
	if (n != (ssize_t)sizeof(r))
		return ksml_drv_seterr(d, -EPIPE, "linux: no answer to write");
	return r.ret;
}

static int linux_write(struct ksml_drv *d, int id, unsigned long addr,
		       const void *buf, size_t len)
{
	return linux_rw(d, id, addr, buf, len, 0);
}

static int linux_write_force(struct ksml_drv *d, int id, unsigned long addr,
			     const void *buf, size_t len)
{
	int ret = linux_rw(d, id, addr, buf, len, W_WRITE_FORCE);

	if (ret && !d->err[0])
		ksml_drv_seterr(d, ret,
				"linux: write to /proc/%d/mem at 0x%lx: %s",
				P(d)->w[id].pid, addr, strerror(-ret));
	return ret;
}

static int linux_fill(struct ksml_drv *d, int id, unsigned long addr,
		      unsigned long npages, ksml_drv_gen_fn gen, const void *ctx,
		      size_t ctx_size)
{
	struct wreq q = { .op = W_FILL, .addr = addr, .len = npages, .gen = gen };
	struct wrep r;

	if (id >= 0 && id < P(d)->nr && P(d)->w[id].execd)
		return ksml_drv_fill_by_writes(d, id, addr, npages, gen, ctx);
	memcpy(q.ctx, ctx, ctx_size);
	return call(d, id, &q, &r, NULL);
}

static int linux_madvise(struct ksml_drv *d, int id, unsigned long addr,
			 unsigned long len, int advice)
{
	return simple(d, id, W_MADVISE, addr, len, advice, "madvise");
}

static int linux_prctl(struct ksml_drv *d, int id, bool on)
{
	return simple(d, id, W_PRCTL, 0, 0, on, "prctl(PR_SET_MEMORY_MERGE)");
}

static int linux_prctl_get(struct ksml_drv *d, int id, int *on)
{
	struct wreq q = {.op = W_PRCTL_GET};
	struct wrep r;
	int ret = call(d, id, &q, &r, NULL);

	if (ret && !d->err[0])
		ksml_drv_seterr(d, ret, "linux: prctl(PR_GET_MEMORY_MERGE): %s",
				strerror(-ret));
	if (!ret)
		*on = r.val;
	return ret;
}

/* -EOPNOTSUPP where the kernel's test skips, the errno where it fails */
static int linux_uffd_wp(struct ksml_drv *d, int id, unsigned long addr,
			 unsigned long len)
{
	struct wreq q = {.op = W_UFFD_WP, .addr = addr, .len = len};
	struct wrep r;
	int ret = call(d, id, &q, &r, NULL);

	if (!ret || d->err[0])
		return ret;
	switch (r.val) {
	case 1:
		return ksml_drv_seterr(d, -EOPNOTSUPP, "userfaultfd: %s",
				       strerror(-ret));
	case 2:
		return ksml_drv_seterr(
			d, -EOPNOTSUPP,
			"UFFD_FEATURE_PAGEFAULT_FLAG_WP not available");
	case 3:
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "UFFDIO_REGISTER (WP): %s",
				       strerror(-ret));
	case 4:
		return ksml_drv_seterr(d, ret == -EOPNOTSUPP ? -EIO : ret,
				       "UFFDIO_WRITEPROTECT: %s",
				       strerror(-ret));
	}
	return ksml_drv_seterr(d, ret, "linux: userfaultfd: %s",
			       strerror(-ret));
}

static int linux_mmap_flags(struct ksml_drv *d, int id, unsigned long addr,
			    unsigned long len, unsigned int flags)
{
	int nid = KSML_DRV_MAP_NODE_OF(flags), ret;
	struct worker *w;

	if (nid >= d->nr_nodes)
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "linux: host has %d NUMA node(s), "
				       "cannot place pages on node %d",
				       d->nr_nodes, nid);
	ret = simple(
		d, id, W_MMAP, addr, len,
		(flags & KSML_DRV_MAP_SHARED ? W_MAP_SHARED : 0) |
			(flags & KSML_DRV_MAP_PROT_NONE ? W_MAP_PROT_NONE : 0) |
			(P(d)->thp ? W_MAP_THP : 0) | (int)((nid + 1) << 8),
		"mmap");
	if (ret)
		return ret;
	w = &P(d)->w[id];
	if (addr < w->lo)
		w->lo = addr;
	if (addr + len > w->hi)
		w->hi = addr + len;
	return 0;
}

/* the worker's /proc/PID/pagemap: PFNs need CAP_SYS_ADMIN, which we have */
static int linux_page_info(struct ksml_drv *d, int id, unsigned long addr,
			   bool *present, unsigned long *pfn)
{
	struct linux_priv *lp = P(d);
	char path[64];
	uint64_t e;
	ssize_t n;
	int fd;

	if (id < 0 || id >= lp->nr || lp->w[id].fd < 0)
		return ksml_drv_seterr(d, -EINVAL,
				       "linux: no live address space %d", id);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", lp->w[id].pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ksml_drv_seterr(d, -errno, "linux: %s: %s", path,
				       strerror(errno));
	n = pread(fd, &e, sizeof(e), (off_t)(addr / 4096 * sizeof(e)));
	close(fd);
	if (n != (ssize_t)sizeof(e))
		return ksml_drv_seterr(d, n < 0 ? -errno : -EIO,
				       "linux: reading %s", path);
	*present = (e >> 63) & 1;
	*pfn = (unsigned long)(e & ((1ULL << 55) - 1));
	/* a hidden PFN tells nothing: ignored, as the kernel's test does */
	if (!*pfn)
		*present = false;
	return 0;
}

static int linux_foreign(struct ksml_drv *d, char *list, size_t size)
{
	unsigned long items;

	return ksml_linux_foreign_users(d, list, size, &items);
}

static int linux_pin(struct ksml_drv *d, int id, unsigned long addr)
{
	return simple(d, id, W_PIN, addr, 4096, 0, "pin (io_uring fixed buffer)");
}

static int linux_unpin(struct ksml_drv *d, int id, unsigned long addr)
{
	return simple(d, id, W_UNPIN, addr, 4096, 0, "unpin");
}

static int host_nodes(void)
{
	DIR *dir = opendir("/sys/devices/system/node");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return 1;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9')
			n++;
	closedir(dir);
	return n ? n : 1;
}

static int linux_migrate(struct ksml_drv *d, int id, unsigned long addr,
			 unsigned long npages, int nid)
{
	if (nid >= host_nodes())
		return ksml_drv_seterr(d, -EOPNOTSUPP,
				       "linux: host has %d NUMA node(s), cannot place pages on node %d",
				       host_nodes(), nid);
	return simple(d, id, W_MIGRATE, addr, npages, nid, "move_pages");
}

static void msleep_poll(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* one lock-stepped full scan */
static int step_one(struct ksml_drv *d, bool quick)
{
	struct linux_priv *lp = P(d);
	unsigned long fs0 = ksml_live_read_ul("full_scans"), fs;
	uint64_t t0 = now_us(), last_kick;
	long wait = 50;
	int ret;

	lp->stepping = true;
kick:
	/*
	 * Order matters: change sleep_millisecs first (ends a timed sleep;
	 * with run still 0 ksmd then waits untimed), then run=1 (ends the
	 * untimed wait).  Either way ksmd runs exactly one batch.
	 */
	lp->toggle = !lp->toggle;
	ret = knob(d, "sleep_millisecs", lp->toggle ? STEP_SLEEP_B : STEP_SLEEP_A);
	if (!ret)
		ret = knob(d, "run", "1");
	if (ret)
		return ret;
	last_kick = now_us();
	for (;;) {
		fs = ksml_live_read_ul("full_scans");
		if (fs != fs0)
			break;
		if (ksml_live_interrupted) {
			knob(d, "run", "0");
			return ksml_drv_seterr(d, -EINTR, "linux: interrupted by signal %d",
					       (int)ksml_live_interrupted);
		}
		if (now_us() - t0 > 120000000ULL) {
			knob(d, "run", "0");
			return ksml_drv_seterr(d, -EAGAIN,
					       "linux: ksmd did not complete a scan in 120 s (nothing registered?)");
		}
		/* no registered mm: ksmd does not scan; same as ref's -EAGAIN */
		if (quick && now_us() - t0 > 500000) {
			knob(d, "run", "0");
			return -EAGAIN;
		}
		if (now_us() - last_kick > 2000000) {
			/* a wake-up can be lost in a narrow window: kick again */
			goto kick;
		}
		msleep_poll(wait);
		if (wait < 2000)
			wait += 50;
	}
	ret = knob(d, "run", "0");
	if (ret)
		return ret;
	if (fs != fs0 + 1)
		ksml_drv_note(d, "linux: full_scans jumped from %lu to %lu in one step",
			      fs0, fs);
	return 0;
}

/*
 * A VMA with VmFlags "mg" (VM_MERGEABLE) means its mm is registered with
 * ksmd: what ksm_stat's "ksm_mergeable:" says since 6.14, for the kernels
 * before it (6.1: before ksmd's first visit nothing in ksm_stat shows
 * the registration, and a slow first pass looked like an idle ksmd).
 */
static bool has_mergeable_vma(pid_t pid)
{
	char path[64], line[256];
	bool yes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		yes = !strncmp(line, "VmFlags:", 8) && strstr(line, " mg");
	fclose(f);
	return yes;
}

static bool any_registered(struct ksml_drv *d)
{
	struct linux_priv *lp = P(d);
	int i;

	for (i = 0; i < lp->nr; i++) {
		char path[64], line[128];
		FILE *f;
		bool yes = false;

		if (lp->w[i].fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ksm_stat", lp->w[i].pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long v;

			/*
			 * not ksm_merge_any: the kernel keeps it set after
			 * ksmd dropped the slot of an mm without mergeable VMAs
			 */
			if (!strncmp(line, "ksm_mergeable: yes", 18) ||
			    (sscanf(line, "ksm_rmap_items %lu", &v) == 1 && v))
				yes = true;
		}
		fclose(f);
		if (yes || has_mergeable_vma(lp->w[i].pid))
			return true;
	}
	return false;
}

static int linux_scan(struct ksml_drv *d, unsigned long nr)
{
	unsigned long i;
	int ret;

	for (i = 0; i < nr; i++) {
		/*
		 * ksmd only scans while some mm is registered; when none of
		 * our workers is, a pass may still run (to free the slots of
		 * exited ones) or not at all: wait only briefly for it.
		 */
		ret = step_one(d, !any_registered(d));
		if (!ret)
			note_host_users(d, "during the run");
		if (ret)
			return ret;
	}
	return 0;
}

static int read_ul(struct ksml_drv *d, const char *name, unsigned long *v)
{
	char buf[64];
	int ret = ksml_live_read(name, buf, sizeof(buf));

	if (ret < 0) {
		*v = 0;
		return 0; /* older kernels lack some counters */
	}
	*v = strtoul(buf, NULL, 10);
	return 0;
}

static int linux_counters(struct ksml_drv *d, struct ksml_counters *c)
{
	char buf[64];
	long cow = vmstat_read("cow_ksm");

	c->cow_ksm = cow < (long)P(d)->cow_ksm0 ? 0
						: (unsigned long)cow - P(d)->cow_ksm0;

	read_ul(d, "run", &c->run);
	read_ul(d, "pages_to_scan", &c->pages_to_scan);
	read_ul(d, "pages_scanned", &c->pages_scanned);
	read_ul(d, "pages_shared", &c->pages_shared);
	read_ul(d, "pages_sharing", &c->pages_sharing);
	read_ul(d, "pages_unshared", &c->pages_unshared);
	read_ul(d, "pages_volatile", &c->pages_volatile);
	read_ul(d, "pages_skipped", &c->pages_skipped);
	read_ul(d, "full_scans", &c->full_scans);
	read_ul(d, "stable_node_chains", &c->stable_node_chains);
	read_ul(d, "stable_node_dups", &c->stable_node_dups);
	if (ksml_live_read("ksm_zero_pages", buf, sizeof(buf)) >= 0)
		c->ksm_zero_pages = strtol(buf, NULL, 10);
	if (ksml_live_read("general_profit", buf, sizeof(buf)) >= 0)
		c->general_profit = strtol(buf, NULL, 10);
	c->rmap_items = c->pages_shared + c->pages_sharing + c->pages_unshared +
			c->pages_volatile;
	return 0;
}

int ksml_linux_read_ksm_stat(int pid, struct ksml_mm_stat *st);

int ksml_linux_read_ksm_stat(int pid, struct ksml_mm_stat *st)
{
	char path[64], line[128], yn[8];
	bool merging_line = false;
	long kb;
	FILE *f;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "ksm_rmap_items %lu", &st->ksm_rmap_items);
		sscanf(line, "ksm_zero_pages %ld", &st->ksm_zero_pages);
		if (sscanf(line, "ksm_merging_pages %lu",
			   &st->ksm_merging_pages) == 1)
			merging_line = true;
		sscanf(line, "ksm_process_profit %ld", &st->ksm_process_profit);
		if (sscanf(line, "ksm_merge_any: %7s", yn) == 1)
			st->ksm_merge_any = !strcmp(yn, "yes");
		if (sscanf(line, "ksm_mergeable: %7s", yn) == 1)
			st->ksm_mergeable = !strcmp(yn, "yes");
	}
	fclose(f);
	/*
	 * Before 6.6 ksm_stat had only ksm_rmap_items; the merging pages
	 * were (since 5.19) a file of their own
	 */
	if (!merging_line) {
		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", pid);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%lu", &st->ksm_merging_pages) != 1)
				st->ksm_merging_pages = 0;
			fclose(f);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	kb = smaps_kb(path, "KSM");
	st->ksm_kb = kb < 0 ? 0 : (unsigned long)kb;
	kb = smaps_kb(path, "AnonHugePages");
	st->anon_huge_kb = kb < 0 ? 0 : (unsigned long)kb;
	return 0;
}

/*
 * AnonHugePages of the VMAs of pid inside [lo, hi): the workload's
 * mappings, which are all a ref address space has.  Not the rollup: a
 * worker is a fork of the harness and inherits its THPs (after a ref run
 * in the same process, `ksmlab diff` saw 10 MiB of them in every worker).
 */
static long anon_huge_in(int pid, unsigned long lo, unsigned long hi)
{
	char path[64], line[256];
	unsigned long a = 0, b = 0, kb;
	bool in = false;
	long sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') && line[0] != ' ' &&
		    strncmp(line, "AnonHugePages", 13))
			in = a >= lo && b <= hi;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			sum += (long)kb;
	}
	fclose(f);
	return sum;
}

static int linux_mm_stat(struct ksml_drv *d, int id, struct ksml_mm_stat *st)
{
	struct linux_priv *lp = P(d);
	long kb;
	int ret;

	if (id < 0 || id >= lp->nr || lp->w[id].fd < 0)
		return ksml_drv_seterr(d, -EINVAL, "linux: no live address space %d", id);
	ret = ksml_linux_read_ksm_stat(lp->w[id].pid, st);
	if (ret)
		return ksml_drv_seterr(d, ret, "linux: /proc/%d/ksm_stat: %s",
				       lp->w[id].pid, strerror(-ret));
	kb = anon_huge_in(lp->w[id].pid, lp->w[id].lo, lp->w[id].hi);
	if (kb < 0)
		return ksml_drv_seterr(d, (int)kb, "linux: /proc/%d/smaps: %s",
				       lp->w[id].pid, strerror((int)-kb));
	st->anon_huge_kb = (unsigned long)kb;
	return 0;
}

static int linux_cpu_ns(struct ksml_drv *d, uint64_t *ns)
{
	*ns = ksml_live_ksmd_cpu_ns() - P(d)->cpu0;
	return 0;
}

const struct ksml_backend_ops ksml_backend_linux = {
	.name = "linux",
	.open = linux_open,
	.close = linux_close,
	.knob_write = linux_knob_write,
	.knob_read = linux_knob_read,
	.thp = linux_thp,
	.mm_create = linux_mm_create,
	.mm_fork = linux_mm_fork,
	.mm_exit = linux_mm_exit,
	.mmap = linux_mmap,
	.munmap = linux_munmap,
	.write = linux_write,
	.fill = linux_fill,
	.madvise = linux_madvise,
	.prctl_merge_any = linux_prctl,
	.pin = linux_pin,
	.unpin = linux_unpin,
	.migrate = linux_migrate,
	.scan = linux_scan,
	.counters = linux_counters,
	.mm_stat = linux_mm_stat,
	.cpu_ns = linux_cpu_ns,
	.mmap_flags = linux_mmap_flags,
	.write_force = linux_write_force,
	.page_info = linux_page_info,
	.prctl_get_merge_any = linux_prctl_get,
	.mm_exec = linux_mm_exec,
	.uffd_wp = linux_uffd_wp,
	.foreign_users = linux_foreign,
};

/* pid of the worker behind address space id (tests, debugging), or -1 */
int ksml_linux_pid(struct ksml_drv *d, int id);

int ksml_linux_pid(struct ksml_drv *d, int id)
{
	struct linux_priv *lp = d->ops == &ksml_backend_linux ? d->priv : NULL;

	if (!lp || id < 0 || id >= lp->nr || lp->w[id].fd < 0)
		return -1;
	return lp->w[id].pid;
}

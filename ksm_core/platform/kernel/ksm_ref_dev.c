// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * ksm_ref_dev.c - /dev/ksm_ref: the ioctl API of ksm_ref_ioctl.h over the
 * core's memory model and the module's KSM instance.
 *
 * Every argument is checked here before the core sees it: user pointers
 * through copy_{from,to}_user (-EFAULT), mm ids through the file's table,
 * reserved fields, flags, lengths and strings (-EINVAL).  Address-space
 * operations of one file are serialised by its mutex, which also keeps an
 * mm from being exited while another thread of the caller uses it.
 */
#define pr_fmt(fmt) "ksm_ref: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "ksml.h"
#include "ksm_platform_kernel_priv.h"
#include "ksm_ref_ioctl.h"
#include "ksm_ref_priv.h"

/**
 * struct ksm_ref_file - state of one open /dev/ksm_ref
 * @lock: serialises the file's address-space operations
 * @mms: id -> struct ksml_mm *, ids 1..KSM_REF_MAX_MMS
 */
struct ksm_ref_file {
	struct mutex lock;
	struct xarray mms;
};

static int ksm_ref_open(struct inode *inode, struct file *file)
{
	struct ksm_ref_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	xa_init_flags(&f->mms, XA_FLAGS_ALLOC1);
	file->private_data = f;
	return 0;
}

/* closing the file is the exit of every address space it still owns */
static int ksm_ref_release(struct inode *inode, struct file *file)
{
	struct ksm_ref_file *f = file->private_data;
	struct ksml_mm *mm;
	unsigned long id;

	xa_for_each(&f->mms, id, mm) ksml_mm_exit(mm);
	xa_destroy(&f->mms);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

/* the mm of id, or NULL; called with f->lock held */
static struct ksml_mm *ksm_ref_mm(struct ksm_ref_file *f, __u32 id)
{
	if (id == 0 || id > KSM_REF_MAX_MMS)
		return NULL;
	return xa_load(&f->mms, id);
}

static int ksm_ref_add_mm(struct ksm_ref_file *f, struct ksml_mm *mm, __u32 *id)
{
	u32 nid;
	int err;

	err = xa_alloc(&f->mms, &nid, mm, XA_LIMIT(1, KSM_REF_MAX_MMS),
		       GFP_KERNEL);
	if (err) {
		ksml_mm_exit(mm);
		return err == -EBUSY ? -ENOSPC : err;
	}
	*id = nid;
	return 0;
}

/* WRITE / READ in page-sized pieces through a bounce buffer */
static int ksm_ref_rw(struct ksml_mm *mm, struct ksm_ref_rw *rw, bool write)
{
	void __user *ubuf = u64_to_user_ptr(rw->buf);
	u64 done = 0;
	void *kbuf;
	int err = 0;

	if (rw->flags & ~(write ? KSM_REF_RW_FORCE : 0u))
		return -EINVAL;
	if (rw->len > KSM_REF_MAX_RW)
		return -EINVAL;
	if (rw->len == 0)
		return 0;
	if (!access_ok(ubuf, rw->len))
		return -EFAULT;
	kbuf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	while (done < rw->len) {
		size_t n = min_t(u64, rw->len - done, PAGE_SIZE);
		unsigned long addr = rw->addr + done;

		if (write) {
			if (copy_from_user(kbuf, ubuf + done, n)) {
				err = -EFAULT;
				break;
			}
			if (rw->flags & KSM_REF_RW_FORCE)
				err = ksml_vm_write_force(mm, addr, kbuf, n);
			else
				err = ksml_vm_write(mm, addr, kbuf, n);
			if (err)
				break;
		} else {
			err = ksml_vm_read(mm, addr, kbuf, n);
			if (err)
				break;
			if (copy_to_user(ubuf + done, kbuf, n)) {
				err = -EFAULT;
				break;
			}
		}
		done += n;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	kfree(kbuf);
	return err;
}

/*
 * THP: vmem's mode lives in the instance; defrag, which vmem does not
 * model (ksm_ref_ioctl.h), here.  The lock keeps a get from seeing one
 * half of a concurrent set.
 */
static DEFINE_MUTEX(ksm_ref_thp_lock);
static int ksm_ref_thp_defrag = KSM_REF_THP_DEFRAG_MADVISE;

static int ksm_ref_thp(struct ksml *ksm, struct ksm_ref_thp *t)
{
	int ret = 0;

	BUILD_BUG_ON(KSML_THP_NEVER != 0 || KSML_THP_MADVISE != 1 ||
		     KSML_THP_ALWAYS != 2);
	if (t->set > 1 || t->reserved)
		return -EINVAL;
	mutex_lock(&ksm_ref_thp_lock);
	if (t->set) {
		/* both checked before either is set: -EINVAL changes nothing */
		if (t->defrag < 0 || t->defrag > KSM_REF_THP_DEFRAG_MAX)
			ret = -EINVAL;
		else
			ret = ksml_vm_set_thp_mode(ksm, t->mode);
		if (!ret)
			ksm_ref_thp_defrag = t->defrag;
	} else if (t->mode || t->defrag) {
		/* get: they are out fields, in as 0 */
		ret = -EINVAL;
	} else {
		t->mode = ksml_vm_get_thp_mode(ksm);
		t->defrag = ksm_ref_thp_defrag;
	}
	mutex_unlock(&ksm_ref_thp_lock);
	return ret;
}

/* a NUL-terminated string inside a fixed array */
static bool ksm_ref_str_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* the operations that need no address space */
static long ksm_ref_global_ioctl(unsigned int cmd, union ksm_ref_arg *a)
{
	struct ksml *ksm = ksml_ref_ksm;
	long ret = 0;

	switch (cmd) {
	case KSM_REF_IOC_VERSION:
		a->version.abi_version = KSM_REF_ABI_VERSION;
		a->version.page_size = PAGE_SIZE;
		a->version.nr_node_ids = nr_node_ids;
		a->version.nr_knobs = ksml_knob_count();
		break;
	case KSM_REF_IOC_STATS:
	case KSM_REF_IOC_STATS_1_0: {
		struct ksml_counters c;

		/* 1.0's number gets this struct's prefix (copied by size) */
		BUILD_BUG_ON(
			offsetof(struct ksm_ref_counters, page_checksums) !=
			KSM_REF_COUNTERS_SIZE_1_0);
		ksml_get_counters(ksm, &c);
		a->counters = (struct ksm_ref_counters){
			.run = c.run,
			.pages_to_scan = c.pages_to_scan,
			.pages_scanned = c.pages_scanned,
			.pages_shared = c.pages_shared,
			.pages_sharing = c.pages_sharing,
			.pages_unshared = c.pages_unshared,
			.pages_volatile = c.pages_volatile,
			.pages_skipped = c.pages_skipped,
			.full_scans = c.full_scans,
			.stable_node_chains = c.stable_node_chains,
			.stable_node_dups = c.stable_node_dups,
			.ksm_zero_pages = c.ksm_zero_pages,
			.general_profit = c.general_profit,
			.rmap_items = c.rmap_items,
			.page_checksums = c.page_checksums,
			.page_compares = c.page_compares,
			.page_compares_equal = c.page_compares_equal,
		};
		break;
	}
	case KSM_REF_IOC_KNOB_READ:
		if (a->knob.reserved ||
		    !ksm_ref_str_ok(a->knob.name, sizeof(a->knob.name)))
			return -EINVAL;
		memset(a->knob.value, 0, sizeof(a->knob.value));
		ret = ksml_knob_read(ksm, a->knob.name, a->knob.value,
				     sizeof(a->knob.value));
		if (ret < 0)
			return ret;
		a->knob.value[sizeof(a->knob.value) - 1] = '\0';
		a->knob.len = ret;
		ret = 0;
		break;
	case KSM_REF_IOC_KNOB_WRITE:
		if (a->knob.reserved ||
		    !ksm_ref_str_ok(a->knob.name, sizeof(a->knob.name)) ||
		    !ksm_ref_str_ok(a->knob.value, sizeof(a->knob.value)))
			return -EINVAL;
		ret = ksml_knob_write(ksm, a->knob.name, a->knob.value,
				      strlen(a->knob.value));
		if (ret > 0)
			ret = 0;
		break;
	case KSM_REF_IOC_SCAN:
		if (a->scan.nr_pages > KSM_REF_MAX_SCAN || a->scan.nr_scans ||
		    a->scan.max_batches)
			return -EINVAL;
		a->scan.result = ksml_scan_pages(ksm, a->scan.nr_pages);
		break;
	case KSM_REF_IOC_SCAN_FULL: {
		u64 n;

		if (a->scan.nr_pages ||
		    a->scan.nr_scans > KSM_REF_MAX_BATCHES ||
		    a->scan.max_batches > KSM_REF_MAX_BATCHES)
			return -EINVAL;
		/* one full scan at a time, so that a kill ends a long request
		 */
		for (n = 0; n < a->scan.nr_scans && !ret; n++) {
			if (fatal_signal_pending(current))
				return -EINTR;
			ret = ksml_scan_full(ksm, 1,
					     a->scan.max_batches
						     ?: KSM_REF_MAX_BATCHES);
		}
		a->scan.result = n;
		break;
	}
	case KSM_REF_IOC_CHECK:
		memset(&a->check, 0, sizeof(a->check));
		a->check.result = ksml_check_invariants(ksm, a->check.msg,
							sizeof(a->check.msg));
		a->check.msg[sizeof(a->check.msg) - 1] = '\0';
		break;
	case KSM_REF_IOC_PLAT:
		a->plat = (struct ksm_ref_plat){
			.warn_count = ksml_plat_warn_count(),
			.live_allocs = ksml_plat_live_allocs(),
			.live_pages = atomic_long_read(&ksml_kplat.live_pages),
			.injected = atomic_long_read(&ksml_kplat.injected),
			.frames_in_use = ksml_vm_frames_in_use(ksm),
			.migrate_raced = ksml_vm_migrate_raced(ksm),
			.mem_events = atomic_long_read(&ksml_ref_mem_events),
			.mem_offline_events =
				atomic_long_read(&ksml_ref_mem_offline_events),
		};
		break;
	case KSM_REF_IOC_FAIL_NTH:
		if (a->n < 0)
			return -EINVAL;
		ksml_plat_fail_nth(a->n);
		break;
	case KSM_REF_IOC_THP:
		ret = ksm_ref_thp(ksm, &a->thp);
		break;
	default:
		return -ENOTTY;
	}
	return ret;
}

/* the operations on the file's address spaces; f->lock held */
static long ksm_ref_mm_ioctl(struct ksm_ref_file *f, unsigned int cmd,
			     union ksm_ref_arg *a)
{
	struct ksml_mm *mm, *child;
	unsigned long out;
	long ret;

	switch (cmd) {
	case KSM_REF_IOC_MM_CREATE:
		ret = ksml_mm_create(ksml_ref_ksm, &mm);
		if (ret)
			return ret;
		a->mm.child = 0;
		return ksm_ref_add_mm(f, mm, &a->mm.mm);
	case KSM_REF_IOC_MM_EXIT:
		if (a->mm.child)
			return -EINVAL;
		mm = ksm_ref_mm(f, a->mm.mm);
		if (!mm)
			return -EINVAL;
		xa_erase(&f->mms, a->mm.mm);
		ksml_mm_exit(mm);
		return 0;
	case KSM_REF_IOC_MM_FORK:
		if (a->mm.child)
			return -EINVAL;
		mm = ksm_ref_mm(f, a->mm.mm);
		if (!mm)
			return -EINVAL;
		ret = ksml_mm_fork(mm, &child);
		if (ret)
			return ret;
		return ksm_ref_add_mm(f, child, &a->mm.child);
	}

	/* the rest name an existing mm in their first field */
	mm = ksm_ref_mm(f, *(__u32 *)a);
	if (!mm)
		return -EINVAL;

	switch (cmd) {
	case KSM_REF_IOC_MMAP:
		if (a->map.out_addr)
			return -EINVAL;
		ret = ksml_vm_mmap(mm, a->map.addr, a->map.len, a->map.flags,
				   &out);
		a->map.out_addr = ret ? 0 : out;
		return ret;
	case KSM_REF_IOC_MUNMAP:
		if (a->map.flags || a->map.out_addr)
			return -EINVAL;
		return ksml_vm_munmap(mm, a->map.addr, a->map.len);
	case KSM_REF_IOC_MREMAP:
		if (a->mremap.reserved)
			return -EINVAL;
		return ksml_vm_mremap(mm, a->mremap.old_addr, a->mremap.old_len,
				      a->mremap.new_len, a->mremap.new_addr);
	case KSM_REF_IOC_WRITE:
		return ksm_ref_rw(mm, &a->rw, true);
	case KSM_REF_IOC_READ:
		return ksm_ref_rw(mm, &a->rw, false);
	case KSM_REF_IOC_MADVISE:
		return ksml_vm_madvise(mm, a->madvise.addr, a->madvise.len,
				       a->madvise.advice);
	case KSM_REF_IOC_PRCTL:
		if (a->prctl.set > 1)
			return -EINVAL;
		if (a->prctl.set) {
			ret = ksml_vm_prctl_set_memory_merge(mm, a->prctl.arg);
			a->prctl.result = ret;
			return ret;
		}
		if (a->prctl.arg)
			return -EINVAL;
		ret = ksml_vm_prctl_get_memory_merge(mm);
		a->prctl.result = ret;
		return ret < 0 ? ret : 0;
	case KSM_REF_IOC_PIN:
		if (a->page.nid)
			return -EINVAL;
		return ksml_vm_pin(mm, a->page.addr);
	case KSM_REF_IOC_UNPIN:
		if (a->page.nid)
			return -EINVAL;
		return ksml_vm_unpin(mm, a->page.addr);
	case KSM_REF_IOC_MIGRATE:
		if (a->page.nid < 0 || a->page.nid >= nr_node_ids)
			return -EINVAL;
		return ksml_vm_migrate(mm, a->page.addr, a->page.nid);
	case KSM_REF_IOC_PAGE_INFO: {
		struct ksml_page_info pi;

		if (a->page_info.reserved)
			return -EINVAL;
		memset(&pi, 0, sizeof(pi));
		ret = ksml_vm_page_info(mm, a->page_info.addr, &pi);
		if (ret)
			return ret;
		a->page_info.flags = (pi.present ? KSM_REF_PI_PRESENT : 0) |
				     (pi.zero ? KSM_REF_PI_ZERO : 0) |
				     (pi.ksm_zero ? KSM_REF_PI_KSM_ZERO : 0) |
				     (pi.ksm ? KSM_REF_PI_KSM : 0) |
				     (pi.writable ? KSM_REF_PI_WRITABLE : 0);
		a->page_info.nid = pi.nid;
		a->page_info.pfn = pi.pfn;
		a->page_info.mapcount = pi.mapcount;
		return 0;
	}
	case KSM_REF_IOC_MM_STAT:
	case KSM_REF_IOC_MM_STAT_1_1: {
		struct ksml_mm_stat st;

		/* 1.1's number gets this struct's prefix (copied by size) */
		BUILD_BUG_ON(offsetof(struct ksm_ref_mm_stat, anon_huge_kb) !=
			     KSM_REF_MM_STAT_SIZE_1_1);
		if (a->mm_stat.reserved)
			return -EINVAL;
		memset(&st, 0, sizeof(st));
		ret = ksml_mm_get_stat(mm, &st);
		if (ret)
			return ret;
		a->mm_stat.ksm_rmap_items = st.ksm_rmap_items;
		a->mm_stat.ksm_zero_pages = st.ksm_zero_pages;
		a->mm_stat.ksm_merging_pages = st.ksm_merging_pages;
		a->mm_stat.ksm_process_profit = st.ksm_process_profit;
		a->mm_stat.ksm_merge_any = st.ksm_merge_any;
		a->mm_stat.ksm_mergeable = st.ksm_mergeable;
		a->mm_stat.anon_huge_kb = st.anon_huge_kb;
		return 0;
	}
	}
	return -ENOTTY;
}

static bool ksm_ref_is_mm_cmd(unsigned int cmd)
{
	switch (cmd) {
	case KSM_REF_IOC_MM_CREATE:
	case KSM_REF_IOC_MM_EXIT:
	case KSM_REF_IOC_MM_FORK:
	case KSM_REF_IOC_MMAP:
	case KSM_REF_IOC_MUNMAP:
	case KSM_REF_IOC_MREMAP:
	case KSM_REF_IOC_WRITE:
	case KSM_REF_IOC_READ:
	case KSM_REF_IOC_MADVISE:
	case KSM_REF_IOC_PRCTL:
	case KSM_REF_IOC_PIN:
	case KSM_REF_IOC_UNPIN:
	case KSM_REF_IOC_MIGRATE:
	case KSM_REF_IOC_PAGE_INFO:
	case KSM_REF_IOC_MM_STAT:
	case KSM_REF_IOC_MM_STAT_1_1:
		return true;
	}
	return false;
}

static bool ksm_ref_is_global_cmd(unsigned int cmd)
{
	switch (cmd) {
	case KSM_REF_IOC_VERSION:
	case KSM_REF_IOC_STATS:
	case KSM_REF_IOC_STATS_1_0:
	case KSM_REF_IOC_KNOB_READ:
	case KSM_REF_IOC_KNOB_WRITE:
	case KSM_REF_IOC_SCAN:
	case KSM_REF_IOC_SCAN_FULL:
	case KSM_REF_IOC_CHECK:
	case KSM_REF_IOC_PLAT:
	case KSM_REF_IOC_FAIL_NTH:
	case KSM_REF_IOC_THP:
		return true;
	}
	return false;
}

static long ksm_ref_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct ksm_ref_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	unsigned int size = _IOC_SIZE(cmd);
	union ksm_ref_arg a;
	long ret;

	/* every known number encodes its exact struct size */
	if (!ksm_ref_is_mm_cmd(cmd) && !ksm_ref_is_global_cmd(cmd))
		return -ENOTTY;
	if (WARN_ON_ONCE(size > sizeof(a)))
		return -ENOTTY;
	memset(&a, 0, sizeof(a));
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(&a, uarg, size))
		return -EFAULT;

	if (ksm_ref_is_mm_cmd(cmd)) {
		mutex_lock(&f->lock);
		ret = ksm_ref_mm_ioctl(f, cmd, &a);
		mutex_unlock(&f->lock);
	} else {
		ret = ksm_ref_global_ioctl(cmd, &a);
	}

	/* results go back even with an error (prctl's result, check's msg) */
	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, &a, size))
		return ret ? ret : -EFAULT;
	return ret;
}

static const struct file_operations ksm_ref_fops = {
	.owner = THIS_MODULE,
	.open = ksm_ref_open,
	.release = ksm_ref_release,
	.unlocked_ioctl = ksm_ref_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice ksm_ref_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ksm_ref",
	.fops = &ksm_ref_fops,
	.mode = 0600,
};

int ksml_ref_dev_init(void)
{
	if (ksml_plat_should_fail())
		return -ENOMEM;
	return misc_register(&ksm_ref_misc);
}

void ksml_ref_dev_exit(void)
{
	misc_deregister(&ksm_ref_misc);
}

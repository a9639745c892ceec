/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * live.h - safe use of the host's KSM (/sys/kernel/mm/ksm), which every
 * user of this machine shares: an exclusive flock for the whole time
 * knobs are changed, every writable knob saved first and restored after
 * (also on error and on SIGINT/SIGTERM/SIGHUP), `run` left as found.  The
 * saved values are also written to a state file while held, so a run
 * killed with SIGKILL is repaired by the next user of the lock.
 */
#ifndef KSML_LIVE_H
#define KSML_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define KSML_LIVE_LOCK "/run/lock/ksmlab-live-ksm.lock"
#define KSML_LIVE_STATE "/run/lock/ksmlab-live-ksm.saved"
#define KSML_LIVE_NR_KNOBS 18
/*
 * Knob names starting with this are files of the THP directory
 * (/sys/kernel/mm/transparent_hugepage, KSMLAB_THP_SYSFS overrides it):
 * "thp/enabled", "thp/khugepaged/pages_to_scan".  They are saved and
 * restored with the KSM knobs, under the same lock and guard.
 */
#define KSML_LIVE_THP "thp/"

struct ksml_live_saved {
	int nr;
	char name[KSML_LIVE_NR_KNOBS][64];
	char value[KSML_LIVE_NR_KNOBS][64];
};

/* set by the signal handlers; long loops poll it and unwind */
extern volatile sig_atomic_t ksml_live_interrupted;

/* sysfs directory (KSMLAB_KSM_SYSFS overrides it, for tests) */
const char *ksml_live_dir(void);
/*
 * the THP directory: KSMLAB_THP_SYSFS, else beside a KSMLAB_KSM_SYSFS
 * directory (DIR/../transparent_hugepage), else the host's
 */
const char *ksml_live_thp_dir(void);
/* 0 if root and KSM exist, else -errno and a sentence in err */
int ksml_live_check(char *err, size_t errsz);
/*
 * take the lock (waits up to timeout_s, or $KSMLAB_LOCK_TIMEOUT seconds,
 * printing that it waits)
 */
int ksml_live_lock(int timeout_s, char *err, size_t errsz);
void ksml_live_unlock(void);
/* writable knob names in restore order (KSM's, then THP's, run last) */
int ksml_live_knob_count(void);
const char *ksml_live_knob_name(int i);
/* the knob's value, as ksml_sysfs_value leaves it; length or -errno */
int ksml_live_read(const char *name, char *buf, size_t size);
/*
 * A sysfs file's text as a knob's value, in place: no trailing newline
 * or blank, and of a choice the active one (advisor_mode reads
 * "[none] scan-time", THP's enabled "always [madvise] never").  For
 * every backend's knob_read: ref and kmod show the kernel's text too.
 */
void ksml_sysfs_value(char *buf);
/* returns -errno of the write(2) on the sysfs file */
int ksml_live_write(const char *name, const char *val);
unsigned long ksml_live_read_ul(const char *name);
/* save all writable knobs (and the state file); install signal handlers */
int ksml_live_save(struct ksml_live_saved *s, char *err, size_t errsz);
/* restore everything saved, run last; returns 0 or first error */
int ksml_live_restore(const struct ksml_live_saved *s, char *err,
		      size_t errsz);
/* pid of ksmd or -1; its CPU time in ns */
int ksml_live_ksmd_pid(void);
unsigned long long ksml_live_ksmd_cpu_ns(void);

#endif /* KSML_LIVE_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_ref_priv.h - what the files of ksm_ref.ko share: the module's one
 * KSM instance and the init/exit steps of each part.
 */
#ifndef KSM_REF_PRIV_H
#define KSM_REF_PRIV_H

#include <linux/atomic.h>

#include "ksml.h"

/* the module's instance (what mm/ksm.c keeps in globals) */
extern struct ksml *ksml_ref_ksm;

/* memory notifier calls seen (all), and the three KSM acts on */
extern atomic_long_t ksml_ref_mem_events;
extern atomic_long_t ksml_ref_mem_offline_events;

/* /dev/ksm_ref (ksm_ref_dev.c) */
int ksml_ref_dev_init(void);
void ksml_ref_dev_exit(void);

#endif

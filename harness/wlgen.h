/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* wlgen.h - random, valid, deterministic workloads (`ksmlab gen`) */
#ifndef KSML_WLGEN_H
#define KSML_WLGEN_H

#include <stdio.h>

int ksml_wl_generate(unsigned long seed, FILE *f);

#endif /* KSML_WLGEN_H */

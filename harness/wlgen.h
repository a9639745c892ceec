/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* wlgen.h - random, valid, deterministic workloads (`ksmlab gen`) */
#ifndef KSML_WLGEN_H
#define KSML_WLGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int ksml_wl_generate(unsigned long seed, FILE *f);
/* the same generator, its choices taken from a fuzzer's bytes first */
int ksml_wl_generate_bytes(const uint8_t *data, size_t size, FILE *f);

#endif /* KSML_WLGEN_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* capture.h - write a workload with the equality structure of a process */
#ifndef KSML_CAPTURE_H
#define KSML_CAPTURE_H

#include <stddef.h>
#include <stdio.h>

int ksml_capture(int pid, FILE *out, char *err, size_t errsz);

#endif /* KSML_CAPTURE_H */

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * test_check.h - the check of the harness's plain-C test programs
 * (test_workload, test_driver, test_oracle): each failed check prints its
 * place and message and is counted; the program reports run and failed.
 */
#ifndef KSML_TEST_CHECK_H
#define KSML_TEST_CHECK_H

#include <stdio.h>

static int run, failed;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		run++;                                                      \
		if (!(cond)) {                                              \
			failed++;                                           \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
			printf(__VA_ARGS__);                                \
			printf("\n");                                       \
		}                                                           \
	} while (0)

#endif /* KSML_TEST_CHECK_H */

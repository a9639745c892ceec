/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * testprog_dup - a program that allocates duplicate data, for
 * `ksmlab exec` demonstrations: MIB MiB in one mmap (through the mmap
 * symbol, so the preload shim sees it), filled with NDISTINCT different
 * page contents repeated, then it stays alive SECONDS seconds.
 *
 * usage: testprog_dup [MIB [NDISTINCT [SECONDS]]]   (default 32 4 4)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
	unsigned long nd = argc > 2 ? strtoul(argv[2], NULL, 10) : 4;
	unsigned long secs = argc > 3 ? strtoul(argv[3], NULL, 10) : 4;
	size_t len = mib << 20, i;
	unsigned char *p;

	if (!mib || !nd) {
		fprintf(stderr, "testprog_dup: MIB and NDISTINCT must be > 0\n");
		return 2;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("testprog_dup: mmap");
		return 1;
	}
	for (i = 0; i < len / 4096; i++)
		memset(p + i * 4096, (int)(1 + i % nd), 4096);
	printf("testprog_dup: %lu MiB, %zu pages, %lu distinct contents\n", mib,
	       len / 4096, nd);
	fflush(stdout);
	sleep((unsigned int)secs);
	return p[0] == 1 ? 0 : 1;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * stress_memhog - allocate, touch and free MiB mebibytes, so the run that
 * follows starts with cold caches and TLBs and the allocator's free lists
 * stirred (make stress's "cold" condition).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *end;
	unsigned long mib = argc > 1 ? strtoul(argv[1], &end, 10) : 0;
	size_t len;
	char *p;

	if (argc != 2 || *end || mib == 0 || mib > (1ul << 20)) {
		fprintf(stderr, "usage: %s MiB (1..1048576)\n", argv[0]);
		return 2;
	}
	len = (size_t)mib << 20;
	p = malloc(len);
	if (!p) {
		fprintf(stderr, "stress_memhog: cannot allocate %lu MiB\n",
			mib);
		return 1;
	}
	memset(p, 0x5a, len);
	/* read it back so the stores cannot be elided */
	if (p[len / 2] != 0x5a || p[len - 1] != 0x5a)
		return 1;
	free(p);
	return 0;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * capture.c - `ksmlab capture PID`: turn a live process's anonymous memory
 * into a workload that keeps only its equality structure.
 *
 * Private anonymous regions (no backing file, or [heap]/[stack]) are read
 * through /proc/PID/mem, only at pages /proc/PID/pagemap reports present.
 * Each page is hashed (XXH3-128); pages whose hash occurs more than once
 * get a class number (in order of first appearance), all-zero pages the
 * class z, the rest u (unique).  The contents themselves never leave this
 * function: the replay writes hashed stand-ins (workload.c).
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "workload.h"

struct region {
	unsigned long lo, hi;
	char what[64];
};

struct pg {
	XXH128_hash_t h;
	unsigned int region;
	unsigned long idx;
	long cls; /* assigned class */
	bool present, zero;
};

static int cmp_hash(const void *a, const void *b)
{
	const struct pg *x = *(const struct pg *const *)a;
	const struct pg *y = *(const struct pg *const *)b;

	if (x->h.high64 != y->h.high64)
		return x->h.high64 < y->h.high64 ? -1 : 1;
	if (x->h.low64 != y->h.low64)
		return x->h.low64 < y->h.low64 ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void emit_run(FILE *out, long cls, unsigned long n)
{
	char c[32];

	if (cls == KSML_CLS_ZERO)
		snprintf(c, sizeof(c), "z");
	else if (cls == KSML_CLS_UNIQUE)
		snprintf(c, sizeof(c), "u");
	else
		snprintf(c, sizeof(c), "%ld", cls);
	if (n > 1)
		fprintf(out, " %s*%lu", c, n);
	else
		fprintf(out, " %s", c);
}

int ksml_capture(int pid, FILE *out, char *err, size_t errsz)
{
	char path[64], line[512], comm[64] = "?";
	struct region *rg = NULL;
	struct pg *pages = NULL, **sorted = NULL;
	unsigned long nr = 0, cap = 0, np = 0, i, k, nzero = 0, nclasses = 0,
		      ndup = 0, limit = KSML_WL_MAX_TOTAL_PAGES;
	unsigned char buf[4096];
	int memfd = -1, pmfd = -1, ret = 0;
	FILE *maps;
	time_t now = time(NULL);

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	maps = fopen(path, "r");
	if (maps) {
		if (fgets(comm, sizeof(comm), maps))
			comm[strcspn(comm, "\n")] = 0;
		fclose(maps);
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "r");
	if (!maps) {
		snprintf(err, errsz, "capture: cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi, off;
		char perms[8], name[256] = "";
		int n;

		n = sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &lo, &hi,
			   perms, &off, name);
		if (n < 4 || perms[0] != 'r' || perms[3] != 'p')
			continue;
		if (name[0] && strcmp(name, "[heap]") && strcmp(name, "[stack]"))
			continue; /* file-backed or [vdso]/[vvar] */
		if (nr == cap) {
			cap = cap ? cap * 2 : 64;
			rg = realloc(rg, cap * sizeof(*rg));
			if (!rg) {
				fclose(maps);
				return -ENOMEM;
			}
		}
		rg[nr].lo = lo;
		rg[nr].hi = hi;
		snprintf(rg[nr].what, sizeof(rg[nr].what), "%s",
			 name[0] ? name : "anon");
		nr++;
	}
	fclose(maps);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	memfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pmfd = open(path, O_RDONLY | O_CLOEXEC);
	if (memfd < 0 || pmfd < 0) {
		snprintf(err, errsz, "capture: cannot open /proc/%d/mem or pagemap: %s (needs ptrace rights: root or same user)",
			 pid, strerror(errno));
		ret = -EPERM;
		goto out;
	}
	for (i = 0; i < nr; i++)
		np += (rg[i].hi - rg[i].lo) / 4096;
	pages = calloc(np ? np : 1, sizeof(*pages));
	sorted = calloc(np ? np : 1, sizeof(*sorted));
	if (!pages || !sorted) {
		ret = -ENOMEM;
		goto out;
	}
	np = 0;
	for (i = 0; i < nr; i++) {
		unsigned long a;

		for (a = rg[i].lo; a < rg[i].hi; a += 4096) {
			struct pg *p = &pages[np++];
			uint64_t pm = 0;

			p->region = (unsigned int)i;
			p->idx = (a - rg[i].lo) / 4096;
			if (pread(pmfd, &pm, 8, (off_t)(a / 4096 * 8)) != 8 ||
			    !(pm & (3ULL << 62)))
				continue; /* not present, not swapped */
			if (pread(memfd, buf, 4096, (off_t)a) != 4096)
				continue;
			p->present = true;
			p->h = XXH3_128bits(buf, 4096);
			for (k = 0; k < 4096 && !buf[k]; k++)
				;
			p->zero = k == 4096;
		}
	}
	/* classes: equal hashes, numbered in order of first appearance */
	k = 0;
	for (i = 0; i < np; i++)
		if (pages[i].present && !pages[i].zero)
			sorted[k++] = &pages[i];
	qsort(sorted, k, sizeof(*sorted), cmp_hash);
	for (i = 0; i < k;) {
		unsigned long j = i + 1, m;

		while (j < k && sorted[j]->h.high64 == sorted[i]->h.high64 &&
		       sorted[j]->h.low64 == sorted[i]->h.low64)
			j++;
		for (m = i; m < j; m++)
			sorted[m]->cls = j - i > 1 ? -3 : KSML_CLS_UNIQUE;
		i = j;
	}
	for (i = 0; i < np; i++) {
		struct pg *p = &pages[i];

		if (!p->present)
			continue;
		if (p->zero) {
			p->cls = KSML_CLS_ZERO;
			nzero++;
		}
	}
	/* number duplicate classes by first appearance in address order */
	for (i = 0; i < np; i++) {
		struct pg *p = &pages[i];

		if (!p->present || p->cls != -3)
			continue;
		/* find the run of equal hashes and give all the same class */
		{
			unsigned long lo = 0, hi = k, m;
			long cls = (long)++nclasses;

			while (lo < hi) { /* first index with hash >= p->h */
				m = (lo + hi) / 2;
				if (sorted[m]->h.high64 < p->h.high64 ||
				    (sorted[m]->h.high64 == p->h.high64 &&
				     sorted[m]->h.low64 < p->h.low64))
					lo = m + 1;
				else
					hi = m;
			}
			for (m = lo; m < k && sorted[m]->h.high64 == p->h.high64 &&
				     sorted[m]->h.low64 == p->h.low64; m++) {
				sorted[m]->cls = cls;
				ndup++;
			}
		}
	}
	/* the workload */
	fprintf(out, "# captured by ksmlab capture from pid %d (%s) at %s", pid,
		comm, ctime(&now));
	fprintf(out, "# only the equality structure is kept: class N = pages equal to each other,\n"
		     "# z = zero page, u = unique; contents are replaced by hashed stand-ins.\n");
	fprintf(out, "workload capture-%d\n", pid);
	fprintf(out, "description %s pid %d: %lu duplicate pages in %lu classes, %lu zero pages\n",
		comm, pid, ndup, nclasses, nzero);
	fprintf(out, "seed 1\nspace p\n");
	{
		unsigned long total = 0, r;

		for (r = 0, i = 0; r < nr; r++) {
			unsigned long n = (rg[r].hi - rg[r].lo) / 4096, first = i,
				      present = 0, j;

			for (j = first; j < first + n; j++)
				present += pages[j].present;
			i = first + n;
			if (!present)
				continue;
			if (total + n > limit) {
				fprintf(out, "# remaining regions left out: more than %lu pages\n",
					limit);
				break;
			}
			total += n;
			fprintf(out, "# region %lu: %lx-%lx %s, %lu of %lu pages present\n",
				r, rg[r].lo, rg[r].hi, rg[r].what, present, n);
			fprintf(out, "map p r%lu %lu private anon\n", r, n);
			/* one fill line per run of present pages, <= 48 tokens */
			for (j = first; j < first + n;) {
				unsigned long s, tokens = 0, cnt;

				if (!pages[j].present) {
					j++;
					continue;
				}
				s = j;
				cnt = 0;
				while (j < first + n && pages[j].present && tokens < 48) {
					unsigned long e = j;

					while (e < first + n && pages[e].present &&
					       pages[e].cls == pages[j].cls)
						e++;
					tokens++;
					cnt += e - j;
					j = e;
				}
				fprintf(out, "fill p r%lu %lu %lu classes", r,
					s - first, cnt);
				for (k = s; k < s + cnt;) {
					unsigned long e = k;

					while (e < s + cnt && pages[e].cls == pages[k].cls)
						e++;
					emit_run(out, pages[k].cls, e - k);
					k = e;
				}
				fputc('\n', out);
			}
			fprintf(out, "madvise p r%lu mergeable\n", r);
		}
	}
out:
	if (memfd >= 0)
		close(memfd);
	if (pmfd >= 0)
		close(pmfd);
	free(rg);
	free(pages);
	free(sorted);
	return ret;
}

/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * regression_driver.c - a plain main() that replays corpus files (or whole
 * directories, recursively) through LLVMFuzzerTestOneInput, so a gcc or
 * sanitizer build without libFuzzer runs every corpus entry as a test.
 * A failing input crashes (abort, sanitizer report) like under libFuzzer;
 * without -q each file is named on stderr before it runs, and with or
 * without it a replay that dies names the input it died on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long nr_files;
static unsigned long long nr_bytes;
static int quiet;

/*
 * The input being replayed, named when the replay dies on it (abort,
 * a fatal signal, a sanitizer's report, an exit from inside the target),
 * quiet or not: a failure found among thousands of inputs must say which
 * one, or it cannot be replayed.  The line is built before the input
 * runs, so the signal handler only write()s it.
 */
static char culprit[4096];
static size_t culprit_len;
static volatile sig_atomic_t in_input;

static void name_culprit(void)
{
	if (in_input && culprit_len) {
		in_input = 0;
		if (write(2, culprit, culprit_len) < 0)
			return;
	}
}

static void on_fatal_signal(int sig)
{
	name_culprit();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ASan, UBSan and TSan call it before they exit on a report */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void watch_for_death(const char *prog)
{
	static const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(name_culprit);
	atexit(name_culprit);
	snprintf(culprit, sizeof(culprit), "%s", prog);
}

static void arm_culprit(const char *prog, const char *path, long len)
{
	int n = snprintf(culprit, sizeof(culprit),
			 "replay: FAILED on input %s (%ld bytes); replay it "
			 "alone: %s %s\n",
			 path, len, prog, path);

	culprit_len = n > 0 && (size_t)n < sizeof(culprit) ? (size_t)n : 0;
	in_input = 1;
}

static const char *prog_name = "replay";

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f) {
		perror(path);
		return 1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		fclose(f);
		return 1;
	}
	/* a fresh allocation of exactly the size, so ASan sees overreads */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || (len && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	if (!quiet)
		fprintf(stderr, "replay %s (%ld bytes)\n", path, len);
	arm_culprit(prog_name, path, len);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	in_input = 0;
	free(buf);
	nr_files++;
	nr_bytes += (unsigned long long)len;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	d = opendir(path);
	if (!d) {
		perror(path);
		return 1;
	}
	/* sorted, so the replay order (and a failure's position) is stable */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				rc = 1;
				break;
			}
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = 1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		rc |= replay_path(names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int i, rc = 0, first = 1;

	prog_name = argv[0];
	watch_for_death(argv[0]);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		quiet = 1;
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: %s [-q] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = first; i < argc; i++)
		rc |= replay_path(argv[i]);
	printf("replayed %lu inputs (%llu bytes) from %d path(s)%s\n", nr_files,
	       nr_bytes, argc - first, rc ? ", with errors" : "");
	return rc;
}

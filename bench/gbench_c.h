/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * gbench_c.h - a C API over Google Benchmark (1.7.1, Debian's libbenchmark-dev).
 *
 * Benchmarks are plain C functions; the one C++ file (gbench_c.cc) wraps
 * benchmark::State and benchmark::internal::Benchmark behind opaque
 * pointers.  Command-line flags and the JSON output are Google Benchmark's,
 * untouched.
 *
 *	static void bm_sum(struct ksml_gb_state *st, void *arg)
 *	{
 *		size_t n = (size_t)ksml_gb_range(st, 0);
 *		...set up (not timed)...
 *		while (ksml_gb_keep_running(st)) {
 *			uint64_t r = sum(buf, n);
 *			ksml_gb_do_not_optimize(&r);
 *		}
 *		ksml_gb_set_bytes_processed(st, ksml_gb_iterations(st) * n);
 *	}
 *
 *	int main(int argc, char **argv)
 *	{
 *		struct ksml_gb_bench *b = ksml_gb_register("BM_sum", bm_sum, NULL);
 *		ksml_gb_bench_range(b, 4096, 1 << 20);
 *		return ksml_gb_main(argc, argv);
 *	}
 *
 * Registration functions return their bench argument so calls can nest;
 * they never fail (Google Benchmark aborts on misuse, e.g. lo > hi).
 */
#ifndef KSML_GBENCH_C_H
#define KSML_GBENCH_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ksml_gb_state;	/* a benchmark::State, valid during one run */
struct ksml_gb_bench;	/* a registered benchmark (benchmark::internal::Benchmark) */

typedef void (*ksml_gb_fn)(struct ksml_gb_state *st, void *arg);

/* time units of the report */
enum ksml_gb_unit { KSML_GB_NS, KSML_GB_US, KSML_GB_MS, KSML_GB_S };

/* counter flags: the values of benchmark::Counter::Flags */
#define KSML_GB_COUNTER_DEFAULT 0u
#define KSML_GB_COUNTER_RATE (1u << 0)		/* divided by the run's time */
#define KSML_GB_COUNTER_AVG_THREADS (1u << 1)
#define KSML_GB_COUNTER_ITER_INVARIANT (1u << 2) /* multiplied by iterations */
#define KSML_GB_COUNTER_AVG_ITERATIONS (1u << 3) /* divided by iterations */
#define KSML_GB_COUNTER_INVERT (1u << 31)	/* 1/x (with RATE: s per item) */

/* -------------------------------------------------------------- registration */
/* register fn under name (copied); arg is passed to every run of fn */
struct ksml_gb_bench *ksml_gb_register(const char *name, ksml_gb_fn fn, void *arg);
/* ->Arg(x): one more run with range(0) = x */
struct ksml_gb_bench *ksml_gb_bench_arg(struct ksml_gb_bench *b, int64_t x);
/* ->Args({...}): one more run with range(i) = args[i] */
struct ksml_gb_bench *ksml_gb_bench_args(struct ksml_gb_bench *b,
					 const int64_t *args, int n);
/* ->Range(lo, hi): lo, powers of the range multiplier (default 8), hi */
struct ksml_gb_bench *ksml_gb_bench_range(struct ksml_gb_bench *b, int64_t lo,
					  int64_t hi);
/* ->RangeMultiplier(m); call before ksml_gb_bench_range */
struct ksml_gb_bench *ksml_gb_bench_range_multiplier(struct ksml_gb_bench *b,
						     int m);
/* ->DenseRange(lo, hi, step) */
struct ksml_gb_bench *ksml_gb_bench_dense_range(struct ksml_gb_bench *b,
						int64_t lo, int64_t hi, int step);
/* ->Ranges({{lo[0],hi[0]},...}): the cartesian product of n ranges */
struct ksml_gb_bench *ksml_gb_bench_ranges(struct ksml_gb_bench *b,
					   const int64_t *lo, const int64_t *hi,
					   int n);
/* ->ArgName(s) / ->ArgNames({...}): names in the benchmark's name */
struct ksml_gb_bench *ksml_gb_bench_arg_name(struct ksml_gb_bench *b,
					     const char *name);
struct ksml_gb_bench *ksml_gb_bench_arg_names(struct ksml_gb_bench *b,
					      const char *const *names, int n);
struct ksml_gb_bench *ksml_gb_bench_unit(struct ksml_gb_bench *b,
					 enum ksml_gb_unit unit);
/* fixed iteration count (->Iterations) and minimum time (->MinTime, s) */
struct ksml_gb_bench *ksml_gb_bench_iterations(struct ksml_gb_bench *b,
					       int64_t n);
struct ksml_gb_bench *ksml_gb_bench_min_time(struct ksml_gb_bench *b, double s);
struct ksml_gb_bench *ksml_gb_bench_repetitions(struct ksml_gb_bench *b, int n);
/* ->UseRealTime(), ->UseManualTime(), ->MeasureProcessCPUTime() */
struct ksml_gb_bench *ksml_gb_bench_use_real_time(struct ksml_gb_bench *b);
struct ksml_gb_bench *ksml_gb_bench_use_manual_time(struct ksml_gb_bench *b);
struct ksml_gb_bench *ksml_gb_bench_process_cpu_time(struct ksml_gb_bench *b);

/* --------------------------------------------------------------- in a run */
/* the timed loop: true while another iteration must run */
bool ksml_gb_keep_running(struct ksml_gb_state *st);
/* KeepRunningBatch(n): the body does n iterations per call */
bool ksml_gb_keep_running_batch(struct ksml_gb_state *st, int64_t n);
/* stop/restart the timer inside the loop (costly: ~1 us; not per page) */
void ksml_gb_pause_timing(struct ksml_gb_state *st);
void ksml_gb_resume_timing(struct ksml_gb_state *st);
/* range(i): the i-th argument of this run */
int64_t ksml_gb_range(const struct ksml_gb_state *st, int i);
/* iterations run so far (after the loop: all of them) */
int64_t ksml_gb_iterations(const struct ksml_gb_state *st);
void ksml_gb_set_items_processed(struct ksml_gb_state *st, int64_t items);
void ksml_gb_set_bytes_processed(struct ksml_gb_state *st, int64_t bytes);
/* named counter (name copied); flags KSML_GB_COUNTER_* */
void ksml_gb_counter(struct ksml_gb_state *st, const char *name, double value,
		     unsigned int flags);
/* manual time of this iteration (with ksml_gb_bench_use_manual_time) */
void ksml_gb_set_iteration_time(struct ksml_gb_state *st, double seconds);
void ksml_gb_set_label(struct ksml_gb_state *st, const char *label);
/*
 * Skip with an error: reported in the console and JSON ("error_occurred",
 * "error_message"); the loop then ends (keep_running returns false).
 * Printf-like.
 */
void ksml_gb_skip_with_error(struct ksml_gb_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool ksml_gb_error_occurred(const struct ksml_gb_state *st);
int ksml_gb_thread_index(const struct ksml_gb_state *st);
int ksml_gb_threads(const struct ksml_gb_state *st);

/* keep a value (or what p points to) alive against the optimiser */
static inline void ksml_gb_do_not_optimize(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}
static inline void ksml_gb_clobber_memory(void)
{
	__asm__ volatile("" : : : "memory");
}

/* ------------------------------------------------------------------ main */
/* a key/value pair in the JSON "context" block (AddCustomContext) */
void ksml_gb_add_context(const char *key, const char *value);
/*
 * Initialize(&argc, argv): consumes Google Benchmark's flags, leaving the
 * others in argv.  Returns 0.
 */
int ksml_gb_init(int *argc, char **argv);
/* the flags left in argv after ksml_gb_init are errors: returns 1 if any */
int ksml_gb_report_unrecognized(int argc, char **argv);
/* RunSpecifiedBenchmarks(): returns the number of benchmarks run */
size_t ksml_gb_run(void);
void ksml_gb_shutdown(void);
/* init, refuse unknown flags, run, shutdown: returns main's exit code */
int ksml_gb_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* KSML_GBENCH_C_H */

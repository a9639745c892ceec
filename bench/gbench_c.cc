// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * gbench_c.cc - the C API of gbench_c.h over Google Benchmark 1.7.1.
 * The only C++ file of ksmlab: every function is a thin cast and call.
 */
#include "gbench_c.h"

#include <benchmark/benchmark.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

namespace {

inline benchmark::State *S(struct ksml_gb_state *st)
{
	return reinterpret_cast<benchmark::State *>(st);
}

inline const benchmark::State *S(const struct ksml_gb_state *st)
{
	return reinterpret_cast<const benchmark::State *>(st);
}

inline benchmark::internal::Benchmark *B(struct ksml_gb_bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

inline struct ksml_gb_bench *C(benchmark::internal::Benchmark *b)
{
	return reinterpret_cast<struct ksml_gb_bench *>(b);
}

} // namespace

extern "C" {

struct ksml_gb_bench *ksml_gb_register(const char *name, ksml_gb_fn fn, void *arg)
{
	return C(benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &st) {
		fn(reinterpret_cast<struct ksml_gb_state *>(&st), arg);
	}));
}

struct ksml_gb_bench *ksml_gb_bench_arg(struct ksml_gb_bench *b, int64_t x)
{
	B(b)->Arg(x);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_args(struct ksml_gb_bench *b,
					 const int64_t *args, int n)
{
	B(b)->Args(std::vector<int64_t>(args, args + n));
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_range(struct ksml_gb_bench *b, int64_t lo,
					  int64_t hi)
{
	B(b)->Range(lo, hi);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_range_multiplier(struct ksml_gb_bench *b, int m)
{
	B(b)->RangeMultiplier(m);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_dense_range(struct ksml_gb_bench *b,
						int64_t lo, int64_t hi, int step)
{
	B(b)->DenseRange(lo, hi, step);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_ranges(struct ksml_gb_bench *b,
					   const int64_t *lo, const int64_t *hi,
					   int n)
{
	std::vector<std::pair<int64_t, int64_t>> r;

	for (int i = 0; i < n; i++)
		r.emplace_back(lo[i], hi[i]);
	B(b)->Ranges(r);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_arg_name(struct ksml_gb_bench *b,
					     const char *name)
{
	B(b)->ArgName(name);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_arg_names(struct ksml_gb_bench *b,
					      const char *const *names, int n)
{
	B(b)->ArgNames(std::vector<std::string>(names, names + n));
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_unit(struct ksml_gb_bench *b,
					 enum ksml_gb_unit unit)
{
	static const benchmark::TimeUnit map[] = {
		benchmark::kNanosecond, benchmark::kMicrosecond,
		benchmark::kMillisecond, benchmark::kSecond,
	};
	B(b)->Unit(map[unit]);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_iterations(struct ksml_gb_bench *b, int64_t n)
{
	B(b)->Iterations(n);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_min_time(struct ksml_gb_bench *b, double s)
{
	B(b)->MinTime(s);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_repetitions(struct ksml_gb_bench *b, int n)
{
	B(b)->Repetitions(n);
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_use_real_time(struct ksml_gb_bench *b)
{
	B(b)->UseRealTime();
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_use_manual_time(struct ksml_gb_bench *b)
{
	B(b)->UseManualTime();
	return b;
}

struct ksml_gb_bench *ksml_gb_bench_process_cpu_time(struct ksml_gb_bench *b)
{
	B(b)->MeasureProcessCPUTime();
	return b;
}

bool ksml_gb_keep_running(struct ksml_gb_state *st)
{
	return S(st)->KeepRunning();
}

bool ksml_gb_keep_running_batch(struct ksml_gb_state *st, int64_t n)
{
	return S(st)->KeepRunningBatch(n);
}

void ksml_gb_pause_timing(struct ksml_gb_state *st)
{
	S(st)->PauseTiming();
}

void ksml_gb_resume_timing(struct ksml_gb_state *st)
{
	S(st)->ResumeTiming();
}

int64_t ksml_gb_range(const struct ksml_gb_state *st, int i)
{
	return S(st)->range(static_cast<size_t>(i));
}

int64_t ksml_gb_iterations(const struct ksml_gb_state *st)
{
	return S(st)->iterations();
}

void ksml_gb_set_items_processed(struct ksml_gb_state *st, int64_t items)
{
	S(st)->SetItemsProcessed(items);
}

void ksml_gb_set_bytes_processed(struct ksml_gb_state *st, int64_t bytes)
{
	S(st)->SetBytesProcessed(bytes);
}

void ksml_gb_counter(struct ksml_gb_state *st, const char *name, double value,
		     unsigned int flags)
{
	S(st)->counters[name] = benchmark::Counter(
		value, static_cast<benchmark::Counter::Flags>(flags));
}

void ksml_gb_set_iteration_time(struct ksml_gb_state *st, double seconds)
{
	S(st)->SetIterationTime(seconds);
}

void ksml_gb_set_label(struct ksml_gb_state *st, const char *label)
{
	S(st)->SetLabel(label);
}

void ksml_gb_skip_with_error(struct ksml_gb_state *st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	S(st)->SkipWithError(msg);
}

bool ksml_gb_error_occurred(const struct ksml_gb_state *st)
{
	return S(st)->error_occurred();
}

int ksml_gb_thread_index(const struct ksml_gb_state *st)
{
	return S(st)->thread_index();
}

int ksml_gb_threads(const struct ksml_gb_state *st)
{
	return S(st)->threads();
}

void ksml_gb_add_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

int ksml_gb_init(int *argc, char **argv)
{
	benchmark::Initialize(argc, argv);
	return 0;
}

int ksml_gb_report_unrecognized(int argc, char **argv)
{
	return benchmark::ReportUnrecognizedArguments(argc, argv) ? 1 : 0;
}

size_t ksml_gb_run(void)
{
	return benchmark::RunSpecifiedBenchmarks();
}

void ksml_gb_shutdown(void)
{
	benchmark::Shutdown();
}

int ksml_gb_main(int argc, char **argv)
{
	ksml_gb_init(&argc, argv);
	if (ksml_gb_report_unrecognized(argc, argv))
		return 1;
	ksml_gb_run();
	ksml_gb_shutdown();
	return 0;
}

} // extern "C"

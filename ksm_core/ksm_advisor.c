/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * ksm_advisor.c - the scan-time advisor: after each pass, scale
 * pages_to_scan so a pass takes advisor_target_scan_time seconds, within
 * the CPU budget advisor_max_cpu.  Integer arithmetic only, as the
 * kernel's (no floating point in the core).
 */
#include "ksm_internal.h"

#define EWMA_WEIGHT 30
#define KSM_ADVISOR_MIN_CPU 10

void ksml_advisor_start_scan(struct ksml *ksm)
{
	if (ksm->ksm_advisor)
		ksm->advisor_ctx.start_scan = ksml_now_ns(ksm);
}

static uint64_t ksmd_cpu_time(struct ksml *ksm)
{
	return ksm->ops->thread_cpu_ns(ksm->ops->ctx) -
	       KSML_READ_ONCE(ksm->ksmd_cpu_base);
}

static void scan_time_advisor(struct ksml *ksm)
{
	struct advisor_ctx *ctx = &ksm->advisor_ctx;
	unsigned long scan_time, diff_ms, cpu_percent, last_scan_time;
	unsigned long factor, change, pages, cpu_per_page;
	uint64_t cpu_time = ksmd_cpu_time(ksm);

	/* the knobs are written without the mutex: read each once */
	unsigned long target = KSML_READ_ONCE(ksm->ksm_advisor_target_scan_time);
	unsigned long max_cpu = KSML_READ_ONCE(ksm->ksm_advisor_max_cpu);
	unsigned long max_pages = KSML_READ_ONCE(ksm->ksm_advisor_max_pages_to_scan);
	unsigned int pages_to_scan = KSML_READ_ONCE(ksm->ksm_thread_pages_to_scan);

	scan_time = (unsigned long)((ksml_now_ns(ksm) - ctx->start_scan) /
				    1000000ull) / 1000;
	if (!scan_time)
		scan_time = 1;
	/* on the first run ctx->cpu_time is 0: the thread's whole lifetime */
	diff_ms = (unsigned long)((cpu_time - ctx->cpu_time) / 1000000ull);
	cpu_percent = diff_ms * 100 / (scan_time * 1000);
	if (!cpu_percent)
		cpu_percent = 1;

	last_scan_time = ctx->scan_time ? ctx->scan_time : scan_time;
	factor = target * 100 / scan_time;
	if (!factor)
		factor = 1;
	change = scan_time * 100 / last_scan_time;
	if (!change)
		change = 1;
	change = (EWMA_WEIGHT * change + (100 - EWMA_WEIGHT) * ctx->change) / 100;

	/* an unsigned int product, as the kernel's (it wraps above ~42M pages) */
	pages = pages_to_scan * 100u / factor;
	pages = pages * change / 100;

	/* "pages per CPU percent": keep CPU use within bounds */
	cpu_per_page = pages_to_scan / cpu_percent;
	if (!cpu_per_page)
		cpu_per_page = 1;
	if (pages > cpu_per_page * max_cpu)
		pages = cpu_per_page * max_cpu;
	if (pages < cpu_per_page * KSM_ADVISOR_MIN_CPU)
		pages = cpu_per_page * KSM_ADVISOR_MIN_CPU;
	if (pages > max_pages)
		pages = max_pages;

	ctx->change = change;
	ctx->scan_time = scan_time;
	ctx->cpu_time = cpu_time;
	KSML_WRITE_ONCE(ksm->ksm_thread_pages_to_scan, (unsigned int)pages);
	ksml_plat_log(KSML_LOG_DEBUG,
		      "advisor: scan_time %lu s, pages_to_scan %lu, cpu %lu%%",
		      scan_time, pages, cpu_percent);
}

void ksml_advisor_stop_scan(struct ksml *ksm)
{
	if (ksm->ksm_advisor)
		scan_time_advisor(ksm);
}

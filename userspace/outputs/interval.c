// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The -i table. Columns, units in the header:
 *
 *   elapsed_s    seconds since the trace began
 *   allocs/s     heap objects allocated a second (MemStats.Mallocs' rate)
 *   alloc_MiB/s  heap bytes allocated a second (MemStats.TotalAlloc's rate)
 *   gc/min       GC cycles completed, per minute (MemStats.NumGC's rate)
 *   gc_cpu       MemStats.GCCPUFraction: the GC's share of the CPU time
 *                available since the program started (as the runtime
 *                computes it at each cycle's end)
 *   live_MiB     heap marked live by the last cycle (gcController.heapMarked,
 *                runtime/metrics /gc/heap/live:bytes)
 *   goal_MiB     the heap goal (MemStats.NextGC)
 *   goal/live    their ratio: 1 + GOGC/100 unless a memory limit is near
 *   growths/s    goroutine stack growths a second (the tracer's)
 *   lost         events the tracer lost in the interval
 *   flags        health signs, as words, "-" when none:
 *     gc-cpu-high                   gc_cpu > 0.3
 *     gc-frequent-heap-not-falling  more than 5 cycles a minute and the live
 *                                   heap no lower than at the previous row:
 *                                   the GC runs often and frees nothing
 *     heap-near-goal                live >= 90% of the goal (goal/live <=
 *                                   1.11): the next cycle is never far off,
 *                                   a memory limit (GOMEMLIMIT) close to the
 *                                   live heap or a tiny GOGC. 90%: GOGC=100
 *                                   keeps live at 50% of the goal, and
 *                                   GOGC=11 or above stays below 90%.
 *
 * The live heap is the marked heap, not the heap in use now: heapLive
 * climbs towards the goal between cycles in every program, which would make
 * "near the goal" a matter of when the row is taken.
 */
#include <stdio.h>

#include "outputs/interval.h"

#define MIB (1024.0 * 1024.0)

void interval_row_compute(const struct live_sample *prev, const struct live_sample *cur,
			  uint64_t start_ns, struct interval_row *row)
{
	double dt = cur->mono_ns > prev->mono_ns ? (cur->mono_ns - prev->mono_ns) / 1e9 : 0;
	const struct runtime_state *a = &prev->rt, *b = &cur->rt;
	bool both = !prev->runtime_err && !cur->runtime_err;

	*row = (struct interval_row){ 0 };
	row->elapsed_s = cur->mono_ns > start_ns ? (cur->mono_ns - start_ns) / 1e9 : 0;
	if (dt <= 0)
		return;
	if (both && a->have_memstats && b->have_memstats) {
		row->have_allocs = true;
		row->alloc_objects_per_s = (double)(b->allocs.mallocs - a->allocs.mallocs) / dt;
		row->have_alloc_bytes = a->allocs.have_bytes && b->allocs.have_bytes;
		if (row->have_alloc_bytes)
			row->alloc_bytes_per_s =
				(double)(b->allocs.total_alloc - a->allocs.total_alloc) / dt;
		row->have_gc = true;
		row->gc_per_min = (double)(uint32_t)(b->numgc - a->numgc) / dt * 60.0;
		row->gc_cpu_fraction = b->gc_cpu_fraction;
		if (row->gc_cpu_fraction > INTERVAL_GC_CPU_HIGH)
			row->flags |= INTERVAL_FLAG_GC_CPU;
	}
	if (!cur->runtime_err && b->have_gc_controller) {
		row->have_live = true;
		row->heap_live = b->heap_marked;
	}
	if (!cur->runtime_err && b->have_heap_goal) {
		row->have_goal = true;
		row->heap_goal = b->heap_goal;
	}
	if (row->have_gc && row->have_live && !prev->runtime_err && a->have_gc_controller &&
	    row->gc_per_min > INTERVAL_GC_PER_MIN_HIGH && b->heap_marked >= a->heap_marked)
		row->flags |= INTERVAL_FLAG_GC_FREQUENT;
	if (row->have_live && row->have_goal && row->heap_goal &&
	    (double)row->heap_live >= INTERVAL_NEAR_GOAL * (double)row->heap_goal)
		row->flags |= INTERVAL_FLAG_NEAR_GOAL;
	row->growths_per_s = (double)(cur->stack_growths - prev->stack_growths) / dt;
	row->lost = cur->lost_events - prev->lost_events;
}

void interval_print_header(FILE *f)
{
	fprintf(f, "%9s %10s %11s %7s %7s %9s %9s %9s %9s %6s  %s\n", "elapsed_s", "allocs/s",
		"alloc_MiB/s", "gc/min", "gc_cpu", "live_MiB", "goal_MiB", "goal/live",
		"growths/s", "lost", "flags");
	fflush(f);
}

/* v printed with decimals digits, or "-" when not known. */
static const char *field(char *buf, size_t len, bool have, int decimals, double v)
{
	if (have)
		snprintf(buf, len, "%.*f", decimals, v);
	else
		snprintf(buf, len, "-");
	return buf;
}

void interval_print_row(FILE *f, const struct interval_row *r)
{
	static const char *const names[] = { "gc-cpu-high", "gc-frequent-heap-not-falling",
					     "heap-near-goal" };
	bool ratio = r->have_live && r->have_goal && r->heap_live;
	char b[7][32];

	fprintf(f, "%9.1f %10s %11s %7s %7s %9s %9s %9s %9.1f %6llu  ", r->elapsed_s,
		field(b[0], sizeof(b[0]), r->have_allocs, 0, r->alloc_objects_per_s),
		field(b[1], sizeof(b[1]), r->have_alloc_bytes, 2, r->alloc_bytes_per_s / MIB),
		field(b[2], sizeof(b[2]), r->have_gc, 1, r->gc_per_min),
		field(b[3], sizeof(b[3]), r->have_gc, 4, r->gc_cpu_fraction),
		field(b[4], sizeof(b[4]), r->have_live, 2, r->heap_live / MIB),
		field(b[5], sizeof(b[5]), r->have_goal, 2, r->heap_goal / MIB),
		field(b[6], sizeof(b[6]), ratio, 3,
		      ratio ? (double)r->heap_goal / r->heap_live : 0),
		r->growths_per_s, (unsigned long long)r->lost);
	if (!r->flags) {
		fputs("-\n", f);
	} else {
		for (unsigned int i = 0, first = 1; i < sizeof(names) / sizeof(names[0]); i++) {
			if (!(r->flags & (1u << i)))
				continue;
			fprintf(f, "%s%s", first ? "" : ",", names[i]);
			first = 0;
		}
		fputc('\n', f);
	}
	fflush(f);
}

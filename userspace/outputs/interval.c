// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The -i table. Columns, units in the header:
 *
 *   elapsed_s    seconds since the trace began
 *   allocs/s     heap objects allocated a second (MemStats.Mallocs' rate)
 *   alloc_MiB/s  heap bytes allocated a second (MemStats.TotalAlloc's rate)
 *   gc/min       GC cycles completed in the interval, per minute
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
 *     gc-frequent-heap-not-falling  more than 5 cycles within the last
 *                                   minute (the trace's first minute: since
 *                                   it began), and the live heap no lower
 *                                   than a minute ago: the GC runs often and
 *                                   frees nothing. Counted over a minute,
 *                                   not the interval: one cycle in a 1 s
 *                                   interval (sysmon forces one every 2
 *                                   minutes) is not a sign
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/interval.h"

#define MIB (1024.0 * 1024.0)

int interval_table_init(struct interval_table *t, const struct live_sample *first,
			uint64_t interval_ns)
{
	memset(t, 0, sizeof(*t));
	/* a minute of rows, the one a minute ago and the new one */
	t->cap = INTERVAL_GC_WINDOW_NS / (interval_ns ? interval_ns : 1) + 3;
	t->points = calloc(t->cap, sizeof(*t->points));
	if (!t->points)
		return -ENOMEM;
	t->start_ns = first->mono_ns;
	t->prev = *first;
	return 0;
}

void interval_table_free(struct interval_table *t)
{
	free(t->points);
	t->points = NULL;
}

static struct interval_point point_of(const struct live_sample *s)
{
	struct interval_point p = { .mono_ns = s->mono_ns };

	p.have = !s->runtime_err && s->rt.have_memstats && s->rt.have_gc_controller;
	if (p.have) {
		p.numgc = s->rt.numgc;
		p.heap_marked = s->rt.heap_marked;
	}
	return p;
}

static void push_point(struct interval_table *t, struct interval_point p)
{
	if (t->len == t->cap) {
		t->head = (t->head + 1) % t->cap;
		t->len--;
	}
	t->points[(t->head + t->len) % t->cap] = p;
	t->len++;
}

/* More than INTERVAL_GC_CYCLES_HIGH cycles since the oldest point of the
 * last minute (the first sample, in a trace's first minute), and the live
 * heap no lower than then. */
static bool gc_frequent(struct interval_table *t, const struct interval_point *now)
{
	/* drop points over a minute old, keeping one at or past the minute */
	while (t->len > 1 &&
	       now->mono_ns - t->points[(t->head + 1) % t->cap].mono_ns >= INTERVAL_GC_WINDOW_NS) {
		t->head = (t->head + 1) % t->cap;
		t->len--;
	}
	for (size_t i = 0; i < t->len; i++) {
		const struct interval_point *p = &t->points[(t->head + i) % t->cap];

		if (!p->have)
			continue;
		return now->have && (uint32_t)(now->numgc - p->numgc) > INTERVAL_GC_CYCLES_HIGH &&
		       now->heap_marked >= p->heap_marked;
	}
	return false;
}

void interval_table_next(struct interval_table *t, const struct live_sample *cur,
			 struct interval_row *row)
{
	const struct live_sample *prev = &t->prev;
	double dt = cur->mono_ns > prev->mono_ns ? (cur->mono_ns - prev->mono_ns) / 1e9 : 0;
	const struct runtime_state *a = &prev->rt, *b = &cur->rt;
	struct interval_point now = point_of(cur);

	*row = (struct interval_row){ 0 };
	if (!t->len)
		push_point(t, point_of(prev));
	row->elapsed_s = cur->mono_ns > t->start_ns ? (cur->mono_ns - t->start_ns) / 1e9 : 0;
	if (dt > 0 && !prev->runtime_err && !cur->runtime_err && a->have_memstats &&
	    b->have_memstats) {
		row->have_allocs = true;
		row->alloc_objects_per_s = (double)(b->allocs.mallocs - a->allocs.mallocs) / dt;
		row->have_alloc_bytes = a->allocs.have_bytes && b->allocs.have_bytes;
		if (row->have_alloc_bytes)
			row->alloc_bytes_per_s =
				(double)(b->allocs.total_alloc - a->allocs.total_alloc) / dt;
		row->have_gc = true;
		row->gc_per_min = (double)(uint32_t)(b->numgc - a->numgc) / dt * 60.0;
	}
	if (!cur->runtime_err && b->have_memstats) {
		row->gc_cpu_fraction = b->gc_cpu_fraction;
		if (row->gc_cpu_fraction > INTERVAL_GC_CPU_HIGH)
			row->flags |= INTERVAL_FLAG_GC_CPU;
	} else {
		row->have_gc = false;
	}
	if (!cur->runtime_err && b->have_gc_controller) {
		row->have_live = true;
		row->heap_live = b->heap_marked;
	}
	if (!cur->runtime_err && b->have_heap_goal) {
		row->have_goal = true;
		row->heap_goal = b->heap_goal;
	}
	if (gc_frequent(t, &now))
		row->flags |= INTERVAL_FLAG_GC_FREQUENT;
	push_point(t, now);
	if (row->have_live && row->have_goal && row->heap_goal &&
	    (double)row->heap_live >= INTERVAL_NEAR_GOAL * (double)row->heap_goal)
		row->flags |= INTERVAL_FLAG_NEAR_GOAL;
	if (dt > 0)
		row->growths_per_s = (double)(cur->stack_growths - prev->stack_growths) / dt;
	row->lost = cur->lost_events - prev->lost_events;
	t->prev = *cur;
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

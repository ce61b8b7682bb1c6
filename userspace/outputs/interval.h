/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -i SECONDS: one row per interval on stdout, from two live samples (see
 * interval.c for the columns and the health signs flagged).
 */
#ifndef GOMEMTRACE_INTERVAL_H
#define GOMEMTRACE_INTERVAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate/live.h"

/* Health signs (flags, words in the last column). */
#define INTERVAL_GC_CPU_HIGH 0.3	/* GC CPU fraction above this */
#define INTERVAL_GC_WINDOW_NS 60000000000ULL /* more than ... */
#define INTERVAL_GC_CYCLES_HIGH 5	/* ... cycles within a minute, while the
					 * live heap is no lower than the minute
					 * (or the trace) began with */
#define INTERVAL_NEAR_GOAL 0.9		/* live heap >= this fraction of the goal */

enum interval_flag {
	INTERVAL_FLAG_GC_CPU = 1 << 0,		/* "gc-cpu-high" */
	INTERVAL_FLAG_GC_FREQUENT = 1 << 1,	/* "gc-frequent-heap-not-falling" */
	INTERVAL_FLAG_NEAR_GOAL = 1 << 2,	/* "heap-near-goal" */
};

struct interval_row {
	double elapsed_s;		/* since the table began */
	bool have_allocs;
	double alloc_objects_per_s;
	bool have_alloc_bytes;
	double alloc_bytes_per_s;
	bool have_gc;
	double gc_per_min;		/* over this interval */
	double gc_cpu_fraction;		/* MemStats.GCCPUFraction: since the start */
	bool have_live;
	uint64_t heap_live;		/* bytes: gcController.heapMarked */
	bool have_goal;
	uint64_t heap_goal;		/* bytes: MemStats.NextGC */
	double growths_per_s;		/* stack growths */
	uint64_t lost;			/* events lost in the interval */
	unsigned int flags;		/* enum interval_flag */
};

/* What the frequent-GC sign looks back on: (time, NumGC, live heap) of the
 * rows of the last minute. */
struct interval_point {
	uint64_t mono_ns;
	bool have;			/* numgc and heap_marked known */
	uint32_t numgc;
	uint64_t heap_marked;
};

struct interval_table {
	uint64_t start_ns;		/* CLOCK_MONOTONIC of the first sample */
	struct live_sample prev;	/* the previous row's sample */
	struct interval_point *points;	/* ring, oldest at head */
	size_t cap, len, head;
};

/* A table whose first sample is first, for rows every interval_ns.
 * Returns 0 or -ENOMEM. */
int interval_table_init(struct interval_table *t, const struct live_sample *first,
			uint64_t interval_ns);
void interval_table_free(struct interval_table *t);

/*
 * The row for the interval from the previous sample to cur, which becomes
 * the previous one. Figures unknown in either sample stay unknown (have_*
 * false), and so do their flags.
 */
void interval_table_next(struct interval_table *t, const struct live_sample *cur,
			 struct interval_row *row);

/* The header line (once), then rows; unknown figures print as "-". */
void interval_print_header(FILE *f);
void interval_print_row(FILE *f, const struct interval_row *row);

#endif

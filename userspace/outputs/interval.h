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
#define INTERVAL_GC_PER_MIN_HIGH 5.0	/* cycles a minute above this ... */
					/* ... while the live heap did not fall */
#define INTERVAL_NEAR_GOAL 0.9		/* live heap >= this fraction of the goal */

enum interval_flag {
	INTERVAL_FLAG_GC_CPU = 1 << 0,		/* "gc-cpu-high" */
	INTERVAL_FLAG_GC_FREQUENT = 1 << 1,	/* "gc-frequent-heap-not-falling" */
	INTERVAL_FLAG_NEAR_GOAL = 1 << 2,	/* "heap-near-goal" */
};

struct interval_row {
	double elapsed_s;		/* since the trace began */
	bool have_allocs;
	double alloc_objects_per_s;
	bool have_alloc_bytes;
	double alloc_bytes_per_s;
	bool have_gc;
	double gc_per_min;
	double gc_cpu_fraction;		/* MemStats.GCCPUFraction: since the start */
	bool have_live;
	uint64_t heap_live;		/* bytes: gcController.heapMarked */
	bool have_goal;
	uint64_t heap_goal;		/* bytes: MemStats.NextGC */
	double growths_per_s;		/* stack growths */
	uint64_t lost;			/* events lost in the interval */
	unsigned int flags;		/* enum interval_flag */
};

/*
 * The row for the interval from prev to cur; start_ns is the trace's
 * CLOCK_MONOTONIC start. Figures unknown in either sample stay unknown
 * (have_* false), and so do their flags.
 */
void interval_row_compute(const struct live_sample *prev, const struct live_sample *cur,
			  uint64_t start_ns, struct interval_row *row);

/* The header line (once), then rows; unknown figures print as "-". */
void interval_print_header(FILE *f);
void interval_print_row(FILE *f, const struct interval_row *row);

#endif

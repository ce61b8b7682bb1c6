/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Figures of a trace while it runs, for --metrics and -i: the Go runtime's
 * own accounting read from the target's memory (no probe hit: the same in
 * every mode), and the tracer's own counts (probe counters, stack growths
 * joined from events, lost events). Taken on the main loop's thread only.
 */
#ifndef GOMEMTRACE_LIVE_H
#define GOMEMTRACE_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aggregate/aggregate.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "probes/memtrace.h"
#include "target/runtime_state.h"

#define LIVE_COMM_LEN 16	/* TASK_COMM_LEN */

struct live_sample {
	uint64_t mono_ns;		/* CLOCK_MONOTONIC when taken */
	pid_t pid;
	char comm[LIVE_COMM_LEN];	/* /proc/PID/comm at the start ("" unknown) */

	/* The runtime's figures (runtime_state_read); rt.have_* say which
	 * are known. runtime_err: 0, or why none is (negative errno). The
	 * allocation totals never decrease from one sample to the next
	 * (see live_take). */
	int runtime_err;
	struct runtime_state rt;

	/* The tracer's own counts. */
	bool have_counters;
	uint64_t counters[COUNTER_MAX];	/* enum probe_counter, summed over CPUs */
	uint64_t stack_growths;		/* stack copies to a larger size (events) */
	uint64_t stack_growth_bytes;	/* bytes added to stacks by them */
	uint64_t lost_events;		/* as the report counts them: ring buffer
					 * and map drops, bad records, out of memory */
};

struct live_source {
	pid_t pid;
	char comm[LIVE_COMM_LEN];
	const struct gobin *bin;
	const struct go_layout *layout;
	const struct memtrace *mt;
	const struct aggregate *agg;
	struct runtime_addrs addrs;	/* link-time, located once */
	bool have_bias;
	uint64_t load_bias;
	uint64_t last_mallocs, last_total_alloc;
	/* What earlier images (before an exec, live_exec) counted: added to
	 * the current image's figures so that totals stay counters. */
	uint64_t base_mallocs, base_total_alloc, base_lost;
	uint32_t base_numgc, last_numgc;
	uint64_t base_counters[COUNTER_MAX];
};

/* Locates the runtime's variables in bin (runtime_state_locate) and reads
 * pid's command name. Call once the target runs its binary (after a
 * launched child's exec). mt and agg are read by live_take. */
void live_init(struct live_source *src, pid_t pid, const struct gobin *bin,
	       const struct go_layout *layout, const struct memtrace *mt,
	       const struct aggregate *agg);

/* The target exec'd and is now traced as a new image (bin, layout, mt):
 * what the old one counted is carried, the new runtime's variables
 * located. Call before the old mt is closed. */
void live_exec(struct live_source *src, const struct gobin *bin,
	       const struct go_layout *layout, const struct memtrace *mt);

/* One sample now. Returns 0; out->runtime_err tells whether the runtime's
 * figures were read (they fail once the target exited). */
int live_take(struct live_source *src, struct live_sample *out);

#endif

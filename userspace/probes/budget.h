/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The overhead budget (--overhead-budget): what the probes cost the target,
 * measured as it runs, kept under a share of the target's own CPU time by
 * detaching the frequent probes for a while. See budget.c.
 */
#ifndef GOMEMTRACE_BUDGET_H
#define GOMEMTRACE_BUDGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/memtrace.h"

#define BUDGET_MAX_SPANS 64

struct budget {
	/* Settings. */
	double fraction;		/* of the target's CPU time, e.g. 0.01 */
	unsigned int roles;		/* probes it may detach (1 << enum probe_role) */
	uint64_t trap_ns;		/* one uprobe trap on an emulated instruction,
					 * as budget_calibrate measured it */
	pid_t pid;
	int stats_fd;			/* BPF_STATS_RUN_TIME while >= 0 */

	/* State. */
	uint64_t start_target_ns;	/* target CPU (user + system) at the start */
	uint64_t target_ns;		/* target CPU since the start */
	uint64_t hits;			/* probe hits since the start */
	uint64_t bpf_ns;		/* BPF program time since the start */
	uint64_t start_bpf_ns;
	uint64_t past_hits, past_bpf_ns;	/* of probe sets before an exec */
	uint64_t cost_ns;		/* hits x trap_ns + bpf_ns */
	bool paused;
	uint64_t paused_at;		/* CLOCK_MONOTONIC ns */
	uint64_t paused_ns;		/* total time paused */
	uint32_t pauses;		/* times the probes were taken off */
	/* The first BUDGET_MAX_SPANS pauses: CLOCK_MONOTONIC ns, end 0 while
	 * still paused. */
	struct { uint64_t start, end; } spans[BUDGET_MAX_SPANS];
	int error;			/* first pause/resume error (negative errno) */
};

/*
 * Measures the cost of one uprobe trap on this machine: a PUSHQ BP (which
 * the kernel emulates, as at our probe points) in this process, called
 * repeatedly with and without a do-nothing BPF program on it. Returns the
 * ns per hit (at least 1), or a negative errno.
 */
int64_t budget_calibrate(void);

/*
 * Starts the budget for pid: reads its CPU time and turns on the kernel's
 * BPF run-time statistics (BPF_ENABLE_STATS) while the budget lives.
 * fraction 0 or >= 1 means no budget: budget_tick then only measures.
 * Returns 0 or a negative errno.
 */
int budget_start(struct budget *b, struct memtrace *mt, pid_t pid, double fraction,
		 unsigned int roles, uint64_t trap_ns);

/* Called every ~100 ms: measures, and detaches or re-attaches b->roles. */
void budget_tick(struct budget *b, struct memtrace *mt, uint64_t now_ns);

/* The target exec'd: from now on the probe set is to (attached, none of its
 * roles paused); from's figures carry over, and a pause ends. */
void budget_switch(struct budget *b, struct memtrace *from, struct memtrace *to,
		   uint64_t now_ns);

/* Final figures (closes the statistics). */
void budget_finish(struct budget *b, struct memtrace *mt, uint64_t now_ns);

/* CPU time (user + system) of process pid in ns, from /proc/PID/stat; a
 * negative errno when gone. */
int64_t process_cpu_ns(pid_t pid);

#endif

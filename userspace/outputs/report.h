/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A finished trace, ready for the outputs: the target, the aggregate, its
 * sites, and the loss counters. Each output format is one file:
 * report_text.c (stdout), report_json.c (report.json), report_pprof.c
 * (heap.pb.gz, stack.pb.gz), report_folded.c (heap.folded, stack.folded),
 * report_timeline.c (timeline.json).
 */
#ifndef GOMEMTRACE_REPORT_H
#define GOMEMTRACE_REPORT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "aggregate/aggregate.h"
#include "aggregate/alloc_types.h"
#include "binary/gobinary.h"
#include "probes/exitwatch.h"
#include "probes/memtrace_types.h"
#include "probes/probe_plan.h"
#include "target/runtime_state.h"
#include "aggregate/sampled.h"
#include "aggregate/sites.h"
#include "aggregate/symbolize.h"
#include "probes/budget.h"
#include "probes/target_code.h"

/* What the trace cost the target and the host. */
struct report_cost {
	uint64_t counters[COUNTER_MAX];	/* enum probe_counter, summed over CPUs */
	uint64_t tracer_cpu_ns;		/* gomemtrace's CPU time (user + system) while
					 * tracing: from attached to stopping */
	/* Per probe role (enum probe_role): the kernel's count of BPF program
	 * runs and their time, when kernel.bpf_stats_enabled was 1 (else 0). */
	uint64_t bpf_runs[PROBE_ROLE_MAX], bpf_run_ns[PROBE_ROLE_MAX];
	const struct probe_plan *plan;	/* where each probe sat */
	uint64_t tracer_peak_rss_bytes;	/* gomemtrace's peak resident memory,
					 * before writing the outputs */
};

/* start_err when the tracer launched the target: the state was not read at
 * the start (the Go runtime had not started), it starts from zero. */
#define RUNTIME_STATE_LAUNCHED (-ECHILD)

/* The runtime's own state (userspace/target/runtime_state.h) read when the
 * trace started (after attaching) and when it stopped (before detaching,
 * while the target was alive); *_err is 0 when read, else a negative errno
 * or RUNTIME_STATE_LAUNCHED. */
struct report_runtime {
	int start_err, stop_err;
	struct runtime_state start, stop;
};

/* Where each figure came from: "exact probes", "sampled probes",
 * "runtime heap profile", "runtime counters", "probes", or "none". */
struct report_sources {
	const char *alloc_totals;	/* objects and bytes allocated */
	const char *alloc_sites;	/* allocations by site and stack */
	const char *gc_cycles;
	const char *stack_growth;
	const char *heap;		/* heap live, goal, GC CPU */
	const char *alloc_probes;	/* the plan's allocation probes
					 * (probe_plan.alloc_strategy) */
};

/* The default mode's sampling and its overhead budget. */
struct report_sampling {
	bool present;
	bool budget_only;		/* no samples: only the budget's figures */
	struct sampled_result result;
	uint64_t discarded_hits;	/* samples after the last read of the
					 * runtime's counters (the target exited) */
	double budget;			/* fraction of the target's CPU; 0: none */
	uint64_t trap_ns;		/* measured cost of one trap */
	bool bpf_stats;			/* BPF run times measured by the kernel */
	uint64_t target_cpu_ns;		/* the target's CPU while tracing */
	uint64_t cost_ns;		/* the probes' estimated cost to it */
	uint64_t probe_hits;
	uint32_t pauses;		/* times the frequent probes were taken off */
	uint64_t paused_ns;		/* for how long in all */
	const struct budget *controller; /* its pause spans */
	int error;			/* pausing or resuming failed (negative errno) */
};

/* How the target ended (probes/exitwatch.h), and the runtime's state at
 * the last read while tracing (once a second): once the target died, the
 * read at the stop fails and this one is its state before death. */
struct report_end {
	struct target_end target;
	const char *watch_error;	/* the exitwatch tracepoints could not be
					 * attached: why; NULL when they were */
	bool have_last;
	uint64_t last_ts;		/* CLOCK_MONOTONIC ns of that read */
	struct runtime_state last;
};

/*
 * An exec of the target during the trace (same pid, a new image: maybe the
 * same file at another load bias, maybe another binary). Recording of the
 * image before it stopped at the exec itself (in the kernel); followed: the
 * new image was planned and probed again, its allocations counted from
 * then on (exact mode), its stacks and types named from its own binary.
 */
struct report_exec {
	uint64_t ts;		/* CLOCK_MONOTONIC ns of the exec */
	uint32_t tid;		/* the thread that called exec (pid: main thread) */
	const char *from, *to;	/* the image's file before and after (to: NULL
				 * when unreadable) */
	uint64_t from_bias, to_bias;	/* load biases (0: not PIE) */
	uint64_t objects_before;	/* allocations counted before the exec */
	bool followed;
	const char *why_not;	/* when not followed: why; recording ended there */
	/* CLOCK_MONOTONIC ns the new image's probes were on: its allocations
	 * between the exec and then (its runtime's start) are not seen. */
	uint64_t attach_ns;
};

#define REPORT_MAX_PLUGINS 8
#define REPORT_MAX_EXECS 7	/* images: SYMBOLIZER_MAX_IMAGES */

struct report {
	pid_t pid;
	const char *exe;
	const char *go_version;
	const char *build_mode;	/* sanitizer build modes: "race", "asan"...; NULL: none */
	const char *mode;
	uint64_t start_ns;	/* CLOCK_MONOTONIC when recording started */
	uint64_t start_wall_ns;	/* CLOCK_REALTIME then */
	uint64_t duration_ns;	/* until recording stopped: no event after it */
	const struct aggregate *agg;
	struct site_list alloc_sites;
	struct type_list alloc_types;	/* by the type's name */
	struct site_list growth_sites;
	uint64_t lost_events;
	uint64_t lost_stacks;
	struct report_cost cost;
	const struct gobin *bin;
	struct symbolizer *sym;
	struct type_namer *types;	/* names the allocations' type tags */
	uint64_t load_bias;
	struct report_runtime runtime;
	const struct probe_plan *plan;
	struct report_sources sources;
	struct report_sampling sampling;
	/* Sites from the runtime's heap profile: live objects and bytes per
	 * stack too (stack_count.inuse_*), and MemProfileRate. */
	bool inuse;
	int64_t mem_profile_rate;
	uint64_t inuse_objects, inuse_bytes;	/* all sites, scaled */
	uint64_t profile_samples;		/* the runtime's samples in the window */
	uint64_t profile_records;		/* its buckets shown */
	bool profile_switched;			/* launched with samples, switched
						 * once the runtime said it samples */
	struct site_list inuse_sites;		/* live bytes by site */
	/* --enable-runtime-sampling: what was written into the target. */
	struct {
		bool wrote;
		int64_t rate, old_rate;
		bool restored;
		int write_err;
	} runtime_sampling;
	/* The target's code at the probe points before the attach and after the
	 * detach; NULL when not read (launch mode, target gone). */
	const struct code_scan *code_before, *code_after;
	struct report_end end;
	struct report_exec execs[REPORT_MAX_EXECS + 1];
	int nexecs;
	/* The target's Go plugins (cli/go_images.c): each a mapping of
	 * heap.pb.gz and stack.pb.gz, and report.json's "plugins". */
	struct report_plugin {
		const char *path;
		uint32_t image;		/* image_of its addresses */
		bool have_bias;
		uint64_t load_bias;
		uint64_t start, limit;	/* run-time range of its file image,
					 * tagged with its image (0, 0: bias unknown) */
		int probes;		/* attached on its runtime copy; 0: none */
		const char *why_not;	/* not probed: why (NULL: probed) */
		uint64_t attach_ns;	/* CLOCK_MONOTONIC */
	} plugins[REPORT_MAX_PLUGINS];
	int nplugins;
	uint64_t plugins_not_probed;	/* Go plugins with a runtime copy left
					 * unprobed (also warned on stderr) */
	/* The timeline's: where large allocations came from ("exact probes",
	 * "large allocation samples", NULL: none), and how often the runtime's
	 * heap was read besides each GC cycle's end. */
	const char *large_alloc_source;
	unsigned int heap_read_period_ms;
};

/*
 * The runtime's state at the last read before the stop: the last periodic
 * read (report_end), else the start's (its time: the trace's start); NULL
 * when neither was read. *ts: CLOCK_MONOTONIC ns of the read.
 */
static inline const struct runtime_state *report_last_read(const struct report *r,
							    uint64_t *ts)
{
	if (r->end.have_last) {
		*ts = r->end.last_ts;
		return &r->end.last;
	}
	*ts = r->start_ns;
	return r->runtime.start_err ? NULL : &r->runtime.start;
}

/*
 * The locations of a stack entry as every output that prints stacks shows
 * them (heap.pb.gz, stack.pb.gz, heap.folded, stack.folded agree frame for
 * frame), leaf first: for allocations (alloc), the stack runtime/pprof
 * writes into the runtime's own heap profile (symbolizer_profile_stack);
 * for stack growths, every frame as walked, each a return address. Valid
 * until the next call on sym. Returns 0 or -ENOMEM.
 */
int report_stack_locations(struct symbolizer *sym, const struct stack_count *e, bool alloc,
			   struct profile_stack *out);

void report_print_text(const struct report *r, FILE *out, int top);
/* Write into fd, a new file of an output set (output_set.h) that syncs,
 * closes and renames it; 0 or the -errno of the first failed write. */
int report_write_json(const struct report *r, int fd);
int report_write_pprof(const struct report *r, int fd);		/* heap.pb.gz */
int report_write_stack_pprof(const struct report *r, int fd);	/* stack.pb.gz */
int report_write_heap_folded(const struct report *r, int fd);	/* heap.folded */
int report_write_stack_folded(const struct report *r, int fd);	/* stack.folded */
int report_write_timeline(const struct report *r, int fd);	/* timeline.json */

/* A JSON string of any bytes: escaped, ill-formed UTF-8 as U+FFFD. */
void report_json_string(FILE *f, const char *s);

#endif

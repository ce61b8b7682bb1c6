/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loader of the memtrace probe set (bpf/memtrace.bpf.c): see memtrace.c. */
#ifndef GOMEMTRACE_MEMTRACE_LOADER_H
#define GOMEMTRACE_MEMTRACE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "binary/go_layouts.h"
#include "probes/memtrace_types.h"
#include "probes/probe_plan.h"

struct memtrace;

struct memtrace_opts {
	const char *binary;	/* path the kernel resolves to the probed inode */
	pid_t pid;		/* only this process */
	uint32_t max_stacks;	/* distinct allocation stacks kept in BPF (0: default) */
	uint32_t max_alloc_keys; /* distinct (stack, size) counts kept in BPF (0: default) */
	bool stop_at_exec;	/* the exec that ends the image stops the
				 * process until SIGCONT (memtrace_exec_stops) */
	uint32_t skip_execs;	/* execs of pid that are not the end of its image
				 * (1: a launched child's exec of the program) */
	uint64_t large_alloc_bytes; /* exact mode: allocations of at least this
				     * many bytes are also sent one by one
				     * (EVENT_LARGE_ALLOC); 0: none */
	uint64_t arena_chunk_bytes; /* what the runtime counts for a user arena
				     * chunk (aggregate/sizeclass.h
				     * go_arena_chunk_bytes): needed when the
				     * plan probes runtime.newUserArenaChunk */
	/* A Go plugin's probe set (see memtrace_events_fd): its records go
	 * into this ring buffer map of the host's set (one stream, in
	 * order: a GC cycle started by the plugin's runtime code and ended
	 * by the host's pair up), which its owner consumes; 0: a ring
	 * buffer of its own. */
	int events_fd;
	/* The runtime's variables are the host's, at the host's load bias
	 * (bpf/memtrace.bpf.c data_bias_fixed), not at the hit's. */
	bool data_bias_fixed;
	uint64_t data_bias;
};

#define MEMTRACE_DEFAULT_MAX_STACKS 16384
#define MEMTRACE_DEFAULT_MAX_ALLOC_KEYS 65536

/* Called for each ring buffer record (see bpf/memtrace_events.h). */
typedef int (*memtrace_event_fn)(void *ctx, void *data, size_t len);
/* Called for each allocation count kept in BPF: objects allocated at the
 * key's stack and size; stack is NULL if its frames were not found. */
typedef int (*memtrace_alloc_count_fn)(void *ctx, const struct alloc_key *key,
				       const struct user_stack *stack, uint64_t objects);

/* Open, configure, load and attach, recording off. Returns 0 or a negative
 * errno, with a one-line reason in err. */
int memtrace_start(struct memtrace **out, const struct probe_plan *plan,
		   const struct go_layout *layout, const struct memtrace_opts *opts,
		   memtrace_event_fn fn, void *ctx, char *err, size_t errlen);
/*
 * Detaches the probes of some roles (a mask of 1 << enum probe_role) for a
 * while, or attaches them again, through the same unkillable helper as the
 * attach and detach: the overhead budget's switch. The stack growth probes
 * (morestack, copystack) stop recording together before either detaches,
 * and start again together once both are attached. Returns 0 or a negative
 * errno; after memtrace_stop both do nothing.
 */
int memtrace_pause(struct memtrace *mt, unsigned int roles);
int memtrace_resume(struct memtrace *mt, unsigned int roles);
/* Probe points attached. */
int memtrace_attached(const struct memtrace *mt);
/* Kernel links holding them, and their kind ("uprobe_multi": one per BPF
 * program; "perf_event": one per point). */
int memtrace_links(const struct memtrace *mt, const char **kind);
/* Recording on; returns its CLOCK_MONOTONIC start (no event is older). */
uint64_t memtrace_begin(struct memtrace *mt);
/* Recording off in every probe at once; returns the stop time. */
uint64_t memtrace_end(struct memtrace *mt);
/* Waits up to timeout_ms for records; returns how many were consumed or a
 * negative errno (-EINTR when a signal arrived). */
int memtrace_poll(struct memtrace *mt, int timeout_ms);
/* Consumes every record in the ring buffer now, woken or not (the probes
 * wake user space only once a batch piled up). Returns how many, or a
 * negative errno. */
int memtrace_consume(struct memtrace *mt);
/* Recording off, detaches every probe (out of reach of a SIGKILL aimed at
 * the tracer), then consumes what is left in the ring buffer. */
int memtrace_stop(struct memtrace *mt);
/* Calls fn for every allocation count the BPF maps hold; after
 * memtrace_stop(), these are final. Returns 0, fn's first error, or a
 * negative errno from reading the maps. */
int memtrace_alloc_counts(const struct memtrace *mt, memtrace_alloc_count_fn fn, void *ctx);
/* The probes' counters (enum probe_counter), summed over CPUs. Returns 0 or
 * a negative errno. */
int memtrace_counters(const struct memtrace *mt, uint64_t out[COUNTER_MAX]);
/* How long the detach took. */
uint64_t memtrace_detach_ns(const struct memtrace *mt);
uint64_t memtrace_lost_events(const struct memtrace *mt);
uint64_t memtrace_lost_stacks(const struct memtrace *mt);
/* The target's exec that ended this probe set's image (memtrace.bpf.c,
 * target_exec): recording stopped at it, in the kernel. *ts: CLOCK_MONOTONIC
 * ns; *tid: the thread that called exec (the pid: its main thread);
 * filename (NULL: not wanted): the file name exec was given, cut to len.
 * False while none came. */
bool memtrace_exec(const struct memtrace *mt, uint64_t *ts, uint32_t *tid,
		   char *filename, size_t len);
/* The fd of the set's ring buffer map, for memtrace_opts.events_fd of a
 * plugin's set; valid until memtrace_close. */
int memtrace_events_fd(const struct memtrace *mt);
/* The plugin.open probe's counters (bpf/memtrace.bpf.c image_open):
 * *opens points at the count of its hits, each a SIGSTOP sent, in the BPF
 * object's memory (shared with a forked process too); *lost at those whose
 * record the ring buffer had no room for. Valid until memtrace_close. */
void memtrace_image_open_counters(const struct memtrace *mt, const volatile uint64_t **opens,
				  const volatile uint64_t **lost);
/* The count of the stops sent at the exec (memtrace_opts.stop_at_exec), in
 * the BPF object's memory as memtrace_image_open_counters' are: 0 or 1.
 * Valid until memtrace_close. */
const volatile uint64_t *memtrace_exec_stops(const struct memtrace *mt);
/* Load bias seen by the probes; false until a probe fired. */
bool memtrace_load_bias(const struct memtrace *mt, uint64_t *bias);
/* Runs and time spent in the program of a probe role, as the kernel counts
 * them while sysctl kernel.bpf_stats_enabled is 1 (both 0 otherwise). */
int memtrace_prog_stats(const struct memtrace *mt, enum probe_role role,
			uint64_t *run_cnt, uint64_t *run_time_ns);
void memtrace_close(struct memtrace *mt);

#endif

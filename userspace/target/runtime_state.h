/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Go runtime's own accounting, read from a live target's memory (read
 * only): GC cycle count, heap live / marked / goal, GOGC, memory limit, GC
 * CPU fraction, and exact allocation totals from memstats.heapStats. No
 * probe hit is involved: these are the runtime's own numbers, the ones
 * runtime.ReadMemStats reports.
 *
 * Every figure has a have_* flag: a figure is reported only when its
 * variable's address is known (ELF symbol, or found from code in stripped
 * binaries) and the layout has its fields. Never guessed.
 */
#ifndef GOMEMTRACE_RUNTIME_STATE_H
#define GOMEMTRACE_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "binary/go_layouts.h"
#include "binary/gobinary.h"

/* Link-time addresses of the runtime's globals; 0 when unknown. */
struct runtime_addrs {
	uint64_t work;			/* runtime.work (type workType) */
	uint64_t memstats;		/* runtime.memstats (type mstats) */
	uint64_t gc_controller;		/* runtime.gcController */
};

/*
 * Exact allocation totals, as runtime.ReadMemStats (runtime/mstats.go,
 * readmemstats_m) computes Mallocs and TotalAlloc from the sum of the three
 * generations of memstats.heapStats (consistentHeapStats.unsafeRead). Small
 * counts are added when a span leaves an mcache (refill, or the flush that
 * ReadMemStats does with the world stopped), so a reader outside lags by up
 * to one span per P per size class; large allocations count at once.
 */
/* _NumSizeClasses in Go 1.19-1.27 (aggregate/sizeclass.h's table). */
#define HEAP_SIZE_CLASSES 68

struct heap_alloc_totals {
	uint64_t small_alloc_count;	/* objects, all size classes */
	uint64_t small_alloc_bytes;	/* bytes: count x class size */
	uint64_t large_alloc_count;	/* objects */
	uint64_t large_alloc_bytes;	/* bytes (largeAlloc) */
	uint64_t tiny_alloc_count;	/* objects (tinyAllocCount) */
	uint64_t mallocs;		/* objects: MemStats.Mallocs */
	uint64_t total_alloc;		/* bytes: MemStats.TotalAlloc */
	bool have_bytes;		/* false when the class sizes are unknown */
	/* objects per size class (smallAllocCount[class]); all zero unless
	 * have_bytes */
	uint64_t small_by_class[HEAP_SIZE_CLASSES];
};

/* gcControllerState fields that heapGoal (runtime/mgcpacer.go) reads. */
struct heap_goal_inputs {
	uint64_t gc_percent_heap_goal;	/* bytes */
	uint64_t sweep_dist_min_trigger; /* bytes */
	uint64_t triggered;		/* bytes, ^0 when not triggered */
	uint64_t heap_marked;		/* bytes */
	int64_t memory_limit;		/* bytes */
	uint64_t heap_free;		/* bytes */
	uint64_t total_alloc;		/* bytes */
	uint64_t total_free;		/* bytes */
	uint64_t mapped_ready;		/* bytes */
};

struct runtime_state {
	bool have_memstats;		/* numgc, gc_cpu_fraction, allocs */
	uint32_t numgc;			/* completed cycles: MemStats.NumGC */
	uint32_t numforcedgc;		/* of which forced: MemStats.NumForcedGC */
	double gc_cpu_fraction;		/* MemStats.GCCPUFraction, 0..1 */
	struct heap_alloc_totals allocs;

	bool have_gc_controller;	/* heap_live, heap_marked */
	uint64_t heap_live;		/* bytes: gcController.heapLive */
	uint64_t heap_marked;		/* bytes: gcController.heapMarked */
	bool have_heap_goal;
	uint64_t heap_goal;		/* bytes: MemStats.NextGC */
	bool have_gc_percent;
	int32_t gc_percent;		/* GOGC, -1 when off */
	bool have_memory_limit;
	int64_t memory_limit;		/* bytes, math.MaxInt64 when unset */

	/* work.cpuStats (go1.20+), as of the last GC's end (runtime/mgc.go
	 * updates it in gcMarkTermination): runtime/metrics'
	 * /cpu/classes/gc/total:cpu-seconds and /cpu/classes/total:cpu-seconds
	 * (runtime/metrics.go, cpuStatsAggregate.compute), in ns. */
	bool have_gc_cpu_time;
	int64_t gc_cpu_ns;		/* cpuStats.gcTotalTime / GCTotalTime */
	int64_t total_cpu_ns;		/* cpuStats.totalTime / TotalTime */
};

/*
 * Where runtime.memstats, runtime.gcController and runtime.work are: their
 * ELF symbols,
 * else (stripped) from gcMarkTermination's `memstats.numgc++` (INCL
 * rel32(%rip), checked by its MOVSD store to memstats.gc_cpu_fraction) and
 * from gcStart's `LEAQ gcController(%rip), AX` before it calls
 * (*gcControllerState).startCycle, and runtime.work from work.cycles
 * (gocode_find_work_cycles). Fields stay 0 when not found. Returns 0.
 */
int runtime_state_locate(const struct gobin *bin, const struct go_layout *layout,
			 struct runtime_addrs *out);

/*
 * Read the state of live process pid, whose binary bin is loaded with
 * load_bias (0 unless PIE). Returns 0 with *out filled (see the have_*
 * flags; a figure whose variable could not be located stays unknown), or a
 * negative errno: -ENOENT (neither variable located), -ESRCH (process
 * gone), -EFAULT/-EPERM/... (reading its memory failed), -EINVAL (layout
 * inconsistent).
 */
int runtime_state_read(pid_t pid, uint64_t load_bias, const struct gobin *bin,
		       const struct go_layout *layout, struct runtime_state *out);

/*
 * runtime_state_read at the addresses runtime_state_locate found (link-time;
 * load_bias added here): for reads repeated during a trace, which then
 * search no code. Same returns. Not thread-safe (one static buffer).
 */
int runtime_state_read_at(pid_t pid, uint64_t load_bias, const struct gobin *bin,
			  const struct go_layout *layout, const struct runtime_addrs *addrs,
			  struct runtime_state *out);

/*
 * runtime_state_read with the load bias found from /proc/PID/maps
 * (target_load_bias): the one call the trace makes at its start and stop.
 */
int runtime_state_snapshot(pid_t pid, const struct gobin *bin,
			   const struct go_layout *layout, struct runtime_state *out);

/* Pure parts, exposed for tests. */

/* The two searches of runtime_state_locate for stripped binaries (link-time
 * address in *addr); -ENOENT when the code does not say, or is ambiguous. */
int runtime_state_find_memstats(const struct gobin *bin, const struct go_layout *layout,
				uint64_t *addr);
int runtime_state_find_gc_controller(const struct gobin *bin, uint64_t *addr);

/*
 * Sum the three heapStatsDelta of a consistentHeapStats image (buf, len
 * bytes from the start of memstats.heapStats) as
 * consistentHeapStats.unsafeRead does. -EINVAL when the layout does not fit
 * in len or is inconsistent.
 */
int heap_stats_sum(const uint8_t *buf, size_t len, const struct go_layout *layout,
		   struct heap_alloc_totals *out);

/*
 * gcControllerState.heapGoal() of Go 1.(minor - 100), see runtime_state.c.
 */
uint64_t go_heap_goal(int minor, const struct heap_goal_inputs *in);

/* memoryLimitHeapGoal() of Go 1.(minor - 100). */
uint64_t go_memory_limit_heap_goal(int minor, const struct heap_goal_inputs *in);

#endif

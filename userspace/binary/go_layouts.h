/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Layouts of the Go runtime's data structures, per Go version, for the probes
 * and user space that read them from a traced process: byte offsets of the
 * fields gomemtrace needs and, where a field's width changed between
 * versions, its size. linux/amd64 only.
 *
 * The rows live in go_layouts.inc, generated from the DWARF of binaries built
 * by each Go toolchain of the test matrix (scripts/gen-layouts.sh); never
 * edit them by hand. Stripped binaries carry no DWARF, so the Go version from
 * the binary's build information selects the row.
 *
 * Widths that are not recorded are fixed: the generator fails if one changes.
 */
#ifndef GOMEMTRACE_GO_LAYOUTS_H
#define GOMEMTRACE_GO_LAYOUTS_H

#include <stdbool.h>
#include <string.h>
#include <stdint.h>

/* Offset of a field that this Go version does not have. */
#define GO_LAYOUT_ABSENT UINT32_MAX

struct go_layout {
	int minor;				/* 100 + Go minor: 119 is go1.19 */

	/* runtime.g */
	uint32_t g_stack_lo;			/* stack.lo, uintptr */
	uint32_t g_stack_hi;			/* stack.hi, uintptr */
	uint32_t g_stackguard0;			/* uintptr */
	uint32_t g_m;				/* *m */
	uint32_t g_goid;			/* int64 (1.19), uint64 */

	/* runtime.m, runtime.p, runtime.mcache, runtime.mspan */
	uint32_t m_procid;			/* uint64, the thread id */
	uint32_t m_p;				/* puintptr, 0 when no P */
	uint32_t p_mcache;			/* *mcache */
	uint32_t mcache_next_sample;		/* uintptr (<= 1.23), int64 */
	uint32_t mspan_elemsize;		/* uintptr */
	uint32_t mcache_alloc;			/* [numSpanClasses]*mspan */
	uint32_t mcache_alloc_size;
	uint32_t mspan_alloc_count;		/* uint16 */
	uint32_t mspan_alloc_count_before_cache; /* uint16 */

	/* runtime._type (<= 1.20), internal/abi.Type (>= 1.21) */
	uint32_t type_size;			/* size / Size_, uintptr */
	uint32_t type_ptrdata;			/* ptrdata / PtrBytes, uintptr */
	uint32_t type_tflag;			/* tflag / TFlag, uint8 */
	uint32_t type_str;			/* str / Str, nameOff (int32) */

	/* the variable runtime.work (type runtime.workType) */
	uint32_t work_cycles;			/* uint32 (1.19), atomic.Uint32 */
	uint32_t work_cycles_size;
	uint32_t work_size;			/* the whole variable, for the record */
	/* work.cpuStats (go1.20+; fields exported in go1.25), optional */
	uint32_t work_cpu_stats_gc_total;	/* gcTotalTime / GCTotalTime, int64 ns */
	uint32_t work_cpu_stats_total;		/* totalTime / TotalTime, int64 ns */

	/* the variable runtime.memstats (type runtime.mstats) */
	uint32_t memstats_numgc;		/* uint32 */
	uint32_t memstats_numforcedgc;		/* uint32 */
	uint32_t memstats_size;			/* the whole variable, for the record */
	uint32_t memstats_heap_stats;		/* consistentHeapStats */
	uint32_t memstats_heap_stats_size;
	uint32_t memstats_gc_cpu_fraction;	/* float64 */

	/*
	 * runtime.consistentHeapStats: stats [3]heapStatsDelta, a ring indexed
	 * by gen, and runtime.heapStatsDelta; smallAllocCount is
	 * [_NumSizeClasses]uint64, its size says how many classes.
	 */
	uint32_t heap_stats_stats;		/* [3]heapStatsDelta */
	uint32_t heap_stats_stats_size;
	uint32_t heap_stats_gen;		/* uint32 (1.19), atomic.Uint32 */
	uint32_t heap_delta_size;		/* one heapStatsDelta */
	uint32_t heap_delta_tiny_alloc_count;	/* uint64 */
	uint32_t heap_delta_large_alloc;	/* uint64, bytes */
	uint32_t heap_delta_large_alloc_count;	/* uint64 */
	uint32_t heap_delta_small_alloc_count;	/* [_NumSizeClasses]uint64 */
	uint32_t heap_delta_small_alloc_count_size;

	/*
	 * runtime.gcControllerState (the variable runtime.gcController). The
	 * heap goal is min(gcPercentHeapGoal, memoryLimitHeapGoal()); the
	 * optional ones are GO_LAYOUT_ABSENT where a version lacks them.
	 */
	uint32_t gc_controller_heap_marked;	/* uint64 */
	uint32_t gc_controller_heap_live;	/* uint64 (1.19), atomic.Uint64 */
	uint32_t gc_controller_heap_minimum;	/* uint64, optional */
	uint32_t gc_controller_gc_percent;	/* atomic.Int32, optional */
	uint32_t gc_controller_memory_limit;	/* atomic.Int64, optional */
	uint32_t gc_controller_gc_percent_heap_goal; /* atomic.Uint64, optional */
	uint32_t gc_controller_triggered;	/* uint64, optional */
	uint32_t gc_controller_last_heap_goal;	/* uint64, optional */
	uint32_t gc_controller_sweep_dist_min_trigger; /* atomic.Uint64, optional */
	/* memoryLimitHeapGoal's inputs, optional */
	uint32_t gc_controller_heap_free;	/* sysMemStat (uint64) */
	uint32_t gc_controller_total_alloc;	/* atomic.Uint64 */
	uint32_t gc_controller_total_free;	/* atomic.Uint64 */
	uint32_t gc_controller_mapped_ready;	/* atomic.Uint64 */

	/*
	 * The heap profile (runtime/mprof.go): a runtime.bucket header, then
	 * nstk uintptr PCs, then a runtime.memRecord {active, future[3]} of
	 * runtime.memRecordCycle. memRecordCycle has alloc_bytes and
	 * free_bytes up to go1.26 (GO_LAYOUT_ABSENT from go1.27, where bytes
	 * are allocs x bucket.size). mprof_max_stack is the runtime's bound
	 * on nstk: the constant runtime.maxStack (32, up to go1.22) or
	 * runtime.maxProfStackDepth (1024, go1.23+), which bucket.stk() checks.
	 */
	uint32_t bucket_next;			/* *bucket: the hash chain, not followed */
	uint32_t bucket_allnext;		/* *bucket */
	uint32_t bucket_typ;			/* bucketType (int); memProfile is 1 */
	uint32_t bucket_obj_size;		/* the field size, uintptr: bytes */
	uint32_t bucket_nstk;			/* uintptr */
	uint32_t bucket_header_size;		/* unsafe.Sizeof(bucket{}) */
	uint32_t mem_record_active;		/* memRecordCycle */
	uint32_t mem_record_active_size;
	uint32_t mem_record_future;		/* [3]memRecordCycle */
	uint32_t mem_record_future_size;
	uint32_t mem_record_size;
	uint32_t mem_record_cycle_allocs;	/* uintptr */
	uint32_t mem_record_cycle_frees;	/* uintptr */
	uint32_t mem_record_cycle_alloc_bytes;	/* uintptr, optional */
	uint32_t mem_record_cycle_free_bytes;	/* uintptr, optional */
	uint32_t mem_record_cycle_size;
	uint32_t mprof_cycle_value;		/* in runtime.mProfCycle: atomic.Uint32 */
	uint32_t mprof_max_stack;		/* a constant, not an offset */

	/* Non-default GOEXPERIMENTs the row was built with, as the Go version
	 * lists them after "X:" ("greenteagc"); NULL: the defaults. */
	const char *experiments;
};

/*
 * The layout of Go 1.(minor - 100), or NULL when that version is not in the
 * table (callers must refuse to read runtime structures then, not guess).
 */
const struct go_layout *go_layout_find(int minor);

/*
 * The layout of Go 1.(minor - 100) built with these non-default
 * GOEXPERIMENTs (as the version string lists them after "X:", comma
 * separated; NULL or "": the defaults), or NULL when the table has no such
 * row. A list the table has no row for is looked up without each
 * experiment whose own row (built with it alone) equals the default row in
 * every field: "arenas,greenteagc" in go1.25 is the greenteagc row,
 * "arenas,runtimesecret" in go1.26 the default one. That two experiments
 * each leaving these structures alone leave them alone together is
 * inferred, not measured.
 */
const struct go_layout *go_layout_find_experiments(int minor, const char *experiments);

/* All rows: the default ones oldest version first, then the rows for
 * non-default GOEXPERIMENTs; *count receives their number. */
const struct go_layout *go_layout_all(int *count);

static inline bool go_layout_has(uint32_t offset)
{
	return offset != GO_LAYOUT_ABSENT;
}

/* Whether the field [off, off + width) is known and lies inside len bytes. */
static inline bool go_layout_fits(uint32_t off, uint32_t width, uint64_t len)
{
	return go_layout_has(off) && (uint64_t)off + width <= len;
}

/* The field at off of a copy of the target's bytes (unaligned, host order:
 * amd64 like the target). Callers check go_layout_fits first. */
static inline uint64_t go_layout_u64(const uint8_t *buf, uint32_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static inline uint32_t go_layout_u32(const uint8_t *buf, uint32_t off)
{
	uint32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

#endif

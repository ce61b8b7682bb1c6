/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which runtime functions of a binary to probe, and where: see probe_plan.c. */
#ifndef GOMEMTRACE_PROBE_PLAN_H
#define GOMEMTRACE_PROBE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/gobinary.h"
#include "binary/go_layouts.h"
#include "probes/memtrace_types.h"

enum probe_role {
	PROBE_ALLOC,
	PROBE_GC_START,
	PROBE_GC_END,
	PROBE_MORESTACK,
	PROBE_COPYSTACK,
	PROBE_REFILL,		/* (*mcache).refill: sampled small allocations */
	PROBE_LARGE,		/* (*mcache).allocLarge: every large allocation */
	PROBE_IMAGE_OPEN,	/* plugin.open: a Go plugin is about to be mapped */
	PROBE_ROLE_MAX,
};

_Static_assert(PAUSE_MORESTACK == 1u << PROBE_MORESTACK && PAUSE_COPYSTACK == 1u << PROBE_COPYSTACK &&
	       PAUSE_REFILL == 1u << PROBE_REFILL && PAUSE_LARGE == 1u << PROBE_LARGE,
	       "the BPF's pause bits are 1 << enum probe_role");

/* Which allocation probes a plan holds. */
enum plan_alloc {
	PLAN_ALLOC_EXACT,	/* every allocation, exactly once (--mode exact) */
	PLAN_ALLOC_SAMPLED,	/* one hit per span refill and per large allocation */
	PLAN_ALLOC_NONE,	/* none: the runtime's own heap profile has the sites */
	PLAN_ALLOC_LARGE,	/* the sites as PLAN_ALLOC_NONE; (*mcache).allocLarge
				 * only, for timeline.json's large allocations
				 * (at most one hit per 32 KiB allocated) */
	PLAN_ALLOC_CANDIDATES,	/* every allocation point any plan may probe,
				 * proven or not: never attached (--repair
				 * looks for breakpoints at them) */
};

/* "alloc", "gc_start", "gc_end", "morestack", "copystack",
 * "alloc_refill", "alloc_large", "image_open": the BPF program's name. */
const char *probe_role_name(enum probe_role role);

struct probe_point {
	enum probe_role role;
	uint8_t alloc_kind;	/* enum alloc_probe_kind, for PROBE_ALLOC */
	char function[128];	/* pclntab name */
	uint64_t func_entry;	/* link-time address */
	uint8_t placement;	/* enum probe_placement */
	uint64_t address;	/* link-time address of the probed instruction */
	uint64_t file_offset;	/* of address, for the uprobe */
};

/*
 * What the stack walk needs to follow the runtime's unwinder across a cgo
 * callback (bpf/memtrace.bpf.c fp_walk): link-time ranges [lo, hi) of
 * runtime.cgocallback, runtime.systemstack_switch and runtime.cgocall, and
 * the SP deltas of their bodies (the pcsp tables' largest values;
 * systemstack_switch's is 0 or 8, as asmcgocall's at its
 * gosave_systemstack_switch). All 0 when the binary has no cgocallback; frames 0 when
 * they cannot be found (the walk then stops at the callback).
 */
struct cgo_unwind {
	uint64_t callback_lo, callback_hi;
	uint64_t switch_lo, switch_hi;
	uint64_t call_lo, call_hi;
	uint32_t callback_frame, call_frame, switch_frame;
};

#define MAX_PROBES 128	/* go1.26 sizespecializedmalloc: 71 allocation leaves */

struct probe_plan {
	struct probe_point points[MAX_PROBES];
	int n;
	enum plan_alloc alloc;
	const char *alloc_strategy;	/* "runtime.mallocgc", "allocation leaves",
					 * "span refills and large allocations", "none" */
	uint64_t work_cycles_addr;	/* link-time address of work.cycles, 0: unknown */
	uint64_t memstats_numgc_addr;	/* link-time address of memstats.numgc, 0: unknown */
	/* Link-time extent of the file image: types there are read from the
	 * file, not by the probes (gobin_image_extent; 0, 0: none). */
	uint64_t image_lo, image_hi;
	/* Link-time range of the dispatcher: a probed allocation function
	 * (runtime.mallocgc) that calls probed leaves, whose probes
	 * (ALLOC_PROBE_NOT_FROM_DISPATCHER) skip calls from it. 0, 0: none. */
	uint64_t dispatcher_lo, dispatcher_hi;
	struct cgo_unwind cgo;
};

/* The attach cookie of a point (bpf/memtrace_events.h). */
uint64_t probe_point_cookie(const struct probe_point *p);
/* "stack check (emulated)", "after prologue (single-stepped)", ... */
const char *probe_placement_name(uint8_t placement);
/* Whether the kernel emulates the probed instruction rather than
 * single-stepping it. */
bool probe_placement_emulated(uint8_t placement);

/*
 * Chooses the probe points of a Go binary so that every heap allocation hits
 * exactly one probe, proven over the binary's call graph
 * (probes/alloc_proof.h), and locates the GC and stack growth probes.
 * Returns 0, -ENOMEM, or -ENOEXEC/-ENOENT with a reason in err (for
 * -ENOEXEC from the proof: the function and path it could not count).
 */
int probe_plan_build(const struct gobin *bin, const struct go_layout *layout,
		     struct probe_plan *plan, char *err, size_t errlen);

/*
 * The same with the allocation probes of `alloc`. PLAN_ALLOC_SAMPLED needs
 * the layout's mcache.alloc and mspan.allocCount fields (-ENOEXEC without).
 */
int probe_plan_build_alloc(const struct gobin *bin, const struct go_layout *layout,
			   enum plan_alloc alloc, struct probe_plan *plan, char *err,
			   size_t errlen);

/*
 * The cgo callback frames of bin into *out (zeroed first; see struct
 * cgo_unwind). Mirrors asm_amd64.s cgocallback and asmcgocall (go1.19 to
 * go1.27: asmcgocall saves sched.pc in systemstack_switch and sched.sp
 * below its return PC into cgocall, and its saved BP if it has one;
 * cgocallback copies its g0 frame below sched.sp). Returns 0, or -ENOENT when bin has no runtime.cgocallback.
 */
int probe_plan_cgo_unwind(const struct gobin *bin, struct cgo_unwind *out);

/*
 * Adds the probe on plugin.open (PROBE_IMAGE_OPEN) when bin links package
 * plugin: its entry comes before dlopen maps a plugin (Go 1.19-1.27
 * plugin/plugin_dlopen.go open: realpath, the plugins map, then
 * pluginOpen's dlopen). Returns 0, -ENOENT when bin has no plugin.open
 * (nothing added), -E2BIG when the plan is full, -ENOEXEC with a reason in
 * err.
 */
int probe_plan_add_image_open(const struct gobin *bin, struct probe_plan *plan, char *err,
			      size_t errlen);

#endif

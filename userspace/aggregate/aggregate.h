/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a trace adds up to, before any symbol is looked up: allocations and
 * stack growths per unique user stack (raw PCs of the traced process), GC
 * cycles, stack growths joined from morestack and copystack, and the lost
 * event counters. Fed by events.c; read by the outputs.
 */
#ifndef GOMEMTRACE_AGGREGATE_H
#define GOMEMTRACE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counts for one unique stack and tag. For allocations: objects and bytes,
 * tagged with their type; for stack growths: events and bytes added to
 * stacks (new size - old size), tag 0. */
struct stack_count {
	uint64_t hash;
	uint32_t nframes;
	uint64_t *frames;	/* leaf first, runtime PCs as walked */
	uint64_t tag;		/* allocations: the *_type argument (runtime
				 * address), 0 for none */
	uint64_t count;
	uint64_t bytes;
	uint64_t samples;	/* default mode: probe hits behind count */
	/* Runtime heap profile (allocs only): live objects and bytes. */
	uint64_t inuse_count, inuse_bytes;
};

/*
 * The PC of the frame that marks a folded stack: past the distinct-stack
 * bound (aggregate.max_stacks), a new stack keeps only its innermost
 * FOLD_FRAMES frames and this one after them; past a quarter more, only
 * this one. Never a real PC (the zero page is never mapped).
 */
#define STACK_FOLDED_PC 0x1
/*
 * The first frame of a stack that is a record of the runtime's own heap
 * profile (a bucket's PCs, all return addresses, as runtime.MemProfile
 * gives them): already cut and elided by the runtime, so symbolized as is
 * (symbolizer_profile_stack). Never a real PC.
 */
#define STACK_RECORD_PC 0x2
#define FOLD_FRAMES 8
#define FOLDED_FUNCTION "[folded stacks]"

struct stack_table {
	struct stack_count *entries;	/* dense, in insertion order */
	size_t len, cap;
	uint32_t *slots;		/* open addressing: index + 1, 0 = free */
	size_t nslots;
};

enum gc_trigger {
	GC_TRIGGER_HEAP = 0,
	GC_TRIGGER_TIME = 1,
	GC_TRIGGER_FORCED = 2,	/* gcTriggerCycle: runtime.GC, debug.FreeOSMemory */
};

struct gc_cycle {
	uint32_t cycle;		/* the runtime's cycle number (gctrace's "gc N") */
	uint32_t trigger;	/* enum gc_trigger, or another value as seen */
	uint64_t start_ns;	/* CLOCK_MONOTONIC; 0 if started before the trace */
	uint64_t end_ns;	/* 0 if not finished within the trace */
};

/* The last morestack of a goroutine (by g address), waiting for the
 * copystack that grows its stack. */
struct pending_growth {
	uint64_t g;		/* 0: free slot */
	uint64_t goid;
	size_t stack;		/* index into aggregate.morestacks */
	bool waiting;		/* false once a copystack used it */
};

/* One stack growth, as it happened. */
struct growth_event {
	uint64_t ts;
	uint64_t goid;		/* 0 if its morestack was not seen */
	uint64_t old_size, new_size;
	size_t stack;		/* index into aggregate.growths */
};

#define GROWTH_LOG_MAX 100000

/* One allocation of at least aggregate.large_alloc_bytes, as it happened
 * (the timeline's instants). */
struct large_alloc {
	uint64_t ts;		/* CLOCK_MONOTONIC */
	uint64_t size;		/* bytes, as requested of the runtime */
	uint64_t typ;		/* *_type argument (runtime address), 0 for none */
	bool have_type;		/* false: the probe does not see it (samples) */
	uint64_t goid;		/* 0: unknown */
	uint32_t tid;		/* 0: unknown */
	size_t stack;		/* index into aggregate.large_stacks */
};

#define LARGE_ALLOC_LOG_MAX 10000

/* The runtime's heap as read from the target's memory (no probe) at one
 * moment: the timeline's counter tracks and GC cycles' heap figures. */
struct heap_sample {
	uint64_t ts;		/* CLOCK_MONOTONIC of the read */
	uint32_t numgc;		/* cycles completed then (memstats.numgc) */
	bool have_numgc, have_live, have_marked, have_goal;
	uint64_t heap_live;	/* bytes: gcController.heapLive */
	uint64_t heap_marked;	/* bytes marked by cycle numgc: its live heap */
	uint64_t heap_goal;	/* bytes: the goal of cycle numgc + 1 (NextGC) */
};

#define HEAP_SAMPLES_MAX 100000

struct aggregate {
	int go_minor;			/* size accounting follows the version */
	unsigned build_modes;		/* and the sanitizer build modes (GO_BUILD_*) */
	unsigned experiments;		/* and GOEXPERIMENTs (aggregate/sizeclass.h GO_EXP_*) */
	struct stack_table allocs;
	struct stack_table growths;
	uint64_t alloc_objects, alloc_bytes;
	uint64_t tiny_objects;		/* included in alloc_objects */
	uint64_t growth_events, growth_bytes;
	/* Growths whose morestack was not recorded (before the recording
	 * began or resumed, or lost): counted here only, not in growth_events,
	 * growth_bytes, the log or the growths table. */
	uint64_t growth_unattributed, growth_unattributed_bytes;
	uint64_t shrink_events, shrink_bytes;
	struct growth_event *growth_log;
	size_t growth_log_len, growth_log_cap;
	uint64_t growth_log_dropped;
	struct gc_cycle *gc;
	size_t gc_len, gc_cap;
	struct stack_table morestacks;	/* stacks seen at morestack */
	struct pending_growth *pending;	/* open addressing on g */
	size_t pending_used, pending_slots;
	uint64_t first_ns, last_ns;	/* timestamps of the first and last event */
	uint64_t bad_events;		/* malformed ring buffer records */
	/* Bounded memory: distinct stacks per table (0: no bound), and what
	 * went past it (see STACK_FOLDED_PC). */
	size_t max_stacks;
	uint64_t folded_objects;	/* allocations counted on a folded stack */
	uint64_t folded_events;		/* morestacks and growths likewise */
	uint64_t memory_failures;	/* events dropped: out of memory (counted) */
	/* Default mode's samples before scaling (aggregate/sampled.h): tag
	 * the span class, or SAMPLE_TAG_LARGE; count the objects they stand
	 * for, bytes those objects' bytes; samples the hits. */
	struct stack_table samples;
	uint64_t sample_hits;
	/* Samples since the last aggregate_commit_samples: they count once
	 * the runtime's counters were read after them. */
	struct stack_table pending_samples;
	uint64_t pending_hits;
	/* The image (an exec of the target starts a new one) the frames and
	 * types added now come from: image << IMAGE_SHIFT, or'ed into each
	 * PC and type address stored (see image_of). 0: the first image. */
	uint64_t image_tag;
	/* Allocations of at least large_alloc_bytes (0: none kept), the first
	 * LARGE_ALLOC_LOG_MAX one by one, the rest counted; their stacks. */
	uint64_t large_alloc_bytes;
	/* Large allocation samples are the timeline's only: the sites come
	 * from the runtime's heap profile (PLAN_ALLOC_LARGE). */
	bool large_timeline_only;
	struct large_alloc *large_allocs;
	size_t large_allocs_len, large_allocs_cap;
	uint64_t large_allocs_dropped;
	uint64_t large_samples;		/* default mode: large allocation samples
					 * seen, of any size */
	struct stack_table large_stacks;
	/* Reads of the runtime's heap, the first HEAP_SAMPLES_MAX kept. */
	struct heap_sample *heap_samples;
	size_t heap_samples_len, heap_samples_cap;
	uint64_t heap_samples_dropped;
};

/*
 * Addresses of the target's images: user-space addresses are below 2^56 on
 * amd64, so the bits above tell which image (the target before its first
 * exec: 0, after it: 1, ...) a stored PC or type address belongs to, and
 * each symbolizes against its own binary and load bias.
 */
#define IMAGE_SHIFT 56
#define IMAGE_ADDR_MASK ((1ULL << IMAGE_SHIFT) - 1)
static inline uint32_t image_of(uint64_t addr)
{
	return (uint32_t)(addr >> IMAGE_SHIFT);
}

/* The tag of large allocation samples (span classes are below 256). */
#define SAMPLE_TAG_LARGE 0x100

void aggregate_init(struct aggregate *agg, int go_minor);
void aggregate_free(struct aggregate *agg);

/* objects allocations of the requested size (bytes) and type typ (the
 * runtime address of its _type, 0 for none) by a probe of kind probe (enum
 * alloc_probe_kind) with flags ALLOC_F_*, at one stack. Returns 0 or
 * -ENOMEM. */
int aggregate_alloc(struct aggregate *agg, uint8_t probe, uint8_t flags, uint64_t size,
		    uint64_t typ, const uint64_t *frames, uint32_t nframes, uint64_t objects);
/* A sample of the default mode (probe ALLOC_PROBE_REFILL: size is the span
 * class; ALLOC_PROBE_ALLOC_LARGE: size in bytes as requested;
 * ALLOC_PROBE_ARENA_CHUNK: a user arena chunk, size as the runtime counts it,
 * a large allocation for the scaling) standing for objects allocations, at
 * one stack: into agg->samples. 0 or -ENOMEM. */
int aggregate_sample(struct aggregate *agg, uint8_t probe, uint64_t size,
		     const uint64_t *frames, uint32_t nframes, uint64_t objects);
/* One record of the runtime's heap profile, unscaled already: into
 * agg->allocs under STACK_RECORD_PC + pcs, with its live objects and
 * bytes; the totals are not touched. 0 or -ENOMEM. */
int aggregate_profile_record(struct aggregate *agg, const uint64_t *pcs, uint32_t npcs,
			     uint64_t objects, uint64_t bytes, uint64_t inuse_objects,
			     uint64_t inuse_bytes);
/* Moves the pending samples into agg->samples (the runtime's counters
 * were read after them). 0 or -ENOMEM. */
int aggregate_commit_samples(struct aggregate *agg);
/* Drops the pending samples; returns how many hits they were. */
uint64_t aggregate_discard_samples(struct aggregate *agg);
/* An estimated count (scaled samples) for one stack: into agg->allocs,
 * without touching the totals. 0 or -ENOMEM. */
int aggregate_alloc_estimate(struct aggregate *agg, const uint64_t *frames, uint32_t nframes,
			     uint64_t objects, uint64_t bytes, uint64_t samples);
/* One allocation of size bytes (as requested) at ts, of type typ (when
 * have_type), by goroutine goid on thread tid (0: unknown), at one stack:
 * kept when size >= agg->large_alloc_bytes (else ignored). 0 or -ENOMEM. */
int aggregate_large_alloc(struct aggregate *agg, uint64_t ts, uint64_t size, uint64_t typ,
			  bool have_type, uint64_t goid, uint32_t tid, const uint64_t *frames,
			  uint32_t nframes);
/* A read of the runtime's heap, in time order. 0 or -ENOMEM. */
int aggregate_heap_sample(struct aggregate *agg, const struct heap_sample *h);
int aggregate_gc_start(struct aggregate *agg, uint64_t ts, uint32_t cycle, uint32_t trigger);
int aggregate_gc_end(struct aggregate *agg, uint64_t ts, uint32_t numgc);
int aggregate_morestack(struct aggregate *agg, uint64_t ts, uint64_t g, uint64_t goid,
			const uint64_t *frames, uint32_t nframes);
int aggregate_copystack(struct aggregate *agg, uint64_t ts, uint64_t g,
			uint64_t old_size, uint64_t new_size);

/* Adds count/bytes to the entry for this stack, creating it. */
int stack_table_add(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
		    uint64_t count, uint64_t bytes);
/* The same, and the index of the entry in t->entries. */
int stack_table_add_at(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
		       uint64_t count, uint64_t bytes, size_t *index);
/* The same for the entry of (stack, tag); index may be NULL. */
/* As stack_table_add_tagged, but a new stack past limit entries (0: no
 * limit) is not added: -ENOSPC. */
int stack_table_add_limited(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
			    uint64_t tag, uint64_t count, uint64_t bytes, size_t *index,
			    size_t limit);
int stack_table_add_tagged(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
			   uint64_t tag, uint64_t count, uint64_t bytes, size_t *index);
void stack_table_free(struct stack_table *t);

const char *gc_trigger_name(uint32_t trigger);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime's own heap profile (target/memprof.h) read at the start and
 * the end of a trace, turned into per-stack counts: see heap_profile.c.
 */
#ifndef GOMEMTRACE_HEAP_PROFILE_H
#define GOMEMTRACE_HEAP_PROFILE_H

#include <stdint.h>

#include "aggregate/aggregate.h"
#include "target/memprof.h"

struct heap_profile_totals {
	uint64_t records;		/* buckets with something to show */
	uint64_t alloc_objects, alloc_bytes;	/* scaled, over the window */
	uint64_t inuse_objects, inuse_bytes;	/* scaled, live at the end */
	uint64_t sampled_allocs;	/* unscaled samples over the window */
};

/*
 * Adds each bucket of end to agg->allocs (aggregate_profile_record): its
 * allocations since start (the same bucket, by address, in start; NULL or
 * absent: all of them), and its live objects at end (allocs - frees, the
 * runtime's in-use figures as of the last GC), each scaled as runtime/pprof
 * does at rate (MemProfileRate) for Go 1.(minor - 100) (memprof_scale).
 * Returns 0 or -ENOMEM.
 */
int heap_profile_merge(struct aggregate *agg, int minor, int64_t rate,
		       const struct memprof *start, const struct memprof *end,
		       struct heap_profile_totals *out);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The default mode's sampled allocations scaled to the runtime's exact
 * totals: see sampled.c.
 */
#ifndef GOMEMTRACE_SAMPLED_H
#define GOMEMTRACE_SAMPLED_H

#include <stdbool.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "aggregate/sizeclass.h"

/*
 * What the runtime counted over the trace (differences of
 * memstats.heapStats between its start and its stop, as
 * target/runtime_state.h reads them).
 */
struct sampled_truth {
	uint64_t small_objects[GO_NUM_SIZE_CLASSES];	/* objects per size class */
	uint64_t tiny_objects;		/* tiny allocations packed into a block
					 * already counted (tinyAllocCount) */
	uint64_t large_objects;		/* largeAllocCount */
	uint64_t large_bytes;		/* largeAlloc */
};

struct sampled_result {
	bool scaled;			/* to a truth; else the samples as they are */
	uint64_t objects, bytes;	/* attributed to stacks, after scaling */
	/* Allocations of size classes no sample saw (no site to give them). */
	uint64_t unattributed_objects, unattributed_bytes;
	uint64_t hits;			/* samples taken */
	uint64_t sampled_objects;	/* objects the samples stood for, unscaled */
};

/*
 * Turns agg->samples into estimated counts per stack in agg->allocs: each
 * sample's objects times (the runtime's count for its size class / the
 * objects all samples of the class stood for), tiny allocations spread over
 * the tiny block class's samples, large allocations scaled likewise by
 * their count and bytes. With truth, agg->alloc_objects and alloc_bytes
 * become the runtime's exact totals (MemStats.Mallocs and TotalAlloc over
 * the trace); without, the samples' own sums. Returns 0 or -ENOMEM.
 */
int sampled_scale(struct aggregate *agg, const struct sampled_truth *truth,
		  struct sampled_result *out);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Ring buffer records into the aggregate: see events.c. */
#ifndef GOMEMTRACE_EVENTS_H
#define GOMEMTRACE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "binary/gobinary.h"
#include "probes/memtrace_types.h"

/* ring_buffer callback; ctx is a struct aggregate. Returns 0 or a negative
 * errno (-ENOMEM). */
int events_handle(void *ctx, void *data, size_t len);

/* Where the allocation counts of the BPF maps go, and what resolving their
 * keys needs: types in the binary's file image are read from the file. */
struct alloc_reader {
	struct aggregate *agg;
	const struct gobin *bin;
	uint64_t load_bias;		/* of the traced image */
	uint32_t type_ptrdata;		/* offset of _type.ptrdata (go_layout) */
};

/* memtrace_alloc_count_fn: objects allocated at key's stack and size; stack
 * NULL when its frames were not found, and a type that cannot be read, are
 * counted as bad events (the objects still count). ctx is a struct
 * alloc_reader. Returns 0 or a negative errno. */
int events_alloc_count(void *ctx, const struct alloc_key *key, const struct user_stack *stack,
		       uint64_t objects);

#endif

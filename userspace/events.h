/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Ring buffer records into the aggregate: see events.c. */
#ifndef GOMEMTRACE_EVENTS_H
#define GOMEMTRACE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "memtrace_types.h"

/* ring_buffer callback; ctx is a struct aggregate. Returns 0 or a negative
 * errno (-ENOMEM). */
int events_handle(void *ctx, void *data, size_t len);

/* memtrace_alloc_count_fn: objects allocated at key's stack and size; stack
 * NULL when its frames were not found (counted as a bad event). ctx is a
 * struct aggregate. Returns 0 or a negative errno. */
int events_alloc_count(void *ctx, const struct alloc_key *key, const struct user_stack *stack,
		       uint64_t objects);

#endif

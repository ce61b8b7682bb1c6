/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-stack counts folded into per-site counts: see sites.c. */
#ifndef GOMEMTRACE_SITES_H
#define GOMEMTRACE_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "aggregate/symbolize.h"

struct site {
	const char *function;
	const char *file;
	uint32_t line;
	uint64_t count;		/* objects, or growth events */
	uint64_t bytes;
	uint64_t samples;	/* default mode: the samples behind the estimate */
};

struct site_list {
	struct site *sites;
	size_t len;
};

/* Allocation sites: first frame outside package runtime, by (function,
 * file, line), sorted by bytes, then objects, then name. */
int sites_alloc(const struct stack_table *t, struct symbolizer *s, struct site_list *out);
/* Stack growth sites: the function whose prologue overflowed (the stack's
 * first frame), sorted by events, then bytes, then name. */
int sites_growth(const struct stack_table *t, struct symbolizer *s, struct site_list *out);
void site_list_free(struct site_list *l);

#endif

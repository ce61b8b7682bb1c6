// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which frames of a stack entry the outputs show, one rule for every output
 * that prints stacks (heap.pb.gz, stack.pb.gz, heap.folded, stack.folded),
 * so that they agree frame for frame.
 */
#include "outputs/report.h"

int report_stack_locations(struct symbolizer *sym, const struct stack_count *e, bool alloc,
			   struct profile_stack *out)
{
	if (alloc)
		return symbolizer_profile_stack(sym, e->frames, e->nframes, out);
	return symbolizer_full_stack(sym, e->frames, e->nframes, 1, out);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which frames of a stack entry the outputs show, one rule for every output
 * that prints stacks (heap.pb.gz, stack.pb.gz, heap.folded, stack.folded),
 * so that they agree frame for frame.
 */
#include "report.h"

void report_stack_view(struct symbolizer *sym, const struct stack_count *e, bool alloc,
		       struct stack_view *v)
{
	v->first = 0;
	v->len = e->nframes;
	v->depth0 = 1;
	if (!alloc)
		return;
	v->len = symbolizer_stack_len(sym, e->frames, e->nframes);
	v->first = symbolizer_first_user_pc(sym, e->frames, v->len);
	if (v->first == v->len)
		v->first = 0;
	v->depth0 = 0;
}

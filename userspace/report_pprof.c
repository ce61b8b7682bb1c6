// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * heap.pb.gz: the allocations as a pprof profile (alloc_objects/count,
 * alloc_space/bytes), one sample per unique stack, every frame symbolized
 * with inlined calls. Leading frames in package runtime are hidden, as the
 * Go runtime's own heap profile (runtime/pprof) hides them, unless the
 * whole stack is the runtime's (symbolize.c has the rules).
 */
#include <errno.h>
#include <stdlib.h>

#include "pprof.h"
#include "report.h"

#define MAX_LINES 32

static int add_stack(struct pprof_writer *w, struct symbolizer *sym,
		     const struct stack_count *e, uint64_t *ids)
{
	uint32_t len = symbolizer_stack_len(sym, e->frames, e->nframes);
	uint32_t first = symbolizer_first_user_pc(sym, e->frames, len), n = 0;

	if (first == len)
		first = 0;

	for (uint32_t i = first; i < len; i++) {
		struct pprof_line lines[MAX_LINES];
		const struct gobin_frame *frames;
		int nf = symbolizer_frames(sym, e->frames[i], i, &frames);
		int ret;

		if (nf > MAX_LINES)
			nf = MAX_LINES;
		for (int j = 0; j < nf; j++) {
			lines[j].function = frames[j].function;
			lines[j].file = frames[j].file ? frames[j].file : "";
			lines[j].line = frames[j].line;
		}
		ret = pprof_add_location(w, e->frames[i], lines, nf, &ids[n]);
		if (ret)
			return ret;
		n++;
	}
	return n;
}

int report_write_pprof(const struct report *r, int fd)
{
	const struct stack_table *t = &r->agg->allocs;
	struct pprof_writer *w = pprof_writer_new();
	uint64_t ids[256];
	int ret;

	if (!w)
		return -ENOMEM;
	ret = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!ret)
		ret = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!ret)
		ret = pprof_set_period(w, "space", "bytes", 1);
	if (!ret)
		ret = pprof_set_time(w, r->start_wall_ns, r->duration_ns);
	if (!ret) {
		uint64_t start = r->load_bias + gobin_first_load_vaddr(r->bin);

		ret = pprof_set_mapping(w, start, UINT64_MAX, 0, r->exe, "");
	}
	for (size_t i = 0; !ret && i < t->len; i++) {
		const struct stack_count *e = &t->entries[i];
		int64_t values[2] = { (int64_t)e->count, (int64_t)e->bytes };
		int n = add_stack(w, r->sym, e, ids);

		if (n < 0)
			ret = n;
		else
			ret = pprof_add_sample(w, ids, n, values);
	}
	if (!ret)
		ret = pprof_write_fd(w, fd);
	pprof_writer_free(w);
	return ret;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * heap.pb.gz: the allocations as a pprof profile (alloc_objects/count,
 * alloc_space/bytes), one sample per unique stack, every frame symbolized
 * with inlined calls, each stack as runtime/pprof writes the runtime's own
 * heap profile (symbolizer_profile_stack has the rules: leading runtime
 * frames hidden, wrappers elided, the names runtime/pprof uses).
 */
#include <errno.h>
#include <stdlib.h>

#include "pprof.h"
#include "report.h"

#define MAX_LINES 32

static int add_stack(struct pprof_writer *w, struct symbolizer *sym,
		     const struct stack_count *e, uint64_t *ids, uint32_t max)
{
	struct profile_stack st;
	uint32_t n = 0;
	int ret;

	ret = symbolizer_profile_stack(sym, e->frames, e->nframes, &st);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < st.nlocs && n < max; i++) {
		const struct profile_location *loc = &st.locs[i];
		struct pprof_line lines[MAX_LINES];
		uint32_t nf = loc->nframes < MAX_LINES ? loc->nframes : MAX_LINES;

		for (uint32_t j = 0; j < nf; j++) {
			lines[j].function = loc->frames[j].symbol;
			lines[j].file = loc->frames[j].file ? loc->frames[j].file : "";
			lines[j].line = loc->frames[j].line;
		}
		ret = pprof_add_location(w, loc->pc, lines, nf, &ids[n]);
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
		int n = add_stack(w, r->sym, e, ids, sizeof(ids) / sizeof(ids[0]));

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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pprof profiles, one sample per unique stack, every frame symbolized
 * with inlined calls, the stacks as report_stack_locations() gives them:
 *   heap.pb.gz   allocations (alloc_objects/count, alloc_space/bytes), each
 *                stack as runtime/pprof writes the runtime's own heap
 *                profile (symbolizer_profile_stack has the rules: leading
 *                runtime frames hidden, wrappers elided, the names
 *                runtime/pprof uses). Each sample has a string label
 *                `type`: the allocated type's name (alloc_types.h), so that
 *                `pprof -tags` lists bytes per type and `-tagfocus=type=...`
 *                selects one.
 *   stack.pb.gz  stack growths (growths/count, stack_bytes/bytes: bytes added
 *                by growing, new size - old size), by the stack of the
 *                function whose prologue overflowed, that function first.
 *                Every frame is a return address (the first one of its
 *                morestack call); none is hidden.
 */
#include <errno.h>
#include <stdlib.h>

#include "outputs/pprof.h"
#include "outputs/report.h"

#define MAX_LINES 32
#define MAX_LOCATIONS 256	/* per sample; stacks hold at most MAX_STACK_DEPTH */

/* What differs between the profiles; the rest is shared. */
struct profile_kind {
	const char *types[4][2];	/* sample types: {type, unit} */
	int ntypes;
	const char *period_type;
	bool alloc_stacks;		/* leaf is the probed PC; hide the runtime;
					 * tags are types */
	const struct stack_table *(*table)(const struct aggregate *agg);
};

/* Locations of one stack, leaf first, into ids; returns their number. */
static int add_stack(struct pprof_writer *w, struct symbolizer *sym,
		     const struct profile_kind *k, const struct stack_count *e,
		     uint64_t *ids, uint32_t max)
{
	struct profile_stack st;
	uint32_t n = 0;
	int ret;

	ret = report_stack_locations(sym, e, k->alloc_stacks, &st);
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

static int write_profile(const struct report *r, const struct profile_kind *k, int fd)
{
	const struct stack_table *t = k->table(r->agg);
	struct pprof_writer *w = pprof_writer_new();
	uint64_t ids[MAX_LOCATIONS];
	int ret = 0;

	if (!w)
		return -ENOMEM;
	for (int i = 0; i < k->ntypes && !ret; i++)
		ret = pprof_add_sample_type(w, k->types[i][0], k->types[i][1]);
	if (!ret)
		ret = pprof_set_period(w, k->period_type, "bytes", 1);
	if (!ret)
		ret = pprof_set_time(w, r->start_wall_ns, r->duration_ns);
	if (!ret) {
		uint64_t start = r->load_bias + gobin_first_load_vaddr(r->bin);

		ret = pprof_set_mapping(w, start, UINT64_MAX, 0, r->exe, "");
	}
	/* Each Go plugin's file image: its own mapping. */
	for (int i = 0; !ret && i < r->nplugins; i++)
		if (r->plugins[i].limit > r->plugins[i].start)
			ret = pprof_add_mapping(w, r->plugins[i].start, r->plugins[i].limit, 0,
						r->plugins[i].path, "");
	for (size_t i = 0; !ret && i < t->len; i++) {
		const struct stack_count *e = &t->entries[i];
		int64_t values[4] = { (int64_t)e->count, (int64_t)e->bytes,
				      (int64_t)e->inuse_count, (int64_t)e->inuse_bytes };
		int n = add_stack(w, r->sym, k, e, ids, sizeof(ids) / sizeof(ids[0]));
		struct pprof_label type = { .key = "type" };

		if (n < 0) {
			ret = n;
		} else if (k->alloc_stacks && !r->sampling.present) {
			type.str = type_namer_name(r->types, e->tag);
			ret = pprof_add_sample_labels(w, ids, n, values, &type, 1);
		} else {
			ret = pprof_add_sample(w, ids, n, values);
		}
	}
	if (!ret)
		ret = pprof_write_fd(w, fd);
	pprof_writer_free(w);
	return ret;
}

static const struct stack_table *alloc_table(const struct aggregate *agg)
{
	return &agg->allocs;
}

static const struct stack_table *growth_table(const struct aggregate *agg)
{
	return &agg->growths;
}

int report_write_pprof(const struct report *r, int fd)
{
	static const struct profile_kind heap = {
		.types = { { "alloc_objects", "count" }, { "alloc_space", "bytes" } },
		.ntypes = 2,
		.period_type = "space",
		.alloc_stacks = true,
		.table = alloc_table,
	};
	/* From the runtime's own heap profile: runtime/pprof's four types. */
	static const struct profile_kind heap_inuse = {
		.types = { { "alloc_objects", "count" }, { "alloc_space", "bytes" },
			   { "inuse_objects", "count" }, { "inuse_space", "bytes" } },
		.ntypes = 4,
		.period_type = "space",
		.alloc_stacks = true,
		.table = alloc_table,
	};

	return write_profile(r, r->inuse ? &heap_inuse : &heap, fd);
}

int report_write_stack_pprof(const struct report *r, int fd)
{
	static const struct profile_kind stack = {
		.types = { { "growths", "count" }, { "stack_bytes", "bytes" } },
		.ntypes = 2,
		.period_type = "stack_bytes",
		.table = growth_table,
	};

	return write_profile(r, &stack, fd);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * From the runtime's heap profile to per-stack counts. Buckets are never
 * freed or moved (runtime/mprof.go), so a bucket's address names its stack
 * for the life of the process: a trace's allocations per stack are the
 * difference of its counts between two reads, its live objects those of
 * the last read. Both are samples (one per MemProfileRate bytes on
 * average), scaled as runtime/pprof's writeHeapProto scales them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/heap_profile.h"

/* Open addressing on bucket addresses: index + 1 into start->records. */
struct addr_index {
	uint32_t *slots;
	size_t nslots;
};

static size_t addr_slot(uint64_t addr, size_t nslots)
{
	addr *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(addr >> 17) & (nslots - 1);
}

static int index_build(struct addr_index *ix, const struct memprof *p)
{
	size_t n = 16;

	while (p && n < p->count * 2)
		n *= 2;
	ix->nslots = n;
	ix->slots = calloc(n, sizeof(*ix->slots));
	if (!ix->slots)
		return -ENOMEM;
	for (size_t i = 0; p && i < p->count; i++) {
		size_t s = addr_slot(p->records[i].addr, n);

		while (ix->slots[s])
			s = (s + 1) & (n - 1);
		ix->slots[s] = (uint32_t)(i + 1);
	}
	return 0;
}

static const struct memprof_record *index_find(const struct addr_index *ix,
					       const struct memprof *p, uint64_t addr)
{
	for (size_t s = addr_slot(addr, ix->nslots); ix->slots[s];
	     s = (s + 1) & (ix->nslots - 1))
		if (p->records[ix->slots[s] - 1].addr == addr)
			return &p->records[ix->slots[s] - 1];
	return NULL;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int heap_profile_merge(struct aggregate *agg, int minor, int64_t rate,
		       const struct memprof *start, const struct memprof *end,
		       struct heap_profile_totals *out)
{
	struct addr_index ix = {};
	int ret;

	memset(out, 0, sizeof(*out));
	if (!end)
		return 0;
	if (start && start->count > UINT32_MAX - 1)
		return -E2BIG;
	ret = index_build(&ix, start);
	if (ret)
		return ret;
	for (size_t i = 0; i < end->count; i++) {
		const struct memprof_record *e = &end->records[i];
		const struct memprof_record *b = start ? index_find(&ix, start, e->addr) : NULL;
		struct memprof_record window = *e;
		struct memprof_scaled alloc, live;

		/* The window's allocations: the difference of the two reads. */
		if (b) {
			window.allocs = sub(e->allocs, b->allocs);
			window.alloc_bytes = sub(e->alloc_bytes, b->alloc_bytes);
		}
		window.frees = window.free_bytes = 0;
		memprof_scale_record(minor, &window, rate, &alloc);
		memprof_scale_record(minor, e, rate, &live);
		if (alloc.alloc_objects <= 0 && live.inuse_objects <= 0)
			continue;
		if (alloc.alloc_objects < 0)
			alloc.alloc_objects = alloc.alloc_bytes = 0;
		if (live.inuse_objects < 0)
			live.inuse_objects = live.inuse_bytes = 0;
		out->records++;
		out->sampled_allocs += window.allocs;
		out->alloc_objects += (uint64_t)alloc.alloc_objects;
		out->alloc_bytes += (uint64_t)alloc.alloc_bytes;
		out->inuse_objects += (uint64_t)live.inuse_objects;
		out->inuse_bytes += (uint64_t)live.inuse_bytes;
		ret = aggregate_profile_record(agg, e->pcs, e->npcs, (uint64_t)alloc.alloc_objects,
					       (uint64_t)alloc.alloc_bytes,
					       (uint64_t)live.inuse_objects,
					       (uint64_t)live.inuse_bytes);
		if (ret == -ENOMEM) {
			agg->memory_failures++;
			ret = 0;
		} else if (ret) {
			break;
		}
	}
	free(ix.slots);
	return ret;
}

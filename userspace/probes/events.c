// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Consumes what the probes produced: ring buffer records, checked against
 * their type's length (a short or unknown record is counted, never trusted),
 * and the allocation counts kept in BPF maps. Feeds the aggregate.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "aggregate/aggregate.h"
#include "probes/events.h"
#include "probes/memtrace_types.h"

static bool frames_fit(size_t len, size_t fixed, uint32_t nframes)
{
	return nframes <= MAX_STACK_DEPTH && len >= fixed + nframes * sizeof(__u64);
}

int events_handle(void *ctx, void *data, size_t len)
{
	struct aggregate *agg = ctx;
	const struct event_header *hdr = data;
	int ret = 0;

	if (len < sizeof(*hdr))
		goto bad;
	switch (hdr->type) {
	case EVENT_ALLOC: {
		const struct alloc_event *e = data;

		if (len < EVENT_FIXED_SIZE(alloc_event) ||
		    !frames_fit(len, EVENT_FIXED_SIZE(alloc_event), e->stack.nframes))
			goto bad;
		/* The default mode's large allocation samples are each one
		 * allocation: the timeline's, without their type; sites
		 * too, unless the runtime's heap profile has them. */
		if (e->key.probe == ALLOC_PROBE_ALLOC_LARGE && agg->large_timeline_only)
			ret = 0;
		else
			ret = aggregate_alloc(agg, e->key.probe, e->key.flags, e->key.size,
					      e->key.typ, (const uint64_t *)e->stack.frames,
					      e->stack.nframes, e->objects);
		if (e->key.probe == ALLOC_PROBE_ALLOC_LARGE)
			agg->large_samples++;
		if (!ret && e->key.probe == ALLOC_PROBE_ALLOC_LARGE)
			ret = aggregate_large_alloc(agg, hdr->ts, e->key.size, 0, false, 0, 0,
						    (const uint64_t *)e->stack.frames,
						    e->stack.nframes);
		break;
	}
	case EVENT_LARGE_ALLOC: {
		const struct large_alloc_event *e = data;

		if (len < EVENT_FIXED_SIZE(large_alloc_event) ||
		    !frames_fit(len, EVENT_FIXED_SIZE(large_alloc_event), e->nframes))
			goto bad;
		ret = aggregate_large_alloc(agg, hdr->ts, e->size, e->typ, true, e->goid, e->tid,
					    (const uint64_t *)e->frames, e->nframes);
		break;
	}
	case EVENT_GC_START: {
		const struct gc_start_event *e = data;

		if (len < sizeof(*e))
			goto bad;
		ret = aggregate_gc_start(agg, hdr->ts, e->cycle, e->trigger);
		break;
	}
	case EVENT_GC_END: {
		const struct gc_end_event *e = data;

		if (len < sizeof(*e))
			goto bad;
		ret = aggregate_gc_end(agg, hdr->ts, e->numgc);
		break;
	}
	case EVENT_MORESTACK: {
		const struct morestack_event *e = data;

		if (len < EVENT_FIXED_SIZE(morestack_event) ||
		    !frames_fit(len, EVENT_FIXED_SIZE(morestack_event), e->nframes))
			goto bad;
		ret = aggregate_morestack(agg, hdr->ts, e->g, e->goid,
					  (const uint64_t *)e->frames, e->nframes);
		break;
	}
	case EVENT_COPYSTACK: {
		const struct copystack_event *e = data;

		if (len < sizeof(*e))
			goto bad;
		ret = aggregate_copystack(agg, hdr->ts, e->g, e->old_size, e->new_size);
		break;
	}
	default:
		goto bad;
	}
	/* Out of memory: this event is lost, counted; the trace goes on and
	 * its outputs are still written. */
	if (ret == -ENOMEM) {
		agg->memory_failures++;
		ret = 0;
	}
	return ret;
bad:
	agg->bad_events++;
	return 0;
}

int events_alloc_count(void *ctx, const struct alloc_key *key, const struct user_stack *stack,
		       uint64_t objects)
{
	const struct alloc_reader *rd = ctx;
	uint8_t flags = key->flags & ALLOC_F_SCAN;
	static const struct user_stack none;
	int ret;

	/* Counted without a stack (STACK_ID_NONE: reported by the probes'
	 * counter), or whose frames are missing, which never should be. */
	if (!stack || stack->nframes > MAX_STACK_DEPTH) {
		if (key->stack_id != STACK_ID_NONE)
			rd->agg->bad_events++;
		stack = &none;
	}
	if (key->flags & ALLOC_F_TYPE_IN_IMAGE) {
		const uint8_t *p = gobin_read(rd->bin, key->typ - rd->load_bias + rd->type_ptrdata,
					      sizeof(uint64_t));
		uint64_t ptrdata;

		if (p) {
			memcpy(&ptrdata, p, sizeof(ptrdata));
			if (ptrdata)
				flags |= ALLOC_F_SCAN;
		} else {
			rd->agg->bad_events++;
		}
	}
	ret = aggregate_alloc(rd->agg, key->probe, flags, key->size, key->typ,
			      (const uint64_t *)stack->frames, stack->nframes, objects);
	if (ret == -ENOMEM) {
		/* Counted in the totals above; the stack entry is lost. */
		rd->agg->memory_failures++;
		ret = 0;
	}
	return ret;
}

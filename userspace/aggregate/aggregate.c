// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Adds up the trace: per-stack tables (open addressing over a dense array, so
 * outputs iterate in insertion order), GC cycles paired start to end, and
 * stack growths joined from the morestack that asked for them and the
 * copystack that did them. No symbols here: stacks stay raw PCs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/aggregate.h"
#include "probes/memtrace_types.h"
#include "aggregate/sizeclass.h"

static uint64_t hash_frames(const uint64_t *frames, uint32_t n, uint64_t tag)
{
	uint64_t h = (0xcbf29ce484222325ULL ^ n) + tag * 0x9e3779b97f4a7c15ULL;

	for (uint32_t i = 0; i < n; i++) {
		h ^= frames[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static int stack_table_grow_slots(struct stack_table *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++) {
		size_t s = t->entries[i].hash & (nslots - 1);

		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

int stack_table_add(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
		    uint64_t count, uint64_t bytes)
{
	return stack_table_add_at(t, frames, nframes, count, bytes, NULL);
}

int stack_table_add_at(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
		       uint64_t count, uint64_t bytes, size_t *index)
{
	return stack_table_add_tagged(t, frames, nframes, 0, count, bytes, index);
}

int stack_table_add_tagged(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
			   uint64_t tag, uint64_t count, uint64_t bytes, size_t *index)
{
	return stack_table_add_limited(t, frames, nframes, tag, count, bytes, index, 0);
}

int stack_table_add_limited(struct stack_table *t, const uint64_t *frames, uint32_t nframes,
			    uint64_t tag, uint64_t count, uint64_t bytes, size_t *index,
			    size_t limit)
{
	uint64_t h = hash_frames(frames, nframes, tag);
	struct stack_count *e;
	size_t s;
	int err;

	if ((t->len + 1) * 2 > t->nslots) {
		err = stack_table_grow_slots(t);
		if (err)
			return err;
	}
	for (s = h & (t->nslots - 1); t->slots[s]; s = (s + 1) & (t->nslots - 1)) {
		e = &t->entries[t->slots[s] - 1];
		if (e->hash == h && e->nframes == nframes && e->tag == tag &&
		    (!nframes || !memcmp(e->frames, frames, nframes * sizeof(*frames)))) {
			e->count += count;
			e->bytes += bytes;
			if (index)
				*index = t->slots[s] - 1;
			return 0;
		}
	}
	if (limit && t->len >= limit)
		return -ENOSPC;
	if (t->len == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct stack_count *entries = realloc(t->entries, cap * sizeof(*entries));

		if (!entries)
			return -ENOMEM;
		t->entries = entries;
		t->cap = cap;
	}
	e = &t->entries[t->len];
	e->frames = malloc(nframes ? nframes * sizeof(*frames) : 1);
	if (!e->frames)
		return -ENOMEM;
	if (nframes)	/* frames may be NULL then: memcpy's arguments must not */
		memcpy(e->frames, frames, nframes * sizeof(*frames));
	e->hash = h;
	e->tag = tag;
	e->nframes = nframes;
	e->count = count;
	e->bytes = bytes;
	e->samples = 0;
	e->inuse_count = e->inuse_bytes = 0;
	if (index)
		*index = t->len;
	t->slots[s] = ++t->len;
	return 0;
}

void stack_table_free(struct stack_table *t)
{
	for (size_t i = 0; i < t->len; i++)
		free(t->entries[i].frames);
	free(t->entries);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

void aggregate_init(struct aggregate *agg, int go_minor)
{
	memset(agg, 0, sizeof(*agg));
	agg->go_minor = go_minor;
}

void aggregate_free(struct aggregate *agg)
{
	if (!agg)
		return;
	stack_table_free(&agg->allocs);
	stack_table_free(&agg->growths);
	stack_table_free(&agg->morestacks);
	stack_table_free(&agg->samples);
	stack_table_free(&agg->pending_samples);
	stack_table_free(&agg->large_stacks);
	free(agg->large_allocs);
	free(agg->heap_samples);
	free(agg->growth_log);
	free(agg->gc);
	free(agg->pending);
	memset(agg, 0, sizeof(*agg));
}

static void seen(struct aggregate *agg, uint64_t ts)
{
	if (!agg->first_ns || ts < agg->first_ns)
		agg->first_ns = ts;
	if (ts > agg->last_ns)
		agg->last_ns = ts;
}

/*
 * The PCs of a stack as it comes from the target, marked with the current
 * image (agg->image_tag) into buf, which holds 1 + MAX_STACK_DEPTH; markers
 * (STACK_FOLDED_PC, STACK_RECORD_PC) stay as they are. Only where stacks
 * come in: stacks already stored are tagged.
 */
static const uint64_t *tag_frames(const struct aggregate *agg, const uint64_t *frames,
				  uint32_t nframes, uint64_t *buf)
{
	if (!agg->image_tag || nframes > 1 + MAX_STACK_DEPTH)
		return frames;
	for (uint32_t i = 0; i < nframes; i++)
		buf[i] = frames[i] <= STACK_RECORD_PC ? frames[i] : frames[i] | agg->image_tag;
	return buf;
}

/*
 * Adds to t within agg->max_stacks distinct stacks: past it, a new stack is
 * folded (STACK_FOLDED_PC); *folded counts what was. Returns 0 or -ENOMEM.
 */
static int add_bounded(struct aggregate *agg, struct stack_table *t, const uint64_t *frames,
		       uint32_t nframes, uint64_t tag, uint64_t count, uint64_t bytes,
		       size_t *index, uint64_t *folded)
{
	uint64_t fold[FOLD_FRAMES + 1];
	size_t max = agg->max_stacks;
	uint32_t n = nframes < FOLD_FRAMES ? nframes : FOLD_FRAMES;
	int ret;

	ret = stack_table_add_limited(t, frames, nframes, tag, count, bytes, index, max);
	if (ret != -ENOSPC)
		return ret;
	*folded += count;
	memcpy(fold, frames, n * sizeof(*fold));
	fold[n++] = STACK_FOLDED_PC;
	ret = stack_table_add_limited(t, fold, n, tag, count, bytes, index, max + max / 4);
	if (ret != -ENOSPC)
		return ret;
	fold[0] = STACK_FOLDED_PC;
	return stack_table_add_limited(t, fold, 1, tag, count, bytes, index, 0);
}

/* Pages of a large allocation: (*mcache).allocLarge rounds up to 8 KiB. */
#define GO_PAGE_SIZE 8192

int aggregate_sample(struct aggregate *agg, uint8_t probe, uint64_t size,
		     const uint64_t *frames, uint32_t nframes, uint64_t objects)
{
	uint64_t tag, bytes, tagged[1 + MAX_STACK_DEPTH];
	size_t idx = SIZE_MAX;
	int ret;

	if (probe == ALLOC_PROBE_REFILL) {
		tag = size & 0xff;
		bytes = objects * go_size_class_size((int)(tag >> 1));
	} else if (probe == ALLOC_PROBE_ARENA_CHUNK) {
		tag = SAMPLE_TAG_LARGE;	/* counted as one large allocation */
		bytes = objects * size;
	} else {
		tag = SAMPLE_TAG_LARGE;
		if (size > UINT64_MAX - GO_PAGE_SIZE)
			return 0;
		bytes = objects * ((size + GO_PAGE_SIZE - 1) & ~(uint64_t)(GO_PAGE_SIZE - 1));
	}
	agg->pending_hits++;
	ret = add_bounded(agg, &agg->pending_samples, tag_frames(agg, frames, nframes, tagged),
			  nframes, tag, objects, bytes, &idx, &agg->folded_objects);
	if (!ret && idx < agg->pending_samples.len)
		agg->pending_samples.entries[idx].samples++;
	return ret;
}

int aggregate_commit_samples(struct aggregate *agg)
{
	struct stack_table *p = &agg->pending_samples;
	int ret = 0;

	for (size_t i = 0; i < p->len && !ret; i++) {
		const struct stack_count *e = &p->entries[i];
		size_t idx = SIZE_MAX;

		/* Already bounded when pending: no new folding here. */
		ret = stack_table_add_tagged(&agg->samples, e->frames, e->nframes, e->tag,
					     e->count, e->bytes, &idx);
		if (!ret && idx < agg->samples.len)
			agg->samples.entries[idx].samples += e->samples;
	}
	agg->sample_hits += agg->pending_hits;
	agg->pending_hits = 0;
	stack_table_free(p);
	return ret;
}

uint64_t aggregate_discard_samples(struct aggregate *agg)
{
	uint64_t n = agg->pending_hits;

	agg->pending_hits = 0;
	stack_table_free(&agg->pending_samples);
	return n;
}

int aggregate_alloc_estimate(struct aggregate *agg, const uint64_t *frames, uint32_t nframes,
			     uint64_t objects, uint64_t bytes, uint64_t samples)
{
	size_t idx = SIZE_MAX;
	int ret;

	ret = add_bounded(agg, &agg->allocs, frames, nframes, 0, objects, bytes, &idx,
			  &agg->folded_objects);
	if (!ret && idx < agg->allocs.len)
		agg->allocs.entries[idx].samples += samples;
	return ret;
}

int aggregate_profile_record(struct aggregate *agg, const uint64_t *pcs, uint32_t npcs,
			     uint64_t objects, uint64_t bytes, uint64_t inuse_objects,
			     uint64_t inuse_bytes)
{
	uint64_t frames[1 + MAX_STACK_DEPTH];
	size_t idx = SIZE_MAX;
	int ret;

	if (npcs > MAX_STACK_DEPTH)
		npcs = MAX_STACK_DEPTH;
	frames[0] = STACK_RECORD_PC;
	memcpy(&frames[1], pcs, npcs * sizeof(*pcs));
	ret = add_bounded(agg, &agg->allocs, tag_frames(agg, frames, npcs + 1, frames), npcs + 1,
			  0, objects, bytes, &idx, &agg->folded_objects);
	if (!ret && idx < agg->allocs.len) {
		agg->allocs.entries[idx].inuse_count += inuse_objects;
		agg->allocs.entries[idx].inuse_bytes += inuse_bytes;
	}
	return ret;
}

int aggregate_alloc(struct aggregate *agg, uint8_t probe, uint8_t flags, uint64_t size,
		    uint64_t typ, const uint64_t *frames, uint32_t nframes, uint64_t objects)
{
	uint64_t tagged[1 + MAX_STACK_DEPTH];
	struct go_alloc_size acc;

	if (probe == ALLOC_PROBE_ALLOC_LARGE && (flags & ALLOC_F_ARENA_CHUNK))
		return aggregate_sample(agg, ALLOC_PROBE_ARENA_CHUNK, size, frames, nframes,
					objects);
	if (probe == ALLOC_PROBE_REFILL || probe == ALLOC_PROBE_ALLOC_LARGE)
		return aggregate_sample(agg, probe, size, frames, nframes, objects);
	acc = go_alloc_size(agg->go_minor, agg->build_modes, agg->experiments, probe,
			    flags & ALLOC_F_SCAN, size);

	agg->alloc_objects += objects;
	agg->alloc_bytes += acc.bytes * objects;
	if (acc.tiny)
		agg->tiny_objects += objects;
	if (typ)
		typ |= agg->image_tag;
	return add_bounded(agg, &agg->allocs, tag_frames(agg, frames, nframes, tagged), nframes,
			   typ, objects, acc.bytes * objects, NULL, &agg->folded_objects);
}

int aggregate_gc_start(struct aggregate *agg, uint64_t ts, uint32_t cycle, uint32_t trigger)
{
	struct gc_cycle *c;

	seen(agg, ts);
	if (agg->gc_len == agg->gc_cap) {
		size_t cap = agg->gc_cap ? agg->gc_cap * 2 : 64;
		struct gc_cycle *gc = realloc(agg->gc, cap * sizeof(*gc));

		if (!gc)
			return -ENOMEM;
		agg->gc = gc;
		agg->gc_cap = cap;
	}
	c = &agg->gc[agg->gc_len++];
	c->cycle = cycle;
	c->trigger = trigger;
	c->start_ns = ts;
	c->end_ns = 0;
	return 0;
}

/*
 * Cycles never overlap: a cycle cannot start before the previous one's mark
 * termination. An end with no start seen (the trace began mid-cycle) is
 * recorded with start_ns 0.
 */
int aggregate_gc_end(struct aggregate *agg, uint64_t ts, uint32_t numgc)
{
	struct gc_cycle *c = agg->gc_len ? &agg->gc[agg->gc_len - 1] : NULL;
	int err;

	seen(agg, ts);
	if (c && !c->end_ns && (!numgc || !c->cycle || c->cycle == numgc)) {
		c->end_ns = ts;
		return 0;
	}
	err = aggregate_gc_start(agg, 0, numgc, UINT32_MAX);
	if (err)
		return err;
	agg->gc[agg->gc_len - 1].end_ns = ts;
	return 0;
}

static struct pending_growth *pending_slot(struct pending_growth *slots, size_t nslots,
					   uint64_t g)
{
	size_t i = (g * 0x9e3779b97f4a7c15ULL >> 20) & (nslots - 1);

	while (slots[i].g && slots[i].g != g)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static struct pending_growth *pending_find(struct aggregate *agg, uint64_t g)
{
	struct pending_growth *p;

	if (!agg->pending_slots)
		return NULL;
	p = pending_slot(agg->pending, agg->pending_slots, g);
	return p->g && p->waiting ? p : NULL;
}

static int pending_grow(struct aggregate *agg)
{
	size_t nslots = agg->pending_slots ? agg->pending_slots * 2 : 1024;
	struct pending_growth *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < agg->pending_slots; i++)
		if (agg->pending[i].g)
			*pending_slot(slots, nslots, agg->pending[i].g) = agg->pending[i];
	free(agg->pending);
	agg->pending = slots;
	agg->pending_slots = nslots;
	return 0;
}

/*
 * Every morestack is kept, preemption requests included: another thread may
 * clear a preemption request (suspendG) between morestack and newstack, and
 * the stack then grows after all. The copystack that follows decides.
 */
int aggregate_morestack(struct aggregate *agg, uint64_t ts, uint64_t g, uint64_t goid,
			const uint64_t *frames, uint32_t nframes)
{
	uint64_t tagged[1 + MAX_STACK_DEPTH];
	struct pending_growth *p;
	size_t stack;
	int err;

	seen(agg, ts);
	err = add_bounded(agg, &agg->morestacks, tag_frames(agg, frames, nframes, tagged),
			  nframes, 0, 1, 0, &stack, &agg->folded_events);
	if (err)
		return err;
	if ((agg->pending_used + 1) * 2 > agg->pending_slots) {
		err = pending_grow(agg);
		if (err)
			return err;
	}
	p = pending_slot(agg->pending, agg->pending_slots, g);
	if (!p->g)
		agg->pending_used++;
	p->g = g;
	p->goid = goid;
	p->stack = stack;
	p->waiting = true;
	return 0;
}

/* Keeps the first GROWTH_LOG_MAX growths one by one; counts the rest. */
static int log_growth(struct aggregate *agg, const struct growth_event *g)
{
	if (agg->growth_log_len == GROWTH_LOG_MAX) {
		agg->growth_log_dropped++;
		return 0;
	}
	if (agg->growth_log_len == agg->growth_log_cap) {
		size_t cap = agg->growth_log_cap ? agg->growth_log_cap * 2 : 256;
		struct growth_event *log = realloc(agg->growth_log, cap * sizeof(*log));

		if (!log)
			return -ENOMEM;
		agg->growth_log = log;
		agg->growth_log_cap = cap;
	}
	agg->growth_log[agg->growth_log_len++] = *g;
	return 0;
}

int aggregate_copystack(struct aggregate *agg, uint64_t ts, uint64_t g,
			uint64_t old_size, uint64_t new_size)
{
	struct growth_event ev = { .ts = ts, .old_size = old_size, .new_size = new_size };
	const struct stack_count *st;
	struct pending_growth *p;
	size_t index;
	int err;

	seen(agg, ts);
	if (new_size <= old_size) {
		agg->shrink_events++;
		agg->shrink_bytes += old_size - new_size;
		return 0;
	}
	p = pending_find(agg, g);
	if (!p) {
		/* Its morestack was not recorded: it came before the recording
		 * (began or resumed), or its record was lost (lost_events). */
		agg->growth_unattributed++;
		agg->growth_unattributed_bytes += new_size - old_size;
		return 0;
	}
	agg->growth_events++;
	agg->growth_bytes += new_size - old_size;
	st = &agg->morestacks.entries[p->stack];
	ev.goid = p->goid;
	p->waiting = false;
	err = add_bounded(agg, &agg->growths, st->frames, st->nframes, 0, 1,
			  new_size - old_size, &index, &agg->folded_events);
	if (err)
		return err;
	ev.stack = index;
	return log_growth(agg, &ev);
}

/* Room for one more element in a log of at most max, or false: full (the
 * caller counts it) or, with *err = -ENOMEM, out of memory. */
static bool log_room(void **v, size_t len, size_t *cap, size_t size, size_t max, int *err)
{
	size_t ncap;
	void *nv;

	*err = 0;
	if (len >= max)
		return false;
	if (len < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 256;
	nv = realloc(*v, ncap * size);
	if (!nv) {
		*err = -ENOMEM;
		return false;
	}
	*v = nv;
	*cap = ncap;
	return true;
}

int aggregate_large_alloc(struct aggregate *agg, uint64_t ts, uint64_t size, uint64_t typ,
			  bool have_type, uint64_t goid, uint32_t tid, const uint64_t *frames,
			  uint32_t nframes)
{
	uint64_t tagged[1 + MAX_STACK_DEPTH];
	struct large_alloc *a;
	size_t stack = SIZE_MAX;
	int err;

	if (!agg->large_alloc_bytes || size < agg->large_alloc_bytes)
		return 0;
	seen(agg, ts);
	if (!log_room((void **)&agg->large_allocs, agg->large_allocs_len,
		      &agg->large_allocs_cap, sizeof(*a), LARGE_ALLOC_LOG_MAX, &err)) {
		if (!err)
			agg->large_allocs_dropped++;
		return err;
	}
	err = add_bounded(agg, &agg->large_stacks, tag_frames(agg, frames, nframes, tagged),
			  nframes, 0, 1, size, &stack, &agg->folded_objects);
	if (err)
		return err;
	a = &agg->large_allocs[agg->large_allocs_len++];
	a->ts = ts;
	a->size = size;
	a->typ = typ && have_type ? typ | agg->image_tag : typ;
	a->have_type = have_type;
	a->goid = goid;
	a->tid = tid;
	a->stack = stack;
	return 0;
}

int aggregate_heap_sample(struct aggregate *agg, const struct heap_sample *h)
{
	int err;

	if (!log_room((void **)&agg->heap_samples, agg->heap_samples_len,
		      &agg->heap_samples_cap, sizeof(*h), HEAP_SAMPLES_MAX, &err)) {
		if (!err)
			agg->heap_samples_dropped++;
		return err;
	}
	agg->heap_samples[agg->heap_samples_len++] = *h;
	return 0;
}

const char *gc_trigger_name(uint32_t trigger)
{
	switch (trigger) {
	case GC_TRIGGER_HEAP:
		return "heap";
	case GC_TRIGGER_TIME:
		return "time";
	case GC_TRIGGER_FORCED:
		return "forced";
	default:
		return "unknown";
	}
}

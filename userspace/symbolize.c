// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Symbolizes PCs of the traced process from the binary itself (never from
 * the live process, so a process that exited is still named): subtract the
 * load bias, ask gobinary for the inline-expanded frames, cache per PC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize.h"

#define MAX_INLINE_FRAMES 32

struct pc_entry {
	uint64_t key;		/* pc, with bit 0 of depth > 0 folded in */
	uint32_t nframes;
	struct gobin_frame *frames;
};

struct symbolizer {
	const struct gobin *bin;
	uint64_t bias;
	struct pc_entry *slots;
	size_t nslots, used;
};

static const struct gobin_frame unknown_frame = { .function = UNKNOWN_FUNCTION,
						  .file = "", .line = 0 };

int symbolizer_new(struct symbolizer **out, const struct gobin *bin, uint64_t load_bias)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->nslots = 4096;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return -ENOMEM;
	}
	s->bin = bin;
	s->bias = load_bias;
	*out = s;
	return 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].frames != &unknown_frame)
			free(s->slots[i].frames);
	free(s->slots);
	free(s);
}

static uint64_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static struct pc_entry *slot_for(struct pc_entry *slots, size_t nslots, uint64_t key)
{
	size_t i = hash_key(key) & (nslots - 1);

	while (slots[i].frames && slots[i].key != key)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static int grow(struct symbolizer *s)
{
	size_t nslots = s->nslots * 2;
	struct pc_entry *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].frames)
			*slot_for(slots, nslots, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
	return 0;
}

int symbolizer_frames(struct symbolizer *s, uint64_t pc, uint32_t depth,
		      const struct gobin_frame **frames)
{
	struct gobin_frame buf[MAX_INLINE_FRAMES];
	uint64_t key = pc << 1 | (depth > 0);
	struct pc_entry *e;
	int n;

	if ((s->used + 1) * 2 > s->nslots && grow(s))
		goto unknown;
	e = slot_for(s->slots, s->nslots, key);
	if (e->frames) {
		*frames = e->frames;
		return e->nframes;
	}
	n = gobin_symbolize(s->bin, pc - s->bias - (depth > 0), buf, MAX_INLINE_FRAMES);
	e->key = key;
	if (n <= 0) {
		e->frames = (struct gobin_frame *)&unknown_frame;
		e->nframes = 1;
	} else {
		e->frames = malloc(n * sizeof(*buf));
		if (!e->frames)
			goto unknown;
		memcpy(e->frames, buf, n * sizeof(*buf));
		e->nframes = n;
	}
	s->used++;
	*frames = e->frames;
	return e->nframes;
unknown:
	*frames = &unknown_frame;
	return 1;
}

bool go_function_is_runtime(const char *function)
{
	return !strncmp(function, "runtime.", strlen("runtime.")) ||
	       !strncmp(function, "internal/runtime/", strlen("internal/runtime/"));
}

uint32_t symbolizer_stack_len(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs)
{
	for (uint32_t i = 0; i < npcs; i++) {
		const struct gobin_frame *frames;
		int n = symbolizer_frames(s, pcs[i], i, &frames);

		if (!strcmp(frames[n - 1].function, "runtime.mcall") ||
		    !strcmp(frames[n - 1].function, "runtime.systemstack"))
			return i + 1;
	}
	return npcs;
}

uint32_t symbolizer_first_user_pc(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs)
{
	npcs = symbolizer_stack_len(s, pcs, npcs);
	for (uint32_t i = 0; i < npcs; i++) {
		const struct gobin_frame *frames;

		symbolizer_frames(s, pcs[i], i, &frames);
		if (!go_function_is_runtime(frames[0].function))
			return i;
	}
	return 0;
}

struct gobin_frame symbolizer_alloc_site(struct symbolizer *s, const uint64_t *pcs,
					 uint32_t npcs)
{
	const struct gobin_frame *frames;
	uint32_t i;

	if (!npcs)
		return unknown_frame;
	i = symbolizer_first_user_pc(s, pcs, npcs);
	symbolizer_frames(s, pcs[i], i, &frames);
	return frames[0];
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Scaling the default mode's samples. A (*mcache).refill hit stands for the
 * objects allocated from the span it gives back (allocCount -
 * allocCountBeforeCache, what the runtime adds to heapStats for it), and
 * its stack is the allocation that found the span full: one allocation of
 * the size class drawn about once per span. So within a size class, a
 * stack's share of the samples' objects estimates its share of the class's
 * allocations, and the runtime's own count for the class (heapStats, exact)
 * gives the scale. Spans given back without a refill (the mcache flush at
 * each GC) and the time the probes were off only change the scale.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "aggregate/sampled.h"

#define TINY_SPAN_CLASS 5	/* tinySpanClass: size class 2 (16 bytes), noscan */

static uint64_t scaled(uint64_t n, double factor)
{
	double v = (double)n * factor;

	return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)llround(v);
}

int sampled_scale(struct aggregate *agg, const struct sampled_truth *truth,
		  struct sampled_result *out)
{
	uint64_t class_w[GO_NUM_SIZE_CLASSES] = {0}, tiny_w = 0, large_w = 0, large_b = 0;
	double class_f[GO_NUM_SIZE_CLASSES], tiny_f = 0, large_f = 1, large_bf = 1;
	const struct stack_table *t = &agg->samples;
	int ret;

	memset(out, 0, sizeof(*out));
	out->scaled = truth != NULL;
	out->hits = agg->sample_hits;
	for (size_t i = 0; i < t->len; i++) {
		const struct stack_count *e = &t->entries[i];

		out->sampled_objects += e->count;
		if (e->tag == SAMPLE_TAG_LARGE) {
			large_w += e->count;
			large_b += e->bytes;
		} else if ((e->tag >> 1) < GO_NUM_SIZE_CLASSES) {
			class_w[e->tag >> 1] += e->count;
			if (e->tag == TINY_SPAN_CLASS)
				tiny_w += e->count;
		}
	}
	for (int c = 0; c < GO_NUM_SIZE_CLASSES; c++) {
		class_f[c] = 1;
		if (!truth)
			continue;
		if (class_w[c]) {
			class_f[c] = (double)truth->small_objects[c] / (double)class_w[c];
		} else {
			out->unattributed_objects += truth->small_objects[c];
			out->unattributed_bytes += truth->small_objects[c] *
						   go_size_class_size(c);
		}
	}
	if (truth) {
		if (tiny_w)
			tiny_f = (double)truth->tiny_objects / (double)tiny_w;
		else
			out->unattributed_objects += truth->tiny_objects;
		if (large_w) {
			large_f = (double)truth->large_objects / (double)large_w;
			large_bf = (double)truth->large_bytes / (double)large_b;
		} else {
			out->unattributed_objects += truth->large_objects;
			out->unattributed_bytes += truth->large_bytes;
		}
	}

	agg->alloc_objects = agg->alloc_bytes = agg->tiny_objects = 0;
	for (size_t i = 0; i < t->len; i++) {
		const struct stack_count *e = &t->entries[i];
		uint64_t objects, bytes;

		if (e->tag == SAMPLE_TAG_LARGE) {
			objects = scaled(e->count, large_f);
			bytes = scaled(e->bytes, large_bf);
		} else if ((e->tag >> 1) < GO_NUM_SIZE_CLASSES) {
			int c = (int)(e->tag >> 1);

			objects = scaled(e->count, class_f[c]);
			bytes = objects * go_size_class_size(c);
			if (e->tag == TINY_SPAN_CLASS) {
				uint64_t tiny = scaled(e->count, tiny_f);

				objects += tiny;
				agg->tiny_objects += tiny;
			}
		} else {
			continue;
		}
		if (!objects)
			continue;
		out->objects += objects;
		out->bytes += bytes;
		ret = aggregate_alloc_estimate(agg, e->frames, e->nframes, objects, bytes,
					       e->samples);
		if (ret == -ENOMEM)
			agg->memory_failures++;
		else if (ret)
			return ret;
	}
	agg->alloc_objects = out->objects + out->unattributed_objects;
	agg->alloc_bytes = out->bytes + out->unattributed_bytes;
	return 0;
}

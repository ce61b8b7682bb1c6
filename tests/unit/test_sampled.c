// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The default mode's arithmetic: refill samples scaled per size class to
 * the runtime's counters (aggregate/sampled.c), and the runtime's heap
 * profile turned into per-stack counts between two reads
 * (aggregate/heap_profile.c). Expected values are worked out by hand from
 * the definitions in the runtime's sources (mcache.go refill,
 * runtime/pprof's scaleHeapSample), not from the code under test.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "aggregate/aggregate.h"
#include "aggregate/heap_profile.h"
#include "aggregate/sampled.h"
#include "probes/memtrace_types.h"

static const struct stack_count *find(const struct stack_table *t, uint64_t pc)
{
	for (size_t i = 0; i < t->len; i++)
		if (t->entries[i].nframes >= 2 && t->entries[i].frames[1] == pc)
			return &t->entries[i];
	return NULL;
}

static void test_scale(void)
{
	struct aggregate agg;
	struct sampled_truth truth = {};
	struct sampled_result res;
	const uint64_t a[] = { 0x1000, 0xa }, b[] = { 0x1000, 0xb }, c[] = { 0x1000, 0xc };
	const struct stack_count *ea, *eb, *ec;

	aggregate_init(&agg, 127);
	/* Span class 10 = size class 5 (48 bytes), scan: stack a drew 3
	 * samples standing for 100 objects each, stack b one of 100. */
	for (int i = 0; i < 3; i++)
		aggregate_sample(&agg, ALLOC_PROBE_REFILL, 10, a, 2, 100);
	aggregate_sample(&agg, ALLOC_PROBE_REFILL, 11, b, 2, 100);
	/* A large allocation of 40,000 bytes (5 pages). */
	aggregate_sample(&agg, ALLOC_PROBE_ALLOC_LARGE, 40000, c, 2, 1);
	CHECK(agg.pending_hits == 5 && agg.sample_hits == 0, "samples wait for a read",
	      "pending %llu", (unsigned long long)agg.pending_hits);
	CHECK(!aggregate_commit_samples(&agg) && agg.sample_hits == 5 && !agg.pending_hits,
	      "a read commits them", "hits %llu", (unsigned long long)agg.sample_hits);
	/* The runtime counted 800 objects of class 5 and two large ones of
	 * 90,112 bytes in all; class 7 (80 bytes) had 10 nobody sampled. */
	truth.small_objects[5] = 800;
	truth.small_objects[7] = 10;
	truth.large_objects = 2;
	truth.large_bytes = 90112;
	CHECK(!sampled_scale(&agg, &truth, &res), "scale", "failed");
	ea = find(&agg.allocs, 0xa);
	eb = find(&agg.allocs, 0xb);
	ec = find(&agg.allocs, 0xc);
	CHECK(ea && ea->count == 600 && ea->bytes == 600 * 48 && ea->samples == 3,
	      "3/4 of class 5's samples: 600 objects of 48 bytes", "%llu %llu",
	      ea ? (unsigned long long)ea->count : 0ULL, ea ? (unsigned long long)ea->bytes : 0ULL);
	CHECK(eb && eb->count == 200 && eb->samples == 1, "1/4 of them: 200 objects",
	      "%llu", eb ? (unsigned long long)eb->count : 0ULL);
	CHECK(ec && ec->count == 2 && ec->bytes == 90112, "large: the runtime's count and bytes",
	      "%llu %llu", ec ? (unsigned long long)ec->count : 0ULL,
	      ec ? (unsigned long long)ec->bytes : 0ULL);
	CHECK(res.unattributed_objects == 10 && res.unattributed_bytes == 800,
	      "an unsampled class is counted, not given a site", "%llu %llu",
	      (unsigned long long)res.unattributed_objects,
	      (unsigned long long)res.unattributed_bytes);
	CHECK(agg.alloc_objects == 812 && agg.alloc_bytes == 800 * 48 + 800 + 90112,
	      "totals are the runtime's", "%llu %llu", (unsigned long long)agg.alloc_objects,
	      (unsigned long long)agg.alloc_bytes);
	aggregate_free(&agg);

	/* A user arena chunk (GOEXPERIMENT=arenas) as the large probe sends
	 * it: one large allocation of the bytes MemStats counts (not rounded
	 * to pages); with one of 40,000 bytes (5 pages), the runtime's two
	 * large allocations scale by 1. */
	aggregate_init(&agg, 127);
	CHECK(!aggregate_alloc(&agg, ALLOC_PROBE_ALLOC_LARGE, ALLOC_F_ARENA_CHUNK, 8257488, 0, a,
			       2, 1) &&
	      !aggregate_alloc(&agg, ALLOC_PROBE_ALLOC_LARGE, 0, 40000, 0, c, 2, 1) &&
	      !aggregate_commit_samples(&agg), "an arena chunk sample", "failed");
	memset(&truth, 0, sizeof(truth));
	truth.large_objects = 2;
	truth.large_bytes = 8257488 + 40960;
	CHECK(!sampled_scale(&agg, &truth, &res), "scale with an arena chunk", "failed");
	ea = find(&agg.allocs, 0xa);
	ec = find(&agg.allocs, 0xc);
	CHECK(ea && ea->count == 1 && ea->bytes == 8257488 && ec && ec->count == 1 &&
	      ec->bytes == 40960 && !res.unattributed_objects,
	      "an arena chunk is one large allocation of its counted bytes", "%llu %llu",
	      ea ? (unsigned long long)ea->bytes : 0ULL, ec ? (unsigned long long)ec->bytes : 0ULL);
	aggregate_free(&agg);

	aggregate_init(&agg, 127);
	aggregate_sample(&agg, ALLOC_PROBE_REFILL, 10, a, 2, 100);
	CHECK(aggregate_discard_samples(&agg) == 1 && !agg.samples.len,
	      "samples after the last read are dropped and counted", "%zu", agg.samples.len);
	aggregate_free(&agg);
}

static void test_profile(void)
{
	uint64_t pcs[2] = { 0x401234, 0x405678 };
	struct memprof_record s = { .pcs = pcs, .npcs = 2, .obj_size = 1024, .allocs = 10,
				    .frees = 4, .alloc_bytes = 10240, .free_bytes = 4096,
				    .addr = 0xc000100000 };
	struct memprof_record e = s;
	struct memprof start = { .records = &s, .count = 1 };
	struct memprof end = { .records = &e, .count = 1 };
	struct heap_profile_totals tot;
	struct aggregate agg;
	const struct stack_count *x;
	double scale = 1 / (1 - exp(-1024.0 / 524288));

	e.allocs = 30;
	e.frees = 25;
	e.alloc_bytes = 30720;
	e.free_bytes = 25600;
	aggregate_init(&agg, 126);
	CHECK(!heap_profile_merge(&agg, 126, 1, &start, &end, &tot), "merge at rate 1", "failed");
	x = agg.allocs.len == 1 ? &agg.allocs.entries[0] : NULL;
	CHECK(x && x->nframes == 3 && x->frames[0] == STACK_RECORD_PC && x->frames[1] == pcs[0],
	      "a record's stack, marked", "nframes %u", x ? x->nframes : 0);
	CHECK(x && x->count == 20 && x->bytes == 20480 && x->inuse_count == 5 &&
	      x->inuse_bytes == 5120, "window: 20 allocated; live at the end: 5",
	      "%llu %llu %llu", x ? (unsigned long long)x->count : 0ULL,
	      x ? (unsigned long long)x->inuse_count : 0ULL,
	      x ? (unsigned long long)x->inuse_bytes : 0ULL);
	aggregate_free(&agg);

	aggregate_init(&agg, 126);
	CHECK(!heap_profile_merge(&agg, 126, 524288, NULL, &end, &tot), "merge at 512 KiB",
	      "failed");
	x = agg.allocs.len == 1 ? &agg.allocs.entries[0] : NULL;
	CHECK(x && x->count == (uint64_t)(30 * scale) && x->inuse_count == (uint64_t)(5 * scale),
	      "no start: the whole life, scaled as runtime/pprof", "%llu vs %llu",
	      x ? (unsigned long long)x->count : 0ULL, (unsigned long long)(30 * scale));
	aggregate_free(&agg);
}

int main(void)
{
	test_scale();
	test_profile();
	return CHECK_DONE();
}

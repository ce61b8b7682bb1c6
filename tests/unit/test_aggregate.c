// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Aggregation, size accounting and prologue decoding, without root. */
#include <errno.h>
#include <string.h>

#include "aggregate/aggregate.h"
#include "check.h"
#include "probes/memtrace_types.h"
#include "binary/prologue.h"
#include "aggregate/sizeclass.h"
#include "binary/gobinary.h"

static void test_stack_table(void)
{
	struct stack_table t = {};
	uint64_t a[] = { 1, 2, 3 }, b[] = { 1, 2, 4 }, big[64];
	int err = 0;

	err |= stack_table_add(&t, a, 3, 1, 10);
	err |= stack_table_add(&t, b, 3, 1, 20);
	err |= stack_table_add(&t, a, 3, 2, 30);
	err |= stack_table_add(&t, a, 2, 1, 1);	/* a prefix is another stack */
	CHECK(!err && t.len == 3, "stack_table dedupes equal stacks", "len %zu err %d", t.len, err);
	CHECK(t.entries[0].count == 3 && t.entries[0].bytes == 40,
	      "stack_table sums counts", "count %llu bytes %llu",
	      (unsigned long long)t.entries[0].count, (unsigned long long)t.entries[0].bytes);
	/* Grow past several rehashes and find every stack again. */
	for (uint64_t i = 0; i < 5000; i++) {
		for (int j = 0; j < 64; j++)
			big[j] = i * 131 + j;
		err |= stack_table_add(&t, big, 1 + i % 64, 1, i);
	}
	for (uint64_t i = 0; i < 5000; i++) {
		for (int j = 0; j < 64; j++)
			big[j] = i * 131 + j;
		err |= stack_table_add(&t, big, 1 + i % 64, 1, 0);
	}
	CHECK(!err && t.len == 5003, "stack_table survives growth", "len %zu", t.len);
	CHECK(t.entries[1000 + 3].count == 2, "stack_table finds entries after growth",
	      "count %llu", (unsigned long long)t.entries[1003].count);
	stack_table_free(&t);
}

static void test_sizes(void)
{
	struct { int minor; uint8_t probe; bool scan; uint64_t size, bytes; bool tiny; } cases[] = {
		/* Facts of Go's size classes (runtime/sizeclasses.go). */
		{ 119, ALLOC_PROBE_MALLOCGC, true, 8, 8, false },
		{ 119, ALLOC_PROBE_MALLOCGC, false, 8, 8, true },	/* tiny */
		{ 119, ALLOC_PROBE_MALLOCGC, false, 16, 16, false },
		{ 119, ALLOC_PROBE_MALLOCGC, true, 17, 24, false },
		{ 119, ALLOC_PROBE_MALLOCGC, false, 100, 112, false },
		{ 119, ALLOC_PROBE_MALLOCGC, false, 1017, 1024, false },
		{ 119, ALLOC_PROBE_MALLOCGC, false, 1025, 1152, false },
		{ 119, ALLOC_PROBE_MALLOCGC, true, 600, 640, false },	/* no headers yet */
		{ 122, ALLOC_PROBE_MALLOCGC, true, 600, 640, false },	/* 608 -> 640 */
		{ 122, ALLOC_PROBE_MALLOCGC, true, 640, 704, false },	/* 648 -> 704 */
		{ 121, ALLOC_PROBE_MALLOCGC, true, 640, 640, false },
		{ 122, ALLOC_PROBE_MALLOCGC, false, 640, 640, false },	/* no pointers */
		{ 122, ALLOC_PROBE_MALLOCGC, true, 512, 512, false },	/* heap bits in span */
		{ 119, ALLOC_PROBE_MALLOCGC, false, 32768, 32768, false },
		{ 122, ALLOC_PROBE_MALLOCGC, false, 32768, 32768, false }, /* large: 4 pages */
		{ 119, ALLOC_PROBE_MALLOCGC, false, 32769, 40960, false },
		{ 119, ALLOC_PROBE_MALLOCGC, false, 65536, 65536, false },
		{ 127, ALLOC_PROBE_LARGE, true, 100000, 106496, false },
		{ 127, ALLOC_PROBE_TINY, false, 5, 5, true },
		{ 127, ALLOC_PROBE_NOSCAN, false, 33, 48, false },
		{ 127, ALLOC_PROBE_SCAN_HEADER, true, 1000, 1024, false },
		{ 127, ALLOC_PROBE_SCAN_NOHEADER, true, 72, 80, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct go_alloc_size r = go_alloc_size(cases[i].minor, 0, 0, cases[i].probe,
						       cases[i].scan, cases[i].size);
		char name[128];

		snprintf(name, sizeof(name), "size of %llu bytes (go1.%d, probe %u, scan %d)",
			 (unsigned long long)cases[i].size, cases[i].minor - 100, cases[i].probe,
			 cases[i].scan);
		CHECK(r.bytes == cases[i].bytes && r.tiny == cases[i].tiny, name,
		      "got %llu tiny %d, want %llu tiny %d", (unsigned long long)r.bytes, r.tiny,
		      (unsigned long long)cases[i].bytes, cases[i].tiny);
	}
}

/* GOEXPERIMENTs: go1.22 noallocheaders (no malloc header, as go1.21) and
 * user arena chunks (runtime/arena.go allocUserArenaChunk: largeAlloc +=
 * the chunk's elemsize). */
static void test_sizes_experiments(void)
{
	struct { int minor; unsigned exp; bool scan; uint64_t size, bytes; } cases[] = {
		{ 122, GO_EXP_NO_ALLOC_HEADERS, true, 1024, 1024 },
		{ 122, 0, true, 1024, 1152 },
		{ 122, GO_EXP_NO_ALLOC_HEADERS, true, 600, 640 },
		{ 122, 0, true, 600, 640 },				/* 608 */
		{ 122, GO_EXP_NO_ALLOC_HEADERS, true, 640, 640 },
		{ 122, 0, true, 640, 704 },				/* 648 */
		{ 122, GO_EXP_NO_ALLOC_HEADERS, false, 8, 8 },		/* tiny */
	};
	struct { int minor; unsigned modes, exp; uint64_t bytes; } chunks[] = {
		{ 121, 0, 0, 8388608 },
		{ 122, 0, 0, 8388608 - 131072 - 48 },
		{ 122, 0, GO_EXP_NO_ALLOC_HEADERS, 8388608 },
		{ 127, 0, 0, 8257488 },
		{ 123, GO_BUILD_ASAN, 0, 8257488 },		/* redzone after the count */
		{ 124, GO_BUILD_ASAN, 0, 8257488 - 2048 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct go_alloc_size r = go_alloc_size(cases[i].minor, 0, cases[i].exp,
						       ALLOC_PROBE_MALLOCGC, cases[i].scan,
						       cases[i].size);
		char name[160];

		snprintf(name, sizeof(name), "size of %llu bytes (go1.%d experiments 0x%x, scan %d)",
			 (unsigned long long)cases[i].size, cases[i].minor - 100, cases[i].exp,
			 cases[i].scan);
		CHECK(r.bytes == cases[i].bytes, name, "got %llu, want %llu",
		      (unsigned long long)r.bytes, (unsigned long long)cases[i].bytes);
	}
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		uint64_t got = go_arena_chunk_bytes(chunks[i].minor, chunks[i].modes, chunks[i].exp);
		struct go_alloc_size r = go_alloc_size(chunks[i].minor, chunks[i].modes,
						       chunks[i].exp, ALLOC_PROBE_ARENA_CHUNK,
						       false, got);
		char name[160];

		snprintf(name, sizeof(name), "arena chunk (go1.%d %s, experiments 0x%x)",
			 chunks[i].minor - 100, gobin_build_modes_name(chunks[i].modes),
			 chunks[i].exp);
		CHECK(got == chunks[i].bytes && r.bytes == got && !r.tiny, name,
		      "got %llu (accounted %llu), want %llu", (unsigned long long)got,
		      (unsigned long long)r.bytes, (unsigned long long)chunks[i].bytes);
	}
}

/* Sanitizer builds (runtime/malloc.go: mallocgc, computeRZlog/redZoneSize,
 * the tiny allocator's !raceenabled). */
static void test_sizes_sanitizers(void)
{
	struct { int minor; unsigned modes; uint8_t probe; bool scan; uint64_t size, bytes;
		 bool tiny; } cases[] = {
		/* asan at mallocgc: class of size + redzone, never tiny. */
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, true, 24, 48, false },	/* 40 */
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 8, 24, false },	/* 24 */
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 48, 64, false },	/* 64 */
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 49, 96, false },	/* 81 */
		{ 123, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 300, 384, false },	/* 364 */
		{ 121, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, true, 1024, 1152, false },	/* 1152 */
		{ 122, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, true, 1024, 1280, false },	/* +8 */
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 65536, 73728, false },
		{ 119, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 102400, 106496, false },
		{ 122, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 32000, 32768, false },
		{ 122, GO_BUILD_ASAN, ALLOC_PROBE_MALLOCGC, false, 32400, 40960, false },
		/* From 1.24 the leaves see the size with its redzone already. */
		{ 127, GO_BUILD_ASAN, ALLOC_PROBE_NOSCAN, false, 40, 48, false },
		{ 127, GO_BUILD_ASAN, ALLOC_PROBE_LARGE, false, 67584, 73728, false },
		/* race: each tiny allocation is a 16-byte block of its own. */
		{ 119, GO_BUILD_RACE, ALLOC_PROBE_MALLOCGC, false, 8, 16, false },
		{ 127, GO_BUILD_RACE, ALLOC_PROBE_TINY, false, 5, 16, false },
		{ 119, GO_BUILD_RACE, ALLOC_PROBE_MALLOCGC, true, 8, 8, false },
		{ 119, GO_BUILD_RACE, ALLOC_PROBE_MALLOCGC, false, 100, 112, false },
		/* msan: as without. */
		{ 119, GO_BUILD_MSAN, ALLOC_PROBE_MALLOCGC, false, 8, 8, true },
		{ 127, GO_BUILD_MSAN, ALLOC_PROBE_NOSCAN, false, 33, 48, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct go_alloc_size r = go_alloc_size(cases[i].minor, cases[i].modes, 0,
						       cases[i].probe, cases[i].scan,
						       cases[i].size);
		char name[160];

		snprintf(name, sizeof(name), "size of %llu bytes (go1.%d %s, probe %u, scan %d)",
			 (unsigned long long)cases[i].size, cases[i].minor - 100,
			 gobin_build_modes_name(cases[i].modes), cases[i].probe, cases[i].scan);
		CHECK(r.bytes == cases[i].bytes && r.tiny == cases[i].tiny, name,
		      "got %llu tiny %d, want %llu tiny %d", (unsigned long long)r.bytes, r.tiny,
		      (unsigned long long)cases[i].bytes, cases[i].tiny);
	}
}

static void test_gc_pairing(void)
{
	struct aggregate agg;

	aggregate_init(&agg, 121);
	aggregate_gc_end(&agg, 5, 7);		/* began before the trace */
	aggregate_gc_start(&agg, 10, 8, GC_TRIGGER_HEAP);
	aggregate_gc_end(&agg, 20, 8);
	aggregate_gc_start(&agg, 30, 9, GC_TRIGGER_FORCED);
	aggregate_gc_end(&agg, 40, 9);
	aggregate_gc_start(&agg, 50, 10, GC_TRIGGER_TIME);	/* still running */
	CHECK(agg.gc_len == 4, "gc cycles counted once each", "gc_len %zu", agg.gc_len);
	CHECK(agg.gc[0].cycle == 7 && !agg.gc[0].start_ns && agg.gc[0].end_ns == 5,
	      "gc end without start recorded", "cycle %u", agg.gc[0].cycle);
	CHECK(agg.gc[1].start_ns == 10 && agg.gc[1].end_ns == 20 && agg.gc[2].end_ns == 40,
	      "gc start paired with its end", "ends %llu %llu",
	      (unsigned long long)agg.gc[1].end_ns, (unsigned long long)agg.gc[2].end_ns);
	CHECK(agg.gc[3].end_ns == 0, "unfinished gc cycle has no end", "end %llu",
	      (unsigned long long)agg.gc[3].end_ns);
	CHECK(!strcmp(gc_trigger_name(GC_TRIGGER_FORCED), "forced"), "trigger names", "x");
	aggregate_free(&agg);
}

static void test_growth_join(void)
{
	uint64_t s1[] = { 0x100, 0x200 }, s2[] = { 0x300, 0x400, 0x500 };
	struct aggregate agg;

	aggregate_init(&agg, 125);
	aggregate_morestack(&agg, 1, 0xa, 1, s1, 2);
	aggregate_morestack(&agg, 2, 0xb, 2, s2, 3);
	aggregate_copystack(&agg, 3, 0xb, 2048, 4096);
	aggregate_copystack(&agg, 4, 0xa, 4096, 8192);
	aggregate_copystack(&agg, 5, 0xa, 8192, 4096);	/* shrink */
	aggregate_copystack(&agg, 6, 0xc, 2048, 4096);	/* no morestack seen */
	CHECK(agg.growth_events == 2 && agg.shrink_events == 1,
	      "copystack split into growths and shrinks", "growths %llu shrinks %llu",
	      (unsigned long long)agg.growth_events, (unsigned long long)agg.shrink_events);
	CHECK(agg.growths.len == 2 && agg.growths.entries[0].nframes == 3 &&
	      agg.growths.entries[0].frames[0] == 0x300 && agg.growths.entries[1].frames[0] == 0x100,
	      "growth joined with its goroutine's morestack", "len %zu", agg.growths.len);
	CHECK(agg.growth_bytes == 2048 + 4096 && agg.growth_unattributed == 1 &&
	      agg.growth_unattributed_bytes == 2048,
	      "growth bytes; a growth without its morestack only counted apart", "bytes %llu",
	      (unsigned long long)agg.growth_bytes);
	aggregate_copystack(&agg, 7, 0xa, 4096, 8192);	/* its morestack was used */
	CHECK(agg.growth_unattributed == 2, "a morestack grows a stack once", "%llu",
	      (unsigned long long)agg.growth_unattributed);
	/* Many goroutines: each growth joins its own goroutine's morestack. */
	for (uint64_t g = 1; g <= 5000; g++) {
		uint64_t frames[2] = { g, g + 1 };

		aggregate_morestack(&agg, 10, g << 4, g, frames, 2);
	}
	for (uint64_t g = 5000; g >= 1; g--)
		aggregate_copystack(&agg, 11, g << 4, 2048, 4096);
	CHECK(agg.growth_unattributed == 2 && agg.growths.len == 2 + 5000,
	      "growths join across many goroutines", "unattributed %llu stacks %zu",
	      (unsigned long long)agg.growth_unattributed, agg.growths.len);
	CHECK(agg.growth_log_len == 5002 && agg.growth_log[0].goid == 2 &&
	      agg.growth_log[0].old_size == 2048 && agg.growth_log[0].new_size == 4096 &&
	      agg.growth_log[1].goid == 1 && agg.growth_log[2].goid == 5000 &&
	      agg.growth_log[2].stack == 2,
	      "growth log keeps goroutine ids, sizes and stacks", "len %zu", agg.growth_log_len);
	aggregate_free(&agg);
}

static void test_prologue(void)
{
	/* go1.19 runtime.mallocgc: cmp; jbe; sub; mov %rbp,0x68(%rsp); lea */
	static const uint8_t go119[] = {
		0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0xbe, 0x08, 0x00, 0x00,
		0x48, 0x83, 0xec, 0x70, 0x48, 0x89, 0x6c, 0x24, 0x68,
		0x48, 0x8d, 0x6c, 0x24, 0x68, 0x83, 0x3d };
	/* go1.21+: cmp; jbe; push %rbp; mov %rsp,%rbp; sub */
	static const uint8_t go121[] = {
		0x49, 0x3b, 0x66, 0x10, 0x0f, 0x86, 0x15, 0x02, 0x00, 0x00,
		0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x48 };
	/* big frame: lea -0x1000(%rsp),%r12; cmp 0x10(%r14),%r12; jbe rel8 */
	static const uint8_t bigframe[] = {
		0x4c, 0x8d, 0xa4, 0x24, 0x00, 0xf0, 0xff, 0xff, 0x4d, 0x3b, 0x66, 0x10,
		0x76, 0x20, 0x55, 0x48, 0x89, 0xe5 };
	static const uint8_t nosplit[] = { 0x55, 0x48, 0x89, 0xe5, 0xc3 };
	static const uint8_t garbage[] = { 0x90, 0x90, 0xc3 };
	size_t off = 0;
	int ret;

	ret = go_prologue_end(go119, sizeof(go119), &off);
	CHECK(!ret && off == 24, "prologue go1.19 form", "ret %d off %zu", ret, off);
	ret = go_prologue_end(go121, sizeof(go121), &off);
	CHECK(!ret && off == 14, "prologue go1.21 form", "ret %d off %zu", ret, off);
	ret = go_prologue_end(bigframe, sizeof(bigframe), &off);
	CHECK(!ret && off == 18, "prologue with big frame check", "ret %d off %zu", ret, off);
	ret = go_prologue_end(nosplit, sizeof(nosplit), &off);
	CHECK(!ret && off == 4, "prologue without stack check", "ret %d off %zu", ret, off);
	ret = go_prologue_end(garbage, sizeof(garbage), &off);
	CHECK(ret == -ENOENT, "not a prologue", "ret %d", ret);
	for (size_t n = 0; n < 14; n++) {	/* shorter than the prologue */
		ret = go_prologue_end(go121, n, &off);
		if (ret != -ENOENT)
			break;
	}
	CHECK(ret == -ENOENT, "truncated prologue is never read past its end", "ret %d", ret);
}

/* Past max_stacks, new stacks are folded: the table stays bounded, the
 * totals stay exact, and what was folded is counted. */
static void test_bounded(void)
{
	struct aggregate agg;
	uint64_t frames[20], objects = 0;
	size_t folded_entries = 0;
	bool innermost_kept = true;

	aggregate_init(&agg, 127);
	agg.max_stacks = 100;
	for (uint64_t i = 0; i < 5000; i++) {
		for (int f = 0; f < 20; f++)
			frames[f] = 0x401000 + f * 0x10 + (f == 19 ? i : 0);
		aggregate_alloc(&agg, ALLOC_PROBE_NOSCAN, 0, 64, 0, frames, 20, 2);
	}
	for (size_t i = 0; i < agg.allocs.len; i++) {
		const struct stack_count *e = &agg.allocs.entries[i];

		objects += e->count;
		if (e->frames[e->nframes - 1] == STACK_FOLDED_PC) {
			folded_entries++;
			if (e->nframes > 1 && e->frames[0] != 0x401000)
				innermost_kept = false;
		}
	}
	CHECK(agg.allocs.len <= 100 + 100 / 4 + 1, "bounded: at most max_stacks * 1.25 + 1 stacks",
	      "%zu", agg.allocs.len);
	CHECK(objects == 10000 && agg.alloc_objects == 10000 && agg.alloc_bytes == 10000 * 64,
	      "bounded: every object counted", "%llu in stacks, %llu in totals",
	      (unsigned long long)objects, (unsigned long long)agg.alloc_objects);
	CHECK(agg.folded_objects == (5000 - 100) * 2 && folded_entries >= 1 && innermost_kept,
	      "bounded: folded objects counted, innermost frames kept",
	      "folded %llu, %zu folded entries", (unsigned long long)agg.folded_objects,
	      folded_entries);
	aggregate_free(&agg);
}

/* After an exec: what comes in is marked with its image, once; what is
 * stored already keeps its own image. */
static void test_image_tags(void)
{
	const uint64_t img1 = 1ULL << IMAGE_SHIFT;
	uint64_t pcs[] = { 0x401000, 0x402000 }, first[] = { 0x403000 };
	struct aggregate agg;
	const struct stack_count *e;

	aggregate_init(&agg, 125);
	aggregate_sample(&agg, ALLOC_PROBE_REFILL, 3, first, 1, 8);	/* image 0 */
	aggregate_commit_samples(&agg);
	agg.image_tag = img1;
	aggregate_alloc(&agg, ALLOC_PROBE_MALLOCGC, 0, 32, 0x500000, pcs, 2, 1);
	e = &agg.allocs.entries[0];
	CHECK(agg.allocs.len == 1 && e->frames[0] == (0x401000 | img1) &&
	      e->frames[1] == (0x402000 | img1) && e->tag == (0x500000 | img1) &&
	      image_of(e->frames[0]) == 1 && (e->frames[0] & IMAGE_ADDR_MASK) == 0x401000,
	      "an allocation's PCs and type carry the image they came from", "%#llx %#llx",
	      (unsigned long long)e->frames[0], (unsigned long long)e->tag);
	/* Scaling re-adds stored samples: image 0's stay image 0's. */
	e = &agg.samples.entries[0];
	aggregate_alloc_estimate(&agg, e->frames, e->nframes, 8, 256, 1);
	e = &agg.allocs.entries[1];
	CHECK(agg.allocs.len == 2 && e->frames[0] == 0x403000,
	      "a stored stack keeps its image", "%#llx", (unsigned long long)e->frames[0]);
	aggregate_morestack(&agg, 1, 0xa, 1, first, 1);
	aggregate_copystack(&agg, 2, 0xa, 2048, 4096);
	CHECK(agg.growths.len == 1 && agg.growths.entries[0].frames[0] == (0x403000 | img1),
	      "a growth's stack carries its image once", "%#llx",
	      (unsigned long long)agg.growths.entries[0].frames[0]);
}

/* The timeline's logs: large allocations kept from the threshold up, the
 * first LARGE_ALLOC_LOG_MAX of them, the rest counted; stacks deduplicated
 * and bounded like every table; heap reads likewise. */
static void test_timeline_logs(void)
{
	uint64_t frames[3] = { 0x401000, 0x402000, 0x403000 };
	struct heap_sample h = { .have_live = true };
	struct aggregate agg;
	size_t below = 0, n = 2 * LARGE_ALLOC_LOG_MAX + 50;
	bool stacks_ok = true;

	aggregate_init(&agg, 127);
	agg.max_stacks = 16;
	CHECK(!aggregate_large_alloc(&agg, 1, 1 << 30, 0, false, 0, 0, frames, 3) &&
	      agg.large_allocs_len == 0, "large allocs: none kept without a threshold",
	      "%zu kept", agg.large_allocs_len);
	agg.large_alloc_bytes = 1 << 20;
	for (size_t i = 0; i < n; i++) {
		frames[0] = 0x401000 + (i % 64) * 16;
		if (aggregate_large_alloc(&agg, 100 + i, (1 << 20) - 1 + (i & 1), 0x5000, true,
					  7, 9, frames, 3))
			break;
		below += !(i & 1);
	}
	CHECK(agg.large_allocs_len == LARGE_ALLOC_LOG_MAX &&
	      agg.large_allocs_dropped == n - below - LARGE_ALLOC_LOG_MAX,
	      "large allocs: threshold, the first ones kept, the rest counted",
	      "%zu kept, %llu dropped", agg.large_allocs_len,
	      (unsigned long long)agg.large_allocs_dropped);
	for (size_t i = 0; i < agg.large_allocs_len; i++) {
		const struct large_alloc *a = &agg.large_allocs[i];

		if (a->size != 1 << 20 || a->stack >= agg.large_stacks.len || a->goid != 7 ||
		    a->tid != 9 || a->typ != 0x5000 || !a->have_type)
			stacks_ok = false;
	}
	CHECK(stacks_ok && agg.large_stacks.len <= 16 + 16 / 4 + 1,
	      "large allocs: fields kept, stacks within max_stacks", "%zu stacks",
	      agg.large_stacks.len);
	for (size_t i = 0; i < HEAP_SAMPLES_MAX + 3; i++) {
		h.ts = i;
		if (aggregate_heap_sample(&agg, &h))
			break;
	}
	CHECK(agg.heap_samples_len == HEAP_SAMPLES_MAX && agg.heap_samples_dropped == 3 &&
	      agg.heap_samples[HEAP_SAMPLES_MAX - 1].ts == HEAP_SAMPLES_MAX - 1,
	      "heap reads: the first ones kept in order, the rest counted", "%zu kept, %llu dropped",
	      agg.heap_samples_len, (unsigned long long)agg.heap_samples_dropped);
	aggregate_free(&agg);
}

int main(void)
{
	test_image_tags();
	test_timeline_logs();
	test_bounded();
	test_stack_table();
	test_sizes();
	test_sizes_sanitizers();
	test_sizes_experiments();
	test_gc_pairing();
	test_growth_join();
	test_prologue();
	return CHECK_DONE();
}

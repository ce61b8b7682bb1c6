// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of userspace/target/runtime_state.c's pure parts, no root:
 *   - heap_stats_sum on synthetic consistentHeapStats images laid out by the
 *     go1.19 and go1.27 rows: the three generations summed as
 *     consistentHeapStats.unsafeRead does, Mallocs and TotalAlloc as
 *     readmemstats_m computes them; images or layouts that do not fit are
 *     refused, never read past;
 *   - go_heap_goal / go_memory_limit_heap_goal on hand-computed cases of
 *     runtime/mgcpacer.go (GOGC goal, sweep distance, minimum runway, memory
 *     limit with go1.19's fixed and go1.21+'s proportional headroom);
 *   - the searches of runtime.memstats and runtime.gcController in code give
 *     the ELF symbols' addresses on the plain test workload of every Go
 *     version of the matrix, and addresses on the stripped one
 *     ($GOMEMTRACE_WORKLOADS, default $GOMEMTRACE_CACHE/workloads).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "target/runtime_state.h"
#include "aggregate/sizeclass.h"

static void put_u64(uint8_t *buf, uint32_t off, uint64_t v)
{
	memcpy(buf + off, &v, sizeof(v));
}

static void test_heap_stats(int minor)
{
	const struct go_layout *l = go_layout_find(minor);
	struct heap_alloc_totals t;
	uint64_t small = 0, small_bytes = 0;
	struct go_layout bad;
	uint8_t *buf;
	size_t len;
	char name[128];
	int ret;

	if (!l) {
		CHECK(0, "heap_stats layout", "no row for %d", minor);
		return;
	}
	len = l->heap_stats_stats + l->heap_stats_stats_size;
	buf = calloc(1, len);
	if (!buf)
		return;
	for (uint32_t gen = 0; gen < 3; gen++) {
		uint32_t d = l->heap_stats_stats + gen * l->heap_delta_size;

		put_u64(buf, d + l->heap_delta_tiny_alloc_count, 100 + gen);
		put_u64(buf, d + l->heap_delta_large_alloc, (gen + 1) * 40960);
		put_u64(buf, d + l->heap_delta_large_alloc_count, gen + 1);
		for (int c = 1; c < GO_NUM_SIZE_CLASSES; c++) {
			uint64_t n = (uint64_t)c * 10 + gen;

			put_u64(buf, d + l->heap_delta_small_alloc_count + 8 * c, n);
			small += n;
			small_bytes += n * go_size_class_size(c);
		}
	}
	ret = heap_stats_sum(buf, len, l, &t);
	snprintf(name, sizeof(name), "go1.%d heap_stats_sum sums the three generations",
		 minor - 100);
	CHECK(!ret && t.tiny_alloc_count == 303 && t.large_alloc_count == 6 &&
	      t.large_alloc_bytes == 6 * 40960 && t.small_alloc_count == small &&
	      t.small_alloc_bytes == small_bytes && t.have_bytes &&
	      t.mallocs == small + 6 + 303 && t.total_alloc == small_bytes + 6 * 40960,
	      name, "ret %d tiny %llu large %llu/%llu small %llu/%llu mallocs %llu total %llu",
	      ret, (unsigned long long)t.tiny_alloc_count,
	      (unsigned long long)t.large_alloc_count, (unsigned long long)t.large_alloc_bytes,
	      (unsigned long long)t.small_alloc_count, (unsigned long long)t.small_alloc_bytes,
	      (unsigned long long)t.mallocs, (unsigned long long)t.total_alloc);

	snprintf(name, sizeof(name), "go1.%d heap_stats_sum refuses a short image", minor - 100);
	ret = heap_stats_sum(buf, len - 1, l, &t);
	CHECK(ret == -EINVAL, name, "ret %d", ret);

	bad = *l;
	bad.heap_delta_size += 8;
	snprintf(name, sizeof(name), "go1.%d heap_stats_sum refuses a ring that is not 3 deltas",
		 minor - 100);
	ret = heap_stats_sum(buf, len, &bad, &t);
	CHECK(ret == -EINVAL, name, "ret %d", ret);

	bad = *l;
	bad.heap_delta_small_alloc_count = l->heap_delta_size - 8;
	snprintf(name, sizeof(name), "go1.%d heap_stats_sum refuses fields past a delta",
		 minor - 100);
	ret = heap_stats_sum(buf, len, &bad, &t);
	CHECK(ret == -EINVAL, name, "ret %d", ret);

	bad = *l;
	bad.heap_delta_small_alloc_count_size -= 8;
	snprintf(name, sizeof(name), "go1.%d heap_stats_sum: other class count, no bytes",
		 minor - 100);
	ret = heap_stats_sum(buf, len, &bad, &t);
	CHECK(!ret && !t.have_bytes && t.total_alloc == 0, name, "ret %d have_bytes %d",
	      ret, t.have_bytes);

	bad = *l;
	bad.heap_stats_stats = GO_LAYOUT_ABSENT;
	ret = heap_stats_sum(buf, len, &bad, &t);
	snprintf(name, sizeof(name), "go1.%d heap_stats_sum refuses an absent ring", minor - 100);
	CHECK(ret == -EINVAL, name, "ret %d", ret);
	free(buf);
}

#define MiB (1ull << 20)
#define NO_LIMIT INT64_MAX

static void goal_case(int minor, const char *what, struct heap_goal_inputs in, uint64_t want)
{
	uint64_t got = go_heap_goal(minor, &in);
	char name[160];

	snprintf(name, sizeof(name), "go1.%d heap goal: %s", minor - 100, what);
	CHECK(got == want, name, "got %llu, want %llu", (unsigned long long)got,
	      (unsigned long long)want);
}

static void test_heap_goal(void)
{
	const uint64_t off = ~0ull;
	/* A 64 MiB limit; 10 MiB mapped, 1 MiB free, 4 MiB of objects:
	 * 5 MiB not heap, so 59 MiB before the headroom. */
	struct heap_goal_inputs lim = { .gc_percent_heap_goal = off, .triggered = off,
					.heap_marked = 3 * MiB, .memory_limit = 64 * MiB,
					.heap_free = 1 * MiB, .total_alloc = 5 * MiB,
					.total_free = 1 * MiB, .mapped_ready = 10 * MiB };
	struct heap_goal_inputs in;

	for (int minor = 119; minor <= 127; minor += 8) {
		goal_case(minor, "GOGC goal", (struct heap_goal_inputs){
			.gc_percent_heap_goal = 4 * MiB, .triggered = off,
			.memory_limit = NO_LIMIT, .mapped_ready = 8 * MiB }, 4 * MiB);
		goal_case(minor, "sweep distance raises it", (struct heap_goal_inputs){
			.gc_percent_heap_goal = 4 * MiB, .sweep_dist_min_trigger = 5 * MiB,
			.triggered = off, .memory_limit = NO_LIMIT, .mapped_ready = 8 * MiB },
			5 * MiB);
		goal_case(minor, "minimum runway past the trigger", (struct heap_goal_inputs){
			.gc_percent_heap_goal = 4 * MiB, .triggered = 4 * MiB - 1000,
			.memory_limit = NO_LIMIT, .mapped_ready = 8 * MiB },
			4 * MiB - 1000 + 65536);
		goal_case(minor, "non-heap memory over the limit: heapMarked", (struct heap_goal_inputs){
			.gc_percent_heap_goal = off, .triggered = off, .heap_marked = 7 * MiB,
			.memory_limit = 8 * MiB, .mapped_ready = 9 * MiB }, 7 * MiB);
		in = lim;
		in.heap_marked = 60 * MiB;
		goal_case(minor, "limit goal at least heapMarked", in, 60 * MiB);
		in = lim;
		in.gc_percent_heap_goal = 4 * MiB;
		goal_case(minor, "GOGC goal under the limit goal", in, 4 * MiB);
		/* 0.5 MiB not heap under a 2.25 MiB limit: 1.75 MiB, less than
		 * twice the 1 MiB headroom, so the goal is the headroom. */
		goal_case(minor, "headroom floor", (struct heap_goal_inputs){
			.gc_percent_heap_goal = off, .triggered = off,
			.memory_limit = 2 * MiB + MiB / 4, .heap_free = MiB / 2,
			.total_alloc = 1 * MiB, .mapped_ready = 2 * MiB }, 1 * MiB);
	}
	goal_case(119, "memory limit, fixed 1 MiB headroom", lim, 58 * MiB);
	goal_case(127, "memory limit, 3% headroom", lim, 59 * MiB - 59 * MiB / 100 * 3);
}

static void test_locate(const char *workloads)
{
	static const int matrix[] = { 119, 121, 122, 123, 124, 125, 126, 127 };
	char path[4096], name[160], err[256];

	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		int minor = matrix[i];
		const struct go_layout *l = go_layout_find(minor);
		struct gobin *bin = NULL;
		uint64_t sym, found, plain_memstats = 0, plain_gc_controller = 0;
		int ret;

		snprintf(path, sizeof(path), "%s/go1.%d/plain/workload", workloads, minor - 100);
		if (gobin_open(path, &bin, err, sizeof(err))) {
			snprintf(name, sizeof(name), "go1.%d workload opens", minor - 100);
			CHECK(0, name, "%s: %s", path, err);
			continue;
		}
		snprintf(name, sizeof(name), "go1.%d runtime.memstats from gcMarkTermination",
			 minor - 100);
		ret = runtime_state_find_memstats(bin, l, &found);
		if (!gobin_symbol_addr(bin, "runtime.memstats", &sym))
			plain_memstats = sym;
		CHECK(plain_memstats && !ret && found == sym,
		      name, "ret %d found %#llx symbol %#llx", ret, (unsigned long long)found,
		      (unsigned long long)sym);
		snprintf(name, sizeof(name), "go1.%d runtime.gcController from gcStart",
			 minor - 100);
		ret = runtime_state_find_gc_controller(bin, &found);
		if (!gobin_symbol_addr(bin, "runtime.gcController", &sym))
			plain_gc_controller = sym;
		CHECK(plain_gc_controller && !ret && found == sym,
		      name, "ret %d found %#llx symbol %#llx", ret, (unsigned long long)found,
		      (unsigned long long)sym);
		gobin_close(bin);

		snprintf(path, sizeof(path), "%s/go1.%d/stripped/workload", workloads, minor - 100);
		if (gobin_open(path, &bin, err, sizeof(err)))
			continue;
		{
			struct runtime_addrs a;

			runtime_state_locate(bin, l, &a);
			/* The stripped build's data moves (by 0x20 in
			 * go1.21-1.27), so only presence is checked here;
			 * test_runtime_state reads through these addresses. */
			snprintf(name, sizeof(name), "go1.%d stripped: all three located from code",
				 minor - 100);
			CHECK(gobin_symbol_addr(bin, "runtime.memstats", &sym) == -ENOENT &&
			      a.memstats && a.gc_controller && a.work, name, "memstats %#llx (plain %#llx) gcController %#llx "
			      "(plain %#llx) work %#llx",
			      (unsigned long long)a.memstats, (unsigned long long)plain_memstats,
			      (unsigned long long)a.gc_controller,
			      (unsigned long long)plain_gc_controller, (unsigned long long)a.work);
		}
		gobin_close(bin);
	}
}

int main(void)
{
	char workloads[2048];

	check_workloads_dir(workloads, sizeof(workloads));
	test_heap_stats(119);
	test_heap_stats(127);
	test_heap_goal();
	test_locate(workloads);
	return CHECK_DONE();
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime-state reader: locates runtime.memstats and runtime.gcController
 * in a Go binary, reads them from the live target (target_mem.c, read only)
 * and computes what the runtime itself would report, mirroring
 * runtime/mstats.go (readmemstats_m, consistentHeapStats.unsafeRead) and
 * runtime/mgcpacer.go (heapGoal, heapGoalInternal, memoryLimitHeapGoal).
 * Offsets come from the layout (DWARF or the generated table); the bytes
 * read are the target's, so every offset is checked against what was read.
 */
#include <errno.h>
#include <string.h>

#include "target/runtime_state.h"
#include "binary/gocode.h"
#include "aggregate/sizeclass.h"
#include "target/target_maps.h"
#include "target/target_mem.h"

/* Largest window read from either variable: mstats is 13,512 bytes in
 * go1.19, 10,440 in go1.27; the gcControllerState fields read end before
 * 512. */
#define MAX_WINDOW (32u << 10)
/* memoryLimitHeapGoal retries until heapFree + heapAlloc <= mappedReady (a
 * torn read of independently updated counters); so do we, a bounded number
 * of times, then leave the goal unknown. */
#define GOAL_READ_TRIES 64

int heap_stats_sum(const uint8_t *buf, size_t len, const struct go_layout *l,
		   struct heap_alloc_totals *out)
{
	uint32_t delta = l->heap_delta_size, nclasses;

	memset(out, 0, sizeof(*out));
	if (!buf || !go_layout_has(l->heap_stats_stats) || !delta ||
	    (uint64_t)delta * 3 != l->heap_stats_stats_size ||
	    !go_layout_fits(l->heap_stats_stats, l->heap_stats_stats_size, len) ||
	    !go_layout_fits(l->heap_delta_tiny_alloc_count, 8, delta) ||
	    !go_layout_fits(l->heap_delta_large_alloc, 8, delta) ||
	    !go_layout_fits(l->heap_delta_large_alloc_count, 8, delta) ||
	    !go_layout_fits(l->heap_delta_small_alloc_count, l->heap_delta_small_alloc_count_size, delta) ||
	    l->heap_delta_small_alloc_count_size % 8)
		return -EINVAL;
	nclasses = l->heap_delta_small_alloc_count_size / 8;
	/* ReadMemStats' bytes need class_to_size; a runtime with another
	 * number of classes has another table, which we do not have. */
	out->have_bytes = nclasses == GO_NUM_SIZE_CLASSES;

	/* consistentHeapStats.unsafeRead: merge all of stats[0..2]. */
	for (uint32_t gen = 0; gen < 3; gen++) {
		const uint8_t *d = buf + l->heap_stats_stats + gen * delta;

		out->tiny_alloc_count += go_layout_u64(d, l->heap_delta_tiny_alloc_count);
		out->large_alloc_bytes += go_layout_u64(d, l->heap_delta_large_alloc);
		out->large_alloc_count += go_layout_u64(d, l->heap_delta_large_alloc_count);
		for (uint32_t c = 0; c < nclasses; c++) {
			uint64_t n = go_layout_u64(d, l->heap_delta_small_alloc_count + 8 * c);

			out->small_alloc_count += n;
			if (out->have_bytes) {
				out->small_alloc_bytes += n * go_size_class_size((int)c);
				out->small_by_class[c] += n;
			}
		}
	}
	/* readmemstats_m: Mallocs = large + small + tiny counts; TotalAlloc =
	 * largeAlloc + sum of small counts x class size (tiny allocations are
	 * in the bytes of their 16-byte blocks, class 2). */
	out->mallocs = out->large_alloc_count + out->small_alloc_count + out->tiny_alloc_count;
	if (out->have_bytes)
		out->total_alloc = out->large_alloc_bytes + out->small_alloc_bytes;
	return 0;
}

/*
 * gcControllerState.memoryLimitHeapGoal, runtime/mgcpacer.go:
 *   nonHeap = mappedReady - heapFree - (totalAlloc - totalFree)
 *   overage = max(mappedReady - memoryLimit, 0)
 *   if nonHeap + overage >= memoryLimit: return heapMarked
 *   goal = memoryLimit - (nonHeap + overage)
 *   headroom: go1.19 a fixed memoryLimitHeapGoalHeadroom (1 MiB);
 *             go1.21-1.27 goal/100*3 (memoryLimitHeapGoalHeadroomPercent),
 *             at least memoryLimitMinHeapGoalHeadroom (1 MiB)
 *   goal = goal < headroom || goal-headroom < headroom ? headroom : goal-headroom
 *   return max(goal, heapMarked)
 * All in uint64, wrapping as Go's does.
 */
uint64_t go_memory_limit_heap_goal(int minor, const struct heap_goal_inputs *in)
{
	uint64_t heap_alloc = in->total_alloc - in->total_free;
	uint64_t limit = (uint64_t)in->memory_limit;
	uint64_t non_heap = in->mapped_ready - in->heap_free - heap_alloc;
	uint64_t overage = in->mapped_ready > limit ? in->mapped_ready - limit : 0;
	uint64_t goal, headroom;

	if (non_heap + overage >= limit)
		return in->heap_marked;
	goal = limit - (non_heap + overage);
	if (minor <= 120) {
		headroom = 1 << 20;
	} else {
		headroom = goal / 100 * 3;
		if (headroom < (1 << 20))
			headroom = 1 << 20;
	}
	if (goal < headroom || goal - headroom < headroom)
		goal = headroom;
	else
		goal -= headroom;
	if (goal < in->heap_marked)
		goal = in->heap_marked;
	return goal;
}

/*
 * gcControllerState.heapGoal -> heapGoalInternal, runtime/mgcpacer.go, the
 * same in go1.19 and go1.21-1.27 (go1.19 also tests the constant
 * go119MemoryLimitSupport, true):
 *   goal = gcPercentHeapGoal
 *   if memoryLimitHeapGoal() < goal: goal = memoryLimitHeapGoal()
 *   else:
 *     goal = max(goal, sweepDistMinTrigger)
 *     if triggered != ^0 && goal < triggered + minRunway (64 KiB):
 *       goal = triggered + minRunway
 * This is MemStats.NextGC.
 */
uint64_t go_heap_goal(int minor, const struct heap_goal_inputs *in)
{
	uint64_t goal = in->gc_percent_heap_goal;
	uint64_t limit_goal = go_memory_limit_heap_goal(minor, in);
	const uint64_t min_runway = 64 << 10;

	if (limit_goal < goal)
		return limit_goal;
	if (in->sweep_dist_min_trigger > goal)
		goal = in->sweep_dist_min_trigger;
	if (in->triggered != ~(uint64_t)0 && goal < in->triggered + min_runway)
		goal = in->triggered + min_runway;
	return goal;
}

/* The formulas above are those of these versions' sources; for others the
 * goal stays unknown rather than guessed. */
static bool heap_goal_known(int minor)
{
	return minor == 119 || (minor >= 121 && minor <= 127);
}

/* The target of a RIP-relative operand whose rel32 is at code[at], the
 * instruction ending at code[end]. */
/*
 * runtime.memstats from gcMarkTermination (go1.19-1.27):
 *   INCL memstats+numgc(%rip)                  ff 05 rel32
 *   MOVSD X0, memstats+gc_cpu_fraction(%rip)   f2 0f 11 05 rel32
 * Every INCL's target gives a candidate base (target - numgc); a base counts
 * when a MOVSD store hits base + gc_cpu_fraction. Exactly one base must.
 */
int runtime_state_find_memstats(const struct gobin *bin, const struct go_layout *l,
				uint64_t *addr)
{
	struct gobin_func fn;
	const uint8_t *code;
	uint64_t len, found = 0;

	if (!go_layout_has(l->memstats_numgc) || !go_layout_has(l->memstats_gc_cpu_fraction) ||
	    gobin_find_func(bin, "runtime.gcMarkTermination", &fn) || fn.end <= fn.entry)
		return -ENOENT;
	len = fn.end - fn.entry;
	code = gobin_read(bin, fn.entry, len);
	if (!code)
		return -ENOENT;
	for (uint64_t i = 0; i + 6 <= len; i++) {
		uint64_t base;

		if (code[i] != 0xff || code[i + 1] != 0x05)
			continue;
		base = gocode_rel32_target(code, fn.entry, i + 2, i + 6) - l->memstats_numgc;
		for (uint64_t j = 0; j + 8 <= len; j++) {
			if (code[j] != 0xf2 || code[j + 1] != 0x0f || code[j + 2] != 0x11 ||
			    code[j + 3] != 0x05 ||
			    gocode_rel32_target(code, fn.entry, j + 4, j + 8) !=
			    base + l->memstats_gc_cpu_fraction)
				continue;
			if (found && found != base)
				return -ENOENT;	/* ambiguous */
			found = base;
			break;
		}
	}
	if (!found)
		return -ENOENT;
	*addr = found;
	return 0;
}

/*
 * runtime.gcController from gcStart: gcController.startCycle(...) loads its
 * receiver with LEAQ gcController(%rip), AX (48 8d 05 rel32); the last one
 * in the 64 bytes before the CALL to startCycle gives the address.
 */
int runtime_state_find_gc_controller(const struct gobin *bin, uint64_t *addr)
{
	struct gocode_call c;
	uint64_t found = 0;

	if (gocode_call_site(bin, "runtime.gcStart", "runtime.(*gcControllerState).startCycle",
			     &c))
		return -ENOENT;
	for (uint64_t i = c.call > 64 ? c.call - 64 : 0; i + 7 <= c.call; i++)
		if (c.code[i] == 0x48 && c.code[i + 1] == 0x8d && c.code[i + 2] == 0x05)
			found = gocode_rel32_target(c.code, c.entry, i + 3, i + 7);
	if (!found)
		return -ENOENT;
	*addr = found;
	return 0;
}

int runtime_state_locate(const struct gobin *bin, const struct go_layout *layout,
			 struct runtime_addrs *out)
{
	uint64_t addr;

	memset(out, 0, sizeof(*out));
	if (!gobin_symbol_addr(bin, "runtime.memstats", &addr) ||
	    !runtime_state_find_memstats(bin, layout, &addr))
		out->memstats = addr;
	if (!gobin_symbol_addr(bin, "runtime.gcController", &addr) ||
	    !runtime_state_find_gc_controller(bin, &addr))
		out->gc_controller = addr;
	if (!gobin_symbol_addr(bin, "runtime.work", &addr))
		out->work = addr;
	else if (go_layout_has(layout->work_cycles) &&
		 !gocode_find_work_cycles(bin, &addr) && addr > layout->work_cycles)
		out->work = addr - layout->work_cycles;
	return 0;
}

/* One past the last byte of memstats that we read. */
static uint32_t memstats_window(const struct go_layout *l)
{
	uint64_t end = (uint64_t)l->memstats_numgc + 4;

	if ((uint64_t)l->memstats_numforcedgc + 4 > end)
		end = (uint64_t)l->memstats_numforcedgc + 4;

	if ((uint64_t)l->memstats_gc_cpu_fraction + 8 > end)
		end = (uint64_t)l->memstats_gc_cpu_fraction + 8;
	if ((uint64_t)l->memstats_heap_stats + l->memstats_heap_stats_size > end)
		end = (uint64_t)l->memstats_heap_stats + l->memstats_heap_stats_size;
	return end > MAX_WINDOW ? 0 : (uint32_t)end;
}

static int read_memstats(pid_t pid, uint64_t addr, const struct go_layout *l,
			 struct runtime_state *out)
{
	static uint8_t buf[MAX_WINDOW];
	uint32_t len = memstats_window(l);
	int ret;

	if (!len || !go_layout_has(l->memstats_numgc) || !go_layout_has(l->memstats_numforcedgc) ||
	    !go_layout_has(l->memstats_gc_cpu_fraction) || !go_layout_has(l->memstats_heap_stats))
		return -EINVAL;
	ret = target_mem_read(pid, addr, buf, len);
	if (ret)
		return ret;
	if (!go_layout_fits(l->memstats_numgc, 4, len) || !go_layout_fits(l->memstats_numforcedgc, 4, len) ||
	    !go_layout_fits(l->memstats_gc_cpu_fraction, 8, len) ||
	    !go_layout_fits(l->memstats_heap_stats, l->memstats_heap_stats_size, len))
		return -EINVAL;
	out->numgc = go_layout_u32(buf, l->memstats_numgc);
	out->numforcedgc = go_layout_u32(buf, l->memstats_numforcedgc);
	memcpy(&out->gc_cpu_fraction, buf + l->memstats_gc_cpu_fraction, sizeof(double));
	ret = heap_stats_sum(buf + l->memstats_heap_stats, l->memstats_heap_stats_size, l,
			     &out->allocs);
	if (ret)
		return ret;
	out->have_memstats = true;
	return 0;
}

/* gcControllerState fields, by their layout offset and width. */
#define GC_FIELD(f, w) { offsetof(struct go_layout, gc_controller_##f), w }
static const struct { size_t member; uint32_t width; } gc_fields[] = {
	GC_FIELD(heap_marked, 8), GC_FIELD(heap_live, 8), GC_FIELD(gc_percent, 4),
	GC_FIELD(memory_limit, 8), GC_FIELD(gc_percent_heap_goal, 8),
	GC_FIELD(triggered, 8), GC_FIELD(sweep_dist_min_trigger, 8),
	GC_FIELD(heap_free, 8), GC_FIELD(total_alloc, 8), GC_FIELD(total_free, 8),
	GC_FIELD(mapped_ready, 8),
};

static uint32_t gc_offset(const struct go_layout *l, size_t i)
{
	uint32_t off;

	memcpy(&off, (const char *)l + gc_fields[i].member, sizeof(off));
	return off;
}

static int read_gc_controller(pid_t pid, uint64_t addr, int minor, const struct go_layout *l,
			      struct runtime_state *out)
{
	uint8_t buf[1024];
	uint64_t end = 0;
	bool goal_fields = true;
	struct heap_goal_inputs in;
	int ret;

	if (!go_layout_has(l->gc_controller_heap_marked) ||
	    !go_layout_has(l->gc_controller_heap_live))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(gc_fields) / sizeof(gc_fields[0]); i++) {
		uint32_t off = gc_offset(l, i);

		if (!go_layout_has(off)) {
			if (i >= 2 && gc_fields[i].member != offsetof(struct go_layout,
								      gc_controller_gc_percent))
				goal_fields = false;
			continue;
		}
		if ((uint64_t)off + gc_fields[i].width > end)
			end = (uint64_t)off + gc_fields[i].width;
	}
	if (end > sizeof(buf))
		return -EINVAL;

	for (int tries = 0; tries < GOAL_READ_TRIES; tries++) {
		ret = target_mem_read(pid, addr, buf, end);
		if (ret)
			return ret;
		out->have_gc_controller = true;
		out->heap_marked = go_layout_u64(buf, l->gc_controller_heap_marked);
		out->heap_live = go_layout_u64(buf, l->gc_controller_heap_live);
		out->have_gc_percent = go_layout_has(l->gc_controller_gc_percent);
		if (out->have_gc_percent)
			out->gc_percent = (int32_t)go_layout_u32(buf, l->gc_controller_gc_percent);
		out->have_memory_limit = go_layout_has(l->gc_controller_memory_limit);
		if (out->have_memory_limit)
			out->memory_limit = (int64_t)go_layout_u64(buf, l->gc_controller_memory_limit);
		if (!goal_fields || !heap_goal_known(minor))
			return 0;
		in = (struct heap_goal_inputs){
			.gc_percent_heap_goal = go_layout_u64(buf, l->gc_controller_gc_percent_heap_goal),
			.sweep_dist_min_trigger = go_layout_u64(buf, l->gc_controller_sweep_dist_min_trigger),
			.triggered = go_layout_u64(buf, l->gc_controller_triggered),
			.heap_marked = out->heap_marked,
			.memory_limit = out->memory_limit,
			.heap_free = go_layout_u64(buf, l->gc_controller_heap_free),
			.total_alloc = go_layout_u64(buf, l->gc_controller_total_alloc),
			.total_free = go_layout_u64(buf, l->gc_controller_total_free),
			.mapped_ready = go_layout_u64(buf, l->gc_controller_mapped_ready),
		};
		if (in.heap_free + (in.total_alloc - in.total_free) <= in.mapped_ready) {
			out->heap_goal = go_heap_goal(minor, &in);
			out->have_heap_goal = true;
			return 0;
		}
	}
	return 0;	/* torn every time: goal unknown */
}

static int read_cpu_stats(pid_t pid, uint64_t addr, const struct go_layout *l,
			  struct runtime_state *out)
{
	uint64_t v;
	int ret;

	if (!go_layout_has(l->work_cpu_stats_gc_total) || !go_layout_has(l->work_cpu_stats_total))
		return 0;	/* go1.19: no cpuStats */
	ret = target_mem_read(pid, addr + l->work_cpu_stats_gc_total, &v, sizeof(v));
	if (ret)
		return ret;
	out->gc_cpu_ns = (int64_t)v;
	ret = target_mem_read(pid, addr + l->work_cpu_stats_total, &v, sizeof(v));
	if (ret)
		return ret;
	out->total_cpu_ns = (int64_t)v;
	out->have_gc_cpu_time = true;
	return 0;
}

int runtime_state_read_at(pid_t pid, uint64_t load_bias, const struct gobin *bin,
			  const struct go_layout *layout, const struct runtime_addrs *addrs,
			  struct runtime_state *out)
{
	int ret = 0, minor = gobin_go_minor(bin);

	memset(out, 0, sizeof(*out));
	if (!addrs->memstats && !addrs->gc_controller && !addrs->work)
		return -ENOENT;
	if (addrs->memstats)
		ret = read_memstats(pid, addrs->memstats + load_bias, layout, out);
	if (!ret && addrs->gc_controller)
		ret = read_gc_controller(pid, addrs->gc_controller + load_bias, minor, layout, out);
	if (!ret && addrs->work)
		ret = read_cpu_stats(pid, addrs->work + load_bias, layout, out);
	return ret;
}

int runtime_state_read(pid_t pid, uint64_t load_bias, const struct gobin *bin,
		       const struct go_layout *layout, struct runtime_state *out)
{
	struct runtime_addrs addrs;

	runtime_state_locate(bin, layout, &addrs);
	return runtime_state_read_at(pid, load_bias, bin, layout, &addrs, out);
}

int runtime_state_snapshot(pid_t pid, const struct gobin *bin,
			   const struct go_layout *layout, struct runtime_state *out)
{
	uint64_t bias;
	int ret = target_load_bias(pid, bin, &bias);

	if (ret) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	return runtime_state_read(pid, bias, bin, layout, out);
}

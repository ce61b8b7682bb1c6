// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live samples of a trace (see live.h): the runtime's state read from the
 * target's memory, the probes' counters and the aggregate's running counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate/live.h"
#include "target/target_maps.h"

static void read_comm(pid_t pid, char comm[LIVE_COMM_LEN])
{
	char path[64];
	ssize_t n;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, LIVE_COMM_LEN - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	comm[n] = '\0';
	if (n && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}

void live_init(struct live_source *src, pid_t pid, const struct gobin *bin,
	       const struct go_layout *layout, const struct memtrace *mt,
	       const struct aggregate *agg)
{
	memset(src, 0, sizeof(*src));
	src->pid = pid;
	src->bin = bin;
	src->layout = layout;
	src->mt = mt;
	src->agg = agg;
	read_comm(pid, src->comm);
	runtime_state_locate(bin, layout, &src->addrs);
}

void live_exec(struct live_source *src, const struct gobin *bin,
	       const struct go_layout *layout, const struct memtrace *mt)
{
	uint64_t c[COUNTER_MAX];

	if (src->mt && !memtrace_counters(src->mt, c))
		for (int i = 0; i < COUNTER_MAX; i++)
			src->base_counters[i] += c[i];
	if (src->mt)
		src->base_lost += memtrace_lost_events(src->mt);
	src->base_mallocs += src->last_mallocs;
	src->base_total_alloc += src->last_total_alloc;
	src->base_numgc += src->last_numgc;
	src->last_mallocs = src->last_total_alloc = 0;
	src->last_numgc = 0;
	src->bin = bin;
	src->layout = layout;
	src->mt = mt;
	src->have_bias = false;
	runtime_state_locate(bin, layout, &src->addrs);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The runtime's state, with allocation totals that hold up as counters.
 * consistentHeapStats.read (runtime/mstats.go) merges one generation of
 * heapStats into another and only then clears it: a reader from outside
 * that lands between the two sums that generation twice, for a moment.
 * Two reads back to back cannot both land in that window (it is a few
 * stores long), and the totals only grow: the smaller of the two is a true
 * value. A total lower than the last one taken (never seen, but a reader
 * from outside cannot rule it out) keeps the last.
 */
static int read_runtime(struct live_source *src, struct runtime_state *rt)
{
	struct runtime_state again;
	int ret;

	if (!src->have_bias) {
		ret = target_load_bias(src->pid, src->bin, &src->load_bias);
		if (ret)
			return ret;
		src->have_bias = true;
	}
	ret = runtime_state_read_at(src->pid, src->load_bias, src->bin, src->layout,
				    &src->addrs, rt);
	if (ret || !rt->have_memstats)
		return ret;
	if (!runtime_state_read_at(src->pid, src->load_bias, src->bin, src->layout,
				   &src->addrs, &again) && again.have_memstats) {
		rt->allocs.mallocs = min_u64(rt->allocs.mallocs, again.allocs.mallocs);
		rt->allocs.total_alloc = min_u64(rt->allocs.total_alloc,
						 again.allocs.total_alloc);
	}
	rt->allocs.mallocs = max_u64(rt->allocs.mallocs, src->last_mallocs);
	rt->allocs.total_alloc = max_u64(rt->allocs.total_alloc, src->last_total_alloc);
	src->last_mallocs = rt->allocs.mallocs;
	src->last_total_alloc = rt->allocs.total_alloc;
	src->last_numgc = rt->numgc;
	rt->allocs.mallocs += src->base_mallocs;
	rt->allocs.total_alloc += src->base_total_alloc;
	rt->numgc += src->base_numgc;
	return 0;
}

int live_take(struct live_source *src, struct live_sample *out)
{
	struct timespec ts;

	memset(out, 0, sizeof(*out));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->mono_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	out->pid = src->pid;
	memcpy(out->comm, src->comm, sizeof(out->comm));
	out->runtime_err = read_runtime(src, &out->rt);
	if (out->runtime_err)
		memset(&out->rt, 0, sizeof(out->rt));
	if (src->mt) {
		out->have_counters = !memtrace_counters(src->mt, out->counters);
		for (int i = 0; out->have_counters && i < COUNTER_MAX; i++)
			out->counters[i] += src->base_counters[i];
		out->lost_events = memtrace_lost_events(src->mt) + src->base_lost;
	}
	if (src->agg) {
		out->stack_growths = src->agg->growth_events;
		out->stack_growth_bytes = src->agg->growth_bytes;
		out->lost_events += src->agg->bad_events + src->agg->memory_failures;
	}
	return 0;
}

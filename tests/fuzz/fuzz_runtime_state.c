// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for the pure parts of userspace/target/runtime_state.c:
 * the input is both an ELF file, in which the runtime's variables are
 * located from code as for a stripped binary (runtime_state_locate, with
 * every Go version's layout), and an image of memstats.heapStats, summed
 * over its generations (heap_stats_sum) with every layout, as the reader
 * does with the bytes it reads from a live target.
 */
#include <stdint.h>
#include <string.h>

#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "target/runtime_state.h"

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct go_layout *rows;
	struct gobin *bin = NULL;
	char err[256];
	int n;

	rows = go_layout_all(&n);
	for (int i = 0; i < n; i++) {
		struct heap_alloc_totals t;
		struct heap_goal_inputs in;

		if (!heap_stats_sum(data, size, &rows[i], &t))
			sink += t.mallocs + t.total_alloc;
		memset(&in, 0, sizeof(in));
		memcpy(&in, data, size < sizeof(in) ? size : sizeof(in));
		sink += go_heap_goal(rows[i].minor, &in);
	}
	if (gobin_open_mem(data, size, "fuzz", &bin, err, sizeof(err)))
		return 0;
	for (int i = 0; i < n; i++) {
		struct runtime_addrs a;

		if (!runtime_state_locate(bin, &rows[i], &a))
			sink += a.memstats + a.gc_controller + a.work;
	}
	gobin_close(bin);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/target/memprof.c: the input is both an
 * ELF file, in which the heap profile's variables are located from code as
 * for a stripped binary (memprof_locate), and a target's memory for the
 * bucket walk (memprof_walk) with every Go version's layout: its first 8
 * bytes give the list's head (an offset into the input, so that it may
 * point anywhere in it, misaligned or past it), the next 4 mProfCycle's
 * value, and the whole input is the memory at a fixed base address, read
 * as the reader reads a live target's bytes. memprof_scale gets numbers
 * from it too.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "target/memprof.h"

#define BASE 0x7f0000000000ull

struct mem {
	const uint8_t *data;
	size_t size;
};

static volatile uint64_t sink;

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct mem *m = ctx;

	if (addr < BASE || addr - BASE > m->size || len > m->size - (addr - BASE))
		return -EFAULT;
	memcpy(buf, m->data + (addr - BASE), len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memprof_limits lim = { .max_buckets = 4096 };
	struct mem m = { data, size };
	const struct go_layout *rows;
	struct memprof_addrs a;
	struct gobin *bin = NULL;
	uint64_t head = 0;
	uint32_t cycle = 0;
	char err[256];
	int n;

	if (size >= 12) {
		memcpy(&head, data, 8);
		memcpy(&cycle, data + 8, 4);
		head = head ? BASE + head % (size + 64) : 0;
	}
	rows = go_layout_all(&n);
	for (int i = 0; i < n; i++) {
		struct memprof p;

		if (memprof_walk(mem_read, &m, head, cycle, &rows[i], &lim, &p))
			continue;
		for (size_t k = 0; k < p.count; k++) {
			struct memprof_scaled s;

			sink += p.records[k].npcs ? p.records[k].pcs[p.records[k].npcs - 1] : 0;
			memprof_scale_record(rows[i].minor, &p.records[k],
					     (int64_t)(cycle | 1), &s);
			sink += (uint64_t)s.alloc_bytes + (uint64_t)s.inuse_bytes;
		}
		memprof_free(&p);
	}
	if (gobin_open_mem(data, size, "fuzz", &bin, err, sizeof(err)))
		return 0;
	if (!memprof_locate(bin, &a))
		sink += a.mbuckets + a.mprof_cycle + a.mem_profile_rate;
	gobin_close(bin);
	return 0;
}

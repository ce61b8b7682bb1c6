// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memprof-dump: command-line front of userspace/target/memprof.h, used by
 * tests/integration/test_memprof. Reads a live Go process (root or ptrace
 * rights needed).
 *
 *   memprof-dump [-t] PID            the heap profile: a header line, then one
 *                                    line per bucket in runtime/pprof's
 *                                    debug=1 form, "INUSE_OBJECTS:
 *                                    INUSE_BYTES [ALLOC_OBJECTS: ALLOC_BYTES]
 *                                    @ PC PC ..." (raw sampled counts)
 *   memprof-dump [-t] PID addrs      where the variables are (link time),
 *                                    and whether some came from code
 *   memprof-dump [-t] PID rate       runtime.MemProfileRate
 *   memprof-dump [-t] PID setrate N  set it to N; prints "old OLD"
 *   memprof-dump [-t] PID scaled     per bucket, writeHeapProto's four
 *                                    values (alloc objects, alloc bytes,
 *                                    inuse objects, inuse bytes) @ PCs
 *
 * -t: use the built-in layout table even when the binary has DWARF.
 * Exit status: 0; 1 on bad usage; 2 when the binary or the target cannot be
 * read (one line on stderr, "memprof-dump: <reason>").
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binary/dwarf_layout.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "target/memprof.h"
#include "target/target_maps.h"

static const char *const stop_names[] = {
	[MEMPROF_COMPLETE] = "complete", [MEMPROF_CAP] = "cap", [MEMPROF_CYCLE] = "cycle",
	[MEMPROF_GARBAGE] = "garbage", [MEMPROF_READ_ERROR] = "read-error",
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "memprof-dump: %s: %s\n", what, strerror(-err));
	return 2;
}

static void print_pcs(const struct memprof_record *r)
{
	printf(" @");
	for (uint32_t k = 0; k < r->npcs; k++)
		printf(" 0x%" PRIx64, r->pcs[k]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct go_layout from_dwarf;
	const struct go_layout *layout;
	const char *cmd = "dump";
	char exe[64], err[256];
	struct gobin *bin = NULL;
	struct memprof_addrs a;
	struct memprof p;
	bool table = false;
	uint64_t bias;
	int64_t rate, old;
	pid_t pid;
	int argi = 1, ret, minor;

	if (argi < argc && !strcmp(argv[argi], "-t")) {
		table = true;
		argi++;
	}
	if (argi >= argc || (pid = (pid_t)atoi(argv[argi])) <= 0) {
		fprintf(stderr, "usage: memprof-dump [-t] PID [addrs|rate|setrate N|scaled]\n");
		return 1;
	}
	if (argi + 1 < argc)
		cmd = argv[argi + 1];
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (gobin_open(exe, &bin, err, sizeof(err))) {
		fprintf(stderr, "memprof-dump: %s: %s\n", exe, err);
		return 2;
	}
	minor = gobin_go_minor(bin);
	layout = go_layout_find_experiments(minor, gobin_go_experiments(bin));
	if (!table && !dwarf_layout_read(exe, minor, &from_dwarf, err, sizeof(err)))
		layout = &from_dwarf;
	ret = target_load_bias(pid, bin, &bias);
	if (ret) {
		gobin_close(bin);
		return fail("load bias", ret);
	}
	if (!layout) {
		gobin_close(bin);
		fprintf(stderr, "memprof-dump: no layout for go1.%d\n", minor - 100);
		return 2;
	}

	if (!strcmp(cmd, "addrs")) {
		memprof_locate(bin, &a);
		printf("mbuckets 0x%" PRIx64 " mProfCycle 0x%" PRIx64 " MemProfileRate 0x%" PRIx64
		       " disableMemoryProfiling 0x%" PRIx64 " from_code %d bias 0x%" PRIx64
		       " layout %s max_stack %u\n",
		       a.mbuckets, a.mprof_cycle, a.mem_profile_rate, a.disable_memory_profiling,
		       a.from_code, bias, layout == &from_dwarf ? "dwarf" : "table",
		       layout->mprof_max_stack);
	} else if (!strcmp(cmd, "rate")) {
		ret = memprof_rate_read(pid, bias, bin, &rate);
		if (ret) {
			gobin_close(bin);
			return fail("MemProfileRate", ret);
		}
		printf("%" PRId64 "\n", rate);
	} else if (!strcmp(cmd, "setrate") && argi + 2 < argc) {
		char *end;
		long long v = strtoll(argv[argi + 2], &end, 10);

		if (*end || v < 0) {
			gobin_close(bin);
			fprintf(stderr, "memprof-dump: bad rate %s\n", argv[argi + 2]);
			return 1;
		}
		ret = memprof_rate_write(pid, bias, bin, v, &old);
		if (ret) {
			gobin_close(bin);
			return fail("MemProfileRate", ret);
		}
		printf("old %" PRId64 "\n", old);
	} else if (!strcmp(cmd, "dump") || !strcmp(cmd, "scaled")) {
		ret = memprof_read(pid, bias, bin, layout, NULL, &p);
		if (ret) {
			gobin_close(bin);
			return fail("heap profile", ret);
		}
		if (!strcmp(cmd, "scaled") && (ret = memprof_rate_read(pid, bias, bin, &rate))) {
			memprof_free(&p);
			gobin_close(bin);
			return fail("MemProfileRate", ret);
		}
		printf("memprof: %zu buckets cycle %u flushed %d all_futures %d stop %s unread %zu"
		       " read_error %d\n", p.count, p.cycle, p.flushed, p.all_futures,
		       stop_names[p.stop], p.unread, p.read_error);
		for (size_t i = 0; i < p.count; i++) {
			const struct memprof_record *r = &p.records[i];
			struct memprof_scaled s;

			if (!strcmp(cmd, "scaled")) {
				memprof_scale_record(minor, r, rate, &s);
				printf("%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, s.alloc_objects,
				       s.alloc_bytes, s.inuse_objects, s.inuse_bytes);
			} else {
				printf("%" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "]",
				       (int64_t)(r->allocs - r->frees),
				       (int64_t)(r->alloc_bytes - r->free_bytes), (int64_t)r->allocs,
				       (int64_t)r->alloc_bytes);
			}
			print_pcs(r);
		}
		memprof_free(&p);
	} else {
		gobin_close(bin);
		fprintf(stderr, "memprof-dump: unknown command %s\n", cmd);
		return 1;
	}
	gobin_close(bin);
	return 0;
}

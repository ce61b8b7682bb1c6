// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of userspace/target/memprof.c's pure parts, no root:
 *   - memprof_walk over synthetic bucket lists laid out by the go1.19 and
 *     go1.27 rows of the layout table: future[cycle % 3] added to active as
 *     mProf_FlushLocked does, all three futures when no bucket has data
 *     (MemProfile's `clear`), go1.27's bytes as objects x bucket.size; a
 *     wrong typ, an nstk over the version's maximum, a misaligned or
 *     unreadable pointer, a cycle and the bucket cap each stop the walk,
 *     keeping what came before, never reading past a bucket;
 *   - memprof_scale against values written by go1.27's runtime/pprof
 *     (`go tool pprof -raw` of tests/tools/heapprof's heap.pb.gz at rate
 *     4096: 1 object of 49152, 32768 and 24576 bytes gave 49152, 32778 and
 *     24637 bytes);
 *   - the searches of mbuckets, mProfCycle, MemProfileRate and
 *     disableMemoryProfiling in code give the ELF symbols' addresses on the
 *     plain and PIE test workloads of every Go version of the matrix; on the
 *     stripped ones (whose data moves) they are found, and moved by as much
 *     as runtime.memstats found from code moved
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
#include "target/memprof.h"
#include "target/runtime_state.h"

/* A fake target memory: MEM_SIZE bytes at MEM_BASE. */
#define MEM_BASE 0x7f0000000000ull
#define MEM_SIZE (64u << 10)

struct fake {
	uint8_t mem[MEM_SIZE];
	uint64_t reads;
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;

	f->reads++;
	if (addr < MEM_BASE || addr - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (addr - MEM_BASE))
		return -EFAULT;
	memcpy(buf, f->mem + (addr - MEM_BASE), len);
	return 0;
}

static void put(struct fake *f, uint64_t addr, uint64_t v)
{
	memcpy(f->mem + (addr - MEM_BASE), &v, sizeof(v));
}

/* A bucket at addr with nstk PCs (pc0, pc0+1, ...) and counts per cycle:
 * c[0] active, c[1..3] future[0..2]; each {allocs, frees}; bytes = x size. */
static void bucket(struct fake *f, const struct go_layout *l, uint64_t addr, uint64_t next,
		   uint64_t nstk, uint64_t pc0, uint64_t size, const uint64_t c[4][2])
{
	uint64_t rec = addr + l->bucket_header_size + nstk * 8;

	put(f, addr + l->bucket_allnext, next);
	put(f, addr + l->bucket_typ, 1);
	put(f, addr + l->bucket_obj_size, size);
	put(f, addr + l->bucket_nstk, nstk);
	for (uint64_t k = 0; k < nstk; k++)
		put(f, addr + l->bucket_header_size + 8 * k, pc0 + k);
	for (int i = 0; i < 4; i++) {
		uint64_t at = rec + (i == 0 ? l->mem_record_active :
				     l->mem_record_future + (i - 1) * l->mem_record_cycle_size);

		put(f, at + l->mem_record_cycle_allocs, c[i][0]);
		put(f, at + l->mem_record_cycle_frees, c[i][1]);
		if (go_layout_has(l->mem_record_cycle_alloc_bytes)) {
			put(f, at + l->mem_record_cycle_alloc_bytes, c[i][0] * size);
			put(f, at + l->mem_record_cycle_free_bytes, c[i][1] * size);
		}
	}
}

static void test_walk(int minor)
{
	const struct go_layout *l = go_layout_find(minor);
	static struct fake f;
	struct memprof p;
	struct memprof_limits lim = { .max_buckets = 2 };
	const uint64_t a = MEM_BASE + 0x100, b = MEM_BASE + 0x1000, c = MEM_BASE + 0x2000;
	/* active, future[0], future[1], future[2] */
	const uint64_t ca[4][2] = { { 10, 4 }, { 1, 0 }, { 2, 1 }, { 100, 50 } };
	const uint64_t cb[4][2] = { { 0, 0 }, { 0, 0 }, { 0, 0 }, { 7, 0 } };
	const uint64_t zero[4][2] = { { 0, 0 }, { 0, 0 }, { 5, 2 }, { 7, 3 } };
	char name[160];
	int ret;

	if (!l) {
		CHECK(0, "walk layout", "no row for %d", minor);
		return;
	}
#define NAME(what) (snprintf(name, sizeof(name), "go1.%d walk: %s", minor - 100, what), name)
	memset(&f, 0, sizeof(f));
	bucket(&f, l, a, b, 3, 0x401000, 48, ca);
	bucket(&f, l, b, c, 0, 0, 8192, cb);
	bucket(&f, l, c, 0, l->mprof_max_stack, 0x500000, 16, zero);

	/* cycle 4 (value 8): index 1, so future[1] is flushed into active. */
	ret = memprof_walk(fake_read, &f, a, 4 << 1, l, NULL, &p);
	CHECK(!ret && p.count == 3 && p.stop == MEMPROF_COMPLETE && !p.unread && p.cycle == 4 &&
	      !p.flushed && !p.all_futures && p.npcs == 3 + l->mprof_max_stack,
	      NAME("three buckets"), "ret %d count %zu stop %d cycle %u npcs %zu", ret, p.count,
	      p.stop, p.cycle, p.npcs);
	if (!ret && p.count == 3) {
		const struct memprof_record *r = &p.records[0];

		CHECK(r->allocs == 12 && r->frees == 5 && r->alloc_bytes == 12 * 48 &&
		      r->free_bytes == 5 * 48 && r->obj_size == 48 && r->npcs == 3 &&
		      r->pcs[0] == 0x401000 && r->pcs[2] == 0x401002 && r->addr == a,
		      NAME("active plus future[cycle % 3]"),
		      "allocs %llu frees %llu bytes %llu/%llu npcs %u",
		      (unsigned long long)r->allocs, (unsigned long long)r->frees,
		      (unsigned long long)r->alloc_bytes, (unsigned long long)r->free_bytes,
		      r->npcs);
		r = &p.records[1];
		CHECK(r->allocs == 0 && r->npcs == 0 && r->obj_size == 8192,
		      NAME("future[(cycle + 1) % 3] is not published"), "allocs %llu",
		      (unsigned long long)r->allocs);
		r = &p.records[2];
		CHECK(r->npcs == l->mprof_max_stack && r->pcs[r->npcs - 1] ==
		      0x500000 + l->mprof_max_stack - 1 && r->allocs == 5 && r->frees == 2,
		      NAME("a stack at the maximum depth"), "npcs %u allocs %llu", r->npcs,
		      (unsigned long long)r->allocs);
	}
	memprof_free(&p);

	/* Flushed flag set, cycle 3 (index 0). */
	ret = memprof_walk(fake_read, &f, a, (3 << 1) | 1, l, NULL, &p);
	CHECK(!ret && p.flushed && p.cycle == 3 && p.count == 3 && p.records[0].allocs == 11,
	      NAME("flushed flag and cycle"), "ret %d flushed %d cycle %u", ret, p.flushed,
	      p.cycle);
	memprof_free(&p);

	/* No bucket has data after the flush of future[0]: all three. */
	ret = memprof_walk(fake_read, &f, b, 3 << 1, l, NULL, &p);
	CHECK(!ret && p.count == 2 && p.all_futures && p.records[0].allocs == 7 &&
	      p.records[1].allocs == 12 && p.records[1].frees == 5 &&
	      p.records[1].alloc_bytes == 12 * 16 && p.records[1].free_bytes == 5 * 16,
	      NAME("no published data: all futures"), "ret %d count %zu all %d allocs %llu",
	      ret, p.count, p.all_futures, p.count ? (unsigned long long)p.records[0].allocs : 0);
	memprof_free(&p);

	ret = memprof_walk(fake_read, &f, 0, 0, l, NULL, &p);
	CHECK(!ret && p.count == 0 && p.stop == MEMPROF_COMPLETE, NAME("empty list"),
	      "ret %d count %zu", ret, p.count);
	memprof_free(&p);

	ret = memprof_walk(fake_read, &f, a, 0, l, &lim, &p);
	CHECK(!ret && p.count == 2 && p.stop == MEMPROF_CAP && p.unread == 1,
	      NAME("the cap stops it"), "ret %d count %zu stop %d", ret, p.count, p.stop);
	memprof_free(&p);

	put(&f, c + l->bucket_allnext, a);
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 3 && p.stop == MEMPROF_CYCLE && p.unread == 1,
	      NAME("a cycle stops it"), "ret %d count %zu stop %d", ret, p.count, p.stop);
	memprof_free(&p);

	put(&f, c + l->bucket_allnext, b + 4);
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 3 && p.stop == MEMPROF_GARBAGE, NAME("misaligned pointer"),
	      "ret %d count %zu stop %d", ret, p.count, p.stop);
	memprof_free(&p);

	put(&f, c + l->bucket_allnext, 0x1000);
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 3 && p.stop == MEMPROF_READ_ERROR && p.read_error == -EFAULT,
	      NAME("unreadable pointer"), "ret %d count %zu stop %d", ret, p.count, p.stop);
	memprof_free(&p);

	/* The last bucket's record would end past the memory: not read. */
	put(&f, c + l->bucket_allnext, MEM_BASE + MEM_SIZE - l->bucket_header_size);
	put(&f, MEM_BASE + MEM_SIZE - l->bucket_header_size + l->bucket_typ, 1);
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 3 && p.stop == MEMPROF_READ_ERROR,
	      NAME("a bucket running off the memory"), "ret %d count %zu stop %d", ret,
	      p.count, p.stop);
	memprof_free(&p);

	put(&f, c + l->bucket_allnext, 0);
	put(&f, b + l->bucket_typ, 2);	/* blockProfile */
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 1 && p.stop == MEMPROF_GARBAGE, NAME("not a memProfile bucket"),
	      "ret %d count %zu stop %d", ret, p.count, p.stop);
	memprof_free(&p);

	put(&f, b + l->bucket_typ, 1);
	put(&f, b + l->bucket_nstk, l->mprof_max_stack + 1);
	f.reads = 0;
	ret = memprof_walk(fake_read, &f, a, 0, l, NULL, &p);
	CHECK(!ret && p.count == 1 && p.stop == MEMPROF_GARBAGE && f.reads == 3,
	      NAME("nstk over the maximum, not read"), "ret %d count %zu stop %d reads %llu",
	      ret, p.count, p.stop, (unsigned long long)f.reads);
	memprof_free(&p);

	{
		struct go_layout bad = *l;

		bad.mem_record_future_size -= l->mem_record_cycle_size;
		ret = memprof_walk(fake_read, &f, a, 0, &bad, NULL, &p);
		CHECK(ret == -EINVAL && p.count == 0, NAME("a layout without 3 futures"),
		      "ret %d", ret);
		bad = *l;
		bad.bucket_nstk = l->bucket_header_size;
		ret = memprof_walk(fake_read, &f, a, 0, &bad, NULL, &p);
		CHECK(ret == -EINVAL, NAME("a field past the header"), "ret %d", ret);
	}
#undef NAME
}

static void scale_case(int minor, int64_t count, int64_t bytes, int64_t rate, int64_t want_c,
		       int64_t want_b, const char *what)
{
	int64_t c, b;
	char name[160];

	memprof_scale(minor, count, bytes, rate, &c, &b);
	snprintf(name, sizeof(name), "go1.%d scaleHeapSample: %s", minor - 100, what);
	CHECK(c == want_c && b == want_b, name, "got %lld %lld, want %lld %lld",
	      (long long)c, (long long)b, (long long)want_c, (long long)want_b);
}

static void test_scale(void)
{
	struct memprof_record r = { .allocs = 3, .frees = 1, .obj_size = 32768,
				    .alloc_bytes = 3 * 32768, .free_bytes = 32768 };
	struct memprof_scaled s;

	/* go1.27 runtime/pprof at rate 4096, one object each (pprof -raw). */
	scale_case(127, 1, 49152, 4096, 1, 49152, "49152 bytes");
	scale_case(127, 1, 32768, 4096, 1, 32778, "32768 bytes");
	scale_case(127, 1, 24576, 4096, 1, 24637, "24576 bytes");
	/* go1.19-1.26 take the total: the same single objects. */
	scale_case(119, 1, 32768, 4096, 1, 32778, "32768 bytes, total form");
	scale_case(126, 1, 24576, 4096, 1, 24637, "24576 bytes, total form");
	scale_case(127, 0, 64, 4096, 0, 0, "no objects");
	scale_case(119, 5, 0, 4096, 0, 0, "no bytes");
	scale_case(127, 5, 64, 1, 5, 320, "rate 1: as counted");
	scale_case(119, 5, 320, 0, 5, 320, "rate 0: unknown, as counted");

	memprof_scale_record(127, &r, 4096, &s);
	CHECK(s.alloc_objects == 3 && s.alloc_bytes == 98336 && s.inuse_objects == 2 &&
	      s.inuse_bytes == 65557, "go1.27 writeHeapProto values of a record",
	      "%lld %lld %lld %lld", (long long)s.alloc_objects, (long long)s.alloc_bytes,
	      (long long)s.inuse_objects, (long long)s.inuse_bytes);
	memprof_scale_record(126, &r, 4096, &s);
	CHECK(s.alloc_objects == 3 && s.alloc_bytes == 98336 && s.inuse_objects == 2 &&
	      s.inuse_bytes == 65557, "go1.26 writeHeapProto values of a record",
	      "%lld %lld %lld %lld", (long long)s.alloc_objects, (long long)s.alloc_bytes,
	      (long long)s.inuse_objects, (long long)s.inuse_bytes);
}

static void test_locate(const char *workloads)
{
	static const int matrix[] = { 119, 121, 122, 123, 124, 125, 126, 127 };
	static const char *const syms[4] = { "runtime.mbuckets", "runtime.mProfCycle",
					     "runtime.MemProfileRate",
					     "runtime.disableMemoryProfiling" };
	char path[4096], name[160], err[256];

	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		int minor = matrix[i];
		const struct go_layout *l = go_layout_find(minor);
		uint64_t plain[4] = { 0 }, plain_memstats = 0;

		for (int variant = 0; variant < 3; variant++) {
			static const char *const names[] = { "plain", "pie", "stripped" };
			struct gobin *bin = NULL;
			struct memprof_addrs a;
			struct runtime_addrs ra;
			uint64_t found[4] = { 0 }, sym[4] = { 0 };
			int ret[3];

			snprintf(path, sizeof(path), "%s/go1.%d/%s/workload", workloads,
				 minor - 100, names[variant]);
			if (gobin_open(path, &bin, err, sizeof(err))) {
				snprintf(name, sizeof(name), "go1.%d %s workload opens", minor - 100,
					 names[variant]);
				CHECK(0, name, "%s: %s", path, err);
				continue;
			}
			ret[0] = memprof_find_mbuckets(bin, &found[0]);
			ret[1] = memprof_find_mprof_cycle(bin, &found[1]);
			ret[2] = memprof_find_rate(bin, &found[2], &found[3]);
			for (int k = 0; k < 4; k++)
				gobin_symbol_addr(bin, syms[k], &sym[k]);
			if (variant < 2) {
				for (int k = 0; k < 4; k++) {
					/* go1.19 has no schedinit pattern for the flag. */
					bool want = !(k == 3 && minor == 119);

					snprintf(name, sizeof(name), "go1.%d %s: %s from code",
						 minor - 100, names[variant], syms[k]);
					CHECK(!ret[k < 3 ? k : 2] && sym[k] &&
					      (want ? found[k] == sym[k] : found[k] == 0),
					      name, "ret %d found %#llx symbol %#llx",
					      ret[k < 3 ? k : 2], (unsigned long long)found[k],
					      (unsigned long long)sym[k]);
					if (variant == 0)
						plain[k] = sym[k];
				}
				if (variant == 0)
					gobin_symbol_addr(bin, "runtime.memstats", &plain_memstats);
			} else {
				/* No symbols: the data moved as memstats did. */
				int64_t shift;

				runtime_state_locate(bin, l, &ra);
				memprof_locate(bin, &a);
				shift = (int64_t)(ra.memstats - plain_memstats);
				snprintf(name, sizeof(name), "go1.%d stripped: all found from code, "
					 "moved by memstats' %+lld", minor - 100, (long long)shift);
				CHECK(a.from_code && ra.memstats && plain_memstats &&
				      a.mbuckets == plain[0] + shift &&
				      a.mprof_cycle == plain[1] + shift &&
				      a.mem_profile_rate == plain[2] + shift &&
				      (minor == 119 ? a.disable_memory_profiling == 0 :
				       a.disable_memory_profiling == plain[3] + shift),
				      name, "mbuckets %#llx (plain %#llx) mProfCycle %#llx (%#llx) "
				      "rate %#llx (%#llx) disable %#llx (%#llx)",
				      (unsigned long long)a.mbuckets, (unsigned long long)plain[0],
				      (unsigned long long)a.mprof_cycle, (unsigned long long)plain[1],
				      (unsigned long long)a.mem_profile_rate,
				      (unsigned long long)plain[2],
				      (unsigned long long)a.disable_memory_profiling,
				      (unsigned long long)plain[3]);
			}
			gobin_close(bin);
		}
	}
}

int main(void)
{
	char workloads[2048];

	check_workloads_dir(workloads, sizeof(workloads));
	test_walk(119);
	test_walk(127);
	test_scale();
	test_locate(workloads);
	return CHECK_DONE();
}

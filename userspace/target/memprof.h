/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Go runtime's own heap profile, read from a live target's memory (read
 * only), and runtime.MemProfileRate (read, and written on request: the one
 * write gomemtrace makes to a target). No probe hit is involved.
 *
 * The profile is a list of buckets headed by runtime.mbuckets and chained by
 * bucket.allnext (runtime/mprof.go): a header, nstk return PCs, then a
 * memRecord {active, future[3]}. memprof_read mirrors what
 * runtime.MemProfile (go1.19-1.22) / runtime.memProfileInternal (go1.23+)
 * returns with inuseZero = true, as runtime/pprof's heap profile asks:
 * every bucket, with future[cycle % 3] added to active as mProf_FlushLocked
 * would, and all three futures added when every bucket is still empty (no GC
 * has published a cycle yet). Offsets come from the layout (DWARF or the
 * generated table); addresses from ELF symbols, else from the runtime's code.
 */
#ifndef GOMEMTRACE_MEMPROF_H
#define GOMEMTRACE_MEMPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "binary/go_layouts.h"
#include "binary/gobinary.h"

/* Link-time addresses of the runtime's heap-profile variables; 0: unknown. */
struct memprof_addrs {
	uint64_t mbuckets;		/* runtime.mbuckets: *bucket (atomic.UnsafePointer) */
	uint64_t mprof_cycle;		/* runtime.mProfCycle: mProfCycleHolder */
	uint64_t mem_profile_rate;	/* runtime.MemProfileRate: int, bytes */
	uint64_t disable_memory_profiling; /* runtime.disableMemoryProfiling: bool */
	bool from_code;			/* some were found from code, not symbols */
};

/*
 * Where the variables are: their ELF symbols, else (stripped) from code that
 * pclntab still names, each search checked by a second function so that an
 * ambiguous or unconfirmed match leaves the address 0:
 *   mbuckets     the one 8-byte RIP-relative load in mProf_FlushLocked,
 *                also taken by LEAQ in stkbucket (allnext = &mbuckets)
 *   mProfCycle   the LEAQ before LOCK CMPXCHGL in mProf_Flush (setFlushed)
 *                that mProf_PostSweep also loads with a MOVL (read)
 *   MemProfileRate  an 8-byte load in profilealloc (nextSample) that
 *                parsedebugvars (go1.19) / parsegodebug (go1.21+) stores to
 *                (GODEBUG=memprofilerate)
 *   disableMemoryProfiling  go1.21+: schedinit's `CMPB $0, X(%rip); Jcc;
 *                MOVQ $0, MemProfileRate(%rip)`; unknown in stripped go1.19
 * Returns 0 (fields left 0 when not found).
 */
int memprof_locate(const struct gobin *bin, struct memprof_addrs *out);

/* The code searches of memprof_locate, each -ENOENT when the code does not
 * say or is ambiguous. */
int memprof_find_mbuckets(const struct gobin *bin, uint64_t *addr);
int memprof_find_mprof_cycle(const struct gobin *bin, uint64_t *addr);
int memprof_find_rate(const struct gobin *bin, uint64_t *rate, uint64_t *disable);

/* One bucket, as the runtime's profile record reports it. */
struct memprof_record {
	const uint64_t *pcs;		/* nstk return PCs, innermost first, run-time
					 * addresses as stored (into out->pcs) */
	uint32_t npcs;
	uint64_t obj_size;		/* bucket.size: bytes of one sampled object
					 * (its size-class size) */
	uint64_t allocs, frees;		/* sampled objects (not unscaled) */
	uint64_t alloc_bytes, free_bytes; /* bytes: memRecordCycle's up to go1.26,
					 * objects x obj_size from go1.27
					 * (copyMemProfileRecord) */
	uint64_t addr;			/* the bucket's address in the target */
};

/* Why a walk ended early. MEMPROF_COMPLETE: at the nil allnext. */
enum memprof_stop {
	MEMPROF_COMPLETE = 0,
	MEMPROF_CAP,		/* max_buckets reached with more left */
	MEMPROF_CYCLE,		/* allnext led back to a bucket already walked */
	MEMPROF_GARBAGE,	/* typ not memProfile, nstk over the maximum, or a
				 * misaligned pointer: not a bucket */
	MEMPROF_READ_ERROR,	/* reading a bucket failed (read_error) */
};

struct memprof {
	struct memprof_record *records;
	size_t count;
	uint64_t *pcs;			/* storage of every record's PCs */
	size_t npcs;
	uint32_t cycle;			/* mProfCycle.value >> 1 */
	bool flushed;			/* mProfCycle.value & 1 */
	bool all_futures;		/* every bucket was empty: all three future
					 * cycles were added (MemProfile's `clear`) */
	enum memprof_stop stop;
	int read_error;			/* negative errno when stop is READ_ERROR */
	size_t unread;			/* buckets known to be left unread: 1 when
					 * the walk stopped early (at least one),
					 * else 0 */
};

struct memprof_limits {
	size_t max_buckets;		/* 0: MEMPROF_DEFAULT_MAX_BUCKETS */
};
#define MEMPROF_DEFAULT_MAX_BUCKETS (1u << 18)

/* How memprof_walk reads the target: 0, or a negative errno. */
typedef int (*memprof_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * The walk itself over any memory (tests and the fuzzer give a buffer): from
 * the bucket at head (run-time address; 0 is an empty list), with the value
 * of mProfCycle read beforehand. Every bucket is bounds-checked: typ must be
 * memProfile (1), nstk at most layout->mprof_max_stack, pointers 8-aligned;
 * a walk stops at the first that is not (MEMPROF_GARBAGE), at a cycle, at
 * max_buckets, or at a failed read, keeping what it read before. Returns 0
 * with *out filled (free with memprof_free), -EINVAL when the layout lacks
 * the fields or is inconsistent, -ENOMEM.
 */
int memprof_walk(memprof_read_fn read, void *ctx, uint64_t head, uint32_t cycle_value,
		 const struct go_layout *layout, const struct memprof_limits *lim,
		 struct memprof *out);

/*
 * Read the heap profile of live process pid whose binary bin is loaded with
 * load_bias (0 unless PIE): mbuckets and mProfCycle located (memprof_locate),
 * read, then memprof_walk. Returns 0, or -ENOENT (variables not located),
 * -ESRCH (process gone), -EFAULT/-EPERM (the first reads failed), -EINVAL,
 * -ENOMEM. A read failing mid-walk is not an error: see out->stop.
 */
int memprof_read(pid_t pid, uint64_t load_bias, const struct gobin *bin,
		 const struct go_layout *layout, const struct memprof_limits *lim,
		 struct memprof *out);

void memprof_free(struct memprof *p);

/*
 * runtime.MemProfileRate of the target (bytes per sample on average; 0: not
 * sampling, 1: every allocation). Returns 0, -ENOENT (not located), or the
 * read's -errno.
 */
int memprof_rate_read(pid_t pid, uint64_t load_bias, const struct gobin *bin, int64_t *rate);

/*
 * Set runtime.MemProfileRate of the target to rate (> 0 turns sampling on:
 * go1.19-1.23 take it at the next allocation per P as nextSample runs out
 * (it is 0 while the rate is 0), go1.24+ at the next one as mcache.memProfRate
 * differs). Writes exactly the 8 bytes of the variable (process_vm_writev,
 * else /proc/PID/mem), nothing else; *old receives the value read just before
 * (not atomic with the write: the program may set it in between). Returns 0,
 * -ENOENT (not located), -EINVAL (rate < 0), or the -errno of the read or
 * write.
 */
int memprof_rate_write(pid_t pid, uint64_t load_bias, const struct gobin *bin, int64_t rate,
		       int64_t *old);

/*
 * runtime/pprof's scaleHeapSample (runtime/pprof/protomem.go), which
 * estimates the unsampled values: scale = 1 / (1 - exp(-avg/rate)),
 * unchanged when rate <= 1, (0, 0) for no count or no size.
 *   go1.19-1.26: scaleHeapSample(count, size, rate), size the bytes of all
 *                count objects, avg = size / count; returns count x scale,
 *                size x scale
 *   go1.27:      scaleHeapSample(count, avgSize, rate), avg = avgSize;
 *                returns count x scale, count x avgSize x scale
 * minor picks the form (100 + Go minor); bytes is size or avgSize.
 */
void memprof_scale(int minor, int64_t count, int64_t bytes, int64_t rate,
		   int64_t *out_count, int64_t *out_bytes);

/* The four values writeHeapProto gives a record: alloc_objects,
 * alloc_space, inuse_objects, inuse_space (rate: MemProfileRate). */
struct memprof_scaled {
	int64_t alloc_objects, alloc_bytes, inuse_objects, inuse_bytes;
};
void memprof_scale_record(int minor, const struct memprof_record *r, int64_t rate,
			  struct memprof_scaled *out);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* How the Go runtime accounts an allocation's size: see sizeclass.c. */
#ifndef GOMEMTRACE_SIZECLASS_H
#define GOMEMTRACE_SIZECLASS_H

#include <stdbool.h>
#include <stdint.h>

struct go_alloc_size {
	uint64_t bytes;	/* what the runtime's heap profile records */
	bool tiny;	/* packed into a shared 16-byte block */
};

/* GOEXPERIMENTs that change how the runtime sizes an allocation (the
 * `experiments` of go_alloc_size), from the binary's version string. */
#define GO_EXP_NO_ALLOC_HEADERS 0x1u	/* go1.22 GOEXPERIMENT=noallocheaders:
					 * no 8-byte malloc header (as go1.21) */

/* GO_EXP_* of a binary of Go 1.<go_minor % 100> (binary/gobinary.h). */
struct gobin;
unsigned go_alloc_experiments(const struct gobin *bin, int go_minor);

/*
 * The size the runtime accounts for an allocation of `size` bytes seen at a
 * probe of kind `probe` (enum alloc_probe_kind), with `scan` set when the
 * type holds pointers, in Go 1.<go_minor % 100> built in the sanitizer
 * modes `build_modes` (GO_BUILD_* of binary/gobinary.h; 0 for none) with
 * the GOEXPERIMENTs `experiments` (GO_EXP_*). An ALLOC_PROBE_ARENA_CHUNK
 * hit's size is already go_arena_chunk_bytes'.
 */
struct go_alloc_size go_alloc_size(int go_minor, unsigned build_modes, unsigned experiments,
				   uint8_t probe, bool scan, uint64_t size);

/*
 * What MemStats.TotalAlloc (heapStats.largeAlloc) counts for one user arena
 * chunk (GOEXPERIMENT=arenas), which MemStats.Mallocs counts as one large
 * allocation: runtime/arena.go (*mheap).allocUserArenaChunk. go1.20-1.21:
 * userArenaChunkBytes (8 MiB on linux/amd64); go1.22+ with malloc headers:
 * its elemsize, 8 MiB less userArenaChunkReserveBytes() (a pointer bitmap
 * of 1/64 of the chunk and a 48-byte abi.Type), and from go1.24 less the
 * asan redzone (redZoneSize) in -asan builds. The runtime's heap profile
 * records the chunk at userArenaChunkBytes (newUserArenaChunk's
 * profilealloc), whatever the version.
 */
uint64_t go_arena_chunk_bytes(int go_minor, unsigned build_modes, unsigned experiments);
#define GO_ARENA_CHUNK_PROFILE_BYTES (8ull << 20)	/* userArenaChunkBytes */

/* Number of size classes (_NumSizeClasses, class 0 unused) in Go 1.19-1.27. */
#define GO_NUM_SIZE_CLASSES 68
/* Bytes of one object of size class cls (class_to_size), 0 outside
 * [1, GO_NUM_SIZE_CLASSES). */
uint32_t go_size_class_size(int cls);

#endif

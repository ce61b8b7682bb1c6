// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The size the Go runtime accounts for an allocation: its size class's size
 * for small objects, whole 8 KiB pages for large ones, as runtime.mallocgc
 * computes it and as its own heap profile records it. The size-class table
 * is the same in Go 1.19 to 1.27 (runtime/sizeclasses.go, since 1.25
 * internal/runtime/gc/sizeclasses.go).
 *
 * Version differences: from Go 1.22 (allocation headers) an object with
 * pointers larger than 512 bytes carries an 8-byte header, so its class is
 * chosen for size + 8, and small objects end at 32 KiB - 8. Go 1.22 built
 * with GOEXPERIMENT=noallocheaders has none (runtime/mbitmap_noallocheaders.go,
 * malloc.go's goexperiment.AllocHeaders tests); go1.23 removed the
 * experiment (headers always).
 *
 * User arenas (GOEXPERIMENT=arenas): objects in an arena are no heap
 * allocation; each chunk an arena takes from the heap is one large
 * allocation (go_arena_chunk_bytes).
 *
 * Tiny allocations (no pointers, under 16 bytes) share 16-byte blocks; the
 * runtime's profile records only each new block. We count every tiny
 * allocation, at its requested size.
 *
 * Sanitizer builds (runtime/malloc.go, Go 1.19-1.27):
 *  - race: mallocgc (mallocgcTiny from 1.24) never keeps a tiny block for
 *    the next allocation (`!raceenabled && (size < c.tinyoffset || ...)`),
 *    so each tiny allocation takes a new 16-byte block of its own, and the
 *    runtime counts and profiles it as one 16-byte object.
 *  - asan: mallocgc adds a redzone to the requested size before it picks a
 *    size class or the large path (computeRZlog, redZoneSize from 1.24: 16
 *    to 2048 bytes by the size); the class then holds size + redzone, and
 *    no allocation is tiny (at least 17 bytes). A probe on mallocgc sees
 *    the size before the redzone; from 1.24 the leaves mallocgc calls see
 *    it after.
 *  - msan: nothing changes (msanmalloc marks the memory only).
 */
#include <stddef.h>

#include "binary/gobinary.h"
#include "probes/memtrace_types.h"
#include "aggregate/sizeclass.h"

#define MAX_SMALL_SIZE 32768
#define SMALL_SIZE_DIV 8
#define SMALL_SIZE_MAX 1024
#define LARGE_SIZE_DIV 128
#define PAGE_SIZE_GO 8192
#define MAX_TINY_SIZE 16
#define MALLOC_HEADER_SIZE 8
#define HEAP_BITS_IN_SPAN_MAX 512

static const unsigned short class_to_size[GO_NUM_SIZE_CLASSES] = {
	0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208,
	224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896,
	1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144,
	6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768,
};

static const unsigned char size_to_class8[129] = {
	0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14,
	14, 15, 15, 16, 16, 17, 17, 18, 18, 19, 19, 19, 19, 20, 20, 20, 20, 21, 21, 21, 21, 22, 22, 22,
	22, 23, 23, 23, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27,
	27, 28, 28, 28, 28, 28, 28, 28, 28, 29, 29, 29, 29, 29, 29, 29, 29, 30, 30, 30, 30, 30, 30, 30,
	30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 32, 32, 32, 32, 32, 32, 32,
	32, 32, 32, 32, 32, 32, 32, 32, 32,
};

static const unsigned char size_to_class128[249] = {
	32, 33, 34, 35, 36, 37, 37, 38, 38, 39, 39, 40, 40, 40, 41, 41, 41, 42, 43, 43, 44, 44, 44, 44,
	44, 45, 45, 45, 45, 45, 45, 46, 46, 46, 46, 47, 47, 47, 47, 47, 47, 48, 48, 48, 49, 49, 50, 51,
	51, 51, 51, 51, 51, 51, 51, 51, 51, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 53, 53, 54, 54, 54,
	54, 55, 55, 55, 55, 55, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 56, 57, 57, 57, 57, 57, 57, 57,
	57, 57, 57, 58, 58, 58, 58, 58, 58, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59, 59,
	59, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 61, 61, 61, 61, 61, 62, 62,
	62, 62, 62, 62, 62, 62, 62, 62, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 64, 64, 64, 64, 64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 65, 65, 65, 65, 65, 65, 65,
	65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67,
	67, 67, 67, 67, 67, 67, 67, 67, 67,
};

static unsigned size_class(uint64_t size)
{
	if (size <= SMALL_SIZE_MAX - 8)
		return size_to_class8[(size + SMALL_SIZE_DIV - 1) / SMALL_SIZE_DIV];
	return size_to_class128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) / LARGE_SIZE_DIV];
}

static uint64_t large_size(uint64_t size)
{
	if (size > UINT64_MAX - PAGE_SIZE_GO)
		return size;
	return (size + PAGE_SIZE_GO - 1) / PAGE_SIZE_GO * PAGE_SIZE_GO;
}

/* The asan redzone mallocgc adds to a request of size bytes (computeRZlog,
 * redZoneSize: compiler-rt's own rule). */
static uint64_t asan_redzone(uint64_t size)
{
	static const uint64_t limits[] = {
		64 - 16, 128 - 32, 512 - 64, 4096 - 128, (1 << 14) - 256, (1 << 15) - 512,
		(1 << 16) - 1024,
	};
	unsigned i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (size <= limits[i])
			break;
	return 16ull << i;
}

unsigned go_alloc_experiments(const struct gobin *bin, int go_minor)
{
	unsigned e = 0;

	if (go_minor == 122 && gobin_has_experiment(bin, "noallocheaders"))
		e |= GO_EXP_NO_ALLOC_HEADERS;
	return e;
}

uint64_t go_arena_chunk_bytes(int go_minor, unsigned build_modes, unsigned experiments)
{
	const uint64_t chunk = GO_ARENA_CHUNK_PROFILE_BYTES;
	/* userArenaChunkBytes/goarch.PtrSize/8 + unsafe.Sizeof(_type{}) */
	const uint64_t reserve = chunk / 8 / 8 + 48;
	uint64_t elem = chunk;

	if (go_minor >= 122 && !(experiments & GO_EXP_NO_ALLOC_HEADERS))
		elem -= reserve;
	if (go_minor >= 124 && (build_modes & GO_BUILD_ASAN))
		elem -= asan_redzone(elem);
	return elem;
}

struct go_alloc_size go_alloc_size(int go_minor, unsigned build_modes, unsigned experiments,
				   uint8_t probe, bool scan, uint64_t size)
{
	bool headers = go_minor >= 122 && !(experiments & GO_EXP_NO_ALLOC_HEADERS);
	uint64_t small_max = headers ? MAX_SMALL_SIZE - MALLOC_HEADER_SIZE : MAX_SMALL_SIZE;
	struct go_alloc_size r = { .bytes = size, .tiny = false };

	if (probe == ALLOC_PROBE_ARENA_CHUNK)
		return r;
	if ((build_modes & GO_BUILD_ASAN) && probe == ALLOC_PROBE_MALLOCGC &&
	    size <= UINT64_MAX - asan_redzone(size))
		size += asan_redzone(size);
	if (probe == ALLOC_PROBE_TINY || (probe == ALLOC_PROBE_MALLOCGC && !scan &&
					  size < MAX_TINY_SIZE)) {
		if (build_modes & GO_BUILD_RACE) {
			r.bytes = MAX_TINY_SIZE;
			return r;
		}
		r.tiny = true;
		return r;
	}
	if (probe == ALLOC_PROBE_LARGE || size > small_max) {
		r.bytes = large_size(size);
		return r;
	}
	if (headers && scan && size > HEAP_BITS_IN_SPAN_MAX)
		size += MALLOC_HEADER_SIZE;
	r.bytes = class_to_size[size_class(size)];
	return r;
}

uint32_t go_size_class_size(int cls)
{
	if (cls < 1 || cls >= GO_NUM_SIZE_CLASSES)
		return 0;
	return class_to_size[cls];
}

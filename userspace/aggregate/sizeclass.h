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

/*
 * The size the runtime accounts for an allocation of `size` bytes seen at a
 * probe of kind `probe` (enum alloc_probe_kind), with `scan` set when the
 * type holds pointers, in Go 1.<go_minor % 100> built in the sanitizer
 * modes `build_modes` (GO_BUILD_* of binary/gobinary.h; 0 for none).
 */
struct go_alloc_size go_alloc_size(int go_minor, unsigned build_modes, uint8_t probe, bool scan,
				   uint64_t size);

/* Number of size classes (_NumSizeClasses, class 0 unused) in Go 1.19-1.27. */
#define GO_NUM_SIZE_CLASSES 68
/* Bytes of one object of size class cls (class_to_size), 0 outside
 * [1, GO_NUM_SIZE_CLASSES). */
uint32_t go_size_class_size(int cls);

#endif

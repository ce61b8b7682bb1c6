/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Allocations by type: type addresses named, per-type totals; see
 * alloc_types.c. */
#ifndef GOMEMTRACE_ALLOC_TYPES_H
#define GOMEMTRACE_ALLOC_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate/aggregate.h"
#include "binary/gobinary.h"

/* Allocations the runtime made without a type (typ nil): raw memory, such
 * as a string's bytes (concatenation, conversions) and the backing arrays
 * of pointer-free slices grown by append or copied (growslice, makeslicecopy
 * pass no type when the elements hold no pointers). */
#define TYPE_NONE "[no type]"
/* A type outside the binary's type data: made at run time by package
 * reflect (reflect.SliceOf, MapOf, StructOf, ...). Its name is only in the
 * live process's memory, which gomemtrace does not read. */
#define TYPE_RUNTIME "[runtime type]"
/* In the binary's type data, but its name cannot be read (a corrupt name),
 * or the binary's type data was not found. */
#define TYPE_UNKNOWN "[unknown type]"

struct type_namer;

int type_namer_new(struct type_namer **out, const struct gobin *bin, uint64_t load_bias,
		   const struct gotype_layout *layout);
/* Type addresses of image number image (image_of(typ); see
 * symbolizer_add_image): bin at load_bias. Returns 0 or -EINVAL. */
int type_namer_add_image(struct type_namer *n, uint32_t image, const struct gobin *bin,
			 uint64_t load_bias, const struct gotype_layout *layout);
/* Type addresses in a Go plugin mapped into image number image: those in
 * the run-time range of bin's file image are named from bin (a plugin's
 * types are its own; the types it shares with the host resolve to the
 * host's through its GOT). Returns 0, -EINVAL (no such image, or more than
 * MODULES_MAX), -ENOENT (bin has no segments). */
int type_namer_add_module(struct type_namer *n, uint32_t image, const struct gobin *bin,
			  uint64_t load_bias, const struct gotype_layout *layout);
void type_namer_free(struct type_namer *n);
/* The name of the type at runtime address typ, as the runtime prints it
 * ("main.node", "[]*main.node", "uint8"), or one of the TYPE_* above.
 * Never NULL; valid until type_namer_free. */
const char *type_namer_name(struct type_namer *n, uint64_t typ);

struct type_count {
	const char *name;
	uint64_t objects;
	uint64_t bytes;
};

struct type_list {
	struct type_count *types;
	size_t len;
};

/* Allocations per type name (the tags of t's entries), sorted by bytes,
 * then objects, then name. Returns 0 or -ENOMEM. */
int alloc_types(const struct stack_table *t, struct type_namer *n, struct type_list *out);
void type_list_free(struct type_list *l);

#endif

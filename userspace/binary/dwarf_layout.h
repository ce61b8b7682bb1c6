/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Go runtime's data layout (struct go_layout) read from a binary's own
 * DWARF, by elfutils' libdw. It is the binary's truth, covers Go versions the
 * generated table (go_layouts.inc) lacks, and cross-checks that table; the
 * table stays for binaries built without DWARF (-ldflags=-w).
 *
 * The reading follows scripts/layouts/dump/main.go, which generates the
 * table: same struct and variable names, same member paths, same rules
 * (required or optional, fixed widths, recorded sizes).
 */
#ifndef GOMEMTRACE_DWARF_LAYOUT_H
#define GOMEMTRACE_DWARF_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "binary/go_layouts.h"

/*
 * Read the layout of the Go binary at path; minor (100 + Go minor, from its
 * build information) is only recorded in out->minor. Returns 0 and fills
 * *out, or a negative errno with a one-line reason in err (*out untouched):
 *   -ENODATA   the binary has no DWARF (no .debug_info or .zdebug_info)
 *   -ENOENT, -EACCES, ...   cannot open the file
 *   -ENOEXEC   not a 64-bit amd64 ELF file
 *   -EBADMSG   DWARF present but malformed, or beyond the walk's limits
 *   -ENOMSG    a required struct, variable or field is missing
 *   -ERANGE    a field's width is not the one gomemtrace reads, or an offset
 *              does not fit
 *   -ENOMEM
 */
int dwarf_layout_read(const char *path, int minor, struct go_layout *out,
		      char *err, size_t errlen);

/* One uint32_t member of struct go_layout. */
struct go_layout_field {
	const char *name;	/* as in the struct: "g_goid" */
	size_t offset;		/* offsetof(struct go_layout, ...) */
};

/* Every uint32_t member of struct go_layout, in declaration order (the build
 * fails if the struct gains a member this list lacks). */
const struct go_layout_field *dwarf_layout_fields(size_t *count);

static inline uint32_t go_layout_field_value(const struct go_layout *l,
					     const struct go_layout_field *f)
{
	return *(const uint32_t *)((const char *)l + f->offset);
}

/* The first field (declaration order) where a and b differ, minor aside;
 * NULL when they are equal. */
const struct go_layout_field *dwarf_layout_diff(const struct go_layout *a,
						const struct go_layout *b);

#endif

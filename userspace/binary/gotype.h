/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of Go types read from the binary's own type data (moduledata.types
 * up to etypes), as the runtime prints them ((*_type).string): they survive
 * -s -w. A type descriptor's str field is a nameOff, an offset from the start
 * of the type data to an abi.Name: a flags byte, the length as a varint (Go
 * 1.17+), the bytes. When the descriptor's tflag has TFlagExtraStar, the
 * stored name is "*T" and the type's name is T.
 *
 * The bytes are the target's: every offset and length is checked against the
 * buffer given, which is all the parser reads (a fuzz target as it is).
 */
#ifndef GOMEMTRACE_GOTYPE_H
#define GOMEMTRACE_GOTYPE_H

#include <stddef.h>
#include <stdint.h>

/* abi.TFlagExtraStar (runtime tflagExtraStar), 1.19-1.27 */
#define GOTYPE_TFLAG_EXTRA_STAR 0x02

/* Offsets in the type descriptor (struct go_layout's type_tflag, type_str). */
struct gotype_layout {
	uint32_t tflag;		/* uint8 */
	uint32_t str;		/* nameOff, int32 */
};

/*
 * The name of the type descriptor at offset typ of the type data types[0,
 * len): *name points into types, *name_len bytes, not NUL-terminated (may be
 * 0 bytes long for a name stored as "*" with TFlagExtraStar). Returns 0, or:
 *   -ERANGE    the descriptor or its name lies outside the buffer
 *   -ENOENT    the type has no name (str 0)
 *   -EBADMSG   the name's length is malformed or runs past the buffer
 *   -EINVAL    NULL arguments
 */
int gotype_name(const uint8_t *types, size_t len, uint64_t typ,
		const struct gotype_layout *layout, const uint8_t **name, size_t *name_len);

#endif

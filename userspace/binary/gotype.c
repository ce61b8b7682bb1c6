// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Type names from the type data (gotype.h): runtime resolveNameOff,
 * abi.Name.Name and (*_type).string, over a checked span.
 */
#include <errno.h>

#include "binary/elf_reader.h"
#include "binary/gotype.h"

/* A name's length varint: real names are far shorter than 2^28 bytes. */
#define NAME_VARINT_MAX 4

int gotype_name(const uint8_t *types, size_t len, uint64_t typ,
		const struct gotype_layout *layout, const uint8_t **name, size_t *name_len)
{
	struct span data = { types, len }, bytes;
	uint64_t off, n = 0;
	uint8_t tflag, b;
	uint32_t str;
	int i;

	if (!types || !layout || !name || !name_len)
		return -EINVAL;
	if (typ > len || !span_u8(data, typ + layout->tflag, &tflag) ||
	    !span_u32(data, typ + layout->str, &str))
		return -ERANGE;
	/* nameOff is an int32; the runtime's own names lie after types. */
	if (!str)
		return -ENOENT;
	if ((int32_t)str < 0 || str >= len)
		return -ERANGE;
	off = (uint64_t)str + 1;	/* past the flags byte */
	for (i = 0;; i++) {
		if (i == NAME_VARINT_MAX)
			return -EBADMSG;
		if (!span_u8(data, off + i, &b))
			return -EBADMSG;
		n |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	off += i + 1;
	if (!span_sub(data, off, n, &bytes))
		return -EBADMSG;
	if ((tflag & GOTYPE_TFLAG_EXTRA_STAR) && bytes.len && bytes.data[0] == '*') {
		bytes.data++;
		bytes.len--;
	}
	*name = bytes.data;
	*name_len = bytes.len;
	return 0;
}

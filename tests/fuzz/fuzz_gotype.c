// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/binary/gotype.c: the input's first 10
 * bytes choose a type descriptor's offset (8 bytes, little-endian) and the
 * tflag and str offsets of the layout; the rest is the type data whose name
 * is looked up, as alloc_types.c does for every allocated type.
 */
#include <stdint.h>
#include <string.h>

#include "binary/gotype.h"

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gotype_layout layouts[2] = { { .tflag = 20, .str = 40 } };
	const uint8_t *name;
	size_t name_len;
	uint64_t typ;

	if (size < 10)
		return 0;
	memcpy(&typ, data, sizeof(typ));
	layouts[1].tflag = data[8];
	layouts[1].str = data[9];
	data += 10;
	size -= 10;
	for (int i = 0; i < 2; i++) {
		/* The descriptor where the input says, and at a few offsets
		 * inside the buffer, as real types are. */
		uint64_t offs[3] = { typ, size ? typ % size : 0, 0 };

		for (int j = 0; j < 3; j++) {
			if (gotype_name(data, size, offs[j], &layouts[i], &name, &name_len))
				continue;
			for (size_t k = 0; k < name_len; k++)
				sink += name[k];
		}
	}
	return 0;
}

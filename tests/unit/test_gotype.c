// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the type name parser (userspace/binary/gotype.c) on hand-made type
 * data: names as the runtime prints them, and hostile bytes (offsets and
 * lengths past the buffer, malformed varints, every truncation, random
 * mutations), which must give an error, never a read outside the buffer.
 * Buffers are malloc'ed at their exact length so that a sanitizer build
 * (CFLAGS=-fsanitize=address) catches any overread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "binary/gotype.h"

/* The go1.19-1.27 amd64 layout: tflag at 20, str (nameOff) at 40. */
static const struct gotype_layout layout = { .tflag = 20, .str = 40 };

#define TYP 16		/* where the descriptor starts in the test data */
#define DESC 48		/* its size */

/* Type data: 16 bytes, a descriptor at TYP, then the name at TYP + DESC. */
static uint8_t *make_types(const char *name, size_t name_len, uint8_t tflag, size_t *len)
{
	size_t off = TYP + DESC, n = off + 1 + 5 + name_len;
	uint8_t *b = calloc(1, n);
	size_t i = off + 1, l = name_len;

	if (!b)
		exit(2);
	b[TYP + layout.tflag] = tflag;
	b[TYP + layout.str] = off & 0xff;
	b[TYP + layout.str + 1] = off >> 8;
	b[off] = 0;	/* flags */
	do {
		b[i++] = (l & 0x7f) | (l > 0x7f ? 0x80 : 0);
		l >>= 7;
	} while (l);
	memcpy(b + i, name, name_len);
	*len = i + name_len;
	return b;
}

static int name_of(const uint8_t *b, size_t len, uint64_t typ, char *out, size_t outlen)
{
	const uint8_t *name;
	size_t n;
	int ret = gotype_name(b, len, typ, &layout, &name, &n);

	if (ret)
		return ret;
	if (name < b || name + n > b + len || n >= outlen)
		return -EFAULT;
	memcpy(out, name, n);
	out[n] = '\0';
	return 0;
}

/* A copy of exactly len bytes, so an overread leaves the allocation. */
static int name_exact(const uint8_t *b, size_t len, uint64_t typ)
{
	uint8_t *c = malloc(len ? len : 1);
	char out[1024];
	int ret;

	if (!c)
		exit(2);
	memcpy(c, b, len);
	ret = name_of(c, len, typ, out, sizeof(out));
	free(c);
	return ret;
}

#define EXPECT(call, want, name)                                              \
	do {                                                                  \
		int got_ = (call);                                            \
		CHECK(got_ == (want), name, "returned %d, want %d", got_, want); \
	} while (0)

int main(void)
{
	char out[1024], longname[300];
	size_t len;
	uint8_t *b;
	int ret, bad;

	b = make_types("main.node", 9, 0, &len);
	ret = name_of(b, len, TYP, out, sizeof(out));
	CHECK(ret == 0 && !strcmp(out, "main.node"), "a named type", "ret %d name '%s'", ret, out);
	free(b);

	b = make_types("*main.node", 10, GOTYPE_TFLAG_EXTRA_STAR, &len);
	ret = name_of(b, len, TYP, out, sizeof(out));
	CHECK(ret == 0 && !strcmp(out, "main.node"), "TFlagExtraStar drops the leading '*'",
	      "ret %d name '%s'", ret, out);
	free(b);

	b = make_types("*main.node", 10, 0, &len);
	ret = name_of(b, len, TYP, out, sizeof(out));
	CHECK(ret == 0 && !strcmp(out, "*main.node"), "without TFlagExtraStar the '*' stays",
	      "ret %d name '%s'", ret, out);
	free(b);

	memset(longname, 'x', sizeof(longname));
	b = make_types(longname, sizeof(longname), 0, &len);
	ret = name_of(b, len, TYP, out, sizeof(out));
	CHECK(ret == 0 && strlen(out) == sizeof(longname), "a 300-byte name (2-byte varint)",
	      "ret %d length %zu", ret, strlen(out));

	/* Every truncation of the data: the name or the descriptor cut. */
	bad = 0;
	for (size_t l = 0; l < len; l++) {
		ret = name_exact(b, l, TYP);
		if (ret != -ERANGE && ret != -EBADMSG)
			bad++;
	}
	CHECK(!bad, "every truncation gives -ERANGE or -EBADMSG", "%d did not", bad);
	free(b);

	b = make_types("main.node", 9, 0, &len);
	EXPECT(name_exact(b, len, len), -ERANGE, "descriptor at the end");
	EXPECT(name_exact(b, len, len - 4), -ERANGE, "descriptor past the end");
	EXPECT(name_exact(b, len, UINT64_MAX - 8), -ERANGE, "descriptor offset near 2^64");
	b[TYP + layout.str] = 0;
	b[TYP + layout.str + 1] = 0;
	EXPECT(name_exact(b, len, TYP), -ENOENT, "str 0: no name");
	memset(b + TYP + layout.str, 0xff, 4);
	EXPECT(name_exact(b, len, TYP), -ERANGE, "negative nameOff");
	b[TYP + layout.str] = 0xf0;
	b[TYP + layout.str + 3] = 0x7f;
	EXPECT(name_exact(b, len, TYP), -ERANGE, "nameOff past the end");
	b[TYP + layout.str] = len - 1;
	b[TYP + layout.str + 1] = b[TYP + layout.str + 2] = b[TYP + layout.str + 3] = 0;
	EXPECT(name_exact(b, len, TYP), -EBADMSG, "name's varint past the end");
	free(b);

	b = make_types("main.node", 9, 0, &len);
	memset(b + TYP + DESC + 1, 0x80, 4);
	EXPECT(name_exact(b, len, TYP), -EBADMSG, "varint longer than 4 bytes");
	free(b);

	b = make_types("main.node", 9, 0, &len);
	b[TYP + DESC + 1] = 10;	/* one byte more than there is */
	EXPECT(name_exact(b, len, TYP), -EBADMSG, "name length past the end");
	free(b);

	EXPECT(gotype_name(NULL, 0, 0, &layout, (const uint8_t **)&b, &len), -EINVAL,
	       "NULL type data");

	/* Random bytes over a valid descriptor: never a read outside. */
	srand(8);
	bad = 0;
	b = make_types("main.node", 9, GOTYPE_TFLAG_EXTRA_STAR, &len);
	for (int i = 0; i < 200000; i++) {
		uint8_t *c = malloc(len);

		if (!c)
			exit(2);
		memcpy(c, b, len);
		for (int k = 0; k < 1 + rand() % 4; k++)
			c[rand() % len] = rand();
		ret = name_of(c, len - rand() % 8, rand() % 2 ? TYP : rand() % len, out, sizeof(out));
		if (ret && ret != -ERANGE && ret != -EBADMSG && ret != -ENOENT)
			bad++;
		free(c);
	}
	free(b);
	CHECK(!bad, "200000 random mutations: a name inside the buffer or an error",
	      "%d gave something else", bad);
	return CHECK_DONE();
}

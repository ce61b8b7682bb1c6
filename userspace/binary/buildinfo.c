// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Decodes Go build information from an ELF file: the blob that starts with
 * "\xff Go buildinf:" (cmd/link's buildinfo, read by debug/buildinfo). Owns
 * the version string, the main module path and the VCS revision.
 *
 * Blob layout: 14-byte magic, pointer size, flags, then either (flags bit 1,
 * Go 1.18+) two varint-length-prefixed strings inline at offset 32 (version,
 * then module info), or (older) two pointers at offset 16 to Go string
 * headers {data, len} holding them. The module info is framed by two 16-byte
 * sentinels, stripped as debug/buildinfo does.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/buildinfo.h"

#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14
#define BUILDINFO_HEADER_LEN 32
#define BUILDINFO_ALIGN 16
#define BUILDINFO_FLAG_BIG_ENDIAN 0x1
#define BUILDINFO_FLAG_INLINE 0x2
/* Bounds on hostile lengths; real module info is a few KiB. */
#define BUILDINFO_MAX_VERSION 256
#define BUILDINFO_MAX_MODINFO (16u << 20)

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A varint-prefixed string at vaddr *addr; advances *addr past it. */
static bool read_inline_string(const struct elf_file *ef, uint64_t *addr,
			       uint64_t max, struct span *out)
{
	struct span tail;
	uint64_t off = 0, len;

	if (!elf_vaddr_span(ef, *addr, &tail) || !span_uvarint(tail, &off, &len) ||
	    len > max || !span_sub(tail, off, len, out))
		return false;
	*addr += off + len;
	return true;
}

/* A Go string header {data, len} at vaddr; pre-1.18 pointer format. */
static bool read_string_header(const struct elf_file *ef, uint64_t vaddr,
			       uint64_t max, struct span *out)
{
	uint64_t data, len;

	if (!elf_read_u64(ef, vaddr, &data) || !elf_read_u64(ef, vaddr + 8, &len) ||
	    len > max)
		return false;
	return elf_read_vaddr(ef, data, len, out);
}

/* The value of the first line of modinfo that starts with key. */
static int modinfo_value(struct span mod, const char *key, char **out)
{
	size_t keylen = strlen(key);
	size_t pos = 0;

	while (pos < mod.len) {
		const uint8_t *line = mod.data + pos;
		const uint8_t *nl = memchr(line, '\n', mod.len - pos);
		size_t len = nl ? (size_t)(nl - line) : mod.len - pos;

		if (len >= keylen && memcmp(line, key, keylen) == 0) {
			const uint8_t *v = line + keylen;
			size_t vlen = len - keylen;
			const uint8_t *tab = memchr(v, '\t', vlen);

			if (tab)
				vlen = tab - v;
			*out = dup_bytes(v, vlen);
			return *out ? 0 : -ENOMEM;
		}
		pos += len + 1;
	}
	return 0;
}

static bool printable(struct span s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (s.data[i] < 0x20 || s.data[i] > 0x7e)
			return false;
	return true;
}

/* Decode the blob at vaddr. -ENOEXEC if it does not decode. */
static int decode_blob(const struct elf_file *ef, uint64_t vaddr, struct buildinfo *bi)
{
	struct span hdr, vers, mod;
	uint64_t addr;
	uint8_t ptrsize = 0, flags = 0;
	int ret;

	if (!elf_read_vaddr(ef, vaddr, BUILDINFO_HEADER_LEN, &hdr) ||
	    memcmp(hdr.data, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN) != 0)
		return -ENOEXEC;
	span_u8(hdr, 14, &ptrsize);
	span_u8(hdr, 15, &flags);
	if (flags & BUILDINFO_FLAG_INLINE) {
		addr = vaddr + BUILDINFO_HEADER_LEN;
		if (!read_inline_string(ef, &addr, BUILDINFO_MAX_VERSION, &vers) ||
		    !read_inline_string(ef, &addr, BUILDINFO_MAX_MODINFO, &mod))
			return -ENOEXEC;
	} else {
		uint64_t vptr = 0, mptr = 0;

		if (ptrsize != 8 || (flags & BUILDINFO_FLAG_BIG_ENDIAN))
			return -ENOEXEC;
		span_u64(hdr, 16, &vptr);
		span_u64(hdr, 24, &mptr);
		if (!read_string_header(ef, vptr, BUILDINFO_MAX_VERSION, &vers))
			return -ENOEXEC;
		if (!read_string_header(ef, mptr, BUILDINFO_MAX_MODINFO, &mod))
			mod.len = 0;
	}
	if (!vers.len || !printable(vers))
		return -ENOEXEC;
	/* Strip the sentinels framing the module info (debug/buildinfo). */
	if (mod.len >= 33 && mod.data[mod.len - 17] == '\n') {
		mod.data += 16;
		mod.len -= 32;
	} else {
		mod.len = 0;
	}

	bi->version = dup_bytes(vers.data, vers.len);
	if (!bi->version)
		return -ENOMEM;
	bi->minor = buildinfo_parse_minor(bi->version);
	ret = modinfo_value(mod, "path\t", &bi->main_path);
	if (!ret)
		ret = modinfo_value(mod, "build\tvcs.revision=", &bi->vcs_revision);
	return ret;
}

/* Without section headers: the magic, 16-byte aligned, in a data segment. */
static int scan_segments(const struct elf_file *ef, struct buildinfo *bi)
{
	size_t i;

	for (i = 0; i < ef->nloads; i++) {
		const struct elf_segment *seg = &ef->loads[i];
		uint64_t off = (BUILDINFO_ALIGN - seg->vaddr % BUILDINFO_ALIGN) % BUILDINFO_ALIGN;
		struct span s = seg->data;

		if (!(seg->flags & PF_W))
			continue;
		for (; off < s.len && s.len - off >= BUILDINFO_MAGIC_LEN; off += BUILDINFO_ALIGN) {
			int ret;

			if (s.data[off] != 0xff ||
			    memcmp(s.data + off, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN) != 0)
				continue;
			ret = decode_blob(ef, seg->vaddr + off, bi);
			if (ret != -ENOEXEC)
				return ret;
		}
	}
	return 0;
}

int buildinfo_read(const struct elf_file *ef, struct buildinfo *bi,
		   char *err, size_t errlen)
{
	struct elf_section sec;
	int ret;

	memset(bi, 0, sizeof(*bi));
	ret = elf_find_section(ef, ".go.buildinfo", &sec);
	if (ret == -ENOENT)
		return scan_segments(ef, bi);
	if (!ret)
		ret = decode_blob(ef, sec.addr, bi);
	if (ret == -ENOEXEC)
		snprintf(err, errlen, "corrupt Go build info (.go.buildinfo)");
	if (ret)
		buildinfo_free(bi);
	return ret;
}

void buildinfo_free(struct buildinfo *bi)
{
	if (!bi)
		return;
	free(bi->version);
	free(bi->main_path);
	free(bi->vcs_revision);
	memset(bi, 0, sizeof(*bi));
}

/* The GOEXPERIMENTs of internal/goexperiment/flags.go, lower case, by the
 * Go versions whose flags.go lists them (of 1.19, 1.21-1.27). */
static const struct {
	const char *name;
	int first, last;
} experiments[] = {
	{ "fieldtrack", 119, 127 },		{ "preemptibleloops", 119, 127 },
	{ "staticlockranking", 119, 127 },	{ "boringcrypto", 119, 127 },
	{ "unified", 119, 119 },		{ "regabiwrappers", 119, 127 },
	{ "regabiargs", 119, 127 },		{ "heapminimum512kib", 119, 127 },
	{ "coverageredesign", 121, 124 },	{ "arenas", 121, 127 },
	{ "pagetrace", 121, 122 },		{ "cgocheck2", 121, 127 },
	{ "loopvar", 121, 127 },		{ "cacheprog", 121, 125 },
	{ "newinliner", 122, 127 },		{ "rangefunc", 122, 125 },
	{ "range", 122, 122 },			{ "allocheaders", 122, 122 },
	{ "exectracer2", 122, 122 },		{ "aliastypeparams", 123, 125 },
	{ "swissmap", 124, 125 },		{ "spinbitmutex", 124, 124 },
	{ "synchashtriemap", 124, 125 },	{ "synctest", 124, 125 },
	{ "dwarf5", 125, 127 },			{ "jsonv2", 125, 127 },
	{ "greenteagc", 125, 127 },		{ "randomizedheapbase64", 126, 127 },
	{ "runtimefreegc", 126, 127 },		{ "sizespecializedmalloc", 126, 127 },
	{ "goroutineleakprofile", 126, 126 },	{ "simd", 126, 127 },
	{ "runtimesecret", 126, 127 },		{ "mapsplitgroup", 127, 127 },
};

static int experiment_index(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++)
		if (strlen(experiments[i].name) == len && !strncmp(experiments[i].name, name, len))
			return (int)i;
	return -1;
}

int buildinfo_experiment_known(int minor, const char *name, size_t len)
{
	int i = experiment_index(name, len);

	if (minor < 119 || minor == 120 || minor > 127)
		return -1;
	if (i < 0 && len > 2 && !strncmp(name, "no", 2))
		i = experiment_index(name + 2, len - 2);	/* a default turned off */
	return i >= 0 && minor >= experiments[i].first && minor <= experiments[i].last;
}

int buildinfo_parse_minor(const char *version)
{
	const char *p;
	long major, minor;
	char *end;

	if (!version)
		return 0;
	p = strstr(version, "go");
	if (!p)
		return 0;
	p += 2;
	if (*p < '0' || *p > '9')
		return 0;
	major = strtol(p, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return 0;
	minor = strtol(end + 1, NULL, 10);
	if (major < 1 || major > 9 || minor < 0 || minor > 99)
		return 0;
	return (int)(major * 100 + minor);
}

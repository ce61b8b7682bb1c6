/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small ELF64 reader over a read-only mapping of the whole file, and the
 * bounds-checked byte reader (struct span) that every parser of Go binary
 * data in gomemtrace goes through. Nothing read from the file is trusted:
 * offsets and sizes are checked without overflow before any byte is touched.
 */
#ifndef GOMEMTRACE_ELF_READER_H
#define GOMEMTRACE_ELF_READER_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A checked view of bytes: every access goes through the helpers below. */
struct span {
	const uint8_t *data;
	size_t len;
};

/* s[off : off+len], false if any part lies outside s. */
static inline bool span_sub(struct span s, uint64_t off, uint64_t len,
			    struct span *out)
{
	if (off > s.len || len > s.len - off)
		return false;
	out->data = s.data + off;
	out->len = len;
	return true;
}

/* s[off:], false if off lies past the end. */
static inline bool span_tail(struct span s, uint64_t off, struct span *out)
{
	if (off > s.len)
		return false;
	out->data = s.data + off;
	out->len = s.len - off;
	return true;
}

static inline bool span_copy(struct span s, uint64_t off, void *dst, size_t n)
{
	struct span b;

	if (!span_sub(s, off, n, &b))
		return false;
	memcpy(dst, b.data, n);
	return true;
}

/* Little-endian integers (the only byte order on x86-64). */
static inline bool span_u8(struct span s, uint64_t off, uint8_t *v)
{
	return span_copy(s, off, v, 1);
}

static inline bool span_u16(struct span s, uint64_t off, uint16_t *v)
{
	return span_copy(s, off, v, 2);
}

static inline bool span_u32(struct span s, uint64_t off, uint32_t *v)
{
	return span_copy(s, off, v, 4);
}

static inline bool span_u64(struct span s, uint64_t off, uint64_t *v)
{
	return span_copy(s, off, v, 8);
}

/* A NUL-terminated string starting at off whose NUL lies inside s, at most
 * max bytes after off (bounds the cost of a lookup on hostile tables). */
static inline const char *span_cstr_max(struct span s, uint64_t off, size_t max)
{
	struct span t;

	if (!span_tail(s, off, &t) || !t.len || !memchr(t.data, 0, t.len < max ? t.len : max))
		return NULL;
	return (const char *)t.data;
}

static inline const char *span_cstr(struct span s, uint64_t off)
{
	return span_cstr_max(s, off, SIZE_MAX);
}

/* An unsigned LEB128 varint at *off (at most 10 bytes); advances *off. */
static inline bool span_uvarint(struct span s, uint64_t *off, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int shift;
	uint8_t b;

	for (shift = 0; shift < 64; shift += 7) {
		if (!span_u8(s, *off, &b))
			return false;
		(*off)++;
		if (shift == 63 && b > 1)
			return false;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

struct elf_section {
	const char *name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	uint32_t link;
	struct span data;	/* file bytes; empty for SHT_NOBITS */
	bool outside;		/* header points outside the file */
};

struct elf_segment {
	uint32_t flags;		/* PF_R, PF_W, PF_X */
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	struct span data;	/* the file image: filesz bytes at offset */
};

struct elf_file {
	struct span file;	/* the whole file */
	bool mapped;		/* file is our mapping (elf_open), else borrowed */
	uint16_t type;		/* ET_EXEC, ET_DYN */
	uint16_t machine;
	/* PT_LOAD segments, copied out of the file (checked once) */
	struct elf_segment *loads;
	size_t nloads;
	/* section headers; shnum == 0 when the file has none */
	struct span shdrs;
	size_t shnum;
	size_t shentsize;
	struct span shstrtab;
};

/*
 * Map path read-only and check the ELF64 identification, header and program
 * headers. Returns 0, -errno from open/mmap, or -ENOEXEC with a reason in
 * err (not ELF, not 64-bit, not little-endian, tables outside the file).
 * Does not check e_machine: the caller decides what it accepts.
 */
int elf_open(const char *path, struct elf_file *ef, char *err, size_t errlen);
/* The same over len bytes at data, which must outlive ef (no -errno). */
int elf_open_mem(const void *data, size_t len, struct elf_file *ef,
		 char *err, size_t errlen);
void elf_close(struct elf_file *ef);

/*
 * Section by exact name. 0 and *out filled; -ENOENT if absent (or the file
 * has no section headers); -ENOEXEC if its bytes lie outside the file.
 */
int elf_find_section(const struct elf_file *ef, const char *name,
		     struct elf_section *out);
/* Section number i (0 < i < shnum); false if its header is unusable. */
bool elf_section_at(const struct elf_file *ef, size_t i, struct elf_section *out);

/* File offset of vaddr inside a PT_LOAD file image; -ENOENT otherwise. */
int elf_vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *off);
/* The file bytes from vaddr to the end of its segment's file image. */
bool elf_vaddr_span(const struct elf_file *ef, uint64_t vaddr, struct span *out);
/* len bytes at vaddr, all inside one segment's file image. */
bool elf_read_vaddr(const struct elf_file *ef, uint64_t vaddr, uint64_t len,
		    struct span *out);
bool elf_read_u64(const struct elf_file *ef, uint64_t vaddr, uint64_t *v);

/* Value of a .symtab symbol by exact name; -ENOENT when absent/stripped. */
int elf_symbol_value(const struct elf_file *ef, const char *name, uint64_t *value);
/* The same in .dynsym (kept by strip: the dynamic linker's); -ENOENT when
 * absent or undefined there. */
int elf_dynamic_symbol_value(const struct elf_file *ef, const char *name, uint64_t *value);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ELF64 reading for gomemtrace: maps a file read-only, validates its header,
 * program headers and section headers, and answers questions about sections,
 * segments (virtual address -> file bytes) and .symtab symbols. Every access
 * to file bytes goes through the checked span helpers of elf_reader.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary/elf_reader.h"

/* More would not be a real binary; also bounds the work on hostile input. */
#define ELF_MAX_LOADS 64

static int elf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

static int elf_read_phdrs(struct elf_file *ef, const Elf64_Ehdr *eh,
			  char *err, size_t errlen)
{
	struct span table;
	Elf64_Phdr ph;
	size_t i;

	if (eh->e_phnum == 0)
		return elf_fail(err, errlen, "ELF file has no program headers");
	if (eh->e_phentsize < sizeof(Elf64_Phdr) ||
	    !span_sub(ef->file, eh->e_phoff,
		      (uint64_t)eh->e_phnum * eh->e_phentsize, &table))
		return elf_fail(err, errlen,
				"corrupt ELF file: program headers outside the file");

	ef->loads = calloc(ELF_MAX_LOADS, sizeof(*ef->loads));
	if (!ef->loads)
		return -ENOMEM;
	for (i = 0; i < eh->e_phnum; i++) {
		struct elf_segment *seg;

		if (!span_copy(table, i * eh->e_phentsize, &ph, sizeof(ph)))
			return elf_fail(err, errlen, "corrupt ELF file: bad program header");
		if (ph.p_type != PT_LOAD)
			continue;
		if (ef->nloads == ELF_MAX_LOADS)
			return elf_fail(err, errlen,
					"corrupt ELF file: too many PT_LOAD segments");
		if (ph.p_filesz > ph.p_memsz || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return elf_fail(err, errlen,
					"corrupt ELF file: bad PT_LOAD segment");
		seg = &ef->loads[ef->nloads];
		if (!span_sub(ef->file, ph.p_offset, ph.p_filesz, &seg->data))
			return elf_fail(err, errlen,
					"truncated ELF file: segment at offset 0x%llx outside the file",
					(unsigned long long)ph.p_offset);
		seg->flags = ph.p_flags;
		seg->vaddr = ph.p_vaddr;
		seg->offset = ph.p_offset;
		seg->filesz = ph.p_filesz;
		seg->memsz = ph.p_memsz;
		ef->nloads++;
	}
	if (!ef->nloads)
		return elf_fail(err, errlen, "ELF file has no PT_LOAD segment");
	return 0;
}

static int elf_read_shdrs(struct elf_file *ef, const Elf64_Ehdr *eh,
			  char *err, size_t errlen)
{
	uint64_t shnum = eh->e_shnum;
	uint32_t shstrndx = eh->e_shstrndx;
	Elf64_Shdr sh0, strsh;

	if (eh->e_shoff == 0)
		return 0;	/* no section headers: callers scan segments */
	if (eh->e_shentsize < sizeof(Elf64_Shdr) ||
	    !span_copy(ef->file, eh->e_shoff, &sh0, sizeof(sh0)))
		return elf_fail(err, errlen,
				"corrupt ELF file: section headers outside the file");
	/* Extended numbering: counts too large for the ELF header live in
	 * section 0. */
	if (shnum == 0)
		shnum = sh0.sh_size;
	if (shstrndx == SHN_XINDEX)
		shstrndx = sh0.sh_link;
	if (shnum == 0)
		return 0;
	if (shnum > 1u << 20 ||
	    !span_sub(ef->file, eh->e_shoff, shnum * eh->e_shentsize, &ef->shdrs))
		return elf_fail(err, errlen,
				"corrupt ELF file: section headers outside the file");
	ef->shnum = shnum;
	ef->shentsize = eh->e_shentsize;
	if (shstrndx == SHN_UNDEF || shstrndx >= shnum)
		return elf_fail(err, errlen,
				"corrupt ELF file: bad section name table index");
	if (!span_copy(ef->shdrs, (uint64_t)shstrndx * ef->shentsize, &strsh,
		       sizeof(strsh)) ||
	    strsh.sh_type == SHT_NOBITS ||
	    !span_sub(ef->file, strsh.sh_offset, strsh.sh_size, &ef->shstrtab))
		return elf_fail(err, errlen,
				"corrupt ELF file: section name table outside the file");
	return 0;
}

/* Check the identification, header and program and section headers of the
 * bytes in ef->file. */
static int elf_parse(struct elf_file *ef, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	int ret;

	if (!span_copy(ef->file, 0, &eh, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return elf_fail(err, errlen, "not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return elf_fail(err, errlen, "not a 64-bit ELF file");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return elf_fail(err, errlen, "not a little-endian ELF file");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return elf_fail(err, errlen, "not an executable (ELF type %u)", eh.e_type);
	ef->type = eh.e_type;
	ef->machine = eh.e_machine;

	ret = elf_read_phdrs(ef, &eh, err, errlen);
	if (ret)
		return ret;
	return elf_read_shdrs(ef, &eh, err, errlen);
}

int elf_open(const char *path, struct elf_file *ef, char *err, size_t errlen)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd, ret;

	memset(ef, 0, sizeof(*ef));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = elf_fail(err, errlen, "not a regular file");
		goto cleanup;
	}
	if ((uint64_t)st.st_size < sizeof(Elf64_Ehdr)) {
		ret = elf_fail(err, errlen, "not an ELF file (too short)");
		goto cleanup;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		goto cleanup;
	}
	ef->file.data = map;
	ef->file.len = st.st_size;
	ef->mapped = true;
	ret = elf_parse(ef, err, errlen);

cleanup:
	close(fd);
	if (ret)
		elf_close(ef);
	return ret;
}

int elf_open_mem(const void *data, size_t len, struct elf_file *ef,
		 char *err, size_t errlen)
{
	int ret;

	memset(ef, 0, sizeof(*ef));
	ef->file.data = data;
	ef->file.len = len;
	ret = elf_parse(ef, err, errlen);
	if (ret)
		elf_close(ef);
	return ret;
}

void elf_close(struct elf_file *ef)
{
	if (!ef)
		return;
	free(ef->loads);
	if (ef->mapped)
		munmap((void *)ef->file.data, ef->file.len);
	memset(ef, 0, sizeof(*ef));
}

bool elf_section_at(const struct elf_file *ef, size_t i, struct elf_section *out)
{
	Elf64_Shdr sh;

	if (i == 0 || i >= ef->shnum ||
	    !span_copy(ef->shdrs, (uint64_t)i * ef->shentsize, &sh, sizeof(sh)))
		return false;
	memset(out, 0, sizeof(*out));
	out->name = span_cstr(ef->shstrtab, sh.sh_name);
	out->type = sh.sh_type;
	out->flags = sh.sh_flags;
	out->addr = sh.sh_addr;
	out->offset = sh.sh_offset;
	out->size = sh.sh_size;
	out->link = sh.sh_link;
	out->outside = sh.sh_type != SHT_NOBITS &&
		       !span_sub(ef->file, sh.sh_offset, sh.sh_size, &out->data);
	return true;
}

int elf_find_section(const struct elf_file *ef, const char *name,
		     struct elf_section *out)
{
	size_t i;

	for (i = 1; i < ef->shnum; i++) {
		if (!elf_section_at(ef, i, out) || !out->name ||
		    strcmp(out->name, name) != 0)
			continue;
		return out->outside ? -ENOEXEC : 0;
	}
	return -ENOENT;
}

static const struct elf_segment *elf_segment_of(const struct elf_file *ef,
						uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < ef->nloads; i++) {
		const struct elf_segment *seg = &ef->loads[i];

		if (vaddr >= seg->vaddr && vaddr - seg->vaddr < seg->filesz)
			return seg;
	}
	return NULL;
}

int elf_vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	const struct elf_segment *seg = elf_segment_of(ef, vaddr);

	if (!seg)
		return -ENOENT;
	*off = seg->offset + (vaddr - seg->vaddr);
	return 0;
}

bool elf_vaddr_span(const struct elf_file *ef, uint64_t vaddr, struct span *out)
{
	const struct elf_segment *seg = elf_segment_of(ef, vaddr);

	return seg && span_tail(seg->data, vaddr - seg->vaddr, out);
}

bool elf_read_vaddr(const struct elf_file *ef, uint64_t vaddr, uint64_t len,
		    struct span *out)
{
	struct span tail;

	return elf_vaddr_span(ef, vaddr, &tail) && span_sub(tail, 0, len, out);
}

bool elf_read_u64(const struct elf_file *ef, uint64_t vaddr, uint64_t *v)
{
	struct span b;

	return elf_read_vaddr(ef, vaddr, 8, &b) && span_u64(b, 0, v);
}

/* A defined symbol of the symbol table section `section` (of type `type`). */
static int symbol_in(const struct elf_file *ef, const char *section, uint32_t type,
		     const char *name, uint64_t *value)
{
	struct elf_section symtab, strtab;
	Elf64_Sym sym;
	uint64_t off;

	if (elf_find_section(ef, section, &symtab) != 0 || symtab.type != type)
		return -ENOENT;
	if (!elf_section_at(ef, symtab.link, &strtab) || strtab.type != SHT_STRTAB ||
	    strtab.outside)
		return -ENOENT;
	for (off = 0; off + sizeof(sym) <= symtab.data.len; off += sizeof(sym)) {
		const char *s;

		if (!span_copy(symtab.data, off, &sym, sizeof(sym)) ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		s = span_cstr(strtab.data, sym.st_name);
		if (s && strcmp(s, name) == 0) {
			*value = sym.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_symbol_value(const struct elf_file *ef, const char *name, uint64_t *value)
{
	return symbol_in(ef, ".symtab", SHT_SYMTAB, name, value);
}

int elf_dynamic_symbol_value(const struct elf_file *ef, const char *name, uint64_t *value)
{
	return symbol_in(ef, ".dynsym", SHT_DYNSYM, name, value);
}

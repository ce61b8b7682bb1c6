// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/elf_reader.c: the input is an ELF file.
 * Opens it from memory (so AddressSanitizer sees a read one byte past the
 * end) and asks every question the other parsers ask: sections by index
 * and name, virtual addresses to file bytes, .symtab symbols.
 */
#include <stdint.h>
#include <stdio.h>

#include "binary/elf_reader.h"

/* Bounds the per-input work: real binaries have a few dozen sections. */
#define MAX_SECTIONS 256

static volatile uint64_t sink;

static void probe_vaddr(const struct elf_file *ef, uint64_t vaddr)
{
	struct span s;
	uint64_t off, v;

	if (!elf_vaddr_to_offset(ef, vaddr, &off))
		sink += off;
	if (elf_vaddr_span(ef, vaddr, &s) && s.len)
		sink += s.data[s.len - 1];
	if (elf_read_vaddr(ef, vaddr, 16, &s))
		sink += s.data[15];
	if (elf_read_u64(ef, vaddr, &v))
		sink += v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		".gopclntab", ".data.rel.ro.gopclntab", ".go.buildinfo",
		".noptrdata", ".symtab", ".text",
	};
	struct elf_file ef;
	struct elf_section sec;
	char err[256];
	uint64_t v;
	size_t i;

	if (elf_open_mem(data, size, &ef, err, sizeof(err)))
		return 0;
	for (i = 1; i < ef.shnum && i < MAX_SECTIONS; i++) {
		if (!elf_section_at(&ef, i, &sec))
			continue;
		if (sec.name)
			sink += sec.name[0];
		if (sec.data.len)
			sink += sec.data.data[0] + sec.data.data[sec.data.len - 1];
		probe_vaddr(&ef, sec.addr);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!elf_find_section(&ef, names[i], &sec) && sec.data.len)
			sink += sec.data.data[sec.data.len - 1];
	for (i = 0; i < ef.nloads; i++) {
		const struct elf_segment *seg = &ef.loads[i];

		probe_vaddr(&ef, seg->vaddr);
		probe_vaddr(&ef, seg->vaddr + seg->filesz - 1);
		probe_vaddr(&ef, seg->vaddr + seg->filesz - 8);
		probe_vaddr(&ef, seg->vaddr + seg->memsz);
	}
	if (!elf_symbol_value(&ef, "runtime.text", &v))
		sink += v;
	/* A Go plugin's test (cli/go_images.c). */
	if (!elf_dynamic_symbol_value(&ef, "runtime.memstats", &v))
		sink += v;
	elf_close(&ef);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/pclntab.c: the input is an ELF file. Opens
 * the function table with the Go version its build info names (as
 * gobin_open does), then reads a sample of functions: records, names, the
 * search by PC, file and line, and the inline tree walked as the
 * symbolizer walks it.
 */
#include <stdint.h>
#include <string.h>

#include "binary/buildinfo.h"
#include "binary/elf_reader.h"
#include "binary/pclntab.h"

/* Functions read per input, and PCs per function: bounds the work. */
#define SAMPLE_FUNCS 24
#define SAMPLE_PCS 4
#define MAX_INLINE_DEPTH 16

static volatile size_t sink;

static void read_pc(const struct pclntab *t, const struct pclntab_func *f, uint64_t pc)
{
	uint32_t inl = pclntab_pcdata(t, f, PCLNTAB_PCDATA_INLTREE_INDEX);
	struct pclntab_inlined_call call;
	const char *file, *name;
	int32_t line, index;
	uint32_t i;
	int depth;

	if (pclntab_search(t, pc, &i))
		sink += i;
	if (pclntab_file_line(t, f, pc, &file, &line))
		sink += strlen(file) + (size_t)line;
	for (depth = 0; inl && depth < MAX_INLINE_DEPTH; depth++) {
		if (!pclntab_pcvalue(t, f, inl, pc, &index) ||
		    !pclntab_inlined_call(t, f, index, &call))
			break;
		name = pclntab_name(t, call.nameoff);
		if (name)
			sink += strlen(name);
		pc = f->entry + (uint64_t)(int64_t)call.parent_pc;
		if (pc < f->entry || pc >= f->end)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_file ef;
	struct buildinfo bi = { 0 };
	struct pclntab t;
	struct pclntab_func f;
	const char *name;
	char err[256];
	uint32_t k, i, step;

	if (elf_open_mem(data, size, &ef, err, sizeof(err)))
		return 0;
	if (buildinfo_read(&ef, &bi, err, sizeof(err)))
		memset(&bi, 0, sizeof(bi));
	if (pclntab_open(&ef, bi.minor, &t, err, sizeof(err)))
		goto cleanup;
	sink += pclntab_entry(&t, t.nfunc);
	step = t.nfunc / SAMPLE_FUNCS + 1;
	for (k = 0, i = 0; k < SAMPLE_FUNCS && i < t.nfunc; k++, i += step) {
		name = pclntab_func_name(&t, i);
		if (name)
			sink += strlen(name);
		if (!pclntab_func(&t, i, &f))
			continue;
		for (uint64_t p = 0; p < SAMPLE_PCS; p++) {
			uint64_t len = f.end - f.entry;

			read_pc(&t, &f, f.entry + (len ? p * len / SAMPLE_PCS : 0));
		}
		read_pc(&t, &f, f.end - 1);
		read_pc(&t, &f, f.end);
	}
	/* the last function, where the end sentinel matters */
	if (pclntab_func(&t, t.nfunc - 1, &f))
		read_pc(&t, &f, f.end - 1);
cleanup:
	buildinfo_free(&bi);
	elf_close(&ef);
	return 0;
}

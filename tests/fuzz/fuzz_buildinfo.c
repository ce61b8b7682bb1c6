// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/buildinfo.c: the input is an ELF file
 * whose Go build info (section .go.buildinfo, or the magic in a writable
 * segment) is decoded, then the version string parsed.
 */
#include <stdint.h>
#include <string.h>

#include "binary/buildinfo.h"
#include "binary/elf_reader.h"

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_file ef;
	struct buildinfo bi;
	char err[256];

	if (elf_open_mem(data, size, &ef, err, sizeof(err)))
		return 0;
	if (!buildinfo_read(&ef, &bi, err, sizeof(err))) {
		if (bi.version)
			sink += strlen(bi.version) + (size_t)buildinfo_parse_minor(bi.version);
		if (bi.main_path)
			sink += strlen(bi.main_path);
		if (bi.vcs_revision)
			sink += strlen(bi.vcs_revision);
		buildinfo_free(&bi);
	}
	elf_close(&ef);
	return 0;
}

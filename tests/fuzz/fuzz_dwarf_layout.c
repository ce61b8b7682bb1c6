// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/dwarf_layout.c: the input is an ELF file
 * with DWARF. dwarf_layout_read takes a path, as the tracer uses it, so the
 * input goes into a memfd read through /proc/self/fd. libdw/libelf are not
 * instrumented: their own bugs show as crashes, ours as sanitizer reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "binary/dwarf_layout.h"

static volatile uint32_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_layout l;
	char path[64], err[256];
	size_t done = 0, nfields, i;
	const struct go_layout_field *fields;
	static int first_fd = -1;
	int fd;

	/* The lowest free descriptor: higher than the first input's means a
	 * descriptor leaked (LeakSanitizer sees only memory). */
	fd = memfd_create("fuzz-dwarf", MFD_CLOEXEC);
	if (first_fd < 0)
		first_fd = fd;
	if (fd < 0 || fd > first_fd) {
		fprintf(stderr, "fuzz_dwarf_layout: file descriptor leaked (%d, first %d)\n",
			fd, first_fd);
		abort();
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0)
			goto cleanup;
		done += n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (dwarf_layout_read(path, 127, &l, err, sizeof(err)))
		goto cleanup;
	fields = dwarf_layout_fields(&nfields);
	for (i = 0; i < nfields; i++)
		sink += go_layout_field_value(&l, &fields[i]);
cleanup:
	close(fd);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target's code bytes at the probe points, read from /proc/PID/mem and
 * compared with its executable file: an int3 (0xcc) where the file has
 * another byte is a breakpoint a tracer left behind (a uprobe the kernel
 * failed to unregister). Read only: the repair is the kernel's (a clean
 * attach and detach at the point, see main.c's --repair).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probes/target_code.h"

/* Where file_offset of the executable (dev, ino) is mapped in pid, 0 if
 * nowhere: the executable mapping that covers it. */
static uint64_t mapped_address(FILE *maps, dev_t dev, ino_t ino, uint64_t file_offset)
{
	char line[4096];

	rewind(maps);
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, off, inode;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &off,
			   &maj, &min, &inode) != 7)
			continue;
		if (inode != (unsigned long long)ino || maj != major(dev) || min != minor(dev) ||
		    perms[2] != 'x')
			continue;
		if (file_offset >= off && file_offset - off < end - start)
			return start + (file_offset - off);
	}
	return 0;
}

int target_code_scan(pid_t pid, const struct probe_plan *plan, struct code_scan *scan)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return target_code_scan_file(pid, path, plan, scan);
}

int target_code_scan_file(pid_t pid, const char *file, const struct probe_plan *plan,
			  struct code_scan *scan)
{
	char path[64];
	FILE *maps = NULL;
	int exe_fd = -1, mem_fd = -1, ret = 0;
	struct stat st;

	memset(scan, 0, sizeof(*scan));
	exe_fd = open(file, O_RDONLY | O_CLOEXEC);
	if (exe_fd < 0 || fstat(exe_fd, &st)) {
		ret = -errno;
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps) {
		ret = -errno;
		goto cleanup;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (mem_fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	for (int i = 0; i < plan->n && i < MAX_PROBES; i++) {
		const struct probe_point *p = &plan->points[i];
		uint64_t va = mapped_address(maps, st.st_dev, st.st_ino, p->file_offset);

		scan->vaddr[i] = va;
		if (!va || pread(exe_fd, &scan->file[i], 1, p->file_offset) != 1 ||
		    pread(mem_fd, &scan->mem[i], 1, va) != 1)
			continue;
		if (scan->mem[i] == scan->file[i]) {
			scan->state[i] = CODE_INTACT;
		} else if (scan->mem[i] == INT3) {
			scan->state[i] = CODE_BREAKPOINT;
			scan->breakpoints++;
		} else {
			scan->state[i] = CODE_CHANGED;
		}
	}

cleanup:
	if (maps)
		fclose(maps);
	if (mem_fd >= 0)
		close(mem_fd);
	if (exe_fd >= 0)
		close(exe_fd);
	return ret;
}

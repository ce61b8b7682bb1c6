// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The executable's mapping in a live process; see target_maps.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "target_maps.h"

int target_load_bias(pid_t pid, const struct gobin *bin, uint64_t *bias)
{
	char path[64], line[4096];
	struct stat exe;
	FILE *maps;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &exe))
		return errno == ENOENT ? -ESRCH : -errno;
	if (!gobin_is_pie(bin)) {
		*bias = 0;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start, end, offset, inode;
		unsigned int major, minor;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %x:%x %" SCNu64,
			   &start, &end, &offset, &major, &minor, &inode) != 6)
			continue;
		if (offset || inode != exe.st_ino || makedev(major, minor) != exe.st_dev)
			continue;
		*bias = start - gobin_first_load_vaddr(bin);
		ret = 0;
		break;
	}
	fclose(maps);
	return ret;
}

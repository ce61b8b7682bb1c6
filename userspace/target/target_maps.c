// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The executable's mapping in a live process; see target_maps.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "target/target_maps.h"

int target_load_bias(pid_t pid, const struct gobin *bin, uint64_t *bias)
{
	char path[64], line[4096], exe_path[4096];
	ssize_t exe_len;
	struct stat exe;
	FILE *maps;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &exe))
		return errno == ENOENT ? -ESRCH : -errno;
	exe_len = readlink(path, exe_path, sizeof(exe_path) - 1);
	exe_path[exe_len > 0 ? exe_len : 0] = '\0';
	if (!gobin_is_pie(bin)) {
		*bias = 0;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	for (bool line_start = true; fgets(line, sizeof(line), maps);) {
		uint64_t start, end, offset, inode;
		unsigned int major, minor;
		bool at_start = line_start, same_file;
		int path_at = 0;
		char *nl;

		/* A path longer than the buffer continues in the next chunk,
		 * which is not a line of its own: never parse it as one. */
		nl = strchr(line, '\n');
		line_start = nl != NULL;
		if (!at_start)
			continue;
		if (nl)
			*nl = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, &offset, &major, &minor, &inode, &path_at) != 6)
			continue;
		/* The same inode, or (overlayfs shows the lower file's device
		 * and inode) the same path as /proc/PID/exe. */
		same_file = (inode == exe.st_ino && makedev(major, minor) == exe.st_dev) ||
			    (exe_len > 0 && path_at > 0 && !strcmp(line + path_at, exe_path));
		if (offset || !same_file)
			continue;
		*bias = start - gobin_first_load_vaddr(bin);
		ret = 0;
		break;
	}
	fclose(maps);
	return ret;
}

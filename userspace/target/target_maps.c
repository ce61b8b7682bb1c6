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

/* One line of /proc/PID/maps, parsed; path_at 0: no path. */
struct maps_line {
	uint64_t start, end, offset, inode;
	unsigned int major, minor;
	char perms[5];
	int path_at;
};

static bool parse_maps_line(const char *line, struct maps_line *m)
{
	m->path_at = 0;
	return sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		      &m->start, &m->end, m->perms, &m->offset, &m->major, &m->minor,
		      &m->inode, &m->path_at) == 7;
}

/* Calls fn for each whole line of pid's maps (a line longer than the buffer
 * is skipped whole). */
static int each_maps_line(pid_t pid, int (*fn)(void *ctx, char *line, const struct maps_line *m),
			  void *ctx)
{
	char path[64], line[4096];
	FILE *maps;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	for (bool line_start = true; !ret && fgets(line, sizeof(line), maps);) {
		bool at_start = line_start;
		struct maps_line m;
		char *nl = strchr(line, '\n');

		line_start = nl != NULL;
		if (!at_start || !nl)
			continue;
		*nl = '\0';
		if (parse_maps_line(line, &m))
			ret = fn(ctx, line, &m);
	}
	fclose(maps);
	return ret;
}

struct file_bias_ctx {
	dev_t dev;
	ino_t ino;
	uint64_t first_vaddr;
	uint64_t bias;
};

static int file_bias_line(void *ctx, char *line, const struct maps_line *m)
{
	struct file_bias_ctx *c = ctx;

	(void)line;
	if (m->offset || m->inode != c->ino || makedev(m->major, m->minor) != c->dev)
		return 0;
	c->bias = m->start - c->first_vaddr;
	return 1;
}

int target_file_bias(pid_t pid, dev_t dev, ino_t ino, const struct gobin *bin,
		     uint64_t *bias)
{
	struct file_bias_ctx c = { .dev = dev, .ino = ino,
				   .first_vaddr = gobin_first_load_vaddr(bin) };
	int ret = each_maps_line(pid, file_bias_line, &c);

	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOENT;
	*bias = c.bias;
	return 0;
}

struct exec_mappings_ctx {
	dev_t exe_dev;
	ino_t exe_ino;
	int (*fn)(void *ctx, const char *path);
	void *ctx;
};

static int exec_mapping_line(void *ctx, char *line, const struct maps_line *m)
{
	struct exec_mappings_ctx *c = ctx;
	const char *p = line + m->path_at;
	size_t len;

	if (!m->path_at || m->perms[2] != 'x' || *p != '/' || !m->inode ||
	    (m->inode == c->exe_ino && makedev(m->major, m->minor) == c->exe_dev))
		return 0;
	len = strlen(p);
	if (len > strlen(" (deleted)") && !strcmp(p + len - strlen(" (deleted)"), " (deleted)"))
		return 0;
	return c->fn(c->ctx, p);
}

int target_exec_mappings(pid_t pid, int (*fn)(void *ctx, const char *path), void *ctx)
{
	struct exec_mappings_ctx c = { .fn = fn, .ctx = ctx };
	char path[64];
	struct stat exe;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &exe))
		return errno == ENOENT ? -ESRCH : -errno;
	c.exe_dev = exe.st_dev;
	c.exe_ino = exe.st_ino;
	return each_maps_line(pid, exec_mapping_line, &c);
}

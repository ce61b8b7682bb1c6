/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where a live process has its executable mapped: /proc/PID/maps, read only. */
#ifndef GOMEMTRACE_TARGET_MAPS_H
#define GOMEMTRACE_TARGET_MAPS_H

#include <stdint.h>
#include <sys/types.h>

#include "binary/gobinary.h"

/*
 * The load bias of bin in process pid (run-time address = link-time address
 * + bias): 0 for a fixed-address executable; for a PIE, the start of the
 * mapping of /proc/PID/exe (same device and inode, or same path: overlayfs
 * maps show the lower file's) at file offset 0, minus
 * gobin_first_load_vaddr(bin). Returns 0, or -ESRCH (process gone), -ENOENT
 * (no such mapping: not exec'd yet, or another binary), another -errno.
 */
int target_load_bias(pid_t pid, const struct gobin *bin, uint64_t *bias);

/*
 * The load bias of bin, the file with device dev and inode ino, in process
 * pid: the start of its mapping at file offset 0 minus
 * gobin_first_load_vaddr(bin) (a shared object such as a Go plugin: the
 * mapping's start). Returns 0, -ESRCH (process gone), -ENOENT (not mapped
 * yet), another -errno.
 */
int target_file_bias(pid_t pid, dev_t dev, ino_t ino, const struct gobin *bin,
		     uint64_t *bias);

/*
 * Calls fn(ctx, path) once per file other than /proc/PID/exe that pid has
 * mapped executable (r-x), path as /proc/PID/maps shows it (deleted files
 * and paths longer than a line left out). Stops at fn's first non-zero
 * return and returns it; else 0, -ESRCH (process gone), another -errno.
 */
int target_exec_mappings(pid_t pid, int (*fn)(void *ctx, const char *path), void *ctx);

#endif

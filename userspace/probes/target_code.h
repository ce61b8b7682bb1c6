/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The target's code at the probe points, against its file: see target_code.c. */
#ifndef GOMEMTRACE_TARGET_CODE_H
#define GOMEMTRACE_TARGET_CODE_H

#include <stdint.h>
#include <sys/types.h>

#include "probes/probe_plan.h"

enum code_state {
	CODE_UNKNOWN,		/* not mapped, or unreadable */
	CODE_INTACT,		/* the file's byte */
	CODE_BREAKPOINT,	/* int3 where the file has another byte */
	CODE_CHANGED,		/* some other byte */
};

struct code_scan {
	uint8_t state[MAX_PROBES];	/* enum code_state, per plan point */
	uint8_t mem[MAX_PROBES];	/* the target's byte */
	uint8_t file[MAX_PROBES];	/* the file's byte */
	uint64_t vaddr[MAX_PROBES];	/* where the point is mapped, 0: nowhere */
	int breakpoints;		/* points in CODE_BREAKPOINT */
};

#define INT3 0xcc

/* Reads the first byte of every plan point in process pid's memory and in
 * its executable. Returns 0 or a negative errno (the process is gone, no
 * permission); points it could not read are CODE_UNKNOWN. */
int target_code_scan(pid_t pid, const struct probe_plan *plan, struct code_scan *scan);
/* The same for plan's points in file (a Go plugin the process maps: its
 * path as we open it), wherever pid maps that file. */
int target_code_scan_file(pid_t pid, const char *file, const struct probe_plan *plan,
			  struct code_scan *scan);

#endif

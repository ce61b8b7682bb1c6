/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A finished trace, ready for the outputs: the target, the aggregate, its
 * sites, and the loss counters. Each output format is one file:
 * report_text.c (stdout), report_json.c (report.json), report_pprof.c
 * (heap.pb.gz).
 */
#ifndef GOMEMTRACE_REPORT_H
#define GOMEMTRACE_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "aggregate.h"
#include "gobinary.h"
#include "sites.h"
#include "symbolize.h"
#include "target_code.h"

struct report {
	pid_t pid;
	const char *exe;
	const char *go_version;
	const char *mode;
	uint64_t start_ns;	/* CLOCK_MONOTONIC when recording started */
	uint64_t start_wall_ns;	/* CLOCK_REALTIME then */
	uint64_t duration_ns;	/* until recording stopped: no event after it */
	const struct aggregate *agg;
	struct site_list alloc_sites;
	struct site_list growth_sites;
	uint64_t lost_events;
	uint64_t lost_stacks;
	const struct gobin *bin;
	struct symbolizer *sym;
	uint64_t load_bias;
	const struct probe_plan *plan;
	/* The target's code at the probe points before the attach and after the
	 * detach; NULL when not read (launch mode, target gone). */
	const struct code_scan *code_before, *code_after;
};

void report_print_text(const struct report *r, FILE *out, int top);
int report_write_json(const struct report *r, const char *path);
int report_write_pprof(const struct report *r, const char *path);

/* Writes through a temporary file renamed into place: never half a file. */
FILE *output_open(const char *path, char *tmp, size_t tmplen);
int output_commit(FILE *f, const char *tmp, const char *path);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The target's life during the trace (see target_watch.c): noticing that it
 * is gone, how it ended, and the runtime's state read once a second, so that
 * a target that dies leaves its last state behind.
 */
#ifndef GOMEMTRACE_TARGET_WATCH_H
#define GOMEMTRACE_TARGET_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "outputs/report.h"
#include "probes/exitwatch.h"
#include "target/runtime_state.h"

/* Reads of the runtime's state while tracing: one a second. */
#define TARGET_WATCH_READ_NS 1000000000ULL

struct target_watch {
	pid_t pid;
	pid_t child;		/* launch mode: our child until reaped, else -1 */
	int pidfd;		/* -p: readable once the process is gone, else -1 */
	struct exitwatch *ew;	/* NULL when the tracepoints could not be attached */
	char ew_err[256];
	bool gone;
	bool have_status;	/* launch mode: the child's wait status */
	int status;
	uint64_t status_ts;	/* CLOCK_MONOTONIC ns of the reap */
	uint64_t next_read_ns;
	bool have_last;
	uint64_t last_ts;	/* CLOCK_MONOTONIC ns of the last good read */
	struct runtime_state last;
	/* The trace followed the target across an exec (cli/main.c): the
	 * exitwatch's exec record (its first exec only) is not an end. */
	bool followed_exec;
};

/* Starts watching process pid (launched: our held child, not yet exec'd).
 * Never fails: what cannot be watched is said on stderr and in the report. */
void target_watch_start(struct target_watch *w, pid_t pid, bool launched);
/* True once the target is gone: exited (a launched child is reaped here,
 * its wait status kept) or exec'd, unless the trace follows the exec
 * (followed_exec; an exec is not latched until then). */
bool target_watch_gone(struct target_watch *w);
/* Reads the runtime's state if a second passed since the last read; keeps
 * the last good one. now: CLOCK_MONOTONIC ns. */
void target_watch_tick(struct target_watch *w, const struct gobin *bin,
		       const struct go_layout *layout, uint64_t now);
/* A read of the runtime's state made elsewhere (the default mode reads it
 * every 100 ms) at ts: kept as the last, and the watch's own read put off. */
void target_watch_note(struct target_watch *w, const struct runtime_state *s, uint64_t ts);
/* How the target ended as of stop_ns (recording's stop), and the last
 * read, into *out. */
void target_watch_finish(struct target_watch *w, uint64_t stop_ns, struct report_end *out);
void target_watch_close(struct target_watch *w);

#endif

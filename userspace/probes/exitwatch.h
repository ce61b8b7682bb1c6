/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Loader of the exitwatch probe set (bpf/exitwatch.bpf.c): how the target
 * ended, by the kernel's own tracepoints, and the decoding of that and of a
 * wait status into one struct target_end. See exitwatch.c.
 */
#ifndef GOMEMTRACE_EXITWATCH_H
#define GOMEMTRACE_EXITWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/exitwatch_types.h"

struct exitwatch;

/* What the tracepoints recorded so far: each record valid when its state is
 * RECORD_DONE. */
struct exitwatch_records {
	struct exit_record exit;
	struct oom_record oom;
	struct exec_record exec;
	bool oom_watched;	/* oom:mark_victim attached (Linux 6.8+ form) */
	uint64_t extra_records;	/* hits after their record was written */
};

enum target_end_how {
	TARGET_RUNNING = 0,	/* alive when the trace ended */
	TARGET_EXITED,		/* exit status in exit_code */
	TARGET_SIGNALED,	/* killed by signal */
	TARGET_OOM_KILLED,	/* killed by the kernel's OOM killer (its SIGKILL) */
	TARGET_EXECED,		/* became another program (exec_filename) */
	TARGET_GONE,		/* gone, how unknown (no wait status, no record) */
};

/* How the target ended. Sizes in bytes. */
struct target_end {
	enum target_end_how how;
	uint64_t ts;		/* CLOCK_MONOTONIC ns when it ended; 0: unknown */
	const char *source;	/* where how came from: "wait status",
				 * "sched_process_exit", "sched_process_exec", NULL */
	int exit_code;		/* TARGET_EXITED: 0..255 */
	int signal;		/* TARGET_SIGNALED, TARGET_OOM_KILLED */
	bool core_dumped;
	bool have_oom;		/* the OOM killer chose it (oom:mark_victim) */
	uint32_t oom_tid;
	uint64_t oom_ts;	/* CLOCK_MONOTONIC ns */
	uint64_t oom_total_vm, oom_anon_rss, oom_file_rss, oom_shmem_rss, oom_pgtables;
	uint32_t oom_uid;
	int oom_score_adj;
	char oom_comm[16];
	bool have_exit_memory;	/* the mm at the last thread's exit (Linux 6.16+) */
	uint64_t exit_total_vm, exit_anon_rss, exit_file_rss, exit_shmem_rss;
	char exec_filename[EXEC_FILENAME_LEN];
	bool oom_watched;	/* an OOM kill would have been seen */
	int watch_err;		/* exitwatch could not start: negative errno, else 0 */
};

/* Loads and attaches the tracepoints, recording the end of process pid.
 * launched: pid is our held child, whose first exec (of the traced program)
 * is not an end. Returns 0 or a negative errno with a one-line reason. */
int exitwatch_start(struct exitwatch **out, pid_t pid, bool launched, char *err, size_t errlen);
/* The records written so far (a consistent copy of each). */
void exitwatch_read(const struct exitwatch *ew, struct exitwatch_records *out);
void exitwatch_close(struct exitwatch *ew);

/* The wait status a parent gets (kernel/exit.c, wait_task_zombie) from the
 * last thread's record. */
int exitwatch_wait_status(const struct exit_record *r);
/*
 * Decides how the target ended, from its wait status (have_status: launch
 * mode, reaped by us) and/or the records, whatever came first; stop_ns is
 * when recording stopped: an end after it leaves the target "running" for
 * this trace. page_size converts the records' pages to bytes. Fills *out
 * (watch_err and oom_watched are the caller's).
 */
void target_end_decide(struct target_end *out, bool have_status, int status,
		       uint64_t status_ts, const struct exitwatch_records *rec,
		       uint64_t stop_ns, uint64_t page_size);
/* "running", "exited", "signaled", "oom_killed", "exec", "gone". */
const char *target_end_name(enum target_end_how how);
/* "SIGKILL" for 9; "SIG<n>" for a number without a name. Static storage:
 * valid until the next call. */
const char *target_signal_name(int sig);

#endif

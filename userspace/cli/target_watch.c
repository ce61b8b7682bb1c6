// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The target's life during the trace: whether it is gone (a launched child
 * reaped with its wait status; a -p process by its pidfd; an exec by the
 * exitwatch tracepoints), how it ended (probes/exitwatch.c decides), and the
 * runtime's state read once a second: once the target is dead the read at
 * the stop fails, and the last good read is its state before death.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/target_watch.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void target_watch_start(struct target_watch *w, pid_t pid, bool launched)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->child = launched ? pid : -1;
	w->pidfd = launched ? -1 : (int)syscall(SYS_pidfd_open, pid, 0);
	/* Reaped already (it died since -p was checked). */
	if (!launched && w->pidfd < 0 && errno == ESRCH)
		w->gone = true;
	w->next_read_ns = monotonic_ns() + TARGET_WATCH_READ_NS;
	ret = exitwatch_start(&w->ew, pid, launched, w->ew_err, sizeof(w->ew_err));
	if (ret)
		fprintf(stderr, "gomemtrace: warning: %s: the report cannot tell %s\n", w->ew_err,
			launched ? "an OOM kill from another SIGKILL" : "how the target ends");
	else
		w->ew_err[0] = '\0';
}

bool target_watch_gone(struct target_watch *w)
{
	struct exitwatch_records rec;

	if (w->gone)
		return true;
	if (w->child > 0 && waitpid(w->child, &w->status, WNOHANG) == w->child) {
		w->have_status = true;
		w->status_ts = monotonic_ns();
		w->child = -1;
		w->gone = true;
	} else if (w->pidfd >= 0) {
		struct pollfd p = { .fd = w->pidfd, .events = POLLIN };

		w->gone = poll(&p, 1, 0) > 0;
	} else if (w->child < 0) {
		/* No pidfd (Linux < 5.3): gone once reaped by its parent. */
		w->gone = kill(w->pid, 0) && errno == ESRCH;
	}
	if (!w->gone && w->ew && !w->followed_exec) {
		/* Not latched: the trace may still follow this exec. */
		exitwatch_read(w->ew, &rec);
		return rec.exec.state == RECORD_DONE;
	}
	return w->gone;
}

void target_watch_tick(struct target_watch *w, const struct gobin *bin,
		       const struct go_layout *layout, uint64_t now)
{
	struct runtime_state s;

	if (w->gone || now < w->next_read_ns)
		return;
	w->next_read_ns = now + TARGET_WATCH_READ_NS;
	if (runtime_state_snapshot(w->pid, bin, layout, &s))
		return;
	w->last = s;
	w->last_ts = monotonic_ns();
	w->have_last = true;
}

void target_watch_note(struct target_watch *w, const struct runtime_state *s, uint64_t ts)
{
	w->last = *s;
	w->last_ts = ts;
	w->have_last = true;
	w->next_read_ns = ts + TARGET_WATCH_READ_NS;
}

void target_watch_finish(struct target_watch *w, uint64_t stop_ns, struct report_end *out)
{
	struct exitwatch_records rec;

	/* A child that died since the last look: reaped (no zombie left). */
	target_watch_gone(w);
	if (w->ew)
		exitwatch_read(w->ew, &rec);
	if (w->ew && w->followed_exec)
		rec.exec.state = RECORD_EMPTY;
	target_end_decide(&out->target, w->have_status, w->status, w->status_ts,
			  w->ew ? &rec : NULL, stop_ns, (uint64_t)sysconf(_SC_PAGESIZE));
	out->target.oom_watched = w->ew && rec.oom_watched;
	out->watch_error = w->ew ? NULL : w->ew_err;
	out->have_last = w->have_last;
	out->last_ts = w->last_ts;
	out->last = w->last;
}

void target_watch_close(struct target_watch *w)
{
	exitwatch_close(w->ew);
	w->ew = NULL;
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
}

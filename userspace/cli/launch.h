/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Launch mode: a child held until the probes are attached (see launch.c). */
#ifndef GOMEMTRACE_LAUNCH_H
#define GOMEMTRACE_LAUNCH_H

#include <sys/types.h>

struct launched {
	pid_t pid;
	int go_fd;	/* write end: one byte lets the child exec */
	int err_fd;	/* read end: errno of a failed exec, EOF on success */
};

/* The executable COMMAND names: itself if it has a '/', else from PATH.
 * Returns 0 and a malloc'd path, or -ENOENT/-EACCES. */
int launch_resolve(const char *command, char **path);
/* Forks a child that waits, then execs path with argv (environment
 * inherited). */
/* Records which of SIGINT, SIGTERM, SIGHUP and SIGQUIT were ignored when
 * gomemtrace started, so that a launched command gets them back as it
 * would untraced. Call before installing the tracer's own handlers. */
void launch_save_signals(void);

int launch_held(const char *path, char *const argv[], struct launched *l);
/* Lets the child exec; returns 0 once it did, or the exec's -errno. */
int launch_release(struct launched *l);
/* Kills and reaps a child that will not be released. */
void launch_abort(struct launched *l);

#endif

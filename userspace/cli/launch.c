// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Launch mode, as libbpf-tools' memleak does it: fork, hold the child on a
 * pipe until every probe is attached (the uprobes filter on its pid, which
 * exec keeps), then let it exec, so not one allocation from the start of the
 * program is missed. A child whose exec fails reports errno through a
 * close-on-exec pipe and exits; it never returns into the tracer's main.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/launch.h"

static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) ? -errno : 0;
}

int launch_resolve(const char *command, char **path)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int ret = -ENOENT;

	if (strchr(command, '/')) {
		ret = executable(command);
		if (!ret && !(*path = strdup(command)))
			ret = -ENOMEM;
		return ret;
	}
	dirs = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *candidate;

		if (asprintf(&candidate, "%s/%s", *dir ? dir : ".", command) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (!executable(candidate)) {
			*path = candidate;
			ret = 0;
			break;
		}
		free(candidate);
	}
	free(dirs);
	return ret;
}

/* The signals the tracer catches, and whether each was ignored when it
 * started (launch_save_signals). */
static const int saved_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSAVED (sizeof(saved_sigs) / sizeof(saved_sigs[0]))
static bool saved_ignored[NSAVED];

void launch_save_signals(void)
{
	for (size_t i = 0; i < NSAVED; i++) {
		struct sigaction old;

		saved_ignored[i] = !sigaction(saved_sigs[i], NULL, &old) &&
				   old.sa_handler == SIG_IGN;
	}
}

int launch_held(const char *path, char *const argv[], struct launched *l)
{
	int go[2], err[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		int ret = -errno;

		close(go[0]);
		close(go[1]);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		int ret = -errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return ret;
	}
	if (pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		/* The dispositions gomemtrace started with: a signal ignored
		 * then (nohup, a background job) stays ignored in the command,
		 * as untraced; the tracer's own handlers end at exec. */
		for (size_t i = 0; i < NSAVED; i++)
			signal(saved_sigs[i], saved_ignored[i] ? SIG_IGN : SIG_DFL);
		/* EOF: the tracer gave up before attaching. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execv(path, argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	l->pid = pid;
	l->go_fd = go[1];
	l->err_fd = err[0];
	return 0;
}

int launch_release(struct launched *l)
{
	char c = 1;
	int e = 0;
	ssize_t n;

	if (write(l->go_fd, &c, 1) != 1)
		return -errno;
	close(l->go_fd);
	l->go_fd = -1;
	do {
		n = read(l->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (n == sizeof(e)) {
		waitpid(l->pid, NULL, 0);
		return -e;
	}
	return 0;
}

void launch_abort(struct launched *l)
{
	if (l->go_fd >= 0)
		close(l->go_fd);
	if (l->err_fd >= 0)
		close(l->err_fd);
	l->go_fd = l->err_fd = -1;
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
}

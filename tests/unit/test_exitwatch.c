// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How the target ended (probes/exitwatch.c, target_end_decide), from real
 * wait statuses: children of this test that exit with a code or die of a
 * signal, their status from waitpid, fed both as a launched child's status
 * and as the exit tracepoint's record (group_exit_code, as the kernel keeps
 * it for exit_group and fatal signals). Signal names against bash's
 * `kill -l`. No root needed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "probes/exitwatch.h"

#define PAGE 4096

/* The wait status of a child that runs fn. */
static int status_of(void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void exit_3(void)
{
	exit(3);
}

static void die_term(void)
{
	signal(SIGTERM, SIG_DFL);
	raise(SIGTERM);
}

static void die_kill(void)
{
	raise(SIGKILL);
}

static struct exitwatch_records exited_record(int status, uint64_t ts)
{
	struct exitwatch_records rec;

	memset(&rec, 0, sizeof(rec));
	rec.exit.state = RECORD_DONE;
	rec.exit.ts = ts;
	rec.exit.group_exit = 1;
	rec.exit.group_exit_code = status;
	rec.exit.leader_exit_code = 0;
	rec.exit.have_mm = 1;
	rec.exit.anon_pages = 10;
	return rec;
}

/* bash's `kill -l N`: its name of signal N, without "SIG". */
static void shell_signal_name(int sig, char *buf, size_t len)
{
	char cmd[64];
	FILE *p;

	buf[0] = '\0';
	snprintf(cmd, sizeof(cmd), "bash -c 'kill -l %d'", sig);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(buf, len, p))
		buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

int main(void)
{
	struct rlimit no_core = { 0, 0 };
	struct exitwatch_records rec;
	struct target_end e;
	int st3, stterm, stkill;
	char name[32];

	setrlimit(RLIMIT_CORE, &no_core);
	st3 = status_of(exit_3);
	stterm = status_of(die_term);
	stkill = status_of(die_kill);

	/* Launch mode: the wait status alone. */
	target_end_decide(&e, true, st3, 100, NULL, 1000, PAGE);
	CHECK(e.how == TARGET_EXITED && e.exit_code == 3 && e.ts == 100 &&
	      !strcmp(e.source, "wait status"), "wait status: exit 3",
	      "how %d code %d", e.how, e.exit_code);
	target_end_decide(&e, true, stterm, 100, NULL, 1000, PAGE);
	CHECK(e.how == TARGET_SIGNALED && e.signal == SIGTERM && !e.core_dumped,
	      "wait status: SIGTERM", "how %d signal %d", e.how, e.signal);

	/* -p: the exit record alone, group exit (exit_group, fatal signal). */
	rec = exited_record(st3, 500);
	CHECK(exitwatch_wait_status(&rec.exit) == st3, "record: the parent's wait status",
	      "%d", exitwatch_wait_status(&rec.exit));
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_EXITED && e.exit_code == 3 && e.ts == 500 &&
	      !strcmp(e.source, "sched_process_exit") && e.have_exit_memory &&
	      e.exit_anon_rss == 10 * PAGE, "record: exit 3, memory at exit in bytes",
	      "how %d code %d ts %llu", e.how, e.exit_code, (unsigned long long)e.ts);
	/* Not a group exit: the leader's own exit code counts. */
	rec.exit.group_exit = 0;
	rec.exit.group_exit_code = 0;
	rec.exit.leader_exit_code = st3;
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_EXITED && e.exit_code == 3, "record: leader's exit code",
	      "how %d code %d", e.how, e.exit_code);

	/* After the stop: still running for this trace. */
	rec = exited_record(st3, 2000);
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_RUNNING && !e.ts, "record after the stop: running", "how %d", e.how);
	target_end_decide(&e, false, 0, 0, NULL, 1000, PAGE);
	CHECK(e.how == TARGET_RUNNING, "nothing seen: running", "how %d", e.how);

	/* The OOM killer's choice and a SIGKILL: oom_killed; its figures in
	 * bytes. Another signal after the choice stays that signal. */
	rec = exited_record(stkill, 600);
	rec.oom.state = RECORD_DONE;
	rec.oom.ts = 590;
	rec.oom.anon_pages = 16384;
	rec.oom.pgtables_bytes = 233472;
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_OOM_KILLED && e.signal == SIGKILL && e.have_oom &&
	      e.oom_anon_rss == 16384ULL * PAGE && e.oom_pgtables == 233472 && e.oom_ts == 590,
	      "OOM choice + SIGKILL: oom_killed", "how %d signal %d", e.how, e.signal);
	target_end_decide(&e, true, stkill, 700, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_OOM_KILLED && !strcmp(e.source, "wait status") && e.ts == 600,
	      "OOM, launch mode: wait status, the kernel's time", "how %d ts %llu", e.how,
	      (unsigned long long)e.ts);
	rec.exit.group_exit_code = stterm;
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_SIGNALED && e.signal == SIGTERM && e.have_oom,
	      "OOM choice + SIGTERM: signaled", "how %d signal %d", e.how, e.signal);

	/* An exec before the new program's exit is the end; after, not. */
	rec = exited_record(st3, 800);
	rec.exec.state = RECORD_DONE;
	rec.exec.ts = 700;
	snprintf(rec.exec.filename, sizeof(rec.exec.filename), "/bin/true");
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_EXECED && e.ts == 700 && !strcmp(e.exec_filename, "/bin/true"),
	      "exec then exit: exec", "how %d", e.how);
	rec.exec.ts = 900;
	target_end_decide(&e, false, 0, 0, &rec, 1000, PAGE);
	CHECK(e.how == TARGET_EXITED, "exit before a later exec record: exited", "how %d", e.how);

	CHECK(!strcmp(target_end_name(TARGET_OOM_KILLED), "oom_killed") &&
	      !strcmp(target_end_name(TARGET_RUNNING), "running"), "end names", "%s",
	      target_end_name(TARGET_OOM_KILLED));
	for (int sig = 1; sig < 32; sig++) {
		char want[40];

		shell_signal_name(sig, name, sizeof(name));
		snprintf(want, sizeof(want), "SIG%s", name);
		/* SIGPOLL is SIGIO on Linux: glibc says POLL, bash IO. */
		if (strcmp(target_signal_name(sig), want) &&
		    !(!strcmp(want, "SIGIO") && !strcmp(target_signal_name(sig), "SIGPOLL"))) {
			CHECK(0, "signal names as `kill -l`", "%d: %s, shell %s", sig,
			      target_signal_name(sig), want);
			return CHECK_DONE();
		}
	}
	CHECK(1, "signal names 1-31 as `kill -l`", "%s", "");
	return CHECK_DONE();
}

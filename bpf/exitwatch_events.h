/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records shared by exitwatch.bpf.c and user space (probes/exitwatch.c): how
 * the target process ended. Each is written once, by the first tracepoint
 * hit that fills it, into the BPF object's .bss, which user space reads
 * through its mmap: state goes RECORD_WRITING -> RECORD_DONE last, so a
 * reader never sees half a record. Fixed-width types, explicit padding,
 * sizes asserted.
 */
#ifndef GOMEMTRACE_EXITWATCH_EVENTS_H
#define GOMEMTRACE_EXITWATCH_EVENTS_H

enum record_state {
	RECORD_EMPTY = 0,
	RECORD_WRITING = 1,
	RECORD_DONE = 2,
};

/* include/linux/sched/signal.h: signal_struct.flags, the whole group exits
 * (exit_group, a fatal signal or a core dump); unchanged since Linux 2.6. */
#define EXITWATCH_SIGNAL_GROUP_EXIT 0x00000004

/*
 * sched:sched_process_exit of the target's last thread (signal->live reached
 * 0: the process is dead once this thread is gone). The wait status a parent
 * gets is group_exit_code when the group exited as one (group_exit), else the
 * group leader's exit_code (kernel/exit.c, wait_task_zombie); both are in
 * wait status form: (code & 0xff) << 8 for an exit, the signal number (| 0x80
 * with a core dump) for a death by signal.
 */
struct exit_record {
	__u64 state;		/* enum record_state (64 bits: BPF's atomics) */
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 tid;		/* the thread that was last */
	__s32 exit_code;	/* that thread's task->exit_code */
	__s32 group_exit_code;	/* signal->group_exit_code */
	__u32 group_exit;	/* signal->flags has SIGNAL_GROUP_EXIT */
	__u32 leader_seen;	/* leader_exit_code is the leader's own */
	__s32 leader_exit_code;	/* group_leader->exit_code */
	__u32 have_mm;		/* the mm was still attached (Linux 6.16+
				 * moved the tracepoint before exit_mm) */
	__u32 pad;
	/* The process's memory as it died, in pages (mm counters, as
	 * get_mm_counter reads them); valid when have_mm. */
	__u64 total_vm_pages;
	__u64 anon_pages;
	__u64 file_pages;
	__u64 shmem_pages;
};

/*
 * oom:mark_victim for a thread of the target: the OOM killer chose it. The
 * fields the tracepoint itself prints (include/trace/events/oom.h), read from
 * the same task: sizes in pages here (the tracepoint prints KiB).
 */
struct oom_record {
	__u64 state;		/* enum record_state */
	__u64 ts;
	__u64 total_vm_pages;
	__u64 anon_pages;
	__u64 file_pages;
	__u64 shmem_pages;
	__u64 pgtables_bytes;
	__u32 tid;		/* the victim thread */
	__u32 uid;		/* the victim's real uid */
	__s16 oom_score_adj;
	__u16 pad[3];
	char comm[16];		/* the victim's name (TASK_COMM_LEN) */
};

#define EXEC_FILENAME_LEN 256

/* sched:sched_process_exec of the target: it became another program (the
 * probes, placed in the old one, fire no more). */
struct exec_record {
	__u64 state;		/* enum record_state */
	__u64 ts;
	__u32 tid;
	__u32 pad;
	char filename[EXEC_FILENAME_LEN];	/* as given to execve, NUL-terminated */
};

_Static_assert(sizeof(struct exit_record) == 80, "exit_record layout");
_Static_assert(sizeof(struct oom_record) == 88, "oom_record layout");
_Static_assert(sizeof(struct exec_record) == 24 + EXEC_FILENAME_LEN, "exec_record layout");

#endif

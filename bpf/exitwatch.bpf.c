// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * How the target process ended, from three kernel tracepoints (raw
 * tracepoints: attached by name, no tracefs needed), for a target that is
 * not our child (-p) and for the OOM kill a wait status cannot tell from any
 * other SIGKILL:
 *
 *   sched:sched_process_exit   the last thread of the target (signal->live
 *                              is 0: do_exit decrements it before the
 *                              tracepoint on every kernel) and its wait status
 *   oom:mark_victim            the OOM killer chose a thread of the target
 *   sched:sched_process_exec   the target became another program
 *
 * Each writes one record (exitwatch_events.h) into .bss, once; user space
 * reads them through the mmap. These fire on exits, OOM kills and execs
 * only: nothing on the target's hot path.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "exitwatch_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Configured between open and load. */
const volatile __u32 targ_tgid = 0;
/* Execs of the target not to report: 1 for a launched child, whose exec of
 * the traced program comes after the probes are attached. */
const volatile __u32 targ_skip_execs = 0;

struct exit_record exit_rec = {};
struct oom_record oom_rec = {};
struct exec_record exec_rec = {};
/* The group leader's own exit, when it came before the last thread's. */
__s32 leader_exit_code = 0;
__u64 leader_seen = 0;
__u64 execs_seen = 0;
/* Hits that found their record already written (counted, not lost). */
__u64 extra_records = 0;

/* mm counters before Linux 6.2 (struct mm_rss_stat of atomics); 6.2+ has
 * an array of percpu_counter. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* get_mm_counter (include/linux/mm.h): the shared count, clamped at 0 (the
 * per-CPU deltas not folded in, as the kernel's own read). member is one of
 * MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES (0, 1, 3 since Linux 4.5). */
#define MM_COUNTER(mm, member) ({						\
	long __v;								\
	if (bpf_core_type_exists(struct mm_rss_stat___old))			\
		__v = BPF_CORE_READ((struct mm_struct___old *)(mm),		\
				    rss_stat.count[member].counter);		\
	else									\
		__v = BPF_CORE_READ(mm, rss_stat[member].count);		\
	__v > 0 ? (__u64)__v : 0;						\
})

static __always_inline bool claim(__u64 *state)
{
	if (__sync_val_compare_and_swap(state, RECORD_EMPTY, RECORD_WRITING) !=
	    RECORD_EMPTY) {
		__sync_fetch_and_add(&extra_records, 1);
		return false;
	}
	return true;
}

static __always_inline void publish(__u64 *state)
{
	/* The fields are written before the state says so. */
	__sync_lock_test_and_set(state, RECORD_DONE);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *task)
{
	struct mm_struct *mm;
	struct task_struct *leader;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 tid = BPF_CORE_READ(task, pid);

	if (tgid != targ_tgid)
		return 0;
	if (tid == tgid) {
		leader_exit_code = BPF_CORE_READ(task, exit_code);
		__sync_lock_test_and_set(&leader_seen, 1);
	}
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (!claim(&exit_rec.state))
		return 0;
	exit_rec.tid = tid;
	exit_rec.ts = bpf_ktime_get_ns();
	exit_rec.exit_code = BPF_CORE_READ(task, exit_code);
	exit_rec.group_exit_code = BPF_CORE_READ(task, signal, group_exit_code);
	exit_rec.group_exit = !!(BPF_CORE_READ(task, signal, flags) &
				 EXITWATCH_SIGNAL_GROUP_EXIT);
	leader = BPF_CORE_READ(task, group_leader);
	exit_rec.leader_seen = leader_seen;
	exit_rec.leader_exit_code = leader_seen ? leader_exit_code :
				    BPF_CORE_READ(leader, exit_code);
	mm = BPF_CORE_READ(task, mm);
	if (mm) {
		exit_rec.have_mm = 1;
		exit_rec.total_vm_pages = BPF_CORE_READ(mm, total_vm);
		exit_rec.anon_pages = MM_COUNTER(mm, 1);
		exit_rec.file_pages = MM_COUNTER(mm, 0);
		exit_rec.shmem_pages = MM_COUNTER(mm, 3);
	}
	publish(&exit_rec.state);
	return 0;
}

/* Linux 6.8+: mark_victim(struct task_struct *task, uid_t uid). User space
 * attaches this only when the kernel's BTF says so (older kernels pass the
 * pid alone). */
SEC("raw_tp/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *task)
{
	struct mm_struct *mm;

	if (BPF_CORE_READ(task, tgid) != targ_tgid)
		return 0;
	if (!claim(&oom_rec.state))
		return 0;
	oom_rec.tid = BPF_CORE_READ(task, pid);
	oom_rec.ts = bpf_ktime_get_ns();
	mm = BPF_CORE_READ(task, mm);
	if (mm) {
		oom_rec.total_vm_pages = BPF_CORE_READ(mm, total_vm);
		oom_rec.anon_pages = MM_COUNTER(mm, 1);
		oom_rec.file_pages = MM_COUNTER(mm, 0);
		oom_rec.shmem_pages = MM_COUNTER(mm, 3);
		if (bpf_core_field_exists(mm->pgtables_bytes))
			oom_rec.pgtables_bytes = BPF_CORE_READ(mm, pgtables_bytes.counter);
	}
	oom_rec.uid = BPF_CORE_READ(task, real_cred, uid.val);
	oom_rec.oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	BPF_CORE_READ_STR_INTO(&oom_rec.comm, task, comm);
	publish(&oom_rec.state);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	const char *filename;

	if ((bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	if (__sync_fetch_and_add(&execs_seen, 1) < targ_skip_execs)
		return 0;
	if (!claim(&exec_rec.state))
		return 0;
	exec_rec.tid = (__u32)bpf_get_current_pid_tgid();
	exec_rec.ts = bpf_ktime_get_ns();
	filename = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(exec_rec.filename, sizeof(exec_rec.filename), filename);
	publish(&exec_rec.state);
	return 0;
}

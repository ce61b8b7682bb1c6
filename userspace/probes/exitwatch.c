// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of the exitwatch probe set (bpf/exitwatch.bpf.c): three raw
 * tracepoints that record how the target process ended (its last thread's
 * exit and wait status, the OOM killer's choice of it, its exec into another
 * program), read back from the object's .bss. And the one decision of how
 * the target ended, from a wait status (launch mode: our child) and these
 * records (any mode: the only source for -p, the only one that tells an OOM
 * kill from another SIGKILL).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probes/exitwatch.h"
#include "exitwatch.skel.h"

struct exitwatch {
	struct exitwatch_bpf *skel;
	bool oom_watched;
};

/*
 * oom:mark_victim passes (struct task_struct *task, uid_t uid) since Linux
 * 6.8 (include/trace/events/oom.h), the victim's pid alone before: the BPF
 * program reads the task, so it is attached only when the kernel's BTF shows
 * the task form (its btf_trace_mark_victim typedef: void *, task, uid).
 */
static bool mark_victim_has_task(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_param *params;
	bool ok = false;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	if (id < 0)
		goto cleanup;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_ptr(t))
		goto cleanup;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2)
		goto cleanup;
	params = btf_params(t);
	t = btf__type_by_id(btf, params[1].type);
	if (!t || !btf_is_ptr(t))
		goto cleanup;
	t = btf__type_by_id(btf, btf__resolve_type(btf, t->type));
	ok = t && btf_is_struct(t) && !strcmp(btf__name_by_offset(btf, t->name_off),
					      "task_struct");
cleanup:
	btf__free(btf);
	return ok;
}

int exitwatch_start(struct exitwatch **out, pid_t pid, bool launched, char *err, size_t errlen)
{
	struct exitwatch *ew;
	int ret;

	*out = NULL;
	ew = calloc(1, sizeof(*ew));
	if (!ew) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ew->skel = exitwatch_bpf__open();
	if (!ew->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the exitwatch BPF object: %s", strerror(-ret));
		goto cleanup;
	}
	ew->skel->rodata->targ_tgid = pid;
	ew->skel->rodata->targ_skip_execs = launched ? 1 : 0;
	ew->oom_watched = mark_victim_has_task();
	if (!ew->oom_watched)
		bpf_program__set_autoload(ew->skel->progs.mark_victim, false);
	ret = exitwatch_bpf__load(ew->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the exitwatch BPF programs: %s", strerror(-ret));
		goto cleanup;
	}
	ret = exitwatch_bpf__attach(ew->skel);
	if (ret) {
		snprintf(err, errlen, "cannot attach the exit, OOM and exec tracepoints: %s",
			 strerror(-ret));
		goto cleanup;
	}
	*out = ew;
	return 0;

cleanup:
	exitwatch_close(ew);
	return ret;
}

/* A record once its writer published it; else an empty one. */
static void copy_record(void *dst, const void *src, const __u64 *state, size_t size)
{
	if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == RECORD_DONE)
		memcpy(dst, src, size);
	else
		memset(dst, 0, size);
}

void exitwatch_read(const struct exitwatch *ew, struct exitwatch_records *out)
{
	const struct exitwatch_bpf__bss *bss = ew->skel->bss;

	copy_record(&out->exit, &bss->exit_rec, &bss->exit_rec.state, sizeof(out->exit));
	copy_record(&out->oom, &bss->oom_rec, &bss->oom_rec.state, sizeof(out->oom));
	copy_record(&out->exec, &bss->exec_rec, &bss->exec_rec.state, sizeof(out->exec));
	out->exec.filename[sizeof(out->exec.filename) - 1] = '\0';
	out->oom_watched = ew->oom_watched;
	out->extra_records = bss->extra_records;
}

void exitwatch_close(struct exitwatch *ew)
{
	if (!ew)
		return;
	exitwatch_bpf__destroy(ew->skel);
	free(ew);
}

int exitwatch_wait_status(const struct exit_record *r)
{
	return r->group_exit ? r->group_exit_code : r->leader_exit_code;
}

static void set_from_status(struct target_end *e, int status)
{
	if (WIFEXITED(status)) {
		e->how = TARGET_EXITED;
		e->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		e->how = TARGET_SIGNALED;
		e->signal = WTERMSIG(status);
		e->core_dumped = WCOREDUMP(status);
	} else {
		e->how = TARGET_GONE;
	}
}

void target_end_decide(struct target_end *out, bool have_status, int status,
		       uint64_t status_ts, const struct exitwatch_records *rec,
		       uint64_t stop_ns, uint64_t page_size)
{
	bool exit_rec = rec && rec->exit.state == RECORD_DONE;
	bool exec_rec = rec && rec->exec.state == RECORD_DONE && rec->exec.ts <= stop_ns;

	memset(out, 0, sizeof(*out));
	out->how = TARGET_RUNNING;
	/* An exec ends the traced program, also when the new one exits before
	 * we look. */
	if (exec_rec && (!exit_rec || rec->exec.ts <= rec->exit.ts)) {
		out->how = TARGET_EXECED;
		out->ts = rec->exec.ts;
		out->source = "sched_process_exec";
		memcpy(out->exec_filename, rec->exec.filename, sizeof(out->exec_filename));
		out->exec_filename[sizeof(out->exec_filename) - 1] = '\0';
		return;
	}
	/* The kernel's time of the last thread's exit beats ours of the reap. */
	if (exit_rec && rec->exit.ts <= stop_ns) {
		set_from_status(out, have_status ? status : exitwatch_wait_status(&rec->exit));
		out->ts = rec->exit.ts;
		out->source = have_status ? "wait status" : "sched_process_exit";
		out->have_exit_memory = rec->exit.have_mm;
		out->exit_total_vm = rec->exit.total_vm_pages * page_size;
		out->exit_anon_rss = rec->exit.anon_pages * page_size;
		out->exit_file_rss = rec->exit.file_pages * page_size;
		out->exit_shmem_rss = rec->exit.shmem_pages * page_size;
	} else if (have_status && (!status_ts || status_ts <= stop_ns)) {
		set_from_status(out, status);
		out->ts = status_ts;
		out->source = "wait status";
	}
	if (out->how == TARGET_RUNNING || !rec || rec->oom.state != RECORD_DONE)
		return;
	out->have_oom = true;
	out->oom_tid = rec->oom.tid;
	out->oom_ts = rec->oom.ts;
	out->oom_total_vm = rec->oom.total_vm_pages * page_size;
	out->oom_anon_rss = rec->oom.anon_pages * page_size;
	out->oom_file_rss = rec->oom.file_pages * page_size;
	out->oom_shmem_rss = rec->oom.shmem_pages * page_size;
	out->oom_pgtables = rec->oom.pgtables_bytes;
	out->oom_uid = rec->oom.uid;
	out->oom_score_adj = rec->oom.oom_score_adj;
	memcpy(out->oom_comm, rec->oom.comm, sizeof(out->oom_comm));
	out->oom_comm[sizeof(out->oom_comm) - 1] = '\0';
	/* The OOM killer's kill is a SIGKILL (mm/oom_kill.c,
	 * __oom_kill_process); another death after its choice stays what it was. */
	if (out->how == TARGET_SIGNALED && out->signal == SIGKILL)
		out->how = TARGET_OOM_KILLED;
}

const char *target_end_name(enum target_end_how how)
{
	switch (how) {
	case TARGET_RUNNING:
		return "running";
	case TARGET_EXITED:
		return "exited";
	case TARGET_SIGNALED:
		return "signaled";
	case TARGET_OOM_KILLED:
		return "oom_killed";
	case TARGET_EXECED:
		return "exec";
	case TARGET_GONE:
		break;
	}
	return "gone";
}

const char *target_signal_name(int sig)
{
	static char buf[32];
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

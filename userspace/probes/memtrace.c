// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of the memtrace probe set: open the skeleton, configure it from the
 * Go version's runtime layout (rodata), load, attach the probe points by file
 * offset with each point's cookie, and hand the ring buffer to the caller's
 * event function. Allocations are counted in BPF maps (see struct alloc_key)
 * and read once the probes are detached. Detach before draining, so the
 * drained buffer and maps hold everything that will ever arrive.
 *
 * Links: one uprobe_multi link per BPF program (Linux 6.6+), else one perf
 * event link per probe point. Recording is off (.bss tracing_stopped) while
 * the probes are attached and from the stop on, so a trace covers exactly
 * [begin, end] whatever attaching and detaching cost.
 *
 * Attaching and detaching run in a helper process (see run_unkillable): a
 * uprobe's write into the target aborts when the task doing it has a fatal
 * signal pending, and the kernel then leaves the breakpoint in the target
 * ("failed to unregister, leaking uprobe").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probes/memtrace.h"
#include "memtrace.skel.h"

/*
 * uprobe_multi links (Linux 6.6) are missing from the uapi headers this
 * builds with (Debian 12's linux-libc-dev 6.1); values and layout from the
 * 6.6 uapi <linux/bpf.h>. Own names, so newer headers do not clash.
 */
#define MT_TRACE_UPROBE_MULTI 48	/* enum bpf_attach_type */

struct mt_link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;		/* unsigned long[cnt] */
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;		/* __u64[cnt] */
	__u32 cnt;
	__u32 multi_flags;		/* BPF_F_UPROBE_MULTI_RETURN: not used */
	__u32 pid;
};

#define NROLES PROBE_ROLE_MAX

struct attach_job;

struct memtrace {
	struct memtrace_bpf *skel;
	int link_fds[MAX_PROBES];
	enum probe_role link_roles[MAX_PROBES];
	int nlinks;
	struct attach_job *job;		/* kept to attach paused roles again */
	unsigned int paused;		/* roles (1 << role) detached by memtrace_pause */
	bool stopped;			/* memtrace_stop ran: nothing attaches again */
	int nprobes;
	bool multi;
	uint64_t detach_ns;
	struct ring_buffer *rb;
	struct bpf_link *exec_link;	/* the target's exec (sched_process_exec) */
};

/* What the helper process is asked to do: only system calls on data
 * prepared beforehand, results written back into this shared memory. */
struct attach_job {
	struct memtrace *mt;
	const struct probe_plan *plan;
	const struct memtrace_opts *opts;
	int perf_type;			/* uprobe PMU, for perf links */
	unsigned long offsets[NROLES][MAX_PROBES];
	__u64 cookies[NROLES][MAX_PROBES];
	int count[NROLES];
	int failed_point;		/* plan index, or -1 */
	int err;			/* negative errno */
	unsigned int roles;		/* attach these roles (1 << role) */
	unsigned int close_roles;	/* close_role_links: these roles' links */
};

static struct bpf_program *program_for(struct memtrace_bpf *skel, enum probe_role role)
{
	switch (role) {
	case PROBE_ALLOC:
		return skel->progs.alloc;
	case PROBE_GC_START:
		return skel->progs.gc_start;
	case PROBE_GC_END:
		return skel->progs.gc_end;
	case PROBE_MORESTACK:
		return skel->progs.morestack;
	case PROBE_COPYSTACK:
		return skel->progs.copystack;
	case PROBE_REFILL:
		return skel->progs.alloc_refill;
	case PROBE_LARGE:
		return skel->progs.alloc_large;
	case PROBE_IMAGE_OPEN:
		return skel->progs.image_open;
	case PROBE_ROLE_MAX:
		break;
	}
	return NULL;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Runs fn(arg) in a helper process that shares our memory and file table
 * (clone CLONE_VM | CLONE_FILES) but is not part of our thread group, has
 * every signal blocked and a process group of its own. Registering or
 * unregistering a uprobe writes into the target through get_user_pages,
 * which gives up when the calling task has a fatal signal pending: a SIGKILL
 * arriving mid-detach leaves an int3 in the target for good, and one
 * mid-attach of a uprobe_multi link too (its error path unregisters the
 * points already written). A SIGKILL aimed at the tracer does not reach the
 * helper: the helper finishes, and if the tracer is gone by then, its exit
 * closes the last references to the links (a plain exit, nothing pending),
 * which detaches them cleanly. Catchable signals stay blocked in the tracer
 * meanwhile; they are handled when fn is done.
 */
struct helper_call {
	int (*fn)(void *);
	void *arg;
	int ret;
};

static int helper_main(void *p)
{
	struct helper_call *call = p;

	setpgid(0, 0);
	call->ret = call->fn(call->arg);
	return 0;
}

static int run_unkillable(int (*fn)(void *), void *arg)
{
	const size_t stack_size = 256 << 10;
	struct helper_call call = { .fn = fn, .arg = arg, .ret = -ECHILD };
	sigset_t all, old;
	int status, ret;
	char *stack;
	pid_t pid;

	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(helper_main, stack + stack_size, CLONE_VM | CLONE_FILES | SIGCHLD, &call);
	if (pid < 0) {
		/* No helper (a sandbox that forbids clone): do it here, with
		 * catchable signals blocked at least. */
		ret = fn(arg);
		goto cleanup;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto cleanup;
		}
	}
	/* Killed by someone who aimed at it: what it did is unknown. */
	ret = WIFEXITED(status) ? call.ret : -ECHILD;

cleanup:
	sigprocmask(SIG_SETMASK, &old, NULL);
	munmap(stack, stack_size);
	return ret;
}

static int close_links(void *arg)
{
	struct memtrace *mt = arg;

	for (int i = 0; i < mt->nlinks; i++)
		close(mt->link_fds[i]);
	return 0;
}

/* In the helper: closes the links of job->close_roles, keeping the rest. */
static int close_role_links(void *arg)
{
	static const enum probe_role hottest[] = { PROBE_REFILL, PROBE_LARGE };
	struct attach_job *job = arg;
	struct memtrace *mt = job->mt;
	int kept = 0;

	/* Each detach waits for the kernel: the most frequent probes first. */
	for (size_t h = 0; h < sizeof(hottest) / sizeof(hottest[0]); h++)
		for (int i = 0; i < mt->nlinks; i++)
			if (mt->link_roles[i] == hottest[h] &&
			    (job->close_roles & (1u << hottest[h]))) {
				close(mt->link_fds[i]);
				mt->link_fds[i] = -1;
			}
	for (int i = 0; i < mt->nlinks; i++) {
		if (job->close_roles & (1u << mt->link_roles[i])) {
			if (mt->link_fds[i] >= 0)
				close(mt->link_fds[i]);
			continue;
		}
		mt->link_fds[kept] = mt->link_fds[i];
		mt->link_roles[kept++] = mt->link_roles[i];
	}
	mt->nlinks = kept;
	return 0;
}

/* In the helper: one uprobe_multi link per program with points. */
static int attach_multi(void *arg)
{
	struct attach_job *job = arg;
	struct memtrace *mt = job->mt;

	for (int role = 0; role < NROLES; role++) {
		union {
			union bpf_attr attr;
			struct mt_link_create_uprobe_multi um;
		} a;
		int fd;

		if (!job->count[role] || !(job->roles & (1u << role)))
			continue;
		memset(&a, 0, sizeof(a));
		a.um.prog_fd = bpf_program__fd(program_for(mt->skel, role));
		a.um.attach_type = MT_TRACE_UPROBE_MULTI;
		a.um.path = (__u64)(unsigned long)job->opts->binary;
		a.um.offsets = (__u64)(unsigned long)job->offsets[role];
		a.um.cookies = (__u64)(unsigned long)job->cookies[role];
		a.um.cnt = job->count[role];
		a.um.pid = job->opts->pid;
		fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
		if (fd < 0)
			return -errno;
		mt->link_roles[mt->nlinks] = role;
		mt->link_fds[mt->nlinks++] = fd;
	}
	return 0;
}

/* In the helper: a uprobe perf event per point, each with a BPF link (which
 * holds the event: its own fd is closed at once). */
static int attach_perf(void *arg)
{
	struct attach_job *job = arg;
	struct memtrace *mt = job->mt;

	for (int i = 0; i < job->plan->n; i++) {
		const struct probe_point *p = &job->plan->points[i];
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = job->perf_type,
			.config1 = (__u64)(unsigned long)job->opts->binary,
			.config2 = p->file_offset,
		};
		LIBBPF_OPTS(bpf_link_create_opts, lopts, .perf_event.bpf_cookie = probe_point_cookie(p));
		int pfd, fd;

		if (!(job->roles & (1u << p->role)))
			continue;
		pfd = syscall(__NR_perf_event_open, &attr, job->opts->pid, -1, -1,
			      PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0) {
			job->failed_point = i;
			return -errno;
		}
		fd = bpf_link_create(bpf_program__fd(program_for(mt->skel, p->role)), pfd,
				     BPF_PERF_EVENT, &lopts);
		close(pfd);
		if (fd < 0) {
			job->failed_point = i;
			return fd;
		}
		mt->link_roles[mt->nlinks] = p->role;
		mt->link_fds[mt->nlinks++] = fd;
	}
	return 0;
}

static int read_uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int type = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

static void configure(struct memtrace_bpf *skel, const struct probe_plan *plan,
		      const struct go_layout *layout, const struct memtrace_opts *opts)
{
	skel->rodata->targ_tgid = opts->pid;
	skel->rodata->targ_skip_execs = opts->skip_execs;
	skel->rodata->stop_at_exec = opts->stop_at_exec;
	skel->rodata->go_type_ptrdata_off = layout->type_ptrdata;
	skel->rodata->go_g_stack_lo_off = layout->g_stack_lo;
	skel->rodata->go_g_stack_hi_off = layout->g_stack_hi;
	skel->rodata->go_g_goid_off = layout->g_goid;
	skel->rodata->go_work_cycles_addr = plan->work_cycles_addr;
	skel->rodata->go_work_cycles_size = layout->work_cycles_size;
	skel->rodata->go_memstats_numgc_addr = plan->memstats_numgc_addr;
	skel->rodata->data_bias_fixed = opts->data_bias_fixed;
	skel->rodata->data_bias = opts->data_bias;
	skel->rodata->image_lo = plan->image_lo;
	skel->rodata->image_hi = plan->image_hi;
	skel->rodata->dispatcher_lo = plan->dispatcher_lo;
	skel->rodata->dispatcher_hi = plan->dispatcher_hi;
	if (opts->large_alloc_bytes)
		skel->rodata->large_alloc_bytes = opts->large_alloc_bytes;
	skel->rodata->arena_chunk_bytes = opts->arena_chunk_bytes;
	skel->rodata->cgo_callback_lo = plan->cgo.callback_lo;
	skel->rodata->cgo_callback_hi = plan->cgo.callback_hi;
	skel->rodata->cgo_callback_frame = plan->cgo.callback_frame;
	skel->rodata->cgo_switch_lo = plan->cgo.switch_lo;
	skel->rodata->cgo_switch_hi = plan->cgo.switch_hi;
	skel->rodata->cgo_call_lo = plan->cgo.call_lo;
	skel->rodata->cgo_call_hi = plan->cgo.call_hi;
	skel->rodata->cgo_call_frame = plan->cgo.call_frame;
	skel->rodata->cgo_switch_frame = plan->cgo.switch_frame;
	if (plan->alloc == PLAN_ALLOC_SAMPLED) {
		skel->rodata->go_mcache_alloc_off = layout->mcache_alloc;
		skel->rodata->go_num_span_classes = layout->mcache_alloc_size / 8;
		skel->rodata->go_mspan_alloc_count_off = layout->mspan_alloc_count;
		skel->rodata->go_mspan_alloc_count_before_cache_off =
			layout->mspan_alloc_count_before_cache;
	}
	skel->bss->tracing_stopped = 1;
}

static int open_and_load(struct memtrace *mt, const struct probe_plan *plan,
			 const struct go_layout *layout, const struct memtrace_opts *opts,
			 bool multi, char *err, size_t errlen)
{
	int ret;

	mt->skel = memtrace_bpf__open();
	if (!mt->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open BPF object: %s", strerror(-ret));
		return ret;
	}
	configure(mt->skel, plan, layout, opts);
	ret = bpf_map__set_max_entries(mt->skel->maps.stacks, opts->max_stacks ?:
				       MEMTRACE_DEFAULT_MAX_STACKS);
	if (!ret)
		ret = bpf_map__set_max_entries(mt->skel->maps.alloc_counts,
					       opts->max_alloc_keys ?:
					       MEMTRACE_DEFAULT_MAX_ALLOC_KEYS);
	if (!ret && opts->events_fd > 0)
		ret = bpf_map__reuse_fd(mt->skel->maps.events, opts->events_fd);
	if (ret) {
		snprintf(err, errlen, "cannot size BPF maps: %s", strerror(-ret));
		return ret;
	}
	for (int role = 0; multi && role < NROLES; role++)
		bpf_program__set_expected_attach_type(program_for(mt->skel, role),
						      MT_TRACE_UPROBE_MULTI);
	ret = memtrace_bpf__load(mt->skel);
	if (ret)
		snprintf(err, errlen, "cannot load BPF programs: %s (need root and a "
			 "kernel with BTF; -v shows the verifier log)", strerror(-ret));
	return ret;
}

/* Errors that say "this kernel has no uprobe_multi links". */
static bool multi_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */ ||
	       err == -ENOSYS || err == -E2BIG;
}

int memtrace_start(struct memtrace **out, const struct probe_plan *plan,
		   const struct go_layout *layout, const struct memtrace_opts *opts,
		   memtrace_event_fn fn, void *ctx, char *err, size_t errlen)
{
	const char *no_multi = getenv("GOMEMTRACE_NO_UPROBE_MULTI");
	struct attach_job *job = NULL;
	struct memtrace *mt;
	int ret;

	mt = calloc(1, sizeof(*mt));
	job = calloc(1, sizeof(*job));
	if (!mt || !job) {
		free(job);
		free(mt);
		return -ENOMEM;
	}
	for (int i = 0; i < plan->n; i++) {
		if ((plan->points[i].role == PROBE_ALLOC || plan->points[i].role == PROBE_LARGE) &&
		    plan->points[i].alloc_kind == ALLOC_PROBE_ARENA_CHUNK && !opts->arena_chunk_bytes) {
			/* its hits would be dropped as allocations of 0 bytes */
			snprintf(err, errlen, "%s is probed without the size of an arena chunk",
				 plan->points[i].function);
			free(job);
			free(mt);
			return -EINVAL;
		}
	}
	mt->nprobes = plan->n;
	job->mt = mt;
	job->plan = plan;
	job->opts = opts;
	job->failed_point = -1;
	job->roles = ~0u;
	for (int i = 0; i < plan->n; i++) {
		const struct probe_point *p = &plan->points[i];
		int k = job->count[p->role]++;

		job->offsets[p->role][k] = p->file_offset;
		job->cookies[p->role][k] = probe_point_cookie(p);
	}

	mt->multi = !(no_multi && *no_multi && strcmp(no_multi, "0"));
	if (mt->multi) {
		ret = open_and_load(mt, plan, layout, opts, true, err, errlen);
		if (!ret) {
			ret = run_unkillable(attach_multi, job);
			if (ret && !multi_unsupported(ret)) {
				snprintf(err, errlen, "cannot attach uprobe_multi links to %s: %s",
					 opts->binary, strerror(-ret));
				goto cleanup;
			}
		} else if (!multi_unsupported(ret)) {
			goto cleanup;
		}
		if (ret) {
			/* No uprobe_multi here: programs typed for it cannot take
			 * perf links, so load them again. */
			run_unkillable(close_links, mt);
			mt->nlinks = 0;
			memtrace_bpf__destroy(mt->skel);
			mt->skel = NULL;
			mt->multi = false;
		}
	}
	if (!mt->multi) {
		job->perf_type = read_uprobe_pmu_type();
		if (job->perf_type < 0) {
			ret = job->perf_type;
			snprintf(err, errlen, "no uprobe perf events in this kernel: %s",
				 strerror(-ret));
			goto cleanup;
		}
		ret = open_and_load(mt, plan, layout, opts, false, err, errlen);
		if (ret)
			goto cleanup;
		ret = run_unkillable(attach_perf, job);
		if (ret) {
			const struct probe_point *p = job->failed_point >= 0 ?
				&plan->points[job->failed_point] : NULL;

			snprintf(err, errlen, "cannot attach uprobe to %s at 0x%llx: %s",
				 p ? p->function : "?",
				 p ? (unsigned long long)p->file_offset : 0ULL, strerror(-ret));
			goto cleanup;
		}
	}
	/* Before recording starts: no exec of the target is missed. */
	mt->exec_link = bpf_program__attach(mt->skel->progs.target_exec);
	if (!mt->exec_link) {
		ret = -errno;
		snprintf(err, errlen, "cannot attach to sched_process_exec: %s", strerror(-ret));
		goto cleanup;
	}
	/* A plugin's set writes into its host's ring buffer, consumed there. */
	mt->rb = opts->events_fd > 0 ? NULL :
		 ring_buffer__new(bpf_map__fd(mt->skel->maps.events), fn, ctx, NULL);
	if (opts->events_fd <= 0 && !mt->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot open ring buffer: %s", strerror(-ret));
		goto cleanup;
	}
	mt->job = job;
	*out = mt;
	return 0;

cleanup:
	free(job);
	memtrace_close(mt);
	return ret;
}

int memtrace_pause(struct memtrace *mt, unsigned int roles)
{
	int ret;

	roles &= ~mt->paused;
	if (!roles || mt->stopped)
		return 0;
	__atomic_or_fetch(&mt->skel->bss->sampling_paused, roles, __ATOMIC_SEQ_CST);
	mt->job->close_roles = roles;
	ret = run_unkillable(close_role_links, mt->job);
	mt->paused |= roles;
	return ret;
}

int memtrace_resume(struct memtrace *mt, unsigned int roles)
{
	int ret;

	roles &= mt->paused;
	if (!roles || mt->stopped)
		return 0;
	mt->job->roles = roles;
	mt->job->failed_point = -1;
	ret = run_unkillable(mt->multi ? attach_multi : attach_perf, mt->job);
	if (!ret)
		mt->paused &= ~roles;
	__atomic_store_n(&mt->skel->bss->sampling_paused, mt->paused, __ATOMIC_SEQ_CST);
	return ret;
}

int memtrace_attached(const struct memtrace *mt)
{
	return mt->nlinks ? mt->nprobes : 0;
}

int memtrace_links(const struct memtrace *mt, const char **kind)
{
	if (kind)
		*kind = mt->multi ? "uprobe_multi" : "perf_event";
	return mt->nlinks;
}

uint64_t memtrace_begin(struct memtrace *mt)
{
	uint64_t now = monotonic_ns();

	__atomic_store_n(&mt->skel->bss->tracing_stopped, 0, __ATOMIC_SEQ_CST);
	return now;
}

uint64_t memtrace_end(struct memtrace *mt)
{
	__atomic_store_n(&mt->skel->bss->tracing_stopped, 1, __ATOMIC_SEQ_CST);
	return monotonic_ns();
}

int memtrace_poll(struct memtrace *mt, int timeout_ms)
{
	return mt->rb ? ring_buffer__poll(mt->rb, timeout_ms) : 0;
}

int memtrace_consume(struct memtrace *mt)
{
	return mt->rb ? ring_buffer__consume(mt->rb) : 0;
}

int memtrace_events_fd(const struct memtrace *mt)
{
	return bpf_map__fd(mt->skel->maps.events);
}

static int detach(struct memtrace *mt)
{
	uint64_t t0 = monotonic_ns();
	int ret;

	if (!mt->nlinks)
		return 0;
	ret = run_unkillable(close_links, mt);
	mt->nlinks = 0;
	mt->detach_ns = monotonic_ns() - t0;
	return ret;
}

int memtrace_stop(struct memtrace *mt)
{
	int ret;

	mt->skel->bss->tracing_stopped = 1;
	mt->stopped = true;
	ret = detach(mt);
	if (ret)
		return ret;
	return mt->rb ? ring_buffer__consume(mt->rb) : 0;
}

int memtrace_alloc_counts(const struct memtrace *mt, memtrace_alloc_count_fn fn, void *ctx)
{
	int counts_fd = bpf_map__fd(mt->skel->maps.alloc_counts);
	int stacks_fd = bpf_map__fd(mt->skel->maps.stacks);
	int cache_fd = bpf_map__fd(mt->skel->maps.alloc_cache);
	int ncpus = libbpf_num_possible_cpus();
	struct alloc_cache_slot *slots = NULL;
	struct user_stack *stack;
	struct alloc_key key, next;
	void *prev = NULL;
	int ret = 0;

	if (ncpus < 0)
		return ncpus;
	stack = malloc(sizeof(*stack));
	slots = calloc(ncpus, sizeof(*slots));
	if (!stack || !slots) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* The probes are detached: no key is added or removed meanwhile. */
	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		uint64_t objects;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &objects))
			continue;
		ret = fn(ctx, &key,
			 bpf_map_lookup_elem(stacks_fd, &key.stack_id, stack) ? NULL : stack,
			 objects);
		if (ret)
			goto cleanup;
	}
	if (errno != ENOENT) {
		ret = -errno;
		goto cleanup;
	}
	/* And what each CPU's cache still holds. */
	for (__u32 i = 0; i < ALLOC_CACHE_SLOTS; i++) {
		if (bpf_map_lookup_elem(cache_fd, &i, slots)) {
			ret = -errno;
			goto cleanup;
		}
		for (int c = 0; c < ncpus; c++) {
			if (!slots[c].objects)
				continue;
			ret = fn(ctx, &slots[c].key,
				 bpf_map_lookup_elem(stacks_fd, &slots[c].key.stack_id, stack) ?
				 NULL : stack, slots[c].objects);
			if (ret)
				goto cleanup;
		}
	}
cleanup:
	free(slots);
	free(stack);
	return ret;
}

int memtrace_counters(const struct memtrace *mt, uint64_t out[COUNTER_MAX])
{
	int fd = bpf_map__fd(mt->skel->maps.counters);
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *percpu;

	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < COUNTER_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu))
			continue;
		for (int c = 0; c < ncpus; c++)
			out[i] += percpu[c];
	}
	free(percpu);
	return 0;
}

uint64_t memtrace_detach_ns(const struct memtrace *mt)
{
	return mt->detach_ns;
}

uint64_t memtrace_lost_events(const struct memtrace *mt)
{
	return mt->skel->bss->lost_events;
}

uint64_t memtrace_lost_stacks(const struct memtrace *mt)
{
	return mt->skel->bss->lost_stacks;
}

bool memtrace_exec(const struct memtrace *mt, uint64_t *ts, uint32_t *tid,
		   char *filename, size_t len)
{
	const char *name = mt->skel->bss->exec_filename;
	size_t max = sizeof(mt->skel->bss->exec_filename);
	uint64_t when = __atomic_load_n(&mt->skel->bss->exec_ts, __ATOMIC_ACQUIRE);

	if (!when)
		return false;
	*ts = when;
	*tid = mt->skel->bss->exec_old_tid;
	if (filename && len)
		snprintf(filename, len, "%.*s", (int)strnlen(name, max), name);
	return true;
}

void memtrace_image_open_counters(const struct memtrace *mt, const volatile uint64_t **opens,
				  const volatile uint64_t **lost)
{
	*opens = (const volatile uint64_t *)&mt->skel->bss->image_opens;
	*lost = (const volatile uint64_t *)&mt->skel->bss->image_opens_lost;
}

const volatile uint64_t *memtrace_exec_stops(const struct memtrace *mt)
{
	return (const volatile uint64_t *)&mt->skel->bss->exec_stops;
}

bool memtrace_load_bias(const struct memtrace *mt, uint64_t *bias)
{
	if (!mt->skel->bss->load_bias_known)
		return false;
	*bias = mt->skel->bss->load_bias;
	return true;
}

int memtrace_prog_stats(const struct memtrace *mt, enum probe_role role,
			uint64_t *run_cnt, uint64_t *run_time_ns)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int ret;

	ret = bpf_obj_get_info_by_fd(bpf_program__fd(program_for(mt->skel, role)), &info, &len);
	if (ret)
		return ret;
	*run_cnt = info.run_cnt;
	*run_time_ns = info.run_time_ns;
	return 0;
}

void memtrace_close(struct memtrace *mt)
{
	if (!mt)
		return;
	ring_buffer__free(mt->rb);
	detach(mt);
	bpf_link__destroy(mt->exec_link);
	memtrace_bpf__destroy(mt->skel);
	free(mt->job);
	free(mt);
}

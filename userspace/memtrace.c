// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader of the memtrace probe set: open the skeleton, configure it from the
 * Go version's runtime layout (rodata), load, attach one
 * uprobe per probe point by file offset with the point's cookie, and hand the
 * ring buffer to the caller's event function. Allocations are counted in BPF
 * maps (see struct alloc_key) and read once the probes are detached. Detach
 * before draining, so the drained buffer and maps hold everything that will
 * ever arrive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memtrace.h"
#include "memtrace.skel.h"

struct memtrace {
	struct memtrace_bpf *skel;
	struct bpf_link *links[MAX_PROBES];
	int nlinks;
	struct ring_buffer *rb;
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
	case PROBE_ROLE_MAX:
		break;
	}
	return NULL;
}

static void configure(struct memtrace_bpf *skel, const struct probe_plan *plan,
		      const struct go_layout *layout, const struct memtrace_opts *opts)
{
	skel->rodata->targ_tgid = opts->pid;
	skel->rodata->go_type_ptrdata_off = layout->type_ptrdata;
	skel->rodata->go_g_stack_lo_off = layout->g_stack_lo;
	skel->rodata->go_g_stack_hi_off = layout->g_stack_hi;
	skel->rodata->go_g_goid_off = layout->g_goid;
	skel->rodata->go_work_cycles_addr = plan->work_cycles_addr;
	skel->rodata->go_work_cycles_size = layout->work_cycles_size;
	skel->rodata->go_memstats_numgc_addr = plan->memstats_numgc_addr;
	skel->rodata->image_lo = plan->image_lo;
	skel->rodata->image_hi = plan->image_hi;
}

int memtrace_start(struct memtrace **out, const struct probe_plan *plan,
		   const struct go_layout *layout, const struct memtrace_opts *opts,
		   memtrace_event_fn fn, void *ctx, char *err, size_t errlen)
{
	struct memtrace *mt;
	int ret;

	mt = calloc(1, sizeof(*mt));
	if (!mt)
		return -ENOMEM;
	mt->skel = memtrace_bpf__open();
	if (!mt->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open BPF object: %s", strerror(-ret));
		goto cleanup;
	}
	configure(mt->skel, plan, layout, opts);
	ret = bpf_map__set_max_entries(mt->skel->maps.stacks, opts->max_stacks ?:
				       MEMTRACE_DEFAULT_MAX_STACKS);
	if (!ret)
		ret = bpf_map__set_max_entries(mt->skel->maps.alloc_counts,
					       opts->max_alloc_keys ?:
					       MEMTRACE_DEFAULT_MAX_ALLOC_KEYS);
	if (ret) {
		snprintf(err, errlen, "cannot size BPF maps: %s", strerror(-ret));
		goto cleanup;
	}
	ret = memtrace_bpf__load(mt->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load BPF programs: %s (need root and a "
			 "kernel with BTF; -v shows the verifier log)", strerror(-ret));
		goto cleanup;
	}
	for (int i = 0; i < plan->n; i++) {
		const struct probe_point *p = &plan->points[i];
		LIBBPF_OPTS(bpf_uprobe_opts, uopts,
			    .bpf_cookie = probe_point_cookie(p));

		mt->links[i] = bpf_program__attach_uprobe_opts(program_for(mt->skel, p->role),
							       opts->pid, opts->binary,
							       p->file_offset, &uopts);
		if (!mt->links[i]) {
			ret = -errno;
			snprintf(err, errlen, "cannot attach uprobe to %s at 0x%llx: %s",
				 p->function, (unsigned long long)p->file_offset,
				 strerror(-ret));
			goto cleanup;
		}
		mt->nlinks++;
	}
	mt->rb = ring_buffer__new(bpf_map__fd(mt->skel->maps.events), fn, ctx, NULL);
	if (!mt->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot open ring buffer: %s", strerror(-ret));
		goto cleanup;
	}
	*out = mt;
	return 0;

cleanup:
	memtrace_close(mt);
	return ret;
}

int memtrace_attached(const struct memtrace *mt)
{
	return mt->nlinks;
}

int memtrace_poll(struct memtrace *mt, int timeout_ms)
{
	return ring_buffer__poll(mt->rb, timeout_ms);
}

static void detach(struct memtrace *mt)
{
	for (int i = 0; i < mt->nlinks; i++)
		bpf_link__destroy(mt->links[i]);
	mt->nlinks = 0;
}

int memtrace_stop(struct memtrace *mt)
{
	detach(mt);
	return ring_buffer__consume(mt->rb);
}

int memtrace_alloc_counts(const struct memtrace *mt, memtrace_alloc_count_fn fn, void *ctx)
{
	int counts_fd = bpf_map__fd(mt->skel->maps.alloc_counts);
	int stacks_fd = bpf_map__fd(mt->skel->maps.stacks);
	struct user_stack *stack;
	struct alloc_key key, next;
	void *prev = NULL;
	int ret = 0;

	stack = malloc(sizeof(*stack));
	if (!stack)
		return -ENOMEM;
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
			break;
	}
	if (!ret && errno != ENOENT)
		ret = -errno;
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

uint64_t memtrace_lost_events(const struct memtrace *mt)
{
	return mt->skel->bss->lost_events;
}

uint64_t memtrace_lost_stacks(const struct memtrace *mt)
{
	return mt->skel->bss->lost_stacks;
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
	memtrace_bpf__destroy(mt->skel);
	free(mt);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The text report on stdout: totals, top allocation sites, top types, GC
 * cycles, top stack growth sites, and what was lost. */
#include <stdio.h>
#include <string.h>

#include "outputs/report.h"

static void human_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void print_cost(const struct report_cost *c, FILE *out)
{
	const uint64_t *n = c->counters;
	int emulated = 0;

	for (int i = 0; c->plan && i < c->plan->n; i++)
		emulated += probe_placement_emulated(c->plan->points[i].placement);
	fprintf(out, "\nProbe hits: %llu allocation (%llu restarts skipped), %llu GC, "
		"%llu morestack, %llu copystack; %d of %d probes on emulated instructions; "
		"tracer CPU %.1f ms\n",
		(unsigned long long)n[COUNTER_ALLOC_HITS], (unsigned long long)n[COUNTER_RESTARTS],
		(unsigned long long)n[COUNTER_GC_HITS], (unsigned long long)n[COUNTER_MORESTACK_HITS],
		(unsigned long long)n[COUNTER_COPYSTACK_HITS], emulated, c->plan ? c->plan->n : 0,
		c->tracer_cpu_ns / 1e6);
}

/* One line of the runtime's own figures, as of the trace's stop (else the
 * last read before it, else its start). */
static void print_runtime(const struct report *r, FILE *out)
{
	const struct runtime_state *s = !r->runtime.stop_err ? &r->runtime.stop :
					 r->end.have_last ? &r->end.last :
					 !r->runtime.start_err ? &r->runtime.start : NULL;
	char live[32] = "unknown", goal[32] = "unknown", cpu[32] = "unknown";
	char at[64];

	if (!s)
		return;
	if (s == &r->end.last)
		snprintf(at, sizeof(at), "last read, +%.3f s",
			 (double)(int64_t)(r->end.last_ts - r->start_ns) / 1e9);
	else
		snprintf(at, sizeof(at), "%s", s == &r->runtime.stop ? "stop" : "start");
	if (s->have_gc_controller)
		human_bytes(live, sizeof(live), s->heap_live);
	if (s->have_heap_goal)
		human_bytes(goal, sizeof(goal), s->heap_goal);
	if (s->have_memstats)
		snprintf(cpu, sizeof(cpu), "%.2f%%", s->gc_cpu_fraction * 100);
	fprintf(out, "\nRuntime (at %s): heap live %s, goal %s, GC CPU %s\n", at, live, goal,
		cpu);
}

/*
 * One line: how the target ended, and its heap at death: the runtime's heap
 * live at the last read before (the read at the stop fails once it is
 * gone), and the resident anonymous memory the OOM killer saw or the exit
 * left. The allocations by site follow in the report.
 */
static void print_end(const struct report *r, FILE *out)
{
	const struct target_end *e = &r->end.target;
	double after = (double)(int64_t)(e->ts - r->start_ns) / 1e9;
	uint64_t last_ts;
	const struct runtime_state *last = report_last_read(r, &last_ts);
	char b[32];

	switch (e->how) {
	case TARGET_RUNNING:
		fprintf(out, "Target still running when the trace ended\n");
		return;
	case TARGET_EXITED:
		fprintf(out, "Target exited with code %d", e->exit_code);
		break;
	case TARGET_SIGNALED:
		fprintf(out, "Target killed by %s%s", target_signal_name(e->signal),
			e->core_dumped ? " (core dumped)" : "");
		break;
	case TARGET_OOM_KILLED:
		fprintf(out, "Target killed by the OOM killer (%s)", target_signal_name(e->signal));
		break;
	case TARGET_EXECED:
		fprintf(out, "Target exec'd %s", e->exec_filename);
		break;
	case TARGET_GONE:
		fprintf(out, "Target gone (how: unknown%s%s)", r->end.watch_error ? ": " : "",
			r->end.watch_error ? r->end.watch_error : "");
		break;
	}
	if (e->ts)
		fprintf(out, " after %.3f s", after);
	fputs(e->how == TARGET_EXITED || e->how == TARGET_EXECED ? "; heap at exit: " :
	      "; heap at death: ", out);
	if (last && last->have_gc_controller) {
		human_bytes(b, sizeof(b), last->heap_live);
		fprintf(out, "heap live %s at the last read (+%.3f s)", b,
			(double)(int64_t)(last_ts - r->start_ns) / 1e9);
	} else {
		fputs("heap live not read", out);
	}
	if (e->have_oom) {
		human_bytes(b, sizeof(b), e->oom_anon_rss);
		fprintf(out, ", anon RSS %s (OOM killer)", b);
	} else if (e->have_exit_memory) {
		human_bytes(b, sizeof(b), e->exit_anon_rss);
		fprintf(out, ", anon RSS %s at exit", b);
	}
	if (r->runtime.stop_err)
		fputs("; runtime state at stop not read (target gone)", out);
	fputc('\n', out);
}

void report_print_text(const struct report *r, FILE *out, int top)
{
	const struct aggregate *agg = r->agg;
	char b[32];

	fprintf(out, "gomemtrace: pid %d %s (%s%s%s), %s mode, %.3f s\n", (int)r->pid, r->exe,
		r->go_version ? r->go_version : "unknown Go", r->build_mode ? " -" : "",
		r->build_mode ? r->build_mode : "", r->mode, r->duration_ns / 1e9);
	print_end(r, out);
	for (int i = 0; i < r->nexecs; i++) {
		const struct report_exec *x = &r->execs[i];

		fprintf(out, "Exec at %.3f s (thread %u): %s -> %s: %s%s; %llu objects counted "
			"before it\n", (double)(int64_t)(x->ts - r->start_ns) / 1e9, x->tid,
			x->from, x->to ? x->to : "?", x->followed ? "followed" :
			"recording stopped at the exec: ", x->followed ? "" : x->why_not,
			(unsigned long long)x->objects_before);
	}
	human_bytes(b, sizeof(b), agg->alloc_bytes);
	fprintf(out, "\nHeap allocations: %llu objects, %s (%s)\n",
		(unsigned long long)agg->alloc_objects, b,
		r->sources.alloc_totals ? r->sources.alloc_totals : "exact probes");
	if (r->sampling.present) {
		const struct report_sampling *s = &r->sampling;

		fprintf(out, "  sites estimated from %llu samples (span refills and large "
			"allocations)%s; probes cost %.2f%% of the target's CPU",
			(unsigned long long)s->result.hits,
			s->result.scaled ? ", scaled to the runtime's counters" : "",
			s->target_cpu_ns > s->cost_ns ?
				100.0 * s->cost_ns / (s->target_cpu_ns - s->cost_ns) : 0.0);
		if (s->pauses)
			fprintf(out, "; off %u times, %.3f s in all (--overhead-budget %.2g%%)",
				s->pauses, s->paused_ns / 1e9, s->budget * 100);
		fputc('\n', out);
	} else if (r->sources.alloc_sites && strcmp(r->sources.alloc_sites, "exact probes")) {
		fprintf(out, "  sites from %s\n", r->sources.alloc_sites);
	}
	if (r->alloc_sites.len)
		fprintf(out, "  %12s %12s  %s\n", "BYTES", "OBJECTS", "SITE");
	for (size_t i = 0; i < r->alloc_sites.len && (int)i < top; i++) {
		const struct site *s = &r->alloc_sites.sites[i];

		human_bytes(b, sizeof(b), s->bytes);
		fprintf(out, "  %12s %12llu  %s %s:%u\n", b, (unsigned long long)s->count,
			s->function, s->file, s->line);
	}

	if (r->inuse) {
		human_bytes(b, sizeof(b), r->inuse_bytes);
		fprintf(out, "\nLive heap (the runtime's heap profile as of the last GC, "
			"MemProfileRate %lld%s): %llu objects, %s\n", (long long)r->mem_profile_rate,
			r->runtime_sampling.wrote ? ", set by --enable-runtime-sampling" : "",
			(unsigned long long)r->inuse_objects, b);
		if (r->inuse_sites.len)
			fprintf(out, "  %12s %12s  %s\n", "BYTES", "OBJECTS", "SITE");
		for (size_t i = 0; i < r->inuse_sites.len && (int)i < top; i++) {
			const struct site *s = &r->inuse_sites.sites[i];

			human_bytes(b, sizeof(b), s->bytes);
			fprintf(out, "  %12s %12llu  %s %s:%u\n", b, (unsigned long long)s->count,
				s->function, s->file, s->line);
		}
	}
	if (r->sampling.present || r->inuse)
		fprintf(out, "\nBy type: not seen by %s (--mode exact names them)\n",
			r->inuse ? "the runtime's heap profile" : "the default mode's samples");
	if (r->alloc_types.len)
		fprintf(out, "\nBy type:\n  %12s %12s  %s\n", "BYTES", "OBJECTS", "TYPE");
	for (size_t i = 0; i < r->alloc_types.len && (int)i < top; i++) {
		const struct type_count *t = &r->alloc_types.types[i];

		human_bytes(b, sizeof(b), t->bytes);
		fprintf(out, "  %12s %12llu  %s\n", b, (unsigned long long)t->objects, t->name);
	}

	print_runtime(r, out);
	fprintf(out, "\nGC cycles: %zu\n", agg->gc_len);
	for (size_t i = 0; i < agg->gc_len && (int)i < top; i++) {
		const struct gc_cycle *c = &agg->gc[i];

		fprintf(out, "  gc %-5u %-7s", c->cycle, gc_trigger_name(c->trigger));
		if (c->start_ns && c->end_ns)
			fprintf(out, " +%.3f s, %.3f ms\n", (c->start_ns - r->start_ns) / 1e9,
				(c->end_ns - c->start_ns) / 1e6);
		else
			fprintf(out, " (%s)\n", c->start_ns ? "not finished" : "started before trace");
	}
	if ((int)agg->gc_len > top)
		fprintf(out, "  ... %zu more\n", agg->gc_len - top);

	human_bytes(b, sizeof(b), agg->growth_bytes);
	fprintf(out, "\nStack growths: %llu, %s added\n",
		(unsigned long long)agg->growth_events, b);
	if (agg->growth_unattributed)
		fprintf(out, "  (%llu more without their morestack, from before the recording"
			" began or resumed or lost, not counted)\n",
			(unsigned long long)agg->growth_unattributed);
	for (size_t i = 0; i < r->growth_sites.len && (int)i < top; i++) {
		const struct site *s = &r->growth_sites.sites[i];

		human_bytes(b, sizeof(b), s->bytes);
		fprintf(out, "  %8llu %12s  %s\n", (unsigned long long)s->count, b, s->function);
	}

	print_cost(&r->cost, out);
	if (agg->folded_objects || agg->folded_events)
		fprintf(out, "Past %zu distinct stacks: %llu allocations and %llu stack events on "
			"folded stacks (--max-stacks)\n", agg->max_stacks,
			(unsigned long long)agg->folded_objects,
			(unsigned long long)agg->folded_events);
	if (agg->memory_failures)
		fprintf(out, "Out of memory: %llu events lost\n",
			(unsigned long long)agg->memory_failures);
	fprintf(out, "\nLost events: %llu", (unsigned long long)r->lost_events);
	if (r->lost_stacks)
		fprintf(out, ", stacks not walked: %llu", (unsigned long long)r->lost_stacks);
	fputc('\n', out);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The text report on stdout: totals, top allocation sites, top types, GC
 * cycles, top stack growth sites, and what was lost. */
#include <stdio.h>

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

/* One line of the runtime's own figures, as of the trace's stop (else its
 * start). */
static void print_runtime(const struct report *r, FILE *out)
{
	const struct runtime_state *s = !r->runtime.stop_err ? &r->runtime.stop :
					 !r->runtime.start_err ? &r->runtime.start : NULL;
	char live[32] = "unknown", goal[32] = "unknown", cpu[32] = "unknown";

	if (!s)
		return;
	if (s->have_gc_controller)
		human_bytes(live, sizeof(live), s->heap_live);
	if (s->have_heap_goal)
		human_bytes(goal, sizeof(goal), s->heap_goal);
	if (s->have_memstats)
		snprintf(cpu, sizeof(cpu), "%.2f%%", s->gc_cpu_fraction * 100);
	fprintf(out, "\nRuntime (at %s): heap live %s, goal %s, GC CPU %s\n",
		s == &r->runtime.stop ? "stop" : "start", live, goal, cpu);
}

void report_print_text(const struct report *r, FILE *out, int top)
{
	const struct aggregate *agg = r->agg;
	char b[32];

	fprintf(out, "gomemtrace: pid %d %s (%s), %s mode, %.3f s\n", (int)r->pid, r->exe,
		r->go_version ? r->go_version : "unknown Go", r->mode, r->duration_ns / 1e9);
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
	} else if (r->sources.alloc_sites) {
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

	if (r->sampling.present)
		fprintf(out, "\nBy type: not seen by the default mode's samples (--mode exact "
			"names them)\n");
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

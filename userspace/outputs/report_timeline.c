// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * timeline.json: the trace in time, in the Trace Event Format's JSON object
 * form, which Perfetto's UI (ui.perfetto.dev) and chrome://tracing open:
 *
 *   "X" complete events  one slice per GC cycle ("GC N"), args: trigger and
 *                        the runtime's heap figures around it where read
 *   "i" instant events   stack growths; allocations of at least
 *                        --large-alloc bytes (size, type, stack)
 *   "C" counter events   "heap live" and "heap goal", bytes, from reads of
 *                        the runtime's state (no probe)
 *   "M" metadata events  the process (pid and command) and one named thread
 *                        track per kind of event
 *
 * One clock: CLOCK_MONOTONIC (what bpf_ktime_get_ns and the tracer's reads
 * use); ts and dur are microseconds (as the format wants, ns precision in
 * the fraction) since the trace started, whose absolute CLOCK_MONOTONIC and
 * CLOCK_REALTIME ns are in otherData, with what was kept and dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/output_set.h"
#include "outputs/report.h"

/* Track ids (the format's tid) of the per-kind tracks. Host tids 1-3 are
 * init and kernel threads, never a Go target's. */
enum { TRACK_GC = 1, TRACK_GROWTH = 2, TRACK_LARGE = 3 };

/* Frames shown per instant's stack, the innermost (a deep recursion's
 * growths would otherwise fill the file); the rest as "... N more". */
#define TIMELINE_MAX_FRAMES 32

/* Stack growth instants written at most (the aggregate's log holds more):
 * the first ones, the rest counted in otherData. */
#define TIMELINE_MAX_GROWTHS 10000

/* Microseconds since start, ns in the fraction; times before the start
 * (never seen: the probes record nothing before it) clamp to 0. */
static void put_us(FILE *f, const char *key, uint64_t ns, uint64_t start)
{
	uint64_t d = ns > start ? ns - start : 0;

	fprintf(f, "\"%s\": %llu.%03llu", key, (unsigned long long)(d / 1000),
		(unsigned long long)(d % 1000));
}

/* "function (file:line)" per frame, leaf first, inlined frames expanded. */
static void put_stack(FILE *f, struct symbolizer *sym, const struct stack_count *e, bool alloc)
{
	struct profile_stack st;
	uint32_t shown = 0, more = 0;
	char buf[1024];

	fputs("\"stack\": [", f);
	if (!e || report_stack_locations(sym, e, alloc, &st)) {
		fputs("]", f);
		return;
	}
	for (uint32_t i = 0; i < st.nlocs; i++) {
		const struct profile_location *loc = &st.locs[i];

		for (uint32_t j = 0; j < loc->nframes; j++) {
			const struct gobin_frame *fr = &loc->frames[j];

			if (shown == TIMELINE_MAX_FRAMES) {
				more++;
				continue;
			}
			snprintf(buf, sizeof(buf), "%s (%s:%u)", fr->function ? fr->function : "?",
				 fr->file ? fr->file : "?", fr->line);
			fputs(shown ? ", " : "", f);
			report_json_string(f, buf);
			shown++;
		}
	}
	if (more)
		fprintf(f, ", \"... %u more\"", more);
	fputs("]", f);
}

static const char *basename_of(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path ? path : "?";
}

static void put_metadata(FILE *f, const struct report *r)
{
	static const struct {
		int tid;
		const char *name;
	} tracks[] = {
		{ TRACK_GC, "GC cycles" },
		{ TRACK_GROWTH, "stack growth" },
		{ TRACK_LARGE, "large allocations" },
	};
	char name[512];

	snprintf(name, sizeof(name), "%s (pid %d)", basename_of(r->exe), (int)r->pid);
	fprintf(f, "\n    {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": 0,"
		" \"args\": {\"name\": ", (int)r->pid);
	report_json_string(f, name);
	fputs("}}", f);
	for (size_t i = 0; i < sizeof(tracks) / sizeof(tracks[0]); i++) {
		fprintf(f, ",\n    {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d,"
			" \"tid\": %d, \"args\": {\"name\": \"%s\"}}", (int)r->pid, tracks[i].tid,
			tracks[i].name);
		fprintf(f, ",\n    {\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": %d,"
			" \"tid\": %d, \"args\": {\"sort_index\": %d}}", (int)r->pid,
			tracks[i].tid, tracks[i].tid);
	}
}

/* The first read after a cycle's end that still saw it as the last
 * completed one (numgc == cycle): its marked heap and the next goal are
 * this cycle's. NULL when none. */
static const struct heap_sample *read_after(const struct aggregate *agg, uint64_t end,
					    uint32_t cycle)
{
	for (size_t i = 0; i < agg->heap_samples_len; i++) {
		const struct heap_sample *h = &agg->heap_samples[i];

		if (h->ts >= end && h->have_numgc && h->numgc == cycle)
			return h;
		if (h->ts >= end && h->have_numgc && h->numgc > cycle)
			return NULL;
	}
	return NULL;
}

/* The last read up to `before` that saw the previous cycle as the last
 * completed one (numgc == cycle - 1): its goal is this cycle's. */
static const struct heap_sample *read_before(const struct aggregate *agg, uint64_t before,
					     uint32_t cycle)
{
	const struct heap_sample *found = NULL;

	for (size_t i = 0; i < agg->heap_samples_len; i++) {
		const struct heap_sample *h = &agg->heap_samples[i];

		if (h->ts > before)
			break;
		if (h->have_numgc && h->numgc + 1 == cycle)
			found = h;
	}
	return found;
}

static void put_gc(FILE *f, const struct report *r, const struct gc_cycle *c)
{
	const struct aggregate *agg = r->agg;
	uint64_t stop = r->start_ns + r->duration_ns;
	uint64_t start = c->start_ns ? c->start_ns : r->start_ns;
	uint64_t end = c->end_ns ? c->end_ns : stop;
	const struct heap_sample *before = NULL, *goal = NULL, *after = NULL;

	if (end <= start)
		end = start + 1;	/* the format's slices last */
	if (c->cycle) {
		before = c->start_ns ? read_before(agg, c->start_ns, c->cycle) : NULL;
		goal = read_before(agg, end, c->cycle);
		after = c->end_ns ? read_after(agg, c->end_ns, c->cycle) : NULL;
	}
	if (c->cycle)
		fprintf(f, ",\n    {\"name\": \"GC %u\"", c->cycle);
	else
		fputs(",\n    {\"name\": \"GC\"", f);
	fprintf(f, ", \"cat\": \"gc\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, ",
		(int)r->pid, TRACK_GC);
	put_us(f, "ts", start, r->start_ns);
	fputs(", ", f);
	put_us(f, "dur", end, start);
	fprintf(f, ", \"args\": {\"cycle\": %u, \"trigger\": ", c->cycle);
	report_json_string(f, gc_trigger_name(c->trigger));
	fprintf(f, ", \"started_in_trace\": %s, \"ended_in_trace\": %s",
		c->start_ns ? "true" : "false", c->end_ns ? "true" : "false");
	/* heapLive read before the start (the target allocated on until
	 * then), with how long before. */
	if (before && before->have_live)
		fprintf(f, ", \"heap_live_before_bytes\": %llu, \"heap_live_before_read_us\": "
			"%llu", (unsigned long long)before->heap_live,
			(unsigned long long)((c->start_ns - before->ts) / 1000));
	if (goal && goal->have_goal)
		fprintf(f, ", \"heap_goal_bytes\": %llu", (unsigned long long)goal->heap_goal);
	if (after && after->have_marked)
		fprintf(f, ", \"heap_marked_bytes\": %llu", (unsigned long long)after->heap_marked);
	if (after && after->have_goal)
		fprintf(f, ", \"next_heap_goal_bytes\": %llu",
			(unsigned long long)after->heap_goal);
	fputs("}}", f);
}

static void put_growth(FILE *f, const struct report *r, const struct growth_event *g)
{
	const struct stack_count *st = &r->agg->growths.entries[g->stack];

	fprintf(f, ",\n    {\"name\": \"stack growth\", \"cat\": \"stack\", \"ph\": \"i\","
		" \"s\": \"t\", \"pid\": %d, \"tid\": %d, ", (int)r->pid, TRACK_GROWTH);
	put_us(f, "ts", g->ts, r->start_ns);
	fprintf(f, ", \"args\": {\"goid\": %llu, \"old_size\": %llu, \"new_size\": %llu, ",
		(unsigned long long)g->goid, (unsigned long long)g->old_size,
		(unsigned long long)g->new_size);
	put_stack(f, r->sym, st, false);
	fputs("}}", f);
}

static void put_large(FILE *f, const struct report *r, const struct large_alloc *a)
{
	const struct aggregate *agg = r->agg;
	const struct stack_count *st = a->stack < agg->large_stacks.len ?
				       &agg->large_stacks.entries[a->stack] : NULL;
	const char *type = a->have_type && r->types ? type_namer_name(r->types, a->typ) : NULL;
	char name[64];

	snprintf(name, sizeof(name), "alloc %llu B", (unsigned long long)a->size);
	fputs(",\n    {\"name\": ", f);
	report_json_string(f, name);
	fprintf(f, ", \"cat\": \"alloc\", \"ph\": \"i\", \"s\": \"t\", \"pid\": %d, \"tid\": %d, ",
		(int)r->pid, TRACK_LARGE);
	put_us(f, "ts", a->ts, r->start_ns);
	fprintf(f, ", \"args\": {\"bytes\": %llu, \"type\": ", (unsigned long long)a->size);
	if (type)
		report_json_string(f, type);
	else
		fputs("null", f);
	fputs(", \"goid\": ", f);
	fprintf(f, a->goid ? "%llu" : "null", (unsigned long long)a->goid);
	fputs(", \"tid\": ", f);
	fprintf(f, a->tid ? "%u" : "null", a->tid);
	fputs(", ", f);
	put_stack(f, r->sym, st, true);
	fputs("}}", f);
}

static void put_counters(FILE *f, const struct report *r)
{
	const struct aggregate *agg = r->agg;

	for (size_t i = 0; i < agg->heap_samples_len; i++) {
		const struct heap_sample *h = &agg->heap_samples[i];

		if (h->have_live) {
			fprintf(f, ",\n    {\"name\": \"heap live\", \"cat\": \"heap\", \"ph\": \"C\","
				" \"pid\": %d, ", (int)r->pid);
			put_us(f, "ts", h->ts, r->start_ns);
			fprintf(f, ", \"args\": {\"bytes\": %llu}}",
				(unsigned long long)h->heap_live);
		}
		if (h->have_goal) {
			fprintf(f, ",\n    {\"name\": \"heap goal\", \"cat\": \"heap\", \"ph\": \"C\","
				" \"pid\": %d, ", (int)r->pid);
			put_us(f, "ts", h->ts, r->start_ns);
			fprintf(f, ", \"args\": {\"bytes\": %llu}}",
				(unsigned long long)h->heap_goal);
		}
	}
}

/*
 * The default mode sees large allocations only while its samples are on:
 * how many the runtime made (> 32 KiB, any size; its own counters, start to
 * stop, from zero for a launched target) beside the samples seen, when both
 * reads were made.
 */
static void put_large_missed(FILE *f, const struct report *r)
{
	const struct report_runtime *rt = &r->runtime;
	uint64_t from = 0, to;

	if (!r->sampling.present)
		return;
	if (rt->stop_err || !rt->stop.have_memstats ||
	    (rt->start_err != RUNTIME_STATE_LAUNCHED &&
	     (rt->start_err || !rt->start.have_memstats))) {
		fputs(", \"runtime_large_allocs\": null", f);
		return;
	}
	if (rt->start_err != RUNTIME_STATE_LAUNCHED)
		from = rt->start.allocs.large_alloc_count;
	to = rt->stop.allocs.large_alloc_count;
	fprintf(f, ", \"runtime_large_allocs\": %llu, \"samples_seen\": %llu",
		(unsigned long long)(to > from ? to - from : 0),
		(unsigned long long)r->agg->large_samples);
}

static void put_other_data(FILE *f, const struct report *r, size_t growths)
{
	const struct aggregate *agg = r->agg;

	fputs("  \"otherData\": {\"tool\": \"gomemtrace\", \"clock\": \"CLOCK_MONOTONIC\",\n", f);
	fprintf(f, "    \"start_monotonic_ns\": %llu, \"start_realtime_ns\": %llu,"
		" \"duration_ns\": %llu,\n", (unsigned long long)r->start_ns,
		(unsigned long long)r->start_wall_ns, (unsigned long long)r->duration_ns);
	fprintf(f, "    \"pid\": %d, \"exe\": ", (int)r->pid);
	report_json_string(f, r->exe);
	fputs(", \"go_version\": ", f);
	report_json_string(f, r->go_version);
	fputs(", \"mode\": ", f);
	report_json_string(f, r->mode);
	fprintf(f, ",\n    \"gc_cycles\": %zu, \"stack_growth_source\": ", agg->gc_len);
	report_json_string(f, r->sources.stack_growth ? r->sources.stack_growth : "none");
	fputs(",\n", f);
	fprintf(f, "    \"large_allocs\": {\"min_bytes\": %llu, \"source\": ",
		(unsigned long long)agg->large_alloc_bytes);
	report_json_string(f, r->large_alloc_source ? r->large_alloc_source : "none");
	fprintf(f, ", \"events\": %zu, \"dropped\": %llu", agg->large_allocs_len,
		(unsigned long long)agg->large_allocs_dropped);
	put_large_missed(f, r);
	fputs("},\n", f);
	fprintf(f, "    \"stack_growths\": {\"events\": %zu, \"dropped\": %llu},\n", growths,
		(unsigned long long)(agg->growth_events > growths ? agg->growth_events - growths
								  : 0));
	fprintf(f, "    \"heap_reads\": {\"events\": %zu, \"dropped\": %llu, \"period_ms\": %u},\n",
		agg->heap_samples_len, (unsigned long long)agg->heap_samples_dropped,
		r->heap_read_period_ms);
	fprintf(f, "    \"lost_events\": %llu, \"lost_stacks\": %llu}\n",
		(unsigned long long)r->lost_events, (unsigned long long)r->lost_stacks);
}

int report_write_timeline(const struct report *r, int fd)
{
	const struct aggregate *agg = r->agg;
	size_t growths = agg->growth_log_len < TIMELINE_MAX_GROWTHS ? agg->growth_log_len
								    : TIMELINE_MAX_GROWTHS;
	struct output_stream s;
	FILE *f = output_stream_open(&s, fd);

	if (!f)
		return -errno;
	fputs("{\n  \"displayTimeUnit\": \"ms\",\n  \"traceEvents\": [", f);
	put_metadata(f, r);
	for (size_t i = 0; i < agg->gc_len; i++)
		put_gc(f, r, &agg->gc[i]);
	put_counters(f, r);
	for (size_t i = 0; i < growths; i++)
		put_growth(f, r, &agg->growth_log[i]);
	for (size_t i = 0; i < agg->large_allocs_len; i++)
		put_large(f, r, &agg->large_allocs[i]);
	fputs("\n  ],\n", f);
	put_other_data(f, r, growths);
	fputs("}\n", f);
	return output_stream_close(&s, f);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.json: the machine-readable report. Times of GC events are
 * nanoseconds since the trace started (start_monotonic_ns, CLOCK_MONOTONIC);
 * null where the event happened before the trace or never came.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "outputs/report.h"

/* A stdio stream on fd that keeps the errno of its first failed write
 * (ferror alone would only say that something failed). */
struct fd_sink {
	int fd;
	int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct fd_sink *s = cookie;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(s->fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!s->err)
				s->err = n < 0 ? -errno : -EIO;
			return -1;
		}
		done += n;
	}
	return len;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when there is none;
 * then *bad is the length of the ill-formed part to replace by one U+FFFD:
 * the longest start of a well-formed sequence, at least one byte (Unicode's
 * "maximal subpart", as Python's and browsers' decoders count).
 */
static size_t utf8_sequence(const unsigned char *p, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	*bad = 1;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates
	 * (ED A0..BF) and code points past U+10FFFF (F4 90..). */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		/* A NUL ends the string, and is not in 80..BF. */
		if (p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * ill-formed UTF-8 replaced by U+FFFD, so any bytes give valid JSON. */
void report_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len, bad;

	fputc('"', f);
	while (*p) {
		len = utf8_sequence(p, &bad);
		if (!len) {
			fputs("\\ufffd", f);
			p += bad;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
			p++;
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p);
			p++;
		} else {
			fwrite(p, 1, len, f);
			p += len;
		}
	}
	fputc('"', f);
}

static void json_time(FILE *f, uint64_t ts, uint64_t start)
{
	if (!ts)
		fputs("null", f);
	else
		fprintf(f, "%lld", (long long)(ts - start));
}

static void write_sites(FILE *f, const struct site_list *l, bool with_line, bool sampled)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct site *s = &l->sites[i];

		fputs(i ? ",\n      {" : "\n      {", f);
		fputs("\"function\": ", f);
		report_json_string(f, s->function);
		if (with_line) {
			fputs(", \"file\": ", f);
			report_json_string(f, s->file);
			fprintf(f, ", \"line\": %u, \"objects\": %llu", s->line,
				(unsigned long long)s->count);
		} else {
			fprintf(f, ", \"events\": %llu", (unsigned long long)s->count);
		}
		fprintf(f, ", \"bytes\": %llu", (unsigned long long)s->bytes);
		/* A Poisson count's relative standard error: 1/sqrt(samples). */
		if (sampled)
			fprintf(f, ", \"samples\": %llu, \"relative_error\": %.4f",
				(unsigned long long)s->samples,
				s->samples ? 1 / sqrt((double)s->samples) : 1.0);
		fputc('}', f);
	}
	fputs(l->len ? "\n    ]" : "]", f);
}

/* "sources": where each figure came from. */
static void write_sources(FILE *f, const struct report *r)
{
	const struct report_sources *s = &r->sources;
	const char *names[] = { "alloc_totals", "alloc_sites", "gc_cycles", "stack_growth",
				"heap", "alloc_probes" };
	const char *vals[] = { s->alloc_totals, s->alloc_sites, s->gc_cycles, s->stack_growth,
			       s->heap, s->alloc_probes };

	fputs("  \"sources\": {", f);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fprintf(f, "%s\"%s\": ", i ? ", " : "", names[i]);
		report_json_string(f, vals[i] ? vals[i] : "none");
	}
	fputs("},\n", f);
}

/* "inuse": live objects and bytes by site, from the runtime's heap profile. */
static void write_inuse(FILE *f, const struct report *r)
{
	const typeof(r->runtime_sampling) *w = &r->runtime_sampling;

	if (!r->inuse)
		return;
	fprintf(f, "  \"inuse\": {\"source\": \"runtime heap profile (as of the last GC)\","
		" \"mem_profile_rate\": %lld, \"profile_samples\": %llu, \"profile_records\": %llu,"
		" \"switched_from_samples\": %s, \"objects\": %llu, \"bytes\": %llu,\n",
		(long long)r->mem_profile_rate,
		(unsigned long long)r->profile_samples, (unsigned long long)r->profile_records,
		r->profile_switched ? "true" : "false", (unsigned long long)r->inuse_objects, (unsigned long long)r->inuse_bytes);
	fprintf(f, "    \"runtime_sampling\": {\"written\": %s, \"rate\": %lld, \"old_rate\": %lld,"
		" \"restored\": %s, \"write_error\": %d},\n    \"sites\": [",
		w->wrote ? "true" : "false", (long long)w->rate, (long long)w->old_rate,
		w->restored ? "true" : "false", w->write_err);
	write_sites(f, &r->inuse_sites, true, false);
	fputs("},\n", f);
}

/*
 * "sampling": the default mode's samples, their scaling and the budget;
 * without samples (the runtime's heap profile has the sites), "budget":
 * the budget's figures alone (stack growth and large allocation probes).
 */
static void write_sampling(FILE *f, const struct report_sampling *s, uint64_t start_ns)
{
	if (!s->present && !s->budget_only)
		return;
	if (s->present)
		fprintf(f, "  \"sampling\": {\"scaled_to_runtime_counters\": %s, \"samples\": %llu,"
			" \"sampled_objects\": %llu, \"discarded_samples\": %llu,"
			" \"unattributed_objects\": %llu, \"unattributed_bytes\": %llu,\n    ",
			s->result.scaled ? "true" : "false", (unsigned long long)s->result.hits,
			(unsigned long long)s->result.sampled_objects,
			(unsigned long long)s->discarded_hits,
			(unsigned long long)s->result.unattributed_objects,
			(unsigned long long)s->result.unattributed_bytes);
	else
		fputs("  \"budget\": {", f);
	fprintf(f, "\"overhead_budget\": %.4f, \"trap_ns\": %llu, \"bpf_stats\": %s,"
		" \"probe_hits\": %llu, \"target_cpu_ns\": %llu, \"probe_cost_ns\": %llu,"
		" \"overhead\": %.5f, \"pauses\": %u, \"paused_ns\": %llu, \"pause_error\": %d},\n",
		s->budget, (unsigned long long)s->trap_ns, s->bpf_stats ? "true" : "false",
		(unsigned long long)s->probe_hits, (unsigned long long)s->target_cpu_ns,
		(unsigned long long)s->cost_ns,
		s->target_cpu_ns > s->cost_ns ?
			(double)s->cost_ns / (double)(s->target_cpu_ns - s->cost_ns) : 0.0,
		s->pauses, (unsigned long long)s->paused_ns, s->error);
	/* When the probes were off (ns from the trace's start), the first
	 * BUDGET_MAX_SPANS times. */
	fputs("  \"sampling_paused\": [", f);
	for (uint32_t i = 0; s->controller && i < s->pauses && i < BUDGET_MAX_SPANS; i++)
		fprintf(f, "%s{\"start_ns\": %lld, \"end_ns\": %lld}", i ? ", " : "",
			(long long)(s->controller->spans[i].start - start_ns),
			(long long)(s->controller->spans[i].end - start_ns));
	fputs("],\n", f);
}

/* "cost": probe hits, the tracer's CPU, the kernel's BPF run times when
 * counted, and where each probe sat. */
static void write_cost(FILE *f, const struct report_cost *c)
{
	const uint64_t *n = c->counters;

	fprintf(f, "  \"cost\": {\"probe_hits\": {\"alloc\": %llu, \"gc\": %llu,"
		" \"morestack\": %llu, \"copystack\": %llu, \"refill\": %llu, \"large\": %llu,"
		" \"paused\": %llu},\n"
		"    \"restarts_skipped\": %llu, \"alloc_overflow_events\": %llu,"
		" \"tracer_cpu_ns\": %llu,\n    \"bpf_programs\": [",
		(unsigned long long)n[COUNTER_ALLOC_HITS], (unsigned long long)n[COUNTER_GC_HITS],
		(unsigned long long)n[COUNTER_MORESTACK_HITS],
		(unsigned long long)n[COUNTER_COPYSTACK_HITS],
		(unsigned long long)n[COUNTER_REFILL_HITS],
		(unsigned long long)n[COUNTER_LARGE_HITS],
		(unsigned long long)n[COUNTER_PAUSED_HITS],
		(unsigned long long)n[COUNTER_RESTARTS],
		(unsigned long long)n[COUNTER_ALLOC_OVERFLOW],
		(unsigned long long)c->tracer_cpu_ns);
	for (int role = 0, first = 1; role < PROBE_ROLE_MAX; role++) {
		if (!c->bpf_runs[role])
			continue;
		fprintf(f, "%s{\"program\": ", first ? "" : ", ");
		report_json_string(f, probe_role_name(role));
		fprintf(f, ", \"runs\": %llu, \"run_time_ns\": %llu}",
			(unsigned long long)c->bpf_runs[role],
			(unsigned long long)c->bpf_run_ns[role]);
		first = 0;
	}
	fputs("],\n    \"probes\": [", f);
	for (int i = 0; c->plan && i < c->plan->n; i++) {
		const struct probe_point *p = &c->plan->points[i];

		fputs(i ? ",\n      {\"function\": " : "\n      {\"function\": ", f);
		report_json_string(f, p->function);
		fputs(", \"program\": ", f);
		report_json_string(f, probe_role_name(p->role));
		fprintf(f, ", \"offset\": %llu, \"placement\": ",
			(unsigned long long)(p->address - p->func_entry));
		report_json_string(f, probe_placement_name(p->placement));
		fprintf(f, ", \"emulated\": %s}",
			probe_placement_emulated(p->placement) ? "true" : "false");
	}
	fputs(c->plan && c->plan->n ? "\n    ]},\n" : "]},\n", f);
}

static void json_u64_or_null(FILE *f, const char *name, bool have, uint64_t v)
{
	if (have)
		fprintf(f, "\"%s\": %llu", name, (unsigned long long)v);
	else
		fprintf(f, "\"%s\": null", name);
}

static void write_runtime_state(FILE *f, const struct runtime_state *s)
{
	const struct heap_alloc_totals *a = &s->allocs;

	fputs("{", f);
	json_u64_or_null(f, "numgc", s->have_memstats, s->numgc);
	fputs(", ", f);
	json_u64_or_null(f, "numforcedgc", s->have_memstats, s->numforcedgc);
	fputs(", ", f);
	json_u64_or_null(f, "heap_live", s->have_gc_controller, s->heap_live);
	fputs(", ", f);
	json_u64_or_null(f, "heap_marked", s->have_gc_controller, s->heap_marked);
	fputs(", ", f);
	json_u64_or_null(f, "heap_goal", s->have_heap_goal, s->heap_goal);
	if (s->have_gc_percent)
		fprintf(f, ", \"gc_percent\": %d", (int)s->gc_percent);
	else
		fputs(", \"gc_percent\": null", f);
	if (s->have_memory_limit)
		fprintf(f, ", \"memory_limit\": %lld", (long long)s->memory_limit);
	else
		fputs(", \"memory_limit\": null", f);
	if (s->have_memstats)
		fprintf(f, ", \"gc_cpu_fraction\": %.17g", s->gc_cpu_fraction);
	else
		fputs(", \"gc_cpu_fraction\": null", f);
	fputs(", ", f);
	json_u64_or_null(f, "gc_cpu_ns", s->have_gc_cpu_time, (uint64_t)s->gc_cpu_ns);
	fputs(", ", f);
	json_u64_or_null(f, "total_cpu_ns", s->have_gc_cpu_time, (uint64_t)s->total_cpu_ns);
	fputs(",\n      \"heap_stats\": ", f);
	if (!s->have_memstats) {
		fputs("null}", f);
		return;
	}
	fprintf(f, "{\"mallocs\": %llu, ", (unsigned long long)a->mallocs);
	json_u64_or_null(f, "total_alloc", a->have_bytes, a->total_alloc);
	fprintf(f, ", \"small_alloc_count\": %llu, ", (unsigned long long)a->small_alloc_count);
	json_u64_or_null(f, "small_alloc_bytes", a->have_bytes, a->small_alloc_bytes);
	fprintf(f, ", \"large_alloc_count\": %llu, \"large_alloc_bytes\": %llu,"
		" \"tiny_alloc_count\": %llu}}",
		(unsigned long long)a->large_alloc_count, (unsigned long long)a->large_alloc_bytes,
		(unsigned long long)a->tiny_alloc_count);
}

static void write_runtime_end(FILE *f, const char *name, int err,
			      const struct runtime_state *s)
{
	fprintf(f, "    \"%s\": ", name);
	if (err) {
		fputs("null,\n    \"", f);
		fputs(name, f);
		fputs("_error\": ", f);
		report_json_string(f, err == RUNTIME_STATE_LAUNCHED ?
				   "launched by the tracer: the runtime started from zero" :
				   strerror(-err));
	} else {
		write_runtime_state(f, s);
	}
	fputs(",\n", f);
}

/*
 * "runtime": the runtime's own state at the trace's start and stop, and the
 * allocations between them by its exact heapStats totals beside the probes'
 * counts. A launched target starts from zero.
 */
static void write_runtime(FILE *f, const struct report *r)
{
	const struct report_runtime *rt = &r->runtime;
	const struct runtime_state *a = &rt->start, *b = &rt->stop;
	bool from_zero = rt->start_err == RUNTIME_STATE_LAUNCHED;
	/* Not across an exec: start and stop are two images' counters. */
	bool delta = !rt->stop_err && b->have_memstats && !r->nexecs &&
		     (from_zero || (!rt->start_err && a->have_memstats));
	bool bytes = delta && b->allocs.have_bytes && (from_zero || a->allocs.have_bytes);

	fputs("  \"runtime\": {\n", f);
	write_runtime_end(f, "start", rt->start_err, a);
	write_runtime_end(f, "stop", rt->stop_err, b);
	fputs("    \"alloc_delta\": ", f);
	if (!delta) {
		fputs("null},\n", f);
		return;
	}
	fputs("{", f);
	json_u64_or_null(f, "objects", true,
			 b->allocs.mallocs - (from_zero ? 0 : a->allocs.mallocs));
	fputs(", ", f);
	json_u64_or_null(f, "bytes", bytes,
			 b->allocs.total_alloc - (from_zero ? 0 : a->allocs.total_alloc));
	fprintf(f, ", \"probe_objects\": %llu, \"probe_bytes\": %llu}},\n",
		(unsigned long long)r->agg->alloc_objects,
		(unsigned long long)r->agg->alloc_bytes);
}

/*
 * "end": how the target ended (or "running" when the trace ended first),
 * when (t_ns since the trace's start), what the OOM killer's tracepoint said
 * of it, its memory as its last thread exited (Linux 6.16+), and the
 * runtime's state at the last read before (the read at the stop fails once
 * it is gone).
 */
/* "execs": the target's execs during the trace (report_exec). */
static void write_execs(FILE *f, const struct report *r)
{
	fputs("  \"execs\": [", f);
	for (int i = 0; i < r->nexecs; i++) {
		const struct report_exec *x = &r->execs[i];

		fprintf(f, "%s\n    {\"t_ns\": ", i ? "," : "");
		json_time(f, x->ts, r->start_ns);
		fprintf(f, ", \"tid\": %u, \"from\": ", x->tid);
		report_json_string(f, x->from);
		fputs(", \"to\": ", f);
		if (x->to)
			report_json_string(f, x->to);
		else
			fputs("null", f);
		fprintf(f, ", \"from_load_bias\": %llu, \"to_load_bias\": %llu, "
			"\"objects_before\": %llu, \"followed\": %s, \"why_not\": ",
			(unsigned long long)x->from_bias, (unsigned long long)x->to_bias,
			(unsigned long long)x->objects_before, x->followed ? "true" : "false");
		if (x->why_not)
			report_json_string(f, x->why_not);
		else
			fputs("null", f);
		fputs(", \"attach_t_ns\": ", f);
		json_time(f, x->followed ? x->attach_ns : 0, r->start_ns);
		fputc('}', f);
	}
	fputs(r->nexecs ? "\n  ],\n" : "],\n", f);
}

/* "plugins": the target's Go plugins, each with its own copy of the
 * runtime's code, probed (report_plugin). */
static void write_plugins(FILE *f, const struct report *r)
{
	fputs("  \"plugins\": [", f);
	for (int i = 0; i < r->nplugins; i++) {
		const struct report_plugin *p = &r->plugins[i];

		fprintf(f, "%s\n    {\"path\": ", i ? "," : "");
		report_json_string(f, p->path);
		fprintf(f, ", \"image\": %u, \"load_bias\": ", p->image);
		if (p->have_bias)
			fprintf(f, "%llu", (unsigned long long)p->load_bias);
		else
			fputs("null", f);
		fprintf(f, ", \"probes\": %d, \"attach_t_ns\": ", p->probes);
		json_time(f, p->probes ? p->attach_ns : 0, r->start_ns);
		fputs(", \"why_not\": ", f);
		if (p->why_not)
			report_json_string(f, p->why_not);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fprintf(f, "%s  \"plugins_not_probed\": %llu,\n", r->nplugins ? "\n  ],\n" : "],\n",
		(unsigned long long)r->plugins_not_probed);
}

static void write_end(FILE *f, const struct report *r)
{
	const struct report_end *end = &r->end;
	const struct target_end *e = &end->target;
	bool died = e->how == TARGET_SIGNALED || e->how == TARGET_OOM_KILLED;
	const struct runtime_state *last;
	uint64_t last_ts;

	fputs("  \"end\": {\"how\": ", f);
	report_json_string(f, target_end_name(e->how));
	fputs(", \"t_ns\": ", f);
	json_time(f, e->ts, r->start_ns);
	fputs(", \"source\": ", f);
	if (e->source)
		report_json_string(f, e->source);
	else
		fputs("null", f);
	fputs(", ", f);
	json_u64_or_null(f, "exit_code", e->how == TARGET_EXITED, (uint64_t)e->exit_code);
	fputs(", ", f);
	json_u64_or_null(f, "signal", died, (uint64_t)e->signal);
	fputs(", \"signal_name\": ", f);
	if (died)
		report_json_string(f, target_signal_name(e->signal));
	else
		fputs("null", f);
	fprintf(f, ", \"core_dumped\": %s,\n    \"exec_filename\": ",
		e->core_dumped ? "true" : "false");
	if (e->how == TARGET_EXECED)
		report_json_string(f, e->exec_filename);
	else
		fputs("null", f);
	fprintf(f, ", \"oom_watched\": %s, \"watch_error\": ",
		e->oom_watched ? "true" : "false");
	if (end->watch_error)
		report_json_string(f, end->watch_error);
	else
		fputs("null", f);
	fputs(",\n    \"oom\": ", f);
	if (e->have_oom) {
		fprintf(f, "{\"tid\": %u, \"comm\": ", e->oom_tid);
		report_json_string(f, e->oom_comm);
		fputs(", \"t_ns\": ", f);
		json_time(f, e->oom_ts, r->start_ns);
		fprintf(f, ", \"total_vm_bytes\": %llu, \"anon_rss_bytes\": %llu,"
			" \"file_rss_bytes\": %llu, \"shmem_rss_bytes\": %llu,"
			" \"pgtables_bytes\": %llu, \"uid\": %u, \"oom_score_adj\": %d}",
			(unsigned long long)e->oom_total_vm, (unsigned long long)e->oom_anon_rss,
			(unsigned long long)e->oom_file_rss, (unsigned long long)e->oom_shmem_rss,
			(unsigned long long)e->oom_pgtables, e->oom_uid, e->oom_score_adj);
	} else {
		fputs("null", f);
	}
	fputs(",\n    \"memory_at_exit\": ", f);
	if (e->have_exit_memory)
		fprintf(f, "{\"total_vm_bytes\": %llu, \"anon_rss_bytes\": %llu,"
			" \"file_rss_bytes\": %llu, \"shmem_rss_bytes\": %llu}",
			(unsigned long long)e->exit_total_vm, (unsigned long long)e->exit_anon_rss,
			(unsigned long long)e->exit_file_rss, (unsigned long long)e->exit_shmem_rss);
	else
		fputs("null", f);
	fputs(",\n    \"runtime_last_read\": ", f);
	last = report_last_read(r, &last_ts);
	if (last) {
		fprintf(f, "{\"t_ns\": %lld, \"read\": \"%s\", \"state\": ",
			(long long)(last_ts - r->start_ns), end->have_last ? "periodic" : "start");
		write_runtime_state(f, last);
		fputs("}", f);
	} else {
		fputs("null", f);
	}
	fputs("},\n", f);
}

/* int3 bytes an earlier tracer left at our probe points (found before the
 * attach), and whether our detach removed them; null when not looked at. */
static void write_leftovers(FILE *f, const struct report *r)
{
	const struct code_scan *before = r->code_before, *after = r->code_after;
	int n = 0;

	fputs("  \"leftover_breakpoints\": ", f);
	if (!before || !r->plan) {
		fputs("null\n", f);
		return;
	}
	fputc('[', f);
	for (int i = 0; i < r->plan->n; i++) {
		const struct probe_point *p = &r->plan->points[i];

		if (before->state[i] != CODE_BREAKPOINT)
			continue;
		fprintf(f, "%s{\"function\": ", n++ ? ",\n    " : "\n    ");
		report_json_string(f, p->function);
		fprintf(f, ", \"address\": %llu, \"file_offset\": %llu, \"repaired\": %s}",
			(unsigned long long)before->vaddr[i], (unsigned long long)p->file_offset,
			after && after->state[i] == CODE_INTACT ? "true" : "false");
	}
	fputs(n ? "\n  ]\n" : "]\n", f);
}

int report_write_json(const struct report *r, int fd)
{
	static const cookie_io_functions_t io = { .write = sink_write };
	const struct aggregate *agg = r->agg;
	struct fd_sink sink = { .fd = fd };
	FILE *f = fopencookie(&sink, "w", io);
	int ret;

	if (!f)
		return -errno;
	fputs("{\n  \"target\": {\"pid\": ", f);
	fprintf(f, "%d, \"exe\": ", (int)r->pid);
	report_json_string(f, r->exe);
	fputs(", \"go_version\": ", f);
	report_json_string(f, r->go_version);
	fputs(", \"build_mode\": ", f);
	if (r->build_mode)
		report_json_string(f, r->build_mode);
	else
		fputs("null", f);
	fputs("},\n  \"mode\": ", f);
	report_json_string(f, r->mode);
	fprintf(f, ",\n  \"start_monotonic_ns\": %llu,\n  \"duration_ns\": %llu,\n",
		(unsigned long long)r->start_ns, (unsigned long long)r->duration_ns);
	write_sources(f, r);

	fprintf(f, "  \"alloc\": {\"objects\": %llu, \"bytes\": %llu, \"tiny_objects\": %llu,"
		" \"sites\": [",
		(unsigned long long)agg->alloc_objects, (unsigned long long)agg->alloc_bytes,
		(unsigned long long)agg->tiny_objects);
	write_sites(f, &r->alloc_sites, true, r->sampling.present);
	fputs(",\n    \"types\": [", f);
	for (size_t i = 0; i < r->alloc_types.len; i++) {
		const struct type_count *t = &r->alloc_types.types[i];

		fputs(i ? ",\n      {\"type\": " : "\n      {\"type\": ", f);
		report_json_string(f, t->name);
		fprintf(f, ", \"objects\": %llu, \"bytes\": %llu}",
			(unsigned long long)t->objects, (unsigned long long)t->bytes);
	}
	fputs(r->alloc_types.len ? "\n    ]},\n" : "]},\n", f);

	fprintf(f, "  \"gc\": {\"cycles\": %zu, \"events\": [", agg->gc_len);
	for (size_t i = 0; i < agg->gc_len; i++) {
		const struct gc_cycle *c = &agg->gc[i];

		fprintf(f, "%s{\"cycle\": %u, \"trigger\": ", i ? ",\n      " : "\n      ",
			c->cycle);
		report_json_string(f, gc_trigger_name(c->trigger));
		fputs(", \"start_ns\": ", f);
		json_time(f, c->start_ns, r->start_ns);
		fputs(", \"end_ns\": ", f);
		json_time(f, c->end_ns, r->start_ns);
		fputs("}", f);
	}
	fputs(agg->gc_len ? "\n    ]},\n" : "]},\n", f);

	fprintf(f, "  \"stack_growth\": {\"events\": %llu, \"bytes\": %llu,"
		" \"shrink_events\": %llu, \"unattributed\": %llu, \"unattributed_bytes\": %llu,"
		" \"sites\": [",
		(unsigned long long)agg->growth_events, (unsigned long long)agg->growth_bytes,
		(unsigned long long)agg->shrink_events, (unsigned long long)agg->growth_unattributed,
		(unsigned long long)agg->growth_unattributed_bytes);
	write_sites(f, &r->growth_sites, false, false);
	fputs(",\n    \"log\": [", f);
	for (size_t i = 0; i < agg->growth_log_len; i++) {
		const struct growth_event *g = &agg->growth_log[i];
		const struct stack_count *st = &agg->growths.entries[g->stack];
		const struct gobin_frame *frames;
		int n = st->nframes ? symbolizer_frames(r->sym, st->frames[0], 1, &frames) : 0;

		fprintf(f, "%s{\"t_ns\": ", i ? ",\n      " : "\n      ");
		json_time(f, g->ts, r->start_ns);
		fprintf(f, ", \"goid\": %llu, \"function\": ", (unsigned long long)g->goid);
		report_json_string(f, n > 0 ? frames[n - 1].function : UNKNOWN_FUNCTION);
		fprintf(f, ", \"old_size\": %llu, \"new_size\": %llu}",
			(unsigned long long)g->old_size, (unsigned long long)g->new_size);
	}
	fprintf(f, "%s], \"log_dropped\": %llu},\n", agg->growth_log_len ? "\n    " : "",
		(unsigned long long)agg->growth_log_dropped);
	write_cost(f, &r->cost);
	write_sampling(f, &r->sampling, r->start_ns);
	write_inuse(f, r);
	fprintf(f, "  \"limits\": {\"max_stacks\": %zu, \"folded_objects\": %llu,"
		" \"folded_events\": %llu, \"memory_failures\": %llu,"
		" \"tracer_peak_rss_bytes\": %llu},\n",
		agg->max_stacks, (unsigned long long)agg->folded_objects,
		(unsigned long long)agg->folded_events, (unsigned long long)agg->memory_failures,
		(unsigned long long)r->cost.tracer_peak_rss_bytes);
	write_runtime(f, r);
	write_end(f, r);
	write_execs(f, r);
	write_plugins(f, r);
	fprintf(f, "  \"lost_events\": %llu,\n  \"lost_stacks\": %llu,\n",
		(unsigned long long)r->lost_events, (unsigned long long)r->lost_stacks);
	write_leftovers(f, r);
	fputs("}\n", f);
	ret = ferror(f) ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -EIO;
	return sink.err ? sink.err : ret;
}

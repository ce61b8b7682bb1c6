// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report.json: the machine-readable report. Times of GC events are
 * nanoseconds since the trace started (start_monotonic_ns, CLOCK_MONOTONIC);
 * null where the event happened before the trace or never came.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

FILE *output_open(const char *path, char *tmp, size_t tmplen)
{
	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%d", path, (int)getpid()) >= tmplen) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(tmp, "w");
}

int output_commit(FILE *f, const char *tmp, const char *path)
{
	int ret = 0;

	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
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

static void write_sites(FILE *f, const struct site_list *l, bool with_line)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct site *s = &l->sites[i];

		fputs(i ? ",\n      {" : "\n      {", f);
		fputs("\"function\": ", f);
		json_string(f, s->function);
		if (with_line) {
			fputs(", \"file\": ", f);
			json_string(f, s->file);
			fprintf(f, ", \"line\": %u, \"objects\": %llu", s->line,
				(unsigned long long)s->count);
		} else {
			fprintf(f, ", \"events\": %llu", (unsigned long long)s->count);
		}
		fprintf(f, ", \"bytes\": %llu}", (unsigned long long)s->bytes);
	}
	fputs(l->len ? "\n    ]" : "]", f);
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
		json_string(f, p->function);
		fprintf(f, ", \"address\": %llu, \"file_offset\": %llu, \"repaired\": %s}",
			(unsigned long long)before->vaddr[i], (unsigned long long)p->file_offset,
			after && after->state[i] == CODE_INTACT ? "true" : "false");
	}
	fputs(n ? "\n  ]\n" : "]\n", f);
}

int report_write_json(const struct report *r, const char *path)
{
	const struct aggregate *agg = r->agg;
	char tmp[4096];
	FILE *f = output_open(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	fputs("{\n  \"target\": {\"pid\": ", f);
	fprintf(f, "%d, \"exe\": ", (int)r->pid);
	json_string(f, r->exe);
	fputs(", \"go_version\": ", f);
	json_string(f, r->go_version);
	fputs("},\n  \"mode\": ", f);
	json_string(f, r->mode);
	fprintf(f, ",\n  \"start_monotonic_ns\": %llu,\n  \"duration_ns\": %llu,\n",
		(unsigned long long)r->start_ns, (unsigned long long)r->duration_ns);

	fprintf(f, "  \"alloc\": {\"objects\": %llu, \"bytes\": %llu, \"tiny_objects\": %llu,"
		" \"sites\": [",
		(unsigned long long)agg->alloc_objects, (unsigned long long)agg->alloc_bytes,
		(unsigned long long)agg->tiny_objects);
	write_sites(f, &r->alloc_sites, true);
	fputs("},\n", f);

	fprintf(f, "  \"gc\": {\"cycles\": %zu, \"events\": [", agg->gc_len);
	for (size_t i = 0; i < agg->gc_len; i++) {
		const struct gc_cycle *c = &agg->gc[i];

		fprintf(f, "%s{\"cycle\": %u, \"trigger\": ", i ? ",\n      " : "\n      ",
			c->cycle);
		json_string(f, gc_trigger_name(c->trigger));
		fputs(", \"start_ns\": ", f);
		json_time(f, c->start_ns, r->start_ns);
		fputs(", \"end_ns\": ", f);
		json_time(f, c->end_ns, r->start_ns);
		fputs("}", f);
	}
	fputs(agg->gc_len ? "\n    ]},\n" : "]},\n", f);

	fprintf(f, "  \"stack_growth\": {\"events\": %llu, \"bytes\": %llu,"
		" \"shrink_events\": %llu, \"sites\": [",
		(unsigned long long)agg->growth_events, (unsigned long long)agg->growth_bytes,
		(unsigned long long)agg->shrink_events);
	write_sites(f, &r->growth_sites, false);
	fputs(",\n    \"log\": [", f);
	for (size_t i = 0; i < agg->growth_log_len; i++) {
		const struct growth_event *g = &agg->growth_log[i];
		const struct stack_count *st = &agg->growths.entries[g->stack];
		const struct gobin_frame *frames;
		int n = st->nframes ? symbolizer_frames(r->sym, st->frames[0], 1, &frames) : 0;

		fprintf(f, "%s{\"t_ns\": ", i ? ",\n      " : "\n      ");
		json_time(f, g->ts, r->start_ns);
		fprintf(f, ", \"goid\": %llu, \"function\": ", (unsigned long long)g->goid);
		json_string(f, n > 0 ? frames[n - 1].function : UNKNOWN_FUNCTION);
		fprintf(f, ", \"old_size\": %llu, \"new_size\": %llu}",
			(unsigned long long)g->old_size, (unsigned long long)g->new_size);
	}
	fprintf(f, "%s], \"log_dropped\": %llu},\n", agg->growth_log_len ? "\n    " : "",
		(unsigned long long)agg->growth_log_dropped);
	fprintf(f, "  \"lost_events\": %llu,\n  \"lost_stacks\": %llu,\n",
		(unsigned long long)r->lost_events, (unsigned long long)r->lost_stacks);
	write_leftovers(f, r);
	fputs("}\n", f);
	return output_commit(f, tmp, path);
}

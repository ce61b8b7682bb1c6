// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Folded stacks, the input of flamegraph.pl, inferno and speedscope: one
 * line per unique stack, `root;caller;...;leaf VALUE`, sorted, equal stacks
 * merged.
 *   heap.folded   VALUE is bytes allocated (alloc_space)
 *   stack.folded  VALUE is bytes added to stacks by growing (stack_bytes)
 * Frames are those of heap.pb.gz and stack.pb.gz (report_stack_locations), named
 * as there, inlined calls expanded into frames of their own. In a name, ';'
 * and control characters (which would split a frame or a line) become '?'.
 * A stack without frames (none could be walked) is "[unknown]".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outputs/output_set.h"
#include "outputs/report.h"

struct folded {
	char *stack;
	uint64_t value;
};

static void put_name(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p == ';' || *p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* The folded stack of e, root first, into a malloc'ed string. */
static char *fold_stack(struct symbolizer *sym, const struct stack_count *e, bool alloc)
{
	struct profile_stack st;
	char *s = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f;

	if (report_stack_locations(sym, e, alloc, &st))
		return NULL;
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (uint32_t i = st.nlocs; i-- > 0;) {
		const struct profile_location *loc = &st.locs[i];

		for (uint32_t j = loc->nframes; j-- > 0;) {
			if (!first)
				fputc(';', f);
			put_name(f, loc->frames[j].symbol);
			first = false;
		}
	}
	if (first)
		fputs(UNKNOWN_FUNCTION, f);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->stack, ((const struct folded *)b)->stack);
}

static int write_folded(const struct report *r, const struct stack_table *t, bool alloc, int fd)
{
	struct folded *v = calloc(t->len ? t->len : 1, sizeof(*v));
	size_t n = 0, m = 0, outlen = 0;
	char *out = NULL;
	FILE *f = NULL;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++) {
		if (!t->entries[i].bytes)
			continue;
		v[n].stack = fold_stack(r->sym, &t->entries[i], alloc);
		if (!v[n].stack) {
			ret = -ENOMEM;
			goto cleanup;
		}
		v[n++].value = t->entries[i].bytes;
	}
	qsort(v, n, sizeof(*v), by_stack);
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(v[m - 1].stack, v[i].stack)) {
			v[m - 1].value += v[i].value;
			free(v[i].stack);
		} else {
			v[m++] = v[i];
		}
	}
	n = m;	/* the strings past m were freed or moved below m */
	f = open_memstream(&out, &outlen);
	if (!f) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %llu\n", v[i].stack, (unsigned long long)v[i].value);
	ret = fclose(f) ? -ENOMEM : 0;
	if (!ret)
		ret = output_write_all(fd, out, outlen);
cleanup:
	for (size_t i = 0; i < n; i++)
		free(v[i].stack);
	free(v);
	free(out);
	return ret;
}

int report_write_heap_folded(const struct report *r, int fd)
{
	return write_folded(r, &r->agg->allocs, true, fd);
}

int report_write_stack_folded(const struct report *r, int fd)
{
	return write_folded(r, &r->agg->growths, false, fd);
}

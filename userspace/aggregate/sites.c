// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Folds per-stack counts into per-site counts for the reports. Sites are few
 * (hundreds), stacks many; folding sorts the stacks' sites and merges equal
 * neighbours, so no second hash table is needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/sites.h"

static int site_key_cmp(const struct site *a, const struct site *b)
{
	int c = strcmp(a->function, b->function);

	if (c)
		return c;
	c = strcmp(a->file, b->file);
	if (c)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

static int by_key(const void *a, const void *b)
{
	return site_key_cmp(a, b);
}

static int by_bytes(const void *pa, const void *pb)
{
	const struct site *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return site_key_cmp(a, b);
}

static int by_count(const void *pa, const void *pb)
{
	const struct site *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return site_key_cmp(a, b);
}

static int fold(const struct stack_table *t, struct symbolizer *s, bool growth,
		struct site_list *out)
{
	struct site *v = calloc(t->len ? t->len : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++) {
		const struct stack_count *e = &t->entries[i];
		struct gobin_frame site;

		if (growth) {
			const struct gobin_frame *frames;
			int nf = e->nframes ? symbolizer_frames(s, e->frames[0], 1, &frames) : 0;

			site = nf > 0 ? frames[nf - 1] : (struct gobin_frame){
				.function = UNKNOWN_FUNCTION, .file = "" };
		} else {
			site = symbolizer_alloc_site(s, e->frames, e->nframes);
		}
		/* alloc sites: runtime/pprof's names, as in heap.pb.gz */
		v[i].function = growth ? site.function : site.symbol;
		v[i].file = site.file ? site.file : "";
		v[i].line = growth ? 0 : site.line;
		v[i].count = e->count;
		v[i].bytes = e->bytes;
		v[i].samples = e->samples;
	}
	qsort(v, t->len, sizeof(*v), by_key);
	for (size_t i = 0; i < t->len; i++) {
		if (n && !site_key_cmp(&v[n - 1], &v[i])) {
			v[n - 1].count += v[i].count;
			v[n - 1].bytes += v[i].bytes;
			v[n - 1].samples += v[i].samples;
		} else {
			v[n++] = v[i];
		}
	}
	qsort(v, n, sizeof(*v), growth ? by_count : by_bytes);
	out->sites = v;
	out->len = n;
	return 0;
}

int sites_alloc(const struct stack_table *t, struct symbolizer *s, struct site_list *out)
{
	return fold(t, s, false, out);
}

int sites_growth(const struct stack_table *t, struct symbolizer *s, struct site_list *out)
{
	return fold(t, s, true, out);
}

void site_list_free(struct site_list *l)
{
	free(l->sites);
	l->sites = NULL;
	l->len = 0;
}

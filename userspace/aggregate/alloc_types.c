// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Allocations by type. Each allocation was counted with its *_type argument
 * (a runtime address); here those addresses get names from the binary's
 * own type data (gobin_type_name), cached per address as the symbolizer
 * caches PCs, and the allocations are folded per name for the reports.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/aggregate.h"
#include "aggregate/alloc_types.h"
#include "aggregate/symbolize.h"

struct type_entry {
	uint64_t typ;
	const char *name;	/* owned unless one of the TYPE_* constants */
	bool owned;
};

struct type_namer {
	/* Per image of the target (image_of(typ)). */
	const struct gobin *bin[SYMBOLIZER_MAX_IMAGES];
	uint64_t bias[SYMBOLIZER_MAX_IMAGES];
	struct gotype_layout layout[SYMBOLIZER_MAX_IMAGES];
	uint32_t nimages;
	/* Go plugins mapped into an image, and each one's type layout. */
	struct module_table mods;
	struct gotype_layout mod_layout[MODULES_MAX];
	struct type_entry *slots;	/* open addressing; name NULL: free */
	size_t nslots, used;
};

int type_namer_new(struct type_namer **out, const struct gobin *bin, uint64_t load_bias,
		   const struct gotype_layout *layout)
{
	struct type_namer *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->nslots = 256;
	n->slots = calloc(n->nslots, sizeof(*n->slots));
	if (!n->slots) {
		free(n);
		return -ENOMEM;
	}
	n->bin[0] = bin;
	n->bias[0] = load_bias;
	n->layout[0] = *layout;
	n->nimages = 1;
	*out = n;
	return 0;
}

int type_namer_add_image(struct type_namer *n, uint32_t image, const struct gobin *bin,
			 uint64_t load_bias, const struct gotype_layout *layout)
{
	if (image != n->nimages || image >= SYMBOLIZER_MAX_IMAGES)
		return -EINVAL;
	n->bin[image] = bin;
	n->bias[image] = load_bias;
	n->layout[image] = *layout;
	n->nimages++;
	return 0;
}

int type_namer_add_module(struct type_namer *n, uint32_t image, const struct gobin *bin,
			  uint64_t load_bias, const struct gotype_layout *layout)
{
	int m;

	if (image >= n->nimages)
		return -EINVAL;
	m = module_table_add(&n->mods, image, bin, load_bias);
	if (m < 0)
		return m;
	n->mod_layout[m] = *layout;
	return 0;
}

void type_namer_free(struct type_namer *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nslots; i++)
		if (n->slots[i].owned)
			free((char *)n->slots[i].name);
	free(n->slots);
	free(n);
}

static struct type_entry *slot_for(struct type_entry *slots, size_t nslots, uint64_t typ)
{
	size_t i = (typ * 0x9e3779b97f4a7c15ULL >> 17) & (nslots - 1);

	while (slots[i].name && slots[i].typ != typ)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static int grow(struct type_namer *n)
{
	size_t nslots = n->nslots * 2;
	struct type_entry *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < n->nslots; i++)
		if (n->slots[i].name)
			*slot_for(slots, nslots, n->slots[i].typ) = n->slots[i];
	free(n->slots);
	n->slots = slots;
	n->nslots = nslots;
	return 0;
}

/* The name from the binary, or a TYPE_* constant; *owned when malloc'ed. */
static const char *lookup(const struct type_namer *n, uint64_t typ, bool *owned)
{
	uint32_t img = image_of(typ);
	uint64_t addr = typ & IMAGE_ADDR_MASK;
	const struct gotype_layout *layout;
	const struct gobin *bin;
	const uint8_t *name;
	uint64_t bias;
	size_t len;
	char *s;
	int ret, m;

	*owned = false;
	if (!typ)
		return TYPE_NONE;
	if (img >= n->nimages)
		return TYPE_UNKNOWN;
	m = module_table_find(&n->mods, img, addr);
	bin = m >= 0 ? n->mods.v[m].bin : n->bin[img];
	bias = m >= 0 ? n->mods.v[m].bias : n->bias[img];
	layout = m >= 0 ? &n->mod_layout[m] : &n->layout[img];
	if (!gobin_has_type_data(bin))
		return TYPE_UNKNOWN;
	ret = gobin_type_name(bin, addr - bias, layout, &name, &len);
	if (ret == -ENXIO)
		return TYPE_RUNTIME;
	/* An empty name (a NUL first) is no name: pprof labels need one. */
	if (ret || !len || !name[0])
		return TYPE_UNKNOWN;
	/* A NUL inside a hostile name ends it. */
	s = strndup((const char *)name, len);
	if (!s)
		return TYPE_UNKNOWN;
	*owned = true;
	return s;
}

const char *type_namer_name(struct type_namer *n, uint64_t typ)
{
	struct type_entry *e;
	bool owned;

	if ((n->used + 1) * 2 > n->nslots && grow(n))
		return TYPE_UNKNOWN;
	e = slot_for(n->slots, n->nslots, typ);
	if (e->name)
		return e->name;
	e->name = lookup(n, typ, &owned);
	e->typ = typ;
	e->owned = owned;
	n->used++;
	return e->name;
}

static int by_name(const void *pa, const void *pb)
{
	const struct type_count *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

static int by_bytes(const void *pa, const void *pb)
{
	const struct type_count *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->objects != b->objects)
		return a->objects < b->objects ? 1 : -1;
	return strcmp(a->name, b->name);
}

int alloc_types(const struct stack_table *t, struct type_namer *n, struct type_list *out)
{
	struct type_count *v = calloc(t->len ? t->len : 1, sizeof(*v));
	size_t len = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->len; i++) {
		v[i].name = type_namer_name(n, t->entries[i].tag);
		v[i].objects = t->entries[i].count;
		v[i].bytes = t->entries[i].bytes;
	}
	qsort(v, t->len, sizeof(*v), by_name);
	for (size_t i = 0; i < t->len; i++) {
		if (len && !strcmp(v[len - 1].name, v[i].name)) {
			v[len - 1].objects += v[i].objects;
			v[len - 1].bytes += v[i].bytes;
		} else {
			v[len++] = v[i];
		}
	}
	qsort(v, len, sizeof(*v), by_bytes);
	out->types = v;
	out->len = len;
	return 0;
}

void type_list_free(struct type_list *l)
{
	free(l->types);
	l->types = NULL;
	l->len = 0;
}

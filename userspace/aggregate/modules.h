/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go plugins mapped into an image of the target: which binary and load bias
 * a run-time address of that image belongs to when it is not the image's
 * own. Shared by the symbolizer (PCs) and the type namer (type addresses).
 */
#ifndef GOMEMTRACE_MODULES_H
#define GOMEMTRACE_MODULES_H

#include <errno.h>
#include <stdint.h>

#include "binary/gobinary.h"

#define MODULES_MAX 16

struct module_table {
	struct {
		uint32_t image;
		const struct gobin *bin;
		uint64_t bias, lo, hi;	/* run-time range [lo, hi) of its file image */
	} v[MODULES_MAX];
	uint32_t n;
};

/*
 * Adds bin, loaded at load_bias, as a module of image. Returns its index,
 * -EINVAL (table full) or -ENOENT (bin has no loaded segments).
 */
static inline int module_table_add(struct module_table *t, uint32_t image,
				   const struct gobin *bin, uint64_t load_bias)
{
	uint64_t lo, hi;

	if (t->n >= MODULES_MAX)
		return -EINVAL;
	if (gobin_image_extent(bin, &lo, &hi))
		return -ENOENT;
	t->v[t->n].image = image;
	t->v[t->n].bin = bin;
	t->v[t->n].bias = load_bias;
	t->v[t->n].lo = lo + load_bias;
	t->v[t->n].hi = hi + load_bias;
	return (int)t->n++;
}

/* The index of the module of image img holding the run-time address addr
 * (untagged), or -1: the image's own binary. */
static inline int module_table_find(const struct module_table *t, uint32_t img, uint64_t addr)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->v[i].image == img && addr >= t->v[i].lo && addr < t->v[i].hi)
			return (int)i;
	return -1;
}

#endif

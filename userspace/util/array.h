/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A growable array's storage, shared by every stage. */
#ifndef GOMEMTRACE_ARRAY_H
#define GOMEMTRACE_ARRAY_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Makes *p (capacity *cap elements of size bytes) hold at least need
 * elements, doubling from 64. Returns 0, or -ENOMEM with *p unchanged.
 */
static inline int array_reserve(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > ((size_t)-1 / 2) / size)
			return -ENOMEM;
		n *= 2;
	}
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

#endif

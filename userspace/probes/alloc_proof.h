/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Proof that a set of probed functions counts every heap allocation of a Go
 * binary exactly once, over its call graph (binary/callgraph.h). See
 * alloc_proof.c for the argument and its limits.
 */
#ifndef GOMEMTRACE_ALLOC_PROOF_H
#define GOMEMTRACE_ALLOC_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "binary/callgraph.h"

/*
 * Checks the functions probed[0..nprobed) (graph indices) against g:
 *  - cover: no function reaches the heap's span allocators without passing
 *    a probed function, unless it can only be entered from probed functions
 *    (through code that can itself only be entered from them);
 *  - once: no probed function reaches another one through such internal
 *    code or directly, and each reaches the span allocators itself;
 *  - every function named runtime.mallocgc* is probed or internal.
 * Returns 0, -ENOEXEC with the function and the path that break it in err,
 * -ENOENT when g holds none of the span allocators (nothing to prove
 * against), -EINVAL (an index out of range) or -ENOMEM.
 */
int alloc_proof_check(const struct callgraph *g, const uint32_t *probed, size_t nprobed,
		      char *err, size_t errlen);

/* No dispatcher (alloc_proof_check_dispatch). */
#define ALLOC_PROOF_NO_DISPATCHER UINT32_MAX

/*
 * The same where probed function `dispatcher` may call other probed
 * functions directly: their probes skip calls whose return address lies in
 * the dispatcher (ALLOC_PROBE_NOT_FROM_DISPATCHER), so each allocation is
 * still counted once. Calls through any other function are not excused.
 */
int alloc_proof_check_dispatch(const struct callgraph *g, const uint32_t *probed,
			       size_t nprobed, uint32_t dispatcher, char *err, size_t errlen);

#endif

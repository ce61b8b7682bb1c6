/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* PCs of the traced process to source frames, cached: see symbolize.c. */
#ifndef GOMEMTRACE_SYMBOLIZE_H
#define GOMEMTRACE_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "gobinary.h"

struct symbolizer;

#define UNKNOWN_FUNCTION "[unknown]"

int symbolizer_new(struct symbolizer **out, const struct gobin *bin, uint64_t load_bias);
void symbolizer_free(struct symbolizer *s);

/*
 * Source frames of the stack entry at `depth` (0: the sampled PC itself;
 * deeper entries are return addresses, looked up at pc - 1), innermost
 * inlined frame first. Always at least one frame: a PC outside the binary
 * gives UNKNOWN_FUNCTION. Returns the count; *frames stays valid until
 * symbolizer_free.
 */
int symbolizer_frames(struct symbolizer *s, uint64_t pc, uint32_t depth,
		      const struct gobin_frame **frames);

/* Package runtime (and internal/runtime/...), whose frames the runtime's own
 * heap profile hides. */
bool go_function_is_runtime(const char *function);

/* How many of the walked PCs belong to the stack as the Go runtime's own
 * heap profile sees it: its traceback stops where the code switched to the
 * system stack (runtime.systemstack, runtime.mcall), although the frame
 * pointer chain goes on into the goroutine that switched. */
uint32_t symbolizer_stack_len(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs);

/* The first PC whose innermost frame is outside package runtime, or npcs if
 * there is none: the runtime's heap profile hides the PCs before it (and
 * keeps the stack whole when there is none). */
uint32_t symbolizer_first_user_pc(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs);

/* The allocation site of a stack as the runtime's heap profile attributes
 * it: the innermost frame of the first PC outside package runtime; for a
 * stack all in the runtime, its first frame outside it, inlined or not. */
struct gobin_frame symbolizer_alloc_site(struct symbolizer *s, const uint64_t *pcs,
					 uint32_t npcs);

#endif

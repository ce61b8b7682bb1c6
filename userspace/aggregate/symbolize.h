/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* PCs of the traced process to source frames, cached: see symbolize.c. */
#ifndef GOMEMTRACE_SYMBOLIZE_H
#define GOMEMTRACE_SYMBOLIZE_H

#include "aggregate/modules.h"
#include <stdbool.h>
#include <stdint.h>

#include "binary/gobinary.h"

struct symbolizer;

#define UNKNOWN_FUNCTION "[unknown]"

/* PCs of the first image of the target (image_of(pc) == 0): bin, loaded at
 * load_bias. */
int symbolizer_new(struct symbolizer **out, const struct gobin *bin, uint64_t load_bias);
/* PCs of image number image (1, 2, ... in order: the target after each of
 * its execs): bin, loaded at load_bias. bin must outlive s. Returns 0 or
 * -EINVAL (out of order, or more than SYMBOLIZER_MAX_IMAGES). */
#define SYMBOLIZER_MAX_IMAGES 8
int symbolizer_add_image(struct symbolizer *s, uint32_t image, const struct gobin *bin,
			 uint64_t load_bias);
/*
 * A Go plugin mapped into image number image (image_of(pc)): its PCs, the
 * run-time range of bin's file image at load_bias (gobin_image_extent),
 * are looked up in bin, the others of that image in the image's own
 * binary (as the runtime's findfunc looks up each PC in the module whose
 * text holds it). bin must outlive s. Returns 0, -EINVAL (no such image,
 * or more than SYMBOLIZER_MAX_MODULES), -ENOENT (bin has no segments).
 */
#define SYMBOLIZER_MAX_MODULES MODULES_MAX
int symbolizer_add_module(struct symbolizer *s, uint32_t image, const struct gobin *bin,
			  uint64_t load_bias);
void symbolizer_free(struct symbolizer *s);

/*
 * Source frames of the stack entry at `depth` (0: the sampled PC itself;
 * deeper entries are return addresses, looked up at pc - 1), innermost
 * inlined frame first, wrappers included. Always at least one frame: a PC outside the binary
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

/*
 * An allocation's stack as runtime/pprof writes it into a heap profile:
 * locations, leaf first, each with its frames (innermost inlined first).
 * Built from the walked PCs (the probed allocation function's first) as the
 * runtime records and writes them:
 * - the traceback ends at runtime.systemstack / runtime.mcall
 *   (symbolizer_stack_len);
 * - wrapper frames (funcID wrapper: method value, interface and promoted
 *   method wrappers, go and defer statement wrappers, ABI wrappers,
 *   reflectcall and runtime.callN, deferreturn) are left out unless they
 *   call runtime.gopanic, sigpanic or panicwrap (tracebackPCs,
 *   elideWrapperCalling);
 * - the frames mProf_Malloc's callers() skips, per Go version, are left
 *   out, and only as many as it records kept (symbolize.c:
 *   profile_window);
 * - leading frames named runtime.* (and internal/runtime/... from Go 1.24)
 *   are hidden, unless nothing else would be left (writeHeapProto);
 * - runtime.goexit is dropped (allFrames).
 * Function names in frames[].symbol are runtime/pprof's. Valid until the
 * next call on s. Returns 0 or -ENOMEM.
 */
struct profile_location {
	uint64_t pc;				/* as walked: a return address but
						 * at depth 0; where the PC's inner
						 * frames were left out, its first
						 * kept frame's call site + 1 */
	const struct gobin_frame *frames;	/* innermost first */
	uint32_t nframes;
};

struct profile_stack {
	struct profile_location *locs;		/* leaf first */
	uint32_t nlocs;
};

int symbolizer_profile_stack(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs,
			     struct profile_stack *out);

/* Every frame of pcs as walked, none hidden or elided (stack growths: the
 * runtime has no profile of them to mirror); pcs[0] is at depth depth0 (0:
 * the sampled PC itself, 1: a return address). Same lifetime as
 * symbolizer_profile_stack's. Returns 0 or -ENOMEM. */
int symbolizer_full_stack(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs,
			  uint32_t depth0, struct profile_stack *out);

/* The allocation site of a stack as the runtime's heap profile attributes
 * it: the first frame of its profile stack outside package runtime (and
 * internal/runtime/...), else its first frame. */
struct gobin_frame symbolizer_alloc_site(struct symbolizer *s, const uint64_t *pcs,
					 uint32_t npcs);

#endif

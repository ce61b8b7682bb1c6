/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The prologue of a Go function (amd64), decoded: see prologue.c. */
#ifndef GOMEMTRACE_PROLOGUE_H
#define GOMEMTRACE_PROLOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offsets from the function's entry, in bytes. */
struct go_prologue {
	bool stack_check;	/* opens with a stack bound check */
	size_t check_jls;	/* its JLS (jbe) to morestack, if stack_check */
	bool push_bp;		/* frame set by PUSHQ BP (Go 1.21+) */
	size_t push;		/* offset of that PUSHQ BP, if push_bp */
	size_t frame_end;	/* first instruction after the frame pointer is set */
};

/*
 * Decodes the prologue the Go compiler emits (Go 1.19-1.27) from a
 * function's first bytes. Returns 0 and fills *p, or -ENOENT if the code
 * does not start with such a prologue (never a guess).
 */
int go_prologue_decode(const uint8_t *code, size_t len, struct go_prologue *p);

/* Offset of the first instruction after the frame pointer is established:
 * go_prologue_decode()'s frame_end. Returns 0 or -ENOENT. */
int go_prologue_end(const uint8_t *code, size_t len, size_t *offset);

#endif

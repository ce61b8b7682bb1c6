/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where a Go function's frame is set up (amd64): see prologue.c. */
#ifndef GOMEMTRACE_PROLOGUE_H
#define GOMEMTRACE_PROLOGUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Offset, from the function's entry, of the first instruction after the
 * frame pointer is established, given the function's first bytes. Returns 0
 * and sets *offset, or -ENOENT if the code does not start with a prologue
 * the Go compiler emits.
 */
int go_prologue_end(const uint8_t *code, size_t len, size_t *offset);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The direct call graph of a Go binary, read from its machine code (amd64):
 * which function calls (or tail-jumps to) which, and which functions may be
 * entered indirectly because their address is stored in the binary's data
 * or loaded by a RIP-relative LEA. See callgraph.c for how edges are found
 * and why an edge found by mistake only makes a proof over the graph
 * stricter.
 *
 * Functions are the pclntab's, indexed as gobin_func_by_index (sorted by
 * entry); addresses are link-time.
 */
#ifndef GOMEMTRACE_CALLGRAPH_H
#define GOMEMTRACE_CALLGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/gobinary.h"

struct callgraph;

/*
 * Reads the call graph of bin: every CALL rel32 (e8) and JMP rel32 (e9) in
 * a function's code whose target is another function's entry (a CALL to
 * its own entry is a recursive call and kept); a LEA rip-relative of a
 * function's entry, or of a data slot holding one that nothing else refers
 * to (a funcval), as a call by the function holding the LEA; and as
 * address-taken every function whose entry is stored anywhere else in a
 * non-executable loaded segment (8-byte aligned). Returns 0 with *out set,
 * -ENOENT (no functions) or -ENOMEM.
 */
int callgraph_build(const struct gobin *bin, struct callgraph **out);

/*
 * A graph of n functions built by hand (unit tests): set every function,
 * add calls, mark address-taken ones, then callgraph_finish before any
 * query. Entries must be set in increasing order. Return 0, -EINVAL (index
 * out of range) or -ENOMEM; callgraph_new returns NULL on -ENOMEM.
 */
struct callgraph *callgraph_new(size_t n);
int callgraph_set_func(struct callgraph *g, size_t i, uint64_t entry, const char *name);
int callgraph_add_call(struct callgraph *g, size_t from, size_t to);
int callgraph_mark_address_taken(struct callgraph *g, size_t i);
int callgraph_finish(struct callgraph *g);

void callgraph_free(struct callgraph *g);

size_t callgraph_count(const struct callgraph *g);
/* pclntab name of function i (names are shared by a Go function and its
 * ABI0 wrapper). */
const char *callgraph_name(const struct callgraph *g, size_t i);
uint64_t callgraph_entry(const struct callgraph *g, size_t i);
/* The function entered at exactly entry; -ENOENT if none. */
int callgraph_index(const struct callgraph *g, uint64_t entry, size_t *i);
/* Distinct functions that i calls / that call i (each once), and their
 * number in *n. */
const uint32_t *callgraph_callees(const struct callgraph *g, size_t i, size_t *n);
const uint32_t *callgraph_callers(const struct callgraph *g, size_t i, size_t *n);
/* Whether i's address is taken (it may be entered by an indirect call). */
bool callgraph_address_taken(const struct callgraph *g, size_t i);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading the Go runtime's machine code (amd64) for what stripped binaries
 * no longer name: call sites and the RIP-relative addresses of the runtime's
 * variables next to them. See gocode.c.
 */
#ifndef GOMEMTRACE_GOCODE_H
#define GOMEMTRACE_GOCODE_H

#include <stdint.h>

#include "binary/gobinary.h"

/* The link-time address a rel32 at code[at..at+4) points to, for an
 * instruction ending at code[end] of a function entered at entry. The
 * caller has checked that end <= the code's length. */
uint64_t gocode_rel32_target(const uint8_t *code, uint64_t entry, uint64_t at, uint64_t end);

/* The first direct CALL (e8 rel32) in one function to another's entry. */
struct gocode_call {
	const uint8_t *code;	/* the caller's bytes, from its entry */
	uint64_t entry;		/* the caller's link-time entry */
	uint64_t call;		/* offset of the CALL in code */
};

/*
 * Finds the first CALL in function caller to the entry of function callee
 * (pclntab names). Returns 0 and fills *out, or -ENOENT (either function
 * absent, its code unreadable, or no such call).
 */
int gocode_call_site(const struct gobin *bin, const char *caller, const char *callee,
		     struct gocode_call *out);

/*
 * The link-time address of runtime.work.cycles from gcStart's code alone
 * (runtime/mgc.go gcStart: work.cycles.Add(1) just before
 * gcController.startCycle): INCL rel32 (ff 05, Go 1.19-1.20) or LEAQ rel32,
 * CX (48 8d 0d) for a LOCK XADDL (1.21+), the last such instruction in the
 * 64 bytes before the call. Returns 0, or -ENOENT.
 */
int gocode_find_work_cycles(const struct gobin *bin, uint64_t *addr);

#endif

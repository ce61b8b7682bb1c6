// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Call sites in the Go runtime's code and the variables they use, for
 * binaries without symbols. Every read stays inside the function's bytes as
 * gobin_read gave them; a pattern found nowhere is -ENOENT, never a guess.
 * Unstripped binaries check each answer against the symbol's
 * (tests/unit/test_probe_plan.c, tests/unit/test_runtime_state.c).
 */
#include <errno.h>
#include <string.h>

#include "binary/gocode.h"

uint64_t gocode_rel32_target(const uint8_t *code, uint64_t entry, uint64_t at, uint64_t end)
{
	int32_t rel;

	memcpy(&rel, code + at, sizeof(rel));
	return entry + end + (int64_t)rel;
}

int gocode_call_site(const struct gobin *bin, const char *caller, const char *callee,
		     struct gocode_call *out)
{
	struct gobin_func from, to;
	uint64_t len;

	if (gobin_find_func(bin, caller, &from) || gobin_find_func(bin, callee, &to) ||
	    from.end <= from.entry)
		return -ENOENT;
	len = from.end - from.entry;
	out->code = gobin_read(bin, from.entry, len);
	if (!out->code)
		return -ENOENT;
	out->entry = from.entry;
	for (uint64_t i = 0; i + 5 <= len; i++) {
		if (out->code[i] == 0xe8 &&
		    gocode_rel32_target(out->code, from.entry, i + 1, i + 5) == to.entry) {
			out->call = i;
			return 0;
		}
	}
	return -ENOENT;
}

int gocode_find_work_cycles(const struct gobin *bin, uint64_t *addr)
{
	struct gocode_call c;
	uint64_t found = 0;

	if (gocode_call_site(bin, "runtime.gcStart", "runtime.(*gcControllerState).startCycle",
			     &c))
		return -ENOENT;
	for (uint64_t i = c.call > 64 ? c.call - 64 : 0; i + 6 <= c.call; i++) {
		if (c.code[i] == 0xff && c.code[i + 1] == 0x05)
			found = gocode_rel32_target(c.code, c.entry, i + 2, i + 6);
		else if (i + 7 <= c.call && c.code[i] == 0x48 && c.code[i + 1] == 0x8d &&
			 c.code[i + 2] == 0x0d)
			found = gocode_rel32_target(c.code, c.entry, i + 3, i + 7);
	}
	if (!found)
		return -ENOENT;
	*addr = found;
	return 0;
}

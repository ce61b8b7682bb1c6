// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness for userspace/gobinary.c and symbolize.c, end to end:
 * the input is an ELF file opened as the tracer opens a target, then asked
 * what the tracer asks: build info, functions by index, name and PC, their
 * prologues (prologue.c, as the probe plan reads them), the inline-expanded
 * frames of a few PCs, and a symbolizer's allocation site of a made-up
 * stack (with a PIE-like load bias), and its call graph with the exact
 * plan's proof over it (callgraph.c, alloc_proof.c).
 */
#include <stdint.h>
#include <string.h>

#include "binary/callgraph.h"
#include "binary/gobinary.h"
#include "binary/prologue.h"
#include "aggregate/symbolize.h"
#include "probes/alloc_proof.h"

#define SAMPLE_FUNCS 16
#define MAX_FRAMES 32
#define STACK_LEN 8
#define PROLOGUE_BYTES 64

static volatile size_t sink;

static void use_frames(const struct gobin_frame *fr, int n)
{
	for (int i = 0; i < n; i++)
		sink += strlen(fr[i].function) + strlen(fr[i].file) + fr[i].line +
			fr[i].wrapper;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = {
		"runtime.mallocgc", "runtime.morestack", "main.main", "runtime.text",
	};
	struct gobin_frame frames[MAX_FRAMES];
	const struct gobin_frame *cached;
	uint64_t pcs[STACK_LEN] = { 0 }, v, bias = 0x7f0000000000ull;
	struct symbolizer *sym = NULL;
	struct gobin_func fn, byname;
	int32_t delta;
	struct gobin *bin;
	char err[256];
	size_t nfunc, i, k, step, off;
	const uint8_t *code;
	int n;

	if (gobin_open_mem(data, size, "fuzz", &bin, err, sizeof(err)))
		return 0;
	sink += gobin_go_minor(bin) + gobin_is_pie(bin) + gobin_first_load_vaddr(bin);
	if (gobin_go_version(bin))
		sink += strlen(gobin_go_version(bin));
	if (gobin_main_path(bin))
		sink += strlen(gobin_main_path(bin));
	if (gobin_vcs_revision(bin))
		sink += strlen(gobin_vcs_revision(bin));
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (!gobin_find_func(bin, probes[i], &fn))
			sink += fn.entry;
		if (!gobin_symbol_addr(bin, probes[i], &v) && gobin_read(bin, v, 8))
			sink += v;
	}
	if (symbolizer_new(&sym, bin, bias))
		sym = NULL;
	nfunc = gobin_func_count(bin);
	step = nfunc / SAMPLE_FUNCS + 1;
	for (k = 0, i = 0; k < SAMPLE_FUNCS && i < nfunc; k++, i += step) {
		if (gobin_func_by_index(bin, i, &fn))
			continue;
		/* a name that is found must give a function of that name */
		if (!gobin_find_func(bin, fn.name, &byname) && strcmp(byname.name, fn.name))
			__builtin_trap();
		if (!gobin_func_at(bin, fn.entry, &byname))
			sink += byname.entry;
		if (!gobin_vaddr_to_offset(bin, fn.entry, &v))
			sink += v;
		for (size_t len = PROLOGUE_BYTES; len; len /= 4) {
			code = gobin_read(bin, fn.entry, len);
			if (code && !go_prologue_end(code, len, &off))
				sink += off;
		}
		n = gobin_symbolize(bin, fn.entry + (fn.end - fn.entry) / 2, frames, MAX_FRAMES);
		use_frames(frames, n);
		if (!gobin_sp_delta(bin, fn.entry + (fn.end - fn.entry) / 2, &delta))
			sink += (uint32_t)delta;
		n = gobin_symbolize(bin, fn.end - 1, frames, MAX_FRAMES);
		use_frames(frames, n);
		if (k < STACK_LEN)
			pcs[k] = bias + fn.entry + (fn.end - fn.entry) / 2 + (k > 0);
		if (sym) {
			n = symbolizer_frames(sym, bias + fn.entry, 0, &cached);
			use_frames(cached, n);
		}
	}
	if (sym) {
		struct gobin_frame site = symbolizer_alloc_site(sym, pcs, STACK_LEN);

		struct profile_stack st;

		use_frames(&site, 1);
		if (!symbolizer_profile_stack(sym, pcs, STACK_LEN, &st))
			for (uint32_t i = 0; i < st.nlocs; i++)
				use_frames(st.locs[i].frames, st.locs[i].nframes);
		symbolizer_free(sym);
	}
	{
		struct callgraph *g = NULL;

		if (!callgraph_build(bin, &g)) {
			uint32_t probed[2] = { 0, (uint32_t)(callgraph_count(g) / 2) };
			size_t nc;

			for (i = 0; i < callgraph_count(g); i += step) {
				sink += callgraph_address_taken(g, i) + callgraph_entry(g, i) +
					strlen(callgraph_name(g, i));
				callgraph_callees(g, i, &nc);
				sink += nc;
				callgraph_callers(g, i, &nc);
				sink += nc;
			}
			sink += alloc_proof_check(g, probed, 2, err, sizeof(err));
			callgraph_free(g);
		}
	}
	gobin_close(bin);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * From binary facts to probe points. Functions are found in the pclntab
 * (never by ELF symbol), so stripped binaries plan the same way.
 *
 * Allocations: up to Go 1.23 every heap allocation enters runtime.mallocgc.
 * From 1.24 mallocgc dispatches to mallocgcTiny, mallocgcSmallNoscan,
 * mallocgcSmallScanNoHeader, mallocgcSmallScanHeader and mallocgcLarge; from
 * 1.27 the compiler also calls size-specialized mallocgc*SC<class> functions
 * directly, and mallocgc reaches them through tables. Names only propose a
 * plan (the leaves when the binary has them, else mallocgc); the binary's
 * call graph decides (probes/alloc_proof.c: every path to the heap's span
 * allocators passes exactly one probe). A binary for which neither plan is
 * proven is refused, naming the function and the path that break it: an
 * unknown allocation function, a leaf PGO inlined into mallocgc, user arena
 * chunks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "probes/memtrace_types.h"
#include "binary/callgraph.h"
#include "binary/gocode.h"
#include "probes/alloc_proof.h"
#include "probes/probe_plan.h"
#include "binary/prologue.h"

#define PROLOGUE_SCAN 64

struct leaf_name {
	const char *prefix;
	uint8_t kind;
};

/* Leaf allocation functions: exact name, or name + "SC" + size class, or
 * name + "Size" + bytes (go1.26's GOEXPERIMENT=sizespecializedmalloc names
 * its tiny allocators runtime.mallocgcTinySize1..15). */
static const struct leaf_name leaves[] = {
	{ "runtime.mallocgcTiny", ALLOC_PROBE_TINY },
	{ "runtime.mallocgcSmallNoscan", ALLOC_PROBE_NOSCAN },
	{ "runtime.mallocgcSmallNoScan", ALLOC_PROBE_NOSCAN },
	{ "runtime.mallocgcSmallScanNoHeader", ALLOC_PROBE_SCAN_NOHEADER },
	{ "runtime.mallocgcSmallScanHeader", ALLOC_PROBE_SCAN_HEADER },
	{ "runtime.mallocgcLarge", ALLOC_PROBE_LARGE },
};

static bool is_size_class_suffix(const char *s)
{
	if (!*s)
		return true;
	if (!strncmp(s, "SC", 2) && s[2])
		s += 2;
	else if (!strncmp(s, "Size", 4) && s[4])
		s += 4;
	else
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int leaf_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		size_t n = strlen(leaves[i].prefix);

		if (!strncmp(name, leaves[i].prefix, n) && is_size_class_suffix(name + n))
			return leaves[i].kind;
	}
	return 0;
}

/*
 * runtime.morestack (asm_amd64.s) first saves f's context into g.sched with
 * MOVs and LEAs only, then tests for g0: CMPQ; JNE 3(PC); CALL
 * runtime.badmorestackg0; CALL runtime.abort. That JNE (75 0a, over the two
 * 5-byte calls) is emulated and runs before RSP, RBP or R14 change, so the
 * probe sees what it would at the entry. Found by the call's target, never
 * by offset; -ENOENT if the code differs.
 */
static int morestack_branch(const struct gobin *bin, const struct gobin_func *fn, size_t *off)
{
	size_t len = fn->end - fn->entry < 128 ? fn->end - fn->entry : 128;
	const uint8_t *code = gobin_read(bin, fn->entry, len);

	for (size_t i = 0; code && i + 7 <= len; i++) {
		struct gobin_func callee;
		uint64_t target;

		if (code[i] != 0x75 || code[i + 1] != 0x0a || code[i + 2] != 0xe8)
			continue;
		target = gocode_rel32_target(code, fn->entry, i + 3, i + 7);
		/* The Go function and its ABI0 wrapper share the name. */
		if (!gobin_func_at(bin, target, &callee) && callee.entry == target &&
		    !strcmp(callee.name, "runtime.badmorestackg0")) {
			*off = i;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Where to put the probe. Go functions: on an instruction the kernel emulates
 * (see enum probe_placement): the stack check's JLS, else the PUSHQ BP at
 * the entry; after the prologue only when the function has neither (Go
 * 1.19-1.20 frames without a stack check). Assembly functions (at_entry):
 * their entry.
 */
static int add_point(const struct gobin *bin, struct probe_plan *plan,
		     const struct gobin_func *fn, enum probe_role role, uint8_t kind,
		     bool at_entry, char *err, size_t errlen)
{
	uint8_t placement = PLACE_ASM_ENTRY;
	struct probe_point *p;
	size_t off = 0;
	int ret;

	if (role == PROBE_MORESTACK && !morestack_branch(bin, fn, &off))
		placement = PLACE_ASM_BRANCH;

	if (plan->n >= MAX_PROBES) {
		snprintf(err, errlen, "too many probe points (more than %d)", MAX_PROBES);
		return -E2BIG;
	}
	if (!at_entry) {
		size_t len = fn->end - fn->entry < PROLOGUE_SCAN ? fn->end - fn->entry
								 : PROLOGUE_SCAN;
		const uint8_t *code = gobin_read(bin, fn->entry, len);
		struct go_prologue pro;

		if (!code || go_prologue_decode(code, len, &pro)) {
			snprintf(err, errlen, "%s: unrecognized function prologue", fn->name);
			return -ENOEXEC;
		}
		if (pro.stack_check) {
			placement = PLACE_STACK_CHECK;
			off = pro.check_jls;
		} else if (pro.push_bp) {
			placement = PLACE_FRAME_PUSH;
			off = pro.push;
		} else {
			placement = PLACE_AFTER_PROLOGUE;
			off = pro.frame_end;
		}
	}
	p = &plan->points[plan->n];
	memset(p, 0, sizeof(*p));
	p->role = role;
	p->alloc_kind = kind;
	snprintf(p->function, sizeof(p->function), "%s", fn->name);
	p->func_entry = fn->entry;
	p->placement = placement;
	p->address = fn->entry + off;
	ret = gobin_vaddr_to_offset(bin, p->address, &p->file_offset);
	if (ret) {
		snprintf(err, errlen, "%s: address 0x%llx is not in a loaded segment",
			 fn->name, (unsigned long long)p->address);
		return -ENOEXEC;
	}
	plan->n++;
	return 0;
}

static int add_named(const struct gobin *bin, struct probe_plan *plan, const char *name,
		     enum probe_role role, bool at_entry, char *err, size_t errlen)
{
	struct gobin_func fn;

	if (gobin_find_func(bin, name, &fn)) {
		snprintf(err, errlen, "%s not found in the binary", name);
		return -ENOENT;
	}
	return add_point(bin, plan, &fn, role, 0, at_entry, err, errlen);
}

const char *probe_role_name(enum probe_role role)
{
	switch (role) {
	case PROBE_ALLOC:
		return "alloc";
	case PROBE_GC_START:
		return "gc_start";
	case PROBE_GC_END:
		return "gc_end";
	case PROBE_MORESTACK:
		return "morestack";
	case PROBE_COPYSTACK:
		return "copystack";
	case PROBE_REFILL:
		return "alloc_refill";
	case PROBE_LARGE:
		return "alloc_large";
	case PROBE_IMAGE_OPEN:
		return "image_open";
	case PROBE_ROLE_MAX:
		break;
	}
	return "unknown";
}

uint64_t probe_point_cookie(const struct probe_point *p)
{
	return PROBE_COOKIE(p->address, p->placement, p->alloc_kind);
}

const char *probe_placement_name(uint8_t placement)
{
	switch (placement) {
	case PLACE_STACK_CHECK:
		return "stack check";
	case PLACE_FRAME_PUSH:
		return "frame push";
	case PLACE_AFTER_PROLOGUE:
		return "after prologue";
	case PLACE_ASM_ENTRY:
		return "entry";
	case PLACE_ASM_BRANCH:
		return "g0 check";
	}
	return "unknown";
}

bool probe_placement_emulated(uint8_t placement)
{
	return placement == PLACE_STACK_CHECK || placement == PLACE_FRAME_PUSH ||
	       placement == PLACE_ASM_BRANCH;
}

/* The plan's allocation probes proven against the binary's call graph
 * (probes/alloc_proof.c), with the plan's dispatcher if it has one. */
static int prove_plan(const struct callgraph *g, const struct probe_plan *plan, char *err,
		      size_t errlen)
{
	uint32_t probed[MAX_PROBES], dispatcher = ALLOC_PROOF_NO_DISPATCHER;
	size_t n = 0, i;

	for (int k = 0; k < plan->n; k++) {
		if (plan->points[k].role != PROBE_ALLOC)
			continue;
		if (callgraph_index(g, plan->points[k].func_entry, &i)) {
			snprintf(err, errlen, "%s is not in the call graph",
				 plan->points[k].function);
			return -ENOEXEC;
		}
		if (plan->dispatcher_hi && plan->points[k].func_entry == plan->dispatcher_lo)
			dispatcher = (uint32_t)i;
		probed[n++] = (uint32_t)i;
	}
	return alloc_proof_check_dispatch(g, probed, n, dispatcher, err, errlen);
}

/* Proposal: the allocation leaves, by name (go1.24+), each with `flags`
 * (ALLOC_PROBE_NOT_FROM_DISPATCHER) added to its kind. Returns how many. */
static int propose_leaves(const struct gobin *bin, struct probe_plan *plan, uint8_t flags,
			  char *err, size_t errlen)
{
	size_t nfuncs = gobin_func_count(bin);
	struct gobin_func fn;
	int ret, n = 0;

	for (size_t i = 0; i < nfuncs; i++) {
		int kind;

		if (gobin_func_by_index(bin, i, &fn))
			continue;
		kind = leaf_kind(fn.name);
		if (!kind)
			continue;
		ret = add_point(bin, plan, &fn, PROBE_ALLOC, kind | flags, false, err, errlen);
		if (ret)
			return ret;
		n++;
	}
	return n;
}

/*
 * User arena chunks (GOEXPERIMENT=arenas, go1.20+): memory allocated in an
 * arena is carved out of its chunk (runtime/arena.go
 * (*mspan).userArenaNextFree), no allocation; each chunk an arena takes from
 * the heap is one: runtime.newUserArenaChunk() (called only by
 * (*userArena).refill) has (*mheap).allocUserArenaChunk count it as one
 * large allocation in MemStats (Mallocs, TotalAlloc) and records it in the
 * heap profile (profilealloc). Requests too large for a chunk go to
 * newobject/newarray, through mallocgc's probes. Linked only when package
 * arena is used; a binary with refill but no newUserArenaChunk of its own
 * (inlined) is refused: its chunks could not be counted. role PROBE_ALLOC
 * in exact mode; PROBE_LARGE for the default mode's samples and
 * timeline.json (one per chunk, the runtime's largeAllocCount counts it:
 * the large samples' scale and the timeline's large allocations).
 */
static int plan_arena_chunks(const struct gobin *bin, struct probe_plan *plan,
			     enum probe_role role, char *err, size_t errlen)
{
	struct gobin_func fn;

	if (!gobin_find_func(bin, "runtime.newUserArenaChunk", &fn))
		return add_point(bin, plan, &fn, role, ALLOC_PROBE_ARENA_CHUNK, false, err,
				 errlen);
	if (!gobin_find_func(bin, "runtime.(*userArena).refill", &fn)) {
		snprintf(err, errlen, "GOEXPERIMENT=arenas: runtime.(*userArena).refill without "
			 "runtime.newUserArenaChunk: user arena chunks cannot be counted");
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Every heap allocation exactly once (exact mode). Names propose, the call
 * graph decides. Tried in order, the first proven wins:
 *  1. the leaves, when the binary has them (go1.24+);
 *  2. runtime.mallocgc alone (go1.19-1.23; also a go1.24-1.25 PGO build
 *     that inlined leaves into mallocgc, whose other leaves only mallocgc
 *     calls);
 *  3. mallocgc beside the leaves, which skip calls from mallocgc (a go1.27
 *     PGO build: mallocgc inlined the tiny and small leaves, the compiler
 *     calls the size-specialized ones directly).
 * A binary none is proven for is refused with the first one's reason.
 */
static int plan_exact_alloc(const struct gobin *bin, struct probe_plan *plan, char *err,
			    size_t errlen)
{
	char first_err[512] = "";
	struct callgraph *g = NULL;
	struct gobin_func malloc_fn;
	bool has_malloc;
	int ret, nleaves;

	ret = callgraph_build(bin, &g);
	if (ret) {
		snprintf(err, errlen, "cannot read the call graph: %s", strerror(-ret));
		return ret == -ENOMEM ? ret : -ENOEXEC;
	}
	has_malloc = !gobin_find_func(bin, "runtime.mallocgc", &malloc_fn);
	nleaves = propose_leaves(bin, plan, 0, err, errlen);
	if (nleaves < 0) {
		ret = nleaves;
		goto out;
	}
	for (int attempt = 1; attempt <= 3; attempt++) {
		char *why = first_err[0] ? err : first_err;
		size_t whylen = first_err[0] ? errlen : sizeof(first_err);

		if ((attempt != 2 && !nleaves) || (attempt != 1 && !has_malloc))
			continue;
		/* The first attempt's leaves are those proposed above. */
		if (attempt != 1) {
			plan->n = 0;
			plan->dispatcher_lo = plan->dispatcher_hi = 0;
		}
		if (attempt == 3) {
			ret = propose_leaves(bin, plan, ALLOC_PROBE_NOT_FROM_DISPATCHER, err,
					     errlen);
			if (ret < 0)
				goto out;
			plan->dispatcher_lo = malloc_fn.entry;
			plan->dispatcher_hi = malloc_fn.end;
		}
		if (attempt != 1) {
			ret = add_point(bin, plan, &malloc_fn, PROBE_ALLOC, ALLOC_PROBE_MALLOCGC,
					false, err, errlen);
			if (ret)
				goto out;
		}
		ret = plan_arena_chunks(bin, plan, PROBE_ALLOC, err, errlen);
		if (ret)
			goto out;
		ret = prove_plan(g, plan, why, whylen);
		if (!ret) {
			plan->alloc_strategy = attempt == 1 ? "allocation leaves" :
					       attempt == 2 ? "runtime.mallocgc" :
					       "runtime.mallocgc and the leaves it calls";
			goto out;
		}
		if (ret == -ENOMEM)
			goto out;
	}
	plan->n = 0;
	plan->dispatcher_lo = plan->dispatcher_hi = 0;
	snprintf(err, errlen, "%s", first_err[0] ? first_err :
		 "runtime.mallocgc not found: not a Go program?");
	ret = -ENOEXEC;
out:
	callgraph_free(g);
	return ret;
}

/*
 * GOEXPERIMENTs under which exact mode cannot equal the runtime's counts.
 * runtimefreegc (go1.26, 1.27): runtime.growsliceNoAlias, which a compiler
 * built with the experiment calls for appends to slices it proved unaliased
 * (cmd/compile reads goexperiment.RuntimeFreegc of its own build: released
 * toolchains never emit it), hands the old backing array to runtime.freegc,
 * and a later small pointer-free allocation of its size class takes it
 * again (mallocgcSmallNoscan and its SC variants: hasReusableNoscan,
 * mallocgcSmallNoscanReuse) after its probe was hit; the runtime counts
 * such a reuse neither in MemStats nor in its heap profile ("reused objects
 * are not counted as allocs nor frees"), and the probe cannot tell it from
 * a new object. Without runtime.freegc in the binary (the linker keeps it
 * only if called) nothing is freed and nothing reused; with -asan or
 * -msan runtimeFreegcEnabled is false.
 */
static int exact_refused(const struct gobin *bin, char *err, size_t errlen)
{
	struct gobin_func fn;

	if (gobin_has_experiment(bin, "runtimefreegc") &&
	    !gobin_find_func(bin, "runtime.freegc", &fn) &&
	    !(gobin_build_modes(bin) & (GO_BUILD_ASAN | GO_BUILD_MSAN))) {
		snprintf(err, errlen, "built with GOEXPERIMENT=runtimefreegc: the runtime reuses "
			 "objects that runtime.freegc freed without counting them as "
			 "allocations, and the exact mode cannot tell them from new ones: use "
			 "the default mode (the runtime's own counters)");
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Samples with exact weights (default mode): (*mcache).refill, once per
 * span an mcache gives back, and (*mcache).allocLarge, once per allocation
 * over 32 KiB; both in every Go version 1.19-1.27, on every allocation
 * path (mallocgc and its leaves reach them through nextFree and
 * mallocgcLarge). Small allocations served by a cached span hit nothing.
 */
static int plan_sampled_alloc(const struct gobin *bin, const struct go_layout *layout,
			      struct probe_plan *plan, char *err, size_t errlen)
{
	int ret;

	if (!go_layout_has(layout->mcache_alloc) || !go_layout_has(layout->mspan_alloc_count) ||
	    !go_layout_has(layout->mspan_alloc_count_before_cache) ||
	    layout->mcache_alloc_size < 8) {
		snprintf(err, errlen, "the layout of mcache and mspan is unknown for %s: "
			 "use --mode exact", gobin_go_version(bin));
		return -ENOEXEC;
	}
	plan->alloc_strategy = "span refills and large allocations";
	ret = add_named(bin, plan, "runtime.(*mcache).refill", PROBE_REFILL, false, err, errlen);
	if (!ret)
		ret = add_named(bin, plan, "runtime.(*mcache).allocLarge", PROBE_LARGE, false,
				err, errlen);
	if (!ret)
		ret = plan_arena_chunks(bin, plan, PROBE_LARGE, err, errlen);
	return ret;
}

/* The largest SP delta in fn (its frame size, taken in its prologue); 0 if
 * its pcsp table cannot be read. The table ends with the code, before the
 * padding up to the next function. */
static uint32_t frame_size(const struct gobin *bin, const struct gobin_func *fn)
{
	int32_t delta, max = 0;
	uint64_t pc;

	for (pc = fn->entry; pc < fn->end; pc++)
		if (!gobin_sp_delta(bin, pc, &delta) && delta > max)
			max = delta;
	return (uint32_t)max;
}

int probe_plan_cgo_unwind(const struct gobin *bin, struct cgo_unwind *out)
{
	struct gobin_func fn;

	memset(out, 0, sizeof(*out));
	if (gobin_find_func(bin, "runtime.cgocallback", &fn))
		return -ENOENT;
	out->callback_lo = fn.entry;
	out->callback_hi = fn.end;
	out->callback_frame = frame_size(bin, &fn);
	if (!gobin_find_func(bin, "runtime.systemstack_switch", &fn)) {
		out->switch_lo = fn.entry;
		out->switch_hi = fn.end;
		out->switch_frame = frame_size(bin, &fn);
	}
	if (!gobin_find_func(bin, "runtime.cgocall", &fn)) {
		out->call_lo = fn.entry;
		out->call_hi = fn.end;
		out->call_frame = frame_size(bin, &fn);
	}
	if (!out->switch_hi || !out->call_hi || (out->switch_frame != 0 && out->switch_frame != 8))
		out->callback_frame = out->call_frame = out->switch_frame = 0;
	return 0;
}

int probe_plan_build(const struct gobin *bin, const struct go_layout *layout,
		     struct probe_plan *plan, char *err, size_t errlen)
{
	return probe_plan_build_alloc(bin, layout, PLAN_ALLOC_EXACT, plan, err, errlen);
}

int probe_plan_build_alloc(const struct gobin *bin, const struct go_layout *layout,
			   enum plan_alloc alloc, struct probe_plan *plan, char *err,
			   size_t errlen)
{
	uint64_t addr;
	int ret;

	memset(plan, 0, sizeof(*plan));
	plan->alloc = alloc;
	switch (alloc) {
	case PLAN_ALLOC_EXACT:
		ret = exact_refused(bin, err, errlen);
		if (!ret)
			ret = plan_exact_alloc(bin, plan, err, errlen);
		break;
	case PLAN_ALLOC_SAMPLED:
		ret = plan_sampled_alloc(bin, layout, plan, err, errlen);
		break;
	case PLAN_ALLOC_CANDIDATES:
		plan->alloc_strategy = "every candidate (not attached)";
		ret = propose_leaves(bin, plan, 0, err, errlen);
		if (ret >= 0)
			ret = add_named(bin, plan, "runtime.mallocgc", PROBE_ALLOC, false, err,
					errlen);
		if (!ret)
			ret = add_named(bin, plan, "runtime.(*mcache).refill", PROBE_REFILL, false,
					err, errlen);
		if (!ret)
			ret = add_named(bin, plan, "runtime.(*mcache).allocLarge", PROBE_LARGE,
					false, err, errlen);
		if (!ret && plan_arena_chunks(bin, plan, PROBE_ALLOC, err, errlen) == -E2BIG)
			ret = -E2BIG;
		break;
	case PLAN_ALLOC_LARGE:
		plan->alloc_strategy = "large allocations (the timeline's)";
		ret = add_named(bin, plan, "runtime.(*mcache).allocLarge", PROBE_LARGE, false,
				err, errlen);
		if (!ret)
			ret = plan_arena_chunks(bin, plan, PROBE_LARGE, err, errlen);
		break;
	default:
		plan->alloc_strategy = "none";
		ret = 0;
		break;
	}
	if (ret)
		return ret;

	ret = add_named(bin, plan, "runtime.(*gcControllerState).startCycle",
			PROBE_GC_START, false, err, errlen);
	if (!ret)
		ret = add_named(bin, plan, "runtime.freeStackSpans", PROBE_GC_END, false,
				err, errlen);
	if (!ret)
		ret = add_named(bin, plan, "runtime.morestack", PROBE_MORESTACK, true,
				err, errlen);
	if (!ret)
		ret = add_named(bin, plan, "runtime.copystack", PROBE_COPYSTACK, false,
				err, errlen);
	if (ret)
		return ret;

	/* Globals from the code that uses them (independent of the layout),
	 * or from ELF symbols. Without either, cycle numbers stay unknown (0)
	 * and cycles still pair up. */
	if (!gocode_find_work_cycles(bin, &addr))
		plan->work_cycles_addr = addr;
	else if (!gobin_symbol_addr(bin, "runtime.work", &addr))
		plan->work_cycles_addr = addr + layout->work_cycles;
	if (!gobin_symbol_addr(bin, "runtime.memstats", &addr))
		plan->memstats_numgc_addr = addr + layout->memstats_numgc;
	if (gobin_image_extent(bin, &plan->image_lo, &plan->image_hi))
		plan->image_lo = plan->image_hi = 0;
	probe_plan_cgo_unwind(bin, &plan->cgo);
	return 0;
}

int probe_plan_add_image_open(const struct gobin *bin, struct probe_plan *plan, char *err,
			      size_t errlen)
{
	struct gobin_func fn;

	if (gobin_find_func(bin, "plugin.open", &fn))
		return -ENOENT;
	if (plan->n >= MAX_PROBES)
		return -E2BIG;
	return add_point(bin, plan, &fn, PROBE_IMAGE_OPEN, 0, false, err, errlen);
}

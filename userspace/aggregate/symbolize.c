// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Symbolizes PCs of the traced process from the binary itself (never from
 * the live process, so a process that exited is still named): subtract the
 * load bias, ask gobinary for the inline-expanded frames, cache per PC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "aggregate/aggregate.h"
#include "aggregate/symbolize.h"

#define MAX_INLINE_FRAMES 32

struct pc_entry {
	uint64_t key;		/* pc, with bit 0 of depth > 0 folded in */
	uint32_t nframes;
	struct gobin_frame *frames;
};

struct symbolizer {
	/* Per image of the target (image_of(pc)): its binary and load bias. */
	const struct gobin *bin[SYMBOLIZER_MAX_IMAGES];
	uint64_t bias[SYMBOLIZER_MAX_IMAGES];
	int minor[SYMBOLIZER_MAX_IMAGES];
	uint32_t nimages;
	struct module_table mods;	/* Go plugins mapped into an image */
	int go_minor;		/* of the image of the stack being built */
	struct pc_entry *slots;
	size_t nslots, used;
	/* symbolizer_profile_stack's result: frames of all locations, and
	 * the PC index each came from */
	struct gobin_frame *stack_frames;
	uint32_t *stack_frame_pc;
	bool *stack_frame_inner;	/* the innermost frame of its PC */
	struct profile_location *stack_locs;
	size_t stack_frames_cap, stack_frame_pc_cap, stack_frame_inner_cap, stack_locs_cap;
};

static const struct gobin_frame folded_frame = { .function = FOLDED_FUNCTION,
						 .symbol = FOLDED_FUNCTION, .file = "" };
static const struct gobin_frame unknown_frame = { .function = UNKNOWN_FUNCTION,
						  .symbol = UNKNOWN_FUNCTION,
						  .file = "", .line = 0 };

int symbolizer_new(struct symbolizer **out, const struct gobin *bin, uint64_t load_bias)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->nslots = 4096;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return -ENOMEM;
	}
	s->bin[0] = bin;
	s->bias[0] = load_bias;
	s->nimages = 1;
	s->go_minor = s->minor[0] = gobin_go_minor(bin);
	*out = s;
	return 0;
}

int symbolizer_add_image(struct symbolizer *s, uint32_t image, const struct gobin *bin,
			 uint64_t load_bias)
{
	if (image != s->nimages || image >= SYMBOLIZER_MAX_IMAGES)
		return -EINVAL;
	s->bin[image] = bin;
	s->bias[image] = load_bias;
	s->minor[image] = gobin_go_minor(bin);
	s->nimages++;
	return 0;
}

int symbolizer_add_module(struct symbolizer *s, uint32_t image, const struct gobin *bin,
			  uint64_t load_bias)
{
	int ret;

	if (image >= s->nimages)
		return -EINVAL;
	ret = module_table_add(&s->mods, image, bin, load_bias);
	return ret < 0 ? ret : 0;
}

/* The binary and load bias of the module of image img that holds the
 * run-time address addr (untagged): a plugin's, else the image's own.
 * False when img is unknown. */
static bool module_of(const struct symbolizer *s, uint32_t img, uint64_t addr,
		      const struct gobin **bin, uint64_t *bias)
{
	int m;

	if (img >= s->nimages)
		return false;
	m = module_table_find(&s->mods, img, addr);
	if (m >= 0) {
		*bin = s->mods.v[m].bin;
		*bias = s->mods.v[m].bias;
		return true;
	}
	*bin = s->bin[img];
	*bias = s->bias[img];
	return true;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].frames != &unknown_frame)
			free(s->slots[i].frames);
	free(s->slots);
	free(s->stack_frames);
	free(s->stack_frame_pc);
	free(s->stack_frame_inner);
	free(s->stack_locs);
	free(s);
}

static uint64_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static struct pc_entry *slot_for(struct pc_entry *slots, size_t nslots, uint64_t key)
{
	size_t i = hash_key(key) & (nslots - 1);

	while (slots[i].frames && slots[i].key != key)
		i = (i + 1) & (nslots - 1);
	return &slots[i];
}

static int grow(struct symbolizer *s)
{
	size_t nslots = s->nslots * 2;
	struct pc_entry *slots = calloc(nslots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		if (s->slots[i].frames)
			*slot_for(slots, nslots, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
	return 0;
}

int symbolizer_frames(struct symbolizer *s, uint64_t pc, uint32_t depth,
		      const struct gobin_frame **frames)
{
	struct gobin_frame buf[MAX_INLINE_FRAMES];
	uint64_t key = pc << 1 | (depth > 0), bias;
	const struct gobin *bin;
	struct pc_entry *e;
	int n;

	if (pc == STACK_FOLDED_PC) {
		*frames = &folded_frame;
		return 1;
	}
	if ((s->used + 1) * 2 > s->nslots && grow(s))
		goto unknown;
	e = slot_for(s->slots, s->nslots, key);
	if (e->frames) {
		*frames = e->frames;
		return e->nframes;
	}
	n = !module_of(s, image_of(pc), pc & IMAGE_ADDR_MASK, &bin, &bias) ? 0 :
	    gobin_symbolize(bin, (pc & IMAGE_ADDR_MASK) - bias - (depth > 0), buf,
			    MAX_INLINE_FRAMES);
	e->key = key;
	if (n <= 0) {
		e->frames = (struct gobin_frame *)&unknown_frame;
		e->nframes = 1;
	} else {
		e->frames = malloc(n * sizeof(*buf));
		if (!e->frames)
			goto unknown;
		memcpy(e->frames, buf, n * sizeof(*buf));
		e->nframes = n;
	}
	s->used++;
	*frames = e->frames;
	return e->nframes;
unknown:
	*frames = &unknown_frame;
	return 1;
}

bool go_function_is_runtime(const char *function)
{
	return !strncmp(function, "runtime.", strlen("runtime.")) ||
	       !strncmp(function, "internal/runtime/", strlen("internal/runtime/"));
}

uint32_t symbolizer_stack_len(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs)
{
	for (uint32_t i = 0; i < npcs; i++) {
		const struct gobin_frame *frames;
		int n = symbolizer_frames(s, pcs[i], i, &frames);

		if (!strcmp(frames[n - 1].function, "runtime.mcall") ||
		    !strcmp(frames[n - 1].function, "runtime.systemstack"))
			return i + 1;
	}
	return npcs;
}

/* The functions whose wrapper callers the runtime keeps in stacks
 * (elideWrapperCalling: funcID gopanic, sigpanic, panicwrap). */
static bool shows_wrapper_caller(const char *symbol)
{
	return !strcmp(symbol, "runtime.gopanic") || !strcmp(symbol, "runtime.sigpanic") ||
	       !strcmp(symbol, "runtime.panicwrap");
}

/* What writeHeapProto hides at the start of a stack: runtime.*, and
 * internal/runtime/... from Go 1.24 (runtime/pprof/protomem.go). */
static bool profile_hides(const struct symbolizer *s, const char *symbol)
{
	return !strncmp(symbol, "runtime.", strlen("runtime.")) ||
	       (s->go_minor >= 124 &&
		!strncmp(symbol, "internal/runtime/", strlen("internal/runtime/")));
}

/*
 * writeHeapProto (1.19-1.27) decides by runtime.FuncForPC(addr) of each PC
 * of the record: the innermost function at that very address, not at the
 * call before it (addr - 1), which names the frame. They differ where a
 * call ends an inlined body: the runtime's time.resetTimer (1.19) inlines
 * runtime.resettimer, whose call to modtimer is its last instruction, so
 * the return address is time.resetTimer's own and pprof keeps
 * runtime.resettimer in the stack.
 */
static bool profile_hides_pc(struct symbolizer *s, uint64_t pc, const char *symbol)
{
	const struct gobin_frame *at;

	if (symbolizer_frames(s, pc, 0, &at) > 0 && at != &unknown_frame)
		symbol = at[0].symbol;
	return profile_hides(s, symbol);
}

/*
 * The part of an allocation's stack the runtime records: mProf_Malloc's
 * callers(K) skips K source frames from mProf_Malloc's own (profilealloc's,
 * the allocating function's, ...), and keeps at most depth of them.
 * Counted from the probed allocation function, whose frame opens our stack:
 * 1.19-1.23 callers(4): mallocgc and its caller skipped (a caller outside
 *           package runtime, reflect.unsafe_New or bytealg.MakeNoZero,
 *           is not in the profile either); maxStack 32 up to 1.22,
 *           profstackdepth 128 in 1.23;
 * 1.24-1.25 callers(5): the mallocgc* function, mallocgc and its caller;
 * 1.26-     callers(3): the function that called profilealloc only;
 *           depth profstackdepth + 2.
 */
static void profile_window(int go_minor, size_t *skip, size_t *depth)
{
	if (go_minor >= 126) {
		*skip = 1;
		*depth = 130;
	} else if (go_minor >= 124) {
		*skip = 3;
		*depth = 128;
	} else {
		*skip = 2;
		*depth = go_minor >= 123 ? 128 : 32;
	}
}

/*
 * A record of the runtime's heap profile (after STACK_RECORD_PC): every PC
 * a return address standing for one logical frame (the runtime gives each
 * inlined frame its own), the window already cut and wrappers already
 * elided by the runtime; writeHeapProto still hides the leading runtime
 * frames, and allFrames drops runtime.goexit.
 */
static int record_stack(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs,
			struct profile_stack *out)
{
	uint32_t nlocs = 0, first = 0;
	int ret;

	ret = array_reserve((void **)&s->stack_frames, &s->stack_frames_cap, npcs ? npcs : 1,
		      sizeof(*s->stack_frames));
	if (!ret)
		ret = array_reserve((void **)&s->stack_locs, &s->stack_locs_cap, npcs ? npcs : 1,
			      sizeof(*s->stack_locs));
	if (ret)
		return ret;
	for (uint32_t i = 0; i < npcs; i++) {
		const struct gobin_frame *frames;
		int nf = symbolizer_frames(s, pcs[i], 1, &frames);

		s->stack_frames[i] = nf > 0 ? frames[0] : unknown_frame;
	}
	for (uint32_t i = 0; i < npcs; i++)
		if (!profile_hides_pc(s, pcs[i], s->stack_frames[i].symbol)) {
			first = i;
			break;
		}
	for (uint32_t i = first; i < npcs; i++) {
		if (!strcmp(s->stack_frames[i].symbol, "runtime.goexit"))
			continue;
		s->stack_locs[nlocs++] = (struct profile_location){
			.pc = pcs[i], .frames = &s->stack_frames[i], .nframes = 1 };
	}
	out->locs = s->stack_locs;
	out->nlocs = nlocs;
	return 0;
}

/* The run-time address, in the module of like (a PC of that module), of
 * the link-time address vaddr. */
static uint64_t image_pc(const struct symbolizer *s, uint64_t like, uint64_t vaddr)
{
	const struct gobin *bin;
	uint64_t bias;

	return module_of(s, image_of(like), like & IMAGE_ADDR_MASK, &bin, &bias) ?
	       (vaddr + bias) | (like & ~IMAGE_ADDR_MASK) : like;
}

int symbolizer_profile_stack(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs,
			     struct profile_stack *out)
{
	uint32_t len, nlocs = 0;
	const char *callee = NULL;
	size_t n = 0, first, end, skip, depth;
	int ret;

	/* The runtime's version that recorded it (what it hides, skips). */
	for (uint32_t i = 0; i < npcs; i++)
		if (pcs[i] > STACK_RECORD_PC) {
			if (image_of(pcs[i]) < s->nimages)
				s->go_minor = s->minor[image_of(pcs[i])];
			break;
		}
	if (npcs && pcs[0] == STACK_RECORD_PC)
		return record_stack(s, pcs + 1, npcs - 1, out);
	len = symbolizer_stack_len(s, pcs, npcs);

	/* Every PC's frames, in the order the runtime's traceback meets them,
	 * less the wrappers it elides. */
	for (uint32_t i = 0; i < len; i++) {
		const struct gobin_frame *frames;
		int nf = symbolizer_frames(s, pcs[i], i, &frames);

		ret = array_reserve((void **)&s->stack_frames, &s->stack_frames_cap, n + nf,
			      sizeof(*s->stack_frames));
		if (!ret)
			ret = array_reserve((void **)&s->stack_frame_pc, &s->stack_frame_pc_cap, n + nf,
				      sizeof(*s->stack_frame_pc));
		if (!ret)
			ret = array_reserve((void **)&s->stack_frame_inner, &s->stack_frame_inner_cap,
				      n + nf, sizeof(*s->stack_frame_inner));
		if (ret)
			return ret;
		for (int j = 0; j < nf; j++) {
			const struct gobin_frame *f = &frames[j];
			bool elide = f->wrapper && !(callee && shows_wrapper_caller(callee));

			callee = f->symbol;
			if (elide)
				continue;
			s->stack_frames[n] = *f;
			s->stack_frame_inner[n] = j == 0;
			s->stack_frame_pc[n++] = i;
		}
	}

	/* The recorded window; pprof completes the inlined frames of its
	 * last PC (runtime_expandFinalInlineFrame). */
	profile_window(s->go_minor, &skip, &depth);
	/* From 1.24 the window counts the leaf (mallocgcTiny, ...) that
	 * called profilealloc, a logical frame even when PGO inlined it into
	 * mallocgc; a stack probed on mallocgc itself (probe_plan.c's plans
	 * for such builds) does not hold it. */
	if (s->go_minor >= 124 && skip && n && s->stack_frame_pc[0] == 0 &&
	    !strcmp(s->stack_frames[0].symbol, "runtime.mallocgc"))
		skip--;
	first = n > skip ? skip : 0;
	end = n - first > depth ? first + depth : n;
	while (end < n && s->stack_frame_pc[end] == s->stack_frame_pc[end - 1])
		end++;

	/* Leading runtime frames hidden, each inlined frame on its own (the
	 * runtime's stacks give each its own PC), unless none is left; each
	 * by the function at the PC the runtime records for it
	 * (profile_hides_pc): the innermost frame's return address, an outer
	 * frame's call site + 1 (tracebackPCs' uf.pc + 1), which can lie in
	 * the runtime function inlined there. So arena.Clone's
	 * arena.runtime_arena_heapify (runtime/arena.go, newobject inlined
	 * at its call of mallocgc) is hidden. */
	for (size_t k = first; k < end; k++) {
		uint32_t i = s->stack_frame_pc[k];
		uint64_t at = s->stack_frame_inner[k]
				      ? pcs[i]
				      : image_pc(s, pcs[i], s->stack_frames[k].pc) + 1;

		if (!profile_hides_pc(s, at, s->stack_frames[k].symbol)) {
			first = k;
			break;
		}
	}

	for (size_t k = first; k < end; k++) {
		uint32_t i = s->stack_frame_pc[k];

		if (!strcmp(s->stack_frames[k].symbol, "runtime.goexit"))
			continue;	/* allFrames drops it */
		if (nlocs && k > first && s->stack_frame_pc[k - 1] == i) {
			out->locs[nlocs - 1].nframes++;
			continue;
		}
		ret = array_reserve((void **)&s->stack_locs, &s->stack_locs_cap, nlocs + 1,
			      sizeof(*s->stack_locs));
		if (ret)
			return ret;
		out->locs = s->stack_locs;
		/* A PC whose inner frames were left out (skipped or elided)
		 * stands, as in the runtime's record, for the call site of its
		 * first frame kept (uf.pc + 1 in tracebackPCs): a return
		 * address there, so that readers find that frame at pc - 1. */
		out->locs[nlocs++] = (struct profile_location){
			.pc = s->stack_frame_inner[k] ? pcs[i]
						      : image_pc(s, pcs[i],
								 s->stack_frames[k].pc) + 1,
			.frames = &s->stack_frames[k], .nframes = 1 };
	}
	out->locs = s->stack_locs;
	out->nlocs = nlocs;
	return 0;
}

int symbolizer_full_stack(struct symbolizer *s, const uint64_t *pcs, uint32_t npcs,
			  uint32_t depth0, struct profile_stack *out)
{
	int ret = array_reserve((void **)&s->stack_locs, &s->stack_locs_cap, npcs ? npcs : 1,
			  sizeof(*s->stack_locs));

	if (ret)
		return ret;
	for (uint32_t i = 0; i < npcs; i++) {
		const struct gobin_frame *frames;
		int nf = symbolizer_frames(s, pcs[i], depth0 + i, &frames);

		s->stack_locs[i] = (struct profile_location){
			.pc = pcs[i], .frames = frames, .nframes = nf };
	}
	out->locs = s->stack_locs;
	out->nlocs = npcs;
	return 0;
}

struct gobin_frame symbolizer_alloc_site(struct symbolizer *s, const uint64_t *pcs,
					 uint32_t npcs)
{
	struct profile_stack st;

	if (!npcs || symbolizer_profile_stack(s, pcs, npcs, &st) || !st.nlocs)
		return unknown_frame;
	for (uint32_t i = 0; i < st.nlocs; i++)
		for (uint32_t j = 0; j < st.locs[i].nframes; j++)
			if (!go_function_is_runtime(st.locs[i].frames[j].symbol))
				return st.locs[i].frames[j];
	return st.locs[0].frames[0];
}

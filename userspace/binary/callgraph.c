// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The direct call graph of a Go binary from its code.
 *
 * Go code holds no data between instructions, but we decode no instruction
 * lengths either: every byte of a function is tried as the opcode of a CALL
 * or JMP rel32, and an edge is kept only when the target is exactly another
 * function's entry (or, for a CALL, its own). A byte inside another
 * instruction passes that test with a chance of about nfuncs / 2^32 per
 * 0xe8/0xe9 byte; such an edge is one call more than the code makes, which
 * can only make a proof over the graph (probes/alloc_proof.c) refuse more,
 * never accept a plan that misses an allocation.
 *
 * Indirect calls: a function called so has its address stored first. Go's
 * compiler stores an entry in a funcval, an itab or a table in data (8-byte
 * aligned, in the file image as the linker wrote it: internal and external
 * linkers alike write a PIE's link-time value there too, beside its
 * R_X86_64_RELATIVE), or loads it with a LEA rip-relative (a closure that
 * captures variables; the runtime's assembly). A function whose entry a
 * LEA loads, or whose funcval slot only LEAs load, is taken to be called by
 * the functions holding those LEAs (they call it or hand it on: systemstack,
 * go statements). Any other stored entry (itabs, tables, funcvals a global
 * points to) makes the function address-taken: it may be entered from
 * anywhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "binary/callgraph.h"
#include "binary/gocode.h"
#include "util/array.h"

#define CG_ADDRESS_TAKEN 1

struct callgraph {
	size_t n;
	uint64_t *entry;	/* sorted */
	const char **name;
	uint8_t *flags;
	/* CSR adjacency: the callees of i are callee[callee_start[i] ..
	 * callee_start[i + 1]), likewise callers */
	uint32_t *callee_start, *callee;
	uint32_t *caller_start, *caller;
	/* calls while building: from << 32 | to */
	uint64_t *edges;
	size_t nedges, cap;
	/* while building: LEAs of addresses that are no function's entry
	 * (a funcval's slot, perhaps), and the data slots holding an entry */
	struct ref { uint64_t addr; uint32_t func; uint32_t flags; } *refs, *slots;
	size_t nrefs, refs_cap, nslots, slots_cap;
};

#define SLOT_IN_DATA 1	/* the slot's own address is stored in data */

struct callgraph *callgraph_new(size_t n)
{
	struct callgraph *g = calloc(1, sizeof(*g));

	if (!g || n > UINT32_MAX)
		goto fail;
	g->n = n;
	g->entry = calloc(n ? n : 1, sizeof(*g->entry));
	g->name = calloc(n ? n : 1, sizeof(*g->name));
	g->flags = calloc(n ? n : 1, sizeof(*g->flags));
	if (!g->entry || !g->name || !g->flags)
		goto fail;
	return g;
fail:
	callgraph_free(g);
	return NULL;
}

void callgraph_free(struct callgraph *g)
{
	if (!g)
		return;
	free(g->entry);
	free(g->name);
	free(g->flags);
	free(g->callee_start);
	free(g->callee);
	free(g->caller_start);
	free(g->caller);
	free(g->edges);
	free(g->refs);
	free(g->slots);
	free(g);
}

int callgraph_set_func(struct callgraph *g, size_t i, uint64_t entry, const char *name)
{
	if (i >= g->n)
		return -EINVAL;
	g->entry[i] = entry;
	g->name[i] = name;
	return 0;
}

int callgraph_add_call(struct callgraph *g, size_t from, size_t to)
{
	if (from >= g->n || to >= g->n)
		return -EINVAL;
	if (array_reserve((void **)&g->edges, &g->cap, g->nedges + 1, sizeof(*g->edges)))
		return -ENOMEM;
	g->edges[g->nedges++] = (uint64_t)from << 32 | to;
	return 0;
}

int callgraph_mark_address_taken(struct callgraph *g, size_t i)
{
	if (i >= g->n)
		return -EINVAL;
	g->flags[i] |= CG_ADDRESS_TAKEN;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* CSR of the (sorted, distinct) edges by one end: `by_from` groups by
 * caller, else by callee. */
static int make_csr(const uint64_t *edges, size_t nedges, size_t n, bool by_from,
		    uint32_t **start_out, uint32_t **adj_out)
{
	uint32_t *start = calloc(n + 1, sizeof(*start));
	uint32_t *adj = malloc((nedges ? nedges : 1) * sizeof(*adj));
	uint32_t *fill = calloc(n + 1, sizeof(*fill));
	size_t i;

	if (!start || !adj || !fill) {
		free(start);
		free(adj);
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < nedges; i++)
		start[(by_from ? edges[i] >> 32 : (uint32_t)edges[i]) + 1]++;
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, (n + 1) * sizeof(*fill));
	for (i = 0; i < nedges; i++) {
		uint32_t key = by_from ? edges[i] >> 32 : (uint32_t)edges[i];

		adj[fill[key]++] = by_from ? (uint32_t)edges[i] : edges[i] >> 32;
	}
	free(fill);
	*start_out = start;
	*adj_out = adj;
	return 0;
}

int callgraph_finish(struct callgraph *g)
{
	size_t i, k = 0;

	if (g->nedges)
		qsort(g->edges, g->nedges, sizeof(*g->edges), cmp_u64);
	for (i = 0; i < g->nedges; i++)
		if (!k || g->edges[i] != g->edges[k - 1])
			g->edges[k++] = g->edges[i];
	g->nedges = k;
	if (make_csr(g->edges, k, g->n, true, &g->callee_start, &g->callee) ||
	    make_csr(g->edges, k, g->n, false, &g->caller_start, &g->caller))
		return -ENOMEM;
	free(g->edges);
	g->edges = NULL;
	g->nedges = g->cap = 0;
	return 0;
}

int callgraph_index(const struct callgraph *g, uint64_t entry, size_t *i)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->entry[mid] < entry)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= g->n || g->entry[lo] != entry)
		return -ENOENT;
	*i = lo;
	return 0;
}

static int add_ref(struct ref **arr, size_t *n, size_t *cap, uint64_t addr, size_t func);

/* Edges out of function i, whose code is code[0..len) at entry. */
static int scan_code(struct callgraph *g, size_t i, const uint8_t *code, uint64_t len,
		     uint64_t entry)
{
	size_t to;
	int ret;

	for (uint64_t k = 0; k + 5 <= len; k++) {
		uint8_t op = code[k];

		if (op == 0xe8 || op == 0xe9) {
			if (callgraph_index(g, gocode_rel32_target(code, entry, k + 1, k + 5),
					    &to) ||
			    (to == i && op == 0xe9))
				continue;
			ret = callgraph_add_call(g, i, to);
			if (ret)
				return ret;
		} else if ((op == 0x48 || op == 0x4c) && k + 7 <= len && code[k + 1] == 0x8d &&
			   (code[k + 2] & 0xc7) == 0x05) {
			/* LEAQ disp32(RIP), reg: a function's address (a closure
			 * the code builds, an assembly function's), or maybe
			 * a funcval's: resolved in resolve_slots */
			uint64_t t = gocode_rel32_target(code, entry, k + 3, k + 7);

			if (!callgraph_index(g, t, &to))
				ret = callgraph_add_call(g, i, to);
			else
				ret = add_ref(&g->refs, &g->nrefs, &g->refs_cap, t, i);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int add_ref(struct ref **arr, size_t *n, size_t *cap, uint64_t addr, size_t func)
{
	if (array_reserve((void **)arr, cap, *n + 1, sizeof(**arr)))
		return -ENOMEM;
	(*arr)[(*n)++] = (struct ref){ .addr = addr, .func = (uint32_t)func };
	return 0;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The first of the n refs (sorted by addr) at addr, or n. */
static size_t find_ref(const struct ref *r, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].addr == addr ? lo : n;
}

/* Data slots holding a function's entry, 8-byte aligned. */
static int scan_data(struct callgraph *g, uint64_t vaddr, const uint8_t *data, size_t len)
{
	size_t skip = (8 - vaddr % 8) % 8, to;
	uint64_t lo = g->entry[0], hi = g->entry[g->n - 1];

	for (size_t k = skip; k + 8 <= len; k += 8) {
		uint64_t v;

		memcpy(&v, data + k, sizeof(v));
		if (v >= lo && v <= hi && !callgraph_index(g, v, &to) &&
		    add_ref(&g->slots, &g->nslots, &g->slots_cap, vaddr + k, to))
			return -ENOMEM;
	}
	return 0;
}

/* Slots whose own address is stored in data (a pointer to a funcval). */
static void scan_slot_pointers(struct callgraph *g, uint64_t vaddr, const uint8_t *data,
			       size_t len)
{
	size_t skip = (8 - vaddr % 8) % 8, at;
	uint64_t lo = g->slots[0].addr, hi = g->slots[g->nslots - 1].addr;

	for (size_t k = skip; k + 8 <= len; k += 8) {
		uint64_t v;

		memcpy(&v, data + k, sizeof(v));
		if (v < lo || v > hi)
			continue;
		at = find_ref(g->slots, g->nslots, v);
		if (at < g->nslots)
			g->slots[at].flags |= SLOT_IN_DATA;
	}
}

/*
 * The dynamic symbol table is the dynamic linker's, not the program's
 * data: a host that links package plugin exports every function there
 * (its st_value an entry address), and none of them is called through
 * it. Its words are no slots.
 */
static void drop_symbol_table_slots(const struct gobin *bin, struct callgraph *g)
{
	uint64_t lo, hi;
	size_t kept = 0;

	if (gobin_section_extent(bin, ".dynsym", &lo, &hi))
		return;
	for (size_t k = 0; k < g->nslots; k++)
		if (g->slots[k].addr < lo || g->slots[k].addr >= hi)
			g->slots[kept++] = g->slots[k];
	g->nslots = kept;
}

/*
 * A slot that only code loads, by a LEA of its own address, is a funcval
 * those functions create (a closure without captured variables, a function
 * value, systemstack's argument): each of them is taken to call the slot's
 * function. Any other slot (an itab's, a table's element after the first,
 * a funcval a global points to) may be called from anywhere: its function
 * is address-taken.
 */
static int resolve_slots(struct callgraph *g)
{
	int ret;

	if (g->nrefs)
		qsort(g->refs, g->nrefs, sizeof(*g->refs), cmp_ref);
	for (size_t k = 0; k < g->nslots; k++) {
		const struct ref *slot = &g->slots[k];
		size_t at = find_ref(g->refs, g->nrefs, slot->addr);

		if (at == g->nrefs || (slot->flags & SLOT_IN_DATA)) {
			g->flags[slot->func] |= CG_ADDRESS_TAKEN;
			continue;
		}
		for (; at < g->nrefs && g->refs[at].addr == slot->addr; at++) {
			ret = callgraph_add_call(g, g->refs[at].func, slot->func);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int callgraph_build(const struct gobin *bin, struct callgraph **out)
{
	size_t n = gobin_func_count(bin), i, len;
	struct callgraph *g;
	struct gobin_func fn;
	const uint8_t *data;
	uint64_t vaddr;
	bool exec;
	int ret;

	if (!n)
		return -ENOENT;
	g = callgraph_new(n);
	if (!g)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		/* An unreadable entry keeps the previous one's address: the
		 * order stays sorted and it matches no edge of its own. */
		if (!gobin_func_by_index(bin, i, &fn) && (!i || fn.entry > g->entry[i - 1]))
			callgraph_set_func(g, i, fn.entry, fn.name);
		else
			callgraph_set_func(g, i, i ? g->entry[i - 1] : 0, "?");
	}
	for (i = 0; i < n; i++) {
		const uint8_t *code;

		if (gobin_func_by_index(bin, i, &fn) || fn.end <= fn.entry ||
		    fn.entry != g->entry[i])
			continue;
		code = gobin_read(bin, fn.entry, fn.end - fn.entry);
		if (!code)
			continue;
		ret = scan_code(g, i, code, fn.end - fn.entry, fn.entry);
		if (ret)
			goto fail;
	}
	for (i = 0; !gobin_load_segment(bin, i, &vaddr, &data, &len, &exec); i++)
		if (!exec && (ret = scan_data(g, vaddr, data, len)))
			goto fail;
	drop_symbol_table_slots(bin, g);
	if (g->nslots) {
		qsort(g->slots, g->nslots, sizeof(*g->slots), cmp_ref);
		for (i = 0; !gobin_load_segment(bin, i, &vaddr, &data, &len, &exec); i++)
			if (!exec)
				scan_slot_pointers(g, vaddr, data, len);
	}
	ret = resolve_slots(g);
	if (!ret)
		ret = callgraph_finish(g);
	if (ret)
		goto fail;
	*out = g;
	return 0;
fail:
	callgraph_free(g);
	return ret;
}

size_t callgraph_count(const struct callgraph *g)
{
	return g->n;
}

const char *callgraph_name(const struct callgraph *g, size_t i)
{
	return i < g->n && g->name[i] ? g->name[i] : "?";
}

uint64_t callgraph_entry(const struct callgraph *g, size_t i)
{
	return i < g->n ? g->entry[i] : 0;
}

const uint32_t *callgraph_callees(const struct callgraph *g, size_t i, size_t *n)
{
	if (i >= g->n || !g->callee_start) {
		*n = 0;
		return NULL;
	}
	*n = g->callee_start[i + 1] - g->callee_start[i];
	return g->callee + g->callee_start[i];
}

const uint32_t *callgraph_callers(const struct callgraph *g, size_t i, size_t *n)
{
	if (i >= g->n || !g->caller_start) {
		*n = 0;
		return NULL;
	}
	*n = g->caller_start[i + 1] - g->caller_start[i];
	return g->caller + g->caller_start[i];
}

bool callgraph_address_taken(const struct callgraph *g, size_t i)
{
	return i < g->n && (g->flags[i] & CG_ADDRESS_TAKEN);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading struct go_layout from a Go binary's DWARF with elfutils' libdw,
 * which decompresses both SHF_COMPRESSED sections (Go 1.13+) and the older
 * .zdebug_* ones. The rules are those of scripts/layouts/dump/main.go, the
 * table's generator, so that a binary's DWARF and its table row agree:
 *   - a struct named N is the first DW_TAG_structure_type named N in a
 *     pre-order walk of .debug_info; the type of variable V is the DW_AT_type
 *     of the first DW_TAG_variable named V that has one; typedefs unwrap;
 *   - a field is a dot-separated member path in the first candidate struct
 *     that exists; its offset is the sum of the members' offsets;
 *   - a required field that is missing fails; an optional one is
 *     GO_LAYOUT_ABSENT; a field with a fixed width must have that width,
 *     others record their size in <name>_size.
 * The file is hostile: libdw parses, every return value is checked, and every
 * walk is capped (DIE count, depth, typedef chains, members per struct).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "binary/dwarf_layout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Limits of the walks. The go1.27 test workload has 82,544 DIEs in 1.1 MB of
 * .debug_info, nested at most 9 deep; the structs read here have a few
 * hundred members. Past a limit the DWARF is refused, or, for depth, the
 * deeper DIEs are not visited (the structs and variables read here are
 * children of their unit).
 */
#define MAX_DIES	(64u << 20)
#define MAX_DEPTH	64
#define MAX_TYPEDEFS	16
#define MAX_MEMBERS	65536
#define MAX_PATH_ELEM	64

/* The structs fields live in: a named struct type or a variable's type. */
enum where_id {
	W_G, W_M, W_P, W_MCACHE, W_MSPAN,
	W_ABI_TYPE,		/* internal/abi.Type, go1.21+ */
	W_RT_TYPE,		/* runtime._type, up to go1.20 */
	W_WORK, W_MEMSTATS, W_GC_CONTROLLER,
	W_HEAP_STATS, W_HEAP_DELTA,
	W_BUCKET, W_MEM_RECORD, W_MEM_RECORD_CYCLE, W_MPROF_CYCLE,
	W_COUNT
};

static const struct where {
	const char *name;
	bool is_var;		/* name is a variable's; the struct is its type */
} wheres[W_COUNT] = {
	[W_G] = { "runtime.g" },
	[W_M] = { "runtime.m" },
	[W_P] = { "runtime.p" },
	[W_MCACHE] = { "runtime.mcache" },
	[W_MSPAN] = { "runtime.mspan" },
	[W_ABI_TYPE] = { "internal/abi.Type" },
	[W_RT_TYPE] = { "runtime._type" },
	[W_WORK] = { "runtime.work", true },
	[W_MEMSTATS] = { "runtime.memstats", true },
	[W_GC_CONTROLLER] = { "runtime.gcControllerState" },
	[W_HEAP_STATS] = { "runtime.consistentHeapStats" },
	[W_HEAP_DELTA] = { "runtime.heapStatsDelta" },
	[W_BUCKET] = { "runtime.bucket" },
	[W_MEM_RECORD] = { "runtime.memRecord" },
	[W_MEM_RECORD_CYCLE] = { "runtime.memRecordCycle" },
	[W_MPROF_CYCLE] = { "runtime.mProfCycle", true },
};

/*
 * Integer constants of the runtime (DW_TAG_constant "runtime.NAME" with a
 * DW_AT_const_value, as cmd/compile writes them); a go_layout member takes
 * the first of its candidates that exists.
 */
enum const_id { C_MAX_PROF_STACK_DEPTH, C_MAX_STACK, C_COUNT };

static const char *const const_names[C_COUNT] = {
	[C_MAX_PROF_STACK_DEPTH] = "runtime.maxProfStackDepth",	/* go1.23+ */
	[C_MAX_STACK] = "runtime.maxStack",			/* up to go1.22 */
};

struct candidate {
	enum where_id in;
	const char *path;	/* member path, e.g. "stack.lo" */
};

struct field_spec {
	const char *name;
	size_t offset;		/* of the field in struct go_layout */
	struct candidate cands[2];
	int ncands;
	uint32_t width;		/* required width; 0: any, recorded at size_offset */
	size_t size_offset;
	bool optional;
};

#define OFF(f) offsetof(struct go_layout, f)
#define ONE(f, in, path, width) \
	{ #f, OFF(f), { { in, path } }, 1, width, 0, false }
#define OPT(f, in, path, width) \
	{ #f, OFF(f), { { in, path } }, 1, width, 0, true }
#define ANY(f, in, path) \
	{ #f, OFF(f), { { in, path } }, 1, 0, OFF(f##_size), false }
/* Fields of any width (ANY, work_cycles): each has a <name>_size member. */
#define ANY_WIDTH_FIELDS 7

/* In the order of struct go_layout and of dump/main.go's table. */
static const struct field_spec field_specs[] = {
	ONE(g_stack_lo, W_G, "stack.lo", 8),
	ONE(g_stack_hi, W_G, "stack.hi", 8),
	ONE(g_stackguard0, W_G, "stackguard0", 8),
	ONE(g_m, W_G, "m", 8),
	ONE(g_goid, W_G, "goid", 8),
	ONE(m_procid, W_M, "procid", 8),
	ONE(m_p, W_M, "p", 8),
	ONE(p_mcache, W_P, "mcache", 8),
	ONE(mcache_next_sample, W_MCACHE, "nextSample", 8),
	ONE(mspan_elemsize, W_MSPAN, "elemsize", 8),
	ANY(mcache_alloc, W_MCACHE, "alloc"),
	ONE(mspan_alloc_count, W_MSPAN, "allocCount", 2),
	ONE(mspan_alloc_count_before_cache, W_MSPAN, "allocCountBeforeCache", 2),
	{ "type_size", OFF(type_size),
	  { { W_ABI_TYPE, "Size_" }, { W_RT_TYPE, "size" } }, 2, 8, 0, false },
	{ "type_ptrdata", OFF(type_ptrdata),
	  { { W_ABI_TYPE, "PtrBytes" }, { W_RT_TYPE, "ptrdata" } }, 2, 8, 0, false },
	{ "type_tflag", OFF(type_tflag),
	  { { W_ABI_TYPE, "TFlag" }, { W_RT_TYPE, "tflag" } }, 2, 1, 0, false },
	{ "type_str", OFF(type_str),
	  { { W_ABI_TYPE, "Str" }, { W_RT_TYPE, "str" } }, 2, 4, 0, false },
	{ "work_cycles", OFF(work_cycles), { { W_WORK, "cycles" } }, 1, 0,
	  OFF(work_cycles_size), false },
	{ "work_cpu_stats_gc_total", OFF(work_cpu_stats_gc_total),
	  { { W_WORK, "cpuStats.gcTotalTime" }, { W_WORK, "cpuStats.GCTotalTime" } }, 2, 8, 0,
	  true },
	{ "work_cpu_stats_total", OFF(work_cpu_stats_total),
	  { { W_WORK, "cpuStats.totalTime" }, { W_WORK, "cpuStats.TotalTime" } }, 2, 8, 0,
	  true },
	ONE(memstats_numgc, W_MEMSTATS, "numgc", 4),
	ONE(memstats_numforcedgc, W_MEMSTATS, "numforcedgc", 4),
	ANY(memstats_heap_stats, W_MEMSTATS, "heapStats"),
	ONE(memstats_gc_cpu_fraction, W_MEMSTATS, "gc_cpu_fraction", 8),
	ANY(heap_stats_stats, W_HEAP_STATS, "stats"),
	ONE(heap_stats_gen, W_HEAP_STATS, "gen", 4),
	ONE(heap_delta_tiny_alloc_count, W_HEAP_DELTA, "tinyAllocCount", 8),
	ONE(heap_delta_large_alloc, W_HEAP_DELTA, "largeAlloc", 8),
	ONE(heap_delta_large_alloc_count, W_HEAP_DELTA, "largeAllocCount", 8),
	ANY(heap_delta_small_alloc_count, W_HEAP_DELTA, "smallAllocCount"),
	ONE(gc_controller_heap_marked, W_GC_CONTROLLER, "heapMarked", 8),
	ONE(gc_controller_heap_live, W_GC_CONTROLLER, "heapLive", 8),
	OPT(gc_controller_heap_minimum, W_GC_CONTROLLER, "heapMinimum", 8),
	OPT(gc_controller_gc_percent, W_GC_CONTROLLER, "gcPercent", 4),
	OPT(gc_controller_memory_limit, W_GC_CONTROLLER, "memoryLimit", 8),
	OPT(gc_controller_gc_percent_heap_goal, W_GC_CONTROLLER, "gcPercentHeapGoal", 8),
	OPT(gc_controller_triggered, W_GC_CONTROLLER, "triggered", 8),
	OPT(gc_controller_last_heap_goal, W_GC_CONTROLLER, "lastHeapGoal", 8),
	OPT(gc_controller_sweep_dist_min_trigger, W_GC_CONTROLLER, "sweepDistMinTrigger", 8),
	OPT(gc_controller_heap_free, W_GC_CONTROLLER, "heapFree", 8),
	OPT(gc_controller_total_alloc, W_GC_CONTROLLER, "totalAlloc", 8),
	OPT(gc_controller_total_free, W_GC_CONTROLLER, "totalFree", 8),
	OPT(gc_controller_mapped_ready, W_GC_CONTROLLER, "mappedReady", 8),
	ONE(bucket_next, W_BUCKET, "next", 8),
	ONE(bucket_allnext, W_BUCKET, "allnext", 8),
	ONE(bucket_typ, W_BUCKET, "typ", 8),
	ONE(bucket_obj_size, W_BUCKET, "size", 8),
	ONE(bucket_nstk, W_BUCKET, "nstk", 8),
	ANY(mem_record_active, W_MEM_RECORD, "active"),
	ANY(mem_record_future, W_MEM_RECORD, "future"),
	ONE(mem_record_cycle_allocs, W_MEM_RECORD_CYCLE, "allocs", 8),
	ONE(mem_record_cycle_frees, W_MEM_RECORD_CYCLE, "frees", 8),
	OPT(mem_record_cycle_alloc_bytes, W_MEM_RECORD_CYCLE, "alloc_bytes", 8),
	OPT(mem_record_cycle_free_bytes, W_MEM_RECORD_CYCLE, "free_bytes", 8),
	ONE(mprof_cycle_value, W_MPROF_CYCLE, "value", 4),
};

/* Whole-struct sizes, for the record. */
static const struct size_spec {
	const char *name;
	size_t offset;
	enum where_id in;
} size_specs[] = {
	{ "work_size", OFF(work_size), W_WORK },
	{ "memstats_size", OFF(memstats_size), W_MEMSTATS },
	{ "heap_delta_size", OFF(heap_delta_size), W_HEAP_DELTA },
	{ "bucket_header_size", OFF(bucket_header_size), W_BUCKET },
	{ "mem_record_size", OFF(mem_record_size), W_MEM_RECORD },
	{ "mem_record_cycle_size", OFF(mem_record_cycle_size), W_MEM_RECORD_CYCLE },
};

/* Constants, each the first of its candidates that exists; required. */
static const struct const_spec {
	const char *name;
	size_t offset;
	enum const_id cands[2];
} const_specs[] = {
	{ "mprof_max_stack", OFF(mprof_max_stack), { C_MAX_PROF_STACK_DEPTH, C_MAX_STACK } },
};

#define FIELD(f) { #f, OFF(f) }
static const struct go_layout_field layout_fields[] = {
	FIELD(g_stack_lo), FIELD(g_stack_hi), FIELD(g_stackguard0), FIELD(g_m),
	FIELD(g_goid),
	FIELD(m_procid), FIELD(m_p), FIELD(p_mcache), FIELD(mcache_next_sample),
	FIELD(mspan_elemsize), FIELD(mcache_alloc), FIELD(mcache_alloc_size),
	FIELD(mspan_alloc_count), FIELD(mspan_alloc_count_before_cache),
	FIELD(type_size), FIELD(type_ptrdata), FIELD(type_tflag), FIELD(type_str),
	FIELD(work_cycles), FIELD(work_cycles_size), FIELD(work_size),
	FIELD(work_cpu_stats_gc_total), FIELD(work_cpu_stats_total),
	FIELD(memstats_numgc), FIELD(memstats_numforcedgc), FIELD(memstats_size),
	FIELD(memstats_heap_stats), FIELD(memstats_heap_stats_size),
	FIELD(memstats_gc_cpu_fraction),
	FIELD(heap_stats_stats), FIELD(heap_stats_stats_size), FIELD(heap_stats_gen),
	FIELD(heap_delta_size), FIELD(heap_delta_tiny_alloc_count),
	FIELD(heap_delta_large_alloc), FIELD(heap_delta_large_alloc_count),
	FIELD(heap_delta_small_alloc_count), FIELD(heap_delta_small_alloc_count_size),
	FIELD(gc_controller_heap_marked), FIELD(gc_controller_heap_live),
	FIELD(gc_controller_heap_minimum), FIELD(gc_controller_gc_percent),
	FIELD(gc_controller_memory_limit), FIELD(gc_controller_gc_percent_heap_goal),
	FIELD(gc_controller_triggered), FIELD(gc_controller_last_heap_goal),
	FIELD(gc_controller_sweep_dist_min_trigger), FIELD(gc_controller_heap_free),
	FIELD(gc_controller_total_alloc), FIELD(gc_controller_total_free),
	FIELD(gc_controller_mapped_ready),
	FIELD(bucket_next), FIELD(bucket_allnext), FIELD(bucket_typ), FIELD(bucket_obj_size), FIELD(bucket_nstk),
	FIELD(bucket_header_size), FIELD(mem_record_active), FIELD(mem_record_active_size),
	FIELD(mem_record_future), FIELD(mem_record_future_size), FIELD(mem_record_size),
	FIELD(mem_record_cycle_allocs), FIELD(mem_record_cycle_frees),
	FIELD(mem_record_cycle_alloc_bytes), FIELD(mem_record_cycle_free_bytes),
	FIELD(mem_record_cycle_size), FIELD(mprof_cycle_value), FIELD(mprof_max_stack),
};

/* A new member of struct go_layout must be added above, and read here. */
_Static_assert(offsetof(struct go_layout, experiments) ==
	       offsetof(struct go_layout, g_stack_lo) +
	       ARRAY_SIZE(layout_fields) * sizeof(uint32_t),
	       "struct go_layout has a member that dwarf_layout.c does not know");
_Static_assert(ARRAY_SIZE(field_specs) + ANY_WIDTH_FIELDS + ARRAY_SIZE(size_specs) +
	       ARRAY_SIZE(const_specs) == ARRAY_SIZE(layout_fields),
	       "every go_layout member is a field, a field's size, a struct size or a constant");

/* The sections whose DIEs can hold a DW_FORM_string in place. */
#define NUM_DIE_SECTIONS 2

/* Where each struct of wheres[] is, once the walk found it; and the bytes
 * of the DIE sections, which bound in-place names. */
struct index {
	Dwarf_Die die[W_COUNT];	/* the struct type, or the variable's type */
	bool found[W_COUNT];
	int64_t const_value[C_COUNT];
	bool const_found[C_COUNT];
	const char *sec[NUM_DIE_SECTIONS];
	size_t sec_len[NUM_DIE_SECTIONS];
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void where_name(enum where_id w, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", wheres[w].is_var ? "type of " : "", wheres[w].name);
}

/*
 * The DIE's own DW_AT_name (not through DW_AT_abstract_origin), or NULL.
 * libdw returns a DW_FORM_string as a pointer into the DIE's section
 * without checking that its NUL lies inside it (the string sections of the
 * other forms it checks): such a name must end inside its section.
 */
static const char *die_name(const struct index *ix, Dwarf_Die *die)
{
	Dwarf_Attribute mem, *attr = dwarf_attr(die, DW_AT_name, &mem);
	const char *s = attr ? dwarf_formstring(attr) : NULL;
	uintptr_t p = (uintptr_t)s;

	if (!s || dwarf_whatform(attr) != DW_FORM_string)
		return s;
	for (int i = 0; i < NUM_DIE_SECTIONS; i++) {
		uintptr_t start = (uintptr_t)ix->sec[i];

		if (ix->sec[i] && p >= start && p - start < ix->sec_len[i])
			return memchr(s, 0, ix->sec_len[i] - (p - start)) ? s : NULL;
	}
	return NULL;
}

/* The DIE that the DIE's DW_AT_type refers to; false when there is none. */
static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute mem, *attr = dwarf_attr(die, DW_AT_type, &mem);

	return attr && dwarf_formref_die(attr, type);
}

/* A DW_TAG_constant's value, as Go's debug/dwarf reads DW_AT_const_value
 * into an int64 (data and sdata forms); false for other forms. */
static bool const_value(Dwarf_Die *die, int64_t *v)
{
	Dwarf_Attribute mem, *attr = dwarf_attr(die, DW_AT_const_value, &mem);
	Dwarf_Sword sv;

	if (!attr)
		return false;
	switch (dwarf_whatform(attr)) {
	case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4: case DW_FORM_data8:
	case DW_FORM_sdata: case DW_FORM_udata:
		if (dwarf_formsdata(attr, &sv))
			return false;
		*v = sv;
		return true;
	default:
		return false;
	}
}

static void index_note(struct index *ix, Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	const char *name;

	if (tag != DW_TAG_structure_type && tag != DW_TAG_variable && tag != DW_TAG_constant)
		return;
	name = die_name(ix, die);
	if (!name || !*name)
		return;
	if (tag == DW_TAG_constant) {
		for (int c = 0; c < C_COUNT; c++)
			if (!ix->const_found[c] && !strcmp(name, const_names[c]))
				ix->const_found[c] = const_value(die, &ix->const_value[c]);
		return;
	}
	for (int w = 0; w < W_COUNT; w++) {
		if (ix->found[w] || wheres[w].is_var != (tag == DW_TAG_variable) ||
		    strcmp(name, wheres[w].name))
			continue;
		if (wheres[w].is_var)
			ix->found[w] = die_type(die, &ix->die[w]);
		else {
			ix->die[w] = *die;
			ix->found[w] = true;
		}
	}
}

/* Nothing later in the walk can change the result: all found (runtime._type
 * is only looked at when internal/abi.Type does not exist). */
static bool index_complete(const struct index *ix)
{
	for (int w = 0; w < W_COUNT; w++) {
		if (!ix->found[w] && !(w == W_RT_TYPE && ix->found[W_ABI_TYPE]))
			return false;
	}
	/* maxStack is only looked at when maxProfStackDepth does not exist. */
	return ix->const_found[C_MAX_PROF_STACK_DEPTH];
}

/* Pre-order walk of .debug_info's units, as Go's dwarf.Reader reads them. */
static int index_build(Dwarf *dw, struct index *ix, char *err, size_t errlen)
{
	Dwarf_Die stack[MAX_DEPTH], sib;
	Dwarf_Off off = 0, next;
	uint64_t visited = 0;
	size_t hsize;
	int depth, ret;

	while ((ret = dwarf_next_unit(dw, off, &next, &hsize, NULL, NULL, NULL,
				      NULL, NULL, NULL)) == 0) {
		if (next <= off || !dwarf_offdie(dw, off + hsize, &stack[0])) {
			set_err(err, errlen, "bad DWARF unit at 0x%llx: %s",
				(unsigned long long)off, dwarf_errmsg(-1));
			return -EBADMSG;
		}
		depth = 0;
		for (;;) {
			if (++visited > MAX_DIES) {
				set_err(err, errlen, "more than %u DWARF entries", MAX_DIES);
				return -EBADMSG;
			}
			index_note(ix, &stack[depth]);
			if (index_complete(ix))
				return 0;
			ret = depth + 1 < MAX_DEPTH ? dwarf_child(&stack[depth], &stack[depth + 1]) : 1;
			if (ret < 0)
				goto bad_die;
			if (ret == 0) {
				depth++;
				continue;
			}
			/* No child: the next sibling, or an ancestor's. */
			while (depth > 0) {
				ret = dwarf_siblingof(&stack[depth], &sib);
				if (ret < 0)
					goto bad_die;
				if (ret == 0)
					break;
				depth--;
			}
			if (depth == 0)
				break;
			stack[depth] = sib;
		}
		off = next;
	}
	if (ret < 0) {
		set_err(err, errlen, "bad DWARF unit at 0x%llx: %s",
			(unsigned long long)off, dwarf_errmsg(-1));
		return -EBADMSG;
	}
	return 0;

bad_die:
	set_err(err, errlen, "bad DWARF entry near 0x%llx: %s",
		(unsigned long long)dwarf_dieoffset(&stack[depth]), dwarf_errmsg(-1));
	return -EBADMSG;
}

/* The struct (or union, as Go's debug/dwarf accepts) that type names through
 * typedefs. */
static int unwrap_struct(Dwarf_Die *type, Dwarf_Die *out, const char *what,
			 char *err, size_t errlen)
{
	Dwarf_Die cur = *type;

	for (int i = 0; i < MAX_TYPEDEFS; i++) {
		int tag = dwarf_tag(&cur);

		if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
		    tag == DW_TAG_class_type) {
			*out = cur;
			return 0;
		}
		if (tag != DW_TAG_typedef) {
			set_err(err, errlen, "%s is not a struct (DWARF tag 0x%x)", what, tag);
			return -EBADMSG;
		}
		if (!die_type(&cur, &cur)) {
			set_err(err, errlen, "%s: typedef without a type", what);
			return -EBADMSG;
		}
	}
	set_err(err, errlen, "%s: typedefs nested more than %d deep", what, MAX_TYPEDEFS);
	return -EBADMSG;
}

/* The struct that w names, or found = false when the binary has none. */
static int lookup(const struct index *ix, enum where_id w, Dwarf_Die *st,
		  bool *found, char *err, size_t errlen)
{
	char what[64];
	Dwarf_Die die;

	*found = ix->found[w];
	if (!*found)
		return 0;
	die = ix->die[w];
	where_name(w, what, sizeof(what));
	return unwrap_struct(&die, st, what, err, errlen);
}

/* DW_AT_data_member_location: a constant or DW_OP_plus_uconst, absent 0. */
static int member_offset(Dwarf_Die *member, Dwarf_Word *off)
{
	Dwarf_Attribute mem, *attr = dwarf_attr(member, DW_AT_data_member_location, &mem);
	Dwarf_Op *ops;
	size_t nops;

	*off = 0;
	if (!attr || !dwarf_formudata(attr, off))
		return 0;
	if (dwarf_getlocation(attr, &ops, &nops) || nops < 1 ||
	    ops[0].atom != DW_OP_plus_uconst)
		return -EBADMSG;
	*off = ops[0].number;
	return 0;
}

/* The first DW_TAG_member of st named name; found = false if none. */
static int find_member(const struct index *ix, Dwarf_Die *st, const char *name,
		       Dwarf_Die *member, bool *found)
{
	Dwarf_Die next;
	int ret = dwarf_child(st, member);

	*found = false;
	for (int n = 0; ret == 0; n++) {
		const char *mname;

		if (n >= MAX_MEMBERS)
			return -EBADMSG;
		mname = dwarf_tag(member) == DW_TAG_member ? die_name(ix, member) : NULL;
		if (mname && !strcmp(mname, name)) {
			*found = true;
			return 0;
		}
		ret = dwarf_siblingof(member, &next);
		*member = next;
	}
	return ret < 0 ? -EBADMSG : 0;
}

/*
 * A type's size as Go's debug/dwarf gives it (Type.Size()): its
 * DW_AT_byte_size; else, for a typedef or qualifier, its target's; for a
 * pointer, the unit's address size. Anything else has no size.
 */
static int type_size(Dwarf_Die *type, uint64_t *size)
{
	Dwarf_Attribute mem, *attr;
	Dwarf_Die cur = *type;
	uint8_t addr_size;
	Dwarf_Word v;

	for (int i = 0; i < MAX_TYPEDEFS; i++) {
		attr = dwarf_attr(&cur, DW_AT_byte_size, &mem);
		if (attr) {
			if (dwarf_formudata(attr, &v))
				return -EBADMSG;
			*size = v;
			return 0;
		}
		switch (dwarf_tag(&cur)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
			if (!die_type(&cur, &cur))
				return -EBADMSG;
			continue;
		case DW_TAG_pointer_type:
			if (!dwarf_diecu(&cur, &(Dwarf_Die){}, &addr_size, NULL))
				return -EBADMSG;
			*size = addr_size;
			return 0;
		default:
			return -EBADMSG;
		}
	}
	return -EBADMSG;
}

/* Follow a dot-separated path from st; found = false when an element of the
 * path does not exist. */
static int field_at(const struct index *ix, Dwarf_Die *st, const char *path,
		    uint64_t *off, uint64_t *size, bool *found, char *err, size_t errlen)
{
	Dwarf_Die cur = *st, member, type;
	Dwarf_Word moff;
	char elem[MAX_PATH_ELEM];
	const char *p = path;
	int ret;

	*off = 0;
	*found = false;
	for (;;) {
		size_t len = strcspn(p, ".");

		if (len >= sizeof(elem)) {
			set_err(err, errlen, "%s: path element too long", path);
			return -EINVAL;
		}
		memcpy(elem, p, len);
		elem[len] = '\0';
		ret = find_member(ix, &cur, elem, &member, found);
		if (ret) {
			set_err(err, errlen, "%s: bad DWARF member list: %s", path,
				dwarf_errmsg(-1));
			return ret;
		}
		if (!*found)
			return 0;
		if (member_offset(&member, &moff) || moff > UINT32_MAX) {
			set_err(err, errlen, "%s: bad member offset", path);
			return -EBADMSG;
		}
		*off += moff;
		if (!die_type(&member, &type)) {
			set_err(err, errlen, "%s: member %s has no type", path, elem);
			return -EBADMSG;
		}
		if (!p[len])
			break;
		ret = unwrap_struct(&type, &cur, elem, err, errlen);
		if (ret)
			return ret;
		p += len + 1;
	}
	if (type_size(&type, size) || *size == 0) {
		*found = false;
		set_err(err, errlen, "%s has no size", path);
		return -EBADMSG;
	}
	return 0;
}

static void put_u32(struct go_layout *l, size_t offset, uint32_t v)
{
	memcpy((char *)l + offset, &v, sizeof(v));
}

/* An offset or size into the layout: GO_LAYOUT_ABSENT and above do not fit. */
static int set_u32(struct go_layout *l, size_t offset, uint64_t v, const char *name,
		   char *err, size_t errlen)
{
	if (v >= GO_LAYOUT_ABSENT) {
		set_err(err, errlen, "%s = %llu does not fit", name, (unsigned long long)v);
		return -ERANGE;
	}
	put_u32(l, offset, (uint32_t)v);
	return 0;
}

static int read_field(const struct index *ix, const struct field_spec *f,
		      struct go_layout *l, char *err, size_t errlen)
{
	char what[64] = "";
	uint64_t off = 0, size = 0;
	bool found = false, any_struct = false;
	Dwarf_Die st;
	int ret, c, last = 0;

	/* The first candidate whose struct exists and has the path. */
	for (c = 0; c < f->ncands; c++) {
		ret = lookup(ix, f->cands[c].in, &st, &found, err, errlen);
		if (ret)
			return ret;
		if (!found)
			continue;
		any_struct = true;
		last = c;
		ret = field_at(ix, &st, f->cands[c].path, &off, &size, &found, err, errlen);
		if (ret)
			return ret;
		if (found)
			break;
	}
	if (found) {
		where_name(f->cands[c].in, what, sizeof(what));
	} else if (any_struct) {
		if (!f->optional) {
			where_name(f->cands[last].in, what, sizeof(what));
			set_err(err, errlen, "required field %s (%s.%s) is missing",
				f->name, what, f->cands[last].path);
			return -ENOMSG;
		}
	} else if (!f->optional) {
		where_name(f->cands[0].in, what, sizeof(what));
		if (f->ncands > 1)
			snprintf(what + strlen(what), sizeof(what) - strlen(what),
				 " or %s", wheres[f->cands[1].in].name);
		set_err(err, errlen, "required field %s (%s) is missing", f->name, what);
		return -ENOMSG;
	}
	if (!found) {
		put_u32(l, f->offset, GO_LAYOUT_ABSENT);
		if (!f->width)
			put_u32(l, f->size_offset, 0);
		return 0;
	}
	if (f->width && size != f->width) {
		set_err(err, errlen, "%s (%s.%s) is %llu bytes, gomemtrace reads %u",
			f->name, what, f->cands[c].path, (unsigned long long)size, f->width);
		return -ERANGE;
	}
	ret = set_u32(l, f->offset, off, f->name, err, errlen);
	if (!ret && !f->width)
		ret = set_u32(l, f->size_offset, size, f->name, err, errlen);
	return ret;
}

static int read_size(const struct index *ix, const struct size_spec *s,
		     struct go_layout *l, char *err, size_t errlen)
{
	uint64_t size;
	Dwarf_Die st;
	char what[64];
	bool found;
	int ret;

	ret = lookup(ix, s->in, &st, &found, err, errlen);
	if (ret)
		return ret;
	where_name(s->in, what, sizeof(what));
	if (!found) {
		set_err(err, errlen, "%s is missing", what);
		return -ENOMSG;
	}
	if (type_size(&st, &size)) {
		set_err(err, errlen, "%s has no size", what);
		return -EBADMSG;
	}
	return set_u32(l, s->offset, size, s->name, err, errlen);
}

static int read_const(const struct index *ix, const struct const_spec *c,
		      struct go_layout *l, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(c->cands); i++) {
		int64_t v = ix->const_value[c->cands[i]];

		if (!ix->const_found[c->cands[i]])
			continue;
		if (v <= 0 || v >= (int64_t)1 << 31) {
			set_err(err, errlen, "constant %s = %lld does not fit",
				const_names[c->cands[i]], (long long)v);
			return -ERANGE;
		}
		put_u32(l, c->offset, (uint32_t)v);
		return 0;
	}
	set_err(err, errlen, "required constant %s (%s or %s) is missing", c->name,
		const_names[c->cands[0]], const_names[c->cands[1]]);
	return -ENOMSG;
}

/* Whether the file has a .debug_info (or .zdebug_info) with contents. */
static int has_debug_info(Elf *elf, bool *has)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	*has = false;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		const char *name;

		if (!sh)
			return -ENOEXEC;
		name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) &&
		    sh->sh_type != SHT_NOBITS && sh->sh_size > 0) {
			*has = true;
			return 0;
		}
	}
	return 0;
}

/* The bytes libdw reads DIEs from (decompressed by dwarf_begin_elf), the
 * first section of each name as libdw takes it; NULL where absent. */
static void die_sections(Elf *elf, struct index *ix)
{
	static const char *const names[NUM_DIE_SECTIONS][2] = {
		{ ".debug_info", ".zdebug_info" },
		{ ".debug_types", ".zdebug_types" },
	};
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		const char *name = sh ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;
		Elf_Data *data;

		if (!name)
			continue;
		for (int i = 0; i < NUM_DIE_SECTIONS; i++) {
			if (ix->sec[i] || (strcmp(name, names[i][0]) && strcmp(name, names[i][1])))
				continue;
			data = elf_getdata(scn, NULL);
			if (data && data->d_buf) {
				ix->sec[i] = data->d_buf;
				ix->sec_len[i] = data->d_size;
			}
		}
	}
}

int dwarf_layout_read(const char *path, int minor, struct go_layout *out,
		      char *err, size_t errlen)
{
	struct go_layout l = { .minor = minor };
	struct index ix = {};
	Dwarf *dw = NULL;
	Elf *elf = NULL;
	GElf_Ehdr ehdr;
	bool has;
	int fd, ret;

	set_err(err, errlen, "no error");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "cannot open: %s", strerror(errno));
		return ret;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		ret = -EINVAL;
		set_err(err, errlen, "libelf: %s", elf_errmsg(-1));
		goto cleanup;
	}
	/* ELF_C_READ, not mmap: a file truncated under us is a read error,
	 * not SIGBUS. */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr) ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != EM_X86_64) {
		ret = -ENOEXEC;
		set_err(err, errlen, "not a 64-bit amd64 ELF file");
		goto cleanup;
	}
	ret = has_debug_info(elf, &has);
	if (ret) {
		set_err(err, errlen, "bad ELF section headers: %s", elf_errmsg(-1));
		goto cleanup;
	}
	if (!has) {
		ret = -ENODATA;
		set_err(err, errlen, "no DWARF (no .debug_info)");
		goto cleanup;
	}
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw) {
		ret = -EBADMSG;
		set_err(err, errlen, "unreadable DWARF: %s", dwarf_errmsg(-1));
		goto cleanup;
	}
	die_sections(elf, &ix);
	ret = index_build(dw, &ix, err, errlen);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(field_specs); i++)
		ret = read_field(&ix, &field_specs[i], &l, err, errlen);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(size_specs); i++)
		ret = read_size(&ix, &size_specs[i], &l, err, errlen);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(const_specs); i++)
		ret = read_const(&ix, &const_specs[i], &l, err, errlen);
	if (!ret)
		*out = l;

cleanup:
	dwarf_end(dw);
	elf_end(elf);
	close(fd);
	return ret;
}

const struct go_layout_field *dwarf_layout_fields(size_t *count)
{
	*count = ARRAY_SIZE(layout_fields);
	return layout_fields;
}

const struct go_layout_field *dwarf_layout_diff(const struct go_layout *a,
						const struct go_layout *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(layout_fields); i++) {
		if (go_layout_field_value(a, &layout_fields[i]) !=
		    go_layout_field_value(b, &layout_fields[i]))
			return &layout_fields[i];
	}
	return NULL;
}

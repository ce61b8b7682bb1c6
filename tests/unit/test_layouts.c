// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of the per-Go-version runtime layout table (go_layouts.c): the
 * lookup finds each version of the matrix, refuses unknown ones, and the rows
 * carry the facts that GO_RUNTIME.md records and the probes rely on.
 * tests/integration/test_layouts checks the table against the toolchains.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "binary/buildinfo.h"
#include "binary/go_layouts.h"

static const int matrix[] = { 119, 121, 122, 123, 124, 125, 126, 127 };
#define MATRIX_LEN ((int)(sizeof(matrix) / sizeof(matrix[0])))

static void check_known_versions(void)
{
	char name[64];

	for (int i = 0; i < MATRIX_LEN; i++) {
		const struct go_layout *l = go_layout_find(matrix[i]);

		snprintf(name, sizeof(name), "find go1.%d", matrix[i] - 100);
		CHECK(l && l->minor == matrix[i], name, "got %p (minor %d)",
		      (const void *)l, l ? l->minor : -1);
	}
}

static void check_unknown_versions(void)
{
	static const int unknown[] = { 0, -1, 19, 117, 118, 120, 128, 200 };
	char name[64];

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		const struct go_layout *l = go_layout_find(unknown[i]);

		snprintf(name, sizeof(name), "no layout for %d", unknown[i]);
		CHECK(l == NULL, name, "got the row of minor %d",
		      l ? l->minor : -1);
	}
}

static void check_all_rows(void)
{
	int count = -1, ndefault = 0;
	const struct go_layout *rows = go_layout_all(&count);
	int sorted = 1, matches, found = 1;

	while (ndefault < count && !rows[ndefault].experiments)
		ndefault++;
	matches = ndefault == MATRIX_LEN;
	for (int i = 1; i < ndefault; i++)
		sorted &= rows[i - 1].minor < rows[i].minor;
	for (int i = 0; matches && i < ndefault; i++)
		matches &= rows[i].minor == matrix[i];
	CHECK(matches && sorted, "default rows are the matrix, oldest first",
	      "%d default rows, sorted %d", ndefault, sorted);
	/* then only rows for non-default GOEXPERIMENTs, each found by them */
	for (int i = ndefault; i < count; i++)
		found &= rows[i].experiments && rows[i].experiments[0] &&
			 go_layout_find_experiments(rows[i].minor, rows[i].experiments) ==
				 &rows[i];
	CHECK(found, "experiment rows follow, each found by its experiments",
	      "%d rows, %d default", count, ndefault);
}

/* GO_RUNTIME.md: greenteagc moves work.cycles in go1.25 (608, not 512). */
static void check_experiments(void)
{
	const struct go_layout *g = go_layout_find_experiments(125, "greenteagc");

	CHECK(g && g->work_cycles == 608 && go_layout_find(125)->work_cycles == 512,
	      "go1.25 greenteagc: work.cycles 608, default 512", "greenteagc row %d",
	      g ? (int)g->work_cycles : -1);
	CHECK(go_layout_find_experiments(125, "") == go_layout_find(125) &&
	      !go_layout_find_experiments(125, "nosuchexperiment"),
	      "no experiments is the default row; unknown ones have none", "%s", "rows differ");
	/* Several at once: those whose own row is the default one left out. */
	CHECK(go_layout_find_experiments(125, "arenas,greenteagc") == g &&
	      go_layout_find_experiments(125, "greenteagc,noswissmap") == g &&
	      go_layout_find_experiments(126, "arenas,runtimesecret") == go_layout_find(126) &&
	      go_layout_find_experiments(126, "arenas,nogreenteagc") ==
		      go_layout_find_experiments(126, "nogreenteagc") &&
	      !go_layout_find_experiments(125, "arenas,nosuchexperiment") &&
	      !go_layout_find_experiments(126, "greenteagc,nogreenteagc") &&
	      !go_layout_find_experiments(119, "arenas"),
	      "several experiments: the row without those that change nothing alone",
	      "%s", "rows differ");
}

/* The experiments each toolchain's internal/goexperiment/flags.go has. */
static void check_known_experiments(void)
{
	struct { int minor; const char *name; int want; } cases[] = {
		{ 125, "greenteagc", 1 }, { 126, "nogreenteagc", 1 }, { 124, "greenteagc", 0 },
		{ 122, "noallocheaders", 1 }, { 123, "noallocheaders", 0 },
		{ 121, "arenas", 1 }, { 119, "arenas", 0 }, { 127, "mapsplitgroup", 1 },
		{ 126, "mapsplitgroup", 0 }, { 127, "nosizespecializedmalloc", 1 },
		{ 127, "runtimefreegc", 1 }, { 126, "goroutineleakprofile", 1 },
		{ 127, "goroutineleakprofile", 0 }, { 127, "nosuchexperiment", 0 },
		{ 127, "no", 0 }, { 120, "arenas", -1 }, { 128, "greenteagc", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = buildinfo_experiment_known(cases[i].minor, cases[i].name,
						     strlen(cases[i].name));
		char name[96];

		snprintf(name, sizeof(name), "go1.%d knows GOEXPERIMENT=%s: %d",
			 cases[i].minor - 100, cases[i].name, cases[i].want);
		CHECK(got == cases[i].want, name, "got %d", got);
	}
}

/* Expected values per matrix version, in matrix order. */
struct fact {
	const char *name;
	size_t offset;		/* offsetof(struct go_layout, ...) */
	uint32_t want[8];
};

#define FACT(field, ...) \
	{ #field, offsetof(struct go_layout, field), { __VA_ARGS__ } }

static const struct fact facts[] = {
	/* GO_RUNTIME.md, "Stack growth" and "GC cycle" */
	FACT(g_goid, 152, 152, 152, 160, 160, 152, 152, 152),
	FACT(memstats_numgc, 7704, 7704, 7704, 7704, 7704, 7680, 7680, 7680),
	FACT(work_cycles, 344, 400, 400, 424, 424, 512, 648, 648),
	FACT(work_cycles_size, 4, 4, 4, 4, 4, 4, 4, 4),
	FACT(g_stack_lo, 0, 0, 0, 0, 0, 0, 0, 0),
	FACT(g_stack_hi, 8, 8, 8, 8, 8, 8, 8, 8),
	/* Size_ and PtrBytes are the first two words of a type descriptor. */
	FACT(type_size, 0, 0, 0, 0, 0, 0, 0, 0),
	FACT(type_ptrdata, 8, 8, 8, 8, 8, 8, 8, 8),
};

static void check_facts(void)
{
	char name[96];

	for (size_t f = 0; f < sizeof(facts) / sizeof(facts[0]); f++) {
		for (int i = 0; i < MATRIX_LEN; i++) {
			const struct go_layout *l = go_layout_find(matrix[i]);
			uint32_t got = 0;

			if (l)
				memcpy(&got, (const char *)l + facts[f].offset,
				       sizeof(got));
			snprintf(name, sizeof(name), "go1.%d %s = %u",
				 matrix[i] - 100, facts[f].name,
				 facts[f].want[i]);
			CHECK(l && got == facts[f].want[i], name, "got %u", got);
		}
	}
}

/* Every row has every field the heap-goal report needs, in its struct. */
static void check_heap_goal_fields(void)
{
	char name[64];

	for (int i = 0; i < MATRIX_LEN; i++) {
		const struct go_layout *l = go_layout_find(matrix[i]);
		int ok = l && go_layout_has(l->gc_controller_heap_marked) &&
			 go_layout_has(l->gc_controller_heap_live) &&
			 go_layout_has(l->gc_controller_gc_percent_heap_goal) &&
			 go_layout_has(l->gc_controller_triggered) &&
			 go_layout_has(l->gc_controller_last_heap_goal) &&
			 l->gc_controller_heap_live < l->gc_controller_heap_marked;

		snprintf(name, sizeof(name), "go1.%d gcControllerState fields",
			 matrix[i] - 100);
		CHECK(ok, name, "a field is absent or out of source order");
	}
	CHECK(!go_layout_has(GO_LAYOUT_ABSENT) && go_layout_has(0),
	      "go_layout_has", "wrong answer for ABSENT or 0");
}

int main(void)
{
	check_known_versions();
	check_unknown_versions();
	check_all_rows();
	check_experiments();
	check_known_experiments();
	check_facts();
	check_heap_goal_fields();
	return CHECK_DONE();
}

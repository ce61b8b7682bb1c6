// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes/alloc_proof.c over call graphs written by hand, shaped as the Go
 * runtimes' allocation paths are (go1.19-1.23 mallocgc, go1.24-1.26
 * leaves, go1.27 size-specialized leaves through tables and SlowPath
 * helpers, arena chunks, PGO inlining a leaf into mallocgc), each with the
 * plan that must be proven and the plans that must be refused, and why.
 * Real binaries: tests/unit/test_probe_plan.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "binary/callgraph.h"
#include "probes/alloc_proof.h"

#define MAXF 32

struct graph {
	struct callgraph *g;
	const char *names[MAXF];
	size_t n;
};

/* Functions by name, in order of entry. */
static void define(struct graph *t, const char *const *names)
{
	for (t->n = 0; names[t->n]; t->n++)
		t->names[t->n] = names[t->n];
	t->g = callgraph_new(t->n);
	for (size_t i = 0; i < t->n; i++)
		callgraph_set_func(t->g, i, 0x1000 + 0x100 * i, names[i]);
}

static size_t idx(const struct graph *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->names[i], name))
			return i;
	fprintf(stderr, "no function %s\n", name);
	abort();
}

static void call(struct graph *t, const char *from, const char *to)
{
	callgraph_add_call(t->g, idx(t, from), idx(t, to));
}

static void taken(struct graph *t, const char *name)
{
	callgraph_mark_address_taken(t->g, idx(t, name));
}

/* Proves the probed names (NULL-terminated); want_err NULL: proven, else
 * refused with every word of want_err (space-separated) in the reason. */
static void expect(struct graph *t, const char *name, const char *const *probed,
		   const char *want_err)
{
	uint32_t p[MAXF];
	size_t n = 0;
	char err[1024] = "", words[256], *w, *save;
	bool ok;
	int ret;

	for (; probed[n]; n++)
		p[n] = (uint32_t)idx(t, probed[n]);
	ret = alloc_proof_check(t->g, p, n, err, sizeof(err));
	if (!want_err) {
		CHECK(ret == 0, name, "refused: %s", err);
		return;
	}
	ok = ret == -ENOEXEC;
	snprintf(words, sizeof(words), "%s", want_err);
	for (w = strtok_r(words, " ", &save); w && ok; w = strtok_r(NULL, " ", &save))
		ok = strstr(err, w) != NULL;
	CHECK(ok, name, "ret %d, reason \"%s\", want %s", ret, err, want_err);
}

/* go1.19-1.23: every allocation enters mallocgc. mallocgc starts a GC cycle
 * (gcStart), and a cycle may allocate (procresize -> newobject): a separate
 * allocation through a root, not a double count. */
static void test_mallocgc(void)
{
	static const char *const f[] = {
		"runtime.rt0_go", "main.main", "main.f", "runtime.newobject",
		"runtime.makeslice", "runtime.mallocgc", "runtime.(*mcache).nextFree",
		"runtime.(*mcache).refill", "runtime.(*mcentral).cacheSpan",
		"runtime.(*mcache).allocLarge", "runtime.(*mheap).alloc", "runtime.gcStart",
		"runtime.procresize", "runtime.forcegchelper", "runtime.profilealloc", NULL,
	};
	struct graph t;

	define(&t, f);
	call(&t, "runtime.rt0_go", "main.main");
	call(&t, "main.main", "main.f");
	call(&t, "main.f", "runtime.newobject");
	call(&t, "main.f", "runtime.makeslice");
	call(&t, "runtime.newobject", "runtime.mallocgc");
	call(&t, "runtime.makeslice", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).allocLarge");
	call(&t, "runtime.mallocgc", "runtime.profilealloc");
	call(&t, "runtime.mallocgc", "runtime.gcStart");
	call(&t, "runtime.(*mcache).nextFree", "runtime.(*mcache).refill");
	call(&t, "runtime.(*mcache).refill", "runtime.(*mcentral).cacheSpan");
	call(&t, "runtime.(*mcache).allocLarge", "runtime.(*mheap).alloc");
	call(&t, "runtime.gcStart", "runtime.procresize");
	call(&t, "runtime.procresize", "runtime.newobject");
	taken(&t, "runtime.forcegchelper");
	call(&t, "runtime.forcegchelper", "runtime.gcStart");
	callgraph_finish(t.g);

	expect(&t, "mallocgc: mallocgc alone is proven",
	       (const char *const[]){ "runtime.mallocgc", NULL }, NULL);
	expect(&t, "mallocgc: no probe misses it",
	       (const char *const[]){ NULL }, "runtime.mallocgc reaches runtime.(*mcache)");
	expect(&t, "mallocgc: the compiler's entry points, when only they call mallocgc",
	       (const char *const[]){ "runtime.newobject", "runtime.makeslice", NULL }, NULL);
	expect(&t, "mallocgc: mallocgc and newobject count twice",
	       (const char *const[]){ "runtime.mallocgc", "runtime.newobject", NULL },
	       "runtime.newobject calls runtime.mallocgc twice");
	expect(&t, "mallocgc: a probe that reaches no span allocator",
	       (const char *const[]){ "runtime.mallocgc", "runtime.forcegchelper", NULL },
	       "runtime.forcegchelper reaches none");
	expect(&t, "mallocgc: a probe whose callee's callee is probed counts twice",
	       (const char *const[]){ "runtime.mallocgc", "main.main", NULL },
	       "main.main reaches runtime.mallocgc through");
	callgraph_free(t.g);
}

/* go1.27: compiled code calls the size-specialized leaves directly, mallocgc
 * reaches them through a table (address-taken elements), the leaves'
 * slow paths are helpers only leaves call. The tiny leaf left out is issue
 * 9's first failure. */
static void test_leaves(void)
{
	static const char *const f[] = {
		"main.main", "main.small", "main.tiny", "runtime.mallocgc",
		"runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcTinySC2",
		"runtime.mallocgcSmallNoScanSlowPath", "runtime.mallocgcTinySlowPath",
		"runtime.mallocgcLarge", "runtime.(*mcache).nextFree",
		"runtime.(*mcache).allocLarge", "runtime.mallocgcSmallNoscanReuse", NULL,
	};
	static const char *const leaves[] = {
		"runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcTinySC2",
		"runtime.mallocgcLarge", NULL,
	};
	struct graph t;

	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "main.small");
	call(&t, "main.main", "main.tiny");
	call(&t, "main.small", "runtime.mallocgcSmallNoScanSC2");
	call(&t, "main.tiny", "runtime.mallocgcTinySC2");
	call(&t, "main.main", "runtime.mallocgc");
	taken(&t, "runtime.mallocgcSmallNoScanSC2");	/* mallocgc's tables */
	taken(&t, "runtime.mallocgcTinySC2");
	call(&t, "runtime.mallocgc", "runtime.mallocgcLarge");
	call(&t, "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcSmallNoScanSlowPath");
	call(&t, "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcSmallNoscanReuse");
	call(&t, "runtime.mallocgcTinySC2", "runtime.mallocgcTinySlowPath");
	call(&t, "runtime.mallocgcSmallNoScanSlowPath", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgcTinySlowPath", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgcLarge", "runtime.(*mcache).allocLarge");
	callgraph_finish(t.g);

	expect(&t, "leaves: every leaf is proven", leaves, NULL);
	expect(&t, "leaves: the tiny leaf left out",
	       (const char *const[]){ "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcLarge",
				      NULL },
	       "runtime.mallocgcTinySC2 reaches runtime.(*mcache).nextFree");
	expect(&t, "leaves: mallocgc alone misses the compiler's direct calls",
	       (const char *const[]){ "runtime.mallocgc", NULL }, "without passing a probe");
	expect(&t, "leaves: mallocgc and the large leaf count twice",
	       (const char *const[]){ "runtime.mallocgc", "runtime.mallocgcSmallNoScanSC2",
				      "runtime.mallocgcTinySC2", "runtime.mallocgcLarge", NULL },
	       "runtime.mallocgc calls runtime.mallocgcLarge");
	expect(&t, "leaves: a slow path probed beside its leaf counts twice",
	       (const char *const[]){ "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcTinySC2",
				      "runtime.mallocgcLarge",
				      "runtime.mallocgcTinySlowPath", NULL },
	       "runtime.mallocgcTinySC2 calls runtime.mallocgcTinySlowPath");
	callgraph_free(t.g);

	/* The same graph where compiled code calls the reuse path itself: an
	 * allocation function that reaches no span allocator, caught by name. */
	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "main.small");
	call(&t, "main.small", "runtime.mallocgcSmallNoScanSC2");
	call(&t, "main.small", "runtime.mallocgcSmallNoscanReuse");
	call(&t, "main.main", "main.tiny");
	call(&t, "main.tiny", "runtime.mallocgcTinySC2");
	call(&t, "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcSmallNoScanSlowPath");
	call(&t, "runtime.mallocgcTinySC2", "runtime.mallocgcTinySlowPath");
	call(&t, "runtime.mallocgcSmallNoScanSlowPath", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgcTinySlowPath", "runtime.(*mcache).nextFree");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.mallocgcLarge");
	call(&t, "runtime.mallocgcLarge", "runtime.(*mcache).allocLarge");
	callgraph_finish(t.g);
	expect(&t, "leaves: an allocation function outside the plan, by name", leaves,
	       "runtime.mallocgcSmallNoscanReuse can be entered");
	callgraph_free(t.g);
}

/* A helper between two probed functions counts twice; an internal helper
 * that is also address-taken is entered from anywhere; an arena chunk comes
 * from the heap without mallocgc, through a closure systemstack runs. */
static void test_helpers(void)
{
	static const char *const f[] = {
		"main.main", "runtime.mallocgc", "runtime.helper", "runtime.mallocgcTiny",
		"runtime.(*mcache).nextFree", "arena.New", "runtime.newUserArenaChunk",
		"runtime.newUserArenaChunk.func1", "runtime.(*mheap).allocUserArenaChunk",
		NULL,
	};
	struct graph t;

	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.helper");
	call(&t, "runtime.helper", "runtime.mallocgcTiny");
	call(&t, "runtime.mallocgcTiny", "runtime.(*mcache).nextFree");
	call(&t, "main.main", "arena.New");
	call(&t, "arena.New", "runtime.newUserArenaChunk");
	/* LEA of the closure: a call by the function that builds it */
	call(&t, "runtime.newUserArenaChunk", "runtime.newUserArenaChunk.func1");
	call(&t, "runtime.newUserArenaChunk.func1", "runtime.(*mheap).allocUserArenaChunk");
	callgraph_finish(t.g);

	expect(&t, "helpers: mallocgc and a leaf behind a helper count twice",
	       (const char *const[]){ "runtime.mallocgc", "runtime.mallocgcTiny",
				      "runtime.newUserArenaChunk", NULL },
	       "runtime.mallocgc reaches runtime.mallocgcTiny through runtime.helper");
	expect(&t, "helpers: the leaf behind mallocgc's helper is proven",
	       (const char *const[]){ "runtime.mallocgcTiny", "runtime.newUserArenaChunk",
				      NULL }, NULL);
	expect(&t, "helpers: arena chunks without their probe",
	       (const char *const[]){ "runtime.mallocgcTiny", NULL },
	       "runtime.newUserArenaChunk reaches runtime.(*mheap).allocUserArenaChunk");
	callgraph_free(t.g);

	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.helper");
	call(&t, "runtime.helper", "runtime.(*mcache).nextFree");
	taken(&t, "runtime.helper");
	callgraph_finish(t.g);
	expect(&t, "helpers: an address-taken helper is entered without a probe",
	       (const char *const[]){ "runtime.mallocgc", NULL },
	       "runtime.helper reaches runtime.(*mcache).nextFree");
	callgraph_free(t.g);

	/* No span allocator: nothing to prove against. */
	define(&t, (const char *const[]){ "main.main", "runtime.mallocgc", NULL });
	call(&t, "main.main", "runtime.mallocgc");
	callgraph_finish(t.g);
	{
		uint32_t p = 1;
		char err[256];

		CHECK(alloc_proof_check(t.g, &p, 1, err, sizeof(err)) == -ENOENT,
		      "no span allocator: cannot prove", "%s", err);
	}
	callgraph_free(t.g);
}

/* A PGO build (go1.27's compiler): mallocgc inlined the tiny and small
 * leaves and allocates itself, still calls mallocgcLarge and, through its
 * table, the size-specialized leaves the compiler also calls directly. */
static void test_dispatcher(void)
{
	static const char *const f[] = {
		"main.main", "runtime.mallocgc", "runtime.mallocgcSmallNoScanSC2",
		"runtime.mallocgcLarge", "runtime.helper", "runtime.(*mcache).nextFree",
		"runtime.(*mcache).allocLarge", NULL,
	};
	const char *const all[] = { "runtime.mallocgc", "runtime.mallocgcSmallNoScanSC2",
				    "runtime.mallocgcLarge", NULL };
	struct graph t;
	uint32_t p[3];
	char err[1024];
	int ret;

	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "main.main", "runtime.mallocgcSmallNoScanSC2");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgc", "runtime.mallocgcLarge");
	call(&t, "runtime.mallocgc", "runtime.mallocgcSmallNoScanSC2");	/* table, LEA */
	call(&t, "runtime.mallocgcSmallNoScanSC2", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgcLarge", "runtime.(*mcache).allocLarge");
	callgraph_finish(t.g);

	expect(&t, "dispatcher: the leaves alone miss mallocgc's inlined allocations",
	       (const char *const[]){ "runtime.mallocgcSmallNoScanSC2", "runtime.mallocgcLarge",
				      NULL },
	       "runtime.mallocgc reaches runtime.(*mcache).nextFree");
	expect(&t, "dispatcher: mallocgc beside its leaves, none skipping, counts twice", all,
	       "twice");
	for (int i = 0; i < 3; i++)
		p[i] = (uint32_t)idx(&t, all[i]);
	ret = alloc_proof_check_dispatch(t.g, p, 3, p[0], err, sizeof(err));
	CHECK(ret == 0, "dispatcher: mallocgc beside leaves that skip its calls is proven",
	      "ret %d: %s", ret, err);
	callgraph_free(t.g);

	/* Through a helper, the leaf's return address is not in mallocgc. */
	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgc", "runtime.helper");
	call(&t, "runtime.helper", "runtime.mallocgcLarge");
	call(&t, "main.main", "runtime.mallocgcSmallNoScanSC2");
	call(&t, "runtime.mallocgcSmallNoScanSC2", "runtime.(*mcache).nextFree");
	call(&t, "runtime.mallocgcLarge", "runtime.(*mcache).allocLarge");
	callgraph_finish(t.g);
	for (int i = 0; i < 3; i++)
		p[i] = (uint32_t)idx(&t, all[i]);
	ret = alloc_proof_check_dispatch(t.g, p, 3, p[0], err, sizeof(err));
	CHECK(ret == -ENOEXEC && strstr(err, "through runtime.helper"),
	      "dispatcher: a leaf behind mallocgc's helper counts twice", "ret %d: %s", ret, err);
	callgraph_free(t.g);
}

/* A host linking package plugin keeps a wrapper of every method, called by
 * nothing, its address only in its type's method table. */
static void test_method_wrappers(void)
{
	static const char *const f[] = {
		"main.main", "runtime.mallocgc", "go:(**mcache).runtime.nextFree",
		"go:(**T).main.Alloc", "runtime.(*mcache).nextFree", NULL,
	};
	struct graph t;

	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).nextFree");
	call(&t, "go:(**mcache).runtime.nextFree", "runtime.(*mcache).nextFree");
	callgraph_mark_wrapper(t.g, idx(&t, "go:(**mcache).runtime.nextFree"));
	callgraph_finish(t.g);
	expect(&t, "wrappers: an unexported method's, called by nothing, is no root",
	       (const char *const[]){ "runtime.mallocgc", NULL }, NULL);
	callgraph_free(t.g);

	/* An exported method can be reached through an itab or reflect. */
	define(&t, f);
	taken(&t, "main.main");
	call(&t, "main.main", "runtime.mallocgc");
	call(&t, "runtime.mallocgc", "runtime.(*mcache).nextFree");
	call(&t, "go:(**T).main.Alloc", "runtime.(*mcache).nextFree");
	callgraph_mark_wrapper(t.g, idx(&t, "go:(**T).main.Alloc"));
	callgraph_finish(t.g);
	expect(&t, "wrappers: an exported method's is a root",
	       (const char *const[]){ "runtime.mallocgc", NULL },
	       "go:(**T).main.Alloc reaches runtime.(*mcache).nextFree");
	callgraph_free(t.g);
}

int main(void)
{
	test_method_wrappers();
	test_dispatcher();
	test_mallocgc();
	test_leaves();
	test_helpers();
	return CHECK_DONE();
}

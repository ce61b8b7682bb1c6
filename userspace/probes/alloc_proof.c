// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exact mode counts one allocation per entry into a probed function. That
 * count is every heap allocation, each once, when the probed set P cuts the
 * binary's call graph this way:
 *
 * Every heap object comes out of a span that an mcache took from an
 * mcentral, or out of a span of its own (a large object, a user arena
 * chunk). The runtime's span allocators are the sinks below, in every Go
 * version 1.19-1.27: runtime/malloc.go (*mcache).nextFree, mcache.go refill
 * and allocLarge, mcentral.go cacheSpan and grow, mheap.go (*mheap).alloc,
 * arena.go (*mheap).allocUserArenaChunk. A function that hands out objects
 * of a cached span without calling them (nextFreeFast, the tiny block,
 * mallocgcSmallNoscanReuse) also calls them when the span runs out, so it
 * reaches a sink in the call graph even when a given call does not.
 *
 * - Internal code: functions that can only be entered from P, i.e. that no
 *   root reaches without passing P. Roots are functions without a direct
 *   caller and functions whose address is taken (indirect calls).
 * - Cover: every function that reaches a sink on a path avoiding P is
 *   internal. Otherwise some entry reaches a span allocator without a
 *   probe: allocations are missed (issue 9's mallocgcTinySize1..15).
 * - Once: no probed function reaches another probed function directly or
 *   through internal code, which would count one allocation twice (mallocgc
 *   and the leaf it dispatches to); each reaches a sink itself. One
 *   exception, the dispatcher: when PGO inlines some leaves into mallocgc,
 *   mallocgc is probed beside the leaves it still calls, and those leaves'
 *   probes skip calls returning into it (a direct or table call from it;
 *   never through a helper, whose return address would not tell). A probed
 *   function reaching another through a root (mallocgc -> gcStart ->
 *   ... -> newobject -> mallocgc) is a separate allocation, and counted so.
 * - Names are hints, not the authority: every runtime.mallocgc* function
 *   must be probed, internal, or reach probed functions (a dispatcher, as
 *   mallocgc is from go1.24), which catches an allocation function that
 *   reaches no sink in the graph.
 *
 * Limits: the graph (binary/callgraph.c) sees direct calls and taken
 * addresses; a function entered by a computed jump whose address is formed
 * otherwise (MOVQ $imm32 in non-PIE assembly) is not a root. Each probed
 * function is taken to allocate one object per call, which is what its
 * runtime source says (probe_plan.c chooses them).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/alloc_proof.h"

static const char *const sink_names[] = {
	"runtime.(*mcache).nextFree",
	"runtime.(*mcache).refill",
	"runtime.(*mcentral).cacheSpan",
	"runtime.(*mcentral).grow",
	"runtime.(*mcache).allocLarge",
	"runtime.(*mheap).alloc",
	"runtime.(*mheap).allocUserArenaChunk",
};

#define PATH_SHOWN 6

enum {
	F_PROBED = 1,
	F_SINK = 2,
	F_REACH = 4,	/* reaches a sink avoiding P */
	F_OUT = 8,	/* reached from a root avoiding P: not internal */
	F_REACH_ANY = 16,	/* reaches a sink or P (a dispatcher does) */
};

struct proof {
	const struct callgraph *g;
	size_t n;
	uint8_t *f;
	uint32_t *parent;	/* BFS tree from the roots (F_OUT) */
	uint32_t *queue;
	uint32_t *seen;		/* per probed function DFS stamps */
	uint32_t dispatcher;	/* ALLOC_PROOF_NO_DISPATCHER: none */
};

static bool is_sink_name(const char *name)
{
	for (size_t i = 0; i < sizeof(sink_names) / sizeof(sink_names[0]); i++)
		if (!strcmp(name, sink_names[i]))
			return true;
	return false;
}

/* "a → b → c", the last PATH_SHOWN functions of the root's path to i. */
static void format_path(const struct proof *p, uint32_t i, char *buf, size_t len)
{
	uint32_t chain[PATH_SHOWN];
	size_t k = 0, off = 0;
	bool more = false;

	for (;;) {
		if (k == PATH_SHOWN) {
			more = true;
			break;
		}
		chain[k++] = i;
		if (p->parent[i] == i)
			break;
		i = p->parent[i];
	}
	if (!len)
		return;
	buf[0] = 0;
	if (more)
		off += snprintf(buf + off, len - off, "... -> ");
	while (k-- && off < len)
		off += snprintf(buf + off, len - off, "%s%s", callgraph_name(p->g, chain[k]),
				k ? " -> " : "");
}

/* The function to name for a root's path to sink i: the last one before
 * the sinks, or its caller when it is a runtime helper of that caller
 * alone (a *SlowPath of its leaf, a closure systemstack runs): the
 * allocation function without a probe. */
static uint32_t blame(const struct proof *p, uint32_t i)
{
	uint32_t k = i, up;
	size_t nc;

	while ((p->f[k] & F_SINK) && p->parent[k] != k)
		k = p->parent[k];
	up = p->parent[k];
	callgraph_callers(p->g, k, &nc);
	if (up != k && nc == 1 && !callgraph_address_taken(p->g, k) &&
	    !strncmp(callgraph_name(p->g, up), "runtime.", 8))
		k = up;
	return k;
}

/* Reverse BFS over callers not in P, from the sinks (F_REACH), or from the
 * sinks and P (F_REACH_ANY). */
static void mark_reach(struct proof *p, uint8_t flag, uint8_t from)
{
	size_t head = 0, tail = 0, nc;

	for (uint32_t i = 0; i < p->n; i++)
		if (p->f[i] & from) {
			p->f[i] |= flag;
			p->queue[tail++] = i;
		}
	while (head < tail) {
		const uint32_t *c = callgraph_callers(p->g, p->queue[head++], &nc);

		for (size_t k = 0; k < nc; k++)
			if (!(p->f[c[k]] & (F_PROBED | flag))) {
				p->f[c[k]] |= flag;
				p->queue[tail++] = c[k];
			}
	}
}

/*
 * A root: a function without direct callers, or whose address is stored.
 * Not one: an autogenerated wrapper of an unexported method (its name's
 * last element in lower case: "go:(**mcache).runtime.nextFree", which a
 * host linking package plugin keeps for every method) that nothing calls
 * and whose address is stored nowhere but in its type's method table
 * (32-bit offsets, not read here): an itab built from that table needs an
 * interface holding the unexported method, which only the method's own
 * package can declare, and reflect calls exported methods only.
 */
static bool is_root(const struct proof *p, uint32_t i)
{
	const char *name, *last;
	size_t nc;

	if (callgraph_address_taken(p->g, i))
		return true;
	callgraph_callers(p->g, i, &nc);
	if (nc)
		return false;
	if (!callgraph_is_wrapper(p->g, i))
		return true;
	name = callgraph_name(p->g, i);
	last = strrchr(name, '.');
	return !last || !((last[1] >= 'a' && last[1] <= 'z') || last[1] == '_');
}

/* F_OUT: BFS from the roots over callees not in P. */
static void mark_out(struct proof *p)
{
	size_t head = 0, tail = 0, nc;

	for (uint32_t i = 0; i < p->n; i++) {
		if (p->f[i] & F_PROBED)
			continue;
		if (is_root(p, i)) {
			p->f[i] |= F_OUT;
			p->parent[i] = i;
			p->queue[tail++] = i;
		}
	}
	while (head < tail) {
		uint32_t u = p->queue[head++];
		const uint32_t *c = callgraph_callees(p->g, u, &nc);

		for (size_t k = 0; k < nc; k++)
			if (!(p->f[c[k]] & (F_PROBED | F_OUT))) {
				p->f[c[k]] |= F_OUT;
				p->parent[c[k]] = u;
				p->queue[tail++] = c[k];
			}
	}
}

/* Whether probed function `from` reaches a probed function other than
 * itself directly or through internal code (*to, *via: the internal
 * function that calls it, or from), and whether it reaches a sink. */
static bool reaches_probed(struct proof *p, uint32_t from, uint32_t *to, uint32_t *via,
			   bool *sink)
{
	size_t top = 0, nc;
	uint32_t stamp = from + 1;

	*sink = false;
	p->queue[top++] = from;
	p->seen[from] = stamp;
	while (top) {
		uint32_t u = p->queue[--top];
		const uint32_t *c = callgraph_callees(p->g, u, &nc);

		for (size_t k = 0; k < nc; k++) {
			uint32_t v = c[k];

			if (p->f[v] & F_PROBED) {
				/* the dispatcher's own calls: skipped by
				 * the callee's probe */
				if (v == from || (u == from && from == p->dispatcher))
					continue;
				*to = v;
				*via = u;
				return true;
			}
			if (p->f[v] & F_REACH)
				*sink = true;
			if ((p->f[v] & F_OUT) || p->seen[v] == stamp)
				continue;
			p->seen[v] = stamp;
			p->queue[top++] = v;
		}
	}
	return false;
}

static int prove(struct proof *p, const uint32_t *probed, size_t nprobed, char *err,
		 size_t errlen)
{
	char path[512];
	size_t nsinks = 0;

	for (size_t k = 0; k < nprobed; k++) {
		if (probed[k] >= p->n) {
			snprintf(err, errlen, "probed function %u is not in the call graph",
				 probed[k]);
			return -EINVAL;
		}
		p->f[probed[k]] |= F_PROBED;
	}
	for (uint32_t i = 0; i < p->n; i++)
		if (!(p->f[i] & F_PROBED) && is_sink_name(callgraph_name(p->g, i))) {
			p->f[i] |= F_SINK;
			nsinks++;
		}
	if (!nsinks) {
		snprintf(err, errlen, "none of the runtime's span allocators (%s, ...) is in "
			 "the binary: cannot prove which functions allocate", sink_names[0]);
		return -ENOENT;
	}
	mark_reach(p, F_REACH, F_SINK);
	mark_reach(p, F_REACH_ANY, F_SINK | F_PROBED);
	mark_out(p);

	/* Cover: an entry reaching a sink without a probe. The sink it
	 * reaches is then reached from a root, and its BFS path shows how. */
	for (uint32_t i = 0; i < p->n; i++) {
		uint32_t b;

		if (!(p->f[i] & F_SINK) || !(p->f[i] & F_OUT))
			continue;
		b = blame(p, i);
		format_path(p, i, path, sizeof(path));
		snprintf(err, errlen, "%s reaches %s without passing a probe (%s): an "
			 "allocation path gomemtrace does not know how to count",
			 callgraph_name(p->g, b), callgraph_name(p->g, i), path);
		return -ENOEXEC;
	}
	for (size_t k = 0; k < nprobed; k++) {
		uint32_t to, via;
		bool sink;

		if (reaches_probed(p, probed[k], &to, &via, &sink)) {
			if (via == probed[k])
				snprintf(err, errlen, "%s calls %s: probing both would count "
					 "allocations twice", callgraph_name(p->g, probed[k]),
					 callgraph_name(p->g, to));
			else
				snprintf(err, errlen, "%s reaches %s through %s: probing both "
					 "would count allocations twice",
					 callgraph_name(p->g, probed[k]), callgraph_name(p->g, to),
					 callgraph_name(p->g, via));
			return -ENOEXEC;
		}
		if (!sink) {
			snprintf(err, errlen, "%s reaches none of the span allocators: it is "
				 "not an allocation function gomemtrace can count",
				 callgraph_name(p->g, probed[k]));
			return -ENOEXEC;
		}
	}
	for (uint32_t i = 0; i < p->n; i++) {
		/* A dispatcher (go1.24+ mallocgc) reaches probed functions;
		 * an allocator reaches a sink (and broke cover). */
		if ((p->f[i] & (F_PROBED | F_OUT | F_REACH_ANY)) != F_OUT ||
		    strncmp(callgraph_name(p->g, i), "runtime.mallocgc", 16))
			continue;
		format_path(p, i, path, sizeof(path));
		snprintf(err, errlen, "%s can be entered without passing a probe (%s): an "
			 "allocation function gomemtrace does not know how to count",
			 callgraph_name(p->g, i), path);
		return -ENOEXEC;
	}
	return 0;
}

int alloc_proof_check(const struct callgraph *g, const uint32_t *probed, size_t nprobed,
		      char *err, size_t errlen)
{
	return alloc_proof_check_dispatch(g, probed, nprobed, ALLOC_PROOF_NO_DISPATCHER, err,
					  errlen);
}

int alloc_proof_check_dispatch(const struct callgraph *g, const uint32_t *probed,
			       size_t nprobed, uint32_t dispatcher, char *err, size_t errlen)
{
	struct proof p = { .g = g, .n = callgraph_count(g), .dispatcher = dispatcher };
	int ret = -ENOMEM;

	p.f = calloc(p.n ? p.n : 1, sizeof(*p.f));
	p.parent = calloc(p.n ? p.n : 1, sizeof(*p.parent));
	p.queue = calloc(p.n ? p.n : 1, sizeof(*p.queue));
	p.seen = calloc(p.n ? p.n : 1, sizeof(*p.seen));
	if (p.f && p.parent && p.queue && p.seen)
		ret = prove(&p, probed, nprobed, err, errlen);
	else
		snprintf(err, errlen, "out of memory proving the probe plan");
	free(p.f);
	free(p.parent);
	free(p.queue);
	free(p.seen);
	return ret;
}

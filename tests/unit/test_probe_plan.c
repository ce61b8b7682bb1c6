// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe plans of the test workload built by every Go version of the matrix
 * ($GOMEMTRACE_WORKLOADS/go1.NN/VARIANT/workload, from
 * scripts/build-workloads.sh): the allocation strategy each version needs,
 * every probe found and placed on an instruction the kernel emulates, and
 * work.cycles found from code alone equal to the
 * ELF symbol's answer where there is one. (Stripped builds place data
 * elsewhere; their cycle numbers are checked against gctrace by
 * tests/integration/test_exact.) No root needed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "binary/callgraph.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "binary/gocode.h"
#include "probes/alloc_proof.h"
#include "probes/memtrace_types.h"
#include "probes/probe_plan.h"

static int count_role(const struct probe_plan *plan, enum probe_role role)
{
	int n = 0;

	for (int i = 0; i < plan->n; i++)
		n += plan->points[i].role == role;
	return n;
}

/* Proves probing the functions named by the plan's allocation probes, less
 * `drop`, plus `add` (NULL: none); returns alloc_proof_check's result. */
static int prove_variant(const struct gobin *bin, const struct probe_plan *plan,
			 const char *drop, const char *add, char *err, size_t errlen)
{
	struct callgraph *g = NULL;
	uint32_t probed[MAX_PROBES + 4];
	size_t n = 0, i;
	int ret;

	if (callgraph_build(bin, &g)) {
		snprintf(err, errlen, "no call graph");
		return -1;
	}
	for (int k = 0; k < plan->n; k++)
		if (plan->points[k].role == PROBE_ALLOC &&
		    (!drop || strcmp(plan->points[k].function, drop)) &&
		    !callgraph_index(g, plan->points[k].func_entry, &i))
			probed[n++] = (uint32_t)i;
	for (i = 0; add && i < callgraph_count(g) && n < MAX_PROBES + 4; i++)
		if (!strcmp(callgraph_name(g, i), add))
			probed[n++] = (uint32_t)i;
	ret = alloc_proof_check(g, probed, n, err, errlen);
	callgraph_free(g);
	return ret;
}

/*
 * The proof refuses what would be wrong on this very binary: go1.19-1.23
 * without mallocgc's probe (every allocation missed); go1.24-1.26 with
 * mallocgc probed beside its leaves (counted twice); go1.27 without the
 * tiny leaf (issue 9's first failure, as go1.26's sizespecializedmalloc
 * had it) and with mallocgc alone (the compiler calls the size-specialized
 * leaves itself).
 */
static void check_counterexamples(const struct gobin *bin, const struct probe_plan *plan,
				  int minor, const char *version, const char *variant)
{
	char name[256], err[1024];
	int ret;

	if (minor <= 123) {
		snprintf(name, sizeof(name), "%s %s: without mallocgc's probe: refused", version,
			 variant);
		ret = prove_variant(bin, plan, "runtime.mallocgc", NULL, err, sizeof(err));
		CHECK(ret == -ENOEXEC && strstr(err, "runtime.mallocgc reaches runtime.("), name,
		      "ret %d: %s", ret, err);
		return;
	}
	if (minor <= 126) {
		snprintf(name, sizeof(name), "%s %s: mallocgc beside its leaves: refused",
			 version, variant);
		ret = prove_variant(bin, plan, NULL, "runtime.mallocgc", err, sizeof(err));
		CHECK(ret == -ENOEXEC && strstr(err, "runtime.mallocgc calls runtime.mallocgc") &&
		      strstr(err, "twice"), name, "ret %d: %s", ret, err);
		return;
	}
	snprintf(name, sizeof(name), "%s %s: without the tiny leaf: refused, naming it", version,
		 variant);
	ret = prove_variant(bin, plan, "runtime.mallocgcTinySC2", NULL, err, sizeof(err));
	CHECK(ret == -ENOEXEC &&
	      strstr(err, "runtime.mallocgcTinySC2 reaches runtime.(*mcache).nextFree"), name,
	      "ret %d: %s", ret, err);
	snprintf(name, sizeof(name), "%s %s: mallocgc alone: refused", version, variant);
	{
		struct probe_plan only = *plan;

		only.n = 0;
		ret = prove_variant(bin, &only, NULL, "runtime.mallocgc", err, sizeof(err));
	}
	CHECK(ret == -ENOEXEC && strstr(err, "without passing a probe"), name, "ret %d: %s",
	      ret, err);
}

static void check_binary(const char *dir, const char *version, const char *variant)
{
	char path[4096], name[256], err[256];
	const struct go_layout *layout;
	struct probe_plan plan;
	struct gobin *bin = NULL;
	uint64_t sym, code;
	int minor, ret;

	snprintf(path, sizeof(path), "%s/%s/%s/workload", dir, version, variant);
	snprintf(name, sizeof(name), "%s %s: opens", version, variant);
	ret = gobin_open(path, &bin, err, sizeof(err));
	CHECK(!ret, name, "%s: %s", path, err);
	if (ret)
		return;
	minor = gobin_go_minor(bin);
	layout = go_layout_find(minor);
	snprintf(name, sizeof(name), "%s %s: plan", version, variant);
	ret = layout ? probe_plan_build(bin, layout, &plan, err, sizeof(err)) : -1;
	CHECK(!ret, name, "%s", layout ? err : "no layout");
	if (ret)
		goto out;

	snprintf(name, sizeof(name), "%s %s: allocation strategy", version, variant);
	if (minor <= 123)
		CHECK(count_role(&plan, PROBE_ALLOC) == 1 &&
		      !strcmp(plan.points[0].function, "runtime.mallocgc"), name,
		      "%d alloc probes, first %s", count_role(&plan, PROBE_ALLOC),
		      plan.points[0].function);
	else
		CHECK(count_role(&plan, PROBE_ALLOC) >= 5 &&
		      !strcmp(plan.alloc_strategy, "allocation leaves"), name,
		      "%d alloc probes (%s)", count_role(&plan, PROBE_ALLOC), plan.alloc_strategy);
	if (minor >= 127) {
		snprintf(name, sizeof(name), "%s %s: size-specialized functions probed",
			 version, variant);
		CHECK(count_role(&plan, PROBE_ALLOC) >= 15, name, "%d alloc probes",
		      count_role(&plan, PROBE_ALLOC));
	}
	check_counterexamples(bin, &plan, minor, version, variant);
	snprintf(name, sizeof(name), "%s %s: GC and stack probes", version, variant);
	CHECK(count_role(&plan, PROBE_GC_START) == 1 && count_role(&plan, PROBE_GC_END) == 1 &&
	      count_role(&plan, PROBE_MORESTACK) == 1 && count_role(&plan, PROBE_COPYSTACK) == 1,
	      name, "start %d end %d morestack %d copystack %d",
	      count_role(&plan, PROBE_GC_START), count_role(&plan, PROBE_GC_END),
	      count_role(&plan, PROBE_MORESTACK), count_role(&plan, PROBE_COPYSTACK));
	for (int i = 0; i < plan.n; i++) {
		const struct probe_point *p = &plan.points[i];
		const uint8_t *insn = gobin_read(bin, p->address, 2);
		bool jls, push;

		if (p->role == PROBE_MORESTACK) {
			/* JNE over CALL runtime.badmorestackg0 (75 0a e8). */
			snprintf(name, sizeof(name), "%s %s: morestack probed at its g0 check",
				 version, variant);
			CHECK(p->placement == PLACE_ASM_BRANCH && insn && insn[0] == 0x75 &&
			      insn[1] == 0x0a, name, "placement %s at +%llu",
			      probe_placement_name(p->placement),
			      (unsigned long long)(p->address - p->func_entry));
			continue;
		}
		/* The kernel emulates these two (GO_RUNTIME.md, "Cost of a
		 * uprobe"); every probed Go function of the runtime has one. */
		jls = insn && (insn[0] == 0x76 || (insn[0] == 0x0f && insn[1] == 0x86));
		push = insn && insn[0] == 0x55;
		snprintf(name, sizeof(name), "%s %s: %s probed on an emulated instruction",
			 version, variant, p->function);
		CHECK(probe_placement_emulated(p->placement) &&
		      ((p->placement == PLACE_STACK_CHECK && jls) ||
		       (p->placement == PLACE_FRAME_PUSH && push)) &&
		      p->address - p->func_entry <= 16, name,
		      "entry 0x%llx probe 0x%llx placement %s byte 0x%02x",
		      (unsigned long long)p->func_entry, (unsigned long long)p->address,
		      probe_placement_name(p->placement), insn ? insn[0] : 0);
	}

	ret = gocode_find_work_cycles(bin, &code);
	snprintf(name, sizeof(name), "%s %s: work.cycles found in gcStart's code", version,
		 variant);
	CHECK(!ret && code == plan.work_cycles_addr, name, "ret %d code 0x%llx plan 0x%llx", ret,
	      (unsigned long long)code, (unsigned long long)plan.work_cycles_addr);
	if (!gobin_symbol_addr(bin, "runtime.work", &sym)) {
		snprintf(name, sizeof(name), "%s %s: work.cycles from code equals the symbol's",
			 version, variant);
		CHECK(code == sym + layout->work_cycles, name, "code 0x%llx symbol 0x%llx + %u",
		      (unsigned long long)code, (unsigned long long)sym, layout->work_cycles);
	}
out:
	gobin_close(bin);
}

int main(void)
{
	static const char *variants[] = { "plain", "stripped", "pie", "cgo" };
	const char *dir = getenv("GOMEMTRACE_WORKLOADS");
	struct dirent **versions;
	int n;

	n = dir ? scandir(dir, &versions, NULL, alphasort) : -1;
	CHECK(n > 0, "workload binaries present", "GOMEMTRACE_WORKLOADS=%s",
	      dir ? dir : "(unset)");
	for (int i = 0; i < n; i++) {
		if (!strncmp(versions[i]->d_name, "go1.", 4))
			for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
				check_binary(dir, versions[i]->d_name, variants[v]);
		free(versions[i]);
	}
	if (n > 0)
		free(versions);
	return CHECK_DONE();
}

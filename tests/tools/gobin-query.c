// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin-query: command-line access to userspace/binary/gobinary.h for the
 * symbolizer tests and the benchmark. Output is tab-separated, one record
 * per line, for scripts to parse.
 *
 *   gobin-query BINARY info          version, minor, path, vcs, pie, nfunc
 *   gobin-query BINARY funcs         entry end name, for every function
 *   gobin-query BINARY func NAME...  entry end name, or "NAME\t-"
 *   gobin-query BINARY at PC...      entry end name of the function at PC
 *   gobin-query BINARY sym [PC...]   frames of each PC (PCs from stdin if
 *                                    none): PC depth function file line entry
 *                                    wrapper(0/1)
 *   gobin-query BINARY plan          the exact-mode probe plan: strategy,
 *                                    then role function address placement
 *                                    per probe (exit 3 and the reason on
 *                                    stderr when no plan is proven)
 *   gobin-query BINARY prove NAME... whether probing every function of these
 *                                    names counts each allocation once
 *                                    (probes/alloc_proof.h): "proven", or
 *                                    the reason and exit 3
 *   gobin-query BINARY bench [N]     time N opens, symbolizing every
 *                                    function entry and 200000 random text
 *                                    PCs; peak RSS
 *
 * Exit status: 0, 1 on bad usage, 2 when the binary cannot be opened (the
 * message goes to stderr as "gobin-query: <reason>").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "binary/callgraph.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "probes/alloc_proof.h"
#include "probes/probe_plan.h"

#define MAX_FRAMES 64
#define BENCH_RANDOM_PCS 200000

static void print_func(const struct gobin_func *f)
{
	printf("0x%" PRIx64 "\t0x%" PRIx64 "\t%s\n", f->entry, f->end, f->name);
}

static int parse_pc(const char *s, uint64_t *pc)
{
	char *end;

	errno = 0;
	*pc = strtoull(s, &end, 0);
	if (errno || end == s || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

static void print_frames(const struct gobin *bin, uint64_t pc)
{
	struct gobin_frame frames[MAX_FRAMES];
	int n, i;

	n = gobin_symbolize(bin, pc, frames, MAX_FRAMES);
	if (n < 0) {
		printf("0x%" PRIx64 "\t-\t%s\n", pc, strerror(-n));
		return;
	}
	for (i = 0; i < n; i++)
		printf("0x%" PRIx64 "\t%d\t%s\t%s\t%u\t0x%" PRIx64 "\t%d\n", pc, i,
		       frames[i].function, frames[i].file, frames[i].line,
		       frames[i].func_entry, frames[i].wrapper);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmd_bench(const char *path, int runs)
{
	struct gobin_frame frames[MAX_FRAMES];
	char err[512];
	double t0, open_ms = 0, best_open = 1e18, sym_ms, random_ms = 0;
	struct gobin *bin = NULL;
	struct rusage ru;
	size_t i, n, nframes = 0, nrandom_frames = 0;
	int r, ret;

	for (r = 0; r < runs; r++) {
		t0 = now_ms();
		ret = gobin_open(path, &bin, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "gobin-query: %s\n", err);
			return 2;
		}
		t0 = now_ms() - t0;
		if (r == 0)
			open_ms = t0;
		if (t0 < best_open)
			best_open = t0;
		if (r + 1 < runs)
			gobin_close(bin);
	}
	n = gobin_func_count(bin);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		struct gobin_func f;

		if (gobin_func_by_index(bin, i, &f) == 0) {
			ret = gobin_symbolize(bin, f.entry, frames, MAX_FRAMES);
			if (ret > 0)
				nframes += ret;
		}
	}
	sym_ms = now_ms() - t0;

	/* PCs anywhere in the text, inlined bodies included */
	if (n) {
		struct gobin_func first, last;
		uint64_t x = 88172645463325252ull, span;

		gobin_func_by_index(bin, 0, &first);
		gobin_func_by_index(bin, n - 1, &last);
		span = last.end - first.entry;
		t0 = now_ms();
		for (i = 0; i < BENCH_RANDOM_PCS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ret = gobin_symbolize(bin, first.entry + x % span, frames, MAX_FRAMES);
			if (ret > 0)
				nrandom_frames += ret;
		}
		random_ms = now_ms() - t0;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("functions\t%zu\n", n);
	printf("open_first_ms\t%.2f\n", open_ms);
	printf("open_best_ms\t%.2f\n", best_open);
	printf("symbolize_all_entries_ms\t%.2f\n", sym_ms);
	printf("frames\t%zu\n", nframes);
	printf("symbolize_random_ns\t%.0f\n", random_ms * 1e6 / BENCH_RANDOM_PCS);
	printf("random_frames_per_pc\t%.2f\n", (double)nrandom_frames / BENCH_RANDOM_PCS);
	printf("peak_rss_kib\t%ld\n", ru.ru_maxrss);
	gobin_close(bin);
	return 0;
}

static int cmd_plan(const struct gobin *bin)
{
	const struct go_layout *layout = go_layout_find(gobin_go_minor(bin));
	static struct probe_plan plan;
	char err[1024];

	if (!layout) {
		fprintf(stderr, "gobin-query: no layout for %s\n", gobin_go_version(bin));
		return 3;
	}
	if (probe_plan_build(bin, layout, &plan, err, sizeof(err))) {
		fprintf(stderr, "gobin-query: %s\n", err);
		return 3;
	}
	printf("strategy\t%s\n", plan.alloc_strategy);
	for (int i = 0; i < plan.n; i++)
		printf("%s\t%s\t0x%" PRIx64 "\t%s\n", probe_role_name(plan.points[i].role),
		       plan.points[i].function, plan.points[i].address,
		       probe_placement_name(plan.points[i].placement));
	return 0;
}

static int cmd_prove(const struct gobin *bin, char **names, int nnames)
{
	struct callgraph *g = NULL;
	uint32_t *probed = NULL;
	size_t n = 0, count;
	char err[1024];
	int ret = 3;

	if (callgraph_build(bin, &g)) {
		fprintf(stderr, "gobin-query: cannot read the call graph\n");
		return 3;
	}
	count = callgraph_count(g);
	probed = calloc(count ? count : 1, sizeof(*probed));
	for (size_t i = 0; probed && i < count; i++)
		for (int k = 0; k < nnames; k++)
			if (!strcmp(callgraph_name(g, i), names[k]))
				probed[n++] = (uint32_t)i;
	if (!probed)
		fprintf(stderr, "gobin-query: out of memory\n");
	else if (alloc_proof_check(g, probed, n, err, sizeof(err)))
		fprintf(stderr, "gobin-query: %s\n", err);
	else {
		printf("proven\t%zu functions\n", n);
		ret = 0;
	}
	free(probed);
	callgraph_free(g);
	return ret;
}

int main(int argc, char **argv)
{
	struct gobin *bin = NULL;
	struct gobin_func f;
	const char *cmd;
	char err[512];
	uint64_t pc;
	int i, ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: gobin-query BINARY info|funcs|func|at|sym|plan|prove|bench [ARGS...]\n");
		return 1;
	}
	cmd = argv[2];
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argv[1], argc > 3 ? atoi(argv[3]) : 5);

	ret = gobin_open(argv[1], &bin, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gobin-query: %s\n", err);
		return 2;
	}
	ret = 0;
	if (strcmp(cmd, "info") == 0) {
		const char *v = gobin_go_version(bin), *p = gobin_main_path(bin);
		const char *r = gobin_vcs_revision(bin);

		printf("version\t%s\n", v ? v : "-");
		printf("minor\t%d\n", gobin_go_minor(bin));
		printf("path\t%s\n", p ? p : "-");
		printf("vcs.revision\t%s\n", r ? r : "-");
		printf("pie\t%d\n", gobin_is_pie(bin));
		printf("functions\t%zu\n", gobin_func_count(bin));
		printf("first_load_vaddr\t0x%" PRIx64 "\n", gobin_first_load_vaddr(bin));
	} else if (strcmp(cmd, "plan") == 0) {
		ret = cmd_plan(bin);
	} else if (strcmp(cmd, "prove") == 0) {
		ret = cmd_prove(bin, argv + 3, argc - 3);
	} else if (strcmp(cmd, "funcs") == 0) {
		size_t k, n = gobin_func_count(bin);

		for (k = 0; k < n; k++) {
			if (gobin_func_by_index(bin, k, &f) == 0)
				print_func(&f);
			else
				printf("-\t-\t#%zu unreadable\n", k);
		}
	} else if (strcmp(cmd, "func") == 0) {
		for (i = 3; i < argc; i++) {
			if (gobin_find_func(bin, argv[i], &f) == 0)
				print_func(&f);
			else
				printf("%s\t-\n", argv[i]);
		}
	} else if (strcmp(cmd, "at") == 0) {
		for (i = 3; i < argc; i++) {
			if (parse_pc(argv[i], &pc) == 0 && gobin_func_at(bin, pc, &f) == 0)
				print_func(&f);
			else
				printf("%s\t-\n", argv[i]);
		}
	} else if (strcmp(cmd, "sym") == 0) {
		if (argc > 3) {
			for (i = 3; i < argc; i++)
				if (parse_pc(argv[i], &pc) == 0)
					print_frames(bin, pc);
		} else {
			char line[128];

			while (fgets(line, sizeof(line), stdin))
				if (parse_pc(line, &pc) == 0)
					print_frames(bin, pc);
		}
	} else {
		fprintf(stderr, "gobin-query: unknown command %s\n", cmd);
		ret = 1;
	}
	gobin_close(bin);
	return ret;
}

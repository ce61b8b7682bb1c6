// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty-probes [--after-prologue] -- COMMAND [ARG...]: the benchmark's
 * baseline. Launches COMMAND held (as gomemtrace does), attaches
 * bpf/empty.bpf.c at the same allocation probe points gomemtrace would use
 * (or, with --after-prologue, at the first instruction after each one's
 * prologue, where they sat before they moved to emulated instructions), lets
 * it run, and waits for it. The difference with an untraced run is the bare
 * uprobe trap.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <bpf/libbpf.h>

#include "empty.skel.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "cli/launch.h"
#include "probes/probe_plan.h"
#include "binary/prologue.h"

/* File offset of the first instruction after fn's prologue. */
static int after_prologue(const struct gobin *bin, const struct probe_point *p, uint64_t *off)
{
	const uint8_t *code = gobin_read(bin, p->func_entry, 64);
	struct go_prologue pro;

	if (!code || go_prologue_decode(code, 64, &pro))
		return -ENOENT;
	return gobin_vaddr_to_offset(bin, p->func_entry + pro.frame_end, off);
}

int main(int argc, char **argv)
{
	struct launched child = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct bpf_link *links[MAX_PROBES] = {};
	struct empty_bpf *skel = NULL;
	struct gobin *bin = NULL;
	struct probe_plan plan;
	char err[256], *path = NULL;
	int nlinks = 0, ret = 1, status;
	bool late = argc > 1 && !strcmp(argv[1], "--after-prologue");

	if (late) {
		argc--;
		argv++;
	}
	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: empty-probes [--after-prologue] -- COMMAND [ARG...]\n");
		return 2;
	}
	if (launch_resolve(argv[2], &path) || gobin_open(path, &bin, err, sizeof(err)) ||
	    !go_layout_find(gobin_go_minor(bin)) ||
	    probe_plan_build(bin, go_layout_find(gobin_go_minor(bin)), &plan, err, sizeof(err))) {
		fprintf(stderr, "empty-probes: %s: cannot plan probes\n", argv[2]);
		goto cleanup;
	}
	skel = empty_bpf__open_and_load();
	if (!skel || launch_held(path, &argv[2], &child))
		goto cleanup;
	for (int i = 0; i < plan.n; i++) {
		uint64_t off = plan.points[i].file_offset;

		if (plan.points[i].role != PROBE_ALLOC)
			continue;
		if (late && after_prologue(bin, &plan.points[i], &off)) {
			fprintf(stderr, "empty-probes: %s: no prologue\n", plan.points[i].function);
			goto cleanup;
		}
		links[nlinks] = bpf_program__attach_uprobe_opts(skel->progs.empty, child.pid, path,
								off, NULL);
		if (!links[nlinks]) {
			fprintf(stderr, "empty-probes: attach %s: %s\n", plan.points[i].function,
				strerror(errno));
			goto cleanup;
		}
		nlinks++;
	}
	fprintf(stderr, "empty-probes: %d empty probes attached\n", nlinks);
	if (launch_release(&child))
		goto cleanup;
	if (waitpid(child.pid, &status, 0) == child.pid)
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	child.pid = -1;
cleanup:
	if (child.pid > 0)
		launch_abort(&child);
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	empty_bpf__destroy(skel);
	gobin_close(bin);
	free(path);
	return ret;
}

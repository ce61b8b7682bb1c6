/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go plugins of the target (see go_images.c): each carries its own copy of
 * the runtime's code, which its code calls directly, and gets a probe set
 * of its own, its load bias and symbols.
 */
#ifndef GOMEMTRACE_GO_IMAGES_H
#define GOMEMTRACE_GO_IMAGES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aggregate/aggregate.h"
#include "aggregate/alloc_types.h"
#include "aggregate/symbolize.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "outputs/report.h"
#include "probes/memtrace.h"
#include "probes/probe_plan.h"

#define GO_IMAGES_MAX 8		/* plugins per trace */
#define GO_IMAGES_PENDING 16	/* plugin.open calls not yet handled */

/* One Go plugin mapped (or about to be) into the target. */
struct go_image {
	char *path;		/* as the target names it (absolute) */
	char *open_path;	/* what we open: /proc/PID/root/path */
	dev_t dev;
	ino_t ino;
	struct gobin *bin;
	struct probe_plan plan;
	struct memtrace_opts opts;
	struct memtrace *mt;	/* NULL: not probed (why_not) */
	const char *why_not;
	uint32_t image;		/* the target's image it belongs to (image_of) */
	bool have_bias;
	uint64_t bias;
	uint64_t attach_ns;	/* CLOCK_MONOTONIC of the attach */
	uint32_t type_ptrdata, type_tflag, type_str;	/* the host's go_layout */
	bool drained;
};

/* What a plugin's probe set takes from the host's. */
struct go_images_host {
	pid_t pid;
	const struct gobin *bin;
	const struct go_layout *layout;
	const struct probe_plan *plan;	/* its work.cycles and numgc addresses */
	enum plan_alloc alloc;		/* the kind of allocation plan */
	struct memtrace *mt;		/* its ring buffer */
	uint64_t bias;			/* its load bias */
	uint32_t image;			/* image number (image_of) */
	uint32_t stack_storage;		/* --stack-storage-size, 0: default */
	uint64_t large_alloc_bytes;	/* memtrace_opts.large_alloc_bytes */
	bool verbose;
};

struct go_images {
	struct go_image *v[GO_IMAGES_MAX];
	int n;
	/* plugin.open calls seen in the ring buffer, handled on the main
	 * loop (go_images_open_pending). */
	struct {
		char name[IMAGE_NAME_MAX];
		bool stopped;
	} pending[GO_IMAGES_PENDING];
	int npending;
	uint64_t opens;			/* plugin.open calls seen */
	uint64_t pending_lost;		/* not handled: too many at once */
	uint64_t failed;		/* plugins with a runtime copy not probed,
					 * or probed only after it could run */
	/* The guard (go_images_guard): a forked process that continues the
	 * target when the tracer dies while a plugin.open holds it stopped. */
	pid_t guard_pid;		/* 0: none */
	int guard_fd;			/* its pipe's write end */
	uint64_t *ended;		/* shared page: stops ended (SIGCONT sent) */
	const volatile uint64_t *stops, *stops_lost;	/* the host set's counters */
	/* The host set's stop at the target's exec (memtrace_exec_stops),
	 * and how many of those the tracer ended (in the shared page too). */
	const volatile uint64_t *exec_stops;
	uint64_t *exec_ended;
	uint64_t records;		/* its image_open records consumed */
	uint64_t lost_seen;		/* its records lost, stops ended anyway */
};

/*
 * Forks the guard of the host set mt (memtrace_image_open_counters,
 * memtrace_exec_stops), replacing the previous one: a process in its own
 * process group with every signal blocked and no file but its pipe, that
 * waits for the tracer to end. When the pipe ends without a word (the
 * tracer was killed, SIGKILL included) and the probes stopped the target
 * (at plugin.open, at its exec) more often than the tracer continued it,
 * it sends SIGCONT: a dead tracer never leaves the target stopped.
 * Returns 0 or a negative errno.
 */
int go_images_guard(struct go_images *g, pid_t pid, const struct memtrace *mt);
/* The guard told that all is well, and reaped. */
void go_images_unguard(struct go_images *g);
/* The set's stop at the exec ended: SIGCONT sent to pid if the probe sent
 * a stop the tracer has not ended yet (idempotent). */
void go_images_exec_continue(struct go_images *g, pid_t pid, const struct memtrace *mt);
/* Records of plugin.open the ring buffer had no room for: the target is
 * continued (their plugins are not probed: warned, counted). */
void go_images_check_lost(struct go_images *g, pid_t pid);

/*
 * The ring buffer's EVENT_IMAGE_OPEN records: kept for
 * go_images_open_pending (which also sends the SIGCONT). Returns 0.
 */
int go_images_note_open(struct go_images *g, const struct image_open_event *e);

/*
 * Handles the pending plugin.open calls: each plugin file not seen yet is
 * read, planned as the host (the same kind of allocation plan), and its
 * probe set attached by file (uprobes apply to mappings made later, so
 * none of its code runs unseen); then the target, stopped by the probe, is
 * continued (SIGCONT), whatever happened. Messages on stderr. Returns how
 * many plugins got probes.
 */
int go_images_open_pending(struct go_images *g, const struct go_images_host *h);

/*
 * Attach (-p) mode: the Go plugins the target has mapped already
 * (/proc/PID/maps), probed as go_images_open_pending does, their
 * recording off until go_images_begin (with the host's: none of the
 * allocations of one counted without the other's). Returns how many got
 * probes, or a negative errno from reading the maps.
 */
int go_images_scan(struct go_images *g, const struct go_images_host *h);
/* Recording on in the plugins' sets go_images_scan attached. */
void go_images_begin(struct go_images *g);

/* Load biases not known yet, from the probes' hits or /proc/PID/maps. */
void go_images_refresh_bias(struct go_images *g, pid_t pid);
/* Some plugin's load bias is not known yet. */
bool go_images_need_bias(const struct go_images *g);

/* memtrace_pause of roles in every plugin's set (the host's samples
 * switched off for good). */
void go_images_pause(struct go_images *g, unsigned int roles);

/* Recording off in every plugin's set (memtrace_end). */
void go_images_end(struct go_images *g);

/*
 * The plugins of image number image: detached, their allocation counts
 * drained into agg (each with its own binary and load bias; the ring
 * buffer's records are the host's to consume, after this). Returns 0 or
 * the first negative errno.
 */
int go_images_drain(struct go_images *g, uint32_t image, struct aggregate *agg, pid_t pid);

/* Their probes' counters added into out, lost events and stacks added. */
void go_images_add_counters(const struct go_images *g, uint64_t out[COUNTER_MAX],
			    uint64_t *lost_events, uint64_t *lost_stacks);

/* Each plugin with a known load bias as a module of its image, for symbols
 * and type names. Returns 0 or a negative errno. */
int go_images_add_modules(const struct go_images *g, struct symbolizer *sym,
			  struct type_namer *types);

/* The plugins into r->plugins (report.json's "plugins", the profiles'
 * mappings). */
void go_images_report(const struct go_images *g, struct report *r);

/* Continues a target still stopped by a pending plugin.open (the trace
 * ended first), and frees everything. */
void go_images_free(struct go_images *g, pid_t pid);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Go plugins (-buildmode=plugin) of the target: a plugin carries its own
 * copy of every package it links, the runtime included, and its code calls
 * those copies directly (CALL rel32 inside the .so: its newobject calls its
 * own mallocgc), while the runtime's variables it reaches through its GOT
 * are the host's (the host exports them; the dynamic linker binds the
 * plugin's GOT to them). So a plugin's allocations, the GC cycles its code
 * starts and its stack growths run through code that the host's probes do
 * not see, on the host's heap, counted in the host's MemStats.
 *
 * Each plugin gets a probe set of its own (the host's kind of plan, from
 * its own file), writing into the host's ring buffer, reading the
 * runtime's variables at the host's addresses; its PCs and types are
 * symbolized from its own file at its own load bias.
 *
 * Plugins mapped after the attach: a probe on the host's plugin.open stops
 * the process (SIGSTOP) before dlopen; here the plugin's probes are
 * attached by its file, which the kernel applies to the mapping dlopen
 * makes, and the process is continued: none of the plugin's code (its
 * package initializers included) runs unprobed. Re-reading /proc/PID/maps
 * when an unknown PC shows up would instead lose what ran before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/go_images.h"
#include "probes/events.h"
#include "probes/target_code.h"
#include "target/target_maps.h"

int go_images_note_open(struct go_images *g, const struct image_open_event *e)
{
	g->opens++;
	g->records++;
	if (g->npending >= GO_IMAGES_PENDING) {
		/* Never leave the target stopped: continued when the list
		 * is handled, since one of those stopped it too. */
		g->pending_lost++;
		return 0;
	}
	snprintf(g->pending[g->npending].name, sizeof(g->pending[0].name), "%.*s",
		 (int)strnlen(e->name, sizeof(e->name)), e->name);
	g->pending[g->npending].stopped = e->stopped;
	g->npending++;
	return 0;
}

static void image_free(struct go_image *img)
{
	if (!img)
		return;
	memtrace_close(img->mt);
	gobin_close(img->bin);
	free(img->path);
	free(img->open_path);
	free(img);
}

static void warn_breakpoints(pid_t pid, const struct go_image *img)
{
	static struct code_scan scan;

	if (target_code_scan_file(pid, img->open_path, &img->plan, &scan) || !scan.breakpoints)
		return;
	for (int i = 0; i < img->plan.n; i++) {
		const struct probe_point *p = &img->plan.points[i];

		if (scan.state[i] == CODE_BREAKPOINT)
			fprintf(stderr, "gomemtrace: warning: before attaching (a breakpoint an "
				"earlier tracer left, or another tracer's live probe): int3 at "
				"%s+%llu in %s (0x%llx, file offset 0x%llx; the file has 0x%02x)\n",
				p->function, (unsigned long long)(p->address - p->func_entry),
				img->path, (unsigned long long)scan.vaddr[i],
				(unsigned long long)p->file_offset, scan.file[i]);
	}
}

/*
 * Reads, plans and probes the file at path (absolute, in the target's
 * mount namespace). Returns 1 when probed, 0 when there is nothing to
 * probe (seen already, or no Go runtime code of its own), a negative errno
 * with a reason in err when a plugin with its own runtime copy could not
 * be probed.
 */
static int image_add(struct go_images *g, const struct go_images_host *h, const char *path,
		     bool begin, char *err, size_t errlen)
{
	struct go_image *img = NULL;
	struct gobin_func fn;
	char open_path[PATH_MAX + 64];
	uint64_t addr;
	struct stat st;
	int ret;

	if (snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", (int)h->pid, path) >=
	    (int)sizeof(open_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (stat(open_path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	/* Probed already in this image (an exec maps it anew). */
	for (int i = 0; i < g->n; i++)
		if (g->v[i]->image == h->image && g->v[i]->dev == st.st_dev &&
		    g->v[i]->ino == st.st_ino)
			return 0;
	if (g->n >= GO_IMAGES_MAX) {
		snprintf(err, errlen, "%s: more than %d Go plugins", path, GO_IMAGES_MAX);
		return -E2BIG;
	}
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	/* Named as the target's maps name it (plugin.open's realpath):
	 * /proc/PID/root resolves to the target's root. */
	img->path = realpath(open_path, NULL);
	if (!img->path)
		img->path = strdup(path);
	img->open_path = strdup(open_path);
	if (!img->path || !img->open_path) {
		ret = -ENOMEM;
		goto fail;
	}
	img->dev = st.st_dev;
	img->ino = st.st_ino;
	img->image = h->image;
	/* The host's runtime layout: the runtime's package hash makes the
	 * plugin's runtime the same source. */
	img->type_ptrdata = h->layout->type_ptrdata;
	img->type_tflag = h->layout->type_tflag;
	img->type_str = h->layout->type_str;
	/* Not a Go binary we read (a C library), or Go code without a runtime
	 * copy of its own: nothing of the runtime runs from it. */
	if (gobin_open(open_path, &img->bin, err, errlen) ||
	    gobin_find_func(img->bin, "runtime.mallocgc", &fn)) {
		image_free(img);
		return 0;
	}
	/* A plugin exports its runtime's variables, so that the dynamic
	 * linker binds its GOT to the host's; a c-shared library keeps its
	 * own runtime instance, its own heap: not the host's, not traced. */
	if (gobin_dynamic_symbol_addr(img->bin, "runtime.memstats", &addr)) {
		snprintf(err, errlen, "%s: a Go library with a runtime of its own (not a plugin): "
			 "its heap is not traced", path);
		ret = -ENOTSUP;
		goto fail;
	}
	/* The runtime refuses a plugin built by another toolchain ("plugin
	 * was built with a different version of package runtime"); go1.19
	 * writes no build info into a plugin. */
	if (!gobin_go_version(img->bin) && gobin_go_version(h->bin))
		gobin_assume_go_version(img->bin, gobin_go_version(h->bin));
	if (!gobin_go_version(img->bin) || !gobin_go_version(h->bin) ||
	    strcmp(gobin_go_version(img->bin), gobin_go_version(h->bin))) {
		snprintf(err, errlen, "%s: built by %s, the host by %s", path,
			 gobin_go_version(img->bin) ?: "?", gobin_go_version(h->bin) ?: "?");
		ret = -ENOEXEC;
		goto fail;
	}
	ret = probe_plan_build_alloc(img->bin, h->layout, h->alloc, &img->plan, err, errlen);
	if (ret)
		goto fail;
	/* Its runtime code uses the host's variables (its GOT). */
	img->plan.work_cycles_addr = h->plan->work_cycles_addr;
	img->plan.memstats_numgc_addr = h->plan->memstats_numgc_addr;
	img->opts = (struct memtrace_opts){
		.binary = img->open_path,
		.pid = h->pid,
		.max_stacks = h->stack_storage,
		.max_alloc_keys = h->stack_storage * 4,
		.large_alloc_bytes = h->large_alloc_bytes,
		.events_fd = memtrace_events_fd(h->mt),
		.data_bias_fixed = true,
		.data_bias = h->bias,
	};
	/* Mapped already (-p): an int3 an earlier tracer left there is
	 * said, as the host's are; the clean detach removes it. */
	if (!begin)
		warn_breakpoints(h->pid, img);
	ret = memtrace_start(&img->mt, &img->plan, h->layout, &img->opts, NULL, NULL, err, errlen);
	if (ret)
		goto fail;
	if (begin)
		img->attach_ns = memtrace_begin(img->mt);
	if (h->verbose) {
		fprintf(stderr, "Probes in plugin %s (allocations: %s):\n", path,
			img->plan.alloc_strategy);
		for (int i = 0; i < img->plan.n; i++)
			fprintf(stderr, "  %-48s 0x%llx file offset 0x%llx\n",
				img->plan.points[i].function,
				(unsigned long long)img->plan.points[i].address,
				(unsigned long long)img->plan.points[i].file_offset);
	}
	g->v[g->n++] = img;
	return 1;

fail:
	image_free(img);
	return ret ? ret : -ENOEXEC;
}

/* plugin.open's name as the target resolves it: absolute, or against its
 * working directory. */
static int absolute_name(pid_t pid, const char *name, char *out, size_t len)
{
	char link[64], cwd[PATH_MAX];
	ssize_t n;

	if (name[0] == '/')
		return snprintf(out, len, "%s", name) >= (int)len ? -ENAMETOOLONG : 0;
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return -errno;
	cwd[n] = '\0';
	if (snprintf(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int go_images_open_pending(struct go_images *g, const struct go_images_host *h)
{
	bool stopped = g->pending_lost > 0;
	int added = 0;

	for (int i = 0; i < g->npending; i++) {
		char path[PATH_MAX], err[512] = "";
		int ret;

		stopped |= g->pending[i].stopped;
		if (!g->pending[i].name[0])
			continue;
		ret = absolute_name(h->pid, g->pending[i].name, path, sizeof(path));
		if (!ret)
			ret = image_add(g, h, path, true, err, sizeof(err));
		if (ret > 0) {
			added++;
			fprintf(stderr, "gomemtrace: pid %d opens Go plugin %s: %d probes "
				"attached on its copy of the runtime\n", (int)h->pid,
				g->v[g->n - 1]->path, g->v[g->n - 1]->plan.n);
			/* Not stopped (bpf_send_signal failed): its code may
			 * have run before the attach. */
			if (!g->pending[i].stopped) {
				g->failed++;
				fprintf(stderr, "gomemtrace: warning: pid %d could not be stopped "
					"at plugin.open: what %s did before its probes were "
					"attached is missed\n", (int)h->pid, g->v[g->n - 1]->path);
			}
		} else if (ret < 0 && ret != -ENOENT) {
			/* plugin.Open of a file that does not exist fails in
			 * the target too (-ENOENT): nothing runs from it. */
			g->failed++;
			fprintf(stderr, "gomemtrace: warning: pid %d opens Go plugin %s: not "
				"probed (%s): what its own runtime code does is missed\n",
				(int)h->pid, g->pending[i].name, err[0] ? err : strerror(-ret));
		}
	}
	g->npending = 0;
	g->pending_lost = 0;
	if (stopped)
		kill(h->pid, SIGCONT);
	if (g->ended)
		__atomic_store_n(g->ended, g->records + g->lost_seen, __ATOMIC_SEQ_CST);
	return added;
}

void go_images_check_lost(struct go_images *g, pid_t pid)
{
	uint64_t lost = g->stops_lost ? *g->stops_lost : 0;

	if (lost <= g->lost_seen)
		return;
	g->failed += lost - g->lost_seen;
	g->lost_seen = lost;
	kill(pid, SIGCONT);
	if (g->ended)
		__atomic_store_n(g->ended, g->records + g->lost_seen, __ATOMIC_SEQ_CST);
	fprintf(stderr, "gomemtrace: warning: pid %d opened a Go plugin whose record was lost "
		"(ring buffer full): not probed, what its own runtime code does is missed\n",
		(int)pid);
}

/* The guard's life: see go_images_guard. Only system calls. */
static void __attribute__((noreturn)) guard_main(int fd, pid_t pid,
						 const volatile uint64_t *stops,
						 const volatile uint64_t *ended,
						 const volatile uint64_t *exec_stops,
						 const volatile uint64_t *exec_ended)
{
	sigset_t all;
	ssize_t n;
	char c;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	/* Nothing of the tracer's kept open (its BPF links above all): only
	 * the pipe, as fd 3. The BPF object's memory stays mapped. */
	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
	}
	if (syscall(__NR_close_range, 4, ~0U, 0))
		for (int i = 4; i < 65536; i++)
			close(i);
	for (int i = 0; i < 3; i++)
		close(i);
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0 && (*stops > __atomic_load_n(ended, __ATOMIC_SEQ_CST) ||
		       *exec_stops > __atomic_load_n(exec_ended, __ATOMIC_SEQ_CST)))
		kill(pid, SIGCONT);
	_exit(0);
}

int go_images_guard(struct go_images *g, pid_t pid, const struct memtrace *mt)
{
	int fds[2];
	pid_t child;

	go_images_unguard(g);
	if (!g->ended) {
		void *p = mmap(NULL, 2 * sizeof(*g->ended), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		g->ended = p;
		g->exec_ended = g->ended + 1;
	}
	memtrace_image_open_counters(mt, &g->stops, &g->stops_lost);
	g->exec_stops = memtrace_exec_stops(mt);
	g->records = g->lost_seen = 0;
	__atomic_store_n(g->ended, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(g->exec_ended, 0, __ATOMIC_SEQ_CST);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!child) {
		close(fds[1]);
		guard_main(fds[0], pid, g->stops, g->ended, g->exec_stops, g->exec_ended);
	}
	close(fds[0]);
	g->guard_fd = fds[1];
	g->guard_pid = child;
	return 0;
}

void go_images_exec_continue(struct go_images *g, pid_t pid, const struct memtrace *mt)
{
	const volatile uint64_t *stops = memtrace_exec_stops(mt);
	uint64_t sent = *stops;

	/* The guard's count is this set's only while it guards this set. */
	if (g->exec_ended && g->exec_stops == stops) {
		if (__atomic_load_n(g->exec_ended, __ATOMIC_SEQ_CST) >= sent)
			return;
		kill(pid, SIGCONT);
		__atomic_store_n(g->exec_ended, sent, __ATOMIC_SEQ_CST);
		return;
	}
	if (sent)
		kill(pid, SIGCONT);
}

void go_images_unguard(struct go_images *g)
{
	if (!g->guard_pid)
		return;
	/* A byte: the tracer lives on, or ends having continued the target. */
	if (write(g->guard_fd, "x", 1) != 1)
		kill(g->guard_pid, SIGKILL);
	close(g->guard_fd);
	while (waitpid(g->guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
	g->guard_pid = 0;
}

struct scan_ctx {
	struct go_images *g;
	const struct go_images_host *h;
	int added;
};

static int scan_one(void *ctx, const char *path)
{
	struct scan_ctx *c = ctx;
	char err[512] = "";
	int ret = image_add(c->g, c->h, path, false, err, sizeof(err));

	if (ret > 0) {
		c->added++;
		fprintf(stderr, "gomemtrace: pid %d has Go plugin %s mapped: %d probes attached "
			"on its copy of the runtime\n", (int)c->h->pid, path,
			c->g->v[c->g->n - 1]->plan.n);
	} else if (ret < 0) {
		c->g->failed++;
		fprintf(stderr, "gomemtrace: warning: Go plugin %s not probed (%s): what its own "
			"runtime code does is missed\n", path, err[0] ? err : strerror(-ret));
	}
	return 0;
}

int go_images_scan(struct go_images *g, const struct go_images_host *h)
{
	struct scan_ctx c = { .g = g, .h = h };
	int ret = target_exec_mappings(h->pid, scan_one, &c);

	go_images_refresh_bias(g, h->pid);
	return ret < 0 ? ret : c.added;
}

void go_images_refresh_bias(struct go_images *g, pid_t pid)
{
	for (int i = 0; i < g->n; i++) {
		struct go_image *img = g->v[i];

		if (img->have_bias)
			continue;
		if ((img->mt && memtrace_load_bias(img->mt, &img->bias)) ||
		    !target_file_bias(pid, img->dev, img->ino, img->bin, &img->bias))
			img->have_bias = true;
	}
}

void go_images_begin(struct go_images *g)
{
	for (int i = 0; i < g->n; i++)
		if (g->v[i]->mt && !g->v[i]->attach_ns)
			g->v[i]->attach_ns = memtrace_begin(g->v[i]->mt);
}

bool go_images_need_bias(const struct go_images *g)
{
	for (int i = 0; i < g->n; i++)
		if (!g->v[i]->have_bias)
			return true;
	return false;
}

void go_images_pause(struct go_images *g, unsigned int roles)
{
	for (int i = 0; i < g->n; i++)
		if (g->v[i]->mt && !g->v[i]->drained)
			memtrace_pause(g->v[i]->mt, roles);
}

void go_images_end(struct go_images *g)
{
	for (int i = 0; i < g->n; i++)
		if (g->v[i]->mt)
			memtrace_end(g->v[i]->mt);
}

int go_images_drain(struct go_images *g, uint32_t image, struct aggregate *agg, pid_t pid)
{
	int first = 0;

	go_images_refresh_bias(g, pid);
	for (int i = 0; i < g->n; i++) {
		struct go_image *img = g->v[i];
		struct alloc_reader rd = { .agg = agg, .bin = img->bin,
					   .type_ptrdata = img->type_ptrdata };
		int ret;

		if (img->image != image || !img->mt || img->drained)
			continue;
		img->drained = true;
		memtrace_end(img->mt);
		ret = memtrace_stop(img->mt);
		rd.load_bias = img->bias;
		if (ret >= 0)
			ret = memtrace_alloc_counts(img->mt, events_alloc_count, &rd);
		if (ret < 0 && !first)
			first = ret;
	}
	return first;
}

void go_images_add_counters(const struct go_images *g, uint64_t out[COUNTER_MAX],
			    uint64_t *lost_events, uint64_t *lost_stacks)
{
	for (int i = 0; i < g->n; i++) {
		uint64_t c[COUNTER_MAX];

		if (!g->v[i]->mt)
			continue;
		if (!memtrace_counters(g->v[i]->mt, c))
			for (int k = 0; k < COUNTER_MAX; k++)
				out[k] += c[k];
		*lost_events += memtrace_lost_events(g->v[i]->mt);
		*lost_stacks += memtrace_lost_stacks(g->v[i]->mt);
	}
}

int go_images_add_modules(const struct go_images *g, struct symbolizer *sym,
			  struct type_namer *types)
{
	for (int i = 0; i < g->n; i++) {
		const struct go_image *img = g->v[i];
		struct gotype_layout tl;
		int ret;

		if (!img->have_bias)
			continue;
		ret = symbolizer_add_module(sym, img->image, img->bin, img->bias);
		if (ret)
			return ret;
		tl = (struct gotype_layout){ .tflag = img->type_tflag, .str = img->type_str };
		ret = type_namer_add_module(types, img->image, img->bin, img->bias, &tl);
		if (ret)
			return ret;
	}
	return 0;
}

void go_images_report(const struct go_images *g, struct report *r)
{
	r->nplugins = 0;
	r->plugins_not_probed = g->failed;
	for (int i = 0; i < g->n && r->nplugins < REPORT_MAX_PLUGINS; i++) {
		const struct go_image *img = g->v[i];
		struct report_plugin *p = &r->plugins[r->nplugins++];
		uint64_t lo, hi, tag = (uint64_t)img->image << IMAGE_SHIFT;

		*p = (struct report_plugin){ .path = img->path, .image = img->image,
					     .have_bias = img->have_bias, .load_bias = img->bias,
					     .probes = img->mt ? img->plan.n : 0,
					     .why_not = img->why_not, .attach_ns = img->attach_ns };
		if (img->have_bias && !gobin_image_extent(img->bin, &lo, &hi)) {
			p->start = (lo + img->bias) | tag;
			p->limit = (hi + img->bias) | tag;
		}
	}
}

void go_images_free(struct go_images *g, pid_t pid)
{
	if (g->npending || g->pending_lost) {
		/* The trace ended between a plugin.open's stop and its
		 * handling: the target must not stay stopped. */
		kill(pid, SIGCONT);
		g->npending = 0;
	}
	go_images_unguard(g);
	for (int i = 0; i < g->n; i++)
		image_free(g->v[i]);
	g->n = 0;
	if (g->ended)
		munmap(g->ended, sizeof(*g->ended));
	g->ended = NULL;
}

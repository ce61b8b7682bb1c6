// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gomemtrace: the command line and the trace's life: read the target binary,
 * plan probes, attach (holding a launched child until then), collect events
 * until Ctrl-C, the duration or the target's exit, then detach, drain and
 * write the outputs.
 *
 * Exit codes: 0 success (also when the target exits during the trace), 2 bad
 * input (one line on stderr starting "gomemtrace: "), 1 any other failure.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "aggregate/aggregate.h"
#include "aggregate/alloc_types.h"
#include "aggregate/sampled.h"
#include "binary/dwarf_layout.h"
#include "probes/events.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "cli/launch.h"
#include "probes/budget.h"
#include "probes/memtrace.h"
#include "outputs/output_set.h"
#include "probes/probe_plan.h"
#include "outputs/report.h"
#include "aggregate/sites.h"
#include "aggregate/symbolize.h"
#include "probes/target_code.h"

#define EXIT_BAD_INPUT 2
/* The default mode's periods: the budget's check, and reads of the
 * runtime's counters. */
#define BUDGET_TICK_NS 20000000ULL
#define BUDGET_TICK_ON_NS 2000000ULL
#define READ_TICK_NS 100000000ULL
/* A trap's cost when it cannot be measured (this machine: ~0.5 us). */
#define FALLBACK_TRAP_NS 600
/* The probes the overhead budget may take off: the frequent ones. */
#define BUDGETED_ROLES ((1u << PROBE_REFILL) | (1u << PROBE_LARGE) | \
			(1u << PROBE_MORESTACK) | (1u << PROBE_COPYSTACK))
#define DEFAULT_MAX_STACKS 65536	/* per table: ~20 MiB of stacks at most */
#define DEFAULT_LARGE_ALLOC (1ULL << 20)	/* --large-alloc: 1 MiB */
/* With -o: the runtime's heap is read for timeline.json this often, and
 * after each GC cycle's end (target memory reads, no probe). */
#define HEAP_READ_NS 100000000ULL

static struct env {
	pid_t pid;
	double duration;
	const char *output_dir;
	const char *mode;
	bool quiet;
	bool verbose;
	bool repair;
	int top;
	uint32_t stack_storage;
	size_t max_stacks;
	uint64_t large_alloc;	/* bytes */
	double budget;		/* fraction of the target's CPU */
	char **command;
} env = {
	.mode = "default",
	.budget = 0.01,
	.top = 10,
	.max_stacks = DEFAULT_MAX_STACKS,
	.large_alloc = DEFAULT_LARGE_ALLOC,
};

const char *argp_program_version = "gomemtrace 0.1.0";
const char *argp_program_bug_address = NULL;
static const char doc[] =
"Trace heap allocations, GC cycles and goroutine stack growth of a running Go\n"
"program, by uprobes in the Go runtime. No restart, no code change, no pprof\n"
"endpoint needed; stripped, PIE and cgo binaries work.\n"
"\n"
"EXAMPLES:\n"
"    gomemtrace -p 1234              # trace PID 1234 until Ctrl-C\n"
"    gomemtrace -p 1234 -d 10 -o out # 10 s: out/report.json, *.pb.gz, *.folded,\n"
"                                    # timeline.json (open in ui.perfetto.dev)\n"
"    gomemtrace -o out -- ./server -port 8080   # launch, trace until it exits\n"
"    go tool pprof -top out/heap.pb.gz          # read the heap profile\n"
"    go tool pprof -top out/stack.pb.gz         # stack growth by function\n"
"    go tool pprof -tags out/heap.pb.gz         # bytes by allocated type\n"
"    flamegraph.pl out/heap.folded > heap.svg   # folded stacks: bytes\n"
"    gomemtrace --repair -p 1234     # remove breakpoints an earlier tracer left\n";

#define OPT_REPAIR 1000

enum { OPT_STACK_STORAGE = 0x100, OPT_MAX_STACKS, OPT_BUDGET, OPT_LARGE_ALLOC };

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0,
	  "Trace this process (a thread id: the process it belongs to)", 0 },
	{ "duration", 'd', "SECONDS", 0,
	  "Stop after this long (default: Ctrl-C, SIGTERM, SIGHUP, SIGQUIT or the "
	  "target's exit)", 0 },
	{ "output", 'o', "DIR", 0,
	  "Write report.json, heap.pb.gz, stack.pb.gz, heap.folded, stack.folded "
	  "and timeline.json (GC cycles, heap live and goal, stack growths and "
	  "large allocations in time; Chrome trace event format, for Perfetto) "
	  "into DIR (created if missing)", 0 },
	{ "large-alloc", OPT_LARGE_ALLOC, "BYTES", 0,
	  "With -o, timeline.json: each allocation of at least BYTES (default 1048576) as "
	  "an event with its size, type and stack; exact mode sees every size, the "
	  "default mode those over 32 KiB while its samples are on", 0 },
	{ "mode", 'm', "MODE", 0,
	  "default: the runtime's own counters and heap profile, or samples (one "
	  "probe hit per span refill and per large allocation) within "
	  "--overhead-budget; exact: every allocation with its stack, at ~1 us each "
	  "(for short windows)", 0 },
	{ "overhead-budget", OPT_BUDGET, "PERCENT", 0,
	  "Default mode: keep the probes' cost under PERCENT of the target's own CPU "
	  "time (default 1), taking the frequent probes off for a while when over; "
	  "100: never", 0 },
	{ "top", 't', "N", 0, "Sites and cycles listed in the text report (default 10)", 0 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0,
	  "Distinct stacks kept per table (default 65536): bounds the tracer's "
	  "memory; past it, new stacks keep their 8 innermost frames, marked "
	  "[folded stacks], and are counted", 0 },
	{ "stack-storage-size", OPT_STACK_STORAGE, "N", 0,
	  "Distinct allocation stacks counted in the kernel (default 16384); "
	  "allocations beyond it are sent to user space, not lost", 0 },
	{ "quiet", 'q', NULL, 0, "No text report on stdout", 0 },
	{ "verbose", 'v', NULL, 0, "Show the probe plan and libbpf's debug output", 0 },
	{ "repair", OPT_REPAIR, NULL, 0,
	  "With -p: remove int3 bytes an earlier tracer left at the probe points, "
	  "then exit (no trace)", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{ "version", 'V', NULL, 0, "Show the version", 0 },
	{},
};

/* Bad input: one line, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2))) die_input(const char *fmt, ...)
{
	va_list ap;

	fputs("gomemtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_BAD_INPUT);
}

static long parse_long(const char *arg, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		die_input("invalid %s: '%s'", what, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'p':
		env.pid = parse_long(arg, "pid", 1, INT_MAX);
		break;
	case 'd':
		errno = 0;
		env.duration = strtod(arg, &end);
		if (errno || end == arg || *end || !(env.duration > 0) || env.duration > 1e9)
			die_input("invalid duration: '%s' (seconds, > 0)", arg);
		break;
	case 'o':
		if (!arg[0])
			die_input("empty output directory: -o ''");
		env.output_dir = arg;
		break;
	case 'm':
		if (strcmp(arg, "exact") && strcmp(arg, "default"))
			die_input("unknown mode: '%s' (modes: default, exact)", arg);
		env.mode = arg;
		break;
	case OPT_BUDGET:
		errno = 0;
		env.budget = strtod(arg, &end) / 100;
		if (errno || end == arg || *end || !(env.budget > 0) || env.budget > 1)
			die_input("invalid --overhead-budget: '%s' (a percentage, > 0 and <= 100)",
				  arg);
		break;
	case OPT_MAX_STACKS:
		env.max_stacks = parse_long(arg, "--max-stacks", 16, 1L << 26);
		break;
	case OPT_LARGE_ALLOC:
		env.large_alloc = parse_long(arg, "--large-alloc", 1, LONG_MAX);
		break;
	case OPT_STACK_STORAGE:
		env.stack_storage = parse_long(arg, "--stack-storage-size", 1, 1 << 22);
		break;
	case 't':
		env.top = parse_long(arg, "--top", 0, INT_MAX);
		break;
	case 'q':
		env.quiet = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_REPAIR:
		env.repair = true;
		break;
	case 'h':
		/* argp_state_help prints nothing under ARGP_NO_ERRS. */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, "gomemtrace");
		exit(0);
	case 'V':
		printf("%s\n", argp_program_version);
		exit(0);
	case ARGP_KEY_ARG:
		/* The command and all its arguments, options included. */
		env.command = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_ERROR:
		if (state->next > 0 && state->next <= state->argc)
			die_input("bad option or missing argument: '%s' (see --help)",
				  state->argv[state->next - 1]);
		die_input("bad arguments (see --help)");
	case ARGP_KEY_END:
		if (env.pid && env.command)
			die_input("give either -p PID or a COMMAND, not both");
		if (!env.pid && !env.command)
			die_input("nothing to trace: give -p PID or -- COMMAND (see --help)");
		if (env.repair && !env.pid)
			die_input("--repair needs -p PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/*
 * Ctrl-C, SIGTERM, a closed terminal (SIGHUP) and Ctrl-\ (SIGQUIT) end the
 * trace the normal way: detach, drain, write everything. Also when the shell
 * started us with SIGINT or SIGQUIT ignored (a background job), as bcc's and
 * bpftrace's tools do: `gomemtrace ... & kill -INT $!` stops the trace. A
 * SIGHUP ignored at the start (nohup) stays ignored: that is what nohup
 * asks. A launched command gets back the dispositions we started with
 * (launch_save_signals).
 */
static int catch_stop_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	launch_save_signals();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		if (sigaction(sigs[i], NULL, &old))
			return -errno;
		if (sigs[i] == SIGHUP && old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	}
	return 0;
}

/* stdout piped into a reader that quit (head): the writes fail with EPIPE
 * instead of the signal killing the tracer before report.json is written.
 * Called after a launched child is forked, which keeps its own SIGPIPE. */
static int ignore_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL) ? -errno : 0;
}

/*
 * The process a -p id belongs to: its thread group id from /proc/ID/status.
 * The probes filter on the process (tgid), so a thread id given as -p would
 * match nothing. Returns the tgid, or a negative errno (-ENOENT: gone).
 */
static pid_t process_of(pid_t id)
{
	char path[64], line[256];
	pid_t tgid = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)id);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : -ENOENT;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The target is gone: an exited child (reaped here) or a process whose
 * pidfd became readable. */
static bool target_exited(pid_t child, int pidfd)
{
	if (child > 0)
		return waitpid(child, NULL, WNOHANG) == child;
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		return poll(&p, 1, 0) > 0;
	}
	return false;
}

static void print_plan(const struct probe_plan *plan, const char *path)
{
	fprintf(stderr, "Probes in %s (allocations: %s):\n", path, plan->alloc_strategy);
	for (int i = 0; i < plan->n; i++) {
		const struct probe_point *p = &plan->points[i];

		fprintf(stderr, "  %-48s 0x%llx (+%llu) file offset 0x%llx: %s (%s)\n",
			p->function, (unsigned long long)p->func_entry,
			(unsigned long long)(p->address - p->func_entry),
			(unsigned long long)p->file_offset, probe_placement_name(p->placement),
			probe_placement_emulated(p->placement) ? "emulated" : "single-stepped");
	}
}

/* This process's CPU time so far, user and system, in ns. */
static uint64_t cpu_time_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

/* What the trace cost: the probes' counters and the kernel's own count of
 * BPF run time (when kernel.bpf_stats_enabled is 1; printed with -v). */
static void collect_cost(const struct memtrace *mt, const struct probe_plan *plan,
			 struct report_cost *cost)
{
	cost->plan = plan;
	memtrace_counters(mt, cost->counters);
	for (int role = 0; role < PROBE_ROLE_MAX; role++) {
		uint64_t cnt = 0, ns = 0;

		if (memtrace_prog_stats(mt, role, &cnt, &ns) || !cnt)
			continue;
		cost->bpf_runs[role] = cnt;
		cost->bpf_run_ns[role] = ns;
		if (env.verbose)
			fprintf(stderr, "BPF program %s: %llu runs, %.0f ns per run\n",
				probe_role_name(role), (unsigned long long)cnt, (double)ns / cnt);
	}
}

/* report.json and the profiles, replacing the previous set together or not
 * at all (output_set.c). */
static int write_outputs(const struct report *r, int dir_fd)
{
	static const struct {
		const char *name;
		int (*write)(const struct report *r, int fd);
	} outputs[] = {
		{ "report.json", report_write_json },
		{ "heap.pb.gz", report_write_pprof },
		{ "stack.pb.gz", report_write_stack_pprof },
		{ "heap.folded", report_write_heap_folded },
		{ "stack.folded", report_write_stack_folded },
		{ "timeline.json", report_write_timeline },
	};
	struct output_set set;
	const char *failed = NULL;
	int fd, ret;

	ret = output_set_begin(&set, dir_fd);
	for (size_t i = 0; !ret && i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		failed = outputs[i].name;
		fd = output_set_create(&set, outputs[i].name);
		ret = fd < 0 ? fd : outputs[i].write(r, fd);
	}
	if (!ret) {
		ret = output_set_commit(&set);
		failed = set.failed;
	} else {
		output_set_abort(&set);
	}
	if (ret && failed)
		fprintf(stderr, "gomemtrace: cannot write %s/%s: %s\n", env.output_dir, failed,
			strerror(-ret));
	else if (ret)
		fprintf(stderr, "gomemtrace: cannot write into %s: %s\n", env.output_dir,
			strerror(-ret));
	return ret;
}

/*
 * The runtime's data layout: from the binary's own DWARF when it has some (its
 * truth, also for Go versions the built-in table lacks), else the table's row
 * for its Go version and the GOEXPERIMENTs it was built with (greenteagc
 * moves work.cycles). exe is read, shown is named in messages.
 */
static const struct go_layout *choose_layout(const char *exe, const char *shown,
					     const struct gobin *bin)
{
	static struct go_layout from_dwarf;
	int minor = gobin_go_minor(bin);
	const char *experiments = gobin_go_experiments(bin);
	const struct go_layout *row = go_layout_find_experiments(minor, experiments);
	const struct go_layout_field *f;
	char err[256];
	int ret;

	if (minor < 119)
		die_input("%s: unsupported Go version %s (gomemtrace needs go1.19 or later)",
			  shown, gobin_go_version(bin) ? gobin_go_version(bin) : "unknown");
	ret = dwarf_layout_read(exe, minor, &from_dwarf, err, sizeof(err));
	if (!ret) {
		f = row ? dwarf_layout_diff(&from_dwarf, row) : NULL;
		if (f)
			fprintf(stderr, "gomemtrace: warning: %s: runtime layout field %s is %u "
				"in its DWARF, %u in the built-in go%d.%d layout; using DWARF\n",
				shown, f->name, go_layout_field_value(&from_dwarf, f),
				go_layout_field_value(row, f), minor / 100, minor % 100);
		return &from_dwarf;
	}
	if (!row && experiments && go_layout_find(minor))
		die_input("%s: built with GOEXPERIMENT=%s: no built-in go%d.%d layout for it "
			  "and %s%s: the runtime's layout may differ from the default one",
			  shown, experiments, minor / 100, minor % 100,
			  ret == -ENODATA ? "no DWARF" : "DWARF unreadable: ",
			  ret == -ENODATA ? "" : err);
	if (!row && ret == -ENODATA)
		die_input("%s: unsupported Go version go%d.%d (no DWARF and no built-in layout)",
			  shown, minor / 100, minor % 100);
	if (!row)
		die_input("%s: unsupported Go version go%d.%d (no built-in layout; DWARF: %s)",
			  shown, minor / 100, minor % 100, err);
	if (ret != -ENODATA)
		fprintf(stderr, "gomemtrace: warning: %s: cannot read the runtime layout from "
			"DWARF (%s); using the built-in go%d.%d layout\n",
			shown, err, minor / 100, minor % 100);
	return row;
}

static void print_breakpoints(const struct probe_plan *plan, const struct code_scan *scan,
			      const char *what)
{
	for (int i = 0; i < plan->n; i++) {
		const struct probe_point *p = &plan->points[i];

		if (scan->state[i] != CODE_BREAKPOINT)
			continue;
		fprintf(stderr, "gomemtrace: %s: int3 at %s+%llu (0x%llx, file offset 0x%llx; "
			"the file has 0x%02x)\n", what, p->function,
			(unsigned long long)(p->address - p->func_entry),
			(unsigned long long)scan->vaddr[i], (unsigned long long)p->file_offset,
			scan->file[i]);
	}
}

/*
 * --repair: a clean attach and detach at each probe point holding an int3
 * the file does not have. The kernel finds its leaked uprobe there (or makes
 * one), and a detach that nothing interrupts writes the file's byte back,
 * unless a live uprobe still wants the point: then the int3 stays, rightly.
 * The only time gomemtrace has the kernel write into the target on purpose
 * besides its own probes.
 */
static int repair(const struct probe_plan *plan, const struct go_layout *layout)
{
	static struct probe_plan sub;
	struct memtrace_opts mopts = {};
	struct code_scan before, after;
	struct memtrace *mt = NULL;
	struct aggregate agg;
	char exe[64], err[512];
	int ret, left = 0;

	ret = target_code_scan(env.pid, plan, &before);
	if (ret) {
		fprintf(stderr, "gomemtrace: cannot read the code of pid %d: %s\n", (int)env.pid,
			strerror(-ret));
		return 1;
	}
	if (!before.breakpoints) {
		printf("pid %d: no leftover breakpoint at the %d probe points\n", (int)env.pid,
		       plan->n);
		return 0;
	}
	print_breakpoints(plan, &before, "leftover breakpoint");
	sub = *plan;
	sub.n = 0;
	for (int i = 0; i < plan->n; i++)
		if (before.state[i] == CODE_BREAKPOINT)
			sub.points[sub.n++] = plan->points[i];
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)env.pid);
	mopts.binary = exe;
	mopts.pid = env.pid;
	aggregate_init(&agg, 0);
	ret = memtrace_start(&mt, &sub, layout, &mopts, events_handle, &agg, err, sizeof(err));
	memtrace_close(mt);	/* recording never started */
	aggregate_free(&agg);
	if (ret) {
		fprintf(stderr, "gomemtrace: %s\n", err);
		return 1;
	}
	ret = target_code_scan(env.pid, plan, &after);
	for (int i = 0; i < plan->n && !ret; i++) {
		if (before.state[i] != CODE_BREAKPOINT)
			continue;
		if (after.state[i] == CODE_INTACT) {
			printf("pid %d: repaired %s+%llu (0x%llx)\n", (int)env.pid,
			       plan->points[i].function,
			       (unsigned long long)(plan->points[i].address -
						    plan->points[i].func_entry),
			       (unsigned long long)after.vaddr[i]);
		} else {
			left++;
		}
	}
	if (ret || left) {
		if (!ret)
			print_breakpoints(plan, &after, "still there (a live uprobe holds it?)");
		else
			fprintf(stderr, "gomemtrace: cannot read the code of pid %d: %s\n",
				(int)env.pid, strerror(-ret));
		return 1;
	}
	return 0;
}

/* Every probe point of either mode, for --repair. */
static int plan_all_points(const struct gobin *bin, const struct go_layout *layout,
			   struct probe_plan *plan, char *err, size_t errlen)
{
	static struct probe_plan sampled;
	int ret = probe_plan_build_alloc(bin, layout, PLAN_ALLOC_EXACT, plan, err, errlen);

	if (ret || probe_plan_build_alloc(bin, layout, PLAN_ALLOC_SAMPLED, &sampled, err, errlen))
		return ret;
	for (int i = 0; i < sampled.n && plan->n < MAX_PROBES; i++)
		if (sampled.points[i].role == PROBE_REFILL || sampled.points[i].role == PROBE_LARGE)
			plan->points[plan->n++] = sampled.points[i];
	return 0;
}

static void set_sources(struct report *r, bool exact, bool sampled, const struct budget *b)
{
	struct report_sources *s = &r->sources;

	s->gc_cycles = "probes";
	s->heap = "runtime counters";
	s->stack_growth = !exact && b->pauses ? "probes (off while over the overhead budget)"
					      : "probes";
	if (exact) {
		s->alloc_totals = s->alloc_sites = "exact probes";
	} else if (sampled) {
		s->alloc_totals = "runtime counters";
		s->alloc_sites = "sampled probes";
	}
}

/*
 * The default mode's samples scaled to what the runtime counted between the
 * trace's start (zero for a launched target) and the last read of its
 * counters: the stop, or else (the target exited) the last periodic read,
 * whose later samples are dropped and counted.
 */
static int scale_samples(struct report *r, struct aggregate *agg,
			 const struct runtime_state *last, const struct budget *b)
{
	static const struct runtime_state zero;
	const struct runtime_state *from = NULL, *to = NULL;
	struct report_sampling *s = &r->sampling;
	struct sampled_truth truth = {};
	int ret;

	s->present = true;
	s->budget = b->fraction;
	s->trap_ns = b->trap_ns;
	s->target_cpu_ns = b->target_ns;
	s->cost_ns = b->cost_ns;
	s->probe_hits = b->hits;
	s->pauses = b->pauses;
	s->paused_ns = b->paused_ns;
	s->error = b->error;
	if (!r->runtime.stop_err && r->runtime.stop.have_memstats) {
		to = &r->runtime.stop;
		ret = aggregate_commit_samples(agg);
		if (ret)
			return ret;
	} else {
		s->discarded_hits = aggregate_discard_samples(agg);
		if (last && last->have_memstats)
			to = last;
	}
	if (r->runtime.start_err == RUNTIME_STATE_LAUNCHED)
		from = &zero;
	else if (!r->runtime.start_err && r->runtime.start.have_memstats)
		from = &r->runtime.start;
	if (!from || !to || !to->allocs.have_bytes ||
	    (from != &zero && !from->allocs.have_bytes)) {
		r->sources.alloc_totals = "sampled probes";
		return sampled_scale(agg, NULL, &s->result);
	}
	for (int c = 0; c < GO_NUM_SIZE_CLASSES; c++)
		truth.small_objects[c] = to->allocs.small_by_class[c] -
					 from->allocs.small_by_class[c];
	truth.tiny_objects = to->allocs.tiny_alloc_count - from->allocs.tiny_alloc_count;
	truth.large_objects = to->allocs.large_alloc_count - from->allocs.large_alloc_count;
	truth.large_bytes = to->allocs.large_alloc_bytes - from->allocs.large_alloc_bytes;
	return sampled_scale(agg, &truth, &s->result);
}

/* A read of the runtime's state at ts, as a heap sample in agg. */
static void record_heap(struct aggregate *agg, const struct runtime_state *s, uint64_t ts)
{
	struct heap_sample h = {
		.ts = ts,
		.numgc = s->numgc,
		.have_numgc = s->have_memstats,
		.have_live = s->have_gc_controller,
		.have_marked = s->have_gc_controller,
		.have_goal = s->have_heap_goal,
		.heap_live = s->heap_live,
		.heap_marked = s->heap_marked,
		.heap_goal = s->heap_goal,
	};

	if (!h.have_numgc && !h.have_live && !h.have_goal)
		return;
	if (aggregate_heap_sample(agg, &h))
		agg->memory_failures++;
}

/*
 * The runtime's heap as of now, read from the target's memory, into the
 * aggregate (timeline.json's counters and GC figures), stamped with the
 * CLOCK_MONOTONIC of the read; also returned in *out. 0 or a negative errno
 * (the target gone, a figure unknown: nothing recorded).
 */
static int read_heap(pid_t pid, const struct gobin *bin, const struct go_layout *layout,
		     struct aggregate *agg, struct runtime_state *out)
{
	int ret = runtime_state_snapshot(pid, bin, layout, out);

	if (ret)
		return ret;
	record_heap(agg, out, clock_ns(CLOCK_MONOTONIC));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg,
					  .args_doc = "-p PID\n-- COMMAND [ARG...]", .doc = doc };
	struct launched child = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct memtrace_opts mopts = {};
	struct memtrace *mt = NULL;
	struct gobin *bin = NULL;
	struct aggregate agg;
	struct report rep = {};
	static struct probe_plan plan;
	static struct code_scan code_before, code_after;
	const struct go_layout *layout;
	char exe[PATH_MAX], err[512];
	char *command_path = NULL;
	uint64_t start_ns, stop_ns, deadline_ns = 0, start_cpu_ns, last_tick_ns = 0, last_read_ns = 0;
	uint64_t last_heap_ns = 0, last_gc_end = 0;
	int ret, exit_code = 1, pidfd = -1, out_fd = -1;
	struct runtime_state last_state;
	bool exact, sampled, have_last_state = false;
	int64_t trap_ns = 0;
	struct budget budget = { .stats_fd = -1 };

	aggregate_init(&agg, 0);
	if (argp_parse(&argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_HELP | ARGP_IN_ORDER, NULL, NULL))
		die_input("bad arguments (see --help)");
	libbpf_set_print(libbpf_print);

	/* The binary as the kernel sees it: /proc/PID/exe resolves in the
	 * target's mount namespace and survives the file being replaced. */
	if (env.pid) {
		pid_t tgid;

		if (kill(env.pid, 0) && errno == ESRCH)
			die_input("no such process: %d", (int)env.pid);
		/* A thread id (from top -H, ps -L, /proc/PID/task): trace the
		 * process it belongs to, the unit -p names in bcc's and
		 * bpftrace's tools; saying so, rather than tracing nothing. */
		tgid = process_of(env.pid);
		if (tgid == -ENOENT)
			die_input("no such process: %d", (int)env.pid);
		if (tgid < 0)
			die_input("cannot read /proc/%d/status: %s", (int)env.pid,
				  strerror(-tgid));
		if (tgid != env.pid) {
			fprintf(stderr, "gomemtrace: %d is a thread of process %d; tracing %d\n",
				(int)env.pid, (int)tgid, (int)tgid);
			env.pid = tgid;
		}
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)env.pid);
		ret = readlink(exe, err, sizeof(err) - 1);
		if (ret < 0)
			die_input("cannot read the executable of pid %d: %s", (int)env.pid,
				  strerror(errno));
		err[ret] = '\0';
		rep.exe = strdup(err);
	} else {
		ret = launch_resolve(env.command[0], &command_path);
		if (ret)
			die_input("%s: %s", env.command[0],
				  ret == -ENOENT ? "command not found" : strerror(-ret));
		snprintf(exe, sizeof(exe), "%s", command_path);
		rep.exe = realpath(command_path, NULL);
	}
	if (!rep.exe) {
		fprintf(stderr, "gomemtrace: out of memory\n");
		goto cleanup;
	}

	ret = gobin_open(exe, &bin, err, sizeof(err));
	if (ret)
		die_input("%s: %s", rep.exe, err);
	layout = choose_layout(exe, rep.exe, bin);
	exact = !strcmp(env.mode, "exact");
	if (env.repair) {
		/* Every point either mode may have used. */
		ret = plan_all_points(bin, layout, &plan, err, sizeof(err));
	} else {
		ret = probe_plan_build_alloc(bin, layout, exact ? PLAN_ALLOC_EXACT :
					     PLAN_ALLOC_SAMPLED, &plan, err, sizeof(err));
	}
	if (ret)
		die_input("%s: %s", rep.exe, err);
	if (env.verbose)
		print_plan(&plan, rep.exe);
	aggregate_init(&agg, gobin_go_minor(bin));
	agg.max_stacks = env.max_stacks;
	if (env.output_dir)
		agg.large_alloc_bytes = env.large_alloc;
	if (env.repair) {
		exit_code = repair(&plan, layout);
		goto cleanup;
	}

	/* An output directory we cannot write is bad input, found now rather
	 * than after the trace. */
	if (env.output_dir) {
		out_fd = output_dir_open(env.output_dir, err, sizeof(err));
		if (out_fd < 0)
			die_input("%s", err);
	}

	ret = catch_stop_signals();
	if (ret) {
		fprintf(stderr, "gomemtrace: signals: %s\n", strerror(-ret));
		goto cleanup;
	}
	if (env.command) {
		ret = launch_held(command_path, env.command, &child);
		if (ret) {
			fprintf(stderr, "gomemtrace: cannot start %s: %s\n", env.command[0],
				strerror(-ret));
			goto cleanup;
		}
		rep.pid = child.pid;
	} else {
		rep.pid = env.pid;
		pidfd = syscall(SYS_pidfd_open, env.pid, 0);
		/* Breakpoints an earlier tracer left: reported; this trace's clean
		 * detach removes them (see repair()). A live probe of another
		 * tracer looks the same here, and keeps its int3. */
		if (!target_code_scan(env.pid, &plan, &code_before)) {
			rep.code_before = &code_before;
			print_breakpoints(&plan, &code_before, "warning: before attaching (a "
					  "breakpoint an earlier tracer left, or another "
					  "tracer's live probe)");
		}
	}
	ret = ignore_sigpipe();
	if (ret) {
		fprintf(stderr, "gomemtrace: signals: %s\n", strerror(-ret));
		goto cleanup;
	}

	sampled = plan.alloc == PLAN_ALLOC_SAMPLED;
	if (!exact) {
		/* The price of a trap here, before anything is attached. */
		trap_ns = budget_calibrate();
		if (trap_ns < 0 && env.verbose)
			fprintf(stderr, "gomemtrace: cannot measure the cost of a trap (%s); "
				"taking %d ns\n", strerror((int)-trap_ns), FALLBACK_TRAP_NS);
		if (trap_ns < 0)
			trap_ns = FALLBACK_TRAP_NS;
	}
	mopts.binary = exe;
	mopts.pid = rep.pid;
	/* Several sizes per stack, as a rule. */
	mopts.max_stacks = env.stack_storage;
	mopts.max_alloc_keys = env.stack_storage * 4;
	if (exact && env.output_dir)
		mopts.large_alloc_bytes = env.large_alloc;
	ret = memtrace_start(&mt, &plan, layout, &mopts, events_handle, &agg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gomemtrace: %s\n", err);
		goto cleanup;
	}
	start_ns = memtrace_begin(mt);
	start_cpu_ns = cpu_time_ns();
	rep.start_wall_ns = clock_ns(CLOCK_REALTIME);
	if (env.duration)
		deadline_ns = start_ns + (uint64_t)(env.duration * 1e9);
	/* The runtime's state at the start; a launched child has not exec'd. */
	rep.runtime.start_err = env.pid ? runtime_state_snapshot(rep.pid, bin, layout,
								 &rep.runtime.start)
					: RUNTIME_STATE_LAUNCHED;
	if (!rep.runtime.start_err && env.output_dir)
		record_heap(&agg, &rep.runtime.start, clock_ns(CLOCK_MONOTONIC));
	if (!exact) {
		ret = budget_start(&budget, mt, rep.pid, env.budget, BUDGETED_ROLES,
				   (uint64_t)trap_ns);
		rep.sampling.bpf_stats = !ret;
		if (ret && env.verbose)
			fprintf(stderr, "gomemtrace: no BPF run-time statistics (%s): the "
				"budget counts traps only\n", strerror(-ret));
	}
	fprintf(stderr, "Tracing pid %d (%s, %s): %d probes attached. Ctrl-C to end.\n",
		(int)rep.pid, rep.exe, gobin_go_version(bin), memtrace_attached(mt));
	if (env.command) {
		ret = launch_release(&child);
		if (ret) {
			child.pid = -1;
			fprintf(stderr, "gomemtrace: cannot execute %s: %s\n", exe, strerror(-ret));
			exit_code = EXIT_BAD_INPUT;
			goto cleanup;
		}
	}

	while (!exiting) {
		/* While the probes are on, the budget looks often: a spell
		 * over it lasts a few ms, not a whole period. */
		uint64_t tick_ns = budget.paused ? BUDGET_TICK_NS : BUDGET_TICK_ON_NS;
		int timeout_ms = exact ? 100 : (int)(tick_ns / 1000000);

		if (deadline_ns) {
			uint64_t now = clock_ns(CLOCK_MONOTONIC);

			if (now >= deadline_ns)
				break;
			if (deadline_ns - now < 100000000ULL)
				timeout_ms = (deadline_ns - now + 999999) / 1000000;
		}
		ret = memtrace_poll(mt, timeout_ms);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "gomemtrace: reading events: %s\n", strerror(-ret));
			goto cleanup;
		}
		if (!exact && clock_ns(CLOCK_MONOTONIC) - last_tick_ns >= tick_ns) {
			last_tick_ns = clock_ns(CLOCK_MONOTONIC);
			budget_tick(&budget, mt, last_tick_ns);
		}
		if (sampled && clock_ns(CLOCK_MONOTONIC) - last_read_ns >= READ_TICK_NS) {
			struct runtime_state now;

			last_read_ns = clock_ns(CLOCK_MONOTONIC);
			/* Samples count once the runtime's counters were read
			 * after them: what a target that exits leaves. */
			if (memtrace_poll(mt, 0) >= 0 &&
			    !(env.output_dir ? read_heap(rep.pid, bin, layout, &agg, &now)
					     : runtime_state_snapshot(rep.pid, bin, layout, &now)) &&
			    now.have_memstats) {
				last_heap_ns = last_read_ns;
				last_state = now;
				have_last_state = true;
				if (aggregate_commit_samples(&agg))
					agg.memory_failures++;
			}
		}
		/* timeline.json: the heap now and then, and after each GC
		 * cycle's end (its marked heap and next goal). */
		if (env.output_dir && memtrace_consume(mt) >= 0) {
			uint64_t gc_end = agg.gc_len ? agg.gc[agg.gc_len - 1].end_ns : 0;

			if (gc_end != last_gc_end ||
			    clock_ns(CLOCK_MONOTONIC) - last_heap_ns >= HEAP_READ_NS) {
				struct runtime_state now;

				last_gc_end = gc_end;
				last_heap_ns = clock_ns(CLOCK_MONOTONIC);
				read_heap(rep.pid, bin, layout, &agg, &now);
			}
		}
		if (deadline_ns && clock_ns(CLOCK_MONOTONIC) >= deadline_ns)
			break;
		if (target_exited(child.pid, pidfd)) {
			child.pid = -1;
			break;
		}
	}

	rep.cost.tracer_cpu_ns = cpu_time_ns() - start_cpu_ns;
	stop_ns = memtrace_end(mt);
	if (!exact)
		budget_finish(&budget, mt, stop_ns);
	/* The runtime's state where recording ended, before detaching (fails
	 * once the target exited). */
	rep.runtime.stop_err = runtime_state_snapshot(rep.pid, bin, layout, &rep.runtime.stop);
	if (!rep.runtime.stop_err && env.output_dir)
		record_heap(&agg, &rep.runtime.stop, stop_ns);
	if (env.verbose) {
		const char *kind;
		int nlinks = memtrace_links(mt, &kind);

		fprintf(stderr, "Recording stopped after %.3f s; detaching %d %s links\n",
			(stop_ns - start_ns) / 1e9, nlinks, kind);
	}
	ret = memtrace_stop(mt);
	if (ret >= 0) {
		struct alloc_reader rd = { .agg = &agg, .bin = bin,
					   .type_ptrdata = layout->type_ptrdata };

		memtrace_load_bias(mt, &rd.load_bias);
		ret = memtrace_alloc_counts(mt, events_alloc_count, &rd);
	}
	if (ret < 0) {
		fprintf(stderr, "gomemtrace: detaching or draining events: %s\n", strerror(-ret));
		goto cleanup;
	}
	if (env.verbose)
		fprintf(stderr, "Detached in %.1f ms\n", memtrace_detach_ns(mt) / 1e6);
	set_sources(&rep, exact, sampled, &budget);
	if (sampled) {
		ret = scale_samples(&rep, &agg, have_last_state ? &last_state : NULL, &budget);
		if (ret) {
			fprintf(stderr, "gomemtrace: %s\n", strerror(-ret));
			goto cleanup;
		}
	}
	if (rep.code_before && !target_code_scan(rep.pid, &plan, &code_after)) {
		rep.code_after = &code_after;
		print_breakpoints(&plan, &code_after, "warning: after the detach");
	}
	rep.duration_ns = stop_ns - start_ns;
	rep.plan = &plan;
	rep.start_ns = start_ns;
	rep.go_version = gobin_go_version(bin);
	rep.mode = env.mode;
	rep.agg = &agg;
	rep.heap_read_period_ms = HEAP_READ_NS / 1000000;
	if (env.output_dir && exact)
		rep.large_alloc_source = "exact probes";
	else if (env.output_dir && sampled)
		rep.large_alloc_source = budget.pauses ?
			"large allocation samples (> 32 KiB; none while over the overhead budget)" :
			"large allocation samples (> 32 KiB)";
	rep.bin = bin;
	rep.lost_events = memtrace_lost_events(mt) + agg.bad_events + agg.memory_failures;
	rep.lost_stacks = memtrace_lost_stacks(mt);
	collect_cost(mt, &plan, &rep.cost);
	/* Allocations counted without their stack (a preempted run held the
	 * CPU's scratch space): their objects count, their site is unknown. */
	rep.lost_stacks += rep.cost.counters[COUNTER_UNWALKED];
	memtrace_load_bias(mt, &rep.load_bias);
	ret = symbolizer_new(&rep.sym, bin, rep.load_bias);
	if (!ret) {
		struct gotype_layout tl = { .tflag = layout->type_tflag, .str = layout->type_str };

		ret = type_namer_new(&rep.types, bin, rep.load_bias, &tl);
	}
	/* Samples do not see the type (a refill is not an allocation call). */
	if (!ret && !sampled)
		ret = alloc_types(&agg.allocs, rep.types, &rep.alloc_types);
	if (!ret)
		ret = sites_alloc(&agg.allocs, rep.sym, &rep.alloc_sites);
	if (!ret)
		ret = sites_growth(&agg.growths, rep.sym, &rep.growth_sites);
	if (ret) {
		fprintf(stderr, "gomemtrace: %s\n", strerror(-ret));
		goto cleanup;
	}
	{
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			rep.cost.tracer_peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
	}
	/* The text report first: a failed file write must not cost it. */
	if (!env.quiet) {
		report_print_text(&rep, stdout, env.top);
		fflush(stdout);
	}
	if (out_fd >= 0 && write_outputs(&rep, out_fd))
		goto cleanup;
	exit_code = 0;

cleanup:
	if (child.pid > 0 && child.go_fd >= 0)
		launch_abort(&child);
	memtrace_close(mt);
	site_list_free(&rep.alloc_sites);
	site_list_free(&rep.growth_sites);
	symbolizer_free(rep.sym);
	type_list_free(&rep.alloc_types);
	type_namer_free(rep.types);
	aggregate_free(&agg);
	gobin_close(bin);
	free(command_path);
	free((char *)rep.exe);
	if (pidfd >= 0)
		close(pidfd);
	if (out_fd >= 0)
		close(out_fd);
	return exit_code;
}

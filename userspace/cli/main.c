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
#include "aggregate/heap_profile.h"
#include "aggregate/live.h"
#include "aggregate/sampled.h"
#include "aggregate/sizeclass.h"
#include "binary/buildinfo.h"
#include "binary/dwarf_layout.h"
#include "probes/events.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"
#include "cli/go_images.h"
#include "cli/launch.h"
#include "probes/budget.h"
#include "cli/target_watch.h"
#include "probes/memtrace.h"
#include "outputs/interval.h"
#include "outputs/metrics_server.h"
#include "outputs/output_set.h"
#include "probes/probe_plan.h"
#include "outputs/report.h"
#include "aggregate/sites.h"
#include "aggregate/symbolize.h"
#include "probes/target_code.h"
#include "target/memprof.h"
#include "target/target_maps.h"

#define EXIT_BAD_INPUT 2
/* The default mode's periods: the budget's check, and reads of the
 * runtime's counters. */
#define BUDGET_TICK_NS 20000000ULL
#define BUDGET_TICK_ON_NS 2000000ULL
#define READ_TICK_NS 100000000ULL
#define PROFILE_TICK_NS 250000000ULL
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
	bool large_alloc_given;	/* --large-alloc on the command line */
	double budget;		/* fraction of the target's CPU */
	int64_t runtime_sampling; /* --enable-runtime-sampling: MemProfileRate */
	double interval;		/* -i: seconds, 0 off */
	const char *metrics;		/* --metrics ADDR as given, NULL off */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
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
"    gomemtrace -p 1234 -i 5 -q      # a health row every 5 s, no final report\n"
"    gomemtrace -p 1234 --metrics :9464  # Prometheus: 127.0.0.1:9464/metrics\n"
"    gomemtrace --repair -p 1234     # remove breakpoints an earlier tracer left\n";

#define OPT_REPAIR 1000

enum { OPT_STACK_STORAGE = 0x100, OPT_MAX_STACKS, OPT_BUDGET, OPT_RUNTIME_SAMPLING,
       OPT_METRICS, OPT_LARGE_ALLOC };

/* runtime.MemProfileRate's default, and --enable-runtime-sampling's. */
#define GO_DEFAULT_MEM_PROFILE_RATE (512 * 1024)

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
	  "default mode those over 32 KiB while its samples are on (when the runtime's "
	  "heap profile has the sites, only if this option is given: it adds a probe "
	  "on large allocations)", 0 },
	{ "mode", 'm', "MODE", 0,
	  "default: the runtime's own counters and heap profile, or samples (one "
	  "probe hit per span refill and per large allocation) within "
	  "--overhead-budget; exact: every allocation with its stack, at ~1 us each "
	  "(for short windows)", 0 },
	{ "overhead-budget", OPT_BUDGET, "PERCENT", 0,
	  "Default mode: keep the probes' cost under PERCENT of the target's own CPU "
	  "time (default 1), taking the frequent probes off for a while when over; "
	  "100: never", 0 },
	{ "enable-runtime-sampling", OPT_RUNTIME_SAMPLING, "BYTES", OPTION_ARG_OPTIONAL,
	  "Default mode, a program whose runtime samples nothing (built without "
	  "runtime/pprof): WRITE its runtime.MemProfileRate (default 524288, the "
	  "runtime's own default) so that its runtime keeps its heap profile, giving "
	  "live bytes per site; the old value is written back when the trace ends. "
	  "The only option that writes into the target", 0 },
	{ "top", 't', "N", 0, "Sites and cycles listed in the text report (default 10)", 0 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0,
	  "Distinct stacks kept per table (default 65536): bounds the tracer's "
	  "memory; past it, new stacks keep their 8 innermost frames, marked "
	  "[folded stacks], and are counted", 0 },
	{ "stack-storage-size", OPT_STACK_STORAGE, "N", 0,
	  "Distinct allocation stacks counted in the kernel (default 16384); "
	  "allocations beyond it are sent to user space, not lost", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "Every SECONDS, a row on stdout: allocation rate, GC cycles a minute, GC "
	  "CPU fraction, live heap and goal, stack growths, lost events, and health "
	  "flags (see README)", 0 },
	{ "metrics", OPT_METRICS, "ADDR", 0,
	  "While tracing, serve Prometheus metrics at http://ADDR/metrics; ADDR is "
	  "HOST:PORT, [IPV6]:PORT, or :PORT or PORT for 127.0.0.1 (default: off)", 0 },
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
	case OPT_RUNTIME_SAMPLING:
		env.runtime_sampling = arg ? parse_long(arg, "--enable-runtime-sampling", 1,
							  1L << 40)
					   : GO_DEFAULT_MEM_PROFILE_RATE;
		break;
	case OPT_MAX_STACKS:
		env.max_stacks = parse_long(arg, "--max-stacks", 16, 1L << 26);
		break;
	case OPT_LARGE_ALLOC:
		env.large_alloc = parse_long(arg, "--large-alloc", 1, LONG_MAX);
		env.large_alloc_given = true;
		break;
	case OPT_STACK_STORAGE:
		env.stack_storage = parse_long(arg, "--stack-storage-size", 1, 1 << 22);
		break;
	case 't':
		env.top = parse_long(arg, "--top", 0, INT_MAX);
		break;
	case 'i':
		errno = 0;
		env.interval = strtod(arg, &end);
		if (errno || end == arg || *end || !(env.interval >= 0.1) || env.interval > 1e6)
			die_input("invalid interval: '%s' (seconds, 0.1 or more)", arg);
		break;
	case OPT_METRICS: {
		char why[256];

		if (metrics_addr_parse(arg, &env.metrics_addr, &env.metrics_addr_len, why,
				       sizeof(why)))
			die_input("%s", why);
		env.metrics = arg;
		break;
	}
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
		if (env.runtime_sampling && !strcmp(env.mode, "exact"))
			die_input("--enable-runtime-sampling is for the default mode, not "
				  "--mode exact");
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

/* choose_layout's failure: the reason in why, NULL. */
static const struct go_layout * __attribute__((format(printf, 3, 4)))
no_layout(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return NULL;
}

/*
 * The runtime's data layout: from the binary's own DWARF when it has some (its
 * truth, also for Go versions the built-in table lacks), else the table's row
 * for its Go version and the GOEXPERIMENTs it was built with (greenteagc
 * moves work.cycles). exe is read, shown is named in messages. NULL when
 * there is none, with why (bad input before the trace; after an exec, the
 * reason the new image is not followed).
 */
/*
 * A GOEXPERIMENT the binary lists that its Go version's internal/goexperiment
 * does not have, as far as gomemtrace knows (a development toolchain's):
 * said on stderr, since the sizes and probe points assume it changes no
 * allocation; its layout needs the binary's DWARF (no row has it).
 */
static void warn_unknown_experiments(const char *shown, const struct gobin *bin)
{
	const char *x = gobin_go_experiments(bin);
	int minor = gobin_go_minor(bin);

	while (x && *x && *x != ' ') {
		size_t len = strcspn(x, ", ");

		if (!buildinfo_experiment_known(minor, x, len))
			fprintf(stderr, "gomemtrace: warning: %s: built with GOEXPERIMENT=%.*s, "
				"which go%d.%d does not have as far as gomemtrace knows: its "
				"allocations are counted as if it changed none\n", shown, (int)len,
				x, minor / 100, minor % 100);
		x += len;
		if (*x == ',')
			x++;
	}
}

static const struct go_layout *choose_layout(const char *exe, const char *shown,
					     const struct gobin *bin, char *why, size_t whylen)
{
	static struct go_layout from_dwarf;
	int minor = gobin_go_minor(bin);
	const char *experiments = gobin_go_experiments(bin);
	const struct go_layout *row = go_layout_find_experiments(minor, experiments);
	const struct go_layout_field *f;
	char err[256];
	int ret;

	if (minor < 119)
		return no_layout(why, whylen, "%s: unsupported Go version %s (gomemtrace needs "
				 "go1.19 or later)", shown,
				 gobin_go_version(bin) ? gobin_go_version(bin) : "unknown");
	ret = dwarf_layout_read(exe, minor, &from_dwarf, err, sizeof(err));
	if (!ret) {
		warn_unknown_experiments(shown, bin);
		f = row ? dwarf_layout_diff(&from_dwarf, row) : NULL;
		if (f)
			fprintf(stderr, "gomemtrace: warning: %s: runtime layout field %s is %u "
				"in its DWARF, %u in the built-in go%d.%d layout; using DWARF\n",
				shown, f->name, go_layout_field_value(&from_dwarf, f),
				go_layout_field_value(row, f), minor / 100, minor % 100);
		return &from_dwarf;
	}
	if (!row && experiments && go_layout_find(minor))
		return no_layout(why, whylen, "%s: built with GOEXPERIMENT=%s: no built-in "
				 "go%d.%d layout for it and %s%s: the runtime's layout may differ "
				 "from the default one", shown, experiments, minor / 100,
				 minor % 100,
				 ret == -ENODATA ? "no DWARF" : "DWARF unreadable: ",
				 ret == -ENODATA ? "" : err);
	if (!row && ret == -ENODATA)
		return no_layout(why, whylen, "%s: unsupported Go version go%d.%d (no DWARF and "
				 "no built-in layout)", shown, minor / 100, minor % 100);
	if (!row)
		return no_layout(why, whylen, "%s: unsupported Go version go%d.%d (no built-in "
				 "layout; DWARF: %s)", shown, minor / 100, minor % 100, err);
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
	mopts.arena_chunk_bytes = GO_ARENA_CHUNK_PROFILE_BYTES; /* nothing is recorded */
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

/* Live bytes by site: the allocation table's in-use counts, folded into
 * sites as the allocations are. */
static int inuse_sites(const struct stack_table *allocs, struct symbolizer *sym,
		       struct site_list *out)
{
	struct stack_table t = {};
	int ret = 0;

	for (size_t i = 0; i < allocs->len && !ret; i++) {
		const struct stack_count *e = &allocs->entries[i];

		if (e->inuse_count)
			ret = stack_table_add_tagged(&t, e->frames, e->nframes, 0,
						     e->inuse_count, e->inuse_bytes, NULL);
	}
	if (!ret)
		ret = sites_alloc(&t, sym, out);
	stack_table_free(&t);
	return ret;
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

/* The overhead budget's figures (probes/budget.h) into r->sampling. */
static void report_budget(struct report *r, const struct budget *b)
{
	struct report_sampling *s = &r->sampling;

	s->budget = b->fraction;
	s->trap_ns = b->trap_ns;
	s->target_cpu_ns = b->target_ns;
	s->cost_ns = b->cost_ns;
	s->probe_hits = b->hits;
	s->pauses = b->pauses;
	s->paused_ns = b->paused_ns;
	s->controller = b;
	s->error = b->error;
}

/*
 * Adds to *t what the runtime counted from the trace's start (zero: a
 * launched target, or an image after an exec) to its read *to.
 */
static void carry_truth(struct sampled_truth *t, const struct report *r, bool from_zero,
			const struct runtime_state *to)
{
	static const struct runtime_state zero;
	const struct runtime_state *from = from_zero ||
		r->runtime.start_err == RUNTIME_STATE_LAUNCHED ? &zero : &r->runtime.start;

	for (int c = 0; c < GO_NUM_SIZE_CLASSES; c++)
		t->small_objects[c] += to->allocs.small_by_class[c] -
				       from->allocs.small_by_class[c];
	t->tiny_objects += to->allocs.tiny_alloc_count - from->allocs.tiny_alloc_count;
	t->large_objects += to->allocs.large_alloc_count - from->allocs.large_alloc_count;
	t->large_bytes += to->allocs.large_alloc_bytes - from->allocs.large_alloc_bytes;
}

/*
 * The default mode's samples scaled to what the runtime counted between the
 * trace's start (zero for a launched target) and the last read of its
 * counters: the stop, or else (the target exited) the last periodic read,
 * whose later samples are dropped and counted.
 */
static int scale_samples(struct report *r, struct aggregate *agg,
			 const struct runtime_state *last, const struct budget *b,
			 const struct sampled_truth *carried, bool from_zero)
{
	static const struct runtime_state zero;
	const struct runtime_state *from = NULL, *to = NULL;
	struct report_sampling *s = &r->sampling;
	struct sampled_truth truth = {};
	int ret;

	s->present = true;
	report_budget(r, b);
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
	if (from_zero || r->runtime.start_err == RUNTIME_STATE_LAUNCHED)
		from = &zero;
	else if (!r->runtime.start_err && r->runtime.start.have_memstats)
		from = &r->runtime.start;
	if (!from || !to || !to->allocs.have_bytes ||
	    (from != &zero && !from->allocs.have_bytes)) {
		r->sources.alloc_totals = "sampled probes";
		return sampled_scale(agg, NULL, &s->result);
	}
	truth = *carried;
	carry_truth(&truth, r, from == &zero, to);
	return sampled_scale(agg, &truth, &s->result);
}

/* The target's Go plugins (cli/go_images.c). */
static struct go_images images;

/*
 * The default mode's sites when the runtime samples its own heap
 * (MemProfileRate > 0, as in every program that links runtime/pprof): its
 * heap profile, read at the start, every PROFILE_TICK_NS and at the end.
 */
struct runtime_profile {
	bool on;
	const char *why_not;		/* when off: why sampled probes instead */
	bool have_bias;
	uint64_t bias;
	struct memprof start, last;
	bool have_start, have_last;
	int64_t rate;			/* MemProfileRate at the last read */
	uint64_t last_read_ns;
	/* Launched, and the file does not say whether the linker turned the
	 * runtime's sampling off (stripped go1.19): samples until its
	 * MemProfileRate, read once it started, says. */
	bool check_rate;
	bool switched;			/* it did: samples dropped, profile read */
	/* --enable-runtime-sampling */
	bool wrote;
	int64_t old_rate;
	int write_err;
	bool restored;
};

static bool profile_bias(struct runtime_profile *rp, pid_t pid, const struct gobin *bin)
{
	if (!rp->have_bias && !target_load_bias(pid, bin, &rp->bias))
		rp->have_bias = true;
	return rp->have_bias;
}

/*
 * Where the default mode takes its sites from: the runtime's heap profile
 * when its runtime samples (or will: --enable-runtime-sampling), else
 * samples of our own. A launched program's runtime samples unless the
 * linker set runtime.disableMemoryProfiling, read from the file.
 */
static enum plan_alloc choose_alloc(struct runtime_profile *rp, const struct gobin *bin,
				    pid_t pid)
{
	struct memprof_addrs a;
	int64_t rate = 0;

	memprof_locate(bin, &a);
	if (!a.mbuckets || !a.mprof_cycle || !a.mem_profile_rate) {
		rp->why_not = "the runtime's heap profile was not found in the binary";
		return PLAN_ALLOC_SAMPLED;
	}
	if (env.runtime_sampling) {
		rp->on = true;
		return PLAN_ALLOC_NONE;
	}
	if (pid) {
		if (!profile_bias(rp, pid, bin) ||
		    memprof_rate_read(pid, rp->bias, bin, &rate)) {
			rp->why_not = "runtime.MemProfileRate could not be read";
			return PLAN_ALLOC_SAMPLED;
		}
	} else if (a.disable_memory_profiling) {
		/* The linker writes true into .data; false is a zero bool with
		 * no bytes in the file (.noptrbss). */
		const uint8_t *p = gobin_read(bin, a.disable_memory_profiling, 1);

		rate = !p || !*p ? GO_DEFAULT_MEM_PROFILE_RATE : 0;
	} else {
		rp->check_rate = true;
		rp->why_not = "whether the runtime samples is read once it started";
		return PLAN_ALLOC_SAMPLED;
	}
	if (rate <= 0) {
		rp->why_not = "the runtime samples nothing (MemProfileRate 0: built without "
			      "runtime/pprof)";
		return PLAN_ALLOC_SAMPLED;
	}
	rp->on = true;
	return PLAN_ALLOC_NONE;
}

/* One read of the heap profile (and of MemProfileRate) into rp->last;
 * with --enable-runtime-sampling, first turns the runtime's sampling on if
 * it is off (a launched program's runtime turns it off as it starts). */
static void profile_read(struct runtime_profile *rp, pid_t pid, const struct gobin *bin,
			 const struct go_layout *layout, uint64_t now_ns)
{
	struct memprof p;
	int64_t rate;

	rp->last_read_ns = now_ns;
	if (!profile_bias(rp, pid, bin) || memprof_rate_read(pid, rp->bias, bin, &rate))
		return;
	if (env.runtime_sampling && !rate) {
		int64_t old;

		/* Written again if the runtime's start (schedinit) zeroed it. */
		rp->write_err = memprof_rate_write(pid, rp->bias, bin, env.runtime_sampling, &old);
		if (!rp->write_err) {
			if (!rp->wrote)
				rp->old_rate = old;
			rp->wrote = true;
			rate = env.runtime_sampling;
		}
	}
	if (memprof_read(pid, rp->bias, bin, layout, NULL, &p))
		return;
	memprof_free(&rp->last);
	rp->last = p;
	rp->have_last = true;
	rp->rate = rate;
}

/* A launched target whose runtime turned out to sample its heap: the
 * allocation probes off for good, their samples dropped, its profile read
 * from now on. Returns whether it switched. */
static bool switch_to_profile(struct runtime_profile *rp, struct memtrace *mt,
			      struct budget *b, struct aggregate *agg, pid_t pid,
			      const struct gobin *bin)
{
	/* timeline.json's large allocations stay (agg->large_timeline_only). */
	const unsigned int alloc_roles = (1u << PROBE_REFILL) |
					 (env.large_alloc_given && agg->large_alloc_bytes ?
					  0 : 1u << PROBE_LARGE);
	int64_t rate;

	if (!profile_bias(rp, pid, bin) || memprof_rate_read(pid, rp->bias, bin, &rate))
		return false;
	rp->check_rate = false;
	if (rate <= 0) {
		rp->why_not = "the runtime samples nothing (MemProfileRate 0)";
		return false;
	}
	b->roles &= ~alloc_roles;
	memtrace_pause(mt, alloc_roles);
	go_images_pause(&images, alloc_roles);
	aggregate_discard_samples(agg);
	agg->large_timeline_only = true;
	rp->on = rp->switched = true;
	return true;
}

/* --enable-runtime-sampling: the old MemProfileRate back, checked by
 * reading it again. */
static void profile_restore(struct runtime_profile *rp, pid_t pid, const struct gobin *bin)
{
	int64_t cur, now;

	if (!rp->wrote)
		return;
	if (!memprof_rate_write(pid, rp->bias, bin, rp->old_rate, &cur) &&
	    !memprof_rate_read(pid, rp->bias, bin, &now) && now == rp->old_rate)
		rp->restored = true;
	if (!rp->restored)
		fprintf(stderr, "gomemtrace: could not write runtime.MemProfileRate %lld back "
			"into pid %d\n", (long long)rp->old_rate, (int)pid);
}

/* Sites from the runtime's heap profile: between the start's read and the
 * last one; totals from the runtime's counters when read. */
static int profile_sites(struct report *r, struct aggregate *agg, struct runtime_profile *rp,
			 const struct runtime_state *last, int minor)
{
	static const struct runtime_state zero;
	const struct runtime_state *from = NULL, *to = NULL;
	struct heap_profile_totals tot;
	int ret;

	ret = heap_profile_merge(agg, minor, rp->rate, rp->have_start ? &rp->start : NULL,
				 rp->have_last ? &rp->last : NULL, &tot);
	if (ret)
		return ret;
	r->inuse = true;
	r->mem_profile_rate = rp->rate;
	r->inuse_objects = tot.inuse_objects;
	r->inuse_bytes = tot.inuse_bytes;
	r->runtime_sampling.wrote = rp->wrote;
	r->runtime_sampling.rate = env.runtime_sampling;
	r->runtime_sampling.old_rate = rp->old_rate;
	r->runtime_sampling.restored = rp->restored;
	r->runtime_sampling.write_err = rp->write_err;
	r->profile_samples = tot.sampled_allocs;
	r->profile_records = tot.records;
	r->profile_switched = rp->switched;
	if (!r->runtime.stop_err && r->runtime.stop.have_memstats)
		to = &r->runtime.stop;
	else if (last && last->have_memstats)
		to = last;
	if (r->runtime.start_err == RUNTIME_STATE_LAUNCHED)
		from = &zero;
	else if (!r->runtime.start_err && r->runtime.start.have_memstats)
		from = &r->runtime.start;
	if (from && to) {
		agg->alloc_objects = to->allocs.mallocs - from->allocs.mallocs;
		agg->alloc_bytes = to->allocs.total_alloc - from->allocs.total_alloc;
		agg->tiny_objects = to->allocs.tiny_alloc_count - from->allocs.tiny_alloc_count;
	} else {
		r->sources.alloc_totals = "runtime heap profile";
		agg->alloc_objects = tot.alloc_objects;
		agg->alloc_bytes = tot.alloc_bytes;
	}
	return 0;
}

/*
 * What runs beside the trace: --metrics, the -i table and the progress line
 * on a terminal, all from live samples (aggregate/live.h) taken here on the
 * main loop, which the metrics server thread only copies.
 */
#define METRICS_REFRESH_NS 250000000ULL
#define PROGRESS_AFTER_NS 2000000000ULL	/* a trace this long gets a progress line */
#define PROGRESS_EVERY_NS 1000000000ULL

struct live_ui {
	struct live_source src;
	struct metrics_server *server;
	uint64_t interval_ns;		/* 0: no table */
	bool progress;			/* stderr is a terminal */
	bool progress_shown;
	uint64_t start_ns;
	uint64_t next_metrics_ns, next_row_ns, next_progress_ns;
	struct interval_table table;
};

static bool live_ui_on(const struct live_ui *ui)
{
	return ui->server || ui->interval_ns || ui->progress;
}

static void progress_clear(struct live_ui *ui)
{
	if (ui->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		ui->progress_shown = false;
	}
}

/* The first sample: the table's starting point, the first /metrics.
 * Returns 0 or -ENOMEM. */
static int live_ui_begin(struct live_ui *ui)
{
	struct live_sample s;
	int ret;

	live_take(&ui->src, &s);
	metrics_server_update(ui->server, &s);
	ui->start_ns = s.mono_ns;
	ui->next_metrics_ns = s.mono_ns + METRICS_REFRESH_NS;
	ui->next_row_ns = s.mono_ns + ui->interval_ns;
	ui->next_progress_ns = s.mono_ns + PROGRESS_AFTER_NS;
	if (ui->interval_ns) {
		ret = interval_table_init(&ui->table, &s, ui->interval_ns);
		if (ret)
			return ret;
		interval_print_header(stdout);
	}
	return 0;
}

/* Does what is due at now; returns when something is next due. */
static uint64_t live_ui_tick(struct live_ui *ui, uint64_t now)
{
	struct live_sample s;
	bool taken = false;
	uint64_t next = UINT64_MAX;

	if (ui->interval_ns && now >= ui->next_row_ns) {
		struct interval_row row;

		live_take(&ui->src, &s);
		taken = true;
		interval_table_next(&ui->table, &s, &row);
		if (ui->progress_shown) {
			progress_clear(ui);
			ui->next_progress_ns = now;	/* redrawn below */
		}
		interval_print_row(stdout, &row);
		while (ui->next_row_ns <= now)	/* a late row does not bunch up */
			ui->next_row_ns += ui->interval_ns;
	}
	if (ui->server && (taken || now >= ui->next_metrics_ns)) {
		if (!taken)
			live_take(&ui->src, &s);
		taken = true;
		metrics_server_update(ui->server, &s);
		ui->next_metrics_ns = now + METRICS_REFRESH_NS;
	}
	if (ui->progress && now >= ui->next_progress_ns) {
		if (!taken)
			live_take(&ui->src, &s);
		fprintf(stderr, "\r\033[Ktracing pid %d: %.0f s, %llu allocation probe hits",
			(int)ui->src.pid, (now - ui->start_ns) / 1e9,
			(unsigned long long)s.counters[COUNTER_ALLOC_HITS]);
		if (!s.runtime_err && s.rt.have_memstats)
			fprintf(stderr, ", %u GC cycles", s.rt.numgc);
		fprintf(stderr, ", %llu lost events", (unsigned long long)s.lost_events);
		fflush(stderr);
		ui->progress_shown = true;
		ui->next_progress_ns = now + PROGRESS_EVERY_NS;
	}
	if (ui->interval_ns && ui->next_row_ns < next)
		next = ui->next_row_ns;
	if (ui->server && ui->next_metrics_ns < next)
		next = ui->next_metrics_ns;
	if (ui->progress && ui->next_progress_ns < next)
		next = ui->next_progress_ns;
	return next;
}

/* The file process pid runs, as /proc/PID/exe names it; malloc'ed, NULL
 * when unreadable. */
static char *exe_of(pid_t pid)
{
	char exe[64], path[PATH_MAX];
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	n = readlink(exe, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	return strdup(path);
}

/*
 * The target's images before its last exec (report_exec): each keeps its
 * probe set (stopped, for its counters), binary, layout and load bias until
 * the outputs are written; the current image is main's mt, bin, layout.
 */
struct past_image {
	struct memtrace *mt;
	struct gobin *bin;
	struct go_layout layout;
	uint64_t bias;
};

static struct past_image past[REPORT_MAX_EXECS];
static int npast;

/* The ring buffer's records: plugin.open calls to images, the rest to the
 * aggregate (ctx). */
static int trace_events(void *ctx, void *data, size_t len)
{
	const struct event_header *hdr = data;

	if (len >= sizeof(*hdr) && hdr->type == EVENT_IMAGE_OPEN) {
		if (len < sizeof(struct image_open_event))
			return events_handle(ctx, data, len);	/* counted bad */
		return go_images_note_open(&images, data);
	}
	return events_handle(ctx, data, len);
}

/* What a plugin's probe set takes from the host image's. */
static struct go_images_host images_host(pid_t pid, const struct gobin *bin,
					 const struct go_layout *layout,
					 const struct probe_plan *plan, struct memtrace *mt,
					 bool exact, bool profile_switched)
{
	struct go_images_host h = { .pid = pid, .bin = bin, .layout = layout, .plan = plan,
				    .alloc = plan->alloc, .mt = mt, .image = npast,
				    .stack_storage = env.stack_storage, .verbose = env.verbose };

	/* The host's samples are off for good: the runtime's heap profile
	 * has the sites (switch_to_profile). */
	if (profile_switched)
		h.alloc = PLAN_ALLOC_NONE;

	if (exact && env.output_dir)
		h.large_alloc_bytes = env.large_alloc;
	if (!memtrace_load_bias(mt, &h.bias) && target_load_bias(pid, bin, &h.bias))
		h.bias = 0;
	return h;
}

static bool plan_has_role(const struct probe_plan *plan, enum probe_role role)
{
	for (int i = 0; i < plan->n; i++)
		if (plan->points[i].role == role)
			return true;
	return false;
}

/* The guard of a probe set with the plugin.open probe, which stops the
 * target: a dead tracer must not leave it stopped (go_images_guard). */
/* Whether the trace's probe sets stop the target at an exec
 * (memtrace_opts.stop_at_exec): then a guard watches every set. */
static bool stop_at_exec_on;

static void guard_image_opens(pid_t pid, const struct probe_plan *plan, const struct memtrace *mt)
{
	int ret = 0;

	if (plan_has_role(plan, PROBE_IMAGE_OPEN) || stop_at_exec_on)
		ret = go_images_guard(&images, pid, mt);
	else
		go_images_unguard(&images);
	if (ret)
		fprintf(stderr, "gomemtrace: warning: no guard for the probes' stops (%s): "
			"killed while one holds pid %d, gomemtrace would leave it stopped\n",
			strerror(-ret), (int)pid);
}

/* A plan's probe on plugin.open, when the binary has it: where a Go
 * plugin's probes are put on before it is mapped. */
static void plan_image_open(const struct gobin *bin, struct probe_plan *plan, const char *shown)
{
	char err[256];
	int ret = probe_plan_add_image_open(bin, plan, err, sizeof(err));

	if (ret == -E2BIG)
		fprintf(stderr, "gomemtrace: warning: %s: no room for the probe on plugin.open: "
			"Go plugins it opens are not probed\n", shown);
	else if (ret && ret != -ENOENT)
		fprintf(stderr, "gomemtrace: warning: %s: plugin.open: %s: Go plugins it opens "
			"are not probed\n", shown, err);
}

/*
 * The target exec'd (memtrace_exec): its new image (the same file
 * at another load bias, or another binary) planned and probed as the first
 * was, then the old image's probe set drained into agg under its own image
 * tag. The new set is attached for the new image's task: the old one's links
 * name the task that was the process leader at their attach, gone when
 * another thread exec'd (de_thread), and a new file is another inode.
 * b: the default mode's budget, carried over. Returns true when the trace
 * goes on in the new image; false with
 * x->why_not set (recording ended at the exec; *mt is left to the normal
 * stop, which drains it).
 */
static bool follow_exec(struct report_exec *x, pid_t pid, struct memtrace **mt,
			struct gobin **bin, const struct go_layout **layout,
			struct probe_plan *plan, struct aggregate *agg, struct budget *b)
{
	/* Per image: its probe set keeps pointers to them. */
	static struct memtrace_opts opts[REPORT_MAX_EXECS];
	static struct probe_plan plans[REPORT_MAX_EXECS];
	static char exes[REPORT_MAX_EXECS][64];
	struct probe_plan *new_plan;
	struct alloc_reader rd = { .agg = agg };
	struct memtrace *nmt = NULL;
	struct gobin *nbin = NULL;
	const struct go_layout *nlayout;
	struct go_layout old_layout = **layout;
	char *exe, err[512];
	uint64_t bias = 0;
	int ret;

	if (npast >= REPORT_MAX_EXECS) {
		x->why_not = "too many execs (images) in one trace";
		return false;
	}
	exe = exes[npast];
	new_plan = &plans[npast];
	snprintf(exe, sizeof(exes[0]), "/proc/%d/exe", (int)pid);
	ret = gobin_open(exe, &nbin, err, sizeof(err));
	if (ret) {
		x->why_not = "the new image is not a Go binary gomemtrace reads";
		goto fail;
	}
	/* choose_layout may keep its result in static storage: the old
	 * image's copy is taken above. */
	nlayout = choose_layout(exe, x->to ? x->to : exe, nbin, err, sizeof(err));
	if (!nlayout) {
		fprintf(stderr, "gomemtrace: after the exec: %s\n", err);
		x->why_not = "no runtime layout for the new image";
		goto fail;
	}
	/* The same kind of plan as the old image's (exact, or samples). */
	ret = probe_plan_build_alloc(nbin, nlayout, plan->alloc, new_plan, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gomemtrace: after the exec: %s\n", err);
		x->why_not = "no probe plan for the new image";
		goto fail;
	}
	plan_image_open(nbin, new_plan, x->to ? x->to : exe);
	opts[npast] = (struct memtrace_opts){ .binary = exe, .pid = pid,
					      .max_stacks = env.stack_storage,
					      .max_alloc_keys = env.stack_storage * 4,
					      .stop_at_exec = stop_at_exec_on };
	opts[npast].arena_chunk_bytes = go_arena_chunk_bytes(
		gobin_go_minor(nbin), gobin_build_modes(nbin),
		go_alloc_experiments(nbin, gobin_go_minor(nbin)));
	/* Events of the new set are consumed only after the old set's drain
	 * below, under the new image's tag. */
	ret = memtrace_start(&nmt, new_plan, nlayout, &opts[npast], trace_events, agg, err,
			     sizeof(err));
	if (ret) {
		fprintf(stderr, "gomemtrace: after the exec: %s\n", err);
		x->why_not = "the new image's probes could not be attached";
		goto fail;
	}
	x->attach_ns = memtrace_begin(nmt);
	/* The new image's probes are on: it may run (its first instruction
	 * yet to come, if the exec stopped it). */
	go_images_exec_continue(&images, pid, *mt);
	if (b)
		budget_switch(b, *mt, nmt, x->attach_ns);
	if (!target_load_bias(pid, nbin, &bias))
		x->to_bias = bias;

	/* The old image: its plugins' probe sets (stopped at the exec too),
	 * then what its ring buffer and maps hold, under its tag. */
	go_images_drain(&images, npast, agg, pid);
	ret = memtrace_stop(*mt);
	if (ret >= 0) {
		rd.bin = *bin;
		rd.load_bias = x->from_bias;
		rd.type_ptrdata = old_layout.type_ptrdata;
		ret = memtrace_alloc_counts(*mt, events_alloc_count, &rd);
	}
	if (ret < 0)
		fprintf(stderr, "gomemtrace: draining the image before the exec: %s\n",
			strerror(-ret));
	x->objects_before = agg->alloc_objects;
	past[npast++] = (struct past_image){ .mt = *mt, .bin = *bin, .layout = old_layout,
					      .bias = x->from_bias };
	agg->image_tag = (uint64_t)npast << IMAGE_SHIFT;
	agg->go_minor = gobin_go_minor(nbin);
	agg->build_modes = gobin_build_modes(nbin);
	agg->experiments = go_alloc_experiments(nbin, gobin_go_minor(nbin));
	*mt = nmt;
	*bin = nbin;
	*layout = nlayout;
	*plan = *new_plan;
	x->followed = true;
	guard_image_opens(pid, plan, nmt);
	return true;

fail:
	memtrace_close(nmt);
	gobin_close(nbin);
	return false;
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
 * CLOCK_MONOTONIC of the read. 0 or a negative errno (the target gone, a
 * figure unknown, or an exec of the target came before the read ended: the
 * memory read is another image's; nothing recorded).
 */
static int read_heap(pid_t pid, const struct gobin *bin, const struct go_layout *layout,
		     const struct memtrace *mt, struct aggregate *agg)
{
	struct runtime_state now;
	uint64_t ts;
	uint32_t tid;
	int ret = runtime_state_snapshot(pid, bin, layout, &now);

	if (ret)
		return ret;
	if (memtrace_exec(mt, &ts, &tid, NULL, 0))
		return -ESRCH;
	record_heap(agg, &now, clock_ns(CLOCK_MONOTONIC));
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
	int ret, exit_code = 1, out_fd = -1;
	struct runtime_state last_state;
	bool exact, sampled, have_last_state = false;
	int64_t trap_ns = 0;
	struct budget budget = { .stats_fd = -1 };
	struct runtime_profile rprof = {};
	struct live_ui ui = {};
	/* How the target ends (cli/target_watch.c). */
	struct target_watch watch = { .child = -1, .pidfd = -1 };
	bool stopped_at_exec = false;
	/* Default mode across execs: the runtime's counts of the images
	 * before (each from its start, or the trace's, to its last read), and
	 * the samples dropped at an exec (after that read). */
	struct sampled_truth carried = {};
	bool past_from_zero = false;
	uint64_t exec_discarded = 0;

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
	layout = choose_layout(exe, rep.exe, bin, err, sizeof(err));
	if (!layout)
		die_input("%s", err);
	exact = !strcmp(env.mode, "exact");
	if (env.repair) {
		/* Every point either mode may have used. */
		ret = probe_plan_build_alloc(bin, layout, PLAN_ALLOC_CANDIDATES, &plan, err,
					     sizeof(err));
	} else {
		enum plan_alloc alloc = exact ? PLAN_ALLOC_EXACT : choose_alloc(&rprof, bin, env.pid);

		/* The runtime's profile has the sites, and no allocation
		 * probe is attached; timeline.json's large allocations need
		 * one, on (*mcache).allocLarge, if asked for. */
		if (alloc == PLAN_ALLOC_NONE && env.output_dir && env.large_alloc_given)
			alloc = PLAN_ALLOC_LARGE;
		ret = probe_plan_build_alloc(bin, layout, alloc, &plan, err, sizeof(err));
	}
	if (ret)
		die_input("%s: %s", rep.exe, err);
	/* --repair too: an int3 a killed tracer left there. */
	plan_image_open(bin, &plan, rep.exe);
	if (env.verbose)
		print_plan(&plan, rep.exe);
	aggregate_init(&agg, gobin_go_minor(bin));
	agg.build_modes = gobin_build_modes(bin);
	agg.experiments = go_alloc_experiments(bin, gobin_go_minor(bin));
	agg.max_stacks = env.max_stacks;
	if (env.output_dir)
		agg.large_alloc_bytes = env.large_alloc;
	agg.large_timeline_only = plan.alloc == PLAN_ALLOC_LARGE;
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
	/* A busy port is bad input too, found before anything is attached
	 * (and before a command is started). */
	if (env.metrics) {
		char shown[128];

		ret = metrics_server_start(&ui.server, &env.metrics_addr, env.metrics_addr_len,
					   err, sizeof(err));
		if (ret)
			die_input("%s", err);
		metrics_server_address(ui.server, shown, sizeof(shown));
		fprintf(stderr, "Serving metrics at http://%s/metrics\n", shown);
	}
	ui.interval_ns = (uint64_t)(env.interval * 1e9);
	ui.progress = isatty(STDERR_FILENO);

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
	target_watch_start(&watch, rep.pid, env.command != NULL);
	mopts.binary = exe;
	mopts.pid = rep.pid;
	/* Several sizes per stack, as a rule. */
	mopts.max_stacks = env.stack_storage;
	mopts.max_alloc_keys = env.stack_storage * 4;
	/* A launched child's exec of the program is where its trace starts. */
	mopts.skip_execs = env.command ? 1 : 0;
	/* An exec this trace follows stops the target until the new image's
	 * probes are on (follow_exec): its runtime's start is counted too. */
	mopts.stop_at_exec = exact || plan.alloc == PLAN_ALLOC_SAMPLED;
	if (exact && env.output_dir)
		mopts.large_alloc_bytes = env.large_alloc;
	mopts.arena_chunk_bytes = go_arena_chunk_bytes(agg.go_minor, agg.build_modes,
						       agg.experiments);
	stop_at_exec_on = mopts.stop_at_exec;
	ret = memtrace_start(&mt, &plan, layout, &mopts, trace_events, &agg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "gomemtrace: %s\n", err);
		goto cleanup;
	}
	/* Go plugins mapped already: their own runtime code, probed too,
	 * recording from the same moment as the host's. */
	if (env.pid) {
		struct go_images_host h = images_host(rep.pid, bin, layout, &plan, mt, exact,
						      false);

		go_images_scan(&images, &h);
	}
	start_ns = memtrace_begin(mt);
	go_images_begin(&images);
	guard_image_opens(rep.pid, &plan, mt);
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
	if (rprof.on && env.pid) {
		/* The baseline: the trace's allocations are what comes after. */
		profile_read(&rprof, rep.pid, bin, layout, clock_ns(CLOCK_MONOTONIC));
		if (rprof.have_last) {
			rprof.start = rprof.last;
			rprof.have_start = true;
			rprof.last = (struct memprof){};
			rprof.have_last = false;
		}
	}
	if (env.verbose && !exact)
		fprintf(stderr, "Sites from %s\n", rprof.on ? "the runtime's heap profile" :
			rprof.why_not);
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
	/* The target runs its own binary from here on (a launched one has
	 * exec'd): its runtime can be read. */
	if (live_ui_on(&ui)) {
		live_init(&ui.src, rep.pid, bin, layout, mt, &agg);
		ret = live_ui_begin(&ui);
		if (ret) {
			fprintf(stderr, "gomemtrace: %s\n", strerror(-ret));
			goto cleanup;
		}
	}

	while (!exiting) {
		/* While the refill probes are on, the budget looks often: a
		 * spell over it lasts a few ms, not a whole period. Else (no
		 * allocation probe: stack growth and GC only, or paused) every
		 * 20 ms: each look costs the tracer ~30 us, which a saturated
		 * host takes from the target. */
		uint64_t tick_ns = sampled && !budget.paused ? BUDGET_TICK_ON_NS : BUDGET_TICK_NS;
		uint64_t now_ns = clock_ns(CLOCK_MONOTONIC), due = UINT64_MAX;
		int timeout_ms = exact ? 100 : (int)(tick_ns / 1000000);
		char exec_name[256];
		uint64_t exec_ts;
		uint32_t exec_tid;

		if (deadline_ns) {
			if (now_ns >= deadline_ns)
				break;
			due = deadline_ns;
		}
		if (live_ui_on(&ui)) {
			uint64_t next = live_ui_tick(&ui, now_ns);

			now_ns = clock_ns(CLOCK_MONOTONIC);
			if (next < due)
				due = next;
		}
		if (due <= now_ns)
			timeout_ms = 0;
		else if (due - now_ns < (uint64_t)timeout_ms * 1000000ULL)
			timeout_ms = (due - now_ns + 999999) / 1000000;
		ret = memtrace_poll(mt, timeout_ms);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "gomemtrace: reading events: %s\n", strerror(-ret));
			goto cleanup;
		}
		/* A plugin.open stopped the target: its plugin probed, the
		 * target continued. */
		if (images.npending || images.pending_lost) {
			struct go_images_host h = images_host(rep.pid, bin, layout, &plan, mt,
							      exact, rprof.switched);

			go_images_open_pending(&images, &h);
		}
		go_images_check_lost(&images, rep.pid);
		/* A plugin's PCs can show up in the host's stacks (the runtime's
		 * heap profile records) before its own probes fire. */
		if (go_images_need_bias(&images))
			go_images_refresh_bias(&images, rep.pid);
		/* Recording stopped at the exec, in the kernel: before anything
		 * reads the target's memory with the old image's addresses. */
		if (memtrace_exec(mt, &exec_ts, &exec_tid, exec_name, sizeof(exec_name))) {
			struct report_exec *x = &rep.execs[rep.nexecs];

			*x = (struct report_exec){ .ts = exec_ts, .tid = exec_tid };
			x->from = rep.nexecs ? rep.execs[rep.nexecs - 1].to : rep.exe;
			rep.nexecs++;
			memtrace_load_bias(mt, &x->from_bias);
			/* The file itself; else (gone already) the name exec
			 * was given. */
			x->to = exe_of(rep.pid);
			if (!x->to)
				x->to = strdup(exec_name);
			if (!exact && (!sampled || rprof.check_rate))
				x->why_not = "the default mode follows an exec only with sites "
					     "from samples, not from the runtime's heap profile "
					     "(--mode exact follows it)";
			else if (!exact && (!have_last_state ||
					    (rep.runtime.start_err && !past_from_zero &&
					     rep.runtime.start_err != RUNTIME_STATE_LAUNCHED)))
				x->why_not = "the runtime's counters were not read before the exec";
			else if (follow_exec(x, rep.pid, &mt, &bin, &layout, &plan, &agg,
					     exact ? NULL : &budget)) {
				watch.followed_exec = true;
				if (live_ui_on(&ui))
					live_exec(&ui.src, bin, layout, mt);
			}
			if (x->followed && !exact) {
				/* The old image's samples count up to its last read;
				 * the new one's counters start at 0. */
				exec_discarded += aggregate_discard_samples(&agg);
				carry_truth(&carried, &rep, past_from_zero, &last_state);
				past_from_zero = true;
				have_last_state = false;
			}
			if (!x->followed) {
				/* Not followed: the new image runs untraced. */
				go_images_exec_continue(&images, rep.pid, mt);
				fprintf(stderr, "gomemtrace: pid %d exec'd %s: %s; recording "
					"stopped at the exec: the report covers the trace "
					"up to it\n", (int)rep.pid, x->to ? x->to : "?",
					x->why_not);
				stopped_at_exec = true;
				break;
			}
			fprintf(stderr, "gomemtrace: pid %d exec'd %s (thread %u): following it, "
				"%d probes attached\n", (int)rep.pid, x->to ? x->to : "?", exec_tid,
				memtrace_attached(mt));
			/* The start's code scan was of the old image. */
			rep.code_before = NULL;
			continue;
		}
		if (!exact && clock_ns(CLOCK_MONOTONIC) - last_tick_ns >= tick_ns) {
			last_tick_ns = clock_ns(CLOCK_MONOTONIC);
			budget_tick(&budget, mt, last_tick_ns);
		}
		if (rprof.on && clock_ns(CLOCK_MONOTONIC) - rprof.last_read_ns >= PROFILE_TICK_NS)
			profile_read(&rprof, rep.pid, bin, layout, clock_ns(CLOCK_MONOTONIC));
		/* MemProfileRate once the runtime's start set it (schedinit). */
		if (rprof.check_rate && clock_ns(CLOCK_MONOTONIC) - start_ns >= READ_TICK_NS &&
		    switch_to_profile(&rprof, mt, &budget, &agg, rep.pid, bin))
			sampled = false;
		if ((sampled || rprof.on) &&
		    clock_ns(CLOCK_MONOTONIC) - last_read_ns >= READ_TICK_NS) {
			struct runtime_state now;

			last_read_ns = clock_ns(CLOCK_MONOTONIC);
			/* Samples count once the runtime's counters were read
			 * after them: what a target that exits leaves. */
			/* A read an exec came before the end of is of the
			 * new image (or of nothing): not this image's. */
			if (memtrace_consume(mt) >= 0 &&
			    !runtime_state_snapshot(rep.pid, bin, layout, &now) &&
			    now.have_memstats && !memtrace_exec(mt, &exec_ts, &exec_tid, NULL, 0)) {
				if (env.output_dir)
					record_heap(&agg, &now, last_read_ns);
				last_heap_ns = last_read_ns;
				last_state = now;
				have_last_state = true;
				target_watch_note(&watch, &now, last_read_ns);
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
				last_gc_end = gc_end;
				last_heap_ns = clock_ns(CLOCK_MONOTONIC);
				read_heap(rep.pid, bin, layout, mt, &agg);
			}
		}
		if (deadline_ns && clock_ns(CLOCK_MONOTONIC) >= deadline_ns)
			break;
		target_watch_tick(&watch, bin, layout, clock_ns(CLOCK_MONOTONIC));
		if (target_watch_gone(&watch)) {
			/* An exec: the check above decides, on the next turn. */
			if (memtrace_exec(mt, &exec_ts, &exec_tid, NULL, 0))
				continue;
			child.pid = -1;
			break;
		}
	}

	progress_clear(&ui);
	/* The endpoint lives while the trace does. */
	metrics_server_stop(ui.server);
	ui.server = NULL;
	rep.cost.tracer_cpu_ns = cpu_time_ns() - start_cpu_ns;
	stop_ns = memtrace_end(mt);
	/* An exec the loop did not see before the end: never left stopped. */
	go_images_exec_continue(&images, rep.pid, mt);
	go_images_end(&images);
	if (!exact)
		budget_finish(&budget, mt, stop_ns);
	/* The runtime's state where recording ended, before detaching (fails
	 * once the target exited). */
	/* After an exec not followed, the target's memory is another image's. */
	rep.runtime.stop_err = stopped_at_exec ? -ESRCH :
			       runtime_state_snapshot(rep.pid, bin, layout, &rep.runtime.stop);
	if (rprof.on && !stopped_at_exec)
		profile_read(&rprof, rep.pid, bin, layout, stop_ns);
	target_watch_finish(&watch, stop_ns, &rep.end);
	if (!rep.runtime.stop_err && env.output_dir)
		record_heap(&agg, &rep.runtime.stop, stop_ns);
	if (env.verbose) {
		const char *kind;
		int nlinks = memtrace_links(mt, &kind);

		fprintf(stderr, "Recording stopped after %.3f s; detaching %d %s links\n",
			(stop_ns - start_ns) / 1e9, nlinks, kind);
	}
	/* The plugins' sets first: their last records go into mt's ring
	 * buffer, which its stop consumes. */
	ret = go_images_drain(&images, npast, &agg, rep.pid);
	if (ret < 0)
		fprintf(stderr, "gomemtrace: draining the Go plugins' probes: %s\n",
			strerror(-ret));
	ret = memtrace_stop(mt);
	/* A plugin.open that stopped the target as recording ended. */
	if (images.npending || images.pending_lost) {
		images.npending = 0;
		images.pending_lost = 0;
		kill(rep.pid, SIGCONT);
	}
	go_images_check_lost(&images, rep.pid);
	profile_restore(&rprof, rep.pid, bin);
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
	rep.sources.alloc_probes = plan.alloc_strategy;
	if (rprof.on) {
		rep.sources.alloc_totals = "runtime counters";
		rep.sources.alloc_sites = "runtime heap profile";
		ret = profile_sites(&rep, &agg, &rprof, have_last_state ? &last_state : NULL,
				    gobin_go_minor(bin));
		if (ret) {
			fprintf(stderr, "gomemtrace: %s\n", strerror(-ret));
			goto cleanup;
		}
	}
	if (!exact && !sampled) {
		/* No samples: the budget's figures alone (stack growth and
		 * large allocation probes). */
		rep.sampling.budget_only = true;
		report_budget(&rep, &budget);
	}
	if (sampled) {
		ret = scale_samples(&rep, &agg, have_last_state ? &last_state : NULL, &budget,
				    &carried, past_from_zero);
		rep.sampling.discarded_hits += exec_discarded;
		if (ret) {
			fprintf(stderr, "gomemtrace: %s\n", strerror(-ret));
			goto cleanup;
		}
	}
	if (rep.code_before && !target_code_scan(rep.pid, &plan, &code_after)) {
		rep.code_after = &code_after;
		print_breakpoints(&plan, &code_after, "warning: after the detach");
	}
	/* An exec not followed ended recording: everything came before it. */
	if (stopped_at_exec)
		rep.execs[rep.nexecs - 1].objects_before = agg.alloc_objects;
	rep.duration_ns = stop_ns - start_ns;
	rep.plan = &plan;
	rep.start_ns = start_ns;
	rep.go_version = gobin_go_version(bin);
	if (gobin_build_modes(bin))
		rep.build_mode = gobin_build_modes_name(gobin_build_modes(bin));
	rep.mode = env.mode;
	rep.agg = &agg;
	rep.heap_read_period_ms = HEAP_READ_NS / 1000000;
	if (env.output_dir && exact)
		rep.large_alloc_source = "exact probes";
	else if (env.output_dir && (sampled || agg.large_timeline_only))
		rep.large_alloc_source = budget.pauses ?
			"large allocation samples (> 32 KiB; none while over the overhead budget)" :
			"large allocation samples (> 32 KiB)";
	rep.bin = bin;
	rep.lost_events = memtrace_lost_events(mt) + agg.bad_events + agg.memory_failures;
	rep.lost_stacks = memtrace_lost_stacks(mt);
	collect_cost(mt, &plan, &rep.cost);
	go_images_add_counters(&images, rep.cost.counters, &rep.lost_events, &rep.lost_stacks);
	for (int i = 0; i < npast; i++) {
		uint64_t c[COUNTER_MAX];

		/* The images before an exec: their probes' counts too. */
		if (!memtrace_counters(past[i].mt, c))
			for (int k = 0; k < COUNTER_MAX; k++)
				rep.cost.counters[k] += c[k];
		rep.lost_events += memtrace_lost_events(past[i].mt);
		rep.lost_stacks += memtrace_lost_stacks(past[i].mt);
	}
	/* Allocations counted without their stack (a preempted run held the
	 * CPU's scratch space): their objects count, their site is unknown. */
	rep.lost_stacks += rep.cost.counters[COUNTER_UNWALKED];
	memtrace_load_bias(mt, &rep.load_bias);
	/* Each image's stacks and types against its own binary and bias. */
	ret = 0;
	for (int i = 0; i <= npast && !ret; i++) {
		const struct gobin *b = i < npast ? past[i].bin : bin;
		const struct go_layout *l = i < npast ? &past[i].layout : layout;
		uint64_t bias = i < npast ? past[i].bias : rep.load_bias;
		struct gotype_layout tl = { .tflag = l->type_tflag, .str = l->type_str };

		ret = i ? symbolizer_add_image(rep.sym, i, b, bias) :
			  symbolizer_new(&rep.sym, b, bias);
		if (!ret)
			ret = i ? type_namer_add_image(rep.types, i, b, bias, &tl) :
				  type_namer_new(&rep.types, b, bias, &tl);
	}
	if (!ret)
		ret = go_images_add_modules(&images, rep.sym, rep.types);
	go_images_report(&images, &rep);
	/* Samples do not see the type (a refill is not an allocation call). */
	if (!ret && !sampled && !rprof.on)
		ret = alloc_types(&agg.allocs, rep.types, &rep.alloc_types);
	if (!ret && rprof.on)
		ret = inuse_sites(&agg.allocs, rep.sym, &rep.inuse_sites);
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
	progress_clear(&ui);
	metrics_server_stop(ui.server);
	interval_table_free(&ui.table);
	if (child.pid > 0 && child.go_fd >= 0)
		launch_abort(&child);
	target_watch_close(&watch);
	if (mt)
		go_images_exec_continue(&images, rep.pid, mt);
	go_images_free(&images, rep.pid);
	memtrace_close(mt);
	for (int i = 0; i < npast; i++) {
		memtrace_close(past[i].mt);
		gobin_close(past[i].bin);
	}
	for (int i = 0; i < rep.nexecs; i++)
		free((char *)rep.execs[i].to);
	site_list_free(&rep.alloc_sites);
	site_list_free(&rep.growth_sites);
	site_list_free(&rep.inuse_sites);
	memprof_free(&rprof.start);
	memprof_free(&rprof.last);
	symbolizer_free(rep.sym);
	type_list_free(&rep.alloc_types);
	type_namer_free(rep.types);
	aggregate_free(&agg);
	gobin_close(bin);
	free(command_path);
	free((char *)rep.exe);
	if (out_fd >= 0)
		close(out_fd);
	return exit_code;
}

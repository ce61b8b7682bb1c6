// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The overhead budget. The target pays for a probe hit in two parts: the
 * trap (the kernel's uprobe entry, emulating the probed instruction), and
 * the BPF program's run. The second the kernel measures for us
 * (BPF_ENABLE_STATS: run_time_ns per program); the first is measured once
 * by budget_calibrate on an instruction of the same kind. Their sum over
 * the trace, against the target's own CPU time (/proc/PID/stat), says what
 * share of the target's work the probes took; past the budget, the
 * frequent probes are detached (memtrace_pause), and attached again once
 * the target's work has brought the share back under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probes/budget.h"
#include "empty.skel.h"

/* The calibration's probe point: a frame push, as Go functions start. */
__asm__(".text\n"
	".globl gomemtrace_calibration_point\n"
	".type gomemtrace_calibration_point, @function\n"
	"gomemtrace_calibration_point:\n"
	"\tpushq %rbp\n"
	"\tmovq %rsp, %rbp\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size gomemtrace_calibration_point, .-gomemtrace_calibration_point\n");
void gomemtrace_calibration_point(void);

#define CALIBRATION_CALLS 4000
#define BUDGET_GRACE_NS 200000000ULL

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t calls_ns(void)
{
	void (*volatile fn)(void) = gomemtrace_calibration_point;
	uint64_t t0 = thread_cpu_ns();

	for (int i = 0; i < CALIBRATION_CALLS; i++)
		fn();
	return thread_cpu_ns() - t0;
}

/* File offset of addr in the executable mapping of this process. */
static int self_offset(uint64_t addr, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long lo, hi, pgoff;
	char line[512], perms[8];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx", &lo, &hi, perms, &pgoff) != 4)
			continue;
		if (addr >= lo && addr < hi && perms[2] == 'x') {
			*off = addr - lo + pgoff;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int64_t budget_calibrate(void)
{
	uint64_t off, base = UINT64_MAX, probed = UINT64_MAX;
	struct empty_bpf *skel;
	struct bpf_link *link;
	int ret;

	ret = self_offset((uint64_t)(unsigned long)gomemtrace_calibration_point, &off);
	if (ret)
		return ret;
	skel = empty_bpf__open_and_load();
	if (!skel)
		return -errno;
	link = bpf_program__attach_uprobe(skel->progs.empty, false, getpid(), "/proc/self/exe",
					  off);
	if (!link) {
		ret = -errno;
		empty_bpf__destroy(skel);
		return ret;
	}
	/* Minimums of three: noise only ever adds. */
	for (int i = 0; i < 3; i++) {
		uint64_t t = calls_ns();

		if (t < probed)
			probed = t;
	}
	bpf_link__destroy(link);
	for (int i = 0; i < 3; i++) {
		uint64_t t = calls_ns();

		if (t < base)
			base = t;
	}
	empty_bpf__destroy(skel);
	if (probed <= base)
		return 1;
	return (int64_t)((probed - base) / CALIBRATION_CALLS) ?: 1;
}

int64_t process_cpu_ns(pid_t pid)
{
	unsigned long long utime, stime;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -EINVAL;
	return (int64_t)((utime + stime) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static uint64_t total_hits(struct memtrace *mt)
{
	uint64_t c[COUNTER_MAX], n = 0;

	if (memtrace_counters(mt, c))
		return 0;
	/* Every hit: those counted and those skipped. */
	n = c[COUNTER_ALLOC_HITS] + c[COUNTER_RESTARTS] + c[COUNTER_GC_HITS] +
	    c[COUNTER_MORESTACK_HITS] + c[COUNTER_COPYSTACK_HITS] + c[COUNTER_REFILL_HITS] +
	    c[COUNTER_LARGE_HITS] + c[COUNTER_PAUSED_HITS];
	return n;
}

static uint64_t total_bpf_ns(struct memtrace *mt)
{
	uint64_t sum = 0;

	for (int role = 0; role < PROBE_ROLE_MAX; role++) {
		uint64_t runs, ns;

		if (!memtrace_prog_stats(mt, role, &runs, &ns))
			sum += ns;
	}
	return sum;
}

int budget_start(struct budget *b, struct memtrace *mt, pid_t pid, double fraction,
		 unsigned int roles, uint64_t trap_ns)
{
	int64_t cpu;

	memset(b, 0, sizeof(*b));
	b->fraction = fraction;
	b->roles = roles;
	b->trap_ns = trap_ns;
	b->pid = pid;
	b->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	cpu = process_cpu_ns(pid);
	b->start_target_ns = cpu > 0 ? (uint64_t)cpu : 0;
	b->start_bpf_ns = total_bpf_ns(mt);
	return b->stats_fd < 0 ? -errno : 0;
}

static void measure(struct budget *b, struct memtrace *mt)
{
	int64_t cpu = process_cpu_ns(b->pid);
	uint64_t bpf = total_bpf_ns(mt);

	if (cpu > 0 && (uint64_t)cpu >= b->start_target_ns)
		b->target_ns = (uint64_t)cpu - b->start_target_ns;
	b->hits = b->past_hits + total_hits(mt);
	b->bpf_ns = b->past_bpf_ns + (bpf >= b->start_bpf_ns ? bpf - b->start_bpf_ns : 0);
	b->cost_ns = b->hits * b->trap_ns + b->bpf_ns;
}

/*
 * The target's CPU time includes what the probes cost it; the budget is a
 * share of the rest (its own work). Hysteresis: attached again only when
 * the cost is back under 90 % of what the budget allows, so that the probes
 * come and go in spells rather than every tick.
 */
void budget_tick(struct budget *b, struct memtrace *mt, uint64_t now_ns)
{
	uint64_t work, allowed;
	int ret;

	measure(b, mt);
	if (b->fraction <= 0 || b->fraction >= 1 || !b->roles)
		return;
	work = b->target_ns > b->cost_ns ? b->target_ns - b->cost_ns : 0;
	/* A first spell before the target's CPU time shows (it moves in
	 * clock ticks): the budget of BUDGET_GRACE_NS of its work. */
	allowed = (uint64_t)((double)(work > BUDGET_GRACE_NS ? work : BUDGET_GRACE_NS) *
			     b->fraction);
	if (!b->paused && b->cost_ns > allowed) {
		ret = memtrace_pause(mt, b->roles);
		if (ret && !b->error)
			b->error = ret;
		b->paused = true;
		b->paused_at = now_ns;
		if (b->pauses < BUDGET_MAX_SPANS)
			b->spans[b->pauses].start = now_ns;
		b->pauses++;
	} else if (b->paused && b->cost_ns < allowed * 0.9) {
		ret = memtrace_resume(mt, b->roles);
		if (ret) {
			if (!b->error)
				b->error = ret;
			return;
		}
		b->paused = false;
		b->paused_ns += now_ns - b->paused_at;
		if (b->pauses <= BUDGET_MAX_SPANS)
			b->spans[b->pauses - 1].end = now_ns;
	}
}

void budget_switch(struct budget *b, struct memtrace *from, struct memtrace *to,
		   uint64_t now_ns)
{
	measure(b, from);
	b->past_hits = b->hits;
	b->past_bpf_ns = b->bpf_ns;
	b->start_bpf_ns = total_bpf_ns(to);
	if (b->paused) {
		b->paused_ns += now_ns - b->paused_at;
		b->paused = false;
		if (b->pauses <= BUDGET_MAX_SPANS)
			b->spans[b->pauses - 1].end = now_ns;
	}
}

void budget_finish(struct budget *b, struct memtrace *mt, uint64_t now_ns)
{
	measure(b, mt);
	if (b->paused) {
		b->paused_ns += now_ns - b->paused_at;
		b->paused = false;
		if (b->pauses <= BUDGET_MAX_SPANS)
			b->spans[b->pauses - 1].end = now_ns;
	}
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	b->stats_fd = -1;
}

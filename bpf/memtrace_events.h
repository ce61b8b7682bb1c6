/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Events shared by memtrace.bpf.c and user space: the only contract between
 * the probes and the aggregator. Fixed-width types, explicit padding, sizes
 * asserted.
 */
#ifndef GOMEMTRACE_MEMTRACE_EVENTS_H
#define GOMEMTRACE_MEMTRACE_EVENTS_H

/* Frames kept per user stack; the kernel caps the walk at
 * kernel.perf_event_max_stack (127 by default). A power of two so the BPF
 * side can bound lengths with a mask. */
#define MAX_STACK_DEPTH 128

enum event_type {
	EVENT_ALLOC = 1,	/* one heap allocation */
	EVENT_GC_START = 2,	/* a GC cycle started (startCycle) */
	EVENT_GC_END = 3,	/* a GC cycle finished (freeStackSpans) */
	EVENT_MORESTACK = 4,	/* a stack check failed (or a preemption request) */
	EVENT_COPYSTACK = 5,	/* a goroutine stack was copied to a new size */
	EVENT_LARGE_ALLOC = 6,	/* an allocation of at least large_alloc_bytes
				 * (exact mode; also counted as usual) */
	EVENT_IMAGE_OPEN = 7,	/* plugin.open called: a Go plugin is about to
				 * be mapped (the process is stopped) */
};

/*
 * What an allocation probe knows from where it sits; the attach cookie's low
 * byte. Functions reached only after the runtime decided the allocation's
 * kind (Go 1.24+) tell it by their name; runtime.mallocgc does not.
 */
enum alloc_probe_kind {
	ALLOC_PROBE_MALLOCGC = 1,	/* runtime.mallocgc: kind from size and type */
	ALLOC_PROBE_TINY = 2,		/* mallocgcTiny*, no pointers, < 16 bytes */
	ALLOC_PROBE_NOSCAN = 3,		/* mallocgcSmallNoscan*, no pointers */
	ALLOC_PROBE_SCAN_NOHEADER = 4,	/* mallocgcSmallScanNoHeader*, <= 512 bytes */
	ALLOC_PROBE_SCAN_HEADER = 5,	/* mallocgcSmallScanHeader, > 512 bytes */
	ALLOC_PROBE_LARGE = 6,		/* mallocgcLarge, > 32 KiB */
	/* Sampled sources (the default mode without runtime sampling): */
	ALLOC_PROBE_REFILL = 7,		/* (*mcache).refill: key.size is the span
					 * class, the count the objects allocated
					 * from the span it replaces */
	ALLOC_PROBE_ALLOC_LARGE = 8,	/* (*mcache).allocLarge: one > 32 KiB
					 * allocation, key.size as requested */
	/* Exact mode again: */
	ALLOC_PROBE_ARENA_CHUNK = 9,	/* runtime.newUserArenaChunk (GOEXPERIMENT=
					 * arenas): one user arena chunk, which the
					 * runtime counts as one large allocation;
					 * no arguments: key.size is the rodata
					 * arena_chunk_bytes, no type */
};

/* With the kind: a leaf that does not count calls from the dispatcher
 * (dispatcher_lo/hi), whose own probe counted them: a PGO build's mallocgc
 * with some leaves inlined (probe_plan.c). */
#define ALLOC_PROBE_NOT_FROM_DISPATCHER 0x80
#define ALLOC_PROBE_KIND_MASK 0x7f

/*
 * Where in its function a probe sits; the attach cookie's second byte. The
 * kernel emulates a JLS or a PUSHQ (~0.5 us a hit here) and single-steps
 * most other instructions out of line (~15 us), so the plan prefers the
 * first two. Before the frame is set up (every placement but
 * PLACE_AFTER_PROLOGUE) RBP is still the caller's frame and [RSP] the return
 * address into the caller.
 */
enum probe_placement {
	PLACE_STACK_CHECK = 1,	/* the stack check's JLS to morestack: when the
				 * branch is taken (CF or ZF set), the function
				 * grows its stack and runs again from its entry,
				 * so that hit is not counted */
	PLACE_FRAME_PUSH = 2,	/* PUSHQ BP of a function without a stack check */
	PLACE_AFTER_PROLOGUE = 3, /* first instruction after the frame is set up
				   * (single-stepped): RBP is the function's own */
	PLACE_ASM_ENTRY = 4,	/* entry of an assembly function (single-stepped) */
	PLACE_ASM_BRANCH = 5,	/* a conditional branch of an assembly function
				 * before it touches RSP, RBP or R14 (emulated):
				 * runtime.morestack's test for g0 */
};

/* Bits of the BPF's sampling_paused: 1 << enum probe_role of user space
 * (probes/probe_plan.h, checked there). */
#define PAUSE_MORESTACK (1u << 3)
#define PAUSE_COPYSTACK (1u << 4)
#define PAUSE_REFILL (1u << 5)
#define PAUSE_LARGE (1u << 6)
#define PAUSE_GROWTH (PAUSE_MORESTACK | PAUSE_COPYSTACK)

/* Attach cookie: (link-time probe address << 16) | (placement << 8) | kind. */
#define PROBE_COOKIE_ADDR_SHIFT 16
#define PROBE_COOKIE(addr, placement, kind) \
	(((__u64)(addr) << PROBE_COOKIE_ADDR_SHIFT) | ((__u64)(placement) << 8) | (kind))

/* Set on an allocation whose type holds pointers (typ->ptrdata != 0). */
#define ALLOC_F_SCAN 0x1
/* In alloc_key only: the type lies in the binary's file image, whose bytes
 * user space reads instead (a user read less per hit); ALLOC_F_SCAN is
 * then not set by BPF for kinds that need the type to tell. */
#define ALLOC_F_TYPE_IN_IMAGE 0x2
/* A default mode's large sample (ALLOC_PROBE_ALLOC_LARGE) that is a user
 * arena chunk (runtime.newUserArenaChunk): key.size is what the runtime
 * counts for it (arena_chunk_bytes), not a request rounded to pages. */
#define ALLOC_F_ARENA_CHUNK 0x4

/* Every event starts with these two words. */
struct event_header {
	__u32 type;		/* enum event_type */
	__u32 cpu;
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* A user stack, leaf first: frames[0] is inside the probed runtime
 * function, the rest are return addresses. The value of the `stacks` map;
 * in events, only nframes entries are sent. */
struct user_stack {
	__u32 nframes;		/* valid entries of frames[] */
	__u32 pad;
	__u64 frames[MAX_STACK_DEPTH];
};

/*
 * Allocations are counted in BPF, in the `alloc_counts` map: key (stack id,
 * size, probe, flags), value objects. The stack id is a 64-bit hash of the
 * frames; the `stacks` map holds the frames of each id. An allocation whose
 * key or stack finds no room in the maps is sent as an alloc_event instead:
 * nothing is dropped because a map is full.
 */
struct alloc_key {
	__u64 stack_id;
	__u64 size;		/* requested size, as passed to the runtime */
	__u64 typ;		/* *_type argument (runtime address), 0 for none */
	__u8 probe;		/* enum alloc_probe_kind */
	__u8 flags;		/* ALLOC_F_* */
	__u8 pad[6];
};

/*
 * Allocation counts cached per CPU (the `alloc_cache` per-CPU array),
 * direct-mapped by key: a hit is one array access instead of a hash map
 * lookup. A key evicted from its slot is added to alloc_counts; user space
 * adds up both after the detach.
 */
#define ALLOC_CACHE_SLOTS 512

struct alloc_cache_slot {
	struct alloc_key key;
	__u64 objects;		/* 0: empty */
};

/* The stack id of allocations whose stack was not walked: a run of ours
 * was preempted on the CPU and held its scratch space. stack_id() never
 * gives it. */
#define STACK_ID_NONE 0

/* Allocations the maps had no room for, with their stack. In events,
 * ALLOC_F_TYPE_IN_IMAGE is never set: BPF read the type's ptrdata. */
struct alloc_event {
	struct event_header hdr;
	struct alloc_key key;
	__u64 objects;
	struct user_stack stack;
};

/* Per-CPU counters of what the probes did (the `counters` map's index). */
enum probe_counter {
	COUNTER_ALLOC_HITS,	/* allocation probe hits counted */
	COUNTER_RESTARTS,	/* hits skipped: stack check failing, the function restarts */
	COUNTER_ALLOC_OVERFLOW,	/* allocations sent as events: the maps were full */
	COUNTER_GC_HITS,	/* startCycle and freeStackSpans hits */
	COUNTER_MORESTACK_HITS,
	COUNTER_COPYSTACK_HITS,
	COUNTER_UNWALKED,	/* allocations counted without their stack (STACK_ID_NONE) */
	COUNTER_REFILL_HITS,	/* (*mcache).refill hits: one sample each */
	COUNTER_REFILL_EMPTY,	/* of which replaced a span nothing was allocated from */
	COUNTER_LARGE_HITS,	/* (*mcache).allocLarge hits */
	COUNTER_PAUSED_HITS,	/* hits of paused programs, until the detach takes effect */
	COUNTER_MAX,
};

struct gc_start_event {
	struct event_header hdr;
	__u32 cycle;		/* runtime work.cycles, after the increment */
	__u32 trigger;		/* gcTriggerKind: 0 heap, 1 time, 2 cycle (forced) */
};

struct gc_end_event {
	struct event_header hdr;
	__u32 numgc;		/* memstats.numgc: cycles completed */
	__u32 pad;
};

struct morestack_event {
	struct event_header hdr;
	__u64 g;		/* address of the goroutine's g */
	__u64 goid;
	__u64 stack_size;	/* g.stack.hi - g.stack.lo before growing */
	__u32 pad;
	__u32 nframes;
	/* frames[0]: PC in the function whose prologue overflowed (a return
	 * address of its morestack call); frames[1]: its return PC; then its
	 * callers' return PCs. */
	__u64 frames[MAX_STACK_DEPTH];
};

struct copystack_event {
	struct event_header hdr;
	__u64 g;
	__u64 old_size;
	__u64 new_size;
};

/* One allocation of at least the configured size (--large-alloc), for the
 * timeline: sent besides its count, with its own frames (the stacks map may
 * have had no room for them). */
struct large_alloc_event {
	struct event_header hdr;
	__u64 size;		/* requested size, as passed to the runtime */
	__u64 typ;		/* *_type argument (runtime address), 0 for none */
	__u64 goid;		/* the allocating goroutine's id, 0: unknown */
	__u64 stack_id;		/* as in alloc_key; STACK_ID_NONE: not walked */
	__u32 tid;		/* the allocating thread */
	__u32 nframes;		/* valid entries of frames[] */
	__u64 frames[MAX_STACK_DEPTH];	/* as user_stack.frames */
};

/*
 * plugin.open(name string) entered (RAX: name's bytes, RBX: its length):
 * dlopen is about to map a Go plugin, which carries its own copy of the
 * runtime's code. The probe stopped the whole process (SIGSTOP) so that
 * user space can put the plugin's probes on its file before any of its
 * code runs; user space sends SIGCONT.
 */
#define IMAGE_NAME_MAX 256

struct image_open_event {
	struct event_header hdr;
	__u32 name_len;		/* bytes of name (cut to IMAGE_NAME_MAX - 1) */
	__u32 stopped;		/* 1: SIGSTOP sent; 0: bpf_send_signal failed */
	char name[IMAGE_NAME_MAX];	/* as given to plugin.Open, NUL-terminated */
};

#define EVENT_FIXED_SIZE(type) (sizeof(struct type) - MAX_STACK_DEPTH * sizeof(__u64))

_Static_assert(sizeof(struct event_header) == 16, "event_header layout");
_Static_assert(sizeof(struct user_stack) == 8 + 8 * MAX_STACK_DEPTH, "user_stack layout");
_Static_assert(sizeof(struct alloc_key) == 32, "alloc_key layout");
_Static_assert(sizeof(struct alloc_cache_slot) == 40, "alloc_cache_slot layout");
_Static_assert(sizeof(struct alloc_event) == 64 + 8 * MAX_STACK_DEPTH, "alloc_event layout");
_Static_assert(sizeof(struct gc_start_event) == 24, "gc_start_event layout");
_Static_assert(sizeof(struct gc_end_event) == 24, "gc_end_event layout");
_Static_assert(sizeof(struct morestack_event) == 48 + 8 * MAX_STACK_DEPTH, "morestack_event layout");
_Static_assert(sizeof(struct copystack_event) == 40, "copystack_event layout");
_Static_assert(sizeof(struct image_open_event) == 24 + IMAGE_NAME_MAX, "image_open_event layout");
_Static_assert(sizeof(struct large_alloc_event) == 56 + 8 * MAX_STACK_DEPTH,
	       "large_alloc_event layout");

#endif

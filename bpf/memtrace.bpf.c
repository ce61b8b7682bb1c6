// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probes in the Go runtime (amd64, register ABI: arguments in RAX, RBX, RCX,
 * RDI, RSI, R8...; R14 holds the current g). Entry uprobes only: uretprobes
 * corrupt Go stacks. Each probe turns one runtime event into one ring buffer
 * record; all interpretation (size classes, symbols, pairing) is user space's.
 *
 * Attach cookie: PROBE_COOKIE(link-time address of the probe point, enum
 * probe_placement, enum alloc_probe_kind). The trapping IP minus that address
 * is the load bias of a PIE, known here even when the process did not exist yet at configuration
 * time (launch mode); it locates globals and is reported to user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memtrace_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Configured between open and load. */
const volatile __u32 targ_tgid = 0;
const volatile __u64 go_type_ptrdata_off = 8;	/* _type.ptrdata */
const volatile __u64 go_g_stack_lo_off = 0;
const volatile __u64 go_g_stack_hi_off = 8;
const volatile __u64 go_g_goid_off = 0;		/* 0: unknown */
const volatile __u64 go_work_cycles_addr = 0;	/* link-time address, 0: unknown */
const volatile __u32 go_work_cycles_size = 4;
const volatile __u64 go_memstats_numgc_addr = 0; /* link-time address, 0: unknown */
/* Sampled sources: mcache.alloc, mspan.allocCount, allocCountBeforeCache. */
const volatile __u64 go_mcache_alloc_off = 0;
const volatile __u32 go_num_span_classes = 0;	/* 0: refill not probed */
const volatile __u64 go_mspan_alloc_count_off = 0;
const volatile __u64 go_mspan_alloc_count_before_cache_off = 0;
/* Allocations of at least this many bytes (requested) are also sent one by
 * one, for the timeline (--large-alloc); ~0: none. */
const volatile __u64 large_alloc_bytes = ~0ULL;
/* What MemStats counts for one user arena chunk (ALLOC_PROBE_ARENA_CHUNK). */
const volatile __u64 arena_chunk_bytes = 0;
/*
 * A probe set on a Go plugin's copy of the runtime code: its code reaches
 * the runtime's variables through its GOT, which the dynamic linker binds
 * to the host executable's (it exports them): work.cycles and
 * memstats.numgc are the host's, at link-time addresses of the host (set
 * in go_work_cycles_addr, go_memstats_numgc_addr) plus data_bias, not the
 * plugin's own unused copies at the hit's bias.
 */
const volatile __u32 data_bias_fixed = 0;
const volatile __u64 data_bias = 0;
/* Link-time extent of the binary's file image (gobin_image_extent). */
const volatile __u64 image_lo = 0, image_hi = 0;
/* Link-time range of a probed allocation function whose calls into probed
 * leaves the leaves leave uncounted (ALLOC_PROBE_NOT_FROM_DISPATCHER). */
const volatile __u64 dispatcher_lo = 0, dispatcher_hi = 0;
/* The walk across a cgo callback (struct cgo_unwind): link-time ranges of
 * runtime.cgocallback, systemstack_switch and cgocall, and the SP deltas of
 * their bodies (systemstack_switch's: 0 or 8). All 0: no cgocallback. */
const volatile __u64 cgo_callback_lo = 0, cgo_callback_hi = 0;
const volatile __u64 cgo_switch_lo = 0, cgo_switch_hi = 0;
const volatile __u64 cgo_call_lo = 0, cgo_call_hi = 0;
const volatile __u32 cgo_callback_frame = 0, cgo_call_frame = 0, cgo_switch_frame = 0;

/* Counted, never silent: records the ring buffer had no room for, and
 * stacks that could not be walked. */
__u64 lost_events = 0;
__u64 lost_stacks = 0;
__u64 load_bias = 0;
__u32 load_bias_known = 0;

/* Set by user space (through the .bss mmap) while the probes are being
 * attached and from the stop on: every program returns at once, so a trace
 * covers exactly [start, stop] whatever the detach costs. */
__u32 tracing_stopped = 0;
/* Set by user space while the overhead budget takes the frequent probes
 * off, one bit per enum probe_role (1 << role): a detach takes effect only
 * after tens of ms (the kernel waits for RCU grace periods), and until then
 * their programs return at once. Morestack and copystack both test both
 * bits (PAUSE_GROWTH): a growth is recorded whole or not at all, whatever
 * order their links come and go in. */
__u32 sampling_paused = 0;

/* The target's execs (sched_process_exec): the first one past
 * targ_skip_execs (1 for a launched child, whose exec of the traced program
 * is not one) ends this probe set's image: recording stops there, at the
 * exec, since every later hit would belong to another image (its own load
 * bias, maybe its own binary). User space reads these and follows the
 * target into its new image with a new probe set. */
#define SIGSTOP_NR 19

const volatile __u32 targ_skip_execs = 0;
/* Set: that exec also stops the process (SIGSTOP, taken before the new
 * image's first instruction) until user space has the new image's probes
 * on and sends SIGCONT, so that none of its code, its runtime's start
 * included, runs unseen. exec_stops counts the stops sent (read by the
 * guard of cli/go_images.c, which continues the target if the tracer
 * dies first). */
const volatile __u32 stop_at_exec = 0;
__u64 exec_stops = 0;
__u32 execs_seen = 0;
__u64 exec_ts = 0;		/* CLOCK_MONOTONIC ns; 0: none yet */
__u32 exec_old_tid = 0;		/* the thread that called exec */
char exec_filename[256] = {};	/* the file as exec was given it */



/*
 * 4 MiB: at ~20 us per trap, two CPUs produce at most ~15 MB/s of records,
 * and the consumer is woken every 256 KiB. User space maps the buffer twice
 * and all of it counts in its resident memory, so bigger is not free.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/*
 * Allocations counted in place (see struct alloc_key). Sized by user space
 * before load. The stacks map allocates on demand: most of its ~1 KiB values
 * are never used.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct alloc_key);
	__type(value, __u64);
} alloc_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct user_stack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 counter)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &counter);

	if (c)
		(*c)++;
}

static __always_inline bool paused(__u32 role_bit)
{
	if (!(sampling_paused & role_bit))
		return false;
	count(COUNTER_PAUSED_HITS);
	return true;
}

/* Allocation counts cached per CPU (struct alloc_cache_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ALLOC_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct alloc_cache_slot);
} alloc_cache SEC(".maps");

/*
 * Stack words are read in chunks: one user read costs ~40 ns here whatever
 * its size up to a few hundred bytes, and callers' frames are usually close
 * together, so a chunk holds several frame records. 1 KiB (measured: 512
 * bytes and 2 KiB cost more and the same).
 */
#define CHUNK_WORDS 128

struct stack_chunk {
	__u64 base;		/* user address of w[0]; 0: nothing loaded */
	__u64 len;		/* valid words */
	__u64 w[CHUNK_WORDS];
};

/*
 * Per-CPU working space of one run: events with stacks are too large for
 * the BPF stack. A run can be preempted on a preemptible kernel, and another
 * run of ours then start on the same CPU: busy says the space is taken.
 */
union scratch_event {
	struct alloc_event alloc;
	struct morestack_event morestack;
};

struct scratch {
	__u64 busy;
	struct stack_chunk chunk;
	union scratch_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* This CPU's scratch space, or NULL if a preempted run of ours holds it.
 * Every non-NULL return is paired with scratch_put(). */
static __always_inline struct scratch *scratch_get(void)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc)
		return NULL;
	if (__sync_fetch_and_add(&sc->busy, 1)) {
		__sync_fetch_and_add(&sc->busy, -1);
		return NULL;
	}
	return sc;
}

static __always_inline void scratch_put(struct scratch *sc)
{
	__sync_fetch_and_add(&sc->busy, -1);
}


static __always_inline bool wanted(void)
{
	if (tracing_stopped)
		return false;
	return !targ_tgid || (bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

/* Load bias of the traced executable, from the IP of the probe hit. */
static __always_inline __u64 probe_bias(struct pt_regs *ctx)
{
	__u64 bias = ctx->ip - (bpf_get_attach_cookie(ctx) >> PROBE_COOKIE_ADDR_SHIFT);

	if (!load_bias_known) {
		load_bias = bias;
		load_bias_known = 1;
	}
	return bias;
}

static __always_inline void fill_header(struct event_header *hdr, __u32 type)
{
	hdr->type = type;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->ts = bpf_ktime_get_ns();
}

/*
 * Waking the consumer for every record would cost a wakeup per allocation;
 * wake it only once a batch has piled up (user space also polls on a short
 * timeout, so nothing waits long).
 */
#define WAKEUP_BYTES (256 << 10)

static __always_inline void emit(void *data, __u64 size)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ?
		      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&events, data, size, flags))
		__sync_fetch_and_add(&lost_events, 1);
}

static __always_inline __u64 read_user_u64(__u64 addr)
{
	__u64 val = 0;

	bpf_probe_read_user(&val, sizeof(val), (void *)addr);
	return val;
}

/* Loads the words at addr: a whole chunk, or only the 16 bytes of one frame
 * record where the chunk would run into unmapped memory (the top of a
 * thread's own stack). Returns 0, or -1 if not even those could be read. */
static __always_inline int chunk_load(struct stack_chunk *c, __u64 addr)
{
	c->base = addr;
	c->len = CHUNK_WORDS;
	if (!bpf_probe_read_user(c->w, sizeof(c->w), (void *)addr))
		return 0;
	c->len = 2;
	if (!bpf_probe_read_user(c->w, 2 * sizeof(__u64), (void *)addr))
		return 0;
	c->base = 0;
	return -1;
}

/* addr (a run-time address) lies in the link-time range [lo, hi). */
static __always_inline bool in_range(__u64 addr, __u64 bias, __u64 lo, __u64 hi)
{
	return addr - bias - lo < hi - lo;
}

/*
 * Frame-pointer walk from bp (Go keeps frame pointers on amd64): the return
 * addresses into frames; returns how many it wrote. Reads come from c, which
 * may already hold the words around bp. The walk ends where the chain leaves
 * the stack it started on (callers' frames are always higher): at a switch
 * from the system stack back to the goroutine, which is also where the Go
 * runtime's own traceback stops (callers() unwinds without
 * unwindJumpStack: systemstack, an SPWrite function, is its last frame).
 *
 * A cgo callback is the exception (asm_amd64.s cgocallback): cgocallbackg
 * runs on the goroutine's stack below a copy of cgocallback's g0 frame
 * whose return PC is the goroutine's sched.pc, and its saved BP is
 * cgocallback's on the C thread's stack. The runtime's unwinder (frame
 * sizes, not frame pointers) goes from there to sched.pc, which asmcgocall
 * left in systemstack_switch, then to the return PC above asmcgocall's
 * frame at sched.sp (runtime.cgocall, which called asmcgocall) and its
 * callers. So does this walk: cgocall's frame record is found from its
 * frame size. On a thread created in C, sched.pc is goexit's: the
 * goroutine's stack ends at cgocallback, and so does the walk, as it does
 * at anything unexpected there.
 */
static __always_inline __u32 fp_walk(__u64 bp, __u64 *frames, __u32 max,
				     struct stack_chunk *c, __u64 bias)
{
	__u64 off, idx, next, ret, sp, w[3];
	__u32 i;

	/* BP 0 ends the chain: a goroutine's first function has no caller. */
	for (i = 0; bp && i < max && i < MAX_STACK_DEPTH; i++) {
		off = bp - c->base;
		if (!c->base || bp < c->base || off + 2 * sizeof(__u64) > c->len * sizeof(__u64)) {
			if (chunk_load(c, bp)) {
				if (!i)
					__sync_fetch_and_add(&lost_stacks, 1);
				break;
			}
			off = 0;
		}
		if (off & 7)
			break;
		idx = off / sizeof(__u64);
		if (idx > CHUNK_WORDS - 2)
			break;
		next = c->w[idx];
		ret = c->w[idx + 1];
		if (!ret)
			break;
		frames[i] = ret;
		if (in_range(ret, bias, cgo_callback_lo, cgo_callback_hi)) {
			/* bp is cgocallbackg's frame record; cgocallback's frame
			 * lies above it, up to sched.sp. */
			sp = bp + 16 + cgo_callback_frame + 8;
			if (!cgo_callback_frame || !cgo_call_frame || i + 2 >= max ||
			    i + 2 >= MAX_STACK_DEPTH ||
			    bpf_probe_read_user(w, sizeof(w), (void *)(sp - 8)) ||
			    !in_range(w[0], bias, cgo_switch_lo, cgo_switch_hi)) {
				i++;
				break;
			}
			/* systemstack_switch's frame at sched.pc: none at its
			 * entry (go1.19, go1.20: a return PC for the profile is
			 * one past it), cgo_switch_frame after its prologue. */
			if (w[0] - bias == cgo_switch_lo) {
				frames[i + 1] = w[0] + 1;
				ret = w[1];
			} else {
				frames[i + 1] = w[0];
				ret = cgo_switch_frame ? w[2] : w[1];
				sp += cgo_switch_frame;
			}
			if (!in_range(ret, bias, cgo_call_lo, cgo_call_hi)) {
				i += 2;
				break;
			}
			frames[i + 2] = ret;
			i += 2;
			/* cgocall's SP is sp + 8, its frame record its frame
			 * size above that, less 8. */
			next = sp + cgo_call_frame;
		}
		/* The chain's end (BP 0 above a goroutine's goexit, a
		 * thread's rt0_go or mstart) or a switch to another stack
		 * (the goroutine's, above systemstack's call on g0): the
		 * runtime's unwinder shows this last return address too
		 * (symbolize.c drops goexit's), and stops. */
		if (next <= bp) {
			i++;
			break;
		}
		bp = next;
	}
	return i;
}

static __always_inline __u8 cookie_placement(__u64 cookie)
{
	return (cookie >> 8) & 0xff;
}

/*
 * A hit at a stack check whose branch to morestack is about to be taken (JLS:
 * CF or ZF set): the function will grow its stack and run again from its
 * entry, where the probe fires again. Only the second hit counts.
 */
static __always_inline bool restarts(struct pt_regs *ctx, __u64 cookie)
{
	return cookie_placement(cookie) == PLACE_STACK_CHECK && (ctx->flags & (0x1 | 0x40));
}

/*
 * The user stack at a probe, leaf first: frames[0] is the probe's own PC.
 * Before the frame is set up RBP is still the caller's and [RSP] the return
 * address into the caller; after it, RBP is the probed function's own frame
 * and the walk starts at its caller. Returns the number of frames.
 */
static __always_inline __u32 user_stack(struct pt_regs *ctx, __u64 cookie, __u64 *frames,
					struct stack_chunk *c)
{
	__u64 bias = ctx->ip - (cookie >> PROBE_COOKIE_ADDR_SHIFT);

	frames[0] = ctx->ip;
	c->base = 0;
	if (cookie_placement(cookie) == PLACE_AFTER_PROLOGUE)
		return 1 + fp_walk(ctx->bp, &frames[1], MAX_STACK_DEPTH - 2, c, bias);
	/* The chunk at RSP holds the return address and, as a rule, the
	 * caller's frame record too. */
	if (chunk_load(c, ctx->sp))
		frames[1] = 0;
	else
		frames[1] = c->w[0];
	return 2 + fp_walk(ctx->bp, &frames[2], MAX_STACK_DEPTH - 3, c, bias);
}

/* FNV-1a-like mix of the frames: the stack's id in the maps. */
static __always_inline __u64 stack_id(const struct user_stack *st)
{
	__u64 h = 0xcbf29ce484222325ULL ^ st->nframes;

	for (__u32 i = 0; i < MAX_STACK_DEPTH; i++) {
		if (i >= st->nframes)
			break;
		h ^= st->frames[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h == STACK_ID_NONE ? 1 : h;
}

/* The frames of stack id are in the stacks map (put there now if need
 * be); false if it is full. */
static __always_inline bool stack_stored(__u64 id, const struct user_stack *st)
{
	if (bpf_map_lookup_elem(&stacks, &id))
		return true;
	if (!bpf_map_update_elem(&stacks, &id, st, BPF_NOEXIST))
		return true;
	return bpf_map_lookup_elem(&stacks, &id) != NULL;
}

/* Adds objects to key's count in alloc_counts; false if it is full. */
static __always_inline bool count_add(const struct alloc_key *key, __u64 objects)
{
	__u64 *n = bpf_map_lookup_elem(&alloc_counts, key);

	if (n) {
		__sync_fetch_and_add(n, objects);
		return true;
	}
	if (!bpf_map_update_elem(&alloc_counts, key, &objects, BPF_NOEXIST))
		return true;
	/* Another CPU may have added the key meanwhile. */
	n = bpf_map_lookup_elem(&alloc_counts, key);
	if (!n)
		return false;
	__sync_fetch_and_add(n, objects);
	return true;
}

/* Sends key's objects with their stack through the ring buffer: the maps had
 * no room for them. e is scratch space; st the frames (may be e->stack). */
static __always_inline void emit_alloc(struct alloc_event *e, const struct alloc_key *key,
				       __u64 objects, const struct user_stack *st)
{
	count(COUNTER_ALLOC_OVERFLOW);
	fill_header(&e->hdr, EVENT_ALLOC);
	e->key = *key;
	e->key.flags &= ALLOC_F_SCAN;
	if ((key->flags & ALLOC_F_TYPE_IN_IMAGE) && read_user_u64(key->typ + go_type_ptrdata_off))
		e->key.flags |= ALLOC_F_SCAN;
	e->objects = objects;
	if (st != &e->stack)
		bpf_probe_read_kernel(&e->stack, sizeof(e->stack), st);
	emit(e, EVENT_FIXED_SIZE(alloc_event) +
		(e->stack.nframes & (MAX_STACK_DEPTH - 1)) * sizeof(__u64));
}

static __always_inline bool same_key(const struct alloc_key *a, const struct alloc_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/*
 * Counts one allocation at key, whose frames are in e->stack: in this CPU's
 * cache slot for the key; a key it evicts goes to alloc_counts; whatever
 * the maps have no room for goes out as an event. Nothing is dropped.
 */
static __always_inline void count_alloc(const struct alloc_key *key, struct alloc_event *e,
					__u64 objects)
{
	__u32 idx = (key->stack_id ^ key->size ^ (key->typ >> 4)) & (ALLOC_CACHE_SLOTS - 1);
	struct alloc_cache_slot *slot = bpf_map_lookup_elem(&alloc_cache, &idx);
	const struct user_stack *evicted;

	if (!slot) {
		if (!stack_stored(key->stack_id, &e->stack) || !count_add(key, objects))
			emit_alloc(e, key, objects, &e->stack);
		return;
	}
	if (slot->objects && same_key(&slot->key, key)) {
		slot->objects += objects;
		return;
	}
	/* A key is cached only once its frames are stored: user space never
	 * sees a key without them. */
	if (!stack_stored(key->stack_id, &e->stack)) {
		emit_alloc(e, key, objects, &e->stack);
		return;
	}
	if (slot->objects && !count_add(&slot->key, slot->objects)) {
		evicted = bpf_map_lookup_elem(&stacks, &slot->key.stack_id);
		if (evicted)
			emit_alloc(e, &slot->key, slot->objects, evicted);
		else
			__sync_fetch_and_add(&lost_events, 1);
	}
	slot->key = *key;
	slot->objects = objects;
}

/*
 * One allocation of at least large_alloc_bytes, with its frames (st; NULL:
 * not walked), for the timeline. Rare by design: a record of fixed size.
 * R14 holds the allocating goroutine's g (register ABI).
 */
static __always_inline void emit_large(struct pt_regs *ctx, const struct alloc_key *key,
				       const struct user_stack *st)
{
	struct large_alloc_event *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	__u64 g = ctx->r14;

	if (!r) {
		__sync_fetch_and_add(&lost_events, 1);
		return;
	}
	fill_header(&r->hdr, EVENT_LARGE_ALLOC);
	r->size = key->size;
	r->typ = key->typ;
	r->stack_id = key->stack_id;
	r->goid = go_g_goid_off && g ? read_user_u64(g + go_g_goid_off) : 0;
	r->tid = (__u32)bpf_get_current_pid_tgid();
	r->nframes = 0;
	if (st) {
		r->nframes = st->nframes & (MAX_STACK_DEPTH - 1);
		bpf_probe_read_kernel(r->frames, sizeof(r->frames), st->frames);
	}
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES ?
			      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/*
 * Allocation entry points, probed at their stack check (or wherever the plan
 * found, see enum probe_placement): one count per call, kept in the maps;
 * an event only when they are full.
 */
SEC("uprobe")
int alloc(struct pt_regs *ctx)
{
	__u64 size = ctx->ax, typ = ctx->bx, cookie = bpf_get_attach_cookie(ctx), bias;
	struct alloc_key key = { .size = size, .typ = typ,
				 .probe = cookie & ALLOC_PROBE_KIND_MASK };
	struct alloc_event *e;
	struct scratch *sc;
	bool need_type;

	if (key.probe == ALLOC_PROBE_ARENA_CHUNK) {
		/* newUserArenaChunk() has no arguments */
		size = key.size = arena_chunk_bytes;
		typ = key.typ = 0;
	}
	if (!size || !wanted())
		return 0;
	if (restarts(ctx, cookie)) {
		count(COUNTER_RESTARTS);
		return 0;
	}
	bias = probe_bias(ctx);
	/* Before the frame is set up (the leaves' placements), [RSP] is the
	 * return address: a call from the dispatcher is its allocation. */
	if ((cookie & ALLOC_PROBE_NOT_FROM_DISPATCHER) &&
	    in_range(read_user_u64(ctx->sp), bias, dispatcher_lo, dispatcher_hi))
		return 0;
	count(COUNTER_ALLOC_HITS);
	/* Kinds that do not imply pointers-or-not need the type's ptrdata:
	 * read here only for types made at run time (reflect); user space
	 * reads the binary's own from the file. */
	need_type = (key.probe == ALLOC_PROBE_MALLOCGC || key.probe == ALLOC_PROBE_LARGE) && typ;
	if (need_type && typ - bias >= image_lo && typ - bias < image_hi)
		key.flags |= ALLOC_F_TYPE_IN_IMAGE;
	else if (need_type && read_user_u64(typ + go_type_ptrdata_off))
		key.flags |= ALLOC_F_SCAN;
	if (key.probe == ALLOC_PROBE_SCAN_NOHEADER || key.probe == ALLOC_PROBE_SCAN_HEADER)
		key.flags |= ALLOC_F_SCAN;

	sc = scratch_get();
	if (!sc) {
		/* Counted, without its stack (a rare preemption). */
		count(COUNTER_UNWALKED);
		key.stack_id = STACK_ID_NONE;
		if (size >= large_alloc_bytes)
			emit_large(ctx, &key, NULL);
		if (key.flags & ALLOC_F_TYPE_IN_IMAGE) {
			key.flags &= ~ALLOC_F_TYPE_IN_IMAGE;
			if (read_user_u64(typ + go_type_ptrdata_off))
				key.flags |= ALLOC_F_SCAN;
		}
		if (!count_add(&key, 1))
			__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	e = &sc->ev.alloc;
	e->stack.nframes = user_stack(ctx, cookie, e->stack.frames, &sc->chunk) &
			   (MAX_STACK_DEPTH - 1);
	e->stack.pad = 0;
	key.stack_id = stack_id(&e->stack);
	if (size >= large_alloc_bytes)
		emit_large(ctx, &key, &e->stack);
	count_alloc(&key, e, 1);
	scratch_put(sc);
	return 0;
}

/*
 * A sample of the default mode: objects at key, sent with the stack at ctx
 * as one record (samples are few by design, and user space counts each:
 * their number per stack sets the estimate's error). A sample whose
 * scratch space is taken goes without its stack.
 */
static __always_inline void send_sample(struct pt_regs *ctx, __u64 cookie,
					struct alloc_key *key, __u64 objects)
{
	struct alloc_event *e;
	struct scratch *sc;
	__u32 n = 0;

	probe_bias(ctx);
	sc = scratch_get();
	if (!sc) {
		/* struct alloc_event without frames */
		struct {
			struct event_header hdr;
			struct alloc_key key;
			__u64 objects;
			__u32 nframes, pad;
		} small;

		count(COUNTER_UNWALKED);
		fill_header(&small.hdr, EVENT_ALLOC);
		small.key = *key;
		small.objects = objects;
		small.nframes = small.pad = 0;
		emit(&small, sizeof(small));
		return;
	}
	e = &sc->ev.alloc;
	fill_header(&e->hdr, EVENT_ALLOC);
	e->key = *key;
	e->objects = objects;
	n = user_stack(ctx, cookie, e->stack.frames, &sc->chunk) & (MAX_STACK_DEPTH - 1);
	e->stack.nframes = n;
	e->stack.pad = 0;
	emit(e, EVENT_FIXED_SIZE(alloc_event) + n * sizeof(__u64));
	scratch_put(sc);
}

/*
 * (*mcache).refill(c *mcache, spc spanClass): RAX = c, BL = spc. The span
 * it is about to replace, c.alloc[spc], had allocCount -
 * allocCountBeforeCache objects allocated from it while cached: exactly
 * what the runtime adds to heapStats.smallAllocCount for it (mcache.go).
 * One hit per span; the stack is that of the allocation that found the
 * span full, a sample of the size class's allocations.
 */
SEC("uprobe")
int alloc_refill(struct pt_regs *ctx)
{
	__u64 c = ctx->ax, spc = ctx->bx & 0xff, cookie = bpf_get_attach_cookie(ctx), span;
	struct alloc_key key = { .size = spc, .probe = ALLOC_PROBE_REFILL };
	__u16 n = 0, before = 0;

	if (!wanted() || !c || spc >= go_num_span_classes || paused(PAUSE_REFILL))
		return 0;
	if (restarts(ctx, cookie)) {
		count(COUNTER_RESTARTS);
		return 0;
	}
	count(COUNTER_REFILL_HITS);
	span = read_user_u64(c + go_mcache_alloc_off + spc * 8);
	if (span) {
		bpf_probe_read_user(&n, sizeof(n), (void *)(span + go_mspan_alloc_count_off));
		bpf_probe_read_user(&before, sizeof(before),
				    (void *)(span + go_mspan_alloc_count_before_cache_off));
	}
	/* emptymspan at first, or a span swept empty: nothing to count. */
	if (n <= before) {
		count(COUNTER_REFILL_EMPTY);
		return 0;
	}
	if (!(spc & 1))
		key.flags = ALLOC_F_SCAN;
	send_sample(ctx, cookie, &key, n - before);
	return 0;
}

/*
 * (*mcache).allocLarge(c *mcache, size uintptr, noscan bool): RBX = size,
 * CL = noscan. Every allocation over 32 KiB, one hit each.
 */
SEC("uprobe")
int alloc_large(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct alloc_key key = { .size = ctx->bx, .probe = ALLOC_PROBE_ALLOC_LARGE };

	bool chunk = (cookie & 0xff) == ALLOC_PROBE_ARENA_CHUNK;

	/* newUserArenaChunk() has no arguments: the chunk's counted size */
	if (chunk)
		key.size = arena_chunk_bytes;
	if (!wanted() || !key.size || paused(PAUSE_LARGE))
		return 0;
	if (restarts(ctx, cookie)) {
		count(COUNTER_RESTARTS);
		return 0;
	}
	count(COUNTER_LARGE_HITS);
	if (chunk)
		key.flags = ALLOC_F_ARENA_CHUNK;
	else if (!(ctx->cx & 0xff))
		key.flags = ALLOC_F_SCAN;
	send_sample(ctx, cookie, &key, 1);
	return 0;
}

/* (*gcControllerState).startCycle(c, markStartTime, procs, trigger gcTrigger):
 * runs once per cycle actually started, after work.cycles++; the trigger's
 * kind is the fourth integer register (RDI). */
SEC("uprobe")
int gc_start(struct pt_regs *ctx)
{
	struct gc_start_event e = {};
	__u64 bias;

	if (!wanted() || restarts(ctx, bpf_get_attach_cookie(ctx)))
		return 0;
	count(COUNTER_GC_HITS);
	bias = probe_bias(ctx);
	if (data_bias_fixed)
		bias = data_bias;
	fill_header(&e.hdr, EVENT_GC_START);
	e.trigger = ctx->di;
	e.cycle = 0;
	if (go_work_cycles_addr)
		bpf_probe_read_user(&e.cycle, sizeof(e.cycle),
				    (void *)(go_work_cycles_addr + bias));
	emit(&e, sizeof(e));
	return 0;
}

/* freeStackSpans(): called only from gcMarkTermination, once per finished
 * cycle, after memstats.numgc++ and after the world restarted. */
SEC("uprobe")
int gc_end(struct pt_regs *ctx)
{
	struct gc_end_event e = {};
	__u64 bias;

	if (!wanted() || restarts(ctx, bpf_get_attach_cookie(ctx)))
		return 0;
	count(COUNTER_GC_HITS);
	bias = probe_bias(ctx);
	if (data_bias_fixed)
		bias = data_bias;
	fill_header(&e.hdr, EVENT_GC_END);
	if (go_memstats_numgc_addr)
		bpf_probe_read_user(&e.numgc, sizeof(e.numgc),
				    (void *)(go_memstats_numgc_addr + bias));
	emit(&e, sizeof(e));
	return 0;
}

/*
 * runtime.morestack, at its entry or at its g0 test (PLACE_ASM_BRANCH), both
 * before it changes RSP, RBP or R14: [SP] is a PC in the function whose
 * prologue overflowed, [SP+8] its return PC, RBP still its caller's frame,
 * R14 its g.
 * A pending preemption also lands here (stackguard0 == stackPreempt), but
 * another thread may withdraw it before newstack looks (suspendG), and the
 * stack then grows: every morestack is sent, and the copystack that follows
 * (or not) decides.
 */
SEC("uprobe")
int morestack(struct pt_regs *ctx)
{
	__u64 g = ctx->r14, lo, hi, n, bias;
	struct morestack_event *e;
	struct stack_chunk *c;
	struct scratch *sc;

	if (!wanted() || !g || paused(PAUSE_GROWTH))
		return 0;
	sc = scratch_get();
	if (!sc) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	e = &sc->ev.morestack;
	c = &sc->chunk;
	count(COUNTER_MORESTACK_HITS);
	bias = probe_bias(ctx);
	fill_header(&e->hdr, EVENT_MORESTACK);
	e->g = g;
	e->goid = go_g_goid_off ? read_user_u64(g + go_g_goid_off) : 0;
	lo = read_user_u64(g + go_g_stack_lo_off);
	hi = read_user_u64(g + go_g_stack_hi_off);
	e->stack_size = hi - lo;
	e->pad = 0;
	/* RBP is still the caller's frame: its walk yields the callers' callers. */
	if (chunk_load(c, ctx->sp)) {
		e->frames[0] = e->frames[1] = 0;
	} else {
		e->frames[0] = c->w[0];
		e->frames[1] = c->w[1];
	}
	n = (2 + fp_walk(ctx->bp, &e->frames[2], MAX_STACK_DEPTH - 3, c, bias)) &
	    (MAX_STACK_DEPTH - 1);
	e->nframes = n;
	emit(e, EVENT_FIXED_SIZE(morestack_event) + n * sizeof(__u64));
	scratch_put(sc);
	return 0;
}

/* copystack(gp *g, newsize uintptr): every stack growth (newstack) and
 * shrink (shrinkstack). */
SEC("uprobe")
int copystack(struct pt_regs *ctx)
{
	struct copystack_event e = {};
	__u64 gp = ctx->ax;

	if (!wanted() || !gp || paused(PAUSE_GROWTH) || restarts(ctx, bpf_get_attach_cookie(ctx)))
		return 0;
	count(COUNTER_COPYSTACK_HITS);
	probe_bias(ctx);
	fill_header(&e.hdr, EVENT_COPYSTACK);
	e.g = gp;
	e.old_size = read_user_u64(gp + go_g_stack_hi_off) - read_user_u64(gp + go_g_stack_lo_off);
	e.new_size = ctx->bx;
	emit(&e, sizeof(e));
	return 0;
}

/*
 * plugin.open(name string): RAX = name's bytes, RBX = its length. Called
 * before dlopen maps the plugin; none of the plugin's code (its runtime
 * copy included) runs before plugin.open's dlopen returns. The whole
 * process is stopped here (SIGSTOP, taken as this thread returns to user
 * space) and user space told; it attaches the plugin's probes by its file
 * (uprobes apply to mappings made later) and sends SIGCONT. Counted, and
 * the record says whether the stop was sent.
 */

/* Counted before the stop is sent: a watcher of a tracer that died reads
 * it (cli/go_images.c, the guard) and continues the target. Records the
 * ring buffer had no room for are counted apart: each is a stop that
 * user space must end without its record. */
__u64 image_opens = 0;
__u64 image_opens_lost = 0;

SEC("uprobe")
int image_open(struct pt_regs *ctx)
{
	struct image_open_event e = {};
	__u64 len = ctx->bx;

	if (!wanted() || restarts(ctx, bpf_get_attach_cookie(ctx)))
		return 0;
	__sync_fetch_and_add(&image_opens, 1);
	probe_bias(ctx);
	fill_header(&e.hdr, EVENT_IMAGE_OPEN);
	if (len > IMAGE_NAME_MAX - 1)
		len = IMAGE_NAME_MAX - 1;
	if (bpf_probe_read_user(e.name, len & (IMAGE_NAME_MAX - 1), (void *)ctx->ax))
		len = 0;
	e.name[len & (IMAGE_NAME_MAX - 1)] = 0;
	e.name_len = len;
	e.stopped = !bpf_send_signal(SIGSTOP_NR);
	if (bpf_ringbuf_output(&events, &e, sizeof(e), BPF_RB_FORCE_WAKEUP)) {
		__sync_fetch_and_add(&lost_events, 1);
		__sync_fetch_and_add(&image_opens_lost, 1);
	}
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(target_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!targ_tgid || (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	/* An exec runs alone in its process (de_thread): no race here. */
	if (execs_seen++ != targ_skip_execs)
		return 0;
	tracing_stopped = 1;
	/* Counted first: the guard must never see a stop it does not
	 * count. A failed send stops nothing, and is taken back. */
	if (stop_at_exec) {
		__sync_fetch_and_add(&exec_stops, 1);
		if (bpf_send_signal(SIGSTOP_NR))
			__sync_fetch_and_add(&exec_stops, -1);
	}
	exec_old_tid = old_pid;
	bpf_probe_read_kernel_str(exec_filename, sizeof(exec_filename),
				  BPF_CORE_READ(bprm, filename));
	/* Last (x86 keeps stores in order): user space reads the rest
	 * once it is set. */
	barrier();
	exec_ts = bpf_ktime_get_ns();
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The heap-profile reader: locates runtime.mbuckets, runtime.mProfCycle and
 * runtime.MemProfileRate, walks the bucket list of a live target (read only,
 * target_mem.c) as runtime.MemProfile / memProfileInternal do
 * (runtime/mprof.go), and reads or writes MemProfileRate. Every byte read
 * from the target is checked against the layout before it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "target/memprof.h"
#include "binary/gocode.h"
#include "target/target_mem.h"

/* bucketType memProfile (runtime/mprof.go: 1 + iota). */
#define BUCKET_MEM_PROFILE 1
/* memRecord.future has 3 cycles in go1.19-1.27. */
#define FUTURE_CYCLES 3
/* Sanity bounds of a layout: a bucket header and memRecord are well under
 * these; mprof_max_stack is 32 or 1024. */
#define MAX_HEADER 256
#define MAX_RECORD 1024
#define MAX_STACK_LIMIT 65536

/* ---- finding the variables in code ---- */

/* Distinct link-time addresses, a few. */
#define MAX_TARGETS 64
struct targets {
	uint64_t v[MAX_TARGETS];
	int n;
	bool overflow;
};

static void targets_add(struct targets *t, uint64_t a)
{
	for (int i = 0; i < t->n; i++)
		if (t->v[i] == a)
			return;
	if (t->n == MAX_TARGETS) {
		t->overflow = true;
		return;
	}
	t->v[t->n++] = a;
}

static bool targets_has(const struct targets *t, uint64_t a)
{
	for (int i = 0; i < t->n; i++)
		if (t->v[i] == a)
			return true;
	return false;
}

/* The kinds of RIP-relative instructions looked for. */
enum rip_form {
	LOAD8,		/* MOVQ disp(%rip), r64: REX.W 8b /r */
	STORE8,		/* MOVQ r64, disp(%rip): REX.W 89 /r */
	LEA8,		/* LEAQ disp(%rip), r64: REX.W 8d /r */
	LOAD4,		/* MOVL disp(%rip), r32: [REX without W] 8b /r */
};

/*
 * Whether an instruction of form f starts at code[i] (len bytes of code);
 * if so its rel32 offset and end. The scan runs at every byte, so a match
 * may sit inside another instruction: callers confirm each answer by a
 * second function.
 */
static bool rip_at(const uint8_t *code, uint64_t len, uint64_t i, enum rip_form f,
		   uint64_t *rel, uint64_t *end)
{
	uint8_t op = f == STORE8 ? 0x89 : f == LEA8 ? 0x8d : 0x8b;

	if (f == LOAD4) {
		if (i + 6 > len || code[i] != 0x8b || (code[i + 1] & 0xc7) != 0x05)
			return false;
		if (i > 0 && code[i - 1] >= 0x48 && code[i - 1] <= 0x4f)
			return false;	/* REX.W: a MOVQ */
		*rel = i + 2;
		*end = i + 6;
		return true;
	}
	if (i + 7 > len || (code[i] != 0x48 && code[i] != 0x4c) || code[i + 1] != op ||
	    (code[i + 2] & 0xc7) != 0x05)
		return false;
	*rel = i + 3;
	*end = i + 7;
	return true;
}

/* The code of pclntab function name, or -ENOENT. */
static int func_code(const struct gobin *bin, const char *name, const uint8_t **code,
		     uint64_t *entry, uint64_t *len)
{
	struct gobin_func fn;

	if (gobin_find_func(bin, name, &fn) || fn.end <= fn.entry)
		return -ENOENT;
	*len = fn.end - fn.entry;
	*entry = fn.entry;
	*code = gobin_read(bin, fn.entry, *len);
	return *code ? 0 : -ENOENT;
}

/* Every target of form f in function name (none when it is absent). */
static void collect(const struct gobin *bin, const char *name, enum rip_form f,
		    struct targets *t)
{
	const uint8_t *code;
	uint64_t entry, len, rel, end;

	if (func_code(bin, name, &code, &entry, &len))
		return;
	for (uint64_t i = 0; i < len; i++)
		if (rip_at(code, len, i, f, &rel, &end))
			targets_add(t, gocode_rel32_target(code, entry, rel, end));
}

/* The one member of a that b also has; -ENOENT for none or several. */
static int only_common(const struct targets *a, const struct targets *b, uint64_t *addr)
{
	uint64_t found = 0;
	int n = 0;

	if (a->overflow || b->overflow)
		return -ENOENT;
	for (int i = 0; i < a->n; i++) {
		if (targets_has(b, a->v[i])) {
			found = a->v[i];
			n++;
		}
	}
	if (n != 1)
		return -ENOENT;
	*addr = found;
	return 0;
}

/*
 * mProf_FlushLocked: `head := (*bucket)(mbuckets.Load())` is its one 8-byte
 * RIP-relative load; stkbucket's `allnext = &mbuckets` takes its address.
 */
int memprof_find_mbuckets(const struct gobin *bin, uint64_t *addr)
{
	struct targets loads = {}, leas = {};

	collect(bin, "runtime.mProf_FlushLocked", LOAD8, &loads);
	if (loads.n != 1)
		return -ENOENT;
	collect(bin, "runtime.stkbucket", LEA8, &leas);
	return only_common(&loads, &leas, addr);
}

/*
 * mProf_Flush: setFlushed's CompareAndSwap is `LEAQ mProfCycle(%rip), r;
 * LOCK CMPXCHGL r32, (r)`; mProf_PostSweep's read() loads it with MOVL.
 */
int memprof_find_mprof_cycle(const struct gobin *bin, uint64_t *addr)
{
	struct targets cas = {}, loads = {};
	const uint8_t *code;
	uint64_t entry, len, rel, end;

	if (func_code(bin, "runtime.mProf_Flush", &code, &entry, &len))
		return -ENOENT;
	for (uint64_t i = 0; i < len; i++)
		if (rip_at(code, len, i, LEA8, &rel, &end) && end + 3 <= len &&
		    code[end] == 0xf0 && code[end + 1] == 0x0f && code[end + 2] == 0xb1)
			targets_add(&cas, gocode_rel32_target(code, entry, rel, end));
	collect(bin, "runtime.mProf_PostSweep", LOAD4, &loads);
	return only_common(&cas, &loads, addr);
}

/*
 * schedinit (go1.21+): `if disableMemoryProfiling { MemProfileRate = 0 }` is
 * CMPB $0, disable(%rip) (80 3d rel32 00); JE/JNE (74/75 rel8, 0f 84/85
 * rel32); MOVQ $0, rate(%rip) (48 c7 05 rel32 00000000). Fills the pairs
 * found (at most MAX_TARGETS).
 */
static int schedinit_pairs(const struct gobin *bin, struct targets *disable,
			   struct targets *rate)
{
	const uint8_t *code;
	uint64_t entry, len;

	if (func_code(bin, "runtime.schedinit", &code, &entry, &len))
		return -ENOENT;
	for (uint64_t i = 0; i + 7 <= len; i++) {
		uint64_t j;

		if (code[i] != 0x80 || code[i + 1] != 0x3d || code[i + 6] != 0)
			continue;
		j = i + 7;
		if (j + 2 <= len && (code[j] == 0x74 || code[j] == 0x75))
			j += 2;
		else if (j + 6 <= len && code[j] == 0x0f && (code[j + 1] == 0x84 || code[j + 1] == 0x85))
			j += 6;
		else
			continue;
		if (j + 11 > len || code[j] != 0x48 || code[j + 1] != 0xc7 || code[j + 2] != 0x05 ||
		    code[j + 7] || code[j + 8] || code[j + 9] || code[j + 10])
			continue;
		targets_add(disable, gocode_rel32_target(code, entry, i + 2, i + 7));
		targets_add(rate, gocode_rel32_target(code, entry, j + 3, j + 11));
	}
	return 0;
}

/*
 * MemProfileRate: loaded by profilealloc (nextSample reads it) and stored
 * by the GODEBUG parser (memprofilerate=N): parsedebugvars up to go1.20,
 * parsegodebug from go1.21. Exactly one address must be both. In go1.21+
 * schedinit must agree, and gives disableMemoryProfiling.
 */
int memprof_find_rate(const struct gobin *bin, uint64_t *rate, uint64_t *disable)
{
	struct targets loads = {}, stores = {}, dis = {}, zeroed = {};
	uint64_t found;

	*disable = 0;
	collect(bin, "runtime.profilealloc", LOAD8, &loads);
	collect(bin, "runtime.parsedebugvars", STORE8, &stores);
	collect(bin, "runtime.parsegodebug", STORE8, &stores);
	if (only_common(&loads, &stores, &found))
		return -ENOENT;
	if (!schedinit_pairs(bin, &dis, &zeroed) && zeroed.n) {
		/* go1.21+: the pattern exists, so it must name the same rate
		 * and one flag. */
		if (zeroed.n != 1 || zeroed.v[0] != found || dis.n != 1 || zeroed.overflow)
			return -ENOENT;
		*disable = dis.v[0];
	}
	*rate = found;
	return 0;
}

int memprof_locate(const struct gobin *bin, struct memprof_addrs *out)
{
	uint64_t addr, rate, disable;
	bool rate_sym, disable_sym;

	memset(out, 0, sizeof(*out));
	if (!gobin_symbol_addr(bin, "runtime.mbuckets", &addr)) {
		out->mbuckets = addr;
	} else if (!memprof_find_mbuckets(bin, &addr)) {
		out->mbuckets = addr;
		out->from_code = true;
	}
	if (!gobin_symbol_addr(bin, "runtime.mProfCycle", &addr)) {
		out->mprof_cycle = addr;
	} else if (!memprof_find_mprof_cycle(bin, &addr)) {
		out->mprof_cycle = addr;
		out->from_code = true;
	}
	rate_sym = !gobin_symbol_addr(bin, "runtime.MemProfileRate", &out->mem_profile_rate);
	disable_sym = !gobin_symbol_addr(bin, "runtime.disableMemoryProfiling",
					 &out->disable_memory_profiling);
	if (!rate_sym)
		out->mem_profile_rate = 0;
	if (!disable_sym)
		out->disable_memory_profiling = 0;
	if ((!rate_sym || !disable_sym) && !memprof_find_rate(bin, &rate, &disable)) {
		if (!rate_sym)
			out->mem_profile_rate = rate;
		if (!disable_sym)
			out->disable_memory_profiling = disable;
		out->from_code = true;
	}
	return 0;
}

/* ---- walking the buckets ---- */

static uint64_t get_u64(const uint8_t *buf, uint32_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/* Whether [off, off + width) lies inside len bytes. */
static bool fits(uint32_t off, uint32_t width, uint64_t len)
{
	return go_layout_has(off) && (uint64_t)off + width <= len;
}

static bool layout_ok(const struct go_layout *l)
{
	uint32_t cyc = l->mem_record_cycle_size;
	bool with_bytes = go_layout_has(l->mem_record_cycle_alloc_bytes);

	return l->bucket_header_size && l->bucket_header_size <= MAX_HEADER &&
	       l->bucket_header_size % 8 == 0 &&
	       fits(l->bucket_allnext, 8, l->bucket_header_size) &&
	       fits(l->bucket_typ, 8, l->bucket_header_size) &&
	       fits(l->bucket_obj_size, 8, l->bucket_header_size) &&
	       fits(l->bucket_nstk, 8, l->bucket_header_size) &&
	       l->mem_record_size && l->mem_record_size <= MAX_RECORD && cyc &&
	       l->mem_record_active_size == cyc &&
	       (uint64_t)l->mem_record_future_size == (uint64_t)FUTURE_CYCLES * cyc &&
	       fits(l->mem_record_active, cyc, l->mem_record_size) &&
	       fits(l->mem_record_future, l->mem_record_future_size, l->mem_record_size) &&
	       fits(l->mem_record_cycle_allocs, 8, cyc) && fits(l->mem_record_cycle_frees, 8, cyc) &&
	       with_bytes == go_layout_has(l->mem_record_cycle_free_bytes) &&
	       (!with_bytes || (fits(l->mem_record_cycle_alloc_bytes, 8, cyc) &&
				fits(l->mem_record_cycle_free_bytes, 8, cyc))) &&
	       go_layout_has(l->mprof_cycle_value) &&
	       l->mprof_max_stack > 0 && l->mprof_max_stack <= MAX_STACK_LIMIT;
}

/* One memRecordCycle: allocs, frees, alloc_bytes, free_bytes. */
struct counts {
	uint64_t v[4];
};

static void read_cycle(const uint8_t *rec, uint32_t at, const struct go_layout *l,
		       struct counts *c)
{
	c->v[0] = get_u64(rec, at + l->mem_record_cycle_allocs);
	c->v[1] = get_u64(rec, at + l->mem_record_cycle_frees);
	if (go_layout_has(l->mem_record_cycle_alloc_bytes)) {
		c->v[2] = get_u64(rec, at + l->mem_record_cycle_alloc_bytes);
		c->v[3] = get_u64(rec, at + l->mem_record_cycle_free_bytes);
	} else {
		c->v[2] = c->v[3] = 0;
	}
}

static void add_counts(struct counts *a, const struct counts *b)
{
	for (int i = 0; i < 4; i++)
		a->v[i] += b->v[i];
}

/* Addresses already walked: open addressing, 0 is empty (never a bucket). */
struct seen {
	uint64_t *slot;
	size_t cap, n;
};

static size_t seen_hash(uint64_t a, size_t cap)
{
	return (size_t)((a >> 3) * 0x9e3779b97f4a7c15ull) & (cap - 1);
}

/* 1: already there; 0: added; -ENOMEM. */
static int seen_add(struct seen *s, uint64_t a)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->slot[k])
				continue;
			for (i = seen_hash(s->slot[k], cap); slot[i]; i = (i + 1) & (cap - 1))
				;
			slot[i] = s->slot[k];
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (i = seen_hash(a, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == a)
			return 1;
	s->slot[i] = a;
	s->n++;
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

void memprof_free(struct memprof *p)
{
	if (!p)
		return;
	free(p->records);
	free(p->pcs);
	memset(p, 0, sizeof(*p));
}

int memprof_walk(memprof_read_fn read, void *ctx, uint64_t head, uint32_t cycle_value,
		 const struct go_layout *l, const struct memprof_limits *lim,
		 struct memprof *out)
{
	size_t max = lim && lim->max_buckets ? lim->max_buckets : MEMPROF_DEFAULT_MAX_BUCKETS;
	size_t rec_cap = 0, pcs_cap = 0, others_cap = 0;
	struct counts *others = NULL;	/* per record: the two futures not flushed */
	uint8_t hdr[MAX_HEADER], *body = NULL;
	struct seen seen = {};
	uint32_t idx;
	bool empty = true;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!l || !layout_ok(l))
		return -EINVAL;
	out->cycle = cycle_value >> 1;
	out->flushed = cycle_value & 1;
	idx = out->cycle % FUTURE_CYCLES;
	body = malloc((size_t)l->mprof_max_stack * 8 + l->mem_record_size);
	if (!body)
		return -ENOMEM;

	for (uint64_t addr = head; addr;) {
		struct memprof_record *r;
		struct counts act, fut[FUTURE_CYCLES];
		uint64_t typ, nstk, next;
		size_t body_len;
		uint32_t rec;
		int seen_ret;

		if (out->count >= max) {
			out->stop = MEMPROF_CAP;
			break;
		}
		if (addr % 8 || addr + l->bucket_header_size < addr) {
			out->stop = MEMPROF_GARBAGE;
			break;
		}
		seen_ret = seen_add(&seen, addr);
		if (seen_ret < 0) {
			ret = seen_ret;
			goto cleanup;
		}
		if (seen_ret) {
			out->stop = MEMPROF_CYCLE;
			break;
		}
		ret = read(ctx, addr, hdr, l->bucket_header_size);
		if (ret) {
			out->stop = MEMPROF_READ_ERROR;
			out->read_error = ret;
			ret = 0;
			break;
		}
		typ = get_u64(hdr, l->bucket_typ);
		nstk = get_u64(hdr, l->bucket_nstk);
		next = get_u64(hdr, l->bucket_allnext);
		if (typ != BUCKET_MEM_PROFILE || nstk > l->mprof_max_stack) {
			out->stop = MEMPROF_GARBAGE;
			break;
		}
		body_len = (size_t)nstk * 8 + l->mem_record_size;
		ret = read(ctx, addr + l->bucket_header_size, body, body_len);
		if (ret) {
			out->stop = MEMPROF_READ_ERROR;
			out->read_error = ret;
			ret = 0;
			break;
		}
		if (grow((void **)&out->records, &rec_cap, out->count + 1, sizeof(*out->records)) ||
		    grow((void **)&others, &others_cap, out->count + 1, sizeof(*others)) ||
		    grow((void **)&out->pcs, &pcs_cap, out->npcs + nstk, sizeof(*out->pcs))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		memcpy(out->pcs + out->npcs, body, (size_t)nstk * 8);
		rec = (uint32_t)nstk * 8;
		read_cycle(body, rec + l->mem_record_active, l, &act);
		for (int c = 0; c < FUTURE_CYCLES; c++)
			read_cycle(body, rec + l->mem_record_future + c * l->mem_record_cycle_size,
				   l, &fut[c]);
		/* mProf_FlushLocked(cycle % 3): future[index] into active. */
		add_counts(&act, &fut[idx]);
		others[out->count] = fut[(idx + 1) % FUTURE_CYCLES];
		add_counts(&others[out->count], &fut[(idx + 2) % FUTURE_CYCLES]);
		if (act.v[0] || act.v[1])
			empty = false;

		r = &out->records[out->count++];
		memset(r, 0, sizeof(*r));
		r->npcs = (uint32_t)nstk;
		r->obj_size = get_u64(hdr, l->bucket_obj_size);
		r->allocs = act.v[0];
		r->frees = act.v[1];
		r->alloc_bytes = act.v[2];
		r->free_bytes = act.v[3];
		r->addr = addr;
		out->npcs += nstk;
		addr = next;
	}
	if (out->stop != MEMPROF_COMPLETE)
		out->unread = 1;

	/* MemProfile's `clear`: no bucket has published data yet (no GC
	 * finished), so all cycles are accumulated. Only meaningful when the
	 * whole list was read, as the runtime reads it. */
	if (empty && out->count && out->stop == MEMPROF_COMPLETE) {
		out->all_futures = true;
		for (size_t i = 0; i < out->count; i++) {
			struct memprof_record *r = &out->records[i];

			r->allocs += others[i].v[0];
			r->frees += others[i].v[1];
			r->alloc_bytes += others[i].v[2];
			r->free_bytes += others[i].v[3];
		}
	}
	/* go1.27 keeps no bytes: copyMemProfileRecord multiplies. */
	for (size_t i = 0, at = 0; i < out->count; i++) {
		struct memprof_record *r = &out->records[i];

		if (!go_layout_has(l->mem_record_cycle_alloc_bytes)) {
			r->alloc_bytes = r->allocs * r->obj_size;
			r->free_bytes = r->frees * r->obj_size;
		}
		r->pcs = out->pcs + at;
		at += r->npcs;
	}

cleanup:
	free(body);
	free(others);
	free(seen.slot);
	if (ret)
		memprof_free(out);
	return ret;
}

static int read_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return target_mem_read(*(pid_t *)ctx, addr, buf, len);
}

int memprof_read(pid_t pid, uint64_t load_bias, const struct gobin *bin,
		 const struct go_layout *layout, const struct memprof_limits *lim,
		 struct memprof *out)
{
	struct memprof_addrs a;
	uint32_t value;
	uint64_t head;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!layout || !layout_ok(layout))
		return -EINVAL;
	memprof_locate(bin, &a);
	if (!a.mbuckets || !a.mprof_cycle)
		return -ENOENT;
	/* As memProfileInternal: the cycle first, then the list's head. */
	ret = target_mem_read(pid, a.mprof_cycle + load_bias + layout->mprof_cycle_value,
			      &value, sizeof(value));
	if (!ret)
		ret = target_mem_read(pid, a.mbuckets + load_bias, &head, sizeof(head));
	if (ret)
		return ret;
	return memprof_walk(read_target, &pid, head, value, layout, lim, out);
}

/* ---- MemProfileRate ---- */

static int rate_addr(const struct gobin *bin, uint64_t load_bias, uint64_t *addr)
{
	struct memprof_addrs a;

	memprof_locate(bin, &a);
	if (!a.mem_profile_rate)
		return -ENOENT;
	*addr = a.mem_profile_rate + load_bias;
	return 0;
}

int memprof_rate_read(pid_t pid, uint64_t load_bias, const struct gobin *bin, int64_t *rate)
{
	uint64_t addr;
	int ret = rate_addr(bin, load_bias, &addr);

	return ret ? ret : target_mem_read(pid, addr, rate, sizeof(*rate));
}

/* The only write to a target: 8 bytes, process_vm_writev, else
 * /proc/PID/mem. */
static int write_target_u64(pid_t pid, uint64_t addr, int64_t v)
{
	struct iovec local = { .iov_base = &v, .iov_len = sizeof(v) };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = sizeof(v) };
	char path[64];
	ssize_t n;
	int fd, ret;

	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)sizeof(v))
		return 0;
	if (n >= 0)
		return -EFAULT;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	do {
		n = pwrite(fd, &v, sizeof(v), (off_t)addr);
	} while (n < 0 && errno == EINTR);
	ret = n == (ssize_t)sizeof(v) ? 0 : n < 0 ? -errno : -EFAULT;
	close(fd);
	return ret;
}

int memprof_rate_write(pid_t pid, uint64_t load_bias, const struct gobin *bin, int64_t rate,
		       int64_t *old)
{
	uint64_t addr;
	int ret;

	if (rate < 0 || pid <= 0)
		return -EINVAL;
	ret = rate_addr(bin, load_bias, &addr);
	if (!ret)
		ret = target_mem_read(pid, addr, old, sizeof(*old));
	return ret ? ret : write_target_u64(pid, addr, rate);
}

/* ---- unscaling as runtime/pprof does ---- */

/* Go's int64(f) on amd64 (CVTTSD2SQ): out of range or NaN gives MinInt64. */
static int64_t go_int64(double f)
{
	if (!(f > -9223372036854775808.0 && f < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)f;
}

void memprof_scale(int minor, int64_t count, int64_t bytes, int64_t rate,
		   int64_t *out_count, int64_t *out_bytes)
{
	double avg, scale;
	/* go1.27: bytes is the average size; the total is count x it. */
	int64_t total = minor >= 127 ? (int64_t)((uint64_t)count * (uint64_t)bytes) : bytes;

	if (count == 0 || bytes == 0) {
		*out_count = *out_bytes = 0;
		return;
	}
	if (rate <= 1) {
		*out_count = count;
		*out_bytes = total;
		return;
	}
	avg = minor >= 127 ? (double)bytes : (double)bytes / (double)count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	*out_count = go_int64((double)count * scale);
	*out_bytes = go_int64((double)total * scale);
}

void memprof_scale_record(int minor, const struct memprof_record *r, int64_t rate,
			  struct memprof_scaled *out)
{
	int64_t allocs = (int64_t)r->allocs, inuse = (int64_t)(r->allocs - r->frees);

	if (minor >= 127) {
		memprof_scale(minor, allocs, (int64_t)r->obj_size, rate, &out->alloc_objects,
			      &out->alloc_bytes);
		memprof_scale(minor, inuse, (int64_t)r->obj_size, rate, &out->inuse_objects,
			      &out->inuse_bytes);
	} else {
		memprof_scale(minor, allocs, (int64_t)r->alloc_bytes, rate, &out->alloc_objects,
			      &out->alloc_bytes);
		memprof_scale(minor, inuse, (int64_t)(r->alloc_bytes - r->free_bytes), rate,
			      &out->inuse_objects, &out->inuse_bytes);
	}
}

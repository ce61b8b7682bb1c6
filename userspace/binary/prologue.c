// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Decodes the amd64 prologue the Go compiler emits: where the stack check's
 * branch to morestack is, where the frame pointer is pushed, and the first
 * instruction after the frame is set up. The probe plan chooses among them:
 * the kernel emulates a JLS or a PUSHQ in a fraction of a microsecond, and
 * single-steps everything after them (a second trap, ~15 us on VMs).
 *
 * Only the instruction forms the compiler emits for prologues are accepted
 * (Go 1.19-1.27); anything else is -ENOENT, never a guess:
 *   stack check:  CMPQ SP, 16(R14)            49 3b 66 10
 *             or  LEAQ -N(SP), R12            4c 8d 64 24 ib | 4c 8d a4 24 id
 *                 CMPQ R12, 16(R14)           4d 3b 66 10
 *                 JLS morestack               76 rb | 0f 86 rd
 *   frame (1.21+): PUSHQ BP; MOVQ SP, BP      55; 48 89 e5
 *   frame (1.19-1.20): SUBQ $n, SP             48 83 ec ib | 48 81 ec id
 *                 MOVQ BP, m(SP)              48 89 6c 24 ib | 48 89 ac 24 id
 *                 LEAQ m(SP), BP              48 8d 6c 24 ib | 48 8d ac 24 id
 */
#include <errno.h>
#include <string.h>

#include "binary/prologue.h"

struct cursor {
	const uint8_t *code;
	size_t len;
	size_t pos;
};

/* Consumes bytes equal to pat followed by an 8- or 32-bit immediate chosen
 * by the variant whose pattern matches. */
static int take(struct cursor *c, const uint8_t *pat, size_t n, size_t imm)
{
	if (c->pos > c->len || c->len - c->pos < n + imm)
		return 0;
	if (memcmp(c->code + c->pos, pat, n))
		return 0;
	c->pos += n + imm;
	return 1;
}

static int take_imm8_or_32(struct cursor *c, const uint8_t *pat8,
			   const uint8_t *pat32, size_t n)
{
	return take(c, pat8, n, 1) || take(c, pat32, n, 4);
}

int go_prologue_decode(const uint8_t *code, size_t len, struct go_prologue *p)
{
	static const uint8_t cmp_sp_r14[] = { 0x49, 0x3b, 0x66, 0x10 };
	static const uint8_t lea_r12_8[] = { 0x4c, 0x8d, 0x64, 0x24 };
	static const uint8_t lea_r12_32[] = { 0x4c, 0x8d, 0xa4, 0x24 };
	static const uint8_t cmp_r12_r14[] = { 0x4d, 0x3b, 0x66, 0x10 };
	static const uint8_t jls8[] = { 0x76 };
	static const uint8_t jls32[] = { 0x0f, 0x86 };
	static const uint8_t push_bp[] = { 0x55 };
	static const uint8_t mov_sp_bp[] = { 0x48, 0x89, 0xe5 };
	static const uint8_t sub_sp8[] = { 0x48, 0x83, 0xec };
	static const uint8_t sub_sp32[] = { 0x48, 0x81, 0xec };
	static const uint8_t mov_bp8[] = { 0x48, 0x89, 0x6c, 0x24 };
	static const uint8_t mov_bp32[] = { 0x48, 0x89, 0xac, 0x24 };
	static const uint8_t lea_bp8[] = { 0x48, 0x8d, 0x6c, 0x24 };
	static const uint8_t lea_bp32[] = { 0x48, 0x8d, 0xac, 0x24 };
	struct cursor c = { .code = code, .len = len, .pos = 0 };

	memset(p, 0, sizeof(*p));
	if (take(&c, cmp_sp_r14, sizeof(cmp_sp_r14), 0)) {
		p->stack_check = true;
	} else if (take_imm8_or_32(&c, lea_r12_8, lea_r12_32, sizeof(lea_r12_8))) {
		if (!take(&c, cmp_r12_r14, sizeof(cmp_r12_r14), 0))
			return -ENOENT;
		p->stack_check = true;
	}
	p->check_jls = c.pos;
	if (p->stack_check && !take(&c, jls8, 1, 1) && !take(&c, jls32, 2, 4))
		return -ENOENT;

	p->push = c.pos;
	if (take(&c, push_bp, 1, 0)) {
		if (!take(&c, mov_sp_bp, sizeof(mov_sp_bp), 0))
			return -ENOENT;
		p->push_bp = true;
	} else if (take_imm8_or_32(&c, sub_sp8, sub_sp32, sizeof(sub_sp8))) {
		if (!take_imm8_or_32(&c, mov_bp8, mov_bp32, sizeof(mov_bp8)) ||
		    !take_imm8_or_32(&c, lea_bp8, lea_bp32, sizeof(lea_bp8)))
			return -ENOENT;
	} else {
		return -ENOENT;
	}
	p->frame_end = c.pos;
	return 0;
}

int go_prologue_end(const uint8_t *code, size_t len, size_t *offset)
{
	struct go_prologue p;
	int ret = go_prologue_decode(code, len, &p);

	if (!ret)
		*offset = p.frame_end;
	return ret;
}

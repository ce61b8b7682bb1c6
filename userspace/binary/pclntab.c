// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads Go's function table (.gopclntab) in place, as the runtime does
 * (runtime/symtab.go, symtabinl.go): locates and validates the pcHeader and
 * the functab, finds runtime.firstmoduledata for the text base and the
 * funcdata base, and decodes pc-value tables and inline trees. Owns no
 * memory: everything points into the ELF mapping.
 *
 * pcHeader (all versions): magic u32, pad1 u8, pad2 u8, minLC u8, ptrSize u8,
 * nfunc @8, nfiles @16; then 1.18+: textStart @24 (0 from 1.26 on),
 * funcnameOffset @32, cuOffset @40, filetabOffset @48, pctabOffset @56,
 * pclnOffset @64; 1.16-1.17: the same offsets from @24, no textStart.
 * At pclnOffset: nfunc+1 functab entries {u32 entryoff, u32 funcoff} (1.18+)
 * or {u64 entry, u64 funcoff} (1.16-1.17); funcoff is relative to pclnOffset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binary/pclntab.h"

#define MAGIC_GO116 0xfffffffau
#define MAGIC_GO118 0xfffffff0u
#define MAGIC_GO120 0xfffffff1u
#define MAX_NFUNC (1u << 24)
/* Inline tree indexes beyond this are treated as corrupt tables. */
#define MAX_INLINE_INDEX (1 << 20)
/* Longer function or file names are treated as corrupt (real ones are
 * below 1 KiB); bounds the cost of each lookup on hostile tables. */
#define MAX_NAME_LEN (16u << 10)
/* Plausible pcHeaders tried when scanning segments; real binaries have one. */
#define MAX_HEADER_CANDIDATES 8

/* runtime.moduledata, pointer-sized words: identical prefix 1.16-1.27. */
enum {
	MD_PCHEADER = 0,
	MD_FUNCNAMETAB = 1,	/* slices: ptr, len, cap */
	MD_CUTAB = 4,
	MD_FILETAB = 7,
	MD_PCTAB = 10,
	MD_PCLNTABLE = 13,
	MD_FTAB = 16,
	MD_TEXT = 22,		/* after findfunctab, minpc, maxpc */
	MD_WORDS = 48,		/* read this many words (covers gofunc) */
};

struct header {
	enum pclntab_format format;
	uint64_t nfunc;
	uint64_t text_start;
	uint64_t off[5];	/* funcname, cu, filetab, pctab, pcln */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

static size_t functab_entry_size(enum pclntab_format format)
{
	return format == PCLNTAB_GO116 ? 16 : 8;
}

/* Decode and sanity-check a pcHeader at the start of s. */
static bool parse_header(struct span s, struct header *h)
{
	uint32_t magic = 0;
	uint8_t pad1 = 1, pad2 = 1, quantum = 0, ptrsize = 0;
	size_t base, i, hdrlen;
	uint64_t prev;

	memset(h, 0, sizeof(*h));
	if (!span_u32(s, 0, &magic) || !span_u8(s, 4, &pad1) || !span_u8(s, 5, &pad2) ||
	    !span_u8(s, 6, &quantum) || !span_u8(s, 7, &ptrsize))
		return false;
	switch (magic) {
	case MAGIC_GO116:
		h->format = PCLNTAB_GO116;
		break;
	case MAGIC_GO118:
		h->format = PCLNTAB_GO118;
		break;
	case MAGIC_GO120:
		h->format = PCLNTAB_GO120;
		break;
	default:
		return false;
	}
	/* amd64: instructions are byte-addressed, pointers 8 bytes */
	if (pad1 || pad2 || quantum != 1 || ptrsize != 8)
		return false;
	base = h->format == PCLNTAB_GO116 ? 24 : 32;
	hdrlen = base + 5 * 8;
	if (!span_u64(s, 8, &h->nfunc) ||
	    (h->format != PCLNTAB_GO116 && !span_u64(s, 24, &h->text_start)))
		return false;
	if (h->nfunc == 0 || h->nfunc >= MAX_NFUNC)
		return false;
	/* The linker lays the tables out in this order, after the header. */
	prev = hdrlen;
	for (i = 0; i < 5; i++) {
		if (!span_u64(s, base + 8 * i, &h->off[i]) || h->off[i] < prev ||
		    h->off[i] > s.len)
			return false;
		prev = h->off[i];
	}
	/* functab with its end sentinel must fit */
	return (h->nfunc + 1) * functab_entry_size(h->format) <= s.len - h->off[4];
}

/* Set the table spans from a validated header over s (at vaddr). */
static void set_tables(struct pclntab *t, struct span s, uint64_t vaddr,
		       const struct header *h)
{
	t->format = h->format;
	t->vaddr = vaddr;
	t->data = s;
	t->nfunc = (uint32_t)h->nfunc;
	t->text_start = h->text_start;
	span_sub(s, h->off[0], h->off[1] - h->off[0], &t->funcnametab);
	span_sub(s, h->off[1], h->off[2] - h->off[1], &t->cutab);
	span_sub(s, h->off[2], h->off[3] - h->off[2], &t->filetab);
	span_sub(s, h->off[3], h->off[4] - h->off[3], &t->pctab);
	span_tail(s, h->off[4], &t->pclntable);
	switch (h->format) {
	case PCLNTAB_GO116:
		t->func_size = 44;
		break;
	case PCLNTAB_GO118:
		t->func_size = 40;
		break;
	case PCLNTAB_GO120:
		t->func_size = 44;	/* adds startLine */
		break;
	}
}

/* A slice field {ptr, len, cap} of the module data naming table tab. */
static bool md_slice_matches(const uint64_t *w, int field, const struct pclntab *t,
			     struct span tab, uint64_t *len)
{
	uint64_t want = t->vaddr + (uint64_t)(tab.data - t->data.data);

	*len = w[field + 1];
	return w[field] == want && w[field + 1] == w[field + 2];
}

/*
 * Check that the words at md are runtime.firstmoduledata for t: its table
 * slices point exactly at t's tables. Tightens t's spans to their lengths.
 */
static bool md_validate(struct pclntab *t, const uint64_t *w)
{
	static const int fields[4] = { MD_FUNCNAMETAB, MD_CUTAB, MD_FILETAB, MD_PCTAB };
	struct span *tabs[4] = { &t->funcnametab, &t->cutab, &t->filetab, &t->pctab };
	uint64_t len[5], ftablen;
	struct span fixed[5];
	int i;

	if (w[MD_PCHEADER] != t->vaddr)
		return false;
	for (i = 0; i < 4; i++) {
		if (!md_slice_matches(w, fields[i], t, *tabs[i], &len[i]))
			return false;
		/* cutab's len counts uint32s in some versions, bytes in others
		 * (1.21: bytes); its span stays the header's */
		if (fields[i] == MD_CUTAB)
			fixed[i] = *tabs[i];
		else if (!span_sub(*tabs[i], 0, len[i], &fixed[i]))
			return false;
	}
	if (!md_slice_matches(w, MD_PCLNTABLE, t, t->pclntable, &len[4]) ||
	    !span_sub(t->pclntable, 0, len[4], &fixed[4]))
		return false;
	/* ftab aliases the start of pclntable, nfunc+1 entries */
	if (!md_slice_matches(w, MD_FTAB, t, t->pclntable, &ftablen) ||
	    ftablen != (uint64_t)t->nfunc + 1 ||
	    ftablen * functab_entry_size(t->format) > len[4])
		return false;
	for (i = 0; i < 4; i++)
		*tabs[i] = fixed[i];
	t->pclntable = fixed[4];
	return true;
}

/*
 * Word index of moduledata.gofunc, from runtime/symtab.go of each version;
 * -1 if unknown. From 1.26 on epclntab follows it, which md_use checks.
 */
static int md_gofunc_index(int go_minor)
{
	if (go_minor == 119)
		return 38;	/* no covctrs yet */
	if (go_minor >= 120 && go_minor <= 126)
		return 40;	/* covctrs, ecovctrs added in 1.20 */
	if (go_minor >= 127 || go_minor == 0)
		return 43;	/* typedesclen, itaboffset, itabsize added in 1.27 */
	return -1;
}

/*
 * Word indexes of moduledata.types and etypes, from runtime/symtab.go:
 * 1.20 added covctrs and ecovctrs before them, 1.27 typedesclen between
 * them. false if unknown.
 */
static bool md_types_index(int go_minor, int *types, int *etypes)
{
	if (go_minor == 119) {
		*types = 35;
		*etypes = 36;
	} else if (go_minor >= 120 && go_minor <= 126) {
		*types = 37;
		*etypes = 38;
	} else if (go_minor >= 127 || go_minor == 0) {
		*types = 37;
		*etypes = 39;
	} else {
		return false;
	}
	return true;
}

/* The type data [types, etypes): inside one segment's file image, or left
 * unknown. */
static void md_use_types(struct pclntab *t, const uint64_t *w, int go_minor)
{
	int ti, ei;
	struct span s;

	if (!md_types_index(go_minor, &ti, &ei) || w[ti] >= w[ei] ||
	    !elf_vaddr_span(t->elf, w[ti], &s) || w[ei] - w[ti] > s.len)
		return;
	t->types_vaddr = w[ti];
	span_sub(s, 0, w[ei] - w[ti], &t->types);
}

/* Module data fields the tables need: text base and funcdata base. */
static void md_use(struct pclntab *t, const uint64_t *w, int go_minor)
{
	int gi = md_gofunc_index(go_minor);
	struct span s;

	t->text_start = w[MD_TEXT];
	md_use_types(t, w, go_minor);
	if (gi < 0 || !elf_vaddr_span(t->elf, w[gi], &s))
		return;
	/* 1.26+ (and unknown versions): epclntab must end our table */
	if ((go_minor >= 126 || go_minor == 0) &&
	    (w[gi + 1] <= t->vaddr || w[gi + 1] - t->vaddr > t->data.len))
		return;
	t->gofunc = w[gi];
}

/* Look in data at vaddr for an aligned pointer to the pcHeader that starts
 * a valid module data. */
static uint64_t scan_for_moduledata(struct pclntab *t, struct span data, uint64_t vaddr,
				    uint64_t words[MD_WORDS])
{
	uint64_t off = (8 - vaddr % 8) % 8, v;

	for (; off < data.len && data.len - off >= 8; off += 8) {
		if (span_u64(data, off, &v) && v == t->vaddr &&
		    span_copy(data, off, words, MD_WORDS * 8) && md_validate(t, words))
			return vaddr + off;
	}
	return 0;
}

/*
 * runtime.firstmoduledata: in .noptrdata when the file has section headers
 * (a short scan), else anywhere in the writable segments.
 */
static uint64_t find_moduledata(struct pclntab *t, uint64_t words[MD_WORDS])
{
	const struct elf_file *ef = t->elf;
	struct elf_section sec;
	uint64_t md;
	size_t i;

	if (elf_find_section(ef, ".noptrdata", &sec) == 0 && sec.type == SHT_PROGBITS) {
		md = scan_for_moduledata(t, sec.data, sec.addr, words);
		if (md)
			return md;
	}
	for (i = 0; i < ef->nloads; i++) {
		const struct elf_segment *seg = &ef->loads[i];

		if (!(seg->flags & PF_W))
			continue;
		md = scan_for_moduledata(t, seg->data, seg->vaddr, words);
		if (md)
			return md;
	}
	return 0;
}

/* Functab entry i as stored: an offset from the text start (1.18+) or an
 * absolute address (1.16-1.17). */
static uint64_t functab_raw_entry(const struct pclntab *t, uint32_t i)
{
	uint64_t entry = 0;
	uint32_t off = 0;

	if (t->format == PCLNTAB_GO116) {
		span_u64(t->pclntable, (uint64_t)i * 16, &entry);
		return entry;
	}
	span_u32(t->pclntable, (uint64_t)i * 8, &off);
	return off;
}

/* Check the functab once so lookups can trust it: sorted entries, records
 * inside pclntable. O(nfunc), touching only the functab. */
static bool validate_functab(const struct pclntab *t)
{
	uint64_t prev = 0, entry;
	uint32_t i;

	for (i = 0; i <= t->nfunc; i++) {
		entry = functab_raw_entry(t, i);
		if (entry < prev)
			return false;
		prev = entry;
		if (i < t->nfunc) {
			uint64_t funcoff = 0;

			if (t->format == PCLNTAB_GO116) {
				span_u64(t->pclntable, (uint64_t)i * 16 + 8, &funcoff);
			} else {
				uint32_t off32 = 0;

				span_u32(t->pclntable, (uint64_t)i * 8 + 4, &off32);
				funcoff = off32;
			}
			if (funcoff > t->pclntable.len ||
			    t->pclntable.len - funcoff < t->func_size)
				return false;
		}
	}
	return true;
}

/* Candidate pcHeaders by scanning segment images: read-only data first,
 * then writable (.data.rel.ro), then the rest. */
static bool scan_for_header(struct pclntab *t, uint64_t words[MD_WORDS],
			    uint64_t *md)
{
	static const uint32_t passes[3][2] = {
		{ PF_W | PF_X, 0 },	/* mask, value: read-only */
		{ PF_W | PF_X, PF_W },
		{ PF_X, PF_X },
	};
	const struct elf_file *ef = t->elf;
	struct pclntab first = { 0 };
	int pass, candidates = 0;
	size_t i;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < ef->nloads; i++) {
			const struct elf_segment *seg = &ef->loads[i];
			uint64_t off = (8 - seg->vaddr % 8) % 8;

			if ((seg->flags & passes[pass][0]) != passes[pass][1])
				continue;
			for (; off < seg->data.len && seg->data.len - off >= 8; off += 8) {
				struct header h;
				struct span s;
				uint32_t magic = 0;

				/* cheap filter before the full header check */
				if (!span_u32(seg->data, off, &magic) ||
				    (magic & 0xfffffff0u) != 0xfffffff0u ||
				    !span_tail(seg->data, off, &s) || !parse_header(s, &h))
					continue;
				if (++candidates > MAX_HEADER_CANDIDATES)
					goto done;
				set_tables(t, s, seg->vaddr + off, &h);
				if (!validate_functab(t))
					continue;
				*md = find_moduledata(t, words);
				if (*md)
					return true;
				if (!first.vaddr)
					first = *t;
			}
		}
	}
done:
	if (!first.vaddr)
		return false;
	*t = first;
	return true;
}

int pclntab_open(const struct elf_file *ef, int go_minor, struct pclntab *t,
		 char *err, size_t errlen)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	uint64_t words[MD_WORDS];
	struct elf_section sec;
	struct header h;
	uint64_t last;
	size_t i;
	int ret = -ENOENT;

	memset(t, 0, sizeof(*t));
	t->elf = ef;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && ret == -ENOENT; i++)
		ret = elf_find_section(ef, names[i], &sec);
	if (ret == -ENOEXEC)
		return fail(err, errlen, "truncated Go binary: %s lies outside the file",
			    sec.name);
	if (!ret) {
		if (!parse_header(sec.data, &h))
			return fail(err, errlen, "corrupt Go binary: bad %s header", sec.name);
		set_tables(t, sec.data, sec.addr, &h);
		if (!validate_functab(t))
			return fail(err, errlen, "corrupt Go binary: bad function table in %s",
				    sec.name);
		t->moduledata = find_moduledata(t, words);
	} else if (scan_for_header(t, words, &t->moduledata)) {
		/* found without section headers */
	} else {
		return fail(err, errlen, "not a Go binary (no .gopclntab function table)");
	}

	if (t->format == PCLNTAB_GO116) {
		/* absolute entries; funcdata are absolute pointers */
		t->have_inline = true;
	} else {
		if (t->moduledata) {
			md_use(t, words, go_minor);
		} else {
			uint64_t v;

			/* no module data found: fall back to the symbol table */
			if (!t->text_start && !elf_symbol_value(ef, "runtime.text", &v))
				t->text_start = v;
			if (!elf_symbol_value(ef, "go:func.*", &v) ||
			    !elf_symbol_value(ef, "go.func.*", &v))
				t->gofunc = v;
		}
		if (!t->text_start)
			return fail(err, errlen,
				    "cannot find the text start of this Go binary (no runtime.firstmoduledata)");
		/* funcdata offsets: the gofunc base as of Go 1.19 */
		t->have_inline = t->gofunc && (go_minor >= 119 || go_minor == 0);
	}
	/* again: the module data may have shortened the tables */
	if (!validate_functab(t))
		return fail(err, errlen, "corrupt Go binary: bad function table");
	last = functab_raw_entry(t, t->nfunc);
	if (t->format != PCLNTAB_GO116 && t->text_start > UINT64_MAX - last)
		return fail(err, errlen, "corrupt Go binary: text start out of range");
	return 0;
}

uint64_t pclntab_entry(const struct pclntab *t, uint32_t i)
{
	uint64_t raw = functab_raw_entry(t, i);

	return t->format == PCLNTAB_GO116 ? raw : t->text_start + raw;
}

bool pclntab_search(const struct pclntab *t, uint64_t pc, uint32_t *i)
{
	uint32_t lo = 0, hi = t->nfunc;

	if (pc < pclntab_entry(t, 0) || pc >= pclntab_entry(t, t->nfunc))
		return false;
	/* last function with entry <= pc: invariant entry(lo) <= pc < entry(hi) */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (pclntab_entry(t, mid) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	*i = lo;
	return true;
}

/* Offset of function i's _func record in pclntable. */
static bool func_record(const struct pclntab *t, uint32_t i, struct span *rec)
{
	uint64_t funcoff = 0;
	uint32_t off32 = 0;
	bool ok;

	if (t->format == PCLNTAB_GO116) {
		ok = span_u64(t->pclntable, (uint64_t)i * 16 + 8, &funcoff);
	} else {
		ok = span_u32(t->pclntable, (uint64_t)i * 8 + 4, &off32);
		funcoff = off32;
	}
	return ok && span_tail(t->pclntable, funcoff, rec) && rec->len >= t->func_size;
}

const char *pclntab_func_name(const struct pclntab *t, uint32_t i)
{
	uint32_t nameoff = 0;
	struct span rec;

	if (i >= t->nfunc || !func_record(t, i, &rec) ||
	    !span_u32(rec, t->format == PCLNTAB_GO116 ? 8 : 4, &nameoff))
		return NULL;
	return pclntab_name(t, (int32_t)nameoff);
}

bool pclntab_func(const struct pclntab *t, uint32_t i, struct pclntab_func *f)
{
	struct span r;
	bool ok;

	if (i >= t->nfunc)
		return false;
	memset(f, 0, sizeof(*f));
	f->entry = pclntab_entry(t, i);
	f->end = pclntab_entry(t, i + 1);
	if (!func_record(t, i, &r))
		return false;
	f->rec = r;
	f->rec_vaddr = t->vaddr + (uint64_t)(r.data - t->data.data);
	if (t->format == PCLNTAB_GO116) {
		ok = span_u32(r, 8, (uint32_t *)&f->nameoff) && span_u32(r, 20, &f->pcsp) &&
		     span_u32(r, 24, &f->pcfile) &&
		     span_u32(r, 28, &f->pcln) && span_u32(r, 32, &f->npcdata) &&
		     span_u32(r, 36, &f->cu_offset) && span_u8(r, 40, &f->funcid) &&
		     span_u8(r, 43, &f->nfuncdata);
	} else {
		size_t tail = t->func_size - 4;	/* funcID, flag, pad, nfuncdata */

		ok = span_u32(r, 4, (uint32_t *)&f->nameoff) && span_u32(r, 16, &f->pcsp) &&
		     span_u32(r, 20, &f->pcfile) &&
		     span_u32(r, 24, &f->pcln) && span_u32(r, 28, &f->npcdata) &&
		     span_u32(r, 32, &f->cu_offset) && span_u8(r, tail, &f->funcid) &&
		     span_u8(r, tail + 3, &f->nfuncdata);
	}
	return ok;
}

const char *pclntab_name(const struct pclntab *t, int32_t nameoff)
{
	if (nameoff < 0)
		return NULL;
	return span_cstr_max(t->funcnametab, (uint64_t)nameoff, MAX_NAME_LEN);
}

/* runtime readvarint: 32-bit, bounded here by the table's end. */
static bool read_varint32(struct span s, uint64_t *pos, uint32_t *v)
{
	uint32_t x = 0, shift = 0;
	uint8_t b;

	do {
		if (!span_u8(s, *pos, &b))
			return false;
		(*pos)++;
		x |= (uint32_t)(b & 0x7f) << (shift & 31);
		shift += 7;
	} while (b & 0x80);
	*v = x;
	return true;
}

bool pclntab_pcvalue(const struct pclntab *t, const struct pclntab_func *f,
		     uint32_t off, uint64_t targetpc, int32_t *val)
{
	uint64_t pc = f->entry, pos = 0, steps;
	uint32_t v = (uint32_t)-1;	/* int32 arithmetic that wraps like Go's */
	struct span p;

	if (off == 0 || !span_tail(t->pctab, off, &p))
		return false;
	/* Each entry of a real table advances pc: a longer walk than the
	 * function has bytes means a corrupt table. */
	for (steps = 0; steps <= f->end - f->entry + 16; steps++) {
		uint32_t uvdelta, pcdelta;
		uint8_t first = 0;

		/* runtime step(): a zero value delta ends the table, except as
		 * the very first entry */
		if (!span_u8(p, pos, &first) || (first == 0 && pc != f->entry))
			return false;
		if (!read_varint32(p, &pos, &uvdelta))
			return false;
		v += -(uvdelta & 1) ^ (uvdelta >> 1);
		if (!read_varint32(p, &pos, &pcdelta))
			return false;
		pc += pcdelta;	/* PCQuantum is 1 on amd64 */
		if (targetpc < pc) {
			*val = (int32_t)v;
			return true;
		}
	}
	return false;
}

uint32_t pclntab_pcdata(const struct pclntab *t, const struct pclntab_func *f,
			uint32_t n)
{
	uint32_t off = 0;

	if (n >= f->npcdata)
		return 0;
	span_u32(f->rec, t->func_size + (uint64_t)n * 4, &off);
	return off;
}

bool pclntab_file_line(const struct pclntab *t, const struct pclntab_func *f,
		       uint64_t pc, const char **file, int32_t *line)
{
	int32_t fileno, ln;
	uint32_t fileoff;

	if (!pclntab_pcvalue(t, f, f->pcfile, pc, &fileno) ||
	    !pclntab_pcvalue(t, f, f->pcln, pc, &ln) || fileno < 0)
		return false;
	if (!span_u32(t->cutab, ((uint64_t)f->cu_offset + (uint32_t)fileno) * 4, &fileoff) ||
	    fileoff == UINT32_MAX)
		return false;
	*file = span_cstr_max(t->filetab, fileoff, MAX_NAME_LEN);
	*line = ln;
	return *file != NULL;
}

/* Address of funcdata i of f, 0 if absent. */
static uint64_t funcdata_addr(const struct pclntab *t, const struct pclntab_func *f,
			      uint8_t i)
{
	uint64_t pos = t->func_size + (uint64_t)f->npcdata * 4;

	if (i >= f->nfuncdata)
		return 0;
	if (t->format == PCLNTAB_GO116) {
		uint64_t p = 0;

		/* pointer array, aligned to 8 in memory */
		if ((f->rec_vaddr + pos) % 8)
			pos += 4;
		if (!span_u64(f->rec, pos + (uint64_t)i * 8, &p))
			return 0;
		return p;
	} else {
		uint32_t off = UINT32_MAX;

		if (!span_u32(f->rec, pos + (uint64_t)i * 4, &off) || off == UINT32_MAX)
			return 0;
		return t->gofunc + off;
	}
}

bool pclntab_inlined_call(const struct pclntab *t, const struct pclntab_func *f,
			  int32_t index, struct pclntab_inlined_call *out)
{
	uint64_t tree, size;
	struct span e;

	if (!t->have_inline || index < 0 || index >= MAX_INLINE_INDEX)
		return false;
	tree = funcdata_addr(t, f, PCLNTAB_FUNCDATA_INLTREE);
	if (!tree)
		return false;
	/* 1.16-1.19: {parent i16, funcID u8, _ u8, file i32, line i32,
	 * func_ i32, parentPc i32}; 1.20+: {funcID u8, _ [3]u8, nameOff i32,
	 * parentPc i32, startLine i32} */
	size = t->format == PCLNTAB_GO120 ? 16 : 20;
	if (!elf_read_vaddr(t->elf, tree + (uint64_t)index * size, size, &e))
		return false;
	if (t->format == PCLNTAB_GO120)
		return span_u8(e, 0, &out->funcid) &&
		       span_u32(e, 4, (uint32_t *)&out->nameoff) &&
		       span_u32(e, 8, (uint32_t *)&out->parent_pc);
	return span_u8(e, 2, &out->funcid) && span_u32(e, 12, (uint32_t *)&out->nameoff) &&
	       span_u32(e, 16, (uint32_t *)&out->parent_pc);
}

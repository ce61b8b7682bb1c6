// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Binary facts of a Go executable (gobinary.h): opens the file through
 * elf_reader, reads build info (buildinfo.c) and the function table
 * (pclntab.c), and answers lookups by name and by PC, and symbolization of a
 * PC into its inlined source frames the way the Go runtime expands them
 * (runtime.CallersFrames / inlineUnwinder). Owns the name index and the
 * printed names of generic functions; everything else points into the
 * mapping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/buildinfo.h"
#include "binary/elf_reader.h"
#include "binary/gobinary.h"
#include "binary/pclntab.h"

/* Bounds the inline walk on corrupt tables; real chains are a few deep. */
#define MAX_INLINE_DEPTH 256

/* A function name as the runtime prints it, when that differs from the
 * pclntab name (generic shapes shown as "[...]", Go 1.21+). */
struct printed_name {
	uint32_t nameoff;
	char *name;
};

/* Name index entry; the index is sorted by (hash, func). */
struct name_key {
	uint32_t hash;
	uint32_t func;
};

struct gobin {
	int wrapper_funcid;		/* abi.FuncIDWrapper, -1 if unknown */
	struct elf_file elf;
	struct buildinfo bi;
	struct pclntab tab;
	/* exact-name lookup: hashes of all names, sorted; built with
	 * sequential passes only (a hash table's random probes cost more on
	 * 100k-function binaries) */
	struct name_key *names;
	size_t nnames;
	struct printed_name *printed;	/* sorted by nameoff */
	size_t nprinted;
};

/* FNV-1a over at most the first NAME_HASH_LEN bytes: names that share
 * them only share a hash (lookups compare whole names), and a hostile table
 * repeating one very long name costs no more to index than a real one. */
#define NAME_HASH_LEN 128

static uint32_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int i;

	for (i = 0; i < NAME_HASH_LEN && s[i]; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static const char *func_name(const struct gobin *bin, const struct pclntab_func *f)
{
	return pclntab_name(&bin->tab, f->nameoff);
}

/* Stable LSD radix sort by hash, four 8-bit digits (an even number of
 * passes leaves the result in keys). */
static void sort_names(struct name_key *keys, struct name_key *tmp, size_t n)
{
	struct name_key *src = keys, *dst = tmp, *swap;
	int shift;

	for (shift = 0; shift < 32; shift += 8) {
		size_t count[256] = { 0 }, sum = 0, i, c;

		for (i = 0; i < n; i++)
			count[(src[i].hash >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].hash >> shift) & 0xff]++] = src[i];
		swap = src;
		src = dst;
		dst = swap;
	}
}

static int build_name_index(struct gobin *bin)
{
	struct name_key *tmp = NULL;
	size_t n = 0;
	uint32_t i;
	int ret = 0;

	bin->names = calloc(bin->tab.nfunc, sizeof(*bin->names));
	tmp = calloc(bin->tab.nfunc, sizeof(*tmp));
	if (!bin->names || !tmp) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < bin->tab.nfunc; i++) {
		const char *name = pclntab_func_name(&bin->tab, i);

		if (!name)
			continue;
		bin->names[n].hash = name_hash(name);
		bin->names[n].func = i;
		n++;
	}
	sort_names(bin->names, tmp, n);
	bin->nnames = n;
cleanup:
	free(tmp);
	return ret;
}

/*
 * runtime.funcNameForPrint. Go 1.21-1.26: everything from the first '[' to
 * the last ']' becomes "[...]". 1.27 also handles methods of generic types,
 * "pkg.T[...].M[...]", and leaves malformed names alone. NULL if the name
 * prints as it is (or on allocation failure, which only loses cosmetics).
 */
static char *name_for_print(const char *name, int go_minor)
{
	const char *lb = strchr(name, '['), *rb = strrchr(name, ']');
	size_t i, j, len = strlen(name), k;
	char *out;
	int depth = 1;
	long rbr = -1, lbr = -1;

	if (!lb || !rb || rb <= lb)
		return NULL;
	i = lb - name;
	j = rb - name;
	out = malloc(len + 16);
	if (!out)
		return NULL;
	if (go_minor < 127 || !memchr(name + i + 1, '[', j - i - 1)) {
		snprintf(out, len + 16, "%.*s[...]%s", (int)i, name, name + j + 1);
		return out;
	}
	/* interior = name[i+1 : j]; find "...]___[..." at depth 0 */
	for (k = i + 1; k < j; k++) {
		if (name[k] == '[') {
			depth++;
			if (depth != 1)
				continue;
			lbr = k;
			break;
		}
		if (name[k] == ']') {
			depth--;
			if (depth < 0)
				break;
			if (depth != 0)
				continue;
			rbr = k;
		}
	}
	if (depth == 1 && rbr >= 0 && lbr > rbr) {
		snprintf(out, len + 16, "%.*s[...]%.*s[...]%s", (int)i, name,
			 (int)(lbr - rbr - 1), name + rbr + 1, name + j + 1);
		return out;
	}
	if (depth == 1 && rbr == -1 && lbr == -1) {
		snprintf(out, len + 16, "%.*s[...]%s", (int)i, name, name + j + 1);
		return out;
	}
	free(out);
	return NULL;
}

/* Names containing '[' in funcnametab, with their printed form. */
static int build_printed_names(struct gobin *bin, int go_minor)
{
	struct span tab = bin->tab.funcnametab;
	size_t cap = 0, pos = 0;

	while (pos < tab.len) {
		const uint8_t *lb = memchr(tab.data + pos, '[', tab.len - pos);
		const uint8_t *nul;
		size_t start, at;
		char *printed;

		if (!lb)
			break;
		at = lb - tab.data;
		start = at;
		while (start > 0 && tab.data[start - 1] != '\0')
			start--;
		nul = memchr(lb, '\0', tab.len - at);
		if (!nul)
			break;
		pos = (size_t)(nul - tab.data) + 1;
		printed = name_for_print((const char *)tab.data + start, go_minor);
		if (!printed)
			continue;
		if (bin->nprinted == cap) {
			struct printed_name *p;

			cap = cap ? 2 * cap : 64;
			p = realloc(bin->printed, cap * sizeof(*p));
			if (!p) {
				free(printed);
				return -ENOMEM;
			}
			bin->printed = p;
		}
		bin->printed[bin->nprinted].nameoff = (uint32_t)start;
		bin->printed[bin->nprinted].name = printed;
		bin->nprinted++;
	}
	return 0;
}

/* abi.FuncIDWrapper: the last FuncID, whose value grew as IDs were added
 * (internal/abi/symtab.go, runtime/symtab.go for 1.19). */
static int wrapper_funcid(int go_minor)
{
	if (go_minor >= 119 && go_minor <= 121)
		return 21;
	if (go_minor >= 122 && go_minor <= 124)
		return 22;	/* FuncID_corostart */
	if (go_minor >= 125)
		return 23;	/* FuncID_runFinalizers, FuncID_runCleanups */
	return -1;
}

/* Frame function name: as the runtime's tracebacks and profiles print it. */
static const char *printed_name(const struct gobin *bin, int32_t nameoff)
{
	const char *name = pclntab_name(&bin->tab, nameoff);
	size_t lo = 0, hi = bin->nprinted;

	if (!name)
		return "?";
	if (!bin->nprinted || !strchr(name, '['))
		return name;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bin->printed[mid].nameoff < (uint32_t)nameoff)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < bin->nprinted && bin->printed[lo].nameoff == (uint32_t)nameoff)
		return bin->printed[lo].name;
	return name;
}

/* Everything after the ELF file is open; name is for messages. */
static int gobin_index(struct gobin *bin, const char *name, int ret, char *msg,
		       size_t msglen, char *err, size_t errlen)
{
	int minor;

	if (ret)
		goto cleanup;
	if (bin->elf.machine != EM_X86_64) {
		snprintf(msg, msglen, "not an x86-64 binary (ELF machine %u)",
			 bin->elf.machine);
		ret = -ENOEXEC;
		goto cleanup;
	}
	ret = buildinfo_read(&bin->elf, &bin->bi, msg, msglen);
	if (ret)
		goto cleanup;
	ret = pclntab_open(&bin->elf, bin->bi.minor, &bin->tab, msg, msglen);
	if (ret)
		goto cleanup;
	ret = build_name_index(bin);
	if (ret)
		goto cleanup;
	bin->wrapper_funcid = wrapper_funcid(bin->bi.minor);
	/* the runtime prints generic names shortened from Go 1.21 on */
	minor = bin->bi.minor;
	if (!minor && bin->tab.format == PCLNTAB_GO120)
		minor = 121;
	if (minor >= 121)
		ret = build_printed_names(bin, minor);

cleanup:
	if (ret) {
		if (ret == -ENOMEM && !msg[0])
			snprintf(msg, msglen, "out of memory");
		snprintf(err, errlen, "%s: %s", name, msg);
	}
	return ret;
}

int gobin_open(const char *path, struct gobin **out, char *err, size_t errlen)
{
	struct gobin *bin;
	char msg[256] = "";
	int ret;

	*out = NULL;
	bin = calloc(1, sizeof(*bin));
	if (!bin) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ret = elf_open(path, &bin->elf, msg, sizeof(msg));
	ret = gobin_index(bin, path, ret, msg, sizeof(msg), err, errlen);
	if (ret) {
		gobin_close(bin);
		return ret;
	}
	*out = bin;
	return 0;
}

int gobin_open_mem(const void *data, size_t len, const char *name, struct gobin **out,
		   char *err, size_t errlen)
{
	struct gobin *bin;
	char msg[256] = "";
	int ret;

	*out = NULL;
	bin = calloc(1, sizeof(*bin));
	if (!bin) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	ret = elf_open_mem(data, len, &bin->elf, msg, sizeof(msg));
	ret = gobin_index(bin, name, ret, msg, sizeof(msg), err, errlen);
	if (ret) {
		gobin_close(bin);
		return ret;
	}
	*out = bin;
	return 0;
}

void gobin_close(struct gobin *bin)
{
	size_t i;

	if (!bin)
		return;
	for (i = 0; i < bin->nprinted; i++)
		free(bin->printed[i].name);
	free(bin->printed);
	free(bin->names);
	buildinfo_free(&bin->bi);
	elf_close(&bin->elf);
	free(bin);
}

const char *gobin_go_version(const struct gobin *bin)
{
	return bin->bi.version;
}

const char *gobin_go_experiments(const struct gobin *bin)
{
	const char *v = gobin_go_version(bin), *x;

	for (x = v ? strstr(v, "X:") : NULL; x; x = strstr(x + 2, "X:"))
		if (x > v && (x[-1] == ' ' || x[-1] == '-'))
			return x[2] ? x + 2 : NULL;
	return NULL;
}

bool gobin_has_experiment(const struct gobin *bin, const char *name)
{
	const char *x = gobin_go_experiments(bin);
	size_t n = strlen(name);

	/* A comma-separated list up to the end of the version or a space. */
	while (x && *x && *x != ' ') {
		size_t len = strcspn(x, ", ");

		if (len == n && !strncmp(x, name, n))
			return true;
		x += len;
		if (*x == ',')
			x++;
	}
	return false;
}

int gobin_go_minor(const struct gobin *bin)
{
	return bin->bi.minor;
}

int gobin_assume_go_version(struct gobin *bin, const char *version)
{
	int minor = version ? buildinfo_parse_minor(version) : 0;
	struct pclntab tab;
	char msg[128];
	int ret = 0;

	if (bin->bi.version)
		return -EEXIST;
	if (minor <= 0)
		return -EINVAL;
	/* Its moduledata's layout (gofunc: inline trees; types) is the
	 * version's: read again with it, before anything is changed. */
	if (pclntab_open(&bin->elf, minor, &tab, msg, sizeof(msg)))
		return -EINVAL;
	bin->bi.version = strdup(version);
	if (!bin->bi.version)
		return -ENOMEM;
	bin->tab = tab;
	bin->bi.minor = minor;
	bin->wrapper_funcid = wrapper_funcid(minor);
	if (minor >= 121 && !bin->printed)
		ret = build_printed_names(bin, minor);
	return ret;
}

unsigned gobin_build_modes(const struct gobin *bin)
{
	static const struct { const char *func; unsigned mode; } marks[] = {
		{ "runtime.raceinit", GO_BUILD_RACE },
		{ "runtime.msanread", GO_BUILD_MSAN },
		{ "runtime.asanread", GO_BUILD_ASAN },
	};
	struct gobin_func fn;
	unsigned modes = 0;

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!gobin_find_func(bin, marks[i].func, &fn))
			modes |= marks[i].mode;
	return modes;
}

const char *gobin_build_modes_name(unsigned modes)
{
	static const char *const names[8] = {
		"", "race", "msan", "race+msan", "asan", "race+asan", "msan+asan",
		"race+msan+asan",
	};

	return names[modes & 7];
}

const char *gobin_main_path(const struct gobin *bin)
{
	return bin->bi.main_path;
}

const char *gobin_vcs_revision(const struct gobin *bin)
{
	return bin->bi.vcs_revision;
}

bool gobin_is_pie(const struct gobin *bin)
{
	return bin->elf.type == ET_DYN;
}

size_t gobin_func_count(const struct gobin *bin)
{
	return bin->tab.nfunc;
}

static int fill_func(const struct gobin *bin, uint32_t i, struct gobin_func *out)
{
	struct pclntab_func f;
	const char *name;

	if (!pclntab_func(&bin->tab, i, &f) || !(name = func_name(bin, &f)))
		return -ENOEXEC;
	out->entry = f.entry;
	out->end = f.end;
	out->name = name;
	return 0;
}

int gobin_func_by_index(const struct gobin *bin, size_t i, struct gobin_func *out)
{
	if (i >= bin->tab.nfunc)
		return -ERANGE;
	return fill_func(bin, (uint32_t)i, out);
}

int gobin_find_func(const struct gobin *bin, const char *name, struct gobin_func *out)
{
	uint32_t h = name_hash(name);
	size_t lo = 0, hi = bin->nnames;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bin->names[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* equal hashes are in function order: the first match is the lowest
	 * index, as for duplicate names */
	for (; lo < bin->nnames && bin->names[lo].hash == h; lo++) {
		const char *s = pclntab_func_name(&bin->tab, bin->names[lo].func);

		if (s && strcmp(s, name) == 0)
			return fill_func(bin, bin->names[lo].func, out);
	}
	return -ENOENT;
}

int gobin_func_at(const struct gobin *bin, uint64_t pc, struct gobin_func *out)
{
	uint32_t i;

	if (!pclntab_search(&bin->tab, pc, &i))
		return -ENOENT;
	return fill_func(bin, i, out);
}

int gobin_sp_delta(const struct gobin *bin, uint64_t pc, int32_t *delta)
{
	struct pclntab_func f;
	uint32_t i;

	if (!pclntab_search(&bin->tab, pc, &i) || !pclntab_func(&bin->tab, i, &f) ||
	    !f.pcsp || !pclntab_pcvalue(&bin->tab, &f, f.pcsp, pc, delta))
		return -ENOENT;
	return 0;
}

int gobin_symbolize(const struct gobin *bin, uint64_t pc,
		    struct gobin_frame *frames, int max)
{
	const struct pclntab *t = &bin->tab;
	struct pclntab_func f;
	uint32_t inl_table, i;
	int n = 0, depth;

	if (max <= 0)
		return -EINVAL;
	if (!pclntab_search(t, pc, &i))
		return -ENOENT;
	if (!pclntab_func(t, i, &f))
		return -ENOEXEC;
	inl_table = t->have_inline ? pclntab_pcdata(t, &f, PCLNTAB_PCDATA_INLTREE_INDEX) : 0;

	/* runtime inlineUnwinder: the frame at pc is the inlined call whose
	 * index the inline-tree pcdata gives there; its caller's position is
	 * the position of parentPc, and so on out to the physical function. */
	for (depth = 0; n < max && depth < MAX_INLINE_DEPTH; depth++) {
		struct pclntab_inlined_call call;
		struct gobin_frame *fr = &frames[n++];
		int32_t index = -1, line = 0;
		const char *file = "?";
		bool inlined;

		if (inl_table && !pclntab_pcvalue(t, &f, inl_table, pc, &index))
			index = -1;
		inlined = index >= 0 && pclntab_inlined_call(t, &f, index, &call);
		if (!pclntab_file_line(t, &f, pc, &file, &line)) {
			file = "?";
			line = 0;
		}
		fr->function = printed_name(bin, inlined ? call.nameoff : f.nameoff);
		fr->symbol = pclntab_name(t, inlined ? call.nameoff : f.nameoff);
		if (!fr->symbol)
			fr->symbol = "?";
		fr->file = file;
		fr->line = line > 0 ? (uint32_t)line : 0;
		fr->func_entry = f.entry;
		fr->pc = pc;
		fr->wrapper = bin->wrapper_funcid >= 0 &&
			      (inlined ? call.funcid : f.funcid) == bin->wrapper_funcid;
		if (!inlined)
			break;
		pc = f.entry + (uint64_t)(int64_t)call.parent_pc;
		if (pc < f.entry || pc >= f.end)
			break;	/* corrupt: the call site must be in this function */
	}
	return n;
}

int gobin_vaddr_to_offset(const struct gobin *bin, uint64_t vaddr, uint64_t *off)
{
	return elf_vaddr_to_offset(&bin->elf, vaddr, off);
}

const uint8_t *gobin_read(const struct gobin *bin, uint64_t vaddr, size_t len)
{
	struct span s;

	if (!elf_read_vaddr(&bin->elf, vaddr, len, &s))
		return NULL;
	return s.data;
}

int gobin_symbol_addr(const struct gobin *bin, const char *name, uint64_t *addr)
{
	return elf_symbol_value(&bin->elf, name, addr);
}

int gobin_load_segment(const struct gobin *bin, size_t i, uint64_t *vaddr,
		       const uint8_t **data, size_t *len, bool *exec)
{
	const struct elf_segment *seg;

	if (i >= bin->elf.nloads)
		return -ENOENT;
	seg = &bin->elf.loads[i];
	*vaddr = seg->vaddr;
	*data = seg->data.data;
	*len = seg->data.len;
	*exec = seg->flags & PF_X;
	return 0;
}

int gobin_dynamic_symbol_addr(const struct gobin *bin, const char *name, uint64_t *addr)
{
	return elf_dynamic_symbol_value(&bin->elf, name, addr);
}

int gobin_section_extent(const struct gobin *bin, const char *name, uint64_t *lo,
			 uint64_t *hi)
{
	struct elf_section sec;

	if (elf_find_section(&bin->elf, name, &sec) || !(sec.flags & SHF_ALLOC) || !sec.addr ||
	    sec.addr + sec.size < sec.addr)
		return -ENOENT;
	*lo = sec.addr;
	*hi = sec.addr + sec.size;
	return 0;
}

int gobin_image_extent(const struct gobin *bin, uint64_t *lo, uint64_t *hi)
{
	uint64_t l = UINT64_MAX, h = 0;

	for (size_t i = 0; i < bin->elf.nloads; i++) {
		const struct elf_segment *seg = &bin->elf.loads[i];

		if (seg->vaddr < l)
			l = seg->vaddr;
		if (seg->filesz <= UINT64_MAX - seg->vaddr && seg->vaddr + seg->filesz > h)
			h = seg->vaddr + seg->filesz;
	}
	if (l >= h)
		return -ENOENT;
	*lo = l;
	*hi = h;
	return 0;
}

int gobin_type_name(const struct gobin *bin, uint64_t vaddr, const struct gotype_layout *layout,
		    const uint8_t **name, size_t *len)
{
	const struct pclntab *t = &bin->tab;

	if (!t->types_vaddr || vaddr < t->types_vaddr || vaddr - t->types_vaddr >= t->types.len)
		return -ENXIO;
	return gotype_name(t->types.data, t->types.len, vaddr - t->types_vaddr, layout, name, len);
}

bool gobin_has_type_data(const struct gobin *bin)
{
	return bin->tab.types_vaddr != 0;
}

uint64_t gobin_first_load_vaddr(const struct gobin *bin)
{
	uint64_t best = UINT64_MAX;
	size_t i;

	for (i = 0; i < bin->elf.nloads; i++) {
		const struct elf_segment *seg = &bin->elf.loads[i];

		if (seg->offset == 0 && seg->vaddr < best)
			best = seg->vaddr;
	}
	if (best != UINT64_MAX)
		return best;
	/* no segment maps the file start: extrapolate from the lowest one */
	for (i = 0; i < bin->elf.nloads; i++) {
		const struct elf_segment *seg = &bin->elf.loads[i];

		if (seg->vaddr >= seg->offset && seg->vaddr - seg->offset < best)
			best = seg->vaddr - seg->offset;
	}
	return best == UINT64_MAX ? 0 : best;
}

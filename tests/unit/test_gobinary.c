// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of userspace/binary/gobinary.c (no root): bad input is refused with
 * -ENOEXEC and a one-line reason, truncated and corrupted copies of a real Go
 * binary never crash or hang the reader, and a real binary reads back what
 * its source says (main.outer with main.inner inlined into it).
 *
 * The Go binary: $GOMEMTRACE_TEST_GOBIN if set, else tests/tools/symprog
 * built with $GOMEMTRACE_GO (set by tests/run.sh) into
 * ${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}/test-bins/unit/.
 * GOMEMTRACE_TEST_MUTATIONS scales the number of corrupted copies (default
 * 60 per region; lower it under valgrind).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "binary/gobinary.h"

#define MAX_FRAMES 32

static char tmpdir[] = "/tmp/gomemtrace-test-gobinary.XXXXXX";

struct blob {
	uint8_t *data;
	size_t len;
};

/* ---- files ------------------------------------------------------------- */

static int read_file(const char *path, struct blob *b)
{
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto cleanup;
	b->len = st.st_size;
	b->data = malloc(b->len ? b->len : 1);
	if (!b->data)
		goto cleanup;
	n = read(fd, b->data, b->len);
	if (n != (ssize_t)b->len) {
		free(b->data);
		b->data = NULL;
		goto cleanup;
	}
	ret = 0;
cleanup:
	close(fd);
	return ret;
}

static const char *write_temp(const char *name, const void *data, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (!f)
		return NULL;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	return path;
}

/* ---- the Go binary under test ----------------------------------------- */

static bool shell_safe(const char *s)
{
	return s && !strchr(s, '\'');
}

static const char *go_binary(bool *is_symprog)
{
	static char out[512];
	const char *env = getenv("GOMEMTRACE_TEST_GOBIN");
	const char *go = getenv("GOMEMTRACE_GO");
	const char *root = getenv("GOMEMTRACE_ROOT");
	const char *cache = getenv("GOMEMTRACE_CACHE");
	char cmd[4096];

	*is_symprog = false;
	if (env && *env)
		return env;
	if (!go || !*go)
		return NULL;
	if (!root)
		root = ".";
	if (!cache)
		cache = "/var/cache/gomemtrace";
	snprintf(out, sizeof(out), "%s/test-bins/unit/symprog", cache);
	if (!shell_safe(go) || !shell_safe(root) || !shell_safe(cache))
		return NULL;
	/* always rebuilt: go's build cache makes it cheap and keeps it in
	 * step with the source */
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/test-bins/unit' && cd '%s/tests/tools/symprog' && "
		 "CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOPROXY=off "
		 "GOCACHE='%s/test-bins/gocache' GOPATH='%s/test-bins/gopath' "
		 "'%s' build -o '%s.tmp' . && mv '%s.tmp' '%s'",
		 cache, root, cache, cache, go, out, out, out);
	if (system(cmd) != 0)
		return NULL;
	*is_symprog = true;
	return out;
}

/* ---- ELF facts of the (trusted) test binary ---------------------------- */

struct layout {
	Elf64_Ehdr eh;
	uint64_t pcln_off, pcln_size;		/* .gopclntab */
	uint64_t pcln_shdr;			/* file offset of its section header */
	uint64_t info_off, info_size;		/* .go.buildinfo */
};

static int find_layout(const struct blob *b, struct layout *l)
{
	const Elf64_Shdr *sh, *strsh;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (b->len < sizeof(l->eh))
		return -1;
	memcpy(&l->eh, b->data, sizeof(l->eh));
	if (l->eh.e_shoff + (uint64_t)l->eh.e_shnum * sizeof(*sh) > b->len)
		return -1;
	sh = (const Elf64_Shdr *)(b->data + l->eh.e_shoff);
	strsh = &sh[l->eh.e_shstrndx];
	for (i = 0; i < l->eh.e_shnum; i++) {
		const char *name = (const char *)b->data + strsh->sh_offset + sh[i].sh_name;

		if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab")) {
			l->pcln_off = sh[i].sh_offset;
			l->pcln_size = sh[i].sh_size;
			l->pcln_shdr = l->eh.e_shoff + i * sizeof(*sh);
		} else if (!strcmp(name, ".go.buildinfo")) {
			l->info_off = sh[i].sh_offset;
			l->info_size = sh[i].sh_size;
		}
	}
	return l->pcln_size && l->info_size ? 0 : -1;
}

/* ---- exercising an opened binary --------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: reproducible runs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Touch every lookup; on corrupt input only memory safety is at stake. */
static size_t exercise(const struct gobin *bin)
{
	struct gobin_frame frames[MAX_FRAMES];
	size_t i, n = gobin_func_count(bin), touched = 0;
	uint64_t addr;

	gobin_go_version(bin);
	gobin_main_path(bin);
	gobin_vcs_revision(bin);
	gobin_first_load_vaddr(bin);
	gobin_symbol_addr(bin, "runtime.mallocgc", &addr);
	for (i = 0; i < n; i++) {
		struct gobin_func f, g;
		uint64_t pc;
		int k, m;

		if (gobin_func_by_index(bin, i, &f))
			continue;
		touched += strlen(f.name);
		gobin_find_func(bin, f.name, &g);
		gobin_func_at(bin, f.entry, &g);
		gobin_read(bin, f.entry, 16);
		gobin_vaddr_to_offset(bin, f.entry, &addr);
		for (k = 0; k < 3; k++) {
			pc = f.entry + (f.end > f.entry ? rng() % (f.end - f.entry) : 0);
			if (k == 2 && f.end > f.entry)
				pc = f.end - 1;
			m = gobin_symbolize(bin, pc, frames, MAX_FRAMES);
			while (m-- > 0)
				touched += strlen(frames[m].function) + strlen(frames[m].file);
		}
	}
	gobin_symbolize(bin, 0, frames, MAX_FRAMES);
	gobin_symbolize(bin, UINT64_MAX, frames, MAX_FRAMES);
	return touched;
}

/* Open path; must give 0 or -ENOEXEC with a one-line message. */
static bool open_hostile(const char *path, int *ret_out)
{
	char err[512] = "";
	struct gobin *bin = NULL;
	int ret = gobin_open(path, &bin, err, sizeof(err));

	*ret_out = ret;
	if (ret == 0) {
		exercise(bin);
		gobin_close(bin);
		return true;
	}
	return ret == -ENOEXEC && err[0] && !strchr(err, '\n') && !bin;
}

/* ---- checks --------------------------------------------------------------- */

static void expect_enoexec(const char *name, const char *path, const char *want)
{
	char err[512] = "";
	struct gobin *bin = NULL;
	int ret = gobin_open(path, &bin, err, sizeof(err));

	CHECK(ret == -ENOEXEC && !bin && !strchr(err, '\n') &&
	      strncmp(err, path, strlen(path)) == 0 && (!want || strstr(err, want)),
	      name, "ret %d, err \"%s\" (want -ENOEXEC, \"%s\")", ret, err, want ? want : "");
	gobin_close(bin);
}

static void check_bad_files(const struct blob *go)
{
	static const char text[] = "#!/bin/sh\necho not an ELF file\n";
	uint8_t buf[4096];
	Elf64_Ehdr eh;
	struct blob copy;
	char err[512];
	struct gobin *bin = NULL;
	size_t i;
	int ret;

	ret = gobin_open("/nonexistent/gomemtrace", &bin, err, sizeof(err));
	CHECK(ret == -ENOENT && !bin, "missing file gives -ENOENT", "ret %d", ret);
	expect_enoexec("directory is refused", tmpdir, "not a regular file");
	expect_enoexec("empty file is refused", write_temp("empty", "", 0), "not an ELF");
	expect_enoexec("text file is refused", write_temp("text", text, sizeof(text) - 1),
		       "not an ELF");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng();
	expect_enoexec("random bytes are refused", write_temp("random", buf, sizeof(buf)),
		       "not an ELF");

	memcpy(&eh, go->data, sizeof(eh));
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_enoexec("ELFCLASS32 is refused", write_temp("elf32", &eh, sizeof(eh)), "64-bit");
	memcpy(&eh, go->data, sizeof(eh));
	eh.e_ident[EI_DATA] = ELFDATA2MSB;
	expect_enoexec("big-endian ELF is refused", write_temp("msb", &eh, sizeof(eh)),
		       "little-endian");

	copy.len = go->len;
	copy.data = malloc(copy.len);
	if (!copy.data)
		return;
	memcpy(copy.data, go->data, copy.len);
	((Elf64_Ehdr *)copy.data)->e_machine = EM_AARCH64;
	expect_enoexec("arm64 ELF is refused", write_temp("arm64", copy.data, copy.len), "x86-64");
	free(copy.data);

	/* an x86-64 ELF executable that is not Go: this test program */
	expect_enoexec("non-Go ELF (this test program) is refused", "/proc/self/exe",
		       "not a Go binary");
}

static void check_real_binary(const char *path, bool is_symprog)
{
	struct gobin_frame frames[MAX_FRAMES];
	struct gobin_func f, g, prev = { 0 };
	struct gobin *bin = NULL;
	bool sorted = true, chain = false;
	const char *v, *file;
	char err[512] = "";
	uint64_t pc, addr, off;
	size_t i, n;
	int ret, m;

	ret = gobin_open(path, &bin, err, sizeof(err));
	CHECK(ret == 0, "real Go binary opens", "ret %d: %s", ret, err);
	if (ret)
		return;
	v = gobin_go_version(bin);
	CHECK(v && !strncmp(v, "go1.", 4) && gobin_go_minor(bin) >= 119 &&
	      gobin_go_minor(bin) == 100 + atoi(v + 4),
	      "Go version and minor", "version %s minor %d", v ? v : "NULL", gobin_go_minor(bin));
	n = gobin_func_count(bin);
	for (i = 0; i < n; i++) {
		if (gobin_func_by_index(bin, i, &f) || f.end <= f.entry ||
		    (i && f.entry < prev.end)) {
			sorted = false;
			break;
		}
		prev = f;
	}
	CHECK(n > 1000 && sorted, "function table sorted, non-overlapping",
	      "%zu functions, bad at index %zu", n, i);
	CHECK(gobin_func_by_index(bin, n, &f) == -ERANGE, "index past the end", "no -ERANGE");
	CHECK(gobin_find_func(bin, "no.such.function", &f) == -ENOENT &&
	      gobin_func_at(bin, 0x10, &f) == -ENOENT &&
	      gobin_symbolize(bin, 0x10, frames, MAX_FRAMES) == -ENOENT,
	      "unknown names and PCs give -ENOENT", "lookup succeeded");
	ret = gobin_find_func(bin, "runtime.mallocgc", &f);
	CHECK(ret == 0 && !strcmp(f.name, "runtime.mallocgc") &&
	      gobin_func_at(bin, f.entry, &g) == 0 && g.entry == f.entry &&
	      gobin_func_at(bin, f.end - 1, &g) == 0 && g.entry == f.entry &&
	      gobin_func_at(bin, f.end, &g) == 0 && g.entry == f.end,
	      "runtime.mallocgc by name and by PC", "ret %d", ret);
	if (ret == 0) {
		const uint8_t *code = gobin_read(bin, f.entry, 16);
		bool same = false;
		FILE *fp = fopen(path, "rb");
		uint8_t buf[16];

		if (fp && code && gobin_vaddr_to_offset(bin, f.entry, &off) == 0 &&
		    fseek(fp, (long)off, SEEK_SET) == 0 && fread(buf, 1, 16, fp) == 16)
			same = !memcmp(buf, code, 16);
		if (fp)
			fclose(fp);
		CHECK(same, "gobin_read matches the file at gobin_vaddr_to_offset",
		      "bytes differ or unreadable");
		CHECK(gobin_read(bin, f.entry, SIZE_MAX / 2) == NULL &&
		      gobin_read(bin, UINT64_MAX - 4, 16) == NULL,
		      "gobin_read refuses reads past a segment", "read succeeded");
		ret = gobin_symbol_addr(bin, "runtime.mallocgc", &addr);
		CHECK(ret == -ENOENT || (ret == 0 && addr == f.entry),
		      ".symtab agrees with the pclntab", "ret %d addr 0x%llx entry 0x%llx", ret,
		      (unsigned long long)addr, (unsigned long long)f.entry);
		m = gobin_symbolize(bin, f.entry, frames, MAX_FRAMES);
		CHECK(m == 1 && !strcmp(frames[0].function, "runtime.mallocgc") &&
		      strstr(frames[0].file, "runtime/malloc.go") && frames[0].line > 0 &&
		      frames[0].func_entry == f.entry,
		      "symbolize runtime.mallocgc entry", "%d frames: %s %s:%u", m,
		      m > 0 ? frames[0].function : "", m > 0 ? frames[0].file : "",
		      m > 0 ? frames[0].line : 0);
	}
	CHECK(gobin_symbolize(bin, prev.entry, frames, 0) == -EINVAL, "max 0 is -EINVAL",
	      "not -EINVAL");
	if (!is_symprog)
		goto cleanup;

	CHECK(gobin_main_path(bin) && !strcmp(gobin_main_path(bin), "example.com/symprog") &&
	      !gobin_is_pie(bin) && gobin_first_load_vaddr(bin) == 0x400000,
	      "symprog: main path, not PIE, load address", "path %s",
	      gobin_main_path(bin) ? gobin_main_path(bin) : "NULL");
	ret = gobin_find_func(bin, "main.outer", &f);
	CHECK(ret == 0, "symprog: main.outer found", "ret %d", ret);
	if (ret)
		goto cleanup;
	for (pc = f.entry; pc < f.end; pc++) {
		m = gobin_symbolize(bin, pc, frames, MAX_FRAMES);
		if (m == 2 && !strcmp(frames[0].function, "main.inner") &&
		    !strcmp(frames[1].function, "main.outer") &&
		    frames[0].func_entry == f.entry && frames[1].func_entry == f.entry &&
		    frames[1].line == frames[0].line + 5) {
			/* inner's body is 5 lines above outer's call (main.go) */
			chain = true;
			file = frames[0].file;
			CHECK(strstr(file, "symprog/main.go") != NULL, "symprog: inline frame file",
			      "file %s", file);
			m = gobin_symbolize(bin, pc, frames, 1);
			CHECK(m == 1 && !strcmp(frames[0].function, "main.inner"),
			      "symprog: max=1 gives the innermost frame", "%d frames", m);
			break;
		}
	}
	CHECK(chain, "symprog: a PC in main.outer symbolizes as [main.inner, main.outer]",
	      "no such PC in [0x%llx, 0x%llx)", (unsigned long long)f.entry,
	      (unsigned long long)f.end);
cleanup:
	gobin_close(bin);
}

/* A copy without section headers must read the same (segment scanning). */
static void check_no_section_headers(const char *orig, const struct blob *go)
{
	struct gobin *a = NULL, *b = NULL;
	struct blob copy = { .len = go->len };
	struct gobin_frame fa[MAX_FRAMES], fb[MAX_FRAMES];
	char err[512] = "";
	const char *path;
	Elf64_Ehdr *eh;
	bool same = true;
	size_t i, n;
	uint64_t addr;
	int ret;

	copy.data = malloc(copy.len);
	if (!copy.data)
		return;
	memcpy(copy.data, go->data, copy.len);
	eh = (Elf64_Ehdr *)copy.data;
	eh->e_shoff = 0;
	eh->e_shnum = 0;
	eh->e_shstrndx = 0;
	path = write_temp("nosections", copy.data, copy.len);
	free(copy.data);
	ret = gobin_open(path, &b, err, sizeof(err));
	CHECK(ret == 0, "without section headers: opens", "ret %d: %s", ret, err);
	if (ret || gobin_open(orig, &a, err, sizeof(err)))
		goto cleanup;
	n = gobin_func_count(a);
	same = n == gobin_func_count(b) && gobin_go_version(b) &&
	       !strcmp(gobin_go_version(a), gobin_go_version(b));
	for (i = 0; same && i < n; i++) {
		struct gobin_func x, y;
		int ma, mb, k;

		if (gobin_func_by_index(a, i, &x) || gobin_func_by_index(b, i, &y) ||
		    x.entry != y.entry || x.end != y.end || strcmp(x.name, y.name)) {
			same = false;
			break;
		}
		ma = gobin_symbolize(a, x.entry, fa, MAX_FRAMES);
		mb = gobin_symbolize(b, x.entry, fb, MAX_FRAMES);
		same = ma == mb;
		for (k = 0; same && k < ma; k++)
			same = !strcmp(fa[k].function, fb[k].function) &&
			       !strcmp(fa[k].file, fb[k].file) && fa[k].line == fb[k].line;
	}
	CHECK(same, "without section headers: same version, functions and frames",
	      "differs at function %zu", i);
	CHECK(gobin_symbol_addr(b, "runtime.mallocgc", &addr) == -ENOENT,
	      "without section headers: no .symtab lookups", "symbol found");
cleanup:
	gobin_close(a);
	gobin_close(b);
}

static void put_u64(struct blob *b, uint64_t off, uint64_t v)
{
	if (off + 8 <= b->len)
		memcpy(b->data + off, &v, 8);
}

/* Targeted corruptions with a known answer. */
static void check_crafted(const struct blob *go, const struct layout *l)
{
	struct blob c = { .len = go->len };
	const Elf64_Ehdr *eh = &l->eh;
	char name[128];
	struct {
		const char *what, *want;
		uint64_t off, val;
		int width;
	} cases[] = {
		{ "program headers past the end", "program headers", 32, go->len, 8 },
		{ "program header count overflows", "program headers", 56, 0xffff, 2 },
		{ "section headers at a huge offset", "section headers", 40,
		  0xfffffffffffff000ull, 8 },
		{ "section name table index out of range", "section name", 62, 0xfff0, 2 },
		{ ".gopclntab offset past the end", "outside the file", l->pcln_shdr + 24,
		  0xffffffffffff0000ull, 8 },
		{ ".gopclntab size past the end", "outside the file", l->pcln_shdr + 32,
		  go->len, 8 },
		{ "pclntab magic", ".gopclntab header", l->pcln_off, 0x12345678, 4 },
		{ "pclntab nfunc huge", ".gopclntab header", l->pcln_off + 8, UINT64_MAX, 8 },
		{ "pclntab funcnameOffset past the end", ".gopclntab header", l->pcln_off + 32,
		  UINT64_MAX - 7, 8 },
		{ "pclntab pclnOffset past the end", ".gopclntab header", l->pcln_off + 64,
		  l->pcln_size + 1, 8 },
		{ "pclntab ptrsize 4", ".gopclntab header", l->pcln_off + 7, 4, 1 },
		{ "build info version length huge", "build info", l->info_off + 32,
		  0x0fffffffffffffffull, 8 },
		{ "build info magic", NULL, l->info_off, 0, 8 },
	};
	size_t i;

	(void)eh;
	c.data = malloc(c.len);
	if (!c.data)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path;

		memcpy(c.data, go->data, c.len);
		if (cases[i].width == 8)
			put_u64(&c, cases[i].off, cases[i].val);
		else if (cases[i].off + cases[i].width <= c.len)
			memcpy(c.data + cases[i].off, &cases[i].val, cases[i].width);
		path = write_temp("crafted", c.data, c.len);
		snprintf(name, sizeof(name), "corrupt %s is refused", cases[i].what);
		if (cases[i].want) {
			expect_enoexec(name, path, cases[i].want);
		} else {
			/* no build info at all is not an error: version unknown */
			char err[512] = "";
			struct gobin *bin = NULL;
			int ret = gobin_open(path, &bin, err, sizeof(err));

			snprintf(name, sizeof(name), "%s cleared: opens, version unknown",
				 cases[i].what);
			CHECK((ret == 0 && !gobin_go_version(bin)) || ret == -ENOEXEC, name,
			      "ret %d %s", ret, err);
			gobin_close(bin);
		}
	}
	free(c.data);
}

static void check_truncated(const char *label, const struct blob *go,
			    const struct layout *l)
{
	uint64_t cuts[400];
	size_t ncuts = 0, i, opened = 0, refused = 0, bad = 0;
	char name[128];

	for (i = 0; i < 256; i++)
		cuts[ncuts++] = go->len * i / 256;
	cuts[ncuts++] = sizeof(Elf64_Ehdr) - 1;
	cuts[ncuts++] = l->eh.e_phoff + l->eh.e_phnum * sizeof(Elf64_Phdr) - 1;
	cuts[ncuts++] = l->pcln_off + 8;
	cuts[ncuts++] = l->pcln_off + 72;
	cuts[ncuts++] = l->pcln_off + l->pcln_size / 2;
	cuts[ncuts++] = l->pcln_off + l->pcln_size - 1;
	cuts[ncuts++] = l->info_off + 20;
	cuts[ncuts++] = l->info_off + l->info_size - 1;
	if (l->eh.e_shoff) {
		cuts[ncuts++] = l->eh.e_shoff;
		cuts[ncuts++] = go->len - 1;
	}
	for (i = 0; i < ncuts; i++) {
		const char *path;
		int ret;

		if (cuts[i] > go->len)
			continue;
		path = write_temp("truncated", go->data, cuts[i]);
		if (!path || !open_hostile(path, &ret))
			bad++;
		else if (ret == 0)
			opened++;
		else
			refused++;
	}
	printf("# %s, truncated: %zu opened, %zu refused\n", label, opened, refused);
	snprintf(name, sizeof(name), "%s: %zu truncated copies refused or read safely",
		 label, ncuts);
	CHECK(bad == 0 && refused > 0, name, "%zu bad results (%zu opened, %zu refused)", bad,
	      opened, refused);
}

static void check_mutated(const char *label, const struct blob *go, uint64_t start,
			  uint64_t len, int copies)
{
	struct blob c = { .len = go->len };
	size_t opened = 0, refused = 0, bad = 0;
	char name[160];
	int i, k;

	if (!len || start + len > go->len)
		return;
	c.data = malloc(c.len);
	if (!c.data)
		return;
	for (i = 0; i < copies; i++) {
		const char *path;
		int nbytes = 1 + rng() % 8, ret;

		memcpy(c.data, go->data, c.len);
		for (k = 0; k < nbytes; k++) {
			uint64_t at = start + rng() % len;

			/* half the time a plausible-but-wrong value: small ints and
			 * 0xff bytes stress offsets, counts and varints */
			c.data[at] = (rng() & 1) ? (uint8_t)rng() : (uint8_t)(rng() % 3 ? 0xff : 1);
		}
		path = write_temp("mutated", c.data, c.len);
		if (!path || !open_hostile(path, &ret))
			bad++;
		else if (ret == 0)
			opened++;
		else
			refused++;
	}
	free(c.data);
	printf("# %s: %zu opened, %zu refused\n", label, opened, refused);
	snprintf(name, sizeof(name), "%s: %d corrupted copies refused or read safely", label,
		 copies);
	CHECK(bad == 0, name, "%zu bad results (%zu opened, %zu refused)", bad, opened, refused);
}

static void check_corruption(const struct blob *go, const struct layout *l, int copies)
{
	const Elf64_Ehdr *eh = &l->eh;
	struct blob noshdr = { .len = go->len };

	check_mutated("ELF header", go, 0, sizeof(*eh), copies);
	check_mutated("program headers", go, eh->e_phoff, eh->e_phnum * sizeof(Elf64_Phdr),
		      copies);
	check_mutated("section headers", go, eh->e_shoff, eh->e_shnum * sizeof(Elf64_Shdr),
		      copies);
	check_mutated(".gopclntab header", go, l->pcln_off, 80, copies);
	check_mutated(".gopclntab tables", go, l->pcln_off, l->pcln_size, copies);
	check_mutated(".gopclntab, heavily", go, l->pcln_off, l->pcln_size / 64, copies);
	check_mutated(".go.buildinfo", go, l->info_off, l->info_size < 512 ? l->info_size : 512,
		      copies);

	/* without section headers the reader scans segments: corrupt those */
	noshdr.data = malloc(noshdr.len);
	if (!noshdr.data)
		return;
	memcpy(noshdr.data, go->data, noshdr.len);
	((Elf64_Ehdr *)noshdr.data)->e_shoff = 0;
	((Elf64_Ehdr *)noshdr.data)->e_shnum = 0;
	((Elf64_Ehdr *)noshdr.data)->e_shstrndx = 0;
	check_mutated("no section headers, pclntab header", &noshdr, l->pcln_off, 80, copies);
	check_mutated("no section headers, build info", &noshdr, l->info_off,
		      l->info_size < 512 ? l->info_size : 512, copies);
	check_mutated("no section headers, data (module data)", &noshdr, l->info_off,
		      go->len - l->info_off < (1u << 20) ? go->len - l->info_off : (1u << 20),
		      copies);
	check_truncated("no section headers", &noshdr, l);
	free(noshdr.data);
}

int main(void)
{
	const char *path, *env;
	struct layout layout;
	bool is_symprog;
	struct blob go;
	int copies = 60;

	if (!mkdtemp(tmpdir)) {
		CHECK(false, "temporary directory", "mkdtemp: %s", strerror(errno));
		return CHECK_DONE();
	}
	env = getenv("GOMEMTRACE_TEST_MUTATIONS");
	if (env && atoi(env) > 0)
		copies = atoi(env);

	path = go_binary(&is_symprog);
	CHECK(path != NULL, "a Go binary to test",
	      "set GOMEMTRACE_TEST_GOBIN, or GOMEMTRACE_GO to build tests/tools/symprog");
	if (!path || read_file(path, &go) != 0 || find_layout(&go, &layout) != 0) {
		CHECK(false, "Go binary readable with .gopclntab and .go.buildinfo", "%s",
		      path ? path : "none");
		goto cleanup;
	}
	check_bad_files(&go);
	check_real_binary(path, is_symprog);
	check_no_section_headers(path, &go);
	check_crafted(&go, &layout);
	check_truncated("with section headers", &go, &layout);
	check_corruption(&go, &layout, copies);
	free(go.data);
cleanup:
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return CHECK_DONE();
}

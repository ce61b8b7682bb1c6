// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of dwarf_layout.c, on the test workload built by every Go
 * version of the matrix ($GOMEMTRACE_WORKLOADS/go1.NN/VARIANT/workload, from
 * scripts/build-workloads.sh; default $GOMEMTRACE_CACHE/workloads):
 *   - the layout read from the DWARF of the plain, pie and cgo builds equals
 *     the generated table's row, field by field;
 *   - stripped builds (-w) have no DWARF: -ENODATA;
 *   - the three encodings of DWARF sections give the same layout: Go's
 *     SHF_COMPRESSED, and copies made by objcopy with plain sections and
 *     with old-style .zdebug_* sections;
 *   - corrupted copies (bytes mutated inside .debug_info, .zdebug_info or
 *     .debug_abbrev; truncated files) give an error or a layout, never a
 *     crash or a hang: each read runs in a child process under alarm().
 * GOMEMTRACE_TEST_MUTATIONS sets the number of mutated copies per section
 * (default 40). No root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "binary/dwarf_layout.h"
#include "binary/go_layouts.h"
#include "binary/gobinary.h"

static const int matrix[] = { 119, 121, 122, 123, 124, 125, 126, 127 };
#define MATRIX_LEN ((int)(sizeof(matrix) / sizeof(matrix[0])))

/* A read that takes longer than this is a hang. */
#define READ_TIMEOUT_S 120

static char tmpdir[] = "/tmp/test_dwarf_layout.XXXXXX";
static char workloads[2048];

static void workload_path(char *buf, size_t len, int minor, const char *variant)
{
	snprintf(buf, len, "%s/go1.%d/%s/workload", workloads, minor - 100, variant);
}

/* "g_goid: dwarf 152, table 160; ..." for every field that differs. */
static void describe_diff(const struct go_layout *a, const struct go_layout *b,
			  char *buf, size_t len)
{
	size_t count, used = 0;
	const struct go_layout_field *f = dwarf_layout_fields(&count);

	buf[0] = '\0';
	for (size_t i = 0; i < count && used < len; i++) {
		uint32_t va = go_layout_field_value(a, &f[i]);
		uint32_t vb = go_layout_field_value(b, &f[i]);

		if (va != vb)
			used += snprintf(buf + used, len - used, "%s: dwarf %u, table %u; ",
					 f[i].name, va, vb);
	}
}

/* The layout of path's DWARF equals the table row of minor. */
static void check_equals_table(const char *what, const char *path, int minor)
{
	const struct go_layout *row = go_layout_find(minor);
	char name[256], err[256], diff[1024];
	struct go_layout l;
	int ret;

	snprintf(name, sizeof(name), "%s: DWARF layout = table row", what);
	ret = dwarf_layout_read(path, minor, &l, err, sizeof(err));
	if (ret || !row) {
		CHECK(false, name, "%s: %s", path, row ? err : "no table row");
		return;
	}
	describe_diff(&l, row, diff, sizeof(diff));
	CHECK(l.minor == minor && !dwarf_layout_diff(&l, row), name, "minor %d; %s",
	      l.minor, diff);
}

/* Go version from the binary's build information, as main.c takes it. */
static int binary_minor(const char *path)
{
	struct gobin *bin = NULL;
	char err[256];
	int minor;

	if (gobin_open(path, &bin, err, sizeof(err)))
		return -1;
	minor = gobin_go_minor(bin);
	gobin_close(bin);
	return minor;
}

static void check_versions(void)
{
	static const char *with_dwarf[] = { "plain", "pie", "cgo" };
	char path[4096], what[128], name[160], err[256];
	struct go_layout l;
	int ret;

	for (int i = 0; i < MATRIX_LEN; i++) {
		for (size_t v = 0; v < sizeof(with_dwarf) / sizeof(with_dwarf[0]); v++) {
			workload_path(path, sizeof(path), matrix[i], with_dwarf[v]);
			snprintf(what, sizeof(what), "go1.%d %s", matrix[i] - 100, with_dwarf[v]);
			snprintf(name, sizeof(name), "%s: built by go1.%d", what, matrix[i] - 100);
			ret = binary_minor(path);
			CHECK(ret == matrix[i], name, "%s: build info says %d", path, ret);
			check_equals_table(what, path, matrix[i]);
		}
		workload_path(path, sizeof(path), matrix[i], "stripped");
		snprintf(name, sizeof(name), "go1.%d stripped: no DWARF (-ENODATA)",
			 matrix[i] - 100);
		ret = dwarf_layout_read(path, matrix[i], &l, err, sizeof(err));
		CHECK(ret == -ENODATA, name, "%s: got %d (%s)", path, ret, err);
	}
}

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, data, len);
		close(fd);
	}
	return n == (ssize_t)len ? 0 : -1;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	*data = NULL;
	if (fd < 0)
		return -1;
	if (!fstat(fd, &st) && st.st_size > 0 && (*data = malloc(st.st_size)))
		n = read(fd, *data, st.st_size);
	close(fd);
	if (n != (ssize_t)st.st_size) {
		free(*data);
		*data = NULL;
		return -1;
	}
	*len = st.st_size;
	return 0;
}

static void check_bad_files(void)
{
	char path[4096], err[256];
	struct go_layout l;
	int ret;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	ret = dwarf_layout_read(path, 127, &l, err, sizeof(err));
	CHECK(ret == -ENOENT, "missing file: -ENOENT", "got %d (%s)", ret, err);

	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	ret = write_file(path, "", 0) ? -1 : dwarf_layout_read(path, 127, &l, err, sizeof(err));
	CHECK(ret == -ENOEXEC, "empty file: -ENOEXEC", "got %d (%s)", ret, err);

	snprintf(path, sizeof(path), "%s/text", tmpdir);
	ret = write_file(path, "#!/bin/sh\nexit 0\n", 17) ? -1 :
	      dwarf_layout_read(path, 127, &l, err, sizeof(err));
	CHECK(ret == -ENOEXEC, "text file: -ENOEXEC", "got %d (%s)", ret, err);
}

static void check_fields_and_diff(void)
{
	const struct go_layout *row = go_layout_find(127);
	const struct go_layout_field *f, *fields;
	struct go_layout copy;
	size_t count;

	fields = dwarf_layout_fields(&count);
	CHECK(count * sizeof(uint32_t) + sizeof(int) == offsetof(struct go_layout, experiments),
	      "field list covers struct go_layout", "%zu fields for %zu bytes", count,
	      sizeof(struct go_layout));
	if (!row)
		return;
	copy = *row;
	f = dwarf_layout_diff(&copy, row);
	CHECK(f == NULL, "diff of equal layouts is empty", "got %s", f ? f->name : "");
	copy.g_goid += 8;
	copy.memstats_numgc += 8;
	f = dwarf_layout_diff(&copy, row);
	CHECK(f && !strcmp(f->name, "g_goid") && f == &fields[4],
	      "diff names the first differing field", "got %s", f ? f->name : "NULL");
	copy = *row;
	copy.minor = 0;
	CHECK(dwarf_layout_diff(&copy, row) == NULL, "diff ignores minor", "it does not");
}

/* Run argv (objcopy) and wait: 0 when it exited 0. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* File range and flags of the first section named name; -1 when none. */
static int section_of(const char *path, const char *name, uint64_t *off, uint64_t *size,
		      uint64_t *flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		const char *s = sh ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;

		if (s && !strcmp(s, name)) {
			*off = sh->sh_offset;
			*size = sh->sh_size;
			*flags = sh->sh_flags;
			ret = 0;
			break;
		}
	}
cleanup:
	elf_end(elf);
	close(fd);
	return ret;
}

/* objcopy copies of go1.NN plain: DWARF sections uncompressed (.d) and
 * compressed the old GNU way (.z, .zdebug_*). */
static void make_copies(int minor, char *plain, char *zdebug, size_t len)
{
	char src[4096];
	char *decompress[] = { "objcopy", "--decompress-debug-sections", src, plain, NULL };
	char *gnu[] = { "objcopy", "--compress-debug-sections=zlib-gnu", src, zdebug, NULL };

	workload_path(src, sizeof(src), minor, "plain");
	snprintf(plain, len, "%s/go1.%d.d", tmpdir, minor - 100);
	snprintf(zdebug, len, "%s/go1.%d.z", tmpdir, minor - 100);
	if (run(decompress))
		plain[0] = '\0';
	if (run(gnu))
		zdebug[0] = '\0';
}

static void check_encodings(int minor, const char *plain, const char *zdebug)
{
	uint64_t off, size, flags;
	char name[128], src[4096];

	workload_path(src, sizeof(src), minor, "plain");
	snprintf(name, sizeof(name), "go1.%d: Go writes SHF_COMPRESSED .debug_info",
		 minor - 100);
	CHECK(!section_of(src, ".debug_info", &off, &size, &flags) &&
	      (flags & SHF_COMPRESSED), name, "%s", src);

	snprintf(name, sizeof(name), "go1.%d: objcopy copy with plain .debug_info",
		 minor - 100);
	CHECK(plain[0] && !section_of(plain, ".debug_info", &off, &size, &flags) &&
	      !(flags & SHF_COMPRESSED), name, "objcopy --decompress-debug-sections failed");
	snprintf(name, sizeof(name), "go1.%d uncompressed", minor - 100);
	if (plain[0])
		check_equals_table(name, plain, minor);

	snprintf(name, sizeof(name), "go1.%d: objcopy copy with .zdebug_info", minor - 100);
	CHECK(zdebug[0] && !section_of(zdebug, ".zdebug_info", &off, &size, &flags), name,
	      "objcopy --compress-debug-sections=zlib-gnu failed");
	snprintf(name, sizeof(name), "go1.%d .zdebug", minor - 100);
	if (zdebug[0])
		check_equals_table(name, zdebug, minor);
}

/* Outcome of one read of a damaged file, from a child process. */
enum outcome { OUT_LAYOUT, OUT_ERROR, OUT_BAD_RETURN, OUT_CRASH };

static enum outcome read_in_child(const char *path, int minor, int *status_out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return OUT_CRASH;
	if (pid == 0) {
		struct go_layout l;
		char err[256] = "";
		int ret;

		alarm(READ_TIMEOUT_S);
		ret = dwarf_layout_read(path, minor, &l, err, sizeof(err));
		_exit(ret == 0 ? 0 : ret < 0 && err[0] ? 1 : 2);
	}
	if (waitpid(pid, &status, 0) != pid)
		return OUT_CRASH;
	*status_out = status;
	if (!WIFEXITED(status))
		return OUT_CRASH;
	return WEXITSTATUS(status) == 0 ? OUT_LAYOUT :
	       WEXITSTATUS(status) == 1 ? OUT_ERROR : OUT_BAD_RETURN;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * copies mutated versions of path, each with 1 to 16 random bytes changed
 * inside section (replaced, or one bit flipped): every read ends with a
 * layout or an error.
 */
static void check_mutated(const char *what, const char *path, int minor,
			  const char *section, int copies)
{
	uint64_t off, size, flags, seed = rng_state;
	int layouts = 0, errors = 0, bad = 0, status = 0, first_bad = -1;
	char name[256], copy[4096];
	uint8_t *data = NULL;
	size_t len;

	snprintf(name, sizeof(name), "%s: %d copies with %s mutated: layout or error",
		 what, copies, section);
	snprintf(copy, sizeof(copy), "%s/mutated", tmpdir);
	if (section_of(path, section, &off, &size, &flags) || !size ||
	    read_file(path, &data, &len) || off > len || size > len - off) {
		CHECK(false, name, "cannot find %s in %s", section, path);
		goto cleanup;
	}
	for (int i = 0; i < copies; i++) {
		int n = 1 + rng() % 16;
		uint64_t at[16];
		uint8_t saved[16];
		enum outcome o;

		for (int j = 0; j < n; j++) {
			at[j] = off + rng() % size;
			saved[j] = data[at[j]];
			if (rng() & 1)
				data[at[j]] = (uint8_t)rng();
			else
				data[at[j]] ^= 1u << (rng() % 8);
		}
		o = write_file(copy, data, len) ? OUT_CRASH : read_in_child(copy, minor, &status);
		for (int j = n - 1; j >= 0; j--)
			data[at[j]] = saved[j];
		layouts += o == OUT_LAYOUT;
		errors += o == OUT_ERROR;
		if (o == OUT_BAD_RETURN || o == OUT_CRASH) {
			bad++;
			if (first_bad < 0)
				first_bad = i;
		}
	}
	printf("# %s, %s: %d layouts, %d errors\n", what, section, layouts, errors);
	CHECK(bad == 0, name, "%d crashed, hung or returned badly; first: copy %d "
	      "(rng seed 0x%llx), wait status 0x%x", bad, first_bad,
	      (unsigned long long)seed, status);
cleanup:
	free(data);
}

/* Truncated copies of path: at the ELF header, inside and at the ends of
 * .debug_info, and one byte short of the whole. */
static void check_truncated(const char *what, const char *path, int minor)
{
	uint64_t off, size, flags;
	uint64_t cuts[8];
	int ncuts = 0, bad = 0, status = 0;
	char name[256], copy[4096];
	uint8_t *data = NULL;
	size_t len;

	snprintf(name, sizeof(name), "%s: truncated copies: layout or error", what);
	snprintf(copy, sizeof(copy), "%s/truncated", tmpdir);
	if (section_of(path, ".debug_info", &off, &size, &flags) ||
	    read_file(path, &data, &len) || off > len || size > len - off) {
		CHECK(false, name, "cannot find .debug_info in %s", path);
		goto cleanup;
	}
	cuts[ncuts++] = 32;
	cuts[ncuts++] = off;
	cuts[ncuts++] = off + 16;
	cuts[ncuts++] = off + size / 3;
	cuts[ncuts++] = off + size / 2;
	cuts[ncuts++] = off + size - 1;
	cuts[ncuts++] = off + size;
	cuts[ncuts++] = len - 1;
	for (int i = 0; i < ncuts; i++) {
		enum outcome o = write_file(copy, data, cuts[i]) ? OUT_CRASH :
				 read_in_child(copy, minor, &status);

		if (o == OUT_BAD_RETURN || o == OUT_CRASH) {
			bad++;
			printf("# %s: cut at %llu: wait status 0x%x\n", what,
			       (unsigned long long)cuts[i], status);
		}
	}
	CHECK(bad == 0, name, "%d of %d cuts crashed, hung or returned badly", bad, ncuts);
cleanup:
	free(data);
}

int main(void)
{
	const char *env;
	char plain[2][4096], zdebug[2][4096], src[4096], what[64];
	static const int fuzzed[2] = { 119, 127 };	/* DWARF 4 and DWARF 5 */
	int copies = 40;

	check_workloads_dir(workloads, sizeof(workloads));
	env = getenv("GOMEMTRACE_TEST_MUTATIONS");
	if (env && atoi(env) > 0)
		copies = atoi(env);
	if (!mkdtemp(tmpdir)) {
		CHECK(false, "temporary directory", "mkdtemp: %s", strerror(errno));
		return CHECK_DONE();
	}

	check_fields_and_diff();
	check_bad_files();
	check_versions();
	for (int i = 0; i < 2; i++) {
		make_copies(fuzzed[i], plain[i], zdebug[i], sizeof(plain[i]));
		check_encodings(fuzzed[i], plain[i], zdebug[i]);
	}
	for (int i = 0; i < 2; i++) {
		int minor = fuzzed[i];

		workload_path(src, sizeof(src), minor, "plain");
		snprintf(what, sizeof(what), "go1.%d plain", minor - 100);
		check_mutated(what, src, minor, ".debug_info", copies);
		check_truncated(what, src, minor);
		snprintf(what, sizeof(what), "go1.%d uncompressed", minor - 100);
		if (plain[i][0]) {
			check_mutated(what, plain[i], minor, ".debug_info", copies);
			check_mutated(what, plain[i], minor, ".debug_abbrev", copies);
			check_truncated(what, plain[i], minor);
		}
		snprintf(what, sizeof(what), "go1.%d .zdebug", minor - 100);
		if (zdebug[i][0])
			check_mutated(what, zdebug[i], minor, ".zdebug_info", copies);
	}

	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return CHECK_DONE();
}

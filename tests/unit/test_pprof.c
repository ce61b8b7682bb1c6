// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the pprof writer (userspace/outputs/pprof.c), no root needed. Profiles
 * built with the writer are read back by the real reader, `go tool pprof`
 * of $GOMEMTRACE_GO (-raw, -top, -traces), and every value, function, file,
 * line and inline frame put in is asserted in its output. The encoding
 * itself is checked on known byte strings, and failed writes must leave no
 * file behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "check.h"
#include "outputs/pprof.h"

static char tmpdir[] = "/tmp/test_pprof.XXXXXX";
static const char *go_bin;

/* ---- small helpers; the test harness gives up on out-of-memory ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "test_pprof: out of memory\n");
		exit(2);
	}
	return p;
}

#define GROW(arr, n, cap)                                                      \
	do {                                                                   \
		if ((n) >= (cap)) {                                            \
			(cap) = (cap) ? (cap) * 2 : 64;                        \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));       \
		}                                                              \
	} while (0)

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
};

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->s ? sb->s + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			fprintf(stderr, "test_pprof: vsnprintf failed\n");
			exit(2);
		}
		if ((size_t)n < room)
			break;
		sb->cap = (sb->cap + (size_t)n + 1) * 2;
		sb->s = xrealloc(sb->s, sb->cap);
	}
	sb->len += (size_t)n;
}

static void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

static char *path_in_tmp(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0) {
		fprintf(stderr, "test_pprof: out of memory\n");
		exit(2);
	}
	return p;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool tmp_exists(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return exists(tmp);
}

static char *read_whole(const char *path, size_t *len)
{
	struct strbuf sb = {0};
	char chunk[65536];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	sb_printf(&sb, "%s", "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		while (sb.cap < sb.len + n + 1) {
			sb.cap *= 2;
			sb.s = xrealloc(sb.s, sb.cap);
		}
		memcpy(sb.s + sb.len, chunk, n);
		sb.len += n;
		sb.s[sb.len] = '\0';
	}
	fclose(f);
	if (len)
		*len = sb.len;
	return sb.s;
}

static void remove_tree(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[4096];
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!lstat(path, &st) && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * Runs `go tool pprof ARGS FILE`; returns its exit status, its stdout in
 * *out and its stderr in *err (both malloc'ed).
 */
static int run_pprof(const char *args, const char *file, char **out, char **err)
{
	char *cmd, *err_path = path_in_tmp("pprof.stderr");
	struct strbuf sb = {0};
	char chunk[65536];
	size_t n;
	FILE *p;
	int status;

	if (asprintf(&cmd, "'%s' tool pprof %s '%s' 2>'%s'", go_bin, args, file,
		     err_path) < 0) {
		fprintf(stderr, "test_pprof: out of memory\n");
		exit(2);
	}
	sb_printf(&sb, "%s", "");
	p = popen(cmd, "r");
	if (!p) {
		*out = sb.s;
		*err = strdup("popen failed");
		free(cmd);
		free(err_path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk) - 1, p)) > 0) {
		chunk[n] = '\0';
		sb_printf(&sb, "%s", chunk);
	}
	status = pclose(p);
	*out = sb.s;
	*err = read_whole(err_path, NULL);
	if (!*err)
		*err = strdup("(no stderr file)");
	free(cmd);
	free(err_path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- parsing `pprof -raw` (profile.Profile.String) ---- */

struct raw_line {
	const char *function;
	const char *file;
	long line;
	bool plain_tail;	/* "s=0" and no "(system name)" after it */
};

struct raw_location {
	bool present;
	uint64_t address;
	size_t first_line;
	size_t nlines;
};

struct raw_sample {
	int nvalues;
	int64_t values[4];
	size_t first_loc;
	size_t nlocs;
	struct strbuf labels;
};

struct raw_profile {
	char *text;		/* owned; the pointers below point into it */
	const char *comment;
	const char *period_type;
	const char *period;
	const char *time;
	const char *duration;
	const char *sample_types;
	const char *mapping;
	size_t nmappings;

	struct raw_location *locs;	/* indexed by id */
	size_t loc_cap;
	size_t nlocs;
	struct raw_line *lines;
	size_t nlines, lines_cap;
	struct raw_sample *samples;
	size_t nsamples, samples_cap;
	uint64_t *sample_locs;
	size_t nsample_locs, sample_locs_cap;
	char error[256];
};

static void raw_free(struct raw_profile *rp)
{
	size_t i;

	for (i = 0; i < rp->nsamples; i++)
		free(rp->samples[i].labels.s);
	free(rp->samples);
	free(rp->sample_locs);
	free(rp->locs);
	free(rp->lines);
	free(rp->text);
	memset(rp, 0, sizeof(*rp));
}

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) ? NULL : s + n;
}

/* "name file:line:col s=N" */
static bool parse_raw_line(char *s, struct raw_line *out)
{
	char *save, *name, *fileline, *tail, *col, *ln;

	name = strtok_r(s, " ", &save);
	fileline = strtok_r(NULL, " ", &save);
	tail = strtok_r(NULL, " ", &save);
	if (!name || !fileline || !tail || strtok_r(NULL, " ", &save))
		return false;
	col = strrchr(fileline, ':');
	if (!col)
		return false;
	*col = '\0';
	ln = strrchr(fileline, ':');
	if (!ln)
		return false;
	*ln = '\0';
	out->function = name;
	out->file = fileline;
	out->line = strtol(ln + 1, NULL, 10);
	out->plain_tail = !strcmp(tail, "s=0") && !strcmp(col + 1, "0");
	return true;
}

static bool raw_parse(char *text, struct raw_profile *rp)
{
	enum { HEAD, SAMPLE_TYPES, SAMPLES, LOCATIONS, MAPPINGS } state = HEAD;
	struct raw_location *cur = NULL;
	char *save, *line, *p, *end;
	const char *v;
	uint64_t id;

	memset(rp, 0, sizeof(*rp));
	rp->text = text;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		switch (state) {
		case HEAD:
			if ((v = after_prefix(line, "Comment: ")) && !rp->comment)
				rp->comment = v;
			else if ((v = after_prefix(line, "PeriodType: ")))
				rp->period_type = v;
			else if ((v = after_prefix(line, "Period: ")))
				rp->period = v;
			else if ((v = after_prefix(line, "Time: ")))
				rp->time = v;
			else if ((v = after_prefix(line, "Duration: ")))
				rp->duration = v;
			else if (!strcmp(line, "Samples:"))
				state = SAMPLE_TYPES;
			break;
		case SAMPLE_TYPES:
			rp->sample_types = line;
			state = SAMPLES;
			break;
		case SAMPLES: {
			struct raw_sample *s;

			if (!strcmp(line, "Locations")) {
				state = LOCATIONS;
				break;
			}
			for (p = line; *p == ' '; p++)
				;
			if (!(*p == '-' || (*p >= '0' && *p <= '9'))) {
				/* a label line of the previous sample */
				if (!rp->nsamples)
					goto malformed;
				s = &rp->samples[rp->nsamples - 1];
				sb_printf(&s->labels, "%s%s", s->labels.len ? " " : "", p);
				break;
			}
			GROW(rp->samples, rp->nsamples, rp->samples_cap);
			s = &rp->samples[rp->nsamples++];
			memset(s, 0, sizeof(*s));
			s->first_loc = rp->nsample_locs;
			while (*p != ':') {
				if (s->nvalues == 4)
					goto malformed;
				s->values[s->nvalues++] = strtoll(p, &end, 10);
				if (end == p)
					goto malformed;
				for (p = end; *p == ' '; p++)
					;
			}
			for (p++;;) {
				id = strtoull(p, &end, 10);
				if (end == p)
					break;
				GROW(rp->sample_locs, rp->nsample_locs, rp->sample_locs_cap);
				rp->sample_locs[rp->nsample_locs++] = id;
				s->nlocs++;
				p = end;
			}
			break;
		}
		case LOCATIONS: {
			struct raw_line rl;
			uint64_t address;
			int n = 0;

			if (!strcmp(line, "Mappings")) {
				state = MAPPINGS;
				break;
			}
			if (sscanf(line, " %" SCNu64 ": %" SCNx64 " M=1 %n", &id, &address, &n) == 2 &&
			    n > 0) {
				if (id >= rp->loc_cap) {
					size_t old = rp->loc_cap;

					rp->loc_cap = (id + 1) * 2;
					rp->locs = xrealloc(rp->locs, rp->loc_cap * sizeof(*rp->locs));
					memset(rp->locs + old, 0, (rp->loc_cap - old) * sizeof(*rp->locs));
				}
				if (rp->locs[id].present)
					goto malformed;
				cur = &rp->locs[id];
				cur->present = true;
				cur->address = address;
				cur->first_line = rp->nlines;
				rp->nlocs++;
				p = line + n;
			} else if (cur && line[0] == ' ') {
				for (p = line; *p == ' '; p++)
					;
			} else {
				goto malformed;
			}
			if (!*p)
				break;
			if (!parse_raw_line(p, &rl))
				goto malformed;
			GROW(rp->lines, rp->nlines, rp->lines_cap);
			rp->lines[rp->nlines++] = rl;
			cur->nlines++;
			break;
		}
		case MAPPINGS:
			if (!rp->mapping)
				rp->mapping = line;
			rp->nmappings++;
			break;
		}
	}
	if (state != MAPPINGS) {
		snprintf(rp->error, sizeof(rp->error), "output ended before Mappings");
		return false;
	}
	return true;
malformed:
	snprintf(rp->error, sizeof(rp->error), "cannot parse line \"%.200s\"", line);
	return false;
}

/* A stack as "0xADDR[func file:line;...]|..." — lines of one location, innermost first. */
static void raw_stack(const struct raw_profile *rp, const struct raw_sample *s, struct strbuf *sb)
{
	size_t i, j;

	sb_reset(sb);
	for (i = 0; i < s->nlocs; i++) {
		uint64_t id = rp->sample_locs[s->first_loc + i];
		const struct raw_location *l;

		if (id >= rp->loc_cap || !rp->locs[id].present) {
			sb_printf(sb, "%s?%" PRIu64, i ? "|" : "", id);
			continue;
		}
		l = &rp->locs[id];
		sb_printf(sb, "%s0x%" PRIx64 "[", i ? "|" : "", l->address);
		for (j = 0; j < l->nlines; j++) {
			const struct raw_line *rl = &rp->lines[l->first_line + j];

			sb_printf(sb, "%s%s %s:%ld%s", j ? ";" : "", rl->function, rl->file,
				  rl->line, rl->plain_tail ? "" : "(!)");
		}
		sb_printf(sb, "]");
	}
}

/* ---- the profile a test builds, to say what pprof must show ---- */

struct test_location {
	uint64_t address;
	const struct pprof_line *lines;
	int nlines;
	uint64_t id;
};

static void expect_frame(struct strbuf *sb, bool first, uint64_t address,
			 const struct pprof_line *lines, int nlines)
{
	int j;

	sb_printf(sb, "%s0x%" PRIx64 "[", first ? "" : "|", address);
	for (j = 0; j < nlines; j++)
		sb_printf(sb, "%s%s %s:%" PRId64, j ? ";" : "", lines[j].function,
			  lines[j].file, lines[j].line);
	sb_printf(sb, "]");
}

static void expect_stack(struct strbuf *sb, const struct test_location *const *locs, int n)
{
	int i;

	sb_reset(sb);
	for (i = 0; i < n; i++)
		expect_frame(sb, i == 0, locs[i]->address, locs[i]->lines, locs[i]->nlines);
}

/* ---- a structural walk of the encoding: top-level fields ---- */

static bool read_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	int shift;

	*v = 0;
	for (shift = 0; shift < 64 && *off < len; shift += 7) {
		uint8_t b = p[(*off)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Count of top-level fields numbered field; -1 if the encoding is not well-formed. */
static long count_fields(const uint8_t *p, size_t len, uint64_t field)
{
	size_t off = 0;
	uint64_t key, v;
	long count = 0;

	while (off < len) {
		if (!read_varint(p, len, &off, &key))
			return -1;
		if ((key & 7) == 0) {
			if (!read_varint(p, len, &off, &v))
				return -1;
		} else if ((key & 7) == 2) {
			if (!read_varint(p, len, &off, &v) || v > len - off)
				return -1;
			off += v;
		} else {
			return -1;
		}
		if (key >> 3 == field)
			count++;
	}
	return count;
}

static bool has_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 4 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%02x ", p[i]);
}

/* ---- tests ---- */

static void test_encoding(void)
{
	static const uint8_t empty[] = {
		0x1a, 0x0a, 0x08, 0x01, 0x38, 0x01, 0x40, 0x01, 0x48, 0x01, 0x50, 0x01,
		0x32, 0x00,
	};
	static const uint8_t str_main_f[] = { 0x32, 0x06, 'm', 'a', 'i', 'n', '.', 'f' };
	static const uint8_t str_f_go[] = { 0x32, 0x04, 'f', '.', 'g', 'o' };
	static const uint8_t function[] = {
		0x2a, 0x08, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01, 0x20, 0x02,
	};
	/* id 1, mapping 1, address 128 (2-byte varint), line {function 1, line 127} */
	static const uint8_t location[] = {
		0x22, 0x0d, 0x08, 0x01, 0x10, 0x01, 0x18, 0x80, 0x01,
		0x22, 0x04, 0x08, 0x01, 0x10, 0x7f,
	};
	/* id 301, address UINT64_MAX: a 10-byte varint */
	static const uint8_t location_max[] = {
		0x22, 0x10, 0x08, 0xad, 0x02, 0x10, 0x01, 0x18,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	static const uint8_t sample_type_1[] = { 0x0a, 0x04, 0x08, 0x03, 0x10, 0x04 };
	static const uint8_t sample_type_2[] = { 0x0a, 0x04, 0x08, 0x05, 0x10, 0x06 };
	/* packed location ids {1, 150, 300}, packed values {-1, 16384} */
	static const uint8_t sample[] = {
		0x12, 0x16, 0x0a, 0x05, 0x01, 0x96, 0x01, 0xac, 0x02,
		0x12, 0x0d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		0x80, 0x80, 0x01,
	};
	/* no locations, packed values {0, 16383} */
	static const uint8_t sample_no_stack[] = { 0x12, 0x05, 0x12, 0x03, 0x00, 0xff, 0x7f };
	static const uint8_t long_string_head[] = { 0x32, 0xc8, 0x01, 'a', 'a' };
	static const uint8_t comment[] = { 0x6a, 0x01, 0x07 };
	/* period type {alloc_space, bytes}, period 300, default sample type 5 */
	static const uint8_t tail[] = {
		0x48, 0x01, 0x50, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		0x5a, 0x04, 0x08, 0x05, 0x10, 0x06, 0x60, 0xac, 0x02, 0x6a, 0x01, 0x07, 0x70, 0x05,
	};
	struct pprof_line line = { "main.f", "f.go", 127 };
	uint64_t id, ids[3] = { 1, 150, 300 };
	int64_t values[2] = { -1, 16384 }, values2[2] = { 0, 16383 };
	struct pprof_writer *w;
	char longstr[201], got[256];
	uint8_t *data = NULL;
	size_t len = 0;
	int err, i;

	w = pprof_writer_new();
	CHECK(w, "encode: writer_new", "NULL");
	if (!w)
		return;
	err = pprof_encode(w, &data, &len);
	hex(data, len, got, sizeof(got));
	CHECK(!err && len == sizeof(empty) && !memcmp(data, empty, len),
	      "encode: empty profile is mapping + string_table[0]=\"\"",
	      "err %d, got %s", err, got);
	free(data);
	data = NULL;

	err = pprof_add_location(w, 128, &line, 1, &id);
	CHECK(!err && id == 1, "encode: first location id 1", "err %d id %" PRIu64, err, id);
	for (i = 0; i < 299 && !err; i++)
		err = pprof_add_location(w, 1000 + (uint64_t)i, NULL, 0, &id);
	CHECK(!err && id == 300, "encode: 300 locations", "err %d id %" PRIu64, err, id);
	err = pprof_add_location(w, UINT64_MAX, NULL, 0, &id);
	CHECK(!err && id == 301, "encode: location at UINT64_MAX", "err %d id %" PRIu64, err, id);
	err = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!err)
		err = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!err)
		err = pprof_add_sample(w, ids, 3, values);
	if (!err)
		err = pprof_add_sample(w, NULL, 0, values2);
	memset(longstr, 'a', 200);
	longstr[200] = '\0';
	if (!err)
		err = pprof_add_comment(w, longstr);
	if (!err)
		err = pprof_set_period(w, "alloc_space", "bytes", 300);
	if (!err)
		err = pprof_set_default_sample_type(w, "alloc_space");
	if (!err)
		err = pprof_set_time(w, 1, -1);
	CHECK(!err, "encode: build", "err %d", err);
	err = pprof_encode(w, &data, &len);
	CHECK(!err && data, "encode: pprof_encode", "err %d", err);
	if (err || !data)
		goto cleanup;

#define CHECK_BYTES(bytes, name)                                               \
	CHECK(has_bytes(data, len, bytes, sizeof(bytes)), name,                \
	      "bytes not found in the %zu-byte encoding", len)
	CHECK_BYTES(str_main_f, "encode: string \"main.f\" (field 6, length 6)");
	CHECK_BYTES(str_f_go, "encode: string \"f.go\"");
	CHECK_BYTES(function, "encode: function {id 1, name 1, system_name 1, filename 2}");
	CHECK_BYTES(location, "encode: location with 2-byte varint address and a line");
	CHECK_BYTES(location_max, "encode: 10-byte varint address, 2-byte varint id");
	CHECK_BYTES(sample_type_1, "encode: sample_type alloc_objects/count");
	CHECK_BYTES(sample_type_2, "encode: sample_type alloc_space/bytes");
	CHECK_BYTES(sample, "encode: sample with packed location ids and packed values (-1 as 10 bytes)");
	CHECK_BYTES(sample_no_stack, "encode: sample without locations, zero value kept in packed values");
	CHECK_BYTES(long_string_head, "encode: 200-byte string with 2-byte length");
	CHECK_BYTES(comment, "encode: comment as packed string index");
	CHECK(len >= sizeof(tail) && !memcmp(data + len - sizeof(tail), tail, sizeof(tail)),
	      "encode: time, negative duration, period type, period, comment, default type",
	      "tail differs");
#undef CHECK_BYTES
	CHECK(count_fields(data, len, 4) == 301 && count_fields(data, len, 5) == 1 &&
	      count_fields(data, len, 6) == 8 && count_fields(data, len, 2) == 2,
	      "encode: well-formed, 301 locations, 1 function, 8 strings, 2 samples",
	      "locations %ld functions %ld strings %ld samples %ld",
	      count_fields(data, len, 4), count_fields(data, len, 5),
	      count_fields(data, len, 6), count_fields(data, len, 2));
cleanup:
	free(data);
	pprof_writer_free(w);
}

static void test_arguments(void)
{
	struct pprof_line bad = { NULL, "x.go", 1 }, good = { "main.g", "g.go", 3 };
	struct pprof_label empty_label = { "k", "", 0, NULL };
	uint8_t *before = NULL, *after = NULL;
	size_t before_len = 0, after_len = 0;
	int64_t values[2] = { 1, 2 };
	struct pprof_writer *w;
	uint64_t id = 0, ids[2];
	int err;

	w = pprof_writer_new();
	if (!w) {
		CHECK(0, "args: writer_new", "NULL");
		return;
	}
	err = pprof_add_location(w, 0x10, &good, 1, &id);
	CHECK(!err, "args: add location", "err %d", err);
	ids[0] = id;
	err = pprof_add_sample(w, ids, 1, values);
	CHECK(err == -EINVAL, "args: sample before any sample type is -EINVAL", "err %d", err);
	err = pprof_add_location(w, 0x20, &bad, 1, &id);
	CHECK(err == -EINVAL, "args: line without function is -EINVAL", "err %d", err);
	err = pprof_add_location(w, 0x20, NULL, 1, &id);
	CHECK(err == -EINVAL, "args: lines NULL with nlines 1 is -EINVAL", "err %d", err);
	err = pprof_set_mapping(w, 0x2000, 0x1000, 0, "x", "");
	CHECK(err == -EINVAL, "args: mapping limit below start is -EINVAL", "err %d", err);
	err = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!err)
		err = pprof_add_sample_type(w, "alloc_space", "bytes");
	CHECK(!err, "args: sample types", "err %d", err);

	err = pprof_encode(w, &before, &before_len);
	ids[1] = 0;
	err = err ? err : pprof_add_sample(w, ids, 2, values);
	CHECK(err == -EINVAL, "args: location id 0 is -EINVAL", "err %d", err);
	ids[1] = 2;
	err = pprof_add_sample(w, ids, 2, values);
	CHECK(err == -EINVAL, "args: unknown location id is -EINVAL", "err %d", err);
	err = pprof_add_sample_labels(w, ids, 1, values, &empty_label, 1);
	CHECK(err == -EINVAL, "args: empty string label is -EINVAL", "err %d", err);
	err = pprof_encode(w, &after, &after_len);
	CHECK(!err && before && after && before_len == after_len &&
	      !memcmp(before, after, before_len),
	      "args: rejected samples change nothing", "err %d, %zu vs %zu bytes", err,
	      before_len, after_len);

	err = pprof_add_sample(w, ids, 1, values);
	CHECK(!err, "args: valid sample", "err %d", err);
	err = pprof_add_sample_type(w, "inuse_space", "bytes");
	CHECK(err == -EINVAL, "args: sample type after a sample is -EINVAL", "err %d", err);
	err = pprof_add_location(w, 0x10, NULL, 0, &id);
	CHECK(!err && id == 1, "args: known address returns its id, lines ignored",
	      "err %d id %" PRIu64, err, id);
	free(before);
	free(after);
	pprof_writer_free(w);
}

/* Frames of the inline profile; lines innermost first. */
static const struct pprof_line inlined_lines[] = {
	{ "main.inner", "/src/app/inner.go", 12 },
	{ "main.middle", "/src/app/middle.go", 34 },
	{ "main.outer", "/src/app/outer.go", 56 },
};
static const struct pprof_line main_lines[] = { { "main.main", "/src/app/main.go", 7 } };
static const struct pprof_line runtime_lines[] = {
	{ "runtime.main", "/usr/lib/go/src/runtime/proc.go", 283 },
};
/* main.outer again (same function, another line), and main.outer of another file */
static const struct pprof_line outer_lines[] = {
	{ "main.outer", "/src/app/outer.go", 60 },
	{ "main.(*T).run", "/src/app/other.go", 9 },
};
static const struct pprof_line other_outer_lines[] = { { "main.outer", "/src/app/other.go", 1 } };
static const struct pprof_line repeat_lines[] = { { "main.ignored", "/src/app/ignored.go", 1 } };

#define DEEP 1000

static void check_top(const char *file, const char *args, const char *function,
		      const char *flat, const char *cum, const char *name)
{
	char *out = NULL, *err = NULL, *line, *save;
	char f[64], c[64], fn[256], rest[64];
	bool found = false;
	int rc;

	rc = run_pprof(args, file, &out, &err);
	for (line = strtok_r(out, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		int n = sscanf(line, "%63s %*s %*s %63s %*s %255s %63s", f, c, fn, rest);

		if (n >= 3 && !strcmp(fn, function))
			found = true;
	}
	CHECK(rc == 0 && found && !strcmp(f, flat) && !strcmp(c, cum), name,
	      "rc %d, %s: flat %s cum %s, want %s %s; stderr: %.300s", rc,
	      found ? "found" : "not found", found ? f : "-", found ? c : "-", flat, cum, err);
	free(out);
	free(err);
}

/* Frames of the -traces block whose first frame is function, joined by '|'. */
static void check_traces(const char *file, const char *args, const char *function,
			 const char *want_value, const char *want_frames, const char *name)
{
	char *out = NULL, *err = NULL, *line, *save, *tok, *tsave;
	const char *sep;
	struct strbuf frames = {0}, value = {0};
	bool in_block = false, first = false, found = false;
	int rc;

	rc = run_pprof(args, file, &out, &err);
	sb_printf(&frames, "%s", "");
	sb_printf(&value, "%s", "");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "-----------+", 12)) {
			if (found)
				break;
			in_block = true;
			first = true;
			sb_reset(&frames);
			sb_reset(&value);
			continue;
		}
		if (!in_block)
			continue;
		tok = strtok_r(line, " ", &tsave);
		if (!tok || tok[strlen(tok) - 1] == ':')
			continue;	/* a label line */
		if (first) {
			sb_printf(&value, "%s", tok);
			tok = strtok_r(NULL, " ", &tsave);
			if (tok && !strcmp(tok, function))
				found = true;
		}
		sb_printf(&frames, "%s", first ? "" : "|");
		first = false;
		for (sep = ""; tok; tok = strtok_r(NULL, " ", &tsave), sep = " ")
			sb_printf(&frames, "%s%s", sep, tok);
	}
	CHECK(rc == 0 && found && !strcmp(value.s, want_value) && !strcmp(frames.s, want_frames),
	      name, "rc %d, value \"%s\" frames \"%s\", want \"%s\" \"%s\"; stderr %.300s", rc,
	      value.s, frames.s, want_value, want_frames, err);
	free(frames.s);
	free(value.s);
	free(out);
	free(err);
}

static void test_inline_profile(void)
{
	struct test_location inlined = { 0x401000, inlined_lines, 3, 0 };
	struct test_location main_loc = { 0x402000, main_lines, 1, 0 };
	struct test_location runtime_loc = { 0x403000, runtime_lines, 1, 0 };
	struct test_location outer = { 0x404000, outer_lines, 2, 0 };
	struct test_location other = { 0x405000, other_outer_lines, 1, 0 };
	struct test_location bare = { 0x406000, NULL, 0, 0 };
	struct test_location repeat = { 0x401000, repeat_lines, 1, 0 };
	struct test_location *all[] = { &inlined, &main_loc, &runtime_loc, &outer, &other,
					&bare, &repeat };
	static struct pprof_line deep_lines[DEEP];
	static char deep_names[DEEP][32];
	static struct test_location deep[DEEP];
	const struct test_location *stacks[4][DEEP + 2] = {
		{ &inlined, &main_loc, &runtime_loc },
		{ &outer, &inlined, &main_loc, &runtime_loc },
		{ &bare, &other, &main_loc, &runtime_loc },
	};
	int depth[4] = { 3, 4, 4, DEEP + 2 };
	int64_t values[4][2] = { { 3, 3000 }, { 5, 40960 }, { 1, 7 }, { 2, 1048576 } };
	struct pprof_label labels[] = {
		{ "bytes", NULL, 1000, "bytes" },
		{ "goroutine", "17", 0, NULL },
	};
	struct raw_profile rp = {0};
	struct strbuf want = {0}, got = {0};
	uint64_t ids[DEEP + 2];
	struct pprof_writer *w;
	char *file = path_in_tmp("inline.pb.gz");
	char *out = NULL, *errout = NULL, *text;
	uint8_t *data = NULL;
	size_t len = 0, i;
	int err = 0, rc, s, d;

	w = pprof_writer_new();
	if (!w) {
		CHECK(0, "inline: writer_new", "NULL");
		goto cleanup;
	}
	err = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!err)
		err = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!err)
		err = pprof_set_default_sample_type(w, "alloc_space");
	if (!err)
		err = pprof_set_mapping(w, 0x400000, 0x800000, 0x1000, "/usr/local/bin/testprog",
					"b1d0c0ffee");
	if (!err)
		err = pprof_set_period(w, "alloc_space", "bytes", 524288);
	if (!err)
		err = pprof_set_time(w, 1700000000123456789LL, 2500000000LL);
	if (!err)
		err = pprof_add_comment(w, "gomemtrace test profile");
	for (i = 0; i < sizeof(all) / sizeof(all[0]) && !err; i++)
		err = pprof_add_location(w, all[i]->address, all[i]->lines, all[i]->nlines,
					 &all[i]->id);
	CHECK(!err, "inline: build locations", "err %d", err);
	CHECK(repeat.id == inlined.id && inlined.id && bare.id == 6,
	      "inline: repeated address returns the same id", "ids %" PRIu64 " %" PRIu64,
	      inlined.id, repeat.id);
	/* the repeated address keeps the first lines */
	repeat.lines = inlined_lines;
	repeat.nlines = 3;

	/* deep stack: DEEP frames of 10 recursive functions, then main, runtime */
	for (d = 0; d < DEEP && !err; d++) {
		snprintf(deep_names[d], sizeof(deep_names[d]), "main.deep%d", d % 10);
		deep_lines[d] = (struct pprof_line){ deep_names[d], "/src/app/deep.go", d + 1 };
		deep[d] = (struct test_location){ 0x500000 + 16 * (uint64_t)d, &deep_lines[d], 1, 0 };
		err = pprof_add_location(w, deep[d].address, deep[d].lines, 1, &deep[d].id);
		stacks[3][d] = &deep[d];
	}
	stacks[3][DEEP] = &main_loc;
	stacks[3][DEEP + 1] = &runtime_loc;
	CHECK(!err, "inline: build deep stack", "err %d", err);

	for (s = 0; s < 4 && !err; s++) {
		for (d = 0; d < depth[s]; d++)
			ids[d] = stacks[s][d]->id;
		if (s == 0)
			err = pprof_add_sample_labels(w, ids, depth[s], values[s], labels, 2);
		else
			err = pprof_add_sample(w, ids, depth[s], values[s]);
	}
	CHECK(!err, "inline: build samples", "err %d", err);

	err = pprof_encode(w, &data, &len);
	/* functions: inner, middle, outer, main, runtime.main, (*T).run, outer of
	 * other.go, 10 deep ones */
	CHECK(!err && count_fields(data, len, 5) == 17 && count_fields(data, len, 4) == 6 + DEEP,
	      "inline: functions deduplicated by (name, file), locations by address",
	      "err %d, functions %ld, locations %ld", err, count_fields(data, len, 5),
	      count_fields(data, len, 4));
	free(data);

	err = pprof_write_file(w, file);
	CHECK(!err && exists(file) && !tmp_exists(file), "inline: write file, no .tmp left",
	      "err %d", err);
	text = read_whole(file, &len);
	CHECK(text && len > 2 && (uint8_t)text[0] == 0x1f && (uint8_t)text[1] == 0x8b,
	      "inline: file is gzip", "first bytes differ");
	free(text);
	if (err)
		goto cleanup;

	rc = run_pprof("-raw", file, &out, &errout);
	CHECK(rc == 0 && errout && !errout[0], "inline: pprof -raw reads it without complaint",
	      "rc %d stderr: %.500s", rc, errout ? errout : "");
	if (!raw_parse(out, &rp)) {
		CHECK(0, "inline: parse -raw", "%s", rp.error);
		out = NULL;
		goto cleanup;
	}
	out = NULL;
#define CHECK_STR(got_s, want_s, name)                                        \
	CHECK((got_s) && !strcmp((got_s), (want_s)), name, "got \"%s\", want \"%s\"", \
	      (got_s) ? (got_s) : "(none)", (want_s))
	CHECK_STR(rp.comment, "gomemtrace test profile", "inline: comment");
	CHECK_STR(rp.period_type, "alloc_space bytes", "inline: period type");
	CHECK_STR(rp.period, "524288", "inline: period");
	CHECK_STR(rp.time, "2023-11-14 22:13:20.123456789 +0000 UTC", "inline: time");
	CHECK_STR(rp.duration, "2.5s", "inline: duration");
	CHECK_STR(rp.sample_types, "alloc_objects/count alloc_space/bytes[dflt]",
		  "inline: sample types, alloc_space the default");
	CHECK_STR(rp.mapping, "1: 0x400000/0x800000/0x1000 /usr/local/bin/testprog b1d0c0ffee [FN][FL][LN][IN]",
		  "inline: one mapping, symbolized, with inline frames");
	CHECK(rp.nmappings == 1, "inline: only one mapping", "%zu", rp.nmappings);
	CHECK(rp.nlocs == 6 + DEEP, "inline: location count", "%zu", rp.nlocs);
	CHECK(rp.nsamples == 4, "inline: sample count", "%zu", rp.nsamples);
	for (s = 0; s < 4 && (size_t)s < rp.nsamples; s++) {
		char name[64];

		expect_stack(&want, stacks[s], depth[s]);
		raw_stack(&rp, &rp.samples[s], &got);
		snprintf(name, sizeof(name), "inline: sample %d values", s);
		CHECK(rp.samples[s].nvalues == 2 && rp.samples[s].values[0] == values[s][0] &&
		      rp.samples[s].values[1] == values[s][1], name,
		      "got %d values %" PRId64 " %" PRId64, rp.samples[s].nvalues,
		      rp.samples[s].values[0], rp.samples[s].values[1]);
		snprintf(name, sizeof(name), "inline: sample %d stack (%d frames)", s, depth[s]);
		CHECK(!strcmp(want.s, got.s), name, "got %.600s\n  want %.600s", got.s, want.s);
	}
	if (rp.nsamples == 4) {
		CHECK_STR(rp.samples[0].labels.s, "goroutine:[17] bytes:[1000 bytes]",
			  "inline: string and numeric labels");
		CHECK(!rp.samples[1].labels.len, "inline: unlabeled sample has no labels", "%s",
		      rp.samples[1].labels.s);
	}
#undef CHECK_STR

	check_top(file, "-top -nodecount=100 -unit=byte -sample_index=alloc_space",
		  "main.inner", "3000B", "43960B", "inline: -top alloc_space flat of inlined leaf");
	check_top(file, "-top -nodecount=100 -unit=byte -sample_index=alloc_space",
		  "main.outer", "40960B", "43967B",
		  "inline: -top alloc_space of main.outer (inline caller and leaf, two files)");
	check_top(file, "-top -nodecount=100 -unit=byte -sample_index=alloc_space",
		  "runtime.main", "0", "1092543B", "inline: -top alloc_space total at the root");
	check_top(file, "-top -nodecount=100 -sample_index=alloc_objects", "main.inner", "3",
		  "8", "inline: -top alloc_objects flat of inlined leaf");
	check_top(file, "-top -nodecount=100 -sample_index=alloc_objects", "main.deep9", "0",
		  "2", "inline: -top alloc_objects in the deep stack");
	check_traces(file, "-traces -unit=byte -sample_index=alloc_space", "main.inner",
		     "3000B", "main.inner (inline)|main.middle (inline)|main.outer|main.main|runtime.main",
		     "inline: -traces shows inlined frames innermost first");
	check_traces(file, "-traces -sample_index=alloc_objects", "main.outer", "5",
		     "main.outer (inline)|main.(*T).run|main.inner (inline)|main.middle (inline)|main.outer|main.main|runtime.main",
		     "inline: -traces of a location with two lines on an inlined one");
cleanup:
	raw_free(&rp);
	free(out);
	free(errout);
	free(want.s);
	free(got.s);
	free(file);
	pprof_writer_free(w);
}

#define MANY 200000

static void many_lines(int i, struct pprof_line *line, char *name, size_t namelen,
		       char *file, size_t filelen)
{
	snprintf(name, namelen, "example.com/pkg/sub.f%06d", i);
	snprintf(file, filelen, "/src/pkg/sub/f%03d.go", i % 1000);
	*line = (struct pprof_line){ name, file, i % 5000 + 1 };
}

static uint64_t many_address(int i)
{
	return 0x400000 + 32 * (uint64_t)i;
}

static int many_caller(int i)
{
	return (int)(((int64_t)i * 7919 + 1) % MANY);
}

static struct pprof_writer *build_many(uint64_t *sum_objects, uint64_t *sum_bytes, int *err)
{
	static const struct pprof_line root_line = { "main.main", "/src/main.go", 10 };
	char name[64], file[64];
	struct pprof_writer *w;
	struct pprof_line line;
	uint64_t root, id, ids[3];
	int64_t values[2];
	int i;

	*sum_objects = *sum_bytes = 0;
	w = pprof_writer_new();
	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!*err)
		*err = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!*err)
		*err = pprof_set_mapping(w, 0x400000, 0x400000 + 32 * (uint64_t)MANY, 0,
					 "/usr/bin/many", "");
	if (!*err)
		*err = pprof_add_location(w, 0x300000, &root_line, 1, &root);
	for (i = 0; i < MANY && !*err; i++) {
		many_lines(i, &line, name, sizeof(name), file, sizeof(file));
		*err = pprof_add_location(w, many_address(i), &line, 1, &id);
		if (!*err && id != (uint64_t)i + 2)
			*err = -EPROTO;
	}
	for (i = 0; i < MANY && !*err; i++) {
		ids[0] = (uint64_t)i + 2;
		ids[1] = (uint64_t)many_caller(i) + 2;
		ids[2] = root;
		values[0] = i % 5 + 1;
		values[1] = (i % 1000 + 1) * 16;
		*sum_objects += (uint64_t)values[0];
		*sum_bytes += (uint64_t)values[1];
		*err = pprof_add_sample(w, ids, 3, values);
	}
	if (*err) {
		pprof_writer_free(w);
		return NULL;
	}
	return w;
}

static void test_many_samples(void)
{
	uint64_t sum_objects, sum_bytes, got_objects = 0, got_bytes = 0, id;
	char *file = path_in_tmp("many.pb.gz");
	char *out = NULL, *errout = NULL;
	struct strbuf want = {0}, got = {0};
	struct raw_profile rp = {0};
	char name[64], path[64], name2[64], path2[64];
	struct pprof_line line, line2;
	struct pprof_writer *w;
	size_t bad = 0, i;
	int err, rc, dups = 0;

	w = build_many(&sum_objects, &sum_bytes, &err);
	CHECK(w, "many: build 200000 locations and 200000 samples", "err %d", err);
	if (!w)
		goto cleanup;
	for (i = 0; i < MANY && !dups; i++) {
		err = pprof_add_location(w, many_address((int)i), NULL, 0, &id);
		if (err || id != i + 2)
			dups++;
	}
	CHECK(!dups, "many: every address added again returns its id", "at %zu", i);
	err = pprof_write_file(w, file);
	CHECK(!err && !tmp_exists(file), "many: write", "err %d", err);
	if (err)
		goto cleanup;

	rc = run_pprof("-raw", file, &out, &errout);
	CHECK(rc == 0 && !errout[0], "many: pprof -raw", "rc %d stderr %.300s", rc, errout);
	if (!raw_parse(out, &rp)) {
		out = NULL;
		CHECK(0, "many: parse -raw", "%s", rp.error);
		goto cleanup;
	}
	out = NULL;
	CHECK(rp.nsamples == MANY && rp.nlocs == MANY + 1, "many: sample and location counts",
	      "%zu samples, %zu locations", rp.nsamples, rp.nlocs);
	for (i = 0; i < rp.nsamples; i++) {
		const struct raw_sample *s = &rp.samples[i];
		int caller = many_caller((int)i);

		got_objects += (uint64_t)s->values[0];
		got_bytes += (uint64_t)s->values[1];
		many_lines((int)i, &line, name, sizeof(name), path, sizeof(path));
		many_lines(caller, &line2, name2, sizeof(name2), path2, sizeof(path2));
		sb_reset(&want);
		expect_frame(&want, true, many_address((int)i), &line, 1);
		expect_frame(&want, false, many_address(caller), &line2, 1);
		sb_printf(&want, "|0x300000[main.main /src/main.go:10]");
		raw_stack(&rp, s, &got);
		if (s->values[0] != (int64_t)(i % 5 + 1) ||
		    s->values[1] != (int64_t)((i % 1000 + 1) * 16) || strcmp(want.s, got.s)) {
			if (!bad)
				fprintf(stderr, "first bad sample %zu: %s want %s\n", i, got.s, want.s);
			bad++;
		}
	}
	CHECK(!bad, "many: every sample's values and stack", "%zu bad samples", bad);
	CHECK(got_objects == sum_objects && got_bytes == sum_bytes, "many: totals",
	      "%" PRIu64 "/%" PRIu64 ", want %" PRIu64 "/%" PRIu64, got_objects, got_bytes,
	      sum_objects, sum_bytes);

cleanup:
	raw_free(&rp);
	free(out);
	free(errout);
	free(want.s);
	free(got.s);
	free(file);
	pprof_writer_free(w);
}

static struct pprof_writer *small_profile(int64_t bytes)
{
	static const struct pprof_line line = { "main.small", "/src/small.go", 5 };
	struct pprof_writer *w = pprof_writer_new();
	int64_t values[1] = { bytes };
	uint64_t id;
	int err;

	if (!w)
		return NULL;
	err = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!err)
		err = pprof_add_location(w, 0x1000, &line, 1, &id);
	if (!err)
		err = pprof_add_sample(w, &id, 1, values);
	if (err) {
		pprof_writer_free(w);
		return NULL;
	}
	return w;
}

static void test_writes(void)
{
	char *missing = path_in_tmp("no/such/dir/x.pb.gz");
	char *dir = path_in_tmp("isdir");
	char *keep = path_in_tmp("keep.pb.gz");
	char *victim = path_in_tmp("victim");
	char *keep_tmp = path_in_tmp("keep.pb.gz.tmp");
	char *before = NULL, *after = NULL, *victim_text = NULL;
	size_t before_len = 0, after_len = 0;
	struct pprof_writer *small = NULL, *other = NULL, *big = NULL;
	uint64_t so, sb;
	struct rlimit old_limit, limit;
	char *out = NULL, *errout = NULL;
	FILE *f;
	int err, rc;

	small = small_profile(4242);
	other = small_profile(777);
	if (!small || !other) {
		CHECK(0, "write: build", "out of memory");
		goto cleanup;
	}

	err = pprof_write_file(small, missing);
	CHECK(err == -ENOENT && !exists(missing) && !tmp_exists(missing),
	      "write: missing directory is -ENOENT, no file", "err %d", err);

	mkdir(dir, 0755);
	err = pprof_write_file(small, dir);
	CHECK(err == -EISDIR && !tmp_exists(dir), "write: over a directory fails, .tmp removed",
	      "err %d, tmp %s", err, tmp_exists(dir) ? "left" : "gone");

	/* overwrite: the reader sees the second profile */
	err = pprof_write_file(small, keep);
	if (!err)
		err = pprof_write_file(other, keep);
	CHECK(!err, "write: overwrite", "err %d", err);
	check_top(keep, "-top -unit=byte", "main.small", "777B", "777B",
		  "write: overwritten file holds the new profile");

	/* a stale PATH.tmp symlink is replaced, not followed */
	f = fopen(victim, "w");
	if (f) {
		fputs("precious", f);
		fclose(f);
	}
	err = symlink(victim, keep_tmp);
	err = err ? -errno : pprof_write_file(small, keep);
	victim_text = read_whole(victim, NULL);
	CHECK(!err && victim_text && !strcmp(victim_text, "precious") && !exists(keep_tmp),
	      "write: stale .tmp symlink not followed", "err %d, victim \"%s\"", err,
	      victim_text ? victim_text : "(gone)");
	rc = run_pprof("-top -unit=byte", keep, &out, &errout);
	CHECK(rc == 0 && strstr(out, "4242B"), "write: after stale .tmp, file holds the profile",
	      "rc %d", rc);

	/* a write that fails halfway (file size limit) keeps the old file whole */
	before = read_whole(keep, &before_len);
	big = build_many(&so, &sb, &err);
	if (!big || !before || getrlimit(RLIMIT_FSIZE, &old_limit)) {
		CHECK(0, "write: size limit setup", "err %d", err);
		goto cleanup;
	}
	signal(SIGXFSZ, SIG_IGN);
	limit = old_limit;
	limit.rlim_cur = 64 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &limit)) {
		CHECK(0, "write: setrlimit", "%s", strerror(errno));
		goto cleanup;
	}
	err = pprof_write_file(big, keep);
	setrlimit(RLIMIT_FSIZE, &old_limit);
	signal(SIGXFSZ, SIG_DFL);
	after = read_whole(keep, &after_len);
	CHECK(err == -EFBIG && !tmp_exists(keep), "write: failed halfway is -EFBIG, .tmp removed",
	      "err %d", err);
	CHECK(after && after_len == before_len && !memcmp(before, after, before_len),
	      "write: failed write leaves the old file intact", "%zu vs %zu bytes", after_len,
	      before_len);
	err = pprof_write_file(big, keep);
	CHECK(!err, "write: writer still usable after a failed write", "err %d", err);
cleanup:
	free(missing);
	free(dir);
	free(keep);
	free(keep_tmp);
	free(victim);
	free(victim_text);
	free(before);
	free(after);
	free(out);
	free(errout);
	pprof_writer_free(small);
	pprof_writer_free(other);
	pprof_writer_free(big);
}

/* pprof also reads the encoding uncompressed: pprof_encode's output is a profile. */
static void test_encode_readable(void)
{
	struct pprof_writer *w = small_profile(31337);
	char *file = path_in_tmp("plain.pb");
	uint8_t *data = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int err;

	err = w ? pprof_encode(w, &data, &len) : -ENOMEM;
	if (!err) {
		f = fopen(file, "wb");
		err = f && fwrite(data, 1, len, f) == len ? 0 : -EIO;
		if (f && fclose(f))
			err = -EIO;
	}
	CHECK(!err, "encode: write raw protobuf", "err %d", err);
	if (!err)
		check_top(file, "-top -unit=byte", "main.small", "31337B", "31337B",
			  "encode: pprof reads the uncompressed encoding");
	free(data);
	free(file);
	pprof_writer_free(w);
}

/* A Go plugin's mapping beside the main binary's: each location names the
 * mapping its address is in, as go tool pprof reads them; no more than
 * PPROF_MAX_MAPPINGS. */
static void test_mappings(void)
{
	static const struct pprof_line plugin_lines[] = {
		{ "pluginwork.newNode", "/src/plugin/plugin.go", 37 } };
	struct pprof_writer *w = pprof_writer_new();
	char *path = path_in_tmp("mappings.pb.gz"), *out = NULL, *err = NULL;
	uint64_t ids[2];
	int64_t values[2] = { 1, 48 };
	int ret, extra = 0;

	ret = pprof_add_sample_type(w, "alloc_objects", "count");
	if (!ret)
		ret = pprof_add_sample_type(w, "alloc_space", "bytes");
	if (!ret)
		ret = pprof_set_mapping(w, 0x400000, UINT64_MAX, 0, "/bin/host", "");
	if (!ret)
		ret = pprof_add_mapping(w, 0x7f0000000000, 0x7f0000100000, 0, "/lib/plugin.so", "");
	if (!ret)
		ret = pprof_add_location(w, 0x7f0000000100, plugin_lines, 1, &ids[0]);
	if (!ret)
		ret = pprof_add_location(w, 0x401000, main_lines, 1, &ids[1]);
	if (!ret)
		ret = pprof_add_sample(w, ids, 2, values);
	if (!ret)
		ret = pprof_write_file(w, path);
	CHECK(!ret, "mappings: written", "err %d", ret);
	ret = run_pprof("-raw -symbolize=none", path, &out, &err);
	CHECK(ret == 0 && strstr(out, " M=2 pluginwork.newNode") && strstr(out, " M=1 main.main") &&
	      strstr(out, "2: 0x7f0000000000/0x7f0000100000/0x0 /lib/plugin.so"),
	      "mappings: each location in its own mapping", "rc %d: %s %s", ret, out, err);
	for (int i = 0; i < PPROF_MAX_MAPPINGS; i++)
		if (!pprof_add_mapping(w, 0x100000 * (i + 1), 0x100000 * (i + 2), 0, "/x", ""))
			extra++;
	CHECK(extra == PPROF_MAX_MAPPINGS - 2, "mappings: at most PPROF_MAX_MAPPINGS",
	      "%d more taken", extra);
	free(out);
	free(err);
	free(path);
	pprof_writer_free(w);
}

int main(void)
{
	go_bin = getenv("GOMEMTRACE_GO");
	/* the toolchain as given, never one downloaded; times shown in UTC */
	setenv("GOTOOLCHAIN", "local", 1);
	setenv("TZ", "UTC", 1);
	if (!mkdtemp(tmpdir)) {
		CHECK(0, "setup: temporary directory", "%s", strerror(errno));
		return CHECK_DONE();
	}
	test_encoding();
	test_arguments();
	CHECK(go_bin && access(go_bin, X_OK) == 0, "setup: GOMEMTRACE_GO is a go binary",
	      "GOMEMTRACE_GO=%s", go_bin ? go_bin : "(unset)");
	if (go_bin && access(go_bin, X_OK) == 0) {
		test_encode_readable();
		test_inline_profile();
		test_many_samples();
		test_writes();
		test_mappings();
	}
	remove_tree(tmpdir);
	return CHECK_DONE();
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writer of pprof profiles (profile.proto, gzip-compressed) as `go tool
 * pprof` reads them. Strings, functions and locations are deduplicated; the
 * profile carries its own symbols (one mapping with has_functions,
 * has_filenames, has_line_numbers and has_inline_frames set) so pprof never
 * tries to symbolize it again.
 *
 * Functions returning int return 0 or a negative errno: -EINVAL for bad
 * arguments (NULL, unknown location id, a sample type after the first
 * sample), -ENOMEM, -E2BIG past 2^32-1 strings, functions or locations, and
 * the errno of a failed write. A failed call adds no sample, location or
 * setting; at most it leaves unused strings or functions behind, which pprof
 * ignores. A failed write leaves no file: the old one, if any, stays whole.
 */
#ifndef GOMEMTRACE_PPROF_H
#define GOMEMTRACE_PPROF_H

#include <stddef.h>
#include <stdint.h>

struct pprof_writer;

/* One source line of a location, innermost (inlined) first. */
struct pprof_line {
	const char *function;
	const char *file;
	int64_t line;
};

struct pprof_writer *pprof_writer_new(void);
void pprof_writer_free(struct pprof_writer *w);

/* Sample types, in the order of the values of each sample. */
int pprof_add_sample_type(struct pprof_writer *w, const char *type, const char *unit);
/* The main binary: file name, build id (may be ""), address range. */
int pprof_set_mapping(struct pprof_writer *w, uint64_t start, uint64_t limit,
		      uint64_t offset, const char *file, const char *build_id);
/* Another mapping (a shared object: a Go plugin): the locations whose
 * address lies in [start, limit) are its. At most PPROF_MAX_MAPPINGS - 1.
 * Returns 0, -EINVAL, -E2BIG or -ENOMEM. */
#define PPROF_MAX_MAPPINGS 17
int pprof_add_mapping(struct pprof_writer *w, uint64_t start, uint64_t limit,
		      uint64_t offset, const char *file, const char *build_id);
int pprof_set_period(struct pprof_writer *w, const char *type, const char *unit,
		     int64_t period);
int pprof_set_time(struct pprof_writer *w, int64_t time_nanos, int64_t duration_nanos);
/* A location by address; the same address returns the same id. */
int pprof_add_location(struct pprof_writer *w, uint64_t address,
		       const struct pprof_line *lines, int nlines, uint64_t *id);
/* A sample: location ids leaf first, one value per sample type. */
int pprof_add_sample(struct pprof_writer *w, const uint64_t *location_ids,
		     int nlocations, const int64_t *values);
/* Encode, gzip and write atomically (temporary file, then rename). */
int pprof_write_file(struct pprof_writer *w, const char *path);
/* Encode and gzip into an open file; the caller syncs and closes it. */
int pprof_write_fd(struct pprof_writer *w, int fd);

/* Additions: labels, comments, the default sample type, the raw encoding. */

/* A sample label: a string label when str is set (non-empty), else a number
 * with an optional unit ("bytes"), as the Go heap profile's "bytes" label. */
struct pprof_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;
};

/* pprof_add_sample with labels. */
int pprof_add_sample_labels(struct pprof_writer *w, const uint64_t *location_ids,
			    int nlocations, const int64_t *values,
			    const struct pprof_label *labels, int nlabels);
/* A free-form comment, shown by `pprof -comments` and `-raw`. */
int pprof_add_comment(struct pprof_writer *w, const char *comment);
/* The sample type pprof shows by default (else the last one added). */
int pprof_set_default_sample_type(struct pprof_writer *w, const char *type);
/* The profile as uncompressed protobuf, in a malloc'ed buffer the caller
 * frees: for other sinks, and for tests of the encoding. */
int pprof_encode(const struct pprof_writer *w, uint8_t **data, size_t *size);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output directory (-o) and the files written into it as one set:
 * opened and tested before the probes attach, written through a private
 * temporary directory, renamed into place together (see output_set.c).
 */
#ifndef GOMEMTRACE_OUTPUT_SET_H
#define GOMEMTRACE_OUTPUT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define OUTPUT_SET_MAX 8

/*
 * Opens DIR, creating what is missing as `mkdir -p` does, without following
 * a symbolic link someone else could have planted, then tests that a
 * temporary directory can be made in it. Returns an O_CLOEXEC directory fd,
 * or a negative errno with a one-line reason (which names path) in err.
 */
/* Writes all n bytes of p to fd, again after a short write or EINTR.
 * Returns 0 or a negative errno (-ENOSPC for a full disk). */
int output_write_all(int fd, const void *p, size_t n);

int output_dir_open(const char *path, char *err, size_t errlen);

/* A stdio stream writing into fd as it goes (no copy of the whole file in
 * memory), keeping the errno of its first failed write. */
struct output_stream {
	int fd;
	int err;	/* negative errno of the first failed write */
};

/* The stream on fd (not owned), or NULL with errno set. */
FILE *output_stream_open(struct output_stream *s, int fd);
/* Flushes and closes f: 0, the first write's -errno, or -EIO. */
int output_stream_close(struct output_stream *s, FILE *f);

struct output_set {
	int dir_fd;			/* the destination, not owned */
	int tmp_fd;			/* our temporary directory in it */
	char tmp_name[32];		/* its name, ".gomemtrace.XXXXXX" */
	const char *failed;		/* the file a commit failed on, if any */
	int n;
	struct {
		const char *name;	/* the caller's string, kept until the end */
		int fd;
		int placed;		/* how commit moved it (output_set.c) */
	} files[OUTPUT_SET_MAX];
};

/* Makes the temporary directory in dir_fd. */
int output_set_begin(struct output_set *s, int dir_fd);
/* Creates NAME (no '/') in the temporary directory: a write-only fd the set
 * owns, or a negative errno. */
int output_set_create(struct output_set *s, const char *name);
/* Syncs every file and renames the set into place: all new files, or (as
 * far as the file system allows) all old ones. Removes what is temporary
 * either way. */
int output_set_commit(struct output_set *s);
/* Removes everything temporary; the destination is untouched. */
void output_set_abort(struct output_set *s);

#endif

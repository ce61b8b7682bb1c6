// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The output directory and how the outputs reach it. The tracer runs as
 * root, and the -o directory may be writable by someone who is not, so no
 * name in it is trusted:
 *
 * - Opening DIR (mkdir -p): walked one component at a time from "/" or the
 *   working directory, each opened with O_NOFOLLOW and made with mkdirat
 *   when missing, so every step lands on a real directory held by fd. A
 *   symbolic link is followed (its target walked the same way) only when
 *   nobody but root or us could have planted or replaced it: owned by root
 *   or us, in a directory owned by root or us that others cannot write
 *   unless it is sticky. /var/run -> /run passes; a link some user made in
 *   their directory or in /tmp does not. The last component must be a
 *   directory. All of it is bad input, found before the probes attach,
 *   together with a test that a temporary directory can be made in DIR.
 *
 * - Writing the set: a temporary directory DIR/.gomemtrace.XXXXXX, mode
 *   0700, named as mkdtemp(3) names it (random, created exclusively) but
 *   made with mkdirat relative to the held DIR fd, and checked to be ours
 *   after opening. Each file is created in it with O_CREAT | O_EXCL |
 *   O_NOFOLLOW, mode 0644: nobody else can write there and nothing is
 *   followed. Commit fsyncs and closes every file, then exchanges each with
 *   its destination (renameat2 RENAME_EXCHANGE; RENAME_NOREPLACE when the
 *   destination is missing). A rename replaces whatever sits at the name, a
 *   planted symbolic link included, and never follows it. If one rename
 *   fails, those done are exchanged back: the previous set stays whole.
 *   Then the old files, now in the temporary directory, and the directory
 *   itself are removed.
 *
 * - File systems without renameat2's flags get plain renameat: each file is
 *   still whole, but a failure midway leaves a mixed set. A crash while
 *   writing leaves a .gomemtrace.* directory behind, for anyone to remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outputs/output_set.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#define MAX_LINKS 40		/* as the kernel's limit on nested links */
#define TMP_TRIES 100

enum placed { NOT_PLACED, EXCHANGED, PLACED_NEW, REPLACED };

struct walk {
	int links;		/* symbolic links followed so far */
	bool untrusted;		/* failed on a link we would not follow */
	uid_t link_uid;
	bool mkdir_failed;
	size_t failed_at;	/* end of the component of path that failed */
};

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Neither the link nor the directory holding it can be changed by anyone but
 * root or us (a sticky directory lets others remove only their own links). */
static bool trusted_link(int parent, const struct stat *link)
{
	struct stat dir;

	if (!trusted_owner(link->st_uid) || fstat(parent, &dir))
		return false;
	return trusted_owner(dir.st_uid) &&
	       (!(dir.st_mode & (S_IWGRP | S_IWOTH)) || (dir.st_mode & S_ISVTX));
}

static int walk_path(struct walk *w, int start, const char *path, bool outer);

/* The directory NAME in parent, made if missing; a trusted link is walked. */
static int open_component(struct walk *w, int parent, const char *name)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t len;
	int fd;

	fd = openat(parent, name, DIR_FLAGS | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		if (mkdirat(parent, name, 0755) && errno != EEXIST) {
			w->mkdir_failed = true;
			return -errno;
		}
		fd = openat(parent, name, DIR_FLAGS | O_NOFOLLOW);
		if (fd >= 0)
			return fd;
	}
	/* O_NOFOLLOW on a link: ELOOP, or ENOTDIR with O_DIRECTORY. */
	if (errno != ELOOP && errno != ENOTDIR)
		return -errno;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISLNK(st.st_mode))
		return -ENOTDIR;
	if (!trusted_link(parent, &st)) {
		w->untrusted = true;
		w->link_uid = st.st_uid;
		return -EPERM;
	}
	if (++w->links > MAX_LINKS)
		return -ELOOP;
	len = readlinkat(parent, name, target, sizeof(target));
	if (len < 0)
		return -errno;
	if ((size_t)len >= sizeof(target))
		return -ENAMETOOLONG;
	target[len] = '\0';
	return walk_path(w, parent, target, false);
}

/* Walks path from start (ignored if path is absolute); returns the fd of the
 * directory it ends at or -errno. */
static int walk_path(struct walk *w, int start, const char *path, bool outer)
{
	char name[NAME_MAX + 1];
	const char *p = path, *end;
	int fd, next;

	fd = openat(start, path[0] == '/' ? "/" : ".", DIR_FLAGS);
	if (fd < 0)
		return -errno;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		if (outer)
			w->failed_at = end - path;
		if ((size_t)(end - p) > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(name, p, end - p);
		name[end - p] = '\0';
		next = open_component(w, fd, name);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		p = end;
	}
	return fd;
}

int output_dir_open(const char *path, char *err, size_t errlen)
{
	struct walk w = {};
	struct output_set test;
	int fd, ret;

	if (!path[0]) {
		snprintf(err, errlen, "output directory: empty path");
		return -EINVAL;
	}
	fd = walk_path(&w, AT_FDCWD, path, true);
	if (fd < 0) {
		char what[160];

		if (w.untrusted)
			snprintf(what, sizeof(what), "a symbolic link owned by uid %u or in a "
				 "directory others can write: not followed", (unsigned)w.link_uid);
		else if (fd == -ENOTDIR)
			snprintf(what, sizeof(what), "not a directory");
		else
			snprintf(what, sizeof(what), "%s%s", w.mkdir_failed ? "cannot create: " : "",
				 strerror(-fd));
		if (w.failed_at < strlen(path))
			snprintf(err, errlen, "output directory %s: %.*s: %s", path,
				 (int)w.failed_at, path, what);
		else
			snprintf(err, errlen, "output directory %s: %s", path, what);
		return fd;
	}
	ret = output_set_begin(&test, fd);
	if (ret) {
		snprintf(err, errlen, "output directory %s: cannot write in it: %s", path,
			 strerror(-ret));
		close(fd);
		return ret;
	}
	output_set_abort(&test);
	return fd;
}

int output_set_begin(struct output_set *s, int dir_fd)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	struct stat st;
	int i, ret;

	memset(s, 0, sizeof(*s));
	s->dir_fd = dir_fd;
	s->tmp_fd = -1;
	for (i = 0; i < TMP_TRIES; i++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return errno ? -errno : -EIO;
		memcpy(s->tmp_name, ".gomemtrace.", 12);
		for (size_t j = 0; j < sizeof(rnd); j++)
			s->tmp_name[12 + j] = chars[rnd[j] % (sizeof(chars) - 1)];
		s->tmp_name[12 + sizeof(rnd)] = '\0';
		if (!mkdirat(dir_fd, s->tmp_name, 0700))
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (i == TMP_TRIES)
		return -EEXIST;
	s->tmp_fd = openat(dir_fd, s->tmp_name, DIR_FLAGS | O_NOFOLLOW);
	if (s->tmp_fd < 0) {
		ret = -errno;
		unlinkat(dir_fd, s->tmp_name, AT_REMOVEDIR);
		return ret;
	}
	/* Someone who can write DIR may have swapped in a directory of theirs
	 * between mkdirat and openat: ours is owned by us, closed to others. */
	if (fstat(s->tmp_fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(s->tmp_fd);
		s->tmp_fd = -1;
		return -EPERM;
	}
	return 0;
}

int output_set_create(struct output_set *s, const char *name)
{
	int fd;

	if (s->tmp_fd < 0 || s->n == OUTPUT_SET_MAX || !name[0] || strchr(name, '/'))
		return -EINVAL;
	fd = openat(s->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	s->files[s->n].name = name;
	s->files[s->n].fd = fd;
	s->files[s->n].placed = NOT_PLACED;
	s->n++;
	return fd;
}

/* Moves file i to its destination, replacing (never following) what is
 * there, in a way place_undo can reverse when the file system allows. */
static int place(struct output_set *s, int i)
{
	const char *name = s->files[i].name;
	struct stat st;

	/* Exchange would swap a directory out of the way: refuse, as rename
	 * would. */
	if (!fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode))
		return -EISDIR;

	/* A destination can appear between the two tries: try again. */
	for (int tries = 0; tries < 3; tries++) {
		if (!renameat2(s->tmp_fd, name, s->dir_fd, name, RENAME_EXCHANGE)) {
			s->files[i].placed = EXCHANGED;
			return 0;
		}
		if (errno != ENOENT)
			break;
		if (!renameat2(s->tmp_fd, name, s->dir_fd, name, RENAME_NOREPLACE)) {
			s->files[i].placed = PLACED_NEW;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	if (errno != EINVAL)
		return -errno;
	/* No RENAME_EXCHANGE or RENAME_NOREPLACE here. */
	if (renameat(s->tmp_fd, name, s->dir_fd, name))
		return -errno;
	s->files[i].placed = REPLACED;
	return 0;
}

static void place_undo(struct output_set *s, int i)
{
	const char *name = s->files[i].name;

	if (s->files[i].placed == EXCHANGED &&
	    !renameat2(s->tmp_fd, name, s->dir_fd, name, RENAME_EXCHANGE))
		s->files[i].placed = NOT_PLACED;
	else if (s->files[i].placed == PLACED_NEW &&
		 !renameat2(s->dir_fd, name, s->tmp_fd, name, RENAME_NOREPLACE))
		s->files[i].placed = NOT_PLACED;
}

int output_set_commit(struct output_set *s)
{
	int i, ret = 0;

	s->failed = NULL;
	for (i = 0; i < s->n && !ret; i++) {
		if (fsync(s->files[i].fd))
			ret = -errno;
		if (close(s->files[i].fd) && !ret)
			ret = -errno;
		s->files[i].fd = -1;
		if (ret)
			s->failed = s->files[i].name;
	}
	for (i = 0; i < s->n && !ret; i++) {
		ret = place(s, i);
		if (ret)
			s->failed = s->files[i].name;
	}
	if (ret) {
		while (i-- > 0)
			place_undo(s, i);
	} else {
		/* The renames themselves, durable. Some file systems cannot
		 * sync a directory (EINVAL); the files are in place anyway. */
		fsync(s->dir_fd);
	}
	output_set_abort(s);
	return ret;
}

void output_set_abort(struct output_set *s)
{
	for (int i = 0; i < s->n; i++) {
		const char *name = s->files[i].name;

		if (s->files[i].fd >= 0)
			close(s->files[i].fd);
		s->files[i].fd = -1;
		/* What is left under the name here: our unplaced file, or the
		 * old destination a commit exchanged out (a planted directory
		 * stays if it is not empty). */
		if (unlinkat(s->tmp_fd, name, 0) && errno == EISDIR)
			unlinkat(s->tmp_fd, name, AT_REMOVEDIR);
	}
	s->n = 0;
	if (s->tmp_fd >= 0) {
		close(s->tmp_fd);
		unlinkat(s->dir_fd, s->tmp_name, AT_REMOVEDIR);
	}
	s->tmp_fd = -1;
}

int output_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t done = write(fd, c, n);

		if (done < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += done;
		n -= (size_t)done;
	}
	return 0;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t len)
{
	struct output_stream *s = cookie;
	int ret;

	if (s->err)
		return -1;
	ret = output_write_all(s->fd, buf, len);
	if (ret) {
		s->err = ret;
		return -1;
	}
	return len;
}

FILE *output_stream_open(struct output_stream *s, int fd)
{
	static const cookie_io_functions_t io = { .write = stream_write };

	FILE *f;

	s->fd = fd;
	s->err = 0;
	f = fopencookie(s, "w", io);
	if (f)
		setvbuf(f, NULL, _IOFBF, 64 << 10);
	return f;
}

int output_stream_close(struct output_stream *s, FILE *f)
{
	int ret = ferror(f) ? -EIO : 0;

	if (fclose(f) && !ret)
		ret = -EIO;
	return s->err ? s->err : ret;
}

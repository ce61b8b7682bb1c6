// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The output directory and the set of files written into it (output_set.c),
 * in a temporary directory, without root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "outputs/output_set.h"

static char base[] = "/tmp/gomemtrace-test-outset.XXXXXX";

static char *in_base(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", base, name) < 0)
		abort();
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of dir named .gomemtrace.* */
static int temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, ".gomemtrace.", 12);
	closedir(d);
	return n;
}

static int write_set(int dir_fd, const char *report, const char *profile,
		     const char **failed)
{
	struct output_set s;
	const char *names[] = { "report.json", "heap.pb.gz" };
	const char *texts[] = { report, profile };
	int ret = output_set_begin(&s, dir_fd), fd;

	*failed = NULL;
	for (int i = 0; !ret && i < 2; i++) {
		fd = output_set_create(&s, names[i]);
		if (fd < 0)
			ret = fd;
		else if (write(fd, texts[i], strlen(texts[i])) != (ssize_t)strlen(texts[i]))
			ret = -EIO;
	}
	if (ret) {
		output_set_abort(&s);
		return ret;
	}
	ret = output_set_commit(&s);
	*failed = s.failed;
	return ret;
}

int main(void)
{
	char err[512], *dir, *report, *profile, *victim, *file, *link, *linked, *nested;
	const char *failed;
	struct stat st;
	int fd, ret;

	if (!mkdtemp(base)) {
		CHECK(0, "output set: temporary directory", "%s", strerror(errno));
		return CHECK_DONE();
	}
	dir = in_base("a/b/c");
	report = in_base("a/b/c/report.json");
	profile = in_base("a/b/c/heap.pb.gz");
	victim = in_base("victim");
	file = in_base("file");
	link = in_base("link");
	linked = in_base("link/d");
	nested = in_base("a/b/c/d");

	fd = output_dir_open(dir, err, sizeof(err));
	CHECK(fd >= 0 && !stat(dir, &st) && S_ISDIR(st.st_mode) && !temporaries(dir),
	      "output dir: made as mkdir -p, test directory removed", "%d: %s", fd, err);

	ret = write_set(fd, "r1", "p1", &failed);
	CHECK(!ret && !strcmp(get(report), "r1") && !strcmp(get(profile), "p1") &&
	      !temporaries(dir), "output set: written, nothing temporary left", "%d", ret);

	/* Links at the destinations are replaced, never followed. */
	put(victim, "precious");
	unlink(report);
	unlink(profile);
	if (symlink(victim, report) || symlink(victim, profile))
		CHECK(0, "output set: plant links", "%s", strerror(errno));
	ret = write_set(fd, "r2", "p2", &failed);
	CHECK(!ret && !strcmp(get(victim), "precious") && !lstat(report, &st) &&
	      S_ISREG(st.st_mode) && !strcmp(get(report), "r2") && !strcmp(get(profile), "p2"),
	      "output set: planted links replaced, not followed", "%d, victim %s", ret,
	      get(victim));

	/* The second rename fails: the first is put back, the set stays old. */
	unlink(profile);
	mkdir(profile, 0755);
	ret = write_set(fd, "r3", "p3", &failed);
	CHECK(ret == -EISDIR && failed && !strcmp(failed, "heap.pb.gz") &&
	      !strcmp(get(report), "r2") && !temporaries(dir),
	      "output set: a failed rename restores the previous set", "%d, report.json %s",
	      ret, get(report));
	close(fd);

	put(file, "x");
	fd = output_dir_open(file, err, sizeof(err));
	CHECK(fd == -ENOTDIR && strstr(err, "not a directory"),
	      "output dir: a regular file is not a directory", "%d: %s", fd, err);
	if (fd >= 0)
		close(fd);

	/* Our own link, in a directory only we write, is followed. */
	chmod(base, 0700);
	if (symlink(dir, link))
		CHECK(0, "output dir: make link", "%s", strerror(errno));
	fd = output_dir_open(linked, err, sizeof(err));
	CHECK(fd >= 0 && !stat(nested, &st) && S_ISDIR(st.st_mode),
	      "output dir: a link of ours in our directory is followed", "%d: %s", fd, err);
	if (fd >= 0)
		close(fd);

	snprintf(err, sizeof(err), "rm -rf '%s'", base);
	if (system(err) != 0)
		fprintf(stderr, "cannot remove %s\n", base);
	free(dir);
	free(report);
	free(profile);
	free(victim);
	free(file);
	free(link);
	free(linked);
	free(nested);
	return CHECK_DONE();
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go build information (the .go.buildinfo blob that `go version -m` reads):
 * toolchain version, main module path and VCS revision.
 */
#ifndef GOMEMTRACE_BUILDINFO_H
#define GOMEMTRACE_BUILDINFO_H

#include "binary/elf_reader.h"

struct buildinfo {
	char *version;		/* "go1.21.13"; NULL if no build info */
	int minor;		/* 121 for go1.21.x, 0 if unknown */
	char *main_path;	/* "path\t..." line of the module info, or NULL */
	char *vcs_revision;	/* "build\tvcs.revision=..." value, or NULL */
};

/*
 * Find and decode the build info: the .go.buildinfo section, or when there
 * are no section headers the 16-byte aligned magic in a writable segment.
 * Returns 0 (version NULL if the binary carries none), -ENOEXEC with a reason
 * in err when the blob is present but corrupt, -ENOMEM.
 */
int buildinfo_read(const struct elf_file *ef, struct buildinfo *bi,
		   char *err, size_t errlen);
void buildinfo_free(struct buildinfo *bi);

/*
 * Whether go1.(minor - 100) has the GOEXPERIMENT name (len bytes, as a
 * version lists it after "X:": lower case, "no" + name for a default turned
 * off): its internal/goexperiment/flags.go, read for 1.19 and 1.21-1.27.
 * 1 known, 0 not known, -1 a version whose list was not read (1.20, 1.28+).
 */
int buildinfo_experiment_known(int minor, const char *name, size_t len);

/* 100 * major + minor of a Go version string ("go1.21.13" -> 121,
 * "devel go1.23-abc" -> 123); 0 if it does not parse. */
int buildinfo_parse_minor(const char *version);

#endif

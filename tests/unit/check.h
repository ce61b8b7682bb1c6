/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal test protocol shared by every test program: one line per check,
 * "ok - NAME" or "not ok - NAME: reason" (TAP style); tests/run.sh counts
 * them. A test binary exits 1 if any check failed.
 */
#ifndef GOMEMTRACE_CHECK_H
#define GOMEMTRACE_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond, name, ...)                                         \
	do {                                                           \
		if (cond) {                                            \
			printf("ok - %s\n", name);                     \
		} else {                                               \
			check_failures++;                              \
			printf("not ok - %s: ", name);                 \
			printf(__VA_ARGS__);                           \
			printf("\n");                                  \
		}                                                      \
		fflush(stdout);                                        \
	} while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

/* The test workloads' folder (scripts/build-workloads.sh):
 * $GOMEMTRACE_WORKLOADS, else $GOMEMTRACE_CACHE/workloads, else
 * /var/cache/gomemtrace/workloads; into buf of len bytes. */
static inline void check_workloads_dir(char *buf, size_t len)
{
	const char *env = getenv("GOMEMTRACE_WORKLOADS"), *cache = getenv("GOMEMTRACE_CACHE");

	if (env)
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "%s/workloads", cache ? cache : "/var/cache/gomemtrace");
}

#endif

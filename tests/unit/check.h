/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal test protocol shared by every test program: one line per check,
 * "ok - NAME" or "not ok - NAME: reason" (TAP style); tests/run.sh counts
 * them. A test binary exits 1 if any check failed.
 */
#ifndef GOMEMTRACE_CHECK_H
#define GOMEMTRACE_CHECK_H

#include <stdio.h>

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

#endif

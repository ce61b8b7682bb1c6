/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Ring buffer records into the aggregate: see events.c. */
#ifndef GOMEMTRACE_EVENTS_H
#define GOMEMTRACE_EVENTS_H

#include <stddef.h>

/* ring_buffer callback; ctx is a struct aggregate. */
int events_handle(void *ctx, void *data, size_t len);

#endif

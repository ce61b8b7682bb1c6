/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The exitwatch records (bpf/exitwatch_events.h) for user space: kernel types first. */
#ifndef GOMEMTRACE_EXITWATCH_TYPES_H
#define GOMEMTRACE_EXITWATCH_TYPES_H

#include <linux/types.h>
#include <stdint.h>

#include "exitwatch_events.h"

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The BPF event header (bpf/memtrace_events.h) for user space: kernel types first. */
#ifndef GOMEMTRACE_MEMTRACE_TYPES_H
#define GOMEMTRACE_MEMTRACE_TYPES_H

#include <linux/types.h>
#include <stdint.h>

#include "memtrace_events.h"

#endif

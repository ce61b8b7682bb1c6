/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Read-only access to a live process's memory: process_vm_readv(2), falling
 * back to pread(2) on /proc/PID/mem (kernels or sandboxes without the
 * syscall). Never writes.
 */
#ifndef GOMEMTRACE_TARGET_MEM_H
#define GOMEMTRACE_TARGET_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Copy len bytes at the target's virtual address addr into buf. Returns 0
 * when all len bytes were read, else a negative errno: -ESRCH (no such
 * process), -EPERM/-EACCES (not allowed), -EFAULT/-EIO (address not
 * mapped, or only partly), -EINVAL.
 */
int target_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif

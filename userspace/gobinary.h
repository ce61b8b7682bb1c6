/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Facts read from a Go executable file, as it ships: ELF layout, Go build
 * information and the function table from .gopclntab. Works on stripped
 * (-s -w), PIE and cgo binaries. Every byte of the file is treated as hostile:
 * all reads are bounds-checked.
 *
 * Addresses are link-time virtual addresses as in the ELF file (unrelocated);
 * the caller subtracts the load bias of a PIE before asking.
 */
#ifndef GOMEMTRACE_GOBINARY_H
#define GOMEMTRACE_GOBINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;

struct gobin_func {
	uint64_t entry;		/* first instruction */
	uint64_t end;		/* one past the last instruction */
	const char *name;	/* pclntab name: "runtime.mallocgc", "main.(*T).m" */
};

/* One source frame of a PC; inlined calls give several frames per PC. */
struct gobin_frame {
	const char *function;	/* as `go tool pprof` names it */
	const char *file;
	uint32_t line;
	uint64_t func_entry;	/* entry of the physical function holding the PC */
};

/*
 * Open and index a Go binary. Returns 0, or a negative errno with a one-line
 * reason in err: -ENOENT/-EACCES (cannot open), -ENOEXEC (not a 64-bit ELF,
 * not amd64, not a Go binary, corrupt or truncated tables).
 */
int gobin_open(const char *path, struct gobin **out, char *err, size_t errlen);
void gobin_close(struct gobin *bin);

/* Go version exactly as `go version -m` prints it ("go1.21.13"), or NULL. */
const char *gobin_go_version(const struct gobin *bin);
/* Major.minor from the version: 1.21 -> 121. 0 if unknown. */
int gobin_go_minor(const struct gobin *bin);
/* Main module path and VCS revision from build info; NULL when absent. */
const char *gobin_main_path(const struct gobin *bin);
const char *gobin_vcs_revision(const struct gobin *bin);
bool gobin_is_pie(const struct gobin *bin);	/* ET_DYN */

/* Function table (pclntab), sorted by entry. */
size_t gobin_func_count(const struct gobin *bin);
int gobin_func_by_index(const struct gobin *bin, size_t i, struct gobin_func *out);
/* Exact pclntab name; -ENOENT if absent. */
int gobin_find_func(const struct gobin *bin, const char *name, struct gobin_func *out);
/* Function containing pc; -ENOENT if none. */
int gobin_func_at(const struct gobin *bin, uint64_t pc, struct gobin_func *out);

/*
 * Source frames of exactly this pc, innermost (most deeply inlined) first,
 * the physical function last. For a return address pass pc - 1. Returns the
 * number of frames written (at most max), or a negative errno.
 */
int gobin_symbolize(const struct gobin *bin, uint64_t pc,
		    struct gobin_frame *frames, int max);

/* File offset of a virtual address inside a PT_LOAD segment. */
int gobin_vaddr_to_offset(const struct gobin *bin, uint64_t vaddr, uint64_t *off);
/* Bytes of the file at vaddr, len of them all inside one segment's file
 * image, or NULL. */
const uint8_t *gobin_read(const struct gobin *bin, uint64_t vaddr, size_t len);
/* Address of an ELF .symtab symbol (data or code); -ENOENT when stripped. */
int gobin_symbol_addr(const struct gobin *bin, const char *name, uint64_t *addr);
/* Lowest p_vaddr - p_offset over PT_LOAD segments with offset 0 (for the
 * load bias of a PIE: bias = mapping start - this). */
uint64_t gobin_first_load_vaddr(const struct gobin *bin);

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go's function table (.gopclntab) read in place: function entries and
 * names, pc-value tables (file, line, inline index), the inline tree, and the
 * module data (runtime.firstmoduledata) that gives the text base and funcdata
 * base the runtime uses. Formats: Go 1.16-1.17, 1.18-1.19 and 1.20+.
 */
#ifndef GOMEMTRACE_PCLNTAB_H
#define GOMEMTRACE_PCLNTAB_H

#include "binary/elf_reader.h"

enum pclntab_format {
	PCLNTAB_GO116 = 1,	/* magic 0xfffffffa: Go 1.16-1.17 */
	PCLNTAB_GO118,		/* magic 0xfffffff0: Go 1.18-1.19 */
	PCLNTAB_GO120,		/* magic 0xfffffff1: Go 1.20+ */
};

/* internal/abi: PCDATA_InlTreeIndex, FUNCDATA_InlTree */
#define PCLNTAB_PCDATA_INLTREE_INDEX 2
#define PCLNTAB_FUNCDATA_INLTREE 3

struct pclntab {
	const struct elf_file *elf;
	enum pclntab_format format;
	uint64_t vaddr;			/* of the pcHeader */
	struct span data;		/* pcHeader to the end of the table */
	uint32_t nfunc;
	struct span funcnametab;
	struct span cutab;
	struct span filetab;
	struct span pctab;
	struct span pclntable;		/* functab, then the _func records */
	uint64_t text_start;		/* base of entry offsets (1.18+) */
	uint64_t moduledata;		/* runtime.firstmoduledata, 0 if not found */
	uint64_t gofunc;		/* base of funcdata offsets (1.18+), 0 if unknown */
	/* moduledata.types..etypes, the type descriptors and the names they
	 * refer to (nameOff is relative to types); types_vaddr 0 if unknown */
	uint64_t types_vaddr;
	struct span types;
	bool have_inline;		/* inline trees can be read */
	size_t func_size;		/* bytes of _func before its pcdata[] */
};

/* One _func record. */
struct pclntab_func {
	uint64_t entry;
	uint64_t end;			/* entry of the next function */
	int32_t nameoff;		/* into funcnametab */
	uint32_t pcsp;			/* pc-value table offsets into pctab */
	uint32_t pcfile;
	uint32_t pcln;
	uint32_t npcdata;
	uint32_t cu_offset;		/* into cutab */
	uint8_t nfuncdata;
	uint8_t funcid;
	struct span rec;		/* the record to the end of pclntable */
	uint64_t rec_vaddr;
};

/* A FUNCDATA_InlTree entry, whatever its version's layout. */
struct pclntab_inlined_call {
	int32_t nameoff;		/* into funcnametab */
	int32_t parent_pc;		/* offset from the entry of a PC at the call site */
	uint8_t funcid;
};

/*
 * Find the table (section .gopclntab or .data.rel.ro.gopclntab, otherwise a
 * plausible header in a loaded segment), validate its header and functab,
 * and find the module data. go_minor (121 for 1.21, 0 if unknown) selects
 * module data field offsets. Returns 0, -ENOEXEC with a reason in err.
 */
int pclntab_open(const struct elf_file *ef, int go_minor, struct pclntab *t,
		 char *err, size_t errlen);

/* Entry of function i, i <= nfunc (nfunc gives the end of the last one). */
uint64_t pclntab_entry(const struct pclntab *t, uint32_t i);
/* Index of the function whose [entry, next entry) holds pc. */
bool pclntab_search(const struct pclntab *t, uint64_t pc, uint32_t *i);
/* Function i < nfunc; false if its record is corrupt. */
bool pclntab_func(const struct pclntab *t, uint32_t i, struct pclntab_func *f);
/* Name of function i < nfunc (reads only what that needs), or NULL. */
const char *pclntab_func_name(const struct pclntab *t, uint32_t i);
/* NUL-terminated name at nameoff in funcnametab, or NULL. */
const char *pclntab_name(const struct pclntab *t, int32_t nameoff);

/*
 * Value of the pc-value table at pctab offset off for targetpc (runtime
 * pcvalue). false if there is no table or it does not cover targetpc.
 */
bool pclntab_pcvalue(const struct pclntab *t, const struct pclntab_func *f,
		     uint32_t off, uint64_t targetpc, int32_t *val);
/* Offset of pcdata table n of f in pctab; 0 if none. */
uint32_t pclntab_pcdata(const struct pclntab *t, const struct pclntab_func *f,
			uint32_t n);
/* File and line of pc in f (runtime funcline1); false if unknown. */
bool pclntab_file_line(const struct pclntab *t, const struct pclntab_func *f,
		       uint64_t pc, const char **file, int32_t *line);
/* Entry index of f's inline tree; false if absent or unreadable. */
bool pclntab_inlined_call(const struct pclntab *t, const struct pclntab_func *f,
			  int32_t index, struct pclntab_inlined_call *out);

#endif

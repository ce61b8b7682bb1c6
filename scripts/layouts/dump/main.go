// Command dump prints one row of userspace/binary/go_layouts.inc: the offsets (and,
// where they vary, sizes) of the Go runtime fields gomemtrace reads, taken
// from the DWARF of a binary built by one Go toolchain.
//
//	dump -minor 119 BINARY
//
// scripts/gen-layouts.sh runs it once per toolchain of the matrix and
// assembles the rows. It fails (exit 1, reason on stderr) when the binary was
// built by another Go version than -minor says, when a required field is
// missing, or when a field's width differs from the one the C side assumes;
// optional fields that are missing print as GO_LAYOUT_ABSENT. The sizes of
// runtime.work and runtime.memstats also go to stderr, for the record.
// Standard library only.
package main

import (
	"debug/buildinfo"
	"debug/dwarf"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// where names a struct: a type by its DWARF name, or the type of a
// variable (runtime.work's type is reached that way, as it may be unnamed).
type where struct {
	typeName string
	varName  string
}

func (w where) String() string {
	if w.varName != "" {
		return "type of " + w.varName
	}
	return w.typeName
}

// candidate is one place a field may live; the first candidate whose struct
// exists in the binary is the one used (runtime._type became
// internal/abi.Type with renamed fields in go1.21).
type candidate struct {
	in   where
	path string // dot-separated field path, e.g. "stack.lo"
}

type fieldSpec struct {
	cname    string
	cands    []candidate
	width    int64 // required byte width; 0: any, and a <cname>_size column is printed
	optional bool  // missing prints GO_LAYOUT_ABSENT instead of failing
}

// sizeSpec prints the byte size of a whole struct, for the record.
type sizeSpec struct {
	cname string
	in    where
}

// constSpec prints the value of an integer constant of the runtime, which the
// compiler writes into DWARF as a DW_TAG_constant named "runtime.NAME"; the
// first of names that exists is used (runtime.maxStack became
// runtime.maxProfStackDepth in go1.23).
type constSpec struct {
	cname string
	names []string
}

// group is one line of the row.
type group struct {
	fields []fieldSpec
	sizes  []sizeSpec
	consts []constSpec
}

func typ(name string) where    { return where{typeName: name} }
func vartyp(name string) where { return where{varName: name} }

func one(cname string, in where, path string, width int64) fieldSpec {
	return fieldSpec{cname: cname, cands: []candidate{{in, path}}, width: width}
}

func opt(cname string, in where, path string, width int64) fieldSpec {
	f := one(cname, in, path, width)
	f.optional = true
	return f
}

var (
	g      = typ("runtime.g")
	m      = typ("runtime.m")
	p      = typ("runtime.p")
	mcache = typ("runtime.mcache")
	mspan  = typ("runtime.mspan")
	abiTyp = typ("internal/abi.Type")
	rtTyp  = typ("runtime._type")
	work   = vartyp("runtime.work")
	mstats = vartyp("runtime.memstats")
	gcCtl  = typ("runtime.gcControllerState")
	hstats = typ("runtime.consistentHeapStats")
	hdelta = typ("runtime.heapStatsDelta")
	bucket = typ("runtime.bucket")
	memRec = typ("runtime.memRecord")
	memCyc = typ("runtime.memRecordCycle")
	mpCyc  = vartyp("runtime.mProfCycle")
)

// The order and names here are those of struct go_layout in
// userspace/binary/go_layouts.h.
var layout = []group{
	{fields: []fieldSpec{
		one("g_stack_lo", g, "stack.lo", 8),
		one("g_stack_hi", g, "stack.hi", 8),
		one("g_stackguard0", g, "stackguard0", 8),
		one("g_m", g, "m", 8),
		one("g_goid", g, "goid", 8),
	}},
	{fields: []fieldSpec{
		one("m_procid", m, "procid", 8),
		one("m_p", m, "p", 8),
		one("p_mcache", p, "mcache", 8),
		one("mcache_next_sample", mcache, "nextSample", 8),
		one("mspan_elemsize", mspan, "elemsize", 8),
	}},
	{fields: []fieldSpec{
		one("mcache_alloc", mcache, "alloc", 0),
		one("mspan_alloc_count", mspan, "allocCount", 2),
		one("mspan_alloc_count_before_cache", mspan, "allocCountBeforeCache", 2),
	}},
	{fields: []fieldSpec{
		{cname: "type_size", width: 8, cands: []candidate{
			{abiTyp, "Size_"}, {rtTyp, "size"}}},
		{cname: "type_ptrdata", width: 8, cands: []candidate{
			{abiTyp, "PtrBytes"}, {rtTyp, "ptrdata"}}},
		{cname: "type_tflag", width: 1, cands: []candidate{
			{abiTyp, "TFlag"}, {rtTyp, "tflag"}}},
		{cname: "type_str", width: 4, cands: []candidate{
			{abiTyp, "Str"}, {rtTyp, "str"}}},
	}},
	{fields: []fieldSpec{
		one("work_cycles", work, "cycles", 0),
	}, sizes: []sizeSpec{{"work_size", work}}},
	{fields: []fieldSpec{
		{cname: "work_cpu_stats_gc_total", width: 8, optional: true, cands: []candidate{
			{work, "cpuStats.gcTotalTime"}, {work, "cpuStats.GCTotalTime"}}},
		{cname: "work_cpu_stats_total", width: 8, optional: true, cands: []candidate{
			{work, "cpuStats.totalTime"}, {work, "cpuStats.TotalTime"}}},
	}},
	{fields: []fieldSpec{
		one("memstats_numgc", mstats, "numgc", 4),
		one("memstats_numforcedgc", mstats, "numforcedgc", 4),
	}, sizes: []sizeSpec{{"memstats_size", mstats}}},
	{fields: []fieldSpec{
		one("memstats_heap_stats", mstats, "heapStats", 0),
		one("memstats_gc_cpu_fraction", mstats, "gc_cpu_fraction", 8),
	}},
	{fields: []fieldSpec{
		one("heap_stats_stats", hstats, "stats", 0),
		one("heap_stats_gen", hstats, "gen", 4),
	}, sizes: []sizeSpec{{"heap_delta_size", hdelta}}},
	{fields: []fieldSpec{
		one("heap_delta_tiny_alloc_count", hdelta, "tinyAllocCount", 8),
		one("heap_delta_large_alloc", hdelta, "largeAlloc", 8),
		one("heap_delta_large_alloc_count", hdelta, "largeAllocCount", 8),
		one("heap_delta_small_alloc_count", hdelta, "smallAllocCount", 0),
	}},
	{fields: []fieldSpec{
		one("gc_controller_heap_marked", gcCtl, "heapMarked", 8),
		one("gc_controller_heap_live", gcCtl, "heapLive", 8),
		opt("gc_controller_heap_minimum", gcCtl, "heapMinimum", 8),
	}},
	{fields: []fieldSpec{
		opt("gc_controller_gc_percent", gcCtl, "gcPercent", 4),
		opt("gc_controller_memory_limit", gcCtl, "memoryLimit", 8),
		opt("gc_controller_gc_percent_heap_goal", gcCtl, "gcPercentHeapGoal", 8),
	}},
	{fields: []fieldSpec{
		opt("gc_controller_triggered", gcCtl, "triggered", 8),
		opt("gc_controller_last_heap_goal", gcCtl, "lastHeapGoal", 8),
		opt("gc_controller_sweep_dist_min_trigger", gcCtl, "sweepDistMinTrigger", 8),
	}},
	{fields: []fieldSpec{
		opt("gc_controller_heap_free", gcCtl, "heapFree", 8),
		opt("gc_controller_total_alloc", gcCtl, "totalAlloc", 8),
		opt("gc_controller_total_free", gcCtl, "totalFree", 8),
		opt("gc_controller_mapped_ready", gcCtl, "mappedReady", 8),
	}},
	// The heap profile's buckets (runtime/mprof.go): a bucket header, nstk
	// PCs, then a memRecord {active, future[3]} of memRecordCycles;
	// memRecordCycle lost alloc_bytes and free_bytes in go1.27.
	{fields: []fieldSpec{
		one("bucket_next", bucket, "next", 8),
		one("bucket_allnext", bucket, "allnext", 8),
		one("bucket_typ", bucket, "typ", 8),
		one("bucket_obj_size", bucket, "size", 8),
		one("bucket_nstk", bucket, "nstk", 8),
	}, sizes: []sizeSpec{{"bucket_header_size", bucket}}},
	{fields: []fieldSpec{
		one("mem_record_active", memRec, "active", 0),
		one("mem_record_future", memRec, "future", 0),
	}, sizes: []sizeSpec{{"mem_record_size", memRec}}},
	{fields: []fieldSpec{
		one("mem_record_cycle_allocs", memCyc, "allocs", 8),
		one("mem_record_cycle_frees", memCyc, "frees", 8),
		opt("mem_record_cycle_alloc_bytes", memCyc, "alloc_bytes", 8),
		opt("mem_record_cycle_free_bytes", memCyc, "free_bytes", 8),
	}, sizes: []sizeSpec{{"mem_record_cycle_size", memCyc}}},
	{fields: []fieldSpec{
		one("mprof_cycle_value", mpCyc, "value", 4),
	}, consts: []constSpec{{"mprof_max_stack",
		[]string{"runtime.maxProfStackDepth", "runtime.maxStack"}}}},
}

// index holds where each named struct type and each variable's type lives
// in the DWARF data.
type index struct {
	data    *dwarf.Data
	types   map[string]dwarf.Offset
	varType map[string]dwarf.Offset
	consts  map[string]int64
}

func newIndex(data *dwarf.Data) (*index, error) {
	ix := &index{data: data, types: map[string]dwarf.Offset{},
		varType: map[string]dwarf.Offset{}, consts: map[string]int64{}}
	r := data.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return ix, nil
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		switch e.Tag {
		case dwarf.TagStructType:
			if _, dup := ix.types[name]; name != "" && !dup {
				ix.types[name] = e.Offset
			}
		case dwarf.TagVariable:
			if t, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok && name != "" {
				if _, dup := ix.varType[name]; !dup {
					ix.varType[name] = t
				}
			}
		case dwarf.TagConstant:
			if v, ok := e.Val(dwarf.AttrConstValue).(int64); ok && name != "" {
				if _, dup := ix.consts[name]; !dup {
					ix.consts[name] = v
				}
			}
		}
	}
}

func unwrap(t dwarf.Type) dwarf.Type {
	for {
		td, ok := t.(*dwarf.TypedefType)
		if !ok {
			return t
		}
		t = td.Type
	}
}

// lookup returns the struct w names, or nil if the binary has none.
func (ix *index) lookup(w where) (*dwarf.StructType, error) {
	off, ok := ix.types[w.typeName]
	if w.varName != "" {
		off, ok = ix.varType[w.varName]
	}
	if !ok {
		return nil, nil
	}
	t, err := ix.data.Type(off)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", w, err)
	}
	st, isStruct := unwrap(t).(*dwarf.StructType)
	if !isStruct {
		return nil, fmt.Errorf("%s is a %T, not a struct", w, unwrap(t))
	}
	return st, nil
}

// fieldAt follows a dot-separated path from st; found is false when some
// element of the path does not exist.
func fieldAt(st *dwarf.StructType, path string) (off, size int64, found bool, err error) {
	elems := strings.Split(path, ".")
	for i, name := range elems {
		var f *dwarf.StructField
		for _, c := range st.Field {
			if c.Name == name {
				f = c
				break
			}
		}
		if f == nil {
			return 0, 0, false, nil
		}
		off += f.ByteOffset
		if i == len(elems)-1 {
			size = f.Type.Size()
			if size <= 0 {
				return 0, 0, false, fmt.Errorf("%s has no size", path)
			}
			return off, size, true, nil
		}
		next, ok := unwrap(f.Type).(*dwarf.StructType)
		if !ok {
			return 0, 0, false, fmt.Errorf("%s: %s is not a struct", path, name)
		}
		st = next
	}
	return 0, 0, false, nil
}

// field reads the first candidate whose struct exists and has the path
// (runtime.cpuStats' fields were exported in go1.25: one struct, two paths).
func (ix *index) field(f fieldSpec) (off, size int64, found bool, where string, err error) {
	var names []string
	for _, c := range f.cands {
		st, err := ix.lookup(c.in)
		if err != nil {
			return 0, 0, false, "", err
		}
		names = append(names, c.in.String()+"."+c.path)
		if st == nil {
			continue
		}
		off, size, found, err := fieldAt(st, c.path)
		if err != nil || found {
			return off, size, found, c.in.String() + "." + c.path, err
		}
	}
	return 0, 0, false, strings.Join(names, " or "), nil
}

// goMinor reads the Go version the binary was built with: "go1.19.8" is 119.
func goMinor(path string) (int, string, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	v := strings.TrimPrefix(bi.GoVersion, "go1.")
	digits := 0
	for digits < len(v) && v[digits] >= '0' && v[digits] <= '9' {
		digits++
	}
	n, err := strconv.Atoi(v[:digits])
	if err != nil || !strings.HasPrefix(bi.GoVersion, "go1.") {
		return 0, bi.GoVersion, fmt.Errorf("cannot parse Go version %q", bi.GoVersion)
	}
	return 100 + n, bi.GoVersion, nil
}

func run(minor int, path string) (string, error) {
	built, version, err := goMinor(path)
	if err != nil {
		return "", err
	}
	if built != minor {
		return "", fmt.Errorf("%s was built by %s, not by go1.%d", path, version, minor-100)
	}
	ef, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer ef.Close()
	if ef.Machine != elf.EM_X86_64 {
		return "", fmt.Errorf("%s is for %v; the table is for linux/amd64", path, ef.Machine)
	}
	data, err := ef.DWARF()
	if err != nil {
		return "", fmt.Errorf("%s: no DWARF: %v", path, err)
	}
	ix, err := newIndex(data)
	if err != nil {
		return "", fmt.Errorf("%s: reading DWARF: %v", path, err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\t{ .minor = %d,\n", minor)
	// Non-default GOEXPERIMENTs move fields (greenteagc: work.cycles in
	// go1.25): the version string lists them after " X:" (go1.25.3
	// X:greenteagc), "-X:" from go1.26 (go1.26.1-X:nogreenteagc).
	if i := strings.Index(version, "X:"); i > 0 && (version[i-1] == ' ' || version[i-1] == '-') {
		fmt.Fprintf(&b, "\t  .experiments = %q,\n", version[i+len("X:"):])
	}
	for _, grp := range layout {
		var cols []string
		for _, f := range grp.fields {
			off, size, found, at, err := ix.field(f)
			if err != nil {
				return "", fmt.Errorf("%s: %v", version, err)
			}
			if !found {
				if !f.optional {
					return "", fmt.Errorf("%s: required field %s (%s) is missing",
						version, f.cname, at)
				}
				cols = append(cols, fmt.Sprintf(".%s = GO_LAYOUT_ABSENT", f.cname))
				if f.width == 0 {
					cols = append(cols, fmt.Sprintf(".%s_size = 0", f.cname))
				}
				continue
			}
			if f.width != 0 && size != f.width {
				return "", fmt.Errorf("%s: %s (%s) is %d bytes, the C side reads %d",
					version, f.cname, at, size, f.width)
			}
			cols = append(cols, fmt.Sprintf(".%s = %d", f.cname, off))
			if f.width == 0 {
				cols = append(cols, fmt.Sprintf(".%s_size = %d", f.cname, size))
			}
		}
		for _, s := range grp.sizes {
			st, err := ix.lookup(s.in)
			if err != nil {
				return "", fmt.Errorf("%s: %v", version, err)
			}
			if st == nil {
				return "", fmt.Errorf("%s: %s is missing", version, s.in)
			}
			cols = append(cols, fmt.Sprintf(".%s = %d", s.cname, st.Size()))
			fmt.Fprintf(os.Stderr, "dump: %s: %s is %d bytes\n", version, s.in, st.Size())
		}
		for _, c := range grp.consts {
			found := false
			for _, name := range c.names {
				if v, ok := ix.consts[name]; ok {
					if v <= 0 || v >= 1<<31 {
						return "", fmt.Errorf("%s: constant %s = %d does not fit",
							version, name, v)
					}
					cols = append(cols, fmt.Sprintf(".%s = %d", c.cname, v))
					found = true
					break
				}
			}
			if !found {
				return "", fmt.Errorf("%s: required constant %s (%s) is missing",
					version, c.cname, strings.Join(c.names, " or "))
			}
		}
		fmt.Fprintf(&b, "\t  %s,\n", strings.Join(cols, ", "))
	}
	b.WriteString("\t},\n")
	return b.String(), nil
}

func main() {
	minor := flag.Int("minor", 0, "Go version the binary must be built by: 119 for go1.19")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: dump -minor 1NN BINARY\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *minor < 100 {
		flag.Usage()
		os.Exit(2)
	}
	row, err := run(*minor, flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "dump: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(row)
}

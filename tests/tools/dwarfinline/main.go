// dwarfinline is the DWARF oracle of tests/integration/test_symbolize: for
// each PC read from stdin (hex) it prints the chain of inlined calls at that
// PC as the binary's DWARF describes it, innermost first, one line per frame:
//
//	PC <tab> depth <tab> function <tab> file <tab> line
//
// The innermost frame has file "-" and line 0 (its position is checked
// against `go tool addr2line`); each outer frame's position is the call site
// (DW_AT_call_file, DW_AT_call_line) of the inlined subroutine it contains.
// PCs that no subprogram covers print "PC <tab> -". Standard library only;
// it shares no code with gomemtrace.
package main

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

type scope struct {
	ranges   [][2]uint64
	name     string
	callFile string
	callLine int64
	children []*scope
}

func (s *scope) contains(pc uint64) bool {
	for _, r := range s.ranges {
		if pc >= r[0] && pc < r[1] {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dwarfinline BINARY < pcs")
		os.Exit(1)
	}
	f, err := elf.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarfinline:", err)
		os.Exit(2)
	}
	d, err := f.DWARF()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarfinline:", err)
		os.Exit(2)
	}

	names := map[dwarf.Offset]string{}
	var pending []*scope
	origins := map[*scope]dwarf.Offset{}
	var subprograms []*scope

	r := d.Reader()
	var files []*dwarf.LineFile
	var stack []*scope // open scopes; nil entries for DIEs that are not scopes
	for {
		e, err := r.Next()
		if err != nil {
			fmt.Fprintln(os.Stderr, "dwarfinline:", err)
			os.Exit(2)
		}
		if e == nil {
			break
		}
		if e.Tag == 0 {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if e.Tag == dwarf.TagCompileUnit {
			files = nil
			if lr, err := d.LineReader(e); err == nil && lr != nil {
				files = lr.Files()
			}
			stack = stack[:0]
			if e.Children {
				stack = append(stack, nil)
			}
			continue
		}
		if n, ok := e.Val(dwarf.AttrName).(string); ok {
			names[e.Offset] = n
		}
		var s *scope
		if e.Tag == dwarf.TagSubprogram || e.Tag == dwarf.TagInlinedSubroutine {
			rs, _ := d.Ranges(e)
			if len(rs) > 0 {
				s = &scope{}
				for _, rr := range rs {
					s.ranges = append(s.ranges, [2]uint64{rr[0], rr[1]})
				}
				if n, ok := e.Val(dwarf.AttrName).(string); ok {
					s.name = n
				} else if o, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
					origins[s] = o
					pending = append(pending, s)
				}
				if e.Tag == dwarf.TagInlinedSubroutine {
					if fi, ok := e.Val(dwarf.AttrCallFile).(int64); ok && fi >= 0 && int(fi) < len(files) && files[fi] != nil {
						s.callFile = files[fi].Name
					}
					s.callLine, _ = e.Val(dwarf.AttrCallLine).(int64)
				}
				var parent *scope
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i] != nil {
						parent = stack[i]
						break
					}
				}
				if parent == nil {
					subprograms = append(subprograms, s)
				} else {
					parent.children = append(parent.children, s)
				}
			}
		}
		if e.Children {
			stack = append(stack, s)
		}
	}
	for _, s := range pending {
		s.name = names[origins[s]]
	}
	sort.Slice(subprograms, func(i, j int) bool {
		return subprograms[i].ranges[0][0] < subprograms[j].ranges[0][0]
	})

	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		text := strings.TrimSpace(in.Text())
		pc, err := strconv.ParseUint(strings.TrimPrefix(text, "0x"), 16, 64)
		if err != nil {
			continue
		}
		var chain []*scope
		i := sort.Search(len(subprograms), func(i int) bool {
			return subprograms[i].ranges[0][0] > pc
		})
		for k := i - 1; k >= 0 && k >= i-4; k-- {
			if subprograms[k].contains(pc) {
				chain = append(chain, subprograms[k])
				break
			}
		}
		if len(chain) == 0 {
			fmt.Fprintf(out, "0x%x\t-\n", pc)
			continue
		}
	descend:
		for {
			for _, c := range chain[len(chain)-1].children {
				if c.contains(pc) {
					chain = append(chain, c)
					continue descend
				}
			}
			break
		}
		// chain is outermost first; print innermost first
		for depth := 0; depth < len(chain); depth++ {
			s := chain[len(chain)-1-depth]
			file, line := "-", int64(0)
			if depth > 0 {
				callee := chain[len(chain)-depth]
				file, line = callee.callFile, callee.callLine
			}
			fmt.Fprintf(out, "0x%x\t%d\t%s\t%s\t%d\n", pc, depth, s.name, file, line)
		}
	}
}

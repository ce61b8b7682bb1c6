package main

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// oracle prints the Go runtime's own symbolization of link-time PCs read
// from stdin (hex, one per line), for tests/integration/test_symbolize:
//
//	PC <tab> depth <tab> function <tab> file <tab> line
//
// outerLink is main.outer's link-time address; the difference to its
// run-time address is the load bias of a PIE. The trailing PC 1 (no
// function) makes CallersFrames (1.23+) expand every inlined frame of PC,
// as it does for the PCs of a profile.
func oracle(outerLink string) {
	link, err := strconv.ParseUint(strings.TrimPrefix(outerLink, "0x"), 16, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "symprog: bad SYMPROG_ORACLE:", err)
		os.Exit(2)
	}
	bias := uint64(reflect.ValueOf(outer).Pointer()) - link
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		pc, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(in.Text()), "0x"), 16, 64)
		if err != nil {
			continue
		}
		frames := runtime.CallersFrames([]uintptr{uintptr(pc + bias + 1), 1})
		depth := 0
		for {
			f, more := frames.Next()
			if f.Function != "" || f.File != "" {
				fmt.Fprintf(out, "0x%x\t%d\t%s\t%s\t%d\n", pc, depth, f.Function, f.File, f.Line)
				depth++
			}
			if !more {
				break
			}
		}
		if depth == 0 {
			fmt.Fprintf(out, "0x%x\t-\n", pc)
		}
	}
}

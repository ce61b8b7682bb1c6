// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// The host of test_plugins: opens the Go plugin given with -plugin (built
// by the same toolchain, -buildmode=plugin), calls its Work, and at its
// end writes the runtime's own heap profile (MemProfileRate=1: every
// allocation from main on) and, after it, its MemStats.
//
// -wait: opens the plugin first, prints "ready PID" and waits for a line
// on stdin before calling Work (a tracer attaches meanwhile); MemStats are
// also read then ("start"). -wait-open: the same before plugin.Open.
// -then-exec: at the end, execs itself to do it all again, after 2 s
// (-sleep-open: MemStats read then, "start"). -hold: at the end, prints
// "done" and waits for a line (a tracer reads the runtime's state then).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"plugin"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

var hostSink [][]byte

// hostAlloc is the plugin's callback: the host's runtime allocates, under
// the plugin's frames.
//
//go:noinline
func hostAlloc(i int) []byte { return make([]byte, 64+i%64) }

// Read without allocating (a global buffer, a raw read).
var readBuf [64]byte

type counts struct {
	Mallocs uint64 `json:"mallocs"`
	NumGC   uint32 `json:"numgc"`
}

type stats struct {
	Start  *counts `json:"start"`
	End    counts  `json:"end"`
	Forced int     `json:"plugin_forced_gc"`
}

func main() {
	// Every allocation from here on (GODEBUG=memprofilerate=1 is not
	// seen by go1.19's runtime here): the plugin's runtime copy reads
	// this variable through its GOT.
	runtime.MemProfileRate = 1
	pluginPath := flag.String("plugin", "", "the Go plugin to open")
	heapProfile := flag.String("heapprofile", "", "write the runtime's heap profile here")
	statsPath := flag.String("stats", "", "write MemStats here (JSON)")
	wait := flag.Bool("wait", false, "open the plugin, print 'ready PID', wait for a line on stdin")
	waitOpen := flag.Bool("wait-open", false, "print 'ready PID', wait for a line on stdin, then open the plugin")
	thenExec := flag.Bool("then-exec", false, "at the end, exec itself to do it all again (-heapprofile and -stats with .2 appended)")
	hold := flag.Bool("hold", false, "at the end, print 'done' and wait for a line on stdin (allocation-free)")
	sleepOpen := flag.Duration("sleep-open", 0, "sleep this long, read MemStats (\"start\"), then open the plugin")
	flag.Parse()

	var st stats
	var ms runtime.MemStats
	if *waitOpen {
		fmt.Printf("ready %d\n", os.Getpid())
		os.Stdin.Read(readBuf[:])
	}
	if *sleepOpen > 0 {
		time.Sleep(*sleepOpen)
		runtime.ReadMemStats(&ms)
		st.Start = &counts{Mallocs: ms.Mallocs, NumGC: ms.NumGC}
	}
	p, err := plugin.Open(*pluginPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sym, err := p.Lookup("Work")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	work := sym.(func(func(int) []byte) int)
	if *wait {
		fmt.Printf("ready %d\n", os.Getpid())
		os.Stdin.Read(readBuf[:])
		runtime.ReadMemStats(&ms)
		st.Start = &counts{Mallocs: ms.Mallocs, NumGC: ms.NumGC}
	}
	st.Forced = work(func(i int) []byte {
		b := hostAlloc(i)
		hostSink = append(hostSink, b)
		return b
	})
	runtime.GC() // the profile as of now
	writeHeapProfile(*heapProfile)
	writeStats(*statsPath, &st)
	if *thenExec {
		reExec(*pluginPath, *heapProfile+".2", *statsPath+".2")
	}
	if *hold {
		os.Stdout.Write(doneLine)
		os.Stdin.Read(readBuf[:])
	}
}

var doneLine = []byte("done\n")

// reExec: the same program again in a new image, which maps the plugin
// anew.
//
//go:noinline
func reExec(pluginPath, heapProfile, statsPath string) {
	exe, err := os.Executable()
	if err == nil {
		// A tracer following the exec attaches meanwhile.
		err = syscall.Exec(exe, []string{os.Args[0], "-sleep-open", "2s", "-plugin",
			pluginPath, "-heapprofile", heapProfile, "-stats", statsPath}, os.Environ())
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

//go:noinline
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

//go:noinline
func writeStats(path string, st *stats) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st.End = counts{Mallocs: ms.Mallocs, NumGC: ms.NumGC}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

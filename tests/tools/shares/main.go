// Command shares is the target of tests/integration/test_default and of
// `make bench`'s default-mode rows: it allocates from a few functions with
// designed shares of the bytes (several size classes, pointers and none,
// large objects), for -rounds rounds, then reads runtime.MemStats (which
// flushes every mcache, so the runtime's counters are exact) and prints
//
//	mallocs N total_alloc B num_gc G mem_profile_rate R cpu_ns C
//
// C is the process's own CPU time (user + system) for the rounds. Built
// without runtime/pprof, the runtime samples nothing (MemProfileRate 0);
// built with -tags pprof (prof.go), -memprofile FILE sets MemProfileRate
// to 1 first and writes the runtime's own heap profile at the end, and
// -rate N sets another rate. It then waits -linger before exiting (so a
// tracer reads the final counters), or until stdin closes with -stdin.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"
)

type node struct {
	next *node
	val  [5]int
}

var (
	sinkNode  *node
	sinkBytes []byte
	sinkPtrs  []*node
	sinkLarge []byte
	sinkStr   string
	keep      [][]byte
)

// profileStart and profileEnd are set by prof.go when built with -tags pprof.
var (
	profileStart = func() {}
	profileEnd   = func() {}
)

//go:noinline
func allocNodes(n int) {
	for i := 0; i < n; i++ {
		sinkNode = &node{next: sinkNode}
		if i%64 == 0 {
			sinkNode = nil
		}
	}
}

//go:noinline
func allocBuffers(n int) {
	for i := 0; i < n; i++ {
		sinkBytes = make([]byte, 1024)
	}
}

//go:noinline
func allocPointers(n int) {
	for i := 0; i < n; i++ {
		sinkPtrs = make([]*node, 16)
	}
}

//go:noinline
func allocLarge(n int) {
	for i := 0; i < n; i++ {
		sinkLarge = make([]byte, 96<<10)
	}
}

//go:noinline
func allocStrings(n int) {
	for i := 0; i < n; i++ {
		sinkStr = fmt.Sprint(i)
	}
}

// retain keeps a live heap that grows then stays: in-use bytes by site.
//
//go:noinline
func retain(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 4096))
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func main() {
	rounds := flag.Int("rounds", 2000, "rounds of allocation")
	linger := flag.Duration("linger", 300*time.Millisecond, "wait before exiting")
	stdin := flag.Bool("stdin", false, "wait for stdin to close before the rounds and before exiting")
	flag.Parse()
	profileStart()
	if *stdin {
		fmt.Println("ready")
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
	}
	cpu0 := cpuTime()
	for r := 0; r < *rounds; r++ {
		allocNodes(400)    // 64 B x 400    = 25.6 KB
		allocBuffers(20)   // 1 KiB x 20    = 20.5 KB
		allocPointers(40)  // 128 B x 40    = 5.1 KB
		allocStrings(100)  // 8-16 B x 100  = ~1 KB
		if r%8 == 0 {
			allocLarge(1) // 96 KiB / 8   = 12.3 KB
		}
		if r%50 == 0 {
			retain(4)
		}
	}
	cpu := cpuTime() - cpu0
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("mallocs %d total_alloc %d num_gc %d mem_profile_rate %d cpu_ns %d\n",
		ms.Mallocs, ms.TotalAlloc, ms.NumGC, runtime.MemProfileRate, cpu)
	profileEnd()
	if *stdin {
		io.Copy(io.Discard, os.Stdin)
	} else {
		time.Sleep(*linger)
	}
}

// The benchmark's workload: a fixed number of heap allocations of mixed
// sizes in a timed loop. Prints "allocs N ns T cpu_ns C" for the loop alone:
// wall time T and the process's own CPU time C (user + system, all its
// threads, from getrusage), so the cost per allocation traced and untraced
// can be compared.
package main

import (
	"flag"
	"fmt"
	"syscall"
	"time"
)

type node struct {
	next  *node
	value [2]int
}

var (
	sinkNode  *node
	sinkBytes []byte
	sinkPtrs  []*node
)

func main() {
	n := flag.Int("n", 100000, "allocations in the timed loop")
	flag.Parse()
	cpuStart := cpuTime()
	start := time.Now()
	for i := 0; i < *n; i++ {
		switch i % 4 {
		case 0:
			sinkNode = &node{next: sinkNode}
			if i%1024 == 0 {
				sinkNode = nil
			}
		case 1:
			sinkBytes = make([]byte, 64+i%200)
		case 2:
			sinkPtrs = make([]*node, 8)
		case 3:
			sinkBytes = make([]byte, 1000)
		}
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpuStart
	fmt.Printf("allocs %d ns %d cpu_ns %d\n", *n, elapsed.Nanoseconds(), cpu)
}

// cpuTime is the process's CPU time so far, user and system, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

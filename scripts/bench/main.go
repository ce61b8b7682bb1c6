// The benchmark's workload: a fixed number of heap allocations of mixed
// sizes in a timed loop. Prints "allocs N ns T" for the loop alone, so the
// cost per allocation traced and untraced can be compared.
package main

import (
	"flag"
	"fmt"
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
	fmt.Printf("allocs %d ns %d\n", *n, elapsed.Nanoseconds())
}

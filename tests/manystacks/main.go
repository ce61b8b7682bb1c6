// A program with millions of distinct allocation stacks, for the tracer's
// memory bound (tests/integration/test_limits): descend(depth, path) calls
// itself depth levels deep through one of two call sites chosen by the bits
// of path, so every path is its own stack, and main.leafAlloc allocates one
// object at the bottom of each. With -paths N it walks paths 0..N-1, pausing
// briefly every 4096 allocations so that a tracer's ring buffer never
// overflows; it prints "allocated N" at the end, the allocations made by
// main.leafAlloc.
package main

import (
	"flag"
	"fmt"
	"time"
)

type obj struct {
	next *obj
	v    [2]int
}

var sink [64]*obj

//go:noinline
func leafAlloc(path int) int {
	o := &obj{}
	o.v[0] = path
	sink[path&63] = o
	return 1
}

//go:noinline
func descend(depth, path int) int {
	if depth == 0 {
		return leafAlloc(path)
	}
	if path>>(depth-1)&1 == 0 {
		return descend(depth-1, path) // call site A
	}
	return descend(depth-1, path) + 0*depth // call site B
}

func main() {
	paths := flag.Int("paths", 1<<20, "distinct paths (stacks) to walk")
	depth := flag.Int("depth", 20, "bits of path that pick the call sites")
	flag.Parse()
	n := 0
	for p := 0; p < *paths; p++ {
		n += descend(*depth, p)
		if p%4096 == 4095 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	fmt.Printf("allocated %d\n", n)
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// A Go plugin (-buildmode=plugin) for test_plugins: its code calls its own
// copy of the runtime (newobject, mallocgc, gcStart, morestack), which
// works on the host's heap. Every allocation here is at least 16 bytes or
// holds pointers, so none is tiny: the runtime's heap profile at
// MemProfileRate=1 then records each one, as gomemtrace counts it.
package main

import (
	"runtime"
	"strings"
	"sync"
)

type node struct {
	next *node
	val  [4]int
}

// Made by the plugin's package initializer, which runs inside
// plugin.Open, right after dlopen mapped the plugin.
var registry = makeRegistry(100)

//go:noinline
func makeRegistry(n int) []*node {
	r := make([]*node, 0, 4)
	for i := 0; i < n; i++ {
		r = append(r, &node{val: [4]int{i}})
	}
	return r
}

var sink []interface{}

//go:noinline
func newNode(i int) *node { return &node{val: [4]int{i}} }

//go:noinline
func allocNodes(n int) {
	var head *node
	for i := 0; i < n; i++ {
		x := newNode(i)
		x.next = head
		head = x
		if i%500 == 499 {
			sink = append(sink, head)
			head = nil
		}
	}
}

//go:noinline
func allocBytes(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 100+i%300)
		sink = append(sink, b)
	}
}

//go:noinline
func allocLarge(n int) {
	for i := 0; i < n; i++ {
		sink = append(sink, make([]byte, 40000+i*1000))
	}
}

//go:noinline
func allocStrings(n int) {
	for i := 0; i < n; i++ {
		sink = append(sink, strings.Repeat("x", 20+i%40))
	}
}

//go:noinline
func allocMap(n int) {
	m := make(map[int]*node)
	for i := 0; i < n; i++ {
		m[i] = newNode(i)
	}
	sink = append(sink, m)
}

// grow recurses with a 1 KiB frame: the goroutine's stack grows through
// the plugin's own morestack and copystack.
//
//go:noinline
func grow(depth int) int {
	var buf [1024]byte
	buf[depth%len(buf)] = byte(depth)
	if depth == 0 {
		return int(buf[0])
	}
	return grow(depth-1) + int(buf[depth%len(buf)])
}

//go:noinline
func growStacks(goroutines int) {
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grow(48)
		}()
	}
	wg.Wait()
}

// Work allocates through the plugin's runtime copy, calls back into the
// host (cb allocates with the host's runtime, from a stack that crosses
// the plugin's frames) and starts GC cycles with the plugin's runtime.GC.
// It returns the number of GC cycles it forced.
func Work(cb func(int) []byte) int {
	sink = nil
	allocNodes(3000)
	allocBytes(500)
	allocLarge(5)
	allocStrings(300)
	allocMap(200)
	for i := 0; i < 200; i++ {
		sink = append(sink, cb(i))
	}
	runtime.GC()
	growStacks(4)
	sink = append(sink, registry)
	runtime.GC()
	return 2
}

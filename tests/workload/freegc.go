//go:build goexperiment.runtimefreegc && freegc_variant

// The freegc variant (GOEXPERIMENT=runtimefreegc, Go 1.26+, -tags
// freegc_variant, -ldflags=-checklinkname=0): main.reuseFreed frees the
// pointer-free buffers it owns with runtime.freegc, as the code a
// runtimefreegc compiler emits does through runtime.growsliceNoAlias for
// appends to slices it proved unaliased (cmd/compile/internal/escape/
// alias.go). A released toolchain's compiler reads goexperiment.RuntimeFreegc
// of its own build, off, and never emits such calls: the linkname stands in
// for them. The next allocation of the size class on the same P takes the
// freed object again (mallocgcSmallNoscan*: hasReusableNoscan,
// mallocgcSmallNoscanReuse), counted neither in MemStats nor in the heap
// profile (runtime/malloc.go freegc: "reused objects are not counted as
// allocs nor frees").
package main

import "unsafe"

const freegcRounds = 2000

//go:linkname freegc runtime.freegc
func freegc(ptr unsafe.Pointer, size uintptr, noscan bool) bool

var sinkReused [ring][]byte

// reuseFreed: each round allocates a 100-byte buffer (class 112), frees the
// one of the round before, so that half the allocations reuse.
//
//go:noinline
func reuseFreed(rounds int) {
	var last []byte
	for r := 0; r < rounds; r++ {
		b := make([]byte, 100)
		b[0] = byte(r)
		sinkReused[r%ring] = b
		if last != nil && r%2 == 1 {
			sinkReused[(r-1)%ring] = nil
			freegc(unsafe.Pointer(&last[0]), uintptr(cap(last)), true)
		}
		last = b
	}
}

var freegcSite = reuseFreed

//go:build goexperiment.arenas

// The arenas variant (GOEXPERIMENT=arenas, Go 1.20+): main.useArenas is a
// site of its own. Memory allocated in a user arena is not a heap
// allocation: runtime.(*mspan).userArenaNextFree carves it out of the
// arena's chunk, no mallocgc, nothing counted. What the runtime counts is
// each new chunk the arena takes (runtime/arena.go newUserArenaChunk and
// (*mheap).allocUserArenaChunk): one large allocation in MemStats (Mallocs
// +1, TotalAlloc + the chunk's elemsize: 8 MiB less the bitmap it reserves
// at its end from Go 1.22) and one sample of userArenaChunkBytes (8 MiB) in
// the heap profile, whose stack is the arena call's. A freed arena's active
// chunk goes onto a reuse list that the next arena takes from without a new
// chunk. Requests over a quarter of a chunk (2 MiB) are redirected to the
// heap (newarray, newobject): ordinary allocations. arena.Clone of an
// arena object copies it to the heap (runtime.arena_heapify: mallocgc).
package main

import "arena"

const arenaRounds = 12

var (
	sinkArenaNodes []*node
	sinkArenaBytes []byte
	sinkArenaBig   []byte
	sinkArenaClone *node
)

// useArenas: each round a new arena takes 3 MiB of pointer-free slices, 20000
// nodes (24 B each, with pointers), one 3 MiB slice redirected to the heap
// and one clone, then is freed: a chunk per round or two.
//
//go:noinline
func useArenas(rounds int) {
	for r := 0; r < rounds; r++ {
		a := arena.NewArena()
		for i := 0; i < 3; i++ {
			sinkArenaBytes = arena.MakeSlice[byte](a, 1<<20, 1<<20)
		}
		var last *node
		for i := 0; i < 20000; i++ {
			n := arena.New[node](a)
			n.next = last
			last = n
		}
		sinkArenaNodes = arena.MakeSlice[*node](a, 0, 16)
		sinkArenaBig = arena.MakeSlice[byte](a, 3<<20, 3<<20)
		sinkArenaClone = arena.Clone(last)
		sinkArenaNodes, sinkArenaBytes = nil, nil
		a.Free()
	}
	sinkArenaBig = nil
}

var arenaSite = useArenas

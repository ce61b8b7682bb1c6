// Command largealloc is a target of tests/integration/test_timeline: a few
// allocations of 1 MiB and more from one named function, main.allocHuge,
// and one just under 1 MiB, between reads of runtime.MemStats whose deltas
// it prints as JSON on stdout: the witnesses of timeline.json's large
// allocation events at the default --large-alloc (1 MiB).
//
//	main.allocHuge   per call: make([]byte, 1 MiB), make([]byte, 3 MiB +
//	                 12345), make([]*int, 300000) (2400000 bytes, with
//	                 pointers), and make([]byte, 1 MiB - 1), under the
//	                 threshold
package main

import (
	"encoding/json"
	"flag"
	"os"
	"runtime"
)

var (
	sinkA, sinkB, sinkUnder []byte
	sinkPtrs                []*int
)

const (
	sizeA     = 1 << 20
	sizeB     = 3<<20 + 12345
	nPtrs     = 300000
	sizeUnder = 1<<20 - 1
)

//go:noinline
func allocHuge() {
	sinkA = make([]byte, sizeA)
	sinkB = make([]byte, sizeB)
	sinkPtrs = make([]*int, nPtrs)
	sinkUnder = make([]byte, sizeUnder)
}

type result struct {
	Function   string `json:"function"`
	Calls      int    `json:"calls"`
	Sizes      []int  `json:"sizes"`       // bytes asked for per call, >= 1 MiB
	PtrSize    int    `json:"ptr_size"`    // the []*int's bytes (in sizes)
	Under      int    `json:"under"`       // bytes asked for per call, < 1 MiB
	Mallocs    uint64 `json:"mallocs"`     // MemStats.Mallocs delta around the calls
	TotalAlloc uint64 `json:"total_alloc"` // MemStats.TotalAlloc delta
}

func main() {
	calls := flag.Int("calls", 2, "calls of main.allocHuge")
	flag.Parse()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < *calls; i++ {
		allocHuge()
	}
	runtime.ReadMemStats(&after)
	ptrBytes := nPtrs * 8
	out, _ := json.Marshal(result{
		Function:   "main.allocHuge",
		Calls:      *calls,
		Sizes:      []int{sizeA, sizeB, ptrBytes},
		PtrSize:    ptrBytes,
		Under:      sizeUnder,
		Mallocs:    after.Mallocs - before.Mallocs,
		TotalAlloc: after.TotalAlloc - before.TotalAlloc,
	})
	os.Stdout.Write(append(out, '\n'))
}

// Command memstate is the target of tests/integration/test_runtime_state: it
// allocates known amounts in phases and, at the end of each, takes the
// runtime's own numbers (runtime.ReadMemStats) and holds still while the
// tracer reads the same numbers from its memory.
//
// Each phase ends with: runtime.GC() (no cycle left in flight), then
// ReadMemStats into a preallocated struct (it stops the world and flushes
// every mcache, so heapStats is exact at that point), then "ready\n" written
// and a block on stdin, both by raw syscalls on preallocated buffers: no
// allocation happens between the snapshot and the tracer's read. It also
// reads runtime/metrics' GC CPU seconds just before ReadMemStats. When a line
// arrives the snapshot is printed as one JSON line ("stats {...}") and the
// next phase runs. After the last phase and line it exits.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"syscall"
)

var (
	keep  [][]byte
	small []*[64]byte
	tiny  []*uint32
	snap  runtime.MemStats
	ready = []byte("ready\n")
	// GC CPU time as runtime/metrics reports it (go1.20+; KindBad in
	// go1.19). work.cpuStats changes only when a cycle ends, so reading it
	// before ReadMemStats gives the value at the hold.
	cpu = []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"}}
	line  = make([]byte, 4096)
)

func hold() {
	runtime.GC()
	metrics.Read(cpu)
	runtime.ReadMemStats(&snap)
	syscall.Write(1, ready)
	for {
		n, err := syscall.Read(0, line)
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil || line[n-1] == '\n' {
			break
		}
	}
	seconds := func(s metrics.Sample) interface{} {
		if s.Value.Kind() != metrics.KindFloat64 {
			return nil
		}
		return s.Value.Float64()
	}
	out, err := json.Marshal(map[string]interface{}{
		"GCCPUSeconds": seconds(cpu[0]), "TotalCPUSeconds": seconds(cpu[1]),
		"NumGC": snap.NumGC, "NumForcedGC": snap.NumForcedGC, "NextGC": snap.NextGC, "Mallocs": snap.Mallocs,
		"TotalAlloc": snap.TotalAlloc, "GCCPUFraction": snap.GCCPUFraction,
		"HeapAlloc": snap.HeapAlloc,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("stats %s\n", out)
}

//go:noinline
func phase(n int) {
	for i := 0; i < 1000*n; i++ {
		small = append(small, new([64]byte))
	}
	for i := 0; i < 20*n; i++ {
		keep = append(keep, make([]byte, 40<<10))
	}
	for i := 0; i < 3000*n; i++ {
		v := uint32(i)
		tiny = append(tiny, &v)
	}
}

func main() {
	phases := 3
	for i := 1; i <= phases; i++ {
		phase(i)
		hold()
	}
	fmt.Fprintln(os.Stderr, "memstate: done", len(keep), len(small), len(tiny))
}

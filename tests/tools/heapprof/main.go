// Command heapprof is the target of tests/integration/test_memprof: it links
// runtime/pprof (so the linker leaves memory profiling on), samples one
// allocation per 4096 bytes on average (runtime.MemProfileRate, set in init),
// keeps a known live heap from several sites and frees another, then takes
// its own heap profile and holds still while the test reads the same profile
// from its memory.
//
//	heapprof DIR
//
// Order, so that the runtime's profile and the memory read agree exactly:
// debug.SetGCPercent(-1) (no cycle but the forced ones), the allocations,
// runtime.GC() twice (the second publishes every allocation and free of the
// first as the "active" profile, and sweeping is done), then
// DIR/heap.pb.gz (pprof.Lookup("heap").WriteTo(f, 0): scaled values at the
// rate), then MemProfileRate = 0 and DIR/heap.txt (WriteTo(f, 1): raw
// counts and return PCs), and the rate restored. With the rate at 0 nothing
// that the second write allocates is sampled, and with GC off nothing that
// is sampled later is published: the counts a reader of active (plus
// future[cycle%3], empty after the flush) sees are heap.txt's. The
// runtime's own goroutines may still add a bucket after it (with no
// published counts; test_memprof tells them apart).
// Then "ready RATE\n" is written and the program blocks on stdin by raw
// syscalls on preallocated buffers (no allocation). At a line it prints
// "rate RATE\n" (MemProfileRate as it sees it then) and waits for another
// line, then exits.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"syscall"
)

const rate = 4096

type node struct {
	next *node
	val  [40]byte
}

var (
	small   []*node
	medium  [][]byte
	large   [][]byte
	garbage []*[128]byte
	line    = make([]byte, 4096)
	out     = make([]byte, 0, 64)
)

func init() {
	runtime.MemProfileRate = rate
}

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		small = append(small, &node{})
	}
}

//go:noinline
func allocMedium(n int) {
	for i := 0; i < n; i++ {
		medium = append(medium, make([]byte, 10000))
	}
}

//go:noinline
func allocLarge(n int) {
	for i := 0; i < n; i++ {
		large = append(large, make([]byte, 100<<10))
	}
}

// warmup takes each mcache's first sample, which the runtime drew at the
// default rate (512 KiB on average) before init set ours: the allocations
// after it are sampled at 4096 bytes, so that allocSmall's are too.
//
//go:noinline
func warmup() {
	garbage = append(garbage, (*[128]byte)(make([]byte, 16<<20)))
	garbage = nil
}

//go:noinline
func allocGarbage(n int) {
	for i := 0; i < n; i++ {
		garbage = append(garbage, new([128]byte))
	}
	garbage = nil
}

func write(path string, debugLevel int) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, debugLevel); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func waitLine() {
	for {
		n, err := syscall.Read(0, line)
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil || line[n-1] == '\n' {
			return
		}
	}
}

func say(what string, v int) {
	out = append(out[:0], what...)
	out = strconv.AppendInt(out, int64(v), 10)
	out = append(out, '\n')
	syscall.Write(1, out)
}

func main() {
	if len(os.Args) != 2 {
		os.Stderr.WriteString("usage: heapprof DIR\n")
		os.Exit(2)
	}
	dir := os.Args[1]
	debug.SetGCPercent(-1)
	// One P, one mcache to warm up: the main goroutine cannot move to
	// another one whose first sample is still due.
	runtime.GOMAXPROCS(1)
	warmup()
	allocSmall(3000)
	allocMedium(400)
	allocLarge(40)
	allocGarbage(5000)
	runtime.GC()
	runtime.GC()
	write(dir+"/heap.pb.gz", 0)
	runtime.MemProfileRate = 0
	write(dir+"/heap.txt", 1)
	runtime.MemProfileRate = rate
	say("ready ", runtime.MemProfileRate)
	waitLine()
	say("rate ", runtime.MemProfileRate)
	waitLine()
	runtime.KeepAlive(small)
	runtime.KeepAlive(medium)
	runtime.KeepAlive(large)
}

// Command heapprof-off is the target of tests/integration/test_memprof for a
// program that does not link runtime/pprof: the linker sets
// runtime.disableMemoryProfiling, so runtime.MemProfileRate is 0 and the
// runtime samples nothing, until someone writes the rate.
//
// It prints "ready RATE\n" (its MemProfileRate) and blocks on stdin; at each
// line it allocates a known live heap from main.allocMore, runs runtime.GC()
// twice (publishing the sampled allocations in the heap profile's buckets),
// then prints "ready RATE\n" again and blocks. EOF ends it. Output and input
// use raw syscalls on preallocated buffers.
package main

import (
	"runtime"
	"strconv"
	"syscall"
)

var (
	keep [][]byte
	line = make([]byte, 4096)
	out  = make([]byte, 0, 64)
)

//go:noinline
func allocMore() {
	for i := 0; i < 400; i++ {
		keep = append(keep, make([]byte, 64<<10))
	}
	for i := 0; i < 20000; i++ {
		keep = append(keep, make([]byte, 512))
	}
}

func ready() {
	out = append(out[:0], "ready "...)
	out = strconv.AppendInt(out, int64(runtime.MemProfileRate), 10)
	out = append(out, '\n')
	syscall.Write(1, out)
}

func waitLine() bool {
	for {
		n, err := syscall.Read(0, line)
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil {
			return false
		}
		if line[n-1] == '\n' {
			return true
		}
	}
}

func main() {
	ready()
	for waitLine() {
		allocMore()
		runtime.GC()
		runtime.GC()
		ready()
	}
	runtime.KeepAlive(keep)
}

// Command health is test_interval's target: a Go program that holds one of
// the GC health signs gomemtrace -i flags, or none, for as long as it runs.
// The GC settings that go with each mode come from the environment (set by
// the test, listed here):
//
//	calm       GOGC=100: a 16 MiB live heap (built with the GC off, then
//	           one cycle 2 s later), 64 KiB allocated a second;
//	           the heap goal stays about 32 MiB away: a cycle every
//	           minutes at most (sysmon forces one every 2 minutes)
//	gccpu      GOGC=20: a 48 MiB live heap of small pointer-linked nodes
//	           (a long mark) and garbage allocated as fast as 2 goroutines
//	           can: the GC runs back to back, assists included
//	frequent   GOGC=100: a small live heap that grows by 128 KiB every 100
//	           ms (a leak) and 20 MiB/s of pointer-free garbage: a cycle
//	           a second or more for the first minute, and the live heap
//	           never falls
//	nearlimit  GOGC=off GOMEMLIMIT=40MiB: a 32 MiB live heap and 256 KiB
//	           of garbage a second: the goal is the memory limit's, close
//	           above the live heap
//
// Every 500 ms it prints the runtime's own view on stdout, from
// runtime.ReadMemStats and runtime/metrics (Go 1.21+):
//
//	state UNIXTIME_S numgc=N gccpu=F live=BYTES goal=BYTES
//
// live is /gc/heap/live:bytes, goal /gc/heap/goal:bytes. It runs until
// killed.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

type node struct {
	next *node
	a, b *node
	pad  [2]int
}

var (
	live  []*node
	bytes [][]byte
	sink  atomic.Pointer[node]
	bsink atomic.Pointer[[]byte]
)

func build(n int) {
	live = make([]*node, 0, n/64+1)
	var head *node
	for i := 0; i < n; i++ {
		x := &node{next: head, a: head}
		head = x
		if i%64 == 63 {
			live = append(live, head)
			head = nil
		}
	}
}

func report() {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	for {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		metrics.Read(samples)
		fmt.Printf("state %.3f numgc=%d gccpu=%.6f live=%d goal=%d\n",
			float64(time.Now().UnixNano())/1e9, m.NumGC, m.GCCPUFraction,
			samples[0].Value.Uint64(), samples[1].Value.Uint64())
		time.Sleep(500 * time.Millisecond)
	}
}

func churnNodes() {
	for {
		for i := 0; i < 1000; i++ {
			sink.Store(&node{})
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: health calm|gccpu|frequent|nearlimit")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "calm":
		// GCCPUFraction counts from the start and changes only when a
		// cycle ends: building the heap with the GC off, then one cycle
		// after 2 s, leaves it low.
		gogc := debug.SetGCPercent(-1)
		build(16 << 20 / 48)
		time.Sleep(2 * time.Second)
		debug.SetGCPercent(gogc)
		runtime.GC()
		go report()
		for {
			for i := 0; i < 64; i++ {
				b := make([]byte, 1024)
				bsink.Store(&b)
			}
			time.Sleep(time.Second)
		}
	case "gccpu":
		build(48 << 20 / 48)
		go report()
		go churnNodes()
		churnNodes()
	case "frequent":
		go report()
		for {
			for i := 0; i < 8; i++ {
				bytes = append(bytes, make([]byte, 16<<10))
			}
			for i := 0; i < 2048; i++ {
				b := make([]byte, 1024)
				bsink.Store(&b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	case "nearlimit":
		build(32 << 20 / 48)
		go report()
		for {
			for i := 0; i < 64; i++ {
				b := make([]byte, 1024)
				bsink.Store(&b)
			}
			time.Sleep(250 * time.Millisecond)
		}
	default:
		fmt.Fprintln(os.Stderr, "health: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

// Command growloop is the target of tests/integration/test_growth: it grows
// goroutine stacks without end and, once warmed up, without a single heap
// allocation or GC cycle. Each round starts a goroutine (the runtime reuses
// a dead one, with a fresh starting stack: no allocation) that recurses
// -depth frames of about 700 bytes, growing its stack from 2 KiB to 32 KiB
// by doubling (in well under 128 frames: every stack walk reaches
// main.worker), and sends its result back over an unbuffered channel.
//
// Before the rounds, -spare goroutines are started and ended together, so
// that the runtime's free list always has a dead goroutine to reuse (a new
// one would be allocated). After -warmup rounds it prints "ready" on
// stdout; it runs until killed. -pause sleeps between rounds (the main
// goroutine's timer, allocated in the warmup, is reused): fewer growths a
// second than the tracer's log of them holds for a -d 0.5 trace.
// Run with GODEBUG=adaptivestackstart=0 so that every goroutine starts at
// 2 KiB.
package main

import (
	"flag"
	"os"
	"time"
)

var results = make(chan int)

var depth int

//go:noinline
func grow(n int) int {
	var pad [640]byte
	pad[n%640] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return grow(n-1) + int(pad[n%640])
}

func worker() { results <- grow(depth) }

func main() {
	d := flag.Int("depth", 40, "recursion depth of each goroutine")
	warmup := flag.Int("warmup", 1000, "rounds before \"ready\"")
	spare := flag.Int("spare", 256, "goroutines started and ended before the rounds")
	pause := flag.Duration("pause", 0, "sleep between rounds")
	flag.Parse()
	depth = *d
	release := make(chan struct{})
	for i := 0; i < *spare; i++ {
		go func() {
			<-release
			results <- 0
		}()
	}
	close(release)
	for i := 0; i < *spare; i++ {
		<-results
	}
	for i := 0; ; i++ {
		if i == *warmup {
			os.Stdout.WriteString("ready\n")
		}
		go worker()
		<-results
		if *pause > 0 {
			time.Sleep(*pause)
		}
	}
}

// Command allocloop is the target of tests/integration/test_detach: it
// allocates, grows goroutine stacks and runs GC cycles in an endless loop,
// and checks its own results, so that a tracer that damages it (a breakpoint
// left in its code, a corrupted register) shows in its output.
//
// Every round computes the same checksum over freshly allocated objects of
// several size classes, maps, strings and deep recursion on a new goroutine;
// round 1's checksum is the reference. Each round prints
//
//	round N ok CHECKSUM
//
// on stdout (at most one line per -every rounds), or "round N MISMATCH got
// X want Y" and exits 3. It stops after -rounds rounds (0: never) or when
// stdin reaches EOF (with -stdin), and then prints "done N rounds ok".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
)

type node struct {
	next *node
	val  int
}

var sink []*node

//go:noinline
func allocList(n int) *node {
	var head *node
	for i := 0; i < n; i++ {
		head = &node{next: head, val: i * 7}
	}
	return head
}

//go:noinline
func allocBytes(n int) uint64 {
	var sum uint64
	for i := 0; i < n; i++ {
		b := make([]byte, 16+i%300)
		for j := range b {
			b[j] = byte(i + j)
		}
		sum = sum*31 + uint64(b[len(b)-1])
	}
	return sum
}

//go:noinline
func allocMap(n int) uint64 {
	m := make(map[int]string)
	for i := 0; i < n; i++ {
		m[i] = strconv.Itoa(i * 13)
	}
	var sum uint64
	for i := 0; i < n; i++ {
		sum += uint64(len(m[i])) * uint64(i)
	}
	return sum
}

//go:noinline
func allocLarge() uint64 {
	b := make([]byte, 100<<10)
	b[len(b)-1] = 9
	return uint64(len(b)) + uint64(b[len(b)-1])
}

//go:noinline
func recurse(depth int) uint64 {
	var pad [256]byte
	pad[depth%256] = byte(depth)
	if depth == 0 {
		return uint64(pad[0])
	}
	return recurse(depth-1) + uint64(pad[depth%256])
}

func round() uint64 {
	var sum uint64
	head := allocList(2000)
	for n := head; n != nil; n = n.next {
		sum += uint64(n.val)
	}
	sink = append(sink[:0], head)
	sum = sum*131 + allocBytes(500)
	sum = sum*131 + allocMap(200)
	sum = sum*131 + allocLarge()
	done := make(chan uint64)
	go func() { done <- recurse(100) }()
	sum = sum*131 + <-done
	return sum
}

func main() {
	rounds := flag.Int("rounds", 0, "rounds to run, 0: until stopped")
	every := flag.Int("every", 100, "print one line per this many rounds")
	stdin := flag.Bool("stdin", false, "stop when stdin reaches EOF")
	flag.Parse()

	stop := make(chan struct{})
	if *stdin {
		go func() {
			io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			close(stop)
		}()
	}
	want := round()
	fmt.Printf("ready %d %d\n", os.Getpid(), want)
	n := 1
	for ; *rounds == 0 || n < *rounds; n++ {
		select {
		case <-stop:
			fmt.Printf("done %d rounds ok\n", n)
			return
		default:
		}
		if got := round(); got != want {
			fmt.Printf("round %d MISMATCH got %d want %d\n", n+1, got, want)
			os.Exit(3)
		}
		if n%*every == 0 {
			fmt.Printf("round %d ok %d\n", n+1, want)
			runtime.GC()
		}
	}
	fmt.Printf("done %d rounds ok\n", n)
}

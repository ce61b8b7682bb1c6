// Command dying is the target of tests/integration/test_death: a Go program
// that ends in a chosen way while traced, so that the report's "end" can be
// checked against what the kernel says of the same death.
//
//	dying [-cgroup-procs FILE] -do grow|exit|loop|exec [-code N] [-path P]
//
// It first writes its pid into FILE when given (a memory cgroup's
// cgroup.procs: only what it allocates from then on is charged there),
// prints "ready PID" and waits for a line on stdin (the tracer is attached
// by then), then:
//
//	grow   main.growHeap: keeps 256 KiB chunks, each page written (so it is
//	       resident), one every 10 ms (25 MB/s), until the kernel's OOM
//	       killer (a memory cgroup's limit) kills it; never returns
//	exit   allocates a little (main.allocSome), then os.Exit(code)
//	loop   allocates a little every 10 ms until killed
//	exec   execs path (syscall.Exec) with no arguments
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

var kept [][]byte

//go:noinline
func growHeap() {
	for {
		b := make([]byte, 256<<10)
		for i := 0; i < len(b); i += 4096 {
			b[i] = byte(i)
		}
		kept = append(kept, b)
		time.Sleep(10 * time.Millisecond)
	}
}

type node struct {
	next *node
	val  int
}

var sink *node

//go:noinline
func allocSome(n int) {
	for i := 0; i < n; i++ {
		sink = &node{next: sink, val: i}
	}
	sink = nil
}

func main() {
	cgroupProcs := flag.String("cgroup-procs", "", "write the pid into this file first")
	do := flag.String("do", "exit", "grow, exit, loop or exec")
	code := flag.Int("code", 0, "exit code for -do exit")
	path := flag.String("path", "/bin/true", "program for -do exec")
	flag.Parse()

	if *cgroupProcs != "" {
		err := os.WriteFile(*cgroupProcs, []byte(strconv.Itoa(os.Getpid())), 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dying:", err)
			os.Exit(100)
		}
	}
	fmt.Printf("ready %d\n", os.Getpid())
	bufio.NewReader(os.Stdin).ReadString('\n')
	switch *do {
	case "grow":
		growHeap()
	case "exit":
		allocSome(10000)
		os.Exit(*code)
	case "loop":
		for {
			allocSome(1000)
			time.Sleep(10 * time.Millisecond)
		}
	case "exec":
		allocSome(1000)
		err := syscall.Exec(*path, []string{*path}, os.Environ())
		fmt.Fprintln(os.Stderr, "dying: exec:", err)
		os.Exit(101)
	}
	fmt.Fprintln(os.Stderr, "dying: unknown -do", *do)
	os.Exit(2)
}

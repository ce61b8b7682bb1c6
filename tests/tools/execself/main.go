// Command execself is the target of tests/integration/test_exec: a program
// that replaces itself with itself (syscall.Exec of its own binary, same
// pid; or, with -exec PATH, of another build of this program) in the middle
// of its run.
//
// Image 1 (no EXECSELF_IMAGE in its environment) waits for a line on stdin
// (the tracer is attached by then), allocates -n objects in main.beforeExec,
// prints "image1 pid P mallocs M before B" (M: its runtime.MemStats.Mallocs
// then, B: the Mallocs delta around main.beforeExec)
// and execs /proc/self/exe from the main thread (-from main) or from a
// goroutine locked to another OS thread (-from thread). Image 2 sleeps
// -settle (the tracer follows the exec then), allocates -n objects in
// main.afterExec and 2*n in main.afterExecMore, and prints, without
// allocating, "image2 pid P mallocs M settled S after A more B": M its
// MemStats.Mallocs at the end, S after the settle, A and B the Mallocs
// deltas around each function. Nothing allocates between the last read and
// the exit. -linger: a pause before the exec and before the exit (for the
// tracer's default mode, which reads the runtime's counters periodically).
package main

import (
	"bufio"
	"flag"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

type node struct {
	next *node
	val  [3]int
}

var sink *node

func init() {
	// The main goroutine stays on the main thread (the process leader),
	// so -from thread really execs from another one.
	runtime.LockOSThread()
}

//go:noinline
func beforeExec(n int) {
	for i := 0; i < n; i++ {
		sink = &node{next: sink, val: [3]int{i}}
	}
}

//go:noinline
func afterExec(n int) {
	for i := 0; i < n; i++ {
		sink = &node{next: sink, val: [3]int{i}}
	}
}

//go:noinline
func afterExecMore(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 100+i%50)
		b[0] = byte(i)
		sink = &node{next: sink, val: [3]int{int(b[0])}}
	}
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

func doExec(path string) {
	env := append(os.Environ(), "EXECSELF_IMAGE=2")
	err := syscall.Exec(path, os.Args, env)
	os.Stderr.WriteString("exec: " + err.Error() + "\n")
	os.Exit(1)
}

func main() {
	n := flag.Int("n", 20000, "objects per function")
	from := flag.String("from", "main", "exec from the main thread (main) or another (thread)")
	settle := flag.Duration("settle", 700*time.Millisecond, "image 2: wait before allocating")
	linger := flag.Duration("linger", 0, "sleep this long before the exec and before the exit")
	next := flag.String("exec", "/proc/self/exe", "the program to exec (another build of this one)")
	flag.Parse()

	if os.Getenv("EXECSELF_IMAGE") == "2" {
		time.Sleep(*settle)
		buf := make([]byte, 0, 256)
		settled := mallocs()
		m0 := mallocs()
		afterExec(*n)
		m1 := mallocs()
		afterExecMore(*n)
		m2 := mallocs()
		end := mallocs()
		buf = append(buf, "image2 pid "...)
		buf = strconv.AppendInt(buf, int64(os.Getpid()), 10)
		buf = append(buf, " mallocs "...)
		buf = strconv.AppendUint(buf, end, 10)
		buf = append(buf, " settled "...)
		buf = strconv.AppendUint(buf, settled, 10)
		buf = append(buf, " after "...)
		buf = strconv.AppendUint(buf, m1-m0, 10)
		buf = append(buf, " more "...)
		buf = strconv.AppendUint(buf, m2-m1, 10)
		buf = append(buf, '\n')
		syscall.Write(1, buf)
		time.Sleep(*linger)
		syscall.Exit(0)
	}
	os.Stdout.WriteString("ready " + strconv.Itoa(os.Getpid()) + "\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	b0 := mallocs()
	beforeExec(*n)
	b1 := mallocs()
	os.Stdout.WriteString("image1 pid " + strconv.Itoa(os.Getpid()) + " mallocs " +
		strconv.FormatUint(b1, 10) + " before " + strconv.FormatUint(b1-b0, 10) + "\n")
	time.Sleep(*linger)
	if *from == "main" {
		doExec(*next)
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if syscall.Gettid() == os.Getpid() {
			os.Stderr.WriteString("exec thread is the main thread\n")
			os.Exit(1)
		}
		doExec(*next)
		close(done)
	}()
	<-done
}

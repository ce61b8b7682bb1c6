// Command workload is gomemtrace's test target: a deterministic Go program
// whose allocation sites, GC cycles and goroutine stack growths are known by
// design, so that the tracer's numbers can be compared with the Go runtime's
// own accounting of the same run.
//
// Run it with GODEBUG=memprofilerate=1,adaptivestackstart=0 (add gctrace=1 to
// see every GC cycle on stderr):
//
//	memprofilerate=1     the runtime's heap profile records every allocation
//	                     from process start (runtime/pprof is linked, so the
//	                     linker leaves memory profiling enabled); Go 1.19
//	                     loses the setting before main, so init applies it
//	                     again (see init)
//	adaptivestackstart=0 every goroutine starts on a 2 KiB stack
//
// Flags:
//
//	-heapprofile PATH  at the end: runtime.GC(), then pprof.WriteHeapProfile;
//	                   the profile holds every allocation up to that cycle
//	                   (its horizon); main.afterProfile and what it calls
//	                   run after it (listed in -stats as after_profile)
//	-stats PATH        JSON: runtime.MemStats at the start and the end of
//	                   main, per-site MemStats deltas, the stack design and
//	                   what the workload observed of its own stacks
//	-wait              print "ready <pid>" and block until a line (or EOF)
//	                   arrives on stdin, or SIGUSR1, before the workload runs
//	-hold              at the very end: runtime.ReadMemStats (which flushes
//	                   every mcache into the runtime's counters), print
//	                   "held mallocs N total_alloc B" and block until a line
//	                   (or EOF) arrives on stdin; nothing of this allocates,
//	                   so a tracer stopped meanwhile reads counters that
//	                   equal N and B exactly
//
// Allocation sites. Each is a //go:noinline function in package main that
// allocates in a loop and stores the result in a global ring (so it escapes
// and most of it dies at the next GC). Sizes are as the runtime accounts
// them (its size-class size):
//
//	main.allocSmallPtr    4000 x new(node)          24 B, pointers: class 24
//	main.allocBytes       5000 x make([]byte, n), n cycling 48,64,100,136,200:
//	                      classes 48,64,112,144,208 (1000 each), no pointers
//	main.allocScan300     2000 x new(scan300)       300 B, pointers: class 320
//	main.allocScanBig     1000 x new(scanBig)       1024 B, pointers: class
//	                      1024 up to Go 1.21; 1.22+ adds an 8-byte malloc
//	                      header to scan objects > 512 B: 1032 -> class 1152
//	main.appendGrow       100 rounds of append to a nil []pair (16 B, no
//	                      pointers) up to 300 elements: runtime.growslice
//	main.appendGrowPtr    60 rounds of append to a nil []*node up to 300
//	main.mapFill          150 maps of 100 int->int entries (makemap and map
//	                      growth; counts depend on the map implementation)
//	main.concatStrings    3000 x a+b+"-tail", 27..63 bytes: runtime.concatstring3
//	main.allocLarge64K    200 x make([]byte, 64 KiB)  large object: 65536 B
//	main.allocLarge100K   200 x make([]byte, 100 KiB) large object, 13 pages:
//	                      106496 B
//	main.allocStackEdge   3000 x new(node), each by a fresh goroutine at
//	                      another stack depth (see "Stack edge" below), plus
//	                      what starting the goroutines allocates
//	main.useArenas        GOEXPERIMENT=arenas builds only (arena.go): user
//	                      arenas; the runtime counts each new arena chunk
//	                      as one large allocation (see arena.go)
//	main.reuseFreed       GOEXPERIMENT=runtimefreegc -tags freegc_variant
//	                      builds only (freegc.go): buffers freed with
//	                      runtime.freegc and reused uncounted
//	main.allocTiny        1000 x make([]byte, 8): tiny allocations. EXCLUDED
//	                      from per-function comparisons with the heap profile:
//	                      the runtime combines no-pointer objects < 16 B into
//	                      16-byte blocks and its profile records only each new
//	                      block, not each allocation (MemStats.Mallocs does
//	                      count each one).
//
// The counts of growslice, map and concat sites depend on the Go version's
// growth policy and map implementation; tests compare them with the runtime's
// profile of the same run, never with constants. The per-site MemStats deltas
// in -stats are an independent second witness of the same allocations.
//
// GC cycles: runtime.GC() is called 4 times (forcedGCs): before the first
// site (so the GC's mark worker goroutines are created outside the sites),
// after the small-object sites, before the stack phase and at the end before
// the heap profile is written. allocLarge64K and allocLarge100K allocate
// 33.6 MB while keeping at most 4 large objects live, so the heap crosses
// the minimum 4 MB GOGC goal several times: heap-triggered cycles (how many
// depends on timing; tests count them in gctrace). Forced cycles never
// overlap heap-triggered ones (see forcedGC), so gctrace's "(forced)" marks
// exactly the forced cycles on every Go version. The GC stays off from the
// third forced cycle on: no cycle runs during the stack phase, the run's
// last cycle is forced 4, and NumGC at the end equals the number of cycles
// of the run.
//
// Stack growth: stackGoroutines goroutines run one after the other, each
// calling main.growStack recursively stackDepth levels deep; every frame of
// growStack holds a 1 KiB array (about 1.1 KiB per frame), so the deepest
// point needs about stackDepth*1.1 KiB = 44 KiB of stack. A goroutine starts
// on 2 KiB (adaptivestackstart=0; a dead goroutine's grown stack is freed
// when it is reused, so every new goroutine starts on 2 KiB again); the
// runtime doubles the stack at each overflow (runtime.newstack), so reaching
// 44 KiB plus the 928-byte guard takes 2->4->8->16->32->64 KiB: exactly
// stackGrowths = 5 growths per goroutine, each in growStack's prologue, and
// stackGoroutines*stackGrowths growths in all. 44 KiB is well inside (32 KiB,
// 64 KiB - guard), so small per-version frame size differences do not change
// the count. Evidence recorded by the workload itself in -stats: a pointer to
// the goroutine's first frame is passed down the recursion; the runtime
// adjusts such pointers each time it copies the stack to a new one, so the
// number of distinct values it takes is the number of stack copies the
// goroutine went through (observed_moves), and its distance to the deepest
// frame is the stack actually used (max_used_bytes). Observed on every Go
// version of the test matrix: 5 copies per goroutine, 43.3-43.6 KiB used
// (43.8-44.2 KiB in -race, -msan and -asan builds of go1.19, 1.23, 1.27).
// Checked independently with bpftrace on runtime.copystack (RAX = gp, RBX =
// new size) on go1.19 and go1.27: 16->32 and 32->64 KiB copies exactly 8
// each, 2->4, 4->8 and 8->16 KiB at least 8 each (other goroutines, such as
// main's, grow a little too).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"syscall"
	"unsafe"
)

const ring = 64

type node struct {
	next *node
	val  *int
	n    int
} // 24 bytes, with pointers

type scan300 struct {
	ptrs [30]*node
	pad  [60]byte
} // 300 bytes, with pointers

type scanBig struct {
	ptrs [64]*node
	pad  [512]byte
} // 1024 bytes, with pointers

type pair struct{ a, b int } // 16 bytes, no pointers

// Sinks: typed global arrays, so storing into them never allocates (an
// interface conversion would) and each object escapes to the heap.
var (
	sinkNode    [ring]*node
	sinkBytes   [ring][]byte
	sinkScan300 [ring]*scan300
	sinkScanBig [ring]*scanBig
	sinkPairs   [ring][]pair
	sinkPtrs    [ring][]*node
	sinkMaps    [ring]map[int]int
	sinkStrings [ring]string
	sinkTiny    [ring][]byte
	sinkLarge   [4][]byte
)

var byteSizes = [5]int{48, 64, 100, 136, 200}

var words = [8]string{
	"alpha-alpha-", "bravo-bravo-bravo-", "charlie-charlie-", "delta-",
	"echo-echo-echo-echo-", "foxtrot-foxtrot-", "golf-golf-golf-", "hotel-hotel-",
}

//go:noinline
func allocSmallPtr(n int) {
	for i := 0; i < n; i++ {
		sinkNode[i%ring] = &node{n: i}
	}
}

//go:noinline
func allocBytes(n int) {
	for i := 0; i < n; i++ {
		sinkBytes[i%ring] = make([]byte, byteSizes[i%len(byteSizes)])
	}
}

//go:noinline
func allocScan300(n int) {
	for i := 0; i < n; i++ {
		s := new(scan300)
		s.pad[0] = byte(i)
		sinkScan300[i%ring] = s
	}
}

//go:noinline
func allocScanBig(n int) {
	for i := 0; i < n; i++ {
		s := new(scanBig)
		s.pad[0] = byte(i)
		sinkScanBig[i%ring] = s
	}
}

//go:noinline
func appendGrow(rounds int) {
	for r := 0; r < rounds; r++ {
		var s []pair
		for i := 0; i < 300; i++ {
			s = append(s, pair{i, r})
		}
		sinkPairs[r%ring] = s
	}
}

//go:noinline
func appendGrowPtr(rounds int) {
	for r := 0; r < rounds; r++ {
		var s []*node
		for i := 0; i < 300; i++ {
			s = append(s, sinkNode[i%ring])
		}
		sinkPtrs[r%ring] = s
	}
}

//go:noinline
func mapFill(rounds int) {
	for r := 0; r < rounds; r++ {
		m := make(map[int]int)
		for i := 0; i < 100; i++ {
			m[i*7+r] = i
		}
		sinkMaps[r%ring] = m
	}
}

//go:noinline
func concatStrings(n int) {
	for i := 0; i < n; i++ {
		sinkStrings[i%ring] = words[i%len(words)] + words[(i/len(words))%len(words)] + "-tail"
	}
}

//go:noinline
func allocLarge64K(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 64<<10)
		b[i] = 1
		sinkLarge[i%len(sinkLarge)] = b
	}
	sinkLarge = [4][]byte{}
}

//go:noinline
func allocLarge100K(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, 100<<10)
		b[i] = 1
		sinkLarge[i%len(sinkLarge)] = b
	}
	sinkLarge = [4][]byte{}
}

// allocTiny makes tiny allocations; excluded from profile comparisons (see
// the package comment).
//
//go:noinline
func allocTiny(n int) {
	for i := 0; i < n; i++ {
		sinkTiny[i%ring] = make([]byte, 8)
	}
}

// Stack edge: allocStackEdge(n) runs n fresh goroutines one after the other,
// each on a new 2 KiB stack (adaptivestackstart=0). Goroutine i descends
// i%edgeLevels levels of edgeDescend, then one of four shims of different
// frame sizes, then allocates one node in allocStackEdge itself. Over the
// depths, the allocation function's own stack check meets the stack guard at
// every 8-byte position, so many of these calls fail that check, grow the
// stack in morestack and run the function again from its entry. The
// runtime's profile records each allocation once; a probe at the stack check
// must too (tracers see the restarts in report.json's
// cost.restarts_skipped).
const (
	edgeLevels = 60
	edgeShims  = 4
)

var edgeDone chan bool // made in main: package main's init allocates nothing

//go:noinline
func allocStackEdge(n int) {
	if n < 0 { // at the chosen depth, in the goroutine
		sinkNode[(-n)%ring] = &node{n: n}
		edgeDone <- true
		return
	}
	for i := 0; i < n; i++ {
		go edgeDescend(i%edgeLevels, i/edgeLevels%edgeShims, -(i + 1))
		<-edgeDone
	}
}

//go:noinline
func edgeDescend(levels, shim, arg int) int {
	if levels > 0 {
		return edgeDescend(levels-1, shim, arg) + 1
	}
	switch shim {
	case 0:
		allocStackEdge(arg)
	case 1:
		return edgeShim8(arg)
	case 2:
		return edgeShim16(arg)
	default:
		return edgeShim24(arg)
	}
	return 0
}

//go:noinline
func edgeShim8(arg int) int {
	var pad [1]int
	pad[arg&0] = arg
	allocStackEdge(pad[0])
	return pad[0]
}

//go:noinline
func edgeShim16(arg int) int {
	var pad [2]int
	pad[arg&1] = arg
	allocStackEdge(pad[arg&1])
	return pad[0] + pad[1]
}

//go:noinline
func edgeShim24(arg int) int {
	var pad [3]int
	pad[arg&1] = arg
	allocStackEdge(pad[arg&1])
	return pad[0] + pad[1] + pad[2]
}

// Stack growth design (see the package comment).
const (
	stackGoroutines = 8
	stackDepth      = 40
	stackStart      = 2 << 10  // with GODEBUG=adaptivestackstart=0
	stackFinal      = 64 << 10 // smallest power of two above ~44 KiB + guard
	stackGrowths    = 5        // log2(stackFinal / stackStart)
)

var (
	stackDone     chan int // made in main: package main's init allocates nothing
	stackLastTop  uintptr
	stackMoves    int
	stackMaxUsed  uintptr
	observedMoves [stackGoroutines]int
	observedUsed  [stackGoroutines]uintptr
)

// growStack recurses depth levels with a 1 KiB array in each frame. top
// points into the goroutine's first frame; the runtime updates it whenever it
// copies the stack, which is how the workload sees its own stack growths.
// go:nocheckptr keeps frame on the stack in -asan builds too, whose
// compiler otherwise moves a variable converted to unsafe.Pointer to the
// heap (cmd/compile/internal/escape, ShouldAsanCheckPtr); also stackWorker.
//
//go:noinline
//go:nocheckptr
func growStack(depth int, top unsafe.Pointer) int {
	var frame [1024]byte
	if t := uintptr(top); t != stackLastTop {
		stackMoves++
		stackLastTop = t
	}
	frame[depth&1023] = byte(depth)
	if depth == 0 {
		if used := uintptr(top) - uintptr(unsafe.Pointer(&frame[0])); used > stackMaxUsed {
			stackMaxUsed = used
		}
		return int(frame[0])
	}
	return growStack(depth-1, top) + int(frame[(depth*7)&1023])
}

//go:noinline
//go:nocheckptr
func stackWorker() {
	var anchor [8]byte
	top := unsafe.Pointer(&anchor[0])
	stackLastTop = uintptr(top)
	stackMoves = 0
	stackMaxUsed = 0
	r := growStack(stackDepth, top)
	stackDone <- r + int(anchor[0])
}

//go:noinline
func runStackPhase() {
	for g := 0; g < stackGoroutines; g++ {
		go stackWorker()
		<-stackDone
		observedMoves[g] = stackMoves
		observedUsed[g] = stackMaxUsed
	}
}

type site struct {
	fn      func(int) // nil: none (a site of another build variant)
	arg     int
	exclude string // why the site is not compared with the heap profile
	gc      bool   // not a site: forced 2 (forcedGC) here
}

var sites = []site{
	{fn: allocSmallPtr, arg: 4000},
	{fn: allocBytes, arg: 5000},
	{fn: allocScan300, arg: 2000},
	{fn: allocScanBig, arg: 1000},
	{gc: true}, // forcedGC()
	{fn: appendGrow, arg: 100},
	{fn: appendGrowPtr, arg: 60},
	{fn: mapFill, arg: 150},
	{fn: concatStrings, arg: 3000},
	{fn: allocStackEdge, arg: 3000},
	{fn: allocTiny, arg: 1000, exclude: "tiny allocations: the heap profile records only new 16-byte blocks"},
	{fn: allocLarge64K, arg: 200},
	{fn: allocLarge100K, arg: 200},
	// The arenas variant only (arena.go); its allocations are attributed
	// to package arena's functions, compared stack by stack.
	{fn: arenaSite, arg: arenaRounds, exclude: "user arenas: the heap profile's sites are package arena's functions"},
	// The freegc variant only (freegc.go).
	{fn: freegcSite, arg: freegcRounds},
}

const forcedGCs = 4

var scratchStats runtime.MemStats

// forcedGC runs one runtime.GC() cycle that no heap-triggered cycle
// overlaps, and leaves the GC off; enableGC turns it back on. Go 1.19's
// gcStart records that a cycle is forced (work.userForced) before it takes
// worldsema, while the previous cycle may still be printing its gctrace
// line under worldsema: a heap cycle that ends while runtime.GC() waits for
// it is then printed "(forced)" (seen here), and a forced cycle followed at
// once by a heap cycle could lose its mark (1.20+ set the flag under
// worldsema). So: turn the GC off, which waits for the mark phase of a cycle
// in progress; stop the world (ReadMemStats), which waits until that cycle
// has printed; only then force a cycle. enableGC stops the world again, so
// that the forced cycle has printed before a heap cycle can start.
// Returns the GC percent it found.
func forcedGC() int {
	percent := debug.SetGCPercent(-1)
	runtime.ReadMemStats(&scratchStats)
	runtime.GC()
	return percent
}

func enableGC(percent int) {
	runtime.ReadMemStats(&scratchStats)
	debug.SetGCPercent(percent)
}

var cgoCheck int // set by the cgo variant (cgo.go)

// init applies GODEBUG=memprofilerate=N again. Go 1.19's runtime reads it in
// schedinit but then resets MemProfileRate to its default when the runtime
// package's own variables are initialized (fixed in 1.20), so on 1.19 the
// setting is lost before main. This is the earliest point a program can set
// it; allocations before it (runtime and standard library init) are sampled
// at the default rate on 1.19, none of them in package main.
func init() {
	if n, ok := godebugInt("memprofilerate"); ok && runtime.MemProfileRate != n {
		runtime.MemProfileRate = n
	}
}

// godebugInt finds key=N in GODEBUG without allocating.
func godebugInt(key string) (int, bool) {
	env, _ := syscall.Getenv("GODEBUG")
	for len(env) > 0 {
		field := env
		if i := indexByte(env, ','); i >= 0 {
			field, env = env[:i], env[i+1:]
		} else {
			env = ""
		}
		if len(field) <= len(key) || field[:len(key)] != key || field[len(key)] != '=' {
			continue
		}
		n, digits := 0, field[len(key)+1:]
		if digits == "" {
			return 0, false
		}
		for _, c := range []byte(digits) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	return 0, false
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

type memSnapshot struct {
	NumGC      uint32 `json:"num_gc"`
	Mallocs    uint64 `json:"mallocs"`
	Frees      uint64 `json:"frees"`
	TotalAlloc uint64 `json:"total_alloc"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	StackInuse uint64 `json:"stack_inuse"`
}

type siteResult struct {
	Function   string `json:"function"`
	Arg        int    `json:"arg"`
	Mallocs    uint64 `json:"mallocs"`     // MemStats.Mallocs delta
	TotalAlloc uint64 `json:"total_alloc"` // MemStats.TotalAlloc delta
	NumGC      uint32 `json:"num_gc"`      // cycles completed during the site
	Exclude    string `json:"exclude,omitempty"`
}

type stackResult struct {
	Function             string    `json:"function"`
	Goroutines           int       `json:"goroutines"`
	Depth                int       `json:"depth"`
	StartBytes           int       `json:"start_bytes"`
	FinalBytes           int       `json:"final_bytes"`
	GrowthsPerGoroutine  int       `json:"growths_per_goroutine"`
	ExpectedGrowths      int       `json:"expected_growths"`
	ObservedMoves        []int     `json:"observed_moves"`
	MaxUsedBytes         []uintptr `json:"max_used_bytes"`
	NumGCDuringStackTest uint32    `json:"num_gc_during"`
}

type stats struct {
	GoVersion      string       `json:"go_version"`
	Pid            int          `json:"pid"`
	GOMAXPROCS     int          `json:"gomaxprocs"`
	MemProfileRate int          `json:"memprofilerate"`
	Cgo            bool         `json:"cgo"`
	ForcedGC       int          `json:"forced_gc"`
	Start          memSnapshot  `json:"start"`
	Released       memSnapshot  `json:"released"` // after -wait
	End            memSnapshot  `json:"end"`
	Sites          []siteResult `json:"sites"`
	Stack          stackResult  `json:"stack"`
	// Functions that run only after the heap profile's horizon.
	AfterProfile []string `json:"after_profile"`
}

func snapshot() memSnapshot {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSnapshot{m.NumGC, m.Mallocs, m.Frees, m.TotalAlloc, m.HeapAlloc, m.StackInuse}
}

func funcName(f func(int)) string {
	return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
}

// waitForRelease blocks until a line or EOF on stdin, or SIGUSR1.
func waitForRelease() {
	released := make(chan struct{}, 2)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		var b [1]byte
		for {
			n, err := os.Stdin.Read(b[:])
			if err != nil || (n == 1 && b[0] == '\n') {
				break
			}
		}
		released <- struct{}{}
	}()
	fmt.Printf("ready %d\n", os.Getpid())
	select {
	case <-released:
	case <-sig:
	}
	signal.Stop(sig)
}

func main() {
	start := snapshot()
	heapProfile := flag.String("heapprofile", "", "write the runtime's heap profile to `PATH` at the end")
	statsPath := flag.String("stats", "", "write MemStats and per-site results as JSON to `PATH`")
	wait := flag.Bool("wait", false, `print "ready <pid>" and wait for a line on stdin or SIGUSR1`)
	hold := flag.Bool("hold", false, `at the end, print "held mallocs N total_alloc B" (MemStats) and wait for a line on stdin`)
	flag.Parse()

	st := &stats{
		GoVersion:      runtime.Version(),
		Pid:            os.Getpid(),
		GOMAXPROCS:     runtime.GOMAXPROCS(0),
		MemProfileRate: runtime.MemProfileRate,
		Cgo:            cgoCheck == 3,
		ForcedGC:       forcedGCs,
		Start:          start,
		Sites:          make([]siteResult, 0, len(sites)),
		AfterProfile: []string{
			runtime.FuncForPC(reflect.ValueOf(afterProfile).Pointer()).Name(),
			runtime.FuncForPC(reflect.ValueOf(writeHeapProfile).Pointer()).Name(),
			runtime.FuncForPC(reflect.ValueOf(writeStats).Pointer()).Name(),
		},
	}
	names := make([]string, len(sites))
	for i, s := range sites {
		if s.fn != nil {
			names[i] = funcName(s.fn)
		}
	}
	stackDone = make(chan int)
	edgeDone = make(chan bool)
	if *wait {
		waitForRelease()
	}
	st.Released = snapshot()

	enableGC(forcedGC()) // forced 1: mark workers are created here, not in a site
	for i, s := range sites {
		if s.gc {
			enableGC(forcedGC()) // forced 2
			continue
		}
		if s.fn == nil {
			continue
		}
		before := snapshot()
		s.fn(s.arg)
		after := snapshot()
		st.Sites = append(st.Sites, siteResult{
			Function:   names[i],
			Arg:        s.arg,
			Mallocs:    after.Mallocs - before.Mallocs,
			TotalAlloc: after.TotalAlloc - before.TotalAlloc,
			NumGC:      after.NumGC - before.NumGC,
			Exclude:    s.exclude,
		})
	}

	forcedGC() // forced 3; the GC stays off: no cycle runs during the stack phase
	before := snapshot()
	runStackPhase()
	after := snapshot()
	st.Stack = stackResult{
		Function:             runtime.FuncForPC(reflect.ValueOf(growStack).Pointer()).Name(),
		Goroutines:           stackGoroutines,
		Depth:                stackDepth,
		StartBytes:           stackStart,
		FinalBytes:           stackFinal,
		GrowthsPerGoroutine:  stackGrowths,
		ExpectedGrowths:      stackGoroutines * stackGrowths,
		ObservedMoves:        observedMoves[:],
		MaxUsedBytes:         observedUsed[:],
		NumGCDuringStackTest: after.NumGC - before.NumGC,
	}

	// Forced 4 publishes every allocation in the heap profile. The GC stays
	// off: no cycle may start while the profile and the stats are written
	// (writing the profile allocates enough to trigger one), so forced 4 is
	// the run's last cycle and gctrace, NumGC and a tracer agree exactly.
	forcedGC()
	afterProfile(*heapProfile, *statsPath, st)
	if *hold {
		holdAtEnd()
	}
}

var (
	heldStats runtime.MemStats
	heldLine  [128]byte
	heldByte  [1]byte
)

// holdAtEnd (-hold) allocates nothing: MemStats, the line and the read
// buffer are globals (a local one would escape through syscall.Read),
// strconv.AppendUint appends within heldLine's capacity, and stdin is read
// with plain system calls.
//
//go:noinline
func holdAtEnd() {
	runtime.ReadMemStats(&heldStats)
	line := append(heldLine[:0], "held mallocs "...)
	line = strconv.AppendUint(line, heldStats.Mallocs, 10)
	line = append(line, " total_alloc "...)
	line = strconv.AppendUint(line, heldStats.TotalAlloc, 10)
	line = append(line, '\n')
	syscall.Write(1, line)
	for {
		n, err := syscall.Read(0, heldByte[:])
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 || err != nil || heldByte[0] == '\n' {
			return
		}
	}
}

// afterProfile does everything that follows the heap profile's horizon (the
// end of forced 4): writes the profile and the stats. Allocations from here
// on are seen by a tracer but not by the runtime's profile, so the functions
// that run only here (afterProfile, writeHeapProfile, writeStats) are left
// out of per-function comparisons, and it calls no other function of
// package main.
//
//go:noinline
func afterProfile(heapProfile, statsPath string, st *stats) {
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			fmt.Fprintln(os.Stderr, "workload:", err)
			os.Exit(1)
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	st.End = memSnapshot{m.NumGC, m.Mallocs, m.Frees, m.TotalAlloc, m.HeapAlloc, m.StackInuse}
	if statsPath != "" {
		if err := writeStats(statsPath, st); err != nil {
			fmt.Fprintln(os.Stderr, "workload:", err)
			os.Exit(1)
		}
	}
}

// writeHeapProfile runs after the heap profile's horizon (see afterProfile).
//
//go:noinline
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeStats runs after the heap profile's horizon (see afterProfile).
//
//go:noinline
func writeStats(path string, st *stats) error {
	out, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}

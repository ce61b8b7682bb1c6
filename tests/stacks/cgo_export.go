//go:build cgo

package main

import "C"

// goAlloc is called from C (cgo.go's callGo), on a goroutine's thread or on
// a thread created in C.
//
//export goAlloc
func goAlloc(i C.int) {
	sinkRec = &rec{pad: [7]int{int(i)}}
	cgoDeeper(int(i))
}

//go:noinline
func cgoDeeper(i int) { sinkRec = &rec{pad: [7]int{i}} }

// goNested is called from C and calls C again, which calls goAlloc.
//
//export goNested
func goNested(n C.int) {
	sinkRec = &rec{}
	callGoAgain(int(n))
}

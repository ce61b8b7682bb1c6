//go:build cgo_variant

// The cgo variant: the same workload linked with cgo (runtime/cgo, external
// linking, a C call at init). Built with CGO_ENABLED=1 -tags cgo_variant.
// -stats reports "cgo": true when the C call ran.
package main

/*
static int gomemtrace_cgo_add(int a, int b) { return a + b; }
*/
import "C"

func init() {
	cgoCheck = int(C.gomemtrace_cgo_add(1, 2))
}

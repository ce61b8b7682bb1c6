//go:build cgo

// cgo callbacks: C code calling exported Go functions that allocate, on the
// goroutine's own thread (Go -> C -> Go, the runtime's traceback goes back
// through cgocallback and cgocall to the _Cfunc_ wrapper and its callers,
// main.cgoCallbacks...) and on threads created in C (the traceback ends at
// the callback's entry, runtime.goexit), nested (Go -> C -> Go -> C -> Go).
// Built into the stacks program when cgo is on (test_stacks' cgo variant).
package main

/*
#include <pthread.h>
#include <stdint.h>

extern void goAlloc(int);
extern void goNested(int);

static void callGo(int n)
{
	int i;

	for (i = 0; i < n; i++)
		goAlloc(i);
}

static void callNested(int n)
{
	goNested(n);
}

static void *cThreadMain(void *arg)
{
	callGo((int)(intptr_t)arg);
	return 0;
}

// n callbacks from a thread Go did not create; 0, or an errno.
static int fromCThread(int n)
{
	pthread_t t;
	int err = pthread_create(&t, 0, cThreadMain, (void *)(intptr_t)n);

	if (err)
		return err;
	return pthread_join(t, 0);
}
*/
import "C"

import (
	"fmt"
	"os"
)

func init() { cgoWork = cgoCallbacks }

// callGoAgain is called by goNested, itself called from C.
//
//go:noinline
func callGoAgain(n int) { C.callGo(C.int(n)) }

//go:noinline
func cgoCallbacks() {
	C.callGo(C.int(rounds))
	for i := 0; i < 4; i++ {
		C.callNested(C.int(rounds / 4))
	}
	for i := 0; i < 4; i++ {
		if err := C.fromCThread(C.int(rounds / 4)); err != 0 {
			fmt.Fprintln(os.Stderr, "stacks: pthread_create:", err)
			os.Exit(1)
		}
	}
}

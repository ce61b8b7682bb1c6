//go:build pprof

package main

import (
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
)

var (
	memprofile = flag.String("memprofile", "", "write the runtime's heap profile, sampled at -rate")
	rate       = flag.Int("rate", 1, "runtime.MemProfileRate with -memprofile")
)

func init() {
	profileStart = func() {
		if *memprofile != "" {
			runtime.MemProfileRate = *rate
		}
	}
	profileEnd = func() {
		if *memprofile == "" {
			return
		}
		f, err := os.Create(*memprofile)
		if err != nil {
			panic(err)
		}
		// As of the last GC: one more so that the whole run is in it.
		runtime.GC()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			panic(err)
		}
		f.Close()
	}
}

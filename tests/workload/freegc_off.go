//go:build !(goexperiment.runtimefreegc && freegc_variant)

package main

const freegcRounds = 0

// freegcSite is main.reuseFreed in the freegc variant (freegc.go),
// else none.
var freegcSite func(int)

//go:build !goexperiment.arenas

package main

const arenaRounds = 0

// arenaSite is main.useArenas in the arenas variant (arena.go), else none.
var arenaSite func(int)

//go:build !withcgo

package main

func cgoValue() int { return 0 }

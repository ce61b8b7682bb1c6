// Command target is the program scripts/gen-layouts.sh builds with each Go
// toolchain of the matrix: any program links the runtime, whose DWARF types
// (runtime.g, runtime.gcControllerState, ...) and variables (runtime.work,
// runtime.memstats) are what scripts/layouts/dump reads.
package main

import "os"

func main() {
	buf := make([]byte, 0, 64)
	buf = append(buf, "gomemtrace layouts target\n"...)
	os.Stdout.Write(buf)
}

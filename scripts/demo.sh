#!/usr/bin/env bash
# make demo: build the bundled demo Go program with the newest Go of the test
# matrix, trace it from its first instruction with gomemtrace, print the
# report, and show the heap profile as `go tool pprof` reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
goroot=$(scripts/fetch-go.sh 1.27 | awk '{print $2}')
out=build/demo
mkdir -p "$out"
(cd scripts/demo && GOTOOLCHAIN=local GOFLAGS= GOCACHE="${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}/gocache" \
	"$goroot/bin/go" build -o "$PWD/../../$out/demo-service" .)
# The demo runs for ~25 ms: exact mode (every allocation, with its type),
# which is for short windows; a long-running service is traced in the
# default mode, which samples within --overhead-budget.
echo "+ build/gomemtrace -m exact -o $out -- $out/demo-service"
build/gomemtrace -m exact -o "$out" -- "$out/demo-service"
echo
echo "+ go tool pprof -top -nodecount=10 $out/heap.pb.gz"
"$goroot/bin/go" tool pprof -top -nodecount=10 "$out/heap.pb.gz" 2>/dev/null
echo
echo "+ go tool pprof -tags $out/heap.pb.gz   (bytes by allocated type)"
"$goroot/bin/go" tool pprof -tags "$out/heap.pb.gz" 2>/dev/null | head -12
echo
echo "Outputs: $out/report.json, $out/heap.pb.gz, $out/stack.pb.gz, $out/heap.folded," \
	"$out/stack.folded"

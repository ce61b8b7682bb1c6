#!/usr/bin/env bash
# make bench: the cost of tracing, measured in one run. The same workload
# (scripts/bench: N allocations in a timed loop, built with the newest and the
# oldest Go of the matrix) runs untraced, under empty uprobes at the very
# points gomemtrace probes (the bare trap), and under gomemtrace's exact mode.
# Each configuration runs REPEAT times; medians are compared:
#   trap cost per hit     = (empty - untraced) / N
#   exact cost per hit    = (exact - untraced) / N
#   BPF work per hit      = (exact - empty) / N, and its share of the trap
#   slowdown              = exact / untraced
# and, from the kernel's BPF statistics (kernel.bpf_stats_enabled), the time
# each BPF program itself takes per run.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_ALLOCS:-100000}
repeat=${BENCH_REPEAT:-5}
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
out=build/bench
mkdir -p "$out"

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
loop_ns() { awk '/^allocs/ {print $4}'; }

printf '%-8s %12s %12s %12s %14s %14s %14s %9s\n' go untraced_ms empty_ms exact_ms \
	trap_us/hit exact_us/hit bpf_us/hit slowdown
for v in ${BENCH_GO:-1.27 1.19}; do
	goroot=$(scripts/fetch-go.sh "$v" | awk '{print $2}')
	bin=$out/bench-go$v
	(cd scripts/bench && GOTOOLCHAIN=local GOFLAGS= GOCACHE="$cache/gocache" \
		"$goroot/bin/go" build -o "$OLDPWD/$bin" .)
	base=() empty=() exact=()
	for _ in $(seq "$repeat"); do
		base+=("$("$bin" -n "$n" | loop_ns)")
		empty+=("$(build/tests/tools/empty-probes -- "$bin" -n "$n" 2>/dev/null | loop_ns)")
		exact+=("$(build/gomemtrace -q -o "$out/trace-go$v" -- "$bin" -n "$n" 2>/dev/null | loop_ns)")
	done
	b=$(printf '%s\n' "${base[@]}" | median)
	e=$(printf '%s\n' "${empty[@]}" | median)
	x=$(printf '%s\n' "${exact[@]}" | median)
	lost=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['lost_events'])" \
		"$out/trace-go$v/report.json")
	awk -v v="go$v" -v n="$n" -v b="$b" -v e="$e" -v x="$x" 'BEGIN {
		printf "%-8s %12.1f %12.1f %12.1f %14.2f %14.2f %14.2f %8.1fx\n", v, b/1e6, e/1e6,
			x/1e6, (e-b)/n/1e3, (x-b)/n/1e3, (x-e)/n/1e3, x/b
		printf "         BPF work adds %.1f%% to the bare trap\n", 100*(x-e)/(e-b)
	}'
	echo "         lost events in the last exact run: $lost"
	# The kernel's own count of time spent in the BPF programs.
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	build/gomemtrace -v -q -- "$bin" -n "$n" 2>&1 >/dev/null | sed -n 's/^BPF program /         BPF program /p'
	sysctl -qw kernel.bpf_stats_enabled="$old"
done

# Reading large Go binaries: open, index, symbolize, and the tracer's RSS.
echo
scripts/bench-gobinary.sh

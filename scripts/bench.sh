#!/usr/bin/env bash
# make bench: the cost of tracing, measured in one run. Never a timed test.
#
# 1. Allocation-heavy workload (scripts/bench: N allocations of mixed sizes in
#    a loop; it prints the loop's wall time and its own CPU time from
#    getrusage), built with the newest and the oldest Go of the matrix. In
#    each of REPEAT rounds, alternating: untraced; empty uprobes at the first
#    instruction after each allocation function's prologue (where probes sat
#    before: single-stepped); empty uprobes at the points gomemtrace uses now
#    (emulated); gomemtrace exact mode. Medians over the rounds, per
#    allocation, of the target's own CPU time:
#      trap@prologue  (empty-after-prologue - untraced) / N
#      trap@now       (empty - untraced) / N
#      exact          (exact - untraced) / N: trap, BPF work and all
#      tracer         gomemtrace's own CPU while tracing / N (report.json
#                     cost.tracer_cpu_ns)
#      all-in         exact + tracer
#      ratio          exact / untraced CPU time of the target
#    and, from one more exact run with kernel.bpf_stats_enabled=1, the alloc
#    BPF program's own time per run (the kernel's count).
# 2. A real service: Debian's caddy serving a small file on loopback under
#    wrk (2 threads, 4 connections); in each round, alternating, requests
#    per second untraced and traced in exact mode (-p), with the lost events
#    of the traced run.
#
# Environment: BENCH_ALLOCS (N, default 200000), BENCH_REPEAT (default 5),
# BENCH_GO (default "1.27 1.19"), BENCH_HTTP_SECONDS (default 5),
# BENCH_HTTP_REPEAT (default 3), BENCH_HTTP=0 (no service part), BENCH_BINARIES=0
# (no binary-reading part).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_ALLOCS:-200000}
repeat=${BENCH_REPEAT:-5}
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
out=build/bench
mkdir -p "$out"

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
cpu_ns() { awk '/^allocs/ {print $6}'; }
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

echo "Allocation-heavy workload: $n allocations, medians of $repeat rounds; target CPU time"
printf '%-7s %10s %14s %10s %10s %10s %10s %8s %9s %6s\n' go untraced_ms \
	trap@prologue trap@now exact tracer all-in bpf_ns ratio lost
printf '%-7s %10s %14s %10s %10s %10s %10s %8s %9s %6s\n' "" "" us/alloc us/alloc \
	us/alloc us/alloc us/alloc /run "" ""
for v in ${BENCH_GO:-1.27 1.19}; do
	goroot=$(scripts/fetch-go.sh "$v" | awk '{print $2}')
	bin=$out/bench-go$v
	(cd scripts/bench && GOTOOLCHAIN=local GOFLAGS= GOCACHE="$cache/gocache" \
		"$goroot/bin/go" build -o "$OLDPWD/$bin" .)
	base=() late=() empty=() exact=() tracer=()
	for _ in $(seq "$repeat"); do
		base+=("$("$bin" -n "$n" | cpu_ns)")
		late+=("$(build/tests/tools/empty-probes --after-prologue -- "$bin" -n "$n" \
			2>/dev/null | cpu_ns)")
		empty+=("$(build/tests/tools/empty-probes -- "$bin" -n "$n" 2>/dev/null | cpu_ns)")
		exact+=("$(build/gomemtrace -m exact -q -o "$out/trace-go$v" -- "$bin" -n "$n" 2>/dev/null |
			cpu_ns)")
		tracer+=("$(json "$out/trace-go$v/report.json" 'r["cost"]["tracer_cpu_ns"]')")
	done
	lost=$(json "$out/trace-go$v/report.json" 'r["lost_events"]')
	# The kernel's own count of time spent in the alloc program.
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	build/gomemtrace -m exact -q -o "$out/stats-go$v" -- "$bin" -n "$n" >/dev/null 2>&1 || true
	sysctl -qw kernel.bpf_stats_enabled="$old"
	bpf=$(json "$out/stats-go$v/report.json" \
		'[p["run_time_ns"] / p["runs"] for p in r["cost"]["bpf_programs"] if p["program"] == "alloc"][0]')
	b=$(printf '%s\n' "${base[@]}" | median)
	l=$(printf '%s\n' "${late[@]}" | median)
	e=$(printf '%s\n' "${empty[@]}" | median)
	x=$(printf '%s\n' "${exact[@]}" | median)
	t=$(printf '%s\n' "${tracer[@]}" | median)
	awk -v v="go$v" -v n="$n" -v b="$b" -v l="$l" -v e="$e" -v x="$x" -v t="$t" \
		-v bpf="$bpf" -v lost="$lost" 'BEGIN {
		printf "%-7s %10.1f %14.2f %10.2f %10.2f %10.3f %10.2f %8.0f %8.2fx %6d\n", v,
			b/1e6, (l-b)/n/1e3, (e-b)/n/1e3, (x-b)/n/1e3, t/n/1e3, (x-b+t)/n/1e3, bpf,
			x/b, lost
	}'
done

# The default mode: cost within noise, shares against the runtime's own.
if [ "${BENCH_DEFAULT:-1}" = 1 ]; then
	echo
	GOMEMTRACE_GO=$(scripts/fetch-go.sh 1.27 | awk '{print $2}')/bin/go \
		BENCH_REPEAT="$repeat" scripts/bench-default.py
fi

# A real service under load.
caddy=$(command -v caddy || true)
if [ "${BENCH_HTTP:-1}" = 1 ] && [ -n "$caddy" ] && command -v wrk >/dev/null; then
	secs=${BENCH_HTTP_SECONDS:-5}
	port=${BENCH_HTTP_PORT:-18080}
	root=$(mktemp -d)
	head -c 1024 /dev/urandom | base64 >"$root/index.html"
	"$caddy" file-server --listen "127.0.0.1:$port" --root "$root" >"$out/caddy.log" 2>&1 &
	cpid=$!
	trap 'kill $cpid 2>/dev/null; rm -rf "$root"' EXIT
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break
		sleep 0.1
	done
	rps() { wrk -t2 -c4 -d"${secs}s" "http://127.0.0.1:$port/index.html" |
		awk '/^Requests\/sec/ {print $2}'; }
	trace_rps() {	# MODE: requests/s while gomemtrace traces caddy in MODE
		build/gomemtrace -m "$1" -q -o "$out/trace-caddy-$1" -p "$cpid" >/dev/null \
			2>"$out/tracer.err" &
		tpid=$!
		for _ in $(seq 100); do
			grep -q '^Tracing pid' "$out/tracer.err" && break
			sleep 0.1
		done
		rps
		kill -INT "$tpid"
		wait "$tpid" || true
	}
	plain=() dflt=() exact=() lostv=()
	for _ in $(seq "${BENCH_HTTP_REPEAT:-3}"); do
		plain+=("$(rps)")
		dflt+=("$(trace_rps default)")
		exact+=("$(trace_rps exact)")
		lostv+=("$(json "$out/trace-caddy-exact/report.json" 'r["lost_events"]')")
	done
	p=$(printf '%s\n' "${plain[@]}" | median)
	d=$(printf '%s\n' "${dflt[@]}" | median)
	q=$(printf '%s\n' "${exact[@]}" | median)
	echo
	echo "caddy $("$cache/go/1.27/usr/lib/go-1.27/bin/go" version "$caddy" 2>/dev/null |
		awk '{print $2}') file server under wrk -t2 -c4, ${secs}s, medians of ${#plain[@]}"
	src=$(json "$out/trace-caddy-default/report.json" 'r["sources"]["alloc_sites"]')
	top=$(json "$out/trace-caddy-default/report.json" \
		'", ".join(s["function"] for s in r["alloc"]["sites"][:3])')
	awk -v p="$p" -v d="$d" -v q="$q" -v lost="${lostv[*]}" -v src="$src" 'BEGIN {
		printf "  untraced %.0f req/s; default mode (sites: %s) %.0f req/s: %.1f%% kept;\n",
			p, src, d, 100*d/p
		printf "  exact mode %.0f req/s: %.1f%% kept; lost events %s\n", q, 100*q/p, lost
	}'
	echo "  default mode's top sites: $top"
fi

# Reading large Go binaries: open, index, symbolize, and the tracer's RSS.
if [ "${BENCH_BINARIES:-1}" = 1 ]; then
	echo
	scripts/bench-gobinary.sh
fi

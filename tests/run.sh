#!/usr/bin/env bash
# Runs every test: unit tests (build/tests/test_*) and the root/BPF
# integration tests (tests/integration/test_*). Each prints "ok - NAME" or
# "not ok - NAME: reason" per check; this script counts them and ends with
# "N passed, N failed". A test program that crashes or exits non-zero without
# reporting a failure counts as one failure. Nothing is skipped: tests that
# need root or BPF fail when they cannot run.
set -u
cd "$(dirname "$0")/.."
export GOMEMTRACE_ROOT=$PWD
# The build under test: build/, or build-san/ for `make test SANITIZE=1`.
export GOMEMTRACE_BUILD=${GOMEMTRACE_BUILD:-build}
logdir=${GOMEMTRACE_TEST_LOGS:-build/test-logs}
mkdir -p "$logdir"
only=${1:-}
# The Go toolchain whose `go tool pprof` and `go tool addr2line` read what we
# write (tests compare against real readers, never against themselves).
GOMEMTRACE_GO=${GOMEMTRACE_GO:-$(scripts/fetch-go.sh 1.27 | awk '{print $2}')/bin/go}
export GOMEMTRACE_GO
passed=0
failed=0

# The Go workload built by every toolchain of the matrix, every variant.
if ! scripts/build-workloads.sh >"$logdir/build-workloads.log" 2>&1; then
	echo "  not ok - build-workloads: see $logdir/build-workloads.log"
	failed=$((failed + 1))
fi
GOMEMTRACE_WORKLOADS=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}/workloads
export GOMEMTRACE_WORKLOADS

run_one() {
	local name=$1; shift
	local log=$logdir/$name.log
	echo "# $name"
	"$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(ok|not ok) - ' "$log" | sed 's/^/  /'
	local p f
	p=$(grep -cE '^ok - ' "$log")
	f=$(grep -cE '^not ok - ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  not ok - $name: exited with $rc (see $log)"
		tail -5 "$log" | sed 's/^/    /'
		f=1
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "  not ok - $name: reported no result (see $log)"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$GOMEMTRACE_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	[ -z "$only" ] || [[ $n == *$only* ]] || continue
	run_one "$n" "$t"
done
for t in tests/integration/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	[ -z "$only" ] || [[ $n == *$only* ]] || continue
	run_one "$n" "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

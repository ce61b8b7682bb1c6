#!/usr/bin/env bash
# Benchmark of userspace/binary/gobinary.c (not a test): time to open and index a
# large Go binary, time to symbolize every function entry and random PCs of
# its text, and peak RSS.
#
#   scripts/bench-gobinary.sh [BINARY...]
#
# Without arguments it measures an unstripped build of cmd/compile (about
# 40 MB, built once into $GOMEMTRACE_CACHE/test-bins/bench with the Go
# toolchain of $GOMEMTRACE_GO, default the 1.27 one of scripts/fetch-go.sh)
# and the stripped cmd/compile that toolchain ships. Needs
# build/tests/tools/gobin-query (make unit). Each binary is opened RUNS
# times (default 5) in one process; the best and the first (cold page cache
# aside) open times are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

query=build/tests/tools/gobin-query
runs=${RUNS:-5}
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
[ -x "$query" ] || make --no-print-directory "$query"

binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
	go=${GOMEMTRACE_GO:-$(scripts/fetch-go.sh 1.27 | awk '{print $2}')/bin/go}
	goroot=$(dirname "$(dirname "$go")")
	big=$cache/test-bins/bench/compile-$("$go" env GOVERSION)
	if [ ! -x "$big" ]; then
		mkdir -p "$(dirname "$big")"
		echo "building an unstripped cmd/compile into $big" >&2
		(cd "$goroot/src" && GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 \
			GOCACHE="$cache/test-bins/gocache" \
			"$go" build -o "$big.tmp" cmd/compile)
		mv "$big.tmp" "$big"
	fi
	binaries=("$big" "$goroot/pkg/tool/linux_amd64/compile")
fi

for bin in "${binaries[@]}"; do
	size=$(stat -c %s "$bin")
	echo "== $bin ($((size / 1024 / 1024)) MiB)"
	"$query" "$bin" bench "$runs" | awk -F'\t' '
		$1 == "functions" { printf "  functions:                 %s\n", $2 }
		$1 == "open_first_ms" { printf "  open + index, first:       %s ms\n", $2 }
		$1 == "open_best_ms" { printf "  open + index, best of N:   %s ms\n", $2 }
		$1 == "symbolize_all_entries_ms" { printf "  symbolize every entry:     %s ms\n", $2 }
		$1 == "frames" { printf "  frames produced:           %s\n", $2 }
		$1 == "symbolize_random_ns" { printf "  symbolize a random PC:     %s ns\n", $2 }
		$1 == "random_frames_per_pc" { printf "  frames per random PC:      %s\n", $2 }
		$1 == "peak_rss_kib" { printf "  peak RSS:                  %.1f MiB\n", $2 / 1024 }'
done

# The whole tracer on such a binary: launch it (a short run that prints its
# version) under exact mode, and report gomemtrace's own peak RSS and wall
# time, probes, binary reading, DWARF layouts and symbolization included.
if [ -x build/gomemtrace ] && [ "$(id -u)" = 0 ]; then
	bin=${binaries[0]}
	echo "== gomemtrace -- $bin -V=full"
	python3 - "$bin" <<'PY'
import resource, subprocess, sys, tempfile, time
out = tempfile.mkdtemp()
t0 = time.monotonic()
r = subprocess.run(["build/gomemtrace", "-q", "-o", out, "--", sys.argv[1], "-V=full"],
                   capture_output=True, text=True)
wall = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("  exit code:                 %d" % r.returncode)
print("  gomemtrace peak RSS:       %.1f MiB" % rss)
print("  wall time (attach, run, report): %.2f s" % wall)
PY
fi

#!/usr/bin/env bash
# Seed corpora of the fuzz harnesses, built outside the repository (binaries
# never go into git), under ${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}/fuzz-corpus:
#
#   seeds/synthetic  small ELF files made by tests/fuzz/gen-seeds.py
#   seeds/real       the test workload (tests/workload) built by every Go
#                    toolchain already fetched, plain, stripped, PIE and cgo
#                    (scripts/build-workloads.sh); of each plain and PIE build
#                    also a copy without section headers (the scanning paths)
#                    and one with its DWARF decompressed (what libdw reads,
#                    mutable byte by byte)
#
#   tests/fuzz/corpus.sh [synthetic]     (synthetic: skip the real binaries)
#
# Prints the seed directories, one per line. GOMEMTRACE_FUZZ_VERSIONS
# overrides the Go versions; no toolchain is fetched for this.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
seeds=$cache/fuzz-corpus/seeds
mkdir -p "$seeds/synthetic" "$seeds/real"

"$here/gen-seeds.py" "$seeds/synthetic"
echo "$seeds/synthetic"
[ "${1:-}" != synthetic ] || exit 0

versions=${GOMEMTRACE_FUZZ_VERSIONS:-}
if [ -z "$versions" ]; then
	for go in "$cache"/go/1.*/usr/lib/go-1.*/bin/go; do
		[ -x "$go" ] || continue
		v=${go#"$cache"/go/}
		versions+=" ${v%%/*}"
	done
fi
[ -n "$versions" ] || { echo "corpus: no Go toolchain in $cache/go" >&2; exit 1; }

# Copy of $1 at $2 with no section headers: e_shoff, e_shnum, e_shstrndx 0.
strip_shdrs() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0x28:0x30] = struct.pack("<Q", 0)
b[0x3c:0x40] = struct.pack("<HH", 0, 0)
open(sys.argv[2], "wb").write(b)
PY
}

# shellcheck disable=SC2086
GOMEMTRACE_WORKLOAD_VARIANTS="plain stripped pie cgo" \
	"$root/scripts/build-workloads.sh" $versions |
while read -r v variant bin; do
	out=$seeds/real/go$v-$variant
	if [ ! -f "$out" ] || [ "$bin" -nt "$out" ]; then
		cp "$bin" "$out.tmp" && mv "$out.tmp" "$out"
		case $variant in
		plain | pie)
			strip_shdrs "$bin" "$out-noshdr"
			objcopy --decompress-debug-sections "$bin" "$out-dwarf"
			;;
		esac
	fi
done
echo "$seeds/real"

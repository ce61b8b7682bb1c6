#!/usr/bin/env bash
# Build the Go test workload (tests/workload) with each Go toolchain of the
# test matrix, in every variant the tests use.
#
#   scripts/build-workloads.sh [1.19 1.21 ...]   (default: the whole matrix)
#
# Variants (GOMEMTRACE_WORKLOAD_VARIANTS, default all five):
#   plain       CGO_ENABLED=0, static, with symbols
#   stripped    CGO_ENABLED=0, -ldflags='-s -w' (no .symtab, no DWARF)
#   pie         CGO_ENABLED=0, -buildmode=pie
#   cgo         CGO_ENABLED=1, -tags cgo_variant (runtime/cgo, external linking)
#   static-pie  CGO_ENABLED=1, -buildmode=pie, external linking with
#               -static-pie. Not for go1.19: its static-PIE binaries die of
#               SIGTRAP at start, traced or not; that pair is not listed.
#
# Outputs go to $GOMEMTRACE_CACHE/workloads/go1.NN/VARIANT/workload, never into
# the repository. GOMEMTRACE_WORKLOAD_SRC=DIR builds another Go program (a
# main package with its own go.mod, e.g. tests/tools/heapprof) the same way,
# into $GOMEMTRACE_CACHE/workloads/NAME/go1.NN/VARIANT/NAME (NAME: DIR's
# base name). A binary is rebuilt only when its stamp (hash of the workload
# sources, this script, the toolchain's version and the variant's flags)
# changed. Toolchains come from scripts/fetch-go.sh. Prints, one per line,
# "VERSION VARIANT PATH".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
src=${GOMEMTRACE_WORKLOAD_SRC:-$root/tests/workload}
src=$(cd "$src" && pwd)
name=$(basename "$src")
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
export GOMEMTRACE_CACHE=$cache
read -r -a variants <<<"${GOMEMTRACE_WORKLOAD_VARIANTS:-plain stripped pie cgo static-pie}"

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)

# Hash of everything a build depends on besides the toolchain and flags.
src_hash=$(cd "$src" && sha256sum go.mod ./*.go "$here/build-workloads.sh" |
	sed "s|$here/||" | sha256sum | cut -d' ' -f1)

variant_env() {
	case $1 in
	plain) echo "CGO_ENABLED=0" ;;
	stripped) echo "CGO_ENABLED=0" ;;
	pie) echo "CGO_ENABLED=0" ;;
	cgo) echo "CGO_ENABLED=1" ;;
	static-pie) echo "CGO_ENABLED=1" ;;
	*) return 1 ;;
	esac
}

# One build flag per line.
variant_flags() {
	case $1 in
	plain) echo "" ;;
	stripped) echo "-ldflags=-s -w" ;;
	pie) echo "-buildmode=pie" ;;
	cgo) echo "-tags=cgo_variant" ;;
	static-pie) printf '%s\n' -buildmode=pie "-ldflags=-linkmode=external -extldflags=-static-pie" ;;
	*) return 1 ;;
	esac
}

toolchains=$("$here/fetch-go.sh" "${versions[@]}")
while read -r v goroot; do
	go=$goroot/bin/go
	goversion=$("$go" version)
	for variant in "${variants[@]}"; do
		if ! venv=$(variant_env "$variant"); then
			echo "build-workloads: unknown variant '$variant'" >&2
			exit 2
		fi
		[ "$variant:$v" != static-pie:1.19 ] || continue
		vflags=$(variant_flags "$variant")
		if [ "$src" = "$root/tests/workload" ]; then
			out=$cache/workloads/go$v/$variant exe=workload
		else
			out=$cache/workloads/$name/go$v/$variant exe=$name
		fi
		stamp="$src_hash $goversion $venv $vflags"
		if [ -x "$out/$exe" ] && [ -f "$out/stamp" ] &&
			[ "$(cat "$out/stamp")" = "$stamp" ]; then
			echo "$v $variant $out/$exe"
			continue
		fi
		mkdir -p "$out" "$cache/gocache" "$cache/gopath"
		tmp=$(mktemp "$out/.$exe.XXXXXX")
		args=(build -buildvcs=false -o "$tmp")
		while IFS= read -r f; do
			[ -z "$f" ] || args+=("$f")
		done <<<"$vflags"
		# Builds see no GOFLAGS or GOOS/GOARCH of the caller's, no network.
		if ! (cd "$src" && env -u GOFLAGS -u GOOS -u GOARCH -u GOROOT \
			GOTOOLCHAIN=local GOPROXY=off GO111MODULE=on \
			GOCACHE="$cache/gocache" GOPATH="$cache/gopath" "$venv" \
			"$go" "${args[@]}" .) >&2; then
			rm -f "$tmp"
			echo "build-workloads: go$v $variant: build failed" >&2
			exit 1
		fi
		mv -f "$tmp" "$out/$exe"
		echo "$stamp" >"$out/stamp"
		echo "$v $variant $out/$exe"
	done
done <<<"$toolchains"

#!/usr/bin/env bash
# Installs what gomemtrace needs to build and test, from Debian's packages
# only; idempotent (installs nothing when everything is there). Go toolchains
# for the tests and the demo come from scripts/fetch-go.sh, into a cache.
#
#   scripts/setup.sh          build, test and demo
#   scripts/setup.sh bench    also what make bench measures with
set -euo pipefail

packages=(
	make gcc libc6-dev binutils pkg-config
					# gcc: also test_buildmodes' -race and -asan
					# builds (cgo; gcc-12's libasan)
	git				# test_symbolize stamps vcs.revision
	clang llvm			# BPF programs: clang -target bpf, llvm-strip
	libclang-rt-14-dev		# make fuzz: libFuzzer and the sanitizer
					# runtimes of clang 14 (llvm-symbolizer: llvm);
					# test_buildmodes' -msan builds (clang's msan)
	libbpf-dev libelf-dev zlib1g-dev
	libdw-dev			# runtime layouts from the target's DWARF: elfutils
					# reads compressed DWARF, well kept; no parser of ours
	bpftool				# vmlinux.h and skeletons
	python3				# integration tests
	prometheus-node-exporter	# test_debian_service: a real Debian Go service
					# (stripped, cgo, go1.19); the test runs its own
	libmicrohttpd-dev		# --metrics: an HTTP/1.1 server with its own
					# polling thread, well kept; none of our own
	prometheus			# test_metrics: a real Prometheus scrapes --metrics
					# (promtool lints the exposition)
	ca-certificates
)
if [ "${1:-}" = bench ]; then
	packages+=(
		caddy			# a real Go HTTP service (Debian's go1.19 build)
		wrk			# its load, on loopback
	)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "gomemtrace: setup needs root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Packages installed for the tests (prometheus-node-exporter) must not
	# start services on the developer's host: policy-rc.d forbids it for the
	# duration of the install, unless the host has a policy of its own.
	policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	status=0
	{ apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 ||
		status=$?
	[ $own_policy = 0 ] || rm -f "$policy"
	exit $status
fi

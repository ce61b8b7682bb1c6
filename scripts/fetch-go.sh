#!/usr/bin/env bash
# Fetch Go toolchains from Debian's archive into a cache outside the repository.
#
#   scripts/fetch-go.sh [1.19 1.21 ...]      (default: the whole test matrix)
#
# Each toolchain is unpacked from golang-1.NN-go and golang-1.NN-src into
# $GOMEMTRACE_CACHE/go/1.NN (GOROOT is usr/lib/go-1.NN inside it). A private
# apt configuration (own sources, state and cache) leaves the system's apt
# sources untouched. Already fetched toolchains are reused. Prints, one per
# line, "1.NN GOROOT".
set -euo pipefail

cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)
mirror=${GOMEMTRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

aptdir=$cache/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$cache/go"
apt_opts=(
	-o "APT::Sandbox::User=root"
	-o "Dir::Etc::SourceList=$aptdir/sources.list"
	-o "Dir::Etc::SourceParts=/nonexistent"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache"
	-o "Dir::State::status=$aptdir/status"
	-o "APT::Get::List-Cleanup=0"
	-o "Debug::NoLocking=1"
	-o "Acquire::Languages=none"
)

goroot_of() { echo "$cache/go/$1/usr/lib/go-$1"; }

updated=0
apt_update() {
	[ $updated = 1 ] && return 0
	cat >"$aptdir/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
EOF
	: >"$aptdir/status"
	apt-get "${apt_opts[@]}" -q update >&2
	updated=1
}

for v in "${versions[@]}"; do
	root=$(goroot_of "$v")
	if [ ! -x "$root/bin/go" ]; then
		apt_update
		work=$(mktemp -d "$cache/go/.fetch-$v.XXXXXX")
		(cd "$work" && apt-get "${apt_opts[@]}" -q download \
			"golang-$v-go" "golang-$v-src" >&2)
		for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/tree"; done
		rm -rf "${cache:?}/go/$v"
		mv "$work/tree" "$cache/go/$v"
		rm -rf "$work"
	fi
	"$root/bin/go" version >/dev/null
	echo "$v $root"
done

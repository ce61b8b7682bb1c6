#!/usr/bin/env bash
# Runs each fuzz harness (build-fuzz/fuzz_*, `make fuzz-build`) for
# FUZZ_SECONDS (default 120) on the seed corpora of tests/fuzz/corpus.sh plus
# its own growing corpus and the committed regression inputs, one harness
# after the other, at low priority. Prints the executions of each and ends
# with the total; exits 1 if any harness found a crash, leak or timeout (the
# input is saved in fuzz-corpus/artifacts: reduce it, fix the parser, commit
# it under tests/fuzz/regressions/HARNESS/).
#
#   tests/fuzz/run.sh [HARNESS...]       (default: all; e.g. fuzz_pclntab)
#
# FUZZ_SEEDS=synthetic uses only the small synthetic seeds (more executions
# per second); FUZZ_FLAGS adds libFuzzer flags. With the real binaries,
# -max_len is the largest of them and -len_control=0: by default libFuzzer
# would cut inputs to 1 MiB and mutate only short prefixes of them for a
# long while, never reaching the tables of a real Go binary.
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=${FUZZ_SECONDS:-120}
cache=${GOMEMTRACE_CACHE:-/var/cache/gomemtrace}
corpus=$cache/fuzz-corpus
mapfile -t seed_dirs < <(tests/fuzz/corpus.sh ${FUZZ_SEEDS:-}) || exit 1
mkdir -p "$corpus/artifacts" "$corpus/logs"
len_flags=()
if [ ${#seed_dirs[@]} -gt 1 ]; then
	max_len=$(find "${seed_dirs[@]}" -type f -printf '%s\n' | sort -n | tail -1)
	len_flags=(-max_len="$max_len" -len_control=0)
fi

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
	for b in build-fuzz/fuzz_*; do
		[ -x "$b" ] && harnesses+=("$(basename "$b")")
	done
fi

total=0
failed=0
for h in "${harnesses[@]}"; do
	mkdir -p "$corpus/$h"
	regress=()
	[ -d "tests/fuzz/regressions/$h" ] && regress=("tests/fuzz/regressions/$h")
	log=$corpus/logs/$h.log
	# shellcheck disable=SC2086
	nice -n 10 "build-fuzz/$h" -max_total_time="$seconds" -timeout=25 \
		-rss_limit_mb=2048 -print_final_stats=1 "${len_flags[@]}" \
		-artifact_prefix="$corpus/artifacts/$h-" ${FUZZ_FLAGS:-} \
		"$corpus/$h" "${seed_dirs[@]}" "${regress[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	execs=${execs:-0}
	total=$((total + execs))
	if [ $rc -eq 0 ]; then
		echo "$h: $execs executions in $seconds s"
	else
		failed=1
		echo "$h: FAILED after $execs executions (exit $rc), see $log:"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 | sed 's/^/    /'
	fi
done
echo "total: $total executions"
exit $failed

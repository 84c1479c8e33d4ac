#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the libFuzzer targets: first every input of each corpus (the seeds and
# whatever earlier runs kept), then FUZZ_SECONDS of new inputs each, with its
# dictionary. A crash, a sanitizer report, a leak or a timeout fails the
# target; the input that did it is left in build/fuzz/ to replay. Prints
# PASS/FAIL per target and "N passed, N failed".
#
# usage: fuzz.sh BUILD_DIR SECONDS TARGET...
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$1
SECONDS_EACH=$2
shift 2
pass=0
fail=0

for t in "$@"; do
	name=${t#fuzz_}
	corpus=$TOP/tests/fuzz/corpus/$name
	work=$BUILD/fuzz/$name.corpus
	mkdir -p "$work"
	echo "--- $t: replay $(ls "$corpus" | wc -l) seeds, then ${SECONDS_EACH}s"
	if "$BUILD/fuzz/$t" -runs=0 "$corpus" >"$BUILD/fuzz/$t.replay.log" 2>&1 &&
		"$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=1024 \
			-dict="$TOP/tests/fuzz/$name.dict" -artifact_prefix="$BUILD/fuzz/$t-" \
			-print_final_stats=1 "$work" "$corpus" >"$BUILD/fuzz/$t.log" 2>&1; then
		echo "    $(grep -m1 'stat::number_of_executed_units' "$BUILD/fuzz/$t.log" |
			awk '{print $2}') inputs, no finding"
		echo "PASS $t"
		pass=$((pass + 1))
	else
		tail -30 "$BUILD/fuzz/$t.replay.log" "$BUILD/fuzz/$t.log" 2>/dev/null | sed 's/^/    /'
		echo "FAIL $t"
		fail=$((fail + 1))
	fi
done
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

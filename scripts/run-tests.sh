#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run test binaries and scripts, print each one's own output, and end with
# one line for all of them: "N passed, N failed". A binary that dies before
# its summary counts as one failure. Exit 1 if anything failed.
set -u

passed=0
failed=0
for t in "$@"; do
	echo "== $t"
	out=$(mktemp)
	"$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s), ..."
	# our shell suites: "N passed, N failed"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]\+\) test.*/\1/p' "$out" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]\+\) test.*/\1/p' "$out" | tail -n1)
	if [ -z "$p" ]; then
		p=$(sed -n 's/^\([0-9]\+\) passed, [0-9]\+ failed.*/\1/p' "$out" | tail -n1)
		f=$(sed -n 's/^[0-9]\+ passed, \([0-9]\+\) failed.*/\1/p' "$out" | tail -n1)
	fi
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "!! $t exited with status $rc before reporting a failure"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
done
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

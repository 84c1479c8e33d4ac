#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh's health-check and control-socket tests again, with the xlbd built
# with AddressSanitizer and UBSan (make san-tests: build/san/xlbd): every
# kind of check against real servers that stop, fail and come back, and bad
# control clients. Any sanitizer report fails, besides the tests' own
# verdicts. Prints "N passed, N failed" (run.sh's tests, and one for the
# reports).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
SAN_XLBD=$BUILD/san/xlbd
REPORTS=$(mktemp -d /tmp/xlb-san.XXXXXX)
trap 'rm -rf "$REPORTS"' EXIT

TESTS="test_every_check_kind_finds_the_lab_healthy
test_stopped_server_goes_down_within_the_bound_and_traffic_moves
test_restarted_server_comes_back_after_rise_with_slow_start
test_http_check_takes_a_backend_answering_500_out
test_exec_check_follows_the_command_exit_status
test_udp_check_takes_a_silent_backend_out
test_https_check_sends_sni_and_verifies_only_when_asked
test_on_all_down_keep_forwards_and_drop_drops
test_control_socket_survives_bad_clients
test_cli_changes_show_in_the_maps_and_in_forwarding
test_bad_config_on_reload_is_refused_and_traffic_continues"

echo "== san: run.sh's health-check and control tests with $SAN_XLBD"
[ -x "$SAN_XLBD" ] || { echo "$SAN_XLBD is missing (make san-tests)"; echo "0 passed, 1 failed"; exit 1; }

out=$(XLBD=$SAN_XLBD E2E_ONLY="$(echo $TESTS)" \
	ASAN_OPTIONS=detect_leaks=0:log_path=$REPORTS/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan \
	"$TOP/tests/e2e/run.sh" 2>&1)
# run.sh's summary is ours to add to, not a second summary line
sed 's/^\([0-9]\+\) passed, \([0-9]\+\) failed$/run.sh: \1 passed, \2 failed/' <<<"$out"
p=$(sed -n 's/^\([0-9]\+\) passed, [0-9]\+ failed$/\1/p' <<<"$out" | tail -1)
f=$(sed -n 's/^[0-9]\+ passed, \([0-9]\+\) failed$/\1/p' <<<"$out" | tail -1)
p=${p:-0}
f=${f:-1}
echo "--- test_no_sanitizer_report"
if [ -n "$(ls -A "$REPORTS")" ]; then
	head -40 "$REPORTS"/*
	echo "FAIL test_no_sanitizer_report"
	f=$((f + 1))
else
	echo "    no ASan or UBSan report from $(wc -w <<<"$TESTS") tests"
	echo "PASS test_no_sanitizer_report"
	p=$((p + 1))
fi
echo
echo "$p passed, $f failed"
[ "$f" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# xlbd under a service manager, end to end: what it tells systemd through
# NOTIFY_SOCKET (READY once traffic flows, STATUS, RELOADING, WATCHDOG from
# the event loop, STOPPING), read from a socket of our own
# (notify_listen.py), and xlbd run with no capabilities but those of
# xlbd.service's CapabilityBoundingSet. A lab of its own (prefix xlbs, two
# backends). Prints PASS/FAIL per test and "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbs
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-svc.XXXXXX)
CFG=$WORK/xlb.yaml
SOCK=/run/xlb/svc.sock
PINS=/sys/fs/bpf/xlb-svc
LOG=$WORK/xlbd.log
NOTIFY=$WORK/notify.sock
NOTES=$WORK/notify.log
UNIT=$TOP/scripts/systemd/xlbd.service.in
LISTENER=

[ "$(id -u)" -eq 0 ] || { echo "service: needs root"; echo "0 passed, 1 failed"; exit 1; }

. "$TOP/tests/e2e/lib.sh"

cleanup() {
	[ -n "$XLBD_PID" ] && kill -CONT "$XLBD_PID" 2>/dev/null && kill "$XLBD_PID" 2>/dev/null
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	sleep 0.2
	[ -e "$PINS" ] && lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$PINS" "$WORK" "$SOCK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

web() { client curl -s -m 2 http://10.111.1.100/; }

# Listen as a service manager would, then start xlbd told so ($1: the
# watchdog interval in µs, or 0). Extra words go before xlbd (setpriv ...).
svc_start() {
	local wd=$1
	shift
	# what a failed test left running
	[ -n "$XLBD_PID" ] && svc_stop
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	rm -f "$NOTIFY"
	: >"$NOTES"
	python3 "$TOP/tests/e2e/notify_listen.py" "$NOTIFY" "$NOTES" \
		--on-ready "ip netns exec $P-client curl -s -m 2 http://10.111.1.100/" &
	LISTENER=$!
	for _ in $(seq 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done
	if [ "$wd" -gt 0 ]; then
		NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=$wd nsenter --net=/run/netns/$P-lb "$@" \
			"$BUILD/xlbd" -f -c "$CFG" >>"$LOG" 2>&1 &
	else
		NOTIFY_SOCKET=$NOTIFY nsenter --net=/run/netns/$P-lb "$@" \
			"$BUILD/xlbd" -f -c "$CFG" >>"$LOG" 2>&1 &
	fi
	XLBD_PID=$!
}

svc_stop() {
	kill -CONT "$XLBD_PID" 2>/dev/null
	kill "$XLBD_PID" 2>/dev/null
	wait "$XLBD_PID" 2>/dev/null
	XLBD_PID=
}

# Wait (up to $2 s, default 10) for a line of the notify log matching the regex $1.
note_wait() {
	local t=$((${2:-10} * 10))
	for _ in $(seq "$t"); do
		grep -qE "$1" "$NOTES" && return 0
		sleep 0.1
	done
	say "no \"$1\" from xlbd; it sent:"
	sed 's/^/      /' "$NOTES" | tail -15
	return 1
}

# Seconds (of the listener's clock) of the last line matching $1.
note_time() { grep -E "$1" "$NOTES" | tail -1 | awk '{print $1}'; }

# How many lines match $1 with a time in [$2, $3).
note_count() {
	awk -v a="$2" -v b="$3" -v re="$1" '$0 ~ re && $1 >= a && $1 < b {n++} END {print n + 0}' "$NOTES"
}

now() { awk '{print $1}' <<<"$(tail -1 "$NOTES")"; }

# ---- tests --------------------------------------------------------------------

test_ready_is_sent_once_traffic_to_the_vips_flows() {
	local line mainpid t CFG=$WORK/dead-nexthop.yaml
	# no neighbour entries: READY waits for the backends' MACs, and for a
	# next hop that never answers (10.111.0.99) until its ARP gives up or
	# 3 s pass, whichever comes first
	cp "$TOP/tests/e2e/service.yaml" "$CFG"
	printf '      - address: 10.111.0.99\n' >>"$CFG"
	ip -n "$P-lb" neigh flush all
	svc_start 0
	note_wait '^[0-9.]+ READY=1$' || return 1
	note_wait 'on-ready' 5 || return 1
	line=$(grep on-ready "$NOTES")
	t=$(note_time ' READY=1$')
	say "READY=1 at $t s; at that moment a request to the VIP: $line"
	[[ $line =~ on-ready\ rc=0\ be[12]$ ]] || { say "the VIP did not answer at READY"; return 1; }
	awk -v t="$t" 'BEGIN {exit !(t >= 2.0 && t <= 6.0)}' ||
		{ say "READY=1 came before the next hops were known"; return 1; }
	mainpid=$(sed -n 's/^[0-9.]* MAINPID=//p' "$NOTES" | head -1)
	[ "$mainpid" = "$XLBD_PID" ] || { say "MAINPID $mainpid, xlbd is $XLBD_PID"; return 1; }
	sleep 1.5
	[ "$(grep -c ' READY=1$' "$NOTES")" -eq 1 ] || { say "READY=1 sent more than once"; return 1; }
	svc_stop
}

test_status_says_what_is_served_and_follows_health() {
	svc_start 0
	note_wait '^[0-9.]+ READY=1$' || return 1
	note_wait 'STATUS=2 vips on eth0, 4 of 4 backends serving$' || return 1
	echo 500 >"/run/xlb-lab/$P/be2.health"
	note_wait 'STATUS=2 vips on eth0, 3 of 4 backends serving$' 5 || return 1
	rm -f "/run/xlb-lab/$P/be2.health"
	note_wait 'STATUS=2 vips on eth0, 4 of 4 backends serving$' 5 || return 1
	grep STATUS "$NOTES" | sed 's/^/    /'
	svc_stop
}

test_watchdog_pings_come_from_the_loop_and_stop_when_it_hangs() {
	local t0 t1 n n0 out
	svc_start 1000000
	note_wait '^[0-9.]+ READY=1$' || return 1
	sleep 3
	t1=$(now)
	t0=$(awk -v t="$t1" 'BEGIN {print t - 2.9}')
	n=$(note_count 'WATCHDOG=1' "$t0" "$t1")
	say "WATCHDOG_USEC=1000000: $n pings in 2.9 s"
	[ "$n" -ge 4 ] && [ "$n" -le 8 ] || return 1
	# a hung xlbd: no pings, so systemd would restart it; traffic still flows
	kill -STOP "$XLBD_PID"
	sleep 0.3 # (a ping sent just before lands)
	n0=$(grep -c WATCHDOG "$NOTES")
	sleep 2.5
	out=$(web)
	n=$(grep -c WATCHDOG "$NOTES")
	kill -CONT "$XLBD_PID"
	say "stopped for 2.5 s: $((n - n0)) pings meanwhile; a request answered by \"$out\""
	[ "$n" -eq "$n0" ] || return 1
	[[ $out == be[12] ]] || return 1
	sleep 1.5
	[ "$(grep -c WATCHDOG "$NOTES")" -gt "$n" ] || { say "no ping after SIGCONT"; return 1; }
	svc_stop
}

test_reload_says_reloading_then_ready_and_a_refused_one_says_nothing() {
	local out n
	svc_start 0
	note_wait '^[0-9.]+ READY=1$' || return 1
	out=$(ctl reload) || { say "reload: $out"; return 1; }
	note_wait 'RELOADING=1' 3 || return 1
	grep -A3 RELOADING "$NOTES" | grep -q ' READY=1$' || { say "no READY=1 after it"; return 1; }
	grep -qE '^[0-9.]+ MONOTONIC_USEC=[0-9]+$' "$NOTES" || { say "no MONOTONIC_USEC"; return 1; }
	n=$(wc -l <"$NOTES")
	cp "$CFG" "$WORK/good.yaml"
	echo "bogus_key: 1" >>"$CFG"
	out=$(ctl reload 2>&1)
	say "a reload of a broken file: $out"
	cp "$WORK/good.yaml" "$CFG"
	sleep 0.5
	[ "$(tail -n +"$((n + 1))" "$NOTES" | grep -c RELOADING)" -eq 0 ] ||
		{ say "RELOADING=1 sent for a refused reload"; return 1; }
	svc_stop
}

test_status_names_the_daemons_and_the_programs_version() {
	local out
	svc_start 0
	note_wait '^[0-9.]+ READY=1$' || return 1
	out=$(ctl status | grep -E '^xlbd |program  ')
	say "$out"
	# xlb_build, read back from the attached program's .rodata
	[[ $out == *"loaded by xlbd $("$BUILD/xlbd" --version | cut -d' ' -f2)"* ]] || return 1
	[[ $out != *"not this xlbd"* ]]
}

test_sigterm_says_stopping_and_the_program_stays() {
	svc_start 0
	note_wait '^[0-9.]+ READY=1$' || return 1
	kill "$XLBD_PID"
	wait "$XLBD_PID"
	say "xlbd exited with $?"
	XLBD_PID=
	note_wait 'STOPPING=1' 3 || return 1
	[[ $(web) == be[12] ]] || { say "the VIP stopped answering"; return 1; }
}

# The capabilities a unit ($1, default xlbd.service's) leaves its program, as
# setpriv's list (+sys_admin,+net_admin).
unit_caps() {
	sed -n 's/^CapabilityBoundingSet=//p' "${1:-$UNIT}" | tr 'A-Z' 'a-z' |
		sed 's/cap_/+/g; s/ /,/g'
}

test_xlbd_runs_with_only_the_units_capabilities() {
	local caps eff out
	caps=$(unit_caps)
	say "CapabilityBoundingSet: $caps"
	# from nothing: load, pin, attach; then a restart that adopts; then a detach
	lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	svc_start 0 setpriv --bounding-set=-all,"$caps" --inh-caps=-all
	note_wait '^[0-9.]+ READY=1$' || { tail -5 "$LOG"; return 1; }
	eff=$(awk '/^CapEff/ {print $2}' "/proc/$XLBD_PID/status")
	say "xlbd's effective capabilities: $(capsh --decode="$eff" 2>/dev/null || echo "$eff")"
	[[ $(web) == be[12] ]] || { say "no answer from the VIP"; return 1; }
	out=$(ctl reload) || { say "reload: $out"; return 1; }
	svc_stop
	svc_start 0 setpriv --bounding-set=-all,"$caps" --inh-caps=-all
	note_wait '^[0-9.]+ READY=1$' || { tail -5 "$LOG"; return 1; }
	grep -q "kept program" "$LOG" || { say "the restart did not keep the program"; return 1; }
	out=$(ctl detach --yes) || { say "detach: $out"; return 1; }
	wait "$XLBD_PID"
	XLBD_PID=
	[ ! -e "$PINS/xlb_vips" ] || { say "detach left the pins"; return 1; }
	out=$(ip -n "$P-lb" link show eth0)
	[[ $out != *" xdp"* ]] || { say "detach left the program"; return 1; }
}

# Without CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON do not do: libxdp's attach
# crashed, and the rings could not be read back. xlbd must say so and stop.
test_xlbd_without_cap_sys_admin_stops_at_once_and_says_why() {
	local out rc
	out=$(timeout 10 nsenter --net=/run/netns/$P-lb setpriv \
		--bounding-set=-all,+bpf,+perfmon,+net_admin,+net_raw --inh-caps=-all \
		"$BUILD/xlbd" -f -c "$CFG" 2>&1)
	rc=$?
	say "with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW: exit $rc: $(tail -1 <<<"$out")"
	[ "$rc" -eq 1 ] && [[ $out == *"missing capability CAP_SYS_ADMIN"* ]] &&
		[ ! -e "$PINS/xlb_vips" ]
}

test_xlb_decap_works_with_only_its_units_capabilities() {
	local caps out
	caps=$(unit_caps "$TOP/scripts/systemd/xlb-decap@.service.in")
	be1() { nsenter --net=/run/netns/$P-be1 setpriv --bounding-set=-all,"$caps" --inh-caps=-all \
		"$BUILD/xlb-decap" "$@" 2>&1; }
	out=$(be1 attach eth0) || { say "attach: $out"; return 1; }
	say "$out"
	out=$(be1 status eth0) || { say "status: $out"; return 1; }
	out=$(be1 detach eth0) || { say "detach: $out"; return 1; }
	say "$out"
	out=$(ip -n "$P-be1" link show eth0)
	[[ $out != *" xdp"* ]] || { say "a program was left on eth0"; return 1; }
	# and without CAP_SYS_ADMIN it says so, rather than crash in libxdp
	out=$(nsenter --net=/run/netns/$P-be1 setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin \
		--inh-caps=-all "$BUILD/xlb-decap" attach eth0 2>&1)
	say "without CAP_SYS_ADMIN: exit $?: $out"
	[[ $out == *"missing capability CAP_SYS_ADMIN"* ]]
}

# ---- main ----------------------------------------------------------------------

echo "== service: lab $P with 2 backends, xlbd told a NOTIFY_SOCKET"
"$TOP/scripts/lab.sh" up -n 2 || { echo "0 passed, 1 failed"; exit 1; }
cp "$TOP/tests/e2e/service.yaml" "$CFG"

run_test test_ready_is_sent_once_traffic_to_the_vips_flows
run_test test_status_says_what_is_served_and_follows_health
run_test test_watchdog_pings_come_from_the_loop_and_stop_when_it_hangs
run_test test_reload_says_reloading_then_ready_and_a_refused_one_says_nothing
run_test test_status_names_the_daemons_and_the_programs_version
run_test test_sigterm_says_stopping_and_the_program_stays
run_test test_xlbd_runs_with_only_the_units_capabilities
run_test test_xlbd_without_cap_sys_admin_stops_at_once_and_says_why
run_test test_xlb_decap_works_with_only_its_units_capabilities

if [ "$fail" -ne 0 ]; then
	echo "--- xlbd log (last 30 lines)"
	tail -30 "$LOG"
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

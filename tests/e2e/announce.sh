#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# Announcing VIPs: xlbd keeps one route per VIP address in table 200
# (protocol 249) while the VIP has min_healthy backends in its ring; a
# real BIRD on the load balancer learns them from the table and announces
# them over BGP to a real BIRD in the client's namespace (the router). Hold
# down, host drain, withdraw before detach, kill -9 without a flap, and ring
# fingerprints compared across runs. A lab of its own (prefix xlba, two
# backends). Prints PASS/FAIL per test and "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlba
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-ann.XXXXXX)
CFG=$WORK/xlb.yaml
SOCK=/run/xlb/ann.sock
PINS=/sys/fs/bpf/xlb-ann
LOG=$WORK/xlbd.log
BIRDS=()
MONITOR=

[ "$(id -u)" -eq 0 ] || { echo "announce: needs root"; echo "0 passed, 1 failed"; exit 1; }

. "$TOP/tests/e2e/lib.sh"

cleanup() {
	[ -n "$MONITOR" ] && kill "$MONITOR" 2>/dev/null
	for b in "${BIRDS[@]}"; do kill "$b" 2>/dev/null; done
	[ -n "$XLBD_PID" ] && kill "$XLBD_PID" 2>/dev/null
	sleep 0.3
	[ -e "$PINS" ] && lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	ip -n "$P-lb" route flush table 200 2>/dev/null
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1
	[ -e /sys/fs/bpf/xlb-ann2 ] && lbns "$BUILD/xlbd" -c "$WORK/second.yaml" --detach >/dev/null 2>&1
	ip -n "$P-lb" route flush table 201 2>/dev/null
	rm -rf "$PINS" /sys/fs/bpf/xlb-ann2 "$WORK" "$SOCK" /run/xlb/drained-*xlb*ann*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

routes() { ip -n "$P-lb" route show table 200 2>/dev/null; }
routes6() { ip -n "$P-lb" -6 route show table 200 2>/dev/null; }
# wait up to $2 s (default 10) for the table to hold ($3 = 1) or not hold ($3 = 0) $1
route_wait() {
	local i
	for i in $(seq $((${2:-10} * 20))); do
		if [[ $(routes; routes6) == *"$1 "* ]]; then [ "$3" = 1 ] && return 0
		else [ "$3" = 0 ] && return 0; fi
		sleep 0.05
	done
	return 1
}
why() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["vip"]["announce"]["why"])' "$(ctl -j vip show "$1")"; }
mono() { awk '{print $1}' /proc/uptime; }

# ---- tests --------------------------------------------------------------------

test_vips_are_announced_after_hold_down_with_our_protocol() {
	local t0 t1 out
	t0=$(mono)
	xlbd_start || return 1
	route_wait 10.111.1.100 10 1 || { say "web never announced: $(routes)"; return 1; }
	t1=$(mono)
	out=$(routes)
	say "table 200: $(tr '\n' ';' <<<"$out") after $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
	[[ $out == *"blackhole 10.111.1.100 proto 249"* ]] || return 1
	# not before hold_down (2 s) has passed
	awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b - a >= 2.0)}' || { say "announced before hold_down"; return 1; }
	route_wait fd11:1::100 5 1 || { say "web6 not announced: $(routes6)"; return 1; }
	route_wait 10.111.1.101 5 1 || return 1
	[ "$(why web)" = announced ] || { say "vip show web: $(why web)"; return 1; }
	ctl status | grep -E "announce" | sed 's/^/    /'
	# the host's own forwarding is untouched: the main table has no such route
	[[ $(ip -n "$P-lb" route show table main) != *"10.111.1.100"* ]]
}

test_a_vip_under_min_healthy_is_withdrawn_and_comes_back_after_hold_down() {
	local t0 t1 w
	# api needs 2 healthy backends: one failing withdraws it, web stays
	echo 500 >"/run/xlb-lab/$P/be2.health"
	route_wait 10.111.1.101 5 0 || { say "api not withdrawn"; return 1; }
	w=$(why api)
	say "api: $w; web: $(why web)"
	[[ $w == "too few healthy backends (1 of 2 needed)" ]] || return 1
	route_wait 10.111.1.100 1 1 || { say "web withdrawn too"; return 1; }
	# t0 before the recovery: however late the shell runs, t1 - t0 >= hold-down
	t0=$(mono)
	rm -f "/run/xlb-lab/$P/be2.health"
	sleep 0.8
	# asked once: a second look on a loaded machine may come after the hold-down
	w=$(why api)
	say "api, as be2 recovers: $w"
	[[ $w == "held down"* ]] || return 1
	route_wait 10.111.1.101 5 1 || return 1
	t1=$(mono)
	say "api announced again $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s after be2 recovered"
	awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b - a >= 1.8)}'
}

# --dry-run names the routes a change would withdraw; the change then does
test_a_dry_run_names_the_routes_a_change_would_withdraw() {
	local out st rc=0
	route_wait 10.111.1.101 6 1 || { say "api not announced to begin with"; return 1; }
	# api needs 2 healthy backends: one drained withdraws it
	out=$(ctl -j backend set api 10.111.0.12 state drain --dry-run); st=$?
	say "drain in api: exit $st, routes withdrawn: $(jget "$out" disruption routes_withdrawn)"
	[ "$st" -eq 5 ] && [ "$(jget "$out" disruption routes_withdrawn 0)" = 10.111.1.101 ] || rc=1
	# web needs 1: the same drain there withdraws nothing, cuts nothing
	out=$(ctl -j backend set web 10.111.0.12 state drain --dry-run); st=$?
	say "drain in web: exit $st, routes withdrawn: $(jget "$out" disruption routes_withdrawn)"
	[ "$st" -eq 0 ] && [ "$(jget "$out" disruption routes_withdrawn)" = "[]" ] || rc=1
	route_wait 10.111.1.101 1 1 || { say "a dry run withdrew api"; rc=1; }
	ctl backend set api 10.111.0.12 state drain >/dev/null || rc=1
	route_wait 10.111.1.101 5 0 || { say "api not withdrawn by the drain"; rc=1; }
	route_wait 10.111.1.100 1 1 || { say "web withdrawn too"; rc=1; }
	ctl backend set api 10.111.0.12 state up >/dev/null || rc=1
	route_wait 10.111.1.101 6 1 || { say "api not back"; rc=1; }
	return $rc
}

test_every_backend_failing_withdraws_the_vip() {
	local rc=0
	echo 500 >"/run/xlb-lab/$P/be1.health"
	echo 500 >"/run/xlb-lab/$P/be2.health"
	# (on_all_down: keep forwards to them all anyway; announcing counts health)
	route_wait 10.111.1.100 5 0 || { say "web not withdrawn: $(routes)"; rc=1; }
	say "web: $(why web)"
	rm -f "/run/xlb-lab/$P/be1.health" "/run/xlb-lab/$P/be2.health"
	route_wait 10.111.1.100 6 1 && route_wait 10.111.1.101 6 1 && return $rc
}

test_host_drain_withdraws_everything_keeps_forwarding_and_survives_a_restart() {
	local out
	ctl host drain >/dev/null || return 1
	route_wait 10.111.1.100 3 0 && route_wait 10.111.1.101 3 0 || { say "left: $(routes)"; return 1; }
	[ -z "$(routes; routes6)" ] || { say "left: $(routes; routes6)"; return 1; }
	say "drained: $(why web)"
	# what still arrives is still served
	out=$(client curl -s -m 2 http://10.111.1.100/) && [[ $out == be* ]] || { say "curl: $out"; return 1; }
	# an upgrade (restart) keeps the host drained
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	xlbd_start || return 1
	sleep 3
	[ -z "$(routes)" ] || { say "a restart announced a drained host: $(routes)"; return 1; }
	ctl status | grep -E "announce" | sed 's/^/    /'
	ctl host undrain >/dev/null || return 1
	[[ $(why web) == "held down"* ]] || { say "after undrain: $(why web)"; return 1; }
	route_wait 10.111.1.100 5 1
}

test_kill_9_and_a_restart_never_remove_a_route() {
	local dels
	route_wait 10.111.1.100 5 1 || return 1
	ip -n "$P-lb" monitor route >"$WORK/routes.mon" 2>&1 &
	MONITOR=$!
	sleep 0.3
	kill -9 "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	[[ $(routes) == *10.111.1.100* ]] || { say "the route went with xlbd"; return 1; }
	xlbd_start || return 1
	sleep 3
	kill "$MONITOR"; wait "$MONITOR" 2>/dev/null; MONITOR=
	dels=$(grep -c "^Deleted.*table 200" "$WORK/routes.mon")
	say "route changes in table 200 across kill -9 and restart: $(grep -c 'table 200' "$WORK/routes.mon") ($dels deletions)"
	grep "table 200" "$WORK/routes.mon" | sed 's/^/      /'
	[ "$dels" -eq 0 ] && [[ $(routes) == *10.111.1.100* ]] || return 1
	grep -q "3 routes of ours adopted" "$LOG" || { say "no adoption in the log"; return 1; }
}

# BIRD on the lb learns table 200 and speaks BGP to a BIRD in the client's
# namespace, the router: the router's table gets the VIPs via the lb.
bird_start() {
	local ns=$1 conf=$2
	ip netns exec "$ns" bird -f -c "$conf" -s "$WORK/$ns.ctl" -P "$WORK/$ns.pid" \
		>"$WORK/$ns.bird.log" 2>&1 &
	BIRDS+=($!)
}
birdc_in() { birdc -s "$WORK/$1.ctl" "${@:2}"; }

test_bird_learns_the_routes_and_the_router_gets_them_over_bgp() {
	local out
	cat >"$WORK/lb.conf" <<EOC
router id 10.111.0.1;
protocol device { scan time 2; }
ipv4 table xlb4;
protocol kernel xlb_routes {
	kernel table 200;
	learn;
	scan time 1;
	ipv4 { table xlb4; import all; export none; };
}
protocol bgp uplink {
	local 10.111.0.1 as 65001;
	neighbor 10.111.0.2 as 65000;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv4 { table xlb4; import none; export all; next hop self; };
}
EOC
	cat >"$WORK/client.conf" <<EOC
router id 10.111.0.2;
protocol device { scan time 2; }
protocol bgp lb1 {
	local 10.111.0.2 as 65000;
	neighbor 10.111.0.1 as 65001;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv4 { import all; export none; };
}
EOC
	bird_start "$P-lb" "$WORK/lb.conf"
	bird_start "$P-client" "$WORK/client.conf"
	for _ in $(seq 100); do
		out=$(birdc_in "$P-client" show route 10.111.1.100/32 2>&1)
		[[ $out == *"10.111.0.1"* ]] && break
		sleep 0.2
	done
	say "the router: $(grep -E '10.111.1.100' <<<"$out" | head -1 | tr -s ' ')"
	[[ $out == *"10.111.1.100/32"*"10.111.0.1"* ]] || { say "router's view: $out"; say "lb: $(birdc_in "$P-lb" show route all 2>&1 | head -20)"; return 1; }
	# drained: the router loses it; undrained: it comes back
	ctl host drain >/dev/null
	for _ in $(seq 50); do
		out=$(birdc_in "$P-client" show route 10.111.1.100/32 2>&1)
		[[ $out != *"10.111.1.100/32"* ]] && break
		sleep 0.2
	done
	[[ $out != *"10.111.1.100/32"* ]] || { say "still at the router after drain: $out"; return 1; }
	say "after host drain the router has no route to 10.111.1.100"
	ctl host undrain >/dev/null
	for _ in $(seq 60); do
		out=$(birdc_in "$P-client" show route 10.111.1.100/32 2>&1)
		[[ $out == *"10.111.1.100/32"* ]] && break
		sleep 0.2
	done
	[[ $out == *"10.111.1.100/32"* ]] || { say "not back at the router: $out"; return 1; }
	say "after undrain and hold_down it is back"
}

test_fingerprints_are_stable_and_compare_names_the_vip_that_differs() {
	local a b out
	ctl -j vip list >"$WORK/a.json"
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	xlbd_start || return 1
	ctl -j vip list >"$WORK/b.json"
	out=$(ctl compare "$WORK/a.json" "$SOCK") || { say "a restart changed a ring: $out"; return 1; }
	say "$(head -1 <<<"$out")"
	ctl vip show web | grep fingerprint | sed 's/^/    /'
	ctl backend set api 10.111.0.12 weight 50 >/dev/null || return 1
	out=$(ctl compare "$WORK/b.json" "$SOCK")
	[ $? -eq 1 ] || { say "compare did not fail: $out"; return 1; }
	sed 's/^/    /' <<<"$out"
	[[ $out == *"vip api differs"* && $out != *"vip web differs"* ]] || return 1
	ctl backend set api 10.111.0.12 weight 100 >/dev/null
	ctl compare "$WORK/b.json" "$SOCK" >/dev/null || { say "weight back, rings still differ"; return 1; }
}

# A second instance on the same host: refused the first one's table (which it
# would have emptied of routes it has no VIP for), and side by side in a
# table of its own; its detach takes its routes and leaves the first one's.
test_a_second_instance_is_refused_our_table_and_announces_in_its_own() {
	local cfg=$WORK/second.yaml out rc pid
	route_wait 10.111.1.100 5 1 || return 1
	cat >"$cfg" <<-YAML
	interface: eth1
	xdp_mode: native
	pin_path: /sys/fs/bpf/xlb-ann2
	control_socket: /run/xlb/ann2.sock
	max_flows: 65536
	announce:
	  table: 200
	  hold_down: 0s
	  withdraw_delay: 0s
	vips:
	  - name: other
	    address: 10.111.2.100
	    port: 80
	    backends:
	      - address: 10.111.5.2
	YAML
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" 2>&1)
	rc=$?
	say "table 200: exit $rc: $(grep 'announce: table' <<<"$out")"
	[ $rc -ne 0 ] && [[ $out == *"table 200 holds the routes of the xlb instance with pin_path $PINS"* ]] ||
		return 1
	[[ $(routes) == *10.111.1.100* ]] || { say "the first instance's route went"; return 1; }
	sed -i 's/table: 200/table: 201/' "$cfg"
	lbns "$BUILD/xlbd" -f -c "$cfg" >>"$WORK/second.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[[ $(ip -n "$P-lb" route show table 201) == *10.111.2.100* ]] && break
		sleep 0.1
	done
	sleep 2.5 # each has looked at its table again
	say "table 200: $(routes | tr '\n' ' ')| table 201: $(ip -n "$P-lb" route show table 201 | tr '\n' ' ')"
	[[ $(ip -n "$P-lb" route show table 201) == *10.111.2.100* ]] || return 1
	[[ $(routes) == *10.111.1.100* && $(routes) != *10.111.2.100* ]] || return 1
	out=$("$BUILD/xlbctl" -s /run/xlb/ann2.sock detach --yes 2>&1) || { say "$out"; return 1; }
	wait "$pid"
	[ -z "$(ip -n "$P-lb" route show table 201)" ] || { say "table 201 kept its routes"; return 1; }
	[[ $(routes) == *10.111.1.100* ]]
}

# ip route flush table 200 by someone else: the routes come back.
test_routes_someone_removes_are_put_back() {
	route_wait 10.111.1.100 5 1 || return 1
	ip -n "$P-lb" route flush table 200
	route_wait 10.111.1.100 5 1 || { say "not put back"; return 1; }
	say "$(grep 'by someone else' "$LOG" | tail -1)"
}

# Routes outlive xlbd by design, never the data plane or the file's word: a
# restart with announce: removed empties the table; xlbd --detach (no daemon)
# removes the routes and the drain mark with the pins.
test_routes_go_with_the_announce_section_and_with_an_offline_detach() {
	local noann=$WORK/noann.yaml mark out rc
	route_wait 10.111.1.100 5 1 || return 1
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	sed '/^announce:/,/^  withdraw_delay:/d; /announce_min_healthy:/d' "$CFG" >"$noann"
	nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$noann" >>"$LOG" 2>&1 &
	XLBD_PID=$!
	for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
	ctl status >/dev/null || { say "xlbd did not start without announce:"; return 1; }
	say "restarted without announce: table 200: '$(routes; routes6)'"
	[ -z "$(routes; routes6)" ] || return 1
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	# announced again, then xlbd stopped (its routes stay) and detached without it
	xlbd_start || return 1
	route_wait 10.111.1.100 5 1 || { say "not announced again"; return 1; }
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	[[ $(routes) == *10.111.1.100* ]] || { say "the route went with xlbd"; return 1; }
	out=$(lbns "$BUILD/xlbd" -c "$CFG" --detach 2>&1) || { say "$out"; return 1; }
	say "offline detach: $out; table 200: '$(routes; routes6)'"
	[ -z "$(routes; routes6)" ] && [ ! -e "$PINS" ] || return 1
	# a drained host, stopped and detached: the drain mark goes too
	xlbd_start || return 1
	ctl host drain >/dev/null || return 1
	mark=$(ls /run/xlb/drained-*xlb*ann* 2>/dev/null)
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	out=$(lbns "$BUILD/xlbd" -c "$CFG" --detach 2>&1) || { say "$out"; return 1; }
	say "drain mark '$mark' after an offline detach: '$(ls /run/xlb/drained-*xlb*ann* 2>/dev/null)'"
	[ -n "$mark" ] && [ ! -e "$mark" ]
	rc=$?
	xlbd_start || return 1
	route_wait 10.111.1.100 5 1 || { say "not announced after the restart"; return 1; }
	return $rc
}

test_detach_withdraws_first_then_waits_withdraw_delay() {
	local tw td
	ip -n "$P-lb" monitor route >"$WORK/detach.mon" 2>&1 &
	MONITOR=$!
	sleep 0.3
	ctl detach --yes >/dev/null || return 1
	wait "$XLBD_PID" 2>/dev/null; XLBD_PID=
	kill "$MONITOR"; wait "$MONITOR" 2>/dev/null; MONITOR=
	[ -z "$(routes; routes6)" ] || { say "left after detach: $(routes; routes6)"; return 1; }
	grep -q "^Deleted.*10.111.1.100.*table 200" "$WORK/detach.mon" || return 1
	tw=$(grep -n "detach: VIPs withdrawn" "$LOG" | tail -1 | cut -d: -f1)
	td=$(grep -n "detached from" "$LOG" | tail -1 | cut -d: -f1)
	grep -E "detach: VIPs withdrawn|detached from" "$LOG" | tail -2 | sed 's/^/    /'
	[ -n "$tw" ] && [ -n "$td" ] && [ "$tw" -lt "$td" ]
}

# ---- main ----------------------------------------------------------------------

# each test starts with every backend's health check passing
t() {
	rm -f /run/xlb-lab/$P/be*.health
	run_test "$1"
}

echo "== announce: lab $P with 2 backends, VIPs as routes in table 200"
"$TOP/scripts/lab.sh" up -n 2 || { echo "0 passed, 1 failed"; exit 1; }
cp "$TOP/tests/e2e/announce.yaml" "$CFG"
ip -n "$P-lb" route flush table 200 2>/dev/null

t test_vips_are_announced_after_hold_down_with_our_protocol
t test_a_vip_under_min_healthy_is_withdrawn_and_comes_back_after_hold_down
t test_a_dry_run_names_the_routes_a_change_would_withdraw
t test_every_backend_failing_withdraws_the_vip
t test_host_drain_withdraws_everything_keeps_forwarding_and_survives_a_restart
t test_kill_9_and_a_restart_never_remove_a_route
t test_bird_learns_the_routes_and_the_router_gets_them_over_bgp
t test_fingerprints_are_stable_and_compare_names_the_vip_that_differs
t test_a_second_instance_is_refused_our_table_and_announces_in_its_own
t test_routes_someone_removes_are_put_back
t test_routes_go_with_the_announce_section_and_with_an_offline_detach
t test_detach_withdraws_first_then_waits_withdraw_delay

if [ "$fail" -ne 0 ]; then
	echo "--- xlbd log (last 30 lines)"
	tail -30 "$LOG"
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

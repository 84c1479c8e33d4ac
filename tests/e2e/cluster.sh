#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# Several xlb hosts behind a router: lab.sh cluster (prefix xlbm, three
# load balancers, three backends). Each LB runs xlbd and BIRD, which
# announces its VIPs over BGP to the router's BIRD; the router spreads the
# client's flows over the LBs by ECMP. Connections survive losing an LB
# outright, its return, a drain, and a kill -9 of its xlbd. Prints PASS/FAIL
# per test and "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbm
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-cluster.XXXXXX)
L=3
declare -A XPID BPID
RTBIRD=
HOLDS_PID=

[ "$(id -u)" -eq 0 ] || { echo "cluster: needs root"; echo "0 passed, 1 failed"; exit 1; }

# say, run_test and the counts (the lab helpers here are per LB)
SOCK=/dev/null CFG=/dev/null PINS=/dev/null LOG=/dev/null
. "$TOP/tests/e2e/lib.sh"

# xlbd_up, bird_up, router_up, nexthops, hops_wait, holds_*, xdp_packets: shared with the demo
CLUSTER_SOCK=/run/xlb/c # + the LB's number + .sock
. "$TOP/scripts/cluster-lib.sh"

cleanup() { cluster_down /sys/fs/bpf/xlb-c; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tests --------------------------------------------------------------------

test_the_router_has_every_lb_as_a_next_hop_and_their_rings_agree() {
	local i out
	hops_wait 10.111.1.100 $L 20 || return 1
	say "router: 10.111.1.100 via $(nexthops 10.111.1.100 | tr '\n' ' ')"
	for i in $(seq $L); do
		out=$(lbctl "$i" -j vip show web | python3 -c 'import json,sys; print(json.load(sys.stdin)["vip"]["announce"]["why"])')
		[ "$out" = announced ] || { say "lb$i: $out"; return 1; }
	done
	out=$("$BUILD/xlbctl" compare /run/xlb/c1.sock /run/xlb/c2.sock /run/xlb/c3.sock) ||
		{ say "$out"; return 1; }
	sed 's/^/    /' <<<"$out"
}

test_connections_spread_over_every_lb_and_land_where_each_would_send_them() {
	local i p0=() p1 bad=0 n=0 port be want
	for i in $(seq $L); do p0[$i]=$(xdp_packets "$i"); done
	client python3 "$TOP/tests/e2e/client.py" conns 10.111.9.2 10.111.1.100 62000 62300 \
		>"$WORK/conns.out"
	for i in $(seq $L); do
		p1=$(xdp_packets "$i")
		say "lb$i: $((p1 - p0[$i])) packets of web"
		[ $((p1 - p0[$i])) -gt 100 ] || bad=1
	done
	[ "$bad" -eq 0 ] || { say "an LB got (almost) none"; return 1; }
	# every LB would send each of them where it went
	while read -r port be; do
		n=$((n + 1))
		want=$(lbctl $(( (port % L) + 1 )) -j explain "10.111.9.2:$port" web |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["backend"]["address"])')
		[ "$want" = "10.111.0.$((10 + ${be#be}))" ] || { bad=$((bad + 1)); [ "$bad" -le 3 ] && say "port $port on $be, lb$(( (port % L) + 1 )) says $want"; }
	done <"$WORK/conns.out"
	say "$n connections; $bad not where the LBs' rings say"
	[ "$n" -eq 300 ] && [ "$bad" -eq 0 ]
}

test_losing_an_lb_outright_breaks_no_connection() {
	local t0 t1 out
	local p0 p1
	hops_wait 10.111.1.100 $L 20 || return 1
	holds_start 10.111.1.100 30
	# lb2 carries some of them: they are what this test is about
	p0=$(xdp_packets 2)
	sleep 1
	p1=$(xdp_packets 2)
	say "lb2 forwarded $((p1 - p0)) packets of these connections in a second"
	[ $((p1 - p0)) -gt 20 ] || { holds_stop; return 1; }
	t0=$(awk '{print $1}' /proc/uptime)
	# a host dying, not a clean BGP close: its link first, then its processes
	ip -n "$P-lb2" link set eth0 down
	kill -9 "${XPID[2]}" "${BPID[2]}" 2>/dev/null
	wait "${XPID[2]}" "${BPID[2]}" 2>/dev/null
	XPID[2]= BPID[2]=
	hops_wait 10.111.1.100 $((L - 1)) 10 || return 1
	t1=$(awk '{print $1}' /proc/uptime)
	say "the router dropped lb2 after $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s (BGP hold time 3 s)"
	awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b - a <= 4.5)}' || { say "later than the hold time allows"; holds_stop; return 1; }
	sleep 3
	holds_stop
	out=$(cat "$WORK/holds.out")
	holds_ok "$out" | sed 's/^/    /'
	holds_ok "$out" >/dev/null
}

test_the_lb_comes_back_after_hold_down_and_breaks_nothing() {
	local out
	holds_start 10.111.1.100 30
	ip -n "$P-lb2" link set eth0 up
	xlbd_up 2 || return 1
	bird_up 2
	hops_wait 10.111.1.100 $L 20 || return 1
	say "lb2 back at the router: $(nexthops 10.111.1.100 | tr '\n' ' ')"
	sleep 2
	holds_stop
	out=$(cat "$WORK/holds.out")
	holds_ok "$out" | sed 's/^/    /'
	holds_ok "$out" >/dev/null
}

test_a_drained_lb_leaves_the_router_and_its_connections_go_on() {
	local out
	holds_start 10.111.1.100 30
	lbctl 1 host drain >/dev/null || return 1
	hops_wait 10.111.1.100 $((L - 1)) 10 || return 1
	say "lb1 drained: $(nexthops 10.111.1.100 | tr '\n' ' ')"
	sleep 2
	lbctl 1 host undrain >/dev/null || return 1
	hops_wait 10.111.1.100 $L 15 || return 1
	holds_stop
	out=$(cat "$WORK/holds.out")
	holds_ok "$out" | sed 's/^/    /'
	holds_ok "$out" >/dev/null
}

test_kill_9_of_an_xlbd_and_a_restart_never_lose_its_path() {
	local fewest=$L
	ip -n "$P-rt" monitor route >"$WORK/rt.mon" 2>&1 &
	local mon=$!
	kill -9 "${XPID[3]}"; wait "${XPID[3]}" 2>/dev/null
	xlbd_up 3 || return 1
	for _ in $(seq 40); do
		n=$(nexthops 10.111.1.100 | wc -l)
		[ "$n" -lt "$fewest" ] && fewest=$n
		sleep 0.1
	done
	kill "$mon"; wait "$mon" 2>/dev/null
	say "fewest next hops at the router meanwhile: $fewest; route changes: $(grep -c '10.111.1.100' "$WORK/rt.mon")"
	[ "$fewest" -eq $L ] && ! grep -q "10.111.1.100" "$WORK/rt.mon"
}

test_every_backend_failing_withdraws_the_vip_from_every_lb() {
	local b
	for b in 1 2 3; do echo 500 >"/run/xlb-lab/$P/be$b.health"; done
	hops_wait 10.111.1.100 0 10 || { rm -f /run/xlb-lab/$P/be*.health; return 1; }
	say "every backend failing: the router has no route to 10.111.1.100"
	rm -f /run/xlb-lab/$P/be*.health
	hops_wait 10.111.1.100 $L 15 || return 1
	say "they recover: $(nexthops 10.111.1.100 | tr '\n' ' ')"
}

test_a_weight_that_differs_on_one_lb_is_named_by_compare() {
	local out
	lbctl 2 backend set web 10.111.0.13 weight 50 >/dev/null || return 1
	out=$("$BUILD/xlbctl" compare /run/xlb/c1.sock /run/xlb/c2.sock /run/xlb/c3.sock)
	local rc=$?
	sed 's/^/    /' <<<"$out"
	lbctl 2 backend set web 10.111.0.13 weight 100 >/dev/null
	[ "$rc" -eq 1 ] && [[ $out == *"vip web differs"* ]]
}

test_an_ipv6_vip_goes_through_the_cluster() {
	local out
	hops_wait fd11:1::100 $L 20 -6 || return 1
	say "router: fd11:1::100 via $(nexthops fd11:1::100 -6 | tr '\n' ' ')"
	out=$(client python3 "$TOP/tests/e2e/client.py" spread "http://[fd11:1::100]/" -n 60 -p 4)
	say "60 requests: $out"
	[[ $out != *errors* ]]
}

# ---- main ----------------------------------------------------------------------

echo "== cluster: lab $P, $L load balancers behind a router, 3 backends"
"$TOP/scripts/lab.sh" cluster -n 3 -l $L || { echo "0 passed, 1 failed"; exit 1; }
for i in $(seq $L); do
	sed "s/@N@/$i/g" "$TOP/tests/e2e/cluster.yaml" >"$WORK/lb$i.yaml"
	xlbd_up "$i" || { echo "0 passed, 1 failed"; exit 1; }
	bird_up "$i"
done
router_up

run_test test_the_router_has_every_lb_as_a_next_hop_and_their_rings_agree
run_test test_connections_spread_over_every_lb_and_land_where_each_would_send_them
run_test test_losing_an_lb_outright_breaks_no_connection
run_test test_the_lb_comes_back_after_hold_down_and_breaks_nothing
run_test test_a_drained_lb_leaves_the_router_and_its_connections_go_on
run_test test_kill_9_of_an_xlbd_and_a_restart_never_lose_its_path
run_test test_every_backend_failing_withdraws_the_vip_from_every_lb
run_test test_a_weight_that_differs_on_one_lb_is_named_by_compare
run_test test_an_ipv6_vip_goes_through_the_cluster

if [ "$fail" -ne 0 ]; then
	for i in $(seq $L); do echo "--- lb$i xlbd log (last 8 lines)"; tail -8 "$WORK/lb$i.log"; done
	echo "--- router BIRD"; birdc -s "$WORK/rt.ctl" show protocols 2>&1 | tail -8
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

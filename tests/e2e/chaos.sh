#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# Chaos: steady traffic while an operator and a crash do their worst. For
# CHAOS_SECONDS (default 60) clients keep opening new connections to two
# VIPs (maglev and source-ip) and eight keep-alive connections ask every
# 100 ms, while, round after round, xlbd is killed with -9 and started
# again, reloaded with other weights, a backend is added, drained and
# removed with xlbctl (once xlbctl flows shows none of its flows open),
# another drained and undrained, and one weight is flipped as fast as
# xlbctl allows (a ring change each time). Every request must succeed and
# no keep-alive connection may change backend; at the end xlbctl flows
# lists the table. A lab of its own (prefix xlbc, three backends). Prints
# "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbc
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-chaos.XXXXXX)
CFG=$WORK/xlb.yaml
SOCK=/run/xlb/chaos.sock
PINS=/sys/fs/bpf/xlb-chaos
LOG=$WORK/xlbd.log
SECONDS_WANTED=${CHAOS_SECONDS:-60}

[ "$(id -u)" -eq 0 ] || { echo "chaos: needs root"; echo "0 passed, 1 failed"; exit 1; }

. "$TOP/tests/e2e/lib.sh"

LOADS=()
RSTDUMP=

cleanup() {
	local h
	[ -n "$RSTDUMP" ] && kill "$RSTDUMP" 2>/dev/null
	touch "$WORK/load.stop"
	for h in "${HOLDS[@]}"; do touch "$WORK/$h.stop"; done
	# (a bare `wait` would wait for xlbd too)
	[ ${#LOADS[@]} -gt 0 ] && wait "${LOADS[@]}" 2>/dev/null
	sleep 0.3
	[ -n "$XLBD_PID" ] && kill "$XLBD_PID" 2>/dev/null
	sleep 0.2
	[ -e "$PINS" ] && lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$PINS" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wait for xlbd to answer after a restart.
ctl_wait() {
	for _ in $(seq 50); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# Wait (10 s at most) until xlbctl flows shows no open flow of VIP $1 on backend $2.
N_OPEN=0
open_flows_gone() {
	local end=$((SECONDS + 10))
	while :; do
		ctl -j flows --backend "$2" -n 10000 "$1" >"$WORK/open.json" || return 1
		N_OPEN=$(python3 -c 'import json,sys
print(sum(f["state"] == "open" for f in json.load(open(sys.argv[1]))["flows"]))' "$WORK/open.json")
		[ "$N_OPEN" -eq 0 ] && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# One round of everything an operator (or a crash) does; "say" what went wrong.
chaos_round() {
	local r=$1 i w

	# a crash and a start: the maps, the flows and the runtime changes stay
	kill -9 "$XLBD_PID"
	wait "$XLBD_PID" 2>/dev/null
	xlbd_start || { say "round $r: no restart"; return 1; }

	# a reload with other weights
	w=$((50 + (r * 37) % 150))
	sed -i "0,/weight: [0-9]*/s//weight: $w/" "$CFG"
	ctl reload >/dev/null || { say "round $r: reload failed"; return 1; }

	# a backend added, drained, and removed once its connections have ended
	ctl backend add web 10.111.0.13 >/dev/null || { say "round $r: add"; return 1; }
	sleep 1
	ctl backend set web 10.111.0.13 state drain >/dev/null || return 1
	# as an operator would: a handshake's time, then until no open flow is on it
	# (a SYN is not a flow yet: xlbctl flows cannot see a handshake under way)
	sleep 1.5
	open_flows_gone web 10.111.0.13 ||
		{ say "round $r: 10.111.0.13 drained, still $N_OPEN open flows after 10 s"; return 1; }
	ctl backend del web 10.111.0.13 >/dev/null || { say "round $r: del"; return 1; }

	# another drained and back
	ctl backend set web 10.111.0.12 state drain >/dev/null &&
		ctl backend set sticky 10.111.0.12 state drain >/dev/null || return 1
	sleep 0.5
	ctl backend set web 10.111.0.12 state up >/dev/null &&
		ctl backend set sticky 10.111.0.12 state up >/dev/null || return 1

	# a weight flipped as fast as xlbctl goes: a ring change each time
	for i in $(seq 40); do
		ctl backend set web 10.111.0.11 weight $((i % 2 ? 60 : 140)) >/dev/null || return 1
		ctl backend set sticky 10.111.0.11 weight $((i % 2 ? 60 : 140)) >/dev/null ||
			return 1
	done
	return 0
}

test_steady_traffic_survives_kills_reloads_and_changes() {
	local h start rounds=0 ok=0 bad=0 out be name
	rm -f "$WORK/load.stop"
	for h in web1 web2 web3 web4; do hold_start "$h" http://10.111.1.100/; done
	for h in st1 st2 st3 st4; do hold_start "$h" http://10.111.1.101/; done
	for name in w s; do
		local url=http://10.111.1.100/
		[ $name = s ] && url=http://10.111.1.101/
		client python3 "$TOP/tests/e2e/client.py" load "$url" --stop "$WORK/load.stop" \
			-p 4 >"$WORK/load-$name.out" &
		LOADS+=($!)
	done
	start=$SECONDS
	while [ $((SECONDS - start)) -lt "$SECONDS_WANTED" ]; do
		rounds=$((rounds + 1))
		chaos_round "$rounds" || ok=1
	done
	touch "$WORK/load.stop"
	wait "${LOADS[@]}"
	LOADS=()
	for h in "${HOLDS[@]}"; do hold_stop "$h"; done
	say "$rounds rounds in $((SECONDS - start)) s: $((rounds)) kill -9 and starts, reloads," \
		"adds, drains, removals, $((rounds * 80)) weight changes"
	say "new connections, maglev VIP: $(cat "$WORK/load-w.out")"
	say "new connections, source-ip VIP: $(cat "$WORK/load-s.out")"
	for name in w s; do
		out=$(cat "$WORK/load-$name.out")
		[ "$(count "$out" errors)" -eq 0 ] || bad=1
		[ $(($(count "$out" be1) + $(count "$out" be2))) -gt 1000 ] ||
			{ say "too few requests"; bad=1; }
	done
	for h in "${HOLDS[@]}"; do
		be=$(hold_backend "$h")
		hold_all_on "$h" 1 "$be" 100 || bad=1
	done
	HOLDS=()
	# the table in one reply, as many as a reply holds (the table holds tens of thousands)
	ctl -j flows -n 10000 >"$WORK/flows.json" || { say "flows: $(cat "$WORK/flows.json")"; bad=1; }
	python3 -c 'import json,os,sys; r=json.load(open(sys.argv[1]))
print("    flows: %d listed of %d in the table (%d bytes of JSON, walked in %.1f ms)"
      % (len(r["flows"]), r["in_table"], os.path.getsize(sys.argv[1]), r["took_ms"]))
sys.exit(0 if len(r["flows"]) == r["shown"] == min(r["in_table"], 10000) > 1000 and r["matched"] == r["in_table"] else 1)' \
		"$WORK/flows.json" || { say "flows did not list the table"; bad=1; }
	[ $ok -eq 0 ] && [ $bad -eq 0 ]
}

# ---- main ----------------------------------------------------------------------

echo "== chaos: lab $P with 3 backends, ${SECONDS_WANTED} s"
"$TOP/scripts/lab.sh" up -n 3 || { echo "0 passed, 1 failed"; exit 1; }
cp "$TOP/tests/e2e/chaos.yaml" "$CFG"
# some 30,000 connections a minute to one VIP outrun the default 28,000
# ephemeral ports while closed ones wait in TIME_WAIT: the client's limit,
# not xlb's. A reused port also tests that an old handshake misleads no new one.
client sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
xlbd_start || { echo "0 passed, 1 failed"; exit 1; }
sleep 1
# every reset on the lab's switch, to show should one happen
ip netns exec "$P-sw" tcpdump -Z root -i br0 -nn -U -s 128 -w "$WORK/rst.pcap" \
	'tcp[tcpflags] & tcp-rst != 0' >/dev/null 2>&1 &
RSTDUMP=$!

run_test test_steady_traffic_survives_kills_reloads_and_changes

if [ "$fail" -ne 0 ]; then
	echo "--- xlbd log (last 30 lines)"
	tail -30 "$LOG"
	kill "$RSTDUMP" 2>/dev/null
	sleep 0.3
	echo "--- resets seen on the lab's switch (first 20; the MACs name the sender)"
	tcpdump -e -nn -tttt -r "$WORK/rst.pcap" 2>/dev/null | head -20
	for ns in $(ip netns list | awk -v p="$P-" 'index($1, p) == 1 {print $1}'); do
		printf '    %s: %s\n' "$ns" "$(ip -n "$ns" -br link show eth0 2>/dev/null | awk '{print $3}')"
	done
	# what xlbd did in the second of each reset, and the one before
	for t in $(tcpdump -nn -tttt -r "$WORK/rst.pcap" 2>/dev/null | head -3 | awk '{print substr($2, 1, 8)}' | sort -u); do
		echo "--- xlbd around $t"
		grep -E "T($(date -d "$t 1 second ago" +%T)|$t)\." "$LOG" | head -40
	done
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# Seeing what xlb does, against the real things: a scrape that promtool
# checks, a real Prometheus server scraping xlbd every second, xlbctl top in
# a real terminal (tmux), explain checked against where real connections
# land, monitor's stream, active flows per backend, rates and zeroing. A lab
# of its own (prefix xlbw, two backends). Prints PASS/FAIL per test and
# "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbw
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-obs.XXXXXX)
CFG=$WORK/xlb.yaml
SOCK=/run/xlb/obs.sock
PINS=/sys/fs/bpf/xlb-obs
LOG=$WORK/xlbd.log
PROM=
MON=
LOAD_PID=
TMUX_S=xlbo-top

[ "$(id -u)" -eq 0 ] || { echo "observe: needs root"; echo "0 passed, 1 failed"; exit 1; }

. "$TOP/tests/e2e/lib.sh"

cleanup() {
	tmux kill-session -t "$TMUX_S" 2>/dev/null
	[ -n "$LOAD_PID" ] && touch "$WORK/load.stop"
	[ -n "$MON" ] && kill "$MON" 2>/dev/null
	[ -n "$PROM" ] && kill "$PROM" 2>/dev/null
	for h in "${HOLDS[@]}"; do touch "$WORK/$h.stop"; done
	[ -n "$XLBD_PID" ] && kill "$XLBD_PID" 2>/dev/null
	sleep 0.3
	[ -e "$PINS" ] && lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$PINS" "$WORK" "$SOCK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scrape() { lbns curl -s -m 5 http://127.0.0.1:9477/metrics; }
# the value of a metric line (exact name and labels) in a scrape
metric() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }
# a backend's field in backend list -j
be_field() {
	python3 -c 'import json,sys; r=json.loads(sys.argv[1])
print([b for v in r["vips"] for b in v["backends"] if v["name"] == sys.argv[2] and b["address"] == sys.argv[3]][0][sys.argv[4]])' \
		"$(ctl -j backend list "$1")" "$1" "$2" "$3"
}

# Connections from the client with chosen source ports: "PORT BACKEND" a line.
conns() { client python3 "$TOP/tests/e2e/client.py" conns 10.111.0.2 10.111.1.100 "$1" "$2"; }

# HTTP requests to the VIP, two at a time, until load_stop.
load_start() {
	rm -f "$WORK/load.stop"
	client python3 "$TOP/tests/e2e/client.py" load http://10.111.1.100/ --stop "$WORK/load.stop" \
		-p 2 >/dev/null &
	LOAD_PID=$!
}

load_stop() {
	touch "$WORK/load.stop"
	wait "$LOAD_PID" 2>/dev/null
	LOAD_PID=
}

# ---- tests --------------------------------------------------------------------

test_a_scrape_passes_promtool_and_carries_every_family() {
	local out fam
	spread http://10.111.1.100/ -n 50 >/dev/null
	out=$(scrape) || { say "no answer on 127.0.0.1:9477"; return 1; }
	promtool check metrics <<<"$out" || { say "promtool objects (above)"; return 1; }
	for fam in xlb_build_info xlb_packets_total xlb_packet_reasons_total xlb_vip_packets_total \
		xlb_vip_bytes_total xlb_vip_new_flows_total xlb_vip_flow_hits_total \
		xlb_vip_ring_info xlb_backend_packets_total xlb_backend_healthy xlb_backend_state \
		xlb_backend_weight xlb_backend_effective_weight xlb_backend_active_flows \
		xlb_health_check_duration_seconds xlb_health_checks_total \
		xlb_health_transitions_total xlb_flow_table_entries xlb_syn_hint_set_entries \
		xlb_metrics_connections xlb_metrics_connections_cut_total; do
		[[ $out == *"# TYPE $fam "* ]] || { say "no $fam"; return 1; }
	done
	# the figures are the maps': a scrape agrees with xlbctl -j stats
	local p s
	p=$(metric 'xlb_vip_packets_total{vip="dns"}' "$out")
	s=$(jget "$(ctl -j stats dns)" vips 0 packets)
	[ "$p" = "$s" ] || { say "dns packets: metrics $p, stats $s"; return 1; }
	say "$(wc -l <<<"$out") lines; promtool: clean; vip web: $(metric 'xlb_vip_packets_total{vip="web"}' "$out") packets"
	# and a wrong path or method is refused
	[ "$(lbns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9477/)" = 404 ] ||
		{ say "/ did not answer 404"; return 1; }
}

prom_query() {
	lbns curl -s -m 5 --data-urlencode "query=$1" http://127.0.0.1:19477/api/v1/query |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")'
}

test_a_prometheus_server_sees_the_traffic_and_a_backend_going_down() {
	local v t
	mkdir -p "$WORK/prom"
	cat >"$WORK/prom.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: xlb
    static_configs:
      - targets: ['127.0.0.1:9477']
EOC
	promtool check config "$WORK/prom.yml" >/dev/null || { say "promtool refused the config"; return 1; }
	nsenter --net=/run/netns/$P-lb prometheus --config.file="$WORK/prom.yml" \
		--storage.tsdb.path="$WORK/prom" --web.listen-address=127.0.0.1:19477 \
		>"$WORK/prom.log" 2>&1 &
	PROM=$!
	for _ in $(seq 100); do
		[ "$(prom_query 'up{job="xlb"}' 2>/dev/null)" = 1 ] && break
		sleep 0.2
	done
	[ "$(prom_query 'up{job="xlb"}')" = 1 ] || { say "prometheus never scraped xlbd"; tail -5 "$WORK/prom.log"; return 1; }
	# traffic: the server's rate() of the VIP's packets sees it
	load_start
	sleep 4
	v=$(prom_query 'rate(xlb_vip_packets_total{vip="web"}[3s])')
	load_stop
	say "rate(xlb_vip_packets_total{vip=\"web\"}[3s]) = $v"
	awk -v v="$v" 'BEGIN {exit !(v + 0 > 0)}' || return 1
	# be2's health checks fail: the server sees its health go to 0
	[ "$(prom_query 'xlb_backend_healthy{backend="10.111.0.12"}')" = 1 ] || { say "be2 not healthy to start with"; return 1; }
	echo 500 >"/run/xlb-lab/$P/be2.health"
	for t in $(seq 50); do
		[ "$(prom_query 'xlb_backend_healthy{backend="10.111.0.12",vip="web"}')" = 0 ] && break
		sleep 0.2
	done
	v=$(prom_query 'xlb_backend_healthy{backend="10.111.0.12",vip="web"}')
	rm -f "/run/xlb-lab/$P/be2.health"
	say "after be2's checks failed: xlb_backend_healthy = $v (after $((t / 5)) s)"
	[ "$v" = 0 ] || return 1
	v=$(prom_query 'xlb_health_checks_total{backend="10.111.0.12",vip="web",result="http_status"}')
	say "its failed checks, by reason http_status: $v"
	awk -v v="$v" 'BEGIN {exit !(v + 0 > 0)}' || return 1
	kill "$PROM"; wait "$PROM" 2>/dev/null; PROM=
}

test_explain_predicts_where_new_connections_land() {
	local port out be want got n=0 bad=0
	declare -A predicted
	# (the last test left be2 coming back from failed checks: a ring that
	# changes between explain and the connections would move them)
	for _ in $(seq 100); do
		[ "$(be_field web 10.111.0.12 health)" = up ] && break
		sleep 0.1
	done
	# before a packet: explain places each tuple by the ring
	for port in $(seq 61100 61139); do
		out=$(ctl -j explain "10.111.0.2:$port" web) || { say "explain failed: $out"; return 1; }
		[ "$(jget "$out" decision)" = ring ] || { say "port $port: decision $(jget "$out" decision)"; return 1; }
		predicted[$port]=$(jget "$out" backend address)
	done
	# then real connections from those ports land where it said
	while read -r port be; do
		want=${predicted[$port]}
		got=$(addr_of "$be")
		n=$((n + 1))
		[ "$want" = "$got" ] || { bad=$((bad + 1)); say "port $port: explain said $want, landed on $got ($be)"; }
	done < <(conns 61100 61140)
	say "$n connections, $bad not where explain said"
	[ "$n" -eq 40 ] && [ "$bad" -eq 0 ] || return 1
	# afterwards the flow table remembers them, and explain says so
	out=$(ctl -j explain 10.111.0.2:61100 10.111.1.100:80 tcp)
	[ "$(jget "$out" decision)" = remembered ] || { say "after: $out"; return 1; }
	ctl explain 10.111.0.2:61100 web | sed 's/^/    /'
	# a port no VIP serves, and a bad client, are answered plainly
	out=$(ctl -j explain 10.111.0.2:61100 10.111.1.100:81 tcp)
	[ "$(jget "$out" verdict)" = pass ] || { say "port 81: $out"; return 1; }
	out=$(ctl explain 10.111.0.2 web 2>&1) && { say "accepted a client without a port"; return 1; }
	say "without a port: $out"
}

test_active_flows_count_open_connections_and_fall_to_zero_after_a_drain() {
	local a b at0 at1
	hold_start h1 http://10.111.1.100/
	hold_start h2 http://10.111.1.100/
	hold_start h3 http://10.111.1.100/
	hold_start h4 http://10.111.1.100/
	a=$(addr_of "$(hold_backend h1)")
	# the next count of the table (every 10 s)
	at0=$(be_field web "$a" flows_counted_at)
	for _ in $(seq 250); do
		at1=$(be_field web "$a" flows_counted_at)
		[ "$at1" != "$at0" ] && break
		sleep 0.1
	done
	b=$(be_field web "$a" active_flows)
	say "backend $a: $b active flows with h1 on it (counted at $at1)"
	[ "$b" -ge 1 ] || return 1
	ctl backend list web | sed 's/^/    /'
	# drained: no new flows; its connections end; the count falls to 0
	ctl backend set web "$a" state drain >/dev/null || return 1
	for h in h1 h2 h3 h4; do hold_stop "$h"; done
	at0=$at1
	for _ in $(seq 250); do
		at1=$(be_field web "$a" flows_counted_at)
		[ "$at1" != "$at0" ] && break
		sleep 0.1
	done
	b=$(be_field web "$a" active_flows)
	say "after its connections closed: $b active, $(be_field web "$a" closing_flows) closing"
	ctl backend set web "$a" state up >/dev/null
	[ "$b" -eq 0 ]
}

test_stats_rate_shows_the_traffic_and_zero_restarts_the_counts() {
	local out r p0 p1 raw
	# traffic until told to stop: the last second always has some
	load_start
	sleep 2.2
	out=$(ctl -j stats --rate web)
	load_stop
	r=$(jget "$out" vips 0 packets_per_s)
	say "web: $r packets/s over $(jget "$out" interval_s) s"
	awk -v v="$r" 'BEGIN {exit !(v > 0)}' || return 1
	ctl stats --rate web | sed 's/^/    /'
	p0=$(jget "$(ctl -j stats web)" vips 0 packets)
	ctl stats zero web >/dev/null || return 1
	p1=$(jget "$(ctl -j stats web)" vips 0 packets)
	raw=$(metric 'xlb_vip_packets_total{vip="web"}' "$(scrape)")
	say "web packets: $p0 before zeroing, $p1 after; the metric still counts $raw"
	[ "$p1" -lt 20 ] && [ "$p0" -gt 100 ] && [ "$raw" -ge "$p0" ] || return 1
	spread http://10.111.1.100/ -n 20 >/dev/null
	p1=$(jget "$(ctl -j stats web)" vips 0 packets)
	say "20 requests later: $p1"
	[ "$p1" -gt 40 ] && [ "$p1" -lt 400 ]
	out=$(ctl stats zero nosuch 2>&1) && return 1
	say "zeroing a VIP that is not there: $out"
}

# The number in column $2 (1-based, whitespace split) of the screen row that starts with $1.
screen_col() { awk -v a="$1" -v c="$2" '$1 == a {print $c; exit}' <<<"$3"; }

test_top_in_a_terminal_shows_numbers_that_move_and_match_stats() {
	local s1 s2 p1 p2 want a=10.111.0.11
	tmux kill-session -t "$TMUX_S" 2>/dev/null
	tmux new-session -d -s "$TMUX_S" -x 160 -y 40 "$BUILD/xlbctl -s $SOCK top -d 0.5"
	sleep 1.5
	s1=$(tmux capture-pane -p -t "$TMUX_S")
	[[ $s1 == *"xlb top:"*"VIP web"*"BACKEND"* ]] || { say "screen:"; sed 's/^/      /' <<<"$s1"; return 1; }
	p1=$(screen_col "$a" 10 "$s1")
	spread http://10.111.1.100/ -n 100 -p 2 >/dev/null
	sleep 2.5
	s2=$(tmux capture-pane -p -t "$TMUX_S")
	p2=$(screen_col "$a" 10 "$s2")
	want=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1])
print([b["packets"] for b in r["vips"][0]["backends"] if b["address"] == sys.argv[2]][0])' \
		"$(ctl -j stats web)" "$a")
	sed 's/^/      /' <<<"$s2" | head -12
	say "backend $a packets on screen: $p1, then $p2; xlbctl -j stats: $want"
	[ -n "$p1" ] && [ -n "$p2" ] && [ "$p2" -gt "$p1" ] && [ "$p2" = "$want" ] || return 1
	# keys: s sorts (the header says by what), q quits
	tmux send-keys -t "$TMUX_S" s
	sleep 1
	s2=$(tmux capture-pane -p -t "$TMUX_S")
	[[ $s2 == *"sorted by pps"* ]] || { say "s did not sort by pps"; return 1; }
	# v shows one VIP after the other
	tmux send-keys -t "$TMUX_S" v
	sleep 1
	s2=$(tmux capture-pane -p -t "$TMUX_S")
	[[ $s2 == *"vip web (v)"* && $s2 != *"VIP dns"* ]] || { say "v did not pick web:"; sed 's/^/      /' <<<"$s2" | head -5; return 1; }
	tmux send-keys -t "$TMUX_S" v
	sleep 1
	s2=$(tmux capture-pane -p -t "$TMUX_S")
	[[ $s2 == *"vip dns (v)"* && $s2 != *"VIP web"* ]] || { say "v did not pick dns"; return 1; }
	tmux send-keys -t "$TMUX_S" q
	sleep 1
	tmux has-session -t "$TMUX_S" 2>/dev/null && { say "q did not quit"; return 1; }
	# no terminal: one plain frame
	s1=$(ctl top)
	[[ $s1 == *"VIP web"* && $s1 != *$'\e'* ]] || { say "plain frame: $s1"; return 1; }
}

test_monitor_streams_new_flows_and_drops_and_stops_sampling_when_it_leaves() {
	local n flags
	"$BUILD/xlbctl" -s "$SOCK" -j monitor --rate 1000 >"$WORK/mon.out" 2>"$WORK/mon.err" &
	MON=$!
	sleep 0.5
	flags=$(bpftool -j map dump pinned "$PINS/xlb_config" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["flags"])')
	[ $((flags & 4)) -ne 0 ] || { say "sampling not on while monitoring (flags $flags)"; return 1; }
	# from ports no earlier test used: each a new flow, none a reused tuple
	conns 61200 61230 >"$WORK/mon.conns"
	sleep 1
	n=$(grep -c '"event":"new_flow","vip":"web"' "$WORK/mon.out")
	say "30 connections: $n new_flow events for web"
	head -2 "$WORK/mon.out" | sed 's/^/      /'
	[ "$n" -eq 30 ] || return 1
	# each event names the backend its connection landed on
	python3 - "$WORK/mon.out" "$WORK/mon.conns" <<'PY' || return 1
import json, sys
ev = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "new_flow":
        ev[int(e["client"].rsplit(":", 1)[1])] = e["backend"]
bad = 0
for line in open(sys.argv[2]):
    port, be = line.split()
    want = "10.111.0.%d" % (10 + int(be[2:]))
    if ev.get(int(port)) != want:
        print("    port %s landed on %s, the event said %s" % (port, want, ev.get(int(port))))
        bad += 1
sys.exit(1 if bad else 0)
PY
	kill "$MON"; wait "$MON" 2>/dev/null; MON=
	sleep 0.5
	flags=$(bpftool -j map dump pinned "$PINS/xlb_config" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["flags"])')
	say "after the monitor left: flags $flags"
	[ $((flags & 4)) -eq 0 ] || return 1
	# xlbd stopping while a monitor listens turns sampling off as well
	"$BUILD/xlbctl" -s "$SOCK" -j monitor >/dev/null 2>&1 &
	MON=$!
	sleep 0.5
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	wait "$MON" 2>/dev/null; MON=
	flags=$(bpftool -j map dump pinned "$PINS/xlb_config" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["flags"])')
	say "xlbd stopped while a monitor listened: flags $flags"
	xlbd_start || return 1
	[ $((flags & 4)) -eq 0 ]
}

# A saved flows reply ($1) judged in one line of python: argv cannot hold a big table.
flows_py() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); F=r['flows']; $2" "$1" "${@:3}"; }

test_flows_lists_each_connection_where_it_landed_and_judges_it_as_the_program_would() {
	local out a n be1=10.111.0.11 f=$WORK/flows.json src=10.111.0.3
	# a client address of its own: the table holds other tests' flows from .2
	client ip addr add "$src/24" dev eth0 || return 1
	# from ports no earlier test used, each closed at once (a FIN seen: closing)
	client python3 "$TOP/tests/e2e/client.py" conns "$src" 10.111.1.100 61300 61330 \
		>"$WORK/flows.conns" || return 1
	hold_start f1 http://10.111.1.100/ --src "$src"
	a=$(addr_of "$(hold_backend f1)")
	ctl -j flows --client "$src" web >"$f" || { say "flows: $(cat "$f")"; return 1; }
	python3 - "$f" "$WORK/flows.conns" "$a" "$src" <<'PY' || return 1
import json, sys
r = json.load(open(sys.argv[1]))
got, bad = {}, 0
for f in r["flows"]:
    if f["vip"] != "web" or f["destination"] != "10.111.1.100:80" or not f["client"].startswith(sys.argv[4] + ":"):
        print("    listed beyond the filter: %s" % f); bad += 1
    got[int(f["client"].rsplit(":", 1)[1])] = f
for line in open(sys.argv[2]):
    port, be = line.split()
    want = "10.111.0.%d" % (10 + int(be[2:]))
    f = got.pop(int(port), None)
    if not f or f["backend"] != want or f["state"] != "closing" or f["protocol"] != "tcp":
        print("    port %s landed on %s; flows said %s" % (port, want, f)); bad += 1
# what is left: the held connection, open on its backend
held = list(got.values())
if len(held) != 1 or held[0]["state"] != "open" or held[0]["backend"] != sys.argv[3]:
    print("    besides the 30: %s, not the held connection open on %s" % (held, sys.argv[3])); bad += 1
print("    %d flows listed of %d in the table (%.1f ms): the 30 closed ones and the held one "
      "checked, %d wrong" % (r["shown"], r["in_table"], r["took_ms"], bad))
sys.exit(1 if bad or r["shown"] != r["matched"] or r["shown"] != 31 else 0)
PY
	# one backend's flows, and a limit the text says it applied
	ctl -j flows --backend "$be1" --client "$src" >"$f" || return 1
	n=$(flows_py "$f" 'print(sum(x["backend"] != sys.argv[2] for x in F))' "$be1")
	[ "$n" = 0 ] || { say "--backend $be1 listed $n flows of other backends"; return 1; }
	n=$(flows_py "$f" 'print(sum(61300 <= int(x["client"].rsplit(":", 1)[1]) < 61330 for x in F))')
	[ "$n" = "$(grep -c ' be1$' "$WORK/flows.conns")" ] || { say "--backend $be1: $n of the 30, conns put $(grep -c ' be1$' "$WORK/flows.conns") there"; return 1; }
	out=$(ctl flows -n 3 web)
	sed 's/^/      /' <<<"$out"
	[ "$(grep -c ' web ' <<<"$out")" = 3 ] && [[ $out == *"3 of "*" matching flows shown"* ]] || return 1
	# a backend set down: its flows are stale (the next packet is placed anew)
	ctl backend set web "$be1" state down >/dev/null || return 1
	ctl -j flows --client "$src" web >"$f"
	ctl backend set web "$be1" state up >/dev/null
	n=$(flows_py "$f" 'print(sum(x["state"] == "stale" and x["backend"] is None and 61300 <= int(x["client"].rsplit(":", 1)[1]) < 61330 for x in F))')
	say "be1 down: $n of its flows stale"
	[ "$n" = "$(grep -c ' be1$' "$WORK/flows.conns")" ] || return 1
	hold_stop f1
	# udp: active with its idle time, then expired past the VIP's timeout (2 s)
	client python3 "$TOP/tests/e2e/client.py" udp 10.111.1.100 53 -n 5 >"$WORK/udp.out"
	ctl -j flows dns >"$f" || return 1
	n=$(flows_py "$f" 'print(sum(x["protocol"] == "udp" and x["state"] == "active" and x["idle_s"] <= 1 and x["destination"] == "10.111.1.100:53" for x in F) if len(F) == 5 else -len(F))')
	say "5 datagrams from 5 ports: $n active udp flows ($(cat "$WORK/udp.out"))"
	[ "$n" = 5 ] || return 1
	sleep 3.2
	ctl -j flows dns >"$f" || return 1
	n=$(flows_py "$f" 'print(sum(x["state"] == "expired" and x["idle_s"] >= 3 for x in F))')
	say "3.2 s later: $n expired"
	[ "$n" = 5 ] || return 1
	# explain judges it as flows does: expired, placed anew (not "remembered")
	local c ex
	c=$(flows_py "$f" 'print(F[0]["client"])')
	ex=$(ctl -j explain "$c" 10.111.1.100:53 udp) || return 1
	say "explain $c: $(jget "$ex" flow_table state), $(jget "$ex" decision)"
	[ "$(jget "$ex" flow_table state)" = expired ] && [ "$(jget "$ex" decision)" != remembered ] ||
		return 1
	client ip addr del "$src/24" dev eth0
	# bad input is named
	out=$(ctl flows nosuch 2>&1) && return 1
	[[ $out == *"no vip nosuch"* ]] || { say "unknown vip: $out"; return 1; }
	out=$(ctl flows --backend 10.111.0 2>&1) && return 1
	[[ $out == *'backend: not an IP address: "10.111.0"'* ]] || { say "bad backend: $out"; return 1; }
	out=$(ctl flows -n 10001 2>&1) && return 1
	[[ $out == *"limit: must be 1..10000, got 10001"* ]] || { say "-n 10001: $out"; return 1; }
	say "refused: $out"
}

# xlbd's CPU time so far, in clock ticks (user + system)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$XLBD_PID/stat"; }
abuse() { lbns python3 "$TOP/tests/e2e/metrics_abuse.py" 127.0.0.1 9477 "$@"; }

# The endpoint shares xlbd's loop with the health checks: no client may hold
# the loop, its memory or its descriptors.
test_the_metrics_endpoint_is_bounded_in_every_dimension() {
	local out t0 t1 c0 c1 rss0 rss1 slow hold scraped after cut0 cut n lim lines0
	c0=$(cpu_ticks)
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$XLBD_PID/status")
	out=$(abuse long-header)
	say "a 1 MiB header line: $out"
	[[ $(jget "$out" closed_after) != None && $(jget "$out" status) == "HTTP/1.1 4"* ]] || return 1
	out=$(abuse huge-body)
	say "Content-Length 4 GiB: $out"
	[[ $(jget "$out" status) == "HTTP/1.1 413"* ]] || return 1
	c1=$(cpu_ticks)
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$XLBD_PID/status")
	say "xlbd: $((c1 - c0)) ticks of CPU, RSS $rss0 -> $rss1 kB"
	[ $((c1 - c0)) -lt 100 ] && [ $((rss1 - rss0)) -lt 20000 ] || return 1

	# one byte a second never makes a request; more clients than the cap wait
	cut0=$(metric xlb_metrics_connections_cut_total "$(scrape)")
	abuse slow 6 >"$WORK/slow.out" &
	slow=$!
	sleep 0.5
	abuse hold 24 14 >/dev/null &
	hold=$!
	sleep 1
	ctl status >/dev/null || { say "the control socket stopped answering"; return 1; }
	t0=$(date +%s.%N)
	scraped=$(lbns curl -s -m 25 http://127.0.0.1:9477/metrics)
	t1=$(date +%s.%N)
	wait "$slow"
	out=$(cat "$WORK/slow.out")
	n=$(metric xlb_metrics_connections "$scraped")
	say "6 slow clients: $out; a scrape behind 30 connections waited $(python3 -c "print(round($t1 - $t0, 1))") s, saw $(metric xlb_metrics_connections "$scraped") connections"
	wait "$hold" 2>/dev/null
	n=$(metric xlb_metrics_connections "$scraped")
	sleep 0.3 # (the loop sees the held connections close)
	after=$(scrape)
	cut=$(( $(metric xlb_metrics_connections_cut_total "$after") - cut0 ))
	say "after them all: $cut connections cut at their deadline; $(metric xlb_metrics_connections "$after") open (this scrape's)"
	# every connection that went is counted out: none is left holding a place
	[ "$(metric xlb_metrics_connections "$after")" = 1 ] || return 1
	[ "$(jget "$out" still_open)" = 0 ] || return 1
	python3 -c "import sys; sys.exit(not 8 <= $(jget "$out" closed_after_max) <= 14)" || return 1
	[ -n "$n" ] && [ "$n" -le 16 ] || return 1
	python3 -c "import sys; sys.exit(not $t1 - $t0 >= 4)" || { say "the scrape did not wait: no cap"; return 1; }
	[ "$cut" -ge 16 ] || return 1

	# out of descriptors: the listener pauses instead of spinning
	: >"$WORK/emfile.log"
	n=$(ls "/proc/$XLBD_PID/fd" | wc -l)
	lim=$(prlimit --pid "$XLBD_PID" --nofile -o SOFT --noheadings | tr -d ' ')
	prlimit --pid "$XLBD_PID" --nofile=$((n + 2)): || return 1
	c0=$(cpu_ticks)
	lines0=$(grep -c "metrics endpoint: accept" "$LOG")
	abuse hold 12 3 >/dev/null 2>&1
	c1=$(cpu_ticks)
	prlimit --pid "$XLBD_PID" --nofile="$lim": || { say "the limit was not given back"; return 1; }
	n=$(( $(grep -c "metrics endpoint: accept" "$LOG") - lines0 ))
	say "out of descriptors for 3 s: $((c1 - c0)) ticks of CPU, $n log lines: $(grep "metrics endpoint: accept" "$LOG" | tail -1)"
	[ $((c1 - c0)) -lt 100 ] && [ "$n" -ge 1 ] && [ "$n" -le 5 ] || return 1
	sleep 1.2
	scrape >/dev/null || { say "no scrape after the descriptors came back"; return 1; }

	# the flow table's size is the adopted table's, not what the file says now
	kill "$XLBD_PID"; wait "$XLBD_PID" 2>/dev/null
	sed -i 's/^max_flows: .*/max_flows: 131072/' "$CFG"
	xlbd_start || return 1
	sed -i 's/^max_flows: .*/max_flows: 65536/' "$CFG"
	n=$(metric xlb_flow_table_capacity "$(scrape)")
	say "restarted with max_flows: 131072 over a pinned table for 65536: capacity $n"
	[ "$n" = 65536 ]
}

# ---- main ----------------------------------------------------------------------

echo "== observe: lab $P with 2 backends, metrics on 127.0.0.1:9477 in $P-lb"
"$TOP/scripts/lab.sh" up -n 2 || { echo "0 passed, 1 failed"; exit 1; }
cp "$TOP/tests/e2e/observe.yaml" "$CFG"
xlbd_start || { echo "0 passed, 1 failed"; exit 1; }

run_test test_a_scrape_passes_promtool_and_carries_every_family
run_test test_a_prometheus_server_sees_the_traffic_and_a_backend_going_down
run_test test_explain_predicts_where_new_connections_land
run_test test_stats_rate_shows_the_traffic_and_zero_restarts_the_counts
run_test test_top_in_a_terminal_shows_numbers_that_move_and_match_stats
run_test test_monitor_streams_new_flows_and_drops_and_stops_sampling_when_it_leaves
run_test test_flows_lists_each_connection_where_it_landed_and_judges_it_as_the_program_would
run_test test_active_flows_count_open_connections_and_fall_to_zero_after_a_drain
run_test test_the_metrics_endpoint_is_bounded_in_every_dimension

if [ "$fail" -ne 0 ]; then
	echo "--- xlbd log (last 30 lines)"
	tail -30 "$LOG"
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: xlb in the namespace lab, in a few screens. Brings the lab up,
# starts xlbd with examples/demo.yaml, spreads real HTTP requests, changes a
# weight, fails a backend and brings it back, prints the counters, and tears
# everything down (KEEP=1 leaves it up to explore).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CFG=$TOP/examples/demo.yaml
SOCK=/run/xlb/xlbd.sock
PINS=/sys/fs/bpf/xlb
LOG=/tmp/xlb-demo.log
export LAB_PREFIX=xlb
XLBD_PID=

ctl() { "$BUILD/xlbctl" -s "$SOCK" "$@"; }
client() { ip netns exec xlb-client "$@"; }
title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# 300 requests, each on a new connection; a bar per backend
spread() {
	client python3 "$TOP/tests/e2e/client.py" spread http://10.111.1.100/ -n "${1:-300}" -p 16 |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
total = sum(d.values())
for k in sorted(d):
    n = d[k]
    print("   %-7s %4d  %5.1f%%  %s" % (k, n, 100.0 * n / total, "#" * round(50 * n / total)))'
}

cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		title "The lab stays up (KEEP=1). Explore:"
		note "$BUILD/xlbctl status | vip list | health | stats | top | monitor"
		note "bpftool map dump pinned $PINS/xlb_stats"
		note "ip netns exec xlb-client curl http://10.111.1.100/"
		note "tear down:  $BUILD/xlbctl detach; $TOP/scripts/lab.sh down"
		return
	fi
	[ -n "$XLBD_PID" ] && kill "$XLBD_PID" 2>/dev/null || true
	sleep 0.2
	nsenter --net=/run/netns/xlb-lb "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1 || true
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1 || true
}

if "$BUILD/xlbctl" -s "$SOCK" status >/dev/null 2>&1; then
	echo "demo: an xlbd already answers on $SOCK; stop it first (xlbctl detach)" >&2
	exit 1
fi
trap cleanup EXIT

title "1. The lab: a client, a load balancer and three backends in network namespaces"
"$TOP/scripts/lab.sh" up -n 3 | sed 's/^/   /'
note "client 10.111.0.2 -> VIP 10.111.1.100 via the load balancer 10.111.0.1;"
note "backends 10.111.0.11-13 hold the VIP on loopback and answer the client directly."

title "2. xlbd attaches the XDP program to the load balancer's NIC ($CFG)"
nsenter --net=/run/netns/xlb-lb "$BUILD/xlbd" -f -c "$CFG" >"$LOG" 2>&1 &
XLBD_PID=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status | sed 's/^/   /'
# checks start down (initial_state) and need 2 good answers
for _ in $(seq 40); do
	[ "$(ctl -j health web | python3 -c 'import json,sys; print(sum(b["health"]=="up" for b in json.load(sys.stdin)["vips"][0]["backends"]))')" = 3 ] && break
	sleep 0.25
done
ctl health web | sed 's/^/   /'

title "3. 300 HTTP requests from the client, each a new connection (equal weights)"
spread 300

title "4. be3's weight 100 -> 300: it should get 60%"
ctl backend set web 10.111.0.13 weight 300
spread 300

title "5. be2's server stops. Its health check notices; the ring is rebuilt without it"
"$TOP/scripts/lab.sh" server-stop 2
t0=$(date +%s.%N)
while [ "$(ctl -j health web | python3 -c 'import json,sys; print([b["health"] for b in json.load(sys.stdin)["vips"][0]["backends"] if b["address"]=="10.111.0.12"][0])')" != down ]; do
	sleep 0.05
done
printf '   be2 marked down %.2f s after its server stopped (fall 2 x interval 1s + timeout 0.5s at most)\n' \
	"$(python3 -c 'import sys,time; print(time.time() - float(sys.argv[1]))' "$t0")"
grep "10.111.0.12 up -> down" "$LOG" | sed 's/^/   log: /'
spread 300

title "6. be2 comes back: after 2 good checks it rejoins, its weight ramping over 4 s"
"$TOP/scripts/lab.sh" server-start 2
ramp=""
for _ in $(seq 60); do
	w=$(ctl -j health web | python3 -c 'import json,sys; print([(b["health"], b["effective_weight"]) for b in json.load(sys.stdin)["vips"][0]["backends"] if b["address"]=="10.111.0.12"][0])')
	case $w in *up*) ramp="$ramp ${w##*, }" ;; esac
	case $w in *", 100)") break ;; esac
	sleep 0.25
done
note "be2's effective weight as it came back:$ramp" | tr -d ')'
spread 300

title "7. Counters, as the XDP program keeps them (xlbctl stats)"
ctl stats | sed 's/^/   /'
note "the same from the pinned maps, no daemon needed: bpftool map dump pinned $PINS/xlb_stats"

title "8. A glance while traffic flows: xlbctl top, explain, and the Prometheus metrics"
client python3 "$TOP/tests/e2e/client.py" spread http://10.111.1.100/ -n 1500 -p 4 >/dev/null &
load=$!
sleep 2
ctl top | sed 's/^/   /'
note ""
note "where would a client at 10.111.0.2, port 40000, go? (xlbctl explain 10.111.0.2:40000 web)"
ctl explain 10.111.0.2:40000 web | sed 's/^/   /'
note ""
note "what Prometheus reads at http://127.0.0.1:9477/metrics (in the lb namespace):"
nsenter --net=/run/netns/xlb-lb curl -s http://127.0.0.1:9477/metrics |
	grep -E '^xlb_(vip_packets_total|backend_healthy|backend_active_flows)\{vip="web"' | sed 's/^/   /'
wait "$load" || true
note "live: xlbctl top (s sorts, v picks a VIP, q quits); xlbctl monitor streams new flows and drops"

title "Done. The lab is torn down (KEEP=1 make demo leaves it up)."

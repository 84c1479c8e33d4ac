#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo CLUSTER=1: three xlb hosts behind a router, in under a minute.
# Each announces the VIP over BGP (xlbd's routes, exported by BIRD); the
# router spreads the client's connections over them; one host dies, the
# router withdraws it, and the client's connections go on, each on its
# backend. Tears everything down (KEEP=1 leaves it up).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbk
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-demo-cluster.XXXXXX)
L=3
CLUSTER_SOCK=/run/xlb/demo-c
declare -A XPID BPID
RTBIRD=
HOLDS_PID=

title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }
say() { note "$*"; }
. "$TOP/scripts/cluster-lib.sh"

cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		title "The cluster stays up (KEEP=1): $BUILD/xlbctl -s ${CLUSTER_SOCK}N.sock ...;" \
			"ip -n $P-rt route; tear down: $TOP/scripts/lab.sh down (LAB_PREFIX=$P)"
		return
	fi
	cluster_down /sys/fs/bpf/xlb-demo-c
}
trap cleanup EXIT

T_START=$(awk '{print $1}' /proc/uptime)
title "1. A client, a router, three load balancers and three backends (namespaces $P-*)"
"$TOP/scripts/lab.sh" cluster -n 3 -l $L | sed 's/^/   /'
for i in $(seq $L); do
	sed -e "s/@N@/$i/g" -e "s|/sys/fs/bpf/xlb-c|/sys/fs/bpf/xlb-demo-c|" \
		-e "s|/run/xlb/c|/run/xlb/demo-c|" "$TOP/tests/e2e/cluster.yaml" >"$WORK/lb$i.yaml"
	xlbd_up "$i"
	bird_up "$i"
done
router_up
note "each LB: xlbd (announce: table 200) and BIRD (kernel table 200 -> BGP to the router)"

title "2. The router learns the VIP from all three and spreads flows over them (ECMP)"
hops_wait 10.111.1.100 $L 20
ip -n "$P-rt" route show 10.111.1.100 | sed 's/^/   /'
note "are their rings the same? (xlbctl compare)"
"$BUILD/xlbctl" compare "${CLUSTER_SOCK}1.sock" "${CLUSTER_SOCK}2.sock" "${CLUSTER_SOCK}3.sock" |
	sed 's/^/   /'

title "3. 30 long-lived connections, a request every 100 ms each"
holds_start 10.111.1.100 30
for i in $(seq $L); do p0[$i]=$(xdp_packets "$i"); done
sleep 1
for i in $(seq $L); do
	p1=$(xdp_packets "$i")
	note "lb$i forwarded $((p1 - p0[$i])) of their packets in the last second"
done

title "4. lb2 dies: its link goes down, then its xlbd and BIRD are killed"
t0=$(awk '{print $1}' /proc/uptime)
ip -n "$P-lb2" link set eth0 down
kill -9 "${XPID[2]}" "${BPID[2]}" 2>/dev/null || true
wait "${XPID[2]}" "${BPID[2]}" 2>/dev/null || true
XPID[2]= BPID[2]=
hops_wait 10.111.1.100 $((L - 1)) 10
t1=$(awk '{print $1}' /proc/uptime)
note "the router withdrew lb2 after $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s (BGP hold time 3 s; BFD in production):"
ip -n "$P-rt" route show 10.111.1.100 | sed 's/^/   /'
sleep 2
holds_stop
note "the client's connections: $(holds_ok "$(cat "$WORK/holds.out")" || true)"
note "the flows lb2 carried reached lb1 and lb3, whose rings sent each to the same backend."

title "Done in $(awk -v a="$T_START" '{printf "%.0f", $1 - a}' /proc/uptime) s. The lab is torn down (KEEP=1 leaves it up)."

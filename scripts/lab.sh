#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The xlb lab: a client, a load balancer and N backends on one L2 segment,
# each in its own network namespace, joined by a bridge in a switch
# namespace. Nothing in it can reach the machine's real network.
#
#   client 10.111.0.2  ──┐
#   lb     10.111.0.1  ──┼── br0 (namespace PREFIX-sw)
#   beN    10.111.0.1N ──┤
#   far    10.111.0.30 ──┘
#
#   lb eth1 10.111.5.1 ──── far eth0 10.111.5.2 (a segment of their own)
#
# The client reaches the VIPs (10.111.1.0/24, fd11:1::/64) through the load
# balancer; backends hold the VIPs on loopback and answer the client
# directly (direct server return). The far backend is reached only through
# the load balancer's second interface, eth1 (xlb sends to it with
# XDP_REDIRECT), and answers the client over the bridge. Frames redirected
# into a veth arrive only if its peer runs an XDP program: attach the tunnel
# endpoint to far (decap-attach far) before sending it traffic.
#
# usage: lab.sh up [-n BACKENDS] | down | status | server-stop B | server-start B |
#        decap-attach B | decap-status B (the tunnel endpoint on a backend) |
#        cluster [-n BACKENDS] [-l LBS] (the topology below instead)
#        where B is a backend's number, or far
#        LAB_PREFIX (default xlb) names the namespaces, so a test lab and a
#        demo lab can coexist.
#
# The cluster topology (lab.sh cluster): several load balancers behind a
# router, as production runs them.
#
#   client 10.111.9.2 ── rt 10.111.9.1 (ECMP over the LBs, BIRD)
#                        rt 10.111.0.254 ──┐
#   lbN    10.111.0.N (N = 1..LBS)  ───────┼── br0 (namespace PREFIX-sw)
#   beN    10.111.0.1N              ───────┘
#
# The router hashes each packet's 5-tuple (fib_multipath_hash_policy 1, and
# lab_rehash.bpf.o on its client port); each LB runs xlbd and BIRD, which
# announces its VIPs to the router's BIRD (the tests start them). The LBs'
# bridge ports flood no unknown unicast and their MACs are static: frames
# for a dead LB are dropped, not flooded to the others (which would forward
# them and hide the outage). Backends answer the client through the router.
set -euo pipefail

P=${LAB_PREFIX:-xlb}
STATE=/run/xlb-lab/$P
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}

NET4=10.111.0
NET6=fd11:
VIPNET4=10.111.1
FAR4=10.111.5
FAR6=fd11:5::
VIPS4=("$VIPNET4.100" "$VIPNET4.101" "$VIPNET4.102" "$VIPNET4.103" "$VIPNET4.104" "$VIPNET4.105")
VIPS6=("fd11:1::100" "fd11:1::101" "fd11:1::102" "fd11:1::103" "fd11:1::104")

ns() { ip netns exec "$P-$1" "${@:2}"; }

nbackends() { cat "$STATE/backends" 2>/dev/null || echo 0; }

# A backend's node name: beN for a number, far as it is.
node() { case $1 in [0-9]*) echo "be$1" ;; *) echo "$1" ;; esac; }

# Start backend B's server (HTTP on 80 and 8080, UDP on 53).
server_start() {
	local b
	b=$(node "$1")
	rm -f "$STATE/$b.pid"
	ns "$b" setsid python3 "$TOP/scripts/lab-server.py" --name "$b" --port 80 \
		--port 8080 --udp-port 53 --health-file "$STATE/$b.health" \
		--tls-port 8443 --tls-cert "$STATE/tls.crt" --tls-key "$STATE/tls.key" \
		--pid-file "$STATE/$b.pid" >"$STATE/$b.log" 2>&1 </dev/null &
	# wait until it listens
	for _ in $(seq 50); do
		grep -q ':80 ' <<<"$(ns "$b" ss -ltn 2>/dev/null)" && return 0
		sleep 0.1
	done
	echo "lab: server of $b did not start" >&2
	return 1
}

# The tunnel endpoint on backend B (xlb-decap), pinned per namespace.
decap_attach() {
	local b
	b=$(node "$1")
	nsenter --net=/run/netns/$P-$b "$BUILD/xlb-decap" --pin-dir "/sys/fs/bpf/xlb-decap-$P-$b" \
		attach eth0 --mode native
}

decap_status() {
	local b
	b=$(node "$1")
	nsenter --net=/run/netns/$P-$b "$BUILD/xlb-decap" --pin-dir "/sys/fs/bpf/xlb-decap-$P-$b" \
		status eth0
}

server_stop() {
	local b pid
	b=$(node "$1")
	pid=$(cat "$STATE/$b.pid" 2>/dev/null || true)
	# the server wrote its own pid: python may run under a wrapper
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	for _ in $(seq 30); do
		grep -q ':80 ' <<<"$(ns "$b" ss -ltn 2>/dev/null)" || break
		sleep 0.1
	done
	rm -f "$STATE/$b.pid"
}

# The VIPs on a backend's loopback, never announced by it.
hold_vips() {
	local b=$1 v
	for v in "${VIPS4[@]}"; do ip -n "$P-$b" addr add "$v/32" dev lo; done
	for v in "${VIPS6[@]}"; do ip -n "$P-$b" addr add "$v/128" dev lo; done
	ns "$b" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
}

# The far backend: on the lb's second interface, answering over the bridge.
add_far() {
	ip netns add "$P-far"
	ip -n "$P-far" link set lo up
	ip link add eth1 netns "$P-lb" type veth peer name eth0 netns "$P-far"
	ip -n "$P-lb" addr add "$FAR4.1/24" dev eth1
	ip -n "$P-lb" addr add "${FAR6}1/64" dev eth1 nodad
	ip -n "$P-lb" link set eth1 up
	ip -n "$P-far" addr add "$FAR4.2/24" dev eth0
	ip -n "$P-far" addr add "${FAR6}2/64" dev eth0 nodad
	ip -n "$P-far" link set eth0 up
	ip link add eth1 netns "$P-far" type veth peer name p-far netns "$P-sw"
	ip -n "$P-sw" link set p-far master br0 up
	ip -n "$P-far" addr add "$NET4.30/24" dev eth1
	ip -n "$P-far" addr add "${NET6}:30/64" dev eth1 nodad
	ip -n "$P-far" link set eth1 up
	hold_vips far
	ns far sysctl -qw net.ipv4.conf.eth1.arp_ignore=1 net.ipv4.conf.eth1.arp_announce=2
	server_start far
}

add_node() {
	local node=$1
	ip netns add "$P-$node"
	ip link add eth0 netns "$P-$node" type veth peer name "p-$node" netns "$P-sw"
	ip -n "$P-sw" link set "p-$node" master br0 up
	ip -n "$P-$node" link set lo up
	ip -n "$P-$node" link set eth0 up
}

# The switch every node hangs off: a bridge in a namespace of its own.
add_switch() {
	ip netns add "$P-sw"
	ip -n "$P-sw" link add br0 type bridge
	ip -n "$P-sw" link set br0 up
	ip -n "$P-sw" link set lo up
}

# Backend i: its addresses, the VIPs on its loopback, its servers.
add_backend() {
	local i=$1
	add_node "be$i"
	ip -n "$P-be$i" addr add "$NET4.$((10 + i))/24" dev eth0
	ip -n "$P-be$i" addr add "${NET6}:$((10 + i))/64" dev eth0 nodad
	hold_vips "be$i"
	server_start "$i"
}

up() {
	local n=3 i
	while [ $# -gt 0 ]; do
		case $1 in
		-n) n=$2; shift 2 ;;
		*) echo "lab: unknown option $1" >&2; exit 2 ;;
		esac
	done
	# a second `up` starts from a clean slate, as does one after a failed `up`
	down >/dev/null 2>&1 || true
	mkdir -p "$STATE"
	echo "$n" >"$STATE/backends"
	# a self-signed certificate for the backends' HTTPS: the name backend.lab,
	# and the addresses of be1 and be2 (not be3's: a check by address fails there)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=backend.lab \
		-addext "subjectAltName=DNS:backend.lab,IP:$NET4.11,IP:${NET6}:11,IP:$NET4.12,IP:${NET6}:12" \
		-keyout "$STATE/tls.key" \
		-out "$STATE/tls.crt" >/dev/null 2>&1
	trap 'echo "lab: up failed; cleaning up" >&2; down' ERR

	add_switch

	add_node lb
	ip -n "$P-lb" addr add "$NET4.1/24" dev eth0
	ip -n "$P-lb" addr add "${NET6}:1/64" dev eth0 nodad
	# XDP_TX on a veth needs an XDP program on the peer as well
	ip -n "$P-sw" link set dev p-lb xdpgeneric off 2>/dev/null || true
	ip -n "$P-sw" link set dev p-lb xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp

	add_node client
	ip -n "$P-client" addr add "$NET4.2/24" dev eth0
	ip -n "$P-client" addr add "${NET6}:2/64" dev eth0 nodad
	ip -n "$P-client" route add "$VIPNET4.0/24" via "$NET4.1"
	ip -n "$P-client" -6 route add fd11:1::/64 via "${NET6}:1"
	# frames the client sends carry partial checksums that XDP would forward
	# as they are; have the client finish its checksums itself
	ns client ethtool -K eth0 tx off >/dev/null

	for i in $(seq "$n"); do
		add_backend "$i"
	done
	add_far
	trap - ERR
	echo "lab $P up: client, lb, $n backends and far (namespaces $P-*)"
}

cluster() {
	local n=3 l=3 i mac
	while [ $# -gt 0 ]; do
		case $1 in
		-n) n=$2; shift 2 ;;
		-l) l=$2; shift 2 ;;
		*) echo "lab: unknown option $1" >&2; exit 2 ;;
		esac
	done
	down >/dev/null 2>&1 || true
	mkdir -p "$STATE"
	echo "$n" >"$STATE/backends"
	echo "$l" >"$STATE/lbs"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=backend.lab \
		-keyout "$STATE/tls.key" -out "$STATE/tls.crt" >/dev/null 2>&1
	trap 'echo "lab: cluster failed; cleaning up" >&2; down' ERR

	add_switch

	# the router: a leg on the bridge, one to the client
	add_node rt
	ip -n "$P-rt" addr add "$NET4.254/24" dev eth0
	ip -n "$P-rt" addr add "${NET6}:254/64" dev eth0 nodad
	ip netns add "$P-client"
	ip link add eth1 netns "$P-rt" type veth peer name eth0 netns "$P-client"
	ip -n "$P-rt" addr add 10.111.9.1/24 dev eth1
	ip -n "$P-rt" addr add fd11:9::1/64 dev eth1 nodad
	ip -n "$P-rt" link set eth1 up
	ns rt sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	ns rt tc qdisc add dev eth1 clsact
	ns rt tc filter add dev eth1 ingress bpf da obj "$BUILD/lab_rehash.bpf.o" sec tc
	ip -n "$P-client" link set lo up
	ip -n "$P-client" addr add 10.111.9.2/24 dev eth0
	ip -n "$P-client" addr add fd11:9::2/64 dev eth0 nodad
	ip -n "$P-client" link set eth0 up
	ip -n "$P-client" route add "$VIPNET4.0/24" via 10.111.9.1
	ip -n "$P-client" -6 route add fd11:1::/64 via fd11:9::1
	ns client ethtool -K eth0 tx off >/dev/null

	for i in $(seq "$l"); do
		add_node "lb$i"
		# a host whose link comes back keeps its addresses (the tests take it down)
		ns "lb$i" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 \
			net.ipv6.conf.eth0.keep_addr_on_down=1
		ip -n "$P-lb$i" addr add "$NET4.$i/24" dev eth0
		ip -n "$P-lb$i" addr add "${NET6}:$i/64" dev eth0 nodad
		ip -n "$P-sw" link set dev "p-lb$i" xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
		# a dead LB's frames go nowhere, never to the others
		mac=$(ip -n "$P-lb$i" -j link show eth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
		ip netns exec "$P-sw" bridge link set dev "p-lb$i" flood off mcast_flood off learning off
		ip netns exec "$P-sw" bridge fdb replace "$mac" dev "p-lb$i" master static
	done
	for i in $(seq "$n"); do
		add_backend "$i"
		# answers to the client go back through the router
		ip -n "$P-be$i" route add 10.111.9.0/24 via "$NET4.254"
		ip -n "$P-be$i" -6 route add fd11:9::/64 via "${NET6}:254"
	done
	trap - ERR
	echo "lab $P cluster up: client, rt, $l load balancers, $n backends (namespaces $P-*)"
}

down() {
	local pid nsname
	for nsname in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
		for pid in $(ip netns pids "$nsname" 2>/dev/null); do
			kill "$pid" 2>/dev/null || true
		done
	done
	sleep 0.2
	for nsname in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
		for pid in $(ip netns pids "$nsname" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null || true
		done
		ip netns del "$nsname"
	done
	rm -rf "$STATE" /sys/fs/bpf/xlb-decap-"$P"-*
}

status() {
	local n
	n=$(nbackends)
	if ! grep -q "^$P-lb" <<<"$(ip netns list)"; then
		echo "lab $P is down"
		return 1
	fi
	echo "lab $P: $n backends"
	ip netns list | grep "^$P-" | sort
	ip -n "$P-lb" link show eth0 | head -1
}

cmd=${1:-}
shift || true
case $cmd in
up) up "$@" ;;
down) down ;;
status) status ;;
server-start) server_start "$1" ;;
server-stop) server_stop "$1" ;;
decap-attach) decap_attach "$1" ;;
decap-status) decap_status "$1" ;;
cluster) cluster "$@" ;;
*) echo "usage: $0 up [-n BACKENDS] | down | status | server-start B | server-stop B |" \
	"decap-attach B | decap-status B | cluster [-n BACKENDS] [-l LBS]" \
	"  (B: a backend's number, or far)" >&2; exit 2 ;;
esac

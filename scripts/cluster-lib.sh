# SPDX-License-Identifier: GPL-2.0
#
# Running xlb on the cluster lab (lab.sh cluster): an xlbd and a BIRD on each
# load balancer, a BIRD on the router, and long-lived client connections.
# Sourced by tests/e2e/cluster.sh and scripts/demo.sh (CLUSTER=1), after they
# set TOP, BUILD, P (the lab prefix), WORK, L (the LBs), CLUSTER_SOCK (the
# control sockets' prefix) and the arrays XPID and BPID; each LB's
# configuration is $WORK/lbN.yaml. hops_wait reports through say().

lbctl() { "$BUILD/xlbctl" -s "$CLUSTER_SOCK$1.sock" "${@:2}"; }
client() { ip netns exec "$P-client" "$@"; }
# Packets LB $1 has forwarded for the VIP web.
xdp_packets() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["vips"][0]["packets"])' "$(lbctl "$1" -j stats web)"; }

xlbd_up() {
	local i=$1
	nsenter --net=/run/netns/$P-lb$i "$BUILD/xlbd" -f -c "$WORK/lb$i.yaml" >>"$WORK/lb$i.log" 2>&1 &
	XPID[$i]=$!
	for _ in $(seq 50); do
		lbctl "$i" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "cluster: xlbd on lb$i did not start"; tail -5 "$WORK/lb$i.log"
	return 1
}

bird_up() {
	local i=$1
	cat >"$WORK/lb$i.bird" <<EOC
router id 10.111.0.$i;
protocol device { scan time 2; }
ipv4 table xlb4;
ipv6 table xlb6;
protocol kernel v4 { kernel table 200; learn; scan time 1; ipv4 { table xlb4; import all; export none; }; }
protocol kernel v6 { kernel table 200; learn; scan time 1; ipv6 { table xlb6; import all; export none; }; }
protocol bgp rt4 {
	local 10.111.0.$i as 65001; neighbor 10.111.0.254 as 65000;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv4 { table xlb4; import none; export all; next hop self; };
}
protocol bgp rt6 {
	local fd11::$i as 65001; neighbor fd11::254 as 65000;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv6 { table xlb6; import none; export all; next hop self; };
}
EOC
	ip netns exec "$P-lb$i" bird -f -c "$WORK/lb$i.bird" -s "$WORK/lb$i.ctl" \
		-P "$WORK/lb$i.pid" >"$WORK/lb$i.bird.log" 2>&1 &
	BPID[$i]=$!
}

router_up() {
	local i nb4="" nb6=""
	for i in $(seq $L); do
		nb4+="protocol bgp lb${i}_4 from lbs4 { neighbor 10.111.0.$i as 65001; }
"
		nb6+="protocol bgp lb${i}_6 from lbs6 { neighbor fd11::$i as 65001; }
"
	done
	cat >"$WORK/rt.bird" <<EOC
router id 10.111.0.254;
protocol device { scan time 2; }
# ECMP: every LB's path in the kernel's table
protocol kernel k4 { merge paths on; ipv4 { import none; export all; }; }
protocol kernel k6 { merge paths on; ipv6 { import none; export all; }; }
template bgp lbs4 {
	local 10.111.0.254 as 65000;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv4 { import all; export none; };
}
template bgp lbs6 {
	local fd11::254 as 65000;
	hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;
	ipv6 { import all; export none; };
}
$nb4$nb6
EOC
	ip netns exec "$P-rt" bird -f -c "$WORK/rt.bird" -s "$WORK/rt.ctl" -P "$WORK/rt.pid" \
		>"$WORK/rt.bird.log" 2>&1 &
	RTBIRD=$!
}

# The router's next hops for a VIP, one a line
nexthops() { ip -n "$P-rt" ${2:+-6} route show "$1" | grep -oE 'via [0-9a-f.:]+' | awk '{print $2}' | sort; }
# wait up to $3 s for VIP $1 to have $2 next hops at the router
hops_wait() {
	local v=$1 n=$2 t=${3:-15} six=${4:-}
	for _ in $(seq $((t * 10))); do
		[ "$(nexthops "$v" $six | wc -l)" -eq "$n" ] && return 0
		sleep 0.1
	done
	say "$v: $(nexthops "$v" $six | wc -l) next hops, not $n: $(nexthops "$v" $six | tr '\n' ' ')"
	return 1
}

# Long-lived connections from the client: N keep-alive connections asking
# in turn; a request may stall (an LB's loss) up to 15 s before it counts.
holds_start() {
	rm -f "$WORK/holds.stop" "$WORK/holds.out"
	client python3 "$TOP/tests/e2e/client.py" holds "http://$1/" -n "${2:-30}" \
		--stop "$WORK/holds.stop" --timeout 15 --interval 0.1 >"$WORK/holds.out" 2>&1 &
	HOLDS_PID=$!
	sleep 1.5
}

# (not in $(...): a subshell cannot wait for the holds)
holds_stop() {
	touch "$WORK/holds.stop"
	wait "$HOLDS_PID" 2>/dev/null
	HOLDS_PID=
}

# "connections N, requests N, errors N, moved N" from holds' JSON
holds_ok() {
	python3 -c 'import json,sys
try:
    r = json.loads(sys.argv[1].strip().splitlines()[-1])
except Exception:
    print("the client said: " + sys.argv[1][-600:])
    sys.exit(1)
print("%d connections, %d requests, %d errors, %d moved to another backend" % (r["connections"], r["requests"], r["errors"], r["moved"]))
sys.exit(0 if r["errors"] == 0 and r["moved"] == 0 and r["requests"] > r["connections"] * 5 else 1)' "$1"
}


# Stop what the cluster runs, detach every LB and tear the lab down; $1: the
# LBs' pin paths without their number (/sys/fs/bpf/xlb-c for xlb-c1 ...).
cluster_down() {
	local i
	if [ -n "$HOLDS_PID" ]; then touch "$WORK/holds.stop"; sleep 0.5; fi
	for i in $(seq "$L"); do
		kill "${XPID[$i]:-}" "${BPID[$i]:-}" 2>/dev/null || true
	done
	kill "$RTBIRD" 2>/dev/null || true
	sleep 0.3
	for i in $(seq "$L"); do
		[ -e "$1$i" ] && nsenter --net=/run/netns/$P-lb$i "$BUILD/xlbd" -c "$WORK/lb$i.yaml" \
			--detach >/dev/null 2>&1
		rm -rf "$1$i" "$CLUSTER_SOCK$i.sock" /run/xlb/drained-*"${1##*/}$i"*
	done
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

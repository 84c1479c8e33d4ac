#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (With pipefail, never `cmd | grep -q`: grep a captured output.)
#
# Operator safety, end to end: what an operator does by mistake or in a hurry
# (a second start, a detach while the daemon runs, a prefix typed at the CLI,
# a reload, a restart) must never silently stop traffic or leave the host in
# a state that needs `ip link set dev IF xdp off`. A lab of its own (prefix
# xlbo, two backends) and a real xlbd, started as a daemon (no -f), from a
# relative config path, with no syslog listening. Prints PASS/FAIL per test
# and "N passed, N failed".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
export LAB_PREFIX=xlbo
P=$LAB_PREFIX
WORK=$(mktemp -d /tmp/xlb-op.XXXXXX)
CFG=$WORK/xlb.yaml
SOCK=/run/xlb/op.sock
PINS=/sys/fs/bpf/xlb-op
LOG=$WORK/xlbd.log
STATE_FILE='/run/xlb/state-sys-fs-bpf-xlb\x2dop.json' # the pin path, escaped

[ "$(id -u)" -eq 0 ] || { echo "operator: needs root"; echo "0 passed, 1 failed"; exit 1; }

. "$TOP/tests/e2e/lib.sh"

# The daemon's pid, as it says itself.
xlbd_pid() { ctl -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }

# Start xlbd as a daemon from $WORK with a relative -c: returns once it has
# detached (its exit status is the start's), then waits for the socket.
xlbd_daemon() {
	(cd "$WORK" && lbns "$BUILD/xlbd" -c xlb.yaml 2>>"$LOG") || return 1
	for _ in $(seq 50); do
		ctl status >/dev/null 2>&1 && { XLBD_PID=$(xlbd_pid); return 0; }
		sleep 0.1
	done
	return 1
}

# Does eth0 (or $2) of namespace $1 have an XDP program?
has_xdp() { grep -q ' xdp' <<<"$(ip -n "$P-$1" link show "${2:-eth0}")"; }

# A config like ours with the changes a sed script makes (and without our
# read-only socket, which is the running xlbd's).
cfg_variant() { sed -e '/^control_socket_read_only:/d' -e "$1" "$CFG" >"$WORK/$2"; echo "$WORK/$2"; }

# The config of an instance beside ours: on eth1, with pins and a socket of
# its own (and the sed script $1's changes), written to $WORK/$2.
aside_cfg() {
	cfg_variant "s|^control_socket: .*|control_socket: /run/xlb/op-det.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op4|; s|^interface: eth0|interface: eth1|; $1" "$2"
}

# Start xlbd in the foreground on config $1 (from aside_cfg); ASIDE_PID is its
# pid once its socket answers.
aside_start() {
	nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$1" >>"$WORK/det.log" 2>&1 &
	ASIDE_PID=$!
	for _ in $(seq 100); do
		"$BUILD/xlbctl" -s /run/xlb/op-det.sock status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# The maps a second instance must leave alone, as bpftool dumps them.
maps_snapshot() {
	local m
	for m in xlb_vips xlb_backends xlb_config; do
		bpftool -j map dump pinned "$PINS/$m"
	done
}

cleanup() {
	local pid
	pid=$(xlbd_pid 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	sleep 0.2
	[ -e "$PINS" ] && lbns "$BUILD/xlbd" -c "$CFG" --detach >/dev/null 2>&1
	for b in 1 2; do
		nsenter --net=/run/netns/$P-be$b "$BUILD/xlb-decap" detach eth0 >/dev/null 2>&1
	done
	"$TOP/scripts/lab.sh" down >/dev/null 2>&1
	rmdir /sys/fs/bpf/xlb-decap 2>/dev/null # if the decap test made it and nobody else uses it
	rm -f /run/xlbo-ro.sock
	rm -rf "$PINS" /sys/fs/bpf/xlb-op2 /sys/fs/bpf/xlb-op3 /sys/fs/bpf/xlb-op4 "$WORK" "$SOCK" # a kill -9 leaves the socket
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tests --------------------------------------------------------------------

test_start_error_reaches_the_terminal_without_f() {
	local cfg out rc
	cfg=$(cfg_variant 's/^interface: eth0/interface: nosuch0/' nosuch.yaml)
	out=$(lbns "$BUILD/xlbd" -c "$cfg" 2>&1)
	rc=$?
	say "exit $rc: $out"
	[ "$rc" -ne 0 ] && [[ $out == *"interface nosuch0"* ]]
}

test_daemon_without_syslog_logs_to_stderr_and_reloads_its_relative_config() {
	local pid out
	pid=$XLBD_PID
	say "xlbd pid $pid, started as: xlbd -c xlb.yaml (in $WORK)"
	grep -q "attached program" "$LOG" || { say "no start-up line in the log"; return 1; }
	out=$(ctl reload) || { say "reload: $out"; return 1; }
	sleep 0.2
	grep "reloaded $WORK/xlb.yaml" "$LOG" | tail -1 | sed 's/^/    /'
	# lines keep coming after the start, with the time in front
	grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ xlbd: reloaded $WORK/xlb.yaml" "$LOG"
}

# The pins as written, and as they may be misspelled (a trailing slash, "//",
# "/./"): one directory, one instance.
test_second_xlbd_on_the_same_pins_changes_nothing_and_names_the_first() {
	local cfg before after out rc pins
	for pins in "$PINS" "$PINS/" "${PINS%/*}//./${PINS##*/}"; do
		cfg=$(cfg_variant "s|^control_socket: .*|control_socket: /run/xlb/op-second.sock|; s|^pin_path: .*|pin_path: $pins|; /^vips:/,\$d" second.yaml)
		echo "vips: []" >>"$cfg"
		before=$(maps_snapshot)
		out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" -i eth1 2>&1)
		rc=$?
		say "second xlbd, pin_path $pins: exit $rc: $out"
		after=$(maps_snapshot)
		[ "$rc" -ne 0 ] || return 1
		[[ $out == *"pid $XLBD_PID"* && $out == *"$SOCK"* ]] || { say "the first is not named"; return 1; }
		[ "$before" = "$after" ] || { say "the maps changed"; return 1; }
		! has_xdp lb eth1 || { say "a program was left on eth1"; return 1; }
		[ ! -e /run/xlb/op-second.sock ] || { say "its socket was left"; return 1; }
	done
	out=$(spread http://10.111.1.100/ -n 100 -p 8)
	say "traffic after: $out"
	[ "$(count "$out" errors)" -eq 0 ]
}

test_second_xlbd_on_the_same_interface_is_refused() {
	local cfg out rc
	cfg=$(cfg_variant 's|^control_socket: .*|control_socket: /run/xlb/op-third.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op2|' third.yaml)
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" 2>&1)
	rc=$?
	say "exit $rc: $out"
	[ "$rc" -ne 0 ] && [[ $out == *"pid $XLBD_PID"* ]] && [ ! -e /sys/fs/bpf/xlb-op2 ]
}

test_detach_while_the_daemon_runs_is_refused() {
	local out rc
	out=$(lbns "$BUILD/xlbd" -c "$CFG" --detach 2>&1)
	rc=$?
	say "exit $rc: $out"
	[ "$rc" -ne 0 ] && has_xdp lb && ctl status >/dev/null && [[ $out == *"xlbctl -s $SOCK detach"* ]]
}

test_failed_start_leaves_no_pins() {
	local cfg out rc
	# somebody else's program on eth1: the attach fails after the maps were made
	ip -n $P-lb link set dev eth1 xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	cfg=$(cfg_variant 's|^control_socket: .*|control_socket: /run/xlb/op-fail.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op3|' fail.yaml)
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" -i eth1 2>&1)
	rc=$?
	ip -n $P-lb link set dev eth1 xdpdrv off
	say "exit $rc: $(tail -1 <<<"$out")"
	[ "$rc" -ne 0 ] && [[ $out == *"another XDP program is attached"* ]] || return 1
	[ ! -e /sys/fs/bpf/xlb-op3 ] || { say "left: $(ls /sys/fs/bpf/xlb-op3 | wc -l) pins"; return 1; }
	[ ! -e /run/xlb/op-fail.sock ] || { say "its socket was left"; return 1; }
}

test_sighup_during_start_up_neither_kills_nor_half_starts() {
	local cfg pid out rc=0
	cfg=$(cfg_variant 's|^control_socket: .*|control_socket: /run/xlb/op-hup.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op3|' hup.yaml)
	nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" -i eth1 >"$WORK/hup.log" 2>&1 &
	pid=$!
	# once xlbd's main has blocked SIGHUP (bit 0 of SigBlk, within a second):
	# before main runs no program can hold a signal off, and on a loaded
	# machine loading xlbd's libraries took longer than the first HUP's 20 ms
	for _ in $(seq 200); do
		(($(printf '%d' "0x$(awk '/^SigBlk/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)") & 1)) &&
			break
		sleep 0.005
	done
	for _ in 1 2 3 4 5; do
		sleep 0.02
		kill -HUP "$pid" 2>/dev/null
	done
	for _ in $(seq 50); do
		"$BUILD/xlbctl" -s /run/xlb/op-hup.sock status >/dev/null 2>&1 && break
		sleep 0.1
	done
	out=$("$BUILD/xlbctl" -s /run/xlb/op-hup.sock status 2>&1 | head -1)
	say "after five SIGHUPs in its first 100 ms: ${out:-no answer}"
	kill -0 "$pid" 2>/dev/null || { say "xlbd died: $(tail -2 "$WORK/hup.log")"; rc=1; }
	"$BUILD/xlbctl" -s /run/xlb/op-hup.sock detach --yes >/dev/null 2>&1
	wait "$pid" 2>/dev/null
	[ -e /sys/fs/bpf/xlb-op3 ] && { say "pins left"; rc=1; }
	rm -rf /sys/fs/bpf/xlb-op3
	[ $rc -eq 0 ] && [[ $out == xlbd* ]]
}

test_pin_directory_of_another_user_is_refused() {
	local cfg out rc
	mkdir -p /sys/fs/bpf/xlb-op3
	chown nobody /sys/fs/bpf/xlb-op3
	cfg=$(cfg_variant 's|^control_socket: .*|control_socket: /run/xlb/op-other.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op3|' other.yaml)
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$cfg" -i eth1 2>&1)
	rc=$?
	rmdir /sys/fs/bpf/xlb-op3
	say "exit $rc: $(tail -1 <<<"$out")"
	[ "$rc" -ne 0 ] && [[ $out == *"belongs to another user"* ]] && ! has_xdp lb eth1
}

test_xlbctl_takes_no_prefix_for_a_destructive_verb() {
	local out rc
	out=$(ctl d 2>&1)
	rc=$?
	say "xlbctl d: exit $rc: $out"
	[ "$rc" -eq 2 ] && has_xdp lb && ctl status >/dev/null || return 1
	out=$(ctl vip d web 2>&1)
	say "xlbctl vip d web: $out"
	ctl vip show web >/dev/null || { say "vip web is gone"; return 1; }
	out=$(ctl backend de web 10.111.0.11 2>&1)
	say "xlbctl backend de: $out"
	[ "$(ctl -j vip show web | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["vip"]["backends"]))')" = 2 ] || return 1
	# on a terminal, detach asks first; "n" keeps everything
	out=$(echo n | script -qec "$BUILD/xlbctl -s $SOCK detach" /dev/null 2>&1)
	say "xlbctl detach on a terminal, answered n: $(tr -d '\r' <<<"$out" | tail -1)"
	sleep 0.3
	has_xdp lb && ctl status >/dev/null || return 1
	out=$(ctl vip 2>&1)
	[[ $out == *"xlbctl vip add"* ]] || { say "xlbctl vip: $out"; return 1; }
}

test_backend_added_at_run_time_gets_a_known_neighbours_mac_at_once() {
	local out mac
	# REACHABLE and quiet: the kernel has nothing more to say of it
	lbns ping -c1 -W1 10.111.0.12 >/dev/null
	sleep 1
	say "neighbour: $(ip -n $P-lb neigh show 10.111.0.12)"
	ctl vip add alt 10.111.1.101 80 tcp || return 1
	ctl backend add alt 10.111.0.12 || return 1
	for _ in $(seq 15); do
		mac=$(ctl -j vip show alt | python3 -c 'import json,sys; print(json.load(sys.stdin)["vip"]["backends"][0]["mac"])')
		[ "$mac" != None ] && break
		sleep 0.1
	done
	say "alt's backend: mac $mac"
	out=$(spread http://10.111.1.101/ -n 50 -p 8)
	say "traffic: $out"
	ctl vip del alt >/dev/null
	[ "$mac" != None ] && [ "$(count "$out" be2)" -eq 50 ]
}

test_vip_added_by_reload_over_known_backends_is_served() {
	local out
	cat >>"$CFG" <<'YAML'
  - name: reloaded
    address: 10.111.1.102
    port: 80
    backends:
      - address: 10.111.0.11
      - address: 10.111.0.12
YAML
	ctl reload | sed 's/^/    /'
	sleep 1.2
	out=$(spread http://10.111.1.102/ -n 100 -p 8)
	say "traffic: $out"
	[ "$(count "$out" errors)" -eq 0 ] && [ "$(count "$out" be1)" -gt 0 ] &&
		[ "$(count "$out" be2)" -gt 0 ]
}

test_static_neighbour_entry_stays_permanent() {
	local out
	out=$(ip -n $P-lb neigh show 10.111.0.11)
	say "after start, adds and reloads: $out"
	[[ $out == *PERMANENT* ]]
}

test_reload_changing_forwarding_is_applied_and_reported() {
	local out port
	sed -i '/^  - name: web8080/,/^    backends:/s/^    port: 8080/    port: 8080\n    forwarding: ipip/' "$CFG"
	out=$(ctl reload)
	say "$out"
	[[ $out == *"vip web8080: forwarding dsr -> ipip"* ]] || return 1
	port=8080
	mapq xlb_vips "[e['value']['fwd_mode'] for e in m if e['key']['port'] == $port] == ['XLB_FWD_IPIP']" ||
		{ say "xlb_vips does not say ipip"; return 1; }
	# an instance-wide key is reported too (dry run: nothing applied)
	sed -i 's/^interface: eth0$/interface: eth0\nforwarding: gue/' "$CFG"
	out=$(ctl reload --dry-run)
	sed -i '/^forwarding: gue$/d' "$CFG"
	say "$(grep 'forwarding dsr' <<<"$out")"
	[[ $out == *"  forwarding dsr -> gue"* ]] || return 1
	# a key that needs a detach is refused, by name, and nothing changes
	sed -i 's/^max_flows: .*/max_flows: 131072/' "$CFG"
	out=$(ctl reload 2>&1)
	say "$out"
	sed -i 's/^max_flows: .*/max_flows: 65536/' "$CFG"
	[[ $out == *"max_flows 65536 -> 131072 needs a detach"* ]]
}

# A health check's keys change what is served as surely as a weight: a dry
# run and the reload list each one (and a file that differs in nothing lists
# nothing).
test_reload_lists_health_check_changes() {
	local out dry
	ctl reload >/dev/null || return 1
	out=$(ctl reload)
	[[ $out == "reloaded: 0 changes"* ]] || { say "not 0 changes: $out"; return 1; }
	sed -i 's/^      interval: 300ms$/      interval: 400ms/; s/^      fall: 1$/      fall: 2/' "$CFG"
	dry=$(ctl reload --dry-run)
	out=$(ctl reload)
	sed -i 's/^      interval: 400ms$/      interval: 300ms/; s/^      fall: 2$/      fall: 1/' "$CFG"
	ctl reload >/dev/null
	say "$(tr '\n' '|' <<<"$dry")"
	[[ $dry == *"a reload would make: 2 changes"* && $dry == *"vip execd: check.interval 300ms -> 400ms"* &&
		$dry == *"vip execd: check.fall 1 -> 2"* ]] || return 1
	[[ $out == *"reloaded: 2 changes"* && $out == *"vip execd: check.interval 300ms -> 400ms"* ]]
}

# A monitoring agent need not be root: the read-only socket answers its
# reads and refuses changes by code; the root socket tells it "not permitted"
# (not "unreachable"); with -j even xlbctl's own errors are JSON.
test_a_non_root_agent_reads_through_the_read_only_socket_and_changes_nothing() {
	local out rc nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	out=$("${nobody[@]}" "$BUILD/xlbctl" -s /run/xlbo-ro.sock -j status 2>&1) ||
		{ say "status: $out"; return 1; }
	[ "$(jget "$out" pid)" = "$XLBD_PID" ] || { say "status: $out"; return 1; }
	out=$("${nobody[@]}" "$BUILD/xlbctl" -s /run/xlbo-ro.sock -j backend set web 10.111.0.12 weight 7 2>/dev/null)
	rc=$?
	say "a change on the read-only socket: exit $rc: $out"
	[ $rc -eq 1 ] && [ "$(jget "$out" error code)" = read_only ] || return 1
	[ "$(be_state web 10.111.0.12 | cut -d' ' -f2)" != 7 ] || { say "the change was made"; return 1; }
	out=$("${nobody[@]}" "$BUILD/xlbctl" -s "$SOCK" -j status 2>/dev/null)
	rc=$?
	say "the root socket, not root: exit $rc: $out"
	[ $rc -eq 4 ] && [ "$(jget "$out" error code)" = permission_denied ] || return 1
	out=$("$BUILD/xlbctl" -s /run/xlb/nobody-here.sock -j status 2>/dev/null)
	rc=$?
	say "no xlbd there: exit $rc: $out"
	[ $rc -eq 3 ] && [ "$(jget "$out" error code)" = unreachable ] || return 1
	out=$("$BUILD/xlbctl" -j st 2>/dev/null)
	rc=$?
	say "ambiguous: exit $rc: $out"
	[ $rc -eq 2 ] && [ "$(jget "$out" error code)" = usage ]
}

# Logs and output at size: a start says the MACs it knew in one line, not one
# a backend, and a fresh start's first all-down (nothing checked yet) is no
# warning; a backend with no route shows no interface to leave through.
test_logs_and_lists_say_what_is_so_in_few_lines() {
	local start out
	start=$(sed -n '1,/MACs found since the start/p' "$LOG")
	say "$(grep -c 'is at' <<<"$start") 'is at' lines at start; $(grep "MACs found since" <<<"$start" | head -1 | sed 's/.*xlbd: //')"
	grep -q "is at" <<<"$start" && return 1
	grep -Eq "ready: [1-9][0-9]* backends' MACs found since the start" <<<"$start" || return 1
	grep -q "every backend is down" <<<"$start" && { say "a fresh start warned all down"; return 1; }
	ctl backend add web 10.99.0.1 >/dev/null || return 1
	out=$(ctl backend list web | grep 10.99.0.1)
	ctl backend del web 10.99.0.1 >/dev/null
	say "$out"
	[[ $out == *"(no usable route) - "* ]] || return 1
	# five rings or more: status counts the fingerprints instead of a line of them all
	for v in 1 2; do
		ctl vip add fp$v 10.111.1.12$v 80 tcp >/dev/null && ctl backend add fp$v 10.111.0.11 >/dev/null ||
			return 1
	done
	out=$(ctl status | grep rings)
	for v in 1 2; do ctl vip del fp$v >/dev/null; done
	say "$out"
	[[ $out =~ rings\ +[5-9]\ fingerprints ]]
}

test_undone_changes_are_listed_once() {
	local out
	ctl backend set web 10.111.0.11 weight 50 >/dev/null || return 1
	out=$(ctl reload)
	say "$out"
	[ "$(grep -c 'weight 50 -> 100' <<<"$out")" -eq 1 ] && [[ $out == *"undoes a change made with xlbctl"* ]]
}

test_vip_created_under_a_reused_id_starts_with_zero_counters() {
	local out n
	ctl vip add old 10.111.1.103 80 tcp >/dev/null && ctl backend add old 10.111.0.11 >/dev/null || return 1
	sleep 0.5
	spread http://10.111.1.103/ -n 20 -p 4 >/dev/null
	n=$(ctl -j stats old | python3 -c 'import json,sys; print(json.load(sys.stdin)["vips"][0]["packets"])')
	say "vip old: $n packets"
	ctl vip del old >/dev/null && ctl vip add new 10.111.1.104 80 tcp >/dev/null || return 1
	out=$(ctl -j stats new | python3 -c 'import json,sys; v=json.load(sys.stdin)["vips"][0]; print(v["packets"], v["new_flows"])')
	say "vip new, same id: packets, new flows: $out"
	ctl vip del new >/dev/null
	[ "$n" -gt 0 ] && [ "$out" = "0 0" ]
}

# An attach that fails (native XDP on a 9000-byte veth) leaves no pins, and
# status, which reads the link, says it is not attached.
test_a_failed_decap_attach_leaves_nothing_and_status_says_so() {
	local out rc
	ip -n "$P-be1" link add xdt0 mtu 9000 type veth peer name xdt1 mtu 9000 || return 1
	ip -n "$P-be1" link set xdt0 up && ip -n "$P-be1" link set xdt1 up
	out=$(nsenter --net=/run/netns/$P-be1 "$BUILD/xlb-decap" attach xdt0 --mode native 2>&1)
	rc=$?
	say "attach: exit $rc: $out"
	[ $rc -ne 0 ] || { ip -n "$P-be1" link del xdt0; return 1; }
	out=$(nsenter --net=/run/netns/$P-be1 "$BUILD/xlb-decap" status xdt0 2>&1)
	rc=$?
	ip -n "$P-be1" link del xdt0
	say "status: exit $rc: $out; pins: $(ls -d /sys/fs/bpf/xlb-decap/xdt0* 2>/dev/null)"
	[ $rc -ne 0 ] && [[ $out == *"not attached to xdt0"* ]] && ! ls -d /sys/fs/bpf/xlb-decap/xdt0* >/dev/null 2>&1
}

test_decap_in_two_namespaces_keeps_two_states() {
	local s1 s2
	for b in 1 2; do
		nsenter --net=/run/netns/$P-be$b "$BUILD/xlb-decap" attach eth0 >/dev/null || return 1
	done
	s1=$(nsenter --net=/run/netns/$P-be1 "$BUILD/xlb-decap" status eth0)
	s2=$(nsenter --net=/run/netns/$P-be2 "$BUILD/xlb-decap" status eth0)
	say "be1: $(head -1 <<<"$s1")"
	say "be2: $(head -1 <<<"$s2")"
	[ "$(head -1 <<<"$s1")" != "$(head -1 <<<"$s2")" ] || return 1
	# be1's pins, named from be2: refused, not shown as be2's
	s2=$(nsenter --net=/run/netns/$P-be2 "$BUILD/xlb-decap" --pin-dir /sys/fs/bpf/xlb-decap/eth0@$P-be1 status eth0 2>&1)
	say "be2 asking for be1's pins: $s2"
	[[ $s2 == *"does not serve eth0 in this network namespace"* ]] || return 1
	nsenter --net=/run/netns/$P-be1 "$BUILD/xlb-decap" detach eth0 >/dev/null || return 1
	! has_xdp be1 && has_xdp be2 || { say "detach in be1 did not act on be1 alone"; return 1; }
	nsenter --net=/run/netns/$P-be2 "$BUILD/xlb-decap" status eth0 >/dev/null || return 1
	nsenter --net=/run/netns/$P-be2 "$BUILD/xlb-decap" detach eth0 >/dev/null
}

test_cli_speaks_one_json_shape_and_says_what_it_changed() {
	local cmd out b
	for cmd in "status" "vip list" "vip show web" "backend list web" "health" "health web" \
		"stats" "stats web"; do
		out=$(ctl -j $cmd) || { say "xlbctl -j $cmd failed"; return 1; }
		python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if isinstance(d, dict) and "ok" not in d else 1)' "$out" ||
			{ say "xlbctl -j $cmd: ${out:0:200}"; return 1; }
	done
	out=$(ctl -j vip show nosuch)
	[[ $out == '{"error":{'* ]] || { say "an error with -j: $out"; return 1; }
	# measured values are rounded, not printed with 17 digits
	out=$(ctl -j status)
	grep -qE '"took_ms":[0-9]+(\.[0-9])?[,}]' <<<"$out" || { say "took_ms: $out"; return 1; }
	out=$(ctl backend set web 10.111.0.11 weight 70)
	say "xlbctl backend set: $out"
	[ "$out" = "vip web: backend 10.111.0.11 weight 100 -> 70" ] || return 1
	ctl backend set web 10.111.0.11 weight 100 >/dev/null
	out=$(ctl stats web)
	[[ $out == *"every packet the program saw, all VIPs and none"* ]] || return 1
	out=$(ctl health web | sed -n 2p)
	[[ $out == *"WEIGHT EFFECTIVE"* ]] || { say "health columns: $out"; return 1; }
	for b in xlbd xlbctl xlb-decap; do
		out=$("$BUILD/$b" --version) && [[ $out =~ ^$b\ [0-9] ]] || { say "$b --version: $out"; return 1; }
	done
	say "$out"
}

test_status_warns_when_the_veth_peer_has_no_xdp() {
	local out
	ip -n $P-sw link set dev p-lb xdpdrv off
	out=$(ctl status)
	ip -n $P-sw link set dev p-lb xdpdrv obj "$BUILD/xdp_pass.bpf.o" sec xdp
	say "$(grep WARNING <<<"$out")"
	[[ $out == *"WARNING: the interface is a veth whose peer has no XDP program"* ]] || return 1
	out=$(ctl status)
	[[ $out != *WARNING* ]]
}

test_exec_check_commands_start_clean() {
	local out
	for _ in $(seq 30); do
		out=$(ctl -j health execd | python3 -c 'import json,sys; b=json.load(sys.stdin)["vips"][0]["backends"][0]; print(b["health"], b["reason"])')
		[ "${out%% *}" = up ] && break
		sleep 0.1
	done
	say "check-stdio.sh: $out"
	[ "$out" = "up exit status 0" ]
}

# The daemon's open descriptors and resident memory (KiB).
xlbd_fds() { ls "/proc/$XLBD_PID/fd" | wc -l; }
xlbd_rss() { awk '/^VmRSS/ {print $2}' "/proc/$XLBD_PID/status"; }

test_control_socket_keeps_nothing_of_bad_clients() {
	local fd0 fd1 rss0 rss1 out
	fd0=$(xlbd_fds)
	rss0=$(xlbd_rss)
	# 100 requests cut off without their newline and 100 too long, each client gone at once
	python3 - "$SOCK" <<'PY'
import socket, sys
for body in [b'{"cmd":"sta'] * 100 + [b"x" * 70000] * 100:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    try:
        s.sendall(body)
    except OSError:
        pass
    s.close()
PY
	# a client that sends requests for 5 s and never reads a reply: xlbd stops
	# reading it once 1 MiB of replies wait (unbounded, this grew by tens of MB)
	out=$(python3 - "$SOCK" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setblocking(False)
sent, t = 0, time.time()
while time.time() - t < 5:
    try:
        sent += s.send(b'{"cmd":"vip.list"}\n' * 200)
    except BlockingIOError:
        time.sleep(0.01)
print(sent)
s.close()
PY
)
	sleep 0.5
	fd1=$(xlbd_fds)
	rss1=$(xlbd_rss)
	say "descriptors $fd0 -> $fd1; RSS $rss0 -> $rss1 KiB; the silent reader sent $out bytes"
	# stopped reading: what it took is what the socket buffers hold, not megabytes
	[ "$fd1" -le $((fd0 + 2)) ] && [ "$out" -lt 1000000 ] && [ "$rss1" -lt $((rss0 + 20000)) ] &&
		ctl status >/dev/null
}

test_control_clients_are_capped_and_the_socket_comes_back() {
	local fd0 out
	fd0=$(xlbd_fds)
	out=$(python3 - "$SOCK" "$XLBD_PID" <<'PY'
import os, socket, sys, time
held = []
for _ in range(100):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(0.5)
fds = len(os.listdir("/proc/%s/fd" % sys.argv[2]))
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
try:
    s.sendall(b'{"cmd":"status"}\n')
except (BrokenPipeError, ConnectionResetError):
    pass  # answered "busy" and closed before we asked: the answer waits to be read
answer = s.recv(4096).decode().strip()
print(fds, answer)
for h in held:
    h.close()
PY
)
	sleep 0.5
	say "with 100 idle clients: descriptors $fd0 -> ${out%% *}; the 101st: ${out#* }"
	[ "${out%% *}" -le $((fd0 + 64 + 2)) ] && [[ $out == *'"code":"busy"'* ]] && ctl status >/dev/null
}

# A backend's state, weight and state in xlb_backends: "drain 30 2".
be_state() {
	local a=$2
	ctl -j vip show "$1" | python3 -c '
import json, sys
b = [b for b in json.load(sys.stdin)["vip"]["backends"] if b["address"] == sys.argv[1]][0]
print(b["state"], b["weight"], b["id"])' "$a"
}

rings_now() {
	local v
	for v in $(ctl -j vip list | python3 -c 'import json,sys; print(" ".join(v["name"] for v in json.load(sys.stdin)["vips"]))'); do
		echo "$v $(ring_map_id "$v")"
	done
}

# A restart keeps the pinned rings it would build again, as they are (no
# Maglev table built, no VIP made young); a VIP whose weights changed in the
# file while xlbd was down gets its ring built anew, the others are kept.
test_a_restart_keeps_the_rings_it_would_build_again() {
	local before after rc=0
	before=$(rings_now)
	kill -9 "$XLBD_PID"
	sleep 0.3
	xlbd_daemon || return 1
	after=$(rings_now)
	say "rings (VIP, inner map id): $(tr '\n' ' ' <<<"$before")-> $(tr '\n' ' ' <<<"$after")"
	say "$(grep -o '[0-9]* of [0-9]* rings kept as pinned' "$LOG" | tail -1)"
	[ "$before" = "$after" ] || rc=1
	kill -9 "$XLBD_PID"
	sleep 0.3
	cp "$CFG" "$WORK/keep.yaml"
	python3 - "$CFG" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("      - address: 10.111.0.12\n  - name: web8080", "      - address: 10.111.0.12\n        weight: 300\n  - name: web8080", 1)
open(p, "w").write(s)
PY
	xlbd_daemon || rc=1
	after=$(rings_now)
	cp "$WORK/keep.yaml" "$CFG"
	ctl reload >/dev/null || rc=1
	say "web's weights changed while down: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	[ "$(grep -v '^web ' <<<"$before")" = "$(grep -v '^web ' <<<"$after")" ] || rc=1
	[ "$(grep '^web ' <<<"$before")" != "$(grep '^web ' <<<"$after")" ] || rc=1
	return $rc
}

test_runtime_changes_survive_kill_9_until_a_reload() {
	local out st id
	ctl reload >/dev/null || return 1 # from the file's settings, nothing kept
	ctl backend set web 10.111.0.12 state drain >/dev/null &&
		ctl backend set web 10.111.0.12 weight 30 >/dev/null &&
		ctl vip add extra 10.111.1.105 80 tcp >/dev/null &&
		ctl backend add extra 10.111.0.11 >/dev/null || return 1
	say "state file: $(cat $STATE_FILE | wc -l) lines (two sets of be2 are one)"
	kill -9 "$XLBD_PID"
	sleep 0.3
	xlbd_daemon || { say "no restart"; return 1; }
	st=$(be_state web 10.111.0.12)
	say "after kill -9 and a start: be2 $st; vip extra: $(ctl -j vip show extra >/dev/null 2>&1 && echo kept || echo lost)"
	id=${st##* }
	[ "${st% *}" = "drain 30" ] && ctl vip show extra >/dev/null || return 1
	mapq xlb_backends "any(e['key'] == $id and e['value']['state'] == 'XLB_BE_DRAIN' for e in m)" ||
		{ say "xlb_backends does not say drain"; return 1; }
	grep -q "restored 3 of 3 changes made with xlbctl" "$LOG" || { say "no restore line"; return 1; }
	out=$(ctl reload --dry-run)
	say "$(sed -n '1,6p' <<<"$out" | sed '2,$s/^/    /')"
	[[ $out == *"vip web: backend 10.111.0.12 state drain -> up"* && $out == *"vip extra removed"* ]] ||
		return 1
	[ "$(be_state web 10.111.0.12)" = "$st" ] || { say "the dry run changed something"; return 1; }
	ctl reload >/dev/null || return 1
	[ ! -e $STATE_FILE ] || { say "state kept after reload"; return 1; }
	kill -9 "$XLBD_PID"
	sleep 0.3
	xlbd_daemon || return 1
	st=$(be_state web 10.111.0.12)
	say "after the reload and another kill -9: be2 $st"
	[ "${st% *}" = "up 100" ]
}

# A change the state file cannot keep is not answered "ok"; a line of it that
# cannot be read is told at the start and the file kept aside, not dropped.
test_state_file_failures_are_told_not_swallowed() {
	local out rc
	ctl reload >/dev/null || return 1
	mkdir "$STATE_FILE.new" || return 1 # the temporary cannot be written
	out=$(ctl backend set web 10.111.0.12 weight 77 2>&1)
	rc=$?
	rmdir "$STATE_FILE.new"
	say "unwritable: exit $rc: $out"
	[ $rc -ne 0 ] && [[ $out == *"weight 100 -> 77"*"will not survive a restart"* ]] || return 1
	ctl backend set web 10.111.0.12 weight 60 >/dev/null || return 1
	printf '{"cmd":"backend.set","vip":"web","addr\n' >>"$STATE_FILE"
	kill -9 "$XLBD_PID"
	sleep 0.3
	: >"$LOG"
	xlbd_daemon || { say "no restart"; return 1; }
	out=$(grep "runtime state file" "$LOG")
	say "$out"
	[[ $out == *":2: left out, "*".unreadable"* ]] && [ -s "$STATE_FILE.unreadable" ] || return 1
	[ "$(be_state web 10.111.0.12 | cut -d' ' -f2)" = 60 ] || { say "the kept line was lost"; return 1; }
	rm -f "$STATE_FILE.unreadable"
	ctl reload >/dev/null
}

# xlbctl detach answers once the program is off the interface and the pins
# are gone: a script that goes on at once finds nothing of the old xlbd, and
# a new one starts on the same pins, socket and interface straight away.
test_detach_is_done_when_it_answers() {
	local cfg out pid pid2 i
	cfg=$(aside_cfg '' det.yaml)
	for i in 1 2; do
		aside_start "$cfg" || { say "start $i failed"; return 1; }
		pid=$ASIDE_PID
		has_xdp lb eth1 || { say "start $i: no program on eth1"; return 1; }
		out=$("$BUILD/xlbctl" -s /run/xlb/op-det.sock detach --yes 2>&1) || { say "detach: $out"; return 1; }
		# at once, before xlbd has even exited
		has_xdp lb eth1 && { say "start $i: '$out', and the program is still on eth1"; return 1; }
		[ -e /sys/fs/bpf/xlb-op4 ] && { say "start $i: '$out', and the pins are still there"; return 1; }
		say "start $i: $out"
		wait "$pid" || { say "xlbd exited $?"; return 1; }
	done
	grep -q "is served by a running xlbd" "$WORK/det.log" && { say "refused as a second instance"; return 1; }
	return 0
}

# xlbd --detach run in the wrong network namespace sees the pinned program on
# none of its interfaces: it refuses, names where it looked, and keeps the
# pins (once it reported success and orphaned a program that went on
# forwarding with frozen maps).
test_offline_detach_in_another_namespace_refuses_and_keeps_the_pins() {
	local cfg out rc
	cfg=$(aside_cfg '' det.yaml)
	aside_start "$cfg" || return 1
	kill "$ASIDE_PID"; wait "$ASIDE_PID"
	has_xdp lb eth1 || { say "no program left on eth1"; return 1; }
	out=$("$BUILD/xlbd" -c "$cfg" --detach 2>&1)
	rc=$?
	say "from the test's own namespace: exit $rc: $out"
	[ -e /sys/fs/bpf/xlb-op4/xlb_vips ] && has_xdp lb eth1 || rc=0
	[[ $out == *"attached to no interface of "*"network namespace"*"pins are kept"* ]] || rc=0
	out=$(lbns "$BUILD/xlbd" -c "$cfg" --detach 2>&1) || { say "$out"; return 1; }
	say "from $P-lb: $out"
	[ $rc -ne 0 ] && ! has_xdp lb eth1 && [ ! -e /sys/fs/bpf/xlb-op4/xlb_vips ]
}

# Started from a terminal with no syslog listening, a daemon leaves the
# terminal: it says where its lines go, and later lines are there, not on a
# terminal nobody reads once the shell is gone.
test_a_daemon_started_from_a_terminal_without_syslog_logs_to_a_file() {
	local cfg out file rc=0
	cfg=$(aside_cfg '' tty.yaml)
	file='/var/log/xlb/xlbd-sys-fs-bpf-xlb\x2dop4.log'
	rm -f "$file"
	out=$(script -qec "nsenter --net=/run/netns/$P-lb $BUILD/xlbd -c $cfg" /dev/null)
	say "on the terminal: $(grep -a 'logging to' <<<"$out" | tr -d '\r')"
	"$BUILD/xlbctl" -s /run/xlb/op-det.sock reload >/dev/null || rc=1
	sleep 0.3
	say "in $file: $(grep -c . "$file" 2>/dev/null) lines, the last: $(tail -1 "$file" 2>/dev/null)"
	grep -q "reloaded" "$file" 2>/dev/null || rc=1
	"$BUILD/xlbctl" -s /run/xlb/op-det.sock detach --yes >/dev/null || rc=1
	rm -f "$file"
	[ $rc -eq 0 ] && [[ $out == *"logging to $file"* ]]
}

# A restart whose file names another XDP mode than the program attached runs
# in is refused by name, as a reload refuses it, and changes nothing.
test_a_restart_in_another_xdp_mode_is_refused() {
	local gen nat out rc
	gen=$(aside_cfg 's|^xdp_mode: .*|xdp_mode: generic|' gen.yaml)
	nat=$(aside_cfg '' nat.yaml)
	aside_start "$gen" || return 1
	kill "$ASIDE_PID"; wait "$ASIDE_PID"
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$nat" 2>&1)
	rc=$?
	say "exit $rc: $(grep xdp_mode <<<"$out")"
	[[ $(ip -n "$P-lb" link show eth1) == *"xdpgeneric"* ]] || { say "the generic program went"; rc=0; }
	lbns "$BUILD/xlbd" -c "$gen" --detach >/dev/null 2>&1
	[ $rc -ne 0 ] && [[ $out == *"attached in generic mode and $nat says native"* ]]
}

# A link at MTU 9000, where the driver refuses a program without multi-buffer
# support in native mode: native says why in words (the MTU, the limit, what
# to do), auto falls back to generic and says so, and the MTU tunnelled
# frames are measured against is the link's, followed as it changes.
jumbo_off() { ip -n "$P-lb" link set eth1 mtu 1500; ip -n "$P-far" link set eth0 mtu 1500; }

test_a_jumbo_link_native_says_why_and_auto_falls_back() {
	local auto nat out st rc=0
	auto=$(aside_cfg 's|^xdp_mode: .*|xdp_mode: auto|; /^mtu:/d' auto.yaml)
	nat=$(aside_cfg 's|^xdp_mode: .*|xdp_mode: native|; /^mtu:/d' nat9k.yaml)
	# (veth checks its peer's MTU: the far end goes to 9000 too)
	ip -n "$P-far" link set eth0 mtu 9000 && ip -n "$P-lb" link set eth1 mtu 9000 || return 1
	out=$(timeout 20 nsenter --net=/run/netns/$P-lb "$BUILD/xlbd" -f -c "$nat" 2>&1)
	st=$?
	say "native: exit $st: $(grep -o 'attaching to.*MTU, [0-9]*' <<<"$out")..."
	[ $st -ne 0 ] && [[ $out == *"eth1's MTU, 9000, is more than its driver takes"*"xdp_mode: generic"* ]] || rc=1
	aside_start "$auto" || { jumbo_off; return 1; }
	out=$("$BUILD/xlbctl" -s /run/xlb/op-det.sock -j status)
	say "auto: $(jget "$out" xdp_mode) mode, mtu $(jget "$out" mtu) from the $(jget "$out" mtu_from)"
	[ "$(jget "$out" xdp_mode)" = generic ] && [ "$(jget "$out" mtu)" = 9000 ] || rc=1
	[[ $(jget "$out" warnings) == *"native XDP was refused"* ]] || { say "no warning in status"; rc=1; }
	grep -q "xdp_mode auto: eth1 refused native XDP (Numerical result out of range: eth1's MTU, 9000" \
		"$WORK/det.log" || { say "no warning in the log"; rc=1; }
	ip -n "$P-lb" link set eth1 mtu 4000
	for _ in $(seq 50); do
		[ "$(jget "$("$BUILD/xlbctl" -s /run/xlb/op-det.sock -j status)" mtu)" = 4000 ] && break
		sleep 0.1
	done
	out=$(bpftool -j map dump pinned /sys/fs/bpf/xlb-op4/xlb_config)
	say "the link at 4000: xlb_config has $(grep -o '"mtu":[0-9]*' <<<"$out")"
	[[ $out == *'"mtu":4000'* ]] || rc=1
	"$BUILD/xlbctl" -s /run/xlb/op-det.sock detach --yes >/dev/null || rc=1
	wait "$ASIDE_PID"
	jumbo_off
	return $rc
}

# xlbd built with ASan and UBSan (make test builds it): a start, reloads
# (which free the running configuration) and a detach, with no report.
test_sanitized_xlbd_starts_reloads_and_detaches_cleanly() {
	local cfg rc out san=$BUILD/san/xlbd
	[ -x "$san" ] || { say "$san is missing (make san-tests builds it)"; return 1; }
	# the interface from the file, not -i: its name lives in the configuration a reload frees
	cfg=$(cfg_variant 's|^control_socket: .*|control_socket: /run/xlb/op-san.sock|; s|^pin_path: .*|pin_path: /sys/fs/bpf/xlb-op3|; s|^interface: eth0|interface: eth1|' san.yaml)
	ASAN_OPTIONS=detect_leaks=0:exitcode=66 UBSAN_OPTIONS=halt_on_error=1 \
		nsenter --net=/run/netns/$P-lb "$san" -f -c "$cfg" >"$WORK/san.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		"$BUILD/xlbctl" -s /run/xlb/op-san.sock status >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$BUILD/xlbctl" -s /run/xlb/op-san.sock reload >/dev/null &&
		kill -HUP "$pid" && sleep 0.3 &&
		"$BUILD/xlbctl" -s /run/xlb/op-san.sock reload >/dev/null &&
		"$BUILD/xlbctl" -s /run/xlb/op-san.sock detach --yes >/dev/null
	wait "$pid"
	rc=$?
	rm -rf /sys/fs/bpf/xlb-op3
	out=$(grep -E "Sanitizer|runtime error" "$WORK/san.log" | head -3)
	say "exit $rc; $(tail -1 "$WORK/san.log")"
	[ -n "$out" ] && say "$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

# Last: kill -9, then detach with a config that names the wrong interface.
test_detach_finds_the_interface_from_the_pins_and_keeps_other_pins() {
	local cfg out
	kill -9 "$XLBD_PID"
	sleep 0.2
	bpftool map create "$PINS/not_xlbs" type array key 4 value 4 entries 1 name not_xlbs || return 1
	cfg=$(cfg_variant 's/^interface: eth0/interface: eth1/' wrongif.yaml)
	out=$(lbns "$BUILD/xlbd" -c "$cfg" --detach 2>&1)
	say "$out"
	has_xdp lb && { say "still attached to eth0"; return 1; }
	[ -e "$PINS/not_xlbs" ] || { say "another program's pin was removed"; return 1; }
	[ ! -e "$PINS/xlb_flows" ] && [ ! -e "$PINS/xlb_xdp" ] || { say "xlb's pins are left"; return 1; }
	rm -f "$PINS/not_xlbs"
	rmdir "$PINS"
	[[ $out == *"detached from eth0"* ]]
}

# ---- main ----------------------------------------------------------------------

echo "== operator safety: lab $P with 2 backends"
"$TOP/scripts/lab.sh" up -n 2 || { echo "0 passed, 1 failed"; exit 1; }
sed "s|@TOP@|$TOP|g" "$TOP/tests/e2e/operator.yaml" >"$CFG"
# the operator's static entry for be1: xlbd must never rewrite it
ip -n $P-lb neigh replace 10.111.0.11 dev eth0 nud permanent \
	lladdr "$(ip -n $P-be1 -br link show eth0 | awk '{print $3}')"
xlbd_daemon || { echo "xlbd did not start:"; cat "$LOG"; echo "0 passed, 1 failed"; exit 1; }

run_test test_start_error_reaches_the_terminal_without_f
run_test test_daemon_without_syslog_logs_to_stderr_and_reloads_its_relative_config
run_test test_second_xlbd_on_the_same_pins_changes_nothing_and_names_the_first
run_test test_second_xlbd_on_the_same_interface_is_refused
run_test test_detach_while_the_daemon_runs_is_refused
run_test test_failed_start_leaves_no_pins
run_test test_sighup_during_start_up_neither_kills_nor_half_starts
run_test test_pin_directory_of_another_user_is_refused
run_test test_xlbctl_takes_no_prefix_for_a_destructive_verb
run_test test_backend_added_at_run_time_gets_a_known_neighbours_mac_at_once
run_test test_vip_added_by_reload_over_known_backends_is_served
run_test test_reload_changing_forwarding_is_applied_and_reported
run_test test_reload_lists_health_check_changes
run_test test_a_non_root_agent_reads_through_the_read_only_socket_and_changes_nothing
run_test test_logs_and_lists_say_what_is_so_in_few_lines
run_test test_undone_changes_are_listed_once
run_test test_vip_created_under_a_reused_id_starts_with_zero_counters
run_test test_static_neighbour_entry_stays_permanent
run_test test_decap_in_two_namespaces_keeps_two_states
run_test test_a_failed_decap_attach_leaves_nothing_and_status_says_so
run_test test_cli_speaks_one_json_shape_and_says_what_it_changed
run_test test_status_warns_when_the_veth_peer_has_no_xdp
run_test test_exec_check_commands_start_clean
run_test test_control_socket_keeps_nothing_of_bad_clients
run_test test_control_clients_are_capped_and_the_socket_comes_back
run_test test_runtime_changes_survive_kill_9_until_a_reload
run_test test_a_restart_keeps_the_rings_it_would_build_again
run_test test_state_file_failures_are_told_not_swallowed
run_test test_sanitized_xlbd_starts_reloads_and_detaches_cleanly
run_test test_detach_is_done_when_it_answers
run_test test_offline_detach_in_another_namespace_refuses_and_keeps_the_pins
run_test test_a_restart_in_another_xdp_mode_is_refused
run_test test_a_jumbo_link_native_says_why_and_auto_falls_back
run_test test_a_daemon_started_from_a_terminal_without_syslog_logs_to_a_file
run_test test_detach_finds_the_interface_from_the_pins_and_keeps_other_pins

if [ "$fail" -ne 0 ]; then
	echo "--- xlbd log (last 30 lines)"
	tail -30 "$LOG"
fi
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the end-to-end suites (and tests/package), sourced after the
# suite has set TOP, BUILD, P (its lab prefix), WORK, CFG, SOCK, PINS, LOG.
# Each suite keeps its own lab, so their namespaces never meet.

pass=0
fail=0
XLBD_PID=
HOLDS=()

ctl() { "$BUILD/xlbctl" -s "$SOCK" "$@"; }
client() { ip netns exec "$P-client" "$@"; }
spread() { client python3 "$TOP/tests/e2e/client.py" spread "$@"; }
count() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2"; }
say() { echo "    $*"; }

# A command in the lb namespace, where /sys/fs/bpf is the real bpffs.
lbns() { nsenter --net=/run/netns/$P-lb "$@"; }

# the xlbd the suite runs (tests/e2e/san.sh gives an ASan and UBSan build)
XLBD=${XLBD:-$BUILD/xlbd}

xlbd_start() {
	# nsenter execs xlbd: $! is xlbd's pid (through a function it would be a subshell's)
	nsenter --net=/run/netns/$P-lb "$XLBD" -f -c "$CFG" >>"$LOG" 2>&1 &
	XLBD_PID=$!
	for _ in $(seq 50); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "e2e: xlbd did not start:"; tail -20 "$LOG"
	return 1
}

# A keep-alive connection to URL that asks every 100 ms; prints its name.
hold_start() {
	local name=$1 url=$2
	rm -f "$WORK/$name.stop"
	client python3 "$TOP/tests/e2e/client.py" hold "$url" --out "$WORK/$name.out" \
		--stop "$WORK/$name.stop" "${@:3}" &
	HOLDS+=("$name")
	# its first answers, however long a loaded machine takes to start python
	for _ in $(seq 100); do
		[ "$(cat "$WORK/$name.out" 2>/dev/null | wc -l)" -ge 3 ] && return 0
		sleep 0.1
	done
}

hold_stop() {
	touch "$WORK/$1.stop"
	sleep 0.3
}

# The backend that answered most of the lines from line $2 on.
hold_backend() {
	tail -n +"${2:-1}" "$WORK/$1.out" | awk '$1 == "ok" {print $2}' | sort | uniq -c |
		sort -rn | awk 'NR == 1 {print $2}'
}

hold_lines() { wc -l <"$WORK/$1.out"; }

# Since line $2: every answer "ok $3", and at least $4 of them.
hold_all_on() {
	local name=$1 from=$2 be=$3 min=$4 lines bad
	lines=$(tail -n +"$from" "$WORK/$name.out" | wc -l)
	bad=$(tail -n +"$from" "$WORK/$name.out" | grep -vc "^ok $be\$")
	if [ "$bad" -ne 0 ] || [ "$lines" -lt "$min" ]; then
		say "$name: $lines answers since line $from, $bad not from $be:"
		tail -n +"$from" "$WORK/$name.out" | sort | uniq -c | sed 's/^/      /'
		return 1
	fi
	say "$name: $lines answers, all from $be"
}

addr_of() { echo "10.111.0.$((10 + ${1#be}))"; }

# E2E_ONLY="test_a test_b" runs those alone (while working on them).
run_test() {
	local name=$1
	[ -n "${E2E_ONLY:-}" ] && [[ " $E2E_ONLY " != *" $name "* ]] && return 0
	echo "--- $name"
	if "$name"; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		fail=$((fail + 1))
		# what the daemon said last: in a CI log, often the why
		if [ -n "${LOG:-}" ] && [ -s "$LOG" ]; then
			echo "    xlbd's log, last 12 lines:"
			tail -12 "$LOG" | sed 's/^/      /'
		fi
	fi
}

# The inner map that holds VIP $1's ring (bpftool: xlb_rings' entry); a ring rebuilt is a new map.
ring_map_id() {
	local id
	id=$(jget "$(ctl -j vip show "$1")" vip id)
	bpftool -j map lookup pinned "$PINS/xlb_rings" key $(python3 -c '
import struct, sys
print(" ".join(str(b) for b in struct.pack("<I", int(sys.argv[1]))))' "$id") | python3 -c '
import json, sys
e = json.load(sys.stdin)
e = e.get("formatted", e)
v = e["inner_map_id"] if "inner_map_id" in e else e["value"]
print(v if isinstance(v, int) else int.from_bytes(bytes(int(x, 16) for x in v), "little"))'
}

# Does the python expression hold over the entries of a pinned map? In it, m
# is the list of entries as bpftool formats them from BTF ({"key", "value"}).
# a field of a JSON answer: jget JSON key|index ...
jget() { python3 -c 'import json,sys; o=json.loads(sys.argv[1])
for k in sys.argv[2:]: o = o[int(k)] if isinstance(o, list) else o[k]
print(o)' "$@"; }

mapq() {
	bpftool -j map dump pinned "$PINS/$1" | python3 -c '
import json, socket, struct, sys
m = [e["formatted"] for e in json.load(sys.stdin)]
addr = lambda a: list(socket.inet_pton(socket.AF_INET6, a)) if ":" in a else list(socket.inet_aton(a)) + [0] * 12
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}


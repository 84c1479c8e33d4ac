#!/bin/bash
# Where the XDP program spends a packet's time, line by line: one of make
# bench's per-packet cases, run again and again under perf, each sample's
# address mapped to its bpf/ source line through the JIT's line table
# (build/bench/jitlines). Neither perf nor bpftool here can annotate BPF.
#
#   scripts/profile.sh [CASE [SECONDS]]
#
# CASE: tcp-hit (default), udp-hit, v6-hit, ipip-hit, gue-hit, not-vip, syn
# (the bench checks it, and lists them when it is none of these).
# Root; perf (Debian: linux-perf). Only the bench's own process is sampled,
# its system calls included, which is where the program runs. Samples are
# cpu-clock ones (a VM has no PMU), which land on the instruction after one
# that stalled: read a hot line as "waiting here", often for the load or
# store just before it.
set -euo pipefail

case=${1:-tcp-hit}
secs=${2:-10}
if ! [[ $secs =~ ^[0-9]+$ ]] || ((secs < 2 || secs > 600)); then
	echo "usage: scripts/profile.sh [CASE [SECONDS]]  (SECONDS: 2 to 600)" >&2
	exit 2
fi
command -v perf >/dev/null || {
	echo "profile.sh: perf is missing (apt-get install linux-perf)" >&2
	exit 1
}
top=$(cd "$(dirname "$0")/.." && pwd)
make -C "$top" --no-print-directory build/bench/xlb_bench build/bench/jitlines >/dev/null

tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
XLB_BENCH_PROFILE=$case XLB_BENCH_SECONDS=$((secs + 3)) "$top/build/bench/xlb_bench" "$top" \
	>"$tmp/bench" 2>&1 &
pid=$!
for _ in $(seq 300); do
	grep -q 'program id' "$tmp/bench" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
id=$(sed -n 's/.*program id \([0-9]*\).*/\1/p' "$tmp/bench")
if [ -z "$id" ]; then
	echo "profile.sh: the bench did not start its case:" >&2
	cat "$tmp/bench" >&2
	exit 1
fi
"$top/build/bench/jitlines" "$id" >"$tmp/lines"
sleep 1 # past the first runs
perf record -q -e cpu-clock -p "$pid" -o "$tmp/perf.data" -- sleep "$secs" 2>/dev/null
wait "$pid"
pid=
perf script -i "$tmp/perf.data" -F ip,sym 2>/dev/null >"$tmp/samples"

python3 - "$case" "$tmp/lines" "$tmp/samples" "$tmp/bench" <<'EOF'
import bisect, collections, statistics, sys

case, lines_path, samples_path, bench_path = sys.argv[1:]
funcs, lines = [], []
for l in open(lines_path):
    f = l.rstrip('\n').split(' ', 2)
    if f[0] == 'func':
        funcs.append((int(f[1], 16), int(f[2])))
    else:
        lines.append((int(f[0], 16), f[1], f[2].strip() if len(f) > 2 else ''))
lines.sort()
addrs = [a for a, _, _ in lines]

def in_program(ip):
    return any(a <= ip < a + n for a, n in funcs)

syms, by_file, by_line = collections.Counter(), collections.Counter(), collections.Counter()
total = ours = 0
for l in open(samples_path):
    f = l.split()
    if len(f) < 2:
        continue
    ip, sym = int(f[0], 16), f[1]
    total += 1
    if not in_program(ip):
        syms[sym] += 1
        continue
    ours += 1
    i = bisect.bisect_right(addrs, ip) - 1
    if i < 0:
        continue
    _, where, text = lines[i]
    if where.endswith(':0'):
        text = '(no line of its own: code the compiler placed there)'
    by_file[where.split(':')[0]] += 1
    by_line[(where, text)] += 1

ns = [float(l.split()[1]) for l in open(bench_path) if l.startswith(case + ' ')]
print(f'{case}: {statistics.median(ns):.2f} ns a packet (the median of the bench\'s '
      f'{len(ns)} figures)' if ns else f'{case}: the bench printed no figure')
if not total or not ours:
    sys.exit('profile.sh: no samples in the program (is it the one the bench ran?)')
print(f'\n{total} samples of the bench; {100 * ours / total:.1f}% in xlb\'s program, the rest:')
for s, c in syms.most_common(6):
    print(f'  {100 * c / total:5.1f}%  {s}')
print('\nxlb\'s program by file:')
for s, c in by_file.most_common():
    print(f'  {100 * c / ours:5.1f}%  {s}')
print('\nby source line (top 30):')
for (where, text), c in by_line.most_common(30):
    print(f'  {100 * c / ours:5.1f}%  {where:<16} {text[:90]}')
EOF

// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: how fast xlb is, against baselines measured in the same run.
 *
 *  1. Per-packet cost of the XDP program (bpf_prog_test_run, 2^20 packets a
 *     run, median of several runs), each case through the same
 *     frame-restoring wrapper as its floor (a program returning XDP_TX, one
 *     swapping MACs, one adding a minimal IPIP header), whose own cost is
 *     printed; many flows against the table-read floor; the program's size;
 *     with XLB_BENCH_KATRAN (make bench KATRAN=...), Katran's balancer
 *     object, the peer, taking turns with xlb on the same frames.
 *  2. Live forwarding: frames generated with BPF_F_TEST_XDP_LIVE_FRAMES into
 *     a veth whose peer runs xlb natively (XDP_TX back), against the MAC-swap
 *     floor and the table-read floor (one hashed read per packet, which
 *     bounds what any flow table can reach with many flows) on the same
 *     veth; two CPUs against one; shared LRU lists against per-CPU ones.
 *  3. Control plane: Maglev builds, weight change to live ring, the health
 *     checker's CPU for 1,000 backends at a 1 s interval.
 *  4. Memory: the maps for 512 VIPs, and xlbd's peak RSS.
 *
 * Prints one table and writes build/bench/results.json. Reports; never fails
 * on a missed target (the table says which were missed).
 *
 * Environment: XLB_BENCH_ONLY=packet,peer,live,control,memory runs those sections
 * alone; XLB_BENCH_MAX_FLOWS sizes the flow table (default 2M entries).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "../bpf/bench.h"
#include "bench.skel.h"
#include "config.h"
#include "dataplane.h"
#include "health.h"
#include "metrics.h"
#include "lb.h"
#include "log.h"
#include "maglev.h"
#include "../tests/bpf/pkt.h"

#define RUNS   5
#define REPEAT 1048576 /* >= 1,000,000, and 2^20 for the many-flow case */
#define NETNS  "xlbbench"

static json_object *results;
static const char *top = ".";

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row(const char *section, const char *name, double value, const char *unit,
		const char *vs, double ratio, const char *target, int met)
{
	json_object *o = json_object_new_object(), *arr;

	printf(value >= 10000 ? "  %-38s %8.0f %-6s" : "  %-38s %8.2f %-6s", name, value, unit);
	if (vs)
		printf("  %5.2fx %-14s", ratio, vs);
	else
		printf("  %-21s", "");
	if (target)
		printf(" target %-18s %s", target, met ? "met" : "MISSED");
	printf("\n");

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", json_object_new_double(value));
	json_object_object_add(o, "unit", json_object_new_string(unit));
	if (vs) {
		json_object_object_add(o, "baseline", json_object_new_string(vs));
		json_object_object_add(o, "ratio", json_object_new_double(ratio));
	}
	if (target) {
		json_object_object_add(o, "target", json_object_new_string(target));
		json_object_object_add(o, "met", json_object_new_boolean(met));
	}
	if (!json_object_object_get_ex(results, section, &arr)) {
		arr = json_object_new_array();
		json_object_object_add(results, section, arr);
	}
	json_object_array_add(arr, o);
}

/* ---- the load balancer under test ---------------------------------------- */

/*
 * A VIP with nbe backends at first_be, first_be + 1, ... (last word counts),
 * forwarding by fwd (XLB_FWD_*, -1: dsr).
 */
static void add_vip(struct lb *lb, const char *name, const char *addr, uint16_t port,
		    enum cfg_proto proto, int fwd, int nbe, const char *first_be)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0x01, 0 };
	struct xlb_addr a, b;
	char err[256];
	int i, last;

	cfg_parse_addr(addr, &a);
	if (lb_vip_add(lb, name, &a, port, proto, XLB_SCHED_MAGLEV, fwd, err, sizeof(err)))
		fatalx("%s", err);
	cfg_parse_addr(first_be, &b);
	last = b.family == XLB_AF_INET6 ? 3 : 0;
	for (i = 0; i < nbe; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		if (lb_backend_add(lb, name, &b, 100, mac, err, sizeof(err)))
			fatalx("%s", err);
		b.a[last] = htonl(ntohl(b.a[last]) + 1);
	}
}

/* The largest power of 2 minus 1 that indexes a table of n entries. */
static uint32_t mask_within(uint32_t n)
{
	uint32_t m = 1;

	while (m * 2 <= n)
		m *= 2;
	return m - 1;
}

/* xlb loaded with opts, its one VIP the benchmark's TCP VIP (10.0.0.100:80). */
static struct dp *load_tcp_vip(const struct dp_opts *opts, const struct xlb_config *xc,
			       struct lb **lbp)
{
	struct dp *dp;

	if (dp_load(&dp, opts, NULL))
		fatalx("loading xlb");
	dp_config_set(dp, xc);
	*lbp = lb_new(dp, NULL, NULL);
	lb_begin(*lbp);
	add_vip(*lbp, "tcp", "10.0.0.100", 80, CFG_PROTO_TCP, -1, 8, "10.10.0.1");
	if (lb_commit(*lbp))
		fatalx("writing the benchmark's VIPs");
	return dp;
}

/* ---- 1. per-packet cost ----------------------------------------------------- */

static struct bench_bpf *bs;
static int drops_expected; /* the case measures a drop */

/* Median ns per packet of prog, run on the frame in as it is. */
static double time_runs(int prog_fd, const uint8_t *in, size_t len, uint8_t *out, uint32_t *out_len,
			int warm)
{
	double v[RUNS];
	int i;

	for (i = -warm; i < RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = PKT_MAX, .repeat = REPEAT);

		double t0 = now_s();

		/* the kernel's duration is whole ns; the clock's, over 2^20 runs, is finer */
		if (bpf_prog_test_run_opts(prog_fd, &o))
			fatal("test run");
		t0 = (now_s() - t0) * 1e9 / REPEAT;
		if (o.retval != XDP_TX && o.retval != XDP_PASS &&
		    !(drops_expected && o.retval == XDP_DROP))
			fatalx("bench: verdict %u", o.retval);
		if (i >= 0)
			v[i] = t0;
		*out_len = o.data_size_out;
	}
	return median(v, RUNS);
}

/*
 * Median ns per packet of target through the wrapper. Where every iteration
 * sees the same frame (mask 0), the frame the last one left must be the one
 * a single run of target leaves: or the wrapper restored too little, and the
 * iterations after the first timed something else.
 */
static double time_prog(int target_fd, const struct pkt_spec *s, uint32_t base, uint32_t mask,
			int warm)
{
	uint8_t in[PKT_MAX], out[PKT_MAX], once[PKT_MAX];
	uint32_t zero = 0, out_len, once_len;
	size_t len;
	double t;

	len = pkt_build(s, in);
	memcpy(&bs->bss->wrap.eth_lo, in, 8);
	memcpy(&bs->bss->wrap.eth_mid, in + 8, 4);
	memcpy(&bs->bss->wrap.eth_type, in + 12, 2);
	bs->bss->wrap.len = (uint32_t)len;
	bs->bss->src.base = base;
	bs->bss->src.mask = mask;
	if (bpf_map_update_elem(bpf_map__fd(bs->maps.bench_target), &zero, &target_fd, BPF_ANY))
		fatal("bench maps");
	t = time_runs(bpf_program__fd(bs->progs.bench_wrap), in, len, out, &out_len, warm);
	if (!mask) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = once, .data_size_out = sizeof(once), .repeat = 1);

		if (bpf_prog_test_run_opts(target_fd, &o))
			fatal("test run");
		once_len = o.data_size_out;
		if (once_len != out_len || memcmp(once, out, out_len))
			fatalx("bench: the wrapper does not restore the frame (%u bytes after %d "
			       "runs, %u after one)",
			       out_len, REPEAT, once_len);
	}
	return t;
}

/*
 * What the wrapper adds to every case: the XDP_TX floor through it, less the
 * same program run alone (which it can be: it changes nothing). The two take
 * turns, and the median of the differences is what is printed: two medians
 * taken apart differ by more than the wrapper costs.
 */
static void bench_wrapper_cost(const struct pkt_spec *s)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	int tx = bpf_program__fd(bs->progs.floor_tx);
	double alone[RUNS], diff[RUNS], wrapped;
	size_t len = pkt_build(s, in);
	uint32_t out_len;
	int i;

	for (i = 0; i < RUNS; i++) {
		wrapped = time_prog(tx, s, 0, 0, 0);
		alone[i] = time_runs(tx, in, len, out, &out_len, 0);
		diff[i] = wrapped - alone[i];
	}
	row("packet", "harness: XDP_TX program alone", median(alone, RUNS), "ns", NULL, 0, NULL, 0);
	row("packet", "wrapper's own cost (in every row)", median(diff, RUNS), "ns", NULL, 0, NULL,
	    0);
}

/*
 * A program's size as the kernel holds it: what the verifier walked (its
 * cost at load), the instructions after rewriting, and the machine code.
 */
static void bench_prog_size(const char *section, int prog_fd, const char *who)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char l[3][64];

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		fatal("program info");
	snprintf(l[0], sizeof(l[0]), "%s: verified instructions", who);
	snprintf(l[1], sizeof(l[1]), "%s: translated instructions", who);
	snprintf(l[2], sizeof(l[2]), "%s: JIT code", who);
	row(section, l[0], info.verified_insns, "insns", NULL, 0, NULL, 0);
	row(section, l[1], info.xlated_prog_len / 8.0, "insns", NULL, 0, NULL, 0);
	row(section, l[2], info.jited_prog_len / 1024.0, "KiB", NULL, 0, NULL, 0);
}

#define TCP_ACK(dst_)                                                                              \
	{                                                                                          \
		.family = 4, .src = "10.1.0.1", .dst = dst_, .proto = IPPROTO_TCP, .sport = 40000, \
		.dport = 80, .tcp_flags = TH_ACK, .payload = 60                                    \
	}

#define UDP_DNS(dst_)                                                                              \
	{                                                                                          \
		.family = 4, .src = "10.1.0.1", .dst = dst_, .proto = IPPROTO_UDP, .sport = 40000, \
		.dport = 53, .payload = 60                                                         \
	}

#define TCP6_ACK                                                                             \
	{                                                                                    \
		.family = 6, .src = "2001:db8::1", .dst = "fd00::100", .proto = IPPROTO_TCP, \
		.sport = 40000, .dport = 80, .tcp_flags = TH_ACK, .payload = 40              \
	}

static struct xlb_config bench_xc; /* the benchmark's xlb_config, as written */

/* xlb_config with sampling for xlbctl monitor on at rate, or off (rate 0). */
static void monitor_set(struct dp *dp, unsigned rate)
{
	struct xlb_config c = bench_xc;

	if (rate) {
		c.flags |= XLB_CFG_F_MONITOR;
		c.monitor_rate = (__u16)rate;
	}
	if (dp_config_set(dp, &c))
		fatalx("writing xlb_config");
}

/*
 * What xlbctl monitor costs. Its events come from the paths that place or
 * drop, never from a flow hit. Measured where an event is a large share of
 * the work: SYNs to a VIP without backends, every one dropped, every one an
 * event (the cheapest path that sends one); and on a flow hit, which must
 * not change. Nobody reads the ring buffer here: once it is full an event
 * costs a failed reserve, past the rate a counter.
 */
static void bench_monitor(struct dp *dp)
{
	struct pkt_spec syn = TCP_ACK("10.0.0.103"), ack = TCP_ACK("10.0.0.100");
	int xlb = dp_prog_fd(dp);
	double off, on, hit_off, hit_on;

	syn.tcp_flags = TH_SYN;
	drops_expected = 1;
	monitor_set(dp, 0);
	off = time_prog(xlb, &syn, 0, 0, 1);
	row("packet", "SYN, VIP without backends, monitor off", off, "ns", NULL, 0, NULL, 0);
	monitor_set(dp, 100);
	on = time_prog(xlb, &syn, 0, 0, 1);
	row("packet", "  monitor on, 100 events/s a CPU", on, "ns", "monitor off", on / off,
	    "<= 1.25x", on / off <= 1.25);
	monitor_set(dp, 65535);
	on = time_prog(xlb, &syn, 0, 0, 1);
	row("packet", "  monitor on, 65535 events/s a CPU", on, "ns", "monitor off", on / off, NULL,
	    0);
	drops_expected = 0;
	monitor_set(dp, 0);
	hit_off = time_prog(xlb, &ack, 0, 0, 1);
	monitor_set(dp, 100);
	hit_on = time_prog(xlb, &ack, 0, 0, 1);
	monitor_set(dp, 0);
	row("packet", "TCP flow hit, monitor on", hit_on, "ns", "monitor off", hit_on / hit_off,
	    "<= 1.05x", hit_on / hit_off <= 1.05);
}

/* value / base against a target of at most limit, with the verdict. */
static void row_vs(const char *name, double value, const char *vs, double base, double limit)
{
	char target[32];

	snprintf(target, sizeof(target), "<= %.2fx", limit);
	row("packet", name, value, "ns", vs, value / base, target, value / base <= limit);
}

/* How many of the n flows from sources base.. (TCP_ACK's) the table holds. */
static uint32_t flows_held(struct dp *dp, uint32_t base, uint32_t n)
{
	struct xlb_flow_key k = { .sport = htons(40000),
				  .dport = htons(80),
				  .proto = IPPROTO_TCP,
				  .family = XLB_AF_INET };
	struct xlb_flow f;
	uint32_t i, held = 0;

	inet_pton(AF_INET, "10.0.0.100", &k.dst[0]);
	for (i = 0; i < n; i++) {
		k.src[0] = htonl(base + i);
		held += !dp_flow_get(dp, &k, 0, &f);
	}
	return held;
}

/*
 * A SYN flood against a full table: a table of 2^20 entries holding 2^20
 * established flows, then SYNs from 16M sources, one each. The flood must
 * cost little and evict none of those flows.
 */
static void bench_flood(double ftx)
{
	struct pkt_spec ack = TCP_ACK("10.0.0.100"), syn = TCP_ACK("10.0.0.100");
	struct dp_opts o = { .max_flows = 1048576 };
	uint32_t n = 1048576, before, after;
	struct dp_sweep sw;
	struct lb *lb;
	struct dp *dp;
	double t;

	syn.tcp_flags = TH_SYN;
	dp = load_tcp_vip(&o, &bench_xc, &lb);
	time_prog(dp_prog_fd(dp), &ack, 0x0d000000, n - 1, 0);
	if (dp_flow_bits_sweep(dp, &sw))
		fatalx("rebuilding the SYN hint");
	before = flows_held(dp, 0x0d000000, n);
	t = time_prog(dp_prog_fd(dp), &syn, 0x0a000000, 0xffffff, 0);
	after = flows_held(dp, 0x0d000000, n);
	row_vs("SYN flood, full 1M-entry table", t, "XDP_TX", ftx, 4.7);
	row("packet", "  flows it evicted (of those held)", before - after, "flows", NULL, 0, "0",
	    after == before);
	printf("  %-38s %u flows held before the flood's 5M SYNs, %u after\n", "", before, after);
	lb_free(lb);
	dp_close(dp);
}

/*
 * Many flows, one packet each, recorded in turn and then visited in a
 * scrambled order, against the table-read floor in a table of table_size
 * entries: what any flow table pays.
 */
static void bench_many(struct dp *dp, const char *name, uint32_t nflows, uint32_t table_size,
		       uint32_t base)
{
	struct pkt_spec ack = TCP_ACK("10.0.0.100");
	double t, floor;

	/* recorded in turn, visited scrambled */
	bs->bss->scramble = 0;
	time_prog(dp_prog_fd(dp), &ack, base, nflows - 1, 0);
	bs->bss->scramble = 1;
	bs->bss->table_mask = mask_within(table_size);
	floor = time_prog(bpf_program__fd(bs->progs.floor_lookup), &ack, base, nflows - 1, 0);
	t = time_prog(dp_prog_fd(dp), &ack, base, nflows - 1, 0);
	bs->bss->scramble = 0;
	row("packet", name, t, "ns", "table read", t / floor, "<= 1.15x", t / floor <= 1.15);
}

/* ---- the peer: Katran, through the same wrapper --------------------------- */

/*
 * Katran's balancer (github.com/facebookincubator/katran, built by make bench
 * from a checkout named by KATRAN=, as its own build does it) set up as
 * its userspace does by default: a table per CPU that forwards, consistent
 * hash rings of 65,537 slots, 100 reals, IPIP. Its structures as its program
 * lays them out (katran/lib/bpf/balancer_structs.h):
 */
struct kat_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};
struct kat_vip {
	__be32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 pad;
};
struct kat_vip_meta {
	__u32 flags, vip_num;
};
struct kat_real {
	__be32 dst[4];
	__u8 flags;
	__u8 pad[3];
};
struct kat_pos {
	__u32 pos;
	__u32 pad;
	__u64 atime;
};
#define KAT_RING_SIZE 65537
#define KAT_REALS     100
#define KAT_LRU_MISS  (512 + 1) /* stats: MAX_VIPS + LRU_MISS_CNTR; v2 non-SYN TCP */

#define KAT_MAX_CPUS 128

struct katran {
	struct bpf_object *obj;
	int prog, stats, ncpu;
	int lru[KAT_MAX_CPUS]; /* a flow table per CPU, as its userspace makes them */
};

static int kat_map(struct katran *k, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(k->obj, name);

	if (!m)
		fatalx("katran: no map %s in its object", name);
	return bpf_map__fd(m);
}

/* A VIP at 10.0.0.101:port (its ring: real 1 + slot % 100). */
static void kat_vip(struct katran *k, uint16_t port, uint8_t proto, uint32_t num)
{
	struct kat_vip v = { .port = htons(port), .proto = proto };
	struct kat_vip_meta meta = { .vip_num = num };
	int rings = kat_map(k, "ch_rings");
	uint32_t i, key, real;

	inet_pton(AF_INET, "10.0.0.101", &v.addr[0]);
	if (bpf_map_update_elem(kat_map(k, "vip_map"), &v, &meta, BPF_ANY))
		fatal("katran: vip_map");
	for (i = 0; i < KAT_RING_SIZE; i++) {
		key = num * KAT_RING_SIZE + i;
		real = 1 + i % KAT_REALS;
		if (bpf_map_update_elem(rings, &key, &real, BPF_ANY))
			fatal("katran: ch_rings");
	}
}

/* Katran loaded from path, each CPU's flow table of table_size entries. */
static void kat_load(struct katran *k, const char *path, uint32_t table_size)
{
	struct bpf_program *prog;
	struct kat_real r = {};
	uint64_t mac = 0;
	uint32_t i, zero = 0;
	int reals, cpu;

	k->obj = bpf_object__open_file(path, NULL);
	if (!k->obj || bpf_object__load(k->obj))
		fatalx("katran: loading %s", path);
	prog = bpf_object__find_program_by_name(k->obj, "balancer_ingress");
	if (!prog)
		fatalx("katran: no program balancer_ingress in %s", path);
	k->prog = bpf_program__fd(prog);
	memcpy(&mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0x02, 0 }, 6);
	if (bpf_map_update_elem(kat_map(k, "ctl_array"), &zero, &mac, BPF_ANY))
		fatal("katran: ctl_array");
	reals = kat_map(k, "reals");
	for (i = 1; i <= KAT_REALS; i++) {
		r.dst[0] = htonl(0x0a140000 + i); /* 10.20.0.i */
		if (bpf_map_update_elem(reals, &i, &r, BPF_ANY))
			fatal("katran: reals");
	}
	kat_vip(k, 80, IPPROTO_TCP, 0);
	kat_vip(k, 53, IPPROTO_UDP, 1);
	k->ncpu = libbpf_num_possible_cpus();
	if (k->ncpu > KAT_MAX_CPUS)
		k->ncpu = KAT_MAX_CPUS;
	for (cpu = 0; cpu < k->ncpu; cpu++) {
		k->lru[cpu] = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "katran_lru",
					     sizeof(struct kat_flow_key), sizeof(struct kat_pos),
					     table_size, NULL);
		if (k->lru[cpu] < 0 ||
		    bpf_map_update_elem(kat_map(k, "lru_mapping"), &cpu, &k->lru[cpu], BPF_ANY))
			fatal("katran: the flow table of CPU %d", cpu);
	}
	k->stats = kat_map(k, "stats");
}

static void kat_close(struct katran *k)
{
	int cpu;

	for (cpu = 0; cpu < k->ncpu; cpu++)
		close(k->lru[cpu]);
	bpf_object__close(k->obj);
}

/* Katran's count of TCP packets (not SYNs) that missed its table, over CPUs. */
static uint64_t kat_misses(struct katran *k)
{
	struct {
		uint64_t v1, v2;
	} v[KAT_MAX_CPUS] = {};
	uint32_t key = KAT_LRU_MISS;
	uint64_t sum = 0;
	int i;

	if (bpf_map_lookup_elem(k->stats, &key, v))
		fatal("katran: stats");
	for (i = 0; i < k->ncpu; i++)
		sum += v[i].v2;
	return sum;
}

/*
 * Katran and xlb (and the program floor_fd, if not -1) on the same frames,
 * taking turns RUNS times; their medians in *km, *xm, *fm.
 */
static void kat_turns(struct katran *k, struct dp *dp, int floor_fd, const struct pkt_spec *s,
		      uint32_t base, uint32_t mask, int warm, double *km, double *xm, double *fm)
{
	double f[RUNS], x[RUNS], kt[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		if (floor_fd >= 0)
			f[i] = time_prog(floor_fd, s, base, mask, warm && !i);
		x[i] = time_prog(dp_prog_fd(dp), s, base, mask, warm && !i);
		kt[i] = time_prog(k->prog, s, base, mask, warm && !i);
	}
	*km = median(kt, RUNS);
	*xm = median(x, RUNS);
	if (floor_fd >= 0)
		*fm = median(f, RUNS);
}

/* Katran's row against its floor, and xlb's against Katran's. */
static void kat_rows(const char *name, double km, const char *vs, double floor, double xm)
{
	char label[64];

	snprintf(label, sizeof(label), "Katran, %s", name);
	row("peer", label, km, "ns", vs, km / floor, NULL, 0);
	row("peer", "  xlb, the same", xm, "ns", "Katran", xm / km, "<= 0.50x", xm / km <= 0.5);
}

/*
 * n flows from sources base..: recorded in xlb's table by its program, in
 * turn, and written into each of Katran's tables as its program would
 * record them (it records at most 125,000 new flows a second, its flood
 * limiter); then visited scrambled, the table-read floor, xlb and Katran
 * taking turns. Every visit of Katran's must hit, or its figure would time
 * its ring.
 */
static void kat_many(struct katran *k, struct dp *dp, const char *name, uint32_t n,
		     uint32_t table_size, uint32_t base)
{
	struct pkt_spec ack = TCP_ACK("10.0.0.101");
	struct kat_flow_key key = { .sport = htons(40000),
				    .dport = htons(80),
				    .proto = IPPROTO_TCP };
	double fm, xm, km;
	struct kat_pos pos = {};
	uint64_t misses;
	uint32_t i;
	int cpu;

	bs->bss->scramble = 0;
	time_prog(dp_prog_fd(dp), &ack, base, n - 1, 0);
	inet_pton(AF_INET, "10.0.0.101", &key.dst[0]);
	for (i = 0; i < n; i++) {
		key.src[0] = htonl(base + i);
		pos.pos = 1 + i % KAT_REALS;
		for (cpu = 0; cpu < k->ncpu; cpu++)
			if (bpf_map_update_elem(k->lru[cpu], &key, &pos, BPF_ANY))
				fatal("katran: recording a flow");
	}
	bs->bss->scramble = 1;
	bs->bss->table_mask = mask_within(table_size);
	misses = kat_misses(k);
	kat_turns(k, dp, bpf_program__fd(bs->progs.floor_lookup), &ack, base, n - 1, 0, &km, &xm,
		  &fm);
	bs->bss->scramble = 0;
	if (kat_misses(k) != misses)
		fatalx("katran: %llu of the visits to %s missed its table",
		       (unsigned long long)(kat_misses(k) - misses), name);
	kat_rows(name, km, "table read", fm, xm);
}

/* xlb and Katran on the same frames, taking turns: xlb's time over Katran's. */
static void kat_pair(struct katran *k, struct dp *dp, const char *name, const struct pkt_spec *s,
		     uint32_t base, uint32_t mask, const char *vs, double floor)
{
	uint64_t misses = kat_misses(k);
	double xm, km;

	kat_turns(k, dp, -1, s, base, mask, 1, &km, &xm, NULL);
	/* a TCP flow hit: only the first packet on each CPU may miss (a table a CPU) */
	if (s->proto == IPPROTO_TCP && !(s->tcp_flags & TH_SYN) && !mask &&
	    kat_misses(k) - misses > (uint64_t)k->ncpu)
		fatalx("katran: %s missed its table %llu times", name,
		       (unsigned long long)(kat_misses(k) - misses));
	kat_rows(name, km, vs, floor, xm);
}

/*
 * The peer, measured here: Katran and an xlb of its own, both with empty
 * tables of max_flows entries at first, IPIP VIPs at 10.0.0.101 (TCP 80,
 * UDP 53) with 100 backends each.
 */
static void bench_katran(uint32_t max_flows)
{
	const char *path = getenv("XLB_BENCH_KATRAN");
	struct pkt_spec ack = TCP_ACK("10.0.0.101"), syn = TCP_ACK("10.0.0.101");
	struct pkt_spec udp = UDP_DNS("10.0.0.101"), novip = TCP_ACK("10.9.9.9");
	struct dp_opts o = { .max_flows = max_flows };
	double ftx, fipip;
	struct katran k;
	struct lb *lb;
	struct dp *dp;

	if (!path || !*path) {
		printf("\n1b. The peer, Katran: not measured (make bench KATRAN=<a checkout\n"
		       "   of github.com/facebookincubator/katran> measures it here)\n");
		return;
	}
	printf("\n1b. The peer: Katran (%s) as its userspace sets it up by default:\n"
	       "   a flow table for each CPU (%u entries), rings of 65,537 slots, 100\n"
	       "   reals, IPIP. An xlb of its own beside it, 100 backends, IPIP; the two\n"
	       "   take turns on the same frames. Target: xlb at half Katran's cost\n",
	       path, max_flows);
	ftx = time_prog(bpf_program__fd(bs->progs.floor_tx), &ack, 0, 0, 1);
	fipip = time_prog(bpf_program__fd(bs->progs.floor_ipip), &ack, 0, 0, 1);
	row("peer", "floor: XDP_TX only", ftx, "ns", NULL, 0, NULL, 0);
	row("peer", "floor: minimal IPIP encap", fipip, "ns", NULL, 0, NULL, 0);
	if (dp_load(&dp, &o, NULL))
		fatalx("loading xlb");
	dp_config_set(dp, &bench_xc);
	lb = lb_new(dp, NULL, NULL);
	lb_begin(lb);
	add_vip(lb, "ipip", "10.0.0.101", 80, CFG_PROTO_TCP, XLB_FWD_IPIP, 100, "10.20.0.1");
	add_vip(lb, "uipip", "10.0.0.101", 53, CFG_PROTO_UDP, XLB_FWD_IPIP, 100, "10.20.0.1");
	if (lb_commit(lb))
		fatalx("writing the benchmark's VIPs");
	kat_load(&k, path, max_flows);
	syn.tcp_flags = TH_SYN;
	kat_pair(&k, dp, "TCP flow hit, ipip", &ack, 0, 0, "IPIP floor", fipip);
	kat_pair(&k, dp, "UDP flow hit, ipip", &udp, 0, 0, "IPIP floor", fipip);
	kat_pair(&k, dp, "SYN, new flow, ipip", &syn, 0x0a000000, 0xffffff, "IPIP floor", fipip);
	printf("  %-38s (past 125,000 new flows a second Katran's SYNs record\n"
	       "  %-38s nothing: its flood limiter, engaged here)\n",
	       "", "");
	kat_pair(&k, dp, "not for a VIP", &novip, 0, 0, "XDP_TX", ftx);
	kat_many(&k, dp, "65,536 flows, scrambled", 65536, max_flows, 0x0c000000);
	kat_many(&k, dp, "1,048,576 flows, scrambled", 1048576, max_flows, 0x0b000000);
	printf("\n   Katran's program as the kernel holds it\n");
	bench_prog_size("peer", k.prog, "Katran");
	kat_close(&k);
	lb_free(lb);
	dp_close(dp);
}

static int count_flow(const struct xlb_flow_key *k, const struct xlb_flow *f, void *arg)
{
	(void)k;
	(void)f;
	++*(uint64_t *)arg;
	return 0;
}

static void bench_packets(struct dp *dp, struct lb *lb, uint32_t max_flows)
{
	struct pkt_spec ack = TCP_ACK("10.0.0.100"), syn = TCP_ACK("10.0.0.100");
	struct pkt_spec udp = UDP_DNS("10.0.0.100"), v6 = TCP6_ACK;
	struct pkt_spec novip = TCP_ACK("10.9.9.9");
	int xlb = dp_prog_fd(dp);
	double ftx, fswap, fipip, t, t4;

	syn.tcp_flags = TH_SYN;
	printf("\n1. Per-packet cost (bpf_prog_test_run, %d packets a run, median of %d runs,\n"
	       "   every case through the same frame-restoring wrapper)\n",
	       REPEAT, RUNS);
	ftx = time_prog(bpf_program__fd(bs->progs.floor_tx), &ack, 0, 0, 1);
	fswap = time_prog(bpf_program__fd(bs->progs.floor_macswap), &ack, 0, 0, 1);
	fipip = time_prog(bpf_program__fd(bs->progs.floor_ipip), &ack, 0, 0, 1);
	bench_wrapper_cost(&ack);
	row("packet", "floor: XDP_TX only", ftx, "ns", NULL, 0, NULL, 0);
	row("packet", "floor: MAC swap + XDP_TX", fswap, "ns", NULL, 0, NULL, 0);
	row("packet", "floor: minimal IPIP encap", fipip, "ns", NULL, 0, NULL, 0);

	t4 = time_prog(xlb, &ack, 0, 0, 1);
	row_vs("TCP flow hit, dsr", t4, "MAC swap", fswap, 1.8);
	t = time_prog(xlb, &udp, 0, 0, 1);
	row_vs("UDP flow hit, dsr", t, "MAC swap", fswap, 1.8);
	t = time_prog(xlb, &v6, 0, 0, 1);
	row_vs("IPv6 TCP flow hit, dsr", t, "IPv4", t4, 1.1);
	/* tunnels: flow hits forwarded by IPIP and GUE, against the IPIP floor */
	ack.dst = udp.dst = "10.0.0.101";
	t = time_prog(xlb, &ack, 0, 0, 1);
	row_vs("TCP flow hit, ipip", t, "IPIP floor", fipip, 1.5);
	t = time_prog(xlb, &udp, 0, 0, 1);
	row_vs("UDP flow hit, ipip", t, "IPIP floor", fipip, 1.5);
	ack.dst = udp.dst = "10.0.0.102";
	t = time_prog(xlb, &ack, 0, 0, 1);
	row_vs("TCP flow hit, gue", t, "IPIP floor", fipip, 1.5);
	t = time_prog(xlb, &udp, 0, 0, 1);
	row_vs("UDP flow hit, gue", t, "IPIP floor", fipip, 1.5);
	ack.dst = "10.0.0.100";
	t = time_prog(xlb, &novip, 0, 0, 1);
	row_vs("not for a VIP (XDP_PASS)", t, "XDP_TX", ftx, 1.15);
	/* every SYN from a new source: 16M sources, 1M SYNs a run */
	t = time_prog(xlb, &syn, 0x0a000000, 0xffffff, 0);
	row_vs("TCP SYN, new flow, empty table", t, "MAC swap", fswap, 2.5);

	bench_many(dp, "65,536 flows, scrambled", 65536, max_flows, 0x0c000000);
	bench_many(dp, "1,048,576 flows, scrambled", 1048576, max_flows, 0x0b000000);

	/*
	 * SYNs again, the table now holding those flows and the SYN hint
	 * rebuilt from it, as xlbd does every few seconds: a hint bit set by
	 * one of them sends a SYN to the table.
	 */
	{
		struct dp_sweep sw;
		double t0 = now_s(), ms;

		if (dp_flow_bits_sweep(dp, &sw))
			fatalx("rebuilding the SYN hint");
		ms = (now_s() - t0) * 1e3;
		t = time_prog(xlb, &syn, 0x0a000000, 0xffffff, 0);
		row_vs("TCP SYN, new flow, 1M flows in table", t, "MAC swap", fswap, 2.5);
		printf("  %-38s %llu of %llu hint bits set (%.0f%%): that share of SYNs looks up\n",
		       "", (unsigned long long)sw.bits_set, (unsigned long long)sw.bits,
		       100.0 * (double)sw.bits_set / (double)sw.bits);
		printf("  %-38s rebuilt from %llu flows in %.0f ms (xlbd: every 10 s, or\n"
		       "  %-38s 100 times that, whichever is longer)\n",
		       "", (unsigned long long)sw.flows, ms, "");
		/* what xlbctl flows walks: every set, each flow handed over */
		{
			uint64_t nflows = 0;

			t0 = now_s();
			dp_flow_walk(dp, count_flow, &nflows);
			ms = (now_s() - t0) * 1e3;
			row("packet", "  a walk of the table (xlbctl flows)", ms, "ms", NULL, 0,
			    NULL, 0);
			printf("  %-38s %llu flows handed over\n", "", (unsigned long long)nflows);
		}
		/* the baseline: the same SYNs with every bit set, as before the hint */
		dp_flow_bits_saturate(dp);
		t = time_prog(xlb, &syn, 0x0a000000, 0xffffff, 0);
		row("packet", "  the same, every SYN looking up", t, "ns", "MAC swap", t / fswap,
		    NULL, 0);
		dp_flow_bits_sweep(dp, &sw);
	}
	bench_flood(ftx);

	/*
	 * Last, as it leaves the VIP young: SYNs in the 10 s after a ring
	 * change, remembered in xlb_syn_flows so no handshake is reset.
	 */
	{
		struct xlb_addr be;
		char err[256];

		cfg_parse_addr("10.10.0.1", &be);
		if (lb_backend_set(lb, "tcp", &be, 50, -1, err, sizeof(err)))
			fatalx("%s", err);
		t = time_prog(xlb, &syn, 0x0a000000, 0xffffff, 0);
		row("packet", "TCP SYN, < 10 s after a ring change", t, "ns", "MAC swap", t / fswap,
		    NULL, 0);
		lb_backend_set(lb, "tcp", &be, 100, -1, err, sizeof(err));
	}
	bench_monitor(dp);
	printf("\n   The program as the kernel holds it\n");
	bench_prog_size("packet", dp_prog_fd(dp), "xlb");
}

/* ---- 2. live forwarding -------------------------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static uint64_t sink_count(void)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t v[256] = {}, sum = 0;
	uint32_t zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(bs->maps.bench_count), &zero, v);
	for (i = 0; i < ncpu && i < 256; i++)
		sum += v[i];
	return sum;
}

#define LIVE_FRAMES REPEAT /* from each generator, a run */

struct gen_arg {
	int gen_if, cpu;
	uint8_t in[PKT_MAX];
	size_t len;
	int err;
};

/* One generator: LIVE_FRAMES frames into gen0, from the CPU it is pinned to. */
static void *gen_thread(void *v)
{
	struct gen_arg *g = v;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = g->in, .data_size_in = (__u32)g->len,
		    .repeat = LIVE_FRAMES, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
	struct xdp_md ctx = { .data_end = (__u32)g->len, .ingress_ifindex = (__u32)g->gen_if };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(g->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		g->err = EINVAL;
		return NULL;
	}
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	g->err = bpf_prog_test_run_opts(bpf_program__fd(bs->progs.bench_gen), &o) ? errno : 0;
	return NULL;
}

/*
 * Mpps forwarded by whatever runs on lb0: one generator on each of the first
 * ncpu CPUs, LIVE_FRAMES frames each, from flows sources counted from base (mask:
 * flows - 1). Everything a frame meets (the generator, both veth ends, the
 * forwarder, the sink) runs on the CPU that sent it: the veths have a queue
 * per CPU.
 */
static double live_run(int gen_if, uint32_t base, uint32_t mask, int ncpu)
{
	struct pkt_spec ack = TCP_ACK("10.0.0.100");
	struct gen_arg g[2];
	pthread_t th[2];
	uint64_t c0;
	double t0;
	int i;

	bs->bss->src.base = base;
	bs->bss->src.mask = mask;
	c0 = sink_count();
	t0 = now_s();
	for (i = 0; i < ncpu; i++) {
		g[i].gen_if = gen_if;
		g[i].cpu = i;
		g[i].len = pkt_build(&ack, g[i].in);
		if (pthread_create(&th[i], NULL, gen_thread, &g[i]))
			fatal("generator thread");
	}
	for (i = 0; i < ncpu; i++) {
		pthread_join(th[i], NULL);
		if (g[i].err)
			fatalx("live test run on CPU %d: %s", i, strerror(g[i].err));
	}
	return (double)(sink_count() - c0) / (now_s() - t0) / 1e6;
}

static double live_with(int lb_if, int gen_if, int prog_fd, uint32_t base, uint32_t mask, int ncpu)
{
	double r;

	if (bpf_xdp_attach(lb_if, prog_fd, XDP_FLAGS_DRV_MODE, NULL))
		fatal("attach to lb0");
	r = live_run(gen_if, base, mask, ncpu);
	bpf_xdp_detach(lb_if, XDP_FLAGS_DRV_MODE, NULL);
	return r;
}

enum live_case {
	L_FLOOR,      /* MAC swap, 65,536 flows */
	L_FEW,	      /* xlb, 256 flows */
	L_65K,	      /* xlb, 65,536 flows, the big table */
	L_READ_65K,   /* the table-read floor, the same */
	L_65K_S,      /* xlb, 65,536 flows, the 128K-entry table */
	L_READ_65K_S, /* the table-read floor, the same */
	L_1M,	      /* xlb, 1,048,576 flows, the big table */
	L_READ_1M,    /* the table-read floor, the same */
	L_FLOOR2,     /* MAC swap on two CPUs */
	L_65K2,	      /* xlb, 65,536 flows, two CPUs */
	L_NEW,	      /* xlb, a new flow every frame, one CPU */
	L_NEW2,	      /* a new flow every frame, two CPUs */
	L_CASES
};

/* Cost against a floor, from rates: how many times the floor's time a packet takes. */
static void row_cost(const char *name, double mpps, double floor_mpps, const char *vs)
{
	row("live", name, mpps, "Mpps", vs, floor_mpps / mpps, "<= 1.15x cost",
	    floor_mpps / mpps <= 1.15);
}

static void bench_live(struct dp *dp, struct dp *sized, struct dp *churn, uint32_t max_flows,
		       uint32_t sized_flows)
{
	int gen_if, lb_if, fd, home, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
	double v[L_CASES][RUNS], m[L_CASES];
	uint32_t big = mask_within(max_flows), small = mask_within(sized_flows);
	int i, c, rd = bpf_program__fd(bs->progs.floor_lookup);
	int swap = bpf_program__fd(bs->progs.floor_macswap);

	printf("\n2. Live forwarding: %d frames a run from each generator into veth gen0\n"
	       "   (BPF_F_TEST_XDP_LIVE_FRAMES); its peer lb0 forwards them back with XDP_TX,\n"
	       "   gen0 counts them. Median of %d runs, every case taking its turn in each.\n",
	       LIVE_FRAMES, RUNS);
	sh("ip netns del " NETNS " 2>/dev/null; ip netns add " NETNS " && "
	   "ip -n " NETNS " link add gen0 numtxqueues 2 numrxqueues 2 type veth peer name lb0 "
	   "numtxqueues 2 numrxqueues 2 && "
	   "ip -n " NETNS " link set gen0 up && ip -n " NETNS " link set lb0 up");
	home = open("/proc/self/ns/net", O_RDONLY);
	fd = open("/run/netns/" NETNS, O_RDONLY);
	if (home < 0 || fd < 0 || setns(fd, CLONE_NEWNET))
		fatal("setns " NETNS);
	close(fd);
	gen_if = (int)if_nametoindex("gen0");
	lb_if = (int)if_nametoindex("lb0");
	if (!gen_if || !lb_if)
		fatalx("veth pair missing");
	/* the sink on gen0 also gives lb0's XDP_TX the peer program it needs */
	if (bpf_xdp_attach(gen_if, bpf_program__fd(bs->progs.bench_sink), XDP_FLAGS_DRV_MODE, NULL))
		fatal("attach sink");

	/* some kernels refuse live frames even to root: then this section says so */
	{
		struct pkt_spec ack = TCP_ACK("10.0.0.100");
		__u8 in[PKT_MAX];
		size_t len = pkt_build(&ack, in);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
			    .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
		struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = (__u32)gen_if };

		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		if (bpf_prog_test_run_opts(bpf_program__fd(bs->progs.bench_gen), &o)) {
			printf("   NOT RUN: this kernel refuses a live-frames test run (%s); the "
			       "other\n"
			       "   sections run as usual.\n",
			       strerror(errno));
			bpf_xdp_detach(gen_if, XDP_FLAGS_DRV_MODE, NULL);
			if (setns(home, CLONE_NEWNET))
				fatal("setns back");
			close(home);
			sh("ip netns del " NETNS);
			return;
		}
	}

	/* every case takes its turn in every run: the machine drifts, all see it */
	for (i = -1; i < RUNS; i++) {
		double r[L_CASES];
		struct dp_sweep sw;

		r[L_FLOOR] = live_with(lb_if, gen_if, swap, 0x0c000000, 65535, 1);
		r[L_FEW] = live_with(lb_if, gen_if, dp_prog_fd(dp), 0x0c000000, 255, 1);
		r[L_65K] = live_with(lb_if, gen_if, dp_prog_fd(dp), 0x0c000000, 65535, 1);
		r[L_65K_S] = live_with(lb_if, gen_if, dp_prog_fd(sized), 0x0c000000, 65535, 1);
		r[L_1M] = live_with(lb_if, gen_if, dp_prog_fd(dp), 0x0b000000, 1048575, 1);
		bs->bss->table_mask = big;
		r[L_READ_65K] = live_with(lb_if, gen_if, rd, 0x0c000000, 65535, 1);
		r[L_READ_1M] = live_with(lb_if, gen_if, rd, 0x0b000000, 1048575, 1);
		bs->bss->table_mask = small;
		r[L_READ_65K_S] = live_with(lb_if, gen_if, rd, 0x0c000000, 65535, 1);
		r[L_FLOOR2] = live_with(lb_if, gen_if, swap, 0x0c000000, 65535, ncpu);
		r[L_65K2] = live_with(lb_if, gen_if, dp_prog_fd(dp), 0x0c000000, 65535, ncpu);
		/* the churn's table as xlbd's walk (every 10 s) finds it: full */
		if (dp_flow_bits_sweep(churn, &sw))
			fatalx("the walk of the churn's table failed");
		r[L_NEW] = live_with(lb_if, gen_if, dp_prog_fd(churn), 0x0e000000, 0xffffff, 1);
		r[L_NEW2] = live_with(lb_if, gen_if, dp_prog_fd(churn), 0x0e000000, 0xffffff, ncpu);
		if (i < 0) {
			bs->bss->scramble = 1; /* recorded in turn, visited scrambled */
			continue;
		}
		for (c = 0; c < L_CASES; c++)
			v[c][i] = r[c];
	}
	bs->bss->scramble = 0;
	bpf_xdp_detach(gen_if, XDP_FLAGS_DRV_MODE, NULL);
	for (c = 0; c < L_CASES; c++)
		m[c] = median(v[c], RUNS);

	row("live", "MAC swap floor on lb0", m[L_FLOOR], "Mpps", NULL, 0, NULL, 0);
	row("live", "xlb on lb0, 256 flows", m[L_FEW], "Mpps", "MAC swap", m[L_FEW] / m[L_FLOOR],
	    NULL, 0);
	printf("  many flows, against the table-read floor in a table of the same size (one\n"
	       "  read of a 32-byte entry at a hashed slot: the least any flow table pays)\n");
	row("live", "floor + 1 table read, 65,536 flows", m[L_READ_65K], "Mpps", "MAC swap",
	    m[L_READ_65K] / m[L_FLOOR], NULL, 0);
	row_cost("xlb, 65,536 flows", m[L_65K], m[L_READ_65K], "table read");
	row("live", "  floor + 1 table read, 128K table", m[L_READ_65K_S], "Mpps", "MAC swap",
	    m[L_READ_65K_S] / m[L_FLOOR], NULL, 0);
	row_cost("  xlb, the same, 128K-entry table", m[L_65K_S], m[L_READ_65K_S], "table read");
	row("live", "floor + 1 table read, 1,048,576 flows", m[L_READ_1M], "Mpps", "MAC swap",
	    m[L_READ_1M] / m[L_FLOOR], NULL, 0);
	row_cost("xlb, 1,048,576 flows", m[L_1M], m[L_READ_1M], "table read");
	printf("  two CPUs, a generator on each (the veths have a queue for each)\n");
	row("live", "MAC swap floor, 2 CPUs", m[L_FLOOR2], "Mpps", "1 CPU",
	    m[L_FLOOR2] / m[L_FLOOR], NULL, 0);
	row("live", "xlb, 65,536 flows, 2 CPUs", m[L_65K2], "Mpps", "1 CPU", m[L_65K2] / m[L_65K],
	    ">= 1.80x", m[L_65K2] / m[L_65K] >= 1.8);
	printf("  a new flow every frame (16M sources into a table for %u: once full, every\n"
	       "  one evicts), one table for all CPUs, its sets taken by compare-and-swap\n",
	       max_flows);
	row("live", "new flows, 1 CPU", m[L_NEW], "Mpps", NULL, 0, NULL, 0);
	row("live", "new flows, 2 CPUs", m[L_NEW2], "Mpps", "1 CPU", m[L_NEW2] / m[L_NEW], NULL, 0);
	if (setns(home, CLONE_NEWNET))
		fatal("setns back");
	close(home);
	sh("ip netns del " NETNS);
}

/* ---- 3. control plane ------------------------------------------------------------ */

static void bench_maglev(void)
{
	static const int sizes[] = { 10, 100, 1000, 4000 };
	struct maglev_backend *mb = calloc(4000, sizeof(*mb));
	uint32_t *addr = calloc(4000, sizeof(*addr)), *ring = calloc(65537, sizeof(*ring));
	char name[64];
	size_t s;
	int i, r;

	for (i = 0; i < 4000; i++) {
		addr[i] = htonl(0x0a000000 + (uint32_t)i + 1);
		mb[i].key = &addr[i];
		mb[i].key_len = 4;
		mb[i].weight = 100;
		mb[i].id = (uint32_t)i;
	}
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double v[RUNS];

		for (r = 0; r < RUNS; r++) {
			double t0 = now_s();

			maglev_build(mb, (size_t)sizes[s], 65537, ring, 0xffffffff);
			v[r] = (now_s() - t0) * 1e3;
		}
		snprintf(name, sizeof(name), "Maglev build, %d backends", sizes[s]);
		if (sizes[s] == 1000)
			row("control", name, median(v, RUNS), "ms", NULL, 0, "< 5 ms",
			    median(v, RUNS) < 5);
		else
			row("control", name, median(v, RUNS), "ms", NULL, 0, NULL, 0);
	}
	free(mb);
	free(addr);
	free(ring);
}

static void bench_weight_change(struct lb *lb)
{
	static const int sizes[] = { 10, 1000 };
	struct xlb_addr a;
	char name[64], vip[16], err[256];
	size_t s;
	int r;

	for (s = 0; s < 2; s++) {
		double v[RUNS];

		snprintf(vip, sizeof(vip), "wc%d", sizes[s]);
		add_vip(lb, vip, s ? "10.0.1.2" : "10.0.1.1", 80, CFG_PROTO_TCP, -1, sizes[s],
			s ? "10.3.0.1" : "10.2.0.1");
		cfg_parse_addr(s ? "10.3.0.1" : "10.2.0.1", &a);
		for (r = 0; r < RUNS; r++) {
			double t0 = now_s();

			if (lb_backend_set(lb, vip, &a, r % 2 ? 100 : 50, -1, err, sizeof(err)))
				fatalx("%s", err);
			v[r] = (now_s() - t0) * 1e3;
		}
		snprintf(name, sizeof(name), "weight change to live ring, %d be", sizes[s]);
		row("control", name, median(v, RUNS), "ms", NULL, 0, "< 10 ms",
		    median(v, RUNS) < 10);
	}
}

/* A listener that accepts and answers, in a child process (not measured). */
static pid_t listener(int port, int http)
{
	pid_t pid = fork();
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, c, one = 1;
	static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
	char buf[512];

	if (pid)
		return pid;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024))
		_exit(1);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (http && read(c, buf, sizeof(buf)) > 0 && write(c, resp, sizeof(resp) - 1) < 0)
			c = c + 0;
		close(c);
	}
}

/* CPU seconds of this process: user, and system (the kernel's TCP work) */
static double cpu_s(double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + *sys;
}

static void bench_health(struct dp *dp, const char *type, int port)
{
	char path[] = "/tmp/xlb-bench-XXXXXX.yaml";
	struct event_base *base = event_base_new();
	struct lb_changes ch = {};
	struct timeval run = { 10, 0 };
	struct health *h;
	struct cfg *cfg;
	struct lb *lb;
	double c0, s0, c1, s1, t0, dt, pct;
	char name[80];
	pid_t pid;
	FILE *f;
	int fd, i;

	fd = mkstemps(path, 5);
	f = fdopen(fd, "w");
	fprintf(f,
		"vips:\n  - name: many\n    address: 10.0.2.1\n    port: %d\n"
		"    check:\n      type: %s\n      path: /\n      interval: 1s\n"
		"      timeout: 500ms\n    backends:\n",
		port, type);
	for (i = 0; i < 1000; i++)
		fprintf(f, "      - address: 127.1.%d.%d\n        mac: 02:00:00:00:00:01\n",
			i / 250, i % 250 + 1);
	fclose(f);
	if (cfg_load(path, &cfg, stderr))
		fatalx("bench config");
	unlink(path);
	pid = listener(port, !strcmp(type, "http"));
	usleep(200000);
	lb = lb_new(dp, NULL, NULL);
	lb_apply_config(lb, cfg, &ch);
	lb_changes_free(&ch);
	h = health_new(base, lb);
	health_sync(h, cfg);
	/* steady state: every backend checked up (rise 2) before measuring 10 s */
	event_base_loopexit(base, &(struct timeval){ 4, 0 });
	event_base_dispatch(base);
	c0 = cpu_s(&s0);
	t0 = now_s();
	event_base_loopexit(base, &run);
	event_base_dispatch(base);
	c1 = cpu_s(&s1);
	dt = now_s() - t0;
	pct = (c1 - c0) / dt * 100;
	snprintf(name, sizeof(name), "health: 1,000 backends, %s, 1 s", type);
	row("control", name, pct, "% core", NULL, 0, "< 5%", pct < 5);
	printf("  %-34s %10.2f %% core in xlb, %.2f %% in the kernel (connect, TCP)\n", "",
	       (c1 - c0 - (s1 - s0)) / dt * 100, (s1 - s0) / dt * 100);
	health_free(h);
	lb_free(lb);
	cfg_free(cfg);
	event_base_free(base);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * A scrape of the metrics endpoint (metrics_write, as a GET /metrics makes
 * it) with nvip VIPs of nbe checked backends each: milliseconds a scrape.
 */
static double scrape_ms(struct dp *dp, unsigned nvip, unsigned nbe, size_t *bytes)
{
	char path[] = "/tmp/xlb-bench-XXXXXX.yaml";
	struct event_base *base = event_base_new();
	struct lb_changes ch = {};
	struct {
		struct cfg *cfg;
		struct lb *lb;
		struct health *health;
	} d = {};
	struct metrics_src src = { .base = base, .dp = dp, .prog_version = "bench" };
	time_t zero = 0;
	double v[RUNS], t0;
	struct evbuffer *o;
	unsigned i, j;
	FILE *f;
	int fd;

	fd = mkstemps(path, 5);
	f = fdopen(fd, "w");
	fprintf(f, "vips:\n");
	for (i = 0; i < nvip; i++) {
		fprintf(f,
			"  - name: v%u\n    address: 10.1.%u.%u\n    port: 80\n    check:\n"
			"      type: tcp\n      interval: 1h\n    backends:\n",
			i, i / 250, i % 250 + 1);
		for (j = 0; j < nbe; j++) {
			unsigned idx = i * nbe + j + 1; /* (any count: 10.64.0.1 on) */

			fprintf(f, "      - address: 10.%u.%u.%u\n        mac: 02:00:00:00:00:01\n",
				64 + idx / 65536, idx / 256 % 256, idx % 256);
		}
	}
	fclose(f);
	if (cfg_load(path, &d.cfg, stderr))
		fatalx("bench config for the scrape");
	unlink(path);
	d.lb = lb_new(dp, NULL, NULL);
	lb_apply_config(d.lb, d.cfg, &ch);
	lb_changes_free(&ch);
	d.health = health_new(base, d.lb);
	health_sync(d.health, d.cfg);
	src.lb = d.lb;
	src.health = d.health;
	src.started = &zero;
	src.sweep_at = &zero;
	for (i = 0; i < RUNS; i++) {
		o = evbuffer_new();
		t0 = now_s();
		metrics_write(&src, o);
		v[i] = (now_s() - t0) * 1e3;
		*bytes = evbuffer_get_length(o);
		evbuffer_free(o);
	}
	health_free(d.health);
	lb_free(d.lb);
	cfg_free(d.cfg);
	event_base_free(base);
	return median(v, RUNS);
}

/*
 * What a scrape costs as backends grow: linear in them (each backend's
 * checker found by index, its counters read once), not quadratic. At
 * XLB_MAX_BACKENDS (4,096 today; 65,536 once #28's limits come from the
 * file, with no change here).
 */
static void bench_scrape(struct dp *dp)
{
	/* as many backends as the maps take, in 64 VIPs; against a quarter of them */
	const unsigned nbe = XLB_MAX_BACKENDS / 64;
	size_t b1, b4;
	double small = scrape_ms(dp, 16, nbe, &b1), big = scrape_ms(dp, 64, nbe, &b4);
	char name[96], vs[48];

	snprintf(name, sizeof(name), "metrics scrape, %u checked backends (%zu KiB)", 64 * nbe,
		 b4 / 1024);
	snprintf(vs, sizeof(vs), "%u backends", 16 * nbe);
	row("control", name, big, "ms", vs, big / small, "<= 6x for 4x backends", big / small <= 6);
	printf("  %-34s %10.2f ms with %u backends (%zu KiB)\n", "", small, 16 * nbe, b1 / 1024);
}

/* ---- 4. memory ------------------------------------------------------------------- */

static void bench_memory(void)
{
	struct dp *dp;
	struct lb *lb;
	__u64 maps, rings;
	__u32 nrings;
	char vip[16], cfgpath[] = "/tmp/xlb-bench-mem-XXXXXX.yaml", line[128];
	FILE *f;
	pid_t pid;
	long hwm = 0, anon = 0, file = 0, shmem = 0;
	int i, fd;

	if (dp_load(&dp, NULL, NULL))
		fatalx("dp_load");
	lb = lb_new(dp, NULL, NULL);
	for (i = 0; i < XLB_MAX_VIPS; i++) {
		snprintf(vip, sizeof(vip), "v%d", i);
		add_vip(lb, vip, i < 256 ? "10.4.0.1" : "10.4.1.1", (uint16_t)(i % 256 + 1),
			CFG_PROTO_TCP, -1, 2, "10.5.0.1");
	}
	dp_memory(dp, &maps, &rings, &nrings);
	row("memory", "maps: flow tables, VIPs, backends", (double)maps / 1048576, "MiB", NULL, 0,
	    NULL, 0);
	row("memory", "rings: 512 VIPs x 65,537 slots", (double)rings / 1048576, "MiB", NULL, 0,
	    NULL, 0);
	lb_free(lb);
	dp_close(dp);

	/* xlbd itself, with 512 VIPs of 2 backends, on a veth in a namespace */
	fd = mkstemps(cfgpath, 5);
	f = fdopen(fd, "w");
	fprintf(f, "interface: lb0\npin_path: /sys/fs/bpf/xlb-bench\n"
		   "control_socket: /run/xlb/bench.sock\nvips:\n");
	for (i = 0; i < XLB_MAX_VIPS; i++)
		fprintf(f,
			"  - name: v%d\n    address: 10.4.%d.1\n    port: %d\n    backends:\n"
			"      - address: 10.5.0.1\n        mac: 02:00:00:00:00:01\n"
			"      - address: 10.5.0.2\n        mac: 02:00:00:00:00:02\n",
			i, i / 256, i % 256 + 1);
	fclose(f);
	sh("ip netns del " NETNS " 2>/dev/null; ip netns add " NETNS " && "
	   "ip -n " NETNS " link add gen0 type veth peer name lb0 && ip -n " NETNS
	   " link set lb0 up");
	pid = fork();
	if (!pid) {
		char xlbd[512];

		snprintf(xlbd, sizeof(xlbd), "%s/build/xlbd", top);
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		execl("/usr/bin/nsenter", "nsenter", "--net=/run/netns/" NETNS, xlbd, "-f", "-c",
		      cfgpath, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && access("/run/xlb/bench.sock", F_OK); i++)
		usleep(100000);
	sleep(1);
	snprintf(line, sizeof(line), "/proc/%d/status", pid);
	f = fopen(line, "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmHWM: %ld kB", &hwm);
		sscanf(line, "RssAnon: %ld kB", &anon);
		sscanf(line, "RssFile: %ld kB", &file);
		sscanf(line, "RssShmem: %ld kB", &shmem);
	}
	if (f)
		fclose(f);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	sh("nsenter --net=/run/netns/" NETNS " %s/build/xlbd -c %s --detach >/dev/null 2>&1", top,
	   cfgpath);
	sh("ip netns del " NETNS);
	unlink(cfgpath);
	row("memory", "xlbd peak RSS, 512 VIPs", (double)hwm / 1024, "MiB", NULL, 0, NULL, 0);
	printf("  %-38s now %.1f MiB its own (RssAnon), %.1f MiB mapped (RssFile + RssShmem):\n"
	       "  %-38s its libraries, and the maps it reads and writes through mmap (the\n"
	       "  %-38s flow table), whose memory the maps row above already counts\n",
	       "", anon / 1024.0, (file + shmem) / 1024.0, "", "");
	row("memory", "xlbd's own memory (RssAnon), 512 VIPs", anon / 1024.0, "MiB", NULL, 0, NULL,
	    0);
}

/*
 * XLB_BENCH_PROFILE=CASE: one per-packet case of section 1 again and again
 * for XLB_BENCH_SECONDS (default 10), for a profiler to sample
 * (scripts/profile.sh). The program's id comes first, then a line a run.
 */
static void bench_profile(struct dp *dp, const char *name)
{
	struct pkt_spec s = TCP_ACK("10.0.0.100"), udp = UDP_DNS("10.0.0.100"), v6 = TCP6_ACK;
	const char *secs = getenv("XLB_BENCH_SECONDS");
	double until = now_s() + (secs ? atof(secs) : 10);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	uint32_t base = 0, mask = 0;

	if (!strcmp(name, "udp-hit")) {
		s = udp;
	} else if (!strcmp(name, "v6-hit")) {
		s = v6;
	} else if (!strcmp(name, "ipip-hit")) {
		s.dst = "10.0.0.101";
	} else if (!strcmp(name, "gue-hit")) {
		s.dst = "10.0.0.102";
	} else if (!strcmp(name, "not-vip")) {
		s.dst = "10.9.9.9";
	} else if (!strcmp(name, "syn")) {
		/* every SYN from a new source, as the bench's "TCP SYN, new flow" */
		s.tcp_flags = TH_SYN;
		base = 0x0a000000;
		mask = 0xffffff;
	} else if (strcmp(name, "tcp-hit")) {
		fatalx("XLB_BENCH_PROFILE: no case \"%s\" (tcp-hit udp-hit v6-hit ipip-hit "
		       "gue-hit not-vip syn)",
		       name);
	}
	if (bpf_obj_get_info_by_fd(dp_prog_fd(dp), &info, &len))
		fatal("program info");
	printf("profiling %s: program id %u\n", name, info.id);
	while (now_s() < until)
		printf("%s %.2f ns\n", name, time_prog(dp_prog_fd(dp), &s, base, mask, !mask));
}

/* XLB_BENCH_ONLY: a comma-separated list of sections; unset, all of them. */
static int section_wanted(const char *name)
{
	const char *only = getenv("XLB_BENCH_ONLY");
	size_t n = strlen(name);

	for (; only && *only; only += strcspn(only, ","), only += *only == ',')
		if (!strncmp(only, name, n) && (only[n] == ',' || !only[n]))
			return 1;
	return !only;
}

int main(int argc, char **argv)
{
	struct dp_opts o = { .max_flows = getenv("XLB_BENCH_MAX_FLOWS")
						  ? (unsigned)atoi(getenv("XLB_BENCH_MAX_FLOWS"))
						  : 2 * 1048576 };
	struct dp_opts so = {};
	struct dp *dp;
	struct lb *lb;
	const char *out = "build/bench/results.json";
	struct xlb_config xc = { .if_mac = { 0x02, 0, 0, 0, 0, 0x01 },
				 .gue_port = XLB_GUE_PORT_DEFAULT };

	if (argc > 1)
		top = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0); /* the table and log lines, in order */
	log_init("xlb-bench", 1, -1);	  /* warnings only */
	results = json_object_new_object();
	printf("xlb bench (%ld CPUs online; figures are medians, ratios are against baselines\n"
	       "measured in this same run)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));

	bs = bench_bpf__open();
	if (!bs)
		fatal("opening bench programs");
	/* the table-read floor's table: as many entries as xlb's flow table (64 MiB) */
	bpf_map__set_max_entries(bs->maps.bench_table, o.max_flows);
	if (bench_bpf__load(bs))
		fatal("loading bench programs");
	if (dp_load(&dp, &o, NULL))
		fatalx("loading xlb");
	inet_pton(AF_INET, "10.0.0.1", &xc.tun_src4);
	dp_config_set(dp, &xc);
	bench_xc = xc;
	/* as xlbd starts: every ring written once, none of them young */
	lb = lb_new(dp, NULL, NULL);
	lb_begin(lb);
	add_vip(lb, "tcp", "10.0.0.100", 80, CFG_PROTO_TCP, -1, 8, "10.10.0.1");
	add_vip(lb, "udp", "10.0.0.100", 53, CFG_PROTO_UDP, -1, 8, "10.10.0.1");
	add_vip(lb, "v6", "fd00::100", 80, CFG_PROTO_TCP, -1, 8, "fd00::1:1");
	add_vip(lb, "ipip", "10.0.0.101", 80, CFG_PROTO_TCP, XLB_FWD_IPIP, 8, "10.20.0.1");
	add_vip(lb, "gue", "10.0.0.102", 80, CFG_PROTO_TCP, XLB_FWD_GUE, 8, "10.20.0.1");
	add_vip(lb, "uipip", "10.0.0.101", 53, CFG_PROTO_UDP, XLB_FWD_IPIP, 8, "10.20.0.1");
	add_vip(lb, "ugue", "10.0.0.102", 53, CFG_PROTO_UDP, XLB_FWD_GUE, 8, "10.20.0.1");
	add_vip(lb, "empty", "10.0.0.103", 80, CFG_PROTO_TCP, -1, 0, "10.10.0.1");
	if (lb_commit(lb))
		fatalx("writing the benchmark's VIPs");

	if (getenv("XLB_BENCH_PROFILE")) {
		bench_profile(dp, getenv("XLB_BENCH_PROFILE"));
		lb_free(lb);
		dp_close(dp);
		json_object_put(results);
		bench_bpf__destroy(bs);
		return 0;
	}
	if (section_wanted("packet"))
		bench_packets(dp, lb, o.max_flows);
	if (section_wanted("peer"))
		bench_katran(o.max_flows);
	if (section_wanted("live")) {
		struct lb *lb_sized, *lb_churn;
		struct dp *sized, *churn;

		/* the TCP VIP in a table sized for the live test's 65,536 flows */
		so.max_flows = 2 * 65536;
		sized = load_tcp_vip(&so, &xc, &lb_sized);
		/* a table of its own for a new flow every frame */
		churn = load_tcp_vip(&o, &xc, &lb_churn);
		bench_live(dp, sized, churn, o.max_flows, so.max_flows);
		lb_free(lb_churn);
		dp_close(churn);
		lb_free(lb_sized);
		dp_close(sized);
	}

	if (section_wanted("control")) {
		printf("\n3. Control plane (median of %d runs; health: CPU of this process over "
		       "10 s)\n",
		       RUNS);
		bench_maglev();
		bench_weight_change(lb);
		bench_health(dp, "tcp", 18081);
		bench_health(dp, "http", 18082);
		lb_free(lb);
		lb = NULL;
		bench_scrape(dp);
	}
	lb_free(lb);
	dp_close(dp);

	if (section_wanted("memory")) {
		printf("\n4. Memory\n");
		bench_memory();
	}

	mkdir("build/bench", 0755);
	if (json_object_to_file_ext(out, results, JSON_C_TO_STRING_PRETTY))
		log_warnx("writing %s failed", out);
	else
		printf("\nresults: %s\n", out);
	json_object_put(results);
	bench_bpf__destroy(bs);
	return 0;
}

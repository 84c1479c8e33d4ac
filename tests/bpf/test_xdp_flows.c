// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, the flow table. SYNs, handshakes and the
 * SYN hint; xlb's own table (its sets, a table filled past its size, an
 * upgrade from the kernel's LRU); flows across ring changes, drains and UDP
 * timeouts; the sweep's counts; a SYN flood; the sampled events flows make
 * (xlbctl monitor). The lab (xdp_lab.h) runs the real program on frames
 * built by pkt.h.
 */
#include <bpf/btf.h>

#include "xdp_lab.h"

/* ---- scenarios ------------------------------------------------------------ */

static void test_maglev_syn_is_placed_unrecorded_and_its_ack_records_the_flow(void **state)
{
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.77", .dst = "10.0.0.100", .sport = 4000, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct xlb_vip_stats v0, v1;
	__u64 syn0 = gstat(XLB_STAT_SYN_TRACKED);
	int be_syn, be_ack;

	(void)state;
	spec_key(&s, &k);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v0), 0);
	be_syn = send_tcp(s.src, s.dst, 4000, 80, TH_SYN);
	assert_int_equal(be_syn, predict_maglev(&vips[V_TCP], &s));
	/* nothing recorded anywhere: a SYN flood has nothing to fill */
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0);
	assert_int_equal(dp_flow_get(dp, &k, 1, &f), -ENOENT);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), -ENOENT);

	be_ack = send_tcp(s.src, s.dst, 4000, 80, TH_ACK);
	assert_int_equal(be_ack, be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(f.backend_gen, 1);
	assert_int_equal(send_tcp(s.src, s.dst, 4000, 80, TH_ACK), be_syn);

	/* one flow recorded; the SYN and the ACK consulted the ring, then a hit */
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v1), 0);
	assert_int_equal(v1.new_flows, v0.new_flows + 1);
	assert_int_equal(v1.flow_misses, v0.flow_misses + 2);
	assert_int_equal(v1.flow_hits, v0.flow_hits + 1);
}

/* xlb_flows' last_seen of a TCP flow: 0 while open, when closing began. */
static __u64 tcp_closing_since(const char *src, const char *dst, __u16 sport)
{
	struct pkt_spec s = { .family = 4, .src = src, .dst = dst, .sport = sport, .dport = 80 };
	struct xlb_flow_key k;
	struct xlb_flow f;

	spec_key(&s, &k);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	return f.last_seen;
}

static void test_fin_or_rst_marks_a_flow_closing_and_a_new_syn_opens_it_again(void **state)
{
	static const struct {
		int vip;
		const char *dst;
	} vs[] = { { V_TCP, "10.0.0.100" }, { V_WRR, "10.0.0.103" } };
	static const __u8 closers[] = { TH_FIN | TH_ACK, TH_RST };
	unsigned i, c;
	__u64 t;

	(void)state;
	for (i = 0; i < 2; i++) {
		for (c = 0; c < 2; c++) {
			__u16 port = (__u16)(4100 + i * 2 + c);
			int be = send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_SYN);

			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			/* open: nothing written (wrr's SYN time stays in the SYN table) */
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), 0);
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, closers[c]),
					 be);
			t = tcp_closing_since("192.0.2.78", vs[i].dst, port);
			assert_true(t != 0);
			/* the last ACK goes where the flow went, and keeps the first mark */
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), t);
			/* the tuple reused: open again */
			be = send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_SYN);
			assert_int_equal(send_tcp("192.0.2.78", vs[i].dst, port, 80, TH_ACK), be);
			assert_int_equal(tcp_closing_since("192.0.2.78", vs[i].dst, port), 0);
		}
	}
}

static void test_wrr_syn_is_half_open_until_its_ack_establishes_it(void **state)
{
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.78", .dst = "10.0.0.103", .sport = 4001, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct xlb_vip_stats v0, v1;
	__u64 syn0 = gstat(XLB_STAT_SYN_TRACKED);
	int be_syn;

	(void)state;
	spec_key(&s, &k);
	assert_int_equal(dp_stats_vip(dp, vips[V_WRR].id, &v0), 0);
	be_syn = send_tcp(s.src, s.dst, 4001, 80, TH_SYN);
	assert_true(be_syn >= 9 && be_syn <= 11);
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0 + 1);
	assert_int_equal(dp_flow_get(dp, &k, 1, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), -ENOENT);
	/* a retransmitted SYN keeps its placement, though wrr has moved on */
	assert_int_equal(send_tcp(s.src, s.dst, 4001, 80, TH_SYN), be_syn);

	assert_int_equal(send_tcp(s.src, s.dst, 4001, 80, TH_ACK), be_syn);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_id, be_syn);
	assert_int_equal(dp_stats_vip(dp, vips[V_WRR].id, &v1), 0);
	assert_int_equal(v1.new_flows, v0.new_flows + 1);
	assert_int_equal(v1.flow_hits, v0.flow_hits + 2);
}

/* A SYN on the 5-tuple of a recorded flow opens a new connection. */
static void syn_reusing_a_recorded_tuple_is_placed_afresh(struct tvip *v, const char *dst)
{
	__u32 a[1] = { v->be[0] }, b[1] = { v->be[1] };

	ring_set(v, 1, a, NULL);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_SYN), (int)a[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)a[0]);
	ring_set(v, 1, b, NULL);
	/* the old connection would stay on a; the new one follows the ring */
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_SYN), (int)b[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)b[0]);
	assert_int_equal(send_tcp("198.51.100.50", dst, 4500, 80, TH_ACK), (int)b[0]);
	ring_set(v, v->nbe, v->be, v->w);
}

static void test_maglev_syn_reusing_a_recorded_tuple_is_placed_afresh(void **state)
{
	(void)state;
	syn_reusing_a_recorded_tuple_is_placed_afresh(&vips[V_TCP], "10.0.0.100");
}

static void test_wrr_syn_reusing_a_recorded_tuple_is_placed_afresh(void **state)
{
	(void)state;
	syn_reusing_a_recorded_tuple_is_placed_afresh(&vips[V_WRR], "10.0.0.103");
}

static void sweep(void)
{
	struct dp_sweep sw;

	assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
	assert_true(sw.tcp_flows <= sw.flows && sw.bits_set <= sw.bits);
}

/*
 * xlbd rebuilds the SYN hint from the table (both bitmaps, in turn): a
 * recorded flow's bit survives, so a SYN reusing its tuple still finds it.
 */
static void test_syn_reusing_a_recorded_tuple_is_caught_after_the_hint_is_rebuilt(void **state)
{
	struct tvip *v = &vips[V_TCP];
	__u32 a[1] = { v->be[0] }, b[1] = { v->be[1] };
	struct pkt_spec s = {
		.family = 4, .src = "198.51.100.51", .dst = "10.0.0.100", .sport = 4501, .dport = 80
	};
	struct xlb_flow_key k;

	(void)state;
	spec_key(&s, &k);
	ring_set(v, 1, a, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_SYN), (int)a[0]);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_ACK), (int)a[0]);
	sweep();
	sweep();
	assert_int_equal(dp_flow_bits_test(dp, &k), 1);
	ring_set(v, 1, b, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_SYN), (int)b[0]);
	assert_int_equal(send_tcp(s.src, s.dst, 4501, 80, TH_ACK), (int)b[0]);
	ring_set(v, v->nbe, v->be, v->w);
}

/* A flow the table no longer holds loses its bit at the next rebuild. */
static void test_syn_hint_forgets_flows_the_table_dropped(void **state)
{
	struct pkt_spec s = {
		.family = 6, .src = "2001:db8::51", .dst = "fd00::100", .sport = 4502, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;

	(void)state;
	spec_key(&s, &k);
	send_tcp(s.src, s.dst, 4502, 80, TH_ACK);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(dp_flow_bits_test(dp, &k), 1);
	assert_int_equal(dp_flow_del(dp, &k), 0);
	assert_int_equal(dp_flow_bits_test(dp, &k), 1); /* stale until the rebuild */
	sweep();
	assert_int_equal(dp_flow_bits_test(dp, &k), 0);
}

/*
 * Bitmaps pinned by a build that set one bit a flow (h & 63, no
 * XLB_FLOW_BITS_F_PAIR) lack every flow's second bit: adopted, they read
 * "maybe" everywhere until the first rebuild, which sets both.
 */
static void test_syn_hint_of_one_bit_a_flow_is_filled_when_adopted(void **state)
{
	char pins[] = "/sys/fs/bpf/xlb-test-hint-XXXXXX", path[96];
	struct pkt_spec s = {
		.family = 4, .src = "198.51.100.53", .dst = "10.0.0.100", .sport = 4503, .dport = 80
	};
	struct dp_opts o = { .max_flows = 1024 };
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	__u64 old_phase = 0, word;
	struct xlb_flow_key k, other;
	struct dp *pinned;
	__u32 h, idx, words;
	int fd;

	(void)state;
	spec_key(&s, &k);
	other = k;
	other.sport = htons(4504);
	assert_non_null(mkdtemp(pins));
	o.pin_path = pins;
	assert_int_equal(dp_load(&pinned, &o, NULL), 0);
	dp_close(pinned);
	/* what the older build left: phase 0, k's first bit alone, in both bitmaps */
	snprintf(path, sizeof(path), "%s/xlb_flow_bits", pins);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	idx = 0;
	assert_int_equal(bpf_map_update_elem(fd, &idx, &old_phase, BPF_ANY), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &info_len), 0);
	words = (info.max_entries - 1) / 2; /* the phase, then two bitmaps */
	h = hash_flow(&k);
	word = 1ULL << (h & 63);
	idx = 1 + XLB_FLOW_BITS_WORD(h, words);
	assert_int_equal(bpf_map_update_elem(fd, &idx, &word, BPF_ANY), 0);
	idx += words;
	assert_int_equal(bpf_map_update_elem(fd, &idx, &word, BPF_ANY), 0);
	close(fd);

	assert_int_equal(dp_load(&pinned, &o, NULL), 0);
	assert_int_equal(dp_flow_bits_test(pinned, &k), 1);
	assert_int_equal(dp_flow_bits_test(pinned, &other), 1);
	/* the rebuild, from a table that holds neither */
	{
		struct dp_sweep sw;

		assert_int_equal(dp_flow_bits_sweep(pinned, &sw), 0);
		assert_int_equal(dp_flow_bits_sweep(pinned, &sw), 0);
	}
	assert_int_equal(dp_flow_bits_test(pinned, &k), 0);
	assert_int_equal(dp_flow_bits_test(pinned, &other), 0);
	dp_close(pinned);
	assert_int_equal(dp_unpin(pins), 0);
	rmdir(pins);
}

/* ---- xlb_flows, xlb's own table ------------------------------------------ */

static void tcp_key(const char *src, const char *dst, __u16 sport, __u16 dport,
		    struct xlb_flow_key *k)
{
	struct pkt_spec s = { .family = 4, .src = src, .dst = dst, .sport = sport, .dport = dport };

	spec_key(&s, k);
}

/* A flow xlbd writes (as the upgrade's copy does) is where the program looks. */
static void test_a_flow_written_by_xlbd_is_followed_by_the_program(void **state)
{
	struct xlb_flow f = { .backend_id = 23, .backend_gen = 1 };
	struct xlb_flow_key k;
	int i;

	(void)state;
	backend_put(23, vips[V_TCP].id, XLB_BE_UP, 1);
	for (i = 0; i < 50; i++) {
		tcp_key("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, &k);
		assert_int_equal(dp_flow_put(dp, &k, &f), 0);
		/* 23 is in no ring: only the record can send it there */
		assert_int_equal(
			send_tcp("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, TH_ACK), 23);
		assert_int_equal(dp_flow_del(dp, &k), 0);
		assert_int_equal(dp_flow_del(dp, &k), -ENOENT);
		assert_int_not_equal(
			send_tcp("198.51.100.60", "10.0.0.100", (__u16)(5000 + i), 80, TH_ACK), 23);
	}
}

/* Two loads draw two seeds: which sets a flow takes is not known in advance. */
static void test_each_flow_table_has_a_seed_of_its_own(void **state)
{
	struct dp_opts o = { .max_flows = TEST_MAX_FLOWS };
	struct xlb_flow f = { .backend_id = 1, .backend_gen = 1 }, got;
	__u32 s1, s2, l1, l2;
	struct xlb_flow_key k;
	struct dp *other;
	int i, differ = 0;

	(void)state;
	assert_int_equal(dp_load(&other, &o, NULL), 0);
	for (i = 0; i < 8; i++) {
		tcp_key("198.51.100.61", "10.0.0.100", (__u16)(6000 + i), 80, &k);
		assert_int_equal(dp_flow_put(dp, &k, &f), 0);
		assert_int_equal(dp_flow_put(other, &k, &f), 0);
		assert_int_equal(dp_flow_where(dp, &k, &got, &s1, &l1), 0);
		assert_int_equal(dp_flow_where(other, &k, &got, &s2, &l2), 0);
		differ += s1 != s2;
		assert_int_equal(dp_flow_del(dp, &k), 0);
	}
	dp_close(other);
	assert_true(differ >= 7);
}

static struct dp *main_dp; /* while a test runs on a table of its own */
static struct tvip small_vip;

/* After a test on a table of its own, pass or fail: the group's table back. */
static int main_dp_back(void **state)
{
	(void)state;
	if (main_dp) {
		dp_close(dp);
		dp = main_dp;
		prog_fd = dp_prog_fd(dp);
		main_dp = NULL;
		free(small_vip.ring);
		small_vip.ring = NULL;
	}
	return 0;
}

/*
 * Run the test on a table of its own for max_flows, with a copy of V_SWAP
 * (small_vip) in it; main_dp_back gives the group's table back.
 */
static void small_table(__u32 max_flows)
{
	struct dp_opts o = { .max_flows = max_flows };
	struct dp *small;

	assert_int_equal(dp_load(&small, &o, NULL), 0);
	main_dp = dp;
	dp = small;
	prog_fd = dp_prog_fd(small);
	small_vip = vips[V_SWAP];
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
	vip_apply(&small_vip, small_vip.id);
}

/*
 * A table of one set (four lines), VIP and backends of its own: when full,
 * a new flow takes the line of the one flow no packet used since xlbd's
 * last walk of the table, and every other flow stays. Four rounds, a
 * different flow idle in each.
 */
static void test_a_full_set_gives_up_the_flow_nobody_used(void **state)
{
	const __u32 max_flows = 2; /* one set */
	struct tvip *v = &small_vip;
	int present[10] = { 0 }, n, i, round, idle, next;
	struct xlb_flow_key k[10];
	struct xlb_flow f;

	(void)state;
	small_table(max_flows);
	for (i = 1; i < 10; i++)
		tcp_key("198.51.100.62", v->addr, (__u16)(7100 + i), v->port, &k[i]);

	/* four flows fill the set; a fifth takes one of their lines */
	for (i = 1; i <= 5; i++)
		assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + i), v->port,
				     TH_ACK) >= 0);
	for (i = 1, n = 0; i <= 5; i++)
		n += present[i] = !dp_flow_get(dp, &k[i], 0, &f);
	assert_int_equal(n, 4);
	assert_true(present[5]);
	for (round = 0, next = 6; round < 4; round++, next++) {
		struct dp_sweep sw;

		/* xlbd's walk clears the marks; then packets for every flow held but one */
		assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
		for (i = 1, idle = 0; i < next; i++) {
			if (!present[i])
				continue;
			if (!idle && i > round) {
				idle = i;
				continue;
			}
			assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + i), v->port,
					     TH_ACK) >= 0);
		}
		/* a new flow takes the idle one's line */
		assert_true(send_tcp("198.51.100.62", v->addr, (__u16)(7100 + next), v->port,
				     TH_ACK) >= 0);
		present[idle] = 0;
		present[next] = 1;
		for (i = 1; i <= next; i++)
			assert_int_equal(!dp_flow_get(dp, &k[i], 0, &f), present[i]);
	}
}

/*
 * A table for 4,096 flows (2,048 sets of four lines) given 5,120 (1.25
 * times as many): every flow is kept. Two choices alone give up a few at
 * this fill (flows whose two sets are both full: in a simulation, none in
 * 5.5% of 200 runs); moving a flow of a full set to its other set first
 * (cuckoo hashing's first step) kept them all in every run.
 */
static void test_a_table_filled_past_its_size_moves_flows_rather_than_drop_them(void **state)
{
	const __u32 max_flows = 4096;
	struct tvip *v = &small_vip;
	struct xlb_flow_key k;
	struct xlb_flow f;
	int i, n = 5120, held = 0;
	char src[32];

	(void)state;
	small_table(max_flows);
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9000, v->port, TH_ACK) >= 0);
	}
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		tcp_key(src, v->addr, 9000, v->port, &k);
		held += !dp_flow_get(dp, &k, 0, &f);
	}
	print_message("  %d of %d flows held in a table for 4096\n", held, n);
	assert_int_equal(held, n);
}

/*
 * xlbd's walk rebuilds the SYN hint set by set while the program records:
 * a flow the program moves to its other set (a full table) from a set the
 * walk has not reached into one it has passed keeps its bits all the same.
 * Every flow the table holds after the walk is in the rebuilt hint.
 */
static void test_a_flow_moved_during_the_walk_keeps_its_syn_hint_bits(void **state)
{
	const __u32 max_flows = 256; /* 128 sets, 512 lines */
	struct tvip *v = &small_vip;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct dp_sweep sw;
	int i, held = 0, missing = 0, n = 620;
	char src[32];

	(void)state;
	small_table(max_flows);
	/* nearly full, walked once: the hint holds them */
	for (i = 0; i < 440; i++) { /* under 7/8: flows may still move */
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9100, v->port, TH_ACK) >= 0);
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &sw), 0);
	/* the next walk stops half-way; meanwhile more flows, which move others */
	assert_int_equal(dp_flow_bits_sweep_step(dp, 256, &sw), 0);
	for (; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		assert_true(send_tcp(src, v->addr, 9100, v->port, TH_ACK) >= 0);
	}
	assert_int_equal(dp_flow_bits_sweep_step(dp, UINT32_MAX, &sw), 1);
	for (i = 0; i < n; i++) {
		client_addr((unsigned int)i, src, sizeof(src));
		tcp_key(src, v->addr, 9100, v->port, &k);
		if (dp_flow_get(dp, &k, 0, &f))
			continue;
		held++;
		missing += !dp_flow_bits_test(dp, &k);
	}
	print_message("  %d flows held after the walk, %d of them missing from the hint\n", held,
		      missing);
	assert_true(held > 400);
	assert_int_equal(missing, 0);
}

/* Make a pinned table as the builds before xlb's own table made it. */
static int old_flow_table(const char *pins, const struct xlb_flow_key *k, int n)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	struct xlb_flow f = { .backend_id = 15, .backend_gen = 1 };
	char path[96];
	int fd, i;

	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_flows", sizeof(*k), sizeof(f), 1024, &mo);
	assert_true(fd >= 0);
	for (i = 0; i < n; i++)
		assert_int_equal(bpf_map_update_elem(fd, &k[i], &f, BPF_ANY), 0);
	snprintf(path, sizeof(path), "%s/xlb_flows", pins);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	return fd;
}

/* A namespace of the test's own with a veth in it; *home: where we were. */
static int enter_netns(const char *name, int *home)
{
	char cmd[256], path[64];
	int fd;

	snprintf(cmd, sizeof(cmd),
		 "ip netns del %s 2>/dev/null; ip netns add %s && "
		 "ip -n %s link add ft0 type veth peer name ft1 && ip -n %s link set ft0 up && "
		 "ip -n %s link set ft1 up",
		 name, name, name, name, name);
	assert_int_equal(system(cmd), 0);
	*home = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	assert_true(*home >= 0 && fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	return (int)if_nametoindex("ft0");
}

/*
 * An upgrade from a build whose xlb_flows was the kernel's LRU hash: its
 * flows are copied into the new table before the new program is attached,
 * and those the old program recorded meanwhile after, over what the new
 * program placed anew in between; the pin then names the new table.
 */
static void test_an_upgrade_copies_the_flows_of_the_kernels_lru_table(void **state)
{
	char pins[] = "/sys/fs/bpf/xlb-test-ftup-XXXXXX", path[96], detached[64];
	struct dp_opts o = { .max_flows = 1024 };
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct xlb_flow_key k[4];
	struct dp_attach_info ai;
	struct xlb_flow f;
	struct dp *up;
	int old, fd, i, ifindex, home;

	(void)state;
	for (i = 0; i < 4; i++)
		tcp_key("198.51.100.63", "10.0.0.100", (__u16)(7200 + i), 80, &k[i]);
	assert_non_null(mkdtemp(pins));
	o.pin_path = pins;
	old = old_flow_table(pins, k, 3);

	assert_int_equal(dp_load(&up, &o, NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(dp_flow_get(up, &k[i], 0, &f), 0);
		assert_int_equal(f.backend_id, 15);
	}
	/* the pin is the new table now */
	snprintf(path, sizeof(path), "%s/xlb_flows", pins);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &info_len), 0);
	assert_int_equal(info.type, BPF_MAP_TYPE_ARRAY);
	close(fd);
	/* the old program, still serving, records one more */
	assert_int_equal(dp_flow_get(up, &k[3], 0, &f), -ENOENT);
	f.backend_id = 16;
	assert_int_equal(bpf_map_update_elem(old, &k[3], &f, BPF_ANY), 0);
	/*
	 * and the new one, attached before the last copy, places a packet of it
	 * anew (a wrr flow it did not find): the older build's record wins
	 */
	f.backend_id = 17;
	assert_int_equal(dp_flow_put(up, &k[3], &f), 0);

	ifindex = enter_netns("xlbt-ftup", &home);
	assert_true(ifindex > 0);
	assert_int_equal(dp_attach(up, ifindex, DP_MODE_NATIVE, &ai), 0);
	assert_int_equal(dp_flow_get(up, &k[3], 0, &f), 0);
	assert_int_equal(f.backend_id, 16);
	dp_close(up);

	/* a restart adopts the new table: same seed, same flows */
	assert_int_equal(dp_load(&up, &o, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dp_flow_get(up, &k[i], 0, &f), 0);
	dp_close(up);
	assert_int_equal(dp_detach(pins, ifindex, detached, sizeof(detached)), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	close(old);
	assert_int_equal(system("ip netns del xlbt-ftup"), 0);
	dp_unpin(pins);
	rmdir(pins);
}

/*
 * xlb_vips as a build before readable dumps pinned it: its key type named
 * xlb_vip_key, the address four __be32 words, the port __be16 (network
 * order); the value named xlb_vip.
 */
static int old_vips_map(const char *pins, const struct xlb_vip_key *k, const struct xlb_vip *v)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	struct btf *btf = btf__new_empty();
	int u8, u16, u32, be16, be32, a4, pad3, key, val, fd;
	char path[96];

	assert_non_null(btf);
	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	u16 = btf__add_int(btf, "unsigned short", 2, 0);
	u32 = btf__add_int(btf, "unsigned int", 4, 0);
	be16 = btf__add_typedef(btf, "__be16", u16);
	be32 = btf__add_typedef(btf, "__be32", u32);
	a4 = btf__add_array(btf, u32, be32, 4);
	pad3 = btf__add_array(btf, u32, u8, 3);
	key = btf__add_struct(btf, "xlb_vip_key", 24);
	btf__add_field(btf, "addr", a4, 0, 0);
	btf__add_field(btf, "port", be16, 128, 0);
	btf__add_field(btf, "proto", u8, 144, 0);
	btf__add_field(btf, "family", u8, 152, 0);
	btf__add_field(btf, "flags", u8, 160, 0);
	btf__add_field(btf, "pad", pad3, 168, 0);
	val = btf__add_struct(btf, "xlb_vip", 16);
	btf__add_field(btf, "id", u32, 0, 0);
	btf__add_field(btf, "ring_size", u32, 32, 0);
	btf__add_field(btf, "udp_timeout", u32, 64, 0);
	btf__add_field(btf, "scheduler", u8, 96, 0);
	btf__add_field(btf, "fwd_mode", u8, 104, 0);
	btf__add_field(btf, "flags", u16, 112, 0);
	assert_int_equal(btf__load_into_kernel(btf), 0);
	mo.btf_fd = btf__fd(btf);
	mo.btf_key_type_id = (__u32)key;
	mo.btf_value_type_id = (__u32)val;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xlb_vips", sizeof(*k), sizeof(*v), 2 * XLB_MAX_VIPS,
			    &mo);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, k, v, BPF_ANY), 0);
	snprintf(path, sizeof(path), "%s/xlb_vips", pins);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	btf__free(btf);
	return fd;
}

/* The name of the key type of the map pinned at path, by its BTF. */
static void pinned_key_type(const char *path, char *name, size_t len)
{
	struct bpf_map_info info = {};
	__u32 l = sizeof(info);
	int fd = bpf_obj_get(path);
	struct btf *btf;

	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &l), 0);
	btf = btf__load_from_kernel_by_id(info.btf_id);
	assert_non_null(btf);
	snprintf(name, len, "%s",
		 btf__name_by_offset(btf, btf__type_by_id(btf, info.btf_key_type_id)->name_off));
	btf__free(btf);
	close(fd);
}

/*
 * An upgrade from a build whose maps declared other types (the port of a
 * VIP key in network order): xlb_vips is copied into a map of this build's
 * types, its ports turned to host order, and that map takes the pin; the
 * older map, which the older program still reads until it is replaced, is
 * left as it was.
 */
static void test_an_upgrade_rebuilds_the_maps_an_older_build_typed_otherwise(void **state)
{
	char pins[] = "/sys/fs/bpf/xlb-test-vkup-XXXXXX", path[96], name[64];
	struct dp_opts o = { .max_flows = 1024 };
	struct xlb_vip_key k = { .port = htons(8443), .proto = IPPROTO_TCP, .family = XLB_AF_INET },
			   nk;
	struct xlb_vip v = { .id = 7, .ring_size = RING_SIZE, .scheduler = XLB_SCHED_WRR }, got;
	struct dp *up;
	int old;

	(void)state;
	inet_pton(AF_INET, "10.0.0.150", k.addr);
	assert_non_null(mkdtemp(pins));
	o.pin_path = pins;
	old = old_vips_map(pins, &k, &v);
	snprintf(path, sizeof(path), "%s/xlb_vips", pins);
	pinned_key_type(path, name, sizeof(name));
	assert_string_equal(name, "xlb_vip_key");

	assert_int_equal(dp_load(&up, &o, NULL), 0);
	nk = k;
	nk.port = 8443; /* as the file says it */
	assert_int_equal(dp_vip_get(up, &nk, &got), 0);
	assert_int_equal(got.id, 7);
	assert_int_equal(got.scheduler, XLB_SCHED_WRR);
	assert_int_equal(dp_vip_get(up, &k, &got), -ENOENT);
	pinned_key_type(path, name, sizeof(name));
	assert_string_equal(name, "xlb_vip_key_btf");
	/* the older program's map is untouched */
	assert_int_equal(bpf_map_lookup_elem(old, &k, &got), 0);
	dp_close(up);

	/* a restart reuses the rebuilt map as it is */
	assert_int_equal(dp_load(&up, &o, NULL), 0);
	assert_int_equal(dp_vip_get(up, &nk, &got), 0);
	assert_int_equal(got.id, 7);
	dp_close(up);
	close(old);
	dp_unpin(pins);
	rmdir(pins);
}

#define SWAP_CLIENTS 200

/* Establish SWAP_CLIENTS TCP flows to V_SWAP; record their backends. */
static void establish_swap_flows(int *be, __u16 port_base)
{
	char src[32];
	int i;

	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", port_base, 80, TH_SYN);
		assert_true(be[i] == 15 || be[i] == 16);
		assert_int_equal(send_tcp(src, "10.0.0.106", port_base, 80, TH_ACK), be[i]);
	}
}

static void restore_swap_vip(void)
{
	struct tvip *v = &vips[V_SWAP];

	backend_put(15, v->id, XLB_BE_UP, 1);
	backend_put(16, v->id, XLB_BE_UP, 1);
	ring_set(v, v->nbe, v->be, NULL);
}

static void test_established_flows_keep_their_backend_after_the_ring_is_swapped(void **state)
{
	static const __u32 only16[] = { 16 }, only15[] = { 15 };
	int be[SWAP_CLIENTS], on15 = 0, i;
	char src[32];

	(void)state;
	establish_swap_flows(be, 50000);
	for (i = 0; i < SWAP_CLIENTS; i++)
		on15 += be[i] == 15;
	assert_true(on15 > 0 && on15 < SWAP_CLIENTS);

	ring_set(&vips[V_SWAP], 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 50000, 80, TH_ACK), be[i]);
		/* a new connection of the same client follows the new ring */
		assert_int_equal(send_tcp(src, "10.0.0.106", 50001, 80, TH_SYN), 16);
	}
	ring_set(&vips[V_SWAP], 1, only15, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 50000, 80, TH_ACK), be[i]);
	}
	restore_swap_vip();
}

static __u64 mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

static __u64 young_since;

/* What lb.c does before it replaces a maglev ring: the VIP young until then. */
static void make_young(struct tvip *v, __u64 until_ns, int keep_base)
{
	struct xlb_vip_key k;
	struct xlb_vip val = { .id = v->id,
			       .ring_size = RING_SIZE,
			       .udp_timeout = XLB_UDP_TIMEOUT_DEFAULT,
			       .scheduler = v->sched,
			       .fwd_mode = XLB_FWD_DSR,
			       .flags = XLB_VIP_F_YOUNG };

	if (keep_base) {
		assert_int_equal(dp_ring_keep_base(dp, v->id), 0);
		young_since = mono_ns();
	}
	assert_int_equal(dp_vip_young_set(dp, v->id, young_since, until_ns, RING_SIZE), 0);
	vip_key(v, &k);
	assert_int_equal(dp_vip_set(dp, &k, &val), 0);
}

static int syn_recorded(const char *src, __u16 sport)
{
	struct pkt_spec s = { .family = 4,
			      .src = src,
			      .dst = "10.0.0.106",
			      .proto = IPPROTO_TCP,
			      .sport = sport,
			      .dport = 80 };
	struct xlb_flow_key k;
	struct xlb_flow f;

	spec_key(&s, &k);
	return !dp_flow_get(dp, &k, 1, &f);
}

static void test_handshakes_across_ring_changes_reach_their_syns_backend(void **state)
{
	static const __u32 only16[] = { 16 }, only15[] = { 15 };
	struct tvip *v = &vips[V_SWAP];
	int be[SWAP_CLIENTS], on15 = 0, i;
	char src[32];

	(void)state;
	/* SYNs while the ring is settled: placed, not remembered */
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", 51000, 80, TH_SYN);
		on15 += be[i] == 15;
		assert_false(syn_recorded(src, 51000));
	}
	assert_true(on15 > 0 && on15 < SWAP_CLIENTS);

	/* the ring changes before their ACKs: each ACK still reaches its SYN's backend */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		/* SYNs of the young ring are remembered, and placed on the new ring */
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_SYN), 16);
		assert_true(syn_recorded(src, 51001));
	}
	/* a second change while young: the base ring stays the one of before */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 0);
	ring_set(v, 1, only15, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), be[i]);
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_ACK), 16);
	}

	/* settled again (the window passed): SYNs cost no record */
	make_young(v, mono_ns() - 1000000000ULL, 0); /* past even for the coarse clock */
	client_addr(0, src, sizeof(src));
	send_tcp(src, "10.0.0.106", 51002, 80, TH_SYN);
	assert_false(syn_recorded(src, 51002));
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
}

static void test_a_stale_remembered_syn_never_steers_a_later_handshake(void **state)
{
	static const __u32 only16[] = { 16 };
	struct tvip *v = &vips[V_SWAP];
	int be[SWAP_CLIENTS], on15 = 0, i;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char src[32];

	(void)state;
	/* a young period remembers SYNs on 16, then settles */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 52000, 80, TH_SYN), 16);
	}
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
	nanosleep(&tick, NULL); /* the next young time is on a later tick */

	/* the same 5-tuples again, settled: placed on both backends, not remembered */
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		be[i] = send_tcp(src, "10.0.0.106", 52000, 80, TH_SYN);
		on15 += be[i] == 15;
	}
	assert_true(on15 > 0);
	/* a ring change before their ACKs: the old records must not be believed */
	make_young(v, mono_ns() + 10 * 1000000000ULL, 1);
	ring_set(v, 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 52000, 80, TH_ACK), be[i]);
	}
	assert_int_equal(dp_ring_base_del(dp, v->id), 0);
	vip_apply(v, v->id);
	restore_swap_vip();
}

static void test_the_sweep_counts_each_backends_open_and_closing_flows(void **state)
{
	static struct dp_sweep s0, s1, s2;
	int be[SWAP_CLIENTS], i, n15 = 0, fin15 = 0, fin16 = 0;
	char src[32];

	(void)state;
	assert_int_equal(dp_flow_bits_sweep(dp, &s0), 0);
	establish_swap_flows(be, 52000);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		n15 += be[i] == 15;
		if (i % 3)
			continue;
		client_addr(i, src, sizeof(src));
		send_tcp(src, "10.0.0.106", 52000, 80, i % 2 ? TH_RST : TH_FIN | TH_ACK);
		fin15 += be[i] == 15;
		fin16 += be[i] == 16;
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &s1), 0);
	assert_int_equal(s1.active[15] - s0.active[15], n15 - fin15);
	assert_int_equal(s1.active[16] - s0.active[16], SWAP_CLIENTS - n15 - fin16);
	assert_int_equal(s1.closing[15] - s0.closing[15], fin15);
	assert_int_equal(s1.closing[16] - s0.closing[16], fin16);

	/* id 15 given to a new backend: the old one's flows are not the new one's */
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 2);
	assert_int_equal(dp_flow_bits_sweep(dp, &s2), 0);
	assert_int_equal(s2.active[15] + s2.closing[15], 0);
	assert_int_equal(s2.active[16], s1.active[16]);
	restore_swap_vip();
}

static void test_the_sweep_counts_udp_flows_until_their_idle_timeout(void **state)
{
	static struct dp_sweep s0, s1, s2;
	int be17 = 0, i;
	char src[32];

	(void)state;
	assert_int_equal(dp_flow_bits_sweep(dp, &s0), 0);
	for (i = 0; i < 50; i++) {
		client_addr(i, src, sizeof(src));
		be17 += send_udp(src, "10.0.0.106", 52100, 53) == 17;
	}
	assert_int_equal(dp_flow_bits_sweep(dp, &s1), 0);
	assert_int_equal(s1.active[17] + s1.active[18], 50); /* older ones have expired */
	assert_true(s1.active[17] >= (__u32)be17);
	sleep_ms(2100); /* past V_SWAPU's 1 s */
	assert_int_equal(dp_flow_bits_sweep(dp, &s2), 0);
	assert_int_equal(s2.active[17] + s2.active[18], 0);
}

static void test_drained_backend_keeps_its_flows_and_a_down_one_loses_them(void **state)
{
	static const __u32 only16[] = { 16 };
	int be[SWAP_CLIENTS], i;
	__u64 moved0;
	char src[32];

	(void)state;
	establish_swap_flows(be, 51000);

	/* drain 15: out of the ring, its flows stay */
	backend_put(15, vips[V_SWAP].id, XLB_BE_DRAIN, 1);
	ring_set(&vips[V_SWAP], 1, only16, NULL);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), be[i]);
		assert_int_equal(send_tcp(src, "10.0.0.106", 51001, 80, TH_SYN), 16);
	}

	/* down 15: its flows move to a live backend on their next packet */
	moved0 = gstat(XLB_STAT_FLOW_MOVED);
	backend_put(15, vips[V_SWAP].id, XLB_BE_DOWN, 1);
	for (i = 0; i < SWAP_CLIENTS; i++) {
		client_addr(i, src, sizeof(src));
		assert_int_equal(send_tcp(src, "10.0.0.106", 51000, 80, TH_ACK), 16);
	}
	for (i = 0; i < SWAP_CLIENTS; i++)
		if (be[i] == 15)
			moved0++;
	assert_int_equal(gstat(XLB_STAT_FLOW_MOVED), moved0);
	restore_swap_vip();
}

static void test_flows_leave_a_backend_id_given_to_a_new_backend(void **state)
{
	static const __u32 only15[] = { 15 };
	struct pkt_spec s = {
		.family = 4, .src = "192.0.2.200", .dst = "10.0.0.106", .sport = 52000, .dport = 80
	};
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u64 moved0;

	(void)state;
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 1);
	ring_set(&vips[V_SWAP], 1, only15, NULL);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_SYN), 15);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_ACK), 15);
	moved0 = gstat(XLB_STAT_FLOW_MOVED);

	/* id 15 is reused: same id, next generation */
	backend_put(15, vips[V_SWAP].id, XLB_BE_UP, 2);
	assert_int_equal(send_tcp(s.src, s.dst, s.sport, 80, TH_ACK), 15);
	assert_int_equal(gstat(XLB_STAT_FLOW_MOVED), moved0 + 1);
	spec_key(&s, &k);
	assert_int_equal(dp_flow_get(dp, &k, 0, &f), 0);
	assert_int_equal(f.backend_gen, 2);
	restore_swap_vip();
}

static void test_udp_flow_lives_while_active_and_expires_after_its_idle_timeout(void **state)
{
	struct tvip *v = &vips[V_SWAPU];
	__u32 other[1];
	__u64 exp0;
	int be;

	(void)state;
	be = send_udp("192.0.2.99", "10.0.0.106", 6000, 53);
	assert_true(be == 17 || be == 18);
	other[0] = be == 17 ? 18 : 17;
	ring_set(v, 1, other, NULL);

	/* timeout 1 s: packets every 600 ms keep the flow */
	sleep_ms(600);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), be);
	sleep_ms(600);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), be);

	/* idle for 1.5 s: forgotten, placed again by the new ring */
	exp0 = gstat(XLB_STAT_UDP_EXPIRED);
	sleep_ms(1500);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), (int)other[0]);
	assert_int_equal(gstat(XLB_STAT_UDP_EXPIRED), exp0 + 1);
	assert_int_equal(send_udp("192.0.2.99", "10.0.0.106", 6000, 53), (int)other[0]);
	ring_set(v, v->nbe, v->be, NULL);
}

#define FLOOD_ESTABLISHED 30000
#define FLOOD_SYNS	  1000000

/*
 * 30,000 established flows in a flow table of 65,536, then 1,000,000 SYNs
 * from random spoofed sources. Before the flood the ring is swapped to a
 * backend none of the flows is on, so a flow that was forgotten would show.
 * Maglev records no SYN at all; wrr records them in the half-open table.
 */
static void syn_flood(struct tvip *v, const char *dst, int recorded)
{
	static const __u32 only23[] = { 23 };
	struct pkt_spec s = {
		.family = 4, .dst = dst, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = TH_SYN
	};
	__u8 *be;
	struct result *r;
	__u64 syn0;
	int i, kept = 0, in_table = 0;
	char src[32];
	__u32 rnd = 12345;

	be = calloc(FLOOD_ESTABLISHED, 1);
	r = calloc(1, sizeof(*r));
	assert_non_null(be);
	assert_non_null(r);
	for (i = 0; i < FLOOD_ESTABLISHED; i++) {
		snprintf(src, sizeof(src), "100.64.%u.%u", i >> 8, i & 0xff);
		be[i] = (__u8)send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_SYN);
		assert_int_equal(send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_ACK), be[i]);
	}
	backend_put(23, v->id, XLB_BE_UP, 1);
	ring_set(v, 1, only23, NULL);

	/* the flood: one frame built once, source address and port rewritten */
	syn0 = gstat(XLB_STAT_SYN_TRACKED);
	s.src = "0.0.0.0";
	r->in_len = pkt_build(&s, r->in);
	for (i = 0; i < FLOOD_SYNS; i++) {
		rnd = rnd * 1103515245 + 12345;
		memcpy(r->in + 14 + 12, &rnd, 4); /* IPv4 source */
		memcpy(r->in + 14 + 20, &rnd, 2); /* TCP source port */
		run_frame(r);
		if (r->verdict != XDP_TX)
			fail_msg("SYN %d: verdict %d", i, r->verdict);
	}
	assert_int_equal(gstat(XLB_STAT_SYN_TRACKED), syn0 + (recorded ? FLOOD_SYNS : 0));

	for (i = 0; i < FLOOD_ESTABLISHED; i++) {
		struct xlb_flow_key k = { .family = XLB_AF_INET, .proto = IPPROTO_TCP };
		struct xlb_flow f;

		snprintf(src, sizeof(src), "100.64.%u.%u", i >> 8, i & 0xff);
		inet_pton(AF_INET, src, k.src);
		inet_pton(AF_INET, s.dst, k.dst);
		k.sport = htons(7000 + (i % 7));
		k.dport = htons(80);
		in_table += !dp_flow_get(dp, &k, 0, &f) && f.backend_id == be[i];
		kept += send_tcp(src, s.dst, (__u16)(7000 + (i % 7)), 80, TH_ACK) == be[i];
	}
	print_message("  %s: after %d SYNs, %d of %d established flows in the table, %d on "
		      "their backend\n",
		      names_str(&names_sched, v->sched), FLOOD_SYNS, in_table, FLOOD_ESTABLISHED,
		      kept);
	assert_int_equal(in_table, FLOOD_ESTABLISHED);
	assert_int_equal(kept, FLOOD_ESTABLISHED);
	ring_set(v, v->nbe, v->be, v->w);
	free(r);
	free(be);
}

static void test_syn_flood_of_1m_spoofed_sources_leaves_every_established_flow(void **state)
{
	(void)state;
	syn_flood(&vips[V_FLOOD], "10.0.0.107", 0);
}

static void test_syn_flood_on_a_wrr_vip_leaves_every_established_flow(void **state)
{
	(void)state;
	syn_flood(&vips[V_FLOODW], "10.0.0.108", 1);
}

/* ---- sampled events (xlbctl monitor) --------------------------------------- */

static void test_monitor_sends_new_flows_moves_and_drops_only_when_on_within_its_rate(void **state)
{
	struct got_events g;
	struct ring_buffer *rb = ring_buffer__new(dp_events_fd(dp), on_event, &g, NULL);
	__u64 sup0, sup1, lost;
	cpu_set_t all, one;
	char src[32];
	int be, i;

	(void)state;
	assert_non_null(rb);
	/* one CPU: the rate is counted per CPU */
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);

	/* off (a rate set, the flag not): new flows and drops send nothing */
	{
		struct xlb_config c = tun_cfg;

		c.monitor_rate = 4;
		assert_int_equal(dp_config_set(dp, &c), 0);
	}
	drain_events(rb, &g);
	send_udp("192.0.2.90", "10.0.0.100", 7000, 53);
	send_tcp("192.0.2.90", "10.0.0.105", 7000, 80, TH_SYN);
	drain_events(rb, &g);
	assert_int_equal(g.n, 0);

	/* on: a new flow names its VIP, client and backend */
	monitor_on(4);
	be = send_udp("192.0.2.91", "10.0.0.100", 7001, 53);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_NEW_FLOW);
	assert_int_equal(g.ev[0].vip_id, vips[V_UDP].id);
	assert_int_equal(g.ev[0].backend_id, be);
	assert_int_equal(g.ev[0].proto, IPPROTO_UDP);
	assert_int_equal(ntohs(g.ev[0].sport), 7001);
	assert_int_equal(ntohl(g.ev[0].src[0]), 0xc000025b);
	/* a hit sends nothing */
	send_udp("192.0.2.91", "10.0.0.100", 7001, 53);
	drain_events(rb, &g);
	assert_int_equal(g.n, 0);
	/* a drop, with its reason and VIP */
	send_tcp("192.0.2.92", "10.0.0.105", 7002, 80, TH_SYN);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_DROP);
	assert_int_equal(g.ev[0].reason, XLB_STAT_NO_BACKEND);
	assert_int_equal(g.ev[0].vip_id, vips[V_EMPTY].id);

	/* past the rate: 4 a second a CPU, the rest counted */
	assert_int_equal(dp_monitor_counts(dp, &sup0, &lost), 0);
	sleep_ms(1100);
	for (i = 0; i < 10; i++) {
		client_addr((unsigned)i, src, sizeof(src));
		send_udp(src, "10.0.0.100", 7100, 53);
	}
	drain_events(rb, &g);
	assert_int_equal(g.n, 4);
	assert_int_equal(dp_monitor_counts(dp, &sup1, &lost), 0);
	assert_int_equal(sup1 - sup0, 6);

	config_with(0, 0);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	ring_buffer__free(rb);
}

static void test_monitor_says_when_a_flow_moves_off_a_down_backend(void **state)
{
	struct got_events g;
	struct ring_buffer *rb = ring_buffer__new(dp_events_fd(dp), on_event, &g, NULL);
	static const __u32 only16[] = { 16 };
	int be;

	(void)state;
	assert_non_null(rb);
	be = send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_SYN);
	send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_ACK);
	monitor_on(100);
	drain_events(rb, &g);
	backend_put((__u32)be, vips[V_SWAP].id, XLB_BE_DOWN, 1);
	ring_set(&vips[V_SWAP], 1, be == 16 ? (const __u32[]){ 15 } : only16, NULL);
	assert_int_equal(send_tcp("192.0.2.93", "10.0.0.106", 7003, 80, TH_ACK),
			 be == 16 ? 15 : 16);
	drain_events(rb, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].type, XLB_EV_FLOW_MOVED);
	assert_int_equal(g.ev[0].backend_id, be == 16 ? 15 : 16);
	config_with(0, 0);
	restore_swap_vip();
	ring_buffer__free(rb);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_maglev_syn_is_placed_unrecorded_and_its_ack_records_the_flow),
	cmocka_unit_test(test_fin_or_rst_marks_a_flow_closing_and_a_new_syn_opens_it_again),
	cmocka_unit_test(test_the_sweep_counts_each_backends_open_and_closing_flows),
	cmocka_unit_test(test_the_sweep_counts_udp_flows_until_their_idle_timeout),
	cmocka_unit_test(test_monitor_sends_new_flows_moves_and_drops_only_when_on_within_its_rate),
	cmocka_unit_test(test_monitor_says_when_a_flow_moves_off_a_down_backend),
	cmocka_unit_test(test_wrr_syn_is_half_open_until_its_ack_establishes_it),
	cmocka_unit_test(test_maglev_syn_reusing_a_recorded_tuple_is_placed_afresh),
	cmocka_unit_test(test_wrr_syn_reusing_a_recorded_tuple_is_placed_afresh),
	cmocka_unit_test(test_syn_reusing_a_recorded_tuple_is_caught_after_the_hint_is_rebuilt),
	cmocka_unit_test(test_syn_hint_forgets_flows_the_table_dropped),
	cmocka_unit_test(test_syn_hint_of_one_bit_a_flow_is_filled_when_adopted),
	cmocka_unit_test(test_a_flow_written_by_xlbd_is_followed_by_the_program),
	cmocka_unit_test(test_each_flow_table_has_a_seed_of_its_own),
	cmocka_unit_test_teardown(test_a_full_set_gives_up_the_flow_nobody_used, main_dp_back),
	cmocka_unit_test_teardown(
		test_a_table_filled_past_its_size_moves_flows_rather_than_drop_them, main_dp_back),
	cmocka_unit_test_teardown(test_a_flow_moved_during_the_walk_keeps_its_syn_hint_bits,
				  main_dp_back),
	cmocka_unit_test(test_an_upgrade_copies_the_flows_of_the_kernels_lru_table),
	cmocka_unit_test(test_an_upgrade_rebuilds_the_maps_an_older_build_typed_otherwise),
	cmocka_unit_test(test_established_flows_keep_their_backend_after_the_ring_is_swapped),
	cmocka_unit_test(test_handshakes_across_ring_changes_reach_their_syns_backend),
	cmocka_unit_test(test_a_stale_remembered_syn_never_steers_a_later_handshake),
	cmocka_unit_test(test_drained_backend_keeps_its_flows_and_a_down_one_loses_them),
	cmocka_unit_test(test_flows_leave_a_backend_id_given_to_a_new_backend),
	cmocka_unit_test(test_udp_flow_lives_while_active_and_expires_after_its_idle_timeout),
	cmocka_unit_test(test_syn_flood_of_1m_spoofed_sources_leaves_every_established_flow),
	cmocka_unit_test(test_syn_flood_on_a_wrr_vip_leaves_every_established_flow),
};

int main(void)
{
	return xdp_lab_run("xdp_flows", tests, sizeof(tests) / sizeof(tests[0]));
}

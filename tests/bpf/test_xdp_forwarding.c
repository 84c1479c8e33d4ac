// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, where frames go. Every scheduler's
 * spread, fragments of a flow, and backends behind another interface
 * (XDP_REDIRECT). The lab (xdp_lab.h) runs the real program on frames built
 * by pkt.h.
 */
#include "xdp_lab.h"

static void test_maglev_spreads_1000_flows_as_the_ring_predicts(void **state)
{
	int count[3] = { 0 }, i, j;
	char src[32];

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct pkt_spec s = { .family = 4,
				      .src = src,
				      .dst = "10.0.0.100",
				      .sport = 10000 + i,
				      .dport = 80 };
		int be;

		client_addr(i, src, sizeof(src));
		be = send_tcp(src, s.dst, s.sport, 80, TH_SYN);
		assert_int_equal(be, predict_maglev(&vips[V_TCP], &s));
		for (j = 0; j < 3; j++)
			count[j] += be == (int)vips[V_TCP].be[j];
	}
	/* equal weights: a third each, within 3 points */
	for (j = 0; j < 3; j++)
		assert_in_range(count[j], 1000 - 90, 1000 + 90);
}

static void test_source_ip_sends_every_connection_of_a_client_to_one_backend(void **state)
{
	int seen[256] = { 0 }, used = 0, i, first;
	char src[32];

	(void)state;
	first = send_tcp("198.51.100.7", "10.0.0.102", 20000, 80, TH_SYN);
	assert_true(first >= 6 && first <= 8);
	for (i = 1; i < 300; i++)
		assert_int_equal(send_tcp("198.51.100.7", "10.0.0.102", 20000 + i, 80, TH_SYN),
				 first);

	/* and different clients do spread, each where hash_source says */
	for (i = 0; i < 300; i++) {
		struct xlb_flow_key k = { .family = XLB_AF_INET };
		int be;

		client_addr(i, src, sizeof(src));
		inet_pton(AF_INET, src, k.src);
		be = send_tcp(src, "10.0.0.102", 30000, 80, TH_SYN);
		assert_int_equal(be, vips[V_SRC].ring[hash_reduce(hash_source(&k), RING_SIZE)]);
		if (!seen[be]++)
			used++;
	}
	assert_int_equal(used, 3);
}

/* 10,000 new flows from 10,000 clients to v: how many each backend got. */
static void count_new_flows(const struct tvip *v, const char *dst, int count[3])
{
	char src[32];
	int i, j, be;

	for (i = 0; i < 10000; i++) {
		client_addr(i, src, sizeof(src));
		be = send_tcp(src, dst, 40000, 80, TH_SYN);
		for (j = 0; j < 3; j++)
			count[j] += be == (int)v->be[j];
	}
	assert_int_equal(count[0] + count[1] + count[2], 10000);
}

static void test_wrr_splits_10000_new_flows_within_2_percent_of_weights_1_2_3(void **state)
{
	int count[3] = { 0 }, j;

	(void)state;
	count_new_flows(&vips[V_WRR], "10.0.0.103", count);
	for (j = 0; j < 3; j++) {
		double share = count[j] / 10000.0, want = (j + 1) / 6.0;

		print_message("  wrr backend %d: %.2f%% (ideal %.2f%%)\n", j, 100 * share,
			      100 * want);
		assert_true(share > want - 0.02 && share < want + 0.02);
	}
}

static void test_random_scheduler_spreads_10000_flows_evenly(void **state)
{
	int count[3] = { 0 }, j;

	(void)state;
	count_new_flows(&vips[V_RND], "10.0.0.104", count);
	for (j = 0; j < 3; j++)
		assert_in_range(count[j], 3333 - 300, 3333 + 300);
}

/* First and later fragments of one datagram, for many datagrams. */
static void fragments_reach_one_backend(int family, const char *dst, __u8 proto, __u16 dport,
					const struct tvip *v)
{
	__u64 frags0 = gstat(XLB_STAT_FRAGMENTS);
	int i, used = 0, seen[256] = { 0 };
	char src[64];

	for (i = 0; i < 100; i++) {
		struct pkt_spec s = { .family = family,
				      .src = src,
				      .dst = dst,
				      .proto = proto,
				      .sport = 5000 + i,
				      .dport = dport,
				      .frag_id = 77 + i,
				      .payload = 64 };
		struct xlb_flow_key k;
		struct result a, b;
		int want;

		if (family == 6) {
			snprintf(src, sizeof(src), "2001:db8::%x", i + 1);
			s.ext[0] = IPPROTO_FRAGMENT;
			s.n_ext = 1;
		} else {
			client_addr(i, src, sizeof(src));
		}
		s.frag = PKT_FRAG_FIRST;
		run(&s, &a);
		s.frag = PKT_FRAG_LATER;
		run(&s, &b);
		spec_key(&s, &k);
		want = v->ring[hash_reduce(hash_addrs(&k), RING_SIZE)];
		assert_rewritten_to(&a, want);
		assert_rewritten_to(&b, want);
		if (!seen[want]++)
			used++;
	}
	assert_int_equal(gstat(XLB_STAT_FRAGMENTS), frags0 + 200);
	assert_true(used > 1); /* different clients still spread */
}

static void test_ipv4_first_and_later_fragments_reach_the_same_backend(void **state)
{
	(void)state;
	fragments_reach_one_backend(4, "10.0.0.100", IPPROTO_TCP, 80, &vips[V_TCP]);
}

static void test_ipv6_first_and_later_fragments_reach_the_same_backend(void **state)
{
	(void)state;
	fragments_reach_one_backend(6, "fd00::100", IPPROTO_UDP, 53, &vips[V6_UDP]);
}

static void test_fragments_follow_the_lowest_port_vip_of_their_address(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .src = "203.0.113.9",
			      .dst = "10.0.0.100",
			      .proto = IPPROTO_TCP,
			      .frag = PKT_FRAG_LATER,
			      .frag_id = 9 };
	struct xlb_vip_key k;
	struct xlb_flow_key fk;
	struct xlb_vip_stats v0, v1;
	struct result r;

	(void)state;
	/* 10.0.0.100 has TCP VIPs on ports 80 and 443: port 80 owns fragments */
	spec_key(&s, &fk);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v0), 0);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);
	assert_int_equal(dp_stats_vip(dp, vips[V_TCP].id, &v1), 0);
	assert_int_equal(v1.packets, v0.packets + 1);

	/* without the port 80 VIP, port 443 takes them over */
	vip_key(&vips[V_TCP], &k);
	assert_int_equal(dp_vip_del(dp, &k), 0);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP443].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);
	free(vips[V_TCP].ring);
	vip_apply(&vips[V_TCP], V_TCP);
	run(&s, &r);
	assert_rewritten_to(&r, vips[V_TCP].ring[hash_reduce(hash_addrs(&fk), RING_SIZE)]);

	/* and with no VIP left on the address, fragments are not ours */
	vip_key(&vips[V_ANY], &k);
	s.dst = "10.0.0.101";
	assert_int_equal(dp_vip_del(dp, &k), 0);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_PASS);
	free(vips[V_ANY].ring);
	vip_apply(&vips[V_ANY], V_ANY);
}

/* ---- backends behind another interface (XDP_REDIRECT) ------------------------ */

static void backend_via_other_interface(__u32 be_id)
{
	struct xlb_backend b;
	int slot = dp_egress_slot(dp, REDIRECT_OIF, other_if_mac);

	assert_true(slot > 0);
	assert_int_equal(dp_backend_get(dp, be_id, &b), 0);
	b.egress = (__u8)slot;
	assert_int_equal(dp_backend_set(dp, be_id, &b), 0);
}

static void test_dsr_backend_behind_another_interface_is_redirected_untagged(void **state)
{
	struct pkt_spec tagged = TUN_SPEC4, plain = TUN_SPEC4;
	__u8 want[PKT_MAX];
	struct result r, flat;

	(void)state;
	tunnel_vip(120, "10.0.0.120", IPPROTO_TCP, XLB_FWD_DSR, 50, "10.0.3.1");
	backend_via_other_interface(50);
	tagged.dst = plain.dst = "10.0.0.120";
	tagged.vlans = 1;
	run(&tagged, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	/* the same packet without its tag, from the other interface's MAC */
	flat.in_len = pkt_build(&plain, flat.in);
	memcpy(want, flat.in, flat.in_len);
	be_mac(50, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, flat.in_len);
	assert_memory_equal(r.out, want, flat.in_len);
}

/* An interface keeps its slot; a backend naming an empty one goes nowhere. */
static void test_backend_naming_an_empty_egress_slot_is_dropped_not_sent_out(void **state)
{
	struct pkt_spec s = TUN_SPEC4;
	struct xlb_backend b;
	struct result r;
	int slot = dp_egress_slot(dp, REDIRECT_OIF, other_if_mac);

	(void)state;
	assert_true(slot > 0);
	assert_int_equal(dp_egress_slot(dp, REDIRECT_OIF, other_if_mac), slot);
	assert_int_not_equal(dp_egress_slot(dp, REDIRECT_OIF + 1, other_if_mac), slot);
	tunnel_vip(123, "10.0.0.123", IPPROTO_TCP, XLB_FWD_DSR, 53, "10.0.3.4");
	assert_int_equal(dp_backend_get(dp, 53, &b), 0);
	b.egress = XLB_MAX_EGRESS - 1; /* never handed out here */
	assert_int_equal(dp_backend_set(dp, 53, &b), 0);
	s.dst = "10.0.0.123";
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_DROP);
}

static void test_ipip_backend_behind_another_interface_is_redirected_untagged(void **state)
{
	struct pkt_spec qinq = TUN_SPEC4, plain = TUN_SPEC4;
	__u8 want[PKT_MAX];
	struct result r, flat;
	size_t n;

	(void)state;
	tunnel_vip(121, "10.0.0.121", IPPROTO_TCP, XLB_FWD_IPIP, 51, "10.0.3.2");
	backend_via_other_interface(51);
	qinq.dst = plain.dst = "10.0.0.121";
	qinq.vlans = 2;
	qinq.vlan_tpid[0] = ETH_P_8021AD;
	run(&qinq, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	flat.in_len = pkt_build(&plain, flat.in);
	n = expect_encap(&flat, &plain, 14, 51, "10.0.3.2", 0, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);

	/* untagged, over IPv6 to an IPv6 backend through GUE: the same rule */
	plain = (struct pkt_spec)TUN_SPEC6;
	plain.proto = IPPROTO_UDP;
	plain.dst = "fd00::122";
	tunnel_vip(122, "fd00::122", IPPROTO_UDP, XLB_FWD_GUE, 52, "fd00:3::3");
	backend_via_other_interface(52);
	run(&plain, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	n = expect_encap(&r, &plain, 14, 52, "fd00:3::3", 1, want);
	memcpy(want + 6, other_if_mac, 6);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);
}

/* The client is behind the interface the packet came in on, tags and all. */
static void test_too_big_for_a_redirected_backend_goes_back_to_the_client(void **state)
{
	struct pkt_spec s = { .family = 4,
			      .vlans = 1,
			      .src = "192.0.2.94",
			      .dst = "10.0.0.121",
			      .proto = IPPROTO_TCP,
			      .sport = 5558,
			      .dport = 80,
			      .payload = 1500 - 40,
			      .df = 1 };
	struct result r;

	(void)state;
	config_with(0, 1500);
	tunnel_vip(121, "10.0.0.121", IPPROTO_TCP, XLB_FWD_IPIP, 51, "10.0.3.2");
	backend_via_other_interface(51);
	run(&s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	assert_memory_equal(r.out, pkt_client_mac, 6);
	assert_int_equal(r.out[12], 0x81); /* the tag stays */
	assert_int_equal(r.out[14 + 4 + 9], IPPROTO_ICMP);
	assert_int_equal(r.out[14 + 4 + 20], 3); /* destination unreachable */
	assert_int_equal(r.out[14 + 4 + 21], 4); /* fragmentation needed */
}

/*
 * IPv4 saying protocol 58 and IPv6 saying next header 1, each carrying its
 * own family's echo request type: neither is ICMP of its family, nothing
 * answers them.
 */

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_maglev_spreads_1000_flows_as_the_ring_predicts),
	cmocka_unit_test(test_source_ip_sends_every_connection_of_a_client_to_one_backend),
	cmocka_unit_test(test_wrr_splits_10000_new_flows_within_2_percent_of_weights_1_2_3),
	cmocka_unit_test(test_random_scheduler_spreads_10000_flows_evenly),
	cmocka_unit_test(test_ipv4_first_and_later_fragments_reach_the_same_backend),
	cmocka_unit_test(test_ipv6_first_and_later_fragments_reach_the_same_backend),
	cmocka_unit_test(test_fragments_follow_the_lowest_port_vip_of_their_address),
	cmocka_unit_test(test_dsr_backend_behind_another_interface_is_redirected_untagged),
	cmocka_unit_test(test_ipip_backend_behind_another_interface_is_redirected_untagged),
	cmocka_unit_test(test_too_big_for_a_redirected_backend_goes_back_to_the_client),
	cmocka_unit_test(test_backend_naming_an_empty_egress_slot_is_dropped_not_sent_out),
};

int main(void)
{
	return xdp_lab_run("xdp_forwarding", tests, sizeof(tests) / sizeof(tests[0]));
}

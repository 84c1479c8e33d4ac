// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, ipip and gue. The outer headers byte for
 * byte in every family pairing, VLAN tags, DSCP and ECN, fragments, the
 * flow's outer source. The lab (xdp_lab.h) runs the real program on frames
 * built by pkt.h.
 */
#include "xdp_lab.h"

/* ---- tunnels ----------------------------------------------------------------- */

static void encap_case(const char *vip, __u8 fwd, const char *be_addr, __u32 id, __u32 be_id,
		       struct pkt_spec *s)
{
	__u8 want[PKT_MAX];
	struct result r;
	size_t n;
	int l2 = 14 + 4 * s->vlans;

	tunnel_vip(id, vip, s->proto ? s->proto : IPPROTO_TCP, fwd, be_id, be_addr);
	s->dst = vip;
	run(s, &r);
	assert_int_equal(r.verdict, XDP_TX);
	n = expect_encap(&r, s, l2, (int)be_id, be_addr, fwd == XLB_FWD_GUE, want);
	assert_int_equal(r.out_len, n);
	assert_memory_equal(r.out, want, n);
}

static void test_ipip_ipv4_in_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	encap_case("10.0.0.110", XLB_FWD_IPIP, "10.0.2.1", 100, 32, &s);
}

static void test_ipip_ipv6_in_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::110", XLB_FWD_IPIP, "fd00:2::1", 101, 33, &s);
}

static void test_ipip_ipv4_in_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	encap_case("10.0.0.111", XLB_FWD_IPIP, "fd00:2::2", 102, 34, &s);
}

static void test_ipip_ipv6_in_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::111", XLB_FWD_IPIP, "10.0.2.5", 103, 35, &s);
}

static void test_gue_ipv4_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	s.proto = IPPROTO_UDP;
	encap_case("10.0.0.112", XLB_FWD_GUE, "10.0.2.3", 104, 36, &s);
}

static void test_gue_ipv6_has_exact_outer_headers(void **state)
{
	struct pkt_spec s = TUN_SPEC6;

	(void)state;
	encap_case("fd00::112", XLB_FWD_GUE, "fd00:2::4", 105, 37, &s);
}

static void test_ipip_keeps_vlan_tags_and_copies_dscp_ecn(void **state)
{
	struct pkt_spec s = TUN_SPEC4, s2 = TUN_SPEC4;
	struct result r;

	(void)state;
	s.vlans = 2;
	s.vlan_tpid[0] = ETH_P_8021AD;
	encap_case("10.0.0.113", XLB_FWD_IPIP, "10.0.2.6", 106, 38, &s);
	/* DSCP 46 (EF) with ECN CE: 0xbb in the outer TOS as in the inner */
	s2.dst = "10.0.0.113";
	s2.sport = 33001;
	r.in_len = pkt_build(&s2, r.in);
	r.in[15] = 0xbb;
	pkt_put16(r.in + 24, 0);
	pkt_put16(r.in + 24, pkt_csum(r.in + 14, 20));
	run_frame(&r);
	assert_int_equal(r.verdict, XDP_TX);
	assert_int_equal(r.out[15], 0xbb);	    /* outer TOS */
	assert_int_equal(r.out[14 + 20 + 1], 0xbb); /* inner TOS, untouched */
}

static void test_ipip_fragments_are_tunnelled_to_one_backend(void **state)
{
	struct pkt_spec s = TUN_SPEC4;

	(void)state;
	s.frag = PKT_FRAG_FIRST;
	s.frag_id = 4242;
	encap_case("10.0.0.114", XLB_FWD_IPIP, "10.0.2.7", 107, 39, &s);
	s.frag = PKT_FRAG_LATER;
	encap_case("10.0.0.114", XLB_FWD_IPIP, "10.0.2.7", 107, 39, &s);
}

/* tunnel_source: flow, prefix 10.255.0.0/16: a source per flow, and spread */
static void test_flow_source_is_one_per_flow_and_spread_over_flows(void **state)
{
	struct xlb_config c = tun_cfg;
	struct pkt_spec s = TUN_SPEC4;
	struct result r;
	__u8 first[4];
	int seen[256] = { 0 }, distinct = 0, i;

	(void)state;
	c.flags |= XLB_CFG_F_SRC_FLOW;
	inet_pton(AF_INET, "10.255.0.0", &c.tun_src4);
	c.tun_mask4 = htonl(0xffff);
	assert_int_equal(dp_config_set(dp, &c), 0);
	tunnel_vip(108, "10.0.0.115", IPPROTO_TCP, XLB_FWD_IPIP, 40, "10.0.2.8");
	s.dst = "10.0.0.115";
	run(&s, &r);
	memcpy(first, r.out + 14 + 12, 4);
	assert_int_equal(first[0], 10);
	assert_int_equal(first[1], 255);
	run(&s, &r); /* the same flow again: the same source */
	assert_memory_equal(r.out + 14 + 12, first, 4);
	for (i = 0; i < 200; i++) {
		s.sport = (__u16)(34000 + i);
		run(&s, &r);
		assert_int_equal(r.out[14 + 12], 10);
		assert_int_equal(r.out[14 + 13], 255);
		if (!seen[r.out[14 + 15]]++)
			distinct++;
	}
	print_message("  200 flows: %d distinct last bytes of the outer source\n", distinct);
	assert_true(distinct > 100);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ipip_ipv4_in_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv6_in_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv4_in_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_ipv6_in_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_gue_ipv4_has_exact_outer_headers),
	cmocka_unit_test(test_gue_ipv6_has_exact_outer_headers),
	cmocka_unit_test(test_ipip_keeps_vlan_tags_and_copies_dscp_ecn),
	cmocka_unit_test(test_ipip_fragments_are_tunnelled_to_one_backend),
	cmocka_unit_test(test_flow_source_is_one_per_flow_and_spread_over_flows),
};

int main(void)
{
	return xdp_lab_run("xdp_tunnels", tests, sizeof(tests) / sizeof(tests[0]));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the backend's decapsulation program: every tunnel xlb sends
 * comes out as the inner packet behind the same MACs; everything else passes
 * untouched; broken tunnel headers are dropped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h"
#include "xlb_decap.skel.h"
#include "pkt.h"

#define HOST4 "10.0.2.1"
#define HOST6 "fd00:2::1"

static struct xlb_decap_bpf *skel;

struct tcase {
	const char *name;
	int inner;	   /* 4 or 6 */
	const char *outer; /* outer destination; NULL: not a tunnel */
	int gue;	   /* in UDP to the GUE port */
	__u16 port;	   /* GUE: the UDP destination (0: the configured one) */
	int verdict;
	int stripped;	  /* XDP_PASS: 1 the inner packet, 0 the frame untouched */
	int truncate;	  /* cut the frame to this length */
	__u8 bad_version; /* GUE: a first nibble that is no IP version */
};

/* The frame xlb would send: outer headers in front of the inner packet. */
static size_t wrap(const struct tcase *t, const __u8 *in, size_t in_len, __u8 *out)
{
	int v6 = strchr(t->outer, ':') != NULL;
	size_t ip_len = in_len - 14, olen = (v6 ? 40 : 20) + (t->gue ? 8 : 0);
	__u8 *ip = out + 14;

	memcpy(out, in, 12);
	pkt_put16(out + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
	memset(ip, 0, olen);
	if (v6) {
		ip[0] = 0x60;
		pkt_put16(ip + 4, (__u16)(olen - 40 + ip_len));
		ip[6] = t->gue ? IPPROTO_UDP : t->inner == 4 ? 4 : 41;
		ip[7] = 64;
		inet_pton(AF_INET6, "fd00::1", ip + 8);
		inet_pton(AF_INET6, t->outer, ip + 24);
	} else {
		ip[0] = 0x45;
		pkt_put16(ip + 2, (__u16)(olen + ip_len));
		ip[8] = 64;
		ip[9] = t->gue ? IPPROTO_UDP : t->inner == 4 ? 4 : 41;
		inet_pton(AF_INET, "10.0.0.1", ip + 12);
		inet_pton(AF_INET, t->outer, ip + 16);
		pkt_put16(ip + 10, pkt_csum(ip, 20));
	}
	if (t->gue) {
		__u8 *uh = ip + olen - 8;

		pkt_put16(uh, 0xc123);
		pkt_put16(uh + 2, t->port ? t->port : XLB_GUE_PORT_DEFAULT);
		pkt_put16(uh + 4, (__u16)(8 + ip_len));
	}
	memcpy(ip + olen, in + 14, ip_len);
	if (t->bad_version)
		ip[olen] = (__u8)((t->bad_version << 4) | (ip[olen] & 0xf));
	return 14 + olen + ip_len;
}

static const struct tcase cases[] = {
	{ "ipv4_in_ipv4_is_stripped", 4, HOST4, 0, 0, XDP_PASS, 1 },
	{ "ipv6_in_ipv6_is_stripped", 6, HOST6, 0, 0, XDP_PASS, 1 },
	{ "ipv4_in_ipv6_is_stripped", 4, HOST6, 0, 0, XDP_PASS, 1 },
	{ "ipv6_in_ipv4_is_stripped", 6, HOST4, 0, 0, XDP_PASS, 1 },
	{ "gue_ipv4_in_ipv4_is_stripped", 4, HOST4, 1, 0, XDP_PASS, 1 },
	{ "gue_ipv6_in_ipv6_is_stripped", 6, HOST6, 1, 0, XDP_PASS, 1 },
	{ "gue_ipv4_in_ipv6_is_stripped", 4, HOST6, 1, 0, XDP_PASS, 1 },
	{ "tunnel_to_another_host_is_passed_untouched", 4, "10.0.2.99", 0, 0, XDP_PASS, 0 },
	{ "udp_to_another_port_is_passed_untouched", 4, HOST4, 1, 53, XDP_PASS, 0 },
	{ "plain_tcp_is_passed_untouched", 4, NULL, 0, 0, XDP_PASS, 0 },
	{ "plain_ipv6_is_passed_untouched", 6, NULL, 0, 0, XDP_PASS, 0 },
	{ "gue_with_no_ip_version_is_dropped", 4, HOST4, 1, 0, XDP_DROP, 0, 0, 5 },
	{ "gue_cut_before_its_payload_is_dropped", 4, HOST4, 1, 0, XDP_DROP, 0, 14 + 20 + 8 },
};

static void test_case(void **state)
{
	const struct tcase *t = *state;
	struct pkt_spec s = { .family = t->inner,
			      .src = t->inner == 4 ? "192.0.2.1" : "2001:db8::1",
			      .dst = t->inner == 4 ? "10.0.0.100" : "fd00::100",
			      .proto = IPPROTO_TCP,
			      .sport = 1234,
			      .dport = 80,
			      .payload = 40 };
	__u8 inner[PKT_MAX], in[PKT_MAX], out[PKT_MAX];
	size_t inner_len = pkt_build(&s, inner), in_len;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	memcpy(inner, "\x02\x00\x00\x00\x01\x07\x02\x00\x00\x00\x00\x01", 12); /* as sent */
	in_len = t->outer ? wrap(t, inner, inner_len, in)
			  : (memcpy(in, inner, inner_len), inner_len);
	if (t->truncate)
		in_len = (size_t)t->truncate;
	o.data_size_in = (__u32)in_len;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlb_decap), &o), 0);
	assert_int_equal(o.retval, t->verdict);
	if (t->verdict != XDP_PASS)
		return;
	if (t->stripped) {
		assert_int_equal(o.data_size_out, inner_len);
		assert_memory_equal(out, inner, inner_len);
	} else {
		assert_int_equal(o.data_size_out, in_len);
		assert_memory_equal(out, in, in_len);
	}
}

static void add_host(const char *a)
{
	struct xlb_decap_addr k = { 0 };
	__u8 one = 1;

	if (strchr(a, ':')) {
		k.family = XLB_AF_INET6;
		inet_pton(AF_INET6, a, k.addr);
	} else {
		k.family = XLB_AF_INET;
		inet_pton(AF_INET, a, k.addr);
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_dcp_addrs), &k, &one, 0),
			 0);
}

static int setup(void **state)
{
	struct xlb_decap_cfg cfg = { .gue_port = htons(XLB_GUE_PORT_DEFAULT) };
	__u32 zero = 0;

	(void)state;
	skel = xlb_decap_bpf__open_and_load();
	if (!skel)
		return -1;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_dcp_cfg), &zero, &cfg, 0))
		return -1;
	add_host(HOST4);
	add_host(HOST6);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xlb_decap_bpf__destroy(skel);
	return 0;
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[NCASES];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	return _cmocka_run_group_tests("decap", tests, NCASES, setup, teardown);
}

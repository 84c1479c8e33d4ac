// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the XDP program, a million mutated frames, never aborted
 * and never sent malformed, and a frame in pieces. The lab (xdp_lab.h) runs
 * the real program on frames built by pkt.h.
 */
#include "xdp_lab.h"

/* ---- a million mutated frames ----------------------------------------------- */

/*
 * Frames of every shape the parser knows, from random specs (VLAN tags, IPv4
 * options, IPv6 extension headers, fragments, TCP, UDP, ICMP echo, ICMP
 * errors quoting a flow, jumbo payloads, to DSR and tunnel VIPs and to no
 * VIP), then broken: bytes flipped, cut at any offset, lengths that lie.
 * Whatever the program does, it must never abort, and every frame it sends
 * must be well formed and be either the input with new MACs (DSR), the
 * input inside a correct tunnel header (IPIP, GUE) to a backend, or an ICMP
 * answer to the client with right checksums. XLB_MUTATE_FRAMES and
 * XLB_MUTATE_SEED change the run.
 */
#define MUT_FRAME_MAX 3400 /* below what one page of test_run holds */

static const char *const mut_dst4[] = { "10.0.0.100", "10.0.0.101", "10.0.0.102", "10.0.0.103",
					"10.0.0.140", "10.0.0.141", "10.0.0.9" };
static const char *const mut_dst6[] = { "fd00::100", "fd00::101", "fd00::140", "fd00::141",
					"fd00::9" };
static const __u8 mut_ext[] = { 0, 43, 60, 44 };
static const __u8 mut_flags[] = { TH_SYN, TH_ACK, TH_SYN | TH_ACK, TH_RST, TH_FIN | TH_ACK };

struct mut_stats {
	unsigned long frames, tx_dsr, tx_encap, tx_icmp, pass, drop, redirect, bad;
	unsigned shapes;
	__u8 seen[1 << 13]; /* shapes seen, a bit each of 2^16 */
};

static __u32 mut_pick(uint64_t *rng, __u32 n)
{
	return (__u32)(wf_rand(rng) % n);
}

/* A frame from a random spec; *shape gets its structural code. */
static size_t mut_build(uint64_t *rng, __u8 *buf, __u32 *shape)
{
	struct pkt_spec s = {};
	int six = mut_pick(rng, 2), i;
	__u32 kind = mut_pick(rng, 20);
	size_t len;

	s.family = six ? 6 : 4;
	s.src = six ? "fd00::aa" : "10.0.9.1";
	s.dst = six ? mut_dst6[mut_pick(rng, 5)] : mut_dst4[mut_pick(rng, 7)];
	s.vlans = mut_pick(rng, 8) < 6 ? 0 : (int)mut_pick(rng, 4);
	for (i = 0; i < s.vlans; i++)
		s.vlan_tpid[i] = mut_pick(rng, 2) ? ETH_P_8021AD : ETH_P_8021Q;
	s.proto = kind < 12   ? IPPROTO_TCP
		  : kind < 16 ? IPPROTO_UDP
		  : six	      ? IPPROTO_ICMPV6
			      : IPPROTO_ICMP;
	s.sport = (__u16)(1024 + mut_pick(rng, 60000));
	s.dport = mut_pick(rng, 4) ? 80 : mut_pick(rng, 2) ? 53 : (__u16)mut_pick(rng, 65536);
	s.tcp_flags = mut_flags[mut_pick(rng, 5)];
	if (!six && !mut_pick(rng, 4))
		s.ip_opt_len = 4 * (int)mut_pick(rng, 11);
	if (six && !mut_pick(rng, 4)) {
		s.n_ext = 1 + (int)mut_pick(rng, 6);
		for (i = 0; i < s.n_ext; i++)
			s.ext[i] = mut_ext[mut_pick(rng, 4)];
	}
	if (!mut_pick(rng, 6))
		s.frag = 1 + (int)mut_pick(rng, six ? 3 : 2);
	s.frag_id = (__u32)wf_rand(rng);
	s.payload = (int)mut_pick(rng, 8)   ? (int)mut_pick(rng, 200)
		    : (int)mut_pick(rng, 3) ? (int)mut_pick(rng, 1500)
					    : (int)mut_pick(rng, MUT_FRAME_MAX - 200);
	s.df = (int)mut_pick(rng, 2);
	s.pad = mut_pick(rng, 4) ? 0 : (int)mut_pick(rng, 40);
	if (!mut_pick(rng, 10))
		s.len_delta = (int)mut_pick(rng, 129) - 64;
	if (!mut_pick(rng, 10))
		s.truncate = 1 + (int)mut_pick(rng, 120);
	if (!mut_pick(rng, 20))
		s.family = 0,
		s.ethertype = (__u16)(mut_pick(rng, 2) ? 0x0806 : mut_pick(rng, 65536));
	len = pkt_build(&s, buf);
	*shape = (__u32)(s.family ? s.family / 2 - 1 : 0) << 13 | (__u32)s.vlans << 11 |
		 (kind >= 12) << 10 | (kind >= 16) << 9 | (__u32)s.frag << 7 |
		 (__u32)(s.n_ext ? s.n_ext : s.ip_opt_len / 4) << 3 |
		 (__u32)(s.len_delta != 0) << 2 | (s.truncate > 0) << 1 | (s.pad > 0);

	/* an ICMP error to a VIP, quoting a packet of one of its flows */
	if (s.family && kind >= 18) {
		struct pkt_spec q = s;
		__u8 inner[PKT_MAX];
		struct wf w;
		size_t qlen, n;

		q.vlans = 0;
		q.src = s.dst;
		q.dst = s.src;
		q.proto = mut_pick(rng, 2) ? IPPROTO_TCP : IPPROTO_UDP;
		q.sport = 80;
		q.frag = 0;
		q.n_ext = 0;
		q.len_delta = 0;
		q.pad = 0;
		q.truncate = 0;
		q.payload = (int)mut_pick(rng, 64);
		n = pkt_build(&q, inner) - 14;
		qlen = 8 + mut_pick(rng, (__u32)n);
		s.proto = six ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		s.src = six ? "fd00::250" : "10.0.9.250";
		s.frag = 0;
		s.n_ext = 0;
		s.truncate = 0;
		s.payload = (int)qlen;
		len = pkt_build(&s, buf);
		if (wf_parse(buf, len, &w) && w.l4) {
			__u8 *ic = buf + w.l4;

			ic[0] = six ? 2 : 3;
			ic[1] = six ? 0 : 4;
			pkt_put16(ic + 2, 0);
			pkt_put16(ic + 4, 0);
			pkt_put16(ic + 6, 1400);
			memcpy(ic + 8, inner + 14, qlen);
			pkt_put16(ic + 2, six ? pkt_csum6(buf + w.l2, ic, (int)(8 + qlen))
					      : pkt_csum(ic, (int)(8 + qlen)));
		}
		*shape |= 1u << 15;
	}
	return len;
}

/* Break the frame a little, most of the time. */
static size_t mut_break(uint64_t *rng, __u8 *f, size_t len)
{
	__u32 how = mut_pick(rng, 10), n, i;

	if (how < 2 || !len)
		return len; /* as built */
	if (how < 7) {
		n = 1 + mut_pick(rng, 4);
		for (i = 0; i < n; i++)
			f[mut_pick(rng, (__u32)(len < 120 ? len : 120))] ^=
				(__u8)(1 + mut_pick(rng, 255));
	} else if (how < 8) {
		len = 1 + mut_pick(rng, (__u32)len);
	} else {
		f[mut_pick(rng, (__u32)len)] = (__u8)wf_rand(rng);
	}
	/* sometimes a fixed IPv4 header checksum takes the frame deeper */
	if (mut_pick(rng, 2) && len >= 34 && wf_get16(f + 12) == ETH_P_IP && (f[14] & 0xf) >= 5 &&
	    14 + (f[14] & 0xf) * 4u <= len) {
		pkt_put16(f + 24, 0);
		pkt_put16(f + 24, pkt_csum(f + 14, (f[14] & 0xf) * 4));
	}
	return len;
}

static int mac_is_backend(const __u8 *m)
{
	__u8 b[6];

	be_mac(0, b);
	return !memcmp(m, b, 5);
}

/* Is what the program sent one of the three things it may send? NULL: yes. */
static const char *mut_check_sent(const struct result *r)
{
	struct wf wi, wo;
	int in_ok = wf_parse(r->in, r->in_len, &wi);

	if (!in_ok)
		return "sent a frame that is not well formed";
	if (!wf_parse(r->out, r->out_len, &wo))
		return "what it sent is not well formed";
	/* an answer to the client (checked first: a client's MAC may look like a backend's) */
	if (!memcmp(r->out, r->in + 6, 6) && !memcmp(r->out + 6, pkt_lb_mac, 6) &&
	    wo.proto == (wo.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
		int want_ok = wi.csum_ok &&
			      (wi.proto != (wi.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6) ||
			       !wi.l4 || wf_icmp_csum_ok(r->in, &wi));

		if (!wo.l4)
			return "an ICMP answer that is a fragment";
		/* RFC 1812 4.3.2.3, RFC 4443 2.4(c): an error fits the minimum MTU */
		if ((wo.family == 4 ? r->out[wo.l4] == 3 : r->out[wo.l4] < 128) &&
		    wo.ip_len > (wo.family == 4 ? 576u : 1280u))
			return "an ICMP answer longer than 576 (IPv4) or 1280 (IPv6) bytes";
		if (want_ok && (!wo.csum_ok || !wf_icmp_csum_ok(r->out, &wo)))
			return "ICMP answer with a bad checksum";
		return NULL;
	}
	if (mac_is_backend(r->out)) {
		const __u8 *inner;

		/* (redirected out of another interface: from that one's MAC) */
		if (memcmp(r->out + 6, r->verdict == XDP_REDIRECT ? other_if_mac : pkt_lb_mac, 6))
			return "to a backend, but not from our MAC";
		/* DSR: the frame with new MACs (redirected: untagged as well) */
		if ((wo.l2 == wi.l2 || (r->verdict == XDP_REDIRECT && wo.l2 == ETH_HLEN)) &&
		    r->out_len - wo.l2 == r->in_len - wi.l2 && wo.l2 >= ETH_HLEN &&
		    !memcmp(r->out + wo.l2 - 2, r->in + wi.l2 - 2, r->in_len - wi.l2 + 2) &&
		    (wo.l2 == ETH_HLEN || !memcmp(r->out + 12, r->in + 12, wo.l2 - ETH_HLEN)))
			return NULL;
		/* a tunnel: a correct outer header around the input's IP packet */
		if (!wo.csum_ok)
			return "tunnel: bad outer IPv4 checksum";
		if (wo.proto == IPPROTO_UDP) {
			if (wf_get16(r->out + wo.l4 + 2) != XLB_GUE_PORT_DEFAULT ||
			    wf_get16(r->out + wo.l4 + 4) != 8 + wi.ip_len)
				return "GUE: wrong port or UDP length";
			inner = r->out + wo.l4 + 8;
		} else if (wo.proto == 4 || wo.proto == 41) {
			inner = r->out + wo.l4;
		} else {
			return "to a backend, neither as it came nor tunnelled";
		}
		if (inner + wi.ip_len > r->out + wo.l2 + wo.ip_len ||
		    memcmp(inner, r->in + wi.l2, wi.ip_len))
			return "tunnel: the inner packet is not the input's";
		if ((wo.proto == 4) != (wi.family == 4) && wo.proto != IPPROTO_UDP)
			return "IPIP: wrong protocol for the inner family";
		return NULL;
	}
	return "sent to neither a backend nor the client";
}

static void mut_dump(const char *why, const struct result *r)
{
	size_t i;

	fprintf(stderr, "    %s (verdict %d, %zu bytes in, %u out); in:", why, r->verdict,
		r->in_len, r->out_len);
	for (i = 0; i < r->in_len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", r->in[i]);
	fprintf(stderr, "\n    out:");
	for (i = 0; i < r->out_len && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? "" : "\n      ", r->out[i]);
	fprintf(stderr, "\n");
}

static void test_a_million_mutated_frames_are_never_aborted_nor_sent_malformed(void **state)
{
	static struct mut_stats st;
	static struct result r;
	const char *env = getenv("XLB_MUTATE_FRAMES"), *why;
	uint64_t seed = getenv("XLB_MUTATE_SEED") ? strtoull(getenv("XLB_MUTATE_SEED"), NULL, 0)
						  : 0x786c622d6d7574ULL;
	unsigned long n = env ? strtoul(env, NULL, 0) : 1000000, i;
	uint64_t rng = seed;
	__u32 shape;

	(void)state;
	tunnel_vip(140, "10.0.0.140", IPPROTO_TCP, XLB_FWD_IPIP, 60, "10.0.2.60");
	tunnel_vip(141, "10.0.0.141", IPPROTO_TCP, XLB_FWD_GUE, 61, "fd00:2::61");
	tunnel_vip(142, "fd00::140", IPPROTO_TCP, XLB_FWD_IPIP, 62, "fd00:2::62");
	tunnel_vip(143, "fd00::141", IPPROTO_TCP, XLB_FWD_GUE, 63, "10.0.2.63");
	config_with(XLB_CFG_F_ICMP_ECHO, 1500);
	memset(&st, 0, sizeof(st));
	for (i = 0; st.frames < n; i++) {
		r.in_len = mut_build(&rng, r.in, &shape);
		r.in_len = mut_break(&rng, r.in, r.in_len);
		if (!(st.seen[shape >> 3] & (1 << (shape & 7)))) {
			st.shapes++;
			st.seen[shape >> 3] |= (__u8)(1 << (shape & 7));
		}
		if (r.in_len < 14)
			continue; /* test_run wants an Ethernet header */
		run_frame(&r);
		st.frames++;
		switch (r.verdict) {
		case XDP_PASS:
			st.pass++;
			continue;
		case XDP_DROP:
			st.drop++;
			continue;
		case XDP_TX:
		case XDP_REDIRECT:
			break;
		default:
			if (st.bad++ < 5)
				mut_dump("aborted or unknown verdict", &r);
			continue;
		}
		st.redirect += r.verdict == XDP_REDIRECT;
		why = mut_check_sent(&r);
		if (why) {
			if (st.bad++ < 5)
				mut_dump(why, &r);
			continue;
		}
		if (mac_is_backend(r.out))
			r.out_len <= r.in_len ? st.tx_dsr++ : st.tx_encap++;
		else
			st.tx_icmp++;
	}
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
	fprintf(stderr,
		"    %lu frames of %u shapes (seed %#llx, %lu built): sent %lu as they came, %lu "
		"tunnelled, "
		"%lu ICMP answers; passed %lu, dropped %lu; %lu wrong\n",
		st.frames, st.shapes, (unsigned long long)seed, i, st.tx_dsr, st.tx_encap,
		st.tx_icmp, st.pass, st.drop, st.bad);
	assert_int_equal(st.bad, 0);
	assert_true(st.tx_dsr > n / 100 && st.tx_encap > n / 1000 && st.tx_icmp > n / 1000);
	assert_int_equal(gstat(XLB_STAT_XDP_BASE + XDP_ABORTED), 0);
}

/*
 * The program declares no fragment support (SEC("xdp"), not "xdp.frags"), so
 * drivers never hand it a frame in pieces; a test run does, for frames
 * longer than a page. It sees only the first piece, so a packet longer than
 * that is malformed to it and dropped: never forwarded half seen, never
 * answered "too big" with an untrimmed copy (a 4,000-byte packet with DF to
 * a tunnel VIP, IPv4 and IPv6). Linear frames up to 3,400 bytes get their
 * answers trimmed: the mutation test checks every one.
 */
static void test_a_frame_in_pieces_is_dropped_never_answered_untrimmed(void **state)
{
	static struct result r;
	struct pkt_spec s4 = { .family = 4,
			       .src = "10.0.9.1",
			       .dst = "10.0.0.140",
			       .sport = 4000,
			       .dport = 80,
			       .df = 1,
			       .payload = 3900 };
	struct pkt_spec s6 = { .family = 6,
			       .src = "fd00::aa",
			       .dst = "fd00::140",
			       .sport = 4000,
			       .dport = 80,
			       .payload = 3900 };
	const struct pkt_spec *s[2] = { &s4, &s6 };
	__u64 malformed = gstat(XLB_STAT_MALFORMED);
	int i;

	(void)state;
	tunnel_vip(140, "10.0.0.140", IPPROTO_TCP, XLB_FWD_IPIP, 60, "10.0.2.60");
	tunnel_vip(142, "fd00::140", IPPROTO_TCP, XLB_FWD_IPIP, 62, "fd00:2::62");
	config_with(0, 1500);
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r.in, .data_out = r.out,
			    .data_size_out = sizeof(r.out), .repeat = 1);

		r.in_len = pkt_build(s[i], r.in);
		assert_true(r.in_len > 3900); /* beyond a page: in pieces */
		o.data_size_in = (__u32)r.in_len;
		assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
	}
	assert_int_equal(gstat(XLB_STAT_MALFORMED), malformed + 2);
	assert_int_equal(dp_config_set(dp, &tun_cfg), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_a_million_mutated_frames_are_never_aborted_nor_sent_malformed),
	cmocka_unit_test(test_a_frame_in_pieces_is_dropped_never_answered_untrimmed),
};

int main(void)
{
	return xdp_lab_run("xdp_mutation", tests, sizeof(tests) / sizeof(tests[0]));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the rtnetlink messages xlbd reads, as neigh.c parses
 * them: neighbour events and our dump's end (nl_events), and the replies to
 * its requests (nl_reply with parse_neigh_entry, parse_route, parse_link).
 * neigh.c is included whole to reach its static parsers. The first byte
 * picks the path; the rest is one datagram, copied into a buffer of its own
 * size so that a read past it is caught. With bit 0x40 of the first byte
 * the rest is not the datagram itself but a recipe for one whose lengths
 * all agree (see build()), so that mutations reach the attribute parsers
 * rather than stop at NLMSG_OK.
 */
#include "../../user/xlbd/neigh.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_neigh(void *ctx, int ifindex, const struct xlb_addr *addr, const uint8_t *mac,
		     enum neigh_event ev)
{
	volatile uint8_t sink;

	(void)ctx;
	(void)ifindex;
	sink = ((const uint8_t *)addr->a)[15];
	if (mac)
		sink = mac[5];
	(void)sink;
	(void)ev;
}

/* Append attributes read from in (type, length, payload; a type with 0x80
 * set nests the attributes its payload describes, once) to out. */
static size_t attrs(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int depth)
{
	size_t i = 0, o = 0;

	while (i + 2 <= n) {
		size_t l = in[i + 1], body;
		struct rtattr *a = (struct rtattr *)(out + o);

		if (o + RTA_LENGTH(0) > cap)
			break;
		if (l > n - i - 2)
			l = n - i - 2;
		if (in[i] & 0x80 && depth == 0)
			body = attrs(in + i + 2, l, out + o + RTA_LENGTH(0),
				     cap - o - RTA_LENGTH(0), 1);
		else {
			body = l <= cap - o - RTA_LENGTH(0) ? l : cap - o - RTA_LENGTH(0);
			memcpy(out + o + RTA_LENGTH(0), in + i + 2, body);
		}
		a->rta_type = in[i] & 0x7f;
		a->rta_len = (unsigned short)RTA_LENGTH(body);
		o += RTA_ALIGN(a->rta_len) <= cap - o ? RTA_ALIGN(a->rta_len) : cap - o;
		i += 2 + l;
	}
	return o;
}

/*
 * A datagram from a recipe: messages, each [type selector][header length
 * 0..31][header bytes][attribute bytes length][attributes], with nlmsg_len
 * and every rta_len consistent (the last message's may be cut short).
 */
static size_t build(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	static const uint16_t types[] = { RTM_NEWNEIGH, RTM_DELNEIGH, RTM_NEWROUTE, RTM_NEWLINK,
					  NLMSG_DONE,	NLMSG_ERROR,  RTM_DELROUTE, 0 };
	size_t i = 0, o = 0;

	while (i + 3 <= n && o + NLMSG_HDRLEN <= cap) {
		struct nlmsghdr *h = (struct nlmsghdr *)(out + o);
		size_t hl = in[i + 1] % 32, al, body = 0;

		h->nlmsg_type = types[in[i] & 7];
		h->nlmsg_seq = in[i] & 8 ? 6 : 7;
		h->nlmsg_flags = 0;
		h->nlmsg_pid = 0;
		i += 2;
		if (hl > n - i)
			hl = n - i;
		if (hl > cap - o - NLMSG_HDRLEN)
			hl = cap - o - NLMSG_HDRLEN;
		memcpy(out + o + NLMSG_HDRLEN, in + i, hl);
		i += hl;
		body = NLMSG_ALIGN(hl);
		if (body > cap - o - NLMSG_HDRLEN)
			body = cap - o - NLMSG_HDRLEN;
		if (i < n) {
			al = in[i++];
			if (al > n - i)
				al = n - i;
			body += attrs(in + i, al, out + o + NLMSG_HDRLEN + body,
				      cap - o - NLMSG_HDRLEN - body, 0);
			i += al;
		}
		h->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + body);
		o += NLMSG_ALIGN(h->nlmsg_len) <= cap - o ? NLMSG_ALIGN(h->nlmsg_len) : cap - o;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct neigh n = { .seq = 7, .cb = on_neigh };
	uint8_t mac[6];
	struct neigh_entry ne = { .mac = mac };
	struct xlb_addr nh = {};
	int oif = 0, routes = 0, ret;
	struct route_reply rr = { .nexthop = &nh, .oif = &oif, .alen = 16 };
	struct link_info li = {};
	char *buf;
	size_t len;

	if (size < 1 || size > 65536)
		return 0;
	len = size - 1;
	if (data[0] & 0x40) {
		uint8_t tmp[8192];

		memset(tmp, 0, sizeof(tmp));
		len = build(data + 1, size - 1, tmp, sizeof(tmp));
		buf = malloc(len ? len : 1);
		if (!buf)
			return 0;
		memcpy(buf, tmp, len);
	} else {
		/* (aligned as the kernel's datagrams are, and exactly as long) */
		buf = malloc(len ? len : 1);
		if (!buf)
			return 0;
		memcpy(buf, data + 1, len);
	}
	switch (data[0] % 5) {
	case 0:
		nl_events(&n, buf, (int)len, 0, &routes);
		break;
	case 1:
		nl_events(&n, buf, (int)len, 1, &routes);
		break;
	case 2:
		nl_reply(&n, buf, (int)len, RTM_NEWNEIGH, parse_neigh_entry, &ne, &ret);
		break;
	case 3:
		rr.alen = data[0] & 0x80 ? 4 : 16;
		nl_reply(&n, buf, (int)len, RTM_NEWROUTE, parse_route, &rr, &ret);
		break;
	case 4:
		nl_reply(&n, buf, (int)len, RTM_NEWLINK, parse_link, &li, &ret);
		break;
	}
	free(buf);
	return 0;
}

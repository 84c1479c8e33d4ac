// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour resolution over rtnetlink, with libmnl (as announce.c): the
 * neighbour table's dump and NTF_USE requests, RTM_GETROUTE for next hops,
 * RTM_GETLINK for veth peers, and the neighbour and route groups for every
 * change. Two sockets: one joined to the groups, read from the event loop;
 * one for requests, whose replies are matched by sequence number.
 *
 * XDP bypasses the kernel's own use of these entries, so they age to STALE
 * and may be garbage collected; a deleted entry therefore means "ask again"
 * (if it is a next hop of ours), not "gone". Only a failed resolution
 * (NUD_FAILED) withdraws a MAC.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "neigh.h"

/* the kernel's NUD_VALID, not exported to userspace */
#define NEIGH_VALID (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

/* a datagram of a dump may be as large as this (the kernel's own limit, 32 KiB) */
#define NL_BUF 32768

struct neigh {
	struct mnl_socket *ev;	/* the groups: multicast events */
	struct mnl_socket *req; /* requests and dumps */
	uint32_t seq;
	neigh_cb cb;
	neigh_route_cb route_cb;
	void *ctx;
};

static struct mnl_socket *nl_socket(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (nl && mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

int neigh_open(struct neigh **np, neigh_cb cb, neigh_route_cb route_cb, void *ctx)
{
	struct neigh *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->cb = cb;
	n->route_cb = route_cb;
	n->ctx = ctx;
	n->ev = nl_socket(RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
	n->req = n->ev ? nl_socket(0) : NULL;
	if (!n->req) {
		err = -errno;
		neigh_close(n);
		return err;
	}
	*np = n;
	return 0;
}

void neigh_close(struct neigh *n)
{
	if (!n)
		return;
	if (n->ev)
		mnl_socket_close(n->ev);
	if (n->req)
		mnl_socket_close(n->req);
	free(n);
}

int neigh_fd(const struct neigh *n)
{
	return mnl_socket_get_fd(n->ev);
}

/* mnl_attr_parse's callback: tb[type] = attr, for types up to max (the tb's size - 1). */
struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct attrs *t = data;
	int type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

#define PARSE(nlh, hdr_len, tb)                   \
	mnl_attr_parse((nlh), (hdr_len), attr_cb, \
		       &(struct attrs){ (tb), (int)(sizeof(tb) / sizeof((tb)[0])) - 1 })
#define PARSE_NESTED(a, tb)                 \
	mnl_attr_parse_nested((a), attr_cb, \
			      &(struct attrs){ (tb), (int)(sizeof(tb) / sizeof((tb)[0])) - 1 })

/* An attribute of exactly len bytes (else none). */
static const void *attr_exact(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len ? mnl_attr_get_payload(a) : NULL;
}

/*
 * How much of a datagram holds whole messages. libmnl 1.0.4's mnl_nlmsg_ok
 * compares nlmsg_len as an int: a length past 2 GiB (the kernel sends none;
 * our fuzzer made one) passes for a short one and the walk leaves the
 * buffer. What follows the first message that does not fit is not read.
 */
static size_t nl_framed(const char *buf, size_t len)
{
	const struct nlmsghdr *h;
	size_t off = 0;

	while (len - off >= sizeof(*h)) {
		h = (const struct nlmsghdr *)(buf + off);
		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			break;
		off += MNL_ALIGN(h->nlmsg_len);
		if (off >= len)
			return len;
	}
	return off;
}

/* One RTM_NEWNEIGH or RTM_DELNEIGH: report it. */
static void neigh_msg(struct neigh *n, const struct nlmsghdr *h)
{
	const struct nlattr *tb[NDA_MAX + 1] = {};
	const struct ndmsg *nd = mnl_nlmsg_get_payload(h);
	struct xlb_addr addr = {};
	const uint8_t *mac;
	const void *dst;
	size_t alen;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*nd) ||
	    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	PARSE(h, sizeof(*nd), tb);
	alen = nd->ndm_family == AF_INET ? 4 : 16;
	dst = attr_exact(tb[NDA_DST], alen);
	if (!dst)
		return;
	memcpy(addr.a, dst, alen);
	addr.family = nd->ndm_family == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
	mac = attr_exact(tb[NDA_LLADDR], 6);
	if (h->nlmsg_type == RTM_DELNEIGH)
		n->cb(n->ctx, nd->ndm_ifindex, &addr, NULL, NEIGH_GONE);
	else if (nd->ndm_state & NUD_FAILED)
		n->cb(n->ctx, nd->ndm_ifindex, &addr, NULL, NEIGH_FAILED);
	else if (mac && (nd->ndm_state & NEIGH_VALID))
		n->cb(n->ctx, nd->ndm_ifindex, &addr, mac, NEIGH_RESOLVED);
}

/* Reading events (or our dump): what one datagram held. */
struct ev_read {
	struct neigh *n;
	int dump;   /* our dump's reply, on the request socket */
	int done;   /* its end was read */
	int routes; /* a route changed */
};

static int on_event_msg(const struct nlmsghdr *h, void *data)
{
	struct ev_read *r = data;

	if (h->nlmsg_type == RTM_NEWNEIGH || h->nlmsg_type == RTM_DELNEIGH)
		neigh_msg(r->n, h);
	else if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE)
		r->routes = 1;
	return MNL_CB_OK;
}

/* NLMSG_DONE or NLMSG_ERROR: only our dump's own end ends it, not a late answer to another request. */
static int on_event_end(const struct nlmsghdr *h, void *data)
{
	struct ev_read *r = data;

	if (r->dump && h->nlmsg_seq == r->n->seq) {
		r->done = 1;
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

static mnl_cb_t event_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = on_event_end,
	[NLMSG_DONE] = on_event_end,
};

/*
 * The messages of one datagram of events (or of our dump): 1 once the dump
 * ended; *routes set when a route changed. A message that breaks the
 * datagram's framing ends the datagram, not what came before it.
 */
static int nl_events(struct neigh *n, const char *buf, int len, int dump, int *routes)
{
	struct ev_read r = { .n = n, .dump = dump };

	mnl_cb_run2(buf, nl_framed(buf, (size_t)len), 0, 0, on_event_msg, &r, event_ctl,
		    NLMSG_MIN_TYPE);
	*routes |= r.routes;
	return r.done;
}

static int nl_drain(struct neigh *n, struct mnl_socket *nl, int dump)
{
	char buf[NL_BUF] __attribute__((aligned(4)));
	int routes = 0, done = 0, lost = 0;
	ssize_t r;

	while (!done && (r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			/* the kernel dropped events for want of room: ask for it all again */
			lost = !dump && errno == ENOBUFS;
			if (!lost)
				break;
			continue;
		}
		done = nl_events(n, buf, (int)r, dump, &routes);
	}
	if (lost) {
		neigh_dump(n);
		routes = 1;
	}
	/* once a burst of route changes has been read, not once per route */
	if (routes && n->route_cb)
		n->route_cb(n->ctx);
	return done;
}

void neigh_read(struct neigh *n)
{
	nl_drain(n, n->ev, 0);
}

static int nl_send(struct neigh *n, struct nlmsghdr *h)
{
	h->nlmsg_seq = ++n->seq;
	return mnl_socket_sendto(n->req, h, h->nlmsg_len) < 0 ? -errno : 0;
}

/* Wait (a second at most) for a reply on the request socket: 0 or -ETIMEDOUT. */
static int nl_wait(struct neigh *n)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(n->req), .events = POLLIN };

	/* (poll, not select: the daemon's descriptors may number past FD_SETSIZE) */
	return poll(&p, 1, 1000) > 0 ? 0 : -ETIMEDOUT;
}

/* A reply's parser: the message of the type asked for; its return is the request's. */
typedef int (*nl_parse_fn)(const struct nlmsghdr *h, void *arg);

/* Reading the reply to request n->seq. */
struct reply {
	struct neigh *n;
	int want;
	nl_parse_fn parse;
	void *arg;
	int found, ret;
};

static int on_reply_msg(const struct nlmsghdr *h, void *data)
{
	struct reply *r = data;

	if (h->nlmsg_seq != r->n->seq || h->nlmsg_type != r->want)
		return MNL_CB_OK; /* a late part of an earlier exchange */
	r->found = 1;
	r->ret = r->parse(h, r->arg);
	return MNL_CB_STOP;
}

static int on_reply_error(const struct nlmsghdr *h, void *data)
{
	struct reply *r = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_seq != r->n->seq)
		return MNL_CB_OK;
	r->found = 1;
	r->ret = mnl_nlmsg_get_payload_len(h) < sizeof(*e) ? -EPROTO : e->error;
	return MNL_CB_STOP;
}

static mnl_cb_t reply_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = on_reply_error,
};

/*
 * The reply to request n->seq in one datagram, if it is there (1, *ret set:
 * parse's return, or the error reply's -errno), else 0. Late parts of
 * earlier exchanges are skipped.
 */
static int nl_reply(struct neigh *n, const char *buf, int len, int want, nl_parse_fn parse,
		    void *arg, int *ret)
{
	struct reply r = { .n = n, .want = want, .parse = parse, .arg = arg };

	mnl_cb_run2(buf, nl_framed(buf, (size_t)len), 0, 0, on_reply_msg, &r, reply_ctl,
		    NLMSG_MIN_TYPE);
	if (r.found)
		*ret = r.ret;
	return r.found;
}

/*
 * Send req and read until the reply with its sequence number: the message
 * of type want goes to parse(h, arg), whose return is ours; an error reply
 * returns its -errno (0 for an ack).
 */
static int nl_request(struct neigh *n, struct nlmsghdr *req, int want, nl_parse_fn parse, void *arg)
{
	char buf[NL_BUF] __attribute__((aligned(4)));
	ssize_t r;
	int err, ret;

	err = nl_send(n, req);
	if (err)
		return err;
	for (;;) {
		if (nl_wait(n))
			return -ETIMEDOUT;
		r = mnl_socket_recvfrom(n->req, buf, sizeof(buf));
		if (r < 0)
			return -errno;
		if (nl_reply(n, buf, (int)r, want, parse, arg, &ret))
			return ret;
	}
}

int neigh_dump(struct neigh *n)
{
	char buf[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ndmsg))];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;
	int err, i;

	h->nlmsg_type = RTM_GETNEIGH;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	err = nl_send(n, h);
	if (err)
		return err;
	/* a dump is a few messages: read them as they come, boundedly */
	for (i = 0; i < 1000; i++) {
		err = nl_wait(n);
		if (err)
			return err;
		if (nl_drain(n, n->req, 1))
			return 0;
	}
	return -EIO;
}

/* room for a request: its header, a fixed header and an address or two */
#define REQ_SIZE 256

/* A neighbour message naming addr on ifindex, in buf. */
static struct nlmsghdr *neigh_req(char *buf, int type, int flags, int ifindex,
				  const struct xlb_addr *addr, struct ndmsg **ndp)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	size_t alen = addr->family == XLB_AF_INET ? 4 : 16;
	struct ndmsg *nd;

	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)flags;
	nd = mnl_nlmsg_put_extra_header(h, sizeof(*nd));
	nd->ndm_ifindex = ifindex;
	nd->ndm_family = addr->family == XLB_AF_INET ? AF_INET : AF_INET6;
	mnl_attr_put(h, NDA_DST, alen, addr->a);
	if (ndp)
		*ndp = nd;
	return h;
}

struct neigh_entry {
	uint8_t *mac;
	int have_mac;
};

static int parse_neigh_entry(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[NDA_MAX + 1] = {};
	const struct ndmsg *nd = mnl_nlmsg_get_payload(h);
	struct neigh_entry *ne = arg;
	const void *mac;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*nd))
		return -EPROTO;
	PARSE(h, sizeof(*nd), tb);
	mac = attr_exact(tb[NDA_LLADDR], 6);
	if (mac) {
		memcpy(ne->mac, mac, 6);
		ne->have_mac = 1;
	}
	return nd->ndm_state;
}

/*
 * The kernel's entry for addr on ifindex: its state (NUD_*, 0 when there is
 * none) and, when it has one, its MAC (*have_mac).
 */
static int neigh_get(struct neigh *n, int ifindex, const struct xlb_addr *addr, uint8_t mac[6],
		     int *have_mac)
{
	char buf[REQ_SIZE] __attribute__((aligned(4)));
	struct neigh_entry ne = { .mac = mac };
	int r;

	r = nl_request(n, neigh_req(buf, RTM_GETNEIGH, NLM_F_REQUEST, ifindex, addr, NULL),
		       RTM_NEWNEIGH, parse_neigh_entry, &ne);
	*have_mac = ne.have_mac;
	return r == -ENOENT ? 0 : r;
}

int neigh_resolve(struct neigh *n, int ifindex, const struct xlb_addr *addr, uint8_t mac[6])
{
	char buf[REQ_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *h;
	struct ndmsg *nd;
	int state, have_mac;

	/*
	 * An entry that has a MAC is taken as it is: no event would tell of
	 * it, and asking again would rewrite it (a permanent entry is the
	 * operator's word and must stay permanent). One being resolved now
	 * is left to finish.
	 */
	state = neigh_get(n, ifindex, addr, mac, &have_mac);
	if (state < 0)
		return state;
	if (have_mac && (state & NEIGH_VALID))
		return 1;
	if (state & (NUD_INCOMPLETE | NUD_PERMANENT | NUD_NOARP))
		return 0;
	h = neigh_req(buf, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE, ifindex, addr, &nd);
	nd->ndm_state = NUD_NONE;
	nd->ndm_flags = NTF_USE;
	/* no ack asked: the outcome arrives on the event socket */
	return nl_send(n, h);
}

struct route_reply {
	struct xlb_addr *nexthop;
	int *oif;
	size_t alen;
};

static int parse_route(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[RTA_MAX + 1] = {};
	const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
	struct route_reply *rr = arg;
	const void *p;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*rt))
		return -EPROTO;
	PARSE(h, sizeof(*rt), tb);
	if ((p = attr_exact(tb[RTA_OIF], sizeof(int))))
		memcpy(rr->oif, p, sizeof(int));
	if ((p = attr_exact(tb[RTA_GATEWAY], rr->alen)))
		memcpy(rr->nexthop->a, p, rr->alen);
	/* unicast routes only: not local, blackhole, unreachable... */
	return rt->rtm_type == RTN_UNICAST && *rr->oif ? 0 : -ENETUNREACH;
}

int neigh_route(struct neigh *n, const struct xlb_addr *addr, struct xlb_addr *nexthop, int *oif)
{
	char buf[REQ_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	size_t alen = addr->family == XLB_AF_INET ? 4 : 16;
	struct route_reply rr = { .nexthop = nexthop, .oif = oif, .alen = alen };
	struct rtmsg *rt;
	int r;

	h->nlmsg_type = RTM_GETROUTE;
	h->nlmsg_flags = NLM_F_REQUEST;
	rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = addr->family == XLB_AF_INET ? AF_INET : AF_INET6;
	rt->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(h, RTA_DST, alen, addr->a);
	*nexthop = *addr;
	*oif = 0;
	r = nl_request(n, h, RTM_NEWROUTE, parse_route, &rr);
	/* an error reply: no route there (unreachable, prohibited...) */
	return r == -ETIMEDOUT || r == -ENETUNREACH || r >= 0 ? r : -ENETUNREACH;
}

struct link_info {
	int veth, peer, peer_nsid, xdp;
};

static int parse_link(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {}, *info[IFLA_INFO_MAX + 1] = {},
					   *xdp[IFLA_XDP_MAX + 1] = {};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct link_info *li = arg;
	const void *p;

	if (mnl_nlmsg_get_payload_len(h) < sizeof(*ifi))
		return -EPROTO;
	PARSE(h, sizeof(*ifi), tb);
	if ((p = attr_exact(tb[IFLA_LINK], sizeof(int))))
		memcpy(&li->peer, p, sizeof(int));
	if ((p = attr_exact(tb[IFLA_LINK_NETNSID], sizeof(int))))
		memcpy(&li->peer_nsid, p, sizeof(int));
	if (tb[IFLA_LINKINFO] && PARSE_NESTED(tb[IFLA_LINKINFO], info) >= 0 && info[IFLA_INFO_KIND])
		li->veth = mnl_attr_get_payload_len(info[IFLA_INFO_KIND]) >= 5 &&
			   !memcmp(mnl_attr_get_payload(info[IFLA_INFO_KIND]), "veth", 5);
	if (tb[IFLA_XDP] && PARSE_NESTED(tb[IFLA_XDP], xdp) >= 0 && xdp[IFLA_XDP_ATTACHED])
		li->xdp = mnl_attr_get_payload_len(xdp[IFLA_XDP_ATTACHED]) >= 1 &&
			  mnl_attr_get_u8(xdp[IFLA_XDP_ATTACHED]) != XDP_ATTACHED_NONE;
	return 0;
}

/*
 * One RTM_GETLINK of ifindex, in the namespace nsid (or ours when nsid < 0):
 * whether it is a veth, its peer (peer_nsid -1: in ours) and whether an XDP
 * program is attached to it.
 */
static int link_get(struct neigh *n, int ifindex, int nsid, struct link_info *li)
{
	char buf[REQ_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	h->nlmsg_type = RTM_GETLINK;
	h->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (nsid >= 0)
		mnl_attr_put_u32(h, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	memset(li, 0, sizeof(*li));
	li->peer_nsid = -1;
	return nl_request(n, h, RTM_NEWLINK, parse_link, li);
}

int neigh_veth_peer_xdp(struct neigh *n, int ifindex)
{
	struct link_info me, peer;
	int err;

	err = link_get(n, ifindex, -1, &me);
	if (err)
		return err;
	if (!me.veth || !me.peer)
		return -ENOTSUP;
	err = link_get(n, me.peer, me.peer_nsid, &peer);
	return err ? err : peer.xdp;
}

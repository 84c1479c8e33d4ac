// SPDX-License-Identifier: GPL-2.0
/*
 * Neighbour resolution over raw rtnetlink: a few messages are all it takes
 * (RTM_GETNEIGH, RTM_NEWNEIGH, RTM_GETROUTE, and the neighbour and route
 * groups), so no netlink library is pulled in.
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
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "neigh.h"

/* the kernel's NUD_VALID, not exported to userspace */
#define NEIGH_VALID (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

struct neigh {
	int ev_fd;  /* multicast events */
	int req_fd; /* requests and dumps */
	uint32_t seq;
	neigh_cb cb;
	neigh_route_cb route_cb;
	void *ctx;
};

static int nl_socket(uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
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
	n->ev_fd = nl_socket(RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
	if (n->ev_fd < 0) {
		err = n->ev_fd;
		free(n);
		return err;
	}
	n->req_fd = nl_socket(0);
	if (n->req_fd < 0) {
		err = n->req_fd;
		close(n->ev_fd);
		free(n);
		return err;
	}
	*np = n;
	return 0;
}

void neigh_close(struct neigh *n)
{
	if (!n)
		return;
	close(n->ev_fd);
	close(n->req_fd);
	free(n);
}

int neigh_fd(const struct neigh *n)
{
	return n->ev_fd;
}

/* One RTM_NEWNEIGH or RTM_DELNEIGH: report it. */
static void neigh_msg(struct neigh *n, struct nlmsghdr *h)
{
	struct ndmsg *nd = NLMSG_DATA(h);
	struct rtattr *a;
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	const uint8_t *mac = NULL;
	struct xlb_addr addr = {};
	int have_dst = 0;

	if (len < 0 || (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	for (a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST) {
			size_t alen = nd->ndm_family == AF_INET ? 4 : 16;

			if (RTA_PAYLOAD(a) != alen)
				return;
			memcpy(addr.a, RTA_DATA(a), alen);
			addr.family = nd->ndm_family == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
			have_dst = 1;
		} else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			mac = RTA_DATA(a);
		}
	}
	if (!have_dst)
		return;
	if (h->nlmsg_type == RTM_DELNEIGH)
		n->cb(n->ctx, nd->ndm_ifindex, &addr, NULL, NEIGH_GONE);
	else if (nd->ndm_state & NUD_FAILED)
		n->cb(n->ctx, nd->ndm_ifindex, &addr, NULL, NEIGH_FAILED);
	else if (mac && (nd->ndm_state & NEIGH_VALID))
		n->cb(n->ctx, nd->ndm_ifindex, &addr, mac, NEIGH_RESOLVED);
}

/*
 * Read what is queued on fd (dump: the request socket, during neigh_dump);
 * return 1 once our dump has ended, 0 otherwise.
 */
static void nl_event(struct neigh *n, struct nlmsghdr *h, int dump, int *done, int *routes)
{
	/* only our dump's own end ends it, not a late answer to another request */
	if ((h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) &&
	    (!dump || h->nlmsg_seq == n->seq))
		*done = 1;
	else if (h->nlmsg_type == RTM_NEWNEIGH || h->nlmsg_type == RTM_DELNEIGH)
		neigh_msg(n, h);
	else if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE)
		*routes = 1;
}

/* The messages of one datagram of events (or of our dump): 1 once it ended. */
static int nl_events(struct neigh *n, char *buf, int len, int dump, int *routes)
{
	struct nlmsghdr *h;
	int done = 0;

	for (h = (struct nlmsghdr *)buf; (!dump || !done) && NLMSG_OK(h, len);
	     h = NLMSG_NEXT(h, len))
		nl_event(n, h, dump, &done, routes);
	return done;
}

static int nl_drain(struct neigh *n, int fd, int dump)
{
	char buf[16384];
	int routes = 0, done = 0, lost = 0;
	ssize_t r;

	while (!done && (r = recv(fd, buf, sizeof(buf), 0)) != 0) {
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
	nl_drain(n, n->ev_fd, 0);
}

static int nl_send(struct neigh *n, struct nlmsghdr *h)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	h->nlmsg_seq = ++n->seq;
	return sendto(n->req_fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0
		       ? -errno
		       : 0;
}

/* Wait (a second at most) for a reply on the request socket: 0 or -ETIMEDOUT. */
static int nl_wait(struct neigh *n)
{
	struct timeval tv = { .tv_sec = 1 };
	fd_set rfds;

	FD_ZERO(&rfds);
	FD_SET(n->req_fd, &rfds);
	return select(n->req_fd + 1, &rfds, NULL, NULL, &tv) > 0 ? 0 : -ETIMEDOUT;
}

/*
 * Send req and read until the reply with its sequence number: the message
 * of type want goes to parse(h, arg), whose return is ours; an error reply
 * returns its -errno (0 for an ack). Late parts of earlier exchanges are
 * skipped.
 */
typedef int (*nl_parse_fn)(struct nlmsghdr *h, void *arg);

/*
 * The reply to request n->seq in one datagram, if it is there (1, *ret set:
 * parse's return, or the error reply's -errno), else 0. Late parts of
 * earlier exchanges are skipped.
 */
static int nl_reply(struct neigh *n, char *buf, int len, int want, nl_parse_fn parse, void *arg,
		    int *ret)
{
	struct nlmsghdr *h;

	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != n->seq)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			*ret = h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ? -EPROTO : e->error;
			return 1;
		}
		if (h->nlmsg_type == want) {
			*ret = parse(h, arg);
			return 1;
		}
	}
	return 0;
}

/*
 * Send req and read until the reply with its sequence number: the message
 * of type want goes to parse(h, arg), whose return is ours; an error reply
 * returns its -errno (0 for an ack).
 */
static int nl_request(struct neigh *n, struct nlmsghdr *req, int want, nl_parse_fn parse, void *arg)
{
	char buf[16384];
	ssize_t r;
	int err, ret;

	err = nl_send(n, req);
	if (err)
		return err;
	for (;;) {
		if (nl_wait(n))
			return -ETIMEDOUT;
		r = recv(n->req_fd, buf, sizeof(buf), 0);
		if (r < 0)
			return -errno;
		if (nl_reply(n, buf, (int)r, want, parse, arg, &ret))
			return ret;
	}
}

int neigh_dump(struct neigh *n)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.h.nlmsg_type = RTM_GETNEIGH,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nd.ndm_family = AF_UNSPEC,
	};
	int err, i;

	err = nl_send(n, &req.h);
	if (err)
		return err;
	/* a dump is a few messages: read them as they come, boundedly */
	for (i = 0; i < 1000; i++) {
		err = nl_wait(n);
		if (err)
			return err;
		if (nl_drain(n, n->req_fd, 1))
			return 0;
	}
	return -EIO;
}

/* A request naming addr on ifindex: the message, its length set. */
static void neigh_req(struct nlmsghdr *h, struct ndmsg *nd, int ifindex,
		      const struct xlb_addr *addr)
{
	size_t alen = addr->family == XLB_AF_INET ? 4 : 16;
	struct rtattr *a;

	nd->ndm_ifindex = ifindex;
	nd->ndm_family = addr->family == XLB_AF_INET ? AF_INET : AF_INET6;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	a->rta_type = NDA_DST;
	a->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(a), addr->a, alen);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

struct neigh_entry {
	uint8_t *mac;
	int have_mac;
};

static int parse_neigh_entry(struct nlmsghdr *h, void *arg)
{
	struct neigh_entry *ne = arg;
	struct ndmsg *nd = NLMSG_DATA(h);
	int alen = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	struct rtattr *a;

	if (alen < 0)
		return -EPROTO;
	for (a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(a, alen);
	     a = RTA_NEXT(a, alen))
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			memcpy(ne->mac, RTA_DATA(a), 6);
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
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		char attrs[64];
	} req = {
		.h.nlmsg_type = RTM_GETNEIGH,
		.h.nlmsg_flags = NLM_F_REQUEST,
	};
	struct neigh_entry ne = { .mac = mac };
	int r;

	neigh_req(&req.h, &req.nd, ifindex, addr);
	r = nl_request(n, &req.h, RTM_NEWNEIGH, parse_neigh_entry, &ne);
	*have_mac = ne.have_mac;
	return r == -ENOENT ? 0 : r;
}

int neigh_resolve(struct neigh *n, int ifindex, const struct xlb_addr *addr, uint8_t mac[6])
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		char attrs[64];
	} req = {
		.h.nlmsg_type = RTM_NEWNEIGH,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE,
		.nd.ndm_state = NUD_NONE,
		.nd.ndm_flags = NTF_USE,
	};
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
	neigh_req(&req.h, &req.nd, ifindex, addr);
	/* no ack asked: the outcome arrives on the event socket */
	return nl_send(n, &req.h);
}

struct route_reply {
	struct xlb_addr *nexthop;
	int *oif;
	size_t alen;
};

static int parse_route(struct nlmsghdr *h, void *arg)
{
	struct route_reply *rr = arg;
	struct rtmsg *rt = NLMSG_DATA(h);
	int alen = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*rt));
	struct rtattr *a;

	if (alen < 0)
		return -EPROTO;
	for (a = RTM_RTA(rt); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == sizeof(int))
			*rr->oif = *(int *)RTA_DATA(a);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == rr->alen)
			memcpy(rr->nexthop->a, RTA_DATA(a), rr->alen);
	}
	/* unicast routes only: not local, blackhole, unreachable... */
	return rt->rtm_type == RTN_UNICAST && *rr->oif ? 0 : -ENETUNREACH;
}

int neigh_route(struct neigh *n, const struct xlb_addr *addr, struct xlb_addr *nexthop, int *oif)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		char attrs[64];
	} req = {
		.h.nlmsg_type = RTM_GETROUTE,
		.h.nlmsg_flags = NLM_F_REQUEST,
	};
	size_t alen = addr->family == XLB_AF_INET ? 4 : 16;
	struct route_reply rr = { .nexthop = nexthop, .oif = oif, .alen = alen };
	struct rtattr *a;
	int r;

	req.rt.rtm_family = addr->family == XLB_AF_INET ? AF_INET : AF_INET6;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
	a->rta_type = RTA_DST;
	a->rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(RTA_DATA(a), addr->a, alen);
	req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	*nexthop = *addr;
	*oif = 0;
	r = nl_request(n, &req.h, RTM_NEWROUTE, parse_route, &rr);
	/* an error reply: no route there (unreachable, prohibited...) */
	return r == -ETIMEDOUT || r == -ENETUNREACH || r >= 0 ? r : -ENETUNREACH;
}

struct link_info {
	int veth, peer, peer_nsid, xdp;
};

static int parse_link(struct nlmsghdr *h, void *arg)
{
	struct link_info *li = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int alen = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), blen;
	struct rtattr *a, *b;

	if (alen < 0)
		return -EPROTO;
	for (a = IFLA_RTA(ifi); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		blen = (int)RTA_PAYLOAD(a);
		if (a->rta_type == IFLA_LINK && blen == sizeof(int))
			li->peer = *(int *)RTA_DATA(a);
		else if (a->rta_type == IFLA_LINK_NETNSID && blen == sizeof(int))
			li->peer_nsid = *(int *)RTA_DATA(a);
		else if (a->rta_type == IFLA_LINKINFO)
			for (b = RTA_DATA(a); RTA_OK(b, blen); b = RTA_NEXT(b, blen))
				li->veth |= b->rta_type == IFLA_INFO_KIND && RTA_PAYLOAD(b) >= 5 &&
					    !memcmp(RTA_DATA(b), "veth", 5);
		else if (a->rta_type == IFLA_XDP)
			for (b = RTA_DATA(a); RTA_OK(b, blen); b = RTA_NEXT(b, blen))
				li->xdp |= b->rta_type == IFLA_XDP_ATTACHED &&
					   RTA_PAYLOAD(b) >= 1 &&
					   *(__u8 *)RTA_DATA(b) != XDP_ATTACHED_NONE;
	}
	return 0;
}

/*
 * One RTM_GETLINK of ifindex, in the namespace nsid (or ours when nsid < 0):
 * whether it is a veth, its peer (peer_nsid -1: in ours) and whether an XDP
 * program is attached to it.
 */
static int link_get(struct neigh *n, int ifindex, int nsid, struct link_info *li)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		char attrs[64];
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.h.nlmsg_type = RTM_GETLINK,
		.h.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = ifindex,
	};

	if (nsid >= 0) {
		struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));

		a->rta_type = IFLA_TARGET_NETNSID;
		a->rta_len = RTA_LENGTH(sizeof(int));
		memcpy(RTA_DATA(a), &nsid, sizeof(int));
		req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	}
	memset(li, 0, sizeof(*li));
	li->peer_nsid = -1;
	return nl_request(n, &req.h, RTM_NEWLINK, parse_link, li);
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

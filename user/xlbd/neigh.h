/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backend MACs from the kernel's neighbour table, over rtnetlink: a dump to
 * start, NTF_USE requests to make the kernel resolve an address, and the
 * neighbour multicast group to follow every change.
 */
#ifndef XLB_NEIGH_H
#define XLB_NEIGH_H

#include <stdint.h>
#include "config.h"

struct neigh;

/* What became of a neighbour. */
enum neigh_event {
	NEIGH_RESOLVED, /* mac is its address */
	NEIGH_FAILED,	/* it could not be resolved (NUD_FAILED); mac is NULL */
	NEIGH_GONE,	/* the kernel dropped the entry (aged out); mac is NULL */
};

/* Neighbour addr of interface ifindex; every interface's are reported. */
typedef void (*neigh_cb)(void *ctx, int ifindex, const struct xlb_addr *addr, const uint8_t *mac,
			 enum neigh_event ev);
/* A route was added, changed or removed: next hops may have moved. */
typedef void (*neigh_route_cb)(void *ctx);

int neigh_open(struct neigh **np, neigh_cb cb, neigh_route_cb route_cb, void *ctx);
void neigh_close(struct neigh *n);
/* The event socket, for the event loop; neigh_read() when it is readable. */
int neigh_fd(const struct neigh *n);
void neigh_read(struct neigh *n);
/* Report every resolved neighbour through cb. */
int neigh_dump(struct neigh *n);
/*
 * The next hop toward addr and the interface it leaves through (*oif): the
 * route's gateway, or addr itself when it is on-link. -ENETUNREACH when no
 * unicast route leads there.
 */
int neigh_route(struct neigh *n, const struct xlb_addr *addr, struct xlb_addr *nexthop, int *oif);
/*
 * addr's MAC on an interface: 1 with *mac when the neighbour table has it
 * now; else 0, the kernel asked to resolve it (ARP or ND) and the answer to
 * come as an event. An existing entry is never rewritten. Or -errno.
 */
int neigh_resolve(struct neigh *n, int ifindex, const struct xlb_addr *addr, uint8_t mac[6]);

/*
 * Is ifindex a veth whose peer runs an XDP program? 1 yes, 0 no (then frames
 * it sends with XDP_TX are dropped by the kernel), -ENOTSUP when it is not a
 * veth, or -errno.
 */
int neigh_veth_peer_xdp(struct neigh *n, int ifindex);

#endif /* XLB_NEIGH_H */

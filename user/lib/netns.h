/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network namespace a program runs in, as the kernel and ip-netns(8)
 * know it: the daemon keys its interface locks and route-table records on
 * it, and xlb-decap its pin directory; errors name it.
 */
#ifndef XLB_NETNS_H
#define XLB_NETNS_H

#include <stddef.h>

/* The inode of /proc/self/ns/net, or 0 if it cannot be read. */
unsigned long netns_inode(void);
/* The name ip netns gives ours (under /run/netns) into buf: 0, or -ENOENT. */
int netns_name(char *buf, size_t len);

#endif /* XLB_NETNS_H */

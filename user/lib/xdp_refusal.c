// SPDX-License-Identifier: GPL-2.0
/*
 * A driver takes a program without multi-buffer support (SEC("xdp")) only
 * while a frame fits one page with its headroom: veth's limit is 4096 - 256
 * (XDP headroom) - 320 (skb_shared_info) - 14 = 3,506 bytes of MTU, mlx5's
 * about the same, i40e's and ice's less. Above it the attach fails with
 * ERANGE. Generic mode has no such limit (its skb is linear), at the cost of
 * an skb for every packet. A veth refuses it when either end's MTU is past
 * the limit.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xdp_refusal.h"

#define ENOTSUPP_KERNEL 524 /* the kernel's ENOTSUPP, which libc does not name */

int link_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	err = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
	close(fd);
	return err;
}

int xdp_native_refused(int err)
{
	return err == -ERANGE || err == -EOPNOTSUPP || err == -ENOTSUPP_KERNEL || err == -EINVAL;
}

const char *xdp_refusal(int err, const char *ifname, const char *generic, char *buf, size_t len)
{
	int mtu = link_mtu(ifname);

	buf[0] = '\0';
	if (err == -ERANGE && mtu > 0)
		snprintf(buf, len,
			 "%s's MTU, %d, is more than its driver takes for XDP without multi-buffer "
			 "support (about 3,500 bytes on veth and mlx5: a 4 KiB page less headroom; "
			 "less on i40e and ice; a veth counts its peer's MTU too): lower it (ip "
			 "link "
			 "set dev %s mtu 3500) or use %s (slower)",
			 ifname, mtu, ifname, generic);
	else if (err == -EOPNOTSUPP || err == -ENOTSUPP_KERNEL)
		snprintf(buf, len, "%s's driver has no native XDP: use %s", ifname, generic);
	else if (err == -EINVAL)
		snprintf(buf, len,
			 "%s's driver refused the program in native mode (a setting it cannot run "
			 "XDP with, such as LRO, or too few queues): see its kernel log, or use %s",
			 ifname, generic);
	return buf;
}

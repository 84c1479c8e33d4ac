/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a driver refused an XDP program in native mode, in words that say what
 * to do: the kernel gives a bare errno ("Numerical result out of range" for
 * an MTU too large for a program without multi-buffer support). xlbd and
 * xlb-decap say it the same way, and fall back to generic mode on it when
 * told auto.
 */
#ifndef XLB_XDP_REFUSAL_H
#define XLB_XDP_REFUSAL_H

#include <stddef.h>

/* The MTU of interface ifname (in our namespace), or -errno. */
int link_mtu(const char *ifname);

/* Is err (-errno of a native attach) one that generic mode does not meet? */
int xdp_native_refused(int err);

/*
 * What err means for ifname and what to do (generic: how the program's user
 * asks for generic mode, "xdp_mode: generic" or "--mode generic"), into buf;
 * "" when there is nothing to add to strerror. Returns buf.
 */
const char *xdp_refusal(int err, const char *ifname, const char *generic, char *buf, size_t len);

#endif /* XLB_XDP_REFUSAL_H */

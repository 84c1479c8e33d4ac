/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The capabilities xlbd and xlb-decap cannot work without, checked before
 * anything is touched: without them libbpf and libxdp fail half way (libxdp's
 * attach even crashes without CAP_SYS_ADMIN) and the kernel's EPERM names
 * nothing. CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON and is needed beyond
 * them: the kernel hands out maps and programs by id (the rings inside
 * xlb_rings, an attached program, libxdp's dispatcher) only to it.
 */
#ifndef XLB_CAPS_H
#define XLB_CAPS_H

/* 0, or -EPERM after logging each capability missing. */
int caps_check(void);

#endif

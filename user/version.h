/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version every binary reports: the Makefile passes XLB_VERSION (the
 * release, and the git commit when built from a checkout).
 */
#ifndef XLB_VERSION_H
#define XLB_VERSION_H

#ifndef XLB_VERSION
#define XLB_VERSION "0.2"
#endif

#endif /* XLB_VERSION_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version every binary reports: the release, and the git commit when
 * built from a checkout. The Makefile writes it into $(BUILD)/xlb_version.h
 * from its one definition (VERSION, XLB_VERSION).
 */
#ifndef XLB_VERSION_H
#define XLB_VERSION_H

#include "xlb_version.h"

#endif /* XLB_VERSION_H */

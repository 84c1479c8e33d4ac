/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a plan would do to traffic, for --dry-run: per VIP the ring slots
 * that change owner, the flows on backends it removes or sets down (counted
 * in the flow table now), the checks that change; and the routes it would
 * withdraw. Read-only: nothing is written anywhere.
 */
#ifndef XLB_PREVIEW_H
#define XLB_PREVIEW_H

#include <json-c/json.h>
#include "config.h"

struct announce;
struct dp;
struct lb;
struct plan;

struct preview_src {
	struct dp *dp;
	struct lb *lb;
	struct announce *ann;		      /* NULL: nothing is announced */
	const struct cfg *old, *new;	      /* a reload's files; NULL for one xlbctl change */
	const struct cfg_announce *ann_after; /* announce: once applied (NULL: none) */
};

/*
 * The preview of p (plan_rings done). *cuts: would it cut a flow or
 * withdraw a route?
 */
json_object *preview_json(const struct preview_src *s, const struct plan *p, int *cuts);

#endif /* XLB_PREVIEW_H */

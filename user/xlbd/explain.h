/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbctl explain: what the data plane does with a client's packets to a VIP,
 * and why, read from the maps the program reads, with its hash.
 */
#ifndef XLB_EXPLAIN_H
#define XLB_EXPLAIN_H

#include <json-c/json.h>
#include "api.h"

struct dp;
struct lb;

/* ifname: the interface the program is attached to (where frames leave) */
json_object *explain(struct dp *dp, struct lb *lb, const char *ifname, const struct api_req *q);

#endif /* XLB_EXPLAIN_H */

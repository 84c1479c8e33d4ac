/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbctl flows: the flows xlb_flows remembers, listed as ipvsadm -Lnc lists
 * IPVS's connections, filtered by VIP, backend or client.
 */
#ifndef XLB_FLOWS_H
#define XLB_FLOWS_H

#include <json-c/json.h>
#include "api.h"

struct xlbd;

#define FLOWS_LIMIT_DEFAULT 100

json_object *flows_list(struct xlbd *d, const struct api_req *q);

#endif /* XLB_FLOWS_H */

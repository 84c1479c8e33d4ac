/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbctl flows: the flows xlb_flows remembers, listed as ipvsadm -Lnc lists
 * IPVS's connections, filtered by VIP, backend or client.
 */
#ifndef XLB_FLOWS_H
#define XLB_FLOWS_H

#include <json-c/json.h>
#include "api.h"
#include "xlb_abi.h"

struct dp;
struct lb;

#define FLOWS_LIMIT_DEFAULT 100

json_object *flows_list(struct dp *dp, struct lb *lb, const struct api_req *q);

/*
 * The flows the table holds for each backend id (by_id: XLB_MAX_BACKENDS
 * counters), as xlbctl flows counts them: those whose backend entry is
 * still theirs and not down, in any state. 0 or -errno.
 */
int flows_count(struct dp *dp, uint64_t *by_id);

/*
 * Is a UDP flow idle past its backend's timeout, as the program judges it
 * (flow_established)? Its next packet is then placed anew. idle_s: whole
 * seconds since its last packet.
 */
int flows_udp_expired(const struct xlb_flow *f, const struct xlb_backend *be, __u64 *idle_s);

#endif /* XLB_FLOWS_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running load balancer: VIPs and backends as the daemon knows them, and
 * the one place that turns them into data plane state (backend slots, rings,
 * VIP entries) through dataplane.c. Every change, whether it comes from the
 * config file, xlbctl, health checks or neighbour resolution, ends in
 * lb_vip_sync(), which rewrites only what differs.
 */
#ifndef XLB_LB_H
#define XLB_LB_H

#include <stdint.h>
#include "config.h"
#include "dataplane.h"
#include "names.h"
#include "plan.h"
#include "vip.h"

struct lb;

/*
 * Called for a backend whose MAC must be resolved: find its next hop (the
 * backend, or a gateway for a tunnelled backend) and the interface toward
 * it. 1 when its MAC is known now (in mac); 0 when resolution has started
 * and the MAC will arrive through lb_mac_update(); or -errno.
 */
typedef int (*lb_resolve_fn)(void *ctx, const struct xlb_addr *addr, struct lb_nexthop *nh,
			     uint8_t mac[6]);

/*
 * What the rest of xlbd hears from lb.c (health checkers, announcements):
 * LB_EV_SET: VIPs or backends were added, removed or reconfigured (v NULL);
 * LB_EV_SERVING: VIP v's count of backends in its ring (v->serving) changed,
 * after its ring was written. Subscribers read lb; they never change it.
 */
enum lb_event { LB_EV_SET, LB_EV_SERVING };
typedef void (*lb_hook_fn)(void *ctx, enum lb_event ev, struct lb_vip *v);

struct lb *lb_new(struct dp *dp, lb_resolve_fn resolve, void *ctx);
/* Subscribe fn (at most LB_MAX_HOOKS); called in the order subscribed. */
#define LB_MAX_HOOKS 4
int lb_subscribe(struct lb *lb, lb_hook_fn fn, void *ctx);
void lb_free(struct lb *lb);

/* Read VIP ids, backend ids and generations back from pinned maps. */
int lb_adopt(struct lb *lb);

/*
 * Make the running state what cfg says, touching only what differs. Known
 * MACs are given by lb_mac_update() beforehand or after. Return 0 or -errno
 * (a data plane write failed); ch lists what changed (or, with ch->dry, what
 * would).
 */
int lb_apply_config(struct lb *lb, const struct cfg *cfg, struct lb_changes *ch);

/*
 * The same in two steps: the plan that makes the running state what cfg
 * says, computed without a write (plan.h; 0 or -ENOMEM), then applied in
 * one pass (0, or the first data plane write that failed, -errno).
 */
int lb_plan(struct lb *lb, const struct cfg *cfg, struct plan *p);
int lb_apply_plan(struct lb *lb, const struct plan *p);

/*
 * Hold data plane writes of rings and VIP entries until lb_commit(), which
 * writes every VIP changed meanwhile and only then lets go of what was
 * adopted from pinned maps and not claimed. At start-up the config and then
 * the runtime changes kept from the last run are applied between the two,
 * so the maps never hold the file's settings alone (a drained backend is
 * never undrained for a moment). Nests.
 */
void lb_begin(struct lb *lb);
/*
 * quiet: MACs found are counted, not logged a line each (thousands at a
 * start). Returns how many were found since it was last called.
 */
unsigned lb_quiet_macs(struct lb *lb, int quiet);
/* Rings adopted from pinned maps and kept, not rebuilt: built from what they would be. */
unsigned lb_rings_kept(const struct lb *lb);
int lb_commit(struct lb *lb);

unsigned lb_vip_count(const struct lb *lb);
struct lb_vip *lb_vip_at(struct lb *lb, unsigned i);
struct lb_vip *lb_vip_find(struct lb *lb, const char *name);
struct lb_backend *lb_backend_find(struct lb_vip *v, const struct xlb_addr *a);

/*
 * Runtime changes (xlbctl). err gets a message naming the object: the error,
 * or on success (0) what changed, as the log says it. 0 or -errno.
 */
/* fwd: XLB_FWD_*, or -1 for the instance's forwarding (the config's). */
int lb_vip_add(struct lb *lb, const char *name, const struct xlb_addr *addr, uint16_t port,
	       enum cfg_proto proto, int sched, int fwd, char *err, size_t errlen);
int lb_vip_del(struct lb *lb, const char *name, char *err, size_t errlen);
int lb_backend_add(struct lb *lb, const char *vip, const struct xlb_addr *addr, uint32_t weight,
		   const uint8_t *mac, char *err, size_t errlen);
int lb_backend_del(struct lb *lb, const char *vip, const struct xlb_addr *addr, char *err,
		   size_t errlen);
int lb_backend_set(struct lb *lb, const char *vip, const struct xlb_addr *addr, int64_t weight,
		   int state, char *err, size_t errlen);

/*
 * Health and slow start (the checker's seam). lb_backend_health() applies at
 * once; lb_backend_health_later() only records, marking the VIP dirty, and
 * lb_flush() syncs every dirty VIP: many transitions, one ring rebuild.
 */
int lb_backend_health(struct lb *lb, struct lb_vip *v, struct lb_backend *b, enum lb_health h,
		      uint32_t weight_pct);
void lb_backend_health_later(struct lb_vip *v, struct lb_backend *b, enum lb_health h,
			     uint32_t weight_pct);
int lb_flush(struct lb *lb);

/* Neighbour addr on ifindex (0: ours) resolved; mac NULL when it lost its MAC. */
void lb_mac_update(struct lb *lb, int ifindex, const struct xlb_addr *addr, const uint8_t *mac);
/* Is addr on ifindex (0: ours) the next hop of one of the backends? */
int lb_is_nexthop(struct lb *lb, int ifindex, const struct xlb_addr *addr);
/* Ask again for every backend still without a MAC; sync what got one. */
void lb_resolve_pending(struct lb *lb);
/* Backends whose next hop is still being asked: no MAC yet, and no failure. */
unsigned lb_resolving_count(const struct lb *lb);
/*
 * Routes changed: find every resolved backend's next hop again. A backend
 * whose next hop moved keeps its old MAC until the new one resolves, so no
 * flow is moved by a route change.
 */
void lb_routes_changed(struct lb *lb);

/*
 * How long a maglev or source-ip VIP stays young after its ring changed
 * (xlb_vip_young): longer than a handshake takes, SYN-ACK retransmissions
 * (1 s, then 2 s) included.
 */
#define LB_RING_SETTLE_SEC 10

/* VIPs young for long enough settle: their base ring goes. Call every second. */
void lb_settle(struct lb *lb);

/* Rebuild and swap the ring, write backends and the VIP entry as needed. */
int lb_vip_sync(struct lb *lb, struct lb_vip *v);

/*
 * A fingerprint of the VIP's ring as the data plane holds it: the backend
 * address each slot names, hashed in order. The same configuration gives the
 * same fingerprint on every host and every run. 0, -ENOENT (no ring), -errno.
 */
int lb_ring_fingerprint(struct lb *lb, struct lb_vip *v, uint64_t *fp);
/* The VIP of data plane id, and its backend of id be_id (NULL if none). */
struct lb_vip *lb_vip_by_id(struct lb *lb, uint32_t id);
struct lb_backend *lb_backend_by_id(struct lb_vip *v, uint32_t id);

#endif /* XLB_LB_H */

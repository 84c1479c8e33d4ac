/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A change to the running load balancer as plain data: what a configuration
 * file, or one xlbctl command, would add, remove and change, and what that
 * does to each VIP's ring. It is computed from lb's VIPs as they are in
 * memory, without touching a map; lb_apply_plan() then makes it so in one
 * pass, and xlbctl's --dry-run shows it with its disruption (preview.c).
 *
 * The rules the data plane is given a backend by (its state, its weight in
 * the ring) live here too: lb.c applies them, a plan predicts with them.
 */
#ifndef XLB_PLAN_H
#define XLB_PLAN_H

#include <stdint.h>
#include "config.h"
#include "vip.h"

/* What a reload changes, as lines (lb_apply_config, plan_lines). */
struct lb_changes {
	char **lines;
	unsigned n;
	char **undone; /* the subset that reverted a change made with xlbctl */
	unsigned nundone;
	int dry; /* set by the caller: list the changes, make none */
};
void lb_changes_free(struct lb_changes *c);

enum plan_kind { PLAN_KEEP, PLAN_ADD, PLAN_REMOVE, PLAN_CHANGE };

/* What changes of a VIP (PLAN_CHANGE; several may). */
#define PLAN_F_KEY	   (1u << 0) /* address, port or protocol */
#define PLAN_F_SCHED	   (1u << 1)
#define PLAN_F_RING_SIZE   (1u << 2)
#define PLAN_F_FWD	   (1u << 3)
#define PLAN_F_UDP_TIMEOUT (1u << 4)
#define PLAN_F_ALL_DOWN	   (1u << 5) /* on_all_down */
#define PLAN_F_BACKENDS	   (1u << 6) /* a backend is added, removed or changed */
#define PLAN_F_QUIET	   (1u << 7) /* what no line says: the xlbctl mark, min_healthy, ... */

/* What changes of a backend (PLAN_CHANGE). */
#define PLAN_BF_WEIGHT (1u << 0)
#define PLAN_BF_STATE  (1u << 1)
#define PLAN_BF_MAC    (1u << 2) /* a MAC given, changed or no longer given */
#define PLAN_BF_CLI    (1u << 3) /* it was changed with xlbctl: the file's values return */

struct plan_backend {
	enum plan_kind kind;
	struct xlb_addr addr;
	struct lb_backend *cur; /* running; NULL when added */
	unsigned fields;	/* PLAN_BF_* */
	/* what it will be (added, changed) */
	uint32_t weight;
	enum cfg_state admin;
	uint8_t has_mac;
	uint8_t mac[6];
	uint8_t starts_down; /* added with a check whose initial_state is down */
};

struct plan_vip {
	enum plan_kind kind;
	char name[32];
	struct lb_vip *cur;	    /* running; NULL when added */
	const struct cfg_vip *want; /* the file's; NULL when removed or for an xlbctl change */
	unsigned fields;	    /* PLAN_F_* */
	uint8_t undoes_cli;	    /* the running VIP was added or changed with xlbctl */
	/* what it will be (not removed) */
	struct xlb_addr addr;
	uint16_t port;
	enum cfg_proto proto;
	int sched;
	uint32_t ring_size;
	uint8_t fwd_mode; /* XLB_FWD_* */
	uint32_t udp_timeout_s;
	enum cfg_all_down on_all_down;
	enum lb_health new_health;
	uint32_t announce_min_healthy;
	/* its backends that are added, removed or changed (the rest stay as they are) */
	struct plan_backend *be;
	unsigned nbe;
	/*
	 * Its ring (plan_rings): whether it is rebuilt, and how many of its
	 * slots name another backend than now once the plan is applied and
	 * the backends added are up (a ring added or removed: all of them).
	 */
	uint8_t ring_rebuilt;
	uint32_t slots_moved, slots; /* slots: the larger of the two rings */
	/* healthy backends in its ring right after (added backends not yet) */
	unsigned serving_after;
};

struct plan {
	struct plan_vip *vip; /* VIPs removed first, then the file's in its order */
	unsigned n;
	uint8_t default_fwd; /* XLB_FWD_* for VIPs added with xlbctl later */
};

/*
 * The plan that makes the running VIPs (vips, n) what cfg says. 0 or
 * -ENOMEM. The plan points into vips and cfg: both must outlive it.
 */
int plan_config(struct plan *p, struct lb_vip *const *vips, unsigned n, const struct cfg *cfg);
/*
 * One xlbctl change of a backend of v: removed (del), or its weight (< 0:
 * kept) and state (< 0: kept) set. 0, or -ENOMEM.
 */
int plan_backend_del(struct plan *p, struct lb_vip *v, struct lb_backend *b);
int plan_backend_set(struct plan *p, struct lb_vip *v, struct lb_backend *b, int64_t weight,
		     int state);
void plan_free(struct plan *p);

/*
 * The rings each VIP of the plan will have, compared slot by slot with the
 * ones it has (plan_vip's ring_rebuilt, slots_moved, slots, serving_after).
 * 0 or -errno.
 */
int plan_rings(struct plan *p);

/* The plan's lines, as a reload reports them (ch: see lb_changes). */
void plan_lines(const struct plan *p, struct lb_changes *ch);
/* Does the plan change anything? */
int plan_empty(const struct plan *p);
/* v's entry in the plan, or NULL. */
const struct plan_vip *plan_find(const struct plan *p, const struct lb_vip *v);

/* ---- the rules (lb.c's, and the plan's predictions) -------------------- */

/* What the data plane may do with b (XLB_BE_*). */
uint8_t plan_be_dp_state(const struct lb_vip *v, const struct lb_backend *b);
/* b's weight in v's ring (0: not in it). */
uint32_t plan_be_eff_weight(const struct lb_vip *v, const struct lb_backend *b);
/* No backend of v that could serve (admin up, MAC known) is healthy. */
int plan_vip_all_down(const struct lb_vip *v);
/*
 * v's ring from its backends' eff_weight, each slot naming the index in v->be
 * of its backend (or XLB_RING_NONE... UINT32_MAX when none): ring has
 * v->ring_size slots. 0, or -errno.
 */
int plan_ring_build(const struct lb_vip *v, uint32_t *ring);

#endif /* XLB_PLAN_H */

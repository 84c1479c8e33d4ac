/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VIP and its backends as xlbd holds them: the running state lb.c keeps
 * in step with the data plane, and plan.c reads to plan a change.
 */
#ifndef XLB_VIP_H
#define XLB_VIP_H

#include <stdint.h>
#include "config.h"
#include "names.h"
#include "xlb_abi.h"

/* enum lb_health: names.h (its words are the API's) */

/* Where frames to a backend go: a next hop, and the interface toward it. */
struct lb_nexthop {
	struct xlb_addr addr; /* the route's gateway, or the backend when on-link */
	int ifindex;	      /* 0: the interface xlb is attached to (XDP_TX) */
	uint8_t src_mac[6];   /* the other interface's MAC, when ifindex is set */
};

struct lb_backend {
	struct xlb_addr addr;
	struct lb_nexthop nexthop; /* where the route says frames to it go now */
	struct lb_nexthop out;	   /* where they go: mac is out.addr's */
	uint32_t weight;	   /* configured */
	enum cfg_state admin;	   /* configured: up, drain, down */
	uint8_t mac[6];
	uint8_t mac_static;	    /* from the config: never resolved */
	uint8_t mac_ok;		    /* mac holds a usable address */
	uint8_t from_cli;	    /* added or changed by xlbctl since the file was read */
	uint8_t health;		    /* enum lb_health; without checks always up */
	uint32_t weight_pct;	    /* 0..100: slow start scales the weight */
	uint32_t id, gen;	    /* data plane slot and its generation */
	uint32_t eff_weight;	    /* weight in the ring now */
	struct xlb_backend written; /* what xlb_backends holds for it */
	uint8_t adopted_up;	    /* carried traffic in the pinned maps we adopted */
	int resolve_err;	    /* the last next-hop lookup's, logged on change */
	uint8_t resolve_failed;	    /* its next hop did not answer ARP/ND (logged) */
};

struct lb_vip {
	char name[32];
	struct xlb_addr addr;
	uint16_t port;
	enum cfg_proto proto;
	int sched;
	uint32_t ring_size;
	uint32_t udp_timeout_s;
	uint32_t id;
	uint8_t from_cli;
	uint8_t all_down;	       /* no backend is healthy (admin up, MAC known) */
	uint8_t all_down_said;	       /* all_down was computed once: changes are logged */
	uint8_t dirty;		       /* changed, not synced yet (lb_flush) */
	enum cfg_all_down on_all_down; /* then: keep the configured set, or drop */
	enum lb_health new_health;     /* of a backend added: down until checked */
	uint8_t fwd_mode;	       /* XLB_FWD_* */
	struct lb_backend **be;
	unsigned nbe;
	uint64_t ring_sig;    /* what the installed ring was built from; 0: none */
	uint64_t pinned_sig;  /* adopted: the signature xlb_ring_sigs gave its pinned ring */
	uint32_t ring_in_dp;  /* size of the ring the maps hold for it; 0: none */
	uint8_t young;	      /* XLB_VIP_F_YOUNG: its ring changed a moment ago */
	uint32_t base_size;   /* then: the base ring's size */
	uint64_t young_since; /* CLOCK_MONOTONIC_COARSE ns */
	uint64_t young_until;
	struct xlb_vip_key key_written;
	int key_is_written;
	unsigned serving;     /* healthy backends in its ring (weight > 0, health not down) */
	uint8_t serving_told; /* subscribers have heard of serving */
	uint64_t fp, fp_sig; /* the ring's fingerprint, read back for the ring of ring_sig fp_sig */
	uint32_t announce_min_healthy; /* 0: the instance's announce.min_healthy */
};

/* The XLB_FWD_* of a CFG_FWD_* (default: dsr). */
static inline uint8_t lb_fwd_mode(int cfg_fwd)
{
	return cfg_fwd == CFG_FWD_IPIP	? XLB_FWD_IPIP
	       : cfg_fwd == CFG_FWD_GUE ? XLB_FWD_GUE
					: XLB_FWD_DSR;
}

#endif /* XLB_VIP_H */

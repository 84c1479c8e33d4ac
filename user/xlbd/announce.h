/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Announcing the VIPs: one blackhole route per VIP address in a kernel
 * table of its own (announce.table, protocol ANNOUNCE_RTPROT), for a routing
 * daemon to export over BGP (BIRD's kernel protocol with learn, FRR's
 * ip import-table). The table is read by no ip rule, so the routes change
 * nothing in the host's forwarding. Like the pinned maps they are kernel
 * state: xlbd leaves them when it exits, and the next one adopts them.
 */
#ifndef XLB_ANNOUNCE_H
#define XLB_ANNOUNCE_H

#include <json-c/json.h>
#include "lb.h"

struct event_base;
struct announce;

/* xlb's routing protocol number (rtnetlink's rtm_protocol): no other user. */
#define ANNOUNCE_RTPROT 249

/*
 * Open the route socket and adopt the routes of ours already in the table.
 * Nothing is announced or withdrawn before the first announce_sync(). The
 * keys of announce: are read from cfg as they are needed.
 */
int announce_open(struct announce **ap, struct event_base *base, struct lb *lb,
		  const struct cfg *cfg);
/* The file was loaded again: its keys are read from cfg from now on. */
void announce_config(struct announce *a, const struct cfg *cfg);
void announce_close(struct announce *a);
/* Make the table what the VIPs' health, hold-downs and the drain say. */
void announce_sync(struct announce *a);
/* xlbctl host drain / undrain: every VIP withdrawn, or back (after hold_down). */
int announce_drain(struct announce *a, int drained);
int announce_drained(const struct announce *a);
/* Before a detach: withdraw every route; how many were in the table. */
unsigned announce_withdraw_all(struct announce *a);
/* A VIP's "announce" object, and the instance's, for the control API. */
json_object *announce_vip_json(struct announce *a, const struct lb_vip *v);
/*
 * The addresses announced now that plan p would withdraw (appended to
 * withdrawn as strings): no VIP of theirs keeps min_healthy backends, or
 * the announce: section (after; NULL: none) changes its table or goes.
 */
struct plan;
void announce_preview(struct announce *a, const struct plan *p, const struct cfg_announce *after,
		      json_object *withdrawn);
json_object *announce_status_json(struct announce *a);
/*
 * A detach forgets everything: the drain mark of pin_path, and the routes it
 * left in any table of this network namespace (with their records).
 */
void announce_forget(const char *pin_path);
/*
 * Withdraw what the instance at pin_path left in tables other than keep (0:
 * in every table): at start, a table the file no longer names is emptied.
 */
void announce_release_others(const char *pin_path, uint32_t keep);
/* Does table hold another live instance's routes? 1 with its pin path in owner. */
int announce_table_taken(uint32_t table, const char *pin_path, char *owner, size_t len);

#endif /* XLB_ANNOUNCE_H */

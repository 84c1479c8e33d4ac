/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state and its answers to control requests. xlbd.c sets it up
 * and runs the loop; everything an operator can ask for is answered here.
 */
#ifndef XLB_DAEMON_H
#define XLB_DAEMON_H

#include <time.h>
#include <event2/event.h>
#include "config.h"
#include "control.h"
#include "dataplane.h"
#include "lb.h"
#include "neigh.h"

struct health;

struct xlbd {
	struct event_base *base;
	const char *cfg_path;
	struct cfg *cfg;
	struct dp *dp;
	struct lb *lb;
	struct neigh *neigh;
	struct control *ctl;
	struct health *health;
	char ifname[16];
	int ifindex;
	struct dp_attach_info attach;
	time_t started;
	int adopted;
	int detach_requested;
	uint8_t if_mac[6];
	int if_mac_set;
};

/* Write xlb_config from cfg: the interface, the tunnel sources, GUE's port. */
int xlbd_dp_config(struct xlbd *d, const struct cfg *cfg);

/*
 * Read the config file again and apply the differences. On error the running
 * state is kept whole; the reply (always returned) says what happened.
 */
json_object *xlbd_reload(struct xlbd *d);

json_object *xlbd_handle(void *ctx, const struct api_req *req);

#endif /* XLB_DAEMON_H */

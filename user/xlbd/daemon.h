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
#include "metrics.h"
#include "neigh.h"

struct health;
struct journal;
struct stats;
struct monitor;
struct announce;
struct instance;

struct xlbd {
	struct event_base *base;
	const char *cfg_path;
	struct cfg *cfg;
	struct dp *dp;
	struct lb *lb;
	struct neigh *neigh;
	struct control *ctl;
	struct control *ctl_ro; /* control_socket_read_only, when set */
	struct health *health;
	char ifname[16];
	int ifindex;
	unsigned link_mtu; /* the interface's MTU, as last read: mtu when the file gives none */
	struct dp_attach_info attach;
	char prog_version[64]; /* the build that loaded the attached program (xlb_build) */
	time_t started;
	int adopted;
	int detach_requested;  /* a detach has begun: nothing else is answered */
	int detach_rc;	       /* its exit status for xlbd */
	struct instance *inst; /* the locks, let go of once detached */
	uint8_t if_mac[6];
	int if_mac_set;
	struct event *ev_sweep;	   /* rebuilds the SYN hint, a step at a time */
	struct dp_sweep sweep;	   /* the SYN hint's last rebuild */
	struct dp_sweep sweep_cur; /* the one under way */
	double sweep_ms;	   /* CPU the last one took */
	double sweep_cpu_ms;	   /* CPU the one under way has taken */
	time_t sweep_at;
	struct journal *journal; /* runtime changes since the file was applied */
	int replaying;		 /* changes now come from the journal */
	int ready;		 /* the service manager was told (notify_ready) */
	time_t ready_by;	 /* then at the latest, resolved or not */
	struct event *ev_watchdog;
	struct stats *stats;	 /* counters over time: rates, zeroing */
	struct event *ev_stats;	 /* samples them */
	struct monitor *mon;	 /* xlbctl monitor's events */
	struct metrics *metrics; /* the Prometheus endpoint, when metrics_listen is set */
	struct announce *ann;	 /* the VIPs' routes, when announce: is set */
};

/* The MTU tunnelled frames are measured against: the file's, else the interface's. */
unsigned xlbd_mtu(const struct xlbd *d, const struct cfg *cfg);
/* Read the interface's MTU again; 1 when it changed (xlb_config then needs writing). */
int xlbd_link_mtu_read(struct xlbd *d);

/* Write xlb_config from cfg: the interface, the tunnel sources, GUE's port. */
int xlbd_dp_config(struct xlbd *d, const struct cfg *cfg);

/* What the metrics endpoint reads, lent from d. */
void xlbd_metrics_src(struct xlbd *d, struct metrics_src *src);

/* monitor_sampling_fn: xlb_config again, with the monitor's rate (-ENODEV once detached). */
int xlbd_monitor_sampling(void *ctx);

/*
 * Read the config file again and apply the differences (dry: only list
 * them). On error the running state is kept whole; the reply (always
 * returned) says what happened. A reload forgets the runtime changes kept.
 */
json_object *xlbd_reload(struct xlbd *d, int dry);

/* Apply the runtime changes kept from the last run (start-up, in a batch). */
int xlbd_replay(struct xlbd *d);

json_object *xlbd_handle(void *ctx, const struct api_req *req);
/* The read-only socket's handler: reads are answered, anything else refused. */
json_object *xlbd_handle_read_only(void *ctx, const struct api_req *req);

/*
 * xlbctl detach: withdraw the routes (and wait withdraw_delay), detach the
 * program and remove the pins, then free what a new xlbd would need (the
 * control socket's name, the metrics port, the locks) and end the loop. The
 * reply says it is done, because it is.
 */
json_object *xlbd_detach(struct xlbd *d);
/* Detached: the runtime changes kept for the pinned maps go with them. */
void xlbd_forget_state(const char *pin_path);
/* lb.c's events (lb_subscribe): health checkers and announcements follow. */
void xlbd_on_lb(void *ctx, enum lb_event ev, struct lb_vip *v);

#endif /* XLB_DAEMON_H */

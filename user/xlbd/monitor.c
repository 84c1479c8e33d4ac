// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl monitor's source. libbpf's ring buffer reader sits on the event
 * loop through its epoll descriptor; each event becomes a JSON line naming
 * the VIP and backend as xlbctl shows them. The rate limit is the program's
 * (xlb_config.monitor_rate); what it cut is counted in xlb_mon and said
 * every second in a "summary" line, so a quiet monitor is never mistaken
 * for a quiet balancer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "control.h"
#include "dataplane.h"
#include "lb.h"
#include "log.h"
#include "monitor.h"
#include "names.h"

/*
 * Events a wake-up of the loop turns into lines, at the most. Producers on
 * every CPU may add up to 65,535 a second each, faster than lines are made:
 * a reader that drained the ring to its end would never give the loop back
 * to the health checks and the control socket. What is left stays in the
 * ring, whose descriptor stays readable: the loop comes back to it after the
 * others, and what no longer fits is counted as lost, as the summary says.
 */
#define MONITOR_BATCH 256
#define MONITOR_YIELD (-EAGAIN) /* on_event: the batch is done */

struct monitor {
	struct dp *dp;
	struct lb *lb;
	struct control *ctl;
	monitor_sampling_fn *sampling; /* writes xlb_config anew */
	void *sampling_ctx;
	struct ring_buffer *rb;
	struct event *ev;      /* the ring buffer's epoll fd readable */
	struct event *summary; /* every second while on */
	unsigned nsubs;
	unsigned rate;
	uint64_t events;
	unsigned batch;	   /* events in this wake-up */
	__u64 sup0, lost0; /* xlb_mon's counts when the last summary was sent */
};

static const char *ev_name(unsigned t)
{
	switch (t) {
	case XLB_EV_NEW_FLOW:
		return "new_flow";
	case XLB_EV_FLOW_MOVED:
		return "flow_moved";
	case XLB_EV_DROP:
		return "drop";
	case XLB_EV_ICMP_ROUTED:
		return "icmp_routed";
	default:
		return "?";
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct monitor *m = ctx;
	const struct xlb_event *e = data;
	json_object *o;
	struct lb_backend *b;
	struct lb_vip *v;
	struct timespec mono, wall;
	char buf[80];
	double t;

	if (len < sizeof(*e))
		return 0;
	o = json_object_new_object();
	/* the program stamps CLOCK_MONOTONIC_COARSE; operators read wall time */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	t = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9 -
	    ((double)mono.tv_sec + (double)mono.tv_nsec / 1e9 - (double)e->ts_ns / 1e9);
	json_object_object_add(o, "time", api_number(t, 3));
	json_object_object_add(o, "event", json_object_new_string(ev_name(e->type)));
	v = lb_vip_by_id(m->lb, e->vip_id);
	b = lb_backend_by_id(v, e->backend_id);
	json_object_object_add(o, "vip", v ? json_object_new_string(v->name) : NULL);
	json_object_object_add(o, "protocol",
			       json_object_new_string(e->proto == IPPROTO_UDP	   ? "udp"
						      : e->proto == IPPROTO_TCP	   ? "tcp"
						      : e->proto == IPPROTO_ICMP   ? "icmp"
						      : e->proto == IPPROTO_ICMPV6 ? "icmpv6"
										   : "other"));
	if (e->family) {
		cfg_endpoint_str(e->family, e->src, e->sport, buf, sizeof(buf));
		json_object_object_add(o, "client", json_object_new_string(buf));
		cfg_endpoint_str(e->family, e->dst, e->dport, buf, sizeof(buf));
		json_object_object_add(o, "destination", json_object_new_string(buf));
	}
	if (b) {
		cfg_addr_str(&b->addr, buf, sizeof(buf));
		json_object_object_add(o, "backend", json_object_new_string(buf));
	}
	if (e->type == XLB_EV_DROP)
		json_object_object_add(
			o, "reason",
			json_object_new_string(names_str(&names_stat_reason, e->reason)));
	control_publish(m->ctl,
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	m->events++;
	return ++m->batch >= MONITOR_BATCH ? MONITOR_YIELD : 0;
}

/* At most MONITOR_BATCH events (libbpf keeps the one that stopped it consumed). */
static void consume(struct monitor *m)
{
	int err;

	m->batch = 0;
	err = ring_buffer__consume(m->rb);
	if (err < 0 && err != MONITOR_YIELD)
		log_warnx("monitor: reading the event ring: %s", strerror(-err));
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	consume(arg);
}

/* What the rate limit and the ring's size cut in the last second, if anything. */
static void on_summary(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;
	__u64 sup, lost;
	char line[160];

	(void)fd;
	(void)what;
	consume(m);
	if (dp_monitor_counts(m->dp, &sup, &lost))
		return;
	if (sup != m->sup0 || lost != m->lost0) {
		snprintf(line, sizeof(line),
			 "{\"event\":\"summary\",\"suppressed\":%llu,\"lost\":%llu,"
			 "\"events_per_s\":%u}",
			 (unsigned long long)(sup - m->sup0), (unsigned long long)(lost - m->lost0),
			 m->rate);
		control_publish(m->ctl, line);
	}
	m->sup0 = sup;
	m->lost0 = lost;
}

int monitor_new(struct monitor **mp, struct event_base *base, struct dp *dp, struct lb *lb,
		struct control *ctl, monitor_sampling_fn *sampling, void *ctx)
{
	struct monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->dp = dp;
	m->lb = lb;
	m->ctl = ctl;
	m->sampling = sampling;
	m->sampling_ctx = ctx;
	m->rb = ring_buffer__new(dp_events_fd(dp), on_event, m, NULL);
	if (!m->rb) {
		err = -errno;
		free(m);
		return err;
	}
	m->ev = event_new(base, ring_buffer__epoll_fd(m->rb), EV_READ | EV_PERSIST, on_readable, m);
	m->summary = event_new(base, -1, EV_PERSIST, on_summary, m);
	if (!m->ev || !m->summary || event_add(m->ev, NULL)) {
		monitor_free(m);
		return -ENOMEM;
	}
	*mp = m;
	return 0;
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	if (m->ev)
		event_free(m->ev);
	if (m->summary)
		event_free(m->summary);
	ring_buffer__free(m->rb);
	free(m);
}

void monitor_subscribers(void *ctx, unsigned n, const struct api_req *req)
{
	struct monitor *m = ctx;
	struct timeval sec = { 1, 0 };
	unsigned was, rate;
	int err;

	if (!m)
		return;
	was = m->nsubs;
	m->nsubs = n;
	if (!n) {
		m->rate = 0;
	} else if (req) {
		/* several monitors: the highest rate any asked for */
		rate = req->events_per_s > 0 ? (unsigned)req->events_per_s : MONITOR_RATE_DEFAULT;
		if (!was || rate > m->rate)
			m->rate = rate;
	}
	if (!!n == !!was && !req)
		return;
	err = m->sampling(m->sampling_ctx);
	if (err == -ENODEV) /* detached: there is no program to tell */
		return;
	if (err)
		log_warnx("monitor: turning sampling %s: %s", n ? "on" : "off", strerror(-err));
	else if (n && !was)
		log_info("monitor: sampling on (%u events a second a CPU)", m->rate);
	else if (!n)
		log_info("monitor: sampling off");
	if (n && !was) {
		dp_monitor_counts(m->dp, &m->sup0, &m->lost0);
		event_add(m->summary, &sec);
	} else if (!n) {
		event_del(m->summary);
	}
}

int monitor_on(const struct monitor *m, unsigned *rate)
{
	*rate = m ? m->rate : 0;
	return m && m->nsubs > 0;
}

uint64_t monitor_events(const struct monitor *m)
{
	return m ? m->events : 0;
}

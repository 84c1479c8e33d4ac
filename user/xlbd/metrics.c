// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus endpoint (see metrics.h). Names follow Prometheus' rules:
 * xlb_ prefix, base units (seconds, bytes), _total on counters, one family
 * per HELP/TYPE block. Label values come from bounded sets: VIP names and
 * backend addresses (the configuration's), and the words of names.c
 * (verdicts, reasons, states, check results), never free text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "control.h"
#include "dataplane.h"
#include "health.h"
#include "lb.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "names.h"
#include "version.h"

/* (the endpoint's limits: metrics.h) */
#define METRICS_BACKLOG 16
#define STR_(x)		#x
#define STR(x)		STR_(x)

struct metrics_conn;

struct metrics {
	struct evhttp *http;
	struct metrics_src src;
	struct evconnlistener *lev;
	struct event *retry;
	struct metrics_conn *conns[METRICS_MAX_CONNS];
	unsigned nconns;
	uint64_t cut; /* connections closed at their deadline */
	int closing;
};

/*
 * The endpoint whose listener failed to accept: evhttp_bind_listener makes
 * the listener's callback argument its own, so the error callback finds the
 * endpoint here (xlbd has one).
 */
static struct metrics *listening;

/*
 * One connection. evhttp makes its connection object after asking us for the
 * bufferevent (evhttp_set_bevcb), so the object is taken from the
 * bufferevent's callback argument on the loop's next turn (adopt); its close
 * callback then tells us when it goes.
 */
struct metrics_conn {
	struct metrics *m;
	struct bufferevent *bev;
	struct evhttp_connection *evcon; /* NULL until adopted */
	struct event *adopt;		 /* the loop's next turn */
	struct event *deadline;
	int served; /* requests answered */
};

static void family(struct evbuffer *o, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: the exposition's escapes (backslash, quote, newline). */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = 0;
	return buf;
}

static void vip_labels(const struct lb_vip *v, char *buf, size_t len)
{
	char e[80];

	snprintf(buf, len, "vip=\"%s\"", esc(v->name, e, sizeof(e)));
}

static void be_labels(const struct lb_vip *v, const struct lb_backend *b, char *buf, size_t len)
{
	char e[80], a[64];

	cfg_addr_str(&b->addr, a, sizeof(a));
	snprintf(buf, len, "vip=\"%s\",backend=\"%s\"", esc(v->name, e, sizeof(e)), a);
}

#define EACH_VIP(d, v) \
	for (unsigned _i = 0; _i < lb_vip_count((d)->lb) && ((v) = lb_vip_at((d)->lb, _i)); _i++)
#define EACH_BE(v, b) for (unsigned _j = 0; _j < (v)->nbe && ((b) = (v)->be[_j]); _j++)

static void write_global(const struct metrics_src *d, struct evbuffer *o)
{
	struct xlb_global_stats g;
	const __u64 *w = (const __u64 *)&g;
	char e[64];
	unsigned i;

	family(o, "xlb_build_info", "gauge",
	       "The running xlbd's version, and that of the xlbd that loaded the attached "
	       "program.");
	evbuffer_add_printf(o, "xlb_build_info{version=\"%s\",program_version=\"%s\"} 1\n",
			    esc(XLB_VERSION, e, sizeof(e)), d->prog_version);
	family(o, "xlb_start_time_seconds", "gauge", "When xlbd started, in seconds since 1970.");
	evbuffer_add_printf(o, "xlb_start_time_seconds %lld\n", (long long)*d->started);
	if (dp_stats_global(d->dp, &g))
		return;
	family(o, "xlb_packets_total", "counter",
	       "Packets the XDP program handled, by the verdict it returned.");
	for (i = 0; i < names_verdict.n; i++)
		evbuffer_add_printf(
			o, "xlb_packets_total{verdict=\"%s\"} %llu\n", names_verdict.v[i].str,
			(unsigned long long)w[XLB_STAT_XDP_BASE + names_verdict.v[i].val]);
	family(o, "xlb_packet_reasons_total", "counter",
	       "Packets by the reason for their verdict (fragments, syn_tracked, flow_moved, "
	       "udp_expired and icmp_* are also counted under another reason).");
	for (i = 0; i < names_stat_reason.n; i++)
		evbuffer_add_printf(o, "xlb_packet_reasons_total{reason=\"%s\"} %llu\n",
				    names_stat_reason.v[i].str,
				    (unsigned long long)w[names_stat_reason.v[i].val]);
}

static void write_vips(const struct metrics_src *d, struct evbuffer *o)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} vc[] = {
		{ "xlb_vip_packets_total", "Packets to the VIP.",
		  offsetof(struct xlb_vip_stats, packets) },
		{ "xlb_vip_bytes_total", "Bytes of the packets to the VIP, as received.",
		  offsetof(struct xlb_vip_stats, bytes) },
		{ "xlb_vip_new_flows_total", "Flows placed on the VIP's ring and remembered.",
		  offsetof(struct xlb_vip_stats, new_flows) },
		{ "xlb_vip_flow_hits_total", "Packets of a flow found in a flow table.",
		  offsetof(struct xlb_vip_stats, flow_hits) },
		{ "xlb_vip_flow_misses_total", "Packets that consulted the ring.",
		  offsetof(struct xlb_vip_stats, flow_misses) },
	};
	struct xlb_vip_stats *st;
	struct lb_vip *v;
	struct lb_backend *b;
	char l[128];
	unsigned k, i;

	st = calloc(lb_vip_count(d->lb) + 1, sizeof(*st));
	if (!st)
		return;
	i = 0;
	EACH_VIP(d, v)
	dp_stats_vip(d->dp, v->id, &st[i++]);
	for (k = 0; k < sizeof(vc) / sizeof(vc[0]); k++) {
		family(o, vc[k].name, "counter", vc[k].help);
		i = 0;
		EACH_VIP(d, v)
		{
			vip_labels(v, l, sizeof(l));
			evbuffer_add_printf(
				o, "%s{%s} %llu\n", vc[k].name, l,
				(unsigned long long)*(const __u64 *)((const char *)&st[i++] +
								     vc[k].off));
		}
	}
	free(st);
	family(o, "xlb_vip_backends", "gauge", "Backends configured for the VIP.");
	EACH_VIP(d, v)
	{
		vip_labels(v, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_vip_backends{%s} %u\n", l, v->nbe);
	}
	family(o, "xlb_vip_serving_backends", "gauge",
	       "Backends in the VIP's ring now (admin up, healthy, next hop known).");
	EACH_VIP(d, v)
	{
		unsigned n = 0;

		EACH_BE(v, b)
		n += b->eff_weight > 0;
		vip_labels(v, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_vip_serving_backends{%s} %u\n", l, n);
	}
	family(o, "xlb_vip_ring_slots", "gauge", "Slots in the VIP's ring.");
	EACH_VIP(d, v)
	{
		vip_labels(v, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_vip_ring_slots{%s} %u\n", l, v->ring_in_dp);
	}
	family(o, "xlb_vip_ring_info", "gauge",
	       "The fingerprint of the VIP's ring: equal on every host that would place "
	       "flows alike.");
	EACH_VIP(d, v)
	{
		uint64_t fp;

		if (lb_ring_fingerprint(d->lb, v, &fp))
			continue;
		vip_labels(v, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_vip_ring_info{%s,fingerprint=\"%016llx\"} 1\n", l,
				    (unsigned long long)fp);
	}
}

static void write_backends(const struct metrics_src *d, struct evbuffer *o)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} bc[] = {
		{ "xlb_backend_packets_total", "Packets sent to the backend.",
		  offsetof(struct xlb_be_stats, packets) },
		{ "xlb_backend_bytes_total",
		  "Bytes of the packets sent to the backend, as received.",
		  offsetof(struct xlb_be_stats, bytes) },
		{ "xlb_backend_new_flows_total", "Flows placed on the backend.",
		  offsetof(struct xlb_be_stats, new_flows) },
	};
	struct xlb_be_stats *st;
	struct lb_vip *v;
	struct lb_backend *b;
	char l[160];
	unsigned k, s, n = 0, i;

	/* each backend's counters read once (a lookup of every CPU's), not once a family */
	EACH_VIP(d, v)
	n += v->nbe;
	st = calloc(n ? n : 1, sizeof(*st));
	if (!st)
		return;
	i = 0;
	EACH_VIP(d, v)
	EACH_BE(v, b)
	dp_stats_backend(d->dp, b->id, &st[i++]);
	for (k = 0; k < sizeof(bc) / sizeof(bc[0]); k++) {
		family(o, bc[k].name, "counter", bc[k].help);
		i = 0;
		EACH_VIP(d, v)
		EACH_BE(v, b)
		{
			be_labels(v, b, l, sizeof(l));
			evbuffer_add_printf(
				o, "%s{%s} %llu\n", bc[k].name, l,
				(unsigned long long)*(const __u64 *)((const char *)&st[i++] +
								     bc[k].off));
		}
	}
	free(st);
	family(o, "xlb_backend_healthy", "gauge",
	       "1 when the backend's checks say it is up (or it has none), else 0.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_backend_healthy{%s} %d\n", l,
				    b->health == LB_HEALTH_UP);
	}
	family(o, "xlb_backend_state", "gauge",
	       "The backend's administrative state: 1 for the state it is in.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		for (s = 0; s < names_state.n; s++)
			evbuffer_add_printf(o, "xlb_backend_state{%s,state=\"%s\"} %d\n", l,
					    names_state.v[s].str,
					    (int)names_state.v[s].val == (int)b->admin);
	}
	family(o, "xlb_backend_weight", "gauge", "The backend's configured weight.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_backend_weight{%s} %u\n", l, b->weight);
	}
	family(o, "xlb_backend_effective_weight", "gauge",
	       "The backend's weight in the ring now: 0 when out of it, less during slow "
	       "start.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_backend_effective_weight{%s} %u\n", l, b->eff_weight);
	}
	if (!*d->sweep_at)
		return;
	family(o, "xlb_backend_active_flows", "gauge",
	       "Flows the flow table holds for the backend: TCP without FIN or RST, UDP not "
	       "idle past its timeout (counted at xlb_flows_counted_timestamp_seconds).");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_backend_active_flows{%s} %u\n", l,
				    b->id < XLB_MAX_BACKENDS ? d->sweep->active[b->id] : 0);
	}
	family(o, "xlb_backend_closing_flows", "gauge",
	       "TCP flows of the backend that have seen a FIN or RST and are still in the "
	       "table.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_backend_closing_flows{%s} %u\n", l,
				    b->id < XLB_MAX_BACKENDS ? d->sweep->closing[b->id] : 0);
	}
}

static void write_checks(const struct metrics_src *d, struct evbuffer *o)
{
	struct lb_vip *v;
	struct lb_backend *b;
	const struct health_counters *c;
	char l[160];
	unsigned i;

	if (!d->health)
		return;
	family(o, "xlb_health_check_duration_seconds", "histogram",
	       "How long the backend's health checks took.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		if (!(c = health_backend_counters(d->health, v->name, &b->addr)))
			continue;
		be_labels(v, b, l, sizeof(l));
		for (i = 0; i < HEALTH_DURATION_BUCKETS; i++)
			evbuffer_add_printf(
				o,
				"xlb_health_check_duration_seconds_bucket{%s,le=\"%g\"} "
				"%llu\n",
				l, health_duration_le[i], (unsigned long long)c->duration_le[i]);
		evbuffer_add_printf(
			o, "xlb_health_check_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", l,
			(unsigned long long)c->count);
		evbuffer_add_printf(o, "xlb_health_check_duration_seconds_sum{%s} %.6f\n", l,
				    c->duration_sum_s);
		evbuffer_add_printf(o, "xlb_health_check_duration_seconds_count{%s} %llu\n", l,
				    (unsigned long long)c->count);
	}
	family(o, "xlb_health_checks_total", "counter",
	       "Health checks finished, by result: ok, or the named reason they failed.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		if (!(c = health_backend_counters(d->health, v->name, &b->addr)))
			continue;
		be_labels(v, b, l, sizeof(l));
		for (i = 0; i < names_check_reason.n; i++)
			evbuffer_add_printf(
				o, "xlb_health_checks_total{%s,result=\"%s\"} %llu\n", l,
				names_check_reason.v[i].str,
				(unsigned long long)c->results[names_check_reason.v[i].val]);
	}
	family(o, "xlb_health_transitions_total", "counter",
	       "Times the backend's health went up or down.");
	EACH_VIP(d, v)
	EACH_BE(v, b)
	{
		if (!(c = health_backend_counters(d->health, v->name, &b->addr)))
			continue;
		be_labels(v, b, l, sizeof(l));
		evbuffer_add_printf(o, "xlb_health_transitions_total{%s,to=\"up\"} %llu\n", l,
				    (unsigned long long)c->went_up);
		evbuffer_add_printf(o, "xlb_health_transitions_total{%s,to=\"down\"} %llu\n", l,
				    (unsigned long long)c->went_down);
	}
}

static void write_tables(const struct metrics_src *d, struct evbuffer *o)
{
	__u64 sup, lost;

	family(o, "xlb_flow_table_capacity", "gauge", "Flows xlb_flows can hold.");
	evbuffer_add_printf(o, "xlb_flow_table_capacity %u\n", dp_flow_capacity(d->dp));
	if (*d->sweep_at) {
		family(o, "xlb_flow_table_entries", "gauge",
		       "Flows xlb_flows held at the last count.");
		evbuffer_add_printf(o, "xlb_flow_table_entries %llu\n",
				    (unsigned long long)d->sweep->flows);
		family(o, "xlb_flows_counted_timestamp_seconds", "gauge",
		       "When the flow table was last counted (entries, active flows, SYN hint).");
		evbuffer_add_printf(o, "xlb_flows_counted_timestamp_seconds %lld\n",
				    (long long)*d->sweep_at);
		family(o, "xlb_syn_hint_entries", "gauge", "Entries (bits) in the SYN hint.");
		evbuffer_add_printf(o, "xlb_syn_hint_entries %llu\n",
				    (unsigned long long)d->sweep->bits);
		family(o, "xlb_syn_hint_set_entries", "gauge",
		       "Bits set in the SYN hint at its last rebuild: SYNs whose bit is set "
		       "look the flow table up.");
		evbuffer_add_printf(o, "xlb_syn_hint_set_entries %llu\n",
				    (unsigned long long)d->sweep->bits_set);
	}
	family(o, "xlb_monitor_events_total", "counter",
	       "Sampled events sent to xlbctl monitor clients.");
	evbuffer_add_printf(o, "xlb_monitor_events_total %llu\n",
			    (unsigned long long)monitor_events(d->mon));
	if (!dp_monitor_counts(d->dp, &sup, &lost)) {
		family(o, "xlb_monitor_suppressed_total", "counter",
		       "Events over the monitor's rate, not sent.");
		evbuffer_add_printf(o, "xlb_monitor_suppressed_total %llu\n",
				    (unsigned long long)sup);
		family(o, "xlb_monitor_lost_total", "counter",
		       "Events the ring buffer had no room for.");
		evbuffer_add_printf(o, "xlb_monitor_lost_total %llu\n", (unsigned long long)lost);
	}
}

void metrics_write(const struct metrics_src *d, struct evbuffer *o)
{
	write_global(d, o);
	write_vips(d, o);
	write_backends(d, o);
	write_checks(d, o);
	write_tables(d, o);
}

static void conn_arm(struct metrics_conn *c)
{
	struct timeval t = { METRICS_DEADLINE_S, 0 };

	evtimer_add(c->deadline, &t);
}

static struct metrics_conn *conn_of(struct metrics *m, struct evhttp_connection *evcon)
{
	unsigned i;

	for (i = 0; i < m->nconns; i++)
		if (m->conns[i]->evcon == evcon)
			return m->conns[i];
	return NULL;
}

static void conn_gone(struct metrics_conn *c)
{
	struct metrics *m = c->m;
	unsigned i;

	for (i = 0; i < m->nconns; i++)
		if (m->conns[i] == c)
			m->conns[i] = m->conns[--m->nconns];
	if (evtimer_pending(c->adopt, NULL))
		bufferevent_decref(c->bev); /* never adopted: our hold on it goes */
	event_free(c->adopt);
	event_free(c->deadline);
	free(c);
	if (!m->closing && m->nconns < METRICS_MAX_CONNS && !evtimer_pending(m->retry, NULL))
		evconnlistener_enable(m->lev);
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	conn_gone(arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn *c = arg;

	(void)fd;
	(void)what;
	/* (an idle keep-alive connection, its requests answered, is only closed) */
	if (!c->served || evbuffer_get_length(bufferevent_get_input(c->bev)))
		c->m->cut++;
	if (c->evcon) {
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		evhttp_connection_free(c->evcon);
	}
	conn_gone(c);
}

static void on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn *c = arg;
	void *evcon = NULL;

	(void)fd;
	(void)what;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	bufferevent_decref(c->bev);
	if (!evcon) { /* evhttp has already let it go (bufferevent_free clears the callbacks) */
		conn_gone(c);
		return;
	}
	c->evcon = evcon;
	evhttp_connection_set_closecb(c->evcon, on_conn_close, c);
}

/* evhttp accepted a connection and asks for its bufferevent. */
static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
	struct timeval now = { 0, 0 };
	struct metrics *m = arg;
	struct metrics_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (!c || !bev)
		goto untracked;
	c->m = m;
	c->bev = bev;
	c->deadline = evtimer_new(base, on_deadline, c);
	c->adopt = evtimer_new(base, on_adopt, c);
	if (!c->deadline || !c->adopt)
		goto untracked;
	/* held until adopted, so that a connection evhttp drops at once is seen to go */
	bufferevent_incref(bev);
	evtimer_add(c->adopt, &now);
	conn_arm(c);
	m->conns[m->nconns++] = c;
	if (m->nconns >= METRICS_MAX_CONNS)
		evconnlistener_disable(m->lev);
	return bev;
untracked:
	/* (out of memory: served all the same, only not counted) */
	if (c && c->deadline)
		event_free(c->deadline);
	if (c && c->adopt)
		event_free(c->adopt);
	free(c);
	return bev;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct metrics *m = arg;

	(void)fd;
	(void)what;
	if (m->nconns < METRICS_MAX_CONNS)
		evconnlistener_enable(m->lev);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	(void)arg; /* (evhttp's) */
	listener_backoff(l, listening->retry, "metrics endpoint");
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct metrics_conn *c = conn_of(m, evhttp_request_get_connection(req));
	struct evbuffer *out;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	/* a whole request came: the next one has its own deadline */
	if (c) {
		c->served++;
		conn_arm(c);
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "only GET");
		return;
	}
	if (!path || strcmp(path, "/metrics")) {
		evhttp_send_error(req, HTTP_NOTFOUND, "the metrics are at /metrics");
		return;
	}
	out = evbuffer_new();
	if (!out) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	metrics_write(&m->src, out);
	family(out, "xlb_metrics_connections", "gauge",
	       "Connections to this endpoint now (at most " STR(METRICS_MAX_CONNS) ").");
	evbuffer_add_printf(out, "xlb_metrics_connections %u\n", m->nconns);
	family(out, "xlb_metrics_connections_cut_total", "counter",
	       "Connections closed because no whole request came within " STR(
		       METRICS_DEADLINE_S) " s.");
	evbuffer_add_printf(out, "xlb_metrics_connections_cut_total %llu\n",
			    (unsigned long long)m->cut);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

int metrics_open(struct metrics **mp, const struct metrics_src *d)
{
	struct metrics *m = calloc(1, sizeof(*m));
	struct sockaddr_storage ss;
	int sslen = sizeof(ss), err = -ENOMEM;

	if (!m)
		return -ENOMEM;
	m->src = *d;
	m->http = evhttp_new(d->base);
	m->retry = evtimer_new(d->base, on_retry, m);
	if (!m->http || !m->retry)
		goto fail;
	metrics_http_limits(m->http);
	evhttp_set_bevcb(m->http, on_new_conn, m);
	evhttp_set_gencb(m->http, on_request, m);
	/* (config.c checked metrics_listen: ADDRESS:PORT, [IPV6]:PORT) */
	if (evutil_parse_sockaddr_port(d->listen, (struct sockaddr *)&ss, &sslen)) {
		err = -EINVAL;
		goto fail;
	}
	errno = 0;
	m->lev = evconnlistener_new_bind(
		d->base, NULL, NULL,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
			(ss.ss_family == AF_INET6 ? LEV_OPT_BIND_IPV6ONLY : 0),
		METRICS_BACKLOG, (struct sockaddr *)&ss, sslen);
	if (!m->lev) {
		err = errno ? -errno : -EADDRINUSE;
		goto fail;
	}
	if (!evhttp_bind_listener(m->http, m->lev)) {
		evconnlistener_free(m->lev);
		goto fail;
	}
	/* (evhttp sets the accept callback; the error callback is ours) */
	listening = m;
	evconnlistener_set_error_cb(m->lev, on_accept_error);
	*mp = m;
	return 0;
fail:
	if (m->http)
		evhttp_free(m->http);
	if (m->retry)
		event_free(m->retry);
	free(m);
	return err;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	/* evhttp frees the listener, then every connection (their close callbacks free ours) */
	m->closing = 1;
	evhttp_free(m->http);
	while (m->nconns)
		conn_gone(m->conns[0]);
	event_free(m->retry);
	if (listening == m)
		listening = NULL;
	free(m);
}

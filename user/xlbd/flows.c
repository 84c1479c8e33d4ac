// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl flows. One walk of xlb_flows (dp_flow_walk: each set copied as it
 * stood), each flow judged as the program would judge its next packet: a
 * flow whose backend entry still has the generation it names, and is not
 * down, keeps its backend; else it is stale, and its next packet is placed
 * anew. The walk covers the whole table, so that the reply can say how
 * many flows matched beyond those it lists; it runs on xlbd's loop (a
 * table for a million flows: tens of milliseconds).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane.h"
#include "flows.h"
#include "lb.h"

struct walk {
	struct dp *dp;
	struct lb *lb;
	const struct api_req *q;
	struct lb_vip *vip; /* the filter's, or NULL */
	struct xlb_backend *be;
	unsigned char *be_read; /* by id: 0 not yet, 1 read, 2 no entry */
	json_object *list;
	__u64 now;
	int64_t limit, shown, matched, flows;
};

static int addr_is(const struct xlb_addr *a, int family, const __be32 *w)
{
	return a->family == family && !memcmp(a->a, w, sizeof(a->a));
}

/* The backend entry a flow names, read once a walk: NULL if there is none. */
static const struct xlb_backend *backend_of(struct walk *w, __u32 id)
{
	if (id >= XLB_MAX_BACKENDS)
		return NULL;
	if (!w->be_read[id])
		w->be_read[id] = dp_backend_get(w->dp, id, &w->be[id]) ? 2 : 1;
	return w->be_read[id] == 1 ? &w->be[id] : NULL;
}

/*
 * The backend entry that still serves flow f, as the program judges it: a
 * new backend under the id, or one down, is no guide (NULL).
 */
static const struct xlb_backend *backend_serving(struct walk *w, const struct xlb_flow *f)
{
	const struct xlb_backend *be = backend_of(w, f->backend_id);

	return be && be->gen && be->gen == f->backend_gen && be->state != XLB_BE_DOWN ? be : NULL;
}

/* Is the flow to vip v? Stale flows, whose backend is no guide, by their destination. */
static int to_vip(const struct lb_vip *v, const struct xlb_flow_key *k,
		  const struct xlb_backend *be)
{
	if (be)
		return be->vip_id == v->id;
	return addr_is(&v->addr, k->family, k->dst) &&
	       k->proto == (v->proto == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP) &&
	       (!v->port || ntohs(k->dport) == v->port);
}

/* The program's clock: CLOCK_MONOTONIC_COARSE, in ns. */
static __u64 prog_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
}

static int idle_past(__u64 now, const struct xlb_flow *f, const struct xlb_backend *be,
		     __u64 *idle_s)
{
	__u64 ns = f->last_seen && now > f->last_seen ? now - f->last_seen : 0;

	*idle_s = ns / 1000000000ULL;
	return ns > (__u64)be->udp_timeout * 1000000000ULL;
}

int flows_udp_expired(const struct xlb_flow *f, const struct xlb_backend *be, __u64 *idle_s)
{
	return idle_past(prog_now(), f, be, idle_s);
}

/* *since: whole seconds since the flow's time (udp: its last packet; tcp: its first FIN or RST). */
static const char *state_of(const struct walk *w, const struct xlb_flow_key *k,
			    const struct xlb_flow *f, const struct xlb_backend *be, __u64 *since)
{
	__u64 ns = f->last_seen && w->now > f->last_seen ? w->now - f->last_seen : 0;

	*since = ns / 1000000000ULL;
	if (!be)
		return "stale";
	if (k->proto == IPPROTO_TCP)
		return f->last_seen ? "closing" : "open";
	/* as the program judges it (flow_established): idle past the timeout */
	return idle_past(w->now, f, be, since) ? "expired" : "active";
}

static json_object *flow_obj(struct walk *w, const struct xlb_flow_key *k, const struct xlb_flow *f,
			     const struct xlb_backend *be)
{
	json_object *o = json_object_new_object();
	struct lb_vip *v = be ? lb_vip_by_id(w->lb, be->vip_id) : NULL;
	const char *st;
	char buf[80];
	__u64 since;

	json_object_object_add(o, "protocol",
			       json_object_new_string(k->proto == IPPROTO_UDP ? "udp" : "tcp"));
	cfg_endpoint_str(k->family, k->src, k->sport, buf, sizeof(buf));
	json_object_object_add(o, "client", json_object_new_string(buf));
	cfg_endpoint_str(k->family, k->dst, k->dport, buf, sizeof(buf));
	json_object_object_add(o, "destination", json_object_new_string(buf));
	json_object_object_add(o, "vip", v ? json_object_new_string(v->name) : NULL);
	if (be) {
		struct xlb_addr a = { .family = be->family };

		memcpy(a.a, be->addr, sizeof(a.a));
		cfg_addr_str(&a, buf, sizeof(buf));
	}
	json_object_object_add(o, "backend", be ? json_object_new_string(buf) : NULL);
	json_object_object_add(o, "backend_id", json_object_new_int64(f->backend_id));
	st = state_of(w, k, f, be, &since);
	json_object_object_add(o, "state", json_object_new_string(st));
	if (k->proto == IPPROTO_UDP && be)
		json_object_object_add(o, "idle_s", json_object_new_int64((int64_t)since));
	else if (be && f->last_seen)
		json_object_object_add(o, "closing_s", json_object_new_int64((int64_t)since));
	return o;
}

static int on_flow(const struct xlb_flow_key *k, const struct xlb_flow *f, void *arg)
{
	struct walk *w = arg;
	const struct xlb_backend *be = backend_serving(w, f);
	const struct api_req *q = w->q;

	w->flows++;
	if (w->vip && !to_vip(w->vip, k, be))
		return 0;
	if (q->has_backend && !(be && addr_is(&q->backend, be->family, be->addr)))
		return 0;
	if (q->has_client && !addr_is(&q->client, k->family, k->src))
		return 0;
	w->matched++;
	if (w->shown < w->limit) {
		json_object_array_add(w->list, flow_obj(w, k, f, be));
		w->shown++;
	}
	return 0;
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

json_object *flows_list(struct dp *dp, struct lb *lb, const struct api_req *q)
{
	struct walk w = { .dp = dp, .lb = lb, .q = q };
	json_object *r;
	double t0;

	if (q->vip && !(w.vip = lb_vip_find(lb, q->vip)))
		return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
	w.limit = q->limit > 0 ? q->limit : FLOWS_LIMIT_DEFAULT;
	w.be = calloc(XLB_MAX_BACKENDS, sizeof(*w.be));
	w.be_read = calloc(XLB_MAX_BACKENDS, 1);
	w.list = json_object_new_array();
	if (!w.be || !w.be_read || !w.list) {
		free(w.be);
		free(w.be_read);
		json_object_put(w.list);
		return api_error(API_E_INTERNAL, "flows: out of memory");
	}
	w.now = prog_now();
	t0 = mono_ms();
	dp_flow_walk(dp, on_flow, &w);
	free(w.be);
	free(w.be_read);
	r = api_ok();
	json_object_object_add(r, "flows", w.list);
	json_object_object_add(r, "shown", json_object_new_int64(w.shown));
	json_object_object_add(r, "matched", json_object_new_int64(w.matched));
	json_object_object_add(r, "in_table", json_object_new_int64(w.flows));
	json_object_object_add(r, "limit", json_object_new_int64(w.limit));
	json_object_object_add(r, "took_ms", api_number(mono_ms() - t0, 1));
	return r;
}

struct count {
	struct walk w;
	uint64_t *by_id;
};

static int on_count(const struct xlb_flow_key *k, const struct xlb_flow *f, void *arg)
{
	struct count *c = arg;

	(void)k;
	if (backend_serving(&c->w, f))
		c->by_id[f->backend_id]++;
	return 0;
}

int flows_count(struct dp *dp, uint64_t *by_id)
{
	struct count c = { .w = { .dp = dp }, .by_id = by_id };
	int err;

	c.w.be = calloc(XLB_MAX_BACKENDS, sizeof(*c.w.be));
	c.w.be_read = calloc(XLB_MAX_BACKENDS, 1);
	if (!c.w.be || !c.w.be_read) {
		free(c.w.be);
		free(c.w.be_read);
		return -ENOMEM;
	}
	memset(by_id, 0, XLB_MAX_BACKENDS * sizeof(*by_id));
	err = dp_flow_walk(dp, on_count, &c);
	free(c.w.be);
	free(c.w.be_read);
	return err < 0 ? err : 0;
}

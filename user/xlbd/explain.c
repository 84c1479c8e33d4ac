// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl explain. The walk is the program's (bpf/flow.h), step by step, on
 * the maps as they are now: the VIP entry (exact port, then any port), the
 * flow table (a remembered flow keeps its backend while that backend is
 * not down and still the same), then the ring slot the scheduler's hash
 * picks, the backend entry, and where its frames leave. Each step adds a
 * line to "why", in the program's terms.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dataplane.h"
#include "explain.h"
#include "flows.h"
#include "lb.h"
#include "names.h"

/* What the walk reads. */
struct ex {
	struct dp *dp;
	struct lb *lb;
	const char *ifname;
};

static void why(json_object *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void why(json_object *a, const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(a, json_object_new_string(buf));
}

static const char *addr_str(int family, const __be32 *a, char *buf, size_t len)
{
	struct xlb_addr x = { .family = (uint8_t)family };

	memcpy(x.a, a, sizeof(x.a));
	cfg_addr_str(&x, buf, len);
	return buf;
}

static json_object *backend_obj(const struct ex *d, struct lb_vip *v, __u32 id,
				const struct xlb_backend *e)
{
	json_object *o = json_object_new_object();
	struct lb_backend *b = lb_backend_by_id(v, id);
	char buf[64], ifname[IF_NAMESIZE] = "?";
	struct xlb_egress eg;

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(
		o, "address",
		json_object_new_string(addr_str(e->family, e->addr, buf, sizeof(buf))));
	json_object_object_add(o, "generation", json_object_new_int64(e->gen));
	json_object_object_add(o, "forwarding_state",
			       json_object_new_string(names_str(&names_be_state, e->state)));
	json_object_object_add(
		o, "health",
		json_object_new_string(b ? names_str(&names_health, b->health) : "unknown"));
	json_object_object_add(o, "forwarding",
			       json_object_new_string(names_str(&names_fwd, e->fwd_mode)));
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1], e->mac[2],
		 e->mac[3], e->mac[4], e->mac[5]);
	json_object_object_add(o, "next_hop_mac", json_object_new_string(buf));
	if (e->egress && !dp_egress_get(d->dp, e->egress, &eg)) {
		if_indextoname(eg.ifindex, ifname);
		json_object_object_add(o, "interface", json_object_new_string(ifname));
		json_object_object_add(o, "xdp_action", json_object_new_string("redirect"));
	} else {
		json_object_object_add(o, "interface", json_object_new_string(d->ifname));
		json_object_object_add(o, "xdp_action", json_object_new_string("tx"));
	}
	return o;
}

/* The VIP entry the program finds for key: exact port first, then port 0. */
static int find_vip(const struct ex *d, const struct xlb_flow_key *k, struct xlb_vip *vip,
		    int *any_port)
{
	struct xlb_vip_key vk = { .proto = k->proto, .family = k->family };

	memcpy(vk.addr, k->dst, sizeof(vk.addr));
	vk.port = ntohs(k->dport);
	*any_port = 0;
	if (!dp_vip_get(d->dp, &vk, vip))
		return 0;
	vk.port = 0;
	*any_port = 1;
	return dp_vip_get(d->dp, &vk, vip);
}

/* The ring's backend at slot: 1 with id and entry, 0 when the slot is empty or down. */
static int ring_pick(const struct ex *d, __u32 vip_id, int base, __u32 slot, __u32 *id,
		     struct xlb_backend *e)
{
	static __u32 ring[XLB_RING_SIZE_MAX + XLB_RING_PER_ELEM];
	__u32 n;

	if (dp_ring_read(d->dp, vip_id, base, ring, sizeof(ring) / sizeof(ring[0]), &n) ||
	    slot >= n)
		return -1;
	*id = ring[slot];
	if (*id == XLB_RING_NONE || dp_backend_get(d->dp, *id, e))
		return 0;
	return e->state != XLB_BE_DOWN;
}

json_object *explain(struct dp *dp, struct lb *lb, const char *ifname, const struct api_req *q)
{
	const struct ex ex = { dp, lb, ifname }, *d = &ex;
	json_object *r, *w = json_object_new_array();
	struct xlb_flow_key k = { .sport = htons((uint16_t)q->client_port) };
	struct xlb_vip vip;
	struct xlb_flow f;
	__u32 fset = 0, fline = 0;
	struct xlb_backend e = {}, fe = {};
	struct xlb_vip_young y;
	struct lb_vip *v = NULL;
	char cs[64], vs[64], line[200];
	int any_port, stateless, young = 0, r_ok;
	__u32 h, slot, id = 0;

	if (q->vip) {
		v = lb_vip_find(d->lb, q->vip);
		if (!v) {
			json_object_put(w);
			return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
		}
		k.family = v->addr.family;
		memcpy(k.dst, v->addr.a, sizeof(k.dst));
		k.dport = htons(v->port);
		k.proto = v->proto == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
		if (!v->port) { /* an any-port VIP: the client's port stands for the VIP's */
			json_object_put(w);
			return api_error(API_E_INVALID,
					 "vip %s serves every port: give its address and the port",
					 v->name);
		}
	} else {
		k.family = q->addr.family;
		memcpy(k.dst, q->addr.a, sizeof(k.dst));
		k.dport = htons((uint16_t)q->port);
		k.proto = q->proto == CFG_PROTO_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	}
	if (q->client.family != k.family) {
		json_object_put(w);
		return api_error(API_E_INVALID, "client %s and the VIP are not of one family",
				 addr_str(q->client.family, q->client.a, cs, sizeof(cs)));
	}
	memcpy(k.src, q->client.a, sizeof(k.src));
	addr_str(k.family, k.src, cs, sizeof(cs));
	addr_str(k.family, k.dst, vs, sizeof(vs));

	r = api_ok();
	snprintf(line, sizeof(line), "%s %s%s%s:%u -> %s%s%s:%u",
		 k.proto == IPPROTO_UDP ? "udp" : "tcp", k.family == XLB_AF_INET6 ? "[" : "", cs,
		 k.family == XLB_AF_INET6 ? "]" : "", (unsigned)q->client_port,
		 k.family == XLB_AF_INET6 ? "[" : "", vs, k.family == XLB_AF_INET6 ? "]" : "",
		 ntohs(k.dport));
	json_object_object_add(r, "flow", json_object_new_string(line));

	/* 1. the VIP */
	if (find_vip(d, &k, &vip, &any_port)) {
		why(w,
		    "no VIP entry for %s port %u or for every port: the kernel gets the packet "
		    "(not_vip, passed)",
		    vs, ntohs(k.dport));
		json_object_object_add(r, "verdict", json_object_new_string("pass"));
		json_object_object_add(r, "why", w);
		return r;
	}
	v = lb_vip_by_id(d->lb, vip.id);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", v ? json_object_new_string(v->name) : NULL);
		json_object_object_add(o, "id", json_object_new_int64(vip.id));
		json_object_object_add(o, "match",
				       json_object_new_string(any_port ? "any-port" : "exact"));
		json_object_object_add(
			o, "scheduler",
			json_object_new_string(names_str(&names_sched, vip.scheduler)));
		json_object_object_add(o, "ring_size", json_object_new_int64(vip.ring_size));
		json_object_object_add(r, "vip", o);
	}
	why(w, "VIP entry %s (id %u): matched %s", v ? v->name : "?", vip.id,
	    any_port ? "as an any-port VIP" : "on its port");

	/* 2. the flow table */
	stateless = vip.scheduler == XLB_SCHED_MAGLEV || vip.scheduler == XLB_SCHED_SOURCE_IP;
	if (!dp_flow_where(d->dp, &k, &f, &fset, &fline)) {
		json_object *o = json_object_new_object();
		int same = !dp_backend_get(d->dp, f.backend_id, &fe) && fe.gen == f.backend_gen;
		__u64 idle_s = 0;
		int expired = same && k.proto == IPPROTO_UDP && flows_udp_expired(&f, &fe, &idle_s);
		int usable = same && fe.state != XLB_BE_DOWN && !expired;

		json_object_object_add(o, "found", json_object_new_boolean(1));
		json_object_object_add(o, "backend_id", json_object_new_int64(f.backend_id));
		json_object_object_add(o, "generation", json_object_new_int64(f.backend_gen));
		json_object_object_add(o, "usable", json_object_new_boolean(usable));
		json_object_object_add(o, "set", json_object_new_int64(fset));
		json_object_object_add(o, "line", json_object_new_int64(fline));
		json_object_object_add(
			o, "state",
			json_object_new_string(k.proto == IPPROTO_TCP
						       ? (f.last_seen ? "closing" : "open")
					       : expired ? "expired"
							 : "active"));
		json_object_object_add(r, "flow_table", o);
		if (usable) {
			why(w,
			    "xlb_flows remembers this flow (set %u, line %u) on backend %u "
			    "(generation %u, %s)%s: its packets go there whatever the ring says",
			    fset, fline, f.backend_id, f.backend_gen,
			    names_str(&names_be_state, fe.state),
			    k.proto == IPPROTO_TCP && f.last_seen
				    ? ", closing (a FIN or RST was seen)"
				    : "");
			json_object_object_add(r, "decision", json_object_new_string("remembered"));
			json_object_object_add(r, "backend", backend_obj(d, v, f.backend_id, &fe));
			json_object_object_add(r, "verdict", json_object_new_string("forward"));
			json_object_object_add(r, "why", w);
			return r;
		}
		if (expired)
			why(w,
			    "xlb_flows holds this flow on backend %u, but it has been idle %llu s, "
			    "past the VIP's udp_idle_timeout (%u s): its next packet is placed "
			    "anew "
			    "(udp_expired)",
			    f.backend_id, (unsigned long long)idle_s, fe.udp_timeout);
		else
			why(w,
			    "xlb_flows remembers this flow on backend %u, but %s: its next packet "
			    "is placed anew (flow_moved)",
			    f.backend_id,
			    !same ? "that id now names another backend" : "that backend is down");
	} else {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "found", json_object_new_boolean(0));
		json_object_object_add(r, "flow_table", o);
		why(w, "xlb_flows holds no such flow: a new connection (or one not yet "
		       "remembered) is placed by the scheduler");
	}

	/* 3. the ring */
	if (!stateless) {
		why(w,
		    "scheduler %s: the slot is not a function of the packet (%s); a SYN is "
		    "remembered in xlb_syn_flows and its handshake follows it",
		    names_str(&names_sched, vip.scheduler),
		    vip.scheduler == XLB_SCHED_WRR ? "the next slot in turn" : "a random slot");
		json_object_object_add(r, "decision", json_object_new_string("scheduler"));
		json_object_object_add(r, "verdict", json_object_new_string("forward"));
		json_object_object_add(r, "why", w);
		return r;
	}
	h = dp_flow_hash(&k, vip.scheduler);
	slot = dp_ring_slot(h, vip.ring_size);
	json_object_object_add(r, "hash", json_object_new_int64(h));
	json_object_object_add(r, "slot", json_object_new_int64(slot));
	why(w, "%s hash of the %s: %08x, slot %u of %u", names_str(&names_sched, vip.scheduler),
	    vip.scheduler == XLB_SCHED_SOURCE_IP ? "client's address" : "5-tuple", h, slot,
	    vip.ring_size);
	if ((vip.flags & XLB_VIP_F_YOUNG) && !dp_vip_young_get(d->dp, vip.id, &y)) {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
		young = (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec <= y.until_ns;
	}
	if (young)
		why(w, "the ring changed moments ago (young): a SYN is remembered, and a first "
		       "ACK without one goes to the base ring's slot");
	r_ok = ring_pick(d, vip.id, 0, slot, &id, &e);
	if (r_ok < 0) {
		why(w, "the VIP has no ring: dropped (no_backend)");
		json_object_object_add(r, "verdict", json_object_new_string("drop"));
	} else if (!r_ok) {
		why(w, "slot %u holds %s: dropped (no_backend)", slot,
		    id == XLB_RING_NONE ? "no backend" : "a backend now down");
		json_object_object_add(r, "verdict", json_object_new_string("drop"));
	} else {
		why(w, "slot %u: backend %u (%s)", slot, id,
		    addr_str(e.family, e.addr, cs, sizeof(cs)));
		json_object_object_add(r, "decision", json_object_new_string("ring"));
		json_object_object_add(r, "backend", backend_obj(d, v, id, &e));
		json_object_object_add(r, "verdict", json_object_new_string("forward"));
	}
	json_object_object_add(r, "why", w);
	return r;
}

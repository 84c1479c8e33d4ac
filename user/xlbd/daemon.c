// SPDX-License-Identifier: GPL-2.0
/*
 * Answers to control requests, and reload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "health.h"
#include "instance.h"
#include "journal.h"
#include "announce.h"
#include "explain.h"
#include "flows.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "stats.h"
#include "names.h"
#include "notify.h"
#include "xdp_refusal.h"
#include "plan.h"
#include "preview.h"
#include "version.h"

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static json_object *jaddr(const struct xlb_addr *a)
{
	char buf[64];

	cfg_addr_str(a, buf, sizeof(buf));
	return jstr(buf);
}

static json_object *jstrv(char **v, unsigned n)
{
	json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, jstr(v[i]));
	return a;
}

static json_object *backend_json(struct xlbd *d, struct lb_vip *v, struct lb_backend *b)
{
	json_object *o = json_object_new_object();
	char mac[18];

	json_object_object_add(o, "address", jaddr(&b->addr));
	json_object_object_add(o, "weight", json_object_new_int64(b->weight));
	json_object_object_add(o, "effective_weight", json_object_new_int64(b->eff_weight));
	json_object_object_add(o, "state", jstr(names_str(&names_state, (int)b->admin)));
	json_object_object_add(o, "health", jstr(names_str(&names_health, (int)b->health)));
	json_object_object_add(o, "forwarding", jstr(names_str(&names_be_state, b->written.state)));
	if (b->mac_ok) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b->mac[0], b->mac[1],
			 b->mac[2], b->mac[3], b->mac[4], b->mac[5]);
		json_object_object_add(o, "mac", jstr(mac));
	} else {
		json_object_object_add(o, "mac", NULL);
	}
	json_object_object_add(o, "mac_source", jstr(b->mac_static ? "config" : "neighbour"));
	json_object_object_add(o, "mac_state",
			       jstr(b->mac_ok		? "resolved"
				    : b->resolve_err	? "no usable route"
				    : b->resolve_failed ? "no answer to ARP/ND"
							: "resolving"));
	/* the interface frames to it leave through, and how */
	if (b->mac_ok && b->out.ifindex) {
		char ifname[IF_NAMESIZE] = "?";

		if_indextoname((unsigned)b->out.ifindex, ifname);
		json_object_object_add(o, "interface", jstr(ifname));
		json_object_object_add(o, "xdp_action", jstr("redirect"));
	} else if (!b->mac_ok && b->resolve_err) {
		/* no route: frames to it leave nowhere (the VIA column says "-") */
		json_object_object_add(o, "interface", NULL);
		json_object_object_add(o, "xdp_action", NULL);
	} else {
		json_object_object_add(o, "interface", jstr(d->ifname));
		json_object_object_add(o, "xdp_action", jstr("tx"));
	}
	json_object_object_add(o, "id", json_object_new_int64(b->id));
	json_object_object_add(o, "changed_by_xlbctl", json_object_new_boolean(b->from_cli));
	/* the last walk of the flow table (every 10 s or so), as ipvsadm's ActiveConn */
	if (d->sweep_at && b->id < XLB_MAX_BACKENDS) {
		json_object_object_add(o, "active_flows",
				       json_object_new_int64(d->sweep.active[b->id]));
		json_object_object_add(o, "closing_flows",
				       json_object_new_int64(d->sweep.closing[b->id]));
		json_object_object_add(o, "flows_counted_at", json_object_new_int64(d->sweep_at));
	} else {
		json_object_object_add(o, "active_flows", NULL);
		json_object_object_add(o, "closing_flows", NULL);
		json_object_object_add(o, "flows_counted_at", NULL);
	}
	if (d->health)
		health_backend_json(d->health, v, b, o);
	return o;
}

static json_object *vip_json(struct xlbd *d, struct lb_vip *v)
{
	json_object *o = json_object_new_object(), *bes = json_object_new_array();
	unsigned i;

	json_object_object_add(o, "name", jstr(v->name));
	json_object_object_add(o, "address", jaddr(&v->addr));
	json_object_object_add(o, "port", json_object_new_int(v->port));
	json_object_object_add(o, "protocol", jstr(v->proto == CFG_PROTO_UDP ? "udp" : "tcp"));
	json_object_object_add(o, "scheduler", jstr(names_str(&names_sched, v->sched)));
	json_object_object_add(o, "forwarding", jstr(names_str(&names_fwd, v->fwd_mode)));
	json_object_object_add(o, "ring_size", json_object_new_int64(v->ring_size));
	json_object_object_add(o, "udp_idle_timeout_s", json_object_new_int64(v->udp_timeout_s));
	json_object_object_add(o, "id", json_object_new_int64(v->id));
	json_object_object_add(o, "all_down", json_object_new_boolean(v->all_down));
	json_object_object_add(o, "on_all_down",
			       jstr(v->on_all_down == CFG_ALL_DOWN_DROP ? "drop" : "keep"));
	json_object_object_add(o, "changed_by_xlbctl", json_object_new_boolean(v->from_cli));
	json_object_object_add(o, "announce", announce_vip_json(d->ann, v));
	{
		uint64_t fp;
		char s[20];

		if (!lb_ring_fingerprint(d->lb, v, &fp)) {
			snprintf(s, sizeof(s), "%016llx", (unsigned long long)fp);
			json_object_object_add(o, "fingerprint", jstr(s));
		} else {
			json_object_object_add(o, "fingerprint", NULL);
		}
	}
	for (i = 0; i < v->nbe; i++)
		json_object_array_add(bes, backend_json(d, v, v->be[i]));
	json_object_object_add(o, "backends", bes);
	return o;
}

static json_object *do_status(struct xlbd *d)
{
	json_object *r = api_ok(), *warn;
	unsigned i, nbe = 0;
	struct xlb_global_stats g;

	for (i = 0; i < lb_vip_count(d->lb); i++)
		nbe += lb_vip_at(d->lb, i)->nbe;
	json_object_object_add(r, "version", jstr(XLB_VERSION));
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "uptime_s", json_object_new_int64(time(NULL) - d->started));
	json_object_object_add(r, "config", jstr(d->cfg_path));
	json_object_object_add(r, "interface", jstr(d->ifname));
	json_object_object_add(r, "ifindex", json_object_new_int(d->ifindex));
	json_object_object_add(r, "xdp_mode",
			       jstr(d->attach.mode == DP_MODE_GENERIC ? "generic" : "native"));
	json_object_object_add(r, "prog_id", json_object_new_int64(d->attach.prog_id));
	json_object_object_add(r, "mtu", json_object_new_int64(xlbd_mtu(d, d->cfg)));
	json_object_object_add(r, "mtu_from", jstr(d->cfg->mtu ? "file" : "interface"));
	json_object_object_add(r, "prog_version", jstr(d->prog_version));
	json_object_object_add(r, "pin_path", jstr(d->cfg->pin_path));
	json_object_object_add(r, "adopted", json_object_new_boolean(d->adopted));
	/* frames sent by XDP_TX from a veth arrive only where its peer runs XDP */
	warn = json_object_new_array();
	if (d->attach.native_err) {
		char why[400], line[520];

		xdp_refusal(d->attach.native_err, d->ifname, "xdp_mode: generic", why, sizeof(why));
		snprintf(line, sizeof(line),
			 "native XDP was refused (%s%s%s): the program runs in generic mode, "
			 "which costs an skb a packet",
			 strerror(-d->attach.native_err), why[0] ? ": " : "", why);
		json_object_array_add(warn, jstr(line));
	}
	if (d->neigh && !neigh_veth_peer_xdp(d->neigh, d->ifindex))
		json_object_array_add(warn,
				      jstr("the interface is a veth whose peer has no XDP program: "
					   "frames counted as forwarded are dropped by the kernel "
					   "(attach one to the peer, even one that passes)"));
	json_object_object_add(r, "warnings", warn);
	json_object_object_add(r, "announce", announce_status_json(d->ann));
	{
		/* the rings' fingerprints: equal on hosts that place flows alike */
		json_object *f = json_object_new_object();

		for (i = 0; i < lb_vip_count(d->lb); i++) {
			struct lb_vip *v = lb_vip_at(d->lb, i);
			uint64_t fp;
			char s[20];

			if (lb_ring_fingerprint(d->lb, v, &fp))
				continue;
			snprintf(s, sizeof(s), "%016llx", (unsigned long long)fp);
			json_object_object_add(f, v->name, jstr(s));
		}
		json_object_object_add(r, "fingerprints", f);
	}
	json_object_object_add(r, "metrics_listen",
			       d->metrics ? jstr(d->cfg->metrics_listen) : NULL);
	{
		unsigned rate;

		json_object_object_add(r, "monitoring",
				       json_object_new_boolean(monitor_on(d->mon, &rate)));
	}
	json_object_object_add(r, "vips", json_object_new_int((int)lb_vip_count(d->lb)));
	json_object_object_add(r, "backends", json_object_new_int((int)nbe));
	if (!dp_stats_global(d->dp, &g)) {
		json_object_object_add(r, "packets_forwarded",
				       json_object_new_int64((int64_t)g.forwarded));
		json_object_object_add(r, "packets_passed",
				       json_object_new_int64((int64_t)g.xdp_pass));
		json_object_object_add(r, "packets_dropped",
				       json_object_new_int64((int64_t)g.xdp_drop));
	}
	if (d->sweep_at) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "flows", json_object_new_int64((int64_t)d->sweep.flows));
		json_object_object_add(s, "tcp_flows",
				       json_object_new_int64((int64_t)d->sweep.tcp_flows));
		json_object_object_add(s, "bits", json_object_new_int64((int64_t)d->sweep.bits));
		json_object_object_add(s, "bits_set",
				       json_object_new_int64((int64_t)d->sweep.bits_set));
		json_object_object_add(s, "took_ms", api_number(d->sweep_ms, 1));
		json_object_object_add(s, "age_s", json_object_new_int64(time(NULL) - d->sweep_at));
		json_object_object_add(r, "syn_hint", s);
	}
	return r;
}

static json_object *do_vip_list(struct xlbd *d)
{
	json_object *r = api_ok(), *a = json_object_new_array();
	unsigned i;

	for (i = 0; i < lb_vip_count(d->lb); i++)
		json_object_array_add(a, vip_json(d, lb_vip_at(d->lb, i)));
	json_object_object_add(r, "vips", a);
	return r;
}

#define GSTAT(f)                                         \
	{                                                \
#f, offsetof(struct xlb_global_stats, f) \
	}

static const struct {
	const char *name;
	size_t off;
} gstats[] = {
	GSTAT(xdp_aborted),  GSTAT(xdp_drop),	 GSTAT(xdp_pass),     GSTAT(xdp_tx),
	GSTAT(xdp_redirect), GSTAT(forwarded),	 GSTAT(not_ip),	      GSTAT(not_vip),
	GSTAT(unparsed),     GSTAT(malformed),	 GSTAT(no_backend),   GSTAT(fragments),
	GSTAT(syn_tracked),  GSTAT(flow_moved),	 GSTAT(udp_expired),  GSTAT(encap_fail),
	GSTAT(icmp_echo),    GSTAT(icmp_routed), GSTAT(icmp_too_big),
};

/* packets, bytes, new flows: since zeroed, and with rate, a second */
static void add_view(json_object *o, const struct stats_view *sv, int rate)
{
	static const char *const k[3] = { "packets", "bytes", "new_flows" };
	static const char *const kr[3] = { "packets_per_s", "bytes_per_s", "new_flows_per_s" };
	unsigned i;

	for (i = 0; i < 3; i++)
		json_object_object_add(o, k[i], json_object_new_int64((int64_t)sv->shown[i]));
	if (!rate)
		return;
	for (i = 0; i < 3; i++)
		json_object_object_add(o, kr[i], api_number(sv->rate[i], 1));
}

static json_object *do_stats(struct xlbd *d, const char *only, int rate)
{
	json_object *r = api_ok(), *vips = json_object_new_array(), *g = json_object_new_object();
	struct xlb_global_stats gs;
	struct stats_view sv;
	unsigned i, j;
	time_t z;

	if (!dp_stats_global(d->dp, &gs))
		for (i = 0; i < sizeof(gstats) / sizeof(gstats[0]); i++)
			json_object_object_add(
				g, gstats[i].name,
				json_object_new_int64(*(int64_t *)((char *)&gs + gstats[i].off)));
	json_object_object_add(r, "global", g);
	if (rate)
		json_object_object_add(r, "interval_s", api_number(stats_interval(d->stats), 3));
	for (i = 0; i < lb_vip_count(d->lb); i++) {
		struct lb_vip *v = lb_vip_at(d->lb, i);
		json_object *o, *bes = json_object_new_array();
		struct xlb_vip_stats vs = {};

		if (only && strcmp(only, v->name)) {
			json_object_put(bes);
			continue;
		}
		dp_stats_vip(d->dp, v->id, &vs);
		stats_vip(d->stats, v, &sv);
		o = json_object_new_object();
		json_object_object_add(o, "name", jstr(v->name));
		add_view(o, &sv, rate);
		json_object_object_add(o, "flow_hits",
				       json_object_new_int64((int64_t)vs.flow_hits));
		json_object_object_add(o, "flow_misses",
				       json_object_new_int64((int64_t)vs.flow_misses));
		z = stats_zeroed_at(d->stats, v);
		json_object_object_add(o, "zeroed_at", z ? json_object_new_int64(z) : NULL);
		for (j = 0; j < v->nbe; j++) {
			json_object *b = json_object_new_object();

			stats_backend(d->stats, v, v->be[j], &sv);
			json_object_object_add(b, "address", jaddr(&v->be[j]->addr));
			add_view(b, &sv, rate);
			json_object_array_add(bes, b);
		}
		json_object_object_add(o, "backends", bes);
		json_object_array_add(vips, o);
	}
	json_object_object_add(r, "vips", vips);
	return r;
}

static json_object *errno_reply(int err, const char *msg)
{
	const char *code = err == -ENOENT   ? API_E_NOT_FOUND
			   : err == -EEXIST ? API_E_EXISTS
			   : err == -EINVAL ? API_E_INVALID
			   : err == -ENOSPC ? API_E_LIMIT /* no free VIP or backend slot */
					    : API_E_INTERNAL;

	return api_error(code, "%s", msg);
}

unsigned xlbd_mtu(const struct xlbd *d, const struct cfg *cfg)
{
	unsigned m = cfg->mtu ? cfg->mtu : d->link_mtu ? d->link_mtu : 1500;

	return m > 65535 ? 65535 : m; /* (loopback's is 65536) */
}

int xlbd_link_mtu_read(struct xlbd *d)
{
	int m = link_mtu(d->ifname);

	if (m <= 0 || (unsigned)m == d->link_mtu)
		return 0;
	d->link_mtu = (unsigned)m;
	return 1;
}

int xlbd_dp_config(struct xlbd *d, const struct cfg *cfg)
{
	struct xlb_config xc = { .ifindex = (__u32)d->ifindex };
	unsigned rate;

	memcpy(xc.if_mac, d->if_mac, 6);
	xc.tun_src4 = cfg->tun_src4.a[0];
	memcpy(xc.tun_src6, cfg->tun_src6.a, sizeof(xc.tun_src6));
	if (cfg->tun_flow) {
		xc.flags |= XLB_CFG_F_SRC_FLOW;
		if (cfg->tun_src4.family)
			xc.tun_mask4 = htonl((uint32_t)((1ULL << (32 - cfg->tun_len4)) - 1));
		if (cfg->tun_src6.family)
			xc.tun_mask6 = htonl((uint32_t)((1ULL << (128 - cfg->tun_len6)) - 1));
	}
	xc.gue_port = (uint16_t)cfg->gue_port;
	if (monitor_on(d->mon, &rate)) {
		xc.flags |= XLB_CFG_F_MONITOR;
		xc.monitor_rate = (__u16)(rate > 65535 ? 65535 : rate);
	}
	xc.mtu = (__u16)xlbd_mtu(d, cfg);
	if (cfg->icmp_echo)
		xc.flags |= XLB_CFG_F_ICMP_ECHO;
	return dp_config_set(d->dp, &xc);
}

static int str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/*
 * A key that only a restart (or a detach) can change: what the reload must
 * refuse, in words; NULL when there is none.
 */
static const char *reload_fixed_key(const struct cfg *o, const struct cfg *n)
{
	static char why[320];

	if (str_differs(o->interface, n->interface))
		snprintf(why, sizeof(why), "interface %s -> %s needs a restart of xlbd",
			 o->interface ? o->interface : "(none)",
			 n->interface ? n->interface : "(none)");
	else if (str_differs(o->pin_path, n->pin_path))
		snprintf(why, sizeof(why), "pin_path %s -> %s needs a detach", o->pin_path,
			 n->pin_path);
	else if (str_differs(o->control_socket, n->control_socket))
		snprintf(why, sizeof(why), "control_socket %s -> %s needs a restart of xlbd",
			 o->control_socket, n->control_socket);
	else if (str_differs(o->control_socket_read_only, n->control_socket_read_only))
		snprintf(why, sizeof(why), "control_socket_read_only needs a restart of xlbd");
	else if (o->max_flows != n->max_flows)
		snprintf(why, sizeof(why),
			 "max_flows %u -> %u needs a detach (the flow table keeps its size "
			 "while pinned)",
			 o->max_flows, n->max_flows);
	else if (o->xdp_mode != n->xdp_mode)
		snprintf(why, sizeof(why), "xdp_mode needs a detach to change");
	else
		return NULL;
	return why;
}

/* Keys whose changes lb.c reports, as they take effect: cfg_diff's are not said again. */
static int lb_says(const struct cfg_diff_item *it)
{
	static const char *const vip_keys[] = { "",	      "name",	     "address",
						"port",	      "protocol",    "scheduler",
						"ring_size",  "on_all_down", "udp_idle_timeout",
						"forwarding", NULL };
	static const char *const be_keys[] = { "", "address", "weight", "state", NULL };
	const char *const *k = it->backend ? be_keys : it->vip ? vip_keys : NULL;

	for (; k && *k; k++)
		if (!strcmp(*k, it->key))
			return 1;
	/* (the instance's forwarding and mtu are said with their effective values) */
	return !it->vip && (!strcmp(it->key, "forwarding") || !strcmp(it->key, "mtu"));
}

static void say_file_change(void *ctx, const struct cfg_diff_item *it)
{
	char buf[640];

	if (lb_says(it))
		return;
	if (it->backend)
		snprintf(buf, sizeof(buf), "vip %s: backend %s %s %s -> %s", it->vip, it->backend,
			 it->key, it->old, it->new);
	else if (it->vip)
		snprintf(buf, sizeof(buf), "vip %s: %s %s -> %s", it->vip, it->key, it->old,
			 it->new);
	else
		snprintf(buf, sizeof(buf), "%s %s -> %s", it->key, it->old, it->new);
	json_object_array_add(ctx, jstr(buf));
}

/*
 * What a reload changes that lb.c does not say (every key of the file,
 * health checks included, through cfg_diff), as lines of its report.
 */
static void reload_file_changes(const struct xlbd *d, const struct cfg *o, const struct cfg *n,
				json_object *out)
{
	char buf[320];

	if (o->forwarding != n->forwarding) {
		snprintf(buf, sizeof(buf), "forwarding %s -> %s",
			 names_str(&names_fwd, lb_fwd_mode((int)o->forwarding)),
			 names_str(&names_fwd, lb_fwd_mode((int)n->forwarding)));
		json_object_array_add(out, jstr(buf));
	}
	if (o->mtu != n->mtu) {
		snprintf(buf, sizeof(buf), "mtu %u%s -> %u%s", xlbd_mtu(d, o),
			 o->mtu ? "" : " (the interface's)", xlbd_mtu(d, n),
			 n->mtu ? "" : " (the interface's)");
		json_object_array_add(out, jstr(buf));
	}
	cfg_diff(o, n, say_file_change, out);
}

/*
 * The announce: section changed (d->cfg is the new file, old the last): a
 * table left or changed is emptied of our routes; a new one is opened and
 * filled. Other keys are read live.
 */
static void reannounce(struct xlbd *d, const struct cfg *old)
{
	const struct cfg_announce *o = old->announce, *n = d->cfg->announce;
	int err;

	if (o && n && o->table == n->table && d->ann) {
		announce_sync(d->ann);
		return;
	}
	if (d->ann) {
		announce_withdraw_all(d->ann); /* from the table it was opened on */
		announce_close(d->ann);
		d->ann = NULL;
	}
	/* the table left is no longer ours */
	announce_release_others(d->cfg->pin_path, n ? n->table : 0);
	if (!n)
		return;
	err = announce_open(&d->ann, d->base, d->lb, d->cfg);
	if (err)
		log_warnx("announce: the route socket: %s; nothing is announced", strerror(-err));
	else
		announce_sync(d->ann);
}

void xlbd_metrics_src(struct xlbd *d, struct metrics_src *src)
{
	*src = (struct metrics_src){ .base = d->base,
				     .listen = d->cfg->metrics_listen,
				     .dp = d->dp,
				     .lb = d->lb,
				     .health = d->health,
				     .mon = d->mon,
				     .prog_version = d->prog_version,
				     .started = &d->started,
				     .sweep = &d->sweep,
				     .sweep_at = &d->sweep_at };
}

int xlbd_monitor_sampling(void *ctx)
{
	struct xlbd *d = ctx;

	return d->dp ? xlbd_dp_config(d, d->cfg) : -ENODEV;
}

json_object *xlbd_reload(struct xlbd *d, int dry)
{
	struct lb_changes ch = { .dry = dry };
	struct cfg *cfg = NULL;
	char *errs = NULL;
	size_t errlen = 0;
	FILE *f = open_memstream(&errs, &errlen);
	json_object *r, *global, *preview = NULL;
	const char *fixed;
	unsigned i, n;
	int err, e, relisten;

	if (!f)
		return api_error(API_E_INTERNAL, "out of memory");
	err = cfg_load(d->cfg_path, &cfg, f);
	fclose(f);
	if (err) {
		json_object *details = json_object_new_array();
		char *line, *save = NULL;

		log_warnx("reload refused, the running configuration is kept:\n%s", errs);
		for (line = strtok_r(errs, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			json_object_array_add(details, jstr(line));
		r = api_error(API_E_CONFIG, "%s has errors; the running configuration is kept",
			      d->cfg_path);
		json_object_object_add(json_object_object_get(r, "error"), "details", details);
		free(errs);
		return r;
	}
	free(errs);
	fixed = reload_fixed_key(d->cfg, cfg);
	if (fixed) {
		log_warnx("reload refused, the running configuration is kept: %s", fixed);
		r = api_error(API_E_CONFIG, "%s: %s; the running configuration is kept",
			      d->cfg_path, fixed);
		cfg_free(cfg);
		return r;
	}

	/* (checked here: once applied, a table refused would leave the VIPs unannounced) */
	if (cfg->announce &&
	    (!d->cfg->announce || d->cfg->announce->table != cfg->announce->table)) {
		char owner[256];

		if (announce_table_taken(cfg->announce->table, cfg->pin_path, owner,
					 sizeof(owner))) {
			r = api_error(
				API_E_CONFIG,
				"%s: announce: table %u holds the routes of the xlb instance "
				"with pin_path %s; give each instance a table of its own; the "
				"running configuration is kept",
				d->cfg_path, cfg->announce->table, owner);
			cfg_free(cfg);
			return r;
		}
	}
	global = json_object_new_array();
	reload_file_changes(d, d->cfg, cfg, global);
	if (dry) {
		struct preview_src src = { d->dp, d->lb, d->ann, d->cfg, cfg, cfg->announce };
		struct plan p;
		int cuts;

		err = lb_plan(d->lb, cfg, &p);
		if (!err) {
			plan_lines(&p, &ch);
			err = plan_rings(&p);
			if (!err)
				preview = preview_json(&src, &p, &cuts);
			plan_free(&p);
		}
		cfg_free(cfg);
	} else {
		struct cfg *old = d->cfg;

		notify_reloading();
		/* lb's subscribers (health, announcements) read the new file */
		d->cfg = cfg;
		announce_config(d->ann, cfg);
		err = xlbd_dp_config(d, cfg);
		if (!err)
			err = lb_apply_config(d->lb, cfg, &ch);
		relisten = str_differs(old->metrics_listen, cfg->metrics_listen);
		reannounce(d, old);
		cfg_free(old);
		if (relisten) {
			struct metrics_src src;

			metrics_close(d->metrics);
			d->metrics = NULL;
			xlbd_metrics_src(d, &src);
			if (cfg->metrics_listen && (e = metrics_open(&d->metrics, &src))) {
				log_warnx("metrics_listen %s: %s; no metrics are served",
					  cfg->metrics_listen, strerror(-e));
				if (!err)
					err = e;
			}
		}
		/* the file's word is the running state again */
		if (d->journal && (e = journal_clear(d->journal)))
			log_warnx("emptying the runtime state file: %s", strerror(-e));
		/* (before start-up is done, its own READY=1 ends the reload too) */
		if (d->ready)
			notify_ready();
	}
	r = err ? api_error(API_E_INTERNAL, "reload applied in part: %s", strerror(-err))
		: api_ok();
	for (i = 0; i < ch.n; i++)
		json_object_array_add(global, jstr(ch.lines[i]));
	n = (unsigned)json_object_array_length(global);
	json_object_object_add(r, "dry_run", json_object_new_boolean(dry));
	json_object_object_add(r, "changes", global);
	json_object_object_add(r, "undone", jstrv(ch.undone, ch.nundone));
	if (preview)
		json_object_object_add(r, "disruption", preview);
	if (!dry)
		log_info("reloaded %s: %u change%s, %u made with xlbctl undone", d->cfg_path, n,
			 n == 1 ? "" : "s", ch.nundone);
	lb_changes_free(&ch);
	return r;
}

void xlbd_forget_state(const char *pin_path)
{
	char path[512];

	if (!instance_path(path, sizeof(path), "state", pin_path, ".json") && unlink(path) &&
	    errno != ENOENT)
		log_warn("removing %s", path);
}

json_object *xlbd_handle_read_only(void *ctx, const struct api_req *q)
{
	struct xlbd *d = ctx;

	/* a dry run reads: what a change would do */
	if (!api_cmd_reads_only(q->cmd) &&
	    !(q->dry_run &&
	      (q->cmd == API_RELOAD || q->cmd == API_BACKEND_DEL || q->cmd == API_BACKEND_SET)))
		return api_error(
			API_E_READ_ONLY,
			"this socket only reads (status, stats, vip list and show, backend "
			"list, health, explain, flows): changes go through %s",
			d->cfg->control_socket);
	return xlbd_handle(ctx, q);
}

json_object *xlbd_detach(struct xlbd *d)
{
	const struct cfg_announce *an = d->cfg->announce;
	char done[256];
	json_object *r;
	int err;

	d->detach_requested = 1;
	/* the routers stop sending first; what is in flight still arrives */
	if (announce_withdraw_all(d->ann) && an->withdraw_delay_ms) {
		struct timespec ts = { (time_t)(an->withdraw_delay_ms / 1000),
				       (long)(an->withdraw_delay_ms % 1000) * 1000000L };

		log_info("detach: VIPs withdrawn; detaching in %llu ms (withdraw_delay)",
			 (unsigned long long)an->withdraw_delay_ms);
		nanosleep(&ts, NULL);
	}
	dp_close(d->dp);
	d->dp = NULL;
	err = dp_detach(d->cfg->pin_path, d->ifindex, done, sizeof(done));
	if (err) {
		log_warnx("detach: %s", strerror(-err));
		r = api_error(API_E_INTERNAL, "detach: %s", strerror(-err));
	} else {
		log_info("detached from %s", done[0] ? done : "nothing (none attached)");
		journal_free(d->journal);
		d->journal = NULL;
		xlbd_forget_state(d->cfg->pin_path);
		announce_forget(d->cfg->pin_path);
		r = api_ok();
		json_object_object_add(r, "detached", jstr(done[0] ? done : d->ifname));
	}
	/* what a new xlbd needs: the socket's name, the port, the locks (this reply still leaves) */
	metrics_close(d->metrics);
	d->metrics = NULL;
	control_stop_listening(d->ctl);
	control_stop_listening(d->ctl_ro);
	if (d->inst)
		instance_unlock(d->inst);
	d->detach_rc = err ? 1 : 0;
	/* no other callback runs: the data plane is gone */
	event_base_loopbreak(d->base);
	return r;
}

/* The requests that change what is served: the journal keeps them. */
static int is_change(enum api_cmd c)
{
	return c == API_VIP_ADD || c == API_VIP_DEL || c == API_BACKEND_ADD ||
	       c == API_BACKEND_DEL || c == API_BACKEND_SET;
}

int xlbd_replay(struct xlbd *d)
{
	unsigned i, n = d->journal ? journal_count(d->journal) : 0, done = 0;
	json_object **ok = calloc(n + 1, sizeof(*ok));
	int err;
	struct api_req q;
	const char *code;
	char msg[256];

	if (!ok)
		return -ENOMEM;
	d->replaying = 1;
	for (i = 0; i < n; i++) {
		const char *line = journal_line(d->journal, i);
		json_object *r, *e;

		if (api_parse_request(line, strlen(line), &q, &code, msg, sizeof(msg))) {
			log_warnx("runtime state: dropped, %s: %s", msg, line);
			continue;
		}
		if (!is_change(q.cmd)) {
			log_warnx("runtime state: dropped, not a change: %s", line);
			api_req_free(&q);
			continue;
		}
		r = xlbd_handle(d, &q);
		if (json_object_object_get_ex(r, "error", &e)) {
			log_warnx("runtime state: dropped, %s: %s",
				  json_object_get_string(json_object_object_get(e, "message")),
				  line);
			api_req_free(&q);
		} else {
			ok[done++] = json_object_get(q.obj);
			api_req_free(&q);
		}
		json_object_put(r);
	}
	d->replaying = 0;
	/* keep what still applies, nothing else, in one write */
	if (done != n && (err = journal_replace(d->journal, ok, done)))
		log_warnx("runtime state file: keeping the %u changes that still apply: %s "
			  "(the file still holds all %u)",
			  done, strerror(-err), n);
	for (i = 0; i < done; i++)
		json_object_put(ok[i]);
	free(ok);
	if (n)
		log_info("restored %u of %u changes made with xlbctl before the restart (xlbctl "
			 "reload returns to the file's settings)",
			 done, n);
	return 0;
}

void xlbd_on_lb(void *ctx, enum lb_event ev, struct lb_vip *v)
{
	struct xlbd *d = ctx;

	(void)v;
	/* backends came or went: their checkers follow */
	if (ev == LB_EV_SET && d->health)
		health_sync(d->health, d->cfg);
	/* a VIP gained or lost serving backends, or came or went */
	if (d->ann)
		announce_sync(d->ann);
}

/* xlbctl backend del/set --dry-run: the change as a plan, and what it would cut. */
static json_object *backend_preview(struct xlbd *d, const struct api_req *q)
{
	struct preview_src src = {
		.dp = d->dp, .lb = d->lb, .ann = d->ann, .ann_after = d->cfg->announce
	};
	struct lb_vip *v = lb_vip_find(d->lb, q->vip);
	struct lb_backend *b = v ? lb_backend_find(v, &q->addr) : NULL;
	struct lb_changes ch = {};
	json_object *r, *preview;
	struct plan p;
	char as[64];
	int err, cuts;

	cfg_addr_str(&q->addr, as, sizeof(as));
	if (!v)
		return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
	if (!b)
		return api_error(API_E_NOT_FOUND, "no backend %s in vip %s", as, q->vip);
	if (q->weight > 65535)
		return api_error(API_E_INVALID, "backend %s: weight must be 0..65535", as);
	err = q->cmd == API_BACKEND_DEL ? plan_backend_del(&p, v, b)
					: plan_backend_set(&p, v, b, q->weight, q->state);
	if (err)
		return api_error(API_E_INTERNAL, "planning: %s", strerror(-err));
	err = plan_rings(&p);
	if (err) {
		plan_free(&p);
		return api_error(API_E_INTERNAL, "planning the ring: %s", strerror(-err));
	}
	plan_lines(&p, &ch);
	preview = preview_json(&src, &p, &cuts);
	plan_free(&p);
	r = api_ok();
	json_object_object_add(r, "dry_run", json_object_new_boolean(1));
	json_object_object_add(r, "changes", jstrv(ch.lines, ch.n));
	json_object_object_add(r, "undone", json_object_new_array());
	json_object_object_add(r, "disruption", preview);
	lb_changes_free(&ch);
	return r;
}

json_object *xlbd_handle(void *ctx, const struct api_req *q)
{
	struct xlbd *d = ctx;
	struct lb_vip *v = NULL;
	char err[256];
	int e = 0;

	/* (the loop ends after the detach's own reply: this is a safeguard) */
	if (d->detach_requested)
		return api_error(API_E_INTERNAL, "xlbd is detaching and exits: nothing changed");

	switch (q->cmd) {
	case API_STATUS:
		return do_status(d);
	case API_VIP_LIST:
		return do_vip_list(d);
	case API_VIP_SHOW:
		v = lb_vip_find(d->lb, q->vip);
		if (!v)
			return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
		{
			json_object *r = api_ok();

			json_object_object_add(r, "vip", vip_json(d, v));
			return r;
		}
	case API_BACKEND_LIST:
	case API_HEALTH:
		if (q->vip && !(v = lb_vip_find(d->lb, q->vip)))
			return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
		if (q->vip) {
			json_object *r = api_ok(), *a = json_object_new_array();

			json_object_array_add(a, vip_json(d, v));
			json_object_object_add(r, "vips", a);
			return r;
		}
		return do_vip_list(d);
	case API_VIP_ADD:
		e = lb_vip_add(d->lb, q->vip, &q->addr, (uint16_t)q->port,
			       q->proto < 0 ? CFG_PROTO_TCP : q->proto,
			       q->sched < 0 ? XLB_SCHED_MAGLEV : q->sched, q->fwd, err,
			       sizeof(err));
		break;
	case API_BACKEND_ADD:
		e = lb_backend_add(d->lb, q->vip, &q->addr,
				   q->weight < 0 ? 100 : (uint32_t)q->weight,
				   q->has_mac ? q->mac : NULL, err, sizeof(err));
		break;
	case API_BACKEND_DEL:
		if (q->dry_run)
			return backend_preview(d, q);
		e = lb_backend_del(d->lb, q->vip, &q->addr, err, sizeof(err));
		break;
	case API_VIP_DEL:
		e = lb_vip_del(d->lb, q->vip, err, sizeof(err));
		break;
	case API_BACKEND_SET:
		if (q->dry_run)
			return backend_preview(d, q);
		e = lb_backend_set(d->lb, q->vip, &q->addr, q->weight, q->state, err, sizeof(err));
		break;
	case API_STATS:
		if (q->vip && !lb_vip_find(d->lb, q->vip))
			return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
		return do_stats(d, q->vip, q->rate);
	case API_RELOAD:
		return xlbd_reload(d, q->dry_run);
	case API_DETACH:
		return xlbd_detach(d);
	case API_STATS_ZERO:
		if (q->vip && !lb_vip_find(d->lb, q->vip))
			return api_error(API_E_NOT_FOUND, "no vip %s", q->vip);
		stats_zero(d->stats, q->vip);
		log_info("counters shown by xlbctl zeroed: %s", q->vip ? q->vip : "every vip");
		return api_ok();
	case API_EXPLAIN:
		return explain(d->dp, d->lb, d->ifname, q);
	case API_FLOWS:
		return flows_list(d->dp, d->lb, q);
	case API_HOST_DRAIN:
	case API_HOST_UNDRAIN:
		if (!d->ann)
			return api_error(API_E_INVALID,
					 "nothing is announced: the configuration has no announce: "
					 "section");
		if ((e = announce_drain(d->ann, q->cmd == API_HOST_DRAIN)))
			return api_error(API_E_INTERNAL, "host %s: %s",
					 q->cmd == API_HOST_DRAIN ? "drain" : "undrain",
					 strerror(-e));
		{
			json_object *r = api_ok();

			json_object_object_add(
				r, "changed",
				jstr(q->cmd == API_HOST_DRAIN
					     ? "host drained: every VIP withdrawn; "
					       "traffic that still arrives is forwarded"
					     : "host undrained: VIPs are announced "
					       "again after hold_down"));
			return r;
		}
	case API_MONITOR: {
		/* the control socket keeps the client as a subscriber (control.h) */
		json_object *r = api_ok();

		json_object_object_add(r, "events_per_s",
				       json_object_new_int64(q->events_per_s > 0
								     ? q->events_per_s
								     : MONITOR_RATE_DEFAULT));
		return r;
	}
	case API_NCMDS:
		break;
	}
	if (e)
		return errno_reply(e, err);
	/* in effect but not kept: the caller must know it would not outlive a restart */
	if (d->journal && !d->replaying && (e = journal_add(d->journal, q->obj))) {
		log_warnx("runtime state file: %s: this change (%s) will not survive a restart",
			  strerror(-e), err);
		return api_error(API_E_INTERNAL,
				 "%s; in effect, but the runtime state file could not keep it "
				 "(%s): it will not survive a restart",
				 err, strerror(-e));
	}
	{
		json_object *r = api_ok();

		json_object_object_add(r, "changed", jstr(err));
		return r;
	}
}

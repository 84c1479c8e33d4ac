// SPDX-License-Identifier: GPL-2.0
/*
 * The running load balancer and its one path into the data plane.
 *
 * Ids: every VIP has a slot (xlb_rings, xlb_vip_stats); every backend of a VIP
 * has a slot in xlb_backends with a generation, bumped whenever the slot is
 * given to a new backend, so flows recorded for the previous holder move.
 * Adopting pinned maps reads ids and generations back, so a restarted daemon
 * gives every VIP and backend the slot it had, and flows keep their backends.
 *
 * Order of writes in lb_vip_sync(): backends that may carry traffic first,
 * then the ring, then backends going down, then the VIP entry. A ring never
 * names a backend that the data plane would refuse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lb.h"
#include "names.h"
#include "log.h"
#include "maglev.h"
#include "plan.h"
#include "version.h"

struct adopted_be {
	uint32_t id, gen, vip_id;
	uint8_t state;
	struct xlb_addr addr;
	uint8_t mac[6];
	struct lb_nexthop out; /* its interface, from its egress slot */
	uint8_t mac_ok;	       /* mac and out can serve until it resolves again */
	uint8_t claimed;
};

struct adopted_vip {
	struct xlb_vip_key key;
	uint32_t id;
	uint32_t ring_size; /* of the ring it has in the maps */
	uint64_t ring_sig;  /* xlb_ring_sigs: what that ring was built from (0: not known) */
	uint8_t claimed;
	uint8_t young;		     /* XLB_VIP_F_YOUNG was set: see xlb_vip_young */
	struct xlb_vip_young ystate; /* then: its young state, to carry on */
};

struct lb {
	struct dp *dp;
	lb_resolve_fn resolve;
	void *resolve_ctx;
	struct lb_vip **vips;
	unsigned nvips;
	uint8_t vip_used[XLB_MAX_VIPS];
	uint8_t be_used[XLB_MAX_BACKENDS];
	uint32_t be_gen[XLB_MAX_BACKENDS]; /* last generation given out per slot */
	struct adopted_vip *avips;
	unsigned navips;
	struct adopted_be *abes;
	unsigned nabes;
	uint8_t default_fwd; /* XLB_FWD_* for VIPs added with xlbctl */
	int batch;	     /* lb_begin() depth: rings and VIPs written at lb_commit() */
	int quiet_macs;	     /* MACs found are counted, not logged one a line (start-up) */
	unsigned rings_kept; /* adopted rings kept as pinned (lb_rings_kept) */
	unsigned macs_found;
	struct {
		lb_hook_fn fn;
		void *ctx;
	} hooks[LB_MAX_HOOKS];
	unsigned nhooks;
};

static void hooks_run(struct lb *lb, enum lb_event ev, struct lb_vip *v)
{
	unsigned i;

	for (i = 0; i < lb->nhooks; i++)
		lb->hooks[i].fn(lb->hooks[i].ctx, ev, v);
}

int lb_subscribe(struct lb *lb, lb_hook_fn fn, void *ctx)
{
	if (lb->nhooks == LB_MAX_HOOKS)
		return -ENOSPC;
	lb->hooks[lb->nhooks].fn = fn;
	lb->hooks[lb->nhooks++].ctx = ctx;
	return 0;
}

static uint64_t mono_ns(void);

struct lb *lb_new(struct dp *dp, lb_resolve_fn resolve, void *ctx)
{
	struct lb *lb = calloc(1, sizeof(*lb));

	if (!lb)
		return NULL;
	lb->dp = dp;
	lb->resolve = resolve;
	lb->resolve_ctx = ctx;
	return lb;
}

static void backend_free(struct lb_backend *b)
{
	free(b);
}

static void vip_free(struct lb_vip *v)
{
	unsigned i;

	for (i = 0; i < v->nbe; i++)
		backend_free(v->be[i]);
	free(v->be);
	free(v);
}

void lb_free(struct lb *lb)
{
	unsigned i;

	if (!lb)
		return;
	for (i = 0; i < lb->nvips; i++)
		vip_free(lb->vips[i]);
	free(lb->vips);
	free(lb->avips);
	free(lb->abes);
	free(lb);
}

unsigned lb_vip_count(const struct lb *lb)
{
	return lb->nvips;
}

struct lb_vip *lb_vip_at(struct lb *lb, unsigned i)
{
	return i < lb->nvips ? lb->vips[i] : NULL;
}

struct lb_vip *lb_vip_find(struct lb *lb, const char *name)
{
	unsigned i;

	for (i = 0; i < lb->nvips; i++)
		if (!strcmp(lb->vips[i]->name, name))
			return lb->vips[i];
	return NULL;
}

struct lb_backend *lb_backend_find(struct lb_vip *v, const struct xlb_addr *a)
{
	unsigned i;

	for (i = 0; i < v->nbe; i++)
		if (!memcmp(&v->be[i]->addr, a, sizeof(*a)))
			return v->be[i];
	return NULL;
}

/* ---- change log ------------------------------------------------------------ */

/* ---- ids --------------------------------------------------------------------- */

static void vip_key_of(const struct lb_vip *v, struct xlb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, v->addr.a, sizeof(k->addr));
	k->port = v->port;
	k->proto = v->proto == CFG_PROTO_UDP ? 17 : 6;
	k->family = v->addr.family;
}

/* A VIP's id: the one it had in pinned maps (*adopted then says how), or a free one. */
static int vip_id_alloc(struct lb *lb, const struct xlb_vip_key *k, uint32_t *id,
			const struct adopted_vip **adopted)
{
	unsigned i;

	*adopted = NULL;
	for (i = 0; i < lb->navips; i++) {
		struct adopted_vip *a = &lb->avips[i];

		if (!a->claimed && !memcmp(&a->key, k, sizeof(*k))) {
			a->claimed = 1;
			*id = a->id;
			*adopted = a;
			return 0;
		}
	}
	for (i = 0; i < XLB_MAX_VIPS; i++)
		if (!lb->vip_used[i]) {
			lb->vip_used[i] = 1;
			*id = i;
			/* a new VIP starts from zero, not from the last holder's counts */
			if (dp_stats_reset_vip(lb->dp, i))
				log_warnx("vip id %u: its old counters could not be zeroed", i);
			return 0;
		}
	return -ENOSPC;
}

static int be_id_alloc(struct lb *lb, uint32_t vip_id, const struct xlb_addr *a,
		       struct lb_backend *b)
{
	unsigned i;

	for (i = 0; i < lb->nabes; i++) {
		struct adopted_be *ab = &lb->abes[i];

		if (!ab->claimed && ab->vip_id == vip_id && !memcmp(&ab->addr, a, sizeof(*a))) {
			ab->claimed = 1;
			b->id = ab->id;
			b->gen = ab->gen;
			b->adopted_up = ab->state != XLB_BE_DOWN;
			/* the MAC it had: keep forwarding while it is resolved again */
			if (!b->mac_static && ab->mac_ok) {
				memcpy(b->mac, ab->mac, 6);
				b->out = ab->out;
				b->mac_ok = 1;
			}
			return 0;
		}
	}
	for (i = 0; i < XLB_MAX_BACKENDS; i++)
		if (!lb->be_used[i]) {
			lb->be_used[i] = 1;
			b->id = i;
			b->gen = ++lb->be_gen[i];
			if (!b->gen)
				b->gen = lb->be_gen[i] = 1;
			if (dp_stats_reset_backend(lb->dp, i))
				log_warnx("backend id %u: its old counters could not be zeroed", i);
			return 0;
		}
	return -ENOSPC;
}

static int adopt_vip(const struct xlb_vip_key *k, const struct xlb_vip *v, void *arg)
{
	struct lb *lb = arg;
	struct adopted_vip *n;

	if (v->id >= XLB_MAX_VIPS)
		return 0;
	n = realloc(lb->avips, (lb->navips + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	lb->avips = n;
	n[lb->navips].key = *k;
	n[lb->navips].id = v->id;
	n[lb->navips].ring_size = v->ring_size;
	n[lb->navips].ring_sig = dp_ring_sig_get(lb->dp, v->id);
	n[lb->navips].claimed = 0;
	n[lb->navips].young = (v->flags & XLB_VIP_F_YOUNG) &&
			      !dp_vip_young_get(lb->dp, v->id, &n[lb->navips].ystate);
	lb->navips++;
	lb->vip_used[v->id] = 1;
	return 0;
}

int lb_adopt(struct lb *lb)
{
	struct xlb_backend b;
	uint32_t id;
	int err;

	err = dp_vip_foreach(lb->dp, adopt_vip, lb);
	if (err)
		return err;
	for (id = 0; id < XLB_MAX_BACKENDS; id++) {
		struct adopted_be *n;

		if (dp_backend_get(lb->dp, id, &b) || !b.gen)
			continue;
		lb->be_gen[id] = b.gen;
		if (!b.family)
			continue; /* a released slot: only its generation matters */
		lb->be_used[id] = 1;
		n = realloc(lb->abes, (lb->nabes + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		lb->abes = n;
		memset(&n[lb->nabes], 0, sizeof(*n));
		n[lb->nabes].id = id;
		n[lb->nabes].gen = b.gen;
		n[lb->nabes].vip_id = b.vip_id;
		n[lb->nabes].state = b.state;
		n[lb->nabes].addr.family = b.family;
		memcpy(n[lb->nabes].addr.a, b.addr, sizeof(b.addr));
		memcpy(n[lb->nabes].mac, b.mac, 6);
		n[lb->nabes].mac_ok = 1;
		if (b.egress) {
			struct xlb_egress eg;

			/* an empty slot: the MAC is of no use until it resolves again */
			if (dp_egress_get(lb->dp, b.egress, &eg)) {
				n[lb->nabes].mac_ok = 0;
			} else {
				n[lb->nabes].out.ifindex = (int)eg.ifindex;
				memcpy(n[lb->nabes].out.src_mac, eg.mac, 6);
			}
		}
		lb->nabes++;
	}
	log_info("adopted %u vips and %u backends from pinned maps", lb->navips, lb->nabes);
	return 0;
}

/* Pinned state that the config did not claim: remove it from the data plane. */
static void adopt_finish(struct lb *lb)
{
	unsigned i;

	for (i = 0; i < lb->navips; i++) {
		struct adopted_vip *a = &lb->avips[i];

		if (a->claimed)
			continue;
		dp_ring_del(lb->dp, a->id);
		dp_vip_del(lb->dp, &a->key);
		lb->vip_used[a->id] = 0;
	}
	for (i = 0; i < lb->nabes; i++) {
		struct adopted_be *ab = &lb->abes[i];
		struct xlb_backend down = { .gen = ab->gen };

		if (ab->claimed)
			continue;
		/* keep the generation: the next holder of the slot gets a new one */
		dp_backend_set(lb->dp, ab->id, &down);
		lb->be_used[ab->id] = 0;
	}
	free(lb->avips);
	free(lb->abes);
	lb->avips = NULL;
	lb->abes = NULL;
	lb->navips = lb->nabes = 0;
}

/* ---- syncing one VIP into the data plane ------------------------------------ */

static void be_entry(struct lb *lb, const struct lb_vip *v, const struct lb_backend *b,
		     struct xlb_backend *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, b->addr.a, sizeof(e->addr));
	memcpy(e->mac, b->mac, 6);
	e->family = b->addr.family;
	e->state = plan_be_dp_state(v, b);
	e->gen = b->gen;
	e->vip_id = v->id;
	e->udp_timeout = v->udp_timeout_s;
	e->fwd_mode = v->fwd_mode;
	if (b->out.ifindex && e->state != XLB_BE_DOWN) {
		int slot = dp_egress_slot(lb->dp, b->out.ifindex, b->out.src_mac);

		if (slot < 0) {
			char as[64];

			cfg_addr_str(&b->addr, as, sizeof(as));
			log_warnx("vip %s: backend %s: no egress slot for its interface: %s",
				  v->name, as, strerror(-slot));
			e->state = XLB_BE_DOWN;
		} else {
			e->egress = (__u8)slot;
		}
	}
}

static int be_write(struct lb *lb, const struct lb_vip *v, struct lb_backend *b)
{
	struct xlb_backend e;
	int err;

	be_entry(lb, v, b, &e);
	if (!memcmp(&e, &b->written, sizeof(e)))
		return 0;
	err = dp_backend_set(lb->dp, b->id, &e);
	if (!err)
		b->written = e;
	return err;
}

/* FNV-1a over what a ring is built from; never 0 (0 means no ring). */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n);

static uint64_t ring_sig(const struct lb_vip *v)
{
	uint64_t h = fnv1a(0xcbf29ce484222325ULL, &v->ring_size, sizeof(v->ring_size));
	unsigned i;

	for (i = 0; i < v->nbe; i++) {
		const struct lb_backend *b = v->be[i];

		if (!b->eff_weight)
			continue;
		h = fnv1a(h, &b->addr, sizeof(b->addr));
		h = fnv1a(h, &b->eff_weight, sizeof(b->eff_weight));
		h = fnv1a(h, &b->id, sizeof(b->id));
	}
	return h ? h : 1; /* 0 means no ring */
}

/* What xlb_ring_sigs records of sig: the build's too, as another build may build otherwise. */
static uint64_t pinned_sig_of(uint64_t sig)
{
	uint64_t h = fnv1a(sig, XLB_VERSION, sizeof(XLB_VERSION));

	return h ? h : 1;
}

static int ring_install(struct lb *lb, struct lb_vip *v)
{
	struct maglev_backend *mb;
	uint32_t *ring;
	unsigned i, n = 0;
	int err;

	mb = calloc(v->nbe ? v->nbe : 1, sizeof(*mb));
	ring = malloc((size_t)v->ring_size * sizeof(*ring));
	if (!mb || !ring) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < v->nbe; i++) {
		struct lb_backend *b = v->be[i];

		if (!b->eff_weight)
			continue;
		mb[n].key = &b->addr;
		mb[n].key_len = sizeof(b->addr);
		mb[n].weight = b->eff_weight;
		mb[n].id = b->id;
		n++;
	}
	if (!n) {
		err = dp_ring_del(lb->dp, v->id);
		if (!err)
			v->ring_in_dp = 0;
		goto out;
	}
	err = maglev_build(mb, n, v->ring_size, ring, XLB_BACKEND_NONE);
	if (!err)
		err = dp_ring_swap(lb->dp, v->id, ring, v->ring_size);
	if (!err)
		v->ring_in_dp = v->ring_size;
out:
	free(ring);
	free(mb);
	return err;
}

static int sched_is_stateless(int sched)
{
	return sched == XLB_SCHED_MAGLEV || sched == XLB_SCHED_SOURCE_IP;
}

/* The program's clock (bpf_ktime_get_coarse_ns()), so that both read one time. */
static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/*
 * Before v's ring is replaced: make the VIP young (xlb_abi.h, xlb_vip_young)
 * until LB_RING_SETTLE_SEC after this change. The first change keeps the
 * ring in use as the base ring; later ones while young keep that base.
 * The VIP entry carries the flag before the new ring is in.
 */
static int vip_make_young(struct lb *lb, struct lb_vip *v, struct xlb_vip *e)
{
	uint64_t now = mono_ns(), until = now + LB_RING_SETTLE_SEC * 1000000000ULL;
	int err;

	/* lapsed (the program treats it so already): a new young time, a new base */
	if (!v->young || now >= v->young_until) {
		/* no ring in the maps (every backend was out): no base to keep */
		err = dp_ring_keep_base(lb->dp, v->id);
		if (err && err != -ENOENT)
			return err;
		v->base_size = err ? 0 : v->ring_in_dp;
		v->young_since = now;
	}
	err = dp_vip_young_set(lb->dp, v->id, v->young_since, until, v->base_size);
	if (err)
		return err;
	v->young = 1;
	v->young_until = until;
	e->flags = XLB_VIP_F_YOUNG;
	return dp_vip_set(lb->dp, &v->key_written, e);
}

void lb_settle(struct lb *lb)
{
	uint64_t now = mono_ns();
	unsigned i;

	for (i = 0; i < lb->nvips; i++) {
		struct lb_vip *v = lb->vips[i];

		if (!v->young || now < v->young_until)
			continue;
		/* the flag first: then nothing reads the base ring */
		v->young = 0;
		if (!lb_vip_sync(lb, v))
			dp_ring_base_del(lb->dp, v->id);
	}
}

int lb_vip_sync(struct lb *lb, struct lb_vip *v)
{
	struct xlb_vip_key k;
	struct xlb_vip e = {
		.id = v->id,
		.ring_size = v->ring_size,
		.udp_timeout = v->udp_timeout_s,
		.scheduler = (uint8_t)v->sched,
		.fwd_mode = v->fwd_mode,
	};
	uint64_t sig;
	unsigned i;
	int err, all_down;

	if (lb->batch) {
		v->dirty = 1;
		return 0;
	}
	all_down = plan_vip_all_down(v);
	/*
	 * (its first state is not news: a fresh start has every checked backend
	 * down until its first checks, and the health checker says each one)
	 */
	if (all_down != v->all_down && v->all_down_said)
		log_warnx("vip %s: %s", v->name,
			  !all_down ? "a backend is healthy again"
			  : v->on_all_down == CFG_ALL_DOWN_KEEP
				  ? "every backend is down: forwarding to all of them anyway "
				    "(on_all_down: keep)"
				  : "every backend is down: dropping its traffic (on_all_down: "
				    "drop)");
	v->all_down = (uint8_t)all_down;
	v->all_down_said = 1;
	v->dirty = 0;
	for (i = 0; i < v->nbe; i++)
		v->be[i]->eff_weight = plan_be_eff_weight(v, v->be[i]);

	/* 1: backends that may carry traffic, before a ring names them */
	for (i = 0; i < v->nbe; i++)
		if (plan_be_dp_state(v, v->be[i]) != XLB_BE_DOWN &&
		    (err = be_write(lb, v, v->be[i])))
			return err;
	/* 2: the ring, if what it is built from changed */
	sig = ring_sig(v);
	if (sig != v->ring_sig && v->pinned_sig && v->pinned_sig == pinned_sig_of(sig) &&
	    v->ring_in_dp == v->ring_size) {
		/* adopted, and built from what we would build it from: kept as it is */
		v->ring_sig = sig;
		lb->rings_kept++;
	}
	v->pinned_sig = 0;
	if (sig != v->ring_sig) {
		/* a ring in use replaced: young first, so no handshake is cut */
		if (v->ring_in_dp && v->key_is_written && sched_is_stateless(v->sched) &&
		    (err = vip_make_young(lb, v, &e)))
			log_warnx("vip %s: keeping its base ring: %s: handshakes under way may be "
				  "reset",
				  v->name, strerror(-err));
		err = ring_install(lb, v);
		if (err)
			return err;
		v->ring_sig = sig;
		/* (a restart keeps the ring if it would build it the same) */
		if (dp_ring_sig_set(lb->dp, v->id, v->ring_in_dp ? pinned_sig_of(sig) : 0))
			log_warnx("vip %s: recording its ring's signature: a restart rebuilds it",
				  v->name);
	}
	/* 3: backends going down, once no ring names them */
	for (i = 0; i < v->nbe; i++)
		if (plan_be_dp_state(v, v->be[i]) == XLB_BE_DOWN &&
		    (err = be_write(lb, v, v->be[i])))
			return err;
	/* 4: the VIP entry; a changed key replaces the old one */
	e.flags = v->young ? XLB_VIP_F_YOUNG : 0;
	vip_key_of(v, &k);
	if (v->key_is_written && memcmp(&k, &v->key_written, sizeof(k))) {
		dp_vip_del(lb->dp, &v->key_written);
		v->key_is_written = 0;
	}
	err = dp_vip_set(lb->dp, &k, &e);
	if (!err) {
		v->key_written = k;
		v->key_is_written = 1;
	}
	/* 5: who counts on the VIP's serving backends hears of a change */
	{
		unsigned n = 0;

		/* in the ring and not known down (on_all_down: keep rings them anyway) */
		for (i = 0; i < v->nbe; i++)
			n += v->be[i]->eff_weight > 0 && v->be[i]->health != LB_HEALTH_DOWN;
		if (n != v->serving || !v->serving_told) {
			v->serving = n;
			v->serving_told = 1;
			hooks_run(lb, LB_EV_SERVING, v);
		}
	}
	return err;
}

/* ---- adding and removing --------------------------------------------------- */

static void be_release(struct lb *lb, struct lb_backend *b)
{
	struct xlb_backend down = { .gen = b->gen };

	/* down, generation kept: flows on it move, the slot's next holder is new */
	dp_backend_set(lb->dp, b->id, &down);
	lb->be_used[b->id] = 0;
	if (lb->be_gen[b->id] < b->gen)
		lb->be_gen[b->id] = b->gen;
}

static struct lb_backend *be_new(struct lb *lb, struct lb_vip *v, const struct xlb_addr *a)
{
	struct lb_backend *b = calloc(1, sizeof(*b)), **nb;

	if (!b)
		return NULL;
	b->addr = *a;
	b->weight = 100;
	b->health = LB_HEALTH_UP;
	b->weight_pct = 100;
	if (be_id_alloc(lb, v->id, a, b)) {
		free(b);
		return NULL;
	}
	nb = realloc(v->be, (v->nbe + 1) * sizeof(*nb));
	if (!nb) {
		lb->be_used[b->id] = 0;
		free(b);
		return NULL;
	}
	v->be = nb;
	v->be[v->nbe++] = b;
	return b;
}

static void be_remove(struct lb *lb, struct lb_vip *v, unsigned i)
{
	be_release(lb, v->be[i]);
	backend_free(v->be[i]);
	memmove(&v->be[i], &v->be[i + 1], (v->nbe - i - 1) * sizeof(v->be[0]));
	v->nbe--;
}

/* The same interface and source MAC: what the data plane is given of a next hop. */
static int egress_eq(const struct lb_nexthop *a, const struct lb_nexthop *b)
{
	return a->ifindex == b->ifindex && (!a->ifindex || !memcmp(a->src_mac, b->src_mac, 6));
}

static int nexthop_eq(const struct lb_nexthop *a, const struct lb_nexthop *b)
{
	return !memcmp(&a->addr, &b->addr, sizeof(a->addr)) && egress_eq(a, b);
}

static const char *nexthop_str(const struct lb_nexthop *nh, char *buf, size_t len)
{
	char as[64];

	cfg_addr_str(&nh->addr, as, sizeof(as));
	if (nh->ifindex) {
		char ifname[IF_NAMESIZE] = "?";

		if_indextoname((unsigned)nh->ifindex, ifname);
		snprintf(buf, len, "%s dev %s", as, ifname);
	} else {
		snprintf(buf, len, "%s", as);
	}
	return buf;
}

/* The backend's MAC is its next hop's: say so once, where it goes. */
static void be_mac_found(struct lb *lb, struct lb_vip *v, struct lb_backend *b, const uint8_t *mac)
{
	char as[64], ns[96];

	memcpy(b->mac, mac, 6);
	b->out = b->nexthop;
	b->mac_ok = 1;
	b->resolve_failed = 0;
	if (lb->quiet_macs) {
		lb->macs_found++;
		return;
	}
	cfg_addr_str(&b->addr, as, sizeof(as));
	log_info("vip %s: backend %s is at %02x:%02x:%02x:%02x:%02x:%02x (next hop %s)", v->name,
		 as, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		 nexthop_str(&b->out, ns, sizeof(ns)));
}

/*
 * Find the backend's next hop and ask for its MAC: 1 when it was known
 * already and is now the backend's (the VIP then needs a sync).
 */
static int be_resolve(struct lb *lb, struct lb_vip *v, struct lb_backend *b)
{
	char as[64], ns[96];
	uint8_t mac[6];
	int err;

	memset(&b->nexthop, 0, sizeof(b->nexthop));
	b->nexthop.addr = b->addr;
	if (!lb->resolve)
		return 0;
	err = lb->resolve(lb->resolve_ctx, &b->addr, &b->nexthop, mac);
	cfg_addr_str(&b->addr, as, sizeof(as));
	/* asked again every few seconds while unresolved: say it once */
	if (err < 0 && err != b->resolve_err)
		log_warnx("backend %s: no route to it that xlb can use: %s", as,
			  err == -EPFNOSUPPORT
				  ? "it leaves through an interface that is not Ethernet"
				  : strerror(-err));
	else if (err >= 0 && b->resolve_err)
		log_info("backend %s: route found", as);
	b->resolve_err = err < 0 ? err : 0;
	if (err < 0)
		return 0;
	if (b->nexthop.ifindex || memcmp(&b->nexthop.addr, &b->addr, sizeof(b->addr)))
		log_debug("backend %s: next hop %s", as, nexthop_str(&b->nexthop, ns, sizeof(ns)));
	if (err == 1 &&
	    (!b->mac_ok || memcmp(b->mac, mac, 6) || !egress_eq(&b->out, &b->nexthop))) {
		be_mac_found(lb, v, b, mac);
		return 1;
	}
	return 0;
}

static void be_set_mac(struct lb *lb, struct lb_vip *v, struct lb_backend *b, const uint8_t *mac)
{
	if (mac) {
		/* a configured MAC is on our own interface's segment */
		memcpy(b->mac, mac, 6);
		memset(&b->out, 0, sizeof(b->out));
		b->mac_static = 1;
		b->mac_ok = 1;
	} else {
		b->mac_static = 0;
		be_resolve(lb, v, b);
	}
}

static struct lb_vip *vip_new(struct lb *lb, const char *name, const struct xlb_addr *addr,
			      uint16_t port, enum cfg_proto proto)
{
	struct lb_vip *v = calloc(1, sizeof(*v)), **nv;
	const struct adopted_vip *a;
	struct xlb_vip_key k;

	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->addr = *addr;
	v->port = port;
	v->proto = proto;
	v->ring_size = XLB_RING_SIZE_DEFAULT;
	v->udp_timeout_s = XLB_UDP_TIMEOUT_DEFAULT;
	v->new_health = LB_HEALTH_UP;
	vip_key_of(v, &k);
	nv = realloc(lb->vips, (lb->nvips + 1) * sizeof(*nv));
	if (!nv || vip_id_alloc(lb, &k, &v->id, &a)) {
		if (nv)
			lb->vips = nv;
		free(v);
		return NULL;
	}
	if (a) {
		/* adopted: its entry is in the maps under this key already */
		v->ring_in_dp = a->ring_size;
		v->pinned_sig = a->ring_sig;
		v->key_written = k;
		v->key_is_written = 1;
		/*
		 * Young when the last xlbd died: carry its young time on, so
		 * that SYNs it had remembered are still believed and its base
		 * ring still serves the handshakes that began before.
		 */
		if (a->young && a->ystate.until_ns > mono_ns()) {
			v->young = 1;
			v->young_since = a->ystate.since_ns;
			v->young_until = a->ystate.until_ns;
			v->base_size = a->ystate.ring_size;
		}
	}
	lb->vips = nv;
	lb->vips[lb->nvips++] = v;
	return v;
}

static void vip_remove(struct lb *lb, unsigned i)
{
	struct lb_vip *v = lb->vips[i];

	if (v->key_is_written)
		dp_vip_del(lb->dp, &v->key_written);
	dp_ring_del(lb->dp, v->id);
	dp_ring_sig_set(lb->dp, v->id, 0);
	while (v->nbe)
		be_remove(lb, v, v->nbe - 1);
	lb->vip_used[v->id] = 0;
	vip_free(v);
	memmove(&lb->vips[i], &lb->vips[i + 1], (lb->nvips - i - 1) * sizeof(lb->vips[0]));
	lb->nvips--;
}

/* ---- the config ------------------------------------------------------------- */

static int vip_index(const struct lb *lb, const struct lb_vip *v)
{
	unsigned i;

	for (i = 0; i < lb->nvips; i++)
		if (lb->vips[i] == v)
			return (int)i;
	return -1;
}

static int be_index(const struct lb_vip *v, const struct lb_backend *b)
{
	unsigned i;

	for (i = 0; i < v->nbe; i++)
		if (v->be[i] == b)
			return (int)i;
	return -1;
}

/* Make v's backends what pv says. */
static int apply_backends(struct lb *lb, struct lb_vip *v, const struct plan_vip *pv)
{
	unsigned j;
	int i;

	for (j = 0; j < pv->nbe; j++) {
		const struct plan_backend *pb = &pv->be[j];
		struct lb_backend *b = pb->cur;

		if (pb->kind == PLAN_REMOVE) {
			if ((i = be_index(v, b)) >= 0)
				be_remove(lb, v, (unsigned)i);
			continue;
		}
		if (pb->kind == PLAN_ADD) {
			b = be_new(lb, v, &pb->addr);
			if (!b)
				return -ENOSPC;
			b->weight = pb->weight;
			b->admin = pb->admin;
			if (pb->starts_down && !b->adopted_up)
				b->health = LB_HEALTH_DOWN;
			be_set_mac(lb, v, b, pb->has_mac ? pb->mac : NULL);
			continue;
		}
		b->weight = pb->weight;
		b->admin = pb->admin;
		b->from_cli = 0;
		if (pb->fields & PLAN_BF_MAC)
			be_set_mac(lb, v, b, pb->has_mac ? pb->mac : NULL);
	}
	return 0;
}

int lb_apply_plan(struct lb *lb, const struct plan *p)
{
	unsigned k;
	int err = 0, e, i;

	for (k = 0; k < p->n; k++) {
		const struct plan_vip *pv = &p->vip[k];
		struct lb_vip *v = pv->cur;

		if (pv->kind == PLAN_REMOVE) {
			if ((i = vip_index(lb, v)) >= 0)
				vip_remove(lb, (unsigned)i);
			continue;
		}
		if (pv->kind == PLAN_ADD) {
			v = vip_new(lb, pv->name, &pv->addr, pv->port, pv->proto);
			if (!v)
				return -ENOSPC;
		}
		v->addr = pv->addr;
		v->port = pv->port;
		v->proto = pv->proto;
		v->sched = pv->sched;
		v->ring_size = pv->ring_size;
		v->udp_timeout_s = pv->udp_timeout_s;
		v->on_all_down = pv->on_all_down;
		v->fwd_mode = pv->fwd_mode;
		v->new_health = pv->new_health;
		v->from_cli = 0;
		v->announce_min_healthy = pv->announce_min_healthy;
		e = apply_backends(lb, v, pv);
		if (!e)
			e = lb_vip_sync(lb, v);
		if (e) {
			log_warnx("vip %s: data plane update failed: %s", v->name, strerror(-e));
			err = err ? err : e;
		}
	}
	if (!lb->batch)
		adopt_finish(lb);
	lb->default_fwd = p->default_fwd;
	hooks_run(lb, LB_EV_SET, NULL);
	return err;
}

int lb_plan(struct lb *lb, const struct cfg *cfg, struct plan *p)
{
	return plan_config(p, lb->vips, lb->nvips, cfg);
}

int lb_apply_config(struct lb *lb, const struct cfg *cfg, struct lb_changes *ch)
{
	struct plan p;
	int err;

	err = lb_plan(lb, cfg, &p);
	if (err)
		return err;
	if (ch)
		plan_lines(&p, ch);
	err = ch && ch->dry ? 0 : lb_apply_plan(lb, &p);
	plan_free(&p);
	return err;
}

unsigned lb_rings_kept(const struct lb *lb)
{
	return lb->rings_kept;
}

unsigned lb_quiet_macs(struct lb *lb, int quiet)
{
	unsigned n = lb->macs_found;

	lb->quiet_macs = quiet;
	lb->macs_found = 0;
	return n;
}

void lb_begin(struct lb *lb)
{
	lb->batch++;
}

int lb_commit(struct lb *lb)
{
	if (--lb->batch)
		return 0;
	/* what the pinned maps held and nothing claimed goes only now */
	adopt_finish(lb);
	return lb_flush(lb);
}

/* ---- runtime changes --------------------------------------------------------- */

#define ERR(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))
/* Done: what changed, in err for the reply and in the log. */
#define DONE(...)      (snprintf(err, errlen, __VA_ARGS__), log_info("%s (xlbctl)", err), 0)

int lb_vip_add(struct lb *lb, const char *name, const struct xlb_addr *addr, uint16_t port,
	       enum cfg_proto proto, int sched, int fwd, char *err, size_t errlen)
{
	struct lb_vip *v;
	char as[64];
	unsigned i;
	int e;

	if (lb_vip_find(lb, name))
		return ERR(-EEXIST, "vip %s exists already", name);
	for (i = 0; i < lb->nvips; i++) {
		v = lb->vips[i];
		if (!memcmp(&v->addr, addr, sizeof(*addr)) && v->port == port && v->proto == proto)
			return ERR(-EEXIST, "vip %s already serves that address, port and protocol",
				   v->name);
	}
	v = vip_new(lb, name, addr, port, proto);
	if (!v)
		return ERR(-ENOSPC, "vip %s: no free VIP slot (at most %d)", name, XLB_MAX_VIPS);
	v->sched = sched;
	v->fwd_mode = fwd < 0 ? lb->default_fwd : (uint8_t)fwd;
	v->from_cli = 1;
	e = lb_vip_sync(lb, v);
	if (e)
		return ERR(e, "vip %s: data plane update failed: %s", name, strerror(-e));
	cfg_addr_str(addr, as, sizeof(as));
	hooks_run(lb, LB_EV_SET, NULL);
	return DONE("vip %s added (%s port %u %s, %s, %s)", name, as, port,
		    names_str(&names_proto, (int)proto), names_str(&names_sched, sched),
		    names_str(&names_fwd, v->fwd_mode));
}

int lb_vip_del(struct lb *lb, const char *name, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < lb->nvips; i++)
		if (!strcmp(lb->vips[i]->name, name)) {
			vip_remove(lb, i);
			hooks_run(lb, LB_EV_SET, NULL);
			return DONE("vip %s removed", name);
		}
	return ERR(-ENOENT, "no vip %s", name);
}

int lb_backend_add(struct lb *lb, const char *vip, const struct xlb_addr *addr, uint32_t weight,
		   const uint8_t *mac, char *err, size_t errlen)
{
	struct lb_vip *v = lb_vip_find(lb, vip);
	struct lb_backend *b;
	char as[64];
	int e;

	cfg_addr_str(addr, as, sizeof(as));
	if (!v)
		return ERR(-ENOENT, "no vip %s", vip);
	if (addr->family != v->addr.family && v->fwd_mode == XLB_FWD_DSR)
		return ERR(-EINVAL, "backend %s is not of vip %s's address family", as, vip);
	if (lb_backend_find(v, addr))
		return ERR(-EEXIST, "backend %s exists already in vip %s", as, vip);
	if (weight > 65535)
		return ERR(-EINVAL, "backend %s: weight must be 0..65535", as);
	b = be_new(lb, v, addr);
	if (!b)
		return ERR(-ENOSPC, "vip %s: no free backend slot (at most %d)", vip,
			   XLB_MAX_BACKENDS);
	b->weight = weight;
	b->from_cli = 1;
	b->health = v->new_health;
	be_set_mac(lb, v, b, mac);
	e = lb_vip_sync(lb, v);
	hooks_run(lb, LB_EV_SET, NULL);
	if (e)
		return ERR(e, "vip %s: data plane update failed: %s", vip, strerror(-e));
	return DONE("vip %s: backend %s added (weight %u)", vip, as, weight);
}

/* The VIP named vip and the index of its backend at addr, or -ENOENT. */
static int vip_backend(struct lb *lb, const char *vip, const struct xlb_addr *addr,
		       struct lb_vip **vp, unsigned *ip, char *err, size_t errlen)
{
	struct lb_vip *v = lb_vip_find(lb, vip);
	char as[64];
	unsigned i;

	if (!v)
		return ERR(-ENOENT, "no vip %s", vip);
	for (i = 0; i < v->nbe; i++)
		if (!memcmp(&v->be[i]->addr, addr, sizeof(*addr))) {
			*vp = v;
			*ip = i;
			return 0;
		}
	cfg_addr_str(addr, as, sizeof(as));
	return ERR(-ENOENT, "no backend %s in vip %s", as, vip);
}

int lb_backend_del(struct lb *lb, const char *vip, const struct xlb_addr *addr, char *err,
		   size_t errlen)
{
	struct lb_vip *v;
	char as[64];
	unsigned i;
	int e;

	e = vip_backend(lb, vip, addr, &v, &i, err, errlen);
	if (e)
		return e;
	cfg_addr_str(addr, as, sizeof(as));
	/* out of the ring first, then the slot: no packet meets a vanished backend */
	v->be[i]->admin = CFG_STATE_DOWN;
	e = lb_vip_sync(lb, v);
	be_remove(lb, v, i);
	hooks_run(lb, LB_EV_SET, NULL);
	if (e)
		return ERR(e, "vip %s: data plane update failed: %s", vip, strerror(-e));
	return DONE("vip %s: backend %s removed", vip, as);
}

int lb_backend_set(struct lb *lb, const char *vip, const struct xlb_addr *addr, int64_t weight,
		   int state, char *err, size_t errlen)
{
	struct lb_backend *b;
	struct lb_vip *v;
	char as[64], what[192];
	unsigned i;
	int e, n;

	e = vip_backend(lb, vip, addr, &v, &i, err, errlen);
	if (e)
		return e;
	b = v->be[i];
	cfg_addr_str(addr, as, sizeof(as));
	if (weight > 65535)
		return ERR(-EINVAL, "backend %s: weight must be 0..65535", as);
	n = snprintf(what, sizeof(what), "vip %s: backend %s", vip, as);
	if (weight >= 0) {
		n += snprintf(what + n, sizeof(what) - (size_t)n, " weight %u -> %u", b->weight,
			      (uint32_t)weight);
		b->weight = (uint32_t)weight;
	}
	if (state >= 0) {
		snprintf(what + n, sizeof(what) - (size_t)n, "%s state %s -> %s",
			 weight >= 0 ? "," : "", names_str(&names_state, (int)b->admin),
			 names_str(&names_state, (int)state));
		b->admin = state;
	}
	b->from_cli = 1;
	e = lb_vip_sync(lb, v);
	if (e)
		return ERR(e, "vip %s: data plane update failed: %s", vip, strerror(-e));
	return DONE("%s", what);
}

void lb_backend_health_later(struct lb_vip *v, struct lb_backend *b, enum lb_health h,
			     uint32_t weight_pct)
{
	b->health = h;
	b->weight_pct = weight_pct > 100 ? 100 : weight_pct;
	v->dirty = 1;
}

int lb_backend_health(struct lb *lb, struct lb_vip *v, struct lb_backend *b, enum lb_health h,
		      uint32_t weight_pct)
{
	lb_backend_health_later(v, b, h, weight_pct);
	return lb_vip_sync(lb, v);
}

int lb_flush(struct lb *lb)
{
	unsigned i;
	int err = 0, e;

	for (i = 0; i < lb->nvips; i++) {
		if (!lb->vips[i]->dirty)
			continue;
		e = lb_vip_sync(lb, lb->vips[i]);
		if (e) {
			log_warnx("vip %s: data plane update failed: %s", lb->vips[i]->name,
				  strerror(-e));
			err = err ? err : e;
		}
	}
	return err;
}

void lb_mac_update(struct lb *lb, int ifindex, const struct xlb_addr *addr, const uint8_t *mac)
{
	char as[64], ns[96];
	unsigned i, j;

	for (i = 0; i < lb->nvips; i++) {
		struct lb_vip *v = lb->vips[i];
		int dirty = 0;

		for (j = 0; j < v->nbe; j++) {
			struct lb_backend *b = v->be[j];
			int changed = 0;

			if (b->mac_static || b->nexthop.ifindex != ifindex ||
			    memcmp(&b->nexthop.addr, addr, sizeof(*addr)))
				continue;
			cfg_addr_str(&b->addr, as, sizeof(as));
			if (mac) {
				/*
				 * The MAC and the interface it belongs to change
				 * together. An adopted backend knows its egress but
				 * not its next hop's address: that alone is no change.
				 */
				changed = !b->mac_ok || memcmp(b->mac, mac, 6) ||
					  !egress_eq(&b->out, &b->nexthop);
				if (changed)
					be_mac_found(lb, v, b, mac);
				else
					b->out = b->nexthop;
			} else if (b->mac_ok) {
				b->mac_ok = 0;
				changed = 1;
				log_warnx("vip %s: backend %s has no MAC: no traffic until it "
					  "resolves",
					  v->name, as);
			} else if (!b->resolve_failed) {
				/* never resolved: say so once, not at every retry */
				b->resolve_failed = 1;
				log_warnx("vip %s: backend %s: next hop %s does not answer ARP/ND: "
					  "no traffic to it until it does",
					  v->name, as, nexthop_str(&b->nexthop, ns, sizeof(ns)));
			}
			if (changed)
				dirty = 1;
		}
		if (dirty)
			lb_vip_sync(lb, v);
	}
}

int lb_is_nexthop(struct lb *lb, int ifindex, const struct xlb_addr *addr)
{
	unsigned i, j;

	for (i = 0; i < lb->nvips; i++)
		for (j = 0; j < lb->vips[i]->nbe; j++) {
			const struct lb_backend *b = lb->vips[i]->be[j];

			if (!b->mac_static && b->nexthop.ifindex == ifindex &&
			    !memcmp(&b->nexthop.addr, addr, sizeof(*addr)))
				return 1;
		}
	return 0;
}

void lb_resolve_pending(struct lb *lb)
{
	unsigned i, j;

	if (!lb->resolve)
		return;
	for (i = 0; i < lb->nvips; i++) {
		struct lb_vip *v = lb->vips[i];
		int dirty = 0;

		for (j = 0; j < v->nbe; j++) {
			struct lb_backend *b = v->be[j];

			if (!b->mac_static && !b->mac_ok)
				dirty |= be_resolve(lb, v, b);
		}
		if (dirty)
			lb_vip_sync(lb, v);
	}
}

unsigned lb_resolving_count(const struct lb *lb)
{
	unsigned i, j, n = 0;

	for (i = 0; i < lb->nvips; i++)
		for (j = 0; j < lb->vips[i]->nbe; j++) {
			const struct lb_backend *b = lb->vips[i]->be[j];

			n += !b->mac_static && !b->mac_ok && !b->resolve_failed && !b->resolve_err;
		}
	return n;
}

void lb_routes_changed(struct lb *lb)
{
	struct lb_nexthop nh;
	char as[64], ns[96], ifname[IF_NAMESIZE];
	uint8_t mac[6];
	unsigned i, j;
	int r;

	if (!lb->resolve)
		return;
	for (i = 0; i < lb->nvips; i++) {
		struct lb_vip *v = lb->vips[i];
		int dirty = 0;

		for (j = 0; j < v->nbe; j++) {
			struct lb_backend *b = v->be[j];

			if (b->mac_static)
				continue;
			memset(&nh, 0, sizeof(nh));
			cfg_addr_str(&b->addr, as, sizeof(as));
			r = lb->resolve(lb->resolve_ctx, &b->addr, &nh, mac);
			if (r < 0) {
				/*
				 * No route now: the old next hop serves until one
				 * returns, unless its interface is gone, where
				 * frames would vanish without a trace.
				 */
				if (b->mac_ok && b->out.ifindex &&
				    !if_indextoname((unsigned)b->out.ifindex, ifname)) {
					log_warnx("vip %s: backend %s: its interface is gone: no "
						  "traffic until a route to it returns",
						  v->name, as);
					b->mac_ok = 0;
					dirty = 1;
				}
				continue;
			}
			if (nexthop_eq(&nh, &b->nexthop))
				continue;
			log_info("vip %s: backend %s: next hop now %s", v->name, as,
				 nexthop_str(&nh, ns, sizeof(ns)));
			/* the old MAC serves until the new next hop's arrives */
			b->nexthop = nh;
			if (r == 1) {
				be_mac_found(lb, v, b, mac);
				dirty = 1;
			}
		}
		if (dirty)
			lb_vip_sync(lb, v);
	}
}

/* FNV-1a, 64 bits: stable across hosts, builds and runs */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

struct lb_vip *lb_vip_by_id(struct lb *lb, uint32_t id)
{
	unsigned i;

	for (i = 0; i < lb->nvips; i++)
		if (lb->vips[i]->id == id)
			return lb->vips[i];
	return NULL;
}

struct lb_backend *lb_backend_by_id(struct lb_vip *v, uint32_t id)
{
	unsigned i;

	for (i = 0; v && i < v->nbe; i++)
		if (v->be[i]->id == id)
			return v->be[i];
	return NULL;
}

int lb_ring_fingerprint(struct lb *lb, struct lb_vip *v, uint64_t *fp)
{
	static uint32_t ring[XLB_RING_SIZE_MAX + XLB_RING_PER_ELEM];
	static const struct lb_backend *by_id[XLB_MAX_BACKENDS];
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t n, i, j, size = v->ring_in_dp;
	int err;

	if (!size)
		return -ENOENT;
	/* read back once per ring installed, not on every vip list or scrape */
	if (v->fp_sig && v->fp_sig == v->ring_sig) {
		*fp = v->fp;
		return 0;
	}
	err = dp_ring_read(lb->dp, v->id, 0, ring, sizeof(ring) / sizeof(ring[0]), &n);
	if (err)
		return err;
	if (n < size)
		return -EIO;
	memset(by_id, 0, sizeof(by_id));
	for (j = 0; j < v->nbe; j++)
		if (v->be[j]->id < XLB_MAX_BACKENDS)
			by_id[v->be[j]->id] = v->be[j];
	h = fnv1a(h, &size, sizeof(size));
	/* each slot by the address it names: ids differ from host to host */
	for (i = 0; i < size; i++) {
		static const uint8_t none[17] = { 0xff };
		const struct lb_backend *b = ring[i] < XLB_MAX_BACKENDS ? by_id[ring[i]] : NULL;

		if (b) {
			h = fnv1a(h, &b->addr.family, 1);
			h = fnv1a(h, b->addr.a, sizeof(b->addr.a));
		} else {
			h = fnv1a(h, none, sizeof(none));
		}
	}
	*fp = v->fp = h;
	v->fp_sig = v->ring_sig;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Plans: the difference between the running VIPs and a configuration (or
 * one xlbctl change), as data. Nothing here touches a map or the network:
 * the running state is read, never written, so every kind of change can be
 * planned, and tested, with VIPs built in memory.
 *
 * A plan's order is the order it is applied in, as a reload always did: the
 * VIPs the file no longer has are removed first; then, in the file's order,
 * each VIP is added or updated, its removed backends first, then the file's
 * backends in the file's order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "names.h"
#include "plan.h"

/* ---- the rules ----------------------------------------------------------- */

/*
 * What the data plane may do with a backend. Health counts unless every
 * backend of the VIP is unhealthy and the VIP says keep: then the configured
 * set serves anyway (a check that fails everywhere is more likely wrong than
 * every server at once).
 */
uint8_t plan_be_dp_state(const struct lb_vip *v, const struct lb_backend *b)
{
	int health_counts = !(v->all_down && v->on_all_down == CFG_ALL_DOWN_KEEP);

	if (b->admin == CFG_STATE_DOWN || !b->mac_ok ||
	    (health_counts && b->health == LB_HEALTH_DOWN))
		return XLB_BE_DOWN;
	return b->admin == CFG_STATE_DRAIN ? XLB_BE_DRAIN : XLB_BE_UP;
}

uint32_t plan_be_eff_weight(const struct lb_vip *v, const struct lb_backend *b)
{
	uint64_t w;

	if (plan_be_dp_state(v, b) != XLB_BE_UP)
		return 0;
	w = (uint64_t)b->weight * b->weight_pct / 100;
	return w || !b->weight ? (uint32_t)w : 1; /* slow start never rounds to 0 */
}

int plan_vip_all_down(const struct lb_vip *v)
{
	unsigned i, candidates = 0;

	for (i = 0; i < v->nbe; i++) {
		const struct lb_backend *b = v->be[i];

		if (b->admin != CFG_STATE_UP || !b->mac_ok)
			continue;
		candidates++;
		if (b->health != LB_HEALTH_DOWN)
			return 0;
	}
	return candidates > 0;
}

int plan_ring_build(const struct lb_vip *v, uint32_t *ring)
{
	struct maglev_backend *mb = calloc(v->nbe ? v->nbe : 1, sizeof(*mb));
	unsigned i, n = 0;
	int err;

	if (!mb)
		return -ENOMEM;
	for (i = 0; i < v->nbe; i++) {
		if (!v->be[i]->eff_weight)
			continue;
		mb[n].key = &v->be[i]->addr;
		mb[n].key_len = sizeof(v->be[i]->addr);
		mb[n].weight = v->be[i]->eff_weight;
		mb[n].id = i;
		n++;
	}
	if (n) {
		err = maglev_build(mb, n, v->ring_size, ring, UINT32_MAX);
	} else {
		for (i = 0; i < v->ring_size; i++)
			ring[i] = UINT32_MAX;
		err = 0;
	}
	free(mb);
	return err;
}

/* ---- building a plan ------------------------------------------------------ */

static struct plan_vip *vip_add(struct plan *p)
{
	struct plan_vip *n = realloc(p->vip, (p->n + 1) * sizeof(*n));

	if (!n)
		return NULL;
	p->vip = n;
	memset(&n[p->n], 0, sizeof(n[0]));
	return &n[p->n++];
}

static struct plan_backend *be_add(struct plan_vip *pv)
{
	struct plan_backend *n = realloc(pv->be, (pv->nbe + 1) * sizeof(*n));

	if (!n)
		return NULL;
	pv->be = n;
	memset(&n[pv->nbe], 0, sizeof(n[0]));
	return &n[pv->nbe++];
}

/* What the VIP is now, as the starting point of a change. */
static void vip_from_running(struct plan_vip *pv, struct lb_vip *v)
{
	snprintf(pv->name, sizeof(pv->name), "%s", v->name);
	pv->cur = v;
	pv->addr = v->addr;
	pv->port = v->port;
	pv->proto = v->proto;
	pv->sched = v->sched;
	pv->ring_size = v->ring_size;
	pv->fwd_mode = v->fwd_mode;
	pv->udp_timeout_s = v->udp_timeout_s;
	pv->on_all_down = v->on_all_down;
	pv->new_health = v->new_health;
	pv->announce_min_healthy = v->announce_min_healthy;
}

static struct lb_backend *find_be(struct lb_vip *v, const struct xlb_addr *a)
{
	unsigned i;

	for (i = 0; v && i < v->nbe; i++)
		if (!memcmp(&v->be[i]->addr, a, sizeof(*a)))
			return v->be[i];
	return NULL;
}

/* The backends of cv against v's (NULL: a VIP added). */
static int plan_backends(struct plan_vip *pv, struct lb_vip *v, const struct cfg_vip *cv)
{
	struct plan_backend *pb;
	struct cfg_check k;
	unsigned i, j;

	for (i = v ? v->nbe : 0; i-- > 0;) {
		for (j = 0; j < cv->backends_count; j++)
			if (!memcmp(&cv->backends[j].addr, &v->be[i]->addr, sizeof(v->be[i]->addr)))
				break;
		if (j < cv->backends_count)
			continue;
		if (!(pb = be_add(pv)))
			return -ENOMEM;
		pb->kind = PLAN_REMOVE;
		pb->cur = v->be[i];
		pb->addr = v->be[i]->addr;
	}
	for (j = 0; j < cv->backends_count; j++) {
		const struct cfg_backend *c = &cv->backends[j];
		struct lb_backend *b = find_be(v, &c->addr);
		unsigned f = 0;

		if (b) {
			f |= b->weight != c->weight ? PLAN_BF_WEIGHT : 0;
			f |= b->admin != c->state ? PLAN_BF_STATE : 0;
			f |= b->from_cli ? PLAN_BF_CLI : 0;
			if ((c->has_mac && (!b->mac_static || memcmp(b->mac, c->mac_bytes, 6))) ||
			    (!c->has_mac && b->mac_static))
				f |= PLAN_BF_MAC;
			if (!f)
				continue;
		}
		if (!(pb = be_add(pv)))
			return -ENOMEM;
		pb->kind = b ? PLAN_CHANGE : PLAN_ADD;
		pb->cur = b;
		pb->fields = f;
		pb->addr = c->addr;
		pb->weight = c->weight;
		pb->admin = c->state;
		pb->has_mac = c->has_mac ? 1 : 0;
		if (c->has_mac)
			memcpy(pb->mac, c->mac_bytes, 6);
		/* checked backends start down (initial_state), unless adopted up (lb.c) */
		pb->starts_down = !cfg_backend_check(cv, c, &k) &&
				  k.initial_state != CFG_INITIAL_UP;
	}
	return 0;
}

int plan_config(struct plan *p, struct lb_vip *const *vips, unsigned n, const struct cfg *cfg)
{
	struct plan_vip *pv;
	unsigned i, j;
	int err;

	memset(p, 0, sizeof(*p));
	p->default_fwd = lb_fwd_mode(cfg->forwarding ? (int)cfg->forwarding : CFG_FWD_DSR);
	/* VIPs that are gone */
	for (i = n; i-- > 0;) {
		for (j = 0; j < cfg->vips_count; j++)
			if (!strcmp(cfg->vips[j].name, vips[i]->name))
				break;
		if (j < cfg->vips_count)
			continue;
		if (!(pv = vip_add(p)))
			goto nomem;
		vip_from_running(pv, vips[i]);
		pv->kind = PLAN_REMOVE;
		pv->undoes_cli = vips[i]->from_cli;
	}
	for (j = 0; j < cfg->vips_count; j++) {
		const struct cfg_vip *cv = &cfg->vips[j];
		struct lb_vip *v = NULL;
		unsigned f = 0;

		for (i = 0; i < n && !v; i++)
			if (!strcmp(vips[i]->name, cv->name))
				v = vips[i];
		if (!(pv = vip_add(p)))
			goto nomem;
		pv->want = cv;
		if (v) {
			vip_from_running(pv, v);
			pv->undoes_cli = v->from_cli;
		} else {
			snprintf(pv->name, sizeof(pv->name), "%s", cv->name);
		}
		pv->addr = cv->addr;
		pv->port = (uint16_t)cv->port;
		pv->proto = cv->protocol;
		pv->sched = cv->scheduler;
		pv->ring_size = cv->ring_size;
		pv->fwd_mode = lb_fwd_mode(cfg_vip_fwd(cfg, cv));
		pv->udp_timeout_s = cv->udp_timeout_s;
		pv->on_all_down = cv->on_all_down;
		pv->new_health = cv->check && cv->check->initial_state != CFG_INITIAL_UP
					 ? LB_HEALTH_DOWN
					 : LB_HEALTH_UP;
		pv->announce_min_healthy = cv->announce_min_healthy;
		err = plan_backends(pv, v, cv);
		if (err)
			goto fail;
		if (!v) {
			pv->kind = PLAN_ADD;
			continue;
		}
		if (memcmp(&v->addr, &pv->addr, sizeof(v->addr)) || v->port != pv->port ||
		    v->proto != pv->proto)
			f |= PLAN_F_KEY;
		f |= v->sched != pv->sched ? PLAN_F_SCHED : 0;
		f |= v->ring_size != pv->ring_size ? PLAN_F_RING_SIZE : 0;
		f |= v->fwd_mode != pv->fwd_mode ? PLAN_F_FWD : 0;
		f |= v->udp_timeout_s != pv->udp_timeout_s ? PLAN_F_UDP_TIMEOUT : 0;
		f |= v->on_all_down != pv->on_all_down ? PLAN_F_ALL_DOWN : 0;
		f |= pv->nbe ? PLAN_F_BACKENDS : 0;
		if (v->from_cli || v->new_health != pv->new_health ||
		    v->announce_min_healthy != pv->announce_min_healthy)
			f |= PLAN_F_QUIET;
		pv->fields = f;
		pv->kind = f ? PLAN_CHANGE : PLAN_KEEP;
	}
	return 0;
nomem:
	err = -ENOMEM;
fail:
	plan_free(p);
	return err;
}

static struct plan_vip *plan_one(struct plan *p, struct lb_vip *v)
{
	struct plan_vip *pv;

	memset(p, 0, sizeof(*p));
	if (!(pv = vip_add(p)))
		return NULL;
	vip_from_running(pv, v);
	pv->kind = PLAN_CHANGE;
	pv->fields = PLAN_F_BACKENDS;
	return pv;
}

int plan_backend_del(struct plan *p, struct lb_vip *v, struct lb_backend *b)
{
	struct plan_vip *pv = plan_one(p, v);
	struct plan_backend *pb = pv ? be_add(pv) : NULL;

	if (!pb) {
		plan_free(p);
		return -ENOMEM;
	}
	pb->kind = PLAN_REMOVE;
	pb->cur = b;
	pb->addr = b->addr;
	return 0;
}

int plan_backend_set(struct plan *p, struct lb_vip *v, struct lb_backend *b, int64_t weight,
		     int state)
{
	struct plan_vip *pv = plan_one(p, v);
	struct plan_backend *pb = pv ? be_add(pv) : NULL;

	if (!pb) {
		plan_free(p);
		return -ENOMEM;
	}
	pb->kind = PLAN_CHANGE;
	pb->cur = b;
	pb->addr = b->addr;
	pb->weight = weight >= 0 ? (uint32_t)weight : b->weight;
	pb->admin = state >= 0 ? (enum cfg_state)state : b->admin;
	pb->fields = (pb->weight != b->weight ? PLAN_BF_WEIGHT : 0) |
		     (pb->admin != b->admin ? PLAN_BF_STATE : 0);
	pb->has_mac = b->mac_static;
	memcpy(pb->mac, b->mac, 6);
	return 0;
}

void plan_free(struct plan *p)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		free(p->vip[i].be);
	free(p->vip);
	memset(p, 0, sizeof(*p));
}

const struct plan_vip *plan_find(const struct plan *p, const struct lb_vip *v)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		if (p->vip[i].cur == v)
			return &p->vip[i];
	return NULL;
}

int plan_empty(const struct plan *p)
{
	unsigned i;

	for (i = 0; i < p->n; i++)
		if (p->vip[i].kind != PLAN_KEEP)
			return 0;
	return 1;
}

/* ---- what the rings become -------------------------------------------------- */

/*
 * The VIP as it will be: its backends copied, the plan's changes made, the
 * added ones appended (as lb.c appends them). up_new: the added backends
 * as they will be once up (the ring they will have); else as they start
 * (not serving yet). bes: room for the copies, pp: for the pointers.
 */
static void vip_after(const struct plan_vip *pv, int up_new, struct lb_vip *out,
		      struct lb_backend *bes, struct lb_backend **pp)
{
	const struct lb_vip *v = pv->cur;
	unsigned i, j, n = 0;

	memset(out, 0, sizeof(*out));
	out->ring_size = pv->ring_size;
	out->on_all_down = pv->on_all_down;
	for (i = 0; v && i < v->nbe; i++) {
		const struct plan_backend *pb = NULL;

		for (j = 0; j < pv->nbe; j++)
			if (pv->be[j].cur == v->be[i])
				pb = &pv->be[j];
		if (pb && pb->kind == PLAN_REMOVE)
			continue;
		bes[n] = *v->be[i];
		if (pb) {
			bes[n].weight = pb->weight;
			bes[n].admin = pb->admin;
			if (pb->has_mac)
				bes[n].mac_ok = 1;
		}
		pp[n] = &bes[n];
		n++;
	}
	for (j = 0; j < pv->nbe; j++) {
		const struct plan_backend *pb = &pv->be[j];

		if (pb->kind != PLAN_ADD)
			continue;
		memset(&bes[n], 0, sizeof(bes[n]));
		bes[n].addr = pb->addr;
		bes[n].weight = pb->weight;
		bes[n].admin = pb->admin;
		bes[n].weight_pct = 100;
		bes[n].health = up_new ? LB_HEALTH_UP : LB_HEALTH_DOWN;
		bes[n].mac_ok = up_new || pb->has_mac;
		pp[n] = &bes[n];
		n++;
	}
	out->be = pp;
	out->nbe = n;
	out->all_down = (uint8_t)plan_vip_all_down(out);
	for (i = 0; i < n; i++)
		pp[i]->eff_weight = plan_be_eff_weight(out, pp[i]);
}

/* Do two VIPs' rings come from the same backends and weights (ring_sig's inputs)? */
static int same_ring_inputs(const struct lb_vip *a, const struct lb_vip *b)
{
	unsigned i = 0, j = 0;

	if (a->ring_size != b->ring_size)
		return 0;
	for (;;) {
		while (i < a->nbe && !a->be[i]->eff_weight)
			i++;
		while (j < b->nbe && !b->be[j]->eff_weight)
			j++;
		if (i == a->nbe || j == b->nbe)
			return i == a->nbe && j == b->nbe;
		if (memcmp(&a->be[i]->addr, &b->be[j]->addr, sizeof(a->be[i]->addr)) ||
		    a->be[i]->eff_weight != b->be[j]->eff_weight)
			return 0;
		i++;
		j++;
	}
}

static int vip_rings(struct plan_vip *pv)
{
	const struct lb_vip *v = pv->cur;
	unsigned cap = (v ? v->nbe : 0) + pv->nbe + 1, i;
	struct lb_backend *bes = calloc(cap, sizeof(*bes));
	struct lb_backend **pp = calloc(cap, sizeof(*pp));
	uint32_t *was = NULL, *will = NULL, n_was, n_will;
	struct lb_vip after;
	int err = -ENOMEM, had = v && v->ring_sig;

	if (!bes || !pp)
		goto out;
	/* right after: who serves (the added backends not yet) */
	if (pv->kind != PLAN_REMOVE) {
		vip_after(pv, 0, &after, bes, pp);
		for (i = 0; i < after.nbe; i++)
			pv->serving_after += after.be[i]->eff_weight > 0 &&
					     after.be[i]->health != LB_HEALTH_DOWN;
		/* and the ring once the added ones are up */
		vip_after(pv, 1, &after, bes, pp);
	}
	n_was = had ? v->ring_size : 0;
	n_will = pv->kind == PLAN_REMOVE ? 0 : after.ring_size;
	pv->slots = n_was > n_will ? n_was : n_will;
	if (pv->kind != PLAN_REMOVE && had && same_ring_inputs(v, &after)) {
		err = 0; /* the same ring */
		goto out;
	}
	pv->ring_rebuilt = pv->kind != PLAN_REMOVE;
	was = n_was ? malloc(n_was * sizeof(*was)) : NULL;
	will = n_will ? malloc(n_will * sizeof(*will)) : NULL;
	if ((n_was && !was) || (n_will && !will))
		goto out;
	if ((n_was && (err = plan_ring_build(v, was))) ||
	    (n_will && (err = plan_ring_build(&after, will))))
		goto out;
	pv->slots_moved = 0;
	for (i = 0; i < pv->slots; i++) {
		const struct lb_backend *a = i < n_was && was[i] != UINT32_MAX ? v->be[was[i]]
									       : NULL;
		const struct lb_backend *b = i < n_will && will[i] != UINT32_MAX ? after.be[will[i]]
										 : NULL;

		if (!a != !b || (a && memcmp(&a->addr, &b->addr, sizeof(a->addr))))
			pv->slots_moved++;
	}
	err = 0;
out:
	free(was);
	free(will);
	free(bes);
	free(pp);
	return err;
}

int plan_rings(struct plan *p)
{
	unsigned i;
	int err;

	for (i = 0; i < p->n; i++)
		if ((err = vip_rings(&p->vip[i])))
			return err;
	return 0;
}

/* ---- the lines ---------------------------------------------------------------- */

static void strv_add(char ***v, unsigned *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return;
	*v = nv;
	nv[*n] = strdup(s);
	if (nv[*n])
		(*n)++;
}

static void __attribute__((format(printf, 3, 4)))
change(struct lb_changes *ch, int undoes_cli, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strv_add(&ch->lines, &ch->n, buf);
	if (undoes_cli)
		strv_add(&ch->undone, &ch->nundone, buf);
}

void lb_changes_free(struct lb_changes *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->lines[i]);
	for (i = 0; i < c->nundone; i++)
		free(c->undone[i]);
	free(c->lines);
	free(c->undone);
	memset(c, 0, sizeof(*c));
}

static void backend_lines(const struct plan_vip *pv, struct lb_changes *ch)
{
	char as[64];
	unsigned j;

	for (j = 0; j < pv->nbe; j++) {
		const struct plan_backend *pb = &pv->be[j];
		const struct lb_backend *b = pb->cur;
		int cli = b && b->from_cli;

		cfg_addr_str(&pb->addr, as, sizeof(as));
		if (pb->kind == PLAN_REMOVE) {
			change(ch, cli, "vip %s: backend %s removed%s", pv->name, as,
			       cli ? " (added with xlbctl)" : "");
		} else if (pb->kind == PLAN_ADD) {
			change(ch, 0, "vip %s: backend %s added (weight %u, %s)", pv->name, as,
			       pb->weight, names_str(&names_state, (int)pb->admin));
		} else {
			if (pb->fields & PLAN_BF_WEIGHT)
				change(ch, cli, "vip %s: backend %s weight %u -> %u", pv->name, as,
				       b->weight, pb->weight);
			if (pb->fields & PLAN_BF_STATE)
				change(ch, cli, "vip %s: backend %s state %s -> %s", pv->name, as,
				       names_str(&names_state, (int)b->admin),
				       names_str(&names_state, (int)pb->admin));
		}
	}
}

void plan_lines(const struct plan *p, struct lb_changes *ch)
{
	char as[64];
	unsigned i;

	for (i = 0; i < p->n; i++) {
		const struct plan_vip *pv = &p->vip[i];
		const struct lb_vip *v = pv->cur;
		int cli = pv->undoes_cli;

		if (pv->kind == PLAN_REMOVE) {
			change(ch, cli, "vip %s removed%s", pv->name,
			       cli ? " (added with xlbctl)" : "");
			continue;
		}
		cfg_addr_str(&pv->addr, as, sizeof(as));
		if (pv->kind == PLAN_ADD) {
			change(ch, 0, "vip %s added (%s port %u %s)", pv->name, as, pv->port,
			       names_str(&names_proto, (int)pv->proto));
			backend_lines(pv, ch);
			continue;
		}
		if (pv->fields & PLAN_F_KEY)
			change(ch, cli, "vip %s: now %s port %u %s", pv->name, as, pv->port,
			       names_str(&names_proto, (int)pv->proto));
		/* (a VIP never synced has no settings in force to change) */
		if ((pv->fields & PLAN_F_SCHED) && v->ring_sig)
			change(ch, cli, "vip %s: scheduler %s -> %s", pv->name,
			       names_str(&names_sched, v->sched),
			       names_str(&names_sched, pv->sched));
		if ((pv->fields & PLAN_F_RING_SIZE) && v->ring_sig)
			change(ch, cli, "vip %s: ring_size %u -> %u", pv->name, v->ring_size,
			       pv->ring_size);
		if ((pv->fields & PLAN_F_FWD) && v->ring_sig)
			change(ch, cli, "vip %s: forwarding %s -> %s", pv->name,
			       names_str(&names_fwd, v->fwd_mode),
			       names_str(&names_fwd, pv->fwd_mode));
		if ((pv->fields & PLAN_F_UDP_TIMEOUT) && v->ring_sig && pv->proto == CFG_PROTO_UDP)
			change(ch, cli, "vip %s: udp_idle_timeout %us -> %us", pv->name,
			       v->udp_timeout_s, pv->udp_timeout_s);
		if ((pv->fields & PLAN_F_ALL_DOWN) && v->ring_sig)
			change(ch, cli, "vip %s: on_all_down %s -> %s", pv->name,
			       names_str(&names_all_down, (int)v->on_all_down),
			       names_str(&names_all_down, (int)pv->on_all_down));
		backend_lines(pv, ch);
	}
}

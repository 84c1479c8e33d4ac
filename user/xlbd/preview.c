// SPDX-License-Identifier: GPL-2.0
/*
 * --dry-run's disruption preview. A flow is cut when the backend it is
 * pinned to goes (removed, or set down: the program moves flows off a down
 * backend) or when its VIP goes or moves to another address, port or
 * protocol; a drained backend keeps its flows, and a weight change only
 * moves new connections (the ring), not those the flow table holds. The
 * flows are counted in one walk of the table, as xlbctl flows counts them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "flows.h"
#include "lb.h"
#include "names.h"
#include "preview.h"

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

/* Why a backend's flows are cut by pv, or NULL. */
static const char *cut_why(const struct plan_vip *pv, const struct lb_backend *b,
			   const struct plan_backend **pbp)
{
	unsigned j;

	*pbp = NULL;
	if (pv->kind == PLAN_REMOVE)
		return "vip removed";
	if (pv->fields & PLAN_F_KEY)
		return "vip moved to another address, port or protocol";
	for (j = 0; j < pv->nbe; j++) {
		const struct plan_backend *pb = &pv->be[j];

		if (pb->cur != b)
			continue;
		*pbp = pb;
		if (pb->kind == PLAN_REMOVE)
			return "removed";
		if (pb->admin == CFG_STATE_DOWN && b->admin != CFG_STATE_DOWN)
			return "set down";
	}
	return NULL;
}

/* cfg_diff's check keys, by VIP: one walk of the two files for the whole preview. */
static void on_diff(void *ctx, const struct cfg_diff_item *it)
{
	json_object *by_vip = ctx, *list;
	char buf[640];

	if (!it->vip || strncmp(it->key, "check", 5))
		return;
	if (!json_object_object_get_ex(by_vip, it->vip, &list)) {
		list = json_object_new_array();
		json_object_object_add(by_vip, it->vip, list);
	}
	if (it->backend)
		snprintf(buf, sizeof(buf), "backend %s %s %s -> %s", it->backend, it->key, it->old,
			 it->new);
	else
		snprintf(buf, sizeof(buf), "%s %s -> %s", it->key, it->old, it->new);
	json_object_array_add(list, jstr(buf));
}

static const struct cfg_vip *cfg_vip_named(const struct cfg *cfg, const char *name)
{
	unsigned i;

	for (i = 0; cfg && i < cfg->vips_count; i++)
		if (!strcmp(cfg->vips[i].name, name))
			return &cfg->vips[i];
	return NULL;
}

/* The checks of a reload that change for pv's VIP (diffs: on_diff's, by VIP). */
static json_object *checks_json(const struct preview_src *s, const struct plan_vip *pv,
				json_object *diffs)
{
	const struct cfg_vip *was = cfg_vip_named(s->old, pv->name),
			     *will = cfg_vip_named(s->new, pv->name);
	json_object *list = json_object_new_array(), *d;
	size_t i;

	if (was && was->check && !will)
		json_object_array_add(list, jstr("its checks stop (vip removed)"));
	else if (will && will->check && !was)
		json_object_array_add(list, jstr("its checks start (vip added)"));
	else if (was && will && json_object_object_get_ex(diffs, pv->name, &d))
		for (i = 0; i < json_object_array_length(d); i++)
			json_object_array_add(list,
					      json_object_get(json_object_array_get_idx(d, i)));
	return list;
}

static const char *kind_str(enum plan_kind k)
{
	return k == PLAN_ADD	  ? "added"
	       : k == PLAN_REMOVE ? "removed"
	       : k == PLAN_CHANGE ? "changed"
				  : "kept";
}

json_object *preview_json(const struct preview_src *s, const struct plan *p, int *cuts)
{
	json_object *r = json_object_new_object(), *vips = json_object_new_array(),
		    *withdrawn = json_object_new_array();
	uint64_t *flows = calloc(XLB_MAX_BACKENDS, sizeof(*flows)), total = 0;
	int counted = flows && s->dp && !flows_count(s->dp, flows);
	json_object *diffs = json_object_new_object();
	char as[64], pct[32];
	unsigned i, j;

	if (s->old && s->new)
		cfg_diff(s->old, s->new, on_diff, diffs);
	for (i = 0; i < p->n; i++) {
		const struct plan_vip *pv = &p->vip[i];
		json_object *o, *cut = json_object_new_array(), *checks = checks_json(s, pv, diffs);
		uint64_t vcut = 0;

		for (j = 0; pv->cur && j < pv->cur->nbe; j++) {
			const struct lb_backend *b = pv->cur->be[j];
			const struct plan_backend *pb;
			const char *why = cut_why(pv, b, &pb);
			uint64_t n = counted && b->id < XLB_MAX_BACKENDS ? flows[b->id] : 0;
			json_object *bo;

			if (!why)
				continue;
			bo = json_object_new_object();
			cfg_addr_str(&b->addr, as, sizeof(as));
			json_object_object_add(bo, "backend", jstr(as));
			json_object_object_add(bo, "why", jstr(why));
			json_object_object_add(bo, "flows", json_object_new_int64((int64_t)n));
			json_object_array_add(cut, bo);
			vcut += n;
		}
		if (pv->kind == PLAN_KEEP && !json_object_array_length(checks)) {
			json_object_put(cut);
			json_object_put(checks);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "vip", jstr(pv->name));
		json_object_object_add(o, "change", jstr(kind_str(pv->kind)));
		json_object_object_add(o, "ring_rebuilt",
				       json_object_new_boolean(pv->ring_rebuilt));
		json_object_object_add(o, "ring_slots", json_object_new_int64(pv->slots));
		json_object_object_add(o, "slots_moved", json_object_new_int64(pv->slots_moved));
		snprintf(pct, sizeof(pct), "%.1f",
			 pv->slots ? 100.0 * pv->slots_moved / pv->slots : 0.0);
		json_object_object_add(o, "slots_moved_pct",
				       json_object_new_double_s(strtod(pct, NULL), pct));
		json_object_object_add(o, "flows_cut", json_object_new_int64((int64_t)vcut));
		json_object_object_add(o, "backends_cut", cut);
		json_object_object_add(o, "healthy_after",
				       json_object_new_int64(pv->serving_after));
		json_object_object_add(o, "checks", checks);
		json_object_array_add(vips, o);
		total += vcut;
	}
	if (s->ann)
		announce_preview(s->ann, p, s->ann_after, withdrawn);
	json_object_object_add(r, "vips", vips);
	json_object_object_add(r, "flows_cut", json_object_new_int64((int64_t)total));
	json_object_object_add(r, "flows_counted", json_object_new_boolean(counted));
	json_object_object_add(r, "routes_withdrawn", withdrawn);
	*cuts = total > 0 || json_object_array_length(withdrawn) > 0;
	json_object_object_add(r, "cuts", json_object_new_boolean(*cuts));
	json_object_put(diffs);
	free(flows);
	return r;
}

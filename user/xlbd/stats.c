// SPDX-License-Identifier: GPL-2.0
/*
 * Counters over time (see stats.h). Samples are kept by data plane id, with
 * the name of what held the id, so an id given to another VIP or backend
 * starts afresh instead of inheriting a rate or a baseline.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

struct sample {
	char who[96];	  /* the VIP's name, or "vip/address" for a backend */
	uint64_t prev[3]; /* the sample before the last */
	uint64_t cur[3];  /* the last sample */
	uint64_t base[3]; /* at the last zeroing */
	time_t zeroed_at; /* 0: never zeroed */
	int samples;	  /* taken since the id got its holder: rates need 2 */
};

struct stats {
	struct dp *dp;
	struct lb *lb;
	struct sample vip[XLB_MAX_VIPS];
	struct sample be[XLB_MAX_BACKENDS];
	double t_prev, t_cur; /* CLOCK_MONOTONIC seconds of the last two samples */
	time_t all_zeroed_at;
};

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct stats *stats_new(struct dp *dp, struct lb *lb)
{
	struct stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->dp = dp;
	s->lb = lb;
	return s;
}

void stats_free(struct stats *s)
{
	free(s);
}

static void be_who(const struct lb_vip *v, const struct lb_backend *b, char *buf, size_t len)
{
	char a[64];

	cfg_addr_str(&b->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%s", v->name, a);
}

/* The sample of an id for its holder who: reset when the id changed hands. */
static struct sample *held(struct sample *sm, const char *who)
{
	if (strcmp(sm->who, who)) {
		memset(sm, 0, sizeof(*sm));
		snprintf(sm->who, sizeof(sm->who), "%s", who);
	}
	return sm;
}

static void take(struct sample *sm, uint64_t p, uint64_t b, uint64_t nf)
{
	memcpy(sm->prev, sm->cur, sizeof(sm->prev));
	sm->cur[0] = p;
	sm->cur[1] = b;
	sm->cur[2] = nf;
	if (!sm->samples++)
		memcpy(sm->prev, sm->cur, sizeof(sm->prev));
}

void stats_sample(struct stats *s)
{
	unsigned i, j;
	char who[96];

	s->t_prev = s->t_cur;
	s->t_cur = mono_s();
	for (i = 0; i < lb_vip_count(s->lb); i++) {
		struct lb_vip *v = lb_vip_at(s->lb, i);
		struct xlb_vip_stats vs = {};

		if (v->id >= XLB_MAX_VIPS || dp_stats_vip(s->dp, v->id, &vs))
			continue;
		take(held(&s->vip[v->id], v->name), vs.packets, vs.bytes, vs.new_flows);
		for (j = 0; j < v->nbe; j++) {
			struct lb_backend *b = v->be[j];
			struct xlb_be_stats bs = {};

			if (b->id >= XLB_MAX_BACKENDS || dp_stats_backend(s->dp, b->id, &bs))
				continue;
			be_who(v, b, who, sizeof(who));
			take(held(&s->be[b->id], who), bs.packets, bs.bytes, bs.new_flows);
		}
	}
}

static void zero(struct sample *sm, time_t now)
{
	memcpy(sm->base, sm->cur, sizeof(sm->base));
	sm->zeroed_at = now;
}

void stats_zero(struct stats *s, const char *vip)
{
	time_t now = time(NULL);
	unsigned i, j;

	stats_sample(s); /* the baseline is now, not up to a second ago */
	for (i = 0; i < lb_vip_count(s->lb); i++) {
		struct lb_vip *v = lb_vip_at(s->lb, i);

		if (vip && strcmp(vip, v->name))
			continue;
		if (v->id < XLB_MAX_VIPS)
			zero(&s->vip[v->id], now);
		for (j = 0; j < v->nbe; j++)
			if (v->be[j]->id < XLB_MAX_BACKENDS)
				zero(&s->be[v->be[j]->id], now);
	}
	if (!vip)
		s->all_zeroed_at = now;
}

static void view(const struct stats *s, const struct sample *sm, const uint64_t raw[3],
		 struct stats_view *out)
{
	double dt = s->t_cur - s->t_prev;
	unsigned k;

	for (k = 0; k < 3; k++) {
		out->raw[k] = raw[k];
		/* counters that went back (an id reset under us) show whole */
		out->shown[k] = raw[k] >= sm->base[k] ? raw[k] - sm->base[k] : raw[k];
		out->rate[k] = sm->samples >= 2 && dt > 0 && sm->cur[k] >= sm->prev[k]
				       ? (double)(sm->cur[k] - sm->prev[k]) / dt
				       : 0;
	}
}

void stats_vip(struct stats *s, const struct lb_vip *v, struct stats_view *out)
{
	struct xlb_vip_stats vs = {};
	uint64_t raw[3];
	static const struct sample none;
	const struct sample *sm = &none;

	dp_stats_vip(s->dp, v->id, &vs);
	raw[0] = vs.packets;
	raw[1] = vs.bytes;
	raw[2] = vs.new_flows;
	if (v->id < XLB_MAX_VIPS && !strcmp(s->vip[v->id].who, v->name))
		sm = &s->vip[v->id];
	view(s, sm, raw, out);
}

void stats_backend(struct stats *s, const struct lb_vip *v, const struct lb_backend *b,
		   struct stats_view *out)
{
	struct xlb_be_stats bs = {};
	static const struct sample none;
	const struct sample *sm = &none;
	uint64_t raw[3];
	char who[96];

	dp_stats_backend(s->dp, b->id, &bs);
	raw[0] = bs.packets;
	raw[1] = bs.bytes;
	raw[2] = bs.new_flows;
	be_who(v, b, who, sizeof(who));
	if (b->id < XLB_MAX_BACKENDS && !strcmp(s->be[b->id].who, who))
		sm = &s->be[b->id];
	view(s, sm, raw, out);
}

double stats_interval(const struct stats *s)
{
	return s->t_prev > 0 ? s->t_cur - s->t_prev : 0;
}

time_t stats_zeroed_at(const struct stats *s, const struct lb_vip *v)
{
	if (!v)
		return s->all_zeroed_at;
	return v->id < XLB_MAX_VIPS && !strcmp(s->vip[v->id].who, v->name) ? s->vip[v->id].zeroed_at
									   : 0;
}

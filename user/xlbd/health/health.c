// SPDX-License-Identifier: GPL-2.0
/*
 * Health checking.
 *
 * A checker per (vip, backend) with a check. Its first check is placed at an
 * offset within the interval that depends on the backend (no thundering herd
 * at start or reload); then one check per interval, or per fast_interval
 * while a run toward the other state has started. A check never overlaps its
 * own previous one. `rise` successes in a row bring a backend up, `fall`
 * failures take it down; the change goes to lb.c at once, which rebuilds that
 * VIP's ring (and moves the flows of a backend gone down).
 *
 * Checkers are keyed by VIP name and backend address, never by pointers into
 * lb.c, so a reload or an xlbctl change can free backends under them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>

#include "api.h"
#include "check.h"
#include "health.h"
#include "log.h"
#include "names.h"

int hstate_feed(struct hstate *s, int ok, unsigned rise, unsigned fall)
{
	if (ok) {
		s->ok_run++;
		s->fail_run = 0;
		if (s->state != LB_HEALTH_UP && s->ok_run >= rise) {
			s->state = LB_HEALTH_UP;
			return 1;
		}
	} else {
		s->fail_run++;
		s->ok_run = 0;
		if (s->state != LB_HEALTH_DOWN && s->fail_run >= fall) {
			s->state = LB_HEALTH_DOWN;
			return 1;
		}
	}
	return 0;
}

int hstate_changing(const struct hstate *s)
{
	return s->state == LB_HEALTH_UP ? s->fail_run > 0 : s->ok_run > 0;
}

uint32_t slow_start_pct(uint64_t elapsed_ms, uint64_t total_ms)
{
	uint64_t pct;

	if (!total_ms || elapsed_ms >= total_ms)
		return 100;
	pct = elapsed_ms * 100 / total_ms;
	return pct ? (uint32_t)pct : 1;
}

#define RAMP_STEPS 10 /* slow start moves the weight in tenths */

struct hc {
	struct health *h;
	char vip[32];
	struct xlb_addr addr;
	struct cfg_check k; /* merged; strings owned below */
	char *strs[8];
	struct event *tick;
	struct event *ramp;
	struct check *running;
	struct hstate st;
	int checked; /* a result came in */
	int last_ok;
	enum check_reason last_reason;
	char reason[160]; /* its detail */
	struct health_counters cnt;
	double latency_ms;
	struct timespec changed; /* CLOCK_REALTIME of the last transition */
	struct timespec up_mono; /* CLOCK_MONOTONIC when it last went up */
	uint32_t pct;
	uint64_t n_ok, n_fail;
	int was_up;	 /* up at some time: a later rise is a come-back */
	int seen;	 /* mark for health_sync */
	int skip_logged; /* checks could not start (xlbd short of fds): said */
};

struct health {
	struct event_base *base;
	struct lb *lb;
	struct event *flush; /* the end of the batching window */
	SSL_CTX *ssl;
	struct hc **hcs;
	unsigned n;
	/*
	 * hcs indexed by (VIP name, address): open addressing, linear probing,
	 * at most half full, rebuilt when it grows or a checker goes. A sync or
	 * a scrape looks up every backend: a list made those quadratic.
	 */
	struct hc **idx;
	unsigned idx_cap; /* a power of 2, or 0 */
};

static struct timeval tv_ms(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

/*
 * Verdicts reach the data plane in batches: the first one opens a window of
 * HEALTH_BATCH_MS, and every VIP changed within it gets one ring rebuild at
 * its end. When a thousand backends come up together (a start, a network
 * blip) that is a few rebuilds, not a thousand; a failover waits at most the
 * window.
 */
#define HEALTH_BATCH_MS 20

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct health *h = arg;

	(void)fd;
	(void)what;
	lb_flush(h->lb);
}

static void hc_apply(struct hc *c)
{
	struct lb_vip *v = lb_vip_find(c->h->lb, c->vip);
	struct lb_backend *b = v ? lb_backend_find(v, &c->addr) : NULL;
	struct timeval tv = { 0, HEALTH_BATCH_MS * 1000 };

	if (!b)
		return;
	lb_backend_health_later(v, b, c->st.state, c->pct);
	if (!evtimer_pending(c->h->flush, NULL))
		evtimer_add(c->h->flush, &tv);
}

static void on_ramp(evutil_socket_t fd, short what, void *arg)
{
	struct hc *c = arg;
	struct timeval tv = tv_ms(c->k.slow_start_ms / RAMP_STEPS ? c->k.slow_start_ms / RAMP_STEPS
								  : 1);
	struct timespec now;
	int64_t elapsed;

	(void)fd;
	(void)what;
	if (c->st.state != LB_HEALTH_UP)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (int64_t)(now.tv_sec - c->up_mono.tv_sec) * 1000 +
		  ((int64_t)now.tv_nsec - (int64_t)c->up_mono.tv_nsec) / 1000000;
	c->pct = slow_start_pct(elapsed > 0 ? (uint64_t)elapsed : 0, c->k.slow_start_ms);
	hc_apply(c);
	if (c->pct < 100)
		evtimer_add(c->ramp, &tv);
}

static void hc_schedule(struct hc *c, uint64_t ms)
{
	struct timeval tv = tv_ms(ms);

	evtimer_add(c->tick, &tv);
}

const double health_duration_le[HEALTH_DURATION_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

static void count_result(struct health_counters *n, enum check_reason why, double ms)
{
	unsigned i;

	if (why < CHECK_NREASONS)
		n->results[why]++;
	for (i = 0; i < HEALTH_DURATION_BUCKETS; i++)
		if (ms / 1e3 <= health_duration_le[i])
			n->duration_le[i]++;
	n->count++;
	n->duration_sum_s += ms / 1e3;
}

static void on_result(void *arg, enum check_reason why, const char *reason, double ms)
{
	struct hc *c = arg;
	enum lb_health old = c->st.state;
	int ok = why == CHECK_OK;
	char as[64];

	c->running = NULL;
	c->checked = 1;
	c->last_ok = ok;
	c->last_reason = why;
	c->latency_ms = ms;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (ok)
		c->n_ok++;
	else
		c->n_fail++;
	count_result(&c->cnt, why, ms);

	if (hstate_feed(&c->st, ok, c->k.rise, c->k.fall)) {
		if (c->st.state == LB_HEALTH_UP)
			c->cnt.went_up++;
		else
			c->cnt.went_down++;
		clock_gettime(CLOCK_REALTIME, &c->changed);
		cfg_addr_str(&c->addr, as, sizeof(as));
		log_info("vip %s: backend %s %s -> %s: %s (%.1f ms) after %u %s in a row", c->vip,
			 as, names_str(&names_health, (int)old),
			 names_str(&names_health, (int)c->st.state), reason, ms,
			 ok ? c->st.ok_run : c->st.fail_run, ok ? "successes" : "failures");
		/* slow start is for coming back, not for the first rise after start */
		if (c->st.state == LB_HEALTH_UP && c->k.slow_start_ms && c->was_up) {
			clock_gettime(CLOCK_MONOTONIC, &c->up_mono);
			c->pct = slow_start_pct(0, c->k.slow_start_ms);
			on_ramp(-1, 0, c);
		} else {
			c->pct = 100;
			hc_apply(c);
		}
		if (c->st.state == LB_HEALTH_UP)
			c->was_up = 1;
	}
	/* a tick already pending (params changed) keeps its time */
	if (!evtimer_pending(c->tick, NULL))
		hc_schedule(c, hstate_changing(&c->st) ? c->k.fast_interval_ms : c->k.interval_ms);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hc *c = arg;
	int err;

	(void)fd;
	(void)what;
	if (c->running) { /* still in flight: it ends by its own timeout */
		hc_schedule(c, c->k.interval_ms);
		return;
	}
	err = check_start(c->h->base, c->h->ssl, &c->k, &c->addr, c->vip, on_result, c,
			  &c->running);
	if (err) {
		char as[64];

		/* the health state stays as it is: said once until checks start again */
		if (!c->skip_logged++) {
			cfg_addr_str(&c->addr, as, sizeof(as));
			log_warnx("vip %s: backend %s: checks skipped: xlbd itself is short of "
				  "something (%s); its health stays %s",
				  c->vip, as, strerror(-err),
				  names_str(&names_health, (int)c->st.state));
		}
		hc_schedule(c, c->k.interval_ms);
		return;
	}
	c->skip_logged = 0;
}

static void hc_free(struct hc *c)
{
	unsigned i;

	check_cancel(c->running);
	event_free(c->tick);
	event_free(c->ramp);
	for (i = 0; i < sizeof(c->strs) / sizeof(c->strs[0]); i++)
		free(c->strs[i]);
	free(c);
}

/* Copy k, owning its strings. */
static void hc_set_check(struct hc *c, const struct cfg_check *k)
{
	char **fields[] = { &c->k.path, &c->k.host,   &c->k.expect_body,
			    &c->k.send, &c->k.expect, &c->k.command };
	unsigned i;

	for (i = 0; i < sizeof(c->strs) / sizeof(c->strs[0]); i++) {
		free(c->strs[i]);
		c->strs[i] = NULL;
	}
	c->k = *k;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (*fields[i])
			*fields[i] = c->strs[i] = strdup(*fields[i]);
	/* the rest points into the config, which a reload frees */
	c->k.interval = c->k.fast_interval = c->k.timeout = c->k.slow_start = NULL;
}

static int check_same(const struct cfg_check *a, const struct cfg_check *b)
{
	const char *sa[] = { a->path, a->host, a->expect_body, a->send, a->expect, a->command };
	const char *sb[] = { b->path, b->host, b->expect_body, b->send, b->expect, b->command };
	unsigned i;

	for (i = 0; i < 6; i++)
		if ((sa[i] || sb[i]) && (!sa[i] || !sb[i] || strcmp(sa[i], sb[i])))
			return 0;
	return a->type == b->type && a->port == b->port && a->interval_ms == b->interval_ms &&
	       a->fast_interval_ms == b->fast_interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->rise == b->rise && a->fall == b->fall && a->slow_start_ms == b->slow_start_ms &&
	       a->tls_verify == b->tls_verify && a->nstatus == b->nstatus &&
	       !memcmp(a->status, b->status, sizeof(a->status[0]) * a->nstatus);
}

static uint32_t hc_hash(const char *vip, const struct xlb_addr *a)
{
	const uint8_t *p = (const uint8_t *)a;
	uint32_t x = 2166136261u; /* FNV-1a */
	size_t i;

	for (; *vip; vip++)
		x = (x ^ (uint8_t)*vip) * 16777619u;
	for (i = 0; i < sizeof(*a); i++)
		x = (x ^ p[i]) * 16777619u;
	return x;
}

static int hc_is(const struct hc *c, const char *vip, const struct xlb_addr *a)
{
	return !strcmp(c->vip, vip) && !memcmp(&c->addr, a, sizeof(*a));
}

static void idx_put(struct health *h, struct hc *c)
{
	unsigned m = h->idx_cap - 1, i = hc_hash(c->vip, &c->addr) & m;

	while (h->idx[i])
		i = (i + 1) & m;
	h->idx[i] = c;
}

/* The index anew for h->n checkers (and room for as many again). 0 or -ENOMEM. */
static int idx_rebuild(struct health *h)
{
	unsigned cap = 16, i;
	struct hc **idx;

	while (cap < 2 * (h->n + 1))
		cap *= 2;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(h->idx);
	h->idx = idx;
	h->idx_cap = cap;
	for (i = 0; i < h->n; i++)
		idx_put(h, h->hcs[i]);
	return 0;
}

static struct hc *hc_find(struct health *h, const char *vip, const struct xlb_addr *a)
{
	unsigned m = h->idx_cap - 1, i;

	if (!h->idx_cap) { /* (no memory for an index: slow, but right) */
		for (i = 0; i < h->n; i++)
			if (hc_is(h->hcs[i], vip, a))
				return h->hcs[i];
		return NULL;
	}
	for (i = hc_hash(vip, a) & m; h->idx[i]; i = (i + 1) & m)
		if (hc_is(h->idx[i], vip, a))
			return h->idx[i];
	return NULL;
}

/* Where in the interval this backend's first check goes: fixed per backend. */
static uint64_t first_offset(const struct hc *c)
{
	uint64_t x = 1469598103934665603ULL;
	const uint8_t *p = (const uint8_t *)&c->addr;
	size_t i;

	for (i = 0; i < sizeof(c->addr); i++)
		x = (x ^ p[i]) * 1099511628211ULL;
	for (i = 0; c->vip[i]; i++)
		x = (x ^ (uint8_t)c->vip[i]) * 1099511628211ULL;
	return x % c->k.interval_ms;
}

static struct hc *hc_new(struct health *h, struct lb_vip *v, struct lb_backend *b,
			 const struct cfg_check *k)
{
	struct hc *c = calloc(1, sizeof(*c)), **n;

	if (!c)
		return NULL;
	c->h = h;
	snprintf(c->vip, sizeof(c->vip), "%s", v->name);
	c->addr = b->addr;
	hc_set_check(c, k);
	c->tick = evtimer_new(h->base, on_tick, c);
	c->ramp = evtimer_new(h->base, on_ramp, c);
	n = realloc(h->hcs, (h->n + 1) * sizeof(*n));
	if (n)
		h->hcs = n;
	if (!c->tick || !c->ramp || !n || (2 * (h->n + 1) > h->idx_cap && idx_rebuild(h))) {
		hc_free(c);
		return NULL;
	}
	h->hcs[h->n++] = c;
	idx_put(h, c);
	/*
	 * The starting state: initial_state, except for a backend that the data
	 * plane was already sending traffic to when this daemon adopted it. A
	 * restart must not take healthy servers out until they are checked.
	 */
	c->st.state = k->initial_state == CFG_INITIAL_UP || b->adopted_up ? LB_HEALTH_UP
									  : LB_HEALTH_DOWN;
	c->was_up = c->st.state == LB_HEALTH_UP;
	c->pct = 100;
	clock_gettime(CLOCK_REALTIME, &c->changed);
	hc_apply(c);
	hc_schedule(c, first_offset(c));
	return c;
}

struct health *health_new(struct event_base *base, struct lb *lb)
{
	struct health *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->base = base;
	h->lb = lb;
	h->ssl = SSL_CTX_new(TLS_client_method());
	h->flush = evtimer_new(base, on_flush, h);
	if (!h->ssl || !h->flush) {
		SSL_CTX_free(h->ssl);
		if (h->flush)
			event_free(h->flush);
		free(h);
		return NULL;
	}
	SSL_CTX_set_default_verify_paths(h->ssl);
	return h;
}

void health_free(struct health *h)
{
	unsigned i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++)
		hc_free(h->hcs[i]);
	free(h->hcs);
	free(h->idx);
	event_free(h->flush);
	SSL_CTX_free(h->ssl);
	free(h);
}

static const struct cfg_vip *cfg_vip_find(const struct cfg *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->vips_count; i++)
		if (!strcmp(cfg->vips[i].name, name))
			return &cfg->vips[i];
	return NULL;
}

static const struct cfg_backend *cfg_backend_find(const struct cfg_vip *v, const struct xlb_addr *a)
{
	unsigned i;

	for (i = 0; i < v->backends_count; i++)
		if (!memcmp(&v->backends[i].addr, a, sizeof(*a)))
			return &v->backends[i];
	return NULL;
}

void health_sync(struct health *h, const struct cfg *cfg)
{
	static const struct cfg_backend none; /* a backend added with xlbctl */
	unsigned i, j;

	for (i = 0; i < h->n; i++)
		h->hcs[i]->seen = 0;
	for (i = 0; i < lb_vip_count(h->lb); i++) {
		struct lb_vip *v = lb_vip_at(h->lb, i);
		const struct cfg_vip *cv = cfg_vip_find(cfg, v->name);

		for (j = 0; j < v->nbe; j++) {
			struct lb_backend *b = v->be[j];
			const struct cfg_backend *cb = cv ? cfg_backend_find(cv, &b->addr) : NULL;
			struct cfg_check k;
			struct hc *c;

			if (!cv || cfg_backend_check(cv, cb ? cb : &none, &k)) {
				/* no check: always healthy as far as we know */
				if (b->health != LB_HEALTH_UP || b->weight_pct != 100)
					lb_backend_health(h->lb, v, b, LB_HEALTH_UP, 100);
				continue;
			}
			c = hc_find(h, v->name, &b->addr);
			if (!c) {
				c = hc_new(h, v, b, &k);
			} else if (!check_same(&c->k, &k)) {
				/* new parameters, same history; the next check uses them */
				check_cancel(c->running);
				c->running = NULL;
				hc_set_check(c, &k);
				hc_schedule(c, first_offset(c));
			}
			if (c)
				c->seen = 1;
		}
	}
	/* the checkers of backends that went, in one pass */
	for (i = j = 0; i < h->n; i++) {
		if (h->hcs[i]->seen)
			h->hcs[j++] = h->hcs[i];
		else
			hc_free(h->hcs[i]);
	}
	if (j != h->n) {
		h->n = j;
		if (idx_rebuild(h)) {
			/* the old one names freed checkers: none (hc_find then walks the list) */
			free(h->idx);
			h->idx = NULL;
			h->idx_cap = 0;
			log_warnx("health: out of memory indexing the checkers");
		}
	}
}

const struct health_counters *health_backend_counters(struct health *h, const char *vip,
						      const struct xlb_addr *addr)
{
	struct hc *c = hc_find(h, vip, addr);

	return c ? &c->cnt : NULL;
}

void health_backend_json(struct health *h, const struct lb_vip *v, const struct lb_backend *b,
			 json_object *o)
{
	struct hc *c = hc_find(h, v->name, &b->addr);
	struct timespec now;
	double since;

	if (!c) {
		json_object_object_add(o, "check", json_object_new_string("none"));
		json_object_object_add(o, "health", json_object_new_string("unknown"));
		json_object_object_add(o, "reason", json_object_new_string("no check configured"));
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	since = (double)(now.tv_sec - c->changed.tv_sec) +
		(double)(now.tv_nsec - c->changed.tv_nsec) / 1e9;
	json_object_object_add(
		o, "check", json_object_new_string(names_str(&names_check_type, (int)c->k.type)));
	json_object_object_add(
		o, "health",
		json_object_new_string(c->checked ? names_str(&names_health, (int)c->st.state)
						  : "unknown"));
	json_object_object_add(o, "reason",
			       json_object_new_string(c->checked ? c->reason : "not checked yet"));
	json_object_object_add(o, "last_ok", json_object_new_boolean(c->last_ok));
	json_object_object_add(o, "result",
			       c->checked ? json_object_new_string(names_str(&names_check_reason,
									     (int)c->last_reason))
					  : NULL);
	json_object_object_add(o, "latency_ms", api_number(c->latency_ms, 2));
	json_object_object_add(o, "since", api_number(since, 1));
	json_object_object_add(
		o, "changed_at",
		api_number((double)c->changed.tv_sec + (double)c->changed.tv_nsec / 1e9, 3));
	json_object_object_add(o, "successes", json_object_new_int64((int64_t)c->n_ok));
	json_object_object_add(o, "failures", json_object_new_int64((int64_t)c->n_fail));
	json_object_object_add(o, "weight_pct", json_object_new_int64(c->pct));
}

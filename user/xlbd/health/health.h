/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The health-check engine, after relayd's hce.c: one checker per backend
 * that has a check, spread over the interval, rise/fall counting, slow start,
 * and the one call into lb.c that turns a verdict into weights.
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdint.h>
#include <event2/event.h>
#include <json-c/json.h>
#include "check.h"
#include "config.h"
#include "lb.h"

/* ---- pure parts (unit tested) -------------------------------------------- */

struct hstate {
	enum lb_health state; /* LB_HEALTH_UP or LB_HEALTH_DOWN */
	unsigned ok_run;      /* consecutive successes */
	unsigned fail_run;    /* consecutive failures */
};

/* Feed one result; return 1 when the state changed. */
int hstate_feed(struct hstate *s, int ok, unsigned rise, unsigned fall);
/* Is the state about to change (a run toward the other state started)? */
int hstate_changing(const struct hstate *s);
/* Weight percent elapsed_ms into a slow start of total_ms: 1..100. */
uint32_t slow_start_pct(uint64_t elapsed_ms, uint64_t total_ms);

/* ---- the engine ---------------------------------------------------------------- */

struct health;

struct health *health_new(struct event_base *base, struct lb *lb);
void health_free(struct health *h);
/* Make the set of checkers match lb's backends and cfg's checks. */
void health_sync(struct health *h, const struct cfg *cfg);
/* Upper bounds, in seconds, of the check duration histogram's buckets (+Inf apart). */
#define HEALTH_DURATION_BUCKETS 12
extern const double health_duration_le[HEALTH_DURATION_BUCKETS];

/* What a backend's checker has counted since it was created (for metrics). */
struct health_counters {
	uint64_t results[CHECK_NREASONS];	       /* by reason: [CHECK_OK] passed */
	uint64_t duration_le[HEALTH_DURATION_BUCKETS]; /* checks that took at most ..._le[i] */
	uint64_t count;				       /* checks finished */
	double duration_sum_s;
	uint64_t went_up, went_down; /* health transitions */
};

/* A backend's counters, or NULL when it has no check. */
const struct health_counters *health_backend_counters(struct health *h, const char *vip,
						      const struct xlb_addr *addr);
/* Add what the engine knows of a backend to its JSON object. */
void health_backend_json(struct health *h, const struct lb_vip *v, const struct lb_backend *b,
			 json_object *o);

#endif /* XLB_HEALTH_H */

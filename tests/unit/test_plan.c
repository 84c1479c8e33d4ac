// SPDX-License-Identifier: GPL-2.0
/*
 * Plans (user/xlbd/plan.c), with no BPF: the running VIPs are built in
 * memory as lb.c leaves them after a sync, the new configuration is loaded
 * from text, and the plan is checked for every kind of change: what it
 * adds, removes and changes, the lines a reload reports, and how many ring
 * slots change owner, against rings built here with maglev.c directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "maglev.h"
#include "plan.h"

#define RING 251 /* a prime: small rings keep the comparisons quick */

/* ---- the running state, in memory ---------------------------------------- */

struct run {
	struct lb_vip *vips[8];
	unsigned n;
};

static struct xlb_addr addr(const char *s)
{
	struct xlb_addr a;

	assert_int_equal(cfg_parse_addr(s, &a), 0);
	return a;
}

/* A VIP as lb.c leaves it after a sync: backends up, MACs known, its ring in place. */
static struct lb_vip *vip(struct run *r, const char *name, const char *a, uint16_t port, int n,
			  const char *const *bes, const uint32_t *w)
{
	struct lb_vip *v = calloc(1, sizeof(*v));
	int i;

	assert_non_null(v);
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->addr = addr(a);
	v->port = port;
	v->proto = CFG_PROTO_TCP;
	v->sched = XLB_SCHED_MAGLEV;
	v->ring_size = RING;
	v->udp_timeout_s = XLB_UDP_TIMEOUT_DEFAULT;
	v->fwd_mode = XLB_FWD_DSR;
	v->new_health = LB_HEALTH_UP;
	v->id = r->n;
	v->be = calloc((size_t)n + 1, sizeof(*v->be));
	for (i = 0; i < n; i++) {
		struct lb_backend *b = calloc(1, sizeof(*b));

		assert_non_null(b);
		b->addr = addr(bes[i]);
		b->weight = w ? w[i] : 100;
		b->admin = CFG_STATE_UP;
		b->health = LB_HEALTH_UP;
		b->weight_pct = 100;
		b->mac_ok = 1;
		b->id = (uint32_t)(r->n * 16 + i);
		b->gen = 1;
		b->eff_weight = b->weight;
		v->be[v->nbe++] = b;
	}
	v->ring_sig = 1;
	v->ring_in_dp = RING;
	r->vips[r->n++] = v;
	return v;
}

static void run_free(struct run *r)
{
	unsigned i, j;

	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->vips[i]->nbe; j++)
			free(r->vips[i]->be[j]);
		free(r->vips[i]->be);
		free(r->vips[i]);
	}
	r->n = 0;
}

static const char *const ABC[] = { "10.1.0.1", "10.1.0.2", "10.1.0.3" };

/* The running state every test starts from: web (3 backends), dns (1). */
static void start(struct run *r)
{
	static const char *const one[] = { "10.2.0.1" };

	memset(r, 0, sizeof(*r));
	vip(r, "web", "10.0.0.100", 80, 3, ABC, NULL);
	vip(r, "dns", "10.0.0.53", 53, 1, one, NULL);
	r->vips[1]->proto = CFG_PROTO_UDP;
}

/* The file that says exactly what start() runs, with extra text for web and after. */
#define WEB_HEAD                                                                         \
	"interface: eth0\nvips:\n  - name: web\n    address: 10.0.0.100\n    port: 80\n" \
	"    ring_size: 251\n"
#define WEB_BES                                                                 \
	"    backends:\n      - address: 10.1.0.1\n      - address: 10.1.0.2\n" \
	"      - address: 10.1.0.3\n"
#define DNS                                                                        \
	"  - name: dns\n    address: 10.0.0.53\n    port: 53\n    protocol: udp\n" \
	"    ring_size: 251\n    backends:\n      - address: 10.2.0.1\n"
#define SAME WEB_HEAD WEB_BES DNS

static struct cfg *load(const char *text)
{
	char path[] = "/tmp/xlb-test-plan-XXXXXX";
	int fd = mkstemp(path);
	struct cfg *cfg = NULL;
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(cfg_load(path, &cfg, stderr), 0);
	unlink(path);
	return cfg;
}

/* Plan text against start(), rings compared; lines in ch. */
struct planned {
	struct run r;
	struct cfg *cfg;
	struct plan p;
	struct lb_changes ch;
};

static void plan_text(struct planned *t, const char *text)
{
	memset(t, 0, sizeof(*t));
	start(&t->r);
	t->cfg = load(text);
	assert_int_equal(plan_config(&t->p, t->r.vips, t->r.n, t->cfg), 0);
	assert_int_equal(plan_rings(&t->p), 0);
	plan_lines(&t->p, &t->ch);
}

static void planned_free(struct planned *t)
{
	plan_free(&t->p);
	lb_changes_free(&t->ch);
	cfg_free(t->cfg);
	run_free(&t->r);
}

static const struct plan_vip *pvip(const struct planned *t, const char *name)
{
	unsigned i;

	for (i = 0; i < t->p.n; i++)
		if (!strcmp(t->p.vip[i].name, name))
			return &t->p.vip[i];
	fail_msg("no plan for vip %s", name);
	return NULL;
}

static void assert_lines(const struct planned *t, const char *const *want, unsigned n)
{
	unsigned i;

	for (i = 0; i < t->ch.n; i++)
		printf("    line: %s\n", t->ch.lines[i]);
	assert_int_equal(t->ch.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(t->ch.lines[i], want[i]);
}

/* Slots that change owner between two sets of (address, weight), built with maglev.c here. */
static uint32_t moved(const char *const *a, const uint32_t *wa, int na, const char *const *b,
		      const uint32_t *wb, int nb)
{
	struct maglev_backend ma[8], mb[8];
	struct xlb_addr xa[8], xb[8];
	uint32_t ra[RING], rb[RING], n = 0, i;
	int k;

	for (k = 0; k < na; k++) {
		xa[k] = addr(a[k]);
		ma[k] = (struct maglev_backend){ &xa[k], sizeof(xa[k]), wa ? wa[k] : 100,
						 (uint32_t)k };
	}
	for (k = 0; k < nb; k++) {
		xb[k] = addr(b[k]);
		mb[k] = (struct maglev_backend){ &xb[k], sizeof(xb[k]), wb ? wb[k] : 100,
						 (uint32_t)k };
	}
	assert_int_equal(maglev_build(ma, (size_t)na, RING, ra, UINT32_MAX), 0);
	assert_int_equal(maglev_build(mb, (size_t)nb, RING, rb, UINT32_MAX), 0);
	for (i = 0; i < RING; i++)
		n += strcmp(a[ra[i]], b[rb[i]]) != 0;
	return n;
}

/* ---- the tests ----------------------------------------------------------------- */

static void test_the_same_file_plans_nothing(void **state)
{
	struct planned t;

	(void)state;
	plan_text(&t, SAME);
	assert_true(plan_empty(&t.p));
	assert_lines(&t, NULL, 0);
	assert_int_equal(pvip(&t, "web")->kind, PLAN_KEEP);
	assert_int_equal(pvip(&t, "web")->ring_rebuilt, 0);
	assert_int_equal(pvip(&t, "web")->slots_moved, 0);
	assert_int_equal(pvip(&t, "web")->serving_after, 3);
	planned_free(&t);
}

static void test_a_vip_added_comes_with_its_backends_and_a_whole_ring(void **state)
{
	static const char *const lines[] = { "vip api added (10.0.0.101 port 443 tcp)",
					     "vip api: backend 10.3.0.1 added (weight 100, up)" };
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	plan_text(&t, SAME "  - name: api\n    address: 10.0.0.101\n    port: 443\n"
			   "    ring_size: 251\n    backends:\n      - address: 10.3.0.1\n");
	assert_lines(&t, lines, 2);
	pv = pvip(&t, "api");
	assert_int_equal(pv->kind, PLAN_ADD);
	assert_null(pv->cur);
	assert_int_equal(pv->nbe, 1);
	assert_int_equal(pv->be[0].kind, PLAN_ADD);
	assert_int_equal(pv->slots_moved, RING);
	assert_int_equal(pv->serving_after, 0); /* not before its MAC is known */
	assert_int_equal(pvip(&t, "web")->kind, PLAN_KEEP);
	planned_free(&t);
}

static void test_a_vip_removed_is_planned_first_and_loses_its_whole_ring(void **state)
{
	static const char *const lines[] = { "vip dns removed" };
	struct planned t;

	(void)state;
	plan_text(&t, WEB_HEAD WEB_BES);
	assert_lines(&t, lines, 1);
	assert_string_equal(t.p.vip[0].name, "dns");
	assert_int_equal(t.p.vip[0].kind, PLAN_REMOVE);
	assert_int_equal(t.p.vip[0].slots_moved, RING);
	assert_int_equal(t.p.vip[0].ring_rebuilt, 0);
	planned_free(&t);
}

static void test_each_setting_of_a_vip_is_a_change_of_its_own(void **state)
{
	static const struct {
		const char *text;
		unsigned field;
		const char *line;
		int rebuilt;
	} cases[] = {
		{ WEB_HEAD "    scheduler: wrr\n" WEB_BES DNS, PLAN_F_SCHED,
		  "vip web: scheduler maglev -> wrr", 0 },
		{ "interface: eth0\nvips:\n  - name: web\n    address: 10.0.0.100\n    port: 80\n"
		  "    ring_size: 257\n" WEB_BES DNS,
		  PLAN_F_RING_SIZE, "vip web: ring_size 251 -> 257", 1 },
		{ "interface: eth0\ntunnel_source: 10.0.0.1\nvips:\n  - name: web\n"
		  "    address: 10.0.0.100\n    port: 80\n    ring_size: 251\n"
		  "    forwarding: ipip\n" WEB_BES DNS,
		  PLAN_F_FWD, "vip web: forwarding dsr -> ipip", 0 },
		{ WEB_HEAD "    on_all_down: drop\n" WEB_BES DNS, PLAN_F_ALL_DOWN,
		  "vip web: on_all_down keep -> drop", 0 },
		{ "interface: eth0\nvips:\n  - name: web\n    address: 10.0.0.100\n    port: 8080\n"
		  "    ring_size: 251\n" WEB_BES DNS,
		  PLAN_F_KEY, "vip web: now 10.0.0.100 port 8080 tcp", 0 },
		{ SAME "    udp_idle_timeout: 60s\n", PLAN_F_UDP_TIMEOUT,
		  "vip dns: udp_idle_timeout 30s -> 60s", 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct planned t;
		const struct plan_vip *pv;

		printf("  case %u: %s\n", i, cases[i].line);
		plan_text(&t, cases[i].text);
		pv = pvip(&t, cases[i].field == PLAN_F_UDP_TIMEOUT ? "dns" : "web");
		assert_int_equal(pv->kind, PLAN_CHANGE);
		assert_int_equal(pv->fields, cases[i].field);
		assert_lines(&t, &cases[i].line, 1);
		assert_int_equal(pv->ring_rebuilt, cases[i].rebuilt);
		if (!cases[i].rebuilt)
			assert_int_equal(pv->slots_moved, 0);
		planned_free(&t);
	}
}

static void test_a_backend_removed_moves_its_slots_and_only_as_maglev_says(void **state)
{
	static const char *const lines[] = { "vip web: backend 10.1.0.2 removed" };
	static const char *const ac[] = { "10.1.0.1", "10.1.0.3" };
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	plan_text(&t, WEB_HEAD "    backends:\n      - address: 10.1.0.1\n"
			       "      - address: 10.1.0.3\n" DNS);
	assert_lines(&t, lines, 1);
	pv = pvip(&t, "web");
	assert_int_equal(pv->kind, PLAN_CHANGE);
	assert_int_equal(pv->fields, PLAN_F_BACKENDS);
	assert_int_equal(pv->nbe, 1);
	assert_int_equal(pv->be[0].kind, PLAN_REMOVE);
	assert_ptr_equal(pv->be[0].cur, t.r.vips[0]->be[1]);
	assert_true(pv->ring_rebuilt);
	assert_int_equal(pv->slots_moved, moved(ABC, NULL, 3, ac, NULL, 2));
	assert_true(pv->slots_moved >= RING / 3);
	assert_int_equal(pv->serving_after, 2);
	planned_free(&t);
}

static void test_a_backend_added_is_planned_with_the_ring_it_will_have_once_up(void **state)
{
	static const char *const lines[] = { "vip web: backend 10.1.0.4 added (weight 100, up)" };
	static const char *const abcd[] = { "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4" };
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	plan_text(&t, WEB_HEAD "    check:\n      type: tcp\n" WEB_BES
			       "      - address: 10.1.0.4\n" DNS);
	assert_lines(&t, lines, 1);
	pv = pvip(&t, "web");
	assert_int_equal(pv->be[0].kind, PLAN_ADD);
	assert_int_equal(pv->be[0].starts_down, 1); /* checked: down until its check passes */
	assert_int_equal(pv->slots_moved, moved(ABC, NULL, 3, abcd, NULL, 4));
	assert_int_equal(pv->serving_after, 3);
	assert_int_equal(pv->new_health, LB_HEALTH_DOWN);
	planned_free(&t);
}

static void test_weight_and_state_changes_are_planned_and_predicted(void **state)
{
	static const char *const lines[] = { "vip web: backend 10.1.0.1 weight 100 -> 300",
					     "vip web: backend 10.1.0.3 state up -> drain" };
	static const uint32_t w2[] = { 300, 100 };
	static const char *const ab[] = { "10.1.0.1", "10.1.0.2" };
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	plan_text(&t, WEB_HEAD "    backends:\n      - address: 10.1.0.1\n        weight: 300\n"
			       "      - address: 10.1.0.2\n      - address: 10.1.0.3\n"
			       "        state: drain\n" DNS);
	assert_lines(&t, lines, 2);
	pv = pvip(&t, "web");
	assert_int_equal(pv->nbe, 2);
	assert_int_equal(pv->be[0].fields, PLAN_BF_WEIGHT);
	assert_int_equal(pv->be[0].weight, 300);
	assert_int_equal(pv->be[1].fields, PLAN_BF_STATE);
	assert_int_equal(pv->be[1].admin, CFG_STATE_DRAIN);
	/* a drained backend leaves the ring, its flows stay */
	assert_int_equal(pv->slots_moved, moved(ABC, NULL, 3, ab, w2, 2));
	assert_int_equal(pv->serving_after, 2);
	planned_free(&t);
}

static void test_a_mac_given_changes_a_backend_without_a_line(void **state)
{
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	plan_text(&t, WEB_HEAD "    backends:\n      - address: 10.1.0.1\n"
			       "        mac: 02:00:00:00:00:01\n      - address: 10.1.0.2\n"
			       "      - address: 10.1.0.3\n" DNS);
	assert_lines(&t, NULL, 0);
	pv = pvip(&t, "web");
	assert_int_equal(pv->kind, PLAN_CHANGE);
	assert_int_equal(pv->be[0].fields, PLAN_BF_MAC);
	assert_int_equal(pv->be[0].has_mac, 1);
	assert_int_equal(pv->be[0].mac[5], 1);
	assert_int_equal(pv->slots_moved, 0);
	assert_false(plan_empty(&t.p));
	planned_free(&t);
}

static void test_a_change_made_with_xlbctl_that_the_file_undoes_is_said(void **state)
{
	static const char *const lines[] = {
		"vip web: backend 10.1.0.2 weight 50 -> 100",
		"vip web: backend 10.1.0.3 removed (added with xlbctl)"
	};
	struct planned t;
	const struct plan_vip *pv;

	(void)state;
	memset(&t, 0, sizeof(t));
	start(&t.r);
	t.r.vips[0]->be[1]->weight = 50;
	t.r.vips[0]->be[1]->from_cli = 1;
	t.r.vips[0]->be[2]->from_cli = 1;
	t.r.vips[0]->be[0]->from_cli = 1; /* set with xlbctl, to what the file says */
	t.cfg = load(WEB_HEAD
		     "    backends:\n      - address: 10.1.0.1\n      - address: 10.1.0.2\n" DNS);
	assert_int_equal(plan_config(&t.p, t.r.vips, t.r.n, t.cfg), 0);
	plan_lines(&t.p, &t.ch);
	pv = pvip(&t, "web");
	/* removed first, then the file's order */
	assert_int_equal(pv->nbe, 3);
	assert_int_equal(pv->be[0].kind, PLAN_REMOVE);
	assert_int_equal(pv->be[1].fields, PLAN_BF_CLI);
	assert_int_equal(pv->be[2].fields, PLAN_BF_WEIGHT | PLAN_BF_CLI);
	assert_int_equal(t.ch.n, 2);
	assert_string_equal(t.ch.lines[0], lines[1]);
	assert_string_equal(t.ch.lines[1], lines[0]);
	assert_int_equal(t.ch.nundone, 2);
	planned_free(&t);
}

static void test_a_check_s_initial_state_is_a_quiet_change(void **state)
{
	struct planned t;

	(void)state;
	plan_text(&t, WEB_HEAD "    check:\n      type: tcp\n" WEB_BES DNS);
	assert_lines(&t, NULL, 0);
	assert_int_equal(pvip(&t, "web")->kind, PLAN_CHANGE);
	assert_int_equal(pvip(&t, "web")->fields, PLAN_F_QUIET);
	assert_int_equal(pvip(&t, "web")->new_health, LB_HEALTH_DOWN);
	planned_free(&t);
}

static void test_one_xlbctl_change_is_a_plan_of_one_backend(void **state)
{
	static const char *const ab[] = { "10.1.0.1", "10.1.0.2" };
	static const uint32_t w[] = { 100, 100, 200 };
	struct run r;
	struct plan p;

	(void)state;
	start(&r);
	assert_int_equal(plan_backend_del(&p, r.vips[0], r.vips[0]->be[2]), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.vip[0].be[0].kind, PLAN_REMOVE);
	assert_int_equal(p.vip[0].slots_moved, moved(ABC, NULL, 3, ab, NULL, 2));
	assert_int_equal(p.vip[0].serving_after, 2);
	plan_free(&p);

	assert_int_equal(plan_backend_set(&p, r.vips[0], r.vips[0]->be[2], 200, -1), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.vip[0].be[0].fields, PLAN_BF_WEIGHT);
	assert_int_equal(p.vip[0].slots_moved, moved(ABC, NULL, 3, ABC, w, 3));
	plan_free(&p);

	assert_int_equal(plan_backend_set(&p, r.vips[0], r.vips[0]->be[0], -1, CFG_STATE_DOWN), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.vip[0].be[0].fields, PLAN_BF_STATE);
	assert_int_equal(p.vip[0].serving_after, 2);
	plan_free(&p);

	/* set to what it is: nothing moves */
	assert_int_equal(plan_backend_set(&p, r.vips[0], r.vips[0]->be[0], 100, CFG_STATE_UP), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.vip[0].be[0].fields, 0);
	assert_int_equal(p.vip[0].ring_rebuilt, 0);
	assert_int_equal(p.vip[0].slots_moved, 0);
	plan_free(&p);
	run_free(&r);
}

static void test_every_backend_down_follows_on_all_down(void **state)
{
	struct run r;
	struct plan p;
	unsigned i;

	(void)state;
	start(&r);
	/* two unhealthy already (out of the ring); the third, healthy, is set down */
	r.vips[0]->be[0]->health = LB_HEALTH_DOWN;
	r.vips[0]->be[1]->health = LB_HEALTH_DOWN;
	for (i = 0; i < 2; i++)
		r.vips[0]->be[i]->eff_weight = 0;
	/* on_all_down keep: the two down are every candidate left, and serve anyway */
	assert_int_equal(plan_backend_set(&p, r.vips[0], r.vips[0]->be[2], -1, CFG_STATE_DOWN), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.vip[0].serving_after, 0);
	assert_int_equal(p.vip[0].ring_rebuilt, 1);
	assert_int_equal(p.vip[0].slots_moved, RING);
	plan_free(&p);
	/* on_all_down drop: no ring at all */
	r.vips[0]->on_all_down = CFG_ALL_DOWN_DROP;
	assert_int_equal(plan_backend_set(&p, r.vips[0], r.vips[0]->be[2], -1, CFG_STATE_DOWN), 0);
	assert_int_equal(plan_rings(&p), 0);
	assert_int_equal(p.vip[0].serving_after, 0);
	assert_int_equal(p.vip[0].slots_moved, RING);
	plan_free(&p);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_same_file_plans_nothing),
		cmocka_unit_test(test_a_vip_added_comes_with_its_backends_and_a_whole_ring),
		cmocka_unit_test(test_a_vip_removed_is_planned_first_and_loses_its_whole_ring),
		cmocka_unit_test(test_each_setting_of_a_vip_is_a_change_of_its_own),
		cmocka_unit_test(test_a_backend_removed_moves_its_slots_and_only_as_maglev_says),
		cmocka_unit_test(
			test_a_backend_added_is_planned_with_the_ring_it_will_have_once_up),
		cmocka_unit_test(test_weight_and_state_changes_are_planned_and_predicted),
		cmocka_unit_test(test_a_mac_given_changes_a_backend_without_a_line),
		cmocka_unit_test(test_a_change_made_with_xlbctl_that_the_file_undoes_is_said),
		cmocka_unit_test(test_a_check_s_initial_state_is_a_quiet_change),
		cmocka_unit_test(test_one_xlbctl_change_is_a_plan_of_one_backend),
		cmocka_unit_test(test_every_backend_down_follows_on_all_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Announcing the VIPs (see announce.h).
 *
 * What is announced is a VIP address: several VIPs (ports, protocols) may
 * share one, and the address is announced while at least one of them is
 * eligible: as many backends in its ring as its announce_min_healthy (or
 * announce.min_healthy), and the host not drained. A backend counts while it
 * is in the ring and not known down (lb.c's serving count; under on_all_down:
 * keep a down backend stays in the ring but does not count). One adopted with
 * the pins counts until its checks say otherwise: a restarted xlbd never
 * withdraws on "not checked yet". An address that becomes eligible is
 * announced once it has stayed so for hold_down; one that stops being
 * eligible is withdrawn at once.
 *
 * The routes are written with libmnl over rtnetlink, synchronously (a
 * route change is a few microseconds; xlbd makes few).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <event2/event.h>
#include <libmnl/libmnl.h>

#include "announce.h"
#include "plan.h"
#include "file.h"
#include "instance.h"
#include "log.h"
#include "netns.h"

/*
 * How often the table is read back: a route someone removed (ip route flush
 * table N) is put back, and an add that failed is tried again, within this.
 */
#define ANNOUNCE_CHECK_SEC 2

struct ann_addr {
	struct xlb_addr addr;
	uint8_t installed; /* the route is in the table */
	uint8_t eligible;
	uint8_t seen;	      /* mark for announce_sync */
	uint8_t present;      /* found in the table by the last look (check) */
	uint64_t eligible_ms; /* CLOCK_MONOTONIC ms since it is eligible */
};

struct announce {
	struct lb *lb;
	const struct cfg *cfg; /* the file as last loaded (announce_config) */
	struct mnl_socket *nl;
	unsigned seq;
	struct ann_addr *addrs;
	unsigned n, cap;
	struct event *timer; /* the next hold-down to end */
	struct event *check; /* a look at the table every ANNOUNCE_CHECK_SEC */
	uint32_t table;	     /* the table it was opened on (a reload may change the file's) */
	int drained;
	char mark[256]; /* the drain mark's path */
};

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static const struct cfg_announce *acfg(const struct announce *a)
{
	return a->cfg->announce;
}

static struct ann_addr *addr_get(struct announce *a, const struct xlb_addr *x, int create)
{
	unsigned i;

	for (i = 0; i < a->n; i++)
		if (!memcmp(&a->addrs[i].addr, x, sizeof(*x)))
			return &a->addrs[i];
	if (!create)
		return NULL;
	if (a->n == a->cap) {
		unsigned cap = a->cap ? 2 * a->cap : 16;
		struct ann_addr *n = realloc(a->addrs, cap * sizeof(*n));

		if (!n)
			return NULL;
		a->addrs = n;
		a->cap = cap;
	}
	memset(&a->addrs[a->n], 0, sizeof(a->addrs[0]));
	a->addrs[a->n].addr = *x;
	return &a->addrs[a->n++];
}

/* Add (or replace) or delete the blackhole route of addr in our table. */
static int route_write(struct announce *a, const struct xlb_addr *x, int add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	unsigned seq = ++a->seq, portid = mnl_socket_get_portid(a->nl);
	int family = x->family == XLB_AF_INET6 ? AF_INET6 : AF_INET, ret;

	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = family == AF_INET6 ? 128 : 32;
	rtm->rtm_table = RT_TABLE_UNSPEC; /* RTA_TABLE says which */
	rtm->rtm_protocol = ANNOUNCE_RTPROT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_BLACKHOLE;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET6 ? 16 : 4, x->a);
	mnl_attr_put_u32(nlh, RTA_TABLE, a->table);
	if (mnl_socket_sendto(a->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ret = (int)mnl_socket_recvfrom(a->nl, buf, sizeof(buf));
	if (ret < 0)
		return -errno;
	ret = mnl_cb_run(buf, (size_t)ret, seq, portid, NULL, NULL);
	return ret < 0 ? -errno : 0;
}

static void say(const struct xlb_addr *x, const char *what, const char *why)
{
	char s[64];

	cfg_addr_str(x, s, sizeof(s));
	log_info("announce: %s %s%s%s", s, what, why ? ": " : "", why ? why : "");
}

static int set_installed(struct announce *a, struct ann_addr *e, int on, const char *why)
{
	int err;

	if (e->installed == on)
		return 0;
	err = route_write(a, &e->addr, on);
	if (err == -ENOENT || err == -ESRCH) /* already gone (somebody removed it) */
		err = on ? err : 0;
	if (err) {
		char s[64];

		cfg_addr_str(&e->addr, s, sizeof(s));
		log_warnx("announce: %s %s table %u: %s", on ? "adding" : "removing", s, a->table,
			  strerror(-err));
		return err;
	}
	e->installed = (uint8_t)on;
	say(&e->addr, on ? "announced" : "withdrawn", why);
	return 0;
}

/* ---- adopting what a previous xlbd left ------------------------------------- */

struct dump_ctx {
	struct announce *a;
	unsigned found;
	int look; /* only mark what is there (present), adopt nothing */
};

static int route_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {};
	struct xlb_addr x = {};
	struct ann_addr *e;
	uint32_t table;
	size_t len;

	if (rtm->rtm_protocol != ANNOUNCE_RTPROT ||
	    mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0 || !tb[RTA_DST])
		return MNL_CB_OK;
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	len = rtm->rtm_family == AF_INET6 ? 16 : 4;
	if (table != c->a->table || mnl_attr_get_payload_len(tb[RTA_DST]) != len ||
	    rtm->rtm_dst_len != len * 8)
		return MNL_CB_OK;
	x.family = rtm->rtm_family == AF_INET6 ? XLB_AF_INET6 : XLB_AF_INET;
	memcpy(x.a, mnl_attr_get_payload(tb[RTA_DST]), len);
	e = addr_get(c->a, &x, !c->look);
	if (e && c->look) {
		e->present = 1;
	} else if (e) {
		e->installed = 1;
		c->found++;
	}
	return MNL_CB_OK;
}

/* The route socket, asking for dumps filtered by the kernel. NULL on failure (errno). */
static struct mnl_socket *route_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int one = 1;

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	/* (an older kernel refuses it and sends every route: on_route filters them) */
	if (nl)
		setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			   sizeof(one));
	return nl;
}

/* Read our routes of the table: adopted as installed, or (look) marked present. */
static int dump(struct announce *a, int look, unsigned *found)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct dump_ctx c = { .a = a, .look = look };
	struct rtmsg *rtm;
	unsigned seq = ++a->seq, portid = mnl_socket_get_portid(a->nl);
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_UNSPEC;
	/*
	 * Our table alone, where the kernel filters (strict dumps, Linux 4.20):
	 * read every 2 s, the whole of a host's routes would be a full table's
	 * worth on a host that holds one. (on_route checks the table anyway.)
	 */
	mnl_attr_put_u32(nlh, RTA_TABLE, a->table);
	if (mnl_socket_sendto(a->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = (int)mnl_socket_recvfrom(a->nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, on_route, &c);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (found)
		*found = c.found;
	return ret < 0 ? -errno : 0;
}

/* ---- whose table it is ------------------------------------------------------------ */

/*
 * A table of a network namespace holds one instance's routes: its record,
 * XLB_RUN_DIR/announce-NETNS.TABLE, names the instance's pin path. Another
 * instance whose pins still exist (running or not: its routes stay while it
 * is stopped) is refused the table; one whose pins are gone left stale
 * routes, which the next owner adopts and withdraws.
 */
static int owner_path(char *buf, size_t len, uint32_t table)
{
	char what[64];

	snprintf(what, sizeof(what), "%lu.%u", netns_inode(), table);
	return instance_path(buf, len, "announce", what, "");
}

static int owner_read(uint32_t table, char *pin, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	if (owner_path(path, sizeof(path), table))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, pin, len - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	pin[n] = 0;
	pin[strcspn(pin, "\n")] = 0;
	return 0;
}

static int owner_write(uint32_t table, const char *pin)
{
	char path[512], line[300];
	int n = snprintf(line, sizeof(line), "%s\n", pin);

	if (owner_path(path, sizeof(path), table) || n >= (int)sizeof(line))
		return -ENAMETOOLONG;
	return file_write_whole(path, line, (size_t)n);
}

int announce_table_taken(uint32_t table, const char *pin_path, char *owner, size_t len)
{
	if (owner_read(table, owner, len) || !strcmp(owner, pin_path))
		return 0;
	return access(owner, F_OK) == 0;
}

/* Delete every route of ours in table (what an instance left there) and its record. */
static void release(uint32_t table)
{
	struct announce a = { .table = table };
	char path[512];
	unsigned i, found = 0;

	a.nl = route_socket();
	if (!a.nl) {
		log_warn("announce: the route socket");
		goto out;
	}
	if (dump(&a, 0, &found))
		log_warn("announce: reading table %u", table);
	for (i = 0; i < a.n; i++)
		set_installed(&a, &a.addrs[i], 0, "the instance no longer announces in this table");
	if (found)
		log_info("announce: table %u emptied of the %u route%s this instance left", table,
			 found, found == 1 ? "" : "s");
	if (!owner_path(path, sizeof(path), table))
		unlink(path);
out:
	if (a.nl)
		mnl_socket_close(a.nl);
	free(a.addrs);
}

void announce_release_others(const char *pin_path, uint32_t keep)
{
	char prefix[64], pin[256];
	struct dirent *de;
	size_t plen;
	DIR *dir;

	/* the records of this network namespace */
	plen = (size_t)snprintf(prefix, sizeof(prefix), "announce-%lu.", netns_inode());
	dir = opendir(XLB_RUN_DIR);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		unsigned long table;
		char *end;

		if (strncmp(de->d_name, prefix, plen) || !isdigit((unsigned char)de->d_name[plen]))
			continue;
		table = strtoul(de->d_name + plen, &end, 10);
		if (*end || table == keep || table > UINT32_MAX ||
		    owner_read((uint32_t)table, pin, sizeof(pin)) || strcmp(pin, pin_path))
			continue;
		release((uint32_t)table);
	}
	closedir(dir);
}

/* ---- the decision ---------------------------------------------------------------- */

static unsigned vip_min_healthy(const struct announce *a, const struct lb_vip *v)
{
	return v->announce_min_healthy ? v->announce_min_healthy : acfg(a)->min_healthy;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	announce_sync(arg);
}

/*
 * The table read back: a route of ours that is gone was removed by someone
 * else and goes back (announce_sync puts it back, as it retries a failed add).
 */
static void on_check(evutil_socket_t fd, short what, void *arg)
{
	struct announce *a = arg;
	unsigned i;
	char s[64];

	(void)fd;
	(void)what;
	for (i = 0; i < a->n; i++)
		a->addrs[i].present = 0;
	if (dump(a, 1, NULL)) {
		log_warn("announce: reading table %u", a->table);
		return;
	}
	for (i = 0; i < a->n; i++) {
		struct ann_addr *e = &a->addrs[i];

		if (!e->installed || e->present)
			continue;
		cfg_addr_str(&e->addr, s, sizeof(s));
		log_warnx("announce: %s was removed from table %u by someone else: putting it back",
			  s, a->table);
		e->installed = 0;
		e->eligible_ms = 1; /* (announced before: no hold-down again) */
	}
	announce_sync(a);
}

void announce_sync(struct announce *a)
{
	struct lb *lb = a->lb;
	uint64_t now = mono_ms(), hold = acfg(a)->hold_down_ms, next = 0;
	unsigned i;

	for (i = 0; i < a->n; i++)
		a->addrs[i].seen = a->addrs[i].eligible = 0;
	for (i = 0; i < lb_vip_count(lb); i++) {
		struct lb_vip *v = lb_vip_at(lb, i);
		struct ann_addr *e = addr_get(a, &v->addr, 1);

		if (!e)
			continue;
		e->seen = 1;
		if (v->serving >= vip_min_healthy(a, v))
			e->eligible = 1;
	}
	for (i = 0; i < a->n; i++) {
		struct ann_addr *e = &a->addrs[i];

		if (!e->seen) {
			set_installed(a, e, 0, "no vip has this address");
			continue;
		}
		if (!e->eligible || a->drained) {
			e->eligible_ms = 0;
			set_installed(a, e, 0,
				      a->drained ? "host drained" : "too few healthy backends");
			continue;
		}
		if (!e->eligible_ms)
			e->eligible_ms = now;
		/* what a previous xlbd announced stays announced: no flap on restart */
		if (e->installed)
			continue;
		if (now - e->eligible_ms >= hold)
			set_installed(a, e, 1, NULL);
		else if (!next || e->eligible_ms + hold < next)
			next = e->eligible_ms + hold;
	}
	/* forget addresses no VIP has and no route holds */
	for (i = a->n; i-- > 0;)
		if (!a->addrs[i].seen && !a->addrs[i].installed)
			a->addrs[i] = a->addrs[--a->n];
	if (next) {
		struct timeval tv = { (time_t)((next - now) / 1000),
				      (suseconds_t)((next - now) % 1000) * 1000 + 1000 };

		evtimer_add(a->timer, &tv);
	}
}

int announce_open(struct announce **ap, struct event_base *base, struct lb *lb,
		  const struct cfg *cfg)
{
	struct announce *a = calloc(1, sizeof(*a));
	struct timeval every = { ANNOUNCE_CHECK_SEC, 0 };
	char owner[256];
	unsigned found = 0;
	int err;

	if (!a)
		return -ENOMEM;
	a->lb = lb;
	a->cfg = cfg;
	a->nl = route_socket();
	if (!a->nl) {
		err = -errno;
		goto fail;
	}
	a->seq = (unsigned)time(NULL);
	a->table = cfg->announce->table;
	a->timer = evtimer_new(base, on_timer, a);
	a->check = event_new(base, -1, EV_PERSIST, on_check, a);
	if (!a->timer || !a->check || event_add(a->check, &every)) {
		err = -ENOMEM;
		goto fail;
	}
	if (announce_table_taken(a->table, cfg->pin_path, owner, sizeof(owner))) {
		log_warnx(
			"announce: table %u holds the routes of the xlb instance with pin_path %s: "
			"give each instance a table of its own (announce: table:)",
			a->table, owner);
		err = -EBUSY;
		goto fail;
	}
	err = owner_write(a->table, cfg->pin_path);
	if (err) {
		log_warnx("announce: recording table %u as ours: %s", a->table, strerror(-err));
		goto fail;
	}
	err = dump(a, 0, &found);
	if (err)
		goto fail;
	if (instance_path(a->mark, sizeof(a->mark), "drained", cfg->pin_path, "") == 0)
		a->drained = access(a->mark, F_OK) == 0;
	log_info("announce: table %u, min_healthy %u, hold_down %llu ms; %u route%s of ours "
		 "adopted%s",
		 a->table, acfg(a)->min_healthy, (unsigned long long)acfg(a)->hold_down_ms, found,
		 found == 1 ? "" : "s",
		 a->drained ? "; the host is drained (xlbctl host undrain)" : "");
	*ap = a;
	return 0;
fail:
	announce_close(a);
	return err;
}

void announce_config(struct announce *a, const struct cfg *cfg)
{
	if (a)
		a->cfg = cfg;
}

void announce_close(struct announce *a)
{
	if (!a)
		return;
	if (a->timer)
		event_free(a->timer);
	if (a->check)
		event_free(a->check);
	if (a->nl)
		mnl_socket_close(a->nl);
	free(a->addrs);
	free(a);
}

int announce_drain(struct announce *a, int drained)
{
	int fd;

	if (drained) {
		/* kept across restarts: a maintenance is not undone by an upgrade */
		fd = open(a->mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		close(fd);
	} else if (unlink(a->mark) && errno != ENOENT) {
		return -errno;
	}
	a->drained = drained;
	log_info("announce: host %s", drained ? "drained: every VIP withdrawn, traffic that still "
						"arrives is forwarded"
					      : "undrained: VIPs announced again after hold_down");
	announce_sync(a);
	return 0;
}

int announce_drained(const struct announce *a)
{
	return a && a->drained;
}

unsigned announce_withdraw_all(struct announce *a)
{
	unsigned i, n = 0;

	for (i = 0; a && i < a->n; i++)
		if (a->addrs[i].installed && !set_installed(a, &a->addrs[i], 0, "detaching"))
			n++;
	return n;
}

void announce_forget(const char *pin_path)
{
	char mark[256];

	if (!instance_path(mark, sizeof(mark), "drained", pin_path, ""))
		unlink(mark);
	announce_release_others(pin_path, 0);
}

void announce_preview(struct announce *a, const struct plan *p, const struct cfg_announce *after,
		      json_object *withdrawn)
{
	const struct plan_vip **by_id = calloc(XLB_MAX_VIPS, sizeof(*by_id));
	uint8_t *keeps = a ? calloc(a->n + 1, 1) : NULL;
	char as[64];
	unsigned i;

	if (!a || !by_id || !keeps)
		goto out;
	for (i = 0; i < p->n; i++)
		if (p->vip[i].cur && p->vip[i].cur->id < XLB_MAX_VIPS)
			by_id[p->vip[i].cur->id] = &p->vip[i];
	/*
	 * One pass over the VIPs as they will be: an address keeps its route if
	 * one of its VIPs keeps min_healthy backends (a VIP added serves nothing
	 * before its backends are resolved and checked).
	 */
	for (i = 0; after && after->table == a->table && i < lb_vip_count(a->lb); i++) {
		const struct lb_vip *v = lb_vip_at(a->lb, i);
		const struct plan_vip *pv = v->id < XLB_MAX_VIPS ? by_id[v->id] : NULL;
		const struct ann_addr *e;
		unsigned need;

		if (pv && pv->kind == PLAN_REMOVE)
			continue;
		need = pv ? pv->announce_min_healthy : v->announce_min_healthy;
		if ((pv ? pv->serving_after : v->serving) < (need ? need : after->min_healthy))
			continue;
		e = addr_get(a, pv ? &pv->addr : &v->addr, 0);
		if (e)
			keeps[e - a->addrs] = 1;
	}
	for (i = 0; i < a->n; i++) {
		if (!a->addrs[i].installed || keeps[i])
			continue;
		cfg_addr_str(&a->addrs[i].addr, as, sizeof(as));
		json_object_array_add(withdrawn, json_object_new_string(as));
	}
out:
	free(by_id);
	free(keeps);
}

json_object *announce_vip_json(struct announce *a, const struct lb_vip *v)
{
	json_object *o = json_object_new_object();
	struct ann_addr *e = a ? addr_get(a, &v->addr, 0) : NULL;
	unsigned need;
	char why[128];

	if (!a) {
		json_object_object_add(o, "announced", json_object_new_boolean(0));
		json_object_object_add(o, "why", json_object_new_string("announcing is off"));
		return o;
	}
	need = vip_min_healthy(a, v);
	json_object_object_add(o, "announced", json_object_new_boolean(e && e->installed));
	json_object_object_add(o, "min_healthy", json_object_new_int64(need));
	json_object_object_add(o, "healthy", json_object_new_int64(v->serving));
	if (e && e->installed)
		snprintf(why, sizeof(why), "%s",
			 v->serving >= need ? "announced"
					    : "announced: another vip of its address is eligible");
	else if (a->drained)
		snprintf(why, sizeof(why), "host drained");
	else if (v->serving < need)
		snprintf(why, sizeof(why), "too few healthy backends (%u of %u needed)", v->serving,
			 need);
	else if (e && e->eligible_ms)
		snprintf(why, sizeof(why), "held down (%.1f s to go)",
			 (double)(e->eligible_ms + acfg(a)->hold_down_ms - mono_ms()) / 1e3);
	else
		snprintf(why, sizeof(why), "not announced");
	json_object_object_add(o, "why", json_object_new_string(why));
	return o;
}

json_object *announce_status_json(struct announce *a)
{
	json_object *o = json_object_new_object();
	unsigned i, n = 0;

	if (!a) {
		json_object_put(o);
		return NULL;
	}
	for (i = 0; i < a->n; i++)
		n += a->addrs[i].installed;
	json_object_object_add(o, "table", json_object_new_int64(a->table));
	json_object_object_add(o, "protocol", json_object_new_int(ANNOUNCE_RTPROT));
	json_object_object_add(o, "drained", json_object_new_boolean(a->drained));
	json_object_object_add(o, "routes", json_object_new_int64(n));
	return o;
}

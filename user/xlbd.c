// SPDX-License-Identifier: GPL-2.0
/*
 * xlbd: the xlb daemon. Options, start-up, signals and the event loop; what
 * it does lives in lb.c (state), dataplane.c (maps), daemon.c (requests).
 *
 * The data plane outlives the daemon: SIGTERM, a crash or kill -9 leave the
 * program attached and the maps pinned; the next xlbd adopts them. Only
 * --detach (or `xlbctl detach`) stops forwarding.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "daemon.h"
#include "health.h"
#include "log.h"

#define XLBD_CONF_DEFAULT  "/etc/xlb/xlb.yaml"
#define RESOLVE_PERIOD_SEC 1
/*
 * The SYN hint (xlb_flow_bits) is rebuilt from the flow table every 10 s, so
 * that bits of flows the table dropped go, but never at more than 1% of a
 * core: a walk of a million flows takes about 0.3 s. It walks 64K flows at a
 * time (some 20 ms), so health checks and the control socket wait no longer.
 */
#define SWEEP_PERIOD_SEC   10
#define SWEEP_MAX_SHARE	   100 /* the period is at least this many times the walk */
#define SWEEP_STEP_FLOWS   65536

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlbd [-c FILE] [-i IFACE] [-f] [-v] [-n | --detach]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -i, --interface IF  interface to attach to (overrides the config)\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"  -v, --verbose       debug logging (libbpf's too)\n"
		"  -n, --check         check the configuration and exit\n"
		"      --detach        detach xlb from the interface, remove its pins, exit\n",
		XLBD_CONF_DEFAULT);
}

static void on_neigh(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd *d = arg;

	(void)fd;
	(void)what;
	neigh_read(d->neigh);
}

static void neigh_to_lb(void *ctx, int ifindex, const struct xlb_addr *a, const uint8_t *mac,
			enum neigh_event ev)
{
	struct xlbd *d = ctx;
	int ours = ifindex == d->ifindex ? 0 : ifindex;

	if (!d->lb)
		return;
	if (ev != NEIGH_GONE)
		lb_mac_update(d->lb, ours, a, mac);
	else if (lb_is_nexthop(d->lb, ours, a))
		neigh_resolve(d->neigh, ifindex, a); /* aged out: ask again, keep the MAC */
}

static void routes_to_lb(void *ctx)
{
	struct xlbd *d = ctx;

	if (!d->lb)
		return;
	lb_routes_changed(d->lb);
	/* a new next hop may be resolved already: no event will say so */
	neigh_dump(d->neigh);
}

/* An Ethernet interface's MAC; -EPFNOSUPPORT for any other kind of link. */
static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EPFNOSUPPORT;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/*
 * A backend's next hop: on our interface, frames leave with XDP_TX; on
 * another Ethernet interface, with XDP_REDIRECT and that interface's MAC.
 */
static int lb_wants_mac(void *ctx, const struct xlb_addr *a, struct lb_nexthop *nh)
{
	struct xlbd *d = ctx;
	char ifname[IF_NAMESIZE];
	int err, oif;

	if (!d->neigh)
		return -ENOTCONN;
	err = neigh_route(d->neigh, a, &nh->addr, &oif);
	if (err)
		return err;
	nh->ifindex = oif == d->ifindex ? 0 : oif;
	if (nh->ifindex) {
		if (!if_indextoname((unsigned)oif, ifname))
			return -errno;
		err = if_mac(ifname, nh->src_mac);
		if (err)
			return err;
	}
	return neigh_resolve(d->neigh, oif, &nh->addr);
}

static void on_resolve_timer(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd *d = arg;

	(void)fd;
	(void)what;
	lb_resolve_pending(d->lb);
}

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One step of a rebuild of the SYN hint; schedules the next one. */
static void on_sweep_timer(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd *d = arg;
	struct timeval next = { 0, 0 };
	double t0 = cpu_ms(), period_ms;
	int r;

	(void)fd;
	(void)what;
	r = dp_flow_bits_sweep_step(d->dp, SWEEP_STEP_FLOWS, &d->sweep_cur);
	d->sweep_cpu_ms += cpu_ms() - t0;
	if (r < 0) {
		log_warnx("rebuilding the SYN hint from xlb_flows: %s", strerror(-r));
		d->sweep_cpu_ms = 0;
		next.tv_sec = SWEEP_PERIOD_SEC;
	} else if (r > 0) {
		d->sweep = d->sweep_cur;
		d->sweep_ms = d->sweep_cpu_ms;
		d->sweep_at = time(NULL);
		d->sweep_cpu_ms = 0;
		log_debug("SYN hint: %llu flows (%llu tcp), %llu of %llu bits set, %.1f ms",
			  (unsigned long long)d->sweep.flows,
			  (unsigned long long)d->sweep.tcp_flows,
			  (unsigned long long)d->sweep.bits_set, (unsigned long long)d->sweep.bits,
			  d->sweep_ms);
		period_ms = d->sweep_ms * SWEEP_MAX_SHARE;
		if (period_ms < SWEEP_PERIOD_SEC * 1e3)
			period_ms = SWEEP_PERIOD_SEC * 1e3;
		next.tv_sec = (time_t)(period_ms / 1e3);
		next.tv_usec = (suseconds_t)((period_ms - (double)next.tv_sec * 1e3) * 1e3);
	}
	/* r == 0: more to walk, after whatever else is waiting */
	evtimer_add(d->ev_sweep, &next);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct xlbd *d = arg;
	json_object *r;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->cfg_path);
		r = xlbd_reload(d);
		json_object_put(r);
		return;
	}
	log_info("%s: exiting; the data plane stays attached", strsignal((int)sig));
	event_base_loopexit(d->base, NULL);
}

static int pin_dir(const char *path)
{
	struct statfs st;
	char parent[4096], *slash;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st) || st.f_type != BPF_FS_MAGIC) {
		log_warnx("%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", parent);
		return -ENOTSUP;
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		log_warn("mkdir %s", path);
		return -errno;
	}
	return 0;
}

static enum dp_mode dp_mode_of(enum cfg_xdp_mode m)
{
	return m == CFG_XDP_NATIVE    ? DP_MODE_NATIVE
	       : m == CFG_XDP_GENERIC ? DP_MODE_GENERIC
				      : DP_MODE_AUTO;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct xlbd d = { .cfg_path = XLBD_CONF_DEFAULT };
	int fg = 0, verbose = 0, check = 0, detach = 0, c, err, rc = 1;
	struct event *ev_neigh = NULL, *ev_timer = NULL, *ev_sig[4] = {};
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT };
	struct timeval period = { RESOLVE_PERIOD_SEC, 0 }, now = { 0, 0 };
	struct dp_opts dpo = {};
	struct xlb_config xc = {};
	struct lb_changes ch = {};
	const char *ifname = NULL;
	unsigned i;

	while ((c = getopt_long(argc, argv, "c:i:fvnh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.cfg_path = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'D':
			detach = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("xlbd", fg || check || detach, verbose);

	if (cfg_load(d.cfg_path, &d.cfg, stderr))
		return 1;
	if (!ifname)
		ifname = d.cfg->interface;
	if (check) {
		printf("%s: configuration OK (%u vips)\n", d.cfg_path, d.cfg->vips_count);
		cfg_free(d.cfg);
		return 0;
	}
	if (!ifname) {
		log_warnx("%s: no interface: set interface: or give -i", d.cfg_path);
		goto out;
	}
	snprintf(d.ifname, sizeof(d.ifname), "%s", ifname);
	d.ifindex = (int)if_nametoindex(ifname);
	if (!d.ifindex) {
		log_warn("interface %s", ifname);
		goto out;
	}
	if (detach) {
		err = dp_detach(d.cfg->pin_path, d.ifindex);
		if (err)
			log_warnx("detach from %s: %s", ifname, strerror(-err));
		else
			printf("xlb detached from %s; %s removed\n", ifname, d.cfg->pin_path);
		rc = err ? 1 : 0;
		goto out;
	}

	/* the data plane: load, reusing whatever is pinned */
	if (pin_dir(d.cfg->pin_path))
		goto out;
	dpo.pin_path = d.cfg->pin_path;
	dpo.max_flows = d.cfg->max_flows;
	err = dp_load(&d.dp, &dpo, &d.adopted);
	if (err) {
		log_warnx("loading the XDP program: %s%s", strerror(-err),
			  err == -EPROTO   ? " (pinned maps of another build)"
			  : err == -EINVAL ? " (pinned maps of another build? xlbd --detach first)"
					   : "");
		goto out;
	}
	err = if_mac(ifname, xc.if_mac);
	if (err) {
		log_warnx("MAC of %s: %s", ifname,
			  err == -EPFNOSUPPORT ? "not an Ethernet interface" : strerror(-err));
		goto out;
	}
	d.if_mac_set = 1;
	memcpy(d.if_mac, xc.if_mac, 6);
	err = xlbd_dp_config(&d, d.cfg);
	if (err) {
		log_warnx("writing xlb_config: %s", strerror(-err));
		goto out;
	}

	d.base = event_base_new();
	if (!d.base)
		fatalx("event_base_new failed");
	err = neigh_open(&d.neigh, neigh_to_lb, routes_to_lb, &d);
	if (err) {
		log_warnx("netlink: %s", strerror(-err));
		goto out;
	}
	d.lb = lb_new(d.dp, lb_wants_mac, &d);
	if (!d.lb)
		goto out;
	if (d.adopted && (err = lb_adopt(d.lb))) {
		log_warnx("adopting pinned state: %s", strerror(-err));
		goto out;
	}
	err = lb_apply_config(d.lb, d.cfg, &ch);
	lb_changes_free(&ch);
	if (err)
		log_warnx("applying %s: %s", d.cfg_path, strerror(-err));
	d.health = health_new(d.base, d.lb);
	if (!d.health)
		fatalx("health checker: out of memory");
	health_sync(d.health, d.cfg);
	err = neigh_dump(d.neigh);
	if (err)
		log_warnx("reading the neighbour table: %s", strerror(-err));

	/* attach last: the first packet finds the maps filled */
	err = dp_attach(d.dp, d.ifindex, dp_mode_of(d.cfg->xdp_mode), &d.attach);
	if (err) {
		log_warnx("attaching to %s: %s%s", ifname, strerror(-err),
			  err == -EBUSY ? " (another XDP program is attached)" : "");
		goto out;
	}
	log_info("%s program %u on %s (%s mode), %u vips",
		 d.attach.kept	     ? "kept"
		 : d.attach.replaced ? "replaced by"
				     : "attached",
		 d.attach.prog_id, ifname, d.attach.mode == DP_MODE_GENERIC ? "generic" : "native",
		 lb_vip_count(d.lb));

	err = control_open(&d.ctl, d.base, d.cfg->control_socket, 0600, xlbd_handle, &d);
	if (err) {
		log_warnx("control socket %s: %s%s", d.cfg->control_socket, strerror(-err),
			  err == -EADDRINUSE ? " (another xlbd is running)" : "");
		goto out;
	}
	if (!fg && daemon(0, 0))
		fatal("daemon");
	d.started = time(NULL);

	ev_neigh = event_new(d.base, neigh_fd(d.neigh), EV_READ | EV_PERSIST, on_neigh, &d);
	ev_timer = event_new(d.base, -1, EV_PERSIST, on_resolve_timer, &d);
	d.ev_sweep = evtimer_new(d.base, on_sweep_timer, &d);
	event_add(ev_neigh, NULL);
	event_add(ev_timer, &period);
	/* a first rebuild at once: our program now sets the bits of what it records */
	evtimer_add(d.ev_sweep, &now);
	for (i = 0; i < 4; i++) {
		ev_sig[i] = evsignal_new(d.base, sigs[i], on_signal, &d);
		event_add(ev_sig[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	event_base_dispatch(d.base);
	rc = 0;

	if (d.detach_requested) {
		/* the reply went out with the loop's last turn */
		control_close(d.ctl);
		d.ctl = NULL;
		err = dp_detach(d.cfg->pin_path, d.ifindex);
		if (err)
			log_warnx("detach: %s", strerror(-err));
		else
			log_info("detached from %s", ifname);
		rc = err ? 1 : 0;
	}
out:
	for (i = 0; i < 4; i++)
		if (ev_sig[i])
			event_free(ev_sig[i]);
	if (ev_neigh)
		event_free(ev_neigh);
	if (ev_timer)
		event_free(ev_timer);
	if (d.ev_sweep)
		event_free(d.ev_sweep);
	control_close(d.ctl);
	health_free(d.health);
	lb_free(d.lb);
	neigh_close(d.neigh);
	dp_close(d.dp);
	if (d.base)
		event_base_free(d.base);
	cfg_free(d.cfg);
	return rc;
}

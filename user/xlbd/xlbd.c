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
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "announce.h"
#include "caps.h"
#include "daemon.h"
#include "health.h"
#include "instance.h"
#include "journal.h"
#include "log.h"
#include "names.h"
#include "netns.h"
#include "metrics.h"
#include "monitor.h"
#include "notify.h"
#include "stats.h"
#include "xdp_refusal.h"
#include "version.h"

#define XLBD_CONF_DEFAULT  "/etc/xlb/xlb.yaml"
#define RESOLVE_PERIOD_SEC 1
#define READY_WAIT_SEC	   3 /* the longest start-up waits for next hops */
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
		"usage: xlbd [-c FILE] [-i IFACE] [-f] [-v] [-n | --detach] [--version]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -i, --interface IF  interface to attach to (overrides the config)\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"  -v, --verbose       debug logging (libbpf's too)\n"
		"  -n, --check         check the configuration and exit\n"
		"      --detach        detach xlb from the interface, remove its pins, exit\n"
		"      --version       print the version and exit\n",
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
	uint8_t now[6];

	if (!d->lb)
		return;
	if (ev != NEIGH_GONE)
		lb_mac_update(d->lb, ours, a, mac);
	else if (lb_is_nexthop(d->lb, ours, a) && neigh_resolve(d->neigh, ifindex, a, now) == 1)
		lb_mac_update(d->lb, ours, a, now); /* aged out: ask again, keep the MAC */
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
static int lb_wants_mac(void *ctx, const struct xlb_addr *a, struct lb_nexthop *nh, uint8_t mac[6])
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
	return neigh_resolve(d->neigh, oif, &nh->addr, mac);
}

/* What we serve, in one line for `systemctl status`. */
static void service_status(struct xlbd *d)
{
	unsigned i, j, nbe = 0, serving = 0, dark = 0;
	char s[256];

	for (i = 0; i < lb_vip_count(d->lb); i++) {
		const struct lb_vip *v = lb_vip_at(d->lb, i);
		unsigned in_ring = 0;

		for (j = 0; j < v->nbe; j++)
			in_ring += v->be[j]->eff_weight > 0;
		nbe += v->nbe;
		serving += in_ring;
		dark += !in_ring;
	}
	snprintf(s, sizeof(s), "%u vips on %s, %u of %u backends serving", lb_vip_count(d->lb),
		 d->ifname, serving, nbe);
	if (dark)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "; %u vip%s without one", dark,
			 dark == 1 ? "" : "s");
	notify_status(s);
}

/*
 * Ready once the program is attached and every ring holds what it can: each
 * backend has its MAC, or its next hop failed to answer, or READY_WAIT_SEC
 * passed (a next hop that neither answers nor fails must not hold start-up).
 */
static void service_ready_check(struct xlbd *d)
{
	unsigned waiting;

	service_status(d);
	if (d->ready)
		return;
	waiting = lb_resolving_count(d->lb);
	if (waiting && time(NULL) < d->ready_by)
		return;
	if (waiting)
		log_info("ready with %u backend%s still resolving", waiting,
			 waiting == 1 ? "" : "s");
	/* from here on, each MAC found is a line of its own */
	log_info("ready: %u backends' MACs found since the start (each one found later is "
		 "logged)",
		 lb_quiet_macs(d->lb, 0));
	d->ready = 1;
	notify_ready();
}

static void on_started(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	service_ready_check(arg);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_watchdog();
}

static void on_resolve_timer(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd *d = arg;

	(void)fd;
	(void)what;
	lb_resolve_pending(d->lb);
	lb_settle(d->lb);
	service_ready_check(d);
	/* the interface's MTU, when the file gives none: followed as it changes */
	if (xlbd_link_mtu_read(d)) {
		log_info("%s: MTU now %u%s", d->ifname, d->link_mtu,
			 d->cfg->mtu ? "; the file's mtu is used"
				     : ": tunnelled frames are measured against it");
		if (!d->cfg->mtu && d->dp)
			xlbd_dp_config(d, d->cfg);
	}
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

static void on_stats_timer(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd *d = arg;

	(void)fd;
	(void)what;
	stats_sample(d->stats);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct xlbd *d = arg;
	json_object *r;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->cfg_path);
		r = xlbd_reload(d, 0);
		json_object_put(r);
		return;
	}
	log_info("%s: exiting; the data plane stays attached", strsignal((int)sig));
	notify_stopping();
	event_base_loopexit(d->base, NULL);
}

/* The pin directory: on bpffs, ours and writable by nobody else. 1 if we made it. */
static int pin_dir(const char *path)
{
	struct statfs st;
	char parent[4096], *slash;
	const char *why;
	int made, err;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st) || st.f_type != BPF_FS_MAGIC) {
		log_warnx("%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", parent);
		return -ENOTSUP;
	}
	made = access(path, F_OK) != 0;
	err = instance_check_dir(path, 1, &why);
	if (err) {
		log_warnx("pin_path %s %s: refused", path, why);
		return err;
	}
	return made;
}

/*
 * The pin path keys the instance as text (config.c folds its spellings): a
 * symbolic link on the way would let two spellings name one directory, so
 * the part of it that exists must be its own real path. 0, or -ELOOP with
 * the real path said.
 */
static int pin_path_is_real(const char *path)
{
	char part[4096], *real, *slash;
	int err = 0;

	snprintf(part, sizeof(part), "%s", path);
	while (!(real = realpath(part, NULL)) && (slash = strrchr(part, '/')) && slash != part)
		*slash = 0;
	if (real && strcmp(real, part)) {
		log_warnx("pin_path %s: %s is a symbolic link to %s: write the real path", path,
			  part, real);
		err = -ELOOP;
	}
	free(real);
	return err;
}

/* Is another process serving what we are about to? Then name it. */
static void say_holder(const char *what, const struct instance_holder *h)
{
	log_warnx("%s is served by a running xlbd (pid %d, control socket %s, interface %s, "
		  "pin_path %s): nothing changed",
		  what, h->pid, h->socket[0] ? h->socket : "?", h->ifname[0] ? h->ifname : "?",
		  h->pin_path[0] ? h->pin_path : "?");
}

static enum dp_mode dp_mode_of(enum cfg_xdp_mode m)
{
	return m == CFG_XDP_NATIVE    ? DP_MODE_NATIVE
	       : m == CFG_XDP_GENERIC ? DP_MODE_GENERIC
				      : DP_MODE_AUTO;
}

/*
 * No syslog, and stderr a terminal: a daemon must not keep writing to a
 * terminal it was started from (nobody reads it once the shell is gone), so
 * its lines go to a file of the instance, said on the terminal first. A
 * stderr that is a file or a pipe was the operator's choice: it stays.
 */
static void log_leave_terminal(const char *pin_path)
{
	char path[512];
	int fd;

	if (!isatty(STDERR_FILENO))
		return;
	if (instance_log_path(path, sizeof(path), pin_path) ||
	    (mkdir(XLB_LOG_DIR, 0750) && errno != EEXIST) ||
	    (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0) {
		log_warn("no syslog listens on /dev/log, and %s cannot take the log: it stays on "
			 "this terminal",
			 XLB_LOG_DIR);
		return;
	}
	log_info("no syslog listens on /dev/log: logging to %s", path);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* This network namespace as an operator names it: "netns NAME", or by its inode. */
static const char *netns_said(char *buf, size_t len)
{
	char name[256];

	if (!netns_name(name, sizeof(name)))
		snprintf(buf, len, "netns %.100s", name);
	else
		snprintf(buf, len, "network namespace net:[%lu]", netns_inode());
	return buf;
}

/* Detach what is pinned at the config's pin path, unless a daemon serves it. */
static int do_detach(struct xlbd *d, const char *ifname)
{
	struct instance_holder who;
	struct instance in;
	char done[256];
	int err;

	err = instance_lock(&in, d->cfg->pin_path, 0, ifname, NULL, &who);
	if (err == -EBUSY) {
		log_warnx("%s is served by xlbd pid %d: ask it with 'xlbctl -s %s detach', or stop "
			  "it first; nothing detached",
			  d->cfg->pin_path, who.pid, who.socket[0] ? who.socket : "SOCKET");
		return 1;
	}
	if (err) {
		log_warnx("locking %s: %s", d->cfg->pin_path, strerror(-err));
		return 1;
	}
	err = dp_detach(d->cfg->pin_path, ifname ? (int)if_nametoindex(ifname) : 0, done,
			sizeof(done));
	if (!err) {
		xlbd_forget_state(d->cfg->pin_path);
		/* the routes and the drain mark go with the data plane */
		announce_forget(d->cfg->pin_path);
	}
	instance_unlock(&in);
	if (err == -ENODEV) {
		char ns[128];

		log_warnx(
			"detach: the program pinned at %s is attached to no interface of %s: run "
			"xlbd --detach in the namespace of its interface (nsenter "
			"--net=/run/netns/NAME); nothing detached, the pins are kept (if it serves "
			"nowhere, rm -r %s)",
			d->cfg->pin_path, netns_said(ns, sizeof(ns)), d->cfg->pin_path);
		return 1;
	}
	if (err) {
		log_warnx("detach: %s", strerror(-err));
		return 1;
	}
	if (done[0])
		printf("xlb detached from %s; %s removed\n", done, d->cfg->pin_path);
	else
		printf("no xlb program was attached; %s removed\n", d->cfg->pin_path);
	return 0;
}

/* A line of the runtime state file that cannot be replayed. */
static void journal_warn(void *ctx, unsigned lineno, const char *why, const char *line)
{
	log_warnx("runtime state file %s:%u: left out, %s: %.200s", (const char *)ctx, lineno, why,
		  line);
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
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct xlbd d = { .cfg_path = XLBD_CONF_DEFAULT };
	int fg = 0, verbose = 0, check = 0, detach = 0, c, err, rc = 1, made_pins = 0;
	struct event *ev_neigh = NULL, *ev_timer = NULL, *ev_sig[4] = {};
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT };
	struct timeval period = { RESOLVE_PERIOD_SEC, 0 }, now = { 0, 0 };
	struct instance inst = { -1, -1 };
	struct instance_holder who;
	struct dp_opts dpo = {};
	struct xlb_config xc = {};
	struct lb_changes ch = {};
	const char *ifname = NULL;
	char *cfg_abs = NULL, state[512] = "";
	sigset_t block, old;
	uint64_t usec;
	unsigned i;

	/*
	 * Signals wait until the loop runs: a SIGHUP or SIGTERM during start-up
	 * must neither kill us half way nor reload a half-made state.
	 */
	sigemptyset(&block);
	for (i = 0; i < 4; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN);

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
		case 'V':
			printf("xlbd %s\n", XLB_VERSION);
			return 0;
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
	/*
	 * Descriptors: every health check and control client takes one, and
	 * running out must never look like backends failing. Take all we may.
	 */
	{
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* every start-up message reaches the terminal, daemon or not */
	log_init("xlbd", 1, verbose);
	if (fg)
		log_daemon_stderr();

	if (cfg_load(d.cfg_path, &d.cfg, stderr))
		return 1;
	/* reloads come after daemon() has left the working directory */
	cfg_abs = realpath(d.cfg_path, NULL);
	if (cfg_abs)
		d.cfg_path = cfg_abs;
	if (!ifname)
		ifname = d.cfg->interface;
	if (pin_path_is_real(d.cfg->pin_path))
		goto out;
	if (check) {
		printf("%s: configuration OK (%u vips)\n", d.cfg_path, d.cfg->vips_count);
		rc = 0;
		goto out;
	}
	if (caps_check())
		goto out;
	if (detach) {
		rc = do_detach(&d, ifname);
		goto out;
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
	xlbd_link_mtu_read(&d); /* (the file's mtu, when given, wins) */
	err = if_mac(ifname, xc.if_mac);
	if (err) {
		log_warnx("MAC of %s: %s", ifname,
			  err == -EPFNOSUPPORT ? "not an Ethernet interface" : strerror(-err));
		goto out;
	}

	/* one instance per pin path and interface: checked before anything changes */
	d.inst = &inst;
	err = instance_lock(&inst, d.cfg->pin_path, d.ifindex, d.ifname, d.cfg->control_socket,
			    &who);
	if (err == -EBUSY) {
		say_holder(who.pin_path[0] && !strcmp(who.pin_path, d.cfg->pin_path)
				   ? d.cfg->pin_path
				   : d.ifname,
			   &who);
		goto out;
	}
	if (err) {
		log_warnx("instance lock in %s: %s", XLB_RUN_DIR, strerror(-err));
		goto out;
	}
	d.base = event_base_new();
	if (!d.base)
		fatalx("event_base_new failed");
	/* the socket before the maps: a clash leaves the running state alone */
	err = control_open(&d.ctl, d.base, d.cfg->control_socket, 0600, xlbd_handle, &d);
	if (err) {
		log_warnx("control socket %s: %s%s", d.cfg->control_socket, strerror(-err),
			  err == -EADDRINUSE ? " (another xlbd answers there)" : "");
		goto out;
	}
	/* for monitoring agents that need not be root: anyone may connect, and only read */
	if (d.cfg->control_socket_read_only &&
	    (err = control_open(&d.ctl_ro, d.base, d.cfg->control_socket_read_only, 0666,
				xlbd_handle_read_only, &d))) {
		log_warnx("control_socket_read_only %s: %s%s", d.cfg->control_socket_read_only,
			  strerror(-err),
			  err == -EADDRINUSE ? " (another xlbd answers there)" : "");
		goto out;
	}

	err = instance_path(state, sizeof(state), "state", d.cfg->pin_path, ".json");
	if (!err)
		err = journal_open(&d.journal, state, journal_warn, state);
	if (err) {
		log_warnx("runtime state file %s: %s", state, strerror(-err));
		goto out;
	}

	/*
	 * A program of ours attached in another mode than the file says: refused
	 * before anything is written, as a reload refuses the change (keeping it
	 * silently would run the mode the file does not say).
	 */
	{
		int mode = 0;

		if (d.cfg->xdp_mode != CFG_XDP_AUTO &&
		    dp_attached_id(d.cfg->pin_path, d.ifindex, &mode) &&
		    mode != (int)dp_mode_of(d.cfg->xdp_mode)) {
			log_warnx("xdp_mode: the program on %s is attached in %s mode and %s says "
				  "%s: changing the mode needs a detach first (xlbd --detach); "
				  "nothing changed",
				  d.ifname, mode == DP_MODE_GENERIC ? "generic" : "native",
				  d.cfg_path, names_str(&names_xdp_mode, (int)d.cfg->xdp_mode));
			goto out;
		}
	}

	/* the data plane: load, reusing whatever is pinned */
	made_pins = pin_dir(d.cfg->pin_path);
	if (made_pins < 0)
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
	/* from here on, a failed start removes what it pinned */
	made_pins = !d.adopted;
	d.if_mac_set = 1;
	memcpy(d.if_mac, xc.if_mac, 6);
	err = xlbd_dp_config(&d, d.cfg);
	if (err) {
		log_warnx("writing xlb_config: %s", strerror(-err));
		goto out;
	}

	err = neigh_open(&d.neigh, neigh_to_lb, routes_to_lb, &d);
	if (err) {
		log_warnx("netlink: %s", strerror(-err));
		goto out;
	}
	d.lb = lb_new(d.dp, lb_wants_mac, &d);
	if (!d.lb)
		goto out;
	lb_subscribe(d.lb, xlbd_on_lb, &d);
	/* thousands of backends: one line when ready, not one each (service_ready_check) */
	lb_quiet_macs(d.lb, 1);
	if (d.adopted && (err = lb_adopt(d.lb))) {
		log_warnx("adopting pinned state: %s", strerror(-err));
		goto out;
	}
	/* the file, then what xlbctl changed since: written to the maps as one */
	lb_begin(d.lb);
	err = lb_apply_config(d.lb, d.cfg, &ch);
	lb_changes_free(&ch);
	if (err)
		log_warnx("applying %s: %s", d.cfg_path, strerror(-err));
	xlbd_replay(&d);
	err = lb_commit(d.lb);
	if (err)
		log_warnx("writing the maps: %s", strerror(-err));
	if (d.adopted)
		log_info("%u of %u rings kept as pinned (built from what they would be built from)",
			 lb_rings_kept(d.lb), lb_vip_count(d.lb));
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
		char why[400];

		xdp_refusal(err, d.ifname, "xdp_mode: generic", why, sizeof(why));
		log_warnx("attaching to %s: %s%s%s", d.ifname, strerror(-err),
			  err == -EBUSY ? " (another XDP program is attached)"
			  : why[0]	? ": "
					: "",
			  why);
		goto out;
	}
	if (d.attach.native_err) {
		char why[400];

		xdp_refusal(d.attach.native_err, d.ifname, "xdp_mode: generic", why, sizeof(why));
		log_warnx(
			"xdp_mode auto: %s refused native XDP (%s%s%s); attached in generic mode, "
			"which costs an skb a packet",
			d.ifname, strerror(-d.attach.native_err), why[0] ? ": " : "", why);
	}
	made_pins = 0;
	d.stats = stats_new(d.dp, d.lb);
	if (!d.stats)
		fatalx("counters: out of memory");
	err = monitor_new(&d.mon, d.base, d.dp, d.lb, d.ctl, xlbd_monitor_sampling, &d);
	if (err)
		log_warnx("xlbctl monitor will not work: reading %s: %s", XLB_MAP_EVENTS,
			  strerror(-err));
	else
		control_on_subscribers(d.ctl, monitor_subscribers, d.mon);
	/* a table the file no longer names keeps none of our routes (a restart without announce:) */
	announce_release_others(d.cfg->pin_path, d.cfg->announce ? d.cfg->announce->table : 0);
	/* attached: the VIPs may be announced (routes a previous xlbd left are adopted) */
	if (d.cfg->announce) {
		err = announce_open(&d.ann, d.base, d.lb, d.cfg);
		if (err) {
			if (err != -EBUSY) /* (that one is said in full) */
				log_warnx("announce: the route socket: %s", strerror(-err));
			goto out;
		}
		announce_sync(d.ann);
	}
	if (d.cfg->metrics_listen) {
		struct metrics_src src;

		xlbd_metrics_src(&d, &src);
		err = metrics_open(&d.metrics, &src);
		if (err) {
			log_warnx("metrics_listen %s: %s", d.cfg->metrics_listen, strerror(-err));
			goto out;
		}
		log_info("metrics on http://%s/metrics", d.cfg->metrics_listen);
	}
	/* what is serving never changes while we run: read it once */
	err = dp_prog_build(d.attach.prog_id, d.prog_version, sizeof(d.prog_version));
	if (err)
		snprintf(d.prog_version, sizeof(d.prog_version), "%s",
			 err == -ENOENT ? "unknown (an older build)" : strerror(-err));
	log_info("%s program %u on %s (%s mode), %u vips",
		 d.attach.kept	     ? "kept"
		 : d.attach.replaced ? "replaced by"
				     : "attached",
		 d.attach.prog_id, d.ifname,
		 d.attach.mode == DP_MODE_GENERIC ? "generic" : "native", lb_vip_count(d.lb));

	if (!fg) {
		/* stderr stays ours where no syslog listens: lines are never lost */
		int logs_to_syslog = log_daemon_syslog();

		if (!logs_to_syslog) {
			log_daemon_stderr();
			log_leave_terminal(d.cfg->pin_path);
		}
		if (daemon(0, !logs_to_syslog))
			fatal("daemon");
		if (!logs_to_syslog) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (null >= 0) {
				dup2(null, STDIN_FILENO);
				dup2(null, STDOUT_FILENO);
				close(null);
			}
		}
		instance_update_pid(&inst);
	}
	d.started = time(NULL);

	ev_neigh = event_new(d.base, neigh_fd(d.neigh), EV_READ | EV_PERSIST, on_neigh, &d);
	ev_timer = event_new(d.base, -1, EV_PERSIST, on_resolve_timer, &d);
	d.ev_sweep = evtimer_new(d.base, on_sweep_timer, &d);
	d.ev_stats = event_new(d.base, -1, EV_PERSIST, on_stats_timer, &d);
	{
		struct timeval st = { STATS_SAMPLE_MS / 1000, (STATS_SAMPLE_MS % 1000) * 1000 };

		stats_sample(d.stats);
		event_add(d.ev_stats, &st);
	}
	event_add(ev_neigh, NULL);
	event_add(ev_timer, &period);
	/* a first rebuild at once: our program now sets the bits of what it records */
	evtimer_add(d.ev_sweep, &now);
	for (i = 0; i < 4; i++) {
		ev_sig[i] = evsignal_new(d.base, sigs[i], on_signal, &d);
		event_add(ev_sig[i], NULL);
	}
	/* the service manager hears of readiness from the loop, once it answers */
	d.ready_by = time(NULL) + READY_WAIT_SEC;
	event_base_once(d.base, -1, EV_TIMEOUT, on_started, &d, &now);
	usec = notify_watchdog_usec();
	if (usec) {
		struct timeval wd = { (time_t)(usec / 2 / 1000000),
				      (suseconds_t)(usec / 2 % 1000000) };

		d.ev_watchdog = event_new(d.base, -1, EV_PERSIST, on_watchdog, &d);
		event_add(d.ev_watchdog, &wd);
		log_debug("watchdog: a ping every %llu ms", (unsigned long long)usec / 2000);
	}
	/* what arrived during start-up is handled now, by the loop */
	sigprocmask(SIG_SETMASK, &old, NULL);

	event_base_dispatch(d.base);
	rc = 0;

	/* (xlbd_detach did the work and said so; it ended the loop) */
	if (d.detach_requested)
		rc = d.detach_rc;
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
	if (d.ev_watchdog)
		event_free(d.ev_watchdog);
	if (d.ev_stats)
		event_free(d.ev_stats);
	metrics_close(d.metrics);
	/* monitors go first: the last one leaving turns sampling off */
	control_close(d.ctl);
	control_close(d.ctl_ro);
	announce_close(d.ann);
	d.ann = NULL;
	monitor_free(d.mon);
	d.mon = NULL;
	stats_free(d.stats);
	health_free(d.health);
	lb_free(d.lb);
	neigh_close(d.neigh);
	dp_close(d.dp);
	/* a start that failed leaves the system as it found it */
	if (made_pins > 0) {
		err = dp_unpin(d.cfg->pin_path);
		if (err)
			log_warnx("removing the pins of a failed start from %s: %s",
				  d.cfg->pin_path, strerror(-err));
	}
	journal_free(d.journal);
	instance_unlock(&inst);
	if (d.base)
		event_base_free(d.base);
	cfg_free(d.cfg);
	free(cfg_abs);
	return rc;
}

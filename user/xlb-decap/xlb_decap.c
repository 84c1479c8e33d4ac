// SPDX-License-Identifier: GPL-2.0
/*
 * xlb-decap: loads the decapsulation program on a backend, so that it accepts
 * xlb's IPIP, IPv6-in-IPv6 and GUE tunnels with no tunnel device (the kernel
 * may have none). Independent of xlbd, which runs on the load balancer.
 *
 *   xlb-decap [--pin-dir DIR] attach IFACE [--gue-port N] [--mode native|generic|auto]
 *   xlb-decap [--pin-dir DIR] detach IFACE
 *   xlb-decap [--pin-dir DIR] status IFACE
 *
 * The program and its maps are pinned under /sys/fs/bpf/xlb-decap/IFACE (in
 * a network namespace named by ip-netns, IFACE@NAME; `status` says), so
 * `bpftool map dump pinned /sys/fs/bpf/xlb-decap/IFACE/xlb_dcp_stats` shows
 * the counters. attach again to refresh the port or the addresses (tunnels
 * are accepted to the interface's own addresses only).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "caps.h"
#include "log.h"
#include "netns.h"
#include "xdp_refusal.h"
#include "version.h"
#include "xlb_abi.h"
#include "xlb_decap.skel.h"

#define PIN_ROOT "/sys/fs/bpf/xlb-decap"

static const char *pin_override; /* --pin-dir */

/*
 * Interface names repeat across network namespaces, bpffs does not: in a
 * namespace named by ip-netns (/run/netns/NAME) the default pin directory is
 * IFACE@NAME, so each namespace keeps its own state. In an unnamed one, the
 * pins of IFACE are refused when their program serves no IFACE here
 * (pins_serve_here()): give --pin-dir there.
 */
static int pin_dir(const char *ifname, char *buf, size_t len)
{
	char ns[NAME_MAX + 1] = "";
	int n;

	if (pin_override)
		n = snprintf(buf, len, "%s", pin_override);
	else if (!netns_name(ns, sizeof(ns)))
		n = snprintf(buf, len, PIN_ROOT "/%s@%s", ifname, ns);
	else
		n = snprintf(buf, len, PIN_ROOT "/%s", ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The id of the program pinned in dir, 0 if none. */
static __u32 pinned_prog_id(const char *dir)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_PROG_NAME);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* The id of the program serving ifindex here, 0 if none. */
static __u32 attached_prog_id(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *xp;
	__u32 id = 0;

	if (libxdp_get_error(mp))
		return 0;
	xp = xdp_multiprog__main_prog(mp);
	if (xp)
		id = xdp_program__id(xp);
	xdp_multiprog__close(mp);
	return id;
}

/*
 * Pins whose program is loaded but serves no ifindex in this namespace are
 * another namespace's (or a program detached behind our back): refuse them.
 */
static int pins_serve_here(const char *dir, const char *ifname, int ifindex)
{
	__u32 id = pinned_prog_id(dir);

	if (!id || attached_prog_id(ifindex) == id)
		return 0;
	fprintf(stderr,
		"xlb-decap: the pins in %s are of a program that does not serve %s in this "
		"network namespace (another namespace's?): give --pin-dir, or detach it where "
		"it runs\n",
		dir, ifname);
	return -EREMOTE;
}

/* The interface's addresses, the only outer destinations accepted. */
static int fill_addrs(int fd, const char *ifname, int *n)
{
	struct ifaddrs *ifa, *i;
	struct xlb_decap_addr k, next;
	__u8 one = 1;

	/* start from an empty set: addresses may have been removed */
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	if (getifaddrs(&ifa))
		return -errno;
	*n = 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		memset(&k, 0, sizeof(k));
		if (i->ifa_addr->sa_family == AF_INET) {
			k.family = XLB_AF_INET;
			memcpy(k.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			k.family = XLB_AF_INET6;
			memcpy(k.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (!bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			(*n)++;
	}
	freeifaddrs(ifa);
	return 0;
}

static int do_attach(const char *ifname, int ifindex, int gue_port, enum xdp_attach_mode mode)
{
	struct xlb_decap_cfg cfg = { .gue_port = htons((__u16)gue_port) };
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct xlb_decap_bpf *skel;
	struct xdp_program *xp;
	struct bpf_map *m;
	__u32 zero = 0;
	int err, n = 0, fd, fresh, made_dir;

	err = pin_dir(ifname, dir, sizeof(dir));
	if (!err)
		err = pins_serve_here(dir, ifname, ifindex);
	if (err)
		return err;
	/* a first attach that fails leaves nothing behind: no pins, no directory */
	fresh = !pinned_prog_id(dir);
	if (!pin_override)
		mkdir(PIN_ROOT, 0700);
	made_dir = !mkdir(dir, 0700);
	if (!made_dir && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "xlb-decap: %s: %s\n", dir, strerror(errno));
		return err;
	}

	skel = xlb_decap_bpf__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map(m, skel->obj)
	{
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		bpf_map__set_pin_path(m, path);
	}
	err = xlb_decap_bpf__load(skel);
	if (err)
		goto out;
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_dcp_cfg), &zero, &cfg, BPF_ANY);
	if (!err)
		err = fill_addrs(bpf_map__fd(skel->maps.xlb_dcp_addrs), ifname, &n);
	if (err)
		goto out;

	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_PROG_NAME);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* attached already: the maps it shares are updated, nothing else */
		close(fd);
		printf("xlb-decap: %s: updated (GUE port %d, %d addresses)\n", ifname, gue_port, n);
		goto out;
	}
	xp = xdp_program__from_fd(bpf_program__fd(skel->progs.xlb_decap));
	err = (int)libxdp_get_error(xp);
	if (err)
		goto out;
	log_bpf_quiet(1);
	err = xdp_program__attach(xp, ifindex, mode, 0);
	/* auto: a driver that refuses native mode (an MTU past a page) gets generic */
	if (err && mode == XDP_MODE_UNSPEC && xdp_native_refused(err)) {
		char why[400];

		xdp_refusal(err, ifname, "--mode generic", why, sizeof(why));
		fprintf(stderr,
			"xlb-decap: %s refused native XDP (%s%s%s): attaching in generic mode, "
			"which costs an skb a packet\n",
			ifname, strerror(-err), why[0] ? ": " : "", why);
		err = xdp_program__attach(xp, ifindex, XDP_MODE_SKB, 0);
	}
	log_bpf_quiet(0);
	xdp_program__close(xp);
	if (err) {
		char why[400];

		xdp_refusal(err, ifname, "--mode generic", why, sizeof(why));
		if (why[0]) {
			fprintf(stderr, "xlb-decap: attach %s: %s: %s\n", ifname, strerror(-err),
				why);
			err = -EREMOTE; /* said */
		}
		goto out;
	}
	err = bpf_program__pin(skel->progs.xlb_decap, path);
	if (!err)
		printf("xlb-decap: attached to %s (GUE port %d, %d addresses)\n", ifname, gue_port,
		       n);
out:
	if (err && fresh) {
		bpf_object__for_each_map(m, skel->obj)
		{
			snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
			unlink(path);
		}
		if (made_dir)
			rmdir(dir);
	}
	xlb_decap_bpf__destroy(skel);
	return err;
}

static int do_detach(const char *ifname, int ifindex)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct xdp_multiprog *mp;
	struct xdp_program *xp;
	int fd, err = 0;

	err = pin_dir(ifname, dir, sizeof(dir));
	if (!err)
		err = pins_serve_here(dir, ifname, ifindex);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_PROG_NAME);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!err && !libxdp_get_error(mp)) {
		xp = xdp_multiprog__main_prog(mp);
		if (xp && xdp_program__id(xp) == info.id)
			err = xdp_multiprog__detach(mp);
		xdp_multiprog__close(mp);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_PROG_NAME);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_MAP_CFG);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_MAP_ADDRS);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_MAP_STATS);
	unlink(path);
	rmdir(dir);
	if (!err)
		printf("xlb-decap: detached from %s\n", ifname);
	return err;
}

static int do_status(const char *ifname, int ifindex)
{
	int ncpu = libbpf_num_possible_cpus(), fd, c;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct xlb_decap_stats *per, sum = {};
	struct xlb_decap_cfg cfg = {};
	__u32 zero = 0;

	if (pin_dir(ifname, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	if (pins_serve_here(dir, ifname, ifindex))
		return -EREMOTE;
	/* what the link runs, not what is pinned, says whether it is attached */
	if (!pinned_prog_id(dir))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_MAP_CFG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	bpf_map_lookup_elem(fd, &zero, &cfg);
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", dir, XLB_DECAP_MAP_STATS);
	fd = bpf_obj_get(path);
	per = calloc((size_t)ncpu, sizeof(*per));
	if (fd < 0 || !per || bpf_map_lookup_elem(fd, &zero, per)) {
		free(per);
		return -ENOENT;
	}
	close(fd);
	for (c = 0; c < ncpu; c++) {
		__u64 *s = (__u64 *)&sum, *p = (__u64 *)&per[c];
		size_t i;

		for (i = 0; i < sizeof(sum) / sizeof(__u64); i++)
			s[i] += p[i];
	}
	free(per);
	printf("xlb-decap on %s, GUE port %u, pinned in %s\n", ifname, ntohs(cfg.gue_port), dir);
	printf("  decapsulated: ipip %llu, ip6ip6 %llu, ip4in6 %llu, ip6in4 %llu (in GUE %llu)\n",
	       sum.ipip, sum.ip6ip6, sum.ip4in6, sum.ip6in4, sum.gue);
	printf("  passed: %llu not tunnels, %llu tunnels to other addresses; dropped %llu "
	       "malformed\n",
	       sum.passed, sum.not_ours, sum.malformed);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlb-decap [--pin-dir DIR] attach IFACE [--gue-port N] "
		"[--mode native|generic|auto]\n"
		"       xlb-decap [--pin-dir DIR] detach IFACE\n"
		"       xlb-decap [--pin-dir DIR] status IFACE\n"
		"       xlb-decap --version\n"
		"  --pin-dir: where the program and maps are pinned (default %s/IFACE, or\n"
		"  IFACE@NAME in the network namespace NAME of ip-netns)\n"
		"  attach again after the interface's addresses change: only tunnels to\n"
		"  the addresses it had at attach are accepted\n",
		PIN_ROOT);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gue-port", required_argument, NULL, 'g' },
		{ "mode", required_argument, NULL, 'm' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	int gue_port = XLB_GUE_PORT_DEFAULT, c, ifindex, err;
	const char *cmd, *ifname;
	char *end;

	log_init("xlb-decap", 1, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			gue_port = (int)strtol(optarg, &end, 10);
			if (*end || gue_port < 1 || gue_port > 65535) {
				fprintf(stderr, "xlb-decap: --gue-port: 1..65535, got \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 'm':
			if (!strcmp(optarg, "native"))
				mode = XDP_MODE_NATIVE;
			else if (!strcmp(optarg, "generic"))
				mode = XDP_MODE_SKB;
			else if (strcmp(optarg, "auto")) {
				fprintf(stderr, "xlb-decap: --mode: native, generic or auto\n");
				return 2;
			}
			break;
		case 'p':
			pin_override = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xlb-decap %s\n", XLB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	ifname = argv[optind + 1];
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "xlb-decap: no interface %s\n", ifname);
		return 1;
	}
	/* (status reads pins only) */
	if ((!strcmp(cmd, "attach") || !strcmp(cmd, "detach")) && caps_check())
		return 1;
	if (!strcmp(cmd, "attach"))
		err = do_attach(ifname, ifindex, gue_port, mode);
	else if (!strcmp(cmd, "detach"))
		err = do_detach(ifname, ifindex);
	else if (!strcmp(cmd, "status"))
		err = do_status(ifname, ifindex);
	else {
		usage(stderr);
		return 2;
	}
	if (err == -ENOENT)
		fprintf(stderr, "xlb-decap: not attached to %s\n", ifname);
	else if (err && err != -EREMOTE) /* that one has said why */
		fprintf(stderr, "xlb-decap: %s %s: %s\n", cmd, ifname, strerror(-err));
	return err ? 1 : 0;
}
